"""The analysis's queries: every metric of every desk in one aggregate pass over the event log.

[`MetricQuery`][officekit.plugins.reviews.engine.MetricQuery] compiles a set of
[`Metric`][officekit.plugins.reviews.metrics.Metric] objects into a single
``SELECT ... FROM events WHERE office_id = ? AND occurred_at in the period GROUP BY
actor, credited`` whose columns are the metrics' tallies (``SUM(CASE WHEN operation
IN (...) AND <detail conditions> THEN <value or 1> END)``). The database reads each
event once and returns one row per (actor, credited person) pair: a few dozen rows
however many events, so memory stays flat. The statement is built once per set of
metrics and reused with new bound values.

An event's ``detail`` is JSON text; the conditions and values read it with each
backend's JSON functions (SQLite ``json_extract``, PostgreSQL ``->``/``->>`` on a
``jsonb`` cast), only for events of the tally's operations (``CASE`` evaluates the
operation first), so a row of another operation is never parsed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from officekit.core.store import DETAIL_JSON, UTCDateTime, events
from officekit.errors import PluginError
from officekit.plugins.reviews.metrics import Metric, Tally

__all__ = [
    "SHIFT_END",
    "SHIFT_START",
    "MetricQuery",
    "Totals",
    "by_hour",
    "detail_matches",
    "detail_number",
    "detail_source",
    "hours_of_day",
    "iter_shifts",
]

SHIFT_START = "desk.start_shift"
"""The operation that starts a shift (the hours worked run from it)."""
SHIFT_END = "desk.end_shift"
"""The operation that ends a shift."""


# -- reading a detail key, portably -------------------------------------------------------


class detail_number(FunctionElement[float]):  # noqa: N801 - used like a SQL function
    """The number at ``key`` of an event's ``detail`` (NULL when absent; true is 1).

    Args:
        column: The ``detail`` column.
        key: A detail key (a lower-case identifier, checked by the metric).
    """

    type = sa.Float()
    name = "detail_number"
    inherit_cache = True
    # The key is part of the SQL, so it must be part of the statement cache's key too.
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy reads it as is
        *FunctionElement._traverse_internals,
        ("key", InternalTraversal.dp_string),
    ]

    def __init__(self, column: Any, key: str) -> None:
        self.key = key
        super().__init__(column)


class detail_matches(FunctionElement[bool]):  # noqa: N801 - used like a SQL function
    """Whether ``key`` of an event's ``detail`` holds ``value`` (a bool, int or str).

    Args:
        column: The ``detail`` column.
        key: A detail key.
        value: The JSON value it must equal.
    """

    type = sa.Boolean()
    name = "detail_matches"
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy reads it as is
        *FunctionElement._traverse_internals,
        ("key", InternalTraversal.dp_string),
        ("typed_value", InternalTraversal.dp_string),
    ]

    def __init__(self, column: Any, key: str, value: bool | int | str) -> None:
        self.key = key
        self.value = value
        # True and 1 compare equal in Python: the type keeps them apart in the cache key.
        self.typed_value = f"{type(value).__name__}:{value}"
        super().__init__(column)


def _column(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses.clauses
    return compiler.process(column, **kw)


def _literal(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return "'" + text.replace("'", "''") + "'"


@compiles(detail_number)
@compiles(detail_matches)
def _no_json(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(
        f"reading a detail key has no SQL for the {compiler.dialect.name} backend "
        "(officekit supports SQLite and PostgreSQL)"
    )


@compiles(detail_number, "sqlite")
def _number_sqlite(element: detail_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_extract({_column(element, compiler, **kw)}, '$.{element.key}')"


def _jsonb(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    """The detail as ``jsonb``: the column itself when it is one, else cast (parsed)."""
    (column,) = element.clauses.clauses
    col = compiler.process(column, **kw)
    return col if isinstance(column.type, JSONB) else f"CAST({col} AS JSONB)"


@compiles(detail_number, "postgresql")
def _number_pg(element: detail_number, compiler: SQLCompiler, **kw: Any) -> str:
    # jsonb_typeof keeps a string or an object from failing the cast: it reads as NULL.
    field = f"({_jsonb(element, compiler, **kw)} -> '{element.key}')"
    return (
        f"(CASE jsonb_typeof({field})"
        f" WHEN 'number' THEN CAST({field} #>> '{{}}' AS DOUBLE PRECISION)"
        f" WHEN 'boolean' THEN CASE WHEN CAST({field} AS TEXT) = 'true' THEN 1.0 ELSE 0.0 END END)"
    )


@compiles(detail_matches, "sqlite")
def _matches_sqlite(element: detail_matches, compiler: SQLCompiler, **kw: Any) -> str:
    value = element.value
    field = f"json_extract({_column(element, compiler, **kw)}, '$.{element.key}')"
    if isinstance(value, bool):
        # json_extract gives 1/0 for true/false: tell them from the numbers by the type.
        kind = "'true'" if value else "'false'"
        return f"(json_type({_column(element, compiler, **kw)}, '$.{element.key}') = {kind})"
    if isinstance(value, int):  # and not true, which json_extract also reads as 1
        kind = f"json_type({_column(element, compiler, **kw)}, '$.{element.key}')"
        return f"({field} = {int(value)} AND {kind} = 'integer')"
    return f"({field} = {_literal(value)})"


@compiles(detail_matches, "postgresql")
def _matches_pg(element: detail_matches, compiler: SQLCompiler, **kw: Any) -> str:
    wanted = _literal(json.dumps(element.value))
    return f"(({_jsonb(element, compiler, **kw)} -> '{element.key}') = CAST({wanted} AS JSONB))"


# -- the query ------------------------------------------------------------------------------


def detail_source(dialect: str) -> Any:
    """The events' columns an aggregate reads, with ``detail`` as the backend reads it best.

    ``.c.actor_id``, ``.c.operation`` and ``.c.detail``: the text on SQLite, the
    stored ``jsonb`` copy on PostgreSQL (the detail functions then parse nothing).
    """
    if dialect != "postgresql":
        return events
    detail = sa.literal_column(f"events.{DETAIL_JSON}", JSONB)
    columns = SimpleNamespace(
        actor_id=events.c.actor_id, operation=events.c.operation, detail=detail
    )
    return SimpleNamespace(c=columns)


def tally_condition(tally: Tally, source: Any = events) -> sa.ColumnElement[bool]:
    """The SQL condition an event meets to count in ``tally`` (operation, then detail).

    ``source`` is the events table, or a subquery with its ``operation`` and ``detail``.
    """
    ops = tally.operations
    operation = source.c.operation
    cond: sa.ColumnElement[bool] = operation == ops[0] if len(ops) == 1 else operation.in_(ops)
    for key, value in sorted(tally.where.items()):
        cond = sa.and_(cond, detail_matches(source.c.detail, key, value))
    return cond


def tally_value(tally: Tally, source: Any = events) -> sa.ColumnElement[Any]:
    """What an event of ``tally`` adds: 1, or its detail value."""
    if tally.value is None:
        return sa.literal(1.0)
    return detail_number(source.c.detail, tally.value)


def credits(metrics: Iterable[Metric]) -> dict[str, str]:
    """The detail key each operation credits, from the metrics' tallies.

    Raises:
        PluginError: Two tallies of one operation credit different keys.
    """
    found: dict[str, tuple[str, str]] = {}
    for metric in metrics:
        for tally in metric.tallies():
            if tally.credit is None:
                continue
            for op in tally.operations:
                seen = found.setdefault(op, (tally.credit, metric.key))
                if seen[0] != tally.credit:
                    raise PluginError(
                        f"metrics {seen[1]!r} and {metric.key!r} credit {op} events to "
                        f"different detail keys ({seen[0]!r}, {tally.credit!r}): one operation "
                        "credits one key"
                    )
    return {op: key for op, (key, _) in found.items()}


@attrs.frozen
class Totals:
    """The tallies of a period, per person and for the office.

    Attributes:
        people: For each member of staff's id, each tally's sum (by the tally's index).
        office: Each tally's sum over everyone (the office's own events included).
        parts: For a tally of a metric broken down by a detail key, its office-wide
            sum for each value of that key (``"(none)"`` for events without it).
    """

    people: Mapping[int, Sequence[float]]
    office: Sequence[float]
    parts: Mapping[int, Mapping[str, float]] = attrs.field(factory=dict)


class MetricQuery:
    """One aggregate query computing every tally of a set of metrics, per person.

    Built once for a set of metrics (the analysis keeps it); `run` binds the
    office and the period.

    The query groups the period's events by actor, operation and credited person.
    A tally that counts every event of its operations needs no column: the group's
    ``count(*)`` is it. The others (a condition on the detail, or a detail value
    summed) get a *slot*: the slots of one operation are numbered from 0, and column
    ``s<j>`` is ``SUM(CASE operation WHEN <op> THEN <op's j-th expression> ... END)``,
    so each event is matched against its operation once per slot, however many
    metrics there are, and the database keeps a handful of sums, not one per tally.

    Args:
        metrics: The metrics whose tallies it computes.

    Raises:
        PluginError: Two tallies of one operation credit different detail keys.
    """

    def __init__(self, metrics: Sequence[Metric]) -> None:
        self.tallies: list[Tally] = []
        index: dict[tuple[object, ...], int] = {}
        for metric in metrics:
            for tally in metric.tallies():
                index.setdefault(tally.identity(), len(self.tallies))
                if len(self.tallies) < len(index):
                    self.tallies.append(tally)
        self._index = index
        self._credits = credits(metrics)
        ops = sorted({op for t in self.tallies for op in t.operations})
        self.operations: tuple[str, ...] = tuple(ops)
        # Which tally reads which slot of its operation (None: the group's count).
        self._reads: dict[str, list[tuple[int, int | None]]] = {op: [] for op in ops}
        self._slots: dict[str, list[Tally]] = {op: [] for op in ops}
        for i, tally in enumerate(self.tallies):
            for op in tally.operations:
                if not tally.where and tally.value is None:
                    self._reads[op].append((i, None))
                    continue
                self._reads[op].append((i, len(self._slots[op])))
                self._slots[op].append(tally)
        # The breakdowns (by a detail key) ride along: the query also groups by the
        # key of each operation a metric breaks down, where all of one operation's
        # metrics agree on the key; another is read by its own query (`breakdown`).
        self._part_key: dict[str, str] = {}
        for metric in metrics:
            key = metric.breakdown
            if key is None or key == WEEKDAY:
                continue
            for op in metric.operations():
                self._part_key.setdefault(op, key)
        self.broken_down = frozenset(
            m.key
            for m in metrics
            if m.breakdown not in (None, WEEKDAY)
            and all(self._part_key.get(op) == m.breakdown for op in m.operations())
        )
        self._statements: dict[str, sa.Select[Any]] = {}

    def statement(self, dialect: str) -> sa.Select[Any]:
        """The query for a backend (built once each).

        On SQLite the aggregates read the ``detail`` text (``json_extract`` is cheap);
        on PostgreSQL, its parsed copy, ``events.detail_json`` (see
        [`DETAIL_JSON`][officekit.core.store.DETAIL_JSON]).
        """
        found = self._statements.get(dialect)
        if found is None:
            found = self._statements[dialect] = self._build(dialect)
        return found

    def _build(self, dialect: str) -> sa.Select[Any]:
        where = [
            events.c.office_id == sa.bindparam("b_office_id"),
            events.c.occurred_at >= sa.bindparam("b_start"),
            events.c.occurred_at < sa.bindparam("b_end"),
            events.c.outcome == "ok",
        ]
        if self.operations:
            where.append(events.c.operation.in_(self.operations))
        source = detail_source(dialect)
        operation = source.c.operation
        columns = []
        width = max((len(v) for v in self._slots.values()), default=0)
        for j in range(width):
            whens = {}
            for op, tallies in self._slots.items():
                if len(tallies) <= j:
                    continue
                tally = tallies[j]
                expr: sa.ColumnElement[Any] = tally_value(tally, source)
                if tally.where:
                    conds = [
                        detail_matches(source.c.detail, key, value)
                        for key, value in sorted(tally.where.items())
                    ]
                    expr = sa.case((sa.and_(*conds), expr), else_=sa.null())
                whens[op] = expr
            columns.append(
                sa.func.sum(sa.case(whens, value=operation, else_=sa.null())).label(f"s{j}")
            )
        part: sa.ColumnElement[Any] = (
            sa.case(
                {
                    op: detail_text(source.c.detail, key)
                    for op, key in sorted(self._part_key.items())
                },
                value=operation,
                else_=sa.null(),
            )
            if self._part_key
            else sa.cast(sa.null(), sa.String)
        ).label("part")
        credited: sa.ColumnElement[Any]
        if self._credits:
            credited = sa.case(
                {
                    op: sa.cast(detail_number(source.c.detail, key), sa.Integer)
                    for op, key in sorted(self._credits.items())
                },
                value=operation,
                else_=sa.null(),
            )
        else:
            credited = sa.cast(sa.null(), sa.Integer)
        credited = credited.label("credited")
        return (
            sa.select(source.c.actor_id, operation, credited, part, sa.func.count(), *columns)
            .where(*where)
            .group_by(
                source.c.actor_id,
                operation,
                sa.literal_column("credited"),
                sa.literal_column("part"),
            )
        )

    def index_of(self, tally: Tally) -> int:
        """Where ``tally``'s sum is in [`Totals`][officekit.plugins.reviews.engine.Totals]."""
        return self._index[tally.identity()]

    def run(
        self, conn: sa.Connection, office_id: int, start: dt.datetime, end: dt.datetime
    ) -> Totals:
        """Sum every tally over the office's events in ``[start, end)``."""
        n = len(self.tallies)
        people: dict[int, list[float]] = defaultdict(lambda: [0.0] * n)
        office = [0.0] * n
        if not n:
            return Totals({}, office)
        credited_tally = [t.credit is not None for t in self.tallies]
        parts: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        rows = conn.execute(
            self.statement(conn.dialect.name),
            {"b_office_id": office_id, "b_start": start, "b_end": end},
        )
        for row in rows:
            actor, operation, credited, part, count, *sums = row
            split = operation in self._part_key
            for i, slot in self._reads.get(operation, ()):
                value = count if slot is None else sums[slot]
                if not value:
                    continue
                office[i] += value
                if split:
                    parts[i]["(none)" if part is None else str(part)] += value
                who = credited if credited_tally[i] else actor
                if who is not None:
                    people[int(who)][i] += value
        return Totals(dict(people), office, {i: dict(v) for i, v in parts.items()})

    def parts_of(self, totals: Totals, metric: Metric) -> dict[str, tuple[float, float]]:
        """A metric's ``of`` and ``per`` sums for each value of its breakdown, from ``totals``.

        Empty when the query could not break it down (see ``broken_down``).
        """
        per = metric.per
        if metric.key not in self.broken_down or not isinstance(per, Tally):
            return {}
        of_parts = totals.parts.get(self.index_of(metric.of), {})
        per_parts = totals.parts.get(self.index_of(per), {})
        return {
            name: (of_parts.get(name, 0.0), per_parts.get(name, 0.0))
            for name in sorted(set(of_parts) | set(per_parts))
        }


# -- hours worked, and the load by hour ------------------------------------------------------


def _shift_query() -> sa.Select[Any]:
    shifts = (
        sa.select(
            events.c.actor_id,
            events.c.operation,
            events.c.occurred_at,
            sa.func.lead(events.c.operation)
            .over(partition_by=events.c.actor_id, order_by=events.c.seq)
            .label("next_op"),
            sa.func.lead(events.c.occurred_at, type_=UTCDateTime)
            .over(partition_by=events.c.actor_id, order_by=events.c.seq)
            .label("next_at"),
        )
        .where(
            events.c.office_id == sa.bindparam("b_office_id"),
            events.c.operation.in_((SHIFT_START, SHIFT_END)),
            events.c.outcome == "ok",
            events.c.occurred_at >= sa.bindparam("b_start"),
            events.c.occurred_at < sa.bindparam("b_end"),
        )
        .subquery()
    )
    return (
        sa.select(shifts.c.actor_id, shifts.c.occurred_at, shifts.c.next_at)
        .where(shifts.c.operation == SHIFT_START, shifts.c.next_op == SHIFT_END)
        .order_by(shifts.c.actor_id, shifts.c.occurred_at)
    )


_SHIFTS = _shift_query()


def iter_shifts(
    conn: sa.Connection, office_id: int, start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[int, dt.datetime, dt.datetime]]:
    """Each shift in ``[start, end)``, ``(staff id, started, ended)``, streamed in batches.

    A shift is a ``desk.start_shift`` followed by that person's next shift event,
    a ``desk.end_shift``, both in the period; a shift still open at the end of the
    period, or one started before it, does not count (a review's period is whole
    office days, and shifts do not cross midnight). The rows are shifts (two
    events a person a day, read through the operation index), not the log; whoever
    reads them keeps what they add up, not the shifts.
    """
    # The option on the statement, not the connection: Connection.execution_options
    # would stream every later query of the transaction through a server-side cursor.
    rows = conn.execute(
        _SHIFTS.execution_options(stream_results=True, yield_per=20_000),
        {"b_office_id": office_id, "b_start": start, "b_end": end},
    )
    for actor, began, ended in rows:
        if actor is not None:
            yield int(actor), _aware(began), _aware(ended)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def by_hour(
    conn: sa.Connection,
    office_id: int,
    start: dt.datetime,
    end: dt.datetime,
    tally: Tally,
) -> dict[dt.datetime, float]:
    """A tally's office-wide sum per UTC hour of ``[start, end)`` (keys: the hours' starts).

    The database groups the tally's events (read through the operation index) by
    hour: at most 24 rows a day.
    """
    source = detail_source(conn.dialect.name)
    if conn.dialect.name == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): the hour is the first 13 characters.
        bucket: Any = sa.func.substr(events.c.occurred_at, 1, 13)
    else:
        bucket = sa.func.to_char(sa.func.timezone("UTC", events.c.occurred_at), "YYYY-MM-DD HH24")
    stmt = (
        sa.select(
            bucket.label("hour"),
            sa.func.sum(
                sa.case(
                    (tally_condition(tally, source), tally_value(tally, source)), else_=sa.null()
                )
            ),
        )
        .where(
            events.c.office_id == office_id,
            events.c.operation.in_(tally.operations),
            events.c.outcome == "ok",
            events.c.occurred_at >= start,
            events.c.occurred_at < end,
        )
        .group_by(sa.literal_column("hour"))
    )
    found: dict[dt.datetime, float] = {}
    for hour, total in conn.execute(stmt):
        if total:  # 'YYYY-MM-DD HH' (strptime is ten times slower, at 24 rows a day)
            utc = dt.datetime(
                int(hour[:4]), int(hour[5:7]), int(hour[8:10]), int(hour[11:13]), tzinfo=dt.UTC
            )
            found[utc] = float(total)
    return found


