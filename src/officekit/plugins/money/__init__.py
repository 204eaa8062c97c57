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

Each part's ``part`` module says what it contributes; this module registers both.
Turn the desk off with ``[plugins] disable = ["officekit.plugins.money"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from officekit.core.extensions import (
    AuditCheck,
    DeskFacet,
    Migrations,
    OfficeFacet,
    ProfileSection,
)
from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl

if TYPE_CHECKING:
    import typer

    from officekit.simulate import SimulationStep

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

_PARTS = ("officekit.plugins.money.payments.part", "officekit.plugins.money.payroll.part")


def _parts() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in _PARTS]


@hookimpl
def officekit_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add the money desk's hooks: the payment gateway and the payroll provider."""
    for part in _parts():
        for module in part.hookspecs():
            pluginmanager.add_hookspecs(module)


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the money desk's operations."""
    return list(MONEY_OPERATIONS)


@hookimpl
def officekit_register_profile_sections() -> list[ProfileSection[Any]]:
    """Register ``[payments]`` and ``[payroll]``."""
    return [section for part in _parts() for section in part.sections()]


@hookimpl
def officekit_register_facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Register ``office.payments``, ``office.payroll`` and the desk's."""
    return [facet for part in _parts() for facet in part.facets()]


@hookimpl
def officekit_register_migrations() -> list[Migrations]:
    """Register the payments and payroll tables, each with its own revisions."""
    return [m for part in _parts() for m in part.migrations()]


@hookimpl
def officekit_register_commands(app: typer.Typer) -> None:
    """Add ``officekit payments`` and ``officekit payroll``."""
    for part in _parts():
        part.register_commands(app)


@hookimpl
def officekit_register_audit_checks() -> list[AuditCheck]:
    """Compare the money desk's tables with their events (``--deep``)."""
    return [check for part in _parts() for check in part.audit_checks()]


@hookimpl
def officekit_register_simulation_steps() -> list[SimulationStep]:
    """Simulate payments at the desk and payroll distribution on pay days."""
    return [step for part in _parts() for step in part.steps()]
