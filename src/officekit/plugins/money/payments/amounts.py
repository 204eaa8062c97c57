"""Money as ``Decimal`` and integer minor units: currencies, cards, lines, taxes, totals.

Every amount the desk stores or records is an integer number of the currency's
minor unit (ISO 4217: 2 for GBP, 0 for JPY, 3 for KWD). A line's amount and its
tax are computed in ``Decimal`` from the quantity and unit price, then rounded
once each, per line, to the minor unit, with the profile's rounding
(``[payments] rounding``: ``half_up`` by default, or ``half_even``). The totals
are the sums of the rounded lines, so a receipt always adds up.

* Tax **exclusive** (US sales tax): ``net = round(quantity * unit_price)``,
  ``tax = round(net * rate / 100)``, ``gross = net + tax``.
* Tax **inclusive** (VAT, GST): ``gross = round(quantity * unit_price)``,
  ``tax = round(gross * rate / (100 + rate))``, ``net = gross - tax``.

Card numbers are checked here, before any gateway is called (the Luhn check
digit with ``stdnum.luhn``, the expiry, the CVC's form), and never leave this
module except to the gateway: a [`Card`][officekit.plugins.money.payments.amounts.Card]'s
``repr`` shows its brand and last four digits only, and no error message quotes
the number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
import pycountry
from stdnum import luhn

from officekit.core.validate import text_problem
from officekit.errors import Problem, ValidationError

__all__ = [
    "MAX_LINES",
    "MAX_TOTAL_MINOR",
    "Card",
    "Line",
    "PricedLine",
    "Totals",
    "card_brand",
    "check_currency",
    "format_minor",
    "minor_units",
    "price_lines",
]

MAX_LINES = 100
"""The most lines one payment has."""
MAX_TOTAL_MINOR = 10**11
"""The largest total of one payment, in minor units (a billion pounds, dollars or euros)."""
MAX_QUANTITY = Decimal(1_000_000)
MAX_DESCRIPTION = 200

# ISO 4217 minor units that are not 2; codes without a minor unit (funds, metals,
# the test code XTS) cannot be charged.
_MINOR_UNITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
_NO_MINOR_UNIT = frozenset(
    [
        "XAG",
        "XAU",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XDR",
        "XPD",
        "XPT",
        "XSU",
        "XTS",
        "XUA",
        "XXX",
        "BOV",
        "CHE",
        "CHW",
        "COU",
        "MXV",
        "USN",
    ]
)


def minor_units(currency: str) -> int:
    """The number of decimal places of ``currency``'s minor unit (ISO 4217)."""
    return _MINOR_UNITS.get(currency, 2)


def check_currency(value: object, where: str = "currency") -> str:
    """Return ``value`` if it is an ISO 4217 code of money that can be charged, else raise."""
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValidationError(
            f"expected an ISO 4217 currency code such as 'GBP', got {value!r:.40}", where=where
        )
    if pycountry.currencies.get(alpha_3=value) is None:
        raise ValidationError(f"not an ISO 4217 currency code: {value!r}", where=where)
    if value in _NO_MINOR_UNIT:
        raise ValidationError(f"{value} is not money a card is charged in", where=where)
    return value


def format_minor(amount_minor: int, currency: str) -> str:
    """``1250, "GBP"`` -> ``"GBP 12.50"``: an amount in minor units, as the receipt shows it."""
    places = minor_units(currency)
    major = Decimal(amount_minor).scaleb(-places)
    return f"{currency} {major:,.{places}f}"


def to_minor(value: Decimal, currency: str, rounding: str) -> int:
    """Round a ``Decimal`` amount of ``currency`` to a whole number of its minor unit."""
    places = minor_units(currency)
    return int(value.scaleb(places).quantize(Decimal(1), rounding=rounding))


# -- cards -----------------------------------------------------------------------------------

_BRANDS = (
    ("amex", ("34", "37")),
    ("mastercard", tuple(str(n) for n in range(51, 56)) + tuple(str(n) for n in range(2221, 2721))),
    ("discover", ("6011", "65", "644", "645", "646", "647", "648", "649")),
    ("visa", ("4",)),
)


def card_brand(digits: str) -> str:
    """The card's brand from its number's first digits: ``visa``, ``mastercard``, ``amex``..."""
    for brand, prefixes in _BRANDS:
        if digits.startswith(prefixes):
            return brand
    return "card"


