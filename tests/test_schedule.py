"""The assistant's schedule: conflicts, free slots, delegation, hours, CLI and iCalendar."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from typer.testing import CliRunner

from officekit import ManualClock, Office, load_profile
from officekit.cli import main
from officekit.core.staff import StaffMember
from officekit.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ProfileError,
    ValidationError,
)
from officekit.plugins.assistant.schedule import recurrence
from officekit.plugins.assistant.schedule.diary import (
    SCHEDULE_DESK,
    SCHEDULE_OFFICE,
    ScheduleConflict,
)
from officekit.plugins.assistant.schedule.ical import export_calendar
from officekit.plugins.assistant.schedule.model import Entry
from officekit.plugins.assistant.schedule.settings import SCHEDULE
from officekit.plugins.assistant.schedule.slots import free_slots, merge, subtract
from officekit.plugins.assistant.schedule.tables import MIGRATIONS, schedule_entries

UTC = dt.UTC
MONDAY = dt.datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 07:00 in London (GMT in March)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in March 2026 (UTC, which is London time then)."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def monday() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def practice(store_url: str, monday: ManualClock) -> Any:
    office = Office.open(store_url, profile="medical", clock=monday)
    yield office
    office.close()


def _staff(office: Office) -> tuple[StaffMember, StaffMember, StaffMember]:
    """The practice's assistant (manages dr_patel), a receptionist, a manager."""
    paula = office.staff.hire("Paula Grant", roles=["administrative_assistant"], experience_years=6)
    rosa = office.staff.hire("Rosa Silva", roles=["medical_receptionist"], experience_years=1)
    pat = office.staff.hire("Pat Manager", roles=["practice_manager"], experience_years=8)
    with office.desk(pat) as desk:  # a calendar is delegated by someone else
        desk.schedule.delegate("dr_patel", to=paula, scope="manage")
        desk.schedule.delegate("dr_okafor", to=paula, scope="manage")
    return paula, rosa, pat


def _count(office: Office) -> tuple[int, int]:
    with office.engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(schedule_entries)).scalar()
    return int(rows or 0), len(office.events())


# -- booking and conflicts ---------------------------------------------------------------


def test_a_meeting_is_booked_and_a_clash_is_refused_with_its_reason(practice: Office) -> None:
    office = practice
    paula, _, _ = _staff(office)
    with office.desk(paula) as desk:
        schedule = desk.facet(SCHEDULE_DESK)
        entry = schedule.book(
            "Partners' meeting",
            start=at(2, 9),
            minutes=30,
            people=["dr_patel", "dr_okafor"],
            rooms=["consulting_1"],
        )
        assert (entry.kind, entry.start, entry.end) == ("meeting", at(2, 9), at(2, 9, 30))
        assert entry.uid.endswith("@officekit") and entry.timezone == "Europe/London"
        before = _count(office)
        with pytest.raises(ScheduleConflict) as caught:
            schedule.book("Other", start=at(2, 9, 15), minutes=30, rooms=["consulting_1"])
    assert "room 'consulting_1' is already booked 2026-03-02 09:00-09:30" in str(caught.value)
    assert caught.value.kinds == ["double_booked"]
    entries, events = _count(office)
    assert entries == before[0] and events == before[1] + 1
    refusal = office.events()[-1]
    assert (refusal.operation, refusal.outcome) == ("schedule.book", "denied")
    assert refusal.detail == {
        "reason": "conflict: double_booked",
        "decided_by": "schedule_conflict",
    }
    (booked,) = office.events(operation="schedule.book", outcome="ok")
    assert booked.subject == "schedule:dr_patel"
    assert booked.detail == {
        "entry_id": 1,
        "kind": "meeting",
        "minutes": 30,
        "people": 2,
        "rooms": 1,
        "recurring": False,
        "override": False,
    }
    assert office.facet(SCHEDULE_OFFICE).get(entry.uid) == entry


def test_adjacent_entries_do_not_clash_but_buffers_and_hours_do(practice: Office) -> None:
    office = practice
    paula, _, _ = _staff(office)
    with office.desk(paula) as desk:  # who manages the calendar sets the hours
        desk.schedule.set_hours(
            "dr_patel",
            hours=dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:00-18:00"),
            breaks=["12:30-13:30"],
            buffer_minutes=10,
        )
    with office.desk(paula) as desk:
        desk.schedule.book("A", start=at(2, 9), minutes=30, rooms=["consulting_2"])
        desk.schedule.book("B", start=at(2, 9, 30), minutes=30, rooms=["consulting_2"])  # adjacent
        desk.schedule.book("C", start=at(2, 10), minutes=30, people=["dr_patel"])
        cases = [
            (at(2, 10, 35), 20, "buffer", "person 'dr_patel' needs a buffer"),
            (at(2, 7, 30), 30, "outside_hours", "does not work 2026-03-02 07:30-08:00"),
            (at(2, 12, 0), 45, "break", "has a break"),
            (at(7, 10), 30, "outside_hours", "does not work"),  # a Saturday
        ]
        for start, minutes, kind, words in cases:
            with pytest.raises(ScheduleConflict, match=words) as caught:
                desk.schedule.book("X", start=start, minutes=minutes, people=["dr_patel"])
            assert caught.value.kinds == [kind]
        desk.schedule.book("D", start=at(2, 10, 40), minutes=20, people=["dr_patel"])


