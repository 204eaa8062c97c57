"""Bad input to the public API: an officekit error naming the argument, and nothing written.

The property test drives every public method of the office, its staff directory,
a desk and the reception facets with values derived from their signatures: for
each parameter, values of the wrong type, and for the right type hostile ones
(NUL and control characters, very long text, naive and far datetimes, negative
and huge integers, unknown ids). Whatever happens, it is success or an
``OfficekitError``, and a refused call leaves every table as it was. The
explicit tests below pin each case the probe found, on both backends.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.reception_profile import write_reception_profile

from officekit import ManualClock, Office
from officekit.core.clock import Clock
from officekit.core.desk import Desk
from officekit.core.events import Event
from officekit.core.profile import Profile
from officekit.core.staff import StaffDirectory, StaffMember
from officekit.errors import (
    NotFoundError,
    OfficekitError,
    PermissionDenied,
    ProfileError,
    ValidationError,
)
from officekit.hookspecs import hookimpl
from officekit.plugins.assistant.documents.queue import DocumentsOffice
from officekit.plugins.assistant.schedule.diary import ScheduleOffice
from officekit.plugins.clerk.filing.documents import FilingRoom
from officekit.plugins.clerk.records.book import RecordBook
from officekit.plugins.money.payments.payments import PaymentBook
from officekit.plugins.money.payroll.cheques import PayrollOffice
from officekit.plugins.reception.calls import Call, CallDesk, PhoneSystem
from officekit.plugins.reception.messages import Message, MessageBook, MessageDesk
from officekit.plugins.reception.questions import KnowledgeBase, QuestionDesk
from officekit.plugins.reception.visitors import Visit, VisitorBook, VisitorDesk
from officekit.plugins.reviews.service import ReviewsOffice

MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
NAIVE = dt.datetime(2026, 3, 2, 10, 0)
FAR_PAST = dt.datetime(1, 1, 1, 0, 1, tzinfo=dt.UTC)
FAR_FUTURE = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)

# -- the world the property test acts in ------------------------------------------------


class World:
    """An office with a receptionist, a call in progress, a message and a visitor."""

    def __init__(self, office: Office) -> None:
        self.office = office
        if isinstance(office.clock, ManualClock) and office.clock.now() < MONDAY_10:
            office.clock.set(MONDAY_10)  # reception is open
        self.anna = office.staff.hire("Anna Bell", roles=["receptionist"], experience_years=4)
        self.call = office.calls.receive("020 7946 0018", "hello")
        with office.desk(self.anna) as desk:
            self.call = desk.calls.answer(self.call)
            self.message = desk.messages.take("Please call back", department="reception")
            self.visit = desk.visitors.check_in(
                "Mr Rossi", "delivery", department="reception", identity_document="P123"
            )


def counts(office: Office) -> dict[str, int]:
    """The rows of every table of the store."""
    with office.engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in names
        }


# -- what a parameter may be given --------------------------------------------------------

_HINT_NAMES: dict[str, Any] = {
    "StaffMember": StaffMember,
    "Desk": Desk,
    "Office": Office,
    "Event": Event,
    "Call": Call,
    "Visit": Visit,
    "Message": Message,
    "Profile": Profile,
    "Clock": Clock,
}

_WRONG: list[Any] = [
    None,
    True,
    0,
    -1,
    2**64,
    1.5,
    float("nan"),
    "1",
    "",
    b"bytes",
    [],
    ["x"],
    {},
    {"a": object()},
    object(),
    NAIVE,
    FAR_PAST,
    dt.date(2026, 3, 2),
    dt.timedelta(hours=1),
]

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "\x00",
            "Anna\x00Bell",
            "esc\x1b[2J",
            "line\nbreak",
            "\t",
            "   ",
            "x" * 5000,
            "é" * 301,
            "\u2028",
            "'); DROP TABLE staff; --",
            "%_\\",
        ]
    ),
    st.text(alphabet=st.characters(categories=["Cc"]), min_size=1, max_size=4),
)
HOSTILE_INT = st.one_of(
    st.sampled_from([0, -1, 999_999, 2**31, 2**63, 10**30]),
    st.integers(min_value=-(2**70), max_value=2**70),
)
HOSTILE_DATETIME = st.one_of(
    st.sampled_from([NAIVE, FAR_PAST, FAR_FUTURE, dt.datetime.max.replace(tzinfo=dt.UTC)]),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.datetimes(),
)


def _parts(hint: Any) -> list[Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [p for arg in typing.get_args(hint) for p in _parts(arg)]
    return [hint]


def _matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of a type the annotation allows (roughly: for picking wrong ones)."""
    for part in _parts(hint):
        origin = typing.get_origin(part) or part
        if part is Any or (part in (None, type(None)) and value is None):
            return True
        if origin is float and isinstance(value, int | float) and not isinstance(value, bool):
            return True
        if origin is int and isinstance(value, bool):
            continue
        if isinstance(origin, type) and isinstance(value, origin):
            return True
        if origin in (Sequence, Iterable, list) and isinstance(value, list | str | bytes):
            return True
        if origin in (Mapping, dict) and isinstance(value, dict):
            return True
        if origin is Callable and callable(value):
            return True
        if part is os.PathLike and isinstance(value, os.PathLike):
            return True
    return False


