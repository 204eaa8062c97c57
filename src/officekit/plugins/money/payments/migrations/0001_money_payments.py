"""The money desk's payments: payments, lines, refunds, receipts, counters, cash-ups.

Revision ID: money_payments_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "money_payments_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _office(table: str) -> sa.Column[int]:
    return sa.Column(
        "office_id",
        sa.Integer,
        sa.ForeignKey("offices.id", name=f"fk_{table}_office_id_offices"),
        nullable=False,
    )


def _staff(table: str, column: str) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer,
        sa.ForeignKey("staff.id", name=f"fk_{table}_{column}_staff"),
        nullable=True,
    )


def _payment(table: str) -> sa.Column[int]:
    return sa.Column(
        "payment_id",
        sa.Integer,
        sa.ForeignKey("payments.id", name=f"fk_{table}_payment_id_payments"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True),
        _office("payments"),
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
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("captured_at", TS, nullable=True),
        sa.Column("voided_at", TS, nullable=True),
        _staff("payments", "taken_by"),
        sa.UniqueConstraint(
            "office_id", "idempotency_key", name="uq_payments_office_id_idempotency_key"
        ),
    )
    op.create_index(
        "ix_payments_office_id_captured_at",
        "payments",
        ["office_id", "captured_at"],
        sqlite_where=sa.text("captured_at IS NOT NULL"),
        postgresql_where=sa.text("captured_at IS NOT NULL"),
    )
    op.create_table(
        "payment_lines",
        sa.Column("id", sa.Integer, primary_key=True),
        _payment("payment_lines"),
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
        sa.UniqueConstraint("payment_id", "position", name="uq_payment_lines_payment_id_position"),
    )
    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Integer, primary_key=True),
        _office("payment_refunds"),
        _payment("payment_refunds"),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("gateway_ref", sa.String(100), nullable=True),
        sa.Column("decline_code", sa.String(50), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        _staff("payment_refunds", "refunded_by"),
        sa.UniqueConstraint(
            "office_id", "idempotency_key", name="uq_payment_refunds_office_id_idempotency_key"
        ),
    )
    op.create_index(
        "ix_payment_refunds_office_id_decided_at", "payment_refunds", ["office_id", "decided_at"]
    )
    op.create_table(
        "receipt_counters",
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_receipt_counters_office_id_offices"),
            nullable=False,
        ),
        sa.Column("year", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("office_id", "year", name="pk_receipt_counters"),
    )
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer, primary_key=True),
        _office("receipts"),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        _payment("receipts"),
        sa.Column(
            "refund_id",
            sa.Integer,
            sa.ForeignKey("payment_refunds.id", name="fk_receipts_refund_id_payment_refunds"),
            nullable=True,
        ),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.UniqueConstraint(
            "office_id", "year", "number", name="uq_receipts_office_id_year_number"
        ),
    )
    op.create_index("ix_receipts_payment_id", "receipts", ["payment_id"])
    op.create_table(
        "cashups",
        sa.Column("id", sa.Integer, primary_key=True),
        _office("cashups"),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("taken_minor", sa.BigInteger, nullable=False),
        sa.Column("refunded_minor", sa.BigInteger, nullable=False),
        sa.Column("settled_minor", sa.BigInteger, nullable=False),
        sa.Column("difference_minor", sa.BigInteger, nullable=False),
        sa.Column("totals", sa.Text, nullable=False),
        sa.Column("closed_at", TS, nullable=False),
        _staff("cashups", "closed_by"),
        sa.UniqueConstraint("office_id", "day", name="uq_cashups_office_id_day"),
    )


def downgrade() -> None:
    op.drop_table("cashups")
    op.drop_index("ix_receipts_payment_id", table_name="receipts")
    op.drop_table("receipts")
    op.drop_table("receipt_counters")
    op.drop_index("ix_payment_refunds_office_id_decided_at", table_name="payment_refunds")
    op.drop_table("payment_refunds")
    op.drop_table("payment_lines")
    op.drop_index("ix_payments_office_id_captured_at", table_name="payments")
    op.drop_table("payments")