def test_time_off_blocks_bookings_and_is_booked_outside_hours(practice: Office) -> None:
    office = practice
    paula, _, _ = _staff(office)
    with office.desk(paula) as desk:
        desk.schedule.book(
            "Annual leave", kind="time_off", start=at(9, 0), end=at(21, 0), people=["dr_okafor"]
        )
        with pytest.raises(ScheduleConflict, match="is on time off") as caught:
            desk.schedule.book("Clinic", start=at(16, 9), minutes=30, people=["dr_okafor"])
        assert caught.value.kinds == ["time_off"]
        # a long entry is cut in pieces: a booking in the second week still sees it
        with pytest.raises(ScheduleConflict):
            desk.schedule.book("Clinic", start=at(20, 17), minutes=30, people=["dr_okafor"])
    slots = office.schedule.free_slots(30, people=["dr_okafor"], after=at(9, 8))
    assert slots[0].start >= at(21, 0)


def test_an_override_is_its_own_operation_and_needs_its_permission(practice: Office) -> None:
    office = practice
    paula, _, _ = _staff(office)
    rosa_scheduler = office.staff.hire("Tom Junior", roles=["medical_receptionist"])
    with office.desk(paula) as desk:
        first = desk.schedule.book("A", start=at(2, 9), minutes=30, people=["dr_patel"])
        desk.schedule.delegate("dr_patel", to=rosa_scheduler, scope="manage")
        with pytest.raises(ValidationError) as caught:
            desk.schedule.book("B", start=at(2, 9), minutes=30, people=["dr_patel"], override="  ")
        assert caught.value.problems[0].where == "override"
        second = desk.schedule.book(
            "Urgent", start=at(2, 9), minutes=15, people=["dr_patel"], override="urgent case"
        )
    (over,) = office.events(operation="schedule.override", outcome="ok")
    assert over.detail["override"] is True and over.detail["conflicts"] == ["double_booked"]
    assert over.detail["operation"] == "schedule.book"
    assert "urgent" not in json.dumps(over.detail)
    assert first.uid != second.uid
    with (
        office.desk(rosa_scheduler) as desk,
        pytest.raises(PermissionDenied, match=r"schedule\.override"),
    ):
        desk.schedule.book("C", start=at(2, 9), minutes=15, people=["dr_patel"], override="why")


def test_a_recurring_entry_is_checked_over_the_horizon_and_one_occurrence_cancelled(
    practice: Office,
) -> None:
    office = practice
    paula, _, _ = _staff(office)
    with office.desk(paula) as desk:
        far = desk.schedule.book(
            "Far", start=at(2, 11) + dt.timedelta(weeks=40), minutes=30, people=["dr_patel"]
        )
        with pytest.raises(ScheduleConflict, match="already booked"):
            desk.schedule.book(
                "Weekly", start=at(2, 11), minutes=60, people=["dr_patel"], rrule="FREQ=WEEKLY"
            )
        weekly = desk.schedule.book(
            "Weekly",
            start=at(2, 10),
            minutes=60,
            people=["dr_patel"],
            rrule="FREQ=WEEKLY;COUNT=10",
        )
        with pytest.raises(ScheduleConflict, match="2026-03-16 10:00-11:00"):
            desk.schedule.book("X", start=at(16, 10, 30), minutes=15, people=["dr_patel"])
        changed = desk.schedule.cancel(weekly.uid, occurrence=at(16, 10))
        assert changed.exdates == (at(16, 10),) and changed.sequence == 1
        desk.schedule.book("X", start=at(16, 10, 30), minutes=15, people=["dr_patel"])
        with pytest.raises(ValidationError, match="no occurrence"):
            desk.schedule.cancel(weekly.uid, occurrence=at(16, 10, 5))
        desk.schedule.cancel(far)
        with pytest.raises(ConflictError, match="already cancelled"):
            desk.schedule.cancel(far.uid)
    # the series after its COUNT is free again
    slots = office.schedule.free_slots(
        60, people=["dr_patel"], after=at(2, 10) + dt.timedelta(weeks=10)
    )
    assert slots[0].start == at(2, 10) + dt.timedelta(weeks=10)


