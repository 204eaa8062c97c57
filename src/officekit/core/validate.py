"""Checks of the values callers give, before anything is written."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import sqlalchemy as sa

from officekit.errors import Problem

__all__ = ["column_limit", "did_you_mean", "text_field", "unknown_name"]


def column_limit(column: sa.Column[str]) -> int:
    """The most characters a string column holds."""
    length = getattr(column.type, "length", None)
    assert isinstance(length, int), f"{column} has no length"
    return length


def text_field(
    value: object, where: str, what: str, limit: int, problems: list[Problem], *, required: bool
) -> str | None:
    """Return ``value`` stripped (spaces collapsed), or add a problem naming ``where``.

    Args:
        value: What the caller gave.
        where: The argument's name, for the problem.
        what: What it is, in words ("the visitor's name").
        limit: The most characters it may have (the column's length).
        problems: Where a problem is added.
        required: Whether a blank or missing value is a problem (else it is None).
    """
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(where, f"{what} is needed"))
        return None
    clean = " ".join(value.split())
    if len(clean) > limit:
        problems.append(Problem(where, f"{what} is at most {limit} characters, got {len(clean)}"))
        return None
    return clean


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
