"""iCalendar (RFC 5545) export and import of schedule entries, through `icalendar`.

[`export_calendar`][officekit.plugins.assistant.schedule.ical.export_calendar] writes
one ``VCALENDAR`` that Google Calendar, Outlook and Apple Calendar open or subscribe
to; [`import_calendar`][officekit.plugins.assistant.schedule.ical.import_calendar]
reads the files those programs write. Export then import gives the same entries.

Decisions:

- **Times.** ``DTSTART``, ``DTEND`` and ``EXDATE`` are written in the entry's own
  zone with a ``TZID`` (so that a recurring entry repeats in that zone's wall-clock
  time, see [`recurrence`][officekit.plugins.assistant.schedule.recurrence]), with a
  ``VTIMEZONE`` for every ``TZID`` used (generated from ``zoneinfo`` for the years
  from the first entry to five years after the last or ``now``); an entry in ``UTC``
  is written in UTC (``...Z``) and needs none. Times are to the second. A local time
  in a DST fold means its *first* occurrence (RFC 5545 3.3.5), so an entry that
  starts in the *second* hour of a fold is not one a ``TZID`` time can say: it comes
  back an hour earlier.
- **Texts** are written with line breaks as ``\\n`` (a carriage return is a line
  break) and without other control characters, which iCalendar ``TEXT`` cannot hold.
- **People and rooms** are ``ATTENDEE`` properties, which every calendar program
  shows: a person as ``ATTENDEE;CUTYPE=INDIVIDUAL;CN=<key>:urn:officekit:person:<key>``,
  a room or resource as ``ATTENDEE;CUTYPE=ROOM;CN=<key>:urn:officekit:room:<key>``
  (keys percent-encoded in the URI, which is what import reads back; the ``CN`` is
  for display). No e-mail address is invented, so no program sends invitations for
  an exported calendar. On import, only attendees with these ``urn:officekit:``
  addresses become people and rooms; the attendees of other programs (``mailto:``
  addresses) are not officekit keys and are left out.
- **Kind** is ``CATEGORIES``; on import, the first category that is one of
  [`ENTRY_KINDS`][officekit.plugins.assistant.schedule.model.ENTRY_KINDS]
  (``meeting`` when there is none).
- **Import.** A ``TZID`` may be an IANA or a Windows zone name (Outlook); a time
  without zone (floating) and an all-day ``DATE`` are read in the zone given, else
  the calendar's ``X-WR-TIMEZONE`` (Google, Apple), else UTC. A UTC start is in
  ``UTC`` (and repeats in UTC); a one-off event in a ``VTIMEZONE`` that is no IANA or
  Windows zone keeps its instants, in the zone of floating times. A missing ``DTEND``
  is taken from ``DURATION`` (its days nominal, its hours exact, RFC 5545 3.3.6) or,
  for an all-day event, is one day. A ``VEVENT`` with a ``RECURRENCE-ID`` (an instance
  moved or changed in Google or Outlook) becomes an entry of its own, with the uid
  ``<uid>/<original start, UTC>``, and its original start is added to the series'
  ``EXDATE``. Components other than ``VEVENT`` and ``VTIMEZONE`` (to-dos, journal
  entries, free/busy) are skipped. ``RDATE``, ``EXRULE``, several ``RRULE``, a
  ``RANGE`` on ``RECURRENCE-ID``, an unknown zone and an event without length are
  refused, naming the component. Parser failures of any kind are a
  [`ValidationError`][officekit.errors.ValidationError], never a raw exception.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import attrs
from icalendar import Calendar, Event, Timezone, vCalAddress, vText
from icalendar.timezone import tzids_from_tzinfo
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from officekit import __version__
from officekit.errors import ValidationError
from officekit.plugins.assistant.schedule.model import ENTRY_KINDS, Entry
from officekit.plugins.assistant.schedule.recurrence import check_rule, zone

__all__ = ["MAX_UID", "PERSON_URN", "PRODID", "ROOM_URN", "export_calendar", "import_calendar"]

MAX_UID = 200
"""The longest ``UID`` imported, so that a moved occurrence's ``<uid>/<start>`` fits (255)."""

PRODID = f"-//officekit//officekit {__version__}//EN"
"""The ``PRODID`` of exported calendars."""

