"""Documents at the assistant's desk: templates rendered, and the queue of incoming documents.

``office.documents.render`` fills a template with fields and records nothing (a
pure function of the office's templates); ``desk.documents.render`` gathers the
fields from a record (the clerk's records) and an appointment (the schedule)
and records a ``documents.render`` event with the template's name, the format
and the number of fields: never the document's text.

An incoming document is logged (``documents.receive``, by someone with the
``document_intake`` responsibility), reviewed (``documents.review``) and then
filed, forwarded to a department or returned to its sender (by someone with
``document_review``). An item is in exactly one state (one column, kept to its
values by a CHECK constraint) and moves only by a guarded ``UPDATE ... WHERE
state = ... RETURNING`` in its operation's transaction: a step from the wrong
state is refused (ConflictError) and changes nothing, so no step is skipped nor
done twice. Filing with the filing desk is the one step in three transactions
(claim ``reviewed`` -> ``filing``, ``filing.file``, complete ``filing`` ->
``filed``): see ``DocumentsDesk.file``. An item still open after its kind's
review deadline is overdue (``office.documents.overdue``, selected in SQL).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.prepared import Prepared
from officekit.core.store import write_transaction
from officekit.core.validate import check_aware, check_choice, check_ref, check_str, unknown_name
from officekit.errors import (
    ConflictError,
    NotFoundError,
    OfficekitError,
    PermissionDenied,
    ValidationError,
)
from officekit.plugins.assistant.documents import hooks
from officekit.plugins.assistant.documents.settings import (
    DOCUMENTS,
    DocumentsSettings,
    template_files,
)
from officekit.plugins.assistant.documents.tables import OPEN_STATES, STATES, document_queue
from officekit.plugins.assistant.documents.templates import (
    FORMATS,
    DocumentTemplate,
    RenderedDocument,
    TemplateSet,
    check_fields,
)

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office

__all__ = [
    "ALLOWED",
    "DOCUMENTS_DESK",
    "DOCUMENTS_OFFICE",
    "RETURN_REASONS",
    "STALE_CLAIM",
    "DocumentsDesk",
    "DocumentsOffice",
    "QueueItem",
]

ALLOWED = {
    "review": "received",
    "file": "reviewed",
    "forward": "reviewed",
    "return": "reviewed",
}
"""The state an item must be in for each step."""

RETURN_REASONS = ("wrong_recipient", "incomplete", "not_accepted", "other")
"""Why an incoming document goes back to its sender."""

_SENDER_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,99}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@attrs.frozen
class QueueItem:
    """An incoming document in the processing queue, and the steps it went through.

    Attributes:
        id: Database id.
        kind: Its kind (``[documents.kinds]``).
        sender_ref: The sender's reference on it (a number, not a name), if any.
        state: ``received``, ``reviewed``, ``filed``, ``forwarded`` or ``returned``.
        received_at: When it was logged.
        received_by: Who logged it.
        due_at: When it must be dealt with by: its kind's ``review_hours`` after its
            receipt. Still ``received`` or ``reviewed`` later, it is overdue.
        reviewed_at: When it was reviewed.
        reviewed_by: Who reviewed it.
        closed_at: When it was filed, forwarded or returned.
        closed_by: Who did it.
        forwarded_to: The department it was forwarded to.
        return_reason: Why it was returned (one of ``RETURN_REASONS``).
        filing_document_id: The filing desk's document, when the filing desk filed it.
    """

    id: int
    kind: str
    sender_ref: str | None
    state: str
    received_at: dt.datetime
    received_by: int
    due_at: dt.datetime
    reviewed_at: dt.datetime | None = None
    reviewed_by: int | None = None
    closed_at: dt.datetime | None = None
    closed_by: int | None = None
    forwarded_to: str | None = None
    return_reason: str | None = None
    filing_document_id: int | None = None

    def overdue(self, now: dt.datetime) -> bool:
        """Whether it is still open after its due time."""
        return self.state in OPEN_STATES and now > self.due_at


# -- statements, built once ----------------------------------------------------------

_FIELDS = [f.name for f in attrs.fields(QueueItem)]
_COLUMNS = tuple(document_queue.c[name] for name in _FIELDS)
_STATE_AT = _FIELDS.index("state")
_OFFICE: sa.BindParameter[int] = sa.bindparam("b_office_id")
_OPEN = sa.or_(*(document_queue.c.state == s for s in OPEN_STATES))

_ITEM = Prepared(
    sa.select(*_COLUMNS).where(
        document_queue.c.id == sa.bindparam("b_item_id"), document_queue.c.office_id == _OFFICE
    )
)
_ALL = Prepared(
    sa.select(*_COLUMNS).where(document_queue.c.office_id == _OFFICE).order_by(document_queue.c.id)
)
_OPEN_ITEMS = Prepared(
    sa.select(*_COLUMNS)
    .where(document_queue.c.office_id == _OFFICE, _OPEN)
    .order_by(document_queue.c.due_at, document_queue.c.id)
)
_IN_STATE = Prepared(
    sa.select(*_COLUMNS)
    .where(document_queue.c.office_id == _OFFICE, document_queue.c.state == sa.bindparam("b_state"))
    .order_by(document_queue.c.id)
)
_OVERDUE = Prepared(
    sa.select(*_COLUMNS)
    .where(
        document_queue.c.office_id == _OFFICE,
        _OPEN,
        document_queue.c.due_at < sa.bindparam("b_now", type_=document_queue.c.due_at.type),
    )
    .order_by(document_queue.c.due_at, document_queue.c.id)
)
_INSERT = Prepared(
    document_queue.insert().returning(document_queue.c.id),
    keys=["office_id", "kind", "sender_ref", "state", "received_at", "received_by", "due_at"],
)


STALE_CLAIM = dt.timedelta(minutes=5)
"""How long a claim for filing holds: after it, ``file`` on the item takes it over."""

_THIS_ITEM = (
    document_queue.c.id == sa.bindparam("b_item_id"),
    document_queue.c.office_id == _OFFICE,
)
_HELD = (
    document_queue.c.state == "filing",
    document_queue.c.closed_at == sa.bindparam("b_held_at", type_=document_queue.c.closed_at.type),
    document_queue.c.closed_by == sa.bindparam("b_held_by", type_=sa.Integer()),
)
_AT = sa.bindparam("b_at", type_=document_queue.c.closed_at.type)
_BY = sa.bindparam("b_by", type_=sa.Integer())
_CLAIM = Prepared(
    document_queue.update()
    .where(*_THIS_ITEM, document_queue.c.state == "reviewed")
    .values(state="filing", closed_at=_AT, closed_by=_BY)
    .returning(*_COLUMNS)
)
_TAKE_OVER = Prepared(
    document_queue.update()
    .where(*_THIS_ITEM, *_HELD)
    .values(closed_at=_AT, closed_by=_BY)
    .returning(*_COLUMNS)
)
_RELEASE = Prepared(
    document_queue.update()
    .where(*_THIS_ITEM, *_HELD)
    .values(state="reviewed", closed_at=None, closed_by=None)
    .returning(document_queue.c.id)
)
_COMPLETE = Prepared(
    document_queue.update()
    .where(*_THIS_ITEM, *_HELD)
    .values(
        state="filed",
        closed_at=_AT,
        filing_document_id=sa.bindparam("b_doc", type_=sa.Integer()),
    )
    .returning(*_COLUMNS)
)


@functools.cache
def _guarded(step: str, keys: tuple[str, ...]) -> Prepared:
    """The guarded update of one step: only from the state ``ALLOWED[step]``."""
    return Prepared(
        document_queue.update()
        .where(
            document_queue.c.id == sa.bindparam("b_item_id"),
            document_queue.c.office_id == _OFFICE,
            document_queue.c.state == ALLOWED[step],
        )
        .returning(*_COLUMNS),
        keys=list(keys),
    )


def _item(row: tuple[Any, ...]) -> QueueItem:
    return QueueItem(*row)


def _count_fields(fields: Mapping[str, Any]) -> int:
    """How many values ``fields`` holds, counting through nested mappings (a record)."""
    total = 0
    for value in fields.values():
        total += _count_fields(value) if isinstance(value, Mapping) else 1
    return total


class DocumentsOffice:
    """The office's documents: ``office.documents``. Nothing here records an event."""

    def __init__(self, office: Office) -> None:
        self._office = office
        self._templates: TemplateSet | None = None

    @property
    def settings(self) -> DocumentsSettings:
        """The profile's ``[documents]`` section."""
        return self._office.profile.section(DOCUMENTS)

    # -- templates --------------------------------------------------------------------------

    @property
    def templates(self) -> TemplateSet:
        """The office's templates: the profile's folders (base first), then the plugins'.

        Read once per office; a later template of the same name and format wins.
        """
        if self._templates is None:
            found: list[DocumentTemplate] = []
            for folder in self.settings.template_folders.values():
                for name, fmt, path in template_files(Path(folder)):
                    found.append(
                        DocumentTemplate(name, path.read_text(encoding="utf-8"), fmt, str(path))
                    )
            found.extend(hooks.register_templates(self._office))
            self._templates = TemplateSet(found)
        return self._templates

    def template_names(self, format: str | None = None) -> list[str]:
        """The names of the office's templates (of one format: ``text`` or ``html``)."""
        if format is not None:
            check_choice(format, "format", FORMATS, "format")
        return self.templates.names(format)

    def _base_fields(self) -> dict[str, Any]:
        office = self._office
        settings = office.profile.office
        return {
            "office": settings.name,
            "today": office.clock.now().astimezone(settings.tz).date(),
        }

    def render(
        self, name: str, fields: Mapping[str, Any], *, format: str = "text"
    ) -> RenderedDocument:
        """Fill the template ``name`` with ``fields``: records nothing.

        Besides the fields given, a template may use ``office`` (the office's name)
        and ``today`` (the office's date), unless ``fields`` gives them. A plugin's
        ``officekit_render_document`` may render the document instead.

        Args:
            name: The template's name (``appointment_confirmation``).
            fields: The values it uses, by name; nested mappings give dotted fields
                (``{"appointment": {"time": ...}}`` is ``appointment.time``).
            format: ``text`` or ``html`` (autoescaped).

        Returns:
            The document.

        Raises:
            ValidationError: A field the template uses is missing, None or blank: each
                one named (``template letter: field 'record.name' is missing``); or a
                wrong argument.
            NotFoundError: The office has no such template in that format.
        """
        if not _NAME.match(check_str(name, "name", "a template's name", 40)):
            raise ValidationError(
                f"a template's name is a lower-case identifier, got {name!r:.60}", where="name"
            )
        check_choice(format, "format", FORMATS, "format")
        given = check_fields(fields)
        values = {**self._base_fields(), **given}
        text = hooks.render_document(self._office, name, values, format)
        if text is not None:
            return RenderedDocument(name, format, text)
        return self.templates.render(name, values, format)

    # -- the queue --------------------------------------------------------------------------

    def _rows(self, statement: Prepared, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._office.engine.connect() as conn:
            return statement.all(conn, {"b_office_id": self._office.id, **params})

    def get(self, item: QueueItem | int) -> QueueItem:
        """Return an item of the queue as it is now.

        Raises:
            NotFoundError: The office has no such item.
        """
        item_id = check_ref(item, "item", QueueItem, "a queue item")
        rows = self._rows(_ITEM, {"b_item_id": item_id})
        if not rows:
            raise NotFoundError(f"no incoming document with id {item_id} in this office")
        return _item(rows[0])

    def queue(self, *, state: str | None = None) -> list[QueueItem]:
        """Return the queue: the open items (received or reviewed), soonest due first.

        Args:
            state: Only the items in this state, in the order they were received;
                ``"all"``: every item, in that order.

        Raises:
            ValidationError: An unknown state.
        """
        if state is None:
            return [_item(r) for r in self._rows(_OPEN_ITEMS, {})]
        check_choice(state, "state", (*STATES, "all"), "state")
        if state == "all":
            return [_item(r) for r in self._rows(_ALL, {})]
        return [_item(r) for r in self._rows(_IN_STATE, {"b_state": state})]

    def overdue(self, now: dt.datetime | None = None) -> list[QueueItem]:
        """Return the overdue items: still received or reviewed after their due time.

        Selected in SQL (``state`` open and ``due_at < now``), most overdue first.

        Args:
            now: The moment to judge by; default the office's clock.

        Raises:
            ValidationError: ``now`` is not an aware datetime.
        """
        when = self._office.clock.now() if now is None else check_aware(now, "now")
        return [_item(r) for r in self._rows(_OVERDUE, {"b_now": when})]


class DocumentsDesk:
    """Documents at a desk: ``desk.documents``: render, and move the incoming queue."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    @property
    def _room(self) -> DocumentsOffice:
        room: DocumentsOffice = self._office.facet(DOCUMENTS_OFFICE)
        return room

    # -- rendering ------------------------------------------------------------------------

    def render(
        self,
        name: str,
        *,
        record: Any = None,
        appointment: Any = None,
        fields: Mapping[str, Any] | None = None,
        format: str = "text",
    ) -> RenderedDocument:
        """Produce a document from a template, its fields gathered (``documents.render``).

        Args:
            name: The template's name.
            record: A record of the clerk's records (or its id): its values are the
                fields ``record.<field>``, with ``record.id`` and ``record.kind``; a
                kind whose name is in several fields (a patient's given and family
                names) also gets ``record.name``, those fields joined.
            appointment: An appointment of the schedule (its uid): its fields
                (``office.schedule.appointment_fields``: ``date``, ``time``,
                ``provider``, ``location``...) are top-level fields, as the schedule
                gives them to the confirmation and reminder templates.
            fields: More fields, by name; they win over the gathered ones.
            format: ``text`` or ``html``.

        Returns:
            The document. The event records the template, the format and the number
            of fields, never the text.

        Raises:
            ValidationError: A missing field (each named), a wrong argument, or a
                record or appointment asked of an office without records or a
                schedule; nothing is recorded.
            NotFoundError: No such template, record or appointment; nothing is recorded.
            ConflictError: The record was erased; nothing is recorded.
            PermissionDenied: The member of staff may not produce documents (recorded).
        """
        self._desk.check_open()
        office = self._office
        gathered: dict[str, Any] = {}
        if record is not None:
            if "records" not in office.office_facets:
                raise ValidationError(
                    "this office has no records (the clerk's records are turned off)",
                    where="record",
                )
            found = office.records.get(record)
            if found.erased:
                raise ConflictError(f"record {found.id} was erased: no document is made from it")
            values = {**found.data, "id": found.id, "kind": found.kind}
            if not values.get("name"):  # a patient's or a student's: given and family names
                kind = office.records.kinds.get(found.kind)
                parts = [str(found.data.get(f) or "") for f in (kind.name_fields if kind else ())]
                if any(parts):
                    values["name"] = " ".join(p for p in parts if p)
            gathered["record"] = values
        if appointment is not None:
            schedule = office.schedule if "schedule" in office.office_facets else None
            if schedule is None or not hasattr(schedule, "appointment_fields"):
                raise ValidationError(
                    "this office has no schedule to take an appointment's fields from",
                    where="appointment",
                )
            values = schedule.appointment_fields(appointment)
            if not isinstance(values, Mapping):
                raise ValidationError(
                    f"the schedule gave no fields for appointment {appointment!r:.60}",
                    where="appointment",
                )
            gathered.update(values)
        if fields is not None:
            gathered.update(check_fields(fields))
        room = self._room
        detail: dict[str, Any] = {"template": name, "format": format}

        def act(conn: sa.Connection) -> RenderedDocument:
            del conn
            done = room.render(name, gathered, format=format)
            detail["fields"] = _count_fields(gathered)
            return done

        check_str(name, "name", "a template's name", 40)
        check_choice(format, "format", FORMATS, "format")
        document, _ = self._desk.perform("documents.render", detail=detail, act=act)
        assert document is not None
        return document

    # -- the queue ------------------------------------------------------------------------

    def receive(self, kind: str, *, sender_ref: str | None = None) -> QueueItem:
        """Log an incoming document into the queue (``documents.receive``).

        Args:
            kind: Its kind, one of the profile's ``[documents.kinds]``.
            sender_ref: The sender's reference on it (a letter's number, a court's
                case number: letters, digits and ``_.:/#-``, no spaces, no names).

        Returns:
            The item, ``received``, due after its kind's review deadline.

        Raises:
            ValidationError: An unknown kind or a malformed reference; nothing is written.
            PermissionDenied: The member of staff may not log documents (recorded).
        """
        self._desk.check_open()
        office = self._office
        settings = self._room.settings
        if not isinstance(kind, str) or kind not in settings.kinds:
            raise ValidationError(
                unknown_name("kind of document", kind, settings.kinds), where="kind"
            )
        if sender_ref is not None and (
            not isinstance(sender_ref, str) or not _SENDER_REF.match(sender_ref)
        ):
            raise ValidationError(
                "a sender's reference is 1 to 100 letters, digits and _.:/#- (no spaces, no "
                f"names), got {sender_ref!r:.80}",
                where="sender_ref",
            )
        now = office.clock.now()
        hours = settings.hours_for(kind)
        due = now + dt.timedelta(hours=hours)
        detail: dict[str, Any] = {"kind": kind, "state": "received", "review_hours": hours}
        values = {
            "office_id": office.id, "kind": kind, "sender_ref": sender_ref, "state": "received",
            "received_at": now, "received_by": self._desk.actor.id,
            "due_at": due,
        }  # fmt: skip

        def act(conn: sa.Connection) -> QueueItem:
            row = _INSERT.first(conn, values)
            assert row is not None
            item_id = int(row[0])
            detail["item_id"] = item_id
            return QueueItem(
                item_id, kind, sender_ref, "received", now, self._desk.actor.id, due,
            )  # fmt: skip

        item, _ = self._desk.perform("documents.receive", detail=detail, act=act)
        assert item is not None
        return item

    def _step(
        self, item: QueueItem | int, step: str, values: dict[str, Any], detail: dict[str, Any]
    ) -> QueueItem:
        """Move an item by one guarded update, in the operation's transaction."""
        self._desk.check_open()
        office = self._office
        item_id = check_ref(item, "item", QueueItem, "a queue item")
        params = {"b_office_id": office.id, "b_item_id": item_id}
        statement = _guarded(step, tuple(sorted(values)))
        done: list[QueueItem] = []
        now = values["reviewed_at" if step == "review" else "closed_at"]
        detail = {"item_id": item_id, **detail}

        def act(conn: sa.Connection) -> None:
            row = statement.first(conn, {**params, **values})
            if row is None:
                current = _ITEM.first(conn, params)
                if current is None:
                    raise NotFoundError(f"no incoming document with id {item_id} in this office")
                raise ConflictError(_refusal(item_id, current[_STATE_AT], step))
            got = _item(row)
            done.append(got)
            detail["kind"] = got.kind
            detail["state"] = got.state
            detail["minutes"] = int((now - got.received_at).total_seconds() // 60)
            detail["overdue"] = now > got.due_at

        operation = f"documents.{step}"
        self._desk.perform(operation, subject=f"document_item:{item_id}", detail=detail, act=act)
        return done[0]

    def review(self, item: QueueItem | int) -> QueueItem:
        """Review a received document (``documents.review``).

        Raises:
            ConflictError: The item is not ``received``; nothing is written.
            NotFoundError: The office has no such item.
            PermissionDenied: The member of staff may not review documents (recorded).
        """
        now = self._office.clock.now()
        values = {"state": "reviewed", "reviewed_at": now, "reviewed_by": self._desk.actor.id}
        return self._step(item, "review", values, {})

    def _closing(self, state: str) -> dict[str, Any]:
        return {"state": state, "closed_at": self._office.clock.now(),
                "closed_by": self._desk.actor.id}  # fmt: skip

    def file(
        self,
        item: QueueItem | int,
        *,
        title: str | None = None,
        cabinet: str | None = None,
        content: bytes | None = None,
        filename: str | None = None,
        reference: str | None = None,
    ) -> QueueItem:
        """File a reviewed document (``documents.file``).

        Where the office has the filing desk (``"filing" in office.office_facets``),
        it takes three short transactions, so that no item is filed twice:

        1. the item is claimed: ``reviewed`` -> ``filing`` by a guarded update (two
           desks filing it at once: one claims it, the other gets ConflictError
           before anything is filed; nor can it be returned or forwarded meanwhile);
        2. the document is filed at the filing desk (``filing.file``, under its
           kind's ``filing_category``, tagged ``incoming:<item id>``);
        3. the item is completed: ``filing`` -> ``filed`` with the filing desk's
           document id (the ``documents.file`` event), guarded by the claim.

        A refusal of step 2 (a ValidationError, a PermissionDenied) releases the
        claim: the item is ``reviewed`` again. A crash between the steps leaves the
        item ``filing``: listed in the queue (``office.documents.queue(state="filing")``)
        and overdue in time; calling ``file`` on it again once the claim is
        ``STALE_CLAIM`` old takes the claim over and completes it, filing the document
        only if no document tagged with the item is filed yet (``recovered`` in the
        event). Without the filing desk, the item is only marked filed (one
        transaction), and the filing arguments are not used.

        Args:
            item: The item, ``reviewed`` (or ``filing``, left so by a crash).
            title: The filed document's title; default: its kind and the day it came.
            cabinet: A paper document's cabinet; default ``"Incoming"`` (without content).
            content: An electronic document's bytes.
            filename: Their file name.
            reference: The record it belongs to (``"customer:12"``).

        Raises:
            ConflictError: The item is not ``reviewed``, or is being filed at another
                desk (claimed less than ``STALE_CLAIM`` ago); nothing is written.
            NotFoundError: The office has no such item.
            ValidationError: The filing desk refused the document (each problem named);
                nothing is filed and the item stays ``reviewed``.
            PermissionDenied: The member of staff may not file it (recorded).
        """
        self._desk.check_open()
        office = self._office
        room = self._room
        current = room.get(item)
        subject = f"document_item:{current.id}"
        if current.state not in ("reviewed", "filing"):
            raise ConflictError(_refusal(current.id, current.state, "file"))
        self._allowed("documents.file", subject)  # before anything is claimed or filed
        if "filing" not in office.office_facets:
            if current.state == "filing":  # claimed while the filing desk ran: complete it
                claim = self._claim(current)
                return self._complete(claim, None, {"recovered": True})
            return self._step(current, "file", self._closing("filed"), {})
        self._allowed("filing.file", None)  # a refusal claims nothing
        claim = self._claim(current)
        marker = f"incoming:{current.id}"
        found = self._filed_with(marker) if current.state == "filing" else None
        if found is None:
            kind = room.settings.kinds.get(current.kind)
            day = current.received_at.astimezone(office.profile.office.tz).date()
            default_title = f"{current.kind.replace('_', ' ').capitalize()} received {day}"
            try:
                filed = self._desk.filing.file(
                    default_title if title is None else title,
                    category=None if kind is None else kind.filing_category,
                    content=content,
                    cabinet=cabinet if cabinet is not None or content is not None else "Incoming",
                    filename=filename,
                    reference=reference,
                    dated=day,
                    tags=[marker],
                )
            except OfficekitError:  # refused before anything was written: let it go
                self._release(claim)
                raise
            found = int(filed.id)
        detail: dict[str, Any] = {"document_id": found}
        if current.state == "filing":
            detail["recovered"] = True
        return self._complete(claim, found, detail)

    def _allowed(self, operation: str, subject: str | None) -> None:
        """Record and raise a refusal of ``operation`` to this member of staff, if any."""
        decision = self._desk.can(operation, subject)
        if not decision.allowed:
            self._desk.record_refusal(
                operation, subject, decision.reason, decided_by=decision.decided_by
            )
            raise PermissionDenied(self._desk.actor.name, operation, decision.reason)

    def _claim(self, current: QueueItem) -> QueueItem:
        """Claim an item for filing, in a transaction of its own (no event): the claim.

        From ``reviewed``; or from ``filing`` when its claim is ``STALE_CLAIM`` old
        (taken over, guarded by the old claim's time and holder).
        """
        office = self._office
        now = office.clock.now()
        params: dict[str, Any] = {
            "b_office_id": office.id, "b_item_id": current.id,
            "b_at": now, "b_by": self._desk.actor.id,
        }  # fmt: skip
        if current.state == "filing":
            assert current.closed_at is not None and current.closed_by is not None
            if now - current.closed_at < STALE_CLAIM:
                raise ConflictError(
                    f"incoming document {current.id} is being filed (claimed at "
                    f"{current.closed_at:%Y-%m-%d %H:%M} UTC by staff {current.closed_by}): "
                    f"try again after {current.closed_at + STALE_CLAIM:%Y-%m-%d %H:%M} UTC"
                )
            statement = _TAKE_OVER
            params.update(b_held_at=current.closed_at, b_held_by=current.closed_by)
        else:
            statement = _CLAIM
        with write_transaction(office.engine) as conn:
            row = statement.first(conn, params)
            if row is None:
                now_row = _ITEM.first(conn, {k: params[k] for k in ("b_office_id", "b_item_id")})
                state = current.state if now_row is None else now_row[_STATE_AT]
                raise ConflictError(
                    f"incoming document {current.id} is {state}: it was claimed or moved at "
                    "another desk meanwhile; nothing was filed"
                )
        return _item(row)

    def _release(self, claim: QueueItem) -> None:
        """Give a claim back (``filing`` -> ``reviewed``) when nothing was filed."""
        office = self._office
        with write_transaction(office.engine) as conn:
            _RELEASE.first(conn, {
                "b_office_id": office.id, "b_item_id": claim.id,
                "b_held_at": claim.closed_at, "b_held_by": claim.closed_by,
            })  # fmt: skip

    def _filed_with(self, marker: str) -> int | None:
        """The filing desk's document tagged ``marker`` (filed before a crash), if any."""
        filing = self._office.filing
        for doc in filing.list(limit=1000, include_destroyed=True):
            if marker in doc.tags:
                return int(doc.id)
        return None

    def _complete(
        self, claim: QueueItem, document_id: int | None, extra: dict[str, Any]
    ) -> QueueItem:
        """``filing`` -> ``filed``, guarded by ``claim`` (``documents.file``)."""
        office = self._office
        now = office.clock.now()
        params = {
            "b_office_id": office.id, "b_item_id": claim.id,
            "b_held_at": claim.closed_at, "b_held_by": claim.closed_by,
            "b_at": now, "b_doc": document_id,
        }  # fmt: skip
        detail: dict[str, Any] = {"item_id": claim.id, **extra}
        done: list[QueueItem] = []

        def act(conn: sa.Connection) -> None:
            row = _COMPLETE.first(conn, params)
            if row is None:
                raise ConflictError(
                    f"incoming document {claim.id}: its claim was taken over at another desk "
                    "while it was being filed"
                )
            got = _item(row)
            done.append(got)
            detail["kind"] = got.kind
            detail["state"] = got.state
            detail["minutes"] = int((now - got.received_at).total_seconds() // 60)
            detail["overdue"] = now > got.due_at

        subject = f"document_item:{claim.id}"
        self._desk.perform("documents.file", subject=subject, detail=detail, act=act)
        return done[0]

    def forward(self, item: QueueItem | int, *, to: str) -> QueueItem:
        """Forward a reviewed document to a department (``documents.forward``).

        Args:
            item: The item, ``reviewed``.
            to: The department, one of the profile's ``[documents] forward_to`` (or,
                when that is empty, of its departments).

        Raises:
            ValidationError: An unknown department; nothing is written.
            ConflictError: The item is not ``reviewed``; nothing is written.
            NotFoundError: The office has no such item.
        """
        check_ref(item, "item", QueueItem, "a queue item")
        allowed = self._room.settings.forward_to or tuple(self._office.profile.departments)
        check_choice(to, "to", allowed, "department to forward to")
        values = {**self._closing("forwarded"), "forwarded_to": to}
        return self._step(item, "forward", values, {"department": to})

    def return_item(self, item: QueueItem | int, *, reason: str = "wrong_recipient") -> QueueItem:
        """Return a reviewed document to its sender (``documents.return``).

        Args:
            item: The item, ``reviewed``.
            reason: One of ``RETURN_REASONS``.

        Raises:
            ValidationError: An unknown reason; nothing is written.
            ConflictError: The item is not ``reviewed``; nothing is written.
            NotFoundError: The office has no such item.
        """
        check_ref(item, "item", QueueItem, "a queue item")
        check_choice(reason, "reason", RETURN_REASONS, "return reason")
        values = {**self._closing("returned"), "return_reason": reason}
        return self._step(item, "return", values, {"reason": reason})


def _refusal(item_id: int, state: str, step: str) -> str:
    verb = {"review": "reviewed", "file": "filed", "forward": "forwarded", "return": "returned"}
    return (
        f"incoming document {item_id} is {state}: only one that is {ALLOWED[step]} can be "
        f"{verb[step]}"
    )


DOCUMENTS_OFFICE: OfficeFacet[DocumentsOffice] = OfficeFacet(
    "documents",
    DocumentsOffice,
    "Document templates rendered, and the queue of incoming documents: items, overdue ones.",
)
"""``office.documents``, typed: ``office.facet(DOCUMENTS_OFFICE)``."""

DOCUMENTS_DESK: DeskFacet[DocumentsDesk] = DeskFacet(
    "documents",
    DocumentsDesk,
    "Documents at the desk: render one; receive, review, file, forward and return incoming ones.",
)
"""``desk.documents``, typed: ``desk.facet(DOCUMENTS_DESK)``."""
