"""The receptionist's desk: calls, messages, visitors and customers' questions.

A built-in plugin, made of nothing but the extension points any plugin has:
its operations, hooks (``hookspecs``), profile sections (``settings``), tables
and migrations (``tables``), office and desk facets, CLI commands (``cli``) and
simulation step (``simulation``). Turn it off with ``[plugins] disable =
["officekit.plugins.reception"]`` in a profile, or ``OFFICEKIT_DISABLE_PLUGINS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from officekit.core.extensions import (
    AuditCheck,
    DeskFacet,
    Migrations,
    OfficeFacet,
    ProfileSection,
)
from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl

if TYPE_CHECKING:
    import typer

    from officekit.core.office import Office
    from officekit.core.operations import OperationContext
    from officekit.plugins.reviews.metrics import Metric
    from officekit.simulate import SimulationStep

__all__ = ["RECEPTION_OPERATIONS"]

RECEPTION_OPERATIONS = (
    Operation("calls.answer", "Answer a ringing call."),
    Operation("calls.hold", "Put a call on hold."),
    Operation("calls.resume", "Take a call off hold."),
    Operation("calls.transfer", "Transfer a call to a department or a person."),
    Operation("calls.take_message", "Take a message on a call for someone unavailable."),
    Operation("calls.complete", "End a call handled at the desk."),
    Operation("messages.take", "Take a message for a department or a person."),
    Operation("messages.deliver", "Deliver a message to its recipient."),
    Operation("messages.acknowledge", "Acknowledge a message as its recipient."),
    Operation("visitors.check_in", "Greet and check in a visitor."),
    Operation("visitors.receive", "Hand a waiting visitor over to their host."),
    Operation("visitors.check_out", "Check a visitor out of the building."),
    Operation("visitors.release_student", "Release a student to a guardian on their list."),
    Operation("questions.answer", "Answer a customer's question, or escalate it."),
    # recorded by the office itself: the phone system and the office's lists
    Operation("calls.receive", "An incoming call arrives and is routed.", by_office=True),
    Operation("calls.hang_up", "A caller hangs up during the call.", by_office=True),
    Operation("callers.register", "Register a known caller.", by_office=True),
    Operation("guardians.add", "Add a guardian to a student's list.", by_office=True),
)
"""The operations of the receptionist's desk."""


@hookimpl
def officekit_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add the receptionist's hooks (routing, answering, arrivals)."""
    from officekit.plugins.reception import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the receptionist's operations."""
    return list(RECEPTION_OPERATIONS)


@hookimpl(optionalhook=True)
def officekit_register_metrics() -> list[Metric]:
    """Add the desk's metrics to the front-office analysis (when it is installed)."""
    from officekit.plugins.reception.metrics import metrics

    return metrics()


@hookimpl
def officekit_register_profile_sections() -> list[ProfileSection[Any]]:
    """Register ``[phones]``, ``[routing]``, ``[visitors]`` and ``[questions]``."""
    from officekit.plugins.reception.settings import SECTIONS

    return list(SECTIONS)


@hookimpl
def officekit_register_facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Register ``office.calls``/``messages``/``visitors``/``knowledge_base`` and the desk's."""
    from officekit.plugins.reception.calls import CALL_DESK, CALLS
    from officekit.plugins.reception.messages import MESSAGE_DESK, MESSAGES
    from officekit.plugins.reception.questions import KNOWLEDGE_BASE, QUESTION_DESK
    from officekit.plugins.reception.visitors import VISITOR_DESK, VISITORS

    return [
        CALLS,
        MESSAGES,
        VISITORS,
        KNOWLEDGE_BASE,
        CALL_DESK,
        MESSAGE_DESK,
        VISITOR_DESK,
        QUESTION_DESK,
    ]


@hookimpl
def officekit_register_migrations() -> list[Migrations]:
    """Register the reception tables and their revisions."""
    from officekit.plugins.reception.tables import MIGRATIONS

    return [MIGRATIONS]


@hookimpl
def officekit_register_commands(app: typer.Typer) -> None:
    """Add ``officekit calls``, ``officekit visitors`` and ``officekit ask``."""
    from officekit.plugins.reception.cli import register

    register(app)


@hookimpl
def officekit_register_audit_checks() -> list[AuditCheck]:
    """Compare ``calls``, ``messages`` and ``visits`` with their events (``--deep``)."""
    from officekit.plugins.reception.audit import AUDIT_CHECKS

    return list(AUDIT_CHECKS)


@hookimpl
def officekit_register_simulation_steps() -> list[SimulationStep]:
    """Simulate calls, visitors and questions at the desk."""
    from officekit.plugins.reception.simulation import STEP

    return [STEP]


@hookimpl
def officekit_before_operation(office: Office, context: OperationContext) -> None:
    """Refuse a ``desk.note`` that mentions a word of ``[visitors] restricted_words``.

    The note would enter the permanent log; the words the office does not record
    as a visitor's purpose (medical details: minimum necessary) are matched the
    same way, by word stems. Its text and its subject are checked.

    Raises:
        ValidationError: ``where="text"`` (or ``"subject"``); nothing is written.
    """
    if context.operation != "desk.note":
        return
    from officekit.errors import Problem, ValidationError
    from officekit.plugins.reception.settings import VISITORS
    from officekit.plugins.reception.visitors import _restricted_hits

    restricted = office.profile.section(VISITORS).restricted_words
    if not restricted:
        return
    problems = []
    for where, value in (("text", context.detail.get("text")), ("subject", context.subject)):
        hits = _restricted_hits(value, restricted) if isinstance(value, str) else []
        if hits:
            problems.append(
                Problem(
                    where,
                    f"the {where} mentions {', '.join(repr(h) for h in hits)}, which the "
                    "office does not record at the desk ([visitors] restricted_words: "
                    "minimum necessary); the event log is permanent: write it without them",
                )
            )
    if problems:
        raise ValidationError(problems)


@hookimpl(optionalhook=True)
def officekit_feedback_served_by(office: Office, subject: str) -> int | None:
    """Say who served a caller (``call:<id>``: who handled it) or a visitor (``visit:<id>``).

    For the analysis desk's customer feedback; None for other subjects, or a call
    nobody answered.

    Raises:
        ValidationError: The id of a ``call:`` or ``visit:`` is not an id.
        NotFoundError: The office has no such call or visit.
    """
    kind = subject.partition(":")[0]
    if kind not in ("call", "visit"):
        return None
    import sqlalchemy as sa

    from officekit.core.store import read_transaction
    from officekit.core.validate import subject_id
    from officekit.errors import NotFoundError
    from officekit.plugins.reception.tables import calls, visits

    number = subject_id(subject)
    table, column = (
        (calls, calls.c.handled_by) if kind == "call" else (visits, visits.c.checked_in_by)
    )
    with read_transaction(office.engine) as conn:
        row = conn.execute(
            sa.select(column).where(table.c.id == number, table.c.office_id == office.id)
        ).first()
    if row is None:
        raise NotFoundError(f"no {kind} {number} in this office")
    return None if row[0] is None else int(row[0])
