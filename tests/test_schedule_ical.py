"""iCalendar: export what calendar programs need, import what they write, round trip."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from officekit.errors import ValidationError
from officekit.plugins.assistant.schedule.ical import export_calendar, import_calendar
from officekit.plugins.assistant.schedule.model import ENTRY_KINDS, Entry
from officekit.plugins.assistant.schedule.recurrence import occurrences

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def standup() -> Entry:
    return Entry(
        uid="3f0c@officekit",
        title="Standup; with, commas \\ and a very long title that needs folding at 75 octets ✓",
        kind="meeting",
        start=datetime(2026, 3, 2, 9, tzinfo=LONDON),
        end=datetime(2026, 3, 2, 9, 15, tzinfo=LONDON),
        timezone="Europe/London",
        people=("alice", "bob.smith"),
        rooms=("room-2",),
        rrule="FREQ=WEEKLY;BYDAY=MO,WE,FR",
        exdates=(datetime(2026, 3, 4, 9, tzinfo=LONDON),),
        location="Room 2",
        description="Agenda:\n1. news\n2. plans",
        status="confirmed",
        stamp=datetime(2026, 2, 27, 8, 30, tzinfo=UTC),
        sequence=3,
    )


def clinic() -> Entry:
    return Entry(
        uid="c1@officekit",
        title="Clinic",
        kind="appointment",
        start=datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK),
        end=datetime(2026, 3, 8, 4, tzinfo=NEW_YORK),
        timezone="America/New_York",
        rooms=("exam 1",),
        status="tentative",
    )


def one_off_utc() -> Entry:
    start = datetime(2026, 3, 3, 14, tzinfo=UTC)
    return Entry(
        "u@officekit", "Call", "hold", start, start + timedelta(minutes=30), "UTC", stamp=NOW
    )


def exported(*entries: Entry, tz: str = "Europe/London") -> bytes:
    return export_calendar(entries, name="Dr Jones", timezone=tz, now=NOW)


# ------------------------------------------------------------------------------ export


def test_the_export_has_what_calendar_programs_need() -> None:
    data = exported(standup(), clinic(), one_off_utc())
    text = data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF line endings only
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded
    unfolded = text.replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    for needed in ("VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Dr Jones"):
        assert needed in lines
    assert "X-WR-TIMEZONE:Europe/London" in lines
    assert any(line.startswith("PRODID:-//officekit//") for line in lines)
    assert lines.count("BEGIN:VEVENT") == 3
    assert sorted(line for line in lines if line.startswith("UID:")) == [
        "UID:3f0c@officekit",
        "UID:c1@officekit",
        "UID:u@officekit",
    ]
    stamps = [line for line in lines if line.startswith("DTSTAMP:")]
    assert stamps == [
        "DTSTAMP:20260227T083000Z",
        f"DTSTAMP:{NOW:%Y%m%dT%H%M%SZ}",
        f"DTSTAMP:{NOW:%Y%m%dT%H%M%SZ}",
    ]
    used = set(re.findall(r";TZID=([^:;]+)", unfolded))
    defined = {line[5:] for line in lines if line.startswith("TZID:")}
    assert (
        used == defined == {"Europe/London", "America/New_York"}
    )  # a VTIMEZONE for each, none for UTC
    assert "DTSTART;TZID=Europe/London:20260302T090000" in lines
    assert "DTEND;TZID=Europe/London:20260302T091500" in lines
    assert "DTSTART:20260303T140000Z" in lines
    assert "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR" in lines
    assert "EXDATE;TZID=Europe/London:20260304T090000" in lines
    assert "CATEGORIES:meeting" in lines and "CATEGORIES:appointment" in lines
    assert "STATUS:CONFIRMED" in lines and "STATUS:TENTATIVE" in lines
    assert "SEQUENCE:3" in lines
    assert "DESCRIPTION:Agenda:\\n1. news\\n2. plans" in lines
    summary = "SUMMARY:Standup\\; with\\, commas \\\\ and a very long title that needs folding"
    assert any(line.startswith(summary) for line in lines)
    assert "ATTENDEE;CN=alice;CUTYPE=INDIVIDUAL:urn:officekit:person:alice" in lines
    assert "ATTENDEE;CN=room-2;CUTYPE=ROOM:urn:officekit:room:room-2" in lines
    assert 'ATTENDEE;CN="exam 1";CUTYPE=ROOM:urn:officekit:room:exam%201' in lines


def test_the_vtimezone_covers_the_years_used() -> None:
    text = exported(clinic()).decode().replace("\r\n ", "")
    assert "RDATE:20260308T0" in text and "20261101T020000" in text  # the changes of its year
    assert "TZOFFSETTO:-0400" in text and "TZOFFSETTO:-0500" in text


def test_an_empty_calendar_is_valid() -> None:
    assert import_calendar(exported()) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"timezone": "Nowhere/Land"}, "entries[0].timezone"),
        ({"rrule": "FREQ=SOMETIMES"}, "entries[0].rrule"),
        ({"status": "maybe"}, "entries[0].status"),
        ({"end": datetime(2026, 3, 2, 8, tzinfo=LONDON)}, "entries[0].end"),
        ({"start": datetime(2026, 3, 2, 8)}, "entries[0].start"),
        (  # 01:00 on 29 March is in the gap: 01:00 GMT, the same instant as 02:00 BST
            {
                "start": datetime(2026, 3, 29, 1, tzinfo=LONDON),
                "end": datetime(2026, 3, 29, 2, tzinfo=LONDON),
            },
            "entries[0].end",
        ),
    ],
)
def test_a_bad_entry_is_refused_on_export(change: dict[str, object], where: str) -> None:
    with pytest.raises(ValidationError, match=f"^{re.escape(where)}: "):
        exported(attrs.evolve(standup(), **change))


def test_bad_export_arguments_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"^timezone: "):
        export_calendar([], name="x", timezone="Mars", now=NOW)
    with pytest.raises(ValidationError, match=r"^now: "):
        export_calendar([], name="x", timezone="UTC", now=datetime(2026, 1, 1))
    with pytest.raises(ValidationError, match=r"^entries\[0\]: must be a schedule Entry"):
        export_calendar(["x"], name="x", timezone="UTC", now=NOW)  # type: ignore[list-item]


# ------------------------------------------------------------------------- round trip


def test_export_then_import_gives_the_same_entries() -> None:
    entries = [standup(), attrs.evolve(clinic(), stamp=NOW), one_off_utc()]
    assert import_calendar(exported(*entries)) == entries


def test_an_entry_without_stamp_comes_back_stamped_now() -> None:
    (back,) = import_calendar(exported(clinic()))
    assert back == attrs.evolve(clinic(), stamp=NOW)


ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
RULES = [
    None,
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR",
    "FREQ=YEARLY;COUNT=5",
    "FREQ=WEEKLY;UNTIL=20270101T000000Z",
    "FREQ=DAILY;UNTIL=20261231",
]
TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029")
    | st.just("\n")
)
KEYS = st.text(
    st.characters(whitelist_categories=("L", "N"), whitelist_characters="-_.@ /:"),
    min_size=1,
    max_size=20,
)


def _unambiguous(moment: datetime, tz: ZoneInfo) -> bool:
    """Whether a TZID local time says this instant (not the second hour of a fold)."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    return local.replace(tzinfo=tz).astimezone(UTC) == moment.astimezone(UTC)


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(name)
    naive = draw(st.datetimes(datetime(1990, 1, 1), datetime(2060, 1, 1))).replace(microsecond=0)
    start = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    end = start + timedelta(minutes=draw(st.integers(1, 60 * 24 * 3)))
    exdates = draw(st.lists(st.integers(1, 400), max_size=3, unique=True))
    entry = Entry(
        uid=draw(
            st.text(st.characters(blacklist_categories=("Cc", "Cs", "Z")), min_size=1, max_size=40)
        ),
        title=draw(TEXT),
        kind=draw(st.sampled_from(ENTRY_KINDS)),
        start=start,
        end=end,
        timezone=name,
        people=tuple(draw(st.lists(KEYS, max_size=3))),
        rooms=tuple(draw(st.lists(KEYS, max_size=2))),
        rrule=draw(st.sampled_from(RULES)),
        exdates=tuple(start + timedelta(days=d) for d in exdates),
        location=draw(st.none() | TEXT),
        description=draw(st.none() | TEXT),
        status=draw(st.sampled_from(["confirmed", "tentative", "cancelled"])),
        stamp=draw(st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1))).replace(
            microsecond=0, tzinfo=UTC
        ),
        sequence=draw(st.integers(0, 10_000)),
    )
    assume(all(_unambiguous(moment, tz) for moment in (entry.start, entry.end, *entry.exdates)))
    return entry


