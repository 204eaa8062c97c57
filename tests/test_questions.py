"""Customers' questions: the knowledge base (loading, search, confidence) and ``desk.answer``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from officekit import (
    ManualClock,
    Office,
    PermissionDenied,
    PluginError,
    ProfileError,
    StaffMember,
    ValidationError,
    hookimpl,
    load_profile,
)
from officekit.core.profile import shipped_profiles_dir
from officekit.plugins.reception.questions import (
    FILLER_WORDS,
    Answer,
    KBEntry,
    KnowledgeBase,
    analyse,
    escalation_department,
    knowledge_base_problems,
)
from officekit.plugins.reception.settings import QuestionSettings
from officekit.plugins.reception.text import STOPWORDS

OpenOffice = Callable[..., Office]

SECTORS = ("medical", "legal", "education", "smallbusiness")
THRESHOLD = QuestionSettings().threshold


def faq_path(sector: str) -> Path:
    return shipped_profiles_dir() / sector / "faq.toml"


_KBS: dict[str, KnowledgeBase] = {}


def shipped_kb(sector: str) -> KnowledgeBase:
    if sector not in _KBS:
        departments = load_profile(sector).departments
        _KBS[sector] = KnowledgeBase.load(faq_path(sector), departments=departments)
    return _KBS[sector]


QUESTIONS_TOML = """
[responsibilities.questions]
description = "Questions"
operations = ["questions.answer"]
min_level = "trainee"

[roles.receptionist]
responsibilities = ["front_office", "questions"]
"""


def write_profile(
    folder: Path,
    *,
    extends: str = "medical",
    knowledge_base: Path | None = None,
    questions: str = "",
    extra: str = "",
) -> Path:
    """A profile extending a sector, with the questions responsibility and a knowledge base."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'extends = "{extends}"', f'name = "{folder.name}"', "", "[questions]", questions]
    if knowledge_base is not None:
        lines += [f"knowledge_base = {json.dumps(str(knowledge_base))}", ""]
    (folder / "profile.toml").write_text(
        "\n".join(lines) + QUESTIONS_TOML + extra, encoding="utf-8"
    )
    return folder


def receptionist(office: Office, name: str = "Rita Moss") -> StaffMember:
    return office.staff.hire(name, roles=["receptionist"], experience_years=1)


# ---------------------------------------------------------------------------
# The shipped knowledge bases
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("sector", SECTORS)
def test_shipped_knowledge_bases_load_and_name_their_sectors_departments(sector: str) -> None:
    assert knowledge_base_problems(faq_path(sector), load_profile(sector).departments) == []
    kb = shipped_kb(sector)
    assert 15 <= len(kb) <= 30
    assert all(entry.department is not None for entry in kb)
    assert any("hour" in analyse(entry.question) for entry in kb)  # opening hours


@pytest.mark.parametrize("sector", SECTORS)
def test_each_entrys_own_question_finds_it_with_full_confidence(sector: str) -> None:
    kb = shipped_kb(sector)
    for entry in kb:
        match = kb.search(entry.question)
        assert match is not None
        assert (match.entry.id, match.confidence) == (entry.id, 1.0)


