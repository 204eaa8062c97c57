"""Documents: filed, classified, searched, checked out, held and disposed of.

``office.filing`` ([`FilingRoom`][officekit.plugins.clerk.filing.documents.FilingRoom])
reads: a document, its bytes and text, what its retention says, what is due for
disposal, what waits for an event, the legal holds, the files checked out.
``desk.filing`` ([`FilingDesk`][officekit.plugins.clerk.filing.documents.FilingDesk])
performs the operations, each through ``desk.perform`` (authorised, one
transaction, one event), and searches with what the member of staff may see.

A document is on **paper** (a cabinet, and a drawer and folder in it) or
**electronic** (its bytes in the office's
[content-addressed store][officekit.plugins.clerk.filing.filestore.FileStore], its
SHA-256 recorded). Its category's retention rule, from ``[filing]``, says when it
may be disposed of; a legal hold stops that.
"""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import mimetypes
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.staff import StaffMember
from officekit.core.validate import (
    check_choice,
    check_int,
    check_ref,
    check_str,
    collect,
    text_field,
)
from officekit.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    PluginError,
    Problem,
    ValidationError,
)
from officekit.plugins.clerk.filing import hooks
from officekit.plugins.clerk.filing.filestore import STORE_ENV, FileStore, extract_text
from officekit.plugins.clerk.filing.search import (
    backend_query,
    index_delete,
    index_put,
    parse_query,
    search_statement,
    words,
)
from officekit.plugins.clerk.filing.settings import (
    ACTIONS,
    CREATED,
    FILING_SECTION,
    MAX_CHECKOUT_DAYS,
    Category,
    FilingSettings,
    add_years,
    latest_due_trigger,
)
from officekit.plugins.clerk.filing.tables import checkouts, document_events, documents, holds

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office

__all__ = [
    "DESTROYED_TITLE",
    "FILING",
    "FILING_DESK",
    "MAX_CONTENT_BYTES",
    "MAX_TEXT_CHARS",
    "Checkout",
    "Classification",
    "Document",
    "Due",
    "FilingDesk",
    "FilingRoom",
    "Hold",
    "Retention",
    "Waiting",
]

MAX_TITLE_LENGTH = 300
MAX_REFERENCE_LENGTH = 100
MAX_PLACE_LENGTH = 100
MAX_FILENAME_LENGTH = 255
MAX_SENDER_LENGTH = 320
MAX_REASON_LENGTH = 500
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_SEARCH_LIMIT = 1000
MAX_CONTENT_BYTES = 256 * 1024 * 1024
"""The largest electronic document filed (256 MiB)."""
MAX_TEXT_CHARS = 2_000_000
"""The most characters of a document's text kept (and indexed)."""

DESTROYED_TITLE = "[destroyed]"
"""What a destroyed document's tombstone keeps as its title."""

_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[\w.+-]+$")
_DOC_COLUMNS = [c for c in documents.c if c.name != "text"]
_DOC_NAMES = [c.name for c in _DOC_COLUMNS]


# -- values ------------------------------------------------------------------------------------


@attrs.frozen
class Document:
    """A document as filed (its text and bytes are read apart: ``office.filing.text/content``).

    Attributes:
        id: Database id.
        office_id: The office.
        kind: ``"paper"`` or ``"electronic"``.
        title: Its title (``"[destroyed]"`` once destroyed).
        category: Its category's key in ``[filing] categories``.
        reference: The record it belongs to, a free reference such as ``"customer:12"``.
        dated: The document's own date (the ``created`` event retention may count from).
        tags: Its tags.
        sender: Who sent it, if given.
        cabinet: A paper document's cabinet.
        drawer: Its drawer in the cabinet, if any.
        folder: Its folder, if any.
        sha256: An electronic document's SHA-256 (hex), the name of its bytes in the store.
        media_type: An electronic document's media type, such as ``"text/plain"``.
        filename: Its file name, if given.
        size: Its size in bytes.
        filed_at: When it was filed.
        filed_by: Who filed it (a member of staff's id).
        classified_by: How its category was chosen: ``given``, ``rule:<name>`` or ``plugin``.
        status: ``active``, ``archived`` or ``destroyed`` (a tombstone).
        reviewed_at: When it was reviewed at the end of its retention and kept.
        disposed_at: When it was archived or destroyed.
        disposed_by: Who did it.
        disposal: ``archive`` or ``destroy``.
    """

    id: int
    office_id: int
    kind: str
    title: str
    category: str
    reference: str | None
    dated: dt.date
    tags: tuple[str, ...]
    sender: str | None
    cabinet: str | None
    drawer: str | None
    folder: str | None
    sha256: str | None
    media_type: str | None
    filename: str | None
    size: int | None
    filed_at: dt.datetime
    filed_by: int | None
    classified_by: str
    status: str
    reviewed_at: dt.datetime | None = None
    disposed_at: dt.datetime | None = None
    disposed_by: int | None = None
    disposal: str | None = None

    @property
    def paper(self) -> bool:
        """True for a paper document."""
        return self.kind == "paper"

    @property
    def location(self) -> str | None:
        """Where a paper document is: ``cabinet / drawer / folder`` (None when electronic)."""
        if self.cabinet is None:
            return None
        return " / ".join(p for p in (self.cabinet, self.drawer, self.folder) if p)


@attrs.frozen
class Classification:
    """What classification says about a document (``office.filing.classify``).

    Attributes:
        category: The category chosen, or None when nothing matched.
        classified_by: ``rule:<name>``, ``plugin`` or ``none``.
        suggested: What the profile's rules suggested (before any plugin).
    """

    category: str | None
    classified_by: str
    suggested: str | None


@attrs.frozen
class Retention:
    """Where a document stands in its retention (``office.filing.retention``).

    Attributes:
        document_id: The document.
        category: Its category.
        state: ``due`` (may be disposed of), ``not_due``, ``waiting`` (the event's date
            is not known yet), ``held`` (due, but a legal hold stops it), ``reviewed``
            (due, reviewed and kept), ``permanent``, ``unknown_category`` (not in the
            profile), ``archived`` or ``destroyed``.
        event: The event retention counts from.
        event_on: That event's date, if known.
        due_on: When retention ends, if known.
        action: What the category says happens then.
        holds: The active legal holds on it.
    """

    document_id: int
    category: str
    state: str
    event: str | None = None
    event_on: dt.date | None = None
    due_on: dt.date | None = None
    action: str | None = None
    holds: tuple[int, ...] = ()

    @property
    def explanation(self) -> str:
        """The state in words, such as ``waiting for matter_closed``."""
        if self.state == "waiting":
            return f"waiting for {self.event}"
        if self.state == "not_due":
            return f"kept until {self.due_on}" if self.due_on else "kept (past year 9999)"
        if self.state == "held":
            return f"due on {self.due_on}, but on legal hold {', '.join(map(str, self.holds))}"
        if self.state == "due":
            return f"due since {self.due_on}: {self.action}"
        return self.state.replace("_", " ")


