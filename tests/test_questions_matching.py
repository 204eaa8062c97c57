"""Question matching: stems, typos, synonyms, the margin rule, calibration, the evaluation set."""

from __future__ import annotations

import importlib.util
import json
import math
import random
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officekit import ProfileError, ValidationError, load_profile
from officekit.core.profile import shipped_profiles_dir
from officekit.plugins.reception.calibrate import fit, shipped_knowledge_bases
from officekit.plugins.reception.matching import (
    CALIBRATION_FILE,
    Calibration,
    Synonyms,
    Vocabulary,
    fit_logistic,
    stem,
)
from officekit.plugins.reception.questions import KBEntry, KnowledgeBase, Match, decide
from officekit.plugins.reception.settings import QUESTIONS

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "data" / "reception_eval"
SECTORS = ("medical", "legal", "education", "smallbusiness")

_KBS: dict[str, KnowledgeBase] = {}


def shipped_kb(sector: str) -> KnowledgeBase:
    if sector not in _KBS:
        _KBS[sector] = KnowledgeBase.for_profile(load_profile(sector))
    return _KBS[sector]


def threshold(sector: str) -> float:
    return load_profile(sector).section(QUESTIONS).threshold


def outcome(sector: str, question: str) -> tuple[str, list[str]]:
    decision = shipped_kb(sector).decide(question, threshold=threshold(sector))
    return decision.outcome, [e.id for e in decision.entries]


# ---------------------------------------------------------------------------
# Stems and typos
# ---------------------------------------------------------------------------


def test_the_snowball_stemmer_makes_word_forms_meet() -> None:
    assert stem("cancelled") == stem("cancellation") == stem("cancel") == "cancel"
    assert stem("accessibility") == stem("accessible") == stem("access")
    assert stem("vaccinations") == stem("vaccination")
    assert stem("tomorrow's") == "tomorrow"
    assert stem("2026") == "2026"


def test_a_misspelt_word_is_read_within_one_or_two_edits() -> None:
    vocabulary = Vocabulary(
        {"prescription": "prescript", "wheelchair": "wheelchair", "lost": "lost"}
    )
    assert vocabulary.correct("prescripton") == "prescript"  # a letter left out
    assert vocabulary.correct("perscriptoin") == "prescript"  # two swaps, 12 letters
    assert vocabulary.correct("wheelchiar") == "wheelchair"  # a swap counts as one edit
    assert vocabulary.correct("lsot") is None  # shorter than five letters: never guessed
    assert vocabulary.correct("wheelbarrow") is None


def test_a_misspelt_question_finds_its_entry() -> None:
    kb = shipped_kb("medical")
    right = kb.search("how do I order a repeat prescription?")
    typo = kb.search("how do I order a repeat prescripton?")
    assert right is not None and typo is not None
    assert typo.entry.id == right.entry.id == "repeat-prescription"
    assert typo.coverage < right.coverage


# ---------------------------------------------------------------------------
# The questions the issue names
# ---------------------------------------------------------------------------

ISSUE_QUESTIONS = [
    ("medical", "is there wheelchair access", "accessibility"),
    ("smallbusiness", "can I collect my order in store", "pickup"),
    ("medical", "I need to cancel tomorrow's appointment", "change-appointment"),
    ("smallbusiness", "do you deliver to my area", "delivery"),
    ("education", "my kid lost his jacket", "lost-property"),
]


@pytest.mark.parametrize(("sector", "question", "entry_id"), ISSUE_QUESTIONS)
def test_the_issues_questions_find_their_entry_and_are_never_answered_wrongly(
    sector: str, question: str, entry_id: str
) -> None:
    match = shipped_kb(sector).search(question)
    assert match is not None and match.entry.id == entry_id
    kind, ids = outcome(sector, question)
    assert kind == "escalated" or entry_id in ids


def test_wheelchair_access_is_answered_from_accessibility_not_medical_records() -> None:
    assert outcome("medical", "is there wheelchair access") == ("answered", ["accessibility"])


def test_collect_my_order_is_never_answered_with_what_to_bring() -> None:
    kind, ids = outcome("smallbusiness", "can I collect my order in store")
    assert (kind, ids) != ("answered", ["pickup-what-to-bring"])