def hostile(hint: Any) -> st.SearchStrategy[Any]:
    """Values for a parameter annotated ``hint``: wrong types, and hostile right ones."""
    parts = {typing.get_origin(p) or p for p in _parts(hint)}
    wrong = [v for v in _WRONG if not _matches(v, hint)] or _WRONG
    options: list[st.SearchStrategy[Any]] = [st.sampled_from(wrong)]
    if str in parts or hint is Any:
        options.append(HOSTILE_TEXT)
    if int in parts or float in parts or parts & {StaffMember, Call, Visit, Message}:
        options.append(HOSTILE_INT)
    if float in parts:
        options.append(st.floats())
    if dt.datetime in parts:
        options.append(HOSTILE_DATETIME)
    if Sequence in parts or list in parts:
        options.append(st.lists(st.one_of(HOSTILE_TEXT, st.sampled_from(_WRONG)), max_size=3))
    return st.one_of(options)


def _valid(world: World, target: str, method: str, param: str) -> Any:
    """A value that is right for ``param``, so that others' hostile values get checked."""
    special: dict[tuple[str, str], Any] = {
        ("route", "line"): None,
        ("receive", "line"): None,
        ("transfer", "department"): "billing",
        ("take_message", "department"): "billing",
        ("take", "department"): "billing",
        ("check_in", "department"): "reception",
        ("perform", "operation"): "desk.note",
        ("check_in", "name"): "Mrs Jones",
    }
    if (method, param) in special:
        return special[(method, param)]
    by_name: dict[str, Any] = {
        "member": world.anna.id,
        "member_id": world.anna.id,
        "actor": world.anna.id,
        "call": world.call.id,
        "message": world.message.id,
        "message_id": world.message.id,
        "visit": world.visit.id,
        "name": "Ben Carter",
        "roles": ["receptionist"],
        "role": "receptionist",
        "text": "Please call back",
        "caller": "020 7946 0018",
        "number": "020 7946 0019",
        "reason": "about my bill",
        "purpose": "delivery",
        "question": "where can I park",
        "student": "Sam Lee",
        "guardian": "Pat Lee",
        "start": MONDAY_10 - dt.timedelta(days=1),
        "end": MONDAY_10 + dt.timedelta(days=1),
        "identity_document": "P123",
        "operation": "desk.note",
    }
    return by_name.get(param, inspect.Parameter.empty)


