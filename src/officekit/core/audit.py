"""Keyed integrity of the event log: MACs, signed checkpoints, and the full audit.

The hash chain shows that the log was not changed *by someone who did not
recompute the hashes*. Anyone who can write to the database can recompute
them. An **audit key**, kept outside the database, closes that gap:

- every event appended while a key is configured carries ``mac``, the
  HMAC-SHA256 of its hash under the key (one HMAC per event);
- a **checkpoint** (``audit_checkpoints``) is a signed record of the chain's
  head at a moment: office, seq, hash, time and their MAC. A tail removed below
  a checkpoint, or an event under it rewritten, no longer matches it.

[`verify_office`][officekit.core.audit.verify_office] runs the chain check,
then with a key every MAC and checkpoint, then with ``deep`` every desk's
[`AuditCheck`][officekit.core.extensions.AuditCheck], all in the caller's
read snapshot, reading the log in batches.

An **incremental** check starts from a [`VerifiedPoint`][officekit.core.audit.VerifiedPoint]
([`last_verified`][officekit.core.audit.last_verified] finds the latest one: the
point the last sound ``audit.verify`` event recorded, or a signed checkpoint),
checks that the event there still has the hash that was verified, and verifies
only what came after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from officekit.core.events import (
    AuditReport,
    ChainRow,
    Event,
    canonical_json,
    iter_events,
    lock_head,
    row_to_event,
    verify_chain,
)
from officekit.core.extensions import AuditCheck, Finding
from officekit.core.store import audit_checkpoints, events, offices
from officekit.errors import (
    ConflictError,
    NotFoundError,
    OfficekitError,
    PluginError,
    StoreError,
    ValidationError,
)

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "MIN_KEY_BYTES",
    "AuditKey",
    "Checkpoint",
    "VerifiedPoint",
    "append_only_refusal",
    "last_verified",
    "resolve_audit_key",
    "verify_detail",
    "verify_office",
    "write_checkpoint",
]

KEY_ENV = "OFFICEKIT_AUDIT_KEY"
"""Environment variable holding the audit key itself (its UTF-8 bytes)."""

KEY_FILE_ENV = "OFFICEKIT_AUDIT_KEY_FILE"
"""Environment variable naming a file that holds the audit key."""

MIN_KEY_BYTES = 16
"""The shortest audit key accepted (32 random bytes, or 64 hex digits, are advised)."""

MAX_FINDINGS = 50
"""At most this many findings of one kind per office; the last one counts the rest."""

REFUSAL = "officekit: the event log is append-only"
"""What the database's refusal triggers say (migration 0004)."""

VERIFY_OPERATION = "audit.verify"
"""The operation that records a verification at a desk (its detail: ``verify_detail``)."""

ANCHOR_SCAN = 100
"""How many of the latest ``audit.verify`` events ``last_verified`` looks at, newest first."""