# ---------------------------------------------------------------------------
# Synonyms
# ---------------------------------------------------------------------------

CLINIC = [
    KBEntry("flu", "When can I get a flu vaccination?", "October to December.", None, ("winter",)),
    KBEntry("note", "How do I get a fit note?", "Ask the doctor after seven days.", None),
    KBEntry("hours", "What are your opening hours?", "8 to 6.", None, ("open",)),
    KBEntry("parking", "Where can I park?", "Behind the building.", None, ("car park",)),
]


def test_a_synonym_is_read_as_its_term_in_questions_and_entries() -> None:
    plain = KnowledgeBase.from_entries(CLINIC)
    kb = KnowledgeBase.from_entries(
        CLINIC, synonyms={"vaccination": ["jab", "jabs"], "fit note": ["sick note"]}
    )
    assert plain.search("can I have my flu jab") is not None
    jab, plain_jab = kb.search("I want a jab"), plain.search("I want a jab")
    assert plain_jab is None
    assert jab is not None and jab.entry.id == "flu"
    sick = kb.search("I need a sick note for work")
    assert sick is not None and sick.entry.id == "note"
    assert sick.coverage > (plain.search("I need a sick note for work") or sick).coverage - 1
    # the other way round: an entry written with the synonym meets the term
    other = KnowledgeBase.from_entries(
        [KBEntry("jabs", "Do you give jabs?", "Yes.", None), *CLINIC[2:]],
        synonyms={"vaccination": ["jab", "jabs"]},
    )
    found = other.search("do you offer vaccinations")
    assert found is not None and found.entry.id == "jabs"


def test_the_longest_synonym_phrase_wins() -> None:
    synonyms = Synonyms.from_table({"fit note": ["sick note", "note"], "doctor": ["gp"]})
    stems = [stem("sick"), stem("note"), stem("gp")]
    assert synonyms.rewrite(stems) == [((0, 1), ("fit", "note")), ((2,), ("doctor",))]
    assert Synonyms().rewrite(stems) == [((0,), ("sick",)), ((1,), ("note",)), ((2,), ("gp",))]


BAD_SYNONYMS: list[tuple[Any, str, str]] = [
    ({"vaccination": ""}, "synonyms.vaccination", "cannot be blank"),
    ({"vaccination": ["jab", " "]}, "synonyms.vaccination[1]", "cannot be blank"),
    ({"vaccination": ["the"]}, "synonyms.vaccination[0]", "only common words"),
    ({"vaccination": ["vaccinations"]}, "synonyms.vaccination[0]", "the term itself"),
    ({"vaccination": ["jab"], "jab": ["shot"]}, "synonyms.vaccination[0]", "itself a term"),
    ({"vaccination": ["jab"], "injection": ["jab"]}, "synonyms.injection[0]", "already a synonym"),
    ({"vaccination": 3}, "synonyms.vaccination", "expected a string or a list of strings"),
    ({"vaccination": ["jab", 3]}, "synonyms.vaccination", "expected a string or a list"),
    ({"vaccination": []}, "synonyms.vaccination", "at least one synonym"),
    ({"the": ["jab"]}, "synonyms.the", "only common words"),
    ({"fit note": {"a": 1}}, 'synonyms."fit note"', "expected a string or a list"),
]


def test_a_term_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ValidationError, match="a term is a string"):
        KnowledgeBase.from_entries(CLINIC, synonyms={3: ["jab"]})  # type: ignore[dict-item]


@pytest.mark.parametrize(("table", "where", "what"), BAD_SYNONYMS)
def test_a_bad_synonym_is_named_by_key_path(table: Any, where: str, what: str) -> None:
    with pytest.raises(ValidationError) as caught:
        KnowledgeBase.from_entries(CLINIC, synonyms=table)
    assert any(p.where == where and what in p.what for p in caught.value.problems), caught.value


