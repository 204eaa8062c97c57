"""A review: the analysis of one period, per person and for the office, and its JSON form.

A [`Review`][officekit.plugins.reviews.review.Review] is what
``office.reviews.analyze`` returns and what is saved: plain frozen values.
[`Review.to_json`][officekit.plugins.reviews.review.Review.to_json] gives the
documented, stable JSON document (schema ``officekit.review/1``, see
[the review report](../reference/review-report.md)), and
[`Review.from_json`][officekit.plugins.reviews.review.Review.from_json] reads it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from officekit.errors import NotFoundError, ValidationError

__all__ = [
    "SCHEMA",
    "Decision",
    "Finding",
    "MetricInfo",
    "MetricResult",
    "PersonReview",
    "Recommendation",
    "Review",
    "Scores",
    "TrendPoint",
]

SCHEMA = "officekit.review/1"
"""The name and version of the review's JSON schema."""

Action = Literal["promote", "raise", "none"]
"""What a manager may decide for a person."""


@attrs.frozen
class MetricInfo:
    """A metric as this review measured it (its target after the profile's).

    Attributes:
        key: The metric's key.
        dimension: Its dimension.
        title: Its name.
        unit: The unit of its value.
        better: ``"lower"`` or ``"higher"``.
        target: The target used.
        formula: The formula in words.
        operations: The operations whose events it reads.
    """

    key: str
    dimension: str
    title: str
    unit: str
    better: str
    target: float
    formula: str
    operations: tuple[str, ...]


@attrs.frozen
class MetricResult:
    """One metric's figure for a person or the office.

    Attributes:
        value: Its value, or None when nothing was measured (no ``per`` at all).
        count: What it is divided by: events, or hours worked.
        score: 0-100, or None with too little data.
        enough: Whether ``count`` reaches the metric's ``min_count``.
    """

    value: float | None
    count: float
    score: float | None
    enough: bool


@attrs.frozen
class Scores:
    """Scores of a person or of the office.

    Attributes:
        overall: The weighted mean of the dimensions' scores; None when no dimension
            has enough data (or a person worked fewer than ``min_hours``).
        dimensions: Each dimension's score (the mean of its metrics' scores with
            enough data, by their weights), None with too little data.
        metrics: Each metric's figure.
    """

    overall: float | None
    dimensions: Mapping[str, float | None]
    metrics: Mapping[str, MetricResult]


@attrs.frozen
class Recommendation:
    """What the profile's policy recommends for a person.

    Attributes:
        action: ``"promote"``, ``"raise"``, ``"none"`` or ``"insufficient_data"``.
        reasons: Why, a sentence each.
    """

    action: Literal["promote", "raise", "none", "insufficient_data"]
    reasons: tuple[str, ...] = ()


@attrs.frozen
class Decision:
    """What a manager decided for a person on a review.

    Attributes:
        action: ``"promote"``, ``"raise"`` or ``"none"``.
        decided_by: The manager's name.
        decided_at: When (aware, UTC).
        note: Their note, if any.
        amount: The amount of a raise, as a decimal string; None without one, or
            when the reader may not see amounts.
    """

    action: Action
    decided_by: str
    decided_at: dt.datetime
    note: str | None = None
    amount: str | None = None


@attrs.frozen
class PersonReview:
    """One member of staff's part of a review.

    Attributes:
        staff_id: Their id.
        name: Their name.
        roles: Their roles at the time.
        hours: Hours on shift in the period.
        scores: Their scores.
        recommendation: The policy's recommendation.
        decision: The manager's decision, once recorded.
    """

    staff_id: int
    name: str
    roles: tuple[str, ...]
    hours: float
    scores: Scores
    recommendation: Recommendation
    decision: Decision | None = None


@attrs.frozen
class Finding:
    """Something the analysis found worth improving, with its evidence.

    Attributes:
        staff_id: The person it is about; None for the office.
        metric: The metric it comes from, if one.
        severity: ``"warning"`` (below the finding score) or ``"info"``.
        text: The finding, in a sentence or two.
        evidence: The figures behind it (``value``, ``target``, ``count``, and
            ``breakdown``: the value per department, weekday, ... where the metric has one).
    """

    staff_id: int | None
    metric: str | None
    severity: Literal["info", "warning"]
    text: str
    evidence: Mapping[str, Any]


@attrs.frozen
class TrendPoint:
    """The office's scores in one review, for the trend over periods.

    Attributes:
        review_id: The saved review, or None for the one being made.
        start: Its first day.
        end: Its last day.
        overall: The office's overall score.
        dimensions: The office's dimension scores.
    """

    review_id: int | None
    start: dt.date
    end: dt.date
    overall: float | None
    dimensions: Mapping[str, float | None]