def test_bad_bookings_name_every_problem_and_change_nothing(practice: Office) -> None:
    office = practice
    paula, _, _ = _staff(office)
    before = _count(office)
    with office.desk(paula) as desk, pytest.raises(ValidationError) as caught:
        desk.schedule.book(
            "",
            start=dt.datetime(2026, 3, 2, 9),
            minutes=30,
            kind="party",
            people=["dr_who", "dr_patel", "dr_patel"],
            rooms="consulting_1",
            rrule="FREQ=SOMETIMES",
            timezone="Mars/Olympus",
            status="maybe",
        )
    wheres = [p.where for p in caught.value.problems]
    for where in (
        "kind",
        "title",
        "start",
        "people[0]",
        "people[2]",
        "rooms",
        "timezone",
        "rrule",
        "status",
    ):
        assert where in wheres, where
    assert _count(office) == before
    with office.desk(paula) as desk:
        with pytest.raises(ValidationError, match="either end or minutes"):
            desk.schedule.book("A", start=at(2, 9), people=["dr_patel"])
        with pytest.raises(ValidationError, match="at least one person or room"):
            desk.schedule.book("A", start=at(2, 9), minutes=10)
        with pytest.raises(ValidationError, match="beyond the horizon"):
            desk.schedule.book(
                "A", start=at(2, 9) + dt.timedelta(days=400), minutes=10, people=["dr_patel"]
            )
        with pytest.raises(ValidationError, match="lasts at most"):
            desk.schedule.book("A", start=at(2, 9), minutes=25 * 60, people=["dr_patel"])
        with pytest.raises(NotFoundError):
            desk.schedule.cancel("nope@officekit")
    assert _count(office) == before


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.one_of(st.none(), st.integers(), st.text(max_size=3), st.just("x" * 300)),
    start=st.one_of(st.none(), st.text(max_size=5), st.datetimes()),
    minutes=st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=3)),
    people=st.one_of(
        st.none(),
        st.text(max_size=5),
        st.lists(st.one_of(st.integers(), st.text(max_size=6)), max_size=3),
    ),
    rrule=st.one_of(st.none(), st.integers(), st.text(max_size=12)),
)
def test_wrong_values_are_validation_errors(
    sqlite_office: Office, title: Any, start: Any, minutes: Any, people: Any, rrule: Any
) -> None:
    office = sqlite_office
    member = (
        office.staff.list()[0]
        if office.staff.list()
        else office.staff.hire(
            "Paula Grant", roles=["administrative_assistant"], experience_years=6
        )
    )
    with (
        office.desk(member) as desk,
        contextlib.suppress(ValidationError, ConflictError, PermissionDenied),
    ):
        desk.schedule.book(title, start=start, minutes=minutes, people=people, rrule=rrule)


# -- free slots --------------------------------------------------------------------------


def test_free_slots_are_common_to_everyone_and_bookable(practice: Office) -> None:
    office = practice
    paula, _, _ = _staff(office)
    with office.desk(paula) as desk:
        desk.schedule.book("A", start=at(2, 8), minutes=60, people=["dr_patel"])
        desk.schedule.book("B", start=at(2, 9, 15), minutes=30, people=["dr_okafor"])
        desk.schedule.book("C", start=at(2, 10), minutes=20, rooms=["consulting_1"])
    slots = office.schedule.free_slots(
        30, people=["dr_patel", "dr_okafor"], rooms=["consulting_1"], after=MONDAY, count=4
    )
    assert [s.start for s in slots] == [at(2, 10, 20), at(2, 10, 50), at(2, 11, 20), at(2, 11, 50)]
    slots = office.schedule.free_slots(30, people=["dr_patel"], after=at(2, 12, 40), count=2)
    assert [s.start for s in slots] == [at(2, 14), at(2, 14, 30)]  # the break 13:00-14:00
    friday = office.schedule.free_slots(45, people=["dr_patel"], after=at(6, 18), count=1)
    assert friday[0].start == at(9, 8)  # Monday morning after the weekend
    with office.desk(paula) as desk:
        for slot in office.schedule.free_slots(
            30, people=["dr_patel"], rooms=["treatment"], after=MONDAY, count=6
        ):
            desk.schedule.book(
                "S", start=slot.start, end=slot.end, people=["dr_patel"], rooms=["treatment"]
            )
    assert office.schedule.busy(at(2, 0), at(3, 0), people=["dr_patel"])[0] == (at(2, 8), at(2, 12))
    with pytest.raises(ValidationError, match="at least one person or room"):
        office.schedule.free_slots(30)
    with pytest.raises(ValidationError) as caught:
        office.schedule.free_slots(2, people=["x"], count=0, after=dt.datetime(2026, 1, 1))
    assert {p.where for p in caught.value.problems} == {"minutes", "count", "after", "people[0]"}


def test_the_interval_arithmetic() -> None:
    a = [(at(2, 9), at(2, 10)), (at(2, 9, 30), at(2, 11)), (at(2, 12), at(2, 13))]
    assert merge(a) == [(at(2, 9), at(2, 11)), (at(2, 12), at(2, 13))]
    assert subtract([(at(2, 8), at(2, 14))], merge(a)) == [
        (at(2, 8), at(2, 9)),
        (at(2, 11), at(2, 12)),
        (at(2, 13), at(2, 14)),
    ]
    found = free_slots(
        [(at(2, 8, 7), at(2, 9))], [], dt.timedelta(minutes=20), dt.timedelta(minutes=5), 5
    )
    assert [s[0] for s in found] == [at(2, 8, 10), at(2, 8, 30)]


# -- delegation ------------------------------------------------------------------------


