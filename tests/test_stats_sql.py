"""Statistics computed by SQL aggregates equal their definitions computed in Python.

`office.calls.stats` and `office.visitors.waiting_times` run one query in the
database; the reference definitions below (what `compute_stats` did over loaded
calls) are kept here only, and compared with them on random data on both backends.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mysql

from officekit import ManualClock, Office, load_profile
from officekit.core.sql import seconds_between
from officekit.core.store import UTCDateTime
from officekit.plugins.reception.calls import Call, CallStats, compute_stats
from officekit.plugins.reception.settings import PHONES, PhoneSettings
from officekit.plugins.reception.tables import calls, visits
from officekit.plugins.reception.visitors import Visit, WaitingStats

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
US = dt.timedelta(microseconds=1)
# Fractional thresholds, so that waits exactly on them (and a microsecond either side)
# test the precision of the SQL durations.
TARGET = 12.5
SHORT = 2.25
SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- the reference definitions, in Python --------------------------------------------


def reference_call_stats(
    period_calls: Sequence[Call], phones: PhoneSettings, start: dt.datetime, end: dt.datetime
) -> CallStats:
    """CallStats by its definitions, from loaded calls (what compute_stats did)."""
    offered = [c for c in period_calls if c.outcome != "after_hours"]
    answered = [c for c in offered if c.answered_at is not None]
    waits = [c.wait_seconds for c in answered if c.wait_seconds is not None]
    abandoned_all = [c for c in offered if c.outcome == "abandoned"]
    short = [c for c in abandoned_all if (c.wait_seconds or 0) < phones.short_abandon_seconds]
    base = len(offered) - len(short)
    within = sum(1 for w in waits if w <= phones.service_level_seconds)
    handled = [
        (c.ended_at - c.answered_at).total_seconds()
        for c in answered
        if c.ended_at is not None and c.answered_at is not None
    ]
    return CallStats(
        start=start,
        end=end,
        offered=len(offered),
        after_hours=len(period_calls) - len(offered),
        answered=len(answered),
        answered_within_target=within,
        target_seconds=phones.service_level_seconds,
        service_level=within / base if base else None,
        average_speed_of_answer=statistics.fmean(waits) if waits else None,
        abandoned=len(abandoned_all) - len(short),
        short_abandons=len(short),
        abandonment_rate=(len(abandoned_all) - len(short)) / base if base else None,
        average_handling_time=statistics.fmean(handled) if handled else None,
        transfers=sum(1 for c in period_calls if c.outcome == "transferred"),
        misroutes=sum(1 for c in period_calls if c.misrouted),
        messages=sum(1 for c in period_calls if c.outcome == "message"),
        urgent=sum(1 for c in period_calls if c.urgent is not None),
        in_progress=sum(1 for c in period_calls if c.status != "ended"),
    )


def reference_waiting_stats(
    found: Sequence[Visit], start: dt.datetime, end: dt.datetime
) -> WaitingStats:
    """WaitingStats by its definitions, from loaded visits."""
    waits = [v.waiting_seconds for v in found if v.waiting_seconds is not None]
    return WaitingStats(
        start=start,
        end=end,
        visits=len(found),
        received=len(waits),
        mean_seconds=statistics.fmean(waits) if waits else None,
        median_seconds=float(statistics.median(waits)) if waits else None,
        max_seconds=max(waits) if waits else None,
        still_waiting=sum(1 for v in found if v.in_building and v.received_at is None),
    )


def assert_same(got: Any, want: Any) -> None:
    """Counts equal; means equal within float rounding (the sums' order differs)."""
    assert type(got) is type(want)
    for field in attrs.fields(type(want)):
        g, w = getattr(got, field.name), getattr(want, field.name)
        if isinstance(w, float) and not isinstance(w, bool):
            assert g == pytest.approx(w, rel=1e-9, abs=1e-9), field.name
        else:
            assert g == w, field.name


# -- data ------------------------------------------------------------------------------


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)


