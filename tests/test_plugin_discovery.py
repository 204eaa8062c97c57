"""Plugin and profile discovery through real installed distributions.

The plugins here are not handed to ``pm.register``: each is a tiny project
installed into a folder (``pip install --target``) that is then put on
``sys.path``, so officekit finds it the way it finds any installed plugin:
through the ``officekit`` (plugins) and ``officekit.profiles`` (profiles)
entry-point groups. When no build backend is importable (pip would need the
network to fetch one) the installed form is written by hand instead: the
package plus ``<name>-<version>.dist-info/{METADATA,entry_points.txt}``,
which is what an installer writes for this purpose.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import officekit
from officekit import (
    ManualClock,
    NotFoundError,
    Office,
    Operation,
    PluginError,
    ProfileError,
    cli,
)
from officekit.core.plugins import DISABLE_ENV, PluginInfo, clear_entry_point_cache
from officekit.core.profile import available_profiles
from officekit.plugins.kernel import KERNEL_OPERATIONS

VERSION = "0.1"
KERNEL_PLUGIN = "officekit.plugins.kernel"
PLUGINS_JSON = ("plugins", "list", "--format", "json")
# Modules the tests create; removed from sys.modules after each test so that
# the next test imports its own copy from its own folder.
OWN_MODULE_PREFIXES = ("okit_demo_", "okit_broken_", "officekit_profile_plugin_")

DEMO_PLUGIN = '''
"""A demo officekit plugin, as a third party would ship it."""

import officekit
from officekit import Operation

OPENED = []


@officekit.hookimpl
def officekit_register_operations():
    return [Operation("demo.ping", "Ping")]


@officekit.hookimpl
def officekit_office_opened(office):
    OPENED.append(office.key)
'''

BROKEN_PLUGIN = """
raise RuntimeError("okit_broken_plugin cannot start")
"""

DENTAL_PROFILE = """
extends = "medical"
name = "dental"
description = "A dental studio, shipped as its own distribution."

[office]
name = "Smile Dental Studio"
"""

Installer = Callable[..., Path]


def pip_can_build() -> bool:
    """Tell whether ``pip install --no-build-isolation`` works offline here."""
    return all(importlib.util.find_spec(m) is not None for m in ("pip", "hatchling"))


def _write_project(project: Path, name: str, files: Mapping[str, str], eps: str) -> None:
    for rel, text in files.items():
        target = project / name / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{name}"
            version = "{VERSION}"
            """
        )
        + eps,
        encoding="utf-8",
    )


def install_with_pip(
    site: Path, project: Path, name: str, files: Mapping[str, str], eps: str
) -> None:
    _write_project(project, name, files, eps)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--no-compile",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(project),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )


def install_by_hand(site: Path, name: str, files: Mapping[str, str], eps: str) -> None:
    for rel, text in files.items():
        target = site / name / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    info = site / f"{name}-{VERSION}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {VERSION}\n", encoding="utf-8"
    )
    # The same text as the [project.entry-points.*] tables: section = group.
    text = eps.replace("[project.entry-points.", "[").replace('"', "")
    (info / "entry_points.txt").write_text(text.lstrip(), encoding="utf-8")


@pytest.fixture(autouse=True)
def _clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    yield
    for module in [m for m in sys.modules if m.startswith(OWN_MODULE_PREFIXES)]:
        del sys.modules[module]
    importlib.invalidate_caches()
    clear_entry_point_cache()


def _make_installer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> Installer:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))  # also invalidates importlib's caches

    def install(name: str, files: Mapping[str, str], entry_points: Mapping[str, str]) -> Path:
        """Install distribution ``name`` (version 0.1) holding package ``name``."""
        eps = ""
        for group, spec in entry_points.items():
            ep_name, _, target = (part.strip() for part in spec.partition("="))
            eps += f'\n[project.entry-points."{group}"]\n{ep_name} = "{target}"\n'
        if how == "pip":
            install_with_pip(site, tmp_path / "projects" / name, name, files, eps)
        else:
            install_by_hand(site, name, files, eps)
        importlib.invalidate_caches()
        clear_entry_point_cache()  # entry points are found once per process
        return site / name

    return install


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Installer:
    """Install a distribution into a folder on sys.path, with pip when it can build offline."""
    return _make_installer(tmp_path, monkeypatch, "pip" if pip_can_build() else "by hand")


