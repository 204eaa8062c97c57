"""RFC 5545 recurrence: validate a rule, expand an entry's occurrences in a window.

[`check_rule`][officekit.plugins.assistant.schedule.recurrence.check_rule] checks an
``RRULE`` value part by part and returns it normalised (upper case, parts in a fixed
order); [`occurrences`][officekit.plugins.assistant.schedule.recurrence.occurrences]
expands an entry into the occurrences that overlap a window, with `python-dateutil`'s
``rrule`` doing the calendar arithmetic.

Decisions:

- **Wall-clock repetition.** A recurring entry repeats in the wall-clock time of its
  ``timezone`` (an IANA zone, through ``zoneinfo``): a weekly 09:00 meeting in
  ``Europe/London`` is at 09:00 in winter (UTC) and in summer (BST). The rule is
  expanded in naive local time and each occurrence is then placed in the zone.
- **DST gaps and folds** follow RFC 5545 section 3.3.5, to which section 3.8.5.3
  (``RRULE``) refers for instances whose local time does not exist or occurs twice:
  a time in a *fold* (clocks go back) is its **first** occurrence (the daylight-time
  one), and a time in a *gap* (clocks go forward) is read with the UTC offset from
  **before** the gap, so that 02:30 on the spring-forward night in New York is 03:30
  EDT. This is exactly ``zoneinfo`` with ``fold=0``. (Section 3.3.10 also says such
  instances "MUST be ignored"; the two sections contradict each other, and we follow
  3.3.5/3.8.5.3, as the common calendar programs do, so that a meeting never
  silently disappears.) Two instances that the gap moves onto the same instant are
  one occurrence.
- **Duration.** An entry is exported with ``DTSTART`` and ``DTEND``, for which RFC 5545
  (3.8.5.3) says the same *exact* duration applies to every instance: each
  occurrence lasts the elapsed time of the first one (a 09:00-10:00 meeting is one
  hour also on the night the clocks change). The one exception is an entry that
  starts and ends at local midnight (an all-day entry, as imported from a ``DATE``
  value): it keeps its *nominal* length in whole days, as ``DATE`` values do.
- **The entry's start is the first occurrence**, and counts towards ``COUNT``
  (RFC 5545 3.8.5.3), even if the rule would not produce it by itself.
- **Bounds.** A schedule is to the minute and its entries last minutes or hours, so
  ``FREQ=SECONDLY`` and ``FREQ=MINUTELY`` are refused, ``BYSECOND`` may only be ``0``,
  ``COUNT`` is at most
  [`MAX_COUNT`][officekit.plugins.assistant.schedule.recurrence.MAX_COUNT] and
  ``INTERVAL`` at most
  [`MAX_INTERVAL`][officekit.plugins.assistant.schedule.recurrence.MAX_INTERVAL].
  A rule that can never produce an instance (``BYMONTH=2;BYMONTHDAY=30``, a
  ``BYSETPOS`` beyond any possible set) is refused.
- **Windows far from the start.** A rule without ``COUNT`` is expanded from the period
  (day, week, month, year or hour, times ``INTERVAL``) just before the window, not
  from ``DTSTART``: the defaults that ``DTSTART`` implies (the weekday of a weekly
  rule, the day of a monthly one...) are made explicit first, so the result is the
  same. A rule with ``COUNT`` has at most ``MAX_COUNT`` instances to walk through.
- Occurrences are given in UTC (convert with ``astimezone`` to show them); ``EXDATE``
  instants are compared as instants.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from officekit.errors import ValidationError
from officekit.plugins.assistant.schedule.model import Entry, Occurrence

__all__ = [
    "FREQUENCIES",
    "MAX_COUNT",
    "MAX_INTERVAL",
    "check_rule",
    "last_end",
    "occurrences",
    "period_days",
    "zone",
]

FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
"""The ``FREQ`` values a schedule accepts (``MINUTELY`` and ``SECONDLY`` are refused)."""

MAX_COUNT = 10_000
"""The largest ``COUNT`` accepted: a daily entry for more than 27 years."""

MAX_INTERVAL = 1_000
"""The largest ``INTERVAL`` accepted."""

_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_INT = re.compile(r"[+-]?\d{1,4}")
_UNTIL = re.compile(r"(\d{8})(T(\d{6})(Z?))?")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# The largest numbers the integer parts take, and the FREQs they may be used with.
_RANGES = {
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
_NOT_WITH = {
    "BYMONTHDAY": ("WEEKLY",),
    "BYYEARDAY": ("MONTHLY", "WEEKLY", "DAILY"),
    "BYWEEKNO": ("MONTHLY", "WEEKLY", "DAILY", "HOURLY"),
}
_REFERENCE_START = datetime(2000, 1, 3, 9, 0)  # a Monday


def _fail(where: str, what: str) -> ValidationError:
    return ValidationError(what, where=where)


def _parse(rule: object, where: str) -> dict[str, str]:
    if not isinstance(rule, str):
        raise _fail(
            where, f"must be a text such as 'FREQ=WEEKLY;BYDAY=MO', not {type(rule).__name__}"
        )
    text = rule.strip()
    if text[:6].upper() == "RRULE:":
        text = text[6:]
    if not text:
        raise _fail(where, "is empty; give at least FREQ, such as 'FREQ=WEEKLY'")
    if any(c.isspace() for c in text) or not text.isascii():
        raise _fail(where, f"{text!r} has spaces or non-ASCII characters in it")
    parts: dict[str, str] = {}
    for part in text.strip(";").split(";"):
        name, equals, value = part.partition("=")
        name = name.upper()
        if not equals or not name or not value:
            raise _fail(where, f"part {part!r} is not NAME=VALUE")
        if name not in _PARTS:
            raise _fail(where, f"unknown part {name!r}; the parts are {', '.join(_PARTS)}")
        if name in parts:
            raise _fail(where, f"{name} is given twice")
        parts[name] = value.upper()
    return parts


def _ints(name: str, value: str, where: str) -> list[int]:
    low, high, signed = _RANGES[name]
    numbers = []
    for item in value.split(","):
        if not _INT.fullmatch(item):
            raise _fail(where, f"{name}: {item!r} is not a whole number")
        number = int(item)
        if (item[0] in "+-" or number < 0) and not signed:
            raise _fail(where, f"{name}: {item!r} may not have a sign")
        if not low <= abs(number) <= high:
            span = f"{low} to {high}" + (" (or minus that)" if signed else "")
            raise _fail(where, f"{name}: {item!r} is not in {span}")
        numbers.append(number)
    return numbers


def _until(value: str, where: str) -> None:
    match = _UNTIL.fullmatch(value)
    text = "must be a date (20261231) or a UTC date-time (20261231T170000Z)"
    if match is None:
        raise _fail(where, f"UNTIL: {value!r} {text}")
    try:
        if match.group(2):
            datetime.strptime(match.group(1) + match.group(3), "%Y%m%d%H%M%S")
        else:
            datetime.strptime(match.group(1), "%Y%m%d")
    except ValueError:
        raise _fail(where, f"UNTIL: {value!r} is not a real date or time") from None


def _check_parts(parts: dict[str, str], where: str) -> None:
    freq = parts.get("FREQ")
    if freq is None:
        raise _fail(where, "FREQ is missing, such as 'FREQ=WEEKLY'")
    if freq in ("SECONDLY", "MINUTELY"):
        raise _fail(where, f"FREQ={freq} is refused: a schedule repeats at most hourly")
    if freq not in FREQUENCIES:
        raise _fail(where, f"FREQ {freq!r} is not one of {', '.join(FREQUENCIES)}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _fail(where, "COUNT and UNTIL may not be given together")
    for name in ("COUNT", "INTERVAL"):
        if name in parts:
            value, top = parts[name], MAX_COUNT if name == "COUNT" else MAX_INTERVAL
            if not value.isdigit() or not 1 <= int(value) <= top:
                raise _fail(where, f"{name}: {value!r} is not a whole number from 1 to {top}")
    if "UNTIL" in parts:
        _until(parts["UNTIL"], where)
    if "BYSECOND" in parts and parts["BYSECOND"] not in ("0", "00"):
        raise _fail(where, "BYSECOND: only 0 is accepted: a schedule is to the minute")
    for name, freqs in _NOT_WITH.items():
        if name in parts and freq in freqs:
            raise _fail(where, f"{name} may not be used with FREQ={freq}")
    numbers = {name: _ints(name, parts[name], where) for name in _RANGES if name in parts}
    days = parts["BYDAY"].split(",") if "BYDAY" in parts else []
    for item in days:
        match = _BYDAY.fullmatch(item)
        if match is None:
            raise _fail(where, f"BYDAY: {item!r} is not a weekday such as MO, 1MO or -1FR")
        if match.group(2) is not None:
            if freq not in ("MONTHLY", "YEARLY") or "BYWEEKNO" in parts:
                raise _fail(
                    where, f"BYDAY: {item!r} has a number, allowed only with FREQ=MONTHLY or YEARLY"
                )
            limit = 5 if freq == "MONTHLY" or "BYMONTH" in parts else 53
            if not 1 <= int(match.group(2)) <= limit:
                raise _fail(where, f"BYDAY: {item!r}: the number must be from 1 to {limit}")
        elif match.group(1):
            raise _fail(where, f"BYDAY: {item!r} has a sign but no number")
    if "WKST" in parts and parts["WKST"] not in _WEEKDAYS:
        raise _fail(where, f"WKST: {parts['WKST']!r} is not one of {', '.join(_WEEKDAYS)}")
    if "BYSETPOS" in parts:
        others = set(parts) & {
            "BYMINUTE",
            "BYHOUR",
            "BYDAY",
            "BYMONTHDAY",
            "BYYEARDAY",
            "BYWEEKNO",
            "BYMONTH",
        }
        if not others:
            raise _fail(where, "BYSETPOS needs another BY part (such as BYDAY) to choose from")
    _check_possible(freq, numbers, days, where)


def _set_size(freq: str, numbers: dict[str, list[int]], days: list[str]) -> int:
    """An upper bound of the instances a rule has in one period (for ``BYSETPOS``)."""
    per_day = len(numbers.get("BYHOUR", [0])) * len(numbers.get("BYMINUTE", [0]))
    if freq == "HOURLY":
        return len(numbers.get("BYMINUTE", [0]))
    if freq == "DAILY":
        return per_day
    if freq == "WEEKLY":
        return min(7, len(days) or 1) * per_day
    if freq == "MONTHLY":
        return 31 * per_day
    return 366 * per_day


def _check_possible(freq: str, numbers: dict[str, list[int]], days: list[str], where: str) -> None:
    if "BYMONTHDAY" in numbers:
        months = numbers.get("BYMONTH", list(range(1, 13)))
        longest = max(_DAYS_IN_MONTH[m - 1] for m in months)
        if all(abs(d) > longest for d in numbers["BYMONTHDAY"]):
            raise _fail(
                where, "BYMONTHDAY: no such day in the months chosen: the rule never occurs"
            )
    if "BYSETPOS" in numbers:
        size = _set_size(freq, numbers, days)
        if all(abs(p) > size for p in numbers["BYSETPOS"]):
            raise _fail(
                where,
                f"BYSETPOS: a {freq.lower()} period has at most {size} instances:"
                " the rule never occurs",
            )


def _join(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={parts[name]}" for name in _PARTS if name in parts)


def check_rule(rule: str, *, where: str = "rrule") -> str:
    """Validate an RFC 5545 recurrence rule and return it normalised.

    The ``RRULE:`` prefix is accepted and dropped; names and values are put in upper
    case and the parts in the order of RFC 5545 (``FREQ`` first). Each part is checked
    against RFC 5545 section 3.3.10 and the bounds of this module.

    Args:
        rule: The rule, such as ``"FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261231T170000Z"``.
        where: Names the rule in error messages.

    Returns:
        The normalised rule, without the ``RRULE:`` prefix.

    Raises:
        officekit.errors.ValidationError: naming ``where`` and what is wrong (an unknown
            part, a bad ``FREQ``, ``COUNT`` and ``UNTIL`` together, a value out of range,
            a rule that never occurs).

    Examples:
        >>> check_rule("rrule:freq=weekly;byday=mo")
        'FREQ=WEEKLY;BYDAY=MO'
    """
    parts = _parse(rule, where)
    _check_parts(parts, where)
    normal = _join(parts)
    try:  # the parts are right one by one; dateutil is the last word on the whole
        rrulestr(_join({k: v for k, v in parts.items() if k != "UNTIL"}), dtstart=_REFERENCE_START)
    except (ValueError, TypeError, OverflowError) as error:
        raise _fail(where, f"{normal!r} is not a valid rule: {error}") from None
    return normal


def zone(name: str, *, where: str = "timezone") -> ZoneInfo:
    """The IANA time zone called ``name``.

    Args:
        name: Such as ``"Europe/London"``.
        where: Names the zone in error messages.

    Raises:
        officekit.errors.ValidationError: ``name`` is not a known IANA zone.
    """
    if not isinstance(name, str) or not name or name != name.strip() or ".." in name:
        raise _fail(where, f"{name!r} is not an IANA time zone such as 'Europe/London'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _fail(where, f"{name!r} is not an IANA time zone such as 'Europe/London'") from None


def _aware(value: object, where: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise _fail(where, f"must be a timezone-aware datetime, not {value!r}")
    return value


def _explicit(parts: dict[str, str], start: datetime) -> dict[str, str]:
    """The rule with the defaults that its start implies written out (RFC 5545 3.3.10)."""
    parts = dict(parts)
    freq = parts["FREQ"]
    if not parts.keys() & {"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"}:
        if freq == "YEARLY":
            parts.setdefault("BYMONTH", str(start.month))
            parts["BYMONTHDAY"] = str(start.day)
        elif freq == "MONTHLY":
            parts["BYMONTHDAY"] = str(start.day)
        elif freq == "WEEKLY":
            parts["BYDAY"] = _WEEKDAYS[start.weekday()]
    if freq != "HOURLY":
        parts.setdefault("BYHOUR", str(start.hour))
    parts.setdefault("BYMINUTE", str(start.minute))
    parts["BYSECOND"] = "0" if "BYSECOND" in parts else str(start.second)
    return parts


def _period_start(freq: str, interval: int, start: datetime, target: datetime) -> datetime | None:
    """The start of the rule's last period that begins before ``target`` (both naive local).

    ``None`` when that is the first period (nothing to skip).
    """
    if freq == "YEARLY":
        skip = (target.year - start.year) // interval * interval
        return (
            start.replace(year=start.year + skip, month=1, day=1, hour=0, minute=0, second=0)
            if skip > 0
            else None
        )
    if freq == "MONTHLY":
        months = (target.year - start.year) * 12 + target.month - start.month
        skip = months // interval * interval
        if skip <= 0:
            return None
        return start.replace(day=1, hour=0, minute=0, second=0) + relativedelta(months=skip)
    if freq == "HOURLY":
        hours = int((target - start).total_seconds() // 3600)
        skip = hours // interval * interval
        return start.replace(minute=0, second=0) + timedelta(hours=skip) if skip > 0 else None
    length = 7 if freq == "WEEKLY" else 1
    skip = (target.date() - start.date()).days // (length * interval) * length * interval
    if skip <= 0:
        return None
    return start.replace(hour=0, minute=0, second=0) + timedelta(days=skip)


_LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)


def _until_instant(value: str, tz: ZoneInfo) -> datetime:
    """The last instant an ``UNTIL`` value allows (a ``DATE`` allows all of that day).

    An ``UNTIL`` in the last days of the year 9999 (``99991231``, which some calendar
    programs write for "never ends") is taken as the latest instant ``datetime`` has,
    less two days.
    """
    try:
        if "T" not in value:
            day = datetime.strptime(value, "%Y%m%d") + timedelta(days=1)
            return day.replace(tzinfo=tz).astimezone(UTC) - timedelta(microseconds=1)
        moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
        found = moment.replace(tzinfo=UTC if value.endswith("Z") else tz).astimezone(UTC)
    except OverflowError:
        return _LATEST
    return min(found, _LATEST)


def last_end(entry: Entry, limit: datetime) -> datetime | None:
    """When a recurring entry's last occurrence ends, at the latest; None if it never ends.

    A rule with ``COUNT`` (at most ``MAX_COUNT`` instances) is expanded to its last
    instance. A rule with ``UNTIL`` is not expanded: the bound is the ``UNTIL`` instant
    plus the entry's length plus a day (for a change of the clocks), a safe
    over-estimate that costs nothing however many instances the rule has. A bound at
    or after ``limit`` (the far future) is None, as for an endless rule. A single
    entry ends at its end.

    Args:
        entry: The entry.
        limit: The far future, where an endless rule's occupancy ends.

    Raises:
        officekit.errors.ValidationError: The entry's rule or zone is not valid.
    """
    if entry.rrule is None:
        return entry.end
    parts = _parse(check_rule(entry.rrule), "rrule")
    if "UNTIL" in parts:
        tz = zone(entry.timezone)
        until = _until_instant(parts["UNTIL"], tz)
        length = entry.end - entry.start + timedelta(days=1)
        if until >= limit - length:
            return None
        return max(entry.end, until + length)
    if "COUNT" not in parts:
        return None
    last = None
    for last in occurrences(entry, entry.start, limit):  # noqa: B007
        pass
    return last.end if last is not None else entry.end


_APPROX_DAYS = {"YEARLY": 365.0, "MONTHLY": 30.0, "WEEKLY": 7.0, "DAILY": 1.0, "HOURLY": 1 / 24}
_GREGORIAN_CYCLE_DAYS = 146_097  # 400 years: the calendar (dates and weekdays) repeats
_WEEKDAY_CYCLE_DAYS = 10_227  # 28 years: dates and weekdays repeat between 1901 and 2099
_CALENDAR_PARTS = {"BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO"}


def period_days(rule: str) -> tuple[int, float]:
    """A whole number of days after which a rule's wall-clock instances repeat, and their gap.

    ``DAILY`` and ``WEEKLY`` rules repeat after their interval in days, an ``HOURLY``
    one after the interval's least common multiple with 24 hours (with ``BYDAY``: and
    with a week); ``MONTHLY`` and ``YEARLY`` rules, and any rule with ``BYMONTH``,
    ``BYMONTHDAY``, ``BYYEARDAY`` or ``BYWEEKNO``, repeat
    with the calendar, taken as 28 years (the cycle of dates and weekdays between
    1901 and 2099) times the interval in years. The gap is the rough number of days
    between two instances, to choose which of two rules to walk through.

    Args:
        rule: A rule (checked).

    Returns:
        ``(period in days, approximate gap in days)``.
    """
    parts = _parse(check_rule(rule), "rrule")
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    gap = _APPROX_DAYS[freq] * interval
    if freq in ("DAILY", "WEEKLY", "HOURLY") and not parts.keys() & _CALENDAR_PARTS:
        days = {"DAILY": interval, "WEEKLY": 7 * interval}.get(freq)
        if days is None:
            days = math.lcm(interval, 24) // 24
        if "BYDAY" in parts and freq != "WEEKLY":
            days = math.lcm(days, 7)
        return days, gap
    years = interval if freq == "YEARLY" else math.lcm(interval, 12) // 12
    return min(_WEEKDAY_CYCLE_DAYS * years, _GREGORIAN_CYCLE_DAYS), gap


def occurrences(entry: Entry, window_start: datetime, window_end: datetime) -> Iterator[Occurrence]:
    """The entry's occurrences that overlap ``[window_start, window_end)``, in order.

    A recurring entry repeats in wall-clock time of ``entry.timezone`` (DST-correct,
    see the module's decisions); ``exdates`` are left out; ``UNTIL`` and ``COUNT`` are
    honoured; a non-recurring entry yields itself if it overlaps. An occurrence
    overlaps the window if it ends after ``window_start`` and starts before
    ``window_end``.

    Args:
        entry: The entry.
        window_start: Start of the window (aware).
        window_end: End of the window (aware).

    Yields:
        The occurrences, with ``start`` and ``end`` in UTC, ordered by start.

    Raises:
        officekit.errors.ValidationError: the window is not aware, or the entry's
            zone or rule is not valid.
    """
    ws = _aware(window_start, "window_start").astimezone(UTC)
    we = _aware(window_end, "window_end").astimezone(UTC)
    tz = zone(entry.timezone)
    first_start = _aware(entry.start, "start").astimezone(UTC)
    first_end = _aware(entry.end, "end").astimezone(UTC)
    if first_end <= first_start:
        raise _fail("end", f"must be after the start ({entry.start.isoformat()})")
    excluded = {_aware(moment, "exdates").astimezone(UTC) for moment in entry.exdates}
    if entry.rrule is None:
        if first_start < we and first_end > ws and first_start not in excluded:
            yield Occurrence(first_start, first_end, entry.uid)
        return
    yield from _expand(entry, tz, first_start, first_end, ws, we, excluded)


def _local(moment: datetime, tz: ZoneInfo, shift: timedelta) -> datetime:
    """``moment + shift`` as naive local time in ``tz``, kept within the years datetime has."""
    try:
        return (moment + shift).astimezone(tz).replace(tzinfo=None)
    except OverflowError:
        return datetime.max if shift > timedelta(0) else datetime.min


def _never(parts: dict[str, str]) -> bool:
    """Whether a rule (with its defaults written out) can never produce an instance."""
    numbers = {name: _ints(name, parts[name], "rrule") for name in _RANGES if name in parts}
    days = parts["BYDAY"].split(",") if "BYDAY" in parts else []
    try:
        _check_possible(parts["FREQ"], numbers, days, "rrule")
    except ValidationError:
        return True
    return False


def _expand(
    entry: Entry,
    tz: ZoneInfo,
    first_start: datetime,
    first_end: datetime,
    ws: datetime,
    we: datetime,
    excluded: set[datetime],
) -> Iterator[Occurrence]:
    parts = _parse(check_rule(entry.rrule or "", where="rrule"), "rrule")
    local_start = first_start.astimezone(tz)
    local_end = first_end.astimezone(tz)
    start = local_start.replace(tzinfo=None, fold=0)
    length = first_end - first_start
    midnight = datetime.min.time()
    whole_days = (
        (local_end.date() - local_start.date()).days
        if local_start.time() == midnight and local_end.time() == midnight
        else None
    )
    count = int(parts.pop("COUNT")) if "COUNT" in parts else None
    until = _until_instant(parts.pop("UNTIL"), tz) if "UNTIL" in parts else None
    parts = _explicit(parts, start)
    reach = timedelta(days=1) + (length if whole_days is None else timedelta(days=whole_days))
    stop = _local(we, tz, timedelta(days=1))
    if until is not None:
        stop = min(stop, _local(until, tz, timedelta(days=1)))
    dtstart = start
    if count is None:
        target = _local(ws, tz, -reach)
        skipped = _period_start(parts["FREQ"], int(parts.get("INTERVAL", "1")), start, target)
        dtstart = skipped if skipped is not None and skipped > start else start
    rule = () if _never(parts) else rrulestr(_join(parts), dtstart=dtstart)

    def place(moment: datetime) -> tuple[datetime, datetime]:
        begin = moment.replace(tzinfo=tz).astimezone(UTC)
        if whole_days is not None:
            return begin, (moment + timedelta(days=whole_days)).replace(tzinfo=tz).astimezone(UTC)
        return begin, begin + length

    def candidates() -> Iterator[tuple[datetime, datetime, datetime]]:
        if dtstart == start:  # the first occurrence is the entry's own start and end
            yield start, first_start, first_end
        moments = iter(rule)
        while True:
            try:
                moment = next(moments)
                if moment <= start:
                    continue
                begin, end = place(moment)
            except (StopIteration, ValueError, OverflowError):  # done, or past the year 9999
                return
            yield moment, begin, end

    day: date | None = None
    group: list[tuple[datetime, datetime]] = []
    seen = 0
    for moment, begin, end in candidates():
        if moment > stop:
            break
        seen += 1
        if count is not None and seen > count:
            break
        if moment.date() != day:
            yield from _flush(group, entry.uid)
            group, day = [], moment.date()
        if until is not None and begin > until and moment != start:
            continue
        if begin < we and end > ws and begin not in excluded:
            group.append((begin, end))
    yield from _flush(group, entry.uid)


def _flush(group: list[tuple[datetime, datetime]], uid: str) -> Iterator[Occurrence]:
    """One local day's occurrences, in order (a DST gap may reorder or merge them)."""
    last = None
    for begin, end in sorted(group):
        if begin != last:
            yield Occurrence(begin, end, uid)
        last = begin
