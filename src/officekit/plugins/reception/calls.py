"""Calls through a multi-line phone system: lines, queue, hold, routing, outcomes, statistics.

The office has ``phones.lines`` lines (profile). An incoming call is routed,
then takes the lowest free line (``ringing``) or, when every line is busy,
waits in the queue; when a line frees, the longest-waiting queued call takes
it (urgent calls first). A receptionist answers a ringing call (``connected``), may put it on hold
and resume it, and ends it by transferring it, taking a message, or completing
it; the caller may hang up at any time (``abandoned`` if never answered). A
call ends in exactly one outcome. Line, queue and hold are rows in the store,
so several processes share one phone system safely.
"""

from __future__ import annotations

import datetime as dt
import functools
import statistics
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import phonenumbers
import sqlalchemy as sa

from officekit.core.clock import check_period
from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.prepared import Prepared
from officekit.core.sql import seconds_between
from officekit.core.validate import (
    check_aware,
    check_bool,
    check_choice,
    check_ref,
    check_str,
    collect,
    column_limit,
    office_day,
    text_field,
)
from officekit.errors import ConflictError, NotFoundError, PluginError, Problem, ValidationError
from officekit.plugins.reception import hooks
from officekit.plugins.reception.messages import (
    check_text,
    due_time,
    insert_message,
    recipient_problems,
)
from officekit.plugins.reception.routing import Router, RoutingDecision, covering
from officekit.plugins.reception.settings import AFTER_HOURS_SERVICES, PHONES
from officekit.plugins.reception.tables import calls, known_callers

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office
    from officekit.core.staff import StaffMember

__all__ = [
    "CALLS",
    "CALL_DESK",
    "LIVE",
    "Call",
    "CallDesk",
    "CallStats",
    "KnownCaller",
    "PhoneSystem",
]

LIVE = ("queued", "ringing", "connected", "on_hold")
"""The statuses of a call that has not ended."""
ON_LINE = ("ringing", "connected", "on_hold")
WITHHELD = "withheld"
MAX_REASON_LENGTH = 2000
"""The most characters of a caller's reason."""


@attrs.frozen
class Call:
    """One call, from arrival to its single outcome.

    Attributes:
        id: Database id.
        office_id: The office.
        caller_number: The caller's number in E.164 form, or ``"withheld"``.
        caller_name: The caller's name, if known.
        reason: What the caller said they called about.
        dialled_line: The priority line (number dialled) it came in on, if any.
        line: The line it occupies while ringing, connected or on hold; None when queued or ended.
        status: ``queued``, ``ringing``, ``connected``, ``on_hold`` or ``ended``.
        outcome: Once ended: ``completed``, ``transferred``, ``message``, ``abandoned`` or
            ``after_hours`` (sent to voicemail or an answering service on arrival).
        department: The department routing chose.
        destination: Where routing sent it: the department, or an after-hours service.
        routed_by: ``rule:<name>``, ``default``, ``urgent:<name>`` or ``plugin``.
        urgent: ``script`` or ``flag`` for an urgent call.
        script: What to tell the caller, for a scripted urgent call.
        explanation: Why routing decided as it did.
        transferred_to: ``department:<key>`` or ``staff:<id>`` after a transfer.
        misrouted: True when it was transferred to another department than routing chose.
        arrived_at: When it arrived.
        answered_at: When a receptionist answered it.
        ended_at: When it ended.
        hold_started_at: When its current hold began, while on hold.
        hold_seconds: Total time on hold.
        handled_by: The member of staff who answered it.
    """

    id: int
    office_id: int
    caller_number: str
    caller_name: str | None
    reason: str
    dialled_line: str | None
    line: int | None
    status: str
    outcome: str | None
    department: str | None
    destination: str | None
    routed_by: str
    urgent: str | None
    script: str | None
    explanation: str
    transferred_to: str | None
    misrouted: bool
    arrived_at: dt.datetime
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    hold_started_at: dt.datetime | None = None
    hold_seconds: float = 0.0
    handled_by: int | None = None

    @property
    def wait_seconds(self) -> float | None:
        """Seconds from arrival to answer (or to hanging up, if abandoned)."""
        end = self.answered_at or (self.ended_at if self.outcome == "abandoned" else None)
        return None if end is None else (end - self.arrived_at).total_seconds()

    def held_until(self, now: dt.datetime) -> float:
        """Seconds on hold in all by ``now``, the current hold included."""
        current = (now - self.hold_started_at).total_seconds() if self.hold_started_at else 0.0
        return self.hold_seconds + current


@attrs.frozen
class KnownCaller:
    """A known customer's number, and the department that looks after them.

    Attributes:
        id: Database id.
        number: The number in E.164 form.
        name: The customer's name.
        department: Their department, if they have one.
    """

    id: int
    number: str
    name: str
    department: str | None = None