# Durations in microseconds: exactly on the thresholds and a microsecond either side,
# whole seconds (what the simulation makes), fractions, a few negative (rows written by
# hand can say anything; the definitions still apply).
EDGES = sorted(
    {_micros(x) + d for x in (0.0, SHORT, TARGET, 5.0, 20.0, 30.0) for d in (-1, 0, 1)} - {-1}
)
DURATIONS = st.one_of(
    st.sampled_from(EDGES),
    st.integers(0, 120).map(lambda s: s * 1_000_000),
    st.integers(0, 4 * 3600 * 1_000_000),
    st.integers(-2_000_000, 0),
)
# Arrivals around the period [START, START + DAY): its first and last microseconds too.
ARRIVALS = st.one_of(
    st.sampled_from([-1, 0, 1, _micros(DAY.total_seconds()) - 1, _micros(DAY.total_seconds())]),
    st.integers(-3600 * 1_000_000, _micros(DAY.total_seconds()) + 3600 * 1_000_000),
)


@st.composite
def call_rows(draw: st.DrawFn) -> dict[str, Any]:
    arrived = START + dt.timedelta(microseconds=draw(ARRIVALS))
    answered = draw(st.none() | DURATIONS)
    answered_at = None if answered is None else arrived + dt.timedelta(microseconds=answered)
    ended = draw(st.none() | DURATIONS)
    ended_at = (
        None if ended is None else (answered_at or arrived) + dt.timedelta(microseconds=ended)
    )
    return {
        "caller_number": "+442079460000",
        "reason": "",
        "routed_by": "default",
        "explanation": "",
        "status": draw(st.sampled_from(["queued", "ringing", "connected", "on_hold", "ended"])),
        "outcome": draw(
            st.sampled_from(
                [None, "completed", "transferred", "message", "abandoned", "after_hours"]
            )
        ),
        "urgent": draw(st.sampled_from([None, "script", "flag"])),
        "misrouted": draw(st.booleans()),
        "arrived_at": arrived,
        "answered_at": answered_at,
        "ended_at": ended_at,
        "hold_seconds": draw(st.floats(0, 600)),
    }


@st.composite
def visit_rows(draw: st.DrawFn) -> dict[str, Any]:
    checked_in = START + dt.timedelta(microseconds=draw(ARRIVALS))
    received = draw(st.none() | DURATIONS)
    received_at = None if received is None else checked_in + dt.timedelta(microseconds=received)
    out = draw(st.none() | DURATIONS)
    return {
        "visitor_name": "V",
        "purpose": "meeting",
        "appointment": False,
        "confidential": False,
        "checked_in_at": checked_in,
        "received_at": received_at,
        "checked_out_at": None
        if out is None
        else (received_at or checked_in) + dt.timedelta(microseconds=abs(out)),
    }


def _replace_rows(office: Office, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    with office.engine.begin() as conn:
        conn.execute(table.delete().where(table.c.office_id == office.id))
        if rows:
            conn.execute(table.insert(), [{"office_id": office.id, **row} for row in rows])


@pytest.fixture
def thresholds_office(open_office: Callable[..., Office]) -> Office:
    """A medical office whose service-level target and short abandons are fractional."""
    medical = load_profile("medical")
    phones = attrs.evolve(
        medical.section(PHONES), service_level_seconds=TARGET, short_abandon_seconds=SHORT
    )
    return open_office(medical.with_section(PHONES, phones))


# -- seconds_between ------------------------------------------------------------------


def test_seconds_between_is_exact(store_url: str) -> None:
    engine = sa.create_engine(store_url)
    table = sa.Table(
        "seconds_between_check",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", UTCDateTime),
        sa.Column("b", UTCDateTime),
    )
    table.create(engine)
    try:

        @SETTINGS
        @given(
            pairs=st.lists(
                st.tuples(
                    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1)),
                    st.one_of(
                        st.integers(-(10**13), 10**13),
                        st.sampled_from([0, 1, -1, 999_500, 999_999, 20_000_000, 19_999_999]),
                    ),
                ),
                max_size=20,
            )
        )
        def check(pairs: list[tuple[dt.datetime, int]]) -> None:
            rows: list[dict[str, Any]] = [
                {"id": i, "a": a.replace(tzinfo=dt.UTC)} for i, (a, _) in enumerate(pairs)
            ]
            for row, (_, step) in zip(rows, pairs, strict=True):
                row["b"] = row["a"] + dt.timedelta(microseconds=step)
            with engine.begin() as conn:
                conn.execute(table.delete())
                if rows:
                    conn.execute(table.insert(), rows)
                seconds = seconds_between(table.c.b, table.c.a).label("seconds")
                got = {r.id: r.seconds for r in conn.execute(sa.select(table.c.id, seconds))}
            for row in rows:
                # The very float Python computes, not merely a close one.
                assert got[row["id"]] == (row["b"] - row["a"]).total_seconds()

        check()
        with engine.connect() as conn:
            now = sa.literal(START, UTCDateTime)
            assert conn.execute(sa.select(seconds_between(sa.null(), now))).scalar() is None
    finally:  # the store_url fixture drops the table with the rest
        engine.dispose()


