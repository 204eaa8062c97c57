"""The assistant desk's documents: the processing queue of incoming documents.

Revision ID: assistant_documents_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assistant_documents_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _staff(column: str) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer,
        sa.ForeignKey("staff.id", name=f"fk_document_queue_{column}_staff"),
        nullable=column != "received_by",
    )


def upgrade() -> None:
    op.create_table(
        "document_queue",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_document_queue_office_id_offices"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("sender_ref", sa.String(100), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        _staff("received_by"),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("reviewed_at", TS, nullable=True),
        _staff("reviewed_by"),
        sa.Column("closed_at", TS, nullable=True),
        _staff("closed_by"),
        sa.Column("forwarded_to", sa.String(40), nullable=True),
        sa.Column("return_reason", sa.String(32), nullable=True),
        sa.Column("filing_document_id", sa.Integer, nullable=True),
        sa.CheckConstraint(
            "state IN ('received', 'reviewed', 'filed', 'forwarded', 'returned')",
            name="ck_document_queue_state",
        ),
    )
    op.create_index(
        "ix_document_queue_office_id_state_due_at",
        "document_queue",
        ["office_id", "state", "due_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_document_queue_office_id_state_due_at", table_name="document_queue")
    op.drop_table("document_queue")
