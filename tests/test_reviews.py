"""The front-office analysis desk: metrics on hand-built event logs, scores, policy, permissions.

A small plugin, ``widgets``, brings two operations whose events the tests write
one by one with known details, and four metrics over them: a mean of a detail
value, an error rate credited to whoever made the faulty widget, a rate per hour
worked, and a share with conditions on the detail. The figures the analysis
gives are then checked against sums done by hand, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officekit import ManualClock, NotFoundError, Office, PermissionDenied, ValidationError
from officekit.core.operations import Operation
from officekit.errors import ConflictError, PluginError
from officekit.hookspecs import hookimpl
from officekit.plugins.reviews.analysis import recommend
from officekit.plugins.reviews.metrics import AT_TARGET, Metric, Tally, score
from officekit.plugins.reviews.review import Review, Scores
from officekit.plugins.reviews.settings import Policy, ReviewsSettings, Rule
from officekit.simulate import simulate

MONDAY = dt.date(2026, 3, 2)

PROFILE = """
extends = "medical"
name = "widgets"

[responsibilities.widgets]
description = "Make widgets and fix faulty ones."
operations = ["widget.make", "widget.fix"]
min_level = "trainee"

[roles.widget_maker]
title = "Widget maker"
department = "administration"
description = "Makes widgets."
responsibilities = ["front_office", "widgets", "feedback"]

[roles.lead_maker]
title = "Lead widget maker"
department = "administration"
description = "Makes widgets and teaches others."
responsibilities = ["front_office", "widgets"]

[roles.manager]
title = "Manager"
department = "administration"
description = "Runs the office."
responsibilities = ["front_office", "staff_reviews", "staff_decisions"]

[reviews]
weights = { accuracy = 2.0 }
finding_score = 60
min_hours = 1

[reviews.policy.promote]
overall = 85
periods = 2
minimum = { accuracy = 90 }

