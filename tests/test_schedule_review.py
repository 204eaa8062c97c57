"""The schedule's guarantees at their edges: old and long series, cycles, delegation, far dates.

Each test reproduces a finding of the review of the schedule part (officekit issue 11)
and fails without its fix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from officekit import ManualClock, Office
from officekit.cli import main
from officekit.core.staff import StaffMember
from officekit.errors import ConflictError, PermissionDenied, ValidationError
from officekit.plugins.assistant.schedule import diary, recurrence
from officekit.plugins.assistant.schedule.diary import FAR_FUTURE, ScheduleConflict
from officekit.plugins.assistant.schedule.ical import export_calendar
from officekit.plugins.assistant.schedule.model import Entry
from officekit.plugins.assistant.schedule.tables import schedule_entries, schedule_occupancy

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday


def when(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def now() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def practice(store_url: str, now: ManualClock) -> Any:
    office = Office.open(store_url, profile="medical", clock=now)
    yield office
    office.close()


def _people(office: Office) -> tuple[StaffMember, StaffMember]:
    """An assistant who manages dr_patel's calendar, and the manager who delegated it."""
    paula = office.staff.hire("Paula Grant", roles=["administrative_assistant"], experience_years=6)
    pat = office.staff.hire("Pat Manager", roles=["practice_manager"], experience_years=8)
    with office.desk(pat) as desk:
        desk.schedule.delegate("dr_patel", to=paula, scope="manage")
    return paula, pat


def _ics(*entries: Entry) -> bytes:
    return export_calendar(list(entries), name="Old", timezone="Europe/London", now=NOW)


def _series(uid: str, start: dt.datetime, minutes: int, rule: str, **kw: Any) -> Entry:
    return Entry(
        uid, "Series", "meeting", start, start + dt.timedelta(minutes=minutes), "UTC",
        kw.get("people", ()), kw.get("rooms", ("consulting_1",)), rule, (), None, None,
        "confirmed", NOW, 0,
    )  # fmt: skip


# -- 1a: a series that began long ago is checked from now ---------------------------------


def test_a_series_that_began_long_ago_is_checked_from_now(practice: Office) -> None:
    office = practice
    paula, _ = _people(office)
    with office.desk(paula) as desk:
        desk.schedule.book(
            "Weekly", start=when(2026, 3, 4), minutes=60, people=["dr_patel"],
            rrule="FREQ=WEEKLY;BYDAY=WE",
        )  # fmt: skip
        with pytest.raises(ScheduleConflict, match="2026-03-04 10:00"):
            desk.schedule.book(
                "Old weekly", start=when(2024, 3, 6), minutes=60, people=["dr_patel"],
                rrule="FREQ=WEEKLY;BYDAY=WE",
            )  # fmt: skip
        desk.schedule.book("Room", start=when(2026, 3, 5), minutes=60, rooms=["consulting_1"])
        # an imported series that began in 2019 clashes with this week's booking
        old = _series("old@elsewhere", when(2019, 1, 3), 60, "FREQ=WEEKLY;BYDAY=TH")
        with pytest.raises(ScheduleConflict, match="2026-03-05"):
            desk.schedule.import_calendar(_ics(old))
        # ... and is imported where it clashes with nothing
        fine = _series("fine@elsewhere", when(2019, 1, 3, 12), 60, "FREQ=WEEKLY;BYDAY=TH")
        (imported,) = desk.schedule.import_calendar(_ics(fine))
    assert imported.start == when(2019, 1, 3, 12)


# -- 1b: an entry may not overlap itself ---------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "rule", "what"),
    [
        (90, "FREQ=HOURLY;COUNT=3", "overlap"),
        (60 * 25 // 60 * 60, "FREQ=DAILY", "overlap"),
        (55, "FREQ=HOURLY;INTERVAL=1;BYHOUR=9,10,11", "buffer"),
    ],
)
def test_an_entry_may_not_overlap_itself(
    practice: Office, minutes: int, rule: str, what: str
) -> None:
    office = practice
    paula, _ = _people(office)
    with office.desk(paula) as desk:
        desk.schedule.set_hours(
            "dr_patel", hours=dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:00-18:00"),
            buffer_minutes=10,
        )  # fmt: skip
        before = len(office.events())
        with pytest.raises(ValidationError, match=what) as caught:
            desk.schedule.book(
                "Self", start=when(2026, 3, 3, 9), minutes=min(minutes, 24 * 60),
                people=["dr_patel"], rrule=rule, kind="hold",
            )  # fmt: skip
    assert caught.value.problems[0].where == "rrule"
    assert len(office.events()) == before
    with office.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schedule_entries)).scalar() == 0