@given(st.lists(entries(), max_size=4), st.sampled_from(ZONES))
def test_any_entries_come_back_the_same(items: list[Entry], tz: str) -> None:
    data = export_calendar(items, name="Any", timezone=tz, now=NOW)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert import_calendar(data) == items


# ------------------------------------------------------------------------------ import

GOOGLE = b"""BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:alice@example.com
X-WR-TIMEZONE:Europe/London
BEGIN:VTIMEZONE
TZID:Europe/London
X-LIC-LOCATION:Europe/London
BEGIN:DAYLIGHT
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:BST
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:GMT
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART;TZID=Europe/London:20260302T090000
DTEND;TZID=Europe/London:20260302T093000
RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR
EXDATE;TZID=Europe/London:20260304T090000
DTSTAMP:20260301T120000Z
UID:4k1a2b3c4d5e6f7g8h@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=bob@exa
 mple.com;X-NUM-GUESTS=0:mailto:bob@example.com
CREATED:20260201T100000Z
DESCRIPTION:Daily standup\\nJoin: https://meet.example.com/abc
LAST-MODIFIED:20260301T115900Z
LOCATION:Room 2
SEQUENCE:1
STATUS:CONFIRMED
SUMMARY:Standup
TRANSP:OPAQUE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:This is an event reminder
TRIGGER:-P0DT0H10M0S
END:VALARM
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/London:20260306T100000
DTEND;TZID=Europe/London:20260306T103000
DTSTAMP:20260301T120000Z
UID:4k1a2b3c4d5e6f7g8h@google.com
RECURRENCE-ID;TZID=Europe/London:20260306T090000
SEQUENCE:2
STATUS:CONFIRMED
SUMMARY:Standup (moved)
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20260330
DTEND;VALUE=DATE:20260401
DTSTAMP:20260301T120000Z
UID:allday1@google.com
SUMMARY:Conference
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
DTSTART:20260315T140000Z
DTEND:20260315T150000Z
DTSTAMP:20260301T120000Z
UID:utc1@google.com
SUMMARY:Call with supplier
END:VEVENT
END:VCALENDAR
""".replace(b"\n", b"\r\n")


