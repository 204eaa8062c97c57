"""The review's JSON schema and its HTML report (issue 13).

``build_review`` makes review dicts by hand (several people, nulls, a person
with too little data, unicode names, scores of 0 and 100, an empty trend or
no people), so these tests need no database; one test validates a real review
made from a short simulation once the analysis engine exists.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import importlib.resources
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from officekit.errors import OfficekitError, ValidationError
from officekit.plugins.reviews.html import render_html

DIMENSIONS = ("efficiency", "organisation", "professionalism", "accuracy", "teamwork")


def _schema() -> dict[str, Any]:
    text = (
        importlib.resources.files("officekit.plugins.reviews")
        .joinpath("review.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def _metric_result(
    value: float | None, count: float, score: float | None, enough: bool = True
) -> dict[str, Any]:
    return {"value": value, "count": count, "score": score, "enough": enough}


def _scores(overall: float | None, dims: dict[str, float | None], **metrics: Any) -> dict[str, Any]:
    return {
        "overall": overall,
        "dimensions": {key: dims.get(key) for key in DIMENSIONS},
        "metrics": {key.replace("__", "."): value for key, value in metrics.items()},
    }


def build_review(
    *,
    people: int = 4,
    trend: int = 3,
    findings: bool = True,
    load: list[int] | None = None,
) -> dict[str, Any]:
    """A review dict of schema ``officekit.review/1``, made by hand.

    Args:
        people: How many of the four sample people to include (0 to 4); more
            repeat them with new ids (for wide charts).
        trend: How many periods the trend has (0: empty; the last one is this review).
        findings: Whether to include findings.
        load: The calls of each hour (24 numbers); a working day's curve if None.
    """
    sample = [
        {
            "staff_id": 1,
            "name": "Anna Conti",
            "roles": ["receptionist"],
            "hours": 36.5,
            **_scores(
                100.0,
                dict.fromkeys(DIMENSIONS, 100.0),
                calls__handling_time=_metric_result(0.0, 120.0, 100.0),
                calls__misroutes=_metric_result(0.0, 50.0, 100.0),
            ),
            "recommendation": {
                "action": "promote",
                "reasons": ["overall 100.0 >= 85 over two periods", "accuracy 100.0 >= 90"],
            },
            "decision": {
                "action": "promote",
                "decided_by": "Dr Émile Durand",
                "decided_at": "2026-01-31T10:15:00+00:00",
                "note": "Team lead from March.",
                "amount": "1200.00",
            },
        },
        {
            "staff_id": 2,
            "name": "Zoë Łukasiewicz-Nakamura 中村",
            "roles": ["receptionist", "clerk"],
            "hours": 18.25,
            **_scores(
                0.0,
                {"efficiency": 0.0, "organisation": None, "accuracy": 12.5, "teamwork": 40.0},
                calls__handling_time=_metric_result(960.0, 40.0, 0.0),
                calls__misroutes=_metric_result(None, 2.0, None, enough=False),
            ),
            "recommendation": {"action": "none", "reasons": ["overall 0.0 < 60"]},
            "decision": None,
        },
        {
            "staff_id": 3,
            "name": "<script>alert('x')</script> & \"Bob\"",
            "roles": ["cashier"],
            "hours": 0.5,
            **_scores(
                None,
                {},
                calls__handling_time=_metric_result(None, 0.0, None, enough=False),
                calls__misroutes=_metric_result(None, 0.0, None, enough=False),
            ),
            "recommendation": {"action": "insufficient_data", "reasons": []},
            "decision": None,
        },
        {
            "staff_id": 4,
            "name": "Dana Okafor",
            "roles": ["clerk"],
            "hours": 30.0,
            **_scores(
                72.4,
                {
                    "efficiency": 70.1,
                    "organisation": 81.0,
                    "professionalism": 66.6,
                    "accuracy": 90.2,
                    "teamwork": None,
                },
                calls__handling_time=_metric_result(251.5, 80.0, 78.6),
                calls__misroutes=_metric_result(4.0, 25.0, 83.2),
            ),
            "recommendation": {"action": "raise", "reasons": ["overall 72.4 >= 70"]},
            "decision": {
                "action": "none",
                "decided_by": "Office manager",
                "decided_at": "2026-01-31T10:20:00+00:00",
                "note": None,
                "amount": None,
            },
        },
    ]
    chosen = []
    for i in range(people):
        person = copy.deepcopy(sample[i % len(sample)])
        person["staff_id"] = i + 1
        if i >= len(sample):
            person["name"] = f"{person['name']} {i + 1}"
        chosen.append(person)
    periods = []
    start = dt.date(2025, 11, 3)
    for i in range(trend):
        first = start + dt.timedelta(days=28 * i)
        last = first + dt.timedelta(days=25)
        dims: dict[str, float | None] = {
            key: min(100.0, round(60.0 + 5 * i + 3 * j, 1)) for j, key in enumerate(DIMENSIONS)
        }
        if i == 1:
            dims["teamwork"] = None  # breaks the teamwork line
        periods.append(
            {
                "review_id": None if i == trend - 1 else i + 1,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "overall": None if i == 0 and trend > 2 else min(100.0, 70.0 + 2 * i),
                "dimensions": dims,
            }
        )
    hours = (
        load if load is not None else [0] * 8 + [12, 30, 41, 38, 20, 25, 33, 29, 18, 6] + [0] * 6
    )
    return {
        "schema": "officekit.review/1",
        "review_id": 3,
        "office": {"key": "main", "name": "Riverside Surgery & Co <Ltd>", "profile": "medical"},
        "period": {"from": "2026-01-05", "to": "2026-01-30"},
        "generated_at": "2026-01-31T09:00:00+00:00",
        "dimensions": [
            {"key": key, "title": key.capitalize(), "weight": 2.0 if key == "accuracy" else 1.0}
            for key in DIMENSIONS
        ],
        "metrics": [
            {
                "key": "calls.handling_time",
                "dimension": "efficiency",
                "title": "Call handling time",
                "unit": "s",
                "better": "lower",
                "target": 240.0,
                "formula": "sum(handled_seconds of calls.complete) / count(calls.complete)",
                "operations": ["calls.complete"],
            },
            {
                "key": "calls.misroutes",
                "dimension": "accuracy",
                "title": "Calls misrouted",
                "unit": "%",
                "better": "lower",
                "target": 5.0,
                "formula": "100 * misrouted transfers / calls received",
                "operations": ["calls.transfer", "calls.receive"],
            },
        ],
        "office_scores": _scores(
            81.2,
            {
                "efficiency": 80.1,
                "organisation": 77.0,
                "professionalism": None,
                "accuracy": 88.8,
                "teamwork": 64.0,
            },
            calls__handling_time=_metric_result(200.0, 240.0, 83.0),
            calls__misroutes=_metric_result(3.5, 4.0, None, enough=False),
        ),
        "people": chosen,
        "findings": [
            {
                "staff_id": None,
                "metric": "calls.misroutes",
                "severity": "warning",
                "text": "Calls routed to billing are transferred elsewhere 14% of the time "
                "<b>really</b>",
                "evidence": {
                    "value": 14.0,
                    "target": 5.0,
                    "count": 50,
                    "breakdown": {"billing": 14.0, "<nurses>": 2.5},
                },
            },
            {
                "staff_id": 2,
                "metric": None,
                "severity": "info",
                "text": "Filing backlog grows on Mondays.",
                "evidence": {"value": None, "target": None, "count": 3, "breakdown": {}},
            },
        ]
        if findings
        else [],
        "trend": periods,
        "load_by_hour": [{"hour": h, "calls": n} for h, n in enumerate(hours)],
    }


# -- the JSON schema ------------------------------------------------------------------


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = _schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return validator


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"people": 0},
        {"trend": 0},
        {"trend": 1, "findings": False},
        {"people": 9, "trend": 8},
        {"load": [0] * 24},
    ],
)
def test_schema_accepts_reviews(kwargs: dict[str, Any]) -> None:
    _validator().validate(build_review(**kwargs))


def test_schema_is_draft_2020_12_and_versioned() -> None:
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"]["const"] == "officekit.review/1"


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("schema", "officekit.review/2"),
        ("review_id", "3"),
        ("office.name", _DELETE),
        ("office.colour", "blue"),
        ("period.from", "05/01/2026"),
        ("generated_at", "2026-01-31T09:00:00"),  # naive: not allowed
        ("dimensions.0.weight", "1"),
        ("metrics.0.better", "faster"),
        ("metrics.0.target", -1),
        ("office_scores.overall", 100.5),
        ("office_scores.overall", -0.1),
        ("office_scores.dimensions.efficiency", "80"),
        ("office_scores.metrics.calls.handling_time", {"value": 1.0, "count": 1.0}),
        ("people.0.staff_id", 1.5),
        ("people.0.hours", -1),
        ("people.0.recommendation.action", "fire"),
        ("people.0.decision.action", "insufficient_data"),
        ("people.0.decision.amount", 1200),
        ("people.1.decision", {"action": "raise"}),
        ("findings.0.severity", "critical"),
        ("trend.0.dimensions.efficiency", 101),
        ("load_by_hour.23", _DELETE),
        ("load_by_hour.3.hour", 24),
        ("load_by_hour.3.calls", -2),
    ],
)
def test_schema_rejects_wrong_reviews(path: str, value: Any) -> None:
    data = build_review()
    if path.startswith("office_scores.metrics."):
        data["office_scores"]["metrics"]["calls.handling_time"] = value
    elif path == "load_by_hour.23":
        data["load_by_hour"].pop()
    else:
        _set(data, path, value)
    errors = list(_validator().iter_errors(data))
    assert errors, f"the schema accepted {path} = {value!r}"


def test_schema_validates_a_real_review(tmp_path: Path) -> None:
    from officekit import ManualClock, Office
    from officekit.plugins import DEFAULT_PLUGINS

    if "officekit.plugins.reviews" not in DEFAULT_PLUGINS:
        pytest.skip("the analysis desk is not among the built-in plugins yet")
    from officekit.simulate import simulate

    clock = ManualClock(dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC))
    office = Office.open(f"sqlite:///{tmp_path / 'office.db'}", profile="medical", clock=clock)
    try:
        simulate(office, days=3, seed=1, clock=clock, start=dt.date(2026, 3, 2))
        review = office.reviews.analyze(dt.date(2026, 3, 2), dt.date(2026, 3, 4))
        data = review.to_json()
    finally:
        office.close()
    _validator().validate(data)
    assert data["people"], "a three-day simulation has staff"
    page = render_html(data)
    assert _Page.parse(page).svgs["load"].count("rect", "bar") == 24


# -- the HTML report ------------------------------------------------------------------


class _Svg:
    def __init__(self) -> None:
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.title = ""

    def count(self, tag: str, cls: str) -> int:
        return sum(
            1
            for name, attrs in self.elements
            if name == tag and cls in attrs.get("class", "").split()
        )


class _Page(HTMLParser):
    """What the tests look at in a page: svgs, attributes, text, the title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.svgs: dict[str, _Svg] = {}
        self.attributes: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self.lang: str | None = None
        self._svg: _Svg | None = None
        self._in: list[str] = []

    @classmethod
    def parse(cls, page: str) -> _Page:
        parser = cls()
        parser.feed(page)
        parser.close()
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        self.attributes.extend((tag, name, value) for name, value in values.items())
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "svg":
            assert self._svg is None, "nested svg"
            self._svg = _Svg()
            self.svgs[values["id"].removeprefix("chart-")] = self._svg
            assert values.get("role") == "img"
        if self._svg is not None:
            self._svg.elements.append((tag, values))
        self._in.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in and self._in[-1] == "title":
            if self._svg is not None and not self._svg.title:
                self._svg.title = data
            elif self._svg is None:
                self.title += data

    def all_text(self) -> str:
        return "".join(self.text)