def test_delegation_scopes_decide_booking_and_what_the_agenda_shows(practice: Office) -> None:
    office = practice
    paula, rosa, pat = _staff(office)
    room = office.facet(SCHEDULE_OFFICE)
    with office.desk(paula) as desk:
        desk.schedule.book(
            "Board meeting", start=at(2, 9), minutes=60, people=["dr_patel"], location="Town hall"
        )
        with pytest.raises(PermissionDenied, match="not delegated"):
            desk.schedule.book("X", start=at(2, 11), minutes=30, people=["nurse_hughes"])
    refusal = office.events()[-1]
    assert refusal.detail == {
        "reason": "the calendar of 'nurse_hughes' is not delegated to them to manage",
        "decided_by": "delegation",
    }
    # rosa: no delegation at all
    with pytest.raises(PermissionDenied):
        room.agenda("dr_patel", dt.date(2026, 3, 2), viewer=rosa)
    with office.desk(pat) as desk:
        desk.schedule.delegate("dr_patel", to=rosa, scope="free_busy")
    (busy,) = room.agenda("dr_patel", dt.date(2026, 3, 2), viewer=rosa)
    assert (busy.title, busy.kind, busy.details_visible, busy.location) == (
        "Busy",
        "busy",
        False,
        None,
    )
    assert "Board meeting" not in room.agenda_text("dr_patel", dt.date(2026, 3, 2), viewer=rosa)
    assert "Town hall" not in room.agenda_html("dr_patel", dt.date(2026, 3, 2), viewer=rosa)
    with office.desk(rosa) as desk, pytest.raises(PermissionDenied):
        desk.schedule.book("Y", start=at(2, 11), minutes=30, people=["dr_patel"])
    with office.desk(pat) as desk:
        again = desk.schedule.delegate("dr_patel", to=rosa, scope="read")
        assert room.scope("dr_patel", rosa) == "read"
        assert [d.scope for d in room.delegations() if d.staff_id == rosa.id] == ["read"]
    (item,) = room.agenda("dr_patel", dt.date(2026, 3, 2), viewer=rosa)
    assert (item.title, item.location, item.details_visible) == ("Board meeting", "Town hall", True)
    assert "Board meeting" in room.agenda_text("dr_patel", dt.date(2026, 3, 2), viewer=rosa)
    with office.desk(pat) as desk:
        (gone,) = desk.schedule.revoke("dr_patel", staff=rosa)
        assert gone.id == again.id and gone.revoked_by == pat.id
        with pytest.raises(NotFoundError):
            desk.schedule.revoke("dr_patel", staff=rosa)
    assert room.scope("dr_patel", rosa) is None
    # without a viewer: busy blocks only
    (anon,) = room.agenda("dr_patel", dt.date(2026, 3, 2))
    assert anon.details_visible is False
    # the receptionist may not delegate (schedule_management)
    with office.desk(rosa) as desk, pytest.raises(PermissionDenied):
        desk.schedule.delegate("dr_patel", to=rosa, scope="manage")
    events = office.events(operation="schedule.delegate", outcome="ok")
    assert events[-1].detail == {
        "principal": "dr_patel",
        "staff_id": rosa.id,
        "scope": "read",
        "delegation_id": again.id,
    }


def test_a_principals_own_role_keeps_their_calendar(open_office: Callable[..., Office]) -> None:
    shop = open_office("smallbusiness")
    owner = shop.staff.hire("Sam Carter", roles=["office_manager"], experience_years=10)
    with shop.desk(owner) as desk:
        entry = desk.schedule.book("Supplier call", start=at(2, 15), minutes=30, people=["owner"])
    assert shop.schedule.scope("owner", owner) == "own"
    (item,) = shop.schedule.agenda("owner", dt.date(2026, 3, 2), viewer=owner)
    assert item.title == "Supplier call" and item.occurrence.uid == entry.uid


# -- working hours -----------------------------------------------------------------------


def test_set_hours_replaces_the_profiles_and_is_checked(practice: Office) -> None:
    office = practice
    paula, rosa, pat = _staff(office)
    assert office.schedule.hours("dr_patel").set_at is None
    with office.desk(pat) as desk, pytest.raises(PermissionDenied, match="not delegated"):
        desk.schedule.set_hours("dr_patel", hours={"mon": "10:00-12:00"})  # no delegation
    refused = office.events(operation="schedule.set_hours", outcome="denied")[-1]
    assert refused.detail["decided_by"] == "delegation"
    with office.desk(paula) as desk:
        with pytest.raises(ValidationError) as caught:
            desk.schedule.set_hours(
                "dr_patel",
                hours={"mon": ["09:00-12:00", "11:00-13:00"], "xyz": "09:00-10:00", "tue": "9-5"},
                breaks="12:00-13:00",
                buffer_minutes=500,
            )
        wheres = {p.where for p in caught.value.problems}
        assert wheres == {"hours.xyz", "hours.tue[0]", "breaks", "buffer_minutes", "hours.mon"}
        hours = desk.schedule.set_hours("dr_patel", hours={"mon": "10:00-12:00"}, buffer_minutes=5)
    assert office.schedule.hours("dr_patel") == hours
    (event,) = office.events(operation="schedule.set_hours", outcome="ok")
    assert event.detail == {"principal": "dr_patel", "days": 1, "breaks": 0, "buffer_minutes": 5}
    with office.desk(paula) as desk, pytest.raises(ScheduleConflict, match="does not work"):
        desk.schedule.book("A", start=at(3, 10), minutes=30, people=["dr_patel"])
    with office.desk(rosa) as desk, pytest.raises(PermissionDenied):
        desk.schedule.set_hours("dr_patel", hours={"mon": "10:00-12:00"})


# -- iCalendar -----------------------------------------------------------------------------