[reviews.policy.pay_raise]
overall = 70
"""

WIDGET_METRICS = (
    Metric(
        key="widgets.time",
        dimension="efficiency",
        title="Widget making time",
        unit="s",
        of=Tally("widget.make", value="seconds"),
        per=Tally("widget.make"),
        better="lower",
        target=30.0,
        min_count=2,
        formula="mean seconds per widget made",
        breakdown="kind",
    ),
    Metric(
        key="widgets.faults",
        dimension="accuracy",
        title="Faulty widgets",
        unit="%",
        of=Tally("widget.fix", credit="made_by"),
        per=Tally("widget.make"),
        better="lower",
        target=5.0,
        scale=100.0,
        min_count=2,
        formula="100 x widgets fixed / widgets made, credited to the maker",
    ),
    Metric(
        key="widgets.rate",
        dimension="teamwork",
        title="Widgets per hour",
        unit="/h",
        of=Tally("widget.make"),
        per="hours",
        better="higher",
        target=4.0,
        min_count=1,
        formula="widgets made per hour on shift",
    ),
    Metric(
        key="widgets.gold",
        dimension="organisation",
        title="Sound gold widgets",
        unit="%",
        of=Tally("widget.make", where={"kind": "gold", "faulty": False}),
        per=Tally("widget.make"),
        better="higher",
        target=50.0,
        scale=100.0,
        min_count=1,
        formula="100 x sound gold widgets / widgets made",
    ),
    Metric(
        key="widgets.share",
        dimension="efficiency",
        title="Widgets against one's share",
        unit="x",
        of=Tally("widget.make"),
        per="offered",
        better="higher",
        target=1.0,
        min_count=1,
        formula="widgets made / fair share of the widgets made while on shift",
    ),
    Metric(
        key="widgets.mentoring",
        dimension="teamwork",
        title="Widgets fixed for others per hour",
        unit="/h",
        of=Tally("widget.fix"),
        per="hours",
        better="higher",
        target=1.0,
        min_count=1,
        formula="widgets fixed / hours on shift, for lead makers only",
        applies=lambda profile, roles: "lead_maker" in roles,
    ),
)


class Widgets:
    """A third-party desk with its own operations and metrics."""

    def __init__(self) -> None:
        self.completed: list[Review] = []

    @hookimpl
    def officekit_register_operations(self) -> list[Operation]:
        return [Operation("widget.make", "Make a widget."), Operation("widget.fix", "Fix one.")]

    @hookimpl
    def officekit_register_metrics(self) -> list[Metric]:
        return list(WIDGET_METRICS)

    @hookimpl
    def officekit_review_completed(self, office: Office, review: Review) -> None:
        self.completed.append(review)


@pytest.fixture
def widgets() -> Widgets:
    return Widgets()


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "widgets"
    folder.mkdir()
    (folder / "profile.toml").write_text(PROFILE)
    return folder


@pytest.fixture
def shop(
    open_office: Callable[..., Office], profile_dir: Path, widgets: Widgets, clock: ManualClock
) -> Office:
    return open_office(profile_dir, plugins=[widgets])


def make(
    office: Office, who: Any, seconds: float, kind: str = "plain", faulty: bool = False
) -> int:
    with office.desk(who) as desk:
        _, event = desk.perform(
            "widget.make", detail={"seconds": seconds, "kind": kind, "faulty": faulty}
        )
    return event.seq


def fix(office: Office, who: Any, made_by: Any) -> None:
    with office.desk(who) as desk:
        desk.perform("widget.fix", detail={"made_by": made_by.id})


def shift(office: Office, clock: ManualClock, who: Any, hours: float) -> None:
    with office.desk(who) as desk:
        desk.start_shift()
    clock.advance(hours=hours)
    with office.desk(who) as desk:
        desk.end_shift()


def hire(office: Office, name: str, role: str = "widget_maker", years: float = 0) -> Any:
    return office.staff.hire(name, roles=[role], experience_years=years)


# -- known answers -------------------------------------------------------------------------


def test_hook_register_metrics(shop: Office, clock: ManualClock, widgets: Widgets) -> None:
    """A plugin's metrics (the widgets desk's), computed on a hand-built log with known answers."""
    ann, ben = hire(shop, "Ann Maker"), hire(shop, "Ben Maker")
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    with shop.desk(ann) as desk:
        desk.start_shift()
    with shop.desk(ben) as desk:
        desk.start_shift()
    make(shop, ann, 30, "gold")
    make(shop, ann, 50, "gold", faulty=True)
    make(shop, ann, 40, "plain")
    make(shop, ann, 40, "plain")
    make(shop, ben, 120, "gold")
    make(shop, ben, 80, "plain", faulty=True)
    fix(shop, ben, made_by=ann)  # Ann's error, fixed by Ben
    fix(shop, ann, made_by=ben)
    fix(shop, ann, made_by=ben)
    clock.set(dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC))  # Ann: 2 hours
    with shop.desk(ann) as desk:
        desk.end_shift()
    clock.set(dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC))  # Ben: 4 hours
    with shop.desk(ben) as desk:
        desk.end_shift()
    # Outside the period: the next day's widget does not count.
    clock.set(dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC))
    make(shop, ann, 1000)

    review = shop.reviews.analyze(MONDAY, MONDAY)
    a = review.person(ann).scores.metrics
    b = review.person(ben).scores.metrics
    assert a["widgets.time"].value == pytest.approx(40.0)  # (30 + 50 + 40 + 40) / 4
    assert a["widgets.time"].count == 4
    assert b["widgets.time"].value == pytest.approx(100.0)
    assert a["widgets.faults"].value == pytest.approx(25.0)  # 1 fix credited / 4 made
    assert b["widgets.faults"].value == pytest.approx(100.0)  # 2 / 2
    assert a["widgets.rate"].value == pytest.approx(2.0)  # 4 widgets / 2 hours
    assert b["widgets.rate"].value == pytest.approx(0.5)  # 2 / 4
    assert review.person(ann).hours == pytest.approx(2.0)
    assert a["widgets.gold"].value == pytest.approx(25.0)  # one sound gold of 4
    assert b["widgets.gold"].value == pytest.approx(50.0)
    office = review.office.metrics
    assert office["widgets.time"].value == pytest.approx(360 / 6)
    assert office["widgets.faults"].value == pytest.approx(50.0)
    assert office["widgets.rate"].value == pytest.approx(1.0)  # 6 widgets / 6 hours
    # Scores follow from the values and targets only.
    assert a["widgets.time"].score == pytest.approx(score(40.0, 30.0, "lower"))
    # Both made widgets 9-10 while both were on shift: 6 widgets, a share of 3 each.
    assert a["widgets.share"].value == pytest.approx(4 / 3)
    assert b["widgets.share"].value == pytest.approx(2 / 3)
    assert review.person(ann).scores.dimensions["efficiency"] == pytest.approx(
        (score(40.0, 30.0, "lower") + score(4 / 3, 1.0, "higher")) / 2
    )
    # The breakdown of a metric scoring low names its worst part first.
    slow = [f for f in review.findings if f.staff_id is None and f.metric == "widgets.time"]
    assert slow and slow[0].evidence["breakdown"] == pytest.approx(
        {"gold": 200 / 3, "plain": 160 / 3}
    )
    assert "the worst: gold 66.7s, plain 53.3s" in slow[0].text
    mine = {f.metric for f in review.findings if f.staff_id == ben.id}
    assert {"widgets.time", "widgets.faults"} <= mine
    assert widgets.completed == []  # not saved: no hook


def test_too_little_data_is_said_not_scored(shop: Office, clock: ManualClock) -> None:
    ann = hire(shop, "Ann Maker")
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    shift(shop, clock, ann, 0.5)
    make(shop, ann, 30)
    review = shop.reviews.analyze(MONDAY, MONDAY)
    person = review.person(ann)
    assert person.scores.metrics["widgets.time"] == person.scores.metrics["widgets.time"]
    result = person.scores.metrics["widgets.time"]
    assert result.value == pytest.approx(30.0) and not result.enough and result.score is None
    assert person.scores.overall is None  # fewer hours than min_hours
    assert person.recommendation.action == "insufficient_data"
    assert "0.5 h" in person.recommendation.reasons[0]


def test_an_empty_period_reports_too_little_data(shop: Office) -> None:
    hire(shop, "Ann Maker")
    review = shop.reviews.analyze(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    assert review.people == ()
    assert review.office.overall is None
    assert all(v is None for v in review.office.dimensions.values())
    assert all(not r.enough and r.score is None for r in review.office.metrics.values())
    assert review.findings == ()
    assert sum(review.load_by_hour) == 0 and len(review.load_by_hour) == 24


def test_work_never_offered_is_not_measured(shop: Office, clock: ManualClock) -> None:
    ann = hire(shop, "Ann Maker")
    boss = hire(shop, "Bea Boss", "manager", years=10)
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    shift(shop, clock, boss, 3)
    shift(shop, clock, ann, 3)
    review = shop.reviews.analyze(MONDAY, MONDAY)
    # Nobody lets the manager make widgets: no widget rate of 0 held against her.
    assert review.person(boss).scores.metrics["widgets.rate"].value is None
    assert review.person(ann).scores.metrics["widgets.rate"].value == 0.0
    # The office's rate counts the hours of those whose work it is.
    assert review.office.metrics["widgets.rate"].count == pytest.approx(3.0)


# -- scores --------------------------------------------------------------------------------


@given(
    target=st.floats(0.01, 1e6),
    a=st.floats(0, 1e7, allow_nan=False),
    b=st.floats(0, 1e7, allow_nan=False),
    better=st.sampled_from(["lower", "higher"]),
)
def test_scores_stay_in_range_and_never_reward_worse(
    target: float, a: float, b: float, better: Any
) -> None:
    sa_, sb = score(a, target, better), score(b, target, better)
    assert 0.0 <= sa_ <= 100.0 and 0.0 <= sb <= 100.0
    worse_a = a > b if better == "lower" else a < b
    if worse_a:
        assert sa_ <= sb


def test_score_on_target() -> None:
    assert score(60, 60, "lower") == pytest.approx(AT_TARGET)
    assert score(60, 60, "higher") == pytest.approx(AT_TARGET)
    assert score(0, 60, "lower") == 100.0
    assert score(0, 60, "higher") == 0.0


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extra=st.integers(0, 6), base_faults=st.integers(0, 3))
def test_more_errors_never_raise_accuracy(
    sqlite_url: str, profile_dir: Path, extra: int, base_faults: int, tmp_path_factory: Any
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('acc') / 'o.db'}"
    clock = ManualClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    with Office.open(url, profile=profile_dir, clock=clock, plugins=[Widgets()]) as office:
        ann, ben = hire(office, "Ann Maker"), hire(office, "Ben Maker")
        for _ in range(8):
            make(office, ann, 40)
        for _ in range(base_faults):
            fix(office, ben, made_by=ann)
        before = office.reviews.analyze(MONDAY, MONDAY).person(ann).scores
        for _ in range(extra):
            fix(office, ben, made_by=ann)
        after = office.reviews.analyze(MONDAY, MONDAY).person(ann).scores
    assert before.dimensions["accuracy"] is not None and after.dimensions["accuracy"] is not None
    assert after.dimensions["accuracy"] <= before.dimensions["accuracy"]
    if before.overall is not None and after.overall is not None:
        assert after.overall <= before.overall


# -- policy --------------------------------------------------------------------------------


def _person(overall: float | None, accuracy: float | None) -> Scores:
    return Scores(overall, {"accuracy": accuracy, "efficiency": overall}, {})


POLICY = ReviewsSettings(
    policy=Policy(
        promote=Rule(overall=85, periods=2, minimum={"accuracy": 90}),
        pay_raise=Rule(overall=70, periods=1),
    ),
    min_hours=4,
)


@pytest.mark.parametrize(
    ("now", "earlier", "expected"),
    [
        (_person(90, 95), [88.0], "promote"),
        (_person(90, 95), [80.0], "raise"),  # not two consecutive periods
        (_person(90, 95), [], "raise"),  # no earlier review
        (_person(90, 85), [90.0], "raise"),  # accuracy below the minimum
        (_person(90, None), [90.0], "raise"),  # accuracy with too little data
        (_person(72, 95), [90.0], "raise"),
        (_person(60, 95), [90.0], "none"),
        (_person(None, None), [90.0], "insufficient_data"),
    ],
)
def test_policy(now: Scores, earlier: list[float], expected: str) -> None:
    rec = recommend(now, earlier, POLICY, hours=30)
    assert rec.action == expected
    assert rec.reasons


def test_too_few_hours_gives_no_recommendation() -> None:
    rec = recommend(_person(None, 95), [], POLICY, hours=2)
    assert rec.action == "insufficient_data" and "2.0 h" in rec.reasons[0]


def test_hook_review_completed(shop: Office, clock: ManualClock, widgets: Widgets) -> None:
    ann = hire(shop, "Ann Maker")
    for week in range(2):
        monday = MONDAY + dt.timedelta(days=7 * week)
        clock.set(dt.datetime.combine(monday, dt.time(9), dt.UTC))
        with shop.desk(ann) as desk:
            desk.start_shift()
        for _ in range(12):
            make(shop, ann, 20, "gold")
        clock.advance(hours=2)
        with shop.desk(ann) as desk:
            desk.end_shift()
        review = shop.reviews.analyze(monday, monday + dt.timedelta(days=4), save=True)
    first, second = widgets.completed
    assert first.person(ann).recommendation.action == "raise"  # one period only
    assert second.person(ann).recommendation.action == "promote"
    assert second.person(ann).scores.overall is not None
    assert [t.review_id for t in review.trend] == [first.review_id, second.review_id]
    assert [r.review_id for r in shop.reviews.history()] == [second.review_id, first.review_id]


# -- saving, reading, permissions ---------------------------------------------------------


def test_saving_again_replaces_the_period(shop: Office, widgets: Widgets) -> None:
    ann = hire(shop, "Ann Maker")
    make(shop, ann, 10)
    one = shop.reviews.analyze(MONDAY, MONDAY, save=True)
    make(shop, ann, 30)
    two = shop.reviews.analyze(MONDAY, MONDAY, save=True)
    assert one.review_id == two.review_id
    assert shop.reviews.get(two.review_id).person(ann).scores.metrics[
        "widgets.time"
    ].value == pytest.approx(20.0)
    records = [e for e in shop.events() if e.operation == "reviews.record"]
    assert [e.detail["replaced"] for e in records] == [False, True]
    assert len(widgets.completed) == 2


def test_who_sees_what(shop: Office, clock: ManualClock) -> None:
    ann, ben = hire(shop, "Ann Maker"), hire(shop, "Ben Maker")
    boss = hire(shop, "Bea Boss", "manager", years=10)
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    for who in (ann, ben):
        shift(shop, clock, who, 2)
        make(shop, who, 40)
        make(shop, who, 40)
    with shop.desk(ann) as desk, pytest.raises(PermissionDenied):
        desk.reviews.analyze(MONDAY, MONDAY)
    assert shop.events(limit=1)[0].outcome == "denied"
    with shop.desk(boss) as desk:
        review = desk.reviews.analyze(MONDAY, MONDAY)
        assert {p.name for p in review.people} == {"Ann Maker", "Ben Maker"}
        desk.reviews.decide(review.review_id, ben, "raise", amount="1200", note="steady")
        with pytest.raises(ConflictError):
            desk.reviews.decide(review.review_id, ben, "none")
    rid = review.review_id
    assert rid is not None
    with shop.desk(ann) as desk:
        mine = desk.reviews.get(rid)
        assert [p.name for p in mine.people] == ["Ann Maker"]
        assert all(f.staff_id in (None, ann.id) for f in mine.findings)
        with pytest.raises(PermissionDenied):
            desk.reviews.explain(ben, "widgets.time", MONDAY, MONDAY)
        own = desk.reviews.explain(ann, "widgets.time", MONDAY, MONDAY)
        assert own.target == 30.0
        assert own.of == pytest.approx(80.0) and own.per == 2
        with pytest.raises(PermissionDenied):
            desk.reviews.decide(rid, ann, "promote")
    with shop.desk(ben) as desk:
        decision = desk.reviews.get(rid).person(ben).decision
        assert decision is not None and decision.action == "raise"
        assert decision.amount is None  # amounts only for those who decide
    with shop.desk(boss) as desk:
        seen = desk.reviews.get(rid).person(ben).decision
        assert seen is not None and seen.amount == "1200.00" and seen.decided_by == "Bea Boss"
    decide = next(e for e in shop.events() if e.operation == "reviews.decide")
    # Who decided for whom, not what: the decision is in its table, out of the log.
    assert decide.detail == {"review_id": rid, "staff_id": ben.id, "amount": True}
    assert "1200" not in json.dumps(dict(decide.detail))
    views = [(e.actor_name, e.outcome) for e in shop.events() if e.operation == "reviews.view"]
    # Ann's refused look at Ben's figure, then the manager's reading.
    assert views == [("Ann Maker", "denied"), ("Bea Boss", "ok")]


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"action": "fire"}, "action"),
        ({"action": "raise", "amount": "12.345"}, "amount"),
        ({"action": "raise", "amount": "-5"}, "amount"),
        ({"action": "none", "amount": "100"}, "amount"),
        ({"action": "raise", "note": "a\x00b"}, "note"),
    ],
)
def test_bad_decisions(shop: Office, kwargs: dict[str, Any], where: str) -> None:
    ann = hire(shop, "Ann Maker")
    boss = hire(shop, "Bea Boss", "manager", years=10)
    make(shop, ann, 40)
    rid = shop.reviews.analyze(MONDAY, MONDAY, save=True).review_id
    before = len(shop.events())
    with shop.desk(boss) as desk, pytest.raises(ValidationError) as info:
        desk.reviews.decide(rid, ann, **kwargs)
    assert info.value.problems[0].where == where
    assert len(shop.events()) == before


def test_explain_lists_the_events_behind_a_figure(shop: Office, clock: ManualClock) -> None:
    ann, ben = hire(shop, "Ann Maker"), hire(shop, "Ben Maker")
    seqs = [make(shop, ann, s) for s in (10, 20, 30)]
    fix(shop, ben, made_by=ann)
    exp = shop.reviews.explain(ann, "widgets.faults", MONDAY, MONDAY)
    assert (exp.of, exp.per) == (1.0, 3.0)
    assert exp.result.value == pytest.approx(100 / 3)
    assert [e.seq for e in exp.events if e.counts_in == "per"] == seqs
    assert [e.operation for e in exp.events if e.counts_in == "of"] == ["widget.fix"]
    short = shop.reviews.explain(ann, "widgets.time", MONDAY, MONDAY, limit=1)
    assert len(short.events) == 1 and short.more == 2 and short.of == 60.0
    office = shop.reviews.explain(None, "widgets.time", MONDAY, MONDAY)
    assert office.per == 3.0
    with pytest.raises(ValidationError) as info:
        shop.reviews.explain(ann, "widgets.nothing", MONDAY, MONDAY)
    assert info.value.problems[0].where == "metric"


# -- feedback ------------------------------------------------------------------------------


def test_feedback_is_recorded_without_the_comment_in_the_log(shop: Office) -> None:
    ann, ben = hire(shop, "Ann Maker"), hire(shop, "Ben Maker")
    call = shop.calls.receive("+441234567890", reason="a question")
    with shop.desk(ben) as desk:
        fid = desk.reviews.feedback(
            "survey:4", 5, served_by=ann, comment="Lovely, thank you Ann (0777 123)"
        )
    shop.reviews.record_feedback(f"call:{call.id}", 1, served_by=ann.id)
    last = shop.events()[-2:]
    assert [e.operation for e in last] == ["feedback.record", "feedback.receive"]
    assert last[0].detail == {
        "about": "survey",
        "score": 5,
        "staff_id": ann.id,
        "complaint": False,
        "feedback_id": fid,
    }
    assert last[1].detail["complaint"] is True  # a score of 1 is a complaint
    assert "0777" not in json.dumps([dict(e.detail) for e in last])
    review = shop.reviews.analyze(MONDAY, MONDAY)
    assert review.person(ann).scores.metrics["feedback.score"].value == pytest.approx(3.0)


BAD_FEEDBACK = st.one_of(
    st.fixed_dictionaries(
        {
            "subject": st.one_of(
                st.integers(), st.none(), st.just(""), st.just("call"), st.just("Call:1"),
                st.just("call: 1"), st.text(max_size=3).filter(lambda t: ":" not in t),
            ),
            "score": st.just(3),
        }
    ),
    st.fixed_dictionaries(
        {
            "subject": st.just("call:1"),
            "score": st.one_of(
                st.integers(max_value=0), st.integers(min_value=6), st.floats(), st.text(),
                st.booleans(), st.none(),
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "subject": st.just("call:1"),
            "score": st.just(3),
            "complaint": st.one_of(st.integers(2, 9), st.text(min_size=1)),
        }
    ),
    st.fixed_dictionaries(
        {
            "subject": st.just("call:1"),
            "score": st.just(3),
            "comment": st.integers() | st.just("a\x07"),
        }
    ),
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=BAD_FEEDBACK)
def test_bad_feedback_is_refused_and_changes_nothing(shop: Office, args: dict[str, Any]) -> None:
    ann = shop.staff.find("Ann Maker") or hire(shop, "Ann Maker")
    before = len(shop.events())
    subject, score_ = args.pop("subject"), args.pop("score")
    with shop.desk(ann) as desk, pytest.raises(ValidationError) as info:
        desk.reviews.feedback(subject, score_, **args)
    assert info.value.problems[0].where in ("subject", "score", "complaint", "comment")
    assert len(shop.events()) == before


def test_feedback_for_nobody_known(shop: Office) -> None:
    call = shop.calls.receive("+441234567890", reason="a question")
    with pytest.raises(NotFoundError, match="9999"):
        shop.reviews.record_feedback(f"call:{call.id}", 4, served_by=9999)


@pytest.mark.parametrize(
    ("subject", "error", "says"),
    [
        ("call:999999", NotFoundError, "no call 999999"),
        ("visit:5", NotFoundError, "no visit 5"),
        ("appointment:99", NotFoundError, "no appointment '99'"),
        ("appointment:x@officekit", NotFoundError, "no appointment 'x@officekit'"),
        ("call:0", ValidationError, "subject: a call's id is a whole number"),
        ("visit:2147483648", ValidationError, "subject: a visit's id"),
        ("call:\u00b2", ValidationError, "subject: a call's id"),
    ],
)
def test_feedback_about_a_call_visit_or_appointment_that_does_not_exist_is_refused(
    shop: Office, subject: str, error: type[Exception], says: str
) -> None:
    before = len(shop.events())
    for served_by in (None, hire(shop, f"Sam {len(subject)}{subject[-1]}")):
        with pytest.raises(error, match=says):
            shop.reviews.record_feedback(subject, 2, served_by=served_by)
    assert len(shop.events()) == before + 1  # the hire only


def test_hook_feedback_served_by(office: Office) -> None:
    """The receptionist's desk says who handled a call (``officekit_feedback_served_by``)."""
    ann = office.staff.hire("Ann Desk", roles=["receptionist"])
    with office.desk(ann) as desk:
        desk.start_shift()
    call = office.calls.receive("+441234567890", reason="book an appointment")
    with office.desk(ann) as desk:
        desk.calls.answer(call.id)
        desk.calls.complete(call.id)
    office.reviews.record_feedback(f"call:{call.id}", 4)
    assert office.events()[-1].detail["staff_id"] == ann.id
    office.reviews.record_feedback("parcel:3", 4)  # no desk knows parcels
    assert office.events()[-1].detail["staff_id"] is None


