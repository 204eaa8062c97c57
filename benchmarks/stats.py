"""Call statistics at scale: `office.calls.stats` against one hand-written SQL aggregate.

A store of N calls (200,000 by default; ``--calls 1000000``) is built quickly: a few
hundred calls of one day go through the public API (received, answered, held,
transferred, messages taken, hung up, some after hours), then their ``calls`` rows
are copied with plain SQL, shifted day by day (the events are not needed for
statistics). Then, in interleaved rounds, medians of:

* ``office.calls.stats(start, end)`` over the **whole period** and over **one day**;
* the **baseline**: the same figures by one hand-written aggregate query, run on a
  bare connection (the stdlib ``sqlite3``; ``psycopg`` for PostgreSQL);
* on SQLite, for reference, the query one would write first, with ``julianday``
  durations: cheaper, but its counts by a threshold are wrong (milliseconds).

Targets: whole period at most 2x the baseline, one day at most 3x, and the stats
call's memory under 150 MB at a million calls (peak resident-set growth of a fresh
process that opens the office and computes the whole period's statistics, and the
``tracemalloc`` peak of the call). ``--python`` also times, once, the way it was
done before: every call loaded (``office.calls.between``) and aggregated in Python.
Run from the repository root::

    python benchmarks/stats.py [--calls 200000] [--rounds 7] [--postgres URL] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import json
import os
import random
import sqlite3
import statistics
import subprocess
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
from officekit.core.store import events, offices, staff, staff_roles
from officekit.plugins.reception.calls import CallStats
from officekit.plugins.reception.settings import PHONES
from officekit.plugins.reception.tables import calls, messages

DAY0 = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # a Monday, before the office opens
COLUMNS = (
    "office_id, caller_number, caller_name, reason, dialled_line, line, status, outcome, "
    "department, destination, routed_by, urgent, script, explanation, transferred_to, "
    "misrouted, arrived_at, answered_at, ended_at, hold_started_at, hold_seconds, handled_by"
)
TIMES = ("arrived_at", "answered_at", "ended_at", "hold_started_at")

# The baseline, by hand. Parameters: office, start, end, t (the target), s (short abandons).
BASELINE = """
SELECT count(*),
  count(*) FILTER (WHERE outcome IS {ne} 'after_hours'),
  count(*) FILTER (WHERE outcome IS {ne} 'after_hours' AND answered_at IS NOT NULL),
  count(*) FILTER (WHERE outcome IS {ne} 'after_hours' AND answered_at IS NOT NULL
                   AND {wait} <= {p}t),
  avg({wait}) FILTER (WHERE outcome IS {ne} 'after_hours' AND answered_at IS NOT NULL),
  count(*) FILTER (WHERE outcome = 'abandoned'),
  count(*) FILTER (WHERE outcome = 'abandoned' AND coalesce({abandon_wait}, 0) < {p}s),
  avg({handled}) FILTER (WHERE outcome IS {ne} 'after_hours' AND answered_at IS NOT NULL),
  count(*) FILTER (WHERE outcome = 'transferred'),
  count(*) FILTER (WHERE misrouted),
  count(*) FILTER (WHERE outcome = 'message'),
  count(*) FILTER (WHERE urgent IS NOT NULL),
  count(*) FILTER (WHERE status <> 'ended')
