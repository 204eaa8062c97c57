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
    """Modules of hook specifications this part brings: ``officekit_register_templates``
    and ``officekit_render_document``."""
    from officekit.plugins.assistant.documents import hookspecs as specs

    return [specs]


def sections() -> list[ProfileSection[Any]]:
    """Its profile section: ``[documents]``."""
    from officekit.plugins.assistant.documents.settings import DOCUMENTS

    return [DOCUMENTS]


def facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Its office and desk facets: ``office.documents`` and ``desk.documents``."""
    from officekit.plugins.assistant.documents.queue import DOCUMENTS_DESK, DOCUMENTS_OFFICE

    return [DOCUMENTS_OFFICE, DOCUMENTS_DESK]


def migrations() -> list[Migrations]:
    """Its tables and revisions (one set, ``assistant_documents``, with its own version table)."""
    from officekit.plugins.assistant.documents.tables import MIGRATIONS

    return [MIGRATIONS]


def register_commands(app: typer.Typer) -> None:
    """Add ``officekit documents``."""
    from officekit.plugins.assistant.documents.cli import register

    register(app)


def audit_checks() -> list[AuditCheck]:
    """Its deep audit check: each incoming document's state against its events."""
    from officekit.plugins.assistant.documents.audit import AUDIT_CHECKS

    return list(AUDIT_CHECKS)


def steps() -> list[SimulationStep]:
    """Its simulation step: incoming documents logged, reviewed and dealt with."""
    from officekit.plugins.assistant.documents.simulation import STEP

    return [STEP]
