"""Every desk is a plugin: the kernel runs without one, and each brings its own schema.

Also the defects the review of the kernel found on the way (each named below).
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officekit import (
    ConflictError,
    Event,
    ManualClock,
    Migrations,
    NotFoundError,
    Office,
    OfficeFacet,
    PermissionDenied,
    PluginError,
    ProfileError,
    ProfileSection,
    ValidationError,
    hookimpl,
    load_profile,
)
from officekit.core.store import DETAIL_JSON, KERNEL_MIGRATIONS, make_engine, schema_revision
from officekit.plugins.reception.settings import ROUTING
from officekit.plugins.reception.tables import MIGRATIONS as RECEPTION_MIGRATIONS

RECEPTION = "officekit.plugins.reception"
PARCELS_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "officekit-parcels"
RECEPTION_TABLES = {"calls", "messages", "visits", "known_callers", "guardians"}

KERNEL_ONLY_PROFILE = """
name = "backoffice"
description = "An office without a front desk: no reception department, no phones."

[office]
name = "Back office"
timezone = "Europe/London"
currency = "GBP"

[plugins]
disable = ["officekit.plugins.reception"]

[departments.accounts]
name = "Accounts"
extension = "300"

[[levels]]
name = "junior"
min_years = 0

[[levels]]
name = "senior"
min_years = 4

[responsibilities.desk]
description = "Work at a desk and keep the log"
operations = ["desk.start_shift", "desk.end_shift", "desk.note"]
min_level = "junior"

[responsibilities.audit]
description = "Check the audit trail"
operations = ["audit.verify"]
min_level = "senior"

[roles.clerk]
title = "Clerk"
department = "accounts"
responsibilities = ["desk", "audit"]
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "profile.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- the kernel without the receptionist's desk ---------------------------------------------------


def test_an_office_runs_with_the_reception_plugin_turned_off(
    tmp_path: Path, store_url: str, clock: ManualClock
) -> None:
    path = write(tmp_path / "backoffice", KERNEL_ONLY_PROFILE)
    with Office.open(store_url, profile=path, clock=clock) as office:
        assert "reception" not in office.profile.departments  # and none was demanded
        assert office.plugins.pm.get_plugin(RECEPTION) is None
        assert office.plugins.pm.is_blocked(RECEPTION)
        member = office.staff.hire("Ada Byron", roles=["clerk"], experience_years=6)
        with office.desk(member) as desk:
            desk.start_shift()
            desk.note("Quarter closed")
            report = desk.verify_audit()
        assert report.ok
        assert office.verify_audit().ok
        assert "calls.receive" not in office.operations
        with pytest.raises(AttributeError, match="calls"):
            _ = office.calls
        tables = set(sa.inspect(office.engine).get_table_names())
    assert not tables & RECEPTION_TABLES
    assert RECEPTION_MIGRATIONS.version_table not in tables


