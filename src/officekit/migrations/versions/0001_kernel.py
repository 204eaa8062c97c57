"""The kernel: offices, staff and their roles, the event log.

Revision ID: 0001_kernel
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_kernel"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("profile", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_seq", sa.Integer, nullable=False, server_default="0"),
        sa.Column("event_head", sa.String(64), nullable=False, server_default="0" * 64),
        sa.PrimaryKeyConstraint("id", name="pk_offices"),
        sa.UniqueConstraint("key", name="uq_offices_key"),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("office_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("experience_years", sa.Float, nullable=False),
        sa.Column("education", sa.String(100), nullable=True),
        sa.Column("hired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name="fk_staff_office_id_offices"),
    )
    op.create_index("ix_staff_office_id", "staff", ["office_id"])
    op.create_table(
        "staff_roles",
        sa.Column("staff_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", "role", name="pk_staff_roles"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_staff_roles_staff_id_staff"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("office_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("duration_us", sa.BigInteger, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], name="fk_events_office_id_offices"),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"], name="fk_events_actor_id_staff"),
        sa.UniqueConstraint("office_id", "seq", name="uq_events_office_id_seq"),
    )
    op.create_index(
        "ix_events_office_id_operation_occurred_at",
        "events",
        ["office_id", "operation", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("staff_roles")
    op.drop_index("ix_staff_office_id", table_name="staff")
    op.drop_table("staff")
    op.drop_table("offices")
