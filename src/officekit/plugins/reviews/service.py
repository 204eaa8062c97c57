"""``office.reviews`` and ``desk.reviews``: analyse, save, read, explain, decide; customer feedback.

The office facet is the embedding application's own access (like
``office.calls.stats``): it analyses and reads every review. The desk facet is a
member of staff's, under the profile's permissions:

* ``reviews.analyze`` (responsibility ``staff_reviews``): analyse a period and
  save the review;
* ``reviews.view``: see everyone's part of a review (recorded: who looked at
  whose reviews is part of the audit trail); without it a member of staff sees
  the office's figures and their own part only;
* ``reviews.decide`` (responsibility ``staff_decisions``): record the decision
  for a person, with an amount; only those who may decide see amounts;
* ``feedback.record`` (responsibility ``feedback``): record a customer's feedback
  given at the desk. ``office.reviews.record_feedback`` records one the office
  received itself (a survey link), as ``feedback.receive``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.events import canonical_json
from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.staff import StaffMember
from officekit.core.store import events, read_transaction, snapshot
from officekit.core.validate import check_bool, check_choice, check_int, check_int_id, check_str
from officekit.errors import ConflictError, NotFoundError, ValidationError
from officekit.plugins.reviews.analysis import (
    Catalogue,
    ability,
    analyze,
    denominators,
    measure,
    period_bounds,
)
from officekit.plugins.reviews.engine import (
    credited_to,
    tally_condition,
    tally_value,
)
from officekit.plugins.reviews.metrics import Tally
from officekit.plugins.reviews.review import Decision, MetricResult, Review
from officekit.plugins.reviews.tables import feedback, review_decisions, reviews

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office

__all__ = [
    "ACTIONS",
    "EARLIER_REVIEWS",
    "REVIEWS_DESK",
    "REVIEWS_OFFICE",
    "ExplainedEvent",
    "Explanation",
    "ReviewSummary",
    "ReviewsDesk",
    "ReviewsOffice",
]

ACTIONS = ("promote", "raise", "none")
"""What a manager may decide for a person."""

EARLIER_REVIEWS = 12
"""How many earlier reviews the trend shows (and the policy may look back on)."""

_SUBJECT = re.compile(r"^([a-z][a-z0-9_]{0,39}):(\S{1,100})$")
_MONEY = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


@attrs.frozen
class ReviewSummary:
    """A saved review, in a line.

    Attributes:
        review_id: Its id.
        start: The first day of its period.
        end: The last day.
        created_at: When it was (last) analysed.
        overall: The office's overall score.
    """

    review_id: int
    start: dt.date
    end: dt.date
    created_at: dt.datetime
    overall: float | None


@attrs.frozen
class ExplainedEvent:
    """One event behind a figure.

    Attributes:
        seq: Its number in the office's log.
        occurred_at: When (aware, UTC).
        operation: Its operation.
        subject: Its subject.
        counts_in: ``"of"`` (the numerator), ``"per"`` (the denominator) or ``"both"``.
        value: What it adds to the numerator (1 for a count), or None.
    """

    seq: int
    occurred_at: dt.datetime
    operation: str
    subject: str | None
    counts_in: str
    value: float | None


@attrs.frozen
class Explanation:
    """How one person's (or the office's) figure of one metric comes about.

    Attributes:
        metric: The metric's key.
        title: Its name.
        formula: The formula in words.
        staff_id: Whose figure; None for the office.
        start: The period's first day.
        end: Its last day.
        of: The numerator's sum.
        per: The denominator's sum (events, or hours worked).
        result: The figure, its score and whether there was enough data.
        target: The target it was scored against.
        events: The events behind it, in log order (at most ``limit``).
        more: How many more events there are beyond those listed.
    """

    metric: str
    title: str
    formula: str
    staff_id: int | None
    start: dt.date
    end: dt.date
    of: float
    per: float
    result: MetricResult
    target: float
    events: tuple[ExplainedEvent, ...]
    more: int


def _staff_id(office: Office, who: object, where: str) -> int:
    if isinstance(who, StaffMember):
        return who.id
    if isinstance(who, str) and not isinstance(who, bool):
        found = office.staff.find(who)
        if found is None:
            raise NotFoundError(f"nobody called {who!r} in this office")
        return found.id
    if isinstance(who, int) and not isinstance(who, bool):
        return office.staff.get(who).id
    raise ValidationError(
        f"expected a member of staff, a name or an id, got {who!r:.80}", where=where
    )


class ReviewsOffice:
    """``office.reviews``: the office's analysis (built once per office).

    Args:
        office: The office.
    """

    def __init__(self, office: Office) -> None:
        self._office = office
        self._catalogue: Catalogue | None = None

    @property
    def catalogue(self) -> Catalogue:
        """The metrics and dimensions the installed desks measure (with the profile's targets)."""
        if self._catalogue is None:
            self._catalogue = Catalogue(self._office)
        return self._catalogue

    # -- analysing ---------------------------------------------------------------------------

    def analyze(self, start: dt.date, end: dt.date, *, save: bool = False) -> Review:
        """Analyse office days ``start`` to ``end`` (inclusive), for everyone and the office.

        Args:
            start: The first day of the period.
            end: The last day.
            save: Save the review (as the office's, event ``reviews.record``): it then
                has an id, joins the trend of later reviews and may receive decisions.
                A period analysed again replaces its saved figures (decisions stay).

        Raises:
            ValidationError: A bad period, or a profile naming unknown metrics.
        """
        if not save:
            return self._compute(start, end, review_id=None)
        return self._save(start, end, None)

    def _earlier(self, conn: sa.Connection, start: dt.date) -> list[Review]:
        rows = conn.execute(
            sa.select(reviews.c.document)
            .where(reviews.c.office_id == self._office.id, reviews.c.period_to < start)
            .order_by(reviews.c.period_to.desc(), reviews.c.id.desc())
            .limit(EARLIER_REVIEWS)
        )
        return [Review.from_json(json.loads(doc)) for (doc,) in rows]

    def _decisions(self, conn: sa.Connection, review_id: int) -> dict[int, Decision]:
        decider = sa.alias(sa.table("staff", sa.column("id"), sa.column("name")), "decider")
        rows = conn.execute(
            sa.select(
                review_decisions.c.staff_id,
                review_decisions.c.action,
                decider.c.name,
                review_decisions.c.decided_at,
                review_decisions.c.note,
                review_decisions.c.amount,
            )
            .join(decider, decider.c.id == review_decisions.c.decided_by)
            .where(review_decisions.c.review_id == review_id)
        )
        return {
            int(r.staff_id): Decision(r.action, r.name, r.decided_at, r.note, r.amount)
            for r in rows
        }

    def _compute(self, start: dt.date, end: dt.date, *, review_id: int | None) -> Review:
        period_bounds(start, end, self._office.profile.office.tz)  # checks the period first
        catalogue = self.catalogue
        with snapshot(self._office.engine) as conn:
            earlier = self._earlier(conn, start)
            decisions = self._decisions(conn, review_id) if review_id is not None else {}
        return analyze(
            self._office,
            catalogue,
            start,
            end,
            earlier=earlier,
            decisions=decisions,
            review_id=review_id,
        )

    def _existing(self, start: dt.date, end: dt.date) -> int | None:
        with read_transaction(self._office.engine) as conn:
            found = conn.execute(
                sa.select(reviews.c.id).where(
                    reviews.c.office_id == self._office.id,
                    reviews.c.period_from == start,
                    reviews.c.period_to == end,
                )
            ).scalar()
        return None if found is None else int(found)

    def _save(self, start: dt.date, end: dt.date, desk: Desk | None) -> Review:
        existing = (
            self._existing(start, end)
            if isinstance(start, dt.date) and isinstance(end, dt.date)
            else None
        )
        review = self._compute(start, end, review_id=existing)
        office = self._office
        saved: dict[str, Review] = {}

        def act(conn: sa.Connection) -> int:
            row_id = conn.execute(
                sa.select(reviews.c.id).where(
                    reviews.c.office_id == office.id,
                    reviews.c.period_from == start,
                    reviews.c.period_to == end,
                )
            ).scalar()
            values = {
                "created_at": office.clock.now(),
                "created_by": None if desk is None else desk.actor.id,
            }
            if row_id is None:
                row_id = conn.execute(
                    reviews.insert().values(
                        office_id=office.id,
                        period_from=start,
                        period_to=end,
                        document="{}",
                        **values,
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            final = attrs.evolve(
                review,
                review_id=int(row_id),
                trend=(*review.trend[:-1], attrs.evolve(review.trend[-1], review_id=int(row_id))),
            )
            conn.execute(
                reviews.update()
                .where(reviews.c.id == row_id)
                .values(document=canonical_json(_stored(final.to_json())), **values)
            )
            detail.update(review_id=int(row_id), replaced=existing is not None)
            saved["review"] = final
            return int(row_id)

        detail: dict[str, Any] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "people": len(review.people),
            "overall": review.office.overall,
        }
        subject = f"period:{start.isoformat()}/{end.isoformat()}"
        if desk is None:
            office.kernel.record_admin("reviews.record", subject=subject, detail=detail, act=act)
        else:
            desk.perform("reviews.analyze", subject=subject, detail=detail, act=act)
        final = saved["review"]
        office.plugins.notify("officekit_review_completed", office=office, review=final)
        return final

    # -- reading -------------------------------------------------------------------------------

    def get(self, review_id: int) -> Review:
        """Return a saved review, with the decisions recorded on it.

        Raises:
            NotFoundError: No such review in this office.
            ValidationError: ``review_id`` is not an id.
        """
        check_int_id(review_id, "review_id", "a review id")
        with snapshot(self._office.engine) as conn:
            doc = conn.execute(
                sa.select(reviews.c.document).where(
                    reviews.c.id == review_id, reviews.c.office_id == self._office.id
                )
            ).scalar()
            if doc is None:
                raise NotFoundError(f"no review {review_id} in office {self._office.key!r}")
            decisions = self._decisions(conn, review_id)
        review = Review.from_json(json.loads(doc))
        people = tuple(attrs.evolve(p, decision=decisions.get(p.staff_id)) for p in review.people)
        return attrs.evolve(review, people=people)

    def history(self) -> list[ReviewSummary]:
        """The office's saved reviews, latest period first."""
        with snapshot(self._office.engine) as conn:
            rows = conn.execute(
                sa.select(
                    reviews.c.id,
                    reviews.c.period_from,
                    reviews.c.period_to,
                    reviews.c.created_at,
                    reviews.c.document,
                )
                .where(reviews.c.office_id == self._office.id)
                .order_by(reviews.c.period_to.desc(), reviews.c.id.desc())
            ).all()
        return [
            ReviewSummary(
                r.id,
                r.period_from,
                r.period_to,
                r.created_at,
                json.loads(r.document)["office_scores"]["overall"],
            )
            for r in rows
        ]

    def explain(
        self,
        who: StaffMember | int | str | None,
        metric: str,
        start: dt.date,
        end: dt.date,
        *,
        limit: int = 50,
    ) -> Explanation:
        """Explain a figure down to the events behind it.

        Args:
            who: The member of staff (or their id or name); None for the office.
            metric: The metric's key.
            start: The period's first day.
            end: Its last day.
            limit: List at most this many events (the sums count them all).

        Raises:
            ValidationError: An unknown metric, a bad period or limit.
            NotFoundError: Nobody of that name or id.
        """
        office = self._office
        check_int(limit, "limit", 0, 10_000)
        m = self.catalogue.metric(metric)
        staff_id = None if who is None else _staff_id(office, who, "who")
        begin, finish = period_bounds(start, end, office.profile.office.tz)
        tallies: list[tuple[str, Tally]] = [("of", m.of)]
        if isinstance(m.per, Tally):
            tallies.append(("per", m.per))
        conds = []
        cols = []
        for name, tally in tallies:
            cond = tally_condition(tally)
            if staff_id is not None:
                cond = sa.and_(cond, credited_to(tally, staff_id))
            conds.append(cond)
            cols.append(sa.case((cond, tally_value(tally)), else_=sa.null()).label(name))
        base = (
            events.c.office_id == office.id,
            events.c.occurred_at >= begin,
            events.c.occurred_at < finish,
            events.c.outcome == "ok",
            events.c.operation.in_(m.operations()),
            sa.or_(*conds),
        )
        with snapshot(office.engine) as conn:
            inner = sa.select(*cols).where(*base).subquery()
            sums = conn.execute(
                sa.select(*(sa.func.sum(c) for c in inner.c), sa.func.count())
            ).one()
            rows = conn.execute(
                sa.select(
                    events.c.seq, events.c.occurred_at, events.c.operation, events.c.subject, *cols
                )
                .where(*base)
                .order_by(events.c.seq)
                .limit(limit)
            ).all()
            members = {s.id: s for s in office.staff.list(include_departed=True)}
            able = ability(office, self.catalogue, members)
            if isinstance(m.per, Tally):
                per = float(sums[1] or 0.0)
            else:  # hours worked, or the fair share of the work offered
                d = denominators(conn, office, self.catalogue, begin, finish, able, [m])
                per = d.office[m.key] if staff_id is None else d.person[m.key].get(staff_id, 0.0)
        of = float(sums[0] or 0.0)
        listed = []
        for row in rows:
            in_of = row.of is not None
            in_per = isinstance(m.per, Tally) and row.per is not None
            listed.append(
                ExplainedEvent(
                    row.seq,
                    row.occurred_at,
                    row.operation,
                    row.subject,
                    "both" if in_of and in_per else ("of" if in_of else "per"),
                    None if row.of is None else float(row.of),
                )
            )
        # Measured as the review measures it (whom the metric applies to included).
        able_here = None if staff_id is None else (staff_id, m.key) in able
        result = measure(m, of, per, able=able_here)
        return Explanation(
            metric=m.key,
            title=m.title,
            formula=m.formula,
            staff_id=staff_id,
            start=start,
            end=end,
            of=of,
            per=per,
            result=result,
            target=m.target,
            events=tuple(listed),
            more=max(0, int(sums[-1]) - len(listed)),
        )

    # -- feedback ------------------------------------------------------------------------------

    def record_feedback(
        self,
        subject: str,
        score: int,
        *,
        served_by: StaffMember | int | str | None = None,
        comment: str | None = None,
        complaint: bool | None = None,
    ) -> int:
        """Record feedback the office received itself (a survey), as ``feedback.receive``.

        See [`ReviewsDesk.feedback`][officekit.plugins.reviews.service.ReviewsDesk.feedback].
        """
        return _feedback(self._office, None, subject, score, served_by, comment, complaint)


def _stored(doc: dict[str, Any]) -> dict[str, Any]:
    """A review's document as saved: decisions live in their own table."""
    for person in doc["people"]:
        person["decision"] = None
    return doc


def _feedback(
    office: Office,
    desk: Desk | None,
    subject: str,
    score: int,
    served_by: StaffMember | int | str | None,
    comment: str | None,
    complaint: bool | None,
) -> int:
    check_str(subject, "subject", "a subject such as 'call:12'", 200)
    match = _SUBJECT.match(subject)
    if match is None:
        raise ValidationError(
            "a feedback's subject is '<kind>:<id>', such as 'call:12' or 'visit:3', "
            f"got {subject!r}",
            where="subject",
        )
    check_int(score, "score", 1, 5)
    if comment is not None:
        comment = check_str(comment, "comment", "a comment", 2000, multiline=True)
    if complaint is None:
        complaint = score == 1
    else:
        check_bool(complaint, "complaint")
    # asked even when served_by is given: the desk of the subject's kind says if it exists
    found = office.plugins.call("officekit_feedback_served_by", office=office, subject=subject)
    if served_by is None:
        staff_id = None if found is None else office.staff.get(int(found)).id
    else:
        staff_id = _staff_id(office, served_by, "served_by")
    if desk is not None and staff_id == desk.actor.id:
        desk.refuse(
            "feedback.record",
            subject,
            "feedback on one's own service is recorded by a colleague or the office (a survey)",
            decided_by="own_feedback",
        )
    about = match.group(1)
    detail: dict[str, Any] = {
        "about": about,
        "score": score,
        "staff_id": staff_id,
        "complaint": complaint,
    }

    def act(conn: sa.Connection) -> int:
        given = conn.execute(
            sa.select(feedback.c.id).where(
                feedback.c.office_id == office.id, feedback.c.subject == subject
            )
        ).scalar()
        if given is not None:
            raise ConflictError(f"{subject} has its feedback already (feedback {given})")
        try:
            inserted = conn.execute(
                feedback.insert().values(
                    office_id=office.id,
                    subject=subject,
                    about=about,
                    staff_id=staff_id,
                    score=score,
                    complaint=complaint,
                    comment=comment,
                    recorded_at=office.clock.now(),
                    recorded_by=None if desk is None else desk.actor.id,
                )
            )
        except sa.exc.IntegrityError:  # another process gave it meanwhile (PostgreSQL)
            raise ConflictError(f"{subject} has its feedback already") from None
        row_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
        detail["feedback_id"] = row_id
        return row_id

    if desk is None:
        return office.kernel.record_admin(
            "feedback.receive", subject=subject, detail=detail, act=act
        )
    result, _ = desk.perform("feedback.record", subject=subject, detail=detail, act=act)
    assert result is not None
    return result


class ReviewsDesk:
    """``desk.reviews``: a member of staff's access to reviews, under the profile's permissions.

    Args:
        desk: The desk.
    """

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _room(self) -> ReviewsOffice:
        room: ReviewsOffice = self._desk.office.facet(REVIEWS_OFFICE)
        return room

    def analyze(self, start: dt.date, end: dt.date) -> Review:
        """Analyse and save a period (``reviews.analyze``); the whole review is returned.

        Raises:
            PermissionDenied: The member of staff may not (the refusal is recorded).
            ValidationError: A bad period.
        """
        self._desk.check_open()
        if not self._desk.can("reviews.analyze").allowed:
            self._desk.perform("reviews.analyze")  # records the refusal and raises
        review = self._room._save(start, end, self._desk)
        return self._visible(review)

    def get(self, review_id: int) -> Review:
        """A saved review as this member of staff may see it.

        With ``reviews.view`` everyone's part (the reading is recorded as a
        ``reviews.view`` event); without, the office's figures and their own part.
        Amounts of raises only with ``reviews.decide``.

        Raises:
            NotFoundError: No such review.
        """
        self._desk.check_open()
        review = self._room.get(review_id)
        if self._desk.can("reviews.view").allowed:
            self._desk.perform(
                "reviews.view",
                subject=f"review:{review.review_id}",
                detail={"review_id": review.review_id},
            )
        return self._visible(review)

    def _visible(self, review: Review) -> Review:
        desk = self._desk
        everyone = desk.can("reviews.view").allowed
        amounts = desk.can("reviews.decide").allowed
        people = tuple(
            p
            if amounts or p.decision is None
            else attrs.evolve(p, decision=attrs.evolve(p.decision, amount=None))
            for p in review.people
            if everyone or p.staff_id == desk.actor.id
        )
        shown = {p.staff_id for p in people}
        findings = tuple(f for f in review.findings if f.staff_id is None or f.staff_id in shown)
        return attrs.evolve(review, people=people, findings=findings)

    def explain(
        self,
        who: StaffMember | int | str | None,
        metric: str,
        start: dt.date,
        end: dt.date,
        *,
        limit: int = 50,
    ) -> Explanation:
        """Explain a figure (see `ReviewsOffice.explain`): one's own; others' with ``reviews.view``.

        The office's figure (``who=None``) lists everyone's events (a feedback score
        beside its call): it needs ``reviews.view`` too.

        Raises:
            PermissionDenied: Someone else's or the office's figure without
                ``reviews.view`` (recorded).
        """
        self._desk.check_open()
        staff_id = None if who is None else _staff_id(self._desk.office, who, "who")
        others = staff_id != self._desk.actor.id
        if others and not self._desk.can("reviews.view").allowed:
            self._desk.perform("reviews.view")  # records the refusal and raises
        return self._room.explain(staff_id, metric, start, end, limit=limit)

    def decide(
        self,
        review_id: int,
        who: StaffMember | int | str,
        action: str,
        *,
        note: str | None = None,
        amount: str | Decimal | None = None,
    ) -> Decision:
        """Record the decision for a person on a saved review (``reviews.decide``).

        Args:
            review_id: The saved review.
            who: The member of staff it is about.
            action: ``"promote"``, ``"raise"`` or ``"none"``.
            note: Why, in the manager's words.
            amount: A raise's amount (a decimal with at most two places), kept with
                the decision only (never in the event log).

        Raises:
            PermissionDenied: The member of staff may not decide, or the decision is
                about themselves (recorded).
            ConflictError: A decision for that person on that review is recorded already.
            NotFoundError: No such review, or the person is not in it.
            ValidationError: A bad action, note or amount.
        """
        desk = self._desk
        desk.check_open()
        if not desk.can("reviews.decide").allowed:
            desk.perform("reviews.decide")  # records the refusal and raises
        check_int_id(review_id, "review_id", "a review id")
        check_choice(action, "action", ACTIONS, "action")
        if note is not None:
            note = check_str(note, "note", "a note", 2000, multiline=True)
        text = None
        if amount is not None:
            if isinstance(amount, Decimal):
                amount = format(amount, "f")
            if not isinstance(amount, str) or not _MONEY.match(amount):
                raise ValidationError(
                    f"an amount is a decimal such as '1200.00', got {amount!r:.80}", where="amount"
                )
            try:
                text = format(Decimal(amount).quantize(Decimal("0.01")), "f")
            except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
                raise ValidationError(f"not an amount: {amount!r}", where="amount") from None
            if action != "raise":
                raise ValidationError("only a raise has an amount", where="amount")
        staff_id = _staff_id(desk.office, who, "who")
        if staff_id == desk.actor.id:
            desk.refuse(
                "reviews.decide",
                f"review:{review_id}",
                "nobody decides their own promotion or raise",
                decided_by="own_review",
            )
        review = self._room.get(review_id)
        review.person(staff_id)  # NotFoundError when they are not in it
        office = desk.office
        when = office.clock.now()

        def act(conn: sa.Connection) -> None:
            done = conn.execute(
                sa.select(review_decisions.c.id).where(
                    review_decisions.c.review_id == review_id,
                    review_decisions.c.staff_id == staff_id,
                )
            ).scalar()
            if done is not None:
                raise ConflictError(
                    f"the decision for staff {staff_id} on review {review_id} is recorded already"
                )
            conn.execute(
                review_decisions.insert().values(
                    review_id=review_id,
                    staff_id=staff_id,
                    action=action,
                    amount=text,
                    note=note,
                    decided_by=desk.actor.id,
                    decided_at=when,
                )
            )

        desk.perform(
            "reviews.decide",
            subject=f"review:{review_id}",
            detail={"review_id": review_id, "staff_id": staff_id, "amount": text is not None},
            act=act,
        )
        return Decision(action, desk.actor.name, when.astimezone(dt.UTC), note, text)  # type: ignore[arg-type]

    def feedback(
        self,
        subject: str,
        score: int,
        *,
        served_by: StaffMember | int | str | None = None,
        comment: str | None = None,
        complaint: bool | None = None,
    ) -> int:
        """Record a customer's feedback given at the desk (``feedback.record``).

        Args:
            subject: What it is about, ``<kind>:<id>``: ``call:12``, ``visit:3``,
                ``appointment:<uid>``; the kind is recorded as ``about``. A call,
                visit or appointment the office does not have is refused.
            score: 1 (very poor) to 5 (excellent).
            served_by: The member of staff who served them; None: the desk that
                knows the subject says (``officekit_feedback_served_by``), else nobody.
            comment: The customer's words, kept in the feedback table only.
            complaint: Whether it is a complaint; None: a score of 1 is one.

        Returns:
            The feedback's id.

        Raises:
            ValidationError: A bad subject, score, comment or flag.
            NotFoundError: ``served_by`` names nobody of the office, or the subject
                is of a desk's kind (``call``, ``visit``, ``appointment``) and the
                office has no such one.
        """
        self._desk.check_open()
        return _feedback(
            self._desk.office, self._desk, subject, score, served_by, comment, complaint
        )


REVIEWS_OFFICE: OfficeFacet[ReviewsOffice] = OfficeFacet(
    "reviews",
    ReviewsOffice,
    "The front-office analysis: analyse a period, saved reviews, explanations, feedback received.",
)
"""``office.reviews``, typed: ``office.facet(REVIEWS_OFFICE)``."""

REVIEWS_DESK: DeskFacet[ReviewsDesk] = DeskFacet(
    "reviews",
    ReviewsDesk,
    "Reviews at the desk: analyse and save, read as permitted, explain, decide; record feedback.",
)
"""``desk.reviews``, typed: ``desk.facet(REVIEWS_DESK)``."""