TARGETS: dict[str, tuple[type, Callable[[World, Desk], Any]]] = {
    "office": (Office, lambda w, d: w.office),
    "office.staff": (StaffDirectory, lambda w, d: w.office.staff),
    "desk": (Desk, lambda w, d: d),
    "office.calls": (PhoneSystem, lambda w, d: w.office.calls),
    "office.messages": (MessageBook, lambda w, d: w.office.messages),
    "office.visitors": (VisitorBook, lambda w, d: w.office.visitors),
    "desk.calls": (CallDesk, lambda w, d: d.calls),
    "desk.messages": (MessageDesk, lambda w, d: d.messages),
    "desk.visitors": (VisitorDesk, lambda w, d: d.visitors),
    "desk.questions": (QuestionDesk, lambda w, d: d.questions),
    # the other desks' office facets (their desk facets need their own roles)
    "office.knowledge_base": (KnowledgeBase, lambda w, d: w.office.knowledge_base),
    "office.payments": (PaymentBook, lambda w, d: w.office.payments),
    "office.payroll": (PayrollOffice, lambda w, d: w.office.payroll),
    "office.schedule": (ScheduleOffice, lambda w, d: w.office.schedule),
    "office.filing": (FilingRoom, lambda w, d: w.office.filing),
    "office.records": (RecordBook, lambda w, d: w.office.records),
    "office.documents": (DocumentsOffice, lambda w, d: w.office.documents),
    "office.reviews": (ReviewsOffice, lambda w, d: w.office.reviews),
}

NOT_DRIVEN = {
    (
        "office",
        "open",
    ): "tested on its own (it opens stores): test_office_open_refuses_bad_arguments",
    ("office", "close"): "ends the office",
    ("desk", "close"): "ends the desk",
}


def _signature(cls: type, name: str) -> tuple[inspect.Signature, dict[str, Any]]:
    function = getattr(cls, name)
    signature = inspect.signature(function)
    try:
        module = inspect.getmodule(function)
        hints = typing.get_type_hints(function, vars(module) if module else None, _HINT_NAMES)
    except Exception:  # an annotation that does not resolve: anything goes
        hints = {}
    return signature, hints


def _methods(cls: type, target: str) -> list[str]:
    """The public methods of ``cls`` that take arguments, less those not driven here."""
    found = []
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or (target, name) in NOT_DRIVEN:
            continue
        if not (inspect.isfunction(member) or inspect.ismethod(member)):
            continue
        params = [p for p in _signature(cls, name)[0].parameters.values() if p.name != "self"]
        if params:
            found.append(name)
    return found


METHODS = {target: _methods(cls, target) for target, (cls, _) in TARGETS.items()}


def test_every_target_has_methods_to_drive() -> None:
    assert all(METHODS.values()), METHODS
    assert {"hire", "change_roles", "leave", "get"} <= set(METHODS["office.staff"])
    assert {"desk", "events"} <= set(METHODS["office"])
    assert {"note", "perform"} <= set(METHODS["desk"])


@pytest.mark.parametrize("target", list(TARGETS))
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_bad_input_is_refused_cleanly(
    office: Office, target: str, data: st.DataObject, bad_input_worlds: dict[int, World]
) -> None:
    world = bad_input_worlds.get(id(office))
    if world is None:  # once per office: the examples of one test share it
        world = bad_input_worlds[id(office)] = World(office)
    cls, get = TARGETS[target]
    name = data.draw(st.sampled_from(METHODS[target]), label="method")
    signature, hints = _signature(cls, name)
    params = [p for p in signature.parameters.values() if p.name != "self"]
    bad = data.draw(st.sets(st.sampled_from([p.name for p in params]), min_size=1), label="bad")
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in params:
        if param.name in bad:
            value = data.draw(hostile(hints.get(param.name, Any)), label=param.name)
        else:
            value = _valid(world, target, name, param.name)
            if value is inspect.Parameter.empty:
                if param.default is not inspect.Parameter.empty:
                    continue
                value = data.draw(hostile(hints.get(param.name, Any)), label=param.name)
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[param.name] = value
    before = counts(office)
    with office.desk(world.anna) as desk:
        method = getattr(get(world, desk), name)
        try:
            result = method(*args, **kwargs)
            if hasattr(result, "__enter__"):  # office.desk(...)
                with result:
                    pass
        except PermissionDenied:
            after = counts(office)
            assert after["events"] == before["events"] + 1  # the refusal, recorded
            assert {k: v for k, v in after.items() if k != "events"} == {
                k: v for k, v in before.items() if k != "events"
            }
        except OfficekitError:
            assert counts(office) == before, f"{target}.{name} failed but wrote"


