"""Calls: lines and queue, hold, transfers and misroutes, messages, statistics, bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.reception_profile import write_reception_profile

import officekit
from officekit import (
    ConflictError,
    ManualClock,
    NotFoundError,
    Office,
    PermissionDenied,
    ValidationError,
)
from officekit.plugins.reception.calls import Call
from officekit.plugins.reception.routing import RoutingDecision

MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # 10:00 in London too (GMT)


@pytest.fixture
def frontdesk(tmp_path: Path) -> Path:
    return write_reception_profile(tmp_path / "frontdesk")


@pytest.fixture
def desk_office(open_office: Callable[..., Office], frontdesk: Path, clock: ManualClock) -> Office:
    clock.set(MONDAY_10)
    return open_office(frontdesk)


def staff(office: Office, name: str = "Anna", roles: tuple[str, ...] = ("receptionist",)) -> Any:
    return office.staff.hire(name, roles=list(roles), experience_years=2)


def test_a_fifth_call_on_four_lines_waits_and_the_wait_is_measured(
    desk_office: Office, clock: ManualClock
) -> None:
    office = desk_office
    anna = staff(office)
    first = [office.calls.receive(f"020 7946 00{n:02d}", "hello") for n in range(4)]
    assert [c.line for c in first] == [1, 2, 3, 4]
    assert {c.status for c in first} == {"ringing"}
    fifth = office.calls.receive("020 7946 0050", "hello")
    assert fifth.status == "queued" and fifth.line is None
    assert office.calls.queue() == [fifth]
    clock.advance(seconds=40)
    with office.desk(anna) as desk:
        answered = desk.calls.answer(first[2])
        clock.advance(seconds=60)
        desk.calls.complete(answered)  # line 3 frees: the queued call takes it
        promoted = office.calls.get(fifth)
        assert promoted.status == "ringing" and promoted.line == 3
        clock.advance(seconds=5)
        done = desk.calls.answer(promoted)
    assert done.wait_seconds == 105.0
    assert answered.wait_seconds == 40.0
    (complete_event,) = office.events(operation="calls.complete")
    assert complete_event.detail["promoted_call"] == fifth.id


def test_urgent_calls_jump_the_queue(desk_office: Office) -> None:
    office = desk_office
    anna = staff(office)
    calls = [office.calls.receive(f"020 7946 00{n:02d}", "hello") for n in range(4)]
    normal = office.calls.receive("020 7946 0060", "hello")
    urgent = office.calls.receive("020 7946 0061", "he is not breathing")
    assert [c.id for c in office.calls.queue()] == [urgent.id, normal.id]
    with office.desk(anna) as desk:
        desk.calls.complete(desk.calls.answer(calls[0]))
    assert office.calls.get(urgent).line == 1
    assert office.calls.get(normal).status == "queued"


def test_hold_and_resume_accumulate_hold_time(desk_office: Office, clock: ManualClock) -> None:
    office = desk_office
    anna = staff(office)
    call = office.calls.receive("020 7946 0018", "question")
    with office.desk(anna) as desk:
        call = desk.calls.answer(call)
        call = desk.calls.hold(call)
        assert call.status == "on_hold" and call.line == 1
        clock.advance(seconds=30)
        call = desk.calls.resume(call)
        clock.advance(seconds=10)
        call = desk.calls.hold(call)
        clock.advance(seconds=15)
        call = desk.calls.complete(call)  # ended while on hold: that hold counts too
    assert call.hold_seconds == 45.0
    assert call.outcome == "completed" and call.line is None


def test_transfer_after_routing_is_a_misroute(desk_office: Office) -> None:
    office = desk_office
    anna = staff(office)
    call = office.calls.receive("020 7946 0018", "I want to book an appointment")
    assert call.department == "appointments"
    right = office.calls.receive("020 7946 0019", "a question about my bill")
    with office.desk(anna) as desk:
        moved = desk.calls.transfer(desk.calls.answer(call), department="billing")
        kept = desk.calls.transfer(desk.calls.answer(right), department="billing")
    assert moved.outcome == "transferred" and moved.misrouted
    assert moved.transferred_to == "department:billing"
    assert not kept.misrouted
    event = office.events(operation="calls.transfer")[0]
    assert (
        event.detail["routed_to"] == "appointments" and event.detail["to"] == "department:billing"
    )
    assert event.detail["misrouted"] is True


def test_transfer_to_an_extension(desk_office: Office) -> None:
    office = desk_office
    anna = staff(office)
    call = office.calls.receive("020 7946 0018", "a question about my bill")
    with office.desk(anna) as desk:
        desk.calls.answer(call)
        with pytest.raises(ValidationError, match="no department has extension '999'"):
            desk.calls.transfer(call, extension="999")
        done = desk.calls.transfer(call, extension="120")
    assert done.transferred_to == "department:billing" and not done.misrouted


def test_transfer_to_a_named_person(desk_office: Office) -> None:
    office = desk_office
    anna = staff(office)
    bill = staff(office, "Bill", ("clerk",))  # the clerk's role belongs to billing
    call = office.calls.receive("020 7946 0018", "question about my invoice")
    with office.desk(anna) as desk:
        done = desk.calls.transfer(desk.calls.answer(call), person=bill)
    assert done.transferred_to == f"staff:{bill.id}" and not done.misrouted


def test_messages_are_taken_delivered_acknowledged_and_overdue(
    desk_office: Office, clock: ManualClock
) -> None:
    office = desk_office
    anna = staff(office)
    bill = staff(office, "Bill", ("clerk",))
    call = office.calls.receive("020 7946 0018", "question about my invoice", name="Mr Rossi")
    with office.desk(anna) as desk:
        ended = desk.calls.take_message(
            desk.calls.answer(call), "Call back re invoice", person=bill
        )
        desk.messages.take("Parcel for billing at the desk", department="billing")
    assert ended.outcome == "message" and ended.line is None
    first, second = office.messages.list()
    assert first.call_id == call.id and first.for_staff_id == bill.id
    assert first.from_name == "Mr Rossi" and first.from_number == "+442079460018"
    assert first.due_at == first.taken_at + dt.timedelta(hours=2)
    assert second.for_department == "billing" and second.call_id is None
    clock.advance(hours=3)
    assert [m.id for m in office.messages.overdue()] == [first.id, second.id]
    with office.desk(anna) as desk:
        delivered = desk.messages.deliver(first)
        with pytest.raises(ConflictError, match="already delivered"):
            desk.messages.deliver(first)
    assert delivered.delivered_at == clock.now()
    with office.desk(bill) as desk:
        acked = desk.messages.acknowledge(first)
    assert acked.acknowledged_by == bill.id and acked.overdue(clock.now()) is False
    assert [m.id for m in office.messages.overdue()] == [second.id]
    assert office.messages.list(person=bill, unacknowledged=True) == []


def test_caller_hanging_up(desk_office: Office, clock: ManualClock) -> None:
    office = desk_office
    anna = staff(office)
    early = office.calls.receive("020 7946 0018", "hello")
    clock.advance(seconds=3)
    gone = office.calls.hang_up(early)
    assert gone.outcome == "abandoned" and gone.wait_seconds == 3.0
    talk = office.calls.receive("020 7946 0019", "hello")
    with office.desk(anna) as desk:
        desk.calls.answer(talk)
    assert office.calls.hang_up(talk).outcome == "completed"
    with pytest.raises(ConflictError, match="ended"):
        office.calls.hang_up(talk)


def test_call_statistics(desk_office: Office, clock: ManualClock) -> None:
    office = desk_office
    anna = staff(office)
    start = clock.now()
    with office.desk(anna) as desk:
        fast = office.calls.receive("020 7946 0011", "hello")
        clock.advance(seconds=10)
        desk.calls.answer(fast)
        clock.advance(seconds=120)
        desk.calls.complete(fast)
        slow = office.calls.receive("020 7946 0012", "an invoice")
        clock.advance(seconds=50)
        desk.calls.answer(slow)
        clock.advance(seconds=60)
        desk.calls.transfer(slow, department="appointments")  # misroute
        short = office.calls.receive("020 7946 0013", "hello")
        clock.advance(seconds=2)
        office.calls.hang_up(short)
        long = office.calls.receive("020 7946 0014", "hello")
        clock.advance(seconds=90)
        office.calls.hang_up(long)
        msg = office.calls.receive("020 7946 0015", "hello")
        clock.advance(seconds=4)
        desk.calls.take_message(desk.calls.answer(msg), "call back", department="billing")
    clock.set(dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC))
    office.calls.receive("020 7946 0016", "book an appointment")  # after hours
    stats = office.calls.stats(start, start + dt.timedelta(days=1))
    assert stats.offered == 5 and stats.after_hours == 1
    assert stats.answered == 3 and stats.answered_within_target == 2
    assert stats.short_abandons == 1 and stats.abandoned == 1
    assert stats.service_level == pytest.approx(2 / 4)
    assert stats.abandonment_rate == pytest.approx(1 / 4)
    assert stats.average_speed_of_answer == pytest.approx((10 + 50 + 4) / 3)
    assert stats.average_handling_time == pytest.approx((120 + 60 + 0) / 3)
    assert (stats.transfers, stats.misroutes, stats.messages) == (1, 1, 1)
    assert stats.in_progress == 0


def test_stats_needs_a_real_period(desk_office: Office) -> None:
    now = desk_office.clock.now()
    with pytest.raises(ValidationError, match="end after"):
        desk_office.calls.stats(now, now)
    with pytest.raises(ValidationError, match="timezone-aware"):
        desk_office.calls.stats(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2))


# -- bad input: a clear error, nothing changed ------------------------------------------


def _snapshot(office: Office) -> tuple[Any, ...]:
    return (office.events(), office.calls.live(), office.messages.list())


def test_bad_input_changes_nothing(desk_office: Office) -> None:
    office = desk_office
    anna = staff(office)
    call = office.calls.receive("020 7946 0018", "hello")
    before = _snapshot(office)
    with pytest.raises(ValidationError, match="lines 1 to 4"):
        office.calls.receive("020 7946 0019", "hello", line=5)
    with pytest.raises(ValidationError, match="caller"):
        office.calls.receive("12", "hello")
    with pytest.raises(ConflictError, match="line 1 is busy"):
        office.calls.receive("020 7946 0019", "hello", line=1)
    with office.desk(anna) as desk:
        with pytest.raises(ConflictError, match="only a call that is connected or on_hold"):
            desk.calls.transfer(call, department="billing")
        answered = desk.calls.answer(call)
        mid = _snapshot(office)
        with pytest.raises(ValidationError, match="no department named 'astrology'"):
            desk.calls.transfer(answered, department="astrology")
        with pytest.raises(ValidationError, match="exactly one"):
            desk.calls.transfer(answered)
        with pytest.raises(NotFoundError):
            desk.calls.transfer(answered, person=999)
        with pytest.raises(ValidationError, match="text"):
            desk.calls.take_message(answered, "  ", department="billing")
        with pytest.raises(ConflictError, match="only a call that is ringing"):
            desk.calls.answer(answered)
        with pytest.raises(NotFoundError, match="no call with id 999"):
            desk.calls.answer(999)
        assert _snapshot(office) == mid
    assert before[0] == office.events()[: len(before[0])]


def test_known_callers(desk_office: Office) -> None:
    office = desk_office
    caller = office.calls.register_caller("020 7946 0018", "Mrs Bianchi", department="billing")
    assert caller.number == "+442079460018"
    assert office.calls.known_caller("+44 20 7946 0018") == caller
    call = office.calls.receive("+44 20 7946 0018", "just calling")
    assert call.caller_name == "Mrs Bianchi"
    assert call.department == "billing" and call.routed_by == "rule:known-customers"
    with pytest.raises(ValidationError) as info:
        office.calls.register_caller("nope", " ", department="mars")
    assert [p.where for p in info.value.problems] == ["number", "name", "department"]


def test_hook_call_received(open_office: Callable[..., Office], frontdesk: Path) -> None:
    seen: list[tuple[int, str]] = []

    class Listener:
        @officekit.hookimpl
        def officekit_call_received(self, call: Call, decision: RoutingDecision) -> None:
            seen.append((call.id, decision.explanation))

    office = open_office(frontdesk, plugins=[Listener()])
    call = office.calls.receive("020 7946 0018", "book an appointment")
    assert seen == [(call.id, call.explanation)]


def test_only_the_recipient_acknowledges_a_message(desk_office: Office) -> None:
    office = desk_office
    anna = staff(office)  # receptionist: reception
    bill = staff(office, "Bill", ("clerk",))  # clerk: billing
    with office.desk(anna) as desk:
        for_bill = desk.messages.take("Call Mrs Bianchi", person=bill)
        for_billing = desk.messages.take("Invoice query", department="billing")
        with pytest.raises(PermissionDenied, match="for another member of staff"):
            desk.messages.acknowledge(for_bill)
        with pytest.raises(PermissionDenied, match="for billing, not their department"):
            desk.messages.acknowledge(for_billing)
    assert [e.detail["decided_by"] for e in office.events(outcome="denied")] == [
        "recipient",
        "recipient",
    ]
    assert office.messages.get(for_bill.id).acknowledged_at is None
    with office.desk(bill) as desk:
        assert desk.messages.acknowledge(for_bill).acknowledged_by == bill.id
        assert desk.messages.acknowledge(for_billing).acknowledged_by == bill.id


def test_long_or_wrong_call_details_are_refused_first(desk_office: Office) -> None:
    office = desk_office
    with pytest.raises(ValidationError) as info:
        office.calls.receive("020 7946 0018", None, name="x" * 300, dialled="9" * 80, line=True)  # type: ignore[arg-type]
    assert [p.where for p in info.value.problems] == ["reason", "name", "dialled", "line"]
    assert office.calls.live() == [] and office.events() == []
