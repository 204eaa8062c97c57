"""The principals' schedules: booking with conflict checks, free slots, delegation, agendas.

``office.schedule`` reads (entries, busy time, free slots, agendas, iCalendar
export, the fields of an appointment); ``desk.schedule`` performs the
operations (``schedule.book``, ``schedule.override``, ``schedule.cancel``,
``schedule.set_hours``, ``schedule.import``, ``schedule.delegate``,
``schedule.revoke``).

A booking is checked inside its operation's transaction, which the kernel
serialises with every other writer of the office, against what the people and
rooms are already busy with (double booking, time off, buffers) and against the
principals' working hours and breaks. A conflict is refused with a
[`ScheduleConflict`][officekit.plugins.assistant.schedule.diary.ScheduleConflict]
that names the person or room and the clashing time, and the refusal is recorded
(outcome ``denied``, ``decided_by="schedule_conflict"``, the conflicts' kinds as
the reason). Booking over a conflict on purpose is the operation
``schedule.override``, which needs its own permission and a reason (kept on the
entry's row, not in the event).

Who may keep a principal's calendar: the holders of the principal's own role
(``[schedule.principals.<key>] role``), and the members of staff the principal's
calendar is delegated to, each within the delegation's scope: ``free_busy`` (sees
busy blocks only), ``read`` (sees the details) or ``manage`` (books and cancels
too). Nobody delegates a calendar to themselves unless it is their own, and
setting a principal's working hours needs ``manage`` too. Customers'
appointments (``desk.appointments``) need no delegation: they are the front
desk's work, allowed by the profile's ``appointments`` responsibility.

A recurring entry is checked from its start or now, whichever is later: over the
horizon against everything, beyond it against single entries and against the other
recurring entries over a common cycle of both rules; its own occurrences may not
overlap (see the guide, "Booking and conflicts").
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.prepared import Prepared
from officekit.core.profile import WEEKDAYS, TimeRange, WeeklyHours
from officekit.core.staff import StaffMember
from officekit.core.store import UTCDateTime
from officekit.core.validate import (
    check_aware,
    check_choice,
    check_int,
    check_ref,
    check_str,
    collect,
    text_field,
)
from officekit.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    Problem,
    ValidationError,
)
from officekit.plugins.assistant.schedule import recurrence
from officekit.plugins.assistant.schedule.model import ENTRY_KINDS, Entry, Occurrence
from officekit.plugins.assistant.schedule.settings import (
    MAX_BUFFER_MINUTES,
    SCHEDULE,
    ScheduleSettings,
)
from officekit.plugins.assistant.schedule.slots import (
    Busy,
    Conflict,
    Interval,
    Rules,
    find_conflicts,
    free_slots,
    intersect,
    merge,
    working_windows,
)
from officekit.plugins.assistant.schedule.tables import (
    CHUNK,
    DELEGATION_SCOPES,
    FAR_FUTURE,
    schedule_delegations,
    schedule_entries,
    schedule_hours,
    schedule_occupancy,
)

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office
    from officekit.plugins.assistant.schedule.agenda import AgendaItem

__all__ = [
    "BOOKABLE_KINDS",
    "EARLIEST",
    "LATEST_DAY",
    "MAX_CYCLE_STEPS",
    "MAX_ENTRY_HOURS",
    "MAX_TIME_OFF_DAYS",
    "SCHEDULE_DESK",
    "SCHEDULE_OFFICE",
    "Delegation",
    "Hours",
    "ScheduleConflict",
    "ScheduleDesk",
    "ScheduleOffice",
]

BOOKABLE_KINDS = tuple(k for k in ENTRY_KINDS if k != "appointment")
"""The kinds ``desk.schedule.book`` books (appointments go through ``desk.appointments``)."""

MAX_ENTRY_HOURS = 24
"""The longest entry other than time off, in hours."""

MAX_TIME_OFF_DAYS = 366
"""The longest time off in one entry, in days."""

MAX_PEOPLE = 20
"""The most people (or rooms) one entry occupies."""

EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
"""The earliest moment a search for busy time or free slots looks at."""

LATEST_DAY = FAR_FUTURE.date() - dt.timedelta(days=2)
"""The latest day an agenda or a search may ask for (schedules end in the far future)."""

MAX_CYCLE_STEPS = 5_000
"""The most occurrences walked to compare two recurring entries beyond the horizon."""

_SCOPE_RANK = {"free_busy": 1, "read": 2, "manage": 3, "own": 4}
_UTC_PARAM = UTCDateTime()


class ScheduleConflict(ConflictError):
    """A booking was refused: a person or room is taken, or it is outside working hours.

    Attributes:
        conflicts: What clashes, each naming the person or room and the time.
    """

    def __init__(self, message: str, conflicts: Sequence[Conflict]) -> None:
        self.conflicts = tuple(conflicts)
        super().__init__(message)

    @property
    def kinds(self) -> list[str]:
        """The kinds of conflict found, each once, in the order found."""
        return list(dict.fromkeys(c.kind for c in self.conflicts))


@attrs.frozen
class Delegation:
    """A principal's calendar delegated to a member of staff.

    Attributes:
        id: Database id.
        principal: The principal's key.
        staff_id: The delegate.
        scope: ``free_busy``, ``read`` or ``manage``.
        granted_at: When it was granted.
        granted_by: Who granted it.
        revoked_at: When it was withdrawn, if it was.
        revoked_by: Who withdrew it.
    """

    id: int
    principal: str
    staff_id: int
    scope: str
    granted_at: dt.datetime
    granted_by: int
    revoked_at: dt.datetime | None = None
    revoked_by: int | None = None


@attrs.frozen
class Hours:
    """A principal's working hours as they apply now (set at the desk, else the profile's).

    Attributes:
        principal: The principal's key.
        hours: Working hours per weekday (office time).
        breaks: Daily breaks.
        buffer_minutes: Minutes kept free between two entries.
        set_at: When they were set at a desk (None: the profile's).
    """

    principal: str
    hours: WeeklyHours
    breaks: tuple[TimeRange, ...]
    buffer_minutes: int
    set_at: dt.datetime | None = None


# -- statements, built once ------------------------------------------------------------

_ENTRY_COLUMNS = (
    schedule_entries.c.uid, schedule_entries.c.title, schedule_entries.c.kind,
    schedule_entries.c.start_at, schedule_entries.c.end_at, schedule_entries.c.timezone,
    schedule_entries.c.people, schedule_entries.c.rooms, schedule_entries.c.rrule,
    schedule_entries.c.exdates, schedule_entries.c.location, schedule_entries.c.description,
    schedule_entries.c.status, schedule_entries.c.stamp, schedule_entries.c.sequence,
    schedule_entries.c.id, schedule_entries.c.visit_type, schedule_entries.c.customer_ref,
    schedule_entries.c.outcome, schedule_entries.c.last_end_at,
)  # fmt: skip
_OFFICE: sa.BindParameter[int] = sa.bindparam("b_office_id")
_LO = sa.bindparam("b_lo", type_=_UTC_PARAM)
_HI = sa.bindparam("b_hi", type_=_UTC_PARAM)
_ENTRY_BY_UID = Prepared(
    sa.select(*_ENTRY_COLUMNS).where(
        schedule_entries.c.office_id == _OFFICE, schedule_entries.c.uid == sa.bindparam("b_uid")
    )
)
_ENTRY_BY_ID = Prepared(
    sa.select(*_ENTRY_COLUMNS).where(
        schedule_entries.c.office_id == _OFFICE, schedule_entries.c.id == sa.bindparam("b_id")
    )
)
_SINGLE_BUSY = Prepared(
    sa.select(
        schedule_occupancy.c.start_at,
        schedule_occupancy.c.end_at,
        schedule_occupancy.c.entry_id,
        schedule_occupancy.c.kind,
    ).where(
        schedule_occupancy.c.office_id == _OFFICE,
        schedule_occupancy.c.resource == sa.bindparam("b_resource"),
        schedule_occupancy.c.recurring == sa.false(),
        schedule_occupancy.c.start_at > sa.bindparam("b_lo_chunk", type_=_UTC_PARAM),
        schedule_occupancy.c.start_at < _HI,
        schedule_occupancy.c.end_at > _LO,
    )
)
_RECURRING_BUSY = Prepared(
    sa.select(schedule_occupancy.c.entry_id).where(
        schedule_occupancy.c.office_id == _OFFICE,
        schedule_occupancy.c.resource == sa.bindparam("b_resource"),
        schedule_occupancy.c.recurring == sa.true(),
        schedule_occupancy.c.start_at < _HI,
        schedule_occupancy.c.end_at > _LO,
    )
)
_ENTRIES_BETWEEN = Prepared(
    sa.select(*_ENTRY_COLUMNS)
    .where(
        schedule_entries.c.office_id == _OFFICE,
        schedule_entries.c.id.in_(
            sa.select(schedule_occupancy.c.entry_id).where(
                schedule_occupancy.c.office_id == _OFFICE,
                schedule_occupancy.c.resource.like(sa.bindparam("b_resource")),
                schedule_occupancy.c.start_at < _HI,
                schedule_occupancy.c.end_at > _LO,
            )
        ),
    )
    .order_by(schedule_entries.c.start_at, schedule_entries.c.id)
)
_HOURS = Prepared(
    sa.select(
        schedule_hours.c.hours,
        schedule_hours.c.breaks,
        schedule_hours.c.buffer_minutes,
        schedule_hours.c.set_at,
    ).where(
        schedule_hours.c.office_id == _OFFICE,
        schedule_hours.c.principal == sa.bindparam("b_principal"),
    )
)
_DELEGATION_COLUMNS = tuple(schedule_delegations.c[f.name] for f in attrs.fields(Delegation))
_ACTIVE_DELEGATIONS = Prepared(
    sa.select(*_DELEGATION_COLUMNS)
    .where(
        schedule_delegations.c.office_id == _OFFICE,
        schedule_delegations.c.staff_id == sa.bindparam("b_staff_id"),
        schedule_delegations.c.principal == sa.bindparam("b_principal"),
        schedule_delegations.c.revoked_at.is_(None),
    )
    .order_by(schedule_delegations.c.id)
)
_DELEGATIONS = Prepared(
    sa.select(*_DELEGATION_COLUMNS)
    .where(schedule_delegations.c.office_id == _OFFICE)
    .order_by(schedule_delegations.c.id)
)
_ACTIVE_OFFICE_DELEGATIONS = Prepared(
    sa.select(*_DELEGATION_COLUMNS)
    .where(
        schedule_delegations.c.office_id == _OFFICE,
        schedule_delegations.c.revoked_at.is_(None),
    )
    .order_by(schedule_delegations.c.id)
)
_INSERT_ENTRY = schedule_entries.insert().returning(schedule_entries.c.id)
_INSERT_OCCUPANCY = schedule_occupancy.insert()
_DELETE_OCCUPANCY = schedule_occupancy.delete().where(
    schedule_occupancy.c.entry_id == sa.bindparam("b_entry_id")
)
_REMINDERS_DUE = Prepared(
    sa.select(schedule_entries.c.uid)
    .where(
        schedule_entries.c.office_id == _OFFICE,
        schedule_entries.c.kind == "appointment",
        schedule_entries.c.start_at > _LO,
        schedule_entries.c.start_at <= _HI,
        schedule_entries.c.status != "cancelled",
        schedule_entries.c.outcome.is_(None),
        schedule_entries.c.reminded_at.is_(None),
    )
    .order_by(schedule_entries.c.start_at, schedule_entries.c.id)
)

_ID_AT = 15
_VISIT_AT = 16
_CUSTOMER_AT = 17
_OUTCOME_AT = 18
_LAST_END_AT = 19


def _split(value: str) -> tuple[str, ...]:
    return tuple(value.split()) if value else ()


def _entry(row: Sequence[Any]) -> Entry:
    exdates = tuple(dt.datetime.fromisoformat(v) for v in json.loads(row[9]))
    return Entry(
        row[0], row[1], row[2], row[3], row[4], row[5], _split(row[6]), _split(row[7]),
        row[8], exdates, row[10], row[11], row[12], row[13], row[14],
    )  # fmt: skip


def _utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _resource_name(resource: str) -> str:
    kind, _, key = resource.partition(":")
    return f"{'person' if kind == 'p' else 'room'} {key!r}"


def _ranges_to_json(hours: WeeklyHours) -> str:
    return json.dumps({day: [str(r) for r in getattr(hours, day)] for day in WEEKDAYS})


def _parse_range(text: object, where: str, problems: list[Problem]) -> TimeRange | None:
    if not isinstance(text, str) or not re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", text.strip()):
        problems.append(
            Problem(where, f"expected a time range such as '09:00-17:00', got {text!r:.40}")
        )
        return None
    start, end = text.strip().split("-")
    try:
        return TimeRange(dt.time.fromisoformat(start), dt.time.fromisoformat(end))
    except ValueError as exc:
        problems.append(Problem(where, f"{text!r} is no time range: {exc}"))
        return None


def _check_self(spans: Sequence[Interval], buffer: dt.timedelta) -> None:
    """Refuse a recurring entry whose own occurrences overlap or come within ``buffer``."""
    for (a_start, a_end), (b_start, _) in itertools.pairwise(spans):
        if b_start < a_end + buffer:
            what = "overlap" if b_start < a_end else f"come within the buffer of {buffer}"
            raise ValidationError(
                f"its occurrences of {a_start:%Y-%m-%d %H:%M} and {b_start:%Y-%m-%d %H:%M} "
                f"UTC {what}: an entry may not overlap itself",
                where="rrule",
            )


def _last_end(entry: Entry) -> dt.datetime | None:
    """The end of an entry's occupancy row: see ``recurrence.last_end``; None: the far future."""
    if entry.rrule is None:
        return None
    return recurrence.last_end(entry, FAR_FUTURE)


def _chunks(start: dt.datetime, end: dt.datetime) -> list[Interval]:
    out: list[Interval] = []
    cursor = start
    while cursor < end:
        out.append((cursor, min(end, cursor + CHUNK)))
        cursor += CHUNK
    return out


class ScheduleOffice:
    """The office's schedules: ``office.schedule``.

    Reads only; the operations are at the desk (``desk.schedule``). Where a
    ``viewer`` is given, what they see of a principal's calendar is what their
    delegation allows; without one, busy blocks only.
    """

    def __init__(self, office: Office) -> None:
        self._office = office

    @property
    def settings(self) -> ScheduleSettings:
        """The profile's ``[schedule]`` section."""
        return self._office.profile.section(SCHEDULE)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The office's timezone, in which working hours and agendas are read."""
        return self._office.profile.office.tz

    # -- checking names --------------------------------------------------------------------

    def check_principal(self, key: object, where: str = "principal") -> str:
        """Return ``key`` if the profile has such a principal, else raise ValidationError."""
        return check_choice(key, where, self.settings.principals, "principal")

    def check_room(self, key: object, where: str = "room") -> str:
        """Return ``key`` if the profile has such a room or resource, else raise ValidationError."""
        return check_choice(key, where, self.settings.rooms, "room")

    def _keys(
        self, values: object, where: str, check: Any, problems: list[Problem]
    ) -> tuple[str, ...]:
        if values is None:
            return ()
        if isinstance(values, str) or not isinstance(values, Sequence):
            problems.append(Problem(where, f"expected a list of keys, got {values!r:.80}"))
            return ()
        if len(values) > MAX_PEOPLE:
            problems.append(Problem(where, f"at most {MAX_PEOPLE}, got {len(values)}"))
            return ()
        out: list[str] = []
        for i, value in enumerate(values):
            key = collect(problems, check, value, f"{where}[{i}]")
            if key is not None and key in out:
                problems.append(Problem(f"{where}[{i}]", f"{key!r} is listed twice"))
            elif key is not None:
                out.append(key)
        return tuple(out)

    # -- working hours ---------------------------------------------------------------------

    def hours(self, principal: str) -> Hours:
        """Return a principal's working hours, breaks and buffer as they apply now.

        Raises:
            ValidationError: No such principal.
        """
        key = self.check_principal(principal)
        with self._office.engine.connect() as conn:
            return self._hours(conn, key)

    def _hours(self, conn: sa.Connection, key: str) -> Hours:
        settings = self.settings
        row = _HOURS.first(conn, {"b_office_id": self._office.id, "b_principal": key})
        if row is None:
            return Hours(
                key, settings.hours_of(key), settings.breaks_of(key), settings.buffer_of(key)
            )
        days = json.loads(row[0])
        hours = WeeklyHours(
            *(tuple(TimeRange(*map(dt.time.fromisoformat, r.split("-"))) for r in days[d])
              for d in WEEKDAYS)
        )  # fmt: skip
        breaks = tuple(
            TimeRange(*map(dt.time.fromisoformat, r.split("-"))) for r in json.loads(row[1])
        )
        return Hours(key, hours, breaks, row[2], row[3])

    def _rules(
        self, conn: sa.Connection, people: Iterable[str], rooms: Iterable[str]
    ) -> list[Rules]:
        rules = []
        for key in people:
            hours = self._hours(conn, key)
            rules.append(
                Rules(
                    f"p:{key}",
                    hours.hours,
                    hours.breaks,
                    dt.timedelta(minutes=hours.buffer_minutes),
                )
            )
        rules.extend(Rules(f"r:{key}") for key in rooms)
        return rules

    # -- busy time -------------------------------------------------------------------------

    def _busy(
        self,
        conn: sa.Connection,
        resources: Iterable[str],
        lo: dt.datetime,
        hi: dt.datetime,
        *,
        skip: int | None = None,
        singles_only: bool = False,
    ) -> list[Busy]:
        """What ``resources`` are busy with in ``[lo, hi)``, sorted (``skip``: an entry's id)."""
        office_id = self._office.id
        lo, hi = max(lo, EARLIEST), min(hi, FAR_FUTURE)
        if hi <= lo:
            return []
        found: list[Busy] = []
        expanded: dict[int, tuple[str, list[Occurrence]]] = {}
        for resource in resources:
            params = {
                "b_office_id": office_id, "b_resource": resource, "b_lo": lo, "b_hi": hi,
                "b_lo_chunk": lo - CHUNK,
            }  # fmt: skip
            for start, end, entry_id, kind in _SINGLE_BUSY.all(conn, params):
                if entry_id != skip:
                    found.append(Busy(start, end, resource, entry_id, kind))
            if singles_only:
                continue
            del params["b_lo_chunk"]
            for (entry_id,) in _RECURRING_BUSY.all(conn, params):
                if entry_id == skip:
                    continue
                if entry_id not in expanded:
                    row = _ENTRY_BY_ID.first(conn, {"b_office_id": office_id, "b_id": entry_id})
                    assert row is not None
                    entry = _entry(row)
                    expanded[entry_id] = (entry.kind, list(recurrence.occurrences(entry, lo, hi)))
                kind, occs = expanded[entry_id]
                found.extend(Busy(o.start, o.end, resource, entry_id, kind) for o in occs)
        found.sort()
        return found

    def busy(
        self,
        start: dt.datetime,
        end: dt.datetime,
        *,
        people: Sequence[str] = (),
        rooms: Sequence[str] = (),
    ) -> list[Interval]:
        """Return when any of ``people`` and ``rooms`` is busy in ``[start, end)``, merged (UTC).

        Raises:
            ValidationError: A naive datetime, an unknown person or room.
        """
        problems: list[Problem] = []
        lo = collect(problems, check_aware, start, "start")
        hi = collect(problems, check_aware, end, "end")
        keys = self._keys(people, "people", self.check_principal, problems)
        room_keys = self._keys(rooms, "rooms", self.check_room, problems)
        if problems:
            raise ValidationError(problems)
        assert lo is not None and hi is not None
        resources = [f"p:{k}" for k in keys] + [f"r:{k}" for k in room_keys]
        with self._office.engine.connect() as conn:
            found = self._busy(conn, resources, lo.astimezone(dt.UTC), hi.astimezone(dt.UTC))
        return merge((b.start, b.end) for b in found)

    # -- free slots ------------------------------------------------------------------------

    def free_slots(
        self,
        minutes: int,
        *,
        people: Sequence[str] = (),
        rooms: Sequence[str] = (),
        after: dt.datetime | None = None,
        count: int = 5,
        within_days: int | None = None,
    ) -> list[Occurrence]:
        """Find the next free slots of ``minutes`` for all of ``people`` and ``rooms`` at once.

        A slot lies within the working hours of every principal involved, outside
        their breaks, keeps each one's buffer to their other entries, and touches
        nothing the people or rooms are busy with: it is exactly what
        ``desk.schedule.book`` accepts. Without people, slots lie within the
        office's default working hours (``[schedule] hours``). The search runs a week
        at a time, from ``after`` up to ``within_days`` days (default: the
        horizon), and stops at ``count`` slots.

        Args:
            minutes: The length wanted (5 to 1440).
            people: Principals' keys.
            rooms: Rooms' keys.
            after: Search from this moment (default: now).
            count: How many slots at most (1 to 100).
            within_days: How far ahead to search (default ``[schedule] horizon_days``).

        Returns:
            The slots, earliest first, as occurrences with an empty uid.

        Raises:
            ValidationError: A bad argument; an unknown person or room; nobody and no room.
        """
        settings = self.settings
        problems: list[Problem] = []
        length = collect(problems, check_int, minutes, "minutes", 5, 24 * 60)
        wanted = collect(problems, check_int, count, "count", 1, 100)
        days = collect(
            problems, check_int, settings.horizon_days if within_days is None else within_days,
            "within_days", 1, settings.horizon_days,
        )  # fmt: skip
        start = (
            self._office.clock.now()
            if after is None
            else collect(problems, check_aware, after, "after")
        )
        keys = self._keys(people, "people", self.check_principal, problems)
        room_keys = self._keys(rooms, "rooms", self.check_room, problems)
        if not keys and not room_keys and not problems:
            problems.append(Problem("people", "name at least one person or room"))
        if problems:
            raise ValidationError(problems)
        assert length is not None and wanted is not None and days is not None and start is not None
        lo = max(start.astimezone(dt.UTC), EARLIEST)
        # what is found can be booked: not beyond now + the horizon
        latest = self._office.clock.now() + dt.timedelta(days=settings.horizon_days)
        if lo >= latest:
            return []
        end = min(latest, lo + dt.timedelta(days=days))
        step = dt.timedelta(minutes=settings.step_minutes)
        tz = self.tz
        found: list[Interval] = []
        span = dt.timedelta(minutes=length)
        with self._office.engine.connect() as conn:
            rules = self._rules(conn, keys, room_keys)
            pad = max((r.buffer for r in rules), default=dt.timedelta(0))
            buffers = {r.resource: r.buffer for r in rules}
            cursor = lo
            window = dt.timedelta(days=1)
            while cursor < end and len(found) < wanted:
                hi = min(end, cursor + window)
                # slots start in [cursor, hi) and may end up to ``span`` later
                allowed: list[Interval] = [(cursor, hi + span)]
                for rule in rules:
                    if rule.hours is not None:
                        allowed = intersect(
                            allowed, working_windows(rule.hours, rule.breaks, tz, cursor, hi + span)
                        )
                if not keys:
                    allowed = working_windows(
                        settings.hours, settings.breaks, tz, cursor, hi + span
                    )
                if allowed:
                    busy = self._busy(conn, list(buffers), cursor - pad, hi + span + pad)
                    blocked = merge(
                        (b.start - buffers[b.resource], b.end + buffers[b.resource]) for b in busy
                    )
                    slots = free_slots(allowed, blocked, span, step, wanted - len(found), tz)
                    found.extend(s for s in slots if s[0] < hi)
                cursor = hi
                window = min(window * 2, dt.timedelta(days=7))
        return [Occurrence(a, b, "") for a, b in found[:wanted]]

    # -- entries ---------------------------------------------------------------------------

    def get(self, uid: str) -> Entry:
        """Return an entry by its uid.

        Raises:
            NotFoundError: The office has no entry with that uid.
        """
        return _entry(self._row(uid))

    def _row(self, uid: object, conn: sa.Connection | None = None) -> tuple[Any, ...]:
        key = check_str(uid.uid if isinstance(uid, Entry) else uid, "entry", "an entry's uid", 255)
        params = {"b_office_id": self._office.id, "b_uid": key}
        if conn is not None:
            row = _ENTRY_BY_UID.first(conn, params)
        else:
            with self._office.engine.connect() as c:
                row = _ENTRY_BY_UID.first(c, params)
        if row is None:
            raise NotFoundError(f"no schedule entry {key!r} in this office")
        return row

    def entries(
        self,
        start: dt.datetime,
        end: dt.datetime,
        *,
        principal: str | None = None,
        room: str | None = None,
    ) -> list[Entry]:
        """Return the entries (not cancelled) with time in ``[start, end)``, by start.

        Recurring entries are listed once (expand them with
        [`occurrences`][officekit.plugins.assistant.schedule.recurrence.occurrences]).

        Raises:
            ValidationError: A naive datetime, an unknown principal or room.
        """
        problems: list[Problem] = []
        lo = collect(problems, check_aware, start, "start")
        hi = collect(problems, check_aware, end, "end")
        like = "%"
        if principal is not None:
            like = f"p:{collect(problems, self.check_principal, principal)}"
        elif room is not None:
            like = f"r:{collect(problems, self.check_room, room)}"
        if problems:
            raise ValidationError(problems)
        params = {"b_office_id": self._office.id, "b_resource": like, "b_lo": lo, "b_hi": hi}
        with self._office.engine.connect() as conn:
            return [_entry(r) for r in _ENTRIES_BETWEEN.all(conn, params)]

    def occurrences(
        self, start: dt.datetime, end: dt.datetime, *, principal: str | None = None,
        room: str | None = None,
    ) -> list[tuple[Entry, Occurrence]]:  # fmt: skip
        """Return each occurrence in ``[start, end)`` with its entry, by start."""
        found: list[tuple[Entry, Occurrence]] = []
        for entry in self.entries(start, end, principal=principal, room=room):
            found.extend((entry, o) for o in recurrence.occurrences(entry, start, end))
        found.sort(key=lambda pair: (pair[1].start, pair[1].uid))
        return found

    # -- delegation ------------------------------------------------------------------------

    def scope(self, principal: str, viewer: StaffMember | int | None) -> str | None:
        """What ``viewer`` may do with a principal's calendar.

        Returns:
            ``own`` (they hold the principal's role), ``manage``, ``read``,
            ``free_busy`` (the widest active delegation), or None.
        """
        key = self.check_principal(principal)
        if viewer is None:
            return None
        office = self._office
        member = office.staff.get(check_ref(viewer, "viewer", StaffMember, "a member of staff"))
        if member.left_at is not None:
            return None
        role = self.settings.principals[key].role
        if role is not None and role in member.roles:
            return "own"
        with office.engine.connect() as conn:
            rows = _ACTIVE_DELEGATIONS.all(
                conn, {"b_office_id": office.id, "b_staff_id": member.id, "b_principal": key}
            )
        scopes = [Delegation(*r).scope for r in rows]
        return max(scopes, key=_SCOPE_RANK.__getitem__) if scopes else None

    def may(self, principal: str, viewer: StaffMember | int | None, scope: str) -> bool:
        """Whether ``viewer``'s scope on a principal's calendar includes ``scope``.

        Raises:
            ValidationError: ``scope`` is not one of ``own``, ``manage``, ``read``,
                ``free_busy``; or the principal or viewer is not valid.
        """
        check_choice(scope, "scope", tuple(_SCOPE_RANK), "scope")
        have = self.scope(principal, viewer)
        return have is not None and _SCOPE_RANK[have] >= _SCOPE_RANK[scope]

    def delegations(self, *, active_only: bool = True) -> list[Delegation]:
        """Return the office's delegations (by default only those not withdrawn), oldest first."""
        query = _ACTIVE_OFFICE_DELEGATIONS if active_only else _DELEGATIONS
        with self._office.engine.connect() as conn:
            return [Delegation(*r) for r in query.all(conn, {"b_office_id": self._office.id})]

    # -- agenda and export -----------------------------------------------------------------

    def agenda(
        self, principal: str, day: dt.date, *, viewer: StaffMember | int | None = None
    ) -> list[AgendaItem]:
        """Return a principal's day, as ``viewer`` may see it (without one: busy blocks only).

        Raises:
            ValidationError: No such principal; ``day`` is not a date.
            PermissionDenied: ``viewer`` has no delegation of the calendar (nor its role).
        """
        from officekit.plugins.assistant.schedule.agenda import AgendaItem

        key = self.check_principal(principal)
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ValidationError(f"expected a date, got {day!r:.60}", where="day")
        if not LATEST_DAY >= day > EARLIEST.date():
            raise ValidationError(
                f"expected a day after {EARLIEST.date().isoformat()} and up to "
                f"{LATEST_DAY.isoformat()}, got {day.isoformat()}",
                where="day",
            )
        visible = False
        if viewer is not None:
            scope = self.scope(key, viewer)
            if scope is None:
                member = self._office.staff.get(
                    check_ref(viewer, "viewer", StaffMember, "a member of staff")
                )
                raise PermissionDenied(
                    member.name, "schedule.agenda",
                    f"the calendar of {key!r} is not delegated to them",
                )  # fmt: skip
            visible = _SCOPE_RANK[scope] >= _SCOPE_RANK["read"]
        tz = self.tz
        lo = dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC)
        hi = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
        items = []
        for entry, occ in self.occurrences(lo, hi, principal=key):
            items.append(
                AgendaItem(
                    occ, entry.title if visible else "Busy", entry.kind if visible else "busy",
                    entry.people if visible else (), entry.rooms if visible else (),
                    entry.location if visible else None, visible,
                )
            )  # fmt: skip
        return items

    def agenda_text(
        self, principal: str, day: dt.date, *, viewer: StaffMember | int | None = None
    ) -> str:
        """Return the printable day plan of a principal as plain text (see ``agenda``)."""
        from officekit.plugins.assistant.schedule.agenda import render_text

        items = self.agenda(principal, day, viewer=viewer)
        name = self.settings.principals[principal].name
        return render_text(day, name, items, timezone=self._office.profile.office.timezone)

    def agenda_html(
        self, principal: str, day: dt.date, *, viewer: StaffMember | int | None = None
    ) -> str:
        """Return the printable day plan of a principal as an HTML page (see ``agenda``)."""
        from officekit.plugins.assistant.schedule.agenda import render_html

        items = self.agenda(principal, day, viewer=viewer)
        name = self.settings.principals[principal].name
        return render_html(day, name, items, timezone=self._office.profile.office.timezone)

    def export(
        self,
        principal: str,
        start: dt.datetime,
        end: dt.datetime,
        *,
        viewer: StaffMember | int | None = None,
    ) -> bytes:
        """Export a principal's entries with time in ``[start, end)`` as an iCalendar file.

        ``viewer`` must be able to read the calendar (``read``, ``manage`` or the
        principal's own role); without one (the embedding application's own
        export), nothing is checked. Customers' references and descriptions of
        appointments are not exported.

        Raises:
            ValidationError: A bad argument.
            PermissionDenied: ``viewer`` may not read the calendar.
        """
        from officekit.plugins.assistant.schedule.ical import export_calendar

        key = self.check_principal(principal)
        if viewer is not None and not self.may(key, viewer, "read"):
            member = self._office.staff.get(
                check_ref(viewer, "viewer", StaffMember, "a member of staff")
            )
            raise PermissionDenied(
                member.name, "schedule.export", f"they may not read the calendar of {key!r}"
            )
        entries = [
            attrs.evolve(e, description=None) if e.kind == "appointment" else e
            for e in self.entries(start, end, principal=key)
        ]
        return export_calendar(
            entries,
            name=self.settings.principals[key].name,
            timezone=self._office.profile.office.timezone,
            now=self._office.clock.now(),
        )

    # -- appointments ----------------------------------------------------------------------

    def appointment_fields(self, uid: str) -> dict[str, Any]:
        """Return the fields of an appointment for its confirmation and reminder templates.

        Keys: ``uid``, ``date`` (``YYYY-MM-DD``, office time), ``time`` (``HH:MM``),
        ``end_time``, ``weekday``, ``minutes``, ``principal`` (the provider's key),
        ``provider`` (their name), ``provider_title``, ``visit_type`` (its name),
        ``visit_type_key``, ``location``, ``customer`` (the customer's reference),
        ``office`` (the office's name), ``status``.

        Raises:
            NotFoundError: No such entry.
            ValidationError: The entry is not an appointment.
        """
        row = self._row(uid)
        entry = _entry(row)
        if entry.kind != "appointment":
            raise ValidationError(
                f"entry {entry.uid!r} is a {entry.kind}, not an appointment", where="uid"
            )
        settings = self.settings
        tz = self.tz
        start, end = entry.start.astimezone(tz), entry.end.astimezone(tz)
        principal = entry.people[0] if entry.people else ""
        who = settings.principals.get(principal)
        visit = settings.visit_types.get(row[_VISIT_AT] or "")
        location = (
            entry.location
            or ", ".join(settings.rooms[r].name for r in entry.rooms if r in settings.rooms)
            or self._office.profile.office.name
        )
        return {
            "uid": entry.uid,
            "date": start.date().isoformat(),
            "time": f"{start:%H:%M}",
            "end_time": f"{end:%H:%M}",
            "weekday": f"{start:%A}",
            "minutes": int((entry.end - entry.start).total_seconds() // 60),
            "principal": principal,
            "provider": who.name if who else principal,
            "provider_title": who.title if who else "",
            "visit_type": visit.name if visit else (row[_VISIT_AT] or ""),
            "visit_type_key": row[_VISIT_AT] or "",
            "location": location,
            "customer": row[_CUSTOMER_AT] or "",
            "office": self._office.profile.office.name,
            "status": entry.status,
        }

    def reminders_due(self, now: dt.datetime | None = None) -> list[str]:
        """Return the uids of the appointments whose reminder is due, earliest first.

        Selected in SQL: appointments not cancelled, with no outcome yet and no
        reminder sent, starting after ``now`` and within ``[schedule]
        reminder_hours`` of it.

        Raises:
            ValidationError: ``now`` is naive.
        """
        when = self._office.clock.now() if now is None else check_aware(now, "now")
        hours = dt.timedelta(hours=self.settings.reminder_hours)
        params = {"b_office_id": self._office.id, "b_lo": when, "b_hi": when + hours}
        with self._office.engine.connect() as conn:
            return [r[0] for r in _REMINDERS_DUE.all(conn, params)]


class ScheduleDesk:
    """The schedule at a desk: ``desk.schedule``; every operation is authorised and recorded."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    @property
    def _room(self) -> ScheduleOffice:
        room: ScheduleOffice = self._office.facet(SCHEDULE_OFFICE)
        return room

    # -- reading, as the desk's member of staff --------------------------------------------

    def agenda(self, principal: str, day: dt.date) -> list[AgendaItem]:
        """Return a principal's day as this desk's member of staff may see it."""
        return self._room.agenda(principal, day, viewer=self._desk.actor)

    def free_slots(
        self,
        minutes: int,
        *,
        people: Sequence[str] = (),
        rooms: Sequence[str] = (),
        after: dt.datetime | None = None,
        count: int = 5,
        within_days: int | None = None,
    ) -> list[Occurrence]:
        """Find free slots: see ``office.schedule.free_slots``."""
        return self._room.free_slots(
            minutes,
            people=people,
            rooms=rooms,
            after=after,
            count=count,
            within_days=within_days,
        )

    # -- delegation checks -----------------------------------------------------------------

    def _require(self, operation: str, principals: Iterable[str], subject: str | None) -> None:
        """Refuse (recorded) unless the actor manages each principal's calendar."""
        for key in principals:
            if not self._room.may(key, self._desk.actor, "manage"):
                self._desk.refuse(
                    operation, subject,
                    f"the calendar of {key!r} is not delegated to them to manage",
                    decided_by="delegation",
                )  # fmt: skip

    # -- booking ---------------------------------------------------------------------------

    def book(
        self,
        title: str,
        *,
        start: dt.datetime,
        end: dt.datetime | None = None,
        minutes: int | None = None,
        kind: str = "meeting",
        people: Sequence[str] = (),
        rooms: Sequence[str] = (),
        rrule: str | None = None,
        timezone: str | None = None,
        location: str | None = None,
        description: str | None = None,
        status: str = "confirmed",
        override: str | None = None,
    ) -> Entry:
        """Book an entry in the principals' schedules (``schedule.book``).

        Checked in the operation's transaction against every person's and room's
        busy time (over the horizon, for a recurring entry), the principals'
        working hours, breaks and buffers (not for time off).

        Args:
            title: What it is (1 to 200 characters); never a customer's personal data.
            start: When it starts (aware).
            end: When it ends; or give ``minutes``.
            minutes: How long it lasts; or give ``end``.
            kind: ``meeting``, ``time_off``, ``break`` or ``hold``.
            people: The principals it occupies.
            rooms: The rooms and resources it occupies.
            rrule: An RFC 5545 recurrence rule (``FREQ=WEEKLY;BYDAY=MO``), if it recurs.
            timezone: The IANA zone it recurs in (default: the office's).
            location: Where, if not a room (at most 200 characters).
            description: Notes (at most 2,000 characters).
            status: ``confirmed`` or ``tentative``.
            override: Book over conflicts, for this reason (``schedule.override``,
                which the profile must allow; the reason is kept on the entry).

        Returns:
            The entry booked.

        Raises:
            ValidationError: A bad argument; nothing is written.
            ScheduleConflict: A person or room is taken, or the time is outside
                working hours (the refusal is recorded; nothing else is written).
            PermissionDenied: The actor may not book, manage a principal's calendar or
                override (the refusal is recorded).
        """
        problems: list[Problem] = []
        kind = collect(problems, check_choice, kind, "kind", BOOKABLE_KINDS, "entry kind") or ""
        entry = self._entry(
            problems, title=title, start=start, end=end, minutes=minutes, kind=kind,
            people=people, rooms=rooms, rrule=rrule, timezone=timezone, location=location,
            description=description, status=status,
        )  # fmt: skip
        reason = self._override(problems, override)
        if problems:
            raise ValidationError(problems)
        assert entry is not None
        subject = self._subject(entry)
        self._require("schedule.book", entry.people, subject)
        return self.store(entry, operation="schedule.book", subject=subject, override=reason)

    def _subject(self, entry: Entry) -> str:
        first = entry.people[0] if entry.people else entry.rooms[0]
        return f"schedule:{first}"

    def _override(self, problems: list[Problem], override: object) -> str | None:
        if override is None:
            return None
        return text_field(override, "override", "the reason to book over a conflict", 500, problems,
                          required=True)  # fmt: skip

    def _entry(
        self, problems: list[Problem], *, title: object, start: object, end: object,
        minutes: object, kind: str, people: object, rooms: object, rrule: object,
        timezone: object, location: object, description: object, status: object,
        uid: str | None = None,
    ) -> Entry | None:  # fmt: skip
        """Check a booking's arguments; the entry, or None with problems added."""
        room = self._room
        clean_title = text_field(title, "title", "a title", 200, problems, required=True)
        begin = collect(problems, check_aware, start, "start")
        finish: dt.datetime | None = None
        if (end is None) == (minutes is None):
            problems.append(Problem("end", "give either end or minutes"))
        elif end is not None:
            finish = collect(problems, check_aware, end, "end")
        else:
            length = collect(
                problems, check_int, minutes, "minutes", 1, MAX_TIME_OFF_DAYS * 24 * 60
            )
            if length is not None and begin is not None:
                finish = begin + dt.timedelta(minutes=length)
        if begin is not None and finish is not None:
            longest = (
                dt.timedelta(days=MAX_TIME_OFF_DAYS) if kind == "time_off"
                else dt.timedelta(hours=MAX_ENTRY_HOURS)
            )  # fmt: skip
            if finish <= begin:
                problems.append(Problem("end", "an entry must end after it starts"))
            elif finish - begin > longest:
                problems.append(Problem("end", f"a {kind or 'entry'} lasts at most {longest}"))
            horizon = self._office.clock.now() + dt.timedelta(days=room.settings.horizon_days)
            if begin > horizon:
                problems.append(
                    Problem("start", f"beyond the horizon of {room.settings.horizon_days} days")
                )
        keys = room._keys(people, "people", room.check_principal, problems)
        room_keys = room._keys(rooms, "rooms", room.check_room, problems)
        located = any(p.where in ("people", "rooms") for p in problems)
        if not keys and not room_keys and not located:
            problems.append(Problem("people", "an entry occupies at least one person or room"))
        zone: object = self._office.profile.office.timezone if timezone is None else timezone
        if not isinstance(zone, str) or not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", zone):
            problems.append(Problem("timezone", f"expected an IANA zone, got {zone!r:.60}"))
        else:
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                problems.append(Problem("timezone", f"unknown IANA zone {zone!r}"))
        rule = None
        if rrule is not None:
            if isinstance(rrule, str) and len(rrule) > 500:
                problems.append(Problem("rrule", "a recurrence rule is at most 500 characters"))
            else:
                rule = collect(problems, recurrence.check_rule, rrule, where="rrule")
        place = text_field(location, "location", "a location", 200, problems, required=False)
        notes = text_field(description, "description", "a description", 2000, problems,
                           required=False, multiline=True)  # fmt: skip
        state = collect(
            problems, check_choice, status, "status", ("confirmed", "tentative"), "status"
        )
        if problems or begin is None or finish is None or clean_title is None or state is None:
            return None
        assert isinstance(zone, str)
        return Entry(
            uid or f"{uuid.uuid4()}@officekit", clean_title, kind, begin.astimezone(dt.UTC),
            finish.astimezone(dt.UTC), zone, keys, room_keys, rule, (), place, notes, state,
            None, 0,
        )  # fmt: skip

    def _check(
        self, conn: sa.Connection, entry: Entry, last_end: dt.datetime | None
    ) -> list[Conflict]:
        """The conflicts of booking ``entry``.

        A single entry: against everything its people and rooms are busy with. A
        recurring one, from its start or now (whichever is later): over the horizon
        against everything (working hours included), beyond it against the single
        entries booked there, and against each other recurring entry of the same
        people and rooms over a common cycle of both rules (see ``_far_recurring``).
        Its own occurrences may not overlap nor come within the buffer of each
        other (ValidationError).
        """
        room = self._room
        resources = [f"p:{k}" for k in entry.people] + [f"r:{k}" for k in entry.rooms]
        rules = room._rules(conn, entry.people, entry.rooms)
        pad = max((r.buffer for r in rules), default=dt.timedelta(0))
        if entry.rrule is None:
            spans: list[Interval] = [(entry.start, entry.end)]
            busy = room._busy(conn, resources, entry.start - pad, entry.end + pad)
            return find_conflicts(spans, rules, busy, room.tz, skip_hours=entry.kind == "time_off")
        lo = max(entry.start, self._office.clock.now())
        horizon = lo + dt.timedelta(days=room.settings.horizon_days)
        spans = [(o.start, o.end) for o in recurrence.occurrences(entry, lo, horizon)]
        _check_self(spans, pad)
        conflicts: list[Conflict] = []
        if spans:
            busy = room._busy(conn, resources, spans[0][0] - pad, spans[-1][1] + pad)
            conflicts = find_conflicts(
                spans, rules, busy, room.tz, skip_hours=entry.kind == "time_off"
            )
        if conflicts:
            return conflicts
        # single entries booked beyond the horizon: check the occurrences near each
        far = room._busy(conn, resources, horizon, FAR_FUTURE, singles_only=True)
        for item in far:
            near = [
                (o.start, o.end)
                for o in recurrence.occurrences(entry, item.start - pad, item.end + pad)
            ]
            conflicts += find_conflicts(near, rules, [item], room.tz, skip_hours=True)
            if conflicts:
                return conflicts
        mine = last_end or FAR_FUTURE
        return self._far_recurring(conn, entry, resources, rules, (lo, horizon, mine), pad)

    def _far_recurring(
        self,
        conn: sa.Connection,
        entry: Entry,
        resources: list[str],
        rules: list[Rules],
        bounds: tuple[dt.datetime, dt.datetime, dt.datetime],
        pad: dt.timedelta,
    ) -> list[Conflict]:
        """Compare a recurring entry with the other recurring entries beyond the horizon.

        Two rules together repeat after the least common multiple of their periods
        ([`period_days`][officekit.plugins.assistant.schedule.recurrence.period_days]):
        checking from when both run for one such cycle covers every later
        occurrence. The sparser rule is walked, and the other expanded near each of
        its occurrences; more than ``MAX_CYCLE_STEPS`` occurrences to walk is refused
        as unverifiable (ValidationError).
        """
        room = self._room
        office_id = self._office.id
        lo, horizon, mine = bounds  # checked from, the horizon, the entry's last end
        my_period, my_gap = recurrence.period_days(entry.rrule or "")
        others: dict[int, list[str]] = {}
        for resource in resources:
            params = {
                "b_office_id": office_id, "b_resource": resource, "b_lo": horizon,
                "b_hi": FAR_FUTURE,
            }  # fmt: skip
            for (entry_id,) in _RECURRING_BUSY.all(conn, params):
                others.setdefault(entry_id, []).append(resource)
        for entry_id, shared in others.items():
            row = _ENTRY_BY_ID.first(conn, {"b_office_id": office_id, "b_id": entry_id})
            assert row is not None
            other = _entry(row)
            period, gap = recurrence.period_days(other.rrule or "")
            begin = max(lo, other.start)
            reach = (entry.end - entry.start) + (other.end - other.start) + pad
            cycle = dt.timedelta(days=math.lcm(my_period, period) + 1) + reach
            stop = min(mine, row[_LAST_END_AT] or FAR_FUTURE, FAR_FUTURE - reach, begin + cycle)
            start = max(begin, horizon - reach)
            if stop <= start:
                continue
            drive, follow = (entry, other) if my_gap >= gap else (other, entry)
            for steps, occ in enumerate(recurrence.occurrences(drive, start, stop)):
                if steps >= MAX_CYCLE_STEPS:
                    raise ValidationError(
                        f"cannot be checked against entry {other.uid!r}: more than "
                        f"{MAX_CYCLE_STEPS} occurrences to compare; give the rule an end "
                        "(UNTIL or COUNT)",
                        where="rrule",
                    )
                near = list(recurrence.occurrences(follow, occ.start - pad, occ.end + pad))
                if not near:
                    continue
                if drive is entry:
                    spans = [(occ.start, occ.end)]
                    busy = [Busy(o.start, o.end, r, entry_id, other.kind)
                            for o in near for r in shared]  # fmt: skip
                else:
                    spans = [(o.start, o.end) for o in near]
                    busy = [Busy(occ.start, occ.end, r, entry_id, other.kind) for r in shared]
                busy.sort()
                found = find_conflicts(spans, rules, busy, room.tz, skip_hours=True)
                if found:
                    return found
        return []

    def _describe(self, conflicts: Sequence[Conflict]) -> str:
        tz = self._room.tz
        parts = []
        for c in conflicts[:5]:
            when = f"{c.start.astimezone(tz):%Y-%m-%d %H:%M}-{c.end.astimezone(tz):%H:%M}"
            what = {
                "double_booked": "is already booked",
                "time_off": "is on time off",
                "buffer": "needs a buffer to the entry",
                "outside_hours": "does not work",
                "break": "has a break",
            }[c.kind]
            parts.append(f"{_resource_name(c.resource)} {what} {when}")
        more = f" (and {len(conflicts) - 5} more)" if len(conflicts) > 5 else ""
        return "; ".join(parts) + more

    def store(
        self,
        entry: Entry,
        *,
        operation: str,
        subject: str,
        override: str | None = None,
        extra: Mapping[str, Any] | None = None,
        columns: Mapping[str, Any] | None = None,
    ) -> Entry:
        """Check and write a validated entry, as ``operation`` (or ``schedule.override``).

        What ``book``, ``import_calendar`` and ``desk.appointments.book`` share.
        With ``override``, the operation is ``schedule.override`` and conflicts are
        recorded (their kinds) instead of refused.
        """
        office = self._office
        now = office.clock.now()
        minutes = int((entry.end - entry.start).total_seconds() // 60)
        detail: dict[str, Any] = {
            "kind": entry.kind,
            "minutes": minutes,
            "people": len(entry.people),
            "rooms": len(entry.rooms),
            "recurring": entry.rrule is not None,
            "override": override is not None,
            **(extra or {}),
        }
        performed = "schedule.override" if override is not None else operation
        if override is not None:
            detail["operation"] = operation
        last_end = _last_end(entry)
        stamp = entry.stamp or now

        def act(conn: sa.Connection) -> Entry:
            conflicts = self._check(conn, entry, last_end)
            if conflicts and override is None:
                raise ScheduleConflict(
                    f"not booked: {self._describe(conflicts)}; choose another time, or book "
                    "over it with a reason (override=...)",
                    conflicts,
                )
            if override is not None:
                detail["conflicts"] = list(dict.fromkeys(c.kind for c in conflicts))
            values = {
                "office_id": office.id, "uid": entry.uid, "kind": entry.kind,
                "title": entry.title, "start_at": entry.start, "end_at": entry.end,
                "timezone": entry.timezone, "people": " ".join(entry.people),
                "rooms": " ".join(entry.rooms), "rrule": entry.rrule,
                "exdates": json.dumps([_utc_text(d) for d in entry.exdates]),
                "last_end_at": last_end, "location": entry.location,
                "description": entry.description, "status": entry.status,
                "override_reason": override, "booked_at": now,
                "booked_by": self._desk.actor.id, "sequence": entry.sequence, "stamp": stamp,
                **(columns or {}),
            }  # fmt: skip
            try:
                entry_id = int(conn.execute(_INSERT_ENTRY, values).scalar_one())
            except sa.exc.IntegrityError:
                also = " (or its conflict check was used)" if columns else ""
                raise ConflictError(
                    f"an entry with uid {entry.uid!r} exists already{also}"
                ) from None
            self._occupy(conn, entry_id, entry, last_end)
            detail["entry_id"] = entry_id
            return attrs.evolve(entry, stamp=stamp)

        try:
            done, _ = self._desk.perform(performed, subject=subject, detail=detail, act=act)
        except ScheduleConflict as exc:
            self._desk.record_refusal(
                performed, subject, f"conflict: {', '.join(exc.kinds)}",
                decided_by="schedule_conflict",
            )  # fmt: skip
            raise
        assert done is not None
        return done

    def _occupy(
        self, conn: sa.Connection, entry_id: int, entry: Entry, last_end: dt.datetime | None
    ) -> None:
        resources = [f"p:{k}" for k in entry.people] + [f"r:{k}" for k in entry.rooms]
        if entry.rrule is None:
            spans = _chunks(entry.start, entry.end)
        else:
            spans = [(entry.start, last_end or FAR_FUTURE)]
        rows = [
            {
                "office_id": self._office.id, "entry_id": entry_id, "resource": r,
                "recurring": entry.rrule is not None, "start_at": a, "end_at": b,
                "kind": entry.kind,
            }
            for r in resources
            for a, b in spans
        ]  # fmt: skip
        if rows:
            conn.execute(_INSERT_OCCUPANCY, rows)

    # -- cancelling ------------------------------------------------------------------------

    def cancel(self, entry: Entry | str, *, occurrence: dt.datetime | None = None) -> Entry:
        """Cancel an entry, or one occurrence of a recurring one (``schedule.cancel``).

        Args:
            entry: The entry or its uid (not an appointment: ``desk.appointments.cancel``).
            occurrence: The start of the one occurrence to cancel (it becomes an
                ``EXDATE``); None cancels the whole entry.

        Returns:
            The entry as it is now.

        Raises:
            ValidationError: A bad argument; no occurrence starts then.
            NotFoundError: No such entry.
            ConflictError: It is already cancelled.
            PermissionDenied: The actor may not manage the principals' calendars.
        """
        row = self._room._row(entry)
        current = _entry(row)
        if current.kind == "appointment":
            raise ValidationError(
                "an appointment is cancelled with desk.appointments.cancel", where="entry"
            )
        subject = self._subject(current)
        self._require("schedule.cancel", current.people, subject)
        return self.cancel_entry(current, row[_ID_AT], "schedule.cancel", subject, occurrence, {})

    def cancel_entry(
        self,
        current: Entry,
        entry_id: int,
        operation: str,
        subject: str,
        occurrence: dt.datetime | None,
        extra: dict[str, Any],
        columns: Mapping[str, Any] | None = None,
    ) -> Entry:
        """Cancel a checked entry (or one occurrence) as ``operation``; shared with appointments."""
        office = self._office
        if occurrence is not None:
            when = check_aware(occurrence, "occurrence").astimezone(dt.UTC)
            if not EARLIEST <= when < FAR_FUTURE:
                raise ValidationError(
                    f"no occurrence is before {EARLIEST:%Y} or after {FAR_FUTURE:%Y}",
                    where="occurrence",
                )
            if current.rrule is None:
                raise ValidationError("only a recurring entry has occurrences", where="occurrence")
            later = when + dt.timedelta(seconds=1)
            found = [o for o in recurrence.occurrences(current, when, later)
                     if o.start == when]  # fmt: skip
            if not found:
                raise ValidationError(
                    f"entry {current.uid!r} has no occurrence starting {when.isoformat()}",
                    where="occurrence",
                )
        now = office.clock.now()
        detail: dict[str, Any] = {
            "entry_id": entry_id, "kind": current.kind, "occurrence": occurrence is not None,
            **extra,
        }  # fmt: skip

        def act(conn: sa.Connection) -> Entry:
            row = _ENTRY_BY_ID.first(conn, {"b_office_id": office.id, "b_id": entry_id})
            assert row is not None
            fresh = _entry(row)
            if fresh.status == "cancelled":
                raise ConflictError(f"entry {fresh.uid!r} is already cancelled")
            if occurrence is None:
                values: dict[str, Any] = {"status": "cancelled", "cancelled_at": now}
                conn.execute(_DELETE_OCCUPANCY, {"b_entry_id": entry_id})
                changed = attrs.evolve(fresh, status="cancelled")
            else:
                exdates = tuple(sorted({*fresh.exdates, when}))
                values = {"exdates": json.dumps([_utc_text(d) for d in exdates])}
                changed = attrs.evolve(fresh, exdates=exdates)
            values.update(columns or {}, sequence=fresh.sequence + 1, stamp=now)
            conn.execute(
                schedule_entries.update().where(schedule_entries.c.id == entry_id).values(**values)
            )
            return attrs.evolve(changed, sequence=fresh.sequence + 1, stamp=now)

        done, _ = self._desk.perform(operation, subject=subject, detail=detail, act=act)
        assert done is not None
        return done

    # -- working hours ---------------------------------------------------------------------

    def set_hours(
        self,
        principal: str,
        *,
        hours: Mapping[str, str | Sequence[str]],
        breaks: Sequence[str] = (),
        buffer_minutes: int = 0,
    ) -> Hours:
        """Set a principal's working hours, breaks and buffer (``schedule.set_hours``).

        They replace the profile's for this principal from now on; entries already
        booked stay (a booking is checked when it is made).

        Args:
            principal: The principal's key.
            hours: Per weekday (``mon`` ... ``sun``), ``"09:00-17:00"`` or a list of
                such ranges; a day left out is not worked.
            breaks: Daily breaks, as ranges.
            buffer_minutes: Minutes kept free between two entries (0 to 120).

        Raises:
            ValidationError: A bad argument; nothing is written.
            PermissionDenied: The actor may not set working hours, or does not manage
                the principal's calendar (the principal's own role or a ``manage``
                delegation); the refusal is recorded.
        """
        room = self._room
        problems: list[Problem] = []
        key = collect(problems, room.check_principal, principal)
        days: dict[str, list[TimeRange]] = {d: [] for d in WEEKDAYS}
        if not isinstance(hours, Mapping):
            problems.append(Problem("hours", f"expected a table of weekdays, got {hours!r:.60}"))
        else:
            for day, spans in hours.items():
                if day not in WEEKDAYS:
                    problems.append(Problem(f"hours.{day!s:.20}", "expected mon ... sun"))
                    continue
                for i, text in enumerate([spans] if isinstance(spans, str) else list(spans)
                                         if isinstance(spans, Sequence) else [spans]):  # fmt: skip
                    found = _parse_range(text, f"hours.{day}[{i}]", problems)
                    if found is not None:
                        days[day].append(found)
        pauses: list[TimeRange] = []
        if isinstance(breaks, str) or not isinstance(breaks, Sequence):
            problems.append(Problem("breaks", f"expected a list of ranges, got {breaks!r:.60}"))
        else:
            for i, text in enumerate(breaks):
                found = _parse_range(text, f"breaks[{i}]", problems)
                if found is not None:
                    pauses.append(found)
        buffer = collect(
            problems, check_int, buffer_minutes, "buffer_minutes", 0, MAX_BUFFER_MINUTES
        )
        for day, ranges in days.items():
            ordered = sorted(ranges, key=lambda r: r.start)
            for before, after in itertools.pairwise(ordered):
                if after.start < before.end:
                    problems.append(Problem(f"hours.{day}", f"{before} and {after} overlap"))
        if problems:
            raise ValidationError(problems)
        assert key is not None and buffer is not None
        self._require("schedule.set_hours", [key], f"schedule:{key}")
        weekly = WeeklyHours(*(tuple(sorted(days[d], key=lambda r: r.start)) for d in WEEKDAYS))
        office = self._office
        now = office.clock.now()
        values = {
            "office_id": office.id, "principal": key, "hours": _ranges_to_json(weekly),
            "breaks": json.dumps([str(r) for r in pauses]), "buffer_minutes": buffer,
            "set_at": now, "set_by": self._desk.actor.id,
        }  # fmt: skip
        detail = {
            "principal": key,
            "days": sum(1 for d in WEEKDAYS if days[d]),
            "breaks": len(pauses),
            "buffer_minutes": buffer,
        }

        def act(conn: sa.Connection) -> None:
            conn.execute(
                schedule_hours.delete().where(
                    schedule_hours.c.office_id == office.id, schedule_hours.c.principal == key
                )
            )
            conn.execute(schedule_hours.insert(), values)

        self._desk.perform("schedule.set_hours", subject=f"schedule:{key}", detail=detail, act=act)
        return Hours(key, weekly, tuple(pauses), buffer, now)

    # -- delegation ------------------------------------------------------------------------

    def delegate(self, principal: str, *, to: StaffMember | int, scope: str) -> Delegation:
        """Delegate a principal's calendar to a member of staff (``schedule.delegate``).

        A new delegation replaces an active one of the same principal and delegate.
        It is granted by the holders of the principal's own role (where the profile
        links one), or by those the profile allows ``schedule.delegate`` to, for
        someone else: a member of staff may not delegate a calendar to themselves
        unless it is their own (the refusal is recorded, ``decided_by="delegation"``).

        Args:
            principal: The principal's key.
            to: The delegate.
            scope: ``free_busy``, ``read`` or ``manage``.

        Raises:
            ValidationError: A bad argument; nothing is written.
            NotFoundError: No such member of staff.
            PermissionDenied: The actor may not delegate calendars, or delegates to
                themselves a calendar not their own (recorded).
        """
        office = self._office
        problems: list[Problem] = []
        key = collect(problems, self._room.check_principal, principal)
        staff_id = collect(problems, check_ref, to, "to", StaffMember, "a member of staff")
        chosen = collect(
            problems, check_choice, scope, "scope", DELEGATION_SCOPES, "delegation scope"
        )
        if problems:
            raise ValidationError(problems)
        assert key is not None and staff_id is not None and chosen is not None
        member = office.staff.get(staff_id)
        if member.left_at is not None:
            raise ValidationError(f"{member.name} has left the office", where="to")
        now = office.clock.now()
        detail: dict[str, Any] = {"principal": key, "staff_id": staff_id, "scope": chosen}
        actor = self._desk.actor.id
        if staff_id == actor and self._room.scope(key, actor) != "own":
            self._desk.refuse(
                "schedule.delegate", f"schedule:{key}",
                f"a calendar is not delegated to oneself: the calendar of {key!r} is "
                "delegated by its principal or by someone else",
                decided_by="delegation",
            )  # fmt: skip

        def act(conn: sa.Connection) -> Delegation:
            conn.execute(
                schedule_delegations.update()
                .where(
                    schedule_delegations.c.office_id == office.id,
                    schedule_delegations.c.principal == key,
                    schedule_delegations.c.staff_id == staff_id,
                    schedule_delegations.c.revoked_at.is_(None),
                )
                .values(revoked_at=now, revoked_by=actor)
            )
            new_id = conn.execute(
                schedule_delegations.insert().returning(schedule_delegations.c.id),
                {"office_id": office.id, "principal": key, "staff_id": staff_id,
                 "scope": chosen, "granted_at": now, "granted_by": actor},
            ).scalar_one()  # fmt: skip
            detail["delegation_id"] = int(new_id)
            return Delegation(int(new_id), key, staff_id, chosen, now, actor)

        done, _ = self._desk.perform(
            "schedule.delegate", subject=f"schedule:{key}", detail=detail, act=act
        )
        assert done is not None
        return done

    def revoke(self, principal: str, *, staff: StaffMember | int) -> list[Delegation]:
        """Withdraw a principal's calendar from a member of staff (``schedule.revoke``).

        Returns:
            The delegations withdrawn.

        Raises:
            ValidationError: A bad argument.
            NotFoundError: The calendar is not delegated to them.
            PermissionDenied: The actor may not withdraw delegations.
        """
        office = self._office
        problems: list[Problem] = []
        key = collect(problems, self._room.check_principal, principal)
        staff_id = collect(problems, check_ref, staff, "staff", StaffMember, "a member of staff")
        if problems:
            raise ValidationError(problems)
        assert key is not None and staff_id is not None
        now = office.clock.now()
        actor = self._desk.actor.id
        detail: dict[str, Any] = {"principal": key, "staff_id": staff_id}
        params = {"b_office_id": office.id, "b_staff_id": staff_id, "b_principal": key}

        def act(conn: sa.Connection) -> list[Delegation]:
            rows = [Delegation(*r) for r in _ACTIVE_DELEGATIONS.all(conn, params)]
            if not rows:
                raise NotFoundError(f"the calendar of {key!r} is not delegated to staff {staff_id}")
            conn.execute(
                schedule_delegations.update()
                .where(schedule_delegations.c.id.in_([d.id for d in rows]))
                .values(revoked_at=now, revoked_by=actor)
            )
            detail["scope"] = rows[-1].scope
            detail["delegations"] = len(rows)
            return [attrs.evolve(d, revoked_at=now, revoked_by=actor) for d in rows]

        done, _ = self._desk.perform(
            "schedule.revoke", subject=f"schedule:{key}", detail=detail, act=act
        )
        assert done is not None
        return done

    # -- import ----------------------------------------------------------------------------

    def import_calendar(
        self,
        data: bytes,
        *,
        principal: str | None = None,
    ) -> list[Entry]:
        """Import the events of an iCalendar file (``schedule.import``), all or nothing.

        Each event becomes an entry (a ``meeting`` unless the file says otherwise);
        its people and rooms are those of the file that the profile knows, plus
        ``principal``. An event whose uid is already in the office is skipped. Each
        entry is checked for conflicts like a booking, in one transaction: one
        conflict refuses the whole file (book over a conflict one entry at a time).

        Raises:
            ValidationError: Not iCalendar, an unsupported property, an event that
                occupies nobody; nothing is written.
            ScheduleConflict: An event clashes (the refusal is recorded).
            PermissionDenied: The actor may not import, or manage a principal's calendar.
        """
        from officekit.plugins.assistant.schedule.ical import import_calendar

        room = self._room
        if not isinstance(data, bytes | bytearray):
            raise ValidationError(
                f"expected the file's bytes, got {type(data).__name__}", where="data"
            )
        problems: list[Problem] = []
        key = None if principal is None else collect(problems, room.check_principal, principal)
        if problems:
            raise ValidationError(problems)
        parsed = import_calendar(bytes(data), where="calendar")
        entries: list[Entry] = []
        for i, item in enumerate(parsed):
            people = [p for p in item.people if p in room.settings.principals]
            if key is not None and key not in people:
                people.insert(0, key)
            rooms = [r for r in item.rooms if r in room.settings.rooms]
            kind = item.kind if item.kind in BOOKABLE_KINDS else "meeting"
            where = f"calendar: event {i + 1} ({item.uid[:60]})"
            found: list[Problem] = []
            checked = self._entry(
                found, title=item.title or "(no title)", start=item.start, end=item.end,
                minutes=None, kind=kind, people=people, rooms=rooms, rrule=item.rrule,
                timezone=item.timezone, location=item.location, description=item.description,
                status="tentative" if item.status == "tentative" else "confirmed", uid=item.uid,
            )  # fmt: skip
            problems.extend(Problem(f"{where}: {p.where}", p.what) for p in found)
            if checked is not None and item.status != "cancelled":
                entries.append(
                    attrs.evolve(checked, exdates=tuple(d.astimezone(dt.UTC) for d in item.exdates))
                )
        if problems:
            raise ValidationError(problems)
        for principal_key in dict.fromkeys(p for e in entries for p in e.people):
            self._require("schedule.import", [principal_key], f"schedule:{principal_key}")
        return self._store_many(entries)

    def _store_many(self, entries: list[Entry]) -> list[Entry]:
        office = self._office
        now = office.clock.now()
        performed = "schedule.import"
        detail: dict[str, Any] = {"entries": 0, "skipped": 0, "recurring": 0}
        stored: list[Entry] = []
        # the work that grows with the rules is done before the transaction
        last_ends = [_last_end(entry) for entry in entries]

        def act(conn: sa.Connection) -> list[Entry]:
            for entry, last_end in zip(entries, last_ends, strict=True):
                exists = _ENTRY_BY_UID.first(conn, {"b_office_id": office.id, "b_uid": entry.uid})
                if exists is not None:
                    detail["skipped"] += 1
                    continue
                conflicts = self._check(conn, entry, last_end)
                if conflicts:
                    raise ScheduleConflict(
                        f"not imported: event {entry.uid!r}: {self._describe(conflicts)}",
                        conflicts,
                    )
                values = {
                    "office_id": office.id, "uid": entry.uid, "kind": entry.kind,
                    "title": entry.title, "start_at": entry.start, "end_at": entry.end,
                    "timezone": entry.timezone, "people": " ".join(entry.people),
                    "rooms": " ".join(entry.rooms), "rrule": entry.rrule,
                    "exdates": json.dumps([_utc_text(d) for d in entry.exdates]),
                    "last_end_at": last_end, "location": entry.location,
                    "description": entry.description, "status": entry.status,
                    "override_reason": None, "booked_at": now,
                    "booked_by": self._desk.actor.id, "sequence": entry.sequence, "stamp": now,
                }  # fmt: skip
                entry_id = int(conn.execute(_INSERT_ENTRY, values).scalar_one())
                self._occupy(conn, entry_id, entry, last_end)
                detail["entries"] += 1
                detail["recurring"] += entry.rrule is not None
                stored.append(attrs.evolve(entry, stamp=now))
            return stored

        try:
            done, _ = self._desk.perform(performed, detail=detail, act=act)
        except ScheduleConflict as exc:
            self._desk.record_refusal(
                performed, None, f"conflict: {', '.join(exc.kinds)}", decided_by="schedule_conflict"
            )
            raise
        assert done is not None
        return done


SCHEDULE_OFFICE: OfficeFacet[ScheduleOffice] = OfficeFacet(
    "schedule",
    ScheduleOffice,
    "Principals' schedules: entries, busy time, free slots, agendas, iCalendar export.",
)
"""``office.schedule``, typed: ``office.facet(SCHEDULE_OFFICE)``."""

SCHEDULE_DESK: DeskFacet[ScheduleDesk] = DeskFacet(
    "schedule",
    ScheduleDesk,
    "The schedule at the desk: book, cancel, override, working hours, delegation, import.",
)
"""``desk.schedule``, typed: ``desk.facet(SCHEDULE_DESK)``."""
