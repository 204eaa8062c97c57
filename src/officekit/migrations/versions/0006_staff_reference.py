"""Give a member of staff an optional outside reference, unique in their office.

Revision ID: 0006_staff_reference
Revises: 0005_events_operation_seq
Create Date: 2026-11-29

An embedding application hires its people from somewhere else (an HR system,
a payroll file): ``office.staff.hire(..., reference="HR-1042")`` keeps that
system's id, and ``office.staff.find(reference="HR-1042")`` finds the member
of staff again, so that a script run twice does not hire the same person twice.
The index is unique per office; members of staff without a reference (NULL)
do not collide, on SQLite as on PostgreSQL. Existing staff have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_staff_reference"
down_revision = "0005_events_operation_seq"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("reference", sa.String(100), nullable=True))
    op.create_index(
        "ix_staff_office_id_reference", "staff", ["office_id", "reference"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_staff_office_id_reference", table_name="staff")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("reference")
