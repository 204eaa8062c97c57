"""Writing and finding records in SQL: what the desk and spreadsheet imports share.

[`insert_normalised`][officekit.plugins.clerk.records.core.insert_normalised]
inserts many normalised records at once (``INSERT ... ON CONFLICT DO NOTHING``
on the record's fingerprint, so the same row imported twice is added once);
[`find_duplicates`][officekit.plugins.clerk.records.core.find_duplicates] finds
a record's likely duplicates by the indexed columns, then compares names.
Both run on a connection the caller's transaction owns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from officekit.plugins.clerk.records.fields import canonical, name_key, name_similarity
from officekit.plugins.clerk.records.settings import RecordKind
from officekit.plugins.clerk.records.tables import records

__all__ = [
    "ERASED",
    "Duplicate",
    "columns_of",
    "find_duplicates",
    "insert_normalised",
]

ERASED = {"erased": True}
"""What an erased record's values are replaced with."""

_sha256 = hashlib.sha256  # as fields.fingerprint

_KEYS = (
    "office_id",
    "kind",
    "data",
    "phone",
    "email",
    "name_key",
    "birth_date",
    "fingerprint",
    "source",
    "entered_by",
    "entered_at",
    "updated_at",
)

# Built once, per backend: the database skips a record whose fingerprint it has.
_INSERTS: dict[str, Any] = {
    "sqlite": sqlite.insert(records).on_conflict_do_nothing(
        index_elements=["office_id", "kind", "fingerprint"]
    ),
    "postgresql": postgresql.insert(records).on_conflict_do_nothing(
        index_elements=["office_id", "kind", "fingerprint"]
    ),
}


class _Many:
    """``_INSERTS`` compiled once per dialect and run through the driver's ``executemany``.

    What [`Prepared`][officekit.core.prepared.Prepared] does for one statement,
    for a batch of rows: the SQL and the columns' bind processors (an aware
    datetime as UTC text on SQLite) are looked up once; a driver error is raised
    as SQLAlchemy raises it; with echo or cursor-execute listeners, the batch goes
    through ``Connection.exec_driver_sql`` so that they see it.
    """

    def __init__(self) -> None:
        self._by_dialect: dict[tuple[Any, ...], tuple[str, bool, tuple[Any, ...]]] = {}

    def _compiled(self, dialect: sa.engine.Dialect) -> tuple[str, bool, tuple[Any, ...]]:
        key = (type(dialect), dialect.paramstyle, getattr(dialect, "server_version_info", None))
        hit = self._by_dialect.get(key)
        if hit is None:
            compiled = _INSERTS[dialect.name].compile(dialect=dialect, column_keys=list(_KEYS))
            names = (
                tuple(compiled.positiontup)
                if compiled.positional
                else tuple(compiled.bind_names.values())
            )
            if names != _KEYS:  # the values are given in _KEYS' order
                raise AssertionError(f"unexpected parameters {names}")
            processors = tuple(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names
            )
            hit = self._by_dialect[key] = (compiled.string, not compiled.positional, processors)
        return hit

    def run(self, conn: sa.Connection, rows: list[tuple[Any, ...]]) -> int:
        """Insert ``rows`` (values in ``_KEYS`` order); how many were inserted."""
        sql, named, processors = self._compiled(conn.dialect)
        todo = [(i, p) for i, p in enumerate(processors) if p is not None]
        if todo:
            converted = []
            for row in rows:
                values = list(row)
                for i, process in todo:
                    if values[i] is not None:
                        values[i] = process(values[i])
                converted.append(values)
        else:
            converted = [list(row) for row in rows]
        args: list[Any] = (
            [dict(zip(_KEYS, values, strict=True)) for values in converted] if named else converted
        )
        dispatch = conn.dispatch
        if conn.engine.echo or dispatch.before_cursor_execute or dispatch.after_cursor_execute:
            result = conn.exec_driver_sql(sql, args if named else [tuple(a) for a in args])
            return int(result.rowcount)
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        cursor = dbapi_connection.cursor()
        error = conn.dialect.loaded_dbapi.Error
        try:
            cursor.executemany(sql, args)
            return int(cursor.rowcount)
        except error as exc:
            raise sa.exc.DBAPIError.instance(sql, args, exc, error, dialect=conn.dialect) from exc
        finally:
            cursor.close()


_INSERT_MANY = _Many()


class _KindColumns:
    """What ``columns_of`` needs of a kind, looked up once."""

    __slots__ = ("birth_date", "email", "kind", "name", "names", "phone")

    def __init__(self, kind: RecordKind) -> None:
        self.kind = kind
        self.name = kind.name
        self.phone = kind.phone_field
        self.email = kind.email_field
        self.birth_date = kind.birth_date
        self.names = tuple(kind.name_fields)


_BY_KIND: dict[int, _KindColumns] = {}


def _kind_columns(kind: RecordKind) -> _KindColumns:
    hit = _BY_KIND.get(id(kind))
    if hit is None or hit.kind is not kind:
        if len(_BY_KIND) > 256:
            _BY_KIND.clear()
        hit = _BY_KIND[id(kind)] = _KindColumns(kind)
    return hit


def _columns(k: _KindColumns, data: Mapping[str, Any]) -> tuple[str, str, Any, Any, Any, Any]:
    """data, fingerprint, phone, email, name_key, birth_date."""
    text = canonical(data)
    email = data.get(k.email) if k.email else None
    name = " ".join([str(data[f]) for f in k.names if data.get(f)]) if k.names else ""
    return (
        text,
        _sha256(f"{k.name}\n{text}".encode()).hexdigest(),
        data.get(k.phone) if k.phone else None,
        email.lower() if isinstance(email, str) else None,
        name_key(name)[:500] or None if name else None,
        data.get(k.birth_date) if k.birth_date else None,
    )