def test_the_environment_variable_turns_reception_off_too(
    tmp_path: Path, sqlite_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OFFICEKIT_DISABLE_PLUGINS", RECEPTION)
    # the profile's reception sections are ignored, and the responsibilities that grant
    # reception's operations grant nothing: no error
    profile = load_profile("smallbusiness")
    assert "routing" not in profile.sections
    with Office.open(sqlite_url, profile="smallbusiness", clock=clock) as office:
        member = office.staff.hire("Ada Byron", roles=["receptionist"], experience_years=6)
        with office.desk(member) as desk:
            desk.note("no phones today")
            with pytest.raises(NotFoundError):
                desk.perform("calls.answer")
        assert not set(sa.inspect(office.engine).get_table_names()) & RECEPTION_TABLES
    path = write(tmp_path / "backoffice", KERNEL_ONLY_PROFILE.replace("[plugins]", "[unused]"))
    with pytest.raises(ProfileError, match="unknown key"):
        load_profile(path)  # [unused] is no section of any plugin
    path = write(tmp_path / "backoffice", KERNEL_ONLY_PROFILE)
    with Office.open(sqlite_url, profile=path, clock=clock) as office:
        assert not set(sa.inspect(office.engine).get_table_names()) & RECEPTION_TABLES


def test_turning_reception_off_later_leaves_its_tables_and_on_again_works(
    tmp_path: Path, sqlite_url: str, clock: ManualClock
) -> None:
    with Office.open(sqlite_url, profile="medical", clock=clock) as office:
        office.calls.receive("+44 20 7946 0018", "a question")
    path = write(tmp_path / "medical-quiet", 'extends = "medical"\n')
    text = path.read_text() + '[plugins]\ndisable = ["officekit.plugins.reception"]\n'
    path.write_text(text)
    with Office.open(sqlite_url, profile=path, clock=clock, change_profile=True) as office:
        assert "calls" not in office.office_facets  # off: its tables are left as they are
        assert "calls" in sa.inspect(office.engine).get_table_names()
    with Office.open(sqlite_url, profile="medical", clock=clock, change_profile=True) as office:
        assert len(office.calls.live()) == 1
        assert schema_revision(office.engine, RECEPTION_MIGRATIONS) == "reception_0001"


def test_an_unknown_plugin_to_disable_is_a_problem_with_a_suggestion(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p",
        KERNEL_ONLY_PROFILE.replace(
            'disable = ["officekit.plugins.reception"]', 'disable = ["officekit.plugins.recepton"]'
        ),
    )
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert any(
        "plugins.disable[0]" in str(p) and "did you mean 'officekit.plugins.reception'" in str(p)
        for p in info.value.problems
    )


# -- each desk's own schema ---------------------------------------------------------------


def _diff(engine: sa.Engine, metadata: sa.MetaData) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        return [
            d
            for d in compare_metadata(context, metadata)
            # other sets' tables are not this set's business
            if not (d[0] == "remove_table" and d[1].name not in metadata.tables)
            # PostgreSQL's parsed copy of the events' detail, left out of the portable
            # definition on purpose (officekit.core.store.DETAIL_JSON)
            and not (d[0] == "remove_column" and d[2] == "events" and d[3].name == DETAIL_JSON)
            and not (d[0] == "remove_index" and d[1].table.name not in metadata.tables)
        ]


@pytest.mark.parametrize(
    "migrations", [KERNEL_MIGRATIONS, RECEPTION_MIGRATIONS], ids=lambda m: m.name
)
def test_each_desks_migrated_schema_matches_its_table_definitions(
    office: Office, migrations: object
) -> None:
    assert hasattr(migrations, "metadata")
    diff = _diff(office.engine, migrations.metadata)  # type: ignore[attr-defined]
    assert diff == [], f"{migrations.name}: migrations and tables differ: {diff}"  # type: ignore[attr-defined]


def test_each_set_of_migrations_has_its_own_version_table(office: Office) -> None:
    assert schema_revision(office.engine) == "0007_events_detail_json"
    assert schema_revision(office.engine, RECEPTION_MIGRATIONS) == "reception_0001"
    tables = set(sa.inspect(office.engine).get_table_names())
    assert {"alembic_version", "officekit_version_reception"} <= tables


def test_a_store_made_before_the_split_adopts_its_reception_tables(
    store_url: str, clock: ManualClock
) -> None:
    """Before reception had its own migrations, the kernel's revision 0002 made its tables."""
    from alembic import command

    from officekit.core.store import _alembic_config, write_transaction
    from officekit.plugins.reception.tables import metadata as reception_metadata

    engine = make_engine(store_url)
    with write_transaction(engine) as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003_event_head_trigger")
        reception_metadata.create_all(conn)  # what 0002_reception did then
    engine.dispose()
    with Office.open(store_url, profile="medical", clock=clock) as office:
        call = office.calls.receive("+44 20 7946 0018", "I need to move my appointment")
        assert office.calls.get(call.id).reason == "I need to move my appointment"
        assert schema_revision(office.engine, RECEPTION_MIGRATIONS) == "reception_0001"


# -- operations the office records itself ------------------------------------------------------


def test_operations_recorded_by_the_office_are_registered(office: Office) -> None:
    for name in ("staff.hire", "staff.leave", "office.change_profile", "calls.receive"):
        assert office.operations[name].by_office
    member = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    with office.desk(member) as desk, pytest.raises(ValidationError, match="by the office"):
        desk.perform("staff.hire")
    with pytest.raises(ValidationError, match="at a desk"):
        office.kernel.record_admin("desk.note", subject=None, detail={}, act=lambda c: None)
    with pytest.raises(NotFoundError):
        office.kernel.record_admin("nothing.here", subject=None, detail={}, act=lambda c: None)
    recorded = {e.operation for e in office.events()}
    assert recorded <= set(office.operations)


def test_a_profile_cannot_grant_what_the_office_records(tmp_path: Path) -> None:
    path = write(
        tmp_path / "grant",
        """
        extends = "medical"
        [responsibilities.hiring]
        description = "Hire people"
        operations = ["staff.hire"]
        min_level = "trainee"
        """,
    )
    with pytest.raises(ProfileError, match="recorded by the office itself"):
        load_profile(path)


# -- defects found by the review -----------------------------------------------------------------


def test_an_office_opened_with_a_profile_object_is_not_reopened_by_name(
    sqlite_url: str, clock: ManualClock
) -> None:
    medical = load_profile("medical")
    routing = attrs.evolve(medical.section(ROUTING), after_hours="answering_service")
    custom = medical.with_section(ROUTING, routing)
    with Office.open(sqlite_url, profile=custom, clock=clock) as office:
        assert office.profile.section(ROUTING).after_hours == "answering_service"
    with pytest.raises(NotFoundError, match="Profile object"):
        Office.open(sqlite_url, clock=clock)  # would have loaded the shipped medical silently
    with Office.open(sqlite_url, profile=custom, clock=clock) as office:  # the same object: fine
        assert office.profile.section(ROUTING).after_hours == "answering_service"


def test_a_profile_object_is_checked_like_a_file(sqlite_url: str, clock: ManualClock) -> None:
    medical = load_profile("medical")
    broken = medical.with_section(ROUTING, attrs.evolve(medical.routing, default="nowhere"))
    with pytest.raises(ProfileError, match=r"routing\.default") as info:
        Office.open(sqlite_url, profile=broken, clock=clock)
    assert "nowhere" in str(info.value)


def test_transfer_to_someone_whose_role_the_new_profile_dropped(
    tmp_path: Path, sqlite_url: str, clock: ManualClock
) -> None:
    with Office.open(sqlite_url, profile="medical", clock=clock) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
        nurse_roles = [r for r in office.profile.roles if r != "receptionist"][:1]
        bill = office.staff.hire("Bill Ode", roles=nurse_roles, experience_years=4)
    # a profile like medical with Bill's role gone
    dropped = nurse_roles[0]
    path = write(tmp_path / "slim", 'extends = "medical"\n')
    medical = load_profile("medical")
    slim = attrs.evolve(medical, roles={k: v for k, v in medical.roles.items() if k != dropped})
    del path
    with Office.open(sqlite_url, profile=slim, clock=clock, change_profile=True) as office:
        call = office.calls.receive("+44 20 7946 0018", "I need to move my appointment")
        with office.desk(anna) as desk:
            desk.calls.answer(call)
            done = desk.calls.transfer(call, person=bill)  # was a KeyError
        assert done.outcome == "transferred"
        assert done.misrouted  # his role belongs to no department any more


def test_a_closed_desk_records_no_refusal(office: Office) -> None:
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    with office.desk(anna) as desk:
        message = desk.messages.take("Call the lab", department="administration")
    before = len(office.events())
    with pytest.raises(ConflictError, match="closed"):
        desk.messages.acknowledge(message)
    assert len(office.events()) == before


def test_a_refusal_of_the_recipient_rule_is_still_recorded(office: Office) -> None:
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    with office.desk(anna) as desk:
        message = desk.messages.take("Call the lab", department="administration")
        with pytest.raises(PermissionDenied):
            desk.messages.acknowledge(message)
    (refusal,) = office.events(outcome="denied")
    assert refusal.detail["decided_by"] == "recipient"


def test_facets_are_typed_by_their_keys(office: Office) -> None:
    from officekit.plugins.reception.calls import CALL_DESK, CALLS, CallDesk, PhoneSystem

    phones = office.facet(CALLS)
    assert isinstance(phones, PhoneSystem)
    assert phones is office.calls  # built once, the same object both ways
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    with office.desk(anna) as desk:
        assert isinstance(desk.facet(CALL_DESK), CallDesk)
        assert desk.facet(CALL_DESK) is desk.calls
        assert "calls" in dir(desk)
    assert "calls" in dir(office)
    with pytest.raises(AttributeError, match="the plugins here add"):
        _ = office.parcels


def test_the_profile_of_an_open_office_is_read_only(office: Office) -> None:
    with pytest.raises(AttributeError):
        office.profile = load_profile("legal")  # type: ignore[misc]
    assert office.profile.name == "medical"
    assert office.clock.now().tzinfo is dt.UTC


def test_an_unknown_section_names_the_plugins_that_provide_sections(tmp_path: Path) -> None:
    path = write(tmp_path / "typo", 'extends = "medical"\n[phone]\nlines = 2\n')
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    (problem,) = info.value.problems
    assert problem.where.endswith("typo/profile.toml: phone")
    assert "did you mean 'phones'?" in problem.what
    assert "phones, routing, visitors, questions (officekit.plugins.reception)" in problem.what


def test_a_desks_own_rule_refuses_with_its_reason_unless_the_profile_refuses_first(
    office: Office,
) -> None:
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=0)
    with office.desk(anna) as desk:
        assert desk.can("desk.note").allowed
        with pytest.raises(PermissionDenied, match="quiet hours"):
            desk.refuse("desk.note", "log", "quiet hours", decided_by="house_rule")
        assert not desk.can("audit.verify").allowed
        with pytest.raises(PermissionDenied) as info:
            desk.refuse("audit.verify", None, "not today", decided_by="house_rule")
        assert "not today" not in str(info.value)  # the profile's reason comes first
    own, profiles = office.events(outcome="denied")
    assert own.detail == {"reason": "quiet hours", "decided_by": "house_rule"}
    assert profiles.detail["decided_by"] == "profile"
    with pytest.raises(ConflictError, match="closed"):
        desk.refuse("desk.note", None, "closed desk", decided_by="house_rule")
    assert len(office.events(outcome="denied")) == 2


