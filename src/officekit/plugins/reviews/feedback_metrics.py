"""The analysis desk's own metrics: what customers say after calls, visits and appointments."""

from __future__ import annotations

from officekit.plugins.reviews.metrics import Metric, Tally

__all__ = ["METRICS"]

_OPS = ("feedback.record", "feedback.receive")

METRICS = (
    Metric(
        key="feedback.score",
        dimension="professionalism",
        title="Customer feedback",
        unit="/5",
        of=Tally(_OPS, value="score", credit="staff_id"),
        per=Tally(_OPS, credit="staff_id"),
        better="higher",
        target=4.5,
        min_count=3,
        weight=2.0,
        formula="mean score (1-5) of the feedback about calls, visits and appointments "
        "the person served",
        breakdown="about",
    ),
    Metric(
        key="feedback.complaints",
        dimension="professionalism",
        title="Complaints",
        unit="%",
        of=Tally(_OPS, where={"complaint": True}, credit="staff_id"),
        per=Tally(_OPS, credit="staff_id"),
        better="lower",
        target=2.0,
        scale=100.0,
        min_count=5,
        formula="100 x feedback marked as a complaint / feedback about the person's service",
        breakdown="about",
    ),
)
"""Customer feedback score and complaints."""
