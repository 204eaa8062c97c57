"""officekit at a million calls: build a large store reproducibly, then measure it.

``build`` makes an SQLite store of N calls (default 100,000) in two steps:

1. **seed**: one busy day at a medical practice, driven through the public API
   only (``Office.open(..., profile="medical")`` with a ``ManualClock``): staff
   hired, known callers registered, then a day of the simulation's kind: shifts,
   handover notes, ``--calls-per-day`` calls (received, answered, held,
   transferred, turned into messages, completed or abandoned), visitors,
   questions and the evening audit check;
2. **fast copy**: that day's rows (calls, messages, visits) and events are
   replicated onto the following weekdays with plain ``sqlite3`` (``executemany``
   in large transactions, ``PRAGMA synchronous=OFF`` on the build's connection):
   times shifted by whole days, new ids, the ``call_id``/``call:<id>`` (message,
   visit) references in the events rewritten, new sequence numbers (and the
   point each evening check vouches for, ``verified_seq``/``verified_hash``,
   moved to the copied events), and every event's hash recomputed with
   ``officekit.core.events.event_hash``, chained from the one before (and its
   MAC, with ``--audit-key``). The events are
   inserted in chain order, so the database's own ``events_move_head`` trigger
   (migration 0003) moves the office's head as for any other insert; the
   append-only triggers (migration 0004) stay in place: nothing is updated or
   deleted.

It then runs ``officekit audit verify`` on the store to show that the chain is
valid, and writes ``<store>.json`` beside it (what ``measure`` needs to know:
where the seed day is, how many days were built).

``measure`` prints each figure of issue 8 with its target, medians over rounds:
a whole call against a bare insert-and-commit (SQLite; PostgreSQL with
``--postgres``), the full audit verification against a plain sqlite3 loop, how
long a writer waits while a verification runs, the evening (incremental) check
at several sizes, call statistics against the raw SQL aggregate (and their peak
memory), and the bytes a call takes. It works on a copy of the store, in a
temporary folder, so the store itself is left as it was built.

Run from the repository root::

    python benchmarks/million.py build --calls 1000000 --out /tmp/officekit-1m.db
    python benchmarks/million.py measure --db /tmp/officekit-1m.db [--rounds 5] [--json]
    python benchmarks/million.py measure --db /tmp/officekit-1m.db \\
        --postgres postgresql+psycopg://officekit:officekit@localhost/officekit_million
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import hashlib
import inspect
import json
import math
import os
import pstats
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from officekit import Desk, ManualClock, Office
from officekit.core.audit import VERIFY_OPERATION, AuditKey, resolve_audit_key
from officekit.core.events import GENESIS_HASH, canonical_json, event_hash
from officekit.core.office import verify_store
from officekit.core.store import events, make_engine, offices, staff, staff_roles
from officekit.plugins.reception.settings import PHONES, ROUTING
from officekit.plugins.reception.simulation import ReceptionDay
from officekit.plugins.reception.tables import calls, known_callers, messages, visits
from officekit.simulate import FIRST_NAMES, LAST_NAMES, Simulation, SimulationDay

SEED_DATE = dt.date(2026, 1, 5)  # a Monday: the copies go on the weekdays after it
OFFICE_KEY = "million"
PROFILE = "medical"
DEFAULT_CALLS = 100_000
DEFAULT_CALLS_PER_DAY = 400
PATIENTS = 1000  # numbers that call; KNOWN_CALLERS of them are registered
KNOWN_CALLERS = 200
BYTES_PER_CALL_GUESS = 2500  # for the free-space check before a build
ROSTER = (  # name, role, years of experience
    ("Anna Conti", "receptionist", 3),
    ("Bruno Baker", "receptionist", 1),
    ("Chiara Okafor", "receptionist", 6),
    ("Dev Novak", "medical_receptionist", 2),
    ("Elena Silva", "medical_receptionist", 9),
    ("Farid Haddad", "clerk", 2),
    ("Grace Kim", "administrative_assistant", 4),
    ("Hugo Moreau", "medical_records_clerk", 1),
    ("Ines Rossi", "practice_manager", 12),
)
COPIED = ("calls", "messages", "visits")
"""The tables the seed day adds rows to; every other table must stay as the setup left it."""
TableTemplate = tuple[str, list[tuple[int, str, str]], list[list[Any]]]
"""A copied table's INSERT, its columns to change (index, what, table referred to), its rows."""
DETAIL_REFS = {
    "call_id": "calls",
    "promoted_call": "calls",
    "message_id": "messages",
    "visit_id": "visits",
}
"""Keys of an event's detail that name a row of a copied table (rewritten in each copy)."""
SUBJECT_REFS = {"call": "calls", "message": "messages", "visit": "visits"}
"""Subjects ``<kind>:<id>`` that name a row of a copied table."""
NOT_COPIED_REFS = {"staff_id", "host_staff_id", "for_staff_id", "caller_id", "entry_id"}
"""Detail keys that name something the copies share with the seed (staff, callers, entries)."""
STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite (UTC)

TARGETS = {
    "whole_call_ratio": 10.0,
    "verify_ratio": 1.5,
    "writer_wait_ms": 100.0,
    "evening_flat_ratio": 1.5,
    "stats_period_ratio": 2.0,
    "stats_memory_mb": 150.0,
    "stats_day_ratio": 3.0,
}
STEPS = ("bytes", "verify", "stats", "writer", "call", "evening")


def log(message: str) -> None:
    """Progress, on stderr (stdout stays for the report or the JSON)."""
    print(message, file=sys.stderr, flush=True)


def day_date(k: int) -> dt.date:
    """The k-th weekday from the seed day (day 0): Monday to Friday, week after week."""
    weeks, rest = divmod(k, 5)
    return SEED_DATE + dt.timedelta(days=7 * weeks + rest)


def meta_path(db: Path) -> Path:
    return db.with_name(db.name + ".json")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def read_key(path: str | None) -> AuditKey | None:
    return resolve_audit_key(Path(path).read_bytes().strip()) if path else None


# ---------------------------------------------------------------------------
# The seed: one busy day through the public API
# ---------------------------------------------------------------------------


class BusyDayCalls:
    """A day's calls as ``officekit simulate`` has them, at ``calls`` a day.

    The same life of a call as the simulation's reception step: the caller hangs
    up after their patience, or is answered (a fifth are put on hold), then the
    call is completed, transferred or turned into a message. About one call in
    twenty comes after closing time (voicemail or the answering service).
    """

    def __init__(self, sim: Simulation, patients: list[str]) -> None:
        self.sim = sim
        self.phones = sim.office.calls
        routing = sim.office.profile.section(ROUTING)
        reasons = [f"about {kw}" for rule in routing.rules for kw in rule.keywords]
        self.reasons = reasons or ["I have a quick question"]
        self.urgent = [kw for rule in routing.urgent for kw in rule.keywords]
        self.patients = patients

    def plan(self, day: SimulationDay, count: int) -> None:
        rng = self.sim.rng
        after_hours = round(count * 0.05)
        for i in range(count):
            reason = rng.choice(self.reasons)
            if self.urgent and rng.random() < 0.03:
                reason = rng.choice(self.urgent)
            if i < after_hours:
                when = day.closes + dt.timedelta(minutes=rng.randint(30, 180))
            else:
                when = day.arrival()
            day.at(when, self._incoming(day, rng.choice(self.patients), reason))

    def _incoming(self, day: SimulationDay, caller: str, reason: str) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            call = self.phones.receive(caller, reason)
            if call.status == "ended":
                return
            patience = sim.rng.uniform(3, 240)
            answer_after = sim.rng.uniform(2, 45)
            later = sim.clock.now() + dt.timedelta(seconds=min(patience, answer_after))
            if patience < answer_after:
                day.at(later, self._hang_up(call.id))
            else:
                day.at(later, self._answer(day, call.id, patience))

        return run

    def _hang_up(self, call_id: int) -> Callable[[], None]:
        def run() -> None:
            if self.phones.get(call_id).status in ("queued", "ringing"):
                self.phones.hang_up(call_id)

        return run

    def _answer(self, day: SimulationDay, call_id: int, patience: float) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            current = self.phones.get(call_id)
            if current.status == "ended":
                return
            waited = (sim.clock.now() - current.arrived_at).total_seconds()
            if current.status == "queued" or not sim.who_can("calls.answer"):
                if waited >= patience:
                    self.phones.hang_up(current)
                else:
                    day.at(sim.clock.now() + dt.timedelta(seconds=20), run)
                return
            with sim.desk("calls.answer") as desk:
                assert desk is not None
                desk.calls.answer(current)
                if sim.rng.random() < 0.2:
                    desk.calls.hold(current.id)
            talk = sim.rng.uniform(20, 300)
            day.at(sim.clock.now() + dt.timedelta(seconds=talk), self._finish(call_id))

        return run

    def _finish(self, call_id: int) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            current = self.phones.get(call_id)
            if current.status == "ended":
                return
            depts = list(sim.office.profile.departments)
            roll = sim.rng.random()
            with sim.desk("calls.complete") as desk:
                if desk is None:
                    self.phones.hang_up(current)
                    return
                if current.status == "on_hold":
                    current = desk.calls.resume(current)
                if roll < 0.55 or current.urgent == "script":
                    desk.calls.complete(current)
                elif roll < 0.85:
                    target = current.department if sim.rng.random() < 0.8 else None
                    desk.calls.transfer(current, department=target or sim.rng.choice(depts))
                else:
                    target = current.department or sim.rng.choice(depts)
                    desk.calls.take_message(
                        current, "Please call the patient back", department=target
                    )

        return run


