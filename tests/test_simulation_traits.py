"""The simulation's hidden staff traits, and the check that the analysis finds them (issue 13).

The simulation gives each member of staff hidden traits drawn from its seed
(speed, error rate, courtesy, willingness to cover for colleagues) that shape
what they do at every desk. Over 20 simulated office days the front-office
analysis, which sees only the event log, must rank the staff on each dimension
in nearly the order of the trait behind it (Spearman's rank correlation at least
0.8 wherever at least five people have enough data), and recommend promotion
only to someone whose traits deserve it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from officekit import ManualClock, Office
from officekit.errors import ValidationError
from officekit.simulate import TRAIT_RANGES, Traits, draw_traits, simulate

START = dt.date(2026, 1, 5)  # a Monday
DAYS = 26  # four weeks less the last weekend: 20 weekdays (and the Saturdays an office opens)
HALF = dt.date(2026, 1, 16)  # the end of the first two weeks
LAST = dt.date(2026, 1, 30)  # the 20th weekday
STAFF = 10  # enough people for a rank correlation to mean something
MIN_PEOPLE = 5

# What each dimension should find: the traits behind it, each with its sign. The
# organisation of work (filing on time, misfiles, messages and checkouts not left
# overdue) comes from working quickly and without mistakes: the mean of the two
# ranks.
TRUTH: Mapping[str, tuple[tuple[str, int], ...]] = {
    "efficiency": (("speed", 1),),
    "accuracy": (("error_rate", -1),),
    "professionalism": (("courtesy", 1),),
    "teamwork": (("cover", 1),),
    "organisation": (("speed", 1), ("error_rate", -1)),
}


def ranks(values: Sequence[float]) -> list[float]:
    """The rank of each value, 1 for the least, ties given the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation: Pearson's correlation of the ranks (ties averaged)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("spearman needs two sequences of the same length, at least 2")
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    if vx == 0 or vy == 0:
        return 0.0
    return float(cov / (vx * vy) ** 0.5)


def truth(traits: Mapping[int, Traits], dimension: str) -> dict[int, float]:
    """What a dimension should find of each person: the mean rank of its traits."""
    ids = sorted(traits)
    total = dict.fromkeys(ids, 0.0)
    for name, sign in TRUTH[dimension]:
        for staff_id, rank in zip(
            ids, ranks([sign * getattr(traits[i], name) for i in ids]), strict=True
        ):
            total[staff_id] += rank
    return total


# -- the statistics themselves -----------------------------------------------------


def test_ranks_average_ties() -> None:
    assert ranks([10.0, 30.0, 20.0, 30.0]) == [1.0, 3.5, 2.0, 3.5]


def test_spearman_known_values() -> None:
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(0.8207826816681233)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [10, 100, 1000]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same length"):
        spearman([1, 2], [1])


# -- traits ------------------------------------------------------------------------


def test_traits_are_spread_over_their_ranges() -> None:
    drawn = draw_traits(list(range(1, 11)), random.Random("traits:0"))
    assert sorted(drawn) == list(range(1, 11))
    for name, (low, high) in TRAIT_RANGES.items():
        values = sorted(getattr(t, name) for t in drawn.values())
        assert low <= values[0] and values[-1] <= high
        # one value in each tenth of the range: no two people alike
        band = (high - low) / 10
        assert [int((v - low) // band) for v in values] == list(range(10))
    assert draw_traits(list(range(1, 11)), random.Random("traits:0")) == drawn
    assert draw_traits(list(range(1, 11)), random.Random("traits:1")) != drawn


@pytest.mark.parametrize(
    ("field", "value"),
    [("speed", 0.2), ("error_rate", -0.1), ("courtesy", 1.5), ("cover", float("nan"))],
)
def test_a_trait_out_of_range_is_refused(field: str, value: float) -> None:
    good = {"speed": 1.0, "error_rate": 0.05, "courtesy": 0.5, "cover": 0.5}
    with pytest.raises(ValidationError, match=field):
        Traits(**{**good, field: value})


def test_a_trait_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="speed"):
        Traits(speed="fast", error_rate=0.0, courtesy=0.0, cover=0.0)  # type: ignore[arg-type]


def _run(url: str, *, seed: int, days: int = 1, **kwargs: Any) -> tuple[Office, Any]:
    clock = ManualClock(dt.datetime(2026, 1, 5, 6, tzinfo=dt.UTC))
    office = Office.open(url, profile="medical", clock=clock)
    report = simulate(office, days=days, seed=seed, start=START, clock=clock, **kwargs)
    return office, report


def test_every_member_of_staff_has_traits_from_the_seed(tmp_path: Path) -> None:
    office, first = _run(f"sqlite:///{tmp_path / 'a.db'}", seed=4)
    with office:
        ids = {m.id for m in office.staff.list()}
    assert set(first.traits) == ids
    _, again = _run(f"sqlite:///{tmp_path / 'b.db'}", seed=4)
    _, other = _run(f"sqlite:///{tmp_path / 'c.db'}", seed=5)
    assert again.traits == first.traits
    assert again.events == first.events
    assert other.traits != first.traits


def test_staff_hired_before_the_simulation_get_traits(tmp_path: Path) -> None:
    clock = ManualClock(dt.datetime(2026, 1, 5, 6, tzinfo=dt.UTC))
    with Office.open(f"sqlite:///{tmp_path / 'a.db'}", profile="medical", clock=clock) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])
        clara = office.staff.hire("Clara Rossi", roles=["clerk"])
        report = simulate(office, days=1, seed=2, start=START, clock=clock)
    assert set(report.traits) == {anna.id, clara.id}
    assert len(report.staff) == 2


