"""Payroll cheques from the outsourced payroll company: receipt, pickup, hand-over, holds.

A batch of cheques arrives with a manifest (``desk.payroll.receive``); a member of
staff of the designated role picks it up and counts it against the manifest
(``desk.payroll.pickup``): a cheque missing from the batch or one the manifest does
not list is an exception, recorded and listed for the payroll company. Each cheque
is then handed to its employee, who acknowledges it (``desk.payroll.hand_over``);
the cheque of an absent employee is held in the safe until the profile's deadline
(``desk.payroll.hold``), and one that cannot be handed over goes back to the
payroll company (``desk.payroll.return_cheque``).

A cheque is in exactly one state (one column, kept to its values by a CHECK
constraint), and moves only by a guarded ``UPDATE ... WHERE state IN (...)
RETURNING`` inside its operation's transaction, so that two desks cannot both
move it. Every move is an event: the chain of custody is the event log. Net
amounts are pay data: they are never in events, and listings show them only to a
viewer whom the profile lets hand cheques over (the designated role).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.prepared import Prepared
from officekit.core.staff import StaffMember
from officekit.core.validate import check_aware, check_choice, check_path, check_ref, text_field
from officekit.errors import ConflictError, NotFoundError, Problem, ValidationError
from officekit.plugins.money.payroll import hooks
from officekit.plugins.money.payroll.manifest import (
    CHEQUE_NUMBER,
    Manifest,
    ManifestLine,
    check_line,
    read_csv_manifest,
)
from officekit.plugins.money.payroll.settings import PAYROLL
from officekit.plugins.money.payroll.tables import (
    payroll_batches,
    payroll_cheques,
    payroll_exceptions,
)

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.events import Event
    from officekit.core.office import Office

__all__ = [
    "ALLOWED",
    "PAYROLL_DESK",
    "PAYROLL_OFFICE",
    "RETURN_REASONS",
    "UNDISTRIBUTED",
    "Batch",
    "Cheque",
    "PayrollDesk",
    "PayrollException",
    "PayrollOffice",
]

ALLOWED = {
    "pickup": ("received",),
    "hold": ("picked_up",),
    "hand_over": ("picked_up", "held"),
    "return": ("picked_up", "held"),
}
"""The states a cheque may be in for each step (pickup moves the whole batch)."""

UNDISTRIBUTED = ("received", "picked_up", "held")
"""The states of a cheque not yet handed over nor returned."""

RETURN_REASONS = ("uncollected", "employee_left", "wrong_details", "other")
"""Why a cheque goes back to the payroll company."""

MAX_ACKNOWLEDGEMENT = 200
_CENTS = Decimal("0.01")


@attrs.frozen
class Cheque:
    """One cheque (or pay slip) of a batch, and where it is in the chain of custody.

    Attributes:
        id: Database id.
        batch_id: Its batch.
        cheque_number: The payroll company's number.
        staff_id: The employee it pays.
        pay_date: The pay date.
        net_amount: The net amount, or None for a viewer who may not see pay data.
        state: ``received`` (listed by the manifest), ``picked_up``, ``missing`` (not
            in the batch at pickup), ``held``, ``handed_over`` or ``returned``.
        due_at: When it should be handed over by: the profile's
            ``distribute_within_days`` after the pay date, or, once held, the end of
            the hold (``hold_days``). Undistributed after it, it is overdue.
        picked_up_at: When its batch was picked up with it.
        held_at: When it was put in the safe for an absent employee.
        handed_over_at: When its employee received it.
        handed_over_by: Who handed it over.
        acknowledgement: The employee's acknowledgement: ``"in person"``, or the text
            or signature reference given.
        returned_at: When it went back to the payroll company.
        return_reason: Why (one of ``RETURN_REASONS``).
    """

    id: int
    batch_id: int
    cheque_number: str
    staff_id: int
    pay_date: dt.date
    net_amount: Decimal | None
    state: str
    due_at: dt.datetime
    picked_up_at: dt.datetime | None = None
    held_at: dt.datetime | None = None
    handed_over_at: dt.datetime | None = None
    handed_over_by: int | None = None
    acknowledgement: str | None = None
    returned_at: dt.datetime | None = None
    return_reason: str | None = None

    def overdue(self, now: dt.datetime) -> bool:
        """Whether it is undistributed after its due time."""
        return self.state in UNDISTRIBUTED and now > self.due_at


@attrs.frozen
class Batch:
    """A batch of cheques from the payroll company, with its manifest's count.

    Attributes:
        id: Database id.
        provider: The reader that read its manifest (``"csv"`` or a plugin's).
        source: The manifest's file name.
        cheques: How many cheques the manifest lists.
        state: ``received`` or ``picked_up``.
        received_at: When it was recorded.
        received_by: Who recorded it.
        picked_up_at: When it was picked up.
        picked_up_by: Who picked it up.
    """

    id: int
    provider: str
    source: str
    cheques: int
    state: str
    received_at: dt.datetime
    received_by: int
    picked_up_at: dt.datetime | None = None
    picked_up_by: int | None = None


@attrs.frozen
class PayrollException:
    """A cheque counted at pickup that does not match the manifest: for the payroll company.

    Attributes:
        batch_id: The batch.
        cheque_number: The cheque's number.
        kind: ``missing`` (listed, not in the batch) or ``extra`` (in the batch, not listed).
        cheque_id: The listed cheque, for a missing one.
        recorded_at: When the pickup found it.
    """

    batch_id: int
    cheque_number: str
    kind: str
    cheque_id: int | None
    recorded_at: dt.datetime


# -- statements, built once ----------------------------------------------------------

_CHEQUE_FIELDS = [f.name for f in attrs.fields(Cheque)]
_CHEQUE_COLUMNS = tuple(
    payroll_cheques.c.net_minor if name == "net_amount" else payroll_cheques.c[name]
    for name in _CHEQUE_FIELDS
)
_AMOUNT_AT = _CHEQUE_FIELDS.index("net_amount")
_BATCH_COLUMNS = tuple(payroll_batches.c[f.name] for f in attrs.fields(Batch))

_OFFICE: sa.BindParameter[int] = sa.bindparam("b_office_id")
_CHEQUE = Prepared(
    sa.select(*_CHEQUE_COLUMNS).where(
        payroll_cheques.c.id == sa.bindparam("b_cheque_id"), payroll_cheques.c.office_id == _OFFICE
    )
)
_CHEQUES_OF_BATCH = Prepared(
    sa.select(*_CHEQUE_COLUMNS)
    .where(
        payroll_cheques.c.batch_id == sa.bindparam("b_batch_id"),
        payroll_cheques.c.office_id == _OFFICE,
    )
    .order_by(payroll_cheques.c.id)
)
_CHEQUES = Prepared(
    sa.select(*_CHEQUE_COLUMNS)
    .where(payroll_cheques.c.office_id == _OFFICE)
    .order_by(payroll_cheques.c.id)
)
_OUTSTANDING = Prepared(
    sa.select(*_CHEQUE_COLUMNS)
    .where(
        payroll_cheques.c.office_id == _OFFICE,
        sa.or_(*(payroll_cheques.c.state == s for s in UNDISTRIBUTED)),
        payroll_cheques.c.due_at < sa.bindparam("b_now", type_=payroll_cheques.c.due_at.type),
    )
    .order_by(payroll_cheques.c.due_at, payroll_cheques.c.id)
)
_BATCH = Prepared(
    sa.select(*_BATCH_COLUMNS).where(
        payroll_batches.c.id == sa.bindparam("b_batch_id"), payroll_batches.c.office_id == _OFFICE
    )
)
_EXCEPTIONS = Prepared(
    sa.select(
        payroll_exceptions.c.batch_id,
        payroll_exceptions.c.cheque_number,
        payroll_exceptions.c.kind,
        payroll_exceptions.c.cheque_id,
        payroll_exceptions.c.recorded_at,
    )
    .where(
        payroll_exceptions.c.batch_id == sa.bindparam("b_batch_id"),
        payroll_exceptions.c.office_id == _OFFICE,
    )
    .order_by(
        sa.case((payroll_exceptions.c.kind == "missing", 0), else_=1),
        payroll_exceptions.c.cheque_number,
    )
)
_INSERT_BATCH = Prepared(
    payroll_batches.insert().returning(payroll_batches.c.id),
    keys=["office_id", "provider", "source", "cheques", "state", "received_at", "received_by"],
)
_INSERT_CHEQUES = payroll_cheques.insert()
_INSERT_EXCEPTIONS = payroll_exceptions.insert()
_TAKEN_NUMBERS = sa.select(payroll_cheques.c.cheque_number).where(
    payroll_cheques.c.office_id == _OFFICE,
    payroll_cheques.c.cheque_number.in_(sa.bindparam("b_numbers", expanding=True)),
)
_PICK_UP_BATCH = Prepared(
    payroll_batches.update()
    .where(
        payroll_batches.c.id == sa.bindparam("b_batch_id"),
        payroll_batches.c.office_id == _OFFICE,
        payroll_batches.c.state == "received",
    )
    .values(
        state="picked_up",
        picked_up_at=sa.bindparam("b_now", type_=payroll_batches.c.picked_up_at.type),
        picked_up_by=sa.bindparam("b_staff_id"),
    )
    .returning(payroll_batches.c.id)
)
_LISTED = Prepared(
    sa.select(payroll_cheques.c.id, payroll_cheques.c.cheque_number)
    .where(
        payroll_cheques.c.batch_id == sa.bindparam("b_batch_id"),
        payroll_cheques.c.state == "received",
    )
    .order_by(payroll_cheques.c.id)
)
_PICK_UP_CHEQUES = Prepared(
    payroll_cheques.update()
    .where(
        payroll_cheques.c.batch_id == sa.bindparam("b_batch_id"),
        payroll_cheques.c.state == "received",
    )
    .values(
        state="picked_up",
        picked_up_at=sa.bindparam("b_now", type_=payroll_cheques.c.picked_up_at.type),
    )
)
_MARK_MISSING = (
    payroll_cheques.update()
    .where(
        payroll_cheques.c.batch_id == sa.bindparam("b_batch_id"),
        payroll_cheques.c.state == "picked_up",
        payroll_cheques.c.id.in_(sa.bindparam("b_ids", expanding=True)),
    )
    .values(state="missing", picked_up_at=None)
)


@functools.cache
def _guarded(action: str, keys: tuple[str, ...], for_staff: bool) -> Prepared:
    """The guarded update of one step: only from the states ``ALLOWED[action]``."""
    where = [
        payroll_cheques.c.id == sa.bindparam("b_cheque_id"),
        payroll_cheques.c.office_id == _OFFICE,
        sa.or_(*(payroll_cheques.c.state == s for s in ALLOWED[action])),
    ]
    if for_staff:
        where.append(payroll_cheques.c.staff_id == sa.bindparam("b_staff_id"))
    return Prepared(
        payroll_cheques.update().where(*where).returning(*_CHEQUE_COLUMNS), keys=list(keys)
    )


def _minor(amount: Decimal) -> int:
    return int((amount / _CENTS).to_integral_value())


def _cheque(row: tuple[Any, ...], visible: bool) -> Cheque:
    values = list(row)
    values[_AMOUNT_AT] = (Decimal(values[_AMOUNT_AT]) * _CENTS) if visible else None
    return Cheque(*values)


def _resolve_employee(staff: Sequence[StaffMember], employee: str) -> StaffMember | str:
    """The member of staff a manifest names (an id, or a name), or why none."""
    if employee.isdigit():
        wanted = int(employee)
        by_id = [m for m in staff if m.id == wanted]
        return by_id[0] if by_id else f"no member of staff has id {wanted}"
    name = " ".join(employee.split()).casefold()
    found = [m for m in staff if " ".join(m.name.split()).casefold() == name and m.active]
    if len(found) == 1:
        return found[0]
    if not found:
        return f"no active member of staff is called {employee!r}: give a staff id"
    return f"{len(found)} members of staff are called {employee!r}: give a staff id"


def _end_of(day: dt.date, days: int, tz: dt.tzinfo) -> dt.datetime:
    """The end of ``days`` days after ``day`` in the office's timezone, in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=days + 1), dt.time(), tz).astimezone(dt.UTC)


class PayrollOffice:
    """The office's payroll cheques: ``office.payroll``.

    Listings show a cheque's net amount only to a ``viewer`` whom the profile lets
    hand cheques over (``payroll.hand_over``: the designated role, at its level);
    to anyone else, or without a viewer, ``net_amount`` is None. At a desk,
    ``desk.payroll`` lists with the desk's member of staff as the viewer.
    """

    def __init__(self, office: Office) -> None:
        self._office = office

    def may_see_amounts(self, viewer: StaffMember | int | None) -> bool:
        """Whether ``viewer`` may see net amounts: the profile lets them hand cheques over.

        Raises:
            ValidationError: ``viewer`` is not a member of staff or an id.
            NotFoundError: The office has nobody with that id.
        """
        if viewer is None:
            return False
        office = self._office
        member = office.staff.get(check_ref(viewer, "viewer", StaffMember, "a member of staff"))
        return office.kernel.authorise(member, office.operations["payroll.hand_over"]).allowed

    def _rows(self, statement: Prepared, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._office.engine.connect() as conn:
            return statement.all(conn, {"b_office_id": self._office.id, **params})

    def get(self, cheque: Cheque | int, *, viewer: StaffMember | int | None = None) -> Cheque:
        """Return a cheque as it is now.

        Raises:
            NotFoundError: The office has no such cheque.
        """
        cheque_id = check_ref(cheque, "cheque", Cheque, "a cheque")
        rows = self._rows(_CHEQUE, {"b_cheque_id": cheque_id})
        if not rows:
            raise NotFoundError(f"no cheque with id {cheque_id} in this office")
        return _cheque(rows[0], self.may_see_amounts(viewer))

    def batch(self, batch: Batch | int) -> Batch:
        """Return a batch as it is now.

        Raises:
            NotFoundError: The office has no such batch.
        """
        batch_id = check_ref(batch, "batch", Batch, "a batch")
        rows = self._rows(_BATCH, {"b_batch_id": batch_id})
        if not rows:
            raise NotFoundError(f"no payroll batch with id {batch_id} in this office")
        return Batch(*rows[0])

    def cheques(
        self, batch: Batch | int | None = None, *, viewer: StaffMember | int | None = None
    ) -> list[Cheque]:
        """Return the cheques of a batch, or of the office, in the order they were listed."""
        visible = self.may_see_amounts(viewer)
        if batch is None:
            rows = self._rows(_CHEQUES, {})
        else:
            rows = self._rows(
                _CHEQUES_OF_BATCH, {"b_batch_id": check_ref(batch, "batch", Batch, "a batch")}
            )
        return [_cheque(r, visible) for r in rows]

    def outstanding(
        self, now: dt.datetime | None = None, *, viewer: StaffMember | int | None = None
    ) -> list[Cheque]:
        """Return the overdue cheques: not handed over nor returned after their due time.

        Selected in SQL (``state`` undistributed and ``due_at < now``), most overdue first.

        Args:
            now: The moment to judge by; default the office's clock.
            viewer: Who looks (net amounts only for the designated role).

        Raises:
            ValidationError: ``now`` is naive.
        """
        when = self._office.clock.now() if now is None else check_aware(now, "now")
        visible = self.may_see_amounts(viewer)
        rows = self._rows(_OUTSTANDING, {"b_now": when})
        return [_cheque(r, visible) for r in rows]

    def exceptions(self, batch: Batch | int) -> list[PayrollException]:
        """Return what the pickup of a batch found against its manifest, for the payroll company.

        Missing cheques first, then extra ones, each by number. Empty: the batch
        matched, or it has not been picked up yet.
        """
        batch_id = check_ref(batch, "batch", Batch, "a batch")
        return [PayrollException(*r) for r in self._rows(_EXCEPTIONS, {"b_batch_id": batch_id})]

    def custody(self, cheque: Cheque | int) -> list[Event]:
        """Return the chain of custody of a cheque: the events that moved it, in order.

        Its batch's ``payroll.receive`` and ``payroll.pickup``, then its own
        ``payroll.hold``, ``payroll.hand_over`` and ``payroll.return``.
        """
        current = self.get(cheque)
        found = []
        for event in self._office.events(operation="payroll.", outcome="ok"):
            d = event.detail
            if event.operation in ("payroll.receive", "payroll.pickup"):
                if d.get("batch_id") == current.batch_id:
                    found.append(event)
            elif d.get("cheque_id") == current.id:
                found.append(event)
        return found

    def read_manifest(self, path: str | os.PathLike[str]) -> Manifest:
        """Read a manifest file: a provider plugin's reader, else the CSV reader.

        Raises:
            ValidationError: The file is malformed: each problem names the file,
                the row and the field. Nothing is recorded.
        """
        file = check_path(path, "manifest", "a manifest file")
        manifest = hooks.payroll_provider(self._office, file)
        if manifest is None:
            return read_csv_manifest(file)
        if not isinstance(manifest, Manifest):
            raise ValidationError(
                f"a payroll provider returned {type(manifest).__name__}, not a Manifest",
                where=file.name,
            )
        return manifest


class PayrollDesk:
    """Payroll at a desk: ``desk.payroll``. Its listings show amounts to the designated role."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    @property
    def _room(self) -> PayrollOffice:
        room: PayrollOffice = self._office.facet(PAYROLL_OFFICE)
        return room

    # -- listings, with the desk's member of staff as the viewer -----------------------

    def get(self, cheque: Cheque | int) -> Cheque:
        """Return a cheque as it is now, as this desk's member of staff may see it."""
        return self._room.get(cheque, viewer=self._desk.actor)

    def cheques(self, batch: Batch | int | None = None) -> list[Cheque]:
        """Return cheques (of a batch, or all), as this desk's member of staff may see them."""
        return self._room.cheques(batch, viewer=self._desk.actor)

    def outstanding(self, now: dt.datetime | None = None) -> list[Cheque]:
        """Return the overdue cheques, as this desk's member of staff may see them."""
        return self._room.outstanding(now, viewer=self._desk.actor)

    # -- operations --------------------------------------------------------------------

    def receive(self, manifest: Manifest | str | os.PathLike[str]) -> Batch:
        """Record a batch of cheques announced by its manifest (``payroll.receive``).

        Args:
            manifest: The manifest's file (read by a provider plugin, else as CSV),
                or a [`Manifest`][officekit.plugins.money.payroll.manifest.Manifest].

        Returns:
            The batch, ``received``; its cheques are ``received`` too.

        Raises:
            ValidationError: A malformed manifest, an employee who is not a member of
                staff, a cheque number already in the office: every problem, each
                naming the file, the row and the field. Nothing is written.
            PermissionDenied: The member of staff may not receive payroll batches.
        """
        self._desk.check_open()
        office = self._office
        if not isinstance(manifest, Manifest):
            manifest = self._room.read_manifest(manifest)
        source = manifest.source
        if not isinstance(source, str) or not source.strip() or len(source) > 500:
            raise ValidationError(
                f"a manifest's source is a file name, got {source!r:.80}", where="manifest"
            )
        problems: list[Problem] = []
        lines: list[ManifestLine] = []
        for line in manifest.lines:
            if not isinstance(line, ManifestLine):
                problems.append(Problem(f"{source}", f"expected manifest lines, got {line!r:.80}"))
                continue
            checked = check_line(
                source, line.row, line.employee, line.cheque, line.net_amount, line.pay_date,
                problems,
            )  # fmt: skip
            if checked is not None:
                lines.append(checked)
        if not manifest.lines:
            problems.append(Problem(source, "the manifest lists no cheque"))
        seen: dict[str, int] = {}
        staff = office.staff.list(include_departed=True)
        settings = office.profile.section(PAYROLL)
        tz = office.profile.office.tz
        rows: list[dict[str, Any]] = []
        for line in lines:
            if line.cheque in seen:
                problems.append(
                    Problem(
                        f"{source}: row {line.row}: cheque",
                        f"cheque {line.cheque!r} is listed twice "
                        f"(first at row {seen[line.cheque]})",
                    )
                )
                continue
            seen[line.cheque] = line.row
            member = _resolve_employee(staff, line.employee)
            if isinstance(member, str):
                problems.append(Problem(f"{source}: row {line.row}: employee", member))
                continue
            rows.append(
                {
                    "office_id": office.id,
                    "cheque_number": line.cheque,
                    "staff_id": member.id,
                    "pay_date": line.pay_date,
                    "net_minor": _minor(line.net_amount),
                    "state": "received",
                    "due_at": _end_of(line.pay_date, settings.distribute_within_days, tz),
                }
            )
        if problems:
            raise ValidationError(problems)
        provider = str(manifest.provider)[:100]
        now = office.clock.now()
        detail: dict[str, Any] = {
            "provider": provider,
            "cheques": len(rows),
            "pay_dates": sorted({r["pay_date"].isoformat() for r in rows}),
        }
        by_number = {line.cheque: line.row for line in lines}

        def act(conn: sa.Connection) -> Batch:
            taken = conn.execute(
                _TAKEN_NUMBERS, {"b_office_id": office.id, "b_numbers": list(by_number)}
            ).scalars()
            clashes = sorted(taken, key=by_number.__getitem__)
            if clashes:
                raise ValidationError(
                    [
                        Problem(
                            f"{source}: row {by_number[n]}: cheque",
                            f"cheque {n!r} is already recorded in this office",
                        )
                        for n in clashes
                    ]
                )
            values = {
                "office_id": office.id, "provider": provider, "source": source[:500],
                "cheques": len(rows), "state": "received", "received_at": now,
                "received_by": self._desk.actor.id,
            }  # fmt: skip
            inserted = _INSERT_BATCH.first(conn, values)
            assert inserted is not None
            batch_id = int(inserted[0])
            conn.execute(_INSERT_CHEQUES, [{**r, "batch_id": batch_id} for r in rows])
            detail["batch_id"] = batch_id
            return Batch(batch_id, provider, source[:500], len(rows), "received", now,
                         self._desk.actor.id)  # fmt: skip

        batch, _ = self._desk.perform("payroll.receive", detail=detail, act=act)
        assert batch is not None
        return batch

    def pickup(self, batch: Batch | int, *, counted: Sequence[str]) -> list[PayrollException]:
        """Pick a batch up and count it against its manifest (``payroll.pickup``).

        The cheques counted and listed are now in the office's custody
        (``picked_up``); a listed cheque not counted is ``missing``; a counted
        cheque the manifest does not list is ``extra``. Both are exceptions, in the
        event's detail and in ``office.payroll.exceptions(batch)``, for the payroll
        company: nothing is silently accepted.

        Args:
            batch: The batch, ``received``.
            counted: The numbers of the cheques found in the batch.

        Returns:
            The exceptions found (empty: the batch matches its manifest).

        Raises:
            ValidationError: ``counted`` is not a list of cheque numbers, or names one
                twice; nothing is written.
            ConflictError: The batch was already picked up; nothing is written.
            NotFoundError: The office has no such batch.
        """
        self._desk.check_open()
        office = self._office
        batch_id = check_ref(batch, "batch", Batch, "a batch")
        if isinstance(counted, str) or not isinstance(counted, Sequence):
            raise ValidationError(
                f"expected a list of cheque numbers, got {counted!r:.80}", where="counted"
            )
        problems: list[Problem] = []
        numbers: list[str] = []
        for i, number in enumerate(counted):
            clean = number.strip() if isinstance(number, str) else None
            if clean is None or not CHEQUE_NUMBER.match(clean):
                problems.append(
                    Problem(f"counted[{i}]", f"expected a cheque number, got {number!r:.60}")
                )
            elif clean in numbers:
                problems.append(Problem(f"counted[{i}]", f"cheque {clean!r} is counted twice"))
            else:
                numbers.append(clean)
        if problems:
            raise ValidationError(problems)
        now = office.clock.now()
        params = {"b_office_id": office.id, "b_batch_id": batch_id}
        detail: dict[str, Any] = {"batch_id": batch_id}
        found: list[PayrollException] = []

        def act(conn: sa.Connection) -> None:
            picked = _PICK_UP_BATCH.first(
                conn, {**params, "b_now": now, "b_staff_id": self._desk.actor.id}
            )
            if picked is None:
                row = _BATCH.first(conn, params)
                if row is None:
                    raise NotFoundError(f"no payroll batch with id {batch_id} in this office")
                raise ConflictError(f"payroll batch {batch_id} was already picked up")
            listed = {number: cheque_id for cheque_id, number in _LISTED.all(conn, params)}
            _PICK_UP_CHEQUES.rowcount(conn, {**params, "b_now": now})
            missing = sorted(set(listed) - set(numbers))
            extra = sorted(set(numbers) - set(listed))
            if missing:
                conn.execute(
                    _MARK_MISSING, {"b_batch_id": batch_id, "b_ids": [listed[n] for n in missing]}
                )
            found.extend(PayrollException(batch_id, n, "missing", listed[n], now) for n in missing)
            found.extend(PayrollException(batch_id, n, "extra", None, now) for n in extra)
            if found:
                conn.execute(
                    _INSERT_EXCEPTIONS,
                    [{"office_id": office.id, **attrs.asdict(e)} for e in found],
                )
            detail.update(expected=len(listed), counted=len(numbers), missing=missing, extra=extra)

        self._desk.perform(
            "payroll.pickup", subject=f"payroll_batch:{batch_id}", detail=detail, act=act
        )
        return found

    def _step(
        self,
        cheque: Cheque | int,
        action: str,
        values: dict[str, Any],
        detail: dict[str, Any],
        staff_id: int | None = None,
    ) -> Cheque:
        """Move a cheque by one guarded update, in the operation's transaction."""
        self._desk.check_open()
        office = self._office
        cheque_id = check_ref(cheque, "cheque", Cheque, "a cheque")
        params = {"b_office_id": office.id, "b_cheque_id": cheque_id}
        if staff_id is not None:
            params["b_staff_id"] = staff_id
        statement = _guarded(action, tuple(sorted(values)), staff_id is not None)
        done: list[tuple[Any, ...]] = []
        detail = {"cheque_id": cheque_id, **detail}
        now = office.clock.now()

        def act(conn: sa.Connection) -> None:
            row = statement.first(conn, {**params, **values})
            if row is None:  # say why it did not apply
                current = _CHEQUE.first(conn, params)
                if current is None:
                    raise NotFoundError(f"no cheque with id {cheque_id} in this office")
                state = current[_CHEQUE_FIELDS.index("state")]
                if state not in ALLOWED[action]:
                    raise ConflictError(
                        f"cheque {cheque_id} is {state}: only a cheque that is "
                        f"{' or '.join(ALLOWED[action])} can be "
                        f"{'handed over' if action == 'hand_over' else action + 'ed'}"
                    )
                owner = current[_CHEQUE_FIELDS.index("staff_id")]
                raise ValidationError(
                    f"cheque {cheque_id} pays staff {owner}, not staff {staff_id}: a cheque is "
                    "handed only to its employee",
                    where="to",
                )
            done.append(row)
            got = _cheque(row, False)
            detail["batch_id"] = got.batch_id
            detail["staff_id"] = got.staff_id
            if action in ("hand_over", "return"):
                detail["from_state"] = "held" if got.held_at is not None else "picked_up"
            if action == "hand_over":
                detail["on_time"] = now <= got.due_at
            if action == "return":
                detail["overdue"] = now > got.due_at
            if action == "hold":
                detail["hold_until"] = got.due_at.isoformat()

        operation = "payroll.return" if action == "return" else f"payroll.{action}"
        self._desk.perform(operation, subject=f"cheque:{cheque_id}", detail=detail, act=act)
        return _cheque(done[0], self._room.may_see_amounts(self._desk.actor))

    def hold(self, cheque: Cheque | int) -> Cheque:
        """Hold the cheque of an absent employee in the safe (``payroll.hold``).

        Its due time becomes the end of the hold: the profile's ``[payroll] hold_days``
        from now. Undistributed after it, it is overdue (``outstanding``).

        Raises:
            ConflictError: The cheque is not ``picked_up``; nothing is written.
            NotFoundError: The office has no such cheque.
        """
        office = self._office
        now = office.clock.now()
        days = office.profile.section(PAYROLL).hold_days
        values = {"state": "held", "held_at": now, "due_at": now + dt.timedelta(days=days)}
        return self._step(cheque, "hold", values, {})

    def hand_over(
        self,
        cheque: Cheque | int,
        *,
        to: StaffMember | int,
        acknowledged: bool | str,
    ) -> Cheque:
        """Hand a cheque to its employee, who acknowledges receipt (``payroll.hand_over``).

        Args:
            cheque: The cheque, ``picked_up`` or ``held``.
            to: The employee: the member of staff it pays.
            acknowledged: True when they confirmed receipt in person, or the text of
                their acknowledgement or a reference to their signature (at most 200
                characters). False is refused: no hand-over without acknowledgement.

        Raises:
            ValidationError: ``to`` is not the cheque's employee, or no acknowledgement;
                nothing is written.
            ConflictError: The cheque is not ``picked_up`` or ``held``.
            NotFoundError: The office has no such cheque.
        """
        problems: list[Problem] = []
        check_ref(cheque, "cheque", Cheque, "a cheque")
        try:
            staff_id = check_ref(to, "to", StaffMember, "a member of staff")
        except ValidationError as exc:
            problems.extend(exc.problems)
            staff_id = 0
        text: str | None
        if acknowledged is True:
            text, kind = "in person", "in_person"
        elif isinstance(acknowledged, str):
            text = text_field(
                acknowledged, "acknowledged", "an acknowledgement", MAX_ACKNOWLEDGEMENT, problems,
                required=True,
            )  # fmt: skip
            kind = "reference"
        else:
            problems.append(
                Problem(
                    "acknowledged",
                    "the employee must acknowledge receipt: True, or the acknowledgement's "
                    f"text or signature reference, got {acknowledged!r:.60}",
                )
            )
            text, kind = None, ""
        if problems:
            raise ValidationError(problems)
        values = {
            "state": "handed_over",
            "handed_over_at": self._office.clock.now(),
            "handed_over_by": self._desk.actor.id,
            "acknowledgement": text,
        }
        return self._step(cheque, "hand_over", values, {"acknowledgement": kind}, staff_id)

    def return_cheque(self, cheque: Cheque | int, *, reason: str = "uncollected") -> Cheque:
        """Send a cheque back to the payroll company (``payroll.return``).

        Args:
            cheque: The cheque, ``picked_up`` or ``held``.
            reason: One of ``RETURN_REASONS``.

        Raises:
            ValidationError: An unknown reason; nothing is written.
            ConflictError: The cheque is not ``picked_up`` or ``held``.
            NotFoundError: The office has no such cheque.
        """
        check_ref(cheque, "cheque", Cheque, "a cheque")
        check_choice(reason, "reason", RETURN_REASONS, "return reason")
        values = {
            "state": "returned",
            "returned_at": self._office.clock.now(),
            "return_reason": reason,
        }
        return self._step(cheque, "return", values, {"reason": reason})


PAYROLL_OFFICE: OfficeFacet[PayrollOffice] = OfficeFacet(
    "payroll",
    PayrollOffice,
    "Payroll cheques: batches, custody, exceptions, overdue cheques; amounts for the "
    "designated role.",
)
"""``office.payroll``, typed: ``office.facet(PAYROLL_OFFICE)``."""

PAYROLL_DESK: DeskFacet[PayrollDesk] = DeskFacet(
    "payroll",
    PayrollDesk,
    "Payroll at the desk: receive a batch, pick it up, hand over, hold and return cheques.",
)
"""``desk.payroll``, typed: ``desk.facet(PAYROLL_DESK)``."""
