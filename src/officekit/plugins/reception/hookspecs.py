"""The hooks the receptionist's desk brings, for other plugins to implement.

Added to every office's plugin manager by the reception plugin's
``officekit_addhooks``; implement them with ``@officekit.hookimpl`` like the
kernel's. Hooks called after something happened are called after commit, one
plugin at a time; their exceptions are logged, not raised.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from officekit.hookspecs import hookspec

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.reception.calls import Call
    from officekit.plugins.reception.questions import Answer
    from officekit.plugins.reception.routing import RoutingDecision
    from officekit.plugins.reception.visitors import Visit

__all__ = [
    "officekit_answer_question",
    "officekit_call_received",
    "officekit_route_call",
    "officekit_visitor_arrived",
]


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
        A [`RoutingDecision`][officekit.plugins.reception.routing.RoutingDecision] with a
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
        An [`Answer`][officekit.plugins.reception.questions.Answer] (its ``source`` names the
        plugin), or None.
    """
