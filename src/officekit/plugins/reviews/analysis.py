"""The analysis itself: an office's metrics, their figures, scores, findings, recommendations.

[`Catalogue`][officekit.plugins.reviews.analysis.Catalogue] gathers what the
installed desks measure (``officekit_register_metrics``) with the profile's
targets and weights, and compiles the one query that computes all of it.
[`analyze`][officekit.plugins.reviews.analysis.analyze] runs it for a period in a
read snapshot (no write lock is held, however long it reads) and turns the sums
into a [`Review`][officekit.plugins.reviews.review.Review].
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.store import snapshot
from officekit.errors import PluginError, ValidationError
from officekit.plugins.reviews.engine import (
    MetricQuery,
    Totals,
    breakdown,
    by_hour,
    hours_of_day,
    iter_shifts,
)
from officekit.plugins.reviews.metrics import (
    DIMENSIONS,
    HOURS,
    OFFERED,
    Dimension,
    Metric,
    Tally,
    score,
)
from officekit.plugins.reviews.review import (
    Decision,
    DimensionInfo,
    Finding,
    MetricInfo,
    MetricResult,
    PersonReview,
    Recommendation,
    Review,
    Scores,
    TrendPoint,
)
from officekit.plugins.reviews.settings import (
    DEFAULT_LOAD_OPERATIONS,
    REVIEWS,
    ReviewsSettings,
    Rule,
)

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.core.staff import StaffMember

__all__ = [
    "CONSECUTIVE_GAP",
    "Bucket",
    "Catalogue",
    "Denominators",
    "ability",
    "analyze",
    "consecutive",
    "denominators",
    "fair_shares",
    "local_hour",
    "measure",
    "period_bounds",
    "presence",
    "recommend",
]


class Catalogue:
    """What an office's analysis measures: dimensions, metrics (with the profile's targets).

    Args:
        office: The office; its plugins' ``officekit_register_metrics`` and
            ``officekit_register_dimensions`` are asked once.

    Raises:
        PluginError: Two metrics (or dimensions) share a key, a metric names an
            unknown dimension, or two metrics credit one operation differently.
        ValidationError: The profile's ``[reviews]`` names a metric or dimension
            that no installed desk has.
    """

    def __init__(self, office: Office) -> None:
        plugins = office.plugins
        dims: dict[str, Dimension] = {d.key: d for d in DIMENSIONS}
        for plugin, dim in plugins.contributions("officekit_register_dimensions", Dimension):
            if dim.key in dims:
                raise PluginError(f"plugin {plugin!r} registers dimension {dim.key!r} twice")
            dims[dim.key] = dim
        settings: ReviewsSettings = office.profile.section(REVIEWS)
        metrics: dict[str, tuple[str, Metric]] = {}
        for plugin, metric in plugins.contributions("officekit_register_metrics", Metric):
            if metric.key in metrics:
                raise PluginError(
                    f"metric {metric.key!r} is registered by {metrics[metric.key][0]!r} "
                    f"and by {plugin!r}"
                )
            if metric.dimension not in dims:
                raise PluginError(
                    f"plugin {plugin!r}: metric {metric.key!r} counts towards no known "
                    f"dimension {metric.dimension!r} (known: {', '.join(dims)})"
                )
            if op_missing := [op for op in metric.operations() if op not in office.operations]:
                raise PluginError(
                    f"plugin {plugin!r}: metric {metric.key!r} reads unknown operations "
                    f"{', '.join(op_missing)}"
                )
            target = settings.targets.get(metric.key)
            if target is not None:
                metric = attrs.evolve(metric, target=float(target))
            metrics[metric.key] = (plugin, metric)
        for key in settings.targets:
            if key not in metrics:
                raise ValidationError(
                    f"no metric {key!r} among the installed desks' "
                    f"({', '.join(sorted(metrics)) or 'none'})",
                    where=f"[reviews] targets.{key}",
                )
        for where, names in (
            ("weights", settings.weights),
            ("policy.promote.minimum", settings.policy.promote.minimum),
            ("policy.pay_raise.minimum", settings.policy.pay_raise.minimum),
        ):
            for key in names:
                if key not in dims:
                    raise ValidationError(
                        f"no dimension {key!r} (known: {', '.join(dims)})",
                        where=f"[reviews] {where}.{key}",
                    )
        if settings.load_operations is None:  # the default: what is installed of it
            load = tuple(op for op in DEFAULT_LOAD_OPERATIONS if op in office.operations)
        else:
            load = settings.load_operations
            for i, name in enumerate(load):
                if name not in office.operations:
                    raise ValidationError(
                        f"no operation {name!r} among the installed desks' operations",
                        where=f"[reviews] load_operations[{i}]",
                    )
        self.load_operations: tuple[str, ...] = load
        """The operations the load by hour counts (the profile's, or the default's)."""
        self.settings = settings
        self.dimensions: tuple[Dimension, ...] = tuple(dims.values())
        self.metrics: tuple[Metric, ...] = tuple(m for _, m in metrics.values())
        self.by_key: Mapping[str, Metric] = {m.key: m for m in self.metrics}
        self.query = MetricQuery(self.metrics)

    def metric(self, key: str) -> Metric:
        """The metric of ``key``.

        Raises:
            ValidationError: No installed desk measures it.
        """
        try:
            return self.by_key[key]
        except (KeyError, TypeError):
            raise ValidationError(
                f"no metric {key!r} (known: {', '.join(sorted(self.by_key))})", where="metric"
            ) from None


def period_bounds(start: dt.date, end: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The instants ``[start 00:00, day after end 00:00)`` of office days ``start`` to ``end``.

    Raises:
        ValidationError: Naming ``start`` or ``end``: not a date, or ``end`` before ``start``.
    """
    for where, day in (("start", start), ("end", end)):
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ValidationError(f"expected a date, got {day!r:.80}", where=where)
    if end < start:
        raise ValidationError(f"the period ends ({end}) before it starts ({start})", where="end")
    if (end - start).days > 3660:
        raise ValidationError("a review covers at most ten years", where="end")
    try:
        first = dt.datetime.combine(start, dt.time(), tz)
        # In UTC too: the store keeps UTC, and 0001-01-01 east of Greenwich is no year.
        first.astimezone(dt.UTC)
    except OverflowError:
        raise ValidationError(f"{start} is too far out", where="start") from None
    try:
        last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
        last.astimezone(dt.UTC)
    except OverflowError:
        raise ValidationError(f"{end} is too far out", where="end") from None
    return first, last


