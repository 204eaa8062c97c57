"""The filing tables: documents, their retention events, legal holds, check-outs.

The revisions that create them are in ``migrations/`` beside this module, with
their own version table (``officekit_version_clerk_filing``). The full-text
index, ``filing_search``, is made by the same revision but differs by backend
(an FTS5 virtual table on SQLite, a ``tsvector`` column with a GIN index on
PostgreSQL), so it is not declared here: ``officekit.plugins.clerk.filing.search``
writes and reads it.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from officekit.core.extensions import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff

__all__ = ["MIGRATIONS", "checkouts", "document_events", "documents", "holds", "metadata"]

metadata = new_metadata()
"""The filing tables' MetaData."""

OFFICE_ID = offices.c.id
STAFF_ID = staff.c.id

documents = sa.Table(
    "filing_documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # paper | electronic
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("reference", sa.String(100), nullable=True),
    sa.Column("dated", sa.Date, nullable=False),
    sa.Column("tags", sa.String(1100), nullable=False),
    sa.Column("sender", sa.String(320), nullable=True),
    sa.Column("cabinet", sa.String(100), nullable=True),
    sa.Column("drawer", sa.String(100), nullable=True),
    sa.Column("folder", sa.String(100), nullable=True),
    sa.Column("sha256", sa.String(64), nullable=True),
    sa.Column("media_type", sa.String(100), nullable=True),
    sa.Column("filename", sa.String(255), nullable=True),
    sa.Column("size", sa.BigInteger, nullable=True),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("filed_at", UTCDateTime, nullable=False),
    sa.Column("filed_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("classified_by", sa.String(120), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active | archived | destroyed
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
    sa.Column("disposed_at", UTCDateTime, nullable=True),
    sa.Column("disposed_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("disposal", sa.String(16), nullable=True),
    sa.Index("ix_filing_documents_office_id_category", "office_id", "category"),
    sa.Index("ix_filing_documents_office_id_reference", "office_id", "reference"),
    sa.Index("ix_filing_documents_office_id_sha256", "office_id", "sha256"),
)

document_events = sa.Table(
    "filing_document_events",
    metadata,
    sa.Column("document_id", sa.ForeignKey(documents.c.id), primary_key=True),
    sa.Column("event", sa.String(64), primary_key=True),
    sa.Column("occurred_on", sa.Date, nullable=False),
)

holds = sa.Table(
    "filing_holds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("reference", sa.String(100), nullable=True),
    sa.Column("document_id", sa.ForeignKey(documents.c.id), nullable=True),
    sa.Column("placed_at", UTCDateTime, nullable=False),
    sa.Column("placed_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("released_at", UTCDateTime, nullable=True),
    sa.Column("released_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Index("ix_filing_holds_office_id_released_at", "office_id", "released_at"),
)

checkouts = sa.Table(
    "filing_checkouts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("document_id", sa.ForeignKey(documents.c.id), nullable=False),
    sa.Column("staff_id", sa.ForeignKey(STAFF_ID), nullable=False),
    sa.Column("checked_out_at", UTCDateTime, nullable=False),
    sa.Column("checked_out_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("returned_at", UTCDateTime, nullable=True),
    sa.Column("returned_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Index("ix_filing_checkouts_office_id_returned_at", "office_id", "returned_at"),
    # One open check-out per document: two desks checking the same file out at once
    # cannot both succeed.
    sa.Index(
        "uq_filing_checkouts_document_id_open",
        "document_id",
        unique=True,
        sqlite_where=sa.text("returned_at IS NULL"),
        postgresql_where=sa.text("returned_at IS NULL"),
    ),
)


MIGRATIONS = Migrations("clerk_filing", Path(__file__).resolve().parent / "migrations", metadata)
"""The filing tables and their revisions (version table ``officekit_version_clerk_filing``)."""
