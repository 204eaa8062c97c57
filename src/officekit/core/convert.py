"""The private cattrs converters.

One factory, `make_converter`, registers the hooks every officekit
converter needs once (Decimal, aware datetimes, dates, times, tuples). Two
instances are made from it:

- ``converter`` turns store rows and JSON into attrs objects and back;
- ``strict_converter`` reads profiles: it forbids unknown keys and never coerces
  a value of the wrong type (TOML ``"4"`` is not the integer ``4``).

Both are private: the public API takes and returns attrs objects.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.preconf.json import make_converter as _make_json_converter
from cattrs.v import format_exception as _cattrs_format_exception

__all__ = [
    "FrozenDict",
    "FrozenList",
    "converter",
    "format_structuring_error",
    "freeze",
    "make_converter",
    "parse_cattrs_path",
    "parse_time",
    "strict_converter",
]


def parse_time(value: str) -> dt.time:
    """Parse ``HH:MM`` (24-hour clock) into a time.

    Raises:
        ValueError: If ``value`` is not of that form.
    """
    try:
        result = dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected a time as HH:MM, got {value!r}") from None
    if result.tzinfo is not None:
        raise ValueError(
            f"expected a local time as HH:MM without an offset (the office's timezone "
            f"applies), got {value!r}"
        )
    return result


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise TypeError(f"expected a decimal as a string or integer, got {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite decimal: {value!r}")
    return result


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    result = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if result.tzinfo is None:
        raise ValueError(f"datetime must be timezone-aware, got {value!r}")
    return result


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        raise TypeError(f"expected a date, got a datetime {value!r}")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def _structure_time(value: Any, _: type) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected a time as 'HH:MM', got {value!r}")
    return parse_time(value)


def _strict(kind: type, *accepted: type) -> Any:
    def hook(value: Any, _: type) -> Any:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {kind.__name__}, got a boolean {value!r}")
        if not isinstance(value, accepted):
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
        return kind(value)

    return hook


def format_structuring_error(exc: BaseException, type_: type | None) -> str:
    """Say what is wrong with one value, for ``cattrs.transform_error``."""
    if isinstance(exc, KeyError):
        return "required key is missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown key(s): {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, TypeError | ValueError) and str(exc) and "__init__" not in str(exc):
        return str(exc)
    return _cattrs_format_exception(exc, type_)


def parse_cattrs_path(path: str) -> list[str]:
    """Turn cattrs' ``$.roles['clerk'].title`` into ``['roles', 'clerk', 'title']``."""
    parts: list[str] = []
    i = 1 if path.startswith("$") else 0
    while i < len(path):
        if path[i] == ".":
            j = i + 1
            while j < len(path) and path[j] not in ".[":
                j += 1
            parts.append(path[i + 1 : j])
            i = j
        elif path[i] == "[":
            j = path.index("]", i)
            token = path[i + 1 : j]
            if token[:1] in "'\"":
                parts.append(token[1:-1])
            elif parts:
                parts[-1] = f"{parts[-1]}[{token}]"
            i = j + 1
        else:
            i += 1
    return parts


def _strict_sequence_factory(type_: Any, conv: cattrs.Converter) -> Any:
    """Structure ``tuple[X, ...]`` from a list only: a string is not a list of letters."""
    (element,) = [a for a in typing.get_args(type_) if a is not Ellipsis]
    element_hook = conv.get_structure_hook(element)

    def hook(value: Any, _: type) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {type(value).__name__} {value!r}")
        result = []
        errors: list[Exception] = []
        for index, item in enumerate(value):
            try:
                result.append(element_hook(item, element))
            except Exception as exc:
                note = IterableValidationNote(
                    f"Structuring {type_} @ index {index}", index, element
                )
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {type_!r}", errors, type_)
        return tuple(result)

    return hook


def _is_homogeneous_tuple(type_: Any) -> bool:
    args = typing.get_args(type_)
    return typing.get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build a converter with officekit's hooks registered.

    Args:
        strict: Forbid unknown keys and refuse values of the wrong type instead
            of coercing them. Used for profiles and other hand-written input.
    """
    conv = _make_json_converter(forbid_extra_keys=strict, prefer_attrib_converters=False)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(dt.datetime, _structure_datetime)
    conv.register_unstructure_hook(dt.datetime, lambda v: v.isoformat())
    conv.register_structure_hook(dt.date, _structure_date)
    conv.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    conv.register_structure_hook(dt.time, _structure_time)
    conv.register_unstructure_hook(dt.time, lambda v: v.isoformat(timespec="minutes"))
    if strict:
        conv.register_structure_hook(str, _strict(str, str))
        conv.register_structure_hook(int, _strict(int, int))
        conv.register_structure_hook(float, _strict(float, int, float))
        conv.register_structure_hook(bool, _strict(bool, bool))
        conv.register_structure_hook_factory(
            _is_homogeneous_tuple, lambda t: _strict_sequence_factory(t, conv)
        )
    return conv


converter = make_converter()
strict_converter = make_converter(strict=True)


def _read_only(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(f"{type(self).__name__} is read-only: it is what the event log recorded")


class FrozenDict(dict[str, Any]):
    """A dict that cannot be changed: an event's detail, as recorded.

    It compares, serialises (JSON, cattrs) and reads like a dict; every method that
    would change it raises TypeError.
    """

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only
    __ior__ = _read_only

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        import copy

        return {k: copy.deepcopy(v, memo) for k, v in self.items()}


class FrozenList(list[Any]):
    """A list that cannot be changed (inside an event's detail)."""

    __setitem__ = __delitem__ = append = extend = insert = pop = remove = _read_only
    clear = sort = reverse = __iadd__ = __imul__ = _read_only

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        import copy

        return [copy.deepcopy(v, memo) for v in self]


def freeze(value: Any, leaf: Callable[[Any], Any] | None = None) -> Any:
    """Return JSON-like data that nobody can change: dicts and lists made read-only, deeply.

    Args:
        value: The data.
        leaf: Applied to each value that is not a dict, list or tuple (a copy of
            it, say); None keeps them as they are.
    """
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v, leaf) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return FrozenList(freeze(v, leaf) for v in value)
    return value if leaf is None else leaf(value)
