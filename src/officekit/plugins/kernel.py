"""The kernel's desk operations: shifts, the desk log and the audit check.

The office's own administration (``staff.hire``...) is the kernel's and always
registered (``officekit.core.operations.ADMIN_OPERATIONS``); these can be turned off.
"""

from __future__ import annotations

from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl

KERNEL_OPERATIONS = (
    Operation("desk.start_shift", "Start a shift at the front office."),
    Operation("desk.end_shift", "End a shift at the front office."),
    Operation("desk.note", "Write a note in the front-office log."),
    Operation("audit.verify", "Check the event log's hash chain for tampering."),
)


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the kernel's desk operations."""
    return list(KERNEL_OPERATIONS)
