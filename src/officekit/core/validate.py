"""Checks of the values callers give, before anything is written.

Every public function of officekit meets bad input (a wrong type, a wrong value,
a datetime too far out, a NUL or control character, text too long for its
column) with a [`ValidationError`][officekit.errors.ValidationError] whose
problems name the argument: the checkers here are the one place that decides.
Each ``check_*`` returns the clean value or raises; [`collect`][officekit.core.validate.collect]
turns a raise into a problem, for functions that report every problem at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

from officekit.errors import Problem, ValidationError

__all__ = [
    "MAX_ID",
    "MAX_INT",
    "check_aware",
    "check_bool",
    "check_choice",
    "check_int",
    "check_int_id",
    "check_path",
    "check_ref",
    "check_str",
    "collect",
    "column_limit",
    "did_you_mean",
    "office_day",
    "shift_time",
    "subject_id",
    "text_field",
    "text_problem",
    "unknown_name",
]

T = TypeVar("T")

MAX_ID = 2**31 - 1
"""The largest database id (ids are 32-bit integers on PostgreSQL)."""

MAX_INT = 2**63 - 1
"""The largest integer a store holds (64-bit on both backends)."""

_FREE_TEXT_WHITESPACE = frozenset("\t\n\r")
"""The control characters free text may keep; names and other one-line text may not."""

# Unicode category Cc (C0, DEL, C1) and lone surrogates (Cs), as one regex: a scan in C.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_FORBIDDEN_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

_DAY = dt.timedelta(days=1)
_EARLIEST = dt.datetime.min + _DAY
_LATEST = dt.datetime.max - _DAY


def column_limit(column: sa.Column[str]) -> int:
    """The most characters a string column holds."""
    length = getattr(column.type, "length", None)
    assert isinstance(length, int), f"{column} has no length"
    return length


def collect(
    problems: list[Problem], check: Callable[..., T], *args: Any, **kwargs: Any
) -> T | None:
    """Run ``check(*args, **kwargs)``: its value, or None with its problems added."""
    try:
        return check(*args, **kwargs)
    except ValidationError as exc:
        problems.extend(exc.problems)
        return None


def text_problem(
    value: str, what: str, limit: int | None, *, multiline: bool = False
) -> str | None:
    """Say what is wrong with the string ``value`` (a control character, too long), or None.

    Args:
        value: The text.
        what: What it is, in words ("a name").
        limit: The most characters it may have, if any.
        multiline: Free text, which may keep tabs and line breaks; other control
            characters (NUL above all, which PostgreSQL refuses) are never accepted.
    """
    found = (_FORBIDDEN_IN_FREE_TEXT if multiline else _FORBIDDEN).search(value)
    if found is not None:
        i, char = found.start(), found.group()
        return f"{what} may not contain the control character {char!r} (at {i})"
    if limit is not None and len(value) > limit:
        return f"{what} is at most {limit} characters, got {len(value)}"
    return None


def check_str(
    value: object, where: str, what: str = "a text", limit: int | None = None, *,
    multiline: bool = False,
) -> str:  # fmt: skip
    """Return ``value`` as is if it is a string fit to store, else raise ValidationError.

    For values kept exactly as given (a filter, an event's subject): no control
    character (except tabs and line breaks when ``multiline``), at most ``limit``
    characters.
    """
    if not isinstance(value, str):
        raise ValidationError(f"expected {what} (a string), got {value!r:.80}", where=where)
    wrong = text_problem(value, what, limit, multiline=multiline)
    if wrong is not None:
        raise ValidationError(wrong, where=where)
    return value


def text_field(
    value: object,
    where: str,
    what: str,
    limit: int | None,
    problems: list[Problem],
    *,
    required: bool,
    multiline: bool = False,
) -> str | None:
    """Return ``value`` stripped (spaces collapsed), or add a problem naming ``where``.

    Args:
        value: What the caller gave.
        where: The argument's name, for the problem.
        what: What it is, in words ("the visitor's name").
        limit: The most characters it may have (the column's length), if any.
        problems: Where a problem is added.
        required: Whether a blank or missing value is a problem (else it is None).
        multiline: Free text (a message, a note): it keeps its tabs and line breaks
            and is only stripped at its ends. Otherwise (a name) it may contain no
            control character at all, and its runs of spaces are collapsed.
    """
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    if not isinstance(value, str):
        problems.append(Problem(where, f"{what} is needed (a string), got {value!r:.80}"))
        return None
    if not value.strip():
        problems.append(Problem(where, f"{what} is needed"))
        return None
    wrong = text_problem(value, what, None, multiline=multiline)
    if wrong is not None:
        problems.append(Problem(where, wrong))
        return None
    clean = value.strip() if multiline else " ".join(value.split())
    if limit is not None and len(clean) > limit:
        problems.append(Problem(where, f"{what} is at most {limit} characters, got {len(clean)}"))
        return None
    return clean


def check_path(value: object, where: str, what: str = "a file's path") -> Path:
    """Return ``value`` as a `Path` if it can name a file, else raise ValidationError.

    A string or path-like object, not blank, without NUL, and encodable as a file
    name (a lone surrogate is not): what the operating system would refuse with a
    raw ``ValueError`` or ``UnicodeEncodeError`` is refused here, naming ``where``.
    """
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"expected {what}, got {value!r:.80}", where=where)
    if "\x00" in value:
        raise ValidationError(f"{what} may not contain NUL, got {value!r:.80}", where=where)
    try:
        os.fsencode(value)
    except UnicodeError:
        wrong = f"{what} is not a valid file name: {value!r:.80}"
        raise ValidationError(wrong, where=where) from None
    return Path(value)


def check_bool(value: object, where: str) -> bool:
    """Return ``value`` if it is True or False, else raise ValidationError naming ``where``."""
    if not isinstance(value, bool):
        raise ValidationError(f"expected true or false, got {value!r:.80}", where=where)
    return value


def check_int(value: object, where: str, low: int = 0, high: int = MAX_INT) -> int:
    """Return ``value`` if it is an integer (not a bool) in ``[low, high]``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"expected an integer, got {value!r:.80}", where=where)
    if not low <= value <= high:
        raise ValidationError(f"expected an integer from {low} to {high}, got {value}", where=where)
    return value


def check_int_id(value: object, where: str, what: str = "an id") -> int:
    """Return ``value`` if it can be a database id (an integer from 1 to MAX_ID), else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"expected {what} (an integer), got {value!r:.80}", where=where)
    if not 1 <= value <= MAX_ID:
        raise ValidationError(f"{what} is an integer from 1 to {MAX_ID}, got {value}", where=where)
    return value


def check_ref(value: object, where: str, kind: type, what: str) -> int:
    """Return the id of ``value``: an instance of ``kind`` (its ``id``) or an id.

    >>> check_ref(3, "member", object, "a member of staff")
    3
    """
    if isinstance(value, kind):
        value = getattr(value, "id", None)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"expected {what} or an id, got {value!r:.80}", where=where)
    return check_int_id(value, where, f"the id of {what}")


def check_choice(value: object, where: str, choices: Collection[str], kind: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming ``where``.

    The message offers the closest choice (a typo) or lists them.
    """
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(unknown_name(kind, value, choices), where=where)
    return value


def check_aware(value: object, where: str) -> dt.datetime:
    """Return ``value`` if it is an aware datetime that officekit can compute with.

    A naive datetime is refused, and so is one within a day of the first or last
    datetime Python has: converting it to another timezone (or adding the hours
    of a day to it) would overflow.
    """
    if not isinstance(value, dt.datetime):
        raise ValidationError(f"expected a datetime, got {value!r:.80}", where=where)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"must be timezone-aware, got {value!r}", where=where)
    try:
        utc = value.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:
        utc = dt.datetime.min
    if not _EARLIEST <= utc <= _LATEST:
        raise ValidationError(
            f"{value.isoformat()} is too far out: officekit computes with times from "
            f"{_EARLIEST.date().isoformat()} to {_LATEST.date().isoformat()}",
            where=where,
        )
    return value


