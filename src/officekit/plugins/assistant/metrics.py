"""What the assistant's desk adds to the front-office analysis: documents and appointments.

Registered through ``officekit_register_metrics`` (see ``docs/reference/metrics.md``).
Every operation credits its actor.
"""

from __future__ import annotations

from officekit.plugins.reviews.metrics import Metric, Tally, holding

__all__ = ["metrics"]

DEALT_WITH = ("documents.file", "documents.forward", "documents.return")
"""The operations that close an incoming document (filed, forwarded or returned)."""


def metrics() -> list[Metric]:
    """The desk's metrics: efficiency, organisation, accuracy."""
    closed = Tally(DEALT_WITH)
    appointments = Tally(("appointments.book", "schedule.override"), where={"kind": "appointment"})
    return [
        Metric(
            key="documents.handling_time",
            dimension="efficiency",
            title="Minutes to deal with a document",
            unit="min",
            of=Tally(DEALT_WITH, value="minutes"),
            per=closed,
            better="lower",
            target=480.0,
            formula=(
                "sum of minutes from receipt to being filed, forwarded or returned / "
                "documents dealt with"
            ),
        ),
        Metric(
            key="documents.overdue",
            dimension="organisation",
            title="Documents dealt with late",
            unit="%",
            of=Tally(DEALT_WITH, where={"overdue": True}),
            per=closed,
            better="lower",
            target=5.0,
            min_count=20,  # a share near its target needs enough events to tell
            scale=100.0,
            formula=(
                "100 * documents filed, forwarded or returned after their review "
                "deadline / documents dealt with"
            ),
            breakdown="kind",
        ),
        Metric(
            key="appointments.overrides",
            dimension="accuracy",
            title="Appointments booked over a conflict",
            unit="%",
            of=Tally("schedule.override", where={"kind": "appointment"}),
            per=appointments,
            better="lower",
            target=5.0,
            scale=100.0,
            weight=0.5,
            # Only those who may book over a conflict: others would score 100 for nothing.
            applies=holding("schedule.override"),
            formula=(
                "100 * appointments booked over a conflict (schedule.override) / "
                "appointments booked"
            ),
        ),
    ]
