"""The desk: where a member of staff performs operations.

``with office.desk(member) as desk:`` hands out a [`Desk`][officekit.Desk];
every operation on it is authorised against that member of staff and
recorded in the event log. Later desks (calls, filing, payments...) add their
operations to it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from officekit.core.calls import CallDesk
from officekit.core.events import AuditReport, Event, verify_chain
from officekit.core.kernel import Decision
from officekit.core.messages import MessageDesk
from officekit.errors import ConflictError, ValidationError

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.core.questions import Answer
    from officekit.core.staff import StaffMember
    from officekit.core.visitors import VisitorDesk

__all__ = ["Desk"]

T = TypeVar("T")

MAX_NOTE_LENGTH = 2000


class Desk:
    """A member of staff at work. Get one from [`Office.desk`][officekit.Office.desk].

    Attributes:
        office: The office.
        actor: The member of staff performing every operation of this desk.
        calls: Call handling: answer, hold, resume, transfer, take a message, complete.
        messages: Messages: take, deliver, acknowledge.
    """

    def __init__(self, office: Office, actor: StaffMember) -> None:
        self.office = office
        self.actor = actor
        self._closed = False
        self.calls = CallDesk(self)
        self.messages = MessageDesk(self)

    @functools.cached_property
    def visitors(self) -> VisitorDesk:
        """Visitor operations: check in, hand over to the host, check out, release a student."""
        from officekit.core.visitors import VisitorDesk

        return VisitorDesk(self)

    def answer(self, question: str) -> Answer:
        """Answer a customer's question from the knowledge base, or escalate it.

        The operation is ``questions.answer``.

        A plugin's ``officekit_answer_question`` answer comes first. Below the
        profile's confidence threshold the question is not answered but left as a
        message for the department it concerns.
        """
        from officekit.core.questions import answer_question

        return answer_question(self, question)

    def _check_open(self) -> None:
        if self._closed:
            raise ConflictError("this desk was closed: open a new one with office.desk(member)")

    def close(self) -> None:
        """Close the desk; later operations on it are refused."""
        self._closed = True

    def can(self, operation: str, subject: str | None = None) -> Decision:
        """Tell whether this desk's member of staff may perform ``operation`` (records nothing).

        Raises:
            NotFoundError: No operation has that name.
        """
        return self.office.kernel.authorise(self.actor, self.office.operations[operation], subject)

    def perform(
        self,
        operation: str,
        *,
        subject: str | None = None,
        detail: Mapping[str, Any] | None = None,
        act: Callable[[sa.Connection], T] | None = None,
    ) -> tuple[T | None, Event]:
        """Perform any registered operation: what desks of plugins build on.

        See [`Kernel.run`][officekit.core.kernel.Kernel.run] for the arguments.

        Raises:
            PermissionDenied: The actor may not perform it (the refusal is recorded).
            NotFoundError: No operation has that name.
        """
        self._check_open()
        return self.office.kernel.run(
            self.actor, operation, subject=subject, detail=detail, act=act
        )

    def start_shift(self) -> Event:
        """Start a shift at the front office (``desk.start_shift``)."""
        return self.perform("desk.start_shift")[1]

    def end_shift(self) -> Event:
        """End a shift at the front office (``desk.end_shift``)."""
        return self.perform("desk.end_shift")[1]

    def note(self, text: str, *, subject: str | None = None) -> Event:
        """Write a note in the front-office log (``desk.note``).

        Args:
            text: The note, 1 to 2,000 characters.
            subject: What it is about, if anything.

        Raises:
            ValidationError: If the text is empty or too long; nothing is written.
        """
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("a note needs some text", where="text")
        if len(text) > MAX_NOTE_LENGTH:
            raise ValidationError(
                f"a note is at most {MAX_NOTE_LENGTH} characters, got {len(text)}", where="text"
            )
        return self.perform("desk.note", subject=subject, detail={"text": text.strip()})[1]

    def verify_audit(self) -> AuditReport:
        """Verify the office's event chain (``audit.verify``); the check itself is recorded.

        Returns:
            The report, read before this check's own event was appended.
        """

        def act(conn: sa.Connection) -> AuditReport:
            return verify_chain(conn, self.office.id)

        report, _ = self.perform("audit.verify", act=act)
        assert report is not None
        return report