def test_export_and_import_round_trip_between_offices(
    open_office: Callable[..., Office],
) -> None:
    first = open_office("medical")
    paula, _, _ = _staff(first)
    with first.desk(paula) as desk:
        desk.schedule.book(
            "Weekly review",
            start=at(3, 10),
            minutes=45,
            people=["dr_patel"],
            rrule="FREQ=WEEKLY;COUNT=4",
            rooms=["consulting_2"],
        )
        desk.schedule.book("Training", start=at(4, 14), minutes=90, people=["dr_patel"])
    data = first.schedule.export("dr_patel", at(1, 0), at(31, 0), viewer=paula)
    assert data.startswith(b"BEGIN:VCALENDAR") and b"Weekly review" in data
    second = open_office("medical", key="branch")
    paula2, _, _ = _staff(second)
    with second.desk(paula2) as desk:
        imported = desk.schedule.import_calendar(data)
        assert len(imported) == 2
        again = desk.schedule.import_calendar(data)  # already there: skipped
        assert again == []
    assert {e.uid for e in second.schedule.entries(at(1, 0), at(31, 0))} == {
        e.uid for e in imported
    }
    (event,) = second.events(operation="schedule.import", outcome="ok")[:1]
    assert event.detail == {"entries": 2, "skipped": 0, "recurring": 1}
    with second.desk(paula2) as desk, pytest.raises(ValidationError):
        desk.schedule.import_calendar(b"not a calendar")
    rosa = second.staff.list()[1]
    with pytest.raises(PermissionDenied):
        second.schedule.export("dr_patel", at(1, 0), at(31, 0), viewer=rosa)


def test_an_import_that_clashes_is_refused_whole(open_office: Callable[..., Office]) -> None:
    first = open_office("medical")
    paula, _, _ = _staff(first)
    with first.desk(paula) as desk:
        desk.schedule.book("One", start=at(3, 10), minutes=45, people=["dr_patel"])
        desk.schedule.book("Two", start=at(3, 12), minutes=45, people=["dr_patel"])
    data = first.schedule.export("dr_patel", at(1, 0), at(31, 0), viewer=paula)
    second = open_office("medical", key="branch")
    paula2, _, _ = _staff(second)
    with second.desk(paula2) as desk:
        desk.schedule.book("Busy", start=at(3, 12, 30), minutes=30, people=["dr_patel"])
        with pytest.raises(ScheduleConflict, match="not imported"):
            desk.schedule.import_calendar(data)
    assert len(second.schedule.entries(at(1, 0), at(31, 0))) == 1


# -- the profile section ------------------------------------------------------------------


