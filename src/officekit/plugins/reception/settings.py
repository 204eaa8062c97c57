"""The receptionist's profile sections: phones, routing, visitors and questions.

Each is a [`ProfileSection`][officekit.ProfileSection] registered by the reception
plugin, read as strictly as the kernel's tables, and checked against the rest of
the profile (departments named, knowledge base readable).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import attrs
import phonenumbers

from officekit.core.convert import converter, strict_converter
from officekit.core.extensions import ProfileSection, SectionContext
from officekit.core.validate import unknown_name
from officekit.plugins.reception.text import tokens

__all__ = [
    "AFTER_HOURS_SERVICES",
    "MAX_LINES",
    "MAX_MESSAGE_DUE_HOURS",
    "MAX_SECONDS",
    "PHONES",
    "QUESTIONS",
    "ROUTING",
    "SECTIONS",
    "SENSITIVE",
    "VISITORS",
    "PhoneSettings",
    "QuestionSettings",
    "Routing",
    "RoutingRule",
    "UrgentRule",
    "VisitorPolicy",
]

AFTER_HOURS_SERVICES = ("voicemail", "answering_service")
"""Destinations outside the office a call can go to when a department is closed."""

MAX_LINES = 1000
"""The most lines a phone system may have (``[phones] lines``)."""
MAX_SECONDS = 3600.0
"""The longest ``service_level_seconds`` and ``short_abandon_seconds``: an hour."""
MAX_MESSAGE_DUE_HOURS = 720.0
"""The longest ``message_due_hours``: 30 days."""

SENSITIVE = "sensitive"
"""What the event log records instead of a sensitive rule's name (``rule:sensitive``)."""


@attrs.frozen
class PhoneSettings:
    """The multi-line phone system and the targets calls are measured against.

    Attributes:
        lines: How many calls the system carries at once; more callers wait in a queue.
        service_level_seconds: A call answered within this many seconds meets the service level.
        short_abandon_seconds: A caller who hangs up sooner is a short abandon, counted apart.
        message_due_hours: A message not acknowledged within this many hours is overdue.
    """

    lines: int = 4
    service_level_seconds: float = 20.0
    short_abandon_seconds: float = 5.0
    message_due_hours: float = 4.0


@attrs.frozen
class RoutingRule:
    """One routing rule: when it matches a call, and where the call goes.

    Exactly one way of matching is given: ``keywords`` (words or phrases in the
    caller's stated reason), ``known_customer = true`` (the caller is a known
    customer: the call goes to their department, or to ``department`` if they
    have none), or ``lines`` (the call came in on one of these priority lines).

    Attributes:
        name: The rule's name, quoted in explanations.
        department: Where a matching call goes.
        keywords: Words or phrases of the caller's reason that match.
        known_customer: Match calls from known customers.
        lines: Priority lines (the numbers dialled) that match: phone numbers, read in
            the office's country.
        after_hours: Where the call goes when the department is closed (a department,
            ``"voicemail"`` or ``"answering_service"``); defaults to ``routing.after_hours``.
        sensitive: The rule's name says what a call is about (health, a legal matter, a
            child's safety): the permanent event log records ``rule:sensitive`` instead.
    """

    name: str
    department: str | None = None
    keywords: tuple[str, ...] = ()
    known_customer: bool = False
    lines: tuple[str, ...] = ()
    after_hours: str | None = None
    sensitive: bool = False


@attrs.frozen
class UrgentRule:
    """A kind of call that is urgent and is not routed as usual.

    Attributes:
        name: The rule's name, such as ``"emergency"``.
        keywords: Words or phrases of the caller's reason that make the call urgent.
        action: ``"script"``: the receptionist reads ``script`` to the caller instead of
            routing; ``"flag"``: the call is flagged and goes straight to ``department``.
        script: What to tell the caller (for ``"script"``).
        department: Where a flagged call goes (for ``"flag"``).
        sensitive: The rule's name says what a call is about: the permanent event log
            records ``urgent:sensitive`` instead.
    """

    name: str
    keywords: tuple[str, ...]
    action: str = "flag"
    script: str = ""
    department: str | None = None
    sensitive: bool = False


@attrs.frozen
class Routing:
    """How calls are routed.

    Attributes:
        default: The department a call goes to when no rule matches.
        after_hours: Where a call goes when its department is closed, unless its rule says.
        rules: The rules, checked in order; the first match wins.
        urgent: Urgent-call rules, checked before routing.
    """

    default: str = "reception"
    after_hours: str = "voicemail"
    rules: tuple[RoutingRule, ...] = ()
    urgent: tuple[UrgentRule, ...] = ()

    def recorded_route(self, kind: str, rule: str | None) -> str:
        """How a call was routed, as the permanent event log keeps it.

        ``rule:<name>`` or ``urgent:<name>`` (as ``Call.routed_by``), ``default`` or
        ``plugin``; for a rule marked ``sensitive``, ``rule:sensitive`` or
        ``urgent:sensitive``: the department is still recorded, the rule's name is not.

        Args:
            kind: The routing decision's kind: ``"rule"``, ``"urgent"``, ``"default"``
                or ``"plugin"``.
            rule: The name of the rule that matched, if any.
        """
        if kind not in ("rule", "urgent") or rule is None:
            return kind
        rules: tuple[RoutingRule | UrgentRule, ...] = self.rules if kind == "rule" else self.urgent
        sensitive = any(r.sensitive for r in rules if r.name == rule)
        return f"{kind}:{SENSITIVE if sensitive else rule}"


