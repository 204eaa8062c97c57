"""One test per hook in officekit.hookspecs (``test_hook_<name>``), plus loading errors.

Plugins here are plain objects with ``@hookimpl`` methods, passed with
``Office.open(..., plugins=[...])``. ``tests/test_docs.py`` checks that every
hook has its ``test_hook_<name>`` in this directory. The reception plugin's own
hooks have theirs beside the reception tests (``test_routing``, ``test_calls``,
``test_visitors``, ``test_questions``) and here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
import typer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

from officekit import (
    ConflictError,
    DeskFacet,
    Event,
    ManualClock,
    Migrations,
    NotFoundError,
    Office,
    OfficeFacet,
    Operation,
    OperationContext,
    PermissionDenied,
    PluginError,
    ProfileError,
    ProfileSection,
    SectionContext,
    StaffMember,
    ValidationError,
    check_profile,
    hookimpl,
    hookspec,
    load_profile,
)
from officekit.cli import DbOption, FormatOption, KeyOption, check_format, fail, open_office, out
from officekit.core.plugins import UNWRAPPABLE_HOOKS, PluginHost, get_plugin_manager
from officekit.core.store import new_metadata, offices, schema_revision
from officekit.plugins.reception.questions import Answer
from officekit.simulate import (
    DEFAULT_START,
    Simulation,
    SimulationDay,
    SimulationStep,
    StepReport,
    simulate,
    summarise,
)

OpenOffice = Callable[..., Office]

SIGN_IN = Operation("visitors.sign_in", "Sign a visitor in at reception.")

CLINIC_PROFILE = """\
extends = "medical"
name = "clinic"

[responsibilities.visitors]
description = "Greet visitors and sign them in."
operations = ["visitors.sign_in"]
min_level = "trainee"

[roles.greeter]
title = "Greeter"
responsibilities = ["visitors"]
"""


class Visitors:
    """A plugin that adds the ``visitors.sign_in`` operation."""

    @hookimpl
    def officekit_register_operations(self) -> list[Operation]:
        return [SIGN_IN]


class Recorder:
    """A plugin that records every call of the hooks it implements."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def named(self, hook: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == hook]


def _clinic(tmp_path: Path) -> Path:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "profile.toml").write_text(CLINIC_PROFILE, encoding="utf-8")
    return folder


def _refused_by_profile(office: Office) -> tuple[StaffMember, Operation]:
    """A trainee receptionist asking for the audit check, which the profile refuses."""
    trainee = office.staff.hire("Tom Walsh", roles=["receptionist"])
    operation = office.operations["audit.verify"]
    assert not office.kernel.decide(trainee, operation).allowed, "precondition: profile refuses"
    return trainee, operation


# -- officekit_register_operations ----------------------------------------------


def test_hook_register_operations(open_office: OpenOffice, tmp_path: Path) -> None:
    clinic = _clinic(tmp_path)
    office = open_office(clinic, plugins=[Visitors()])
    assert office.operations["visitors.sign_in"] == SIGN_IN
    # The built-in kernel plugin's operations are still there.
    assert {"desk.note", "audit.verify"} <= set(office.operations)

    greeter = office.staff.hire("Grace Kim", roles=["greeter"])
    with office.desk(greeter) as desk:
        assert desk.can("visitors.sign_in").responsibility == "visitors"
        _, event = desk.perform("visitors.sign_in", subject="Mr Rossi", detail={"badge": "V-12"})
    assert (event.operation, event.subject, event.outcome) == ("visitors.sign_in", "Mr Rossi", "ok")
    assert office.events(operation="visitors.") == [event]


def test_hook_register_operations_is_needed_by_a_profile_that_grants_them(
    sqlite_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    with pytest.raises(ProfileError) as info:
        Office.open(sqlite_url, profile=_clinic(tmp_path), clock=clock)
    assert "no operation named 'visitors.sign_in'" in str(info.value)
    assert "responsibilities.visitors.operations[0]" in str(info.value)


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (["visitors.sign_in"], "must return Operation objects"),
        ([SIGN_IN, Operation("visitors.sign_in", "Something else.")], "registered twice"),
    ],
)
def test_hook_register_operations_bad_answers_are_plugin_errors(
    sqlite_url: str, clock: ManualClock, returned: list[Any], message: str
) -> None:
    class Bad:
        @hookimpl
        def officekit_register_operations(self) -> list[Any]:
            return returned

    with pytest.raises(PluginError, match=message):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Bad()])


# -- a third party's desk: the parcel room ------------------------------------------
#
# The tests of the contribution hooks build a small desk the way a third party
# would: an operation, a profile section, facets, tables, commands, a simulation
# step and hooks of its own.

RECEIVE_PARCEL = Operation("parcels.receive", "Receive a parcel at the front desk.")

PORTER_PROFILE = """\
extends = "medical"
name = "porters"

[responsibilities.parcels]
description = "Receive parcels at the front desk."
operations = ["parcels.receive"]
min_level = "trainee"

[roles.porter]
title = "Porter"
responsibilities = ["front_office", "parcels"]
"""


def _profile(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "profile.toml").write_text(text, encoding="utf-8")
    return folder


class ParcelOperations:
    """Registers ``parcels.receive``, which ``PORTER_PROFILE`` grants to porters."""

    @hookimpl
    def officekit_register_operations(self) -> list[Operation]:
        return [RECEIVE_PARCEL]


# -- officekit_addhooks -------------------------------------------------------------


class ParcelHookspecs:
    """The parcel room's own hooks (a class, or a module, of ``@hookspec`` functions)."""

    @hookspec
    def officekit_parcel_arrived(self, office: Office, label: str) -> None:
        """Called after a parcel was received."""

    @hookspec(firstresult=True)
    def officekit_parcel_locker(self, office: Office, label: str) -> str | None:
        """Choose the locker a parcel goes to; the first answer wins."""


class ParcelRoomHooks:
    """The desk that brings the hooks: adds them as it is registered."""

    @hookimpl
    def officekit_addhooks(self, pluginmanager: Any) -> None:
        pluginmanager.add_hookspecs(ParcelHookspecs)


class Concierge(Recorder):
    """Another plugin, implementing the parcel room's hooks."""

    @hookimpl
    def officekit_parcel_arrived(self, office: Office, label: str) -> None:
        self.calls.append(("arrived", {"office": office, "label": label}))

    @hookimpl
    def officekit_parcel_locker(self, label: str) -> str | None:
        return "cold room" if "frozen" in label else None


