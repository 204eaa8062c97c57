"""Staff: hiring, roles, leaving, and the responsibility level each one holds."""

from __future__ import annotations

import builtins
import contextlib
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.prepared import Prepared
from officekit.core.store import staff, staff_roles, update_unless_done
from officekit.core.validate import (
    check_bool,
    check_choice,
    check_ref,
    check_str,
    collect,
    column_limit,
    text_field,
)
from officekit.errors import ConflictError, NotFoundError, Problem, ValidationError

if TYPE_CHECKING:
    from officekit.core.office import Office

__all__ = ["StaffDirectory", "StaffMember"]

MAX_EXPERIENCE_YEARS = 100
"""The most years of experience a member of staff is hired with."""


@attrs.frozen
class StaffMember:
    """A member of staff of one office.

    Attributes:
        id: Database id.
        office_id: Their office.
        name: Full name.
        roles: The profile's roles they hold; several in a small office.
        experience_years: Years of front-office experience when hired.
        education: Their education, a key of the profile's ``[education]`` table.
        level: Their responsibility level, derived from experience and education
            under the profile's rules.
        hired_at: When they were hired.
        left_at: When they left, or None while they work here.
        reference: The outside reference they were hired with (an HR number,
            unique in the office), or None.
    """

    id: int
    office_id: int
    name: str
    roles: tuple[str, ...]
    experience_years: float
    education: str | None
    level: str
    hired_at: dt.datetime
    left_at: dt.datetime | None = None
    reference: str | None = None

    @property
    def active(self) -> bool:
        """True while they work at the office."""
        return self.left_at is None


def _check_reference(value: object, problems: list[Problem]) -> str | None:
    """An outside reference: one line of 1 to 100 characters, trimmed."""
    return text_field(
        value,
        "reference",
        "an outside reference",
        column_limit(staff.c.reference),
        problems,
        required=True,
    )


# One member of staff with their roles, one row per role: what every desk opens with.
_MEMBER = Prepared(
    sa.select(
        staff.c.id,
        staff.c.office_id,
        staff.c.name,
        staff.c.experience_years,
        staff.c.education,
        staff.c.hired_at,
        staff.c.left_at,
        staff_roles.c.role,
        staff.c.reference,
    )
    .select_from(staff.outerjoin(staff_roles, staff_roles.c.staff_id == staff.c.id))
    .where(
        staff.c.id == sa.bindparam("b_staff_id"), staff.c.office_id == sa.bindparam("b_office_id")
    )
)


