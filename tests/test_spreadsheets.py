"""Spreadsheet import and export of records (``desk.records.import_file``/``export_file``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officekit import ManualClock, Office
from officekit.core.plugins import DISABLE_ENV
from officekit.core.staff import StaffMember
from officekit.errors import PermissionDenied, ValidationError
from officekit.plugins.clerk.records.spreadsheet import (
    REJECT_COLUMNS,
    ImportSummary,
    heading_key,
)
from officekit.plugins.clerk.records.tables import records

GOOD = [
    ["Ada Lovelace", "+44 20 7946 0000", "ada@example.org", "1815-12-10"],
    ["Charles Babbage", "", "charles@EXAMPLE.org", ""],
    ["Grace Hopper", "+1 202 555 0142", "", "1906-12-09"],
]
HEADER = ["Name", "Phone", "Email", "Birth date", "Notes"]


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def mixed_rows() -> list[list[object]]:
    """Good rows, bad rows, a blank row and a repeated row, under a header with an extra column."""
    return [
        HEADER,
        [*GOOD[0], "first"],  # row 2
        ["Bob", "not a number", "bob@", "", "two problems"],  # row 3
        ["", "+44 20 7946 0001", "", "", "no name"],  # row 4
        ["", "", "", "", ""],  # row 5: blank, skipped
        [*GOOD[1], ""],  # row 6
        [
            " ada  lovelace ".replace("ada  lovelace", "Ada  Lovelace"),
            *GOOD[0][1:],
            "again",
        ],  # row 7
        [*GOOD[2], ""],  # row 8
        ["Dora", "", "", "31/12/1990", ""],  # row 9
    ]


def hire_clerk(office: Office, name: str = "Pat Doyle") -> StaffMember:
    return office.staff.hire(name, roles=["clerk"])


def stored(office: Office, kind: str = "customer") -> list[dict[str, Any]]:
    with office.engine.connect() as conn:
        rows = conn.execute(
            sa.select(records.c.data)
            .where(records.c.office_id == office.id, records.c.kind == kind)
            .order_by(records.c.id)
        ).all()
    return [json.loads(row[0]) for row in rows]


def read_rejects(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def check_counts(summary: ImportSummary) -> None:
    assert summary.read == (
        summary.imported + summary.already_present + summary.duplicates + summary.rejected
    )


# -- import --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_mixed_rows(office: Office, tmp_path: Path, fmt: str) -> None:
    writer = write_csv if fmt == "csv" else write_xlsx
    source = writer(tmp_path / f"customers.{fmt}", mixed_rows())
    reject = tmp_path / "rejects.csv"
    seen: list[tuple[int, int | None]] = []
    with office.desk(hire_clerk(office)) as desk:
        summary = desk.records.import_file(
            source,
            kind="customer",
            reject=reject,
            batch_size=3,
            progress=lambda read, total: seen.append((read, total)),
        )
    assert summary.format == fmt
    assert (summary.read, summary.imported, summary.duplicates, summary.rejected) == (7, 3, 1, 3)
    assert summary.already_present == 0
    assert summary.unknown_columns == ("Notes",)
    assert summary.batches == 3  # 7 rows read, 3 a batch
    assert [read for read, _ in seen] == [3, 6, 7]
    check_counts(summary)
    data = stored(office)
    assert data == [
        {"name": "Ada Lovelace", "phone": "+442079460000", "email": "ada@example.org",
         "birth_date": "1815-12-10"},
        {"name": "Charles Babbage", "email": "charles@example.org"},
        {"name": "Grace Hopper", "phone": "+12025550142", "birth_date": "1906-12-09"},
    ]  # fmt: skip
    lines = read_rejects(reject)
    assert lines[0] == [*REJECT_COLUMNS, *HEADER]
    by_row = {line[0]: line for line in lines[1:]}
    assert sorted(by_row) == ["3", "4", "9"]
    assert by_row["3"][1] == "phone; email"
    assert "phone: not a phone number" in by_row["3"][2]
    assert "email: not an email address" in by_row["3"][2]
    assert by_row["3"][3:] == ["Bob", "not a number", "bob@", "", "two problems"]
    assert by_row["4"][1:3] == ["name", "name: is required"]
    assert by_row["9"][1] == "birth_date"
    assert "YYYY-MM-DD" in by_row["9"][2]
    wheres = [p.where for p in summary.problems]
    assert wheres == [
        "row 3, field 'phone'", "row 3, field 'email'", "row 4, field 'name'",
        "row 9, field 'birth_date'",
    ]  # fmt: skip


def test_import_events_hold_counts_not_data(office: Office, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "customers.csv", mixed_rows())
    with office.desk(hire_clerk(office)) as desk:
        summary = desk.records.import_file(source, kind="customer", batch_size=4)
    imports = [e for e in office.events() if e.operation == "records.import"]
    assert [e.detail["batch"] for e in imports] == [1, 2]
    assert sum(e.detail["imported"] for e in imports) == summary.imported
    assert sum(e.detail["read"] for e in imports) == summary.read
    assert sum(e.detail["rejected"] for e in imports) == summary.rejected
    assert {e.detail["file_sha256"] for e in imports} == {summary.sha256}
    assert (imports[0].detail["first_row"], imports[0].detail["last_row"]) == (2, 6)
    text = json.dumps([e.detail for e in imports] + [e.subject for e in imports])
    for value in ("Ada", "Lovelace", "7946", "example.org", "Bob", "1815"):
        assert value not in text


def test_reimport_adds_nothing(office: Office, tmp_path: Path) -> None:
    rows = [HEADER[:4], *GOOD, GOOD[0], ["Eve", "", "", ""], GOOD[2]]
    source = write_csv(tmp_path / "customers.csv", rows)
    with office.desk(hire_clerk(office)) as desk:
        first = desk.records.import_file(source, kind="customer", batch_size=2)
        second = desk.records.import_file(source, kind="customer", batch_size=2)
        third = desk.records.import_file(source, kind="customer", batch_size=100)
    assert (first.read, first.imported, first.already_present, first.duplicates) == (6, 4, 0, 2)
    for again in (second, third):
        assert (again.read, again.imported, again.already_present, again.duplicates) == (6, 0, 4, 2)
        check_counts(again)
    assert len(stored(office)) == 4


def test_rows_repeating_each_other_count_once(office: Office, tmp_path: Path) -> None:
    # The same record spelt differently is the same once normalised.
    rows = [
        ["name", "email"],
        ["Ada", "ada@example.org"],
        ["Ada", "ada@EXAMPLE.ORG"],
        ["  Ada ", " ada@example.org"],
        ["Bea", ""],
        ["Ada", "ada@example.org"],
    ]
    source = write_csv(tmp_path / "dups.csv", rows)
    with office.desk(hire_clerk(office)) as desk:
        desk.records.enter("customer", {"name": "Bea"})
        summary = desk.records.import_file(source, kind="customer", batch_size=2)
    assert (summary.imported, summary.duplicates, summary.already_present) == (1, 3, 1)
    assert len(stored(office)) == 2


def test_missing_required_column_imports_nothing(office: Office, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "no-name.csv", [["Phone", "Email"], ["", "a@example.org"]])
    reject = tmp_path / "rejects.csv"
    with office.desk(hire_clerk(office)) as desk, pytest.raises(ValidationError) as caught:
        desk.records.import_file(source, kind="customer", reject=reject)
    assert "'name'" in str(caught.value)
    assert caught.value.problems[0].where == str(source)
    assert stored(office) == []
    assert not reject.exists()
    assert not [e for e in office.events() if e.operation == "records.import"]


def test_headings_match_names_and_labels(sqlite_office: Office, tmp_path: Path) -> None:
    assert heading_key("  Birth-Date ") == heading_key("birth_date") == "birth_date"
    source = write_csv(
        tmp_path / "semicolons.csv", [["NAME", "e-mail", "EMAIL"], ["Ada", "x", "ada@example.org"]],
        delimiter=";",
    )  # fmt: skip
    with sqlite_office.desk(hire_clerk(sqlite_office)) as desk:
        summary = desk.records.import_file(source, kind="customer")
    assert summary.unknown_columns == ("e-mail",)
    assert stored(sqlite_office) == [{"name": "Ada", "email": "ada@example.org"}]
    twice = write_csv(tmp_path / "twice.csv", [["name", "Name"], ["a", "b"]])
    with (
        sqlite_office.desk(hire_clerk(sqlite_office, "Sam")) as desk,
        pytest.raises(ValidationError, match="both field 'name'"),
    ):
        desk.records.import_file(twice, kind="customer")


def test_csv_with_bom_tabs_and_quoted_newlines(sqlite_office: Office, tmp_path: Path) -> None:
    source = tmp_path / "tabs.csv"
    source.write_bytes('\ufeffname\taddress\n"Ada"\t"1 Main St\nLondon"\nBea\tx\n'.encode())
    with sqlite_office.desk(hire_clerk(sqlite_office)) as desk:
        summary = desk.records.import_file(source, kind="customer")
    # A line break inside a quoted cell is read as part of the cell (the text
    # validator then refuses it as a control character).
    assert (summary.read, summary.imported, summary.rejected) == (2, 1, 1)
    assert summary.problems[0].where == "row 2, field 'address'"
    assert stored(sqlite_office) == [{"name": "Bea", "address": "x"}]


def test_xlsx_typed_cells(sqlite_office: Office, tmp_path: Path) -> None:
    rows = [
        ["name", "phone", "birth_date", "address", None, None],
        ["Ada", 442079460000, dt.datetime(1815, 12, 10), 10, None, "stray"],
        ["Grace", None, dt.date(1906, 12, 9), 1.5, None, None],
        # A formula reads as the value Excel computed; openpyxl saved none.
        ['=HYPERLINK("x")', None, None, "x", None, None],
    ]
    source = write_xlsx(tmp_path / "typed.xlsx", rows)
    with sqlite_office.desk(hire_clerk(sqlite_office)) as desk:
        summary = desk.records.import_file(source, kind="customer")
    assert (summary.imported, summary.rejected) == (2, 1)
    assert summary.problems[0].where == "row 4, field 'name'"
    assert summary.unknown_columns == ("column 6",)
    data = stored(sqlite_office)
    assert data[0] == {"name": "Ada", "phone": "+442079460000", "birth_date": "1815-12-10",
                       "address": "10"}  # fmt: skip
    assert data[1] == {"name": "Grace", "birth_date": "1906-12-09", "address": "1.5"}


MALFORMED: dict[str, bytes] = {
    "empty.csv": b"",
    "binary.csv": bytes(range(256)),
    "latin1.csv": "name\nJos\u00e9\n".encode("latin-1"),
    "nul.csv": b"name\nA\x00B\n",
    "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    "zip.xlsx": b"PK\x03\x04" + b"\x00" * 100,
    "blank-header.csv": b"\n\nname\nAda\n",
    "cut-utf8.csv": b"name\nJos\xc3",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file(sqlite_office: Office, tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    source.write_bytes(MALFORMED[name])
    with (
        sqlite_office.desk(hire_clerk(sqlite_office)) as desk,
        pytest.raises(ValidationError) as caught,
    ):
        desk.records.import_file(source, kind="customer")
    assert caught.value.problems[0].where == str(source)
    assert stored(sqlite_office) == []


def test_not_a_workbook_and_missing_files(sqlite_office: Office, tmp_path: Path) -> None:
    docx = tmp_path / "letter.xlsx"
    import zipfile

    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with sqlite_office.desk(hire_clerk(sqlite_office)) as desk:
        for path in (docx, tmp_path / "missing.csv", tmp_path):
            with pytest.raises(ValidationError) as caught:
                desk.records.import_file(path, kind="customer")
            assert caught.value.problems[0].where == str(path)
        with pytest.raises(ValidationError, match="record kind"):
            desk.records.import_file(docx, kind="spaceship")
        with pytest.raises(ValidationError, match="batch_size"):
            desk.records.import_file(docx, kind="customer", batch_size=0)
        with pytest.raises(ValidationError, match="reject"):
            desk.records.import_file(docx, kind="customer", reject=docx)


def test_header_only_is_recorded_as_one_empty_batch(sqlite_office: Office, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "header.csv", [["name"]])
    with sqlite_office.desk(hire_clerk(sqlite_office)) as desk:
        summary = desk.records.import_file(source, kind="customer")
    assert (summary.read, summary.batches) == (0, 1)


def test_import_refused_without_data_entry(sqlite_office: Office, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "c.csv", [["name"], ["Ada"]])
    reject = tmp_path / "rejects.csv"
    receptionist = sqlite_office.staff.hire("Rae", roles=["receptionist"])
    with sqlite_office.desk(receptionist) as desk:
        with pytest.raises(PermissionDenied):
            desk.records.import_file(source, kind="customer", reject=reject)
        with pytest.raises(PermissionDenied):
            desk.records.export_file(tmp_path / "out.csv", kind="customer")
    assert not reject.exists() and not (tmp_path / "out.csv").exists()
    denied = [e for e in sqlite_office.events() if e.outcome == "denied"]
    assert [e.operation for e in denied] == ["records.import", "records.export"]


CELL = st.one_of(
    st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=30),
    st.sampled_from(["", " ", "+44 20 7946 0000", "a@b.co", "1990-01-01", "=1+1", '"', ";"]),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=12))
def test_junk_cells_never_crash(
    sqlite_office: Office, tmp_path: Path, rows: list[list[str]]
) -> None:
    source = tmp_path / "junk.csv"
    text = io.StringIO(newline="")
    csv.writer(text).writerows([["name", "phone", "email", "birth_date", "address"], *rows])
    source.write_text(text.getvalue(), encoding="utf-8", errors="replace", newline="")
    reject = tmp_path / "junk-rejects.csv"
    members = sqlite_office.staff.list()
    member = members[0] if members else hire_clerk(sqlite_office)
    with sqlite_office.desk(member) as desk:
        summary = desk.records.import_file(source, kind="customer", reject=reject, batch_size=5)
    check_counts(summary)
    assert len(read_rejects(reject)) == summary.rejected + 1


# -- export --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trip(office: Office, tmp_path: Path, clock: ManualClock, fmt: str) -> None:
    rows = [
        [*HEADER[:4], "address"],
        *[[*g, ""] for g in GOOD],
        ["=cmd|' /C calc'!A0", "", "", "", "007"],
        ["Zoë \u00e9", "", "", "", "12 Rue d'Été, Paris"],
    ]
    source = write_csv(tmp_path / "in.csv", rows)
    with office.desk(hire_clerk(office)) as desk:
        desk.records.import_file(source, kind="customer")
        out = tmp_path / f"out.{fmt}"
        summary = desk.records.export_file(out, kind="customer", format=fmt)
    assert summary.count == 5
    event = office.events()[-1]
    assert (event.operation, event.detail) == (
        "records.export",
        {"kind": "customer", "count": 5, "format": fmt},
    )
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(out).active
        assert sheet is not None
        assert sheet["A5"].data_type == "s"  # text, not a formula
    with Office.open(f"sqlite:///{tmp_path / 'fresh.db'}", profile="medical", clock=clock) as fresh:
        with fresh.desk(hire_clerk(fresh)) as desk:
            back = desk.records.import_file(out, kind="customer")
        assert (back.imported, back.rejected) == (5, 0)
        assert stored(fresh) == stored(office)


def test_export_leaves_out_merged_and_erased(sqlite_office: Office, tmp_path: Path) -> None:
    with sqlite_office.desk(hire_clerk(sqlite_office)) as desk:
        a = desk.records.enter("customer", {"name": "Ada", "email": "ada@example.org"}).record
        b = desk.records.enter(
            "customer", {"name": "Ada L", "email": "ada@example.org"}, allow_duplicate=True
        ).record
        desk.records.enter("customer", {"name": "Bea"})
        desk.records.merge(b, into=a)
        summary = desk.records.export_file(tmp_path / "out.csv", kind="customer")
    assert summary.count == 2
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0] == "name,phone,email,birth_date,address"
    assert [line.split(",")[0] for line in lines[1:]] == ["Ada", "Bea"]


def test_export_bad_arguments(sqlite_office: Office, tmp_path: Path) -> None:
    with sqlite_office.desk(hire_clerk(sqlite_office)) as desk:
        with pytest.raises(ValidationError, match="format"):
            desk.records.export_file(tmp_path / "x.ods", kind="customer", format="ods")
        with pytest.raises(ValidationError):
            desk.records.export_file(tmp_path / "nowhere" / "x.csv", kind="customer")
    assert not [e for e in sqlite_office.events() if e.operation == "records.export"]


# -- the command line ----------------------------------------------------------


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "officekit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "COLUMNS": "200",
            "PATH": "/usr/bin:/bin",
            "HOME": str(cwd),
            # the plugins the suite turns off (tests/conftest.py), turned off here too
            **{k: v for k, v in os.environ.items() if k == DISABLE_ENV},
        },
    )


def test_cli_import_and_export(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'office.db'}"
    hired = run("staff", "hire", "Pat Doyle", "--role", "clerk", "--db", db, "--profile",
                "medical", cwd=tmp_path)  # fmt: skip
    assert hired.returncode == 0, hired.stderr
    good = write_csv(tmp_path / "good.csv", [HEADER[:4], *GOOD])
    proc = run("records", "import", "good.csv", "--kind", "customer", "--as", "Pat Doyle",
               "--db", db, cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "imported:          3" in proc.stdout
    assert good.exists()
    write_csv(tmp_path / "mixed.csv", mixed_rows())
    proc = run("records", "import", "mixed.csv", "--kind", "customer", "--as", "1", "--db", db,
               "--reject", "rejects.csv", "--format", "json", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["imported"], summary["already_present"], summary["rejected"]) == (0, 3, 3)
    assert len(read_rejects(tmp_path / "rejects.csv")) == 4
    proc = run("records", "import", "mixed.csv", "--kind", "customer", "--as", "1", "--db", db,
               cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3
    assert "row 3, field 'phone'" in proc.stderr
    proc = run("records", "export", "--kind", "customer", "--format", "xlsx", "--out", "o.xlsx",
               "--as", "Pat Doyle", "--db", db, cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Exported 3 customer record(s)" in proc.stdout
    assert (tmp_path / "o.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["import", "missing.csv", "--kind", "customer", "--as", "1"], 1, "missing.csv"),
        (["import", "bad.csv", "--kind", "customer", "--as", "1"], 1, "no column for the required"),
        (["import", "bad.csv", "--kind", "spaceship", "--as", "1"], 1, "record kind"),
        (["import", "bad.csv", "--kind", "customer"], 2, "--as"),
        (["import", "bad.csv", "--as", "1"], 2, "--kind"),
        (["import", "bad.csv", "--kind", "customer", "--as", "Nobody"], 2, "--as"),
        (["import", "bad.csv", "--kind", "customer", "--as", "1", "--format", "yaml"], 2, "text"),
        (
            ["export", "--kind", "customer", "--as", "1", "--out", "x.ods", "--format", "ods"],
            2,
            "csv",
        ),
        (["export", "--kind", "customer", "--as", "1"], 2, "--out"),
        (["export", "--kind", "customer", "--as", "Rae", "--out", "x.csv"], 1, "may not"),
    ],
)
def test_cli_errors(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    db = f"sqlite:///{tmp_path / 'office.db'}"
    assert run("staff", "hire", "Pat", "--role", "clerk", "--db", db, "--profile", "medical",
               cwd=tmp_path).returncode == 0  # fmt: skip
    assert (
        run("staff", "hire", "Rae", "--role", "receptionist", "--db", db, cwd=tmp_path).returncode
        == 0
    )
    write_csv(tmp_path / "bad.csv", [["phone"], ["+44 20 7946 0000"]])
    proc = run("records", *args, "--db", db, cwd=tmp_path)
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
