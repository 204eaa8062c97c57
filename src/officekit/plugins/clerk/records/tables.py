"""The records tables: records, their history, and merges.

The revisions that create them are in ``migrations/`` beside this module, with
their own version table (``officekit_version_clerk_records``).

Personal values live only here: in ``records.data`` (and the columns duplicate
detection reads), in ``record_history.old_value``/``new_value`` and in
``record_merges.into_before``/``into_after``. Erasing a record wipes all of them.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from officekit.core.extensions import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff

__all__ = ["MIGRATIONS", "metadata", "record_history", "record_merges", "records"]

metadata = new_metadata()
"""The records tables' MetaData."""

OFFICE_ID = offices.c.id
STAFF_ID = staff.c.id

records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("kind", sa.String(63), nullable=False),
    # The normalised values, canonical JSON; {"erased": true} once erased.
    sa.Column("data", sa.Text, nullable=False),
    # What duplicate detection compares, from the normalised values.
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("name_key", sa.String(500), nullable=True),
    sa.Column("birth_date", sa.String(10), nullable=True),
    # sha256 of the kind and the data: the same record twice is refused by the database.
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("source", sa.String(200), nullable=True),
    sa.Column("entered_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("entered_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("merged_into", sa.ForeignKey("records.id"), nullable=True),
    sa.Column("erased_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("office_id", "kind", "fingerprint"),
    sa.Index("ix_records_office_id_kind_phone", "office_id", "kind", "phone"),
    sa.Index("ix_records_office_id_kind_email", "office_id", "kind", "email"),
    sa.Index("ix_records_office_id_kind_birth_date", "office_id", "kind", "birth_date"),
)

record_merges = sa.Table(
    "record_merges",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("record_id", sa.ForeignKey("records.id"), nullable=False),
    sa.Column("into_id", sa.ForeignKey("records.id"), nullable=False),
    # The kept record's values before and after the merge filled its gaps (personal).
    sa.Column("into_before", sa.Text, nullable=True),
    sa.Column("into_after", sa.Text, nullable=True),
    sa.Column("into_fingerprint", sa.String(64), nullable=False),
    sa.Column("merged_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("merged_at", UTCDateTime, nullable=False),
    sa.Column("undone_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("undone_at", UTCDateTime, nullable=True),
    sa.Index("ix_record_merges_record_id", "record_id"),
    sa.Index("ix_record_merges_into_id", "into_id"),
)

record_history = sa.Table(
    "record_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(OFFICE_ID), nullable=False),
    sa.Column("record_id", sa.ForeignKey("records.id"), nullable=False),
    # correct, merge, unmerge or erase
    sa.Column("change", sa.String(16), nullable=False),
    sa.Column("field", sa.String(63), nullable=True),
    # JSON values (personal), wiped when the record is erased
    sa.Column("old_value", sa.Text, nullable=True),
    sa.Column("new_value", sa.Text, nullable=True),
    sa.Column("merge_id", sa.ForeignKey("record_merges.id"), nullable=True),
    # Whose entry a correction corrects (a data-entry error when not the corrector's).
    sa.Column("corrected_entry_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("changed_by", sa.ForeignKey(STAFF_ID), nullable=True),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Index("ix_record_history_record_id", "record_id"),
)


MIGRATIONS = Migrations("clerk_records", Path(__file__).resolve().parent / "migrations", metadata)
"""The records tables and their revisions."""
