"""The analysis desk's tables: saved reviews, managers' decisions, customer feedback.

The revision that creates them is in ``migrations/`` beside this module, with
its own version table (``officekit_version_reviews``).

* ``reviews``: one row per saved review, its whole JSON document (the figures as
  they were computed, kept with the review so that later changes of targets or
  weights do not rewrite history).
* ``review_decisions``: what a manager decided for a person on a review (one
  decision per person and review), with an amount where the profile's policy
  has one; the amount is kept here only, never in the event log.
* ``feedback``: a customer's score (1-5) after a call, visit or appointment (one
  per subject), the member of staff who served them, whether it is a complaint,
  and the comment.
  The comment is personal text: it stays in this table, out of the log.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from officekit.core.extensions import Migrations
from officekit.core.store import UTCDateTime, new_metadata, offices, staff

__all__ = ["MIGRATIONS", "feedback", "metadata", "review_decisions", "reviews"]

metadata = new_metadata()
"""The analysis desk's MetaData."""

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("period_from", sa.Date, nullable=False),
    sa.Column("period_to", sa.Date, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.ForeignKey(staff.c.id), nullable=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Index("ix_reviews_office_id_period_to", "office_id", "period_to"),
)
"""Saved reviews: one row per office and period, its JSON document (decisions apart)."""

review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("review_id", sa.ForeignKey(reviews.c.id), nullable=False),
    sa.Column("staff_id", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("amount", sa.String(40), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("decided_by", sa.ForeignKey(staff.c.id), nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("review_id", "staff_id"),
    sa.CheckConstraint("action IN ('promote', 'raise', 'none')", name="action"),
)
"""Managers' decisions: one per person and review, with the amount of a raise."""

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("about", sa.String(20), nullable=False),
    sa.Column("staff_id", sa.ForeignKey(staff.c.id), nullable=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("complaint", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", sa.ForeignKey(staff.c.id), nullable=True),
    sa.CheckConstraint("score BETWEEN 1 AND 5", name="score"),
    sa.Index("ix_feedback_office_id_recorded_at", "office_id", "recorded_at"),
    # One feedback per call, visit or appointment: a score cannot be given twice.
    sa.Index("ix_feedback_office_id_subject", "office_id", "subject", unique=True),
)
"""Customers' feedback: the score, who served them, whether a complaint, the comment."""

MIGRATIONS = Migrations("reviews", Path(__file__).resolve().parent / "migrations", metadata)
"""The analysis desk's tables and their revisions."""