# -- the profile's section, plugins' metrics ----------------------------------------------


def test_a_target_for_an_unknown_metric(open_office: Callable[..., Office], tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        'extends = "medical"\nname = "p"\n[reviews]\ntargets = { "calls.nothing" = 3 }\n'
    )
    office = open_office(folder)
    with pytest.raises(ValidationError) as info:
        office.reviews.analyze(MONDAY, MONDAY)
    assert info.value.problems[0].where == "[reviews] targets.calls.nothing"


@pytest.mark.parametrize(
    ("section", "where"),
    [
        ("weights = { accuracy = -1.0 }", "weights"),
        ('weights = { "Bad Key" = 1.0 }', "weights"),
        ("finding_score = 150", "finding_score"),
        ("min_hours = -2", "min_hours"),
        ("[reviews.policy.promote]\noverall = 120", "overall"),
        ("[reviews.policy.pay_raise]\noverall = 50\nperiods = 0", "periods"),
    ],
)
def test_bad_reviews_sections(tmp_path: Path, section: str, where: str) -> None:
    from officekit import check_profile

    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.toml").write_text(f'extends = "medical"\nname = "p"\n[reviews]\n{section}\n')
    problems = check_profile(folder)
    assert problems, section
    assert any(where in p.where and "reviews" in p.where for p in problems), problems