def test_page_is_self_contained_and_accessible() -> None:
    page = render_html(build_review())
    parsed = _Page.parse(page)
    assert parsed.lang == "en"
    assert parsed.title.startswith("Front-office review: Riverside Surgery & Co <Ltd>")
    assert set(parsed.svgs) == {"scores", "trend", "load"}
    for name, svg in parsed.svgs.items():
        assert svg.title, f"the {name} chart has no <title>"
    assert "script" not in parsed.tags
    assert not {"img", "link", "iframe", "object", "embed"} & set(parsed.tags)
    for tag, name, value in parsed.attributes:
        assert not (name in {"src", "href", "xlink:href", "action"} and value), (tag, name, value)
        assert not name.startswith("on"), f"event handler {name} on <{tag}>"
    assert re.search(r"url\(", page) is None
    assert re.search(r"https?://", page) is None
    assert re.search(r"@import", page) is None


def test_charts_have_a_bar_or_point_per_value() -> None:
    data = build_review()
    parsed = _Page.parse(render_html(data))
    # scores: per person, the overall bar and one per dimension that has a score
    expected = sum(
        (p["overall"] is not None) + sum(v is not None for v in p["dimensions"].values())
        for p in data["people"]
    )
    scores = parsed.svgs["scores"]
    assert scores.count("rect", "bar") == expected == 6 + 4 + 0 + 5
    assert scores.count("rect", "na") == 4 * 6 - expected  # "too little data" markers
    assert scores.count("g", "legend") == 1
    ticks = [e for e in scores.elements if e[0] == "text" and "tick" in e[1].get("class", "")]
    assert len(ticks) == 6  # 0, 20, ..., 100
    # trend: three periods; the first has no overall, the second no teamwork
    trend = parsed.svgs["trend"]
    assert trend.count("circle", "point") == 3 * 6 - 2
    # the overall line starts at the second period; teamwork is broken into two single points
    assert trend.count("polyline", "line") == 5
    # load: always 24 bars, the tallest for the busiest hour
    load = parsed.svgs["load"]
    assert load.count("rect", "bar") == 24
    heights = [float(a["height"]) for t, a in load.elements if "bar" in a.get("class", "")]
    assert heights.index(max(heights)) == 10
    assert heights[0] == 0.0