@attrs.frozen(repr=False)
class Card:
    """A card presented at the desk: passed to the gateway, never stored or recorded.

    Its ``repr`` (and ``str``) shows the brand and last four digits only.

    Attributes:
        number: The card number (spaces and hyphens allowed).
        exp_month: The expiry month, 1 to 12.
        exp_year: The expiry year, four digits.
        cvc: The three or four digits on the card.
    """

    number: str = attrs.field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = attrs.field(repr=False)

    @property
    def digits(self) -> str:
        """The number without spaces or hyphens."""
        return self.number.replace(" ", "").replace("-", "") if isinstance(self.number, str) else ""

    @property
    def last4(self) -> str:
        """The last four digits: all a receipt, a row or a log may show."""
        return self.digits[-4:]

    @property
    def brand(self) -> str:
        """The card's brand (``visa``...)."""
        return card_brand(self.digits)

    def __repr__(self) -> str:
        return f"Card({self.brand} ending {self.last4})"

    __str__ = __repr__


def card_problems(card: object, today: dt.date) -> list[Problem]:
    """What is wrong with ``card`` (a [`Card`][officekit.plugins.money.payments.amounts.Card]).

    Never quotes the number or the CVC.
    """
    if not isinstance(card, Card):
        return [Problem("card", f"expected a Card, got {type(card).__name__}")]
    problems: list[Problem] = []
    digits = card.digits
    if not isinstance(card.number, str) or not digits.isascii() or not digits.isdigit():
        problems.append(Problem("card.number", "a card number is 12 to 19 digits"))
    elif not 12 <= len(digits) <= 19:
        problems.append(
            Problem("card.number", f"a card number is 12 to 19 digits, got {len(digits)}")
        )
    elif not luhn.is_valid(digits):
        problems.append(
            Problem("card.number", "not a valid card number (its check digit is wrong)")
        )
    month, year = card.exp_month, card.exp_year
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        problems.append(Problem("card.exp_month", "expected a month from 1 to 12"))
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2099:
        problems.append(Problem("card.exp_year", "expected a four-digit year"))
    elif (not problems or problems[-1].where != "card.exp_month") and (year, month) < (
        today.year,
        today.month,
    ):
        problems.append(Problem("card.exp_year", "the card has expired"))
    cvc = card.cvc
    if not isinstance(cvc, str) or not cvc.isascii() or not cvc.isdigit() or len(cvc) not in (3, 4):
        problems.append(Problem("card.cvc", "a CVC is 3 or 4 digits"))
    return problems


# -- lines -----------------------------------------------------------------------------------


@attrs.frozen
class Line:
    """One line of a charge, as the caller gives it.

    Attributes:
        description: What is charged for, 1 to 200 characters.
        quantity: How many: a positive integer or ``Decimal`` (at most 1,000,000).
        unit_price: The price of one, in the currency's major unit: a ``Decimal``,
            an integer or a decimal string (``"12.50"``); never a float.
        category: The tax category (a key of ``[payments] tax_rates``); None: the
            profile's ``default_category``.
        kind: The kind of line (``[payments] line_kinds``: ``item``, ``service``,
            ``co_payment``...).
    """

    description: str
    quantity: int | Decimal = 1
    unit_price: Decimal | int | str = Decimal(0)
    category: str | None = None
    kind: str = "item"


@attrs.frozen
class PricedLine:
    """A line as charged: its amounts in minor units, rounded.

    Attributes:
        position: Its place on the payment, from 1.
        kind: The kind of line.
        description: What was charged for.
        category: The tax category applied (None: no tax).
        quantity: How many.
        unit_price: The price of one, as given.
        tax_rate: The rate applied, in percent.
        net_minor: The amount before tax.
        tax_minor: The tax.
        gross_minor: The amount with tax.
    """

    position: int
    kind: str
    description: str
    category: str | None
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net_minor: int
    tax_minor: int
    gross_minor: int


@attrs.frozen
class Totals:
    """A charge's totals, in minor units of ``currency``.

    Attributes:
        currency: The currency.
        net_minor: The lines' net amounts.
        tax_minor: The lines' taxes.
        total_minor: What the card is charged.
        lines: The priced lines.
    """

    currency: str
    net_minor: int
    tax_minor: int
    total_minor: int
    lines: tuple[PricedLine, ...]


def _decimal(value: object, where: str, what: str, problems: list[Problem]) -> Decimal | None:
    if isinstance(value, bool | float):
        problems.append(
            Problem(
                where,
                f"{what} is an integer, a Decimal or a decimal string, not {type(value).__name__}",
            )
        )
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str) and len(value) <= 40:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            problems.append(Problem(where, f"{what} is not a decimal number: {value!r}"))
            return None
    else:
        problems.append(
            Problem(
                where, f"expected {what} as a Decimal, an integer or a string, got {value!r:.40}"
            )
        )
        return None
    if not number.is_finite():
        problems.append(Problem(where, f"{what} must be a finite number, got {number}"))
        return None
    return number


def _line_of(value: object) -> Line | None:
    if isinstance(value, Line):
        return value
    if isinstance(value, Mapping):
        try:
            return Line(**dict(value))
        except TypeError:
            return None
    return None