@attrs.frozen
class CallStats:
    """Call statistics over a period, as the field defines them.

    The calls counted are those that **arrived** in ``[start, end)``, ended or not.
    A call's *wait* runs from arrival to answer, or, for an abandoned call never
    answered, to hanging up. *T* is the profile's ``phones.service_level_seconds``,
    *S* its ``phones.short_abandon_seconds``.
    [`PhoneSystem.stats`][officekit.plugins.reception.calls.PhoneSystem.stats]
    computes every figure in the database, in one aggregate query: the calls are
    not loaded.

    Attributes:
        start: The period's start (inclusive).
        end: The period's end (exclusive).
        offered: Calls that reached the phone system's lines or queue: every call
            but those whose outcome is ``after_hours`` (calls in progress count).
        after_hours: Calls sent to voicemail or an answering service on arrival.
        answered: Offered calls answered by a receptionist.
        answered_within_target: Answered calls whose wait was at most *T* seconds
            (a wait of exactly *T* meets the target).
        target_seconds: The service-level target *T*, from the profile.
        service_level: ``answered_within_target / (offered - short_abandons)``;
            None when that is 0.
        average_speed_of_answer: Mean wait of the answered calls, in seconds; None
            when none was answered.
        abandoned: Offered calls whose outcome is ``abandoned``, short abandons excluded.
        short_abandons: Abandoned calls whose wait was less than *S* seconds.
        abandonment_rate: ``abandoned / (offered - short_abandons)``; None when that is 0.
        average_handling_time: Mean seconds from answer to end (talk plus hold) of the
            answered calls that have ended; None when there are none.
        transfers: Calls whose outcome is ``transferred``.
        misroutes: Calls transferred to another department than routing chose.
        messages: Calls whose outcome is ``message``.
        urgent: Urgent calls (``script`` or ``flag``).
        in_progress: Calls of the period not ended yet.
    """

    start: dt.datetime
    end: dt.datetime
    offered: int
    after_hours: int
    answered: int
    answered_within_target: int
    target_seconds: float
    service_level: float | None
    average_speed_of_answer: float | None
    abandoned: int
    short_abandons: int
    abandonment_rate: float | None
    average_handling_time: float | None
    transfers: int
    misroutes: int
    messages: int
    urgent: int
    in_progress: int


@functools.lru_cache(maxsize=4096)
def _e164(number: str, region: str | None, strict: bool) -> str:
    """E.164 form of ``number``, ``"withheld"`` or ``"!<why not>"``; cached, callers call again.

    ``strict`` checks the number against the numbering plan (is it assigned?);
    otherwise only its shape (could it be a number at all?), which is enough for
    a caller ID the telephone network has delivered.
    """
    if number.strip().casefold() in (WITHHELD, "anonymous", "private", ""):
        return WITHHELD
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as exc:
        return f"!not a phone number: {number!r} ({exc})"
    valid = phonenumbers.is_valid_number if strict else phonenumbers.is_possible_number
    if not valid(parsed):
        return f"!not a valid phone number in {region or 'international form'}: {number!r}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _check_reason(reason: object) -> str:
    """The caller's words: free text (line breaks allowed), possibly empty."""
    if not isinstance(reason, str):
        raise ValidationError(f"expected the caller's words, got {reason!r:.80}", where="reason")
    problems: list[Problem] = []
    clean = text_field(
        reason, "reason", "the caller's words", MAX_REASON_LENGTH, problems,
        required=False, multiline=True,
    )  # fmt: skip
    if problems:
        raise ValidationError(problems)
    return clean or ""


_INSERT_CALL = Prepared(
    calls.insert().returning(calls.c.id),
    keys=[
        c.name
        for c in calls.c
        if c.name not in ("id", "answered_at", "hold_started_at", "hold_seconds", "handled_by")
    ],
)

# One round trip for what an incoming call needs: the busy lines and the known caller.
_LINES_AND_CALLER = Prepared(
    sa.union_all(
        sa.select(
            sa.literal("line").label("kind"),
            calls.c.line.label("n"),
            sa.null().label("name"),
            sa.null().label("department"),
        ).where(calls.c.office_id == sa.bindparam("b_office_id"), calls.c.line.is_not(None)),
        sa.select(
            sa.literal("known").label("kind"),
            known_callers.c.id,
            known_callers.c.name,
            known_callers.c.department,
        ).where(
            known_callers.c.office_id == sa.bindparam("b_office_id"),
            known_callers.c.number == sa.bindparam("b_number"),
        ),
    )
)
_KNOWN_CALLER = sa.select(known_callers).where(
    known_callers.c.office_id == sa.bindparam("b_office_id"),
    known_callers.c.number == sa.bindparam("b_number"),
)


# A call's columns in the order of its fields: ``Call(*row)`` builds one without cattrs.
_CALL_COLUMNS = tuple(calls.c[field.name] for field in attrs.fields(Call))
_CALL = Prepared(
    sa.select(*_CALL_COLUMNS).where(
        calls.c.id == sa.bindparam("b_call_id"), calls.c.office_id == sa.bindparam("b_office_id")
    )
)
_LIVE = (
    sa.select(*_CALL_COLUMNS)
    .where(calls.c.office_id == sa.bindparam("b_office_id"), calls.c.status.in_(LIVE))
    .order_by(
        calls.c.line.is_(None),
        calls.c.line,
        calls.c.urgent.is_(None),
        calls.c.arrived_at,
        calls.c.id,
    )
)
_BETWEEN = (
    sa.select(*_CALL_COLUMNS)
    .where(
        calls.c.office_id == sa.bindparam("b_office_id"),
        calls.c.arrived_at >= sa.bindparam("b_start", type_=calls.c.arrived_at.type),
        calls.c.arrived_at < sa.bindparam("b_end", type_=calls.c.arrived_at.type),
    )
    .order_by(calls.c.arrived_at, calls.c.id)
)


