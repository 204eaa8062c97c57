"""Customers' appointments at the front desk: visit types, conflict checks, outcomes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officekit import ManualClock, Office
from officekit.errors import ConflictError, PermissionDenied, ValidationError
from officekit.plugins.assistant.schedule.appointments import APPOINTMENTS_DESK
from officekit.plugins.assistant.schedule.diary import ScheduleConflict

UTC = dt.UTC
MONDAY = dt.datetime(2026, 3, 2, 7, 0, tzinfo=UTC)

PATIENT = {"given_name": "Maria", "family_name": "Rossi", "birth_date": "1980-05-01"}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def monday() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def practice(store_url: str, monday: ManualClock) -> Any:
    office = Office.open(store_url, profile="medical", clock=monday)
    yield office
    office.close()


def _patient(office: Office) -> tuple[Any, int]:
    rosa = office.staff.hire("Rosa Silva", roles=["medical_receptionist"], experience_years=1)
    with office.desk(rosa) as desk:
        record = desk.records.enter("patient", PATIENT).record
    return rosa, record.id


def test_an_appointment_takes_its_visit_types_length_and_is_confirmed(practice: Office) -> None:
    office = practice
    rosa, patient = _patient(office)
    with office.desk(rosa) as desk:
        appointments = desk.facet(APPOINTMENTS_DESK)
        entry = appointments.book("gp_long", provider="dr_okafor", start=at(3, 9), customer=patient)
        assert (entry.kind, entry.end - entry.start, entry.people) == (
            "appointment",
            dt.timedelta(minutes=20),
            ("dr_okafor",),
        )
        nurse = appointments.book("nurse_clinic", start=at(3, 9), customer=patient)
        assert nurse.people == ("nurse_hughes",) and nurse.rooms == ("treatment",)
        with pytest.raises(ScheduleConflict, match="already booked"):
            appointments.book("gp", provider="dr_okafor", start=at(3, 9, 10), customer=patient)
        text = appointments.confirm(entry)
    fields = office.schedule.appointment_fields(entry.uid)
    assert fields["date"] == "2026-03-03" and fields["time"] == "09:00"
    assert (
        fields["provider"] == "Dr Daniel Okafor" and fields["visit_type"] == "Long GP appointment"
    )
    assert fields["customer"] == str(patient) and fields["minutes"] == 20
    assert "09:00" in text
    (booked, _) = office.events(operation="appointments.book", outcome="ok")
    assert booked.detail == {
        "entry_id": 1,
        "kind": "appointment",
        "minutes": 20,
        "people": 1,
        "rooms": 0,
        "recurring": False,
        "override": False,
        "visit_type": "gp_long",
        "lead_days": 1,
    }
    (confirmed,) = office.events(operation="appointments.confirm")
    assert confirmed.detail["entry_id"] == 1 and confirmed.detail["visit_type"] == "gp_long"
    log = json.dumps([dict(e.detail) for e in office.events(operation="appointments.")])
    assert "Maria" not in log and "Rossi" not in log


def test_wrong_appointments_are_refused_before_anything_is_written(practice: Office) -> None:
    office = practice
    rosa, patient = _patient(office)
    before = len(office.events())
    with office.desk(rosa) as desk:
        with pytest.raises(ValidationError) as caught:
            desk.appointments.book("gp", start=at(3, 9), customer="Maria Rossi")
        assert {p.where for p in caught.value.problems} == {"provider", "customer"}
        with pytest.raises(ValidationError, match="does not provide"):
            desk.appointments.book("gp", provider="nurse_hughes", start=at(3, 9), customer=patient)
        with pytest.raises(ValidationError, match="no record 999"):
            desk.appointments.book("nurse_clinic", start=at(3, 9), customer=999)
        with pytest.raises(ValidationError, match="visit type"):
            desk.appointments.book("massage", start=at(3, 9), customer=patient)
        meeting = _meeting(office)
        with pytest.raises(ValidationError, match="not an appointment"):
            desk.appointments.confirm(meeting)
    assert len([e for e in office.events() if e.operation.startswith("appointments.")]) == 0
    assert len(office.events()) >= before


def _meeting(office: Office) -> str:
    paula = office.staff.hire("Paula Grant", roles=["administrative_assistant"], experience_years=6)
    pat = office.staff.hire("Pat Manager", roles=["practice_manager"], experience_years=8)
    with office.desk(pat) as desk:
        desk.schedule.delegate("dr_patel", to=paula, scope="manage")
    with office.desk(paula) as desk:
        return desk.schedule.book("Meeting", start=at(5, 9), minutes=30, people=["dr_patel"]).uid


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    visit=st.one_of(
        st.none(), st.integers(), st.text(max_size=8), st.sampled_from(["gp", "gp_long"])
    ),
    customer=st.one_of(st.none(), st.booleans(), st.integers(-3, 10), st.text(max_size=70)),
    start=st.one_of(st.none(), st.text(max_size=4), st.datetimes(timezones=st.just(UTC))),
)
def test_hypothesis_wrong_values(
    sqlite_office: Office, visit: Any, customer: Any, start: Any
) -> None:
    office = sqlite_office
    staff = office.staff.list()
    rosa = staff[0] if staff else office.staff.hire("Rosa", roles=["medical_receptionist"])
    with office.desk(rosa) as desk, contextlib.suppress(ValidationError, ConflictError):
        desk.appointments.book(visit, provider="dr_patel", start=start, customer=customer)


def test_cancellations_late_ones_and_no_shows_are_recorded(
    practice: Office, monday: ManualClock
) -> None:
    office = practice
    rosa, patient = _patient(office)
    with office.desk(rosa) as desk:
        early = desk.appointments.book("gp", provider="dr_patel", start=at(5, 9), customer=patient)
        late = desk.appointments.book("gp", provider="dr_patel", start=at(2, 15), customer=patient)
        missed = desk.appointments.book(
            "gp", provider="dr_patel", start=at(2, 10), customer=patient
        )
        desk.appointments.cancel(early)
        desk.appointments.cancel(late.uid)
        with pytest.raises(ConflictError, match="not started yet"):
            desk.appointments.no_show(missed)
        monday.advance(hours=3, minutes=15)  # 10:15
        desk.appointments.no_show(missed)
        with pytest.raises(ConflictError, match="no_show"):
            desk.appointments.no_show(missed)
        with pytest.raises(ConflictError, match="has started"):
            desk.appointments.cancel(missed)
        with pytest.raises(ConflictError, match="already cancelled"):
            desk.appointments.cancel(early)
    cancels = office.events(operation="appointments.cancel", outcome="ok")
    assert [(e.detail["late"], e.detail["hours_before"]) for e in cancels] == [
        (False, 74),
        (True, 8),
    ]
    (no_show,) = office.events(operation="appointments.no_show")
    assert no_show.detail == {"entry_id": 3, "visit_type": "gp"}
    # the cancelled time is free again
    with office.desk(rosa) as desk:
        desk.appointments.book("gp", provider="dr_patel", start=at(5, 9), customer=patient)


def test_reminders_due_and_sent(practice: Office, monday: ManualClock) -> None:
    office = practice
    rosa, patient = _patient(office)
    with office.desk(rosa) as desk:
        soon = desk.appointments.book("gp", provider="dr_patel", start=at(3, 9), customer=patient)
        later = desk.appointments.book("gp", provider="dr_patel", start=at(10, 9), customer=patient)
        gone = desk.appointments.book("gp", provider="dr_okafor", start=at(3, 10), customer=patient)
        desk.appointments.cancel(gone)
        assert office.schedule.reminders_due() == [soon.uid]  # medical: 48 hours ahead
        text = desk.appointments.remind(soon)
        assert office.schedule.reminders_due() == []
        monday.advance(days=7)
        assert office.schedule.reminders_due() == [later.uid]
        with pytest.raises(ConflictError):
            desk.appointments.remind(gone)
    assert "Dr Priya Patel" in text
    (reminded,) = office.events(operation="appointments.remind")
    assert reminded.detail["hours_before"] == 26


def test_a_legal_consultation_needs_a_clear_conflict_check(
    open_office: Callable[..., Office],
) -> None:
    firm = open_office("legal")
    lucia = firm.staff.hire("Lucia Bassi", roles=["legal_receptionist"], experience_years=3)
    clerk = firm.staff.hire("Carla Neri", roles=["clerk"], experience_years=3)
    with firm.desk(clerk) as desk:
        check = desk.records.conflict_check(client="Acme Ltd", adverse_parties=["Bolt plc"])
        record = desk.records.enter("client", {"name": "Acme Ltd", "client_type": "organisation"})
    assert check.result == "clear"
    tuesday = dt.datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York
    with firm.desk(lucia) as desk:
        with pytest.raises(ValidationError, match="conflict check"):
            desk.appointments.book(
                "consultation", provider="partner_rossi", start=tuesday, customer=record.record.id
            )
        entry = desk.appointments.book(
            "consultation",
            provider="partner_rossi",
            start=tuesday,
            customer=record.record.id,
            conflict_check=check,
        )
        assert entry.end - entry.start == dt.timedelta(minutes=60)
        with pytest.raises(ValidationError, match="no conflict check"):
            desk.appointments.book(
                "consultation",
                provider="associate_chen",
                start=tuesday,
                customer=record.record.id,
                conflict_check=1,
            )
    (booked,) = firm.events(operation="appointments.book", outcome="ok")
    assert booked.detail["conflict_check"] == check.event_seq


def test_only_staff_with_the_appointments_responsibility_book(practice: Office) -> None:
    office = practice
    _, patient = _patient(office)
    clerk = office.staff.hire("Carl Clerk", roles=["clerk"], experience_years=2)
    with office.desk(clerk) as desk, pytest.raises(PermissionDenied):
        desk.appointments.book("gp", provider="dr_patel", start=at(3, 9), customer=patient)
    assert office.events()[-1].outcome == "denied"
