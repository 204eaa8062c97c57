"""Statements compiled once and run straight through the driver: for the hot path.

SQLAlchemy Core's ``conn.execute(statement)`` looks the statement up in its
compiled cache, builds an execution context and processes every parameter and
result value, on every call: about 20 µs a statement, more than SQLite takes to
run most of officekit's. An operation runs a handful of statements (lock the
office row, change its rows, append the event), so that overhead is most of what
an operation costs beyond its commit.

A [`Prepared`][officekit.core.prepared.Prepared] statement is compiled once per
dialect, with its bind and result processors (the types' own conversions: an
aware datetime stored as UTC text on SQLite, a boolean as an integer) looked up
once, and is run on a cursor of the connection's own driver connection, in its
transaction. A driver error is raised as SQLAlchemy would raise it
(``sqlalchemy.exc.IntegrityError`` and the other ``DBAPIError`` classes). When
the engine echoes SQL, or something listens to its ``before_cursor_execute`` or
``after_cursor_execute`` events (tracing, statement counters), it runs through
``Connection.exec_driver_sql`` instead, so that they see it like any other
statement. Use it for the statements an operation runs every time; ordinary
``conn.execute`` is right for the rest.

```python
from officekit.core.prepared import Prepared

_TAKE = Prepared(
    parcels.update()
    .where(parcels.c.id == sa.bindparam("b_id"), parcels.c.status == "waiting")
    .values(status="collected", collected_at=sa.bindparam("b_at"))
    .returning(parcels.c.id, parcels.c.collected_at)
)
row = _TAKE.first(conn, {"b_id": 7, "b_at": now})  # a tuple, values converted, or None
```
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Prepared"]

_Processor = Callable[[Any], Any]


class _Compiled:
    """One statement compiled for one dialect, with its processors."""

    __slots__ = ("binds", "fixed", "named", "names", "results", "sql", "types")

    def __init__(self, statement: sa.Executable, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled = statement.compile(  # type: ignore[attr-defined]
            dialect=dialect,
            column_keys=list(keys) if keys else None,
        )
        assert isinstance(compiled, SQLCompiler)
        self.sql: str = compiled.string
        if "POSTCOMPILE" in self.sql:
            raise ValueError(
                "a Prepared statement cannot expand parameters at run time (an IN of a list): "
                "write it as sa.or_(column == a, column == b)"
            )
        self.named = not compiled.positional
        if self.named:
            self.names: tuple[str, ...] = tuple(compiled.bind_names.values())
        else:
            assert compiled.positiontup is not None
            self.names = tuple(compiled.positiontup)
        self.binds: tuple[_Processor | None, ...] = tuple(
            _bind_processor(compiled, name, dialect) for name in self.names
        )
        # The statement's own literal values (``status == "queued"``): fixed at compile time.
        self.fixed = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        columns = getattr(statement, "selected_columns", None)
        returning = getattr(compiled, "effective_returning", None) or ()
        self.types = [c.type for c in (columns if columns is not None else returning)]
        # Made at the first result: a driver's processor may depend on the column's
        # type code in the cursor's description (PostgreSQL's numeric types do).
        self.results: tuple[_Processor | None, ...] | None = None

    def processors(self, dialect: Dialect, description: Any) -> tuple[_Processor | None, ...]:
        if self.results is None:
            codes = [d[1] for d in description] if description else [None] * len(self.types)
            self.results = tuple(
                t.dialect_impl(dialect).result_processor(dialect, code)
                for t, code in zip(self.types, codes, strict=True)
            )
        return self.results


def _bind_processor(compiled: SQLCompiler, name: str, dialect: Dialect) -> _Processor | None:
    bind = compiled.binds[name]
    processor: _Processor | None = bind.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


class _ResultCursor:
    """A statement's result through SQLAlchemy, as the few cursor methods used here."""

    def __init__(self, result: sa.CursorResult[Any]) -> None:
        self._result = result
        self.rowcount = result.rowcount
        self.description = result.cursor.description if result.cursor is not None else None

    def fetchone(self) -> Any:
        return self._result.fetchone()

    def fetchall(self) -> Any:
        return self._result.fetchall()

    def close(self) -> None:
        self._result.close()


class Prepared:
    """A statement compiled once per dialect, run through the driver with its types' conversions.

    Args:
        statement: A Core statement whose parameters are ``sa.bindparam`` objects
            (and constants). For an ``insert()`` or ``update()`` without
            ``.values()``, ``keys`` names the columns given at each call.
        keys: The column names an insert or update sets, in any order.

    Every call passes all the parameters the statement names: there is no
    default, and a missing one is a ``KeyError`` (a bug in the caller, not
    bad input).
    """

    __slots__ = ("_by_dialect", "_keys", "_statement")

    def __init__(self, statement: sa.Executable, *, keys: Sequence[str] = ()) -> None:
        self._statement = statement
        self._keys = tuple(keys)
        self._by_dialect: dict[tuple[Any, ...], _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        # What the SQL text depends on; not the dialect object, which is one per engine.
        key = (type(dialect), dialect.paramstyle, getattr(dialect, "server_version_info", None))
        compiled = self._by_dialect.get(key)
        if compiled is None:
            compiled = self._by_dialect[key] = _Compiled(self._statement, dialect, self._keys)
        return compiled

    def _run(self, conn: sa.Connection, params: Mapping[str, Any]) -> tuple[_Compiled, Any]:
        """Run it on ``conn``'s driver connection (in its transaction); return the cursor."""
        compiled = self._compiled(conn.dialect)
        values: list[Any] = []
        fixed = compiled.fixed
        for name, process in zip(compiled.names, compiled.binds, strict=True):
            if name in params:
                value = params[name]
            elif name in fixed:
                value = fixed[name]
            else:
                raise KeyError(f"the statement needs the parameter {name!r}")
            values.append(process(value) if process is not None and value is not None else value)
        args: Any = dict(zip(compiled.names, values, strict=True)) if compiled.named else values
        dispatch = conn.dispatch
        if conn.engine.echo or dispatch.before_cursor_execute or dispatch.after_cursor_execute:
            # Logged, and seen by instrumentation listening to statements, as any other.
            result = conn.exec_driver_sql(compiled.sql, args if compiled.named else tuple(args))
            return compiled, _ResultCursor(result)
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, args)
        except conn.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            # What SQLAlchemy raises for the same error (IntegrityError, OperationalError, ...).
            raise sa.exc.DBAPIError.instance(
                compiled.sql, args, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
            ) from exc
        return compiled, cursor

    @staticmethod
    def _convert(processors: tuple[_Processor | None, ...], row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            process(value) if process is not None and value is not None else value
            for process, value in zip(processors, row, strict=True)
        )

    def all(self, conn: sa.Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it and return every row, each a tuple of converted values."""
        compiled, cursor = self._run(conn, params)
        try:
            processors = compiled.processors(conn.dialect, cursor.description)
            return [self._convert(processors, row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, conn: sa.Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run it and return its first row converted, or None when there is none."""
        compiled, cursor = self._run(conn, params)
        try:
            processors = compiled.processors(conn.dialect, cursor.description)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else self._convert(processors, row)

    def rowcount(self, conn: sa.Connection, params: Mapping[str, Any]) -> int:
        """Run it (an update or delete) and return how many rows it changed."""
        _, cursor = self._run(conn, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()