class PhoneSystem:
    """The office's phone system: ``office.calls``.

    Incoming calls and hang-ups come from outside the office, so they are
    recorded with the office as actor; answering and handling them is done at
    a desk ([`CallDesk`][officekit.plugins.reception.calls.CallDesk]).
    """

    def __init__(self, office: Office) -> None:
        self._office = office
        self.router = Router(office.profile)

    # -- reading ----------------------------------------------------------------

    def get(self, call: Call | int) -> Call:
        """Return a call as it is now.

        Raises:
            NotFoundError: If the office has no such call.
        """
        call_id = check_ref(call, "call", Call, "a call")
        with self._office.engine.connect() as conn:
            row = _CALL.first(conn, {"b_call_id": call_id, "b_office_id": self._office.id})
        if row is None:
            raise NotFoundError(f"no call with id {call_id} in this office")
        return Call(*row)

    def live(self) -> list[Call]:
        """Return the calls not ended: on a line first (by line), then the queue (by arrival)."""
        with self._office.engine.connect() as conn:
            rows = conn.execute(_LIVE, {"b_office_id": self._office.id}).all()
        return [Call(*r) for r in rows]

    def queue(self) -> list[Call]:
        """Return the calls waiting for a line in the order they will get one.

        Urgent calls first, then the longest-waiting.
        """
        return [c for c in self.live() if c.status == "queued"]

    def between(self, start: dt.datetime, end: dt.datetime) -> list[Call]:
        """Return the calls that arrived in ``[start, end)``, in order of arrival.

        Raises:
            ValidationError: If the period is empty or its ends are naive.
        """
        check_period(start, end)
        params = {"b_office_id": self._office.id, "b_start": start, "b_end": end}
        with self._office.engine.connect() as conn:
            rows = conn.execute(_BETWEEN, params).all()
        return [Call(*r) for r in rows]

    # -- known callers ------------------------------------------------------------

    def normalise_number(self, number: str, where: str = "caller", *, strict: bool = True) -> str:
        """Return ``number`` in E.164 form, read in the office's country.

        Args:
            number: A number in national or international form, or ``"withheld"``.
            where: The argument's name, for the error.
            strict: Check it against the numbering plan (for numbers entered by
                staff); else only that it could be a number (for the caller ID of an
                incoming call, which the network delivered).

        Raises:
            ValidationError: If it is not a valid phone number.
        """
        check_str(number, where, "a phone number")
        result = _e164(number, self._office.profile.office.country, check_bool(strict, "strict"))
        if result.startswith("!"):
            raise ValidationError(result[1:], where=where)
        return result

    def register_caller(self, number: str, name: str, department: str | None = None) -> KnownCaller:
        """Make a customer's number known, with the department that looks after them.

        Raises:
            ValidationError: Bad number, blank name or unknown department; nothing is written.
        """
        problems: list[Problem] = []
        try:
            e164 = self.normalise_number(number, where="number")
        except ValidationError as exc:
            problems += exc.problems
            e164 = ""
        if e164 == WITHHELD:
            problems.append(Problem("number", "a known caller needs a number"))
        clean_name = text_field(
            name, "name", "a name", column_limit(known_callers.c.name), problems, required=True
        )
        if department is not None:
            depts = self._office.profile.departments
            collect(problems, check_choice, department, "department", depts, "department")
        if problems:
            raise ValidationError(problems)
        assert clean_name is not None

        def act(conn: sa.Connection) -> int:
            existing = conn.execute(
                sa.select(known_callers.c.id).where(
                    known_callers.c.office_id == self._office.id, known_callers.c.number == e164
                )
            ).scalar_one_or_none()
            values = {"name": clean_name, "department": department}
            if existing is not None:
                conn.execute(
                    known_callers.update().where(known_callers.c.id == existing).values(**values)
                )
                detail["caller_id"] = int(existing)
                return int(existing)
            new_id: int = conn.execute(
                known_callers.insert()
                .values(office_id=self._office.id, number=e164, **values)
                .returning(known_callers.c.id)
            ).scalar_one()
            detail["caller_id"] = new_id
            return new_id

        # The number and name stay on the known caller's row, not in the permanent log.
        detail: dict[str, Any] = {"department": department}
        caller_id = self._office.kernel.record_admin(
            "callers.register", subject=None, detail=detail, act=act
        )
        return KnownCaller(caller_id, e164, clean_name, department)

    def known_caller(self, number: str) -> KnownCaller | None:
        """Return the known caller with this number, or None."""
        e164 = self.normalise_number(number, strict=False)
        with self._office.engine.connect() as conn:
            return self._lookup(conn, e164)

    def _lookup(self, conn: sa.Connection, e164: str) -> KnownCaller | None:
        params = {"b_office_id": self._office.id, "b_number": e164}
        row = conn.execute(_KNOWN_CALLER, params).one_or_none()
        return None if row is None else KnownCaller(row.id, row.number, row.name, row.department)

    # -- routing --------------------------------------------------------------------

    def route(
        self,
        reason: str,
        *,
        caller: str | None = None,
        line: str | None = None,
        at: dt.datetime | None = None,
    ) -> RoutingDecision:
        """Decide where a call would go, without recording anything.

        A plugin's ``officekit_route_call`` answer wins over the profile's rules.

        Args:
            reason: What the caller says they call about.
            caller: Their number, to recognise known customers.
            line: The priority line (number dialled), if any.
            at: When (aware); now by default.
        """
        problems: list[Problem] = []
        collect(problems, _check_reason, reason)
        if line is not None:
            limit = column_limit(calls.c.dialled_line)
            collect(problems, check_str, line, "line", "the line dialled", limit)
        if at is not None:
            collect(problems, check_aware, at, "at")
        if problems:
            raise ValidationError(problems)
        when = at if at is not None else check_aware(self._office.clock.now(), "clock")
        number = (
            self.normalise_number(caller, strict=False)
            if caller is not None and caller != ""
            else WITHHELD
        )
        known = self.known_caller(number) if number != WITHHELD else None
        caller_e164 = None if number == WITHHELD else number
        return self._decide(reason, known=known, caller=caller_e164, line=line, at=when)

    def _decide(
        self,
        reason: str,
        *,
        known: KnownCaller | None,
        caller: str | None,
        line: str | None,
        at: dt.datetime,
    ) -> RoutingDecision:
        decided = hooks.route_call(self._office, reason=reason, caller=caller, line=line, at=at)
        if decided is not None:
            return self._check_plugin_decision(decided)
        return self.router.decide(
            reason,
            at=at,
            caller_department=known.department if known else None,
            known_customer=known is not None,
            line=line,
        )

    def _check_plugin_decision(self, decided: object) -> RoutingDecision:
        """A plugin's routing decision must name a real destination; it is marked as a plugin's."""
        if not isinstance(decided, RoutingDecision):
            raise PluginError(
                f"officekit_route_call must return a RoutingDecision or None, got {decided!r}"
            )
        depts = self._office.profile.departments
        dest = decided.destination
        if dest is None and decided.urgent != "script":
            raise PluginError("a plugin's routing decision needs a destination (or a script)")
        if dest is not None and dest not in depts and dest not in AFTER_HOURS_SERVICES:
            raise PluginError(
                f"a plugin routed a call to {dest!r}, which is no department of profile "
                f"{self._office.profile.name!r} (nor {' or '.join(AFTER_HOURS_SERVICES)})"
            )
        department = decided.department if decided.department in depts else dest
        return attrs.evolve(
            decided, kind="plugin", department=department if department in depts else None
        )

    # -- the phone system's own events ---------------------------------------------------

    def receive(
        self,
        caller: str,
        reason: str = "",
        *,
        name: str | None = None,
        line: int | None = None,
        dialled: str | None = None,
    ) -> Call:
        """An incoming call: route it, then give it a line or put it in the queue.

        Args:
            caller: The caller's number (``"withheld"`` if not shown).
            reason: What the caller says they call about (from an IVR or the first words).
            name: The caller's name, if given.
            line: The line the phone system put it on; the lowest free one by default.
            dialled: The priority line (number dialled), for routing rules on lines.

        Returns:
            The call: ``ringing`` on a line, ``queued``, or ended ``after_hours``.

        Raises:
            ValidationError: A bad number, or a line that does not exist; nothing is written.
            ConflictError: The line asked for is busy; nothing is written.
        """
        office = self._office
        problems: list[Problem] = []
        if not isinstance(caller, str):
            problems.append(Problem("caller", f"expected a phone number, got {caller!r:.80}"))
        reason = collect(problems, _check_reason, reason) or ""
        name = text_field(
            name, "name", "the caller's name", column_limit(calls.c.caller_name), problems,
            required=False,
        )  # fmt: skip
        dialled = text_field(
            dialled, "dialled", "the line dialled", column_limit(calls.c.dialled_line), problems,
            required=False,
        )  # fmt: skip
        n_lines = office.profile.section(PHONES).lines
        if line is not None and (
            isinstance(line, bool) or not isinstance(line, int) or not 1 <= line <= n_lines
        ):
            problems.append(
                Problem("line", f"the phone system has lines 1 to {n_lines}, not {line!r}")
            )
        if problems:
            raise ValidationError(problems)
        number = self.normalise_number(caller, strict=False)
        now = check_aware(office.clock.now(), "clock")
        values: dict[str, Any] = {}
        detail: dict[str, Any] = {}
        decisions: list[RoutingDecision] = []

        def act(conn: sa.Connection) -> int:
            # One transaction, the office row locked by the kernel: the known-caller
            # lookup, routing and the line taken are consistent.
            busy: set[int] = set()
            known: KnownCaller | None = None
            params = {"b_office_id": office.id, "b_number": number}
            for kind, n, caller_name, department in _LINES_AND_CALLER.all(conn, params):
                if kind == "line":
                    busy.add(n)
                else:
                    known = KnownCaller(n, number, caller_name, department)
            decision = self._decide(
                reason, known=known, caller=None if number == WITHHELD else number,
                line=dialled, at=now,
            )  # fmt: skip
            decisions.append(decision)
            after_hours = decision.destination in AFTER_HOURS_SERVICES
            taken: int | None = None
            if not after_hours:
                free = [n for n in range(1, n_lines + 1) if n not in busy]
                if line is not None:
                    if line not in free:
                        raise ConflictError(f"line {line} is busy")
                    taken = line
                elif free:
                    taken = free[0]
            routed_by = {
                "rule": f"rule:{decision.rule}",
                "urgent": f"urgent:{decision.rule}",
            }.get(decision.kind, decision.kind)
            values.update(
                office_id=office.id,
                caller_number=number,
                caller_name=name or (known.name if known else None),
                reason=reason,
                dialled_line=dialled,
                line=taken,
                status="ended" if after_hours else ("ringing" if taken else "queued"),
                outcome="after_hours" if after_hours else None,
                department=decision.department,
                destination=decision.destination,
                routed_by=routed_by,
                urgent=decision.urgent,
                script=decision.script,
                explanation=decision.explanation,
                transferred_to=None,
                misrouted=False,
                arrived_at=now,
                ended_at=now if after_hours else None,
            )
            call_id: int = _INSERT_CALL.first(conn, values)[0]  # type: ignore[index]
            # The explanation stays on the call row: it may quote what the caller
            # said, which has no place in the permanent log. So do the caller's
            # number (the analysis needs calls per department, not who called) and
            # a sensitive rule's name (``rule:sensitive``): see docs/reference/events.md.
            from officekit.plugins.reception.settings import ROUTING

            recorded_route = office.profile.section(ROUTING).recorded_route
            detail.update(
                call_id=call_id,
                line=taken,
                department=decision.department,
                destination=decision.destination,
                routed_by=recorded_route(decision.kind, decision.rule),
                urgent=decision.urgent,
            )
            return call_id

        # No subject: the call's id, in the detail, is known only once its row is written.
        call_id = office.kernel.record_admin("calls.receive", subject=None, detail=detail, act=act)
        call = Call(id=call_id, **values)
        hooks.call_received(office, call, decisions[0])
        return call

    def hang_up(self, call: Call | int) -> Call:
        """The caller hung up: ``abandoned`` if nobody answered, else ``completed``.

        Recorded by the office; for an answered call the event keeps
        ``handled_seconds`` and ``handled_by``, who was handling it.

        Raises:
            ConflictError: If the call already ended.
        """
        call_id = check_ref(call, "call", Call, "a call")
        return _step(
            self._office, None, call_id, "hang_up", _ending(self._office.clock.now(), "hang_up")
        )

    # -- statistics -------------------------------------------------------------------

    def stats(self, start: dt.datetime, end: dt.datetime) -> CallStats:
        """Compute the call statistics of the calls that arrived in ``[start, end)``.

        Raises:
            ValidationError: If the period is empty or its ends are naive.
        """
        check_period(start, end)
        phones = self._office.profile.section(PHONES)
        with self._office.engine.connect() as conn:
            row = conn.execute(
                _STATS,
                {
                    "b_office_id": self._office.id,
                    "b_start": start,
                    "b_end": end,
                    "b_target": phones.service_level_seconds,
                    "b_short": phones.short_abandon_seconds,
                },
            ).one()
        offered = row.offered
        short = row.short_abandons
        abandoned = row.abandoned_all - short
        base = offered - short
        return CallStats(
            start=start,
            end=end,
            offered=offered,
            after_hours=row.received - offered,
            answered=row.answered,
            answered_within_target=row.within,
            target_seconds=phones.service_level_seconds,
            service_level=row.within / base if base else None,
            average_speed_of_answer=row.asa,
            abandoned=abandoned,
            short_abandons=short,
            abandonment_rate=abandoned / base if base else None,
            average_handling_time=row.aht,
            transfers=row.transfers,
            misroutes=row.misroutes,
            messages=row.messages,
            urgent=row.urgent,
            in_progress=row.in_progress,
        )

    def stats_for_day(self, day: dt.date) -> CallStats:
        """Compute the call statistics of one day of the office, in its timezone.

        The same as [`stats`][officekit.plugins.reception.calls.PhoneSystem.stats]
        from the day's local midnight to the next (the profile's
        ``[office] timezone``): 23 or 25 hours on the days the clocks change.
        ``officekit calls stats --from DAY --to DAY`` shows the same figures.

        Args:
            day: The office's day, a `datetime.date` (not a datetime).

        Raises:
            ValidationError: If ``day`` is not a date, or is too far out.
        """
        start, end = office_day(day, self._office.profile.office.tz)
        return self.stats(start, end)


