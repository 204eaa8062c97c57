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

Each part's ``part`` module says what it contributes; [`Parts`][officekit.plugins.parts.Parts]
registers both.
Turn the desk off with ``[plugins] disable = ["officekit.plugins.clerk"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl
from officekit.plugins.parts import Parts

if TYPE_CHECKING:
    from officekit.plugins.reviews.metrics import Metric

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

_PARTS = Parts("officekit.plugins.clerk.filing.part", "officekit.plugins.clerk.records.part")

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
    return list(CLERK_OPERATIONS)


@hookimpl(optionalhook=True)
def officekit_register_metrics() -> list[Metric]:
    """Add the desk's metrics to the front-office analysis (when it is installed)."""
    from officekit.plugins.clerk.metrics import metrics

    return metrics()
