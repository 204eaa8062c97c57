"""Printable day plans (agendas) of a principal, as plain text and as HTML.

A day plan has a header (whose plan, which day, in which zone) and one line per item
in the local time of the zone given, ordered by start, with the free time between
items (optional). An item whose details the viewer may not see (a free/busy
delegation: ``details_visible=False``) shows only "Busy" and its time span: no
title, kind, people, rooms or location. A time on another day than the plan's is
shown with its date; an item that ends at the next midnight ends at ``24:00``.

The HTML is a complete small document with print CSS (A4, no colours needed);
every text from an item or the principal is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from officekit.errors import ValidationError
from officekit.plugins.assistant.schedule.model import Occurrence
from officekit.plugins.assistant.schedule.recurrence import zone

__all__ = ["AgendaItem", "render_html", "render_text"]

BUSY = "Busy"
"""What an item whose details are hidden shows instead of its title."""


@attrs.frozen
class AgendaItem:
    """One line of a day plan.

    Attributes:
        occurrence: The span in time.
        title: What it is.
        kind: The entry's kind (one of
            [`ENTRY_KINDS`][officekit.plugins.assistant.schedule.model.ENTRY_KINDS]).
        people: Keys of the people it occupies.
        rooms: Keys of the rooms it occupies.
        location: Where, if any.
        details_visible: False shows only "Busy" and the time span (free/busy delegations).
    """

    occurrence: Occurrence
    title: str
    kind: str
    people: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    location: str | None = None
    details_visible: bool = True


@attrs.frozen
class _Line:
    """One line of the plan, in words: a time span and its columns (not yet escaped)."""

    span: str
    what: str
    where: str = ""
    who: str = ""
    free: bool = False
    hidden: bool = False


def _check(day: object, principal: object, items: object, timezone: str) -> ZoneInfo:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError(f"must be a date, not {day!r}", where="day")
    if not isinstance(principal, str):
        raise ValidationError(f"must be a text, not {type(principal).__name__}", where="principal")
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise ValidationError("must be a sequence of AgendaItem", where="items")
    for i, item in enumerate(items):
        if not isinstance(item, AgendaItem):
            raise ValidationError(
                f"must be an AgendaItem, not {type(item).__name__}", where=f"items[{i}]"
            )
        for name in ("start", "end"):
            value = getattr(item.occurrence, name, None)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValidationError(
                    f"must be a timezone-aware datetime, not {value!r}",
                    where=f"items[{i}].occurrence.{name}",
                )
    return zone(timezone)


def _clock(moment: datetime, day: date, tz: ZoneInfo, *, end: bool = False) -> str:
    local = moment.astimezone(tz)
    if end and local.time() == datetime.min.time() and local.date() == day + timedelta(days=1):
        return "24:00"
    if local.date() == day:
        return f"{local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _heading(day: date, principal: str, timezone: str) -> tuple[str, str]:
    return f"Agenda of {principal}", f"{day:%A} {day.day} {day:%B %Y} ({timezone})"


def _lines(day: date, items: Sequence[AgendaItem], tz: ZoneInfo, gaps: bool) -> list[_Line]:
    ordered = sorted(
        items, key=lambda item: (item.occurrence.start.astimezone(UTC), item.occurrence.end)
    )
    lines: list[_Line] = []
    busy_until: datetime | None = None
    for item in ordered:
        start, end = item.occurrence.start.astimezone(UTC), item.occurrence.end.astimezone(UTC)
        if gaps and busy_until is not None and start > busy_until:
            span = f"{_clock(busy_until, day, tz)}-{_clock(start, day, tz, end=True)}"
            lines.append(_Line(span, "free", free=True))
        span = f"{_clock(start, day, tz)}-{_clock(end, day, tz, end=True)}"
        if item.details_visible:
            what = f"{item.title} [{item.kind.replace('_', ' ')}]"
            where = ", ".join([*([item.location] if item.location else []), *item.rooms])
            lines.append(_Line(span, what, where, ", ".join(item.people)))
        else:
            lines.append(_Line(span, BUSY, hidden=True))
        busy_until = end if busy_until is None else max(busy_until, end)
    return lines


def render_text(
    day: date, principal: str, items: Sequence[AgendaItem], *, timezone: str, gaps: bool = True
) -> str:
    """A printable plain-text day plan of ``principal`` on ``day``.

    Args:
        day: The day planned.
        principal: Whose plan it is (a name or key, shown in the header).
        items: The items, in any order.
        timezone: The IANA zone whose local time the plan shows.
        gaps: Whether to show the free time between items.

    Returns:
        The plan: a header, then one line per item (``09:00-10:00  Title [kind]  at
        ...  with ...``), ending with a newline.

    Raises:
        officekit.errors.ValidationError: an argument is not valid.
    """
    tz = _check(day, principal, items, timezone)
    title, subtitle = _heading(day, principal, timezone)
    out = [title, subtitle, "=" * max(len(title), len(subtitle))]
    lines = _lines(day, items, tz, gaps)
    width = max((len(line.span) for line in lines), default=0)
    for line in lines:
        text = f"{line.span:<{width}}  {'(' + line.what + ')' if line.free else line.what}"
        if line.where:
            text += f"  at {line.where}"
        if line.who:
            text += f"  with {line.who}"
        out.append(" ".join(text.split()) if "\n" in text or "\r" in text else text)
    if not lines:
        out.append("Nothing planned.")
    return "\n".join(out) + "\n"


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #000; }
h1 { font-size: 1.4em; margin: 0; }
p.day { margin: 0.2em 0 1em; color: #444; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.3em 0.6em; }
td { border-bottom: 1px solid #ccc; }
td.span { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.free td { color: #666; font-style: italic; }
tr.busy td { background: #eee; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; font-size: 11pt; }
  tr { page-break-inside: avoid; }
  tr.busy td { background: none; }
}
""".strip()


def render_html(
    day: date, principal: str, items: Sequence[AgendaItem], *, timezone: str, gaps: bool = True
) -> str:
    """The same day plan as an HTML document (see ``render_text``).

    Args:
        day: The day planned.
        principal: Whose plan it is.
        items: The items, in any order.
        timezone: The IANA zone whose local time the plan shows.
        gaps: Whether to show the free time between items.

    Returns:
        A complete HTML document (``<!DOCTYPE html>`` ...) with print CSS; every text is
        escaped.

    Raises:
        officekit.errors.ValidationError: an argument is not valid.
    """
    tz = _check(day, principal, items, timezone)
    title, subtitle = _heading(day, principal, timezone)
    esc = html.escape
    rows = []
    for line in _lines(day, items, tz, gaps):
        css = "free" if line.free else "busy" if line.hidden else "item"
        rows.append(
            f'<tr class="{css}"><td class="span">{esc(line.span)}</td><td>{esc(line.what)}</td>'
            f"<td>{esc(line.where)}</td><td>{esc(line.who)}</td></tr>"
        )
    if not rows:
        rows.append('<tr><td colspan="4">Nothing planned.</td></tr>')
    body = "\n".join(rows)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)} - {esc(subtitle)}</title>\n"
        f"<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        f'<h1>{esc(title)}</h1>\n<p class="day">{esc(subtitle)}</p>\n'
        "<table>\n<thead><tr><th>Time</th><th>What</th><th>Where</th><th>Who</th></tr></thead>\n"
        f"<tbody>\n{body}\n</tbody>\n</table>\n</body>\n</html>\n"
    )
