"""The event log: append-only, hash-chained, the single source of the audit trail.

Every operation appends one [`Event`][officekit.Event] in the same transaction
as its effect. Each event carries the hash of the one before it in its office,
so changing, removing or reordering any event breaks the chain from there on;
[`verify_chain`][officekit.core.events.verify_chain] finds the first broken event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import attrs
import sqlalchemy as sa

from officekit.core.convert import converter, freeze
from officekit.core.extensions import Finding
from officekit.core.store import events, offices
from officekit.errors import NotFoundError

if TYPE_CHECKING:
    from officekit.core.audit import AuditKey

__all__ = [
    "GENESIS_HASH",
    "AuditReport",
    "BrokenEvent",
    "Event",
    "Outcome",
    "append_event",
    "canonical_json",
    "event_hash",
    "lock_head",
    "verify_chain",
]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of an office's first event."""

Outcome = Literal["ok", "denied"]


@attrs.frozen
class Event:
    """One entry of the event log.

    Attributes:
        id: Database id.
        office_id: The office it belongs to.
        seq: Its position in the office's chain, from 1, without gaps.
        occurred_at: When it happened (aware, UTC).
        actor_id: The member of staff who acted, or None for the office itself.
        actor_name: Their name at the time (``"office"`` for the office itself).
        operation: The operation's name.
        subject: What it was about, if anything.
        outcome: ``"ok"``, or ``"denied"`` for a refusal (an operation that fails
            rolls back and records nothing).
        duration_us: How long the operation's work took, in microseconds.
        detail: The operation's own data (JSON values).
        prev_hash: Hash of the event before it (``GENESIS_HASH`` for the first).
        hash: SHA-256 over ``prev_hash`` and every other field.
        mac: HMAC-SHA256 of ``hash`` under the office's audit key, or None when
            it was appended without one (see [Security](../security.md)).
    """

    id: int
    office_id: int
    seq: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_name: str
    operation: str
    subject: str | None
    outcome: str
    duration_us: int
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str
    mac: str | None = None


@attrs.frozen
class BrokenEvent:
    """The first event at which a chain does not verify.

    Attributes:
        office_key: The office whose chain is broken.
        seq: The sequence number where it breaks (expected, if events are missing).
        event_id: The database id of the event there, if there is one.
        reason: What is wrong with it.
    """

    office_key: str
    seq: int
    event_id: int | None
    reason: str


