"""The money desk's payroll: manifests, pickup counts, custody, holds, overdue cheques, privacy."""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from officekit import ManualClock, Office, hookimpl, load_profile
from officekit.cli import main
from officekit.core.staff import StaffMember
from officekit.errors import ConflictError, PermissionDenied, ProfileError, ValidationError
from officekit.plugins.money.payroll.cheques import PAYROLL_DESK, PAYROLL_OFFICE, Cheque
from officekit.plugins.money.payroll.manifest import Manifest, ManifestLine, read_csv_manifest
from officekit.plugins.money.payroll.settings import PAYROLL, pay_days
from officekit.plugins.money.payroll.tables import payroll_batches, payroll_cheques
from officekit.simulate import simulate

PAY_DAY = dt.datetime(2026, 1, 30, 9, 0, tzinfo=dt.UTC)  # the medical profile's January pay day
HEADER = "employee,cheque,net_amount,pay_date\n"


@pytest.fixture
def payday_clock() -> ManualClock:
    return ManualClock(PAY_DAY)


@pytest.fixture
def payroll_office(store_url: str, payday_clock: ManualClock) -> Any:
    office = Office.open(store_url, profile="medical", clock=payday_clock)
    yield office
    office.close()


def _staff(office: Office) -> tuple[StaffMember, StaffMember, StaffMember]:
    manager = office.staff.hire("Pat Manager", roles=["practice_manager"], experience_years=5)
    rosa = office.staff.hire("Rosa Silva", roles=["receptionist"], experience_years=2)
    sam = office.staff.hire("Sam Okafor", roles=["clerk"], experience_years=1)
    return manager, rosa, sam


def _manifest(tmp: Path, rows: list[str], name: str = "batch.csv") -> Path:
    path = tmp / name
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


def _counts(office: Office) -> tuple[int, int, int]:
    with office.engine.connect() as conn:
        batches = conn.execute(sa.select(sa.func.count()).select_from(payroll_batches)).scalar()
        cheques = conn.execute(sa.select(sa.func.count()).select_from(payroll_cheques)).scalar()
    return int(batches or 0), int(cheques or 0), len(office.events())


# -- receiving and counting -------------------------------------------------------------


def test_a_batch_is_received_picked_up_and_counted(payroll_office: Office, tmp_path: Path) -> None:
    office = payroll_office
    manager, rosa, sam = _staff(office)
    path = _manifest(
        tmp_path,
        [f"{manager.id},C-100,2500.00,2026-01-30", "rosa  silva,C-101,1800.5,2026-01-30",
         f"{sam.id},C-102,1500,2026-01-30"],
    )  # fmt: skip
    with office.desk(manager) as desk:
        payroll = desk.facet(PAYROLL_DESK)
        batch = payroll.receive(path)
        assert (batch.cheques, batch.state, batch.provider) == (3, "received", "csv")
        found = payroll.pickup(batch, counted=["C-100", "C-102", "C-999"])
    assert [(e.kind, e.cheque_number) for e in found] == [("missing", "C-101"), ("extra", "C-999")]
    room = office.facet(PAYROLL_OFFICE)
    assert room.exceptions(batch) == found
    assert [c.state for c in room.cheques(batch)] == ["picked_up", "missing", "picked_up"]
    assert room.batch(batch).picked_up_by == manager.id
    assert [c.staff_id for c in room.cheques(batch)] == [manager.id, rosa.id, sam.id]
    (pickup,) = office.events(operation="payroll.pickup")
    assert pickup.subject == f"payroll_batch:{batch.id}"
    assert pickup.detail == {
        "batch_id": batch.id, "expected": 3, "counted": 3, "missing": ["C-101"], "extra": ["C-999"],
    }  # fmt: skip
    with office.desk(manager) as desk, pytest.raises(ConflictError, match="already picked up"):
        desk.payroll.pickup(batch, counted=["C-100"])


