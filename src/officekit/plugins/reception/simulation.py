"""The receptionist's part of ``officekit simulate``: calls, visitors, questions.

Calls arrive over the day (busier after opening), take a line or wait in the
queue, are answered, held, transferred, turned into messages or abandoned;
visitors check in, wait for their host and leave; customers ask questions that
the knowledge base answers or escalates; messages are taken, delivered by a
colleague and acknowledged by their recipient.

The staff's hidden traits shape it all (see
[`Traits`][officekit.simulate.Traits]): whoever answers a call does so sooner
and talks for less time the quicker they are, ends it and may misroute its
transfer as often as they err; customers score calls and visits by the
courtesy of who served them; the willing deliver more of their colleagues'
messages, take messages for colleagues rather than transfer, and, from outside
the front desk, answer calls and greet visitors now and then.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

from officekit.core.staff import StaffMember
from officekit.errors import ConflictError
from officekit.plugins.reception.calls import CALLS, Call, CallStats
from officekit.plugins.reception.messages import MESSAGES, Message
from officekit.plugins.reception.questions import KNOWLEDGE_BASE
from officekit.plugins.reception.routing import covering
from officekit.plugins.reception.settings import ROUTING
from officekit.plugins.reception.settings import VISITORS as VISITOR_POLICY
from officekit.plugins.reception.visitors import VISITORS
from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport

__all__ = ["STEP", "ReceptionDay", "summarise_call_stats"]

SMALL_TALK = (
    "I have a quick question",
    "I was hoping to speak to someone",
    "I'm returning a call",
    "could you help me with something",
)
PURPOSES = ("meeting", "delivery", "appointment", "interview", "collection", "consultation")
COVER_SHARE = 0.25
"""The share of front-desk work a willing colleague from elsewhere takes, against its own."""
DELIVER_LATE = 0.2
"""The chance of a message delivered late: this times the member's disorder."""
ACKNOWLEDGE_LATE = 0.4
"""The chance of a message acknowledged late: this times the member's disorder."""
GENERIC_QUESTIONS = (
    "what time do you open?",
    "how can I pay?",
    "is there parking nearby?",
    "do you have wheelchair access?",
    "who do I talk to about a complaint?",
    "can I get a copy of my records?",
)


def summarise_call_stats(stats: CallStats) -> list[str]:
    """Render call statistics as lines of text."""

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    def secs(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f} s"

    return [
        f"Calls: {stats.offered + stats.after_hours} received; {stats.offered} offered to the "
        f"desk, {stats.after_hours} sent on after hours; {stats.in_progress} in progress",
        f"Service level ({stats.target_seconds:g} s): {pct(stats.service_level)} "
        f"({stats.answered_within_target} answered within {stats.target_seconds:g} s, of "
        f"{stats.offered - stats.short_abandons} offered less short abandons; "
        f"{stats.answered} answered in all)",
        f"Average speed of answer: {secs(stats.average_speed_of_answer)}",
        f"Abandonment rate: {pct(stats.abandonment_rate)} ({stats.abandoned} abandoned, "
        f"{stats.short_abandons} short abandons apart)",
        f"Average handling time: {secs(stats.average_handling_time)}",
        f"Transfers: {stats.transfers} (misroutes: {stats.misroutes}); messages: {stats.messages}; "
        f"urgent: {stats.urgent}",
    ]


