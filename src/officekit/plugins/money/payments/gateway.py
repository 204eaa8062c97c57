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

The test gateway remembers in memory, for as long as the process lives. With a
journal (``office.payments.keep_test_gateway_in_store()``, which the CLI calls,
each command being a process of its own) it also writes what it did to the
store's ``payments_test_gateway`` table, so that a later process can capture,
void, refund and settle a charge an earlier one made, as a processor's test mode
would.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import attrs

from officekit.errors import ConflictError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from officekit.plugins.money.payments.amounts import Card

R = TypeVar("R")

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


def _journal_rows(table: Any, office_id: int, after: int) -> Any:
    """The journal's rows of an office after row ``after``, in order."""
    import sqlalchemy as sa

    return (
        sa.select(table.c.id, table.c.kind, table.c.name, table.c.body)
        .where(table.c.office_id == office_id, table.c.id > after)
        .order_by(table.c.id)
    )


def _journal_last(table: Any, office_id: int) -> Any:
    """The journal's last row of an office."""
    import sqlalchemy as sa

    return sa.select(sa.func.max(table.c.id)).where(table.c.office_id == office_id)


_JOURNAL_LOCK = (
    0x7465_7374_0000_0000  # "test": the advisory lock a journal writer takes, plus the office
)


@attrs.frozen
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

    _shared: ClassVar[dict[tuple[str, int, bool], TestGateway]] = {}
    _shared_lock = threading.Lock()

    def __init__(
        self,
        now: Callable[[], dt.datetime],
        journal: tuple[sa.Engine, int] | None = None,
    ) -> None:
        self._now = now
        self._lock = threading.RLock()
        self._by_key: dict[str, tuple[tuple[object, ...], GatewayResult]] = {}
        self._charges: dict[str, _Charge] = {}
        self._settled: list[SettlementLine] = []
        self._journal = journal
        self._seen = 0  # the last journal row applied
        self._written: list[tuple[str, str, dict[str, Any]]] | None = None
        self.calls = 0
        """How many requests it received (retries included)."""
        self.adjustment_minor = 0
        """Simulate a discrepancy: the next settlement reports includes this adjustment."""

    @classmethod
    def for_office(
        cls,
        store: str,
        office_id: int,
        now: Callable[[], dt.datetime],
        *,
        engine: sa.Engine | None = None,
    ) -> TestGateway:
        """The test gateway of one office of one store, shared within the process.

        Args:
            store: The store's URL (password hidden), which with ``office_id`` names it.
            office_id: The office's id.
            now: The clock it stamps settlement lines with (the office's).
            engine: Keep a journal in this store too (``payments_test_gateway``), so
                that other processes know what it did; None: memory only.
        """
        name = (store, office_id, engine is not None)
        with cls._shared_lock:
            gateway = cls._shared.get(name)
            if gateway is None:
                journal = None if engine is None else (engine, office_id)
                gateway = cls._shared[name] = cls(now, journal)
            gateway._now = now
            return gateway

    # -- the journal: what it did, in the store, for the next process ---------------------------

    @contextmanager
    def _durably(self) -> Iterator[None]:
        """Bring the memory up to the journal, then write what the block did (one transaction)."""
        if self._journal is None:
            yield
            return
        from officekit.core.store import write_transaction

        engine, office_id = self._journal
        with self._lock, write_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                # One journal writer per office at a time (SQLite's BEGIN IMMEDIATE already
                # is), so rows are committed in id order and catching up "after id N" misses
                # none that an unfinished transaction held.
                conn.exec_driver_sql(
                    "SELECT pg_advisory_xact_lock(%s)", (_JOURNAL_LOCK + office_id,)
                )
            self._catch_up(conn)
            self._written = []
            try:
                yield
            finally:  # a timeout too: the processor did the work, only the answer was lost
                written, self._written = self._written, None
                self._append(conn, written)

    def _caught_up(self) -> None:
        """Read what other processes wrote to the journal since (reads only)."""
        if self._journal is None:
            return
        from officekit.core.store import read_transaction

        with self._lock, read_transaction(self._journal[0]) as conn:
            self._catch_up(conn)

    def _catch_up(self, conn: sa.Connection) -> None:
        from officekit.plugins.money.payments.tables import test_gateway_journal as t

        assert self._journal is not None
        rows = conn.execute(_journal_rows(t, self._journal[1], self._seen)).all()
        for row_id, kind, name, body_text in rows:
            body = json.loads(body_text)
            if kind == "key":
                result = GatewayResult(**body["result"])
                self._by_key[name] = (tuple(body["params"]), result)
            elif kind == "charge":
                self._charges[name] = _Charge(**body)
            else:
                body["at"] = dt.datetime.fromisoformat(body["at"])
                self._settled.append(SettlementLine(**body))
            self._seen = row_id

    def _append(self, conn: sa.Connection, written: list[tuple[str, str, dict[str, Any]]]) -> None:
        from officekit.plugins.money.payments.tables import test_gateway_journal as t

        assert self._journal is not None
        if not written:
            return
        conn.execute(
            t.insert(),
            [
                {"office_id": self._journal[1], "kind": k, "name": n, "body": json.dumps(b)}
                for k, n, b in written
            ],
        )
        self._seen = conn.execute(_journal_last(t, self._journal[1])).scalar_one()

    def _keep(self, key: str, params: tuple[object, ...], result: GatewayResult) -> None:
        self._by_key[key] = (params, result)
        if self._written is not None:
            body = {"params": list(params), "result": attrs.asdict(result)}
            self._written.append(("key", key, body))

    def _keep_charge(self, reference: str, charge: _Charge) -> None:
        self._charges[reference] = charge
        if self._written is not None:
            self._written.append(("charge", reference, attrs.asdict(charge)))

    @classmethod
    def forget_all(cls) -> None:
        """Forget every office's test gateway (tests that empty and reuse a store)."""
        with cls._shared_lock:
            cls._shared.clear()

    def _remember(
        self, key: str, params: tuple[object, ...], act: Callable[[], GatewayResult]
    ) -> GatewayResult:
        with self._lock, self._durably():
            self.calls += 1
            known = self._by_key.get(key)
            if known is not None:
                if known[0] != params:
                    raise ConflictError(
                        "the gateway refused an idempotency key reused with other parameters"
                    )
                return known[1]
            result = act()
            self._keep(key, params, result)
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
            self._keep_charge(reference, _Charge(amount_minor, currency, status))
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
        with self._lock, self._durably():
            if marker in self._by_key:
                return False
            self._keep(marker, (), GatewayResult("failed"))
            return True

    def outcome(self, key: str) -> GatewayResult | None:
        """The result of the request made with ``key``, if it arrived."""
        with self._lock:
            self._caught_up()
            self.calls += 1
            known = self._by_key.get(key)
            return None if known is None else known[1]

    def _settle(self, reference: str, kind: str, amount_minor: int, currency: str) -> None:
        line = SettlementLine(reference, kind, amount_minor, currency, self._now())
        self._settled.append(line)
        if self._written is not None:
            body = attrs.asdict(line) | {"at": line.at.isoformat()}
            self._written.append(("settle", reference, body))

    def _charge(self, reference: str) -> _Charge:
        # A charge it does not know (made in another process): nothing to act on.
        return self._charges.get(reference) or _Charge(0, "", "unknown")

    def capture(self, *, key: str, reference: str, amount_minor: int) -> GatewayResult:
        """Capture an authorised charge."""

        def act() -> GatewayResult:
            charge = self._charge(reference)
            if charge.status != "authorised":
                return GatewayResult("failed", reference, code=f"charge_{charge.status}")
            self._keep_charge(reference, attrs.evolve(charge, status="captured"))
            self._settle(reference, "capture", amount_minor, charge.currency)
            return GatewayResult("captured", reference)

        return self._remember(key, ("capture", reference, amount_minor), act)

    def void(self, *, key: str, reference: str) -> GatewayResult:
        """Release an authorised charge."""

        def act() -> GatewayResult:
            charge = self._charge(reference)
            if charge.status != "authorised":
                return GatewayResult("failed", reference, code=f"charge_{charge.status}")
            self._keep_charge(reference, attrs.evolve(charge, status="voided"))
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
            refunded = charge.refunded_minor + amount_minor
            self._keep_charge(reference, attrs.evolve(charge, refunded_minor=refunded))
            refund_ref = f"re_test_{secrets.token_hex(8)}"
            self._settle(refund_ref, "refund", -amount_minor, charge.currency)
            return GatewayResult("refunded", refund_ref)

        return self._remember(key, ("refund", reference, amount_minor), act)

    def settlement(self, start: dt.datetime, end: dt.datetime) -> Settlement:
        """What it settled in ``[start, end)``, with the simulated adjustment if one is set."""
        with self._lock:
            self._caught_up()
            lines = [line for line in self._settled if start <= line.at < end]
            if self.adjustment_minor:
                currency = lines[0].currency if lines else "XXX"
                lines.append(
                    SettlementLine("adj_test", "adjustment", self.adjustment_minor, currency, start)
                )
        return Settlement(tuple(lines))
