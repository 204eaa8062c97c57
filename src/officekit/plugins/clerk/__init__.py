"""The clerk's desk: filing documents, customer records and data entry, spreadsheets.

A built-in plugin, made of nothing but the extension points any plugin has, in
two parts that share nothing but this module:

* ``officekit.plugins.clerk.filing``: documents on paper and electronic (a
  content-addressed store), categories with retention rules from the profile,
  legal holds and disposal, classification (the ``officekit_classify_document``
  hook), paper files checked out and returned, full-text search filtered by what
  the actor may see. Profile section ``[filing]``; ``office.filing``, ``desk.filing``;
  ``officekit filing ...``.
* ``officekit.plugins.clerk.records``: record kinds and their fields from the
  profile, validated and normalised, duplicates reported, merges that can be
  undone, corrections kept as history, erasure, the legal conflict check, and
  spreadsheet import and export. Profile section ``[records]``; ``office.records``,
  ``desk.records``; ``officekit records ...``.

Each part's ``part`` module says what it contributes; this module registers both.
Turn the desk off with ``[plugins] disable = ["officekit.plugins.clerk"]``.
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

__all__ = ["CLERK_OPERATIONS"]

CLERK_OPERATIONS = (
    Operation("filing.file", "File a document, on paper or electronic."),
    Operation("filing.reclassify", "Correct a document's category (a misfile)."),
    Operation("filing.check_out", "Check a paper file out to a person."),
    Operation("filing.return", "Return a paper file that was checked out."),
    Operation("filing.hold", "Place a legal hold on documents: they cannot be destroyed."),
    Operation("filing.release_hold", "Release a legal hold."),
    Operation("filing.dispose", "Destroy, archive or review a document after its retention."),
    Operation("records.enter", "Enter a record (a customer, patient, client, matter, student...)."),
    Operation("records.correct", "Correct fields of a record; the history is kept."),
    Operation("records.merge", "Merge a duplicate record into another (it can be undone)."),
    Operation("records.unmerge", "Undo a merge."),
    Operation("records.erase", "Erase a record's personal data (retention or a lawful request)."),
    Operation("records.import", "Import records from a spreadsheet."),
    Operation("records.export", "Export records to a spreadsheet."),
    Operation("records.conflict_check", "Check a new client or matter for conflicts of interest."),
)
"""The operations of the clerk's desk."""

_PARTS = ("officekit.plugins.clerk.filing.part", "officekit.plugins.clerk.records.part")


def _parts() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in _PARTS]


@hookimpl
def officekit_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add the clerk's hooks (``officekit_classify_document``, ...)."""
    for part in _parts():
        for module in part.hookspecs():
            pluginmanager.add_hookspecs(module)


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the clerk's operations."""
    return list(CLERK_OPERATIONS)


@hookimpl
def officekit_register_profile_sections() -> list[ProfileSection[Any]]:
    """Register ``[filing]`` and ``[records]``."""
    return [section for part in _parts() for section in part.sections()]


@hookimpl
def officekit_register_facets() -> list[OfficeFacet[Any] | DeskFacet[Any]]:
    """Register ``office.filing``, ``office.records`` and the desk's."""
    return [facet for part in _parts() for facet in part.facets()]


@hookimpl
def officekit_register_migrations() -> list[Migrations]:
    """Register the filing and records tables, each with its own revisions."""
    return [m for part in _parts() for m in part.migrations()]


@hookimpl
def officekit_register_commands(app: typer.Typer) -> None:
    """Add ``officekit filing`` and ``officekit records``."""
    for part in _parts():
        part.register_commands(app)


@hookimpl
def officekit_register_audit_checks() -> list[AuditCheck]:
    """Compare the clerk's tables with their events (``--deep``)."""
    return [check for part in _parts() for check in part.audit_checks()]


@hookimpl
def officekit_register_simulation_steps() -> list[SimulationStep]:
    """Simulate filing, data entry and a small spreadsheet import."""
    return [step for part in _parts() for step in part.steps()]
