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
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Compiled

from officekit.core.convert import converter, freeze
from officekit.core.extensions import Finding
from officekit.core.prepared import Prepared
from officekit.core.store import UTCDateTime, events, offices
from officekit.errors import NotFoundError

if TYPE_CHECKING:
    from officekit.core.audit import AuditKey

__all__ = [
    "GENESIS_HASH",
    "VERIFY_BATCH",
    "AuditReport",
    "BrokenEvent",
    "ChainRow",
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

VERIFY_BATCH = 10_000
"""Events read per query when a chain is verified (keyset pages of the (office, seq) index)."""


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
        checked: How many events were read (after ``from_seq``).
        broken: The first broken event, or None when the chain is sound.
        findings: What the keyed checks (MACs, checkpoints) and the deep checks
            found wrong, besides the chain.
        keyed: Whether an audit key was given, so MACs and checkpoints were checked.
        macs_checked: How many events' MACs were checked.
        checkpoints_checked: How many checkpoints were checked.
        deep_checks: The names of the deep checks run (empty: not ``deep``).
        from_seq: Where the check started: events after this one were read. 0 for a
            full check; an incremental check starts from a point an earlier
            verification (or a signed checkpoint) vouched for, and does not re-check
            the events up to it.
        anchor: What vouched for the events up to ``from_seq`` (``"audit.verify event
            812"``, ``"checkpoint 3"``), or None for a full check.
        to_seq: The last event read that fits the chain: the head, when it is sound.
        to_hash: That event's hash (``GENESIS_HASH`` for an empty log).
    """

    office_key: str
    checked: int
    broken: BrokenEvent | None = None
    findings: tuple[Finding, ...] = ()
    keyed: bool = False
    macs_checked: int = 0
    checkpoints_checked: int = 0
    deep_checks: tuple[str, ...] = ()
    from_seq: int = 0
    anchor: str | None = None
    to_seq: int = 0
    to_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        """True when the chain verifies and no check found anything."""
        return self.broken is None and not self.findings

    @property
    def not_checked(self) -> tuple[str, ...]:
        """What this verification did not check, said for a person to read."""
        missing = []
        if self.from_seq:
            missing.append(
                f"events 1 to {self.from_seq} (incremental: verified before by "
                f"{self.anchor or 'an earlier verification'}, not re-checked)"
            )
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


# One encoder for the process: ``json.dumps`` with options builds a new one on every
# call. Encoding keeps no state between calls, so threads may share it.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
)


def canonical_json(value: Any) -> str:
    """Serialise ``value`` the one way that hashing needs: sorted keys, no spaces.

    The same text as ``json.dumps(value, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``, with dates, decimals, sets and attrs objects turned
    into JSON values.

    Raises:
        TypeError: ``value`` holds something that cannot be recorded.
        ValueError: ``value`` refers to itself (a circular reference).
    """
    return _ENCODER.encode(value)


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


# Built once, and run through the driver (see officekit.core.prepared): every
# operation locks the head and appends an event.
_HEAD = Prepared(
    sa.select(offices.c.event_seq, offices.c.event_head)
    .where(offices.c.id == sa.bindparam("b_office_id"))
    .with_for_update()
)
_EVENT_COLUMNS = (
    "office_id", "seq", "occurred_at", "actor_id", "actor_name", "operation", "subject",
    "outcome", "duration_us", "detail", "prev_hash", "hash", "mac",
)  # fmt: skip
_INSERT = Prepared(events.insert().returning(events.c.id), keys=_EVENT_COLUMNS)


def lock_head(conn: sa.Connection, office_id: int) -> tuple[int, str]:
    """Lock an office's row and return its chain head: ``(last seq, last hash)``.

    On PostgreSQL the row stays locked (``FOR UPDATE``) until the transaction
    ends; on SQLite a write transaction already holds the database's lock.

    Raises:
        NotFoundError: If there is no such office.
    """
    head = _HEAD.first(conn, {"b_office_id": office_id})
    if head is None:
        raise NotFoundError(f"no office with id {office_id}")
    return int(head[0]), str(head[1])


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
    inserted = _INSERT.first(
        conn,
        {**fields, "detail": detail_json, "prev_hash": prev_hash, "hash": digest, "mac": mac},
    )
    assert inserted is not None  # RETURNING gives the new row's id
    event_id = int(inserted[0])
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


# The stored form of a time on SQLite (SQLAlchemy writes 'YYYY-MM-DD HH:MM:SS.ffffff'),
# which the hash's form ('YYYY-MM-DDTHH:MM:SS.ffffffZ', see _timestamp) is two string
# operations away from. Years before 1000 are left to the slow path (strftime does not
# pad them), and so is anything else not in exactly this shape.
_SQLITE_STAMP = re.compile(r"[1-9]\d{3}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", re.ASCII)


class ChainRow(NamedTuple):
    """An event row as the chain check reads it (``verify_chain``'s ``on_row``).

    Every column of ``events``, in the table's order; ``occurred_at`` as the
    database stores it: the text SQLAlchemy wrote on SQLite, the driver's
    datetime on PostgreSQL.
    """

    id: int
    office_id: int
    seq: int
    occurred_at: Any
    actor_id: int | None
    actor_name: str
    operation: str
    subject: str | None
    outcome: str
    duration_us: int
    detail: str
    prev_hash: str
    hash: str
    mac: str | None


_CHAIN_PAGE = (
    sa.select(*(events.c[name] for name in ChainRow._fields))
    .where(
        events.c.office_id == sa.bindparam("b_office_id"), events.c.seq > sa.bindparam("b_after")
    )
    .order_by(events.c.seq)
    .limit(sa.bindparam("b_limit"))
)
_COMPILED_PAGES: dict[tuple[Any, ...], Compiled] = {}


def _read_page(
    conn: sa.Connection, office_id: int, after: int, limit: int
) -> list[tuple[Any, ...]]:
    """The next ``limit`` events after ``after``, as the driver's plain tuples.

    The statement is compiled by SQLAlchemy once per dialect and run on the
    connection's own DBAPI connection, in its transaction: no column type
    converts anything, and no Row is built (a Row costs about a microsecond, a
    fifth of what checking an event costs). The driver's errors are wrapped as
    SQLAlchemy wraps them (``sqlalchemy.exc.DBAPIError`` and its subclasses).
    """
    dialect = conn.dialect
    # What the SQL text depends on (as officekit.core.prepared keys it).
    key = (type(dialect), dialect.paramstyle, getattr(dialect, "server_version_info", None))
    compiled = _COMPILED_PAGES.get(key)
    if compiled is None:
        compiled = _COMPILED_PAGES[key] = _CHAIN_PAGE.compile(dialect=dialect)
    values = compiled.construct_params(
        {"b_office_id": office_id, "b_after": after, "b_limit": limit}
    )
    assert values is not None
    positions = getattr(compiled, "positiontup", None)
    params: Any = tuple(values[name] for name in positions) if positions else values
    dbapi_error = dialect.loaded_dbapi.Error
    cursor = conn.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return list(cursor.fetchall())
    except dbapi_error as exc:
        raise sa.exc.DBAPIError.instance(compiled.string, params, exc, dbapi_error) from exc
    finally:
        cursor.close()


def _slow_timestamp(dialect: sa.Dialect) -> Callable[[Any], str | None]:
    """The hash's form of an ``occurred_at`` as stored, read the way the column type reads it.

    For what the fast path leaves: on SQLite a time not in SQLAlchemy's own shape,
    on PostgreSQL a year before 1000. None when it is not a time at all (only a
    hand could have stored it: the event does not verify).
    """
    read = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)

    def stamp(value: Any) -> str | None:
        try:
            when = read(value) if read is not None else value
            return _timestamp(when) if isinstance(when, dt.datetime) else None
        except (TypeError, ValueError, AttributeError, AssertionError):
            return None

    return stamp


def verify_chain(
    conn: sa.Connection,
    office_id: int,
    *,
    on_row: Callable[[ChainRow], None] | None = None,
    since: tuple[int, str] | None = None,
    batch: int = VERIFY_BATCH,
) -> AuditReport:
    """Recompute an office's chain and report the first event that does not fit.

    Detects a changed field, a removed or inserted event, a reordering and a
    truncated tail (the office's recorded head no longer matches). Someone who
    can write to the database and recomputes the hashes (and the head) is not
    detected: that needs the audit key (``officekit.core.audit``).

    The log is read in keyset pages of ``batch`` events (memory stays flat) as the
    driver's plain tuples, ``occurred_at`` as stored (on SQLite its text is turned
    into the hash's form with string operations), and each hash is recomputed in
    place: the same hashes as [`event_hash`][officekit.core.events.event_hash], at
    close to the cost of a plain loop over the rows.

    Args:
        conn: The connection, in a read snapshot (``officekit.core.store.snapshot``).
        office_id: The office.
        on_row: Called with each event row that fits the chain, in order, as a
            [`ChainRow`][officekit.core.events.ChainRow].
        since: ``(seq, hash)`` of an event already verified: start after it, taking
            ``hash`` as its hash (the caller checks that the event still has it).
            None: from the first event.
        batch: Events read per query.

    Raises:
        NotFoundError: There is no such office.
    """
    office = conn.execute(sa.select(offices).where(offices.c.id == office_id)).one_or_none()
    if office is None:
        raise NotFoundError(f"no office with id {office_id}")
    key = office.key
    from_seq, prev = since if since is not None else (0, GENESIS_HASH)
    expected_seq = from_seq + 1
    checked = 0

    def report(broken: BrokenEvent | None = None) -> AuditReport:
        return AuditReport(
            key, checked, broken, from_seq=from_seq, to_seq=expected_seq - 1, to_hash=prev
        )

    def broken_at(row: tuple[Any, ...], reason: str) -> AuditReport:
        return report(BrokenEvent(key, row[2], row[0], reason))

    sqlite = conn.dialect.name == "sqlite"
    slow_stamp = _slow_timestamp(conn.dialect)
    sqlite_stamp = _SQLITE_STAMP.fullmatch
    encode = _ENCODER.encode
    sha256 = hashlib.sha256
    utc = dt.UTC
    make_row = ChainRow._make
    after = from_seq
    while True:
        rows = _read_page(conn, office_id, after, batch)
        if not rows:
            break
        for row in rows:
            (_, row_office, seq, at, actor_id, actor_name, operation, subject, outcome,
             duration_us, detail, prev_hash, digest, _) = row  # fmt: skip
            checked += 1
            if seq != expected_seq:
                return report(
                    BrokenEvent(
                        key,
                        expected_seq,
                        None,
                        f"event {expected_seq} is missing (next is {seq})",
                    )
                )
            if prev_hash != prev:
                return broken_at(
                    row, "its prev_hash does not match the hash of the event before it"
                )
            # The hash's form of the time, '%Y-%m-%dT%H:%M:%S.%fZ' in UTC (_timestamp).
            if sqlite:
                stamp = (
                    f"{at[:10]}T{at[11:]}Z"
                    if type(at) is str and sqlite_stamp(at)
                    else slow_stamp(at)
                )
            elif type(at) is dt.datetime and at.tzinfo is not None and at.year >= 1000:
                stamp = at.astimezone(utc).isoformat(timespec="microseconds")[:-6] + "Z"
            else:
                stamp = slow_stamp(at)
            if stamp is None:
                return broken_at(row, "its content does not match its hash (it was changed)")
            body = encode(
                [row_office, seq, stamp, actor_id, actor_name, operation, subject, outcome,
                 duration_us, detail]
            )  # fmt: skip
            if sha256(f"{prev}\n{body}".encode()).hexdigest() != digest:
                return broken_at(row, "its content does not match its hash (it was changed)")
            if on_row is not None:
                on_row(make_row(row))
            prev = digest
            expected_seq += 1
        after = rows[-1][2]
    if office.event_seq != expected_seq - 1:
        return report(
            BrokenEvent(
                key,
                expected_seq,
                None,
                f"the log ends at event {expected_seq - 1} but the office recorded "
                f"{office.event_seq} events: events at the end were removed",
            )
        )
    if office.event_head != prev:
        return report(
            BrokenEvent(
                key,
                expected_seq - 1,
                None,
                f"the last event's hash differs from the head the office recorded: event "
                f"{expected_seq - 1} was changed and its hash recomputed",
            )
        )
    return report()
