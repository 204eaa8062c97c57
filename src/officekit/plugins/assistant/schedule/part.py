"""What the schedule part of the assistant's desk contributes (``officekit.plugins.assistant``).

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
    """Modules of hook specifications this part brings (none)."""
    return []


def sections() -> list[ProfileSection[Any]]:
    """Its profile sections: ``[schedule]``."""
    from officekit.plugins.assistant.schedule.settings import SCHEDULE

    return [SCHEDULE]


def facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Its office and desk facets: ``office.schedule``, ``desk.schedule``, ``desk.appointments``."""
    from officekit.plugins.assistant.schedule.appointments import APPOINTMENTS_DESK
    from officekit.plugins.assistant.schedule.diary import SCHEDULE_DESK, SCHEDULE_OFFICE

    return [SCHEDULE_OFFICE, SCHEDULE_DESK, APPOINTMENTS_DESK]


def migrations() -> list[Migrations]:
    """Its tables and revisions (one set, ``assistant_schedule``, with its own version table)."""
    from officekit.plugins.assistant.schedule.tables import MIGRATIONS

    return [MIGRATIONS]


def register_commands(app: typer.Typer) -> None:
    """Add ``officekit schedule``."""
    from officekit.plugins.assistant.schedule.cli import register

    register(app)


def audit_checks() -> list[AuditCheck]:
    """Its deep audit checks (none yet)."""
    return []


def steps() -> list[SimulationStep]:
    """Its simulation steps: the day's appointments."""
    from officekit.plugins.assistant.schedule.simulation import STEP

    return [STEP]
