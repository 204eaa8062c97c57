"""The test gateway's journal, so that a later process knows what an earlier one charged.

Revision ID: money_payments_0002
Revises: money_payments_0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "money_payments_0002"
down_revision = "money_payments_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``payments_test_gateway``."""
    op.create_table(
        "payments_test_gateway",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_payments_test_gateway_office_id_offices"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_payments_test_gateway_office_id_id", "payments_test_gateway", ["office_id", "id"]
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_payments_test_gateway_office_id_id", table_name="payments_test_gateway")
    op.drop_table("payments_test_gateway")
