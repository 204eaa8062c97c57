"""The shipped sector profiles: they load, and grant exactly what their TOML says.

The permission matrix of each profile is checked with hypothesis against an
oracle computed straight from the profile's data (levels, education credits,
responsibilities, roles), without the kernel's or the profile's own helpers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officekit import ManualClock, Office, PermissionDenied, check_profile, load_profile
from officekit.core.profile import Profile
from officekit.plugins.assistant import ASSISTANT_OPERATIONS
from officekit.plugins.clerk import CLERK_OPERATIONS
from officekit.plugins.kernel import KERNEL_OPERATIONS
from officekit.plugins.money import MONEY_OPERATIONS
from officekit.plugins.reception import RECEPTION_OPERATIONS
from officekit.plugins.reviews import FEEDBACK_OPERATIONS, REVIEWS_OPERATIONS

BUILTIN_OPS = [
    op.name
    for ops in (
        KERNEL_OPERATIONS,
        RECEPTION_OPERATIONS,
        CLERK_OPERATIONS,
        MONEY_OPERATIONS,
        ASSISTANT_OPERATIONS,
        REVIEWS_OPERATIONS,
        FEEDBACK_OPERATIONS,
    )
    for op in ops
]
SHIPPED = ["base", "medical", "legal", "education", "smallbusiness"]
CORE_ROLES = {"receptionist", "clerk", "administrative_assistant"}
SECTOR_ROLES = {
    "base": set(),
    "medical": {"medical_receptionist", "medical_records_clerk", "practice_manager"},
    "legal": {"legal_receptionist", "legal_secretary", "office_manager"},
    "education": {"school_secretary", "attendance_officer", "business_manager"},
    "smallbusiness": {"office_manager"},
}

_names = itertools.count(1)


OpenShipped = Callable[[str], Office]


@pytest.fixture
def open_shipped(sqlite_url: str, clock: ManualClock) -> Iterator[OpenShipped]:
    """Open a shipped profile's office on the test's SQLite store; close it afterwards."""
    opened: list[Office] = []

    def open_office(name: str) -> Office:
        office = Office.open(sqlite_url, profile=name, key=name, clock=clock)
        opened.append(office)
        return office

    yield open_office
    for office in opened:
        office.close()


# -- the oracle ---------------------------------------------------------------------------------


def oracle_level_rank(profile: Profile, experience: float, education: str | None) -> int:
    """The rank of the highest level whose min_years the actor's years reach (0 if none)."""
    years = experience + (profile.education[education] if education is not None else 0.0)
    reached = [rank for rank, lvl in enumerate(profile.levels) if lvl.min_years <= years]
    return max(reached, default=0)


def oracle_grants(profile: Profile, roles: list[str], rank: int, operation: str) -> set[str]:
    """The responsibilities that let an actor with ``roles`` at ``rank`` perform ``operation``."""
    ranks = {lvl.name: i for i, lvl in enumerate(profile.levels)}
    return {
        key
        for role in roles
        for key in profile.roles[role].responsibilities
        if operation in profile.responsibilities[key].operations
        and rank >= ranks[profile.responsibilities[key].min_level]
    }


# -- (a) every shipped profile loads -------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads_with_the_kernel_operations(
    name: str, open_shipped: OpenShipped
) -> None:
    # The built-in desks' operations; a later desk adds its own to BUILTIN_OPS.
    profile = load_profile(name)
    assert profile.name == name
    assert check_profile(name) == []
    assert set(profile.roles) >= CORE_ROLES | SECTOR_ROLES[name]
    assert profile.source.files[-1].endswith("base/profile.toml")
    granted = {op for resp in profile.responsibilities.values() for op in resp.operations}
    assert granted <= set(BUILTIN_OPS)
    # Every role can work a shift, and some role can verify the audit trail.
    for key, role in profile.roles.items():
        assert "front_office" in role.responsibilities, key
    assert profile.responsibilities_for("audit.verify")
    office = open_shipped(name)
    assert office.profile == profile
    assert set(office.operations) >= set(BUILTIN_OPS)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_is_well_formed(name: str) -> None:
    profile = load_profile(name)
    extensions = [d.extension for d in profile.departments.values()]
    assert len(extensions) == len(set(extensions))
    assert {"reception", "administration"} <= set(profile.departments)
    for key, dept in profile.departments.items():
        assert dept.name and dept.description, key
        open_days = [d for d in ("mon", "tue", "wed", "thu", "fri") if getattr(dept.hours, d)]
        assert open_days, f"department {key} is never open on a weekday"
    for key, role in profile.roles.items():
        assert role.title and role.description, key
        assert role.department in profile.departments, key
    assert [lvl.name for lvl in profile.levels] == ["trainee", "associate", "senior", "lead"]