def test_a_google_calendar_is_read() -> None:
    standup, conference, call, moved = import_calendar(GOOGLE)
    assert standup.uid == "4k1a2b3c4d5e6f7g8h@google.com"
    assert (standup.title, standup.kind, standup.timezone) == (
        "Standup",
        "meeting",
        "Europe/London",
    )
    assert standup.start == datetime(2026, 3, 2, 9, tzinfo=LONDON)
    assert standup.end - standup.start == timedelta(minutes=30)
    assert standup.rrule == "FREQ=WEEKLY;BYDAY=MO,WE,FR"
    assert standup.people == () and standup.rooms == ()  # mailto attendees are not officekit keys
    assert standup.description == "Daily standup\nJoin: https://meet.example.com/abc"
    assert (standup.location, standup.sequence, standup.status) == ("Room 2", 1, "confirmed")
    assert standup.stamp == datetime(2026, 3, 1, 12, tzinfo=UTC)
    # the moved Friday: cancelled in the series, an entry of its own
    assert standup.exdates == (
        datetime(2026, 3, 4, 9, tzinfo=LONDON),
        datetime(2026, 3, 6, 9, tzinfo=LONDON),
    )
    assert moved.uid == "4k1a2b3c4d5e6f7g8h@google.com/20260306T090000Z"
    assert (moved.title, moved.rrule, moved.start) == (
        "Standup (moved)",
        None,
        datetime(2026, 3, 6, 10, tzinfo=LONDON),
    )
    week = list(
        occurrences(standup, datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))
    )
    assert [o.start.day for o in week] == [2]
    # all day, over the change to summer time: two whole local days
    assert (conference.start, conference.end) == (
        datetime(2026, 3, 30, tzinfo=LONDON),
        datetime(2026, 4, 1, tzinfo=LONDON),
    )
    assert conference.timezone == "Europe/London"
    assert (call.start, call.timezone) == (datetime(2026, 3, 15, 14, tzinfo=UTC), "UTC")