def test_no_plugin_can_rewrite_an_event_others_are_shown(office: Office) -> None:
    """after_operation and event_recorded get the same event: it is read-only, deeply."""
    from officekit import hookimpl

    seen: list[dict[str, object]] = []

    class Rewriter:
        @hookimpl
        def officekit_after_operation(self, event: Event) -> None:
            event.detail["text"] = "REWRITTEN"  # type: ignore[index]

    class Mirror:
        @hookimpl
        def officekit_event_recorded(self, event: Event) -> None:
            seen.append(dict(event.detail))

    mirror, rewriter = Mirror(), Rewriter()
    office.plugins.pm.register(mirror)
    office.plugins.pm.register(rewriter)
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    with office.desk(anna) as desk:
        event = desk.note("original", subject="log")
    assert event.detail == {"text": "original"}
    assert seen[-1] == {"text": "original"}
    with pytest.raises(TypeError, match="read-only"):
        event.detail["text"] = "x"  # type: ignore[index]
    stored = office.events(operation="desk.note")[-1]
    with pytest.raises(TypeError, match="read-only"):
        stored.detail.update(text="x")  # type: ignore[attr-defined]
    assert json.loads(json.dumps(stored.detail)) == {"text": "original"}
    assert office.verify_audit().ok


def test_a_desk_facet_cannot_take_the_name_of_the_actor_or_office(
    sqlite_url: str, clock: ManualClock
) -> None:
    from officekit import DeskFacet, PluginError, hookimpl

    class Impostor:
        def __init__(self, name: str) -> None:
            self.name = name

        @hookimpl
        def officekit_register_facets(self) -> list[DeskFacet[object]]:
            return [DeskFacet(self.name, lambda desk: None)]

    for name in ("actor", "office"):
        with pytest.raises(PluginError, match=f"desk facet '{name}'"):
            Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Impostor(name)])