PARAPHRASES = [
    # medical
    ("medical", "opening-hours", "when are you open on Saturday?"),
    ("medical", "parking", "is there somewhere to leave my car?"),
    ("medical", "repeat-prescription", "I've run out of my tablets, how do I reorder them?"),
    ("medical", "how-to-pay", "do you take contactless?"),
    ("medical", "accessibility", "can I get in with a wheelchair?"),
    ("medical", "test-results", "are my blood test results back yet?"),
    ("medical", "change-appointment", "can I move my appointment to another day?"),
    ("medical", "register", "how do I sign up with the surgery as a new patient?"),
    ("medical", "flu-vaccine", "can I get the flu vaccine here?"),
    ("medical", "complaints", "I want to complain about how I was treated"),
    ("medical", "medical-records", "can I see a copy of my notes?"),
    ("medical", "fit-note", "I need a sick note for work"),
    ("medical", "travel-vaccinations", "what jabs do I need before going abroad?"),
    ("medical", "directions", "what's your address?"),
    # legal
    ("legal", "office-hours", "are you open on Saturdays?"),
    ("legal", "parking", "is there somewhere to leave my car?"),
    ("legal", "how-to-pay", "can I pay my bill with a credit card?"),
    ("legal", "client-file", "I'd like a copy of my case file"),
    ("legal", "divorce", "I want to get divorced from my husband"),
    ("legal", "custody-support", "who handles custody of my kids?"),
    ("legal", "served-papers", "I just got a summons, what do I do?"),
    ("legal", "notary", "can someone notarize a document for me?"),
    ("legal", "free-consultation", "do you charge for the first meeting?"),
    ("legal", "real-estate-closing", "I'm buying a house, can you help with the closing?"),
    ("legal", "retainer", "why do I have to pay a deposit upfront?"),
    ("legal", "directions", "which subway station is closest to you?"),
    # education
    ("education", "office-hours", "is the office open on Saturday?"),
    ("education", "parking", "is there somewhere to leave my car?"),
    ("education", "late-arrival", "my son missed the bus and will be late"),
    ("education", "enrolment", "how can we apply for a place for our son?"),
    ("education", "how-to-pay", "can I pay by BPAY?"),
    ("education", "uniform", "where do I buy a school blazer?"),
    ("education", "financial-hardship", "we can't afford the camp this year"),
    ("education", "accessibility", "is there a lift for a wheelchair?"),
    ("education", "school-tours", "can we look around the school?"),
    ("education", "bell-times", "what time does school finish on Wednesdays?"),
    # small business
    ("smallbusiness", "business-hours", "are you open on Saturday morning?"),
    ("smallbusiness", "parking", "is there somewhere to leave my car?"),
    ("smallbusiness", "payment-methods", "do you take American Express?"),
    ("smallbusiness", "jobs", "do you have any job openings?"),
    ("smallbusiness", "holiday-hours", "are you open on Thanksgiving?"),
    (
        "smallbusiness",
        "trade-account",
        "I'm a contractor, can I set up an account with credit terms?",
    ),
    ("smallbusiness", "quote", "can you send me a price estimate for a bulk order?"),
    ("smallbusiness", "returns", "can I bring back something I bought last week?"),
    ("smallbusiness", "delivery", "can you ship to my job site?"),
    ("smallbusiness", "order-status", "my delivery hasn't arrived yet"),
]


@pytest.mark.parametrize(("sector", "entry_id", "question"), PARAPHRASES)
def test_a_paraphrase_ranks_its_entry_first_and_is_never_answered_wrongly(
    sector: str, entry_id: str, question: str
) -> None:
    kb = shipped_kb(sector)
    match = kb.search(question)
    assert match is not None
    assert match.entry.id == entry_id
    decision = kb.decide(question, threshold=THRESHOLD)
    assert decision.outcome == "escalated" or entry_id in [e.id for e in decision.entries]


def test_most_paraphrases_are_answered_at_the_shipped_threshold() -> None:
    answered = sum(
        shipped_kb(sector).decide(question, threshold=THRESHOLD).outcome == "answered"
        for sector, _, question in PARAPHRASES
    )
    assert answered >= 0.6 * len(PARAPHRASES)


def test_there_are_at_least_eight_paraphrases_per_sector() -> None:
    for sector in SECTORS:
        assert sum(1 for s, _, _ in PARAPHRASES if s == sector) >= 8


UNRELATED = [
    "what's the capital of Peru?",
    "can you recommend a good plumber?",
    "what's the weather like tomorrow?",
    "how tall is Mount Everest?",
]


@pytest.mark.parametrize("sector", SECTORS)
@pytest.mark.parametrize("question", UNRELATED)
def test_an_unrelated_question_falls_below_the_threshold(sector: str, question: str) -> None:
    match = shipped_kb(sector).search(question)
    assert match is None or match.confidence < THRESHOLD


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------

SMALL = KnowledgeBase.from_entries(
    [
        KBEntry("hours", "What are your opening hours?", "9 to 5.", "reception", ("open",)),
        KBEntry("parking", "Where can I park?", "Behind the building.", "reception", ("car",)),
        KBEntry("pay", "How can I pay?", "By card or cash.", "billing", ("card", "cash")),
    ]
)


def test_a_misspelt_word_is_read_as_the_word_it_resembles_at_a_discount() -> None:
    kb = shipped_kb("medical")
    right = kb.search("how do I order a repeat prescription?")
    typo = kb.search("how do I order a repeat prescripton?")
    assert right is not None and typo is not None
    assert typo.entry.id == right.entry.id == "repeat-prescription"
    assert THRESHOLD <= typo.confidence < right.confidence


def test_words_unknown_to_the_knowledge_base_lower_the_confidence() -> None:
    plain = SMALL.search("where can I park my car")
    padded = SMALL.search("where can I park my car during the eclipse")
    assert plain is not None and padded is not None
    assert padded.entry.id == plain.entry.id == "parking"
    assert padded.confidence < plain.confidence