# CallStats in one aggregate query, built once: the definitions of its docstring in SQL.
_OFFERED = calls.c.outcome.is_distinct_from("after_hours")
_ANSWERED = sa.and_(_OFFERED, calls.c.answered_at.is_not(None))
_ABANDONED = calls.c.outcome == "abandoned"  # offered, too: not after_hours
_ANSWER_WAIT = seconds_between(calls.c.answered_at, calls.c.arrived_at)
# An abandoned call's wait: to its answer if it had one, else to hanging up.
_ABANDON_WAIT = sa.func.coalesce(
    seconds_between(sa.func.coalesce(calls.c.answered_at, calls.c.ended_at), calls.c.arrived_at),
    0.0,
)
_TARGET = sa.bindparam("b_target", type_=sa.Float)
_SHORT = sa.bindparam("b_short", type_=sa.Float)
_STATS = sa.select(
    sa.func.count().label("received"),
    sa.func.count().filter(_OFFERED).label("offered"),
    sa.func.count().filter(_ANSWERED).label("answered"),
    sa.func.count().filter(_ANSWERED, _ANSWER_WAIT <= _TARGET).label("within"),
    sa.func.avg(_ANSWER_WAIT).filter(_ANSWERED).label("asa"),
    sa.func.count().filter(_ABANDONED).label("abandoned_all"),
    sa.func.count().filter(_ABANDONED, _ABANDON_WAIT < _SHORT).label("short_abandons"),
    # NULL (skipped) for a call not ended yet.
    sa.func.avg(seconds_between(calls.c.ended_at, calls.c.answered_at))
    .filter(_ANSWERED)
    .label("aht"),
    sa.func.count().filter(calls.c.outcome == "transferred").label("transfers"),
    sa.func.count().filter(calls.c.misrouted.is_(True)).label("misroutes"),
    sa.func.count().filter(calls.c.outcome == "message").label("messages"),
    sa.func.count().filter(calls.c.urgent.is_not(None)).label("urgent"),
    sa.func.count().filter(calls.c.status != "ended").label("in_progress"),
).where(
    calls.c.office_id == sa.bindparam("b_office_id"),
    calls.c.arrived_at >= sa.bindparam("b_start"),
    calls.c.arrived_at < sa.bindparam("b_end"),
)


