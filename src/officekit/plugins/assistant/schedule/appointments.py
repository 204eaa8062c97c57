"""Customers' appointments through the front desk: ``desk.appointments``.

An appointment is a schedule entry of kind ``appointment`` with a visit type of
the profile (``[schedule.visit_types.<key>]``: its length, who provides it, the
templates that confirm and remind it), a provider (a principal) and a customer's
reference: a record id where the office keeps records (the clerk's desk), else an
opaque reference of the caller's system (never a name). It is checked for
conflicts like any booking (``desk.schedule``); it needs no delegation of the
provider's calendar: the profile's ``appointments`` responsibility allows it.

Where a visit type says ``conflict_check = true`` and the office keeps records
(the legal profile's consultations), booking needs the event of a *clear*
conflict check (``desk.records.conflict_check``), run within ``[schedule]
conflict_check_days`` (30 by default) and used once: its number is kept on the
appointment, unique in the office. (The check's event names no record, so the
check cannot be tied to the customer's record beyond that.)

Confirmations and reminders are rendered by the documents part of the desk
(``office.documents.render``) where it runs, from the fields of
[`appointment_fields`][officekit.plugins.assistant.schedule.diary.ScheduleOffice.appointment_fields];
else as a short built-in text. Cancellations within ``[schedule]
late_cancellation_hours`` of the start are recorded as late, and a customer who
did not come as a no-show: the analysis counts both from the events.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from officekit.core.extensions import DeskFacet
from officekit.core.prepared import Prepared
from officekit.core.store import events
from officekit.core.validate import check_choice, check_int_id, collect
from officekit.errors import ConflictError, NotFoundError, Problem, ValidationError
from officekit.plugins.assistant.schedule.diary import (
    SCHEDULE_DESK,
    SCHEDULE_OFFICE,
    ScheduleDesk,
    ScheduleOffice,
    _entry,
)
from officekit.plugins.assistant.schedule.model import Entry
from officekit.plugins.assistant.schedule.tables import schedule_entries

_CHECK_EVENT = Prepared(
    sa.select(events.c.occurred_at, events.c.detail).where(
        events.c.office_id == sa.bindparam("b_office_id"),
        events.c.seq == sa.bindparam("b_seq"),
        events.c.operation == "records.conflict_check",
        events.c.outcome == "ok",
    )
)
_CHECK_USED = Prepared(
    sa.select(schedule_entries.c.uid).where(
        schedule_entries.c.office_id == sa.bindparam("b_office_id"),
        schedule_entries.c.conflict_check_seq == sa.bindparam("b_seq"),
    )
)

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office

__all__ = ["APPOINTMENTS_DESK", "CUSTOMER_REFERENCE", "AppointmentsDesk"]

CUSTOMER_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}$")
"""An opaque customer reference (no spaces: not a name), where the office keeps no records."""

_ID_AT = 15
_VISIT_AT = 16
_OUTCOME_AT = 18


class AppointmentsDesk:
    """Customers' appointments at a desk: ``desk.appointments``."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    @property
    def _room(self) -> ScheduleOffice:
        room: ScheduleOffice = self._office.facet(SCHEDULE_OFFICE)
        return room

    @property
    def _schedule(self) -> ScheduleDesk:
        schedule: ScheduleDesk = self._desk.facet(SCHEDULE_DESK)
        return schedule

    def _customer(self, customer: object, problems: list[Problem]) -> str | None:
        office = self._office
        if "records" in office.office_facets:
            record_id = collect(problems, check_int_id, customer, "customer", "a record id")
            if record_id is None:
                return None
            try:
                office.records.get(record_id)
            except NotFoundError:
                problems.append(Problem("customer", f"no record {record_id} in this office"))
                return None
            return str(record_id)
        if isinstance(customer, int) and not isinstance(customer, bool) and customer > 0:
            return str(customer)
        if not isinstance(customer, str) or not CUSTOMER_REFERENCE.match(customer):
            problems.append(
                Problem(
                    "customer",
                    "expected the customer's reference (letters, digits and ._:/#-, at most "
                    f"64, no spaces: not a name), got {customer!r:.40}",
                )
            )
            return None
        return customer

    def _cleared(self, check: object) -> int:
        """The event sequence number of a clear, recent, unused conflict check, or raise."""
        from officekit.plugins.clerk.records.book import ConflictCheck

        office = self._office
        seq = check.event_seq if isinstance(check, ConflictCheck) else check
        seq = check_int_id(seq, "conflict_check", "a conflict check or its event's number")
        with office.engine.connect() as conn:
            row = _CHECK_EVENT.first(conn, {"b_office_id": office.id, "b_seq": seq})
            used = _CHECK_USED.first(conn, {"b_office_id": office.id, "b_seq": seq})
        if row is None:
            raise ValidationError(f"event {seq} is no conflict check", where="conflict_check")
        occurred_at, detail = row[0], json.loads(row[1]) if isinstance(row[1], str) else row[1]
        if detail.get("result") != "clear":
            raise ConflictError(
                f"the conflict check of event {seq} needs review: a lawyer must clear it "
                "before the consultation is booked"
            )
        days = self._room.settings.conflict_check_days
        if occurred_at.astimezone(dt.UTC) < office.clock.now() - dt.timedelta(days=days):
            raise ValidationError(
                f"the conflict check of event {seq} is more than {days} days old "
                "([schedule] conflict_check_days): run it again",
                where="conflict_check",
            )
        if used is not None:
            raise ConflictError(
                f"the conflict check of event {seq} was used for appointment {used[0]!r}: "
                "each consultation needs its own check"
            )
        return seq

    def book(
        self,
        visit_type: str,
        *,
        start: dt.datetime,
        customer: int | str,
        provider: str | None = None,
        conflict_check: Any = None,
        location: str | None = None,
        override: str | None = None,
    ) -> Entry:
        """Book a customer's appointment (``appointments.book``).

        Args:
            visit_type: A key of ``[schedule.visit_types]``; it gives the length.
            start: When it starts (aware).
            customer: The customer's record id where the office keeps records, else
                an opaque reference (no name).
            provider: The principal who sees them; may be left out when the visit
                type has a single provider.
            conflict_check: A clear
                [`ConflictCheck`][officekit.plugins.clerk.records.book.ConflictCheck]
                (or its event's number), for a visit type that needs one where the
                office keeps records: run within ``[schedule] conflict_check_days``
                and not used for another appointment (each check books one).
            location: Where, if not the provider's usual place.
            override: Book over a conflict for this reason (``schedule.override``).

        Returns:
            The appointment's entry.

        Raises:
            ValidationError: A bad argument, a start in the past, a provider who does
                not provide the visit type, a missing or too old conflict check;
                nothing is written.
            ConflictError: The conflict check needs review, or was used already;
                nothing is written.
            ScheduleConflict: The provider or a room is taken, or it is outside
                working hours (the refusal is recorded).
            PermissionDenied: The actor may not book appointments (recorded).
        """
        room = self._room
        settings = room.settings
        problems: list[Problem] = []
        key = collect(
            problems, check_choice, visit_type, "visit_type", settings.visit_types, "visit type"
        )
        visit = settings.visit_types.get(key or "")
        who: str | None = None
        if visit is not None:
            providers = visit.providers or tuple(settings.principals)
            if provider is None and len(providers) == 1:
                who = providers[0]
            elif provider is None:
                problems.append(Problem("provider", f"choose one of {', '.join(providers)}"))
            else:
                who = collect(problems, room.check_principal, provider, "provider")
                if who is not None and who not in providers:
                    problems.append(
                        Problem("provider", f"{who!r} does not provide {visit.name!r} appointments")
                    )
                    who = None
        reference = self._customer(customer, problems)
        reason = self._schedule._override(problems, override)
        entry = None
        now = self._office.clock.now()
        if isinstance(start, dt.datetime) and start.utcoffset() is not None and start < now:
            problems.append(
                Problem("start", f"is in the past (now: {now.astimezone(room.tz):%Y-%m-%d %H:%M})")
            )
        if visit is not None and who is not None:
            entry = self._schedule._entry(
                problems, title=visit.name, start=start, end=None, minutes=visit.minutes,
                kind="appointment", people=[who], rooms=list(visit.rooms), rrule=None,
                timezone=None, location=location, description=None, status="confirmed",
            )  # fmt: skip
        needs_check = visit is not None and visit.conflict_check
        needs_check = needs_check and "records" in self._office.office_facets
        if needs_check and conflict_check is None:
            problems.append(
                Problem("conflict_check", f"{visit.name!r} needs a clear conflict check first")  # type: ignore[union-attr]
            )
        if problems:
            raise ValidationError(problems)
        assert entry is not None and visit is not None and key is not None
        extra: dict[str, Any] = {"visit_type": key}
        columns: dict[str, Any] = {"visit_type": key, "customer_ref": reference}
        if needs_check:
            extra["conflict_check"] = columns["conflict_check_seq"] = self._cleared(conflict_check)
        lead = entry.start - self._office.clock.now()
        extra["lead_days"] = max(0, lead.days)
        return self._schedule.store(
            entry,
            operation="appointments.book",
            subject=f"schedule:{entry.people[0]}",
            override=reason,
            extra=extra,
            columns=columns,
        )

    def _current(self, uid: object) -> tuple[Entry, tuple[Any, ...]]:
        row = self._room._row(uid)
        entry = _entry(row)
        if entry.kind != "appointment":
            raise ValidationError(
                f"entry {entry.uid!r} is a {entry.kind}, not an appointment", where="uid"
            )
        return entry, row

    def cancel(self, appointment: Entry | str) -> Entry:
        """Cancel a customer's appointment (``appointments.cancel``).

        Within ``[schedule] late_cancellation_hours`` of its start it is recorded as a
        late cancellation (the entry's outcome and the event's ``late``).

        Raises:
            NotFoundError: No such entry.
            ValidationError: It is not an appointment.
            ConflictError: It is already cancelled, or already over.
        """
        entry, row = self._current(appointment)
        now = self._office.clock.now()
        if entry.start <= now:
            raise ConflictError(f"appointment {entry.uid!r} has started: record a no-show instead")
        hours_before = int((entry.start - now).total_seconds() // 3600)
        late = entry.start - now < dt.timedelta(hours=self._room.settings.late_cancellation_hours)
        extra = {"visit_type": row[_VISIT_AT], "late": late, "hours_before": hours_before}
        return self._schedule.cancel_entry(
            entry, row[_ID_AT], "appointments.cancel", f"schedule:{entry.people[0]}", None, extra,
            {"outcome": "late_cancellation" if late else "cancelled"},
        )  # fmt: skip

    def _render(self, uid: str, template: str, built_in: str) -> tuple[str, str]:
        office = self._office
        fields = self._room.appointment_fields(uid)
        if "documents" in office.office_facets:
            rendered: str = office.documents.render(template, fields).text
            return rendered, "documents"
        return built_in.format(**fields), "built_in"

    def _mark(self, operation: str, appointment: Entry | str, column: str, text_of: Any) -> str:
        entry, row = self._current(appointment)
        office = self._office
        now = office.clock.now()
        if entry.status == "cancelled" or row[_OUTCOME_AT] is not None:
            raise ConflictError(f"appointment {entry.uid!r} is {row[_OUTCOME_AT] or 'cancelled'}")
        visit = self._room.settings.visit_types.get(row[_VISIT_AT] or "")
        text: str
        text, rendered_by = text_of(entry.uid, visit)
        detail: dict[str, Any] = {
            "entry_id": row[_ID_AT], "visit_type": row[_VISIT_AT], "rendered_by": rendered_by,
        }  # fmt: skip
        if operation == "appointments.remind":
            detail["hours_before"] = max(0, int((entry.start - now).total_seconds() // 3600))
        entry_id = row[_ID_AT]

        def act(conn: sa.Connection) -> None:
            done = conn.execute(
                schedule_entries.update()
                .where(
                    schedule_entries.c.id == entry_id,
                    schedule_entries.c.status != "cancelled",
                    schedule_entries.c.outcome.is_(None),
                )
                .values({column: now})
            ).rowcount
            if done != 1:
                raise ConflictError(f"appointment {entry.uid!r} was cancelled meanwhile")

        self._desk.perform(operation, subject=f"schedule:{entry.people[0]}", detail=detail, act=act)
        return text

    def confirm(self, appointment: Entry | str) -> str:
        """Produce the confirmation of an appointment for the customer (``appointments.confirm``).

        Returns:
            The confirmation's text: the visit type's ``template`` rendered by the
            documents part where it runs, else a short built-in text.

        Raises:
            NotFoundError: No such entry.
            ConflictError: It is cancelled or over.
        """

        def text_of(uid: str, visit: Any) -> tuple[str, str]:
            template = visit.template if visit else "appointment_confirmation"
            return self._render(uid, template, _CONFIRMATION)

        return self._mark("appointments.confirm", appointment, "confirmed_at", text_of)

    def remind(self, appointment: Entry | str) -> str:
        """Produce the reminder of an appointment for the customer (``appointments.remind``).

        Returns:
            The reminder's text (the visit type's ``reminder_template``, or built in).

        Raises:
            NotFoundError: No such entry.
            ConflictError: It is cancelled or over.
        """

        def text_of(uid: str, visit: Any) -> tuple[str, str]:
            template = visit.reminder_template if visit else "appointment_reminder"
            return self._render(uid, template, _REMINDER)

        return self._mark("appointments.remind", appointment, "reminded_at", text_of)

    def no_show(self, appointment: Entry | str) -> None:
        """Record that the customer did not come (``appointments.no_show``).

        Raises:
            NotFoundError: No such entry.
            ConflictError: It has not started yet, or is cancelled or already recorded.
        """
        entry, row = self._current(appointment)
        office = self._office
        if office.clock.now() < entry.start:
            raise ConflictError(f"appointment {entry.uid!r} has not started yet")
        if entry.status == "cancelled" or row[_OUTCOME_AT] is not None:
            raise ConflictError(f"appointment {entry.uid!r} is {row[_OUTCOME_AT] or 'cancelled'}")
        entry_id = row[_ID_AT]
        detail = {"entry_id": entry_id, "visit_type": row[_VISIT_AT]}

        def act(conn: sa.Connection) -> None:
            conn.execute(
                schedule_entries.update()
                .where(schedule_entries.c.id == entry_id, schedule_entries.c.outcome.is_(None))
                .values(outcome="no_show")
            )

        self._desk.perform(
            "appointments.no_show", subject=f"schedule:{entry.people[0]}", detail=detail, act=act
        )


_CONFIRMATION = (
    "{office}: your {visit_type} with {provider} is booked for {weekday} {date} at {time} "
    "({minutes} minutes), at {location}. Reference {customer}."
)
_REMINDER = (
    "{office}: a reminder of your {visit_type} with {provider} on {weekday} {date} at "
    "{time}, at {location}. Reference {customer}."
)

APPOINTMENTS_DESK: DeskFacet[AppointmentsDesk] = DeskFacet(
    "appointments",
    AppointmentsDesk,
    "Customers' appointments at the front desk: book, cancel, confirm, remind, no-shows.",
)
"""``desk.appointments``, typed: ``desk.facet(APPOINTMENTS_DESK)``."""
