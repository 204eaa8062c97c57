"""The parcel desk's table, in a MetaData of its own.

The revisions that create it are in ``migrations/`` beside this module; officekit
runs them when an office is opened, after the kernel's, and records them in
their own version table, ``officekit_version_parcels``.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from officekit import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff

__all__ = ["MIGRATIONS", "metadata", "parcels"]

metadata = new_metadata()
"""The parcel desk's MetaData, with the kernel's naming convention."""

parcels = sa.Table(
    "parcels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("carrier", sa.String(100), nullable=False),
    sa.Column("tracking", sa.String(64), nullable=False),
    # for a member of staff, or for a department: exactly one of the two
    sa.Column("recipient_staff_id", sa.ForeignKey(staff.c.id), nullable=True),
    sa.Column("recipient_department", sa.String(100), nullable=True),
    sa.Column("high_value", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("signed_by", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("collected_at", UTCDateTime, nullable=True),
    sa.Column("handed_over_by", sa.ForeignKey(staff.c.id), nullable=True),
    # a carrier's tracking number names one parcel
    sa.UniqueConstraint("office_id", "carrier", "tracking"),
    sa.Index("ix_parcels_office_id_collected_at", "office_id", "collected_at"),
)

MIGRATIONS = Migrations("parcels", Path(__file__).resolve().parent / "migrations", metadata)
"""The ``parcels`` table and its revisions."""
