"""The spreadsheet commands: ``officekit records import`` and ``officekit records export``.

Added to the ``records_app`` group by the records part (``part.register_commands``)
through [`register`][officekit.plugins.clerk.records.import_cli.register]. The
spreadsheet module (and the store under it) is imported by the commands, so that
``officekit --help`` does not load SQLAlchemy or openpyxl.

``import`` exits with status 0 when every row was imported or already present,
**3** when it finished but rejected rows (they are in the ``--reject`` file), 1
on an error (nothing more imported) and 2 on bad usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from officekit.cli import (
    DEFAULT_URL,
    AsOption,
    DbOption,
    KeyOption,
    err,
    fail,
    open_office,
    out,
    safe,
    staff_member,
)

if TYPE_CHECKING:
    from officekit.plugins.clerk.records.spreadsheet import ImportSummary

__all__ = ["REJECTED_EXIT", "register"]

REJECTED_EXIT = 3
"""``officekit records import``'s exit status when rows were rejected (the rest imported)."""

KindOption = Annotated[
    str, typer.Option("--kind", help="The record kind (customer, patient...).", show_default=False)
]


def register(records_app: typer.Typer) -> None:
    """Add ``import`` and ``export`` to the ``officekit records`` group."""
    records_app.command("import")(records_import)
    records_app.command("export")(records_export)


def _summary_lines(summary: ImportSummary, file: str) -> list[str]:
    lines = [
        f"Imported {summary.kind} records from {file} ({summary.format}, "
        f"sha256 {summary.sha256[:16]}..., {summary.batches} batch(es))",
        f"  read:              {summary.read}",
        f"  imported:          {summary.imported}",
        f"  already present:   {summary.already_present}",
        f"  repeated in file:  {summary.duplicates}",
        f"  rejected:          {summary.rejected}"
        + (f" (written to {summary.reject_file})" if summary.reject_file else ""),
    ]
    if summary.unknown_columns:
        lines.append(f"Ignored columns: {', '.join(summary.unknown_columns)}")
    return lines


def records_import(
    file: Annotated[Path, typer.Argument(help="A CSV (UTF-8) or XLSX file.", show_default=False)],
    kind: KindOption = "",
    who: AsOption = "",
    reject: Annotated[
        Path | None,
        typer.Option("--reject", help="Write the rejected rows, with why, to this CSV file."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Rows per batch (one recorded operation each).")
    ] = 5000,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: Annotated[str, typer.Option("--format", help="Output format: text or json.")] = "text",
) -> None:
    """Import records from a spreadsheet; exit status 3 when rows were rejected."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from officekit.plugins.clerk.records.spreadsheet import import_file

    if fmt not in ("text", "json"):
        fail(f"--format must be 'text' or 'json', got {fmt!r}", 2)
    if not kind:
        fail("--kind is needed: the kind of record the file holds", 2)
    if not who:
        fail("--as is needed: who imports the records", 2)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with (
            office.desk(member) as desk,
            Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("rows"),
                console=err,
                transient=True,
                disable=not err.is_terminal,
            ) as bar,
        ):
            task = bar.add_task("import", total=None)

            def progress(read: int, total: int | None) -> None:
                bar.update(task, completed=read, total=max(total, read) if total else None)

            summary = import_file(
                desk, file, kind=kind, reject=reject, batch_size=batch_size, progress=progress
            )
    if fmt == "json":
        from officekit.core.convert import converter

        data: dict[str, Any] = converter.unstructure(summary)
        data["problems"] = [{"where": p.where, "what": p.what} for p in summary.problems]
        out.print_json(json.dumps(data))
    else:
        for line in _summary_lines(summary, str(file)):
            out.print(safe(line))
        if summary.rejected and summary.reject_file is None:
            shown = summary.problems[:10]
            err.print(safe(f"{summary.rejected} row(s) rejected; the first problems:"))
            for problem in shown:
                err.print(safe(f"  {problem}"))
            err.print(safe("(give --reject FILE to write every rejected row)"))
    if summary.rejected:
        raise typer.Exit(REJECTED_EXIT)


def records_export(
    kind: KindOption = "",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="The file to write (replaced if it exists).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="File format: csv or xlsx.")] = "csv",
    who: AsOption = "",
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
) -> None:
    """Export the live records of a kind to a CSV or XLSX file."""
    from officekit.plugins.clerk.records.spreadsheet import export_file

    if fmt not in ("csv", "xlsx"):
        fail(f"--format must be 'csv' or 'xlsx', got {fmt!r}", 2)
    if not kind:
        fail("--kind is needed: the kind of record to export", 2)
    if out_file is None:
        fail("--out is needed: the file to write", 2)
    if not who:
        fail("--as is needed: who exports the records", 2)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            summary = export_file(desk, out_file, kind=kind, format=fmt)
    out.print(
        safe(f"Exported {summary.count} {summary.kind} record(s) to {out_file} ({summary.format})")
    )