class StaffDirectory:
    """The staff of one office: ``office.staff``.

    Changes made here are the office's own administration: they are recorded in
    the event log with the office as actor (``staff.hire``, ``staff.change_roles``,
    ``staff.leave``) and announced to plugins after commit.
    """

    def __init__(self, office: Office) -> None:
        self._office = office

    # -- reading --------------------------------------------------------------

    def _member(self, row: Any, roles: Iterable[str]) -> StaffMember:
        profile = self._office.profile
        return StaffMember(
            id=row.id,
            office_id=row.office_id,
            name=row.name,
            roles=tuple(sorted(roles)),
            experience_years=row.experience_years,
            education=row.education,
            level=profile.level_for(row.experience_years, row.education).name,
            hired_at=row.hired_at,
            left_at=row.left_at,
            reference=row.reference,
        )

    def _load(self, conn: sa.Connection, where: Any) -> list[StaffMember]:
        rows = conn.execute(sa.select(staff).where(where).order_by(staff.c.id)).all()
        if not rows:
            return []
        roles: dict[int, list[str]] = {r.id: [] for r in rows}
        for staff_id, role in conn.execute(
            sa.select(staff_roles.c.staff_id, staff_roles.c.role).where(
                staff_roles.c.staff_id.in_(list(roles))
            )
        ):
            roles[staff_id].append(role)
        return [self._member(r, roles[r.id]) for r in rows]

    def get(self, member_id: StaffMember | int) -> StaffMember:
        """Return the member of staff with this id (also one who has left).

        Raises:
            ValidationError: If ``member_id`` is not an id.
            NotFoundError: If the office has nobody with that id.
        """
        member_id = check_ref(member_id, "member_id", StaffMember, "a member of staff")
        with self._office.engine.connect() as conn:
            rows = _MEMBER.all(conn, {"b_staff_id": member_id, "b_office_id": self._office.id})
        if not rows:
            raise NotFoundError(f"no member of staff with id {member_id} in this office")
        first = rows[0]
        profile = self._office.profile
        return StaffMember(
            id=first[0],
            office_id=first[1],
            name=first[2],
            roles=tuple(sorted(r[7] for r in rows if r[7] is not None)),
            experience_years=first[3],
            education=first[4],
            level=profile.level_for(first[3], first[4]).name,
            hired_at=first[5],
            left_at=first[6],
            reference=first[8],
        )

    def list(self, *, include_departed: bool = False) -> list[StaffMember]:
        """Return the office's staff in hiring order.

        Args:
            include_departed: Also list those who have left.
        """
        check_bool(include_departed, "include_departed")
        where = staff.c.office_id == self._office.id
        if not include_departed:
            where = where & staff.c.left_at.is_(None)
        with self._office.engine.connect() as conn:
            return self._load(conn, where)

    def with_role(self, role: str) -> builtins.list[StaffMember]:
        """Return the active members of staff holding ``role``."""
        check_str(role, "role", "a role", column_limit(staff_roles.c.role))
        return [m for m in self.list() if role in m.roles]

    def named(self, name: str, *, include_departed: bool = False) -> builtins.list[StaffMember]:
        """Return the members of staff with this name, in hiring order.

        Names are compared as [`hire`][officekit.core.staff.StaffDirectory.hire]
        stores them (trimmed, runs of spaces collapsed) and exactly otherwise:
        ``"anna conti"`` is not ``"Anna Conti"``.

        Args:
            name: A full name.
            include_departed: Also list those who have left.

        Raises:
            ValidationError: If ``name`` is not a name.
        """
        problems: builtins.list[Problem] = []
        clean = text_field(
            name, "name", "a name", column_limit(staff.c.name), problems, required=True
        )
        check_bool(include_departed, "include_departed")
        if problems:
            raise ValidationError(problems)
        where = (staff.c.office_id == self._office.id) & (staff.c.name == clean)
        if not include_departed:
            where = where & staff.c.left_at.is_(None)
        with self._office.engine.connect() as conn:
            return self._load(conn, where)

    def find(self, name: str | None = None, *, reference: str | None = None) -> StaffMember | None:
        """Find one member of staff by outside reference or by name, or None.

        Made for an application that hires its people from elsewhere and may run
        twice: ``office.staff.find(reference="HR-1042") or office.staff.hire(...,
        reference="HR-1042")`` hires them once. Those who have left are found too
        (like [`get`][officekit.core.staff.StaffDirectory.get]; see ``active``).

        Give exactly one of ``name`` and ``reference``. A reference is unique in
        the office, so it finds at most one member of staff. A name need not be:
        when two members of staff share it, ``find`` refuses to choose (use the
        reference, or [`named`][officekit.core.staff.StaffDirectory.named] for
        all of them).

        Args:
            name: A full name, compared as ``named`` compares it.
            reference: The outside reference given to ``hire``, compared exactly
                (after trimming).

        Returns:
            The member of staff, or None if the office has nobody with that
            reference (or name).

        Raises:
            ValidationError: If neither or both are given, or one is not a string.
            ConflictError: If several members of staff have that name.
        """
        if (name is None) == (reference is None):
            raise ValidationError(
                "give a name or a reference (one of them, not both)", where="reference"
            )
        if name is not None:
            found = self.named(name, include_departed=True)
            if len(found) > 1:
                ids = ", ".join(str(m.id) for m in found)
                raise ConflictError(
                    f"{len(found)} members of staff are named {found[0].name!r} (ids {ids}): "
                    "find them by reference, or list them with staff.named(...)"
                )
            return found[0] if found else None
        problems: builtins.list[Problem] = []
        clean = _check_reference(reference, problems)
        if problems:
            raise ValidationError(problems)
        with self._office.engine.connect() as conn:
            found = self._load(
                conn, (staff.c.office_id == self._office.id) & (staff.c.reference == clean)
            )
        return found[0] if found else None

    # -- validating -----------------------------------------------------------

    def _check_roles(
        self, roles: Sequence[str], problems: builtins.list[Problem]
    ) -> tuple[str, ...]:
        if isinstance(roles, str):
            problems.append(Problem("roles", "expected a list of role names, got a string"))
            return ()
        if not isinstance(roles, Sequence):
            problems.append(Problem("roles", f"expected a list of role names, got {roles!r:.80}"))
            return ()
        if not roles:
            problems.append(Problem("roles", "at least one role is needed"))
        known = self._office.profile.roles
        names: builtins.list[str] = []
        for i, role in enumerate(roles):
            if not isinstance(role, str) or role not in known:
                problems.append(
                    Problem(
                        f"roles[{i}]",
                        f"profile {self._office.profile.name!r} has no role {role!r:.80} "
                        f"(it has: {', '.join(known)})",
                    )
                )
            else:
                names.append(role)
        if len(set(names)) != len(names):
            problems.append(Problem("roles", "a role is listed twice"))
        return tuple(sorted(names))

    def _resolve(self, member: StaffMember | int) -> StaffMember:
        return self.get(check_ref(member, "member", StaffMember, "a member of staff"))

    # -- changing -------------------------------------------------------------

    def hire(
        self,
        name: str,
        *,
        roles: Sequence[str],
        experience_years: float = 0,
        education: str | None = None,
        reference: str | None = None,
    ) -> StaffMember:
        """Hire a member of staff.

        Args:
            name: Their full name.
            roles: Roles of the profile they will hold (one or more).
            experience_years: Years of relevant experience.
            education: A key of the profile's ``[education]`` table, or None.
            reference: An outside reference (an HR or payroll number, 1 to 100
                characters, one line), unique in the office: find them again with
                [`find(reference=...)`][officekit.core.staff.StaffDirectory.find].
                It is not recorded in the event log.

        Returns:
            The new member of staff, with their derived level.

        Raises:
            ValidationError: Naming each bad argument; nothing is written.
            ConflictError: If someone in the office (also someone who has left)
                already has ``reference``; nothing is written.
        """
        problems: builtins.list[Problem] = []
        clean_name = text_field(
            name, "name", "a name", column_limit(staff.c.name), problems, required=True
        )
        role_tuple = self._check_roles(roles, problems)
        years = math.nan
        if not isinstance(experience_years, bool) and isinstance(experience_years, int | float):
            with contextlib.suppress(OverflowError):  # an integer too large for a float
                years = float(experience_years)
        if not 0 <= years <= MAX_EXPERIENCE_YEARS:  # NaN too
            problems.append(
                Problem(
                    "experience_years",
                    f"expected years from 0 to {MAX_EXPERIENCE_YEARS}, "
                    f"got {experience_years!r:.80}",
                )
            )
        if education is not None:
            kind = f"education in profile {self._office.profile.name!r}"
            collect(
                problems, check_choice, education, "education", self._office.profile.education, kind
            )
        clean_reference = None if reference is None else _check_reference(reference, problems)
        if problems:
            raise ValidationError(problems)
        assert clean_name is not None

        def act(conn: sa.Connection) -> int:
            if clean_reference is not None:
                # inside the write transaction, which holds the office's lock
                taken = conn.execute(
                    sa.select(staff.c.id, staff.c.name).where(
                        staff.c.office_id == self._office.id, staff.c.reference == clean_reference
                    )
                ).first()
                if taken is not None:
                    raise ConflictError(
                        f"reference {clean_reference!r} is already {taken.name}'s (id {taken.id}): "
                        f"find them with staff.find(reference={clean_reference!r})"
                    )
            member_id: int = conn.execute(
                staff.insert()
                .values(
                    office_id=self._office.id,
                    name=clean_name,
                    experience_years=years,
                    education=education,
                    hired_at=self._office.clock.now(),
                    reference=clean_reference,
                )
                .returning(staff.c.id)
            ).scalar_one()
            conn.execute(
                staff_roles.insert(), [{"staff_id": member_id, "role": r} for r in role_tuple]
            )
            return member_id

        member_id = self._office.kernel.record_admin(
            "staff.hire",
            subject=clean_name,
            detail={
                "roles": list(role_tuple),
                "experience_years": years,
                "education": education,
            },
            act=act,
        )
        member = self.get(member_id)
        self._office.plugins.staff_hired(self._office, member)
        return member

    def change_roles(self, member: StaffMember | int, roles: Sequence[str]) -> StaffMember:
        """Replace the roles a member of staff holds.

        Raises:
            ValidationError: If a role is unknown or none is given.
            ConflictError: If they have left.
            NotFoundError: If there is no such member of staff.
        """
        current = self._resolve(member)
        problems: builtins.list[Problem] = []
        role_tuple = self._check_roles(roles, problems)
        if problems:
            raise ValidationError(problems)
        if not current.active:
            raise ConflictError(f"{current.name} (id {current.id}) has left the office")

        def act(conn: sa.Connection) -> None:
            still_here = conn.execute(
                sa.select(staff.c.id).where(staff.c.id == current.id, staff.c.left_at.is_(None))
            ).one_or_none()
            if still_here is None:
                raise ConflictError(f"{current.name} (id {current.id}) has left the office")
            conn.execute(staff_roles.delete().where(staff_roles.c.staff_id == current.id))
            conn.execute(
                staff_roles.insert(), [{"staff_id": current.id, "role": r} for r in role_tuple]
            )

        self._office.kernel.record_admin(
            "staff.change_roles",
            subject=current.name,
            detail={"staff_id": current.id, "from": list(current.roles), "to": list(role_tuple)},
            act=act,
        )
        updated = self.get(current.id)
        self._office.plugins.staff_roles_changed(self._office, updated, current.roles)
        return updated

    def leave(self, member: StaffMember | int) -> StaffMember:
        """Record that a member of staff left; their history stays.

        Raises:
            ConflictError: If they already left.
            NotFoundError: If there is no such member of staff.
        """
        current = self._resolve(member)
        if not current.active:
            raise ConflictError(f"{current.name} (id {current.id}) already left the office")
        now = self._office.clock.now()

        def act(conn: sa.Connection) -> None:
            update_unless_done(
                conn, staff, current.id, {"left_at": now}, still_null=("left_at",),
                conflict=f"{current.name} (id {current.id}) already left the office",
            )  # fmt: skip

        self._office.kernel.record_admin(
            "staff.leave", subject=current.name, detail={"staff_id": current.id}, act=act
        )
        updated = self.get(current.id)
        self._office.plugins.staff_left(self._office, updated)
        return updated
