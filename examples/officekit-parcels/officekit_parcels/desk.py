"""The parcel desk: ``office.parcels`` (what is waiting) and ``desk.parcels`` (the operations).

A porter signs for a parcel a carrier delivers (``parcels.sign_for``) and later
hands it over to its recipient (``parcels.hand_over``). Both are performed with
``desk.perform``: authorised against the profile, written and recorded in the
event log in one transaction. Every input is checked first: a refused call
writes nothing. (The ``# --8<--`` comments mark what the plugin guide quotes.)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit import (
    ConflictError,
    DeskFacet,
    NotFoundError,
    OfficeFacet,
    StaffMember,
    ValidationError,
)
from officekit.errors import Problem
from officekit_parcels import HAND_OVER, SIGN_FOR
from officekit_parcels.settings import SECTION, ParcelSettings
from officekit_parcels.tables import parcels

if TYPE_CHECKING:
    from officekit import Desk, Office

__all__ = ["PARCELS", "PARCEL_DESK", "Parcel", "ParcelDesk", "ParcelRoom"]

TRACKING = re.compile(r"^[A-Z0-9-]{4,64}$")
"""A tracking number once spaces are removed and letters upper-cased."""

# What a Parcel holds: every column but the office's id.
_COLUMNS = [c for c in parcels.c if c.name != "office_id"]


@attrs.frozen
class Parcel:
    """A parcel, from the moment the desk signed for it until it was handed over.

    Attributes:
        id: Database id.
        carrier: Who delivered it.
        tracking: The carrier's tracking number.
        recipient_staff_id: The member of staff it is for, if a person.
        recipient_department: The department it is for, if a department.
        high_value: True for a parcel that needs a senior signature.
        received_at: When the desk signed for it.
        signed_by: The member of staff who signed for it.
        collected_at: When it was handed over; None while it waits.
        handed_over_by: The member of staff who handed it over.
    """

    id: int
    carrier: str
    tracking: str
    recipient_staff_id: int | None
    recipient_department: str | None
    high_value: bool
    received_at: dt.datetime
    signed_by: int
    collected_at: dt.datetime | None = None
    handed_over_by: int | None = None

    @property
    def label(self) -> str:
        """``"DHL 1Z999"``: the subject of its events."""
        return f"{self.carrier} {self.tracking}"


def _parcel(row: Any) -> Parcel:
    return Parcel(**row._mapping)


# --8<-- [start:room]
class ParcelRoom:
    """The parcels of one office: ``office.parcels``. Reading records nothing."""

    def __init__(self, office: Office) -> None:
        self._office = office

    @property
    def settings(self) -> ParcelSettings:
        """The profile's ``[parcels]`` table."""
        return self._office.profile.section(SECTION)

    def _select(self) -> sa.Select[Any]:
        return sa.select(*_COLUMNS).where(parcels.c.office_id == self._office.id)

    def get(self, parcel_id: int) -> Parcel:
        """Return a parcel as it is now.

        Raises:
            NotFoundError: The office has no such parcel.
        """
        with self._office.engine.connect() as conn:
            row = conn.execute(self._select().where(parcels.c.id == parcel_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"no parcel with id {parcel_id} in this office")
        return _parcel(row)

    def waiting(self) -> list[Parcel]:
        """Return the parcels signed for and not handed over yet, oldest first."""
        query = self._select().where(parcels.c.collected_at.is_(None))
        with self._office.engine.connect() as conn:
            rows = conn.execute(query.order_by(parcels.c.received_at, parcels.c.id)).all()
        return [_parcel(r) for r in rows]

    def overdue(self) -> list[Parcel]:
        """Return the waiting parcels older than ``collect_within_days``, oldest first."""
        cutoff = self._office.clock.now() - dt.timedelta(days=self.settings.collect_within_days)
        query = self._select().where(
            parcels.c.collected_at.is_(None), parcels.c.received_at < cutoff
        )
        with self._office.engine.connect() as conn:
            rows = conn.execute(query.order_by(parcels.c.received_at, parcels.c.id)).all()
        return [_parcel(r) for r in rows]


PARCELS = OfficeFacet("parcels", ParcelRoom, "The office's parcels: waiting and overdue.")
"""``office.parcels``; ``office.facet(PARCELS)`` is typed ParcelRoom."""
# --8<-- [end:room]


def _text(value: object, where: str, what: str, limit: int, problems: list[Problem]) -> str:
    """``value`` with its spaces collapsed, or a problem naming ``where``."""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(where, f"{what} is needed, as text; got {value!r}"))
        return ""
    clean = " ".join(value.split())
    if len(clean) > limit:
        problems.append(Problem(where, f"{what} is at most {limit} characters, got {len(clean)}"))
    return clean