def invoke_cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """Run ``officekit *args`` and return its output, tables not folded whatever $COLUMNS is."""
    monkeypatch.setattr(cli, "out", Console(width=200, highlight=False, soft_wrap=True))
    result = CliRunner().invoke(cli.app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _info(office: Office, name: str) -> PluginInfo:
    found = [i for i in office.plugins.describe() if i.name == name]
    assert len(found) == 1, office.plugins.describe()
    return found[0]


def _install_demo(install: Installer) -> None:
    install(
        "okit_demo_plugin",
        {"__init__.py": DEMO_PLUGIN},
        {"officekit": "demo = okit_demo_plugin"},
    )


# -- (a) an installed plugin, found through the entry-point group ----------------------------


@pytest.mark.parametrize("how", ["pip", "by hand"])
def test_installed_plugin_is_discovered_through_its_entry_point(
    how: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_url: str,
    clock: ManualClock,
) -> None:
    if how == "pip" and not pip_can_build():
        pytest.skip("no build backend (hatchling) importable: pip would need the network")
    _install_demo(_make_installer(tmp_path, monkeypatch, how))
    assert "okit_demo_plugin" not in sys.modules

    with Office.open(sqlite_url, profile="medical", clock=clock) as office:
        assert office.operations["demo.ping"] == Operation("demo.ping", "Ping")
        assert set(office.operations) >= {op.name for op in KERNEL_OPERATIONS}
        info = _info(office, "demo")
        assert info.source == "entry point (okit_demo_plugin 0.1)"
        assert info.hooks == ("officekit_office_opened", "officekit_register_operations")
        assert not info.blocked
        assert _info(office, KERNEL_PLUGIN).source == "builtin"
        # It was imported from the installed folder, and told the office opened.
        module = sys.modules["okit_demo_plugin"]
        assert Path(module.__file__ or "").is_relative_to(tmp_path / "site")
        assert module.OPENED == ["medical"]

    listed = {p["name"]: p for p in json.loads(invoke_cli(monkeypatch, *PLUGINS_JSON))}
    assert listed["demo"]["source"] == "entry point (okit_demo_plugin 0.1)"
    assert "officekit_register_operations" in listed["demo"]["hooks"]
    assert listed[KERNEL_PLUGIN]["source"] == "builtin"

    text = invoke_cli(monkeypatch, "plugins", "list")
    assert "entry point (okit_demo_plugin 0.1)" in text
    assert any(line.split()[1:2] == ["demo"] for line in text.splitlines()), text


# -- (b) blocking by name ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["demo", " demo , someone_else ", "someone_else,demo"])
def test_a_blocked_installed_plugin_is_not_loaded(
    value: str,
    install: Installer,
    monkeypatch: pytest.MonkeyPatch,
    sqlite_url: str,
    clock: ManualClock,
) -> None:
    _install_demo(install)
    monkeypatch.setenv(DISABLE_ENV, value)
    with Office.open(sqlite_url, profile="medical", clock=clock) as office:
        assert "demo.ping" not in set(office.operations)
        assert "desk.note" in set(office.operations)
        assert _info(office, "demo") == PluginInfo("demo", "blocked", blocked=True)
    assert "okit_demo_plugin" not in sys.modules  # not even imported

    listed = {p["name"]: p for p in json.loads(invoke_cli(monkeypatch, *PLUGINS_JSON))}
    assert listed["demo"]["source"] == "blocked"


def test_blocking_the_builtin_kernel_plugin_turns_its_operations_off(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, clock: ManualClock
) -> None:
    monkeypatch.setenv(DISABLE_ENV, KERNEL_PLUGIN)
    with Office.open(sqlite_url, profile="medical", clock=clock) as office:
        assert "desk.note" not in office.operations  # granted by medical, but turned off
        member = office.staff.hire("Anna Conti", roles=["receptionist"])  # the kernel's own
        with office.desk(member) as desk, pytest.raises(NotFoundError, match=r"desk\.note"):
            desk.note("nobody keeps the log today")
        assert [e.operation for e in office.events()] == ["staff.hire"]


# -- (c) a profile shipped by an installed distribution ---------------------------------------


def test_installed_profile_is_discovered_through_its_entry_point(
    install: Installer, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, clock: ManualClock
) -> None:
    folder = install(
        "okit_demo_profile",
        {"__init__.py": '"""The dental profile."""\n', "profile.toml": DENTAL_PROFILE},
        {"officekit.profiles": "dental = okit_demo_profile"},
    )
    assert (folder / "profile.toml").is_file()
    found = available_profiles()
    assert found["dental"] == "entry point (okit_demo_profile)"
    assert found["medical"] == "shipped"

    with Office.open(sqlite_url, profile="dental", clock=clock) as office:
        assert office.profile.name == "dental"
        assert office.key == "dental"
        assert office.profile.office.name == "Smile Dental Studio"
        assert office.profile.office.timezone == "Europe/London"  # inherited from medical
        assert office.profile.source.files[0] == str((folder / "profile.toml").resolve())
        anna = office.staff.hire("Anna", roles=["receptionist"])
        with office.desk(anna) as desk:
            desk.note("Opened from an installed profile")
    # Reopened without a profile: the stored name is found through the entry point again.
    with Office.open(sqlite_url, clock=clock) as office:
        assert office.profile.office.name == "Smile Dental Studio"

    text = invoke_cli(monkeypatch, "profiles", "list")
    assert "entry point (okit_demo_profile)" in text
    assert "A dental studio" in text


# -- (d) a profile's own plugin.py ---------------------------------------------------------


CLINIC_PLUGIN = """
import officekit
from officekit import Operation


@officekit.hookimpl
def officekit_register_operations():
    return [Operation("records.file", "File a record.")]
"""

CLINIC_PROFILE = """
extends = "medical"

[office]
name = "Hillside Clinic"

[responsibilities.chart_filing]
description = "File the clinic's records."
operations = ["records.file"]
min_level = "trainee"

[roles.clerk]
responsibilities = ["front_office", "chart_filing"]
"""


def test_a_profiles_own_plugin_is_loaded(
    tmp_path: Path, sqlite_url: str, clock: ManualClock
) -> None:
    folder = (tmp_path / "clinic").resolve()  # profiles record resolved paths
    folder.mkdir()
    (folder / "profile.toml").write_text(textwrap.dedent(CLINIC_PROFILE), encoding="utf-8")
    (folder / "plugin.py").write_text(textwrap.dedent(CLINIC_PLUGIN), encoding="utf-8")

    with Office.open(sqlite_url, profile=folder, clock=clock) as office:
        assert office.profile.source.plugins == (str(folder / "plugin.py"),)
        assert "records.file" in set(office.operations)
        info = _info(office, "profile:clinic")
        assert info.source.startswith("profile (")
        assert info.source == f"profile ({folder / 'plugin.py'})"
        assert info.hooks == ("officekit_register_operations",)
        clerk = office.staff.hire("Carl", roles=["clerk"])
        with office.desk(clerk) as desk:
            _, event = desk.perform("records.file", subject="chart 7")
        assert event.operation == "records.file" and event.outcome == "ok"

    # The same profile opened without its plugin: its responsibility names nothing.
    (folder / "plugin.py").unlink()
    with pytest.raises(ProfileError, match=r"responsibilities\.chart_filing\.operations\[0\]"):
        Office.open(sqlite_url, profile=folder, clock=clock)


# -- (e) broken plugins --------------------------------------------------------------------


class _Nonsense:
    @officekit.hookimpl
    def officekit_nonsense(self) -> None:
        raise AssertionError("never called")


def test_a_plugin_with_an_unknown_hook_is_refused_at_open(
    tmp_path: Path, sqlite_url: str, clock: ManualClock
) -> None:
    with pytest.raises(PluginError, match="officekit_nonsense"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[_Nonsense()])
    assert not (tmp_path / "office.db").exists()


def test_an_installed_plugin_with_an_unknown_hook_is_refused_at_open(
    install: Installer, sqlite_url: str, clock: ManualClock
) -> None:
    install(
        "okit_demo_nonsense",
        {
            "__init__.py": """
            import officekit

            @officekit.hookimpl
            def officekit_nonsense():
                pass
            """
        },
        {"officekit": "nonsense = okit_demo_nonsense"},
    )
    with pytest.raises(PluginError, match="officekit_nonsense"):
        Office.open(sqlite_url, profile="medical", clock=clock)


def test_an_installed_plugin_that_fails_to_import_is_a_plugin_error(
    install: Installer, monkeypatch: pytest.MonkeyPatch, sqlite_url: str, clock: ManualClock
) -> None:
    install(
        "okit_broken_plugin",
        {"__init__.py": BROKEN_PLUGIN},
        {"officekit": "broken = okit_broken_plugin"},
    )
    with pytest.raises(PluginError, match="okit_broken_plugin cannot start") as info:
        Office.open(sqlite_url, profile="medical", clock=clock)
    assert isinstance(info.value.__cause__, RuntimeError)
    # Blocking it by name is the way out for an office that must open anyway.
    monkeypatch.setenv(DISABLE_ENV, "broken")
    with Office.open(sqlite_url, profile="medical", clock=clock) as office:
        assert _info(office, "broken").blocked


# -- (f) no global state ---------------------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.opened: list[str] = []

    @officekit.hookimpl
    def officekit_register_operations(self) -> list[Operation]:
        return [Operation("recorder.mark", "Mark.")]

    @officekit.hookimpl
    def officekit_office_opened(self, office: Office) -> None:
        self.opened.append(office.key)


def test_each_office_has_its_own_plugin_manager(sqlite_url: str, clock: ManualClock) -> None:
    recorder = _Recorder()
    with (
        Office.open(
            sqlite_url, profile="medical", key="north", clock=clock, plugins=[recorder]
        ) as north,
        Office.open(sqlite_url, profile="medical", key="south", clock=clock) as south,
    ):
        assert north.plugins is not south.plugins
        assert north.plugins.pm is not south.plugins.pm
        assert north.plugins.pm.is_registered(recorder)
        assert not south.plugins.pm.is_registered(recorder)
        assert "recorder.mark" in set(north.operations)
        assert "recorder.mark" not in set(south.operations)
        assert [i.source for i in north.plugins.describe() if i.name == "_Recorder"] == ["argument"]
        assert not [i for i in south.plugins.describe() if i.name == "_Recorder"]
        assert recorder.opened == ["north"]
        # The builtin module is shared (it is a module), its registration is not.
        assert north.plugins.pm.get_plugin(KERNEL_PLUGIN) is south.plugins.pm.get_plugin(
            KERNEL_PLUGIN
        )
        south.plugins.pm.unregister(name=KERNEL_PLUGIN)
        assert north.plugins.pm.has_plugin(KERNEL_PLUGIN)


def test_an_operation_no_plugin_registered_is_not_in_the_registry(sqlite_office: Office) -> None:
    assert "demo.ping" not in sqlite_office.operations
    assert sqlite_office.operations.get("demo.ping") is None


def test_a_plugin_with_a_wrong_argument_is_a_plugin_error(sqlite_url: str) -> None:
    class Wrong:
        @officekit.hookimpl
        def officekit_staff_hired(self, office: object, nobody: object) -> None:
            pass

    with pytest.raises(officekit.PluginError, match=r"passed to Office\.open"):
        Office.open(sqlite_url, profile="medical", plugins=[Wrong()])


def test_the_same_plugin_twice_is_a_plugin_error(sqlite_url: str) -> None:
    class Twice:
        __name__ = "twice"

    with pytest.raises(officekit.PluginError, match="twice"):
        Office.open(sqlite_url, profile="medical", plugins=[Twice(), Twice()])


def test_profiles_in_folders_of_the_same_name_each_load_their_plugin(
    tmp_path: Path, sqlite_url: str
) -> None:
    plugin = (
        "import officekit\n"
        "from officekit import Operation\n"
        "@officekit.hookimpl\n"
        "def officekit_register_operations():\n"
        "    return [Operation('{op}', 'x')]\n"
    )
    base = tmp_path / "a" / "clinic"
    base.mkdir(parents=True)
    (base / "profile.toml").write_text('extends = "medical"\n')
    (base / "plugin.py").write_text(plugin.format(op="base.op"))
    child = tmp_path / "b" / "clinic"
    child.mkdir(parents=True)
    (child / "profile.toml").write_text('extends = "../../a/clinic"\n')
    (child / "plugin.py").write_text(plugin.format(op="child.op"))
    with Office.open(sqlite_url, profile=child) as office:
        assert "base.op" in office.operations
        assert "child.op" in office.operations
        assert office.operations.get("nope.op") is None
        names = {i.name for i in office.plugins.describe()}
        assert {"profile:clinic", "profile:clinic#2"} <= names
