"""A seeded simulation of front-office days, driven through the public API.

``officekit simulate`` runs it. The same profile, seed, start date and days
give the same report. It is a small discrete-event simulation: staff work
shifts; calls arrive over the day (busier after opening), take a line or wait
in the queue, are answered, held, transferred, turned into messages or
abandoned; visitors check in, wait for their host and leave; customers ask
questions that the knowledge base answers or escalates; the day ends with an
audit of the event log. Each desk adds its own activity here, so that the
simulation always exercises everything the library can do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import attrs

from officekit.core.calls import Call, CallStats
from officekit.core.clock import ManualClock
from officekit.core.desk import Desk
from officekit.core.office import Office
from officekit.core.profile import Profile
from officekit.core.staff import StaffMember
from officekit.errors import ConflictError, PermissionDenied

__all__ = ["DEFAULT_START", "SimulationReport", "simulate", "summarise"]

DEFAULT_START = dt.date(2026, 1, 5)
"""The day simulations start on unless told otherwise (a Monday)."""

FIRST_NAMES = (
    "Anna", "Bruno", "Chiara", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Keiko", "Luca", "Maya", "Nils", "Olga", "Pavel", "Rosa", "Sam", "Tariq", "Uma",
)  # fmt: skip
LAST_NAMES = (
    "Conti", "Baker", "Okafor", "Novak", "Silva", "Haddad", "Kim", "Moreau", "Rossi", "Schmidt",
    "Tanaka", "Walsh", "Ibrahim", "Larsen", "Petrov", "Garcia",
)  # fmt: skip
SMALL_TALK = (
    "I have a quick question",
    "I was hoping to speak to someone",
    "I'm returning a call",
    "could you help me with something",
)
PURPOSES = ("meeting", "delivery", "appointment", "interview", "collection", "consultation")
GENERIC_QUESTIONS = (
    "what time do you open?",
    "how can I pay?",
    "is there parking nearby?",
    "do you have wheelchair access?",
    "who do I talk to about a complaint?",
    "can I get a copy of my records?",
)


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
        calls: Call statistics over the simulated days.
        visitors: Visitors checked in.
        visitors_waiting_seconds: Mean wait of received visitors, if any.
        questions: Questions asked at the desk.
        questions_escalated: Questions below the confidence threshold, left as messages.
        messages: Messages taken (on calls and for escalated questions).
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
    calls: CallStats
    visitors: int
    visitors_waiting_seconds: float | None
    questions: int
    questions_escalated: int
    messages: int
    events: dict[str, int]


def _opening(profile: Profile, day: dt.date) -> tuple[dt.time, dt.time] | None:
    dept = profile.departments.get("reception") or next(iter(profile.departments.values()), None)
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


class _Day:
    """One simulated day: an event queue of timed actions, run in time order."""

    def __init__(self, sim: _Simulation, day: dt.date, opens: dt.datetime, closes: dt.datetime):
        self.sim = sim
        self.day = day
        self.opens = opens
        self.closes = closes
        self.queue: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self.order = itertools.count()
        self.counts: Counter[str] = Counter()

    def at(self, when: dt.datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self.queue, (when, next(self.order), action))

    def run(self) -> None:
        clock = self.sim.clock
        while self.queue:
            when, _, action = heapq.heappop(self.queue)
            clock.set(max(when, clock.now()))
            action()


class _Simulation:
    def __init__(self, office: Office, rng: random.Random, clock: ManualClock) -> None:
        self.office = office
        self.rng = rng
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self.on_shift: list[StaffMember] = []
        customers = [f"+1 202 555 {n:04d}" for n in range(100, 160)]
        self.customers = [office.calls.normalise_number(n) for n in customers]
        self.reasons = self._reasons(office.profile)
        self.questions = self._questions()

    # -- what people say --------------------------------------------------------

    @staticmethod
    def _reasons(profile: Profile) -> list[str]:
        reasons = [f"about {kw}" for rule in profile.routing.rules for kw in rule.keywords]
        return reasons or list(SMALL_TALK)

    def _questions(self) -> list[str]:
        entries = self.office.knowledge_base.entries
        asked = [e.question for e in entries]
        return asked + list(GENERIC_QUESTIONS)

    # -- staff ----------------------------------------------------------------------

    def may(self, member: StaffMember, operation: str) -> bool:
        op = self.office.operations.get(operation)
        return op is not None and self.office.kernel.decide(member, op).allowed

    def who_can(self, operation: str) -> list[StaffMember]:
        return [m for m in self.on_shift if self.may(m, operation)]

    @contextmanager
    def desk(self, operation: str) -> Iterator[Desk | None]:
        able = self.who_can(operation)
        if not able:
            yield None
            return
        with self.office.desk(self.rng.choice(able)) as desk:
            yield desk

    # -- the day's activities -----------------------------------------------------------

    def plan_shifts(self, day: _Day) -> None:
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
                    desk.note(f"Handover: {self.counts['calls']} calls so far, all logged")
                    self.counts["notes"] += 1
                    desk.end_shift()

        return run

    def arrival(self, day: _Day) -> dt.datetime:
        """A time of the day, busier after opening (triangular, mode at the opening)."""
        span = (day.closes - day.opens).total_seconds()
        return day.opens + dt.timedelta(seconds=int(self.rng.triangular(0, span, 0)))

    def plan_calls(self, day: _Day) -> None:
        rng = self.rng
        for _ in range(rng.randint(15, 45)):
            caller = rng.choice(self.customers)
            reason = rng.choice(self.reasons)
            if rng.random() < 0.03 and self.office.profile.routing.urgent:
                reason = rng.choice(rng.choice(self.office.profile.routing.urgent).keywords)
            day.at(self.arrival(day), self._incoming(day, caller, reason))
        # a few calls after closing time go to voicemail or the answering service
        for _ in range(rng.randint(0, 3)):
            when = day.closes + dt.timedelta(minutes=rng.randint(30, 180))
            day.at(when, self._incoming(day, rng.choice(self.customers), rng.choice(self.reasons)))

    def _incoming(self, day: _Day, caller: str, reason: str) -> Callable[[], None]:
        def run() -> None:
            call = self.office.calls.receive(caller, reason)
            self.counts["calls"] += 1
            if call.status == "ended":
                return
            patience = self.rng.uniform(3, 240)
            answer_after = self.rng.uniform(2, 45)
            if patience < answer_after:
                day.at(self.clock.now() + dt.timedelta(seconds=patience), self._hang_up(call))
            else:
                day.at(
                    self.clock.now() + dt.timedelta(seconds=answer_after),
                    self._answer(day, call, patience),
                )

        return run

    def _hang_up(self, call: Call) -> Callable[[], None]:
        def run() -> None:
            if self.office.calls.get(call).status in ("queued", "ringing"):
                self.office.calls.hang_up(call)

        return run

    def _answer(self, day: _Day, call: Call, patience: float) -> Callable[[], None]:
        def run() -> None:
            current = self.office.calls.get(call)
            waited = (self.clock.now() - current.arrived_at).total_seconds()
            if current.status == "ended":
                return
            if current.status == "queued" or not self.who_can("calls.answer"):
                if waited >= patience:
                    self.office.calls.hang_up(current)
                else:  # still waiting for a line or a free receptionist
                    day.at(
                        self.clock.now() + dt.timedelta(seconds=20),
                        self._answer(day, call, patience),
                    )
                return
            with self.desk("calls.answer") as desk:
                assert desk is not None
                desk.calls.answer(current)
                if self.rng.random() < 0.2:
                    desk.calls.hold(current)
            talk = self.rng.uniform(20, 300)
            day.at(self.clock.now() + dt.timedelta(seconds=talk), self._finish(call))

        return run

    def _finish(self, call: Call) -> Callable[[], None]:
        def run() -> None:
            current = self.office.calls.get(call)
            if current.status == "ended":
                return
            depts = list(self.office.profile.departments)
            roll = self.rng.random()
            with self.desk("calls.complete") as desk:
                if desk is None:
                    self.office.calls.hang_up(current)
                    return
                if current.status == "on_hold":
                    desk.calls.resume(current)
                if roll < 0.55 or current.urgent == "script":
                    desk.calls.complete(current)
                elif roll < 0.85:
                    # mostly where routing said; sometimes it turns out to be elsewhere
                    target = current.department if self.rng.random() < 0.8 else None
                    desk.calls.transfer(current, department=target or self.rng.choice(depts))
                else:
                    target = current.department or self.rng.choice(depts)
                    desk.calls.take_message(
                        current, "Please call the customer back", department=target
                    )
                    self.counts["messages"] += 1

        return run

    def plan_visitors(self, day: _Day) -> None:
        for _ in range(self.rng.randint(2, 10)):
            day.at(self.arrival(day), self._visitor(day))

    def _visitor(self, day: _Day) -> Callable[[], None]:
        def run() -> None:
            policy = self.office.profile.visitors
            rng = self.rng
            appointment = rng.random() < 0.6
            with self.desk("visitors.check_in") as desk:
                if desk is None:
                    return
                visit = desk.visitors.check_in(
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    rng.choice(PURPOSES),
                    department=rng.choice(list(self.office.profile.departments)),
                    appointment=appointment,
                    identity_document="passport" if policy.identity_check else None,
                    record_ref=f"R{rng.randint(10000, 99999)}"
                    if policy.patient_record and appointment
                    else None,
                )
                self.counts["visitors"] += 1
            wait = dt.timedelta(seconds=rng.uniform(30, 1200))
            stay = wait + dt.timedelta(seconds=rng.uniform(600, 3600))
            day.at(self.clock.now() + wait, self._visit_step(visit.id, "receive"))
            day.at(self.clock.now() + stay, self._visit_step(visit.id, "check_out"))

        return run

    def _visit_step(self, visit_id: int, step: str) -> Callable[[], None]:
        def run() -> None:
            with self.desk(f"visitors.{step}") as desk:
                if desk is None:
                    return
                with contextlib.suppress(ConflictError):  # already done by someone else
                    getattr(desk.visitors, step)(visit_id)

        return run

    def plan_questions(self, day: _Day) -> None:
        for _ in range(self.rng.randint(3, 12)):
            day.at(self.arrival(day), self._question())

    def _question(self) -> Callable[[], None]:
        def run() -> None:
            with self.desk("questions.answer") as desk:
                if desk is None:
                    return
                answer = desk.answer(self.rng.choice(self.questions))
                self.counts["questions"] += 1
                if answer.escalated:
                    self.counts["questions_escalated"] += 1
                    self.counts["messages"] += 1

        return run

    def plan_audits(self, day: _Day) -> None:
        juniors = [m for m in self.on_shift if not self.may(m, "audit.verify")]
        if juniors and self.rng.random() < 0.3:  # someone tries what they may not do
            day.at(self.arrival(day), self._audit(self.rng.choice(juniors)))
        seniors = self.who_can("audit.verify")
        if seniors:
            day.at(day.closes - dt.timedelta(minutes=5), self._audit(self.rng.choice(seniors)))

    def _audit(self, member: StaffMember) -> Callable[[], None]:
        def run() -> None:
            with self.office.desk(member) as desk:
                try:
                    report = desk.verify_audit()
                except PermissionDenied:
                    self.counts["refusals"] += 1
                    return
            self.counts["audits"] += 1
            self.counts["audits_ok"] += report.ok

        return run


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
    sim = _Simulation(office, rng, clock)
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
        today = _Day(
            sim, day, dt.datetime.combine(day, hours[0], tz), dt.datetime.combine(day, hours[1], tz)
        )
        sim.plan_shifts(today)
        sim.plan_calls(today)
        sim.plan_visitors(today)
        sim.plan_questions(today)
        sim.plan_audits(today)
        today.run()
        if progress:
            done = sim.counts - before
            progress(
                f"{day:%a %Y-%m-%d}: {done['shifts']} on shift, {done['calls']} calls, "
                f"{done['visitors']} visitors, {done['questions']} questions, "
                f"{done['refusals']} refused"
            )
    end = dt.datetime.combine(start + dt.timedelta(days=days), dt.time(), tz)
    waits = office.visitors.waiting_times(first_moment, end)
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
        calls=office.calls.stats(first_moment, end),
        visitors=c["visitors"],
        visitors_waiting_seconds=waits.mean_seconds,
        questions=c["questions"],
        questions_escalated=c["questions_escalated"],
        messages=c["messages"],
        events=dict(sorted(counts.items())),
    )


def summarise(report: SimulationReport) -> Iterable[str]:
    """Yield the report as lines of plain text."""
    from officekit.cli import summarise_call_stats

    yield (
        f"Simulated {report.days} day(s) of profile {report.profile!r} from {report.start} "
        f"(seed {report.seed}): {report.open_days} open."
    )
    yield f"Staff: {len(report.staff)}"
    for name, roles, level in report.staff:
        yield f"  {name}: {', '.join(roles)} ({level})"
    yield f"Shifts worked: {report.shifts}; handover notes: {report.notes}"
    yield "Calls:"
    for line in summarise_call_stats(report.calls):
        yield f"  {line}"
    wait = report.visitors_waiting_seconds
    yield f"Visitors: {report.visitors}" + (f" (mean wait {wait / 60:.1f} min)" if wait else "")
    yield f"Questions: {report.questions} ({report.questions_escalated} escalated as messages)"
    yield f"Messages taken: {report.messages}"
    yield f"Operations refused by permissions: {report.refusals}"
    yield f"Audit checks: {report.audits} ({report.audits_ok} sound)"
    yield "Events:"
    for key, count in report.events.items():
        yield f"  {key}: {count}"