# -- (b) the permission matrix ---------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_permission_matrix_matches_the_profile_data(name: str, open_shipped: OpenShipped) -> None:
    office = open_shipped(name)
    profile = office.profile
    roles = st.lists(st.sampled_from(sorted(profile.roles)), min_size=1, unique=True)
    experience = st.integers(0, 15) | st.floats(0, 15, allow_nan=False)
    education = st.none() | st.sampled_from(sorted(profile.education))
    # Half the time an operation the profile grants at all, so that grants are exercised.
    granted = sorted({op for resp in profile.responsibilities.values() for op in resp.operations})
    operation = st.sampled_from(granted) | st.sampled_from(sorted(office.operations))

    @given(roles=roles, experience=experience, education=education, op=operation)
    def check(roles: list[str], experience: float, education: str | None, op: str) -> None:
        member = office.staff.hire(
            f"Member {next(_names)}",
            roles=roles,
            experience_years=experience,
            education=education,
        )
        rank = oracle_level_rank(profile, experience, education)
        assert member.level == profile.levels[rank].name
        grants = oracle_grants(profile, roles, rank, op)
        decision = office.kernel.decide(member, office.operations[op])
        assert decision.allowed == bool(grants), decision
        assert decision.decided_by == "profile"
        assert decision.operation == op and decision.actor == member.name
        if decision.allowed:
            assert decision.responsibility in grants
        else:
            assert decision.reason.strip()
            assert decision.responsibility is None

    check()


# -- (c) concrete expectations, from the TOML ---------------------------------------------------

