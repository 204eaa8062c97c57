"""The receptionist's deep audit: do ``calls``, ``messages`` and ``visits`` agree with the log?

Registered with ``officekit_register_audit_checks``; run by
``office.verify_audit(deep=True)`` and ``officekit audit verify --deep``.
Each check replays its operations' events (in chain order, read in batches)
into what each row must hold, keeping only a few values per row, then reads the
table in batches and names every row, field and event that disagree, every
row no event created and every row an event created that is gone.

What the events do not record (a caller's number and words, a visitor's name
and purpose, a message's text) cannot be checked this way.

Times: a row's time is read from the office's clock just before its operation's
transaction, the event's when it is appended, so the row's must lie within
[`TIME_TOLERANCE`][officekit.plugins.reception.audit.TIME_TOLERANCE] before the
event's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from officekit.core.events import Event
from officekit.core.extensions import AuditCheck, Finding
from officekit.plugins.reception.settings import AFTER_HOURS_SERVICES
from officekit.plugins.reception.tables import calls, messages, visits

__all__ = ["AUDIT_CHECKS", "TIME_TOLERANCE"]

TIME_TOLERANCE = dt.timedelta(minutes=2)
"""How long before its event a row's time may be (a write may wait for the lock)."""

_BATCH = 1000


class _Time:
    """An expected time: the event's, which the row's may precede by TIME_TOLERANCE."""

    __slots__ = ("at",)

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def matches(self, value: Any) -> bool:
        return isinstance(value, dt.datetime) and self.at - TIME_TOLERANCE <= value <= self.at

    def __repr__(self) -> str:
        return f"about {self.at.isoformat()}"


