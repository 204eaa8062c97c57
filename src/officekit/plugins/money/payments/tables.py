"""The payments tables: payments, their lines, refunds, receipts and their counters, cash-ups.

Amounts are integers in the currency's minor unit. No card number, CVC or
expiry is ever stored: the gateway's token, the brand and the last four digits.
The revision that creates them is in ``migrations/`` beside this module, with its
own version table (``officekit_version_money_payments``).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from officekit.core.extensions import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff

__all__ = [
    "MIGRATIONS",
    "cashups",
    "metadata",
    "payment_lines",
    "payment_refunds",
    "payments",
    "receipt_counters",
    "receipts",
    "test_gateway_journal",
]

metadata = new_metadata()
"""The payments tables' MetaData."""

OFFICE_ID = offices.c.id
STAFF_ID = staff.c.id

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("idempotency_key", sa.String(100), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("account", sa.String(20), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("net_minor", sa.BigInteger, nullable=False),
    sa.Column("tax_minor", sa.BigInteger, nullable=False),
    sa.Column("total_minor", sa.BigInteger, nullable=False),
    sa.Column("captured_minor", sa.BigInteger, nullable=False),
    sa.Column("refunded_minor", sa.BigInteger, nullable=False),
    sa.Column("brand", sa.String(20), nullable=False),
    sa.Column("last4", sa.String(4), nullable=False),
    sa.Column("token", sa.String(100), nullable=True),
    sa.Column("gateway", sa.String(50), nullable=False),
    sa.Column("gateway_ref", sa.String(100), nullable=True),
    sa.Column("decline_code", sa.String(50), nullable=True),
    sa.Column("customer", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("captured_at", UTCDateTime, nullable=True),
    sa.Column("voided_at", UTCDateTime, nullable=True),
    sa.Column("taken_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.UniqueConstraint("office_id", "idempotency_key"),
)
# Only captured payments are in it (the cash-up's query): recording an attempt
# writes no page of it.
_CAPTURED = payments.c.captured_at.is_not(None)
sa.Index(
    "ix_payments_office_id_captured_at",
    payments.c.office_id,
    payments.c.captured_at,
    sqlite_where=_CAPTURED,
    postgresql_where=_CAPTURED,
)

payment_lines = sa.Table(
    "payment_lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("payment_id", sa.ForeignKey("payments.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("category", sa.String(50), nullable=True),
    sa.Column("quantity", sa.String(40), nullable=False),
    sa.Column("unit_price", sa.String(40), nullable=False),
    sa.Column("tax_rate", sa.String(20), nullable=False),
    sa.Column("net_minor", sa.BigInteger, nullable=False),
    sa.Column("tax_minor", sa.BigInteger, nullable=False),
    sa.Column("gross_minor", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("payment_id", "position"),
)

payment_refunds = sa.Table(
    "payment_refunds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("payment_id", sa.ForeignKey("payments.id"), nullable=False),
    sa.Column("idempotency_key", sa.String(100), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("gateway_ref", sa.String(100), nullable=True),
    sa.Column("decline_code", sa.String(50), nullable=True),
    sa.Column("reason", sa.String(500), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Column("refunded_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.UniqueConstraint("office_id", "idempotency_key"),
    sa.Index("ix_payment_refunds_office_id_decided_at", "office_id", "decided_at"),
)

receipt_counters = sa.Table(
    "receipt_counters",
    metadata,
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("last_number", sa.Integer, nullable=False),
)

receipts = sa.Table(
    "receipts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("payment_id", sa.ForeignKey("payments.id"), nullable=False),
    sa.Column("refund_id", sa.ForeignKey("payment_refunds.id"), nullable=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("issued_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("office_id", "year", "number"),
    sa.Index("ix_receipts_payment_id", "payment_id"),
)

cashups = sa.Table(
    "cashups",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("taken_minor", sa.BigInteger, nullable=False),
    sa.Column("refunded_minor", sa.BigInteger, nullable=False),
    sa.Column("settled_minor", sa.BigInteger, nullable=False),
    sa.Column("difference_minor", sa.BigInteger, nullable=False),
    sa.Column("totals", sa.Text, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=False),
    sa.Column("closed_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.UniqueConstraint("office_id", "day"),
)

test_gateway_journal = sa.Table(
    "payments_test_gateway",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Index("ix_payments_test_gateway_office_id_id", "office_id", "id"),
)
"""The test gateway's journal, when it keeps one: what the "processor" did, for the next process.

Rows of kind ``key`` (an idempotency key's parameters and result), ``charge`` (a
charge's state; the latest row wins) and ``settle`` (a settlement line). Only the
brand and last four digits of a card, as everywhere.
"""

MIGRATIONS = Migrations("money_payments", Path(__file__).resolve().parent / "migrations", metadata)
"""The payments tables and their revisions."""
