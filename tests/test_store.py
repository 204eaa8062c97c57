"""The store: schema on open, migrations, backend settings, reopening."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from officekit import ConflictError, ManualClock, Office, StoreError
from officekit.core.store import (
    make_engine,
    migrate,
    offices,
    schema_revision,
    staff,
    staff_roles,
)
from officekit.errors import NotFoundError, ValidationError

HEAD = "0007_events_detail_json"


def test_open_creates_the_schema_at_head(office: Office) -> None:
    assert schema_revision(office.engine) == HEAD
    tables = set(sa.inspect(office.engine).get_table_names())
    assert {"offices", "staff", "staff_roles", "events", "alembic_version"} <= tables
    assert {"calls", "messages", "visits", "known_callers", "guardians"} <= tables


def test_a_database_from_an_older_release_opens(store_url: str, clock: ManualClock) -> None:
    from alembic import command

    from officekit.core.store import _alembic_config, write_transaction

    engine = make_engine(store_url)
    cfg = _alembic_config()
    with write_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001_kernel")  # the schema of the first release
        # what 0.1 wrote: an office and a member of staff
        office_id = conn.execute(
            offices.insert()
            .values(key="medical", name="Old", profile="medical", created_at=clock.now())
            .returning(offices.c.id)
        ).scalar_one()
        staff_id = conn.execute(
            staff.insert()
            .values(office_id=office_id, name="Anna", experience_years=2.0, hired_at=clock.now())
            .returning(staff.c.id)
        ).scalar_one()
        conn.execute(staff_roles.insert().values(staff_id=staff_id, role="receptionist"))
    assert schema_revision(engine) == "0001_kernel"
    engine.dispose()
    again = Office.open(store_url, clock=clock)  # migrated on open
    assert schema_revision(again.engine) == HEAD
    assert again.staff.get(staff_id).roles == ("receptionist",)
    assert again.calls.live() == []
    again.close()


def test_reopening_keeps_everything(
    open_office: Callable[..., Office], store_url: str, clock: ManualClock
) -> None:
    first = open_office("medical")
    anna = first.staff.hire("Anna", roles=["receptionist"])
    first.close()
    again = Office.open(store_url, clock=clock)  # profile=None: the office's own
    assert again.profile.name == "medical"
    assert again.key == first.key and again.id == first.id
    assert again.staff.get(anna.id) == anna
    again.close()


def test_reopen_without_profile_needs_an_office(sqlite_url: str) -> None:
    with pytest.raises(NotFoundError, match="give a profile"):
        Office.open(sqlite_url)


def test_several_offices_need_a_key_to_reopen(
    open_office: Callable[..., Office], store_url: str
) -> None:
    open_office("medical", key="north").close()
    open_office("medical", key="south").close()
    with pytest.raises(NotFoundError, match="several offices"):
        Office.open(store_url)
    with Office.open(store_url, key="south") as south:
        assert south.key == "south"


def test_bad_office_key(sqlite_url: str) -> None:
    with pytest.raises(ValidationError, match="key"):
        Office.open(sqlite_url, profile="medical", key="Not A Key!")


def test_sqlite_settings(sqlite_office: Office) -> None:
    with sqlite_office.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_foreign_keys_are_enforced(office: Office) -> None:
    from officekit.core.store import staff_roles

    with pytest.raises(sa.exc.IntegrityError), office.engine.begin() as conn:
        conn.execute(staff_roles.insert().values(staff_id=999, role="clerk"))


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(StoreError, match="newer release"):
        migrate(engine)
    engine.dispose()


def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        make_engine("definitely not a url")


def test_unusable_sqlite_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "plainfile").write_text("not a folder")
    with pytest.raises(StoreError, match="cannot"):
        Office.open(f"sqlite:///{tmp_path}/plainfile/office.db", profile="medical")


def test_unreachable_postgres_is_a_store_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match="cannot open the database"):
        Office.open("postgresql+psycopg://nobody:x@127.0.0.1:1/none", profile="medical")


def test_reopening_with_another_profile_is_refused(
    open_office: Callable[..., Office], store_url: str, clock: ManualClock
) -> None:
    open_office("medical").close()
    with pytest.raises(ConflictError, match="opened with profile 'medical'"):
        Office.open(store_url, profile="legal", key="medical", clock=clock)
    with Office.open(store_url, clock=clock) as same:
        assert same.profile.name == "medical"
    with Office.open(
        store_url, profile="legal", key="medical", clock=clock, change_profile=True
    ) as switched:
        assert switched.profile.name == "legal"
        (change,) = switched.events(operation="office.change_profile")
        assert change.detail == {"from": "medical", "to": "legal"}
        assert switched.verify_audit().ok


def _open_in_process(url: str, key: str) -> None:
    Office.open(url, profile="medical", key=key).close()


@pytest.mark.postgres
def test_processes_opening_a_new_store_at_once(store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite serialises this by itself")
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_open_in_process, args=(store_url, "same")) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    with Office.open(store_url) as office:
        assert office.key == "same"


def test_a_profile_found_in_the_working_directory_reopens_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    folder = tmp_path / "work" / "bakery"
    folder.mkdir(parents=True)
    (folder / "profile.toml").write_text('extends = "smallbusiness"\n')
    url = f"sqlite:///{tmp_path / 'bakery.db'}"
    monkeypatch.chdir(tmp_path / "work")
    Office.open(url, profile="bakery", clock=clock).close()  # a bare name, found as ./bakery
    monkeypatch.chdir(tmp_path)
    with Office.open(url, clock=clock) as again:
        assert again.profile.name == "bakery"
        assert again.profile.source.files[0] == str(folder / "profile.toml")
