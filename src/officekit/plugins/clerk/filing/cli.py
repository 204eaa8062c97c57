"""The filing commands: ``officekit filing file|search|due|checkout|return|out``.

Added to the command line by the clerk plugin (``part.register_commands``). The
desk's modules, and the store under them, are imported by the commands that use
them, so that ``officekit --help`` does not load SQLAlchemy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from officekit.cli import (
    DEFAULT_URL,
    DbOption,
    FormatOption,
    KeyOption,
    check_format,
    day,
    fail,
    open_office,
    out,
    safe,
)

__all__ = ["register"]

filing_app = typer.Typer(
    help="File, search and check out documents; see what is due for disposal.",
    no_args_is_help=True,
)

StaffOption = Annotated[
    int, typer.Option("--as", "--staff", help="The id of the member of staff at the desk.")
]


def register(app: typer.Typer) -> None:
    """Add ``officekit filing`` to ``app``."""
    app.add_typer(filing_app, name="filing")


def _doc_row(doc: Any) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title": doc.title,
        "category": doc.category,
        "kind": doc.kind,
        "reference": doc.reference,
        "dated": doc.dated.isoformat(),
        "tags": list(doc.tags),
        "location": doc.location,
        "sha256": doc.sha256,
        "status": doc.status,
    }


def _print_docs(rows: list[dict[str, Any]], title: str) -> None:
    table = Table("id", "title", "category", "kind", "reference", "dated", "where", title=title)
    for r in rows:
        table.add_row(
            safe(r["id"]),
            safe(r["title"]),
            safe(r["category"]),
            safe(r["kind"]),
            safe(r["reference"] or ""),
            safe(r["dated"]),
            safe(r["location"] or (r["sha256"] or "")[:12]),
        )
    out.print(table)


@filing_app.command("file")
def filing_file(
    title: Annotated[str, typer.Argument(help="The document's title.")],
    staff: StaffOption,
    db: DbOption = DEFAULT_URL,
    category: Annotated[
        str | None,
        typer.Option("--category", help="Its category; default: the classification rules decide."),
    ] = None,
    path: Annotated[
        Path | None, typer.Option("--file", help="An electronic document: the file to store.")
    ] = None,
    media_type: Annotated[
        str | None, typer.Option("--media-type", help="Its media type; default: from its name.")
    ] = None,
    cabinet: Annotated[
        str | None, typer.Option("--cabinet", help="A paper document: its cabinet.")
    ] = None,
    drawer: Annotated[str | None, typer.Option("--drawer", help="Its drawer.")] = None,
    folder: Annotated[str | None, typer.Option("--folder", help="Its folder.")] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", help="The record it belongs to (customer:12).")
    ] = None,
    dated: Annotated[
        str | None, typer.Option("--dated", help="The document's date, YYYY-MM-DD; default: today.")
    ] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag (repeat for several).")
    ] = None,
    sender: Annotated[str | None, typer.Option("--sender", help="Who sent it.")] = None,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """File a document: electronic (--file) or paper (--cabinet)."""
    check_format(fmt)
    when = day(dated, "--dated") if dated is not None else None
    content = None
    if path is not None:
        try:
            content = path.read_bytes()
        except OSError as exc:
            fail(f"--file: cannot read {path}: {exc.strerror or exc}", 2)
    with open_office(db, key) as office, office.desk(staff) as desk:
        doc = desk.filing.file(
            title,
            category=category,
            content=content,
            media_type=media_type,
            filename=path.name if path is not None else None,
            cabinet=cabinet,
            drawer=drawer,
            folder=folder,
            reference=reference,
            dated=when,
            tags=tags or (),
            sender=sender,
        )
    row = _doc_row(doc)
    if fmt == "json":
        out.print_json(json.dumps({**row, "classified_by": doc.classified_by}))
        return
    out.print(
        safe(
            f"Filed document {doc.id} in {doc.category} ({doc.classified_by}): "
            f"{doc.location or doc.sha256}"
        )
    )


@filing_app.command("search")
def filing_search(
    query: Annotated[
        str, typer.Argument(help="Words to look for; a word ending in * is a prefix.")
    ],
    staff: StaffOption,
    db: DbOption = DEFAULT_URL,
    limit: Annotated[int, typer.Option("--limit", help="The most documents shown.")] = 20,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Search documents' titles, metadata and text, as a member of staff sees them."""
    check_format(fmt)
    with open_office(db, key) as office, office.desk(staff) as desk:
        found = desk.filing.search(query, limit=limit)
    rows = [_doc_row(d) for d in found]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    _print_docs(rows, "Documents found")
    out.print(f"{len(rows)} document(s)")


