"""Sector profiles: what an office has and who may do what in it.

A profile is TOML data (``profile.toml``) that an integrator writes or
inherits. Loading is strict: every problem is reported with the file and key
path it comes from, and an office never opens on a profile with a problem.
See the [profiles guide](../guides/profiles.md) for the format.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import importlib.resources
import itertools
import math
import os
import re
import tomllib
import typing
import weakref
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import attrs
import cattrs
import pycountry

from officekit.core.convert import (
    converter,
    format_structuring_error,
    parse_cattrs_path,
    parse_time,
    strict_converter,
)
from officekit.core.extensions import ProfileSection, SectionContext
from officekit.core.operations import Operation, OperationRegistry
from officekit.core.plugins import (
    PluginHost,
    blocked_names,
    entry_points,
    get_plugin_manager,
    installed_plugin_names,
)
from officekit.core.validate import did_you_mean, unknown_name
from officekit.errors import NotFoundError, OfficekitError, PluginError, Problem, ProfileError
from officekit.plugins import DEFAULT_PLUGINS

T = TypeVar("T")

__all__ = [
    "PROFILE_ENTRY_POINT_GROUP",
    "Department",
    "Holiday",
    "Level",
    "OfficeSettings",
    "PluginSettings",
    "Profile",
    "ProfilePlugins",
    "ProfileSource",
    "Responsibility",
    "Role",
    "TimeRange",
    "WeeklyHours",
    "available_profiles",
    "load_profile",
    "plugins_for_profile",
    "profile_problems",
    "shipped_profiles_dir",
]

PROFILE_ENTRY_POINT_GROUP = "officekit.profiles"
PROFILE_FILE = "profile.toml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@attrs.frozen
class TimeRange:
    """Opening hours on one day: from ``start`` to ``end`` (local time, end excluded)."""

    start: dt.time
    end: dt.time

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a time range must end after it starts ({self})")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def __contains__(self, moment: dt.time) -> bool:
        return self.start <= moment < self.end


def _structure_time_range(value: Any, _: type) -> TimeRange:
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f"expected opening hours as 'HH:MM-HH:MM', got {value!r}")
    start, end = value.split("-")
    return TimeRange(parse_time(start.strip()), parse_time(end.strip()))


def _structure_ranges(value: Any, _: type) -> tuple[TimeRange, ...]:
    if isinstance(value, str):
        return (_structure_time_range(value, TimeRange),)
    if isinstance(value, list):
        return tuple(_structure_time_range(item, TimeRange) for item in value)
    raise ValueError(f"expected 'HH:MM-HH:MM' or a list of them, got {value!r}")


_Ranges = tuple[TimeRange, ...]


@attrs.frozen
class WeeklyHours:
    """Opening hours for each day of the week; a day with no range is closed.

    In TOML each day is ``"08:00-12:30"`` or a list such as
    ``["08:00-12:30", "13:30-17:00"]``.
    """

    mon: _Ranges = ()
    tue: _Ranges = ()
    wed: _Ranges = ()
    thu: _Ranges = ()
    fri: _Ranges = ()
    sat: _Ranges = ()
    sun: _Ranges = ()

    def on(self, day: dt.date) -> _Ranges:
        """Return the ranges open on ``day``'s weekday."""
        ranges: _Ranges = getattr(self, WEEKDAYS[day.weekday()])
        return ranges

    def is_open(self, moment: dt.datetime) -> bool:
        """Tell whether ``moment`` (already in the office's local time) falls in opening hours."""
        return any(moment.time() in r for r in self.on(moment.date()))


@attrs.frozen
class OfficeSettings:
    """The office itself.

    Attributes:
        name: The name staff and customers know it by.
        timezone: An IANA zone such as ``Europe/Rome``; every local time in the profile is in it.
        currency: ISO 4217 code of the office's money.
        country: ISO 3166 alpha-2 country code, used for phone numbers and identifiers.
    """

    name: str
    timezone: str
    currency: str
    country: str | None = None

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The office's timezone as a `zoneinfo.ZoneInfo`."""
        return zoneinfo.ZoneInfo(self.timezone)


@attrs.frozen
class Department:
    """A department that calls, visitors and messages can be routed to.

    Attributes:
        name: Its display name.
        extension: Its internal phone extension; unique within the office.
        hours: When it is open (local time).
        description: What it does, for the directory.
    """

    name: str
    extension: str
    hours: WeeklyHours = WeeklyHours()
    description: str = ""


@attrs.frozen
class Level:
    """A responsibility level, earned by years of experience plus education credit.

    Attributes:
        name: Its key, such as ``"senior"``.
        min_years: Years (experience plus education credit) needed to hold it.
        title: Display name.
    """

    name: str
    min_years: float = 0.0
    title: str = ""

    def __attrs_post_init__(self) -> None:
        if not math.isfinite(self.min_years) or self.min_years < 0:
            raise ValueError(f"min_years must be a finite number >= 0, got {self.min_years!r}")


@attrs.frozen
class Responsibility:
    """A duty: the operations it covers and the lowest level that may carry it out.

    Attributes:
        description: What the duty is, in words.
        operations: Names of the operations it covers (each must be registered).
        min_level: The lowest responsibility level that may perform them.
    """

    description: str
    operations: tuple[str, ...]
    min_level: str