def compute_stats(
    period_calls: Sequence[Call], office: Office, start: dt.datetime, end: dt.datetime
) -> CallStats:
    """Aggregate [`CallStats`][officekit.plugins.reception.calls.CallStats] from calls, in Python.

    Deprecated:
        Use [`office.calls.stats(start, end)`][officekit.plugins.reception.calls.PhoneSystem.stats],
        which computes the same figures in the database; this function will be removed
        in the next release.
    """
    warnings.warn(
        "compute_stats is deprecated: use office.calls.stats(start, end), which computes "
        "the same figures in the database",
        DeprecationWarning,
        stacklevel=2,
    )
    phones = office.profile.section(PHONES)
    offered = [c for c in period_calls if c.outcome != "after_hours"]
    answered = [c for c in offered if c.answered_at is not None]
    waits = [c.wait_seconds for c in answered if c.wait_seconds is not None]
    abandoned_all = [c for c in offered if c.outcome == "abandoned"]
    short = [c for c in abandoned_all if (c.wait_seconds or 0) < phones.short_abandon_seconds]
    base = len(offered) - len(short)
    within = sum(1 for w in waits if w <= phones.service_level_seconds)
    handled = [
        (c.ended_at - c.answered_at).total_seconds()
        for c in answered
        if c.ended_at is not None and c.answered_at is not None
    ]
    return CallStats(
        start=start,
        end=end,
        offered=len(offered),
        after_hours=len(period_calls) - len(offered),
        answered=len(answered),
        answered_within_target=within,
        target_seconds=phones.service_level_seconds,
        service_level=within / base if base else None,
        average_speed_of_answer=statistics.fmean(waits) if waits else None,
        abandoned=len(abandoned_all) - len(short),
        short_abandons=len(short),
        abandonment_rate=(len(abandoned_all) - len(short)) / base if base else None,
        average_handling_time=statistics.fmean(handled) if handled else None,
        transfers=sum(1 for c in period_calls if c.outcome == "transferred"),
        misroutes=sum(1 for c in period_calls if c.misrouted),
        messages=sum(1 for c in period_calls if c.outcome == "message"),
        urgent=sum(1 for c in period_calls if c.urgent is not None),
        in_progress=sum(1 for c in period_calls if c.status != "ended"),
    )