OUTLOOK = b"""BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
X-MS-OLK-FORCEINSPECTOROPEN:TRUE
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
CLASS:PUBLIC
CREATED:20260220T101010Z
DESCRIPTION:Quarterly review\\n
DTEND;TZID="W. Europe Standard Time":20260303T110000
DTSTAMP:20260220T101010Z
DTSTART;TZID="W. Europe Standard Time":20260303T100000
LAST-MODIFIED:20260220T101010Z
LOCATION:Boardroom
PRIORITY:5
RRULE:FREQ=MONTHLY;UNTIL=20261231T090000Z;INTERVAL=3;BYDAY=1TU
SEQUENCE:0
SUMMARY;LANGUAGE=en-gb:Quarterly review
TRANSP:OPAQUE
UID:040000008200E00074C5B7101A82E00800000000B0C5E6A4D1A0DA0100000000000000001
 0000000E7B5F8A2C4D3E14F9C9A2B1C3D4E5F60
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-IMPORTANCE:1
END:VEVENT
BEGIN:VEVENT
CLASS:PUBLIC
DTSTART;VALUE=DATE:20260406
DTEND;VALUE=DATE:20260407
DTSTAMP:20260220T101010Z
SUMMARY;LANGUAGE=en-gb:Easter Monday
UID:040000008200E00074C5B7101A82E008000000002
X-MICROSOFT-CDO-ALLDAYEVENT:TRUE
END:VEVENT
END:VCALENDAR
""".replace(b"\n", b"\r\n")


