"""A hypothesis state machine over the payment lifecycle (SQLite).

Invariants after every step: money in equals money out plus refunds (what the
gateway settled equals what the office captured less what it refunded), no
payment skips a state, and the receipt numbers are exactly 1..N.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from officekit import ManualClock, Office
from officekit.errors import ConflictError
from officekit.plugins.money.payments.amounts import Card, Line
from officekit.plugins.money.payments.gateway import TestGateway

ALLOWED = {
    "pending": {"authorised", "captured", "declined"},
    "authorised": {"captured", "voided"},
    "captured": {"partly_refunded", "refunded"},
    "partly_refunded": {"partly_refunded", "refunded"},
}
CARDS = ["4242424242424242", "4242424242424242", "4000000000000002", "5555555555554444"]
WHOLE = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


class PaymentLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        TestGateway.forget_all()
        self.folder = tempfile.mkdtemp()
        clock = ManualClock(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
        self.office = Office.open(
            f"sqlite:///{Path(self.folder) / 'o.db'}", profile="smallbusiness", clock=clock
        )
        member = self.office.staff.hire("Sam Okafor", roles=["office_manager"], experience_years=9)
        self._desk_context = self.office.desk(member)
        self.desk = self._desk_context.__enter__()
        self.n = 0
        self.status: dict[int, str] = {}

    def teardown(self) -> None:
        self._desk_context.__exit__(None, None, None)
        self.office.close()

    def _moved(self, payment_id: int, new: str) -> None:
        old = self.status.get(payment_id, "pending")
        assert old == new or new in ALLOWED.get(old, set()), f"{old} -> {new}"
        self.status[payment_id] = new

    @rule(
        cents=st.integers(1, 50_000),
        card=st.sampled_from(CARDS),
        capture=st.booleans(),
        retry=st.booleans(),
    )
    def charge(self, cents: int, card: str, capture: bool, retry: bool) -> None:
        self.n += 1
        lines = [Line("Item", 1, f"{cents / 100:.2f}", "food")]
        for _ in range(2 if retry else 1):
            p = self.desk.payments.charge(
                lines,
                card=Card(card, 12, 2030, "123"),
                idempotency_key=f"k{self.n}",
                capture=capture,
            )
        self._moved(p.id, p.status)

    @precondition(lambda self: self.status)
    @rule(data=st.data())
    def capture_or_void(self, data: st.DataObject) -> None:
        pid = data.draw(st.sampled_from(sorted(self.status)))
        void = data.draw(st.booleans())
        try:
            p = self.desk.payments.void(pid) if void else self.desk.payments.capture(pid)
        except ConflictError:
            assert self.status[pid] != "authorised"
            return
        self._moved(pid, p.status)

    @precondition(lambda self: self.status)
    @rule(data=st.data(), part=st.integers(1, 60_000))
    def refund(self, data: st.DataObject, part: int) -> None:
        pid = data.draw(st.sampled_from(sorted(self.status)))
        self.n += 1
        before = self.office.payments.get(pid)
        try:
            r = self.desk.payments.refund(pid, f"{part / 100:.2f}", idempotency_key=f"r{self.n}")
        except ConflictError:
            assert (
                before.status not in ("captured", "partly_refunded")
                or part > before.refundable_minor
            )
            assert self.office.payments.get(pid) == before
            return
        assert r.status == "refunded" and part <= before.refundable_minor
        self._moved(pid, self.office.payments.get(pid).status)

    @invariant()
    def money_in_equals_money_out_plus_refunds(self) -> None:
        gateway = self.office.payments.gateway
        settled = gateway.settlement(*WHOLE).total()
        taken = sum(self.office.payments.get(pid).captured_minor for pid in self.status)
        refunded = sum(self.office.payments.get(pid).refunded_minor for pid in self.status)
        assert settled == taken - refunded
        assert all(
            0
            <= self.office.payments.get(pid).refunded_minor
            <= self.office.payments.get(pid).captured_minor
            for pid in self.status
        )

    @invariant()
    def receipt_numbers_never_repeat_or_go_missing(self) -> None:
        numbers = [r.number for r in self.office.payments.receipts()]
        assert numbers == list(range(1, len(numbers) + 1))
        captures = sum(
            1 for s in self.status.values() if s in ("captured", "partly_refunded", "refunded")
        )
        refunds = sum(len(self.office.payments.refunds(pid)) for pid in self.status)
        assert len(numbers) == captures + refunds


PaymentLifecycle.TestCase.settings = settings(
    max_examples=15, stateful_step_count=12, deadline=None
)
TestPaymentLifecycle = PaymentLifecycle.TestCase
