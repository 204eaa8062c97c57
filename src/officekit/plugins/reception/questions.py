"""Customers' questions: answered from a knowledge base, or escalated as a message.

A profile names a knowledge base (``[questions] knowledge_base = "faq.toml"``):
a TOML file of ``[[entries]]``, each a question customers ask, its answer, the
department it concerns and extra keywords (synonyms, the words customers use)::

    [[entries]]
    id = "parking"
    question = "Where can I park?"
    answer = "Our car park is behind the building; two bays are reserved for blue badges."
    department = "reception"
    keywords = ["car park", "car", "parking space", "blue badge"]

[`KnowledgeBase.search`][officekit.plugins.reception.questions.KnowledgeBase.search] finds
the entry a question is about with BM25 ranking over word stems, and says how
sure it is (its *confidence*, defined there). At the desk,
``desk.questions.answer(question)``
([`answer_question`][officekit.plugins.reception.questions.answer_question])
asks the plugins first, then the knowledge base; a question whose confidence is
below the profile's ``threshold`` is not answered but left as a message for the
department it concerns. Either way one ``questions.answer`` event is recorded.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import cattrs
import sqlalchemy as sa

from officekit.core.convert import format_structuring_error, parse_cattrs_path, strict_converter
from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.profile import Profile
from officekit.core.validate import check_aware, text_field
from officekit.errors import PluginError, Problem, ProfileError, ValidationError
from officekit.plugins.reception import hooks
from officekit.plugins.reception.calls import CALLS
from officekit.plugins.reception.messages import due_time, insert_message
from officekit.plugins.reception.routing import Router
from officekit.plugins.reception.settings import QUESTIONS
from officekit.plugins.reception.text import STOPWORDS, stem, words

if TYPE_CHECKING:
    from officekit.core.desk import Desk
    from officekit.core.office import Office

__all__ = [
    "FILLER_WORDS",
    "FUZZY_DISCOUNT",
    "KNOWLEDGE_BASE",
    "MAX_QUESTION_LENGTH",
    "QUESTION_DESK",
    "Answer",
    "KBEntry",
    "KnowledgeBase",
    "Match",
    "QuestionDesk",
    "analyse",
    "answer_question",
    "escalation_department",
    "knowledge_base_problems",
]

MAX_QUESTION_LENGTH = 2000
"""The longest question accepted at the desk, in characters."""

FILLER_WORDS = frozenset(
    {
        "hello", "hi", "hey", "thanks", "thank", "know", "tell", "wondering", "wonder",
        "like", "want", "wanted", "need", "needs", "just", "also", "actually", "really", "ok",
        "okay", "possible", "anyone", "someone", "somebody", "should", "shall", "may", "might",
        "must", "i've", "i'll", "you're", "you've", "we're", "what's", "where's", "when's",
        "how's", "who's", "there's", "let", "mind", "some", "not", "no", "yes",
        "anything", "something", "somewhere", "anywhere", "all", "get", "got", "one", "he",
        "she", "him", "her", "his", "hers", "they", "he's", "she's", "they're", "won't",
        "don't", "didn't", "doesn't", "isn't", "aren't", "wasn't", "very", "quite", "sure",
        "yet", "ago", "already", "still", "soon", "currently", "recently", "guys", "good",
        "morning", "afternoon", "sorry", "bother", "excuse", "quick", "question", "dear",
    }
)  # fmt: skip
"""Conversational words dropped, with `STOPWORDS`, from questions and entries alike.

They say that something is asked ("I'd like to know...", "could you tell me...")
but never what about, so they would only dilute a question's confidence.
"""

FUZZY_DISCOUNT = 0.8
"""How much a misspelt word read as a word of the knowledge base counts (exact: 1)."""

K1 = 1.2
"""BM25 term-frequency saturation."""

B = 0.75
"""BM25 length normalisation."""

QUESTION_WEIGHT = 2.0
"""How many times a word of an entry's question counts in its term frequency."""

KEYWORDS_WEIGHT = 2.0
"""How many times a word of an entry's keywords counts in its term frequency."""

ANSWER_WEIGHT = 1.0
"""How many times a word of an entry's answer counts in its term frequency."""

_FUZZY_MIN_LENGTH = 5
_FUZZY_RATIO = 0.85
_FUZZY_CACHE_SIZE = 10_000


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


