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
* the **baseline**: the raw SQL ``GROUP BY`` of the same events on a bare
  connection (the stdlib ``sqlite3``; ``psycopg`` for PostgreSQL)::

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
BASELINE = (
    "SELECT actor_id, operation, count(*), sum(duration_us) FROM events "
    "WHERE office_id = {p}office AND occurred_at >= {p}start AND occurred_at < {p}end "
    "GROUP BY actor_id, operation"
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
        conn.exec_driver_sql(
            f"INSERT INTO events ({COLUMNS}) {series}"
            f"SELECT {', '.join(select)} FROM events CROSS JOIN series "
            f"WHERE office_id = {office.id}"
        )
        total = conn.execute(
            sa.text("SELECT count(*) FROM events WHERE office_id = :o"), {"o": office.id}
        ).scalar_one()
        conn.exec_driver_sql("ANALYZE" if sqlite else "ANALYZE events")
    last = START + dt.timedelta(days=7 * 52 + sim_days)
    return office, START, last, int(total)


def baseline(url: str, office: Office) -> tuple[Callable[[dt.datetime, dt.datetime], int], Any]:
    """The raw GROUP BY on a bare connection; returns (run, close)."""
    if office.engine.dialect.name == "sqlite":
        database = office.engine.url.database
        assert database is not None
        conn = sqlite3.connect(database)
        sql = BASELINE.replace("{p}", ":")

        def text(moment: dt.datetime) -> str:  # how officekit stores a datetime in SQLite
            return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

        def run_sqlite(start: dt.datetime, end: dt.datetime) -> int:
            params = {"office": office.id, "start": text(start), "end": text(end)}
            return len(conn.execute(sql, params).fetchall())

        return run_sqlite, conn.close
    import psycopg

    plain = sa.make_url(url).set(drivername="postgresql")
    pg = psycopg.connect(plain.render_as_string(hide_password=False))
    sql = BASELINE.replace("{p}office", "%(office)s").replace("{p}start", "%(start)s")
    sql = sql.replace("{p}end", "%(end)s")

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
    tz = office.profile.office.tz
    start = dt.datetime.combine(first, dt.time(), tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
    try:
        review = office.reviews.analyze(first, last)  # warm: the catalogue, the statements
        run_base(start, end)
        analysis_s: list[float] = []
        baseline_s: list[float] = []
        for _ in range(args.rounds):
            analysis_s.append(timed(lambda: office.reviews.analyze(first, last)))
            baseline_s.append(timed(lambda: run_base(start, end)))
        tracemalloc.start()
        office.reviews.analyze(first, last)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        a, b = statistics.median(analysis_s), statistics.median(baseline_s)
        return {
            "backend": office.engine.dialect.name,
            "events": total,
            "metrics": len(office.reviews.catalogue.metrics),
            "people": len(review.people),
            "build_s": built,
            "analysis_median_s": a,
            "baseline_median_s": b,
            "ratio": a / b,
            "analysis_rounds_s": analysis_s,
            "baseline_rounds_s": baseline_s,
            "tracemalloc_peak_mb": peak / 1e6,
        }
    finally:
        close()
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