FROM calls
WHERE office_id = {p}office AND arrived_at >= {p}start AND arrived_at < {p}end
"""


def _sqlite_exact(later: str, earlier: str) -> str:
    """Seconds to the microsecond: whole seconds told by julianday, microseconds from the text."""
    micro = f"(CAST(substr({later}, 21, 6) AS INTEGER) - CAST(substr({earlier}, 21, 6) AS INTEGER))"
    approx = f"((julianday({later}) - julianday({earlier})) * 86400000000.0)"
    return (
        f"((CAST(round(({approx} - {micro}) / 1000000.0) AS INTEGER) * 1000000 + {micro})"
        " / 1000000.0)"
    )


def _sqlite_julianday(later: str, earlier: str) -> str:
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _pg_secs(later: str, earlier: str) -> str:
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))::float8"


def baseline_sql(secs: Callable[[str, str], str], postgres: bool = False) -> str:
    sql = BASELINE.format(
        ne="DISTINCT FROM" if postgres else "NOT",
        p="{p}",
        wait=secs("answered_at", "arrived_at"),
        abandon_wait=secs("coalesce(answered_at, ended_at)", "arrived_at"),
        handled=secs("ended_at", "answered_at"),
    )
    if not postgres:
        return sql.replace("{p}", ":")
    for name in ("office", "start", "end", "t", "s"):  # psycopg: %(name)s, longest first
        sql = sql.replace("{p}" + name, f"%({name})s")
    return sql


# -- building the store ----------------------------------------------------------------


def seed(office: Office, clock: ManualClock, n: int, rng: random.Random) -> None:
    """``n`` calls of one day through the public API, one after another."""
    anna = office.staff.hire("Bench Receptionist", roles=["receptionist"], experience_years=3)
    reasons = ["an appointment", "my results", "a prescription", "hello", "a bill", "chest pain"]
    with office.desk(anna) as desk:
        for i in range(n):
            clock.advance(seconds=rng.randint(10, 200), microseconds=rng.randrange(1_000_000))
            call = office.calls.receive(f"020 7946 {i % 9000:04d}", rng.choice(reasons))
            if call.status == "ended":  # after hours
                continue
            clock.advance(seconds=rng.choice([2, 4, 5, 10, 20, 30, 30, 45, 90]))
            fate = rng.random()
            if fate < 0.15:
                office.calls.hang_up(call)
                continue
            desk.calls.answer(call)
            clock.advance(seconds=rng.randint(20, 400))
            if fate < 0.3:
                desk.calls.hold(call)
                clock.advance(seconds=rng.randint(5, 90))
                desk.calls.resume(call)
            if fate < 0.45:
                dept = rng.choice(list(office.profile.departments))
                desk.calls.transfer(call, department=dept)
            elif fate < 0.55:
                desk.calls.take_message(call, "please call back", department="reception")
            else:
                desk.calls.complete(call)


def copy_rows(engine: sa.Engine, office_id: int, total: int, per_day: int, seeded: int) -> int:
    """Copy the seeded rows until the office has about ``total`` calls; returns the days."""
    copies = max(1, total // seeded)
    per_day_copies = max(1, per_day // seeded)
    days = -(-copies // per_day_copies)
    sqlite = engine.dialect.name == "sqlite"

    def shifted(col: str) -> str:
        if sqlite:  # keep the microseconds: datetime() would drop them
            return (
                f"datetime(substr({col}, 1, 19), '+' || (k / {per_day_copies}) || ' days', "
                f"'+' || (k % {per_day_copies}) || ' seconds') || substr({col}, 20)"
            )
        return (
            f"{col} + (k / {per_day_copies}) * interval '1 day' "
            f"+ (k - k / {per_day_copies} * {per_day_copies}) * interval '1 second'"
        )

    select = ", ".join(shifted(c) if c in TIMES else c for c in COLUMNS.split(", "))
    series = (
        "WITH RECURSIVE series(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM series "
        f"WHERE k < {copies - 1}) "
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO calls ({COLUMNS}) {series}"
            f"SELECT {select} FROM calls CROSS JOIN series WHERE office_id = {office_id}"
        )
        if not sqlite:
            conn.exec_driver_sql("ANALYZE calls")
    return days


# -- measuring -------------------------------------------------------------------------


def timed(work: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Seconds one run of ``work`` takes, the mean of ``repeat`` runs in a row."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(repeat):
        result = work()
    return (time.perf_counter() - start) / repeat, result


def disagreements(stats: CallStats, row: tuple[Any, ...]) -> dict[str, Any]:
    """Where the baseline's row differs from the stats (its means beyond a millisecond).

    The counts by a threshold may differ: julianday keeps SQLite's times to the
    millisecond, so a wait of exactly the target can come out a hair over it.
    """
    received, offered, answered, within, asa, abandoned_all, short, aht, *counts = row
    ours = {
        "received": stats.offered + stats.after_hours,
        "offered": stats.offered,
        "answered": stats.answered,
        "answered_within_target": stats.answered_within_target,
        "abandoned": stats.abandoned,
        "short_abandons": stats.short_abandons,
        "counts": (
            stats.transfers,
            stats.misroutes,
            stats.messages,
            stats.urgent,
            stats.in_progress,
        ),
    }
    theirs = {
        "received": received,
        "offered": offered,
        "answered": answered,
        "answered_within_target": within,
        "abandoned": abandoned_all - short,
        "short_abandons": short,
        "counts": tuple(counts),
    }
    found = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
    for name, mine, other in (
        ("asa", stats.average_speed_of_answer, asa),
        ("aht", stats.average_handling_time, aht),
    ):
        if (mine is None) != (other is None) or (mine is not None and abs(mine - other) > 1e-3):
            found[name] = (mine, other)
    return found


def rss_growth_in_fresh_process(
    url: str, key: str, start: dt.datetime, end: dt.datetime, python: bool = False
) -> float:
    """MB the resident set peaks above where it was, when a fresh process computes the stats.

    Linux only: the peak (``VmHWM``) is reset first through ``/proc/self/clear_refs``.

    With ``python``, the way it was done before: every call loaded and aggregated
    in Python (the reference definitions of ``tests/test_stats_sql.py``).
    """
    work = (
        "reference_call_stats(office.calls.between(start, end), "
        "office.profile.section(PHONES), start, end)"
        if python
        else "office.calls.stats(start, end)"
    )
    code = f"""
