"""The ``officekit`` command: a thin layer that parses, calls the API and renders.

The kernel's commands are here; each plugin adds its own through
``officekit_register_commands`` (the receptionist's ``calls``, ``visitors`` and
``ask``). A plugin's commands use the helpers of this module, so that they
fail, open offices and print the way the rest do: [`fail`][officekit.cli.fail],
[`check_format`][officekit.cli.check_format], [`open_office`][officekit.cli.open_office],
``out`` and ``err`` (Rich consoles), and the option types ``DbOption``,
``KeyOption``, ``ProfileOption`` and ``FormatOption``.

Print every piece of data (a name, a note, anything read from a store, a profile
or the command line) in text mode through [`safe`][officekit.cli.safe]: it
returns a Rich ``Text``, so Rich markup in the data is shown as typed, and
control characters are made visible (``ESC`` as ``\\x1b``), so that data can
neither clear the screen nor retitle the window. Wrap a whole line
(``out.print(safe(f"Hired {member.name}"))``) or each table cell
(``table.add_row(safe(m.name), ...)``); give ``style=`` for colour. JSON output
(``out.print_json``) needs no helper: it is exact, and control characters are
escaped as JSON escapes. officekit's errors end as ``error: ...`` and exit status
1, bad usage (through [`fail`][officekit.cli.fail]) as exit status 2; never as a
traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import attrs
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from officekit import __version__
from officekit.errors import OfficekitError, ProfileError, StoreError, ValidationError

# The store, profiles, plugins and simulation are imported by the commands that use
# them, not here: ``officekit --version`` and ``--help`` never load SQLAlchemy
# (tests/test_startup.py checks it).
if TYPE_CHECKING:
    from officekit.core.events import AuditReport
    from officekit.core.office import Office, verify_store
    from officekit.core.staff import StaffMember
else:

    def verify_store(*args: Any, **kwargs: Any) -> list[AuditReport]:
        """``officekit.core.office.verify_store``, imported when first called."""
        from officekit.core.office import verify_store

        return verify_store(*args, **kwargs)


__all__ = [
    "AsOption",
    "DbOption",
    "FormatOption",
    "KeyOption",
    "ProfileOption",
    "app",
    "check_db",
    "check_format",
    "day",
    "day_period",
    "err",
    "fail",
    "get_app",
    "main",
    "moment",
    "open_office",
    "out",
    "safe",
    "staff_member",
]

SIMULATION_URL = "sqlite:///officekit-simulation.db"
DEFAULT_URL = "sqlite:///officekit.db"
"""``officekit.core.store.DEFAULT_URL``, written out so that the store is not imported."""
DEFAULT_START = "2026-01-05"
"""``officekit.simulate.DEFAULT_START``, as ``--start`` shows it (the same test checks both)."""

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

# C0 and C1 control characters, DEL, line and paragraph separators, the
# bidirectional embeddings, overrides and isolates (which reorder what follows),
# and lone surrogates (from bytes that were not UTF-8, which cannot be written)
_FORMAT_CONTROLS = "\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x1f{_FORMAT_CONTROLS}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{_FORMAT_CONTROLS}]")
_UNSAFE_IN_JSON = re.compile(f"[{_FORMAT_CONTROLS}]")  # json.dumps escapes the C0 ones


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(value: object, *, style: str = "", multiline: bool = False) -> Text:
    """``value`` as text that is safe to print: shown exactly as it is, never interpreted.

    Rich markup in it is not parsed (the result is a ``rich.text.Text``), and
    every control character is made visible as an escape: ``ESC`` as ``\\x1b``,
    ``BEL`` as ``\\x07``, a bidirectional override as ``\\u202e``. Use it for every
    piece of data a command prints in text mode: a whole line, or a table cell.

    Args:
        value: What to print; ``str(value)`` is shown.
        style: A Rich style for the whole text, such as ``"red"``.
        multiline: Keep line feeds (for a text that may have several lines, such
            as an error listing problems); otherwise they are shown as ``\\x0a``.
    """
    pattern = _UNSAFE_BUT_NEWLINE if multiline else _UNSAFE
    return Text(pattern.sub(_visible, str(value)), style=style)


def _json_needs_ascii(text: str | None, data: Any, skip_keys: bool, default: Any) -> bool:
    loaded = json.loads(text) if text is not None else data
    plain = json.dumps(loaded, ensure_ascii=False, skipkeys=skip_keys, default=default)
    return _UNSAFE_IN_JSON.search(plain) is not None


class _Console(Console):
    """A Rich console whose ``print_json`` never writes a raw control character.

    ``json.dumps`` escapes the C0 controls, but Rich re-renders JSON with
    ``ensure_ascii=False``, which would write C1 controls (such as the 8-bit CSI,
    ``\\x9b``) and bidirectional overrides as they are: the JSON is then rendered
    with ``ensure_ascii=True``, still exact.
    """

    def print_json(
        self,
        json: str | None = None,
        *,
        data: Any = None,
        indent: int | str | None = 2,
        highlight: bool = True,
        skip_keys: bool = False,
        ensure_ascii: bool = False,
        check_circular: bool = True,
        allow_nan: bool = True,
        default: Any = None,
        sort_keys: bool = False,
    ) -> None:
        if not ensure_ascii:
            ensure_ascii = _json_needs_ascii(json, data, skip_keys, default)
        super().print_json(
            json,
            data=data,
            indent=indent,
            highlight=highlight,
            skip_keys=skip_keys,
            ensure_ascii=ensure_ascii,
            check_circular=check_circular,
            allow_nan=allow_nan,
            default=default,
            sort_keys=sort_keys,
        )


out: Console = _Console(highlight=False, soft_wrap=True)
"""Where commands print their results."""
err: Console = _Console(stderr=True, highlight=False, soft_wrap=True)
"""Where commands print errors."""


def check_db(value: str | None) -> str | None:
    """Exit with status 2 if ``value``, a ``--db`` URL, cannot be parsed (an option callback).

    ``DbOption`` has it; give it as ``callback=`` to a ``--db`` option of your own.
    """
    if value is not None:
        from officekit.core.store import missing_sqlite_file

        try:
            missing_sqlite_file(value)
        except StoreError as exc:
            fail(f"--db: {exc}", 2)
    return value


DbOption = Annotated[
    str,
    typer.Option("--db", help="Database URL (SQLite file or PostgreSQL).", callback=check_db),
]
KeyOption = Annotated[
    str | None, typer.Option("--office", help="Office key, when the store holds several.")
]
ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", help="Profile name or path; default: the office's own."),
]
FormatOption = Annotated[str, typer.Option("--format", help="Output format: text or json.")]
AsOption = Annotated[
    str,
    typer.Option(
        "--as",
        "--staff",
        help="The member of staff at the desk: their id, or their exact name.",
        show_default=False,
    ),
]
"""``--as`` (or ``--staff``): who acts; [`staff_member`][officekit.cli.staff_member] finds them."""


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on standard error and exit with ``code`` (2: bad usage).

    The message is printed through [`safe`][officekit.cli.safe].
    """
    err.print(Text.assemble(("error:", "red"), " ", safe(message, multiline=True)))
    raise typer.Exit(code)


