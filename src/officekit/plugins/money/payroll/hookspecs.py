"""The hook the payroll part of the money desk brings, for other plugins to implement.

Added to every office's plugin manager by the money plugin's ``officekit_addhooks``;
implement it with ``@officekit.hookimpl`` like the kernel's hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from officekit.hookspecs import hookspec

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.money.payroll.manifest import Manifest

__all__ = ["officekit_payroll_provider"]


@hookspec(firstresult=True)
def officekit_payroll_provider(office: Office, path: Path) -> Manifest | None:
    """Read a payroll company's manifest of a batch of cheques, in that company's format.

    ``firstresult``: one reader must win, so the first plugin that returns a
    manifest ends the call; return None for a file whose format you do not know,
    to let the next plugin, and finally the built-in CSV reader
    ([`read_csv_manifest`][officekit.plugins.money.payroll.manifest.read_csv_manifest]),
    read it.

    Called by ``desk.payroll.receive(path)`` before the operation's transaction:
    it must not write to the store. Raise a
    [`ValidationError`][officekit.errors.ValidationError] naming the file, the row
    and the field of a malformed row; nothing is then recorded.

    Args:
        office: The office receiving the batch.
        path: The manifest's file.

    Returns:
        A [`Manifest`][officekit.plugins.money.payroll.manifest.Manifest], or None.
    """
