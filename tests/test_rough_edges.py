"""The rough edges a newcomer met (issue 12): each one, tested as the newcomer met it.

- the README's examples run unchanged on each shipped profile;
- an outside reference on hire and ``office.staff.find(...)``, so that a script runs twice;
- statistics for one of the office's days, in its timezone (DST days included);
- ``officekit calls route`` loads installed plugins without ``--db``;
- opening an office logs nothing at INFO (Alembic's lines are DEBUG lines);
- ``officekit plugins list`` prints whole names when piped;
- the embedding guide's profile switch, an event, shown as it happens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officekit import ConflictError, ManualClock, Office, ValidationError
from officekit.core.profile import available_profiles
from officekit.core.store import events, schema_revision, staff

ROOT = Path(__file__).resolve().parent.parent
LONDON_SPRING_FORWARD = dt.date(2026, 3, 29)  # 23 hours in Europe/London
LONDON_FALL_BACK = dt.date(2026, 10, 25)  # 25 hours


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, re.S)


def _shipped_profiles() -> list[str]:
    return sorted(name for name, where in available_profiles().items() if where == "shipped")


def _count(office: Office, table: sa.Table) -> int:
    with office.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# -- the README ------------------------------------------------------------------------------


def test_the_readme_is_tested_on_every_shipped_profile() -> None:
    assert _shipped_profiles() == sorted(SHIPPED)


SHIPPED = ["base", "medical", "legal", "education", "smallbusiness"]


@pytest.mark.parametrize("profile", SHIPPED)
def test_the_readme_example_runs_unchanged_on_each_shipped_profile(
    profile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = "\n".join(_python_blocks(readme.split("## Use it", 1)[1].split("## Desks", 1)[0]))
    assert code.count('profile="medical"') == 1
    assert f"`{profile}`" in readme  # the README names what each profile adds
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code.replace('profile="medical"', f'profile="{profile}"'), "README", "exec"),
             namespace)  # fmt: skip
    office = namespace["office"]
    assert isinstance(office, Office) and office.profile.name == profile
    out = printed.getvalue().splitlines()
    assert out[-1] == "['Letter from Mrs Rossi']"
    assert not out[0].startswith(("voicemail", "answering_service"))  # the office is open
    assert office.calls.live() == []
    office.close()


def test_the_readme_hires_anna_once_however_often_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = _python_blocks(readme.split("## Use it", 1)[1])[0]
    monkeypatch.chdir(tmp_path)
    ids = []
    for _ in range(2):
        namespace: dict[str, object] = {}
        exec(compile(first_block, "README", "exec"), namespace)
        office = namespace["office"]
        assert isinstance(office, Office)
        ids.append([(m.id, m.reference) for m in office.staff.list()])
        office.close()
    assert ids[0] == ids[1] == [(1, "HR-1001")]


def test_the_whole_readme_example_runs_twice_on_one_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = "\n".join(_python_blocks(readme.split("## Use it", 1)[1].split("## Desks", 1)[0]))
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        namespace: dict[str, object] = {}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "README", "exec"), namespace)
        office = namespace["office"]
        assert isinstance(office, Office)
        assert printed.getvalue().splitlines()[-1] == "['Letter from Mrs Rossi']"
        assert [m.reference for m in office.staff.list()] == ["HR-1001", "HR-1002"]
        assert len(office.records.list("customer")) == 1
        office.close()


# -- staff: an outside reference, and finding someone ----------------------------------------


def test_hire_with_a_reference_and_find_it(office: Office) -> None:
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], reference=" HR-1001 ")
    assert anna.reference == "HR-1001"
    assert office.staff.get(anna.id) == anna
    assert office.staff.find(reference="HR-1001") == anna
    assert office.staff.find(reference="HR-9999") is None
    assert office.staff.find(reference="hr-1001") is None  # compared exactly
    bruno = office.staff.hire("Bruno Neri", roles=["clerk"])
    assert bruno.reference is None
    assert office.staff.list() == [anna, bruno]


def test_a_script_run_twice_hires_once(office: Office) -> None:
    def run() -> None:
        for number, name in [("HR-1", "Anna Conti"), ("HR-2", "Anna Conti")]:
            office.staff.find(reference=number) or office.staff.hire(
                name, roles=["receptionist"], reference=number
            )

    run()
    run()
    assert [(m.name, m.reference) for m in office.staff.list()] == [
        ("Anna Conti", "HR-1"),
        ("Anna Conti", "HR-2"),
    ]
    assert len(office.events(operation="staff.hire")) == 2


def test_a_reference_taken_is_refused_and_nothing_is_written(office: Office) -> None:
    anna = office.staff.hire("Anna Conti", roles=["receptionist"], reference="HR-1")
    office.staff.leave(anna)  # also someone who has left keeps their reference
    before = (_count(office, staff), _count(office, events))
    with pytest.raises(ConflictError, match=r"reference 'HR-1' is already Anna Conti's \(id 1\)"):
        office.staff.hire("Someone Else", roles=["clerk"], reference="HR-1")
    assert (_count(office, staff), _count(office, events)) == before
    assert office.staff.find(reference="HR-1") == office.staff.get(anna.id)
    assert not office.staff.get(anna.id).active


def test_a_reference_is_unique_per_office_not_per_store(
    open_office: Callable[..., Office],
) -> None:
    medical = open_office("medical")
    legal = open_office("legal")
    a = medical.staff.hire("Anna Conti", roles=["receptionist"], reference="HR-1")
    b = legal.staff.hire("Anna Conti", roles=["receptionist"], reference="HR-1")
    assert medical.staff.find(reference="HR-1") == a
    assert legal.staff.find(reference="HR-1") == b


def test_the_database_refuses_a_reused_reference_too(office: Office) -> None:
    office.staff.hire("Anna Conti", roles=["receptionist"], reference="HR-1")
    with pytest.raises(sa.exc.IntegrityError), office.engine.begin() as conn:
        conn.execute(
            staff.insert().values(
                office_id=office.id,
                name="Sneaky",
                experience_years=0.0,
                hired_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
                reference="HR-1",
            )
        )


def test_find_by_name_refuses_to_choose_between_namesakes(office: Office) -> None:
    assert office.staff.find("Anna Conti") is None
    first = office.staff.hire("Anna Conti", roles=["receptionist"])
    assert office.staff.find("  Anna   Conti ") == first  # as hire stores names
    assert office.staff.find("anna conti") is None
    second = office.staff.hire("Anna Conti", roles=["clerk"], reference="HR-2")
    with pytest.raises(
        ConflictError, match=r"2 members of staff are named 'Anna Conti' \(ids 1, 2\)"
    ):
        office.staff.find("Anna Conti")
    assert office.staff.named("Anna Conti") == [first, second]
    assert office.staff.find(reference="HR-2") == second
    office.staff.leave(first)
    assert office.staff.named("Anna Conti") == [second]
    assert len(office.staff.named("Anna Conti", include_departed=True)) == 2


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({}, "reference"),
        ({"name": "Anna", "reference": "HR-1"}, "reference"),
        ({"reference": ""}, "reference"),
        ({"reference": "   "}, "reference"),
        ({"reference": 42}, "reference"),
        ({"reference": "HR\n1"}, "reference"),
        ({"reference": "x" * 101}, "reference"),
        ({"name": ""}, "name"),
        ({"name": 3}, "name"),
    ],
)
def test_find_with_bad_arguments_is_a_validation_error(
    office: Office, kwargs: dict[str, object], where: str
) -> None:
    with pytest.raises(ValidationError) as info:
        office.staff.find(**kwargs)  # type: ignore[arg-type]
    assert info.value.problems[0].where == where


BAD_REFERENCES = st.one_of(
    st.integers(),
    st.floats(allow_nan=True),
    st.binary(),
    st.lists(st.text(max_size=3), max_size=2),
    st.text(alphabet=" \t", max_size=5),
    st.text(min_size=101, max_size=140).filter(lambda t: len(" ".join(t.split())) > 100),
    st.text(max_size=10).map(lambda t: f"HR{t}\x00"),
    st.text(max_size=10).map(lambda t: f"HR{t}\x9b"),
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=BAD_REFERENCES)
def test_hire_with_a_bad_reference_writes_nothing(office: Office, bad: object) -> None:
    before = (_count(office, staff), _count(office, events))
    with pytest.raises(ValidationError) as info:
        office.staff.hire("Anna Conti", roles=["receptionist"], reference=bad)  # type: ignore[arg-type]
    assert [p.where for p in info.value.problems] == ["reference"]
    with pytest.raises(ValidationError):
        office.staff.find(reference=bad)  # type: ignore[arg-type]
    assert (_count(office, staff), _count(office, events)) == before


def test_the_reference_stays_out_of_the_event_log(office: Office) -> None:
    office.staff.hire("Anna Conti", roles=["receptionist"], reference="HR-7311")
    (hired,) = office.events(operation="staff.hire")
    assert set(hired.detail) == {"roles", "experience_years", "education"}
    with office.engine.connect() as conn:
        rows = conn.execute(sa.select(events)).all()
    assert "HR-7311" not in repr(rows)


def test_staff_of_an_older_release_have_no_reference(store_url: str, clock: ManualClock) -> None:
    from alembic import command

    from officekit.core.store import _alembic_config, make_engine, offices, write_transaction

    engine = make_engine(store_url)
    cfg = _alembic_config()
    with write_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005_events_operation_seq")
        office_id = conn.execute(
            offices.insert()
            .values(key="medical", name="Old", profile="medical", created_at=clock.now())
            .returning(offices.c.id)
        ).scalar_one()
        # the columns of 0005: no reference yet
        conn.execute(
            staff.insert().values(
                office_id=office_id, name="Anna Conti", experience_years=2.0, hired_at=clock.now()
            )
        )
    engine.dispose()
    with Office.open(store_url, clock=clock) as office:
        assert schema_revision(office.engine) == "0007_events_detail_json"
        (anna,) = office.staff.list()
        assert anna.reference is None
        assert office.staff.find("Anna Conti") == anna
        office.staff.hire("Bruno Neri", roles=["clerk"], reference="HR-2")
        assert office.staff.find(reference="HR-2") is not None


# -- statistics for one of the office's days -------------------------------------------------


def _calls_at(office: Office, clock: ManualClock, *moments: dt.datetime) -> None:
    for when in moments:
        clock.set(when)
        office.calls.receive("+44 20 7946 0018", "a question")


@pytest.mark.parametrize(
    ("day", "hours"),
    [(LONDON_SPRING_FORWARD, 23), (LONDON_FALL_BACK, 25), (dt.date(2026, 6, 1), 24)],
)
def test_stats_for_day_is_the_offices_day(
    office: Office, clock: ManualClock, day: dt.date, hours: int
) -> None:
    london = office.profile.office.tz
    start = dt.datetime.combine(day, dt.time(), london)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), london)
    tick = dt.timedelta(microseconds=1)
    _calls_at(office, clock, start - tick, start, start + dt.timedelta(hours=12), end - tick, end)
    stats = office.calls.stats_for_day(day)
    assert (stats.start, stats.end) == (start, end)
    assert stats.end.astimezone(dt.UTC) - stats.start.astimezone(dt.UTC) == dt.timedelta(
        hours=hours
    )
    assert stats.offered + stats.after_hours == 3
    assert stats == office.calls.stats(start, end)


def test_visitors_waiting_times_for_day(office: Office, clock: ManualClock) -> None:
    london = office.profile.office.tz
    day = LONDON_SPRING_FORWARD
    rosa = office.staff.hire("Rosa Silva", roles=["receptionist"])
    moments = [
        dt.datetime(2026, 3, 28, 23, 59, tzinfo=london),  # the day before
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=london),
        dt.datetime(2026, 3, 29, 23, 30, tzinfo=london),  # 22:30 UTC: still the 29th there
        dt.datetime(2026, 3, 30, 0, 1, tzinfo=london),  # the day after
    ]
    with office.desk(rosa) as desk:
        for i, when in enumerate(moments):
            clock.set(when)
            visit = desk.visitors.check_in(f"Visitor {i}", "delivery", department="reception")
            clock.advance(minutes=i + 1)
            desk.visitors.receive(visit)
    waits = office.visitors.waiting_times_for_day(day)
    assert waits.visits == 2 and waits.received == 2
    assert waits.max_seconds == pytest.approx(180.0)
    start = dt.datetime.combine(day, dt.time(), london)
    assert waits == office.visitors.waiting_times(start, start.replace(day=30))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bad=st.one_of(
        st.datetimes(timezones=st.just(dt.UTC)),
        st.datetimes(),
        st.text(max_size=12),
        st.integers(),
        st.none(),
        st.sampled_from([dt.date.min, dt.date.max, "2026-03-29", dt.time(12)]),
    )
)
def test_a_day_that_is_not_a_date_is_a_validation_error(office: Office, bad: object) -> None:
    for call in (office.calls.stats_for_day, office.visitors.waiting_times_for_day):
        with pytest.raises(ValidationError) as info:
            call(bad)  # type: ignore[arg-type]
        assert info.value.problems[0].where == "day"


# -- the command line ------------------------------------------------------------------------


def _officekit(
    *args: str, cwd: Path, env: dict[str, str] | None = None, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "COLUMNS": "40"}
    proc = subprocess.run(
        [sys.executable, "-m", "officekit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **(env or {})},
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_calls_stats_counts_the_same_office_days(
    sqlite_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    with Office.open(sqlite_url, profile="medical", clock=clock) as office:
        london = office.profile.office.tz
        start = dt.datetime.combine(LONDON_FALL_BACK, dt.time(), london)
        _calls_at(
            office,
            clock,
            start - dt.timedelta(minutes=1),
            start,
            start.astimezone(dt.UTC) + dt.timedelta(hours=24, minutes=30),  # 23:30 GMT
        )
        expected = office.calls.stats_for_day(LONDON_FALL_BACK)
    day = LONDON_FALL_BACK.isoformat()
    proc = _officekit(
        "calls", "stats", "--db", sqlite_url, "--from", day, "--to", day, "--format", "json",
        cwd=tmp_path,
    )  # fmt: skip
    shown = json.loads(proc.stdout)
    assert shown["offered"] + shown["after_hours"] == 2  # 00:00 and 23:30 GMT (the 25th hour)
    assert (shown["offered"], shown["after_hours"]) == (expected.offered, expected.after_hours)


ROUTE_PLUGIN = '''
"""Parcels go to administration, whatever the profile says."""

import officekit
from officekit.plugins.reception.routing import RoutingDecision


@officekit.hookimpl
def officekit_route_call(office, reason, caller, line, at):
    if "parcel" in reason:
        return RoutingDecision("administration", "administration", "plugin", "parcels plugin")
    return None
'''


def _install_route_plugin(site: Path) -> None:
    (site / "okit_route_demo").mkdir(parents=True)
    (site / "okit_route_demo" / "__init__.py").write_text(ROUTE_PLUGIN, encoding="utf-8")
    info = site / "okit_route_demo-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: okit-route-demo\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[officekit]\nroute_demo = okit_route_demo\n", encoding="utf-8"
    )


def test_calls_route_loads_installed_plugins_without_db(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install_route_plugin(site)
    args = ("calls", "route", "a parcel for Dr Patel", "--profile", "medical", "--format", "json")
    env = {"PYTHONPATH": str(site)}
    decision = json.loads(_officekit(*args, cwd=tmp_path, env=env).stdout)
    assert (decision["kind"], decision["destination"]) == ("plugin", "administration")
    assert decision["explanation"] == "parcels plugin"
    # the plugin declines: the profile's rules decide
    other = json.loads(
        _officekit("calls", "route", "I need to move my appointment", "--profile", "medical",
                   "--at", "2026-11-24T10:00", "--format", "json", cwd=tmp_path, env=env).stdout
    )  # fmt: skip
    assert (other["kind"], other["destination"]) == ("rule", "appointments")
    # blocked by name, as for an office
    blocked = json.loads(
        _officekit(
            *args, cwd=tmp_path, env={**env, "OFFICEKIT_DISABLE_PLUGINS": "route_demo"}
        ).stdout
    )
    assert blocked["kind"] != "plugin"
    assert list(tmp_path.glob("*.db")) == []  # the throwaway office leaves nothing behind


def test_calls_route_loads_the_profiles_own_plugin(tmp_path: Path) -> None:
    profile = tmp_path / "clinic"
    profile.mkdir()
    (profile / "profile.toml").write_text(
        'extends = "medical"\nname = "clinic"\n', encoding="utf-8"
    )
    (profile / "plugin.py").write_text(ROUTE_PLUGIN, encoding="utf-8")
    proc = _officekit(
        "calls", "route", "a parcel", "--profile", str(profile), "--format", "json", cwd=tmp_path
    )
    assert json.loads(proc.stdout)["kind"] == "plugin"


def test_plugins_list_prints_whole_names_when_piped(tmp_path: Path) -> None:
    text = _officekit("plugins", "list", cwd=tmp_path, env={"COLUMNS": "40"}).stdout
    assert "…" not in text
    for name in ("officekit.plugins.kernel", "officekit.plugins.reception"):
        assert re.search(rf"│ {re.escape(name)} +│ builtin +│", text), text
    assert "officekit_register_operations" in text


def test_plugins_list_in_process_with_a_narrow_terminal_width() -> None:
    from typer.testing import CliRunner

    from officekit.cli import app

    result = CliRunner().invoke(app, ["plugins", "list"], env={"COLUMNS": "30"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output and "officekit.plugins.reception" in result.output


# -- logging -----------------------------------------------------------------------------------


def test_opening_an_office_logs_nothing_at_info(
    store_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    Office.open(store_url, profile="medical", clock=clock).close()  # a fresh store: migrated
    Office.open(store_url, profile="medical", clock=clock).close()  # at head
    assert [r for r in caplog.records if r.name.startswith("alembic")] == []


def test_a_migration_is_still_seen_at_debug(
    store_url: str, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    Office.open(store_url, profile="medical", clock=clock).close()
    lines = [r for r in caplog.records if r.name == "alembic.runtime.migration"]
    assert any("0006_staff_reference" in r.getMessage() for r in lines)
    assert {r.levelname for r in lines} == {"DEBUG"}


def test_alembic_outside_officekit_logs_as_it_always_did(
    caplog: pytest.LogCaptureFixture, sqlite_url: str
) -> None:
    Office.open(sqlite_url, profile="medical").close()  # the filter is in place
    caplog.clear()
    caplog.set_level(logging.INFO)
    logging.getLogger("alembic.runtime.migration").info("someone else's migration")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "someone else's migration")
    ]


def test_opening_an_office_in_a_subprocess_prints_no_alembic_lines(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import logging
        logging.basicConfig(level=logging.INFO)
        from officekit import Office
        Office.open("sqlite:///o.db", profile="medical").close()
        Office.open("sqlite:///o.db", profile="medical").close()
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "alembic" not in proc.stderr


# -- the embedding guide -----------------------------------------------------------------------


def test_the_embedding_guide_shows_the_profile_switch_as_it_happens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guide = (ROOT / "docs" / "guides" / "embedding.md").read_text(encoding="utf-8")
    section = guide.split("you ask for it with `change_profile=True`:", 1)[1]
    code, shown = re.match(r"\s*```python\n(.*?)```\s*```text\n(.*?)```", section, re.S).groups()  # type: ignore[union-attr]
    assert "office.change_profile" in section.split("## Controlling time")[0]
    assert "is an event" in section.split("## Controlling time")[0]
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "embedding.md", "exec"), {})
    assert printed.getvalue() == shown


def test_staff_hire_takes_a_reference_once(sqlite_url: str, tmp_path: Path) -> None:
    hire = ("staff", "hire", "Anna Conti", "--role", "receptionist", "--reference", "HR-1")
    _officekit("init", "--db", sqlite_url, "--profile", "medical", cwd=tmp_path)
    assert "Hired Anna Conti (id 1)" in _officekit(*hire, "--db", sqlite_url, cwd=tmp_path).stdout
    again = _officekit(*hire, "--db", sqlite_url, cwd=tmp_path, ok=False)
    assert again.returncode == 1 and "reference 'HR-1' is already Anna Conti's" in again.stderr
    assert "Traceback" not in again.stderr
    with Office.open(sqlite_url) as office:
        assert [m.reference for m in office.staff.list()] == ["HR-1"]
