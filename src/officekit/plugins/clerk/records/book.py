"""Records at the desk: enter, correct, merge and unmerge, erase, the legal conflict check.

``office.records`` ([`RecordBook`][officekit.plugins.clerk.records.book.RecordBook])
reads: a record, listings and counts (in SQL), a record's history.
``desk.records`` ([`RecordDesk`][officekit.plugins.clerk.records.book.RecordDesk])
performs the operations, each through ``desk.perform``: every input is checked
first, and a refused operation writes nothing.

Personal values stay in the records tables. The events carry record ids, kinds
and field names only (``docs/reference/events.md``).
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.validate import (
    check_bool,
    check_choice,
    check_int,
    check_ref,
    text_field,
    unknown_name,
)
from officekit.errors import ConflictError, NotFoundError, Problem, ValidationError
from officekit.plugins.clerk.records.core import (
    ERASED,
    Duplicate,
    columns_of,
    find_duplicates,
    load_data,
)
from officekit.plugins.clerk.records.fields import canonical, name_key, normalise, record_name
from officekit.plugins.clerk.records.settings import RECORDS, RecordKind, RecordsSettings
from officekit.plugins.clerk.records.tables import record_history, record_merges, records

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office
    from officekit.core.staff import StaffMember

__all__ = [
    "ERASURE_REASONS",
    "RECORDS_BOOK",
    "RECORD_DESK",
    "Change",
    "ConflictCheck",
    "ConflictMatch",
    "Duplicate",
    "DuplicateFound",
    "Entry",
    "Merge",
    "Record",
    "RecordBook",
    "RecordDesk",
]

ERASURE_REASONS = ("request", "retention", "mistake")
"""Why a record may be erased: a person's lawful request, the end of its retention, or
a record entered by mistake. Only the reason's name is recorded."""

MAX_PARTIES = 50
"""The most adverse parties one conflict check searches."""
MAX_LIST = 10_000
"""The most records one listing returns."""


@attrs.frozen
class Record:
    """One record: a customer, a patient, a client, a matter...

    Attributes:
        id: Database id.
        office_id: The office.
        kind: Its kind (``[records.kinds]``).
        data: Its normalised values, by field; ``{"erased": True}`` once erased.
        source: Where it came from, if imported (``import:<sha256>:<row>``).
        entered_by: The member of staff who entered it.
        entered_at: When it was entered.
        updated_at: When it last changed.
        merged_into: The record it was merged into, if it was a duplicate.
        erased_at: When its personal values were erased.
    """

    id: int
    office_id: int
    kind: str
    data: dict[str, Any]
    source: str | None
    entered_by: int | None
    entered_at: dt.datetime
    updated_at: dt.datetime
    merged_into: int | None = None
    erased_at: dt.datetime | None = None

    @property
    def erased(self) -> bool:
        """Whether its personal values were erased."""
        return self.erased_at is not None

    @property
    def merged(self) -> bool:
        """Whether it was merged into another record."""
        return self.merged_into is not None


@attrs.frozen
class Entry:
    """What entering a record gives back.

    Attributes:
        record: The new record.
        duplicates: The likely duplicates it was entered beside (with ``allow_duplicate``).
    """

    record: Record
    duplicates: tuple[Duplicate, ...] = ()


@attrs.frozen
class Change:
    """One line of a record's history.

    Attributes:
        id: Database id.
        record_id: The record.
        change: ``correct``, ``merge``, ``unmerge`` or ``erase``.
        field: The field changed (None: the record as a whole).
        old: The value before (None: none, or erased).
        new: The value after (None: none, or erased).
        merge_id: The merge, for ``merge`` and ``unmerge``.
        corrected_entry_by: Whose entry a correction corrected.
        changed_by: Who changed it.
        changed_at: When.
    """

    id: int
    record_id: int
    change: str
    field: str | None
    old: Any
    new: Any
    merge_id: int | None
    corrected_entry_by: int | None
    changed_by: int | None
    changed_at: dt.datetime


@attrs.frozen
class Merge:
    """A duplicate merged into the record kept.

    Attributes:
        id: Database id.
        record_id: The duplicate.
        into_id: The record kept.
        merged_by: Who merged them.
        merged_at: When.
        undone_by: Who undid it, if undone.
        undone_at: When it was undone.
    """

    id: int
    record_id: int
    into_id: int
    merged_by: int | None
    merged_at: dt.datetime
    undone_by: int | None = None
    undone_at: dt.datetime | None = None


@attrs.frozen
class ConflictMatch:
    """A name of a conflict check that is like a client's or a party's.

    Attributes:
        searched: What matched: ``client`` or ``adverse_parties[<i>]``.
        record_id: The record it is like.
        kind: That record's kind.
        field: ``name`` (the record's name) or the party field that matched.
        similarity: How alike the names are, 0 to 1.
    """

    searched: str
    record_id: int
    kind: str
    field: str
    similarity: float