def test_the_schedule_section_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "profile.toml"
    path.write_text(
        'extends = "medical"\nname = "bad"\n[schedule]\nbuffer_minutes = 500\nstep_minutes = 7\n'
        '[schedule.principals.dr_x]\nname = "X"\nrole = "wizard"\n'
        '[schedule.visit_types.v]\nname = "V"\nminutes = 2\nproviders = ["dr_y"]\n'
        'rooms = ["nowhere"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    text = str(caught.value)
    for key in (
        "schedule.buffer_minutes",
        "schedule.step_minutes",
        "schedule.principals.dr_x.role",
        "schedule.visit_types.v.minutes",
        "schedule.visit_types.v.providers[0]",
        "schedule.visit_types.v.rooms[0]",
    ):
        assert key in text, key


def test_each_sector_profile_has_its_own_schedule() -> None:
    lengths = {
        name: {k: v.minutes for k, v in load_profile(name).section(SCHEDULE).visit_types.items()}
        for name in ("medical", "legal", "education", "smallbusiness")
    }
    assert lengths["medical"] == {"gp": 10, "gp_long": 20, "nurse_clinic": 15}
    assert lengths["legal"]["consultation"] == 60
    assert lengths["education"]["parent_teacher"] == 15
    assert lengths["smallbusiness"]["service"] == 45
    assert lengths["smallbusiness"]["service_long"] == 90
    assert load_profile("legal").section(SCHEDULE).visit_types["consultation"].conflict_check


# -- the schema ------------------------------------------------------------------------------


def test_the_migrated_schema_matches_the_table_definitions(
    store_url: str, clock: ManualClock
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with (
        Office.open(store_url, profile="medical", clock=clock) as office,
        office.engine.connect() as conn,
    ):
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        diff = [
            d
            for d in compare_metadata(context, MIGRATIONS.metadata)
            if not (d[0] == "remove_table" and d[1].name not in MIGRATIONS.metadata.tables)
            and not (d[0] == "remove_index" and d[1].table.name not in MIGRATIONS.metadata.tables)
        ]
    assert diff == []


# -- the command line ----------------------------------------------------------------------


def test_the_commands_book_find_print_export_import_and_cancel(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Office.open(url, profile="medical", clock=ManualClock(MONDAY)) as office:
        _staff(office)

    def run(*args: str) -> Any:
        code = 0
        with CliRunner().isolation(env={"COLUMNS": "250"}) as (stdout, stderr, _):
            try:
                main([*args, "--db", url])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            sys.stdout.flush()
            sys.stderr.flush()
            text = stdout.getvalue().decode() + stderr.getvalue().decode()
        return types.SimpleNamespace(exit_code=code, output=text)

    booked = run(
        "schedule",
        "book",
        "Team meeting",
        "--as",
        "Paula Grant",
        "--start",
        "2027-03-02T10:00",
        "--minutes",
        "30",
        "--person",
        "dr_patel",
        "--format",
        "json",
    )
    assert booked.exit_code == 0, booked.output
    uid = json.loads(booked.output)["uid"]
    clash = run(
        "schedule",
        "book",
        "Clash",
        "--as",
        "Paula Grant",
        "--start",
        "2027-03-02T10:15",
        "--minutes",
        "30",
        "--person",
        "dr_patel",
    )
    assert (
        clash.exit_code == 1
        and "already booked" in clash.output
        and "Traceback" not in clash.output
    )
    free = run(
        "schedule",
        "free",
        "--minutes",
        "30",
        "--person",
        "dr_patel",
        "--after",
        "2027-03-02T09:50",
        "--count",
        "2",
        "--format",
        "json",
    )
    assert free.exit_code == 0, free.output
    assert [s["start"][:16] for s in json.loads(free.output)] == [
        "2027-03-02T10:30",
        "2027-03-02T11:00",
    ]
    agenda = run("schedule", "agenda", "dr_patel", "--day", "2027-03-02", "--as", "Paula Grant")
    assert agenda.exit_code == 0 and "Team meeting" in agenda.output
    html = run("schedule", "agenda", "dr_patel", "--day", "2027-03-02", "--html")
    assert (
        html.exit_code == 0 and "<html" in html.output.lower() and "Team meeting" not in html.output
    )
    ics = tmp_path / "patel.ics"
    exported = run(
        "schedule",
        "export",
        "dr_patel",
        "--as",
        "Paula Grant",
        "-o",
        str(ics),
        "--from",
        "2027-03-01",
        "--to",
        "2027-03-31",
    )
    assert exported.exit_code == 0, exported.output
    assert b"Team meeting" in ics.read_bytes()
    imported = run("schedule", "import", str(ics), "--as", "Paula Grant")
    assert imported.exit_code == 0 and "imported 0 entries" in imported.output
    cancelled = run("schedule", "cancel", uid, "--as", "Paula Grant")
    assert cancelled.exit_code == 0, cancelled.output
    bad = run(
        "schedule",
        "book",
        "X",
        "--as",
        "Paula Grant",
        "--start",
        "soon",
        "--minutes",
        "5",
        "--person",
        "dr_patel",
    )
    assert bad.exit_code == 2 and "--start" in bad.output
    unknown = run("schedule", "free", "--minutes", "30", "--person", "dr_nobody")
    assert unknown.exit_code == 1 and "dr_nobody" in unknown.output


# -- stateful: no accepted booking ever overlaps another for the same person or room ---------

PEOPLE = ("dr_patel", "dr_okafor", "nurse_hughes")
ROOMS = ("consulting_1", "consulting_2", "treatment")
# endless, long, hourly, weekly and yearly rules that meet only years on
RULES = (
    "FREQ=DAILY;COUNT=3",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;INTERVAL=3",
    "FREQ=DAILY;UNTIL=20270301",
    "FREQ=HOURLY;COUNT=4",
    "FREQ=HOURLY;INTERVAL=2;UNTIL=20260601T000000Z",
    "FREQ=YEARLY;INTERVAL=2",
    "FREQ=YEARLY",
)
CHECKED_YEARS = 12  # covers where a weekly and a biennial rule first meet (ten years on)
_offices = itertools.count(1)


def _machine(url: str) -> type[RuleBasedStateMachine]:
    class Bookings(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.office = Office.open(
                url, profile="medical", key=f"m{next(_offices)}", clock=ManualClock(MONDAY)
            )
            self.member = self.office.staff.hire(
                "Paula Grant", roles=["administrative_assistant"], experience_years=6
            )
            manager = self.office.staff.hire(
                "Pat Manager", roles=["practice_manager"], experience_years=8
            )
            with self.office.desk(manager) as desk:
                for person in PEOPLE:
                    desk.schedule.delegate(person, to=self.member, scope="manage")
            self.uids: list[str] = []
            self.overridden: set[str] = set()

        def _book(self, **kwargs: Any) -> None:
            with self.office.desk(self.member) as desk:
                try:
                    entry = desk.schedule.book("S", **kwargs)
                except ScheduleConflict as exc:
                    refused = bool(exc.conflicts)
                except ValidationError as exc:  # a series that overlaps itself
                    refused = exc.problems[0].where == "rrule"
                else:
                    self.uids.append(entry.uid)
                    return
            assert refused

        @rule(
            day=st.integers(2, 6),
            minute=st.integers(0, 11 * 12).map(lambda m: m * 5),
            minutes=st.sampled_from([10, 15, 20, 30, 45, 60, 90]),
            people=st.lists(st.sampled_from(PEOPLE), max_size=2, unique=True),
            rooms=st.lists(st.sampled_from(ROOMS), max_size=1, unique=True),
            weeks=st.sampled_from([0, 0, 30, 51]),
        )
        def book(
            self,
            day: int,
            minute: int,
            minutes: int,
            people: list[str],
            rooms: list[str],
            weeks: int,
        ) -> None:
            if people or rooms:
                start = at(day, 8) + dt.timedelta(minutes=minute, weeks=weeks)
                self._book(start=start, minutes=minutes, people=people, rooms=rooms)

        @rule(
            day=st.integers(2, 6),
            hour=st.integers(8, 17),
            minutes=st.sampled_from([30, 60, 90]),
            rrule=st.sampled_from(RULES),
            years_ago=st.sampled_from([0, 0, 3]),
            person=st.sampled_from(PEOPLE),
            room=st.sampled_from(ROOMS),
            use_room=st.booleans(),
        )
        def book_recurring(
            self,
            day: int,
            hour: int,
            minutes: int,
            rrule: str,
            years_ago: int,
            person: str,
            room: str,
            use_room: bool,
        ) -> None:
            start = at(day, hour) - dt.timedelta(weeks=52 * years_ago)  # same weekday
            where: dict[str, list[str]] = {"rooms": [room]} if use_room else {"people": [person]}
            self._book(start=start, minutes=minutes, rrule=rrule, kind="hold", **where)

        @rule(
            day=st.integers(2, 6),
            hour=st.integers(8, 17),
            rrule=st.sampled_from(RULES),
            room=st.sampled_from(ROOMS),
            years_ago=st.sampled_from([0, 5]),
        )
        def import_series(self, day: int, hour: int, rrule: str, room: str, years_ago: int) -> None:
            start = at(day, hour) - dt.timedelta(weeks=52 * years_ago)
            entry = Entry(
                f"s{next(_offices)}@elsewhere", "I", "meeting", start,
                start + dt.timedelta(minutes=45), "UTC", (), (room,), rrule, (), None, None,
                "confirmed", MONDAY, 0,
            )  # fmt: skip
            data = export_calendar([entry], name="X", timezone="UTC", now=MONDAY)
            with self.office.desk(self.member) as desk:
                try:
                    (done,) = desk.schedule.import_calendar(data)
                except (ScheduleConflict, ValidationError):
                    return
            self.uids.append(done.uid)

        @rule(day=st.integers(2, 6), hour=st.integers(8, 17), room=st.sampled_from(ROOMS))
        def override(self, day: int, hour: int, room: str) -> None:
            with self.office.desk(self.member) as desk:
                entry = desk.schedule.book(
                    "O", start=at(day, hour), minutes=30, rooms=[room], override="urgent"
                )
            self.overridden.add(entry.uid)

        @rule(
            minutes=st.sampled_from([10, 30, 60]),
            people=st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=2, unique=True),
            rooms=st.lists(st.sampled_from(ROOMS), max_size=1, unique=True),
            after=st.integers(0, 5 * 24 * 12).map(lambda m: MONDAY + dt.timedelta(minutes=5 * m)),
        )
        def book_a_free_slot(
            self, minutes: int, people: list[str], rooms: list[str], after: dt.datetime
        ) -> None:
            slots = self.office.schedule.free_slots(
                minutes, people=people, rooms=rooms, after=after, count=1, within_days=14
            )
            if slots:
                with self.office.desk(self.member) as desk:
                    entry = desk.schedule.book(
                        "F", start=slots[0].start, end=slots[0].end, people=people, rooms=rooms
                    )  # a free slot is always bookable
                self.uids.append(entry.uid)

        @precondition(lambda self: bool(self.uids))
        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            uid = data.draw(st.sampled_from(self.uids))
            entry = self.office.schedule.get(uid)
            with self.office.desk(self.member) as desk:
                if entry.rrule is not None and data.draw(st.booleans()):
                    occs = recurrence.occurrences(entry, MONDAY, MONDAY + dt.timedelta(days=60))
                    first = next(iter(occs), None)
                    if first is not None:
                        desk.schedule.cancel(uid, occurrence=first.start)
                    return
                desk.schedule.cancel(uid)
            self.uids.remove(uid)

        @invariant()
        def nobody_and_nothing_is_double_booked(self) -> None:
            # from now (what is past is not checked) to beyond where the rules meet
            lo, hi = MONDAY, MONDAY + dt.timedelta(days=CHECKED_YEARS * 366)
            spans: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = {}
            for entry in self.office.schedule.entries(lo, hi):
                if entry.uid in self.overridden:
                    continue
                for occ in recurrence.occurrences(entry, lo, hi):
                    for key in (*entry.people, *entry.rooms):
                        spans.setdefault(key, []).append((occ.start, occ.end, entry.uid))
            for key, found in spans.items():
                found.sort()
                for (_, end, a), (start, _, b) in itertools.pairwise(found):
                    assert end <= start, f"{key} double-booked at {start} by {a} and {b}"

        def teardown(self) -> None:
            self.office.close()

    return Bookings


def test_no_accepted_booking_ever_overlaps_another(store_url: str) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        _machine(store_url),
        settings=settings(
            max_examples=20 if "sqlite" in store_url else 8,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_two_desks_booking_the_same_slot_at_once_get_it_once(
    store_url: str, monday: ManualClock
) -> None:
    import threading

    first = Office.open(store_url, profile="medical", clock=monday)
    paula, _, _ = _staff(first)
    second = Office.open(store_url, profile="medical", clock=monday)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def book(office: Office) -> None:
        barrier.wait()
        with office.desk(paula) as desk:
            try:
                desk.schedule.book("Same", start=at(2, 9), minutes=30, rooms=["consulting_1"])
                results.append("booked")
            except ScheduleConflict:
                results.append("refused")

    threads = [threading.Thread(target=book, args=(o,)) for o in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert sorted(results) == ["booked", "refused"]
        assert len(first.schedule.entries(at(2, 0), at(3, 0), room="consulting_1")) == 1
    finally:
        first.close()
        second.close()


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**7),
    st.text(max_size=12),
    st.lists(st.text(max_size=12), max_size=3),
    st.dictionaries(st.text(max_size=4), st.text(max_size=12), max_size=2),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=_ANY, b=_ANY, c=_ANY, d=_ANY)
def test_wrong_values_anywhere_are_officekit_errors(
    sqlite_office: Office, a: Any, b: Any, c: Any, d: Any
) -> None:
    office = sqlite_office
    staff = office.staff.list()
    pat = (
        staff[0]
        if staff
        else office.staff.hire("Pat", roles=["practice_manager"], experience_years=9)
    )
    room = office.schedule
    calls = [
        lambda: room.free_slots(a, people=b, rooms=c, after=d),
        lambda: room.busy(a, b, people=c, rooms=d),
        lambda: room.entries(a, b, principal=c),
        lambda: room.agenda(a, b, viewer=None),
        lambda: room.get(a),
        lambda: room.scope(a, None),
        lambda: room.reminders_due(a),
    ]
    with office.desk(pat) as desk:
        calls += [
            lambda: desk.schedule.set_hours(a, hours=b, breaks=c, buffer_minutes=d),
            lambda: desk.schedule.delegate(a, to=b, scope=c),
            lambda: desk.schedule.revoke(a, staff=b),
            lambda: desk.schedule.cancel(a, occurrence=b),
            lambda: desk.schedule.import_calendar(a, principal=b),
            lambda: desk.appointments.cancel(a),
        ]
        for call in calls:
            with contextlib.suppress(
                ValidationError, NotFoundError, ConflictError, PermissionDenied
            ):
                call()


def test_working_hours_follow_the_offices_clock_across_daylight_saving(
    open_office: Callable[..., Office],
) -> None:
    school = open_office("education")  # Sydney: daylight saving ends on Sunday 5 April 2026
    tz = school.profile.office.tz
    friday = dt.datetime(2026, 4, 3, 6, 0, tzinfo=tz)
    (before, after) = school.schedule.free_slots(
        15, people=["principal_nguyen"], after=friday.replace(hour=15, minute=15), count=2
    )
    assert before.start.astimezone(tz).strftime("%a %H:%M") == "Fri 15:15"
    (monday,) = school.schedule.free_slots(
        15, people=["principal_nguyen"], after=friday.replace(hour=15, minute=30), count=1
    )
    local = monday.start.astimezone(tz)
    assert (local.strftime("%a %H:%M"), local.utcoffset()) == ("Mon 08:30", dt.timedelta(hours=10))
    assert before.start.astimezone(tz).utcoffset() == dt.timedelta(hours=11)
    assert after.start.astimezone(tz).strftime("%a %H:%M") == "Mon 08:30"


def test_the_simulation_books_the_days_appointments(sqlite_url: str) -> None:
    from officekit.simulate import simulate

    clock = ManualClock(MONDAY)
    with Office.open(sqlite_url, profile="smallbusiness", clock=clock) as office:
        report = simulate(office, days=3, seed=2, start=MONDAY.date(), clock=clock)
        (step,) = [s for s in report.steps if s.name == "appointments"]
        assert step.data["booked"] > 0
        booked = office.events(operation="appointments.book", outcome="ok")
        assert len(booked) == step.data["booked"]
        assert {e.detail["visit_type"] for e in booked} <= {
            "service",
            "service_long",
            "consultation",
        }


def test_the_commands_delegate_and_revoke_a_calendar(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with Office.open(url, profile="medical", clock=ManualClock(MONDAY)) as office:
        office.staff.hire("Nora Fry", roles=["administrative_assistant"], experience_years=6)
        office.staff.hire("Pat Manager", roles=["practice_manager"], experience_years=8)

    def run(*args: str) -> tuple[int, str]:
        code = 0
        with CliRunner().isolation(env={"COLUMNS": "250"}) as (stdout, stderr, _):
            try:
                main([*args, "--db", url])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            sys.stdout.flush()
            sys.stderr.flush()
            text = stdout.getvalue().decode() + stderr.getvalue().decode()
        return code, text

    book = ("schedule", "book", "Meeting", "--as", "Nora Fry", "--person", "dr_patel")
    when = ("--start", "2027-03-02T10:00", "--minutes", "30")
    code, text = run(*book, *when)
    assert code == 1 and "not delegated" in text  # nobody gave Nora the calendar yet
    code, text = run("schedule", "delegate", "dr_patel", "--to", "Nora Fry", "--as", "Pat Manager")
    assert code == 0 and "delegated dr_patel's calendar to Nora Fry (manage)" in text
    assert run(*book, *when)[0] == 0
    code, text = run("schedule", "delegate", "dr_patel", "--to", "Nora Fry", "--as", "Nora Fry")
    assert code == 1 and "Traceback" not in text  # nobody delegates to themselves
    code, text = run("schedule", "delegate", "dr_patel", "--to", "Nora Fry", "--as", "Pat Manager",
                     "--scope", "everything")  # fmt: skip
    assert code == 1 and "scope" in text and "Traceback" not in text
    code, text = run("schedule", "revoke", "dr_patel", "--from", "Nora Fry", "--as", "Pat Manager")
    assert code == 0 and "withdrew 1 delegation(s)" in text
    code, text = run(*book, "--start", "2027-03-03T10:00", "--minutes", "30")
    assert code == 1 and "not delegated" in text
