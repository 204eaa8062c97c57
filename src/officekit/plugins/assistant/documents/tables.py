"""The documents tables: the processing queue of incoming documents.

The revision that creates them is in ``migrations/`` beside this module, with
its own version table (``officekit_version_assistant_documents``).

An item's place in the queue is one column, ``state``, which the database keeps
to the known values (a CHECK constraint); the desk moves it only by guarded
updates (``UPDATE ... WHERE state = 'received' RETURNING``), so that an item is
never in two states nor moved twice. The steps' history is in the event log.
Revision 0002 admits ``filing``, the state of an item claimed for filing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from officekit.core.extensions import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff

__all__ = ["MIGRATIONS", "OPEN_STATES", "STATES", "document_queue", "metadata"]

STATES = ("received", "reviewed", "filing", "filed", "forwarded", "returned")
"""An incoming document's states: ``received`` (logged), ``reviewed``, ``filing``
(claimed for filing at the filing desk, not yet completed), and where it ended:
``filed``, ``forwarded`` or ``returned``."""

OPEN_STATES = ("received", "reviewed", "filing")
"""The states of an item not yet dealt with: it may be overdue."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


metadata = new_metadata()
"""The documents tables' MetaData."""

document_queue = sa.Table(
    "document_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("sender_ref", sa.String(100), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("received_by", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
    sa.Column("reviewed_by", sa.ForeignKey(staff.c.id), nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("closed_by", sa.ForeignKey(staff.c.id), nullable=True),
    sa.Column("forwarded_to", sa.String(40), nullable=True),
    sa.Column("return_reason", sa.String(32), nullable=True),
    sa.Column("filing_document_id", sa.Integer, nullable=True),
    sa.CheckConstraint(_in("state", STATES), name="state"),
    sa.Index("ix_document_queue_office_id_state_due_at", "office_id", "state", "due_at"),
)

MIGRATIONS = Migrations(
    "assistant_documents", Path(__file__).resolve().parent / "migrations", metadata
)
"""The documents tables and their revisions."""
