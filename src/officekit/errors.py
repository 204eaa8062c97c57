"""The one exception hierarchy of officekit.

Every error that officekit raises on purpose derives from
[`OfficekitError`][officekit.errors.OfficekitError], so an embedding application
can catch them all with a single ``except`` clause, or each kind on its own.
Each error says *where* (a file, a row, a field or a key path) and *what*.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = [
    "ConflictError",
    "NotFoundError",
    "OfficekitError",
    "PermissionDenied",
    "PluginError",
    "Problem",
    "ProfileError",
    "StoreError",
    "ValidationError",
]


class OfficekitError(Exception):
    """Base class of every error officekit raises on purpose."""


@attrs.frozen
class Problem:
    """One thing wrong with some input, and where it is.

    Attributes:
        where: The location: a file and key path (``medical/profile.toml: roles.clerk``),
            a row and field (``row 3, field 'name'``), or an argument name.
        what: What is wrong there, in one sentence.
    """

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}" if self.where else self.what


class ValidationError(OfficekitError, ValueError):
    """Input was refused; nothing was changed.

    Attributes:
        problems: Every problem found, each with where and what.
    """

    def __init__(self, problems: Sequence[Problem] | str, where: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(where, problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"]
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


class ProfileError(ValidationError):
    """A profile could not be loaded: unknown key, wrong type, dangling reference.

    Its [`problems`][officekit.errors.ValidationError] name the file and the key path
    of each mistake. No office is opened with a profile that has any problem.
    """


class PermissionDenied(OfficekitError):
    """A member of staff tried an operation their roles or level do not allow.

    The refusal is recorded in the event log before this is raised.

    Attributes:
        actor: Name of the member of staff (or ``"office"``).
        operation: The operation that was refused.
        reason: Why it was refused.
    """

    def __init__(self, actor: str, operation: str, reason: str) -> None:
        self.actor = actor
        self.operation = operation
        self.reason = reason
        super().__init__(f"{actor} may not perform {operation}: {reason}")


class NotFoundError(OfficekitError, LookupError):
    """Something named by the caller does not exist (a member of staff, a profile...)."""


class ConflictError(OfficekitError):
    """The request conflicts with the current state (already left, already exists...)."""


class PluginError(OfficekitError):
    """A plugin could not be loaded, or misbehaved in a hook."""


class StoreError(OfficekitError):
    """The database cannot be used: unreachable, or from a newer officekit."""
