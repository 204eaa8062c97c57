"""Card payments at the desk: charge, capture, void, refund, receipts and the cash-up.

A payment moves ``pending`` -> ``authorised`` -> ``captured`` -> ``partly_refunded``
-> ``refunded``, or ``authorised`` -> ``voided``, or ``pending`` -> ``declined``.
Each move is one operation (one transaction, one event). A step the payment's
state does not allow (capture a voided payment, refund more than was captured)
is a [`ConflictError`][officekit.errors.ConflictError] and changes nothing.

**Idempotency.** A charge and a refund carry a key. The attempt is recorded
(``pending``, its own transaction and event) *before* the gateway is called;
the gateway is called with the same key; its answer is recorded in a second
transaction. Retrying with the same key returns the first result. If the first
attempt never got its answer (the gateway timed out), the retry asks the gateway
for the outcome by that key instead of charging again. The same key with other
parameters is a ``ConflictError``.

**Card data.** The card number and CVC go to the gateway and nowhere else: no
row, no event, no SQL statement, no log line holds them. A payment keeps the
gateway's token, the brand and the last four digits.

**Receipts** are numbered per office and calendar year (the office's time zone)
from 1, without gaps or repeats: the receipt's insert takes the year's highest
number plus one, in the transaction that captures or refunds, and that
transaction holds the office's row lock, so two processes taking payments at
once queue for it. (``receipt_counters``, which once held the last number, is
no longer written.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import operator
import re
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.prepared import Prepared
from officekit.core.store import read_transaction
from officekit.core.validate import check_bool, check_ref, office_day, text_problem
from officekit.errors import ConflictError, NotFoundError, PluginError, Problem, ValidationError
from officekit.plugins.money.payments import hooks
from officekit.plugins.money.payments.amounts import (
    MAX_TOTAL_MINOR,
    Card,
    PricedLine,
    _decimal,
    card_brand,
    card_problems,
    check_currency,
    fingerprint,
    format_minor,
    minor_units,
    price_lines,
    to_minor,
)
from officekit.plugins.money.payments.gateway import (
    Gateway,
    GatewayResult,
    GatewayTimeout,
    Settlement,
    TestGateway,
)
from officekit.plugins.money.payments.settings import ACCOUNTS, PAYMENTS, PaymentSettings
from officekit.plugins.money.payments.tables import (
    cashups,
    payment_lines,
    payment_refunds,
    payments,
    receipts,
)

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office

__all__ = [
    "PAYMENTS_BOOK",
    "PAYMENT_DESK",
    "Cashup",
    "CashupRow",
    "Mismatch",
    "Payment",
    "PaymentBook",
    "PaymentDesk",
    "PaymentPending",
    "Receipt",
    "Refund",
]

MAX_KEY = 100
_LABEL = re.compile(r"^(\d{4})-(\d{1,9})$")


class PaymentPending(ConflictError):
    """The gateway did not answer: the attempt stays ``pending``; retry with the same key."""


@attrs.frozen
class Payment:
    """A card payment, as the office keeps it (no card number: brand and last four).

    Attributes:
        id: Database id.
        idempotency_key: The key it was charged with.
        status: ``pending``, ``authorised``, ``captured``, ``partly_refunded``,
            ``refunded``, ``voided`` or ``declined``.
        account: ``operating``, or ``client_trust`` for money held for a client.
        currency: ISO 4217 code.
        net_minor: The lines' amounts before tax, in minor units.
        tax_minor: The tax.
        total_minor: What the card is charged.
        captured_minor: What was captured (0 until captured).
        refunded_minor: What was refunded so far.
        brand: The card's brand.
        last4: Its last four digits.
        gateway: The gateway's name.
        gateway_ref: The gateway's reference of the charge.
        decline_code: Why the gateway declined it.
        customer: Who paid, as given.
        created_at: When the attempt was recorded.
        decided_at: When the gateway answered.
        captured_at: When it was captured.
        voided_at: When it was voided.
        taken_by: The member of staff who charged it.
    """

    id: int
    idempotency_key: str
    status: str
    account: str
    currency: str
    net_minor: int
    tax_minor: int
    total_minor: int
    captured_minor: int
    refunded_minor: int
    brand: str
    last4: str
    gateway: str
    gateway_ref: str | None
    decline_code: str | None
    customer: str | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    captured_at: dt.datetime | None
    voided_at: dt.datetime | None
    taken_by: int | None

    @property
    def refundable_minor(self) -> int:
        """What may still be refunded (pending refunds aside)."""
        return self.captured_minor - self.refunded_minor


@attrs.frozen
class Refund:
    """A refund of a captured payment, always to the card that paid.

    Attributes:
        id: Database id.
        payment_id: The payment refunded.
        idempotency_key: The key it was asked with.
        status: ``pending``, ``refunded`` or ``failed``.
        amount_minor: The amount, in minor units.
        gateway_ref: The gateway's reference of the refund.
        decline_code: Why the gateway refused it.
        reason: Why it was refunded, as given.
        created_at: When it was asked.
        decided_at: When the gateway answered.
        refunded_by: The member of staff who refunded it.
    """

    id: int
    payment_id: int
    idempotency_key: str
    status: str
    amount_minor: int
    gateway_ref: str | None
    decline_code: str | None
    reason: str | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    refunded_by: int | None


@attrs.frozen
class Receipt:
    """A numbered receipt, for a captured payment or a refund.

    Attributes:
        id: Database id.
        year: The calendar year of its number (office time).
        number: Its number within the office and year, from 1.
        kind: ``payment`` or ``refund``.
        payment_id: The payment.
        refund_id: The refund, for a refund's receipt.
        amount_minor: The amount, in minor units.
        currency: ISO 4217 code.
        issued_at: When it was issued.
    """

    id: int
    year: int
    number: int
    kind: str
    payment_id: int
    refund_id: int | None
    amount_minor: int
    currency: str
    issued_at: dt.datetime

    @property
    def label(self) -> str:
        """``2026-000042``: the year and number as printed."""
        return f"{self.year}-{self.number:06d}"


@attrs.frozen
class CashupRow:
    """One account's and card brand's takings over the day.

    Attributes:
        account: ``operating`` or ``client_trust``.
        method: The card brand (``visa``...).
        payments: Payments captured.
        taken_minor: Their amount.
        refunds: Refunds made.
        refunded_minor: Their amount.
    """

    account: str
    method: str
    payments: int
    taken_minor: int
    refunds: int
    refunded_minor: int


@attrs.frozen
class Mismatch:
    """A movement on which the office's records and the gateway's settlement differ.

    Attributes:
        reference: The gateway's reference.
        kind: ``capture``, ``refund`` or ``adjustment``.
        ours_minor: What the office recorded (0: nothing).
        gateway_minor: What the gateway settled (0: nothing).
    """

    reference: str
    kind: str
    ours_minor: int
    gateway_minor: int


@attrs.frozen
class Cashup:
    """The end of a day: what was taken and refunded, against the gateway's settlement.

    Attributes:
        id: Database id.
        day: The day closed (office time).
        currency: ISO 4217 code.
        rows: Takings by account and card brand.
        taken_minor: Payments captured.
        refunded_minor: Refunds made.
        net_minor: ``taken_minor - refunded_minor``.
        settled_minor: The gateway's net settlement for the day.
        difference_minor: ``settled_minor - net_minor``: not zero means a discrepancy.
        by_account: Net takings by account (client trust apart from operating).
        mismatches: The movements that differ.
    """

    id: int
    day: dt.date
    currency: str
    rows: tuple[CashupRow, ...]
    taken_minor: int
    refunded_minor: int
    net_minor: int
    settled_minor: int
    difference_minor: int
    by_account: dict[str, int]
    mismatches: tuple[Mismatch, ...]

    @property
    def balanced(self) -> bool:
        """Whether the day matches the settlement exactly."""
        return self.difference_minor == 0 and not self.mismatches


# -- statements, built once --------------------------------------------------------------------

# A priced line as the tuple ``attrs.astuple`` gives, without its recursion.
_line_fields = operator.attrgetter(*(f.name for f in attrs.fields(PricedLine)))
_PAYMENT_COLUMNS = tuple(payments.c[f.name] for f in attrs.fields(Payment))
_REFUND_COLUMNS = tuple(payment_refunds.c[f.name] for f in attrs.fields(Refund))
_RECEIPT_COLUMNS = tuple(receipts.c[f.name] for f in attrs.fields(Receipt))
_B_OFFICE: sa.BindParameter[int] = sa.bindparam("b_office_id")
_B_ID: sa.BindParameter[int] = sa.bindparam("b_id")
_B_AT = sa.bindparam("b_at", type_=payments.c.created_at.type)

_PAYMENT = Prepared(
    sa.select(*_PAYMENT_COLUMNS).where(payments.c.id == _B_ID, payments.c.office_id == _B_OFFICE)
)
_PAYMENT_BY_KEY = Prepared(
    sa.select(payments.c.id, payments.c.fingerprint, payments.c.status).where(
        payments.c.office_id == _B_OFFICE, payments.c.idempotency_key == sa.bindparam("b_key")
    )
)
# A payment is written once (decided, or pending when the gateway did not answer): a
# known key inserts nothing and returns no row.
_INSERT_PAYMENT = {
    name: Prepared(
        dialect.insert(payments)
        .on_conflict_do_nothing(index_elements=["office_id", "idempotency_key"])
        .returning(payments.c.id),
        keys=[c.name for c in payments.c if c.name not in ("id", "voided_at")],
    )
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_UNDECIDED = dict.fromkeys(
    ("decided_at", "captured_at", "token", "gateway_ref", "decline_code"), None
)
_LINE_KEYS = [c.name for c in payment_lines.c if c.name not in ("id", "payment_id")]
_INSERT_LINES: dict[int, Prepared] = {}


def _insert_lines(count: int) -> Prepared:
    """One ``INSERT ... VALUES (...), (...)`` for ``count`` lines, built once per count."""
    statement = _INSERT_LINES.get(count)
    if statement is None:
        rows = [
            {"payment_id": _B_ID}
            | {k: sa.bindparam(f"{k}_{i}", type_=payment_lines.c[k].type) for k in _LINE_KEYS}
            for i in range(count)
        ]
        statement = _INSERT_LINES[count] = Prepared(payment_lines.insert().values(rows))
    return statement


_DECIDE_KEYS = [
    "status",
    "brand",
    "last4",
    "token",
    "gateway_ref",
    "decline_code",
    "decided_at",
    "captured_minor",
    "captured_at",
]
_DECIDE = Prepared(
    payments.update()
    .where(payments.c.id == _B_ID, payments.c.status == "pending")
    .returning(*_PAYMENT_COLUMNS),
    keys=_DECIDE_KEYS,
)
_CAPTURE = Prepared(
    payments.update()
    .where(
        payments.c.id == _B_ID, payments.c.office_id == _B_OFFICE, payments.c.status == "authorised"
    )
    .values(status="captured", captured_minor=payments.c.total_minor, captured_at=_B_AT)
    .returning(*_PAYMENT_COLUMNS)
)
_VOID = Prepared(
    payments.update()
    .where(
        payments.c.id == _B_ID, payments.c.office_id == _B_OFFICE, payments.c.status == "authorised"
    )
    .values(status="voided", voided_at=_B_AT)
    .returning(*_PAYMENT_COLUMNS)
)
_B_YEAR: sa.BindParameter[int] = sa.bindparam("b_year")
# The next number is taken in the insert itself: the year's highest so far (on the
# unique index of office, year and number) plus one. The transaction holds the
# office's row lock, so no other writer can take the same number or leave a gap.
_NEXT_NUMBER = (
    sa.select(sa.func.coalesce(sa.func.max(receipts.c.number), 0) + 1)
    .where(receipts.c.office_id == _B_OFFICE, receipts.c.year == _B_YEAR)
    .scalar_subquery()
)
_INSERT_RECEIPT = Prepared(
    receipts.insert()
    .values(
        office_id=_B_OFFICE,
        year=_B_YEAR,
        number=_NEXT_NUMBER,
        kind=sa.bindparam("b_kind"),
        payment_id=sa.bindparam("b_payment_id"),
        refund_id=sa.bindparam("b_refund_id", type_=sa.Integer),
        amount_minor=sa.bindparam("b_amount_minor", type_=sa.BigInteger),
        currency=sa.bindparam("b_currency"),
        issued_at=sa.bindparam("b_issued_at", type_=receipts.c.issued_at.type),
    )
    .returning(receipts.c.number)
)
_REFUND_BY_KEY = Prepared(
    sa.select(payment_refunds.c.id, payment_refunds.c.fingerprint, payment_refunds.c.status).where(
        payment_refunds.c.office_id == _B_OFFICE,
        payment_refunds.c.idempotency_key == sa.bindparam("b_key"),
    )
)
_PENDING_REFUNDS = Prepared(
    sa.select(sa.func.coalesce(sa.func.sum(payment_refunds.c.amount_minor), 0)).where(
        payment_refunds.c.payment_id == _B_ID, payment_refunds.c.status == "pending"
    )
)
_INSERT_REFUND = Prepared(
    payment_refunds.insert().returning(payment_refunds.c.id),
    keys=[
        "office_id",
        "payment_id",
        "idempotency_key",
        "fingerprint",
        "status",
        "amount_minor",
        "reason",
        "created_at",
        "refunded_by",
    ],
)
_DECIDE_REFUND = Prepared(
    payment_refunds.update()
    .where(payment_refunds.c.id == _B_ID, payment_refunds.c.status == "pending")
    .returning(*_REFUND_COLUMNS),
    keys=["status", "gateway_ref", "decline_code", "decided_at"],
)
_B_AMOUNT = sa.bindparam("b_amount", type_=sa.BigInteger)
_ADD_REFUNDED = Prepared(
    payments.update()
    .where(payments.c.id == _B_ID)
    .values(
        refunded_minor=payments.c.refunded_minor + _B_AMOUNT,
        status=sa.case(
            (payments.c.refunded_minor + _B_AMOUNT >= payments.c.captured_minor, "refunded"),
            else_="partly_refunded",
        ),
    )
    .returning(*_PAYMENT_COLUMNS)
)

_B_START = sa.bindparam("b_start", type_=payments.c.created_at.type)
_B_END = sa.bindparam("b_end", type_=payments.c.created_at.type)
_DAY_TAKEN = (
    sa.select(
        payments.c.account,
        payments.c.brand,
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(payments.c.captured_minor), 0),
    )
    .where(
        payments.c.office_id == _B_OFFICE,
        payments.c.captured_at >= _B_START,
        payments.c.captured_at < _B_END,
    )
    .group_by(payments.c.account, payments.c.brand)
)
_REFUND_DAY = sa.and_(
    payment_refunds.c.office_id == _B_OFFICE,
    payment_refunds.c.status == "refunded",
    payment_refunds.c.decided_at >= _B_START,
    payment_refunds.c.decided_at < _B_END,
)
_DAY_REFUNDED = (
    sa.select(
        payments.c.account,
        payments.c.brand,
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(payment_refunds.c.amount_minor), 0),
    )
    .select_from(payment_refunds.join(payments, payments.c.id == payment_refunds.c.payment_id))
    .where(_REFUND_DAY)
    .group_by(payments.c.account, payments.c.brand)
)
_DAY_MOVEMENTS = sa.union_all(
    sa.select(payments.c.gateway_ref, sa.literal("capture"), payments.c.captured_minor).where(
        payments.c.office_id == _B_OFFICE,
        payments.c.captured_at >= _B_START,
        payments.c.captured_at < _B_END,
    ),
    sa.select(
        payment_refunds.c.gateway_ref, sa.literal("refund"), -payment_refunds.c.amount_minor
    ).where(_REFUND_DAY),
)
_CASHUP_EXISTS = sa.select(cashups.c.id).where(
    cashups.c.office_id == _B_OFFICE, cashups.c.day == sa.bindparam("b_day", type_=sa.Date)
)


def _key(value: object, where: str = "idempotency_key") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("an idempotency key (a non-blank string) is needed", where=where)
    wrong = text_problem(value, "an idempotency key", MAX_KEY)
    if wrong is not None:
        raise ValidationError(wrong, where=where)
    return value


def _elapsed_ms(started: int) -> int:
    return (time.perf_counter_ns() - started) // 1_000_000


class PaymentBook:
    """The office's payments, receipts and gateway: ``office.payments``. Reading records nothing."""

    def __init__(self, office: Office) -> None:
        self._office = office
        self._gateway: Gateway | None = None
        self._journal = False

    def keep_test_gateway_in_store(self) -> None:
        """Let the test gateway write what it did to the store, for later processes.

        The test gateway remembers in memory, for the process's life. A program
        whose every command is a process of its own (the ``officekit payments``
        CLI) calls this first, so that a later command can capture, void, refund
        and cash up what an earlier one charged: a journal in the store's
        ``payments_test_gateway`` table, one short transaction per gateway call.
        A gateway given by a plugin is not affected.
        """
        if not self._journal:
            self._journal = True
            if isinstance(self._gateway, TestGateway):
                self._gateway = None  # made again, with its journal

    @property
    def settings(self) -> PaymentSettings:
        """The profile's ``[payments]`` section."""
        return self._office.profile.section(PAYMENTS)

    @property
    def gateway(self) -> Gateway:
        """The gateway: a plugin's (``officekit_payment_gateway``), else ``[payments] gateway``.

        Raises:
            PluginError: No plugin gives one and the profile names no gateway officekit has.
        """
        if self._gateway is None:
            office = self._office
            gateway = hooks.payment_gateway(office)
            if gateway is None:
                name = self.settings.gateway
                if name != "test":
                    raise PluginError(
                        f"[payments] gateway = {name!r}: no plugin gives that gateway "
                        "(officekit_payment_gateway); officekit ships only 'test'"
                    )
                store = office.engine.url.render_as_string(hide_password=True)
                gateway = TestGateway.for_office(
                    store,
                    office.id,
                    office.clock.now,
                    engine=office.engine if self._journal else None,
                )
            self._gateway = gateway
        return self._gateway

    def get(self, payment: Payment | int) -> Payment:
        """Return a payment as it is now.

        Raises:
            NotFoundError: The office has no such payment.
        """
        payment_id = check_ref(payment, "payment", Payment, "a payment")
        with self._office.engine.connect() as conn:
            return _read_payment(conn, self._office.id, payment_id)

    def lines(self, payment: Payment | int) -> list[PricedLine]:
        """Return a payment's lines, in order."""
        payment_id = self.get(payment).id
        stmt = (
            sa.select(payment_lines)
            .where(payment_lines.c.payment_id == payment_id)
            .order_by(payment_lines.c.position)
        )
        with self._office.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            PricedLine(
                r.position,
                r.kind,
                r.description,
                r.category,
                Decimal(r.quantity),
                Decimal(r.unit_price),
                Decimal(r.tax_rate),
                r.net_minor,
                r.tax_minor,
                r.gross_minor,
            )
            for r in rows
        ]

    def refunds(self, payment: Payment | int) -> list[Refund]:
        """Return a payment's refunds, oldest first."""
        payment_id = self.get(payment).id
        stmt = (
            sa.select(*_REFUND_COLUMNS)
            .where(payment_refunds.c.payment_id == payment_id)
            .order_by(payment_refunds.c.id)
        )
        with self._office.engine.connect() as conn:
            return [Refund(*r) for r in conn.execute(stmt).all()]

    def receipts(self, payment: Payment | int | None = None) -> list[Receipt]:
        """Return the receipts of a payment (and its refunds), or of the office, in number order."""
        stmt = sa.select(*_RECEIPT_COLUMNS).where(receipts.c.office_id == self._office.id)
        if payment is not None:
            stmt = stmt.where(receipts.c.payment_id == self.get(payment).id)
        stmt = stmt.order_by(receipts.c.year, receipts.c.number)
        with self._office.engine.connect() as conn:
            return [Receipt(*r) for r in conn.execute(stmt).all()]

    def receipt(self, receipt: Receipt | int | str) -> Receipt:
        """Return a receipt by id or by its label (``"2026-000042"``).

        Raises:
            NotFoundError: The office has no such receipt.
            ValidationError: ``receipt`` is neither an id nor a label.
        """
        stmt = sa.select(*_RECEIPT_COLUMNS).where(receipts.c.office_id == self._office.id)
        if isinstance(receipt, str):
            match = _LABEL.match(receipt.strip())
            if match is None:
                raise ValidationError(
                    f"expected a receipt's id or label such as 2026-000042, got {receipt!r:.40}",
                    where="receipt",
                )
            stmt = stmt.where(receipts.c.year == int(match[1]), receipts.c.number == int(match[2]))
        else:
            stmt = stmt.where(receipts.c.id == check_ref(receipt, "receipt", Receipt, "a receipt"))
        with self._office.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            raise NotFoundError(f"no receipt {receipt!r:.40} in this office")
        return Receipt(*row)

    def render(self, receipt: Receipt | int | str, fmt: str = "text") -> str:
        """Render a receipt as plain text (``"text"``) or HTML (``"html"``, everything escaped).

        It shows the office, the number and date, the lines with their tax, the
        totals, the account for client trust money, and the card's brand and last
        four digits: never more of the number, and no expiry.
        """
        from officekit.plugins.money.payments.receipts import render

        if fmt not in ("text", "html"):
            raise ValidationError(f"expected 'text' or 'html', got {fmt!r:.20}", where="fmt")
        found = self.receipt(receipt)
        payment = self.get(found.payment_id)
        refund = None
        if found.refund_id is not None:
            refund = next(r for r in self.refunds(payment) if r.id == found.refund_id)
        original = next((r for r in self.receipts(payment) if r.kind == "payment"), None)
        return render(
            fmt,
            self._office,
            found,
            payment,
            self.lines(payment),
            refund,
            original,
            self.settings,
        )

    def cashup(self, day: dt.date) -> Cashup | None:
        """Return the cash-up recorded for ``day``, or None.

        Raises:
            ValidationError: ``day`` is not a date (a datetime is not a day), or is
                too far out to compute with.
        """
        office_day(day, self._office.profile.office.tz)
        stmt = sa.select(cashups).where(
            cashups.c.office_id == self._office.id, cashups.c.day == day
        )
        with self._office.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        return _cashup_from_json(row.id, json.loads(row.totals))


