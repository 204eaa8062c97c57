"""Keyed integrity of the event log (MACs, checkpoints) and the deep audit."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.test_events import busy_office, tamper
from typer.testing import CliRunner

from officekit import ConflictError, ManualClock, Office, ValidationError, verify_store
from officekit.cli import get_app
from officekit.core.audit import KEY_ENV, KEY_FILE_ENV, AuditKey, resolve_audit_key
from officekit.core.events import event_hash
from officekit.core.store import audit_checkpoints, events, offices
from officekit.plugins.reception.tables import calls
from officekit.simulate import simulate

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


@pytest.fixture
def keyed(open_office: Callable[..., Office]) -> Office:
    """A medical office whose events are signed."""
    return open_office("medical", audit_key=KEY)


def _forge_append(office: Office) -> int:
    """Append an event by SQL with a correct chain hash (the head trigger moves the head)."""
    with office.engine.begin() as conn:
        head = conn.execute(
            sa.select(offices.c.event_seq, offices.c.event_head).where(offices.c.id == office.id)
        ).one()
        seq = head.event_seq + 1
        when = office.clock.now()
        fields = {
            "office_id": office.id,
            "seq": seq,
            "occurred_at": when,
            "actor_id": None,
            "actor_name": "office",
            "operation": "desk.note",
            "subject": None,
            "outcome": "ok",
            "duration_us": 0,
        }
        detail = '{"text":"forged"}'
        digest = event_hash(prev_hash=head.event_head, detail_json=detail, **fields)
        conn.execute(
            events.insert().values(
                **fields, detail=detail, prev_hash=head.event_head, hash=digest, mac="0" * 64
            )
        )
    return int(seq)


def _rewrite_last(office: Office) -> int:
    """Rewrite the last event's detail, recomputing its hash and the office's head."""
    last = office.events()[-1]
    detail = '{"text":"rewritten"}'
    digest = event_hash(
        prev_hash=last.prev_hash, office_id=office.id, seq=last.seq,
        occurred_at=last.occurred_at, actor_id=last.actor_id, actor_name=last.actor_name,
        operation=last.operation, subject=last.subject, outcome=last.outcome,
        duration_us=last.duration_us, detail_json=detail,
    )  # fmt: skip
    tamper(
        office.engine,
        events.update().where(events.c.id == last.id).values(detail=detail, hash=digest),
        offices.update().where(offices.c.id == office.id).values(event_head=digest),
    )
    return last.seq


def _truncate_tail(office: Office, count: int) -> int:
    """Remove the last ``count`` events and set the office's head back to match."""
    log = office.events()
    keep = log[-count - 1]
    tamper(
        office.engine,
        events.delete().where(events.c.office_id == office.id, events.c.seq > keep.seq),
        offices.update()
        .where(offices.c.id == office.id)
        .values(event_seq=keep.seq, event_head=keep.hash),
    )
    return keep.seq


def test_keyed_events_carry_a_mac_and_verify(keyed: Office, clock: ManualClock) -> None:
    busy_office(keyed, clock)
    log = keyed.events()
    signing = AuditKey(KEY).for_office(keyed.key)  # each office signs with its own key
    assert all(e.mac == signing.mac_event(e.hash) for e in log)
    report = keyed.verify_audit()
    assert report.ok and report.keyed and report.macs_checked == len(log)
    assert report.not_checked == ("the state tables (not deep)",)


def test_without_a_key_verify_says_what_it_did_not_check(
    office: Office, clock: ManualClock
) -> None:
    busy_office(office, clock)
    assert all(e.mac is None for e in office.events())
    report = office.verify_audit()
    assert report.ok and not report.keyed
    assert "MACs and checkpoints (no audit key)" in report.not_checked


def test_a_forged_event_appended_by_sql_is_named_with_the_key(
    keyed: Office, clock: ManualClock, store_url: str
) -> None:
    busy_office(keyed, clock)
    seq = _forge_append(keyed)
    # the chain and the head agree: without the key it passes (the documented limit)
    (plain,) = verify_store(store_url)
    assert plain.ok and plain.checked == seq
    report = keyed.verify_audit()
    assert not report.ok and report.broken is None
    (finding,) = report.findings
    assert finding.check == "mac" and finding.seq == seq
    assert f"event {seq} (desk.note): its MAC does not match" in finding.reason