@attrs.frozen
class Due:
    """A document whose retention has ended (``office.filing.due``).

    Attributes:
        document: The document.
        event: The event its retention counted from.
        event_on: That event's date.
        due_on: When its retention ended.
        action: What its category says happens now.
    """

    document: Document
    event: str
    event_on: dt.date
    due_on: dt.date
    action: str


@attrs.frozen
class Waiting:
    """A document whose retention cannot start: its event's date is not known yet.

    Attributes:
        document: The document.
        event: The event it waits for, such as ``matter_closed``.
    """

    document: Document
    event: str


@attrs.frozen
class Hold:
    """A legal hold: documents it covers cannot be disposed of.

    Attributes:
        id: Database id.
        office_id: The office.
        reason: Why (a matter, a request); kept on the hold, not in the event log.
        reference: The record whose documents it holds, now and filed later.
        document_id: The one document it holds, when it is on one document.
        placed_at: When it was placed.
        placed_by: Who placed it.
        released_at: When it was released.
        released_by: Who released it.
    """

    id: int
    office_id: int
    reason: str
    reference: str | None
    document_id: int | None
    placed_at: dt.datetime
    placed_by: int | None
    released_at: dt.datetime | None = None
    released_by: int | None = None

    @property
    def active(self) -> bool:
        """True until it is released."""
        return self.released_at is None


@attrs.frozen
class Checkout:
    """A paper file checked out to a member of staff.

    Attributes:
        id: Database id.
        office_id: The office.
        document_id: The document.
        staff_id: Who has it.
        checked_out_at: When it was checked out.
        checked_out_by: Who checked it out at the desk.
        due_at: When it is due back.
        returned_at: When it came back.
        returned_by: Who took it back at the desk.
    """

    id: int
    office_id: int
    document_id: int
    staff_id: int
    checked_out_at: dt.datetime
    checked_out_by: int | None
    due_at: dt.datetime
    returned_at: dt.datetime | None = None
    returned_by: int | None = None

    def overdue(self, now: dt.datetime) -> bool:
        """Whether it is out past its due time at ``now``."""
        return self.returned_at is None and self.due_at < now


# -- helpers ----------------------------------------------------------------------------------


def _tags_text(tags: Sequence[str]) -> str:
    return ",".join(tags)


def _to_document(row: Any) -> Document:
    values = dict(row._mapping)
    values.pop("text", None)
    values["tags"] = tuple(t for t in (values["tags"] or "").split(",") if t)
    return Document(**values)


def _to_hold(row: Any) -> Hold:
    return Hold(**dict(row._mapping))


def _to_checkout(row: Any) -> Checkout:
    return Checkout(**dict(row._mapping))


def _hidden(settings: FilingSettings, roles: Iterable[str]) -> list[str]:
    """The categories someone holding ``roles`` may not see."""
    held = set(roles)
    return [k for k, c in settings.categories.items() if c.roles and not held & set(c.roles)]


def _check_date(value: object, where: str, problems: list[Problem]) -> dt.date | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        problems.append(Problem(where, f"expected a date, got {value!r:.80}"))
        return None
    return value


def _check_events(
    value: object, settings: FilingSettings, problems: list[Problem]
) -> dict[str, dt.date]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(
            Problem("events", f"expected a mapping of event names to dates, got {value!r:.80}")
        )
        return {}
    clean: dict[str, dt.date] = {}
    for name, on in value.items():
        if not isinstance(name, str) or name not in settings.events:
            known = ", ".join(settings.events) or "none"
            problems.append(
                Problem(
                    "events", f"no event named {name!r:.80} in [filing] events (known: {known})"
                )
            )
            continue
        day = _check_date(on, f"events[{name}]", problems)
        if day is not None:
            clean[name] = day
    return clean


def _check_tags(value: object, problems: list[Problem]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        problems.append(Problem("tags", f"expected a list of tags, got {value!r:.80}"))
        return ()
    tags: list[str] = []
    for i, tag in enumerate(value):
        clean = text_field(tag, f"tags[{i}]", "a tag", MAX_TAG_LENGTH, problems, required=True)
        if clean is None:
            continue
        if "," in clean:
            problems.append(Problem(f"tags[{i}]", "a tag may not contain a comma"))
            continue
        if clean not in tags:
            tags.append(clean)
    if len(tags) > MAX_TAGS:
        problems.append(Problem("tags", f"a document has at most {MAX_TAGS} tags, got {len(tags)}"))
    return tuple(tags)


def _meta(
    category: str, tags: Sequence[str], reference: str | None, filename: str | None
) -> list[str | None]:
    return [category, *tags, reference, filename]


def _resolve_store(office: Office, settings: FilingSettings) -> Path:
    configured = os.environ.get(STORE_ENV) or settings.store or "officekit-files"
    path = Path(configured).expanduser()
    if not path.is_absolute():
        url = office.engine.url
        database = url.database if url.get_backend_name() == "sqlite" else None
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).resolve().parent / path
        else:
            path = Path.cwd() / path
    return path / str(office.id)


def _retention(
    settings: FilingSettings,
    doc: Document,
    event_on: dt.date | None,
    held_by: Sequence[int],
    on: dt.date,
) -> Retention:
    category: Category | None = settings.categories.get(doc.category)
    held = tuple(held_by)
    if doc.status in ("archived", "destroyed"):
        return Retention(doc.id, doc.category, doc.status, holds=held)
    if category is None:
        return Retention(doc.id, doc.category, "unknown_category", holds=held)
    event, action = category.after, category.then
    if category.retention_years is None:
        return Retention(doc.id, doc.category, "permanent", event, None, None, action, held)
    trigger = doc.dated if event == CREATED else event_on
    if trigger is None:
        return Retention(doc.id, doc.category, "waiting", event, None, None, action, held)
    due_on = add_years(trigger, category.retention_years)
    if due_on is None or due_on > on:
        state = "not_due"
    elif held:
        state = "held"
    elif doc.reviewed_at is not None:
        state = "reviewed"
    else:
        state = "due"
    return Retention(doc.id, doc.category, state, event, trigger, due_on, action, held)


def _active_holds(office_id: int) -> sa.Select[Any]:
    return sa.select(holds.c.id).where(
        holds.c.office_id == office_id,
        holds.c.released_at.is_(None),
        sa.or_(
            holds.c.document_id == sa.bindparam("b_doc"),
            holds.c.reference == sa.bindparam("b_ref", type_=sa.String),
        ),
    )


# -- office.filing ------------------------------------------------------------------------------


