"""RFC 5545 recurrence: validate a rule, expand an entry's occurrences in a window.

(Skeleton: the functions below are the contract; their bodies are to be written.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from officekit.plugins.assistant.schedule.model import Entry, Occurrence

__all__ = ["check_rule", "occurrences"]


def check_rule(rule: str, *, where: str = "rrule") -> str:
    """Validate an RFC 5545 recurrence rule and return it normalised.

    Raises:
        officekit.errors.ValidationError: naming ``where`` and what is wrong.
    """
    raise NotImplementedError


def occurrences(entry: Entry, window_start: datetime, window_end: datetime) -> Iterator[Occurrence]:
    """The entry's occurrences that overlap ``[window_start, window_end)``, in order.

    A recurring entry repeats in wall-clock time of ``entry.timezone`` (DST-correct);
    ``exdates`` are left out; a non-recurring entry yields itself if it overlaps.
    """
    raise NotImplementedError