@attrs.frozen
class ConflictCheck:
    """The result of a legal conflict check.

    Attributes:
        result: ``clear`` or ``needs_review``.
        matches: The names found alike, best first.
        event_seq: The event that records it.
    """

    result: str
    matches: tuple[ConflictMatch, ...]
    event_seq: int


class DuplicateFound(ConflictError):
    """A record was not entered: it is likely a duplicate of existing ones.

    Attributes:
        duplicates: The likely duplicates, for the clerk to decide: enter it anyway
            (``allow_duplicate=True``), or use the existing record.
    """

    def __init__(self, kind: str, duplicates: Sequence[Duplicate]) -> None:
        self.duplicates = tuple(duplicates)
        which = ", ".join(f"record {d.record_id} ({', '.join(d.reasons)})" for d in duplicates)
        super().__init__(
            f"not entered: this {kind} is likely a duplicate of {which}; check, then enter "
            "it with allow_duplicate=True, or use the existing record"
        )


def _row_to_record(row: Any) -> Record:
    return Record(
        id=row.id,
        office_id=row.office_id,
        kind=row.kind,
        data=load_data(row.data),
        source=row.source,
        entered_by=row.entered_by,
        entered_at=row.entered_at,
        updated_at=row.updated_at,
        merged_into=row.merged_into,
        erased_at=row.erased_at,
    )


def _json_or_none(text: str | None) -> Any:
    return None if text is None else json.loads(text)


_RECORD_COLUMNS = (
    records.c.id, records.c.office_id, records.c.kind, records.c.data, records.c.source,
    records.c.entered_by, records.c.entered_at, records.c.updated_at, records.c.merged_into,
    records.c.erased_at,
)  # fmt: skip
_GET = sa.select(*_RECORD_COLUMNS).where(
    records.c.id == sa.bindparam("b_id"), records.c.office_id == sa.bindparam("b_office_id")
)
_HAS_FINGERPRINT = sa.select(records.c.id).where(
    records.c.office_id == sa.bindparam("b_office_id"),
    records.c.kind == sa.bindparam("b_kind"),
    records.c.fingerprint == sa.bindparam("b_fingerprint"),
    records.c.id != sa.bindparam("b_id"),
)


def _filters(
    office_id: int,
    kind: str | None,
    include_merged: bool,
    include_erased: bool,
    entered_by: int | None,
) -> list[Any]:
    where: list[Any] = [records.c.office_id == office_id]
    if kind is not None:
        where.append(records.c.kind == kind)
    if not include_merged:
        where.append(records.c.merged_into.is_(None))
    if not include_erased:
        where.append(records.c.erased_at.is_(None))
    if entered_by is not None:
        where.append(records.c.entered_by == entered_by)
    return where