@attrs.frozen
class Duplicate:
    """A record that is likely the same person (or thing) as another.

    Attributes:
        record_id: The existing record.
        reasons: Why: ``"identical"``, ``"phone"``, ``"email"``, ``"name_and_birth_date"``.
        similarity: How alike the names are (0 to 1), when they were compared.
    """

    record_id: int
    reasons: tuple[str, ...]
    similarity: float | None = None


def columns_of(kind: RecordKind, data: Mapping[str, Any]) -> dict[str, Any]:
    """The columns a record's values give: data, fingerprint and what duplicates compare."""
    text, print_, phone, email, key, born = _columns(_kind_columns(kind), data)
    return {
        "data": text,
        "fingerprint": print_,
        "phone": phone,
        "email": email,
        "name_key": key,
        "birth_date": born,
    }


def insert_normalised(
    conn: sa.Connection,
    office_id: int,
    kind: RecordKind,
    rows: Sequence[Mapping[str, Any]],
    *,
    entered_by: int | None,
    now: dt.datetime,
    source_of: Callable[[int], str | None] | None = None,
) -> tuple[int, int]:
    """Insert many records of ``kind``, already normalised, in one batch of statements.

    A row whose fingerprint (its kind and values) the office already has, or that
    came earlier in ``rows``, is skipped by the database. Nothing is recorded in
    the event log: the caller's operation does that.

    Args:
        conn: A connection in the caller's write transaction.
        office_id: The office.
        kind: The kind of every row.
        rows: Values as [`normalise`][officekit.plugins.clerk.records.fields.normalise]
            returns them (only rows without problems).
        entered_by: The member of staff entering them, if any.
        now: When (aware).
        source_of: Gives the ``source`` of the row at an index (``import:<sha256>:<row>``).

    Returns:
        How many were inserted, and how many were already there.
    """
    if not rows:
        return 0, 0
    k = _kind_columns(kind)
    name = k.name
    params = []
    for i, data in enumerate(rows):
        text, print_, phone, email, key, born = _columns(k, data)
        source = source_of(i) if source_of is not None else None
        params.append(
            (office_id, name, text, phone, email, key, born, print_, source, entered_by, now, now)
        )
    inserted = _INSERT_MANY.run(conn, params)
    return inserted, len(rows) - inserted


_LIVE = (records.c.merged_into.is_(None), records.c.erased_at.is_(None))
_CANDIDATES = sa.select(
    records.c.id, records.c.phone, records.c.email, records.c.name_key, records.c.birth_date,
    records.c.fingerprint,
).where(
    records.c.office_id == sa.bindparam("b_office_id"),
    records.c.kind == sa.bindparam("b_kind"),
    *_LIVE,
    sa.or_(
        records.c.fingerprint == sa.bindparam("b_fingerprint"),
        records.c.phone == sa.bindparam("b_phone"),
        records.c.email == sa.bindparam("b_email"),
        records.c.birth_date == sa.bindparam("b_birth_date"),
    ),
    records.c.id != sa.bindparam("b_exclude"),
).order_by(records.c.id)  # fmt: skip


def find_duplicates(
    conn: sa.Connection,
    office_id: int,
    kind: RecordKind,
    data: Mapping[str, Any],
    *,
    threshold: float,
    exclude: int | None = None,
) -> list[Duplicate]:
    """Find the live records of ``kind`` that are likely the same as ``data``.

    A record is a likely duplicate when it has the same values (``identical``),
    the same phone number, the same email address (ignoring case), or the same
    date of birth and a name at least ``threshold`` alike
    ([`name_similarity`][officekit.plugins.clerk.records.fields.name_similarity]).
    A shared name alone never makes a duplicate. Merged and erased records are
    not compared.

    Args:
        conn: A connection.
        office_id: The office.
        kind: The kind.
        data: Normalised values.
        threshold: The name similarity from ``[records] name_similarity``.
        exclude: A record id not to report (the record itself).
    """
    mine = columns_of(kind, data)
    rows = conn.execute(
        _CANDIDATES,
        {
            "b_office_id": office_id,
            "b_kind": kind.name,
            "b_fingerprint": mine["fingerprint"],
            "b_phone": mine["phone"],
            "b_email": mine["email"],
            "b_birth_date": mine["birth_date"],
            "b_exclude": -1 if exclude is None else exclude,
        },
    ).all()
    found = []
    for row in rows:
        reasons = []
        similarity = None
        if row.fingerprint == mine["fingerprint"]:
            reasons.append("identical")
        if mine["phone"] is not None and row.phone == mine["phone"]:
            reasons.append("phone")
        if mine["email"] is not None and row.email == mine["email"]:
            reasons.append("email")
        if (
            mine["birth_date"] is not None
            and row.birth_date == mine["birth_date"]
            and mine["name_key"]
            and row.name_key
        ):
            similarity = round(name_similarity(mine["name_key"], row.name_key), 3)
            if similarity >= threshold:
                reasons.append("name_and_birth_date")
        if reasons:
            found.append(Duplicate(row.id, tuple(reasons), similarity))
    return found


def load_data(text: str) -> dict[str, Any]:
    """A record's values from their stored JSON."""
    data: dict[str, Any] = json.loads(text)
    return data
