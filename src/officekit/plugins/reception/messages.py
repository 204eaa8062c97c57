"""Messages: taken for a department or a person who is unavailable, delivered, acknowledged.

A message is taken at the desk (from a call, or from a question the
knowledge base could not answer), delivered to its recipient, and
acknowledged by them. One not acknowledged by its due time is overdue.
"""

from __future__ import annotations

import builtins
import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.convert import converter
from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.store import update_unless_done
from officekit.core.validate import (
    check_aware,
    check_bool,
    check_choice,
    check_ref,
    check_str,
    collect,
    column_limit,
    shift_time,
    text_field,
)
from officekit.errors import (
    ConflictError,
    NotFoundError,
    Problem,
    ValidationError,
)
from officekit.plugins.reception.settings import PHONES
from officekit.plugins.reception.tables import messages

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office
    from officekit.core.staff import StaffMember

__all__ = [
    "MESSAGES",
    "MESSAGE_DESK",
    "Message",
    "MessageBook",
    "MessageDesk",
    "due_time",
    "insert_message",
    "recipient_problems",
]

MAX_MESSAGE_LENGTH = 4000


@attrs.frozen
class Message:
    """A message for a department or a member of staff.

    Attributes:
        id: Database id.
        office_id: The office.
        call_id: The call it was taken on, if any.
        for_department: The department it is for, if for a department.
        for_staff_id: The member of staff it is for, if for a person.
        from_name: Who left it, if known.
        from_number: Their phone number, if known.
        text: The message.
        taken_by: The member of staff who took it (None: the office itself).
        taken_at: When it was taken.
        due_at: When it must be acknowledged by.
        delivered_at: When it was delivered to its recipient.
        acknowledged_at: When the recipient acknowledged it.
        acknowledged_by: Who acknowledged it.
    """

    id: int
    office_id: int
    call_id: int | None
    for_department: str | None
    for_staff_id: int | None
    from_name: str | None
    from_number: str | None
    text: str
    taken_by: int | None
    taken_at: dt.datetime
    due_at: dt.datetime
    delivered_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: int | None = None

    def overdue(self, now: dt.datetime) -> bool:
        """True when it is not acknowledged and its due time has passed."""
        return self.acknowledged_at is None and now > self.due_at


def recipient_problems(
    office: Office, department: str | None, person: StaffMember | int | None
) -> list[Problem]:
    """Check a message's or transfer's recipient: exactly one known department or active person.

    Each problem names ``department`` or ``person``.

    Raises:
        NotFoundError: ``person: no member of staff with id ...``, for an unknown person.
    """
    from officekit.core.staff import StaffMember

    if (department is None) == (person is None):
        return [Problem("department/person", "give exactly one of department or person")]
    problems: list[Problem] = []
    if department is not None:
        depts = office.profile.departments
        collect(problems, check_choice, department, "department", depts, "department")
    if person is not None:
        person_id = collect(problems, check_ref, person, "person", StaffMember, "a member of staff")
        if person_id is not None:
            try:
                member = office.staff.get(person_id)
            except NotFoundError as exc:  # named: which of the arguments is not found
                raise NotFoundError(f"person: {exc}") from None
            if not member.active:
                return [Problem("person", f"{member.name} (id {member.id}) has left the office")]
    return problems


def due_time(office: Office, now: dt.datetime | None = None) -> dt.datetime:
    """When a message taken now must be acknowledged by (``phones.message_due_hours`` on).

    Raises:
        ValidationError: Naming ``clock``, if the clock is too far out to add the hours to.
    """
    now = check_aware(office.clock.now() if now is None else now, "clock")
    hours = dt.timedelta(hours=office.profile.section(PHONES).message_due_hours)
    return shift_time(now, hours, "clock")


