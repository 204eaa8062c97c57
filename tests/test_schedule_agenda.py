"""Day plans: text and HTML, local time, free gaps, hidden details, escaping."""

from __future__ import annotations

import html.parser
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officekit.errors import ValidationError
from officekit.plugins.assistant.schedule.agenda import AgendaItem, render_html, render_text
from officekit.plugins.assistant.schedule.model import Occurrence

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 3, 30)  # a Monday, the first day of summer time


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def item(
    start: datetime, end: datetime, title: str, kind: str = "meeting", **kw: object
) -> AgendaItem:
    return AgendaItem(
        Occurrence(start.astimezone(UTC), end.astimezone(UTC), title), title, kind, **kw
    )  # type: ignore[arg-type]


def plan() -> list[AgendaItem]:
    return [
        item(at(14), at(15, 30), "Budget review", people=("alice", "bob"), rooms=("boardroom",)),
        item(at(9), at(9, 15), "Standup", location="Room 2"),
        item(
            at(11),
            at(12),
            "Therapy session",
            "appointment",
            location="Clinic 4",
            details_visible=False,
        ),
        item(at(12), at(12, 30), "Lunch", "break"),
    ]


def test_the_text_plan_lists_the_day_in_local_time() -> None:
    text = render_text(DAY, "Dr Jones", plan(), timezone="Europe/London")
    assert text.splitlines() == [
        "Agenda of Dr Jones",
        "Monday 30 March 2026 (Europe/London)",
        "====================================",
        "09:00-09:15  Standup [meeting]  at Room 2",
        "09:15-11:00  (free)",
        "11:00-12:00  Busy",
        "12:00-12:30  Lunch [break]",
        "12:30-14:00  (free)",
        "14:00-15:30  Budget review [meeting]  at boardroom  with alice, bob",
    ]


def test_free_gaps_can_be_left_out() -> None:
    text = render_text(DAY, "Dr Jones", plan(), timezone="Europe/London", gaps=False)
    assert "(free)" not in text and len(text.splitlines()) == 7


def test_hidden_details_show_only_busy_and_the_span() -> None:
    for output in (
        render_text(DAY, "Dr Jones", plan(), timezone="Europe/London"),
        render_html(DAY, "Dr Jones", plan(), timezone="Europe/London"),
    ):
        assert "Therapy" not in output and "Clinic 4" not in output and "appointment" not in output
        assert "Busy" in output and "11:00-12:00" in output


def test_times_are_shown_in_the_zone_asked_for() -> None:
    text = render_text(DAY, "Dr Jones", plan()[:1], timezone="America/New_York")
    assert "09:00-10:30  Budget review" in text  # 14:00 BST is 13:00 UTC, 09:00 EDT


def test_items_across_midnight_show_their_dates() -> None:
    late = item(at(22, 0, DAY - timedelta(days=1)), at(1), "Night shift")
    evening = item(at(23), at(0, 0, DAY + timedelta(days=1)), "Server upgrade")
    text = render_text(DAY, "ops", [evening, late], timezone="Europe/London")
    assert "Sun 29 Mar 22:00-01:00  Night shift [meeting]" in text
    assert "23:00-24:00" in text
    assert text.index("Night shift") < text.index("Server upgrade")


def test_an_empty_day_says_so() -> None:
    assert render_text(DAY, "Dr Jones", [], timezone="UTC").endswith("Nothing planned.\n")
    assert "Nothing planned." in render_html(DAY, "Dr Jones", [], timezone="UTC")


class _Collect(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_html_plan_is_a_complete_printable_document() -> None:
    page = render_html(DAY, "Dr Jones", plan(), timezone="Europe/London")
    assert page.startswith("<!DOCTYPE html>\n<html") and page.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in page and "@media print" in page and "@page" in page
    parser = _Collect()
    parser.feed(page)
    assert parser.tags.count("tr") == 1 + 6  # the header row and six lines
    text = "".join(parser.text)
    for expected in (
        "Agenda of Dr Jones",
        "Monday 30 March 2026",
        "Standup [meeting]",
        "alice, bob",
        "boardroom",
    ):
        assert expected in text


def test_everything_in_the_html_is_escaped() -> None:
    evil = item(
        at(9),
        at(10),
        "<script>alert('x')</script>",
        location='"><img src=x onerror=alert(1)>',
        people=("<b>",),
    )
    page = render_html(DAY, "<i>Dr</i> & Co", [evil], timezone="Europe/London")
    assert "<script>" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;i&gt;Dr&lt;/i&gt; &amp; Co" in page


@given(st.text(), st.text(), st.text())
def test_no_text_makes_markup(title: str, principal: str, location: str) -> None:
    page = render_html(
        DAY, principal, [item(at(9), at(10), title, location=location)], timezone="UTC"
    )
    parser = _Collect()
    parser.feed(page)
    assert parser.tags == [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "p",
        "table",
        "thead",
        "tr",
    ] + ["th"] * 4 + ["tbody", "tr", "td", "td", "td", "td"]


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ({"day": "2026-03-30"}, "day"),
        ({"day": datetime(2026, 3, 30, tzinfo=UTC)}, "day"),
        ({"principal": None}, "principal"),
        ({"items": "abc"}, "items"),
        ({"items": [object()]}, "items[0]"),
        (
            {
                "items": [
                    AgendaItem(Occurrence(datetime(2026, 3, 30, 9), at(10), "u"), "x", "meeting")
                ]
            },
            "items[0].occurrence.start",
        ),
        ({"timezone": "Mars"}, "timezone"),
    ],
)
def test_bad_arguments_are_validation_errors(args: dict[str, object], where: str) -> None:
    call: dict[str, object] = {"day": DAY, "principal": "p", "items": [], "timezone": "UTC", **args}
    for render in (render_text, render_html):
        with pytest.raises(ValidationError, match=f"^{re.escape(where)}: "):
            render(call["day"], call["principal"], call["items"], timezone=call["timezone"])  # type: ignore[arg-type]