def _mean(pairs: Iterable[tuple[float | None, float]]) -> float | None:
    total = weight = 0.0
    for value, w in pairs:
        if value is not None and w > 0:
            total += value * w
            weight += w
    if not weight:
        return None
    # a weighted mean of scores is a score: rounding may not take it past 0-100
    return min(100.0, max(0.0, total / weight))


def measure(metric: Metric, of: float, per: float, *, able: bool | None = None) -> MetricResult:
    """A metric's figure from its sums: value, count, score, and whether there was enough.

    Args:
        metric: The metric.
        of: Its numerator's sum.
        per: Its denominator's sum (events, hours, or a fair share).
        able: For a person, whether the metric applies to them (see `ability`);
            None for the office. Work never offered to them (no duty of theirs, and
            they did none), or a metric that says it is not about them (cover is not
            a receptionist's to give, whatever calls a covering clerk answered), is
            not measured, rather than scored against those whose work it is.
    """
    did = of > 0 or (isinstance(metric.per, Tally) and per > 0)
    if per <= 0 or (able is False and (not did or metric.applies is not None)):
        return MetricResult(None, 0.0, None, False)
    value = metric.scale * of / per
    enough = per >= metric.min_count
    return MetricResult(
        value, per, score(value, metric.target, metric.better) if enough else None, enough
    )


Bucket = int
"""An hour of office time: whole hours since 1970-01-01 00:00 on the office's clock."""


