"""Injectable clocks.

Every time officekit records comes from a [`Clock`][officekit.core.clock.Clock]
handed to [`Office.open`][officekit.Office.open]. Production code uses the
[`SystemClock`][officekit.core.clock.SystemClock]; simulations and tests use a
[`ManualClock`][officekit.core.clock.ManualClock] and move time themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock", "check_period"]


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` that returns a timezone-aware datetime."""

    def now(self) -> dt.datetime:
        """Return the current time, timezone-aware."""
        ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> dt.datetime:
        """Return the current UTC time."""
        return dt.datetime.now(dt.UTC)


class ManualClock:
    """A clock that only moves when told to.

    Args:
        start: The first time it shows; must be timezone-aware.

    Raises:
        ValueError: If ``start`` is naive.
    """

    def __init__(self, start: dt.datetime) -> None:
        _require_aware(start, "start")
        self._now = start

    def now(self) -> dt.datetime:
        """Return the time the clock was last set to."""
        return self._now

    def advance(self, delta: dt.timedelta | None = None, /, **kwargs: float) -> dt.datetime:
        """Move the clock forward and return the new time.

        Args:
            delta: How far to move; or give ``seconds=``, ``minutes=``... as for timedelta.
            **kwargs: Passed to `datetime.timedelta` when ``delta`` is not given.

        Raises:
            ValueError: If the step is negative: time does not run backwards.
        """
        step = delta if delta is not None else dt.timedelta(**kwargs)
        if step < dt.timedelta(0):
            raise ValueError(f"a clock cannot go back in time (step {step})")
        self._now += step
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Jump to ``when``, which must be aware and not earlier than now."""
        _require_aware(when, "when")
        if when < self._now:
            raise ValueError(f"a clock cannot go back in time ({when} < {self._now})")
        self._now = when


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def check_period(start: dt.datetime, end: dt.datetime) -> None:
    """Check a reporting period ``[start, end)``: aware ends, end after start.

    Raises:
        ValidationError: Naming ``start/end`` and what is wrong.
    """
    from officekit.errors import ValidationError

    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("the period's ends must be timezone-aware", where="start/end")
    if end <= start:
        raise ValidationError("the period must end after it starts", where="start/end")
