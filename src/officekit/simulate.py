"""A seeded simulation of front-office days, driven through the public API.

``officekit simulate`` runs it. The same profile, seed, start date and days
give the same report. It is a small discrete-event simulation: staff work
shifts, write handover notes and check the audit at closing (incrementally: what
the day added); every desk adds what it does in a day as a
[`SimulationStep`][officekit.simulate.SimulationStep]
(``officekit_register_simulation_steps``): the receptionist's calls, visitors and
questions, a third party's parcels. Each step puts timed actions on the day's
queue; they run in time order, on the office's manual clock.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

import attrs

from officekit.core.clock import ManualClock
from officekit.core.desk import Desk
from officekit.core.office import Office
from officekit.core.profile import Profile
from officekit.core.staff import StaffMember
from officekit.errors import PermissionDenied

__all__ = [
    "DEFAULT_START",
    "Simulation",
    "SimulationDay",
    "SimulationReport",
    "SimulationStep",
    "StepReport",
    "StepRun",
    "simulate",
    "summarise",
]

DEFAULT_START = dt.date(2026, 1, 5)
"""The day simulations start on unless told otherwise (a Monday)."""

FIRST_NAMES = (
    "Anna", "Bruno", "Chiara", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Keiko", "Luca", "Maya", "Nils", "Olga", "Pavel", "Rosa", "Sam", "Tariq", "Uma",
)  # fmt: skip
"""First names the simulation draws people's names from."""
LAST_NAMES = (
    "Conti", "Baker", "Okafor", "Novak", "Silva", "Haddad", "Kim", "Moreau", "Rossi", "Schmidt",
    "Tanaka", "Walsh", "Ibrahim", "Larsen", "Petrov", "Garcia",
)  # fmt: skip
"""Last names the simulation draws people's names from."""


class StepRun(Protocol):
    """One run of a [`SimulationStep`][officekit.simulate.SimulationStep]: its plans, its report."""

    def plan(self, day: SimulationDay) -> None:
        """Put the step's actions for ``day`` on its queue (``day.at(when, action)``)."""

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """Say what the step did over the simulated period ``[start, end)``."""


@attrs.frozen
class SimulationStep:
    """A plugin's part of the simulated day (``officekit_register_simulation_steps``).

    Attributes:
        name: The step's name, the title of its part of the summary.
        start: Called once per simulation with the [`Simulation`][officekit.simulate.Simulation];
            returns the [`StepRun`][officekit.simulate.StepRun] that plans each day.
        order: Steps plan their day in this order (then by name); the kernel's
            shifts come first and its audit last.
        counts: Keys of ``simulation.counts`` shown in each day's progress line.
        operations: The operations the step performs at desks. When the profile
            grants none of them to any role, the step does not run at all (it draws
            nothing from the simulation's random generator, so an installed plugin
            that an office does not use changes nothing of its days). Empty: it
            always runs.
    """

    name: str
    start: Callable[[Simulation], StepRun]
    order: int = 100
    counts: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()


@attrs.frozen
class StepReport:
    """What one step did over a simulation.

    Attributes:
        name: The step's name.
        lines: Its part of the text summary.
        data: The same as JSON values, for ``--format json``.
    """

    name: str
    lines: tuple[str, ...] = ()
    data: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class SimulationReport:
    """What a simulation did.

    Attributes:
        profile: The profile's name.
        seed: The seed used.
        start: The first day simulated.
        days: Days simulated.
        open_days: Days the office was open.
        staff: Name, roles and level of each member of staff at the end.
        shifts: Shifts worked.
        notes: Handover notes written in the front-office log.
        refusals: Operations refused by permissions.
        audits: Audit checks run.
        audits_ok: Audit checks that found the chain sound.
        steps: What each plugin's step did, in the order they ran.
        events: Events appended, by operation and outcome (``"desk.note ok"``).
    """

    profile: str
    seed: int
    start: dt.date
    days: int
    open_days: int
    staff: tuple[tuple[str, tuple[str, ...], str], ...]
    shifts: int
    notes: int
    refusals: int
    audits: int
    audits_ok: int
    steps: tuple[StepReport, ...]
    events: dict[str, int]


def _opening(profile: Profile, day: dt.date) -> tuple[dt.time, dt.time] | None:
    """The office's hours on ``day``: those of its first department (the front desk)."""
    dept = next(iter(profile.departments.values()), None)
    if dept is None:
        return (dt.time(9), dt.time(17)) if day.weekday() < 5 else None
    if any(h.date == day and not h.departments for h in profile.holidays):
        return None
    ranges = dept.hours.on(day)
    if not ranges:
        return None
    return ranges[0].start, ranges[-1].end