class RecordBook:
    """The office's records: ``office.records``. Reading here records nothing."""

    def __init__(self, office: Office) -> None:
        self._office = office

    @property
    def settings(self) -> RecordsSettings:
        """The profile's ``[records]`` section."""
        return self._office.profile.section(RECORDS)

    @property
    def kinds(self) -> dict[str, RecordKind]:
        """The record kinds of the office's profile, by name."""
        return self.settings.kinds

    def kind(self, name: object, where: str = "kind") -> RecordKind:
        """Return the kind called ``name``.

        Raises:
            ValidationError: The profile has no such kind.
        """
        kinds = self.kinds
        if not isinstance(name, str) or name not in kinds:
            raise ValidationError(unknown_name("record kind", name, kinds), where=where)
        return kinds[name]

    def _kind_filter(self, kind: str | None) -> str | None:
        return None if kind is None else self.kind(kind).name

    def get(self, record: Record | int) -> Record:
        """Return a record as it is now.

        Raises:
            ValidationError: ``record`` is neither a record nor an id.
            NotFoundError: The office has no such record.
        """
        record_id = check_ref(record, "record", Record, "a record")
        with self._office.engine.connect() as conn:
            row = conn.execute(_GET, {"b_id": record_id, "b_office_id": self._office.id}).first()
        if row is None:
            raise NotFoundError(f"no record with id {record_id} in this office")
        return _row_to_record(row)

    def list(
        self,
        kind: str | None = None,
        *,
        include_merged: bool = False,
        include_erased: bool = False,
        entered_by: StaffMember | int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Record]:
        """Return records, oldest first, filtered and paged by the database.

        Args:
            kind: Only this kind; None: every kind.
            include_merged: Include duplicates merged into another record.
            include_erased: Include erased records (their values are gone).
            entered_by: Only those this member of staff (or id) entered.
            limit: At most this many (1 to 10,000).
            offset: Skip this many first.

        Raises:
            ValidationError: An unknown kind, or a bad argument.
        """
        where = self._where(kind, include_merged, include_erased, entered_by)
        check_int(limit, "limit", 1, MAX_LIST)
        check_int(offset, "offset", 0, 2**31 - 1)
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(*_RECORD_COLUMNS)
                .where(*where)
                .order_by(records.c.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return [_row_to_record(r) for r in rows]

    def count(
        self,
        kind: str | None = None,
        *,
        include_merged: bool = False,
        include_erased: bool = False,
        entered_by: StaffMember | int | None = None,
    ) -> int:
        """Count records, in the database (the same filters as ``list``)."""
        where = self._where(kind, include_merged, include_erased, entered_by)
        with self._office.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one())

    def counts(self) -> dict[str, int]:
        """How many live records (not merged, not erased) of each kind, in one query."""
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(records.c.kind, sa.func.count())
                .where(*_filters(self._office.id, None, False, False, None))
                .group_by(records.c.kind)
            ).all()
        found = {str(k): int(n) for k, n in rows}
        return {kind: found.get(kind, 0) for kind in self.kinds} | found

    def _where(
        self,
        kind: str | None,
        include_merged: bool,
        include_erased: bool,
        entered_by: StaffMember | int | None,
    ) -> builtins.list[Any]:
        from officekit.core.staff import StaffMember

        check_bool(include_merged, "include_merged")
        check_bool(include_erased, "include_erased")
        by = (
            None
            if entered_by is None
            else check_ref(entered_by, "entered_by", StaffMember, "a member of staff")
        )
        return _filters(
            self._office.id, self._kind_filter(kind), include_merged, include_erased, by
        )

    def history(self, record: Record | int) -> builtins.list[Change]:
        """Return a record's history (corrections, merges, erasure), oldest first.

        Raises:
            NotFoundError: The office has no such record.
        """
        current = self.get(record)
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(record_history)
                .where(record_history.c.record_id == current.id)
                .order_by(record_history.c.id)
            ).all()
        return [
            Change(
                id=r.id,
                record_id=r.record_id,
                change=r.change,
                field=r.field,
                old=_json_or_none(r.old_value),
                new=_json_or_none(r.new_value),
                merge_id=r.merge_id,
                corrected_entry_by=r.corrected_entry_by,
                changed_by=r.changed_by,
                changed_at=r.changed_at,
            )
            for r in rows
        ]

    def merge(self, merge: Merge | int) -> Merge:
        """Return a merge.

        Raises:
            NotFoundError: The office has no such merge.
        """
        merge_id = check_ref(merge, "merge", Merge, "a merge")
        with self._office.engine.connect() as conn:
            row = conn.execute(
                sa.select(record_merges).where(
                    record_merges.c.id == merge_id, record_merges.c.office_id == self._office.id
                )
            ).first()
        if row is None:
            raise NotFoundError(f"no merge with id {merge_id} in this office")
        return _row_to_merge(row)

    def duplicates(self, record: Record | int) -> builtins.list[Duplicate]:
        """Return the likely duplicates of an existing record (see ``find_duplicates``)."""
        current = self.get(record)
        if current.erased:
            return []
        kind = self.kind(current.kind, "record")
        with self._office.engine.connect() as conn:
            return find_duplicates(
                conn, self._office.id, kind, current.data,
                threshold=self.settings.name_similarity, exclude=current.id,
            )  # fmt: skip


def _row_to_merge(row: Any) -> Merge:
    return Merge(
        id=row.id,
        record_id=row.record_id,
        into_id=row.into_id,
        merged_by=row.merged_by,
        merged_at=row.merged_at,
        undone_by=row.undone_by,
        undone_at=row.undone_at,
    )


def _similar(matcher: SequenceMatcher[str], key: str, threshold: float) -> float | None:
    """The similarity of ``key`` to the matcher's name, if at least ``threshold``."""
    matcher.set_seq1(key)
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return None
    ratio = matcher.ratio()
    return ratio if ratio >= threshold else None