def test_seconds_between_names_an_unknown_backend() -> None:
    expr = seconds_between(calls.c.answered_at, calls.c.arrived_at)
    with pytest.raises(sa.exc.CompileError, match="mysql"):
        expr.compile(dialect=mysql.dialect())


# -- calls ----------------------------------------------------------------------------


def test_call_stats_match_the_definitions_on_random_rows(thresholds_office: Office) -> None:
    office = thresholds_office
    phones = office.profile.section(PHONES)

    @SETTINGS
    @given(rows=st.lists(call_rows(), max_size=30))
    def check(rows: list[dict[str, Any]]) -> None:
        _replace_rows(office, calls, rows)
        for start, end in ((START, START + DAY), (START + dt.timedelta(hours=3), START + DAY - US)):
            want = reference_call_stats(office.calls.between(start, end), phones, start, end)
            assert_same(office.calls.stats(start, end), want)

    check()


@pytest.mark.parametrize("wait", [-US, dt.timedelta(0), US])
def test_a_wait_on_the_threshold_decides_as_in_python(
    thresholds_office: Office, wait: dt.timedelta
) -> None:
    office = thresholds_office
    on_target = dt.timedelta(seconds=TARGET) + wait
    on_short = dt.timedelta(seconds=SHORT) + wait
    rows: list[dict[str, Any]] = [
        {"answered_at": START + on_target, "ended_at": START + on_target + dt.timedelta(60),
         "outcome": "completed"},
        {"answered_at": None, "ended_at": START + on_short, "outcome": "abandoned"},
    ]  # fmt: skip
    _replace_rows(
        office,
        calls,
        [
            {"caller_number": "+442079460000", "reason": "", "routed_by": "default",
             "explanation": "", "status": "ended", "arrived_at": START, **row}
            for row in rows
        ],
    )  # fmt: skip
    stats = office.calls.stats(START, START + DAY)
    assert stats.answered_within_target == (0 if wait > dt.timedelta(0) else 1)
    assert stats.short_abandons == (1 if wait < dt.timedelta(0) else 0)


# What happens at the desk, with the time that passes before it: most often calls coming
# in and being answered, waits on the thresholds (whole seconds, as the simulation makes).
VERBS = ["hold", "resume", "transfer", "message", "complete", "hang_up"]
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["receive"] * 4 + ["answer"] * 4 + VERBS),
        st.integers(0, 9),
        st.one_of(
            st.sampled_from([0, 1, 4_999_999, 5_000_000, 30_000_000, 30_000_001]),
            st.integers(0, 90).map(lambda s: s * 1_000_000),
            st.integers(0, 300_000_000),
        ),
    ),
    max_size=40,
)
FITS = {
    "answer": ("ringing",),
    "hold": ("connected",),
    "resume": ("on_hold",),
    "transfer": ("connected", "on_hold"),
    "message": ("connected", "on_hold"),
    "complete": ("connected", "on_hold"),
    "hang_up": ("queued", "ringing", "connected", "on_hold"),
}


