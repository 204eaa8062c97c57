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

A file may also have a ``[synonyms]`` table (``vaccination = ["jab", "jabs"]``).

[`KnowledgeBase.search`][officekit.plugins.reception.questions.KnowledgeBase.search] finds
the entry a question is about with BM25 ranking over word stems (see
``officekit.plugins.reception.matching`` for the stems, synonyms and
typos), and says how sure it is: its *confidence*, a calibrated probability. At
the desk, ``desk.questions.answer(question)``
([`answer_question`][officekit.plugins.reception.questions.answer_question])
asks the plugins first, then the knowledge base, whose answer
[`decide`][officekit.plugins.reception.questions.decide] gives (the margin
rule): answered, two close entries offered ("Do you mean ... or ...?"), or, below
the profile's ``threshold``, escalated as a message for the department it
concerns. Each is one ``questions.answer`` event.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import os
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs
import cattrs
import sqlalchemy as sa

from officekit.core.convert import format_structuring_error, parse_cattrs_path, strict_converter
from officekit.core.extensions import DeskFacet, OfficeFacet
from officekit.core.profile import Profile
from officekit.core.validate import check_aware, check_path, check_str, text_field
from officekit.errors import PluginError, Problem, ProfileError, ValidationError
from officekit.plugins.reception import hooks
from officekit.plugins.reception.calls import CALLS
from officekit.plugins.reception.matching import (
    CONTEXT_WORDS,
    FILLER_WORDS,
    FUZZY_DISCOUNT,
    FUZZY_MIN_LENGTH,
    Calibration,
    Synonyms,
    Vocabulary,
    default_calibration,
    meaningful_words,
    stem,
)
from officekit.plugins.reception.messages import due_time, insert_message
from officekit.plugins.reception.routing import Router
from officekit.plugins.reception.settings import QUESTIONS
from officekit.plugins.reception.text import words

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
    "Decision",
    "KBEntry",
    "KnowledgeBase",
    "Match",
    "QuestionDesk",
    "analyse",
    "answer_question",
    "decide",
    "escalation_department",
    "knowledge_base_problems",
]

MAX_QUESTION_LENGTH = 2000
"""The longest question accepted at the desk, in characters."""

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
        confidence: From 0 to 1: the calibrated probability that ``entry`` is the
            one that answers the question (see
            [`KnowledgeBase.search`][officekit.plugins.reception.questions.KnowledgeBase.search]);
            1 for an entry's own question.
        score: The entry's BM25 score (only comparable within one knowledge base).
        coverage: From 0 to 1: the share of the question's information the entry
            covers, the raw measure ``confidence`` is calibrated from.
        separation: From 0 to 1: how far the entry's score is ahead of the next
            entry's, ``(s1 - s2) / s1`` (1 when no other entry scores).
        runner_up: The second-best entry, if any other entry scores.
        pair_confidence: From 0 to 1: the calibrated probability that the right
            entry is ``entry`` or ``runner_up`` (0 without a runner-up).
        exact: True when the question is the entry's own question, word for word.
        key_coverage: The same share counting only the entry's question and
            keywords (not its answer).
        pair_coverage: The share of the question's information the two best
            entries cover together (0 without a runner-up).
        pair_key_coverage: The same counting only their questions and keywords.
        evidence: From 0 to 1: how much of the entry's question and keywords the
            question matches, whatever its length: the IDF of the stems matched,
            over twice the IDF of a word no entry has, at most 1.
        pair_evidence: The same for the two best entries together.
        pair_separation: How far the runner-up's score is ahead of the third
            entry's, ``(s2 - s3) / s1`` (0 without a runner-up).
    """

    entry: KBEntry
    confidence: float
    score: float
    coverage: float = 1.0
    separation: float = 1.0
    runner_up: KBEntry | None = None
    pair_confidence: float = 0.0
    exact: bool = False
    pair_coverage: float = 0.0
    pair_separation: float = 0.0
    key_coverage: float = 1.0
    pair_key_coverage: float = 0.0
    evidence: float = 1.0
    pair_evidence: float = 0.0


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
        source: ``"knowledge_base"``, ``"plugin:<name>"``, ``"offered"`` (two entries
            were close: the text asks which one is meant) or ``"escalated"``.
        escalated: True when the question was left as a message instead of answered.
        department: The department it was escalated to.
        message_id: The message left for that department.
        offered: The ids of the two entries offered (``"Do you mean ... or ...?"``),
            best first; empty unless ``source`` is ``"offered"``.
    """

    question: str
    text: str | None
    confidence: float = attrs.field(validator=_check_confidence)
    entry_id: str | None = None
    source: str = "knowledge_base"
    escalated: bool = False
    department: str | None = None
    message_id: int | None = None
    offered: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Text analysis
