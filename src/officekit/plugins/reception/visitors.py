"""Visitors: check in, hand over to the host, check out; guardians and student release.

A visitor is checked in at the desk for a member of staff or a department
(``visitors.check_in``), handed over to their host (``visitors.receive``) and
checked out when they leave (``visitors.check_out``). Everyone checked in and
not out is in the building:
[`VisitorBook.present`][officekit.plugins.reception.visitors.VisitorBook.present]
is the evacuation head count.

The profile's ``[visitors]`` policy adds the sector's rules: an identity
document checked at the desk, numbered badges, confidential visitors whose
names stay out of the public log and the event log, a patient's record number
for an appointment, words that must not be recorded as a purpose (medical
details: minimum necessary), and students released only to a listed guardian.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.clock import check_period
from officekit.core.convert import converter
from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.sql import seconds_between
from officekit.core.store import update_unless_done
from officekit.core.validate import check_bool, check_choice, check_ref, collect, text_field
from officekit.errors import (
    ConflictError,
    NotFoundError,
    Problem,
    ValidationError,
)
from officekit.plugins.reception import hooks
from officekit.plugins.reception.routing import covering
from officekit.plugins.reception.settings import VISITORS as VISITOR_POLICY
from officekit.plugins.reception.tables import guardians, visits
from officekit.plugins.reception.text import fold, tokens

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.events import Event
    from officekit.core.office import Office
    from officekit.core.staff import StaffMember

__all__ = [
    "CONFIDENTIAL_NAME",
    "VISITORS",
    "VISITOR_DESK",
    "Visit",
    "VisitorBook",
    "VisitorDesk",
    "WaitingStats",
]

CONFIDENTIAL_NAME = "Confidential visitor"
"""What stands for a confidential visitor's name wherever it is shown or recorded publicly."""

MAX_NAME_LENGTH = 200
MAX_PURPOSE_LENGTH = 500
MAX_REFERENCE_LENGTH = 100


@attrs.frozen
class Visit:
    """One visit, from check-in to check-out.

    Attributes:
        id: Database id.
        office_id: The office.
        visitor_name: The visitor's name (for a confidential visitor, only in full data).
        purpose: Why they came, in neutral words.
        host_staff_id: The member of staff they came to see, if a person.
        host_department: The department they came to see, if a department.
        appointment: True when they have an appointment.
        confidential: True when their name is kept out of the public log and the event log.
        identity_document: The identity document checked at the desk, if one was.
        badge: The badge number issued, if the profile issues badges.
        record_ref: The patient's record number, for an appointment where the profile needs it.
        checked_in_at: When they were checked in.
        checked_in_by: The member of staff who checked them in.
        received_at: When their host received them.
        checked_out_at: When they left the building.
    """

    id: int
    office_id: int
    visitor_name: str
    purpose: str
    host_staff_id: int | None
    host_department: str | None
    appointment: bool
    confidential: bool
    identity_document: str | None
    badge: int | None
    record_ref: str | None
    checked_in_at: dt.datetime
    checked_in_by: int | None
    received_at: dt.datetime | None = None
    checked_out_at: dt.datetime | None = None

    @property
    def in_building(self) -> bool:
        """True from check-in until check-out."""
        return self.checked_out_at is None

    @property
    def waiting_seconds(self) -> float | None:
        """Seconds from check-in until the host received them; None while not received."""
        if self.received_at is None:
            return None
        return (self.received_at - self.checked_in_at).total_seconds()

    @property
    def public_name(self) -> str:
        """The name that may be shown publicly: ``"Confidential visitor"`` when confidential."""
        return CONFIDENTIAL_NAME if self.confidential else self.visitor_name


@attrs.frozen
class WaitingStats:
    """How long visitors who checked in during a period waited for their host.

    A visitor's wait runs from check-in to being received by their host; one who
    left without being received counts in none of the waits.
    [`VisitorBook.waiting_times`][officekit.plugins.reception.visitors.VisitorBook.waiting_times]
    computes every figure in the database, in one query: the visits are not loaded.

    Attributes:
        start: The period's start (inclusive).
        end: The period's end (exclusive).
        visits: Visitors checked in during the period.
        received: Those their host received.
        mean_seconds: Mean wait from check-in to being received, over those received.
        median_seconds: Median of the same waits.
        max_seconds: The longest of the same waits.
        still_waiting: Those still in the building and not yet received.
    """

    start: dt.datetime
    end: dt.datetime
    visits: int
    received: int
    mean_seconds: float | None
    median_seconds: float | None
    max_seconds: float | None
    still_waiting: int