def table_state(conn: sqlite3.Connection, office_id: int | None = None) -> dict[str, Any]:
    """Row counts of every table, the copied tables' largest ids, the office's head."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    state: dict[str, Any] = {
        "counts": {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names},
        "max_ids": {
            t: conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in COPIED
        },
    }
    if office_id is not None:
        state["seq"] = conn.execute(
            "SELECT event_seq FROM offices WHERE id = ?", (office_id,)
        ).fetchone()[0]
    return state


def seed_store(
    path: Path, *, calls_per_day: int, seed: int, audit_key: AuditKey | None
) -> dict[str, Any]:
    """Create the store with its setup and one busy day, through the public API only."""
    rng = random.Random(seed)
    clock = ManualClock(dt.datetime.combine(SEED_DATE, dt.time(6), dt.UTC))
    office = Office.open(
        sqlite_url(path), profile=PROFILE, key=OFFICE_KEY, clock=clock, audit_key=audit_key
    )
    try:
        for name, role, years in ROSTER:
            office.staff.hire(name, roles=[role], experience_years=years)
        patients = [
            office.calls.normalise_number(f"020 7946 {n:04d}") for n in range(1000, 1000 + PATIENTS)
        ]
        departments = list(office.profile.departments)
        for number in rng.sample(patients, KNOWN_CALLERS):
            office.calls.register_caller(
                number,
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                rng.choice(departments),
            )
        with sqlite3.connect(path) as conn:
            before = table_state(conn, office.id)

        tz = office.profile.office.tz
        hours = next(iter(office.profile.departments.values())).hours.on(SEED_DATE)
        opens = dt.datetime.combine(SEED_DATE, hours[0].start, tz)
        closes = dt.datetime.combine(SEED_DATE, hours[-1].end, tz)
        sim = Simulation(office, rng, clock)
        day = SimulationDay(sim, SEED_DATE, opens, closes)
        sim.plan_shifts(day)
        if not sim.who_can("calls.answer"):
            raise SystemExit("nobody who answers calls is on shift on the seed day: try --seed")
        reception = ReceptionDay(sim)
        for _ in range(max(1, round(calls_per_day / 30))):  # the simulation's day has ~30 calls
            reception.plan_visitors(day)
            reception.plan_questions(day)
        BusyDayCalls(sim, patients).plan(day, calls_per_day)
        sim.plan_audits(day)
        day.run()
        if office.calls.live():
            raise SystemExit("the seed day ended with calls still live: cannot copy it")
        office_id, office_key = office.id, office.key
    finally:
        office.close()

    with sqlite3.connect(path) as conn:
        after = table_state(conn, office_id)
    for table, count in after["counts"].items():
        if table not in (*COPIED, "events", "offices") and count != before["counts"][table]:
            raise SystemExit(
                f"the seed day added rows to {table}, which the fast copy does not copy"
            )
    ids: dict[str, list[int]] = {}
    for table in COPIED:
        lo, hi = before["max_ids"][table], after["max_ids"][table]
        if hi - lo != after["counts"][table] - before["counts"][table]:
            raise SystemExit(f"the seed day's {table} ids are not contiguous: cannot copy them")
        ids[table] = [lo, hi]
    return {
        "format": 1,
        "office_id": office_id,
        "office_key": office_key,
        "profile": PROFILE,
        "seed": seed,
        "calls_per_day": calls_per_day,
        "seed_date": SEED_DATE.isoformat(),
        "keyed": audit_key is not None,
        "seed_day": {
            "first_seq": before["seq"] + 1,
            "last_seq": after["seq"],
            "ids": ids,
            "calls": ids["calls"][1] - ids["calls"][0],
            "events": after["seq"] - before["seq"],
        },
        "setup_events": before["seq"],
    }


# ---------------------------------------------------------------------------
# The fast copy
# ---------------------------------------------------------------------------


def bulk_connection(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection for the copy: no fsync (build only), a large cache."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def stored_time(dates: dict[dt.date, str], shift: dt.timedelta, day: dt.date, clock: str) -> str:
    """A seed day's time as SQLite stores it, ``shift`` later (``dates`` caches the dates)."""
    text = dates.get(day)
    if text is None:
        text = dates[day] = (day + shift).isoformat()
    return text + clock