def hours_of_day(hourly: Mapping[dt.datetime, float], tz: dt.tzinfo) -> list[int]:
    """Counts per UTC hour (as `by_hour` gives them) added up by hour of the day, office time.

    Each UTC hour is moved to its local hour, so a change of the clocks is counted right.
    """
    counts = [0] * 24
    for utc, count in hourly.items():
        counts[utc.astimezone(tz).hour] += int(count)
    return counts


class detail_text(FunctionElement[str]):  # noqa: N801 - used like a SQL function
    """The value at ``key`` of an event's ``detail`` as text (NULL when absent).

    Args:
        column: The ``detail`` column.
        key: A detail key.
    """

    type = sa.String()
    name = "detail_text"
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy reads it as is
        *FunctionElement._traverse_internals,
        ("key", InternalTraversal.dp_string),
    ]

    def __init__(self, column: Any, key: str) -> None:
        self.key = key
        super().__init__(column)


@compiles(detail_text)
def _no_text(element: detail_text, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"detail_text has no SQL for the {compiler.dialect.name} backend")


@compiles(detail_text, "sqlite")
def _text_sqlite(element: detail_text, compiler: SQLCompiler, **kw: Any) -> str:
    # As PostgreSQL's ->> gives it: true and false as words, not json_extract's 1 and 0.
    col = _column(element, compiler, **kw)
    path = f"'$.{element.key}'"
    return (
        f"CASE json_type({col}, {path}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
        f"ELSE CAST(json_extract({col}, {path}) AS TEXT) END"
    )


