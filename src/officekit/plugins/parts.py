"""A built-in desk made of parts: one plugin whose hooks gather what each part contributes.

The clerk's desk (filing, records) and the money desk (payments, payroll) are one
plugin each, made of parts that share nothing. Each part has a ``part`` module
with seven functions: ``hookspecs()``, ``sections()``, ``facets()``,
``migrations()``, ``register_commands(app)``, ``audit_checks()`` and ``steps()``.
[`Parts`][officekit.plugins.parts.Parts] implements the plugin's hooks once, over
those modules, imported when a hook first needs them (not at import time, so that
``officekit --help`` stays light).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from officekit.core.extensions import AuditCheck, DeskFacet, Migrations, OfficeFacet, ProfileSection
from officekit.hookspecs import hookimpl

if TYPE_CHECKING:
    import typer

    from officekit.simulate import SimulationStep

__all__ = ["Parts"]


class Parts:
    """The hooks of a desk made of parts (each method is one hook implementation).

    Bind them in the desk's plugin module, where pluggy finds them::

        _PARTS = Parts("mydesk.one.part", "mydesk.two.part")
        officekit_register_facets = _PARTS.officekit_register_facets

    Args:
        modules: The dotted names of the parts' ``part`` modules, in order.
    """

    def __init__(self, *modules: str) -> None:
        self._names = modules

    def modules(self) -> list[ModuleType]:
        """The parts' ``part`` modules (imported on first use)."""
        return [importlib.import_module(name) for name in self._names]

    @hookimpl
    def officekit_addhooks(self, pluginmanager: pluggy.PluginManager) -> None:
        """Add the hook specifications each part brings."""
        for part in self.modules():
            for module in part.hookspecs():
                pluginmanager.add_hookspecs(module)

    @hookimpl
    def officekit_register_profile_sections(self) -> list[ProfileSection[Any]]:
        """Each part's profile sections."""
        return [section for part in self.modules() for section in part.sections()]

    @hookimpl
    def officekit_register_facets(self) -> list[OfficeFacet[Any] | DeskFacet[Any]]:
        """Each part's office and desk facets."""
        return [facet for part in self.modules() for facet in part.facets()]

    @hookimpl
    def officekit_register_migrations(self) -> list[Migrations]:
        """Each part's tables and revisions, each set with its own version table."""
        return [m for part in self.modules() for m in part.migrations()]

    @hookimpl
    def officekit_register_commands(self, app: typer.Typer) -> None:
        """Each part's commands."""
        for part in self.modules():
            part.register_commands(app)

    @hookimpl
    def officekit_register_audit_checks(self) -> list[AuditCheck]:
        """Each part's deep audit checks."""
        return [check for part in self.modules() for check in part.audit_checks()]

    @hookimpl
    def officekit_register_simulation_steps(self) -> list[SimulationStep]:
        """Each part's simulation steps."""
        return [step for part in self.modules() for step in part.steps()]