def test_an_unsigned_event_after_signed_ones_is_named(
    keyed: Office, clock: ManualClock, store_url: str
) -> None:
    busy_office(keyed, clock)
    seq = _forge_append(keyed)
    tamper(keyed.engine, events.update().where(events.c.seq == seq).values(mac=None))
    (report,) = verify_store(store_url, audit_key=KEY)
    (finding,) = report.findings
    assert finding.seq == seq and "has no MAC, but event 1" in finding.reason


def test_a_rewritten_last_event_is_named_with_the_key(
    keyed: Office, clock: ManualClock, store_url: str
) -> None:
    busy_office(keyed, clock)
    seq = _rewrite_last(keyed)
    assert verify_store(store_url)[0].ok
    report = keyed.verify_audit()
    assert [(f.check, f.seq) for f in report.findings] == [("mac", seq)]


def test_a_truncated_tail_below_a_checkpoint_is_named(
    keyed: Office, clock: ManualClock, store_url: str
) -> None:
    busy_office(keyed, clock)
    checkpoint = keyed.checkpoint_audit()
    assert checkpoint.seq == len(keyed.events()) == 8
    assert keyed.verify_audit().checkpoints_checked == 1
    kept = _truncate_tail(keyed, 3)
    assert verify_store(store_url)[0].ok  # the chain alone cannot tell
    report = keyed.verify_audit()
    (finding,) = report.findings
    assert finding.check == "checkpoint" and finding.seq == 8
    assert f"the log ends at event {kept}, below this checkpoint" in finding.reason


def test_an_event_under_a_checkpoint_rewritten_with_its_mac_is_still_named(
    keyed: Office, clock: ManualClock
) -> None:
    # Even a holder of the key who rewrites the signed head is caught by the checkpoint.
    busy_office(keyed, clock)
    keyed.checkpoint_audit()
    seq = _rewrite_last(keyed)
    digest = keyed.events()[-1].hash
    tamper(
        keyed.engine,
        events.update()
        .where(events.c.seq == seq)
        .values(mac=AuditKey(KEY).for_office(keyed.key).mac_event(digest)),
    )
    (finding,) = keyed.verify_audit().findings
    assert finding.check == "checkpoint" and "no longer has the hash" in finding.reason


def test_a_forged_checkpoint_is_named(keyed: Office, clock: ManualClock) -> None:
    busy_office(keyed, clock)
    with keyed.engine.begin() as conn:
        conn.execute(
            audit_checkpoints.insert().values(
                office_id=keyed.id, seq=3, hash="a" * 64, created_at=clock.now(), mac="b" * 64
            )
        )
    (finding,) = keyed.verify_audit().findings
    assert finding.check == "checkpoint" and "signature does not match" in finding.reason


def test_checkpoints_are_refused_changes_too(keyed: Office, clock: ManualClock) -> None:
    busy_office(keyed, clock, notes=1)
    keyed.checkpoint_audit()
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        keyed.engine.begin() as conn,
    ):
        conn.execute(audit_checkpoints.delete())


def test_checkpoint_needs_the_key_and_a_sound_log(
    office: Office, keyed: Office, clock: ManualClock
) -> None:
    with pytest.raises(ConflictError, match="no audit key"):
        office.checkpoint_audit()
    busy_office(keyed, clock)
    _forge_append(keyed)
    with pytest.raises(ConflictError, match="does not verify, so it is not checkpointed"):
        keyed.checkpoint_audit()


def test_the_audit_key_comes_from_the_argument_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    assert resolve_audit_key() is None
    fingerprint = AuditKey(KEY).fingerprint
    key_file = tmp_path / "audit.key"
    key_file.write_bytes(KEY + b"\n")
    assert resolve_audit_key(key_file=key_file).fingerprint == fingerprint  # type: ignore[union-attr]
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    assert resolve_audit_key().fingerprint == fingerprint  # type: ignore[union-attr]
    monkeypatch.setenv(KEY_ENV, OTHER_KEY.decode())
    assert resolve_audit_key().fingerprint == AuditKey(OTHER_KEY).fingerprint  # type: ignore[union-attr]
    assert resolve_audit_key(KEY).fingerprint == fingerprint  # type: ignore[union-attr]
    assert KEY.decode() not in repr(resolve_audit_key(KEY))
    with pytest.raises(ValidationError, match="at least 16 bytes"):
        AuditKey(b"short")
    with pytest.raises(ValidationError, match="cannot read the audit key file"):
        resolve_audit_key(key_file=tmp_path / "missing")


