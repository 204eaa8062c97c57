"""The store: SQLAlchemy Core tables, engines and migrations.

SQLite is the embedded default (WAL, foreign keys on, a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so that two processes writing at
once queue instead of failing); PostgreSQL is used by giving a
``postgresql+psycopg://`` URL. The schema is owned by Alembic:
[`migrate`][officekit.core.store.migrate] brings any officekit database up to
date and refuses one written by a newer officekit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Dialect, Engine

from officekit.errors import ConflictError, StoreError

__all__ = [
    "DEFAULT_URL",
    "calls",
    "events",
    "guardians",
    "known_callers",
    "make_engine",
    "messages",
    "metadata",
    "migrate",
    "offices",
    "snapshot",
    "staff",
    "staff_roles",
    "update_unless_done",
    "visits",
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
    sa.UniqueConstraint("office_id", "seq"),
    sa.Index("ix_events_office_id_operation_occurred_at", "office_id", "operation", "occurred_at"),
)


known_callers = sa.Table(
    "known_callers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey("offices.id"), nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("department", sa.String(100), nullable=True),
    sa.UniqueConstraint("office_id", "number"),
)

calls = sa.Table(
    "calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey("offices.id"), nullable=False),
    sa.Column("caller_number", sa.String(32), nullable=False),
    sa.Column("caller_name", sa.String(200), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("dialled_line", sa.String(64), nullable=True),
    # The line it occupies (1..N) while ringing, connected or on hold; NULL in the queue.
    sa.Column("line", sa.Integer, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=True),
    sa.Column("department", sa.String(100), nullable=True),
    sa.Column("destination", sa.String(100), nullable=True),
    sa.Column("routed_by", sa.String(200), nullable=False),
    sa.Column("urgent", sa.String(100), nullable=True),
    sa.Column("script", sa.Text, nullable=True),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("transferred_to", sa.String(200), nullable=True),
    sa.Column("misrouted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("arrived_at", UTCDateTime, nullable=False),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Column("hold_started_at", UTCDateTime, nullable=True),
    sa.Column("hold_seconds", sa.Float, nullable=False, server_default="0"),
    sa.Column("handled_by", sa.ForeignKey("staff.id"), nullable=True),
    sa.Index("ix_calls_office_id_arrived_at", "office_id", "arrived_at"),
    sa.Index("ix_calls_office_id_status", "office_id", "status"),
    # A line carries one call at a time: enforced by the database too.
    sa.Index(
        "uq_calls_office_id_line_live",
        "office_id",
        "line",
        unique=True,
        sqlite_where=sa.text("line IS NOT NULL"),
        postgresql_where=sa.text("line IS NOT NULL"),
    ),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey("offices.id"), nullable=False),
    sa.Column("call_id", sa.ForeignKey("calls.id"), nullable=True),
    sa.Column("for_department", sa.String(100), nullable=True),
    sa.Column("for_staff_id", sa.ForeignKey("staff.id"), nullable=True),
    sa.Column("from_name", sa.String(200), nullable=True),
    sa.Column("from_number", sa.String(32), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("taken_by", sa.ForeignKey("staff.id"), nullable=True),
    sa.Column("taken_at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime, nullable=True),
    sa.Column("acknowledged_at", UTCDateTime, nullable=True),
    sa.Column("acknowledged_by", sa.ForeignKey("staff.id"), nullable=True),
    sa.Index("ix_messages_office_id_acknowledged_at", "office_id", "acknowledged_at"),
)

visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey("offices.id"), nullable=False),
    sa.Column("visitor_name", sa.String(200), nullable=False),
    sa.Column("purpose", sa.String(500), nullable=False),
    sa.Column("host_staff_id", sa.ForeignKey("staff.id"), nullable=True),
    sa.Column("host_department", sa.String(100), nullable=True),
    sa.Column("appointment", sa.Boolean, nullable=False),
    sa.Column("confidential", sa.Boolean, nullable=False),
    sa.Column("identity_document", sa.String(100), nullable=True),
    sa.Column("badge", sa.Integer, nullable=True),
    sa.Column("record_ref", sa.String(100), nullable=True),
    sa.Column("checked_in_at", UTCDateTime, nullable=False),
    sa.Column("checked_in_by", sa.ForeignKey("staff.id"), nullable=True),
    sa.Column("received_at", UTCDateTime, nullable=True),
    sa.Column("checked_out_at", UTCDateTime, nullable=True),
    sa.Index("ix_visits_office_id_checked_out_at", "office_id", "checked_out_at"),
)

guardians = sa.Table(
    "guardians",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("office_id", sa.ForeignKey("offices.id"), nullable=False),
    sa.Column("student", sa.String(200), nullable=False),
    sa.Column("guardian", sa.String(200), nullable=False),
    sa.UniqueConstraint("office_id", "student", "guardian"),
)


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


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # A write transaction takes the write lock at BEGIN (IMMEDIATE), so one that
    # reads then writes never fails half-way because another process wrote in
    # between; reads stay DEFERRED and never wait for writers (WAL).
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


@contextlib.contextmanager
def write_transaction(engine: Engine) -> Iterator[sa.Connection]:
    """Open a write transaction: committed at the end, rolled back on an exception.

    On SQLite it begins IMMEDIATE (the write lock is taken first); elsewhere it is
    an ordinary transaction.
    """
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


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


def missing_sqlite_file(url: str | sa.URL) -> bool:
    """True when ``url`` names an SQLite file that does not exist (opening it would create it)."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return False
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
        StoreError: If the URL cannot be parsed or its driver is not installed.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of {database}: {exc}") from exc
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"the driver for {parsed.drivername} is not installed ({exc.name}); "
            "for PostgreSQL install officekit[postgres]"
        ) from exc
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(Path(__file__).resolve().parent.parent / "migrations")
    )
    return cfg


def schema_revision(engine: Engine) -> str | None:
    """Return the Alembic revision the database is at (``None``: empty database).

    Raises:
        StoreError: If the database cannot be reached or is not a database.
    """
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"cannot open the database {engine.url!r}: {exc.orig}") from exc


def migrate(engine: Engine) -> None:
    """Create the schema, or bring it up to date, in one transaction.

    Raises:
        StoreError: If the database is unreachable, or was written by a newer
            officekit (its revision is unknown to this one).
    """
    cfg = _alembic_config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    current = schema_revision(engine)
    if current == head:
        return
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise StoreError(
                f"the database is at schema revision {current}, which this officekit does not "
                "know: it was written by a newer release"
            ) from exc
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            # Several processes opening a new store at once migrate it one at a
            # time; the later ones find it at head and do nothing.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
