"""Operations: the named things a member of staff can do at a desk.

Every operation is registered by a plugin through
[`officekit_register_operations`][officekit.hookspecs.officekit_register_operations]
(the kernel's own by the built-in ``officekit.plugins.kernel``). A profile's
responsibilities grant operations by name, so a profile that names an
operation nobody registered is refused.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from officekit.core.convert import FrozenDict, freeze
from officekit.errors import NotFoundError, PluginError

__all__ = [
    "ADMIN_OPERATIONS",
    "Operation",
    "OperationContext",
    "OperationRegistry",
    "frozen_detail",
]

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def _check_name(_: Any, __: attrs.Attribute[str], value: str) -> None:
    if not _NAME.match(value):
        raise ValueError(
            f"an operation name is dotted lower-case words such as 'calls.answer', got {value!r}"
        )


@attrs.frozen
class Operation:
    """A kind of work that the office records and authorises.

    Attributes:
        name: Dotted name, ``<area>.<verb>``, such as ``"desk.note"``.
        summary: One line saying what it does, shown in listings and refusals.
        by_office: Recorded by the office itself, with no member of staff to
            authorise (``staff.hire``, ``calls.receive``): performed with
            [`Kernel.record_admin`][officekit.core.kernel.Kernel.record_admin], and
            never granted by a profile's responsibility.
    """

    name: str = attrs.field(validator=_check_name)
    summary: str = ""
    by_office: bool = False


def frozen_detail(detail: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only deep copy of an operation's detail: what plugins are shown.

    A plugin changing what it sees cannot change what is recorded.
    """
    if isinstance(detail, FrozenDict):
        return detail  # already read-only all the way down (an event's detail)
    # A copy of what could change (not of str, int...): what a plugin does to it is not recorded.
    frozen: Mapping[str, Any] = freeze(dict(detail), _copied)
    return frozen


_SCALARS = (str, int, float, bool, type(None))


def _copied(value: Any) -> Any:
    return value if isinstance(value, _SCALARS) else copy.deepcopy(value)


@attrs.frozen
class OperationContext:
    """What plugins see of an operation about to run or just run.

    Attributes:
        operation: The operation's name.
        actor_id: The id of the member of staff performing it (``None`` for the office itself).
        actor_name: Their name (``"office"`` for the office itself).
        subject: What it is about (a customer, a document, a member of staff...), if anything.
        detail: The operation's own data, as recorded in the event log: a read-only
            copy, so that a plugin cannot change what is recorded.
    """

    operation: str
    actor_id: int | None
    actor_name: str
    subject: str | None = None
    detail: Mapping[str, Any] = attrs.field(factory=dict, converter=frozen_detail)


ADMIN_OPERATIONS = (
    Operation("staff.hire", "Hire a member of staff.", by_office=True),
    Operation("staff.change_roles", "Change a member of staff's roles.", by_office=True),
    Operation("staff.leave", "Record that a member of staff left.", by_office=True),
    Operation("office.change_profile", "Switch the office to another profile.", by_office=True),
)
"""What the kernel records itself: always registered, whatever plugins run."""


class OperationRegistry(Mapping[str, Operation]):
    """The operations known to one office, by name (a read-only mapping).

    The kernel's [`ADMIN_OPERATIONS`][officekit.core.operations.ADMIN_OPERATIONS]
    are always there; then come those the plugins register.
    """

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._ops: dict[str, Operation] = {op.name: op for op in ADMIN_OPERATIONS}
        for op in operations:
            if not isinstance(op, Operation):
                raise PluginError(
                    "officekit_register_operations must return Operation objects, "
                    f"got {type(op).__name__} {op!r}"
                )
            if op.name in self._ops and self._ops[op.name] != op:
                raise PluginError(f"operation {op.name!r} is registered twice, differently")
            self._ops[op.name] = op

    def __getitem__(self, name: str) -> Operation:
        try:
            return self._ops[name]
        except KeyError:
            raise NotFoundError(f"no operation named {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def get(self, name: str, default: Operation | None = None) -> Operation | None:  # type: ignore[override]
        """Return the operation named ``name``, or ``default``."""
        return self._ops.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ops)

    def __len__(self) -> int:
        return len(self._ops)