def test_hook_addhooks(open_office: OpenOffice) -> None:
    concierge = Concierge()
    # The implementation is registered before the spec exists: officekit_addhooks is
    # historic, so the spec added later is still checked against it.
    office = open_office("medical", plugins=[concierge, ParcelRoomHooks()])
    hook = office.plugins.pm.hook

    assert hook.officekit_parcel_arrived.spec is not None
    assert [impl.plugin_name for impl in hook.officekit_parcel_arrived.get_hookimpls()] == [
        "Concierge"
    ]
    office.plugins.notify("officekit_parcel_arrived", office=office, label="box of toner")
    assert concierge.named("arrived") == [{"office": office, "label": "box of toner"}]
    # firstresult, as the spec says: one answer, or None when nobody answers.
    call = office.plugins.call
    assert call("officekit_parcel_locker", office=office, label="frozen samples") == "cold room"
    assert call("officekit_parcel_locker", office=office, label="letters") is None
    # The built-in reception plugin adds its hooks the same way.
    assert hook.officekit_route_call.spec is not None
    assert hook.officekit_answer_question.spec.opts["firstresult"]


def test_hook_addhooks_specs_check_their_implementations(
    sqlite_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the plugin that adds the spec, an implementation matches no hook.
    with pytest.raises(PluginError, match="officekit_parcel_arrived"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Concierge()])

    class WrongArgument:
        @hookimpl
        def officekit_parcel_arrived(self, parcel: str) -> None:
            pass

    with pytest.raises(PluginError, match="parcel"):
        Office.open(
            sqlite_url, profile="medical", clock=clock, plugins=[ParcelRoomHooks(), WrongArgument()]
        )

    class Router:
        @hookimpl
        def officekit_route_call(self) -> None:
            return None

    # A built-in desk that is turned off still declares its hooks: a plugin implementing
    # them loads (and is never called), whichever way the desk was turned off.
    monkeypatch.setenv("OFFICEKIT_DISABLE_PLUGINS", "officekit.plugins.reception")
    with Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Router()]) as office:
        assert "calls" not in office.office_facets
        assert office.plugins.pm.hook.officekit_route_call.spec is not None


def test_hook_addhooks_failure_is_a_plugin_error(sqlite_url: str, clock: ManualClock) -> None:
    class Broken:
        @hookimpl
        def officekit_addhooks(self) -> None:
            raise RuntimeError("no hookspecs module")

    with pytest.raises(PluginError, match="no hookspecs module"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Broken()])


# -- officekit_register_profile_sections ---------------------------------------------


@attrs.frozen
class ParcelSettings:
    """The ``[parcels]`` table."""

    locker: str = "front desk"
    hold_days: int = 7
    notify_department: str | None = None


def _check_parcels(value: ParcelSettings, ctx: SectionContext) -> ParcelSettings:
    department = value.notify_department
    if department is not None and department not in ctx.profile.departments:
        ctx.problem(["notify_department"], f"no department {department!r} in the profile")
    if value.hold_days < 1:
        ctx.problem(["hold_days"], "a parcel is held at least one day")
    return attrs.evolve(value, locker=value.locker.strip())  # the value to keep


PARCELS = ProfileSection(
    "parcels",
    ParcelSettings,
    default=ParcelSettings,
    validate=_check_parcels,
    description="The parcel room: lockers and how long parcels are held.",
)


class ParcelSection:
    @hookimpl
    def officekit_register_profile_sections(self) -> list[ProfileSection[Any]]:
        return [PARCELS]


WITH_PARCELS = """\
extends = "medical"
name = "withparcels"

[parcels]
locker = "  basement  "
hold_days = 14
notify_department = "administration"
"""


def test_hook_register_profile_sections(open_office: OpenOffice, tmp_path: Path) -> None:
    folder = _profile(tmp_path, "withparcels", WITH_PARCELS)
    office = open_office(folder, plugins=[ParcelSection()])
    settings = office.profile.section(PARCELS)  # typed ParcelSettings for mypy
    assert settings == ParcelSettings("basement", 14, "administration")  # as validate kept it
    assert office.profile.parcels is settings
    assert office.profile.to_dict()["parcels"]["hold_days"] == 14

    # A profile without the table gets the default.
    plain = open_office("medical", key="plain", plugins=[ParcelSection()])
    assert plain.profile.section(PARCELS) == ParcelSettings()

    # Without the plugin there is no such section, and the table is an unknown key.
    bare = open_office("medical", key="bare")
    with pytest.raises(NotFoundError, match="no section 'parcels'"):
        bare.profile.section(PARCELS)
    if "parcels" in os.environ.get("OFFICEKIT_DISABLE_PLUGINS", "").split(","):
        # a real plugin named parcels is installed here, and turned off for the suite:
        # its section is then ignored, not unknown
        assert check_profile(folder) == []
        return
    (problem,) = check_profile(folder)
    assert problem.where == f"{folder.resolve() / 'profile.toml'}: parcels"
    assert problem.what.startswith("unknown key")


def test_hook_register_profile_sections_reads_strictly(tmp_path: Path) -> None:
    base = _profile(
        tmp_path,
        "parcelbase",
        'extends = "medical"\n[parcels]\nnotify_department = "mars"\n',
    )
    child = _profile(
        tmp_path,
        "parcelchild",
        'extends = "../parcelbase"\n[parcels]\nhold_days = 0\n',
    )
    # The section's own check: each problem names the file that set the key.
    problems = {str(p) for p in check_profile(child, plugins=[ParcelSection()])}
    assert problems == {
        f"{base.resolve() / 'profile.toml'}: parcels.notify_department: "
        "no department 'mars' in the profile",
        f"{child.resolve() / 'profile.toml'}: parcels.hold_days: a parcel is held at least one day",
    }

    typo = _profile(
        tmp_path, "typo", 'extends = "medical"\n[parcels]\nhold_dayz = 3\nlocker = 12\n'
    )
    problems = check_profile(typo, plugins=[ParcelSection()])
    where = {p.where: p.what for p in problems}
    file = typo.resolve() / "profile.toml"
    assert where[f"{file}: parcels.hold_dayz"] == "unknown key (did you mean 'hold_days'?)"
    assert f"{file}: parcels.locker" in where
    assert len(problems) == 2


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ([ProfileSection("office", ParcelSettings, ParcelSettings)], "one of the kernel's tables"),
        (["parcels"], "must return ProfileSection objects"),
    ],
)
def test_hook_register_profile_sections_bad_answers_are_plugin_errors(
    sqlite_url: str, clock: ManualClock, returned: list[Any], message: str
) -> None:
    class Bad:
        @hookimpl
        def officekit_register_profile_sections(self) -> list[Any]:
            return returned

    with pytest.raises(PluginError, match=message):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Bad()])