def insert_message(
    conn: sa.Connection,
    office: Office,
    *,
    text: str,
    for_department: str | None = None,
    for_staff_id: int | None = None,
    from_name: str | None = None,
    from_number: str | None = None,
    taken_by: int | None = None,
    call_id: int | None = None,
) -> int:
    """Write a message inside the caller's transaction and return its id (already validated)."""
    now = office.clock.now()
    due = due_time(office, now)
    message_id: int = conn.execute(
        messages.insert()
        .values(
            office_id=office.id,
            call_id=call_id,
            for_department=for_department,
            for_staff_id=for_staff_id,
            from_name=from_name,
            from_number=from_number,
            text=text,
            taken_by=taken_by,
            taken_at=now,
            due_at=due,
        )
        .returning(messages.c.id)
    ).scalar_one()
    return message_id


def check_text(text: str, where: str = "text") -> str:
    """Return the stripped message text, or raise ValidationError naming ``where``.

    A message may have line breaks and tabs, no other control character.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("a message needs some text", where=where)
    problems: list[Problem] = []
    clean = text_field(
        text, where, "a message", MAX_MESSAGE_LENGTH, problems, required=True, multiline=True
    )
    if problems:
        raise ValidationError(problems)
    assert clean is not None
    return clean


def _row_to_message(row: Any) -> Message:
    return converter.structure(dict(row._mapping), Message)


class MessageBook:
    """The office's messages: ``office.messages``."""

    def __init__(self, office: Office) -> None:
        self._office = office

    def get(self, message_id: Message | int) -> Message:
        """Return one message.

        Raises:
            ValidationError: If ``message_id`` is not an id.
            NotFoundError: If the office has no message with that id.
        """
        message_id = check_ref(message_id, "message_id", Message, "a message")
        with self._office.engine.connect() as conn:
            row = conn.execute(
                sa.select(messages).where(
                    messages.c.id == message_id, messages.c.office_id == self._office.id
                )
            ).one_or_none()
        if row is None:
            raise NotFoundError(f"no message with id {message_id} in this office")
        return _row_to_message(row)

    def list(
        self,
        *,
        department: str | None = None,
        person: StaffMember | int | None = None,
        unacknowledged: bool = False,
    ) -> list[Message]:
        """Return messages, oldest first, optionally for one department or person.

        Raises:
            ValidationError: An argument of the wrong type.
        """
        from officekit.core.staff import StaffMember

        check_bool(unacknowledged, "unacknowledged")
        query = sa.select(messages).where(messages.c.office_id == self._office.id)
        if department is not None:
            limit = column_limit(messages.c.for_department)
            check_str(department, "department", "a department", limit)
            query = query.where(messages.c.for_department == department)
        if person is not None:
            person_id = check_ref(person, "person", StaffMember, "a member of staff")
            query = query.where(messages.c.for_staff_id == person_id)
        if unacknowledged:
            query = query.where(messages.c.acknowledged_at.is_(None))
        with self._office.engine.connect() as conn:
            rows = conn.execute(query.order_by(messages.c.id)).all()
        return [_row_to_message(r) for r in rows]

    def overdue(self, at: dt.datetime | None = None) -> builtins.list[Message]:
        """Return the messages not acknowledged by their due time (``at``, now by default).

        Raises:
            ValidationError: If ``at`` is not an aware datetime.
        """
        now = check_aware(at, "at") if at is not None else self._office.clock.now()
        query = (
            sa.select(messages)
            .where(
                messages.c.office_id == self._office.id,
                messages.c.acknowledged_at.is_(None),
                messages.c.due_at < now,
            )
            .order_by(messages.c.due_at)
        )
        with self._office.engine.connect() as conn:
            return [_row_to_message(r) for r in conn.execute(query).all()]


