"""Audit verification: a full check against the floor of a plain loop, and incremental checks.

What is timed, on an SQLite store of ``--events`` events (200,000 by default):

* **full**: ``office.verify_audit()``, the whole chain read in one snapshot and
  every hash recomputed (no audit key, not deep);
* **floor**: the least a verification can cost in Python: one ``sqlite3`` query
  of the same rows, the timestamp turned into the form the hash uses with string
  operations, the hashed fields encoded by one reused ``json.JSONEncoder``, one
  SHA-256 per row and the two comparisons (its hash, its link to the one before);

each the median over ``--rounds`` rounds, interleaved (which one goes first
alternates), in wall-clock and in CPU time (both run in this process, SQLite
included, so CPU time is the steadier figure on a shared machine), with their
ratio (target: full at most 1.5x the floor) and the events per second of each.
Then, for stores of increasing size (``--sizes``), the **incremental** evening
check: append a day of ``--day``
events (3,000 by default), then ``desk.verify_audit(incremental=True)``, which
checks what was appended since the last recorded verification; its time should
not grow with the size of the store.

The stores are built quickly but honestly: an office opened through the
public API (its schema, its staff, a few real operations), then events written
with plain ``sqlite3`` in one transaction, each a valid link of the chain
(``officekit.core.events.event_hash``), the office's head moved by the
database's own trigger. Nothing bypasses the chain: ``verify_audit`` checks
them as it checks any event.

Run from the repository root::

    python benchmarks/audit_verify.py
    python benchmarks/audit_verify.py --events 1000000 --rounds 3
    python benchmarks/audit_verify.py --sizes 50000,200000,800000 --json

It writes only in a temporary folder, deleted at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy

from officekit import ManualClock, Office
from officekit.core.events import GENESIS_HASH, canonical_json, event_hash

TARGET_RATIO = 1.5
START = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
WORDS = (
    "printer", "toner", "parcel", "courier", "invoice", "booking", "patient", "client",
    "delivery", "keys", "room", "meeting", "visitor", "badge", "taxi", "lunch", "phone",
    "line", "queue", "callback", "form", "signature",
)  # fmt: skip
DEPARTMENTS = ("reception", "billing", "appointments", "records")


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------


def _detail(rng: random.Random, operation: str, n: int) -> dict[str, Any]:
    """A detail of the shape the built-in desks record for ``operation``."""
    if operation == "desk.note":
        return {"text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))}
    if operation == "calls.receive":
        return {
            "call_id": n,
            "line": rng.randint(1, 4),
            "department": rng.choice(DEPARTMENTS),
            "destination": rng.choice(DEPARTMENTS),
            "routed_by": "rule:" + rng.choice(WORDS),
        }
    if operation in ("calls.answer", "calls.hold", "calls.resume"):
        return {"call_id": n, "line": rng.randint(1, 4)}
    if operation == "calls.complete":
        return {"call_id": n, "line": rng.randint(1, 4), "outcome": "completed"}
    return {}


OPERATIONS = (
    ["calls.receive"] * 4 + ["calls.answer"] * 4 + ["calls.complete"] * 3
    + ["calls.hold", "calls.resume", "desk.start_shift", "desk.end_shift"] + ["desk.note"] * 2
)  # fmt: skip


_INSERT = (
    "INSERT INTO events (office_id, seq, occurred_at, actor_id, actor_name, operation, subject, "
    "outcome, duration_us, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def append_events(path: Path, count: int, seed: int) -> None:
    """Append ``count`` valid, chained events to the store's first office, in one transaction.

    Each is hashed by ``officekit.core.events.event_hash`` from its predecessor's
    hash; its time is stored as SQLAlchemy stores it ('YYYY-MM-DD HH:MM:SS.ffffff',
    UTC); the database's trigger moves the office's head.
    """
    rng = random.Random(seed)
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        office_id, seq, head = con.execute(
            "SELECT id, event_seq, event_head FROM offices ORDER BY id LIMIT 1"
        ).fetchone()
        staff = con.execute(
            "SELECT id, name FROM staff WHERE office_id = ? ORDER BY id", (office_id,)
        ).fetchall()
        (last,) = con.execute(
            "SELECT occurred_at FROM events WHERE office_id = ? AND seq = ?", (office_id, seq)
        ).fetchone()
        when = dt.datetime.fromisoformat(last).replace(tzinfo=dt.UTC)
        rows = []
        for n in range(count):
            seq += 1
            when += dt.timedelta(microseconds=rng.randint(1, 30_000_000))
            actor_id, actor_name = rng.choice(staff)
            operation = rng.choice(OPERATIONS)
            subject = f"call:{seq}" if operation.startswith("calls.") else None
            duration_us = rng.randint(50, 5000)
            detail = canonical_json(_detail(rng, operation, n))
            digest = event_hash(
                prev_hash=head, office_id=office_id, seq=seq, occurred_at=when,
                actor_id=actor_id, actor_name=actor_name, operation=operation, subject=subject,
                outcome="ok", duration_us=duration_us, detail_json=detail,
            )  # fmt: skip
            stored = when.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            rows.append(
                (office_id, seq, stored, actor_id, actor_name, operation, subject, "ok",
                 duration_us, detail, head, digest)
            )  # fmt: skip
            head = digest
        con.executemany(_INSERT, rows)
        con.execute("COMMIT")
    finally:
        con.close()


def build_store(path: Path, events: int, seed: int = 7) -> str:
    """An office on an SQLite file with about ``events`` events; returns its URL."""
    url = f"sqlite:///{path}"
    clock = ManualClock(START)
    with Office.open(url, profile="medical", clock=clock) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
        office.staff.hire("Ada Moreau", roles=["administrative_assistant"], experience_years=6)
        with office.desk(anna) as desk:
            desk.start_shift()
            desk.note("Printer in reception is out of toner")
            desk.end_shift()
    append_events(path, events, seed)
    return url


# ---------------------------------------------------------------------------
# What is timed
# ---------------------------------------------------------------------------


def floor_loop(path: Path) -> int:
    """Verify the chain with a plain sqlite3 + json + hashlib loop; return the events read.

    The least a verification in Python costs: one query of the rows in chain order,
    the stored time turned into the hash's form by string operations, the hashed
    fields encoded by one reused ``json.JSONEncoder``, one SHA-256 per row and its two
    comparisons. No paging, no checks of the time's shape, no report.
    """
    encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
    sha256 = hashlib.sha256
    con = sqlite3.connect(path)
    try:
        prev = GENESIS_HASH
        count = 0
        rows = con.execute(
            "SELECT office_id, seq, occurred_at, actor_id, actor_name, operation, subject, "
            "outcome, duration_us, detail, prev_hash, hash FROM events "
            "WHERE office_id = 1 ORDER BY seq"
        )
        for office_id, seq, at, actor_id, name, op, subject, outcome, us, detail, link, h in rows:
            body = encode(
                [office_id, seq, f"{at[:10]}T{at[11:]}Z", actor_id, name, op, subject, outcome,
                 us, detail]
            )  # fmt: skip
            if link != prev or sha256(f"{prev}\n{body}".encode()).hexdigest() != h:
                raise AssertionError(f"event {seq} does not verify")
            prev = h
            count += 1
        return count
    finally:
        con.close()


def full_verify(office: Office) -> int:
    """``office.verify_audit()``: the whole chain; return the events checked."""
    report = office.verify_audit()
    if not report.ok:
        raise AssertionError(f"the store does not verify: {report}")
    return report.checked


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Run ``work``; return its wall-clock and CPU seconds (garbage collected first)."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure_full(events: int, rounds: int, folder: Path) -> dict[str, Any]:
    """Full ``verify_audit`` against the floor loop, interleaved, on a store of ``events``."""
    path = folder / "full.db"
    built = time.perf_counter()
    url = build_store(path, events)
    build_s = time.perf_counter() - built
    times: dict[str, list[tuple[float, float]]] = {"full": [], "floor": []}
    with Office.open(url) as office:
        count = full_verify(office)  # warm up (the file's pages in the OS cache too)
        if floor_loop(path) != count:
            raise AssertionError("the floor and verify_audit read different numbers of events")
        work = {"full": lambda: full_verify(office), "floor": lambda: floor_loop(path)}
        for n in range(rounds):
            for name in ("full", "floor") if n % 2 == 0 else ("floor", "full"):
                times[name].append(_timed(work[name]))
    result: dict[str, Any] = {"events": count, "build_s": build_s, "rounds": rounds}
    for clock, index in (("wall", 0), ("cpu", 1)):
        full = [t[index] for t in times["full"]]
        floor = [t[index] for t in times["floor"]]
        full_s, floor_s = statistics.median(full), statistics.median(floor)
        result[clock] = {
            "full_s": full_s,
            "floor_s": floor_s,
            "ratio": full_s / floor_s,
            "round_ratios": [f / b for f, b in zip(full, floor, strict=True)],
            "full_events_per_s": count / full_s,
            "floor_events_per_s": count / floor_s,
            "full_rounds": full,
            "floor_rounds": floor,
        }
    return result


def measure_incremental(size: int, day: int, rounds: int, folder: Path) -> dict[str, Any]:
    """The evening check on a store of ``size`` events: append a day, verify incrementally."""
    path = folder / f"incremental-{size}.db"
    url = build_store(path, size, seed=size)
    walls: list[float] = []
    checked: list[int] = []
    with Office.open(url) as office:
        manager = next(m for m in office.staff.list() if m.name == "Ada Moreau")
        with office.desk(manager) as desk:
            first_s, _ = _timed(desk.verify_audit)  # the first check reads everything
            for n in range(rounds):
                append_events(path, day, seed=size + 1 + n)
                gc.collect()
                started = time.perf_counter()
                report = desk.verify_audit(incremental=True)
                walls.append(time.perf_counter() - started)
                if not report.ok:
                    raise AssertionError(f"the store does not verify: {report}")
                checked.append(report.checked)
    return {
        "size": size,
        "day": day,
        "first_full_s": first_s,
        "incremental_s": statistics.median(walls),
        "checked": statistics.median(checked),
        "rounds": walls,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=200_000, help="events of the full check")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of each measurement")
    parser.add_argument(
        "--sizes", default="25000,100000,400000", help="store sizes of the incremental check"
    )
    parser.add_argument("--day", type=int, default=3000, help="events a day appends")
    parser.add_argument("--no-incremental", action="store_true", help="skip the incremental part")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s] if not args.no_incremental else []
    with tempfile.TemporaryDirectory(prefix="officekit-audit-bench-") as tmp:
        folder = Path(tmp)
        full = measure_full(args.events, args.rounds, folder)
        incremental = [measure_incremental(size, args.day, args.rounds, folder) for size in sizes]
    if args.json:
        json.dump({"full": full, "incremental": incremental}, sys.stdout, indent=2)
        print()
        return 0
    print(f"full verify_audit of {full['events']:,} events against the plain loop:")
    for clock in ("wall", "cpu"):
        f = full[clock]
        verdict = "ok" if f["ratio"] <= TARGET_RATIO else "ABOVE TARGET"
        print(
            f"  {clock:4} verify {f['full_s']:.3f} s ({f['full_events_per_s']:,.0f}/s), "
            f"loop {f['floor_s']:.3f} s ({f['floor_events_per_s']:,.0f}/s): ratio "
            f"{f['ratio']:.2f}x (rounds {min(f['round_ratios']):.2f}-"
            f"{max(f['round_ratios']):.2f}; target <= {TARGET_RATIO}x: {verdict})"
        )
    for row in incremental:
        print(
            f"store of {row['size']:,}: first (full) check {row['first_full_s']:.2f} s; "
            f"incremental after a day of {row['day']:,} events {row['incremental_s'] * 1000:.0f} "
            f"ms ({row['checked']:,.0f} events checked)"
        )
    print(
        f"medians over {args.rounds} rounds; python {sys.version.split()[0]}, "
        f"sqlalchemy {sqlalchemy.__version__}, sqlite {sqlite3.sqlite_version}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