def test_charts_are_well_formed_svg() -> None:
    # Each chart parses as XML on its own: it can be cut out and used as an .svg file.
    page = render_html(build_review(people=9, trend=8))
    charts = re.findall(r"<svg .*?</svg>", page, re.DOTALL)
    assert len(charts) == 3
    for chart in charts:
        root = ElementTree.fromstring(chart)
        assert root.tag == "svg"
        assert root.find("title") is not None and root.find("desc") is not None
        width, height = float(root.attrib["width"]), float(root.attrib["height"])
        assert root.attrib["viewBox"] == f"0 0 {root.attrib['width']} {root.attrib['height']}"
        for element in root.iter():
            for name in ("x", "y", "width", "height", "cx", "cy"):
                if name in element.attrib and element.tag != "svg":
                    value = float(element.attrib[name])
                    limit = width if name in ("x", "width", "cx") else height
                    assert -1 <= value <= limit + 1, (element.tag, name, value, limit)


def test_trend_of_one_period_draws_points_without_lines() -> None:
    parsed = _Page.parse(render_html(build_review(trend=1)))
    trend = parsed.svgs["trend"]
    assert trend.count("circle", "point") == 6
    assert trend.count("polyline", "line") == 0


def test_empty_trend_and_no_people_still_render() -> None:
    parsed = _Page.parse(render_html(build_review(people=0, trend=0, findings=False)))
    assert parsed.svgs["scores"].count("rect", "bar") == 0
    assert parsed.svgs["trend"].count("circle", "point") == 0
    text = parsed.all_text()
    assert "No staff in this review" in text
    assert "No reviews yet" in text
    assert "No findings" in text