def test_profile_targets_replace_defaults(
    open_office: Callable[..., Office], tmp_path: Path, widgets: Widgets
) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.toml").write_text(PROFILE.replace('name = "widgets"', 'name = "p"') + "\n")
    text = (
        (folder / "profile.toml")
        .read_text()
        .replace("[reviews]\n", '[reviews]\ntargets = { "widgets.time" = 10 }\n', 1)
    )
    (folder / "profile.toml").write_text(text)
    office = open_office(folder, plugins=[widgets])
    assert office.reviews.catalogue.metric("widgets.time").target == 10.0
    review = office.reviews.analyze(MONDAY, MONDAY)
    assert {m.key: m.target for m in review.metrics}["widgets.time"] == 10.0


def test_metrics_are_checked_when_registered() -> None:
    with pytest.raises(PluginError):
        Tally(())
    with pytest.raises(PluginError):
        Tally("widget.make", where={"kind": 1.5})  # type: ignore[dict-item]
    with pytest.raises(PluginError):
        Tally("widget.make", value="Bad-Key")
    with pytest.raises(PluginError):
        Metric("Bad Key", "efficiency", "t", "s", Tally("a.b"), "hours", "lower", 1.0)
    with pytest.raises(PluginError):
        Metric("a.b", "efficiency", "t", "s", Tally("a.b"), "days", "lower", 1.0)  # type: ignore[arg-type]
    with pytest.raises(PluginError):
        Metric("a.b", "efficiency", "t", "s", Tally("a.b"), "hours", "sideways", 1.0)  # type: ignore[arg-type]
    with pytest.raises(PluginError):
        Metric("a.b", "efficiency", "t", "s", Tally("a.b"), "hours", "lower", float("nan"))