class MessageDesk:
    """Message operations at a desk: ``desk.messages``."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    def take(
        self,
        text: str,
        *,
        department: str | None = None,
        person: StaffMember | int | None = None,
        from_name: str | None = None,
        from_number: str | None = None,
    ) -> Message:
        """Take a message for a department or a person, outside a call (``messages.take``).

        Raises:
            ValidationError: Bad text or recipient; nothing is written.
        """
        office = self._desk.office
        problems: list[Problem] = []
        clean = collect(problems, check_text, text)
        problems += recipient_problems(office, department, person)
        from_name = text_field(
            from_name, "from_name", "the caller's name", column_limit(messages.c.from_name),
            problems, required=False,
        )  # fmt: skip
        if from_number is not None and from_number != "":
            from officekit.plugins.reception.calls import CALLS

            from_number = collect(
                problems, office.facet(CALLS).normalise_number, from_number, "from_number"
            )
        else:
            from_number = None
        if problems:
            raise ValidationError(problems)
        assert clean is not None
        due_time(office)  # the clock can still give a due time
        person_id = None if person is None else office.staff.get(person).id

        detail: dict[str, Any] = {"department": department, "staff_id": person_id}

        def act(conn: sa.Connection) -> int:
            new_id = insert_message(
                conn, office, text=clean, for_department=department, for_staff_id=person_id,
                from_name=from_name, from_number=from_number, taken_by=self._desk.actor.id,
            )  # fmt: skip
            detail["message_id"] = new_id  # the event names the message it created
            return new_id

        message_id, _ = self._desk.perform(
            "messages.take", subject=department or f"staff:{person_id}", detail=detail, act=act
        )
        assert message_id is not None
        return office.facet(MESSAGES).get(message_id)

    def _mark(self, message: Message | int, operation: str, column: str) -> Message:
        self._desk.check_open()
        office = self._desk.office
        current = office.facet(MESSAGES).get(message)
        if getattr(current, column) is not None:
            raise ConflictError(f"message {current.id} was already {column.removesuffix('_at')}")
        now = office.clock.now()
        values: dict[str, Any] = {column: now}
        if column == "acknowledged_at":
            values["acknowledged_by"] = self._desk.actor.id
            if current.delivered_at is None:
                values["delivered_at"] = now

        def act(conn: sa.Connection) -> None:
            update_unless_done(
                conn, messages, current.id, values, still_null=(column,),
                conflict=f"message {current.id} was already {column.removesuffix('_at')}",
            )  # fmt: skip

        # On time or not: delivered (acknowledged) after its due time is overdue.
        detail = {"message_id": current.id, "overdue": now > current.due_at}
        self._desk.perform(operation, subject=f"message:{current.id}", detail=detail, act=act)
        return office.facet(MESSAGES).get(current.id)

    def deliver(self, message: Message | int) -> Message:
        """Record that a message was delivered to its recipient (``messages.deliver``).

        The event records whether it was ``overdue``: delivered after its due time.

        Raises:
            ConflictError: If it was already delivered.
        """
        return self._mark(message, "messages.deliver", "delivered_at")

    def acknowledge(self, message: Message | int) -> Message:
        """Record that the recipient acknowledged a message (``messages.acknowledge``).

        Only the recipient may: the member of staff it is for, or someone whose
        role belongs to the department it is for. The event records whether it was
        ``overdue``: acknowledged after its due time.

        Raises:
            ConflictError: If it was already acknowledged.
            PermissionDenied: If this desk's member of staff is not its recipient
                (the refusal is recorded).
        """
        self._desk.check_open()
        office = self._desk.office
        current = office.facet(MESSAGES).get(message)
        actor = self._desk.actor
        departments = {
            office.profile.roles[r].department for r in actor.roles if r in office.profile.roles
        }
        if current.for_staff_id is not None and current.for_staff_id != actor.id:
            reason = f"message {current.id} is for another member of staff"
        elif current.for_department is not None and current.for_department not in departments:
            reason = f"message {current.id} is for {current.for_department}, not their department"
        else:
            return self._mark(current, "messages.acknowledge", "acknowledged_at")
        self._desk.refuse(
            "messages.acknowledge", f"message:{current.id}", reason, decided_by="recipient"
        )


MESSAGES: OfficeFacet[MessageBook] = OfficeFacet(
    "messages", MessageBook, "Messages taken for the office's departments and staff."
)
"""``office.messages``, typed: ``office.facet(MESSAGES)``."""

MESSAGE_DESK: DeskFacet[MessageDesk] = DeskFacet(
    "messages", MessageDesk, "Messages: take, deliver, acknowledge."
)
"""``desk.messages``, typed: ``desk.facet(MESSAGE_DESK)``."""
