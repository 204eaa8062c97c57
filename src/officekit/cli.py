"""The ``officekit`` command: a thin layer that parses, calls the API and renders."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from officekit import __version__
from officekit.core.calls import CallStats
from officekit.core.clock import ManualClock
from officekit.core.office import Office, check_profile, verify_store
from officekit.core.plugins import PluginHost, get_plugin_manager
from officekit.core.profile import (
    available_profiles,
    load_profile,
    resolve_profile_path,
)
from officekit.core.routing import Router
from officekit.core.store import DEFAULT_URL
from officekit.errors import OfficekitError, ProfileError
from officekit.simulate import DEFAULT_START, simulate, summarise

__all__ = ["app", "main"]

SIMULATION_URL = "sqlite:///officekit-simulation.db"

app = typer.Typer(
    name="officekit",
    help="Run the front office of an organisation: profiles, staff, audit and simulation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
profiles_app = typer.Typer(help="List, show and validate sector profiles.", no_args_is_help=True)
plugins_app = typer.Typer(help="See which plugins are loaded.", no_args_is_help=True)
staff_app = typer.Typer(help="Hire and list staff.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the tamper-evident event log.", no_args_is_help=True)
app.add_typer(profiles_app, name="profiles")
app.add_typer(plugins_app, name="plugins")
app.add_typer(staff_app, name="staff")
app.add_typer(audit_app, name="audit")
calls_app = typer.Typer(help="Route calls and see call statistics.", no_args_is_help=True)
visitors_app = typer.Typer(help="The visitor log.", no_args_is_help=True)
app.add_typer(calls_app, name="calls")
app.add_typer(visitors_app, name="visitors")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[str, typer.Option("--db", help="Database URL (SQLite file or PostgreSQL).")]
KeyOption = Annotated[
    str | None, typer.Option("--office", help="Office key, when the store holds several.")
]
ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", help="Profile name or path; default: the office's own."),
]
FormatOption = Annotated[str, typer.Option("--format", help="Output format: text or json.")]


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}", markup=True)
    raise typer.Exit(code)


def _check_format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        _fail(f"--format must be 'text' or 'json', got {fmt!r}", 2)


def _version(value: bool) -> None:
    if value:
        out.print(f"officekit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """officekit: run the front office of an organisation."""


# -- profiles ----------------------------------------------------------------


@profiles_app.command("list")
def profiles_list() -> None:
    """List the profiles that can be opened by name, and where each comes from."""
    table = Table("name", "source", "description")
    for name, origin in available_profiles().items():
        try:
            description = load_profile(name).description
        except OfficekitError as exc:
            description = f"[red]invalid: {exc}[/red]"
        table.add_row(name, origin, description)
    out.print(table)


@profiles_app.command("show")
def profiles_show(
    name: Annotated[str, typer.Argument(help="Profile name or path.")],
    fmt: FormatOption = "text",
) -> None:
    """Show a profile with its inheritance resolved."""
    _check_format(fmt)
    profile = load_profile(name)
    if fmt == "json":
        out.print_json(json.dumps(profile.to_dict()))
        return
    out.print(f"[bold]{profile.name}[/bold]: {profile.description}")
    out.print(f"Files: {' <- '.join(profile.source.files)}")
    o = profile.office
    out.print(
        f"Office: {o.name} ({o.timezone}, {o.currency}{', ' + o.country if o.country else ''})"
    )
    depts = Table("department", "name", "ext.", "hours", title="Departments")
    for key, d in profile.departments.items():
        hours = ", ".join(
            f"{day} {'/'.join(str(r) for r in getattr(d.hours, day))}"
            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            if getattr(d.hours, day)
        )
        depts.add_row(key, d.name, d.extension, hours or "closed")
    out.print(depts)
    levels = Table("level", "title", "min years", title="Responsibility levels")
    for lvl in profile.levels:
        levels.add_row(lvl.name, lvl.title, f"{lvl.min_years:g}")
    out.print(levels)
    resps = Table("responsibility", "min level", "operations", title="Responsibilities")
    for key, r in profile.responsibilities.items():
        resps.add_row(key, r.min_level, ", ".join(r.operations))
    out.print(resps)
    roles = Table("role", "title", "department", "responsibilities", title="Roles")
    for key, role in profile.roles.items():
        roles.add_row(key, role.title, role.department or "", ", ".join(role.responsibilities))
    out.print(roles)


@profiles_app.command("validate")
def profiles_validate(
    path: Annotated[str, typer.Argument(help="A profile.toml, its folder, or a profile name.")],
) -> None:
    """Check a profile and print every problem; exit 1 if there is any."""
    try:
        problems = check_profile(path)
    except OfficekitError as exc:
        _fail(str(exc))
    if problems:
        err.print(f"[red]{len(problems)} problem(s) in {path}:[/red]", markup=True)
        for problem in problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(1)
    out.print(f"{resolve_profile_path(path)}: valid")


# -- plugins -----------------------------------------------------------------


@plugins_app.command("list")
def plugins_list(
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="Also load this profile's own plugin.py files."),
    ] = None,
    fmt: FormatOption = "text",
) -> None:
    """List the loaded plugins, where each comes from and the hooks it implements."""
    _check_format(fmt)
    profile_plugins: tuple[str, ...] = ()
    if profile is not None:
        profile_plugins = load_profile(profile).source.plugins
    infos = PluginHost(get_plugin_manager(profile_plugins=profile_plugins)).describe()
    if fmt == "json":
        out.print_json(
            json.dumps(
                [{"name": i.name, "source": i.source, "hooks": list(i.hooks)} for i in infos]
            )
        )
        return
    table = Table("plugin", "source", "hooks")
    for info in infos:
        table.add_row(info.name, info.source, ", ".join(info.hooks))
    out.print(table)


# -- office and staff ----------------------------------------------------------


@app.command("init")
def init(
    db: DbOption = DEFAULT_URL,
    profile: Annotated[
        str, typer.Option("--profile", help="Profile name or path.")
    ] = "smallbusiness",
    key: KeyOption = None,
    change_profile: Annotated[
        bool,
        typer.Option("--change-profile", help="Switch an existing office to --profile (recorded)."),
    ] = False,
) -> None:
    """Create (or migrate) an office store and its office."""
    with Office.open(db, profile=profile, key=key, change_profile=change_profile) as office:
        out.print(
            f"Office {office.key!r} ({office.profile.office.name}, profile "
            f"{office.profile.name!r}) ready at {office.engine.url.render_as_string()}"
        )


@staff_app.command("hire")
def staff_hire(
    name: Annotated[str, typer.Argument(help="Full name.")],
    role: Annotated[list[str], typer.Option("--role", help="A role to hold; repeat for several.")],
    experience: Annotated[float, typer.Option("--experience", help="Years of experience.")] = 0.0,
    education: Annotated[
        str | None, typer.Option("--education", help="A key of the profile's education table.")
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Hire a member of staff."""
    with Office.open(db, profile=profile, key=key) as office:
        member = office.staff.hire(
            name, roles=role, experience_years=experience, education=education
        )
    out.print(
        f"Hired {member.name} (id {member.id}): {', '.join(member.roles)}, level {member.level}"
    )


