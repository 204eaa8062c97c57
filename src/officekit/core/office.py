"""The Office facade: open a store with a profile and plugins, hand out desks."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, TypeVar

import sqlalchemy as sa

from officekit.core.audit import (
    AuditKey,
    Checkpoint,
    last_verified,
    office_ids,
    resolve_audit_key,
    verify_office,
    write_checkpoint,
)
from officekit.core.clock import Clock, SystemClock
from officekit.core.desk import Desk
from officekit.core.events import AuditReport, Event, append_event, row_to_event
from officekit.core.extensions import DeskFacet, FacetHost, OfficeFacet
from officekit.core.kernel import OFFICE_ACTOR, Kernel
from officekit.core.operations import OperationRegistry
from officekit.core.plugins import PluginHost, get_plugin_manager
from officekit.core.profile import (
    Profile,
    available_profiles,
    load_profile,
    plugins_for_profile,
    profile_problems,
    resolve_profile_path,
)
from officekit.core.staff import StaffDirectory, StaffMember
from officekit.core.store import (
    DEFAULT_URL,
    events,
    keep_writers,
    make_engine,
    migrate,
    missing_sqlite_file,
    offices,
    release_writers,
    schema_revision,
    snapshot,
    write_transaction,
)
from officekit.core.validate import (
    MAX_ID,
    check_aware,
    check_bool,
    check_choice,
    check_int,
    check_ref,
    check_str,
    collect,
    column_limit,
    text_problem,
)
from officekit.errors import (
    ConflictError,
    NotFoundError,
    OfficekitError,
    PluginError,
    Problem,
    ProfileError,
    StoreError,
    ValidationError,
)

__all__ = ["Office", "check_profile", "checkpoint_store", "verify_store"]

T = TypeVar("T")

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_PROFILE_OBJECT = "profile-object:"
"""How an office opened with a Profile object (not a file) remembers its profile."""


class Office(FacetHost):
    """One front office: its store, profile, plugins, staff and desks.

    Open one with [`Office.open`][officekit.Office.open]; close it (or use it as
    a context manager) when done.

    Attributes:
        id: The office's database id.
        key: Its key, unique in the database (several offices may share one).
        profile: The validated profile.
        clock: The clock every recorded time comes from.
        engine: The SQLAlchemy engine of its store.
        plugins: Its plugins, with one typed method per hook.
        operations: The operations registered by its plugins.
        staff: Its staff directory.
        kernel: Authorisation and recording.
        audit_key: The key that signs its events and checkpoints, if one is configured.

    The plugins' services are attributes too: ``office.calls`` (typed ``Any``), or
    ``office.facet(CALLS)`` typed by its key. ``dir(office)`` lists them.
    """

    _facet_kind = "office facet"

    def __init__(
        self,
        *,
        engine: sa.Engine,
        profile: Profile,
        plugins: PluginHost,
        operations: OperationRegistry,
        clock: Clock,
        office_id: int,
        key: str,
        facets: Iterable[OfficeFacet[Any] | DeskFacet[Any]] = (),
        audit_key: AuditKey | None = None,
    ) -> None:
        self.engine = engine
        keep_writers(engine, self)
        self.audit_key = audit_key
        self.signing_key = audit_key.for_office(key) if audit_key is not None else None
        """The key this office's own events are signed with (derived from ``audit_key``)."""
        self._profile = profile
        self.plugins = plugins
        self.operations = operations
        self.clock = clock
        self.id = office_id
        self.key = key
        self.staff = StaffDirectory(self)
        self.kernel = Kernel(self)
        self._office_facets: dict[str, OfficeFacet[Any]] = {}
        self._desk_facets: dict[str, DeskFacet[Any]] = {}
        for facet in facets:
            self._add_facet(facet)

    def _add_facet(self, facet: OfficeFacet[Any] | DeskFacet[Any]) -> None:
        if isinstance(facet, OfficeFacet):
            taken = facet.name in self._office_facets or hasattr(type(self), facet.name)
            if taken or facet.name in self.__dict__:
                raise PluginError(f"office facet {facet.name!r} is already an attribute of Office")
            self._office_facets[facet.name] = facet
        else:
            if facet.name in self._desk_facets or hasattr(Desk, facet.name):
                raise PluginError(f"desk facet {facet.name!r} is already an attribute of Desk")
            self._desk_facets[facet.name] = facet

    @property
    def profile(self) -> Profile:
        """The validated profile (read-only: reopen with ``change_profile=True`` to switch)."""
        return self._profile

    @property
    def desk_facets(self) -> Mapping[str, DeskFacet[Any]]:
        """The desk facets the office's plugins add, by name (``desk.<name>``)."""
        return MappingProxyType(self._desk_facets)

    @property
    def office_facets(self) -> Mapping[str, OfficeFacet[Any]]:
        """The office facets the office's plugins add, by name (``office.<name>``)."""
        return MappingProxyType(self._office_facets)

    def facet(self, key: OfficeFacet[T]) -> T:
        """Return a plugin's office-level service, typed by its key.

        ``office.facet(CALLS)`` is what ``office.calls`` returns, for mypy a
        ``PhoneSystem`` rather than ``Any``.

        Raises:
            NotFoundError: No plugin that runs in this office registered ``key``.
        """
        built: T = self._facet(key, OfficeFacet)
        return built

    def _registered_facets(self) -> Mapping[str, OfficeFacet[Any]]:
        return self.__dict__.get("_office_facets", {})  # type: ignore[no-any-return]

    @classmethod
    def open(
        cls,
        url: str | sa.URL = DEFAULT_URL,
        *,
        profile: str | os.PathLike[str] | Profile | None = None,
        key: str | None = None,
        clock: Clock | None = None,
        plugins: Iterable[object] = (),
        echo: bool = False,
        change_profile: bool = False,
        audit_key: AuditKey | bytes | str | None = None,
    ) -> Office:
        """Open (creating or migrating the schema) an office in a store.

        Args:
            url: SQLAlchemy URL of the store; an SQLite file by default.
                PostgreSQL: ``postgresql+psycopg://user:pw@host/db``.
            profile: A shipped or installed profile's name, a path to a
                ``profile.toml`` (or its folder), or a loaded Profile. ``None``
                reopens an existing office with the profile it was last opened with.
            key: The office's key within the store; defaults to the profile's name.
                Several offices can share one database under different keys.
            clock: Where times come from; the system clock by default.
            plugins: Extra plugin objects or modules to register.
            echo: Log every SQL statement.
            change_profile: Allow reopening an existing office with another profile
                than it was opened with (its staff keep their roles; a role the new
                profile lacks grants nothing).
            audit_key: The key that signs every event appended (and checkpoints);
                by default the ``OFFICEKIT_AUDIT_KEY`` environment variable, or the
                file ``OFFICEKIT_AUDIT_KEY_FILE`` names; none if neither is set.
                Keep it outside the database (see [Security](../security.md)).

        Returns:
            The open office.

        Raises:
            ProfileError: The profile has problems (all are listed); nothing is opened.
            NotFoundError: ``profile`` is None and the store has no such office.
            ConflictError: The office exists with another profile and
                ``change_profile`` is not set; nothing is changed.
            PluginError: A plugin failed to load.
            StoreError: The database cannot be used.
        """
        _check_open_arguments(url, profile, key, clock, plugins, echo, change_profile)
        if profile is None:
            key, profile = _stored_profile(url, key)
        registry = plugins_for_profile(profile, plugins)
        host = registry.host
        prof = load_profile(profile, registry)
        office_key = key if key is not None else prof.name
        if isinstance(profile, Profile):
            profile_ref = f"{_PROFILE_OBJECT}{prof.name}"
        else:
            profile_ref = _profile_ref(profile)
        if not isinstance(office_key, str) or not _KEY.fullmatch(office_key):
            raise ValidationError(
                "an office key is 1-100 lower-case letters, digits, '-' or '_'", where="key"
            )
        _check_stored_profile(prof, profile_ref)
        clock = clock or SystemClock()
        _check_clock(clock)  # before the store is touched: a bad clock changes nothing
        signing_key = resolve_audit_key(audit_key)
        engine = make_engine(url, echo=echo)
        try:
            migrate(engine, host.register_migrations())
            office_id, switched = cls._ensure_office_row(
                engine, office_key, prof, profile_ref, clock, change_profile, signing_key
            )
        except BaseException:
            engine.dispose()
            raise
        try:
            office = cls(
                engine=engine,
                profile=prof,
                plugins=host,
                operations=registry.operations,
                clock=clock,
                office_id=office_id,
                key=office_key,
                facets=host.register_facets(),
                audit_key=signing_key,
            )
        except BaseException:
            engine.dispose()
            raise
        if switched is not None:
            host.event_recorded(office, switched)
        try:
            host.office_opened(office)
        except BaseException:
            office.close()
            raise
        return office

    @staticmethod
    def _ensure_office_row(
        engine: sa.Engine,
        key: str,
        profile: Profile,
        profile_ref: str,
        clock: Clock,
        change_profile: bool,
        audit_key: AuditKey | None = None,
    ) -> tuple[int, Event | None]:
        query = sa.select(offices.c.id, offices.c.profile, offices.c.name).where(
            offices.c.key == key
        )
        # The usual open finds its row as it left it: a read, which waits for no writer
        # (a busy office's operations hold the write lock, or lock this very row).
        with engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is not None and row.profile == profile_ref and row.name == profile.office.name:
            return int(row.id), None
        # Missing, or its profile or name changed: write, checking again under the lock.
        for attempt in (1, 2):
            try:
                with write_transaction(engine) as conn:
                    row = conn.execute(query).one_or_none()
                    if row is not None:
                        if row.profile != profile_ref and not change_profile:
                            raise ConflictError(
                                f"office {key!r} was opened with profile {row.profile!r}, not "
                                f"{profile_ref!r}: reopen it with that profile (or none), or "
                                "switch with change_profile=True (officekit init --change-profile)"
                            )
                        conn.execute(
                            offices.update()
                            .where(offices.c.id == row.id)
                            .values(profile=profile_ref, name=profile.office.name)
                        )
                        switched = None
                        if row.profile != profile_ref:  # a switch is part of the audit trail
                            switched = append_event(
                                conn,
                                office_id=row.id,
                                occurred_at=clock.now(),
                                actor_id=None,
                                actor_name=OFFICE_ACTOR,
                                operation="office.change_profile",
                                subject=key,
                                detail={"from": row.profile, "to": profile_ref},
                                audit_key=(
                                    audit_key.for_office(key) if audit_key is not None else None
                                ),
                            )
                        return int(row.id), switched
                    new_id: int = conn.execute(
                        offices.insert()
                        .values(
                            key=key,
                            name=profile.office.name,
                            profile=profile_ref,
                            created_at=clock.now(),
                        )
                        .returning(offices.c.id)
                    ).scalar_one()
                    return new_id, None
            except sa.exc.IntegrityError:
                if attempt == 2:  # pragma: no cover - only if the row vanished again
                    raise
                # Another process created the same office meanwhile: use theirs.
        raise AssertionError("unreachable")  # pragma: no cover

    # -- lifecycle --------------------------------------------------------------

    def close(self) -> None:
        """Release the database connections."""
        release_writers(self.engine)
        self.engine.dispose()

    def __enter__(self) -> Office:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Office {self.key!r} profile={self.profile.name!r} url={self.engine.url!r}>"

    # -- desks ------------------------------------------------------------------

    @contextmanager
    def desk(self, member: StaffMember | int) -> Iterator[Desk]:
        """Open a desk for a member of staff; every operation on it is theirs.

        Args:
            member: The member of staff (or their id). Read afresh from the store,
                so roles changed since are in force.

        Raises:
            ConflictError: If they have left the office.
            NotFoundError: If they are not staff of this office.
        """
        current = self.staff.get(check_ref(member, "member", StaffMember, "a member of staff"))
        if not current.active:
            raise ConflictError(f"{current.name} (id {current.id}) has left the office")
        desk = Desk(self, current)
        try:
            yield desk
        finally:
            desk.close()

    # -- the event log ----------------------------------------------------------

    def events(
        self,
        *,
        operation: str | None = None,
        actor: StaffMember | int | None = None,
        outcome: str | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> list[Event]:
        """Return events of this office in chain order, optionally filtered.

        Args:
            operation: Only this operation, or a prefix ending in ``.`` (``"desk."``).
            actor: Only events by this member of staff.
            outcome: Only ``"ok"`` or ``"denied"``.
            after_seq: Only events after this sequence number: read the log as it grows.
            limit: At most this many (the latest ones).

        Raises:
            ValidationError: An argument of the wrong type or out of range.
        """
        if operation is not None:
            check_str(operation, "operation", "an operation", column_limit(events.c.operation))
        if outcome is not None:
            check_choice(outcome, "outcome", ("ok", "denied"), "outcome")
        check_int(after_seq, "after_seq", 0, MAX_ID)
        if limit is not None:
            check_int(limit, "limit", 0, MAX_ID)
        actor_id = (
            None if actor is None else check_ref(actor, "actor", StaffMember, "a member of staff")
        )
        query = sa.select(events).where(events.c.office_id == self.id, events.c.seq > after_seq)
        if operation is not None:
            if operation.endswith("."):
                query = query.where(events.c.operation.startswith(operation, autoescape=True))
            else:
                query = query.where(events.c.operation == operation)
        if actor_id is not None:
            query = query.where(events.c.actor_id == actor_id)
        if outcome is not None:
            query = query.where(events.c.outcome == outcome)
        if limit is not None:
            query = query.order_by(events.c.seq.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return sorted((row_to_event(r) for r in rows), key=lambda e: e.seq)

    def verify_audit(self, *, deep: bool = False, incremental: bool = False) -> AuditReport:
        """Verify this office's event log (the office's own check: not recorded).

        The hash chain always; with the office's audit key, every event's MAC and
        every checkpoint; with ``deep``, the desks' tables against their events
        (each plugin's ``officekit_register_audit_checks``). All read one snapshot,
        which no writer waits for.

        Args:
            deep: Also compare the state tables with what their events recorded
                (always the whole log).
            incremental: Verify only what was appended since the point the last
                verification recorded at a desk (``desk.verify_audit``), or with the
                key the last signed checkpoint, vouched for (see
                [`last_verified`][officekit.core.audit.last_verified]); the whole log
                when there is none. The report's ``from_seq`` says where it started.
                This check is not recorded, so it never moves that point. Ignored
                with ``deep``.

        Raises:
            ValidationError: ``deep`` or ``incremental`` is not a bool.
        """
        check_bool(deep, "deep")
        check_bool(incremental, "incremental")
        checks = self.plugins.register_audit_checks() if deep else ()
        key = self.audit_key
        with snapshot(self.engine) as conn:
            since = last_verified(conn, self.id, key=key) if incremental and not deep else None
            return verify_office(conn, self.id, key=key, checks=checks, deep=deep, since=since)

    def checkpoint_audit(self) -> Checkpoint:
        """Verify the log with the audit key, then store a signed checkpoint of its head.

        The office's own act, like ``verify_audit`` (it needs the key, not a
        permission): a row of ``audit_checkpoints``, not an event. A tail removed
        below a checkpoint, or an event under it rewritten, is found by a keyed
        ``verify_audit``.

        Raises:
            ConflictError: No audit key is configured, the log does not verify (nothing
                is signed), or it is empty.
        """
        if self.audit_key is None:
            raise ConflictError(
                f"office {self.key!r} has no audit key: a checkpoint is signed with it "
                "(Office.open(audit_key=...) or OFFICEKIT_AUDIT_KEY_FILE)"
            )
        return write_checkpoint(self.engine, self.id, self.audit_key, self.clock.now())


def _check_open_arguments(
    url: object,
    profile: object,
    key: object,
    clock: object,
    plugins: object,
    echo: object,
    change_profile: object,
) -> None:
    """Refuse arguments of ``Office.open`` of the wrong type, naming each one."""
    problems: list[Problem] = []
    if not isinstance(url, str | sa.URL):
        problems.append(Problem("url", f"expected a database URL, got {url!r:.80}"))
    elif isinstance(url, str):
        collect(problems, check_str, url, "url", "a database URL")
    if isinstance(profile, str):
        collect(problems, check_str, profile, "profile", "a profile's name or path")
    elif profile is not None and not isinstance(profile, os.PathLike | Profile):
        problems.append(
            Problem("profile", f"expected a profile's name, path or a Profile, got {profile!r:.80}")
        )
    if key is not None and (not isinstance(key, str) or not _KEY.fullmatch(key)):
        problems.append(
            Problem("key", "an office key is 1-100 lower-case letters, digits, '-' or '_'")
        )
    if clock is not None and not isinstance(clock, Clock):
        problems.append(Problem("clock", f"expected a clock (with now()), got {clock!r:.80}"))
    if isinstance(plugins, str | bytes) or not isinstance(plugins, Iterable):
        problems.append(Problem("plugins", f"expected plugin objects, got {plugins!r:.80}"))
    collect(problems, check_bool, echo, "echo")
    collect(problems, check_bool, change_profile, "change_profile")
    if problems:
        raise ValidationError(problems)


def _check_clock(clock: Clock) -> None:
    """Ask the clock the time once: it must answer with an aware datetime."""
    try:
        now = clock.now()
    except Exception as exc:  # the embedding app's clock: any failure
        raise ValidationError(f"clock.now() failed: {exc!r:.120}", where="clock") from exc
    if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError(
            f"clock.now() must return a timezone-aware datetime, got {now!r:.80}", where="clock"
        )
    check_aware(now, "clock")


def _check_stored_profile(profile: Profile, profile_ref: str) -> None:
    """Refuse what the office's row cannot hold: the office's name, the profile's reference."""
    name_limit = column_limit(offices.c.name)
    wrong = text_problem(profile.office.name, "the office's name", name_limit)
    if wrong is not None:
        raise ProfileError([Problem(f"profile {profile.name!r}: office.name", wrong)])
    ref_limit = column_limit(offices.c.profile)
    if len(profile_ref) > ref_limit:
        raise ValidationError(
            f"the profile's path is at most {ref_limit} characters, got {len(profile_ref)} "
            f"({profile_ref[:60]}...): move the profile to a shorter path",
            where="profile",
        )


def check_profile(ref: str | os.PathLike[str], plugins: Iterable[object] = ()) -> list[Problem]:
    """Return every problem of a profile, as ``Office.open`` would meet them.

    The plugins an office would load (built-in, installed, the profile's own
    ``plugin.py`` files and ``plugins``) register the operations that the
    profile's responsibilities are checked against. This is what
    ``officekit profiles validate`` runs.

    Returns:
        The problems, each naming its file and key path; empty when the profile is valid.

    Raises:
        PluginError: A plugin failed to load.
    """
    try:
        registry = plugins_for_profile(ref, plugins)
    except ProfileError as exc:
        return list(exc.problems)
    return profile_problems(ref, registry)


def _profile_ref(profile: str | os.PathLike[str]) -> str:
    """What to remember of a profile reference, to find it again from anywhere.

    The name of a shipped or installed profile as is; anything else (a path, or
    a bare name that only resolved as a folder of the working directory) as the
    absolute path of its ``profile.toml``.
    """
    text = os.fspath(profile)
    if not isinstance(profile, os.PathLike) and os.sep not in text and text in available_profiles():
        return text
    return str(resolve_profile_path(profile))


def _stored_profile(url: str | sa.URL, key: str | None) -> tuple[str, str]:
    if missing_sqlite_file(url):
        raise NotFoundError(f"no officekit store at {url}: give a profile to create one")
    engine = make_engine(url)
    try:
        if schema_revision(engine) is None:
            raise NotFoundError(
                f"no officekit store at {engine.url!r}: give a profile to create one"
            )
        with engine.connect() as conn:
            query = sa.select(offices.c.key, offices.c.profile).order_by(offices.c.id)
            if key is not None:
                query = query.where(offices.c.key == key)
            rows = conn.execute(query).all()
    finally:
        engine.dispose()
    if not rows:
        raise NotFoundError(f"no office {key!r} in the store: give a profile to create it")
    if len(rows) > 1:
        keys = ", ".join(r.key for r in rows)
        raise NotFoundError(
            f"the store holds several offices ({keys}): say which one (key=, or --office)"
        )
    ref = str(rows[0].profile)
    if ref.startswith(_PROFILE_OBJECT):
        raise NotFoundError(
            f"office {rows[0].key!r} was opened with a Profile object built in code "
            f"({ref.removeprefix(_PROFILE_OBJECT)!r}), not a profile file: pass it again"
        )
    return str(rows[0].key), ref


def verify_store(
    url: str | sa.URL,
    *,
    audit_key: AuditKey | bytes | str | None = None,
    deep: bool = False,
    office: str | None = None,
    incremental: bool = False,
) -> list[AuditReport]:
    """Verify the event log of every office in a store, without opening a profile.

    This is what ``officekit audit verify --db URL`` runs. The deep checks are
    those of the built-in and installed plugins (a profile's own ``plugin.py``
    is not loaded).

    Args:
        url: The store.
        audit_key: The audit key; by default from the environment, as
            ``Office.open`` finds it. Without one, MACs and checkpoints are not checked.
        deep: Also compare the desks' tables with their events (always the whole log).
        office: Only the office with this key.
        incremental: Verify each office's log from the last point a verification
            recorded at a desk, or with the key a signed checkpoint, vouched for
            (as ``Office.verify_audit(incremental=True)``); ignored with ``deep``.

    Raises:
        StoreError: If there is no officekit store at ``url``.
        NotFoundError: ``office`` names no office of the store.
        ValidationError: ``deep`` or ``incremental`` is not a bool.
    """
    check_bool(deep, "deep")
    check_bool(incremental, "incremental")
    key = resolve_audit_key(audit_key)
    checks = PluginHost(get_plugin_manager()).register_audit_checks() if deep else ()
    engine = _existing_store(url)
    try:
        with snapshot(engine) as conn:
            return [
                verify_office(
                    conn,
                    office_id,
                    key=key,
                    checks=checks,
                    deep=deep,
                    since=(
                        last_verified(conn, office_id, key=key)
                        if incremental and not deep
                        else None
                    ),
                )
                for office_id in office_ids(conn, office)
            ]
    except sa.exc.OperationalError as exc:
        raise StoreError(f"cannot open the database: {exc.orig}") from exc
    finally:
        engine.dispose()


def checkpoint_store(
    url: str | sa.URL,
    *,
    audit_key: AuditKey | bytes | str | None = None,
    office: str | None = None,
) -> list[Checkpoint | OfficekitError]:
    """Verify and checkpoint every office of a store (``officekit audit checkpoint``).

    Each office's log is verified with the key first; one that does not verify
    is not signed, and its error takes its place in the list.

    Raises:
        ConflictError: No audit key was given or found in the environment.
        StoreError: If there is no officekit store at ``url``.
    """
    key = resolve_audit_key(audit_key)
    if key is None:
        raise ConflictError(
            "a checkpoint is signed with the audit key: give one (--key-file, "
            "OFFICEKIT_AUDIT_KEY_FILE or OFFICEKIT_AUDIT_KEY)"
        )
    engine = _existing_store(url)
    try:
        with engine.connect() as conn:
            ids = office_ids(conn, office)
        now = SystemClock().now()
        results: list[Checkpoint | OfficekitError] = []
        for office_id in ids:
            try:
                results.append(write_checkpoint(engine, office_id, key, now))
            except ConflictError as exc:
                results.append(exc)
        return results
    except sa.exc.OperationalError as exc:
        raise StoreError(f"cannot open the database: {exc.orig}") from exc
    finally:
        engine.dispose()


def _existing_store(url: str | sa.URL) -> sa.Engine:
    if missing_sqlite_file(url):
        raise StoreError(f"no officekit store at {url}")
    engine = make_engine(url)
    try:
        if schema_revision(engine) is None:
            raise StoreError(f"no officekit store at {engine.url!r}")
    except BaseException:
        engine.dispose()
        raise
    return engine
