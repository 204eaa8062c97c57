"""The schedule commands: ``officekit schedule book|cancel|agenda|free|export|import``.

Added to the command line by the assistant plugin's ``officekit_register_commands``.
The desk's modules (and the store under them) are imported by the commands that
use them, so that ``officekit --help`` does not load SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from officekit.cli import (
    DEFAULT_URL,
    AsOption,
    DbOption,
    FormatOption,
    KeyOption,
    ProfileOption,
    check_format,
    day,
    fail,
    moment,
    open_office,
    out,
    safe,
    staff_member,
)

if TYPE_CHECKING:
    from officekit.core.office import Office

__all__ = ["register", "schedule_app"]

schedule_app = typer.Typer(
    help="Principals' schedules: book, cancel, find free slots, print the agenda, iCalendar.",
    no_args_is_help=True,
)

PeopleOption = Annotated[
    list[str] | None,
    typer.Option("--person", help="A principal's key (repeat it)."),
]
RoomsOption = Annotated[
    list[str] | None,
    typer.Option("--room", help="A room's or resource's key (repeat it)."),
]


def register(app: typer.Typer) -> None:
    """Add ``officekit schedule`` to ``app``."""
    app.add_typer(schedule_app, name="schedule")


def _when(office: Office, text: str, option: str) -> dt.datetime:
    value = moment(text, office.profile.office.tz, option)
    assert value is not None
    return value


@schedule_app.command("book")
def schedule_book(
    title: Annotated[str, typer.Argument(help="What it is (no customer's personal data).")],
    who: AsOption,
    start: Annotated[
        str, typer.Option("--start", help="When it starts (ISO; naive = office time).")
    ],
    minutes: Annotated[
        int | None, typer.Option("--minutes", help="How long it lasts.", min=1)
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="When it ends, instead of --minutes.")
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", help="meeting, time_off, break or hold.")
    ] = "meeting",
    person: PeopleOption = None,
    room: RoomsOption = None,
    rrule: Annotated[
        str | None, typer.Option("--rrule", help="An RFC 5545 rule, such as FREQ=WEEKLY;BYDAY=MO.")
    ] = None,
    override: Annotated[
        str | None, typer.Option("--override", help="Book over a conflict, for this reason.")
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Book a meeting, time off, a break or a hold; a conflict is refused with its reason."""
    check_format(fmt)
    with open_office(db, key, profile) as office:
        member = staff_member(office, who)
        begin = _when(office, start, "--start")
        finish = None if end is None else _when(office, end, "--end")
        with office.desk(member) as desk:
            entry = desk.schedule.book(
                title, start=begin, end=finish, minutes=minutes, kind=kind,
                people=list(person or []), rooms=list(room or []), rrule=rrule,
                override=override,
            )  # fmt: skip
        tz = office.profile.office.tz
    if fmt == "json":
        out.print_json(
            json.dumps(
                {"uid": entry.uid, "start": entry.start.isoformat(), "end": entry.end.isoformat()}
            )
        )
        return
    span = f"{entry.start.astimezone(tz):%Y-%m-%d %H:%M}-{entry.end.astimezone(tz):%H:%M}"
    out.print(safe(f"booked {entry.kind} {entry.uid} {span}"))


