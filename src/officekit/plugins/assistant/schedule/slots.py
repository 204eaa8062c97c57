"""Interval arithmetic of the schedule: working windows, conflicts and free slots.

Pure functions over UTC intervals ``(start, end)`` (end excluded), used by the
store (``office.schedule``) both to check a booking and to find free slots, so
that a slot found free is a slot that can be booked.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence

import attrs

from officekit.core.profile import TimeRange, WeeklyHours

__all__ = [
    "Busy",
    "Conflict",
    "Interval",
    "Rules",
    "find_conflicts",
    "free_slots",
    "merge",
    "subtract",
    "working_windows",
]

Interval = tuple[dt.datetime, dt.datetime]
"""A span of time in UTC, end excluded."""

CONFLICT_KINDS = ("double_booked", "time_off", "buffer", "outside_hours", "break")
"""What a conflict can be: the person or room is taken (or the person is on time off),
too little buffer to another entry, outside the principal's working hours or in a
break."""


@attrs.frozen(order=True)
class Busy:
    """A span during which a person or a room is taken.

    Attributes:
        start: When it starts (UTC).
        end: When it ends (UTC).
        resource: ``p:<principal>`` or ``r:<room>``.
        entry_id: The entry that takes it.
        kind: That entry's kind.
    """

    start: dt.datetime
    end: dt.datetime
    resource: str
    entry_id: int
    kind: str


@attrs.frozen
class Rules:
    """What constrains one person or room: working hours, breaks, buffer.

    Attributes:
        resource: ``p:<principal>`` or ``r:<room>``.
        hours: Working hours (None: a room, bookable at any time).
        breaks: Daily breaks within them.
        buffer: Time kept free before and after each entry.
    """

    resource: str
    hours: WeeklyHours | None = None
    breaks: tuple[TimeRange, ...] = ()
    buffer: dt.timedelta = dt.timedelta(0)


@attrs.frozen
class Conflict:
    """Why a span cannot be booked for one person or room.

    Attributes:
        kind: One of ``CONFLICT_KINDS``.
        resource: ``p:<principal>`` or ``r:<room>``.
        start: The clashing span's start (the requested span for hours and breaks).
        end: Its end.
        entry_id: The clashing entry, if any.
    """

    kind: str
    resource: str
    start: dt.datetime
    end: dt.datetime
    entry_id: int | None = None


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Merge overlapping or touching intervals; return them sorted."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(windows: Sequence[Interval], busy: Sequence[Interval]) -> list[Interval]:
    """The parts of sorted disjoint ``windows`` not covered by sorted merged ``busy``."""
    out: list[Interval] = []
    i = 0
    for w_start, w_end in windows:
        cursor = w_start
        while i < len(busy) and busy[i][1] <= cursor:
            i += 1
        j = i
        while j < len(busy) and busy[j][0] < w_end:
            b_start, b_end = busy[j]
            if b_start > cursor:
                out.append((cursor, b_start))
            cursor = max(cursor, b_end)
            if cursor >= w_end:
                break
            j += 1
        if cursor < w_end:
            out.append((cursor, w_end))
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The intersection of two sorted lists of disjoint intervals."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _local(day: dt.date, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    # fold=0 for the repeated hour; a time skipped by a DST gap moves forward.
    naive = dt.datetime.combine(day, at)
    value = naive.replace(tzinfo=tz).astimezone(dt.UTC)
    if value.astimezone(tz).replace(tzinfo=None) != naive:  # in a gap
        value = (naive + dt.timedelta(hours=1)).replace(tzinfo=tz).astimezone(dt.UTC)
    return value


def working_windows(
    hours: WeeklyHours,
    breaks: Sequence[TimeRange],
    tz: dt.tzinfo,
    start: dt.datetime,
    end: dt.datetime,
) -> list[Interval]:
    """The working time in ``[start, end)`` (UTC): the hours of each local day, less breaks."""
    out: list[Interval] = []
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date()
    pauses = sorted(breaks, key=lambda r: r.start)
    while day <= last:
        for span in sorted(hours.on(day), key=lambda r: r.start):
            parts = [(_local(day, span.start, tz), _local(day, span.end, tz))]
            cut = [(_local(day, p.start, tz), _local(day, p.end, tz)) for p in pauses]
            for a, b in subtract(parts, merge(cut)):
                a, b = max(a, start), min(b, end)
                if a < b:
                    out.append((a, b))
        day += dt.timedelta(days=1)
    return merge(out)


def _overlapping(busy: Sequence[Busy], starts: Sequence[dt.datetime], lo: dt.datetime,
                 hi: dt.datetime, longest: dt.timedelta) -> Iterable[Busy]:  # fmt: skip
    """The items of ``busy`` (sorted by start) that overlap ``[lo, hi)``."""
    i = bisect.bisect_left(starts, lo - longest)
    while i < len(busy) and busy[i].start < hi:
        if busy[i].end > lo:
            yield busy[i]
        i += 1


def find_conflicts(
    spans: Sequence[Interval],
    rules: Sequence[Rules],
    busy: Sequence[Busy],
    tz: dt.tzinfo,
    *,
    skip_hours: bool = False,
    stop_at: int = 20,
) -> list[Conflict]:
    """Check each span against each person's and room's rules and busy time.

    Args:
        spans: The occurrences to book (UTC).
        rules: One per person or room the entry occupies.
        busy: What those people and rooms are already taken by, sorted.
        tz: The office's timezone, in which working hours are read.
        skip_hours: Do not check working hours, breaks or buffers (time off).
        stop_at: Stop after this many conflicts.

    Returns:
        The conflicts, in the order found (empty: the spans can be booked).
    """
    found: list[Conflict] = []
    by_resource: dict[str, list[Busy]] = {}
    for item in busy:
        by_resource.setdefault(item.resource, []).append(item)
    for rule in rules:
        mine = by_resource.get(rule.resource, [])
        starts = [b.start for b in mine]
        longest = max((b.end - b.start for b in mine), default=dt.timedelta(0))
        buffer = dt.timedelta(0) if skip_hours else rule.buffer
        for start, end in spans:
            for item in _overlapping(mine, starts, start - buffer, end + buffer, longest):
                if item.start < end and item.end > start:
                    kind = "time_off" if item.kind == "time_off" else "double_booked"
                else:
                    kind = "buffer"
                found.append(Conflict(kind, rule.resource, item.start, item.end, item.entry_id))
                break
            if rule.hours is not None and not skip_hours:
                windows = working_windows(rule.hours, (), tz, start, end)
                if windows != [(start, end)]:
                    found.append(Conflict("outside_hours", rule.resource, start, end))
                elif working_windows(rule.hours, rule.breaks, tz, start, end) != [(start, end)]:
                    found.append(Conflict("break", rule.resource, start, end))
            if len(found) >= stop_at:
                return found
    return found


def free_slots(
    allowed: Sequence[Interval],
    busy: Sequence[Interval],
    length: dt.timedelta,
    step: dt.timedelta,
    count: int,
    tz: dt.tzinfo = dt.UTC,
) -> list[Interval]:
    """The first ``count`` slots of ``length`` in ``allowed`` time not covered by ``busy``.

    A slot starts on a multiple of ``step`` counted from local midnight in ``tz``;
    consecutive slots of one free stretch follow each other (09:00, 09:30, 10:00
    for 30 minutes).

    Args:
        allowed: Sorted disjoint intervals in which slots may lie.
        busy: Sorted merged intervals that slots must not touch.
        length: The slots' length.
        step: The grid their starts lie on.
        count: How many to return at most.
        tz: The timezone whose midnight the grid counts from.
    """
    out: list[Interval] = []
    for start, end in subtract(allowed, busy):
        local = start.astimezone(tz)
        midnight = start - (local - local.replace(hour=0, minute=0, second=0, microsecond=0))
        offset = (start - midnight) % step
        cursor = start if not offset else start + (step - offset)
        while cursor + length <= end:
            out.append((cursor, cursor + length))
            if len(out) >= count:
                return out
            cursor += length
            offset = (cursor - midnight) % step
            if offset:
                cursor += step - offset
    return out
