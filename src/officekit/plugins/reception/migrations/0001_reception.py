"""The receptionist's desk: calls, known callers, messages, visits, guardians.

Revision ID: reception_0001
Revises:
Create Date: 2026-11-29

These tables were created by the kernel's revision ``0002_reception`` before the
receptionist's desk became a plugin with migrations of its own. A database made
then already has them: this revision adopts them as they are, and creates them
everywhere else.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "reception_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("calls"):
        return  # made by the kernel's revision 0002_reception, before the split
    op.create_table(
        "known_callers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_known_callers_office_id_offices"),
            nullable=False,
        ),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("department", sa.String(100), nullable=True),
        sa.UniqueConstraint("office_id", "number", name="uq_known_callers_office_id_number"),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_calls_office_id_offices"),
            nullable=False,
        ),
        sa.Column("caller_number", sa.String(32), nullable=False),
        sa.Column("caller_name", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("dialled_line", sa.String(64), nullable=True),
        sa.Column("line", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("department", sa.String(100), nullable=True),
        sa.Column("destination", sa.String(100), nullable=True),
        sa.Column("routed_by", sa.String(200), nullable=False),
        sa.Column("urgent", sa.String(100), nullable=True),
        sa.Column("script", sa.Text, nullable=True),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("transferred_to", sa.String(200), nullable=True),
        sa.Column("misrouted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("arrived_at", TS, nullable=False),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("hold_started_at", TS, nullable=True),
        sa.Column("hold_seconds", sa.Float, nullable=False, server_default="0"),
        sa.Column(
            "handled_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_calls_handled_by_staff"),
            nullable=True,
        ),
    )
    op.create_index("ix_calls_office_id_arrived_at", "calls", ["office_id", "arrived_at"])
    op.create_index("ix_calls_office_id_status", "calls", ["office_id", "status"])
    op.create_index(
        "uq_calls_office_id_line_live",
        "calls",
        ["office_id", "line"],
        unique=True,
        sqlite_where=sa.text("line IS NOT NULL"),
        postgresql_where=sa.text("line IS NOT NULL"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_messages_office_id_offices"),
            nullable=False,
        ),
        sa.Column(
            "call_id",
            sa.Integer,
            sa.ForeignKey("calls.id", name="fk_messages_call_id_calls"),
            nullable=True,
        ),
        sa.Column("for_department", sa.String(100), nullable=True),
        sa.Column(
            "for_staff_id",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_messages_for_staff_id_staff"),
            nullable=True,
        ),
        sa.Column("from_name", sa.String(200), nullable=True),
        sa.Column("from_number", sa.String(32), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column(
            "taken_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_messages_taken_by_staff"),
            nullable=True,
        ),
        sa.Column("taken_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column(
            "acknowledged_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_messages_acknowledged_by_staff"),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_messages_office_id_acknowledged_at", "messages", ["office_id", "acknowledged_at"]
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_visits_office_id_offices"),
            nullable=False,
        ),
        sa.Column("visitor_name", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column(
            "host_staff_id",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_visits_host_staff_id_staff"),
            nullable=True,
        ),
        sa.Column("host_department", sa.String(100), nullable=True),
        sa.Column("appointment", sa.Boolean, nullable=False),
        sa.Column("confidential", sa.Boolean, nullable=False),
        sa.Column("identity_document", sa.String(100), nullable=True),
        sa.Column("badge", sa.Integer, nullable=True),
        sa.Column("record_ref", sa.String(100), nullable=True),
        sa.Column("checked_in_at", TS, nullable=False),
        sa.Column(
            "checked_in_by",
            sa.Integer,
            sa.ForeignKey("staff.id", name="fk_visits_checked_in_by_staff"),
            nullable=True,
        ),
        sa.Column("received_at", TS, nullable=True),
        sa.Column("checked_out_at", TS, nullable=True),
    )
    op.create_index("ix_visits_office_id_checked_out_at", "visits", ["office_id", "checked_out_at"])
    op.create_table(
        "guardians",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_guardians_office_id_offices"),
            nullable=False,
        ),
        sa.Column("student", sa.String(200), nullable=False),
        sa.Column("guardian", sa.String(200), nullable=False),
        sa.UniqueConstraint(
            "office_id", "student", "guardian", name="uq_guardians_office_id_student_guardian"
        ),
    )


def downgrade() -> None:
    op.drop_table("guardians")
    op.drop_index("ix_visits_office_id_checked_out_at", table_name="visits")
    op.drop_table("visits")
    op.drop_index("ix_messages_office_id_acknowledged_at", table_name="messages")
    op.drop_table("messages")
    op.drop_index("uq_calls_office_id_line_live", table_name="calls")
    op.drop_index("ix_calls_office_id_status", table_name="calls")
    op.drop_index("ix_calls_office_id_arrived_at", table_name="calls")
    op.drop_table("calls")
    op.drop_table("known_callers")