@attrs.frozen
class Role:
    """A role that members of staff hold, and the responsibilities it carries.

    Attributes:
        title: Display name, such as ``"Medical receptionist"``.
        responsibilities: Keys of the responsibilities the role carries.
        department: The department the role belongs to, if any.
        description: What the role does.
    """

    title: str
    responsibilities: tuple[str, ...]
    department: str | None = None
    description: str = ""


@attrs.frozen
class Holiday:
    """A day the office, or some of its departments, is closed.

    Attributes:
        date: The day (in the office's timezone).
        name: What it is, such as ``"Christmas Day"``.
        departments: The departments closed that day; empty means the whole office.
    """

    date: dt.date
    name: str = ""
    departments: tuple[str, ...] = ()


@attrs.frozen
class PluginSettings:
    """Which installed plugins run in the offices of a profile (``[plugins]``).

    Attributes:
        disable: Names of plugins that do not run in this profile's offices, as
            ``officekit plugins list`` shows them (``officekit.plugins.reception``,
            an entry point's name...). A section of a disabled plugin is ignored.
    """

    disable: tuple[str, ...] = ()


@attrs.frozen
class ProfileSource:
    """Where a profile came from: its files, most derived first.

    Attributes:
        files: Each ``profile.toml`` of the ``extends`` chain, the profile's own first.
        plugins: Each ``plugin.py`` found beside them, base first (load order).
    """

    files: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()