class DayCopier:
    """Replicates the seed day onto later weekdays, keeping the event chain valid.

    ``without_checks``: leave out the day's own audit check (``audit.verify``), for a
    day the caller verifies itself.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        meta: dict[str, Any],
        audit_key: AuditKey | None,
        *,
        without_checks: bool = False,
    ) -> None:
        self.conn = conn
        self.office_id = int(meta["office_id"])
        self.key = audit_key.for_office(meta["office_key"]) if audit_key is not None else None
        seed = meta["seed_day"]
        self.ranges = {t: (int(lo), int(hi)) for t, (lo, hi) in seed["ids"].items()}
        self.spans = {t: hi - lo for t, (lo, hi) in self.ranges.items()}
        self.tables = {t: self._table_template(t) for t in COPIED}
        self.without_checks = without_checks
        self.first_seq = int(seed["first_seq"])
        self.events = self._event_templates(self.first_seq, int(seed["last_seq"]))

    def _table_template(self, table: str) -> TableTemplate:
        conn = self.conn
        columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
        names = [c[1] for c in columns]
        refs = {
            r[3]: r[2] for r in conn.execute(f"PRAGMA foreign_key_list({table})") if r[2] in COPIED
        }
        transforms: list[tuple[int, str, str]] = []
        for i, (_cid, name, kind, *_rest) in enumerate(columns):
            if name == "id":
                transforms.append((i, "id", table))
            elif name in refs:
                transforms.append((i, "ref", refs[name]))
            elif "DATETIME" in (kind or "").upper():
                transforms.append((i, "time", ""))
        lo, hi = self.ranges[table]
        rows = [
            list(r)
            for r in conn.execute(
                f"SELECT {', '.join(names)} FROM {table} WHERE id > ? AND id <= ? ORDER BY id",
                (lo, hi),
            )
        ]
        for row in rows:  # split the stored times once: (date, " HH:MM:SS.ffffff")
            for i, what, _ in transforms:
                if what == "time" and row[i] is not None:
                    row[i] = (dt.date.fromisoformat(row[i][:10]), row[i][10:])
        marks = ", ".join("?" for _ in names)
        insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
        return insert, transforms, rows

    def _event_templates(self, first: int, last: int) -> list[tuple[Any, ...]]:
        templates = []
        rows = self.conn.execute(
            "SELECT seq, occurred_at, actor_id, actor_name, operation, subject, outcome, "
            "duration_us, detail FROM events WHERE office_id = ? AND seq BETWEEN ? AND ? "
            "ORDER BY seq",
            (self.office_id, first, last),
        )
        for seq, at, actor_id, actor_name, operation, subject, outcome, duration, text in rows:
            if (operation, outcome) == (VERIFY_OPERATION, "ok") and self.without_checks:
                continue
            detail = json.loads(text)
            refs: list[tuple[str, str, str]] = []  # (key, what it names, table or key)
            for key, value in detail.items():
                if key in DETAIL_REFS:
                    if value is not None:
                        refs.append((key, "row", DETAIL_REFS[key]))
                elif operation == VERIFY_OPERATION and key.endswith("_seq"):
                    # A verification's detail names the events it read and vouches for
                    # (verify_detail): in a copy, the copied events.
                    if isinstance(value, int) and first <= value <= last:
                        refs.append((key, "seq", ""))
                elif key.endswith("_id") and key not in NOT_COPIED_REFS:
                    raise SystemExit(
                        f"event {seq} ({operation}) names {key}={value!r}: the fast copy does "
                        "not know which table that is (add it to DETAIL_REFS or NOT_COPIED_REFS)"
                    )
            if operation == VERIFY_OPERATION:
                named = {k for k, _, _ in refs}
                if "verified_seq" in named and "verified_hash" in detail:
                    refs.append(("verified_hash", "hash", "verified_seq"))
                if "to_seq" in named and detail.get("from_seq") == 0 and "checked" in detail:
                    refs.append(("checked", "seq", ""))  # a full check read them all
            subject_ref = None
            if subject is not None and ":" in subject:
                kind, _, number = subject.partition(":")
                if number.isdigit():
                    if kind not in SUBJECT_REFS:
                        raise SystemExit(f"event {seq} ({operation}): unknown subject {subject!r}")
                    subject_ref = (SUBJECT_REFS[kind], int(number))
            when = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
            fixed_json = None if refs else canonical_json(detail)
            templates.append(
                (when, when.date(), at[10:], actor_id, actor_name, operation, subject,
                 subject_ref, outcome, duration, detail, refs, fixed_json)
            )  # fmt: skip
        return templates

    def _moved(self, table: str, old: int, base: dict[str, int]) -> int:
        lo, hi = self.ranges[table]
        return base[table] + (old - lo) if lo < old <= hi else old

    def append_days(
        self,
        first_day: int,
        count: int,
        *,
        days_per_commit: int = 20,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[int, int]:
        """Append ``count`` copies of the seed day from day ``first_day``: (calls, events) added."""
        conn = self.conn
        seq, head = conn.execute(
            "SELECT event_seq, event_head FROM offices WHERE id = ?", (self.office_id,)
        ).fetchone()
        base = {
            t: conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in COPIED
        }
        insert_event = (
            "INSERT INTO events (office_id, seq, occurred_at, actor_id, actor_name, operation, "
            "subject, outcome, duration_us, detail, prev_hash, hash, mac) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        office_id, key, moved = self.office_id, self.key, self._moved
        added_events = 0
        conn.execute("BEGIN IMMEDIATE")
        try:
            for i in range(count):
                shift = day_date(first_day + i) - SEED_DATE
                dates: dict[dt.date, str] = {}  # a seed date -> its copy's, as stored

                for table in COPIED:
                    insert, transforms, template_rows = self.tables[table]
                    new_rows = []
                    for template in template_rows:
                        row = list(template)
                        for j, what, ref in transforms:
                            value = row[j]
                            if value is None:
                                continue
                            if what == "time":
                                row[j] = stored_time(dates, shift, *value)
                            else:
                                row[j] = moved(ref, value, base)
                        new_rows.append(row)
                    conn.executemany(insert, new_rows)
                event_rows = []
                day_offset = seq + 1 - self.first_seq  # a seed seq -> its copy's
                day_hashes: dict[int, str] = {}
                for (when, day, clock, actor_id, actor_name, operation, subject, subject_ref,
                     outcome, duration, detail, refs, fixed_json) in self.events:  # fmt: skip
                    seq += 1
                    at = when + shift
                    if subject_ref is not None:
                        table, old = subject_ref
                        subject = f"{subject.partition(':')[0]}:{moved(table, old, base)}"
                    if fixed_json is None:
                        detail = dict(detail)
                        for name, what, ref in refs:
                            if what == "row":
                                detail[name] = moved(ref, detail[name], base)
                            elif what == "seq":
                                detail[name] += day_offset
                            else:  # the hash of the copied event a verification names
                                detail[name] = day_hashes[detail[ref]]
                        detail_json = canonical_json(detail)
                    else:
                        detail_json = fixed_json
                    digest = event_hash(
                        prev_hash=head, office_id=office_id, seq=seq, occurred_at=at,
                        actor_id=actor_id, actor_name=actor_name, operation=operation,
                        subject=subject, outcome=outcome, duration_us=duration,
                        detail_json=detail_json,
                    )  # fmt: skip
                    mac = key.mac_event(digest) if key is not None else None
                    event_rows.append(
                        (office_id, seq, stored_time(dates, shift, day, clock), actor_id,
                         actor_name, operation, subject, outcome, duration, detail_json, head,
                         digest, mac)
                    )  # fmt: skip
                    head = day_hashes[seq] = digest
                # The events_move_head trigger moves the office's head with each insert.
                conn.executemany(insert_event, event_rows)
                added_events += len(event_rows)
                for table in COPIED:
                    base[table] += self.spans[table]
                if (i + 1) % days_per_commit == 0:
                    conn.execute("COMMIT")
                    if progress is not None:
                        progress(i + 1)
                    conn.execute("BEGIN IMMEDIATE")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        stored = conn.execute(
            "SELECT event_seq, event_head FROM offices WHERE id = ?", (office_id,)
        ).fetchone()
        if tuple(stored) != (seq, head):
            raise SystemExit(f"the office's head is {stored}, expected {(seq, head)}")
        return count * self.spans["calls"], added_events


# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------


def remove_store(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), meta_path(path)):
        p.unlink(missing_ok=True)


def build_store(
    out: Path,
    *,
    calls: int,
    calls_per_day: int,
    seed: int,
    audit_key: AuditKey | None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Seed, then copy the seed day until the store has at least ``calls`` calls."""
    say = (lambda _m: None) if quiet else log
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    meta = seed_store(out, calls_per_day=calls_per_day, seed=seed, audit_key=audit_key)
    seeded = time.perf_counter()
    day_calls = meta["seed_day"]["calls"]
    days = max(1, math.ceil(calls / day_calls))
    say(
        f"seed: {day_calls} calls, {meta['seed_day']['events']} events in one day "
        f"({seeded - started:.1f} s); copying it to {days - 1} more weekdays"
    )
    conn = bulk_connection(out)
    try:
        copier = DayCopier(conn, meta, audit_key)
        marks = [days * n // 10 for n in range(1, 10)]

        def progress(done: int) -> None:
            if marks and done + 1 >= marks[0]:
                while marks and done + 1 >= marks[0]:
                    marks.pop(0)
                say(f"  {done + 1:,}/{days:,} days, {time.perf_counter() - seeded:.0f} s")

        copier.append_days(1, days - 1, progress=progress)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        state = table_state(conn, meta["office_id"])
    finally:
        conn.close()
    copied = time.perf_counter()
    meta.update(
        days=days,
        calls=state["counts"]["calls"],
        events=state["counts"]["events"],
        seed_seconds=round(seeded - started, 2),
        copy_seconds=round(copied - seeded, 2),
        build_seconds=round(copied - started, 2),
        file_bytes=out.stat().st_size,
    )
    meta_path(out).write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def verify_with_cli(out: Path, key_file: str | None, deep: bool) -> tuple[float, str]:
    """Run ``officekit audit verify`` (the CLI, in its own process) on the store."""
    command = [sys.executable, "-m", "officekit", "audit", "verify", "--db", sqlite_url(out)]
    if deep:
        command.append("--deep")
    env = dict(os.environ)
    env.pop("OFFICEKIT_AUDIT_KEY", None)
    if key_file:
        env["OFFICEKIT_AUDIT_KEY_FILE"] = str(Path(key_file).resolve())
    else:
        env.pop("OFFICEKIT_AUDIT_KEY_FILE", None)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"officekit audit verify failed:\n{done.stdout}{done.stderr}")
    return seconds, done.stdout.strip()


