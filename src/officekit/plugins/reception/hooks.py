"""Typed calls of the receptionist's hooks (see ``hookspecs``), as ``PluginHost`` has."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.reception.calls import Call
    from officekit.plugins.reception.questions import Answer
    from officekit.plugins.reception.routing import RoutingDecision
    from officekit.plugins.reception.visitors import Visit

__all__ = ["answer_question", "call_received", "route_call", "visitor_arrived"]


def route_call(
    office: Office, *, reason: str, caller: str | None, line: str | None, at: dt.datetime
) -> RoutingDecision | None:
    """Ask plugins to route a call; the first decision wins (None: the profile decides)."""
    result: RoutingDecision | None = office.plugins.call(
        "officekit_route_call", office=office, reason=reason, caller=caller, line=line, at=at
    )
    return result


def call_received(office: Office, call: Call, decision: RoutingDecision) -> None:
    """Tell plugins a call came in (after commit)."""
    office.plugins.notify("officekit_call_received", office=office, call=call, decision=decision)


def visitor_arrived(office: Office, visit: Visit) -> None:
    """Tell plugins a visitor checked in, so that the host is notified (after commit)."""
    office.plugins.notify("officekit_visitor_arrived", office=office, visit=visit)


def answer_question(office: Office, question: str) -> Answer | None:
    """Ask plugins to answer a question; the first answer wins (None: the knowledge base)."""
    result: Answer | None = office.plugins.call(
        "officekit_answer_question", office=office, question=question
    )
    return result