class ReceptionDay:
    """The receptionist's desk through the simulated days."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        office = sim.office
        self.phones = office.facet(CALLS)
        self.routing = office.profile.section(ROUTING)
        self.policy = office.profile.section(VISITOR_POLICY)
        customers = [f"+1 202 555 {n:04d}" for n in range(100, 160)]
        self.customers = [self.phones.normalise_number(n) for n in customers]
        reasons = [f"about {kw}" for rule in self.routing.rules for kw in rule.keywords]
        self.reasons = reasons or list(SMALL_TALK)
        entries = office.facet(KNOWLEDGE_BASE).entries
        self.questions = [e.question for e in entries] + list(GENERIC_QUESTIONS)
        self.messages = office.facet(MESSAGES)
        # what is left for tomorrow: (deliver | acknowledge, message id, taken by, who)
        self.carried: list[tuple[str, int, StaffMember, StaffMember | None]] = []
        self.today: SimulationDay | None = None

    def plan(self, day: SimulationDay) -> None:
        """Plan the day's calls, visitors, questions and messages."""
        self.today = day
        self.plan_calls(day)
        self.plan_visitors(day)
        self.plan_questions(day)
        self.plan_messages(day)

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """Call statistics, visitors and their waits, questions and messages."""
        c = self.sim.counts
        stats = self.phones.stats(start, end)
        wait = self.sim.office.facet(VISITORS).waiting_times(start, end).mean_seconds
        lines = ["Calls:", *(f"  {line}" for line in summarise_call_stats(stats))]
        lines.append(
            f"Visitors: {c['visitors']}" + (f" (mean wait {wait / 60:.1f} min)" if wait else "")
        )
        lines.append(
            f"Questions: {c['questions']} ({c['questions_escalated']} escalated as messages)"
        )
        lines.append(
            f"Messages taken: {c['messages']} ({c['messages_delivered']} delivered by a "
            f"colleague, {c['messages_acknowledged']} acknowledged by their recipient)"
        )
        if c["feedback"]:
            lines.append(f"Customer feedback given: {c['feedback']}")
        from officekit.core.convert import converter

        return StepReport(
            "reception",
            tuple(lines),
            {
                "calls": converter.unstructure(stats),
                "visitors": c["visitors"],
                "visitors_waiting_seconds": wait,
                "questions": c["questions"],
                "questions_escalated": c["questions_escalated"],
                "messages": c["messages"],
                "messages_delivered": c["messages_delivered"],
                "messages_acknowledged": c["messages_acknowledged"],
                "feedback": c["feedback"],
            },
        )

    # -- calls ------------------------------------------------------------------

    def plan_calls(self, day: SimulationDay) -> None:
        rng = self.sim.rng
        for _ in range(rng.randint(15, 45)):
            caller = rng.choice(self.customers)
            reason = rng.choice(self.reasons)
            if rng.random() < 0.03 and self.routing.urgent:
                reason = rng.choice(rng.choice(self.routing.urgent).keywords)
            day.at(day.arrival(), self._incoming(day, caller, reason))
        # a few calls after closing time go to voicemail or the answering service
        for _ in range(rng.randint(0, 3)):
            when = day.closes + dt.timedelta(minutes=rng.randint(30, 180))
            day.at(when, self._incoming(day, rng.choice(self.customers), rng.choice(self.reasons)))

    def _incoming(self, day: SimulationDay, caller: str, reason: str) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            call = self.phones.receive(caller, reason)
            sim.counts["calls"] += 1
            if call.status == "ended":
                return
            # who will pick it up: the quicker they are, the sooner they answer
            member = self._front_desk(sim.who_can("calls.answer"), "calls.answer")
            patience = sim.rng.uniform(3, 240)
            answer_after = sim.rng.uniform(2, 45)
            if member is not None:
                answer_after = sim.takes(member, answer_after).total_seconds()
            if patience < answer_after:
                day.at(sim.clock.now() + dt.timedelta(seconds=patience), self._hang_up(call))
            else:
                day.at(
                    sim.clock.now() + dt.timedelta(seconds=answer_after),
                    self._answer(day, call, patience, member),
                )

        return run

    def _front_desk(self, able: list[StaffMember], kind: str) -> StaffMember | None:
        """Who takes a call or greets a visitor: the quick more often, others if willing.

        The chance of each is proportional to their speed (the quick are free
        sooner); for someone whose roles are not the front desk's (it is *cover*
        for them) also to their willingness to cover, times ``COVER_SHARE``: they
        step in now and then, the front desk does the bulk.
        """
        sim = self.sim
        if not able:
            return None
        weights = [
            sim.traits_of(m).speed
            * (
                COVER_SHARE * sim.traits_of(m).cover
                if covering(sim.office.profile, m.roles)
                else 1.0
            )
            for m in able
        ]
        if not any(weights):
            return sim.choose(able, kind=kind)
        return sim.dispatch(able, [max(w, 1e-6) for w in weights], kind=kind)

    def _hang_up(self, call: Call) -> Callable[[], None]:
        def run() -> None:
            if self.phones.get(call).status in ("queued", "ringing"):
                self.phones.hang_up(call)

        return run

    def _answer(
        self, day: SimulationDay, call: Call, patience: float, member: StaffMember | None
    ) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            current = self.phones.get(call)
            waited = (sim.clock.now() - current.arrived_at).total_seconds()
            if current.status == "ended":
                return
            if current.status == "queued" or not sim.who_can("calls.answer"):
                if waited >= patience:
                    self.phones.hang_up(current)
                else:  # still waiting for a line or a free receptionist
                    day.at(
                        sim.clock.now() + dt.timedelta(seconds=20),
                        self._answer(day, call, patience, member),
                    )
                return
            with sim.desk("calls.answer", member) as desk:
                assert desk is not None
                desk.calls.answer(current)
                answerer = desk.actor
                if sim.rng.random() < 0.2:
                    desk.calls.hold(current)
            talk = sim.takes(answerer, sim.rng.uniform(20, 300))
            day.at(sim.clock.now() + talk, self._finish(day, call, answerer))

        return run

    def _finish(self, day: SimulationDay, call: Call, answerer: StaffMember) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            current = self.phones.get(call)
            if current.status == "ended":
                return
            depts = list(sim.office.profile.departments)
            roll = sim.rng.random()
            # whoever answered ends the call (someone else only if they may not)
            member = answerer if sim.may(answerer, "calls.complete") else None
            with sim.desk("calls.complete", member) as desk:
                if desk is None:
                    self.phones.hang_up(current)
                    return
                if current.status == "on_hold":
                    desk.calls.resume(current)
                # A call the desk cannot settle goes to a colleague: transferred, or a
                # message taken for them (the more so by those willing to help).
                cover = sim.traits_of(desk.actor).cover
                if roll < 0.55 or current.urgent == "script":
                    desk.calls.complete(current)
                    sim.feedback(desk.actor, f"call:{current.id}")
                elif sim.rng.random() < 0.8 - 0.6 * cover:
                    # where routing said, unless the receptionist slips (a misroute)
                    target = current.department
                    if target is None or sim.slips(desk.actor, scale=1.0, kind="misroute"):
                        others = [d for d in depts if d != current.department]
                        target = sim.rng.choice(others or depts)
                    desk.calls.transfer(current, department=target)
                else:
                    target = current.department or sim.rng.choice(depts)
                    desk.calls.take_message(
                        current, "Please call the customer back", department=target
                    )
                    sim.counts["messages"] += 1
                    waiting = self.messages.list(department=target, unacknowledged=True)
                    found = [m.id for m in waiting if m.call_id == current.id]
                    if found:
                        self._plan_delivery(day, found[0], desk.actor)

        return run

    # -- messages -------------------------------------------------------------------

    def plan_messages(self, day: SimulationDay) -> None:
        """Messages left at the desk for colleagues; what was left yesterday first thing."""
        sim = self.sim
        at_work = {m.id for m in sim.on_shift}
        carried: list[tuple[str, int, StaffMember, StaffMember | None]] = []
        for action, message_id, taker, member in self.carried:
            when = day.opens + dt.timedelta(minutes=sim.rng.randint(5, 30))
            if member is not None and member.id not in at_work:
                carried.append((action, message_id, taker, member))  # theirs, when back
            elif action == "deliver":
                day.at(when, self._deliver(message_id, taker, member))
            elif member is not None:  # acknowledged by its recipient
                day.at(when, self._acknowledge(message_id, member))
        self.carried = carried
        for _ in range(sim.rng.randint(1, 4)):
            day.at(day.arrival(), self._leave_message(day))

    def _leave_message(self, day: SimulationDay) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            # someone (the willing more often) takes it for the colleagues concerned
            member = sim.helper(sim.who_can("messages.take"), kind="messages.take")
            with sim.desk("messages.take", member) as desk:
                if desk is None:
                    return
                message = desk.messages.take(
                    "Please call back about the letter",
                    department=sim.rng.choice(list(sim.office.profile.departments)),
                )
                sim.counts["messages"] += 1
                self._plan_delivery(day, message.id, desk.actor)

        return run

    def _in_time(self, when: dt.datetime, due: dt.datetime) -> dt.datetime:
        """``when``, brought before closing when it is in time: done before going home."""
        assert self.today is not None
        now = self.sim.clock.now()
        return max(now, min(when, due, self.today.closes - dt.timedelta(minutes=2)))

    def _plan_delivery(self, day: SimulationDay, message_id: int, taker: StaffMember) -> None:
        """A colleague (the willing more often) delivers the message, as quickly as they work."""
        sim = self.sim
        able = [m for m in sim.who_can("messages.deliver") if m.id != taker.id]
        member = sim.helper(able, kind="messages.deliver")
        if member is None:
            self.carried.append(("deliver", message_id, taker, None))
            return
        # in good time (as quickly as they work), unless they are disorganised
        due = self.messages.get(message_id).due_at
        if sim.late(member, scale=DELIVER_LATE, kind="deliver"):
            later = max(due, sim.clock.now()) + dt.timedelta(minutes=sim.rng.uniform(5, 60))
        else:
            later = self._in_time(
                sim.clock.now() + sim.takes(member, sim.rng.uniform(5, 60) * 60), due
            )
        if later < day.closes:
            day.at(later, self._deliver(message_id, taker, member))
        else:  # first thing tomorrow
            self.carried.append(("deliver", message_id, taker, member))

    def _deliver(
        self, message_id: int, taker: StaffMember, member: StaffMember | None = None
    ) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            if self.messages.get(message_id).delivered_at is not None:
                return
            chosen = member or sim.helper(
                [m for m in sim.who_can("messages.deliver") if m.id != taker.id],
                kind="messages.deliver",
            )
            with sim.desk("messages.deliver", chosen) as desk:
                if desk is None:
                    return
                try:
                    message = desk.messages.deliver(message_id)
                except ConflictError:
                    return
                sim.counts["messages_delivered"] += 1
            self._plan_acknowledgement(message, taker)

        return run

    def _plan_acknowledgement(self, message: Message, taker: StaffMember) -> None:
        """Someone of the department it is for acknowledges it: in time, unless disorganised."""
        sim = self.sim
        roles = sim.office.profile.roles
        able = [
            m
            for m in sim.who_can("messages.acknowledge")
            if any(r in roles and roles[r].department == message.for_department for r in m.roles)
        ]
        member = sim.choose(able, kind="messages.acknowledge")
        now = sim.clock.now()
        if member is None or self.today is None or now > message.due_at:
            return  # delivered late: its recipient cannot acknowledge it in time
        if sim.late(member, scale=ACKNOWLEDGE_LATE, kind="acknowledge"):
            when = max(now, message.due_at) + dt.timedelta(minutes=sim.rng.uniform(5, 90))
        else:
            when = self._in_time(
                now + (message.due_at - now) * sim.rng.uniform(0.05, 0.9), message.due_at
            )
        if when < self.today.closes:
            self.today.at(when, self._acknowledge(message.id, member))
        else:  # first thing tomorrow, if they are in
            self.carried.append(("acknowledge", message.id, taker, member))

    def _acknowledge(self, message_id: int, member: StaffMember) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk("messages.acknowledge", member) as desk:
                assert desk is not None
                with contextlib.suppress(ConflictError):
                    desk.messages.acknowledge(message_id)
                    sim.counts["messages_acknowledged"] += 1

        return run

    # -- visitors -----------------------------------------------------------------

    def plan_visitors(self, day: SimulationDay) -> None:
        for _ in range(self.sim.rng.randint(2, 10)):
            day.at(day.arrival(), self._visitor(day))

    def _visitor(self, day: SimulationDay) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = sim.rng
            appointment = rng.random() < 0.6
            greeter = self._front_desk(sim.who_can("visitors.check_in"), "visitors.check_in")
            with sim.desk("visitors.check_in", greeter) as desk:
                if desk is None:
                    return
                visit = desk.visitors.check_in(
                    sim.person(),
                    rng.choice(PURPOSES),
                    department=rng.choice(list(sim.office.profile.departments)),
                    appointment=appointment,
                    identity_document="passport" if self.policy.identity_check else None,
                    record_ref=f"R{rng.randint(10000, 99999)}"
                    if self.policy.patient_record and appointment
                    else None,
                )
                sim.counts["visitors"] += 1
            # Who receives them: the more attentive (courteous) they are, the sooner.
            # The analysis counts a visitor's wait as professionalism, not efficiency.
            host = sim.choose(sim.who_can("visitors.receive"), kind="visitors.receive")
            wait = dt.timedelta(seconds=rng.uniform(30, 1200))
            if host is not None:
                wait /= 0.5 + sim.traits_of(host).courtesy
            stay = wait + dt.timedelta(seconds=rng.uniform(600, 3600))
            day.at(sim.clock.now() + wait, self._visit_step(visit.id, "receive", host))
            day.at(sim.clock.now() + stay, self._visit_step(visit.id, "check_out"))

        return run

    def _visit_step(
        self, visit_id: int, step: str, member: StaffMember | None = None
    ) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk(f"visitors.{step}", member) as desk:
                if desk is None:
                    return
                try:
                    getattr(desk.visitors, step)(visit_id)
                except ConflictError:  # already done by someone else
                    return
                if step == "receive":
                    sim.feedback(desk.actor, f"visit:{visit_id}", chance=0.5)

        return run

    # -- questions ------------------------------------------------------------------

    def plan_questions(self, day: SimulationDay) -> None:
        for _ in range(self.sim.rng.randint(3, 12)):
            day.at(day.arrival(), self._question())

    def _question(self) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk("questions.answer") as desk:
                if desk is None:
                    return
                answer = desk.questions.answer(sim.rng.choice(self.questions))
                sim.counts["questions"] += 1
                if answer.escalated:
                    sim.counts["questions_escalated"] += 1
                    sim.counts["messages"] += 1

        return run


STEP = SimulationStep(
    "reception", ReceptionDay, order=10, counts=("calls", "visitors", "questions")
)
"""The receptionist's simulation step."""