@attrs.frozen
class AuditReport:
    """The outcome of verifying one office's event log.

    Attributes:
        office_key: The office checked.
        checked: How many events were read.
        broken: The first broken event, or None when the chain is sound.
        findings: What the keyed checks (MACs, checkpoints) and the deep checks
            found wrong, besides the chain.
        keyed: Whether an audit key was given, so MACs and checkpoints were checked.
        macs_checked: How many events' MACs were checked.
        checkpoints_checked: How many checkpoints were checked.
        deep_checks: The names of the deep checks run (empty: not ``deep``).
    """

    office_key: str
    checked: int
    broken: BrokenEvent | None = None
    findings: tuple[Finding, ...] = ()
    keyed: bool = False
    macs_checked: int = 0
    checkpoints_checked: int = 0
    deep_checks: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the chain verifies and no check found anything."""
        return self.broken is None and not self.findings

    @property
    def not_checked(self) -> tuple[str, ...]:
        """What this verification did not check, said for a person to read."""
        missing = []
        if not self.keyed:
            missing.append("MACs and checkpoints (no audit key)")
        if not self.deep_checks:
            missing.append("the state tables (not deep)")
        return tuple(missing)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    unstructured = converter.unstructure(value)
    if unstructured is value:
        raise TypeError(f"cannot record {type(value).__name__} in an event: {value!r}")
    return unstructured


def canonical_json(value: Any) -> str:
    """Serialise ``value`` the one way that hashing needs: sorted keys, no spaces."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    prev_hash: str,
    office_id: int,
    seq: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    operation: str,
    subject: str | None,
    outcome: str,
    duration_us: int,
    detail_json: str,
) -> str:
    """Compute an event's hash from its fields and its predecessor's hash."""
    body = canonical_json(
        [
            office_id,
            seq,
            _timestamp(occurred_at),
            actor_id,
            actor_name,
            operation,
            subject,
            outcome,
            duration_us,
            detail_json,
        ]
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


# Built once: SQLAlchemy then reuses their compiled form without rebuilding them.
_HEAD = (
    sa.select(offices.c.event_seq, offices.c.event_head)
    .where(offices.c.id == sa.bindparam("b_office_id"))
    .with_for_update()
)
_INSERT = events.insert().returning(events.c.id)


def lock_head(conn: sa.Connection, office_id: int) -> tuple[int, str]:
    """Lock an office's row and return its chain head: ``(last seq, last hash)``.

    On PostgreSQL the row stays locked (``FOR UPDATE``) until the transaction
    ends; on SQLite a write transaction already holds the database's lock.

    Raises:
        NotFoundError: If there is no such office.
    """
    head = conn.execute(_HEAD, {"b_office_id": office_id}).one_or_none()
    if head is None:
        raise NotFoundError(f"no office with id {office_id}")
    return int(head.event_seq), str(head.event_head)


def append_event(
    conn: sa.Connection,
    *,
    office_id: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    operation: str,
    subject: str | None = None,
    outcome: Outcome = "ok",
    duration_us: int = 0,
    detail: Mapping[str, Any] | None = None,
    head: tuple[int, str] | None = None,
    audit_key: AuditKey | None = None,
) -> Event:
    """Append an event to its office's chain, inside the caller's transaction.

    ``head`` is the chain head the caller already read with
    [`lock_head`][officekit.core.events.lock_head] in this transaction; without
    it the head is locked and read here.

    The office row is locked (``FOR UPDATE`` on PostgreSQL; SQLite's
    ``BEGIN IMMEDIATE`` already holds the write lock), so two processes
    appending at once get consecutive sequence numbers.

    With an ``audit_key`` the event carries the MAC of its hash (one HMAC of 64
    bytes): forging it needs the key.
    """
    last_seq, prev_hash = head if head is not None else lock_head(conn, office_id)
    seq = last_seq + 1
    detail_json = canonical_json(dict(detail or {}))
    fields: dict[str, Any] = {
        "office_id": office_id,
        "seq": seq,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "operation": operation,
        "subject": subject,
        "outcome": outcome,
        "duration_us": duration_us,
    }
    digest = event_hash(prev_hash=prev_hash, detail_json=detail_json, **fields)
    mac = audit_key.mac_event(digest) if audit_key is not None else None
    event_id = conn.execute(
        _INSERT,
        {**fields, "detail": detail_json, "prev_hash": prev_hash, "hash": digest, "mac": mac},
    ).scalar_one()
    # The office's head (event_seq, event_head) is moved by the events_move_head
    # trigger (migration 0003) as part of the insert.
    return Event(
        id=event_id,
        detail=freeze(json.loads(detail_json)),
        prev_hash=prev_hash,
        hash=digest,
        mac=mac,
        **fields,
    )


def row_to_event(row: sa.Row[Any]) -> Event:
    """Convert an ``events`` row into an Event."""
    data = dict(row._mapping)
    data["detail"] = json.loads(data["detail"])
    event = converter.structure(data, Event)
    return attrs.evolve(event, detail=freeze(event.detail))


def iter_events(
    conn: sa.Connection,
    office_id: int,
    *,
    batch: int = 1000,
    operations: tuple[str, ...] = (),
) -> Iterator[sa.Row[Any]]:
    """Yield an office's event rows in chain order, in batches (memory stays flat).

    ``operations``: only these (a name, or a prefix ending in ``.``); empty: all.
    """
    last = 0
    query = sa.select(events).where(events.c.office_id == office_id)
    if operations:
        query = query.where(
            sa.or_(
                *(
                    events.c.operation.startswith(op, autoescape=True)
                    if op.endswith(".")
                    else events.c.operation == op
                    for op in operations
                )
            )
        )
    while True:
        rows = conn.execute(
            query.where(events.c.seq > last).order_by(events.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(
    conn: sa.Connection,
    office_id: int,
    *,
    on_row: Callable[[sa.Row[Any]], None] | None = None,
) -> AuditReport:
    """Recompute an office's chain and report the first event that does not fit.

    Detects a changed field, a removed or inserted event, a reordering and a
    truncated tail (the office's recorded head no longer matches). Someone who
    can write to the database and recomputes the hashes (and the head) is not
    detected: that needs the audit key (``officekit.core.audit``).

    ``on_row`` is called with each event row that fits the chain, in order.
    """
    office = conn.execute(sa.select(offices).where(offices.c.id == office_id)).one_or_none()
    if office is None:
        raise NotFoundError(f"no office with id {office_id}")
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for row in iter_events(conn, office_id):
        checked += 1

        if row.seq != expected_seq:
            return AuditReport(
                office.key,
                checked,
                BrokenEvent(
                    office.key,
                    expected_seq,
                    None,
                    f"event {expected_seq} is missing (next is {row.seq})",
                ),
            )
        if row.prev_hash != prev:
            return _broken(
                office.key,
                checked,
                row,
                "its prev_hash does not match the hash of the event before it",
            )
        recomputed = event_hash(
            prev_hash=row.prev_hash,
            office_id=row.office_id,
            seq=row.seq,
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            operation=row.operation,
            subject=row.subject,
            outcome=row.outcome,
            duration_us=row.duration_us,
            detail_json=row.detail,
        )
        if recomputed != row.hash:
            return _broken(
                office.key, checked, row, "its content does not match its hash (it was changed)"
            )
        if on_row is not None:
            on_row(row)
        prev = row.hash
        expected_seq += 1
    if office.event_seq != expected_seq - 1:
        return AuditReport(
            office.key,
            checked,
            BrokenEvent(
                office.key,
                expected_seq,
                None,
                f"the log ends at event {expected_seq - 1} but the office recorded "
                f"{office.event_seq} events: events at the end were removed",
            ),
        )
    if office.event_head != prev:
        return AuditReport(
            office.key,
            checked,
            BrokenEvent(
                office.key,
                expected_seq - 1,
                None,
                f"the last event's hash differs from the head the office recorded: event "
                f"{expected_seq - 1} was changed and its hash recomputed",
            ),
        )
    return AuditReport(office.key, checked)


def _broken(office_key: str, checked: int, row: sa.Row[Any], reason: str) -> AuditReport:
    return AuditReport(office_key, checked, BrokenEvent(office_key, row.seq, row.id, reason))
