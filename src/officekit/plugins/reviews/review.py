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
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import attrs

from officekit.errors import NotFoundError, ValidationError

__all__ = [
    "SCHEMA",
    "Decision",
    "DimensionInfo",
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


class DimensionInfo(NamedTuple):
    """A dimension as a review weighed it (a tuple: ``key, title, weight = info``).

    Attributes:
        key: The dimension's key (``efficiency``).
        title: Its name.
        weight: Its weight in the overall score (the profile's).
    """

    key: str
    title: str
    weight: float


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
        dimensions: Each dimension's key, title and weight, in order.
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
    dimensions: tuple[DimensionInfo, ...]
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

        Every value is checked against the schema ``officekit.review/1`` (types,
        choices, scores within 0-100, 24 hours of load).

        Raises:
            ValidationError: It is not such a document; the error names the key
                path (``review.people[2].hours``) and what is wrong there.
        """
        return _read(doc)


def _scores_json(scores: Scores) -> dict[str, Any]:
    return {
        "overall": scores.overall,
        "dimensions": dict(scores.dimensions),
        "metrics": {
            key: {"value": r.value, "count": r.count, "score": r.score, "enough": r.enough}
            for key, r in scores.metrics.items()
        },
    }


# -- reading a review's JSON, every value checked ---------------------------------------

_ROUNDING = 1e-9
_ACTIONS = ("promote", "raise", "none", "insufficient_data")
_DECISIONS = ("promote", "raise", "none")
_BETTER = ("lower", "higher")
_SEVERITIES = ("info", "warning")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({value!r})"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    if isinstance(value, int) and value.bit_length() > 64:
        return "a number (an integer of more than 64 bits)"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return f"a {type(value).__name__}"


def _fail(where: str, what: str) -> ValidationError:
    return ValidationError(what, where=where)


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(where, f"expected an object, got {_kind(value)}")
    return value


def _get(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise _fail(where, f"the key {key!r} is missing")
    return obj[key]


def _array(value: object, where: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise _fail(where, f"expected an array, got {_kind(value)}")
    return value


def _text(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = _get(obj, key, where)
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", f"expected a string, got {_kind(value)}")
    return value


def _texts(obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    at = f"{where}.{key}"
    items = _array(_get(obj, key, where), at)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _fail(f"{at}[{i}]", f"expected a string, got {_kind(item)}")
    return tuple(items)


def _choice(obj: Mapping[str, Any], key: str, choices: Iterable[str], where: str) -> Any:
    value = _text(obj, key, where)
    if value not in choices:
        raise _fail(f"{where}.{key}", f"expected one of {sorted(choices)}, got {value!r}")
    return value


def _text_or_none(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    return None if obj.get(key) is None else _text(obj, key, where)


def _date(obj: Mapping[str, Any], key: str, where: str) -> dt.date:
    value = _text(obj, key, where)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{where}.{key}", f"expected a date (YYYY-MM-DD), got {value!r:.40}") from None


def _instant(obj: Mapping[str, Any], key: str, where: str) -> dt.datetime:
    value = _text(obj, key, where)
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise _fail(
            f"{where}.{key}", f"expected an ISO 8601 instant with its offset, got {value!r:.40}"
        )
    return instant


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, f"expected a finite number, got {_kind(value)}")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer too large for a float (JSON allows any digits)
        finite = False
    if not finite:
        raise _fail(where, f"expected a finite number, got {_kind(value)}")
    return value


def _number_or_none(value: object, where: str) -> float | None:
    return None if value is None else _number(value, where)


def _score(value: object, where: str) -> float | None:
    result = _number_or_none(value, where)
    # reviews saved before scores were clamped may be past 100 by a rounding error
    if result is not None and not -_ROUNDING <= result <= 100.0 + _ROUNDING:
        raise _fail(where, f"a score is between 0 and 100, got {result!r}")
    return result


def _integer(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"expected an integer, got {_kind(value)}")
    return value


def _integer_or_none(value: object, where: str) -> int | None:
    return None if value is None else _integer(value, where)


def _dimension_scores(value: object, where: str) -> dict[str, float | None]:
    obj = _object(value, where)
    return {str(key): _score(obj[key], f"{where}.{key}") for key in obj}


def _scores(obj: Mapping[str, Any], where: str) -> Scores:
    metrics = {}
    raw = _object(_get(obj, "metrics", where), f"{where}.metrics")
    for key in raw:
        at = f"{where}.metrics.{key}"
        item = _object(raw[key], at)
        enough = _get(item, "enough", at)
        if not isinstance(enough, bool):
            raise _fail(f"{at}.enough", f"expected a boolean, got {_kind(enough)}")
        metrics[str(key)] = MetricResult(
            value=_number_or_none(_get(item, "value", at), f"{at}.value"),
            count=_number(_get(item, "count", at), f"{at}.count"),
            score=_score(_get(item, "score", at), f"{at}.score"),
            enough=enough,
        )
    return Scores(
        overall=_score(_get(obj, "overall", where), f"{where}.overall"),
        dimensions=_dimension_scores(_get(obj, "dimensions", where), f"{where}.dimensions"),
        metrics=metrics,
    )


def _person(value: object, where: str) -> PersonReview:
    obj = _object(value, where)
    rec = _object(_get(obj, "recommendation", where), f"{where}.recommendation")
    decision = None
    if obj.get("decision") is not None:
        at = f"{where}.decision"
        raw = _object(obj["decision"], at)
        decision = Decision(
            action=_choice(raw, "action", _DECISIONS, at),
            decided_by=_text(raw, "decided_by", at),
            decided_at=_instant(raw, "decided_at", at),
            note=_text_or_none(raw, "note", at),
            amount=_text_or_none(raw, "amount", at),
        )
    return PersonReview(
        staff_id=_integer(_get(obj, "staff_id", where), f"{where}.staff_id"),
        name=_text(obj, "name", where),
        roles=_texts(obj, "roles", where),
        hours=_number(_get(obj, "hours", where), f"{where}.hours"),
        scores=_scores(obj, where),
        recommendation=Recommendation(
            _choice(rec, "action", _ACTIONS, f"{where}.recommendation"),
            _texts(rec, "reasons", f"{where}.recommendation"),
        ),
        decision=decision,
    )


def _items(root: Mapping[str, Any], key: str, where: str) -> Iterable[tuple[str, Any]]:
    """Each item of the array ``root[key]`` with its key path."""
    at = f"{where}.{key}"
    return ((f"{at}[{i}]", item) for i, item in enumerate(_array(_get(root, key, where), at)))


def _read(data: Mapping[str, Any]) -> Review:
    where = "review"
    root = _object(data, where)
    schema = _get(root, "schema", where)
    if schema != SCHEMA:
        raise _fail(f"{where}.schema", f"expected {SCHEMA!r}, got {_kind(schema)}")
    office = _object(_get(root, "office", where), f"{where}.office")
    period = _object(_get(root, "period", where), f"{where}.period")
    dimensions = []
    for at, item in _items(root, "dimensions", where):
        obj = _object(item, at)
        dimensions.append(
            DimensionInfo(
                key=_text(obj, "key", at),
                title=_text(obj, "title", at),
                weight=_number(_get(obj, "weight", at), f"{at}.weight"),
            )
        )
    metrics = []
    for at, item in _items(root, "metrics", where):
        obj = _object(item, at)
        metrics.append(
            MetricInfo(
                key=_text(obj, "key", at),
                dimension=_text(obj, "dimension", at),
                title=_text(obj, "title", at),
                unit=_text(obj, "unit", at),
                better=_choice(obj, "better", _BETTER, at),
                target=_number(_get(obj, "target", at), f"{at}.target"),
                formula=_text(obj, "formula", at),
                operations=_texts(obj, "operations", at),
            )
        )
    people = tuple(_person(item, at) for at, item in _items(root, "people", where))
    findings = []
    for at, item in _items(root, "findings", where):
        obj = _object(item, at)
        findings.append(
            Finding(
                staff_id=_integer_or_none(obj.get("staff_id"), f"{at}.staff_id"),
                metric=_text_or_none(obj, "metric", at),
                severity=_choice(obj, "severity", _SEVERITIES, at),
                text=_text(obj, "text", at),
                evidence=_object(obj.get("evidence", {}), f"{at}.evidence"),
            )
        )
    trend = []
    for at, item in _items(root, "trend", where):
        obj = _object(item, at)
        trend.append(
            TrendPoint(
                review_id=_integer_or_none(obj.get("review_id"), f"{at}.review_id"),
                start=_date(obj, "from", at),
                end=_date(obj, "to", at),
                overall=_score(_get(obj, "overall", at), f"{at}.overall"),
                dimensions=_dimension_scores(_get(obj, "dimensions", at), f"{at}.dimensions"),
            )
        )
    load = _array(_get(root, "load_by_hour", where), f"{where}.load_by_hour")
    if len(load) != 24:
        raise _fail(f"{where}.load_by_hour", f"expected 24 hours, got {len(load)}")
    calls = []
    for hour, item in enumerate(load):
        at = f"{where}.load_by_hour[{hour}]"
        obj = _object(item, at)
        if _get(obj, "hour", at) != hour:
            raise _fail(f"{at}.hour", f"expected hour {hour}, got {_kind(obj['hour'])}")
        count = _integer(_get(obj, "calls", at), f"{at}.calls")
        if count < 0:
            raise _fail(f"{at}.calls", f"a number of calls is >= 0, got {count}")
        calls.append(count)
    return Review(
        review_id=_integer_or_none(root.get("review_id"), f"{where}.review_id"),
        office_key=_text(office, "key", f"{where}.office"),
        office_name=_text(office, "name", f"{where}.office"),
        profile=_text(office, "profile", f"{where}.office"),
        start=_date(period, "from", f"{where}.period"),
        end=_date(period, "to", f"{where}.period"),
        generated_at=_instant(root, "generated_at", where),
        dimensions=tuple(dimensions),
        metrics=tuple(metrics),
        office=_scores(
            _object(_get(root, "office_scores", where), f"{where}.office_scores"),
            f"{where}.office_scores",
        ),
        people=people,
        findings=tuple(findings),
        trend=tuple(trend),
        load_by_hour=tuple(calls),
    )
