"""Payments benchmark: a captured payment with its receipt, end to end.

1. **One payment** on SQLite (and PostgreSQL with ``--postgres URL``):
   ``desk.payments.charge(...)`` with capture (check the lines, the card and the
   key; look the key up; call the test gateway; write the payment, its lines and
   its numbered receipt and append the event, one transaction) against a bare
   SQLAlchemy Core insert-and-commit of one row into the same database (same
   engine settings). Interleaved rounds, medians. Target: at most 5x.
2. **Throughput** with two processes taking payments at once on PostgreSQL
   (they queue for the office's row lock, which numbers the receipts): payments
   per second, both processes together.

Run from the repository root::

    python benchmarks/payments.py [--rounds 9] [--postgres URL] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from officekit import Office
from officekit.core.store import make_engine
from officekit.plugins.money.payments.amounts import Card, Line

CARD = Card("4242 4242 4242 4242", 12, 2035, "123")
LINES = [Line("Printer paper", 2, "4.99", "general"), Line("Coffee", 1, "12.75", "food")]


def per_op_us(work: Callable[[int], None], ops: int, start: int) -> float:
    gc.collect()
    began = time.perf_counter()
    for i in range(ops):
        work(start + i)
    return (time.perf_counter() - began) / ops * 1e6


def bench_payment(url: str, rounds: int, ops: int) -> dict[str, Any]:
    key = f"bench-pay-{os.getpid()}-{time.time_ns()}"
    office = Office.open(url, profile="smallbusiness", key=key)
    engine = make_engine(url)
    table = sa.Table(
        f"bench_pay_{os.getpid()}",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note", sa.Text),
    )
    table.create(engine)
    member = office.staff.hire("Bench Clerk", roles=["office_manager"], experience_years=9)
    counter = [0]
    try:
        with office.desk(member) as desk:

            def pay(i: int) -> None:
                counter[0] += 1
                p = desk.payments.charge(LINES, card=CARD, idempotency_key=f"{key}-{counter[0]}")
                assert p.status == "captured"

            def bare(i: int) -> None:
                with engine.begin() as conn:
                    conn.execute(table.insert().values(note="payment"))

            for i in range(30):
                pay(i), bare(i)
            pay_t: list[float] = []
            base_t: list[float] = []
            for r in range(rounds):
                pair = [(pay_t, pay), (base_t, bare)]
                for times, work in pair if r % 2 == 0 else reversed(pair):
                    times.append(per_op_us(work, ops, r * ops))
    finally:
        office.close()
        table.drop(engine)
        engine.dispose()
    mp, mb = statistics.median(pay_t), statistics.median(base_t)
    ratios = [p / b for p, b in zip(pay_t, base_t, strict=True)]
    return {
        "backend": sa.make_url(url).get_backend_name(),
        "median_us_payment": mp,
        "median_us_bare_insert": mb,
        "ratio": mp / mb,
        "round_ratios": [min(ratios), max(ratios)],
        "target": 5.0,
    }


def _worker(url: str, key: str, worker: int, count: int, ready: Any, go: Any) -> None:
    office = Office.open(url, profile="smallbusiness", key=key)
    member = office.staff.list()[0]
    with office.desk(member) as desk:
        ready.wait()
        go.wait()
        for i in range(count):
            desk.payments.charge(LINES, card=CARD, idempotency_key=f"{key}-w{worker}-{i}")
    office.close()


def bench_two_processes(url: str, count: int) -> dict[str, Any]:
    key = f"bench-pay2-{os.getpid()}-{time.time_ns()}"
    office = Office.open(url, profile="smallbusiness", key=key)
    office.staff.hire("Bench Clerk", roles=["office_manager"], experience_years=9)
    office.close()
    ctx = multiprocessing.get_context("spawn")
    ready, go = ctx.Barrier(3), ctx.Event()
    procs = [ctx.Process(target=_worker, args=(url, key, w, count, ready, go)) for w in range(2)]
    for p in procs:
        p.start()
    ready.wait()
    began = time.perf_counter()
    go.set()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - began
    return {
        "backend": sa.make_url(url).get_backend_name(),
        "processes": 2,
        "payments": 2 * count,
        "seconds": elapsed,
        "payments_per_second": 2 * count / elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--ops", type=int, default=100)
    parser.add_argument("--postgres", default=os.environ.get("OFFICEKIT_BENCH_POSTGRES_URL"))
    parser.add_argument("--two-process-count", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "sqlalchemy": sa.__version__,
        "payment": [],
    }
    with tempfile.TemporaryDirectory() as folder:
        results["payment"].append(
            bench_payment(f"sqlite:///{Path(folder) / 'pay.db'}", args.rounds, args.ops)
        )
    if args.postgres:
        results["payment"].append(bench_payment(args.postgres, args.rounds, args.ops))
        results["two_processes"] = bench_two_processes(args.postgres, args.two_process_count)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("backend      payment µs  baseline µs   ratio   round ratios   target ≤5x")
    print("-" * 72)
    for r in results["payment"]:
        ok = "ok" if r["ratio"] <= r["target"] else "ABOVE"
        print(
            f"{r['backend']:<12}{r['median_us_payment']:>11.1f}{r['median_us_bare_insert']:>13.1f}"
            f"{r['ratio']:>7.2f}x   {r['round_ratios'][0]:.2f}-{r['round_ratios'][1]:.2f}      {ok}"
        )
    if "two_processes" in results:
        t = results["two_processes"]
        print(
            f"\ntwo processes on {t['backend']}: {t['payments']} payments in {t['seconds']:.2f} s, "
            f"{t['payments_per_second']:.0f} payments/s"
        )
    print(
        f"\nmedians over {args.rounds} interleaved rounds of {args.ops}; "
        f"python {results['python']}, sqlalchemy {results['sqlalchemy']}"
    )
    return 0


if __name__ == "__main__":
    _ = dt
    sys.exit(main())
