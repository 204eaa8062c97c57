"""The receptionist's commands: ``officekit calls``, ``officekit visitors``, ``officekit ask``.

Added to the command line by the reception plugin's ``officekit_register_commands``.
The desk's modules (and the store under them) are imported by the commands that
use them, so that ``officekit --help`` does not load SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from officekit.cli import (
    DEFAULT_URL,
    DbOption,
    FormatOption,
    KeyOption,
    check_db,
    check_format,
    day,
    fail,
    moment,
    open_office,
    out,
    safe,
)

__all__ = ["register"]

calls_app = typer.Typer(help="Route calls and see call statistics.", no_args_is_help=True)
visitors_app = typer.Typer(help="The visitor log.", no_args_is_help=True)
ask_app = typer.Typer()


def register(app: typer.Typer) -> None:
    """Add the receptionist's commands to ``app``."""
    app.add_typer(calls_app, name="calls")
    app.add_typer(visitors_app, name="visitors")
    app.registered_commands.extend(ask_app.registered_commands)


@calls_app.command("route")
def calls_route(
    reason: Annotated[str, typer.Argument(help="What the caller says they call about.")],
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="Profile name or path; with --db, the office's own."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="When the call arrives (ISO; naive = office time). Default: now."
        ),
    ] = None,
    caller: Annotated[
        str | None, typer.Option("--caller", help="The caller's number (needs --db to be known).")
    ] = None,
    line: Annotated[str | None, typer.Option("--line", help="The priority line dialled.")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Use this office's known callers and plugins too.", callback=check_db
        ),
    ] = None,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Say where a call would go, and why."""
    from officekit.core.convert import converter
    from officekit.core.profile import load_profile
    from officekit.plugins.reception.calls import CALLS
    from officekit.plugins.reception.routing import Router

    check_format(fmt)
    if db is not None and profile is not None:
        fail("give --profile or --db (which uses its office's own profile), not both", 2)
    if db is not None:
        with open_office(db, key) as office:
            when = moment(at, office.profile.office.tz, "--at")
            decision = office.facet(CALLS).route(reason, caller=caller, line=line, at=when)
            prof = office.profile
    elif profile is None:
        fail("give --profile, or --db to use an office's own profile", 2)
    else:
        prof = load_profile(profile)
        when = moment(at, prof.office.tz, "--at") or dt.datetime.now(prof.office.tz)
        decision = Router(prof).decide(reason, at=when, line=line)
    if fmt == "json":
        out.print_json(json.dumps(converter.unstructure(decision)))
        return
    if decision.urgent == "script":
        out.print(Text.assemble(("URGENT", "bold red"), ": ", safe(decision.script)))
    else:
        target = decision.destination or ""
        name = prof.departments[target].name if target in prof.departments else target
        out.print(Text.assemble(safe(name, style="bold"), " ", safe(f"({target})")))
    out.print(safe(decision.explanation))


@calls_app.command("stats")
def calls_stats(
    db: DbOption = DEFAULT_URL,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (office time).")] = (
        "2000-01-01"
    ),
    end: Annotated[
        str | None, typer.Option("--to", help="Last day, included; default: today.")
    ] = None,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Show call statistics over a period: service level, speed of answer, abandonment..."""
    from officekit.core.convert import converter
    from officekit.plugins.reception.calls import CALLS
    from officekit.plugins.reception.simulation import summarise_call_stats

    check_format(fmt)
    first = day(start, "--from")
    with open_office(db, key) as office:
        tz = office.profile.office.tz
        last = day(end, "--to") if end else office.clock.now().astimezone(tz).date()
        if last < first:
            fail("--to must not be before --from", 2)
        try:
            period_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
        except OverflowError:
            fail(f"--to {last} is too far in the future", 2)
        stats = office.facet(CALLS).stats(dt.datetime.combine(first, dt.time(), tz), period_end)
    if fmt == "json":
        out.print_json(json.dumps(converter.unstructure(stats)))
        return
    for line in summarise_call_stats(stats):
        out.print(safe(line))


@ask_app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="The customer's question.")],
    profile: Annotated[str, typer.Option("--profile", help="Profile name or path.")] = (
        "smallbusiness"
    ),
    fmt: FormatOption = "text",
) -> None:
    """Answer a customer's question from the profile's knowledge base (records nothing)."""
    from officekit.core.profile import load_profile
    from officekit.plugins.reception.questions import KnowledgeBase, escalation_department
    from officekit.plugins.reception.settings import QUESTIONS

    check_format(fmt)
    prof = load_profile(profile)
    kb = KnowledgeBase.for_profile(prof)
    match = kb.search(question)
    threshold = prof.section(QUESTIONS).threshold
    answered = match is not None and match.confidence >= threshold
    department = None
    if not answered:
        department = escalation_department(prof, question, at=dt.datetime.now(prof.office.tz))
    if fmt == "json":
        out.print_json(
            json.dumps(
                {
                    "question": question,
                    "answered": answered,
                    "answer": match.entry.answer if answered and match else None,
                    "entry_id": match.entry.id if match else None,
                    "confidence": match.confidence if match else 0.0,
                    "threshold": threshold,
                    "escalate_to": department,
                }
            )
        )
        return
    confidence = match.confidence if match else 0.0
    if answered and match is not None:
        out.print(safe(match.entry.answer, multiline=True))
        out.print(
            safe(
                f"(entry {match.entry.id!r}: {match.entry.question!r}, confidence {confidence:.2f})"
            )
        )
    else:
        out.print(
            safe(
                f"No confident answer (confidence {confidence:.2f} < {threshold:g}): at the desk "
                f"this question would be left as a message for {department}."
            )
        )


def _host_name(
    staff_id: int | None, department: str | None, hosts: dict[int, str], depts: Any
) -> str:
    if staff_id is not None:
        return hosts.get(staff_id, f"staff {staff_id}")
    if department is not None and department in depts:
        return str(depts[department].name)
    return department or "?"


@visitors_app.command("present")
def visitors_present(
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Who is in the building now (an evacuation head count); confidential names hidden."""
    from officekit.plugins.reception.visitors import VISITORS

    check_format(fmt)
    with open_office(db, key) as office:
        present = office.facet(VISITORS).present()
        now = office.clock.now()
        tz = office.profile.office.tz
        depts = office.profile.departments
        hosts = {m.id: m.name for m in office.staff.list(include_departed=True)}
    rows = [
        {
            "visit": v.id,
            "visitor": v.public_name,
            "host": _host_name(v.host_staff_id, v.host_department, hosts, depts),
            "badge": v.badge,
            "checked_in": v.checked_in_at.astimezone(tz).isoformat(timespec="minutes"),
            "received": v.received_at is not None,
            "minutes_in_building": round((now - v.checked_in_at).total_seconds() / 60),
        }
        for v in present
    ]
    if fmt == "json":
        out.print_json(json.dumps(rows))
        return
    table = Table(
        "visit", "visitor", "host", "badge", "checked in", "with host", title="In the building"
    )
    for r in rows:
        table.add_row(
            safe(r["visit"]),
            safe(r["visitor"]),
            safe(r["host"]),
            "" if r["badge"] is None else safe(r["badge"]),
            safe(r["checked_in"]),
            "yes" if r["received"] else "waiting",
        )
    out.print(table)
    out.print(f"{len(rows)} visitor(s) in the building")