PERSON_URN = "urn:officekit:person:"
"""The ``ATTENDEE`` address prefix of a person (followed by the percent-encoded key)."""

ROOM_URN = "urn:officekit:room:"
"""The ``ATTENDEE`` address prefix of a room or resource."""

_STATUSES = ("confirmed", "tentative", "cancelled")
_UNSUPPORTED = ("RDATE", "EXRULE")


def _fail(where: str, what: str) -> ValidationError:
    return ValidationError(what, where=where)


_CONTROLS = {code: None for code in [*range(32), 127] if chr(code) not in "\t\n"}


def _text_value(text: str) -> str:
    """Text as iCalendar ``TEXT`` takes it: line breaks as ``\\n``, no other controls."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _check_entry(entry: object, where: str) -> Entry:
    if not isinstance(entry, Entry):
        raise _fail(where, f"must be a schedule Entry, not {type(entry).__name__}")
    for name in ("start", "end"):
        value = getattr(entry, name)
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise _fail(f"{where}.{name}", f"must be a timezone-aware datetime, not {value!r}")
    if entry.end.astimezone(UTC) <= entry.start.astimezone(UTC):
        raise _fail(f"{where}.end", "must be after the start")
    if entry.status not in _STATUSES:
        raise _fail(f"{where}.status", f"{entry.status!r} is not one of {', '.join(_STATUSES)}")
    zone(entry.timezone, where=f"{where}.timezone")
    if entry.rrule is not None:
        check_rule(entry.rrule, where=f"{where}.rrule")
    return entry


def _attendee(prefix: str, key: str, cutype: str) -> vCalAddress:
    address = vCalAddress(prefix + quote(key, safe=""))
    address.params["CUTYPE"] = cutype
    address.params["CN"] = _text_value(key).replace('"', "'").replace("\n", " ")
    return address


def _event(entry: Entry, now: datetime) -> Event:
    tz = ZoneInfo(entry.timezone)
    event = Event()
    event.add("uid", _text_value(entry.uid))
    event.add("dtstamp", _second((entry.stamp or now).astimezone(UTC)))
    event.add("dtstart", _second(entry.start.astimezone(tz)))
    event.add("dtend", _second(entry.end.astimezone(tz)))
    event.add("summary", _text_value(entry.title))
    if entry.location is not None:
        event.add("location", _text_value(entry.location))
    if entry.description is not None:
        event.add("description", _text_value(entry.description))
    event.add("status", entry.status.upper())
    event.add("sequence", entry.sequence)
    event.add("categories", [entry.kind])
    if entry.rrule is not None:
        event.add("rrule", entry.rrule)
    if entry.exdates:
        event.add("exdate", [_second(moment.astimezone(tz)) for moment in entry.exdates])
    for key in entry.people:
        event.add("attendee", _attendee(PERSON_URN, key, "INDIVIDUAL"))
    for key in entry.rooms:
        event.add("attendee", _attendee(ROOM_URN, key, "ROOM"))
    return event


def export_calendar(entries: Iterable[Entry], *, name: str, timezone: str, now: datetime) -> bytes:
    """Export entries as one RFC 5545 ``VCALENDAR`` (UTF-8 bytes, CRLF line endings).

    The calendar has ``PRODID``, ``VERSION``, ``CALSCALE``, ``METHOD:PUBLISH``,
    ``X-WR-CALNAME`` and ``X-WR-TIMEZONE``, a ``VTIMEZONE`` for every zone used, and one
    ``VEVENT`` per entry (see the module's decisions). Lines are folded at 75 octets.

    Args:
        entries: The entries to export.
        name: The calendar's name (``X-WR-CALNAME``).
        timezone: The calendar's IANA zone (``X-WR-TIMEZONE``).
        now: The ``DTSTAMP`` of entries that have no ``stamp`` (aware).

    Returns:
        The calendar file's bytes.

    Raises:
        officekit.errors.ValidationError: an argument or an entry is not valid (naming
            ``entries[i]`` and the field).
    """
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise _fail("now", f"must be a timezone-aware datetime, not {now!r}")
    if not isinstance(name, str):
        raise _fail("name", f"must be a text, not {type(name).__name__}")
    zone(timezone, where="timezone")
    checked = [_check_entry(entry, f"entries[{i}]") for i, entry in enumerate(entries)]
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(_text_value(name)))
    calendar.add("x-wr-timezone", vText(timezone))
    zones = sorted({entry.timezone for entry in checked} - {"UTC"})
    if zones:
        years = [entry.start.year for entry in checked] + [now.year]
        first, last = date(max(min(years) - 1, 1), 1, 1), date(min(max(years) + 5, 9999), 1, 1)
        for key in zones:
            calendar.add_component(Timezone.from_tzinfo(ZoneInfo(key), key, first, last))
    for entry in checked:
        calendar.add_component(_event(entry, now))
    data: bytes = calendar.to_ical()
    return data


# ---------------------------------------------------------------------------- import


@attrs.frozen
class _Where:
    """Names one ``VEVENT`` in error messages: ``calendar: VEVENT 3 (UID x)``."""

    text: str

    def __call__(self, prop: str, what: str) -> ValidationError:
        return _fail(f"{self.text}: {prop}", what)


def _zone_name(value: tzinfo | None) -> str | None:
    """The IANA name of a parsed zone, or ``None`` if it has none.

    A ``VTIMEZONE`` whose ``TZID`` is an IANA or Windows name (Outlook writes its own
    definitions of Windows zones) is that zone.
    """
    if value is None:
        return None
    key = getattr(value, "key", None)
    if isinstance(key, str):
        return key
    if value.utcoffset(None) == timedelta(0) and value.tzname(None) in ("UTC", "Z"):
        return "UTC"
    for name in tzids_from_tzinfo(value):
        name = WINDOWS_TO_OLSON.get(name, name)
        try:
            return zone(name).key
        except ValidationError:
            continue
    return None


def _moment(
    value: object, default: ZoneInfo, prop: str, where: _Where
) -> tuple[datetime, str | None]:
    """A parsed ``DATE``/``DATE-TIME`` as an aware datetime, and its zone's IANA name."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=default), default.key
        try:
            value.utcoffset()
        except Exception as error:  # a VTIMEZONE the parser could not make sense of
            raise where(prop, f"its time zone cannot be used: {error}") from None
        if value.utcoffset() is None:
            raise where(prop, f"its time zone is not known: {value!r}")
        name = _zone_name(value.tzinfo)
        if name is not None and not isinstance(value.tzinfo, ZoneInfo):
            value = value.replace(tzinfo=ZoneInfo(name))  # the wall time as written
        return value, name
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), tzinfo=default), default.key
    raise where(prop, f"is not a date or date-time: {value!r}")


