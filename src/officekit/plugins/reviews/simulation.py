"""The analysis desk's part of ``officekit simulate``: the review of the simulated period.

It plans nothing during the days; when the simulation reports, it analyses the
whole simulated period (saved as the office's review), summarises it in a few
lines, and writes the HTML report to the simulation's ``output_dir`` when there
is one, saying where.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport

__all__ = ["REPORT_NAME", "STEP", "ReviewRun"]

REPORT_NAME = "officekit-review.html"
"""The file name of the HTML report a simulation writes."""


def _score(value: float | None) -> str:
    return "too little data" if value is None else f"{value:.0f}"


class ReviewRun:
    """The analysis of one simulation.

    Args:
        sim: The simulation.
    """

    def __init__(self, sim: Simulation) -> None:
        self._sim = sim

    def plan(self, day: SimulationDay) -> None:
        """Nothing during the day: the analysis runs when the simulation reports."""

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """Analyse ``[start, end)`` (whole office days), save it, write the HTML report."""
        from officekit.plugins.reviews.service import REVIEWS_OFFICE

        office = self._sim.office
        first = start.date()
        last = (end - dt.timedelta(days=1)).date()
        review = office.facet(REVIEWS_OFFICE).analyze(first, last, save=True)
        dims = ", ".join(
            f"{title.lower()} {_score(review.office.dimensions.get(key))}"
            for key, title, _ in review.dimensions
        )
        lines = [
            f"Front-office analysis, {first} to {last} (review {review.review_id}): "
            f"overall {_score(review.office.overall)} ({dims})",
        ]
        for person in review.people:
            rec = person.recommendation.action.replace("_", " ")
            lines.append(
                f"  {person.name}: overall {_score(person.scores.overall)}, "
                f"{person.hours:.1f} h worked; recommendation: {rec}"
            )
        warnings = sum(1 for f in review.findings if f.severity == "warning")
        lines.append(f"  Findings: {len(review.findings)} ({warnings} to improve)")
        data: dict[str, object] = {"review": review.to_json()}
        out = self._sim.output_dir
        if out is not None:
            from officekit.plugins.reviews.html import render_html

            path = Path(out) / REPORT_NAME
            path.write_text(render_html(review.to_json()), encoding="utf-8")
            lines.append(f"  HTML report written to {path}")
            data["html"] = str(path)
        return StepReport("analysis", tuple(lines), data)


STEP = SimulationStep("analysis", ReviewRun, order=1000)
"""The analysis step: after every desk's."""