@pytest.mark.parametrize(("table", "where", "what"), BAD_SYNONYMS)
def test_a_bad_synonyms_table_in_a_file_names_file_and_key_path(
    tmp_path: Path, table: Any, where: str, what: str
) -> None:
    faq = tmp_path / "faq.toml"
    lines = ["[synonyms]"]
    for term, value in table.items():
        lines.append(f"{json.dumps(term)} = {_toml(value)}")
    lines += ["", "[[entries]]", 'id = "flu"', 'question = "Flu jab?"', 'answer = "Yes."']
    faq.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        KnowledgeBase.load(faq)
    assert any(
        p.where.endswith(f"faq.toml: {where}") and what in p.what for p in caught.value.problems
    ), caught.value


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def test_synonyms_must_be_a_table(tmp_path: Path) -> None:
    faq = tmp_path / "faq.toml"
    faq.write_text('synonyms = "jab"\n[[entries]]\nid = "a"\nquestion = "A?"\nanswer = "A."\n')
    with pytest.raises(ProfileError, match="synonyms: expected a table"):
        KnowledgeBase.load(faq)


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


@given(st.dictionaries(st.text(max_size=12), _values, max_size=4))
def test_any_synonyms_table_builds_or_is_refused_with_a_validation_error(table: Any) -> None:
    if Synonyms.problems(table):
        with pytest.raises(ValidationError) as caught:
            KnowledgeBase.from_entries(CLINIC, synonyms=table)
        assert all(p.where.startswith("synonyms") for p in caught.value.problems)
    else:
        kb = KnowledgeBase.from_entries(CLINIC, synonyms=table)
        assert kb.search("flu vaccination") is not None
        for term, value in table.items():  # a single string is one synonym, not its letters
            assert kb.synonyms[term] == ((value,) if isinstance(value, str) else tuple(value))


def test_a_synonym_given_as_one_string_is_one_synonym() -> None:
    kb = KnowledgeBase.from_entries(CLINIC, synonyms={"vaccination": "jab"})
    assert kb.synonyms == {"vaccination": ("jab",)}
    found = kb.search("I want a jab")
    assert found is not None and found.entry.id == "flu"
    assert kb.search("j a b") is None


@given(st.one_of(st.integers(), st.text(), st.lists(st.integers(), max_size=3)))
def test_a_synonyms_value_of_the_wrong_type_is_refused(value: Any) -> None:
    problems = Synonyms.problems({"vaccination": value})
    if isinstance(value, str) and value.strip() and stem(value.strip().casefold()) != "vaccin":
        return  # a string can be a fine synonym
    if isinstance(value, list) and not value:
        assert problems
        return
    if not isinstance(value, str):
        assert any("expected a string or a list of strings" in what for _, what in problems)


@pytest.mark.parametrize("sector", SECTORS)
def test_the_shipped_knowledge_bases_have_synonyms(sector: str) -> None:
    kb = shipped_kb(sector)
    assert kb.synonyms
    assert Synonyms.problems({t: list(v) for t, v in kb.synonyms.items()}) == []


# ---------------------------------------------------------------------------
# The margin rule
# ---------------------------------------------------------------------------

A = KBEntry("a", "Question A?", "Answer A.")
B = KBEntry("b", "Question B?", "Answer B.")


def a_match(
    confidence: float,
    separation: float,
    pair: float,
    *,
    runner_up: bool = True,
    exact: bool = False,
) -> Match:
    return Match(
        A, confidence, 3.0, separation=separation, runner_up=B if runner_up else None,
        pair_confidence=pair, exact=exact,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        (a_match(0.97, 0.5, 0.97), ("answered", ["a"])),  # sure and ahead: answered
        (a_match(0.97, 0.05, 0.99), ("offered", ["a", "b"])),  # sure but close: offered
        (a_match(0.6, 0.05, 0.96), ("offered", ["a", "b"])),  # the pair is sure: offered
        (a_match(0.6, 0.5, 0.96), ("escalated", [])),  # not close: no offer
        (a_match(0.6, 0.05, 0.9), ("escalated", [])),  # the pair is not sure either
        (a_match(0.97, 0.05, 0.0, runner_up=False), ("escalated", [])),
        (a_match(1.0, 0.0, 1.0, exact=True), ("answered", ["a"])),  # its own question
        (None, ("escalated", [])),
    ],
)
def test_the_margin_rule(match: Match | None, expected: tuple[str, list[str]]) -> None:
    decision = decide(match, 0.95, 0.3)
    assert (decision.outcome, [e.id for e in decision.entries]) == expected
    if decision.outcome == "offered":
        assert decision.prompt == 'Do you mean "Question A?" or "Question B?"'
        assert decision.confidence == 0.99 or decision.confidence == 0.96
    else:
        assert decision.prompt is None


