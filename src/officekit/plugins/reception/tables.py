"""The receptionist's tables: calls, known callers, messages, visits, guardians.

The revisions that create them are in ``migrations/`` beside this module, with
their own version table (``officekit_version_reception``).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from officekit.core.extensions import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff

__all__ = ["MIGRATIONS", "calls", "guardians", "known_callers", "messages", "metadata", "visits"]

metadata = new_metadata()
"""The reception tables' MetaData."""

OFFICE_ID = offices.c.id
STAFF_ID = staff.c.id

known_callers = sa.Table(
    "known_callers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("department", sa.String(100), nullable=True),
    sa.UniqueConstraint("office_id", "number"),
)

calls = sa.Table(
    "calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("caller_number", sa.String(32), nullable=False),
    sa.Column("caller_name", sa.String(200), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("dialled_line", sa.String(64), nullable=True),
    # The line it occupies (1..N) while ringing, connected or on hold; NULL in the queue.
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
    sa.Column("arrived_at", UTCDateTime, nullable=False),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Column("hold_started_at", UTCDateTime, nullable=True),
    sa.Column("hold_seconds", sa.Float, nullable=False, server_default="0"),
    sa.Column("handled_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Index("ix_calls_office_id_arrived_at", "office_id", "arrived_at"),
    sa.Index("ix_calls_office_id_status", "office_id", "status"),
    # A line carries one call at a time: enforced by the database too.
    sa.Index(
        "uq_calls_office_id_line_live",
        "office_id",
        "line",
        unique=True,
        sqlite_where=sa.text("line IS NOT NULL"),
        postgresql_where=sa.text("line IS NOT NULL"),
    ),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("call_id", sa.ForeignKey("calls.id"), nullable=True),
    sa.Column("for_department", sa.String(100), nullable=True),
    sa.Column("for_staff_id", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("from_name", sa.String(200), nullable=True),
    sa.Column("from_number", sa.String(32), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("taken_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("taken_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime, nullable=True),
    sa.Column("acknowledged_at", UTCDateTime, nullable=True),
    sa.Column("acknowledged_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Index("ix_messages_office_id_acknowledged_at", "office_id", "acknowledged_at"),
)

visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("visitor_name", sa.String(200), nullable=False),
    sa.Column("purpose", sa.String(500), nullable=False),
    sa.Column("host_staff_id", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("host_department", sa.String(100), nullable=True),
    sa.Column("appointment", sa.Boolean, nullable=False),
    sa.Column("confidential", sa.Boolean, nullable=False),
    sa.Column("identity_document", sa.String(100), nullable=True),
    sa.Column("badge", sa.Integer, nullable=True),
    sa.Column("record_ref", sa.String(100), nullable=True),
    sa.Column("checked_in_at", UTCDateTime, nullable=False),
    sa.Column("checked_in_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("received_at", UTCDateTime, nullable=True),
    sa.Column("checked_out_at", UTCDateTime, nullable=True),
    sa.Index("ix_visits_office_id_checked_out_at", "office_id", "checked_out_at"),
)

guardians = sa.Table(
    "guardians",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("student", sa.String(200), nullable=False),
    sa.Column("guardian", sa.String(200), nullable=False),
    sa.UniqueConstraint("office_id", "student", "guardian"),
)


MIGRATIONS = Migrations("reception", Path(__file__).resolve().parent / "migrations", metadata)
"""The reception tables and their revisions."""