def test_an_outlook_calendar_with_windows_zones_is_read() -> None:
    review, easter = import_calendar(OUTLOOK, timezone="Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    assert review.timezone == "Europe/Berlin"
    assert review.start == datetime(2026, 3, 3, 10, tzinfo=berlin)
    assert review.rrule == "FREQ=MONTHLY;UNTIL=20261231T090000Z;INTERVAL=3;BYDAY=1TU"
    assert review.title == "Quarterly review" and review.location == "Boardroom"
    year = list(
        occurrences(review, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
    )
    assert [o.start.astimezone(berlin).strftime("%m-%d %H:%M") for o in year] == [
        "03-03 10:00",
        "06-02 10:00",
        "09-01 10:00",
        "12-01 10:00",
    ]
    assert (easter.start, easter.end) == (
        datetime(2026, 4, 6, tzinfo=berlin),
        datetime(2026, 4, 7, tzinfo=berlin),
    )


APPLE = b"""BEGIN:VCALENDAR
METHOD:PUBLISH
VERSION:2.0
X-WR-CALNAME:Work
PRODID:-//Apple Inc.//macOS 14.4//EN
X-APPLE-CALENDAR-COLOR:#1BADF8
X-WR-TIMEZONE:America/New_York
CALSCALE:GREGORIAN
BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
DTSTART:20070311T020000
TZNAME:EDT
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
DTSTART:20071104T020000
TZNAME:EST
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
CREATED:20260225T181512Z
UID:8D3C1F2A-5B6E-4C7D-9E8F-0A1B2C3D4E5F
DTEND;TZID=America/New_York:20260309T103000
TRANSP:OPAQUE
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC
SUMMARY:Dentist
LAST-MODIFIED:20260225T181530Z
DTSTAMP:20260225T181530Z
DTSTART;TZID=America/New_York:20260309T100000
SEQUENCE:0
CATEGORIES:Personal,Appointment
END:VEVENT
BEGIN:VEVENT
UID:9E4D2A3B-floating
DTSTART:20260306T083000
DURATION:PT45M
SUMMARY:Gym
RRULE:FREQ=WEEKLY;COUNT=4
DTSTAMP:20260225T181530Z
END:VEVENT
BEGIN:VEVENT
UID:A0B1-allday-no-end
DTSTART;VALUE=DATE:20260308
SUMMARY:Clocks change
DTSTAMP:20260225T181530Z
END:VEVENT
BEGIN:VTODO
UID:todo-1
SUMMARY:Buy milk
END:VTODO
END:VCALENDAR
""".replace(b"\n", b"\r\n")


def test_an_apple_calendar_with_floating_times_and_durations_is_read() -> None:
    dentist, gym, clocks = import_calendar(APPLE)  # the to-do is skipped
    assert (dentist.kind, dentist.title) == ("appointment", "Dentist")
    assert dentist.start == datetime(2026, 3, 9, 10, tzinfo=NEW_YORK)
    assert gym.timezone == "America/New_York"  # floating: X-WR-TIMEZONE
    assert (gym.start, gym.end - gym.start) == (
        datetime(2026, 3, 6, 8, 30, tzinfo=NEW_YORK),
        timedelta(minutes=45),
    )
    found = list(
        occurrences(gym, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
    )
    assert [o.start.astimezone(NEW_YORK).strftime("%m-%d %H:%M") for o in found] == [
        "03-06 08:30",
        "03-13 08:30",  # after the change to summer time: still 08:30
        "03-20 08:30",
        "03-27 08:30",
    ]
    assert clocks.end.astimezone(UTC) - clocks.start.astimezone(UTC) == timedelta(
        hours=23
    )  # one local day, 23 hours long
    floating = import_calendar(APPLE, timezone="Europe/London")[1]
    assert floating.start == datetime(2026, 3, 6, 8, 30, tzinfo=LONDON)


def test_a_duration_in_days_is_nominal() -> None:
    data = _calendar(
        "UID:d1\r\nDTSTART;TZID=Europe/London:20260328T120000\r\nDURATION:P1DT2H\r\nSUMMARY:x\r\n"
    )
    (entry,) = import_calendar(data)
    assert entry.end == datetime(2026, 3, 29, 14, tzinfo=LONDON)  # 25 hours: one local day and two


def _calendar(*events: str, extra: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{event}END:VEVENT\r\n" for event in events)
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    return f"{head}{extra}{body}END:VCALENDAR\r\n".encode()


GOOD = "UID:ok\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nSUMMARY:fine\r\n"


@pytest.mark.parametrize(
    ("event", "where", "what"),
    [
        ("UID:x1\r\nSUMMARY:no start\r\n", "VEVENT 2 (UID x1): DTSTART", "is missing"),
        (
            "UID:x2\r\nDTSTART:20260302T090000Z\r\nSUMMARY:no end\r\n",
            "VEVENT 2 (UID x2): DTEND",
            "an event without length is not supported",
        ),
        (
            "UID:x3\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T080000Z\r\n",
            "VEVENT 2 (UID x3): DTEND",
            "is not after DTSTART",
        ),
        (
            "UID:x4\r\nDTSTART;TZID=Mars/Olympus:20260302T090000\r\nDURATION:PT1H\r\n",
            "VEVENT 2 (UID x4): DTSTART",
            "TZID 'Mars/Olympus' is not a known time zone",
        ),
        (
            "UID:x5\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\nRDATE:20260310T090000Z\r\n",
            "VEVENT 2 (UID x5): RDATE",
            "RDATE is not supported",
        ),
        (
            "UID:x6\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=MINUTELY\r\n",
            "VEVENT 2 (UID x6): RRULE",
            "FREQ=MINUTELY is refused",
        ),
        (
            "UID:x7\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\nSTATUS:DRAFT\r\n",
            "VEVENT 2 (UID x7): STATUS",
            "'DRAFT' is not one of",
        ),
        (
            "UID:x8\r\nDTSTART:2026-03-02\r\nDURATION:PT1H\r\n",
            "VEVENT 2 (UID x8): DTSTART",
            "",
        ),
        (
            "UID:x9\r\nDTSTART;VALUE=DATE:20260302\r\nDTEND:20260303T100000Z\r\n",
            "VEVENT 2 (UID x9): DTEND",
            "must be a date when DTSTART is a date",
        ),
        (
            "UID:x10\r\nDTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nDURATION:PT1H\r\n",
            "VEVENT 2 (UID x10): DTEND",
            "may not be given together",
        ),
        (
            "UID:x11\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nRRULE:FREQ=WEEKLY\r\n",
            "VEVENT 2 (UID x11): RRULE",
            "several RRULEs",
        ),
        (
            "UID:x12\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20260302T090000Z\r\n",
            "VEVENT 2 (UID x12): RECURRENCE-ID",
            "RANGE",
        ),
        (
            "UID:x13\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\nSEQUENCE:-2\r\n",
            "VEVENT 2 (UID x13): SEQUENCE",
            "",
        ),
    ],
)
def test_an_unsupported_event_is_refused_naming_it(event: str, where: str, what: str) -> None:
    with pytest.raises(ValidationError) as caught:
        import_calendar(_calendar(GOOD, event), where="upload.ics")
    assert str(caught.value).startswith(f"upload.ics: {where}: ")
    assert what in str(caught.value)


def test_an_event_without_uid_gets_a_stable_one() -> None:
    data = _calendar("DTSTART:20260302T090000Z\r\nDURATION:PT1H\r\nSUMMARY:x\r\n")
    (first,) = import_calendar(data)
    assert first.uid.endswith("@officekit-import") and import_calendar(data)[0].uid == first.uid


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"BEGIN:VCALENDAR\r\n",
        b"BEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\n",
        b"\xff\xfe\x00B\x00E",
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        b"<html><body>Not found</body></html>",
    ],
)
def test_bytes_that_are_not_icalendar_are_a_clear_error(data: bytes) -> None:
    with pytest.raises(ValidationError, match=r"^calendar: not an iCalendar file"):
        import_calendar(data)


def test_input_that_is_not_bytes_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"^calendar: must be the bytes"):
        import_calendar("BEGIN:VCALENDAR")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"^timezone: "):
        import_calendar(GOOGLE, timezone="Nowhere")
    with pytest.raises(ValidationError, match=r"^calendar: X-WR-TIMEZONE: "):
        import_calendar(GOOGLE.replace(b"X-WR-TIMEZONE:Europe/London", b"X-WR-TIMEZONE:Nowhere"))


