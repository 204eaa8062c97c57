"""Injectable clocks.

Every time officekit records comes from a [`Clock`][officekit.core.clock.Clock]
handed to [`Office.open`][officekit.Office.open]. Production code uses the
[`SystemClock`][officekit.core.clock.SystemClock]; simulations and tests use a
[`ManualClock`][officekit.core.clock.ManualClock] and move time themselves.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from officekit.core.validate import check_aware
from officekit.errors import ValidationError

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
        ValidationError: If ``start`` is not an aware datetime (a ValueError).
    """

    def __init__(self, start: dt.datetime) -> None:
        self._now = _require_aware(start, "start")

    def now(self) -> dt.datetime:
        """Return the time the clock was last set to."""
        return self._now

    def advance(self, delta: dt.timedelta | None = None, /, **kwargs: float) -> dt.datetime:
        """Move the clock forward and return the new time.

        Args:
            delta: How far to move; or give ``seconds=``, ``minutes=``... as for timedelta.
            **kwargs: Passed to `datetime.timedelta` when ``delta`` is not given.

        Raises:
            ValidationError: If the step is negative (time does not run backwards), or
                not a timedelta; a ValueError.
        """
        try:
            step = delta if delta is not None else dt.timedelta(**kwargs)
        except (TypeError, OverflowError) as exc:
            raise ValidationError(f"not a step of time: {exc}", where="delta") from None
        if not isinstance(step, dt.timedelta):
            raise ValidationError(f"expected a timedelta, got {step!r:.80}", where="delta")
        if step < dt.timedelta(0):
            raise ValidationError(f"a clock cannot go back in time (step {step})", where="delta")
        try:
            self._now += step
        except OverflowError:
            raise ValidationError(
                f"{self._now.isoformat()} plus {step} is past the last datetime", where="delta"
            ) from None
        return self._now

    def set(self, when: dt.datetime) -> None:
        """Jump to ``when``, which must be aware and not earlier than now."""
        when = _require_aware(when, "when")
        if when < self._now:
            raise ValidationError(
                f"a clock cannot go back in time ({when} < {self._now})", where="when"
            )
        self._now = when


def _require_aware(value: object, name: str) -> dt.datetime:
    """An aware datetime, or a ValidationError naming ``name``; far times are allowed."""
    if not isinstance(value, dt.datetime):
        raise ValidationError(f"expected a datetime, got {value!r:.80}", where=name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{name} must be timezone-aware, got {value!r}", where=name)
    return value


def check_period(start: dt.datetime, end: dt.datetime) -> None:
    """Check a reporting period ``[start, end)``: aware ends, end after start.

    Raises:
        ValidationError: Naming ``start``, ``end`` or ``start/end`` and what is wrong
            (not a datetime, naive, too far out, or an empty period).
    """
    check_aware(start, "start")
    check_aware(end, "end")
    if end <= start:
        raise ValidationError("the period must end after it starts", where="start/end")
