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

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import datetime as dt

    from officekit.core.calls import Call
    from officekit.core.events import Event
    from officekit.core.office import Office
    from officekit.core.operations import Operation, OperationContext
    from officekit.core.questions import Answer
    from officekit.core.routing import RoutingDecision
    from officekit.core.staff import StaffMember
    from officekit.core.visitors import Visit

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "officekit_after_operation",
    "officekit_answer_question",
    "officekit_before_operation",
    "officekit_call_received",
    "officekit_check_permission",
    "officekit_office_opened",
    "officekit_register_operations",
    "officekit_route_call",
    "officekit_staff_hired",
    "officekit_staff_left",
    "officekit_staff_roles_changed",
    "officekit_visitor_arrived",
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


# --- The receptionist's desk -------------------------------------------------


@hookspec(firstresult=True)
def officekit_route_call(
    office: Office, reason: str, caller: str | None, line: str | None, at: dt.datetime
) -> RoutingDecision | None:
    """Decide where a call goes instead of the profile's routing rules.

    ``firstresult``: exactly one decision must win, so the first plugin that
    returns a decision ends the call; return None to let the next plugin, and
    finally the profile's rules, decide.

    Args:
        office: The office.
        reason: What the caller says they call about.
        caller: The caller's number in E.164 form, if shown.
        line: The priority line (number dialled), if any.
        at: When the call arrives.

    It is called inside the incoming call's transaction: it must not write to
    the store. Its decision is checked (a destination that is no department of
    the profile, nor ``voicemail`` or ``answering_service``, is a PluginError)
    and marked as a plugin's (``kind="plugin"``).

    Returns:
        A [`RoutingDecision`][officekit.core.routing.RoutingDecision] with a
        destination and an explanation, or None.
    """


@hookspec
def officekit_call_received(office: Office, call: Call, decision: RoutingDecision) -> None:
    """Called after an incoming call was recorded: on a line, queued, or sent after hours.

    Args:
        office: The office.
        call: The call as recorded.
        decision: The routing decision, with its explanation.
    """


@hookspec
def officekit_visitor_arrived(office: Office, visit: Visit) -> None:
    """Called after a visitor checked in: notify their host here (a page, a chat message...).

    Args:
        office: The office.
        visit: The visit, with its host (a member of staff or a department).
    """


@hookspec(firstresult=True)
def officekit_answer_question(office: Office, question: str) -> Answer | None:
    """Answer a customer's question before the knowledge base is searched.

    ``firstresult``: one answer must win, so the first plugin that returns an
    answer ends the call (an organisation's own search, for instance); return
    None to let the next plugin, and finally the knowledge base, answer.

    Args:
        office: The office.
        question: The question as asked.

    Returns:
        An [`Answer`][officekit.core.questions.Answer] (its ``source`` names the
        plugin), or None.
    """