@attrs.frozen
class VisitorPolicy:
    """The sector's rules for visitors at the desk.

    Attributes:
        identity_check: A visitor's identity document must be checked at check-in.
        badges: A numbered badge is issued at check-in and returned at check-out.
        confidential: Visitors' names are not shown in the public visitor log.
        patient_record: A patient's record number is needed at check-in.
        restricted_words: Words that must not be recorded at the desk, as a visitor's
            purpose or in a note (medical details: minimum necessary).
        guardian_release: Students are released only to a guardian on their list.
    """

    identity_check: bool = False
    badges: bool = False
    confidential: bool = False
    patient_record: bool = False
    restricted_words: tuple[str, ...] = ()
    guardian_release: bool = False


_KnowledgeBaseFiles = str | tuple[str, ...] | None


def _structure_knowledge_base(value: Any, _: Any) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        files: tuple[str, ...] = strict_converter.structure(value, tuple[str, ...])
        return files
    raise TypeError(
        f"expected a file name or a list of file names, got {type(value).__name__} {value!r}"
    )


for _conv in (converter, strict_converter):
    _conv.register_structure_hook_func(
        lambda t: t == _KnowledgeBaseFiles, _structure_knowledge_base
    )
    _conv.register_unstructure_hook_func(
        lambda t: t == _KnowledgeBaseFiles, lambda v: list(v) if isinstance(v, tuple) else v
    )


@attrs.frozen
class QuestionSettings:
    """How customers' questions are answered from the knowledge base.

    Attributes:
        knowledge_base: The knowledge-base file (TOML), or a list of them, each relative
            to the profile file that names it. Entry ids are unique across the files.
        threshold: The confidence (the calibrated probability that the entry found is
            the right one) below which a question is escalated instead of answered.
        escalate_to: The department that gets escalated questions as messages.
    """

    knowledge_base: str | tuple[str, ...] | None = None
    threshold: float = 0.95
    escalate_to: str = "reception"

    @property
    def knowledge_base_files(self) -> tuple[str, ...]:
        """The knowledge-base files, in order: none, one or several."""
        kb = self.knowledge_base
        if kb is None:
            return ()
        return (kb,) if isinstance(kb, str) else kb


def _check_phones(phones: PhoneSettings, ctx: SectionContext) -> PhoneSettings:
    if phones.lines < 1:
        ctx.problem(["lines"], f"a phone system needs at least one line, got {phones.lines}")
    elif phones.lines > MAX_LINES:
        ctx.problem(["lines"], f"a phone system has at most {MAX_LINES} lines, got {phones.lines}")
    bounds = (
        ("service_level_seconds", MAX_SECONDS, "seconds: an hour"),
        ("short_abandon_seconds", MAX_SECONDS, "seconds: an hour"),
        ("message_due_hours", MAX_MESSAGE_DUE_HOURS, "hours: 30 days"),
    )
    for key, most, unit in bounds:
        value = getattr(phones, key)
        if not math.isfinite(value) or value <= 0:
            ctx.problem([key], f"expected a number > 0, got {value}")
        elif value > most:
            ctx.problem([key], f"expected at most {most:g} ({unit}), got {value}")
    return phones


def _line_problem(line: str, region: str | None) -> str | None:
    """Why a priority line is not a phone number of the office's country, or None."""
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(line, region))
    except phonenumbers.NumberParseException:
        valid = False
    if valid:
        return None
    where = f"of {region}" if region else "in international form (the office has no country)"
    return f"a priority line must be a valid phone number {where}: {line!r}"


def _check_name(ctx: SectionContext, path: list[str], name: str) -> None:
    if name == SENSITIVE:
        ctx.problem(
            path,
            f"{SENSITIVE!r} is what the event log records for a sensitive rule: "
            "give the rule another name",
        )


