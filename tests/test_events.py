"""The event log: one event per operation, a hash chain, and its verification."""

from __future__ import annotations

import importlib
import itertools
import multiprocessing
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from officekit import ManualClock, Office, PermissionDenied, StoreError, verify_store
from officekit.core.events import GENESIS_HASH
from officekit.core.store import events, offices


def busy_office(office: Office, clock: ManualClock, notes: int = 5) -> None:
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    with office.desk(anna) as desk:
        desk.start_shift()
        for n in range(notes):
            clock.advance(minutes=3)
            desk.note(f"note {n}", subject=f"customer-{n}")
        desk.end_shift()


def test_every_operation_appends_one_chained_event(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    log = office.events()
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert [e.operation for e in log] == [
        "staff.hire",
        "desk.start_shift",
        *["desk.note"] * 5,
        "desk.end_shift",
    ]
    assert log[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(log):
        assert after.prev_hash == before.hash
    note = log[2]
    assert note.actor_name == "Anna Conti" and note.actor_id is not None
    assert note.subject == "customer-0" and note.detail == {"text": "note 0"}
    assert note.outcome == "ok" and note.duration_us >= 0
    assert note.occurred_at.utcoffset() is not None
    assert log[0].actor_name == "office" and log[0].actor_id is None
    assert office.verify_audit().ok
    assert office.verify_audit().checked == len(log)


def test_event_filters(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    assert len(office.events(operation="desk.note")) == 5
    assert len(office.events(operation="desk.")) == 7
    assert [e.seq for e in office.events(limit=2)] == [7, 8]
    assert [e.seq for e in office.events(after_seq=6)] == [7, 8]
    assert [e.seq for e in office.events(operation="desk.note", after_seq=5)] == [6, 7]
    anna = office.staff.list()[0]
    assert len(office.events(actor=anna)) == 7
    assert office.events(outcome="denied") == []


def test_refusal_is_recorded_in_the_chain(office: Office) -> None:
    trainee = office.staff.hire("Tom", roles=["receptionist"])
    with office.desk(trainee) as desk, pytest.raises(PermissionDenied) as info:
        desk.verify_audit()
    assert info.value.actor == "Tom" and info.value.operation == "audit.verify"
    (denied,) = office.events(outcome="denied")
    assert denied.operation == "audit.verify"
    assert denied.detail["reason"] == info.value.reason
    assert office.verify_audit().ok


_GUARD = importlib.import_module("officekit.migrations.versions.0004_event_log_guard")
EVENT_GUARDS = ("events_refuse_update", "events_refuse_delete")


def tamper(engine: sa.Engine, *statements: sa.Executable) -> None:
    """Change the log as an attacker with DDL rights would: refusal triggers off, then on."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for name in EVENT_GUARDS:
            conn.exec_driver_sql(
                f"ALTER TABLE events DISABLE TRIGGER {name}" if postgres else f"DROP TRIGGER {name}"
            )
        for statement in statements:
            conn.execute(statement)
        if postgres:
            for name in EVENT_GUARDS:
                conn.exec_driver_sql(f"ALTER TABLE events ENABLE TRIGGER {name}")
        else:
            for sql in _GUARD.SQLITE_TRIGGERS:
                if "ON events" in sql:
                    conn.exec_driver_sql(sql)


def _tamper(office: Office, statement: sa.Executable) -> None:
    tamper(office.engine, statement)


def test_the_database_refuses_to_change_or_remove_events(
    office: Office, clock: ManualClock
) -> None:
    busy_office(office, clock, notes=1)
    where = events.c.office_id == office.id
    statements: list[sa.Executable] = [
        events.update().where(where).values(subject="forged"),
        events.delete().where(where, events.c.seq == 2),
        events.delete(),
    ]
    if office.engine.dialect.name == "postgresql":
        statements.append(sa.text("TRUNCATE events CASCADE"))
    for statement in statements:
        with (
            pytest.raises(sa.exc.DBAPIError, match="the event log is append-only"),
            office.engine.begin() as conn,
        ):
            conn.execute(statement)
    assert len(office.events()) == 4
    assert office.verify_audit().ok


def test_the_refusal_reaches_an_officekit_user_as_a_store_error(
    office: Office, clock: ManualClock
) -> None:
    busy_office(office, clock, notes=1)
    anna = office.staff.list()[0]
    with office.desk(anna) as desk, pytest.raises(StoreError, match="append-only") as info:
        desk.perform(
            "desk.note", detail={"text": "x"}, act=lambda conn: conn.execute(events.delete())
        )
    assert "DELETE of events refused" in str(info.value)
    assert len(office.events()) == 4  # rolled back, nothing recorded
    assert office.verify_audit().ok


def test_changed_detail_is_found(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    _tamper(
        office,
        events.update()
        .where(events.c.office_id == office.id, events.c.seq == 4)
        .values(detail='{"text":"nothing to see"}'),
    )
    report = office.verify_audit()
    assert not report.ok and report.broken is not None
    assert report.broken.seq == 4
    assert "changed" in report.broken.reason


def test_changed_time_or_actor_is_found(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    _tamper(
        office,
        events.update()
        .where(events.c.office_id == office.id, events.c.seq == 6)
        .values(actor_name="Somebody Else"),
    )
    report = office.verify_audit()
    assert report.broken is not None and report.broken.seq == 6


def test_removed_event_is_found(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    _tamper(office, events.delete().where(events.c.office_id == office.id, events.c.seq == 3))
    report = office.verify_audit()
    assert report.broken is not None
    assert report.broken.seq == 3 and "missing" in report.broken.reason


def test_rehashed_event_breaks_the_next_link(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    # A forger who recomputes one event's hash still breaks its successor's prev_hash.
    _tamper(
        office,
        events.update()
        .where(events.c.office_id == office.id, events.c.seq == 3)
        .values(hash="f" * 64),
    )
    report = office.verify_audit()
    assert report.broken is not None and report.broken.seq == 3


def test_truncated_tail_is_found(office: Office, clock: ManualClock) -> None:
    busy_office(office, clock)
    last = office.events()[-1]
    _tamper(office, events.delete().where(events.c.id == last.id))
    report = office.verify_audit()
    assert report.broken is not None
    assert report.broken.seq == last.seq and "removed" in report.broken.reason


def test_verify_store_checks_every_office(
    open_office: Callable[..., Office], store_url: str, clock: ManualClock
) -> None:
    first = open_office("medical", key="north")
    second = open_office("legal", key="south")
    busy_office(first, clock)
    busy_office(second, clock, notes=2)
    reports = verify_store(store_url)
    assert [(r.office_key, r.ok) for r in reports] == [("north", True), ("south", True)]
    _tamper(
        second,
        events.update()
        .where(events.c.office_id == second.id, events.c.seq == 2)
        .values(outcome="denied"),
    )
    reports = verify_store(store_url)
    assert [(r.office_key, r.ok) for r in reports] == [("north", True), ("south", False)]
    # each office has its own gapless chain
    assert [e.seq for e in first.events()][:3] == [1, 2, 3]


def _append_notes(url: str, member_id: int, count: int) -> None:
    office = Office.open(url)
    try:
        with office.desk(member_id) as desk:
            for n in range(count):
                desk.note(f"from pid, note {n}")
    finally:
        office.close()


def test_two_processes_appending_at_once_keep_the_chain(office: Office, store_url: str) -> None:
    member = office.staff.hire("Rosa", roles=["receptionist"])
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_append_notes, args=(store_url, member.id, 25)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    log = office.events()
    assert len(log) == 51
    assert [e.seq for e in log] == list(range(1, 52))
    assert office.verify_audit().ok
    with office.engine.connect() as conn:
        head = conn.execute(sa.select(offices.c.event_seq).where(offices.c.id == office.id))
        assert head.scalar_one() == 51
