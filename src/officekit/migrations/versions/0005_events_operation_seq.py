"""Index events by (office, operation, seq) instead of (office, operation, time).

Revision ID: 0005_events_operation_seq
Revises: 0004_event_log_guard
Create Date: 2026-11-29

Every query that picks events by operation reads them in chain order: an
office's events of some operations (``office.events(operation=...)``, the deep
audit checks), or the latest ``audit.verify`` events (where an incremental
verification starts). Ordered by ``seq``, the index serves them all, walking
backwards for "the latest"; ordered by time it served none of them in order.
It is also smaller: a sequence number instead of a timestamp stored as 26
characters of text on SQLite, about a fifth less per event in the index.
"""

from __future__ import annotations

from alembic import op

revision = "0005_events_operation_seq"
down_revision = "0004_event_log_guard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_events_office_id_operation_occurred_at", table_name="events")
    op.create_index(
        "ix_events_office_id_operation_seq", "events", ["office_id", "operation", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_events_office_id_operation_seq", table_name="events")
    op.create_index(
        "ix_events_office_id_operation_occurred_at",
        "events",
        ["office_id", "operation", "occurred_at"],
    )
