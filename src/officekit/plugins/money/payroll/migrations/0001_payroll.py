"""The money desk's payroll: batches of cheques, cheques, pickup exceptions.

Revision ID: money_payroll_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "money_payroll_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "payroll_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_payroll_batches_office_id_offices"),
            nullable=False,
        ),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("cheques", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column(
            "received_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_payroll_batches_received_by_staff"),
            nullable=False,
        ),
        sa.Column("picked_up_at", TS, nullable=True),
        sa.Column(
            "picked_up_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_payroll_batches_picked_up_by_staff"),
            nullable=True,
        ),
        sa.CheckConstraint("state IN ('received', 'picked_up')", name="ck_payroll_batches_state"),
    )
    op.create_table(
        "payroll_cheques",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_payroll_cheques_office_id_offices"),
            nullable=False,
        ),
        sa.Column(
            "batch_id",
            sa.Integer,
            sa.ForeignKey("payroll_batches.id", name="fk_payroll_cheques_batch_id_payroll_batches"),
            nullable=False,
        ),
        sa.Column("cheque_number", sa.String(32), nullable=False),
        sa.Column(
            "staff_id",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_payroll_cheques_staff_id_staff"),
            nullable=False,
        ),
        sa.Column("pay_date", sa.Date, nullable=False),
        sa.Column("net_minor", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("picked_up_at", TS, nullable=True),
        sa.Column("held_at", TS, nullable=True),
        sa.Column("handed_over_at", TS, nullable=True),
        sa.Column(
            "handed_over_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_payroll_cheques_handed_over_by_staff"),
            nullable=True,
        ),
        sa.Column("acknowledgement", sa.String(200), nullable=True),
        sa.Column("returned_at", TS, nullable=True),
        sa.Column("return_reason", sa.String(32), nullable=True),
        sa.UniqueConstraint(
            "office_id", "cheque_number", name="uq_payroll_cheques_office_id_cheque_number"
        ),
        sa.CheckConstraint(
            "state IN ('received', 'picked_up', 'missing', 'held', 'handed_over', 'returned')",
            name="ck_payroll_cheques_state",
        ),
        sa.CheckConstraint("net_minor > 0", name="ck_payroll_cheques_net_minor"),
    )
    op.create_index(
        "ix_payroll_cheques_office_id_state_due_at",
        "payroll_cheques",
        ["office_id", "state", "due_at"],
    )
    op.create_index("ix_payroll_cheques_batch_id", "payroll_cheques", ["batch_id"])
    op.create_table(
        "payroll_exceptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_payroll_exceptions_office_id_offices"),
            nullable=False,
        ),
        sa.Column(
            "batch_id",
            sa.Integer,
            sa.ForeignKey(
                "payroll_batches.id", name="fk_payroll_exceptions_batch_id_payroll_batches"
            ),
            nullable=False,
        ),
        sa.Column("cheque_number", sa.String(32), nullable=False),
        sa.Column(
            "cheque_id",
            sa.Integer,
            sa.ForeignKey(
                "payroll_cheques.id", name="fk_payroll_exceptions_cheque_id_payroll_cheques"
            ),
            nullable=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.CheckConstraint("kind IN ('missing', 'extra')", name="ck_payroll_exceptions_kind"),
    )
    op.create_index("ix_payroll_exceptions_batch_id", "payroll_exceptions", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_payroll_exceptions_batch_id", table_name="payroll_exceptions")
    op.drop_table("payroll_exceptions")
    op.drop_index("ix_payroll_cheques_batch_id", table_name="payroll_cheques")
    op.drop_index("ix_payroll_cheques_office_id_state_due_at", table_name="payroll_cheques")
    op.drop_table("payroll_cheques")
    op.drop_table("payroll_batches")