def test_call_stats_match_the_definitions_through_the_api(
    office: Office, clock: ManualClock
) -> None:
    anna = office.staff.hire("Anna", roles=["receptionist"], experience_years=2)
    phones = office.profile.section(PHONES)
    numbers = [f"020 7946 {n:04d}" for n in range(10)]
    reasons = ["hello", "an appointment", "chest pain", "a prescription", "my results"]

    @SETTINGS
    @given(actions=ACTIONS)
    def check(actions: list[tuple[str, int, int]]) -> None:
        start = clock.now()
        received: list[int] = []
        with office.desk(anna) as desk:
            for action, n, micros in actions:
                clock.advance(microseconds=micros)
                if action == "receive":
                    call = office.calls.receive(numbers[n], reasons[n % len(reasons)])
                    received.append(call.id)
                    continue
                # A call of this example the action can apply to, if there is one.
                now = [office.calls.get(c) for c in received]
                fit = [c for c in now if c.status in FITS[action]]
                if not fit:
                    continue
                call = fit[n % len(fit)]
                if action == "answer":
                    desk.calls.answer(call)
                elif action == "hold":
                    desk.calls.hold(call)
                elif action == "resume":
                    desk.calls.resume(call)
                elif action == "transfer":
                    desk.calls.transfer(call, department=("reception", "triage")[n % 2])
                elif action == "message":
                    desk.calls.take_message(call, "call back", department="reception")
                elif action == "complete":
                    desk.calls.complete(call)
                else:
                    office.calls.hang_up(call)
        end = clock.advance(microseconds=1)
        want = reference_call_stats(office.calls.between(start, end), phones, start, end)
        assert_same(office.calls.stats(start, end), want)
        for call in office.calls.live():  # free the lines for the next example
            office.calls.hang_up(call)

    check()


def test_compute_stats_is_deprecated_and_agrees(office: Office, clock: ManualClock) -> None:
    call = office.calls.receive("020 7946 0001", "hello")
    clock.advance(seconds=3)
    office.calls.hang_up(call)
    start, end = START, START + DAY
    with pytest.deprecated_call(match="office.calls.stats"):
        old = compute_stats(office.calls.between(start, end), office, start, end)
    assert old == office.calls.stats(start, end)


def test_call_stats_of_an_empty_period(office: Office) -> None:
    phones = office.profile.section(PHONES)
    stats = office.calls.stats(START, START + DAY)
    assert stats == reference_call_stats([], phones, START, START + DAY)
    assert stats.service_level is None and stats.average_speed_of_answer is None


def test_call_stats_count_only_their_office(open_office: Callable[..., Office]) -> None:
    first = open_office("medical")
    second = open_office("legal")
    row = {
        "caller_number": "+442079460000", "reason": "", "routed_by": "default",
        "explanation": "", "status": "ended", "outcome": "abandoned", "arrived_at": START,
        "ended_at": START + dt.timedelta(seconds=60),
    }  # fmt: skip
    _replace_rows(first, calls, [row, row])
    _replace_rows(second, calls, [row])
    assert first.calls.stats(START, START + DAY).abandoned == 2
    assert second.calls.stats(START, START + DAY).abandoned == 1


# -- visitors -------------------------------------------------------------------------


def test_waiting_times_match_the_definitions_on_random_rows(office: Office) -> None:
    @SETTINGS
    @given(rows=st.lists(visit_rows(), max_size=30))
    def check(rows: list[dict[str, Any]]) -> None:
        _replace_rows(office, visits, rows)
        for start, end in ((START, START + DAY), (START + dt.timedelta(hours=3), START + DAY - US)):
            found = office.visitors.log(start, end, public=False)
            assert_same(
                office.visitors.waiting_times(start, end),
                reference_waiting_stats(found, start, end),
            )

    check()


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_the_median_wait(office: Office, count: int) -> None:
    waits = [7.5, 1.0, 4.000001, 100.0][:count]
    rows = [
        {"visitor_name": "V", "purpose": "meeting", "appointment": False, "confidential": False,
         "checked_in_at": START, "received_at": START + dt.timedelta(seconds=w)}
        for w in waits
    ]  # fmt: skip
    _replace_rows(office, visits, rows)
    assert office.visitors.waiting_times(START, START + DAY).median_seconds == statistics.median(
        waits
    )
