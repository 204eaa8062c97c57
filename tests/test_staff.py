"""Staff: hire, list, change roles, leave, levels; bad input changes nothing."""

from __future__ import annotations

import pytest

from officekit import ConflictError, ManualClock, NotFoundError, Office, ValidationError


def test_hire_and_read_back(office: Office, clock: ManualClock) -> None:
    anna = office.staff.hire("  Anna Conti ", roles=["receptionist"], experience_years=4)
    assert anna.name == "Anna Conti"
    assert anna.roles == ("receptionist",)
    assert anna.level == "senior"
    assert anna.hired_at == clock.now() and anna.active
    assert office.staff.get(anna.id) == anna
    assert office.staff.list() == [anna]
    (event,) = office.events(operation="staff.hire")
    assert event.subject == "Anna Conti"
    assert event.detail["roles"] == ["receptionist"]


def test_several_roles_in_a_small_office(office: Office) -> None:
    sam = office.staff.hire("Sam", roles=["receptionist", "clerk"], experience_years=1)
    assert sam.roles == ("clerk", "receptionist")
    assert office.staff.with_role("clerk") == [sam]
    assert office.staff.with_role("receptionist") == [sam]


def test_level_from_experience_and_education(office: Office) -> None:
    hire = office.staff.hire
    assert hire("A", roles=["clerk"]).level == "trainee"
    assert hire("B", roles=["clerk"], experience_years=1).level == "associate"
    assert hire("C", roles=["clerk"], experience_years=2, education="bachelor").level == "senior"
    assert hire("D", roles=["clerk"], experience_years=9).level == "lead"


def test_change_roles(office: Office, clock: ManualClock) -> None:
    sam = office.staff.hire("Sam", roles=["receptionist"])
    clock.advance(days=30)
    sam2 = office.staff.change_roles(sam, ["receptionist", "administrative_assistant"])
    assert sam2.roles == ("administrative_assistant", "receptionist")
    (event,) = office.events(operation="staff.change_roles")
    assert event.detail == {
        "staff_id": sam.id,
        "from": ["receptionist"],
        "to": ["administrative_assistant", "receptionist"],
    }


def test_leave_keeps_history(office: Office, clock: ManualClock) -> None:
    sam = office.staff.hire("Sam", roles=["receptionist"])
    clock.advance(days=1)
    gone = office.staff.leave(sam.id)
    assert not gone.active and gone.left_at == clock.now()
    assert office.staff.list() == []
    assert office.staff.list(include_departed=True) == [gone]
    with pytest.raises(ConflictError, match="already left"):
        office.staff.leave(sam)
    with pytest.raises(ConflictError, match="has left"):
        office.staff.change_roles(sam, ["clerk"])
    with pytest.raises(ConflictError, match="has left"), office.desk(sam):
        pass


def test_unknown_member(office: Office) -> None:
    with pytest.raises(NotFoundError, match="id 404"):
        office.staff.get(404)


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"name": " ", "roles": ["clerk"]}, "name"),
        ({"name": "X", "roles": []}, "roles"),
        ({"name": "X", "roles": "clerk"}, "roles"),
        ({"name": "X", "roles": ["clerk", "astronaut"]}, "roles[1]"),
        ({"name": "X", "roles": ["clerk", "clerk"]}, "roles"),
        ({"name": "X", "roles": ["clerk"], "experience_years": -1}, "experience_years"),
        ({"name": "X", "roles": ["clerk"], "experience_years": float("nan")}, "experience_years"),
        ({"name": "X", "roles": ["clerk"], "education": "wizardry"}, "education"),
    ],
)
def test_bad_hire_names_the_field_and_changes_nothing(
    office: Office, kwargs: dict[str, object], where: str
) -> None:
    before = office.events()
    with pytest.raises(ValidationError) as info:
        office.staff.hire(**kwargs)  # type: ignore[arg-type]
    assert where in [p.where for p in info.value.problems]
    assert office.staff.list(include_departed=True) == []
    assert office.events() == before


def test_all_problems_reported_at_once(office: Office) -> None:
    with pytest.raises(ValidationError) as info:
        office.staff.hire("", roles=["astronaut"], experience_years=-2, education="x")
    assert [p.where for p in info.value.problems] == [
        "name",
        "roles[0]",
        "experience_years",
        "education",
    ]
    assert str(info.value).startswith("4 problems:")


def test_bad_role_change_changes_nothing(office: Office) -> None:
    sam = office.staff.hire("Sam", roles=["receptionist"])
    with pytest.raises(ValidationError, match="astronaut"):
        office.staff.change_roles(sam, ["astronaut"])
    assert office.staff.get(sam.id).roles == ("receptionist",)
    assert len(office.events()) == 1


def test_staff_of_another_office_is_not_found(open_office: object) -> None:
    factory = open_office
    north = factory("medical", key="north")  # type: ignore[operator]
    south = factory("medical", key="south")  # type: ignore[operator]
    anna = north.staff.hire("Anna", roles=["clerk"])
    with pytest.raises(NotFoundError):
        south.staff.get(anna.id)
    assert south.staff.list() == []


def test_too_long_a_name_is_refused_before_anything_is_written(office: Office) -> None:
    with pytest.raises(ValidationError, match="at most 200 characters") as info:
        office.staff.hire("x" * 201, roles=["clerk"])
    assert info.value.problems[0].where == "name"
    assert office.events() == []
