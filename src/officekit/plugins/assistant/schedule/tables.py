"""The schedule's tables: entries, what they occupy, working hours and delegations.

The revision that creates them is in ``migrations/`` beside this module, with its
own version table (``officekit_version_assistant_schedule``).

One row per entry (``schedule_entries``, with its recurrence rule and cancelled
occurrences), and one row per person or room it occupies
(``schedule_occupancy``), indexed for "the busy intervals of resource R that
overlap ``[a, b)``": a single entry's row is its span (a long one is cut into
pieces of at most ``CHUNK``, so that the query can bound how early a row that
overlaps ``a`` may start); a recurring entry's row spans from its first start to
the end of its last occurrence (or the far future), flagged ``recurring``, and is
expanded with [`occurrences`][officekit.plugins.assistant.schedule.recurrence.occurrences].
Times are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from officekit.core.extensions import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff
from officekit.plugins.assistant.schedule.model import ENTRY_KINDS

__all__ = [
    "CHUNK",
    "DELEGATION_SCOPES",
    "ENTRY_STATUSES",
    "FAR_FUTURE",
    "MIGRATIONS",
    "OUTCOMES",
    "metadata",
    "schedule_delegations",
    "schedule_entries",
    "schedule_hours",
    "schedule_occupancy",
]

ENTRY_STATUSES = ("confirmed", "tentative", "cancelled")
"""An entry's statuses (those of iCalendar's ``STATUS``)."""

OUTCOMES = ("attended", "no_show", "cancelled", "late_cancellation")
"""What became of a customer's appointment, once known."""

DELEGATION_SCOPES = ("free_busy", "read", "manage")
"""What a delegation allows, each including the one before: see busy blocks only, see
the details, book and cancel."""

CHUNK = dt.timedelta(days=7)
"""The longest occupancy row of a single entry: a longer entry has several rows."""

FAR_FUTURE = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
"""The end of the occupancy row of an endless recurring entry."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


metadata = new_metadata()
"""The schedule tables' MetaData."""

schedule_entries = sa.Table(
    "schedule_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("uid", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("people", sa.String(500), nullable=False),
    sa.Column("rooms", sa.String(500), nullable=False),
    sa.Column("rrule", sa.String(500), nullable=True),
    sa.Column("exdates", sa.Text, nullable=False),
    sa.Column("last_end_at", UTCDateTime, nullable=True),
    sa.Column("location", sa.String(200), nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("visit_type", sa.String(40), nullable=True),
    sa.Column("customer_ref", sa.String(64), nullable=True),
    sa.Column("outcome", sa.String(24), nullable=True),
    # the event of the clear conflict check a consultation used (each is used once)
    sa.Column("conflict_check_seq", sa.Integer, nullable=True),
    sa.Column("override_reason", sa.String(500), nullable=True),
    sa.Column("booked_at", UTCDateTime, nullable=False),
    sa.Column("booked_by", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("cancelled_at", UTCDateTime, nullable=True),
    sa.Column("confirmed_at", UTCDateTime, nullable=True),
    sa.Column("reminded_at", UTCDateTime, nullable=True),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("stamp", UTCDateTime, nullable=False),
    sa.UniqueConstraint("office_id", "uid"),
    sa.UniqueConstraint("office_id", "conflict_check_seq"),
    sa.CheckConstraint(_in("kind", ENTRY_KINDS), name="kind"),
    sa.CheckConstraint(_in("status", ENTRY_STATUSES), name="status"),
    sa.CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome"),
    sa.CheckConstraint("end_at > start_at", name="span"),
    sa.Index("ix_schedule_entries_office_id_kind_start_at", "office_id", "kind", "start_at"),
)

schedule_occupancy = sa.Table(
    "schedule_occupancy",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("entry_id", sa.ForeignKey("schedule_entries.id"), nullable=False),
    # "p:<principal>" or "r:<room>"
    sa.Column("resource", sa.String(48), nullable=False),
    sa.Column("recurring", sa.Boolean, nullable=False),
    sa.Column("start_at", UTCDateTime, nullable=False),
    sa.Column("end_at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Index(
        "ix_schedule_occupancy_busy", "office_id", "resource", "recurring", "start_at", "end_at"
    ),
    sa.Index("ix_schedule_occupancy_entry_id", "entry_id"),
)

schedule_hours = sa.Table(
    "schedule_hours",
    metadata,
    sa.Column("office_id", sa.ForeignKey(offices.c.id), primary_key=True),
    sa.Column("principal", sa.String(40), primary_key=True),
    sa.Column("hours", sa.Text, nullable=False),
    sa.Column("breaks", sa.Text, nullable=False),
    sa.Column("buffer_minutes", sa.Integer, nullable=False),
    sa.Column("set_at", UTCDateTime, nullable=False),
    sa.Column("set_by", sa.ForeignKey(staff.c.id), nullable=False),
)

schedule_delegations = sa.Table(
    "schedule_delegations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("principal", sa.String(40), nullable=False),
    sa.Column("staff_id", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("granted_at", UTCDateTime, nullable=False),
    sa.Column("granted_by", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("revoked_by", sa.ForeignKey(staff.c.id), nullable=True),
    sa.CheckConstraint(_in("scope", DELEGATION_SCOPES), name="scope"),
    sa.Index("ix_schedule_delegations_office_id_staff_id", "office_id", "staff_id", "principal"),
)

MIGRATIONS = Migrations(
    "assistant_schedule", Path(__file__).resolve().parent / "migrations", metadata
)
"""The schedule tables and their revisions."""