def _hire_roster(office: Office, rng: random.Random) -> None:
    education = [None, *office.profile.education]
    for role in office.profile.roles:
        for _ in range(rng.choice((1, 1, 2))):
            office.staff.hire(
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                roles=[role],
                experience_years=rng.choice((0, 1, 2, 3, 5, 8, 12)),
                education=rng.choice(education),
            )
    # In small offices one person's duties overlap: give someone a second role.
    members = office.staff.list()
    if len(office.profile.roles) > 1 and members:
        member = rng.choice(members)
        extra = rng.choice([r for r in office.profile.roles if r not in member.roles])
        office.staff.change_roles(member, [*member.roles, extra])


class SimulationDay:
    """One simulated day: a queue of timed actions, run in time order.

    Attributes:
        simulation: The simulation it belongs to.
        day: The date.
        opens: When the office opens (aware, office time).
        closes: When it closes.
    """

    def __init__(
        self, simulation: Simulation, day: dt.date, opens: dt.datetime, closes: dt.datetime
    ) -> None:
        self.simulation = simulation
        self.day = day
        self.opens = opens
        self.closes = closes
        self._queue: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def at(self, when: dt.datetime, action: Callable[[], None]) -> None:
        """Run ``action`` at ``when`` (the clock is set to it first)."""
        heapq.heappush(self._queue, (when, next(self._order), action))

    def arrival(self) -> dt.datetime:
        """A time of the day, busier after opening (triangular, mode at the opening)."""
        span = (self.closes - self.opens).total_seconds()
        rng = self.simulation.rng
        return self.opens + dt.timedelta(seconds=int(rng.triangular(0, span, 0)))

    def run(self) -> None:
        """Run the day's actions in time order; actions may add more."""
        clock = self.simulation.clock
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            clock.set(max(when, clock.now()))
            action()


class Simulation:
    """A running simulation: the office, its clock, the random generator, who is on shift.

    Steps use it to act as the office's staff would.

    Attributes:
        office: The office simulated.
        rng: The seeded random generator: draw every choice from it.
        clock: The office's manual clock.
        counts: Counters a step may add to (``counts["parcels"] += 1``).
        on_shift: Who is at work today.
    """

    def __init__(self, office: Office, rng: random.Random, clock: ManualClock) -> None:
        self.office = office
        self.rng = rng
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self.on_shift: list[StaffMember] = []

    def may(self, member: StaffMember, operation: str) -> bool:
        """Tell whether ``member`` may perform ``operation`` (from the profile)."""
        op = self.office.operations.get(operation)
        return op is not None and self.office.kernel.decide(member, op).allowed

    def who_can(self, operation: str) -> list[StaffMember]:
        """Return who, of those on shift, may perform ``operation``."""
        return [m for m in self.on_shift if self.may(m, operation)]

    @contextmanager
    def desk(self, operation: str) -> Iterator[Desk | None]:
        """Open the desk of someone on shift who may perform ``operation`` (None: nobody may)."""
        able = self.who_can(operation)
        if not able:
            yield None
            return
        with self.office.desk(self.rng.choice(able)) as desk:
            yield desk

    def person(self) -> str:
        """A made-up person's name."""
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    # -- the kernel's part of the day ----------------------------------------------

    def plan_shifts(self, day: SimulationDay) -> None:
        rng = self.rng
        staff = self.office.staff.list()
        self.on_shift = [m for m in staff if rng.random() < 0.85] or [rng.choice(staff)]
        for member in self.on_shift:
            day.at(day.opens - dt.timedelta(minutes=rng.randint(0, 15)), self._shift(member, True))
            day.at(
                day.closes + dt.timedelta(minutes=rng.randint(1, 20)), self._shift(member, False)
            )

    def _shift(self, member: StaffMember, start: bool) -> Callable[[], None]:
        def run() -> None:
            with self.office.desk(member) as desk:
                if start:
                    desk.start_shift()
                    self.counts["shifts"] += 1
                else:
                    desk.note(f"Handover: {self.counts['shifts']} shifts so far, all logged")
                    self.counts["notes"] += 1
                    desk.end_shift()

        return run

    def plan_audits(self, day: SimulationDay) -> None:
        juniors = [m for m in self.on_shift if not self.may(m, "audit.verify")]
        if juniors and self.rng.random() < 0.3:  # someone tries what they may not do
            day.at(day.arrival(), self._audit(self.rng.choice(juniors)))
        seniors = self.who_can("audit.verify")
        if seniors:
            day.at(day.closes - dt.timedelta(minutes=5), self._audit(self.rng.choice(seniors)))

    def _audit(self, member: StaffMember) -> Callable[[], None]:
        def run() -> None:
            with self.office.desk(member) as desk:
                try:
                    # Only what was appended since the last check: flat in the days stored.
                    report = desk.verify_audit(incremental=True)
                except PermissionDenied:
                    self.counts["refusals"] += 1
                    return
            self.counts["audits"] += 1
            self.counts["audits_ok"] += report.ok

        return run