def _read_payment(conn: sa.Connection, office_id: int, payment_id: int) -> Payment:
    row = _PAYMENT.first(conn, {"b_id": payment_id, "b_office_id": office_id})
    if row is None:
        raise NotFoundError(f"no payment with id {payment_id} in this office")
    return Payment(*row)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC)


def _written(payment_id: int, attempt: dict[str, Any], decided: dict[str, Any]) -> Payment:
    """The payment as its attempt's insert and its answer's update left it (as read back)."""
    return Payment(
        payment_id,
        attempt["idempotency_key"],
        decided["status"],
        attempt["account"],
        attempt["currency"],
        attempt["net_minor"],
        attempt["tax_minor"],
        attempt["total_minor"],
        decided["captured_minor"],
        attempt["refunded_minor"],
        decided["brand"],
        decided["last4"],
        attempt["gateway"],
        decided["gateway_ref"],
        decided["decline_code"],
        attempt["customer"],
        attempt["created_at"].astimezone(dt.UTC),
        _utc(decided["decided_at"]),
        _utc(decided["captured_at"]),
        None,
        attempt["taken_by"],
    )


def _issue_receipt(
    conn: sa.Connection,
    office: Office,
    *,
    payment_id: int,
    refund_id: int | None,
    kind: str,
    amount_minor: int,
    currency: str,
    now: dt.datetime,
) -> str:
    """Take the office's next receipt number for the year and issue it; return its label."""
    year = now.astimezone(office.profile.office.tz).year
    row = _INSERT_RECEIPT.first(
        conn,
        {
            "b_office_id": office.id,
            "b_year": year,
            "b_kind": kind,
            "b_payment_id": payment_id,
            "b_refund_id": refund_id,
            "b_amount_minor": amount_minor,
            "b_currency": currency,
            "b_issued_at": now,
        },
    )
    assert row is not None
    number = int(row[0])
    return f"{year}-{number:06d}"


