"""The operation flow: authorise, act in one transaction with its event, notify."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from officekit import (
    ConflictError,
    ManualClock,
    NotFoundError,
    Office,
    PermissionDenied,
    ValidationError,
)
from officekit.core.store import offices


def test_desk_operations_are_recorded_as_the_actor(office: Office, clock: ManualClock) -> None:
    anna = office.staff.hire("Anna", roles=["receptionist"])
    with office.desk(anna) as desk:
        assert desk.actor == anna
        started = desk.start_shift()
        clock.advance(hours=8)
        ended = desk.end_shift()
    assert started.actor_id == anna.id and started.occurred_at == clock.now() - dt.timedelta(
        hours=8
    )
    assert ended.occurred_at == clock.now()


def test_decision_explains_itself(office: Office) -> None:
    trainee = office.staff.hire("Tom", roles=["receptionist"])
    assistant = office.staff.hire("Ada", roles=["administrative_assistant"], experience_years=1)
    senior = office.staff.hire("Sue", roles=["administrative_assistant"], experience_years=6)
    with office.desk(trainee) as desk:
        allowed = desk.can("desk.note")
        assert allowed.allowed and allowed.responsibility == "front_office"
        refused = desk.can("audit.verify")
        assert not refused.allowed and "oversight" in refused.reason
    with office.desk(assistant) as desk:
        refused = desk.can("audit.verify")
        assert not refused.allowed and "level" in refused.reason and "senior" in refused.reason
    with office.desk(senior) as desk:
        assert desk.can("audit.verify").allowed
        assert desk.verify_audit().ok
    # can() records nothing
    assert office.events(outcome="denied") == []


def test_refusal_raises_and_is_recorded_then_changes_nothing_else(office: Office) -> None:
    trainee = office.staff.hire("Tom", roles=["receptionist"])
    with office.desk(trainee) as desk, pytest.raises(PermissionDenied) as info:
        desk.perform("audit.verify", act=lambda conn: pytest.fail("must not act"))
    assert "Tom may not perform audit.verify" in str(info.value)
    (event,) = office.events(outcome="denied")
    assert event.actor_id == trainee.id


def test_unknown_operation(office: Office) -> None:
    anna = office.staff.hire("Anna", roles=["receptionist"])
    with office.desk(anna) as desk, pytest.raises(NotFoundError, match="no operation named"):
        desk.perform("calls.teleport")


def test_failed_act_rolls_back_effect_and_event(office: Office) -> None:
    anna = office.staff.hire("Anna", roles=["receptionist"])
    before = office.events()

    def act(conn: sa.Connection) -> None:
        conn.execute(offices.update().where(offices.c.id == office.id).values(name="Changed"))
        raise ValidationError("the act found bad input", where="row 3, field 'x'")

    with office.desk(anna) as desk, pytest.raises(ValidationError, match="row 3"):
        desk.perform("desk.note", act=act)
    assert office.events() == before
    with office.engine.connect() as conn:
        name = conn.execute(sa.select(offices.c.name).where(offices.c.id == office.id))
        assert name.scalar_one() == office.profile.office.name
    assert office.verify_audit().ok


def test_note_validation_changes_nothing(office: Office) -> None:
    anna = office.staff.hire("Anna", roles=["receptionist"])
    before = office.events()
    with office.desk(anna) as desk:
        with pytest.raises(ValidationError, match="text"):
            desk.note("   ")
        with pytest.raises(ValidationError, match="at most 2000"):
            desk.note("x" * 2001)
    assert office.events() == before


def test_closed_desk_is_refused(office: Office) -> None:
    anna = office.staff.hire("Anna", roles=["receptionist"])
    with office.desk(anna) as desk:
        pass
    with pytest.raises(ConflictError, match="closed"):
        desk.note("late")


def test_desk_reads_roles_afresh(office: Office) -> None:
    anna = office.staff.hire("Anna", roles=["receptionist"], experience_years=5)
    office.staff.change_roles(anna, ["administrative_assistant"])
    with office.desk(anna) as desk:  # the stale object still opens with current roles
        assert desk.actor.roles == ("administrative_assistant",)
        assert desk.can("audit.verify").allowed


def test_clock_is_injected(office: Office, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 12, 24, 16, 30, tzinfo=dt.UTC))
    anna = office.staff.hire("Anna", roles=["receptionist"])
    assert anna.hired_at == dt.datetime(2026, 12, 24, 16, 30, tzinfo=dt.UTC)


def test_manual_clock_rules() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(dt.datetime(2026, 1, 1))
    clock = ManualClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError, match="back in time"):
        clock.advance(seconds=-1)
    with pytest.raises(ValueError, match="back in time"):
        clock.set(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert clock.advance(dt.timedelta(minutes=5)) == dt.datetime(2026, 1, 1, 0, 5, tzinfo=dt.UTC)


def test_system_clock_is_aware() -> None:
    from officekit import SystemClock

    assert SystemClock().now().utcoffset() == dt.timedelta(0)


def test_an_open_desk_follows_changes_of_roles_and_leaving(office: Office) -> None:
    ann = office.staff.hire("Ann", roles=["administrative_assistant"], experience_years=6)
    with office.desk(ann) as desk:
        assert desk.verify_audit().ok
        office.staff.change_roles(ann, ["clerk"])  # while her desk is open
        with pytest.raises(PermissionDenied, match="oversight"):
            desk.verify_audit()
        office.staff.leave(ann)
        with pytest.raises(PermissionDenied, match="left the office"):
            desk.note("still here?")
    denied = office.events(outcome="denied")
    assert [e.operation for e in denied] == ["audit.verify", "desk.note"]
    assert [e.operation for e in office.events(actor=ann, outcome="ok")] == ["audit.verify"]
    assert office.verify_audit().ok