@staff_app.command("list")
def staff_list(
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
    include_departed: Annotated[
        bool, typer.Option("--all", help="Include those who left.")
    ] = False,
    fmt: FormatOption = "text",
) -> None:
    """List the office's staff."""
    _check_format(fmt)
    with Office.open(db, profile=profile, key=key) as office:
        members = office.staff.list(include_departed=include_departed)
    if fmt == "json":
        out.print_json(
            json.dumps(
                [
                    {
                        "id": m.id,
                        "name": m.name,
                        "roles": list(m.roles),
                        "level": m.level,
                        "hired_at": m.hired_at.isoformat(),
                        "left_at": m.left_at.isoformat() if m.left_at else None,
                    }
                    for m in members
                ]
            )
        )
        return
    table = Table("id", "name", "roles", "level", "hired", "left")
    for m in members:
        table.add_row(
            str(m.id),
            m.name,
            ", ".join(m.roles),
            m.level,
            f"{m.hired_at:%Y-%m-%d}",
            f"{m.left_at:%Y-%m-%d}" if m.left_at else "",
        )
    out.print(table)


# -- audit -------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(db: DbOption = DEFAULT_URL) -> None:
    """Verify every office's event chain; exit 1 and name the first broken event if any."""
    reports = verify_store(db)
    broken = False
    for report in reports:
        if report.ok:
            out.print(f"office {report.office_key!r}: {report.checked} events, chain intact")
        else:
            broken = True
            assert report.broken is not None
            b = report.broken
            where = f"event {b.seq}" + (f" (id {b.event_id})" if b.event_id is not None else "")
            err.print(
                f"[red]office {report.office_key!r}: chain broken at {where}:[/red] {b.reason}",
                markup=True,
            )
    if not reports:
        out.print("the store holds no office")
    if broken:
        raise typer.Exit(1)