# WaitingStats in one query, built once. The median is the mean of the middle one or two
# waits: those whose rank r (1..n, by wait) has n <= 2r <= n + 2.
_PERIOD = (
    sa.select(
        seconds_between(visits.c.received_at, visits.c.checked_in_at).label("wait"),
        visits.c.received_at,
        visits.c.checked_out_at,
    )
    .where(
        visits.c.office_id == sa.bindparam("b_office_id"),
        visits.c.checked_in_at >= sa.bindparam("b_start"),
        visits.c.checked_in_at < sa.bindparam("b_end"),
    )
    .cte("period")
)
_RANKED = (
    sa.select(
        _PERIOD.c.wait,
        sa.func.row_number().over(order_by=_PERIOD.c.wait).label("r"),
        sa.func.count().over().label("n"),
    )
    .where(_PERIOD.c.wait.is_not(None))
    .cte("ranked")
)
_MEDIAN = (
    sa.select(sa.func.avg(_RANKED.c.wait))
    .where(_RANKED.c.r * 2 >= _RANKED.c.n, _RANKED.c.r * 2 <= _RANKED.c.n + 2)
    .scalar_subquery()
)
_WAITING = sa.select(
    sa.func.count().label("visits"),
    sa.func.count(_PERIOD.c.wait).label("received"),
    sa.func.avg(_PERIOD.c.wait).label("mean"),
    _MEDIAN.label("median"),
    sa.func.max(_PERIOD.c.wait).label("max"),
    sa.func.count()
    .filter(_PERIOD.c.checked_out_at.is_(None), _PERIOD.c.received_at.is_(None))
    .label("still_waiting"),
).select_from(_PERIOD)


def _row_to_visit(row: Any) -> Visit:
    return converter.structure(dict(row._mapping), Visit)


def _same_name(name: str) -> str:
    """The form two names are compared in: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()


def _name(value: object, where: str, what: str) -> str:
    """A name to compare with: text without control characters, at most MAX_NAME_LENGTH."""
    problems: list[Problem] = []
    clean = text_field(value, where, what, MAX_NAME_LENGTH, problems, required=False)
    if problems:
        raise ValidationError(problems)
    return clean or ""


@functools.lru_cache(maxsize=64)
def _restricted_stems(restricted: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each restricted word or phrase with its stems, worked out once per profile."""
    return tuple((word, tuple(tokens(word))) for word in restricted)


def _restricted_hits(purpose: str, restricted: Sequence[str]) -> list[str]:
    """Return the restricted words (or phrases) that ``purpose`` contains, compared by stems."""
    folded = fold(purpose)
    # A stem changes at most its last letter from the word's: a phrase whose first
    # stem (less that letter) is nowhere in the text cannot be there. Most texts
    # (every desk note) are cleared by that alone, without stemming them.
    candidates = [
        (word, wanted)
        for word, wanted in _restricted_stems(tuple(restricted))
        if wanted and wanted[0][: max(1, len(wanted[0]) - 1)] in folded
    ]
    if not candidates:
        return []
    said = tuple(tokens(purpose))
    hits = []
    for word, wanted in candidates:
        n = len(wanted)
        if n and any(said[i : i + n] == wanted for i in range(len(said) - n + 1)):
            hits.append(word)
    return hits