class Clashing:
    @hookimpl
    def officekit_register_metrics(self) -> list[Metric]:
        return [
            Metric(
                "widgets.other", "accuracy", "t", "%", Tally("widget.fix", credit="someone"),
                Tally("widget.make"), "lower", 1.0,
            )
        ]  # fmt: skip


def test_one_operation_credits_one_key(
    open_office: Callable[..., Office], profile_dir: Path, widgets: Widgets
) -> None:
    office = open_office(profile_dir, plugins=[widgets, Clashing()])
    with pytest.raises(PluginError, match="different detail keys"):
        office.reviews.analyze(MONDAY, MONDAY)


def test_one_query_reads_the_log_once(shop: Office, clock: ManualClock) -> None:
    ann = hire(shop, "Ann Maker")
    make(shop, ann, 40)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(shop.engine, "before_cursor_execute", seen)
    try:
        shop.reviews.analyze(MONDAY, MONDAY)
    finally:
        sa.event.remove(shop.engine, "before_cursor_execute", seen)
    scans = [s for s in statements if "FROM events" in s and "GROUP BY" in s]
    # The metrics' tallies, the hours worked, the load by hour (and a breakdown per
    # metric found wanting): never a query per metric or per person.
    assert len(scans) <= 3 + sum(1 for m in shop.reviews.catalogue.metrics if m.breakdown)
    tallies = [s for s in scans if "credited" in s]
    assert len(tallies) == 1


def test_review_json_round_trips(shop: Office, clock: ManualClock) -> None:
    ann = hire(shop, "Ann Maker")
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    shift(shop, clock, ann, 2)
    make(shop, ann, 40)
    review = shop.reviews.analyze(MONDAY, MONDAY, save=True)
    doc = review.to_json()
    assert json.loads(json.dumps(doc)) == doc
    assert Review.from_json(doc) == review
    with pytest.raises(ValidationError):
        Review.from_json({"schema": "something/else"})
    with pytest.raises(ValidationError):
        Review.from_json({**doc, "people": [{"name": "x"}]})
    # the HTML report reads the same review, whether given the object or its JSON
    from officekit.plugins.reviews.html import render_html

    assert render_html(review) == render_html(doc)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"people": [{"name": "x"}]}, "review.people[0]"),
        ({"period": {"from": "2026-02-30", "to": "2026-03-02"}}, "review.period.from"),
        ({"generated_at": "2026-03-02T09:00:00"}, "review.generated_at"),
        ({"dimensions": [{"key": "speed", "title": "Speed", "weight": "1"}]},
         "review.dimensions[0].weight"),
        ({"trend": [{"from": "2026-03-02", "to": 5, "overall": None, "dimensions": {}}]},
         "review.trend[0].to"),
        ({"load_by_hour": []}, "review.load_by_hour"),
    ],
)  # fmt: skip
def test_a_malformed_review_document_names_its_key_path(
    shop: Office, change: dict[str, Any], where: str
) -> None:
    doc = shop.reviews.analyze(MONDAY, MONDAY).to_json()
    with pytest.raises(ValidationError) as info:
        Review.from_json({**doc, **change})
    assert info.value.problems[0].where == where