# ---------------------------------------------------------------------------


def _analyse_words(text: str) -> list[tuple[str, str]]:
    """Return ``(word, stem)`` for each word of ``text`` that carries meaning."""
    return [(w, stem(w)) for w in meaningful_words(text)]


def analyse(text: str) -> list[str]:
    """Return the stems of ``text`` that a knowledge base indexes and searches, in order.

    Its words (lower-case, accents folded), without `STOPWORDS` and `FILLER_WORDS`,
    each reduced to its Snowball English stem
    ([`matching.stem`][officekit.plugins.reception.matching.stem]); a knowledge
    base's synonyms are applied after this.
    """
    return [s for _, s in _analyse_words(text)]


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


_SynonymTable = dict[str, tuple[str, ...]]


def _structure(
    data: Mapping[str, Any],
) -> tuple[list[tuple[int, KBEntry]], _SynonymTable, list[tuple[str, str]]]:
    """Structure a knowledge-base document entry by entry, so that every problem is found.

    Returns the entries that are well typed, with their positions, the
    ``[synonyms]`` table (empty if it has problems) and the ``(key path, what)``
    problems.
    """
    problems = [(key, "unknown key") for key in data if key not in ("entries", "synonyms")]
    synonyms: _SynonymTable = {}
    if "synonyms" in data:
        found = Synonyms.problems(data["synonyms"])
        problems += found
        if not found:
            synonyms = {
                term: (value,) if isinstance(value, str) else tuple(value)
                for term, value in data["synonyms"].items()
            }
    if "entries" not in data:
        return [], synonyms, [*problems, ("entries", "required key is missing")]
    items = data["entries"]
    if not isinstance(items, list):
        return (
            [],
            synonyms,
            [*problems, ("entries", "expected an array of tables ([[entries]])")],
        )
    entries: list[tuple[int, KBEntry]] = []
    for i, item in enumerate(items):
        entry, entry_problems = _structure_entry(item, f"entries[{i}]")
        problems += entry_problems
        if entry is not None:
            entries.append((i, entry))
    return entries, synonyms, problems


def _entry_type_problems(entries: Sequence[object]) -> list[tuple[str, str]]:
    """Check that each entry is a `KBEntry` whose fields have their types."""
    problems: list[tuple[str, str]] = []
    for i, entry in enumerate(entries):
        where = f"entries[{i}]"
        if not isinstance(entry, KBEntry):
            problems.append((where, f"expected a KBEntry, got {entry!r:.80}"))
            continue
        for key in ("id", "question", "answer"):
            if not isinstance(getattr(entry, key), str):
                problems.append(
                    (f"{where}.{key}", f"expected a string, got {getattr(entry, key)!r:.80}")
                )
        if entry.department is not None and not isinstance(entry.department, str):
            problems.append(
                (f"{where}.department", f"expected a string, got {entry.department!r:.80}")
            )
        keywords = entry.keywords
        if isinstance(keywords, str) or not isinstance(keywords, tuple | list):
            problems.append(
                (f"{where}.keywords", f"expected a list of strings, got {keywords!r:.80}")
            )
        else:
            for j, word in enumerate(keywords):
                if not isinstance(word, str):
                    problems.append(
                        (f"{where}.keywords[{j}]", f"expected a string, got {word!r:.80}")
                    )
    return problems


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
) -> tuple[list[tuple[int, KBEntry]], _SynonymTable, list[Problem]]:
    label = _label(file)
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        return [], {}, [Problem(label, f"not valid TOML: {exc}")]
    except OSError as exc:
        return [], {}, [Problem(label, f"cannot read: {exc.strerror}")]
    entries, synonyms, found = _structure(data)
    found += _entry_problems(entries, departments)
    return entries, synonyms, [Problem(f"{label}: {where}", what) for where, what in found]


