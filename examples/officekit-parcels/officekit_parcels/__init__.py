"""The parcel desk: sign for the parcels carriers deliver, hand them over to their recipients.

A third-party officekit plugin, found through its entry point (``parcels`` in
the ``officekit`` group). It is made of the kernel's extension points and
nothing else, one module each:

- ``hookspecs``: a hook of its own, ``officekit_parcel_signed_for``;
- ``settings``: the profile's ``[parcels]`` table;
- ``tables`` and ``migrations/``: the ``parcels`` table and its revision;
- ``desk``: ``office.parcels`` (what is waiting) and ``desk.parcels`` (the operations);
- ``cli``: ``officekit parcels waiting``;
- ``simulation``: its part of ``officekit simulate``.

The hooks below only hand those pieces to the kernel; they import them when
called, so that listing the plugins stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from officekit import DeskFacet, Migrations, OfficeFacet, Operation, ProfileSection, hookimpl

if TYPE_CHECKING:
    import typer

    from officekit.simulate import SimulationStep

__all__ = ["HAND_OVER", "OPERATIONS", "SIGN_FOR"]

SIGN_FOR = Operation("parcels.sign_for", "Sign for a parcel a carrier delivers.")
HAND_OVER = Operation("parcels.hand_over", "Hand a parcel over to its recipient.")
OPERATIONS = (SIGN_FOR, HAND_OVER)
"""The parcel desk's operations, for profiles to grant."""


@hookimpl
def officekit_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add the parcel desk's own hook, for other plugins to implement."""
    from officekit_parcels import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register ``parcels.sign_for`` and ``parcels.hand_over``."""
    return list(OPERATIONS)


@hookimpl
def officekit_register_profile_sections() -> list[ProfileSection[Any]]:
    """Register the profile's ``[parcels]`` table."""
    from officekit_parcels.settings import SECTION

    return [SECTION]


@hookimpl
def officekit_register_migrations() -> list[Migrations]:
    """Register the ``parcels`` table and its revisions."""
    from officekit_parcels.tables import MIGRATIONS

    return [MIGRATIONS]


@hookimpl
def officekit_register_facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Register ``office.parcels`` and ``desk.parcels``."""
    from officekit_parcels.desk import PARCEL_DESK, PARCELS

    return [PARCELS, PARCEL_DESK]


@hookimpl
def officekit_register_commands(app: typer.Typer) -> None:
    """Add ``officekit parcels``."""
    from officekit_parcels.cli import register

    register(app)


@hookimpl
def officekit_register_simulation_steps() -> list[SimulationStep]:
    """Sign for a few parcels a day in ``officekit simulate``, and hand them over."""
    from officekit_parcels.simulation import STEP

    return [STEP]
