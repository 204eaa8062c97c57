"""The front-office analysis at a million events: `office.reviews.analyze` against a raw GROUP BY.

A store of N events (1,000,000 by default) is built quickly: a simulation of a
medical practice (``--sim-days`` days, through the public API: calls, visitors,
questions, filing, records, payments, payroll, schedule, documents, feedback)
writes a few thousand real events, whose rows are then copied with plain SQL,
each copy shifted by a week (52 weeks, then a minute later each round), with new
sequence numbers: the same mix of operations and details, as dense as a large
office's year. Then, in interleaved rounds, medians of:

* ``office.reviews.analyze(first, last)`` over the whole year: every desk's
  metrics, hours worked, the load by hour and the breakdowns its findings need
  (not saved: reading only);
* the **baseline**: the raw SQL ``GROUP BY`` of the same events, hand-written, on a
  bare connection (the stdlib ``sqlite3``; ``psycopg`` for PostgreSQL): per actor and
  operation, the count and the sums of the detail values and flags the metrics read
  (``handled_seconds``, ``waited_seconds``, ``misrouted``, ...), each event's detail
  read once (on PostgreSQL from the stored ``jsonb`` copy, ``events.detail_json``);
* for reference, the **bare** ``GROUP BY`` that reads no detail at all::

      SELECT actor_id, operation, count(*), sum(duration_us) FROM events
      WHERE office_id = ? AND occurred_at >= ? AND occurred_at < ?
      GROUP BY actor_id, operation

Target: at most 2x the baseline, on SQLite and on PostgreSQL. Also printed: the
``tracemalloc`` peak of one analysis (it stays flat as the events grow: the rows
never leave the database). Run from the repository root::

    python benchmarks/analysis.py [--events 1000000] [--rounds 7] [--postgres URL] [--json]

``--postgres`` takes a scratch database: its ``public`` schema is dropped and
made afresh, before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from officekit import ManualClock, Office
from officekit.simulate import simulate

START = dt.date(2026, 1, 5)  # a Monday
COLUMNS = (
    "office_id, seq, occurred_at, actor_id, actor_name, operation, subject, outcome, "
    "duration_us, detail, prev_hash, hash, mac"
)
BARE = (
    "SELECT actor_id, operation, count(*), sum(duration_us) FROM events "
    "WHERE office_id = {p}office AND occurred_at >= {p}start AND occurred_at < {p}end "
    "GROUP BY actor_id, operation"
)
# The detail the built-in desks' metrics read: values summed, flags counted.
VALUES = ("handled_seconds", "minutes", "score", "waited_seconds")
FLAGS = (
    "approved", "complaint", "cover", "misfiled", "misrouted", "mistake", "on_time",
    "overdue", "within_service_level",
)  # fmt: skip
WHERE = "office_id = {p}office AND occurred_at >= {p}start AND occurred_at < {p}end"
SQLITE_BASELINE = (
    "SELECT actor_id, operation, count(*), "
    + ", ".join(f"sum(json_extract(detail, '$.{k}'))" for k in VALUES)
    + ", "
    + ", ".join(f"sum(json_type(detail, '$.{k}') = 'true')" for k in FLAGS)
    + f" FROM events WHERE {WHERE} AND outcome = 'ok' GROUP BY actor_id, operation"
)
POSTGRES_BASELINE = (
    "SELECT actor_id, operation, count(*), "
    + ", ".join(f"sum((d ->> '{k}')::float8)" for k in VALUES)
    + ", "
    + ", ".join(f"count(*) FILTER (WHERE d -> '{k}' = 'true')" for k in FLAGS)
    + " FROM (SELECT actor_id, operation, detail_json AS d FROM events "
    + f"WHERE {WHERE} AND outcome = 'ok') AS e GROUP BY actor_id, operation"
)


def build(url: str, events_wanted: int, sim_days: int) -> tuple[Office, dt.date, dt.date, int]:
    """Simulate, then copy the events until the office has about ``events_wanted``."""
    tz_office = Office.open(url, profile="medical", key="probe")
    tz = tz_office.profile.office.tz
    tz_office.close()
    clock = ManualClock(dt.datetime.combine(START, dt.time(6), tz))
    office = Office.open(url, profile="medical", clock=clock, key="bench-analysis")
    simulate(office, days=sim_days, seed=3, start=START, clock=clock)
    engine = office.engine
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        seeded, top = conn.execute(
            sa.text("SELECT count(*), max(seq) FROM events WHERE office_id = :o"), {"o": office.id}
        ).one()
    copies = max(1, events_wanted // seeded)

    def shifted(col: str) -> str:
        if sqlite:  # keep the microseconds: datetime() would drop them
            return (
                f"datetime(substr({col}, 1, 19), '+' || ((k % 52) * 7) || ' days', "
                f"'+' || (k / 52) || ' minutes') || substr({col}, 20)"
            )
        return f"{col} + mod(k, 52) * interval '7 days' + (k / 52) * interval '1 minute'"

    select = []
    for col in COLUMNS.split(", "):
        if col == "occurred_at":
            select.append(shifted(col))
        elif col == "seq":
            select.append(f"seq + k * {top}")
        else:
            select.append(col)
    series = (
        "WITH RECURSIVE series(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM series "
        f"WHERE k < {copies - 1}) "
    )
    with engine.begin() as conn:
        if not sqlite:
            # The trigger that moves the office's chain head would update one row a
            # million times; the copies are no chain anyway (the analysis does not read it).
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_move_head")
        conn.exec_driver_sql(
            f"INSERT INTO events ({COLUMNS}) {series}"
            f"SELECT {', '.join(select)} FROM events CROSS JOIN series "
            f"WHERE office_id = {office.id}"
        )
        total = conn.execute(
            sa.text("SELECT count(*) FROM events WHERE office_id = :o"), {"o": office.id}
        ).scalar_one()
        if not sqlite:
            conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_move_head")
        conn.exec_driver_sql("ANALYZE" if sqlite else "ANALYZE events")
    last = START + dt.timedelta(days=7 * 52 + sim_days)
    return office, START, last, int(total)


def baseline(
    url: str, office: Office, bare: bool = False
) -> tuple[Callable[[dt.datetime, dt.datetime], int], Any]:
    """The hand-written GROUP BY (or the ``bare`` one) on a bare connection: (run, close)."""
    if office.engine.dialect.name == "sqlite":
        database = office.engine.url.database
        assert database is not None
        conn = sqlite3.connect(database)
        sql = (BARE if bare else SQLITE_BASELINE).replace("{p}", ":")

        def text(moment: dt.datetime) -> str:  # how officekit stores a datetime in SQLite
            return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

        def run_sqlite(start: dt.datetime, end: dt.datetime) -> int:
            params = {"office": office.id, "start": text(start), "end": text(end)}
            return len(conn.execute(sql, params).fetchall())

        return run_sqlite, conn.close
    import psycopg

    plain = sa.make_url(url).set(drivername="postgresql")
    pg = psycopg.connect(plain.render_as_string(hide_password=False))
    sql = (BARE if bare else POSTGRES_BASELINE).replace("{p}office", "%(office)s")
    sql = sql.replace("{p}start", "%(start)s").replace("{p}end", "%(end)s")

    def run_pg(start: dt.datetime, end: dt.datetime) -> int:
        with pg.cursor() as cur:
            rows = cur.execute(sql, {"office": office.id, "start": start, "end": end}).fetchall()
        pg.rollback()
        return len(rows)

    return run_pg, pg.close


def timed(work: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


def run_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    built = time.perf_counter()
    office, first, last, total = build(url, args.events, args.sim_days)
    built = time.perf_counter() - built
    run_base, close = baseline(url, office)
    run_bare, close_bare = baseline(url, office, bare=True)
    tz = office.profile.office.tz
    start = dt.datetime.combine(first, dt.time(), tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
    try:
        review = office.reviews.analyze(first, last)  # warm: the catalogue, the statements
        run_base(start, end)
        run_bare(start, end)
        analysis_s: list[float] = []
        baseline_s: list[float] = []
        bare_s: list[float] = []
        for _ in range(args.rounds):
            analysis_s.append(timed(lambda: office.reviews.analyze(first, last)))
            baseline_s.append(timed(lambda: run_base(start, end)))
            bare_s.append(timed(lambda: run_bare(start, end)))
        tracemalloc.start()
        office.reviews.analyze(first, last)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        a, b = statistics.median(analysis_s), statistics.median(baseline_s)
        c = statistics.median(bare_s)
        return {
            "backend": office.engine.dialect.name,
            "events": total,
            "metrics": len(office.reviews.catalogue.metrics),
            "people": len(review.people),
            "build_s": built,
            "analysis_median_s": a,
            "baseline_median_s": b,
            "ratio": a / b,
            "bare_median_s": c,
            "ratio_to_bare": a / c,
            "bare_rounds_s": bare_s,
            "analysis_rounds_s": analysis_s,
            "baseline_rounds_s": baseline_s,
            "tracemalloc_peak_mb": peak / 1e6,
        }
    finally:
        close()
        close_bare()
        office.close()


def report(f: dict[str, Any]) -> None:
    print(
        f"{f['backend']}: {f['events']:,} events, {f['metrics']} metrics, {f['people']} people "
        f"(built in {f['build_s']:.0f} s)"
    )
    print(
        f"  analysis {f['analysis_median_s'] * 1000:8.1f} ms   raw GROUP BY "
        f"{f['baseline_median_s'] * 1000:8.1f} ms   ratio {f['ratio']:.2f}x (target <= 2x)"
    )
    print(
        f"  for reference, the bare GROUP BY (no detail read) {f['bare_median_s'] * 1000:8.1f} ms:"
        f" {f['ratio_to_bare']:.2f}x"
    )
    print(f"  tracemalloc peak of one analysis: {f['tracemalloc_peak_mb']:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the store")
    parser.add_argument("--sim-days", type=int, default=5, help="days simulated to seed them")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--postgres", help="also run on this scratch PostgreSQL database URL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    args = parser.parse_args()
    results = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run_backend(f"sqlite:///{tmp}/analysis.db", args))
        report(results[-1])
    if args.postgres:
        reset_postgres(args.postgres)
        try:
            results.append(run_backend(args.postgres, args))
        finally:
            reset_postgres(args.postgres)
        report(results[-1])
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
