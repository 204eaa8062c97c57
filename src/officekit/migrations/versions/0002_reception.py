"""Formerly the receptionist's tables; now a step that does nothing.

Revision ID: 0002_reception
Revises: 0001_kernel
Create Date: 2026-11-27

Before the first release the receptionist's desk became a plugin, and its
tables moved to its own migrations (``officekit/plugins/reception/migrations``,
which adopt the tables of a database made before). This revision stays in the
kernel's history so that databases at it, or after it, keep their place.
"""

from __future__ import annotations

revision = "0002_reception"
down_revision = "0001_kernel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