class AuditKey:
    """The secret that signs events and checkpoints; its bytes are never shown.

    Args:
        key: At least [`MIN_KEY_BYTES`][officekit.core.audit.MIN_KEY_BYTES] bytes
            (a ``str`` is taken as its UTF-8 bytes).

    Raises:
        ValidationError: If the key is too short.
    """

    __slots__ = ("_checkpoint", "_event", "_offices", "_per_office", "fingerprint")

    def __init__(self, key: bytes | str) -> None:
        if isinstance(key, bool) or not isinstance(key, bytes | bytearray | str):
            raise ValidationError(
                f"an audit key is bytes or a string, got {type(key).__name__}", where="audit_key"
            )
        raw = key.encode("utf-8", "surrogatepass") if isinstance(key, str) else bytes(key)
        if len(raw) < MIN_KEY_BYTES:
            raise ValidationError(
                f"an audit key is at least {MIN_KEY_BYTES} bytes, got {len(raw)}",
                where="audit_key",
            )
        # Prepared once; each MAC copies the keyed state (cheaper than re-keying).
        self._event = hmac.new(raw, b"officekit-event\n", hashlib.sha256)
        self._checkpoint = hmac.new(raw, b"officekit-checkpoint\n", hashlib.sha256)
        self._offices = hmac.new(raw, b"officekit-office\n", hashlib.sha256)
        self._per_office: dict[str, AuditKey] = {}
        self.fingerprint = hashlib.sha256(b"officekit-key-id\n" + raw).hexdigest()[:12]
        """A short public identifier of the key (not enough to recover it)."""

    def __repr__(self) -> str:
        return f"<AuditKey {self.fingerprint}>"

    def for_office(self, office_key: str) -> AuditKey:
        """The key that signs one office's events and checkpoints, derived from this one.

        Bound to the office's *key* (its name in the store): swapping two offices'
        keys in the ``offices`` table makes both logs fail to verify, instead of each
        being reported under the other's name.
        """
        derived = self._per_office.get(office_key)
        if derived is None:
            mac = self._offices.copy()
            mac.update(office_key.encode("utf-8", "surrogatepass"))
            derived = self._per_office[office_key] = AuditKey(mac.digest())
        return derived

    def mac_event(self, digest: str) -> str:
        """Return the MAC of an event's hash."""
        mac = self._event.copy()
        mac.update(digest.encode("ascii"))
        return mac.hexdigest()

    def mac_checkpoint(self, office_id: int, seq: int, digest: str, created_at: dt.datetime) -> str:
        """Return the MAC of a checkpoint's fields."""
        mac = self._checkpoint.copy()
        when = created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        mac.update(canonical_json([office_id, seq, digest, when]).encode())
        return mac.hexdigest()

    @staticmethod
    def same(mac: str | None, expected: str) -> bool:
        """Compare two MACs in constant time."""
        # Bytes, not str: compare_digest refuses non-ASCII strings, and a MAC is data
        # an attacker may have written.
        if not isinstance(mac, str) or not mac.isascii():
            return False
        return hmac.compare_digest(mac.encode("ascii"), expected.encode("ascii"))


