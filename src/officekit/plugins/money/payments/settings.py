"""The ``[payments]`` profile section: the gateway, taxes, rounding, accounts, line kinds.

Read as strictly as the kernel's tables; checked against the rest of the profile
(a default category that has a rate, known accounts).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from officekit.core.extensions import ProfileSection, SectionContext

__all__ = [
    "ACCOUNTS",
    "PAYMENTS",
    "ROUNDINGS",
    "PaymentSettings",
]

ACCOUNTS = ("operating", "client_trust")
"""The accounts a payment can be taken into: the office's own, or money held for clients."""

ROUNDINGS = {"half_up": "ROUND_HALF_UP", "half_even": "ROUND_HALF_EVEN"}
"""The rounding modes a profile may choose, and the ``decimal`` module's names for them."""

MAX_RATE = Decimal(100)


@attrs.frozen
class PaymentSettings:
    """How an office takes card payments.

    Attributes:
        gateway: The gateway used when no plugin answers ``officekit_payment_gateway``:
            ``"test"`` is the shipped test gateway (a processor's test mode).
        tax_name: What the receipt calls the tax (``"VAT"``, ``"Sales tax"``, ``"GST"``).
        tax_inclusive: Unit prices include the tax (VAT, GST) rather than having it
            added (US sales tax).
        tax_rates: Percentage rates by item category, as decimal strings (``"20"``);
            empty: the office charges no tax.
        default_category: The category of a line that names none (must be a key of
            ``tax_rates`` when there are rates).
        rounding: ``"half_up"`` (the default) or ``"half_even"``: how each line's
            amount and tax are rounded to the currency's minor unit.
        line_kinds: The kinds of line the office charges for (``"item"``,
            ``"service"``, ``"co_payment"``...).
        accounts: The accounts payments may be taken into: ``"operating"``, and
            ``"client_trust"`` for money held for clients (legal), kept apart.
    """

    gateway: str = "test"
    tax_name: str = "Tax"
    tax_inclusive: bool = False
    tax_rates: dict[str, Decimal] = attrs.field(factory=dict)
    default_category: str = "standard"
    rounding: str = "half_up"
    line_kinds: tuple[str, ...] = ("item", "service")
    accounts: tuple[str, ...] = ("operating",)

    @property
    def rounding_mode(self) -> str:
        """The ``decimal`` rounding constant's name (``"ROUND_HALF_UP"``)."""
        return ROUNDINGS[self.rounding]


def _check(settings: PaymentSettings, ctx: SectionContext) -> PaymentSettings:
    if not settings.gateway.strip():
        ctx.problem(["gateway"], "a gateway's name cannot be blank")
    if settings.rounding not in ROUNDINGS:
        ctx.problem(
            ["rounding"], f"expected one of {', '.join(ROUNDINGS)}, got {settings.rounding!r}"
        )
    for category, rate in settings.tax_rates.items():
        if not category.strip():
            ctx.problem(["tax_rates"], "a category's name cannot be blank")
        if not Decimal(0) <= rate <= MAX_RATE:
            ctx.problem(["tax_rates", category], f"expected a percentage from 0 to 100, got {rate}")
    if settings.tax_rates and settings.default_category not in settings.tax_rates:
        ctx.problem(
            ["default_category"],
            f"no tax rate for category {settings.default_category!r} "
            f"(known: {', '.join(settings.tax_rates)})",
        )
    if not settings.line_kinds or any(not k.strip() for k in settings.line_kinds):
        ctx.problem(["line_kinds"], "name at least one kind of line, none blank")
    if not settings.accounts:
        ctx.problem(["accounts"], "name at least one account")
    for i, account in enumerate(settings.accounts):
        if account not in ACCOUNTS:
            ctx.problem(
                [f"accounts[{i}]"], f"expected one of {', '.join(ACCOUNTS)}, got {account!r}"
            )
    return settings


def _default() -> PaymentSettings:
    return PaymentSettings()


PAYMENTS: ProfileSection[PaymentSettings] = ProfileSection(
    "payments",
    PaymentSettings,
    _default,
    _check,
    "Card payments: the gateway, taxes by category, rounding, line kinds and accounts.",
)
"""The ``[payments]`` section, typed: ``profile.section(PAYMENTS)``."""

SECTIONS: tuple[ProfileSection[Any], ...] = (PAYMENTS,)