@pytest.fixture
def bad_input_worlds() -> dict[int, World]:
    return {}


# -- Office.open ----------------------------------------------------------------------------


OPEN_ARGUMENTS = ("profile", "key", "clock", "plugins", "echo", "change_profile", "audit_key")
"""The arguments of Office.open checked here."""


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_office_open_refuses_bad_arguments(
    store_url: str, clock: ManualClock, data: st.DataObject
) -> None:
    signature, hints = _signature(Office, "open")
    names = [p for p in signature.parameters if p in OPEN_ARGUMENTS]
    bad = data.draw(st.sets(st.sampled_from(names), min_size=1), label="bad")
    kwargs: dict[str, Any] = {"profile": "medical", "clock": clock}
    for param in bad:
        kwargs[param] = data.draw(hostile(hints.get(param, Any)), label=param)
    try:
        office = Office.open(store_url, **kwargs)
    except OfficekitError:
        return
    office.close()


def test_office_open_wrong_types(store_url: str, clock: ManualClock) -> None:
    Office.open(store_url, profile="medical", clock=clock).close()
    for kwargs, where in [
        ({"key": 5}, "key"),
        ({"key": "ok\n"}, "key"),
        ({"clock": "now"}, "clock"),
        ({"echo": "yes"}, "echo"),
        ({"change_profile": 1}, "change_profile"),
        ({"plugins": 3}, "plugins"),
        ({"profile": 42}, "profile"),
        ({"profile": "med\x00ical"}, "profile"),
    ]:
        with pytest.raises(ValidationError) as caught:
            Office.open(store_url, **{"profile": "medical", "clock": clock, **kwargs})
        assert caught.value.problems[0].where == where, kwargs
    with pytest.raises(ValidationError) as caught:
        Office.open(42, profile="medical")  # type: ignore[arg-type]
    assert caught.value.problems[0].where == "url"


class _Clock:
    def __init__(self, answer: Callable[[], object]) -> None:
        self.answer = answer

    def now(self) -> Any:
        return self.answer()


def _boom() -> object:
    raise RuntimeError("the time server is down")


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    answer=st.one_of(
        st.datetimes(),  # naive
        st.dates(),
        st.none(),
        st.integers(),
        st.text(max_size=10),
        st.just(dt.datetime.max.replace(tzinfo=dt.UTC)),
    )
)
def test_a_clock_that_does_not_tell_an_aware_time_is_refused_before_the_store_is_touched(
    store_url: str, answer: object
) -> None:
    for clock in (_Clock(lambda: answer), _Clock(_boom)):
        with pytest.raises(ValidationError) as caught:
            Office.open(store_url, profile="medical", clock=clock)
        assert caught.value.problems[0].where == "clock"
    engine = sa.create_engine(store_url)
    try:
        assert sa.inspect(engine).get_table_names() == []  # not migrated
    finally:
        engine.dispose()