def test_no_shared_word_no_match_and_an_empty_knowledge_base_matches_nothing() -> None:
    assert SMALL.search("zebra xylophone") is None
    assert SMALL.search("   ") is None
    assert KnowledgeBase.from_entries([]).search("opening hours") is None


def test_stopwords_and_filler_are_not_information() -> None:
    assert analyse("Hi, I'd like to know: what are your opening hours?") == ["open", "hour"]
    assert "know" in FILLER_WORDS and "what" in STOPWORDS


def test_from_entries_refuses_duplicate_ids_and_blank_texts() -> None:
    with pytest.raises(ValidationError) as info:
        KnowledgeBase.from_entries(
            [KBEntry("a", "Open?", "Yes."), KBEntry("a", "Park?", "  "), KBEntry("b", "?", "x")]
        )
    wheres = {p.where for p in info.value.problems}
    assert wheres == {"entries[1].id", "entries[1].answer", "entries[2].question"}


# ---------------------------------------------------------------------------
# Loading errors
# ---------------------------------------------------------------------------

GOOD_ENTRY = '[[entries]]\nid = "{id}"\nquestion = "Where can I park?"\nanswer = "Behind."\n'


def write_faq(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "faq.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_problems(path: Path, departments: Any = None) -> list[tuple[str, str]]:
    with pytest.raises(ProfileError) as info:
        KnowledgeBase.load(path, departments=departments)
    return [(p.where, p.what) for p in info.value.problems]


def four_entries(fourth: str) -> str:
    return "".join(GOOD_ENTRY.format(id=f"e{i}") for i in range(3)) + fourth


@pytest.mark.parametrize(
    ("fourth", "key_path", "what"),
    [
        (
            '[[entries]]\nid = "e3"\nquestion = "Q?"\nanswer = "A."\ncolour = "red"\n',
            "entries[3].colour",
            "unknown key",
        ),
        ('[[entries]]\nid = "e3"\nquestion = "Q?"\nanswer = 42\n', "entries[3].answer", "str"),
        ('[[entries]]\nid = "e3"\nquestion = "Q?"\n', "entries[3].answer", "missing"),
        ('[[entries]]\nid = "e0"\nquestion = "Q?"\nanswer = "A."\n', "entries[3].id", "e0"),
        (
            '[[entries]]\nid = "e3"\nquestion = "Q?"\nanswer = "A."\nkeywords = "car"\n',
            "entries[3].keywords",
            "list",
        ),
        (
            '[[entries]]\nid = "e3"\nquestion = "Q?"\nanswer = "A."\nkeywords = ["car", 7]\n',
            "entries[3].keywords[1]",
            "str",
        ),
        (
            '[[entries]]\nid = "e3"\nquestion = "Q?"\nanswer = "A."\ndepartment = true\n',
            "entries[3].department",
            "",
        ),
        (
            '[[entries]]\nid = "e3"\nquestion = "  "\nanswer = "A."\n',
            "entries[3].question",
            "blank",
        ),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "missing-key",
        "duplicate-id",
        "keywords-not-list",
        "keyword-not-string",
        "department-not-string",
        "blank-question",
    ],
)
def test_a_bad_entry_is_named_by_file_and_key_path(
    tmp_path: Path, fourth: str, key_path: str, what: str
) -> None:
    path = write_faq(tmp_path, four_entries(fourth))
    problems = load_problems(path)
    assert len(problems) == 1, problems
    where, message = problems[0]
    assert where == f"{path}: {key_path}"
    assert what in message


def test_an_unknown_department_is_named_when_departments_are_given(tmp_path: Path) -> None:
    path = write_faq(tmp_path, four_entries(GOOD_ENTRY.format(id="e3") + 'department = "cafe"\n'))
    assert KnowledgeBase.load(path).get("e3") is not None  # no departments: not checked
    ((where, what),) = load_problems(path, departments=["reception", "billing"])
    assert where == f"{path}: entries[3].department"
    assert "no department named 'cafe'" in what and "reception" in what


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = (
        'title = "FAQ"\n'
        + GOOD_ENTRY.format(id="a")
        + GOOD_ENTRY.format(id="a")
        + '[[entries]]\nid = "c"\nanswer = 1\n'
        + GOOD_ENTRY.format(id="d")
        + 'department = "cafe"\n'
    )
    path = write_faq(tmp_path, text)
    problems = load_problems(path, departments=["reception"])
    assert [where.removeprefix(f"{path}: ") for where, _ in problems] == [
        "title",
        "entries[2].question",
        "entries[2].answer",
        "entries[1].id",
        "entries[3].department",
    ]


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("[[entries]\n", "", "not valid TOML"),
        ('entries = "none"\n', ": entries", "array of tables"),
        ("entries = [1]\n", ": entries[0]", "table"),
        ('id = "x"\n', ": entries", "missing"),
    ],
    ids=["bad-toml", "entries-not-array", "entry-not-table", "no-entries"],
)
def test_a_bad_file_is_named(tmp_path: Path, text: str, where: str, what: str) -> None:
    path = write_faq(tmp_path, text)
    problems = load_problems(path)
    assert any(w == f"{path}{where}" and what in m for w, m in problems), problems


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    ((where, what),) = load_problems(tmp_path / "nope.toml")
    assert where == str(tmp_path / "nope.toml") and "cannot read" in what


