"""The kernel's extension points: what a plugin contributes besides operations.

A desk (built in or third party) is a plugin that returns these objects from
its ``officekit_register_*`` hooks:

- [`ProfileSection`][officekit.ProfileSection]: a top-level table of the profile,
  with its attrs type, validated strictly like the rest of the profile;
- [`OfficeFacet`][officekit.OfficeFacet] and [`DeskFacet`][officekit.DeskFacet]:
  ``office.<name>`` and ``desk.<name>``, built lazily, once per office or desk;
- [`Migrations`][officekit.Migrations]: the plugin's tables and the Alembic
  revisions that create them;
- [`AuditCheck`][officekit.core.extensions.AuditCheck]: its part of
  ``officekit audit verify --deep``, comparing its tables with the event log.

A plugin's part of ``officekit simulate`` is a
[`SimulationStep`][officekit.simulate.SimulationStep], defined with the simulation,
a layer above the kernel that the kernel does not import.

Each object is also the *key* that reads the contribution back with its type:
``office.facet(CALLS)`` is a ``PhoneSystem`` for mypy, ``profile.section(PHONES)``
a ``PhoneSettings``; ``office.calls`` and ``profile.phones`` work too, typed ``Any``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from officekit.errors import NotFoundError, OfficekitError, PluginError, ValidationError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from officekit.core.desk import Desk
    from officekit.core.events import Event
    from officekit.core.office import Office
    from officekit.core.profile import Profile
    from officekit.errors import Problem

__all__ = [
    "AuditCheck",
    "DeskFacet",
    "FacetHost",
    "Finding",
    "Migrations",
    "OfficeFacet",
    "ProfileSection",
    "SectionContext",
]

T = TypeVar("T")

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _check_name(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise PluginError(
            f"the {attribute.name} of a {type(instance).__name__} is a lower-case identifier "
            f"such as 'parcels', got {value!r}"
        )


class SectionContext:
    """What a section's ``validate`` function gets: the profile, and where to report.

    Attributes:
        profile: The rest of the profile (its kernel tables; other sections may be absent).
    """

    def __init__(
        self,
        profile: Profile,
        section: str,
        add: Callable[[Sequence[str], str], None],
        file_of: Callable[[Sequence[str]], Path | None],
        problems: list[Problem],
    ) -> None:
        self.profile = profile
        self._section = section
        self._add = add
        self._file_of = file_of
        self._problems = problems

    def problem(self, key_path: Sequence[str], what: str) -> None:
        """Report a problem at ``key_path`` within the section (``["rules[2]", "department"]``).

        The problem is named by the file that set the key and the full key path.
        """
        self._add([self._section, *key_path], what)

    def report(self, problem: Problem) -> None:
        """Report a problem that already names its place (one in a file the section names)."""
        self._problems.append(problem)

    def file_of(self, key_path: Sequence[str] = ()) -> Path | None:
        """Return the profile file that set ``key_path`` of the section (None: a default).

        A relative path in a profile is relative to the file that names it: resolve it
        against ``file_of(...).parent``.
        """
        return self._file_of([self._section, *key_path])


@attrs.frozen(eq=False)
class ProfileSection(Generic[T]):
    """A top-level table of the profile that a plugin owns (``[phones]``, ``[parcels]``).

    Registered with ``officekit_register_profile_sections``. The table is read
    with the same strict rules as the kernel's (unknown keys, wrong types and
    missing keys are problems naming file and key path); a profile without it
    gets ``default()``. An installed plugin's own settings live here.

    Attributes:
        name: The table's name in ``profile.toml``.
        type: What it is structured into: an attrs class, or a type such as
            ``tuple[Rule, ...]`` for an array of tables.
        default: Makes the value of a profile that lacks the table.
        validate: Checks the value against the rest of the profile once it has
            been read, reporting problems through the
            [`SectionContext`][officekit.SectionContext]; returns the value to keep
            (a path made absolute, say). None: nothing more to check.
        description: One line for ``officekit profiles show`` and the docs.
    """

    name: str = attrs.field(validator=_check_name)
    type: Any
    default: Callable[[], T]
    validate: Callable[[T, SectionContext], T] | None = None
    description: str = ""


class FacetHost:
    """Plugin facets as attributes of their host: what ``Office`` and ``Desk`` share.

    A facet is built by its factory the first time it is used and then kept in
    the host's ``__dict__``, so later reads are plain attribute reads.
    """

    _facet_kind = "facet"
    """What the host's facets are called in messages (``office facet``, ``desk facet``)."""

    def _registered_facets(self) -> Mapping[str, OfficeFacet[Any] | DeskFacet[Any]]:
        """The facets the host's plugins registered, by name (empty before it is set up)."""
        raise NotImplementedError

    def _facet(self, key: object, kind: type) -> Any:
        if not isinstance(key, kind):
            raise ValidationError(
                f"expected {kind.__name__}, got {type(key).__name__} {key!r:.80}", where="key"
            )
        assert isinstance(key, OfficeFacet | DeskFacet)
        if self._registered_facets().get(key.name) is not key:
            raise NotFoundError(
                f"no {self._facet_kind} {key.name!r} in this office: is its plugin turned off?"
            )
        return self._build(key)

    def _build(self, facet: OfficeFacet[Any] | DeskFacet[Any]) -> Any:
        try:
            return self.__dict__[facet.name]
        except KeyError:
            pass
        try:
            built = facet.factory(self)  # type: ignore[arg-type]
        except OfficekitError:
            raise
        except Exception as exc:
            raise PluginError(
                f"the {self._facet_kind} {facet.name!r} failed to build: {exc!r}"
            ) from exc
        self.__dict__[facet.name] = built  # later reads skip __getattr__
        return built

    def __getattr__(self, name: str) -> Any:
        # Only reached when no attribute has the name: a plugin's facet, if any.
        facets = self._registered_facets()
        if name in facets:
            return self._build(facets[name])
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r} (the plugins here add: "
            f"{', '.join(sorted(facets)) or 'nothing'})"
        )

    def __dir__(self) -> Iterable[str]:
        return [*super().__dir__(), *self._registered_facets()]


