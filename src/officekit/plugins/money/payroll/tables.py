"""The payroll tables: batches of cheques, the cheques, and pickup exceptions.

The revision that creates them is in ``migrations/`` beside this module, with
its own version table (``officekit_version_money_payroll``).

A cheque's place in the chain of custody is one column, ``state``, which the
database itself keeps to the known values (a CHECK constraint); the desk moves it
only by guarded updates (``UPDATE ... WHERE state IN (allowed) RETURNING``).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from officekit.core.extensions import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff

__all__ = [
    "BATCH_STATES",
    "CHEQUE_STATES",
    "EXCEPTION_KINDS",
    "MIGRATIONS",
    "metadata",
    "payroll_batches",
    "payroll_cheques",
    "payroll_exceptions",
]

CHEQUE_STATES = ("received", "picked_up", "missing", "held", "handed_over", "returned")
"""A cheque's states: announced by a manifest (``received``), in the office's custody
(``picked_up``, ``held``), and where it ended (``handed_over``, ``returned``, or
``missing`` from the batch at pickup)."""

BATCH_STATES = ("received", "picked_up")
"""A batch's states."""

EXCEPTION_KINDS = ("missing", "extra")
"""A pickup exception: a cheque of the manifest not in the batch, or one in the batch
that the manifest does not list."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


metadata = new_metadata()
"""The payroll tables' MetaData."""

payroll_batches = sa.Table(
    "payroll_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("provider", sa.String(100), nullable=False),
    sa.Column("source", sa.String(500), nullable=False),
    sa.Column("cheques", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("received_by", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("picked_up_at", UTCDateTime, nullable=True),
    sa.Column("picked_up_by", sa.ForeignKey(staff.c.id), nullable=True),
    sa.CheckConstraint(_in("state", BATCH_STATES), name="state"),
)

payroll_cheques = sa.Table(
    "payroll_cheques",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("batch_id", sa.ForeignKey("payroll_batches.id"), nullable=False),
    sa.Column("cheque_number", sa.String(32), nullable=False),
    sa.Column("staff_id", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("pay_date", sa.Date, nullable=False),
    # Pay data: in minor units (cents), shown only to the designated role.
    sa.Column("net_minor", sa.BigInteger, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("picked_up_at", UTCDateTime, nullable=True),
    sa.Column("held_at", UTCDateTime, nullable=True),
    sa.Column("handed_over_at", UTCDateTime, nullable=True),
    sa.Column("handed_over_by", sa.ForeignKey(staff.c.id), nullable=True),
    sa.Column("acknowledgement", sa.String(200), nullable=True),
    sa.Column("returned_at", UTCDateTime, nullable=True),
    sa.Column("return_reason", sa.String(32), nullable=True),
    sa.UniqueConstraint("office_id", "cheque_number"),
    sa.CheckConstraint(_in("state", CHEQUE_STATES), name="state"),
    sa.CheckConstraint("net_minor > 0", name="net_minor"),
    sa.Index("ix_payroll_cheques_office_id_state_due_at", "office_id", "state", "due_at"),
    sa.Index("ix_payroll_cheques_batch_id", "batch_id"),
)

payroll_exceptions = sa.Table(
    "payroll_exceptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("batch_id", sa.ForeignKey("payroll_batches.id"), nullable=False),
    sa.Column("cheque_number", sa.String(32), nullable=False),
    sa.Column("cheque_id", sa.ForeignKey("payroll_cheques.id"), nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(_in("kind", EXCEPTION_KINDS), name="kind"),
    sa.Index("ix_payroll_exceptions_batch_id", "batch_id"),
)

MIGRATIONS = Migrations("money_payroll", Path(__file__).resolve().parent / "migrations", metadata)
"""The payroll tables and their revisions."""