def _hire_with_parcels(url: str, i: int, queue: Any) -> None:
    try:
        import sys

        sys.path.insert(0, str(PARCELS_EXAMPLE))
        import officekit_parcels

        plugins = [officekit_parcels] if i % 2 else []
        for n in range(3):
            with Office.open(url, profile="smallbusiness", key=f"k{i % 3}", plugins=plugins) as o:
                o.staff.hire(f"W{i}-{n}", experience_years=1, roles=["receptionist"])
        queue.put("ok")
    except Exception as exc:  # reported to the test
        queue.put(f"{type(exc).__name__}: {exc}")


@pytest.mark.postgres
def test_adding_a_plugin_to_a_live_postgresql_store_does_not_deadlock(store_url: str) -> None:
    """Processes hire while others open the same store with a new plugin, which migrates.

    Its revision's foreign keys lock offices then staff; a hire locks its office row,
    inserts into staff, then moves the chain head on offices. Without the migration
    locking the offices table first, about one run in three deadlocked.
    """
    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    import multiprocessing

    for key in ("k0", "k1", "k2"):
        Office.open(store_url, profile="smallbusiness", key=key).close()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=_hire_with_parcels, args=(store_url, i, queue)) for i in range(8)
    ]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert results == ["ok"] * 8


# -- bad input at the extension points: an officekit error naming it, never a raw one ----------

