"""The kernel's own operations: shifts, the desk log, the audit check and administration."""

from __future__ import annotations

from officekit.core.operations import Operation
from officekit.hookspecs import hookimpl

KERNEL_OPERATIONS = (
    Operation("desk.start_shift", "Start a shift at the front office."),
    Operation("desk.end_shift", "End a shift at the front office."),
    Operation("desk.note", "Write a note in the front-office log."),
    Operation("audit.verify", "Check the event log's hash chain for tampering."),
    # recorded by the office itself: its own administration
    Operation("staff.hire", "Hire a member of staff.", by_office=True),
    Operation("staff.change_roles", "Change a member of staff's roles.", by_office=True),
    Operation("staff.leave", "Record that a member of staff left.", by_office=True),
    Operation("office.change_profile", "Switch the office to another profile.", by_office=True),
)


@hookimpl
def officekit_register_operations() -> list[Operation]:
    """Register the kernel's operations."""
    return list(KERNEL_OPERATIONS)
