"""Prepared statements, and operations that are one transaction with few statements.

``Prepared`` runs statements through the driver with their types' conversions; the
steps of a call use it inside the operation's own transaction. These tests check
what it converts, how it fails, and how many transactions and statements the hot
operations take (counted, not timed: speed is measured in ``benchmarks/``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.reception_profile import write_reception_profile

from officekit import ConflictError, ManualClock, NotFoundError, Office, PermissionDenied
from officekit.core.prepared import Prepared
from officekit.core.store import UTCDateTime, make_engine, write_transaction

metadata = sa.MetaData()
things = sa.Table(
    "prepared_things",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=True),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False, unique=True),
    sa.Column("amount", sa.Float, nullable=True),
)

INSERT = Prepared(
    things.insert().returning(things.c.id, things.c.at), keys=["at", "ok", "kind", "amount"]
)
SELECT = Prepared(
    sa.select(things.c.id, things.c.at, things.c.ok, things.c.amount)
    .where(sa.or_(things.c.kind == "a", things.c.kind == sa.bindparam("b_kind")))
    .order_by(things.c.id)
)
UPDATE = Prepared(
    things.update()
    .where(things.c.id == sa.bindparam("b_id"), things.c.ok.is_(True))
    .values(ok=False)
    .returning(things.c.id, things.c.ok)
)
DELETE_NONE = Prepared(
    things.delete().where(things.c.id == sa.bindparam("b_id"), things.c.kind == "z")
)

MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(store_url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_prepared_statements_convert_their_values_both_ways(engine: sa.Engine) -> None:
    at = dt.datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with write_transaction(engine) as conn:
        first = INSERT.first(conn, {"at": at, "ok": True, "kind": "a", "amount": 1.5})
        second = INSERT.first(conn, {"at": None, "ok": False, "kind": "b", "amount": None})
    assert first is not None and second is not None
    assert first[1] == at and first[1].tzinfo == dt.UTC  # aware, UTC, microseconds kept
    with engine.connect() as conn:
        rows = SELECT.all(conn, {"b_kind": "b"})
        assert rows == [(first[0], at, True, 1.5), (second[0], None, False, None)]
        assert isinstance(rows[0][2], bool)
        assert SELECT.all(conn, {"b_kind": "nothing"}) == [(first[0], at, True, 1.5)]
    with write_transaction(engine) as conn:
        assert UPDATE.first(conn, {"b_id": first[0]}) == (first[0], False)
        assert UPDATE.first(conn, {"b_id": first[0]}) is None  # its guard no longer holds
        assert DELETE_NONE.rowcount(conn, {"b_id": first[0]}) == 0


def test_a_prepared_statement_runs_in_the_callers_transaction(engine: sa.Engine) -> None:
    def insert_then_fail() -> None:
        with write_transaction(engine) as conn:
            INSERT.first(conn, {"at": None, "ok": True, "kind": "gone", "amount": None})
            raise RuntimeError("roll it back")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    with engine.connect() as conn:
        assert SELECT.all(conn, {"b_kind": "gone"}) == []


def test_driver_errors_arrive_wrapped_as_sqlalchemy_errors(engine: sa.Engine) -> None:
    with write_transaction(engine) as conn:
        INSERT.first(conn, {"at": None, "ok": True, "kind": "same", "amount": None})
    with pytest.raises(sa.exc.IntegrityError), write_transaction(engine) as conn:
        INSERT.first(conn, {"at": None, "ok": True, "kind": "same", "amount": None})


def test_a_missing_parameter_is_a_key_error_before_anything_runs(engine: sa.Engine) -> None:
    with engine.connect() as conn, pytest.raises(KeyError, match="b_kind"):
        SELECT.all(conn, {})


def test_a_list_expanded_at_run_time_is_refused(engine: sa.Engine) -> None:
    expanding = Prepared(sa.select(things.c.id).where(things.c.kind.in_(["a", "b"])))
    with engine.connect() as conn, pytest.raises(ValueError, match="or_"):
        expanding.all(conn, {})


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    at=st.datetimes(
        min_value=dt.datetime(1970, 1, 2),
        max_value=dt.datetime(2999, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    amount=st.none() | st.floats(allow_nan=False, allow_infinity=False, width=32),
)
def test_values_round_trip_as_core_reads_them(  # the table is emptied for each example
    sqlite_url: str, at: dt.datetime, amount: float | None
) -> None:
    engine = make_engine(sqlite_url)
    metadata.create_all(engine)
    try:
        with write_transaction(engine) as conn:
            conn.execute(things.delete())
            row = INSERT.first(conn, {"at": at, "ok": True, "kind": "a", "amount": amount})
            assert row is not None
            core = conn.execute(
                sa.select(things.c.id, things.c.at, things.c.ok, things.c.amount)
            ).one()
            assert SELECT.all(conn, {"b_kind": "a"}) == [tuple(core)]
    finally:
        engine.dispose()


# -- operations: one transaction, few statements -----------------------------------


class Counter:
    """Counts transactions begun and statements run on an engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.begins = 0
        self.statements = 0
        sa.event.listen(engine, "begin", self._begin)
        sa.event.listen(engine, "before_cursor_execute", self._statement)

    def _begin(self, conn: Any) -> None:
        self.begins += 1

    def _statement(self, *args: Any) -> None:
        self.statements += 1

    def during(self, work: Callable[[], Any]) -> tuple[int, int]:
        begins, statements = self.begins, self.statements
        work()
        return self.begins - begins, self.statements - statements


