"""The administrative assistant's desk: the employer's schedule, appointments, document processing.

A built-in plugin, made of nothing but the extension points any plugin has, in
two parts that share nothing but this module (the documents part reads an
appointment's fields through the schedule facet, where it exists):

* ``officekit.plugins.assistant.schedule``: the daily schedule of principals
  (a doctor, a lawyer, a head teacher, the owner): meetings and appointments
  with attendees and rooms, working hours, breaks and buffers, RFC 5545
  recurrence, time off; conflicts refused on booking (or overridden, on the
  record); the next free slots; delegation of a principal's calendar; the day's
  agenda as text and HTML; iCalendar export and import; customer appointments
  per profile with confirmations, reminders, no-shows and late cancellations.
  Profile section ``[schedule]``; ``office.schedule``, ``desk.schedule``;
  ``officekit schedule ...``.
* ``officekit.plugins.assistant.documents``: sandboxed Jinja2 templates per
  profile (confirmations, reminders, letters, covering notes, visitor badges),
  chosen and extended by the ``officekit_register_templates`` and
  ``officekit_render_document`` hooks; the processing queue of incoming
  documents (received -> reviewed -> filed, forwarded or returned). Profile
  section ``[documents]``; ``office.documents``, ``desk.documents``;
  ``officekit documents ...``.

Each part's ``part`` module says what it contributes; [`Parts`][officekit.plugins.parts.Parts]
registers both.
Turn the desk off with ``[plugins] disable = ["officekit.plugins.assistant"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl
from officekit.plugins.parts import Parts

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.reviews.metrics import Metric

__all__ = ["ASSISTANT_OPERATIONS"]

ASSISTANT_OPERATIONS = (
    Operation(
        "schedule.book", "Book a meeting, appointment or time off in a principal's schedule."
    ),
    Operation(
        "schedule.cancel", "Cancel an entry in a principal's schedule (or one occurrence of it)."
    ),
    Operation("schedule.override", "Book over a conflict, with the reason on the record."),
    Operation("schedule.set_hours", "Set a principal's working hours, breaks and buffer."),
    Operation("schedule.import", "Import entries from an iCalendar file."),
    Operation("schedule.delegate", "Delegate a principal's calendar to a member of staff."),
    Operation("schedule.revoke", "Withdraw a delegation of a principal's calendar."),
    Operation("appointments.book", "Book a customer's appointment through the front desk."),
    Operation(
        "appointments.cancel", "Cancel a customer's appointment (late cancellations are marked)."
    ),
    Operation("appointments.confirm", "Send a customer the confirmation of an appointment."),
    Operation("appointments.remind", "Send a customer the reminder of an appointment."),
    Operation("appointments.no_show", "Record that a customer did not come to an appointment."),
    Operation("documents.render", "Produce a document from a template, for sending or printing."),
    Operation("documents.receive", "Log an incoming document into the processing queue."),
    Operation("documents.review", "Review an incoming document in the queue."),
    Operation(
        "documents.file", "File a reviewed document (with the filing desk, where it exists)."
    ),
    Operation("documents.forward", "Forward a reviewed document to a person or department."),
    Operation("documents.return", "Return a reviewed document to its sender."),
)
"""The operations of the administrative assistant's desk."""

_PARTS = Parts(
    "officekit.plugins.assistant.schedule.part",
    "officekit.plugins.assistant.documents.part",
)

officekit_addhooks = _PARTS.officekit_addhooks
officekit_register_profile_sections = _PARTS.officekit_register_profile_sections
officekit_register_facets = _PARTS.officekit_register_facets
officekit_register_migrations = _PARTS.officekit_register_migrations
officekit_register_commands = _PARTS.officekit_register_commands
officekit_register_audit_checks = _PARTS.officekit_register_audit_checks
officekit_register_simulation_steps = _PARTS.officekit_register_simulation_steps


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the desk's operations."""
    return list(ASSISTANT_OPERATIONS)


@hookimpl(optionalhook=True)
def officekit_register_metrics() -> list[Metric]:
    """Add the desk's metrics to the front-office analysis (when it is installed)."""
    from officekit.plugins.assistant.metrics import metrics

    return metrics()


@hookimpl(optionalhook=True)
def officekit_feedback_served_by(office: Office, subject: str) -> int | None:
    """Say who booked an appointment, for the analysis desk's feedback.

    The subject is ``appointment:<uid>`` (the entry's ``uid``, as
    ``desk.appointments.book`` returns it) or ``appointment:<id>`` (its row id).
    None for other subjects.

    Raises:
        NotFoundError: The office has no such appointment.
    """
    kind, _, ident = subject.partition(":")
    if kind != "appointment":
        return None
    import sqlalchemy as sa

    from officekit.core.store import read_transaction
    from officekit.core.validate import subject_id
    from officekit.errors import NotFoundError
    from officekit.plugins.assistant.schedule.tables import schedule_entries

    entries = schedule_entries.c
    numeric = ident.isascii() and ident.isdigit()
    which = entries.id == subject_id(subject) if numeric else entries.uid == ident
    with read_transaction(office.engine) as conn:
        row = conn.execute(
            sa.select(entries.booked_by).where(
                which, entries.office_id == office.id, entries.kind == "appointment"
            )
        ).first()
    if row is None:
        raise NotFoundError(f"no appointment {ident!r:.60} in this office")
    return None if row[0] is None else int(row[0])