def test_a_score_past_100_by_rounding_is_read_and_a_huge_number_refused(shop: Office) -> None:
    doc = shop.reviews.analyze(MONDAY, MONDAY).to_json()
    doc["office_scores"]["overall"] = 100.00000000000001  # saved before scores were clamped
    assert Review.from_json(doc).office.overall == pytest.approx(100.0)
    for path in ("weight", "overall"):
        bad = json.loads(json.dumps(doc))
        if path == "overall":
            bad["office_scores"]["overall"] = 10**400
        else:
            bad["dimensions"][0]["weight"] = 10**400
        with pytest.raises(ValidationError, match="finite number"):
            Review.from_json(bad)


def test_a_weighted_mean_of_perfect_scores_is_100_not_more() -> None:
    from officekit.plugins.reviews.analysis import _mean

    assert _mean([(100.0, 0.69)]) == 100.0
    assert _mean([(100.0, 0.15), (100.0, 0.15), (100.0, 3.3)]) == 100.0
    assert _mean([(0.0, 0.7), (0.0, 0.1)]) == 0.0


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(sorted(_DOC_KEYS := (
    "schema", "review_id", "office", "period", "generated_at", "dimensions", "metrics",
    "office_scores", "people", "findings", "trend", "load_by_hour",
))), value=_JSON)  # fmt: skip
def test_any_wrong_value_in_a_review_document_is_a_validation_error(
    shop: Office, key: str, value: Any
) -> None:
    doc = shop.reviews.analyze(MONDAY, MONDAY).to_json()
    problem: str | None = None
    try:
        read = Review.from_json({**doc, key: value})
    except ValidationError as exc:
        problem = exc.problems[0].where
    if problem is not None:
        assert problem.startswith("review")
    else:  # the value was a valid one (a null review id, an empty list...)
        assert read.to_json()[key] == value


@pytest.mark.parametrize(
    ("start", "end", "where"),
    [
        ("2026-03-02", MONDAY, "start"),
        (MONDAY, dt.datetime(2026, 3, 3), "end"),
        (dt.date(2026, 3, 5), MONDAY, "end"),
        (MONDAY, dt.date(2099, 1, 1), "end"),
    ],
)
def test_bad_periods(shop: Office, start: Any, end: Any, where: str) -> None:
    with pytest.raises(ValidationError) as info:
        shop.reviews.analyze(start, end, save=True)
    assert info.value.problems[0].where == where
    assert shop.reviews.history() == []


# -- fairness: work offered, and metrics that apply to some --------------------------------


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


