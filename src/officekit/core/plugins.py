"""Building the plugin manager, and a typed front for calling hooks.

Each [`Office`][officekit.Office] gets its own manager from
[`get_plugin_manager`][officekit.core.plugins.get_plugin_manager]; there is no
module-level manager. Plugins are loaded in this order:

1. the built-in plugins in `officekit.plugins` (``DEFAULT_PLUGINS``);
2. installed plugins, from the ``officekit`` entry-point group;
3. the profile's own ``plugin.py`` files (base profile first);
4. plugins passed to ``Office.open(..., plugins=[...])``.

Names listed in ``OFFICEKIT_DISABLE_PLUGINS`` (comma-separated) are blocked
before anything is loaded; names a profile lists in ``[plugins] disable`` are
blocked for its offices. Each plugin's ``officekit_addhooks`` adds the hooks it
brings; then ``check_pending()`` makes sure every implementation matches a spec.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import sys
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from officekit import hookspecs
from officekit.core.operations import Operation, OperationContext
from officekit.errors import OfficekitError, PluginError
from officekit.plugins import DEFAULT_PLUGINS  # the built-ins' names only, no desk's code

if TYPE_CHECKING:
    import typer

    from officekit.core.events import Event
    from officekit.core.extensions import (
        AuditCheck,
        DeskFacet,
        Migrations,
        OfficeFacet,
        ProfileSection,
    )
    from officekit.core.office import Office
    from officekit.core.staff import StaffMember

__all__ = [
    "DISABLE_ENV",
    "ENTRY_POINT_GROUP",
    "PluginHost",
    "PluginInfo",
    "blocked_names",
    "clear_entry_point_cache",
    "entry_points",
    "get_plugin_manager",
    "installed_plugin_names",
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


def entry_points(group: str) -> tuple[importlib.metadata.EntryPoint, ...]:
    """The installed entry points of ``group``, found once per process.

    Finding them reads every installed distribution's metadata; the answer is
    kept for as long as ``sys.path`` is the same (a folder added to it is
    searched at the next call). After installing or removing a distribution in
    a running process, call
    [`clear_entry_point_cache`][officekit.core.plugins.clear_entry_point_cache].
    """
    return _scan_entry_points(group, tuple(sys.path))


@functools.cache
def _scan_entry_points(
    group: str, _path: tuple[str, ...]
) -> tuple[importlib.metadata.EntryPoint, ...]:
    return tuple(importlib.metadata.entry_points(group=group))


def clear_entry_point_cache() -> None:
    """Forget the entry points found so far: the next look-up reads the installed ones again."""
    _scan_entry_points.cache_clear()


def installed_plugin_names() -> list[str]:
    """The names of the installed plugins (the ``officekit`` entry points), without loading them."""
    return [ep.name for ep in entry_points(ENTRY_POINT_GROUP)]


_INSTALLED_FROM: weakref.WeakKeyDictionary[
    pluggy.PluginManager, dict[str, importlib.metadata.Distribution | None]
] = weakref.WeakKeyDictionary()
"""For each manager, the distribution each plugin loaded from an entry point comes from."""


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    """Register the installed plugins: ``pm.load_setuptools_entrypoints``, from the cache."""
    installed = _INSTALLED_FROM.setdefault(pm, {})
    for ep in entry_points(ENTRY_POINT_GROUP):
        if pm.has_plugin(ep.name) or pm.is_blocked(ep.name):
            continue
        pm.register(ep.load(), name=ep.name)
        installed[ep.name] = ep.dist


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
    except OfficekitError:
        raise
    except Exception as exc:  # its officekit_addhooks failed, say
        raise PluginError(f"{where}: failed while registering: {exc!r}") from exc


def get_plugin_manager(
    *,
    profile_plugins: Sequence[str | Path] = (),
    plugins: Iterable[object] = (),
    load_entry_points: bool = True,
    blocked: Iterable[str] | None = None,
    disabled: Iterable[str] = (),
) -> pluggy.PluginManager:
    """Build a fresh plugin manager with every plugin an office uses.

    Args:
        profile_plugins: Paths of the profile's ``plugin.py`` files, base first.
        plugins: Extra plugin objects or modules (``Office.open(plugins=...)``).
        load_entry_points: Load installed plugins from the ``officekit`` entry-point group.
        blocked: Names to block; defaults to those in ``OFFICEKIT_DISABLE_PLUGINS``.
        disabled: More names to block: the profile's ``[plugins] disable``.

    Raises:
        PluginError: A plugin failed to load, implements a hook with no spec, or
            wraps a hook whose results the kernel combines itself.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    # Each plugin adds its own hooks as it is registered (pytest's pytest_addhooks).
    pm.hook.officekit_addhooks.call_historic(kwargs={"pluginmanager": pm})
    for name in (*(blocked_names() if blocked is None else blocked), *disabled):
        pm.set_blocked(name)
    for dotted in DEFAULT_PLUGINS:
        module = importlib.import_module(dotted)
        if not pm.is_blocked(dotted):
            _register(pm, module, dotted, dotted)
        elif hasattr(module, "officekit_addhooks"):
            # A built-in desk that is turned off still declares its hooks, so that a
            # plugin implementing them loads the same whichever way the desk is off.
            module.officekit_addhooks(pluginmanager=pm)
    if load_entry_points:
        try:
            _load_entry_points(pm)
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
        if pm.is_registered(plugin):
            continue  # installed already (its entry point): passing it too is no error
        own_name = getattr(plugin, "__name__", None)
        # a module by its name; an instance after its class, numbered if need be
        name = str(own_name) if own_name else _free_name(pm, type(plugin).__name__)
        if not pm.is_blocked(name):
            _register(pm, plugin, name, f"plugin {name!r} passed to Office.open")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    for hook_name in UNWRAPPABLE_HOOKS:
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            if impl.hookwrapper or impl.wrapper:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} wraps {hook_name}: that hook takes no "
                    "wrappers (the kernel calls each plugin on its own and combines the answers)"
                )
    return pm


