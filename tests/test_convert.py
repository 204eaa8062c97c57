"""Every attrs type survives the converter: structure(unstructure(x)) == x."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from officekit import (
    AuditReport,
    BrokenEvent,
    Decision,
    Event,
    Operation,
    OperationContext,
    Profile,
    StaffMember,
)
from officekit.core.convert import converter, make_converter, strict_converter
from officekit.core.extensions import Finding
from officekit.core.plugins import PluginInfo
from officekit.core.profile import (
    Department,
    Holiday,
    Level,
    OfficeSettings,
    PluginSettings,
    ProfileSource,
    Responsibility,
    Role,
    TimeRange,
    WeeklyHours,
)
from officekit.errors import Problem
from officekit.plugins.reception.calls import Call, CallStats, KnownCaller
from officekit.plugins.reception.matching import Calibration
from officekit.plugins.reception.messages import Message
from officekit.plugins.reception.questions import Answer, KBEntry, Match
from officekit.plugins.reception.routing import RoutingDecision
from officekit.plugins.reception.settings import (
    Routing,
    RoutingRule,
    UrgentRule,
    VisitorPolicy,
)
from officekit.plugins.reception.visitors import Visit, WaitingStats
from officekit.simulate import SimulationReport, StepReport, Traits

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
keys = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)
aware = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
st.register_type_strategy(dt.datetime, aware)
st.register_type_strategy(float, st.floats(allow_nan=False, allow_infinity=False))
years = st.floats(min_value=0, max_value=60, allow_nan=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
op_names = st.from_regex(r"[a-z][a-z_]{0,7}\.[a-z][a-z_]{0,7}", fullmatch=True)


@st.composite
def time_ranges(draw: st.DrawFn) -> TimeRange:
    start = draw(st.integers(0, 23 * 60 - 1))
    end = draw(st.integers(start + 1, 23 * 60 + 59))
    return TimeRange(dt.time(start // 60, start % 60), dt.time(end // 60, end % 60))


weekly = st.builds(
    WeeklyHours,
    **{d: st.lists(time_ranges(), max_size=2).map(tuple) for d in WeeklyHours.__annotations__},
)
departments = st.builds(Department, name=text, extension=text, hours=weekly, description=text)
profiles = st.builds(
    Profile,
    name=keys,
    office=st.builds(
        OfficeSettings, name=text, timezone=text, currency=text, country=st.none() | text
    ),
    levels=st.lists(st.builds(Level, name=keys, min_years=years, title=text), max_size=3).map(
        tuple
    ),
    description=text,
    departments=st.dictionaries(keys, departments, max_size=2),
    education=st.dictionaries(keys, years, max_size=2),
    responsibilities=st.dictionaries(
        keys,
        st.builds(
            Responsibility,
            description=text,
            operations=st.lists(op_names).map(tuple),
            min_level=keys,
        ),
        max_size=2,
    ),
    roles=st.dictionaries(
        keys,
        st.builds(
            Role,
            title=text,
            responsibilities=st.lists(keys).map(tuple),
            department=st.none() | keys,
            description=text,
        ),
        max_size=2,
    ),
    source=st.builds(
        ProfileSource, files=st.lists(text).map(tuple), plugins=st.lists(text).map(tuple)
    ),
)
events = st.builds(
    Event,
    id=st.integers(1, 2**31),
    office_id=st.integers(1, 100),
    seq=st.integers(1, 2**31),
    occurred_at=aware,
    actor_id=st.none() | st.integers(1, 1000),
    actor_name=text,
    operation=op_names,
    subject=st.none() | text,
    outcome=st.sampled_from(["ok", "denied", "failed"]),
    duration_us=st.integers(0, 10**9),
    detail=st.dictionaries(text, json_values, max_size=4),
    prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
    hash=st.text("0123456789abcdef", min_size=64, max_size=64),
)
staff_members = st.builds(
    StaffMember,
    id=st.integers(1, 10**6),
    office_id=st.integers(1, 100),
    name=text,
    roles=st.lists(keys, max_size=3).map(tuple),
    experience_years=years,
    education=st.none() | keys,
    level=keys,
    hired_at=aware,
    left_at=st.none() | aware,
)
broken = st.builds(
    BrokenEvent,
    office_key=keys,
    seq=st.integers(1, 10**6),
    event_id=st.none() | st.integers(1, 10**6),
    reason=text,
)

levels = st.builds(Level, name=keys, min_years=years, title=text)
office_settings = st.builds(
    OfficeSettings, name=text, timezone=text, currency=text, country=st.none() | text
)
responsibilities = st.builds(
    Responsibility, description=text, operations=st.lists(op_names).map(tuple), min_level=keys
)
roles = st.builds(
    Role,
    title=text,
    responsibilities=st.lists(keys).map(tuple),
    department=st.none() | keys,
    description=text,
)
sources = st.builds(
    ProfileSource, files=st.lists(text).map(tuple), plugins=st.lists(text).map(tuple)
)

STRATEGIES: dict[type, st.SearchStrategy[Any]] = {
    Level: levels,
    OfficeSettings: office_settings,
    Responsibility: responsibilities,
    Role: roles,
    ProfileSource: sources,
    TimeRange: time_ranges(),
    WeeklyHours: weekly,
    Department: departments,
    Profile: profiles,
    Event: events,
    StaffMember: staff_members,
    Operation: st.builds(Operation, name=op_names, summary=text),
    OperationContext: st.builds(
        OperationContext,
        operation=op_names,
        actor_id=st.none() | st.integers(1, 1000),
        actor_name=text,
        subject=st.none() | text,
        detail=st.dictionaries(text, json_values, max_size=3),
    ),
    Decision: st.builds(
        Decision,
        allowed=st.booleans(),
        actor=text,
        operation=op_names,
        reason=text,
        responsibility=st.none() | keys,
        decided_by=st.sampled_from(["profile", "plugin"]),
    ),
    BrokenEvent: broken,
    AuditReport: st.builds(
        AuditReport, office_key=keys, checked=st.integers(0, 10**6), broken=st.none() | broken
    ),
    PluginInfo: st.builds(
        PluginInfo, name=text, source=text, hooks=st.lists(keys).map(tuple), blocked=st.booleans()
    ),
    Problem: st.builds(Problem, where=text, what=text),
    Finding: st.builds(
        Finding,
        check=text,
        reason=text,
        seq=st.none() | st.integers(1, 10**6),
        table=st.none() | keys,
        row_id=st.none() | st.integers(1, 10**6),
        field=st.none() | keys,
    ),
    PluginSettings: st.builds(PluginSettings, disable=st.lists(text, max_size=3).map(tuple)),
    StepReport: st.builds(
        StepReport,
        name=keys,
        lines=st.lists(text, max_size=3).map(tuple),
        data=st.dictionaries(keys, st.none() | st.integers() | text, max_size=3),
    ),
    SimulationReport: st.builds(
        SimulationReport,
        start=st.dates(),
        steps=st.lists(
            st.builds(
                StepReport,
                name=keys,
                lines=st.lists(text, max_size=3).map(tuple),
                data=st.dictionaries(keys, st.integers(0, 1000), max_size=3),
            ),
            max_size=2,
        ).map(tuple),
        staff=st.lists(
            st.tuples(text, st.lists(keys, max_size=2).map(tuple), keys), max_size=3
        ).map(tuple),
        events=st.dictionaries(text, st.integers(0, 1000), max_size=4),
        traits=st.dictionaries(
            st.integers(1, 10**6),
            st.builds(
                Traits,
                speed=st.floats(0.6, 1.6),
                error_rate=st.floats(0.0, 0.15),
                courtesy=st.floats(0.0, 1.0),
                cover=st.floats(0.0, 1.0),
            ),
            max_size=3,
        ),
    ),
    Traits: st.builds(
        Traits,
        speed=st.floats(0.6, 1.6),
        error_rate=st.floats(0.0, 0.15),
        courtesy=st.floats(0.0, 1.0),
        cover=st.floats(0.0, 1.0),
    ),
}


# Everything else is built from its type hints, with these strategies for the leaves.
for _cls in (SimulationReport, Answer, Match, CallStats):
    attrs.resolve_types(_cls)
for _cls in (
    Holiday,
    RoutingRule,
    UrgentRule,
    VisitorPolicy,
    Call,
    CallStats,
    KnownCaller,
    Message,
    RoutingDecision,
    Visit,
    WaitingStats,
    KBEntry,
):
    STRATEGIES.setdefault(_cls, st.from_type(_cls))
STRATEGIES[Routing] = st.builds(
    Routing,
    rules=st.lists(st.from_type(RoutingRule), max_size=2).map(tuple),
    urgent=st.lists(st.from_type(UrgentRule), max_size=2).map(tuple),
)
confidences = st.floats(min_value=0, max_value=1)
STRATEGIES[Match] = st.builds(
    Match, entry=st.from_type(KBEntry), confidence=confidences, score=years
)
STRATEGIES[Answer] = st.builds(Answer, confidence=confidences)
_coefficient = st.floats(min_value=-50, max_value=50, allow_nan=False)
STRATEGIES[Calibration] = st.builds(
    Calibration,
    answer=st.tuples(*[_coefficient] * 5),
    offer=st.tuples(*[_coefficient] * 5),
    threshold=confidences,
    margin=confidences,
    notes=st.text(max_size=20),
)


def _all_attrs_classes() -> set[type]:
    import officekit
    import officekit.core.plugins
    import officekit.core.profile
    import officekit.errors
    import officekit.plugins.reception.calls
    import officekit.plugins.reception.messages
    import officekit.plugins.reception.questions
    import officekit.plugins.reception.routing
    import officekit.plugins.reception.visitors
    import officekit.simulate

    found: set[type] = set()
    for module in (
        officekit,
        officekit.plugins.reception.calls,
        officekit.plugins.reception.messages,
        officekit.plugins.reception.routing,
        officekit.plugins.reception.visitors,
        officekit.plugins.reception.questions,
        officekit.core.profile,
        officekit.core.plugins,
        officekit.errors,
        officekit.simulate,
    ):
        # dir() and getattr(), not vars(): officekit loads its public names on first use
        for value in (getattr(module, name) for name in dir(module)):
            if (
                isinstance(value, type)
                and attrs.has(value)
                and value.__module__.startswith("officekit")
                and not value.__name__.startswith("_")
            ):
                found.add(value)
    return found


NOT_VALUES = {
    # Registrations that hold functions or live objects: never serialised.
    "AuditCheck",
    "DeskFacet",
    "Migrations",
    "OfficeFacet",
    "ProfilePlugins",
    "ProfileSection",
    "SimulationStep",
}


def test_every_attrs_type_has_a_round_trip_strategy() -> None:
    missing = {cls.__qualname__ for cls in _all_attrs_classes()} - {
        c.__qualname__ for c in STRATEGIES
    }
    missing -= NOT_VALUES
    assert not missing, f"add a strategy for: {sorted(missing)}"


@pytest.mark.parametrize("cls", list(STRATEGIES), ids=lambda c: c.__name__)
def test_round_trip_through_json(cls: type) -> None:
    @given(STRATEGIES[cls])
    def round_trip(value: Any) -> None:
        data = converter.unstructure(value)
        # what the store and the CLI write is JSON text
        again = converter.structure(json.loads(json.dumps(data)), cls)
        assert again == value

    round_trip()


def test_decimal_hook() -> None:
    assert converter.structure("12.50", Decimal) == Decimal("12.50")
    assert converter.unstructure(Decimal("12.50")) == "12.50"
    with pytest.raises(ValueError, match="not a decimal"):
        converter.structure("twelve", Decimal)
    with pytest.raises(TypeError):
        converter.structure(12.5, Decimal)  # floats are never money
    with pytest.raises(ValueError, match="finite"):
        converter.structure("NaN", Decimal)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        converter.structure("2026-01-01T10:00:00", dt.datetime)


def test_strict_converter_refuses_coercion() -> None:
    with pytest.raises(TypeError):
        strict_converter.structure("4", int)
    with pytest.raises(TypeError):
        strict_converter.structure(True, int)
    assert strict_converter.structure(4, float) == 4.0
    assert make_converter().structure("4", int) == 4  # the lenient one coerces
