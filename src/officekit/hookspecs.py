"""The hooks a plugin can implement.

Every hook is named ``officekit_<what>``. A plugin implements any of them with
functions decorated by ``@officekit.hookimpl``; an implementation may take
fewer arguments than the spec, so specs can grow without breaking plugins.
Hooks that contribute things are named ``officekit_register_*`` and return lists.

Hooks that are called *after* something happened are called after its
transaction has committed: the event is already in the log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from officekit.core.events import Event
    from officekit.core.office import Office
    from officekit.core.operations import Operation, OperationContext
    from officekit.core.staff import StaffMember

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "officekit_after_operation",
    "officekit_before_operation",
    "officekit_check_permission",
    "officekit_office_opened",
    "officekit_register_operations",
    "officekit_staff_hired",
    "officekit_staff_left",
    "officekit_staff_roles_changed",
]

PROJECT_NAME = "officekit"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- Contributions ---------------------------------------------------------


@hookspec
def officekit_register_operations() -> list[Operation]:  # type: ignore[empty-body]
    """Return the operations a plugin adds, so that profiles can grant them.

    Returns:
        A list of [`Operation`][officekit.Operation] objects. A name registered twice
        with different summaries is an error.
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