# (profile, roles, experience years, education, operation, expected level, allowed)
CASES = [
    # base: oversight (audit.verify) needs a senior, 4 years.
    ("base", ["clerk"], 0, None, "desk.end_shift", "trainee", True),
    ("base", ["clerk"], 20, None, "audit.verify", "lead", False),
    ("base", ["administrative_assistant"], 3, None, "audit.verify", "associate", False),
    ("base", ["administrative_assistant"], 4, None, "audit.verify", "senior", True),
    # medical: base levels; the practice manager's information_governance needs an associate.
    ("medical", ["receptionist"], 0, None, "desk.note", "trainee", True),
    ("medical", ["receptionist"], 0, None, "audit.verify", "trainee", False),
    ("medical", ["receptionist"], 10, None, "audit.verify", "lead", False),
    ("medical", ["medical_receptionist"], 0, None, "desk.start_shift", "trainee", True),
    ("medical", ["medical_receptionist"], 12, None, "audit.verify", "lead", False),
    ("medical", ["administrative_assistant"], 1, None, "audit.verify", "associate", False),
    ("medical", ["administrative_assistant"], 5, None, "audit.verify", "senior", True),
    ("medical", ["administrative_assistant"], 2, "bachelor", "audit.verify", "senior", True),
    ("medical", ["medical_records_clerk"], 3, None, "audit.verify", "associate", False),
    ("medical", ["medical_records_clerk"], 4, None, "audit.verify", "senior", True),
    ("medical", ["practice_manager"], 0, None, "audit.verify", "trainee", False),
    (
        "medical",
        ["practice_manager"],
        0,
        "medical_administration_certificate",
        "audit.verify",
        "associate",
        True,
    ),
    # legal: levels at 0/2/5/10 years; records_oversight needs a lead.
    ("legal", ["legal_receptionist"], 0, None, "desk.note", "trainee", True),
    ("legal", ["legal_receptionist"], 0, None, "audit.verify", "trainee", False),
    ("legal", ["administrative_assistant"], 4, None, "audit.verify", "associate", False),
    ("legal", ["administrative_assistant"], 5, None, "audit.verify", "senior", True),
    ("legal", ["office_manager"], 3, "bachelor", "audit.verify", "senior", True),
    ("legal", ["clerk"], 9, None, "audit.verify", "senior", False),
    ("legal", ["clerk"], 10, None, "audit.verify", "lead", True),
    ("legal", ["legal_secretary"], 7, "juris_doctor", "audit.verify", "lead", True),
    ("legal", ["legal_secretary"], 6, None, "audit.verify", "senior", False),
    ("legal", ["legal_secretary", "office_manager"], 6, None, "audit.verify", "senior", True),
    # education: levels at 0/1/3/7 years; the business manager's financial_control: associate.
    ("education", ["receptionist"], 0, None, "desk.note", "trainee", True),
    ("education", ["attendance_officer"], 15, None, "audit.verify", "lead", False),
    ("education", ["attendance_officer"], 0, None, "desk.start_shift", "trainee", True),
    ("education", ["school_secretary"], 2, None, "audit.verify", "associate", False),
    ("education", ["school_secretary"], 3, None, "audit.verify", "senior", True),
    ("education", ["administrative_assistant"], 1, "bachelor", "audit.verify", "senior", True),
    ("education", ["business_manager"], 0, None, "audit.verify", "trainee", False),
    ("education", ["business_manager"], 1, None, "audit.verify", "associate", True),
    (
        "education",
        ["business_manager"],
        0,
        "certificate_iv_school_support",
        "audit.verify",
        "associate",
        True,
    ),
    # smallbusiness: base levels; oversight lowered to associate.
    ("smallbusiness", ["receptionist", "clerk"], 15, None, "desk.note", "lead", True),
    ("smallbusiness", ["receptionist", "clerk"], 15, None, "audit.verify", "lead", False),
    ("smallbusiness", ["office_manager"], 0, None, "audit.verify", "trainee", False),
    ("smallbusiness", ["office_manager"], 1, None, "audit.verify", "associate", True),
    (
        "smallbusiness",
        ["office_manager"],
        0,
        "bookkeeping_certificate",
        "audit.verify",
        "associate",
        True,
    ),
    ("smallbusiness", ["administrative_assistant"], 1, None, "audit.verify", "associate", True),
]


@pytest.mark.parametrize(
    ("name", "roles", "years", "education", "operation", "level", "allowed"),
    CASES,
    ids=[f"{c[0]}-{'+'.join(c[1])}-{c[2]}y-{c[3] or 'none'}-{c[4]}" for c in CASES],
)
def test_concrete_permissions(
    name: str,
    roles: list[str],
    years: int,
    education: str | None,
    operation: str,
    level: str,
    allowed: bool,
    open_shipped: OpenShipped,
) -> None:
    office = open_shipped(name)
    member = office.staff.hire(
        "Casey Example", roles=roles, experience_years=years, education=education
    )
    assert member.level == level
    with office.desk(member) as desk:
        decision = desk.can(operation)
    assert decision.allowed is allowed, decision.reason


# -- (d) a refusal raises and is recorded -------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_refused_perform_raises_and_records_a_denied_event(
    name: str, open_shipped: OpenShipped
) -> None:
    office = open_shipped(name)
    tom = office.staff.hire("Tom Trainee", roles=["receptionist"])
    before = office.events()
    with office.desk(tom) as desk:
        assert not desk.can("audit.verify").allowed
        with pytest.raises(PermissionDenied) as info:
            desk.perform(
                "audit.verify", subject="log", act=lambda conn: pytest.fail("must not act")
            )
    assert "Tom Trainee may not perform audit.verify" in str(info.value)
    after = office.events()
    assert after[: len(before)] == before
    (event,) = after[len(before) :]
    assert event.outcome == "denied"
    assert event.operation == "audit.verify"
    assert event.actor_id == tom.id and event.actor_name == "Tom Trainee"
    assert event.subject == "log"
    assert event.detail["decided_by"] == "profile"
    assert event.detail["reason"].strip()
    assert office.events(outcome="denied") == [event]
    assert office.verify_audit().ok