def test_hook_register_profile_sections_one_name_one_plugin(
    sqlite_url: str, clock: ManualClock
) -> None:
    class Rival:
        def __init__(self, name: str) -> None:
            self.section = ProfileSection(name, ParcelSettings, ParcelSettings)

        @hookimpl
        def officekit_register_profile_sections(self) -> list[ProfileSection[Any]]:
            return [self.section]

    for plugins, name in [
        ([ParcelSection(), Rival("parcels")], "parcels"),
        ([Rival("phones")], "phones"),
    ]:
        # "phones" is the reception plugin's.
        with pytest.raises(PluginError, match=f"provide the profile section '{name}'"):
            Office.open(sqlite_url, profile="medical", clock=clock, plugins=plugins)


# -- officekit_register_facets -------------------------------------------------------


class ParcelRoom:
    """``office.parcels``: the office's parcel room."""

    def __init__(self, office: Office) -> None:
        self.office = office

    def received(self) -> list[str | None]:
        return [e.subject for e in self.office.events(operation="parcels.receive", outcome="ok")]


class ParcelCounter:
    """``desk.parcels``: the parcel room's operations at a desk."""

    def __init__(self, desk: Any) -> None:
        self.desk = desk

    def receive(self, label: str) -> Event:
        self.desk.check_open()
        return self.desk.perform("parcels.receive", subject=label, detail={"label": label})[1]


PARCEL_COUNTER = DeskFacet("parcels", ParcelCounter, "Receive parcels.")


def test_hook_register_facets(open_office: OpenOffice, tmp_path: Path) -> None:
    built: list[Office] = []

    def room(office: Office) -> ParcelRoom:
        built.append(office)
        return ParcelRoom(office)

    parcel_room = OfficeFacet("parcels", room, "The parcel room.")

    class Facets(ParcelOperations):
        @hookimpl
        def officekit_register_facets(self) -> list[OfficeFacet[Any] | DeskFacet[Any]]:
            return [parcel_room, PARCEL_COUNTER]

    office = open_office(_profile(tmp_path, "porters", PORTER_PROFILE), plugins=[Facets()])
    assert built == []  # built when first used
    assert office.facet(parcel_room) is office.parcels is office.parcels
    assert isinstance(office.parcels, ParcelRoom)
    assert built == [office]  # once per office
    assert "parcels" in dir(office)
    assert office.office_facets["parcels"] is parcel_room
    assert office.desk_facets["parcels"] is PARCEL_COUNTER

    pat = office.staff.hire("Pat Okafor", roles=["porter"])
    with office.desk(pat) as desk:
        counter = desk.facet(PARCEL_COUNTER)  # typed ParcelCounter for mypy
        assert counter is desk.parcels
        assert "parcels" in dir(desk)
        event = desk.parcels.receive("box of toner")
    assert (event.operation, event.actor_id, event.detail) == (
        "parcels.receive",
        pat.id,
        {"label": "box of toner"},
    )
    assert office.parcels.received() == ["box of toner"]
    with office.desk(pat) as other:
        assert other.parcels is not counter  # once per desk
    with pytest.raises(ConflictError):
        counter.receive("late parcel")  # its desk is closed

    # A key that this office's plugins did not register is not found.
    with pytest.raises(NotFoundError, match="no office facet 'parcels'"):
        office.facet(OfficeFacet("parcels", ParcelRoom))
    bare = open_office("medical", key="bare")
    with pytest.raises(AttributeError, match="no attribute 'parcels'"):
        _ = bare.parcels


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ([OfficeFacet("staff", ParcelRoom)], "'staff' is already an attribute of Office"),
        ([OfficeFacet("engine", ParcelRoom)], "'engine' is already an attribute of Office"),
        ([OfficeFacet("calls", ParcelRoom)], "'calls' is already an attribute of Office"),
        ([DeskFacet("note", ParcelCounter)], "'note' is already an attribute of Desk"),
        ([PARCEL_COUNTER, DeskFacet("parcels", ParcelCounter)], "'parcels' is already"),
        ([RECEIVE_PARCEL], "must return OfficeFacet or DeskFacet objects"),
    ],
)
def test_hook_register_facets_name_clashes_are_plugin_errors(
    sqlite_url: str, clock: ManualClock, returned: list[Any], message: str
) -> None:
    class Clash:
        @hookimpl
        def officekit_register_facets(self) -> list[Any]:
            return returned

    with pytest.raises(PluginError, match=message):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Clash()])


# -- officekit_register_migrations -------------------------------------------------

PARCELS_REVISION = '''\
"""The parcel room's table.

Revision ID: parcels_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "parcels_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parcels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            sa.ForeignKey("offices.id", name="fk_parcels_office_id_offices"),
            nullable=False,
        ),
        sa.Column("label", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("parcels")
'''