def test_zero_load_draws_flat_bars() -> None:
    parsed = _Page.parse(render_html(build_review(load=[0] * 24)))
    load = parsed.svgs["load"]
    assert load.count("rect", "bar") == 24
    assert all(a["height"] == "0" for t, a in load.elements if "bar" in a.get("class", ""))


def test_strings_are_escaped() -> None:
    page = render_html(build_review())
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Bob&quot;" in page
    assert "<b>really</b>" not in page
    assert "<nurses>" not in page and "&lt;nurses&gt;" in page
    text = _Page.parse(page).all_text()
    assert "<script>alert('x')</script> & \"Bob\"" in text  # shown as written
    assert "Zoë Łukasiewicz-Nakamura 中村" in text
    assert "Dr Émile Durand" in text


def test_tables_show_scores_data_gaps_and_decisions() -> None:
    text = _Page.parse(render_html(build_review())).all_text()
    assert "81.2" in text  # the office's overall score
    assert "too little data" in text  # the office's misroutes, and Zoë's
    assert "100.0" in text and "0.0" in text
    assert "1200.00" in text and "Team lead from March." in text
    assert "not decided" in text
    assert "Too little data" in text  # the cashier's recommendation
    assert "overall 72.4 >= 70" in text
    assert "\u2264 240\u202fs" in text  # the target of handling time
    assert "billing: 14" in text  # a finding's breakdown
    assert "Filing backlog grows on Mondays." in text