def resolve_audit_key(
    key: AuditKey | bytes | str | None = None,
    *,
    key_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> AuditKey | None:
    """Find the audit key: the one given, else the key file given, else the environment.

    The environment is read as ``OFFICEKIT_AUDIT_KEY`` (the key itself), then
    ``OFFICEKIT_AUDIT_KEY_FILE`` (a file holding it). A key file's bytes are
    used with surrounding whitespace stripped (so ``openssl rand -hex 32 > key``
    works). None when there is no key anywhere.

    Raises:
        ValidationError: A key file cannot be read, or a key is too short.
    """
    if isinstance(key, AuditKey):
        return key
    if key is not None:
        return AuditKey(key)
    env = os.environ if environ is None else environ
    if key_file is None:
        if env.get(KEY_ENV):
            return AuditKey(env[KEY_ENV])
        key_file = env.get(KEY_FILE_ENV) or None
    if key_file is None:
        return None
    if not isinstance(key_file, str | os.PathLike) or "\0" in os.fspath(key_file):
        raise ValidationError(
            f"the audit key file is a path without NUL characters, got {key_file!r:.80}",
            where="audit_key",
        )
    try:
        raw = Path(key_file).expanduser().read_bytes().strip()
    except OSError as exc:
        raise ValidationError(
            f"cannot read the audit key file {os.fspath(key_file)}: {exc.strerror}",
            where="audit_key",
        ) from exc
    return AuditKey(raw)


def append_only_refusal(exc: sa.exc.DBAPIError) -> StoreError | None:
    """The officekit error for a refusal of the append-only triggers, or None if it is not one."""
    message = str(exc.orig)
    if REFUSAL not in message:
        return None
    what = message[message.index(REFUSAL) :].splitlines()[0]
    return StoreError(
        f"{what}: events and checkpoints are never changed or removed (nothing was written)"
    )


# -- checkpoints -------------------------------------------------------------------


@attrs.frozen
class Checkpoint:
    """A signed record of an office's chain head.

    Attributes:
        office_key: The office.
        seq: The last event it covers.
        hash: That event's hash.
        created_at: When it was written.
        id: Its row's id.
    """

    office_key: str
    seq: int
    hash: str
    created_at: dt.datetime
    id: int


def write_checkpoint(
    engine: sa.Engine,
    office_id: int,
    key: AuditKey,
    now: dt.datetime,
    *,
    checks: Sequence[AuditCheck] = (),
) -> Checkpoint:
    """Verify an office's log with the key, then sign the head it verified.

    The verification reads a snapshot, without blocking writers; the checkpoint
    then signs the head that was verified (events appended meanwhile are covered
    by the next one), after checking that its event still has that hash.

    Raises:
        ConflictError: The log does not verify (nothing is signed), or it is empty.
        NotFoundError: There is no such office.
    """
    from officekit.core.store import snapshot, write_transaction

    with snapshot(engine) as conn:
        report = verify_office(conn, office_id, key=key, checks=checks)
        head = conn.execute(
            sa.select(offices.c.event_seq, offices.c.event_head).where(offices.c.id == office_id)
        ).one()
    if not report.ok:
        first = (
            f"event {report.broken.seq}: {report.broken.reason}"
            if report.broken is not None
            else report.findings[0].reason
        )
        raise ConflictError(
            f"office {report.office_key!r}: the log does not verify, so it is not "
            f"checkpointed ({first})"
        )
    seq, digest = int(head.event_seq), str(head.event_head)
    if seq == 0:
        raise ConflictError(f"office {report.office_key!r} has no events to checkpoint")
    with write_transaction(engine) as conn:
        lock_head(conn, office_id)  # one lock order with the writers
        now_hash = conn.execute(
            sa.select(events.c.hash).where(events.c.office_id == office_id, events.c.seq == seq)
        ).scalar_one_or_none()
        if now_hash != digest:
            raise ConflictError(
                f"office {report.office_key!r}: event {seq} changed while it was verified"
            )
        mac = key.for_office(report.office_key).mac_checkpoint(office_id, seq, digest, now)
        checkpoint_id: int = conn.execute(
            audit_checkpoints.insert()
            .values(office_id=office_id, seq=seq, hash=digest, created_at=now, mac=mac)
            .returning(audit_checkpoints.c.id)
        ).scalar_one()
    return Checkpoint(report.office_key, seq, digest, now, checkpoint_id)


# -- verification ------------------------------------------------------------------


class _Findings:
    """Findings of one kind, capped at MAX_FINDINGS (the rest are counted)."""

    def __init__(self) -> None:
        self.items: list[Finding] = []
        self.more = 0

    def add(self, finding: Finding) -> None:
        if len(self.items) < MAX_FINDINGS:
            self.items.append(finding)
        else:
            self.more += 1

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(finding)

    def result(self, check: str) -> list[Finding]:
        if self.more:
            return [*self.items, Finding(check, f"and {self.more} more {check} findings")]
        return self.items


class _MacCheck:
    """Checks each event's MAC as the chain is read (``verify_chain``'s ``on_row``)."""

    def __init__(self, key: AuditKey) -> None:
        self.key = key
        self.first_keyed: int | None = None
        self.checked = 0
        self.hashes: dict[int, str] = {}  # seq -> hash, for the checkpointed seqs only
        self.wanted: set[int] = set()
        self.last_seq = 0
        self.found = _Findings()

    def __call__(self, row: ChainRow) -> None:
        self.last_seq = row.seq
        if row.seq in self.wanted:
            self.hashes[row.seq] = row.hash
        if row.mac is None:
            if self.first_keyed is not None:
                self.found.add(
                    Finding(
                        "mac",
                        f"event {row.seq} ({row.operation}) has no MAC, but event "
                        f"{self.first_keyed} and those after it were signed: it was appended "
                        "without the audit key, or inserted behind officekit's back",
                        seq=row.seq,
                    )
                )
            return
        if self.first_keyed is None:
            self.first_keyed = row.seq
        self.checked += 1
        if not AuditKey.same(row.mac, self.key.mac_event(row.hash)):
            self.found.add(
                Finding(
                    "mac",
                    f"event {row.seq} ({row.operation}): its MAC does not match its hash: it was "
                    "forged or rewritten, or signed with another key",
                    seq=row.seq,
                )
            )


class EventStream:
    """An office's events in chain order, read in batches each time it is iterated."""

    def __init__(
        self, conn: sa.Connection, office_id: int, operations: tuple[str, ...] = ()
    ) -> None:
        self._conn = conn
        self._office_id = office_id
        self._operations = operations

    def __iter__(self) -> Iterator[Event]:
        for row in iter_events(self._conn, self._office_id, operations=self._operations):
            yield row_to_event(row)


@attrs.frozen
class VerifiedPoint:
    """An event an earlier verification vouched for: where an incremental check starts.

    Attributes:
        seq: The event (at least 1).
        hash: The hash it had when it was verified.
        source: What vouched for it, for a person to read: ``"audit.verify event
            812"`` or ``"checkpoint 3"``.
    """

    seq: int = attrs.field(validator=attrs.validators.ge(1))
    hash: str
    source: str


def verify_detail(report: AuditReport, *, incremental: bool, deep: bool) -> dict[str, Any]:
    """What an ``audit.verify`` event records of a verification: a summary, no finding's text.

    ``from_seq`` and ``to_seq`` (the range read), ``checked``, ``ok``, ``keyed``,
    ``deep``, ``incremental`` (what was asked), ``findings`` (how many),
    ``broken_seq`` when the chain breaks, and when the report is sound
    ``verified_seq`` and ``verified_hash``: the point the next incremental check
    may start from ([`last_verified`][officekit.core.audit.last_verified]).
    """
    detail: dict[str, Any] = {
        "from_seq": report.from_seq,
        "to_seq": report.to_seq,
        "checked": report.checked,
        "ok": report.ok,
        "keyed": report.keyed,
        "deep": deep,
        "incremental": incremental,
        "findings": len(report.findings),
    }
    if report.broken is not None:
        detail["broken_seq"] = report.broken.seq
    if report.ok and report.to_seq > 0:
        detail["verified_seq"] = report.to_seq
        detail["verified_hash"] = report.to_hash
    return detail


def _recorded_point(seq: int, detail_json: str, keyed: bool) -> VerifiedPoint | None:
    """The point an ``audit.verify`` event's detail vouches for, if it is a usable one."""
    try:
        detail = json.loads(detail_json)
    except ValueError:
        return None  # the chain check names the event, if it was changed
    if not isinstance(detail, dict) or detail.get("ok") is not True:
        return None
    if keyed and detail.get("keyed") is not True:
        return None  # its MACs were not checked: it vouches for less than asked
    point_seq, digest = detail.get("verified_seq"), detail.get("verified_hash")
    if isinstance(point_seq, bool) or not isinstance(point_seq, int):
        return None
    if not 0 < point_seq < seq or not isinstance(digest, str) or len(digest) != 64:
        return None
    return VerifiedPoint(point_seq, digest, f"{VERIFY_OPERATION} event {seq}")


def last_verified(
    conn: sa.Connection, office_id: int, *, key: AuditKey | None = None
) -> VerifiedPoint | None:
    """The latest point an earlier verification vouched for: where an incremental check starts.

    Two kinds of point count: what the latest sound ``audit.verify`` event (a
    verification at a desk, outcome ``ok``) recorded as verified, among the
    [`ANCHOR_SCAN`][officekit.core.audit.ANCHOR_SCAN] latest; and, with a key, the
    latest checkpoint whose signature holds. With a key only a verification that
    had the key counts (one without it did not check the MACs). The later point
    wins.

    The point is only a claim read from the log:
    [`verify_office`][officekit.core.audit.verify_office] checks that the event
    there still has the hash, and the ``audit.verify`` event that made the claim
    comes after it, so it is itself re-verified (its hash, and with the key its MAC).

    Returns:
        The point, or None when there is none (check in full).

    Raises:
        NotFoundError: There is no such office.
    """
    office_key = conn.execute(
        sa.select(offices.c.key).where(offices.c.id == office_id)
    ).scalar_one_or_none()
    if office_key is None:
        raise NotFoundError(f"no office with id {office_id}")
    c = events.c
    recorded = conn.execute(
        sa.select(c.seq, c.detail)
        .where(c.office_id == office_id, c.operation == VERIFY_OPERATION, c.outcome == "ok")
        # The (office, operation, seq) index, walked backwards: the latest few only,
        # however long the log (migration 0005).
        .order_by(c.seq.desc())
        .limit(ANCHOR_SCAN)
    ).all()
    best: VerifiedPoint | None = None
    for seq, detail in recorded:
        best = _recorded_point(seq, detail, key is not None)
        if best is not None:
            break
    if key is not None:
        signing = key.for_office(str(office_key))
        cps, _ = _read_checkpoints(conn, office_id)
        for cp in reversed(cps):
            if best is not None and cp.seq <= best.seq:
                break
            if cp.seq > 0 and AuditKey.same(
                cp.mac, signing.mac_checkpoint(cp.office_id, cp.seq, cp.hash, cp.created_at)
            ):
                best = VerifiedPoint(cp.seq, cp.hash, f"checkpoint {cp.id}")
                break
    return best


def _hashes_at(conn: sa.Connection, office_id: int, seqs: Iterable[int]) -> dict[int, str]:
    """The hashes of the events at ``seqs`` (those that exist), read by the (office, seq) index."""
    found: dict[int, str] = {}
    wanted = sorted(set(seqs))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = conn.execute(
            sa.select(events.c.seq, events.c.hash).where(
                events.c.office_id == office_id, events.c.seq.in_(chunk)
            )
        )
        found.update((int(seq), str(digest)) for seq, digest in rows)
    return found


def verify_office(
    conn: sa.Connection,
    office_id: int,
    *,
    key: AuditKey | None = None,
    checks: Sequence[AuditCheck] = (),
    deep: bool = False,
    since: VerifiedPoint | None = None,
) -> AuditReport:
    """Verify one office's log: the chain; with a key, MACs and checkpoints; if deep, its state.

    Run it in a read snapshot (``officekit.core.store.snapshot``), so that
    everything it reads is from one moment and no writer waits for it.

    Args:
        conn: The connection (one transaction).
        office_id: The office.
        key: The audit key; without it MACs and checkpoints are not checked
            (the report's ``not_checked`` says so).
        checks: The desks' deep checks, run when ``deep``.
        deep: Compare the state tables with the events. A deep check always reads
            the whole log: ``since`` is then ignored.
        since: Verify incrementally, from this point (see
            [`last_verified`][officekit.core.audit.last_verified]): the event there
            must still have the hash that was verified, then only the events after
            it are checked (with the key, their MACs; every checkpoint's signature,
            and the hash of the event it signed). The events up to it are not
            re-checked (``not_checked`` says so). If that event is gone or its hash
            changed, the report has a finding (check ``"incremental"``) and the
            whole log is checked instead.

    Raises:
        NotFoundError: There is no such office.
    """
    office_key = conn.execute(
        sa.select(offices.c.key).where(offices.c.id == office_id)
    ).scalar_one_or_none()
    if office_key is None:
        raise NotFoundError(f"no office with id {office_id}")
    if key is not None:
        key = key.for_office(str(office_key))
    findings: list[Finding] = []
    start: tuple[int, str] | None = None
    signed_at_start = False
    if since is not None and not deep:
        at = conn.execute(
            sa.select(events.c.hash, events.c.mac).where(
                events.c.office_id == office_id, events.c.seq == since.seq
            )
        ).one_or_none()
        if at is not None and at.hash == since.hash:
            start = (since.seq, since.hash)
            signed_at_start = at.mac is not None
        else:
            what = "is no longer in the log" if at is None else "no longer has the hash"
            findings.append(
                Finding(
                    "incremental",
                    f"event {since.seq} {what} that {since.source} verified: the log up to "
                    "it was changed after that verification, so it was checked in full",
                    seq=since.seq,
                )
            )
    macs = _MacCheck(key) if key is not None else None
    cps: list[_CheckpointRow] = []
    unreadable: list[Finding] = []
    if macs is not None:
        cps, unreadable = _read_checkpoints(conn, office_id)
        macs.wanted = {cp.seq for cp in cps}
        if start is not None:
            # What an incremental check does not read: the events the checkpoints at
            # or below its start signed, looked up one by one.
            macs.last_seq = start[0]
            macs.first_keyed = start[0] if signed_at_start else None
            macs.hashes = _hashes_at(conn, office_id, (s for s in macs.wanted if s <= start[0]))
    report = verify_chain(conn, office_id, on_row=macs, since=start)
    if macs is not None:
        assert key is not None
        findings += macs.found.result("mac")
        found = _Findings()
        found.extend(unreadable)
        for cp in cps:
            found.extend(
                _checkpoint_findings(cp, key, macs, report.broken is not None, report.from_seq)
            )
        findings += found.result("checkpoint")
    names: list[str] = []
    if deep:
        for check in checks:
            names.append(check.name)
            stream = EventStream(conn, office_id, check.operations)
            try:
                result = check.check(conn, office_id, stream)
            except OfficekitError:
                raise
            except Exception as exc:
                raise PluginError(f"the audit check {check.name!r} failed: {exc!r}") from exc
            found = _Findings()
            found.extend(result)
            findings += found.result(check.name)
    return attrs.evolve(
        report,
        findings=tuple(findings),
        keyed=key is not None,
        macs_checked=macs.checked if macs is not None else 0,
        checkpoints_checked=len(cps),
        deep_checks=tuple(names),
        anchor=since.source if start is not None and since is not None else None,
    )


@attrs.frozen
class _CheckpointRow:
    id: int
    office_id: int
    seq: int
    hash: str
    created_at: dt.datetime
    mac: str | None


def _read_checkpoints(
    conn: sa.Connection, office_id: int
) -> tuple[list[_CheckpointRow], list[Finding]]:
    """The office's checkpoints, and a finding for each row that cannot even be read.

    Rows are data an attacker may have written: a time or a sequence number that is
    not one is reported, never raised.
    """
    c = audit_checkpoints.c
    raw = conn.execute(
        sa.select(c.id, c.office_id, c.seq, c.hash, sa.type_coerce(c.created_at, sa.String), c.mac)
        .where(c.office_id == office_id)
        .order_by(c.seq, c.id)
    ).all()
    rows: list[_CheckpointRow] = []
    unreadable: list[Finding] = []
    for row_id, office, seq, digest, created, mac in raw:
        try:
            when = (
                created if isinstance(created, dt.datetime) else dt.datetime.fromisoformat(created)
            )
            when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
            if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(digest, str):
                raise ValueError("not a checkpoint")
        except (TypeError, ValueError):
            unreadable.append(
                Finding(
                    "checkpoint",
                    f"checkpoint {row_id}: its fields cannot be read (seq {seq!r:.40}, time "
                    f"{created!r:.40}): written by hand, not by officekit",
                    seq=seq if isinstance(seq, int) and not isinstance(seq, bool) else None,
                )
            )
            continue
        rows.append(_CheckpointRow(row_id, office, seq, digest, when, mac))
    return rows, unreadable


def _checkpoint_findings(
    cp: _CheckpointRow, key: AuditKey, macs: _MacCheck, chain_broken: bool, from_seq: int = 0
) -> Iterator[Finding]:
    where = f"checkpoint {cp.id} (event {cp.seq}, {cp.created_at.isoformat()})"
    expected = key.mac_checkpoint(cp.office_id, cp.seq, cp.hash, cp.created_at)
    if not AuditKey.same(cp.mac, expected):
        yield Finding(
            "checkpoint",
            f"{where}: its signature does not match: it was forged or changed, or signed "
            "with another key",
            seq=cp.seq,
        )
        return
    if cp.seq not in macs.hashes:
        if cp.seq <= from_seq:  # below an incremental check's start: looked up alone
            yield Finding(
                "checkpoint",
                f"{where}: event {cp.seq} is no longer in the log: it was removed",
                seq=cp.seq,
            )
            return
        if chain_broken and cp.seq > macs.last_seq:
            return  # the chain's own break, reported already, comes first
        yield Finding(
            "checkpoint",
            f"{where}: the log ends at event {macs.last_seq}, below this checkpoint: "
            f"events {macs.last_seq + 1} to {cp.seq} (at least) were removed",
            seq=cp.seq,
        )
    elif macs.hashes[cp.seq] != cp.hash:
        yield Finding(
            "checkpoint",
            f"{where}: event {cp.seq} no longer has the hash that was signed: the log up to "
            "it was rewritten",
            seq=cp.seq,
        )


def office_ids(conn: sa.Connection, key: str | None = None) -> list[int]:
    """The ids of the offices of a store (or of the one with ``key``), in order.

    Raises:
        NotFoundError: ``key`` names no office.
    """
    query = sa.select(offices.c.id).order_by(offices.c.id)
    if key is not None:
        query = query.where(offices.c.key == key)
    ids = [int(i) for i in conn.execute(query).scalars()]
    if key is not None and not ids:
        raise NotFoundError(f"no office {key!r} in the store")
    return ids
