"""The flow every operation follows.

**authorise** (the actor's roles and level against the profile, then plugins
that may tighten) → **validate** (the caller's job, before it asks the kernel)
→ **act inside one transaction** → **append an event in that same transaction**
→ **notify plugins after commit**. A refusal is itself recorded, as an event
with outcome ``"denied"``, before `PermissionDenied` is raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import sqlalchemy as sa

from officekit.core.audit import append_only_refusal
from officekit.core.events import Event, Outcome, append_event, canonical_json, lock_head
from officekit.core.operations import Operation, OperationContext
from officekit.core.prepared import Prepared
from officekit.core.store import events, offices, staff, staff_roles, write_transaction
from officekit.core.validate import check_str, column_limit
from officekit.errors import NotFoundError, PermissionDenied, ValidationError

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.core.staff import StaffMember

__all__ = ["OFFICE_ACTOR", "Decision", "Kernel"]

T = TypeVar("T")

SUBJECT_LIMIT = column_limit(events.c.subject)
"""The most characters an event's subject has (the column's length)."""

OFFICE_ACTOR = "office"
"""The actor name recorded for the office's own administration (hiring, ...)."""


@attrs.frozen
class Decision:
    """The answer to "may this member of staff perform this operation?".

    Attributes:
        allowed: The answer.
        actor: The name of who asked.
        operation: The operation asked about.
        reason: Why: which responsibility allows it, or why it is refused.
        responsibility: The responsibility that grants it, if one does.
        decided_by: ``"profile"``, or ``"plugin"`` when a plugin refused.
    """

    allowed: bool
    actor: str
    operation: str
    reason: str
    responsibility: str | None = None
    decided_by: str = "profile"


def _nothing(conn: sa.Connection) -> None:
    return None


# One round trip opens every operation at a desk: the office row locked (the chain
# head read then is used at the end) and the actor as they are now (a desk may
# outlive a change of roles). Built once; one row per role the actor holds.
_HEAD_AND_ACTOR = Prepared(
    sa.select(offices.c.event_seq, offices.c.event_head, staff.c.left_at, staff_roles.c.role)
    .select_from(
        offices.outerjoin(
            staff,
            sa.and_(staff.c.id == sa.bindparam("b_staff_id"), staff.c.office_id == offices.c.id),
        ).outerjoin(staff_roles, staff_roles.c.staff_id == staff.c.id)
    )
    .where(offices.c.id == sa.bindparam("b_office_id"))
    .with_for_update(of=offices)
)