class FilingRoom:
    """The office's files: ``office.filing``. Reading here records nothing."""

    def __init__(self, office: Office) -> None:
        self._office = office
        self._store: FileStore | None = None

    @property
    def settings(self) -> FilingSettings:
        """The profile's ``[filing]`` section."""
        return self._office.profile.section(FILING_SECTION)

    @property
    def store(self) -> FileStore:
        """The office's store of electronic documents' bytes."""
        if self._store is None:
            self._store = FileStore(_resolve_store(self._office, self.settings))
        return self._store

    def today(self) -> dt.date:
        """The office's date now (its clock, in its timezone)."""
        return self._office.clock.now().astimezone(self._office.profile.office.tz).date()

    # -- documents --------------------------------------------------------------------------

    def get(self, document: Document | int) -> Document:
        """Return a document as it is now.

        Raises:
            ValidationError: ``document`` is neither a document nor an id.
            NotFoundError: The office has no such document.
        """
        doc_id = check_ref(document, "document", Document, "a document")
        with self._office.engine.connect() as conn:
            row = conn.execute(
                sa.select(*_DOC_COLUMNS).where(
                    documents.c.id == doc_id, documents.c.office_id == self._office.id
                )
            ).one_or_none()
        if row is None:
            raise NotFoundError(f"no document with id {doc_id} in this office")
        return _to_document(row)

    def list(
        self,
        *,
        reference: str | None = None,
        category: str | None = None,
        include_destroyed: bool = False,
        limit: int = 100,
    ) -> builtins.list[Document]:
        """Return documents, newest first, of a record or a category if given.

        Raises:
            ValidationError: A filter that is not text, or a limit out of 1 to 1000.
        """
        problems: list[Problem] = []
        if reference is not None:
            collect(
                problems, check_str, reference, "reference", "a reference", MAX_REFERENCE_LENGTH
            )
        if category is not None:
            collect(problems, check_str, category, "category", "a category", 64)
        collect(problems, check_int, limit, "limit", 1, MAX_SEARCH_LIMIT)
        if problems:
            raise ValidationError(problems)
        stmt = sa.select(*_DOC_COLUMNS).where(documents.c.office_id == self._office.id)
        if reference is not None:
            stmt = stmt.where(documents.c.reference == reference)
        if category is not None:
            stmt = stmt.where(documents.c.category == category)
        if not include_destroyed:
            stmt = stmt.where(documents.c.status != "destroyed")
        stmt = stmt.order_by(documents.c.id.desc()).limit(limit)
        with self._office.engine.connect() as conn:
            return [_to_document(r) for r in conn.execute(stmt)]

    def text(self, document: Document | int) -> str | None:
        """Return a document's text as indexed (None: it has none, or it was destroyed)."""
        doc = self.get(document)
        with self._office.engine.connect() as conn:
            value: str | None = conn.execute(
                sa.select(documents.c.text).where(documents.c.id == doc.id)
            ).scalar_one()
        return value

    def content(self, document: Document | int) -> bytes:
        """Return an electronic document's bytes.

        Raises:
            ConflictError: It is on paper, or was destroyed.
            NotFoundError: No such document, or its bytes are missing from the store.
        """
        doc = self.get(document)
        if doc.sha256 is None or doc.status == "destroyed":
            raise ConflictError(f"document {doc.id} has no stored bytes ({doc.kind}, {doc.status})")
        try:
            return self.store.read(doc.sha256)
        except FileNotFoundError:
            raise NotFoundError(
                f"the bytes of document {doc.id} ({doc.sha256}) are missing from {self.store.root}"
            ) from None

    # -- classification ---------------------------------------------------------------------

    def suggest(
        self, title: str, *, text: str | None = None, sender: str | None = None
    ) -> tuple[str, str] | None:
        """The first of the profile's rules that matches: (category, rule name), or None.

        Raises:
            ValidationError: An argument that is not text.
        """
        _check_document_text(title, text, sender)
        haystack = f"{title}\n{text or ''}"
        said = words(haystack)
        joined = f" {' '.join(said)} "
        who = (sender or "").strip().casefold()
        for rule in self.settings.rules:
            if rule.keywords:
                for keyword in rule.keywords:
                    wanted = words(keyword)
                    if wanted and f" {' '.join(wanted)} " in joined:
                        return rule.category, rule.name
            elif rule.pattern is not None:
                if re.search(rule.pattern, haystack, re.IGNORECASE):
                    return rule.category, rule.name
            elif who:
                for s in rule.senders:
                    s = s.strip().casefold()
                    if who == s or (s.startswith("@") and who.endswith(s)):
                        return rule.category, rule.name
        return None

    def classify(
        self, title: str, *, text: str | None = None, sender: str | None = None
    ) -> Classification:
        """Say which category a document would be filed in: the rules, then plugins.

        The rules suggest (the first that matches); then the
        ``officekit_classify_document`` hook may decide. Records nothing.

        Raises:
            ValidationError: An argument that is not text.
            PluginError: A plugin answered with a category the profile does not have.
        """
        found = self.suggest(title, text=text, sender=sender)
        suggested = found[0] if found else None
        decided = hooks.classify_document(
            self._office, title=title, text=text, sender=sender, suggested=suggested
        )
        if decided is not None:
            if not isinstance(decided, str) or decided not in self.settings.categories:
                raise PluginError(
                    f"officekit_classify_document answered {decided!r:.80}, which is no "
                    f"category of the profile (known: {', '.join(self.settings.categories)})"
                )
            return Classification(decided, "plugin", suggested)
        if found is not None:
            return Classification(found[0], f"rule:{found[1]}", suggested)
        return Classification(None, "none", None)

    # -- retention ----------------------------------------------------------------------------

    def _on(self, on: object) -> dt.date:
        if on is None:
            return self.today()
        problems: list[Problem] = []
        day = _check_date(on, "on", problems)
        if day is None:
            raise ValidationError(problems)
        return day

    def retention(self, document: Document | int, *, on: dt.date | None = None) -> Retention:
        """Say where a document stands in its retention on ``on`` (default: today).

        Raises:
            ValidationError: ``on`` is not a date, ``document`` not a document or id.
            NotFoundError: No such document.
        """
        day = self._on(on)
        doc = self.get(document)
        event = self.settings.event_of(doc.category)
        with self._office.engine.connect() as conn:
            event_on = None
            if event is not None and event != CREATED:
                event_on = conn.execute(
                    sa.select(document_events.c.occurred_on).where(
                        document_events.c.document_id == doc.id,
                        document_events.c.event == event,
                    )
                ).scalar_one_or_none()
            held = [
                r[0]
                for r in conn.execute(
                    _active_holds(self._office.id), {"b_doc": doc.id, "b_ref": doc.reference}
                )
            ]
        return _retention(self.settings, doc, event_on, held, day)

    def events_of(self, document: Document | int) -> dict[str, dt.date]:
        """Return the dates of the events recorded for a document (``created`` aside)."""
        doc = self.get(document)
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(document_events.c.event, document_events.c.occurred_on)
                .where(document_events.c.document_id == doc.id)
                .order_by(document_events.c.event)
            ).all()
        return {r.event: r.occurred_on for r in rows}

    def _due_statement(self, on: dt.date) -> tuple[sa.Select[Any], dict[str, Category]] | None:
        settings = self.settings
        d = documents
        e = document_events.alias("e")
        conditions = []
        by_event: dict[str, str] = {}
        created: list[str] = []
        rules: dict[str, Category] = {}
        for key, category in settings.categories.items():
            if category.retention_years is None:
                continue
            cut = latest_due_trigger(on, category.retention_years)
            if cut is None:
                continue
            rules[key] = category
            if category.after == CREATED:
                created.append(key)
                conditions.append(sa.and_(d.c.category == key, d.c.dated <= cut))
            else:
                by_event[key] = category.after
                conditions.append(sa.and_(d.c.category == key, e.c.occurred_on <= cut))
        if not conditions:
            return None
        held = (
            sa.exists()
            .where(
                holds.c.office_id == d.c.office_id,
                holds.c.released_at.is_(None),
                sa.or_(holds.c.document_id == d.c.id, holds.c.reference == d.c.reference),
            )
            .correlate(d)
        )
        source: Any = d
        trigger: Any = d.c.dated
        if by_event:
            source = d.outerjoin(
                e,
                sa.and_(
                    e.c.document_id == d.c.id,
                    e.c.event == sa.case(by_event, value=d.c.category, else_=sa.null()),
                ),
            )
            trigger = (
                sa.case((d.c.category.in_(created), d.c.dated), else_=e.c.occurred_on)
                if created
                else e.c.occurred_on
            )
        stmt = (
            sa.select(*_DOC_COLUMNS, trigger.label("trigger_on"))
            .select_from(source)
            .where(
                d.c.office_id == self._office.id,
                d.c.status == "active",
                d.c.reviewed_at.is_(None),
                sa.or_(*conditions),
                ~held,
            )
            .order_by(d.c.category, d.c.id)
        )
        return stmt, rules

    def due(self, *, on: dt.date | None = None) -> builtins.list[Due]:
        """Return the documents that may be disposed of on ``on`` (default: today).

        Due: its category keeps documents for a number of years after an event,
        that event's date is known and that many years have passed (see
        [`add_years`][officekit.plugins.clerk.filing.settings.add_years] for 29
        February), no active legal hold covers it, it was neither archived,
        destroyed nor reviewed and kept. Decided by the database in one query.
        Ordered by category, then id.

        Raises:
            ValidationError: ``on`` is not a date.
        """
        day = self._on(on)
        built = self._due_statement(day)
        if built is None:
            return []
        stmt, rules = built
        with self._office.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        found = []
        for row in rows:
            values = dict(row._mapping)
            trigger = values.pop("trigger_on")
            if isinstance(trigger, str):  # a CASE over dates reads back as text on SQLite
                trigger = dt.date.fromisoformat(trigger)
            doc = _to_document(_Row(values))
            rule = rules[doc.category]
            due_on = add_years(trigger, rule.retention_years or 0)
            assert due_on is not None
            found.append(Due(doc, rule.after, trigger, due_on, rule.then))
        return found

    def waiting(self) -> builtins.list[Waiting]:
        """Return the documents whose retention waits for an event's date, oldest first."""
        by_event = {
            k: c.after
            for k, c in self.settings.categories.items()
            if c.after != CREATED and c.retention_years is not None
        }
        if not by_event:
            return []
        d = documents
        e = document_events.alias("e")
        stmt = (
            sa.select(*_DOC_COLUMNS)
            .select_from(
                d.outerjoin(
                    e,
                    sa.and_(
                        e.c.document_id == d.c.id,
                        e.c.event == sa.case(by_event, value=d.c.category, else_=sa.null()),
                    ),
                )
            )
            .where(
                d.c.office_id == self._office.id,
                d.c.status == "active",
                d.c.category.in_(list(by_event)),
                e.c.document_id.is_(None),
            )
            .order_by(d.c.id)
        )
        with self._office.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [Waiting(doc, by_event[doc.category]) for doc in map(_to_document, rows)]

    # -- holds and check-outs -----------------------------------------------------------------

    def holds(self, *, active: bool = True) -> builtins.list[Hold]:
        """Return the legal holds (only those not released, unless ``active=False``)."""
        stmt = sa.select(holds).where(holds.c.office_id == self._office.id)
        if active:
            stmt = stmt.where(holds.c.released_at.is_(None))
        with self._office.engine.connect() as conn:
            return [_to_hold(r) for r in conn.execute(stmt.order_by(holds.c.id))]

    def get_hold(self, hold: Hold | int) -> Hold:
        """Return a legal hold as it is now.

        Raises:
            NotFoundError: The office has no such hold.
        """
        hold_id = check_ref(hold, "hold", Hold, "a legal hold")
        with self._office.engine.connect() as conn:
            row = conn.execute(
                sa.select(holds).where(holds.c.id == hold_id, holds.c.office_id == self._office.id)
            ).one_or_none()
        if row is None:
            raise NotFoundError(f"no legal hold with id {hold_id} in this office")
        return _to_hold(row)

    def checked_out(self) -> builtins.list[Checkout]:
        """Return the paper files out now, first due first."""
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(checkouts)
                .where(checkouts.c.office_id == self._office.id, checkouts.c.returned_at.is_(None))
                .order_by(checkouts.c.due_at, checkouts.c.id)
            )
            return [_to_checkout(r) for r in rows]

    def overdue(self, now: dt.datetime | None = None) -> builtins.list[Checkout]:
        """Return the paper files out past their due time at ``now`` (default: the clock's).

        Raises:
            ValidationError: ``now`` is not an aware datetime.
        """
        from officekit.core.validate import check_aware

        when = self._office.clock.now() if now is None else check_aware(now, "now")
        with self._office.engine.connect() as conn:
            rows = conn.execute(
                sa.select(checkouts)
                .where(
                    checkouts.c.office_id == self._office.id,
                    checkouts.c.returned_at.is_(None),
                    checkouts.c.due_at < when,
                )
                .order_by(checkouts.c.due_at, checkouts.c.id)
            )
            return [_to_checkout(r) for r in rows]