def check_format(fmt: str) -> None:
    """Exit with status 2 unless ``fmt`` is ``text`` or ``json``."""
    if fmt not in ("text", "json"):
        fail(f"--format must be 'text' or 'json', got {fmt!r}", 2)


def staff_member(office: Office, who: str, option: str = "--as") -> StaffMember:
    """The active member of staff ``option`` names: an id, or the exact name of one person.

    Names are compared ignoring case and repeated spaces. A name two active members
    share, an unknown id or name, or someone who has left exits with status 2 and
    a message naming ``option``.
    """
    from officekit.errors import NotFoundError

    text = " ".join(who.split())
    if not text:
        fail(f"{option} is needed: who acts at the desk (a staff id or name)", 2)
    if text.isdigit():
        try:
            found = office.staff.get(int(text))
        except NotFoundError:
            fail(f"{option}: no member of staff with id {text} in this office", 2)
        if not found.active:
            fail(f"{option}: {found.name} (id {found.id}) has left the office", 2)
        return found
    wanted = text.casefold()
    matches = [m for m in office.staff.list() if " ".join(m.name.split()).casefold() == wanted]
    if len(matches) != 1:
        why = "nobody active" if not matches else f"{len(matches)} people"
        fail(f"{option}: {why} in this office is called {who!r}: give a staff id", 2)
    return matches[0]


