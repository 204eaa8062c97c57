"""``officekit payments``: a process per command, the test gateway's journal between them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from officekit import ManualClock, Office
from officekit.plugins.money.payments.amounts import Card, Line
from officekit.plugins.money.payments.gateway import TestGateway

WHOLE = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
VISA = "4242424242424242"


def officekit(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "officekit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def test_a_later_command_voids_refunds_and_cashes_up_an_earlier_ones_charges(
    tmp_path: Path,
) -> None:
    officekit("init", "--profile", "smallbusiness", cwd=tmp_path)
    officekit(
        "staff", "hire", "Olga Ward", "--role", "office_manager", "--experience", "9", cwd=tmp_path
    )
    card = ("--exp", "12/2035", "--card", VISA, "--cvc", "123", "--as", "1")
    officekit("payments", "charge", "--item", "Paper;2;4.99", "--key", "k1", *card, cwd=tmp_path)
    officekit(
        "payments",
        "charge",
        "--item",
        "Pen;1;3",
        "--key",
        "k2",
        "--authorise-only",
        *card,
        cwd=tmp_path,
    )
    voided = officekit("payments", "void", "2", "--as", "1", "--format", "json", cwd=tmp_path)
    assert json.loads(voided.stdout)["status"] == "voided"
    refund = officekit(
        "payments", "refund", "1", "--as", "1", "--key", "r1", "--amount", "2", cwd=tmp_path
    )
    assert "refunded, USD 2.00" in refund.stdout
    cashup = officekit("payments", "cashup", "--as", "1", cwd=tmp_path).stdout
    assert "settled by the gateway USD 9.00" in cashup and "balanced" in cashup
    # A retry of the first charge, in yet another process: its first result, nothing charged.
    again = officekit(
        "payments", "charge", "--item", "Paper;2;4.99", "--key", "k1", *card, cwd=tmp_path
    )
    assert again.stdout.startswith("payment 1: partly_refunded")
    settled = officekit("payments", "cashup", "--as", "1", cwd=tmp_path, ok=False).stderr
    assert "already cashed up" in settled  # once a day


def test_a_journal_is_what_a_second_process_reads(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("smallbusiness")
    office.payments.keep_test_gateway_in_store()
    member = office.staff.hire("Olga Ward", roles=["office_manager"], experience_years=9)
    with office.desk(member) as desk:
        paid = desk.payments.charge(
            [Line("Paper", 1, "10")], card=Card(VISA, 12, 2035, "123"), idempotency_key="a"
        )
        held = desk.payments.charge(
            [Line("Ink", 1, "5")],
            card=Card(VISA, 12, 2035, "123"),
            idempotency_key="b",
            capture=False,
        )
    # Another process's gateway: nothing in memory, only the store's journal.
    other = TestGateway(clock.now, journal=(office.engine, office.id))
    assert other.settlement(*WHOLE).total() == paid.captured_minor
    assert paid.gateway_ref is not None and held.gateway_ref is not None
    assert other.outcome("a") is not None and other.outcome("a").status == "captured"  # type: ignore[union-attr]
    assert (
        other.capture(key="c", reference=held.gateway_ref, amount_minor=held.total_minor).status
        == "captured"
    )
    assert other.refund(key="r", reference=paid.gateway_ref, amount_minor=100).status == "refunded"
    # ... and the first one learns what the other did, before it answers.
    first = office.payments.gateway
    assert isinstance(first, TestGateway)
    assert first.settlement(*WHOLE).total() == paid.captured_minor + held.total_minor - 100
    assert (
        first.refund(key="r2", reference=paid.gateway_ref, amount_minor=paid.captured_minor).status
        == "failed"
    )


def test_without_a_journal_the_test_gateway_writes_nothing(
    open_office: Callable[..., Office],
) -> None:
    import sqlalchemy as sa

    from officekit.plugins.money.payments.tables import test_gateway_journal

    office = open_office("smallbusiness")
    member = office.staff.hire("Olga Ward", roles=["office_manager"], experience_years=9)
    with office.desk(member) as desk:
        desk.payments.charge(
            [Line("Paper", 1, "10")], card=Card(VISA, 12, 2035, "123"), idempotency_key="a"
        )
    with office.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(test_gateway_journal)).scalar() == 0
        )


@pytest.mark.parametrize("number", ["4000000000000119"])
def test_a_timed_out_charge_is_in_the_journal(
    open_office: Callable[..., Office], clock: ManualClock, number: str
) -> None:
    from officekit.plugins.money.payments.payments import PaymentPending

    office = open_office("smallbusiness")
    office.payments.keep_test_gateway_in_store()
    member = office.staff.hire("Olga Ward", roles=["office_manager"], experience_years=9)
    with office.desk(member) as desk, pytest.raises(PaymentPending):
        desk.payments.charge(
            [Line("Paper", 1, "10")], card=Card(number, 12, 2035, "123"), idempotency_key="t"
        )
    other = TestGateway(clock.now, journal=(office.engine, office.id))
    # The processor made the charge; only its answer was lost.
    assert other.settlement(*WHOLE).total() == 1000 + 103  # sales tax, smallbusiness


def test_journals_written_at_once_by_two_gateways_lose_nothing(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    import threading

    office = open_office("smallbusiness")
    card = Card(VISA, 12, 2035, "123")
    gateways = [TestGateway(clock.now, journal=(office.engine, office.id)) for _ in range(2)]

    def charge(which: int) -> None:
        for i in range(15):
            gateways[which].authorise(
                key=f"g{which}-{i}", amount_minor=100, currency="USD", card=card, capture=True
            )

    threads = [threading.Thread(target=charge, args=(w,)) for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    third = TestGateway(clock.now, journal=(office.engine, office.id))
    assert third.settlement(*WHOLE).total() == 30 * 100
    for g in gateways:  # each learns the other's charges too
        assert g.settlement(*WHOLE).total() == 30 * 100