def local_hour(moment: dt.datetime, tz: dt.tzinfo) -> Bucket:
    """The hour of office time ``moment`` falls in (see ``Bucket``)."""
    offset = moment.astimezone(tz).utcoffset() or dt.timedelta()
    return int((moment.timestamp() + offset.total_seconds()) // 3600)


def presence(
    shifts: Iterable[tuple[int, dt.datetime, dt.datetime]], tz: dt.tzinfo
) -> tuple[dict[int, float], dict[int, dict[Bucket, float]]]:
    """Hours each person worked, and seconds on shift in each hour of office time.

    ``shifts`` are ``(staff id, started, ended)`` (as `iter_shifts` streams them).
    Each shift is cut at the hours of the office's clock at its start (a change of
    the clocks during a shift moves the rest of it by the change: shifts are by
    day, the clocks change at night) and each piece counted in its hour.
    """
    hours: dict[int, float] = defaultdict(float)
    found: dict[int, dict[Bucket, float]] = defaultdict(lambda: defaultdict(float))
    offsets: dict[int, float] = {}  # the office's UTC offset, by UTC hour (shifts share hours)
    for staff_id, began, ended in shifts:
        hours[staff_id] += (ended - began).total_seconds() / 3600.0
        mine = found[staff_id]
        start_s = began.timestamp()
        utc_hour = int(start_s // 3600)
        offset = offsets.get(utc_hour)
        if offset is None:
            delta = began.astimezone(tz).utcoffset() or dt.timedelta()
            offset = offsets[utc_hour] = delta.total_seconds()
        # Seconds since 1970-01-01 00:00 office time.
        first = start_s + offset
        last = ended.timestamp() + offset
        if last <= first:
            continue
        h0, h1 = int(first // 3600), int(last // 3600)
        if h0 == h1:
            mine[h0] += last - first
            continue
        mine[h0] += (h0 + 1) * 3600 - first
        for hour in range(h0 + 1, h1):
            mine[hour] += 3600.0
        if last > h1 * 3600:
            mine[h1] += last - h1 * 3600
    return dict(hours), {i: dict(b) for i, b in found.items()}


def fair_shares(
    work: Mapping[dt.datetime, float],
    present: Mapping[int, Mapping[Bucket, float]],
    able: Iterable[int],
    tz: dt.tzinfo,
) -> tuple[dict[int, float], float]:
    """Each person's fair share of ``work`` (per UTC hour), and the work anyone could share.

    The work that arrived in each hour is split among those ``able`` to do it in
    proportion to the time each was on shift in that hour. Someone not able who
    did the work anyway is measured as if they had been one more person on shift
    then. Work arriving when nobody able was on shift is nobody's share (nor the
    office's).
    """
    arrived: dict[Bucket, float] = defaultdict(float)
    for hour, amount in work.items():
        arrived[local_hour(hour, tz)] += amount
    members = set(able)
    staffed: dict[Bucket, float] = defaultdict(float)
    for staff_id in members:
        for bucket, seconds in present.get(staff_id, {}).items():
            staffed[bucket] += seconds
    shares: dict[int, float] = {}
    for staff_id, buckets in present.items():
        own = staff_id not in members
        shares[staff_id] = sum(
            arrived[b] * seconds / (staffed.get(b, 0.0) + (seconds if own else 0.0))
            for b, seconds in buckets.items()
            if arrived.get(b) and seconds > 0
        )
    return shares, sum(v for b, v in arrived.items() if staffed.get(b))


@attrs.frozen
class Denominators:
    """What metrics whose ``per`` is not a tally divide by.

    Attributes:
        hours: Hours each person worked.
        person: For each such metric's key, each person's denominator (their hours, or
            their fair share of the work offered).
        office: For each such metric's key, the office's denominator (the hours of
            those able to do the work, or the work anyone could share).
    """

    hours: Mapping[int, float]
    person: Mapping[str, Mapping[int, float]]
    office: Mapping[str, float]


def denominators(
    conn: sa.Connection,
    office: Office,
    catalogue: Catalogue,
    begin: dt.datetime,
    finish: dt.datetime,
    able: set[tuple[int, str]],
    metrics: Iterable[Metric] | None = None,
    arrivals: dict[tuple[object, ...], dict[dt.datetime, float]] | None = None,
) -> Denominators:
    """Hours worked and fair shares of the work offered, for ``metrics`` (all by default).

    ``arrivals`` caches each tally's work per hour (`by_hour`), by the tally's identity.
    """
    tz = office.profile.office.tz
    hours, present = presence(iter_shifts(conn, office.id, begin, finish), tz)
    arrivals = {} if arrivals is None else arrivals
    person: dict[str, dict[int, float]] = {}
    office_per: dict[str, float] = {}
    for metric in catalogue.metrics if metrics is None else metrics:
        if metric.per == HOURS:
            person[metric.key] = hours
            office_per[metric.key] = sum(h for i, h in hours.items() if (i, metric.key) in able)
        elif metric.per == OFFERED:
            tally = metric.offered or metric.of
            if tally.identity() not in arrivals:
                arrivals[tally.identity()] = by_hour(conn, office.id, begin, finish, tally)
            who = [i for i in present if (i, metric.key) in able]
            shares, total = fair_shares(arrivals[tally.identity()], present, who, tz)
            person[metric.key] = shares
            office_per[metric.key] = total
    return Denominators(hours, person, office_per)


def _scores(
    catalogue: Catalogue,
    sums: Sequence[float],
    per_of: Callable[[Metric], float],
    *,
    hours: float | None = None,
    min_hours: float | None = None,
    able: Callable[[Metric], bool] | None = None,
) -> Scores:
    """Score one person (``hours`` worked, ``able`` to do a metric's work) or the office.

    ``per_of`` gives the denominator of a metric whose ``per`` is not a tally.
    """
    query = catalogue.query
    results: dict[str, MetricResult] = {}
    for metric in catalogue.metrics:
        of = sums[query.index_of(metric.of)] if sums else 0.0
        if isinstance(metric.per, Tally):
            per = sums[query.index_of(metric.per)] if sums else 0.0
        else:
            per = per_of(metric)
        results[metric.key] = measure(metric, of, per, able=None if able is None else able(metric))
    dims: dict[str, float | None] = {}
    for dim in catalogue.dimensions:
        dims[dim.key] = _mean(
            (results[m.key].score, m.weight) for m in catalogue.metrics if m.dimension == dim.key
        )
    settings = catalogue.settings
    overall = _mean((dims[d.key], settings.weight(d.key)) for d in catalogue.dimensions)
    if min_hours is not None and hours is not None:
        measured = sum(
            1
            for d in catalogue.dimensions
            if dims[d.key] is not None and settings.weight(d.key) > 0
        )
        if hours < min_hours or measured < settings.min_dimensions:
            overall = None  # too little to judge a person by: said, not pretended
    return Scores(overall, dims, results)


def recommend(
    person: Scores, earlier: Sequence[float | None], settings: ReviewsSettings, hours: float
) -> Recommendation:
    """What the profile's policy recommends for a person.

    Args:
        person: Their scores in this review.
        earlier: Their overall score in the reviews before it, latest first (None
            where they were not reviewed or had too little data).
        settings: The profile's ``[reviews]``.
        hours: Hours they worked in the period.
    """
    if person.overall is None:
        measured = [
            key
            for key, value in person.dimensions.items()
            if value is not None and settings.weight(key) > 0
        ]
        if hours < settings.min_hours:
            why = f"worked {hours:.1f} h, fewer than the {settings.min_hours:g} h a review needs"
        elif not measured:
            why = "no dimension has enough data"
        else:
            why = (
                f"only {len(measured)} dimension(s) with enough data ({', '.join(measured)}); "
                f"an overall score needs {settings.min_dimensions}"
            )
        return Recommendation("insufficient_data", (why,))
    reasons: list[str] = []
    for action, rule in (
        ("promote", settings.policy.promote),
        ("raise", settings.policy.pay_raise),
    ):
        ok, met = _meets(person, earlier, rule)
        if ok:
            return Recommendation(action, (*met,))  # type: ignore[arg-type]
        reasons.append(f"not {'promotion' if action == 'promote' else 'a raise'}: {'; '.join(met)}")
    return Recommendation("none", tuple(reasons))


def _meets(person: Scores, earlier: Sequence[float | None], rule: Rule) -> tuple[bool, list[str]]:
    assert person.overall is not None
    ok = True
    why: list[str] = []
    series = [person.overall, *earlier][: rule.periods]
    if len(series) < rule.periods:
        ok = False
        why.append(f"needs {rule.periods} consecutive reviews, has {len(series)}")
    elif any(s is None or s < rule.overall for s in series):
        ok = False
        shown = ", ".join("-" if s is None else f"{s:.1f}" for s in series)
        why.append(
            f"overall {shown} in the last {rule.periods} review(s), needs {rule.overall:g} in each"
        )
    else:
        why.append(
            f"overall {person.overall:.1f} >= {rule.overall:g}"
            + (f" over {rule.periods} consecutive reviews" if rule.periods > 1 else "")
        )
    for dim, least in rule.minimum.items():
        have = person.dimensions.get(dim)
        if have is None or have < least:
            ok = False
            why.append(
                f"{dim} {'has too little data' if have is None else f'{have:.1f}'}, needs {least:g}"
            )
        else:
            why.append(f"{dim} {have:.1f} >= {least:g}")
    return ok, why


def _fmt(value: float, unit: str) -> str:
    text = f"{value:.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text}{unit}" if unit in ("%", "s") else f"{text} {unit}".rstrip()


def _count(count: float, metric: Metric) -> str:
    """What a figure was measured over, in words: events, hours, or a share of work."""
    if metric.per == HOURS:
        return f"{count:.1f} hours"
    if metric.per == OFFERED:
        return f"a share of {count:.1f}"
    return f"{count:.0f} events"


def _findings(
    catalogue: Catalogue,
    office: Scores,
    people: Sequence[PersonReview],
    parts: Mapping[str, Mapping[str, tuple[float, float]]],
) -> list[Finding]:
    limit = catalogue.settings.finding_score
    found: list[Finding] = []
    for metric in catalogue.metrics:
        r = office.metrics[metric.key]
        if r.score is None or r.value is None or r.score >= limit:
            continue
        evidence: dict[str, Any] = {"value": r.value, "target": metric.target, "count": r.count}
        text = (
            f"{metric.title} is {_fmt(r.value, metric.unit)} against a target of "
            f"{_fmt(metric.target, metric.unit)} (over {_count(r.count, metric)})."
        )
        split = {
            part: metric.scale * of / per
            for part, (of, per) in parts.get(metric.key, {}).items()
            if per >= 1
        }
        if split:
            evidence["breakdown"] = split
            worst = sorted(split.items(), key=lambda kv: kv[1], reverse=metric.better == "lower")
            named = ", ".join(f"{part} {_fmt(v, metric.unit)}" for part, v in worst[:3])
            text += f" By {metric.breakdown}, the worst: {named}."
        found.append(Finding(None, metric.key, "warning", text, evidence))
    for person in people:
        for metric in catalogue.metrics:
            r = person.scores.metrics[metric.key]
            if r.score is None or r.value is None or r.score >= limit:
                continue
            found.append(
                Finding(
                    person.staff_id,
                    metric.key,
                    "warning",
                    f"{person.name}: {metric.title.lower()} {_fmt(r.value, metric.unit)} against "
                    f"a target of {_fmt(metric.target, metric.unit)} "
                    f"(over {_count(r.count, metric)}).",
                    {"value": r.value, "target": metric.target, "count": r.count},
                )
            )
        best = [
            (s, d.title)
            for d in catalogue.dimensions
            if (s := person.scores.dimensions.get(d.key)) is not None and s >= 90
        ]
        if best:
            names = ", ".join(title.lower() for _, title in sorted(best, reverse=True))
            found.append(
                Finding(
                    person.staff_id,
                    None,
                    "info",
                    f"{person.name} scores 90 or more on {names}: worth sharing how.",
                    {"dimensions": {title: s for s, title in best}},
                )
            )
    return found


def ability(
    office: Office, catalogue: Catalogue, members: Mapping[int, StaffMember]
) -> set[tuple[int, str]]:
    """``(staff id, metric key)`` for each person a metric applies to.

    Those whose roles let them perform the operations of its work (decided by the
    profile as it is now, for the roles each person holds, or held for someone who
    has left), and whom the metric's ``applies``, when it has one, accepts.
    """
    kernel = office.kernel
    ops = office.operations
    profile = office.profile
    able: set[tuple[int, str]] = set()
    for staff_id, member in members.items():
        current = attrs.evolve(member, left_at=None)
        allowed: dict[str, bool] = {}
        for metric in catalogue.metrics:
            if metric.applies is not None and not metric.applies(profile, member.roles):
                continue
            names = metric.work().operations
            for name in names:
                if name not in allowed:
                    op = ops.get(name)
                    allowed[name] = (
                        op is not None and not op.by_office and kernel.decide(current, op).allowed
                    )
            if any(allowed[name] for name in names):
                able.add((staff_id, metric.key))
    return able


CONSECUTIVE_GAP = dt.timedelta(days=7)
"""The most days between two saved reviews that still follow each other (a weekend,
a holiday week between a Monday-to-Friday period and the next)."""


def consecutive(earlier: Sequence[Review], start: dt.date) -> list[Review]:
    """The saved reviews that follow one another up to ``start``: the policy's periods.

    Latest first, from ``earlier`` (latest first). Each must end before the next
    starts, at most ``CONSECUTIVE_GAP`` before it: a review that overlaps the next,
    or ends long before it, ends the run (a one-day look saved months ago is not
    the previous period).
    """
    run: list[Review] = []
    following = start
    for review in earlier:
        if not following - CONSECUTIVE_GAP <= review.end < following:
            break
        run.append(review)
        following = review.start
    return run


def analyze(
    office: Office,
    catalogue: Catalogue,
    start: dt.date,
    end: dt.date,
    *,
    earlier: Sequence[Review] = (),
    decisions: Mapping[int, Decision] | None = None,
    review_id: int | None = None,
    generated_at: dt.datetime | None = None,
) -> Review:
    """Analyse the office's front office over office days ``start`` to ``end`` (inclusive).

    Args:
        office: The office.
        catalogue: Its metrics.
        start: The first day.
        end: The last day.
        earlier: The office's saved reviews before this period, latest first (for the
            trend and the policy's consecutive periods).
        decisions: Managers' decisions already recorded, by staff id.
        review_id: The id it is saved under, if known.
        generated_at: When it is computed (the office's clock by default).

    Raises:
        ValidationError: A bad period.
    """
    tz = office.profile.office.tz
    begin, finish = period_bounds(start, end, tz)
    settings = catalogue.settings
    members = {m.id: m for m in office.staff.list(include_departed=True)}
    able = ability(office, catalogue, members)
    with snapshot(office.engine) as conn:
        if conn.dialect.name == "postgresql":
            # The planner guesses thousands of groups where there are a few hundred (one
            # per person, operation and credited colleague) and would sort on disk at the
            # default 4 MB; the hash of the real groups takes kilobytes. Compiling the
            # query's many CASE expressions (JIT) costs more than it saves.
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            conn.exec_driver_sql("SET LOCAL jit = off")
        totals: Totals = catalogue.query.run(conn, office.id, begin, finish)
        arrivals: dict[tuple[object, ...], dict[dt.datetime, float]] = {}
        denoms = denominators(conn, office, catalogue, begin, finish, able, arrivals=arrivals)
        load = [0] * 24
        if catalogue.load_operations:
            loaded = Tally(catalogue.load_operations)
            if loaded.identity() not in arrivals:  # not already read for a fair share
                arrivals[loaded.identity()] = by_hour(conn, office.id, begin, finish, loaded)
            load = hours_of_day(arrivals[loaded.identity()], tz)
        office_scores = _scores(catalogue, totals.office, lambda m: denoms.office[m.key])
        query = catalogue.query
        parts = {
            m.key: query.parts_of(totals, m)
            if m.key in query.broken_down
            else breakdown(conn, office.id, begin, finish, m, tz)
            for m in catalogue.metrics
            if m.breakdown is not None
            and (r := office_scores.metrics[m.key]).score is not None
            and r.score < settings.finding_score
        }
    hours = denoms.hours
    earlier_overall: dict[int, list[float | None]] = {}
    for review in consecutive(earlier, start):
        present = {p.staff_id: p.scores.overall for p in review.people}
        for staff_id in members:
            earlier_overall.setdefault(staff_id, []).append(present.get(staff_id))
    people: list[PersonReview] = []
    for staff_id in sorted(
        set(totals.people) | set(hours),
        key=lambda i: (members[i].name, i) if i in members else ("", i),
    ):
        member = members.get(staff_id)
        if member is None:
            continue  # an id credited in a detail that names nobody of this office
        worked = hours.get(staff_id, 0.0)
        scores = _scores(
            catalogue,
            totals.people.get(staff_id, ()),
            lambda m, i=staff_id: denoms.person[m.key].get(i, 0.0),  # type: ignore[misc]
            hours=worked,
            min_hours=settings.min_hours,
            able=lambda m, i=staff_id: (i, m.key) in able,  # type: ignore[misc]
        )
        people.append(
            PersonReview(
                staff_id=staff_id,
                name=member.name,
                roles=member.roles,
                hours=round(worked, 4),
                scores=scores,
                recommendation=recommend(
                    scores, earlier_overall.get(staff_id, []), settings, worked
                ),
                decision=(decisions or {}).get(staff_id),
            )
        )
    dims = tuple(
        DimensionInfo(d.key, d.title, settings.weight(d.key)) for d in catalogue.dimensions
    )
    metrics = tuple(
        MetricInfo(
            m.key, m.dimension, m.title, m.unit, m.better, m.target, m.formula, m.operations()
        )
        for m in catalogue.metrics
    )
    trend = [
        TrendPoint(r.review_id, r.start, r.end, r.office.overall, r.office.dimensions)
        for r in reversed(earlier)
    ]
    trend.append(TrendPoint(review_id, start, end, office_scores.overall, office_scores.dimensions))
    return Review(
        review_id=review_id,
        office_key=office.key,
        office_name=office.profile.office.name,
        profile=office.profile.name,
        start=start,
        end=end,
        generated_at=(generated_at or office.clock.now()).astimezone(dt.UTC),
        dimensions=dims,
        metrics=metrics,
        office=office_scores,
        people=tuple(people),
        findings=tuple(_findings(catalogue, office_scores, people, parts)),
        trend=tuple(trend),
        load_by_hour=tuple(load),
    )
