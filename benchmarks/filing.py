"""Document search at scale: ``desk.filing.search`` over 100,000 documents.

A store of N documents (100,000 by default) of the ``legal`` profile is built
quickly: a few dozen go through the public API (``desk.filing.file``), then the
rest are inserted with plain SQL in one transaction, rows and search-index
entries together (titles and texts drawn from a vocabulary of 5,000 made-up
words with a Zipf-like frequency, so that some words are in most documents and
most in a few). Then 200 queries (one or two words, some a prefix ``abc*``) are
timed through ``desk.filing.search(query, limit=20)``, half by a legal secretary
(who sees every category), half by an administrative assistant (from whom the
``privileged`` category is hidden: the ``NOT IN`` filter). Target: median under
5 ms. Run from the repository root::

    python benchmarks/filing.py [--documents 100000] [--queries 200] [--postgres URL] [--json]
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
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from officekit import ManualClock, Office
from officekit.plugins.clerk.filing.filestore import STORE_ENV
from officekit.plugins.clerk.filing.search import index_put
from officekit.plugins.clerk.filing.tables import documents

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CATEGORIES = ("matter_files", "privileged", "correspondence", "payroll", "trust_account")


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    found: dict[str, None] = {}
    while len(found) < size:
        found.setdefault("".join(rng.choice(letters) for _ in range(rng.randint(4, 9))))
    return list(found)


def build(url: str, n: int, rng: random.Random) -> tuple[Office, list[str]]:
    clock = ManualClock(START)
    office = Office.open(url, profile="legal", clock=clock)
    secretary = office.staff.hire("Sam Novak", roles=["legal_secretary"], experience_years=6)
    office.staff.hire("Uma Kim", roles=["administrative_assistant"], experience_years=6)
    words = vocabulary(rng, 5000)
    weights = [1 / (i + 1) for i in range(len(words))]

    def text(k: int) -> str:
        return " ".join(rng.choices(words, weights, k=k))

    seeded = min(50, n)
    with office.desk(secretary) as desk:
        for i in range(seeded):
            desk.filing.file(
                text(4).title(),
                category=CATEGORIES[i % len(CATEGORIES)],
                content=text(60).encode(),
                filename=f"doc{i}.txt",
                reference=f"matter:{rng.randint(1, 2000)}",
                tags=[rng.choice(words[:50])],
            )
    with office.engine.begin() as conn:
        rows = []
        for i in range(seeded, n):
            category = rng.choice(CATEGORIES)
            title = text(4).title()
            body = text(60)
            ref = f"matter:{rng.randint(1, 2000)}"
            tag = rng.choice(words[:50])
            rows.append(
                {
                    "office_id": office.id,
                    "kind": "electronic",
                    "title": title,
                    "category": category,
                    "reference": ref,
                    "dated": dt.date(2026, 1, 1) - dt.timedelta(days=i % 3000),
                    "tags": tag,
                    "sha256": f"{i:064x}",
                    "media_type": "text/plain",
                    "filename": f"doc{i}.txt",
                    "size": len(body),
                    "text": body,
                    "filed_at": START,
                    "filed_by": secretary.id,
                    "classified_by": "given",
                    "status": "active",
                }
            )
            if len(rows) == 5000 or i == n - 1:
                ids = conn.execute(documents.insert().returning(documents.c.id), rows).scalars()
                for doc_id, row in zip(ids, rows, strict=True):
                    index_put(
                        conn,
                        doc_id,
                        office_id=row["office_id"],
                        category=row["category"],
                        title=row["title"],
                        meta=[row["category"], row["tags"], row["reference"], row["filename"]],
                        body=row["text"],
                    )
                rows = []
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE filing_documents")
            conn.exec_driver_sql("ANALYZE filing_search")
    return office, words


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    office, words = build(url, args.documents, rng)
    built = time.perf_counter() - t0
    secretary, assistant = office.staff.list()
    queries = []
    for _ in range(args.queries):
        # mid-frequency words: neither in every document nor in none
        picks = rng.sample(words[20:2000], rng.choice((1, 1, 2)))
        if rng.random() < 0.2:
            picks[-1] = picks[-1][:4] + "*"
        queries.append(" ".join(picks))
    times: dict[str, list[float]] = {"secretary": [], "assistant": []}
    hits = 0
    with office.desk(secretary) as sd, office.desk(assistant) as ad:
        for q in queries[:10]:  # warm-up
            sd.filing.search(q)
        for i, q in enumerate(queries):
            who, desk = ("secretary", sd) if i % 2 == 0 else ("assistant", ad)
            t = time.perf_counter()
            hits += len(desk.filing.search(q, limit=20))
            times[who].append(time.perf_counter() - t)
    office.close()
    every = times["secretary"] + times["assistant"]
    return {
        "backend": sa.make_url(url).get_backend_name(),
        "documents": args.documents,
        "build_seconds": round(built, 1),
        "queries": len(queries),
        "hits_per_query": round(hits / len(queries), 1),
        "median_ms": round(statistics.median(every) * 1000, 3),
        "median_ms_all_categories": round(statistics.median(times["secretary"]) * 1000, 3),
        "median_ms_privileged_hidden": round(statistics.median(times["assistant"]) * 1000, 3),
        "p90_ms": round(statistics.quantiles(every, n=10)[-1] * 1000, 3),
        "target_ms": 5.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--postgres", help="also measure on this (emptied) PostgreSQL database")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ[STORE_ENV] = str(Path(tmp) / "files")
        results.append(run(f"sqlite:///{Path(tmp) / 'filing.db'}", args))
        if args.postgres:
            engine = sa.create_engine(args.postgres)
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
            engine.dispose()
            results.append(run(args.postgres, args))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        verdict = "OK" if r["median_ms"] < r["target_ms"] else "OVER TARGET"
        print(
            f"{r['backend']}: {r['documents']} documents (built in {r['build_seconds']} s); "
            f"{r['queries']} searches, {r['hits_per_query']} hits each: median {r['median_ms']} ms "
            f"(all categories {r['median_ms_all_categories']} ms, privileged hidden "
            f"{r['median_ms_privileged_hidden']} ms), p90 {r['p90_ms']} ms; "
            f"target < {r['target_ms']} ms: {verdict}"
        )


if __name__ == "__main__":
    main()
