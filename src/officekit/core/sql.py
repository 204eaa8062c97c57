"""SQL building blocks that differ between backends, for any desk's statistics.

A desk's figures over a period (counts, shares, mean durations) belong in one
aggregate query run by the database, not in Python over every row: the rows
never leave the database, and memory stays the same however many there are.
What such a query cannot write portably is here, as SQLAlchemy expressions that
compile to each backend's own SQL (SQLite and PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["seconds_between"]


class seconds_between(FunctionElement[float]):  # noqa: N801 - used like a SQL function
    """Seconds from ``earlier`` to ``later``, two datetime columns or expressions, as a float.

    The result is exact to the microsecond and equals Python's
    ``(later - earlier).total_seconds()`` on both backends (the same float), so a
    comparison with a threshold (``seconds_between(a, b) <= 20.0``) decides as Python
    would, even for a duration exactly on it. NULL when either end is NULL, which
    aggregates such as ``AVG`` skip.

    * SQLite stores an officekit datetime as text, ``YYYY-MM-DD HH:MM:SS.ffffff``
      (UTC), and its date functions keep only milliseconds (``julianday`` alone
      puts some waits of exactly 20 s a hair over 20 s). The
      microseconds are read from the text; ``julianday`` gives the duration to
      within a millisecond or two, which is enough to tell the whole seconds; the
      two are added in integer microseconds and divided once at the end.
    * PostgreSQL: ``EXTRACT(EPOCH FROM (later - earlier))``, an exact numeric, cast
      to ``DOUBLE PRECISION``.

    Other backends raise `sqlalchemy.exc.CompileError`.

    Example:
        ```python
        wait = seconds_between(calls.c.answered_at, calls.c.arrived_at)
        stmt = sa.select(
            sa.func.count().filter(wait <= sa.bindparam("target")),
            sa.func.avg(wait),
        )
        ```

    Args:
        later: The end of the duration.
        earlier: Its start.
    """

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)


def _ends(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    later, earlier = element.clauses.clauses
    return compiler.process(later, **kw), compiler.process(earlier, **kw)


@compiles(seconds_between)
def _seconds_between_default(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(
        f"seconds_between has no SQL for the {compiler.dialect.name} backend "
        "(officekit supports SQLite and PostgreSQL)"
    )


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _ends(element, compiler, **kw)
    # Characters 21-26 are the microseconds (a value stored without them reads 0).
    micro = f"(CAST(substr({later}, 21, 6) AS INTEGER) - CAST(substr({earlier}, 21, 6) AS INTEGER))"
    # julianday's duration, in microseconds, is off by at most about a millisecond (each
    # end rounded to one, and the float's error): less the microseconds' difference, it
    # is within that of a whole number of seconds, which round() finds.
    approx = f"((julianday({later}) - julianday({earlier})) * 86400000000.0)"
    whole = f"CAST(round(({approx} - {micro}) / 1000000.0) AS INTEGER)"
    return f"(({whole} * 1000000 + {micro}) / 1000000.0)"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _ends(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"
