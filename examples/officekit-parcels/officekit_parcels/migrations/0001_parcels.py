"""The parcel desk: the parcels table.

Revision ID: parcels_0001
Revises:
Create Date: 2026-12-01

A plain Alembic revision. Constraints are named as the kernel's naming
convention names them in ``tables.py``, so that the two agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "parcels_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "parcels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_parcels_office_id_offices"),
            nullable=False,
        ),
        sa.Column("carrier", sa.String(100), nullable=False),
        sa.Column("tracking", sa.String(64), nullable=False),
        sa.Column(
            "recipient_staff_id",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_parcels_recipient_staff_id_staff"),
            nullable=True,
        ),
        sa.Column("recipient_department", sa.String(100), nullable=True),
        sa.Column("high_value", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("received_at", TS, nullable=False),
        sa.Column(
            "signed_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_parcels_signed_by_staff"),
            nullable=False,
        ),
        sa.Column("collected_at", TS, nullable=True),
        sa.Column(
            "handed_over_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_parcels_handed_over_by_staff"),
            nullable=True,
        ),
        sa.UniqueConstraint(
            "office_id", "carrier", "tracking", name="uq_parcels_office_id_carrier_tracking"
        ),
    )
    op.create_index("ix_parcels_office_id_collected_at", "parcels", ["office_id", "collected_at"])


def downgrade() -> None:
    op.drop_index("ix_parcels_office_id_collected_at", table_name="parcels")
    op.drop_table("parcels")