def test_a_quiet_morning_is_measured_against_its_own_work(shop: Office, clock: ManualClock) -> None:
    """Ann works quiet mornings, Ben busy afternoons: each did all the work of their hours."""
    ann, ben = hire(shop, "Ann Maker"), hire(shop, "Ben Maker")
    clock.set(at(9))
    with shop.desk(ann) as desk:
        desk.start_shift()
    for minute in (10, 50):
        clock.set(at(10, minute))
        make(shop, ann, 40)
    clock.set(at(11))
    with shop.desk(ann) as desk:
        desk.end_shift()
    clock.set(at(13))
    with shop.desk(ben) as desk:
        desk.start_shift()
    for i in range(8):
        clock.set(at(13 + i // 2, 10 + 20 * (i % 2)))
        make(shop, ben, 40)
    clock.set(at(17))
    with shop.desk(ben) as desk:
        desk.end_shift()
    review = shop.reviews.analyze(MONDAY, MONDAY)
    a = review.person(ann).scores.metrics
    b = review.person(ben).scores.metrics
    # Per hour worked they differ (1/h and 2/h); against the work offered both did
    # their whole share.
    assert a["widgets.rate"].value == pytest.approx(1.0)
    assert b["widgets.rate"].value == pytest.approx(2.0)
    assert (a["widgets.share"].value, a["widgets.share"].count) == (pytest.approx(1.0), 2)
    assert (b["widgets.share"].value, b["widgets.share"].count) == (pytest.approx(1.0), 8)
    assert a["widgets.share"].score == b["widgets.share"].score


def test_shared_hours_split_the_work_by_time_on_shift(shop: Office, clock: ManualClock) -> None:
    ann, ben = hire(shop, "Ann Maker"), hire(shop, "Ben Maker")
    clock.set(at(9))
    for who in (ann, ben):
        with shop.desk(who) as desk:
            desk.start_shift()
    clock.set(at(9, 30))
    for who in (ann, ann, ann, ben):
        make(shop, who, 40)
    clock.set(at(10))
    for who in (ann, ben):
        with shop.desk(who) as desk:
            desk.end_shift()
    review = shop.reviews.analyze(MONDAY, MONDAY)
    assert review.person(ann).scores.metrics["widgets.share"].value == pytest.approx(1.5)
    assert review.person(ben).scores.metrics["widgets.share"].value == pytest.approx(0.5)
    assert review.office.metrics["widgets.share"].value == pytest.approx(1.0)
    explained = shop.reviews.explain(ben, "widgets.share", MONDAY, MONDAY)
    assert (explained.of, explained.per) == (1.0, pytest.approx(2.0))


def test_presence_is_cut_at_the_hours() -> None:
    from officekit.plugins.reviews.analysis import local_hour, presence

    nine = local_hour(at(9), dt.UTC)
    hours, present = presence([(1, at(9, 30), at(11, 15))], dt.UTC)
    assert hours == {1: 1.75}
    assert present == {1: {nine: 1800.0, nine + 1: 3600.0, nine + 2: 900.0}}
    # Office time: 09:30 UTC is 10:30 in Paris in March (UTC+1).
    from zoneinfo import ZoneInfo

    paris_tz = ZoneInfo("Europe/Paris")
    _, paris = presence([(1, at(9, 30), at(10, 0))], paris_tz)
    assert paris == {1: {nine + 1: 1800.0}}
    assert local_hour(at(9, 30), paris_tz) == nine + 1


def test_work_of_another_week_is_not_ones_share(shop: Office, clock: ManualClock) -> None:
    """Ann works one Monday morning, Ben the next: Ann's widgets are not Ben's share."""
    ann, ben = hire(shop, "Ann Maker"), hire(shop, "Ben Maker")
    clock.set(at(9))
    with shop.desk(ann) as desk:
        desk.start_shift()
    for _ in range(4):
        make(shop, ann, 40)
    clock.set(at(10))
    with shop.desk(ann) as desk:
        desk.end_shift()
    clock.set(at(9, day=9))
    shift(shop, clock, ben, 1)
    review = shop.reviews.analyze(MONDAY, MONDAY + dt.timedelta(days=7))
    assert review.person(ann).scores.metrics["widgets.share"].count == 4.0
    assert review.person(ben).scores.metrics["widgets.share"].value is None  # no share: no work


def test_a_metric_applies_to_whom_it_says(shop: Office, clock: ManualClock) -> None:
    ann = hire(shop, "Ann Maker")
    lea = hire(shop, "Lea Lead", "lead_maker")
    boss = hire(shop, "Bea Boss", "manager", years=10)
    clock.set(at(9))
    for who in (ann, lea, boss):
        shift(shop, clock, who, 2)
    review = shop.reviews.analyze(MONDAY, MONDAY)
    # Ann may fix widgets, but mentoring is measured only for lead makers; the manager,
    # whom it would accept, may not fix widgets at all.
    assert review.person(ann).scores.metrics["widgets.mentoring"].value is None
    assert review.person(lea).scores.metrics["widgets.mentoring"].value == 0.0
    assert review.person(boss).scores.metrics["widgets.mentoring"].value is None


class Punctuality:
    @hookimpl
    def officekit_register_dimensions(self) -> list[Any]:
        from officekit.plugins.reviews.metrics import Dimension

        return [Dimension("punctuality", "Punctuality", "Whether widgets are on time.")]

    @hookimpl
    def officekit_register_metrics(self) -> list[Metric]:
        return [
            Metric(
                "widgets.late", "punctuality", "Late widgets", "%",
                Tally("widget.make", where={"kind": "late"}), Tally("widget.make"),
                "lower", 10.0, scale=100.0, min_count=1,
            )
        ]  # fmt: skip


def test_hook_register_dimensions(
    open_office: Callable[..., Office], profile_dir: Path, widgets: Widgets
) -> None:
    text = (profile_dir / "profile.toml").read_text()
    (profile_dir / "profile.toml").write_text(
        text.replace(
            "weights = { accuracy = 2.0 }", "weights = { accuracy = 2.0, punctuality = 3.0 }"
        )
    )
    office = open_office(profile_dir, plugins=[widgets, Punctuality()])
    ann = hire(office, "Ann Maker")
    make(office, ann, 40, "late")
    make(office, ann, 40)
    review = office.reviews.analyze(MONDAY, MONDAY)
    assert ("punctuality", "Punctuality", 3.0) in review.dimensions
    assert review.person(ann).scores.dimensions["punctuality"] == pytest.approx(
        score(50.0, 10.0, "lower")
    )
    assert review.to_json()["office_scores"]["dimensions"]["punctuality"] is not None


def test_a_weight_for_an_unknown_dimension(
    open_office: Callable[..., Office], tmp_path: Path
) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        'extends = "medical"\nname = "p"\n[reviews]\nweights = { punctuality = 2.0 }\n'
    )
    office = open_office(folder)
    with pytest.raises(ValidationError) as info:
        office.reviews.analyze(MONDAY, MONDAY)
    assert info.value.problems[0].where == "[reviews] weights.punctuality"


class Backlog:
    @hookimpl
    def officekit_register_metrics(self) -> list[Metric]:
        return [
            Metric(
                "widgets.backlog", "organisation", "Widgets left for later", "%",
                Tally("widget.make", where={"kind": "later"}), Tally("widget.make"),
                "lower", 5.0, scale=100.0, min_count=1, breakdown="weekday",
            )
        ]  # fmt: skip


def test_a_finding_broken_down_by_weekday(
    open_office: Callable[..., Office], profile_dir: Path, widgets: Widgets, clock: ManualClock
) -> None:
    """The backlog grows on Mondays: the finding says which day of the week is worst."""
    office = open_office(profile_dir, plugins=[widgets, Backlog()])
    ann = hire(office, "Ann Maker")
    for day, kinds in ((2, ["later", "later", "plain"]), (3, ["plain", "plain", "later"])):
        clock.set(at(10, day=day))
        for kind in kinds:
            make(office, ann, 40, kind)
    review = office.reviews.analyze(MONDAY, MONDAY + dt.timedelta(days=1))
    (finding,) = [
        f for f in review.findings if f.staff_id is None and f.metric == "widgets.backlog"
    ]
    assert finding.evidence["breakdown"] == pytest.approx({"Monday": 200 / 3, "Tuesday": 100 / 3})
    assert "By weekday, the worst: Monday 66.7%, Tuesday 33.3%." in finding.text


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    offset=st.integers(min_value=1, max_value=2000),
    length=st.integers(min_value=0, max_value=400),
    before=st.booleans(),
)
def test_any_empty_period_reports_too_little_data(
    shop: Office, clock: ManualClock, offset: int, length: int, before: bool
) -> None:
    """Whatever period holds no events, nothing is scored and nobody is recommended."""
    ann = shop.staff.find("Ann Maker") or hire(shop, "Ann Maker")
    if not shop.events(operation="widget.make"):
        clock.set(at(9))
        shift(shop, clock, ann, 3)
        for _ in range(6):
            make(shop, ann, 40)
    first = (
        MONDAY - dt.timedelta(days=offset + length)
        if before
        else MONDAY + dt.timedelta(days=offset)
    )
    review = shop.reviews.analyze(first, first + dt.timedelta(days=length))
    assert review.people == ()
    assert review.office.overall is None
    assert all(r.score is None and not r.enough for r in review.office.metrics.values())
    assert review.findings == () and sum(review.load_by_hour) == 0