@pytest.fixture
def reception(open_office: Callable[..., Office], tmp_path: Path, clock: ManualClock) -> Office:
    clock.set(MONDAY_10)
    return open_office(write_reception_profile(tmp_path / "frontdesk"))


def test_each_step_of_a_call_is_one_transaction_and_a_few_statements(reception: Office) -> None:
    office = reception
    anna = office.staff.hire("Anna", roles=["receptionist"], experience_years=2)
    counter = Counter(office.engine)
    with office.desk(anna) as desk:
        received: list[Any] = []
        # The office row locked and the lines and known caller read, the call and its event written.
        assert counter.during(
            lambda: received.append(office.calls.receive("020 7946 0001", "bill"))
        ) == (1, 4)
        call = received[0]
        # The office row locked with the actor; one guarded UPDATE ... RETURNING; the event.
        assert counter.during(lambda: desk.calls.answer(call)) == (1, 3)
        assert counter.during(lambda: desk.calls.hold(call)) == (1, 3)
        # Read under the lock, UPDATE ... RETURNING, the event.
        assert counter.during(lambda: desk.calls.resume(call)) == (1, 4)
        # ... and the next queued call promoted to the freed line.
        ended: list[Any] = []
        assert counter.during(lambda: ended.append(desk.calls.complete(call))) == (1, 5)
    assert ended[0].status == "ended" and ended[0].outcome == "completed"
    assert ended[0] == office.calls.get(call.id)  # what the step returned is the stored row


def test_a_step_on_a_call_that_is_not_there_or_not_ready_writes_nothing(reception: Office) -> None:
    office = reception
    anna = office.staff.hire("Anna", roles=["receptionist"], experience_years=2)
    call = office.calls.receive("020 7946 0001", "bill")
    before = len(office.events())
    with office.desk(anna) as desk:
        with pytest.raises(NotFoundError, match="no call with id 999999"):
            desk.calls.answer(999999)
        with pytest.raises(ConflictError, match="is ringing: one can complete only"):
            desk.calls.complete(call)
        with pytest.raises(ConflictError, match="is ringing: one can put on hold only"):
            desk.calls.hold(call)
    assert len(office.events()) == before
    assert office.calls.get(call.id).status == "ringing"


def test_a_step_refused_to_the_actor_is_recorded_before_the_call_is_read(reception: Office) -> None:
    office = reception
    clerk = office.staff.hire("Carl", roles=["clerk"], experience_years=2)
    with office.desk(clerk) as desk, pytest.raises(PermissionDenied):
        desk.calls.answer(999999)
    assert office.events(operation="calls.answer")[-1].outcome == "denied"
