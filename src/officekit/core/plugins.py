"""Building the plugin manager, and a typed front for calling hooks.

Each [`Office`][officekit.Office] gets its own manager from
[`get_plugin_manager`][officekit.core.plugins.get_plugin_manager]; there is no
module-level manager. Plugins are loaded in this order:

1. the built-in plugins in `officekit.plugins` (``DEFAULT_PLUGINS``);
2. installed plugins, from the ``officekit`` entry-point group;
3. the profile's own ``plugin.py`` files (base profile first);
4. plugins passed to ``Office.open(..., plugins=[...])``.

Names listed in ``OFFICEKIT_DISABLE_PLUGINS`` (comma-separated) are blocked,
then ``check_pending()`` makes sure every implementation matches a spec.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from officekit import hookspecs
from officekit.core.operations import Operation, OperationContext
from officekit.errors import OfficekitError, PluginError

if TYPE_CHECKING:
    import datetime as dt

    from officekit.core.calls import Call
    from officekit.core.events import Event
    from officekit.core.office import Office
    from officekit.core.questions import Answer
    from officekit.core.routing import RoutingDecision
    from officekit.core.staff import StaffMember
    from officekit.core.visitors import Visit

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "PluginHost",
    "PluginInfo",
    "blocked_names",
    "get_plugin_manager",
]

ENTRY_POINT_GROUP = "officekit"
logger = logging.getLogger("officekit.plugins")
DISABLE_ENV = "OFFICEKIT_DISABLE_PLUGINS"


@attrs.frozen
class PluginInfo:
    """A loaded (or blocked) plugin and where it came from.

    Attributes:
        name: The name it is registered, and can be blocked, under.
        source: ``builtin``, ``entry point (<distribution> <version>)``,
            ``profile (<path>)`` or ``argument``.
        hooks: The hooks it implements.
        blocked: True when ``OFFICEKIT_DISABLE_PLUGINS`` names it.
    """

    name: str
    source: str
    hooks: tuple[str, ...] = ()
    blocked: bool = False


def blocked_names(environ: os._Environ[str] | dict[str, str] | None = None) -> set[str]:
    """Return the plugin names that ``OFFICEKIT_DISABLE_PLUGINS`` blocks."""
    env = os.environ if environ is None else environ
    return {name.strip() for name in env.get(DISABLE_ENV, "").split(",") if name.strip()}


def _import_file(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"{path}: cannot be imported as a plugin")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        raise PluginError(f"{path}: the plugin failed to import: {exc!r}") from exc
    return module


def _free_name(pm: pluggy.PluginManager, base: str) -> str:
    """``base``, or ``base#2``, ``base#3``... the first not registered yet."""
    name, n = base, 1
    while pm.has_plugin(name):
        n += 1
        name = f"{base}#{n}"
    return name


def _register(pm: pluggy.PluginManager, plugin: object, name: str, where: str) -> None:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{where}: {exc}") from exc
    except ValueError as exc:  # the same plugin, or the same name, registered twice
        raise PluginError(f"{where}: {exc}") from exc


def get_plugin_manager(
    *,
    profile_plugins: Sequence[str | Path] = (),
    plugins: Iterable[object] = (),
    load_entry_points: bool = True,
    blocked: Iterable[str] | None = None,
) -> pluggy.PluginManager:
    """Build a fresh plugin manager with every plugin an office uses.

    Args:
        profile_plugins: Paths of the profile's ``plugin.py`` files, base first.
        plugins: Extra plugin objects or modules (``Office.open(plugins=...)``).
        load_entry_points: Load installed plugins from the ``officekit`` entry-point group.
        blocked: Names to block; defaults to those in ``OFFICEKIT_DISABLE_PLUGINS``.

    Raises:
        PluginError: A plugin failed to load, or implements a hook with no spec.
    """
    from officekit.plugins import DEFAULT_PLUGINS

    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in blocked_names() if blocked is None else blocked:
        pm.set_blocked(name)
    for dotted in DEFAULT_PLUGINS:
        if not pm.is_blocked(dotted):
            pm.register(importlib.import_module(dotted), name=dotted)
    if load_entry_points:
        try:
            pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        except Exception as exc:
            raise PluginError(f"an installed plugin failed to load: {exc!r}") from exc
    for path in profile_plugins:
        path = Path(path)
        # two profiles of the chain may sit in folders of the same name
        name = _free_name(pm, f"profile:{path.parent.name}")
        if pm.is_blocked(name):
            continue
        digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
        module = _import_file(path, f"officekit_profile_plugin_{digest}")
        _register(pm, module, name, f"{path}")
    for plugin in plugins:
        own_name = getattr(plugin, "__name__", None)
        # a module by its name; an instance after its class, numbered if need be
        name = str(own_name) if own_name else _free_name(pm, type(plugin).__name__)
        if not pm.is_blocked(name):
            _register(pm, plugin, name, f"plugin {name!r} passed to Office.open")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    return pm


