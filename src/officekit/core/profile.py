"""Sector profiles: what an office has and who may do what in it.

A profile is TOML data (``profile.toml``) that an integrator writes or
inherits. Loading is strict: every problem is reported with the file and key
path it comes from, and an office never opens on a profile with a problem.
See the [profiles guide](../guides/profiles.md) for the format.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.metadata
import importlib.resources
import itertools
import math
import os
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

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
from officekit.errors import NotFoundError, Problem, ProfileError

__all__ = [
    "PROFILE_ENTRY_POINT_GROUP",
    "Department",
    "Holiday",
    "Level",
    "OfficeSettings",
    "PhoneSettings",
    "Profile",
    "ProfileSource",
    "QuestionSettings",
    "Responsibility",
    "Role",
    "Routing",
    "RoutingRule",
    "TimeRange",
    "UrgentRule",
    "VisitorPolicy",
    "WeeklyHours",
    "available_profiles",
    "load_profile",
    "profile_plugin_paths",
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
class PhoneSettings:
    """The multi-line phone system and the targets calls are measured against.

    Attributes:
        lines: How many calls the system carries at once; more callers wait in a queue.
        service_level_seconds: A call answered within this many seconds meets the service level.
        short_abandon_seconds: A caller who hangs up sooner is a short abandon, counted apart.
        message_due_hours: A message not acknowledged within this many hours is overdue.
    """

    lines: int = 4
    service_level_seconds: float = 20.0
    short_abandon_seconds: float = 5.0
    message_due_hours: float = 4.0


@attrs.frozen
class RoutingRule:
    """One routing rule: when it matches a call, and where the call goes.

    Exactly one way of matching is given: ``keywords`` (words or phrases in the
    caller's stated reason), ``known_customer = true`` (the caller is a known
    customer: the call goes to their department, or to ``department`` if they
    have none), or ``lines`` (the call came in on one of these priority lines).

    Attributes:
        name: The rule's name, quoted in explanations.
        department: Where a matching call goes.
        keywords: Words or phrases of the caller's reason that match.
        known_customer: Match calls from known customers.
        lines: Priority lines (the numbers dialled) that match.
        after_hours: Where the call goes when the department is closed (a department,
            ``"voicemail"`` or ``"answering_service"``); defaults to ``routing.after_hours``.
    """

    name: str
    department: str | None = None
    keywords: tuple[str, ...] = ()
    known_customer: bool = False
    lines: tuple[str, ...] = ()
    after_hours: str | None = None


@attrs.frozen
class UrgentRule:
    """A kind of call that is urgent and is not routed as usual.

    Attributes:
        name: The rule's name, such as ``"emergency"``.
        keywords: Words or phrases of the caller's reason that make the call urgent.
        action: ``"script"``: the receptionist reads ``script`` to the caller instead of
            routing; ``"flag"``: the call is flagged and goes straight to ``department``.
        script: What to tell the caller (for ``"script"``).
        department: Where a flagged call goes (for ``"flag"``).
    """

    name: str
    keywords: tuple[str, ...]
    action: str = "flag"
    script: str = ""
    department: str | None = None


@attrs.frozen
class Routing:
    """How calls are routed.

    Attributes:
        default: The department a call goes to when no rule matches.
        after_hours: Where a call goes when its department is closed, unless its rule says.
        rules: The rules, checked in order; the first match wins.
        urgent: Urgent-call rules, checked before routing.
    """

    default: str = "reception"
    after_hours: str = "voicemail"
    rules: tuple[RoutingRule, ...] = ()
    urgent: tuple[UrgentRule, ...] = ()


@attrs.frozen
class VisitorPolicy:
    """The sector's rules for visitors at the desk.

    Attributes:
        identity_check: A visitor's identity document must be checked at check-in.
        badges: A numbered badge is issued at check-in and returned at check-out.
        confidential: Visitors' names are not shown in the public visitor log.
        patient_record: A patient's record number is needed at check-in.
        restricted_words: Words that must not be recorded as a purpose at the desk
            (medical details: minimum necessary).
        guardian_release: Students are released only to a guardian on their list.
    """

    identity_check: bool = False
    badges: bool = False
    confidential: bool = False
    patient_record: bool = False
    restricted_words: tuple[str, ...] = ()
    guardian_release: bool = False


@attrs.frozen
class QuestionSettings:
    """How customers' questions are answered from the knowledge base.

    Attributes:
        knowledge_base: The knowledge-base file (TOML), relative to the profile that names it.
        threshold: The confidence below which a question is escalated instead of answered.
        escalate_to: The department that gets escalated questions as messages.
    """

    knowledge_base: str | None = None
    threshold: float = 0.5
    escalate_to: str = "reception"


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
    phones: PhoneSettings = PhoneSettings()
    holidays: tuple[Holiday, ...] = ()
    routing: Routing = Routing()
    visitors: VisitorPolicy = VisitorPolicy()
    questions: QuestionSettings = QuestionSettings()
    source: ProfileSource = ProfileSource()

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
        """Return the profile as plain data, as ``profiles show --format json`` prints it."""
        data: dict[str, Any] = converter.unstructure(self)
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
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=PROFILE_ENTRY_POINT_GROUP)}


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
        NotFoundError: If nothing matches.
    """
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
    """A merged TOML document and, for each key path, the file that set it."""

    data: dict[str, Any]
    origin: dict[_KeyPath, Path]
    files: list[Path]
    plugins: list[Path]


