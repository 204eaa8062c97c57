"""Start-up: what a process pays before officekit does anything, and what a reopen costs.

What is timed:

* in fresh processes (wall time of the whole process, N runs each, interleaved
  round by round so that drift in the machine's speed favours none):
  ``python -c "import officekit"``, ``officekit --version``, ``officekit --help``,
  and ``python -c "import sqlalchemy"`` for reference (what officekit no longer
  pays at import);
* in this process: ``Office.open(url, profile="medical")`` then ``close()`` on an
  existing SQLite store already at every head (the usual open: no migration, no
  write), median of the repeats after a warm-up.

The report gives each median against its target: ``import officekit`` at most
250 ms, ``officekit --version`` at most 150 ms.

Run from the repository root, with officekit installed (``pip install -e '.[dev]'``)::

    python benchmarks/startup.py
    python benchmarks/startup.py --runs 25 --opens 50 --json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS_MS = {"import officekit": 250.0, "officekit --version": 150.0}


def _officekit_command() -> list[str]:
    """The console script beside this interpreter, as a user runs it (else ``-m officekit``)."""
    script = Path(sys.executable).parent / "officekit"
    if script.is_file():
        return [str(script)]
    found = shutil.which("officekit")
    return [found] if found else [sys.executable, "-m", "officekit"]


def commands() -> dict[str, list[str]]:
    officekit = _officekit_command()
    return {
        "import officekit": [sys.executable, "-c", "import officekit"],
        "officekit --version": [*officekit, "--version"],
        "officekit --help": [*officekit, "--help"],
        "import sqlalchemy (reference)": [sys.executable, "-c", "import sqlalchemy"],
    }


def time_processes(runs: int, cwd: Path) -> dict[str, list[float]]:
    """Each command's wall times in ms, ``runs`` rounds of every command in turn."""
    env = {**os.environ, "COLUMNS": "100"}
    times: dict[str, list[float]] = {name: [] for name in commands()}
    for argv in commands().values():  # one untimed run each: warm the file cache
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True)
    for _ in range(runs):
        for name, argv in commands().items():
            start = time.perf_counter()
            subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True)
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def time_reopen(opens: int, folder: Path) -> list[float]:
    """``Office.open`` + ``close`` of an office in an existing SQLite store, in ms each."""
    from officekit import Office

    url = f"sqlite:///{folder / 'office.db'}"
    Office.open(url, profile="medical").close()  # creates the store and the office
    Office.open(url, profile="medical").close()  # warm-up: profiles and plugins cached
    times = []
    for _ in range(opens):
        start = time.perf_counter()
        Office.open(url, profile="medical").close()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15, help="processes per command (15)")
    parser.add_argument("--opens", type=int, default=30, help="timed Office.open calls (30)")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="officekit-startup-") as tmp:
        folder = Path(tmp)
        processes = time_processes(args.runs, folder)
        reopen = time_reopen(args.opens, folder)
    medians = {name: statistics.median(times) for name, times in processes.items()}
    medians["Office.open (existing SQLite store)"] = statistics.median(reopen)
    if args.json:
        print(
            json.dumps(
                {
                    "medians_ms": medians,
                    "targets_ms": TARGETS_MS,
                    "times_ms": {**processes, "Office.open (existing SQLite store)": reopen},
                },
                indent=2,
            )
        )
        return
    print(f"{'':40} {'median ms':>10}   target")
    print("-" * 64)
    for name, median in medians.items():
        target = TARGETS_MS.get(name)
        verdict = (
            "" if target is None else f"≤{target:.0f} ms  {'ok' if median <= target else 'MISSED'}"
        )
        print(f"{name:40} {median:10.1f}   {verdict}")
    print(
        f"\nmedians of {args.runs} processes per command (interleaved) and of {args.opens} "
        f"opens; python {sys.version.split()[0]}"
    )


if __name__ == "__main__":
    main()
