"""What this part of the clerk's desk contributes to the plugin (``officekit.plugins.clerk``)."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import TYPE_CHECKING, Any

from officekit.core.extensions import AuditCheck, DeskFacet, Migrations, OfficeFacet, ProfileSection

if TYPE_CHECKING:
    import typer

    from officekit.simulate import SimulationStep

IMPORT_CLI = "officekit.plugins.clerk.records.import_cli"
"""The spreadsheet commands' module, which adds ``import``/``export`` to ``records_app``."""


def hookspecs() -> list[ModuleType]:
    """Modules of hook specifications this part brings (none)."""
    return []


def sections() -> list[ProfileSection[Any]]:
    """Its profile section, ``[records]``."""
    from officekit.plugins.clerk.records.settings import RECORDS

    return [RECORDS]


def facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """``office.records`` and ``desk.records``."""
    from officekit.plugins.clerk.records.book import RECORD_DESK, RECORDS_BOOK

    return [RECORDS_BOOK, RECORD_DESK]


def migrations() -> list[Migrations]:
    """Its tables and revisions (one set, with its own version table)."""
    from officekit.plugins.clerk.records.tables import MIGRATIONS

    return [MIGRATIONS]


def register_commands(app: typer.Typer) -> None:
    """Add ``officekit records ...``, with the spreadsheet commands when they are there."""
    from officekit.plugins.clerk.records.cli import records_app, register

    register(app)
    if importlib.util.find_spec(IMPORT_CLI) is not None:
        module = importlib.import_module(IMPORT_CLI)
        module.register(records_app)


def audit_checks() -> list[AuditCheck]:
    """Its deep audit checks (none yet)."""
    return []


def steps() -> list[SimulationStep]:
    """Data entry in ``officekit simulate``."""
    from officekit.plugins.clerk.records.simulation import STEP

    return [STEP]
