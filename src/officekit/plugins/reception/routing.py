"""Deciding where a call goes, and saying why.

A [`Router`][officekit.plugins.reception.routing.Router] is built once per office from the
profile's ``[routing]`` table. Its rules are *indexed* (by keyword stem, by
priority line, and the first known-customer rule), so a decision costs time in
proportion to the words of the caller's reason, not to the number of rules:
the first matching rule is the one with the lowest position among the few the
indexes return.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import attrs
import phonenumbers

from officekit.core.profile import Department, Profile
from officekit.core.validate import check_aware
from officekit.errors import ValidationError
from officekit.plugins.reception.settings import AFTER_HOURS_SERVICES, ROUTING, RoutingRule
from officekit.plugins.reception.text import tokens

__all__ = [
    "PhraseIndex",
    "Router",
    "RoutingDecision",
    "covering",
    "front_desk_departments",
    "normalise_line",
]


def front_desk_departments(profile: Profile) -> frozenset[str]:
    """The departments the office's phones serve: where its calls can be routed.

    The ``[routing]`` default, every department a routing rule or an urgent rule
    names, and the after-hours destination when it is a department. A member of
    staff with a role in one of them answers calls and greets visitors as part of
    their usual duty; anyone else doing so is *covering* for the front desk.

    Args:
        profile: The office's profile.
    """
    routing = profile.section(ROUTING)
    found = {routing.default, routing.after_hours}
    found.update(rule.department for rule in routing.rules if rule.department is not None)
    found.update(rule.after_hours for rule in routing.rules if rule.after_hours is not None)
    found.update(rule.department for rule in routing.urgent if rule.department is not None)
    return frozenset(found & set(profile.departments))


def covering(profile: Profile, roles: Sequence[str]) -> bool:
    """Whether front-desk work done by someone with ``roles`` is cover of another role's duty.

    True when none of the roles belongs to a department of
    [`front_desk_departments`][officekit.plugins.reception.routing.front_desk_departments]
    (a clerk of the administration answering the phones while the receptionists
    are busy). Recorded as ``cover`` in ``calls.answer`` and ``visitors.check_in``.

    Args:
        profile: The office's profile.
        roles: The roles of the member of staff doing the work.
    """
    known = profile.roles
    departments = {known[r].department for r in roles if r in known}
    return not (departments & front_desk_departments(profile))


@attrs.frozen
class RoutingDecision:
    """Where a call goes, and why.

    Attributes:
        destination: A department key, ``"voicemail"`` or ``"answering_service"``;
            None for an urgent call handled by script.
        department: The department the call was routed to (before opening hours were
            considered); None for an urgent scripted call.
        kind: ``"rule"``, ``"default"``, ``"urgent"`` or ``"plugin"``.
        rule: The name of the rule that matched, if any.
        explanation: Why, in one or two sentences.
        open: Whether ``department`` is open at the time of the call.
        urgent: The urgent rule's action (``"script"`` or ``"flag"``), if the call is urgent.
        script: What to tell the caller, for a scripted urgent call.
    """

    destination: str | None
    department: str | None
    kind: str
    explanation: str
    rule: str | None = None
    open: bool = True
    urgent: str | None = None
    script: str | None = None


def normalise_line(line: str, region: str | None = None) -> str:
    """Reduce a line to what identifies it: a phone number in E.164 form, else its text.

    Args:
        line: A number dialled (in any national or international form) or a line label.
        region: The ISO country to read national numbers in (the office's country).
    """
    try:
        parsed = phonenumbers.parse(line, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return " ".join(line.casefold().split())


class PhraseIndex:
    """Finds which of many keyword phrases occur in a text, by their first word's stem.

    Args:
        phrases: For each owner (by position), the phrases that match it.
    """

    def __init__(self, phrases: Sequence[Sequence[str]]) -> None:
        self._by_first: dict[str, list[tuple[int, tuple[str, ...], str]]] = defaultdict(list)
        for owner, owner_phrases in enumerate(phrases):
            for phrase in owner_phrases:
                stems = tuple(tokens(phrase))
                if stems:
                    self._by_first[stems[0]].append((owner, stems, phrase))

    def first_match(self, text: str | Sequence[str]) -> tuple[int, str] | None:
        """Return the lowest owner position with a phrase in ``text``, and that phrase.

        Args:
            text: The text, or its stems already (``core.text.tokens``), to tokenise once
                for several indexes.
        """
        stems = tokens(text) if isinstance(text, str) else list(text)
        best: tuple[int, str] | None = None
        for i, word in enumerate(stems):
            for owner, phrase_stems, phrase in self._by_first.get(word, ()):
                if best is not None and owner >= best[0]:
                    continue
                if tuple(stems[i : i + len(phrase_stems)]) == phrase_stems:
                    best = (owner, phrase)
        return best


class Router:
    """The routing rules of one profile, indexed for fast decisions.

    Args:
        profile: The office's profile.
    """

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        routing = profile.section(ROUTING)
        self._rules = routing.rules
        self._keywords = PhraseIndex([r.keywords for r in routing.rules])
        self._urgent = PhraseIndex([u.keywords for u in routing.urgent])
        self._region = profile.office.country
        self._lines: dict[str, int] = {}
        self._known_customer: int | None = None
        for position, rule in enumerate(routing.rules):
            for line in rule.lines:
                self._lines.setdefault(normalise_line(line, self._region), position)
            if rule.known_customer and self._known_customer is None:
                self._known_customer = position
        self._holidays: dict[dt.date, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        for holiday in profile.holidays:
            self._holidays[holiday.date].append((holiday.name, holiday.departments))

    # -- opening hours -----------------------------------------------------------

    def closed_reason(self, department: str, at: dt.datetime) -> str | None:
        """Say why ``department`` is closed at ``at`` (any timezone), or None if it is open."""
        dept: Department = self.profile.departments[department]
        local = at.astimezone(self.profile.office.tz)
        for name, departments in self._holidays.get(local.date(), ()):
            if not departments or department in departments:
                return f"{dept.name} is closed on {local:%Y-%m-%d} ({name or 'holiday'})"
        if not dept.hours.is_open(local):
            ranges = ", ".join(str(r) for r in dept.hours.on(local.date())) or "closed all day"
            return f"{dept.name} is closed at {local:%a %H:%M} {local.tzname()} (hours: {ranges})"
        return None

    # -- deciding -----------------------------------------------------------------

    def decide(
        self,
        reason: str,
        *,
        at: dt.datetime,
        caller_department: str | None = None,
        known_customer: bool = False,
        line: str | None = None,
    ) -> RoutingDecision:
        """Decide where a call goes.

        Args:
            reason: What the caller says they call about.
            at: When the call arrives (aware).
            caller_department: The known customer's own department, if any.
            known_customer: Whether the caller is a known customer.
            line: The priority line (number dialled) the call came in on, if any.

        Raises:
            ValidationError: A reason or line that is not text, or ``at`` naive or too
                far out to convert to the office's timezone.
        """
        if not isinstance(reason, str):
            raise ValidationError(
                f"expected the caller's words, got {reason!r:.80}", where="reason"
            )
        check_aware(at, "at")
        if line is not None and not isinstance(line, str):
            raise ValidationError(f"expected a line (a string), got {line!r:.80}", where="line")
        stems = tokens(reason)
        urgent = self._urgent.first_match(stems)
        if urgent is not None:
            hit = self.profile.section(ROUTING).urgent[urgent[0]]
            why = f"urgent rule {hit.name!r} matched {urgent[1]!r} in the reason"
            if hit.action == "script":
                return RoutingDecision(
                    None, None, "urgent", f"{why}: read the script instead of routing",
                    rule=hit.name, urgent="script", script=hit.script,
                )  # fmt: skip
            assert hit.department is not None
            return RoutingDecision(
                hit.department, hit.department, "urgent",
                f"{why}: flagged and put straight through to {hit.department}",
                rule=hit.name, urgent="flag",
            )  # fmt: skip
        candidates: list[tuple[int, str]] = []
        keyword = self._keywords.first_match(stems)
        if keyword is not None:
            candidates.append((keyword[0], f"matched {keyword[1]!r} in the reason"))
        if known_customer and self._known_customer is not None:
            candidates.append((self._known_customer, "the caller is a known customer"))
        dialled = normalise_line(line, self._region) if line is not None else None
        if dialled is not None and dialled in self._lines:
            candidates.append((self._lines[dialled], f"the call came in on line {line}"))
        if candidates:
            position, why = min(candidates)
            rule: RoutingRule = self._rules[position]
            department = rule.department
            if rule.known_customer and caller_department is not None:
                department = caller_department
                why += f" of {caller_department}"
            if department is None:  # a known customer with no department, and a rule with none
                department = self.profile.section(ROUTING).default
                why += " with no department: the default department"
            return self._with_hours(
                department, at, "rule", f"rule {rule.name!r} ({why})", rule.name, rule.after_hours
            )
        default = self.profile.section(ROUTING).default
        return self._with_hours(default, at, "default", "no rule matched: the default department")

    def _with_hours(
        self,
        department: str,
        at: dt.datetime,
        kind: str,
        why: str,
        rule: str | None = None,
        after_hours: str | None = None,
    ) -> RoutingDecision:
        closed = self.closed_reason(department, at)
        if closed is None:
            return RoutingDecision(department, department, kind, f"{why} -> {department}", rule)
        target = after_hours or self.profile.section(ROUTING).after_hours
        if target not in AFTER_HOURS_SERVICES and self.closed_reason(target, at) is not None:
            target = "voicemail"
        return RoutingDecision(
            target, department, kind, f"{why} -> {department}, but {closed}: {target}", rule,
            open=False,
        )  # fmt: skip