def test_an_office_name_too_long_for_its_column_is_refused(
    store_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    folder = write_reception_profile(tmp_path / "longname")
    text = (folder / "profile.toml").read_text(encoding="utf-8")
    long_name = "A" * 300
    (folder / "profile.toml").write_text(
        text.replace('name = "Test Practice"', f'name = "{long_name}"'), encoding="utf-8"
    )
    with pytest.raises(ProfileError, match=r"office.name.*at most 200"):
        Office.open(store_url, profile=folder, clock=clock)
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:  # refused before the store is even migrated
            assert "offices" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_a_profile_path_too_long_to_store_is_refused(
    store_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    deep = tmp_path / ("p" * 60) / ("q" * 60) / ("r" * 60)
    folder = write_reception_profile(deep / "frontdesk")
    with pytest.raises(ValidationError) as caught:
        Office.open(store_url, profile=folder, clock=clock)
    assert caught.value.problems[0].where == "profile"
    assert "at most 200" in str(caught.value)


# -- the cases the probe found ------------------------------------------------------------


def _where(exc: ValidationError) -> list[str]:
    return [p.where for p in exc.problems]


def test_wrong_types_name_their_argument(office: Office) -> None:
    world = World(office)
    before = counts(office)
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: office.staff.hire("Ben", roles=None), "roles"),  # type: ignore[arg-type]
        (lambda: office.staff.hire("Ben", roles=[["x"]]), "roles[0]"),  # type: ignore[list-item]
        (lambda: office.staff.hire("Ben", roles=["receptionist"], education=[]), "education"),
        (
            lambda: office.staff.hire("Ben", roles=["receptionist"], experience_years=10**400),
            "experience_years",
        ),
        (lambda: office.staff.get("1"), "member_id"),  # type: ignore[arg-type]
        (lambda: office.staff.get(2**40), "member_id"),
        (lambda: office.staff.list(include_departed="yes"), "include_departed"),  # type: ignore[arg-type]
        (lambda: office.staff.with_role(None), "role"),  # type: ignore[arg-type]
        (lambda: office.desk(None).__enter__(), "member"),  # type: ignore[arg-type]
        (lambda: office.events(limit=-1), "limit"),
        (lambda: office.events(after_seq="0"), "after_seq"),  # type: ignore[arg-type]
        (lambda: office.events(outcome="maybe"), "outcome"),
        (lambda: office.events(actor="anna"), "actor"),  # type: ignore[arg-type]
        (lambda: office.events(operation=3), "operation"),  # type: ignore[arg-type]
        (lambda: office.calls.route(None), "reason"),  # type: ignore[arg-type]
        (lambda: office.calls.route("x", at=NAIVE), "at"),
        (lambda: office.calls.route("x", at=FAR_PAST), "at"),
        (lambda: office.calls.route("x", at="now"), "at"),  # type: ignore[arg-type]
        (lambda: office.calls.route("x", line=5), "line"),  # type: ignore[arg-type]
        (lambda: office.calls.register_caller(None, "Ben"), "number"),  # type: ignore[arg-type]
        (lambda: office.calls.register_caller("020 7946 0019", "Ben", []), "department"),  # type: ignore[arg-type]
        (lambda: office.calls.receive("020 7946 0019", None), "reason"),  # type: ignore[arg-type]
        (lambda: office.calls.get("1"), "call"),  # type: ignore[arg-type]
        (lambda: office.calls.between(NAIVE, NAIVE), "start"),
        (lambda: office.calls.stats("a", "b"), "start"),  # type: ignore[arg-type]
        (lambda: office.calls.known_caller(None), "caller"),  # type: ignore[arg-type]
        (lambda: office.messages.overdue(NAIVE), "at"),
        (lambda: office.messages.get("1"), "message_id"),  # type: ignore[arg-type]
        (lambda: office.messages.list(person="x"), "person"),  # type: ignore[arg-type]
        (lambda: office.messages.list(department=[]), "department"),  # type: ignore[arg-type]
        (lambda: office.visitors.get(None), "visit"),  # type: ignore[arg-type]
        (lambda: office.visitors.log(MONDAY_10, FAR_FUTURE), "end"),
        (lambda: office.visitors.is_guardian("Sam", 42), "guardian"),  # type: ignore[arg-type]
    ]
    with office.desk(world.anna) as desk:
        cases += [
            (lambda: desk.note("x", subject=42), "subject"),  # type: ignore[arg-type]
            (lambda: desk.note("x", subject="a\x00b"), "subject"),
            (lambda: desk.perform(["desk.note"]), "operation"),  # type: ignore[arg-type]
            (lambda: desk.perform("desk.note", detail={"x": object()}), "detail"),
            (lambda: desk.perform("desk.note", detail=5), "detail"),  # type: ignore[arg-type]
            (lambda: desk.perform("desk.note", act=5), "act"),  # type: ignore[arg-type]
            (lambda: desk.visitors.check_out("1"), "visit"),  # type: ignore[arg-type]
            (lambda: desk.visitors.receive(1.5), "visit"),  # type: ignore[arg-type]
            (lambda: desk.visitors.check_in("A", "b", department=["x"]), "department"),  # type: ignore[arg-type]
            (lambda: desk.visitors.check_in("A", "b", host="anna"), "host"),  # type: ignore[arg-type]
            (lambda: desk.calls.hold("1"), "call"),  # type: ignore[arg-type]
            (lambda: desk.calls.transfer(world.call, extension=[]), "extension"),  # type: ignore[arg-type]
            (lambda: desk.calls.transfer(world.call, department={}), "department"),  # type: ignore[arg-type]
            (lambda: desk.calls.transfer(world.call, person="x"), "person"),  # type: ignore[arg-type]
            (lambda: desk.messages.deliver("1"), "message_id"),  # type: ignore[arg-type]
            (lambda: desk.messages.take("x", person=True), "person"),  # type: ignore[arg-type]
            (lambda: desk.questions.answer(b"parking"), "question"),  # type: ignore[arg-type]
        ]
        wrong: list[tuple[int, str, str]] = []
        for i, (call, where) in enumerate(cases):
            try:
                call()
            except ValidationError as exc:
                if where not in _where(exc):
                    wrong.append((i, where, str(exc)))
            else:
                wrong.append((i, where, "did not raise"))
        assert wrong == []
    assert counts(office) == before


