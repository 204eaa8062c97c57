"""The payroll commands: ``officekit payroll receive|pickup|hand-over|outstanding``.

Added to the command line by the money plugin's ``officekit_register_commands``.
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
    from officekit.plugins.money.payroll.cheques import Cheque

__all__ = ["payroll_app", "register"]

payroll_app = typer.Typer(
    help="Payroll cheques: receive a batch, pick it up, hand cheques over, list overdue ones.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``officekit payroll`` to ``app``."""
    app.add_typer(payroll_app, name="payroll")


def _cheque_row(cheque: Cheque, office: Office) -> dict[str, Any]:
    tz = office.profile.office.tz
    return {
        "cheque": cheque.id,
        "number": cheque.cheque_number,
        "batch": cheque.batch_id,
        "staff_id": cheque.staff_id,
        "pay_date": cheque.pay_date.isoformat(),
        "net_amount": None if cheque.net_amount is None else str(cheque.net_amount),
        "state": cheque.state,
        "due": cheque.due_at.astimezone(tz).isoformat(timespec="minutes"),
    }


@payroll_app.command("receive")
def payroll_receive(
    manifest: Annotated[str, typer.Argument(help="The manifest file (CSV, or a provider's).")],
    who: AsOption,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Record a batch of cheques from its manifest."""
    check_format(fmt)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            batch = desk.payroll.receive(manifest)
    if fmt == "json":
        out.print_json(json.dumps({"batch": batch.id, "cheques": batch.cheques}))
        return
    out.print(safe(f"batch {batch.id}: {batch.cheques} cheque(s) received from {batch.source}"))


@payroll_app.command("pickup")
def payroll_pickup(
    batch: Annotated[int, typer.Argument(help="The batch's id.", min=1)],
    who: AsOption,
    counted: Annotated[
        list[str] | None,
        typer.Option("--counted", help="A cheque number found in the batch (repeat it)."),
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Pick a batch up, counted against its manifest; list the exceptions."""
    check_format(fmt)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            found = desk.payroll.pickup(batch, counted=list(counted or []))
    rows = [{"cheque_number": e.cheque_number, "kind": e.kind} for e in found]
    if fmt == "json":
        out.print_json(json.dumps({"batch": batch, "exceptions": rows}))
        return
    if not rows:
        out.print(f"batch {batch} picked up: it matches its manifest")
        return
    out.print(f"batch {batch} picked up with {len(rows)} exception(s) for the payroll company:")
    for row in rows:
        out.print(safe(f"  {row['kind']}: cheque {row['cheque_number']}"))


@payroll_app.command("hand-over")
def payroll_hand_over(
    cheque: Annotated[int, typer.Argument(help="The cheque's id.", min=1)],
    who: AsOption,
    to: Annotated[str, typer.Option("--to", help="The employee: their id, or their exact name.")],
    ack: Annotated[
        str | None,
        typer.Option("--ack", help="The employee's acknowledgement text or signature reference."),
    ] = None,
    in_person: Annotated[
        bool, typer.Option("--in-person", help="The employee acknowledged receipt in person.")
    ] = False,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
) -> None:
    """Hand a cheque to its employee, who acknowledges receipt."""
    if (ack is None) == (not in_person):
        fail("give --ack TEXT or --in-person: the employee must acknowledge receipt", 2)
    with open_office(db, key) as office:
        member = staff_member(office, who)
        employee = staff_member(office, to, "--to")
        with office.desk(member) as desk:
            done = desk.payroll.hand_over(
                cheque, to=employee, acknowledged=True if in_person else str(ack)
            )
    out.print(safe(f"cheque {done.id} ({done.cheque_number}) handed to {employee.name}"))


@payroll_app.command("outstanding")
def payroll_outstanding(
    who: Annotated[
        str | None,
        typer.Option("--as", help="Who looks: net amounts only for the designated role."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Judge at this time (ISO; naive = office time). Default: now."),
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """List the overdue cheques: not handed over nor returned after their due time."""
    from officekit.plugins.money.payroll.cheques import PAYROLL_OFFICE

    check_format(fmt)
    with open_office(db, key) as office:
        viewer = None if who is None else staff_member(office, who)
        when = moment(at, office.profile.office.tz, "--at")
        cheques = office.facet(PAYROLL_OFFICE).outstanding(when, viewer=viewer)
        names = {m.id: m.name for m in office.staff.list(include_departed=True)}
        rows = [_cheque_row(c, office) for c in cheques]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    table = Table("cheque", "number", "employee", "state", "due", "net", title="Overdue cheques")
    for row in rows:
        table.add_row(
            safe(row["cheque"]),
            safe(row["number"]),
            safe(names.get(row["staff_id"], f"staff {row['staff_id']}")),
            safe(row["state"]),
            safe(row["due"]),
            "-" if row["net_amount"] is None else safe(row["net_amount"]),
        )
    out.print(table)
    out.print(f"{len(rows)} overdue cheque(s)")