@attrs.frozen(eq=False)
class OfficeFacet(Generic[T]):
    """An office-level service of a plugin: ``office.<name>``.

    Registered with ``officekit_register_facets``; built by ``factory(office)``
    the first time it is used, then kept for the office's life.

    Attributes:
        name: The attribute name (``"calls"`` gives ``office.calls``).
        factory: Builds the service for one office.
        description: One line for the docs and ``officekit plugins list``.
    """

    name: str = attrs.field(validator=_check_name)
    factory: Callable[[Office], T]
    description: str = ""


@attrs.frozen(eq=False)
class DeskFacet(Generic[T]):
    """A plugin's operations at the desk: ``desk.<name>``.

    Registered with ``officekit_register_facets``; built by ``factory(desk)``
    the first time it is used at a desk. Perform operations through
    ``desk.perform(...)`` so that they are authorised and recorded.

    Attributes:
        name: The attribute name (``"parcels"`` gives ``desk.parcels``).
        factory: Builds the facet for one desk.
        description: One line for the docs.
    """

    name: str = attrs.field(validator=_check_name)
    factory: Callable[[Desk], T]
    description: str = ""


def _to_path(value: Any) -> Path:
    if not isinstance(value, str | Path):
        raise PluginError(
            f"the location of Migrations is a folder (a str or Path), got {type(value).__name__}"
        )
    return Path(value)


@attrs.frozen(eq=False)
class Migrations:
    """A plugin's tables and the Alembic revisions that create and change them.

    Registered with ``officekit_register_migrations``. Each set of migrations
    has its own version table (``officekit_version_<name>``), so a plugin can
    be added to, turned off in and turned on again in an existing store; its
    revisions run after the kernel's, in plugin load order, whenever an office
    is opened. Revisions live in ``location`` as ordinary Alembic revision files
    (one linear history, ``down_revision = None`` for the first); they may refer
    to the kernel's tables (``offices``, ``staff``), which exist by then.

    Attributes:
        name: The set's name, usually the plugin's.
        location: The folder holding the revision files.
        metadata: The plugin's table definitions, which its revisions must
            produce; the schema test compares the two.
    """

    name: str = attrs.field(validator=_check_name)
    location: Path = attrs.field(converter=_to_path)
    metadata: sa.MetaData

    @property
    def version_table(self) -> str:
        """The table where Alembic records this set's revision."""
        return "alembic_version" if self.name == "kernel" else f"officekit_version_{self.name}"


@attrs.frozen
class Finding:
    """One thing an audit found wrong (``AuditReport.findings``).

    Attributes:
        check: Which check found it: ``"mac"``, ``"checkpoint"``, ``"incremental"``
            (the point an incremental check was to start from no longer holds), or an
            [`AuditCheck`][officekit.core.extensions.AuditCheck]'s name.
        reason: What is wrong, in a sentence that names what it is about.
        seq: The event it concerns (the one that recorded the value, for a table).
        table: The state table, for a deep check.
        row_id: The row of ``table``.
        field: The column of that row.
    """

    check: str
    reason: str
    seq: int | None = None
    table: str | None = None
    row_id: int | None = None
    field: str | None = None


@attrs.frozen(eq=False)
class AuditCheck:
    """A desk's deep audit: does its state agree with what its events recorded?

    Registered with ``officekit_register_audit_checks``; run by
    ``office.verify_audit(deep=True)`` and ``officekit audit verify --deep``,
    inside the same read snapshot as the chain check.

    Attributes:
        name: The check's name, given with each of its findings.
        check: ``check(conn, office_id, events)`` returns what it found wrong.
            ``events`` yields the office's events in chain order, read in batches
            (it may be iterated more than once; each pass reads the log again):
            keep what you need of them, not the events themselves.
        operations: Only events of these operations (a name, or a prefix ending in
            ``.``) are given; empty: every event.
        description: One line for the docs.
    """

    name: str = attrs.field(validator=_check_name)
    check: Callable[[sa.Connection, int, Iterable[Event]], Sequence[Finding]]
    operations: tuple[str, ...] = ()
    description: str = ""