@filing_app.command("due")
def filing_due(
    db: DbOption = DEFAULT_URL,
    on: Annotated[
        str | None, typer.Option("--on", help="The day, YYYY-MM-DD; default: today.")
    ] = None,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """List the documents whose retention has ended, and those waiting for an event."""
    check_format(fmt)
    when = day(on, "--on") if on is not None else None
    from officekit.plugins.clerk.filing.documents import FILING

    with open_office(db, key) as office:
        room = office.facet(FILING)
        due = room.due(on=when)
        waiting = room.waiting()
        rules = room.settings.categories
    rows = [
        {
            **_doc_row(d.document),
            "event": d.event,
            "event_on": d.event_on.isoformat(),
            "due_on": d.due_on.isoformat(),
            "action": d.action,
            "basis": rules[d.document.category].basis if d.document.category in rules else "",
        }
        for d in due
    ]
    waits = [
        {"id": w.document.id, "category": w.document.category, "event": w.event} for w in waiting
    ]
    if fmt == "json":
        out.print_json(json.dumps({"due": rows, "waiting": waits}))
        return
    table = Table(
        "id", "category", "counted from", "due on", "then", "basis", title="Due for disposal"
    )
    for r in rows:
        table.add_row(
            safe(r["id"]),
            safe(r["category"]),
            safe(f"{r['event']} {r['event_on']}"),
            safe(r["due_on"]),
            safe(r["action"]),
            safe(r["basis"]),
        )
    out.print(table)
    out.print(f"{len(rows)} document(s) due; {len(waits)} waiting for an event's date")
    for w in waits[:20]:
        out.print(safe(f"  document {w['id']} ({w['category']}): waiting for {w['event']}"))


@filing_app.command("checkout")
def filing_checkout(
    document: Annotated[int, typer.Argument(help="The paper document's id.")],
    to: Annotated[int, typer.Option("--to", help="The id of who takes it.")],
    staff: StaffOption,
    db: DbOption = DEFAULT_URL,
    days: Annotated[
        int | None, typer.Option("--days", help="Days until due back; default: the profile's.")
    ] = None,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Check a paper file out to a member of staff."""
    check_format(fmt)
    with open_office(db, key) as office:
        with office.desk(staff) as desk:
            checkout = desk.filing.check_out(document, to, days=days)
        tz = office.profile.office.tz
    due = checkout.due_at.astimezone(tz).isoformat(timespec="minutes")
    if fmt == "json":
        out.print_json(
            json.dumps({"checkout": checkout.id, "document": document, "to": to, "due": due})
        )
        return
    out.print(safe(f"Document {document} checked out to staff {to}, due back {due}"))


@filing_app.command("return")
def filing_return(
    document: Annotated[int, typer.Argument(help="The paper document's id.")],
    staff: StaffOption,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Take back a paper file that was checked out."""
    check_format(fmt)
    with open_office(db, key) as office, office.desk(staff) as desk:
        checkout = desk.filing.return_file(document)
    late = checkout.returned_at is not None and checkout.returned_at > checkout.due_at
    if fmt == "json":
        out.print_json(json.dumps({"checkout": checkout.id, "document": document, "late": late}))
        return
    out.print(safe(f"Document {document} returned{' late' if late else ''}"))


@filing_app.command("out")
def filing_out(
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """List the paper files checked out now, overdue ones marked."""
    check_format(fmt)
    from officekit.plugins.clerk.filing.documents import FILING

    with open_office(db, key) as office:
        room = office.facet(FILING)
        now = office.clock.now()
        tz = office.profile.office.tz
        rows: list[dict[str, Any]] = [
            {
                "document": c.document_id,
                "staff_id": c.staff_id,
                "due": c.due_at.astimezone(tz).isoformat(timespec="minutes"),
                "overdue": c.overdue(now),
            }
            for c in room.checked_out()
        ]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    table = Table("document", "staff", "due back", "", title="Paper files out")
    for r in rows:
        table.add_row(
            safe(r["document"]),
            safe(r["staff_id"]),
            safe(r["due"]),
            "OVERDUE" if r["overdue"] else "",
        )
    out.print(table)
    out.print(f"{len(rows)} file(s) out, {sum(r['overdue'] for r in rows)} overdue")
