"""The receptionist's part of ``officekit simulate``: calls, visitors, questions.

Calls arrive over the day (busier after opening), take a line or wait in the
queue, are answered, held, transferred, turned into messages or abandoned;
visitors check in, wait for their host and leave; customers ask questions that
the knowledge base answers or escalates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

from officekit.errors import ConflictError
from officekit.plugins.reception.calls import CALLS, Call, CallStats
from officekit.plugins.reception.questions import KNOWLEDGE_BASE
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

    def plan(self, day: SimulationDay) -> None:
        """Plan the day's calls, visitors and questions."""
        self.plan_calls(day)
        self.plan_visitors(day)
        self.plan_questions(day)

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
        lines.append(f"Messages taken: {c['messages']}")
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
            patience = sim.rng.uniform(3, 240)
            answer_after = sim.rng.uniform(2, 45)
            if patience < answer_after:
                day.at(sim.clock.now() + dt.timedelta(seconds=patience), self._hang_up(call))
            else:
                day.at(
                    sim.clock.now() + dt.timedelta(seconds=answer_after),
                    self._answer(day, call, patience),
                )

        return run

    def _hang_up(self, call: Call) -> Callable[[], None]:
        def run() -> None:
            if self.phones.get(call).status in ("queued", "ringing"):
                self.phones.hang_up(call)

        return run

    def _answer(self, day: SimulationDay, call: Call, patience: float) -> Callable[[], None]:
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
                        self._answer(day, call, patience),
                    )
                return
            with sim.desk("calls.answer") as desk:
                assert desk is not None
                desk.calls.answer(current)
                if sim.rng.random() < 0.2:
                    desk.calls.hold(current)
            talk = sim.rng.uniform(20, 300)
            day.at(sim.clock.now() + dt.timedelta(seconds=talk), self._finish(call))

        return run

    def _finish(self, call: Call) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            current = self.phones.get(call)
            if current.status == "ended":
                return
            depts = list(sim.office.profile.departments)
            roll = sim.rng.random()
            with sim.desk("calls.complete") as desk:
                if desk is None:
                    self.phones.hang_up(current)
                    return
                if current.status == "on_hold":
                    desk.calls.resume(current)
                if roll < 0.55 or current.urgent == "script":
                    desk.calls.complete(current)
                elif roll < 0.85:
                    # mostly where routing said; sometimes it turns out to be elsewhere
                    target = current.department if sim.rng.random() < 0.8 else None
                    desk.calls.transfer(current, department=target or sim.rng.choice(depts))
                else:
                    target = current.department or sim.rng.choice(depts)
                    desk.calls.take_message(
                        current, "Please call the customer back", department=target
                    )
                    sim.counts["messages"] += 1

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
            with sim.desk("visitors.check_in") as desk:
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
            wait = dt.timedelta(seconds=rng.uniform(30, 1200))
            stay = wait + dt.timedelta(seconds=rng.uniform(600, 3600))
            day.at(sim.clock.now() + wait, self._visit_step(visit.id, "receive"))
            day.at(sim.clock.now() + stay, self._visit_step(visit.id, "check_out"))

        return run

    def _visit_step(self, visit_id: int, step: str) -> Callable[[], None]:
        def run() -> None:
            with self.sim.desk(f"visitors.{step}") as desk:
                if desk is None:
                    return
                with contextlib.suppress(ConflictError):  # already done by someone else
                    getattr(desk.visitors, step)(visit_id)

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