@attrs.frozen
class KBEntry:
    """One entry of a knowledge base: a question customers ask, and its answer.

    Attributes:
        id: Its key, unique in the knowledge base (recorded in events).
        question: The question, as customers typically ask it.
        answer: What to tell them.
        department: The department the question concerns, if any.
        keywords: Other words or phrases customers use for it (synonyms, names).
    """

    id: str
    question: str
    answer: str
    department: str | None = None
    keywords: tuple[str, ...] = ()


@attrs.frozen
class Match:
    """The knowledge-base entry a question is about, and how sure the search is.

    Attributes:
        entry: The best entry.
        confidence: From 0 to 1: the share of the question's information the entry
            covers (see
            [`KnowledgeBase.search`][officekit.plugins.reception.questions.KnowledgeBase.search]).
        score: The entry's BM25 score (only comparable within one knowledge base).
    """

    entry: KBEntry
    confidence: float
    score: float


def _check_confidence(_: Any, __: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"a confidence is a number from 0 to 1, got {value!r}")


@attrs.frozen
class Answer:
    """What the desk answered to a customer's question, or that it escalated it.

    Attributes:
        question: The question as asked.
        text: The answer to give; None when the question was escalated.
        confidence: How sure the answer is, from 0 to 1.
        entry_id: The knowledge-base entry answered from; for an escalated question,
            the nearest entry, if any.
        source: ``"knowledge_base"``, ``"plugin:<name>"`` or ``"escalated"``.
        escalated: True when the question was left as a message instead of answered.
        department: The department it was escalated to.
        message_id: The message left for that department.
    """

    question: str
    text: str | None
    confidence: float = attrs.field(validator=_check_confidence)
    entry_id: str | None = None
    source: str = "knowledge_base"
    escalated: bool = False
    department: str | None = None
    message_id: int | None = None


# ---------------------------------------------------------------------------
# Text analysis
# ---------------------------------------------------------------------------


def _analyse_words(text: str) -> list[tuple[str, str]]:
    """Return ``(word, stem)`` for each word of ``text`` that carries meaning."""
    return [(w, stem(w)) for w in words(text) if w not in STOPWORDS and w not in FILLER_WORDS]


def analyse(text: str) -> list[str]:
    """Return the stems of ``text`` that a knowledge base indexes and searches, in order.

    Like [`tokens`][officekit.plugins.reception.text.tokens] with stopwords dropped, and
    `FILLER_WORDS` dropped too.
    """
    return [s for _, s in _analyse_words(text)]


