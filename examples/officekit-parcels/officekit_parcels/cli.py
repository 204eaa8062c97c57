"""``officekit parcels``: the parcel desk's commands.

Added to the command line by ``officekit_register_commands``. They use
``officekit.cli``'s helpers, so that they open offices, fail and print the way
the kernel's commands do: every piece of data goes through ``safe``, which shows
control characters and Rich markup in it as they are instead of obeying them.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from officekit.cli import DbOption, FormatOption, KeyOption, check_format, open_office, out, safe
from officekit.core.store import DEFAULT_URL
from officekit_parcels.desk import PARCELS

__all__ = ["register"]

parcels_app = typer.Typer(help="The parcel desk: parcels waiting at reception.")


def register(app: typer.Typer) -> None:
    """Add ``officekit parcels`` to ``app``."""
    app.add_typer(parcels_app, name="parcels", no_args_is_help=True)


@parcels_app.command("waiting")
def waiting(
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only those waiting longer than they should.")
    ] = False,
    fmt: FormatOption = "text",
) -> None:
    """List the parcels waiting to be handed over, oldest first."""
    check_format(fmt)
    with open_office(db, key) as office:
        room = office.facet(PARCELS)
        late = {p.id for p in room.overdue()}
        found = [p for p in room.waiting() if p.id in late or not overdue]
        names = {m.id: m.name for m in office.staff.list(include_departed=True)}
        tz = office.profile.office.tz
    rows = [
        {
            "parcel": p.id,
            "carrier": p.carrier,
            "tracking": p.tracking,
            "for": p.recipient_department or names.get(p.recipient_staff_id or 0, "?"),
            "high_value": p.high_value,
            "received": p.received_at.astimezone(tz).isoformat(timespec="minutes"),
            "overdue": p.id in late,
        }
        for p in found
    ]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    table = Table("parcel", "carrier", "tracking", "for", "received", "", title="Parcels waiting")
    for r in rows:
        flags = ("high value, " if r["high_value"] else "") + ("OVERDUE" if r["overdue"] else "")
        table.add_row(
            safe(r["parcel"]),
            safe(r["carrier"]),
            safe(r["tracking"]),
            safe(r["for"]),
            safe(r["received"]),
            flags.strip(", "),
        )
    out.print(table)
    out.print(f"{len(rows)} parcel(s) waiting, {len(late)} overdue")