class VisitorBook:
    """The office's visitor log and guardian lists: ``office.visitors``.

    Reading here records nothing. Adding a guardian is the office's own
    administration (``guardians.add``, with the office as actor).
    """

    def __init__(self, office: Office) -> None:
        self._office = office

    # -- visits -------------------------------------------------------------------

    def get(self, visit: Visit | int) -> Visit:
        """Return a visit as it is now, with full data.

        Raises:
            ValidationError: If ``visit`` is neither a visit nor an id.
            NotFoundError: If the office has no such visit.
        """
        visit_id = check_ref(visit, "visit", Visit, "a visit")
        with self._office.engine.connect() as conn:
            row = conn.execute(
                sa.select(visits).where(
                    visits.c.id == visit_id, visits.c.office_id == self._office.id
                )
            ).one_or_none()
        if row is None:
            raise NotFoundError(f"no visit with id {visit_id} in this office")
        return _row_to_visit(row)

    def present(self) -> list[Visit]:
        """Return everyone in the building (checked in, not out), first arrived first.

        This is the evacuation head count, so it holds full data: confidential
        visitors' names too.
        """
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(visits)
                .where(visits.c.office_id == self._office.id, visits.c.checked_out_at.is_(None))
                .order_by(visits.c.checked_in_at, visits.c.id)
            ).all()
        return [_row_to_visit(r) for r in rows]

    def _between(self, start: dt.datetime, end: dt.datetime) -> builtins.list[Visit]:
        check_period(start, end)
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(visits)
                .where(
                    visits.c.office_id == self._office.id,
                    visits.c.checked_in_at >= start,
                    visits.c.checked_in_at < end,
                )
                .order_by(visits.c.checked_in_at, visits.c.id)
            ).all()
        return [_row_to_visit(r) for r in rows]

    def log(self, start: dt.datetime, end: dt.datetime, *, public: bool = True) -> list[Visit]:
        """Return the visits checked in during ``[start, end)``, in order of arrival.

        Args:
            start: The period's start (aware, inclusive).
            end: The period's end (aware, exclusive).
            public: Return the public log: a confidential visitor's name is replaced
                by ``"Confidential visitor"`` and their purpose by ``"Confidential"``,
                and nobody's identity document or record number is shown.
                ``False`` returns full data.

        Raises:
            ValidationError: If the period is empty or its ends are naive.
        """
        check_bool(public, "public")
        found = self._between(start, end)
        if not public:
            return found
        return [
            attrs.evolve(
                v,
                visitor_name=v.public_name,
                purpose="Confidential" if v.confidential else v.purpose,
                identity_document=None,
                record_ref=None,
            )
            for v in found
        ]

    def waiting_times(self, start: dt.datetime, end: dt.datetime) -> WaitingStats:
        """Measure how long the visitors checked in during ``[start, end)`` waited for their host.

        Raises:
            ValidationError: If the period is empty or its ends are naive.
        """
        check_period(start, end)
        with self._office.engine.connect() as conn:
            row = conn.execute(
                _WAITING, {"b_office_id": self._office.id, "b_start": start, "b_end": end}
            ).one()
        return WaitingStats(
            start=start,
            end=end,
            visits=row.visits,
            received=row.received,
            mean_seconds=row.mean,
            median_seconds=row.median,
            max_seconds=row.max,
            still_waiting=row.still_waiting,
        )

    def waiting_times_for_day(self, day: dt.date) -> WaitingStats:
        """Measure the waits of one day of the office, in its timezone.

        The same as
        [`waiting_times`][officekit.plugins.reception.visitors.VisitorBook.waiting_times]
        from the day's local midnight to the next (the profile's
        ``[office] timezone``): 23 or 25 hours on the days the clocks change.

        Args:
            day: The office's day, a `datetime.date` (not a datetime).

        Raises:
            ValidationError: If ``day`` is not a date, or is too far out.
        """
        from officekit.core.validate import office_day

        start, end = office_day(day, self._office.profile.office.tz)
        return self.waiting_times(start, end)

    # -- guardians ----------------------------------------------------------------

    def guardians_of(self, student: str) -> list[str]:
        """Return the guardians a student may be released to, in the order they were added.

        Names are compared with spaces collapsed and case folded.

        Raises:
            ValidationError: If the name is not text, or too long.
        """
        wanted = _same_name(_name(student, "student", "the student's name"))
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(guardians.c.student, guardians.c.guardian)
                .where(guardians.c.office_id == self._office.id)
                .order_by(guardians.c.id)
            ).all()
        return [r.guardian for r in rows if _same_name(r.student) == wanted]

    def is_guardian(self, student: str, guardian: str) -> bool:
        """Tell whether ``guardian`` is on ``student``'s list (names as in guardians_of).

        Raises:
            ValidationError: If a name is not text, or too long.
        """
        wanted = _same_name(_name(guardian, "guardian", "the guardian's name"))
        return any(_same_name(g) == wanted for g in self.guardians_of(student))

    def add_guardian(self, student: str, guardian: str) -> None:
        """Put a guardian on a student's list (``guardians.add``, the office as actor).

        Raises:
            ValidationError: A blank or too long name; nothing is written.
            ConflictError: The guardian is already on the student's list.
        """
        problems: list[Problem] = []
        student_name = text_field(
            student, "student", "the student's name", MAX_NAME_LENGTH, problems, required=True
        )
        guardian_name = text_field(
            guardian, "guardian", "the guardian's name", MAX_NAME_LENGTH, problems, required=True
        )
        if problems:
            raise ValidationError(problems)
        assert student_name is not None and guardian_name is not None
        if self.is_guardian(student_name, guardian_name):
            raise ConflictError(f"{guardian_name} is already a guardian of {student_name}")

        def act(conn: sa.Connection) -> None:
            conn.execute(
                guardians.insert().values(
                    office_id=self._office.id, student=student_name, guardian=guardian_name
                )
            )

        self._office.kernel.record_admin(
            "guardians.add", subject=student_name, detail={"guardian": guardian_name}, act=act
        )