def test_a_profile_without_a_knowledge_base_has_an_empty_one(tmp_path: Path) -> None:
    profile = load_profile(write_profile(tmp_path / "plain", extends="base"))
    assert len(KnowledgeBase.for_profile(profile)) == 0


def test_for_profile_loads_once_and_again_when_the_file_changes(tmp_path: Path) -> None:
    faq = write_faq(tmp_path / "kb", GOOD_ENTRY.format(id="a"))
    profile = load_profile(write_profile(tmp_path / "kbprof", knowledge_base=faq))
    first = KnowledgeBase.for_profile(profile)
    assert KnowledgeBase.for_profile(profile) is first
    faq.write_text(GOOD_ENTRY.format(id="a") + GOOD_ENTRY.format(id="bb"), encoding="utf-8")
    assert len(KnowledgeBase.for_profile(profile)) == 2


# ---------------------------------------------------------------------------
# At the desk
# ---------------------------------------------------------------------------

ROUTING_TOML = """
[routing]
default = "reception"

[[routing.rules]]
name = "billing"
keywords = ["refund", "invoice"]
department = "billing"
"""


@pytest.fixture
def qa_office(open_office: OpenOffice, tmp_path: Path, clock: ManualClock) -> Office:
    folder = write_profile(
        tmp_path / "riverside", knowledge_base=faq_path("medical"), extra=ROUTING_TOML
    )
    return open_office(folder)


def test_a_known_question_is_answered_and_recorded_once(qa_office: Office) -> None:
    office = qa_office
    rita = receptionist(office)
    with office.desk(rita) as desk:
        answer = desk.questions.answer("  Is there somewhere to leave my car?  ")
    entry = office.knowledge_base.get("parking")
    assert entry is not None
    assert answer.question == "Is there somewhere to leave my car?"
    assert (answer.text, answer.entry_id, answer.source) == (
        entry.answer,
        "parking",
        "knowledge_base",
    )
    assert not answer.escalated and answer.message_id is None and answer.department is None
    assert answer.confidence >= office.profile.questions.threshold
    (event,) = office.events(operation="questions.answer")
    assert event.actor_id == rita.id and event.outcome == "ok" and event.subject == "parking"
    assert event.detail == {
        "source": "knowledge_base",
        "confidence": round(answer.confidence, 4),
        "entry_id": "parking",
        "escalated": False,
        "department": None,
    }
    assert office.messages.list() == []


def test_two_close_entries_are_offered_and_recorded_as_an_offer(
    open_office: OpenOffice, tmp_path: Path
) -> None:
    folder = write_profile(
        tmp_path / "prairie", extends="smallbusiness", knowledge_base=faq_path("smallbusiness")
    )
    office = open_office(folder)
    rita = receptionist(office)
    with office.desk(rita) as desk:
        answer = desk.questions.answer("I am here to pick up my order")
    pickup = office.knowledge_base.get("pickup")
    to_bring = office.knowledge_base.get("pickup-what-to-bring")
    assert pickup is not None and to_bring is not None
    assert answer.source == "offered" and answer.offered == ("pickup", "pickup-what-to-bring")
    assert answer.text == f'Do you mean "{pickup.question}" or "{to_bring.question}"'
    assert answer.entry_id == "pickup"
    assert not answer.escalated and answer.message_id is None and answer.department is None
    assert answer.confidence >= office.profile.questions.threshold
    (event,) = office.events(operation="questions.answer")
    assert event.outcome == "ok" and event.subject == "pickup"
    assert event.detail == {
        "source": "offered",
        "confidence": round(answer.confidence, 4),
        "entry_id": "pickup",
        "escalated": False,
        "department": None,
        "offered": ["pickup", "pickup-what-to-bring"],
    }
    assert "here" not in json.dumps(event.detail)
    assert office.messages.list() == []


