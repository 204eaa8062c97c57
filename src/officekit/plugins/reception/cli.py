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
    day_period,
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
            "--db",
            help="Route as this office does: its profile, known callers and plugins.",
            callback=check_db,
        ),
    ] = None,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Say where a call would go, and why."""
    import tempfile

    from officekit.core.convert import converter
    from officekit.plugins.reception.calls import CALLS

    check_format(fmt)
    if db is not None and profile is not None:
        fail("give --profile or --db (which uses its office's own profile), not both", 2)
    if db is None and profile is None:
        fail("give --profile, or --db to use an office's own profile", 2)
    with tempfile.TemporaryDirectory(prefix="officekit-route-") as scratch:
        # Without --db, a throwaway office of the profile: it loads the installed
        # plugins and the profile's plugin.py, as an office in a real store does.
        url = db if db is not None else f"sqlite:///{scratch}/route.db"
        with open_office(url, key, profile) as office:
            when = moment(at, office.profile.office.tz, "--at")
            decision = office.facet(CALLS).route(reason, caller=caller, line=line, at=when)
            prof = office.profile
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
        period_start = day_period(first, tz, "--from", start)[0]
        period_end = day_period(last, tz, "--to", end or last.isoformat())[1]
        stats = office.facet(CALLS).stats(period_start, period_end)
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
    threshold = prof.section(QUESTIONS).threshold
    decision = kb.decide(question, threshold=threshold)
    match = decision.match
    answered = decision.outcome == "answered"
    department = None
    if decision.outcome == "escalated":
        department = escalation_department(prof, question, at=dt.datetime.now(prof.office.tz))
    if fmt == "json":
        out.print_json(
            json.dumps(
                {
                    "question": question,
                    "outcome": decision.outcome,
                    "answered": answered,
                    "answer": decision.entries[0].answer if answered else None,
                    "entry_id": match.entry.id if match else None,
                    "offered": [e.id for e in decision.entries]
                    if decision.outcome == "offered"
                    else [],
                    "prompt": decision.prompt,
                    "confidence": decision.confidence,
                    "threshold": threshold,
                    "escalate_to": department,
                }
            )
        )
        return
    confidence = decision.confidence
    if answered and match is not None:
        out.print(safe(match.entry.answer, multiline=True))
        out.print(
            safe(
                f"(entry {match.entry.id!r}: {match.entry.question!r}, confidence {confidence:.2f})"
            )
        )
    elif decision.outcome == "offered" and decision.prompt is not None:
        out.print(safe(decision.prompt))
        ids = " or ".join(repr(e.id) for e in decision.entries)
        out.print(
            safe(
                f"(two entries are close: {ids}, together confidence {confidence:.2f}; "
                "the desk asks which one is meant)"
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
