"""The schedule part of ``officekit simulate``: the day's customer appointments.

Through the day, customers ask the front desk for appointments: a member of staff
who may book them finds the next free slot of a visit type of the profile (with
one of its providers, and its rooms) and books it for a customer whose record the
office keeps, then sends the confirmation. Before closing, the reminders that are
due go out. Some customers cancel (a few of them late), and now and then one does
not come: the no-show is recorded once the appointment has started. An office
whose profile has no visit types, or that keeps no records yet, books nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable, Iterator

from officekit.core.desk import Desk
from officekit.errors import ConflictError, ValidationError
from officekit.plugins.assistant.schedule.diary import SCHEDULE_OFFICE
from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport

__all__ = ["STEP", "AppointmentsDay"]

_OPERATIONS = (
    "appointments.book", "appointments.cancel", "appointments.confirm", "appointments.remind",
    "appointments.no_show",
)  # fmt: skip


class AppointmentsDay:
    """Customers' appointments through the simulated days."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.room = sim.office.facet(SCHEDULE_OFFICE)
        self.settings = self.room.settings
        self.booked: list[tuple[str, dt.datetime]] = []  # uid, start
        # its own generator: the step changes nothing of what the others draw
        self.rng = random.Random(f"appointments:{sim.office.id}")

    @contextlib.contextmanager
    def _desk(self, operation: str) -> Iterator[Desk | None]:
        member = self.sim.choose(self.sim.who_can(operation), kind=operation)
        if member is None:
            yield None
            return
        with self.sim.office.desk(member) as desk:
            yield desk

    def plan(self, day: SimulationDay) -> None:
        """A few requests through the day; reminders before closing; no-shows as they happen."""
        sim = self.sim
        if not self.settings.visit_types or "records" not in sim.office.office_facets:
            return
        for _ in range(self.rng.randint(2, 6)):
            when = day.opens + dt.timedelta(minutes=self.rng.randint(10, 420))
            day.at(min(when, day.closes - dt.timedelta(minutes=30)), self._request())
        day.at(day.closes - dt.timedelta(minutes=25), self._remind())
        day.at(day.closes - dt.timedelta(minutes=15), self._no_shows(day))

    def _request(self) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = self.rng
            records = sim.office.records.list(limit=50)
            if not records:
                return
            key = rng.choice(sorted(self.settings.visit_types))
            visit = self.settings.visit_types[key]
            if visit.conflict_check:
                return  # a consultation waits for the lawyer's conflict check
            providers = visit.providers or tuple(self.settings.principals)
            provider = rng.choice(sorted(providers))
            after = sim.clock.now() + dt.timedelta(hours=rng.randint(2, 72))
            slots = self.room.free_slots(
                visit.minutes, people=[provider], rooms=list(visit.rooms), after=after,
                count=3, within_days=14,
            )  # fmt: skip
            if not slots:
                return
            slot = rng.choice(slots)
            with self._desk("appointments.book") as desk:
                if desk is None:
                    return
                entry = desk.appointments.book(
                    key, provider=provider, start=slot.start, customer=rng.choice(records).id
                )
                sim.counts["appointments"] += 1
                self.booked.append((entry.uid, entry.start))
                if sim.who_can("appointments.confirm"):
                    with contextlib.suppress(ConflictError):
                        desk.appointments.confirm(entry)
                booker = desk.actor
            # some customers say how they found whoever booked them
            sim.feedback(booker, f"appointment:{entry.uid}", rng, chance=0.3)
            if rng.random() < 0.08 and self.booked:  # another customer calls to cancel
                uid, start = rng.choice(self.booked)
                if start > sim.clock.now():
                    with (
                        self._desk("appointments.cancel") as desk,
                        contextlib.suppress(ConflictError),
                    ):
                        if desk is not None:
                            desk.appointments.cancel(uid)
                            sim.counts["appointment_cancellations"] += 1

        return run

    def _remind(self) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            due = self.room.reminders_due()
            if not due:
                return
            with self._desk("appointments.remind") as desk:
                if desk is None:
                    return
                for uid in due:
                    with contextlib.suppress(ConflictError):
                        desk.appointments.remind(uid)
                        sim.counts["appointment_reminders"] += 1

        return run

    def _no_shows(self, day: SimulationDay) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            now = sim.clock.now()
            started = [(u, s) for u, s in self.booked if s <= now]
            self.booked = [(u, s) for u, s in self.booked if s > now]
            for uid, _ in started:
                if self.rng.random() >= 0.06:
                    continue
                with self._desk("appointments.no_show") as desk:
                    if desk is None:
                        return
                    with contextlib.suppress(ConflictError, ValidationError):
                        desk.appointments.no_show(uid)
                        sim.counts["appointment_no_shows"] += 1

        return run

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """Appointments booked, cancelled, reminded, missed."""
        c = self.sim.counts
        data = {
            "booked": c["appointments"],
            "cancelled": c["appointment_cancellations"],
            "reminders": c["appointment_reminders"],
            "no_shows": c["appointment_no_shows"],
        }
        line = (
            f"Appointments: {data['booked']} booked, {data['cancelled']} cancelled, "
            f"{data['reminders']} reminder(s), {data['no_shows']} no-show(s)"
        )
        return StepReport("appointments", (line,), data)


STEP = SimulationStep(
    "appointments", AppointmentsDay, order=65, counts=("appointments",), operations=_OPERATIONS
)
"""The appointments simulation step."""
