"""What the clerk's desk adds to the front-office analysis: filing and records.

Registered through ``officekit_register_metrics`` (see ``docs/reference/metrics.md``).
An error is credited to whoever made it, not to whoever found it:
``filing.reclassify`` credits ``filed_by`` (the misfile is the filer's),
``records.correct`` credits ``corrected_entry_by`` (the data-entry error is the
enterer's), and ``filing.return`` credits ``to_staff_id`` (a late return is the
borrower's). Every other operation credits its actor.
"""

from __future__ import annotations

from officekit.plugins.reviews.metrics import Metric, Tally, holding

__all__ = ["metrics"]


def metrics() -> list[Metric]:
    """The desk's metrics: efficiency, organisation, accuracy."""
    filed = Tally("filing.file")
    returned = Tally("filing.return", credit="to_staff_id")
    return [
        Metric(
            key="clerk.throughput",
            dimension="efficiency",
            title="Records entered and documents filed against one's share",
            unit="x",
            of=Tally(("records.enter", "filing.file")),
            per="offered",
            # The clerks' work: a receptionist who may enter a record is not measured
            # against the clerks' share of it.
            applies=holding("filing.file"),
            better="higher",
            target=1.0,
            min_count=5.0,
            formula=(
                "(records entered + documents filed) / one's fair share of the office's "
                "(each hour's work split among those on shift who do it, by "
                "their time on shift in it)"
            ),
        ),
        Metric(
            key="filing.overdue_returns",
            dimension="organisation",
            title="Files returned late",
            unit="%",
            of=Tally("filing.return", where={"overdue": True}, credit="to_staff_id"),
            per=returned,
            better="lower",
            target=10.0,
            min_count=10,  # a share near its target needs enough events to tell
            scale=100.0,
            formula=(
                "100 * paper files returned after their due date / files returned, "
                "for whoever had them checked out"
            ),
        ),
        Metric(
            key="filing.misfiles",
            dimension="accuracy",
            title="Misfiles per document filed",
            unit="%",
            of=Tally("filing.reclassify", where={"misfiled": True}, credit="filed_by"),
            per=filed,
            better="lower",
            target=2.0,
            scale=100.0,
            formula=(
                "100 * documents reclassified to another category (credited to whoever "
                "filed them) / documents filed"
            ),
            breakdown="classified_by",
        ),
        Metric(
            key="records.corrections",
            dimension="accuracy",
            title="Records corrected per record entered",
            unit="%",
            of=Tally("records.correct", credit="corrected_entry_by"),
            per=Tally("records.enter"),
            better="lower",
            target=3.0,
            scale=100.0,
            formula=(
                "100 * corrections of a record by someone else (credited to whoever "
                "entered it) / records entered"
            ),
            breakdown="kind",
        ),
    ]