def test_reads_behave_the_same_on_both_backends(office: Office) -> None:
    world = World(office)
    assert office.staff.get(world.anna.id) == office.staff.get(world.anna)
    assert len(office.events(limit=0)) == 0
    assert len(office.events(limit=2)) == 2
    assert office.events(after_seq=2**31 - 1) == []
    with pytest.raises(ValidationError, match="after_seq"):
        office.events(after_seq=2**40)
    with pytest.raises(NotFoundError):
        office.staff.get(999_999)


@pytest.mark.parametrize(
    "text",
    ["Anna\x00Bell", "Anna\x1bBell", "Anna\nBell", "Anna\tBell", "Anna\x7fBell", "Anna\ud800"],
)
def test_control_characters_in_names_are_refused(office: Office, text: str) -> None:
    before = counts(office)
    with pytest.raises(ValidationError) as caught:
        office.staff.hire(text, roles=["receptionist"])
    assert _where(caught.value) == ["name"]
    assert "control character" in str(caught.value)
    assert counts(office) == before


def test_nul_in_free_text_is_refused_but_line_breaks_are_kept(office: Office) -> None:
    world = World(office)
    before = counts(office)
    with office.desk(world.anna) as desk:
        for call, where in [
            (lambda: desk.note("a\x00b"), "text"),
            (lambda: desk.messages.take("a\x00b", department="billing"), "text"),
            (
                lambda: desk.messages.take("ok", department="billing", from_name="A\x00"),
                "from_name",
            ),
            (lambda: desk.questions.answer("where\x00 can I park"), "question"),
            (lambda: desk.visitors.check_in("A\x00", "delivery", department="reception"), "name"),
            (
                lambda: desk.visitors.check_in("Al", "deli\x00very", department="reception"),
                "purpose",
            ),
        ]:
            with pytest.raises(ValidationError) as caught:
                call()
            assert where in _where(caught.value)
        with pytest.raises(ValidationError) as caught:
            office.calls.receive("020 7946 0019", "my bill\x00")
        assert _where(caught.value) == ["reason"]
        with pytest.raises(ValidationError):
            office.calls.route("my bill\x00")
        assert counts(office) == before
        note = desk.note("line one\nline two\tindented")
        assert note.detail["text"] == "line one\nline two\tindented"
        message = desk.messages.take("first\nsecond", department="billing")
        assert message.text == "first\nsecond"
    call = office.calls.receive("020 7946 0019", "my bill\nand more")
    assert office.calls.get(call).reason == "my bill\nand more"