def _parcel_migrations(tmp_path: Path) -> tuple[Migrations, sa.Table]:
    location = tmp_path / "parcel_migrations"
    location.mkdir()
    (location / "parcels_0001.py").write_text(PARCELS_REVISION, encoding="utf-8")
    metadata = new_metadata()
    table = sa.Table(
        "parcels",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("office_id", sa.ForeignKey(offices.c.id), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
    )
    return Migrations("parcels", location, metadata), table


def test_hook_register_migrations(open_office: OpenOffice, tmp_path: Path) -> None:
    migrations, parcels = _parcel_migrations(tmp_path)

    class ParcelTables:
        @hookimpl
        def officekit_register_migrations(self) -> list[Migrations]:
            return [migrations]

    office = open_office("medical", plugins=[ParcelTables()])
    kernel_revision = schema_revision(office.engine)
    assert migrations.version_table == "officekit_version_parcels"
    tables = set(sa.inspect(office.engine).get_table_names())
    assert {"parcels", "officekit_version_parcels", "officekit_version_reception"} <= tables
    version = sa.table("officekit_version_parcels", sa.column("version_num"))
    with office.engine.connect() as conn:
        assert conn.execute(sa.select(version.c.version_num)).scalars().all() == ["parcels_0001"]
        # The revision made what the plugin's metadata describes.
        only_parcels = {"include_name": lambda name, kind, _: kind != "table" or name == "parcels"}
        context = MigrationContext.configure(conn, opts=only_parcels)
        assert compare_metadata(context, migrations.metadata) == []
    assert schema_revision(office.engine, migrations) == "parcels_0001"
    with office.engine.begin() as conn:
        conn.execute(parcels.insert().values(office_id=office.id, label="box of toner"))
    office.close()

    # Reopening runs nothing (creating the table again would fail) and keeps the rows.
    again = open_office("medical", plugins=[ParcelTables()])
    assert schema_revision(again.engine, migrations) == "parcels_0001"
    assert schema_revision(again.engine) == kernel_revision
    # Without the plugin, its tables and version are left as they are.
    without = open_office("medical")
    assert schema_revision(without.engine, migrations) == "parcels_0001"
    with without.engine.connect() as conn:
        assert conn.execute(sa.select(parcels.c.label)).scalars().all() == ["box of toner"]
        assert conn.execute(sa.select(version.c.version_num)).scalars().all() == ["parcels_0001"]


def test_hook_register_migrations_bad_answers(
    sqlite_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    migrations, _ = _parcel_migrations(tmp_path)

    class Returns:
        def __init__(self, returned: list[Any]) -> None:
            self.returned = returned

        @hookimpl
        def officekit_register_migrations(self) -> list[Any]:
            return self.returned

    with pytest.raises(PluginError, match="must return Migrations objects"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Returns([str(tmp_path)])])
    # Two sets under one name (here the reception's) would share a version table.
    clash = Migrations("reception", migrations.location, migrations.metadata)
    with pytest.raises(PluginError, match="named 'reception' is registered by"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Returns([clash])])
    kernel = Migrations("kernel", migrations.location, migrations.metadata)
    with pytest.raises(PluginError, match="by the kernel already"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Returns([kernel])])


# -- officekit_register_commands ----------------------------------------------------


class ParcelCommands:
    """Adds ``officekit parcels count`` (parcels noted in the log), built on ``officekit.cli``."""

    @hookimpl
    def officekit_register_commands(self, app: typer.Typer) -> None:
        parcels = typer.Typer(help="The parcel room.", no_args_is_help=True)

        @parcels.command("count")
        def count(
            db: DbOption = "sqlite:///officekit.db",
            key: KeyOption = None,
            fmt: FormatOption = "text",
        ) -> None:
            """Count the parcels received."""
            check_format(fmt)
            with open_office(db, key) as office:
                notes = office.events(operation="desk.note")
                received = sum(note.subject == "parcel" for note in notes)
                if not office.staff.list():
                    fail("nobody works in this office yet")
            if fmt == "json":
                out.print_json(json.dumps({"received": received}))
            else:
                out.print(f"{received} parcel(s) received")

        app.add_typer(parcels, name="parcels")


def test_hook_register_commands(sqlite_url: str, clock: ManualClock) -> None:
    app = typer.Typer()  # as officekit.cli.get_app() does with the root application
    built, left_out = PluginHost(get_plugin_manager(plugins=[ParcelCommands()])).register_commands(
        app
    )
    assert left_out == [] and set(built.commands) == set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert {"parcels", "calls", "visitors", "ask"} <= set(commands)  # the reception's too
    assert "count" in commands["parcels"].commands

    with Office.open(sqlite_url, profile="medical", clock=clock):
        pass
    runner = CliRunner()
    empty = runner.invoke(app, ["parcels", "count", "--db", sqlite_url])
    assert empty.exit_code == 1
    assert "error: nobody works in this office yet" in empty.stderr

    with Office.open(sqlite_url, clock=clock) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])
        with office.desk(anna) as desk:
            desk.note("Box of toner for the printer", subject="parcel")
            desk.note("Printer fixed")
    text = runner.invoke(app, ["parcels", "count", "--db", sqlite_url])
    assert (text.exit_code, text.stdout.strip()) == (0, "1 parcel(s) received")
    as_json = runner.invoke(app, ["parcels", "count", "--db", sqlite_url, "--format", "json"])
    assert json.loads(as_json.stdout) == {"received": 1}
    bad = runner.invoke(app, ["parcels", "count", "--db", sqlite_url, "--format", "xml"])
    assert bad.exit_code == 2
    assert "--format must be 'text' or 'json'" in bad.stderr


def test_hook_register_commands_a_failing_plugin_is_left_out_and_named() -> None:
    class Broken:
        @hookimpl
        def officekit_register_commands(self, app: typer.Typer) -> None:
            app.command("half-added")(lambda: None)
            raise RuntimeError("no terminal")

    class Unbuildable:  # an annotation Typer cannot resolve when it builds the command
        @hookimpl
        def officekit_register_commands(self, app: typer.Typer) -> None:
            def hello(db: NoSuchType) -> None:  # type: ignore[name-defined]  # noqa: F821
                pass

            group = typer.Typer()
            group.command("hello")(hello)
            app.add_typer(group, name="hello")

    class Quiet:  # adds nothing: never blamed for another's broken command
        @hookimpl
        def officekit_register_commands(self, app: typer.Typer) -> None:
            return None

    app = typer.Typer()
    host = PluginHost(
        get_plugin_manager(plugins=[Broken(), Unbuildable(), Quiet(), ParcelCommands()])
    )
    command, left_out = host.register_commands(app)
    assert sorted((type(exc).__name__, str(exc)[:40]) for _, exc in left_out) == [
        ("NameError", "name 'NoSuchType' is not defined"),
        ("RuntimeError", "no terminal"),
    ]
    names = {plugin for plugin, _ in left_out}
    assert len(names) == 2 and all(isinstance(n, str) and n for n in names)
    assert {"parcels", "calls"} <= set(command.commands)
    assert "hello" not in command.commands and "half-added" not in command.commands


def test_the_command_line_warns_of_a_plugin_left_out_and_runs_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    import officekit.cli
    import officekit.core.plugins
    from officekit.cli import main

    class Broken:
        @hookimpl
        def officekit_register_commands(self, app: typer.Typer) -> None:
            raise RuntimeError("no terminal")

    root = typer.Typer()

    @root.command("hello")
    def hello() -> None:
        print("hello ran")

    @root.command("other")
    def other() -> None:  # two commands: a group, as the real root
        pass

    manager = get_plugin_manager(plugins=[Broken()])
    monkeypatch.setattr(officekit.cli, "app", root)
    monkeypatch.setattr(officekit.cli, "_commands_added", False)
    monkeypatch.setattr(officekit.cli, "_command", None)
    monkeypatch.setattr(officekit.core.plugins, "get_plugin_manager", lambda: manager)
    with CliRunner().isolation() as (stdout, stderr, _):
        with pytest.raises(SystemExit) as done:
            main(["hello"])
        sys.stdout.flush()
        sys.stderr.flush()
        said = stdout.getvalue().decode() + stderr.getvalue().decode()
    assert done.value.code == 0
    assert "hello ran" in said
    assert "warning: plugin" in said and "RuntimeError('no terminal')" in said


