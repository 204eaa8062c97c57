"""The review as one self-contained HTML file: tables and inline SVG charts.

``render_html`` takes a review, or its JSON document (``review.to_json()``, schema
``officekit.review/1``, documented in ``docs/reference/review-report.md``), and returns a
page that needs nothing else: its CSS is inline, its three charts are SVG drawn
here, it loads no font, image or script, and a Content-Security-Policy forbids it
to. Every string of the review is escaped, since names and comments come from
users. The same review gives the same bytes, so reports can be diffed and cached.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from officekit.plugins.reviews.review import (
    SCHEMA,
    Decision,
    DimensionInfo,
    Recommendation,
    Review,
    Scores,
)

__all__ = ["render_html"]

# Okabe-Ito: a categorical palette that stays distinct for colour-blind readers.
_PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#b8a200",
    "#6a3d9a",
)
_OVERALL_COLOUR = "#222222"
_WIDE = 1100.0  # a chart wider than the page scrolls sideways instead of shrinking
_AT_TARGET = 80.0  # the score of a value on its target (metrics.AT_TARGET)
_BETTER = {"lower": "\u2264", "higher": "\u2265"}


# -- formatting -----------------------------------------------------------------------


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    """A number for reading: two decimals below 10, one below 1000, none above."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) < 10:
        return f"{value:,.2f}"
    if abs(value) < 1000:
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def _with_unit(value: float, unit: str) -> str:
    if not unit:
        return _num(value)
    return f"{_num(value)}\u202f{unit}" if unit != "%" else f"{_num(value)}\u202f%"


def _band(score: float) -> str:
    if score >= _AT_TARGET:
        return "good"
    return "fair" if score >= 50 else "poor"


def _score_cell(score: float | None) -> str:
    if score is None:
        return '<td class="num na" title="too little data">n/a</td>'
    return f'<td class="num score {_band(score)}">{score:.1f}</td>'


def _time(iso: str) -> str:
    """An ISO instant as ``<time>``, shown to the minute (``2026-01-31 09:00 +00:00``)."""
    shown = iso
    if len(iso) >= 16 and iso[10:11] == "T":
        zone = iso[19:].lstrip("0123456789.")
        shown = f"{iso[:10]} {iso[11:16]}" + (f" {zone}" if zone else "")
    return f'<time datetime="{_e(iso)}">{_e(shown)}</time>'


def _svg_num(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros (stable and short)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# -- charts ---------------------------------------------------------------------------


def _colours(dimensions: Sequence[DimensionInfo]) -> dict[str, str]:
    return {d.key: _PALETTE[i % len(_PALETTE)] for i, d in enumerate(dimensions)}


def _svg_open(name: str, width: float, height: float, title: str, desc: str) -> str:
    return (
        f'<svg class="chart{" wide" if width > _WIDE else ""}" id="chart-{name}" role="img" '
        f'aria-labelledby="chart-{name}-title chart-{name}-desc" '
        f'width="{_svg_num(width)}" height="{_svg_num(height)}" '
        f'viewBox="0 0 {_svg_num(width)} {_svg_num(height)}">'
        f'<title id="chart-{name}-title">{_e(title)}</title>'
        f'<desc id="chart-{name}-desc">{_e(desc)}</desc>'
    )


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, width: float) -> str:
    """Swatches and labels in rows from (x, y), wrapping at ``width``."""
    parts = ['<g class="legend">']
    cx, cy = x, y
    for label, colour in items:
        span = 17 + 7.0 * len(_short(label, 24)) + 16
        if cx + span > x + width and cx > x:
            cx, cy = x, cy + 18
        parts.append(
            f'<rect x="{_svg_num(cx)}" y="{_svg_num(cy - 10)}" width="12" height="12" '
            f'fill="{colour}"/><text x="{_svg_num(cx + 17)}" y="{_svg_num(cy)}">'
            f"{_e(_short(label, 24))}</text>"
        )
        cx += span
    parts.append("</g>")
    return "".join(parts)