def test_staff_asks_for_more_people(tmp_path: Path) -> None:
    office, report = _run(f"sqlite:///{tmp_path / 'a.db'}", seed=0, staff=STAFF)
    with office:
        members = office.staff.list()
    assert len(members) == len(report.staff) == len(report.traits) == STAFF
    # every role of the profile is held
    assert {r for m in members for r in m.roles} == set(office.profile.roles)


@pytest.mark.parametrize("staff", [0, -1, 201, 2.5, True, "5"])
def test_a_bad_number_of_staff_is_refused(tmp_path: Path, staff: Any) -> None:
    clock = ManualClock(dt.datetime(2026, 1, 5, 6, tzinfo=dt.UTC))
    with (
        Office.open(f"sqlite:///{tmp_path / 'a.db'}", profile="medical", clock=clock) as office,
        pytest.raises(ValidationError, match="staff"),
    ):
        simulate(office, days=1, seed=0, start=START, clock=clock, staff=staff)
    with Office.open(f"sqlite:///{tmp_path / 'a.db'}", profile="medical", clock=clock) as office:
        assert office.staff.list() == []  # nothing was hired


# -- the analysis finds them ---------------------------------------------------------


Simulated = tuple[dict[int, Traits], dict[str, Any], dict[str, Any]]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Simulated]:
    """Simulate 20 office days of a profile once; analyse both fortnights and the whole."""
    done: dict[str, Simulated] = {}

    def run(profile: str) -> Simulated:
        if profile not in done:
            url = f"sqlite:///{tmp_path_factory.mktemp(profile) / 'office.db'}"
            clock = ManualClock(dt.datetime.combine(START, dt.time(6), dt.UTC))
            with Office.open(url, profile=profile, clock=clock) as office:
                report = simulate(office, days=DAYS, seed=11, start=START, clock=clock, staff=STAFF)
                clock.set(dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC))
                whole = office.reviews.analyze(START, LAST).to_json()
                # two consecutive saved reviews: a promotion needs two good periods
                office.reviews.analyze(START, HALF, save=True)
                second = office.reviews.analyze(
                    HALF + dt.timedelta(days=1), LAST, save=True
                ).to_json()
            done[profile] = (report.traits, whole, second)
        return done[profile]

    return run


PROFILES = ["medical", "smallbusiness"]


def _cases() -> list[Any]:
    return [
        pytest.param(profile, dimension, id=f"{profile}-{dimension}")
        for profile in PROFILES
        for dimension in TRUTH
    ]


@pytest.mark.parametrize(("profile", "dimension"), _cases())
def test_the_analysis_ranks_staff_by_their_traits(
    simulated: Callable[[str], Simulated], profile: str, dimension: str
) -> None:
    traits, review, _ = simulated(profile)
    expected = truth(traits, dimension)
    scored = {
        p["staff_id"]: p["dimensions"][dimension]
        for p in review["people"]
        if p["dimensions"].get(dimension) is not None
    }
    if len(scored) < MIN_PEOPLE:
        if dimension in ("organisation",):
            pytest.skip(f"{dimension}: only {len(scored)} people with enough data")
        pytest.fail(f"{dimension}: only {len(scored)} of {len(traits)} people have enough data")
    ids = sorted(scored)
    rho = spearman([scored[i] for i in ids], [expected[i] for i in ids])
    detail = ", ".join(f"{i}: {scored[i]:.1f} vs {expected[i]:g}" for i in ids)
    assert rho >= 0.8, f"{profile} {dimension}: Spearman {rho:.2f} ({detail})"


@pytest.mark.parametrize("profile", PROFILES)
def test_promotion_goes_to_someone_who_deserves_it(
    simulated: Callable[[str], Simulated], profile: str
) -> None:
    traits, _, review = simulated(profile)
    # deserving: the top half by the mean rank of all four traits (errors the lower the better)
    ids = sorted(traits)
    merit = dict.fromkeys(ids, 0.0)
    for name, sign in (("speed", 1), ("error_rate", -1), ("courtesy", 1), ("cover", 1)):
        values = [sign * getattr(traits[i], name) for i in ids]
        for staff_id, rank in zip(ids, ranks(values), strict=True):
            merit[staff_id] += rank
    best = sorted(ids, key=lambda i: merit[i], reverse=True)[: (len(ids) + 1) // 2]
    promoted = [
        p["staff_id"] for p in review["people"] if p["recommendation"]["action"] == "promote"
    ]
    raised = [p["staff_id"] for p in review["people"] if p["recommendation"]["action"] == "raise"]
    assert set(promoted) <= set(best), (promoted, best)
    # whoever the analysis recommends for anything is more often deserving than not
    recommended = promoted + raised
    if recommended:
        assert sum(i in best for i in recommended) >= len(recommended) / 2, (recommended, best)
