"""Typed calls of the payments desk's hook (see ``hookspecs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.money.payments.gateway import Gateway

__all__ = ["payment_gateway"]


def payment_gateway(office: Office) -> Gateway | None:
    """Ask plugins for the office's gateway; the first answer wins (None: the profile's)."""
    result: Gateway | None = office.plugins.call("officekit_payment_gateway", office=office)
    return result
