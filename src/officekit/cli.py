"""The ``officekit`` command: a thin layer that parses, calls the API and renders.

The kernel's commands are here; each plugin adds its own through
``officekit_register_commands`` (the receptionist's ``calls``, ``visitors`` and
``ask``). A plugin's commands use the helpers of this module, so that they
fail, open offices and print the way the rest do: [`fail`][officekit.cli.fail],
[`check_format`][officekit.cli.check_format], [`open_office`][officekit.cli.open_office],
``out`` and ``err`` (Rich consoles), and the option types ``DbOption``,
``KeyOption``, ``ProfileOption`` and ``FormatOption``.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, NoReturn

import attrs
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from officekit import __version__
from officekit.core.clock import ManualClock
from officekit.core.convert import converter
from officekit.core.office import Office, check_profile, verify_store
from officekit.core.plugins import PluginHost, get_plugin_manager
from officekit.core.profile import (
    available_profiles,
    load_profile,
    plugins_for_profile,
    resolve_profile_path,
)
from officekit.core.store import DEFAULT_URL
from officekit.errors import OfficekitError, ProfileError
from officekit.simulate import DEFAULT_START, simulate, summarise

__all__ = [
    "DbOption",
    "FormatOption",
    "KeyOption",
    "ProfileOption",
    "app",
    "check_format",
    "day",
    "err",
    "fail",
    "get_app",
    "main",
    "moment",
    "open_office",
    "out",
]

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

out = Console(highlight=False, soft_wrap=True)
"""Where commands print their results."""
err = Console(stderr=True, highlight=False, soft_wrap=True)
"""Where commands print errors."""

DbOption = Annotated[str, typer.Option("--db", help="Database URL (SQLite file or PostgreSQL).")]
KeyOption = Annotated[
    str | None, typer.Option("--office", help="Office key, when the store holds several.")
]
ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", help="Profile name or path; default: the office's own."),
]
FormatOption = Annotated[str, typer.Option("--format", help="Output format: text or json.")]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on standard error and exit with ``code`` (2: bad usage)."""
    err.print(f"[red]error:[/red] {escape(message)}", markup=True)
    raise typer.Exit(code)


def check_format(fmt: str) -> None:
    """Exit with status 2 unless ``fmt`` is ``text`` or ``json``."""
    if fmt not in ("text", "json"):
        fail(f"--format must be 'text' or 'json', got {fmt!r}", 2)


def open_office(db: str, key: str | None = None, profile: str | None = None) -> Office:
    """Open the office a command names (``--db``, ``--office``, ``--profile``).

    officekit's errors are turned into a message and exit status 1 by
    [`main`][officekit.cli.main]; use the office as a context manager.
    """
    return Office.open(db, profile=profile, key=key)


def moment(text: str | None, tz: dt.tzinfo, option: str) -> dt.datetime | None:
    """Parse an ISO date-time given to ``option``; a naive one is in the office's timezone."""
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} must be a date-time such as 2026-11-26T19:30, got {text!r}", 2)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def day(text: str, option: str) -> dt.date:
    """Parse a date given to ``option`` as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, got {text!r}", 2)


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
    check_format(fmt)
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
    if profile.education:
        education = Table("education", "years of credit", title="Education")
        for key, credit in profile.education.items():
            education.add_row(escape(key), f"{credit:g}")
        out.print(education)
    holidays = Table("date", "name", "departments", title="Holidays")
    for holiday in profile.holidays:
        holidays.add_row(
            holiday.date.isoformat(),
            escape(holiday.name),
            escape(", ".join(holiday.departments)) or "whole office",
        )
    out.print(holidays if profile.holidays else "Holidays: none")
    disabled = ", ".join(profile.plugins.disable) or "none"
    out.print(f"Plugins turned off ([plugins] disable): {disabled}", markup=False)
    descriptions = {
        name: section.description for name, section in plugins_for_profile(profile).sections.items()
    }

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple | list):
            return ", ".join(cell(item) for item in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
        return str(value)

    def items_table(title: str, items: Any) -> Table:
        fields = [f.name for f in attrs.fields(type(items[0]))]
        table = Table(*fields, title=escape(title))
        for item in items:
            table.add_row(*(escape(cell(getattr(item, f))) for f in fields))
        return table

    def is_items(value: Any) -> bool:
        return isinstance(value, tuple) and bool(value) and all(attrs.has(type(i)) for i in value)

    for name, value in profile.sections.items():
        out.print()
        heading = f"[{name}]" + (f" {descriptions[name]}" if descriptions.get(name) else "")
        out.print(heading, style="bold", markup=False)
        if is_items(value):
            out.print(items_table(name, value))
        elif attrs.has(type(value)):
            rows = Table("key", "value")
            nested = []
            for f in attrs.fields(type(value)):
                field_value = getattr(value, f.name)
                if is_items(field_value):
                    nested.append((f"{name}.{f.name}", field_value))
                elif attrs.has(type(field_value)):
                    rows.add_row(escape(f.name), escape(cell(converter.unstructure(field_value))))
                else:
                    rows.add_row(escape(f.name), escape(cell(field_value)))
            out.print(rows)
            for title, items in nested:
                out.print(items_table(title, items))
        elif isinstance(value, Mapping):
            rows = Table("key", "value")
            for key, item in value.items():
                rows.add_row(escape(str(key)), escape(cell(item)))
            out.print(rows)
        else:
            out.print(cell(value), markup=False)


@profiles_app.command("validate")
def profiles_validate(
    path: Annotated[str, typer.Argument(help="A profile.toml, its folder, or a profile name.")],
) -> None:
    """Check a profile and print every problem; exit 1 if there is any."""
    try:
        problems = check_profile(path)
    except OfficekitError as exc:
        fail(str(exc))
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
    check_format(fmt)
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
    check_format(fmt)
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
    check_format(fmt)
    try:
        first_day = dt.date.fromisoformat(start)
    except ValueError:
        fail(f"--start must be a date as YYYY-MM-DD, got {start!r}", 2)
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


_commands_added = False


def get_app() -> typer.Typer:
    """Return the root application with every plugin's commands added (once).

    The plugins are the built-in and installed ones, less those
    ``OFFICEKIT_DISABLE_PLUGINS`` blocks; a profile's own ``plugin.py`` adds no
    commands (no profile is known when the command line starts).
    """
    global _commands_added
    if not _commands_added:
        _commands_added = True
        PluginHost(get_plugin_manager()).register_commands(app)
    return app


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; officekit's errors become a message and exit status 1."""
    try:
        return get_app()(args=argv, standalone_mode=True)
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
