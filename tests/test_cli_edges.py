"""Small rough edges of the command line: far-out dates, a piped card number, long words.

Each is a usage error (``error: ...``, exit 2) naming the option as typed, or a
message that says what is really wrong, never a traceback or a raw warning.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from officekit import ManualClock, Office
from officekit.cli import main
from officekit.errors import ValidationError
from officekit.plugins.clerk.filing.filestore import STORE_ENV
from officekit.plugins.clerk.filing.search import MAX_WORD_LENGTH, parse_query

VISA = "4242424242424242"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A small business (timezone with a local-mean-time offset in year 1) and two staff."""
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "files"))
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    clock = ManualClock(dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC))
    with Office.open(url, profile="smallbusiness", clock=clock) as office:
        office.staff.hire("Carl Penn", roles=["clerk"], experience_years=6)  # id 1
        office.staff.hire("Ana Petrov", roles=["office_manager"], experience_years=9)  # id 2
    return url


def invoke(*args: str, stdin: str | None = None, tty: bool = False) -> tuple[int, str, str]:
    """Run ``officekit ARGS`` in this process as the console script does (``main``)."""
    code = 0
    with CliRunner().isolation(input=stdin, env={"COLUMNS": "250"}) as (stdout, stderr, _):
        if tty:  # a terminal: the hidden prompt (CliRunner answers it from ``stdin``)
            sys.stdin.isatty = lambda: True  # type: ignore[method-assign]
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        out = stdout.getvalue().decode("utf-8", "replace")
        err = stderr.getvalue().decode("utf-8", "replace")
    return code, out, err


# -- 1. a day too far out: exit 2, naming the option and the date as given ----------------------


@pytest.mark.parametrize(
    ("period", "option", "given"),
    [
        (("--from", "0001-01-01", "--to", "0001-01-02"), "--from", "0001-01-01"),
        (("--from", "0001-01-01"), "--from", "0001-01-01"),
        (("--from", "2026-01-01", "--to", "9999-12-31"), "--to", "9999-12-31"),
        (("--from", "9999-12-31", "--to", "9999-12-31"), "--from", "9999-12-31"),
    ],
)
def test_calls_stats_day_too_far_out_is_a_usage_error(
    db: str, period: tuple[str, ...], option: str, given: str
) -> None:
    code, out, err = invoke("calls", "stats", *period, "--db", db)
    assert code == 2, out + err
    assert err.startswith(f"error: {option}: {given} is too far in the "), err
    assert ("past" if given < "5" else "future") in err
    assert "0001-01-03 to 9999-12-29" in err  # the range, dates written in full
    assert "start" not in err and "end:" not in err  # the library's names, not the options
    assert "T00:00" not in err  # no datetime with a local-mean-time offset


@pytest.mark.parametrize("the_day", ["0001-01-03", "2026-03-02", "9999-12-29"])
def test_calls_stats_the_days_in_range_still_work(db: str, the_day: str) -> None:
    code, out, err = invoke("calls", "stats", "--from", the_day, "--to", the_day, "--db", db)
    assert code == 0, out + err
    assert "Calls: 0 received" in out


def test_calls_stats_other_usage_errors_are_unchanged(db: str) -> None:
    code, _, err = invoke("calls", "stats", "--from", "2026-02-30", "--db", db)
    assert code == 2 and "--from must be a date as YYYY-MM-DD" in err
    code, _, err = invoke(
        "calls", "stats", "--from", "2026-03-02", "--to", "2026-03-01", "--db", db
    )
    assert code == 2 and "--to must not be before --from" in err


@pytest.mark.parametrize("the_day", ["0001-01-01", "9999-12-31"])
def test_payments_cashup_day_too_far_out_is_a_usage_error(db: str, the_day: str) -> None:
    code, out, err = invoke("payments", "cashup", the_day, "--as", "2", "--db", db)
    assert code == 2, out + err
    assert err.startswith(f"error: DAY: {the_day} is too far in the "), err
    assert "day:" not in err


# -- 2. the card number piped, or not given at all -----------------------------------------------

CHARGE = ("payments", "charge", "--item", "Paper;1;2", "--as", "2", "--exp", "12/2035")


def test_a_piped_card_number_is_read_as_a_line(db: str) -> None:
    code, out, err = invoke(*CHARGE, "--key", "k1", "--cvc", "123", "--db", db, stdin=VISA + "\n")
    assert code == 0, out + err
    assert out.startswith("payment 1: captured") and "visa ending 4242" in out
    assert "Card number" not in out + err  # no prompt without a terminal
    assert VISA not in out + err


def test_a_piped_card_number_and_cvc_are_two_lines(db: str) -> None:
    code, out, err = invoke(*CHARGE, "--key", "k1", "--db", db, stdin=f"{VISA}\r\n123\r\n")
    assert code == 0, out + err
    assert out.startswith("payment 1: captured")
    assert "CVC" not in out + err


@pytest.mark.parametrize(("stdin", "got"), [("", "end of input"), ("\n", "a blank line")])
def test_no_piped_card_number_is_a_usage_error(db: str, stdin: str, got: str) -> None:
    code, out, err = invoke(*CHARGE, "--key", "k1", "--cvc", "123", "--db", db, stdin=stdin)
    assert code == 2, out + err
    assert err.startswith("error: no card number given:") and got in err and "--card" in err
    assert "Aborted" not in err


def test_no_piped_cvc_is_a_usage_error(db: str) -> None:
    code, out, err = invoke(*CHARGE, "--key", "k1", "--db", db, stdin=VISA + "\n")
    assert code == 2, out + err
    assert err.startswith("error: no CVC given:") and "--cvc" in err


def test_at_a_terminal_the_card_number_is_asked_at_a_hidden_prompt(db: str) -> None:
    code, out, err = invoke(*CHARGE, "--key", "k1", "--db", db, stdin=f"{VISA}\n123\n", tty=True)
    assert code == 0, out + err
    assert "Card number:" in out and "CVC:" in out
    assert VISA not in out  # hidden


def test_a_piped_card_number_in_a_process_shows_no_getpass_warning(db: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "officekit", *CHARGE, "--key", "k1", "--cvc", "123", "--db", db],
        input=VISA + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        start_new_session=True,  # no controlling terminal for getpass to open
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("payment 1: captured")
    assert "Warning" not in proc.stderr and "echoed" not in proc.stderr
    empty = subprocess.run(
        [sys.executable, "-m", "officekit", *CHARGE, "--key", "k2", "--cvc", "123", "--db", db],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        start_new_session=True,
    )
    assert empty.returncode == 2, empty.stderr
    assert empty.stderr.startswith("error: no card number given")
    assert "Warning" not in empty.stderr and "Aborted" not in empty.stderr


# -- 3. a search of words too long to be indexed -------------------------------------------------


def test_a_search_of_only_long_words_says_they_are_too_long(db: str) -> None:
    code, out, err = invoke("filing", "search", "x" * 300, "--staff", "1", "--db", db)
    assert code == 1, out + err
    assert f"at most {MAX_WORD_LENGTH} letters or digits" in err
    assert "at least one word" not in err


def test_parse_query_long_words() -> None:
    with pytest.raises(ValidationError, match=f"at most {MAX_WORD_LENGTH} letters or digits"):
        parse_query("y" * (MAX_WORD_LENGTH + 1) + "*")
    with pytest.raises(ValidationError, match="at least one word"):
        parse_query("*** !!")
    assert parse_query("a" * MAX_WORD_LENGTH) == [("a" * MAX_WORD_LENGTH, False)]
    assert parse_query("invoice " + "z" * 300) == [("invoice", False)]  # as before