def test_an_unrelated_question_is_escalated_as_a_message(qa_office: Office) -> None:
    office = qa_office
    rita = receptionist(office)
    with office.desk(rita) as desk:
        answer = desk.questions.answer("What's the capital of Peru?")
    assert answer.escalated and answer.text is None and answer.source == "escalated"
    assert answer.confidence < office.profile.questions.threshold
    assert answer.department == office.profile.questions.escalate_to == "reception"
    (message,) = office.messages.list()
    assert message.id == answer.message_id
    assert message.for_department == "reception"
    assert message.text == "Question from a customer: What's the capital of Peru?"
    assert message.taken_by == rita.id
    (event,) = office.events(operation="questions.answer")
    assert event.subject == "reception"
    assert event.detail["escalated"] is True
    assert event.detail["department"] == "reception"
    assert event.detail["message_id"] == message.id
    assert "Peru" not in json.dumps(event.detail)  # the question stays in the message only


def test_an_escalated_question_goes_to_the_department_routing_finds(qa_office: Office) -> None:
    office = qa_office
    with office.desk(receptionist(office)) as desk:
        answer = desk.questions.answer("I was charged twice last month and would like a refund")
    assert answer.escalated and answer.department == "billing"
    assert [m.id for m in office.messages.list(department="billing")] == [answer.message_id]
    assert len(office.events(operation="questions.answer")) == 1


def test_escalation_department_follows_routing_rules_then_escalate_to(tmp_path: Path) -> None:
    profile = load_profile(
        write_profile(
            tmp_path / "routed", questions='escalate_to = "administration"', extra=ROUTING_TOML
        )
    )
    at = dt.datetime(2026, 3, 7, 23, 0, tzinfo=dt.UTC)  # a Saturday night: billing is closed
    assert escalation_department(profile, "a question about my invoice", at=at) == "billing"
    assert escalation_department(profile, "what's the capital of Peru?", at=at) == "administration"


def test_escalate_to_is_the_fallback_department(open_office: OpenOffice, tmp_path: Path) -> None:
    folder = write_profile(
        tmp_path / "admin-escalation",
        knowledge_base=faq_path("medical"),
        questions='escalate_to = "administration"\nthreshold = 0.9',
    )
    office = open_office(folder)
    with office.desk(receptionist(office)) as desk:
        answer = desk.questions.answer("can I leave my car there overnight?")  # about 0.6 < 0.9
    assert answer.escalated and answer.entry_id == "parking"  # the nearest entry is kept
    assert answer.department == "administration"
    (message,) = office.messages.list(department="administration")
    assert message.id == answer.message_id


def test_a_blank_question_is_refused_and_nothing_is_written(qa_office: Office) -> None:
    office = qa_office
    with office.desk(receptionist(office)) as desk:
        for blank in ("", "   \n"):
            with pytest.raises(ValidationError) as info:
                desk.questions.answer(blank)
            assert info.value.problems[0].where == "question"
        with pytest.raises(ValidationError):
            desk.questions.answer("why? " * 500)
    assert office.events(operation="questions.") == []
    assert office.messages.list() == []


def test_staff_without_the_responsibility_are_refused_and_it_is_recorded(
    qa_office: Office,
) -> None:
    office = qa_office
    clerk = office.staff.hire("Carl Penn", roles=["clerk"])
    with office.desk(clerk) as desk, pytest.raises(PermissionDenied):
        desk.questions.answer("What's the capital of Peru?")
    (event,) = office.events(operation="questions.answer")
    assert event.outcome == "denied"
    assert office.messages.list() == []


def test_a_broken_knowledge_base_stops_the_office_opening(
    open_office: OpenOffice, tmp_path: Path, store_url: str
) -> None:
    faq = write_faq(tmp_path / "broken", GOOD_ENTRY.format(id="a") * 2)
    with pytest.raises(ProfileError) as info:
        open_office(write_profile(tmp_path / "brokenkb", knowledge_base=faq))
    assert info.value.problems[0].where.endswith("faq.toml: entries[1].id")
    # nothing was created: the store is still empty
    engine = sa.create_engine(store_url)
    try:
        assert "offices" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