def cmd_build(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    if out.exists() or meta_path(out).exists():
        if not args.force:
            raise SystemExit(f"{out} exists: remove it or give --force")
        remove_store(out)
    free = shutil.disk_usage(out.parent if out.parent.exists() else Path("/")).free
    need = args.calls * BYTES_PER_CALL_GUESS
    if free < need:
        raise SystemExit(
            f"{out.parent} has {free / 1e9:.1f} GB free; a store of {args.calls:,} calls "
            f"needs about {need / 1e9:.1f} GB"
        )
    key = read_key(args.audit_key)
    meta = build_store(
        out, calls=args.calls, calls_per_day=args.calls_per_day, seed=args.seed, audit_key=key
    )
    if not args.no_verify:
        log("verifying the chain with officekit audit verify" + (" --deep" if args.deep else ""))
        seconds, said = verify_with_cli(out, args.audit_key, args.deep)
        meta.update(verify_seconds=round(seconds, 2), verify_output=said)
        meta_path(out).write_text(json.dumps(meta, indent=2) + "\n")
    if args.json:
        print(json.dumps(meta, indent=2))
        return 0
    print(
        f"built {out}: {meta['calls']:,} calls, {meta['events']:,} events, {meta['days']:,} days "
        f"of {meta['seed_day']['calls']} calls ({meta['file_bytes'] / 1e6:,.0f} MB)"
    )
    print(
        f"build time {meta['build_seconds']:.1f} s: seed day through the API "
        f"{meta['seed_seconds']:.1f} s, fast copy {meta['copy_seconds']:.1f} s"
    )
    if "verify_output" in meta:
        print(f"officekit audit verify ({meta['verify_seconds']:.1f} s): {meta['verify_output']}")
    return 0


# ---------------------------------------------------------------------------
# measure: helpers
# ---------------------------------------------------------------------------


def load_meta(db: Path) -> dict[str, Any]:
    path = meta_path(db)
    if not path.exists():
        raise SystemExit(f"{path} is missing: measure a store made by `million.py build`")
    meta: dict[str, Any] = json.loads(path.read_text())
    return meta


def open_office(url: str, clock: ManualClock, key: AuditKey | None) -> Office:
    return Office.open(url, profile=None, key=OFFICE_KEY, clock=clock, audit_key=key)


def member_who_can(office: Office, operation: str) -> Any:
    for member in office.staff.list():
        with office.desk(member) as desk:
            if desk.can(operation).allowed:
                return member
    raise SystemExit(f"nobody in the office may {operation}")


def local_time(office: Office, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), office.profile.office.tz)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def run_worker(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "_worker", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


# ---------------------------------------------------------------------------
# bytes per call
# ---------------------------------------------------------------------------


def measure_bytes(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        n_calls = conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        n_events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
        try:
            split = conn.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        except sqlite3.OperationalError:
            split = None
    size = path.stat().st_size
    result: dict[str, Any] = {
        "file_bytes": size,
        "calls": n_calls,
        "events": n_events,
        "bytes_per_call": size / n_calls,
        "events_per_call": n_events / n_calls,
    }
    if split is not None:
        by_table: dict[str, int] = defaultdict(int)
        for name, nbytes in split:
            by_table[owner.get(name, name)] += nbytes
        events_bytes = by_table.get("events", 0)
        result.update(
            objects=[
                {"name": n, "table": owner.get(n, n), "bytes": b, "share": b / size}
                for n, b in split
            ],
            tables=dict(sorted(by_table.items(), key=lambda kv: -kv[1])),
            events_share=events_bytes / size,
            bytes_per_event=events_bytes / n_events,
            calls_table_bytes_per_call=by_table.get("calls", 0) / n_calls,
        )
    return result


# ---------------------------------------------------------------------------
# full verification against a plain loop
# ---------------------------------------------------------------------------


def plain_verify(path: Path, office_id: int) -> int:
    """Read the events with sqlite3 and recompute each hash as ``event_hash`` defines it.

    The least a verification can cost in Python: one query, plain tuples, one JSON
    encoder, the stored time (``YYYY-MM-DD HH:MM:SS.ffffff``, as SQLAlchemy writes it)
    turned into the hash's ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` by slicing. Any event whose
    hash does not come out the same stops it: that proves the loop exact.
    """
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        prev, expected = GENESIS_HASH, 1
        encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
        sha256 = hashlib.sha256
        rows = conn.execute(
            "SELECT office_id, seq, occurred_at, actor_id, actor_name, operation, subject, "
            "outcome, duration_us, detail, prev_hash, hash FROM events WHERE office_id = ? "
            "ORDER BY seq",
            (office_id,),
        )
        for oid, seq, at, actor_id, actor_name, op, subject, outcome, dur, detail, ph, h in rows:
            stamp = f"{at[:10]}T{at[11:]}Z"
            body = encode(
                [oid, seq, stamp, actor_id, actor_name, op, subject, outcome, dur, detail]
            )
            if seq != expected or ph != prev or sha256(f"{prev}\n{body}".encode()).hexdigest() != h:
                raise SystemExit(f"the plain loop finds event {seq} broken")
            prev, expected = h, expected + 1
        head = conn.execute(
            "SELECT event_seq, event_head FROM offices WHERE id = ?", (office_id,)
        ).fetchone()
        if tuple(head) != (expected - 1, prev):
            raise SystemExit("the plain loop finds the office's head wrong")
        return expected - 1
    finally:
        conn.close()


def measure_verify(path: Path, meta: dict[str, Any], rounds: int) -> dict[str, Any]:
    url = sqlite_url(path)
    api: list[float] = []
    loop: list[float] = []

    def run_api() -> None:
        seconds, reports = timed(lambda: verify_store(url, audit_key=None))
        if not all(r.ok for r in reports):
            raise SystemExit(f"verify_store reports a broken chain: {reports}")
        api.append(seconds)

    def run_loop() -> None:
        seconds, _ = timed(lambda: plain_verify(path, meta["office_id"]))
        loop.append(seconds)

    checked = sum(r.checked for r in verify_store(url, audit_key=None))  # warm the page cache
    for r in range(rounds):
        for run in (run_api, run_loop) if r % 2 == 0 else (run_loop, run_api):
            run()
        log(f"  verify round {r + 1}/{rounds}: officekit {api[-1]:.1f} s, loop {loop[-1]:.1f} s")
    ratio = median(api) / median(loop)
    return {
        "events": checked,
        "api_seconds": api,
        "loop_seconds": loop,
        "api_median_s": median(api),
        "loop_median_s": median(loop),
        "api_us_per_event": median(api) / checked * 1e6,
        "loop_us_per_event": median(loop) / checked * 1e6,
        "ratio": ratio,
        "target": TARGETS["verify_ratio"],
        "ok": ratio <= TARGETS["verify_ratio"],
    }


# ---------------------------------------------------------------------------
# call statistics against the raw aggregate
# ---------------------------------------------------------------------------

RAW_STATS = """
SELECT
  SUM(outcome IS NOT 'after_hours'),
  SUM(outcome IS 'after_hours'),
  SUM(outcome IS NOT 'after_hours' AND answered_at IS NOT NULL),
  SUM(outcome IS NOT 'after_hours' AND answered_at IS NOT NULL
      AND (julianday(answered_at) - julianday(arrived_at)) * 86400.0 <= :target),
  AVG(CASE WHEN outcome IS NOT 'after_hours' AND answered_at IS NOT NULL
      THEN (julianday(answered_at) - julianday(arrived_at)) * 86400.0 END),
  SUM(outcome IS 'abandoned'),
  SUM(outcome IS 'abandoned' AND COALESCE((julianday(COALESCE(answered_at, ended_at))
      - julianday(arrived_at)) * 86400.0, 0) < :short),
  AVG(CASE WHEN outcome IS NOT 'after_hours' AND answered_at IS NOT NULL AND ended_at IS NOT NULL
      THEN (julianday(ended_at) - julianday(answered_at)) * 86400.0 END),
  SUM(outcome IS 'transferred'),
  SUM(misrouted),
  SUM(outcome IS 'message'),
  SUM(urgent IS NOT NULL),
  SUM(status != 'ended')
FROM calls
WHERE office_id = :office AND arrived_at >= :start AND arrived_at < :end
"""


def raw_stats(
    conn: sqlite3.Connection, office_id: int, start: dt.datetime, end: dt.datetime, phones: Any
) -> dict[str, Any]:
    """The figures of ``CallStats``, aggregated by SQLite in one query."""
    row = conn.execute(
        RAW_STATS,
        {
            "office": office_id,
            "start": start.astimezone(dt.UTC).strftime(STORED_TIME),
            "end": end.astimezone(dt.UTC).strftime(STORED_TIME),
            "target": phones.service_level_seconds,
            "short": phones.short_abandon_seconds,
        },
    ).fetchone()
    (offered, after_hours, answered, within, asa, abandoned_all, short, aht, transfers,
     misroutes, message_count, urgent, in_progress) = (v or 0 for v in row)  # fmt: skip
    base = offered - short
    return {
        "offered": offered,
        "after_hours": after_hours,
        "answered": answered,
        "answered_within_target": within,
        "service_level": within / base if base else None,
        "average_speed_of_answer": asa or None,
        "abandoned": abandoned_all - short,
        "short_abandons": short,
        "abandonment_rate": (abandoned_all - short) / base if base else None,
        "average_handling_time": aht or None,
        "transfers": transfers,
        "misroutes": misroutes,
        "messages": message_count,
        "urgent": urgent,
        "in_progress": in_progress,
    }


def stats_disagree(api: Any, raw: dict[str, Any]) -> list[str]:
    wrong = []
    for name, value in raw.items():
        mine = getattr(api, name)
        if isinstance(value, float) or isinstance(mine, float):
            if (mine is None) != (value is None) or (
                mine is not None and not math.isclose(mine, value, rel_tol=1e-6, abs_tol=1e-3)
            ):
                wrong.append(f"{name}: api {mine}, raw {value}")
        elif mine != value:
            wrong.append(f"{name}: api {mine}, raw {value}")
    return wrong


def periods(office: Office, meta: dict[str, Any]) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    tz = office.profile.office.tz
    first = dt.datetime.combine(SEED_DATE, dt.time(), tz)
    last = dt.datetime.combine(day_date(meta["days"] - 1) + dt.timedelta(days=1), dt.time(), tz)
    middle = day_date(meta["days"] // 2)
    one = dt.datetime.combine(middle, dt.time(), tz)
    return {"period": (first, last), "day": (one, one + dt.timedelta(days=1))}


def measure_stats(
    path: Path, meta: dict[str, Any], key: AuditKey | None, rounds: int, slow_rounds: int
) -> dict[str, Any]:
    url = sqlite_url(path)
    office = open_office(url, ManualClock(dt.datetime.now(dt.UTC)), key)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    result: dict[str, Any] = {}
    try:
        phones = office.profile.section(PHONES)
        for name, (start, end) in periods(office, meta).items():
            n = slow_rounds if name == "period" else rounds
            repeat = 1 if name == "period" else 20
            api_t: list[float] = []
            raw_t: list[float] = []
            api_stats: Any = None
            raw: dict[str, Any] = {}

            def run_api(s: dt.datetime = start, e: dt.datetime = end, k: int = repeat) -> Any:
                return [office.calls.stats(s, e) for _ in range(k)][-1]

            def run_raw(s: dt.datetime = start, e: dt.datetime = end, k: int = repeat) -> Any:
                return [raw_stats(conn, meta["office_id"], s, e, phones) for _ in range(k)][-1]

            for r in range(n):
                for which in ("api", "raw") if r % 2 == 0 else ("raw", "api"):
                    if which == "api":
                        seconds, api_stats = timed(run_api)
                        api_t.append(seconds / repeat)
                    else:
                        seconds, raw = timed(run_raw)
                        raw_t.append(seconds / repeat)
                if name == "period":
                    log(f"  stats round {r + 1}/{n}: api {api_t[-1]:.2f} s, raw {raw_t[-1]:.2f} s")
            ratio = median(api_t) / median(raw_t)
            target = TARGETS["stats_period_ratio" if name == "period" else "stats_day_ratio"]
            result[name] = {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "calls": api_stats.offered + api_stats.after_hours,
                "api_seconds": api_t,
                "raw_seconds": raw_t,
                "api_median_s": median(api_t),
                "raw_median_s": median(raw_t),
                "ratio": ratio,
                "target": target,
                "ok": ratio <= target,
                "disagreements": stats_disagree(api_stats, raw),
            }
    finally:
        conn.close()
        office.close()
    start, end = periods_for_meta(meta)
    worker = run_worker(
        ["stats", "--db", url, "--start", start.isoformat(), "--end", end.isoformat()],
        env=key_env(None),
    )
    out, _ = worker.communicate()
    if worker.returncode != 0:
        raise SystemExit("the stats memory worker failed")
    memory = json.loads(out.strip().splitlines()[-1])
    memory["target_mb"] = TARGETS["stats_memory_mb"]
    memory["ok"] = memory["peak_growth_mb"] < TARGETS["stats_memory_mb"]
    result["memory"] = memory
    return result


def periods_for_meta(meta: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The whole period in UTC, without opening the office (for the worker's arguments)."""
    first = dt.datetime.combine(SEED_DATE - dt.timedelta(days=1), dt.time(), dt.UTC)
    last = dt.datetime.combine(day_date(meta["days"] - 1) + dt.timedelta(days=2), dt.time(), dt.UTC)
    return first, last


def key_env(key_file: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("OFFICEKIT_AUDIT_KEY", None)
    env.pop("OFFICEKIT_AUDIT_KEY_FILE", None)
    if key_file:
        env["OFFICEKIT_AUDIT_KEY_FILE"] = str(Path(key_file).resolve())
    return env


# ---------------------------------------------------------------------------
# a writer while a verification runs
# ---------------------------------------------------------------------------


def measure_writer(
    path: Path, key: AuditKey | None, key_file: str | None, mode: str
) -> dict[str, Any]:
    """Time ``desk.note`` in this process while another process verifies the whole log.

    ``mode`` ``store``: ``verify_store`` (``officekit audit verify``), which reads
    a snapshot; ``desk``: ``desk.verify_audit()``, the recorded check (simulate's
    evening check), which runs inside the kernel's write transaction.
    """
    url = sqlite_url(path)
    office = open_office(url, ManualClock(dt.datetime.now(dt.UTC)), key)
    try:
        member = member_who_can(office, "desk.note")
        with office.desk(member) as desk:
            idle = []
            for i in range(50):
                started = time.perf_counter()
                desk.note(f"Idle note {i}")
                idle.append(time.perf_counter() - started)
            worker = run_worker(["verify", "--db", url, "--mode", mode], env=key_env(key_file))
            assert worker.stdout is not None
            if worker.stdout.readline().strip() != "ready":
                raise SystemExit("the verification worker did not start")
            waits: list[float] = []
            failures: list[str] = []
            while worker.poll() is None:
                started = time.perf_counter()
                try:
                    desk.note(f"Note while verifying {len(waits)}")
                except Exception as exc:  # e.g. database is locked after the busy timeout
                    failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
                waits.append(time.perf_counter() - started)
                time.sleep(0.01)
            out = worker.stdout.read()
    finally:
        office.close()
    if worker.returncode != 0:
        raise SystemExit(f"the verification worker failed ({mode})")
    done = json.loads(out.strip().splitlines()[-1])
    worst = max(waits) if waits else 0.0
    return {
        "mode": mode,
        "verify_seconds": done["seconds"],
        "verify_ok": done["ok"],
        "notes": len(waits),
        "failed_notes": len(failures),
        "failures": failures[:5],
        "idle_median_ms": median(idle) * 1e3,
        "median_wait_ms": median(waits) * 1e3 if waits else None,
        "max_wait_ms": worst * 1e3,
        "target_ms": TARGETS["writer_wait_ms"],
        "ok": worst * 1e3 <= TARGETS["writer_wait_ms"] and not failures,
    }


# ---------------------------------------------------------------------------
# a whole call against a bare insert
# ---------------------------------------------------------------------------

baseline_metadata = sa.MetaData()
baseline_table = sa.Table(
    "officekit_bench_million_baseline",
    baseline_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("note", sa.Text, nullable=False),
)
CALL_REASONS = (
    "I need to book an appointment",
    "can I reschedule my appointment please",
    "I want a copy of my records",
    "a question about a letter I got",
)
PROFILE_NS = 1_000_000_000


def open_day(office: Office, after: int) -> dt.date:
    """A weekday from ``after`` weekdays after the seed on which every reason is routed in hours."""
    k = after
    while True:
        when = local_time(office, day_date(k), 9, 30)
        if all(
            office.calls.route(r, at=when).destination in office.profile.departments
            and office.calls.route(r, at=when + dt.timedelta(hours=3)).destination
            in office.profile.departments
            for r in CALL_REASONS
        ):
            return day_date(k)
        k += 1


def _area(filename: str, funcname: str) -> str:
    if filename == "~":
        if "sqlite3" in funcname:
            return "sqlite3 (C driver)"
        if "psycopg" in funcname:
            return "psycopg (C)"
        return "builtins"
    path = filename.replace(os.sep, "/")
    if "/officekit/" in path:
        return "officekit." + path.rsplit("/officekit/", 1)[1].removesuffix(".py").replace("/", ".")
    if "site-packages/" in path:
        return path.rsplit("site-packages/", 1)[1].split("/", 1)[0]
    return "stdlib:" + Path(path).stem


def profile_summary(profiler: cProfile.Profile, ops: int, top: int) -> dict[str, Any]:
    stats = pstats.Stats(profiler)
    raw: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, funcname), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        by_area[_area(filename, funcname)] += tottime
    total = sum(by_area.values()) or 1.0
    functions = sorted(raw.items(), key=lambda kv: -kv[1][3])[:top]
    return {
        "calls": ops,
        "profiled_us_per_call": total / ops * 1e6,
        "self_time_by_area": [
            {"area": a, "us_per_call": t / ops * 1e6, "share": t / total}
            for a, t in sorted(by_area.items(), key=lambda kv: -kv[1])
        ],
        "top_cumulative": [
            {
                "function": f"{Path(fn).name}:{line}({name})" if fn != "~" else name,
                "calls_per_call": nc / ops,
                "cumulative_us_per_call": ct / ops * 1e6,
                "self_us_per_call": tt / ops * 1e6,
            }
            for (fn, line, name), (_cc, nc, tt, ct, _callers) in functions
        ],
    }


@contextmanager
def call_office(
    url: str, meta: dict[str, Any] | None, key: AuditKey | None
) -> Iterator[tuple[Office, Any, ManualClock]]:
    """The office to take calls in: the copied store's (SQLite) or a fresh scratch one."""
    clock = ManualClock(dt.datetime.combine(SEED_DATE, dt.time(6), dt.UTC))
    if meta is not None:
        office = open_office(url, clock, key)
        member = member_who_can(office, "calls.answer")
        after = meta["days"] + 400
    else:
        office = Office.open(
            url, profile=PROFILE, key=f"million-{os.getpid()}-{time.time_ns() % 10**9}", clock=clock
        )
        member = office.staff.hire("Bench Receptionist", roles=["receptionist"])
        after = 1
    try:
        clock.set(local_time(office, open_day(office, after), 9, 30))
        yield office, member, clock
    finally:
        try:
            if meta is None and office.engine.dialect.name == "postgresql":
                remove_scratch_office(office)
        finally:
            office.close()


def remove_scratch_office(office: Office) -> None:
    """Delete a scratch PostgreSQL office's rows (the refusal trigger off for this transaction)."""
    with office.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_refuse_delete")
        conn.execute(events.delete().where(events.c.office_id == office.id))
        conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_refuse_delete")
        for table in (messages, calls, known_callers, visits):
            conn.execute(table.delete().where(table.c.office_id == office.id))
        ids = sa.select(staff.c.id).where(staff.c.office_id == office.id)
        conn.execute(staff_roles.delete().where(staff_roles.c.staff_id.in_(ids)))
        conn.execute(staff.delete().where(staff.c.office_id == office.id))
        conn.execute(offices.delete().where(offices.c.id == office.id))


def measure_call(
    backend: str,
    url: str,
    meta: dict[str, Any] | None,
    key: AuditKey | None,
    *,
    rounds: int,
    per_round: int,
    warmup: int,
    profile_top: int = 0,
) -> dict[str, Any]:
    """Whole calls (receive, answer, complete) and bare inserts, in interleaved rounds."""
    engine = make_engine(url)
    baseline_metadata.drop_all(engine)
    baseline_metadata.create_all(engine)
    numbers = [f"020 7946 {n:04d}" for n in range(1000, 1000 + PATIENTS)]
    parts = {"receive": 0, "answer": 0, "complete": 0}
    result: dict[str, Any] = {"backend": backend}
    try:
        with call_office(url, meta, key) as (office, member, clock), office.desk(member) as desk:
            phones = office.calls

            def whole_call(i: int) -> None:
                clock.advance(seconds=1)
                t0 = time.perf_counter_ns()
                call = phones.receive(numbers[i % len(numbers)], CALL_REASONS[i % 4])
                t1 = time.perf_counter_ns()
                if call.status != "ringing":
                    raise SystemExit(f"call {call.id} is {call.status}, not ringing")
                desk.calls.answer(call)
                t2 = time.perf_counter_ns()
                desk.calls.complete(call.id)
                t3 = time.perf_counter_ns()
                parts["receive"] += t1 - t0
                parts["answer"] += t2 - t1
                parts["complete"] += t3 - t2

            insert = baseline_table.insert()

            def bare(i: int) -> None:
                with engine.begin() as conn:
                    conn.execute(insert.values(note=f"{CALL_REASONS[i % 4]} #{i}"))

            def per_op_us(work: Callable[[int], None], n: int) -> float:
                gc.collect()
                started = time.perf_counter_ns()
                for i in range(n):
                    work(i)
                return (time.perf_counter_ns() - started) / n / 1000

            per_op_us(whole_call, warmup)
            per_op_us(bare, warmup)
            call_us: list[float] = []
            bare_us: list[float] = []
            part_us: dict[str, list[float]] = {k: [] for k in parts}
            for r in range(rounds):
                for k in parts:
                    parts[k] = 0
                if r % 2 == 0:
                    call_us.append(per_op_us(whole_call, per_round))
                    bare_us.append(per_op_us(bare, per_round))
                else:
                    bare_us.append(per_op_us(bare, per_round))
                    call_us.append(per_op_us(whole_call, per_round))
                for k, total in parts.items():
                    part_us[k].append(total / per_round / 1000)
            if profile_top:
                profiler = cProfile.Profile()
                profiler.enable()
                for i in range(per_round):
                    whole_call(i)
                profiler.disable()
                result["profile"] = profile_summary(profiler, per_round, profile_top)
    finally:
        try:
            baseline_metadata.drop_all(engine)
        finally:
            engine.dispose()
    ratios = [c / b for c, b in zip(call_us, bare_us, strict=True)]
    ratio = median(call_us) / median(bare_us)
    result.update(
        rounds=rounds,
        calls_per_round=per_round,
        call_us=call_us,
        bare_us=bare_us,
        call_median_us=median(call_us),
        bare_median_us=median(bare_us),
        parts_median_us={k: median(v) for k, v in part_us.items()},
        ratio=ratio,
        round_ratio_min=min(ratios),
        round_ratio_max=max(ratios),
        target=TARGETS["whole_call_ratio"],
        ok=ratio <= TARGETS["whole_call_ratio"],
    )
    return result


# ---------------------------------------------------------------------------
# the evening check, at several sizes
# ---------------------------------------------------------------------------


def incremental_available() -> bool:
    return "incremental" in inspect.signature(Desk.verify_audit).parameters


def measure_evening(path: Path, meta: dict[str, Any], key: AuditKey | None, rounds: int) -> dict:
    """Append one day (the fast copy), then time the evening check; ``rounds`` times."""
    incremental = incremental_available()
    clock = ManualClock(dt.datetime.combine(SEED_DATE, dt.time(6), dt.UTC))
    office = open_office(sqlite_url(path), clock, key)
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        member = member_who_can(office, "audit.verify")
        copier = DayCopier(conn, meta, key, without_checks=True)  # the check timed is the day's
        next_day = int(meta["days"])
        with office.desk(member) as desk:

            def check() -> Any:
                if incremental:
                    return desk.verify_audit(incremental=True)  # type: ignore[call-arg]
                return desk.verify_audit()

            clock.set(local_time(office, day_date(next_day - 1), 18, 25))
            first, report = timed(check)  # the check the evening before: sets where to start
            if not report.ok:
                raise SystemExit(f"the evening check finds the log broken: {report}")
            times: list[float] = []
            checked: list[int] = []
            for _ in range(rounds):
                copier.append_days(next_day, 1)
                clock.set(local_time(office, day_date(next_day), 18, 25))
                next_day += 1
                seconds, report = timed(check)
                if not report.ok:
                    raise SystemExit(f"the evening check finds the log broken: {report}")
                times.append(seconds)
                checked.append(report.checked)
    finally:
        conn.close()
        office.close()
    return {
        "calls": meta["calls"],
        "events": meta["events"],
        "incremental": incremental,
        "first_check_s": first,
        "seconds": times,
        "median_s": median(times),
        "events_checked": checked,
        "day_events": meta["seed_day"]["events"],
    }


def evening_at_sizes(
    copy: Path,
    meta: dict[str, Any],
    key: AuditKey | None,
    sizes: list[int],
    rounds: int,
    tmp: Path,
) -> dict[str, Any]:
    results = []
    for size in sorted(s for s in sizes if s < meta["calls"]):
        store = tmp / f"evening-{size}.db"
        log(f"  building a store of {size:,} calls for the evening check")
        small = build_store(
            store,
            calls=size,
            calls_per_day=meta["calls_per_day"],
            seed=meta["seed"],
            audit_key=key,
            quiet=True,
        )
        results.append(measure_evening(store, small, key, rounds))
        remove_store(store)
        log(f"  evening check at {small['calls']:,} calls: {results[-1]['median_s'] * 1e3:.0f} ms")
    results.append(measure_evening(copy, meta, key, rounds))
    log(f"  evening check at {meta['calls']:,} calls: {results[-1]['median_s'] * 1e3:.0f} ms")
    ratio = results[-1]["median_s"] / results[0]["median_s"]
    return {
        "incremental": results[-1]["incremental"],
        "sizes": results,
        "ratio_largest_to_smallest": ratio,
        "target": TARGETS["evening_flat_ratio"],
        "ok": ratio <= TARGETS["evening_flat_ratio"] and results[-1]["incremental"],
    }


# ---------------------------------------------------------------------------
# measure
# ---------------------------------------------------------------------------


def cmd_measure(args: argparse.Namespace) -> int:
    db = Path(args.db).resolve()
    meta = load_meta(db)
    key = read_key(args.audit_key)
    if meta.get("keyed") and key is None:
        raise SystemExit("the store was built with an audit key: give it (--audit-key FILE)")
    skip = set(args.skip or ())
    sizes = (
        [int(s) for s in args.evening_sizes.split(",") if s.strip()] if args.evening_sizes else []
    )
    results: dict[str, Any] = {
        "store": {
            "path": str(db),
            "calls": meta["calls"],
            "events": meta["events"],
            "days": meta["days"],
            "calls_per_day": meta["seed_day"]["calls"],
        },
        "rounds": args.rounds,
        "slow_rounds": args.slow_rounds,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sa.__version__,
    }
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    tmp_parent = Path(args.tmp) if args.tmp else None
    need = db.stat().st_size * 1.2 + max(sizes or [0]) * BYTES_PER_CALL_GUESS
    free = shutil.disk_usage(tmp_parent or tempfile.gettempdir()).free
    if free < need:
        raise SystemExit(
            f"the temporary folder has {free / 1e9:.1f} GB free, needs {need / 1e9:.1f}"
        )
    with tempfile.TemporaryDirectory(prefix="officekit-million-", dir=tmp_parent) as tmp:
        copy = Path(tmp) / "store.db"
        log(f"copying {db} to {copy}")
        shutil.copyfile(db, copy)
        if "bytes" not in skip:
            results["bytes"] = measure_bytes(copy, meta)
        if "verify" not in skip:
            log("full verification against the plain loop")
            results["verify"] = measure_verify(copy, meta, args.slow_rounds)
        if "stats" not in skip:
            log("call statistics against the raw aggregate")
            results["stats"] = measure_stats(copy, meta, key, args.rounds, args.slow_rounds)
        if "writer" not in skip:
            log("a writer while the whole log is verified")
            results["writer"] = [
                measure_writer(copy, key, args.audit_key, mode) for mode in ("store", "desk")
            ]
        if "call" not in skip:
            log("whole calls against bare inserts (SQLite)")
            calls_results = [
                measure_call(
                    "sqlite", sqlite_url(copy), meta, key, rounds=args.rounds,
                    per_round=args.calls_per_round, warmup=20, profile_top=args.profile,
                )
            ]  # fmt: skip
            if args.postgres:
                log("whole calls against bare inserts (PostgreSQL, a scratch office)")
                calls_results.append(
                    measure_call(
                        "postgresql", args.postgres, None, None, rounds=args.rounds,
                        per_round=args.calls_per_round, warmup=20,
                    )
                )  # fmt: skip
            results["call"] = calls_results
        if "evening" not in skip:
            log("the evening check after one more day, at several sizes")
            results["evening"] = evening_at_sizes(
                copy, meta, key, sizes, args.slow_rounds, Path(tmp)
            )
    if args.save:
        Path(args.save).write_text(json.dumps(results, indent=2, default=str) + "\n")
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print_report(results)
    return 0


def print_report(r: dict[str, Any]) -> None:
    s = r["store"]
    print(
        f"store {s['path']}: {s['calls']:,} calls, {s['events']:,} events, {s['days']:,} days "
        f"of {s['calls_per_day']} calls; medians of {r['rounds']} rounds "
        f"({r['slow_rounds']} for the slow ones); python {r['python']}, sqlite {r['sqlite']}, "
        f"sqlalchemy {r['sqlalchemy']}"
    )
    for c in r.get("call", []):
        parts = ", ".join(f"{k} {v:.0f}" for k, v in c["parts_median_us"].items())
        print(
            f"whole call ({c['backend']}): {c['call_median_us']:.0f} µs ({parts}), bare insert "
            f"{c['bare_median_us']:.0f} µs: {c['ratio']:.2f}x (rounds "
            f"{c['round_ratio_min']:.2f}-{c['round_ratio_max']:.2f}; target ≤{c['target']:g}x) "
            f"{verdict(c['ok'])}"
        )
    if "verify" in r:
        v = r["verify"]
        print(
            f"full audit verify: {v['api_median_s']:.1f} s for {v['events']:,} events "
            f"({v['api_us_per_event']:.1f} µs each), plain loop {v['loop_median_s']:.1f} s "
            f"({v['loop_us_per_event']:.1f} µs): {v['ratio']:.2f}x (target ≤{v['target']:g}x) "
            f"{verdict(v['ok'])}"
        )
    for w in r.get("writer", []):
        what = "officekit audit verify" if w["mode"] == "store" else "desk.verify_audit()"
        failed = f", {w['failed_notes']} FAILED ({w['failures'][0]})" if w["failed_notes"] else ""
        print(
            f"writer during {what} ({w['verify_seconds']:.1f} s): {w['notes']} notes, wait median "
            f"{w['median_wait_ms']:.1f} ms, max {w['max_wait_ms']:.1f} ms (idle "
            f"{w['idle_median_ms']:.1f} ms){failed} (target ≤{w['target_ms']:g} ms) "
            f"{verdict(w['ok'])}"
        )
    if "evening" in r:
        e = r["evening"]
        what = (
            "desk.verify_audit(incremental=True)"
            if e["incremental"]
            else "desk.verify_audit() [incremental= NOT AVAILABLE: the full check is measured]"
        )
        sizes = ", ".join(
            f"{x['calls']:,} calls {x['median_s'] * 1e3:.0f} ms ({median(x['events_checked']):,.0f}"
            " events read)"
            for x in e["sizes"]
        )
        print(
            f"evening check {what} after one day appended: {sizes}: largest/smallest "
            f"{e['ratio_largest_to_smallest']:.2f}x (target flat, ≤{e['target']:g}x) "
            f"{verdict(e['ok'])}"
        )
    if "stats" in r:
        for name in ("period", "day"):
            x = r["stats"][name]
            agree = "" if not x["disagreements"] else f" DISAGREE: {x['disagreements']}"
            print(
                f"calls stats over the {'whole period' if name == 'period' else 'one day'} "
                f"({x['calls']:,} calls): {x['api_median_s'] * 1e3:.1f} ms, raw SQL "
                f"{x['raw_median_s'] * 1e3:.1f} ms: {x['ratio']:.2f}x "
                f"(target ≤{x['target']:g}x) {verdict(x['ok'])}{agree}"
            )
        m = r["stats"]["memory"]
        print(
            f"calls stats peak memory (whole period, own process): resident size "
            f"+{m['peak_growth_mb']:.1f} MB{' at most' if m['peak_is_bound'] else ''}, Python "
            f"heap peak {m['python_peak_mb']:.1f} MB (target <{m['target_mb']:g} MB) "
            f"{verdict(m['ok'])}"
        )
    if "bytes" in r:
        b = r["bytes"]
        line = (
            f"size: {b['file_bytes'] / 1e6:,.0f} MB, {b['bytes_per_call']:,.0f} bytes per call "
            f"({b['events_per_call']:.2f} events per call)"
        )
        if "tables" in b:
            line += (
                f"; events {b['events_share']:.0%} of it, {b['bytes_per_event']:.0f} bytes per "
                "event (with their indexes)"
            )
        print(line)
        if "objects" in b:
            print(
                "  "
                + ", ".join(
                    f"{o['name']} {o['bytes'] / 1e6:,.0f} MB"
                    for o in b["objects"]
                    if o["share"] > 0.005
                )
            )
    for c in r.get("call", []):
        if "profile" not in c:
            continue
        p = c["profile"]
        print(
            f"\ncProfile of {p['calls']} whole calls ({p['profiled_us_per_call']:.0f} µs per call "
            "under the profiler); self time by area:"
        )
        for a in p["self_time_by_area"][:12]:
            print(f"    {a['area']:<40}{a['us_per_call']:>8.1f} µs {a['share']:>6.1%}")
        print("  top functions by cumulative time (per whole call):")
        for f in p["top_cumulative"]:
            print(
                f"    {f['cumulative_us_per_call']:>8.1f} µs cum "
                f"{f['self_us_per_call']:>7.1f} self {f['calls_per_call']:>5.1f}x  {f['function']}"
            )


# ---------------------------------------------------------------------------
# workers (run in their own process by measure)
# ---------------------------------------------------------------------------


def worker(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="million.py _worker")
    parser.add_argument("kind", choices=("verify", "stats"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--mode", choices=("store", "desk"), default="store")
    parser.add_argument("--start")
    parser.add_argument("--end")
    args = parser.parse_args(argv)
    key = resolve_audit_key()
    clock = ManualClock(dt.datetime.now(dt.UTC))
    if args.kind == "verify":
        if args.mode == "store":
            print("ready", flush=True)
            seconds, reports = timed(lambda: verify_store(args.db, audit_key=key))
            ok = all(r.ok for r in reports)
        else:
            office = open_office(args.db, clock, key)
            member = member_who_can(office, "audit.verify")
            with office.desk(member) as desk:
                print("ready", flush=True)
                seconds, report = timed(desk.verify_audit)
            ok = report.ok
            office.close()
        print(json.dumps({"seconds": seconds, "ok": ok}), flush=True)
        return 0
    start, end = dt.datetime.fromisoformat(args.start), dt.datetime.fromisoformat(args.end)
    office = open_office(args.db, clock, key)
    office.calls.stats(start, start + dt.timedelta(days=1))  # warm: imports, caches
    gc.collect()
    rss_before = current_rss_kb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds, stats = timed(lambda: office.calls.stats(start, end))
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    office.calls.stats(start, end)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    office.close()
    result = {
        "seconds": seconds,
        "calls": stats.offered + stats.after_hours,
        "rss_before_kb": rss_before,
        "maxrss_before_kb": peak_before,
        "maxrss_after_kb": peak_after,
        # The process's peak grew by this much over its size before the call. If the
        # call did not raise the peak, this is only a bound: (earlier peak - size before).
        "peak_growth_mb": (max(peak_after, peak_before) - rss_before) / 1024,
        "peak_is_bound": peak_after == peak_before,
        "python_peak_mb": python_peak / 2**20,
    }
    print(json.dumps(result))
    return 0


def current_rss_kb() -> int:
    """The process's resident size now (Linux), in KB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_worker"]:
        return worker(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build a large store: a seed day, then a fast copy")
    build.add_argument("--calls", type=int, default=DEFAULT_CALLS, help="at least this many calls")
    build.add_argument("--out", default="/tmp/officekit-million.db", help="the SQLite file")
    build.add_argument(
        "--calls-per-day", type=int, default=DEFAULT_CALLS_PER_DAY, help="calls of the seed day"
    )
    build.add_argument("--seed", type=int, default=7, help="random seed of the seed day")
    build.add_argument("--audit-key", metavar="FILE", help="sign every event with this key")
    build.add_argument("--force", action="store_true", help="replace the store if it exists")
    build.add_argument("--no-verify", action="store_true", help="skip officekit audit verify")
    build.add_argument("--deep", action="store_true", help="verify with --deep (slower)")
    build.add_argument("--json", action="store_true", help="print the build's figures as JSON")

    measure = sub.add_parser("measure", help="measure a store made by build")
    measure.add_argument("--db", required=True, help="the store (its .json beside it)")
    measure.add_argument("--rounds", type=int, default=5, help="rounds of the quick figures")
    measure.add_argument(
        "--slow-rounds", type=int, default=3, help="rounds of the full verify, whole-period stats "
        "and the evening check (default 3)",
    )  # fmt: skip
    measure.add_argument("--calls-per-round", type=int, default=100, help="whole calls per round")
    measure.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("OFFICEKIT_BENCH_POSTGRES_URL"),
        help="also time whole calls on PostgreSQL (a scratch database)",
    )
    measure.add_argument(
        "--evening-sizes",
        default="10000,100000",
        help="smaller stores (calls) built for the evening check; '' for none",
    )
    measure.add_argument("--audit-key", metavar="FILE", help="the key the store was built with")
    measure.add_argument("--skip", nargs="*", choices=STEPS, help="figures not to measure")
    measure.add_argument("--tmp", help="folder for the copy of the store (default: the system's)")
    measure.add_argument(
        "--profile", type=int, nargs="?", const=25, default=0, metavar="TOP",
        help="cProfile one round of whole calls (SQLite); show the TOP functions",
    )  # fmt: skip
    measure.add_argument("--json", action="store_true", help="print every figure as JSON")
    measure.add_argument("--save", metavar="FILE", help="also write every figure to FILE (JSON)")
    args = parser.parse_args(argv)
    if args.command == "build":
        if args.calls < 1 or args.calls_per_day < 20:
            parser.error("--calls must be positive and --calls-per-day at least 20")
        return cmd_build(args)
    if args.rounds < 1 or args.slow_rounds < 1 or args.calls_per_round < 1:
        parser.error("--rounds, --slow-rounds and --calls-per-round must be at least 1")
    return cmd_measure(args)


if __name__ == "__main__":
    sys.exit(main())