class _Expected:
    """What each row must hold, field by field, with the event that said so."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.check = f"reception_{table}"
        self.rows: dict[int, dict[str, tuple[Any, int]]] = {}
        self.created: dict[int, int] = {}  # row id -> seq of the event that created it
        self.findings: list[Finding] = []

    def create(self, row_id: int, event: Event, **values: Any) -> None:
        self.created[row_id] = event.seq
        self.rows[row_id] = {field: (value, event.seq) for field, value in values.items()}

    def set(self, row_id: Any, event: Event, **values: Any) -> None:
        if not isinstance(row_id, int) or row_id not in self.rows:
            self.findings.append(
                Finding(
                    self.check,
                    f"event {event.seq} ({event.operation}) is about {self.table} row "
                    f"{row_id!r}, which no earlier event created",
                    seq=event.seq,
                    table=self.table,
                    row_id=row_id if isinstance(row_id, int) else None,
                )
            )
            return
        self.rows[row_id].update((field, (value, event.seq)) for field, value in values.items())

    def compare(self, conn: sa.Connection, table: sa.Table, office_id: int) -> list[Finding]:
        """Read the table in batches and name every disagreement."""
        findings = list(self.findings)
        for row in _rows(conn, table, office_id):
            expected = self.rows.pop(row.id, None)
            if expected is None:
                findings.append(
                    Finding(
                        self.check,
                        f"{self.table} row {row.id} was created by no event",
                        table=self.table,
                        row_id=row.id,
                    )
                )
                continue
            for field, (value, seq) in expected.items():
                actual = getattr(row, field)
                same = value.matches(actual) if isinstance(value, _Time) else actual == value
                if not same:
                    findings.append(
                        Finding(
                            self.check,
                            f"{self.table} row {row.id}: {field} is {actual!r}, but event "
                            f"{seq} recorded {value!r}",
                            seq=seq,
                            table=self.table,
                            row_id=row.id,
                            field=field,
                        )
                    )
        for row_id in self.rows:
            seq = self.created[row_id]
            findings.append(
                Finding(
                    self.check,
                    f"{self.table} row {row_id}, created by event {seq}, is gone",
                    seq=seq,
                    table=self.table,
                    row_id=row_id,
                )
            )
        return findings


def _rows(conn: sa.Connection, table: sa.Table, office_id: int) -> Iterator[sa.Row[Any]]:
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table)
            .where(table.c.office_id == office_id, table.c.id > last)
            .order_by(table.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _ok(events: Iterable[Event]) -> Iterator[Event]:
    return (e for e in events if e.outcome == "ok")


# -- calls -------------------------------------------------------------------------------


def check_calls(conn: sa.Connection, office_id: int, events: Iterable[Event]) -> list[Finding]:
    """Compare each ``calls`` row with its ``calls.*`` events."""
    want = _Expected("calls")
    ordinal: Iterator[int] | None = None
    for event in _ok(events):
        d = event.detail
        if event.operation == "calls.receive":
            call_id = d.get("call_id")
            if not isinstance(call_id, int):  # older events: the n-th call is the n-th row
                if ordinal is None:
                    ordinal = _ids(conn, calls, office_id)
                call_id = next(ordinal, -event.seq)
            after_hours = d.get("destination") in AFTER_HOURS_SERVICES
            line = d.get("line")
            values: dict[str, Any] = {
                "department": d.get("department"),
                "destination": d.get("destination"),
                "urgent": d.get("urgent"),
                "line": line,
                "status": "ended" if after_hours else ("ringing" if line else "queued"),
                "outcome": "after_hours" if after_hours else None,
                "arrived_at": _Time(event.occurred_at),
                "ended_at": _Time(event.occurred_at) if after_hours else None,
                "answered_at": None,
                "handled_by": None,
                "transferred_to": None,
                "misrouted": False,
            }
            routed_by = d.get("routed_by")
            if isinstance(routed_by, str) and not routed_by.endswith(":sensitive"):
                values["routed_by"] = routed_by
            want.create(call_id, event, **values)
        elif event.operation == "calls.answer":
            want.set(
                d.get("call_id"), event, status="connected",
                answered_at=_Time(event.occurred_at), handled_by=event.actor_id,
            )  # fmt: skip
        elif event.operation == "calls.hold":
            want.set(d.get("call_id"), event, status="on_hold")
        elif event.operation == "calls.resume":
            want.set(d.get("call_id"), event, status="connected")
        elif event.operation in (
            "calls.transfer", "calls.take_message", "calls.complete", "calls.hang_up",
        ):  # fmt: skip
            ended: dict[str, Any] = {
                "status": "ended",
                "outcome": d.get("outcome"),
                "line": None,
                "ended_at": _Time(event.occurred_at),
            }
            if event.operation == "calls.transfer":
                ended.update(transferred_to=d.get("to"), misrouted=d.get("misrouted"))
            want.set(d.get("call_id"), event, **ended)
            promoted = d.get("promoted_call")
            if promoted is not None:
                want.set(promoted, event, status="ringing", line=d.get("line"))
    return want.compare(conn, calls, office_id)


def _ids(conn: sa.Connection, table: sa.Table, office_id: int) -> Iterator[int]:
    for row in _rows(conn, table, office_id):
        yield int(row.id)


# -- messages ------------------------------------------------------------------------------


def check_messages(conn: sa.Connection, office_id: int, events: Iterable[Event]) -> list[Finding]:
    """Compare each ``messages`` row with the events that took, delivered and acknowledged it.

    ``messages.take``, ``calls.take_message`` and an escalated ``questions.answer``
    record the id of the message they created; in a store from before they did,
    the n-th of them created the n-th message of the office (ids only grow, and
    the office's row is locked while one is written).
    """
    want = _Expected("messages")
    ids = _ids(conn, messages, office_id)
    for event in _ok(events):
        d = event.detail
        escalated = event.operation == "questions.answer" and d.get("escalated")
        if event.operation in ("messages.take", "calls.take_message") or escalated:
            recorded = d.get("message_id")
            if isinstance(recorded, int) and not isinstance(recorded, bool):
                message_id = recorded  # events record the message they created
            else:
                message_id = next(ids, -event.seq)  # stores from before they did
            want.create(
                message_id, event,
                for_department=d.get("department"), for_staff_id=d.get("staff_id"),
                taken_by=event.actor_id, taken_at=_Time(event.occurred_at),
                call_id=d.get("call_id") if event.operation == "calls.take_message" else None,
                delivered_at=None, acknowledged_at=None, acknowledged_by=None,
            )  # fmt: skip
        elif event.operation == "messages.deliver":
            want.set(d.get("message_id"), event, delivered_at=_Time(event.occurred_at))
        elif event.operation == "messages.acknowledge":
            acknowledged = d.get("message_id")
            row = want.rows.get(acknowledged) if isinstance(acknowledged, int) else None
            values: dict[str, Any] = {
                "acknowledged_at": _Time(event.occurred_at),
                "acknowledged_by": event.actor_id,
            }
            if row is not None and row["delivered_at"][0] is None:
                values["delivered_at"] = _Time(event.occurred_at)
            want.set(acknowledged, event, **values)
    return want.compare(conn, messages, office_id)


# -- visits --------------------------------------------------------------------------------


def check_visits(conn: sa.Connection, office_id: int, events: Iterable[Event]) -> list[Finding]:
    """Compare each ``visits`` row with its check-in, reception and check-out events."""
    want = _Expected("visits")
    for event in _ok(events):
        d = event.detail
        if event.operation == "visitors.check_in":
            visit_id = d.get("visit_id")
            want.create(
                visit_id if isinstance(visit_id, int) else -event.seq, event,
                host_staff_id=d.get("host_staff_id"), host_department=d.get("host_department"),
                appointment=d.get("appointment"), confidential=d.get("confidential"),
                badge=d.get("badge"), checked_in_by=event.actor_id,
                checked_in_at=_Time(event.occurred_at), received_at=None, checked_out_at=None,
            )  # fmt: skip
        elif event.operation == "visitors.receive":
            want.set(d.get("visit_id"), event, received_at=_Time(event.occurred_at))
        elif event.operation == "visitors.check_out":
            want.set(d.get("visit_id"), event, checked_out_at=_Time(event.occurred_at))
    return want.compare(conn, visits, office_id)


AUDIT_CHECKS = (
    AuditCheck(
        "reception_calls",
        check_calls,
        operations=("calls.",),
        description="Calls: status, outcome, line, routing, answer and end against their events.",
    ),
    AuditCheck(
        "reception_messages",
        check_messages,
        operations=("messages.", "calls.take_message", "questions.answer"),
        description="Messages: recipient, taker, delivery, acknowledgement against their events.",
    ),
    AuditCheck(
        "reception_visits",
        check_visits,
        operations=("visitors.check_in", "visitors.receive", "visitors.check_out"),
        description="Visits: host, badge, check-in, reception and check-out against their events.",
    ),
)
"""The receptionist's deep audit checks."""