@attrs.frozen
class Profile:
    """A validated sector profile.

    Build one with [`load_profile`][officekit.core.profile.load_profile]; the
    attributes mirror the TOML tables of the same names.
    """

    name: str
    office: OfficeSettings
    levels: tuple[Level, ...]
    description: str = ""
    departments: Mapping[str, Department] = attrs.field(factory=dict)
    education: Mapping[str, float] = attrs.field(factory=dict)
    responsibilities: Mapping[str, Responsibility] = attrs.field(factory=dict)
    roles: Mapping[str, Role] = attrs.field(factory=dict)
    holidays: tuple[Holiday, ...] = ()
    plugins: PluginSettings = PluginSettings()
    sections: Mapping[str, Any] = attrs.field(factory=dict)
    source: ProfileSource = ProfileSource()

    def section(self, key: ProfileSection[T]) -> T:
        """Return a plugin's section of the profile, typed: ``profile.section(PHONES)``.

        ``profile.phones`` returns the same, typed ``Any``.

        Raises:
            NotFoundError: No plugin that provides the section runs in this profile's offices.
        """
        try:
            value: T = self.sections[key.name]
        except KeyError:
            raise NotFoundError(
                f"profile {self.name!r} has no section {key.name!r}: is its plugin turned off?"
            ) from None
        return value

    def with_section(self, key: ProfileSection[T], value: T) -> Profile:
        """Return a copy of the profile with one plugin section replaced (for code, tests).

        The copy is checked again, whole, when an office is opened with it.
        """
        return attrs.evolve(self, sections={**self.sections, key.name: value})

    def __getattr__(self, name: str) -> Any:
        # Only reached when no attribute has the name: a plugin's section, if any.
        try:
            sections = object.__getattribute__(self, "sections")
        except AttributeError:  # not initialised yet (copying, unpickling)
            raise AttributeError(name) from None
        if not name.startswith("_") and name in sections:
            return sections[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r} (sections: "
            f"{', '.join(sections) or 'none'})"
        )

    def level_for(self, experience_years: float, education: str | None = None) -> Level:
        """Derive the responsibility level of someone with this experience and education.

        The years of experience plus the education's credit (``[education]`` table)
        are compared with each level's ``min_years``; the highest level reached wins.
        """
        years = experience_years + (self.education.get(education, 0.0) if education else 0.0)
        reached = [lvl for lvl in self.levels if lvl.min_years <= years]
        return reached[-1] if reached else self.levels[0]

    def level_rank(self, name: str) -> int:
        """Return the position of level ``name``, lowest first."""
        for rank, level in enumerate(self.levels):
            if level.name == name:
                return rank
        raise NotFoundError(f"profile {self.name!r} has no level {name!r}")

    def responsibilities_for(self, operation: str) -> dict[str, Responsibility]:
        """Return the responsibilities (by key) that cover ``operation``."""
        return {k: r for k, r in self.responsibilities.items() if operation in r.operations}

    def roles_with(self, responsibility: str) -> list[str]:
        """Return the keys of the roles that carry ``responsibility``."""
        return [k for k, role in self.roles.items() if responsibility in role.responsibilities]

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as plain data, as ``profiles show --format json`` prints it.

        The plugins' sections are top-level tables, as in ``profile.toml``.
        """
        data: dict[str, Any] = converter.unstructure(self)
        sections = data.pop("sections")
        source = data.pop("source")
        data.update(sections)
        data["source"] = source
        return data


for _conv in (converter, strict_converter):
    _conv.register_structure_hook(TimeRange, _structure_time_range)
    _conv.register_unstructure_hook(TimeRange, str)
    _conv.register_structure_hook_func(lambda t: t == _Ranges, _structure_ranges)
    _conv.register_unstructure_hook_func(
        lambda t: t == _Ranges, lambda rs: [str(r) for r in rs] if len(rs) != 1 else str(rs[0])
    )


# ---------------------------------------------------------------------------
# Finding profiles
# ---------------------------------------------------------------------------


def shipped_profiles_dir() -> Path:
    """Return the folder holding the profiles shipped with officekit.

    In an installed wheel they are package data (``officekit/_profiles``); in a
    source checkout, the repository's ``profiles/`` folder.
    """
    packaged = Path(str(importlib.resources.files("officekit"))) / "_profiles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "profiles"


def _entry_point_profiles() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in entry_points(PROFILE_ENTRY_POINT_GROUP)}


def _entry_point_path(ep: importlib.metadata.EntryPoint) -> Path:
    try:
        target = ep.load()
    except Exception as exc:
        raise ProfileError(
            f"cannot load entry point {ep.value!r}: {exc}",
            where=f"entry point {PROFILE_ENTRY_POINT_GROUP}:{ep.name}",
        ) from exc
    if isinstance(target, ModuleType):
        base = Path(target.__file__ or "")
        return base.parent if base.name == "__init__.py" else base.with_suffix("")
    if isinstance(target, str | os.PathLike):
        return Path(target)
    raise ProfileError(
        f"expected a module or a path, got {type(target).__name__}",
        where=f"entry point {PROFILE_ENTRY_POINT_GROUP}:{ep.name}",
    )


def available_profiles() -> dict[str, str]:
    """List the profiles that can be opened by name, with where each comes from.

    Returns:
        A mapping of name to origin: ``"shipped"`` or ``"entry point (<dist>)"``.
        A shipped profile shadows an installed one of the same name.
    """
    found: dict[str, str] = {}
    for ep_name, ep in sorted(_entry_point_profiles().items()):
        dist = ep.dist.name if ep.dist else "?"
        found[ep_name] = f"entry point ({dist})"
    shipped = shipped_profiles_dir()
    for child in sorted(shipped.iterdir()) if shipped.is_dir() else []:
        if (child / PROFILE_FILE).is_file():
            found[child.name] = "shipped"
    return dict(sorted(found.items()))


def resolve_profile_path(ref: str | os.PathLike[str], relative_to: Path | None = None) -> Path:
    """Find the ``profile.toml`` that ``ref`` names.

    ``ref`` is a path (to the file or its folder; relative paths against
    ``relative_to``), or the name of a shipped or installed profile.

    Raises:
        NotFoundError: If nothing matches, or ``ref`` cannot be a file's name.
    """
    try:
        return _resolve_profile_path(ref, relative_to)
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL
        raise NotFoundError(f"no profile at {os.fspath(ref)!r:.200}: {exc}") from exc


def _resolve_profile_path(ref: str | os.PathLike[str], relative_to: Path | None) -> Path:
    text = os.fspath(ref)
    looks_like_path = isinstance(ref, os.PathLike) or os.sep in text or text.endswith(".toml")
    if not looks_like_path:
        shipped = shipped_profiles_dir() / text / PROFILE_FILE
        if shipped.is_file():
            return shipped.resolve()
        eps = _entry_point_profiles()
        if text in eps:
            path = _entry_point_path(eps[text])
            path = path if path.suffix == ".toml" else path / PROFILE_FILE
            if not path.is_file():
                raise NotFoundError(f"profile {text!r} (entry point) has no file at {path}")
            return path.resolve()
    path = Path(text)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    if path.is_dir():
        path = path / PROFILE_FILE
    if path.is_file():
        return path.resolve()
    if looks_like_path:
        raise NotFoundError(f"no profile file at {path}")
    known = ", ".join(available_profiles()) or "none"
    raise NotFoundError(f"no profile named {text!r} (known: {known}); give a path to use your own")


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

_KeyPath = tuple[str, ...]


@attrs.define
class _Raw:
    """A merged TOML document and, for each key path, the file that set it.

    Key paths name a list's items as ``"rules[2]"``, so that an item appended by
    ``[extend]`` is placed in the file that appended it. ``problems`` are those
    found while merging (a bad ``[extend]``); they are reported with the rest.
    """

    data: dict[str, Any]
    origin: dict[_KeyPath, Path]
    files: list[Path]
    plugins: list[Path]
    problems: list[Problem] = attrs.Factory(list)


def _label(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


_INDEX = re.compile(r"(\[\d+\])+$")
EXTEND = "extend"


def _record_value(value: Any, key_path: _KeyPath, file: Path, out: dict[_KeyPath, Path]) -> None:
    out[key_path] = file
    if isinstance(value, Mapping):
        _record_origin(value, key_path, file, out)
    elif isinstance(value, list):
        *head, last = key_path
        for i, item in enumerate(value):
            _record_value(item, (*head, f"{last}[{i}]"), file, out)


def _record_origin(
    data: Mapping[str, Any], prefix: _KeyPath, file: Path, out: dict[_KeyPath, Path]
) -> None:
    """Record ``file`` as the origin of every key path in ``data``, list items included."""
    for key, value in data.items():
        _record_value(value, (*prefix, key), file, out)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _replaced(
    base: Mapping[str, Any], override: Mapping[str, Any], prefix: _KeyPath, out: set[_KeyPath]
) -> None:
    """Collect the key paths whose inherited value ``override`` replaces whole."""
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            _replaced(base[key], value, (*prefix, key), out)
        elif key in base:
            out.add((*prefix, key))


def _inherited_origin(
    origin: Mapping[_KeyPath, Path], base: Mapping[str, Any], override: Mapping[str, Any]
) -> dict[_KeyPath, Path]:
    """The parent's origins, less those under a value the child replaces whole."""
    replaced: set[_KeyPath] = set()
    _replaced(base, override, (), replaced)
    if not replaced:
        return dict(origin)

    def stale(key_path: _KeyPath) -> bool:
        return any(
            (*key_path[:n], _INDEX.sub("", key_path[n])) in replaced for n in range(len(key_path))
        )

    return {kp: file for kp, file in origin.items() if not stale(kp)}


