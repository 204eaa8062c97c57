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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
import phonenumbers
import sqlalchemy as sa

from officekit.core.clock import check_period
from officekit.core.convert import converter
from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.validate import (
    check_aware,
    check_bool,
    check_choice,
    check_ref,
    check_str,
    collect,
    column_limit,
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
from officekit.plugins.reception.routing import Router, RoutingDecision
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

    Attributes:
        start: The period's start (inclusive).
        end: The period's end (exclusive).
        offered: Calls that reached the phone system's lines or queue.
        after_hours: Calls sent to voicemail or an answering service on arrival.
        answered: Calls answered by a receptionist.
        answered_within_target: Calls answered within ``target_seconds``.
        target_seconds: The service-level target, from the profile.
        service_level: ``answered_within_target / (offered - short_abandons)``.
        average_speed_of_answer: Mean seconds from arrival to answer, over answered calls.
        abandoned: Calls whose callers hung up before an answer, short abandons excluded.
        short_abandons: Callers who hung up within ``short_abandon_seconds``.
        abandonment_rate: ``abandoned / (offered - short_abandons)``.
        average_handling_time: Mean seconds from answer to end (talk plus hold).
        transfers: Calls transferred.
        misroutes: Transfers to another department than routing chose.
        messages: Messages taken on calls.
        urgent: Urgent calls.
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


_INSERT_CALL = calls.insert().returning(calls.c.id)

# One round trip for what an incoming call needs: the busy lines and the known caller.
_LINES_AND_CALLER = sa.union_all(
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
_KNOWN_CALLER = sa.select(known_callers).where(
    known_callers.c.office_id == sa.bindparam("b_office_id"),
    known_callers.c.number == sa.bindparam("b_number"),
)


def _row_to_call(row: Any) -> Call:
    return converter.structure(dict(row._mapping), Call)


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
            row = conn.execute(
                sa.select(calls).where(calls.c.id == call_id, calls.c.office_id == self._office.id)
            ).one_or_none()
        if row is None:
            raise NotFoundError(f"no call with id {call_id} in this office")
        return _row_to_call(row)

    def live(self) -> list[Call]:
        """Return the calls not ended: on a line first (by line), then the queue (by arrival)."""
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(calls)
                .where(calls.c.office_id == self._office.id, calls.c.status.in_(LIVE))
                .order_by(
                    calls.c.line.is_(None),
                    calls.c.line,
                    calls.c.urgent.is_(None),
                    calls.c.arrived_at,
                    calls.c.id,
                )
            ).all()
        return [_row_to_call(r) for r in rows]

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
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(calls)
                .where(
                    calls.c.office_id == self._office.id,
                    calls.c.arrived_at >= start,
                    calls.c.arrived_at < end,
                )
                .order_by(calls.c.arrived_at, calls.c.id)
            ).all()
        return [_row_to_call(r) for r in rows]

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
            for kind, n, caller_name, department in conn.execute(_LINES_AND_CALLER, params):
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
            call_id: int = conn.execute(_INSERT_CALL, values).scalar_one()
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

        Raises:
            ConflictError: If the call already ended.
        """
        current = self.get(call)
        return _end(self._office, None, current, "hang_up", {})

    # -- statistics -------------------------------------------------------------------

    def stats(self, start: dt.datetime, end: dt.datetime) -> CallStats:
        """Compute the call statistics of the calls that arrived in ``[start, end)``.

        Raises:
            ValidationError: If the period is empty or its ends are naive.
        """
        check_period(start, end)
        return compute_stats(self.between(start, end), self._office, start, end)


def compute_stats(
    period_calls: Sequence[Call], office: Office, start: dt.datetime, end: dt.datetime
) -> CallStats:
    """Aggregate [`CallStats`][officekit.plugins.reception.calls.CallStats] from calls.

    See its attributes for the definitions.
    """
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


def _end(
    office: Office,
    desk: Desk | None,
    call: Call,
    action: str,
    values: dict[str, Any],
    detail: dict[str, Any] | None = None,
    extra: Any = None,
) -> Call:
    """End a call (transfer, message, complete, hang up), free its line, promote the queue."""
    _check_status(call, action)
    now = office.clock.now()
    outcome = {
        "transfer": "transferred",
        "take_message": "message",
        "complete": "completed",
        "hang_up": "completed" if call.answered_at is not None else "abandoned",
    }[action]
    detail = {"call_id": call.id, "line": call.line, "outcome": outcome, **(detail or {})}

    def act(conn: sa.Connection) -> Any:  # the kernel has locked the office row
        # The hold is computed from the row as it is now, not as it was read: another
        # desk may have held and resumed the call in between (same status, more hold).
        held = conn.execute(
            sa.select(calls.c.hold_seconds, calls.c.hold_started_at).where(calls.c.id == call.id)
        ).one()
        current = attrs.evolve(
            call, hold_seconds=held.hold_seconds, hold_started_at=held.hold_started_at
        )
        hold = current.held_until(now)
        ended = conn.execute(
            calls.update()
            .where(
                calls.c.id == call.id,
                calls.c.status == call.status,
                calls.c.hold_seconds == held.hold_seconds,
            )
            .values(
                status="ended",
                outcome=outcome,
                line=None,
                ended_at=now,
                hold_started_at=None,
                hold_seconds=hold,
                **values,
            )
        ).rowcount
        if ended != 1:
            raise ConflictError(f"call {call.id} changed meanwhile")
        result = extra(conn) if extra is not None else None
        if action == "take_message":
            detail["message_id"] = result  # the event names the message it created
        if call.line is not None:
            waiting = conn.execute(
                sa.select(calls.c.id)
                .where(calls.c.office_id == office.id, calls.c.status == "queued")
                .order_by(calls.c.urgent.is_(None), calls.c.arrived_at, calls.c.id)
                .limit(1)
            ).scalar_one_or_none()
            if waiting is not None:
                conn.execute(
                    calls.update()
                    .where(calls.c.id == waiting)
                    .values(status="ringing", line=call.line)
                )
                detail["promoted_call"] = waiting
        return result

    operation = f"calls.{action}"
    subject = f"call:{call.id}"  # not the caller's number: that stays on the call's row
    if desk is None:
        office.kernel.record_admin(operation, subject=subject, detail=detail, act=act)
    else:
        desk.perform(operation, subject=subject, detail=detail, act=act)
    return office.facet(CALLS).get(call.id)


class CallDesk:
    """Call handling at a desk: ``desk.calls``."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    def _update(self, call: Call, action: str, values: dict[str, Any]) -> Call:
        _check_status(call, action)

        def act(conn: sa.Connection) -> None:
            # The row must be as it was read: a hold that came and went in between
            # (another desk held and resumed it) would make the hold time wrong.
            changed = conn.execute(
                calls.update()
                .where(
                    calls.c.id == call.id,
                    calls.c.status == call.status,
                    calls.c.hold_started_at.is_not_distinct_from(call.hold_started_at),
                    calls.c.hold_seconds == call.hold_seconds,
                )
                .values(**values)
            ).rowcount
            if changed != 1:
                raise ConflictError(f"call {call.id} changed meanwhile")

        self._desk.perform(
            f"calls.{action}",
            subject=f"call:{call.id}",  # the number stays on the call's row, not in the log
            detail={"call_id": call.id, "line": call.line},
            act=act,
        )
        return self._office.facet(CALLS).get(call.id)

    def answer(self, call: Call | int | None = None) -> Call:
        """Answer a ringing call (``calls.answer``); by default urgent first, then longest-waiting.

        Raises:
            ConflictError: If the call is not ringing, or no call is.
        """
        if call is None:
            ringing = [c for c in self._office.facet(CALLS).live() if c.status == "ringing"]
            if not ringing:
                raise ConflictError("no call is ringing")
            current = min(ringing, key=lambda c: (c.urgent is None, c.arrived_at, c.id))
        else:
            current = self._office.facet(CALLS).get(call)
        now = self._office.clock.now()
        return self._update(
            current,
            "answer",
            {"status": "connected", "answered_at": now, "handled_by": self._desk.actor.id},
        )

    def hold(self, call: Call | int) -> Call:
        """Put a connected call on hold (``calls.hold``); it keeps its line."""
        current = self._office.facet(CALLS).get(call)
        return self._update(
            current, "hold", {"status": "on_hold", "hold_started_at": self._office.clock.now()}
        )

    def resume(self, call: Call | int) -> Call:
        """Take a call off hold (``calls.resume``)."""
        current = self._office.facet(CALLS).get(call)
        held = current.held_until(self._office.clock.now())
        return self._update(
            current,
            "resume",
            {"status": "connected", "hold_started_at": None, "hold_seconds": held},
        )

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
        """
        office = self._office
        current = office.facet(CALLS).get(call)
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
        if person is not None:
            member = office.staff.get(person)  # checked by recipient_problems
            target = f"staff:{member.id}"
            roles = office.profile.roles  # a role the profile dropped belongs nowhere
            depts = {roles[r].department for r in member.roles if r in roles} - {None}
            misrouted = current.department is not None and current.department not in depts
        else:
            assert department is not None
            target = f"department:{department}"
            misrouted = current.department is not None and department != current.department
        return _end(
            office,
            self._desk,
            current,
            "transfer",
            {"transferred_to": target, "misrouted": misrouted},
            {"to": target, "routed_to": current.department, "misrouted": misrouted},
        )

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
        """
        office = self._office
        current = office.facet(CALLS).get(call)
        clean = check_text(text)
        problems = recipient_problems(office, department, person)
        if problems:
            raise ValidationError(problems)
        person_id = None if person is None else office.staff.get(person).id
        due_time(office)  # the clock can still give a due time

        def extra(conn: sa.Connection) -> int:
            return insert_message(
                conn, office, text=clean, for_department=department, for_staff_id=person_id,
                from_name=current.caller_name, from_number=current.caller_number,
                taken_by=self._desk.actor.id, call_id=current.id,
            )  # fmt: skip

        return _end(
            office, self._desk, current, "take_message", {},
            {"department": department, "staff_id": person_id}, extra,
        )  # fmt: skip

    def complete(self, call: Call | int) -> Call:
        """End a call handled at the desk (``calls.complete``)."""
        current = self._office.facet(CALLS).get(call)
        return _end(self._office, self._desk, current, "complete", {})


CALLS: OfficeFacet[PhoneSystem] = OfficeFacet(
    "calls", PhoneSystem, "The phone system: incoming calls, lines, queue, routing, statistics."
)
"""``office.calls``, typed: ``office.facet(CALLS)``."""

CALL_DESK: DeskFacet[CallDesk] = DeskFacet(
    "calls", CallDesk, "Call handling: answer, hold, resume, transfer, take a message, complete."
)
"""``desk.calls``, typed: ``desk.facet(CALL_DESK)``."""