UNWRAPPABLE_HOOKS = (
    "officekit_check_permission",
    "officekit_staff_hired",
    "officekit_staff_roles_changed",
    "officekit_staff_left",
    "officekit_after_operation",
    "officekit_event_recorded",
)
"""Kernel hooks whose implementations are each called on their own: a wrapper is refused.

A wrapper around ``officekit_check_permission`` could drop another plugin's
refusal; the after-commit hooks are called one plugin at a time so that one
failing plugin does not silence the others. A desk calls
[`PluginHost.notify`][officekit.core.plugins.PluginHost.notify] for its own
after-commit hooks, which skips wrappers.
"""


class PluginHost:
    """The plugin manager of one office, with one typed method per kernel hook.

    Kernel code calls ``office.plugins.after_operation(...)`` instead of
    ``pm.hook.officekit_after_operation(...)``, so mypy checks the calls. A desk
    wraps its own hooks the same way, in typed functions over
    [`call`][officekit.core.plugins.PluginHost.call] and
    [`notify`][officekit.core.plugins.PluginHost.notify].

    Args:
        pm: A manager from [`get_plugin_manager`][officekit.core.plugins.get_plugin_manager].
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    def notify(self, hook_name: str, **kwargs: Any) -> None:
        """Call a hook about something already committed, one plugin at a time.

        A plugin that fails is logged (logger ``officekit.plugins``) with its name
        and the next one is still called: raising here would make a committed
        operation look failed, and a caller who retried it would do it twice.
        Implementations are called in pluggy's order (last registered first,
        ``tryfirst``/``trylast`` kept); hook wrappers are skipped.

        Args:
            hook_name: The hook, such as ``"officekit_call_received"``.
            **kwargs: Its arguments, by name.
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

    def call(self, hook_name: str, **kwargs: Any) -> Any:
        """Call a hook and return its result (a list, or the first result for ``firstresult``).

        An [`OfficekitError`][officekit.errors.OfficekitError] raised by a plugin
        passes through (a plugin may refuse with a ValidationError); any other
        exception becomes a [`PluginError`][officekit.errors.PluginError].

        Args:
            hook_name: The hook, such as ``"officekit_route_call"``.
            **kwargs: Its arguments, by name.
        """
        hook = getattr(self.pm.hook, hook_name)
        try:
            result = hook(**kwargs)
        except OfficekitError:
            raise
        except Exception as exc:
            raise PluginError(f"a plugin failed in {hook_name}: {exc!r}") from exc
        return result

    def _collect(self, hook_name: str, kind: type | tuple[type, ...], **kwargs: Any) -> list[Any]:
        """Flatten the lists a ``register_*`` hook returns, checking each item's type."""
        return [item for _, item in self.contributions(hook_name, kind, **kwargs)]

    def contributions(
        self, hook_name: str, kind: type | tuple[type, ...], **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Call a ``register_*`` hook; return each item with the name of the plugin it came from.

        Raises:
            PluginError: A plugin failed, or returned something that is not ``kind``.
        """
        hook = getattr(self.pm.hook, hook_name)
        items: list[tuple[str, Any]] = []
        for impl in reversed(hook.get_hookimpls()):
            try:
                returned = impl.function(*(kwargs[name] for name in impl.argnames))
            except OfficekitError:
                raise
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} failed in {hook_name}: {exc!r}"
                ) from exc
            if returned is None:
                continue
            if not isinstance(returned, list | tuple):
                raise PluginError(
                    f"plugin {impl.plugin_name!r}: {hook_name} must return a list, "
                    f"got {type(returned).__name__} {returned!r}"
                )
            for item in returned:
                if not isinstance(item, kind):
                    names = (
                        kind.__name__
                        if isinstance(kind, type)
                        else " or ".join(k.__name__ for k in kind)
                    )
                    raise PluginError(
                        f"plugin {impl.plugin_name!r}: {hook_name} must return {names} "
                        f"objects, got {type(item).__name__} {item!r}"
                    )
                items.append((impl.plugin_name, item))
        return items

    def describe(self) -> list[PluginInfo]:
        """Return every registered plugin and where it came from, builtin first."""
        installed = _INSTALLED_FROM.get(self.pm, {})
        infos = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                infos.append(PluginInfo(name, "blocked", blocked=True))
                continue
            if name in installed:
                dist = installed[name]
                source = (
                    "entry point"
                    if dist is None
                    else f"entry point ({dist.metadata['Name']} {dist.version})"
                )
            elif name.startswith("officekit.plugins."):
                source = "builtin"
            elif name.startswith("profile:"):
                source = f"profile ({getattr(plugin, '__file__', '?')})"
            else:
                source = "argument"
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or []))
            infos.append(PluginInfo(name, source, hooks))
        return infos

    # -- contributions ----------------------------------------------------------

    def register_operations(self) -> list[Operation]:
        """Collect the operations every plugin registers."""
        return self._collect("officekit_register_operations", Operation)

    def register_profile_sections(self) -> list[ProfileSection[Any]]:
        """Collect the profile sections every plugin owns."""
        from officekit.core.extensions import ProfileSection

        return self._collect("officekit_register_profile_sections", ProfileSection)

    def register_facets(self) -> list[OfficeFacet[Any] | DeskFacet[Any]]:
        """Collect the office and desk facets every plugin adds."""
        from officekit.core.extensions import DeskFacet, OfficeFacet

        return self._collect("officekit_register_facets", (OfficeFacet, DeskFacet))

    def register_migrations(self) -> list[Migrations]:
        """Collect the plugins' migrations, in load order (builtin first)."""
        from officekit.core.extensions import Migrations

        found = list(reversed(self.contributions("officekit_register_migrations", Migrations)))
        owners: dict[str, str] = {"kernel": "the kernel"}
        for plugin, migrations in found:
            if migrations.name in owners:
                raise PluginError(
                    f"plugin {plugin!r}: a set of migrations named {migrations.name!r} is "
                    f"registered by {owners[migrations.name]} already (each set has a version "
                    "table of its own, named after it)"
                )
            owners[migrations.name] = repr(plugin)
            if not migrations.location.is_dir():
                raise PluginError(
                    f"plugin {plugin!r}: the migrations {migrations.name!r} have no folder at "
                    f"{migrations.location}"
                )
            if migrations.metadata.tables and not any(migrations.location.glob("*.py")):
                raise PluginError(
                    f"plugin {plugin!r}: the migrations {migrations.name!r} define tables but "
                    f"{migrations.location} holds no revision"
                )
        return [migrations for _, migrations in found]

    def register_commands(self, app: typer.Typer) -> tuple[Any, list[tuple[str, Exception]]]:
        """Let every plugin add its commands to the command line, one plugin at a time.

        A plugin whose hook fails, or whose commands Typer cannot build (a type
        annotation that does not resolve, say), is left out of the command line,
        so that every other command, ``officekit plugins list`` first, still runs.

        Returns:
            The command line built (a Click command, built once here), and the
            plugins left out, each with its error.
        """
        import typer
        import typer.main

        left_out: list[tuple[str, Exception]] = []
        added: list[tuple[str, list[Any], list[Any]]] = []
        hook = self.pm.hook.officekit_register_commands
        for impl in reversed(hook.get_hookimpls()):  # the order a hook call uses
            commands, groups = len(app.registered_commands), len(app.registered_groups)
            try:
                impl.function(app=app)
            except Exception as exc:
                del app.registered_commands[commands:], app.registered_groups[groups:]
                left_out.append((impl.plugin_name, exc))
                continue
            its = (app.registered_commands[commands:], app.registered_groups[groups:])
            added.append((impl.plugin_name, *its))
        try:
            return typer.main.get_command(app), left_out  # the usual path: one build
        except Exception:  # a plugin's command cannot be built: find whose, leave it out
            for plugin, its_commands, its_groups in added:
                if not its_commands and not its_groups:
                    continue  # it added nothing: nothing of it can be broken
                alone = typer.Typer()
                alone.registered_commands[:] = its_commands
                alone.registered_groups[:] = its_groups
                try:
                    typer.main.get_command(alone)
                except Exception as exc:
                    kept = [c for c in app.registered_commands if c not in its_commands]
                    app.registered_commands[:] = kept
                    app.registered_groups[:] = [
                        g for g in app.registered_groups if g not in its_groups
                    ]
                    left_out.append((plugin, exc))
        return typer.main.get_command(app), left_out

    def register_audit_checks(self) -> list[AuditCheck]:
        """Collect the deep audit checks every plugin adds (names must differ)."""
        from officekit.core.extensions import AuditCheck

        found = self.contributions("officekit_register_audit_checks", AuditCheck)
        owners: dict[str, str] = {}
        for plugin, check in found:
            if check.name in owners:
                raise PluginError(
                    f"plugin {plugin!r}: an audit check named {check.name!r} is registered by "
                    f"plugin {owners[check.name]!r} already"
                )
            owners[check.name] = plugin
        return [check for _, check in found]

    def office_opened(self, office: Office) -> None:
        """Tell plugins the office is open."""
        self.call("officekit_office_opened", office=office)

    def staff_hired(self, office: Office, member: StaffMember) -> None:
        """Tell plugins a member of staff was hired."""
        self.notify("officekit_staff_hired", office=office, member=member)

    def staff_roles_changed(
        self, office: Office, member: StaffMember, previous: tuple[str, ...]
    ) -> None:
        """Tell plugins a member of staff's roles changed."""
        self.notify(
            "officekit_staff_roles_changed", office=office, member=member, previous=previous
        )

    def staff_left(self, office: Office, member: StaffMember) -> None:
        """Tell plugins a member of staff left."""
        self.notify("officekit_staff_left", office=office, member=member)

    def check_permission(
        self, office: Office, actor: StaffMember, operation: Operation, subject: str | None
    ) -> list[str]:
        """Return every reason plugins give to refuse ``operation`` (empty: agreed).

        Each plugin is asked on its own and every reason is kept: no plugin can
        discard another's refusal (wrappers of this hook are refused at load).
        """
        hook = self.pm.hook.officekit_check_permission
        kwargs = {"office": office, "actor": actor, "operation": operation, "subject": subject}
        reasons: list[str] = []
        for impl in reversed(hook.get_hookimpls()):
            try:
                reason = impl.function(*(kwargs[name] for name in impl.argnames))
            except OfficekitError:
                raise
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} failed in officekit_check_permission: {exc!r}"
                ) from exc
            if reason:
                reasons.append(str(reason))
        return reasons

    def before_operation(self, office: Office, context: OperationContext) -> None:
        """Let plugins see, or stop, an operation before it runs."""
        self.call("officekit_before_operation", office=office, context=context)

    def implemented(self, hook_name: str) -> bool:
        """Whether any plugin implements ``hook_name`` (are its arguments worth building?)."""
        return bool(getattr(self.pm.hook, hook_name).get_hookimpls())

    def after_operation(self, office: Office, context: OperationContext, event: Event) -> None:
        """Tell plugins an operation committed."""
        self.notify("officekit_after_operation", office=office, context=context, event=event)

    def event_recorded(self, office: Office, event: Event) -> None:
        """Tell plugins an event was appended to the log (after commit)."""
        self.notify("officekit_event_recorded", office=office, event=event)
