"""The payments desk: charges, taxes, lifecycle, idempotency, receipts, cash-up, card data."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import officekit
from officekit import ManualClock, Office
from officekit.errors import ConflictError, PermissionDenied, ValidationError
from officekit.plugins.money.payments.amounts import Card, Line, format_minor, price_lines
from officekit.plugins.money.payments.gateway import GatewayResult, TestGateway
from officekit.plugins.money.payments.payments import PaymentPending
from officekit.plugins.money.payments.tables import MIGRATIONS, payments, receipts

VISA = "4242 4242 4242 4242"
TEST_NUMBERS = (
    "4242424242424242",
    "5555555555554444",
    "4000000000000002",
    "4000000000009995",
    "4000000000000127",
    "4000000000000119",
)


@pytest.fixture(autouse=True)
def _fresh_test_gateways() -> None:
    TestGateway.forget_all()  # the PostgreSQL test store is emptied and reused


def card(number: str = VISA, cvc: str = "123") -> Card:
    return Card(number, 12, 2030, cvc)


def manager(office: Office, role: str = "office_manager") -> Any:
    return office.staff.hire("Sam Okafor", roles=[role], experience_years=9)


def payment_events(office: Office) -> list[Any]:
    return list(office.events(operation="payments."))


# -- taxes and rounding ----------------------------------------------------------------------------


def test_sales_tax_is_added_per_line_and_rounded_half_up() -> None:
    totals = price_lines(
        [Line("Paper", 3, "4.99", "general"), Line("Coffee", 1, "12.75", "food")],
        currency="USD",
        rates={"general": Decimal("10.25"), "food": Decimal("2.25")},
        default_category="general",
        inclusive=False,
        rounding="ROUND_HALF_UP",
        kinds=["item"],
    )
    # 14.97 * 10.25% = 1.534425 -> 1.53; 12.75 * 2.25% = 0.286875 -> 0.29
    assert [(p.net_minor, p.tax_minor) for p in totals.lines] == [(1497, 153), (1275, 29)]
    assert (totals.net_minor, totals.tax_minor, totals.total_minor) == (2772, 182, 2954)


def test_inclusive_tax_is_taken_out_of_the_price() -> None:
    totals = price_lines(
        [Line("Uniform", 1, "55.00", "gst")],
        currency="AUD",
        rates={"gst": Decimal(10)},
        default_category="gst",
        inclusive=True,
        rounding="ROUND_HALF_UP",
        kinds=["item"],
    )
    assert (totals.net_minor, totals.tax_minor, totals.total_minor) == (5000, 500, 5500)


def test_half_even_rounding_when_the_profile_says() -> None:
    args: dict[str, Any] = {"currency": "EUR", "rates": {}, "default_category": "x"}
    args.update(inclusive=False, kinds=["item"])
    up = price_lines([Line("a", 1, "0.125")], rounding="ROUND_HALF_UP", **args)
    even = price_lines([Line("a", 1, "0.125")], rounding="ROUND_HALF_EVEN", **args)
    assert (up.total_minor, even.total_minor) == (13, 12)


def test_minor_units_follow_iso_4217() -> None:
    assert format_minor(1250, "GBP") == "GBP 12.50"
    assert format_minor(1250, "JPY") == "JPY 1,250"
    assert format_minor(1250, "KWD") == "KWD 1.250"


# -- the lifecycle ---------------------------------------------------------------------------------


def test_charge_refund_and_receipts_with_sales_tax(open_office: Callable[..., Office]) -> None:
    office = open_office("smallbusiness")
    with office.desk(manager(office)) as desk:
        paid = desk.payments.charge(
            [Line("Paper", 3, "4.99"), Line("Coffee", 1, "12.75", "food")],
            card=card(),
            idempotency_key="sale-1",
            customer="Walk-in",
        )
        assert (paid.status, paid.total_minor, paid.tax_minor) == ("captured", 2954, 182)
        assert (paid.brand, paid.last4) == ("visa", "4242")
        refund = desk.payments.refund(paid, "10.00", idempotency_key="ref-1")
        assert refund.status == "refunded" and refund.amount_minor == 1000
        with pytest.raises(ConflictError, match="left to refund"):
            desk.payments.refund(paid, "20.00", idempotency_key="ref-2")
        rest = desk.payments.refund(paid, idempotency_key="ref-3")
        assert rest.amount_minor == 1954
    assert office.payments.get(paid).status == "refunded"
    labels = [r.label for r in office.payments.receipts()]
    assert labels == ["2026-000001", "2026-000002", "2026-000003"]
    text = office.payments.render("2026-000001")
    assert "Sales tax 10.25%" in text and "Sales tax 2.25%" in text and "VISA **** 4242" in text
    assert "12/2030" not in text and "2030" not in text
    assert office.verify_audit(deep=True).ok


def test_authorise_then_capture_or_void_and_impossible_steps(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("smallbusiness")
    with office.desk(manager(office)) as desk:
        held = desk.payments.charge(
            [Line("Repair", 1, "35", kind="service")],
            card=card(),
            idempotency_key="h1",
            capture=False,
        )
        assert held.status == "authorised" and office.payments.receipts() == []
        with pytest.raises(ConflictError):
            desk.payments.refund(held, idempotency_key="r-early")
        voided = desk.payments.void(held)
        assert voided.status == "voided"
        before = len(payment_events(office))
        with pytest.raises(ConflictError, match="voided"):
            desk.payments.capture(held)
        with pytest.raises(ConflictError):
            desk.payments.void(held)
        assert len(payment_events(office)) == before
        assert office.payments.get(held) == voided
        second = desk.payments.charge(
            [Line("Ink", 1, "18.50")], card=card(), idempotency_key="h2", capture=False
        )
        assert desk.payments.capture(second).status == "captured"
        assert [r.kind for r in office.payments.receipts(second)] == ["payment"]


def test_declined_cards_are_recorded_not_charged(open_office: Callable[..., Office]) -> None:
    office = open_office("smallbusiness")
    with office.desk(manager(office)) as desk:
        for number, code in (
            ("4000000000000002", "card_declined"),
            ("4000000000009995", "insufficient_funds"),
            ("4000000000000127", "incorrect_cvc"),
        ):
            p = desk.payments.charge(
                [Line("Ink", 1, "18.50")], card=card(number), idempotency_key=number
            )
            assert (p.status, p.decline_code, p.captured_minor) == ("declined", code, 0)
    assert office.payments.receipts() == []


def test_refunds_and_voids_need_the_higher_level(open_office: Callable[..., Office]) -> None:
    office = open_office("medical")
    junior = office.staff.hire("Pat Doyle", roles=["administrative_assistant"])
    with office.desk(junior) as desk:
        paid = desk.payments.charge(
            [Line("Consultation co-payment", 1, "20", kind="co_payment")],
            card=card(),
            idempotency_key="c1",
        )
        assert paid.status == "captured"
        with pytest.raises(PermissionDenied):
            desk.payments.refund(paid, idempotency_key="r1")
    denied = [e for e in payment_events(office) if e.outcome == "denied"]
    assert [e.operation for e in denied] == ["payments.refund"]
    assert office.payments.get(paid).refunded_minor == 0


def test_client_trust_money_is_apart_and_untaxed(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("legal")
    with office.desk(manager(office)) as desk:
        desk.payments.charge(
            [Line("Retainer deposit", 1, "500", kind="retainer")],
            card=card(),
            idempotency_key="t1",
            account="client_trust",
        )
        desk.payments.charge(
            [Line("Consultation", 1, "150", kind="service")], card=card(), idempotency_key="o1"
        )
        with pytest.raises(ValidationError, match="account"):
            desk.payments.charge(
                [Line("x", 1, "1", kind="service")],
                card=card(),
                idempotency_key="o2",
                account="petty_cash",
            )
        cash = desk.payments.cashup(clock.now().date())
    assert cash.by_account == {"operating": 15000, "client_trust": 50000}
    assert cash.balanced
    assert "Client trust account" in office.payments.render("2026-000001")


def test_medical_co_payments_are_a_line_kind(open_office: Callable[..., Office]) -> None:
    office = open_office("medical")
    with office.desk(manager(office, "practice_manager")) as desk:
        paid = desk.payments.charge(
            [Line("Prescription charge", 2, "9.90", kind="co_payment")],
            card=card(),
            idempotency_key="m1",
        )
    assert paid.total_minor == 1980 and paid.currency == "GBP"
    assert "[co-payment]" in office.payments.render(office.payments.receipts(paid)[0].id)


# -- idempotency -----------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_charges_nothing_twice(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("smallbusiness")
    gateway = office.payments.gateway
    assert isinstance(gateway, TestGateway)
    with office.desk(manager(office)) as desk:
        lines = [Line("Paper", 1, "4.99")]
        first = desk.payments.charge(lines, card=card(), idempotency_key="same")
        events = len(payment_events(office))
        assert desk.payments.charge(lines, card=card(), idempotency_key="same") == first
        assert len(payment_events(office)) == events
        with pytest.raises(ConflictError, match="different charge"):
            desk.payments.charge([Line("Paper", 2, "4.99")], card=card(), idempotency_key="same")
        refund = desk.payments.refund(first, "1", idempotency_key="rk")
        assert desk.payments.refund(first, "1", idempotency_key="rk") == refund
        with pytest.raises(ConflictError, match="different refund"):
            desk.payments.refund(first, "2", idempotency_key="rk")
    assert office.payments.get(first).refunded_minor == 100
    assert len(office.payments.receipts()) == 2


def test_a_timed_out_charge_is_learnt_by_key_not_charged_again(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("smallbusiness")
    gateway = office.payments.gateway
    assert isinstance(gateway, TestGateway)
    with office.desk(manager(office)) as desk:
        lines = [Line("Printer", 1, "199")]
        with pytest.raises(PaymentPending, match="retry"):
            desk.payments.charge(lines, card=card("4000 0000 0000 0119"), idempotency_key="slow")
        pending = office.payments.get(1)
        assert pending.status == "pending" and office.payments.receipts() == []
        charges_before = len(
            gateway.settlement(
                dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC)
            ).lines
        )
        done = desk.payments.charge(lines, card=card("4000 0000 0000 0119"), idempotency_key="slow")
    assert done.id == pending.id and done.status == "captured"
    settled = gateway.settlement(
        dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC)
    )
    assert len(settled.lines) == charges_before == 1  # charged once, at the first attempt


# -- the cash-up -----------------------------------------------------------------------------------


def test_cashup_matches_the_settlement_and_reports_a_discrepancy(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("smallbusiness")
    gateway = office.payments.gateway
    assert isinstance(gateway, TestGateway)
    with office.desk(manager(office)) as desk:
        p = desk.payments.charge([Line("Paper", 2, "10")], card=card(), idempotency_key="a")
        desk.payments.refund(p, "5", idempotency_key="b")
        gateway.adjustment_minor = -300
        cash = desk.payments.cashup(clock.now().date())
        with pytest.raises(ConflictError, match="already"):
            desk.payments.cashup(clock.now().date())
    assert (cash.taken_minor, cash.refunded_minor, cash.net_minor) == (2205, 500, 1705)
    assert (cash.settled_minor, cash.difference_minor, cash.balanced) == (1405, -300, False)
    assert [m.kind for m in cash.mismatches] == ["adjustment"]
    event = payment_events(office)[-1]
    assert event.operation == "payments.cashup" and event.detail["difference_minor"] == -300
    assert office.payments.cashup(clock.now().date()) == cash


# -- card data never stored or logged --------------------------------------------------------------


def _needles() -> list[str]:
    out = []
    for number in TEST_NUMBERS:
        out += [number, " ".join(number[i : i + 4] for i in range(0, 16, 4)), number[:12]]
    return out


def test_no_card_number_in_the_database_logs_or_events(
    store_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    office = Office.open(store_url, profile="smallbusiness", clock=clock, echo=True)
    try:
        with office.desk(manager(office)) as desk:
            for i, number in enumerate(TEST_NUMBERS):
                try:
                    p = desk.payments.charge(
                        [Line("Ink", 1, "18.50")],
                        card=Card(number, 12, 2030, "987"),
                        idempotency_key=f"k{i}",
                    )
                except PaymentPending:
                    p = desk.payments.charge(
                        [Line("Ink", 1, "18.50")],
                        card=Card(number, 12, 2030, "987"),
                        idempotency_key=f"k{i}",
                    )
                if p.status == "captured":
                    desk.payments.refund(p, "1", idempotency_key=f"r{i}")
            with pytest.raises(ValidationError) as bad:
                desk.payments.charge(
                    [Line("Ink", 1, "1")],
                    card=Card("4242424242424241", 12, 2030, "987"),
                    idempotency_key="bad",
                )
            desk.payments.cashup(clock.now().date())
        assert "4242424242424241" not in str(bad.value)
        events = repr([(e.subject, dict(e.detail)) for e in office.events()])
        if store_url.startswith("sqlite"):
            stored = b"".join(
                p.read_bytes()
                for p in Path(store_url.removeprefix("sqlite:///")).parent.glob("office.db*")
            )
            dump = stored.decode("latin-1")
        else:
            with office.engine.connect() as conn:
                tables = list(sa.inspect(conn).get_table_names())
                dump = "".join(
                    repr(conn.execute(sa.text(f'SELECT * FROM "{t}"')).all()) for t in tables
                )
        logs = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
        assert "INSERT INTO payments" in logs  # the scan saw the statements and their parameters
        for needle in _needles():
            for name, text in (("database", dump), ("logs", logs), ("events", events)):
                assert needle not in text, f"{needle} found in the {name}"
        assert "987" not in events
    finally:
        office.close()


def test_a_cards_repr_shows_only_brand_and_last_four() -> None:
    assert repr(card()) == "Card(visa ending 4242)" and "4242 4242" not in str(card())


# -- bad input -------------------------------------------------------------------------------------

bad_lines = st.one_of(
    st.just([]),
    st.just("not a list"),
    st.lists(
        st.builds(
            Line, st.text(max_size=3), st.sampled_from([0, -1, Decimal("NaN"), 1.5]), st.just("1")
        ),
        min_size=1,
        max_size=3,
    ),
    st.lists(
        st.builds(
            Line, st.just("ok"), st.just(1), st.sampled_from([-1, "abc", 2.5, "-0.01", "1e40"])
        ),
        min_size=1,
        max_size=3,
    ),
    st.lists(
        st.builds(
            Line,
            st.just("ok"),
            st.just(1),
            st.just("1"),
            st.just(None),
            st.text(max_size=5).filter(lambda k: k not in ("item", "service")),
        ),
        min_size=1,
        max_size=2,
    ),
)
bad_cards = st.one_of(
    st.builds(
        Card,
        st.sampled_from(["4242424242424241", "1234", "abcd efgh ijkl mnop", ""]),
        st.just(12),
        st.just(2030),
        st.just("123"),
    ),
    st.builds(Card, st.just(VISA), st.sampled_from([0, 13, -1]), st.just(2030), st.just("123")),
    st.builds(Card, st.just(VISA), st.just(1), st.sampled_from([2020, 2025, 1999]), st.just("123")),
    st.builds(
        Card, st.just(VISA), st.just(12), st.just(2030), st.sampled_from(["", "12", "12345", "abc"])
    ),
)


@settings(
    max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    which=st.sampled_from(["lines", "card", "currency", "key", "amount"]),
    lines=bad_lines,
    bad_card=bad_cards,
    currency=st.sampled_from(["ZZZ", "gbp", "EURO", "", "XAU", "JPY"]),
    key=st.sampled_from(["", "   ", "x" * 101, "a\x00b"]),
    amount=st.sampled_from([-1, 0, "abc", 1.5, "0.001", "99999"]),
)
def test_bad_input_is_refused_with_nothing_changed(
    open_office: Callable[..., Office],
    which: str,
    lines: Any,
    bad_card: Card,
    currency: str,
    key: str,
    amount: Any,
) -> None:
    office = getattr(test_bad_input_is_refused_with_nothing_changed, "office", None)
    if office is None or office.engine.url.render_as_string() not in str(open_office):
        office = open_office("smallbusiness")
        test_bad_input_is_refused_with_nothing_changed.office = office  # type: ignore[attr-defined]
        with office.desk(manager(office)) as desk:
            desk.payments.charge([Line("Ink", 1, "5")], card=card(), idempotency_key="good")
    member = office.staff.list()[0]
    before = (len(list(office.events())), len(office.payments.receipts()))
    args: dict[str, Any] = {"card": card(), "idempotency_key": "new"}
    call_lines: Any = [Line("Ink", 1, "5")]
    with office.desk(member) as desk:
        if which == "amount":
            error: type[Exception] = ConflictError if amount == "99999" else ValidationError
            with pytest.raises(error):
                desk.payments.refund(1, amount, idempotency_key="r")
        else:
            if which == "lines":
                call_lines = lines
            elif which == "card":
                args["card"] = bad_card
            elif which == "currency":
                args["currency"] = currency
            else:
                args["idempotency_key"] = key
            with pytest.raises(ValidationError) as raised:
                desk.payments.charge(call_lines, **args)
            wheres = {p.where.split(".")[0].split("[")[0] for p in raised.value.problems}
            assert wheres == {which if which != "key" else "idempotency_key"}, raised.value
    assert (len(list(office.events())), len(office.payments.receipts())) == before


# -- the gateway hook ------------------------------------------------------------------------------


def test_hook_payment_gateway(open_office: Callable[..., Office]) -> None:
    class Recording(TestGateway):
        name = "recording"

    chosen = Recording(lambda: dt.datetime.now(dt.UTC))

    class GatewayPlugin:
        @officekit.hookimpl
        def officekit_payment_gateway(self, office: Office) -> Any:
            return chosen

    office = open_office("smallbusiness", plugins=[GatewayPlugin()])
    assert office.payments.gateway is chosen
    with office.desk(manager(office)) as desk:
        paid = desk.payments.charge([Line("Ink", 1, "5")], card=card(), idempotency_key="g")
    assert paid.gateway == "recording" and chosen.calls == 1


def test_a_profile_naming_an_unknown_gateway_is_a_plugin_error(
    tmp_path: Path, sqlite_url: str, clock: ManualClock
) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        'extends = "smallbusiness"\nname = "shop"\n[payments]\ngateway = "acme"\n'
    )
    with (
        Office.open(sqlite_url, profile=folder, clock=clock) as office,
        pytest.raises(officekit.errors.PluginError, match="acme"),
    ):
        office.payments.gateway  # noqa: B018


# -- receipts: numbering across two processes ------------------------------------------------------


def _take_payments(url: str, worker: int, count: int) -> None:
    office = Office.open(url, profile="smallbusiness")
    member = office.staff.list()[0]
    with office.desk(member) as desk:
        for i in range(count):
            desk.payments.charge(
                [Line("Ink", 1, "5")], card=card(), idempotency_key=f"w{worker}-{i}"
            )
    office.close()


def test_receipt_numbers_have_no_gaps_or_repeats_across_two_processes(store_url: str) -> None:
    office = Office.open(store_url, profile="smallbusiness")
    manager(office)
    office.close()
    context = multiprocessing.get_context("spawn")
    count = 15
    workers = [context.Process(target=_take_payments, args=(store_url, w, count)) for w in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        numbers = sorted(n for (n,) in conn.execute(sa.select(receipts.c.number)))
        captured = conn.execute(
            sa.select(sa.func.count()).where(payments.c.status == "captured")
        ).scalar()
    engine.dispose()
    assert numbers == list(range(1, 2 * count + 1)) and captured == 2 * count


# -- the schema ------------------------------------------------------------------------------------


def test_the_migrated_schema_matches_the_table_definitions(
    store_url: str, clock: ManualClock
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with (
        Office.open(store_url, profile="smallbusiness", clock=clock) as office,
        office.engine.connect() as conn,
    ):
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        diff = [
            d
            for d in compare_metadata(context, MIGRATIONS.metadata)
            if not (d[0] == "remove_table" and d[1].name not in MIGRATIONS.metadata.tables)
            and not (d[0] == "remove_index" and d[1].table.name not in MIGRATIONS.metadata.tables)
        ]
    assert diff == []


def test_the_test_gateway_refuses_a_key_reused_with_other_parameters() -> None:
    gateway = TestGateway(lambda: dt.datetime.now(dt.UTC))
    first = gateway.authorise(key="k", amount_minor=100, currency="EUR", card=card(), capture=True)
    assert isinstance(first, GatewayResult) and first.status == "captured"
    assert (
        gateway.authorise(key="k", amount_minor=100, currency="EUR", card=card(), capture=True)
        == first
    )
    with pytest.raises(ConflictError):
        gateway.authorise(key="k", amount_minor=200, currency="EUR", card=card(), capture=True)


_ = os
