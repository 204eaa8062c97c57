"""The receptionist's desk: calls, messages, visitors and customer questions."""

from __future__ import annotations

from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl

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
)


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the receptionist's operations."""
    return list(RECEPTION_OPERATIONS)