# -- officekit_register_simulation_steps ----------------------------------------------


class ParcelRun:
    """One simulation's parcels: a few arrive each day, a porter on shift receives them."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.days: list[dt.date] = []
        self.received: list[str] = []

    def plan(self, day: SimulationDay) -> None:
        self.days.append(day.day)
        for _ in range(3):
            day.at(day.arrival(), self.arrive)

    def arrive(self) -> None:
        with self.sim.desk("parcels.receive") as desk:
            if desk is None:  # no porter on shift
                return
            label = f"parcel for {self.sim.person()}"
            desk.perform("parcels.receive", subject=label)
        self.received.append(label)
        self.sim.counts["parcels"] += 1

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        n = len(self.received)
        return StepReport("parcels", (f"Parcels received: {n}",), {"received": n})


class ParcelSimulation(ParcelOperations):
    @hookimpl
    def officekit_register_simulation_steps(self) -> list[SimulationStep]:
        return [SimulationStep("parcels", ParcelRun, order=50, counts=("parcels",))]


def test_hook_register_simulation_steps(sqlite_url: str, tmp_path: Path) -> None:
    clock = ManualClock(
        dt.datetime.combine(DEFAULT_START, dt.time(6), zoneinfo.ZoneInfo("Europe/London"))
    )
    porters = _profile(tmp_path, "porters", PORTER_PROFILE)
    progress: list[str] = []
    with Office.open(sqlite_url, profile=porters, clock=clock, plugins=[ParcelSimulation()]) as o:
        report = simulate(o, days=2, seed=3, clock=clock, progress=progress.append)
        received = o.events(operation="parcels.receive")
    # Steps run in their order: the reception's (10) before the parcels' (50); the other
    # built-in desks' steps run too, each in its own place.
    names = [step.name for step in report.steps]
    assert names[0] == "reception" and "parcels" in names
    (parcels,) = [step for step in report.steps if step.name == "parcels"]
    assert parcels.data["received"] == len(received) > 0
    assert report.events["parcels.receive ok"] == len(received)
    assert f"Parcels received: {len(received)}" in list(summarise(report))
    assert all("parcels" in line for line in progress)  # its counts in each day's line


def test_hook_register_simulation_steps_bad_answer_is_a_plugin_error(
    sqlite_url: str, clock: ManualClock
) -> None:
    class Bad:
        @hookimpl
        def officekit_register_simulation_steps(self) -> list[Any]:
            return [ParcelRun]

    with (
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Bad()]) as office,
        pytest.raises(PluginError, match="must return SimulationStep objects"),
    ):
        simulate(office, days=1, clock=clock)


# -- officekit_office_opened --------------------------------------------------------


def test_hook_office_opened(open_office: OpenOffice) -> None:
    class Opened(Recorder):
        @hookimpl
        def officekit_office_opened(self, office: Office) -> None:
            self.calls.append(("opened", {"office": office, "operations": set(office.operations)}))

    class NoArguments(Recorder):
        # An implementation may take fewer arguments than the spec: here, none.
        @hookimpl
        def officekit_office_opened(self) -> None:
            self.calls.append(("opened", {}))

    opened, bare = Opened(), NoArguments()
    office = open_office("medical", plugins=[opened, bare])
    (call,) = opened.named("opened")
    assert call["office"] is office
    assert "desk.note" in call["operations"]
    assert bare.calls == [("opened", {})]


def test_hook_office_opened_cannot_replace_the_profile(open_office: OpenOffice) -> None:
    other = load_profile("smallbusiness")

    class Swap(Recorder):
        @hookimpl
        def officekit_office_opened(self, office: Office) -> None:
            try:
                office.profile = other  # type: ignore[misc]
            except AttributeError as exc:
                self.calls.append(("refused", {"error": exc}))
            try:
                office.profile.name = "smallbusiness"  # type: ignore[misc]
            except AttributeError as exc:  # attrs' FrozenInstanceError
                self.calls.append(("refused", {"error": exc}))

    plugin = Swap()
    office = open_office("medical", plugins=[plugin])
    errors = [call["error"] for call in plugin.named("refused")]
    assert [type(e) for e in errors] == [AttributeError, attrs.exceptions.FrozenInstanceError]
    assert office.profile.name == "medical"
    assert office.profile.office.name == "Riverside Medical Practice"


# -- staff ------------------------------------------------------------------------


def test_hook_staff_hired(open_office: OpenOffice) -> None:
    class Hired(Recorder):
        @hookimpl
        def officekit_staff_hired(self, office: Office, member: StaffMember) -> None:
            # Called after commit: the hire's event is already in the log.
            logged = office.events(operation="staff.hire")
            self.calls.append(("hired", {"member": member, "logged": logged}))

    plugin = Hired()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    (call,) = plugin.named("hired")
    assert call["member"] == anna
    assert call["member"].level == "senior"
    assert [e.subject for e in call["logged"]] == ["Anna Conti"]


def test_hook_staff_roles_changed(open_office: OpenOffice) -> None:
    class Changed(Recorder):
        @hookimpl
        def officekit_staff_roles_changed(
            self, member: StaffMember, previous: tuple[str, ...]
        ) -> None:
            self.calls.append(("changed", {"member": member, "previous": previous}))

    plugin = Changed()
    office = open_office("medical", plugins=[plugin])
    sam = office.staff.hire("Sam Novak", roles=["receptionist"])
    updated = office.staff.change_roles(sam, ["clerk", "receptionist"])
    assert plugin.named("changed") == [{"member": updated, "previous": ("receptionist",)}]
    assert updated.roles == ("clerk", "receptionist")

    # A refused change is not announced.
    with pytest.raises(ValidationError):
        office.staff.change_roles(sam, ["astronaut"])
    assert len(plugin.named("changed")) == 1


def test_hook_staff_left(open_office: OpenOffice, clock: ManualClock) -> None:
    class Left(Recorder):
        @hookimpl
        def officekit_staff_left(self, office: Office, member: StaffMember) -> None:
            self.calls.append(("left", {"member": member, "active": office.staff.list()}))

    plugin = Left()
    office = open_office("medical", plugins=[plugin])
    rosa = office.staff.hire("Rosa Silva", roles=["clerk"])
    clock.advance(days=90)
    gone = office.staff.leave(rosa)
    (call,) = plugin.named("left")
    assert call["member"] == gone
    assert call["member"].left_at == clock.now()
    assert not call["member"].active
    assert call["active"] == []


# -- officekit_check_permission ----------------------------------------------------


class RefuseNotes(Recorder):
    """Refuses ``desk.note`` about the subject ``"private"``; agrees to the rest."""

    @hookimpl
    def officekit_check_permission(
        self, actor: StaffMember, operation: Operation, subject: str | None
    ) -> str | None:
        self.calls.append(("check", {"actor": actor, "operation": operation.name}))
        if operation.name == "desk.note" and subject == "private":
            return "notes about private matters go in the locked register"
        return None


def test_hook_check_permission(open_office: OpenOffice) -> None:
    plugin = RefuseNotes()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    before = len(office.events())
    with office.desk(anna) as desk:
        assert desk.can("desk.note").allowed  # the plugin agrees: None
        assert desk.note("Toner is low").outcome == "ok"
        with pytest.raises(PermissionDenied) as info:
            desk.note("About Mr Rossi", subject="private")
    assert info.value.reason == "notes about private matters go in the locked register"
    assert plugin.named("check")[-1] == {"actor": anna, "operation": "desk.note"}

    (denied,) = office.events(outcome="denied")
    assert denied.operation == "desk.note"
    assert denied.actor_id == anna.id
    assert denied.subject == "private"
    assert denied.detail == {
        "reason": "notes about private matters go in the locked register",
        "decided_by": "plugin",
    }
    assert [e.outcome for e in office.events()[before:]] == ["ok", "denied"]
    assert office.verify_audit().ok


def test_hook_check_permission_is_not_asked_when_the_profile_refuses(
    open_office: OpenOffice,
) -> None:
    class AlwaysRefuse(Recorder):
        @hookimpl
        def officekit_check_permission(self, operation: Operation) -> str:
            self.calls.append(("check", {"operation": operation.name}))
            return "the plugin says no"

    plugin = AlwaysRefuse()
    office = open_office("medical", plugins=[plugin])
    trainee, operation = _refused_by_profile(office)
    profile_decision = office.kernel.decide(trainee, operation)
    with office.desk(trainee) as desk:
        assert desk.can("audit.verify") == profile_decision
        with pytest.raises(PermissionDenied) as info:
            desk.verify_audit()
    assert plugin.named("check") == []
    assert info.value.reason == profile_decision.reason
    (denied,) = office.events(outcome="denied")
    assert denied.detail == {"reason": profile_decision.reason, "decided_by": "profile"}


def test_hook_check_permission_cannot_loosen(open_office: OpenOffice) -> None:
    class AlwaysAgree:
        @hookimpl
        def officekit_check_permission(self) -> None:
            return None

    office = open_office("medical", plugins=[AlwaysAgree()])
    trainee, _ = _refused_by_profile(office)
    with office.desk(trainee) as desk:
        decision = desk.can("audit.verify")
        assert not decision.allowed and decision.decided_by == "profile"
        with pytest.raises(PermissionDenied):
            desk.verify_audit()
    assert [e.operation for e in office.events(outcome="denied")] == ["audit.verify"]


def test_hook_check_permission_every_plugin_is_asked(open_office: OpenOffice) -> None:
    class Refuse:
        def __init__(self, reason: str) -> None:
            self.reason = reason

        @hookimpl
        def officekit_check_permission(self) -> str:
            return self.reason

    office = open_office(
        "medical", plugins=[RefuseNotes(), Refuse("first reason"), Refuse("second reason")]
    )
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    with office.desk(anna) as desk, pytest.raises(PermissionDenied) as info:
        desk.start_shift()
    assert set(info.value.reason.split("; ")) == {"first reason", "second reason"}


# -- operations ------------------------------------------------------------------


def test_hook_before_operation(open_office: OpenOffice) -> None:
    class NoShouting(Recorder):
        @hookimpl
        def officekit_before_operation(self, office: Office, context: OperationContext) -> None:
            self.calls.append(("before", {"context": context, "events": len(office.events())}))
            if context.operation == "desk.note" and context.detail["text"].isupper():
                raise ValidationError("please do not shout in the log", where="text")

    plugin = NoShouting()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    count = len(office.events())
    with office.desk(anna) as desk:
        with pytest.raises(ValidationError, match="please do not shout"):
            desk.note("PRINTER OUT OF TONER", subject="printer")
        assert len(office.events()) == count  # nothing written, not even a refusal
        desk.note("Printer out of toner", subject="printer")

    stopped, done = (call["context"] for call in plugin.named("before"))
    assert stopped == OperationContext(
        "desk.note", anna.id, "Anna Conti", "printer", {"text": "PRINTER OUT OF TONER"}
    )
    assert done.detail == {"text": "Printer out of toner"}
    # Called after authorisation, before the transaction: its event is not there yet.
    assert [call["events"] for call in plugin.named("before")] == [count, count]
    assert len(office.events()) == count + 1


def test_hook_before_operation_cannot_change_what_is_recorded(open_office: OpenOffice) -> None:
    class Tamper(Recorder):
        @hookimpl
        def officekit_before_operation(self, context: OperationContext) -> None:
            try:
                context.detail["text"] = "Nothing to see"  # type: ignore[index]
            except TypeError as exc:
                self.calls.append(("refused", {"error": exc}))
            try:
                context.detail = {}  # type: ignore[misc]
            except AttributeError as exc:
                self.calls.append(("refused", {"error": exc}))
            try:  # nested values are read-only too
                context.detail["tags"].append("tampered")
            except TypeError as exc:
                self.calls.append(("refused", {"error": exc}))

    plugin = Tamper()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    detail = {"text": "The safe was left open", "tags": ["security"]}
    with office.desk(anna) as desk:
        _, event = desk.perform("desk.note", subject="safe", detail=detail)
    errors = [call["error"] for call in plugin.named("refused")]
    assert [type(e) for e in errors] == [
        TypeError,
        attrs.exceptions.FrozenInstanceError,
        TypeError,
    ]
    recorded = {"text": "The safe was left open", "tags": ["security"]}
    assert event.detail == recorded
    assert office.events(operation="desk.note")[-1].detail == recorded
    assert detail == recorded
    assert office.verify_audit().ok


def test_hook_after_operation(open_office: OpenOffice, clock: ManualClock) -> None:
    class After(Recorder):
        @hookimpl
        def officekit_after_operation(
            self, office: Office, context: OperationContext, event: Event
        ) -> None:
            # The event is committed: it can be read back from the log.
            read_back = office.events(operation=context.operation, limit=1)
            self.calls.append(("after", {"context": context, "event": event, "read": read_back}))

    plugin = After()
    office = open_office("medical", plugins=[plugin])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"])
    with office.desk(anna) as desk:
        noted = desk.note("Printer out of toner")
        with pytest.raises(ValidationError):
            desk.note("")  # refused by validation: no event, no hook call
    (call,) = plugin.named("after")
    assert call["event"] == noted
    assert call["read"] == [noted]
    assert call["event"].occurred_at == clock.now()
    assert call["context"].operation == "desk.note"
    assert call["context"].actor_id == anna.id
    # Office administration (hiring) is not an operation: after_operation is not called.
    assert [c["event"].operation for c in plugin.named("after")] == ["desk.note"]


def test_hook_after_operation_not_called_for_a_refusal(open_office: OpenOffice) -> None:
    class After(Recorder):
        @hookimpl
        def officekit_after_operation(self, event: Event) -> None:
            self.calls.append(("after", {"event": event}))

    plugin = After()
    office = open_office("medical", plugins=[plugin])
    trainee, _ = _refused_by_profile(office)
    with office.desk(trainee) as desk, pytest.raises(PermissionDenied):
        desk.verify_audit()
    assert plugin.calls == []


def test_hook_event_recorded(open_office: OpenOffice) -> None:
    class Stream(Recorder):
        @hookimpl
        def officekit_event_recorded(self, office: Office, event: Event) -> None:
            # After commit: the event can be read back, and it is the latest.
            latest = office.events(limit=1)
            self.calls.append(("event", {"event": event, "latest": latest}))

        def events(self) -> list[Event]:
            return [call["event"] for call in self.named("event")]

    stream = Stream()
    office = open_office("medical", plugins=[stream])
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], experience_years=4)
    trainee, _ = _refused_by_profile(office)
    with office.desk(anna) as desk:
        desk.note("Printer out of toner")
    with office.desk(trainee) as desk, pytest.raises(PermissionDenied):
        desk.verify_audit()
    office.calls.receive("020 7946 0018", "book an appointment")

    logged = office.events()
    assert stream.events() == logged  # every event, once, in the order of the chain
    assert [e.seq for e in stream.events()] == list(range(1, len(logged) + 1))
    assert [(e.operation, e.outcome) for e in logged] == [
        ("staff.hire", "ok"),
        ("staff.hire", "ok"),
        ("desk.note", "ok"),
        ("audit.verify", "denied"),
        ("calls.receive", "ok"),
    ]
    assert all(call["latest"] == [call["event"]] for call in stream.named("event"))

    # What the office records while it opens reaches the new office's plugins too.
    switched = Stream()
    reopened = open_office("smallbusiness", key=office.key, change_profile=True, plugins=[switched])
    (change,) = switched.events()
    assert change.operation == "office.change_profile"
    assert change.detail == {"from": "medical", "to": "smallbusiness"}
    assert reopened.events(after_seq=logged[-1].seq) == [change]


def test_hook_event_recorded_failure_is_logged_and_the_rest_still_hear(
    sqlite_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[str] = []

    class Failing:
        @hookimpl
        def officekit_event_recorded(self) -> None:
            raise ConnectionError("warehouse down")

    class Listening:
        @hookimpl
        def officekit_event_recorded(self, event: Event) -> None:
            heard.append(event.operation)

    plugins = [Listening(), Failing()]
    with Office.open(sqlite_url, profile="medical", clock=clock, plugins=plugins) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])
        with office.desk(anna) as desk:
            desk.note("Printer out of toner")  # no error: it is recorded
        assert [e.operation for e in office.events()] == ["staff.hire", "desk.note"]
    assert heard == ["staff.hire", "desk.note"]
    assert "plugin 'Failing' failed in officekit_event_recorded" in caplog.text


# -- officekit_answer_question ----------------------------------------------------

ASKDESK_PROFILE = """\
extends = "base"
name = "askdesk"

