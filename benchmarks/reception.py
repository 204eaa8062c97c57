"""Reception desk benchmarks: routing with many rules, and one call end to end.

1. **Routing at scale**: `Router.decide` with 50 and with 1,000 keyword rules in
   the profile (each rule its own two keywords, plus a known-customer and a
   priority-line rule). The reasons asked match rules spread over the whole
   list, the last one included, or none. Target: the 1,000-rule decision costs
   at most 1.5x the 50-rule one (the rules are indexed, not scanned).
2. **One call end to end** on SQLite: `office.calls.receive(...)` (normalise the
   number, look up known callers, ask the routing plugins, route, take a line or
   queue, insert the call, append the hash-chained event, commit, read it back)
   against a bare SQLAlchemy Core insert-and-commit of one row into the same
   database (same engine settings). Target: at most 4x.

Both are measured in one run, interleaved round by round; medians are quoted.
Run from the repository root::

    python benchmarks/reception.py [--rounds 9] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reception_profile import write_reception_profile

from officekit import ManualClock, Office, load_profile
from officekit.core.profile import Profile
from officekit.core.store import make_engine
from officekit.plugins.reception.routing import Router
from officekit.plugins.reception.settings import ROUTING, RoutingRule

SYLLABLES = "ka lo mi ne ru sa ti vo ze pa qu dri fen gor hal jun".split()  # noqa: SIM905


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3))


def profile_with_rules(base: Profile, n: int, rng: random.Random) -> tuple[Profile, list[str]]:
    """A copy of ``base`` with ``n`` keyword rules; returns it and each rule's first keyword."""
    departments = list(base.departments)
    rules = [RoutingRule(name="vip-line", lines=("+44 20 7946 0999",), department="nurses")]
    firsts: list[str] = []
    seen: set[str] = set()
    while len(firsts) < n:
        a, b = word(rng), word(rng)
        if a in seen or b in seen:
            continue
        seen.update((a, b))
        firsts.append(a)
        rules.append(
            RoutingRule(
                name=f"rule-{len(firsts)}",
                keywords=(a, f"{b} {a}"),
                department=rng.choice(departments),
            )
        )
    rules.append(RoutingRule(name="known", known_customer=True, department="reception"))
    routing = attrs.evolve(base.routing, rules=tuple(rules))
    return base.with_section(ROUTING, routing), firsts


def reasons_for(firsts: list[str], rng: random.Random, count: int = 200) -> list[str]:
    """Caller reasons: 3 in 4 match a rule anywhere in the list (the last included)."""
    reasons = []
    for i in range(count):
        filler = " ".join(word(rng) for _ in range(rng.randint(3, 8)))
        if i % 4 == 3:
            reasons.append(f"hello I am calling about {filler}")
        else:
            target = firsts[-1] if i % 4 == 0 else rng.choice(firsts)
            reasons.append(f"hello {filler} it is about {target} thanks")
    return reasons


def per_call_us(work: Callable[[int], Any], n: int) -> float:
    gc.collect()
    start = time.perf_counter_ns()
    for i in range(n):
        work(i)
    return (time.perf_counter_ns() - start) / n / 1000


def bench_routing(rounds: int, base: Profile) -> dict[str, Any]:
    rng = random.Random(42)
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    routers = {}
    reasons = {}
    for n in (50, 1000):
        prof, firsts = profile_with_rules(base, n, rng)
        routers[n] = Router(prof)
        reasons[n] = reasons_for(firsts, random.Random(7))
        # sanity: the last rule really is found
        assert routers[n].decide(f"about {firsts[-1]}", at=at).rule == f"rule-{n}"
    times: dict[int, list[float]] = {50: [], 1000: []}
    for _ in range(rounds):
        for n in (50, 1000):
            router, rs = routers[n], reasons[n]
            times[n].append(
                per_call_us(lambda i, r=router, rs=rs: r.decide(rs[i % len(rs)], at=at), 2000)
            )
    m50, m1000 = statistics.median(times[50]), statistics.median(times[1000])
    return {
        "median_us_50_rules": m50,
        "median_us_1000_rules": m1000,
        "ratio": m1000 / m50,
        "target": 1.5,
    }


