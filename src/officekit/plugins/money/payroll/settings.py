"""The ``[payroll]`` profile section: the pay schedule and how long cheques may wait.

A [`ProfileSection`][officekit.ProfileSection] of the money desk, read as strictly
as the kernel's tables and checked against the rest of the profile.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

import attrs

from officekit.core.extensions import ProfileSection, SectionContext

if TYPE_CHECKING:
    from officekit.core.profile import Profile

__all__ = [
    "MAX_DAYS",
    "PAYROLL",
    "SCHEDULES",
    "WEEKDAYS",
    "PayrollSettings",
    "is_working_day",
    "pay_days",
]

SCHEDULES = ("monthly", "weekly", "fortnightly")
"""The pay schedules: ``monthly`` (the last working day of each month), ``weekly`` and
``fortnightly`` (every ``weekday``, or every other one counted from ``first_pay_date``)."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""The names of ``weekday``."""

MAX_DAYS = 90
"""The most days ``hold_days`` and ``distribute_within_days`` may be."""


@attrs.frozen
class PayrollSettings:
    """When the payroll company's cheques arrive, and how long they may wait.

    Attributes:
        schedule: ``monthly`` (pay day: the last working day of the month), ``weekly``
            or ``fortnightly`` (on ``weekday``).
        weekday: The pay day of a weekly or fortnightly schedule: ``mon`` ... ``sun``.
        first_pay_date: A fortnightly schedule's first pay day, from which every other
            ``weekday`` counts (it must fall on ``weekday``).
        distribute_within_days: Days after the pay day by which every cheque should be
            handed over: later, an undistributed cheque is overdue.
        hold_days: Days a cheque of an absent employee is held in the safe; later, it is
            overdue and is returned to the payroll company.
    """

    schedule: str = "monthly"
    weekday: str = "fri"
    first_pay_date: dt.date = dt.date(2026, 1, 9)
    distribute_within_days: int = 2
    hold_days: int = 14

    def is_pay_day(self, day: dt.date, profile: Profile) -> bool:
        """Whether ``day`` is a pay day of this schedule in the office of ``profile``."""
        if self.schedule == "monthly":
            last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
            while not is_working_day(last, profile) and last > day.replace(day=1):
                last -= dt.timedelta(days=1)
            return day == last
        if day.weekday() != WEEKDAYS.index(self.weekday):
            return False
        if self.schedule == "weekly":
            return True
        return (day - self.first_pay_date).days % 14 == 0


def is_working_day(day: dt.date, profile: Profile) -> bool:
    """A weekday (Monday to Friday) that is no office-wide holiday of the profile."""
    if day.weekday() >= 5:
        return False
    return not any(h.date == day and not h.departments for h in profile.holidays)


def pay_days(
    profile: Profile, settings: PayrollSettings, start: dt.date, end: dt.date
) -> list[dt.date]:
    """The pay days from ``start`` to ``end``, both included."""
    days = []
    day = start
    while day <= end:
        if settings.is_pay_day(day, profile):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _check(settings: PayrollSettings, ctx: SectionContext) -> PayrollSettings:
    if settings.schedule not in SCHEDULES:
        ctx.problem(
            ["schedule"], f"expected one of {', '.join(SCHEDULES)}, got {settings.schedule!r}"
        )
    if settings.weekday not in WEEKDAYS:
        ctx.problem(["weekday"], f"expected one of {', '.join(WEEKDAYS)}, got {settings.weekday!r}")
    elif settings.schedule == "fortnightly" and settings.first_pay_date.weekday() != WEEKDAYS.index(
        settings.weekday
    ):
        ctx.problem(
            ["first_pay_date"],
            f"{settings.first_pay_date} is a {settings.first_pay_date:%A}, not on the "
            f"pay day's weekday {settings.weekday!r}",
        )
    for key in ("distribute_within_days", "hold_days"):
        value = getattr(settings, key)
        low = 0 if key == "distribute_within_days" else 1
        if not low <= value <= MAX_DAYS:
            ctx.problem([key], f"expected a number of days from {low} to {MAX_DAYS}, got {value}")
    return settings


PAYROLL: ProfileSection[PayrollSettings] = ProfileSection(
    "payroll",
    PayrollSettings,
    PayrollSettings,
    _check,
    "The payroll company's pay schedule, and how long its cheques may wait at the office.",
)
"""The ``[payroll]`` section, typed: ``profile.section(PAYROLL)``."""
