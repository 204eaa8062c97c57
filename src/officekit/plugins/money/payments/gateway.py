"""Payment gateways: the protocol the desk calls, and the shipped test gateway.

A gateway is chosen for an office by the ``officekit_payment_gateway`` hook
(the first plugin to return one wins); without one, ``[payments] gateway =
"test"`` gives the [`TestGateway`][officekit.plugins.money.payments.gateway.TestGateway].
The desk calls a gateway **outside** its database transactions and always with
an idempotency key, so that asking twice never charges twice.

The test gateway behaves like a card processor's test mode. Its cards (the
well-known public test numbers; any future expiry, any CVC of the right form):

| Number | Result |
|---|---|
| `4242 4242 4242 4242` | succeeds (Visa) |
| `5555 5555 5555 4444` | succeeds (Mastercard) |
| `4000 0000 0000 0002` | declined: `card_declined` |
| `4000 0000 0000 9995` | declined: `insufficient_funds` |
| `4000 0000 0000 0127` | declined: `incorrect_cvc` |
| `4000 0000 0000 0119` | times out: the charge **is** made, the answer lost (retry by key) |

Any other number that passes the Luhn check succeeds.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Protocol

import attrs

from officekit.errors import ConflictError

if TYPE_CHECKING:
    from officekit.plugins.money.payments.amounts import Card

__all__ = [
    "TEST_CARDS",
    "Gateway",
    "GatewayResult",
    "GatewayTimeout",
    "Settlement",
    "SettlementLine",
    "TestGateway",
]

TEST_CARDS = {
    "4242424242424242": "succeeds",
    "5555555555554444": "succeeds",
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000127": "incorrect_cvc",
    "4000000000000119": "timeout",
}
"""The test gateway's card numbers and what each does."""


class GatewayTimeout(Exception):
    """The gateway did not answer in time: whether it acted is unknown until asked by key."""


@attrs.frozen
class GatewayResult:
    """What a gateway answered.

    Attributes:
        status: ``authorised``, ``captured``, ``declined``, ``voided``, ``refunded``
            or ``failed``.
        reference: The processor's id of the charge or refund.
        token: The card's token at the processor (never the number).
        brand: The card's brand.
        last4: The card's last four digits.
        code: Why it was declined or failed (``insufficient_funds``...).
    """

    status: str
    reference: str | None = None
    token: str | None = None
    brand: str | None = None
    last4: str | None = None
    code: str | None = None


@attrs.frozen
class SettlementLine:
    """One movement in a gateway's settlement report.

    Attributes:
        reference: The charge's or refund's reference (``adjustment`` lines have their own).
        kind: ``capture``, ``refund`` or ``adjustment``.
        amount_minor: The amount, positive for money in, negative for money out.
        currency: Its currency.
        at: When the processor settled it.
    """

    reference: str
    kind: str
    amount_minor: int
    currency: str
    at: dt.datetime


@attrs.frozen
class Settlement:
    """A gateway's report of what it settled over a period.

    Attributes:
        lines: The movements.
    """

    lines: tuple[SettlementLine, ...] = ()

    def total(self) -> int:
        """The net amount settled, in minor units."""
        return sum(line.amount_minor for line in self.lines)


class Gateway(Protocol):
    """What the desk asks of a card processor. Each call carries an idempotency key."""

    name: str

    def authorise(
        self, *, key: str, amount_minor: int, currency: str, card: Card, capture: bool
    ) -> GatewayResult:
        """Authorise (and capture, when ``capture``) a charge; may raise GatewayTimeout."""
        ...

    def outcome(self, key: str) -> GatewayResult | None:
        """What became of the request made with ``key``, or None if it never arrived."""
        ...

    def capture(self, *, key: str, reference: str, amount_minor: int) -> GatewayResult:
        """Capture an authorised charge."""
        ...

    def void(self, *, key: str, reference: str) -> GatewayResult:
        """Release an authorised charge that was not captured."""
        ...

    def refund(self, *, key: str, reference: str, amount_minor: int) -> GatewayResult:
        """Refund part or all of a captured charge to the card charged; may raise GatewayTimeout."""
        ...

    def settlement(self, start: dt.datetime, end: dt.datetime) -> Settlement:
        """What the processor settled in ``[start, end)``."""
        ...


@attrs.define
class _Charge:
    amount_minor: int
    currency: str
    status: str
    refunded_minor: int = 0


