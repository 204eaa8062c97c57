"""What the money desk adds to the front-office analysis: payments and payroll.

Registered through ``officekit_register_metrics`` (see ``docs/reference/metrics.md``).
A payment voided or refunded because it was taken by mistake (``mistake=True``)
counts against whoever took it: ``payments.void`` and ``payments.refund`` credit
``taken_by``. Every other operation credits its actor.
"""

from __future__ import annotations

from officekit.plugins.reviews.metrics import Metric, Tally

__all__ = ["metrics"]


def metrics() -> list[Metric]:
    """The desk's metrics: organisation, accuracy."""
    return [
        Metric(
            key="payroll.handed_over_on_time",
            dimension="organisation",
            title="Cheques handed over on time",
            unit="%",
            of=Tally("payroll.hand_over", where={"on_time": True}),
            per=Tally("payroll.hand_over"),
            better="higher",
            target=95.0,
            min_count=20,  # a share near its target needs enough events to tell
            scale=100.0,
            formula="100 * cheques handed over before their due time / cheques handed over",
        ),
        Metric(
            key="payments.mistakes",
            dimension="accuracy",
            title="Payments voided or refunded by mistake",
            unit="%",
            of=Tally(
                ("payments.void", "payments.refund"), where={"mistake": True}, credit="taken_by"
            ),
            per=Tally("payments.charge", where={"approved": True}),
            better="lower",
            target=1.0,
            scale=100.0,
            formula=(
                "100 * (voids + refunds asked for because the payment was taken by "
                "mistake, credited to whoever took it) / payments taken (authorised or "
                "captured)"
            ),
        ),
    ]
