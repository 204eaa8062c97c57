"""The writing connection a thread keeps between transactions (``officekit.core.store``)."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import sqlalchemy as sa

from officekit import Office
from officekit.core import store
from officekit.core.store import MAX_HELD_WRITERS, make_engine, read_transaction, write_transaction


class _Owner:
    """Something whose life bounds the kept connections (an office, in officekit)."""


def _table(engine: sa.Engine) -> sa.Table:
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    table.create(engine)
    return table


def test_a_thread_keeps_one_connection_and_nested_transactions_get_their_own(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    table = _table(engine)
    with write_transaction(engine) as fresh:
        pass
    with write_transaction(engine) as other:
        assert other is not fresh  # an engine no office owns: a connection per transaction
    owner = _Owner()
    store.keep_writers(engine, owner)
    with write_transaction(engine) as first:
        first.execute(table.insert())
        with read_transaction(engine) as inner:  # a transaction inside another: its own
            assert inner is not first
    with write_transaction(engine) as again:
        assert again is first  # kept between transactions
        assert again.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 1
    with read_transaction(engine) as reading:
        assert reading is first
    del owner  # the owner collected: the kept connection is returned
    gc.collect()
    assert first.closed
    engine.dispose()


def test_at_most_a_few_threads_keep_one(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    table = _table(engine)
    owner = _Owner()
    store.keep_writers(engine, owner)
    barrier = threading.Barrier(MAX_HELD_WRITERS + 2)
    done: list[int] = []

    def work() -> None:
        barrier.wait()
        for _ in range(5):
            with write_transaction(engine) as conn:
                conn.execute(table.insert())
        done.append(1)

    threads = [threading.Thread(target=work) for _ in range(MAX_HELD_WRITERS + 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == MAX_HELD_WRITERS + 2
    kept = store._writers_of(store._write_engine(engine)).all
    del kept[:0]
    assert 0 < len(kept) <= MAX_HELD_WRITERS
    store.release_writers(engine)
    engine.dispose()


def test_an_office_nobody_closes_returns_its_kept_connection(store_url: str) -> None:
    office = Office.open(store_url, profile="smallbusiness", key="unclosed")
    member = office.staff.hire("Olga Ward", roles=["office_manager"], experience_years=9)
    with office.desk(member) as desk:
        desk.note("kept connection in use")
    engine = office.engine
    kept = [conn for _, conn in store._writers_of(store._write_engine(engine)).all]
    assert len(kept) == 1 and not kept[0].closed
    del office, desk, member
    gc.collect()
    assert kept[0].closed  # back in the pool: a checked-out one would keep the engine alive
    engine.dispose()