_ALLOWED = {
    "answer": ("ringing",),
    "hold": ("connected",),
    "resume": ("on_hold",),
    "transfer": ("connected", "on_hold"),
    "take_message": ("connected", "on_hold"),
    "complete": ("connected", "on_hold"),
    "hang_up": LIVE,
}


_VERBS = {
    "answer": "one can answer",
    "hold": "one can put on hold",
    "resume": "one can take off hold",
    "transfer": "one can transfer",
    "take_message": "one can take a message on",
    "complete": "one can complete",
    "hang_up": "a caller can hang up",
}


def _check_status(call: Call, action: str) -> None:
    allowed = _ALLOWED[action]
    if call.status not in allowed:
        state = f"{call.status} ({call.outcome})" if call.outcome else call.status
        raise ConflictError(
            f"call {call.id} is {state}: {_VERBS[action]} only a call that is "
            f"{' or '.join(allowed)}"
        )


# Built once: the statements of a call's steps (see ``_step``).
@functools.cache
def _set_call(keys: frozenset[str]) -> Prepared:
    """The update of a call's ``keys`` columns, returning the call: one per set of columns."""
    return Prepared(
        calls.update().where(calls.c.id == sa.bindparam("b_call_id")).returning(*_CALL_COLUMNS),
        keys=sorted(keys),
    )


_PROMOTE_QUEUED = Prepared(
    calls.update()
    .where(
        calls.c.id
        == sa.select(calls.c.id)
        .where(calls.c.office_id == sa.bindparam("b_office_id"), calls.c.status == "queued")
        .order_by(calls.c.urgent.is_(None), calls.c.arrived_at, calls.c.id)
        .limit(1)
        .scalar_subquery()
    )
    .values(status="ringing", line=sa.bindparam("b_line"))
    .returning(calls.c.id)
)
_GUARDED = {
    action: Prepared(
        calls.update()
        .where(
            calls.c.id == sa.bindparam("b_call_id"),
            calls.c.office_id == sa.bindparam("b_office_id"),
            sa.or_(*(calls.c.status == status for status in _ALLOWED[action])),
        )
        .returning(*_CALL_COLUMNS),
        keys=keys,
    )
    for action, keys in (
        ("answer", ("status", "answered_at", "handled_by")),
        ("hold", ("status", "hold_started_at")),
    )
}
"""Steps whose values do not depend on the call: one guarded UPDATE each."""
_NEXT_RINGING = (
    sa.select(calls.c.id)
    .where(calls.c.office_id == sa.bindparam("b_office_id"), calls.c.status == "ringing")
    .order_by(calls.c.urgent.is_(None), calls.c.arrived_at, calls.c.id)
    .limit(1)
)

