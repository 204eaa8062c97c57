"""Tests that keep the documentation honest (after datasette's ``test_docs.py``).

They fail when a hook, a CLI command or a public name is added without its
documentation, or a hook without its test.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer

import officekit
from officekit import hookspecs
from officekit.cli import app
from officekit.plugins import DEFAULT_PLUGINS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
TESTS = ROOT / "tests"

HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
DIRECTIVE = re.compile(r"^:::\s+([\w.]+)", re.MULTILINE)
TEST_FUNCTION = re.compile(r"^\s*def (test_hook_\w+)\(", re.MULTILINE)


def _headings(path: Path) -> set[str]:
    return {h.strip("`").strip() for h in HEADING.findall(path.read_text(encoding="utf-8"))}


class _Recorder:
    """Stands in for the plugin manager: records the hookspec modules a plugin adds."""

    def __init__(self) -> None:
        self.modules: list[ModuleType] = []

    def add_hookspecs(self, module: ModuleType) -> None:
        self.modules.append(module)


def _hook_modules() -> list[ModuleType]:
    """The kernel's hookspecs, and those the built-in plugins add in ``officekit_addhooks``."""
    recorder = _Recorder()
    for dotted in DEFAULT_PLUGINS:
        plugin = importlib.import_module(dotted)
        addhooks = getattr(plugin, "officekit_addhooks", None)
        if addhooks is not None:
            addhooks(recorder)
    return [hookspecs, *recorder.modules]


def _hook_specs() -> dict[str, tuple[ModuleType, Any]]:
    return {
        name: (module, obj)
        for module in _hook_modules()
        for name, obj in vars(module).items()
        if name.startswith("officekit_") and inspect.isfunction(obj)
    }


def _hook_names() -> list[str]:
    return sorted(_hook_specs())


def _section(text: str, name: str) -> str | None:
    """The text under the heading ``name`` (level 2 or 3) down to the next heading as high."""
    match = re.search(rf"^(#{{2,3}}) {re.escape(name)}\n", text, re.MULTILINE)
    if match is None:
        return None
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    # Typer vendors its own click, so groups are recognised by their commands.
    # A group with no commands yet has nothing to run, and nothing to document.
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _walk(sub, (*path, name))
    else:
        yield path


def _command(path: str) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path.split()[1:]:
        command = command.commands[name]
    return command


def _cli_commands() -> list[str]:
    return sorted(" ".join(path) for path in _walk(typer.main.get_command(app), ("officekit",)))


def _resolve(dotted: str) -> object:
    """Import ``a.b.C.d``: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _directives() -> dict[str, object]:
    targets = {}
    for page in sorted(REFERENCE.glob("*.md")):
        for dotted in DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            targets[dotted] = _resolve(dotted)
    return targets


def test_hookspecs_found() -> None:
    assert len(_hook_names()) >= 8
    assert {"officekit_event_recorded", "officekit_route_call"} <= set(_hook_names())
    assert all(hasattr(spec, "officekit_spec") for _, spec in _hook_specs().values())


@pytest.mark.parametrize("hook", _hook_names())
def test_plugin_hooks_are_documented(hook: str) -> None:
    assert hook in _headings(REFERENCE / "hooks.md"), (
        f"docs/reference/hooks.md needs a '### {hook}' section"
    )


@pytest.mark.parametrize("hook", _hook_names())
def test_plugin_hooks_have_tests(hook: str) -> None:
    wanted = "test_hook_" + hook.removeprefix("officekit_")
    found = {
        name
        for path in TESTS.glob("*.py")
        for name in TEST_FUNCTION.findall(path.read_text(encoding="utf-8"))
    }
    assert wanted in found, f"hook {hook} needs a test function named {wanted} in tests/"


@pytest.mark.parametrize("hook", _hook_names())
def test_hook_sections_show_their_spec(hook: str) -> None:
    section = _section((REFERENCE / "hooks.md").read_text(encoding="utf-8"), hook)
    if section is None:
        pytest.skip("no section yet: test_plugin_hooks_are_documented reports it")
    module, spec = _hook_specs()[hook]
    assert f"::: {module.__name__}.{hook}" in section
    # The hand-written signature matches the spec (annotations are strings here).
    sig = inspect.signature(spec)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    signature = f"def {hook}({params}) -> {sig.return_annotation}: ..."
    assert signature in section, f"the signature in the {hook} section should be: {signature}"


def test_cli_commands_found() -> None:
    commands = _cli_commands()
    assert "officekit audit verify" in commands
    assert "officekit simulate" in commands


@pytest.mark.parametrize("command", _cli_commands())
def test_cli_commands_are_documented(command: str) -> None:
    assert command in _headings(REFERENCE / "cli.md"), (
        f"docs/reference/cli.md needs a '## {command}' section"
    )


@pytest.mark.parametrize("command", _cli_commands())
def test_cli_options_are_documented(command: str) -> None:
    text = (REFERENCE / "cli.md").read_text(encoding="utf-8")
    if f"## {command}\n" not in text:
        pytest.skip("no section yet: test_cli_commands_are_documented reports it")
    section = text.split(f"## {command}\n", 1)[1].split("\n## ", 1)[0]
    for param in _command(command).params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert f"`{opt}`" in section, f"{command}: option {opt} is not documented"


def test_root_options_are_documented() -> None:
    text = (REFERENCE / "cli.md").read_text(encoding="utf-8")
    section = text.split("## officekit\n", 1)[1].split("\n## ", 1)[0]
    for param in typer.main.get_command(app).params:
        for opt in param.opts:
            assert f"`{opt}`" in section, f"option {opt} of officekit is not documented"


def _is_documented(name: str, obj: object, targets: dict[str, object]) -> bool:
    for dotted, target in targets.items():
        if target is obj and dotted.rsplit(".", 1)[-1] == name:
            return True
        if isinstance(target, ModuleType) and getattr(target, name, None) is obj:
            public = getattr(target, "__all__", None)
            if public is None or name in public:
                return True
        if inspect.isclass(target) and getattr(target, name, None) is obj:
            return True
    return False


@pytest.mark.parametrize("name", sorted(set(officekit.__all__) - {"__version__"}))
def test_public_names_are_documented(name: str) -> None:
    obj = getattr(officekit, name)
    assert _is_documented(name, obj, _directives()), (
        f"officekit.{name} is not in any '::: ' directive of docs/reference/"
    )


def test_reference_directives_resolve() -> None:
    # _directives() imports every target: a renamed or removed name fails here.
    assert "officekit.Office" in _directives()


def test_nav_pages_exist() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = re.findall(r"^\s*-\s+(?:[^:\n]+:\s+)?([\w/.-]+\.md)\s*$", config, re.MULTILINE)
    assert "reference/hooks.md" in pages
    missing = [page for page in pages if not (DOCS / page).is_file()]
    assert not missing, f"mkdocs.yml names pages that do not exist: {missing}"
