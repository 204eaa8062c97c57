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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import attrs

from officekit.core.clock import ManualClock
from officekit.core.desk import Desk
from officekit.core.office import Office
from officekit.core.profile import Profile
from officekit.core.staff import StaffMember
from officekit.errors import PermissionDenied, ValidationError

__all__ = [
    "DEFAULT_START",
    "TRAIT_RANGES",
    "Simulation",
    "SimulationDay",
    "SimulationReport",
    "SimulationStep",
    "StepReport",
    "StepRun",
    "Traits",
    "draw_traits",
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

FEEDBACK_COMMENTS = {
    1: "Rude and unhelpful.",
    2: "Not very friendly.",
    3: "It was fine.",
    4: "Friendly and helpful.",
    5: "Wonderful, thank you!",
}
"""What a customer who comments writes, by the score they give."""

TRAIT_RANGES: Mapping[str, tuple[float, float]] = {
    "speed": (0.6, 1.6),
    "error_rate": (0.0, 0.15),
    "courtesy": (0.0, 1.0),
    "cover": (0.0, 1.0),
}
"""The range each of [`Traits`][officekit.simulate.Traits]' fields is drawn from."""


def _check_trait(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    low, high = TRAIT_RANGES[attribute.name]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not low <= value <= high  # also refuses NaN
    ):
        raise ValidationError(
            f"a member of staff's {attribute.name} is a number from {low:g} to {high:g}, "
            f"got {value!r}",
            where=attribute.name,
        )


@attrs.frozen
class Traits:
    """A member of staff's hidden traits: what shapes their simulated work.

    The simulation draws them from its seed (never from the office's data) and
    keeps them out of the event log: the front-office analysis must find them from
    what people did. The desks' simulation steps read them through
    [`Simulation`][officekit.simulate.Simulation]'s helpers.

    Attributes:
        speed: Divides the time their work takes (answering and handling a call,
            receiving a visitor, reviewing and dealing with a document), 0.6-1.6.
        error_rate: The probability of a mistake in a piece of work that can go
            wrong (a misrouted transfer, a record typed wrong, a misfile, a payment
            reversed by mistake), 0-0.15.
        courtesy: How customers find them, 0-1: the scores customers give after
            a call, a visit or an appointment are drawn around ``1 + 4 * courtesy``.
        cover: Willingness to take work for colleagues, 0-1: to take a call
            transferred to a colleague, deliver messages taken for others, and do
            duties outside their own role.
    """

    speed: float = attrs.field(validator=_check_trait)
    error_rate: float = attrs.field(validator=_check_trait)
    courtesy: float = attrs.field(validator=_check_trait)
    cover: float = attrs.field(validator=_check_trait)


def draw_traits(staff_ids: Sequence[int], rng: random.Random) -> dict[int, Traits]:
    """Draw the traits of the members of staff ``staff_ids`` from ``rng``.

    Each trait is spread over its range (one value in each of ``len(staff_ids)``
    equal bands, in shuffled order), so that even a small team differs: with draws
    that happened to be close, no analysis could rank them.

    Args:
        staff_ids: The members of staff, in a stable order (by id).
        rng: The generator to draw from (the simulation's ``traits:<seed>`` one).
    """
    n = len(staff_ids)
    columns: dict[str, list[float]] = {}
    for name, (low, high) in TRAIT_RANGES.items():
        bands = list(range(n))
        rng.shuffle(bands)
        columns[name] = [
            round(low + (high - low) * (band + rng.uniform(0.15, 0.85)) / n, 4) for band in bands
        ]
    return {
        staff_id: Traits(**{name: values[i] for name, values in columns.items()})
        for i, staff_id in enumerate(staff_ids)
    }


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
        traits: The hidden [`Traits`][officekit.simulate.Traits] of each member of
            staff, by staff id: the truth an analysis of the period can be checked
            against.
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
    traits: dict[int, Traits] = attrs.field(factory=dict)


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


def _hire_more(office: Office, least: int, rng: random.Random) -> None:
    """Hire until the office has ``least`` members of staff, one per role in turn."""
    roles = list(office.profile.roles)
    education = [None, *office.profile.education]
    have = len(office.staff.list())
    for i in range(max(0, least - have)):
        office.staff.hire(
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            roles=[roles[(have + i) % len(roles)]],
            experience_years=rng.choice((0, 1, 2, 3, 5, 8, 12)),
            education=rng.choice(education),
        )


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

    Steps use it to act as the office's staff would, and its helpers
    ([`choose`][officekit.simulate.Simulation.choose],
    [`takes`][officekit.simulate.Simulation.takes],
    [`slips`][officekit.simulate.Simulation.slips],
    [`helper`][officekit.simulate.Simulation.helper],
    [`dispatch`][officekit.simulate.Simulation.dispatch],
    [`late`][officekit.simulate.Simulation.late],
    [`happens`][officekit.simulate.Simulation.happens],
    [`feedback`][officekit.simulate.Simulation.feedback]) to let each member of
    staff's hidden [`Traits`][officekit.simulate.Traits] shape what they do.

    Attributes:
        office: The office simulated.
        rng: The seeded random generator: draw every choice from it.
        clock: The office's manual clock.
        counts: Counters a step may add to (``counts["parcels"] += 1``).
        on_shift: Who is at work today.
        traits: Each member of staff's hidden traits, by staff id.
        output_dir: Where a step may write files for the person running the
            simulation (the analysis's HTML report), or None: write none.
    """

    def __init__(
        self,
        office: Office,
        rng: random.Random,
        clock: ManualClock,
        traits: Mapping[int, Traits] | None = None,
        *,
        trait_rng: random.Random | None = None,
        output_dir: Path | None = None,
    ) -> None:
        self.office = office
        self.output_dir = output_dir
        self.rng = rng
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self.on_shift: list[StaffMember] = []
        self.traits: dict[int, Traits] = dict(traits or {})
        self._trait_rng = trait_rng or random.Random("traits")
        self._series: dict[tuple[int, str], float] = {}
        self._credits: dict[tuple[str, int], float] = {}

    # -- traits -----------------------------------------------------------------------

    def traits_of(self, member: StaffMember | int) -> Traits:
        """Return the traits of ``member`` (drawn now for someone hired meanwhile)."""
        staff_id = member if isinstance(member, int) else member.id
        found = self.traits.get(staff_id)
        if found is None:
            found = draw_traits([staff_id], self._trait_rng)[staff_id]
            self.traits[staff_id] = found
        return found

    def dispatch(
        self, able: Sequence[StaffMember], weights: Sequence[float], *, kind: str
    ) -> StaffMember | None:
        """Give the next piece of work of ``kind`` to one of ``able``, by their ``weights``.

        Smooth weighted round-robin: each of ``able`` earns their weight, the one
        with the most credit takes the work and pays the weights' total. Over many
        pieces each gets a share proportional to their weight among those able at
        the time, spread evenly and not left to luck (the rankings a 20-day
        simulation gives are those of the traits). Draws nothing from the
        generator.

        Args:
            able: Who may do it (None is returned when nobody may).
            weights: How much of such work each takes, > 0.
            kind: The kind of work: each kind has its own credits.
        """
        if not able:
            return None
        total = float(sum(weights))
        best: StaffMember | None = None
        best_credit = 0.0
        for member, weight in zip(able, weights, strict=True):
            key = (kind, member.id)
            credit = self._credits.get(key, 0.0) + weight
            self._credits[key] = credit
            if best is None or credit > best_credit:
                best, best_credit = member, credit
        assert best is not None
        self._credits[(kind, best.id)] -= total
        return best

    def choose(self, able: Sequence[StaffMember], *, kind: str = "work") -> StaffMember | None:
        """Choose who, of ``able``, does a piece of work of ``kind`` (None: nobody is able).

        Each takes a share proportional to their speed (the quick are free sooner,
        so they take more of the work; see
        [`dispatch`][officekit.simulate.Simulation.dispatch]): everyone able gets a
        share, so that everyone can be measured, and their traits then shape how it
        goes.
        """
        return self.dispatch(able, [self.traits_of(m).speed for m in able], kind=kind)

    def helper(self, able: Sequence[StaffMember], *, kind: str = "help") -> StaffMember | None:
        """Choose who, of ``able``, takes on work for a colleague: more often the willing.

        Each takes a share proportional to ``0.05 + cover``: the least willing
        still help now and then (None: nobody is able).
        """
        return self.dispatch(able, [0.05 + self.traits_of(m).cover for m in able], kind=kind)

    def takes(self, member: StaffMember, seconds: float) -> dt.timedelta:
        """How long ``member`` takes over work that takes ``seconds`` at speed 1."""
        return dt.timedelta(seconds=seconds / self.traits_of(member).speed)

    def happens(self, member: StaffMember, chance: float, *, kind: str) -> bool:
        """Tell whether ``member``'s next piece of work of ``kind`` goes this way (``chance``).

        Error diffusion: each member's series (by ``kind``) adds ``chance`` to an
        accumulator that starts half-way, and the event happens each time it
        passes 1. A member's mistakes come at their rate but spread evenly rather
        than left to luck: over ``n`` pieces of work their count is ``n * chance``
        rounded, so that a 20-day simulation ranks people by their traits and not
        by their luck (a short one shows the mistakes of the error-prone only).
        Draws nothing from the simulation's generator.

        Args:
            member: Who does the work.
            chance: The probability, 0-1 (clamped).
            kind: The kind of work (``"misroute"``, ``"late:deliver"``): each member
                has a series per kind.
        """
        key = (member.id, kind)
        chance = min(1.0, max(0.0, chance))
        level = self._series.get(key, 0.5) + chance
        happens = level >= 1.0
        self._series[key] = level - 1.0 if happens else level
        return happens

    def slips(self, member: StaffMember, *, scale: float = 1.0, kind: str = "work") -> bool:
        """Tell whether ``member`` makes a mistake in their next piece of work of ``kind``.

        The chance is ``scale`` times their error rate. Mistakes are spread evenly
        over each member's work of each kind (see
        [`happens`][officekit.simulate.Simulation.happens]): over ``n`` pieces their
        count is ``n * chance`` rounded, not left to luck.
        """
        chance = scale * self.traits_of(member).error_rate
        return self.happens(member, chance, kind=f"slip:{kind}")

    def slowness(self, member: StaffMember) -> float:
        """How slow ``member`` is, 0-1: 0 at the fastest speed (1.6), 1 at the slowest (0.6)."""
        low, high = TRAIT_RANGES["speed"]
        return (high - self.traits_of(member).speed) / (high - low)

    def disorder(self, member: StaffMember) -> float:
        """How disorganised ``member`` is, 0-1: the mean of their slowness and error rate.

        Both are taken as the share of their range (speed 1.6 is 0, 0.6 is 1; an
        error rate of 0 is 0, 0.15 is 1): work left overdue comes of working slowly
        and carelessly.
        """
        low, high = TRAIT_RANGES["error_rate"]
        careless = (self.traits_of(member).error_rate - low) / (high - low)
        return (self.slowness(member) + careless) / 2

    def late(self, member: StaffMember, *, scale: float = 1.0, kind: str = "work") -> bool:
        """Tell whether ``member`` leaves their next piece of work of ``kind`` overdue.

        The chance is ``scale`` times their [`disorder`][officekit.simulate.Simulation.disorder],
        spread evenly like [`slips`][officekit.simulate.Simulation.slips].
        """
        return self.happens(member, scale * self.disorder(member), kind=f"late:{kind}")

    def feedback(
        self,
        member: StaffMember,
        subject: str,
        rng: random.Random | None = None,
        *,
        chance: float = 0.6,
    ) -> int | None:
        """Let the customer ``member`` served give feedback on ``subject`` (``"call:12"``), maybe.

        With probability ``chance`` the customer scores the service 1-5, around
        ``1 + 4 * courtesy``; the others give none. Nothing is drawn or recorded when
        the office has no front-office analysis installed.

        Returns:
            The score given, or None.
        """
        if "reviews" not in self.office.office_facets:
            return None
        rng = rng or self.rng
        if rng.random() >= chance:
            return None
        courtesy = self.traits_of(member).courtesy
        given = min(5, max(1, round(1 + 4 * courtesy + rng.gauss(0, 0.7))))
        comment = FEEDBACK_COMMENTS[given] if rng.random() < 0.3 else None
        # a survey the office receives: no member of staff records their own praise
        self.office.reviews.record_feedback(subject, given, served_by=member, comment=comment)
        self.counts["feedback"] += 1
        return given

    def may(self, member: StaffMember, operation: str) -> bool:
        """Tell whether ``member`` may perform ``operation`` (from the profile)."""
        op = self.office.operations.get(operation)
        return op is not None and self.office.kernel.decide(member, op).allowed

    def who_can(self, operation: str) -> list[StaffMember]:
        """Return who, of those on shift, may perform ``operation``."""
        return [m for m in self.on_shift if self.may(m, operation)]

    @contextmanager
    def desk(self, operation: str, member: StaffMember | None = None) -> Iterator[Desk | None]:
        """Open the desk of someone on shift who may perform ``operation`` (None: nobody may).

        Args:
            operation: The operation about to be performed.
            member: Who performs it, chosen beforehand; None: one of those able
                ([`choose`][officekit.simulate.Simulation.choose]).
        """
        if member is None:
            member = self.choose(self.who_can(operation), kind=operation)
        if member is None:
            yield None
            return
        with self.office.desk(member) as desk:
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
    staff: int | None = None,
    output_dir: Path | None = None,
) -> SimulationReport:
    """Simulate ``days`` days of the office's front office.

    Each member of staff (those the store had, and those the simulation hires)
    gets hidden [`Traits`][officekit.simulate.Traits] drawn from ``seed`` that
    shape their work; the report keeps them.

    Args:
        office: An office opened with ``clock``, ideally on an empty store.
        days: How many days to simulate, from ``start``.
        seed: Seed of the random generator: same seed, same result.
        start: The first day.
        clock: The office's manual clock; the simulation moves it.
        progress: Called with a line of text after each day.
        staff: The least number of members of staff to work: when the office has
            fewer (after the usual roster is hired into an empty store), more are
            hired, one per role of the profile in turn. None: the usual roster
            (one or two per role).
        output_dir: A folder where steps may write files (the analysis's HTML
            report); None: they write none.

    Raises:
        ValueError: If ``days`` is not positive, or ``staff`` not a positive number
            of at most 200 (a ValidationError).
        OfficekitError: If an operation fails: a bug, since the simulation only
            does what the profile allows.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if staff is not None and (
        isinstance(staff, bool) or not isinstance(staff, int) or not 1 <= staff <= 200
    ):
        raise ValidationError(f"staff is a number from 1 to 200, got {staff!r}", where="staff")
    rng = random.Random(seed)
    tz = office.profile.office.tz
    latest = office.events(limit=1)
    first_seq = latest[0].seq if latest else 0
    if not office.staff.list():
        _hire_roster(office, rng)
    if staff is not None:
        _hire_more(office, staff, random.Random(f"staff:{seed}"))
    trait_rng = random.Random(f"traits:{seed}")
    ids = sorted(m.id for m in office.staff.list())
    sim = Simulation(
        office, rng, clock, draw_traits(ids, trait_rng), trait_rng=trait_rng, output_dir=output_dir
    )
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
        traits=dict(sorted(sim.traits.items())),
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
