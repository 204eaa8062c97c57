"""The analysis desk: saved reviews, managers' decisions, customer feedback.

Revision ID: reviews_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "reviews_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, *, nullable: bool) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer,
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("reviews", "office_id", "offices", nullable=False),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("reviews", "created_by", "staff", nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_reviews_office_id_period_to", "reviews", ["office_id", "period_to"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("review_decisions", "review_id", "reviews", nullable=False),
        _fk("review_decisions", "staff_id", "staff", nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("amount", sa.String(40), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        _fk("review_decisions", "decided_by", "staff", nullable=False),
        sa.Column("decided_at", TS, nullable=False),
        sa.UniqueConstraint("review_id", "staff_id", name="uq_review_decisions_review_id_staff_id"),
        sa.CheckConstraint(
            "action IN ('promote', 'raise', 'none')", name="ck_review_decisions_action"
        ),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("feedback", "office_id", "offices", nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("about", sa.String(20), nullable=False),
        _fk("feedback", "staff_id", "staff", nullable=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("complaint", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        _fk("feedback", "recorded_by", "staff", nullable=True),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_feedback_score"),
    )
    op.create_index("ix_feedback_office_id_recorded_at", "feedback", ["office_id", "recorded_at"])
    op.create_index(
        "ix_feedback_office_id_subject", "feedback", ["office_id", "subject"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_office_id_subject", table_name="feedback")
    op.drop_index("ix_feedback_office_id_recorded_at", table_name="feedback")
    op.drop_table("feedback")
    op.drop_table("review_decisions")
    op.drop_index("ix_reviews_office_id_period_to", table_name="reviews")
    op.drop_table("reviews")
