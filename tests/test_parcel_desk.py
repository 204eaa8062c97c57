"""The parcel desk (``examples/officekit-parcels``): a third-party desk, kept working.

The example is what ``docs/guides/plugins.md`` walks a plugin team through, so
these tests keep every part of it honest, in two ways:

- **in process**: the example's folder is put on ``sys.path`` and its package
  passed to ``Office.open(..., plugins=[officekit_parcels])``: the desk's
  operations, checks, facets, hook and table, on each backend;
- **installed** (``slow``): the example is built as a wheel and pip-installed,
  offline, into a fresh virtual environment that sees this checkout's officekit;
  everything then runs there, in subprocesses, found through the entry point
  alone: ``officekit plugins list``, an office of the example's profile,
  ``officekit parcels waiting``, ``officekit simulate``, and the desk turned off
  by a profile and by ``OFFICEKIT_DISABLE_PLUGINS``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import site
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st

from officekit import (
    ConflictError,
    ManualClock,
    NotFoundError,
    Office,
    PermissionDenied,
    ValidationError,
    check_profile,
    hookimpl,
)
from officekit.core.plugins import DISABLE_ENV

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "officekit-parcels"
PACKAGE = "officekit_parcels"
PARCEL_TABLES = {"parcels", "officekit_version_parcels"}

# -- in process ------------------------------------------------------------------------


@pytest.fixture
def parcels_plugin(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The example's package, imported from its folder (not installed)."""
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    monkeypatch.syspath_prepend(str(EXAMPLE))
    module = importlib.import_module(PACKAGE)
    assert Path(module.__file__ or "").is_relative_to(EXAMPLE)
    yield module
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def write_profile(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.toml").write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """The example's profile (extends medical, grants the parcel operations), in tmp_path."""
    text = (EXAMPLE / "clinic" / "profile.toml").read_text(encoding="utf-8")
    return write_profile(tmp_path / "clinic", text)


class Porters:
    """Implements the hook the parcel desk brings."""

    def __init__(self) -> None:
        self.told: list[Any] = []

    @hookimpl
    def officekit_parcel_signed_for(self, parcel: Any) -> None:
        self.told.append(parcel)


def _table_of(diff: Any) -> str | None:
    """The table an Alembic autogenerate difference is about."""
    op = diff[0] if isinstance(diff, list) else diff
    for part in op[1:]:
        if isinstance(part, sa.Table):
            return part.name
        if isinstance(getattr(part, "table", None), sa.Table):
            return str(part.table.name)
        if isinstance(part, str):
            return part
    return None


def test_sign_for_and_hand_over_are_recorded_operations(
    store_url: str, clock: ManualClock, parcels_plugin: ModuleType, clinic: Path
) -> None:
    from officekit_parcels.desk import PARCEL_DESK, PARCELS, ParcelDesk, ParcelRoom
    from officekit_parcels.tables import metadata

    porters = Porters()
    with Office.open(store_url, profile=clinic, clock=clock, plugins=[parcels_plugin, porters]):
        pass  # opened once: the migration ran
    office = Office.open(store_url, profile=clinic, clock=clock, plugins=[parcels_plugin, porters])
    try:
        # its own table and version table, as its MetaData says
        assert set(sa.inspect(office.engine).get_table_names()) >= PARCEL_TABLES
        with office.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM officekit_version_parcels"))
            assert version.scalars().all() == ["parcels_0001"]
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        assert [d for d in diffs if _table_of(d) == "parcels"] == []

        pat = office.staff.hire("Pat Doyle", roles=["porter"])  # a trainee
        sam = office.staff.hire("Sam Okafor", roles=["porter"], experience_years=2)  # associate
        room = office.facet(PARCELS)
        assert isinstance(room, ParcelRoom) and office.parcels is room
        with office.desk(pat) as desk:
            parcels = desk.facet(PARCEL_DESK)  # typed: a ParcelDesk
            assert isinstance(parcels, ParcelDesk) and desk.parcels is parcels
            first = parcels.sign_for("dhl", "1z 999 aa1", department="reception")
            assert (first.carrier, first.tracking) == ("DHL", "1Z999AA1")
            assert first.recipient_department == "reception" and first.signed_by == pat.id
            assert porters.told == [first]
            with pytest.raises(PermissionDenied, match="high-value parcel needs level"):
                parcels.sign_for("UPS", "UP-0001", person=sam, high_value=True)
            with pytest.raises(ConflictError, match="already signed for"):
                parcels.sign_for("DHL", "1Z999AA1", department="triage")
            with pytest.raises(ValidationError) as info:
                parcels.sign_for("Parcelforce", "PF-0001", department="reception")
            assert [p.where for p in info.value.problems] == ["carrier"]
        with office.desk(sam) as desk:
            second = desk.parcels.sign_for("UPS", "UP-0001", person=pat, high_value=True)
        assert [p.id for p in room.waiting()] == [first.id, second.id]
        assert room.overdue() == []
        clock.advance(days=2, minutes=1)  # collect_within_days = 2
        assert [p.id for p in room.overdue()] == [first.id, second.id]

        with office.desk(pat) as desk:
            handed = desk.parcels.hand_over(first.id)
            assert handed.collected_at == clock.now() and handed.handed_over_by == pat.id
            with pytest.raises(ConflictError, match="already handed over"):
                desk.parcels.hand_over(first.id)
            with pytest.raises(NotFoundError):
                desk.parcels.hand_over(first.id + 100)
        assert [p.id for p in room.waiting()] == [second.id]
        assert [p.id for p in room.overdue()] == [second.id]

        events = office.events(operation="parcels.")
        assert [(e.operation, e.outcome, e.subject) for e in events] == [
            ("parcels.sign_for", "ok", "DHL 1Z999AA1"),
            ("parcels.sign_for", "denied", "UPS UP-0001"),
            ("parcels.sign_for", "ok", "UPS UP-0001"),
            ("parcels.hand_over", "ok", "DHL 1Z999AA1"),
        ]
        assert events[0].detail == {
            "carrier": "DHL",
            "tracking": "1Z999AA1",
            "department": "reception",
            "high_value": False,
            "parcel": first.id,
        }
        assert events[1].detail["decided_by"] == "parcels"
        assert events[3].detail == {"parcel": first.id, "waited_hours": 48.0}
        assert office.verify_audit().ok
    finally:
        office.close()


WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.text(alphabet=" \t\n", max_size=3),  # blank
)
"""What is not a carrier's name nor a tracking number."""