def _read(
    path: _Paths, departments: Iterable[str] | None
) -> tuple[tuple[KBEntry, ...], _SynonymTable, list[Problem]]:
    """Read one knowledge-base file or several; an id is unique across all of them.

    The files' ``[synonyms]`` tables are merged in order (a term's synonyms
    from every file; a synonym keeps the first term it was given).
    """
    entries: list[KBEntry] = []
    synonyms: _SynonymTable = {}
    problems: list[Problem] = []
    first: dict[str, tuple[str, int]] = {}  # id -> the file and index that used it first
    for file in _paths(path):
        label = _label(file)
        indexed, table, found = _read_file(file, departments)
        problems += found
        for term, alternatives in table.items():
            synonyms[term] = (*synonyms.get(term, ()), *alternatives)
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
    return tuple(entries), synonyms, problems


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
    return _read(path, departments)[2]


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
        synonyms: The knowledge base's synonyms (``[synonyms]``), term by term.
        calibration: The mapping from a match's raw measures to its confidence.
        path: The (first) file it was loaded from, if any.
        paths: Every file it was loaded from, in order.
    """

    def __init__(
        self,
        entries: Iterable[KBEntry],
        *,
        synonyms: Mapping[str, Sequence[str]] | None = None,
        calibration: Calibration | None = None,
        path: str | None = None,
        paths: Sequence[str] = (),
    ) -> None:
        """Index ``entries`` as given (use `from_entries` to have them checked first).

        Args:
            entries: The entries, with unique ids.
            synonyms: ``{term: [synonym, ...]}`` (or ``{term: synonym}``): words or
                phrases read as the term.
            calibration: The calibration to use; the shipped one by default.
            path: The file they come from, if any.
            paths: The files they come from, when there are several.
        """
        self.entries: tuple[KBEntry, ...] = tuple(entries)
        self.synonyms: dict[str, tuple[str, ...]] = {
            term: (values,) if isinstance(values, str) else tuple(values)
            for term, values in (synonyms or {}).items()
        }
        self.calibration = calibration or default_calibration()
        self.paths: tuple[str, ...] = tuple(paths) or ((path,) if path is not None else ())
        self.path = path if path is not None else (self.paths[0] if self.paths else None)
        self._by_id = {e.id: e for e in self.entries}
        self._rewriter = Synonyms.from_table(self.synonyms)
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._entry_stems: list[frozenset[str]] = []
        self._entry_key_stems: list[frozenset[str]] = []
        self._exact: dict[tuple[str, ...], int] = {}
        self._raw_stems: set[str] = set()
        self._build()

    # -- building ----------------------------------------------------------------

    def _rewrite(self, stems: Sequence[str]) -> list[str]:
        return [s for _, found in self._rewriter.rewrite(stems) for s in found]

    def _key(self, text: str, analysed: Sequence[tuple[str, str]] | None = None) -> tuple[str, ...]:
        """What identifies a question word for word: its meaningful stems, synonyms applied."""
        pairs = _analyse_words(text) if analysed is None else analysed
        key = tuple(self._rewrite([s for _, s in pairs]))
        return key or tuple(stem(w) for w in words(text))

    def _build(self) -> None:
        lengths: list[float] = []
        known: dict[str, str] = {}
        for key, target in self._rewriter.table.items():
            self._raw_stems.update(key)
            self._raw_stems.update(target)
        for term, values in self.synonyms.items():
            for text in (term, *values):
                for word, word_stem in _analyse_words(text):
                    known.setdefault(word, word_stem)
        for index, entry in enumerate(self.entries):
            weights: dict[str, float] = defaultdict(float)
            key_stems: set[str] = set()
            fields = (
                (entry.question, QUESTION_WEIGHT, True),
                *((keyword, KEYWORDS_WEIGHT, True) for keyword in entry.keywords),
                (entry.answer, ANSWER_WEIGHT, False),
            )
            for text, weight, is_key in fields:
                pairs = _analyse_words(text)
                for word, word_stem in pairs:
                    self._raw_stems.add(word_stem)
                    known.setdefault(word, word_stem)
                for word_stem in self._rewrite([s for _, s in pairs]):
                    weights[word_stem] += weight
                    if is_key:
                        key_stems.add(word_stem)
            for word_stem, tf in weights.items():
                self._postings[word_stem].append((index, tf))
            self._entry_stems.append(frozenset(weights))
            self._entry_key_stems.append(frozenset(key_stems))
            self._exact.setdefault(self._key(entry.question), index)
            lengths.append(sum(weights.values()))
        self._vocabulary = Vocabulary(
            {w: s for w, s in known.items() if len(w) >= FUZZY_MIN_LENGTH - 1}
        )
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
    def from_entries(
        cls,
        entries: Iterable[KBEntry],
        *,
        synonyms: Mapping[str, Sequence[str]] | None = None,
        calibration: Calibration | None = None,
    ) -> KnowledgeBase:
        """Build a knowledge base from entries, and synonyms if any.

        Args:
            entries: The entries.
            synonyms: ``{term: [synonym, ...]}``, as the ``[synonyms]`` table of a file.
            calibration: The calibration to use; the shipped one by default.

        Raises:
            ValidationError: If ids repeat, a text is blank (each problem names
                ``entries[i].<key>``) or a synonym is wrong (``synonyms.<term>``);
                nothing is built.
        """
        if isinstance(entries, str | bytes | Mapping) or not isinstance(entries, Iterable):
            raise ValidationError(f"expected entries, got {entries!r:.80}", where="entries")
        entries = tuple(entries)
        typed = _entry_type_problems(entries)
        if typed:
            raise ValidationError([Problem(where, what) for where, what in typed])
        if calibration is not None and not isinstance(calibration, Calibration):
            raise ValidationError(
                f"expected a Calibration, got {calibration!r:.80}", where="calibration"
            )
        problems = _entry_problems(enumerate(entries), None)
        if synonyms is not None:
            table = (
                {k: list(v) if isinstance(v, tuple) else v for k, v in synonyms.items()}
                if isinstance(synonyms, Mapping)
                else synonyms
            )
            problems += Synonyms.problems(table)
        if problems:
            raise ValidationError([Problem(where, what) for where, what in problems])
        return cls(entries, synonyms=synonyms, calibration=calibration)

    @classmethod
    def load(cls, path: _Paths, *, departments: Iterable[str] | None = None) -> KnowledgeBase:
        """Load a knowledge base from a TOML file of ``[[entries]]``, or several.

        Each entry has ``id``, ``question`` and ``answer`` (strings), and may have
        ``department`` (a string) and ``keywords`` (a list of strings). A file may
        have a ``[synonyms]`` table: each term, a word or phrase of the knowledge
        base, with the words or phrases customers use for it (a string or a list
        of strings). Nothing else is allowed, and nothing is coerced. From several
        files, the entries are read in order, and an id must be unique across them.

        Args:
            path: The TOML file, or a list of them.
            departments: The departments entries may name; None skips that check.

        Raises:
            ProfileError: Listing every problem (unknown key, wrong type, missing
                key, blank text, duplicate id, unknown department, a synonym that
                is blank, is its own term, is a term itself or belongs to two
                terms), each naming the file and key path, such as
                ``faq.toml: entries[3].answer`` or ``faq.toml: synonyms.jab[0]``;
                an id repeated in a second file names both files.
            ValidationError: ``path`` is not a file's path or a list of them, or
                ``departments`` is not a collection of names.
        """
        if isinstance(path, str | os.PathLike):
            check_path(path, "path", "a knowledge base's file")
        elif isinstance(path, Iterable) and not isinstance(path, bytes | Mapping):
            path = [
                check_path(p, f"path[{i}]", "a knowledge base's file") for i, p in enumerate(path)
            ]
        else:
            raise ValidationError(
                f"expected a knowledge base's file or a list of them, got {path!r:.80}",
                where="path",
            )
        if departments is not None:
            if isinstance(departments, str) or not isinstance(departments, Iterable):
                raise ValidationError(
                    f"expected department names, got {departments!r:.80}", where="departments"
                )
            departments = [check_str(d, "departments", "a department's name") for d in departments]
        entries, synonyms, problems = _read(path, departments)
        if problems:
            raise ProfileError(problems)
        if isinstance(path, str | os.PathLike):
            return cls(entries, synonyms=synonyms, path=str(path))
        return cls(entries, synonyms=synonyms, paths=[str(p) for p in _paths(path)])

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
        if not isinstance(profile, Profile):
            raise ValidationError(f"expected a Profile, got {profile!r:.80}", where="profile")
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
        """Return the entry with this id, or None.

        Raises:
            ValidationError: ``entry_id`` is not a string.
        """
        if not isinstance(entry_id, str):
            raise ValidationError(f"expected an entry's id, got {entry_id!r:.80}", where="entry_id")
        return self._by_id.get(entry_id)

    # -- searching -------------------------------------------------------------------

    def _terms(self, analysed: Sequence[tuple[str, str]]) -> tuple[dict[str, float], int]:
        """The question's distinct known stems with their weight (1, or the fuzzy
        discount), and how many distinct stems stay unknown."""
        stems: list[str] = []
        weight: list[float] = []
        for word, word_stem in analysed:
            if word_stem in self._raw_stems or word_stem in self._idf:
                stems.append(word_stem)
                weight.append(1.0)
                continue
            if word in CONTEXT_WORDS:
                continue  # who and when, around the topic: not information the base lacks
            resolved = self._vocabulary.correct(word)
            stems.append(word_stem if resolved is None else resolved)
            weight.append(1.0 if resolved is None else FUZZY_DISCOUNT)
        terms: dict[str, float] = {}
        unknown: set[str] = set()
        for positions, found in self._rewriter.rewrite(stems):
            w = min(weight[i] for i in positions)  # a phrase counts as its weakest word
            for word_stem in found:
                if word_stem in self._idf:
                    terms[word_stem] = max(terms.get(word_stem, 0.0), w)
                else:
                    unknown.add(word_stem)
        return terms, len(unknown - terms.keys())

    def _coverage(self, terms: Mapping[str, float], unknown: int, stems: frozenset[str]) -> float:
        covered = 0.0
        total = self._max_idf * unknown
        for word_stem, weight in terms.items():
            idf = self._idf[word_stem]
            total += idf
            if word_stem in stems:
                covered += idf * weight
        return min(1.0, max(0.0, covered / total)) if total > 0 else 0.0

    def _evidence(self, terms: Mapping[str, float], stems: frozenset[str]) -> float:
        """How much the entry matches, whatever the question's length: the IDF of
        the question's stems it contains, in units of two unknown words, at most 1."""
        covered = sum(self._idf[s] * w for s, w in terms.items() if s in stems)
        return min(1.0, covered / (2 * self._max_idf)) if self._max_idf > 0 else 0.0

    def search(self, question: str) -> Match | None:
        """Find the entry a question is about, and how sure that is.

        The question and the entries are reduced to stems (see
        [`analyse`][officekit.plugins.reception.questions.analyse]), and the
        knowledge base's synonyms are read as their terms. A word of 5 letters or
        more that the knowledge base does not know, one edit from one of its words
        (two for words of 8 letters or more; a swap of neighbouring letters is one
        edit), is read as that word, counted at `FUZZY_DISCOUNT`.

        Entries are ranked by BM25 (k1 = 1.2, b = 0.75) over the stems of their
        question and keywords (each occurrence counted twice) and their answer
        (once). A question that is an entry's own question word for word (after
        stemming and synonyms) finds that entry with confidence 1, whatever the
        scores.

        Two raw measures describe the best entry. Its **coverage** is the share
        of the question's information it covers: each distinct stem of the
        question carries its IDF, ``ln(1 + (N - n + 0.5) / (n + 0.5))`` for N
        entries, n of which contain it, and a stem no entry contains carries the
        largest IDF (n = 0): it is information the knowledge base does not have.
        Its **separation** is how far its score is ahead of the runner-up's,
        ``(s1 - s2) / s1``. The **confidence** is the knowledge base's
        [`Calibration`][officekit.plugins.reception.matching.Calibration] of the
        two: the probability, fitted on data, that the entry is the right one.
        The pair confidence is the same for "the best or the runner-up".

        Args:
            question: The question as asked.

        Returns:
            The best entry with its confidence, measures and runner-up, or None
            if no entry shares a word with the question.

        Raises:
            ValidationError: ``question`` is not a string.
        """
        if not isinstance(question, str):
            raise ValidationError(f"expected a question, got {question!r:.80}", where="question")
        analysed = _analyse_words(question)
        terms, unknown = self._terms(analysed)
        exact = self._exact.get(self._key(question, analysed))
        if not terms and exact is None:
            return None
        scores: dict[int, float] = defaultdict(float)
        for word_stem, weight in terms.items():
            idf = self._idf[word_stem] * weight
            for index, impact in self._impacts[word_stem]:
                scores[index] += idf * impact
        ranked = heapq.nlargest(3, scores, key=lambda i: (scores[i], -i))
        if exact is not None:
            second = next((i for i in ranked if i != exact), None)
            return Match(
                self.entries[exact],
                1.0,
                scores.get(exact, 0.0),
                runner_up=None if second is None else self.entries[second],
                pair_confidence=1.0,
                exact=True,
            )
        best = ranked[0]
        s1 = scores[best]
        s2 = scores[ranked[1]] if len(ranked) > 1 else 0.0
        s3 = scores[ranked[2]] if len(ranked) > 2 else 0.0
        coverage = self._coverage(terms, unknown, self._entry_stems[best])
        key_coverage = self._coverage(terms, unknown, self._entry_key_stems[best])
        evidence = self._evidence(terms, self._entry_key_stems[best])
        separation = (s1 - s2) / s1 if s1 > 0 else 0.0
        calibration = self.calibration
        confidence = calibration.p_answer(coverage, key_coverage, evidence, separation)
        if len(ranked) < 2:
            return Match(
                self.entries[best],
                confidence,
                s1,
                coverage,
                separation,
                key_coverage=key_coverage,
                evidence=evidence,
            )
        second = ranked[1]
        pair = self._coverage(terms, unknown, self._entry_stems[best] | self._entry_stems[second])
        pair_keys = self._entry_key_stems[best] | self._entry_key_stems[second]
        pair_key = self._coverage(terms, unknown, pair_keys)
        pair_evidence = self._evidence(terms, pair_keys)
        pair_separation = (s2 - s3) / s1 if s1 > 0 else 0.0
        return Match(
            self.entries[best],
            confidence,
            s1,
            coverage,
            separation,
            runner_up=self.entries[second],
            pair_confidence=max(
                confidence, calibration.p_offer(pair, pair_key, pair_evidence, pair_separation)
            ),
            pair_coverage=pair,
            pair_separation=pair_separation,
            key_coverage=key_coverage,
            pair_key_coverage=pair_key,
            evidence=evidence,
            pair_evidence=pair_evidence,
        )

    def decide(self, question: str, *, threshold: float | None = None) -> Decision:
        """Search for a question, and decide whether to answer, offer two entries or escalate.

        See [`decide`][officekit.plugins.reception.questions.decide].

        Args:
            question: The question as asked.
            threshold: The confidence needed, from 0 to 1; the calibration's by default.

        Raises:
            ValidationError: ``question`` is not a string, or ``threshold`` not a
                number from 0 to 1.
        """
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0.0 <= threshold <= 1.0
        ):
            raise ValidationError(
                f"expected a number from 0 to 1, got {threshold!r:.80}", where="threshold"
            )
        return decide(
            self.search(question),
            self.threshold if threshold is None else threshold,
            self.calibration.margin,
        )

    @property
    def threshold(self) -> float:
        """The threshold the calibration recommends (a profile sets its own)."""
        return self.calibration.threshold


