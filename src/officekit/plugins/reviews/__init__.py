"""The front-office analysis desk: efficiency, organisation, professionalism, accuracy, teamwork.

A built-in plugin, made of nothing but the extension points any plugin has. At
regular intervals an organisation studies the quality of its front office; this
desk reads the event log of every desk, through the metrics each desk registers
(``officekit_register_metrics``, a hook of this plugin), and turns it into a
review per person and for the office: scores 0-100 per dimension, findings with
their evidence, the profile's promotion and raise recommendations, and the
managers' decisions kept with the review.

* ``office.reviews`` / ``desk.reviews``: analyse, save, read (as permitted),
  explain a figure down to its events, decide; customer feedback after calls,
  visits and appointments.
* Profile section ``[reviews]``: weights, targets, policy.
* ``officekit review``: the report as a table, JSON or a self-contained HTML page;
  ``officekit review explain``, ``officekit review decide``, ``officekit review
  feedback``.
* Its simulation step runs last: ``officekit simulate`` ends with the analysis of
  the simulated period.

Turn the desk off with ``[plugins] disable = ["officekit.plugins.reviews"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl

if TYPE_CHECKING:
    import pluggy
    import typer

    from officekit.core.extensions import DeskFacet, Migrations, OfficeFacet, ProfileSection
    from officekit.plugins.reviews.metrics import Metric
    from officekit.simulate import SimulationStep

__all__ = ["FEEDBACK_OPERATIONS", "REVIEWS_OPERATIONS"]

REVIEWS_OPERATIONS = (
    Operation("reviews.analyze", "Analyse a period of the front office and save the review."),
    Operation("reviews.record", "The office saves a review it analysed.", by_office=True),
    Operation("reviews.view", "Read everyone's part of a saved review."),
    Operation("reviews.decide", "Record the promotion or raise decision for a person."),
)
"""The operations of the analysis desk."""

FEEDBACK_OPERATIONS = (
    Operation("feedback.record", "Record a customer's feedback given at the desk."),
    Operation("feedback.receive", "The office receives a customer's feedback.", by_office=True),
)
"""Customer feedback after calls, visits and appointments."""


@hookimpl
def officekit_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add ``officekit_register_metrics`` and the analysis's other hooks."""
    from officekit.plugins.reviews import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the desk's operations."""
    return [*REVIEWS_OPERATIONS, *FEEDBACK_OPERATIONS]


@hookimpl
def officekit_register_profile_sections() -> list[ProfileSection[Any]]:
    """``[reviews]``."""
    from officekit.plugins.reviews.settings import REVIEWS

    return [REVIEWS]


@hookimpl
def officekit_register_facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """``office.reviews`` and ``desk.reviews``."""
    from officekit.plugins.reviews.service import REVIEWS_DESK, REVIEWS_OFFICE

    return [REVIEWS_OFFICE, REVIEWS_DESK]


@hookimpl
def officekit_register_migrations() -> list[Migrations]:
    """The reviews, decisions and feedback tables (version table ``officekit_version_reviews``)."""
    from officekit.plugins.reviews.tables import MIGRATIONS

    return [MIGRATIONS]


@hookimpl
def officekit_register_commands(app: typer.Typer) -> None:
    """Add ``officekit review``."""
    from officekit.plugins.reviews.cli import register

    register(app)


@hookimpl
def officekit_register_simulation_steps() -> list[SimulationStep]:
    """The analysis of the simulated period, after everything else."""
    from officekit.plugins.reviews.simulation import STEP

    return [STEP]


@hookimpl
def officekit_register_metrics() -> list[Metric]:
    """The analysis's own metrics: customer feedback (professionalism)."""
    from officekit.plugins.reviews.feedback_metrics import METRICS

    return list(METRICS)