def _one(event: Any, prop: str, where: _Where) -> Any:
    value = event.get(prop)
    if isinstance(value, list):
        raise where(prop, "is given more than once")
    return value


def _text(event: Any, prop: str, where: _Where) -> str | None:
    value = _one(event, prop, where)
    return None if value is None else str(value)


def _dt(event: Any, prop: str, where: _Where) -> Any:
    value = _one(event, prop, where)
    if value is None:
        return None
    if "TZID" in getattr(value, "params", {}) and getattr(value.dt, "tzinfo", True) is None:
        raise where(prop, f"TZID {value.params['TZID']!r} is not a known time zone")
    return value.dt


def _end(event: Any, start: datetime, start_value: object, tz: tzinfo, where: _Where) -> datetime:
    end_value = _dt(event, "DTEND", where)
    duration = _dt(event, "DURATION", where)
    if end_value is not None and duration is not None:
        raise where("DTEND", "DTEND and DURATION may not be given together")
    if end_value is not None:
        if isinstance(end_value, datetime) != isinstance(start_value, datetime):
            raise where(
                "DTEND", "must be a date when DTSTART is a date, a date-time when it is one"
            )
        end, _ = _moment(end_value, start.tzinfo, "DTEND", where)  # type: ignore[arg-type]
    elif duration is not None:
        if not isinstance(duration, timedelta):
            raise where("DURATION", f"is not a duration: {duration!r}")
        days = timedelta(days=duration.days)
        wall = start.astimezone(tz).replace(tzinfo=None) + days
        end = wall.replace(tzinfo=tz).astimezone(UTC) + (duration - days)
    elif not isinstance(start_value, datetime):
        end = (start.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=start.tzinfo)
    else:
        raise where(
            "DTEND", "is missing (and no DURATION): an event without length is not supported"
        )
    if end.astimezone(UTC) <= start.astimezone(UTC):
        raise where("DTEND", f"{end.isoformat()} is not after DTSTART {start.isoformat()}")
    return end


