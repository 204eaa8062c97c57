"""The payroll part of ``officekit simulate``: pay days at the front office.

On each pay day of the profile's ``[payroll]`` schedule, the payroll company's
batch arrives with its manifest (a cheque for every member of staff), a member of
the designated role picks it up and counts it (now and then a cheque is missing,
or one the manifest does not list turns up), and hands each cheque to its
employee during the day. The cheques of those not at work are held in the safe
at closing and handed over on a later day when they are in; a held cheque still
there after the hold goes back to the payroll company. On other days the step
draws nothing from the random generator.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from officekit.errors import ConflictError
from officekit.plugins.money.payroll.cheques import PAYROLL_OFFICE, Cheque
from officekit.plugins.money.payroll.manifest import Manifest, ManifestLine
from officekit.plugins.money.payroll.settings import PAYROLL
from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport

__all__ = ["STEP", "PayrollDay"]


class PayrollDay:
    """Pay days through the simulated days."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.settings = sim.office.profile.section(PAYROLL)
        self.room = sim.office.facet(PAYROLL_OFFICE)
        self.held: dict[int, int] = {}  # cheque id -> staff id, in the safe

    def plan(self, day: SimulationDay) -> None:
        """On a pay day, the batch; every day, held cheques for those at work."""
        sim = self.sim
        at_work = {m.id for m in sim.on_shift}
        for cheque_id, staff_id in sorted(self.held.items()):
            if staff_id in at_work:
                day.at(day.opens + dt.timedelta(minutes=45), self._hand_over(cheque_id, staff_id))
        day.at(day.closes - dt.timedelta(minutes=20), self._return_overdue())
        if self.settings.is_pay_day(day.day, sim.office.profile):
            arrival = day.opens + dt.timedelta(minutes=sim.rng.randint(15, 90))
            day.at(arrival, self._batch(day))

    def _batch(self, day: SimulationDay) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = sim.rng
            staff = sim.office.staff.list()
            lines = tuple(
                ManifestLine(
                    row=i + 2,
                    employee=str(member.id),
                    cheque=f"{day.day:%y%m%d}-{i + 1:04d}",
                    net_amount=Decimal(rng.randint(120_000, 480_000)) / 100,
                    pay_date=day.day,
                )
                for i, member in enumerate(staff)
            )
            with sim.desk("payroll.receive") as desk:
                if desk is None:
                    return
                batch = desk.payroll.receive(Manifest(lines, f"payroll-{day.day}.csv", "simulated"))
            sim.counts["payroll_batches"] += 1
            sim.counts["payroll_cheques"] += len(lines)
            counted = [line.cheque for line in lines]
            if rng.random() < 0.1:  # one cheque is not in the envelope
                counted.remove(rng.choice(counted))
            if rng.random() < 0.05:  # one the manifest does not list
                counted.append(f"{day.day:%y%m%d}-9{rng.randint(0, 999):03d}")
            pickup = sim.clock.now() + dt.timedelta(minutes=rng.randint(10, 60))
            day.at(pickup, self._pickup(day, batch.id, counted))

        return run

    def _pickup(self, day: SimulationDay, batch_id: int, counted: list[str]) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk("payroll.pickup") as desk:
                if desk is None:
                    return
                found = desk.payroll.pickup(batch_id, counted=counted)
            sim.counts["payroll_exceptions"] += len(found)
            at_work = {m.id for m in sim.on_shift}
            for cheque in self.room.cheques(batch_id):
                if cheque.state != "picked_up":
                    continue
                if cheque.staff_id in at_work and sim.rng.random() < 0.9:
                    when = day.arrival()
                    when = max(when, sim.clock.now() + dt.timedelta(minutes=5))
                    day.at(when, self._hand_over(cheque.id, cheque.staff_id))
            day.at(day.closes - dt.timedelta(minutes=10), self._hold_the_rest(batch_id))

        return run

    def _hand_over(self, cheque_id: int, staff_id: int) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk("payroll.hand_over") as desk:
                if desk is None:
                    return
                with contextlib.suppress(ConflictError):  # already handed over or returned
                    desk.payroll.hand_over(cheque_id, to=staff_id, acknowledged=True)
                    sim.counts["payroll_handed_over"] += 1
                    self.held.pop(cheque_id, None)

        return run

    def _hold_the_rest(self, batch_id: int) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            waiting: list[Cheque] = [
                c for c in self.room.cheques(batch_id) if c.state == "picked_up"
            ]
            if not waiting:
                return
            with sim.desk("payroll.hold") as desk:
                if desk is None:
                    return
                for cheque in waiting:
                    desk.payroll.hold(cheque)
                    self.held[cheque.id] = cheque.staff_id
                    sim.counts["payroll_held"] += 1

        return run

    def _return_overdue(self) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            overdue = [c for c in self.room.outstanding() if c.state == "held"]
            if not overdue:
                return
            with sim.desk("payroll.return") as desk:
                if desk is None:
                    return
                for cheque in overdue:
                    desk.payroll.return_cheque(cheque, reason="uncollected")
                    self.held.pop(cheque.id, None)
                    sim.counts["payroll_returned"] += 1

        return run

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """Batches, cheques handed over, held and returned, exceptions, overdue cheques."""
        c = self.sim.counts
        overdue = len(self.room.outstanding(end))
        data = {
            "batches": c["payroll_batches"],
            "cheques": c["payroll_cheques"],
            "handed_over": c["payroll_handed_over"],
            "held": c["payroll_held"],
            "returned": c["payroll_returned"],
            "exceptions": c["payroll_exceptions"],
            "overdue": overdue,
        }
        line = (
            f"Payroll: {data['batches']} batch(es), {data['cheques']} cheques; "
            f"{data['handed_over']} handed over, {data['held']} held, {data['returned']} "
            f"returned; {data['exceptions']} pickup exception(s); {overdue} overdue"
        )
        return StepReport("payroll", (line,), data)


STEP = SimulationStep(
    "payroll",
    PayrollDay,
    order=60,
    operations=(
        "payroll.receive", "payroll.pickup", "payroll.hand_over", "payroll.hold",
        "payroll.return",
    ),
)  # fmt: skip
"""The payroll simulation step."""