class _Refused(Exception):
    """Raised inside a transaction when the actor is no longer allowed: rolls it back."""

    def __init__(self, actor: StaffMember, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.actor = actor
        self.decision = decision


class Kernel:
    """Authorisation and recording for one office (``office.kernel``)."""

    def __init__(self, office: Office) -> None:
        self._office = office
        # What the profile grants (roles, level, operation) -> (reason, responsibility): the
        # office's profile never changes, and a desk asks the same question at every operation.
        self._granted: dict[tuple[tuple[str, ...], str, str], tuple[str, str]] = {}

    def decide(self, actor: StaffMember, operation: Operation) -> Decision:
        """Decide from the profile alone whether ``actor`` may perform ``operation``."""
        profile = self._office.profile
        name = operation.name
        if not actor.active:
            return Decision(False, actor.name, name, "they have left the office")
        asked = (actor.roles, actor.level, name)
        granted = self._granted.get(asked)
        if granted is not None:
            return Decision(True, actor.name, name, granted[0], responsibility=granted[1])
        covering = profile.responsibilities_for(name)
        if not covering:
            return Decision(
                False,
                actor.name,
                name,
                f"no responsibility in profile {profile.name!r} covers it",
            )
        rank = profile.level_rank(actor.level)
        held = {
            r
            for role in actor.roles
            if role in profile.roles  # a role the profile no longer has grants nothing
            for r in profile.roles[role].responsibilities
        }
        too_junior: list[str] = []
        for key, resp in covering.items():
            if key not in held:
                continue
            if rank >= profile.level_rank(resp.min_level):
                reason = f"granted by responsibility {key!r}"
                self._granted[asked] = (reason, key)
                return Decision(True, actor.name, name, reason, responsibility=key)
            too_junior.append(f"{key!r} needs level {resp.min_level!r}")
        roles = ", ".join(actor.roles)
        if too_junior:
            return Decision(
                False,
                actor.name,
                name,
                f"their level is {actor.level!r} and responsibility {'; '.join(too_junior)}",
            )
        needed = ", ".join(
            f"{key!r} (held by roles: {', '.join(profile.roles_with(key)) or 'none'})"
            for key in covering
        )
        return Decision(
            False, actor.name, name, f"their roles ({roles}) lack the responsibility {needed}"
        )

    def authorise(
        self, actor: StaffMember, operation: Operation, subject: str | None = None
    ) -> Decision:
        """Decide from the profile, then let plugins tighten (never loosen) the answer."""
        decision = self.decide(actor, operation)
        if not decision.allowed:
            return decision
        reasons = self._office.plugins.check_permission(self._office, actor, operation, subject)
        if reasons:
            return Decision(
                False, actor.name, operation.name, "; ".join(reasons), decided_by="plugin"
            )
        return decision

    def _append(
        self,
        conn: sa.Connection,
        *,
        actor: StaffMember | None,
        operation: str,
        subject: str | None,
        outcome: Outcome,
        duration_us: int,
        detail: Mapping[str, Any],
        head: tuple[int, str] | None = None,
    ) -> Event:
        return append_event(
            conn,
            office_id=self._office.id,
            occurred_at=self._office.clock.now(),
            actor_id=actor.id if actor else None,
            actor_name=actor.name if actor else OFFICE_ACTOR,
            operation=operation,
            subject=subject,
            outcome=outcome,
            duration_us=duration_us,
            detail=detail,
            head=head,
            audit_key=self._office.signing_key,
        )

    def run(
        self,
        actor: StaffMember,
        operation: str,
        *,
        subject: str | None = None,
        detail: Mapping[str, Any] | None = None,
        act: Callable[[sa.Connection], T] | None = None,
    ) -> tuple[T | None, Event]:
        """Perform ``operation`` as ``actor``: authorise, act and record, then notify.

        Args:
            actor: Who performs it.
            operation: A registered operation's name.
            subject: What it is about, recorded in the event.
            detail: The operation's data, recorded in the event (JSON values).
            act: The operation's effect, run inside the transaction; its return
                value is returned. An exception in it rolls everything back. It may
                add keys to ``detail`` (when a dict) to record what it found.

        Returns:
            What ``act`` returned (None without one) and the event recorded.

        Raises:
            PermissionDenied: The actor may not perform it (the refusal is recorded).
            NotFoundError: No operation has that name.
            ValidationError: An argument of the wrong type, a subject with a control
                character or too long, a detail that is not JSON; nothing is recorded.
        """
        check_str(operation, "operation", "an operation's name")
        op = self._office.operations[operation]
        if op.by_office:
            raise ValidationError(
                f"{operation} is recorded by the office itself, not performed at a desk",
                where="operation",
            )
        if subject is not None:
            check_str(subject, "subject", "a subject", SUBJECT_LIMIT)
        if detail is not None:
            if not isinstance(detail, Mapping):
                raise ValidationError(f"expected a mapping, got {detail!r:.80}", where="detail")
            try:
                canonical_json(dict(detail))
            except (TypeError, ValueError) as exc:
                raise ValidationError(f"not recordable as JSON: {exc}", where="detail") from None
        if act is not None and not callable(act):
            raise ValidationError(f"expected a function, got {act!r:.80}", where="act")
        decision = self.authorise(actor, op, subject)
        # A dict is kept as given, so that ``act`` can add what it found to the event.
        detail = detail if isinstance(detail, dict) else dict(detail or {})
        if not decision.allowed:
            self.record_refusal(
                actor, operation, subject, decision.reason, decided_by=decision.decided_by
            )
            raise PermissionDenied(actor.name, operation, decision.reason)
        # Plugins see a read-only copy: what they do to it is not what is recorded.
        plugins = self._office.plugins
        plugins.before_operation(
            self._office, OperationContext(operation, actor.id, actor.name, subject, detail)
        )
        try:
            result, event = self._transact(actor, operation, subject, detail, act or _nothing)
        except _Refused as refused:  # rolled back; the refusal is recorded on its own
            reason = refused.decision.reason
            self.record_refusal(refused.actor, operation, subject, reason)
            raise PermissionDenied(actor.name, operation, reason) from None
        if plugins.implemented("officekit_after_operation"):
            context = OperationContext(operation, actor.id, actor.name, subject, event.detail)
            plugins.after_operation(self._office, context, event)
        plugins.event_recorded(self._office, event)
        return result, event

    def record_refusal(
        self,
        actor: StaffMember,
        operation: str,
        subject: str | None,
        reason: str,
        *,
        decided_by: str = "profile",
    ) -> Event:
        """Record that ``actor`` was refused ``operation``, in a transaction of its own.

        The event has outcome ``"denied"`` and the reason in its detail. Raising
        [`PermissionDenied`][officekit.errors.PermissionDenied] is left to the caller.
        An operation's own rule (a student released only to a listed guardian)
        refuses this way, as [`run`][officekit.core.kernel.Kernel.run] does for the profile.

        Args:
            actor: Who was refused.
            operation: What they were refused.
            subject: What it was about, recorded in the event.
            reason: Why, recorded in the event.
            decided_by: Who refused: ``"profile"``, ``"plugin"``, or the operation's own rule.

        Returns:
            The ``"denied"`` event.
        """
        with write_transaction(self._office.engine) as conn:
            event = self._append(
                conn,
                actor=actor,
                operation=operation,
                subject=subject,
                outcome="denied",
                duration_us=0,
                detail={"reason": reason, "decided_by": decided_by},
            )
        self._office.plugins.event_recorded(self._office, event)
        return event

    def record_admin(
        self,
        operation: str,
        *,
        subject: str | None,
        detail: Mapping[str, Any],
        act: Callable[[sa.Connection], T],
    ) -> T:
        """Perform the office's own administration (no actor to authorise) and record it.

        Args:
            operation: A registered operation with ``by_office=True``.
            subject: What it is about, recorded in the event.
            detail: The operation's data, recorded in the event (JSON values).
            act: Its effect, run inside the transaction; its return value is returned.

        Raises:
            NotFoundError: No operation has that name.
            ValidationError: The operation is one performed at a desk.
        """
        op = self._office.operations[operation]
        if not op.by_office:
            raise ValidationError(
                f"{operation} is performed at a desk (desk.perform), not recorded by the office",
                where="operation",
            )
        result, event = self._transact(None, operation, subject, detail, act)
        self._office.plugins.event_recorded(self._office, event)
        return result

    def _lock_head_and_actor(
        self, conn: sa.Connection, actor: StaffMember, operation: str
    ) -> tuple[int, str]:
        """Lock the office row, read its chain head and check the actor is still allowed.

        The actor is read inside the transaction: a desk may outlive a change of roles.
        """
        rows = _HEAD_AND_ACTOR.all(conn, {"b_office_id": self._office.id, "b_staff_id": actor.id})
        if not rows:
            raise NotFoundError(f"no office with id {self._office.id}")
        head = int(rows[0][0]), str(rows[0][1])
        self._check_still_allowed(actor, operation, rows)
        return head

    def _check_still_allowed(
        self, actor: StaffMember, operation: str, rows: Sequence[tuple[Any, ...]]
    ) -> None:
        left_at = rows[0][2]
        roles = tuple(sorted(r[3] for r in rows if r[3] is not None))
        if left_at == actor.left_at and roles == actor.roles:
            return
        fresh = attrs.evolve(actor, roles=roles, left_at=left_at)
        decision = self.decide(fresh, self._office.operations[operation])
        if not decision.allowed:
            raise _Refused(fresh, decision)

    def _transact(
        self,
        actor: StaffMember | None,
        operation: str,
        subject: str | None,
        detail: Mapping[str, Any],
        act: Callable[[sa.Connection], T],
    ) -> tuple[T, Event]:
        try:
            return self._write(actor, operation, subject, detail, act)
        except sa.exc.DBAPIError as exc:
            # The database refused to change or remove an event (migration 0004).
            refusal = append_only_refusal(exc)
            if refusal is None:
                raise
            raise refusal from exc

    def _write(
        self,
        actor: StaffMember | None,
        operation: str,
        subject: str | None,
        detail: Mapping[str, Any],
        act: Callable[[sa.Connection], T],
    ) -> tuple[T, Event]:
        with write_transaction(self._office.engine) as conn:
            # Every write locks its office row first: one lock order for all
            # operations, so two of them never deadlock (SQLite's BEGIN IMMEDIATE
            # already serialises writers). The chain head read then is used at the end.
            if actor is None:
                head = lock_head(conn, self._office.id)
            else:
                head = self._lock_head_and_actor(conn, actor, operation)
            started = time.perf_counter_ns()
            result = act(conn)
            duration_us = (time.perf_counter_ns() - started) // 1000
            event = self._append(
                conn,
                actor=actor,
                operation=operation,
                subject=subject,
                outcome="ok",
                duration_us=duration_us,
                detail=detail,
                head=head,
            )
        return result, event
