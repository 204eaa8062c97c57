"""Spreadsheet import benchmarks: speed against the database and phonenumbers, and memory.

1. **Rows without phone numbers**: ``desk.records.import_file`` of a CSV file of
   100,000 customers (name, email, date of birth, address) into a fresh SQLite
   office, against raw ``sqlite3.executemany`` of the same rows (the very column
   values the import stores, computed beforehand) into an equivalent table (the
   ``records`` table's own DDL and indexes, same pragmas: WAL, synchronous=NORMAL)
   in one transaction. Target: at most 4x. Also shown: the same executemany
   committed every 5,000 rows, as the import commits each batch (its default size).
2. **A phone number per row**: the same import with a distinct phone number on
   every row (the number cache emptied first), against ``phonenumbers`` parsing,
   validating and formatting those numbers alone. Target: at most 1.5x.
3. **Memory**: the peak resident size (``ru_maxrss``) of a fresh process importing
   100,000 and 1,000,000 rows. Target: within 30 MB of each other.

Parts 1 and 2 alternate import and baseline round by round; medians are quoted.
Run from the repository root::

    python benchmarks/records_import.py [--rows 100000] [--rounds 3] [--memory 100000,1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect

from officekit import ManualClock, Office, load_profile
from officekit.plugins.clerk.records import fields as fields_module
from officekit.plugins.clerk.records.core import columns_of
from officekit.plugins.clerk.records.fields import normalise
from officekit.plugins.clerk.records.settings import RECORDS
from officekit.plugins.clerk.records.tables import records

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
BATCH = 5000  # import_file's default batch_size
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue")


def write_customers(path: Path, n: int, *, phones: bool) -> None:
    """A CSV file of ``n`` made-up customers, written row by row."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(
            "name,phone,email,birth_date,address\n" if phones else "name,email,birth_date,address\n"
        )
        for i in range(n):
            born = f"{1930 + i % 70}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            cells = [f"Customer {i}", f"c{i}@example.org", born, f"{i % 200 + 1} {STREETS[i % 5]}"]
            if phones:
                cells.insert(1, f"020 7{i // 10000:03d} {i % 10000:04d}")
            f.write(",".join(cells) + "\n")


def import_once(folder: Path, csv_path: Path) -> tuple[float, int]:
    """Import ``csv_path`` into a fresh SQLite office; the seconds taken and rows imported."""
    db = folder / f"office-{time.perf_counter_ns()}.db"
    fields_module._e164.cache_clear()
    with Office.open(f"sqlite:///{db}", profile="medical", clock=ManualClock(START)) as office:
        member = office.staff.hire("Pat Doyle", roles=["clerk"])
        with office.desk(member) as desk:
            gc.collect()
            started = time.perf_counter()
            summary = desk.records.import_file(csv_path, kind="customer")
            took = time.perf_counter() - started
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return took, summary.imported


def stored_rows(n: int) -> list[tuple[Any, ...]]:
    """The column values the import stores for the rows without phone numbers."""
    kind = load_profile("medical").section(RECORDS).kinds["customer"]
    now = "2026-03-02 09:00:00.000000"
    rows = []
    for i in range(n):
        values = {
            "name": f"Customer {i}",
            "email": f"c{i}@example.org",
            "birth_date": f"{1930 + i % 70}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "address": f"{i % 200 + 1} {STREETS[i % 5]}",
        }
        data, _ = normalise(kind, values, region="GB")
        c = columns_of(kind, data)
        rows.append(
            (1, "customer", c["data"], c["phone"], c["email"], c["name_key"], c["birth_date"],
             c["fingerprint"], f"import:{'0' * 64}:{i + 2}", 1, now, now)
        )  # fmt: skip
    return rows


def baseline_once(folder: Path, rows: list[tuple[Any, ...]], batch: int) -> float:
    """Raw sqlite3.executemany of ``rows`` into the records table's equivalent."""
    db = folder / f"raw-{time.perf_counter_ns()}.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    dialect = sqlite_dialect.dialect()  # type: ignore[no-untyped-call]
    # The records table's own DDL: its unique constraint and indexes (SQLite does
    # not check the foreign keys without its pragma, and officekit's engine sets it).
    conn.execute(str(sa.schema.CreateTable(records).compile(dialect=dialect)))
    for index in records.indexes:
        conn.execute(str(sa.schema.CreateIndex(index).compile(dialect=dialect)))
    sql = (
        "INSERT INTO records (office_id, kind, data, phone, email, name_key, birth_date, "
        "fingerprint, source, entered_by, entered_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    gc.collect()
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows[i : i + batch])
        conn.execute("COMMIT")
    took = time.perf_counter() - started
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return took


