"""What this part of the money desk contributes to the plugin (``officekit.plugins.money``).

Each function imports its modules when called, so that ``officekit --help`` loads
no store.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from officekit.core.extensions import AuditCheck, DeskFacet, Migrations, OfficeFacet, ProfileSection

if TYPE_CHECKING:
    import typer

    from officekit.simulate import SimulationStep


def hookspecs() -> list[ModuleType]:
    """Modules of hook specifications this part brings: ``officekit_payroll_provider``."""
    from officekit.plugins.money.payroll import hookspecs as specs

    return [specs]


def sections() -> list[ProfileSection[Any]]:
    """Its profile sections: ``[payroll]``."""
    from officekit.plugins.money.payroll.settings import PAYROLL

    return [PAYROLL]


def facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Its office and desk facets: ``office.payroll`` and ``desk.payroll``."""
    from officekit.plugins.money.payroll.cheques import PAYROLL_DESK, PAYROLL_OFFICE

    return [PAYROLL_OFFICE, PAYROLL_DESK]


def migrations() -> list[Migrations]:
    """Its tables and revisions (one set, ``money_payroll``, with its own version table)."""
    from officekit.plugins.money.payroll.tables import MIGRATIONS

    return [MIGRATIONS]


def register_commands(app: typer.Typer) -> None:
    """Add ``officekit payroll``."""
    from officekit.plugins.money.payroll.cli import register

    register(app)


def audit_checks() -> list[AuditCheck]:
    """Its deep audit checks: the cheques' states against their events."""
    from officekit.plugins.money.payroll.audit import AUDIT_CHECKS

    return list(AUDIT_CHECKS)


def steps() -> list[SimulationStep]:
    """Its simulation steps: pay days."""
    from officekit.plugins.money.payroll.simulation import STEP

    return [STEP]
