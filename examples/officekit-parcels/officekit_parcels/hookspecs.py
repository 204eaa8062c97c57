"""The hook the parcel desk brings: other plugins implement it to hear of new parcels.

Added to each office's plugin manager by ``officekit_addhooks``. A plugin that
implements it without requiring the parcel desk marks its implementation
``@officekit.hookimpl(optionalhook=True)``: it then loads even where the parcel
desk is turned off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from officekit import hookspec

if TYPE_CHECKING:
    from officekit import Office
    from officekit_parcels.desk import Parcel

__all__ = ["officekit_parcel_signed_for"]


@hookspec
def officekit_parcel_signed_for(office: Office, parcel: Parcel) -> None:
    """Called after a parcel was signed for (its event is committed): tell the recipient.

    An exception raised here is logged (logger ``officekit.plugins``), not raised:
    the parcel stands signed for.

    Args:
        office: The office.
        parcel: The parcel, as stored.
    """