def test_another_key_does_not_verify(keyed: Office, clock: ManualClock, store_url: str) -> None:
    busy_office(keyed, clock, notes=1)
    (report,) = verify_store(store_url, audit_key=OTHER_KEY)
    assert not report.ok and all(f.check == "mac" for f in report.findings)


# -- the deep audit --------------------------------------------------------------------


def _simulated(open_office: Callable[..., Office], **kwargs: object) -> Office:
    start = dt.date(2026, 3, 2)
    clock = ManualClock(dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC))
    office = open_office("smallbusiness", clock=clock, key="simulation", **kwargs)
    simulate(office, days=1, seed=3, start=start, clock=clock)
    return office


def test_deep_audit_of_a_busy_day_finds_nothing(
    open_office: Callable[..., Office], store_url: str
) -> None:
    office = _simulated(open_office)
    with office.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(calls)).scalar_one() > 5
    report = office.verify_audit(deep=True)
    assert report.ok, report.findings
    # Every desk that brings a deep check ran it: reception's three, and the others'.
    assert {"reception_calls", "reception_messages", "reception_visits"} <= set(report.deep_checks)
    assert report.deep_checks == tuple(c.name for c in office.plugins.register_audit_checks())
    (stored,) = verify_store(store_url, deep=True)
    assert stored.ok and stored.deep_checks == report.deep_checks


def test_deep_audit_names_an_edited_call(
    open_office: Callable[..., Office], store_url: str
) -> None:
    office = _simulated(open_office)
    # a caller who hangs up before being answered (the simulated day may have none)
    assert isinstance(office.clock, ManualClock)
    office.clock.set(dt.datetime(2026, 3, 3, 15, tzinfo=dt.UTC))
    office.calls.hang_up(office.calls.receive("+1 202 555 0199", "about my bill"))
    with office.engine.begin() as conn:
        call_id = conn.execute(
            sa.select(calls.c.id).where(calls.c.outcome == "abandoned").limit(1)
        ).scalar_one()
        conn.execute(calls.update().where(calls.c.id == call_id).values(outcome="completed"))
    assert office.verify_audit().ok  # the chain and its events are untouched
    report = office.verify_audit(deep=True)
    (finding,) = report.findings
    assert (finding.check, finding.table, finding.row_id, finding.field) == (
        "reception_calls",
        "calls",
        call_id,
        "outcome",
    )
    hang_up = next(
        e for e in office.events(operation="calls.hang_up") if e.detail["call_id"] == call_id
    )
    assert finding.seq == hang_up.seq
    assert f"calls row {call_id}: outcome is 'completed', but event {hang_up.seq}" in finding.reason
    # the CLI names it too, and exits 1
    result = CliRunner().invoke(get_app(), ["audit", "verify", "--db", store_url, "--deep"])
    assert result.exit_code == 1
    assert f"calls row {call_id}: outcome is 'completed'" in result.output


# -- the command line ---------------------------------------------------------------------


