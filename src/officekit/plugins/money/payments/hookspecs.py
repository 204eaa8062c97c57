"""The hook the payments desk brings, for other plugins to implement.

Added to every office's plugin manager by the money plugin's ``officekit_addhooks``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from officekit.hookspecs import hookspec

if TYPE_CHECKING:
    from officekit.core.office import Office
    from officekit.plugins.money.payments.gateway import Gateway

__all__ = ["officekit_payment_gateway"]


@hookspec(firstresult=True)
def officekit_payment_gateway(office: Office) -> Gateway | None:
    """Give the office's card payment gateway (a real processor's client).

    ``firstresult``: one gateway takes an office's payments, so the first plugin
    that returns one wins; return None to leave it to the next plugin and finally
    to ``[payments] gateway`` (``"test"``: the shipped
    [`TestGateway`][officekit.plugins.money.payments.gateway.TestGateway]).
    Called once per office, when ``office.payments`` is first used.

    Args:
        office: The office.

    Returns:
        An object with the methods of
        [`Gateway`][officekit.plugins.money.payments.gateway.Gateway], or None.
    """