def _check_routing(routing: Routing, ctx: SectionContext) -> Routing:
    depts = ctx.profile.departments

    def department(path: list[str], value: str) -> None:
        if value not in depts:
            ctx.problem(path, unknown_name("department", value, depts))

    def destination(path: list[str], value: str | None) -> None:
        if value is not None and value not in depts and value not in AFTER_HOURS_SERVICES:
            ctx.problem(  # the known names include the services: no "(nor ...)" besides
                path, unknown_name("department or service", value, [*depts, *AFTER_HOURS_SERVICES])
            )

    department(["default"], routing.default)
    destination(["after_hours"], routing.after_hours)
    names: set[str] = set()
    for i, rule in enumerate(routing.rules):
        where = [f"rules[{i}]"]
        if rule.name in names:
            ctx.problem([*where, "name"], f"rule {rule.name!r} is defined twice")
        names.add(rule.name)
        _check_name(ctx, [*where, "name"], rule.name)
        kinds = [
            k
            for k, on in (
                ("keywords", bool(rule.keywords)),
                ("known_customer", rule.known_customer),
                ("lines", bool(rule.lines)),
            )
            if on
        ]
        if len(kinds) != 1:
            ctx.problem(
                where,
                "a rule matches by exactly one of keywords, known_customer, lines; "
                f"got {kinds or 'none'}",
            )
        if rule.department is None and not rule.known_customer:
            ctx.problem([*where, "department"], "required key is missing")
        if rule.department is not None:
            department([*where, "department"], rule.department)
        if any(not k.strip() for k in rule.keywords):
            ctx.problem([*where, "keywords"], "a keyword cannot be blank")
        for j, line in enumerate(rule.lines):
            problem = _line_problem(line, ctx.profile.office.country)
            if problem is not None:
                ctx.problem([*where, f"lines[{j}]"], problem)
        destination([*where, "after_hours"], rule.after_hours)
    for i, urgent in enumerate(routing.urgent):
        where = [f"urgent[{i}]"]
        _check_name(ctx, [*where, "name"], urgent.name)
        if not urgent.keywords or any(not k.strip() for k in urgent.keywords):
            ctx.problem([*where, "keywords"], "an urgent rule needs non-blank keywords")
        if urgent.action not in ("script", "flag"):
            ctx.problem([*where, "action"], f"expected 'script' or 'flag', got {urgent.action!r}")
        elif urgent.action == "script" and not urgent.script.strip():
            ctx.problem(
                [*where, "script"], "a 'script' rule needs the script to read to the caller"
            )
        elif urgent.action == "flag":
            if urgent.department is None:
                ctx.problem([*where, "department"], "a 'flag' rule needs a department")
            else:
                department([*where, "department"], urgent.department)
    return routing


def _check_visitors(visitors: VisitorPolicy, ctx: SectionContext) -> VisitorPolicy:
    for i, word in enumerate(visitors.restricted_words):
        if not word.strip():
            ctx.problem([f"restricted_words[{i}]"], "a restricted word cannot be blank")
        elif not tokens(word):
            ctx.problem(
                [f"restricted_words[{i}]"],
                f"a restricted word needs a letter or a digit: {word!r} would match nothing",
            )
    return visitors


def _check_questions(questions: QuestionSettings, ctx: SectionContext) -> QuestionSettings:
    depts = ctx.profile.departments
    if not 0 <= questions.threshold <= 1:
        ctx.problem(["threshold"], f"expected a confidence from 0 to 1, got {questions.threshold}")
    if questions.escalate_to not in depts:
        ctx.problem(["escalate_to"], unknown_name("department", questions.escalate_to, depts))
    kb = questions.knowledge_base
    if kb is None:
        return questions
    keys = (
        [["knowledge_base"]]
        if isinstance(kb, str)
        else [[f"knowledge_base[{i}]"] for i in range(len(kb))]
    )
    resolved: list[str] = []
    found: list[str] = []
    for key, file in zip(keys, questions.knowledge_base_files, strict=True):
        if not Path(file).is_absolute():
            # relative to the profile file that names it
            origin = ctx.file_of(key)
            if origin is not None:
                file = str(origin.parent / file)
        resolved.append(file)
        if Path(file).is_file():
            found.append(file)
        else:
            ctx.problem(key, f"no file at {file}")
    questions = attrs.evolve(
        questions, knowledge_base=resolved[0] if isinstance(kb, str) else tuple(resolved)
    )
    # The knowledge base is part of the profile: its problems stop the office opening too.
    from officekit.plugins.reception.questions import knowledge_base_problems

    for problem in knowledge_base_problems(found, depts):
        ctx.report(problem)
    return questions


PHONES = ProfileSection(
    "phones",
    PhoneSettings,
    PhoneSettings,
    _check_phones,
    "The multi-line phone system and the targets calls are measured against.",
)
ROUTING = ProfileSection(
    "routing", Routing, Routing, _check_routing, "How calls are routed, urgent calls first."
)
VISITORS = ProfileSection(
    "visitors",
    VisitorPolicy,
    VisitorPolicy,
    _check_visitors,
    "The sector's rules for visitors at the desk.",
)
QUESTIONS = ProfileSection(
    "questions",
    QuestionSettings,
    QuestionSettings,
    _check_questions,
    "How customers' questions are answered from the knowledge base.",
)
SECTIONS: tuple[ProfileSection[object], ...] = (PHONES, ROUTING, VISITORS, QUESTIONS)  # type: ignore[assignment]