def test_the_margin_rule_on_a_shipped_knowledge_base() -> None:
    kb = shipped_kb("smallbusiness")
    decision = kb.decide("I am here to pick up my order", threshold=0.95)
    assert decision.outcome == "offered"
    assert [e.id for e in decision.entries] == ["pickup", "pickup-what-to-bring"]
    assert decision.match is not None and decision.match.separation < kb.calibration.margin


def _ask(tmp_path: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "officekit", "ask", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_officekit_ask_offers_two_close_entries(tmp_path: Path) -> None:
    question = "I am here to pick up my order"
    text = _ask(tmp_path, question, "--profile", "smallbusiness")
    assert (
        'Do you mean "Can I pick up my order?" or "What do I need to bring to collect an order?"'
        in text
    )
    data = json.loads(_ask(tmp_path, question, "--profile", "smallbusiness", "--format", "json"))
    assert data["outcome"] == "offered" and data["offered"] == ["pickup", "pickup-what-to-bring"]
    assert data["answered"] is False and data["escalate_to"] is None
    assert data["prompt"].startswith("Do you mean")


# ---------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------


def test_the_shipped_calibration_is_monotone_and_matches_the_profiles() -> None:
    calibration = Calibration.load()
    assert all(c >= 0 for c in calibration.answer[1:]) and len(calibration.answer) == 5
    assert all(c >= 0 for c in calibration.offer[1:]) and len(calibration.offer) == 5
    assert 0 <= calibration.margin <= 1
    for sector in SECTORS:
        assert threshold(sector) == calibration.threshold


_unit = st.floats(min_value=0, max_value=1)


@given(st.lists(_unit, min_size=4, max_size=4), st.integers(0, 3), _unit)
def test_calibrated_confidence_is_in_0_1_and_never_falls_when_a_measure_rises(
    measures: list[float], which: int, rise: float
) -> None:
    calibration = Calibration.load()
    higher = list(measures)
    higher[which] = min(1.0, higher[which] + rise)
    for p in (calibration.p_answer, calibration.p_offer):
        low, high = p(*measures), p(*higher)
        assert 0 <= low <= 1 and 0 <= high <= 1
        assert high >= low


def test_a_search_confidence_is_the_calibration_of_its_measures() -> None:
    match = shipped_kb("medical").search("can I see a copy of my notes?")
    assert match is not None and not match.exact
    expected = Calibration.load().p_answer(
        match.coverage, match.key_coverage, match.evidence, match.separation
    )
    assert math.isclose(match.confidence, expected)


def test_the_calibration_needs_as_many_measures_as_it_has_coefficients() -> None:
    with pytest.raises(ValueError, match="expected 4 measures"):
        Calibration.load().p_answer(0.5, 0.5)


def test_fit_logistic_finds_a_monotone_fit() -> None:
    rng = random.Random(3)
    rows = []
    for _ in range(2000):
        x, noise = rng.random(), rng.random()
        rows.append(((x, noise), rng.random() < 1 / (1 + math.exp(-(8 * x - 4)))))
    c0, c_x, c_noise = fit_logistic(rows)
    assert 6 < c_x < 10 and -5 < c0 < -3
    assert c_noise >= 0  # a feature that would get a negative coefficient is left out
    rows_down = [((x, 1 - x), y) for (x, _), y in rows]
    assert fit_logistic(rows_down)[2] == 0.0
    assert fit_logistic(rows_down, monotone=False)[2] < 0
    with pytest.raises(ValueError, match="nothing to fit"):
        fit_logistic([])


def test_the_shipped_calibration_is_what_calibrate_fits(tmp_path: Path) -> None:
    fitted = fit(shipped_knowledge_bases())
    shipped = Calibration.load()
    assert fitted.threshold == shipped.threshold and fitted.margin == shipped.margin
    for got, want in ((fitted.answer, shipped.answer), (fitted.offer, shipped.offer)):
        assert all(math.isclose(g, w, abs_tol=1e-6) for g, w in zip(got, want, strict=True))
    fitted.dump(tmp_path / "c.json")
    assert Calibration.load(tmp_path / "c.json") == fitted
    assert CALIBRATION_FILE.is_file()


# ---------------------------------------------------------------------------
# The evaluation set (tests/data/reception_eval)
# ---------------------------------------------------------------------------


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "reception_eval", ROOT / "benchmarks" / "reception_eval.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_RESULTS: dict[str, dict[str, Any]] = {}


def evaluated(sector: str) -> dict[str, Any]:
    if sector not in _RESULTS:
        _RESULTS[sector] = _benchmark().evaluate(sector, EVAL)
    return _RESULTS[sector]


@pytest.mark.parametrize("sector", SECTORS)
def test_the_evaluation_set_is_labelled_with_entries_or_escalate(sector: str) -> None:
    with (EVAL / f"{sector}.toml").open("rb") as fh:
        questions = tomllib.load(fh)["questions"]
    assert len(questions) >= 200
    assert len({q["text"] for q in questions}) == len(questions)
    ids = {entry.id for entry in shipped_kb(sector)} | {"escalate"}
    assert {q["expect"] for q in questions} <= ids
    assert shipped_profiles_dir().is_dir()


# What the matcher achieves today, as measured when it was written (see the
# reception guide): a change that makes any sector worse fails here.
FLOORS = {  # sector: (least score, most wrong share); measured: 68.7%/1.6%, 73.2%/0.3%, ...
    "medical": (0.68, 0.016),
    "legal": (0.72, 0.004),
    "education": (0.75, 0.014),
    "smallbusiness": (0.62, 0.021),
}


@pytest.mark.parametrize("sector", SECTORS)
def test_the_evaluation_set_does_not_regress(sector: str) -> None:
    result = evaluated(sector)
    score, wrong = FLOORS[sector]
    assert result["score"] >= score, result
    assert result["wrong_share"] <= wrong, result


@pytest.mark.xfail(
    reason="issue 12's targets (85% right, offers half; at most 1% wrong) are not reached yet: "
    "see the reception guide's figures",
    strict=False,
)
@pytest.mark.parametrize("sector", SECTORS)
def test_the_evaluation_set_meets_the_issues_targets(sector: str) -> None:
    result = evaluated(sector)
    assert result["score"] >= 0.85 and result["wrong_share"] <= 0.01, result


def _ceiling() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(
            "reception_ceiling", ROOT / "benchmarks" / "reception_ceiling.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def test_the_ceiling_picks_the_best_cut_off_within_the_wrong_target() -> None:
    best_rule = _ceiling().best_rule
    # 200 questions: 100 to escalate. Scores: two right answers, then one wrong
    # (a question to escalate), then three right, then two wrong.
    scored = [
        (0.9, True, False),
        (0.8, True, False),
        (0.7, False, True),
        (0.6, True, False),
        (0.5, True, False),
        (0.4, True, False),
        (0.3, False, True),
        (0.2, False, False),
    ]
    # Wrong may reach 2 (1% of 200): the best cut-off is 0.4 (5 right, 1 wrong);
    # of the 2 questions to escalate among the scored, the one not answered is
    # right too. (Questions no rule can answer are the caller's to add.)
    score, cut, right, wrong = best_rule(scored, 200)
    assert (cut, right, wrong) == (0.4, 5, 1)
    assert score == (5 + 1) / 200
    # answering nothing is a rule too: all questions to escalate right
    assert best_rule([(0.9, False, True)], 50)[0] == 1 / 50
    assert best_rule([(0.9, False, True)], 50)[1] == math.inf


def test_the_ceiling_of_the_desks_confidence_is_at_least_what_the_desk_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    module = _ceiling()
    result = module.ceiling("legal", EVAL, None)
    lexical = result["lexical"]
    assert result["questions"] == evaluated("legal")["questions"]
    assert 0.0 < lexical["score"] <= 1.0 and lexical["wrong"] <= 0.01 * result["questions"]
    # the desk answers at its threshold (and margin) with at most 1% wrong in this
    # sector: the best cut-off of the same confidence does at least as well
    desk = evaluated("legal")
    assert desk["wrong_share"] <= 0.01
    assert lexical["score"] >= desk["right"] / desk["questions"]
    assert module.main(["--sector", "legal"]) == 0
    assert "legal" in capsys.readouterr().out