TABLES = ["office", "departments", "education", "responsibilities", "roles", "plugins"]
SECTIONS = [
    "phones",
    "routing",
    "visitors",
    "questions",
    "filing",
    "records",
    "payments",
    "payroll",
]
not_a_table = (
    st.text(max_size=5) | st.integers() | st.booleans() | st.lists(st.integers(), max_size=2)
)


@given(table=st.sampled_from(TABLES + SECTIONS), value=not_a_table)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_value_where_a_table_belongs_is_a_profile_problem(
    tmp_path_factory: pytest.TempPathFactory, table: str, value: object
) -> None:
    folder = tmp_path_factory.mktemp("scalar")
    path = folder / "profile.toml"
    # JSON scalars and arrays are TOML too, once DEL (which JSON leaves as it is and TOML
    # refuses) is escaped.
    toml_value = json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    path.write_text(f'extends = "medical"\n{table} = {toml_value}\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert any(p.where.endswith(f"profile.toml: {table}") for p in info.value.problems), (
        info.value.problems
    )


def test_a_section_of_the_wrong_type_given_in_code_is_a_profile_problem(
    sqlite_url: str, clock: ManualClock
) -> None:
    from officekit.plugins.reception.settings import PHONES

    broken = load_profile("medical").with_section(PHONES, "not phones")  # type: ignore[arg-type]
    with pytest.raises(ProfileError, match="phones: expected a table"):
        Office.open(sqlite_url, profile=broken, clock=clock)


class _Registers:
    """A plugin returning whatever it is given from one register_* hook."""

    def __init__(self, hook: str, returned: object) -> None:
        setattr(self, hook, hookimpl(specname=hook)(lambda: returned))


def _open_with(url: str, clock: ManualClock, plugin: object) -> Office:
    return Office.open(url, profile="medical", clock=clock, plugins=[plugin])


@pytest.mark.parametrize(
    ("hook", "returned", "match"),
    [
        ("officekit_register_facets", OfficeFacet("boom", lambda o: 1), "must return a list"),
        ("officekit_register_operations", "desk.x", "must return a list"),
        (
            "officekit_register_profile_sections",
            [ProfileSection("broken", int, lambda: 1 / 0)],
            "default of profile section 'broken' failed",
        ),
        (
            "officekit_register_profile_sections",
            [ProfileSection("weird", object(), dict)],
            "section 'weird' cannot be read",
        ),
        (
            "officekit_register_profile_sections",
            [ProfileSection("to_dict", int, int)],
            "would hide Profile.to_dict",
        ),
        (
            "officekit_register_migrations",
            [Migrations("nodir", "/nonexistent/officekit", sa.MetaData())],
            "no folder at",
        ),
    ],
    ids=["facets-not-a-list", "ops-not-a-list", "default-raises", "bad-type", "hides", "no-dir"],
)
def test_a_plugins_bad_contribution_is_a_plugin_error(
    sqlite_url: str, clock: ManualClock, hook: str, returned: object, match: str
) -> None:
    with pytest.raises(PluginError, match=match):
        _open_with(sqlite_url, clock, _Registers(hook, returned))


def test_a_facet_that_fails_to_build_is_a_plugin_error(sqlite_url: str, clock: ManualClock) -> None:
    boom = OfficeFacet("boom", lambda office: 1 / 0)
    with _open_with(sqlite_url, clock, _Registers("officekit_register_facets", [boom])) as office:
        with pytest.raises(PluginError, match="office facet 'boom' failed to build"):
            _ = office.boom
        with pytest.raises(PluginError):
            office.facet(boom)


