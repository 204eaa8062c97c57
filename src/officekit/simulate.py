"""A seeded simulation of front-office days, driven through the public API.

``officekit simulate`` runs it. The same profile, seed, start date and days
give the same report. Each desk adds its own activity here, so that the
simulation always exercises everything the library can do.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from officekit.core.clock import ManualClock
from officekit.core.office import Office
from officekit.core.profile import Profile
from officekit.core.staff import StaffMember
from officekit.errors import PermissionDenied

__all__ = ["DEFAULT_START", "SimulationReport", "simulate"]

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


@attrs.frozen
class SimulationReport:
    """What a simulation did.

    Attributes:
        profile: The profile's name.
        seed: The seed used.
        start: The first day simulated.
        days: Days simulated.
        open_days: Days the office was open.
        staff: Names and roles of the staff at the end.
        shifts: Shifts worked.
        enquiries: Front-desk enquiries logged.
        refusals: Operations refused by permissions.
        audits: Audit checks run, and how many found the chain sound.
        audits_ok: Audit checks that found the chain sound.
        events: Events appended, by operation and outcome (``"desk.note ok"``).
    """

    profile: str
    seed: int
    start: dt.date
    days: int
    open_days: int
    staff: tuple[tuple[str, tuple[str, ...], str], ...]
    shifts: int
    enquiries: int
    refusals: int
    audits: int
    audits_ok: int
    events: dict[str, int]


def _opening(profile: Profile, day: dt.date) -> tuple[dt.time, dt.time] | None:
    dept = profile.departments.get("reception") or next(iter(profile.departments.values()), None)
    if dept is None:
        return (dt.time(9), dt.time(17)) if day.weekday() < 5 else None
    ranges = dept.hours.on(day)
    if not ranges:
        return None
    return ranges[0].start, ranges[-1].end


def _hire_roster(office: Office, rng: random.Random) -> None:
    education = [None, *office.profile.education]
    for role in office.profile.roles:
        for _ in range(rng.choice((1, 1, 2))):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            office.staff.hire(
                name,
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
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    rng = random.Random(seed)
    tz = office.profile.office.tz
    first_seq = len(office.events())
    if not office.staff.list():
        _hire_roster(office, rng)
    shifts = enquiries = refusals = audits = audits_ok = open_days = 0
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        hours = _opening(office.profile, day)
        if hours is None:
            if progress:
                progress(f"{day:%a %Y-%m-%d}: closed")
            continue
        open_days += 1
        opens = dt.datetime.combine(day, hours[0], tz)
        closes = dt.datetime.combine(day, hours[1], tz)
        staff = office.staff.list()
        on_shift = [m for m in staff if rng.random() < 0.85] or [rng.choice(staff)]
        plan: list[tuple[dt.datetime, int, Callable[[], Any]]] = []

        def at(when: dt.datetime, action: Callable[[], Any], plan: list[Any] = plan) -> None:
            plan.append((when, len(plan), action))

        for member in on_shift:
            at(opens + dt.timedelta(minutes=rng.randint(-15, 10)), _act(office, member, "start"))
            at(closes + dt.timedelta(minutes=rng.randint(0, 20)), _act(office, member, "end"))
        span = (closes - opens).total_seconds()
        for n in range(rng.randint(8, 30)):
            # Busier at opening: a triangular distribution with its mode at the start.
            when = opens + dt.timedelta(seconds=int(rng.triangular(0, span, 0)))
            member = rng.choice(on_shift)
            at(when, _act(office, member, "note", f"Front-desk enquiry {day:%m%d}-{n + 1} handled"))
        juniors = [m for m in on_shift if not _may(office, m, "audit.verify")]
        if juniors and rng.random() < 0.3:
            member = rng.choice(juniors)
            at(opens + dt.timedelta(seconds=rng.uniform(0, span)), _act(office, member, "audit"))
        seniors = [m for m in on_shift if _may(office, m, "audit.verify")]
        if seniors:
            at(closes - dt.timedelta(minutes=5), _act(office, rng.choice(seniors), "audit"))
        day_counts: Counter[str] = Counter()
        for when, _, action in sorted(plan, key=lambda p: (p[0], p[1])):
            clock.set(max(when, clock.now()))
            day_counts[action()] += 1
        shifts += day_counts["start"]
        enquiries += day_counts["note"]
        refusals += day_counts["denied"]
        audits += day_counts["audit-ok"] + day_counts["audit-broken"]
        audits_ok += day_counts["audit-ok"]
        if progress:
            progress(
                f"{day:%a %Y-%m-%d}: {day_counts['start']} on shift, "
                f"{day_counts['note']} enquiries, {day_counts['denied']} refused"
            )
    counts = Counter(f"{e.operation} {e.outcome}" for e in office.events()[first_seq:])
    return SimulationReport(
        profile=office.profile.name,
        seed=seed,
        start=start,
        days=days,
        open_days=open_days,
        staff=tuple((m.name, m.roles, m.level) for m in office.staff.list()),
        shifts=shifts,
        enquiries=enquiries,
        refusals=refusals,
        audits=audits,
        audits_ok=audits_ok,
        events=dict(sorted(counts.items())),
    )


def _may(office: Office, member: StaffMember, operation: str) -> bool:
    return office.kernel.decide(member, office.operations[operation]).allowed


def _act(office: Office, member: StaffMember, kind: str, text: str = "") -> Callable[[], str]:
    def run() -> str:
        with office.desk(member) as desk:
            if kind == "start":
                desk.start_shift()
            elif kind == "end":
                desk.end_shift()
            elif kind == "note":
                desk.note(text)
            else:
                try:
                    report = desk.verify_audit()
                except PermissionDenied:
                    return "denied"
                return "audit-ok" if report.ok else "audit-broken"
        return kind

    return run


def summarise(report: SimulationReport) -> Iterable[str]:
    """Yield the report as lines of plain text."""
    yield (
        f"Simulated {report.days} day(s) of profile {report.profile!r} from {report.start} "
        f"(seed {report.seed}): {report.open_days} open."
    )
    yield f"Staff: {len(report.staff)}"
    for name, roles, level in report.staff:
        yield f"  {name}: {', '.join(roles)} ({level})"
    yield f"Shifts worked: {report.shifts}"
    yield f"Front-desk enquiries logged: {report.enquiries}"
    yield f"Operations refused by permissions: {report.refusals}"
    yield f"Audit checks: {report.audits} ({report.audits_ok} sound)"
    yield "Events:"
    for key, count in report.events.items():
        yield f"  {key}: {count}"