def open_office(db: str, key: str | None = None, profile: str | None = None) -> Office:
    """Open the office a command names (``--db``, ``--office``, ``--profile``).

    officekit's errors are turned into a message and exit status 1 by
    [`main`][officekit.cli.main]; use the office as a context manager.
    """
    from officekit.core.office import Office

    return Office.open(db, profile=profile, key=key)


def moment(text: str | None, tz: dt.tzinfo, option: str) -> dt.datetime | None:
    """Parse an ISO date-time given to ``option``; a naive one is in the office's timezone."""
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} must be a date-time such as 2026-11-26T19:30, got {text!r}", 2)
    value = value if value.tzinfo is not None else value.replace(tzinfo=tz)
    try:  # a week either side, in UTC and office time, must be dates Python can hold
        for days in (-7, 7):
            (value + dt.timedelta(days=days)).astimezone(dt.UTC).astimezone(tz)
    except OverflowError:
        fail(f"{option} {text!r} is too far in the past or the future", 2)
    return value


def day(text: str, option: str) -> dt.date:
    """Parse a date given to ``option`` as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, got {text!r}", 2)


def day_period(
    the_day: dt.date, tz: dt.tzinfo, option: str, given: str
) -> tuple[dt.datetime, dt.datetime]:
    """The office's day ``[start, end)`` in ``tz``; a day too far out is a usage error.

    Exits with status 2, naming ``option`` and the day as ``given``, when the day
    is too near the first or last date Python has to compute with.
    """
    from officekit.core.validate import office_day

    try:
        return office_day(the_day, tz, option)
    except ValidationError:
        first = dt.date.min + dt.timedelta(days=2)  # as office_day: a day clear of the ends
        last = dt.date.max - dt.timedelta(days=2)
        when = "past" if the_day.year < 5000 else "future"
        fail(
            f"{option}: {given} is too far in the {when}: officekit computes with days from "
            f"{first.isoformat()} to {last.isoformat()}",
            2,
        )


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
    from officekit.core.profile import available_profiles, load_profile

    table = Table("name", "source", "description")
    for name, origin in available_profiles().items():
        try:
            description = safe(load_profile(name).description)
        except OfficekitError as exc:
            description = safe(f"invalid: {exc}", style="red")
        table.add_row(safe(name), safe(origin), description)
    out.print(table)


@profiles_app.command("show")
def profiles_show(
    name: Annotated[str, typer.Argument(help="Profile name or path.")],
    fmt: FormatOption = "text",
) -> None:
    """Show a profile with its inheritance resolved."""
    from officekit.core.convert import converter
    from officekit.core.profile import load_profile, plugins_for_profile

    check_format(fmt)
    profile = load_profile(name)
    if fmt == "json":
        out.print_json(json.dumps(profile.to_dict()))
        return
    out.print(Text.assemble(safe(profile.name, style="bold"), ": ", safe(profile.description)))
    out.print(safe(f"Files: {' <- '.join(profile.source.files)}"))
    o = profile.office
    out.print(
        safe(
            f"Office: {o.name} ({o.timezone}, {o.currency}{', ' + o.country if o.country else ''})"
        )
    )
    depts = Table("department", "name", "ext.", "hours", title="Departments")
    for key, d in profile.departments.items():
        hours = ", ".join(
            f"{day} {'/'.join(str(r) for r in getattr(d.hours, day))}"
            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            if getattr(d.hours, day)
        )
        depts.add_row(safe(key), safe(d.name), safe(d.extension), safe(hours or "closed"))
    out.print(depts)
    levels = Table("level", "title", "min years", title="Responsibility levels")
    for lvl in profile.levels:
        levels.add_row(safe(lvl.name), safe(lvl.title), f"{lvl.min_years:g}")
    out.print(levels)
    resps = Table("responsibility", "min level", "operations", title="Responsibilities")
    for key, r in profile.responsibilities.items():
        resps.add_row(safe(key), safe(r.min_level), safe(", ".join(r.operations)))
    out.print(resps)
    roles = Table("role", "title", "department", "responsibilities", title="Roles")
    for key, role in profile.roles.items():
        roles.add_row(
            safe(key),
            safe(role.title),
            safe(role.department or ""),
            safe(", ".join(role.responsibilities)),
        )
    out.print(roles)
    if profile.education:
        education = Table("education", "years of credit", title="Education")
        for key, credit in profile.education.items():
            education.add_row(safe(key), f"{credit:g}")
        out.print(education)
    holidays = Table("date", "name", "departments", title="Holidays")
    for holiday in profile.holidays:
        holidays.add_row(
            holiday.date.isoformat(),
            safe(holiday.name),
            safe(", ".join(holiday.departments) or "whole office"),
        )
    out.print(holidays if profile.holidays else "Holidays: none")
    disabled = ", ".join(profile.plugins.disable) or "none"
    out.print(safe(f"Plugins turned off ([plugins] disable): {disabled}"))
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
        table = Table(*fields, title=safe(title))
        for item in items:
            table.add_row(*(safe(cell(getattr(item, f))) for f in fields))
        return table

    def is_items(value: Any) -> bool:
        return isinstance(value, tuple) and bool(value) and all(attrs.has(type(i)) for i in value)

    for name, value in profile.sections.items():
        out.print()
        heading = f"[{name}]" + (f" {descriptions[name]}" if descriptions.get(name) else "")
        out.print(safe(heading, style="bold"))
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
                    rows.add_row(safe(f.name), safe(cell(converter.unstructure(field_value))))
                else:
                    rows.add_row(safe(f.name), safe(cell(field_value)))
            out.print(rows)
            for title, items in nested:
                out.print(items_table(title, items))
        elif isinstance(value, Mapping):
            rows = Table("key", "value")
            for key, item in value.items():
                rows.add_row(safe(key), safe(cell(item)))
            out.print(rows)
        else:
            out.print(safe(cell(value), multiline=True))


@profiles_app.command("validate")
def profiles_validate(
    path: Annotated[str, typer.Argument(help="A profile.toml, its folder, or a profile name.")],
) -> None:
    """Check a profile and print every problem; exit 1 if there is any."""
    from officekit.core.office import check_profile
    from officekit.core.profile import resolve_profile_path

    try:
        problems = check_profile(path)
    except OfficekitError as exc:
        fail(str(exc))
    if problems:
        err.print(safe(f"error: {len(problems)} problem(s) in {path}:", style="red"))
        for problem in problems:
            err.print(safe(f"  {problem}"))
        raise typer.Exit(1)
    out.print(safe(f"{resolve_profile_path(path)}: valid"))


# -- plugins -----------------------------------------------------------------


PIPED_WIDTH = 100_000
"""The width of a table written to a pipe or a file: enough to cut nothing short."""


@plugins_app.command("list")
def plugins_list(
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="Also load this profile's own plugin.py files."),
    ] = None,
    fmt: FormatOption = "text",
) -> None:
    """List the loaded plugins, where each comes from and the hooks it implements."""
    from officekit.core.plugins import PluginHost, get_plugin_manager
    from officekit.core.profile import load_profile

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
        table.add_row(safe(info.name), safe(info.source), safe(", ".join(info.hooks)))
    # Piped or redirected, the lines are as long as they need: whole names, for grep.
    wide = out if out.is_terminal else _Console(file=out.file, width=PIPED_WIDTH, highlight=False)
    wide.print(table)


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
    from officekit.core.office import Office

    with Office.open(db, profile=profile, key=key, change_profile=change_profile) as office:
        out.print(
            safe(
                f"Office {office.key!r} ({office.profile.office.name}, profile "
                f"{office.profile.name!r}) ready at {office.engine.url.render_as_string()}"
            )
        )


@staff_app.command("hire")
def staff_hire(
    name: Annotated[str, typer.Argument(help="Full name.")],
    role: Annotated[list[str], typer.Option("--role", help="A role to hold; repeat for several.")],
    experience: Annotated[float, typer.Option("--experience", help="Years of experience.")] = 0.0,
    education: Annotated[
        str | None, typer.Option("--education", help="A key of the profile's education table.")
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option("--reference", help="An outside reference (HR number), unique in the office."),
    ] = None,
    db: DbOption = DEFAULT_URL,
    key: KeyOption = None,
    profile: ProfileOption = None,
) -> None:
    """Hire a member of staff."""
    from officekit.core.office import Office

    with Office.open(db, profile=profile, key=key) as office:
        member = office.staff.hire(
            name,
            roles=role,
            experience_years=experience,
            education=education,
            reference=reference,
        )
    out.print(
        safe(
            f"Hired {member.name} (id {member.id}): {', '.join(member.roles)}, level {member.level}"
        )
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
    from officekit.core.office import Office

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
            safe(m.name),
            safe(", ".join(m.roles)),
            safe(m.level),
            f"{m.hired_at:%Y-%m-%d}",
            f"{m.left_at:%Y-%m-%d}" if m.left_at else "",
        )
    out.print(table)


# -- audit -------------------------------------------------------------------


AuditKeyFileOption = Annotated[
    str | None,
    typer.Option(
        "--key-file",
        help="File holding the audit key (default: OFFICEKIT_AUDIT_KEY_FILE, OFFICEKIT_AUDIT_KEY).",
    ),
]


def _audit_key(key_file: str | None) -> Any:
    from officekit.core.audit import resolve_audit_key

    return resolve_audit_key(key_file=key_file)


@audit_app.command("verify")
def audit_verify(
    db: DbOption = DEFAULT_URL,
    key_file: AuditKeyFileOption = None,
    deep: Annotated[
        bool, typer.Option("--deep", help="Also compare the desks' tables with their events.")
    ] = False,
    office: KeyOption = None,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="Only what was appended since the last recorded verification or checkpoint.",
        ),
    ] = False,
) -> None:
    """Verify every office's event log; exit 1 and name what is wrong if anything is."""
    reports = verify_store(
        db, audit_key=_audit_key(key_file), deep=deep, office=office, incremental=incremental
    )
    broken = False
    for report in reports:
        name = f"office {report.office_key!r}"
        if report.broken is not None:
            b = report.broken
            where = f"event {b.seq}" + (f" (id {b.event_id})" if b.event_id is not None else "")
            err.print(safe(f"{name}: chain broken at {where}: {b.reason}", style="red"))
        for finding in report.findings:
            err.print(safe(f"{name}: {finding.check}: {finding.reason}", style="red"))
        if not report.ok:
            broken = True
            continue
        after = f" after event {report.from_seq}" if report.from_seq else ""
        checked = [f"{report.checked} events{after}, chain intact"]
        if report.keyed:
            checked.append(
                f"{report.macs_checked} MACs and {report.checkpoints_checked} checkpoints verified"
            )
        if report.deep_checks:
            checked.append(f"tables agree ({', '.join(report.deep_checks)})")
        line = f"{name}: {'; '.join(checked)}"
        if report.not_checked:
            line += f" (not checked: {', '.join(report.not_checked)})"
        out.print(safe(line))
    if not reports:
        out.print("the store holds no office")
    if broken:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    db: DbOption = DEFAULT_URL,
    key_file: AuditKeyFileOption = None,
    office: KeyOption = None,
) -> None:
    """Verify each office's log with the audit key, then store a signed checkpoint of its head."""
    from officekit.core.office import checkpoint_store

    failed = False
    results = checkpoint_store(db, audit_key=_audit_key(key_file), office=office)
    for result in results:
        if isinstance(result, Exception):
            failed = True
            err.print(safe(f"error: {result}", style="red", multiline=True))
        else:
            out.print(
                safe(
                    f"office {result.office_key!r}: checkpoint {result.id} at event {result.seq} "
                    f"({result.created_at.isoformat()})"
                )
            )
    if not results:
        out.print("the store holds no office")
    if failed:
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
            callback=check_db,
        ),
    ] = SIMULATION_URL,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same result.")] = 0,
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")] = DEFAULT_START,
    fmt: FormatOption = "text",
    output_dir: Annotated[
        str,
        typer.Option(
            "--output-dir",
            help="Folder where steps write their files (the analysis's HTML report).",
        ),
    ] = ".",
) -> None:
    """Simulate front-office days through the public API and print what happened."""
    from officekit.core.clock import ManualClock
    from officekit.core.office import Office
    from officekit.core.profile import load_profile
    from officekit.simulate import simulate, summarise

    check_format(fmt)
    try:
        first_day = dt.date.fromisoformat(start)
    except ValueError:
        fail(f"--start must be a date as YYYY-MM-DD, got {start!r}", 2)
    try:  # the days simulated, a day before and a month after (what is due) must be storable
        for edge in (first_day - dt.timedelta(days=1), first_day + dt.timedelta(days=days + 31)):
            dt.datetime.combine(edge, dt.time(), dt.UTC)
    except OverflowError:
        fail(f"--start {start} and --days {days} reach beyond the dates officekit can store", 2)
    folder = Path(output_dir)
    if folder.exists() and not folder.is_dir():
        fail(f"--output-dir {output_dir!r} is not a folder", 2)
    existing = folder.absolute()
    while not existing.exists():  # made later, once nothing else can refuse the run
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        fail(f"--output-dir {output_dir!r}: cannot make a folder in {str(existing)!r}", 2)
    if db == SIMULATION_URL:
        for suffix in ("", "-wal", "-shm"):
            Path(f"officekit-simulation.db{suffix}").unlink(missing_ok=True)
    prof = load_profile(profile)
    clock = ManualClock(dt.datetime.combine(first_day, dt.time(6), prof.office.tz))
    with Office.open(db, profile=profile, clock=clock, key="simulation") as office:
        _check_days_are_free(office, first_day)
        try:
            folder.mkdir(parents=True, exist_ok=True)  # made if it is not there yet
        except OSError as exc:
            fail(f"--output-dir {output_dir!r}: cannot make the folder: {exc.strerror}", 2)
        report = simulate(
            office,
            days=days,
            seed=seed,
            start=first_day,
            clock=clock,
            progress=None if fmt == "json" else _print_safe,
            output_dir=folder,
        )
    if fmt == "json":
        from officekit.core.convert import converter

        out.print_json(json.dumps(converter.unstructure(report)))
        return
    for line in summarise(report):
        out.print(safe(line))


