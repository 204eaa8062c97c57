"""officekit: an embeddable library that runs the front office of an organisation.

```python
from officekit import Office
office = Office.open("sqlite:///office.db", profile="medical")
anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
with office.desk(anna) as desk:
    desk.note("Printer in reception is out of toner")
```
"""

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