def _read_or_refuse(data: bytes) -> None:
    try:
        found = import_calendar(data)
    except ValidationError as error:
        assert str(error).startswith("calendar")  # noqa: PT017
        return
    for entry in found:
        assert entry.start.utcoffset() is not None and entry.end > entry.start
        ZoneInfo(entry.timezone)


@given(st.binary(max_size=300))
def test_garbage_is_a_validation_error(data: bytes) -> None:
    _read_or_refuse(data)


SAMPLES = [GOOGLE, OUTLOOK, APPLE, _calendar(GOOD)]


@given(
    st.sampled_from(SAMPLES),
    st.lists(
        st.tuples(
            st.sampled_from(["drop", "copy", "byte", "cut", "insert"]),
            st.integers(0, 10**6),
            st.binary(max_size=8),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_files_are_read_or_refused_cleanly(
    sample: bytes, mutations: list[tuple[str, int, bytes]]
) -> None:
    data = bytearray(sample)
    for kind, at, noise in mutations:
        lines = bytes(data).split(b"\r\n")
        if kind == "drop":
            del lines[at % len(lines)]
            data = bytearray(b"\r\n".join(lines))
        elif kind == "copy":
            lines.insert(at % len(lines), lines[(at * 7) % len(lines)])
            data = bytearray(b"\r\n".join(lines))
        elif kind == "byte" and data:
            data[at % len(data)] = (noise or b"\x00")[0]
        elif kind == "cut":
            data = data[: at % (len(data) + 1)]
        else:
            data[at % (len(data) + 1) : at % (len(data) + 1)] = noise
    _read_or_refuse(bytes(data))


def test_texts_lose_carriage_returns_and_control_characters_only() -> None:
    odd = attrs.evolve(
        one_off_utc(),
        title="two\r\nlines\rand\x00 a bell\x07",
        people=('say "hi"', "a;b:c,d", "new\nline"),
        location=" spaced ",
        description="tab\there",
    )
    data = export_calendar([odd], name="Name\r\nwith; breaks", timezone="UTC", now=NOW)
    assert b"X-WR-CALNAME:Name\\nwith\\; breaks\r\n" in data
    (back,) = import_calendar(data)
    assert back == attrs.evolve(odd, title="two\nlines\nand a bell")