def test_nobody_scores_their_own_service_and_a_subject_is_scored_once(shop: Office) -> None:
    ann, ben = hire(shop, "Ann Maker"), hire(shop, "Ben Maker")
    for _ in range(6):
        shop.calls.receive("+441234567890", reason="a question")  # call 6 exists
    with shop.desk(ann) as desk, pytest.raises(PermissionDenied, match="own service"):
        desk.reviews.feedback("call:6", 5, served_by=ann)
    refused = shop.events(limit=1)[0]
    assert (refused.operation, refused.outcome) == ("feedback.record", "denied")
    with shop.desk(ben) as desk:
        desk.reviews.feedback("call:6", 5, served_by=ann)
        before = len(shop.events())
        with pytest.raises(ConflictError, match="already"):
            desk.reviews.feedback("call:6", 5, served_by=ann)
    with pytest.raises(ConflictError):
        shop.reviews.record_feedback("call:6", 1, served_by=ann)
    assert len(shop.events()) == before


def test_nobody_decides_their_own_raise(shop: Office, clock: ManualClock) -> None:
    boss = hire(shop, "Bea Boss", "manager", years=10)
    ann = hire(shop, "Ann Maker")
    clock.set(at(9))
    shift(shop, clock, boss, 2)
    make(shop, ann, 40)
    rid = shop.reviews.analyze(MONDAY, MONDAY, save=True).review_id
    assert rid is not None
    with shop.desk(boss) as desk, pytest.raises(PermissionDenied, match="own"):
        desk.reviews.decide(rid, boss, "raise", amount="5000")
    with shop.desk(ann) as desk, pytest.raises(PermissionDenied):
        desk.reviews.decide(9999, ann, "raise")  # refused before the review is looked up
    assert [e.outcome for e in shop.events(operation="reviews.decide")] == ["denied", "denied"]


def test_only_following_reviews_are_the_previous_periods(
    shop: Office, clock: ManualClock, widgets: Widgets
) -> None:
    """A one-day look saved long before is not the period before this one."""
    from officekit.plugins.reviews.analysis import consecutive

    ann = hire(shop, "Ann Maker")
    make(shop, ann, 40)
    old = shop.reviews.analyze(dt.date(2025, 6, 2), dt.date(2025, 6, 2), save=True)
    week = shop.reviews.analyze(
        MONDAY - dt.timedelta(days=7), MONDAY - dt.timedelta(days=3), save=True
    )
    now = shop.reviews.analyze(MONDAY, MONDAY + dt.timedelta(days=4))
    assert [r.review_id for r in consecutive([week, old], MONDAY)] == [week.review_id]
    assert consecutive([old], MONDAY) == []
    assert [t.review_id for t in now.trend] == [old.review_id, week.review_id, None]


def test_an_overall_score_needs_two_dimensions(shop: Office, clock: ManualClock) -> None:
    ann = hire(shop, "Ann Maker")
    clock.set(at(9))
    shift(shop, clock, ann, 5)
    review = shop.reviews.analyze(MONDAY, MONDAY)
    person = review.person(ann)
    # Five hours on shift and no widget made: widgets per hour (teamwork) is all there is.
    scored = [k for k, v in person.scores.dimensions.items() if v is not None]
    assert scored == ["teamwork"]
    assert person.scores.overall is None
    assert person.recommendation.action == "insufficient_data"
    assert person.recommendation.reasons == (
        "only 1 dimension(s) with enough data (teamwork); an overall score needs 2",
    )


@pytest.mark.parametrize("tz", ["Australia/Sydney", "Asia/Tokyo"])
def test_a_period_out_of_range_east_of_greenwich(
    open_office: Callable[..., Office], tmp_path: Path, tz: str
) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        f'extends = "medical"\nname = "p"\n[office]\ntimezone = "{tz}"\n'
    )
    office = open_office(folder)
    with pytest.raises(ValidationError) as info:
        office.reviews.analyze(dt.date(1, 1, 1), dt.date(1, 1, 1))
    assert info.value.problems[0].where == "start"


class Flags:
    """Metrics that read an integer, a boolean and a breakdown by a boolean."""

    @hookimpl
    def officekit_register_metrics(self) -> list[Metric]:
        return [
            Metric(
                "widgets.ones", "accuracy", "Widgets of size one", "%",
                Tally("widget.make", where={"size": 1}), Tally("widget.make"),
                "lower", 10.0, scale=100.0, min_count=1, breakdown="faulty",
            )
        ]  # fmt: skip


def test_an_integer_is_not_true_and_a_flag_reads_the_same_on_both_backends(
    open_office: Callable[..., Office], profile_dir: Path, widgets: Widgets
) -> None:
    office = open_office(profile_dir, plugins=[widgets, Flags()])
    ann = hire(office, "Ann Maker")
    with office.desk(ann) as desk:
        for size, faulty in ((1, False), (True, True), (1, True), (2, False)):
            desk.perform("widget.make", detail={"size": size, "faulty": faulty, "seconds": 1})
    review = office.reviews.analyze(MONDAY, MONDAY)
    # size 1 twice; size true is not 1 (SQLite's json_extract reads true as 1).
    assert review.person(ann).scores.metrics["widgets.ones"].value == pytest.approx(50.0)
    (finding,) = [f for f in review.findings if f.staff_id is None and f.metric == "widgets.ones"]
    assert finding.evidence["breakdown"] == pytest.approx({"false": 50.0, "true": 50.0})


def test_the_analysis_runs_without_the_reception_desk(store_url: str, tmp_path: Path) -> None:
    # The default load by hour counts calls.receive only where it is installed; a
    # profile naming an operation no desk provides is told so.
    folder = tmp_path / "norec"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        'extends = "medical"\nname = "norec"\n'
        '[plugins]\ndisable = ["officekit.plugins.reception"]\n',
        encoding="utf-8",
    )
    clock = ManualClock(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    with Office.open(store_url, profile=folder, clock=clock) as office:
        assert "calls.receive" not in office.operations
        simulate(office, days=1, seed=3, start=MONDAY, clock=clock)
        review = office.reviews.analyze(MONDAY, MONDAY)
        assert review.load_by_hour == (0,) * 24
        assert review.people and all(
            not key.startswith("calls.") for key in (m.key for m in review.metrics)
        )
    (folder / "profile.toml").write_text(
        'extends = "medical"\nname = "norec"\n'
        '[plugins]\ndisable = ["officekit.plugins.reception"]\n'
        '[reviews]\nload_operations = ["calls.receive"]\n',
        encoding="utf-8",
    )
    with Office.open(store_url, profile=folder, clock=clock) as office:
        with pytest.raises(ValidationError) as info:
            office.reviews.analyze(MONDAY, MONDAY)
        assert info.value.problems[0].where == "[reviews] load_operations[0]"
