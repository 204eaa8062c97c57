"""Bad input on the command line: an ``error: ...`` line and an exit status, never a traceback.

Also: data is shown as it is, never obeyed: control characters in a name reach
the terminal escaped (``\\x1b``), in every text output, and exact in JSON.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from officekit import ManualClock, Office
from officekit.cli import get_app, main, safe
from officekit.core.store import make_engine, missing_sqlite_file, staff
from officekit.errors import ProfileError, StoreError
from officekit.plugins.reception.tables import visits


@attrs.frozen
class Outcome:
    code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(*args: str) -> Outcome:
    """Run ``officekit ARGS`` in this process as the console script does (``main``)."""
    exception: BaseException | None = None
    code = 0
    with CliRunner().isolation(env={"COLUMNS": "250"}) as (stdout, stderr, _):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception as exc:  # what would have been a traceback
            exception = exc
        sys.stdout.flush()
        sys.stderr.flush()
        out = stdout.getvalue().decode("utf-8", "replace")
        err = stderr.getvalue().decode("utf-8", "replace")
    return Outcome(code, out, err, exception)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m officekit ARGS`` in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "officekit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "250", "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


def assert_error(result: Outcome, code: int, *names: str) -> None:
    """One ``error: ...`` message naming each of ``names``, exit ``code``, no traceback."""
    assert result.exception is None, repr(result.exception)
    assert result.code == code, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error:"), result.stderr
    for name in names:
        assert name in result.stderr, (name, result.stderr)


# -- (a) each case the probe found ---------------------------------------------------


def test_far_past_call_time_is_a_usage_error() -> None:
    result = invoke("calls", "route", "x", "--profile", "medical", "--at", "0001-01-01T00:00+14:00")
    assert_error(result, 2, "--at", "0001-01-01T00:00+14:00")


def test_far_future_call_time_is_a_usage_error() -> None:
    result = invoke("calls", "route", "x", "--profile", "medical", "--at", "9999-12-31T23:59")
    assert_error(result, 2, "--at")


def test_simulation_past_the_last_date_is_a_usage_error(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'sim.db'}"
    assert_error(invoke("simulate", "--start", "9999-12-31", "--db", db), 2, "--start")
    assert_error(invoke("simulate", "--start", "0001-01-01", "--db", db), 2, "--start")
    result = invoke("simulate", "--days", str(2**63), "--db", db)
    assert_error(result, 2, "--days")


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("postgres://u@localhost/db", ["dialect 'postgres'", "postgresql"]),
        ("postgresql+psycopg://u:p@localhost:notaport/db", ["port", "'notaport'"]),
        ("postgresql+nosuchdriver://u@h/db", ["driver 'nosuchdriver'"]),
        ("postgresql+psycopg://u@[::1/db", ["host", "'['"]),
        ("nosuch://x", ["dialect 'nosuch'"]),
        ("", ["not a database URL"]),
        ("sqlite:///a\x00b.db", ["NUL"]),  # refused by main(): no shell passes a NUL
    ],
)
@pytest.mark.parametrize("command", [["audit", "verify"], ["staff", "list"], ["init"]])
def test_bad_database_url(url: str, names: list[str], command: list[str]) -> None:
    assert_error(invoke(*command, "--db", url), 2, "--db", *names)


def test_bad_database_url_on_route_and_simulate() -> None:
    url = "postgresql+psycopg://u:secret@localhost:notaport/db"
    for command in (["calls", "route", "x"], ["simulate"]):
        result = invoke(*command, "--db", url)
        assert_error(result, 2, "--db", "port")
        assert "secret" not in result.stderr  # the password is not shown


def test_bad_url_is_a_store_error_in_the_api() -> None:
    with pytest.raises(StoreError, match="port"):
        make_engine("postgresql+psycopg://u:p@localhost:notaport/db")
    with pytest.raises(StoreError, match="host"):
        missing_sqlite_file("postgresql+psycopg://u@[::1/db")
    with pytest.raises(StoreError, match="dialect 'postgres'"):
        make_engine("postgres://u@localhost/db")
    with pytest.raises(StoreError, match="driver 'nosuchdriver'"):
        missing_sqlite_file("postgresql+nosuchdriver://u@h/db")
    with pytest.raises(StoreError, match="NUL"):
        make_engine("sqlite:///a\x00b.db")
    with pytest.raises(StoreError, match="port"):
        Office.open("postgresql+psycopg://u:p@localhost:notaport/db", profile="medical")


def test_profile_file_not_in_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "profile.toml").write_bytes('name = "Caf\u00e9"\n'.encode("latin-1"))
    result = invoke("profiles", "validate", str(bad / "profile.toml"))
    assert_error(result, 1, "profile.toml", "UTF-8")
    with pytest.raises(ProfileError, match="UTF-8"):
        Office.open(f"sqlite:///{tmp_path / 'o.db'}", profile=bad)
    proc = run("profiles", "validate", "bad/profile.toml", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error:") and "bad/profile.toml" in proc.stderr


def test_bad_url_in_a_subprocess(tmp_path: Path) -> None:
    proc = run("audit", "verify", "--db", "postgres://u@localhost/db", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: --db:")


# -- (c) control characters in data ------------------------------------------------

HOSTILE_STAFF = "Rosa \x1b]0;pwned\x07\x1b[2J[bold]Silva[/bold]"
HOSTILE_VISITOR = "Eve \x1b[31mRed\x9b1;1H\u202eevil\x08"


@pytest.fixture
def hostile_store(tmp_path: Path) -> str:
    """A store whose staff and visitor names hold terminal escape sequences.

    officekit refuses such names now; an older store, or another program
    writing to it, may still hold them, so they are written with SQL.
    """
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    clock = ManualClock(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC))
    with Office.open(url, profile="smallbusiness", clock=clock) as office:
        rosa = office.staff.hire("Rosa Silva", roles=["receptionist"])
        office.staff.hire("Carl Penn", roles=["clerk"])
        with office.desk(rosa) as desk:
            desk.visitors.check_in("Eve", "meeting", host=rosa)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(staff.update().where(staff.c.id == rosa.id).values(name=HOSTILE_STAFF))
        conn.execute(visits.update().values(visitor_name=HOSTILE_VISITOR))
    engine.dispose()
    return url


def assert_shown_escaped(text: str) -> None:
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\x08"):
        assert raw not in text, repr(raw)


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "subprocess"])
def test_control_characters_in_names_are_shown_escaped(
    hostile_store: str, tmp_path: Path, in_process: bool
) -> None:
    def text(*args: str) -> str:
        if in_process:
            result = invoke(*args, "--db", hostile_store)
            assert result.code == 0 and result.exception is None, result.output
            return result.stdout
        proc = run(*args, "--db", hostile_store, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    listed = text("staff", "list")
    assert_shown_escaped(listed)
    assert "Rosa \\x1b]0;pwned\\x07\\x1b[2J[bold]Silva[/bold]" in listed  # markup shown too
    present = text("visitors", "present")
    assert_shown_escaped(present)
    assert "Eve \\x1b[31mRed\\x9b1;1H\\u202eevil\\x08" in present
    assert "\\x1b]0;pwned" in present  # the host's name


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "subprocess"])
def test_control_characters_are_exact_in_json(
    hostile_store: str, tmp_path: Path, in_process: bool
) -> None:
    def output(*args: str) -> str:
        full = (*args, "--db", hostile_store, "--format", "json")
        if in_process:
            result = invoke(*full)
            assert result.code == 0 and result.exception is None, result.output
            return result.stdout
        proc = run(*full, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    listed = output("staff", "list")
    assert_shown_escaped(listed)
    assert [m["name"] for m in json.loads(listed)] == [HOSTILE_STAFF, "Carl Penn"]
    present = output("visitors", "present")
    assert_shown_escaped(present)
    assert [(v["visitor"], v["host"]) for v in json.loads(present)] == [
        (HOSTILE_VISITOR, HOSTILE_STAFF)
    ]


def test_json_keeps_other_characters_readable(hostile_store: str) -> None:
    result = invoke("profiles", "show", "smallbusiness", "--format", "json")
    assert result.code == 0
    assert "\\u00" not in result.stdout  # no needless escapes when nothing is unsafe


def test_safe() -> None:
    assert safe("a\x1bb\x07\x9b\u202e\nz").plain == "a\\x1bb\\x07\\x9b\\u202e\\x0az"
    assert safe("line\nnext\x1b", multiline=True).plain == "line\nnext\\x1b"
    assert safe("[bold]x[/bold]").plain == "[bold]x[/bold]"
    assert safe(42).plain == "42"
    assert safe("ok", style="red").style == "red"
    assert safe("Zoë, 東京, 🙂").plain == "Zoë, 東京, 🙂"


# -- (b) a fuzzer over every command and option -------------------------------------


# Typer builds its commands with the Click it bundles, so they are looked at by
# their attributes (commands, params, param_type_name, type_descriptor), not their class.
Command = Any
Parameter = Any


def leaf_commands() -> list[tuple[tuple[str, ...], Command]]:
    """Every command of the application (plugins' too), with its path."""
    found: list[tuple[tuple[str, ...], Command]] = []

    def walk(path: tuple[str, ...], command: Command) -> None:
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                walk((*path, name), sub)
        else:
            found.append((path, command))

    walk((), typer.main.get_command(get_app()))
    return found


COMMANDS = leaf_commands()

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[2J\x1b]0;title\x07",
    "\x9b31m",
    "\u202etxt",
    "\r\n\t",
    "[bold]x[/bold]",
    "[/]",
    "-",
    "--",
    "--help-not",
    "x" * 5000,
    "é" * 300,
    "🙂",
    "\udcff",
    "../../../..",
    "/",
    "nan",
    "-1",
    "0",
    str(2**63),
    str(10**30),
    "1e309",
    "abc",
]
NUMBERS = ["", "0", "-1", "1", "abc", "1.5", "0x10", str(2**63), str(10**30), "\x00", " 2"]
FLOATS = [*NUMBERS, "nan", "inf", "-inf", "1e309", "-1e308", "5"]
DATES = [
    "",
    "0001-01-01",
    "0001-01-01T00:00+14:00",
    "0001-01-02T00:00-12:00",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    "9999-12-25T12:00",
    "2026-02-30",
    "2026-13-01",
    "2026-03-02T25:00",
    "2026-03-02T10:00+99:00",
    "2026-03-02T10:00Z",
    "20260302",
    "2026-W10-1",
    "yesterday",
    "1969-12-31T23:59",
    "2026-03-02",
]
BAD_URLS = [
    "",
    "postgres://u@localhost/db",
    "postgresql+psycopg://u:p@localhost:notaport/db",
    "postgresql+psycopg://u:p@localhost:99999999/db",
    "postgresql+nosuchdriver://u@h/db",
    "postgresql+psycopg://u@[::1/db",
    "postgresql+psycopg://u@localhost:1/db?connect_timeout=1",
    "postgresql+psycopg://u@localhost:1/db?nosuch=1",
    "mysql://u@localhost/db",
    "nosuch://x",
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///a\x00b.db",
    "sqlite:///\x1b[2J.db",
    "sqlite:///x.db?nosuch=1",
    "sqlite:///x.db?mode=ro&uri=true",
    "sqlite:///file:x.db?mode=ro&uri=true",
    "sqlite://host/x.db",
    "sqlite:////proc/nonexistent/x.db",
    "sqlite:////dev/null",
    "sqlite:///" + "x" * 5000,
    "http://localhost/",
    "://",
    "sqlite:",
]
PROFILES = ["medical", "smallbusiness", "nope", "", "bad", "notutf8", "/", ".", "..", "\x00"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a store (staff and a visitor), a junk file and broken profiles."""
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'store.db'}"
    clock = ManualClock(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC))
    with Office.open(url, profile="smallbusiness", clock=clock) as office:
        rosa = office.staff.hire("Rosa Silva", roles=["receptionist"])
        with office.desk(rosa) as desk:
            desk.visitors.check_in("Eve", "meeting", department="reception")
    (folder / "junk.db").write_text("this is not SQLite")
    (folder / "bad").mkdir()
    (folder / "bad" / "profile.toml").write_text('extends = "bad"\n[office\n')
    (folder / "notutf8").mkdir()
    (folder / "notutf8" / "profile.toml").write_bytes(b'name = "caf\xe9"\n')
    return folder


def db_values(folder: Path) -> st.SearchStrategy[str]:
    local = [
        f"sqlite:///{folder / 'store.db'}",
        f"sqlite:///{folder / 'junk.db'}",
        f"sqlite:///{folder / 'missing.db'}",
        f"sqlite:///{folder / 'new' / 'deeper' / 'o.db'}",
        f"sqlite:///{folder}",
    ]
    return st.sampled_from(local + BAD_URLS)


def values_for(param: Parameter, folder: Path) -> st.SearchStrategy[str]:
    """Hostile (and a few sound) values for one option or argument."""
    name = param.name or ""
    hostile = st.sampled_from(HOSTILE) | st.text(max_size=40)
    if name == "db":
        return db_values(folder) | hostile
    if name in ("at", "start", "end") or "date" in (param.help or "").lower():
        return st.sampled_from(DATES) | hostile
    if name == "profile":
        return st.sampled_from(PROFILES) | hostile
    if name == "fmt":
        return st.sampled_from(["text", "json", "JSON", "", "yaml", "\x1b"])
    if name == "days":  # a valid number of days is small: no simulation runs for long
        return st.sampled_from(["", "0", "-1", "1", "abc", str(2**63), str(10**30), "\x00"])
    annotation = param.type_descriptor.annotation
    if annotation is int:
        return st.sampled_from(NUMBERS) | hostile
    if annotation is float:
        return st.sampled_from(FLOATS) | hostile
    return hostile


@st.composite
def command_lines(
    draw: st.DrawFn, path: tuple[str, ...], command: Command, folder: Path
) -> list[str]:
    args = list(path)
    for param in command.params:
        if param.param_type_name == "argument":
            if draw(st.booleans()) or param.required:
                args.append(draw(values_for(param, folder)))
            continue
        if param.param_type_name != "option" or param.name in ("help", "version"):
            continue
        opt = param.opts[0]
        if param.name == "days":  # always bounded (the default, 5 days, is long)
            args += [opt, draw(values_for(param, folder))]
        elif param.is_flag:
            if draw(st.booleans()):
                args.append(opt)
        elif draw(st.booleans()):
            for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
                args += [opt, draw(values_for(param, folder))]
    if draw(st.integers(0, 9)) == 0:  # now and then, something the command does not take
        args.insert(draw(st.integers(len(path), len(args))), draw(st.sampled_from(HOSTILE)))
    return args


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def test_the_fuzzer_sees_every_command() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    for name in ("staff list", "visitors present", "calls route", "simulate", "audit verify"):
        assert name in paths
    options = {p.name for _, command in COMMANDS for p in command.params}
    assert {"db", "at", "start", "days", "experience", "role", "fmt"} <= options


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_no_traceback_whatever_the_arguments(
    workdir: Path, path: tuple[str, ...], command: Command
) -> None:
    # A quarter of the profile's examples for each of the ~80 commands: thousands of
    # command lines in all, without the suite's time growing by minutes with every desk.
    @settings(max_examples=max(10, settings().max_examples // 4))
    @given(args=command_lines(path, command, workdir))
    def check(args: list[str]) -> None:
        with inside(workdir):
            result = invoke(*args)
        shown = [a if len(a) < 80 else f"{a[:40]}...({len(a)} chars)" for a in args]
        assert result.exception is None, (shown, repr(result.exception)[:500])
        assert "Traceback" not in result.output, (shown, result.output[-2000:])
        assert result.code in (0, 1, 2), (shown, result.code, result.output[-2000:])

    check()


def test_a_url_argument_the_driver_would_ignore_is_a_store_error() -> None:
    from officekit import StoreError
    from officekit.core.store import make_engine

    with pytest.raises(StoreError, match="nosuch"):
        make_engine("sqlite:///x.db?nosuch=1")
