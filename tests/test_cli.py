"""End to end: the ``officekit`` command driven as a user would, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.test_events import tamper

import officekit
from officekit.core.store import events


def run(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "officekit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_version(tmp_path: Path) -> None:
    assert run("--version", cwd=tmp_path).stdout.strip() == f"officekit {officekit.__version__}"


def test_profiles_list_and_show(tmp_path: Path) -> None:
    listing = run("profiles", "list", cwd=tmp_path).stdout
    for name in ("medical", "legal", "education", "smallbusiness"):
        assert name in listing
    shown = json.loads(run("profiles", "show", "medical", "--format", "json", cwd=tmp_path).stdout)
    assert shown["name"] == "medical"
    assert "receptionist" in shown["roles"]
    text = run("profiles", "show", "legal", cwd=tmp_path).stdout
    assert "Departments" in text and "Roles" in text


def test_profiles_validate(tmp_path: Path) -> None:
    assert "valid" in run("profiles", "validate", "medical", cwd=tmp_path).stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "profile.toml").write_text(
        'extends = "medical"\nbogus = 1\n[office]\ncurrency = "XXY"\n'
        '[responsibilities.front_office]\noperations = ["desk.fly"]\n'
    )
    proc = run("profiles", "validate", "bad", cwd=tmp_path, ok=False)
    assert proc.returncode == 1
    assert "3 problem(s)" in proc.stderr
    assert "bad/profile.toml: bogus: unknown key" in proc.stderr
    assert "bad/profile.toml: office.currency" in proc.stderr
    assert "bad/profile.toml: responsibilities.front_office.operations[0]" in proc.stderr


def test_bad_format_option(tmp_path: Path) -> None:
    proc = run("profiles", "show", "medical", "--format", "yaml", cwd=tmp_path, ok=False)
    assert proc.returncode == 2 and "--format" in proc.stderr


def test_init_hire_list(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    assert "ready" in run("init", "--db", db, "--profile", "legal", cwd=tmp_path).stdout
    hired = run(
        "staff", "hire", "Ada Lovelace", "--role", "receptionist", "--role", "clerk",
        "--experience", "5", "--db", db, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert "Hired Ada Lovelace (id 1): clerk, receptionist, level senior" in hired
    listed = json.loads(run("staff", "list", "--db", db, "--format", "json", cwd=tmp_path).stdout)
    assert [(m["name"], m["level"]) for m in listed] == [("Ada Lovelace", "senior")]


def test_bad_input_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    run("init", "--db", db, "--profile", "medical", cwd=tmp_path)
    proc = run("staff", "hire", "X", "--role", "astronaut", "--db", db, cwd=tmp_path, ok=False)
    assert proc.returncode == 1
    assert "roles[0]" in proc.stderr and "astronaut" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run("init", "--db", db, "--profile", "nope", cwd=tmp_path, ok=False)
    assert proc.returncode == 1 and "no profile named 'nope'" in proc.stderr


def test_audit_verify_names_the_first_broken_event(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'sim.db'}"
    run("simulate", "--profile", "smallbusiness", "--days", "2", "--db", db, cwd=tmp_path)
    assert "chain intact" in run("audit", "verify", "--db", db, cwd=tmp_path).stdout
    engine = sa.create_engine(db)
    tamper(engine, events.update().where(events.c.seq == 7).values(subject="forged"))
    engine.dispose()
    proc = run("audit", "verify", "--db", db, cwd=tmp_path, ok=False)
    assert proc.returncode == 1
    assert "chain broken at event 7" in proc.stderr


def test_audit_verify_on_a_missing_store(tmp_path: Path) -> None:
    proc = run(
        "audit", "verify", "--db", f"sqlite:///{tmp_path / 'none.db'}", cwd=tmp_path, ok=False
    )
    assert proc.returncode == 1 and "no officekit store" in proc.stderr
    assert not (tmp_path / "none.db").exists()  # a mistyped path creates nothing


@pytest.mark.parametrize("profile", ["medical", "legal", "education", "smallbusiness"])
def test_simulate_same_seed_same_result(tmp_path: Path, profile: str) -> None:
    args = ("simulate", "--profile", profile, "--days", "3", "--seed", "7", "--format", "json")
    first = json.loads(run(*args, cwd=tmp_path).stdout)
    second = json.loads(run(*args, cwd=tmp_path).stdout)
    assert first == second
    assert first["days"] == 3 and first["shifts"] > 0
    assert first["audits"] == first["audits_ok"]
    other = json.loads(run(*args[:-4], "--seed", "8", "--format", "json", cwd=tmp_path).stdout)
    assert other != first
    assert (tmp_path / "officekit-simulation.db").exists()


def test_simulate_default_text_output(tmp_path: Path) -> None:
    out = run("simulate", "--profile", "medical", "--days", "5", cwd=tmp_path).stdout
    assert "Simulated 5 day(s) of profile 'medical'" in out
    assert "Shifts worked:" in out and "desk.note ok:" in out
    assert (
        "chain intact"
        in run("audit", "verify", "--db", "sqlite:///officekit-simulation.db", cwd=tmp_path).stdout
    )


def test_simulate_into_a_store_that_has_those_days_is_refused_before_it_starts(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'kept.db'}"
    args = ("simulate", "--profile", "medical", "--days", "1", "--db", db)
    run(*args, "--output-dir", "reports/first", cwd=tmp_path)  # a folder made as needed
    assert (tmp_path / "reports" / "first" / "officekit-review.html").is_file()
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
    again = run(*args, "--output-dir", "reports/second", cwd=tmp_path, ok=False)
    assert again.returncode == 1 and "already holds the simulation's events" in again.stderr
    assert "Traceback" not in again.stderr + again.stdout
    with engine.connect() as conn:
        after = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
    engine.dispose()
    assert after == before and not (tmp_path / "reports" / "second").exists()
    later = run(*args, "--start", "2026-02-02", "--output-dir", "reports/first", cwd=tmp_path)
    assert "Simulated 1 day(s)" in later.stdout


def test_simulate_refuses_an_output_dir_it_cannot_make_before_making_the_store(
    tmp_path: Path,
) -> None:
    (tmp_path / "afile").write_text("not a folder")
    db = tmp_path / "t.db"
    proc = run(
        "simulate", "--days", "1", "--db", f"sqlite:///{db}", "--output-dir", "afile/sub",
        cwd=tmp_path, ok=False,
    )  # fmt: skip
    assert proc.returncode == 2 and "--output-dir" in proc.stderr
    assert not db.exists()


def test_plugins_list(tmp_path: Path) -> None:
    out = run("plugins", "list", cwd=tmp_path).stdout
    assert "officekit.plugins.kernel" in out and "builtin" in out


def test_brackets_in_input_are_shown_not_parsed(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    run("init", "--db", db, "--profile", "medical", cwd=tmp_path)
    proc = run(
        "staff", "hire", "Ann", "--role", "[/receptionist]", "--db", db, cwd=tmp_path, ok=False
    )
    assert proc.returncode == 1 and "[/receptionist]" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("this is not SQLite")
    for args in (("staff", "list"), ("audit", "verify")):
        proc = run(*args, "--db", f"sqlite:///{junk}", cwd=tmp_path, ok=False)
        assert proc.returncode == 1, args
        assert "cannot open the database" in proc.stderr and "Traceback" not in proc.stderr


def test_calls_stats_far_future(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    run("init", "--db", db, "--profile", "medical", cwd=tmp_path)
    proc = run("calls", "stats", "--db", db, "--to", "9999-12-31", cwd=tmp_path, ok=False)
    assert proc.returncode == 2 and "too far in the future" in proc.stderr


def test_calls_route_and_ask(tmp_path: Path) -> None:
    out = run(
        "calls", "route", "I need to move my appointment", "--profile", "medical",
        "--at", "2026-11-26T19:30", cwd=tmp_path,
    ).stdout  # fmt: skip
    assert "closed at Thu 19:30" in out
    urgent = run("calls", "route", "my father has chest pain", "--profile", "medical", cwd=tmp_path)
    assert "URGENT" in urgent.stdout and "999" in urgent.stdout
    answer = json.loads(
        run("ask", "when are you open on Saturday?", "--profile", "medical", "--format", "json",
            cwd=tmp_path).stdout
    )  # fmt: skip
    assert answer["answered"] and answer["entry_id"] == "opening-hours"
    assert run("calls", "route", "x", cwd=tmp_path, ok=False).returncode == 2


def test_init_switches_profile_only_when_asked(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    run("init", "--db", db, "--profile", "medical", cwd=tmp_path)
    args = ("init", "--db", db, "--profile", "legal", "--office", "medical")
    refused = run(*args, cwd=tmp_path, ok=False)
    assert refused.returncode == 1 and "--change-profile" in refused.stderr
    assert "profile 'legal'" in run(*args, "--change-profile", cwd=tmp_path).stdout
