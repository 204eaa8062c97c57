"""The records commands: ``officekit records enter``, ``show``, ``list``, ``correct``, ``merge``...

Added to the command line by the clerk plugin (``part.register_commands``). The
spreadsheet commands (``import``, ``export``) are added to the same
``records_app`` group by ``import_cli``. The desk's modules (and the store under
them) are imported by the commands that use them, so that ``officekit --help``
does not load SQLAlchemy.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from officekit.cli import (
    DEFAULT_URL,
    AsOption,
    DbOption,
    FormatOption,
    KeyOption,
    check_format,
    fail,
    open_office,
    out,
    safe,
    staff_member,
)

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.clerk.records.book import Record

__all__ = ["records_app", "register"]

records_app = typer.Typer(
    help="Enter, correct, merge and erase records; conflict checks.", no_args_is_help=True
)

FieldsArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Fields as name=value (an empty value removes an optional field)."),
]


def register(app: typer.Typer) -> None:
    """Add ``officekit records`` to ``app``."""
    app.add_typer(records_app, name="records")


def _fields(pairs: list[str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, eq, value = pair.partition("=")
        if not eq or not name.strip():
            fail(f"expected a field as name=value, got {pair!r}", 2)
        if name.strip() in values:
            fail(f"field {name.strip()!r} is given twice", 2)
        values[name.strip()] = value
    return values


def _record_json(record: Record) -> dict[str, Any]:
    from officekit.core.convert import converter

    data: dict[str, Any] = converter.unstructure(record)
    return data


def _show_record(office: Office, record: Record, fmt: str, extra: dict[str, Any]) -> None:
    if fmt == "json":
        out.print_json(json.dumps({"record": _record_json(record), **extra}))
        return
    state = (
        "erased"
        if record.erased
        else f"merged into {record.merged_into}"
        if record.merged
        else "live"
    )
    out.print(safe(f"record {record.id} ({record.kind}, {state})", style="bold"))
    kind = office.records.kinds.get(record.kind)
    labels = {f.name: f.label or f.name for f in kind.fields} if kind else {}
    order = [n for n in labels if n in record.data] + [n for n in record.data if n not in labels]
    for name in order:
        out.print(safe(f"  {labels.get(name, name)}: {record.data[name]}"))
    for key, value in extra.items():
        if isinstance(value, list) and not value:
            continue
        out.print(safe(f"{key}: {json.dumps(value, default=str)}"))


@records_app.command("enter")
def records_enter(
    kind: Annotated[str, typer.Argument(help="The record kind (customer, patient...).")],
    fields: FieldsArgument = None,
    who: AsOption = "",
    allow_duplicate: Annotated[
        bool, typer.Option("--allow-duplicate", help="Enter it beside its likely duplicates.")
    ] = False,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Enter a record; its likely duplicates are reported, and it is not entered unless allowed."""
    from officekit.plugins.clerk.records.book import DuplicateFound

    check_format(fmt)
    values = _fields(fields)
    if not who:
        fail("--as is needed: who enters the record", 2)
    with open_office(db, key) as office:
        with office.desk(staff_member(office, who)) as desk:
            try:
                entry = desk.records.enter(kind, values, allow_duplicate=allow_duplicate)
            except DuplicateFound as exc:
                if fmt == "json":
                    from officekit.core.convert import converter

                    out.print_json(
                        json.dumps({"entered": False,
                                    "duplicates": converter.unstructure(list(exc.duplicates))})
                    )  # fmt: skip
                    raise typer.Exit(1) from None
                fail(str(exc))
        dups = [
            {"record_id": d.record_id, "reasons": list(d.reasons), "similarity": d.similarity}
            for d in entry.duplicates
        ]
        _show_record(office, entry.record, fmt, {"entered": True, "duplicates": dups})