class PluginHost:
    """The plugin manager of one office, with one typed method per hook.

    Core code calls ``office.plugins.after_operation(...)`` instead of
    ``pm.hook.officekit_after_operation(...)``, so mypy checks the calls.

    Args:
        pm: A manager from [`get_plugin_manager`][officekit.core.plugins.get_plugin_manager].
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    def _notify(self, hook_name: str, **kwargs: Any) -> None:
        """Call a hook about something already committed, one plugin at a time.

        A plugin that fails is logged with its name and the next one is still
        called: raising here would make a committed operation look failed, and a
        caller who retried it would do it twice. Implementations are called in
        pluggy's order (last registered first, ``tryfirst``/``trylast`` kept);
        hook wrappers are not supported on these hooks.
        """
        hook = getattr(self.pm.hook, hook_name)
        for impl in reversed(hook.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            try:
                impl.function(*(kwargs[name] for name in impl.argnames))
            except Exception:
                logger.exception(
                    "plugin %r failed in %s (the operation was committed)",
                    impl.plugin_name,
                    hook_name,
                )

    def _call(self, hook_name: str, **kwargs: Any) -> Any:
        hook = getattr(self.pm.hook, hook_name)
        try:
            result = hook(**kwargs)
        except OfficekitError:
            raise
        except Exception as exc:
            raise PluginError(f"a plugin failed in {hook_name}: {exc!r}") from exc
        return result

    def describe(self) -> list[PluginInfo]:
        """Return every registered plugin and where it came from, builtin first."""
        dists = {id(plugin): dist for plugin, dist in self.pm.list_plugin_distinfo()}
        infos = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                infos.append(PluginInfo(name, "blocked", blocked=True))
                continue
            if id(plugin) in dists:
                dist = dists[id(plugin)]
                source = f"entry point ({dist.project_name} {dist.version})"
            elif name.startswith("officekit.plugins."):
                source = "builtin"
            elif name.startswith("profile:"):
                source = f"profile ({getattr(plugin, '__file__', '?')})"
            else:
                source = "argument"
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or []))
            infos.append(PluginInfo(name, source, hooks))
        return infos

    def register_operations(self) -> list[Operation]:
        """Collect the operations every plugin registers."""
        return [op for ops in self._call("officekit_register_operations") for op in ops or ()]

    def office_opened(self, office: Office) -> None:
        """Tell plugins the office is open."""
        self._call("officekit_office_opened", office=office)

    def staff_hired(self, office: Office, member: StaffMember) -> None:
        """Tell plugins a member of staff was hired."""
        self._notify("officekit_staff_hired", office=office, member=member)

    def staff_roles_changed(
        self, office: Office, member: StaffMember, previous: tuple[str, ...]
    ) -> None:
        """Tell plugins a member of staff's roles changed."""
        self._notify(
            "officekit_staff_roles_changed", office=office, member=member, previous=previous
        )

    def staff_left(self, office: Office, member: StaffMember) -> None:
        """Tell plugins a member of staff left."""
        self._notify("officekit_staff_left", office=office, member=member)

    def check_permission(
        self, office: Office, actor: StaffMember, operation: Operation, subject: str | None
    ) -> list[str]:
        """Return every reason plugins give to refuse ``operation`` (empty: agreed)."""
        reasons = self._call(
            "officekit_check_permission",
            office=office,
            actor=actor,
            operation=operation,
            subject=subject,
        )
        return [str(r) for r in reasons if r]

    def before_operation(self, office: Office, context: OperationContext) -> None:
        """Let plugins see, or stop, an operation before it runs."""
        self._call("officekit_before_operation", office=office, context=context)

    def after_operation(self, office: Office, context: OperationContext, event: Event) -> None:
        """Tell plugins an operation committed."""
        self._notify("officekit_after_operation", office=office, context=context, event=event)

    def route_call(
        self, office: Office, *, reason: str, caller: str | None, line: str | None, at: dt.datetime
    ) -> RoutingDecision | None:
        """Ask plugins to route a call; the first decision wins (None: the profile decides)."""
        result: RoutingDecision | None = self._call(
            "officekit_route_call", office=office, reason=reason, caller=caller, line=line, at=at
        )
        return result

    def call_received(self, office: Office, call: Call, decision: RoutingDecision) -> None:
        """Tell plugins a call came in."""
        self._notify("officekit_call_received", office=office, call=call, decision=decision)

    def visitor_arrived(self, office: Office, visit: Visit) -> None:
        """Tell plugins a visitor checked in, so that the host is notified."""
        self._notify("officekit_visitor_arrived", office=office, visit=visit)

    def answer_question(self, office: Office, question: str) -> Answer | None:
        """Ask plugins to answer a question; the first answer wins (None: the knowledge base)."""
        result: Answer | None = self._call(
            "officekit_answer_question", office=office, question=question
        )
        return result