def _check_days_are_free(office: Any, first_day: dt.date) -> None:
    """Refuse to simulate over days the store already has events for (nothing is written).

    A second simulation of the same days would meet the first one's records half-way
    (the same payment keys, the same cheques): it is refused before it starts.
    """
    import sqlalchemy as sa

    from officekit.core.store import events

    with office.engine.connect() as conn:
        last = conn.execute(
            sa.select(sa.func.max(events.c.occurred_at)).where(events.c.office_id == office.id)
        ).scalar()
    begin = dt.datetime.combine(first_day, dt.time(), office.profile.office.tz)
    if last is not None and last >= begin:
        day = last.astimezone(office.profile.office.tz).date()
        fail(
            f"the store already holds the simulation's events up to {day}: give a fresh --db, "
            f"or a --start after {day}",
            1,
        )


def _print_safe(line: str) -> None:
    out.print(safe(line))


_commands_added = False
_command: Any = None  # the command line, built once with the plugins' commands


def get_app() -> typer.Typer:
    """Return the root application with every plugin's commands added (once).

    The plugins are the built-in and installed ones, less those
    ``OFFICEKIT_DISABLE_PLUGINS`` blocks; a profile's own ``plugin.py`` adds no
    commands (no profile is known when the command line starts).
    """
    global _commands_added, _command
    if not _commands_added:
        from officekit.core.plugins import PluginHost, get_plugin_manager

        commands, groups = list(app.registered_commands), list(app.registered_groups)
        try:
            _command, left_out = PluginHost(get_plugin_manager()).register_commands(app)
        except BaseException:  # as it was: the next call meets the failure again
            app.registered_commands[:], app.registered_groups[:] = commands, groups
            raise
        _commands_added = True
        for plugin, exc in left_out:
            err.print(
                safe(
                    f"warning: plugin {plugin!r} failed to add its commands, which are left "
                    f"out: {exc!r:.300}",
                    style="yellow",
                )
            )
    return app


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; officekit's errors (and the system's) become a message and exit status 1."""
    args = sys.argv[1:] if argv is None else argv
    for i, arg in enumerate(args):  # no shell passes one: only a caller in this process can
        if "\x00" in arg:
            before = args[i - 1] if i and args[i - 1].startswith("-") else f"argument {i + 1}"
            err.print(Text.assemble(("error:", "red"), " ", safe(f"{before}: a NUL character")))
            sys.exit(2)
    if args[:1] == ["--version"]:  # answered before any plugin is loaded to add its commands
        out.print(f"officekit {__version__}")
        sys.exit(0)
    try:
        get_app()
        return _command(args=argv, standalone_mode=True)
    except ProfileError as exc:
        err.print(safe("error: the profile has problems:", style="red"))
        for problem in exc.problems:
            err.print(safe(f"  {problem}"))
        sys.exit(1)
    except OfficekitError as exc:
        err.print(Text.assemble(("error:", "red"), " ", safe(exc, multiline=True)))
        sys.exit(1)
    except OSError as exc:  # the system refused: a name too long, no permission, a full disk
        where = f" ({exc.filename})" if exc.filename is not None else ""
        err.print(Text.assemble(("error:", "red"), " ", safe(f"{exc.strerror or exc}{where}")))
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
