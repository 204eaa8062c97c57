"""The hooks a plugin can implement.

Every hook is named ``officekit_<what>``. A plugin implements any of them with
functions decorated by ``@officekit.hookimpl``; an implementation may take
fewer arguments than the spec, so specs can grow without breaking plugins.
Hooks that contribute things are named ``officekit_register_*`` and return lists.

Hooks that are called *after* something happened are called after its
transaction has committed: the event is already in the log. An exception raised
by such a hook is logged (logger ``officekit.plugins``), not raised: the
operation stands, and a caller must not be led to retry it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

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
    from officekit.core.operations import Operation, OperationContext
    from officekit.core.staff import StaffMember
    from officekit.simulate import SimulationStep

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "officekit_addhooks",
    "officekit_after_operation",
    "officekit_before_operation",
    "officekit_check_permission",
    "officekit_event_recorded",
    "officekit_office_opened",
    "officekit_register_audit_checks",
    "officekit_register_commands",
    "officekit_register_facets",
    "officekit_register_migrations",
    "officekit_register_operations",
    "officekit_register_profile_sections",
    "officekit_register_simulation_steps",
    "officekit_staff_hired",
    "officekit_staff_left",
    "officekit_staff_roles_changed",
]

PROJECT_NAME = "officekit"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- Contributions ---------------------------------------------------------


@hookspec(historic=True)
def officekit_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add the hook specifications a plugin brings, for other plugins to implement.

    Called for each plugin as it is registered (a *historic* hook, as pytest's
    ``pytest_addhooks``), so a desk's own hooks exist before the plugins that
    implement them are checked. Call ``pluginmanager.add_hookspecs(module)``
    with a module of ``@officekit.hookspec`` functions named ``officekit_*``.

    Args:
        pluginmanager: The office's plugin manager.
    """


@hookspec
def officekit_register_profile_sections() -> list[ProfileSection[Any]]:  # type: ignore[empty-body]
    """Return the profile tables a plugin owns, with their types and checks.

    Returns:
        A list of [`ProfileSection`][officekit.ProfileSection] objects. Two plugins
        may not claim one name, nor a kernel table's.
    """


@hookspec
def officekit_register_facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:  # type: ignore[empty-body]
    """Return the services a plugin adds to the office (``office.x``) and the desk (``desk.x``).

    Returns:
        A list of [`OfficeFacet`][officekit.OfficeFacet] and
        [`DeskFacet`][officekit.DeskFacet] objects. A name may be used once, and not
        by an attribute the office or desk already has.
    """


@hookspec
def officekit_register_migrations() -> list[Migrations]:  # type: ignore[empty-body]
    """Return the plugin's tables and the Alembic revisions that create them.

    Returns:
        A list of [`Migrations`][officekit.Migrations]; they run when an office is
        opened, after the kernel's, each set with its own version table.
    """


@hookspec
def officekit_register_commands(app: typer.Typer) -> None:
    """Add a plugin's commands to the ``officekit`` command line.

    Called once when the command line starts (with the built-in and installed
    plugins, not a profile's own). Add a group with ``app.add_typer(...)`` or a
    command with ``app.command(...)``; open the office with
    [`officekit.cli.open_office`][officekit.cli.open_office] and fail with
    [`officekit.cli.fail`][officekit.cli.fail], so that errors read like the rest.

    Args:
        app: The root ``officekit`` Typer application.
    """


@hookspec
def officekit_register_simulation_steps() -> list[SimulationStep]:  # type: ignore[empty-body]
    """Return the plugin's part of ``officekit simulate``: what its desk does each day.

    Returns:
        A list of [`SimulationStep`][officekit.simulate.SimulationStep] objects, run
        in the order of their ``order`` and then of their names.
    """


@hookspec
def officekit_register_operations() -> list[Operation]:  # type: ignore[empty-body]
    """Return the operations a plugin adds, so that profiles can grant them.

    Returns:
        A list of [`Operation`][officekit.Operation] objects. A name registered twice
        with different summaries is an error.
    """


@hookspec
def officekit_register_audit_checks() -> list[AuditCheck]:  # type: ignore[empty-body]
    """Return the plugin's deep audit: checks that its tables agree with its events.

    Run by ``office.verify_audit(deep=True)`` and ``officekit audit verify
    --deep``, in the read snapshot of the chain check. Each check gets the
    office's events (of the operations it names) in chain order, read in batches,
    and returns a [`Finding`][officekit.core.extensions.Finding] for each row,
    field and event that disagree.

    Returns:
        A list of [`AuditCheck`][officekit.core.extensions.AuditCheck] objects.
    """


# --- Office and staff --------------------------------------------------------


@hookspec
def officekit_office_opened(office: Office) -> None:
    """Called once an office is open: store migrated, profile and plugins loaded.

    Args:
        office: The office that was opened.
    """


@hookspec
def officekit_staff_hired(office: Office, member: StaffMember) -> None:
    """Called after a member of staff was hired (their event is committed).

    Args:
        office: The office that hired them.
        member: The new member of staff, with their derived level.
    """


@hookspec
def officekit_staff_roles_changed(
    office: Office, member: StaffMember, previous: tuple[str, ...]
) -> None:
    """Called after a member of staff's roles changed.

    Args:
        office: Their office.
        member: The member of staff, with the new roles.
        previous: The roles they held before.
    """


@hookspec
def officekit_staff_left(office: Office, member: StaffMember) -> None:
    """Called after a member of staff left the office.

    Args:
        office: Their office.
        member: The member of staff, with ``left_at`` set.
    """


# --- Operations ------------------------------------------------------------


@hookspec
def officekit_check_permission(
    office: Office, actor: StaffMember, operation: Operation, subject: str | None
) -> str | None:
    """Tighten a permission the profile grants: return a reason to refuse, or None.

    Only asked when the profile already allows the operation, so a plugin can
    refuse but never allow what the profile does not. Every implementation is
    asked; any reason refuses, and the refusal is recorded in the event log.

    Args:
        office: The office.
        actor: Who wants to perform the operation.
        operation: What they want to perform.
        subject: What it is about, if anything.

    Returns:
        A short reason to refuse (shown to the actor and recorded), or None to agree.
    """


@hookspec
def officekit_before_operation(office: Office, context: OperationContext) -> None:
    """Called after an operation was authorised, before its transaction starts.

    A plugin may raise an [`OfficekitError`][officekit.errors.OfficekitError]
    (such as a ValidationError) to stop the operation; nothing is written then.

    Args:
        office: The office.
        context: The operation, its actor, subject and detail.
    """


@hookspec
def officekit_after_operation(office: Office, context: OperationContext, event: Event) -> None:
    """Called after an operation committed, with the event that records it.

    Args:
        office: The office.
        context: The operation, its actor, subject and detail.
        event: The event appended to the log for it.
    """


@hookspec
def officekit_event_recorded(office: Office, event: Event) -> None:
    """Called after commit for every event appended to the log, of every kind.

    Operations performed at a desk, refusals, and what the office records
    itself (hiring, an incoming call, a profile switch): one complete stream, in
    the order of the chain within one process. The front-office analysis and
    outside systems (a data warehouse, a notifier) read the log from here.

    Args:
        office: The office.
        event: The event as appended, with its sequence number and hash.
    """
