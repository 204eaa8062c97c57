"""The filing part of ``officekit simulate``.

During a simulated day clerks file documents (some electronic, with generated
text; some filed without a category, for the profile's rules to classify; a few
old ones from the backlog, already past their retention), correct an occasional
misfile, and check paper files out to colleagues, who bring them back some days
later. A member of staff who manages records places and releases a legal hold
now and then and, before closing, disposes of what is due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from officekit.errors import ConflictError, PermissionDenied, ValidationError
from officekit.plugins.clerk.filing.documents import FILING, Document
from officekit.plugins.clerk.filing.settings import CREATED, FILING_SECTION
from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport

__all__ = ["STEP", "FilingDay"]

WORDS = (
    "account", "appointment", "balance", "confirm", "delivery", "enclosed", "follow", "meeting",
    "notice", "payment", "request", "review", "schedule", "signed", "summary", "update",
)  # fmt: skip
"""Words the generated texts are made of."""
MISFILE_SCALE = 1.0
"""A clerk's chance of misfiling a document is this times their error rate."""


class FilingDay:
    """The clerk's filing through the simulated days."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.room = sim.office.facet(FILING)
        self.settings = sim.office.profile.section(FILING_SECTION)
        self.categories = sorted(self.settings.categories)
        # titles that the profile's keyword rules recognise
        self.keyword_titles = [
            (rule.category, kw) for rule in self.settings.rules for kw in rule.keywords
        ]
        self.out: list[tuple[int, dt.date]] = []  # paper files out, and the day they come back
        self.paper: list[tuple[int, str]] = []  # paper documents and their categories

    # -- the day ---------------------------------------------------------------------------

    def plan(self, day: SimulationDay) -> None:
        """Plan the day's filing, check-outs and returns, holds and disposal."""
        if not self.categories:
            return
        rng = self.sim.rng
        for _ in range(rng.randint(3, 8)):
            day.at(day.arrival(), self._file(day, backlog=False))
        for _ in range(rng.randint(1, 2)):
            day.at(
                day.opens + dt.timedelta(minutes=rng.randint(5, 60)), self._file(day, backlog=True)
            )
        for _ in range(rng.randint(2, 5)):
            later = dt.timedelta(minutes=rng.randint(90, 300))
            day.at(day.opens + later, self._check_out(day))
        for document_id, back in list(self.out):
            if back <= day.day:
                day.at(day.arrival(), self._return(document_id))
        day.at(day.arrival(), self._hold())  # a claim notified, or the last one settled
        day.at(day.closes - dt.timedelta(minutes=20), self._dispose(day))

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """What was filed, corrected, checked out, held and disposed of."""
        c = self.sim.counts
        overdue = len(self.room.overdue())
        out_now = len(self.room.checked_out())
        waiting = len(self.room.waiting())
        lines = (
            f"Filing: {c['documents']} documents filed ({c['documents_electronic']} electronic, "
            f"{c['documents_classified']} classified by rules), "
            f"{c['misfiles']} misfiles corrected; "
            f"{c['checkouts']} files checked out, {c['returns']} returned, {out_now} out "
            f"({overdue} overdue); {c['holds']} legal holds placed, "
            f"{c['holds_released']} released; "
            f"{c['disposals']} disposed of; {waiting} waiting for an event's date",
        )
        return StepReport(
            "filing",
            lines,
            {
                "documents": c["documents"],
                "electronic": c["documents_electronic"],
                "classified_by_rules": c["documents_classified"],
                "misfiles": c["misfiles"],
                "checkouts": c["checkouts"],
                "returns": c["returns"],
                "out": out_now,
                "overdue": overdue,
                "holds": c["holds"],
                "holds_released": c["holds_released"],
                "disposals": c["disposals"],
                "waiting": waiting,
            },
        )

    # -- actions -----------------------------------------------------------------------------

    def _text(self) -> str:
        rng = self.sim.rng
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 80)))

    def _file(self, day: SimulationDay, *, backlog: bool) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = sim.rng
            filer = sim.choose(sim.who_can("filing.file"), kind="filing.file")
            with sim.desk("filing.file", filer) as desk:
                if desk is None:
                    return
                category = rng.choice(self.categories)
                title = f"{category.replace('_', ' ').capitalize()} {rng.randint(100, 999)}"
                given: str | None = category
                if not backlog and self.keyword_titles and rng.random() < 0.3:
                    category, keyword = rng.choice(self.keyword_titles)
                    title = f"{keyword} {rng.randint(100, 999)}"
                    given = None  # the rules classify it
                misfiled = (
                    given is not None
                    and len(self.categories) > 1
                    and sim.slips(desk.actor, scale=MISFILE_SCALE, kind="misfile")
                )
                if misfiled:
                    given = rng.choice([c for c in self.categories if c != category])
                rule = self.settings.categories[category]
                dated = day.day - dt.timedelta(days=rng.randint(0, 30))
                events: dict[str, dt.date] = {}
                if backlog:
                    dated = dt.date(
                        day.day.year - rng.randint(12, 60), rng.randint(1, 12), rng.randint(1, 28)
                    )
                if rule.after != CREATED and (backlog or rng.random() < 0.3):
                    events[rule.after] = dated + dt.timedelta(days=rng.randint(30, 400))
                    events = {k: min(v, day.day) for k, v in events.items()}
                electronic = not backlog and rng.random() < 0.6
                kwargs: dict[str, Any] = {}
                if electronic:
                    text = f"{title}. {self._text()}"
                    kwargs = {
                        "content": text.encode(),
                        "filename": f"doc{rng.randint(1, 99999)}.txt",
                    }
                else:
                    kwargs = {
                        "cabinet": rng.choice("ABCD"),
                        "drawer": str(rng.randint(1, 4)),
                        "folder": f"F{rng.randint(1, 80)}",
                    }
                if (
                    given is not None
                    and events
                    and self.settings.categories[given].after not in events
                ):
                    events = {}
                try:
                    doc = desk.filing.file(
                        title,
                        category=given,
                        reference=f"record:{rng.randint(1, 60)}",
                        dated=dated,
                        events=events or None,
                        tags=[rng.choice(("urgent", "scanned", "original", "copy"))],
                        **kwargs,
                    )
                except ValidationError:  # the rules did not recognise it after all
                    return
                sim.counts["documents"] += 1
                sim.counts["documents_electronic"] += electronic
                sim.counts["documents_classified"] += doc.classified_by.startswith("rule:")
                if doc.paper:
                    self.paper.append((doc.id, doc.category))
            if misfiled:
                later = sim.clock.now() + dt.timedelta(minutes=rng.randint(20, 240))
                day.at(later, self._reclassify(doc, category, desk.actor.id))

        return run

    def _reclassify(self, doc: Document, right: str, filed_by: int) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            roles = self.settings.categories[doc.category].roles
            able = [
                m
                for m in sim.who_can("filing.reclassify")
                if not roles or set(roles) & set(m.roles)
            ]
            # a colleague finds the misfile (the one who made it, only if nobody else can)
            member = sim.choose(
                [m for m in able if m.id != filed_by] or able, kind="filing.reclassify"
            )
            if member is None:
                return  # nobody on shift may see it: left for another day
            with sim.office.desk(member) as desk:
                try:
                    desk.filing.reclassify(doc, right)
                except ConflictError:
                    return
            sim.counts["misfiles"] += 1
            self.paper = [(d, right if d == doc.id else c) for d, c in self.paper]

        return run

    def _sees(self, roles: tuple[str, ...], category: str) -> bool:
        rule = self.settings.categories.get(category)
        return rule is None or not rule.roles or bool(set(rule.roles) & set(roles))

    def _check_out(self, day: SimulationDay) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = sim.rng
            with sim.desk("filing.check_out") as desk:
                if desk is None:
                    return
                mine = [p for p in self.paper if self._sees(desk.actor.roles, p[1])]
                if not mine:
                    return
                document_id, category = rng.choice(mine)
                takers = [m for m in sim.on_shift if self._sees(m.roles, category)]
                taker = rng.choice(takers)
                try:
                    desk.filing.check_out(document_id, taker)
                except ConflictError:
                    return  # out already
            sim.counts["checkouts"] += 1
            # back in time, unless whoever has it is disorganised
            days = rng.choice((0, 0, 0, 1, 2))
            if sim.late(taker, scale=0.4, kind="checkout"):
                days = self.settings.checkout_days + rng.randint(1, 4)
            back = day.day + dt.timedelta(days=days)
            if back == day.day:  # back before closing
                later = min(sim.clock.now() + dt.timedelta(hours=rng.uniform(0.5, 4)), day.closes)
                day.at(later, self._return(document_id))
            self.out.append((document_id, back))

        return run

    def _return(self, document_id: int) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk("filing.return") as desk:
                if desk is None:
                    return
                self.out = [(d, b) for d, b in self.out if d != document_id]
                try:
                    desk.filing.return_file(document_id)
                except ConflictError:
                    return
            sim.counts["returns"] += 1

        return run

    def _hold(self) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = sim.rng
            with sim.desk("filing.hold") as desk:
                if desk is None:
                    return
                active = self.room.holds()
                if active:  # the claim settled: its hold is released
                    desk.filing.release_hold(active[0])
                    sim.counts["holds_released"] += 1
                else:
                    desk.filing.hold(
                        "Litigation hold: a claim was notified",
                        reference=f"record:{rng.randint(1, 60)}",
                    )
                    sim.counts["holds"] += 1

        return run

    def _dispose(self, day: SimulationDay) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk("filing.dispose") as desk:
                if desk is None:
                    return
                roles = set(desk.actor.roles)
                visible = [
                    d
                    for d in self.room.due(on=day.day)
                    if not self.settings.categories[d.document.category].roles
                    or roles & set(self.settings.categories[d.document.category].roles)
                ]
                for due in visible[:5]:
                    try:
                        desk.filing.dispose(due.document)
                    except (ConflictError, PermissionDenied):
                        continue  # checked out, or not theirs to see
                    sim.counts["disposals"] += 1
                    if due.action != "review":
                        self.paper = [p for p in self.paper if p[0] != due.document.id]

        return run


STEP = SimulationStep(
    "filing",
    FilingDay,
    order=30,
    counts=("documents",),
    operations=("filing.file",),
)
"""The filing simulation step."""
