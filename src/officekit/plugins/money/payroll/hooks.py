"""Typed calls of the payroll hooks (see ``hookspecs``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.money.payroll.manifest import Manifest

__all__ = ["payroll_provider"]


def payroll_provider(office: Office, path: Path) -> Manifest | None:
    """Ask plugins to read a manifest; the first manifest wins (None: the CSV reader reads it)."""
    result: Manifest | None = office.plugins.call(
        "officekit_payroll_provider", office=office, path=path
    )
    return result