def test_over_long_text_is_refused_before_anything_is_written(office: Office) -> None:
    world = World(office)
    before = counts(office)
    with pytest.raises(ValidationError, match="at most 200"):
        office.staff.hire("A" * 201, roles=["receptionist"])
    with office.desk(world.anna) as desk:
        with pytest.raises(ValidationError, match="at most 200") as caught:
            desk.note("x", subject="s" * 201)
        assert _where(caught.value) == ["subject"]
        with pytest.raises(ValidationError) as caught:
            desk.messages.take("x" * 4001, department="billing")
        assert _where(caught.value) == ["text"]
    with pytest.raises(ValidationError) as caught:
        office.calls.receive("020 7946 0019", "r" * 2001)
    assert _where(caught.value) == ["reason"]
    assert counts(office) == before


def test_far_dates_are_refused_naming_the_argument(office: Office) -> None:
    with pytest.raises(ValidationError) as caught:
        office.calls.route("my bill", at=FAR_PAST)
    assert _where(caught.value) == ["at"]
    with pytest.raises(ValidationError) as caught:
        office.calls.route("my bill", at=dt.datetime.max.replace(tzinfo=dt.UTC))
    assert _where(caught.value) == ["at"]
    with pytest.raises(ValidationError) as caught:
        office.calls.stats(FAR_PAST, MONDAY_10)
    assert _where(caught.value) == ["start"]


