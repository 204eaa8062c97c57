"""The money desk: card payments and receipts, payroll cheque pickup and distribution.

A built-in plugin, made of nothing but the extension points any plugin has, in
two parts that share nothing but this module:

* ``officekit.plugins.money.payments``: charges with line items and taxes in
  ``Decimal``, a gateway chosen by the ``officekit_payment_gateway`` hook (a test
  gateway ships), the authorise -> capture -> refund / void lifecycle, idempotency
  keys, receipts numbered per office and year without gaps, and the end-of-day
  cash-up. Card numbers are never stored: a token, the brand and the last four
  digits. Profile section ``[payments]``; ``office.payments``, ``desk.payments``;
  ``officekit payments ...``.
* ``officekit.plugins.money.payroll``: batches of cheques from the outsourced
  payroll company (manifests read by the ``officekit_payroll_provider`` hook),
  pickup counted against the manifest, hand-over with acknowledgement, cheques
  held for absent employees, the chain of custody. Profile section ``[payroll]``;
  ``office.payroll``, ``desk.payroll``; ``officekit payroll ...``.

Each part's ``part`` module says what it contributes; [`Parts`][officekit.plugins.parts.Parts]
registers both.
Turn the desk off with ``[plugins] disable = ["officekit.plugins.money"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl
from officekit.plugins.parts import Parts

if TYPE_CHECKING:
    from officekit.plugins.reviews.metrics import Metric

__all__ = ["MONEY_OPERATIONS"]

MONEY_OPERATIONS = (
    Operation("payments.charge", "Charge a customer's card: authorise (and capture) a payment."),
    Operation("payments.capture", "Capture an authorised payment."),
    Operation("payments.refund", "Refund a captured payment, in part or in full."),
    Operation("payments.void", "Void an authorised payment before it is captured."),
    Operation("payments.cashup", "Close the day: the cash-up against the gateway's settlement."),
    Operation("payroll.receive", "Record a batch of cheques announced by the payroll company."),
    Operation("payroll.pickup", "Pick a batch of cheques up, counted against its manifest."),
    Operation("payroll.hand_over", "Hand a cheque to its employee, who acknowledges it."),
    Operation("payroll.hold", "Hold the cheque of an absent employee securely."),
    Operation("payroll.return", "Return a cheque to the payroll company."),
)
"""The operations of the money desk."""

_PARTS = Parts("officekit.plugins.money.payments.part", "officekit.plugins.money.payroll.part")

officekit_addhooks = _PARTS.officekit_addhooks
officekit_register_profile_sections = _PARTS.officekit_register_profile_sections
officekit_register_facets = _PARTS.officekit_register_facets
officekit_register_migrations = _PARTS.officekit_register_migrations
officekit_register_commands = _PARTS.officekit_register_commands
officekit_register_audit_checks = _PARTS.officekit_register_audit_checks
officekit_register_simulation_steps = _PARTS.officekit_register_simulation_steps


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the desk's operations."""
    return list(MONEY_OPERATIONS)


@hookimpl(optionalhook=True)
def officekit_register_metrics() -> list[Metric]:
    """Add the desk's metrics to the front-office analysis (when it is installed)."""
    from officekit.plugins.money.metrics import metrics

    return metrics()
