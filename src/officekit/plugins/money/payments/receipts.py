"""Receipts rendered as plain text and as HTML.

A receipt shows the office, its number and date, the lines with their tax, the
totals, the account for client trust money, and the card's brand and last four
digits: never more of the number, and never the expiry. In HTML every value is
escaped, whatever it is (a description, the office's name, a customer).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from officekit.plugins.money.payments.amounts import PricedLine, format_minor

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.money.payments.payments import Payment, Receipt, Refund
    from officekit.plugins.money.payments.settings import PaymentSettings

__all__ = ["render"]

_ACCOUNTS = {"operating": "", "client_trust": "Client trust account"}


def _rows(
    office: Office,
    receipt: Receipt,
    payment: Payment,
    lines: list[PricedLine],
    refund: Refund | None,
    original: Receipt | None,
    settings: PaymentSettings,
) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """The heading lines, the item rows and the total rows, as plain strings."""
    cur = payment.currency
    when = receipt.issued_at.astimezone(office.profile.office.tz)
    title = "Refund receipt" if receipt.kind == "refund" else "Receipt"
    head = [office.profile.office.name, f"{title} {receipt.label}", f"{when:%Y-%m-%d %H:%M}"]
    account = _ACCOUNTS.get(payment.account, payment.account)
    if account:
        head.append(account)
    if payment.customer:
        head.append(f"Customer: {payment.customer}")
    items: list[tuple[str, str]] = []
    totals: list[tuple[str, str]] = []
    if refund is not None:
        of = f" of receipt {original.label}" if original is not None else ""
        items.append((f"Refund{of}", format_minor(-refund.amount_minor, cur)))
        totals.append(("Refunded", format_minor(refund.amount_minor, cur)))
    else:
        for line in lines:
            kind = "" if line.kind == "item" else f" [{line.kind.replace('_', '-')}]"
            qty = (
                f"{line.quantity:f}".rstrip("0").rstrip(".")
                if "." in f"{line.quantity:f}"
                else f"{line.quantity:f}"
            )
            items.append(
                (
                    f"{qty} x {line.description}{kind}",
                    format_minor(
                        line.gross_minor if settings.tax_inclusive else line.net_minor, cur
                    ),
                )
            )
        if payment.tax_minor or any(line.category for line in lines):
            if not settings.tax_inclusive:
                totals.append(("Subtotal", format_minor(payment.net_minor, cur)))
            rates = sorted({line.tax_rate for line in lines if line.category is not None})
            for rate in rates:
                tax = sum(
                    line.tax_minor
                    for line in lines
                    if line.tax_rate == rate and line.category is not None
                )
                label = f"{settings.tax_name} {rate.normalize():f}%"
                if settings.tax_inclusive:
                    label += " (included)"
                totals.append((label, format_minor(tax, cur)))
        totals.append(("Total", format_minor(payment.total_minor, cur)))
    totals.append(
        (
            "Paid by" if refund is None else "Refunded to",
            f"{payment.brand.upper()} **** {payment.last4}",
        )
    )
    return head, items, totals


def render(
    fmt: str,
    office: Office,
    receipt: Receipt,
    payment: Payment,
    lines: list[PricedLine],
    refund: Refund | None,
    original: Receipt | None,
    settings: PaymentSettings,
) -> str:
    """Render a receipt as ``"text"`` or ``"html"``."""
    head, items, totals = _rows(office, receipt, payment, lines, refund, original, settings)
    if fmt == "text":
        width = max([len(a) + len(b) + 2 for a, b in items + totals] + [40])
        out = [*head, "-" * width]
        out += [f"{a}{' ' * (width - len(a) - len(b))}{b}" for a, b in items]
        out.append("-" * width)
        out += [f"{a}{' ' * (width - len(a) - len(b))}{b}" for a, b in totals]
        return "\n".join(out) + "\n"
    e = html.escape
    parts = ['<div class="receipt">']
    parts += [f"<p>{e(line)}</p>" for line in head]
    parts.append("<table>")
    parts += [f"<tr><td>{e(a)}</td><td>{e(b)}</td></tr>" for a, b in items]
    parts += [f"<tr><th>{e(a)}</th><td>{e(b)}</td></tr>" for a, b in totals]
    parts.append("</table></div>")
    return "\n".join(parts) + "\n"