# -- reception -------------------------------------------------------------------


def _moment(text: str | None, tz: dt.tzinfo, option: str) -> dt.datetime | None:
    """Parse an ISO date-time; a naive one is in the office's timezone."""
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        _fail(f"{option} must be a date-time such as 2026-11-26T19:30, got {text!r}", 2)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} must be a date as YYYY-MM-DD, got {text!r}", 2)


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
        typer.Option("--db", help="Use this office's known callers and plugins too."),
    ] = None,
    key: KeyOption = None,
    fmt: FormatOption = "text",
) -> None:
    """Say where a call would go, and why."""
    _check_format(fmt)
    if db is not None and profile is not None:
        _fail("give --profile or --db (which uses its office's own profile), not both", 2)
    if db is not None:
        with Office.open(db, key=key) as office:
            when = _moment(at, office.profile.office.tz, "--at")
            decision = office.calls.route(reason, caller=caller, line=line, at=when)
            prof = office.profile
    elif profile is None:
        _fail("give --profile, or --db to use an office's own profile", 2)
    else:
        prof = load_profile(profile)
        when = _moment(at, prof.office.tz, "--at") or dt.datetime.now(prof.office.tz)
        decision = Router(prof).decide(reason, at=when, line=line)
    if fmt == "json":
        from officekit.core.convert import converter

        out.print_json(json.dumps(converter.unstructure(decision)))
        return
    if decision.urgent == "script":
        out.print(f"[bold red]URGENT[/bold red]: {decision.script}", markup=True)
    else:
        target = decision.destination or ""
        name = prof.departments[target].name if target in prof.departments else target
        out.print(f"[bold]{name}[/bold] ({target})", markup=True)
    out.print(decision.explanation, markup=False)


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
    _check_format(fmt)
    first = _day(start, "--from")
    with Office.open(db, key=key) as office:
        tz = office.profile.office.tz
        last = _day(end, "--to") if end else office.clock.now().astimezone(tz).date()
        if last < first:
            _fail("--to must not be before --from", 2)
        try:
            period_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
        except OverflowError:
            _fail(f"--to {last} is too far in the future", 2)
        stats = office.calls.stats(dt.datetime.combine(first, dt.time(), tz), period_end)
    if fmt == "json":
        from officekit.core.convert import converter

        out.print_json(json.dumps(converter.unstructure(stats)))
        return
    for line in summarise_call_stats(stats):
        out.print(line, markup=False)