# --8<-- [start:sign_for]
class ParcelDesk:
    """The parcel operations of one desk: ``desk.parcels``."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    @property
    def _office(self) -> Office:
        return self._desk.office

    def sign_for(
        self,
        carrier: str,
        tracking: str,
        *,
        department: str | None = None,
        person: StaffMember | int | None = None,
        high_value: bool = False,
    ) -> Parcel:
        """Sign for a parcel for a department or a member of staff (``parcels.sign_for``).

        Args:
            carrier: Who delivers it: one of the profile's ``carriers``, if it lists any.
            tracking: The carrier's tracking number (spaces removed, upper-cased).
            department: The department it is for...
            person: ...or the member of staff (or their id): exactly one of the two.
            high_value: It needs a signature of ``high_value_min_level`` or above.

        Returns:
            The parcel, waiting to be handed over.

        Raises:
            ValidationError: Every problem with the input, each naming its argument;
                nothing is written.
            PermissionDenied: The member of staff may not sign for it (recorded).
            ConflictError: The carrier's tracking number was already signed for.
        """
        office = self._office
        settings = office.facet(PARCELS).settings
        problems: list[Problem] = []
        carrier_name = _text(carrier, "carrier", "the carrier", 100, problems)
        known = {c.casefold(): c for c in settings.carriers}
        if carrier_name and known and carrier_name.casefold() not in known:
            problems.append(
                Problem(
                    "carrier",
                    f"the desk does not sign for {carrier_name!r} "
                    f"(carriers: {', '.join(settings.carriers)})",
                )
            )
        carrier_name = known.get(carrier_name.casefold(), carrier_name)
        code = _text(tracking, "tracking", "a tracking number", 64, problems)
        code = code.replace(" ", "").upper()
        if code and not TRACKING.match(code):
            problems.append(
                Problem("tracking", f"expected 4 to 64 letters, digits or '-', got {tracking!r}")
            )
        recipient = self._recipient(department, person, problems)
        if not isinstance(high_value, bool):
            problems.append(Problem("high_value", f"expected true or false, got {high_value!r}"))
        if problems:
            raise ValidationError(problems)

        subject = f"{carrier_name} {code}"
        self._check_high_value(high_value, subject, settings)
        detail: dict[str, Any] = {
            "carrier": carrier_name,
            "tracking": code,
            **recipient,
            "high_value": high_value,
        }

        def act(conn: sa.Connection) -> int:
            taken = conn.execute(
                sa.select(parcels.c.id).where(
                    parcels.c.office_id == office.id,
                    parcels.c.carrier == carrier_name,
                    parcels.c.tracking == code,
                )
            ).scalar()
            if taken is not None:  # rolls the transaction back: no event either
                raise ConflictError(f"{subject} was already signed for (parcel {taken})")
            new_id: int = conn.execute(
                parcels.insert()
                .values(
                    office_id=office.id,
                    carrier=carrier_name,
                    tracking=code,
                    recipient_staff_id=recipient.get("person"),
                    recipient_department=recipient.get("department"),
                    high_value=high_value,
                    received_at=office.clock.now(),
                    signed_by=self._desk.actor.id,
                )
                .returning(parcels.c.id)
            ).scalar_one()
            detail["parcel"] = new_id  # recorded in the event too
            return new_id

        new_id, _ = self._desk.perform(SIGN_FOR.name, subject=subject, detail=detail, act=act)
        assert new_id is not None
        parcel = office.facet(PARCELS).get(new_id)
        # after commit: a failing listener is logged, and the parcel stays signed for
        office.plugins.notify("officekit_parcel_signed_for", office=office, parcel=parcel)
        return parcel

    # --8<-- [end:sign_for]

    def _recipient(
        self, department: object, person: object, problems: list[Problem]
    ) -> dict[str, Any]:
        office = self._office
        if (department is None) == (person is None):
            problems.append(Problem("department/person", "give exactly one of the two"))
            return {}
        if department is not None:
            if not isinstance(department, str) or department not in office.profile.departments:
                known = ", ".join(office.profile.departments)
                problems.append(
                    Problem("department", f"no department named {department!r} (known: {known})")
                )
            return {"department": department}
        person_id = person.id if isinstance(person, StaffMember) else person
        if isinstance(person_id, bool) or not isinstance(person_id, int):
            problems.append(
                Problem("person", f"expected a member of staff or their id, got {person!r}")
            )
            return {}
        try:
            member = office.staff.get(person_id)
        except NotFoundError as exc:
            problems.append(Problem("person", str(exc)))
            return {}
        if not member.active:
            problems.append(Problem("person", f"{member.name} has left the office"))
        return {"person": member.id}

    # --8<-- [start:high_value]
    def _check_high_value(self, high_value: bool, subject: str, settings: ParcelSettings) -> None:
        """The desk's own rule: only ``high_value_min_level`` and above sign for value."""
        desk, profile = self._desk, self._office.profile
        needed = settings.high_value_min_level
        if not high_value or profile.level_rank(desk.actor.level) >= profile.level_rank(needed):
            return
        reason = f"a high-value parcel needs level {needed!r}, theirs is {desk.actor.level!r}"
        # Recorded, then raised; if the profile refuses the operation anyway, its reason wins.
        desk.refuse(SIGN_FOR.name, subject, reason, decided_by="parcels")

    # --8<-- [end:high_value]

    # --8<-- [start:hand_over]
    def hand_over(self, parcel_id: int) -> Parcel:
        """Hand a waiting parcel over to its recipient (``parcels.hand_over``).

        Raises:
            ValidationError: ``parcel_id`` is not a parcel's id; nothing is written.
            NotFoundError: The office has no such parcel.
            ConflictError: It was already handed over.
            PermissionDenied: The member of staff may not hand parcels over (recorded).
        """
        if isinstance(parcel_id, bool) or not isinstance(parcel_id, int):
            raise ValidationError(f"expected a parcel's id, got {parcel_id!r}", where="parcel_id")
        office = self._office
        room = office.facet(PARCELS)
        parcel = room.get(parcel_id)
        if parcel.collected_at is not None:
            raise ConflictError(f"parcel {parcel_id} was already handed over")
        now = office.clock.now()

        def act(conn: sa.Connection) -> None:
            done = conn.execute(
                parcels.update()
                .where(
                    parcels.c.id == parcel_id,
                    parcels.c.office_id == office.id,
                    parcels.c.collected_at.is_(None),
                )
                .values(collected_at=now, handed_over_by=self._desk.actor.id)
            )
            if done.rowcount != 1:  # another desk was quicker
                raise ConflictError(f"parcel {parcel_id} was already handed over")

        waited = round((now - parcel.received_at).total_seconds() / 3600, 1)
        detail = {"parcel": parcel_id, "waited_hours": waited}
        self._desk.perform(HAND_OVER.name, subject=parcel.label, detail=detail, act=act)
        return room.get(parcel_id)


PARCEL_DESK = DeskFacet("parcels", ParcelDesk, "Sign for parcels and hand them over.")
"""``desk.parcels``; ``desk.facet(PARCEL_DESK)`` is typed ParcelDesk."""
# --8<-- [end:hand_over]