@attrs.frozen
class Review:
    """The analysis of one period.

    Attributes:
        review_id: Its id once saved, else None.
        office_key: The office's key.
        office_name: The office's name.
        profile: The profile it was analysed under.
        start: The first day of the period (office time).
        end: The last day of the period (inclusive).
        generated_at: When it was computed (aware, UTC).
        dimensions: ``(key, title, weight)`` of each dimension, in order.
        metrics: The metrics measured.
        office: The office's scores.
        people: Each member of staff with events or hours in the period, by name.
        findings: What to improve, the office's first.
        trend: The office's scores in the reviews before it, oldest first, then this one.
        load_by_hour: Events of the profile's ``load_operations`` per hour of the day (24).
    """

    review_id: int | None
    office_key: str
    office_name: str
    profile: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    dimensions: tuple[tuple[str, str, float], ...]
    metrics: tuple[MetricInfo, ...]
    office: Scores
    people: tuple[PersonReview, ...]
    findings: tuple[Finding, ...]
    trend: tuple[TrendPoint, ...]
    load_by_hour: tuple[int, ...]

    def person(self, who: int | str | Any) -> PersonReview:
        """Return a person's part, by staff id, name or [`StaffMember`][officekit.StaffMember].

        Raises:
            NotFoundError: They are not in this review.
            ValidationError: ``who`` is none of those.
        """
        staff_id = getattr(who, "id", who)
        for person in self.people:
            if person.staff_id == staff_id or person.name == staff_id:
                return person
        if isinstance(staff_id, bool) or not isinstance(staff_id, int | str):
            raise ValidationError(
                f"expected a staff id, name or member, got {who!r:.80}", where="who"
            )
        raise NotFoundError(f"nobody {staff_id!r} in the review of {self.start} to {self.end}")

    def to_json(self) -> dict[str, Any]:
        """The review as JSON values (schema ``officekit.review/1``)."""
        return {
            "schema": SCHEMA,
            "review_id": self.review_id,
            "office": {"key": self.office_key, "name": self.office_name, "profile": self.profile},
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "generated_at": self.generated_at.isoformat(),
            "dimensions": [{"key": k, "title": t, "weight": w} for k, t, w in self.dimensions],
            "metrics": [
                {
                    "key": m.key,
                    "dimension": m.dimension,
                    "title": m.title,
                    "unit": m.unit,
                    "better": m.better,
                    "target": m.target,
                    "formula": m.formula,
                    "operations": list(m.operations),
                }
                for m in self.metrics
            ],
            "office_scores": _scores_json(self.office),
            "people": [
                {
                    "staff_id": p.staff_id,
                    "name": p.name,
                    "roles": list(p.roles),
                    "hours": p.hours,
                    **_scores_json(p.scores),
                    "recommendation": {
                        "action": p.recommendation.action,
                        "reasons": list(p.recommendation.reasons),
                    },
                    "decision": None
                    if p.decision is None
                    else {
                        "action": p.decision.action,
                        "decided_by": p.decision.decided_by,
                        "decided_at": p.decision.decided_at.isoformat(),
                        "note": p.decision.note,
                        "amount": p.decision.amount,
                    },
                }
                for p in self.people
            ],
            "findings": [
                {
                    "staff_id": f.staff_id,
                    "metric": f.metric,
                    "severity": f.severity,
                    "text": f.text,
                    "evidence": dict(f.evidence),
                }
                for f in self.findings
            ],
            "trend": [
                {
                    "review_id": t.review_id,
                    "from": t.start.isoformat(),
                    "to": t.end.isoformat(),
                    "overall": t.overall,
                    "dimensions": dict(t.dimensions),
                }
                for t in self.trend
            ],
            "load_by_hour": [{"hour": h, "calls": n} for h, n in enumerate(self.load_by_hour)],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Review:
        """Read a review back from its JSON document (as `to_json` wrote it).

        Raises:
            ValidationError: It is not an ``officekit.review/1`` document.
        """
        if not isinstance(doc, Mapping) or doc.get("schema") != SCHEMA:
            raise ValidationError(f"not an {SCHEMA} document", where="schema")
        try:
            return cls(
                review_id=doc["review_id"],
                office_key=doc["office"]["key"],
                office_name=doc["office"]["name"],
                profile=doc["office"]["profile"],
                start=dt.date.fromisoformat(doc["period"]["from"]),
                end=dt.date.fromisoformat(doc["period"]["to"]),
                generated_at=dt.datetime.fromisoformat(doc["generated_at"]),
                dimensions=tuple((d["key"], d["title"], d["weight"]) for d in doc["dimensions"]),
                metrics=tuple(
                    MetricInfo(
                        m["key"],
                        m["dimension"],
                        m["title"],
                        m["unit"],
                        m["better"],
                        m["target"],
                        m["formula"],
                        tuple(m["operations"]),
                    )
                    for m in doc["metrics"]
                ),
                office=_scores(doc["office_scores"]),
                people=tuple(
                    PersonReview(
                        staff_id=p["staff_id"],
                        name=p["name"],
                        roles=tuple(p["roles"]),
                        hours=p["hours"],
                        scores=_scores(p),
                        recommendation=Recommendation(
                            p["recommendation"]["action"], tuple(p["recommendation"]["reasons"])
                        ),
                        decision=None
                        if p["decision"] is None
                        else Decision(
                            p["decision"]["action"],
                            p["decision"]["decided_by"],
                            dt.datetime.fromisoformat(p["decision"]["decided_at"]),
                            p["decision"]["note"],
                            p["decision"]["amount"],
                        ),
                    )
                    for p in doc["people"]
                ),
                findings=tuple(
                    Finding(f["staff_id"], f["metric"], f["severity"], f["text"], f["evidence"])
                    for f in doc["findings"]
                ),
                trend=tuple(
                    TrendPoint(
                        t["review_id"],
                        dt.date.fromisoformat(t["from"]),
                        dt.date.fromisoformat(t["to"]),
                        t["overall"],
                        t["dimensions"],
                    )
                    for t in doc["trend"]
                ),
                load_by_hour=tuple(h["calls"] for h in doc["load_by_hour"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                f"a malformed review document: {exc!r}", where="document"
            ) from None


def _scores_json(scores: Scores) -> dict[str, Any]:
    return {
        "overall": scores.overall,
        "dimensions": dict(scores.dimensions),
        "metrics": {
            key: {"value": r.value, "count": r.count, "score": r.score, "enough": r.enough}
            for key, r in scores.metrics.items()
        },
    }


def _scores(doc: Mapping[str, Any]) -> Scores:
    return Scores(
        overall=doc["overall"],
        dimensions=dict(doc["dimensions"]),
        metrics={
            key: MetricResult(r["value"], r["count"], r["score"], r["enough"])
            for key, r in doc["metrics"].items()
        },
    )
