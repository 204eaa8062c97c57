"""officekit: an embeddable library that runs the front office of an organisation.

```python
from officekit import Office
office = Office.open("sqlite:///office.db", profile="medical")
anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
with office.desk(anna) as desk:
    desk.note("Printer in reception is out of toner")
```
"""

# Importing officekit is cheap: the errors and the hook markers are loaded now
# (attrs and pluggy), every other public name on first use (PEP 562), so that
# ``officekit --version`` or a plugin importing ``hookimpl`` does not pay for
# SQLAlchemy. The imports under TYPE_CHECKING are what type checkers and IDEs see.

from typing import TYPE_CHECKING

from officekit.errors import (
    ConflictError,
    NotFoundError,
    OfficekitError,
    PermissionDenied,
    PluginError,
    ProfileError,
    StoreError,
    ValidationError,
)
from officekit.hookspecs import hookimpl, hookspec

if TYPE_CHECKING:
    from officekit.core.clock import Clock, ManualClock, SystemClock
    from officekit.core.desk import Desk
    from officekit.core.events import AuditReport, BrokenEvent, Event
    from officekit.core.extensions import (
        AuditCheck,
        DeskFacet,
        Finding,
        Migrations,
        OfficeFacet,
        ProfileSection,
        SectionContext,
    )
    from officekit.core.kernel import Decision
    from officekit.core.office import Office, check_profile, verify_store
    from officekit.core.operations import Operation, OperationContext
    from officekit.core.profile import Profile, load_profile
    from officekit.core.staff import StaffMember

__version__ = "0.1.0"

__all__ = [
    "AuditCheck",
    "AuditReport",
    "BrokenEvent",
    "Clock",
    "ConflictError",
    "Decision",
    "Desk",
    "DeskFacet",
    "Event",
    "Finding",
    "ManualClock",
    "Migrations",
    "NotFoundError",
    "Office",
    "OfficeFacet",
    "OfficekitError",
    "Operation",
    "OperationContext",
    "PermissionDenied",
    "PluginError",
    "Profile",
    "ProfileError",
    "ProfileSection",
    "SectionContext",
    "StaffMember",
    "StoreError",
    "SystemClock",
    "ValidationError",
    "__version__",
    "check_profile",
    "hookimpl",
    "hookspec",
    "load_profile",
    "verify_store",
]

_LAZY = {
    "Clock": "officekit.core.clock",
    "ManualClock": "officekit.core.clock",
    "SystemClock": "officekit.core.clock",
    "Desk": "officekit.core.desk",
    "AuditReport": "officekit.core.events",
    "BrokenEvent": "officekit.core.events",
    "Event": "officekit.core.events",
    "AuditCheck": "officekit.core.extensions",
    "DeskFacet": "officekit.core.extensions",
    "Finding": "officekit.core.extensions",
    "Migrations": "officekit.core.extensions",
    "OfficeFacet": "officekit.core.extensions",
    "ProfileSection": "officekit.core.extensions",
    "SectionContext": "officekit.core.extensions",
    "Decision": "officekit.core.kernel",
    "Office": "officekit.core.office",
    "check_profile": "officekit.core.office",
    "verify_store": "officekit.core.office",
    "Operation": "officekit.core.operations",
    "OperationContext": "officekit.core.operations",
    "Profile": "officekit.core.profile",
    "load_profile": "officekit.core.profile",
    "StaffMember": "officekit.core.staff",
}
"""Where each public name that is loaded on first use is defined."""

if not TYPE_CHECKING:  # mypy sees the imports above, not a catch-all __getattr__

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # found directly from now on
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})
