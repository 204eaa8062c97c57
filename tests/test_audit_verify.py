"""Verifying the audit: never under the write lock, incremental, and the fast chain check."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import sqlalchemy as sa
from tests.test_events import busy_office, tamper
from typer.testing import CliRunner

from officekit import (
    Event,
    ManualClock,
    Office,
    PermissionDenied,
    StaffMember,
    ValidationError,
    hookimpl,
    verify_store,
)
from officekit.cli import get_app
from officekit.core.audit import VerifiedPoint, last_verified, verify_office
from officekit.core.events import (
    GENESIS_HASH,
    ChainRow,
    canonical_json,
    event_hash,
    verify_chain,
)
from officekit.core.extensions import AuditCheck, Finding
from officekit.core.store import events, offices, snapshot
from officekit.simulate import simulate

KEY = b"k" * 32


def senior(office: Office) -> StaffMember:
    """Someone the medical profile lets verify the audit."""
    return office.staff.hire("Ada Moreau", roles=["administrative_assistant"], experience_years=6)


def short_waits(engine: sa.Engine) -> None:
    """Make the engine's writers give up after a second instead of waiting for a lock."""

    @sa.event.listens_for(engine, "connect")
    def _short(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 1000")
        else:
            cursor.execute("SET lock_timeout = '1s'")
            dbapi_connection.commit()
        cursor.close()

    engine.dispose()  # connections opened from now on wait a second at most


class Meanwhile:
    """A deep check that runs ``action`` while the verification's snapshot is open."""

    def __init__(self) -> None:
        self.action: Callable[[], object] | None = None
        self.calls = 0

    def check(self, conn: sa.Connection, office_id: int, _events: Iterable[Event]) -> list[Finding]:
        self.calls += 1
        if self.action is not None:
            self.action()
        return []

    @hookimpl
    def officekit_register_audit_checks(self) -> list[AuditCheck]:
        return [AuditCheck("meanwhile", self.check)]


# -- never under the write lock ---------------------------------------------------------


@pytest.mark.parametrize("entry", ["desk", "office", "chain"])
def test_a_writer_is_not_blocked_while_the_audit_is_verified(
    open_office: Callable[..., Office], store_url: str, clock: ManualClock, entry: str
) -> None:
    plugin = Meanwhile()
    office = open_office("medical", plugins=[plugin])
    busy_office(office, clock)
    boss = senior(office)
    # Another process, as it were: its own engine on the same store, impatient.
    other = open_office("medical")
    short_waits(other.engine)
    anna = other.staff.list()[0]
    written: list[Event] = []

    def write() -> None:
        with other.desk(anna) as desk:
            written.append(desk.note("Written while the audit was being verified"))

    if entry != "chain":
        plugin.action = write
    if entry == "desk":
        with office.desk(boss) as desk:
            report = desk.verify_audit(deep=True)
    elif entry == "office":
        report = office.verify_audit(deep=True)
    else:  # paused at the first event, then the rest read page by page after the write
        plugin.calls = 1

        def first_row(row: ChainRow) -> None:
            if row.seq == 1:
                write()

        with snapshot(office.engine) as conn:
            report = verify_chain(conn, office.id, on_row=first_row, batch=2)
    assert plugin.calls == 1
    (note,) = written  # the writer did not wait for the verification
    assert report.ok and ("meanwhile" in report.deep_checks) == (entry != "chain")
    # The report is of the snapshot: the note came after it.
    assert report.to_seq == note.seq - 1
    log = office.events()
    if entry == "desk":
        assert [e.operation for e in log[-2:]] == ["desk.note", "audit.verify"]
        assert log[-1].detail["verified_seq"] == note.seq - 1
    plugin.action = None
    assert office.verify_audit().ok


def test_a_refused_member_of_staff_verifies_nothing(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    plugin = Meanwhile()
    office = open_office("medical", plugins=[plugin])
    busy_office(office, clock)
    trainee = office.staff.hire("Tom", roles=["receptionist"])
    with office.desk(trainee) as desk, pytest.raises(PermissionDenied, match="oversight"):
        desk.verify_audit(deep=True)
    assert plugin.calls == 0
    (denied,) = office.events(outcome="denied")
    assert denied.operation == "audit.verify" and denied.detail["decided_by"] == "profile"
    # A desk that outlived its member's change of roles is refused before reading too.
    ann = senior(office)
    with office.desk(ann) as desk:
        office.staff.change_roles(ann, ["clerk"])
        with pytest.raises(PermissionDenied, match="oversight"):
            desk.verify_audit(deep=True)
    assert plugin.calls == 0
    assert [e.actor_name for e in office.events(outcome="denied")] == ["Tom", "Ada Moreau"]
    assert office.events(operation="audit.verify", outcome="ok") == []


def test_the_audit_verify_event_records_a_summary(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    with office.desk(senior(office)) as desk:
        report = desk.verify_audit()
    event = office.events()[-1]
    assert event.operation == "audit.verify" and event.subject is None
    assert event.detail == {
        "from_seq": 0,
        "to_seq": report.to_seq,
        "checked": report.checked,
        "ok": True,
        "keyed": False,
        "deep": False,
        "incremental": False,
        "findings": 0,
        "verified_seq": event.seq - 1,
        "verified_hash": office.events()[-2].hash,
    }
    assert report.checked == report.to_seq == event.seq - 1


# -- incremental ------------------------------------------------------------------------


def test_incremental_verification_checks_what_was_appended_since(
    office: Office, clock: ManualClock, store_url: str
) -> None:
    busy_office(office, clock)
    boss = senior(office)
    with office.desk(boss) as desk:
        assert desk.verify_audit(incremental=True).from_seq == 0  # nothing verified yet
        first = office.events()[-1]
        for n in range(4):
            desk.note(f"later note {n}")
        report = desk.verify_audit(incremental=True)
    point = first.detail["verified_seq"]
    assert report.ok and report.from_seq == point
    assert report.anchor == f"audit.verify event {first.seq}"
    assert report.checked == 5  # the verification's own event, then the four notes
    assert report.not_checked[0] == (
        f"events 1 to {point} (incremental: verified before by audit.verify event "
        f"{first.seq}, not re-checked)"
    )
    second = office.events()[-1]
    assert second.detail["from_seq"] == point and second.detail["incremental"] is True
    # The office's own check and verify_store start from the last recorded point;
    # deep always reads everything.
    for got in (office.verify_audit(incremental=True), *verify_store(store_url, incremental=True)):
        assert got.ok and got.from_seq == second.seq - 1 and got.checked == 1
    full = office.verify_audit(incremental=True, deep=True)
    assert full.from_seq == 0 and full.checked == second.seq and full.anchor is None
    assert office.verify_audit().checked == second.seq


def _rechain(office: Office, seq: int, detail: str) -> None:
    """Rewrite event ``seq``'s detail and recompute every hash after it, and the head."""
    log = office.events(after_seq=seq - 1)
    prev = log[0].prev_hash
    statements: list[sa.Executable] = []
    for event in log:
        text = detail if event.seq == seq else canonical_json(dict(event.detail))
        digest = event_hash(
            prev_hash=prev, office_id=office.id, seq=event.seq,
            occurred_at=event.occurred_at, actor_id=event.actor_id,
            actor_name=event.actor_name, operation=event.operation, subject=event.subject,
            outcome=event.outcome, duration_us=event.duration_us, detail_json=text,
        )  # fmt: skip
        statements.append(
            events.update()
            .where(events.c.id == event.id)
            .values(detail=text, prev_hash=prev, hash=digest)
        )
        prev = digest
    statements.append(offices.update().where(offices.c.id == office.id).values(event_head=prev))
    tamper(office.engine, *statements)


def test_a_rewritten_log_below_the_verified_point_is_named_and_checked_in_full(
    office: Office, clock: ManualClock
) -> None:
    busy_office(office, clock)
    with office.desk(senior(office)) as desk:
        desk.verify_audit()
    anchor = office.events()[-1]
    point = anchor.detail["verified_seq"]
    # A forger rewrites a note and recomputes the chain and the head: the chain alone
    # cannot tell, but the event at the verified point no longer has the hash verified.
    _rechain(office, 3, '{"text":"rewritten"}')
    assert office.verify_audit().ok
    report = office.verify_audit(incremental=True)
    assert not report.ok and report.broken is None and report.from_seq == 0
    (finding,) = report.findings
    assert finding.check == "incremental" and finding.seq == point
    assert finding.reason == (
        f"event {point} no longer has the hash that audit.verify event {anchor.seq} verified: "
        "the log up to it was changed after that verification, so it was checked in full"
    )


def test_a_changed_event_at_the_verified_point_is_named(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    with office.desk(senior(office)) as desk:
        desk.verify_audit()
    point = office.events()[-1].detail["verified_seq"]
    tamper(
        office.engine,
        events.update()
        .where(events.c.office_id == office.id, events.c.seq == point)
        .values(hash="f" * 64),
    )
    report = office.verify_audit(incremental=True)
    assert [f.check for f in report.findings] == ["incremental"]
    assert report.broken is not None and report.broken.seq == point  # the full check's own


def test_a_keyed_incremental_check_starts_from_a_checkpoint_or_a_keyed_verification(
    open_office: Callable[..., Office], clock: ManualClock, store_url: str
) -> None:
    plain = open_office("medical")
    busy_office(plain, clock)
    with plain.desk(senior(plain)) as desk:
        desk.verify_audit()  # without the key: it vouches for no MAC
    keyed = open_office("medical", audit_key=KEY)
    assert keyed.verify_audit(incremental=True).from_seq == 0
    checkpoint = keyed.checkpoint_audit()
    boss = keyed.staff.list()[-1]
    with keyed.desk(boss) as desk:
        desk.note("signed")
        report = keyed.verify_audit(incremental=True)
        assert report.ok and report.anchor == f"checkpoint {checkpoint.id}"
        assert report.from_seq == checkpoint.seq and report.checked == 1
        assert report.macs_checked == 1 and report.checkpoints_checked == 1
        keyed_report = desk.verify_audit(incremental=True)
        assert keyed_report.keyed and keyed_report.from_seq == checkpoint.seq
    verified = keyed.events()[-1]
    (report,) = verify_store(store_url, audit_key=KEY, incremental=True)
    assert report.anchor == f"audit.verify event {verified.seq}" and report.checked == 1
    assert report.macs_checked == 1 and report.checkpoints_checked == 1
    # An event forged after the point is still named by its MAC.
    with keyed.engine.begin() as conn:
        head = conn.execute(
            sa.select(offices.c.event_seq, offices.c.event_head).where(offices.c.id == keyed.id)
        ).one()
        fields: dict[str, Any] = {
            "office_id": keyed.id, "seq": head.event_seq + 1, "occurred_at": clock.now(),
            "actor_id": None, "actor_name": "office", "operation": "desk.note", "subject": None,
            "outcome": "ok", "duration_us": 0,
        }  # fmt: skip
        digest = event_hash(prev_hash=head.event_head, detail_json="{}", **fields)
        conn.execute(
            events.insert().values(
                **fields, detail="{}", prev_hash=head.event_head, hash=digest, mac="0" * 64
            )
        )
    report = keyed.verify_audit(incremental=True)
    assert [(f.check, f.seq) for f in report.findings] == [("mac", head.event_seq + 1)]


def test_a_checkpoint_below_the_start_is_still_checked(keyed_office: Office) -> None:
    office = keyed_office
    checkpoint = office.checkpoint_audit()
    with office.desk(office.staff.list()[-1]) as desk:
        desk.note("after the checkpoint")
        desk.verify_audit()
        desk.note("after the verification")
    # The checkpointed event, below where the incremental check starts, is removed:
    # the check does not read it, but looks up the event each checkpoint signed.
    tamper(
        office.engine,
        events.delete().where(events.c.office_id == office.id, events.c.seq == checkpoint.seq),
    )
    report = office.verify_audit(incremental=True)
    assert report.from_seq > checkpoint.seq
    (finding,) = report.findings
    assert finding.check == "checkpoint" and finding.seq == checkpoint.seq
    assert f"event {checkpoint.seq} is no longer in the log: it was removed" in finding.reason


@pytest.fixture
def keyed_office(open_office: Callable[..., Office], clock: ManualClock) -> Office:
    office = open_office("medical", audit_key=KEY)
    busy_office(office, clock)
    senior(office)
    return office


def test_verify_office_since_a_given_point(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    log = office.events()
    with snapshot(office.engine) as conn:
        assert last_verified(conn, office.id) is None
        report = verify_office(conn, office.id, since=VerifiedPoint(5, log[4].hash, "my notes"))
    assert report.ok and report.from_seq == 5 and report.checked == len(log) - 5
    assert report.anchor == "my notes" and report.to_hash == log[-1].hash
    with pytest.raises(ValueError, match="seq"):
        VerifiedPoint(0, GENESIS_HASH, "nothing")


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_incremental_must_be_a_bool(office: Office, store_url: str, value: Any) -> None:
    boss = senior(office)
    with office.desk(boss) as desk, pytest.raises(ValidationError, match="incremental"):
        desk.verify_audit(incremental=value)
    with pytest.raises(ValidationError, match="incremental"):
        office.verify_audit(incremental=value)
    with pytest.raises(ValidationError, match="incremental"):
        verify_store(store_url, incremental=value)
    assert office.events(operation="audit.verify") == []


def test_the_evening_check_reads_only_what_the_day_added(
    open_office: Callable[..., Office],
) -> None:
    clock = ManualClock(dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC))
    office = open_office("medical", clock=clock, key="simulation")
    simulate(office, days=4, seed=1, start=dt.date(2026, 3, 2), clock=clock)
    checks = office.events(operation="audit.verify", outcome="ok")
    assert len(checks) >= 3  # in the evening, when someone who may is on shift
    assert checks[0].detail["from_seq"] == 0  # the first reads everything
    for before, check in itertools.pairwise(checks):
        day = check.detail
        assert day["ok"] and day["incremental"]
        assert day["from_seq"] == before.detail["verified_seq"] == before.seq - 1
        # From the last evening's check to this one: the events in between, no more.
        assert day["checked"] == check.seq - before.seq
        assert day["checked"] < check.seq - 1 - day["checked"]  # less than the days before


def test_cli_incremental(office: Office, clock: ManualClock, store_url: str) -> None:
    busy_office(office, clock)
    with office.desk(senior(office)) as desk:
        desk.verify_audit()
        desk.note("one more")
    result = CliRunner().invoke(
        get_app(), ["audit", "verify", "--db", store_url, "--incremental"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    seq = office.events()[-2].detail["verified_seq"]
    assert f"office 'medical': 2 events after event {seq}, chain intact" in result.output
    assert f"events 1 to {seq} (incremental: verified before by audit.verify event" in (
        result.output
    )


# -- the fast chain check ----------------------------------------------------------------


def test_on_row_sees_every_event_that_fits(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    seen: list[ChainRow] = []
    with snapshot(office.engine) as conn:
        report = verify_chain(conn, office.id, on_row=seen.append, batch=3)  # several pages
    assert report.ok and [r.seq for r in seen] == [e.seq for e in office.events()]
    assert [r.hash for r in seen] == [e.hash for e in office.events()]


def test_a_time_stored_in_another_shape_is_read_as_the_column_reads_it(
    sqlite_office: Office, clock: ManualClock
) -> None:
    office = sqlite_office
    busy_office(office, clock)  # whole minutes: no microseconds
    note = office.events(operation="desk.note")[0]
    assert note.occurred_at.microsecond == 0
    update = sa.text("UPDATE events SET occurred_at = :stored WHERE id = :id")
    shorter = note.occurred_at.strftime("%Y-%m-%d %H:%M:%S")  # the same time, shorter
    tamper(office.engine, update.bindparams(stored=shorter, id=note.id))
    assert office.verify_audit().ok  # as before: the time it means is the time hashed
    tamper(office.engine, update.bindparams(stored="not a time", id=note.id))
    report = office.verify_audit()
    assert report.broken is not None and report.broken.seq == note.seq
    assert report.broken.reason == "its content does not match its hash (it was changed)"
