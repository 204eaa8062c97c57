"""``officekit payments``: charge, capture, refund, void, receipt, cash-up.

Added by the money plugin's ``officekit_register_commands``. The desk's modules
(and the store under them) are imported by the commands that use them, so that
``officekit --help`` does not load SQLAlchemy. The card number is asked for at a
hidden prompt unless ``--card`` gives it (a test card; a real number on a
command line would be left in the shell's history); when standard input is not a
terminal, it is read from there instead, a line each for the number and the CVC.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from officekit.cli import (
    DEFAULT_URL,
    AsOption,
    DbOption,
    FormatOption,
    KeyOption,
    check_format,
    day,
    day_period,
    fail,
    open_office,
    out,
    safe,
    staff_member,
)

if TYPE_CHECKING:
    from officekit.core.office import Office

__all__ = ["register"]

payments_app = typer.Typer(
    help="Take card payments, refund them, print receipts, cash up.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add ``officekit payments`` to ``app``."""
    app.add_typer(payments_app, name="payments")


def _open(db: str, office_key: str | None) -> Office:
    """Open the office, its test gateway keeping a journal (each command is its own process)."""
    office = open_office(db, office_key)
    office.payments.keep_test_gateway_in_store()
    return office


def _print_payment(payment: Any, fmt: str) -> None:
    from officekit.core.convert import converter
    from officekit.plugins.money.payments.amounts import format_minor

    if fmt == "json":
        out.print_json(json.dumps(converter.unstructure(payment), default=str))
        return
    out.print(
        safe(
            f"payment {payment.id}: {payment.status}, "
            f"{format_minor(payment.total_minor, payment.currency)} "
            f"({payment.brand} ending {payment.last4}, {payment.account})"
            + (f"; declined: {payment.decline_code}" if payment.decline_code else "")
        )
    )


def _line(text: str) -> Any:
    from officekit.plugins.money.payments.amounts import Line

    parts = text.split(";")
    if not 2 <= len(parts) <= 5:
        fail(
            "--item must be DESCRIPTION;QUANTITY;UNIT_PRICE[;CATEGORY[;KIND]] or "
            f"DESCRIPTION;PRICE, got {text!r}",
            2,
        )
    if len(parts) == 2:
        parts = [parts[0], "1", parts[1]]
    description, quantity, price, *rest = parts
    category = rest[0] or None if rest else None
    kind = rest[1] if len(rest) > 1 else "item"
    return Line(description, quantity.strip(), price.strip(), category, kind)  # type: ignore[arg-type]


def _secret(label: str, what: str, option: str) -> str:
    """Ask for ``what`` at a hidden prompt or, if standard input is no terminal, read a line.

    Piped, no prompt is shown and nothing is read from the terminal (``getpass``
    would): a missing or blank line is a usage error naming ``option``.
    """
    if sys.stdin is not None and sys.stdin.isatty():
        return str(typer.prompt(label, hide_input=True))
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line.strip():
        got = "a blank line" if line else "nothing (end of input)"
        fail(
            f"no {what} given: standard input is not a terminal and "
            f"gave {got}; pipe it as one line, or give {option}",
            2,
        )
    return line.strip()