def test_a_matching_batch_has_no_exceptions(payroll_office: Office, tmp_path: Path) -> None:
    office = payroll_office
    manager, rosa, _ = _staff(office)
    path = _manifest(tmp_path, [f"{rosa.id},1,10.00,2026-01-30"])
    with office.desk(manager) as desk:
        batch = desk.payroll.receive(path)
        assert desk.payroll.pickup(batch, counted=["1"]) == []
    assert office.payroll.exceptions(batch) == []


def test_counted_cheques_are_checked_first(payroll_office: Office, tmp_path: Path) -> None:
    office = payroll_office
    manager, rosa, _ = _staff(office)
    with office.desk(manager) as desk:
        batch = desk.payroll.receive(_manifest(tmp_path, [f"{rosa.id},1,10.00,2026-01-30"]))
        before = _counts(office)
        with pytest.raises(ValidationError) as caught:
            desk.payroll.pickup(batch, counted=["1", "1", "", 7])
        assert [p.where for p in caught.value.problems] == [
            "counted[1]",
            "counted[2]",
            "counted[3]",
        ]
        with pytest.raises(ValidationError, match="list of cheque numbers"):
            desk.payroll.pickup(batch, counted="1")  # type: ignore[arg-type]
    assert _counts(office) == before
    assert office.payroll.batch(batch).state == "received"


def test_a_cheque_number_already_recorded_is_refused(
    payroll_office: Office, tmp_path: Path
) -> None:
    office = payroll_office
    manager, rosa, _ = _staff(office)
    with office.desk(manager) as desk:
        desk.payroll.receive(_manifest(tmp_path, [f"{rosa.id},C1,10.00,2026-01-30"]))
        before = _counts(office)
        again = _manifest(tmp_path, [f"{rosa.id},C2,1,2026-01-30", f"{rosa.id},C1,1,2026-01-30"])
        with pytest.raises(ValidationError) as caught:
            desk.payroll.receive(again)
    assert [str(p) for p in caught.value.problems] == [
        "batch.csv: row 3: cheque: cheque 'C1' is already recorded in this office"
    ]
    assert _counts(office) == before


def test_employees_are_members_of_staff(payroll_office: Office, tmp_path: Path) -> None:
    office = payroll_office
    manager, _, _ = _staff(office)
    office.staff.hire("Rosa Silva", roles=["clerk"])  # a second Rosa Silva
    path = _manifest(
        tmp_path, ["999,C1,1,2026-01-30", "Rosa Silva,C2,1,2026-01-30", "Nobody,C3,1,2026-01-30"]
    )
    with office.desk(manager) as desk, pytest.raises(ValidationError) as caught:
        desk.payroll.receive(path)
    assert [p.where for p in caught.value.problems] == [
        "batch.csv: row 2: employee", "batch.csv: row 3: employee", "batch.csv: row 4: employee",
    ]  # fmt: skip
    assert "give a staff id" in caught.value.problems[1].what


# -- the manifest reader: malformed rows ------------------------------------------------

_GOOD = {"employee": "1", "cheque": "C1", "net_amount": "10.00", "pay_date": "2026-01-30"}
_BAD_VALUES = {
    "employee": st.sampled_from(["", "   ", "a\x01b", "x" * 201]),
    "cheque": st.sampled_from(["", "no spaces", "x" * 33, "#1", "-1"])
    | st.text(alphabet="!@#$%^&*() ", min_size=1, max_size=5),
    "net_amount": st.sampled_from(["", "-5", "0", "0.00", "1.234", "abc", "1e3", "NaN",
                                   "1000000000", "12,50"]),
    "pay_date": st.sampled_from(["", "2026-02-30", "30/01/2026", "tomorrow", "2026-1-5"]),
}  # fmt: skip


@st.composite
def _malformed(draw: st.DrawFn) -> tuple[list[dict[str, str]], int, str]:
    """Good rows, one of which has one bad field: the rows, the bad row's number, the field."""
    rows = [dict(_GOOD, cheque=f"C{i}") for i in range(draw(st.integers(1, 5)))]
    at = draw(st.integers(0, len(rows) - 1))
    field = draw(st.sampled_from(sorted(_BAD_VALUES)))
    rows[at][field] = draw(_BAD_VALUES[field])
    return rows, at + 2, field


