"""The schedule's value types, shared by the store, recurrence, iCalendar and the agenda.

All datetimes are timezone-aware. An entry's ``start`` and ``end`` are its first
occurrence; a recurring entry repeats in its own ``timezone`` (wall-clock time),
so that a 09:00 meeting stays at 09:00 across daylight-saving changes.
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["ENTRY_KINDS", "Entry", "Occurrence"]

ENTRY_KINDS = ("meeting", "appointment", "time_off", "break", "hold")
"""The kinds of schedule entries: ``appointment`` is a customer's, ``time_off`` blocks
a person's whole span, ``break`` is a working-hours break, ``hold`` keeps time
free for the principal's own work."""


@attrs.frozen
class Entry:
    """One entry in a schedule, as stored, exported and imported.

    Attributes:
        uid: Globally unique id (the iCalendar ``UID``), such as ``"<uuid>@officekit"``.
        title: What it is (the iCalendar ``SUMMARY``); never a customer's personal data.
        kind: One of [`ENTRY_KINDS`][officekit.plugins.assistant.schedule.model.ENTRY_KINDS].
        start: Start of the first occurrence (aware).
        end: End of the first occurrence (aware, after ``start``).
        timezone: IANA zone in which the entry recurs (``"Europe/London"``).
        people: Keys of the people it occupies (principals and other attendees).
        rooms: Keys of the rooms and resources it occupies.
        rrule: RFC 5545 recurrence rule without the ``RRULE:`` prefix, or ``None``.
        exdates: Starts of occurrences that were cancelled (aware).
        location: Free text location, if any.
        description: Free text, if any.
        status: ``"confirmed"``, ``"tentative"`` or ``"cancelled"``.
        stamp: When the entry was last changed (the iCalendar ``DTSTAMP``; aware, UTC).
        sequence: Revision number (the iCalendar ``SEQUENCE``).
    """

    uid: str
    title: str
    kind: str
    start: datetime
    end: datetime
    timezone: str
    people: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()
    location: str | None = None
    description: str | None = None
    status: str = "confirmed"
    stamp: datetime | None = None
    sequence: int = 0


@attrs.frozen(order=True)
class Occurrence:
    """One occurrence of an entry: its span in time (aware datetimes).

    Attributes:
        start: When it starts.
        end: When it ends.
        uid: The entry's uid.
    """

    start: datetime
    end: datetime
    uid: str
