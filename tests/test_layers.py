"""The layers hold: the kernel imports no desk, and no two packages import each other.

The imports are read from the source (every ``import`` statement, also those
inside functions); imports under ``if TYPE_CHECKING:`` are type references,
not dependencies, and count only for the kernel's own rule (it may not even
name a desk's types).
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "officekit"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Every officekit module ``path`` imports, and whether only for type checking."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.body:
                    visit_stmt(stmt, True)
                for stmt in child.orelse:
                    visit_stmt(stmt, typing_only)
                continue
            visit_stmt(child, typing_only)

    def visit_stmt(node: ast.AST, typing_only: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((alias.name, typing_only) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = module.split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                # "from officekit.plugins import reception" imports a submodule
                candidate = f"{base}.{alias.name}"
                found.append((candidate if _exists(candidate) else base, typing_only))
        visit(node, typing_only)

    visit(tree, False)
    return [(name, t) for name, t in found if name == "officekit" or name.startswith("officekit.")]


def _exists(dotted: str) -> bool:
    relative = Path(*dotted.split("."))
    return (SRC / relative).with_suffix(".py").is_file() or (
        SRC / relative / "__init__.py"
    ).is_file()


def _unit(module: str) -> str:
    """The package a module belongs to, for the rule that packages do not import each other.

    The kernel (``officekit.core``) is one unit; each desk under
    ``officekit.plugins`` is one; the top-level modules are one each.
    """
    parts = module.split(".")
    if parts[:2] == ["officekit", "plugins"] and len(parts) >= 3:
        return ".".join(parts[:3])
    if len(parts) >= 2:
        return ".".join(parts[:2])
    return module


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_the_walk_finds_the_code() -> None:
    assert "officekit.core.kernel" in MODULES
    assert "officekit.plugins.reception.calls" in MODULES
    imports = dict(_imports(MODULES["officekit.plugins.reception.calls"]))
    assert "officekit.core.clock" in imports
    assert "officekit.plugins.reception.tables" in imports
    # a lazy import inside a function is seen too
    lazy = dict(_imports(MODULES["officekit.core.plugins"]))
    assert "officekit.plugins" in lazy


@pytest.mark.parametrize(
    "module", [m for m in MODULES if m.startswith("officekit.core")], ids=lambda m: m
)
def test_the_kernel_imports_no_desk(module: str) -> None:
    imports = _imports(MODULES[module])
    # officekit.plugins itself only names the built-in plugins (DEFAULT_PLUGINS);
    # a desk is not even named for type checking.
    desks = [name for name, _ in imports if name.startswith("officekit.plugins.")]
    assert not desks, f"{module} imports a desk: {desks}"
    # nor the layers above it (the CLI, the simulation), not even for type checking
    above = [name for name, _ in imports if name in ("officekit.cli", "officekit.simulate")]
    assert not above, f"{module} imports a layer above the kernel: {above}"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        for name, typing_only in _imports(path):
            if typing_only:
                continue
            a, b = _unit(module), _unit(name)
            if a != b:
                graph.setdefault(a, set()).add(b)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_two_packages_import_each_other() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "packages import each other: " + " -> ".join(cycle or [])


def test_no_import_cycle_among_the_kernels_modules() -> None:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        if not module.startswith("officekit.core"):
            continue
        for name, typing_only in _imports(path):
            if not typing_only and name.startswith("officekit.core") and name != module:
                graph.setdefault(module, set()).add(name)
    cycle = _cycle(graph)
    assert cycle is None, "the kernel's modules import each other: " + " -> ".join(cycle or [])


def test_the_check_sees_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    assert list(itertools.chain.from_iterable(_graph().values()))  # the graph is not empty
