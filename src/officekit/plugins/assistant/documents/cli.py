"""The documents commands: ``officekit documents render`` and ``officekit documents queue ...``.

Added to the command line by the assistant plugin's ``officekit_register_commands``.
The desk's modules (and the store under them) are imported by the commands that
use them, so that ``officekit --help`` does not load SQLAlchemy.
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
    moment,
    open_office,
    out,
    safe,
    staff_member,
)

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.assistant.documents.queue import QueueItem

__all__ = ["documents_app", "queue_app", "register"]

documents_app = typer.Typer(
    help="Documents: render one from the office's templates; the queue of incoming documents.",
    no_args_is_help=True,
)
queue_app = typer.Typer(
    help="The queue of incoming documents: list it, receive, review, file, forward, return.",
    no_args_is_help=True,
)
documents_app.add_typer(queue_app, name="queue")

ItemArgument = Annotated[int, typer.Argument(help="The queue item's id.", min=1)]


def register(app: typer.Typer) -> None:
    """Add ``officekit documents`` to ``app``."""
    app.add_typer(documents_app, name="documents")


def _fields(pairs: list[str]) -> dict[str, Any]:
    """``["a.b=1", "c=2"]`` as ``{"a": {"b": "1"}, "c": "2"}``."""
    fields: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        parts = key.strip().split(".")
        if not sep or not all(p.isidentifier() for p in parts):
            fail(
                f"--field must be NAME=VALUE (NAME may be dotted: appointment.time), got {pair!r}",
                2,
            )
        target = fields
        for part in parts[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                fail(f"--field {key!r}: {part!r} is given a value and fields too", 2)
            target = nested
        if isinstance(target.get(parts[-1]), dict):
            fail(f"--field {key!r}: it is given fields and a value too", 2)
        target[parts[-1]] = value
    return fields


def _row(item: QueueItem, office: Office) -> dict[str, Any]:
    tz = office.profile.office.tz
    return {
        "item": item.id,
        "kind": item.kind,
        "state": item.state,
        "sender_ref": item.sender_ref,
        "received": item.received_at.astimezone(tz).isoformat(timespec="minutes"),
        "due": item.due_at.astimezone(tz).isoformat(timespec="minutes"),
        "forwarded_to": item.forwarded_to,
        "filing_document_id": item.filing_document_id,
    }


def _short(iso: str) -> str:
    """``2026-01-07T14:43+00:00`` as ``2026-01-07 14:43`` (office time), for a table."""
    return iso[:16].replace("T", " ")


def _done(item: QueueItem, fmt: str, office: Office) -> None:
    if fmt == "json":
        out.print_json(json.dumps(_row(item, office)))
        return
    out.print(safe(f"incoming document {item.id} ({item.kind}): {item.state}"))


@documents_app.command("render")
def documents_render(
    name: Annotated[str, typer.Argument(help="The template's name, such as 'letter'.")],
    who: AsOption,
    record: Annotated[
        int | None, typer.Option("--record", help="A record whose values fill record.*.", min=1)
    ] = None,
    appointment: Annotated[
        str | None,
        typer.Option(
            "--appointment",
            help="An appointment's uid: its fields (date, time, provider, location...) are "
            "top-level fields, as the schedule gives them.",
        ),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", help="A field as NAME=VALUE (NAME may be dotted); repeat it."),
    ] = None,
    html: Annotated[bool, typer.Option("--html", help="Use the HTML template.")] = False,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Produce a document from a template, its fields from a record, an appointment, options."""
    check_format(fmt)
    fields = _fields(list(field or []))
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            document = desk.documents.render(
                name,
                record=record,
                appointment=appointment,
                fields=fields,
                format="html" if html else "text",
            )
    if fmt == "json":
        out.print_json(
            json.dumps({"name": document.name, "format": document.format, "text": document.text})
        )
        return
    out.print(safe(document.text.rstrip("\n"), multiline=True), soft_wrap=True)


@queue_app.command("list")
def queue_list(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only the items still open after their due time.")
    ] = False,
    state: Annotated[
        str | None,
        typer.Option("--state", help="Only the items in this state, or 'all'; default: open ones."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Judge overdue at this time (ISO; naive = office time)."),
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """List the queue of incoming documents (open ones, soonest due first), or the overdue."""
    from officekit.plugins.assistant.documents.queue import DOCUMENTS_OFFICE

    check_format(fmt)
    if overdue and state is not None:
        fail("give --overdue or --state, not both", 2)
    with open_office(db, key) as office:
        room = office.facet(DOCUMENTS_OFFICE)
        if overdue:
            items = room.overdue(moment(at, office.profile.office.tz, "--at"))
        else:
            items = room.queue(state=state)
        rows = [_row(i, office) for i in items]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    title = "Overdue incoming documents" if overdue else "Incoming documents"
    table = Table("item", "kind", "state", "received", "due", "sender ref", title=title)
    for row in rows:
        table.add_row(
            safe(row["item"]), safe(row["kind"]), safe(row["state"]), safe(_short(row["received"])),
            safe(_short(row["due"])), "-" if row["sender_ref"] is None else safe(row["sender_ref"]),
        )  # fmt: skip
    out.print(table)
    out.print(f"{len(rows)} item(s)")


@queue_app.command("receive")
def queue_receive(
    kind: Annotated[
        str, typer.Argument(help="The document's kind (the profile's [documents.kinds]).")
    ],
    who: AsOption,
    sender_ref: Annotated[
        str | None, typer.Option("--sender-ref", help="The sender's reference on it (no names).")
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Log an incoming document into the queue."""
    check_format(fmt)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            item = desk.documents.receive(kind, sender_ref=sender_ref)
        _done(item, fmt, office)


@queue_app.command("review")
def queue_review(
    item: ItemArgument,
    who: AsOption,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Review a received document."""
    check_format(fmt)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            done = desk.documents.review(item)
        _done(done, fmt, office)


@queue_app.command("file")
def queue_file(
    item: ItemArgument,
    who: AsOption,
    title: Annotated[
        str | None, typer.Option("--title", help="The filed document's title.")
    ] = None,
    cabinet: Annotated[
        str | None, typer.Option("--cabinet", help="The paper document's cabinet.")
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """File a reviewed document (with the filing desk, where the office has it)."""
    check_format(fmt)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            done = desk.documents.file(item, title=title, cabinet=cabinet)
        _done(done, fmt, office)


@queue_app.command("forward")
def queue_forward(
    item: ItemArgument,
    who: AsOption,
    to: Annotated[str, typer.Option("--to", help="The department to forward it to.")],
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Forward a reviewed document to a department."""
    check_format(fmt)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            done = desk.documents.forward(item, to=to)
        _done(done, fmt, office)


@queue_app.command("return")
def queue_return(
    item: ItemArgument,
    who: AsOption,
    reason: Annotated[
        str,
        typer.Option("--reason", help="wrong_recipient, incomplete, not_accepted or other."),
    ] = "wrong_recipient",
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Return a reviewed document to its sender."""
    check_format(fmt)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            done = desk.documents.return_item(item, reason=reason)
        _done(done, fmt, office)
