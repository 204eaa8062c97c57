"""What this part of the clerk's desk contributes to the plugin (``officekit.plugins.clerk``).

Each function imports what it returns when called, so that listing plugins and
``officekit --help`` stay cheap.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from officekit.core.extensions import AuditCheck, DeskFacet, Migrations, OfficeFacet, ProfileSection

if TYPE_CHECKING:
    import typer

    from officekit.simulate import SimulationStep


def hookspecs() -> list[ModuleType]:
    """Modules of hook specifications this part brings: ``officekit_classify_document``."""
    from officekit.plugins.clerk.filing import hookspecs as specs

    return [specs]


def sections() -> list[ProfileSection[Any]]:
    """Its profile section: ``[filing]``."""
    from officekit.plugins.clerk.filing.settings import FILING_SECTION

    return [FILING_SECTION]


def facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Its office and desk facets: ``office.filing`` and ``desk.filing``."""
    from officekit.plugins.clerk.filing.documents import FILING, FILING_DESK

    return [FILING, FILING_DESK]


def migrations() -> list[Migrations]:
    """Its tables and revisions (version table ``officekit_version_clerk_filing``)."""
    from officekit.plugins.clerk.filing.tables import MIGRATIONS

    return [MIGRATIONS]


def register_commands(app: typer.Typer) -> None:
    """Add ``officekit filing ...``."""
    from officekit.plugins.clerk.filing.cli import register

    register(app)


def audit_checks() -> list[AuditCheck]:
    """Its deep audit checks (none yet)."""
    return []


def steps() -> list[SimulationStep]:
    """Its simulation step: filing, misfiles corrected, check-outs, holds, disposal."""
    from officekit.plugins.clerk.filing.simulation import STEP

    return [STEP]
