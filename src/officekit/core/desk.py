"""The desk: where a member of staff performs operations.

``with office.desk(member) as desk:`` hands out a [`Desk`][officekit.Desk];
every operation on it is authorised against that member of staff and
recorded in the event log. Plugins add their operations to it as facets
(``desk.calls``, ``desk.parcels``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import sqlalchemy as sa

from officekit.core.audit import VERIFY_OPERATION, last_verified, verify_detail, verify_office
from officekit.core.events import AuditReport, Event
from officekit.core.extensions import DeskFacet, FacetHost
from officekit.core.kernel import SUBJECT_LIMIT, Decision
from officekit.core.store import snapshot
from officekit.core.validate import check_bool, check_str, collect, text_field
from officekit.errors import (
    ConflictError,
    PermissionDenied,
    Problem,
    ValidationError,
)

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.core.staff import StaffMember

__all__ = ["Desk"]

T = TypeVar("T")

_KERNEL_DECIDERS = ("profile", "plugin")
"""Who decides a refusal the kernel makes; a desk's own rule names itself otherwise."""

MAX_NOTE_LENGTH = 2000


class Desk(FacetHost):
    """A member of staff at work. Get one from [`Office.desk`][officekit.Office.desk].

    The plugins' operations are attributes too: ``desk.calls`` (typed ``Any``), or
    ``desk.facet(CALL_DESK)`` typed by its key. ``dir(desk)`` lists them.
    """

    _facet_kind = "desk facet"

    def __init__(self, office: Office, actor: StaffMember) -> None:
        self._office = office
        self._actor = actor
        self._closed = False

    @property
    def office(self) -> Office:
        """The office (read-only)."""
        return self._office

    @property
    def actor(self) -> StaffMember:
        """The member of staff performing every operation of this desk (read-only)."""
        return self._actor

    def facet(self, key: DeskFacet[T]) -> T:
        """Return a plugin's facet of this desk, typed by its key.

        Raises:
            NotFoundError: No plugin that runs in this office registered ``key``.
        """
        built: T = self._facet(key, DeskFacet)
        return built

    def _registered_facets(self) -> Mapping[str, DeskFacet[Any]]:
        office = self.__dict__.get("_office")
        return office.desk_facets if office is not None else {}

    def check_open(self) -> None:
        """Raise ConflictError if the desk was closed: call it first in a facet's operations.

        [`perform`][officekit.Desk.perform], [`refuse`][officekit.Desk.refuse] and
        [`record_refusal`][officekit.Desk.record_refusal] check it themselves.
        """
        if self._closed:
            raise ConflictError("this desk was closed: open a new one with office.desk(member)")

    def refuse(
        self, operation: str, subject: str | None, reason: str, *, decided_by: str
    ) -> NoReturn:
        """Refuse ``operation`` by the operation's own rule: record it, then raise.

        What a desk's facet calls when its own rule says no (a student released only
        to a listed guardian, a high-value parcel signed for only by a senior). If the
        profile (or a plugin) refuses the operation to this member of staff anyway,
        that refusal is the one recorded and raised, so that the reason given is the
        first one that applies.

        Args:
            operation: The operation refused (registered, performed at a desk).
            subject: What it was about, recorded in the event.
            reason: Why, recorded in the event and the error.
            decided_by: The rule that refuses (``"guardian_list"``); ``"profile"`` and
                ``"plugin"`` are the kernel's.

        Raises:
            PermissionDenied: Once the refusal is recorded.
            ConflictError: The desk was closed; nothing is recorded.
            NotFoundError: No operation has that name; nothing is recorded.
            ValidationError: The operation is recorded by the office, or ``decided_by``
                is the kernel's; nothing is recorded.
        """
        self.check_open()
        check_str(operation, "operation", "an operation's name", 100)
        if subject is not None:
            check_str(subject, "subject", "a subject", SUBJECT_LIMIT)
        check_str(reason, "reason", "a reason", 2000, multiline=True)
        check_str(decided_by, "decided_by", "the name of a rule", 100)
        if decided_by in _KERNEL_DECIDERS:
            raise ValidationError(
                f"decided_by {decided_by!r} is the kernel's: name the rule that refuses",
                where="decided_by",
            )
        if self.office.operations[operation].by_office:
            raise ValidationError(
                f"{operation} is recorded by the office itself: no desk refuses it",
                where="operation",
            )
        decision = self.can(operation, subject)
        if not decision.allowed:
            reason, decided_by = decision.reason, decision.decided_by
        self.record_refusal(operation, subject, reason, decided_by=decided_by)
        raise PermissionDenied(self.actor.name, operation, reason)

    def record_refusal(
        self, operation: str, subject: str | None, reason: str, *, decided_by: str
    ) -> Event:
        """Record that this desk's member of staff was refused ``operation`` by its own rule.

        For an operation's own rule (a student released only to a listed
        guardian, a message acknowledged only by its recipient); raising
        [`PermissionDenied`][officekit.errors.PermissionDenied] is left to the caller.

        Raises:
            ConflictError: The desk was closed; nothing is recorded.
        """
        self.check_open()
        self.office.operations[check_str(operation, "operation", "an operation's name", 100)]
        if subject is not None:
            check_str(subject, "subject", "a subject", SUBJECT_LIMIT)
        check_str(reason, "reason", "a reason", 2000, multiline=True)
        check_str(decided_by, "decided_by", "the name of a rule", 100)
        return self.office.kernel.record_refusal(
            self.actor, operation, subject, reason, decided_by=decided_by
        )

    def close(self) -> None:
        """Close the desk; later operations on it are refused."""
        self._closed = True

    def can(self, operation: str, subject: str | None = None) -> Decision:
        """Tell whether this desk's member of staff may perform ``operation`` (records nothing).

        Raises:
            NotFoundError: No operation has that name.
            ValidationError: ``operation`` or ``subject`` is not a fit string.
        """
        check_str(operation, "operation", "an operation's name", 100)
        if subject is not None:
            check_str(subject, "subject", "a subject", SUBJECT_LIMIT)
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
        self.check_open()
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
            ValidationError: If the text is empty, too long or has a control character
                other than a tab or line break, or the subject is not one-line text of at
                most 200 characters; nothing is written.
        """
        problems: list[Problem] = []
        clean = text_field(
            text, "text", "a note", MAX_NOTE_LENGTH, problems, required=True, multiline=True
        )
        if subject is not None:
            collect(problems, check_str, subject, "subject", "a subject", SUBJECT_LIMIT)
        if problems:
            raise ValidationError(problems)
        return self.perform("desk.note", subject=subject, detail={"text": clean})[1]

    def verify_audit(self, *, deep: bool = False, incremental: bool = False) -> AuditReport:
        """Verify the office's event log (``audit.verify``); the check itself is recorded.

        As [`Office.verify_audit`][officekit.Office.verify_audit]: the chain, with
        the office's audit key its MACs and checkpoints, and with ``deep`` the
        desks' tables against their events.

        In three steps, none of which holds the write lock while the log is read:
        the member of staff is authorised first (a refusal is recorded and raised,
        and nothing is verified); the log is verified in a read snapshot, so
        writers carry on meanwhile; then the ``audit.verify`` event is appended in a
        transaction of its own, with a summary of the report in its detail
        ([`verify_detail`][officekit.core.audit.verify_detail]: the range read, the
        counts, and the point verified up to, from which the next incremental check
        starts). Events appended during the verification are left to the next one.

        Args:
            deep: Also compare the state tables with what their events recorded
                (always the whole log).
            incremental: Verify only what was appended since the last verification
                recorded at a desk, or the last signed checkpoint (with the key): see
                [`last_verified`][officekit.core.audit.last_verified]. The report's
                ``from_seq`` says where it started, and ``not_checked`` that the events
                before it were not re-checked. Ignored with ``deep``.

        Returns:
            The report, read before this check's own event was appended.

        Raises:
            PermissionDenied: The member of staff may not verify (the refusal is
                recorded; nothing is verified).
            ValidationError: ``deep`` or ``incremental`` is not a bool.
            ConflictError: The desk was closed.
        """
        self.check_open()
        check_bool(deep, "deep")
        check_bool(incremental, "incremental")
        office = self.office
        # Who they are now: a desk may outlive a change of their roles.
        actor = office.staff.get(self.actor.id)
        decision = office.kernel.authorise(actor, office.operations[VERIFY_OPERATION])
        if not decision.allowed:
            office.kernel.record_refusal(
                actor, VERIFY_OPERATION, None, decision.reason, decided_by=decision.decided_by
            )
            raise PermissionDenied(self.actor.name, VERIFY_OPERATION, decision.reason)
        checks = office.plugins.register_audit_checks() if deep else ()
        key = office.audit_key
        with snapshot(office.engine) as conn:
            since = last_verified(conn, office.id, key=key) if incremental and not deep else None
            report = verify_office(conn, office.id, key=key, checks=checks, deep=deep, since=since)
        detail = verify_detail(report, incremental=incremental, deep=deep)
        self.perform(VERIFY_OPERATION, detail=detail)
        return report