def _exdates(event: Any, tz: tzinfo, where: _Where) -> list[datetime]:
    found = event.get("EXDATE")
    if found is None:
        return []
    moments = []
    for prop in found if isinstance(found, list) else [found]:
        for value in getattr(prop, "dts", []):
            if "TZID" in getattr(value, "params", {}) and getattr(value.dt, "tzinfo", True) is None:
                raise where("EXDATE", f"TZID {value.params['TZID']!r} is not a known time zone")
            moment, _ = _moment(value.dt, tz, "EXDATE", where)  # type: ignore[arg-type]
            moments.append(moment)
    return moments


def _people_rooms(event: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found = event.get("ATTENDEE")
    people: list[str] = []
    rooms: list[str] = []
    for address in found if isinstance(found, list) else [] if found is None else [found]:
        text = str(address)
        if text.lower().startswith(PERSON_URN):
            people.append(unquote(text[len(PERSON_URN) :]))
        elif text.lower().startswith(ROOM_URN):
            rooms.append(unquote(text[len(ROOM_URN) :]))
    return tuple(people), tuple(rooms)


def _kind(event: Any) -> str:
    found = event.get("CATEGORIES")
    for prop in found if isinstance(found, list) else [] if found is None else [found]:
        for category in getattr(prop, "cats", []):
            if str(category).strip().lower() in ENTRY_KINDS:
                return str(category).strip().lower()
    return "meeting"


def _rule(event: Any, where: _Where) -> str | None:
    for prop in _UNSUPPORTED:
        if prop in event:
            raise where(prop, f"{prop} is not supported (only RRULE and EXDATE)")
    found = event.get("RRULE")
    if found is None:
        return None
    if isinstance(found, list):
        raise where("RRULE", "several RRULEs in one event are not supported")
    text = found.to_ical().decode("ascii", "replace")
    return check_rule(text, where=f"{where.text}: RRULE")


def _read_event(
    event: Any, number: int, default: ZoneInfo, outer: str
) -> tuple[Entry, datetime | None]:
    """One ``VEVENT`` as an entry, and its ``RECURRENCE-ID`` instant if it has one."""
    uid_value = event.get("UID")
    if isinstance(uid_value, list):
        uid_value = uid_value[0]
    uid = str(uid_value) if uid_value is not None else None
    if not uid:
        digest = hashlib.sha256(event.to_ical()).hexdigest()[:32]
        uid = f"{digest}@officekit-import"
    if len(uid) > MAX_UID or any(unicodedata.category(c) in ("Cc", "Cs") for c in uid):
        raise _fail(
            f"{outer}: VEVENT {number}: UID",
            f"{uid[:40]!r}... must be at most {MAX_UID} printable characters"
            if len(uid) > MAX_UID
            else f"{uid[:60]!r} has control characters in it",
        )
    where = _Where(f"{outer}: VEVENT {number} (UID {uid})")
    for prop, message in getattr(event, "errors", []):
        raise where(str(prop), str(message))
    start_value = _dt(event, "DTSTART", where)
    if start_value is None:
        raise where("DTSTART", "is missing")
    start, start_zone = _moment(start_value, default, "DTSTART", where)
    rrule = _rule(event, where)
    if start_zone is None:
        if rrule is not None:
            raise where(
                "DTSTART",
                f"{start_value.tzinfo} is not an IANA or Windows time zone:"
                " a repeating event needs one",
            )
        start_zone = default.key
    tz = zone(start_zone, where=f"{where.text}: DTSTART")
    end = _end(event, start, start_value, tz, where)
    status = (_text(event, "STATUS", where) or "CONFIRMED").lower()
    if status not in _STATUSES:
        raise where("STATUS", f"{status.upper()!r} is not one of CONFIRMED, TENTATIVE, CANCELLED")
    sequence_value = _one(event, "SEQUENCE", where)
    try:
        sequence = int(sequence_value) if sequence_value is not None else 0
    except (TypeError, ValueError):
        raise where("SEQUENCE", f"{sequence_value!r} is not a whole number") from None
    if sequence < 0:
        raise where("SEQUENCE", f"{sequence} is negative")
    stamp_value = _dt(event, "DTSTAMP", where)
    stamp = None
    if isinstance(stamp_value, datetime):
        stamp = (stamp_value if stamp_value.tzinfo else stamp_value.replace(tzinfo=UTC)).astimezone(
            UTC
        )
    people, rooms = _people_rooms(event)
    recurrence_id = None
    if "RECURRENCE-ID" in event:
        prop = _one(event, "RECURRENCE-ID", where)
        if "RANGE" in getattr(prop, "params", {}):
            raise where("RECURRENCE-ID", "RANGE (this and future instances) is not supported")
        recurrence_id, _ = _moment(_dt(event, "RECURRENCE-ID", where), tz, "RECURRENCE-ID", where)
    entry = Entry(
        uid=uid,
        title=_text(event, "SUMMARY", where) or "",
        kind=_kind(event),
        start=start,
        end=end,
        timezone=start_zone,
        people=people,
        rooms=rooms,
        rrule=rrule,
        exdates=tuple(_exdates(event, tz, where)),
        location=_text(event, "LOCATION", where),
        description=_text(event, "DESCRIPTION", where),
        status=status,
        stamp=stamp,
        sequence=sequence,
    )
    return entry, recurrence_id


def import_calendar(
    data: bytes, *, where: str = "calendar", timezone: str | None = None
) -> list[Entry]:
    """Parse an iCalendar file (Google, Outlook, Apple) into entries.

    See the module's decisions for what is read, and how.

    Args:
        data: The file's bytes.
        where: Names the input in error messages.
        timezone: The IANA zone of floating times and all-day dates; by default the
            calendar's ``X-WR-TIMEZONE``, else UTC.

    Returns:
        One entry per ``VEVENT``, in file order (a changed instance after its series).

    Raises:
        officekit.errors.ValidationError: the bytes are not iCalendar (``calendar: not
            an iCalendar file: ...``), or a component uses something unsupported, naming
            the component, its uid and the property (``calendar: VEVENT 3 (UID x):
            DTSTART: ...``).
    """
    if not isinstance(data, bytes | bytearray):
        raise _fail(where, f"must be the bytes of an iCalendar file, not {type(data).__name__}")
    try:
        calendar = Calendar.from_ical(bytes(data))
    except Exception as error:  # the parser raises many kinds: all mean "not iCalendar"
        raise _fail(where, f"not an iCalendar file: {str(error)[:200]}") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise _fail(where, "not an iCalendar file: it does not begin with BEGIN:VCALENDAR")
    if timezone is not None:
        default = zone(timezone, where="timezone")
    else:
        named = calendar.get("X-WR-TIMEZONE")
        try:
            default = zone(str(named)) if named is not None else ZoneInfo("UTC")
        except ValidationError:
            raise _fail(
                f"{where}: X-WR-TIMEZONE", f"{str(named)!r} is not an IANA time zone"
            ) from None
    entries: list[Entry] = []
    changed: list[tuple[Entry, datetime]] = []
    try:
        events = [component for component in calendar.subcomponents if component.name == "VEVENT"]
        for number, event in enumerate(events, start=1):
            entry, recurrence_id = _read_event(event, number, default, where)
            if recurrence_id is None:
                entries.append(entry)
            else:
                changed.append((entry, recurrence_id))
    except ValidationError:
        raise
    except Exception as error:  # a value the parser accepted but cannot give back
        raise _fail(where, f"cannot be read: {type(error).__name__}: {str(error)[:200]}") from None
    series = {entry.uid: i for i, entry in enumerate(entries)}
    for entry, recurrence_id in changed:
        if entry.uid in series:
            master = entries[series[entry.uid]]
            entries[series[entry.uid]] = attrs.evolve(
                master, exdates=(*master.exdates, recurrence_id)
            )
        stamp = recurrence_id.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        entries.append(attrs.evolve(entry, uid=f"{entry.uid}/{stamp}", rrule=None))
    return entries
