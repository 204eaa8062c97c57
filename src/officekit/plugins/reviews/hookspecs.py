"""The hooks the front-office analysis brings, for other plugins to implement.

Added to every office's plugin manager by the reviews plugin's
``officekit_addhooks``. A desk that may run without the analysis installed marks
its implementation ``@officekit.hookimpl(optionalhook=True)``, so that pluggy does
not complain when the analysis is turned off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from officekit.hookspecs import hookspec

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.reviews.metrics import Dimension, Metric
    from officekit.plugins.reviews.review import Review

__all__ = [
    "officekit_feedback_served_by",
    "officekit_register_dimensions",
    "officekit_register_metrics",
    "officekit_review_completed",
]


@hookspec
def officekit_register_metrics() -> list[Metric]:  # type: ignore[empty-body]
    """Return the metrics a desk adds to the front-office analysis.

    Each [`Metric`][officekit.plugins.reviews.metrics.Metric] is computed from the
    desk's own events, in the same single query as every other desk's. Two metrics
    of the same key are a PluginError naming both plugins.
    """


@hookspec
def officekit_register_dimensions() -> list[Dimension]:  # type: ignore[empty-body]
    """Return dimensions a plugin adds beside the five built in (efficiency, ...).

    A profile weights them in ``[reviews] weights`` like the others.
    """


@hookspec
def officekit_review_completed(office: Office, review: Review) -> None:
    """Called after a review has been analysed and saved (after its transaction commits).

    Args:
        office: The office.
        review: The saved [`Review`][officekit.plugins.reviews.review.Review].
    """


@hookspec(firstresult=True)
def officekit_feedback_served_by(office: Office, subject: str) -> int | None:
    """Say which member of staff served the customer a feedback is about.

    ``firstresult``: the desk that knows the subject (``call:12`` for the
    receptionist's desk, ``appointment:<uid>`` for the assistant's) returns the id of
    the member of staff who handled it; others return None. Called inside no
    transaction; it only reads.

    Args:
        office: The office.
        subject: The feedback's subject, ``<kind>:<id>``.

    Returns:
        A staff id, or None when the desk does not know the subject's kind (or
        nobody served it).

    Raises:
        ValidationError: The subject is of the desk's kind but its id is not an
            id (``call:0``); see [`subject_id`][officekit.core.validate.subject_id].
        NotFoundError: The subject is of the desk's kind but does not exist: the
            feedback is refused, not recorded about nobody.
    """
