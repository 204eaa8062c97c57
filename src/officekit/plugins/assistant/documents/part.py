"""What the documents part of the assistant's desk contributes (``officekit.plugins.assistant``).

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
    """Modules of hook specifications this part brings (none yet)."""
    return []


def sections() -> list[ProfileSection[Any]]:
    """Its profile sections."""
    return []


def facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Its office and desk facets."""
    return []


def migrations() -> list[Migrations]:
    """Its tables and revisions."""
    return []


def register_commands(app: typer.Typer) -> None:
    """Add its commands."""


def audit_checks() -> list[AuditCheck]:
    """Its deep audit checks."""
    return []


def steps() -> list[SimulationStep]:
    """Its simulation steps."""
    return []