def _question_key(text: str, analysed: Sequence[tuple[str, str]] | None = None) -> tuple[str, ...]:
    """What identifies a question word for word: its meaningful stems (all, if none)."""
    pairs = _analyse_words(text) if analysed is None else analysed
    return tuple(s for _, s in pairs) or tuple(stem(w) for w in words(text))


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _label(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _structure_entry(item: Any, where: str) -> tuple[KBEntry | None, list[tuple[str, str]]]:
    """Structure one ``[[entries]]`` table strictly; on failure, say what and where."""
    if not isinstance(item, dict):
        return None, [(where, "expected a table ([[entries]])")]
    problems: list[tuple[str, str]] = []
    keywords = item.get("keywords")
    if "keywords" in item and not isinstance(keywords, list):
        # The converter would read a string letter by letter: refuse it here.
        problems.append((f"{where}.keywords", f"expected a list of strings, got {keywords!r}"))
        item = {k: v for k, v in item.items() if k != "keywords"}
    try:
        entry = strict_converter.structure(item, KBEntry)
    except Exception as exc:
        if not isinstance(exc, cattrs.BaseValidationError | TypeError | ValueError | KeyError):
            raise
        for message in cattrs.transform_error(exc, format_exception=format_structuring_error):
            what, _, path = message.rpartition(" @ ")
            key_path = ".".join([where, *parse_cattrs_path(path)])
            if what.startswith("unknown key(s): "):
                for key in what.removeprefix("unknown key(s): ").split(", "):
                    problems.append((f"{key_path}.{key}", "unknown key"))
            else:
                problems.append((key_path, what))
        return None, problems
    return (None if problems else entry), problems


def _structure(data: Mapping[str, Any]) -> tuple[list[tuple[int, KBEntry]], list[tuple[str, str]]]:
    """Structure a knowledge-base document entry by entry, so that every problem is found.

    Returns the entries that are well typed, with their positions, and the
    ``(key path, what)`` problems.
    """
    problems = [(key, "unknown key") for key in data if key != "entries"]
    if "entries" not in data:
        return [], [*problems, ("entries", "required key is missing")]
    items = data["entries"]
    if not isinstance(items, list):
        return [], [*problems, ("entries", "expected an array of tables ([[entries]])")]
    entries: list[tuple[int, KBEntry]] = []
    for i, item in enumerate(items):
        entry, entry_problems = _structure_entry(item, f"entries[{i}]")
        problems += entry_problems
        if entry is not None:
            entries.append((i, entry))
    return entries, problems


def _entry_problems(
    entries: Iterable[tuple[int, KBEntry]], departments: Iterable[str] | None
) -> list[tuple[str, str]]:
    """Check what the types cannot: blank texts, duplicate ids, unknown departments."""
    problems: list[tuple[str, str]] = []
    known = None if departments is None else list(departments)
    seen: dict[str, int] = {}
    for i, entry in entries:
        where = f"entries[{i}]"
        for key in ("id", "question", "answer"):
            if not getattr(entry, key).strip():
                problems.append((f"{where}.{key}", f"the {key} cannot be blank"))
        if entry.question.strip() and not words(entry.question):
            problems.append((f"{where}.question", "a question needs at least one word"))
        if entry.id in seen:
            problems.append(
                (f"{where}.id", f"id {entry.id!r} is already used by entries[{seen[entry.id]}]")
            )
        seen.setdefault(entry.id, i)
        if known is not None and entry.department is not None and entry.department not in known:
            problems.append(
                (
                    f"{where}.department",
                    f"no department named {entry.department!r} (known: {', '.join(known)})",
                )
            )
        for j, keyword in enumerate(entry.keywords):
            if not keyword.strip():
                problems.append((f"{where}.keywords[{j}]", "a keyword cannot be blank"))
    return problems


_Paths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def _paths(path: _Paths) -> list[Path]:
    """One file or several, each once (the first time it is named), in order."""
    given = [path] if isinstance(path, str | os.PathLike) else list(path)
    files: dict[Path, Path] = {}
    for item in given:
        file = Path(item)
        files.setdefault(file.resolve(), file)
    return list(files.values())


def _read_file(
    file: Path, departments: Iterable[str] | None
) -> tuple[list[tuple[int, KBEntry]], list[Problem]]:
    label = _label(file)
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        return [], [Problem(label, f"not valid TOML: {exc}")]
    except OSError as exc:
        return [], [Problem(label, f"cannot read: {exc.strerror}")]
    entries, found = _structure(data)
    found += _entry_problems(entries, departments)
    return entries, [Problem(f"{label}: {where}", what) for where, what in found]


def _read(
    path: _Paths, departments: Iterable[str] | None
) -> tuple[tuple[KBEntry, ...], list[Problem]]:
    """Read one knowledge-base file or several; an id is unique across all of them."""
    entries: list[KBEntry] = []
    problems: list[Problem] = []
    first: dict[str, tuple[str, int]] = {}  # id -> the file and index that used it first
    for file in _paths(path):
        label = _label(file)
        indexed, found = _read_file(file, departments)
        problems += found
        for i, entry in indexed:
            used = first.setdefault(entry.id, (label, i))
            if used[0] != label:
                problems.append(
                    Problem(
                        f"{label}: entries[{i}].id",
                        f"id {entry.id!r} is already used by {used[0]}: entries[{used[1]}]",
                    )
                )
            elif used[1] == i:  # a repeat within the file is the file's own problem
                entries.append(entry)
    return tuple(entries), problems


def knowledge_base_problems(
    path: _Paths, departments: Iterable[str] | None = None
) -> list[Problem]:
    """Return every problem of a knowledge base; empty when it is valid.

    Args:
        path: The TOML file, or a list of them (one knowledge base: an entry's id
            is unique across the files).
        departments: The departments entries may name; None skips that check.

    Returns:
        The problems, each naming the file and key path (``faq.toml: entries[3].answer``).
    """
    return _read(path, departments)[1]


# ---------------------------------------------------------------------------
# The knowledge base
# ---------------------------------------------------------------------------


_CacheKey = tuple[tuple[tuple[str, int, int], ...], tuple[str, ...] | None]
_cache: dict[_CacheKey, KnowledgeBase] = {}


class KnowledgeBase:
    """The questions customers ask and their answers, indexed for search.

    Build one with [`load`][officekit.plugins.reception.questions.KnowledgeBase.load],
    [`for_profile`][officekit.plugins.reception.questions.KnowledgeBase.for_profile] or
    [`from_entries`][officekit.plugins.reception.questions.KnowledgeBase.from_entries]; an
    office's is ``office.knowledge_base``.

    The index lives in memory: for each stem, the postings (entry index and
    weighted term frequency) of the entries that contain it, counting a stem
    twice in the question or keywords and once in the answer. A search only
    reads the postings of its own stems, so its cost grows with how common the
    question's words are, not with the number of entries.

    Attributes:
        entries: The entries, in file order (the files in order).
        path: The (first) file it was loaded from, if any.
        paths: Every file it was loaded from, in order.
    """

    def __init__(
        self, entries: Iterable[KBEntry], *, path: str | None = None, paths: Sequence[str] = ()
    ) -> None:
        """Index ``entries`` as given (use `from_entries` to have them checked first).

        Args:
            entries: The entries, with unique ids.
            path: The file they come from, if any.
            paths: The files they come from, when there are several.
        """
        self.entries: tuple[KBEntry, ...] = tuple(entries)
        self.paths: tuple[str, ...] = tuple(paths) or ((path,) if path is not None else ())
        self.path = path if path is not None else (self.paths[0] if self.paths else None)
        self._by_id = {e.id: e for e in self.entries}
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._entry_stems: list[frozenset[str]] = []
        self._exact: dict[tuple[str, ...], int] = {}
        self._by_shape: dict[tuple[str, int], list[str]] = defaultdict(list)
        self._word_stem: dict[str, str] = {}
        self._fuzzy_cache: dict[str, str | None] = {}
        self._build()

    # -- building ----------------------------------------------------------------

    def _build(self) -> None:
        lengths: list[float] = []
        for index, entry in enumerate(self.entries):
            weights: dict[str, float] = defaultdict(float)
            fields = (
                (entry.question, QUESTION_WEIGHT),
                (" ; ".join(entry.keywords), KEYWORDS_WEIGHT),
                (entry.answer, ANSWER_WEIGHT),
            )
            for text, weight in fields:
                for word, word_stem in _analyse_words(text):
                    weights[word_stem] += weight
                    if word not in self._word_stem and len(word) >= _FUZZY_MIN_LENGTH - 1:
                        self._word_stem[word] = word_stem
                        self._by_shape[word[:2], len(word)].append(word)
            for word_stem, tf in weights.items():
                self._postings[word_stem].append((index, tf))
            self._entry_stems.append(frozenset(weights))
            self._exact.setdefault(_question_key(entry.question), index)
            lengths.append(sum(weights.values()))
        count = len(self.entries)
        average = (sum(lengths) / count) if count else 1.0
        average = average or 1.0
        norm = [K1 * (1 - B + B * length / average) for length in lengths]
        self._postings = dict(self._postings)
        self._idf = {s: self._idf_of(len(p)) for s, p in self._postings.items()}
        self._max_idf = self._idf_of(0)
        # BM25's saturated term frequency of each posting, worked out once:
        # tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average length)).
        self._impacts: dict[str, list[tuple[int, float]]] = {
            s: [(i, tf * (K1 + 1) / (tf + norm[i])) for i, tf in postings]
            for s, postings in self._postings.items()
        }

    def _idf_of(self, containing: int) -> float:
        """BM25's inverse document frequency, never negative: ln(1 + (N-n+.5)/(n+.5))."""
        count = len(self.entries)
        return math.log(1 + (count - containing + 0.5) / (containing + 0.5))

    # -- constructors --------------------------------------------------------------

    @classmethod
    def from_entries(cls, entries: Iterable[KBEntry]) -> KnowledgeBase:
        """Build a knowledge base from entries.

        Raises:
            ValidationError: If ids repeat or a text is blank (each problem names
                ``entries[i].<key>``); nothing is built.
        """
        entries = tuple(entries)
        problems = _entry_problems(enumerate(entries), None)
        if problems:
            raise ValidationError([Problem(where, what) for where, what in problems])
        return cls(entries)

    @classmethod
    def load(cls, path: _Paths, *, departments: Iterable[str] | None = None) -> KnowledgeBase:
        """Load a knowledge base from a TOML file of ``[[entries]]``, or several.

        Each entry has ``id``, ``question`` and ``answer`` (strings), and may have
        ``department`` (a string) and ``keywords`` (a list of strings). Nothing
        else is allowed, and nothing is coerced. From several files, the entries
        are read in order, and an id must be unique across them.

        Args:
            path: The TOML file, or a list of them.
            departments: The departments entries may name; None skips that check.

        Raises:
            ProfileError: Listing every problem (unknown key, wrong type, missing
                key, blank text, duplicate id, unknown department), each naming the
                file and key path, such as ``faq.toml: entries[3].answer``; an id
                repeated in a second file names both files.
        """
        entries, problems = _read(path, departments)
        if problems:
            raise ProfileError(problems)
        if isinstance(path, str | os.PathLike):
            return cls(entries, path=str(path))
        return cls(entries, paths=[str(p) for p in _paths(path)])

    @classmethod
    def for_profile(cls, profile: Profile) -> KnowledgeBase:
        """Return the knowledge base a profile names, empty if it names none.

        ``questions.knowledge_base`` names one file or a list of them, read in
        order as one knowledge base. Loaded once per set of files (and again when
        one changes); entries may only name the profile's departments.

        Raises:
            ProfileError: If the file has problems (see
                [`load`][officekit.plugins.reception.questions.KnowledgeBase.load]).
        """
        settings = profile.section(QUESTIONS)
        files = settings.knowledge_base_files
        if not files:
            return cls(())
        departments = tuple(sorted(profile.departments))
        stats: list[tuple[str, int, int]] = []
        for path in files:
            try:
                stat = os.stat(path)
            except OSError as exc:
                raise ProfileError(f"cannot read: {exc.strerror}", where=path) from exc
            stats.append((str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size))
        key: _CacheKey = (tuple(stats), departments)
        cached = _cache.get(key)
        if cached is None:
            single = settings.knowledge_base
            cached = cls.load(single if isinstance(single, str) else files, departments=departments)
            if len(_cache) >= 64:
                _cache.clear()
            _cache[key] = cached
        return cached

    # -- reading -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[KBEntry]:
        return iter(self.entries)

    def __repr__(self) -> str:
        return f"<KnowledgeBase {len(self.entries)} entries path={self.path!r}>"

    def get(self, entry_id: str) -> KBEntry | None:
        """Return the entry with this id, or None."""
        return self._by_id.get(entry_id)

    # -- searching -------------------------------------------------------------------

    def _fuzzy(self, word: str) -> str | None:
        """Return the stem of the indexed word ``word`` is a misspelling of, if any.

        Candidates share its first two letters and differ in length by at most 2,
        so only a small bucket of the vocabulary is compared, with `difflib`'s
        cheap upper bounds first.
        """
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(word)
        best: tuple[float, str] | None = None
        prefix, size = word[:2], len(word)
        for length in range(size - 2, size + 3):
            for candidate in self._by_shape.get((prefix, length), ()):
                matcher.set_seq1(candidate)
                if (
                    matcher.real_quick_ratio() < _FUZZY_RATIO
                    or matcher.quick_ratio() < _FUZZY_RATIO
                ):
                    continue
                ratio = matcher.ratio()
                if ratio >= _FUZZY_RATIO and (best is None or ratio > best[0]):
                    best = (ratio, candidate)
        found = None if best is None else self._word_stem[best[1]]
        if len(self._fuzzy_cache) >= _FUZZY_CACHE_SIZE:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = found
        return found

    def _terms(self, analysed: Sequence[tuple[str, str]]) -> tuple[dict[str, float], int]:
        """The question's distinct known stems with their weight (1, or the fuzzy
        discount), and how many distinct stems stay unknown."""
        terms: dict[str, float] = {}
        unknown: set[str] = set()
        for word, word_stem in analysed:
            if word_stem in self._idf:
                terms[word_stem] = 1.0
                continue
            resolved = self._fuzzy(word) if len(word) >= _FUZZY_MIN_LENGTH else None
            if resolved is None:
                unknown.add(word_stem)
            elif terms.get(resolved, 0.0) < FUZZY_DISCOUNT:
                terms[resolved] = FUZZY_DISCOUNT
        return terms, len(unknown - terms.keys())

    def search(self, question: str) -> Match | None:
        """Find the entry a question is about.

        Entries are ranked by BM25 (k1 = 1.2, b = 0.75) over the stems of their
        question and keywords (each occurrence counted twice) and their answer
        (once); the question's stopwords and `FILLER_WORDS` are ignored. A question
        that is an entry's own question word for word (after stemming) finds that
        entry, whatever the scores.

        The **confidence** is the share of the question's information that the
        best entry covers. Each distinct stem of the question carries its IDF,
        ``ln(1 + (N - n + 0.5) / (n + 0.5))`` for a knowledge base of N entries, n
        of which contain it, so rare words weigh more than common ones; a stem
        that no entry contains carries the largest IDF (n = 0): it is information
        the knowledge base does not have. The confidence is the sum of the IDF of
        the stems the entry contains over the sum for all the question's stems.
        A word of 5 letters or more unknown to the knowledge base but close to one
        of its words (same first two letters, `difflib` ratio at least 0.85) is
        read as that word, counted at `FUZZY_DISCOUNT`. A question that is an
        entry's own question has confidence 1.

        Args:
            question: The question as asked.

        Returns:
            The best entry with its confidence and score, or None if no entry
            shares a word with the question.
        """
        analysed = _analyse_words(question)
        terms, unknown = self._terms(analysed)
        exact = self._exact.get(_question_key(question, analysed))
        if not terms and exact is None:
            return None
        scores: dict[int, float] = defaultdict(float)
        for word_stem, weight in terms.items():
            idf = self._idf[word_stem] * weight
            for index, impact in self._impacts[word_stem]:
                scores[index] += idf * impact
        best = exact if exact is not None else max(scores, key=scores.__getitem__)
        entry = self.entries[best]
        if exact is not None:
            return Match(entry, 1.0, scores.get(best, 0.0))
        stems = self._entry_stems[best]
        covered = 0.0
        total = self._max_idf * unknown
        for word_stem, weight in terms.items():
            idf = self._idf[word_stem]
            total += idf
            if word_stem in stems:
                covered += idf * weight
        confidence = min(1.0, max(0.0, covered / total)) if total > 0 else 0.0
        return Match(entry, confidence, scores[best])


# ---------------------------------------------------------------------------
# At the desk
# ---------------------------------------------------------------------------

OPERATION = "questions.answer"
"""The operation every answer and escalation is recorded as."""


def _check_question(question: object) -> str:
    if not isinstance(question, str) or not question.strip():
        raise ValidationError("a question needs some text", where="question")
    problems: list[Problem] = []
    clean = text_field(
        question, "question", "a question", MAX_QUESTION_LENGTH, problems, required=True,
        multiline=True,
    )  # fmt: skip
    if problems:
        raise ValidationError(problems)
    assert clean is not None
    return clean


def _check_plugin_answer(answer: object, departments: Mapping[str, object]) -> Answer:
    where = "officekit_answer_question"
    if not isinstance(answer, Answer):
        raise PluginError(f"{where}: a plugin must return an Answer or None, got {answer!r}")
    if not answer.source.startswith("plugin:"):
        raise PluginError(
            f"{where}: an answer's source must name its plugin as 'plugin:<name>', "
            f"got {answer.source!r}"
        )
    if not answer.escalated and (not isinstance(answer.text, str) or not answer.text.strip()):
        raise PluginError(f"{where}: an answer that is not escalated needs its text")
    if answer.department is not None and answer.department not in departments:
        raise PluginError(f"{where}: no department named {answer.department!r}")
    return answer


def escalation_department(
    profile: Profile, question: str, *, at: dt.datetime, router: Router | None = None
) -> str:
    """Return the department a question the desk cannot answer is left for.

    The profile's routing rules find the department the question is about, as
    they do for a caller's reason (a keyword rule, or an urgent rule that flags
    a department); when none matches, it is ``questions.escalate_to``. Opening
    hours do not matter: a message waits for the department to open.

    Args:
        profile: The office's profile.
        question: The question as asked.
        at: When it is asked (aware).
        router: The office's router (``office.calls.router``); one is built from
            the profile without it.
    """
    decision = (router or Router(profile)).decide(question, at=at)
    if decision.kind in ("rule", "urgent") and decision.department in profile.departments:
        assert decision.department is not None
        return decision.department
    return profile.section(QUESTIONS).escalate_to


def answer_question(desk: Desk, question: str) -> Answer:
    """Answer a customer's question at a desk, or escalate it (``questions.answer``).

    1. A plugin's ``officekit_answer_question`` answer comes first; the knowledge
       base is then not searched.
    2. Otherwise the office's knowledge base is searched; a match whose
       confidence reaches the profile's ``questions.threshold`` is the answer.
    3. Otherwise the question is escalated: a message ``"Question from a
       customer: ..."`` is left, in the operation's own transaction, for the
       department the office's routing rules find in the question, or else for
       ``questions.escalate_to``.

    Every answer, escalated or not, is one ``questions.answer`` event. Its
    detail records the source, confidence, entry id, whether it was escalated,
    the department and the message id, but not the question itself: that is
    kept only in the message, for whoever must answer it.

    Args:
        desk: The desk of the member of staff answering.
        question: The question as asked.

    Returns:
        The answer, or the escalation (``text`` None, ``message_id`` set).

    Raises:
        ValidationError: If the question is blank or too long; nothing is written.
        PermissionDenied: If the desk's member of staff may not answer questions
            (the refusal is recorded).
        PluginError: If a plugin's answer is malformed.
        ProfileError: If the profile's knowledge base has problems.
    """
    text = _check_question(question)
    office = desk.office
    if not desk.can(OPERATION).allowed:
        desk.perform(OPERATION)  # records the refusal and raises PermissionDenied
    from_plugin = hooks.answer_question(office, text)
    if from_plugin is not None:
        answer = attrs.evolve(
            _check_plugin_answer(from_plugin, office.profile.departments), question=text
        )
        if not answer.escalated:
            return _record(desk, answer)
        return _escalate(desk, answer, answer.department)
    settings = office.profile.section(QUESTIONS)
    match = office.facet(KNOWLEDGE_BASE).search(text)
    if match is not None and match.confidence >= settings.threshold:
        entry = match.entry
        answered = Answer(text, entry.answer, match.confidence, entry.id, department=None)
        return _record(desk, answered)
    nearest = Answer(
        text,
        None,
        match.confidence if match is not None else 0.0,
        match.entry.id if match is not None else None,
        source="escalated",
        escalated=True,
    )
    return _escalate(desk, nearest, None)


def _detail(answer: Answer) -> dict[str, Any]:
    return {
        "source": answer.source,
        "confidence": round(answer.confidence, 4),
        "entry_id": answer.entry_id,
        "escalated": answer.escalated,
        "department": answer.department,
    }


def _record(desk: Desk, answer: Answer) -> Answer:
    desk.perform(OPERATION, subject=answer.entry_id or answer.source, detail=_detail(answer))
    return answer


def _escalate(desk: Desk, answer: Answer, department: str | None) -> Answer:
    office = desk.office
    now = check_aware(office.clock.now(), "clock")
    due_time(office, now)  # the clock can still give the message a due time
    target = department or escalation_department(
        office.profile,
        answer.question,
        at=now,
        router=office.facet(CALLS).router,
    )
    answer = attrs.evolve(answer, text=None, escalated=True, department=target)
    detail = _detail(answer)

    def act(conn: sa.Connection) -> int:
        message_id = insert_message(
            conn,
            office,
            text=f"Question from a customer: {answer.question}",
            for_department=target,
            taken_by=desk.actor.id,
        )
        detail["message_id"] = message_id
        return message_id

    message_id, _ = desk.perform(OPERATION, subject=target, detail=detail, act=act)
    return attrs.evolve(answer, message_id=message_id)


class QuestionDesk:
    """Customers' questions at a desk: ``desk.questions``."""

    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    def answer(self, question: str) -> Answer:
        """Answer a customer's question from the knowledge base, or escalate it.

        The operation is ``questions.answer``; see
        [`answer_question`][officekit.plugins.reception.questions.answer_question].
        """
        return answer_question(self._desk, question)


def _office_knowledge_base(office: Office) -> KnowledgeBase:
    return KnowledgeBase.for_profile(office.profile)


KNOWLEDGE_BASE: OfficeFacet[KnowledgeBase] = OfficeFacet(
    "knowledge_base",
    _office_knowledge_base,
    "The profile's knowledge base of customer questions (empty without one).",
)
"""``office.knowledge_base``, typed: ``office.facet(KNOWLEDGE_BASE)``."""

QUESTION_DESK: DeskFacet[QuestionDesk] = DeskFacet(
    "questions", QuestionDesk, "Customers' questions: answer from the knowledge base, or escalate."
)
"""``desk.questions``, typed: ``desk.facet(QUESTION_DESK)``."""