def _has_work(office: Office, step: SimulationStep) -> bool:
    """Whether the profile lets some role do what ``step`` does (a step without operations: yes)."""
    if not step.operations:
        return True
    granted = {resp for role in office.profile.roles.values() for resp in role.responsibilities}
    return any(
        name in office.operations and granted & set(office.profile.responsibilities_for(name))
        for name in step.operations
    )


def simulate(
    office: Office,
    *,
    days: int,
    seed: int = 0,
    start: dt.date = DEFAULT_START,
    clock: ManualClock,
    progress: Callable[[str], None] | None = None,
) -> SimulationReport:
    """Simulate ``days`` days of the office's front office.

    Args:
        office: An office opened with ``clock``, ideally on an empty store.
        days: How many days to simulate, from ``start``.
        seed: Seed of the random generator: same seed, same result.
        start: The first day.
        clock: The office's manual clock; the simulation moves it.
        progress: Called with a line of text after each day.

    Raises:
        ValueError: If ``days`` is not positive.
        OfficekitError: If an operation fails: a bug, since the simulation only
            does what the profile allows.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    rng = random.Random(seed)
    tz = office.profile.office.tz
    latest = office.events(limit=1)
    first_seq = latest[0].seq if latest else 0
    if not office.staff.list():
        _hire_roster(office, rng)
    sim = Simulation(office, rng, clock)
    registered = office.plugins.contributions("officekit_register_simulation_steps", SimulationStep)
    steps = sorted(
        (s for _, s in registered if _has_work(office, s)),
        key=lambda s: (s.order, s.name),
    )
    runs = [(step, step.start(sim)) for step in steps]
    open_days = 0
    first_moment = dt.datetime.combine(start, dt.time(), tz)
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        hours = _opening(office.profile, day)
        if hours is None:
            if progress:
                progress(f"{day:%a %Y-%m-%d}: closed")
            continue
        open_days += 1
        before = Counter(sim.counts)
        today = SimulationDay(
            sim, day, dt.datetime.combine(day, hours[0], tz), dt.datetime.combine(day, hours[1], tz)
        )
        sim.plan_shifts(today)
        for _, run in runs:
            run.plan(today)
        sim.plan_audits(today)
        today.run()
        if progress:
            done = sim.counts - before
            parts = [f"{done['shifts']} on shift"]
            parts += [f"{done[key]} {key}" for step in steps for key in step.counts]
            progress(f"{day:%a %Y-%m-%d}: {', '.join(parts)}, {done['refusals']} refused")
    end = dt.datetime.combine(start + dt.timedelta(days=days), dt.time(), tz)
    counts = Counter(f"{e.operation} {e.outcome}" for e in office.events(after_seq=first_seq))
    c = sim.counts
    return SimulationReport(
        profile=office.profile.name,
        seed=seed,
        start=start,
        days=days,
        open_days=open_days,
        staff=tuple((m.name, m.roles, m.level) for m in office.staff.list()),
        shifts=c["shifts"],
        notes=c["notes"],
        refusals=c["refusals"],
        audits=c["audits"],
        audits_ok=c["audits_ok"],
        steps=tuple(run.report(first_moment, end) for _, run in runs),
        events=dict(sorted(counts.items())),
    )


def summarise(report: SimulationReport) -> Iterable[str]:
    """Yield the report as lines of plain text."""
    yield (
        f"Simulated {report.days} day(s) of profile {report.profile!r} from {report.start} "
        f"(seed {report.seed}): {report.open_days} open."
    )
    yield f"Staff: {len(report.staff)}"
    for name, roles, level in report.staff:
        yield f"  {name}: {', '.join(roles)} ({level})"
    yield f"Shifts worked: {report.shifts}; handover notes: {report.notes}"
    for step in report.steps:
        yield from step.lines
    yield f"Operations refused by permissions: {report.refusals}"
    yield f"Audit checks: {report.audits} ({report.audits_ok} sound)"
    yield "Events:"
    for key, count in report.events.items():
        yield f"  {key}: {count}"