@compiles(detail_text, "postgresql")
def _text_pg(element: detail_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({_jsonb(element, compiler, **kw)} ->> '{element.key}')"


WEEKDAY = "weekday"
"""A metric's ``breakdown`` by the day of the week its events happened (office time)."""

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""The days of the week as a weekday breakdown names them, Monday first."""


def credited_to(tally: Tally, staff_id: int) -> sa.ColumnElement[bool]:
    """The condition that an event of ``tally`` counts for ``staff_id``."""
    if tally.credit is None:
        return events.c.actor_id == staff_id
    return sa.cast(detail_number(events.c.detail, tally.credit), sa.Integer) == staff_id


def breakdown(
    conn: sa.Connection,
    office_id: int,
    start: dt.datetime,
    end: dt.datetime,
    metric: Metric,
    tz: dt.tzinfo = dt.UTC,
) -> dict[str, tuple[float, float]]:
    """A metric's ``of`` and ``per`` sums for each value of its ``breakdown`` (office-wide).

    Only for a metric whose ``per`` is a tally and that has a breakdown; an event
    without the breakdown key is grouped under ``"(none)"``. By ``"weekday"``, the
    day of the week in the office's timezone ``tz`` (the database sums per UTC hour,
    each hour is then moved to its local day).
    """
    per = metric.per
    if metric.breakdown is None or not isinstance(per, Tally):
        return {}
    if metric.breakdown == WEEKDAY:
        days: dict[str, list[float]] = {}
        for i, tally in enumerate((metric.of, per)):
            for hour, amount in by_hour(conn, office_id, start, end, tally).items():
                name = WEEKDAYS[hour.astimezone(tz).weekday()]
                days.setdefault(name, [0.0, 0.0])[i] += amount
        return {
            name: (v[0], v[1])
            for name, v in sorted(days.items(), key=lambda kv: WEEKDAYS.index(kv[0]))
        }
    source = detail_source(conn.dialect.name)
    key = detail_text(source.c.detail, metric.breakdown)
    of = metric.of
    stmt = (
        sa.select(
            key.label("part"),
            sa.func.sum(
                sa.case((tally_condition(of, source), tally_value(of, source)), else_=sa.null())
            ),
            sa.func.sum(
                sa.case((tally_condition(per, source), tally_value(per, source)), else_=sa.null())
            ),
        )
        .where(
            events.c.office_id == office_id,
            events.c.occurred_at >= start,
            events.c.occurred_at < end,
            events.c.outcome == "ok",
            events.c.operation.in_(metric.operations()),
        )
        .group_by(sa.literal_column("part"))
    )
    parts: dict[str, tuple[float, float]] = {}
    for part, of_sum, per_sum in conn.execute(stmt):
        name = "(none)" if part is None else str(part)
        parts[name] = (float(of_sum or 0.0), float(per_sum or 0.0))
    return parts
