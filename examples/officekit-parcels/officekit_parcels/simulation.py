"""The parcel desk's part of ``officekit simulate``.

Carriers deliver a few parcels a day; whoever is on shift and may sign for them
does (a high-value parcel is refused to a junior, and the refusal recorded).
Recipients collect some the same day and others later: a parcel left longer
than ``collect_within_days`` shows as overdue in the summary.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from officekit import ConflictError, PermissionDenied
from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport
from officekit_parcels.desk import PARCEL_DESK, PARCELS

__all__ = ["STEP", "ParcelDay"]

CARRIERS = ("Royal Mail", "DHL", "DPD", "UPS")
"""Who delivers when the profile lists no carriers."""


class ParcelDay:
    """The parcel desk through the simulated days."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.room = sim.office.facet(PARCELS)
        self.carriers = self.room.settings.carriers or CARRIERS
        self.numbers = itertools.count(1)

    def plan(self, day: SimulationDay) -> None:
        """Deliveries through the day; recipients come for some of those already waiting."""
        rng = self.sim.rng
        for parcel in self.room.waiting():
            if rng.random() < 0.5:
                day.at(day.arrival(), self._hand_over(parcel.id))
        for _ in range(rng.randint(1, 4)):
            day.at(day.arrival(), self._sign_for(day))

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """Parcels signed for and handed over; those waiting and overdue at the end."""
        c = self.sim.counts
        waiting, overdue = len(self.room.waiting()), len(self.room.overdue())
        days = self.room.settings.collect_within_days
        line = (
            f"Parcels: {c['parcels']} signed for, {c['parcels_handed_over']} handed over; "
            f"{waiting} waiting, {overdue} overdue (not collected within {days} day(s))"
        )
        data = {
            "signed_for": c["parcels"],
            "handed_over": c["parcels_handed_over"],
            "waiting": waiting,
            "overdue": overdue,
        }
        return StepReport("parcels", (line,), data)

    def _sign_for(self, day: SimulationDay) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = sim.rng
            carrier = rng.choice(self.carriers)
            tracking = f"{carrier[:2].upper()}{day.day:%y%m%d}{next(self.numbers):04d}"
            staff = sim.office.staff.list()
            to_person = rng.random() < 0.3 and bool(staff)
            with sim.desk("parcels.sign_for") as desk:
                if desk is None:  # nobody on shift may sign: the carrier leaves a card
                    return
                try:
                    parcel = desk.facet(PARCEL_DESK).sign_for(
                        carrier,
                        tracking,
                        person=rng.choice(staff) if to_person else None,
                        department=None
                        if to_person
                        else rng.choice(list(sim.office.profile.departments)),
                        high_value=rng.random() < 0.15,
                    )
                except PermissionDenied:  # a junior, for a high-value parcel
                    sim.counts["refusals"] += 1
                    return
            sim.counts["parcels"] += 1
            if rng.random() < 0.6:  # collected later today
                later = sim.clock.now() + dt.timedelta(minutes=rng.randint(20, 240))
                day.at(min(later, day.closes), self._hand_over(parcel.id))

        return run

    def _hand_over(self, parcel_id: int) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk("parcels.hand_over") as desk:
                if desk is None:
                    return
                try:
                    desk.facet(PARCEL_DESK).hand_over(parcel_id)
                except ConflictError:  # already handed over
                    return
            sim.counts["parcels_handed_over"] += 1

        return run


STEP = SimulationStep(
    "parcels", ParcelDay, order=50, counts=("parcels",), operations=("parcels.sign_for",)
)
"""The parcel desk's simulation step."""