class FaqBot:
    """A plugin answering questions about the canteen from its own source."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    @hookimpl
    def officekit_answer_question(self, office: Office, question: str) -> Answer | None:
        self.asked.append(question)
        if "canteen" not in question.casefold():
            return None
        return Answer(question, "The canteen opens at noon.", 0.9, source="plugin:faq-bot")


def test_hook_answer_question(
    open_office: OpenOffice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = FaqBot()
    folder = write_profile(tmp_path / "withbot", knowledge_base=faq_path("medical"))
    office = open_office(folder, plugins=[bot])
    rita = receptionist(office)
    searched: list[str] = []
    real_search = KnowledgeBase.search

    def spy(self: KnowledgeBase, question: str) -> Any:
        searched.append(question)
        return real_search(self, question)

    monkeypatch.setattr(KnowledgeBase, "search", spy)
    with office.desk(rita) as desk:
        answer = desk.questions.answer("When does the canteen open?")
        assert searched == []  # the plugin answered first: the knowledge base was not consulted
        assert answer.text == "The canteen opens at noon." and answer.source == "plugin:faq-bot"
        assert not answer.escalated
        fallback = desk.questions.answer(
            "is there somewhere to leave my car?"
        )  # the plugin returns None
    assert bot.asked == ["When does the canteen open?", "is there somewhere to leave my car?"]
    assert searched == ["is there somewhere to leave my car?"]
    assert fallback.entry_id == "parking" and fallback.source == "knowledge_base"
    first, second = office.events(operation="questions.answer")
    assert first.detail["source"] == "plugin:faq-bot" and first.subject == "plugin:faq-bot"
    assert second.detail["source"] == "knowledge_base"


class Escalator:
    @hookimpl
    def officekit_answer_question(self, office: Office, question: str) -> Answer:
        return Answer(
            question, None, 0.2, source="plugin:escalator", escalated=True, department="billing"
        )


class Sloppy:
    @hookimpl
    def officekit_answer_question(self, office: Office, question: str) -> Any:
        return Answer(question, "Sure.", 1.0, source="guesswork")


def test_a_plugin_may_escalate_but_not_answer_unsigned(
    open_office: OpenOffice, tmp_path: Path
) -> None:
    folder = write_profile(tmp_path / "plugged", knowledge_base=faq_path("medical"))
    office = open_office(folder, plugins=[Escalator()], key="escalator")
    with office.desk(receptionist(office)) as desk:
        answer = desk.questions.answer("Can I pay in instalments?")
    assert answer.escalated and answer.department == "billing" and answer.message_id is not None
    assert answer.source == "plugin:escalator"
    (message,) = office.messages.list(department="billing")
    assert message.text == "Question from a customer: Can I pay in instalments?"

    sloppy = open_office(folder, plugins=[Sloppy()], key="sloppy")
    with sloppy.desk(receptionist(sloppy, "Sam Lee")) as desk, pytest.raises(PluginError):
        desk.questions.answer("Can I pay in instalments?")
    assert sloppy.events(operation="questions.") == []


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

_WORD = st.from_regex(r"[a-z]{3,9}", fullmatch=True).filter(
    lambda w: w not in STOPWORDS and w not in FILLER_WORDS
)


@given(st.text(max_size=200))
def test_confidence_is_always_between_0_and_1(question: str) -> None:
    for sector in ("medical", "smallbusiness"):
        match = shipped_kb(sector).search(question)
        assert match is None or 0.0 <= match.confidence <= 1.0


@given(
    st.lists(
        st.tuples(st.lists(_WORD, min_size=1, max_size=6), st.lists(_WORD, max_size=12)),
        min_size=1,
        max_size=12,
        unique_by=lambda qa: tuple(analyse(" ".join(qa[0]))),
    ),
    st.data(),
)
def test_an_entrys_own_question_finds_it_with_confidence_1(
    texts: list[tuple[list[str], list[str]]], data: st.DataObject
) -> None:
    entries = [
        KBEntry(f"e{i}", " ".join(q).capitalize() + "?", " ".join(a) or "Yes.")
        for i, (q, a) in enumerate(texts)
    ]
    kb = KnowledgeBase.from_entries(entries)
    chosen = data.draw(st.sampled_from(entries))
    match = kb.search(chosen.question.upper())
    assert match is not None
    assert match.entry.id == chosen.id
    assert match.confidence == 1.0
    noisy = kb.search(f"{chosen.question} {data.draw(_WORD)}")
    assert noisy is not None and 0.0 <= noisy.confidence <= 1.0
