"""Visitors: check-in to check-out, head count, waiting times, the hook, bad input, sector rules.

Each test writes a small profile into ``tmp_path`` that extends a shipped sector
profile and sets its own ``[visitors]`` policy, so that the tests do not depend
on what the shipped profiles say about visitors.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import officekit
from officekit import (
    ConflictError,
    ManualClock,
    NotFoundError,
    Office,
    PermissionDenied,
    StaffMember,
    ValidationError,
)
from officekit.plugins.reception.visitors import CONFIDENTIAL_NAME, Visit, WaitingStats

OpenOffice = Callable[..., Office]

VISITOR_DUTIES = """
[responsibilities.visitors]
description = "Visitors"
operations = [
    "visitors.check_in", "visitors.receive", "visitors.check_out", "visitors.release_student",
]
min_level = "trainee"

[roles.receptionist]
responsibilities = ["front_office", "visitors"]
"""

MEDICAL_VISITORS = """
[visitors]
patient_record = true
restricted_words = ["pain", "diagnosis", "symptoms", "prescription"]
"""

EDUCATION_VISITORS = """
[visitors]
identity_check = true
badges = true
guardian_release = true
"""

LEGAL_VISITORS = """
[visitors]
confidential = true
"""


def write_profile(folder: Path, extends: str, visitors: str = "") -> Path:
    """Write a profile extending ``extends`` with the visitor duties and ``visitors`` TOML."""
    folder.mkdir(parents=True, exist_ok=True)
    text = f'extends = "{extends}"\nname = "visitors-{extends}"\n{VISITOR_DUTIES}{visitors}'
    (folder / "profile.toml").write_text(text, encoding="utf-8")
    return folder


def hire(office: Office, name: str = "Anna", roles: tuple[str, ...] = ("receptionist",)) -> Any:
    return office.staff.hire(name, roles=list(roles), experience_years=2)


def state(office: Office) -> tuple[list[Any], list[Visit]]:
    """What a refused request must leave unchanged: the event log and the head count."""
    return office.events(), office.visitors.present()


@pytest.fixture
def plain(open_office: OpenOffice, tmp_path: Path) -> Office:
    """An office with the visitor duties and no sector rules for visitors."""
    return open_office(write_profile(tmp_path / "plain", "base"))


@pytest.fixture
def medical(open_office: OpenOffice, tmp_path: Path) -> Office:
    return open_office(write_profile(tmp_path / "medical", "medical", MEDICAL_VISITORS))


@pytest.fixture
def education(open_office: OpenOffice, tmp_path: Path) -> Office:
    return open_office(write_profile(tmp_path / "education", "education", EDUCATION_VISITORS))


@pytest.fixture
def legal(open_office: OpenOffice, tmp_path: Path) -> Office:
    return open_office(write_profile(tmp_path / "legal", "legal", LEGAL_VISITORS))


# -- the lifecycle ----------------------------------------------------------------------


def test_check_in_receive_check_out(plain: Office, clock: ManualClock) -> None:
    office = plain
    anna = hire(office)
    host = hire(office, "Dr Bruno", roles=("clerk",))
    with office.desk(anna) as desk:
        visit = desk.visitors.check_in("Mr Rossi", "meeting", host=host, appointment=True)
        assert visit.visitor_name == "Mr Rossi" and visit.purpose == "meeting"
        assert visit.host_staff_id == host.id and visit.host_department is None
        assert visit.appointment and not visit.confidential
        assert visit.badge is None and visit.identity_document is None
        assert visit.checked_in_at == clock.now() and visit.checked_in_by == anna.id
        assert visit.in_building and visit.waiting_seconds is None
        assert visit.public_name == "Mr Rossi"
        assert office.visitors.present() == [visit]

        clock.advance(seconds=90)
        received = desk.visitors.receive(visit)
        assert received.received_at == clock.now()
        assert received.waiting_seconds == 90.0
        assert received.in_building

        clock.advance(minutes=30)
        left = desk.visitors.check_out(received.id)
        assert left.checked_out_at == clock.now()
        assert not left.in_building
    assert office.visitors.present() == []
    assert office.visitors.get(visit.id) == left

    ops = [(e.operation, e.subject, e.outcome) for e in office.events(operation="visitors.")]
    # No visitor's name in the permanent log: events refer to the visit
    assert ops == [
        ("visitors.check_in", None, "ok"),
        ("visitors.receive", f"visit:{visit.id}", "ok"),
        ("visitors.check_out", f"visit:{visit.id}", "ok"),
    ]
    check_in, receive, _ = office.events(operation="visitors.")
    assert check_in.detail["visit_id"] == visit.id
    assert check_in.detail["host_staff_id"] == host.id
    assert receive.detail["waited_seconds"] == 90.0
    assert office.verify_audit().ok


def test_a_visitor_for_a_department(plain: Office) -> None:
    anna = hire(plain)
    with plain.desk(anna) as desk:
        visit = desk.visitors.check_in("  Ms   Kim ", "delivery", department="administration")
    assert visit.visitor_name == "Ms Kim"
    assert visit.host_department == "administration" and visit.host_staff_id is None


def test_present_is_the_head_count(plain: Office, clock: ManualClock) -> None:
    anna = hire(plain)
    with plain.desk(anna) as desk:
        names = ["Ada", "Bea", "Cal", "Dan"]
        visits = {n: desk.visitors.check_in(n, "meeting", department="reception") for n in names}
        clock.advance(minutes=5)
        desk.visitors.receive(visits["Bea"])
        desk.visitors.check_out(visits["Bea"])
        desk.visitors.check_out(visits["Dan"])
        late = desk.visitors.check_in("Eve", "meeting", host=anna.id)
    present = plain.visitors.present()
    assert [v.visitor_name for v in present] == ["Ada", "Cal", "Eve"]
    assert present[-1] == late
    assert all(v.in_building for v in present)


def test_waiting_times(plain: Office, clock: ManualClock) -> None:
    office = plain
    anna = hire(office)
    start = clock.now()
    with office.desk(anna) as desk:
        a = desk.visitors.check_in("Ada", "meeting", department="reception")
        clock.advance(seconds=60)
        b = desk.visitors.check_in("Bea", "meeting", department="reception")
        desk.visitors.receive(a)  # waited 60 s
        clock.advance(seconds=120)
        desk.visitors.receive(b)  # waited 120 s
        c = desk.visitors.check_in("Cal", "meeting", department="reception")
        d = desk.visitors.check_in("Dan", "meeting", department="reception")
        clock.advance(seconds=300)
        desk.visitors.receive(c)  # waited 300 s
        desk.visitors.check_out(d)  # left without being received
        desk.visitors.check_in("Eve", "meeting", department="reception")  # still waiting
        clock.advance(hours=2)
        desk.visitors.check_in("Fay", "meeting", department="reception")  # after the period
    stats = office.visitors.waiting_times(start, start + dt.timedelta(hours=1))
    assert isinstance(stats, WaitingStats)
    assert stats.visits == 5
    assert stats.received == 3
    assert stats.mean_seconds == pytest.approx(160.0)
    assert stats.median_seconds == 120.0
    assert stats.max_seconds == 300.0
    assert stats.still_waiting == 1

    empty = office.visitors.waiting_times(start - dt.timedelta(days=1), start)
    assert (empty.visits, empty.received, empty.mean_seconds, empty.still_waiting) == (
        0,
        0,
        None,
        0,
    )
    with pytest.raises(ValidationError, match="end after it starts"):
        office.visitors.waiting_times(start, start)
    with pytest.raises(ValidationError, match="timezone-aware"):
        office.visitors.log(start.replace(tzinfo=None), start + dt.timedelta(hours=1))


class HostPager:
    """A plugin that pages each visitor's host, and notes what the log held at the time."""

    def __init__(self) -> None:
        self.paged: list[tuple[Visit, list[str]]] = []

    @officekit.hookimpl
    def officekit_visitor_arrived(self, office: Office, visit: Visit) -> None:
        logged = [e.operation for e in office.events(operation="visitors.")]
        self.paged.append((visit, logged))