import datetime as dt, sys
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
from officekit import Office
from officekit.plugins.reception.settings import PHONES
from tests.test_stats_sql import reference_call_stats
office = Office.open({url!r}, key={key!r})
start = dt.datetime.fromisoformat({start.isoformat()!r})
end = dt.datetime.fromisoformat({end.isoformat()!r})
office.calls.stats(start, start + dt.timedelta(hours=1))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak starts again from now
before = status("VmRSS")
{work}
print(status("VmHWM") - before)
"""
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(run.stdout.split()[-1]) / 1024  # kB


Baseline = Callable[[dt.datetime, dt.datetime], tuple[Any, ...]]


def measure(
    url: str, office: Office, baselines: dict[str, Baseline], days: int, args: argparse.Namespace
) -> dict[str, Any]:
    whole = (DAY0, DAY0 + dt.timedelta(days=days + 1))
    mid = DAY0 + dt.timedelta(days=days // 2)
    periods = {"whole": whole, "day": (mid, mid + dt.timedelta(days=1))}
    times: dict[str, dict[str, list[float]]] = {}
    differ: dict[str, dict[str, Any]] = {}
    calls_in: dict[str, int] = {}
    for name, period in periods.items():
        stats = office.calls.stats(*period)  # warm-up, and a check of each baseline
        calls_in[name] = stats.offered + stats.after_hours
        runs: dict[str, Callable[[], Any]] = {
            "stats": functools.partial(office.calls.stats, *period)
        }
        for base, query in baselines.items():
            differ[f"{base} ({name})"] = found = disagreements(stats, query(*period))
            if base == "baseline" and found:
                raise SystemExit(f"the baseline disagrees with the stats ({name}): {found}")
            runs[base] = functools.partial(query, *period)
        times[name] = {key: [] for key in runs}
        repeat = args.day_repeat if name == "day" else 1  # a few ms: several runs a round
        order = list(runs.items())
        for i in range(args.rounds):  # interleaved; which goes first turns round by round
            for key, work in order[i % len(order) :] + order[: i % len(order)]:
                times[name][key].append(timed(work, repeat)[0])
    tracemalloc.start()
    office.calls.stats(*whole)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    med = {name: {k: statistics.median(v) for k, v in t.items()} for name, t in times.items()}
    figures: dict[str, Any] = {
        "calls": calls_in["whole"],
        "calls_one_day": calls_in["day"],
        "days": days,
        "median_s": med,
        "ratio": {
            name: {k: m["stats"] / v for k, v in m.items() if k != "stats"}
            for name, m in med.items()
        },
        "tracemalloc_peak_mb": traced_peak / 2**20,
        "rss_growth_mb": rss_growth_in_fresh_process(url, office.key, *whole),
        "julianday_differs": {k: v for k, v in differ.items() if v},
        "rounds": times,
    }
    if args.python:
        from tests.test_stats_sql import reference_call_stats

        phones = office.profile.section(PHONES)
        seconds, _ = timed(
            lambda: reference_call_stats(office.calls.between(*whole), phones, *whole)
        )
        figures["python_s"] = seconds
        figures["python_rss_growth_mb"] = rss_growth_in_fresh_process(
            url, office.key, *whole, python=True
        )
    return figures


def run_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    clock = ManualClock(DAY0)
    key = f"bench-stats-{os.getpid()}"
    office = Office.open(url, profile="medical", clock=clock, key=key)
    postgres = office.engine.dialect.name == "postgresql"
    try:
        built = time.perf_counter()
        seed(office, clock, args.seed, random.Random(8))
        days = copy_rows(office.engine, office.id, args.calls, args.per_day, args.seed)
        built = time.perf_counter() - built
        phones = office.profile.section(PHONES)
        opened = (
            postgres_baselines(url, office, phones)
            if postgres
            else sqlite_baselines(office, phones)
        )
        baselines, close = opened
        try:
            figures = measure(url, office, baselines, days, args)
        finally:
            close()
        figures["build_s"] = built
        return figures
    finally:
        if postgres:
            remove_office(office)
        office.close()


def remove_office(office: Office) -> None:
    """Delete the benchmark office's rows from a scratch PostgreSQL database.

    The database refuses to delete events: the refusal trigger is turned off for
    this transaction only, which needs the tables' owner (a scratch database's).
    """
    with office.engine.begin() as conn:
        conn.execute(messages.delete().where(messages.c.office_id == office.id))
        conn.execute(calls.delete().where(calls.c.office_id == office.id))
        conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_refuse_delete")
        conn.execute(events.delete().where(events.c.office_id == office.id))
        conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_refuse_delete")
        ids = sa.select(staff.c.id).where(staff.c.office_id == office.id)
        conn.execute(staff_roles.delete().where(staff_roles.c.staff_id.in_(ids)))
        conn.execute(staff.delete().where(staff.c.office_id == office.id))
        conn.execute(offices.delete().where(offices.c.id == office.id))


def sqlite_baselines(office: Office, phones: Any) -> tuple[dict[str, Baseline], Callable[[], None]]:
    database = office.engine.url.database
    assert database is not None
    conn = sqlite3.connect(database)

    def text(moment: dt.datetime) -> str:  # how officekit stores a datetime in SQLite
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def query(sql: str) -> Baseline:
        def run(start: dt.datetime, end: dt.datetime) -> tuple[Any, ...]:
            params = {
                "office": office.id,
                "start": text(start),
                "end": text(end),
                "t": phones.service_level_seconds,
                "s": phones.short_abandon_seconds,
            }
            row: tuple[Any, ...] = conn.execute(sql, params).fetchone()
            return row

        return run

    baselines = {
        "baseline": query(baseline_sql(_sqlite_exact)),
        "julianday": query(baseline_sql(_sqlite_julianday)),
    }
    return baselines, conn.close


def postgres_baselines(
    url: str, office: Office, phones: Any
) -> tuple[dict[str, Baseline], Callable[[], None]]:
    import psycopg

    plain = sa.make_url(url).set(drivername="postgresql")
    conn = psycopg.connect(plain.render_as_string(hide_password=False))
    sql = baseline_sql(_pg_secs, postgres=True)

    def run(start: dt.datetime, end: dt.datetime) -> tuple[Any, ...]:
        params = {
            "office": office.id,
            "start": start,
            "end": end,
            "t": phones.service_level_seconds,
            "s": phones.short_abandon_seconds,
        }
        with conn.cursor() as cur:
            row = cur.execute(sql, params).fetchone()
        conn.rollback()
        assert row is not None
        return tuple(row)

    return {"baseline": run}, conn.close


def report(name: str, f: dict[str, Any]) -> None:
    m, r = f["median_s"], f["ratio"]
    print(
        f"{name}: {f['calls']:,} calls over {f['days']} days ({f['calls_one_day']:,} in the day "
        f"measured), built in {f['build_s']:.1f} s"
    )
    for period, label, target in (("whole", "whole period", 2), ("day", "one day", 3)):
        ratio = r[period]["baseline"]
        line = (
            f"  {label:<13} stats {m[period]['stats'] * 1000:9.2f} ms  baseline "
            f"{m[period]['baseline'] * 1000:9.2f} ms  ratio {ratio:5.2f}x "
            f"(target <= {target}x: {'ok' if ratio <= target else 'OVER'})"
        )
        if "julianday" in m[period]:
            line += (
                f"; julianday query {m[period]['julianday'] * 1000:.2f} ms "
                f"({r[period]['julianday']:.2f}x)"
            )
        print(line)
    print(
        f"  memory of the whole period's stats: tracemalloc peak {f['tracemalloc_peak_mb']:.2f} "
        f"MB, peak RSS growth in a fresh process {f['rss_growth_mb']:.1f} MB (target < 150 MB)"
    )
    if "python_s" in f:
        print(
            f"  before (calls loaded, aggregated in Python), whole period: {f['python_s']:.2f} s "
            f"({f['python_s'] / m['whole']['stats']:.0f}x the stats), peak RSS growth "
            f"{f['python_rss_growth_mb']:.0f} MB"
        )
    for where, found in f["julianday_differs"].items():
        print(f"  the {where} query counts differently (ours, its): {found}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=200_000, help="calls in the store")
    parser.add_argument("--per-day", type=int, default=2_000, help="calls a day, about")
    parser.add_argument("--seed", type=int, default=400, help="calls made through the API")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--day-repeat", type=int, default=20, help="runs of each one-day query per round"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OFFICEKIT_BENCH_POSTGRES_URL"),
        help="also measure PostgreSQL, in this scratch database",
    )
    parser.add_argument("--python", action="store_true", help="also time the old Python way")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = run_backend(f"sqlite:///{Path(folder) / 'stats.db'}", args)
        if args.postgres:
            results["postgresql"] = run_backend(args.postgres, args)
    versions = (
        f"python {sys.version.split()[0]}, sqlalchemy {sa.__version__}, "
        f"sqlite {sqlite3.sqlite_version}"
    )
    if args.json:
        print(json.dumps({**results, "versions": versions}, indent=2, default=str))
        return
    for name, figures in results.items():
        report(name, figures)
    print(f"medians of {args.rounds} interleaved rounds; {versions}")


if __name__ == "__main__":
    main()