def _kind(value: Any) -> str:
    return "a table" if isinstance(value, Mapping) else f"{type(value).__name__} {value!r}"


def _apply_extend(
    data: dict[str, Any],
    extend: Any,
    path: Path,
    origin: dict[_KeyPath, Path],
    problems: list[Problem],
) -> None:
    """Append the lists of an ``[extend]`` table to the merged document, in place.

    ``extend`` mirrors key paths: a table goes one level down, a list is appended
    to the list at its path. A missing key becomes the list; a single value
    (``knowledge_base = "faq.toml"``) is read as a list of one. Each appended
    item records ``path`` as its origin, at its index.
    """
    label = _label(path)

    def walk(target: dict[str, Any], table: Mapping[str, Any], key_path: _KeyPath) -> None:
        for key, value in table.items():
            here = (*key_path, key)
            dotted = ".".join((EXTEND, *here))
            if not key_path and key in (EXTEND, "extends", "name"):
                problems.append(Problem(f"{label}: {dotted}", f"{key!r} cannot be extended"))
            elif isinstance(value, Mapping):
                current = target.get(key)
                if current is None:
                    current = target[key] = {}
                    origin.setdefault(here, path)
                if not isinstance(current, dict):
                    problems.append(
                        Problem(
                            f"{label}: {dotted}",
                            f"expected a list to append to {'.'.join(here)}, got a table "
                            f"(the inherited value is a {type(current).__name__}, not a table)",
                        )
                    )
                    continue
                current = target[key] = dict(current)  # the parent's table stays as read
                walk(current, value, here)
            elif not isinstance(value, list):
                problems.append(
                    Problem(
                        f"{label}: {dotted}",
                        f"expected a list of items to append (or a table of them), "
                        f"got {_kind(value)}",
                    )
                )
            else:
                current = target.get(key)
                if isinstance(current, Mapping):
                    problems.append(
                        Problem(
                            f"{label}: {dotted}",
                            f"cannot append to {'.'.join(here)}: the inherited value is a table",
                        )
                    )
                    continue
                if current is None:
                    before: list[Any] = []
                    origin[here] = path
                elif isinstance(current, list):
                    before = current
                else:  # a single value: a list of one, from the file that set it
                    before = [current]
                    _record_value(before, here, origin.get(here, path), origin)
                    origin[here] = path  # this file made it a list
                *head, last = here
                for i, item in enumerate(value, start=len(before)):
                    _record_value(item, (*head, f"{last}[{i}]"), path, origin)
                target[key] = [*before, *value]

    if not isinstance(extend, Mapping):
        problems.append(
            Problem(
                f"{label}: {EXTEND}",
                f"expected a table mirroring key paths ([extend]), got {_kind(extend)}",
            )
        )
        return
    walk(data, extend, ())


def _read_raw(path: Path, chain: tuple[Path, ...] = (), name: str | None = None) -> _Raw:
    if path in chain:
        cycle = " -> ".join(_label(p) for p in (*chain, path))
        raise ProfileError(f"'extends' forms a cycle: {cycle}", where=f"{_label(path)}: extends")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not valid TOML: {exc}", where=_label(path)) from exc
    except UnicodeDecodeError as exc:
        raise ProfileError(
            f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at offset {exc.start} "
            "(a profile is written in UTF-8)",
            where=_label(path),
        ) from exc
    except OSError as exc:
        raise ProfileError(f"cannot read: {exc.strerror}", where=_label(path)) from exc
    plugin = path.parent / "plugin.py"
    own_plugins = [plugin] if plugin.is_file() else []
    parent_ref = data.pop("extends", None)
    extend = data.pop(EXTEND, None)
    data.setdefault("name", name or path.parent.name)  # a name is never inherited
    origin: dict[_KeyPath, Path] = {}
    _record_origin(data, (), path, origin)
    if parent_ref is None:
        raw = _Raw(data, origin, [path], own_plugins)
    else:
        if not isinstance(parent_ref, str):
            raise ProfileError(
                f"expected the name or path of a profile, got {parent_ref!r}",
                where=f"{_label(path)}: extends",
            )
        try:
            parent_path = resolve_profile_path(parent_ref, relative_to=path.parent)
        except NotFoundError as exc:
            raise ProfileError(str(exc), where=f"{_label(path)}: extends") from exc
        parent = _read_raw(parent_path, (*chain, path))
        merged_origin = _inherited_origin(parent.origin, parent.data, data)
        merged_origin.update(origin)
        raw = _Raw(
            _merge(parent.data, data),
            merged_origin,
            [path, *parent.files],
            [*parent.plugins, *own_plugins],
            list(parent.problems),
        )
    if extend is not None:
        # appended to what the chain and this file's own keys produced
        _apply_extend(raw.data, extend, path, raw.origin, raw.problems)
    return raw


