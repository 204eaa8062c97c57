"""Start-up: what ``import officekit``, ``officekit --version``/``--help`` and a reopen load and do.

Not timed (``benchmarks/startup.py`` times them): these check what makes them fast.
Importing officekit or asking the command for its version or help loads neither
SQLAlchemy nor Alembic; opening a store already at every head imports no Alembic
and logs nothing; reopening an office writes nothing, so a writer holding the
lock does not hold up an ``Office.open``; entry points are read once.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import officekit
from officekit import ManualClock, Office
from officekit.core.plugins import (
    ENTRY_POINT_GROUP,
    clear_entry_point_cache,
    entry_points,
    get_plugin_manager,
)
from officekit.core.profile import PROFILE_ENTRY_POINT_GROUP, available_profiles
from officekit.core.store import KERNEL_MIGRATIONS, _history, _script, offices
from officekit.plugins.reception.tables import MIGRATIONS as RECEPTION_MIGRATIONS

HEAVY = ("sqlalchemy", "alembic")


def loaded_after(code: str, cwd: Path | None = None) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; return which HEAVY modules it loaded, and more."""
    script = (
        "import json, sys\n"
        "result = {}\n"
        f"{code}\n"
        f"result['loaded'] = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print('\\n' + json.dumps(result))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_import_officekit_loads_no_store() -> None:
    result = loaded_after("import officekit\nfrom officekit import hookimpl, OfficekitError")
    assert result["loaded"] == []


def test_a_public_name_is_loaded_on_first_use() -> None:
    result = loaded_after("from officekit import Office")
    assert result["loaded"] == ["sqlalchemy"]  # the store, not Alembic: no migration ran


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_load_no_store(option: str) -> None:
    code = (
        "from officekit.cli import main\n"
        f"try:\n    main([{option!r}])\n"
        "except SystemExit as exc:\n    result['code'] = exc.code\n"
    )
    result = loaded_after(code)
    assert result["code"] in (0, None)
    assert result["loaded"] == []


def test_help_still_lists_the_plugins_commands() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "officekit", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    for command in ("init", "staff", "audit", "calls", "visitors", "ask"):
        assert f" {command} " in proc.stdout


def test_every_public_name_resolves_and_is_listed() -> None:
    listed = dir(officekit)
    for name in officekit.__all__:
        assert name in listed
        assert getattr(officekit, name) is not None
    assert officekit.Office is Office
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        officekit.Nothing  # noqa: B018


def test_the_cli_defaults_are_the_stores_and_the_simulations() -> None:
    from officekit import cli
    from officekit.core.store import DEFAULT_URL
    from officekit.simulate import DEFAULT_START

    assert cli.DEFAULT_URL == DEFAULT_URL
    assert DEFAULT_START.isoformat() == cli.DEFAULT_START


# -- migrations known without Alembic --------------------------------------------------------


@pytest.mark.parametrize("migrations", [KERNEL_MIGRATIONS, RECEPTION_MIGRATIONS], ids=str)
def test_the_revision_files_read_without_alembic_agree_with_alembic(migrations: Any) -> None:
    history = _history(migrations.location)
    assert history is not None
    script = _script(migrations.location)
    assert history.head == script.get_current_head()
    assert history.known == {r.revision for r in script.walk_revisions()}


def test_a_revision_file_that_is_not_plain_is_left_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "0001_a.py").write_text('revision = "a"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('revision = "b"\ndown_revision: str | None = "a"\n')
    (tmp_path / "__init__.py").write_text("revision = 'not one'\n")
    history = _history(tmp_path)
    assert history is not None and history.head == "b" and history.known == {"a", "b"}
    (tmp_path / "0003_c.py").write_text('revision = "c" + "x"\ndown_revision = "b"\n')
    _history.cache_clear()
    assert _history(tmp_path) is None  # not a literal: Alembic is asked
    (tmp_path / "0003_c.py").write_text('revision = "c"\ndown_revision = "a"\n')
    _history.cache_clear()
    assert _history(tmp_path) is None  # two heads: Alembic says what is wrong
    _history.cache_clear()


def test_reopening_a_store_at_head_imports_no_alembic(sqlite_url: str, tmp_path: Path) -> None:
    Office.open(sqlite_url, profile="medical").close()
    code = (
        "from officekit import Office\n"
        f"office = Office.open({sqlite_url!r}, profile='medical')\n"
        "office.staff.hire('Anna Conti', roles=['receptionist'])\n"
        "office.close()\n"
    )
    assert loaded_after(code, cwd=tmp_path)["loaded"] == ["sqlalchemy"]


def test_reopening_a_store_at_head_logs_nothing(
    store_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="alembic")
    caplog.set_level(logging.DEBUG, logger="officekit")
    Office.open(store_url, profile="medical", clock=clock).close()
    assert any(r.name.startswith("alembic") for r in caplog.records)  # it did migrate
    caplog.clear()
    Office.open(store_url, profile="medical", clock=clock).close()
    assert caplog.records == []


# -- reopening writes nothing ----------------------------------------------------------------


@contextmanager
def write_lock_held(url: str, key: str) -> Iterator[None]:
    """Hold what a writer holds, from another connection: the SQLite write lock, or the row."""
    if url.startswith("sqlite"):
        raw = sqlite3.connect(sa.make_url(url).database or "", isolation_level=None)
        try:
            raw.execute("BEGIN IMMEDIATE")
            yield
        finally:
            raw.execute("ROLLBACK")
            raw.close()
        return
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            conn.exec_driver_sql(
                "SELECT id FROM offices WHERE key = %(key)s FOR UPDATE", {"key": key}
            )
            try:
                yield
            finally:
                transaction.rollback()
    finally:
        engine.dispose()


def open_in_thread(opener: Callable[[], Office], timeout: float) -> Office | BaseException | None:
    """``opener()`` in a thread: its office (or error), or None if it had not returned in time."""
    outcome: list[Office | BaseException] = []

    def run() -> None:
        try:
            outcome.append(opener())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    return outcome[0] if outcome else None


def test_reopening_an_office_waits_for_no_writer(
    open_office: Callable[..., Office], store_url: str, clock: ManualClock
) -> None:
    first = open_office("medical")
    opened: Office | BaseException | None = None
    with write_lock_held(store_url, first.key):
        opened = open_in_thread(
            lambda: Office.open(store_url, profile="medical", clock=clock), timeout=10
        )
        held_while_open = opened is not None
    if isinstance(opened, Office):
        opened.close()
    assert held_while_open, "Office.open waited for the writer: it wrote to the store"
    assert isinstance(opened, Office), opened
    assert opened.id == first.id


def test_reopening_with_another_name_still_records_it(
    open_office: Callable[..., Office], store_url: str, clock: ManualClock
) -> None:
    first = open_office("medical")
    query = sa.select(offices.c.name).where(offices.c.id == first.id)
    with first.engine.begin() as conn:
        conn.execute(offices.update().where(offices.c.id == first.id).values(name="Old name"))
    with (
        Office.open(store_url, profile="medical", clock=clock) as again,
        again.engine.connect() as conn,
    ):
        assert conn.execute(query).scalar_one() == again.profile.office.name


# -- entry points ----------------------------------------------------------------------------


def test_entry_points_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.metadata.entry_points
    groups: list[str] = []

    def counting(**kwargs: Any) -> Any:
        groups.append(kwargs["group"])
        return real(**kwargs)

    monkeypatch.setattr(importlib.metadata, "entry_points", counting)
    clear_entry_point_cache()
    for _ in range(3):
        get_plugin_manager()
        available_profiles()
    assert sorted(groups) == sorted([ENTRY_POINT_GROUP, PROFILE_ENTRY_POINT_GROUP])
    assert entry_points(ENTRY_POINT_GROUP) is entry_points(ENTRY_POINT_GROUP)
    clear_entry_point_cache()
    entry_points(ENTRY_POINT_GROUP)
    assert groups.count(ENTRY_POINT_GROUP) == 2  # read again once forgotten
    clear_entry_point_cache()
