"""The desks' metrics for the front-office analysis, and the event details they read.

Known answers: a hand-built day of calls, payments, records and filing on a
``ManualClock`` office, analysed on SQLite and PostgreSQL, checked figure by
figure. Properties: more misroutes or corrections never raise the accuracy score.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officekit import ManualClock, Office
from officekit.errors import ValidationError
from officekit.plugins.assistant.metrics import metrics as assistant_metrics
from officekit.plugins.clerk.metrics import metrics as clerk_metrics
from officekit.plugins.money.metrics import metrics as money_metrics
from officekit.plugins.money.payments.amounts import Card, Line
from officekit.plugins.reception.metrics import metrics as reception_metrics
from officekit.plugins.reception.routing import covering, front_desk_departments
from officekit.plugins.reviews.engine import MetricQuery
from officekit.plugins.reviews.metrics import Metric, score

DOCS = Path(__file__).resolve().parent.parent / "docs" / "reference" / "metrics.md"
DESKS: dict[str, Callable[[], list[Metric]]] = {
    "reception": reception_metrics,
    "clerk": clerk_metrics,
    "money": money_metrics,
    "assistant": assistant_metrics,
}
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 09:00 in London too (GMT)
DAY = MONDAY.date()
CARD = Card("4242 4242 4242 4242", 12, 2030, "123")


def desks_metrics() -> list[Metric]:
    return [m for make in DESKS.values() for m in make()]


def hire(office: Office, name: str, role: str, years: int = 2) -> Any:
    return office.staff.hire(name, roles=[role], experience_years=years)


def metric(person: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = person["metrics"][key]
    return found


def expect(key: str, value: float, count: float) -> dict[str, Any]:
    """The JSON of a metric with enough data: its value, count and score."""
    m = next(m for m in desks_metrics() if m.key == key)
    return {"value": pytest.approx(value), "count": pytest.approx(count),
            "score": pytest.approx(score(value, m.target, m.better)), "enough": True}  # fmt: skip


# -- registration -------------------------------------------------------------------------


def test_the_desks_register_their_metrics(sqlite_office: Office) -> None:
    catalogue = sqlite_office.reviews.catalogue
    ours = desks_metrics()
    keys = [m.key for m in ours]
    assert len(keys) == len(set(keys)), "two metrics of the desks share a key"
    assert set(keys) <= set(catalogue.by_key)
    dimensions = {d.key for d in catalogue.dimensions}
    for m in ours:
        assert m.dimension in dimensions, m.key
        assert set(m.operations()) <= set(sqlite_office.operations), m.key
        assert m.formula, m.key
        # The registered metric is the desk's (the medical profile keeps the default targets).
        assert catalogue.by_key[m.key] == m
    # One operation credits one detail key across every metric of the office.
    MetricQuery(catalogue.metrics)


def test_each_operation_credits_whoever_made_the_error() -> None:
    credits: dict[str, set[str | None]] = {}
    for m in desks_metrics():
        for tally in m.tallies():
            for op in tally.operations:
                credits.setdefault(op, set()).add(tally.credit)
    assert all(len(keys) == 1 for keys in credits.values()), credits
    assert credits["records.correct"] == {"corrected_entry_by"}
    assert credits["filing.reclassify"] == {"filed_by"}
    assert credits["filing.return"] == {"to_staff_id"}
    assert credits["payments.refund"] == credits["payments.void"] == {"taken_by"}
    assert credits["calls.transfer"] == {None}


def test_a_desk_turned_off_takes_its_metrics_with_it(
    sqlite_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    profile = tmp_path / "nomoney" / "profile.toml"
    profile.parent.mkdir()
    profile.write_text(
        'extends = "medical"\nname = "nomoney"\n\n'
        '[plugins]\ndisable = ["officekit.plugins.money"]\n',
        encoding="utf-8",
    )
    office = Office.open(sqlite_url, profile=profile.parent, clock=clock)
    try:
        keys = set(office.reviews.catalogue.by_key)
    finally:
        office.close()
    assert not {m.key for m in money_metrics()} & keys
    assert {m.key for m in reception_metrics()} <= keys


def test_every_metric_is_documented(sqlite_office: Office) -> None:
    page = DOCS.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z_.]+)` \|", page, re.MULTILINE))
    registered = set(sqlite_office.reviews.catalogue.by_key)
    assert registered <= rows, f"docs/reference/metrics.md lacks {sorted(registered - rows)}"
    for m in desks_metrics():  # and its documented target is the code's
        row = next(line for line in page.splitlines() if line.startswith(f"| `{m.key}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[4:] == [f"{m.target:g}", m.unit, m.better], m.key


def test_the_metrics_page_is_in_the_nav() -> None:
    nav = (DOCS.parents[2] / "mkdocs.yml").read_text(encoding="utf-8")
    assert "reference/metrics.md" in nav


# -- the event details the metrics read -----------------------------------------------------


def test_cover_is_front_desk_work_outside_the_front_desks_departments(
    sqlite_office: Office,
) -> None:
    profile = sqlite_office.profile
    served = front_desk_departments(profile)
    assert {"reception", "appointments", "triage", "billing", "medical_records"} <= served
    assert "administration" not in served
    assert not covering(profile, ["receptionist"])
    assert not covering(profile, ["medical_receptionist"])
    assert covering(profile, ["administrative_assistant"])
    assert not covering(profile, ["administrative_assistant", "receptionist"])
    assert covering(profile, [])  # nobody's duty: an unknown role belongs nowhere


def test_call_events_record_waits_handling_times_and_who_handled(
    sqlite_office: Office, clock: ManualClock
) -> None:
    office = sqlite_office
    clock.set(MONDAY)
    anna = hire(office, "Anna", "receptionist")
    paula = hire(office, "Paula", "administrative_assistant", 4)
    with office.desk(anna) as desk, office.desk(paula) as cover:
        first = office.calls.receive("020 7946 0001", "hello")
        clock.advance(seconds=31)
        desk.calls.answer(first)
        clock.advance(seconds=42.5)
        desk.calls.hold(first)
        clock.advance(seconds=20)
        desk.calls.complete(first)
        second = office.calls.receive("020 7946 0002", "hello")
        clock.advance(seconds=4)
        cover.calls.answer(second)
        clock.advance(seconds=15)
        office.calls.hang_up(second)
        third = office.calls.receive("020 7946 0003", "hello")
        clock.advance(seconds=9)
        office.calls.hang_up(third)
    answers = [e.detail for e in office.events(operation="calls.answer")]
    assert [(d["waited_seconds"], d["within_service_level"], d["cover"]) for d in answers] == [
        (31.0, False, False),  # the medical profile's service level: 30 s
        (4.0, True, True),
    ]
    (complete,) = office.events(operation="calls.complete")
    assert complete.detail["handled_seconds"] == 62.5  # hold included
    answered, abandoned = office.events(operation="calls.hang_up")
    assert answered.detail["handled_seconds"] == 15.0
    assert answered.detail["handled_by"] == paula.id
    assert answered.detail["outcome"] == "completed"
    assert "handled_seconds" not in abandoned.detail
    assert "handled_by" not in abandoned.detail


def test_visitor_check_in_records_cover(sqlite_office: Office, clock: ManualClock) -> None:
    office = sqlite_office
    clock.set(MONDAY)
    anna = hire(office, "Anna", "receptionist")
    paula = hire(office, "Paula", "administrative_assistant", 4)
    for who in (anna, paula):
        with office.desk(who) as desk:
            desk.visitors.check_in("Mr Shah", "a delivery", department="administration")
    assert [e.detail["cover"] for e in office.events(operation="visitors.check_in")] == [
        False,
        True,
    ]


def test_messages_record_whether_they_were_late(sqlite_office: Office, clock: ManualClock) -> None:
    office = sqlite_office
    clock.set(MONDAY)
    anna = hire(office, "Anna", "receptionist")
    bill = hire(office, "Bill", "receptionist")
    with office.desk(anna) as desk:
        early = desk.messages.take("Call back", person=bill)
        late = desk.messages.take("Call back later", person=bill)
        desk.messages.deliver(early)
        clock.advance(hours=5)  # past the profile's message_due_hours (4 by default)
        desk.messages.deliver(late)
    with office.desk(bill) as desk:
        desk.messages.acknowledge(early)
    delivered = [e.detail["overdue"] for e in office.events(operation="messages.deliver")]
    assert delivered == [False, True]
    (acknowledged,) = office.events(operation="messages.acknowledge")
    assert acknowledged.detail == {"message_id": early.id, "overdue": True}


def test_a_late_return_names_who_had_the_file(sqlite_office: Office, clock: ManualClock) -> None:
    office = sqlite_office
    clock.set(MONDAY)
    carla = hire(office, "Carla", "clerk")
    dora = hire(office, "Dora", "clerk")
    with office.desk(carla) as desk:
        doc = desk.filing.file("Supplier letter", category="correspondence", cabinet="A")
        desk.filing.check_out(doc, to=dora, days=1)
        clock.advance(days=2)
        desk.filing.return_file(doc)
    (returned,) = office.events(operation="filing.return")
    assert returned.actor_id == carla.id
    assert returned.detail["to_staff_id"] == dora.id
    assert returned.detail["overdue"] is True


def test_voids_and_refunds_say_whether_they_were_a_mistake(
    sqlite_office: Office, clock: ManualClock
) -> None:
    office = sqlite_office
    clock.set(MONDAY)
    anna = hire(office, "Anna", "receptionist")
    pat = hire(office, "Pat", "practice_manager", 9)
    lines = [Line("Travel vaccination", 1, "45.00", "exempt")]
    with office.desk(anna) as desk:
        held = desk.payments.charge(lines, card=CARD, idempotency_key="k1", capture=False)
        paid = desk.payments.charge(lines, card=CARD, idempotency_key="k2")
        other = desk.payments.charge(lines, card=CARD, idempotency_key="k3")
    with office.desk(pat) as desk:
        with pytest.raises(ValidationError) as bad:
            desk.payments.void(held, mistake="yes")
        assert bad.value.problems[0].where == "mistake"
        with pytest.raises(ValidationError) as bad:
            desk.payments.refund(paid, idempotency_key="r0", mistake=1)
        assert bad.value.problems[0].where == "mistake"
        assert office.events(operation="payments.refund") == []  # nothing was written
        desk.payments.void(held, mistake=True)
        desk.payments.refund(paid, idempotency_key="r1", mistake=True)
        desk.payments.refund(other, "5.00", idempotency_key="r2")
    charges = office.events(operation="payments.charge")
    assert [e.detail["approved"] for e in charges] == [True, True, True]
    (void,) = office.events(operation="payments.void")
    assert (void.detail["mistake"], void.detail["taken_by"]) == (True, anna.id)
    refunds = [
        (e.detail["stage"], e.detail.get("mistake"), e.detail["taken_by"])
        for e in office.events(operation="payments.refund")
    ]
    assert refunds == [
        ("pending", True, anna.id),
        ("refunded", None, anna.id),  # the mistake is counted once, on the attempt
        ("pending", False, anna.id),
        ("refunded", None, anna.id),
    ]


def test_a_declined_charge_is_not_a_payment_taken(
    sqlite_office: Office, clock: ManualClock
) -> None:
    office = sqlite_office
    clock.set(MONDAY)
    anna = hire(office, "Anna", "receptionist")
    declined = Card("4000 0000 0000 0002", 12, 2030, "123")  # the test gateway declines it
    with office.desk(anna) as desk:
        payment = desk.payments.charge(
            [Line("Medical report", 1, "80.00", "exempt")], card=declined, idempotency_key="d1"
        )
    assert payment.status == "declined"
    (charge,) = office.events(operation="payments.charge")
    assert charge.detail["approved"] is False


# -- known answers ----------------------------------------------------------------------------


def test_a_known_day_gives_known_figures(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    clock.set(MONDAY)
    office = open_office("medical")
    anna = hire(office, "Anna Conti", "receptionist")
    carla = hire(office, "Carla Neri", "clerk")
    dora = hire(office, "Dora Bell", "clerk")
    pat = hire(office, "Pat Lowe", "practice_manager", 9)
    lines = [Line("Travel vaccination", 1, "45.00", "exempt")]
    with (
        office.desk(anna) as front,
        office.desk(carla) as clerk,
        office.desk(dora) as checker,
        office.desk(pat) as manager,
    ):
        for desk in (front, clerk, checker, manager):
            desk.start_shift()
        # Five calls: waits 10..50 s, handled 60..300 s, the third misrouted to billing.
        for n in range(5):
            call = office.calls.receive(f"020 7946 00{n:02d}", "I want to book an appointment")
            clock.advance(seconds=10 * (n + 1))
            front.calls.answer(call)
            clock.advance(seconds=60 * (n + 1))
            front.calls.transfer(call, department="billing" if n == 2 else "appointments")
        # Six payments taken; one refunded and one voided by mistake, one refunded on request.
        taken = [
            front.payments.charge(lines, card=CARD, idempotency_key=f"p{n}", capture=n != 5)
            for n in range(6)
        ]
        manager.payments.refund(taken[0], idempotency_key="r0", mistake=True)
        manager.payments.refund(taken[1], "5.00", idempotency_key="r1")
        manager.payments.void(taken[5], mistake=True)
        # Five records and five documents by Carla; Dora corrects one and refiles one.
        entered = [
            clerk.records.enter(
                "customer", name=f"Customer {n}", phone=f"020 7946 01{n:02d}", allow_duplicate=True
            ).record
            for n in range(5)
        ]
        filed = [
            clerk.filing.file(f"Supplier letter {n}", category="correspondence", cabinet="A")
            for n in range(5)
        ]
        checker.records.correct(entered[3], name="Customer Three")
        clerk.records.correct(entered[4], name="Customer Four")  # her own: nobody's error
        checker.filing.reclassify(filed[1], "private_fees")
        clock.set(MONDAY + dt.timedelta(hours=8))
        for desk in (front, clerk, checker, manager):
            desk.end_shift()

    review = office.reviews.analyze(DAY, DAY).to_json()
    people = {p["name"]: p for p in review["people"]}
    assert people["Anna Conti"]["hours"] == pytest.approx(8.0)
    a = people["Anna Conti"]
    assert metric(a, "calls.handling_time") == expect("calls.handling_time", 180.0, 5)
    assert metric(a, "calls.speed_of_answer") == expect("calls.speed_of_answer", 30.0, 5)
    assert metric(a, "calls.service_level") == expect("calls.service_level", 60.0, 5)
    # Anna was the only one on shift who answers calls: the 5 calls are her share.
    assert metric(a, "calls.throughput") == expect("calls.throughput", 1.0, 5)
    assert metric(a, "calls.misroutes") == expect("calls.misroutes", 20.0, 5)
    assert metric(a, "payments.mistakes") == expect("payments.mistakes", 100 * 2 / 6, 6)
    # A receptionist's front-desk work is her duty, not cover: not measured for her.
    assert metric(a, "front_desk.cover") == {
        "value": None,
        "count": 0.0,
        "score": None,
        "enough": False,
    }
    assert metric(a, "records.corrections")["enough"] is False
    # Accuracy: the mean of the two accuracy metrics with enough data.
    misroutes = score(20.0, 5.0, "lower")
    mistakes = score(100 * 2 / 6, 1.0, "lower")
    assert a["dimensions"]["accuracy"] == pytest.approx((misroutes + mistakes) / 2)

    c = people["Carla Neri"]
    assert metric(c, "records.corrections") == expect("records.corrections", 20.0, 5)
    assert metric(c, "filing.misfiles") == expect("filing.misfiles", 20.0, 5)
    # Carla did all the office's 10 entries and filings, but three people on shift the
    # same hours may do that work: her fair share was a third, so she did 3 times it
    # (a share under 5 is too little data to score).
    assert metric(c, "clerk.throughput") == {
        "value": pytest.approx(3.0),
        "count": pytest.approx(10 / 3),
        "score": None,
        "enough": False,
    }
    assert c["dimensions"]["accuracy"] == pytest.approx(
        score(20.0, 3.0, "lower") / 2 + score(20.0, 2.0, "lower") / 2
    )
    # Dora found the errors: they are not hers. The manager reversed payments: not his.
    d = people["Dora Bell"]
    assert metric(d, "records.corrections")["value"] is None
    assert metric(d, "filing.misfiles")["value"] is None
    assert metric(people["Pat Lowe"], "payments.mistakes")["value"] is None

    office_metrics = review["office_scores"]["metrics"]
    assert office_metrics["calls.misroutes"]["value"] == pytest.approx(20.0)
    # The office counts every correction, Carla's own among them.
    assert office_metrics["records.corrections"]["value"] == pytest.approx(40.0)
    assert office_metrics["payments.mistakes"]["value"] == pytest.approx(100 * 2 / 6)
    # The office's finding breaks misroutes down by the department routing chose.
    (finding,) = [
        f for f in review["findings"] if f["metric"] == "calls.misroutes" and f["staff_id"] is None
    ]
    assert finding["evidence"]["breakdown"] == {"appointments": pytest.approx(20.0)}


# -- properties -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [m.key for m in desks_metrics() if m.dimension == "accuracy"])
@given(per=st.integers(5, 500), errors=st.integers(0, 499))
def test_an_error_more_never_scores_higher(key: str, per: int, errors: int) -> None:
    m = next(m for m in desks_metrics() if m.key == key)
    assert m.better == "lower"
    errors = min(errors, per - 1)
    value = m.scale * errors / per
    worse = m.scale * (errors + 1) / per
    assert score(worse, m.target, m.better) <= score(value, m.target, m.better)
    assert 0.0 <= score(worse, m.target, m.better) <= 100.0


_WEEK = itertools.count(1)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(transfers=st.integers(5, 7), misroutes=st.integers(0, 4), corrections=st.integers(0, 4))
def test_more_misroutes_or_corrections_never_raise_accuracy(
    sqlite_office: Office, clock: ManualClock, transfers: int, misroutes: int, corrections: int
) -> None:
    """Two people alike but for one error more: the second's accuracy is not higher."""
    office = sqlite_office
    week = next(_WEEK)
    start = MONDAY + dt.timedelta(weeks=week)
    clock.set(max(start, clock.now()))
    checker = hire(office, f"Checker {week}", "clerk")
    accuracy = []
    for extra in (0, 1):
        front = hire(office, f"Front {week}-{extra}", "receptionist")
        clerk = hire(office, f"Clerk {week}-{extra}", "clerk")
        with office.desk(front) as desk, office.desk(clerk) as typist, office.desk(checker) as fix:
            for n in range(transfers):
                call = office.calls.receive(f"020 7946 0{n:03d}", "I want to book an appointment")
                desk.calls.answer(call)
                wrong = n < min(misroutes + extra, transfers)
                desk.calls.transfer(call, department="billing" if wrong else "appointments")
            records = [
                typist.records.enter(
                    "customer", name=f"C {week} {extra} {n}", phone=f"020 7946 1{n:03d}",
                    allow_duplicate=True,
                ).record
                for n in range(6)
            ]  # fmt: skip
            for record in records[: corrections + extra]:
                fix.records.correct(record, name=f"{record.id} corrected")
        review = office.reviews.analyze(clock.now().date(), clock.now().date())
        people = {p["staff_id"]: p for p in review.to_json()["people"]}
        accuracy.append(
            (people[front.id]["dimensions"]["accuracy"], people[clerk.id]["dimensions"]["accuracy"])
        )
    (front_before, clerk_before), (front_after, clerk_after) = accuracy
    assert front_before is not None and front_after is not None
    assert front_after <= front_before
    assert clerk_before is not None and clerk_after is not None
    assert clerk_after <= clerk_before