def summarise_call_stats(stats: CallStats) -> list[str]:
    """Render call statistics as lines of text."""

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    def secs(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f} s"

    return [
        f"Calls: {stats.offered + stats.after_hours} received; {stats.offered} offered to the "
        f"desk, {stats.after_hours} sent on after hours; {stats.in_progress} in progress",
        f"Service level ({stats.target_seconds:g} s): {pct(stats.service_level)} "
        f"({stats.answered_within_target} answered within {stats.target_seconds:g} s, of "
        f"{stats.offered - stats.short_abandons} offered less short abandons; "
        f"{stats.answered} answered in all)",
        f"Average speed of answer: {secs(stats.average_speed_of_answer)}",
        f"Abandonment rate: {pct(stats.abandonment_rate)} ({stats.abandoned} abandoned, "
        f"{stats.short_abandons} short abandons apart)",
        f"Average handling time: {secs(stats.average_handling_time)}",
        f"Transfers: {stats.transfers} (misroutes: {stats.misroutes}); messages: {stats.messages}; "
        f"urgent: {stats.urgent}",
    ]


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="The customer's question.")],
    profile: Annotated[str, typer.Option("--profile", help="Profile name or path.")] = (
        "smallbusiness"
    ),
    fmt: FormatOption = "text",
) -> None:
    """Answer a customer's question from the profile's knowledge base (records nothing)."""
    _check_format(fmt)
    from officekit.core.questions import KnowledgeBase, escalation_department

    prof = load_profile(profile)
    kb = KnowledgeBase.for_profile(prof)
    match = kb.search(question)
    threshold = prof.questions.threshold
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
        out.print(match.entry.answer, markup=False)
        out.print(
            f"(entry {match.entry.id!r}: {match.entry.question!r}, confidence {confidence:.2f})",
            markup=False,
        )
    else:
        out.print(
            f"No confident answer (confidence {confidence:.2f} < {threshold:g}): at the desk "
            f"this question would be left as a message for {department}.",
            markup=False,
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
    _check_format(fmt)
    with Office.open(db, key=key) as office:
        present = office.visitors.present()
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
            str(r["visit"]),
            str(r["visitor"]),
            str(r["host"]),
            "" if r["badge"] is None else str(r["badge"]),
            str(r["checked_in"]),
            "yes" if r["received"] else "waiting",
        )
    out.print(table)
    out.print(f"{len(rows)} visitor(s) in the building")


# -- simulate ------------------------------------------------------------------


@app.command("simulate")
def simulate_cmd(
    profile: Annotated[
        str, typer.Option("--profile", help="Profile name or path.")
    ] = "smallbusiness",
    days: Annotated[int, typer.Option("--days", min=1, help="Days to simulate.")] = 5,
    db: Annotated[
        str,
        typer.Option(
            "--db",
            help=f"Database URL. The default, {SIMULATION_URL}, is started afresh on each run.",
        ),
    ] = SIMULATION_URL,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same result.")] = 0,
    start: Annotated[
        str, typer.Option("--start", help="First day, YYYY-MM-DD.")
    ] = DEFAULT_START.isoformat(),
    fmt: FormatOption = "text",
) -> None:
    """Simulate front-office days through the public API and print what happened."""
    _check_format(fmt)
    try:
        first_day = dt.date.fromisoformat(start)
    except ValueError:
        _fail(f"--start must be a date as YYYY-MM-DD, got {start!r}", 2)
    if db == SIMULATION_URL:
        for suffix in ("", "-wal", "-shm"):
            Path(f"officekit-simulation.db{suffix}").unlink(missing_ok=True)
    prof = load_profile(profile)
    clock = ManualClock(dt.datetime.combine(first_day, dt.time(6), prof.office.tz))
    with Office.open(db, profile=profile, clock=clock, key="simulation") as office:
        report = simulate(
            office,
            days=days,
            seed=seed,
            start=first_day,
            clock=clock,
            progress=None if fmt == "json" else out.print,
        )
    if fmt == "json":
        from officekit.core.convert import converter

        out.print_json(json.dumps(converter.unstructure(report)))
        return
    for line in summarise(report):
        out.print(line, markup=False)


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; officekit's errors become a message and exit status 1."""
    try:
        return app(args=argv, standalone_mode=True)
    except ProfileError as exc:
        err.print("[red]error: the profile has problems:[/red]", markup=True)
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        sys.exit(1)
    except OfficekitError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", markup=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
