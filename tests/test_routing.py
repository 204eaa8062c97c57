"""Routing: each rule kind, first match wins, opening hours and holidays, plugins decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.reception_profile import write_reception_profile

import officekit
from officekit import ManualClock, Office, load_profile
from officekit.plugins.reception.routing import PhraseIndex, Router, RoutingDecision
from officekit.plugins.reception.text import stem, tokens

MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Router:
    folder = write_reception_profile(tmp_path_factory.mktemp("routing") / "frontdesk")
    return Router(load_profile(folder))


def decide(
    router: Router, reason: str, at: dt.datetime = MONDAY_10, **kw: object
) -> RoutingDecision:
    return router.decide(reason, at=at, **kw)  # type: ignore[arg-type]


def test_keywords_route_to_the_rule_department(router: Router) -> None:
    d = decide(router, "Hi, I'd like to reschedule my appointment please")
    assert (d.destination, d.kind, d.rule) == ("appointments", "rule", "appointments")
    assert "matched 'reschedule'" in d.explanation or "matched 'appointment'" in d.explanation


def test_word_forms_match(router: Router) -> None:
    assert decide(router, "Booking for next week").department == "appointments"
    assert decide(router, "about my invoices").department == "billing"
    assert decide(router, "I want to cancel my visit").department == "appointments"


def test_first_matching_rule_wins(router: Router) -> None:
    # both the appointments rule (2nd) and the billing rule (3rd) match: the earlier wins
    d = decide(router, "a bill for my appointment")
    assert d.rule == "appointments"


def test_priority_line_comes_first_when_listed_first(router: Router) -> None:
    d = decide(router, "a bill", line="020 7946 0999")
    assert (d.rule, d.destination) == ("nurse-line", "nurses")
    assert "line 020 7946 0999" in d.explanation


def test_known_customer_goes_to_their_department(router: Router) -> None:
    d = decide(router, "hello", known_customer=True, caller_department="billing")
    assert (d.rule, d.destination) == ("known-customers", "billing")
    d = decide(router, "hello", known_customer=True)
    assert d.destination == "reception"


def test_no_match_goes_to_the_default(router: Router) -> None:
    d = decide(router, "hello there")
    assert (d.kind, d.destination, d.rule) == ("default", "reception", None)
    assert "no rule matched" in d.explanation


def test_closed_department_goes_after_hours(router: Router) -> None:
    evening = dt.datetime(2026, 3, 2, 19, 30, tzinfo=dt.UTC)
    d = decide(router, "book an appointment", at=evening)
    assert (d.department, d.destination, d.open) == ("appointments", "answering_service", False)
    assert "closed at Mon 19:30 GMT" in d.explanation
    d = decide(router, "my bill", at=evening)
    assert d.destination == "voicemail"  # the routing default for after hours


def test_opening_hours_are_local_time(router: Router) -> None:
    # 07:30 UTC in summer is 08:30 in London (BST): appointments is open
    summer = dt.datetime(2026, 7, 6, 7, 30, tzinfo=dt.UTC)
    assert decide(router, "book an appointment", at=summer).open
    # the same instant expressed in New York time is the same moment
    ny = summer.astimezone(dt.timezone(dt.timedelta(hours=-4)))
    assert decide(router, "book an appointment", at=ny).open
    # 07:30 UTC in winter is 07:30 in London: closed
    winter = dt.datetime(2026, 1, 5, 7, 30, tzinfo=dt.UTC)
    assert not decide(router, "book an appointment", at=winter).open


def test_holidays_close_the_office_or_some_departments(router: Router) -> None:
    christmas = dt.datetime(2026, 12, 25, 11, 0, tzinfo=dt.UTC)  # a Friday
    d = decide(router, "book an appointment", at=christmas)
    assert not d.open and "Christmas Day" in d.explanation
    training = dt.datetime(2026, 3, 4, 11, 0, tzinfo=dt.UTC)
    assert not decide(router, "my bill", at=training).open
    assert decide(router, "book an appointment", at=training).open


def test_urgent_script_instead_of_routing(router: Router) -> None:
    d = decide(router, "my husband has chest pains, I need an appointment")
    assert d.kind == "urgent" and d.urgent == "script" and d.destination is None
    assert d.script is not None and "999" in d.script


def test_urgent_flag_goes_straight_through(router: Router) -> None:
    d = decide(router, "I need my urgent results")
    assert (d.kind, d.urgent, d.destination) == ("urgent", "flag", "nurses")


def test_hook_route_call(
    open_office: Callable[..., Office], tmp_path: Path, clock: ManualClock
) -> None:
    class VipRouter:
        @officekit.hookimpl
        def officekit_route_call(self, reason: str) -> RoutingDecision | None:
            if "vip" not in reason:
                return None
            return RoutingDecision("billing", "billing", "plugin", "the VIP plugin decided")

    clock.set(MONDAY_10)
    office = open_office(write_reception_profile(tmp_path / "fd"), plugins=[VipRouter()])
    vip = office.calls.receive("020 7946 0018", "vip customer, book an appointment")
    assert (vip.destination, vip.routed_by, vip.explanation) == (
        "billing",
        "plugin",
        "the VIP plugin decided",
    )
    plain = office.calls.receive("020 7946 0019", "book an appointment")
    assert plain.destination == "appointments"


def test_after_hours_call_ends_at_once(
    open_office: Callable[..., Office], tmp_path: Path, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.UTC))
    office = open_office(write_reception_profile(tmp_path / "fd"))
    call = office.calls.receive("020 7946 0018", "book an appointment")
    assert (call.status, call.outcome, call.line) == ("ended", "after_hours", None)
    assert call.destination == "answering_service"


def test_phrase_index_finds_the_lowest_owner() -> None:
    index = PhraseIndex([["late fee"], ["fee"], ["late"]])
    assert index.first_match("is there a late fee?") == (0, "late fee")
    assert index.first_match("what is the fee") == (1, "fee")
    assert index.first_match("I am late") == (2, "late")
    assert index.first_match("nothing here") is None


@given(
    st.lists(
        st.sampled_from(["alpha", "beta", "gamma", "delta", "alpha beta"]), min_size=1, max_size=30
    ),
    st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "omega"]), max_size=6),
)
def test_phrase_index_agrees_with_a_linear_scan(phrases: list[str], words: list[str]) -> None:
    index = PhraseIndex([[p] for p in phrases])
    text = " ".join(words)
    stems = tokens(text)

    def occurs(phrase: str) -> bool:
        p = tokens(phrase)
        return any(stems[i : i + len(p)] == p for i in range(len(stems)))

    expected = next((i for i, p in enumerate(phrases) if occurs(p)), None)
    found = index.first_match(text)
    assert (found[0] if found else None) == expected


def test_stemming_is_light_and_consistent() -> None:
    assert stem("appointments") == stem("appointment") == "appointment"
    assert stem("opening") == stem("opens") == "open"
    assert stem("class") == "class" and stem("bus") == "bus"