def test_bad_input_to_sign_for_is_refused_and_writes_nothing(
    sqlite_url: str, clock: ManualClock, parcels_plugin: ModuleType, clinic: Path
) -> None:
    from officekit_parcels.desk import PARCEL_DESK
    from officekit_parcels.tables import parcels

    with Office.open(sqlite_url, profile=clinic, clock=clock, plugins=[parcels_plugin]) as office:
        pat = office.staff.hire("Pat Doyle", roles=["porter"])
        before = office.events()

        @given(
            st.one_of(
                st.tuples(WRONG, st.one_of(WRONG, st.just("1Z999AA1"))),
                st.tuples(st.just("DHL"), WRONG),
            )
        )
        def check(args: tuple[Any, Any]) -> None:
            carrier, tracking = args
            with office.desk(pat) as desk, pytest.raises(ValidationError) as info:
                desk.facet(PARCEL_DESK).sign_for(carrier, tracking, department="reception")
            wheres = {p.where for p in info.value.problems}
            expected = {"carrier"} if carrier != "DHL" else set()
            expected |= {"tracking"} if tracking != "1Z999AA1" else set()
            assert wheres == expected
            with office.engine.connect() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(parcels)).scalar() == 0
            assert office.events() == before

        check()


@pytest.mark.parametrize("wrong", ["7", 7.0, True, None])
def test_hand_over_needs_a_parcels_id(
    sqlite_url: str, clock: ManualClock, parcels_plugin: ModuleType, clinic: Path, wrong: Any
) -> None:
    with Office.open(sqlite_url, profile=clinic, clock=clock, plugins=[parcels_plugin]) as office:
        pat = office.staff.hire("Pat Doyle", roles=["porter"])
        with office.desk(pat) as desk, pytest.raises(ValidationError) as info:
            desk.parcels.hand_over(wrong)
        assert [p.where for p in info.value.problems] == ["parcel_id"]
        assert office.events(operation="parcels.") == []