@records_app.command("show")
def records_show(
    record: Annotated[int, typer.Argument(help="The record's id.")],
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Show a record, its history and its likely duplicates."""
    check_format(fmt)
    with open_office(db, key) as office:
        found = office.records.get(record)
        history = [
            {
                "change": c.change,
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "merge_id": c.merge_id,
                "by": c.changed_by,
                "at": c.changed_at.isoformat(timespec="seconds"),
            }
            for c in office.records.history(found)
        ]
        dups = [
            {"record_id": d.record_id, "reasons": list(d.reasons)}
            for d in office.records.duplicates(found)
        ]
        _show_record(office, found, fmt, {"history": history, "duplicates": dups})


@records_app.command("list")
def records_list(
    kind: Annotated[str | None, typer.Argument(help="Only this kind.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 100,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many first.")] = 0,
    include_merged: Annotated[bool, typer.Option("--include-merged")] = False,
    include_erased: Annotated[bool, typer.Option("--include-erased")] = False,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """List records, oldest first, with the count."""
    check_format(fmt)
    if not 1 <= limit <= 10_000 or offset < 0:
        fail("--limit must be 1 to 10000 and --offset at least 0", 2)
    with open_office(db, key) as office:
        book = office.records
        found = book.list(
            kind, include_merged=include_merged, include_erased=include_erased,
            limit=limit, offset=offset,
        )  # fmt: skip
        total = book.count(kind, include_merged=include_merged, include_erased=include_erased)
        kinds = book.kinds
        rows: list[dict[str, Any]] = []
        for r in found:
            spec = kinds.get(r.kind)
            name = (
                " ".join(str(r.data[f]) for f in spec.name_fields if r.data.get(f)) if spec else ""
            )
            rows.append({"record": _record_json(r), "name": name})
    if fmt == "json":
        out.print_json(json.dumps({"total": total, "records": rows}))
        return
    table = Table("record", "kind", "name", "entered", "state", title="Records")
    for row in rows:
        rec = row["record"]
        state = "erased" if rec["erased_at"] else ""
        if rec["merged_into"]:
            state = f"merged into {rec['merged_into']}"
        table.add_row(
            safe(rec["id"]), safe(rec["kind"]), safe(row["name"]),
            safe(str(rec["entered_at"])[:16]), safe(state),
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(rows)} of {total} record(s)")


@records_app.command("correct")
def records_correct(
    record: Annotated[int, typer.Argument(help="The record's id.")],
    fields: FieldsArgument = None,
    who: AsOption = "",
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Correct fields of a record; the history keeps the old values."""
    check_format(fmt)
    values = _fields(fields)
    if not values:
        fail("give at least one field to correct, as name=value", 2)
    if not who:
        fail("--as is needed: who corrects the record", 2)
    with open_office(db, key) as office:
        with office.desk(staff_member(office, who)) as desk:
            corrected = desk.records.correct(record, values)
        _show_record(office, corrected, fmt, {})


@records_app.command("merge")
def records_merge(
    duplicate: Annotated[int, typer.Argument(help="The duplicate record's id.")],
    into: Annotated[int, typer.Argument(help="The id of the record kept.")],
    who: AsOption = "",
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Merge a duplicate into the record kept (undo it with unmerge)."""
    check_format(fmt)
    if not who:
        fail("--as is needed: who merges the records", 2)
    with open_office(db, key) as office, office.desk(staff_member(office, who)) as desk:
        merge = desk.records.merge(duplicate, into)
    _print_merge(merge.id, merge.record_id, merge.into_id, "merged", fmt)


@records_app.command("unmerge")
def records_unmerge(
    merge: Annotated[int, typer.Argument(help="The merge's id.")],
    who: AsOption = "",
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Undo a merge exactly."""
    check_format(fmt)
    if not who:
        fail("--as is needed: who undoes the merge", 2)
    with open_office(db, key) as office, office.desk(staff_member(office, who)) as desk:
        done = desk.records.unmerge(merge)
    _print_merge(done.id, done.record_id, done.into_id, "unmerged", fmt)


def _print_merge(merge_id: int, record_id: int, into_id: int, what: str, fmt: str) -> None:
    if fmt == "json":
        out.print_json(
            json.dumps({"merge_id": merge_id, "record_id": record_id, "into_id": into_id,
                        "done": what})
        )  # fmt: skip
        return
    out.print(safe(f"merge {merge_id}: record {record_id} {what} (kept: record {into_id})"))


@records_app.command("erase")
def records_erase(
    record: Annotated[int, typer.Argument(help="The record's id.")],
    reason: Annotated[str, typer.Option("--reason", help="request, retention or mistake.")],
    who: AsOption = "",
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Erase a record's personal values (and its merged duplicates'); a senior's duty."""
    check_format(fmt)
    if not who:
        fail("--as is needed: who erases the record", 2)
    with open_office(db, key) as office, office.desk(staff_member(office, who)) as desk:
        erased = desk.records.erase(record, reason=reason)
    if fmt == "json":
        out.print_json(json.dumps({"record_id": erased.id, "erased": True}))
        return
    out.print(safe(f"record {erased.id} erased ({reason})"))


@records_app.command("conflict-check")
def records_conflict_check(
    client: Annotated[str, typer.Option("--client", help="The prospective client's name.")],
    adverse: Annotated[
        list[str] | None, typer.Option("--adverse", help="An adverse party's name (repeat).")
    ] = None,
    who: AsOption = "",
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Check a prospective client and the adverse parties against clients and matters."""
    check_format(fmt)
    if not who:
        fail("--as is needed: who runs the check", 2)
    with open_office(db, key) as office, office.desk(staff_member(office, who)) as desk:
        check = desk.records.conflict_check(client=client, adverse_parties=adverse or [])
    if fmt == "json":
        from officekit.core.convert import converter

        out.print_json(
            json.dumps({"result": check.result, "matches": converter.unstructure(check.matches)})
        )
        return
    out.print(safe(f"Conflict check: {check.result}", style="bold"))
    for m in check.matches:
        out.print(
            safe(f"  {m.searched} is like {m.kind} {m.record_id} ({m.field}), "
                 f"similarity {m.similarity:.2f}")
        )  # fmt: skip