# -- 1c: a long bounded rule occupies up to its end ------------------------------------------


def test_a_long_bounded_rule_occupies_up_to_its_end(practice: Office, now: ManualClock) -> None:
    office = practice
    paula, _ = _people(office)
    rule = "FREQ=HOURLY;UNTIL=20290101T000000Z"  # about 24,500 occurrences
    with office.desk(paula) as desk:
        booked = desk.schedule.book(
            "Hourly", start=when(2026, 3, 2), minutes=30, rooms=["treatment"], rrule=rule
        )
        started = time.perf_counter()
        (imported,) = desk.schedule.import_calendar(
            _ics(_series("hourly@elsewhere", when(2026, 3, 2), 30, rule, rooms=("consulting_2",)))
        )
        assert time.perf_counter() - started < 2.0
    with office.engine.connect() as conn:
        ends = conn.execute(
            sa.select(schedule_occupancy.c.resource, schedule_occupancy.c.end_at)
        ).all()
    for resource, end in ends:
        assert end >= when(2029, 1, 1, 0, 30), resource  # the end of the last occurrence
        assert end <= when(2029, 1, 2, 1, 0), resource  # not the far future
    now.advance(dt.timedelta(days=1000))  # late 2028: beyond the first horizon
    day = (when(2028, 12, 15, 0), when(2028, 12, 16, 0))
    listed = office.schedule.entries(*day, room="treatment")
    assert [e.uid for e in listed] == [booked.uid]
    assert [e.uid for e in office.schedule.entries(*day, room="consulting_2")] == [imported.uid]
    with office.desk(paula) as desk, pytest.raises(ScheduleConflict, match="already booked"):
        desk.schedule.book("Single", start=when(2028, 12, 15), minutes=30, rooms=["treatment"])


def test_last_end_of_a_rule_is_a_safe_bound_without_expanding_it() -> None:
    until = _series("u", when(2026, 3, 2), 30, "FREQ=HOURLY;UNTIL=20290101T000000Z")
    bound = recurrence.last_end(until, FAR_FUTURE)
    assert bound is not None and when(2029, 1, 1, 0, 30) <= bound <= when(2029, 1, 2, 1)
    count = _series("c", when(2026, 3, 2), 30, "FREQ=DAILY;COUNT=3")
    assert recurrence.last_end(count, FAR_FUTURE) == when(2026, 3, 4, 10, 30)
    assert recurrence.last_end(_series("e", when(2026, 3, 2), 30, "FREQ=DAILY"), FAR_FUTURE) is None
    forever = _series("f", when(2026, 3, 2), 30, "FREQ=DAILY;UNTIL=99991231")
    assert recurrence.last_end(forever, FAR_FUTURE) is None


# -- 1d: two recurring entries are compared over a common cycle ----------------------------


@pytest.mark.parametrize("weekly_first", [True, False])
def test_two_series_that_meet_only_after_years_are_refused(
    practice: Office, weekly_first: bool
) -> None:
    office = practice
    paula, _ = _people(office)
    weekly = {"start": when(2026, 3, 4), "rrule": "FREQ=WEEKLY;BYDAY=WE"}
    biennial = {"start": when(2026, 3, 5), "rrule": "FREQ=YEARLY;INTERVAL=2"}  # a Thursday
    first, second = (weekly, biennial) if weekly_first else (biennial, weekly)
    with office.desk(paula) as desk:
        desk.schedule.book("First", minutes=60, rooms=["consulting_1"], **first)
        # 5 March 2036 is a Wednesday, ten years on
        with pytest.raises(ScheduleConflict, match="2036-03-05 10:00"):
            desk.schedule.book("Second", minutes=60, rooms=["consulting_1"], **second)
        # an hour later they never meet
        later = dict(second, start=second["start"] + dt.timedelta(hours=1))
        desk.schedule.book("Second", minutes=60, rooms=["consulting_1"], **later)


