"""The assistant's schedule: entries, occupancy, working hours, delegations.

Revision ID: assistant_schedule_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assistant_schedule_0001"
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


def _staff(table: str, column: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer,
        sa.ForeignKey("staff.id", name=f"fk_{table}_{column}_staff"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "schedule_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        _office("schedule_entries"),
        sa.Column("uid", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("start_at", TS, nullable=False),
        sa.Column("end_at", TS, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("people", sa.String(500), nullable=False),
        sa.Column("rooms", sa.String(500), nullable=False),
        sa.Column("rrule", sa.String(500), nullable=True),
        sa.Column("exdates", sa.Text, nullable=False),
        sa.Column("last_end_at", TS, nullable=True),
        sa.Column("location", sa.String(200), nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("visit_type", sa.String(40), nullable=True),
        sa.Column("customer_ref", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("conflict_check_seq", sa.Integer, nullable=True),
        sa.Column("override_reason", sa.String(500), nullable=True),
        sa.Column("booked_at", TS, nullable=False),
        _staff("schedule_entries", "booked_by"),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.Column("confirmed_at", TS, nullable=True),
        sa.Column("reminded_at", TS, nullable=True),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("stamp", TS, nullable=False),
        sa.UniqueConstraint("office_id", "uid", name="uq_schedule_entries_office_id_uid"),
        sa.UniqueConstraint(
            "office_id",
            "conflict_check_seq",
            name="uq_schedule_entries_office_id_conflict_check_seq",
        ),
        sa.CheckConstraint(
            "kind IN ('meeting', 'appointment', 'time_off', 'break', 'hold')",
            name="ck_schedule_entries_kind",
        ),
        sa.CheckConstraint(
            "status IN ('confirmed', 'tentative', 'cancelled')", name="ck_schedule_entries_status"
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('attended', 'no_show', 'cancelled', "
            "'late_cancellation')",
            name="ck_schedule_entries_outcome",
        ),
        sa.CheckConstraint("end_at > start_at", name="ck_schedule_entries_span"),
    )
    op.create_index(
        "ix_schedule_entries_office_id_kind_start_at",
        "schedule_entries",
        ["office_id", "kind", "start_at"],
    )
    op.create_table(
        "schedule_occupancy",
        sa.Column("id", sa.Integer, primary_key=True),
        _office("schedule_occupancy"),
        sa.Column(
            "entry_id",
            sa.Integer,
            sa.ForeignKey(
                "schedule_entries.id", name="fk_schedule_occupancy_entry_id_schedule_entries"
            ),
            nullable=False,
        ),
        sa.Column("resource", sa.String(48), nullable=False),
        sa.Column("recurring", sa.Boolean, nullable=False),
        sa.Column("start_at", TS, nullable=False),
        sa.Column("end_at", TS, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index(
        "ix_schedule_occupancy_busy",
        "schedule_occupancy",
        ["office_id", "resource", "recurring", "start_at", "end_at"],
    )
    op.create_index("ix_schedule_occupancy_entry_id", "schedule_occupancy", ["entry_id"])
    op.create_table(
        "schedule_hours",
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_schedule_hours_office_id_offices"),
            nullable=False,
        ),
        sa.Column("principal", sa.String(40), nullable=False),
        sa.Column("hours", sa.Text, nullable=False),
        sa.Column("breaks", sa.Text, nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False),
        sa.Column("set_at", TS, nullable=False),
        _staff("schedule_hours", "set_by"),
        sa.PrimaryKeyConstraint("office_id", "principal", name="pk_schedule_hours"),
    )
    op.create_table(
        "schedule_delegations",
        sa.Column("id", sa.Integer, primary_key=True),
        _office("schedule_delegations"),
        sa.Column("principal", sa.String(40), nullable=False),
        _staff("schedule_delegations", "staff_id"),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("granted_at", TS, nullable=False),
        _staff("schedule_delegations", "granted_by"),
        sa.Column("revoked_at", TS, nullable=True),
        _staff("schedule_delegations", "revoked_by", nullable=True),
        sa.CheckConstraint(
            "scope IN ('free_busy', 'read', 'manage')", name="ck_schedule_delegations_scope"
        ),
    )
    op.create_index(
        "ix_schedule_delegations_office_id_staff_id",
        "schedule_delegations",
        ["office_id", "staff_id", "principal"],
    )


def downgrade() -> None:
    op.drop_index("ix_schedule_delegations_office_id_staff_id", table_name="schedule_delegations")
    op.drop_table("schedule_delegations")
    op.drop_table("schedule_hours")
    op.drop_index("ix_schedule_occupancy_entry_id", table_name="schedule_occupancy")
    op.drop_index("ix_schedule_occupancy_busy", table_name="schedule_occupancy")
    op.drop_table("schedule_occupancy")
    op.drop_index("ix_schedule_entries_office_id_kind_start_at", table_name="schedule_entries")
    op.drop_table("schedule_entries")