def test_bad_names_and_locations_of_contributions_are_plugin_errors() -> None:
    with pytest.raises(PluginError, match="OfficeFacet is a lower-case identifier"):
        OfficeFacet("Bad Name", lambda office: None)
    with pytest.raises(PluginError, match="ProfileSection"):
        ProfileSection("", int, int)
    with pytest.raises(PluginError, match="location of Migrations"):
        Migrations("x", None, sa.MetaData())  # type: ignore[arg-type]


def test_a_desk_refuses_only_its_own_operations_by_its_own_rule(office: Office) -> None:
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    with office.desk(anna) as desk:
        with pytest.raises(ValidationError, match="decided_by"):
            desk.refuse("desk.note", None, "forged", decided_by="profile")
        with pytest.raises(ValidationError, match="recorded by the office"):
            desk.refuse("staff.hire", None, "forged", decided_by="house_rule")
        with pytest.raises(NotFoundError):
            desk.refuse("no.such", None, "forged", decided_by="house_rule")
    assert office.events(outcome="denied") == []


def test_a_newer_plugin_revision_names_the_plugin(sqlite_url: str, clock: ManualClock) -> None:
    from officekit import StoreError

    with (
        Office.open(sqlite_url, profile="medical", clock=clock) as office,
        office.engine.begin() as conn,
    ):
        conn.exec_driver_sql(
            "UPDATE officekit_version_reception SET version_num = 'reception_9999'"
        )
    with pytest.raises(StoreError, match="'reception' plugin installed does not know"):
        Office.open(sqlite_url, profile="medical", clock=clock)


def test_a_profile_can_turn_off_a_plugin_that_fails_to_load(
    tmp_path: Path, sqlite_url: str, clock: ManualClock
) -> None:
    folder = tmp_path / "p"
    write(folder, 'extends = "medical"\n[plugins]\ndisable = ["profile:p"]\n')
    (folder / "plugin.py").write_text("raise RuntimeError('broken at import')\n")
    with Office.open(sqlite_url, profile=folder, clock=clock) as office:  # not even imported
        assert office.plugins.pm.is_blocked("profile:p")
    (folder / "profile.toml").write_text('extends = "medical"\n')
    with pytest.raises(PluginError, match="broken at import"):
        Office.open(sqlite_url, profile=folder, clock=clock, change_profile=True)


@pytest.mark.parametrize("name", ["x" * 5000, "medi\x00cal", "a/" * 3000 + "profile.toml"])
def test_an_unusable_profile_name_is_a_profile_problem(name: str) -> None:
    with pytest.raises((ProfileError, NotFoundError)):
        load_profile(name)


def test_a_plugin_passed_twice_is_registered_once(sqlite_url: str, clock: ManualClock) -> None:
    """An installed plugin passed to Office.open too (a test of it, say) is no error."""
    import sys

    sys.path.insert(0, str(PARCELS_EXAMPLE))
    import officekit_parcels

    with Office.open(
        sqlite_url,
        profile=PARCELS_EXAMPLE / "clinic",
        clock=clock,
        plugins=[officekit_parcels, officekit_parcels],
    ) as office:
        assert "parcels" in office.office_facets


def test_a_step_whose_operations_no_role_holds_does_not_run(
    sqlite_url: str, tmp_path: Path
) -> None:
    """An installed plugin an office does not use leaves its simulated days as they were."""
    import sys

    from officekit.simulate import simulate

    sys.path.insert(0, str(PARCELS_EXAMPLE))
    import officekit_parcels

    def days(plugins: list[object], db: str) -> tuple[object, ...]:
        start = dt.date(2026, 3, 2)
        clock = ManualClock(dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC))
        with Office.open(db, profile="medical", clock=clock, plugins=plugins) as office:
            report = simulate(office, days=2, seed=5, start=start, clock=clock)
        return report.events, tuple(step.name for step in report.steps)

    without = days([], f"sqlite:///{tmp_path / 'a.db'}")
    with_parcels = days([officekit_parcels], f"sqlite:///{tmp_path / 'b.db'}")
    assert with_parcels == without
    assert "parcels" not in with_parcels[1]