def test_the_parcels_section_is_checked_with_the_profile(
    tmp_path: Path, parcels_plugin: ModuleType
) -> None:
    folder = write_profile(
        tmp_path / "bad",
        """
        extends = "medical"

        [parcels]
        carriers = ["DHL", "dhl", " "]
        collect_within_days = 0
        high_value_min_level = "boss"
        """,
    )
    problems = check_profile(folder, plugins=[parcels_plugin])
    found = {p.where.split(": ", 1)[1]: p.what for p in problems}
    assert found == {
        "parcels.high_value_min_level": (
            "no level named 'boss' (known: trainee, associate, senior, lead)"
        ),
        "parcels.collect_within_days": "expected a number of days >= 1, got 0",
        "parcels.carriers[1]": "carrier 'dhl' is listed twice",
        "parcels.carriers[2]": "a carrier's name cannot be blank",
    }
    assert all(p.where.startswith(str(folder / "profile.toml")) for p in problems)


# -- installed, in a virtual environment of its own ------------------------------------------


def _can_build_offline() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("build", "hatchling", "pip"))


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv with officekit-parcels pip-installed from its wheel, offline."""
    if not _can_build_offline():
        pytest.skip("building the example needs build, hatchling and pip, importable here")
    work = tmp_path_factory.mktemp("parcels-venv")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", "dist", EXAMPLE],
        cwd=work,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (work / "dist").glob("officekit_parcels-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    python = venv / "bin" / "python"
    # The new venv sees this one's packages (officekit, editable, and its dependencies).
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    lines = [f"import site; site.addsitedir({p!r})\n" for p in parents]
    (Path(purelib) / "_officekit_checkout.pth").write_text("".join(lines), encoding="utf-8")
    pip = [python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps"]
    subprocess.run([*pip, "--disable-pip-version-check", wheel], check=True, timeout=300)
    return python


def run(python: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``python *args`` in the venv; it must succeed and write nothing on stderr."""
    environ = {k: v for k, v in os.environ.items() if k != DISABLE_ENV}
    environ.update({"COLUMNS": "200", **(env or {})})
    done = subprocess.run(
        [python, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "", done.stderr  # no error, no warning, nothing logged
    return done.stdout


def officekit(python: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    return run(python, "-m", "officekit", *args, cwd=cwd, env=env)


USE_THE_DESK = """
import datetime as dt, json, sys
import sqlalchemy as sa
from officekit import ManualClock, Office
from officekit_parcels.desk import PARCEL_DESK

url, profile = sys.argv[1:]
clock = ManualClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
with Office.open(url, profile=profile, clock=clock) as office:
    with office.engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        version = conn.execute(sa.text("SELECT version_num FROM officekit_version_parcels"))
        version = version.scalar_one()
    pat = office.staff.hire("Pat Doyle", roles=["porter"])
    with office.desk(pat) as desk:
        first = desk.facet(PARCEL_DESK).sign_for("DHL", "1Z 999 AA1", department="reception")
        desk.parcels.sign_for("Royal Mail", "RM-0002", person=pat)
        waiting = [p.tracking for p in office.parcels.waiting()]
        desk.parcels.hand_over(first.id)
    print(json.dumps({
        "module": sys.modules["officekit_parcels"].__file__,
        "tables": tables,
        "version": version,
        "waiting": waiting,
        "still_waiting": [p.tracking for p in office.parcels.waiting()],
        "events": [[e.operation, e.outcome, e.subject] for e in office.events()
                   if e.operation.startswith("parcels.")],
        "sections": sorted(office.profile.sections),
    }))
"""

LOOK_AROUND = """
import json, sys
import sqlalchemy as sa
from officekit import Office

url, profile = sys.argv[1:]
with Office.open(url, profile=profile) as office:
    member = office.staff.hire("Pat Doyle", roles=["porter"])
    with office.desk(member) as desk:
        has_desk = hasattr(desk, "parcels")
    print(json.dumps({
        "tables": sa.inspect(office.engine).get_table_names(),
        "sections": sorted(office.profile.sections),
        "office_facets": sorted(office.office_facets),
        "desk_facets": sorted(office.desk_facets),
        "has_desk": has_desk,
        "operations": sorted(op for op in office.operations if op.startswith("parcels.")),
        "plugins": {i.name: i.source for i in office.plugins.describe()},
        "may_note": office.kernel.decide(member, office.operations["desk.note"]).allowed,
    }))
"""


@pytest.mark.slow
def test_the_installed_desk_is_listed(venv_python: Path, tmp_path: Path) -> None:
    listed = json.loads(officekit(venv_python, "plugins", "list", "--format", "json", cwd=tmp_path))
    (parcels,) = [p for p in listed if p["name"] == "parcels"]
    assert parcels["source"] == "entry point (officekit-parcels 0.1.0)"
    assert set(parcels["hooks"]) == {
        "officekit_addhooks",
        "officekit_register_commands",
        "officekit_register_facets",
        "officekit_register_migrations",
        "officekit_register_operations",
        "officekit_register_profile_sections",
        "officekit_register_simulation_steps",
    }
    text = officekit(venv_python, "plugins", "list", cwd=tmp_path)
    assert "entry point (officekit-parcels 0.1.0)" in text


@pytest.mark.slow
def test_the_installed_desk_works_in_an_office(
    venv_python: Path, tmp_path: Path, store_url: str, clinic: Path
) -> None:
    script = tmp_path / "use_the_desk.py"
    script.write_text(USE_THE_DESK, encoding="utf-8")
    found = json.loads(run(venv_python, str(script), store_url, str(clinic), cwd=tmp_path))
    assert "site-packages" in found["module"]  # the installed copy, not the example's folder
    assert set(found["tables"]) >= PARCEL_TABLES
    assert found["version"] == "parcels_0001"
    assert "parcels" in found["sections"]
    assert found["waiting"] == ["1Z999AA1", "RM-0002"]
    assert found["still_waiting"] == ["RM-0002"]
    assert found["events"] == [
        ["parcels.sign_for", "ok", "DHL 1Z999AA1"],
        ["parcels.sign_for", "ok", "Royal Mail RM-0002"],
        ["parcels.hand_over", "ok", "DHL 1Z999AA1"],
    ]

    text = officekit(venv_python, "parcels", "waiting", "--db", store_url, cwd=tmp_path)
    assert "Parcels waiting" in text
    row = next(line for line in text.splitlines() if "RM-0002" in line)
    assert "Royal Mail" in row and "Pat Doyle" in row and "OVERDUE" in row  # by today's clock
    assert "1 parcel(s) waiting, 1 overdue" in text
    rows = json.loads(
        officekit(
            venv_python, "parcels", "waiting", "--db", store_url, "--format", "json", cwd=tmp_path
        )
    )
    assert [(r["tracking"], r["for"], r["overdue"]) for r in rows] == [
        ("RM-0002", "Pat Doyle", True)
    ]


@pytest.mark.slow
def test_the_installed_desk_takes_part_in_the_simulation(
    venv_python: Path, tmp_path: Path, clinic: Path
) -> None:
    args = ("simulate", "--profile", str(clinic), "--days", "3")
    text = officekit(venv_python, *args, "--db", f"sqlite:///{tmp_path / 'sim.db'}", cwd=tmp_path)
    days = [line for line in text.splitlines() if line.startswith(("Mon ", "Tue ", "Wed "))]
    assert len(days) == 3 and all(" parcels, " in line for line in days), days
    (summary,) = [line for line in text.splitlines() if line.startswith("Parcels: ")]
    assert " signed for, " in summary and " overdue (not collected within 2 day(s))" in summary
    assert "parcels.sign_for ok" in text and "parcels.hand_over ok" in text

    report = json.loads(
        officekit(
            venv_python,
            *args,
            "--format",
            "json",
            "--db",
            f"sqlite:///{tmp_path / 'j.db'}",
            cwd=tmp_path,
        )
    )
    (step,) = [s for s in report["steps"] if s["name"] == "parcels"]
    assert step["data"]["signed_for"] > 0
    assert step["lines"] == [summary]  # same seed, same days: the same simulation


def _assert_turned_off(found: dict[str, Any]) -> None:
    assert not PARCEL_TABLES & set(found["tables"])
    assert "calls" in found["tables"]  # the other desks are there
    assert "parcels" not in found["sections"]
    assert "parcels" not in found["office_facets"]
    assert "parcels" not in found["desk_facets"]
    assert not found["has_desk"]
    assert found["operations"] == []
    assert found["plugins"]["parcels"] == "blocked"
    assert found["may_note"]  # the porter still works the front office


@pytest.mark.slow
def test_a_profile_turns_the_installed_desk_off(
    venv_python: Path, tmp_path: Path, store_url: str, clinic: Path
) -> None:
    # The example's profile as it is ([parcels] settings, the parcels responsibility
    # granting its operations, the porter's role), with the desk turned off.
    off = write_profile(
        tmp_path / "clinic-off",
        """
        extends = "../clinic"
        name = "clinic-off"

        [plugins]
        disable = ["parcels"]
        """,
    )
    script = tmp_path / "look_around.py"
    script.write_text(LOOK_AROUND, encoding="utf-8")
    found = json.loads(run(venv_python, str(script), store_url, str(off), cwd=tmp_path))
    _assert_turned_off(found)
    # The command is still there (no profile is known when the command line
    # starts); the office it opens has no parcel desk, and says so.
    done = subprocess.run(
        [venv_python, "-m", "officekit", "parcels", "waiting", "--db", store_url],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != DISABLE_ENV},
    )
    assert done.returncode == 1
    assert "no office facet 'parcels' in this office" in done.stderr


@pytest.mark.slow
def test_the_environment_turns_the_installed_desk_off(
    venv_python: Path, tmp_path: Path, store_url: str, clinic: Path
) -> None:
    env = {DISABLE_ENV: "parcels"}
    script = tmp_path / "look_around.py"
    script.write_text(LOOK_AROUND, encoding="utf-8")
    found = json.loads(run(venv_python, str(script), store_url, str(clinic), cwd=tmp_path, env=env))
    _assert_turned_off(found)
    listed = json.loads(
        officekit(venv_python, "plugins", "list", "--format", "json", cwd=tmp_path, env=env)
    )
    assert {p["name"]: p["source"] for p in listed}["parcels"] == "blocked"
    done = subprocess.run(
        [venv_python, "-m", "officekit", "parcels", "waiting"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    assert done.returncode == 2 and "No such command 'parcels'" in done.stderr


def test_the_example_profile_is_the_one_the_guide_shows() -> None:
    guide = (ROOT / "docs" / "guides" / "plugins.md").read_text(encoding="utf-8")
    assert '--8<-- "examples/officekit-parcels/clinic/profile.toml"' in guide