@payments_app.command("charge")
def charge(
    item: Annotated[
        list[str],
        typer.Option(
            "--item", help="A line: DESCRIPTION;QUANTITY;UNIT_PRICE[;CATEGORY[;KIND]]; repeat it."
        ),
    ],
    key: Annotated[
        str, typer.Option("--key", help="The idempotency key: the same key never charges twice.")
    ],
    who: AsOption,
    exp: Annotated[str, typer.Option("--exp", help="The card's expiry, MM/YYYY.")],
    card: Annotated[
        str | None,
        typer.Option(
            "--card",
            help="The card number (default: asked at a hidden prompt, or a line of standard "
            "input when it is not a terminal).",
        ),
    ] = None,
    cvc: Annotated[
        str | None,
        typer.Option(
            "--cvc",
            help="The card's CVC (default: asked at a hidden prompt, or the next line of "
            "standard input when it is not a terminal).",
        ),
    ] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Who pays.")] = None,
    account: Annotated[
        str, typer.Option("--account", help="operating or client_trust.")
    ] = "operating",
    no_capture: Annotated[
        bool, typer.Option("--authorise-only", help="Authorise only; capture or void later.")
    ] = False,
    db: DbOption = DEFAULT_URL,
    office_key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Charge a card for some lines (payments.charge); prints the payment and its receipt."""
    from officekit.plugins.money.payments.amounts import Card

    check_format(fmt)
    try:
        month_text, year_text = exp.split("/")
        month, year = int(month_text), int(year_text)
    except ValueError:
        fail(f"--exp must be MM/YYYY, got {exp!r}", 2)
    lines = [_line(text) for text in item]
    number = card if card is not None else _secret("Card number", "card number", "--card")
    code = cvc if cvc is not None else _secret("CVC", "CVC", "--cvc")
    with _open(db, office_key) as office, office.desk(staff_member(office, who)) as desk:
        payment = desk.payments.charge(
            lines,
            card=Card(number, month, year, code),
            idempotency_key=key,
            customer=customer,
            capture=not no_capture,
            account=account,
        )
        _print_payment(payment, fmt)
        if fmt == "text" and payment.status == "captured":
            out.print(
                safe(office.payments.render(office.payments.receipts(payment)[0]), multiline=True)
            )
    if payment.status == "declined":
        raise typer.Exit(1)


@payments_app.command("capture")
def capture(
    payment: Annotated[int, typer.Argument(help="The payment's id.")],
    who: AsOption,
    db: DbOption = DEFAULT_URL,
    office_key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Capture an authorised payment (payments.capture)."""
    check_format(fmt)
    with _open(db, office_key) as office, office.desk(staff_member(office, who)) as desk:
        _print_payment(desk.payments.capture(payment), fmt)


@payments_app.command("void")
def void(
    payment: Annotated[int, typer.Argument(help="The payment's id.")],
    who: AsOption,
    mistake: Annotated[
        bool, typer.Option("--mistake", help="Taken by mistake (counts against who took it).")
    ] = False,
    db: DbOption = DEFAULT_URL,
    office_key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Void an authorised payment before capture (payments.void)."""
    check_format(fmt)
    with _open(db, office_key) as office, office.desk(staff_member(office, who)) as desk:
        _print_payment(desk.payments.void(payment, mistake=mistake), fmt)


@payments_app.command("refund")
def refund(
    payment: Annotated[int, typer.Argument(help="The payment's id.")],
    key: Annotated[
        str, typer.Option("--key", help="The idempotency key: the same key never refunds twice.")
    ],
    who: AsOption,
    amount: Annotated[
        str | None,
        typer.Option("--amount", help="How much, e.g. 12.50 (default: all that is left)."),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why.")] = None,
    mistake: Annotated[
        bool, typer.Option("--mistake", help="Taken by mistake (counts against who took it).")
    ] = False,
    db: DbOption = DEFAULT_URL,
    office_key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Refund a captured payment to the card that paid (payments.refund)."""
    from officekit.core.convert import converter
    from officekit.plugins.money.payments.amounts import format_minor

    check_format(fmt)
    with _open(db, office_key) as office, office.desk(staff_member(office, who)) as desk:
        done = desk.payments.refund(
            payment, amount, idempotency_key=key, reason=reason, mistake=mistake
        )
        if fmt == "json":
            out.print_json(json.dumps(converter.unstructure(done), default=str))
            return
        currency = office.payments.get(payment).currency
        out.print(
            safe(
                f"refund {done.id} of payment {payment}: {done.status}, "
                f"{format_minor(done.amount_minor, currency)}"
            )
        )
    if done.status != "refunded":
        raise typer.Exit(1)


@payments_app.command("receipt")
def receipt(
    number: Annotated[str, typer.Argument(help="The receipt's label (2026-000042) or id.")],
    html: Annotated[
        bool, typer.Option("--html", help="Print it as HTML instead of plain text.")
    ] = False,
    db: DbOption = DEFAULT_URL,
    office_key: KeyOption = None,
) -> None:
    """Print a receipt (records nothing)."""
    with _open(db, office_key) as office:
        ref: int | str = int(number) if number.isdigit() else number
        text = office.payments.render(ref, "html" if html else "text")
    out.print(safe(text, multiline=True), end="")


@payments_app.command("cashup")
def cashup(
    when: Annotated[
        str | None, typer.Argument(help="The day, YYYY-MM-DD (default: today, office time).")
    ] = None,
    who: AsOption = "",
    db: DbOption = DEFAULT_URL,
    office_key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Close a day: its payments and refunds against the gateway's settlement (payments.cashup)."""
    from officekit.core.convert import converter
    from officekit.plugins.money.payments.amounts import format_minor

    check_format(fmt)
    if not who:
        fail("--as is needed: who closes the day", 2)
    with _open(db, office_key) as office, office.desk(staff_member(office, who)) as desk:
        tz = office.profile.office.tz
        the_day = day(when, "DAY") if when else office.clock.now().astimezone(tz).date()
        day_period(the_day, tz, "DAY", when or the_day.isoformat())
        result = desk.payments.cashup(the_day)
    if fmt == "json":
        out.print_json(json.dumps(converter.unstructure(result), default=str))
        return
    cur = result.currency
    out.print(safe(f"Cash-up {result.day}"))
    for row in result.rows:
        out.print(
            safe(
                f"  {row.account:<13}{row.method:<11}{row.payments:>4} taken "
                f"{format_minor(row.taken_minor, cur):>16}"
                f"{row.refunds:>4} refunded {format_minor(row.refunded_minor, cur):>16}"
            )
        )
    for account, net in result.by_account.items():
        out.print(safe(f"  net {account}: {format_minor(net, cur)}"))
    out.print(
        safe(
            f"  net {format_minor(result.net_minor, cur)}, "
            f"settled by the gateway {format_minor(result.settled_minor, cur)}"
        )
    )
    if result.balanced:
        out.print(safe("  balanced"))
    else:
        out.print(safe(f"  DIFFERENCE {format_minor(result.difference_minor, cur)}"))
        for m in result.mismatches:
            out.print(
                safe(
                    f"    {m.kind} {m.reference}: ours {format_minor(m.ours_minor, cur)}, "
                    f"gateway {format_minor(m.gateway_minor, cur)}"
                )
            )
        raise typer.Exit(1)