def test_what_cannot_be_compared_is_refused(
    practice: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = practice
    paula, _ = _people(office)
    monkeypatch.setattr(diary, "MAX_CYCLE_STEPS", 3)
    with office.desk(paula) as desk:
        desk.schedule.book(
            "W", start=when(2026, 3, 4), minutes=60, rooms=["consulting_1"],
            rrule="FREQ=WEEKLY;BYDAY=WE",
        )  # fmt: skip
        with pytest.raises(ValidationError, match="cannot be checked") as caught:
            desk.schedule.book(
                "M", start=when(2026, 3, 2, 14), minutes=60, rooms=["consulting_1"],
                rrule="FREQ=MONTHLY;BYDAY=1MO",
            )  # fmt: skip
    assert caught.value.problems[0].where == "rrule"


@pytest.mark.parametrize(
    ("rule", "days"),
    [
        ("FREQ=DAILY", 1),
        ("FREQ=DAILY;INTERVAL=3;BYDAY=MO,TU", 21),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", 14),
        ("FREQ=HOURLY;INTERVAL=5", 5),
        ("FREQ=YEARLY;INTERVAL=2", 2 * 10_227),
        ("FREQ=MONTHLY;BYMONTHDAY=31", 10_227),
        ("FREQ=WEEKLY;BYMONTH=1", 10_227),
    ],
)
def test_the_period_of_a_rule(rule: str, days: int) -> None:
    assert recurrence.period_days(rule)[0] == days


# -- 2: delegation -------------------------------------------------------------------------


def test_nobody_delegates_a_calendar_to_themselves_but_its_principal(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("medical")
    pat = office.staff.hire("Pat Manager", roles=["practice_manager"], experience_years=8)
    with office.desk(pat) as desk, pytest.raises(PermissionDenied, match="oneself"):
        desk.schedule.delegate("dr_patel", to=pat, scope="manage")
    refused = office.events()[-1]
    assert (refused.operation, refused.outcome) == ("schedule.delegate", "denied")
    assert refused.detail["decided_by"] == "delegation"
    assert office.schedule.delegations() == []
    with office.desk(pat) as desk, pytest.raises(PermissionDenied, match="not delegated"):
        desk.schedule.set_hours("dr_patel", hours={"mon": "09:00-12:00"})
    # the holder of the principal's own role may (smallbusiness: the owner)
    shop = open_office("smallbusiness", key="shop")
    sam = shop.staff.hire("Sam Carter", roles=["office_manager"], experience_years=10)
    with shop.desk(sam) as desk:
        desk.schedule.delegate("owner", to=sam, scope="manage")
        desk.schedule.set_hours("owner", hours={"mon": "09:00-12:00"})


def test_active_delegations_are_selected_in_sql(practice: Office) -> None:
    office = practice
    paula, pat = _people(office)
    rosa = office.staff.hire("Rosa Silva", roles=["medical_receptionist"], experience_years=1)
    with office.desk(pat) as desk:
        desk.schedule.delegate("dr_okafor", to=rosa, scope="read")
        desk.schedule.revoke("dr_okafor", staff=rosa)
    assert [d.staff_id for d in office.schedule.delegations()] == [paula.id]
    assert [d.staff_id for d in office.schedule.delegations(active_only=False)] == [
        paula.id,
        rosa.id,
    ]


def test_a_free_busy_delegate_may_not_export_the_calendar(practice: Office) -> None:
    office = practice
    paula, pat = _people(office)
    rosa = office.staff.hire("Rosa Silva", roles=["medical_receptionist"], experience_years=1)
    with office.desk(pat) as desk:
        desk.schedule.delegate("dr_patel", to=rosa, scope="free_busy")
    with office.desk(paula) as desk:
        desk.schedule.book("Secret", start=when(2026, 3, 3), minutes=30, people=["dr_patel"])
    span = (when(2026, 3, 1), when(2026, 3, 31))
    with pytest.raises(PermissionDenied, match="may not read"):
        office.schedule.export("dr_patel", *span, viewer=rosa)
    assert b"Secret" in office.schedule.export("dr_patel", *span, viewer=paula)


# -- 4: a conflict check is used once, for a while -----------------------------------------


def test_a_conflict_check_books_one_consultation_and_ages(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    firm = open_office("legal")
    lucia = firm.staff.hire("Lucia Bassi", roles=["legal_receptionist"], experience_years=3)
    clerk = firm.staff.hire("Carla Neri", roles=["clerk"], experience_years=3)
    with firm.desk(clerk) as desk:
        check = desk.records.conflict_check(client="Acme Ltd", adverse_parties=["Bolt plc"])
        acme = desk.records.enter("client", {"name": "Acme Ltd", "client_type": "organisation"})
        other = desk.records.enter("client", {"name": "Zed Ltd", "client_type": "organisation"})
        phone = desk.records.enter("client", {"name": "Phone Ltd", "client_type": "organisation"})
    tuesday = dt.datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York
    with firm.desk(lucia) as desk:
        desk.appointments.book(
            "consultation", provider="partner_rossi", start=tuesday,
            customer=acme.record.id, conflict_check=check,
        )  # fmt: skip
        before = len(firm.events())
        with pytest.raises(ConflictError, match="was used for appointment"):
            desk.appointments.book(
                "consultation", provider="associate_chen", start=tuesday,
                customer=other.record.id, conflict_check=check.event_seq,
            )  # fmt: skip
        assert len(firm.events()) == before
    with firm.desk(clerk) as desk:
        late = desk.records.conflict_check(client="Phone Ltd", adverse_parties=["X"])
    clock.advance(dt.timedelta(days=31))
    with firm.desk(lucia) as desk, pytest.raises(ValidationError, match="30 days old") as caught:
        desk.appointments.book(
            "consultation", provider="associate_chen", start=tuesday + dt.timedelta(days=35),
            customer=phone.record.id, conflict_check=late,
        )  # fmt: skip
    assert caught.value.problems[0].where == "conflict_check"


# -- 6 and 8: what is free is bookable; no appointment in the past -------------------------


def test_free_slots_stop_at_the_horizon_so_that_each_is_bookable(practice: Office) -> None:
    office = practice
    paula, _ = _people(office)
    horizon = NOW + dt.timedelta(days=office.schedule.settings.horizon_days)
    slots = office.schedule.free_slots(
        30, people=["dr_patel"], after=horizon - dt.timedelta(days=3), count=100
    )
    assert slots and all(s.start <= horizon for s in slots)
    with office.desk(paula) as desk:
        desk.schedule.book("Last", start=slots[-1].start, minutes=30, people=["dr_patel"])
    assert office.schedule.free_slots(30, people=["dr_patel"], after=horizon) == []


def test_an_appointment_is_not_booked_in_the_past(practice: Office) -> None:
    office = practice
    rosa = office.staff.hire("Rosa Silva", roles=["medical_receptionist"], experience_years=1)
    with (
        office.desk(rosa) as desk,
        pytest.raises(ValidationError, match="in the past") as caught,
    ):
        desk.appointments.book(
            "gp", provider="dr_patel", start=NOW - dt.timedelta(days=1), customer="A-1"
        )
    assert "start" in {p.where for p in caught.value.problems}


# -- 5: far dates and bad UIDs -------------------------------------------------------------


def test_an_until_at_the_end_of_time_is_an_endless_rule(practice: Office) -> None:
    office = practice
    paula, _ = _people(office)
    with office.desk(paula) as desk:
        entry = desk.schedule.book(
            "Forever", start=when(2026, 3, 3), minutes=30, rooms=["consulting_1"],
            rrule="FREQ=DAILY;UNTIL=99991231",
        )  # fmt: skip
        series = _series("forever@elsewhere", when(2026, 3, 3, 12), 30, "FREQ=DAILY;UNTIL=99991231")
        desk.schedule.import_calendar(_ics(series))
        end_of_time = dt.datetime.max.replace(tzinfo=UTC)
        with pytest.raises(ValidationError) as caught:
            desk.schedule.cancel(entry, occurrence=end_of_time)
        assert caught.value.problems[0].where == "occurrence"
    found = office.schedule.occurrences(when(2199, 12, 1), when(2199, 12, 3), room="consulting_1")
    starts = [o.start for e, o in found if e.uid == entry.uid]
    assert starts == [when(2199, 12, 1), when(2199, 12, 2)]


@pytest.mark.parametrize("length", [201, 300])
def test_an_imported_uid_too_long_or_with_control_characters_is_refused(
    practice: Office, length: int
) -> None:
    office = practice
    paula, _ = _people(office)
    for uid in ("x" * length, "bad\x00uid", "tab\tuid"):
        data = _ics(_series("PLACEHOLDER", when(2026, 3, 3), 30, "FREQ=DAILY;COUNT=2"))
        data = data.replace(b"PLACEHOLDER", uid.encode())
        with office.desk(paula) as desk, pytest.raises(ValidationError) as caught:
            desk.schedule.import_calendar(data)
        assert caught.value.problems[0].where.endswith("UID"), caught.value


FAR = st.one_of(
    st.datetimes(dt.datetime(1, 1, 2), dt.datetime(1900, 1, 1)),
    st.datetimes(dt.datetime(2190, 1, 1), dt.datetime(9999, 12, 30)),
).map(lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(moment=FAR, day=FAR.map(lambda d: d.date()))
def test_far_dates_give_an_answer_or_a_validation_error(
    practice: Office, moment: dt.datetime, day: dt.date
) -> None:
    room = practice.schedule
    calls: list[Callable[[], object]] = [
        lambda: room.agenda("dr_patel", day),
        lambda: room.free_slots(30, people=["dr_patel"], after=moment),
        lambda: room.entries(moment, moment + dt.timedelta(days=1)),
        lambda: room.busy(NOW, moment, people=["dr_patel"]),
        lambda: room.occurrences(moment, FAR_FUTURE, room="consulting_1"),
        lambda: room.export("dr_patel", moment, FAR_FUTURE),
    ]
    for call in calls:
        with contextlib.suppress(ValidationError):
            call()


def test_the_commands_answer_far_dates_without_a_traceback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'far.db'}"
    with Office.open(url, profile="medical") as office:
        _people(office)

    def run(*args: str) -> Any:
        code = 0
        with CliRunner().isolation(env={"COLUMNS": "250"}) as (stdout, stderr, _):
            try:
                main([*args, "--db", url])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            sys.stdout.flush()
            sys.stderr.flush()
            text = stdout.getvalue().decode() + stderr.getvalue().decode()
        return types.SimpleNamespace(exit_code=code, output=text)

    ics = tmp_path / "far.ics"
    ics.write_bytes(_ics(_series("far@x", when(2027, 3, 3), 30, "FREQ=DAILY;UNTIL=99991231")))
    long_uid = tmp_path / "long.ics"
    data = _ics(_series("PLACEHOLDER", when(2027, 3, 3, 14), 30, "FREQ=DAILY;COUNT=2"))
    long_uid.write_bytes(data.replace(b"PLACEHOLDER", b"u" * 300))
    out = tmp_path / "out.ics"
    cases = [
        (["schedule", "agenda", "dr_patel", "--day", "9999-12-31"], 1, "day"),
        (["schedule", "free", "--minutes", "30", "--room", "consulting_1",
          "--after", "9999-12-20T00:00"], 0, "0 free slot"),
        (["schedule", "export", "dr_patel", "--as", "Paula Grant", "-o", str(out),
          "--from", "9999-12-01", "--to", "9999-12-31"], 0, "wrote"),
        (["schedule", "book", "Far", "--as", "Paula Grant", "--start", "2027-03-04T10:00",
          "--minutes", "30", "--room", "consulting_2", "--rrule", "FREQ=DAILY;UNTIL=99991231"],
         0, ""),
        (["schedule", "import", str(ics), "--as", "Paula Grant"], 0, "imported 1"),
        (["schedule", "import", str(long_uid), "--as", "Paula Grant"], 1, "UID"),
    ]  # fmt: skip
    for args, code, text in cases:
        result = run(*args)
        assert "Traceback" not in result.output, (args, result.output)
        assert result.exit_code == code and text in result.output, (args, result.output)
