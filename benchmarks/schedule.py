"""Finding a time: the next free 30-minute slot for 3 people and a room over a year.

A store of the ``medical`` profile is filled with a year of schedules (from
Monday 2 March 2026): on every working day, each of the three principals
(``dr_patel``, ``dr_okafor``, ``nurse_hughes``) and the room ``consulting_1``
has 20 appointments of 10 to 25 minutes at random places within working hours,
and each principal has a weekly recurring meeting (so that the search expands
recurrence rules too). A few entries go through the public API
(``desk.schedule.book``); the rest are inserted with plain SQL, entries and their
occupancy rows together, exactly as the desk writes them.

Then ``office.schedule.free_slots(30, people=[...3], rooms=["consulting_1"],
after=t, count=1)`` is timed from ``--queries`` random moments of the year.
Target: **median under 20 ms** on SQLite. Run from the repository root::

    python benchmarks/schedule.py [--queries 200] [--postgres URL] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from officekit import ManualClock, Office
from officekit.plugins.assistant.schedule.tables import schedule_entries, schedule_occupancy

START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
PEOPLE = ("dr_patel", "dr_okafor", "nurse_hughes")
ROOM = "consulting_1"
PER_DAY = 20
TARGET_MS = 20.0


def _day_plan(
    rng: random.Random, opens: dt.datetime, closes: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """PER_DAY non-overlapping appointments of 10-25 minutes between opens and closes."""
    lengths = [rng.choice((10, 15, 20, 25)) for _ in range(PER_DAY)]
    spare = int((closes - opens).total_seconds() // 60) - sum(lengths)
    cuts = sorted(rng.randint(0, max(spare, 0)) // 5 * 5 for _ in range(PER_DAY))
    spans = []
    used = 0
    for i, length in enumerate(lengths):
        start = opens + dt.timedelta(minutes=used + cuts[i])
        spans.append((start, start + dt.timedelta(minutes=length)))
        used += length
    return spans


def _local(day: dt.date, hour: int, minute: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tz)


def build(url: str, rng: random.Random, days: int = 365) -> tuple[Office, int]:
    """Open a medical office at ``url`` and give it a year of schedules; return it and the count."""
    office = Office.open(url, profile="medical", clock=ManualClock(START))
    paula = office.staff.hire("Paula Grant", roles=["administrative_assistant"], experience_years=6)
    pat = office.staff.hire("Pat Manager", roles=["practice_manager"], experience_years=8)
    with office.desk(pat) as desk:  # a calendar is delegated by someone else
        for person in PEOPLE:
            desk.schedule.delegate(person, to=paula, scope="manage")
    with office.desk(paula) as desk:
        for i, person in enumerate(PEOPLE):
            # a weekly meeting, through the API: Tuesdays at 14:00, 15:00 or 16:00
            desk.schedule.book(
                "Weekly meeting",
                start=START + dt.timedelta(days=1, hours=7 + i),
                minutes=30,
                people=[person],
                rrule="FREQ=WEEKLY",
            )
    count = len(PEOPLE)
    entries: list[dict[str, Any]] = []
    occupancy: list[tuple[str, dt.datetime, dt.datetime]] = []
    tz = office.profile.office.tz
    for d in range(days):
        day = (START + dt.timedelta(days=d)).date()
        if day.weekday() >= 5:
            continue
        for resource in (*(f"p:{p}" for p in PEOPLE), f"r:{ROOM}"):
            halves = [
                (_local(day, 8, 0, tz), _local(day, 13, 0, tz)),
                (_local(day, 14, 0, tz), _local(day, 18, 30, tz)),
            ]
            for start, end in (
                _day_plan(rng, *halves[0])[: PER_DAY // 2]
                + _day_plan(rng, *halves[1])[: PER_DAY // 2]
            ):
                uid = f"{uuid.UUID(int=rng.getrandbits(128))}@officekit"
                kind, _, key = resource.partition(":")
                entries.append(
                    {
                        "office_id": office.id,
                        "uid": uid,
                        "kind": "appointment",
                        "title": "GP appointment",
                        "start_at": start.astimezone(dt.UTC),
                        "end_at": end.astimezone(dt.UTC),
                        "timezone": "Europe/London",
                        "people": key if kind == "p" else "",
                        "rooms": key if kind == "r" else "",
                        "rrule": None,
                        "exdates": "[]",
                        "status": "confirmed",
                        "visit_type": "gp",
                        "booked_at": START,
                        "booked_by": paula.id,
                        "sequence": 0,
                        "stamp": START,
                    }
                )
                occupancy.append((resource, start.astimezone(dt.UTC), end.astimezone(dt.UTC)))
    with office.engine.begin() as conn:
        first = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(schedule_entries.c.id), 0))
        ).scalar_one()
        conn.execute(schedule_entries.insert(), entries)
        ids = (
            conn.execute(
                sa.select(schedule_entries.c.id)
                .where(schedule_entries.c.id > first)
                .order_by(schedule_entries.c.id)
            )
            .scalars()
            .all()
        )
        conn.execute(
            schedule_occupancy.insert(),
            [
                {
                    "office_id": office.id,
                    "entry_id": i,
                    "resource": r,
                    "recurring": False,
                    "start_at": a,
                    "end_at": b,
                    "kind": "appointment",
                }
                for i, (r, a, b) in zip(ids, occupancy, strict=True)
            ],
        )
    if office.engine.dialect.name == "postgresql":
        with office.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE schedule_entries")
            conn.exec_driver_sql("ANALYZE schedule_occupancy")
    return office, count + len(entries)


def measure(office: Office, rng: random.Random, queries: int) -> dict[str, Any]:
    """Time ``free_slots`` from random moments of the year; return the figures."""
    room = office.schedule
    moments = [
        START + dt.timedelta(minutes=5 * rng.randint(0, 12 * 24 * 360)) for _ in range(queries)
    ]
    for after in moments[:10]:  # warm-up: statements compiled, caches filled
        room.free_slots(30, people=list(PEOPLE), rooms=[ROOM], after=after, count=1)
    times = []
    waits = []
    for after in moments:
        began = time.perf_counter()
        (slot,) = room.free_slots(30, people=list(PEOPLE), rooms=[ROOM], after=after, count=1)
        times.append((time.perf_counter() - began) * 1000)
        waits.append((slot.start - after).total_seconds() / 3600)
    times.sort()
    return {
        "queries": queries,
        "median_ms": round(statistics.median(times), 3),
        "p90_ms": round(times[int(len(times) * 0.9)], 3),
        "max_ms": round(times[-1], 3),
        "median_hours_to_slot": round(statistics.median(waits), 2),
        "max_hours_to_slot": round(max(waits), 2),
    }


def _postgres_reset(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when SQLite's median misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("OFFICEKIT_BENCH_POSTGRES_URL"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        urls = {"sqlite": f"sqlite:///{Path(folder) / 'schedule.db'}"}
        if args.postgres:
            urls["postgresql"] = args.postgres
        for backend, url in urls.items():
            if backend == "postgresql":
                _postgres_reset(url)
            rng = random.Random(args.seed)
            began = time.perf_counter()
            office, count = build(url, rng)
            built = time.perf_counter() - began
            try:
                figures = measure(office, rng, args.queries)
            finally:
                office.close()
            results[backend] = {"entries": count, "build_s": round(built, 1), **figures}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for backend, r in results.items():
            verdict = "ok" if r["median_ms"] < TARGET_MS else "MISSED"
            print(
                f"{backend:<10} {r['entries']:>6} entries: next free 30 min for 3 people + a room: "
                f"median {r['median_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms, "
                f"max {r['max_ms']:.2f} ms "
                f"(target < {TARGET_MS:.0f} ms: {verdict}); slot found a median "
                f"{r['median_hours_to_slot']} h after the moment asked"
            )
    return 0 if results["sqlite"]["median_ms"] < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