def _file_of(raw: _Raw, key_path: Sequence[str]) -> Path | None:
    # origins are recorded per key and per list item ("rules[7]"): the longest
    # recorded prefix wins; an index never recorded falls back to its list's key
    exact = tuple(key_path)
    for n in range(len(exact), 0, -1):
        file = raw.origin.get(exact[:n])
        if file is not None:
            return file
    plain = tuple(_INDEX.sub("", part) for part in key_path)
    for n in range(len(plain), 0, -1):
        file = raw.origin.get(plain[:n])
        if file is not None:
            return file
    return None


def _where(raw: _Raw, key_path: Sequence[str]) -> str:
    file = _file_of(raw, key_path)
    dotted = ".".join(key_path)
    label = _label(file if file is not None else raw.files[0])
    return f"{label}: {dotted}" if dotted else label


_CORE = {f.name: f for f in attrs.fields(attrs.resolve_types(Profile))}
_NOT_IN_TOML = ("sections", "source")
_REQUIRED = ("office", "levels")
# Checks of the kernel's tables need these to have been read.
_CORE_REFERENCES = ("office", "levels", "departments", "responsibilities", "roles")


def _class_at(type_: Any, key_path: Sequence[str]) -> Any:
    """The type found at ``key_path`` inside ``type_`` (for "did you mean"), or None."""
    for token in key_path:
        name, _, index = token.partition("[")
        if attrs.has(type_):
            fields = {f.name: f.type for f in attrs.fields(attrs.resolve_types(type_))}
            type_ = fields.get(name)
        elif typing.get_origin(type_) in (Mapping, dict):
            type_ = typing.get_args(type_)[1]
        else:
            return None
        if index and type_ is not None:
            args = [a for a in typing.get_args(type_) if a is not Ellipsis]
            type_ = args[0] if args else None
        if type_ is None:
            return None
    return type_


def _structure_value(
    value: Any, type_: Any, top: str, raw: _Raw, problems: list[Problem]
) -> tuple[bool, Any]:
    """Structure one top-level table strictly; on failure add its problems, each placed."""
    wants_table = attrs.has(type_) or typing.get_origin(type_) in (Mapping, dict)
    if wants_table and not isinstance(value, Mapping):
        what = f"expected a table, got {type(value).__name__} {value!r}"
        problems.append(Problem(_where(raw, [top]), what))
        return False, None
    try:
        return True, strict_converter.structure(value, type_)
    except Exception as exc:
        known = cattrs.BaseValidationError | TypeError | ValueError | KeyError | AttributeError
        if not isinstance(exc, known):
            problems.append(Problem(_where(raw, [top]), f"cannot be read: {exc!r}"))
            return False, None
        messages = cattrs.transform_error(
            exc, path=f"$.{top}", format_exception=format_structuring_error
        )
    for message in messages:
        what, _, path = message.rpartition(" @ ")
        key_path = parse_cattrs_path(path)
        if what.startswith("unknown key(s): "):
            owner = _class_at(type_, key_path[1:])
            choices = [f.name for f in attrs.fields(owner)] if attrs.has(owner) else []
            for key in what.removeprefix("unknown key(s): ").split(", "):
                guess = did_you_mean(key, choices)
                hint = f" (did you mean {guess!r}?)" if guess else ""
                problems.append(Problem(_where(raw, [*key_path, key]), f"unknown key{hint}"))
        else:
            problems.append(Problem(_where(raw, key_path), what))
    return False, None


_PLACEHOLDER = Profile(name="", office=OfficeSettings("", "UTC", "EUR"), levels=())


def _structure(
    data: dict[str, Any],
    raw: _Raw,
    sections: Mapping[str, ProfileSection[Any]],
    dormant: Iterable[str],
    owners: Mapping[str, str],
) -> tuple[Profile, dict[str, Any], set[str], list[Problem]]:
    """Read every table on its own, so that one table's problems hide no other's.

    Returns:
        The profile's kernel part (placeholders where a table failed), the
        plugins' sections that were read, the names of the tables that failed,
        and the problems.
    """
    problems: list[Problem] = []
    core: dict[str, Any] = {}
    read: dict[str, Any] = {}
    failed: set[str] = set()
    quiet = set(dormant)
    for key, value in data.items():
        if key in _CORE and key not in _NOT_IN_TOML:
            ok, result = _structure_value(value, _CORE[key].type, key, raw, problems)
            if ok:
                core[key] = result
            else:
                failed.add(key)
        elif key in sections:
            ok, result = _structure_value(value, sections[key].type, key, raw, problems)
            if ok:
                read[key] = result
            else:
                failed.add(key)
        elif key not in quiet:
            tables = [k for k in _CORE if k not in _NOT_IN_TOML]
            guess = did_you_mean(key, [*tables, *sections])
            hint = f"did you mean {guess!r}? " if guess else ""
            by_plugin: dict[str, list[str]] = {}
            for name in sections:
                by_plugin.setdefault(owners.get(name, "?"), []).append(name)
            provided = "; ".join(
                f"{', '.join(names)} ({plugin})" for plugin, names in sorted(by_plugin.items())
            )
            problems.append(
                Problem(
                    _where(raw, [key]),
                    f"unknown key ({hint}the plugins that run here add the sections: "
                    f"{provided or 'none'})",
                )
            )
    for key in _REQUIRED:
        if key not in data:
            problems.append(Problem(_where(raw, [key]), "required key is missing"))
            failed.add(key)
    kept = dict(core.items())
    for key in failed & {"name", *_REQUIRED}:  # the Profile cannot be made without them
        kept[key] = getattr(_PLACEHOLDER, key)
    profile = Profile(**kept)
    return profile, read, failed, problems