def _score_axis(left: float, top: float, width: float, height: float) -> str:
    """Gridlines and labels 0-100 every 20, and the dashed on-target line at 80."""
    parts = ['<g class="axis">']
    for tick in range(0, 101, 20):
        y = top + height - height * tick / 100
        parts.append(
            f'<line class="grid" x1="{_svg_num(left)}" x2="{_svg_num(left + width)}" '
            f'y1="{_svg_num(y)}" y2="{_svg_num(y)}"/>'
            f'<text class="tick" x="{_svg_num(left - 6)}" y="{_svg_num(y + 4)}" '
            f'text-anchor="end">{tick}</text>'
        )
    y = top + height - height * _AT_TARGET / 100
    parts.append(
        f'<line class="target" x1="{_svg_num(left)}" x2="{_svg_num(left + width)}" '
        f'y1="{_svg_num(y)}" y2="{_svg_num(y)}"><title>80: on target</title></line>'
    )
    parts.append("</g>")
    return "".join(parts)


def _scores_chart(review: Review) -> str:
    """Grouped bars: for each person, the overall score then one bar per dimension."""
    series = [("overall", "Overall", _OVERALL_COLOUR)]
    colours = _colours(review.dimensions)
    series += [(d.key, d.title, colours[d.key]) for d in review.dimensions]
    people = review.people
    left, top, plot_h, right = 44.0, 64.0, 260.0, 16.0
    group_w = max(56.0, min(160.0, 1000.0 / max(1, len(people))))
    plot_w = max(600.0, group_w * len(people))
    group_w = plot_w / max(1, len(people))
    bar_w = min(16.0, (group_w - 12.0) / len(series))
    rotate = group_w < 100
    label_h = 112.0 if rotate else 34.0
    if rotate:  # room for the first name, slanting down to the left
        left += 100.0 - group_w / 2
    width = left + plot_w + right
    height = top + plot_h + label_h
    parts = [
        _svg_open(
            "scores",
            width,
            height,
            "Scores per person and dimension (0-100)",
            "Grouped bars: for each member of staff, the overall score and the score of "
            "each dimension, 0 to 100; the dashed line at 80 is on target. A dimension with "
            "too little data has no bar.",
        ),
        _legend([(label, colour) for _, label, colour in series], left, 18.0, width - left),
        _score_axis(left, top, plot_w, plot_h),
    ]
    if not people:
        parts.append(
            f'<text class="empty" x="{_svg_num(left + plot_w / 2)}" '
            f'y="{_svg_num(top + plot_h / 2)}" text-anchor="middle">No staff in this review</text>'
        )
    base = top + plot_h
    for i, person in enumerate(people):
        gx = left + i * group_w + (group_w - bar_w * len(series)) / 2
        parts.append(f'<g class="person"><title>{_e(person.name)}</title>')
        for j, (key, label, colour) in enumerate(series):
            value = person.scores.overall if key == "overall" else person.scores.dimensions.get(key)
            x = gx + j * bar_w
            if value is None:
                parts.append(
                    f'<rect class="na" x="{_svg_num(x + 1)}" y="{_svg_num(base - 3)}" '
                    f'width="{_svg_num(bar_w - 2)}" height="3">'
                    f"<title>{_e(person.name)}, {_e(label)}: too little data</title></rect>"
                )
                continue
            h = max(1.5, plot_h * value / 100)  # a score of 0 still shows, unlike n/a
            parts.append(
                f'<rect class="bar" data-series="{_e(key)}" x="{_svg_num(x + 1)}" '
                f'y="{_svg_num(base - h)}" width="{_svg_num(bar_w - 2)}" height="{_svg_num(h)}" '
                f'fill="{colour}"><title>{_e(person.name)}, {_e(label)}: {value:.1f}</title></rect>'
            )
        cx = left + i * group_w + group_w / 2
        name = _e(_short(person.name, 22 if rotate else int(group_w / 7.5)))
        if rotate:
            parts.append(
                f'<text class="label" x="{_svg_num(cx)}" y="{_svg_num(base + 14)}" '
                f'text-anchor="end" transform="rotate(-35 {_svg_num(cx)} {_svg_num(base + 14)})">'
                f"{name}</text>"
            )
        else:
            parts.append(
                f'<text class="label" x="{_svg_num(cx)}" y="{_svg_num(base + 18)}" '
                f'text-anchor="middle">{name}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _trend_chart(review: Review) -> str:
    """A line per dimension and one for the overall score, over the reviews so far."""
    colours = _colours(review.dimensions)
    series: list[tuple[str, str, str]] = [("overall", "Overall", _OVERALL_COLOUR)]
    series += [(d.key, d.title, colours[d.key]) for d in review.dimensions]
    periods = review.trend
    left, top, plot_h, right = 44.0, 64.0, 240.0, 24.0
    plot_w = max(600.0, min(1000.0, 110.0 * len(periods)))
    rotate = len(periods) > 6
    label_h = 84.0 if rotate else 40.0
    width = left + plot_w + right
    height = top + plot_h + label_h
    parts = [
        _svg_open(
            "trend",
            width,
            height,
            "Scores over the reviews so far",
            "Lines of the overall score and of each dimension's score, 0 to 100, for the "
            "earlier reviews and this one, oldest first; a period with too little data "
            "breaks the line.",
        ),
        _legend([(label, colour) for _, label, colour in series], left, 18.0, width - left),
        _score_axis(left, top, plot_w, plot_h),
    ]
    base = top + plot_h
    if not periods:
        parts.append(
            f'<text class="empty" x="{_svg_num(left + plot_w / 2)}" '
            f'y="{_svg_num(top + plot_h / 2)}" text-anchor="middle">No reviews yet</text>'
        )

    def x_of(i: int) -> float:
        if len(periods) == 1:
            return left + plot_w / 2
        return left + 16 + (plot_w - 32) * i / (len(periods) - 1)

    for i, period in enumerate(periods):
        x = x_of(i)
        if rotate:
            parts.append(
                f'<text class="label" x="{_svg_num(x)}" y="{_svg_num(base + 14)}" '
                f'text-anchor="end" transform="rotate(-35 {_svg_num(x)} {_svg_num(base + 14)})">'
                f"{_e(period.start)}</text>"
            )
        else:
            parts.append(
                f'<text class="label" x="{_svg_num(x)}" y="{_svg_num(base + 18)}" '
                f'text-anchor="middle">{_e(period.start)}</text>'
                f'<text class="label" x="{_svg_num(x)}" y="{_svg_num(base + 32)}" '
                f'text-anchor="middle">\u2013 {_e(period.end)}</text>'
            )
    for key, label, colour in series:
        values = [p.overall if key == "overall" else p.dimensions.get(key) for p in periods]
        parts.append(f'<g class="series" data-series="{_e(key)}">')
        run: list[str] = []
        runs: list[list[str]] = []
        for i, value in enumerate(values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{_svg_num(x_of(i))},{_svg_num(base - plot_h * value / 100)}")
        if run:
            runs.append(run)
        width_px = 3 if key == "overall" else 2
        for points in runs:
            if len(points) > 1:
                parts.append(
                    f'<polyline class="line" points="{" ".join(points)}" fill="none" '
                    f'stroke="{colour}" stroke-width="{width_px}"/>'
                )
        for i, value in enumerate(values):
            if value is None:
                continue
            period = periods[i]
            parts.append(
                f'<circle class="point" cx="{_svg_num(x_of(i))}" '
                f'cy="{_svg_num(base - plot_h * value / 100)}" r="4" fill="{colour}">'
                f"<title>{_e(label)}, {_e(period.start)} \u2013 {_e(period.end)}: "
                f"{value:.1f}</title></circle>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _nice_top(peak: int) -> tuple[int, int]:
    """The axis' top and its step: 1, 2 or 5 times a power of ten, about 5 ticks."""
    if peak <= 0:
        return 5, 1
    raw = peak / 5
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(step))
    return step * math.ceil(peak / step), step


def _load_chart(review: Review) -> str:
    """24 bars: the calls received in each hour of the day, office time."""
    left, top, plot_h, right = 48.0, 24.0, 200.0, 16.0
    bar_slot = 30.0
    plot_w = bar_slot * 24
    width = left + plot_w + right
    height = top + plot_h + 44.0
    top_value, step = _nice_top(max(review.load_by_hour))
    total = sum(review.load_by_hour)
    parts = [
        _svg_open(
            "load",
            width,
            height,
            "Calls received by hour of day",
            f"Bars: the number of calls received in each hour of the day, office time, "
            f"over the whole period ({total} calls).",
        ),
        '<g class="axis">',
    ]
    for tick in range(0, top_value + 1, step):
        y = top + plot_h - plot_h * tick / top_value
        parts.append(
            f'<line class="grid" x1="{_svg_num(left)}" x2="{_svg_num(left + plot_w)}" '
            f'y1="{_svg_num(y)}" y2="{_svg_num(y)}"/>'
            f'<text class="tick" x="{_svg_num(left - 6)}" y="{_svg_num(y + 4)}" '
            f'text-anchor="end">{tick:,}</text>'
        )
    parts.append("</g>")
    base = top + plot_h
    for hour, calls in enumerate(review.load_by_hour):
        x = left + hour * bar_slot
        h = plot_h * calls / top_value
        parts.append(
            f'<rect class="bar" data-hour="{hour}" x="{_svg_num(x + 3)}" '
            f'y="{_svg_num(base - h)}" width="{_svg_num(bar_slot - 6)}" height="{_svg_num(h)}" '
            f'fill="{_PALETTE[0]}"><title>{hour:02d}:00\u2013{hour:02d}:59: {calls:,} '
            f"call{'' if calls == 1 else 's'}</title></rect>"
            f'<text class="label" x="{_svg_num(x + bar_slot / 2)}" y="{_svg_num(base + 16)}" '
            f'text-anchor="middle">{hour:02d}</text>'
        )
    parts.append(
        f'<text class="label" x="{_svg_num(left + plot_w / 2)}" y="{_svg_num(base + 36)}" '
        f'text-anchor="middle">hour of day</text></svg>'
    )
    return "".join(parts)


# -- tables ---------------------------------------------------------------------------


def _dimension_table(review: Review) -> str:
    scores = review.office
    rows = "".join(
        f'<tr><th scope="row">{_e(d.title)}</th><td class="num">{_num(d.weight)}</td>'
        f"{_score_cell(scores.dimensions.get(d.key))}</tr>"
        for d in review.dimensions
    )
    return (
        '<table class="dimensions"><caption>The office\'s scores</caption>'
        '<thead><tr><th scope="col">Dimension</th><th scope="col">Weight</th>'
        '<th scope="col">Score</th></tr></thead>'
        f'<tbody>{rows}</tbody><tfoot><tr><th scope="row">Overall</th><td></td>'
        f"{_score_cell(scores.overall)}</tr></tfoot></table>"
    )


def _metric_rows(review: Review, scores: Scores) -> str:
    titles = {d.key: d.title for d in review.dimensions}
    rows = []
    for metric in review.metrics:
        result = scores.metrics.get(metric.key)
        head = (
            f'<th scope="row"><span class="metric-title">{_e(metric.title)}</span>'
            f"<code>{_e(metric.key)}</code></th>"
            f"<td>{_e(titles.get(metric.dimension, metric.dimension))}</td>"
            f'<td class="num">{_BETTER[metric.better]} '
            f"{_e(_with_unit(metric.target, metric.unit))}</td>"
        )
        if result is None:
            rows.append(f'<tr>{head}<td class="na" colspan="3">not measured</td></tr>')
            continue
        value = "\u2013" if result.value is None else _e(_with_unit(result.value, metric.unit))
        if result.enough:
            rows.append(
                f'<tr>{head}<td class="num">{value}</td><td class="num">{_num(result.count)}</td>'
                f"{_score_cell(result.score)}</tr>"
            )
        else:
            rows.append(
                f'<tr class="thin">{head}<td class="num">{value}</td>'
                f'<td class="num">{_num(result.count)}</td>'
                f'<td class="na">too little data</td></tr>'
            )
    return "".join(rows)


def _metric_table(review: Review, scores: Scores, caption: str) -> str:
    return (
        f'<table class="metrics"><caption>{_e(caption)}</caption>'
        '<thead><tr><th scope="col">Metric</th><th scope="col">Dimension</th>'
        '<th scope="col">Target</th><th scope="col">Value</th><th scope="col">Count</th>'
        '<th scope="col">Score</th></tr></thead>'
        f"<tbody>{_metric_rows(review, scores)}</tbody></table>"
    )


_ACTION_TEXT = {
    "promote": "Promote",
    "raise": "Raise",
    "none": "No change",
    "insufficient_data": "Too little data",
}


def _recommendation(rec: Recommendation) -> str:
    reasons = "".join(f"<li>{_e(reason)}</li>" for reason in rec.reasons)
    return f'<span class="action {_e(rec.action)}">{_e(_ACTION_TEXT[rec.action])}</span>' + (
        f"<ul>{reasons}</ul>" if reasons else ""
    )


def _decision(decision: Decision | None) -> str:
    if decision is None:
        return '<span class="na">not decided</span>'
    parts = [
        f'<span class="action {_e(decision.action)}">{_e(_ACTION_TEXT[decision.action])}</span>'
    ]
    if decision.amount is not None:
        parts.append(f' <span class="amount">{_e(decision.amount)}</span>')
    decided = _time(decision.decided_at.isoformat())
    parts.append(f'<div class="by">by {_e(decision.decided_by)}, {decided}</div>')
    if decision.note:
        parts.append(f'<div class="note">{_e(decision.note)}</div>')
    return "".join(parts)


def _people_table(review: Review) -> str:
    if not review.people:
        return '<p class="empty">No member of staff worked in this period.</p>'
    head = "".join(f'<th scope="col">{_e(d.title)}</th>' for d in review.dimensions)
    rows = []
    for person in review.people:
        dims = "".join(_score_cell(person.scores.dimensions.get(d.key)) for d in review.dimensions)
        rows.append(
            f'<tr><th scope="row">{_e(person.name)}'
            f'<div class="roles">{_e(", ".join(person.roles))}</div></th>'
            f'<td class="num">{_num(person.hours)}</td>{_score_cell(person.scores.overall)}{dims}'
            f'<td class="reco">{_recommendation(person.recommendation)}</td>'
            f'<td class="decision">{_decision(person.decision)}</td></tr>'
        )
    return (
        '<div class="scroll"><table class="people">'
        "<caption>Scores, recommendations and decisions</caption>"
        '<thead><tr><th scope="col">Name</th><th scope="col">Hours</th>'
        f'<th scope="col">Overall</th>{head}<th scope="col">Recommendation</th>'
        f'<th scope="col">Decision</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _person_details(review: Review) -> str:
    parts = []
    for person in review.people:
        overall = "n/a" if person.scores.overall is None else f"{person.scores.overall:.1f}"
        parts.append(
            f"<details><summary>{_e(person.name)} \u2014 overall {overall}</summary>"
            f"{_metric_table(review, person.scores, f'Metrics of {person.name}')}</details>"
        )
    return "".join(parts)


def _evidence_value(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return _e({True: "yes", False: "no", None: "\u2013"}[value])
    if isinstance(value, int | float):
        return _num(float(value)) if math.isfinite(value) else _e(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{_e(k)}: {_evidence_value(value[k])}" for k in value)
        return items or "\u2013"
    if isinstance(value, list | tuple):
        return ", ".join(_evidence_value(v) for v in value) or "\u2013"
    return _e(value)


def _findings_table(review: Review) -> str:
    if not review.findings:
        return '<p class="empty">No findings: nothing stood out in this period.</p>'
    names = {p.staff_id: p.name for p in review.people}
    titles = {m.key: m.title for m in review.metrics}
    rows = []
    for finding in review.findings:
        who = (
            "Office"
            if finding.staff_id is None
            else names.get(finding.staff_id, f"staff #{finding.staff_id}")
        )
        metric = (
            "\u2013"
            if finding.metric is None
            else f"{_e(titles.get(finding.metric, finding.metric))}"
        )
        evidence = "".join(
            f'<div><span class="key">{_e(key)}</span> {_evidence_value(finding.evidence[key])}'
            "</div>"
            for key in finding.evidence
        )
        rows.append(
            f'<tr class="{_e(finding.severity)}"><td><span class="severity">'
            f"{_e(finding.severity)}</span></td><td>{_e(who)}</td><td>{metric}</td>"
            f'<td>{_e(finding.text)}</td><td class="evidence">{evidence}</td></tr>'
        )
    return (
        '<div class="scroll"><table class="findings"><caption>Findings and their evidence</caption>'
        '<thead><tr><th scope="col">Severity</th><th scope="col">Who</th>'
        '<th scope="col">Metric</th><th scope="col">Finding</th>'
        f'<th scope="col">Evidence</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


_CSS = """
:root{color-scheme:light;--ink:#1d232a;--muted:#5b6570;--line:#d9dee3;--bg:#fff;--band:#f5f7f9}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
header,main{max-width:1180px;margin:0 auto;padding:0 24px}
header{padding-top:24px;padding-bottom:8px;border-bottom:3px solid var(--ink)}
h1{font-size:1.6rem;margin:0 0 4px}
h2{font-size:1.2rem;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.meta{color:var(--muted);margin:0}
.meta span+span:before{content:"\\00a0\\00b7\\00a0"}
.big{font-size:2.4rem;font-weight:700;line-height:1}
.summary{display:flex;gap:32px;align-items:flex-start;flex-wrap:wrap;margin-top:16px}
.figure{overflow-x:auto}
svg.chart{max-width:100%;height:auto;font-size:12px;fill:var(--ink)}
svg.chart.wide{max-width:none}
svg .grid{stroke:var(--line);stroke-width:1}
svg .target{stroke:var(--muted);stroke-width:1;stroke-dasharray:5 4}
svg .tick,svg .label{fill:var(--muted)}
svg .na{fill:#b5bcc3}
svg .empty{fill:var(--muted);font-size:14px}
table{border-collapse:collapse;margin:8px 0 16px;min-width:40%}
caption{text-align:left;font-weight:600;padding:4px 0;color:var(--muted)}
th,td{border-bottom:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}
thead th{background:var(--band);font-weight:600}
.scroll{overflow-x:auto}
table.people{font-size:.9em}
table.people thead th{vertical-align:bottom}
td.reco{min-width:15em}td.decision{min-width:9em}
tbody th{font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.score.good{background:#e3f4e8}td.score.fair{background:#fdf3dc}td.score.poor{background:#fbe3e0}
.na{color:var(--muted);font-style:italic}
tr.thin td{color:var(--muted)}
code{font-size:.8em;color:var(--muted)}th code{display:block}
.roles,.by,.note{color:var(--muted);font-size:.85em;font-weight:400}
.action{font-weight:700}.action.promote{color:#0b6b2b}.action.raise{color:#0a4f8a}
ul{margin:2px 0 0;padding-left:18px;font-size:.9em}
tr.warning .severity{color:#a33a00;font-weight:700}
.evidence{font-size:.9em}.evidence .key{color:var(--muted)}
details{margin:6px 0}summary{cursor:pointer;font-weight:600}
footer{max-width:1180px;margin:32px auto;padding:0 24px;color:var(--muted);font-size:.85em}
@media print{details{display:block}.figure{overflow:visible}}
"""


def render_html(review: Review | Mapping[str, Any]) -> str:
    """Render a review as one self-contained HTML page.

    The page has the office's scores, a table per person (overall and dimension
    scores, recommendation, decision), every metric's value against its target
    (``too little data`` where there is not enough), the findings with their
    evidence, and three inline SVG charts: scores per person and dimension,
    scores over the reviews so far, and the calls by hour of day. It refers to no
    other resource and runs no script.

    Args:
        review: A [`Review`][officekit.plugins.reviews.review.Review], or its
            JSON document as ``review.to_json()`` returns it (schema
            ``officekit.review/1``), read with
            [`Review.from_json`][officekit.plugins.reviews.review.Review.from_json].

    Returns:
        The HTML document, the same for the same review.

    Raises:
        ValidationError: If ``review`` is a document not of that schema; the error
            names the key path (``review.people[2].hours``) and what is wrong there.
    """
    if not isinstance(review, Review):
        review = Review.from_json(review)
    scores = review.office
    overall = "n/a" if scores.overall is None else f"{scores.overall:.1f}"
    title = f"Front-office review: {review.office_name}, {review.start} to {review.end}"
    saved = "not saved" if review.review_id is None else f"review #{review.review_id}"
    thin = sum(1 for m in scores.metrics.values() if not m.enough)
    return "".join(
        [
            "<!DOCTYPE html>\n",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="officekit ({SCHEMA})">',
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
            "<header>",
            f"<h1>Front-office review \u2014 {_e(review.office_name)}</h1>",
            '<p class="meta">',
            f"<span><time>{_e(review.start)}</time> to <time>{_e(review.end)}</time></span>",
            f"<span>profile {_e(review.profile)}</span>",
            f"<span>office {_e(review.office_key)}</span>",
            f"<span>{_e(saved)}</span>",
            f"<span>generated {_time(review.generated_at.isoformat())}</span></p>",
            "</header><main>",
            '<section id="office"><h2>The office</h2><div class="summary">',
            '<div><div class="big">',
            f'{_e(overall)}</div><div class="meta">overall score of the office (0\u2013100; '
            "80 is on target)</div>",
            f'<p class="meta">{len(review.people)} member(s) of staff, '
            f"{len(review.metrics)} metrics"
            + (f", {thin} with too little data" if thin else "")
            + "</p></div>",
            _dimension_table(review),
            "</div></section>",
            '<section id="people"><h2>People</h2>',
            f'<div class="figure">{_scores_chart(review)}</div>',
            _people_table(review),
            "</section>",
            '<section id="trend"><h2>Trend</h2>',
            f'<div class="figure">{_trend_chart(review)}</div>',
            "</section>",
            '<section id="load"><h2>Call load by hour</h2>',
            f'<div class="figure">{_load_chart(review)}</div>',
            "</section>",
            '<section id="findings"><h2>Findings</h2>',
            _findings_table(review),
            "</section>",
            '<section id="metrics"><h2>Metrics</h2>',
            _metric_table(review, scores, "The office's metrics"),
            _person_details(review),
            "</section>",
            "</main><footer>Scores are 0\u2013100: 80 on target, 50 at twice as bad, 100 "
            "only at a perfect value. A metric with too little data scores nothing and is "
            "left out of its dimension. Made by officekit; the data is "
            f"<code>{_e(SCHEMA)}</code> JSON.</footer>",
            "</body></html>\n",
        ]
    )
