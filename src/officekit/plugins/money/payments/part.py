"""What this part of the money desk contributes to the plugin (``officekit.plugins.money``).

Each function imports its modules when called, so that ``officekit --help``
loads no SQLAlchemy.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from officekit.core.extensions import AuditCheck, DeskFacet, Migrations, OfficeFacet, ProfileSection

if TYPE_CHECKING:
    import typer

    from officekit.simulate import SimulationStep


def hookspecs() -> list[ModuleType]:
    """Modules of hook specifications this part brings: ``officekit_payment_gateway``."""
    from officekit.plugins.money.payments import hookspecs as specs

    return [specs]


def sections() -> list[ProfileSection[Any]]:
    """Its profile section: ``[payments]``."""
    from officekit.plugins.money.payments.settings import SECTIONS

    return list(SECTIONS)


def facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """``office.payments`` and ``desk.payments``."""
    from officekit.plugins.money.payments.payments import PAYMENT_DESK, PAYMENTS_BOOK

    return [PAYMENTS_BOOK, PAYMENT_DESK]


def migrations() -> list[Migrations]:
    """Its tables and revisions (one set, ``money_payments``, with its own version table)."""
    from officekit.plugins.money.payments.tables import MIGRATIONS

    return [MIGRATIONS]


def register_commands(app: typer.Typer) -> None:
    """Add ``officekit payments``."""
    from officekit.plugins.money.payments.cli import register

    register(app)


def audit_checks() -> list[AuditCheck]:
    """Its deep audit check: the payments' states against their events."""
    from officekit.plugins.money.payments.audit import AUDIT_CHECKS

    return list(AUDIT_CHECKS)


def steps() -> list[SimulationStep]:
    """Its simulation step: payments taken through the day, and the cash-up."""
    from officekit.plugins.money.payments.simulation import STEP

    return [STEP]