def price_lines(
    lines: object,
    *,
    currency: str,
    rates: Mapping[str, Decimal],
    default_category: str,
    inclusive: bool,
    rounding: str,
    kinds: Sequence[str],
    taxed: bool = True,
) -> Totals:
    """Check and price a charge's lines; raise one ValidationError naming every bad value.

    Args:
        lines: A sequence of [`Line`][officekit.plugins.money.payments.amounts.Line]
            objects or mappings with the same keys.
        currency: The currency charged.
        rates: Tax rates by category, in percent (empty: no tax).
        default_category: The category of a line that names none.
        inclusive: Unit prices include the tax.
        rounding: The ``decimal`` rounding mode (``"ROUND_HALF_UP"``).
        kinds: The kinds of line allowed.
        taxed: False for money that bears no tax (a client trust deposit).
    """
    problems: list[Problem] = []
    if isinstance(lines, str | bytes) or not isinstance(lines, Sequence):
        raise ValidationError(
            f"expected a list of lines, got {type(lines).__name__}", where="lines"
        )
    if not 1 <= len(lines) <= MAX_LINES:
        raise ValidationError(
            f"a charge has 1 to {MAX_LINES} lines, got {len(lines)}", where="lines"
        )
    priced: list[PricedLine] = []
    for i, raw in enumerate(lines):
        at = f"lines[{i}]"
        line = _line_of(raw)
        if line is None:
            problems.append(
                Problem(
                    at,
                    "expected a Line or a mapping of description, quantity, unit_price, "
                    "category, kind",
                )
            )
            continue
        bad = len(problems)
        description = line.description
        if not isinstance(description, str) or not description.strip():
            problems.append(Problem(f"{at}.description", "a line needs a description"))
        else:
            wrong = text_problem(description, "a description", MAX_DESCRIPTION)
            if wrong is not None:
                problems.append(Problem(f"{at}.description", wrong))
        quantity = _decimal(line.quantity, f"{at}.quantity", "the quantity", problems)
        if quantity is not None and not Decimal(0) < quantity <= MAX_QUANTITY:
            problems.append(
                Problem(
                    f"{at}.quantity",
                    f"expected a quantity above 0 and at most {MAX_QUANTITY}, got {quantity}",
                )
            )
        price = _decimal(line.unit_price, f"{at}.unit_price", "the unit price", problems)
        if price is not None and not Decimal(0) <= price <= Decimal(MAX_TOTAL_MINOR):
            problems.append(
                Problem(
                    f"{at}.unit_price", f"a unit price is from 0 to {MAX_TOTAL_MINOR}, got {price}"
                )
            )
        if line.kind not in kinds:
            problems.append(
                Problem(
                    f"{at}.kind", f"no kind of line {line.kind!r:.40} (known: {', '.join(kinds)})"
                )
            )
        category = line.category
        if category is not None and not isinstance(category, str):
            problems.append(
                Problem(f"{at}.category", f"expected a category name, got {category!r:.40}")
            )
        elif rates and (category or default_category) not in rates:
            problems.append(
                Problem(
                    f"{at}.category",
                    f"no tax category {category!r:.40} (known: {', '.join(rates)})",
                )
            )
        if len(problems) > bad:
            continue
        assert quantity is not None and price is not None and isinstance(description, str)
        category = (category or default_category) if rates and taxed else None
        rate = rates[category] if category is not None else Decimal(0)
        amount = quantity * price
        if amount > MAX_TOTAL_MINOR:
            problems.append(Problem(at, "the line's amount is too large"))
            continue
        if inclusive:
            gross = to_minor(amount, currency, rounding)
            tax = to_minor(
                Decimal(gross).scaleb(-minor_units(currency)) * rate / (100 + rate),
                currency,
                rounding,
            )
            net = gross - tax
        else:
            net = to_minor(amount, currency, rounding)
            tax = to_minor(
                Decimal(net).scaleb(-minor_units(currency)) * rate / 100, currency, rounding
            )
            gross = net + tax
        priced.append(
            PricedLine(
                i + 1,
                line.kind,
                " ".join(description.split()),
                category,
                quantity,
                price,
                rate,
                net,
                tax,
                gross,
            )
        )
    if problems:
        raise ValidationError(problems)
    total = sum(p.gross_minor for p in priced)
    if total <= 0:
        raise ValidationError("the total to charge must be above zero", where="lines")
    if total > MAX_TOTAL_MINOR:
        raise ValidationError(
            f"the total is at most {format_minor(MAX_TOTAL_MINOR, currency)}", where="lines"
        )
    return Totals(
        currency,
        sum(p.net_minor for p in priced),
        sum(p.tax_minor for p in priced),
        total,
        tuple(priced),
    )


def fingerprint(**values: Any) -> str:
    """A digest of a request's parameters: the same idempotency key must come with the same."""
    text = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
