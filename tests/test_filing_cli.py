"""``officekit filing ...``: bad input is ``error: ...`` (exit 1 or 2), never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from officekit import ManualClock, Office
from officekit.cli import main
from officekit.plugins.clerk.filing.filestore import STORE_ENV


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "files"))
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    clock = ManualClock(dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC))
    with Office.open(url, profile="smallbusiness", clock=clock) as office:
        office.staff.hire("Carl Penn", roles=["clerk"], experience_years=6)  # id 1
        office.staff.hire("Ana Petrov", roles=["office_manager"], experience_years=9)  # id 2
    return url


def invoke(*args: str) -> tuple[int, str, str]:
    """Run ``officekit ARGS`` in this process as the console script does (``main``)."""
    code = 0
    with CliRunner().isolation(env={"COLUMNS": "250"}) as (stdout, stderr, _):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        out = stdout.getvalue().decode("utf-8", "replace")
        err = stderr.getvalue().decode("utf-8", "replace")
    return code, out, err


def test_file_search_checkout_return_due(db: str, tmp_path: Path) -> None:
    letter = tmp_path / "invoice-4471.txt"
    letter.write_text("Invoice 4471 for 20 crates of oranges")
    code, out, _ = invoke(
        "filing",
        "file",
        "Acme invoice 4471",
        "--staff",
        "1",
        "--file",
        str(letter),
        "--db",
        db,
        "--format",
        "json",
    )
    assert code == 0, out
    filed = json.loads(out)
    assert filed["category"] == "invoices" and filed["classified_by"] == "rule:invoices"
    code, out, _ = invoke(
        "filing",
        "file",
        "Warehouse lease",
        "--staff",
        "1",
        "--cabinet",
        "A",
        "--drawer",
        "2",
        "--category",
        "contracts",
        "--dated",
        "2001-05-04",
        "--tag",
        "lease",
        "--db",
        db,
    )
    assert code == 0 and "Filed document 2 in contracts (given): A / 2" in out
    code, out, _ = invoke(
        "filing", "search", "oranges", "--staff", "2", "--db", db, "--format", "json"
    )
    assert code == 0 and [d["id"] for d in json.loads(out)] == [1]
    code, out, _ = invoke("filing", "checkout", "2", "--to", "2", "--staff", "1", "--db", db)
    assert code == 0 and "checked out to staff 2" in out
    code, out, _ = invoke("filing", "out", "--db", db, "--format", "json")
    assert code == 0 and json.loads(out)[0]["document"] == 2
    code, out, _ = invoke("filing", "return", "2", "--staff", "1", "--db", db)
    assert code == 0 and "Document 2 returned" in out
    code, out, _ = invoke("filing", "due", "--db", db, "--on", "2030-01-01", "--format", "json")
    assert code == 0
    due = json.loads(out)
    assert due["due"] == [] and due["waiting"] == [
        {"id": 2, "category": "contracts", "event": "contract_ended"}
    ]
    code, out, _ = invoke("filing", "due", "--db", db, "--on", "2040-01-01")
    assert code == 0 and "IRS Publication 583" in out and "waiting for contract_ended" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["filing", "file", "x", "--staff", "1", "--cabinet", "A", "--category", "nope"],
            1,
            "category: no category named 'nope'",
        ),
        (["filing", "file", "Lunch", "--staff", "1", "--cabinet", "A"], 1, "give a category"),
        (["filing", "file", "x", "--staff", "1"], 1, "give content"),
        (
            ["filing", "file", "x", "--staff", "1", "--file", "/no/such/file"],
            2,
            "--file: cannot read",
        ),
        (
            ["filing", "file", "x", "--staff", "1", "--cabinet", "A", "--dated", "yesterday"],
            2,
            "--dated must be a date",
        ),
        (["filing", "file", "x", "--staff", "99", "--cabinet", "A"], 1, "error:"),
        (["filing", "search", "***", "--staff", "1"], 1, "at least one word"),
        (["filing", "search", "x", "--staff", "1", "--limit", "0"], 1, "limit"),
        (["filing", "due", "--on", "2026-02-30"], 2, "--on must be a date"),
        (["filing", "due", "--format", "xml"], 2, "--format"),
        (["filing", "return", "1", "--staff", "1"], 1, "not checked out"),
        (["filing", "checkout", "1", "--to", "2", "--staff", "1"], 1, "only paper files"),
    ],
)
def test_bad_input_is_an_error_line(
    db: str, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    letter = tmp_path / "a.txt"
    letter.write_text("hello")
    assert (
        invoke("filing", "file", "Invoice 1", "--staff", "1", "--file", str(letter), "--db", db)[0]
        == 0
    )
    got, out, err = invoke(*args, "--db", db)
    assert got == code, (out, err)
    assert err.startswith("error:") and message in err, err
    assert "Traceback" not in err