class VisitorDesk:
    """Visitor operations at a desk: ``desk.visitors``.

    Every input is checked before anything is written: a refused check-in,
    hand-over or check-out changes nothing and records nothing.
    """

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    def _host_problems(
        self, host: StaffMember | int | None, department: str | None
    ) -> tuple[int | None, list[Problem]]:
        office = self._office
        if (host is None) == (department is None):
            return None, [Problem("host/department", "give exactly one of host or department")]
        if department is not None:
            problems: list[Problem] = []
            collect(
                problems, check_choice, department, "department", office.profile.departments,
                "department",
            )  # fmt: skip
            return None, problems
        from officekit.core.staff import StaffMember

        try:
            host_id = check_ref(host, "host", StaffMember, "a member of staff")
        except ValidationError as exc:
            return None, list(exc.problems)
        try:
            member = office.staff.get(host_id)
        except NotFoundError as exc:
            return None, [Problem("host", str(exc))]
        if not member.active:
            return None, [Problem("host", f"{member.name} (id {member.id}) has left the office")]
        return member.id, []

    def check_in(
        self,
        name: str,
        purpose: str,
        *,
        host: StaffMember | int | None = None,
        department: str | None = None,
        appointment: bool = False,
        identity_document: str | None = None,
        record_ref: str | None = None,
        confidential: bool | None = None,
    ) -> Visit:
        """Check a visitor in for a member of staff or a department (``visitors.check_in``).

        The event's subject is the visitor's public name, so a confidential
        visitor's name never enters the event log. After the check-in has
        committed, plugins' ``officekit_visitor_arrived`` is called so that the
        host is notified. The event records whether the check-in was ``cover``
        (see [`covering`][officekit.plugins.reception.routing.covering]).

        Args:
            name: The visitor's name.
            purpose: Why they came, in neutral words.
            host: The member of staff (or their id) they came to see.
            department: The department they came to see (instead of a host).
            appointment: They have an appointment.
            identity_document: The identity document checked (needed when the
                profile's ``identity_check`` is on).
            record_ref: The patient's record number (needed for an appointment
                when the profile's ``patient_record`` is on).
            confidential: Keep their name out of the public log; the profile's
                ``confidential`` setting by default.

        Returns:
            The visit, with its badge number when the profile issues badges.

        Raises:
            ValidationError: Every problem with the input (a blank name, neither or
                both of host and department, an unknown department, a host who is
                not active staff of this office, a missing identity document or
                record number, a purpose with medical details); nothing is written.
            PermissionDenied: The actor may not check visitors in (the refusal is recorded).
        """
        office = self._office
        policy = office.profile.section(VISITOR_POLICY)
        problems: list[Problem] = []
        visitor = text_field(
            name, "name", "the visitor's name", MAX_NAME_LENGTH, problems, required=True
        )
        reason = text_field(
            purpose, "purpose", "a purpose", MAX_PURPOSE_LENGTH, problems, required=True
        )
        host_id, host_problems = self._host_problems(host, department)
        problems += host_problems
        if not isinstance(appointment, bool):
            problems.append(Problem("appointment", f"expected true or false, got {appointment!r}"))
        if confidential is not None and not isinstance(confidential, bool):
            problems.append(
                Problem("confidential", f"expected true or false, got {confidential!r}")
            )
        document = text_field(
            identity_document,
            "identity_document",
            "the identity document checked",
            MAX_REFERENCE_LENGTH,
            problems,
            required=policy.identity_check,
        )
        record = text_field(
            record_ref,
            "record_ref",
            "the patient's record number",
            MAX_REFERENCE_LENGTH,
            problems,
            required=policy.patient_record and appointment is True,
        )
        if reason is not None and policy.restricted_words:
            hits = _restricted_hits(reason, policy.restricted_words)
            if hits:
                problems.append(
                    Problem(
                        "purpose",
                        "medical details are not recorded at the desk (minimum necessary): "
                        f"the purpose mentions {', '.join(repr(h) for h in hits)}; "
                        "record a neutral purpose instead, such as 'appointment' or "
                        "'to see the nurse'",
                    )
                )
        if problems:
            raise ValidationError(problems)
        assert visitor is not None and reason is not None
        is_confidential = policy.confidential if confidential is None else confidential
        now = office.clock.now()
        detail: dict[str, Any] = {
            "host_staff_id": host_id,
            "host_department": department,
            "appointment": appointment,
            "confidential": is_confidential,
            # Greeting visitors is not the usual duty of any of their roles.
            "cover": covering(office.profile, self._desk.actor.roles),
        }

        def act(conn: sa.Connection) -> int:
            badge: int | None = None
            if policy.badges:  # the kernel has locked the office row: badges are serialised
                taken = set(
                    conn.execute(
                        sa.select(visits.c.badge).where(
                            visits.c.office_id == office.id,
                            visits.c.checked_out_at.is_(None),
                            visits.c.badge.is_not(None),
                        )
                    ).scalars()
                )
                badge = next(n for n in range(1, len(taken) + 2) if n not in taken)
            visit_id: int = conn.execute(
                visits.insert()
                .values(
                    office_id=office.id,
                    visitor_name=visitor,
                    purpose=reason,
                    host_staff_id=host_id,
                    host_department=department,
                    appointment=appointment,
                    confidential=is_confidential,
                    identity_document=document,
                    badge=badge,
                    record_ref=record,
                    checked_in_at=now,
                    checked_in_by=self._desk.actor.id,
                )
                .returning(visits.c.id)
            ).scalar_one()
            detail["visit_id"] = visit_id
            detail["badge"] = badge
            return visit_id

        # No name in the permanent log: the visit's row keeps it (its id is in the detail).
        visit_id, _ = self._desk.perform("visitors.check_in", subject=None, detail=detail, act=act)
        assert visit_id is not None
        visit = office.facet(VISITORS).get(visit_id)
        hooks.visitor_arrived(office, visit)
        return visit

    def receive(self, visit: Visit | int) -> Visit:
        """Record that the host received a waiting visitor (``visitors.receive``).

        Raises:
            NotFoundError: If the office has no such visit.
            ConflictError: If they were already received, or have left the building.
            PermissionDenied: The actor may not do it (the refusal is recorded).
        """
        office = self._office
        current = office.facet(VISITORS).get(visit)
        if not current.in_building:
            raise ConflictError(f"visit {current.id}: the visitor is not in the building")
        if current.received_at is not None:
            raise ConflictError(
                f"visit {current.id}: the visitor was already received at "
                f"{current.received_at.isoformat()}"
            )
        now = office.clock.now()

        def act(conn: sa.Connection) -> None:
            update_unless_done(
                conn, visits, current.id, {"received_at": now},
                still_null=("received_at", "checked_out_at"),
                conflict=f"visit {current.id} was received or checked out meanwhile",
            )  # fmt: skip

        self._desk.perform(
            "visitors.receive",
            subject=f"visit:{current.id}",
            detail={
                "visit_id": current.id,
                "waited_seconds": (now - current.checked_in_at).total_seconds(),
            },
            act=act,
        )
        return office.facet(VISITORS).get(current.id)

    def check_out(self, visit: Visit | int) -> Visit:
        """Check a visitor out of the building (``visitors.check_out``); their badge is free again.

        Raises:
            NotFoundError: If the office has no such visit.
            ConflictError: If the visitor is not in the building.
            PermissionDenied: The actor may not do it (the refusal is recorded).
        """
        office = self._office
        current = office.facet(VISITORS).get(visit)
        if not current.in_building:
            raise ConflictError(
                f"visit {current.id}: the visitor is not in the building (checked out at "
                f"{current.checked_out_at.isoformat() if current.checked_out_at else '?'})"
            )
        now = office.clock.now()

        def act(conn: sa.Connection) -> None:
            update_unless_done(
                conn, visits, current.id, {"checked_out_at": now},
                still_null=("checked_out_at",),
                conflict=f"visit {current.id}: the visitor is not in the building",
            )  # fmt: skip

        self._desk.perform(
            "visitors.check_out",
            subject=f"visit:{current.id}",
            detail={"visit_id": current.id, "badge": current.badge},
            act=act,
        )
        return office.facet(VISITORS).get(current.id)

    def release_student(
        self, student: str, guardian: str, *, identity_document: str | None = None
    ) -> Event:
        """Release a student to a guardian on their list (``visitors.release_student``).

        A guardian who is not on the list is refused: the refusal is recorded as a
        ``"denied"`` event before `PermissionDenied` is raised.

        Args:
            student: The student's name.
            guardian: The name of the person collecting them.
            identity_document: The guardian's identity document, checked (needed when
                the profile's ``identity_check`` is on). Only the fact that it was
                checked is recorded.

        Returns:
            The event that records the release.

        Raises:
            ConflictError: The profile does not release students to guardians.
            ValidationError: A blank name or a missing identity document; nothing is written.
            PermissionDenied: The guardian is not on the student's list, or the actor
                may not release students (the refusal is recorded).
        """
        office = self._office
        policy = office.profile.section(VISITOR_POLICY)
        operation = "visitors.release_student"
        if not policy.guardian_release:
            raise ConflictError(
                f"profile {office.profile.name!r} does not release students to guardians "
                "([visitors] guardian_release)"
            )
        problems: list[Problem] = []
        student_name = text_field(
            student, "student", "the student's name", MAX_NAME_LENGTH, problems, required=True
        )
        guardian_name = text_field(
            guardian, "guardian", "the guardian's name", MAX_NAME_LENGTH, problems, required=True
        )
        document = text_field(
            identity_document,
            "identity_document",
            "the guardian's identity document",
            MAX_REFERENCE_LENGTH,
            problems,
            required=policy.identity_check,
        )
        if problems:
            raise ValidationError(problems)
        assert student_name is not None and guardian_name is not None
        self._desk.check_open()
        if not office.facet(VISITORS).is_guardian(student_name, guardian_name):
            why = f"{guardian_name} is not on the list of guardians of {student_name}"
            self._desk.refuse(operation, student_name, why, decided_by="guardian_list")
        _, event = self._desk.perform(
            operation,
            subject=student_name,
            detail={"guardian": guardian_name, "identity_checked": document is not None},
        )
        return event


VISITORS: OfficeFacet[VisitorBook] = OfficeFacet(
    "visitors", VisitorBook, "The visitor log: who is in the building, waiting times, guardians."
)
"""``office.visitors``, typed: ``office.facet(VISITORS)``."""

VISITOR_DESK: DeskFacet[VisitorDesk] = DeskFacet(
    "visitors",
    VisitorDesk,
    "Visitor operations: check in, hand over to the host, check out, release a student.",
)
"""``desk.visitors``, typed: ``desk.facet(VISITOR_DESK)``."""