_Change = Callable[[sa.Connection, Call, dict[str, Any]], dict[str, Any]]
"""What a step changes: given the call as it is (read under the lock) and the event's
detail (to add to), return the columns to set."""


def _step(
    office: Office,
    desk: Desk | None,
    call_id: int,
    action: str,
    change: _Change | dict[str, Any],
    more: dict[str, Any] | None = None,
) -> Call:
    """Perform one step of a call (``calls.<action>``) in one transaction.

    The kernel locks the office row first, so the call read here is the call as it
    is: no other step of any call of this office can run in between. Read, check
    its status, update it (``RETURNING`` the row) and record the event, all in that
    transaction: no read before it and none after. A step whose values do not
    depend on the call (answer, hold) is one ``UPDATE ... WHERE status ... RETURNING``;
    the call is read only to explain why it did not apply. ``more`` is added to
    the event's detail (an answer's ``cover``).

    Raises:
        NotFoundError: The office has no such call (nothing is written).
        ConflictError: The call's status does not allow the step (nothing is written).
    """
    detail: dict[str, Any] = {"call_id": call_id}
    done: list[Call] = []
    params = {"b_call_id": call_id, "b_office_id": office.id}

    def read(conn: sa.Connection) -> Call:
        row = _CALL.first(conn, params)
        if row is None:
            raise NotFoundError(f"no call with id {call_id} in this office")
        current = Call(*row)
        _check_status(current, action)
        return current

    def act(conn: sa.Connection) -> None:
        if isinstance(change, dict):
            row = _GUARDED[action].first(conn, {**params, **change})
            if row is None:
                read(conn)  # raises: why it did not apply
                raise ConflictError(f"call {call_id} changed meanwhile")  # pragma: no cover
            done.append(Call(*row))
            detail["line"] = done[0].line
            if action == "answer":
                _answer_detail(office, done[0], detail)
            detail.update(more or {})
            return
        current = read(conn)
        detail["line"] = current.line
        values = change(conn, current, detail)
        updated = _set_call(frozenset(values)).first(conn, {"b_call_id": call_id, **values})
        assert updated is not None  # the call was read in this transaction
        done.append(Call(*updated))
        if action in _ENDING and current.line is not None:
            # The line is free: the longest-waiting queued call (urgent first) takes it.
            promoted = _PROMOTE_QUEUED.first(
                conn, {"b_office_id": office.id, "b_line": current.line}
            )
            if promoted is not None:
                detail["promoted_call"] = promoted[0]

    operation = f"calls.{action}"
    subject = f"call:{call_id}"  # not the caller's number: that stays on the call's row
    if desk is None:
        office.kernel.record_admin(operation, subject=subject, detail=detail, act=act)
    else:
        desk.perform(operation, subject=subject, detail=detail, act=act)
    return done[0]


def _answer_detail(office: Office, call: Call, detail: dict[str, Any]) -> None:
    """Add the speed of answer to its detail: ``waited_seconds``, ``within_service_level``."""
    assert call.answered_at is not None
    waited = max(0.0, round((call.answered_at - call.arrived_at).total_seconds(), 3))
    detail["waited_seconds"] = waited
    detail["within_service_level"] = waited <= office.profile.section(PHONES).service_level_seconds


_OUTCOMES = {"transfer": "transferred", "take_message": "message", "complete": "completed"}
_ENDING = frozenset((*_OUTCOMES, "hang_up"))


def _ending(
    now: dt.datetime,
    action: str,
    values: Callable[[Call], dict[str, Any]] | None = None,
    extra: Callable[[sa.Connection, Call], dict[str, Any]] | None = None,
) -> _Change:
    """The change that ends a call (transfer, message, complete, hang up) and frees its line.

    ``values`` adds columns from the call; ``extra`` does more in the transaction
    (take the message) and returns what the event records of it.
    """

    def change(conn: sa.Connection, call: Call, detail: dict[str, Any]) -> dict[str, Any]:
        if action == "hang_up":
            outcome = "completed" if call.answered_at is not None else "abandoned"
        else:
            outcome = _OUTCOMES[action]
        detail["outcome"] = outcome
        if call.answered_at is not None:
            # From answer to end, hold included: the call's handling time.
            handled = round((now - call.answered_at).total_seconds(), 3)
            detail["handled_seconds"] = max(0.0, handled)
            if action == "hang_up":  # recorded by the office: who was handling it
                detail["handled_by"] = call.handled_by
        if extra is not None:
            detail.update(extra(conn, call))
        return {
            "status": "ended",
            "outcome": outcome,
            "line": None,
            "ended_at": now,
            "hold_started_at": None,
            "hold_seconds": call.held_until(now),
            **(values(call) if values is not None else {}),
        }

    return change