class TestGateway:
    """A processor's test mode, in memory: the documented test cards, idempotency keys, settlement.

    One instance is shared by every office of a process with the same store and
    office id ([`for_office`][officekit.plugins.money.payments.gateway.TestGateway.for_office]),
    so retries find their keys. What it remembers lasts as long as the process.

    Args:
        now: The clock it stamps settlement lines with (the office's).
    """

    __test__ = False  # not a pytest test class
    name = "test"

    _shared: ClassVar[dict[tuple[str, int], TestGateway]] = {}
    _shared_lock = threading.Lock()

    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._by_key: dict[str, tuple[tuple[object, ...], GatewayResult]] = {}
        self._charges: dict[str, _Charge] = {}
        self._settled: list[SettlementLine] = []
        self.calls = 0
        """How many requests it received (retries included)."""
        self.adjustment_minor = 0
        """Simulate a discrepancy: the next settlement reports includes this adjustment."""

    @classmethod
    def for_office(cls, store: str, office_id: int, now: Callable[[], dt.datetime]) -> TestGateway:
        """The test gateway of one office of one store, shared within the process."""
        with cls._shared_lock:
            gateway = cls._shared.get((store, office_id))
            if gateway is None:
                gateway = cls._shared[(store, office_id)] = cls(now)
            gateway._now = now
            return gateway

    @classmethod
    def forget_all(cls) -> None:
        """Forget every office's test gateway (tests that empty and reuse a store)."""
        with cls._shared_lock:
            cls._shared.clear()

    def _remember(
        self, key: str, params: tuple[object, ...], act: Callable[[], GatewayResult]
    ) -> GatewayResult:
        with self._lock:
            self.calls += 1
            known = self._by_key.get(key)
            if known is not None:
                if known[0] != params:
                    raise ConflictError(
                        "the gateway refused an idempotency key reused with other parameters"
                    )
                return known[1]
            result = act()
            self._by_key[key] = (params, result)
            return result

    def authorise(
        self, *, key: str, amount_minor: int, currency: str, card: Card, capture: bool
    ) -> GatewayResult:
        """Authorise a charge; a test card may decline it or time out (see the module)."""
        behaviour = TEST_CARDS.get(card.digits, "succeeds")

        def act() -> GatewayResult:
            if behaviour not in ("succeeds", "timeout"):
                return GatewayResult("declined", None, None, card.brand, card.last4, behaviour)
            random = secrets.token_hex(16)  # one read of the system's randomness, not two
            reference = f"ch_test_{random[:16]}"
            status = "captured" if capture else "authorised"
            self._charges[reference] = _Charge(amount_minor, currency, status)
            if capture:
                self._settle(reference, "capture", amount_minor, currency)
            token = f"tok_test_{random[16:]}"
            return GatewayResult(status, reference, token, card.brand, card.last4)

        params = ("authorise", amount_minor, currency, card.last4, capture)
        result = self._remember(key, params, act)
        if behaviour == "timeout" and self._first(key):
            raise GatewayTimeout("the test gateway timed out (card ending 0119)")
        return result

    def _first(self, key: str) -> bool:
        # The timeout card loses only the first answer: a retry by key finds it.
        marker = f"timed-out:{key}"
        with self._lock:
            if marker in self._by_key:
                return False
            self._by_key[marker] = ((), GatewayResult("failed"))
            return True

    def outcome(self, key: str) -> GatewayResult | None:
        """The result of the request made with ``key``, if it arrived."""
        with self._lock:
            self.calls += 1
            known = self._by_key.get(key)
            return None if known is None else known[1]

    def _settle(self, reference: str, kind: str, amount_minor: int, currency: str) -> None:
        self._settled.append(SettlementLine(reference, kind, amount_minor, currency, self._now()))

    def _charge(self, reference: str) -> _Charge:
        # A charge it does not know (made in another process): nothing to act on.
        return self._charges.get(reference) or _Charge(0, "", "unknown")

    def capture(self, *, key: str, reference: str, amount_minor: int) -> GatewayResult:
        """Capture an authorised charge."""

        def act() -> GatewayResult:
            charge = self._charge(reference)
            if charge.status != "authorised":
                return GatewayResult("failed", reference, code=f"charge_{charge.status}")
            charge.status = "captured"
            self._settle(reference, "capture", amount_minor, charge.currency)
            return GatewayResult("captured", reference)

        return self._remember(key, ("capture", reference, amount_minor), act)

    def void(self, *, key: str, reference: str) -> GatewayResult:
        """Release an authorised charge."""

        def act() -> GatewayResult:
            charge = self._charge(reference)
            if charge.status != "authorised":
                return GatewayResult("failed", reference, code=f"charge_{charge.status}")
            charge.status = "voided"
            return GatewayResult("voided", reference)

        return self._remember(key, ("void", reference), act)

    def refund(self, *, key: str, reference: str, amount_minor: int) -> GatewayResult:
        """Refund part or all of a captured charge."""

        def act() -> GatewayResult:
            charge = self._charge(reference)
            if charge.status == "unknown":
                return GatewayResult("failed", None, code="no_such_charge")
            if (
                charge.status != "captured"
                or charge.refunded_minor + amount_minor > charge.amount_minor
            ):
                return GatewayResult("failed", None, code="amount_too_large")
            charge.refunded_minor += amount_minor
            refund_ref = f"re_test_{secrets.token_hex(8)}"
            self._settle(refund_ref, "refund", -amount_minor, charge.currency)
            return GatewayResult("refunded", refund_ref)

        return self._remember(key, ("refund", reference, amount_minor), act)

    def settlement(self, start: dt.datetime, end: dt.datetime) -> Settlement:
        """What it settled in ``[start, end)``, with the simulated adjustment if one is set."""
        with self._lock:
            lines = [line for line in self._settled if start <= line.at < end]
            if self.adjustment_minor:
                currency = lines[0].currency if lines else "XXX"
                lines.append(
                    SettlementLine("adj_test", "adjustment", self.adjustment_minor, currency, start)
                )
        return Settlement(tuple(lines))