def test_hook_visitor_arrived(open_office: OpenOffice, tmp_path: Path) -> None:
    pager = HostPager()
    office = open_office(write_profile(tmp_path / "plain", "base"), plugins=[pager])
    anna = hire(office)
    host = hire(office, "Dr Bruno", roles=("clerk",))
    with office.desk(anna) as desk:
        visit = desk.visitors.check_in("Mr Rossi", "meeting", host=host)
        with pytest.raises(ValidationError):
            desk.visitors.check_in("Ms Kim", "meeting", department="nowhere")
        desk.visitors.receive(visit)
    # Called once, for the check-in that succeeded, after its event committed.
    assert pager.paged == [(visit, ["visitors.check_in"])]
    assert pager.paged[0][0].host_staff_id == host.id


# -- bad input changes nothing ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        pytest.param({"department": "nowhere"}, "department", id="unknown-department"),
        pytest.param({"host": 9999}, "host", id="unknown-host"),
        pytest.param({"host": "Anna"}, "host", id="host-not-staff"),
        pytest.param({"host": "ANNA", "department": "reception"}, "host/department", id="both"),
        pytest.param({}, "host/department", id="neither"),
        pytest.param({"department": "reception", "name": "  "}, "name", id="blank-name"),
        pytest.param({"department": "reception", "purpose": ""}, "purpose", id="blank-purpose"),
        pytest.param({"department": "reception", "name": "x" * 201}, "name", id="long-name"),
        pytest.param({"host": "LEFT"}, "host", id="host-left"),
    ],
)
def test_bad_check_in_is_refused_and_changes_nothing(
    plain: Office, kwargs: dict[str, Any], where: str
) -> None:
    office = plain
    anna = hire(office)
    gone = hire(office, "Gone", roles=("clerk",))
    office.staff.leave(gone)
    placeholders = {"ANNA": anna, "LEFT": gone.id}
    args = {k: placeholders.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    name = args.pop("name", "Mr Rossi")
    purpose = args.pop("purpose", "meeting")
    with office.desk(anna) as desk:
        desk.visitors.check_in("Already here", "meeting", department="reception")
        before = state(office)
        with pytest.raises(ValidationError) as caught:
            desk.visitors.check_in(name, purpose, **args)
    assert where in {p.where for p in caught.value.problems}
    assert state(office) == before


def test_every_problem_is_reported_at_once(plain: Office) -> None:
    anna = hire(plain)
    with plain.desk(anna) as desk, pytest.raises(ValidationError) as caught:
        desk.visitors.check_in("", "", department="nowhere")
    assert {p.where for p in caught.value.problems} == {"name", "purpose", "department"}
    assert "no department named 'nowhere'" in str(caught.value)


def test_check_out_of_a_visitor_not_in_the_building(plain: Office) -> None:
    anna = hire(plain)
    with plain.desk(anna) as desk:
        visit = desk.visitors.check_in("Mr Rossi", "meeting", department="reception")
        desk.visitors.check_out(visit)
        before = state(plain)
        with pytest.raises(ConflictError, match="not in the building"):
            desk.visitors.check_out(visit)
        with pytest.raises(ConflictError, match="not in the building"):
            desk.visitors.receive(visit)
        with pytest.raises(NotFoundError, match="no visit with id 9999"):
            desk.visitors.check_out(9999)
    assert state(plain) == before


def test_double_receive(plain: Office) -> None:
    anna = hire(plain)
    with plain.desk(anna) as desk:
        visit = desk.visitors.receive(
            desk.visitors.check_in("Mr Rossi", "meeting", department="reception")
        )
        before = state(plain)
        with pytest.raises(ConflictError, match="already received"):
            desk.visitors.receive(visit)
    assert state(plain) == before


def test_staff_without_the_duty_are_refused(plain: Office) -> None:
    clerk = hire(plain, "Carl", roles=("clerk",))
    with plain.desk(clerk) as desk, pytest.raises(PermissionDenied):
        desk.visitors.check_in("Mr Rossi", "meeting", department="reception")
    assert plain.visitors.present() == []
    (denied,) = plain.events(operation="visitors.check_in")
    assert denied.outcome == "denied" and denied.detail["decided_by"] == "profile"


# -- medical ------------------------------------------------------------------------------


def test_medical_appointment_needs_a_record_number(medical: Office) -> None:
    anna = hire(medical)
    with medical.desk(anna) as desk:
        before = state(medical)
        with pytest.raises(ValidationError) as caught:
            desk.visitors.check_in("Mr Rossi", "appointment", host=anna, appointment=True)
        assert [p.where for p in caught.value.problems] == ["record_ref"]
        assert state(medical) == before
        visit = desk.visitors.check_in(
            "Mr Rossi", "appointment", host=anna, appointment=True, record_ref="MRN-1042"
        )
        walk_in = desk.visitors.check_in("Ms Kim", "delivery", department="reception")
    assert visit.record_ref == "MRN-1042"
    assert walk_in.record_ref is None
    # Neither the record number nor the purpose is copied into the event log.
    assert "MRN-1042" not in json.dumps([e.detail for e in medical.events()])
    public = medical.visitors.log(visit.checked_in_at, visit.checked_in_at + dt.timedelta(1))
    assert [v.record_ref for v in public] == [None, None]


@pytest.mark.parametrize(
    "purpose",
    ["Back pain", "PAINS in the chest", "to collect a prescription", "symptom check", "diagnosis"],
)
def test_medical_details_are_not_recorded_at_the_desk(medical: Office, purpose: str) -> None:
    anna = hire(medical)
    with medical.desk(anna) as desk:
        before = state(medical)
        with pytest.raises(ValidationError) as caught:
            desk.visitors.check_in("Mr Rossi", purpose, department="reception")
    (problem,) = caught.value.problems
    assert problem.where == "purpose"
    assert "medical details are not recorded at the desk" in problem.what
    assert "minimum necessary" in problem.what and "neutral purpose" in problem.what
    assert state(medical) == before


def test_medical_neutral_purposes_pass(medical: Office) -> None:
    anna = hire(medical)
    with medical.desk(anna) as desk:
        visit = desk.visitors.check_in("Mr Rossi", "to see the nurse", department="reception")
        painter = desk.visitors.check_in("Ms Kim", "painter quote", department="reception")
    assert visit.purpose == "to see the nurse"
    assert painter.purpose == "painter quote"


# -- education ----------------------------------------------------------------------------


def test_education_identity_is_checked(education: Office) -> None:
    anna = hire(education)
    with education.desk(anna) as desk:
        before = state(education)
        with pytest.raises(ValidationError) as caught:
            desk.visitors.check_in("Mr Rossi", "meeting", department="reception")
        assert [p.where for p in caught.value.problems] == ["identity_document"]
        assert state(education) == before
        visit = desk.visitors.check_in(
            "Mr Rossi", "meeting", department="reception", identity_document="passport"
        )
    assert visit.identity_document == "passport"


def test_education_badges_are_issued_and_freed(education: Office) -> None:
    anna = hire(education)
    with education.desk(anna) as desk:

        def arrive(name: str) -> Visit:
            return desk.visitors.check_in(
                name, "meeting", department="reception", identity_document="id card"
            )

        a, b, c = arrive("Ada"), arrive("Bea"), arrive("Cal")
        assert [a.badge, b.badge, c.badge] == [1, 2, 3]
        assert desk.visitors.check_out(b).badge == 2  # kept on the record, badge returned
        d = arrive("Dan")
        assert d.badge == 2  # the lowest free badge
        assert arrive("Eve").badge == 4
    assert sorted(v.badge for v in education.visitors.present() if v.badge) == [1, 2, 3, 4]
    (check_out,) = education.events(operation="visitors.check_out")
    assert check_out.detail["badge"] == 2


def test_education_student_released_only_to_a_listed_guardian(education: Office) -> None:
    office = education
    anna = hire(office)
    office.visitors.add_guardian("Tom Rossi", "Maria Rossi")
    office.visitors.add_guardian("Tom Rossi", "Luca Rossi")
    assert office.visitors.guardians_of("tom  rossi") == ["Maria Rossi", "Luca Rossi"]
    with office.desk(anna) as desk:
        event = desk.visitors.release_student(
            "Tom Rossi", "maria rossi", identity_document="passport"
        )
        assert event.operation == "visitors.release_student" and event.outcome == "ok"
        assert event.subject == "Tom Rossi"
        assert event.detail == {"guardian": "maria rossi", "identity_checked": True}

        with pytest.raises(ValidationError) as caught:
            desk.visitors.release_student("Tom Rossi", "Maria Rossi")
        assert [p.where for p in caught.value.problems] == ["identity_document"]

        before = office.events()
        with pytest.raises(PermissionDenied) as denied:
            desk.visitors.release_student("Tom Rossi", "Stranger", identity_document="passport")
    assert denied.value.operation == "visitors.release_student"
    assert "not on the list of guardians" in denied.value.reason
    after = office.events()
    assert after[: len(before)] == before
    (refusal,) = after[len(before) :]
    assert refusal.operation == "visitors.release_student"
    assert refusal.outcome == "denied"
    assert refusal.actor_id == anna.id
    assert refusal.detail == {"reason": denied.value.reason, "decided_by": "guardian_list"}
    assert office.verify_audit().ok


def test_release_by_staff_without_the_duty_records_the_profile_refusal(
    education: Office,
) -> None:
    clerk: StaffMember = hire(education, "Carl", roles=("clerk",))
    with education.desk(clerk) as desk, pytest.raises(PermissionDenied) as denied:
        desk.visitors.release_student("Tom Rossi", "Stranger", identity_document="passport")
    assert "lack the responsibility" in denied.value.reason
    (refusal,) = education.events(operation="visitors.release_student")
    assert refusal.outcome == "denied" and refusal.detail["decided_by"] == "profile"


def test_guardians_bad_input(education: Office) -> None:
    office = education
    office.visitors.add_guardian("Tom Rossi", "Maria Rossi")
    before = office.events()
    with pytest.raises(ValidationError) as caught:
        office.visitors.add_guardian(" ", "")
    assert {p.where for p in caught.value.problems} == {"student", "guardian"}
    with pytest.raises(ConflictError, match="already a guardian"):
        office.visitors.add_guardian("tom rossi", "MARIA ROSSI")
    assert office.events() == before
    assert office.visitors.guardians_of("Tom Rossi") == ["Maria Rossi"]
    assert office.visitors.guardians_of("Nobody") == []
    (added,) = office.events(operation="guardians.add")
    assert added.actor_name == "office" and added.detail == {"guardian": "Maria Rossi"}


def test_no_release_where_the_profile_has_no_guardian_rule(plain: Office) -> None:
    anna = hire(plain)
    with plain.desk(anna) as desk, pytest.raises(ConflictError, match="guardian_release"):
        desk.visitors.release_student("Tom Rossi", "Maria Rossi")
    assert plain.events(operation="visitors.") == []


# -- legal --------------------------------------------------------------------------------


def test_legal_confidential_visitor_stays_out_of_public_log_and_events(
    legal: Office, clock: ManualClock
) -> None:
    office = legal
    anna = hire(office)
    start = clock.now()
    with office.desk(anna) as desk:
        secret = desk.visitors.check_in("Victoria Vance", "consultation", host=anna)
        courier = desk.visitors.check_in(
            "Speedy Couriers", "delivery", department="reception", confidential=False
        )
        clock.advance(minutes=3)
        desk.visitors.receive(secret)
    assert secret.confidential and secret.public_name == CONFIDENTIAL_NAME
    assert not courier.confidential

    public = office.visitors.log(start, start + dt.timedelta(hours=1))
    assert [v.visitor_name for v in public] == [CONFIDENTIAL_NAME, "Speedy Couriers"]
    assert public[0].id == secret.id and public[0].purpose == "Confidential"
    assert "Victoria" not in repr(public)

    full = office.visitors.log(start, start + dt.timedelta(hours=1), public=False)
    assert [v.visitor_name for v in full] == ["Victoria Vance", "Speedy Couriers"]
    present = office.visitors.present()
    assert [v.visitor_name for v in present] == ["Victoria Vance", "Speedy Couriers"]

    with office.desk(anna) as desk:
        desk.visitors.check_out(secret)
    recorded = office.events()
    subjects = [e.subject for e in recorded if e.operation.startswith("visitors.")]
    assert subjects[:2] == [None, None]  # check-ins: no name at all, confidential or not
    assert all(s.startswith("visit:") for s in subjects[2:])
    for event in recorded:
        assert "Vance" not in (event.subject or "")
        assert "Vance" not in json.dumps(event.detail)


@given(
    text=st.text(st.sampled_from("abcdeinoprsty '-ÉéçAPIN"), max_size=60),
    words=st.lists(
        st.sampled_from(
            ["pain", "injuries", "stopped", "diagnosis", "x-ray", "back pain", "tests", "ies", "a"]
        ),
        max_size=4,
    ),
)
def test_restricted_words_match_as_by_stemming_everything(text: str, words: list[str]) -> None:
    """The quick pre-check (a stem's prefix must be in the text) changes no answer."""
    from officekit.plugins.reception.text import tokens
    from officekit.plugins.reception.visitors import _restricted_hits

    said = tokens(text)
    expected = [
        w
        for w in words
        if (wanted := tokens(w))
        and any(said[i : i + len(wanted)] == wanted for i in range(len(said) - len(wanted) + 1))
    ]
    assert _restricted_hits(text, words) == expected