def parse_once(numbers: list[str]) -> float:
    """phonenumbers alone: parse, validate and format each number, as the import does."""
    gc.collect()
    started = time.perf_counter()
    for text in numbers:
        parsed = phonenumbers.parse(text, "GB")
        if phonenumbers.is_valid_number(parsed):
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return time.perf_counter() - started


def memory_child(n: int, folder: str) -> None:
    """In a fresh process: import ``n`` rows; print the peak resident size in MB."""
    path = Path(folder) / f"mem-{n}.csv"
    took, imported = import_once(Path(folder), path)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": n, "imported": imported, "seconds": took, "peak_mb": peak_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", default="100000,1000000", help="row counts ('' to skip)")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.folder)
        return
    results: dict[str, Any] = {"rows": args.rows, "rounds": args.rounds}
    with tempfile.TemporaryDirectory(prefix="officekit-bench-") as tmp:
        folder = Path(tmp)
        if not args.skip_speed:
            plain = folder / "plain.csv"
            with_phones = folder / "phones.csv"
            write_customers(plain, args.rows, phones=False)
            write_customers(with_phones, args.rows, phones=True)
            rows = stored_rows(args.rows)
            numbers = [f"020 7{i // 10000:03d} {i % 10000:04d}" for i in range(args.rows)]
            times: dict[str, list[float]] = {
                k: [] for k in ("import", "raw", "raw_batched", "import_phones", "parse")
            }
            for r in range(args.rounds):
                pairs = [
                    ("import", lambda: import_once(folder, plain)[0]),
                    ("raw", lambda: baseline_once(folder, rows, len(rows))),
                    ("raw_batched", lambda: baseline_once(folder, rows, BATCH)),
                    ("import_phones", lambda: import_once(folder, with_phones)[0]),
                    ("parse", lambda: parse_once(numbers)),
                ]
                for name, run in pairs if r % 2 == 0 else reversed(pairs):
                    times[name].append(run())
            med = {k: statistics.median(v) for k, v in times.items()}
            results["seconds"] = times
            results["medians"] = med
            results["ratio_import_raw"] = med["import"] / med["raw"]
            results["ratio_import_raw_batched"] = med["import"] / med["raw_batched"]
            results["ratio_phones_parse"] = med["import_phones"] / med["parse"]
        sizes = [int(s) for s in args.memory.split(",") if s.strip()]
        memory = []
        for n in sizes:
            write_customers(folder / f"mem-{n}.csv", n, phones=False)
            proc = subprocess.run(
                [sys.executable, __file__, "--memory-child", str(n), "--folder", tmp],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            memory.append(json.loads(proc.stdout))
            (folder / f"mem-{n}.csv").unlink()
        results["memory"] = memory
    if args.json:
        print(json.dumps(results, indent=2))
        return
    if not args.skip_speed:
        m = results["medians"]
        n = args.rows
        print(f"{n:,} rows, medians of {args.rounds} interleaved rounds (seconds)")
        print(f"  import, no phone numbers     {m['import']:8.2f}")
        print(f"  raw executemany, one commit  {m['raw']:8.2f}   ratio "
              f"{results['ratio_import_raw']:.2f}x  (target <= 4x)")  # fmt: skip
        print(f"  raw executemany, per 5,000   {m['raw_batched']:8.2f}   ratio "
              f"{results['ratio_import_raw_batched']:.2f}x")  # fmt: skip
        print(f"  import, a phone number a row {m['import_phones']:8.2f}")
        print(f"  phonenumbers alone           {m['parse']:8.2f}   ratio "
              f"{results['ratio_phones_parse']:.2f}x  (target <= 1.5x)")  # fmt: skip
        for name, values in results["seconds"].items():
            print(f"  rounds, {name:<14} {min(values):.2f}-{max(values):.2f}")
    for entry in results["memory"]:
        print(f"peak memory importing {entry['rows']:>9,} rows: {entry['peak_mb']:7.1f} MB "
              f"({entry['seconds']:.1f} s)")  # fmt: skip
    if len(results["memory"]) >= 2:
        spread = results["memory"][-1]["peak_mb"] - results["memory"][0]["peak_mb"]
        print(f"difference: {spread:.1f} MB (target <= 30 MB)")
    print(f"python {sys.version.split()[0]}, sqlalchemy {sa.__version__}, "
          f"sqlite {sqlite3.sqlite_version}")  # fmt: skip


if __name__ == "__main__":
    main()