def _kernel_problems(
    profile: Profile,
    add: Callable[[Sequence[str], str], None],
    registry: ProfilePlugins | None,
    failed: set[str],
) -> None:
    operations = registry.operations if registry is not None else None
    known_plugins = registry.known_plugins if registry is not None else profile.plugins.disable
    if "name" not in failed and not profile.name.strip():
        add(["name"], "a profile's name must not be empty")
    if "office" not in failed:
        try:
            zoneinfo.ZoneInfo(profile.office.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            add(["office", "timezone"], f"unknown IANA timezone {profile.office.timezone!r}")
        if pycountry.currencies.get(alpha_3=profile.office.currency) is None:
            add(
                ["office", "currency"],
                f"not an ISO 4217 currency code: {profile.office.currency!r}",
            )
        country = profile.office.country
        if country is not None and pycountry.countries.get(alpha_2=country) is None:
            add(["office", "country"], f"not an ISO 3166 alpha-2 country code: {country!r}")
    level_names = [lvl.name for lvl in profile.levels]
    if "levels" not in failed:
        if not profile.levels:
            add(["levels"], "at least one responsibility level is needed")
        for i, lvl in enumerate(profile.levels):
            if level_names.count(lvl.name) > 1 and level_names.index(lvl.name) != i:
                add([f"levels[{i}]", "name"], f"level {lvl.name!r} is defined twice")
            if i and lvl.min_years < profile.levels[i - 1].min_years:
                add([f"levels[{i}]", "min_years"], "levels must be listed lowest first")
    for edu, credit in profile.education.items():
        if not math.isfinite(credit) or credit < 0:
            add(["education", edu], f"credit must be a finite number of years >= 0, got {credit}")
    extensions: dict[str, str] = {}
    for key, dept in profile.departments.items():
        if not key.strip():
            add(["departments", key], "a department's key cannot be blank")
        for day in WEEKDAYS:
            ranges = sorted(getattr(dept.hours, day), key=lambda r: r.start)
            for before, after in itertools.pairwise(ranges):
                if after.start < before.end:
                    add(
                        ["departments", key, "hours", day],
                        f"opening hours {before} and {after} overlap",
                    )
        if dept.extension in extensions:
            add(
                ["departments", key, "extension"],
                f"extension {dept.extension} is already used by department "
                f"{extensions[dept.extension]!r}",
            )
        extensions.setdefault(dept.extension, key)
    if "departments" not in failed:
        for i, holiday in enumerate(profile.holidays):
            for j, dept_key in enumerate(holiday.departments):
                if dept_key not in profile.departments:
                    add(
                        [f"holidays[{i}]", f"departments[{j}]"],
                        unknown_name("department", dept_key, profile.departments),
                    )
    for key, resp in profile.responsibilities.items():
        if "levels" not in failed and resp.min_level not in level_names:
            add(
                ["responsibilities", key, "min_level"],
                unknown_name("level", resp.min_level, level_names),
            )
        for i, op_name in enumerate(resp.operations):
            if operations is None:
                continue
            op = operations.get(op_name)
            if op is None and registry is not None and registry.is_dormant_operation(op_name):
                continue  # its plugin is turned off here: it grants nothing
            if op is None:
                add(
                    ["responsibilities", key, f"operations[{i}]"],
                    unknown_name("operation", op_name, operations)
                    + " (is the plugin that provides it installed and turned on?)",
                )
            elif op.by_office:
                add(
                    ["responsibilities", key, f"operations[{i}]"],
                    f"{op_name!r} is recorded by the office itself: no responsibility grants it",
                )
    for key, role in profile.roles.items():
        if (
            "departments" not in failed
            and role.department is not None
            and role.department not in profile.departments
        ):
            add(
                ["roles", key, "department"],
                unknown_name("department", role.department, profile.departments),
            )
        if "responsibilities" in failed:
            continue
        for i, resp_key in enumerate(role.responsibilities):
            if resp_key not in profile.responsibilities:
                add(
                    ["roles", key, f"responsibilities[{i}]"],
                    unknown_name("responsibility", resp_key, profile.responsibilities),
                )
    if "roles" not in failed and not profile.roles:
        add(["roles"], "at least one role is needed")
    known = list(known_plugins)
    for i, name in enumerate(profile.plugins.disable):
        if name not in known:
            add(["plugins", f"disable[{i}]"], unknown_name("plugin", name, known))


def _check(
    profile: Profile,
    read: Mapping[str, Any],
    raw: _Raw,
    registry: ProfilePlugins | None,
    failed: set[str],
) -> tuple[Profile, list[Problem]]:
    """Check references across the profile, the kernel's tables and then each section."""
    problems: list[Problem] = []

    def add(key_path: Sequence[str], what: str) -> None:
        problems.append(Problem(_where(raw, key_path), what))

    _kernel_problems(profile, add, registry, failed)
    sections = registry.sections if registry is not None else {}
    values: dict[str, Any] = {}
    for name, section in sections.items():
        if name in failed:
            continue
        value = read[name] if name in read else _default(section)
        if section.validate is not None and not failed & set(_CORE_REFERENCES):
            ctx = SectionContext(profile, name, add, lambda kp: _file_of(raw, kp), problems)
            try:
                value = section.validate(value, ctx)
            except OfficekitError:
                raise
            except Exception as exc:
                raise PluginError(f"the check of profile section {name!r} failed: {exc!r}") from exc
        values[name] = value
    return attrs.evolve(profile, sections=values), problems


def _default(section: ProfileSection[T]) -> T:
    try:
        return section.default()
    except OfficekitError:
        raise
    except Exception as exc:
        raise PluginError(
            f"the default of profile section {section.name!r} failed: {exc!r}"
        ) from exc


_CHECKED_SECTIONS: weakref.WeakSet[ProfileSection[Any]] = weakref.WeakSet()
"""Sections whose type was checked already: once per process, not on every open."""


def _check_section_type(plugin: str, section: ProfileSection[Any]) -> None:
    """A section's default must survive the round trip a profile's table takes: found at load."""
    if section in _CHECKED_SECTIONS:
        return
    default = _default(section)
    try:
        again = strict_converter.structure(converter.unstructure(default), section.type)
    except Exception as exc:
        raise PluginError(
            f"plugin {plugin!r}: profile section {section.name!r} cannot be read as its type "
            f"{section.type!r}: {exc!r}"
        ) from exc
    if again != default:
        raise PluginError(
            f"plugin {plugin!r}: profile section {section.name!r}: its default, written as a "
            f"table and read back, is {again!r}, not {default!r}"
        )
    _CHECKED_SECTIONS.add(section)


def _load(
    ref: str | os.PathLike[str], registry: ProfilePlugins | None
) -> tuple[Profile | None, list[Problem]]:
    try:
        path = resolve_profile_path(ref)
    except NotFoundError as exc:
        return None, [Problem(os.fspath(ref), str(exc))]
    try:
        text = os.fspath(ref)
        is_name = not (isinstance(ref, os.PathLike) or os.sep in text or text.endswith(".toml"))
        # a profile found by name (an entry point's, say) is called by that name
        raw = _read_raw(path, name=text if is_name else None)
    except ProfileError as exc:
        return None, list(exc.problems)
    return _validate(raw.data, raw, registry)


def _validate(
    data: dict[str, Any], raw: _Raw, registry: ProfilePlugins | None
) -> tuple[Profile | None, list[Problem]]:
    sections = registry.sections if registry is not None else {}
    dormant = registry.dormant if registry is not None else ()
    owners = registry.section_owners if registry is not None else {}
    profile, read, failed, problems = _structure(data, raw, sections, dormant, owners)
    profile, more = _check(profile, read, raw, registry, failed)
    problems = [*raw.problems, *problems, *more]
    if failed or raw.problems:
        return None, problems
    source = ProfileSource(
        files=tuple(str(f) for f in raw.files), plugins=tuple(str(p) for p in raw.plugins)
    )
    return attrs.evolve(profile, source=source), problems


# ---------------------------------------------------------------------------
# The plugins a profile runs with
# ---------------------------------------------------------------------------


@attrs.frozen
class ProfilePlugins:
    """The plugins an office of a profile runs with, and what they contribute to it.

    Build one with [`plugins_for_profile`][officekit.core.profile.plugins_for_profile].

    Attributes:
        host: The plugin manager, behind its typed front.
        operations: The operations the plugins register.
        sections: The profile sections they provide, by name.
        section_owners: The plugin that provides each section, by section name.
        dormant: Sections of plugins that are installed but turned off (by the
            profile or ``OFFICEKIT_DISABLE_PLUGINS``): a profile may have them; they
            are ignored.
        dormant_operations: Operations of plugins that are turned off: a
            responsibility may name them; they grant nothing.
        dormant_prefixes: ``<name>.`` of installed plugins blocked before they were
            loaded: operations named so are taken as theirs, and ignored too.
        known_plugins: Every plugin name a profile may turn off.
        turned_off: The plugins turned off (by the profile or ``OFFICEKIT_DISABLE_PLUGINS``).
    """

    host: PluginHost
    operations: OperationRegistry
    sections: Mapping[str, ProfileSection[Any]]
    section_owners: Mapping[str, str] = attrs.field(factory=dict)
    dormant: frozenset[str] = frozenset()
    dormant_operations: frozenset[str] = frozenset()
    dormant_prefixes: tuple[str, ...] = ()
    known_plugins: tuple[str, ...] = ()
    turned_off: tuple[str, ...] = ()

    def is_dormant_operation(self, name: str) -> bool:
        """Tell whether ``name`` is an operation of a plugin that is turned off."""
        return name in self.dormant_operations or name.startswith(self.dormant_prefixes)


def _contributions_of(plugin: object) -> tuple[list[str], list[str]]:
    """The section and operation names a plugin (registered or not) provides, asked directly."""
    found: tuple[list[str], list[str]] = ([], [])
    for hook, kind, out in (
        ("officekit_register_profile_sections", ProfileSection, found[0]),
        ("officekit_register_operations", Operation, found[1]),
    ):
        register = getattr(plugin, hook, None)
        if register is None:
            continue
        try:
            out.extend(x.name for x in register() or () if isinstance(x, kind))
        except Exception:  # a plugin that is turned off does not get to fail the profile
            continue
    return found


def _raw_plugin_settings(ref: str | os.PathLike[str]) -> tuple[list[str], list[str]]:
    """The ``plugin.py`` files and ``[plugins] disable`` of a profile, read unvalidated."""
    try:
        path = resolve_profile_path(ref)
    except NotFoundError as exc:
        raise ProfileError(str(exc), where=os.fspath(ref)) from exc
    raw = _read_raw(path)
    table = raw.data.get("plugins")
    disable = table.get("disable") if isinstance(table, dict) else None
    names = [d for d in disable if isinstance(d, str)] if isinstance(disable, list) else []
    return [str(p) for p in raw.plugins], names


def plugins_for_profile(
    profile: str | os.PathLike[str] | Profile, plugins: Iterable[object] = ()
) -> ProfilePlugins:
    """Load the plugins an office of ``profile`` runs with, as ``Office.open`` does.

    The built-in plugins, the installed ones, the profile's ``plugin.py`` files
    and ``plugins``, less those ``OFFICEKIT_DISABLE_PLUGINS`` blocks and those the
    profile's ``[plugins] disable`` lists (read before the profile is validated,
    since the plugins decide what a valid profile is).

    Raises:
        ProfileError: The profile's files cannot be read (a missing file, bad TOML).
        PluginError: A plugin failed to load.
    """
    if isinstance(profile, Profile):
        paths, disable = list(profile.source.plugins), list(profile.plugins.disable)
    else:
        paths, disable = _raw_plugin_settings(profile)
    # Turned off before anything is loaded: a profile can turn off a plugin that fails.
    pm = get_plugin_manager(profile_plugins=paths, plugins=plugins, disabled=disable)
    off = [*blocked_names(), *disable]
    known = [name for name, plugin in pm.list_name_plugin() if plugin is not None]
    known += [*DEFAULT_PLUGINS, *installed_plugin_names(), *blocked_names()]
    known += [f"profile:{Path(p).parent.name}" for p in paths]
    dormant: set[str] = set()
    dormant_ops: set[str] = set()
    off_prefixes: list[str] = []
    for name in off:
        if name in DEFAULT_PLUGINS:  # ours: safe to ask what it would have added
            with contextlib.suppress(ImportError):
                section_names, op_names = _contributions_of(importlib.import_module(name))
                dormant.update(section_names)
                dormant_ops.update(op_names)
        else:
            # Never loaded: by custom a plugin's section is named after it and its
            # operations are "<name>.<verb>".
            dormant.add(name)
            off_prefixes.append(f"{name}.")
    host = PluginHost(pm)
    operations = OperationRegistry(host.register_operations())
    sections: dict[str, ProfileSection[Any]] = {}
    owners: dict[str, str] = {}
    for plugin, section in host.contributions(
        "officekit_register_profile_sections", ProfileSection
    ):
        if section.name in _CORE or section.name in ("extends", EXTEND):
            raise PluginError(
                f"plugin {plugin!r}: profile section {section.name!r} is one of the kernel's tables"
            )
        if section.name in sections and sections[section.name] is not section:
            raise PluginError(
                f"plugins {owners[section.name]!r} and {plugin!r} both provide the profile "
                f"section {section.name!r}"
            )
        if hasattr(Profile, section.name):
            raise PluginError(
                f"plugin {plugin!r}: profile section {section.name!r} would hide "
                f"Profile.{section.name}"
            )
        _check_section_type(plugin, section)
        sections[section.name] = section
        owners[section.name] = plugin
    return ProfilePlugins(
        host=host,
        operations=operations,
        sections=sections,
        section_owners=owners,
        dormant=frozenset(dormant - set(sections)),
        dormant_operations=frozenset(dormant_ops - set(operations)),
        dormant_prefixes=tuple(off_prefixes),
        known_plugins=tuple(dict.fromkeys(known)),
        turned_off=tuple(dict.fromkeys(off)),
    )


def profile_problems(
    ref: str | os.PathLike[str], registry: ProfilePlugins | None = None
) -> list[Problem]:
    """Return every problem in a profile, or an empty list if it is valid.

    Args:
        ref: A profile name or path.
        registry: The plugins it is checked against; by default those an office of
            it would run with ([`plugins_for_profile`][officekit.core.profile.plugins_for_profile]).
    """
    if registry is None:
        try:
            registry = plugins_for_profile(ref)
        except ProfileError as exc:
            return list(exc.problems)
    return _load(ref, registry)[1]


def load_profile(
    ref: str | os.PathLike[str] | Profile, registry: ProfilePlugins | None = None
) -> Profile:
    """Load and validate a profile.

    Args:
        ref: The name of a shipped or installed profile, a path to a
            ``profile.toml`` or its folder, or a Profile (checked again, whole).
        registry: The plugins it is checked against: their operations, sections
            and checks. By default those an office of it would run with.

    Returns:
        The validated profile, ``extends`` resolved, with the sections of the
        plugins that run in its offices.

    Raises:
        ProfileError: Listing every problem found, each with its file and key path.
    """
    if registry is None:
        registry = plugins_for_profile(ref)
    if isinstance(ref, Profile):
        data = ref.to_dict()
        data.pop("source")
        files = [Path(f) for f in ref.source.files] or [Path(f"<profile {ref.name}>")]
        raw = _Raw(data, {}, files, [Path(p) for p in ref.source.plugins])
        profile, problems = _validate(data, raw, registry)
    else:
        profile, problems = _load(ref, registry)
    if problems or profile is None:
        raise ProfileError(problems)
    return profile