Outcome = Literal["answered", "offered", "escalated"]


@attrs.frozen
class Decision:
    """What the desk does with a question: answer it, offer two entries, or escalate it.

    Attributes:
        outcome: ``"answered"``, ``"offered"`` or ``"escalated"``.
        match: The search's match (None when no entry shares a word with the question).
        entries: The entry answered from (one), the two entries offered (best
            first), or none.
        confidence: The confidence of what is done: the match's confidence when
            answered or escalated, its pair confidence when offered.
    """

    outcome: Outcome
    match: Match | None
    entries: tuple[KBEntry, ...] = ()
    confidence: float = 0.0

    @property
    def prompt(self) -> str | None:
        """For an offer, the question to ask back: ``Do you mean "..." or "..."``."""
        if self.outcome != "offered":
            return None
        first, second = self.entries
        return f'Do you mean "{first.question}" or "{second.question}"'


def decide(match: Match | None, threshold: float, margin: float) -> Decision:
    """Decide what to do with a question's match (the margin rule).

    1. An entry's own question is answered.
    2. The best entry is answered when its confidence is at least ``threshold``
       and its separation (how far it is ahead of the runner-up) at least
       ``margin``.
    3. Otherwise, when the two best entries are close (the separation is below
       ``margin``) and together reach ``threshold`` (their pair confidence),
       the desk does not pick one but offers both: "Do you mean ... or ...?".
    4. Otherwise the question is escalated.

    Args:
        match: The search's match, or None.
        threshold: The confidence needed (a profile's ``questions.threshold``).
        margin: The separation needed to answer alone (the calibration's ``margin``).
    """
    if match is None:
        return Decision("escalated", None)
    if match.exact or (match.confidence >= threshold and match.separation >= margin):
        return Decision("answered", match, (match.entry,), match.confidence)
    close = match.separation < margin
    if close and match.runner_up is not None and match.pair_confidence >= threshold:
        return Decision("offered", match, (match.entry, match.runner_up), match.pair_confidence)
    return Decision("escalated", match, (), match.confidence)


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
    2. Otherwise the office's knowledge base is searched and
       [`decide`][officekit.plugins.reception.questions.decide] applies the
       profile's ``questions.threshold`` and the margin rule: the best entry is
       the answer, or, when the two best entries are close, both are offered
       (``source`` ``"offered"``, ``text`` ``Do you mean "..." or "..."``,
       ``offered`` their ids).
    3. Otherwise the question is escalated: a message ``"Question from a
       customer: ..."`` is left, in the operation's own transaction, for the
       department the office's routing rules find in the question, or else for
       ``questions.escalate_to``.

    Every answer, offer or escalation is one ``questions.answer`` event. Its
    detail records the source, confidence, entry id, whether it was escalated,
    the department, the message id and the entries offered, but not the
    question itself: that is kept only in the message, for whoever must answer it.

    Args:
        desk: The desk of the member of staff answering.
        question: The question as asked.

    Returns:
        The answer, the offer, or the escalation (``text`` None, ``message_id`` set).

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
    decision = office.facet(KNOWLEDGE_BASE).decide(text, threshold=settings.threshold)
    match = decision.match
    if decision.outcome == "answered":
        entry = decision.entries[0]
        answered = Answer(text, entry.answer, decision.confidence, entry.id, department=None)
        return _record(desk, answered)
    if decision.outcome == "offered":
        offered = Answer(
            text,
            decision.prompt,
            decision.confidence,
            decision.entries[0].id,
            source="offered",
            offered=tuple(e.id for e in decision.entries),
        )
        return _record(desk, offered)
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
    detail: dict[str, Any] = {
        "source": answer.source,
        "confidence": round(answer.confidence, 4),
        "entry_id": answer.entry_id,
        "escalated": answer.escalated,
        "department": answer.department,
    }
    if answer.offered:
        detail["offered"] = list(answer.offered)
    return detail


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
