"""Kernel overhead: one recorded no-op operation against a bare insert-and-commit.

What is timed, per backend, in one process and interleaved round by round:

* **kernel**: ``desk.note("...")`` on an open desk, i.e. everything an operation
  costs: validation, authorisation (profile + the ``check_permission`` hook),
  the ``before``/``after`` hooks, one transaction that locks the office row,
  appends the hash-chained event and moves the chain head, and the commit.
* **baseline**: ``with engine.begin() as conn: conn.execute(table.insert()...)``
  of one row into a small table of the same database, through an engine made by
  ``officekit.core.store.make_engine(url)`` (so SQLite gets the same WAL,
  ``synchronous=NORMAL`` and ``BEGIN IMMEDIATE``; PostgreSQL the same
  ``pool_pre_ping``).

The report gives each one's median per-operation time over the rounds, the
ratio of the medians (kernel / baseline; the target is at most 3x) and the
smallest and largest ratio of a single round (kernel round i / baseline round i).

Run from the repository root::

    python benchmarks/kernel_overhead.py                       # SQLite only
    python benchmarks/kernel_overhead.py --postgres postgresql+psycopg://u:p@host/db
    OFFICEKIT_BENCH_POSTGRES_URL=... python benchmarks/kernel_overhead.py --json
    python benchmarks/kernel_overhead.py --profile             # where kernel time goes
    python benchmarks/kernel_overhead.py --audit-key audit.key # every event signed (HMAC)

The PostgreSQL database must be a scratch one: the script creates the
officekit schema if it is missing, an office ``bench-<pid>-<time>`` and a table
``officekit_bench_baseline``, and removes that office's rows and the table at
the end.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from officekit import Desk, Office
from officekit.core.events import append_event
from officekit.core.operations import OperationContext
from officekit.core.store import events, make_engine, offices, staff, staff_roles

POSTGRES_ENV = "OFFICEKIT_BENCH_POSTGRES_URL"
TARGET_RATIO = 3.0
NOTE = "Printer in reception is out of toner"

baseline_metadata = sa.MetaData()
baseline_table = sa.Table(
    "officekit_bench_baseline",
    baseline_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("note", sa.Text, nullable=False),
)


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def _per_op_us(work: Callable[[int], object], ops: int) -> float:
    """Run ``work(i)`` for i in range(ops); return the mean time of one, in microseconds."""
    gc.collect()
    started = time.perf_counter_ns()
    for i in range(ops):
        work(i)
    return (time.perf_counter_ns() - started) / ops / 1000


def _kernel_op(desk: Desk) -> Callable[[int], object]:
    def op(i: int) -> object:
        return desk.note(f"{NOTE} #{i}")

    return op


def _baseline_op(engine: sa.Engine) -> Callable[[int], object]:
    insert = baseline_table.insert()

    def op(i: int) -> object:
        with engine.begin() as conn:
            return conn.execute(insert.values(note=f"{NOTE} #{i}"))

    return op


def _breakdown(office: Office, desk: Desk, ops: int) -> dict[str, float]:
    """Time the parts of one kernel operation separately (µs per op).

    ``authorise`` is ``desk.can`` (operation lookup, profile decision and the
    ``check_permission`` hook); ``hooks`` the ``before``/``after`` hooks;
    ``record`` one transaction with ``append_event`` in it (lock the office row,
    insert the event, move the chain head, commit). ``rest`` is what the full
    ``desk.note`` costs beyond their sum (argument checks, detail copying...).
    """
    actor = desk.actor
    context = OperationContext("desk.note", actor.id, actor.name, None, {"text": NOTE})
    last_event = desk.note(NOTE)

    def authorise(_: int) -> object:
        return desk.can("desk.note")

    def hooks(_: int) -> object:
        office.plugins.before_operation(office, context)
        office.plugins.after_operation(office, context, last_event)
        return None

    def record(i: int) -> object:
        with office.engine.begin() as conn:
            return append_event(
                conn,
                office_id=office.id,
                occurred_at=office.clock.now(),
                actor_id=actor.id,
                actor_name=actor.name,
                operation="desk.note",
                detail={"text": f"{NOTE} #{i}"},
            )

    parts = {
        "authorise": _per_op_us(authorise, ops),
        "hooks": _per_op_us(hooks, ops),
        "record": _per_op_us(record, ops),
    }
    total = _per_op_us(_kernel_op(desk), ops)
    parts["rest"] = total - sum(parts.values())
    parts["total"] = total
    return parts


# ---------------------------------------------------------------------------
# Profiling
# ---------------------------------------------------------------------------


def _area(filename: str, funcname: str) -> str:
    """Group a profiled function by the library (or officekit module) it belongs to."""
    if filename == "~":  # a builtin; name it by what it is a method of
        if "sqlite3" in funcname:
            return "sqlite3 (C driver)"
        if "psycopg" in funcname or "pgconn" in funcname.lower():
            return "psycopg (C)"
        if "sha256" in funcname or "hexdigest" in funcname:
            return "hashlib"
        return "builtins"
    path = filename.replace(os.sep, "/")
    if "/officekit/" in path:
        return "officekit." + path.rsplit("/officekit/", 1)[1].removesuffix(".py").replace("/", ".")
    if "site-packages/" in path:
        return path.rsplit("site-packages/", 1)[1].split("/", 1)[0]
    return "stdlib:" + Path(path).stem


def _profile(desk: Desk, ops: int, top: int) -> dict[str, Any]:
    work = _kernel_op(desk)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(ops):
        work(i)
    profiler.disable()
    stats = pstats.Stats(profiler)
    # (file, line, function) -> (primitive calls, calls, self time, cumulative time, callers)
    raw: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    by_area: dict[str, float] = defaultdict(float)
    for (filename, _line, funcname), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        by_area[_area(filename, funcname)] += tottime
    total = sum(by_area.values()) or 1.0
    areas = sorted(by_area.items(), key=lambda kv: -kv[1])
    functions = sorted(raw.items(), key=lambda kv: -kv[1][3])[:top]
    return {
        "ops": ops,
        "profiled_us_per_op": total / ops * 1e6,
        "self_time_by_area": [
            {"area": area, "us_per_op": t / ops * 1e6, "share": t / total} for area, t in areas
        ],
        "top_cumulative": [
            {
                "function": f"{Path(fn).name}:{line}({name})" if fn != "~" else name,
                "calls_per_op": nc / ops,
                "cumulative_us_per_op": ct / ops * 1e6,
                "self_us_per_op": tt / ops * 1e6,
            }
            for (fn, line, name), (_cc, nc, tt, ct, _callers) in functions
        ],
    }


# ---------------------------------------------------------------------------
# One backend
# ---------------------------------------------------------------------------


@contextmanager
def _bench_office(url: str, audit_key: bytes | None = None) -> Iterator[tuple[Office, Desk]]:
    key = f"bench-{os.getpid()}-{time.time_ns() % 10**9}"
    office = Office.open(url, profile="medical", key=key, audit_key=audit_key)
    try:
        member = office.staff.hire("Bench Receptionist", roles=["receptionist"])
        with office.desk(member) as desk:
            yield office, desk
    finally:
        try:
            _remove_office(office)
        except sa.exc.SQLAlchemyError as exc:  # e.g. the tables were dropped meanwhile
            print(f"warning: could not remove office {key!r}: {exc}", file=sys.stderr)
        finally:
            office.close()


def _remove_office(office: Office) -> None:
    """Delete the benchmark office's rows (a scratch office; its log is ours).

    The database refuses to delete events (migration 0004): the refusal trigger
    is turned off for this transaction only, which needs the tables' owner on
    PostgreSQL; a scratch database's owner is the benchmark's user.
    """
    postgres = office.engine.dialect.name == "postgresql"
    with office.engine.begin() as conn:
        ids = sa.select(staff.c.id).where(staff.c.office_id == office.id)
        if postgres:
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_refuse_delete")
        else:
            guard = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'events_refuse_delete'"
            ).scalar_one()
            conn.exec_driver_sql("DROP TRIGGER events_refuse_delete")
        conn.execute(events.delete().where(events.c.office_id == office.id))
        if postgres:
            conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_refuse_delete")
        else:
            conn.exec_driver_sql(guard)
        conn.execute(staff_roles.delete().where(staff_roles.c.staff_id.in_(ids)))
        conn.execute(staff.delete().where(staff.c.office_id == office.id))
        conn.execute(offices.delete().where(offices.c.id == office.id))


def run_backend(
    name: str,
    url: str,
    *,
    rounds: int,
    ops: int,
    warmup: int,
    breakdown: bool,
    profile: int,
    audit_key: bytes | None = None,
) -> dict[str, Any]:
    """Measure one backend; return its figures."""
    baseline_engine = make_engine(url)
    baseline_metadata.drop_all(baseline_engine)
    baseline_metadata.create_all(baseline_engine)
    try:
        with _bench_office(url, audit_key) as (office, desk):
            kernel, baseline = _kernel_op(desk), _baseline_op(baseline_engine)
            _per_op_us(kernel, warmup)
            _per_op_us(baseline, warmup)
            kernel_us: list[float] = []
            baseline_us: list[float] = []
            for r in range(rounds):
                # Alternate which goes first, so drift and caches favour neither.
                if r % 2 == 0:
                    kernel_us.append(_per_op_us(kernel, ops))
                    baseline_us.append(_per_op_us(baseline, ops))
                else:
                    baseline_us.append(_per_op_us(baseline, ops))
                    kernel_us.append(_per_op_us(kernel, ops))
            result: dict[str, Any] = {
                "backend": name,
                "url": sa.make_url(url).render_as_string(hide_password=True),
                "rounds": rounds,
                "ops_per_round": ops,
                "audit_key": audit_key is not None,
                "kernel_us": kernel_us,
                "baseline_us": baseline_us,
            }
            if breakdown:
                result["breakdown_us"] = _breakdown(office, desk, ops)
            if profile:
                result["profile"] = _profile(desk, ops, profile)
            if not office.verify_audit().ok:  # the benchmark must not have broken anything
                raise SystemExit(f"{name}: the event chain does not verify after the benchmark")
    finally:
        try:
            baseline_metadata.drop_all(baseline_engine)
        finally:
            baseline_engine.dispose()
    kernel_median = statistics.median(result["kernel_us"])
    baseline_median = statistics.median(result["baseline_us"])
    round_ratios = [k / b for k, b in zip(result["kernel_us"], result["baseline_us"], strict=True)]
    result.update(
        kernel_median_us=kernel_median,
        baseline_median_us=baseline_median,
        ratio=kernel_median / baseline_median,
        round_ratio_min=min(round_ratios),
        round_ratio_max=max(round_ratios),
        target_ratio=TARGET_RATIO,
        within_target=kernel_median / baseline_median <= TARGET_RATIO,
    )
    return result


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def print_report(results: list[dict[str, Any]]) -> None:
    head = (
        f"{'backend':<11}{'kernel µs/op':>14}{'baseline µs/op':>16}{'ratio':>8}"
        f"{'round ratios':>15}   target ≤{TARGET_RATIO:g}x"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        spread = f"{r['round_ratio_min']:.2f}-{r['round_ratio_max']:.2f}"
        verdict = "ok" if r["within_target"] else "EXCEEDED"
        print(
            f"{r['backend']:<11}{r['kernel_median_us']:>14.1f}{r['baseline_median_us']:>16.1f}"
            f"{r['ratio']:>7.2f}x{spread:>15}   {verdict}"
        )
    print(
        f"\nmedians over {results[0]['rounds']} interleaved rounds of "
        f"{results[0]['ops_per_round']} operations each; python {sys.version.split()[0]}, "
        f"sqlalchemy {sa.__version__}"
    )
    for r in results:
        if "breakdown_us" in r:
            parts = r["breakdown_us"]
            text = ", ".join(f"{k} {v:.1f}" for k, v in parts.items() if k != "total")
            print(f"{r['backend']}: kernel op {parts['total']:.1f} µs = {text} (µs)")
    for r in results:
        if "profile" not in r:
            continue
        prof = r["profile"]
        print(
            f"\n{r['backend']}: cProfile of {prof['ops']} kernel ops "
            f"({prof['profiled_us_per_op']:.0f} µs/op under the profiler)"
        )
        print("  self time by area:")
        for a in prof["self_time_by_area"][:12]:
            print(f"    {a['area']:<34}{a['us_per_op']:>8.1f} µs/op {a['share']:>6.1%}")
        print("  top functions by cumulative time:")
        for f in prof["top_cumulative"]:
            print(
                f"    {f['cumulative_us_per_op']:>8.1f} µs cum {f['self_us_per_op']:>7.1f} self "
                f"{f['calls_per_op']:>5.1f}x  {f['function']}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure officekit's per-operation overhead against a bare insert+commit."
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get(POSTGRES_ENV),
        help=f"also measure PostgreSQL at this URL (default: ${POSTGRES_ENV})",
    )
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    parser.add_argument("--ops", type=int, default=300, help="operations per round (default 300)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed operations first")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead")
    parser.add_argument(
        "--no-breakdown", action="store_true", help="skip timing the parts of a kernel op"
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        default=0,
        metavar="TOP",
        help="also cProfile one round of kernel ops and show the TOP functions (default 25)",
    )
    parser.add_argument(
        "--audit-key",
        metavar="FILE",
        help="open the office with the audit key in FILE: every event carries its MAC",
    )
    parser.add_argument(
        "--fail-above",
        type=float,
        metavar="RATIO",
        help="exit with status 1 if a backend's ratio of medians is above RATIO",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.ops < 1:
        parser.error("--rounds and --ops must be at least 1")

    options = {
        "rounds": args.rounds,
        "ops": args.ops,
        "warmup": args.warmup,
        "breakdown": not args.no_breakdown,
        "profile": args.profile,
        "audit_key": Path(args.audit_key).read_bytes().strip() if args.audit_key else None,
    }
    results = []
    with tempfile.TemporaryDirectory(prefix="officekit-bench-") as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        results.append(run_backend("sqlite", sqlite_url, **options))
    if args.postgres:
        results.append(run_backend("postgresql", args.postgres, **options))

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_report(results)
    if args.fail_above is not None and any(r["ratio"] > args.fail_above for r in results):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
