"""The ``[filing]`` profile section: categories, retention rules, classification rules.

Each category says how long its documents are kept (``retention_years`` after an
event: ``created``, the document's own date, or one the profile names in
``events``, such as ``matter_closed``), what happens then (``destroy``,
``archive`` or ``review``) and which roles may see its documents. Classification
rules suggest a category from a document's title, text or sender.

The retention arithmetic is here too:
[`add_years`][officekit.plugins.clerk.filing.settings.add_years] and
[`latest_due_trigger`][officekit.plugins.clerk.filing.settings.latest_due_trigger],
which the SQL of ``office.filing.due`` is built from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import attrs

from officekit.core.extensions import ProfileSection, SectionContext
from officekit.core.validate import unknown_name

__all__ = [
    "ACTIONS",
    "CREATED",
    "FILING_SECTION",
    "MAX_CHECKOUT_DAYS",
    "MAX_RETENTION_YEARS",
    "Category",
    "ClassificationRule",
    "FilingSettings",
    "add_years",
    "latest_due_trigger",
]

ACTIONS = ("destroy", "archive", "review")
"""What may happen to a document at the end of its retention."""

CREATED = "created"
"""The event every category may count from: the document's own date (``dated``)."""

MAX_RETENTION_YEARS = 200
"""The longest retention a category may have (omit ``retention_years`` to keep for ever)."""

MAX_CHECKOUT_DAYS = 365
"""The longest a paper file may be checked out for (``checkout_days``)."""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@attrs.frozen
class Category:
    """A category of documents and its retention rule.

    Attributes:
        description: What goes in it.
        retention_years: Kept this many years after ``after``; None (the key left
            out): kept permanently, never due.
        after: The event retention counts from: ``created`` (the document's date) or
            one of ``[filing] events``, whose date is given on the document when it is
            filed or set later (``desk.filing.reclassify(..., events=...)``).
        then: What happens at the end: ``destroy`` (the bytes deleted, a tombstone
            kept), ``archive`` or ``review`` (a person decides; the document is kept).
        roles: Only members of staff holding one of these roles see its documents
            (privileged legal documents, patient records); empty: everyone at a desk.
            A role the profile does not have grants nothing; at least one must exist.
        basis: The rule the retention comes from, quoted by ``officekit filing due``.
    """

    description: str = ""
    retention_years: int | None = None
    after: str = CREATED
    then: str = "destroy"
    roles: tuple[str, ...] = ()
    basis: str = ""


@attrs.frozen
class ClassificationRule:
    """A rule that suggests a category for a document.

    Exactly one way of matching is given: ``keywords`` (words or phrases of the
    title or text, compared case-insensitively word by word), ``pattern`` (a
    regular expression searched in the title and text, case-insensitive) or
    ``senders`` (an address, or a domain written ``@example.org``).

    Attributes:
        name: The rule's name, recorded as ``rule:<name>`` in the ``filing.file`` event.
        category: The category it suggests.
        keywords: Words or phrases that match.
        pattern: A regular expression that matches.
        senders: Senders (addresses or ``@domains``) that match.
    """

    name: str
    category: str
    keywords: tuple[str, ...] = ()
    pattern: str | None = None
    senders: tuple[str, ...] = ()


@attrs.frozen
class FilingSettings:
    """The ``[filing]`` section.

    Attributes:
        categories: The categories, by key.
        events: Names of the events retention may count from besides ``created``.
        rules: Classification rules, checked in order; the first match suggests.
        checkout_days: A paper file checked out is due back after this many days.
        store: Where electronic documents' bytes are kept: a folder, absolute or
            relative to the SQLite database file's folder (to the current directory
            for other databases). Default ``officekit-files``. The environment
            variable ``OFFICEKIT_FILING_STORE`` overrides it.
    """

    categories: Mapping[str, Category] = attrs.field(factory=dict)
    events: tuple[str, ...] = ()
    rules: tuple[ClassificationRule, ...] = ()
    checkout_days: int = 14
    store: str | None = None

    def event_of(self, category: str) -> str | None:
        """The event ``category``'s retention counts from (None: no such category)."""
        found = self.categories.get(category)
        return found.after if found is not None else None


def add_years(day: dt.date, years: int) -> dt.date | None:
    """The anniversary of ``day`` after ``years`` years: when a retention ends.

    29 February plus a number of years that lands in a common year gives
    **1 March**: retention never ends early (28 February would end it a day
    short of the full years). None when the anniversary is past year 9999
    (never due).

    >>> add_years(dt.date(2024, 2, 29), 1)
    datetime.date(2025, 3, 1)
    """
    year = day.year + years
    if year > dt.MAXYEAR:
        return None
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 3, 1)