class _Existing(Exception):
    """Raised inside an attempt's transaction: the key is known; roll back, no event."""

    def __init__(self, row_id: int, status: str) -> None:
        super().__init__(row_id)
        self.row_id = row_id
        self.status = status


class PaymentDesk:
    """Taking payments at a desk: ``desk.payments``."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    @property
    def _book(self) -> PaymentBook:
        book: PaymentBook = self._office.facet(PAYMENTS_BOOK)
        return book

    def _authorise(self, operation: str, subject: str | None) -> None:
        """Refuse (recorded) before the gateway is called, when the profile would."""
        self._desk.check_open()
        if not self._desk.can(operation, subject).allowed:
            self._desk.perform(operation, subject=subject)  # records the refusal and raises
            raise AssertionError("unreachable")  # pragma: no cover

    # -- charge -------------------------------------------------------------------------------

    def charge(
        self,
        lines: Sequence[Any],
        *,
        card: Card,
        idempotency_key: str,
        customer: str | None = None,
        capture: bool = True,
        account: str = "operating",
        currency: str | None = None,
    ) -> Payment:
        """Charge a card for ``lines`` (``payments.charge``): authorise, and capture unless told.

        Args:
            lines: [`Line`][officekit.plugins.money.payments.amounts.Line] objects (or
                mappings with the same keys): description, quantity, unit price in the
                major unit (``Decimal``, integer or decimal string), category, kind.
            card: The [`Card`][officekit.plugins.money.payments.amounts.Card] presented;
                checked (Luhn, expiry, CVC) before the gateway is called, never stored.
            idempotency_key: Unique per charge: a retry with the same key returns the
                first result and charges nothing twice.
            customer: Who pays (kept on the payment's row, not in the event log).
            capture: Capture at once (True), or only authorise (capture or void later).
            account: ``operating``, or ``client_trust`` where the profile keeps client
                money apart (no tax is charged on it).
            currency: The office's currency (the default); another is refused.

        Returns:
            The payment: ``captured`` (with a receipt), ``authorised``, or ``declined``
            (``decline_code`` says why).

        Raises:
            ValidationError: Bad lines, card, key, account or currency; nothing is written.
            ConflictError: The key was used for a different charge.
            PaymentPending: The gateway did not answer; the attempt stays pending:
                retry with the same key.
            PermissionDenied: The member of staff may not charge (recorded).
        """
        office = self._office
        book = self._book
        settings = book.settings
        problems: list[Problem] = []
        key = _collect_key(idempotency_key, problems)
        office_currency = office.profile.office.currency
        if currency is None:
            currency = office_currency
        else:
            try:
                check_currency(currency)
                if currency != office_currency:
                    problems.append(
                        Problem(
                            "currency",
                            f"this office takes payments in {office_currency}, not {currency}",
                        )
                    )
            except ValidationError as exc:
                problems.extend(exc.problems)
        if not isinstance(account, str) or account not in settings.accounts:
            problems.append(
                Problem(
                    "account",
                    f"no account {account!r:.40} here (known: {', '.join(settings.accounts)})",
                )
            )
        if not isinstance(capture, bool):
            problems.append(Problem("capture", f"expected true or false, got {capture!r:.20}"))
        if customer is not None:
            if not isinstance(customer, str):
                problems.append(
                    Problem("customer", "expected the customer's name or reference as a string")
                )
            else:
                wrong = text_problem(customer, "a customer", 200)
                if wrong:
                    problems.append(Problem("customer", wrong))
        now = office.clock.now()
        today = now.astimezone(office.profile.office.tz).date()
        problems.extend(card_problems(card, today))
        totals = None
        try:
            totals = price_lines(
                lines,
                currency=currency
                if not any(p.where == "currency" for p in problems)
                else office_currency,
                rates=settings.tax_rates,
                default_category=settings.default_category,
                inclusive=settings.tax_inclusive,
                rounding=settings.rounding_mode,
                kinds=settings.line_kinds,
                taxed=account != "client_trust",
            )
        except ValidationError as exc:
            problems.extend(exc.problems)
        if problems:
            raise ValidationError(problems)
        assert totals is not None and key is not None
        digits = card.digits
        brand, last4 = card_brand(digits), digits[-4:]
        print_ = fingerprint(
            lines=[_line_fields(p) for p in totals.lines],
            total=totals.total_minor,
            currency=currency,
            account=account,
            capture=capture,
            customer=customer,
            brand=brand,
            last4=last4,
        )
        gateway = book.gateway
        detail: dict[str, Any] = {
            "stage": "pending",
            "amount_minor": totals.total_minor,
            "tax_minor": totals.tax_minor,
            "currency": currency,
            "account": account,
            "lines": len(totals.lines),
        }

        row = {
            "office_id": office.id,
            "idempotency_key": key,
            "fingerprint": print_,
            "status": "pending",
            "account": account,
            "currency": currency,
            "net_minor": totals.net_minor,
            "tax_minor": totals.tax_minor,
            "total_minor": totals.total_minor,
            "captured_minor": 0,
            "refunded_minor": 0,
            "brand": brand,
            "last4": last4,
            "gateway": gateway.name,
            "customer": customer,
            "created_at": now,
            "taken_by": self._desk.actor.id,
        }
        lines_row: dict[str, Any] = {}
        for i, line in enumerate(totals.lines):
            lines_row[f"position_{i}"] = line.position
            lines_row[f"kind_{i}"] = line.kind
            lines_row[f"description_{i}"] = line.description
            lines_row[f"category_{i}"] = line.category
            lines_row[f"quantity_{i}"] = str(line.quantity)
            lines_row[f"unit_price_{i}"] = str(line.unit_price)
            lines_row[f"tax_rate_{i}"] = str(line.tax_rate)
            lines_row[f"net_minor_{i}"] = line.net_minor
            lines_row[f"tax_minor_{i}"] = line.tax_minor
            lines_row[f"gross_minor_{i}"] = line.gross_minor
        insert_lines = _insert_lines(len(totals.lines))

        def attempt(conn: sa.Connection) -> int:
            # Only when the gateway did not answer: the pending row a retry resolves.
            new = _INSERT_PAYMENT[conn.dialect.name].first(conn, row | _UNDECIDED)
            if new is None:  # another retry wrote it first: nothing to add
                raise _Existing(0, "pending")
            payment_id = int(new[0])
            lines_row["b_id"] = payment_id
            insert_lines.rowcount(conn, lines_row)
            detail["payment_id"] = payment_id
            return payment_id

        # A known key is answered from the store: the first result, nothing charged again.
        with read_transaction(office.engine) as conn:
            found = _PAYMENT_BY_KEY.first(conn, {"b_office_id": office.id, "b_key": key})
        if found is not None:
            if found[1] != print_:
                raise ConflictError(f"idempotency key {key!r} was used for a different charge")
            if found[2] != "pending":
                return self._book.get(int(found[0]))
        # Refused (and recorded) before the card is charged, when the profile would.
        self._authorise("payments.charge", None)
        started = time.perf_counter_ns()
        try:
            result = gateway.outcome(key) if found is not None else None
            if result is None:
                result = gateway.authorise(
                    key=key,
                    amount_minor=totals.total_minor,
                    currency=currency,
                    card=card,
                    capture=capture,
                )
        except GatewayTimeout:
            if found is None:  # the first attempt: written, pending, for a retry to resolve
                # (_Existing: a concurrent call with the same key wrote it first.)
                with contextlib.suppress(_Existing):
                    self._desk.perform("payments.charge", detail=detail, act=attempt)
            raise PaymentPending(
                "the gateway did not answer: the payment stays pending; "
                f"retry with the same idempotency key ({key!r}) to learn its outcome"
            ) from None
        return self._decide(
            int(found[0]) if found is not None else None,
            totals.total_minor,
            tax_minor=totals.tax_minor,
            lines=len(totals.lines),
            currency=currency,
            account=account,
            result=result,
            gateway_ms=_elapsed_ms(started),
            attempt=row,
            lines_row=lines_row,
            insert_lines=insert_lines,
            key=key,
            print_=print_,
        )

    def _decide(
        self,
        pending_id: int | None,
        total_minor: int,
        *,
        tax_minor: int,
        lines: int,
        currency: str,
        account: str,
        result: GatewayResult,
        gateway_ms: int,
        attempt: dict[str, Any],
        lines_row: dict[str, Any],
        insert_lines: Prepared,
        key: str,
        print_: str,
    ) -> Payment:
        """Record the gateway's answer: a new payment, or the pending one ``pending_id``."""
        office = self._office
        status = result.status if result.status in ("authorised", "captured") else "declined"
        now = office.clock.now()
        detail: dict[str, Any] = {
            "stage": status,
            "amount_minor": total_minor,
            "tax_minor": tax_minor,
            "currency": currency,
            "account": account,
            "lines": lines,
            "brand": result.brand,
            "gateway_ms": gateway_ms,
        }
        detail["approved"] = status != "declined"  # a payment taken (authorised or captured)
        if status == "declined":
            detail["decline_code"] = result.code or "declined"
        done: list[Payment] = []

        values = {
            "status": status,
            "brand": result.brand or "card",
            "last4": result.last4 or "",
            "token": result.token,
            "gateway_ref": result.reference,
            "decline_code": detail.get("decline_code"),
            "decided_at": now,
            "captured_minor": total_minor if status == "captured" else 0,
            "captured_at": now if status == "captured" else None,
        }

        def act(conn: sa.Connection) -> None:
            payment_id = pending_id
            if payment_id is None:
                new = _INSERT_PAYMENT[conn.dialect.name].first(conn, attempt | values)
                if new is not None:  # what this process wrote: nothing to read back
                    payment_id = int(new[0])
                    lines_row["b_id"] = payment_id
                    insert_lines.rowcount(conn, lines_row)
                    done.append(_written(payment_id, attempt, values))
                else:  # the same key, written by a concurrent call since it was looked up
                    found = _PAYMENT_BY_KEY.first(conn, {"b_office_id": office.id, "b_key": key})
                    assert found is not None
                    if found[1] != print_:
                        raise ConflictError(
                            f"idempotency key {key!r} was used for a different charge"
                        )
                    payment_id = int(found[0])
                    if found[2] != "pending":
                        raise _Existing(payment_id, str(found[2]))
            if not done:  # the pending attempt's row is decided and read back
                row = _DECIDE.first(conn, values | {"b_id": payment_id})
                if row is None:  # another retry recorded the answer first
                    raise _Existing(payment_id, "decided")
                done.append(Payment(*row))
            detail["payment_id"] = payment_id
            if status == "captured":
                detail["receipt"] = _issue_receipt(
                    conn,
                    office,
                    payment_id=payment_id,
                    refund_id=None,
                    kind="payment",
                    amount_minor=total_minor,
                    currency=currency,
                    now=now,
                )

        try:
            self._desk.perform("payments.charge", detail=detail, act=act)
        except _Existing as known:
            return self._book.get(known.row_id)
        return done[0]

    # -- capture and void ---------------------------------------------------------------------

    def _step(
        self, payment: Payment | int, operation: str, verb: str, mistake: bool = False
    ) -> Payment:
        office = self._office
        payment_id = check_ref(payment, "payment", Payment, "a payment")
        subject = f"payment:{payment_id}"
        current = self._book.get(payment_id)
        if current.status != "authorised":
            raise ConflictError(
                f"payment {payment_id} is {current.status}: "
                f"only an authorised payment can be {verb}"
            )
        self._authorise(operation, subject)
        assert current.gateway_ref is not None
        gateway = self._book.gateway
        started = time.perf_counter_ns()
        try:
            if operation == "payments.capture":
                result = gateway.capture(
                    key=f"capture:{current.gateway_ref}",
                    reference=current.gateway_ref,
                    amount_minor=current.total_minor,
                )
            else:
                result = gateway.void(
                    key=f"void:{current.gateway_ref}", reference=current.gateway_ref
                )
        except GatewayTimeout:
            raise PaymentPending(
                f"the gateway did not answer: payment {payment_id} is still authorised; try again"
            ) from None
        wanted = "captured" if operation == "payments.capture" else "voided"
        if result.status != wanted:
            raise ConflictError(f"the gateway refused: {result.code or result.status}")
        now = office.clock.now()
        detail: dict[str, Any] = {
            "payment_id": payment_id,
            "amount_minor": current.total_minor,
            "currency": current.currency,
            "account": current.account,
            "gateway_ms": _elapsed_ms(started),
        }
        if operation == "payments.void":
            # A void for a mistake counts against whoever took the payment.
            detail["mistake"] = mistake
            detail["taken_by"] = current.taken_by
        done: list[Payment] = []
        statement = _CAPTURE if operation == "payments.capture" else _VOID

        def act(conn: sa.Connection) -> None:
            row = statement.first(conn, {"b_id": payment_id, "b_office_id": office.id, "b_at": now})
            if row is None:
                fresh = _read_payment(conn, office.id, payment_id)
                raise ConflictError(
                    f"payment {payment_id} is {fresh.status}: "
                    f"only an authorised payment can be {verb}"
                )
            done.append(Payment(*row))
            if operation == "payments.capture":
                detail["receipt"] = _issue_receipt(
                    conn,
                    office,
                    payment_id=payment_id,
                    refund_id=None,
                    kind="payment",
                    amount_minor=current.total_minor,
                    currency=current.currency,
                    now=now,
                )

        self._desk.perform(operation, subject=subject, detail=detail, act=act)
        return done[0]

    def capture(self, payment: Payment | int) -> Payment:
        """Capture an authorised payment in full (``payments.capture``); issues its receipt.

        Raises:
            NotFoundError: No such payment.
            ConflictError: It is not authorised (captured, voided, declined...); nothing changes.
            PermissionDenied: The member of staff may not capture (recorded).
        """
        return self._step(payment, "payments.capture", "captured")

    def void(self, payment: Payment | int, *, mistake: bool = False) -> Payment:
        """Void an authorised payment before capture (``payments.void``): the hold is released.

        Args:
            payment: The payment.
            mistake: It is voided because it was taken by mistake (a wrong amount,
                the wrong customer, charged twice): the event records ``mistake`` and
                ``taken_by``, who took it, and the front-office analysis counts it
                against them.

        Raises:
            ValidationError: ``mistake`` is not a bool; nothing changes.
            NotFoundError: No such payment.
            ConflictError: It is not authorised (a captured payment is refunded instead).
            PermissionDenied: The member of staff may not void (recorded).
        """
        check_bool(mistake, "mistake")
        return self._step(payment, "payments.void", "voided", mistake)

    # -- refund -------------------------------------------------------------------------------

    def refund(
        self,
        payment: Payment | int,
        amount: Decimal | int | str | None = None,
        *,
        idempotency_key: str,
        reason: str | None = None,
        mistake: bool = False,
    ) -> Refund:
        """Refund a captured payment, in part or in full, to the card that paid.

        The operation is ``payments.refund``.

        Money is only ever refunded to the payer's card: for a client trust payment
        this is the rule that trust money goes back only to whom it belongs.

        Args:
            payment: The payment.
            amount: In the currency's major unit (``Decimal``, integer or decimal
                string); None: all that is left to refund.
            idempotency_key: Unique per refund: a retry returns the first result.
            reason: Why (kept on the refund's row, not in the event log).
            mistake: It is refunded because the payment was taken by mistake (a
                wrong amount, charged twice): the events record ``mistake`` and
                ``taken_by``, who took the payment, and the front-office analysis
                counts it against them (on the attempt's event, recorded once).

        Returns:
            The refund: ``refunded`` (with a receipt) or ``failed``.

        Raises:
            ValidationError: A bad amount, key or reason; nothing is written.
            ConflictError: The payment is not captured, the amount is more than is
                left to refund, or the key was used for another refund.
            PaymentPending: The gateway did not answer; retry with the same key.
            PermissionDenied: The member of staff may not refund (recorded).
        """
        office = self._office
        problems: list[Problem] = []
        payment_id = None
        try:
            payment_id = check_ref(payment, "payment", Payment, "a payment")
        except ValidationError as exc:
            problems.extend(exc.problems)
        key = _collect_key(idempotency_key, problems)
        if not isinstance(mistake, bool):
            problems.append(Problem("mistake", f"expected True or False, got {mistake!r:.80}"))
        if reason is not None:
            wrong = (
                text_problem(reason, "a reason", 500, multiline=True)
                if isinstance(reason, str)
                else "expected a reason as a string"
            )
            if wrong:
                problems.append(Problem("reason", wrong))
        if problems:
            raise ValidationError(problems)
        assert payment_id is not None and key is not None
        current = self._book.get(payment_id)
        amount_minor: int | None = None
        if amount is not None:
            amount_minor = _amount_minor(amount, current.currency)
        print_ = fingerprint(payment=payment_id, amount=amount_minor, reason=reason)
        now = office.clock.now()
        detail: dict[str, Any] = {
            "payment_id": payment_id,
            "stage": "pending",
            "currency": current.currency,
            "account": current.account,
            # Recorded once, on the attempt: a refund for a mistake counts against
            # whoever took the payment.
            "mistake": mistake,
            "taken_by": current.taken_by,
        }

        def attempt(conn: sa.Connection) -> int:
            found = _REFUND_BY_KEY.first(conn, {"b_office_id": office.id, "b_key": key})
            if found is not None:
                if found[1] != print_:
                    raise ConflictError(f"idempotency key {key!r} was used for a different refund")
                raise _Existing(int(found[0]), str(found[2]))
            fresh = _read_payment(conn, office.id, payment_id)
            if fresh.status not in ("captured", "partly_refunded"):
                raise ConflictError(
                    f"payment {payment_id} is {fresh.status}: "
                    "only a captured payment can be refunded"
                )
            pending = _PENDING_REFUNDS.first(conn, {"b_id": payment_id})
            left = fresh.refundable_minor - int(pending[0] if pending else 0)
            wanted = left if amount_minor is None else amount_minor
            if wanted <= 0 or wanted > left:
                raise ConflictError(
                    f"payment {payment_id} has "
                    f"{format_minor(max(left, 0), fresh.currency)} left to refund, "
                    f"{format_minor(wanted, fresh.currency)} was asked"
                )
            new = _INSERT_REFUND.first(
                conn,
                {
                    "office_id": office.id,
                    "payment_id": payment_id,
                    "idempotency_key": key,
                    "fingerprint": print_,
                    "status": "pending",
                    "amount_minor": wanted,
                    "reason": reason,
                    "created_at": now,
                    "refunded_by": self._desk.actor.id,
                },
            )
            assert new is not None
            detail["refund_id"] = int(new[0])
            detail["amount_minor"] = wanted
            return int(new[0])

        subject = f"payment:{payment_id}"
        retried = False
        try:
            refund_id, _ = self._desk.perform(
                "payments.refund", subject=subject, detail=detail, act=attempt
            )
        except _Existing as known:
            if known.status != "pending":
                return self._refund(known.row_id)
            refund_id, retried = known.row_id, True
        assert refund_id is not None
        pending_refund = self._refund(refund_id)
        gateway = self._book.gateway
        started = time.perf_counter_ns()
        assert current.gateway_ref is not None
        try:
            result = gateway.outcome(key) if retried else None
            if result is None:
                result = gateway.refund(
                    key=key, reference=current.gateway_ref, amount_minor=pending_refund.amount_minor
                )
        except GatewayTimeout:
            raise PaymentPending(
                f"the gateway did not answer: refund {refund_id} stays pending; "
                f"retry with the same idempotency key ({key!r})"
            ) from None
        return self._decide_refund(current, pending_refund, result, _elapsed_ms(started))

    def _refund(self, refund_id: int) -> Refund:
        stmt = sa.select(*_REFUND_COLUMNS).where(payment_refunds.c.id == refund_id)
        with self._office.engine.connect() as conn:
            return Refund(*conn.execute(stmt).one())

    def _decide_refund(
        self, payment: Payment, refund: Refund, result: GatewayResult, gateway_ms: int
    ) -> Refund:
        office = self._office
        status = "refunded" if result.status == "refunded" else "failed"
        now = office.clock.now()
        detail: dict[str, Any] = {
            "refund_id": refund.id,
            "payment_id": payment.id,
            "stage": status,
            "amount_minor": refund.amount_minor,
            "currency": payment.currency,
            "account": payment.account,
            "gateway_ms": gateway_ms,
            "taken_by": payment.taken_by,
        }
        if status == "failed":
            detail["decline_code"] = result.code or "failed"
        done: list[Refund] = []

        def act(conn: sa.Connection) -> None:
            row = _DECIDE_REFUND.first(
                conn,
                {
                    "b_id": refund.id,
                    "status": status,
                    "gateway_ref": result.reference,
                    "decline_code": detail.get("decline_code"),
                    "decided_at": now,
                },
            )
            if row is None:
                raise _Existing(refund.id, "decided")
            done.append(Refund(*row))
            if status == "refunded":
                _ADD_REFUNDED.first(conn, {"b_id": payment.id, "b_amount": refund.amount_minor})
                detail["receipt"] = _issue_receipt(
                    conn,
                    office,
                    payment_id=payment.id,
                    refund_id=refund.id,
                    kind="refund",
                    amount_minor=refund.amount_minor,
                    currency=payment.currency,
                    now=now,
                )

        try:
            self._desk.perform(
                "payments.refund", subject=f"payment:{payment.id}", detail=detail, act=act
            )
        except _Existing:
            return self._refund(refund.id)
        return done[0]

    # -- cash-up ------------------------------------------------------------------------------

    def cashup(self, day: dt.date) -> Cashup:
        """Close ``day`` (office time): the payments and refunds against the gateway's settlement.

        The takings by account and card brand are computed in SQL; each captured
        payment and refund is matched with the gateway's settlement by reference.
        A difference is reported in the result and in the ``payments.cashup`` event,
        never hidden. A day is closed once.

        Raises:
            ValidationError: ``day`` is not a date, or is too far out to compute with.
            ConflictError: The day was already closed.
            PermissionDenied: The member of staff may not cash up (recorded).
        """
        office = self._office
        tz = office.profile.office.tz
        start, end = office_day(day, tz)
        subject = f"day:{day.isoformat()}"
        self._authorise("payments.cashup", subject)
        settlement = self._book.gateway.settlement(start, end)
        currency = office.profile.office.currency
        detail: dict[str, Any] = {"day": day.isoformat(), "currency": currency}
        done: list[Cashup] = []

        def act(conn: sa.Connection) -> None:
            params = {"b_office_id": office.id, "b_start": start, "b_end": end, "b_day": day}
            if conn.execute(_CASHUP_EXISTS, params).first() is not None:
                raise ConflictError(f"{day} was already cashed up")
            cashup = _compute_cashup(conn, params, day, currency, settlement)
            totals = json.dumps(_cashup_json(cashup), sort_keys=True)
            new_id = conn.execute(
                cashups.insert()
                .values(
                    office_id=office.id,
                    day=day,
                    currency=currency,
                    taken_minor=cashup.taken_minor,
                    refunded_minor=cashup.refunded_minor,
                    settled_minor=cashup.settled_minor,
                    difference_minor=cashup.difference_minor,
                    totals=totals,
                    closed_at=office.clock.now(),
                    closed_by=self._desk.actor.id,
                )
                .returning(cashups.c.id)
            ).scalar_one()
            cashup = attrs.evolve(cashup, id=int(new_id))
            done.append(cashup)
            detail.update(
                cashup_id=cashup.id,
                payments=sum(r.payments for r in cashup.rows),
                refunds=sum(r.refunds for r in cashup.rows),
                taken_minor=cashup.taken_minor,
                refunded_minor=cashup.refunded_minor,
                net_minor=cashup.net_minor,
                settled_minor=cashup.settled_minor,
                difference_minor=cashup.difference_minor,
                by_account=dict(cashup.by_account),
                mismatches=len(cashup.mismatches),
            )

        self._desk.perform("payments.cashup", subject=subject, detail=detail, act=act)
        return done[0]


def _collect_key(value: object, problems: list[Problem]) -> str | None:
    try:
        return _key(value)
    except ValidationError as exc:
        problems.extend(exc.problems)
        return None


def _amount_minor(amount: object, currency: str) -> int:
    problems: list[Problem] = []
    value = _decimal(amount, "amount", "the amount", problems)
    if problems:
        raise ValidationError(problems)
    assert value is not None
    places = minor_units(currency)
    if not Decimal(0) < value <= MAX_TOTAL_MINOR:
        raise ValidationError(f"a refund's amount must be above zero, got {value}", where="amount")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(
            f"{currency} has {places} decimal place(s): {value} cannot be refunded exactly",
            where="amount",
        )
    return to_minor(value, currency, "ROUND_HALF_UP")


def _compute_cashup(
    conn: sa.Connection, params: dict[str, Any], day: dt.date, currency: str, settlement: Settlement
) -> Cashup:
    rows: dict[tuple[str, str], list[int]] = {}
    for account, brand, count, total in conn.execute(_DAY_TAKEN, params).all():
        rows.setdefault((account, brand), [0, 0, 0, 0])[0:2] = [int(count), int(total)]
    for account, brand, count, total in conn.execute(_DAY_REFUNDED, params).all():
        rows.setdefault((account, brand), [0, 0, 0, 0])[2:4] = [int(count), int(total)]
    table = tuple(
        CashupRow(account, brand, v[0], v[1], v[2], v[3])
        for (account, brand), v in sorted(rows.items())
    )
    ours: dict[tuple[str, str], int] = {}
    for reference, kind, amount in conn.execute(_DAY_MOVEMENTS, params).all():
        ours[(str(reference), str(kind))] = ours.get((str(reference), str(kind)), 0) + int(amount)
    theirs: dict[tuple[str, str], int] = {}
    for line in settlement.lines:
        theirs[(line.reference, line.kind)] = (
            theirs.get((line.reference, line.kind), 0) + line.amount_minor
        )
    mismatches = tuple(
        Mismatch(ref, kind, ours.get((ref, kind), 0), theirs.get((ref, kind), 0))
        for ref, kind in sorted(set(ours) | set(theirs))
        if ours.get((ref, kind), 0) != theirs.get((ref, kind), 0)
    )
    taken = sum(r.taken_minor for r in table)
    refunded = sum(r.refunded_minor for r in table)
    by_account = {a: 0 for a in ACCOUNTS if any(r.account == a for r in table)}
    for r in table:
        by_account[r.account] += r.taken_minor - r.refunded_minor
    settled = settlement.total()
    return Cashup(
        0,
        day,
        currency,
        table,
        taken,
        refunded,
        taken - refunded,
        settled,
        settled - (taken - refunded),
        by_account,
        mismatches,
    )


def _cashup_json(cashup: Cashup) -> dict[str, Any]:
    from officekit.core.convert import converter

    data: dict[str, Any] = converter.unstructure(cashup)
    return data


def _cashup_from_json(cashup_id: int, data: dict[str, Any]) -> Cashup:
    from officekit.core.convert import converter

    data["id"] = cashup_id
    return converter.structure(data, Cashup)


PAYMENTS_BOOK: OfficeFacet[PaymentBook] = OfficeFacet(
    "payments", PaymentBook, "Card payments, receipts, cash-ups and the gateway."
)
"""``office.payments``, typed: ``office.facet(PAYMENTS_BOOK)``."""

PAYMENT_DESK: DeskFacet[PaymentDesk] = DeskFacet(
    "payments", PaymentDesk, "Take payments: charge, capture, void, refund, cash-up."
)
"""``desk.payments``, typed: ``desk.facet(PAYMENT_DESK)``."""