def shift_time(when: dt.datetime, delta: dt.timedelta, where: str) -> dt.datetime:
    """Return ``when + delta``, or raise ValidationError naming ``where`` if it overflows."""
    try:
        result = when + delta
    except OverflowError:
        result = None
    if result is None or not _EARLIEST <= result.replace(tzinfo=None) <= _LATEST:
        raise ValidationError(
            f"{when.isoformat()} plus {delta} is past the last time officekit computes with",
            where=where,
        )
    return result


def did_you_mean(name: str, choices: Iterable[str]) -> str | None:
    """Return the choice closest to ``name`` if one is close enough (a typo), else None."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_name(kind: str, name: object, choices: Iterable[str]) -> str:
    """Say that no ``kind`` is called ``name``: with "did you mean", or what is known.

    >>> unknown_name("department", "recepton", ["reception", "billing"])
    "no department named 'recepton' (did you mean 'reception'?)"
    """
    known = list(choices)
    guess = did_you_mean(name, known) if isinstance(name, str) else None
    if guess is not None:
        return f"no {kind} named {name!r} (did you mean {guess!r}?)"
    return f"no {kind} named {name!r} (known: {', '.join(known) or 'none'})"


def office_day(day: dt.date, tz: dt.tzinfo, where: str = "day") -> tuple[dt.datetime, dt.datetime]:
    """Return the period ``[start, end)`` of ``day`` in the office's timezone ``tz``.

    From local midnight to the next local midnight: 23 or 25 hours on the days
    the clocks change. Where midnight itself is skipped, the day starts at its
    first instant.

    Raises:
        ValidationError: Naming ``where``, if ``day`` is not a date (a datetime is
            not a day) or too far out to compute with.
    """
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ValidationError(f"expected a date, got {day!r:.80}", where=where)
    try:
        start = dt.datetime.combine(day, dt.time(), tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz)
        check_aware(start, where)
        check_aware(end, where)
    except (OverflowError, ValidationError):
        raise ValidationError(
            f"{day.isoformat()} is too far out: officekit computes with days from "
            f"{(_EARLIEST + _DAY).date().isoformat()} to {(_LATEST - _DAY).date().isoformat()}",
            where=where,
        ) from None
    return start, end


def subject_id(subject: str, where: str = "subject") -> int:
    """Return the id of a subject such as ``call:12``, or raise ValidationError naming ``where``.

    The part after the first ``:`` must be a database id: ASCII digits, from 1 to
    `MAX_ID`.
    """
    kind, _, ident = subject.partition(":")
    digits = ident.isascii() and ident.isdigit() and len(ident) <= 10
    if not digits or not 1 <= int(ident) <= MAX_ID:
        raise ValidationError(
            f"a {kind}'s id is a whole number from 1 to {MAX_ID}, got {ident!r:.40}", where=where
        )
    return int(ident)