def latest_due_trigger(on: dt.date, years: int) -> dt.date | None:
    """The latest event date whose retention of ``years`` years has ended by ``on``.

    A document is due on ``on`` exactly when its event date is on or before this
    date (``add_years`` never decreases as the date grows), which lets the
    database compare dates instead of doing year arithmetic, the same way on
    every backend. None: no event date can be due yet (``on`` is before year
    ``years + 1``).
    """
    year = on.year - years
    if year < dt.MINYEAR:
        return None
    try:
        cut = on.replace(year=year)
    except ValueError:  # on is 29 February, that year is common
        cut = dt.date(year, 2, 28)
    while True:  # at most two steps: past a 29 February
        try:
            following = cut + dt.timedelta(days=1)
        except OverflowError:
            return cut
        ends = add_years(following, years)
        if ends is None or ends > on:
            return cut
        cut = following


def _check_filing(settings: FilingSettings, ctx: SectionContext) -> FilingSettings:
    roles = ctx.profile.roles
    seen_events: set[str] = set()
    for i, event in enumerate(settings.events):
        if not _NAME.match(event):
            ctx.problem(
                [f"events[{i}]"],
                f"an event's name is a lower-case identifier such as 'matter_closed', "
                f"got {event!r}",
            )
        elif event == CREATED:
            ctx.problem([f"events[{i}]"], f"{CREATED!r} is built in: do not list it")
        elif event in seen_events:
            ctx.problem([f"events[{i}]"], f"event {event!r} is listed twice")
        seen_events.add(event)
    for key, category in settings.categories.items():
        where = ["categories", key]
        if not _NAME.match(key):
            ctx.problem(
                where,
                f"a category's key is a lower-case identifier such as 'invoices', got {key!r}",
            )
        years = category.retention_years
        if years is not None and not 0 <= years <= MAX_RETENTION_YEARS:
            ctx.problem(
                [*where, "retention_years"],
                f"expected a number of years from 0 to {MAX_RETENTION_YEARS}, got {years} "
                "(leave the key out to keep the documents permanently)",
            )
        if category.after != CREATED and category.after not in seen_events:
            ctx.problem(
                [*where, "after"],
                unknown_name("event", category.after, [CREATED, *settings.events])
                + " (name it in [filing] events)",
            )
        if category.then not in ACTIONS:
            ctx.problem([*where, "then"], unknown_name("action", category.then, ACTIONS))
        # A role the profile does not have grants nothing (a profile may drop a role its
        # base names); only a category that no role of the profile could see is a mistake.
        if category.roles and not any(role in roles for role in category.roles):
            ctx.problem(
                [*where, "roles[0]"],
                unknown_name("role", category.roles[0], roles)
                + ": no role of the profile could see this category's documents",
            )
    names: set[str] = set()
    for i, rule in enumerate(settings.rules):
        where = [f"rules[{i}]"]
        if not rule.name.strip():
            ctx.problem([*where, "name"], "a rule's name cannot be blank")
        elif rule.name in names:
            ctx.problem([*where, "name"], f"rule {rule.name!r} is defined twice")
        names.add(rule.name)
        if rule.category not in settings.categories:
            ctx.problem(
                [*where, "category"],
                unknown_name("category", rule.category, settings.categories),
            )
        kinds = [
            k
            for k, on in (
                ("keywords", bool(rule.keywords)),
                ("pattern", rule.pattern is not None),
                ("senders", bool(rule.senders)),
            )
            if on
        ]
        if len(kinds) != 1:
            ctx.problem(
                where,
                "a rule matches by exactly one of keywords, pattern, senders; "
                f"got {kinds or 'none'}",
            )
        if any(not k.strip() for k in rule.keywords):
            ctx.problem([*where, "keywords"], "a keyword cannot be blank")
        if any(not s.strip() or " " in s.strip() for s in rule.senders):
            ctx.problem([*where, "senders"], "a sender is an address or an @domain, not blank")
        if rule.pattern is not None:
            if not rule.pattern.strip():
                ctx.problem([*where, "pattern"], "a pattern cannot be blank")
            else:
                try:
                    re.compile(rule.pattern)
                except re.error as exc:
                    ctx.problem([*where, "pattern"], f"not a regular expression: {exc}")
    if not 1 <= settings.checkout_days <= MAX_CHECKOUT_DAYS:
        ctx.problem(
            ["checkout_days"],
            f"expected a number of days from 1 to {MAX_CHECKOUT_DAYS}, "
            f"got {settings.checkout_days}",
        )
    if settings.store is not None and (not settings.store.strip() or "\x00" in settings.store):
        ctx.problem(["store"], "expected a folder's path")
    return settings


FILING_SECTION = ProfileSection(
    "filing",
    FilingSettings,
    FilingSettings,
    _check_filing,
    "Document categories, their retention rules and classification rules.",
)
"""The ``[filing]`` profile section (``profile.section(FILING_SECTION)``)."""
