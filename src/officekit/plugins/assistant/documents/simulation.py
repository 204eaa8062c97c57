"""The documents part of ``officekit simulate``: incoming documents processed through the day.

Each day a few documents of the profile's kinds arrive and are logged by someone
with the ``document_intake`` responsibility; someone with ``document_review``
reviews each later that day (as soon as their speed allows; now and then a
slow reviewer leaves one until it is overdue), then files
most of them (with the filing desk, which needs the ``filing`` responsibility as
well), forwards some to a department and returns a few to their senders. What is
left open at closing is dealt with the next morning; an item left past its
kind's deadline shows in the overdue count.

The step draws from its own random generator, seeded by the simulation's first
day and the office, so that adding it changes nothing of the other desks' days.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable

from officekit.core.staff import StaffMember
from officekit.errors import ConflictError
from officekit.plugins.assistant.documents.queue import DOCUMENTS_OFFICE, RETURN_REASONS
from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport

__all__ = ["STEP", "DocumentsDay"]

LATE_SCALE = 0.2
"""The chance that a reviewer leaves an item until it is overdue: this times their slowness.

Slowness, not the disorder of the other desks' overdue work: an item left overdue
also takes long to deal with, which the analysis counts as efficiency.
"""
_OPERATIONS = (
    "documents.receive", "documents.review", "documents.file", "documents.forward",
    "documents.return",
)  # fmt: skip


class DocumentsDay:
    """Incoming documents through the simulated days."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.room = sim.office.facet(DOCUMENTS_OFFICE)
        self.settings = self.room.settings
        self.rng: random.Random | None = None
        self.filing = "filing" in sim.office.office_facets
        self.assigned: dict[int, StaffMember] = {}  # item id -> who has it in hand
        self.parked: dict[int, dt.datetime] = {}  # item id -> left until (overdue)

    def _who(self, *operations: str, prefer: StaffMember | None = None) -> StaffMember | None:
        """Who deals with it: ``prefer`` (who has it in hand) if they may, else anyone able."""
        assert self.rng is not None
        able = [m for m in self.sim.on_shift if all(self.sim.may(m, op) for op in operations)]
        if prefer is not None and any(m.id == prefer.id for m in able):
            return prefer
        return self.sim.choose(able, kind="documents:" + "+".join(operations))

    def plan(self, day: SimulationDay) -> None:
        """Yesterday's open items first thing; the day's arrivals through the day."""
        if self.rng is None:
            self.rng = random.Random(f"documents:{self.sim.office.id}:{day.day.isoformat()}")
        rng = self.rng
        span = int((day.closes - day.opens).total_seconds())
        for item in self.room.queue():
            if self.parked.get(item.id, day.opens) > day.opens:
                continue  # left until overdue by a slow reviewer
            self.parked.pop(item.id, None)
            when = day.opens + dt.timedelta(minutes=rng.randint(5, 90))
            day.at(when, self._next_step(day, item.id, self.assigned.get(item.id)))
        kinds = sorted(self.settings.kinds)
        for _ in range(rng.randint(2, 5)):
            # the post comes in the morning: dealt with the same day
            when = day.opens + dt.timedelta(seconds=rng.randint(0, max(span // 2, 1)))
            day.at(when, self._receive(day, rng.choice(kinds)))

    def _before_closing(self, day: SimulationDay, when: dt.datetime) -> dt.datetime:
        """``when``, or a few minutes before closing if that is later: work is done by then."""
        sim = self.sim
        latest = max(day.closes - dt.timedelta(minutes=5), sim.clock.now())
        return min(when, latest)

    def _receive(self, day: SimulationDay, kind: str) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            member = self._who("documents.receive")
            if member is None:
                return
            assert self.rng is not None
            ref = f"REF-{self.rng.randint(1000, 99999)}" if self.rng.random() < 0.6 else None
            with sim.office.desk(member) as desk:
                item = desk.documents.receive(kind, sender_ref=ref)
            sim.counts["documents_received"] += 1
            # Who reviews it: the quicker they are, the sooner it is dealt with (before
            # closing); someone slow now and then leaves it until it is overdue.
            reviewer = self._who("documents.review")
            if reviewer is None:
                return
            self.assigned[item.id] = reviewer
            if sim.happens(reviewer, LATE_SCALE * sim.slowness(reviewer), kind="document_late"):
                self.parked[item.id] = item.due_at
                return
            minutes = self.rng.randint(60, 180)
            later = sim.clock.now() + sim.takes(reviewer, minutes * 60)
            day.at(self._before_closing(day, later), self._next_step(day, item.id, reviewer))

        return run

    def _next_step(
        self, day: SimulationDay, item_id: int, reviewer: StaffMember | None = None
    ) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = self.rng
            assert rng is not None
            item = self.room.get(item_id)
            if item.state == "received":
                member = self._who("documents.review", prefer=reviewer)
                if member is None:
                    return
                with sim.office.desk(member) as desk, contextlib.suppress(ConflictError):
                    desk.documents.review(item_id)
                    sim.counts["documents_reviewed"] += 1
                later = sim.clock.now() + sim.takes(member, rng.randint(30, 90) * 60)
                day.at(self._before_closing(day, later), self._next_step(day, item_id, member))
                return
            if item.state != "reviewed":
                return
            draw = rng.random()
            if draw < 0.7:
                needs = ("documents.file", "filing.file") if self.filing else ("documents.file",)
                member = self._who(*needs, prefer=reviewer)
                if member is None:
                    return
                with sim.office.desk(member) as desk, contextlib.suppress(ConflictError):
                    desk.documents.file(item_id)
                    sim.counts["documents_filed"] += 1
            elif draw < 0.9:
                member = self._who("documents.forward", prefer=reviewer)
                if member is None:
                    return
                targets = self.settings.forward_to or tuple(sim.office.profile.departments)
                with sim.office.desk(member) as desk, contextlib.suppress(ConflictError):
                    desk.documents.forward(item_id, to=rng.choice(sorted(targets)))
                    sim.counts["documents_forwarded"] += 1
            else:
                member = self._who("documents.return", prefer=reviewer)
                if member is None:
                    return
                with sim.office.desk(member) as desk, contextlib.suppress(ConflictError):
                    desk.documents.return_item(item_id, reason=rng.choice(RETURN_REASONS))
                    sim.counts["documents_returned"] += 1

        return run

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """Documents received, reviewed, filed, forwarded and returned; overdue ones."""
        c = self.sim.counts
        overdue = len(self.room.overdue(end))
        data = {
            "received": c["documents_received"],
            "reviewed": c["documents_reviewed"],
            "filed": c["documents_filed"],
            "forwarded": c["documents_forwarded"],
            "returned": c["documents_returned"],
            "overdue": overdue,
        }
        line = (
            f"Documents: {data['received']} received, {data['reviewed']} reviewed; "
            f"{data['filed']} filed, {data['forwarded']} forwarded, {data['returned']} "
            f"returned; {overdue} overdue"
        )
        return StepReport("documents", (line,), data)


STEP = SimulationStep("documents", DocumentsDay, order=70, operations=_OPERATIONS)
"""The documents simulation step."""