def bench_call(rounds: int, folder: Path) -> dict[str, Any]:
    url = f"sqlite:///{folder / 'bench.db'}"
    clock = ManualClock(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    office = Office.open(url, profile=write_reception_profile(folder / "fd"), clock=clock)
    engine = make_engine(url)
    table = sa.Table(
        "bench_baseline",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note", sa.Text),
    )
    table.create(engine)
    reasons = [
        "I need to reschedule my appointment",
        "question about my bill",
        "hello",
        "book a visit",
    ]

    def call(i: int) -> None:  # a new caller every time: the phone-number parse is not cached
        office.calls.receive(f"020 7946 {i % 9000:04d}", reasons[i % 4])

    def returning(i: int) -> None:  # callers from a base of 300 customers, who call again
        office.calls.receive(f"020 7946 {(i * 7) % 300:04d}", reasons[i % 4])

    def bare(i: int) -> None:
        with engine.begin() as conn:
            conn.execute(table.insert().values(note=reasons[i % 4]))

    call(0), bare(0)  # warm up
    ops = 200
    kernel_t: list[float] = []
    returning_t: list[float] = []
    base_t: list[float] = []
    for _ in range(rounds):
        kernel_t.append(per_call_us(call, ops))
        base_t.append(per_call_us(bare, ops))
        returning_t.append(per_call_us(returning, ops))
    office.close()
    engine.dispose()
    mk, mb = statistics.median(kernel_t), statistics.median(base_t)
    mr = statistics.median(returning_t)
    return {
        "median_us_call_new_callers": mk,
        "median_us_call_returning_callers": mr,
        "median_us_bare_insert": mb,
        "ratio_new_callers": mk / mb,
        "ratio_returning_callers": mr / mb,
        "target": 4.0,
    }


def bench_whole_call(rounds: int, folder: Path, url: str | None = None) -> dict[str, Any]:
    """A whole call, received, answered and completed, against one bare insert-and-commit.

    Three operations, each its own transaction: ``office.calls.receive`` (the
    office records it), then at a desk opened once ``desk.calls.answer`` and
    ``desk.calls.complete``. The baseline is the same as ``bench_call``'s.
    """
    url = url or f"sqlite:///{folder / 'whole.db'}"
    clock = ManualClock(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    key = f"bench-whole-{os.getpid()}"
    office = Office.open(url, profile=write_reception_profile(folder / "fdw"), clock=clock, key=key)
    engine = make_engine(url)
    table = sa.Table(
        f"bench_whole_{os.getpid()}",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note", sa.Text),
    )
    table.create(engine)
    member = office.staff.hire("Bench Receptionist", roles=["receptionist"], experience_years=3)
    try:
        with office.desk(member) as desk:

            def whole(i: int) -> None:
                call = office.calls.receive(
                    f"020 7946 {(i * 7) % 300:04d}", "question about my bill"
                )
                desk.calls.answer(call)
                desk.calls.complete(call)

            def bare(i: int) -> None:
                with engine.begin() as conn:
                    conn.execute(table.insert().values(note="question about my bill"))

            for i in range(20):  # warm up
                whole(i), bare(i)
            ops = 100
            whole_t: list[float] = []
            base_t: list[float] = []
            for r in range(rounds):  # which goes first alternates: drift favours neither
                pair = [(whole_t, whole), (base_t, bare)]
                for times, work in pair if r % 2 == 0 else reversed(pair):
                    times.append(per_call_us(work, ops))
    finally:
        office.close()
        table.drop(engine)
        engine.dispose()
    mw, mb = statistics.median(whole_t), statistics.median(base_t)
    ratios = [w / b for w, b in zip(whole_t, base_t, strict=True)]
    return {
        "backend": sa.make_url(url).get_backend_name(),
        "median_us_whole_call": mw,
        "median_us_bare_insert": mb,
        "ratio": mw / mb,
        "round_ratios": [min(ratios), max(ratios)],
        "target": 10.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("OFFICEKIT_BENCH_POSTGRES_URL"),
        help="also time a whole call on this scratch PostgreSQL database",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = load_profile(write_reception_profile(Path(tmp) / "base"))
        result = {
            "routing": bench_routing(args.rounds, base),
            "call_end_to_end_sqlite": bench_call(args.rounds, Path(tmp)),
            "whole_call": [bench_whole_call(args.rounds, Path(tmp))],
        }
        if args.postgres:
            result["whole_call"].append(bench_whole_call(args.rounds, Path(tmp), args.postgres))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    r, c = result["routing"], result["call_end_to_end_sqlite"]
    print(
        f"Routing decision: 50 rules {r['median_us_50_rules']:.1f} us, "
        f"1,000 rules {r['median_us_1000_rules']:.1f} us: ratio {r['ratio']:.2f} (target <= 1.5)"
    )
    print(
        f"Call end to end (SQLite), bare insert {c['median_us_bare_insert']:.0f} us; "
        f"new callers {c['median_us_call_new_callers']:.0f} us: "
        f"ratio {c['ratio_new_callers']:.2f}; returning callers "
        f"{c['median_us_call_returning_callers']:.0f} us: "
        f"ratio {c['ratio_returning_callers']:.2f} (target <= 4)"
    )
    for w in result["whole_call"]:
        low, high = w["round_ratios"]
        print(
            f"Whole call (receive, answer, complete) on {w['backend']}: "
            f"{w['median_us_whole_call']:.0f} us, bare insert {w['median_us_bare_insert']:.0f} us: "
            f"ratio {w['ratio']:.2f} (rounds {low:.2f}-{high:.2f}; target <= 10)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