@schedule_app.command("cancel")
def schedule_cancel(
    uid: Annotated[str, typer.Argument(help="The entry's uid.")],
    who: AsOption,
    occurrence: Annotated[
        str | None,
        typer.Option("--occurrence", help="Cancel only the occurrence starting then (ISO)."),
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Cancel an entry, or one occurrence of a recurring one (appointments included)."""
    with open_office(db, key, profile) as office:
        member = staff_member(office, who)
        when = None if occurrence is None else _when(office, occurrence, "--occurrence")
        with office.desk(member) as desk:
            current = office.schedule.get(uid)
            if current.kind == "appointment":
                desk.appointments.cancel(uid)
            else:
                desk.schedule.cancel(uid, occurrence=when)
    what = "occurrence of " if occurrence is not None else ""
    out.print(safe(f"cancelled {what}{uid}"))


@schedule_app.command("delegate")
def schedule_delegate(
    principal: Annotated[str, typer.Argument(help="The principal's key (dr_patel).")],
    to: Annotated[str, typer.Option("--to", help="The delegate: a staff id or exact name.")],
    who: AsOption,
    scope: Annotated[str, typer.Option("--scope", help="free_busy, read or manage.")] = "manage",
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Delegate a principal's calendar to a member of staff (schedule.delegate)."""
    with open_office(db, key, profile) as office:
        member = staff_member(office, who)
        delegate = staff_member(office, to, "--to")
        with office.desk(member) as desk:
            granted = desk.schedule.delegate(principal, to=delegate, scope=scope)
    out.print(
        safe(f"delegated {granted.principal}'s calendar to {delegate.name} ({granted.scope})")
    )


@schedule_app.command("revoke")
def schedule_revoke(
    principal: Annotated[str, typer.Argument(help="The principal's key (dr_patel).")],
    staff: Annotated[str, typer.Option("--from", help="The delegate: a staff id or exact name.")],
    who: AsOption,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Withdraw the delegations of a principal's calendar to a member of staff (schedule.revoke)."""
    with open_office(db, key, profile) as office:
        member = staff_member(office, who)
        delegate = staff_member(office, staff, "--from")
        with office.desk(member) as desk:
            withdrawn = desk.schedule.revoke(principal, staff=delegate)
    out.print(safe(f"withdrew {len(withdrawn)} delegation(s) of {principal} from {delegate.name}"))


@schedule_app.command("agenda")
def schedule_agenda(
    principal: Annotated[str, typer.Argument(help="The principal's key.")],
    who: Annotated[
        str | None,
        typer.Option("--as", help="Who reads it: details only with a read delegation."),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--day", help="The day, YYYY-MM-DD (default today).")
    ] = None,
    html: Annotated[
        bool, typer.Option("--html", help="Print an HTML page instead of text.")
    ] = False,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Print a principal's day plan, as text or HTML."""
    with open_office(db, key, profile) as office:
        viewer = None if who is None else staff_member(office, who)
        when = (
            office.clock.now().astimezone(office.profile.office.tz).date()
            if on is None
            else day(on, "--day")
        )
        room = office.schedule
        text = (room.agenda_html if html else room.agenda_text)(principal, when, viewer=viewer)
    typer.echo(text, nl=not text.endswith("\n"))


@schedule_app.command("free")
def schedule_free(
    minutes: Annotated[int, typer.Option("--minutes", help="The length wanted.", min=5, max=1440)],
    person: PeopleOption = None,
    room: RoomsOption = None,
    after: Annotated[
        str | None, typer.Option("--after", help="Search from (ISO; naive = office time).")
    ] = None,
    count: Annotated[int, typer.Option("--count", help="How many slots.", min=1, max=100)] = 5,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Find the next free slots for all the people and rooms named."""
    check_format(fmt)
    with open_office(db, key, profile) as office:
        start = None if after is None else _when(office, after, "--after")
        slots = office.schedule.free_slots(
            minutes, people=list(person or []), rooms=list(room or []), after=start, count=count
        )
        tz = office.profile.office.tz
    rows = [
        {"start": s.start.astimezone(tz).isoformat(), "end": s.end.astimezone(tz).isoformat()}
        for s in slots
    ]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    for s in slots:
        out.print(f"{s.start.astimezone(tz):%a %Y-%m-%d %H:%M}-{s.end.astimezone(tz):%H:%M}")
    out.print(f"{len(rows)} free slot(s)")


@schedule_app.command("export")
def schedule_export(
    principal: Annotated[str, typer.Argument(help="The principal's key.")],
    who: AsOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="The .ics file to write.")],
    start: Annotated[str, typer.Option("--from", help="The first day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="The last day, YYYY-MM-DD.")],
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Export a principal's entries as an iCalendar file a calendar application opens."""
    from officekit.plugins.assistant.schedule.diary import LATEST_DAY

    first, last = day(start, "--from"), day(end, "--to")
    if last < first:
        fail("--to is before --from", 2)
    with open_office(db, key, profile) as office:
        member = staff_member(office, who)
        tz = office.profile.office.tz
        lo = dt.datetime.combine(min(first, LATEST_DAY), dt.time(), tz)
        hi = dt.datetime.combine(min(last, LATEST_DAY) + dt.timedelta(days=1), dt.time(), tz)
        data = office.schedule.export(principal, lo, hi, viewer=member)
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}", 1)
    out.print(safe(f"wrote {output} ({len(data)} bytes)"))


@schedule_app.command("import")
def schedule_import(
    path: Annotated[Path, typer.Argument(help="The .ics file to read.")],
    who: AsOption,
    principal: Annotated[
        str | None, typer.Option("--principal", help="Add this principal to every event.")
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Import the events of an iCalendar file, all or nothing."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}", 1)
    with open_office(db, key, profile) as office:
        member = staff_member(office, who)
        with office.desk(member) as desk:
            entries = desk.schedule.import_calendar(data, principal=principal)
    out.print(f"imported {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")
