"""``officekit review``: each format, explain, decide, feedback, history, bad input."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from officekit import ManualClock, Office
from officekit.cli import main
from officekit.simulate import simulate

START = dt.date(2026, 1, 5)
END = dt.date(2026, 1, 7)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Three simulated days of a medical practice, and a practice manager to decide."""
    url = f"sqlite:///{tmp_path_factory.mktemp('review-cli') / 'office.db'}"
    tz = dt.UTC
    clock = ManualClock(dt.datetime.combine(START, dt.time(6), tz))
    with Office.open(url, profile="medical", clock=clock) as office:
        simulate(office, days=3, seed=5, start=START, clock=clock)
        office.staff.hire("Pat Boss", roles=["practice_manager"], experience_years=9)
    return url


def run(store: str, *args: str) -> tuple[int, str]:
    code = 0
    with CliRunner().isolation(env={"COLUMNS": "250"}) as (stdout, stderr, _):
        try:
            main([*args, "--db", store])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        sys.stdout.flush()
        sys.stderr.flush()
        text = stdout.getvalue().decode() + stderr.getvalue().decode()
    return code, text


PERIOD = ("--from", START.isoformat(), "--to", END.isoformat())


def test_the_table(store: str) -> None:
    code, text = run(store, "review", *PERIOD)
    assert code == 0, text
    assert "Front-office review of" in text and "overall" in text
    assert "Metrics (office)" in text and "calls.handling_time" in text
    with Office.open(store) as office:
        names = [m.name for m in office.staff.list()]
    assert any(name in text for name in names)


def test_json_and_html_reports(store: str, tmp_path: Path) -> None:
    code, text = run(store, "review", *PERIOD, "--format", "json")
    assert code == 0, text
    doc = json.loads(text)
    assert doc["schema"] == "officekit.review/1"
    assert doc["period"] == {"from": START.isoformat(), "to": END.isoformat()}
    assert doc["review_id"] is not None
    out = tmp_path / "report.html"
    code, text = run(store, "review", *PERIOD, "--format", "html", "--output", str(out))
    assert code == 0 and f"wrote the html report to {out}" in " ".join(text.split())
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    code, text = run(store, "review", "history", "--format", "json")
    assert code == 0
    (saved,) = json.loads(text)  # analysed three times, saved once: the same period
    assert saved["review_id"] == doc["review_id"]


def test_explain(store: str) -> None:
    code, text = run(store, "review", "explain", "office", "calls.handling_time", *PERIOD)
    assert code == 0, text
    assert "Call handling time (calls.handling_time) of the office" in text
    assert "calls.complete" in text or "calls.transfer" in text
    code, text = run(
        store, "review", "explain", "office", "calls.handling_time", *PERIOD, "--format", "json",
        "--limit", "2",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(text)
    assert len(doc["events"]) == 2 and doc["more"] > 0
    assert doc["value"] == pytest.approx(doc["of"] / doc["per"])


def test_decide_and_feedback(store: str) -> None:
    code, text = run(store, "review", *PERIOD, "--format", "json", "--as", "Pat Boss")
    assert code == 0, text
    doc = json.loads(text)
    person = doc["people"][0]
    args = ("review", "decide", str(doc["review_id"]), str(person["staff_id"]))
    code, text = run(store, *args, "raise", "--as", "Pat Boss", "--amount", "250.00")
    assert code == 0 and "recorded: raise" in text
    code, text = run(store, *args, "none", "--as", "Pat Boss")
    assert code == 1 and "already" in text and "Traceback" not in text
    code, text = run(store, "review", "feedback", "call:1", "5", "--as", person["name"])
    assert code in (0, 1) and "Traceback" not in text  # 1: their role records no feedback
    code, text = run(store, "review", "feedback", "call:1", "5", "--as", "Pat Boss")
    assert code == 1 and "feedback.record" in text


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("review", "--from", "2026-01-05"), 2, "--from and --to"),
        (("review", *PERIOD, "--format", "xml"), 2, "--format"),
        (("review", "--from", "5 Jan", "--to", "2026-01-07"), 2, "--from"),
        (("review", "--from", "2026-01-07", "--to", "2026-01-05"), 2, "before"),
        (("review", *PERIOD, "--as", "Nobody Here"), 2, "--as"),
        (("review", *PERIOD, "--output", "/nonexistent/dir/r.txt"), 2, "no folder"),
        (("review", "explain", "office", "calls.nothing", *PERIOD), 1, "no metric"),
        (("review", "explain", "Nobody", "calls.handling_time", *PERIOD), 2, "PERSON"),
        (("review", "decide", "999", "1", "raise", "--as", "Pat Boss"), 1, "no review 999"),
        (("review", "decide", "1", "1", "fire", "--as", "Pat Boss"), 1, "action"),
        (("review", "feedback", "call", "3", "--as", "Pat Boss"), 1, "subject"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(
    store: str, args: tuple[str, ...], code: int, says: str
) -> None:
    got, text = run(store, *args)
    assert got == code, text
    assert says in text and "Traceback" not in text


def _events(store: str) -> int:
    with Office.open(store) as office:
        return len(office.events())


def test_an_output_that_cannot_be_written_is_refused_before_the_review_is_saved(
    store: str, tmp_path: Path
) -> None:
    before = _events(store)
    for output in (str(tmp_path), str(tmp_path / "missing" / "r.html")):
        code, text = run(store, "review", *PERIOD, "--format", "html", "--output", output)
        assert code == 2 and "--output: cannot write" in text and "Traceback" not in text
    assert _events(store) == before


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.text(max_size=12).filter(lambda t: not t.startswith("-")),
    end=st.text(max_size=12).filter(lambda t: not t.startswith("-")),
)
def test_any_dates_are_refused_cleanly(store: str, start: str, end: str) -> None:
    try:
        ok = dt.date.fromisoformat(start) <= dt.date.fromisoformat(end)
    except ValueError:
        ok = False
    if ok:
        return
    code, text = run(store, "review", "--from", start, "--to", end)
    assert code == 2 and "Traceback" not in text