def _csv(rows: list[dict[str, str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(_GOOD), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(case=_malformed())
def test_a_malformed_row_is_named_and_changes_nothing(
    payroll_office: Office, case: tuple[list[dict[str, str]], int, str]
) -> None:
    office = payroll_office
    rows, row, field = case
    manager = office.staff.list()[0] if office.staff.list() else _staff(office)[0]
    before = _counts(office)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bad.csv"
        path.write_text(_csv(rows), encoding="utf-8")
        with office.desk(manager) as desk, pytest.raises(ValidationError) as caught:
            desk.payroll.receive(path)
    wheres = [p.where for p in caught.value.problems]
    assert f"bad.csv: row {row}: {field}" in wheres, wheres
    assert _counts(office) == before


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", "m.csv"),
        ("employee,cheque,net_amount,pay_date\n", "m.csv"),
        ("employee,cheque,amount,pay_date\n1,C1,1,2026-01-30\n", "m.csv: row 1: column 3"),
        ("employee,cheque,net_amount\n1,C1,1\n", "m.csv: row 1: pay_date"),
        ("employee,cheque,net_amount,pay_date\n1,C1,1\n", "m.csv: row 2: row"),
        ("employee,cheque,net_amount,pay_date\n1,C1,1,2026-01-30\n2,C1,1,2026-01-30\n",
         "m.csv: row 3: cheque"),
    ],
)  # fmt: skip
def test_malformed_manifests(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_csv_manifest(path)
    assert where in [p.where for p in caught.value.problems]


def test_a_manifest_that_is_not_utf8_or_not_there(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(b"employee,cheque,net_amount,pay_date\n\xff\n")
    with pytest.raises(ValidationError, match="UTF-8"):
        read_csv_manifest(path)
    with pytest.raises(ValidationError, match="no manifest"):
        read_csv_manifest(tmp_path / "gone.csv")


def test_columns_in_any_order_and_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("\ufeffPay_Date, cheque ,net_amount,employee\n2026-01-30,A1,7.5,Rosa\n\n")
    manifest = read_csv_manifest(path)
    assert manifest.lines == (ManifestLine(2, "Rosa", "A1", Decimal("7.5"), dt.date(2026, 1, 30)),)


# -- the provider hook ------------------------------------------------------------------


class FixedWidthProvider:
    """A payroll company's own format: ``.pay`` files, fixed-width lines."""

    @hookimpl
    def officekit_payroll_provider(self, office: Office, path: Path) -> Manifest | None:
        if path.suffix != ".pay":
            return None
        lines = []
        for row, text in enumerate(path.read_text().splitlines(), start=1):
            employee, cheque, amount, date = text[:4], text[4:12], text[12:22], text[22:32]
            lines.append(
                ManifestLine(row, employee.strip(), cheque.strip(), Decimal(amount.strip()),
                             dt.date.fromisoformat(date))
            )  # fmt: skip
        return Manifest(tuple(lines), path.name, "fixed-width")


def test_hook_payroll_provider(store_url: str, payday_clock: ManualClock, tmp_path: Path) -> None:
    office = Office.open(
        store_url, profile="medical", clock=payday_clock, plugins=[FixedWidthProvider()]
    )
    try:
        manager, rosa, _ = _staff(office)
        pay = tmp_path / "acme.pay"
        pay.write_text(f"{rosa.id:<4}CH000001   1234.562026-01-30\n")
        with office.desk(manager) as desk:
            batch = desk.payroll.receive(pay)
            (cheque,) = desk.payroll.cheques(batch)
            # A file the provider does not know goes to the CSV reader.
            other = desk.payroll.receive(_manifest(tmp_path, [f"{rosa.id},C9,1,2026-01-30"]))
        assert (batch.provider, batch.source) == ("fixed-width", "acme.pay")
        assert (cheque.cheque_number, cheque.net_amount) == ("CH000001", Decimal("1234.56"))
        assert other.provider == "csv"
        # What a provider returns is checked like a CSV row.
        bad = tmp_path / "bad.pay"
        bad.write_text(f"{rosa.id:<4}CH000002     -1.002026-01-30\n")
        with office.desk(manager) as desk, pytest.raises(ValidationError) as caught:
            desk.payroll.receive(bad)
        assert [p.where for p in caught.value.problems] == ["bad.pay: row 1: net_amount"]
    finally:
        office.close()


# -- custody, holds and overdue cheques ---------------------------------------------------


def _picked_up(office: Office, tmp_path: Path) -> tuple[StaffMember, StaffMember, list[Cheque]]:
    manager, rosa, sam = _staff(office)
    rows = [f"{rosa.id},R1,1800.00,2026-01-30", f"{sam.id},S1,1500.00,2026-01-30"]
    with office.desk(manager) as desk:
        batch = desk.payroll.receive(_manifest(tmp_path, rows))
        desk.payroll.pickup(batch, counted=["R1", "S1"])
        return manager, rosa, desk.payroll.cheques(batch)


def test_hand_over_needs_the_employee_and_an_acknowledgement(
    payroll_office: Office, tmp_path: Path
) -> None:
    office = payroll_office
    manager, rosa, (rosas, sams) = _picked_up(office, tmp_path)
    before = _counts(office)
    with office.desk(manager) as desk:
        with pytest.raises(ValidationError) as caught:
            desk.payroll.hand_over(rosas, to=rosa, acknowledged=False)
        assert [p.where for p in caught.value.problems] == ["acknowledged"]
        with pytest.raises(ValidationError) as caught:
            desk.payroll.hand_over(sams, to=rosa, acknowledged=True)
        assert [p.where for p in caught.value.problems] == ["to"]
        assert _counts(office) == before
        done = desk.payroll.hand_over(rosas, to=rosa, acknowledged="signed slip 4411")
    assert (done.state, done.acknowledgement, done.handed_over_by) == (
        "handed_over", "signed slip 4411", manager.id,
    )  # fmt: skip
    (event,) = office.events(operation="payroll.hand_over")
    assert event.detail == {
        "cheque_id": rosas.id, "batch_id": rosas.batch_id, "staff_id": rosa.id,
        "from_state": "picked_up", "on_time": True, "acknowledgement": "reference",
    }  # fmt: skip


def test_held_cheques_and_the_overdue_listing(
    payroll_office: Office, tmp_path: Path, payday_clock: ManualClock
) -> None:
    office = payroll_office
    manager, rosa, (rosas, sams) = _picked_up(office, tmp_path)
    room = office.facet(PAYROLL_OFFICE)
    hold_days = office.profile.section(PAYROLL).hold_days
    within = office.profile.section(PAYROLL).distribute_within_days
    with office.desk(manager) as desk:
        held = desk.payroll.hold(sams)
    assert held.state == "held" and held.due_at == PAY_DAY + dt.timedelta(days=hold_days)
    # Rosa's cheque is due by the end of the pay day plus distribute_within_days (London).
    deadline = rosas.due_at
    assert deadline == dt.datetime(2026, 1, 31, tzinfo=dt.UTC) + dt.timedelta(days=within)
    assert room.outstanding(deadline) == []
    late = deadline + dt.timedelta(seconds=1)
    assert [c.id for c in room.outstanding(late)] == [rosas.id]
    assert [c.id for c in room.outstanding(held.due_at + dt.timedelta(seconds=1))] == [
        rosas.id, sams.id,
    ]  # fmt: skip
    payday_clock.set(late)
    with office.desk(manager) as desk:
        done = desk.payroll.hand_over(rosas, to=rosa, acknowledged=True)
        assert done.overdue(late) is False
        payday_clock.set(held.due_at + dt.timedelta(hours=1))
        returned = desk.payroll.return_cheque(sams, reason="uncollected")
        with pytest.raises(ConflictError, match="is returned"):
            desk.payroll.hand_over(sams, to=sams.staff_id, acknowledged=True)
    assert returned.state == "returned"
    assert room.outstanding(held.due_at + dt.timedelta(days=365)) == []
    by_operation = {e.operation: e.detail for e in office.events(operation="payroll.")}
    assert by_operation["payroll.hand_over"]["on_time"] is False
    assert by_operation["payroll.return"] == {
        "cheque_id": sams.id, "batch_id": sams.batch_id, "staff_id": sams.staff_id,
        "from_state": "held", "reason": "uncollected", "overdue": True,
    }  # fmt: skip
    assert by_operation["payroll.hold"]["hold_until"] == held.due_at.isoformat()
    assert [e.operation for e in room.custody(sams)] == [
        "payroll.receive", "payroll.pickup", "payroll.hold", "payroll.return",
    ]  # fmt: skip


def test_the_database_keeps_one_known_state(payroll_office: Office, tmp_path: Path) -> None:
    office = payroll_office
    _, _, (rosas, _) = _picked_up(office, tmp_path)
    with pytest.raises(sa.exc.IntegrityError), office.engine.begin() as conn:
        conn.execute(
            payroll_cheques.update().where(payroll_cheques.c.id == rosas.id).values(state="lost")
        )
    assert office.payroll.get(rosas).state == "picked_up"


# -- who sees amounts ---------------------------------------------------------------------


def test_only_the_designated_role_sees_net_amounts(payroll_office: Office, tmp_path: Path) -> None:
    office = payroll_office
    manager, rosa, (rosas, _) = _picked_up(office, tmp_path)
    room = office.facet(PAYROLL_OFFICE)
    assert rosas.net_amount == Decimal("1800.00")  # listed at the manager's desk
    assert room.get(rosas, viewer=manager).net_amount == Decimal("1800.00")
    assert room.get(rosas).net_amount is None
    assert room.get(rosas, viewer=rosa).net_amount is None
    assert [c.net_amount for c in room.cheques(viewer=rosa)] == [None, None]
    with office.desk(rosa) as desk:
        assert [c.cheque_number for c in desk.payroll.cheques()] == ["R1", "S1"]
        assert {c.net_amount for c in desk.payroll.cheques()} == {None}
        with pytest.raises(PermissionDenied):
            desk.payroll.hand_over(rosas, to=rosa, acknowledged=True)
    # A designated role below its level sees no amounts either.
    junior = office.staff.hire("Jo Trainee", roles=["practice_manager"])
    assert room.get(rosas, viewer=junior).net_amount is None
    # The payroll events carry neither amounts nor names.
    payroll_log = json.dumps(
        [[e.subject, dict(e.detail)] for e in office.events(operation="payroll.")], default=str
    )
    for secret in ("1800", "1500", "Rosa", "Sam"):
        assert secret not in payroll_log


# -- the pay schedule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "first"),
    [
        ("base", [dt.date(2026, 1, 30), dt.date(2026, 2, 27)]),
        ("medical", [dt.date(2026, 1, 30), dt.date(2026, 2, 27)]),
        ("legal", [dt.date(2026, 1, 9), dt.date(2026, 1, 23)]),
        ("education", [dt.date(2026, 1, 8), dt.date(2026, 1, 22)]),
        ("smallbusiness", [dt.date(2026, 1, 9), dt.date(2026, 1, 23)]),
    ],
)
def test_pay_days_per_sector(profile: str, first: list[dt.date]) -> None:
    loaded = load_profile(profile)
    days = pay_days(loaded, loaded.section(PAYROLL), dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    assert days[:2] == first


def test_a_monthly_pay_day_avoids_weekends_and_holidays() -> None:
    medical = load_profile("medical")
    settings_ = medical.section(PAYROLL)
    # 31 January 2027 is a Sunday; December 2026 ends on a Thursday, after Christmas.
    assert settings_.is_pay_day(dt.date(2027, 1, 29), medical)
    assert settings_.is_pay_day(dt.date(2026, 12, 31), medical)
    assert not settings_.is_pay_day(dt.date(2026, 12, 25), medical)


def test_payroll_settings_are_checked(tmp_path: Path) -> None:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        'extends = "base"\nname = "clinic"\n[payroll]\nschedule = "daily"\nweekday = "fri"\n'
        "first_pay_date = 2026-01-08\nhold_days = 0\n"
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(folder)
    text = str(caught.value)
    assert "payroll.schedule: expected one of monthly, weekly, fortnightly" in text
    assert "payroll.hold_days: expected a number of days from 1 to 90, got 0" in text


# -- the simulation and the command line -----------------------------------------------------


def test_pay_day_in_the_simulation(open_office: Callable[..., Office], clock: ManualClock) -> None:
    office = open_office("smallbusiness")
    for name, role in (("Ola Berg", "office_manager"), ("Ivo Marr", "administrative_assistant")):
        office.staff.hire(name, roles=[role], experience_years=5)
    for name in ("Ana Kim", "Leo Cruz", "Mia Holt", "Noe Park"):
        office.staff.hire(name, roles=["receptionist"])
    report = simulate(office, days=10, seed=4, start=dt.date(2026, 1, 5), clock=clock)
    (step,) = [s for s in report.steps if s.name == "payroll"]
    assert step.data["batches"] == 1
    assert step.data["cheques"] == len(office.staff.list())
    assert (
        step.data["handed_over"] + step.data["held"]
        >= step.data["cheques"] - step.data["exceptions"] - 1
    )
    assert office.verify_audit(deep=True).ok
    log = json.dumps([dict(e.detail) for e in office.events(operation="payroll.")])
    assert "net" not in log


def _invoke(*args: str) -> tuple[int, str, str]:
    code = 0
    with CliRunner().isolation(env={"COLUMNS": "250"}) as (stdout, stderr, _):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        sys.stdout.flush()
        sys.stderr.flush()
        return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def test_the_payroll_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'office.db'}"
    clock = ManualClock(PAY_DAY - dt.timedelta(days=40))
    with Office.open(url, profile="medical", clock=clock) as office:
        manager, rosa, _ = _staff(office)
    path = _manifest(tmp_path, [f"{rosa.id},R1,1800.00,2025-12-19"])
    code, out, err = _invoke("payroll", "receive", str(path), "--db", url, "--as", "Pat Manager")
    assert (code, err) == (0, "") and "batch 1: 1 cheque(s)" in out
    code, out, _ = _invoke("payroll", "pickup", "1", "--counted", "R1", "--counted", "X",
                           "--db", url, "--as", str(manager.id))  # fmt: skip
    assert code == 0 and "extra: cheque X" in out
    code, out, _ = _invoke("payroll", "outstanding", "--db", url, "--format", "json",
                           "--as", "Pat Manager")  # fmt: skip
    (row,) = json.loads(out)
    assert (row["number"], row["net_amount"]) == ("R1", "1800.00")
    code, out, _ = _invoke("payroll", "outstanding", "--db", url)
    assert "R1" in out and "1800" not in out and "1 overdue cheque(s)" in out
    code, out, err = _invoke("payroll", "hand-over", "1", "--to", "Sam Okafor", "--in-person",
                             "--db", url, "--as", "Pat Manager")  # fmt: skip
    assert code == 1 and err.startswith("error: ") and "Traceback" not in err
    code, _, err = _invoke("payroll", "hand-over", "1", "--to", "Rosa Silva", "--db", url,
                           "--as", "Pat Manager")  # fmt: skip
    assert code == 2 and "--ack" in err
    code, out, _ = _invoke("payroll", "hand-over", "1", "--to", "Rosa Silva", "--ack", "sig 7",
                           "--db", url, "--as", "Pat Manager")  # fmt: skip
    assert code == 0 and "handed to Rosa Silva" in out
    code, _, err = _invoke("payroll", "receive", str(tmp_path / "nope.csv"), "--db", url,
                           "--as", "Pat Manager")  # fmt: skip
    assert code == 1 and "error: nope.csv: no manifest" in err