class CallDesk:
    """Call handling at a desk: ``desk.calls``."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    def _step(
        self,
        call: Call | int,
        action: str,
        change: _Change | dict[str, Any],
        more: dict[str, Any] | None = None,
    ) -> Call:
        call_id = check_ref(call, "call", Call, "a call")
        return _step(self._office, self._desk, call_id, action, change, more)

    def answer(self, call: Call | int | None = None) -> Call:
        """Answer a ringing call (``calls.answer``); by default urgent first, then longest-waiting.

        The event records the speed of answer (``waited_seconds``, from arrival),
        whether it met the profile's ``[phones] service_level_seconds``, and whether
        the answer was ``cover`` (see [`covering`][officekit.plugins.reception.routing.covering]).

        Raises:
            ConflictError: If the call is not ringing, or no call is.
            NotFoundError: If the office has no such call.
        """
        office = self._office
        if call is None:
            with office.engine.connect() as conn:
                call = conn.execute(_NEXT_RINGING, {"b_office_id": office.id}).scalar_one_or_none()
            if call is None:
                raise ConflictError("no call is ringing")
        now = office.clock.now()
        actor = self._desk.actor
        values = {"status": "connected", "answered_at": now, "handled_by": actor.id}
        # Cover: answering the phones is not the usual duty of any of their roles.
        more = {"cover": covering(office.profile, actor.roles)}
        return self._step(call, "answer", values, more)

    def hold(self, call: Call | int) -> Call:
        """Put a connected call on hold (``calls.hold``); it keeps its line."""
        values = {"status": "on_hold", "hold_started_at": self._office.clock.now()}
        return self._step(call, "hold", values)

    def resume(self, call: Call | int) -> Call:
        """Take a call off hold (``calls.resume``)."""
        now = self._office.clock.now()

        def change(conn: sa.Connection, current: Call, detail: dict[str, Any]) -> dict[str, Any]:
            held = current.held_until(now)
            return {"status": "connected", "hold_started_at": None, "hold_seconds": held}

        return self._step(call, "resume", change)

    def transfer(
        self,
        call: Call | int,
        *,
        department: str | None = None,
        person: StaffMember | int | None = None,
        extension: str | None = None,
    ) -> Call:
        """Transfer a call to a department (by key or extension) or a named person.

        The operation is ``calls.transfer``. A transfer to another department than
        routing chose is recorded as a misroute.

        Args:
            call: The call, connected or on hold.
            department: The department's key, or
            extension: its phone extension, or
            person: a member of staff.

        Raises:
            ValidationError: Unknown department, extension or person; nothing is written.
            ConflictError: If the call is not connected or on hold.
            NotFoundError: If the office has no such call.
        """
        office = self._office
        check_ref(call, "call", Call, "a call")
        if extension is not None:
            by_extension = {d.extension: k for k, d in office.profile.departments.items()}
            if (
                department is not None
                or not isinstance(extension, str)
                or extension not in by_extension
            ):
                known = ", ".join(sorted(by_extension))
                raise ValidationError(
                    f"no department has extension {extension!r} (extensions: {known})"
                    if department is None
                    else "give a department or an extension, not both",
                    where="extension",
                )
            department = by_extension[extension]
        problems = recipient_problems(office, department, person)
        if problems:
            raise ValidationError(problems)
        depts: set[str | None] = set()
        if person is not None:
            member = office.staff.get(person)  # checked by recipient_problems
            target = f"staff:{member.id}"
            roles = office.profile.roles  # a role the profile dropped belongs nowhere
            depts = {roles[r].department for r in member.roles if r in roles} - {None}
        else:
            assert department is not None
            target = f"department:{department}"
            depts = {department}
        found: dict[str, Any] = {}

        def values(current: Call) -> dict[str, Any]:
            return {"transferred_to": target, "misrouted": found["misrouted"]}

        def extra(conn: sa.Connection, current: Call) -> dict[str, Any]:
            misrouted = current.department is not None and current.department not in depts
            found["misrouted"] = misrouted
            return {"to": target, "routed_to": current.department, "misrouted": misrouted}

        return self._step(call, "transfer", _ending(office.clock.now(), "transfer", values, extra))

    def take_message(
        self,
        call: Call | int,
        text: str,
        *,
        department: str | None = None,
        person: StaffMember | int | None = None,
    ) -> Call:
        """Take a message for an unavailable department or person; the call ends.

        The operation is ``calls.take_message``.

        Raises:
            ValidationError: Bad text or recipient; nothing is written.
            ConflictError: If the call is not connected or on hold.
            NotFoundError: If the office has no such call.
        """
        office = self._office
        check_ref(call, "call", Call, "a call")
        clean = check_text(text)
        problems = recipient_problems(office, department, person)
        if problems:
            raise ValidationError(problems)
        person_id = None if person is None else office.staff.get(person).id
        due_time(office)  # the clock can still give a due time
        taken_by = self._desk.actor.id

        def extra(conn: sa.Connection, current: Call) -> dict[str, Any]:
            message_id = insert_message(
                conn, office, text=clean, for_department=department, for_staff_id=person_id,
                from_name=current.caller_name, from_number=current.caller_number,
                taken_by=taken_by, call_id=current.id,
            )  # fmt: skip
            # The event names the message it created, not what it says.
            return {"department": department, "staff_id": person_id, "message_id": message_id}

        return self._step(
            call, "take_message", _ending(office.clock.now(), "take_message", extra=extra)
        )

    def complete(self, call: Call | int) -> Call:
        """End a call handled at the desk (``calls.complete``)."""
        return self._step(call, "complete", _ending(self._office.clock.now(), "complete"))


CALLS: OfficeFacet[PhoneSystem] = OfficeFacet(
    "calls", PhoneSystem, "The phone system: incoming calls, lines, queue, routing, statistics."
)
"""``office.calls``, typed: ``office.facet(CALLS)``."""

CALL_DESK: DeskFacet[CallDesk] = DeskFacet(
    "calls", CallDesk, "Call handling: answer, hold, resume, transfer, take a message, complete."
)
"""``desk.calls``, typed: ``desk.facet(CALL_DESK)``."""
