"""The payments desk's part of ``officekit simulate``: payments through the day, the cash-up.

Customers pay at the desk through the day: co-payments in a medical practice,
retainers into the client trust account at a law firm, itemised sales with sales
tax in a small business, fees at a school. Now and then a card is declined, a
payment is only authorised and then captured or voided, a payment is refunded in
part; at closing someone who may closes the day with the cash-up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal

from officekit.plugins.money.payments.amounts import Card, Line, format_minor, minor_units
from officekit.plugins.money.payments.payments import PAYMENTS_BOOK, Payment
from officekit.plugins.money.payments.settings import PAYMENTS
from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport

__all__ = ["STEP", "PaymentsDay"]

GOOD_CARDS = ("4242424242424242", "5555555555554444")
DECLINING = ("4000000000000002", "4000000000009995")
MISTAKE_SCALE = 0.5
"""The chance that a payment is taken by mistake (and reversed) is this times the error rate."""

CATALOGUE: dict[str, tuple[tuple[str, str], ...]] = {
    "co_payment": (("Consultation co-payment", "20.00"), ("Prescription charge", "9.90")),
    "service": (("Consultation", "60.00"), ("Document preparation", "45.00"), ("Repair", "35.00")),
    "item": (("Paper, box", "24.99"), ("Printer ink", "18.50"), ("Coffee beans", "12.75")),
    "retainer": (("Retainer deposit", "500.00"), ("Court fee deposit", "250.00")),
    "disbursement": (("Copying and courier", "30.00"),),
    "fee": (("Excursion fee", "35.00"), ("Music tuition", "120.00")),
}


class PaymentsDay:
    """The payments desk through the simulated days."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.settings = sim.office.profile.section(PAYMENTS)
        self.book = sim.office.facet(PAYMENTS_BOOK)
        self.keys = itertools.count(1)
        self.cashups: list[tuple[dt.date, int, int]] = []
        self.held = 0

    def plan(self, day: SimulationDay) -> None:
        """Plan the day's payments and, at closing, the cash-up."""
        for i in range(self.sim.rng.randint(3, 9)):
            day.at(day.arrival(), self._payment(day, first=i == 0))
        day.at(day.closes - dt.timedelta(minutes=10), self._cashup(day.day))

    def _lines(self) -> tuple[list[Line], str]:
        rng = self.sim.rng
        kinds = list(self.settings.line_kinds)
        account = "operating"
        if "client_trust" in self.settings.accounts and rng.random() < 0.4:
            account = "client_trust"
            kinds = [k for k in kinds if k == "retainer"] or kinds
        lines = []
        for _ in range(rng.randint(1, 3) if "item" in kinds else 1):
            kind = rng.choice(kinds)
            description, price = rng.choice(CATALOGUE.get(kind, CATALOGUE["service"]))
            category = (
                rng.choice(list(self.settings.tax_rates)) if self.settings.tax_rates else None
            )
            lines.append(
                Line(
                    description,
                    rng.randint(1, 3) if kind == "item" else 1,
                    Decimal(price),
                    category,
                    kind,
                )
            )
        return lines, account

    def _payment(self, day: SimulationDay, *, first: bool = False) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            rng = sim.rng
            with sim.desk("payments.charge") as desk:
                if desk is None:
                    return
                lines, account = self._lines()
                number = rng.choice(DECLINING) if rng.random() < 0.08 else rng.choice(GOOD_CARDS)
                card = Card(number, rng.randint(1, 12), day.day.year + rng.randint(1, 4), "123")
                capture = not first and rng.random() > 0.15  # the day's first: held
                payment = desk.payments.charge(
                    lines,
                    card=card,
                    idempotency_key=f"sim-{day.day}-{next(self.keys)}",
                    customer=sim.person(),
                    capture=capture,
                    account=account,
                )
                sim.counts["payments"] += 1
                if payment.status == "declined":
                    sim.counts["payments_declined"] += 1
                    return
                # taken wrong (amount, charged twice) as often as they make mistakes
                mistake = sim.slips(desk.actor, scale=MISTAKE_SCALE, kind="payment")
            later = sim.clock.now() + dt.timedelta(minutes=rng.randint(5, 90))
            when = min(later, day.closes - dt.timedelta(minutes=15))
            if payment.status == "authorised":
                day.at(when, self._settle(payment, mistake))
            elif mistake or rng.random() < 0.12:
                day.at(when, self._refund(payment, mistake))

        return run

    def _settle(self, payment: Payment, mistake: bool = False) -> Callable[[], None]:
        def run() -> None:
            self.held += 1
            void = mistake or self.held % 2 == 0  # every other held payment is voided
            with self.sim.desk("payments.void" if void else "payments.capture") as desk:
                if desk is None:
                    return
                if void:
                    desk.payments.void(payment, mistake=mistake)
                    self.sim.counts["payments_voided"] += 1
                    self.sim.counts["payments_mistaken"] += mistake
                else:
                    desk.payments.capture(payment)

        return run

    def _refund(self, payment: Payment, mistake: bool = False) -> Callable[[], None]:
        def run() -> None:
            with self.sim.desk("payments.refund") as desk:
                if desk is None:
                    return
                part = not mistake and self.sim.rng.random() < 0.5 and payment.total_minor > 1
                places = minor_units(payment.currency)
                amount = Decimal(payment.total_minor // 2).scaleb(-places) if part else None
                desk.payments.refund(
                    payment,
                    amount,
                    idempotency_key=f"sim-refund-{payment.id}",
                    reason="Charged by mistake" if mistake else "Customer returned it",
                    mistake=mistake,
                )
                self.sim.counts["refunds"] += 1
                self.sim.counts["payments_mistaken"] += mistake

        return run

    def _cashup(self, day: dt.date) -> Callable[[], None]:
        def run() -> None:
            with self.sim.desk("payments.cashup") as desk:
                if desk is None:
                    return
                result = desk.payments.cashup(day)
                self.cashups.append((day, result.net_minor, result.difference_minor))

        return run

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """Payments taken, declined, refunded, and each day's cash-up."""
        c = self.sim.counts
        currency = self.sim.office.profile.office.currency
        lines = [
            f"Payments: {c['payments']} taken ({c['payments_declined']} declined, "
            f"{c['payments_voided']} voided), {c['refunds']} refunded "
            f"({c['payments_mistaken']} reversed as taken by mistake)",
        ]
        differences = sum(1 for _, _, diff in self.cashups if diff)
        net = sum(n for _, n, _ in self.cashups)
        lines.append(
            f"Cash-ups: {len(self.cashups)} day(s), {format_minor(net, currency)} net, "
            f"{differences} with a difference"
        )
        return StepReport(
            "payments",
            tuple(lines),
            {
                "payments": c["payments"],
                "declined": c["payments_declined"],
                "voided": c["payments_voided"],
                "refunds": c["refunds"],
                "mistaken": c["payments_mistaken"],
                "cashups": len(self.cashups),
                "net_minor": net,
            },
        )


STEP = SimulationStep(
    "payments",
    PaymentsDay,
    order=40,
    counts=("payments",),
    operations=(
        "payments.charge",
        "payments.capture",
        "payments.refund",
        "payments.void",
        "payments.cashup",
    ),
)
"""The payments desk's simulation step."""