class _Row:
    """A mapping posing as a row, for ``_to_document``."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._mapping = values


# -- desk.filing --------------------------------------------------------------------------------


class FilingDesk:
    """Filing operations at a desk: ``desk.filing``.

    Every input is checked before anything is written: a refused operation
    changes nothing and records nothing (a refusal by the profile, or by a
    category's ``roles``, is recorded as such).
    """

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _room(self) -> FilingRoom:
        room: FilingRoom = self._desk.office.facet(FILING)
        return room

    def _roles_now(self) -> StaffMember:
        office = self._desk.office
        actor = office.staff.get(
            self._desk.actor.id
        )  # roles may have changed since the desk opened
        return actor

    def _check_sees(self, operation: str, doc: Document) -> None:
        """Refuse (and record it) unless the actor may see ``doc``'s category."""
        actor = self._roles_now()
        if doc.category in _hidden(self._room.settings, actor.roles):
            roles = self._room.settings.categories[doc.category].roles
            self._desk.refuse(
                operation,
                f"document:{doc.id}",
                f"documents of category {doc.category!r} are seen only by the roles "
                f"{', '.join(roles)}",
                decided_by="category_roles",
            )

    # -- filing -------------------------------------------------------------------------------

    def file(
        self,
        title: str,
        *,
        category: str | None = None,
        content: bytes | None = None,
        media_type: str | None = None,
        filename: str | None = None,
        cabinet: str | None = None,
        drawer: str | None = None,
        folder: str | None = None,
        text: str | None = None,
        reference: str | None = None,
        dated: dt.date | None = None,
        events: Mapping[str, dt.date] | None = None,
        tags: Sequence[str] = (),
        sender: str | None = None,
    ) -> Document:
        """File a document (``filing.file``): electronic with ``content``, paper with ``cabinet``.

        Args:
            title: Its title, 1 to 300 characters.
            category: Its category; None: classified by the profile's rules and the
                ``officekit_classify_document`` hook (nothing matching is a problem).
            content: An electronic document's bytes, kept in the store by SHA-256.
            media_type: Their media type; default: guessed from ``filename``.
            filename: The file's name, kept as metadata.
            cabinet: A paper document's cabinet.
            drawer: Its drawer.
            folder: Its folder.
            text: Its text for search (an electronic document's is extracted from
                text media types when not given; a paper one's summary).
            reference: The record it belongs to, such as ``"customer:12"``.
            dated: The document's date (the ``created`` event); default: today.
            events: Dates of retention events already known, such as
                ``{"matter_closed": date(2026, 1, 31)}`` (names from ``[filing] events``).
            tags: Its tags (no commas).
            sender: Who sent it (used by the ``senders`` rules).

        Raises:
            ValidationError: Every problem with the arguments, each naming its
                argument; nothing is written.
            PermissionDenied: The member of staff may not file (recorded).
        """
        self._desk.check_open()
        room = self._room
        settings = room.settings
        problems: list[Problem] = []
        clean_title = text_field(
            title, "title", "a document's title", MAX_TITLE_LENGTH, problems, required=True
        )
        if category is not None:
            collect(problems, check_choice, category, "category", settings.categories, "category")
        electronic = content is not None
        if content is not None and not isinstance(content, bytes):
            problems.append(
                Problem("content", f"expected the document's bytes, got {type(content).__name__}")
            )
        elif isinstance(content, bytes) and len(content) > MAX_CONTENT_BYTES:
            problems.append(
                Problem(
                    "content",
                    f"a document is at most {MAX_CONTENT_BYTES} bytes, got {len(content)}",
                )
            )
        if content is None and cabinet is None:
            problems.append(
                Problem("content", "give content (an electronic document) or cabinet (a paper one)")
            )
        if content is not None and any(v is not None for v in (cabinet, drawer, folder)):
            problems.append(
                Problem("cabinet", "an electronic document has no cabinet, drawer or folder")
            )
        places = {
            name: text_field(
                value,
                name,
                f"a {name}",
                MAX_PLACE_LENGTH,
                problems,
                required=name == "cabinet" and value is not None and not electronic,
            )
            for name, value in (("cabinet", cabinet), ("drawer", drawer), ("folder", folder))
        }
        clean_filename = text_field(
            filename, "filename", "a file name", MAX_FILENAME_LENGTH, problems, required=False
        )
        clean_media = None
        if media_type is not None:
            if not electronic:
                problems.append(
                    Problem("media_type", "only an electronic document has a media type")
                )
            elif (
                not isinstance(media_type, str)
                or not _MEDIA_TYPE.match(media_type)
                or len(media_type) > 100
            ):
                problems.append(
                    Problem(
                        "media_type",
                        f"expected a media type such as 'text/plain', got {media_type!r:.80}",
                    )
                )
            else:
                clean_media = media_type.lower()
        elif electronic:
            guessed = mimetypes.guess_type(clean_filename)[0] if clean_filename else None
            clean_media = guessed or "application/octet-stream"
        if text is not None:
            collect(
                problems,
                check_str,
                text,
                "text",
                "a document's text",
                MAX_TEXT_CHARS,
                multiline=True,
            )
        clean_ref = text_field(
            reference,
            "reference",
            "a record's reference",
            MAX_REFERENCE_LENGTH,
            problems,
            required=False,
        )
        day = room.today() if dated is None else _check_date(dated, "dated", problems)
        known_events = _check_events(events, settings, problems)
        clean_tags = _check_tags(tags, problems)
        clean_sender = text_field(
            sender, "sender", "a sender", MAX_SENDER_LENGTH, problems, required=False
        )
        if problems:
            raise ValidationError(problems)
        assert clean_title is not None and day is not None
        body = text
        if body is None and isinstance(content, bytes) and clean_media is not None:
            body = extract_text(content, clean_media)
            if body is not None:
                body = body[:MAX_TEXT_CHARS]
        if category is None:
            found = room.classify(clean_title, text=body, sender=clean_sender)
            if found.category is None:
                raise ValidationError(
                    "no classification rule of the profile matched, and no plugin decided: "
                    "give a category",
                    where="category",
                )
            chosen, classified_by, suggested = found.category, found.classified_by, found.suggested
        else:
            chosen, classified_by, suggested = category, "given", None
        kind = "electronic" if electronic else "paper"
        detail: dict[str, Any] = {"category": chosen, "kind": kind, "classified_by": classified_by}
        if classified_by != "given":
            detail["suggested"] = suggested
        if isinstance(content, bytes):
            detail["size"] = len(content)
        office = self._desk.office
        store = room.store
        stored_new: list[str] = []

        def act(conn: sa.Connection) -> int:
            sha = None
            if isinstance(content, bytes):
                sha, new = store.put(content)
                if new:
                    stored_new.append(sha)
                detail["stored_new"] = new
            doc_id = conn.execute(
                documents.insert()
                .values(
                    office_id=office.id,
                    kind=kind,
                    title=clean_title,
                    category=chosen,
                    reference=clean_ref,
                    dated=day,
                    tags=_tags_text(clean_tags),
                    sender=clean_sender,
                    cabinet=places["cabinet"],
                    drawer=places["drawer"],
                    folder=places["folder"],
                    sha256=sha,
                    media_type=clean_media,
                    filename=clean_filename,
                    size=len(content) if isinstance(content, bytes) else None,
                    text=body,
                    filed_at=office.clock.now(),
                    filed_by=self._desk.actor.id,
                    classified_by=classified_by,
                    status="active",
                )
                .returning(documents.c.id)
            ).scalar_one()
            for name, on in known_events.items():
                conn.execute(
                    document_events.insert().values(document_id=doc_id, event=name, occurred_on=on)
                )
            index_put(
                conn,
                doc_id,
                office_id=office.id,
                category=chosen,
                title=clean_title,
                meta=_meta(chosen, clean_tags, clean_ref, clean_filename),
                body=body,
            )
            detail["document_id"] = doc_id
            return int(doc_id)

        try:
            doc_id, _ = self._desk.perform("filing.file", detail=detail, act=act)
        except BaseException:
            for sha in stored_new:  # nothing refers to bytes this failed operation stored
                store.remove(sha)
            raise
        assert doc_id is not None
        return room.get(doc_id)

    def reclassify(
        self,
        document: Document | int,
        category: str | None = None,
        *,
        events: Mapping[str, dt.date] | None = None,
    ) -> Document:
        """Correct a document's category (a misfile), or record its retention events' dates.

        The event (``filing.reclassify``) names the category before and after, who
        filed it and how it was classified then, and ``misfiled`` (the category
        changed): what the analysis counts misfiles by, against the filer.

        Args:
            document: The document or its id.
            category: Its right category; None: unchanged.
            events: Dates of retention events to record (or correct), such as
                ``{"matter_closed": date(2026, 5, 4)}``.

        Raises:
            ValidationError: Bad arguments, nothing to change, or the same category.
            NotFoundError: No such document.
            ConflictError: It was destroyed, or reclassified by someone else meanwhile.
            PermissionDenied: The member of staff may not reclassify, or may not see
                the document's category (recorded).
        """
        self._desk.check_open()
        room = self._room
        settings = room.settings
        problems: list[Problem] = []
        doc_id = collect(problems, check_ref, document, "document", Document, "a document")
        if category is not None:
            collect(problems, check_choice, category, "category", settings.categories, "category")
        known_events = _check_events(events, settings, problems)
        if category is None and events is None:
            problems.append(Problem("category", "give the right category, or events to record"))
        if problems:
            raise ValidationError(problems)
        assert doc_id is not None
        doc = room.get(doc_id)
        if category is not None and category == doc.category and not known_events:
            raise ValidationError(
                f"document {doc.id} is already in category {category!r}", where="category"
            )
        self._check_sees("filing.reclassify", doc)
        if doc.status == "destroyed":
            raise ConflictError(f"document {doc.id} was destroyed: it cannot be reclassified")
        new = category or doc.category
        detail: dict[str, Any] = {
            "document_id": doc.id,
            "from": doc.category,
            "to": new,
            "misfiled": new != doc.category,
            "filed_by": doc.filed_by,
            "classified_by": doc.classified_by,
        }
        if known_events:
            detail["events"] = sorted(known_events)

        def act(conn: sa.Connection) -> None:
            row = conn.execute(
                sa.select(
                    documents.c.category,
                    documents.c.status,
                    documents.c.title,
                    documents.c.tags,
                    documents.c.reference,
                    documents.c.filename,
                    documents.c.text,
                ).where(documents.c.id == doc.id)
            ).one()
            if row.category != doc.category or row.status == "destroyed":
                raise ConflictError(f"document {doc.id} was changed meanwhile: look again")
            if new != doc.category:
                conn.execute(
                    documents.update().where(documents.c.id == doc.id).values(category=new)
                )
                if row.status != "destroyed":
                    tags = tuple(t for t in row.tags.split(",") if t)
                    index_put(
                        conn,
                        doc.id,
                        office_id=self._desk.office.id,
                        category=new,
                        title=row.title,
                        meta=_meta(new, tags, row.reference, row.filename),
                        body=row.text,
                        replace=True,
                    )
            for name, on in known_events.items():
                conn.execute(
                    document_events.delete().where(
                        document_events.c.document_id == doc.id, document_events.c.event == name
                    )
                )
                conn.execute(
                    document_events.insert().values(document_id=doc.id, event=name, occurred_on=on)
                )

        self._desk.perform(
            "filing.reclassify", subject=f"document:{doc.id}", detail=detail, act=act
        )
        return room.get(doc.id)

    # -- paper files out and back -------------------------------------------------------------

    def check_out(
        self, document: Document | int, to: StaffMember | int, *, days: int | None = None
    ) -> Checkout:
        """Check a paper file out to a member of staff (``filing.check_out``).

        Args:
            document: The paper document or its id.
            to: Who takes it (they must be able to see its category).
            days: Days until it is due back; default ``[filing] checkout_days``.

        Raises:
            ValidationError: Bad arguments, an electronic document, or someone who may
                not see it; nothing is written.
            NotFoundError: No such document or member of staff.
            ConflictError: It is out already, or was destroyed.
            PermissionDenied: The member of staff at the desk may not (recorded).
        """
        self._desk.check_open()
        room = self._room
        office = self._desk.office
        problems: list[Problem] = []
        doc_id = collect(problems, check_ref, document, "document", Document, "a document")
        to_id = collect(problems, check_ref, to, "to", StaffMember, "a member of staff")
        if days is not None:
            collect(problems, check_int, days, "days", 1, MAX_CHECKOUT_DAYS)
        if problems:
            raise ValidationError(problems)
        assert doc_id is not None and to_id is not None
        doc = room.get(doc_id)
        member = office.staff.get(to_id)
        if not doc.paper:
            problems.append(
                Problem(
                    "document", f"document {doc.id} is electronic: only paper files are checked out"
                )
            )
        if not member.active:
            problems.append(Problem("to", f"{member.name} has left the office"))
        elif doc.category in _hidden(room.settings, member.roles):
            problems.append(
                Problem("to", f"{member.name} may not see documents of category {doc.category!r}")
            )
        if problems:
            raise ValidationError(problems)
        self._check_sees("filing.check_out", doc)
        span = dt.timedelta(days=days if days is not None else room.settings.checkout_days)
        detail: dict[str, Any] = {
            "document_id": doc.id,
            "to_staff_id": member.id,
            "due_days": span.days,
        }

        def act(conn: sa.Connection) -> int:
            status = conn.execute(
                sa.select(documents.c.status).where(documents.c.id == doc.id)
            ).scalar_one()
            if status != "active":
                raise ConflictError(f"document {doc.id} is {status}: it cannot be checked out")
            out = conn.execute(
                sa.select(checkouts.c.staff_id).where(
                    checkouts.c.document_id == doc.id, checkouts.c.returned_at.is_(None)
                )
            ).first()
            if out is not None:
                raise ConflictError(f"document {doc.id} is already checked out (to staff {out[0]})")
            now = office.clock.now()
            checkout_id = conn.execute(
                checkouts.insert()
                .values(
                    office_id=office.id,
                    document_id=doc.id,
                    staff_id=member.id,
                    checked_out_at=now,
                    checked_out_by=self._desk.actor.id,
                    due_at=now + span,
                )
                .returning(checkouts.c.id)
            ).scalar_one()
            detail["checkout_id"] = checkout_id
            return int(checkout_id)

        try:
            checkout_id, _ = self._desk.perform(
                "filing.check_out", subject=f"document:{doc.id}", detail=detail, act=act
            )
        except sa.exc.IntegrityError:  # checked out by another desk at the same moment
            raise ConflictError(f"document {doc.id} is already checked out") from None
        with office.engine.connect() as conn:
            row = conn.execute(sa.select(checkouts).where(checkouts.c.id == checkout_id)).one()
        return _to_checkout(row)

    def return_file(self, document: Document | int) -> Checkout:
        """Take back a paper file that was checked out (``filing.return``).

        The event records how long it was out, whether it came back ``overdue``, and
        who had it (``to_staff_id``): a late return counts against them.

        Raises:
            ValidationError: ``document`` is not a document or an id.
            NotFoundError: No such document.
            ConflictError: It is not checked out.
            PermissionDenied: The member of staff may not (recorded).
        """
        self._desk.check_open()
        office = self._desk.office
        doc = self._room.get(check_ref(document, "document", Document, "a document"))
        detail: dict[str, Any] = {"document_id": doc.id}

        def act(conn: sa.Connection) -> int:
            row = conn.execute(
                sa.select(
                    checkouts.c.id,
                    checkouts.c.checked_out_at,
                    checkouts.c.due_at,
                    checkouts.c.staff_id,
                ).where(checkouts.c.document_id == doc.id, checkouts.c.returned_at.is_(None))
            ).first()
            if row is None:
                raise ConflictError(f"document {doc.id} is not checked out")
            now = office.clock.now()
            conn.execute(
                checkouts.update()
                .where(checkouts.c.id == row.id)
                .values(returned_at=now, returned_by=self._desk.actor.id)
            )
            detail["checkout_id"] = row.id
            detail["seconds_out"] = round((now - row.checked_out_at).total_seconds(), 3)
            detail["overdue"] = now > row.due_at
            detail["to_staff_id"] = row.staff_id  # who had it: a late return is theirs
            return int(row.id)

        checkout_id, _ = self._desk.perform(
            "filing.return", subject=f"document:{doc.id}", detail=detail, act=act
        )
        with office.engine.connect() as conn:
            found = conn.execute(sa.select(checkouts).where(checkouts.c.id == checkout_id)).one()
        return _to_checkout(found)

    # -- legal holds ---------------------------------------------------------------------------

    def hold(
        self,
        reason: str,
        *,
        document: Document | int | None = None,
        reference: str | None = None,
    ) -> Hold:
        """Place a legal hold (``filing.hold``): on one document, or on a record's documents.

        A hold on a ``reference`` covers every document of that record, those
        filed later too. The reason is kept on the hold, not in the event log.

        Raises:
            ValidationError: A blank reason, or not exactly one of document and reference.
            NotFoundError: No such document.
            PermissionDenied: The member of staff may not (recorded).
        """
        self._desk.check_open()
        office = self._desk.office
        problems: list[Problem] = []
        clean_reason = text_field(
            reason, "reason", "a hold's reason", MAX_REASON_LENGTH, problems, required=True
        )
        doc_id = None
        if document is not None:
            doc_id = collect(problems, check_ref, document, "document", Document, "a document")
        clean_ref = text_field(
            reference,
            "reference",
            "a record's reference",
            MAX_REFERENCE_LENGTH,
            problems,
            required=False,
        )
        if (document is None) == (reference is None):
            problems.append(
                Problem("document/reference", "give a document or a reference, not both")
            )
        if problems:
            raise ValidationError(problems)
        if doc_id is not None:
            self._room.get(doc_id)
        detail: dict[str, Any] = {}
        if doc_id is not None:
            detail["document_id"] = doc_id

        def act(conn: sa.Connection) -> int:
            hold_id = conn.execute(
                holds.insert()
                .values(
                    office_id=office.id,
                    reason=clean_reason,
                    reference=clean_ref,
                    document_id=doc_id,
                    placed_at=office.clock.now(),
                    placed_by=self._desk.actor.id,
                )
                .returning(holds.c.id)
            ).scalar_one()
            if doc_id is not None:
                count = 1
            else:
                count = conn.execute(
                    sa.select(sa.func.count()).where(
                        documents.c.office_id == office.id,
                        documents.c.reference == clean_ref,
                        documents.c.status != "destroyed",
                    )
                ).scalar_one()
            detail["hold_id"] = hold_id
            detail["documents"] = int(count)
            return int(hold_id)

        hold_id, _ = self._desk.perform("filing.hold", detail=detail, act=act)
        assert hold_id is not None
        return self._room.get_hold(hold_id)

    def release_hold(self, hold: Hold | int) -> Hold:
        """Release a legal hold (``filing.release_hold``).

        Raises:
            ValidationError: ``hold`` is not a hold or an id.
            NotFoundError: No such hold.
            ConflictError: It was released already.
            PermissionDenied: The member of staff may not (recorded).
        """
        self._desk.check_open()
        office = self._desk.office
        found = self._room.get_hold(check_ref(hold, "hold", Hold, "a legal hold"))
        if not found.active:
            raise ConflictError(f"legal hold {found.id} was released already")
        detail: dict[str, Any] = {"hold_id": found.id}

        def act(conn: sa.Connection) -> None:
            now = office.clock.now()
            changed = conn.execute(
                holds.update()
                .where(holds.c.id == found.id, holds.c.released_at.is_(None))
                .values(released_at=now, released_by=self._desk.actor.id)
            ).rowcount
            if changed != 1:
                raise ConflictError(f"legal hold {found.id} was released already")
            detail["seconds_held"] = round((now - found.placed_at).total_seconds(), 3)

        self._desk.perform(
            "filing.release_hold", subject=f"hold:{found.id}", detail=detail, act=act
        )
        return self._room.get_hold(found.id)

    # -- disposal ------------------------------------------------------------------------------

    def dispose(self, document: Document | int, action: str | None = None) -> Document:
        """Dispose of a document whose retention has ended (``filing.dispose``).

        ``destroy`` keeps a tombstone row (id, category, record, dates, SHA-256,
        who destroyed it and when) and deletes the title, tags, sender, text, place
        and file name, takes the document out of the search index, and deletes its
        bytes when no other document of the office that is not destroyed has them.
        ``archive`` marks it archived. ``review`` records that it was reviewed and
        kept: it leaves the due list.

        Args:
            document: The document or its id.
            action: ``destroy``, ``archive`` or ``review``; default: its category's. A
                category whose action is ``review`` lets the reviewer choose any;
                otherwise the category's action, or ``review``.

        Raises:
            ValidationError: Bad arguments, or an action the category does not allow.
            NotFoundError: No such document.
            ConflictError: Not due yet, waiting for its event, kept permanently, on
                legal hold, checked out, or disposed of already. Nothing is written.
            PermissionDenied: The member of staff may not, or may not see its category
                (recorded).
        """
        self._desk.check_open()
        room = self._room
        office = self._desk.office
        settings = room.settings
        problems: list[Problem] = []
        doc_id = collect(problems, check_ref, document, "document", Document, "a document")
        if action is not None:
            collect(problems, check_choice, action, "action", ACTIONS, "action")
        if problems:
            raise ValidationError(problems)
        assert doc_id is not None
        doc = room.get(doc_id)
        rule = settings.categories.get(doc.category)
        if rule is None:
            raise ConflictError(
                f"document {doc.id}'s category {doc.category!r} is not in the profile: "
                "reclassify it first"
            )
        chosen = action or rule.then
        if rule.then != "review" and chosen not in (rule.then, "review"):
            raise ValidationError(
                f"category {doc.category!r} says {rule.then!r} at the end of retention "
                f"(or 'review'), not {chosen!r}",
                where="action",
            )
        self._check_sees("filing.dispose", doc)
        today = room.today()
        store = room.store
        aside: list[tuple[str, Path]] = []
        detail: dict[str, Any] = {
            "document_id": doc.id,
            "category": doc.category,
            "action": chosen,
            "rule_action": rule.then,
        }

        def act(conn: sa.Connection) -> None:
            row = conn.execute(sa.select(*_DOC_COLUMNS).where(documents.c.id == doc.id)).one()
            now_doc = _to_document(row)
            if now_doc.category != doc.category:
                raise ConflictError(f"document {doc.id} was reclassified meanwhile: look again")
            if now_doc.status == "destroyed" or (
                now_doc.status == "archived" and chosen != "destroy"
            ):
                raise ConflictError(f"document {doc.id} is {now_doc.status} already")
            event_on = None
            if rule.after != CREATED:
                event_on = conn.execute(
                    sa.select(document_events.c.occurred_on).where(
                        document_events.c.document_id == doc.id,
                        document_events.c.event == rule.after,
                    )
                ).scalar_one_or_none()
            held = [
                r[0]
                for r in conn.execute(
                    _active_holds(office.id), {"b_doc": doc.id, "b_ref": now_doc.reference}
                )
            ]
            state = _retention(
                settings, attrs.evolve(now_doc, status="active"), event_on, held, today
            )
            if state.state in ("held", "permanent", "waiting", "not_due"):
                raise ConflictError(f"document {doc.id} cannot be disposed of: {state.explanation}")
            if state.state == "reviewed" and chosen == "review":
                raise ConflictError(f"document {doc.id} was reviewed and kept already")
            out = conn.execute(
                sa.select(checkouts.c.staff_id).where(
                    checkouts.c.document_id == doc.id, checkouts.c.returned_at.is_(None)
                )
            ).first()
            if out is not None:
                raise ConflictError(
                    f"document {doc.id} is checked out to staff {out[0]}: return it first"
                )
            assert state.due_on is not None
            detail["days_past_due"] = (today - state.due_on).days
            now = office.clock.now()
            who = self._desk.actor.id
            if chosen == "review":
                conn.execute(
                    documents.update().where(documents.c.id == doc.id).values(reviewed_at=now)
                )
                return
            if chosen == "archive":
                conn.execute(
                    documents.update()
                    .where(documents.c.id == doc.id)
                    .values(status="archived", disposal="archive", disposed_at=now, disposed_by=who)
                )
                return
            conn.execute(
                documents.update()
                .where(documents.c.id == doc.id)
                .values(
                    title=DESTROYED_TITLE,
                    tags="",
                    sender=None,
                    text=None,
                    filename=None,
                    cabinet=None,
                    drawer=None,
                    folder=None,
                    status="destroyed",
                    disposal="destroy",
                    disposed_at=now,
                    disposed_by=who,
                )
            )
            index_delete(conn, doc.id)
            if now_doc.sha256 is not None:
                others = conn.execute(
                    sa.select(sa.func.count()).where(
                        documents.c.office_id == office.id,
                        documents.c.sha256 == now_doc.sha256,
                        documents.c.status != "destroyed",
                    )
                ).scalar_one()
                deleted = others == 0
                if deleted:
                    moved = store.set_aside(now_doc.sha256)
                    if moved is not None:
                        aside.append((now_doc.sha256, moved))
                detail["bytes_deleted"] = deleted

        try:
            self._desk.perform(
                "filing.dispose", subject=f"document:{doc.id}", detail=detail, act=act
            )
        except BaseException:
            for sha, moved in aside:
                with contextlib.suppress(OSError):
                    store.restore(sha, moved)
            raise
        for _, moved in aside:
            moved.unlink(missing_ok=True)
        return room.get(doc.id)

    # -- search --------------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 20) -> list[Document]:
        """Search titles, metadata and text; only what this member of staff may see.

        Every word must match (case and accents aside); a word ending in ``*``
        matches the words it begins. Best matches first (a title counts most,
        then category, tags, reference and file name, then the text), then the
        newest. Destroyed documents are not found. Records nothing.

        Args:
            query: The words to look for.
            limit: The most documents returned, 1 to 1000.

        Raises:
            ValidationError: A query with no word or too many, or a bad limit.
            PermissionDenied: The member of staff has left the office.
        """
        self._desk.check_open()
        problems: list[Problem] = []
        terms = collect(problems, parse_query, query)
        collect(problems, check_int, limit, "limit", 1, MAX_SEARCH_LIMIT)
        if problems:
            raise ValidationError(problems)
        assert terms is not None
        office = self._desk.office
        actor = self._roles_now()
        if not actor.active:
            raise PermissionDenied(actor.name, "filing.search", "they have left the office")
        hidden = _hidden(self._room.settings, actor.roles)
        dialect = office.engine.dialect.name
        stmt = search_statement(dialect, _DOC_NAMES, hidden=bool(hidden)).columns(*_DOC_COLUMNS)
        params: dict[str, Any] = {
            "q": backend_query(dialect, terms),
            "office_id": office.id,
            "limit": limit,
        }
        if hidden:
            params["hidden"] = hidden
        with office.engine.connect() as conn:
            return [_to_document(r) for r in conn.execute(stmt, params)]


FILING = OfficeFacet(
    "filing", FilingRoom, "The office's files: documents, retention, holds, check-outs."
)
"""``office.filing``: a [`FilingRoom`][officekit.plugins.clerk.filing.documents.FilingRoom]."""

FILING_DESK = DeskFacet("filing", FilingDesk, "Filing operations at a desk.")
"""``desk.filing``: a [`FilingDesk`][officekit.plugins.clerk.filing.documents.FilingDesk]."""


def _check_document_text(title: object, text: object, sender: object) -> None:
    """Refuse a title, text or sender that is not text fit to read, naming each."""
    problems: list[Problem] = []
    collect(problems, check_str, title, "title", "a title", None)
    if text is not None:
        collect(problems, check_str, text, "text", "a text", None, multiline=True)
    if sender is not None:
        collect(problems, check_str, sender, "sender", "a sender", MAX_SENDER_LENGTH)
    if problems:
        raise ValidationError(problems)