class RecordDesk:
    """Record operations at a desk: ``desk.records``.

    Every input is checked before anything is written: a refused operation
    changes nothing and records nothing (a refusal by the profile is recorded,
    as always).
    """

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    @property
    def _book(self) -> RecordBook:
        book: RecordBook = self._office.facet(RECORDS_BOOK)
        return book

    def _values(
        self, values: Mapping[str, object] | None, fields: Mapping[str, object]
    ) -> dict[str, object]:
        if values is None:
            return dict(fields)
        if not isinstance(values, Mapping):
            raise ValidationError(
                f"expected the fields as a mapping, got {values!r:.80}", where="values"
            )
        both = sorted(set(values) & set(fields))
        if both:
            raise ValidationError(
                f"given both in values and as keywords: {', '.join(map(str, both))}",
                where="values",
            )
        return {**values, **fields}

    def enter(
        self,
        kind: str,
        values: Mapping[str, object] | None = None,
        /,
        *,
        allow_duplicate: bool = False,
        **fields: object,
    ) -> Entry:
        """Enter a record (``records.enter``), after checking it for likely duplicates.

        The values are validated and normalised
        ([`normalise`][officekit.plugins.clerk.records.fields.normalise]), then
        compared with the live records of the kind: one with the same phone number
        or email address, or the same date of birth and a close name, is a likely
        duplicate (a shared name alone never is). The clerk decides: by default the
        record is not entered and
        [`DuplicateFound`][officekit.plugins.clerk.records.book.DuplicateFound]
        lists the duplicates; with ``allow_duplicate=True`` it is entered beside
        them, and the event lists their ids. A record identical to an existing one
        is never entered twice.

        Args:
            kind: The record kind (``"patient"``).
            values: The fields as a mapping (from a form, say).
            allow_duplicate: Enter it even if it has likely duplicates.
            **fields: The fields as keywords, instead of or beside ``values``.

        Returns:
            The record, and the duplicates it was entered beside.

        Raises:
            ValidationError: Every problem with the values, each naming its field (an
                unknown kind, a missing required field, a bad phone number...);
                nothing is written.
            DuplicateFound: It has likely duplicates; nothing is written.
            ConflictError: An identical record exists; nothing is written.
            PermissionDenied: The actor may not enter records (the refusal is recorded).
        """
        office = self._office
        book = self._book
        spec = book.kind(kind)
        check_bool(allow_duplicate, "allow_duplicate")
        data, problems = normalise(
            spec, self._values(values, fields), region=office.profile.office.country
        )
        if problems:
            raise ValidationError(problems)
        now = office.clock.now()
        actor_id = self._desk.actor.id
        threshold = book.settings.name_similarity
        columns = columns_of(spec, data)
        detail: dict[str, Any] = {"kind": spec.name, "fields": sorted(data)}
        found: list[Duplicate] = []

        def act(conn: sa.Connection) -> int:
            found.extend(find_duplicates(conn, office.id, spec, data, threshold=threshold))
            identical = [d.record_id for d in found if "identical" in d.reasons]
            if identical:
                raise ConflictError(
                    f"not entered: record {identical[0]} is this {spec.name} already, "
                    "with the same values"
                )
            if found and not allow_duplicate:
                raise DuplicateFound(spec.name, found)
            record_id: int = conn.execute(
                records.insert()
                .values(
                    office_id=office.id,
                    kind=spec.name,
                    entered_by=actor_id,
                    entered_at=now,
                    updated_at=now,
                    **columns,
                )
                .returning(records.c.id)
            ).scalar_one()
            detail["record_id"] = record_id
            if found:
                detail["duplicates_of"] = [d.record_id for d in found]
            return record_id

        record_id, _ = self._desk.perform("records.enter", detail=detail, act=act)
        assert record_id is not None
        return Entry(book.get(record_id), tuple(found))

    def correct(
        self,
        record: Record | int,
        changes: Mapping[str, object] | None = None,
        /,
        **fields: object,
    ) -> Record:
        """Correct fields of a record (``records.correct``); the history keeps the values.

        A blank value (None or empty text) removes an optional field. The record is
        validated as a whole after the change. Each changed field gets a line in the
        record's history, with its old and new values; the event names the fields
        only. Correcting a record someone else entered counts as a data-entry error
        of theirs: the event's ``corrected_entry_by`` is their staff id.

        Args:
            record: The record (or its id).
            changes: The new values as a mapping.
            **fields: The new values as keywords.

        Returns:
            The record as corrected (unchanged, and nothing recorded, if no value changed).

        Raises:
            ValidationError: Every problem with the new values; nothing is written.
            NotFoundError: No such record.
            ConflictError: The record was erased or merged into another, it changed
                meanwhile, or it would become identical to another record.
            PermissionDenied: The actor may not correct records (the refusal is recorded).
        """
        office = self._office
        book = self._book
        new = self._values(changes, fields)
        current = book.get(record)
        if current.erased:
            raise ConflictError(f"record {current.id} was erased: nothing to correct")
        if current.merged:
            raise ConflictError(
                f"record {current.id} was merged into record {current.merged_into}: "
                "correct that one"
            )
        spec = book.kind(current.kind, "record")
        unknown = [
            Problem(str(n), unknown_name(f"field of kind {spec.name!r}", n, spec.field_names))
            for n in new
            if n not in spec.field_names
        ]
        if unknown:
            raise ValidationError(unknown)
        merged = {**current.data, **new}
        normalised, problems = normalise(spec, merged, region=office.profile.office.country)
        # Only what is being corrected is checked again: a value stored as it can no
        # longer be typed in (a US SSN is kept masked, ***-**-1234) stays as it is.
        problems = [p for p in problems if p.where in new]
        if problems:
            raise ValidationError(problems)
        data = {k: v for k, v in current.data.items() if k not in new}
        data.update((k, v) for k, v in normalised.items() if k in new)
        changed = [n for n in spec.field_names if current.data.get(n) != data.get(n)]
        if not changed:
            return current
        now = office.clock.now()
        actor_id = self._desk.actor.id
        columns = columns_of(spec, data)
        detail: dict[str, Any] = {"record_id": current.id, "kind": spec.name, "fields": changed}
        if current.entered_by is not None and current.entered_by != actor_id:
            detail["corrected_entry_by"] = current.entered_by

        def act(conn: sa.Connection) -> None:
            self._check_unique(conn, spec, columns["fingerprint"], current.id)
            done = conn.execute(
                records.update()
                .where(
                    records.c.id == current.id,
                    records.c.updated_at == current.updated_at,
                    records.c.merged_into.is_(None),
                    records.c.erased_at.is_(None),
                )
                .values(updated_at=now, **columns)
            ).rowcount
            if done != 1:
                raise ConflictError(f"record {current.id} changed meanwhile: look again")
            conn.execute(
                record_history.insert(),
                [
                    {
                        "office_id": office.id,
                        "record_id": current.id,
                        "change": "correct",
                        "field": name,
                        "old_value": _dump(current.data.get(name)),
                        "new_value": _dump(data.get(name)),
                        "merge_id": None,
                        "corrected_entry_by": current.entered_by,
                        "changed_by": actor_id,
                        "changed_at": now,
                    }
                    for name in changed
                ],
            )

        self._desk.perform(
            "records.correct", subject=f"record:{current.id}", detail=detail, act=act
        )
        return book.get(current.id)

    def _check_unique(
        self,
        conn: sa.Connection,
        spec: RecordKind,
        fingerprint: str,
        record_id: int,
        also: int | None = None,
    ) -> None:
        ids = (
            conn.execute(
                _HAS_FINGERPRINT,
                {
                    "b_office_id": self._office.id,
                    "b_kind": spec.name,
                    "b_fingerprint": fingerprint,
                    "b_id": record_id,
                },
            )
            .scalars()
            .all()
        )
        other = next((i for i in ids if i != also), None)
        if other is not None:
            raise ConflictError(
                f"record {record_id} would then be identical to record {other}: merge them instead"
            )

    def merge(self, duplicate: Record | int, into: Record | int) -> Merge:
        """Merge a duplicate into the record kept (``records.merge``); it can be undone.

        The duplicate stays, marked as merged (listings leave it out); the fields
        the kept record lacks are filled from it. The kept record's values before
        and after are kept with the merge, so that
        [`unmerge`][officekit.plugins.clerk.records.book.RecordDesk.unmerge]
        restores them exactly.

        Raises:
            ValidationError: A bad argument.
            NotFoundError: No such record.
            ConflictError: The two are one record, of different kinds, or either was
                erased or merged already.
            PermissionDenied: The actor may not merge records (the refusal is recorded).
        """
        office = self._office
        book = self._book
        dup = book.get(duplicate)
        keep = book.get(into)
        if dup.id == keep.id:
            raise ConflictError(f"record {dup.id} cannot be merged into itself")
        if dup.kind != keep.kind:
            raise ConflictError(
                f"record {dup.id} is a {dup.kind} and record {keep.id} a {keep.kind}: "
                "only records of one kind are merged"
            )
        for r in (dup, keep):
            if r.erased:
                raise ConflictError(f"record {r.id} was erased")
            if r.merged:
                raise ConflictError(f"record {r.id} was merged into record {r.merged_into}")
        spec = book.kind(keep.kind, "into")
        filled = [n for n in spec.field_names if n in dup.data and n not in keep.data]
        after = {n: (keep.data[n] if n in keep.data else dup.data[n])
                 for n in spec.field_names if n in keep.data or n in filled}  # fmt: skip
        before_json, after_json = canonical(keep.data), canonical(after)
        columns = columns_of(spec, after)
        old_fingerprint = columns_of(spec, keep.data)["fingerprint"]
        dup_fingerprint = columns_of(spec, dup.data)["fingerprint"]
        now = office.clock.now()
        actor_id = self._desk.actor.id
        detail: dict[str, Any] = {
            "record_id": dup.id,
            "into_id": keep.id,
            "kind": spec.name,
            "fields": filled,
        }

        def act(conn: sa.Connection) -> int:
            if filled:
                self._check_unique(conn, spec, columns["fingerprint"], keep.id, also=dup.id)
            merge_id: int = conn.execute(
                record_merges.insert()
                .values(
                    office_id=office.id, record_id=dup.id, into_id=keep.id,
                    into_before=before_json, into_after=after_json,
                    into_fingerprint=old_fingerprint, merged_by=actor_id, merged_at=now,
                )
                .returning(record_merges.c.id)
            ).scalar_one()  # fmt: skip
            moved = conn.execute(
                records.update()
                .where(
                    records.c.id == dup.id,
                    records.c.merged_into.is_(None),
                    records.c.erased_at.is_(None),
                )
                .values(
                    merged_into=keep.id,
                    updated_at=now,
                    # filled from it, the record kept may now be it: its print is free
                    fingerprint=f"merged:{dup.id}"
                    if columns["fingerprint"] == dup_fingerprint
                    else dup_fingerprint,
                )
            ).rowcount
            kept = conn.execute(
                records.update()
                .where(
                    records.c.id == keep.id,
                    records.c.updated_at == keep.updated_at,
                    records.c.merged_into.is_(None),
                    records.c.erased_at.is_(None),
                )
                .values(updated_at=now, **columns)
            ).rowcount
            if moved != 1 or kept != 1:
                raise ConflictError(f"record {dup.id} or {keep.id} changed meanwhile: look again")
            history = [_history_row(office.id, dup.id, "merge", None, None, None, merge_id,
                                    actor_id, now)]  # fmt: skip
            history += [
                _history_row(office.id, keep.id, "merge", n, None, dup.data[n], merge_id,
                             actor_id, now)
                for n in filled
            ]  # fmt: skip
            conn.execute(record_history.insert(), history)
            detail["merge_id"] = merge_id
            return merge_id

        merge_id, _ = self._desk.perform(
            "records.merge", subject=f"record:{dup.id}", detail=detail, act=act
        )
        assert merge_id is not None
        return book.merge(merge_id)

    def unmerge(self, merge: Merge | int) -> Merge:
        """Undo a merge exactly (``records.unmerge``).

        The duplicate is a record of its own again and the kept record gets back
        the values it had before the merge.

        Raises:
            NotFoundError: No such merge.
            ConflictError: It was undone already; either record was erased; or the
                kept record was corrected or merged with another since, so that
                undoing the merge would lose that (correct it by hand instead).
            PermissionDenied: The actor may not unmerge (the refusal is recorded).
        """
        office = self._office
        book = self._book
        done = book.merge(merge)
        if done.undone_at is not None:
            raise ConflictError(f"merge {done.id} was undone already")
        with office.engine.connect() as conn:
            row = conn.execute(
                sa.select(record_merges.c.into_before, record_merges.c.into_after).where(
                    record_merges.c.id == done.id
                )
            ).one()
        dup, keep = book.get(done.record_id), book.get(done.into_id)
        if row.into_before is None or dup.erased or keep.erased:
            raise ConflictError(f"merge {done.id}: a record was erased since, it cannot be undone")
        if canonical(keep.data) != row.into_after:
            raise ConflictError(
                f"merge {done.id}: record {keep.id} changed since the merge; undoing it would "
                "lose that change: correct the records by hand"
            )
        spec = book.kind(keep.kind, "merge")
        before = load_data(row.into_before)
        columns = columns_of(spec, before)
        now = office.clock.now()
        actor_id = self._desk.actor.id
        restored = [n for n in spec.field_names if keep.data.get(n) != before.get(n)]
        detail: dict[str, Any] = {
            "merge_id": done.id,
            "record_id": dup.id,
            "into_id": keep.id,
            "kind": spec.name,
            "fields": restored,
        }

        dup_fingerprint = columns_of(spec, dup.data)["fingerprint"]

        def act(conn: sa.Connection) -> None:
            kept = conn.execute(
                records.update()
                .where(records.c.id == keep.id, records.c.updated_at == keep.updated_at)
                .values(updated_at=now, **columns)
            ).rowcount
            self._check_unique(conn, spec, dup_fingerprint, dup.id)
            back = conn.execute(
                records.update()
                .where(records.c.id == dup.id, records.c.merged_into == keep.id)
                .values(merged_into=None, updated_at=now, fingerprint=dup_fingerprint)
            ).rowcount
            undone = conn.execute(
                record_merges.update()
                .where(record_merges.c.id == done.id, record_merges.c.undone_at.is_(None))
                .values(undone_by=actor_id, undone_at=now)
            ).rowcount
            if (back, kept, undone) != (1, 1, 1):
                raise ConflictError(f"merge {done.id}: the records changed meanwhile: look again")
            history = [_history_row(office.id, dup.id, "unmerge", None, None, None, done.id,
                                    actor_id, now)]  # fmt: skip
            history += [
                _history_row(office.id, keep.id, "unmerge", n, keep.data.get(n), before.get(n),
                             done.id, actor_id, now)
                for n in restored
            ]  # fmt: skip
            conn.execute(record_history.insert(), history)

        self._desk.perform("records.unmerge", subject=f"record:{dup.id}", detail=detail, act=act)
        return book.merge(done.id)

    def erase(self, record: Record | int, *, reason: str) -> Record:
        """Erase a record's personal values (``records.erase``, a senior's duty).

        The record's values become ``{"erased": true}``; the columns duplicate
        detection reads, the values in its history and in the merges it took part
        in are wiped too. The duplicates merged into it are erased with it (they
        hold the same person's data). The record stays, so that its id in the
        event log still names something; the event keeps ids, the kind and the
        reason only. A spreadsheet imported again would enter the person again.

        Args:
            record: The record (or its id).
            reason: ``request`` (the person's lawful request), ``retention`` (the
                end of its retention period) or ``mistake`` (entered by mistake).

        Returns:
            The erased record.

        Raises:
            ValidationError: An unknown reason.
            NotFoundError: No such record.
            ConflictError: It was erased already.
            PermissionDenied: The actor may not erase records (the refusal is recorded).
        """
        office = self._office
        book = self._book
        check_choice(reason, "reason", ERASURE_REASONS, "reason for erasure")
        current = book.get(record)
        if current.erased:
            raise ConflictError(f"record {current.id} was erased already")
        now = office.clock.now()
        actor_id = self._desk.actor.id
        detail: dict[str, Any] = {"record_id": current.id, "kind": current.kind, "reason": reason}
        erased_json = canonical(ERASED)

        def act(conn: sa.Connection) -> None:
            ids = [current.id]
            frontier = [current.id]
            while frontier:  # the duplicates merged into it, and into those
                frontier = list(
                    conn.execute(
                        sa.select(records.c.id).where(
                            records.c.merged_into.in_(frontier), records.c.erased_at.is_(None)
                        )
                    ).scalars()
                )
                ids += frontier
            for record_id in ids:
                conn.execute(
                    records.update()
                    .where(records.c.id == record_id)
                    .values(
                        data=erased_json, phone=None, email=None, name_key=None,
                        birth_date=None, fingerprint=f"erased:{record_id}",
                        erased_at=now, updated_at=now,
                    )
                )  # fmt: skip
            conn.execute(
                record_history.update()
                .where(record_history.c.record_id.in_(ids))
                .values(old_value=None, new_value=None)
            )
            conn.execute(
                record_merges.update()
                .where(sa.or_(record_merges.c.record_id.in_(ids), record_merges.c.into_id.in_(ids)))
                .values(into_before=None, into_after=None)
            )
            conn.execute(
                record_history.insert(),
                [_history_row(office.id, i, "erase", None, None, None, None, actor_id, now)
                 for i in ids],
            )  # fmt: skip
            detail["erased_ids"] = ids

        self._desk.perform("records.erase", subject=f"record:{current.id}", detail=detail, act=act)
        return book.get(current.id)

    def conflict_check(self, *, client: str, adverse_parties: Sequence[str]) -> ConflictCheck:
        """Check a new client and the adverse parties for conflicts (``records.conflict_check``).

        Each adverse party is compared with the names of the existing clients and
        matters (the kinds of ``[records] conflict_kinds``) and with the parties
        those name (a matter's adverse party); the prospective client is compared
        with the parties. Names are compared by
        [`name_similarity`][officekit.plugins.clerk.records.fields.name_similarity]
        against ``[records] conflict_similarity``. Any match makes the result
        ``needs_review``, for a lawyer to decide. The event records the result,
        the counts and the matched record ids, never the names.

        Args:
            client: The prospective client's name.
            adverse_parties: The other parties' names (at most 50).

        Returns:
            ``clear`` or ``needs_review``, with the matches.

        Raises:
            ValidationError: A blank or bad name; nothing is written.
            ConflictError: The profile runs no conflict checks (``conflict_kinds``).
            PermissionDenied: The actor may not run them (the refusal is recorded).
        """
        office = self._office
        settings = self._book.settings
        if not settings.conflict_kinds:
            raise ConflictError(
                f"profile {office.profile.name!r} runs no conflict checks "
                "([records] conflict_kinds)"
            )
        problems: list[Problem] = []
        name = text_field(client, "client", "the client's name", 500, problems, required=True)
        parties: list[str] = []
        if isinstance(adverse_parties, str) or not isinstance(adverse_parties, Sequence):
            problems.append(
                Problem("adverse_parties", f"expected a list of names, got {adverse_parties!r:.80}")
            )
        elif len(adverse_parties) > MAX_PARTIES:
            problems.append(Problem("adverse_parties", f"at most {MAX_PARTIES} names at once"))
        else:
            for i, party in enumerate(adverse_parties):
                clean = text_field(
                    party, f"adverse_parties[{i}]", "a party's name", 500, problems, required=True
                )
                if clean is not None:
                    parties.append(clean)
        if problems:
            raise ValidationError(problems)
        assert name is not None
        kinds = [settings.kinds[k] for k in settings.conflict_kinds]
        threshold = settings.conflict_similarity
        found: list[ConflictMatch] = []
        searched = [("client", name_key(name))] + [
            (f"adverse_parties[{i}]", name_key(p)) for i, p in enumerate(parties)
        ]
        detail: dict[str, Any] = {"parties": len(parties)}

        def act(conn: sa.Connection) -> None:
            rows = conn.execute(
                sa.select(records.c.id, records.c.kind, records.c.name_key, records.c.data).where(
                    records.c.office_id == office.id,
                    records.c.kind.in_([k.name for k in kinds]),
                    records.c.merged_into.is_(None),
                    records.c.erased_at.is_(None),
                )
            ).all()
            by_kind = {k.name: k for k in kinds}
            matchers = [(label, SequenceMatcher(None, "", key, autojunk=False)) for label, key
                        in searched if key]  # fmt: skip
            for row in rows:
                spec = by_kind[row.kind]
                names: list[tuple[str, str]] = []
                if row.name_key:
                    names.append(("name", row.name_key))
                if spec.parties:
                    data = load_data(row.data)
                    names += [(f, name_key(str(data[f]))) for f in spec.parties if data.get(f)]
                for label, matcher in matchers:
                    for field, key in names:
                        # the client is checked against the parties, not other clients
                        if label == "client" and field == "name":
                            continue
                        score = _similar(matcher, key, threshold)
                        if score is not None:
                            found.append(
                                ConflictMatch(label, row.id, row.kind, field, round(score, 3))
                            )
            found.sort(key=lambda m: (-m.similarity, m.record_id, m.searched))
            detail["result"] = "needs_review" if found else "clear"
            detail["matches"] = len(found)
            detail["record_ids"] = sorted({m.record_id for m in found})

        _, event = self._desk.perform("records.conflict_check", detail=detail, act=act)
        return ConflictCheck(str(event.detail["result"]), tuple(found), event.seq)

    def import_file(
        self,
        path: Any,
        *,
        kind: str,
        reject: Any = None,
        batch_size: int = 5000,
        progress: Any = None,
    ) -> Any:
        """Import records from a CSV or XLSX file: see
        [`import_file`][officekit.plugins.clerk.records.spreadsheet.import_file]."""
        from officekit.plugins.clerk.records.spreadsheet import import_file

        return import_file(
            self._desk, path, kind=kind, reject=reject, batch_size=batch_size, progress=progress
        )

    def export_file(self, path: Any, *, kind: str, format: str = "csv") -> Any:
        """Export records to a CSV or XLSX file: see
        [`export_file`][officekit.plugins.clerk.records.spreadsheet.export_file]."""
        from officekit.plugins.clerk.records.spreadsheet import export_file

        return export_file(self._desk, path, kind=kind, format=format)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _history_row(
    office_id: int,
    record_id: int,
    change: str,
    field: str | None,
    old: Any,
    new: Any,
    merge_id: int | None,
    changed_by: int,
    now: dt.datetime,
) -> dict[str, Any]:
    return {
        "office_id": office_id,
        "record_id": record_id,
        "change": change,
        "field": field,
        "old_value": _dump(old),
        "new_value": _dump(new),
        "merge_id": merge_id,
        "corrected_entry_by": None,
        "changed_by": changed_by,
        "changed_at": now,
    }


def describe(kind: RecordKind, record: Record) -> str:
    """A record's name for screens (never for the event log): its name fields, or ``#id``."""
    return record_name(kind, record.data) or f"#{record.id}"


RECORDS_BOOK: OfficeFacet[RecordBook] = OfficeFacet(
    "records", RecordBook, "The office's records: get, list, count, history, duplicates."
)
"""``office.records``, typed: ``office.facet(RECORDS_BOOK)``."""

RECORD_DESK: DeskFacet[RecordDesk] = DeskFacet(
    "records",
    RecordDesk,
    "Record operations: enter, correct, merge, unmerge, erase, conflict check.",
)
"""``desk.records``, typed: ``desk.facet(RECORD_DESK)``."""