def _label(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _record_origin(
    data: Mapping[str, Any], prefix: _KeyPath, file: Path, out: dict[_KeyPath, Path]
) -> None:
    for key, value in data.items():
        out[(*prefix, key)] = file
        if isinstance(value, Mapping):
            _record_origin(value, (*prefix, key), file, out)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_raw(path: Path, chain: tuple[Path, ...] = (), name: str | None = None) -> _Raw:
    if path in chain:
        cycle = " -> ".join(_label(p) for p in (*chain, path))
        raise ProfileError(f"'extends' forms a cycle: {cycle}", where=f"{_label(path)}: extends")
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not valid TOML: {exc}", where=_label(path)) from exc
    except OSError as exc:
        raise ProfileError(f"cannot read: {exc.strerror}", where=_label(path)) from exc
    plugin = path.parent / "plugin.py"
    own_plugins = [plugin] if plugin.is_file() else []
    parent_ref = data.pop("extends", None)
    data.setdefault("name", name or path.parent.name)  # a name is never inherited
    origin: dict[_KeyPath, Path] = {}
    _record_origin(data, (), path, origin)
    if parent_ref is None:
        return _Raw(data, origin, [path], own_plugins)
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
    parent_origin = dict(parent.origin)
    parent_origin.update(origin)
    return _Raw(
        _merge(parent.data, data),
        parent_origin,
        [path, *parent.files],
        [*parent.plugins, *own_plugins],
    )


def _where(raw: _Raw, key_path: Sequence[str]) -> str:
    # origins are recorded per table key: "levels[2]" was set with "levels"
    plain = tuple(re.sub(r"\[\d+\]$", "", part) for part in key_path)
    for n in range(len(key_path), 0, -1):
        file = raw.origin.get(plain[:n])
        if file is not None:
            return f"{_label(file)}: {'.'.join(key_path)}"
    dotted = ".".join(key_path)
    return f"{_label(raw.files[0])}: {dotted}" if dotted else _label(raw.files[0])


def _structure(
    data: dict[str, Any], raw: _Raw
) -> tuple[Profile | None, list[Problem], list[list[str]]]:
    """Structure ``data``; on failure return the problems and the unknown keys' paths."""
    try:
        return strict_converter.structure(data, Profile), [], []
    except Exception as exc:
        if not isinstance(exc, cattrs.BaseValidationError | TypeError | ValueError | KeyError):
            raise
        messages = cattrs.transform_error(exc, format_exception=format_structuring_error)
    problems = []
    unknown: list[list[str]] = []
    for message in messages:
        what, _, path = message.rpartition(" @ ")
        key_path = parse_cattrs_path(path)
        if what.startswith("unknown key(s): "):
            for key in what.removeprefix("unknown key(s): ").split(", "):
                unknown.append([*key_path, key])
                problems.append(Problem(_where(raw, [*key_path, key]), "unknown key"))
        else:
            problems.append(Problem(_where(raw, key_path), what))
    return None, problems, unknown


def _without(data: dict[str, Any], paths: list[list[str]]) -> dict[str, Any] | None:
    """A copy of ``data`` without the keys at ``paths``; None if a path cannot be followed."""
    pruned = copy.deepcopy(data)
    for path in paths:
        node: Any = pruned
        for token in path[:-1]:
            name, _, index = token.partition("[")
            node = node.get(name) if isinstance(node, dict) else None
            if index and isinstance(node, list):
                node = node[int(index.rstrip("]"))]
            if node is None:
                return None
        if not isinstance(node, dict):
            return None
        node.pop(path[-1], None)
    return pruned


def _semantic_problems(
    profile: Profile, raw: _Raw, operations: Iterable[str] | None
) -> list[Problem]:
    problems: list[Problem] = []

    def add(key_path: Sequence[str], what: str) -> None:
        problems.append(Problem(_where(raw, key_path), what))

    try:
        zoneinfo.ZoneInfo(profile.office.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        add(["office", "timezone"], f"unknown IANA timezone {profile.office.timezone!r}")
    if pycountry.currencies.get(alpha_3=profile.office.currency) is None:
        add(["office", "currency"], f"not an ISO 4217 currency code: {profile.office.currency!r}")
    country = profile.office.country
    if country is not None and pycountry.countries.get(alpha_2=country) is None:
        add(["office", "country"], f"not an ISO 3166 alpha-2 country code: {country!r}")
    if not profile.levels:
        add(["levels"], "at least one responsibility level is needed")
    level_names = [lvl.name for lvl in profile.levels]
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
    known_ops = set(operations) if operations is not None else None
    for key, resp in profile.responsibilities.items():
        if resp.min_level not in level_names:
            add(
                ["responsibilities", key, "min_level"],
                f"no level named {resp.min_level!r} (known: {', '.join(level_names)})",
            )
        for i, op in enumerate(resp.operations):
            if known_ops is not None and op not in known_ops:
                add(
                    ["responsibilities", key, f"operations[{i}]"],
                    f"no operation named {op!r} (is the plugin that provides it installed?)",
                )
    for key, role in profile.roles.items():
        if role.department is not None and role.department not in profile.departments:
            add(
                ["roles", key, "department"],
                f"no department named {role.department!r} "
                f"(known: {', '.join(profile.departments)})",
            )
        for i, resp_key in enumerate(role.responsibilities):
            if resp_key not in profile.responsibilities:
                add(
                    ["roles", key, f"responsibilities[{i}]"],
                    f"no responsibility named {resp_key!r} "
                    f"(known: {', '.join(profile.responsibilities)})",
                )
    if not profile.roles:
        add(["roles"], "at least one role is needed")
    problems += _reception_problems(profile, add)
    return problems


AFTER_HOURS_SERVICES = ("voicemail", "answering_service")
"""Destinations outside the office a call can go to when a department is closed."""


def _reception_problems(
    profile: Profile, add: Callable[[Sequence[str], str], None]
) -> list[Problem]:
    depts = profile.departments
    phones = profile.phones
    if phones.lines < 1:
        add(["phones", "lines"], f"a phone system needs at least one line, got {phones.lines}")
    for key in ("service_level_seconds", "short_abandon_seconds", "message_due_hours"):
        value = getattr(phones, key)
        if not math.isfinite(value) or value <= 0:
            add(["phones", key], f"expected a number > 0, got {value}")
    for i, holiday in enumerate(profile.holidays):
        for j, dept in enumerate(holiday.departments):
            if dept not in depts:
                add([f"holidays[{i}]", f"departments[{j}]"], f"no department named {dept!r}")

    def destination(path: list[str], value: str | None) -> None:
        if value is not None and value not in depts and value not in AFTER_HOURS_SERVICES:
            add(path, f"no department named {value!r} (nor {' or '.join(AFTER_HOURS_SERVICES)})")

    routing = profile.routing
    if routing.default not in depts:
        add(["routing", "default"], f"no department named {routing.default!r}")
    destination(["routing", "after_hours"], routing.after_hours)
    names: set[str] = set()
    for i, rule in enumerate(routing.rules):
        where = ["routing", f"rules[{i}]"]
        if rule.name in names:
            add([*where, "name"], f"rule {rule.name!r} is defined twice")
        names.add(rule.name)
        kinds = [
            k
            for k, on in (
                ("keywords", bool(rule.keywords)),
                ("known_customer", rule.known_customer),
                ("lines", bool(rule.lines)),
            )
            if on
        ]
        if len(kinds) != 1:
            add(
                where,
                "a rule matches by exactly one of keywords, known_customer, lines; "
                f"got {kinds or 'none'}",
            )
        if rule.department is None and not rule.known_customer:
            add([*where, "department"], "required key is missing")
        if rule.department is not None and rule.department not in depts:
            add([*where, "department"], f"no department named {rule.department!r}")
        if any(not k.strip() for k in rule.keywords):
            add([*where, "keywords"], "a keyword cannot be blank")
        destination([*where, "after_hours"], rule.after_hours)
    for i, urgent in enumerate(routing.urgent):
        where = ["routing", f"urgent[{i}]"]
        if not urgent.keywords or any(not k.strip() for k in urgent.keywords):
            add([*where, "keywords"], "an urgent rule needs non-blank keywords")
        if urgent.action not in ("script", "flag"):
            add([*where, "action"], f"expected 'script' or 'flag', got {urgent.action!r}")
        elif urgent.action == "script" and not urgent.script.strip():
            add([*where, "script"], "a 'script' rule needs the script to read to the caller")
        elif urgent.action == "flag" and urgent.department not in depts:
            add([*where, "department"], f"no department named {urgent.department!r}")
    questions = profile.questions
    if not 0 <= questions.threshold <= 1:
        add(
            ["questions", "threshold"],
            f"expected a confidence from 0 to 1, got {questions.threshold}",
        )
    if questions.escalate_to not in depts:
        add(["questions", "escalate_to"], f"no department named {questions.escalate_to!r}")
    if questions.knowledge_base is not None and not Path(questions.knowledge_base).is_file():
        add(["questions", "knowledge_base"], f"no file at {questions.knowledge_base}")
        return []
    if questions.knowledge_base is not None:
        # The knowledge base is part of the profile: its problems stop the office opening too.
        from officekit.core.questions import knowledge_base_problems

        return knowledge_base_problems(questions.knowledge_base, depts)
    return []


def _load(
    ref: str | os.PathLike[str], operations: Iterable[str] | None
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
    profile, problems, unknown = _structure(raw.data, raw)
    if profile is None and unknown and len(unknown) == len(problems):
        # Only unknown keys: check the rest too, so that every problem is listed at once.
        pruned = _without(raw.data, unknown)
        if pruned is not None:
            profile, _, _ = _structure(pruned, raw)
    if profile is None:
        return None, problems
    profile = _resolve_knowledge_base(profile, raw)
    problems += _semantic_problems(profile, raw, operations)
    source = ProfileSource(
        files=tuple(str(f) for f in raw.files), plugins=tuple(str(p) for p in raw.plugins)
    )
    return attrs.evolve(profile, source=source), problems


def _resolve_knowledge_base(profile: Profile, raw: _Raw) -> Profile:
    """Make ``questions.knowledge_base`` absolute, relative to the file that named it."""
    kb = profile.questions.knowledge_base
    if kb is None or Path(kb).is_absolute():
        return profile
    origin = raw.origin.get(("questions", "knowledge_base"), raw.files[0])
    questions = attrs.evolve(profile.questions, knowledge_base=str(origin.parent / kb))
    return attrs.evolve(profile, questions=questions)


def _operation_problems(profile: Profile, operations: Iterable[str]) -> list[Problem]:
    known = set(operations)
    return [
        Problem(
            f"{profile.name}: responsibilities.{key}.operations[{i}]",
            f"no operation named {op!r} (is the plugin that provides it installed?)",
        )
        for key, resp in profile.responsibilities.items()
        for i, op in enumerate(resp.operations)
        if op not in known
    ]


def profile_plugin_paths(ref: str | os.PathLike[str]) -> tuple[str, ...]:
    """Return the ``plugin.py`` files of a profile's ``extends`` chain, base first.

    Read without validating the profile, so that a broken profile's plugins can
    still register the operations it is checked against.

    Raises:
        ProfileError: If the chain cannot be read (a missing file, bad TOML, a cycle).
    """
    try:
        path = resolve_profile_path(ref)
    except NotFoundError as exc:
        raise ProfileError(str(exc), where=os.fspath(ref)) from exc
    return tuple(str(p) for p in _read_raw(path).plugins)


def profile_problems(
    ref: str | os.PathLike[str], operations: Iterable[str] | None = None
) -> list[Problem]:
    """Return every problem in a profile, or an empty list if it is valid.

    Args:
        ref: A profile name or path.
        operations: The registered operation names to check references against;
            ``None`` skips that check.
    """
    return _load(ref, operations)[1]


def load_profile(
    ref: str | os.PathLike[str] | Profile, operations: Iterable[str] | None = None
) -> Profile:
    """Load and validate a profile.

    Args:
        ref: The name of a shipped or installed profile, a path to a
            ``profile.toml`` or its folder, or an already loaded Profile.
        operations: The registered operation names; every operation a
            responsibility lists must be among them. ``None`` skips that check.

    Returns:
        The validated profile, ``extends`` resolved.

    Raises:
        ProfileError: Listing every problem found, each with its file and key path.
    """
    if isinstance(ref, Profile):
        if operations is not None:
            problems = _operation_problems(ref, operations)
            if problems:
                raise ProfileError(problems)
        return ref
    profile, problems = _load(ref, operations)
    if problems or profile is None:
        raise ProfileError(problems)
    return profile