def test_output_is_deterministic() -> None:
    assert render_html(build_review()) == render_html(build_review())
    assert render_html(build_review(people=9, trend=8)) == render_html(
        copy.deepcopy(build_review(people=9, trend=8))
    )


def test_page_renders_what_the_schema_accepts() -> None:
    # Nothing beyond the schema is needed: the smallest valid review renders.
    data = build_review(people=0, trend=0, findings=False)
    data["metrics"] = []
    data["office_scores"]["metrics"] = {}
    _validator().validate(data)
    assert "<svg" in render_html(data)


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("schema", "officekit.review/9", "review.schema"),
        ("people.1.hours", "18", "review.people[1].hours"),
        ("people.0.name", _DELETE, "review.people[0]"),
        ("people.0.recommendation.action", "fire", "review.people[0].recommendation.action"),
        ("office_scores.overall", 101.0, "review.office_scores.overall"),
        ("trend.0.dimensions.efficiency", float("nan"), "review.trend[0].dimensions.efficiency"),
        ("metrics.0.better", "faster", "review.metrics[0].better"),
        ("load_by_hour.5.hour", 6, "review.load_by_hour[5].hour"),
        ("findings", None, "review.findings"),
    ],
)
def test_bad_review_is_a_validation_error_naming_where(path: str, value: Any, where: str) -> None:
    data = build_review()
    _set(data, path, value)
    with pytest.raises(ValidationError) as info:
        render_html(data)
    assert isinstance(info.value, OfficekitError)
    assert info.value.problems[0].where == where


def test_not_a_mapping_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="review: expected an object, got an array"):
        render_html([])  # type: ignore[arg-type]


_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "h1", "h2",
    "p", "span", "div", "section", "time", "table", "caption", "thead", "tbody", "tfoot", "tr",
    "th", "td", "ul", "li", "code", "details", "summary", "svg", "desc", "g", "rect", "text",
    "line", "polyline", "circle",
}  # fmt: skip
_NAMES = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=24)
_SCORE = st.one_of(st.none(), st.floats(0, 100))


@given(
    people=st.lists(
        st.tuples(_NAMES, _SCORE, st.lists(_SCORE, min_size=5, max_size=5)), max_size=7
    ),
    trend=st.lists(st.tuples(_SCORE, st.lists(_SCORE, min_size=5, max_size=5)), max_size=6),
    load=st.lists(st.integers(0, 100_000), min_size=24, max_size=24),
)
def test_any_valid_review_renders_its_values_and_only_its_markup(
    people: list[tuple[str, float | None, list[float | None]]],
    trend: list[tuple[float | None, list[float | None]]],
    load: list[int],
) -> None:
    data = build_review(people=len(people), trend=len(trend), load=load)
    for person, (name, overall, dims) in zip(data["people"], people, strict=True):
        person.update(
            name=name, overall=overall, dimensions=dict(zip(DIMENSIONS, dims, strict=True))
        )
    for point, (overall, dims) in zip(data["trend"], trend, strict=True):
        point.update(overall=overall, dimensions=dict(zip(DIMENSIONS, dims, strict=True)))
    _validator().validate(data)
    page = _Page.parse(render_html(data))
    assert set(page.tags) <= _TAGS  # whatever the names, no markup of theirs
    text = page.all_text()
    assert all(name in text for name, _, _ in people)
    values = sum((o is not None) + sum(d is not None for d in ds) for _, o, ds in people)
    assert page.svgs["scores"].count("rect", "bar") == values
    points = sum((o is not None) + sum(d is not None for d in ds) for o, ds in trend)
    assert page.svgs["trend"].count("circle", "point") == points
    assert page.svgs["load"].count("rect", "bar") == 24