def test_a_clock_at_the_end_of_time_is_named(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("medical")
    world = World(office)
    clock.set(FAR_FUTURE)
    before = counts(office)
    with office.desk(world.anna) as desk:
        with pytest.raises(ValidationError) as caught:
            desk.messages.take("call back", department="reception")
        assert _where(caught.value) == ["clock"]
        with pytest.raises(ValidationError) as caught:
            desk.questions.answer("zzzz qqqq something nobody asks")
        assert _where(caught.value) == ["clock"]
        with pytest.raises(ValidationError) as caught:
            desk.calls.take_message(world.call, "call back", department="reception")
        assert _where(caught.value) == ["clock"]
    with pytest.raises(ValidationError) as caught:
        office.calls.route("my bill")
    assert _where(caught.value) == ["clock"]
    with pytest.raises(ValidationError) as caught:
        office.calls.receive("020 7946 0019", "my bill")
    assert _where(caught.value) == ["clock"]
    assert counts(office) == before


def test_a_message_number_is_normalised_like_a_callers(office: Office) -> None:
    world = World(office)
    with office.desk(world.anna) as desk:
        with pytest.raises(ValidationError) as caught:
            desk.messages.take("hi", department="billing", from_number="call me maybe")
        assert _where(caught.value) == ["from_number"]
        message = desk.messages.take("hi", department="billing", from_number="020 7946 0018")
    assert message.from_number == "+442079460018"


def test_a_transfer_to_an_unknown_person_names_person(office: Office) -> None:
    world = World(office)
    before = counts(office)
    with office.desk(world.anna) as desk:
        with pytest.raises(NotFoundError, match=r"^person: no member of staff with id 999"):
            desk.calls.transfer(world.call, person=999)
        with pytest.raises(NotFoundError, match=r"^person: "):
            desk.calls.take_message(world.call, "hi", person=999)
        with pytest.raises(NotFoundError, match=r"^person: "):
            desk.messages.take("hi", person=999)
    assert counts(office) == before


class _HoldMeanwhile:
    """Before one desk completes the call, another holds it for 30 s and resumes it."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.office: Office | None = None
        self.member: StaffMember | None = None

    @hookimpl
    def officekit_before_operation(self, office: Office, context: Any) -> None:
        if context.operation != "calls.complete" or self.member is None:
            return
        call_id = context.detail["call_id"]
        member, self.member = self.member, None  # once
        with office.desk(member) as other:
            other.calls.hold(call_id)
            self.clock.advance(seconds=30)
            other.calls.resume(call_id)


def test_a_hold_that_came_and_went_meanwhile_is_not_lost(
    open_office: Callable[..., Office], clock: ManualClock, tmp_path: Path
) -> None:
    clock.set(MONDAY_10)
    meanwhile = _HoldMeanwhile(clock)
    office = open_office(write_reception_profile(tmp_path / "frontdesk"), plugins=[meanwhile])
    anna = office.staff.hire("Anna", roles=["receptionist"], experience_years=2)
    ben = office.staff.hire("Ben", roles=["receptionist"], experience_years=2)
    call = office.calls.receive("020 7946 0018", "hello")
    with office.desk(anna) as desk:
        call = desk.calls.answer(call)
        meanwhile.member = ben
        done = desk.calls.complete(call)
    assert done.status == "ended" and done.outcome == "completed"
    assert done.hold_seconds == 30.0


# -- what a fuzzing pass over every desk's facets found ---------------------------------------


def test_the_desks_office_facets_check_what_they_are_given(office: Office) -> None:
    world = World(office)
    kb = office.knowledge_base
    faq = str(Path(__file__).resolve().parents[1] / "profiles" / "medical" / "faq.toml")
    assistant = office.staff.hire("Ada Park", roles=["practice_manager"], experience_years=5)
    before = counts(office)
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: office.payments.cashup([]), "day"),  # type: ignore[arg-type]
        (lambda: office.payments.cashup("2026-03-02"), "day"),  # type: ignore[arg-type]
        (lambda: office.payments.cashup(10**30), "day"),  # type: ignore[arg-type]
        (lambda: office.payments.cashup(MONDAY_10), "day"),
        (lambda: office.payments.cashup(dt.date(9999, 12, 31)), "day"),
        (lambda: office.schedule.may("dr_patel", world.anna.id, "nope"), "scope"),
        (lambda: office.schedule.may("dr_patel", world.anna.id, None), "scope"),  # type: ignore[arg-type]
        (lambda: kb.search(None), "question"),  # type: ignore[arg-type]
        (lambda: kb.decide(5), "question"),  # type: ignore[arg-type]
        (lambda: kb.decide("parking", threshold=5), "threshold"),
        (lambda: kb.decide("parking", threshold=float("nan")), "threshold"),
        (lambda: kb.get(["x"]), "entry_id"),  # type: ignore[arg-type]
        (lambda: kb.load(None), "path"),  # type: ignore[arg-type]
        (lambda: kb.load("a\x00b"), "path"),
        (lambda: kb.load("\ud800"), "path"),
        (lambda: kb.load([faq, "\ud800"]), "path[1]"),
        (lambda: kb.load(faq, departments=0.0), "departments"),  # type: ignore[arg-type]
        (lambda: KnowledgeBase.from_entries([object()]), "entries[0]"),  # type: ignore[list-item]
        (lambda: KnowledgeBase.for_profile(None), "profile"),  # type: ignore[arg-type]
        (lambda: office.filing.suggest("x", sender=5), "sender"),  # type: ignore[arg-type]
        (lambda: office.filing.suggest(5), "title"),  # type: ignore[arg-type]
        (lambda: office.payroll.read_manifest("a\x00b"), "manifest"),
        (lambda: office.payroll.read_manifest("\ud800"), "manifest"),
    ]
    for call, where in cases:
        with pytest.raises(ValidationError) as caught:
            call()
        assert _where(caught.value) == [where]
    with office.desk(assistant) as desk:
        with pytest.raises(ValidationError) as caught:
            desk.payments.cashup(dt.date(9999, 12, 31))
        assert _where(caught.value) == ["day"]
        with pytest.raises(TypeError):  # a keyword nobody takes: Python's own error, at once
            desk.schedule.free_slots(30, bogus=1)  # type: ignore[call-arg]
    assert counts(office) == before
