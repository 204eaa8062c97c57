"""The ``[schedule]`` profile section: principals, rooms, working hours, visit types.

A [`ProfileSection`][officekit.ProfileSection] of the assistant's desk, read as
strictly as the kernel's tables and checked against the rest of the profile (a
principal's role and department, a visit type's providers and rooms).

```toml
[schedule]
hours = { mon = "08:30-18:00", tue = "08:30-18:00" }   # default working hours
breaks = ["12:30-13:30"]                                # every working day
buffer_minutes = 5
horizon_days = 365
late_cancellation_hours = 24
reminder_hours = 24
conflict_check_days = 30         # how long a clear legal conflict check may be used

[schedule.principals.dr_ahmed]
name = "Dr Amira Ahmed"
title = "GP partner"
role = "gp"                      # optional: staff holding it act as the principal

[schedule.rooms.room_1]
name = "Consulting room 1"

[schedule.visit_types.gp]
name = "GP appointment"
minutes = 10
providers = ["dr_ahmed"]         # empty: any principal
```
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import attrs

from officekit.core.extensions import ProfileSection, SectionContext
from officekit.core.profile import WEEKDAYS, TimeRange, WeeklyHours

__all__ = [
    "MAX_BUFFER_MINUTES",
    "MAX_HORIZON_DAYS",
    "MAX_VISIT_MINUTES",
    "SCHEDULE",
    "Principal",
    "Room",
    "ScheduleSettings",
    "VisitType",
]

MAX_VISIT_MINUTES = 480
"""The longest visit type, in minutes (a working day)."""

MAX_BUFFER_MINUTES = 120
"""The longest buffer between two entries of a person, in minutes."""

MAX_HORIZON_DAYS = 3 * 366
"""The furthest ahead the schedule books, checks and searches, in days."""

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_NINE_TO_FIVE = (TimeRange(dt.time(9), dt.time(17)),)
_WEEKDAYS_NINE_TO_FIVE = WeeklyHours(*(_NINE_TO_FIVE,) * 5)


@attrs.frozen
class Principal:
    """A person whose schedule the assistant keeps (a doctor, a lawyer, the owner).

    Attributes:
        name: How they are shown on agendas and confirmations.
        title: Their title (``"GP partner"``), if any.
        role: A staff role whose holders *are* this principal: they read and book
            their own calendar without a delegation. None: only delegates do.
        department: The department they belong to, if any.
        hours: Their own working hours; None: the section's ``hours``.
        breaks: Their own daily breaks; None: the section's ``breaks``.
        buffer_minutes: Their own buffer between entries; None: the section's.
    """

    name: str
    title: str = ""
    role: str | None = None
    department: str | None = None
    hours: WeeklyHours | None = None
    breaks: tuple[TimeRange, ...] | None = None
    buffer_minutes: int | None = None


@attrs.frozen
class Room:
    """A room or a resource that entries occupy (a consulting room, a projector).

    Attributes:
        name: How it is shown.
        kind: ``room`` or ``resource``.
    """

    name: str
    kind: str = "room"


@attrs.frozen
class VisitType:
    """A kind of customer appointment and how long it lasts.

    Attributes:
        name: How it is shown (``"GP appointment"``).
        minutes: Its length.
        providers: The principals who provide it; empty: any principal.
        rooms: The rooms or resources it needs, if any.
        template: The document template that confirms it.
        reminder_template: The document template that reminds of it.
        conflict_check: Whether booking it needs a clear legal conflict check, where
            the office keeps records (the clerk's desk).
    """

    name: str
    minutes: int
    providers: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    template: str = "appointment_confirmation"
    reminder_template: str = "appointment_reminder"
    conflict_check: bool = False


@attrs.frozen
class ScheduleSettings:
    """The ``[schedule]`` section.

    Attributes:
        principals: The people whose schedules are kept, by key.
        rooms: The rooms and resources, by key.
        hours: Default working hours per weekday (local time of the office).
        breaks: Default daily breaks within working hours.
        buffer_minutes: Default minutes a principal keeps free between two entries.
        horizon_days: How far ahead bookings are checked (a recurring entry's
            occurrences) and free slots searched.
        step_minutes: Free slots start on multiples of this many minutes past the hour.
        late_cancellation_hours: An appointment cancelled less than this many hours
            before it starts is a late cancellation.
        reminder_hours: How long before an appointment its reminder is due.
        conflict_check_days: How many days a clear legal conflict check may be used
            to book a consultation (once) after it was run.
        visit_types: The kinds of customer appointment, by key.
    """

    principals: dict[str, Principal] = attrs.field(factory=dict)
    rooms: dict[str, Room] = attrs.field(factory=dict)
    hours: WeeklyHours = _WEEKDAYS_NINE_TO_FIVE
    breaks: tuple[TimeRange, ...] = ()
    buffer_minutes: int = 0
    horizon_days: int = 365
    step_minutes: int = 5
    late_cancellation_hours: int = 24
    reminder_hours: int = 24
    conflict_check_days: int = 30
    visit_types: dict[str, VisitType] = attrs.field(factory=dict)

    def hours_of(self, principal: str) -> WeeklyHours:
        """The profile's working hours of a principal (their own, else the default)."""
        own = self.principals[principal].hours
        return self.hours if own is None else own

    def breaks_of(self, principal: str) -> tuple[TimeRange, ...]:
        """The profile's daily breaks of a principal (their own, else the default)."""
        own = self.principals[principal].breaks
        return self.breaks if own is None else own

    def buffer_of(self, principal: str) -> int:
        """The profile's buffer of a principal, in minutes (their own, else the default)."""
        own = self.principals[principal].buffer_minutes
        return self.buffer_minutes if own is None else own


def _check_key(ctx: SectionContext, at: list[str], key: str, what: str) -> None:
    if not _KEY.match(key):
        ctx.problem(at, f"a {what}'s key is a lower-case identifier of at most 40, got {key!r}")


def _check_hours(
    ctx: SectionContext, at: list[str], hours: WeeklyHours | None, breaks: tuple[TimeRange, ...]
) -> None:
    if hours is not None:
        for day in WEEKDAYS:
            ranges = sorted(getattr(hours, day), key=lambda r: r.start)
            for before, after in itertools.pairwise(ranges):
                if after.start < before.end:
                    ctx.problem([*at, "hours", day], f"working hours {before} and {after} overlap")
    ordered = sorted(breaks, key=lambda r: r.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            ctx.problem([*at, "breaks"], f"breaks {before} and {after} overlap")


def _check_minutes(ctx: SectionContext, at: list[str], value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        ctx.problem(at, f"expected a number of minutes from {low} to {high}, got {value}")


def _check(settings: ScheduleSettings, ctx: SectionContext) -> ScheduleSettings:
    profile = ctx.profile
    _check_hours(ctx, [], settings.hours, settings.breaks)
    _check_minutes(ctx, ["buffer_minutes"], settings.buffer_minutes, 0, MAX_BUFFER_MINUTES)
    if not 1 <= settings.horizon_days <= MAX_HORIZON_DAYS:
        ctx.problem(
            ["horizon_days"],
            f"expected a number of days from 1 to {MAX_HORIZON_DAYS}, got {settings.horizon_days}",
        )
    if settings.step_minutes not in (1, 5, 10, 15, 20, 30, 60):
        ctx.problem(
            ["step_minutes"], f"expected 1, 5, 10, 15, 20, 30 or 60, got {settings.step_minutes}"
        )
    if not 1 <= settings.conflict_check_days <= 365:
        ctx.problem(
            ["conflict_check_days"],
            f"expected a number of days from 1 to 365, got {settings.conflict_check_days}",
        )
    for key in ("late_cancellation_hours", "reminder_hours"):
        value = getattr(settings, key)
        if not 0 <= value <= 14 * 24:
            ctx.problem([key], f"expected a number of hours from 0 to {14 * 24}, got {value}")
    for key, principal in settings.principals.items():
        at = ["principals", key]
        _check_key(ctx, at, key, "principal")
        if not principal.name.strip() or len(principal.name) > 200:
            ctx.problem([*at, "name"], "expected a name of 1 to 200 characters")
        if principal.role is not None and principal.role not in profile.roles:
            ctx.problem([*at, "role"], f"no role {principal.role!r} in the profile")
        if principal.department is not None and principal.department not in profile.departments:
            ctx.problem([*at, "department"], f"no department {principal.department!r}")
        _check_hours(ctx, at, principal.hours, principal.breaks or ())
        if principal.buffer_minutes is not None:
            _check_minutes(
                ctx, [*at, "buffer_minutes"], principal.buffer_minutes, 0, MAX_BUFFER_MINUTES
            )
    for key, room in settings.rooms.items():
        _check_key(ctx, ["rooms", key], key, "room")
        if room.kind not in ("room", "resource"):
            ctx.problem(["rooms", key, "kind"], f"expected room or resource, got {room.kind!r}")
        if not room.name.strip() or len(room.name) > 200:
            ctx.problem(["rooms", key, "name"], "expected a name of 1 to 200 characters")
    for key, visit in settings.visit_types.items():
        at = ["visit_types", key]
        _check_key(ctx, at, key, "visit type")
        _check_minutes(ctx, [*at, "minutes"], visit.minutes, 5, MAX_VISIT_MINUTES)
        if not settings.principals:
            ctx.problem(at, "a visit type needs principals to provide it ([schedule.principals])")
        for i, provider in enumerate(visit.providers):
            if provider not in settings.principals:
                ctx.problem([*at, f"providers[{i}]"], f"no principal {provider!r}")
        for i, room_key in enumerate(visit.rooms):
            if room_key not in settings.rooms:
                ctx.problem([*at, f"rooms[{i}]"], f"no room {room_key!r}")
        for name in ("template", "reminder_template"):
            if not _KEY.match(getattr(visit, name)):
                ctx.problem([*at, name], "expected a template's name (a lower-case identifier)")
    return settings


SCHEDULE: ProfileSection[ScheduleSettings] = ProfileSection(
    "schedule",
    ScheduleSettings,
    ScheduleSettings,
    _check,
    "Principals, rooms, working hours, buffers and visit types of the assistant's schedule.",
)
"""The ``[schedule]`` section, typed: ``profile.section(SCHEDULE)``."""