def run(
    *args: str, cwd: Path, ok: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "officekit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})},
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_checkpoint_and_keyed_verify(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    key_file = tmp_path / "audit.key"
    key_file.write_bytes(KEY)
    env = {KEY_FILE_ENV: str(key_file)}
    with Office.open(db, profile="medical", audit_key=KEY) as office:
        busy_office(office, ManualClock(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)))
    proc = run("audit", "checkpoint", "--db", db, "--key-file", str(key_file), cwd=tmp_path)
    assert "office 'medical': checkpoint 1 at event 8" in proc.stdout
    proc = run("audit", "verify", "--db", db, cwd=tmp_path)
    assert "not checked: MACs and checkpoints (no audit key)" in proc.stdout
    proc = run("audit", "verify", "--db", db, "--key-file", str(key_file), cwd=tmp_path)
    assert "8 MACs and 1 checkpoints verified" in proc.stdout
    with Office.open(db) as office:
        seq = _forge_append(office)
    proc = run("audit", "verify", "--db", db, "--key-file", str(key_file), cwd=tmp_path, ok=False)
    assert proc.returncode == 1
    assert f"event {seq} (desk.note): its MAC does not match" in proc.stderr
    assert run("audit", "verify", "--db", db, cwd=tmp_path).returncode == 0
    proc = run("audit", "checkpoint", "--db", db, cwd=tmp_path, ok=False, env=env)
    assert proc.returncode == 1 and "not checkpointed" in proc.stderr
    proc = run("audit", "checkpoint", "--db", db, cwd=tmp_path, ok=False)
    assert proc.returncode == 1 and "signed with the audit key" in proc.stderr


def test_a_desk_verifies_with_the_key_and_deep(keyed: Office, clock: ManualClock) -> None:
    busy_office(keyed, clock, notes=1)
    boss = keyed.staff.hire("Bea", roles=["practice_manager"], experience_years=12)
    with keyed.desk(boss) as desk:
        report = desk.verify_audit(deep=True)
    assert report.ok and report.keyed and "reception_calls" in report.deep_checks
    assert keyed.events()[-1].operation == "audit.verify"


def test_deep_audit_with_escalated_questions_finds_nothing(
    open_office: Callable[..., Office],
) -> None:
    """An escalated question leaves a message: the deep check counts it (it raised false alarms)."""
    start = dt.date(2026, 3, 2)
    clock = ManualClock(dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC))
    office = open_office("medical", clock=clock, key="simulation")
    simulate(office, days=3, seed=0, start=start, clock=clock)
    escalated = [e for e in office.events(operation="questions.answer") if e.detail["escalated"]]
    taken = office.events(operation="messages.take") + office.events(operation="calls.take_message")
    assert escalated and taken  # messages made both ways, interleaved
    report = office.verify_audit(deep=True)
    assert report.ok, report.findings


def test_a_mac_that_is_not_ascii_is_a_finding_not_a_crash(
    keyed: Office, clock: ManualClock
) -> None:
    busy_office(keyed, clock)
    seq = _forge_append(keyed)
    tamper(keyed.engine, events.update().where(events.c.seq == seq).values(mac="é"))
    with keyed.engine.begin() as conn:
        conn.execute(
            audit_checkpoints.insert().values(
                office_id=keyed.id, seq=2, hash="a" * 64, created_at=clock.now(), mac="é" * 3
            )
        )
    findings = keyed.verify_audit().findings
    assert {f.check for f in findings} == {"mac", "checkpoint"}
    assert any(f.seq == seq for f in findings)


def test_a_checkpoint_row_that_cannot_be_read_is_a_finding(
    keyed: Office, clock: ManualClock
) -> None:
    if keyed.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses a time that is not one; SQLite stores any text")
    busy_office(keyed, clock)
    with keyed.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO audit_checkpoints (office_id, seq, hash, created_at, mac) "
            f"VALUES ({keyed.id}, 2, 'h', 'garbage', 'm')"
        )
    (finding,) = keyed.verify_audit().findings
    assert finding.check == "checkpoint" and "cannot be read" in finding.reason


def test_swapping_two_offices_keys_is_named(store_url: str, clock: ManualClock) -> None:
    """Each office's MACs are bound to its key: a swap in ``offices`` shows in both logs."""
    for name in ("clinic-a", "clinic-b"):
        with Office.open(store_url, profile="medical", key=name, clock=clock, audit_key=KEY) as o:
            busy_office(o, clock)
            o.checkpoint_audit()
    assert all(r.ok for r in verify_store(store_url, audit_key=KEY))
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(offices.update().where(offices.c.key == "clinic-a").values(key="swap"))
        conn.execute(offices.update().where(offices.c.key == "clinic-b").values(key="clinic-a"))
        conn.execute(offices.update().where(offices.c.key == "swap").values(key="clinic-b"))
    engine.dispose()
    reports = verify_store(store_url, audit_key=KEY)
    assert len(reports) == 2
    for report in reports:
        assert not report.ok
        assert {f.check for f in report.findings} == {"mac", "checkpoint"}
