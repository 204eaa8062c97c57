"""The store: SQLAlchemy Core tables, engines and migrations.

SQLite is the embedded default (WAL, foreign keys on, a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so that two processes writing at
once queue instead of failing); PostgreSQL is used by giving a
``postgresql+psycopg://`` URL. The schema is owned by Alembic:
[`migrate`][officekit.core.store.migrate] brings any officekit database up to
date and refuses one written by a newer officekit. Alembic is imported only
when a migration is due: a store already at every head is recognised by reading
the version tables and the revision files' identifiers.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import contextvars
import datetime as dt
import functools
import logging
import os
import re
import threading
import warnings
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine

from officekit.core.extensions import Migrations
from officekit.errors import ConflictError, StoreError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = [
    "DEFAULT_URL",
    "DETAIL_JSON",
    "KERNEL_MIGRATIONS",
    "MAX_HELD_WRITERS",
    "UTCDateTime",
    "audit_checkpoints",
    "events",
    "keep_writers",
    "make_engine",
    "metadata",
    "migrate",
    "new_metadata",
    "offices",
    "read_transaction",
    "release_writers",
    "schema_revision",
    "snapshot",
    "staff",
    "staff_roles",
    "update_unless_done",
    "write_transaction",
]

DEFAULT_URL = "sqlite:///officekit.db"
SQLITE_BUSY_TIMEOUT_S = 30
MIGRATION_LOCK = 0x6F66_6669_6365  # "office": the advisory lock PostgreSQL migrations take


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """An aware datetime, stored in UTC on every backend, read back aware (UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: officekit stores aware datetimes only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

offices = sa.Table(
    "offices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(100), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("profile", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Head of the event chain: the last sequence number and hash appended.
    sa.Column("event_seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("event_head", sa.String(64), nullable=False, server_default="0" * 64),
)

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey("offices.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("experience_years", sa.Float, nullable=False),
    sa.Column("education", sa.String(100), nullable=True),
    sa.Column("hired_at", UTCDateTime, nullable=False),
    sa.Column("left_at", UTCDateTime, nullable=True),
    # An outside reference (an HR number), unique in its office: see StaffDirectory.find.
    sa.Column("reference", sa.String(100), nullable=True),
    sa.Index("ix_staff_office_id_reference", "office_id", "reference", unique=True),
)

staff_roles = sa.Table(
    "staff_roles",
    metadata,
    sa.Column("staff_id", sa.ForeignKey("staff.id"), primary_key=True),
    sa.Column("role", sa.String(100), primary_key=True),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey("offices.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("actor_id", sa.ForeignKey("staff.id"), nullable=True),
    sa.Column("actor_name", sa.String(200), nullable=False),
    sa.Column("operation", sa.String(100), nullable=False),
    sa.Column("subject", sa.String(200), nullable=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("duration_us", sa.BigInteger, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # HMAC-SHA256 of ``hash`` under the office's audit key; NULL when no key was set.
    sa.Column("mac", sa.String(64), nullable=True),
    sa.UniqueConstraint("office_id", "seq"),
    # Events of some operations, in chain order (migration 0005).
    sa.Index("ix_events_office_id_operation_seq", "office_id", "operation", "seq"),
)

DETAIL_JSON = "detail_json"
"""On PostgreSQL, the events' column holding ``detail`` parsed as ``jsonb`` (migration 0007).

A stored generated column: parsed once, when the event is appended, so that an
aggregate reading detail keys over many events (``events.detail_json ->> 'key'``)
does not parse the text again. It is not in the portable ``events`` table
definition (SQLite has no such column: its ``json_extract`` reads the text):
reach it with ``sa.literal_column("events.detail_json", JSONB)`` on PostgreSQL only.
The text, ``detail``, stays the record the hash chain covers.
"""

audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey("offices.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # HMAC-SHA256 of (office, seq, hash, created_at) under the audit key.
    sa.Column("mac", sa.String(64), nullable=False),
    sa.Index("ix_audit_checkpoints_office_id_seq", "office_id", "seq"),
)


KERNEL_MIGRATIONS = Migrations(
    "kernel", Path(__file__).resolve().parent.parent / "migrations" / "versions", metadata
)
"""The kernel's own tables and revisions (version table ``alembic_version``)."""


def new_metadata() -> sa.MetaData:
    """Return a MetaData for a plugin's tables, with the kernel's naming convention.

    Refer to the kernel's tables by column (``sa.ForeignKey(offices.c.id)``),
    which works across MetaData objects.
    """
    return sa.MetaData(naming_convention=metadata.naming_convention)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (IMMEDIATE, see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


WRITE_OPTION = "officekit_write"
_READING = "officekit_reading"  # in a kept writing connection's info: this one only reads


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # A write transaction takes the write lock at BEGIN (IMMEDIATE), so one that
    # reads then writes never fails half-way because another process wrote in
    # between; reads stay DEFERRED and never wait for writers (WAL).
    # Straight to the driver: this runs once per transaction, and SQLAlchemy's full
    # statement path (events, compiled cache, result set-up) would double its cost.
    writing = conn.get_execution_options().get(WRITE_OPTION) and not conn.info.get(_READING)
    begin = "BEGIN IMMEDIATE" if writing else "BEGIN"
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None
    dbapi_connection.execute(begin)


# Kept on the engine itself, not in a WeakKeyDictionary: the writer refers back to its
# engine (and a kept connection to its writer), so a dictionary's value would keep its
# key alive for ever. As attributes, they form a cycle the garbage collector frees.
_WRITER = "_officekit_writer"
_KEPT = "_officekit_kept"
_ATTR_LOCK = threading.Lock()


def _write_engine(engine: Engine) -> Engine:
    """``engine`` with the write option set: made once per engine, sharing its pool."""
    writer: Engine | None = engine.__dict__.get(_WRITER)
    if writer is None:
        with _ATTR_LOCK:
            writer = engine.__dict__.get(_WRITER)
            if writer is None:
                writer = engine.execution_options(**{WRITE_OPTION: True})
                engine.__dict__[_WRITER] = writer
    return writer


MAX_HELD_WRITERS = 4
"""How many threads of a process keep a writing connection of one engine checked out.

Checking a connection out of the pool and back in costs about as much as the
rest of a small operation's transaction; a thread that writes keeps one
(see [`write_transaction`][officekit.core.store.write_transaction]). The bound leaves
the pool to the others: a further thread checks a connection out per transaction.
"""


class _Held(threading.local):
    """The writing connection this thread keeps, per process (a forked child makes its own).

    Only a weak reference: the thread's state would otherwise keep the connection,
    and through it the engine, alive after the office is dropped.
    """

    conn: weakref.ref[sa.Connection] | None = None
    pid: int = 0


class _Writers:
    """The connections the threads writing through one engine keep checked out."""

    def __init__(self) -> None:
        self.local = _Held()
        # Each kept connection with (a weak reference to) the thread keeping it.
        self.all: list[tuple[weakref.ref[threading.Thread], sa.Connection]] = []
        self.lock = threading.Lock()


_LIVE: weakref.WeakSet[_Writers] = weakref.WeakSet()
_INHERITED: list[sa.Connection] = []  # a parent's, after fork: never used, never closed


_KEEP = "_officekit_keep_writers"


def keep_writers(engine: Engine, owner: object) -> None:
    """Let threads keep their writing connections to ``engine`` for as long as ``owner`` lives.

    An [`Office`][officekit.core.office.Office] does this for its engine: its
    ``close()``, or its collection by the garbage collector, returns them to the
    pool (a checked-out connection would otherwise keep its engine alive). On any
    other engine, each write transaction checks a connection out and back in.
    """
    engine.__dict__[_KEEP] = True
    _write_engine(engine).__dict__[_KEEP] = True
    weakref.finalize(owner, release_writers, engine)


def _writers_of(writer: Engine) -> _Writers:
    writers: _Writers | None = writer.__dict__.get(_KEPT)
    if writers is None:
        with _ATTR_LOCK:
            writers = writer.__dict__.get(_KEPT)
            if writers is None:
                writers = writer.__dict__[_KEPT] = _Writers()
                _LIVE.add(writers)
    return writers


def _held_connection(writer: Engine) -> sa.Connection | None:
    """This thread's kept connection for ``writer`` (checked out on first use), or None."""
    if not writer.__dict__.get(_KEEP):
        return None
    writers = _writers_of(writer)
    local = writers.local
    ref = local.conn
    conn = ref() if ref is not None else None
    pid = os.getpid()
    if conn is not None and local.pid != pid:  # forked: the socket or file is the parent's
        _INHERITED.append(conn)
        with writers.lock:
            writers.all = [(t, c) for t, c in writers.all if c is not conn]
        local.conn = conn = None
    if conn is not None and not (conn.closed or conn.invalidated):
        return conn
    with writers.lock:
        kept = []
        for thread, held in writers.all:
            owner = thread()
            if held is conn or owner is None or not owner.is_alive():
                if not held.closed and held is not conn:  # its thread ended: back to the pool
                    held.close()
                continue
            if not held.closed:
                kept.append((thread, held))
        writers.all = kept
        local.conn = None
        if len(kept) >= MAX_HELD_WRITERS:
            return None
        conn = writer.connect()
        kept.append((weakref.ref(threading.current_thread()), conn))
    local.conn, local.pid = weakref.ref(conn), pid
    return conn


def release_writers(engine: Engine) -> None:
    """Return the writing connections kept for ``engine`` to its pool (before disposing of it)."""
    writers: _Writers | None = _write_engine(engine).__dict__.pop(_KEPT, None)
    if writers is not None:
        _close_kept(writers)


def _close_kept(writers: _Writers) -> None:
    with writers.lock:
        for _, conn in writers.all:
            if not conn.closed and not conn.in_transaction():
                conn.close()
        writers.all = []


@atexit.register
def _close_all_kept() -> None:
    # Before the interpreter tears modules down, when closing is still orderly.
    if os.getpid() == _PID:
        for writers in list(_LIVE):
            _close_kept(writers)


_PID = os.getpid()


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[sa.Connection]:
    """Open a write transaction: committed at the end, rolled back on an exception.

    On SQLite it begins IMMEDIATE (the write lock is taken first); elsewhere it is
    an ordinary transaction. The thread keeps its connection between transactions
    (up to [`MAX_HELD_WRITERS`][officekit.core.store.MAX_HELD_WRITERS] threads per
    engine); one transaction inside another, on the same thread, gets its own.
    """
    writer = _write_engine(engine)
    conn = _held_connection(writer)
    if conn is None or conn.in_transaction():
        with writer.connect() as fresh, fresh.begin():
            yield fresh
        return
    with conn.begin():
        yield conn


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[sa.Connection]:
    """A short read transaction, on the thread's kept connection when it is free.

    For the quick look-up an operation makes before it writes (is this key known?):
    it spares the pool's check-out and check-in. It takes no write lock (SQLite
    begins DEFERRED). Long reads use [`snapshot`][officekit.core.store.snapshot].
    """
    conn = _held_connection(_write_engine(engine))
    if conn is None or conn.in_transaction():
        with engine.connect() as fresh, fresh.begin():
            yield fresh
        return
    conn.info[_READING] = True
    try:
        with conn.begin():
            yield conn
    finally:
        conn.info.pop(_READING, None)


@contextlib.contextmanager
def snapshot(engine: Engine) -> Iterator[sa.Connection]:
    """A read-only transaction that sees one consistent state of the store.

    PostgreSQL runs it at REPEATABLE READ; SQLite's WAL gives a read transaction
    a snapshot at its first read. Verifying the event chain while others append
    to it needs this, or it would see a head and a log from different moments.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def update_unless_done(
    conn: sa.Connection,
    table: sa.Table,
    row_id: int,
    values: dict[str, Any],
    *,
    still_null: tuple[str, ...],
    conflict: str,
) -> None:
    """Update one row only while ``still_null`` columns are NULL: a step done once.

    Two desks (or processes) acknowledging the same message, checking out the
    same visitor or recording the same departure: the second finds the step
    done and gets a ConflictError, which rolls its transaction back.

    Raises:
        ConflictError: With ``conflict`` as its message, if the row was not updated.
    """
    guards = [table.c[column].is_(None) for column in still_null]
    done = conn.execute(table.update().where(table.c.id == row_id, *guards).values(**values))
    if done.rowcount != 1:
        raise ConflictError(conflict)


def _redacted(url: str) -> str:
    """``url`` for a message, its password (if any) hidden."""
    return re.sub(r"^([^:/@]*://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _parse_url(url: str | sa.URL) -> sa.URL:
    """Parse a database URL and find its dialect; a StoreError names the part at fault."""
    if isinstance(url, sa.URL):
        parsed = url
    else:
        if not isinstance(url, str):
            raise StoreError(f"a database URL is a string, not {type(url).__name__}")
        shown = _redacted(url)
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError as exc:
            raise StoreError(
                f"not a database URL: {shown!r} (expected dialect+driver://user:password@host/db)"
            ) from exc
        except ValueError as exc:  # SQLAlchemy parses the port with int()
            netloc = url.partition("://")[2].partition("/")[0].rpartition("@")[2]
            if netloc.startswith("[") and "]" not in netloc:
                raise StoreError(
                    f"the host of the database URL {shown!r} opens '[' (an IPv6 address) "
                    "without closing it"
                ) from exc
            port = netloc.rpartition(":")[2]
            raise StoreError(
                f"the port of the database URL {shown!r} is not a number: {port!r}"
            ) from exc
    parts = (parsed.username, parsed.password, parsed.host, parsed.database, *parsed.query)
    if any("\x00" in str(part) for part in (*parts, *parsed.query.values())):
        raise StoreError(f"the database URL {parsed.render_as_string()!r} contains a NUL character")
    try:
        parsed.get_dialect()
    except sa.exc.NoSuchModuleError as exc:
        shown = parsed.render_as_string()
        backend = parsed.get_backend_name()
        try:
            sa.make_url(f"{backend}://").get_dialect()
        except sa.exc.NoSuchModuleError:
            hint = " (did you mean 'postgresql'?)" if backend == "postgres" else ""
            raise StoreError(
                f"unknown database dialect {backend!r} in the URL {shown!r}{hint}: "
                "use sqlite or postgresql+psycopg"
            ) from exc
        raise StoreError(
            f"unknown driver {parsed.get_driver_name()!r} for {backend} in the URL {shown!r}"
        ) from exc
    return parsed


def missing_sqlite_file(url: str | sa.URL) -> bool:
    """True when ``url`` names an SQLite file that does not exist (opening it would create it).

    Raises:
        StoreError: If the URL cannot be parsed, or names an unknown dialect or driver.
    """
    parsed = _parse_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return False
    return not database.startswith("file:") and not Path(database).expanduser().exists()


def make_engine(url: str | sa.URL = DEFAULT_URL, *, echo: bool = False) -> Engine:
    """Create an engine for an officekit store, configured for its backend.

    Args:
        url: A SQLAlchemy URL: ``sqlite:///path.db`` (the default backend) or
            ``postgresql+psycopg://user:password@host/dbname``.
        echo: Log every SQL statement.

    Raises:
        StoreError: If the URL cannot be parsed (the message names the part at
            fault: dialect, driver, host or port) or its driver is not installed.
    """
    parsed = _parse_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except (OSError, ValueError) as exc:
                raise StoreError(f"cannot create the folder of {database!r}: {exc}") from exc
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        with warnings.catch_warnings():
            # A URL argument the driver ignores is a mistake to report, not to pass over.
            warnings.simplefilter("error", sa.exc.SAWarning)
            engine = sa.create_engine(parsed, **kwargs)
    except sa.exc.SAWarning as exc:
        raise StoreError(
            f"the database URL {parsed.render_as_string()!r} cannot be used as given: {exc}"
        ) from exc
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"the driver for {parsed.drivername} is not installed ({exc.name}); "
            "for PostgreSQL install officekit[postgres]"
        ) from exc
    except (sa.exc.ArgumentError, TypeError, ValueError) as exc:
        raise StoreError(
            f"the database URL {parsed.render_as_string()!r} cannot be used: {exc}"
        ) from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _alembic_config(migrations: Migrations = KERNEL_MIGRATIONS) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(Path(__file__).resolve().parent.parent / "migrations")
    )
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(migrations.location))
    cfg.attributes["metadata"] = migrations.metadata
    cfg.attributes["version_table"] = migrations.version_table
    return cfg


@functools.cache
def _script(location: Path) -> ScriptDirectory:
    """The revisions in ``location`` (read once per process), as Alembic reads them."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(Path(__file__).resolve().parent.parent / "migrations")
    )
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(location))
    return ScriptDirectory.from_config(cfg)


_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
"""The names of the files Alembic reads as revisions (``alembic.script.base``)."""
_REVISION_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")


class _History(NamedTuple):
    head: str | None
    known: frozenset[str]


@functools.cache
def _history(location: Path) -> _History | None:
    """The head and every revision of a folder of revisions, read without Alembic.

    Each revision file assigns ``revision`` and ``down_revision`` as literals at
    its top level (Alembic's template does): the files are parsed, not imported,
    once per process. ``None`` when a folder is not that simple (an identifier
    that is not a literal, branch labels, dependencies, a missing parent,
    several heads): Alembic itself is then asked, and explains what is wrong.
    """
    parents: dict[str, tuple[str, ...]] = {}
    try:
        paths = sorted(p for p in location.iterdir() if _REVISION_FILE.match(p.name))
        for path in paths:
            if not path.is_file():
                continue
            found: dict[str, Any] = {}
            for node in ast.parse(path.read_bytes(), filename=str(path)).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                else:
                    continue
                if isinstance(target, ast.Name) and target.id in _REVISION_NAMES:
                    found[target.id] = ast.literal_eval(value)
            revision, down = found.get("revision"), found.get("down_revision")
            if isinstance(down, str):
                down = (down,)
            elif down is None:
                down = ()
            if (
                not isinstance(revision, str)
                or revision in parents
                or not isinstance(down, tuple | list)
                or not all(isinstance(d, str) for d in down)
                or found.get("branch_labels")
                or found.get("depends_on")
            ):
                return None
            parents[revision] = tuple(down)
    except (OSError, SyntaxError, ValueError, TypeError):
        return None
    named = {p for downs in parents.values() for p in downs}
    heads = parents.keys() - named
    if not named <= parents.keys() or len(heads) > 1:
        return None
    return _History(next(iter(heads), None), frozenset(parents))


def _head(migrations: Migrations) -> str | None:
    """The revision a set of migrations brings a store to."""
    history = _history(migrations.location)
    if history is None:
        return _script(migrations.location).get_current_head()
    return history.head


def _knows(migrations: Migrations, revision: str) -> bool:
    """Whether ``revision`` is one of the set's own (not one of a newer release)."""
    history = _history(migrations.location)
    if history is not None:
        return revision in history.known
    try:
        _script(migrations.location).get_revision(revision)
    except Exception:
        return False
    return True


def _revisions(conn: sa.Connection, sets: Sequence[Migrations]) -> list[str | None]:
    """The revision each set is at (``None``: not applied), read with plain queries.

    A version table that does not exist is looked up in the catalogue, not
    queried, so that no failed statement aborts a PostgreSQL transaction.
    """
    inspector = sa.inspect(conn)
    found: list[str | None] = []
    for m in sets:
        if not inspector.has_table(m.version_table):
            found.append(None)
            continue
        table = sa.table(m.version_table, sa.column("version_num", sa.String))
        rows = conn.execute(sa.select(table.c.version_num)).scalars().all()
        if len(rows) > 1:  # several heads recorded: Alembic refuses, and says why
            from alembic.runtime.migration import MigrationContext

            context = MigrationContext.configure(conn, opts={"version_table": m.version_table})
            found.append(context.get_current_revision())
            continue
        found.append(rows[0] if rows else None)
    return found


def schema_revision(engine: Engine, migrations: Migrations = KERNEL_MIGRATIONS) -> str | None:
    """Return the revision a set of migrations is at (``None``: not applied yet).

    Args:
        engine: The store.
        migrations: Whose revision; the kernel's by default, which tells whether
            the database is an officekit store at all.

    Raises:
        StoreError: If the database cannot be reached or is not a database.
    """
    try:
        with engine.connect() as conn:
            return _revisions(conn, [migrations])[0]
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"cannot open the database {engine.url!r}: {exc.orig}") from exc
    except (sa.exc.ArgumentError, TypeError, ValueError) as exc:  # e.g. a bad query argument
        raise StoreError(f"cannot open the database {engine.url!r}: {exc}") from exc


_MIGRATING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "officekit_migrating", default=False
)
ALEMBIC_LOGGERS = ("alembic.runtime.migration", "alembic.runtime.plugins")
"""The Alembic loggers whose INFO lines are DEBUG lines while officekit migrates."""


class _AlembicAtDebug(logging.Filter):
    """While officekit migrates, Alembic's INFO lines are DEBUG lines.

    Opening an office migrates as a matter of course: an application logging at
    INFO should not get ``Context impl SQLiteImpl.`` and a line per revision
    each time it creates a store. At DEBUG they are still there (as DEBUG).
    Alembic run by anything else logs as it always does.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not _MIGRATING.get():
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        # The logger let it through as INFO: decide again, as DEBUG.
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


@functools.cache
def _quiet_alembic() -> None:
    """Add the filter to Alembic's loggers, once per process."""
    quiet = _AlembicAtDebug()
    for name in ALEMBIC_LOGGERS:
        logging.getLogger(name).addFilter(quiet)


def migrate(engine: Engine, plugins: Sequence[Migrations] = ()) -> None:
    """Create the schema, or bring it up to date, in one transaction.

    The kernel's revisions run first, then each plugin's set in the order given,
    each recorded in its own version table. A set whose plugin is not loaded is
    left as it is. Alembic's INFO lines (``alembic.runtime.migration``,
    ``alembic.runtime.plugins``) are logged at DEBUG meanwhile.

    Raises:
        StoreError: If the database is unreachable, or a set of migrations is at a
            revision this officekit (or plugin) does not know: written by a newer release.
    """
    sets = [KERNEL_MIGRATIONS, *plugins]
    names = [m.name for m in sets]
    if len(set(names)) != len(names):
        raise StoreError(f"two sets of migrations share a name: {', '.join(names)}")
    try:
        with engine.connect() as conn:
            current = _revisions(conn, sets)
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"cannot open the database {engine.url!r}: {exc.orig}") from exc
    if current == [_head(m) for m in sets]:
        return  # the usual open: nothing to do, and Alembic is not even imported
    for m, revision in zip(sets, current, strict=True):
        if revision is not None and not _knows(m, revision):
            where = "this officekit" if m.name == "kernel" else f"the {m.name!r} plugin installed"
            raise StoreError(
                f"the database's {m.name!r} schema is at revision {revision}, which "
                f"{where} does not know: it was written by a newer release"
            )
    _quiet_alembic()
    migrating = _MIGRATING.set(True)  # also while Alembic is imported: it logs then too
    try:
        from alembic import command

        with write_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                # Several processes opening a new store at once migrate it one at a
                # time; the later ones find it at head and do nothing.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                if sa.inspect(conn).has_table("offices"):
                    # Writers lock their office row first (FOR UPDATE); an EXCLUSIVE
                    # lock on the table makes them wait there, before they hold
                    # anything a migration's DDL needs: no deadlock with live offices.
                    conn.execute(sa.text("LOCK TABLE offices IN EXCLUSIVE MODE"))
            for m in sets:
                cfg = _alembic_config(m)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"migrating the database {engine.url!r} failed: {exc.orig}") from exc
    finally:
        _MIGRATING.reset(migrating)