[responsibilities.questions]
description = "Answer customers' questions."
operations = ["questions.answer"]
min_level = "trainee"

[roles.receptionist]
title = "Receptionist"
department = "reception"
responsibilities = ["front_office", "questions"]
"""


def test_hook_answer_question(open_office: OpenOffice, tmp_path: Path) -> None:
    class OpeningHours(Recorder):
        @hookimpl
        def officekit_answer_question(self, office: Office, question: str) -> Answer | None:
            self.calls.append(("asked", {"question": question, "events": len(office.events())}))
            if "open" in question:
                return Answer(question, "We open at 09:00.", 1.0, source="plugin:hours")
            return None

    folder = tmp_path / "askdesk"
    folder.mkdir()
    (folder / "profile.toml").write_text(ASKDESK_PROFILE, encoding="utf-8")
    plugin = OpeningHours()
    office = open_office(folder, plugins=[plugin])
    rita = office.staff.hire("Rita Moreau", roles=["receptionist"])
    carl = office.staff.hire("Carl Novak", roles=["clerk"])

    with office.desk(rita) as desk:
        answer = desk.questions.answer("When do you open?")
        # None lets the office answer: here it escalates, with no knowledge base entry.
        unanswered = desk.questions.answer("Where do I park?")
    assert (answer.text, answer.source, answer.escalated) == (
        "We open at 09:00.",
        "plugin:hours",
        False,
    )
    assert unanswered.source != "plugin:hours"
    assert [c["question"] for c in plugin.named("asked")] == [
        "When do you open?",
        "Where do I park?",
    ]
    (first, _) = office.events(operation="questions.")
    assert first.detail["source"] == "plugin:hours"
    assert first.seq == plugin.named("asked")[0]["events"] + 1  # asked before it was recorded

    # Someone the profile does not let answer questions: the plugin is not asked.
    with office.desk(carl) as desk, pytest.raises(PermissionDenied):
        desk.questions.answer("When do you open?")
    assert len(plugin.named("asked")) == 2


# -- loading and failing plugins ---------------------------------------------------


def test_misspelt_hook_is_refused_at_open(sqlite_url: str, clock: ManualClock) -> None:
    class Misspelt:
        @hookimpl
        def officekit_staff_hried(self, member: StaffMember) -> None:  # sic
            pass

    with pytest.raises(PluginError, match="officekit_staff_hried"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Misspelt()])


def test_implementation_with_an_unknown_argument_is_a_plugin_error(
    sqlite_url: str, clock: ManualClock
) -> None:
    class ExtraArgument:
        @hookimpl
        def officekit_office_opened(self, office: Office, colour: str) -> None:
            pass

    with pytest.raises(PluginError, match="colour"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[ExtraArgument()])


def test_plugin_exception_becomes_plugin_error(sqlite_url: str, clock: ManualClock) -> None:
    class Broken:
        @hookimpl
        def officekit_before_operation(self, context: OperationContext) -> None:
            raise RuntimeError("the plugin's bug")

    with Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Broken()]) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])
        count = len(office.events())
        with office.desk(anna) as desk, pytest.raises(PluginError) as info:
            desk.note("Printer out of toner")
        assert "officekit_before_operation" in str(info.value)
        assert isinstance(info.value.__cause__, RuntimeError)
        assert len(office.events()) == count


def test_plugin_failing_after_commit_is_logged_and_the_effect_stands(
    sqlite_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenAfterHire:
        @hookimpl
        def officekit_staff_hired(self) -> None:
            raise KeyError("oops")

    with Office.open(
        sqlite_url, profile="medical", clock=clock, plugins=[BrokenAfterHire()]
    ) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])  # no error: it is done
        assert anna.name == "Anna Conti"
        assert [m.name for m in office.staff.list()] == ["Anna Conti"]
        assert "failed in officekit_staff_hired (the operation was committed)" in caplog.text
        assert "KeyError" in caplog.text
        assert [e.operation for e in office.events()] == ["staff.hire"]


def test_plugin_failing_in_office_opened_is_a_plugin_error(
    sqlite_url: str, clock: ManualClock
) -> None:
    class BrokenOpen:
        @hookimpl
        def officekit_office_opened(self) -> None:
            raise RuntimeError("cannot start")

    with pytest.raises(PluginError, match="cannot start"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[BrokenOpen()])


def test_one_failing_plugin_does_not_stop_the_others_after_commit(
    sqlite_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    class Failing:
        __name__ = "failing-plugin"

        @hookimpl
        def officekit_staff_hired(self) -> None:
            raise RuntimeError("mail server down")

    class Listening:
        __name__ = "listening-plugin"

        @hookimpl(tryfirst=True)
        def officekit_staff_hired(self, member: StaffMember) -> None:
            seen.append(member.name)

    with Office.open(
        sqlite_url, profile="medical", clock=clock, plugins=[Listening(), Failing()]
    ) as office:
        office.staff.hire("Anna Conti", roles=["receptionist"])
    assert seen == ["Anna Conti"]
    assert "plugin 'failing-plugin' failed in officekit_staff_hired" in caplog.text


def _wrapper(hook_name: str, *, old_style: bool) -> object:
    """A plugin whose only implementation wraps ``hook_name``."""

    def wrap(self: object) -> Any:
        return (yield)

    marker = hookimpl(hookwrapper=True) if old_style else hookimpl(wrapper=True)
    return type("Wrapper", (), {hook_name: marker(wrap)})()


@pytest.mark.parametrize("old_style", [False, True], ids=["wrapper", "hookwrapper"])
@pytest.mark.parametrize("hook_name", UNWRAPPABLE_HOOKS)
def test_wrapping_check_permission_or_after_commit_hooks_is_refused(
    sqlite_url: str, clock: ManualClock, hook_name: str, old_style: bool
) -> None:
    plugin = _wrapper(hook_name, old_style=old_style)
    with pytest.raises(PluginError, match=f"plugin 'Wrapper' wraps {hook_name}"):
        Office.open(sqlite_url, profile="medical", clock=clock, plugins=[plugin])


def test_check_permission_and_after_commit_hooks_are_unwrappable() -> None:
    assert set(UNWRAPPABLE_HOOKS) == {
        "officekit_check_permission",
        "officekit_staff_hired",
        "officekit_staff_roles_changed",
        "officekit_staff_left",
        "officekit_after_operation",
        "officekit_event_recorded",
    }


def test_wrapping_before_operation_is_allowed(sqlite_url: str, clock: ManualClock) -> None:
    seen: list[str] = []

    class Timing:
        @hookimpl(wrapper=True)
        def officekit_before_operation(self, context: OperationContext) -> Any:
            seen.append(f"before {context.operation}")
            result = yield
            seen.append(f"after {context.operation}")
            return result

    with Office.open(sqlite_url, profile="medical", clock=clock, plugins=[Timing()]) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])
        with office.desk(anna) as desk:
            desk.note("Printer out of toner")
    assert seen == ["before desk.note", "after desk.note"]


def test_hook_register_audit_checks(sqlite_url: str, clock: ManualClock) -> None:
    from officekit.core.extensions import AuditCheck, Finding

    seen: list[str] = []

    def notes_are_short(conn: sa.Connection, office_id: int, events: Any) -> list[Finding]:
        found = []
        for event in events:  # only the operations the check names, in chain order
            seen.append(event.operation)
            if len(event.detail["text"]) > 10:
                found.append(Finding("short_notes", "a long note", seq=event.seq))
        return found

    class ShortNotes:
        @hookimpl
        def officekit_register_audit_checks(self) -> list[AuditCheck]:
            return [AuditCheck("short_notes", notes_are_short, operations=("desk.note",))]

    with Office.open(sqlite_url, profile="medical", clock=clock, plugins=[ShortNotes()]) as office:
        anna = office.staff.hire("Anna Conti", roles=["receptionist"])
        with office.desk(anna) as desk:
            desk.note("short")
            note = desk.note("a rather long note")
        assert office.verify_audit().ok  # not deep: the checks do not run
        assert seen == []
        report = office.verify_audit(deep=True)
        assert "short_notes" in report.deep_checks
        assert seen == ["desk.note", "desk.note"]
        assert [(f.check, f.seq) for f in report.findings] == [("short_notes", note.seq)]

    class Twice:
        @hookimpl
        def officekit_register_audit_checks(self) -> list[AuditCheck]:
            return [AuditCheck("short_notes", notes_are_short)]

    host = PluginHost(get_plugin_manager(plugins=[ShortNotes(), Twice()]))
    with pytest.raises(PluginError, match="an audit check named 'short_notes'"):
        host.register_audit_checks()
