"""How a question is matched to a knowledge-base entry: stems, synonyms, typos, calibration.

The pieces [`KnowledgeBase`][officekit.plugins.reception.questions.KnowledgeBase]
is built from:

- [`stem`][officekit.plugins.reception.matching.stem]: the Snowball English
  stemmer (``snowballstemmer``, which uses PyStemmer's C implementation when it
  is installed), so that ``cancelled``, ``cancellation`` and ``cancel`` meet.
- [`Synonyms`][officekit.plugins.reception.matching.Synonyms]: a knowledge base's
  ``[synonyms]`` table (``vaccination = ["jab", "injection"]``), applied to the
  questions asked and to the entries alike.
- [`Vocabulary`][officekit.plugins.reception.matching.Vocabulary]: reads a
  misspelt word as the knowledge base's word it is one or two edits away from
  (``rapidfuzz``'s optimal string alignment distance).
- [`Calibration`][officekit.plugins.reception.matching.Calibration]: turns the raw
  measures of a match (how much of the question the entry covers, how far ahead
  of the next entry it is) into the probability that the entry is the right one,
  with logistic models fitted on data (``calibration.json``, refitted by
  ``python -m officekit.plugins.reception.calibrate``).
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import snowballstemmer  # type: ignore[import-untyped]
from rapidfuzz import process
from rapidfuzz.distance import OSA

from officekit.plugins.reception.text import STOPWORDS, words

__all__ = [
    "CALIBRATION_FILE",
    "CONTEXT_WORDS",
    "FILLER_WORDS",
    "FUZZY_DISCOUNT",
    "Calibration",
    "Synonyms",
    "Vocabulary",
    "fit_logistic",
    "meaningful_words",
    "stem",
]

FILLER_WORDS = frozenset(
    {
        "hello", "hi", "hey", "hiya", "thanks", "thank", "know", "tell", "wondering", "wonder",
        "like", "want", "wanted", "need", "needs", "just", "also", "actually", "really", "ok",
        "okay", "possible", "anyone", "someone", "somebody", "should", "shall", "may", "might",
        "must", "i've", "i'll", "you're", "you've", "we're", "what's", "where's", "when's",
        "how's", "who's", "there's", "let", "mind", "some", "not", "no", "yes",
        "anything", "something", "somewhere", "anywhere", "all", "get", "got", "one", "he",
        "she", "him", "her", "his", "hers", "they", "he's", "she's", "they're", "won't",
        "don't", "didn't", "doesn't", "isn't", "aren't", "wasn't", "very", "quite", "sure",
        "yet", "ago", "already", "still", "soon", "currently", "recently", "guys", "good",
        "morning", "afternoon", "sorry", "bother", "excuse", "quick", "question", "dear",
        "u", "ur", "pls", "plz", "im", "ive", "cant", "dont", "wanna", "gonna", "gotta",
        "lol", "um", "erm", "uh", "ah", "oh", "hmm", "whats", "hows", "thx", "cheers",
        "mate", "folks", "again", "ask", "asking", "help", "able", "does", "did", "going",
        "go", "way", "much", "many", "thing", "things", "stuff", "someone's", "y'all",
        "ya", "yeah", "yep", "hm", "then", "than", "too", "only", "even", "there'd", "that's",
        "it'll", "i'd've", "we'd", "we've", "we'll", "you'll", "you'd", "they've", "they'll",
        "our", "ours", "myself", "yourself", "ourselves", "those", "other", "else", "another",
        "r", "wat", "wot", "wen", "ther", "dat", "dis", "da", "luv", "love", "hun", "sir",
        "madam", "maam", "ma'am", "please", "x", "xx", "thnx", "ty", "take", "takes",
    }
)  # fmt: skip
"""Conversational words dropped, with `STOPWORDS`, from questions and entries alike.

They say that something is asked ("I'd like to know...", "could you tell me...")
but never what about, so they would only dilute a question's confidence.
"""

CONTEXT_WORDS = frozenset(
    {
        "today", "tomorrow", "tomorrow's", "today's", "tonight", "yesterday", "week", "weeks",
        "weekday", "month", "months", "year", "years", "day", "days", "next", "last", "this",
        "now", "later", "earlier", "asap", "urgently", "monday", "tuesday", "wednesday",
        "thursday", "friday", "monday's", "friday's", "son", "daughter", "kid", "kids", "child",
        "children", "childrens", "boy", "girl", "baby", "husband", "wife", "partner", "mum",
        "mom", "dad", "mother", "father", "parents", "grandma", "grandad", "grandmother",
        "grandfather", "family", "friend", "neighbour", "neighbor", "myself", "area", "nearby",
        "around", "here", "there", "again", "usual", "time",
    }
)  # fmt: skip
"""Words about who and when that callers put around a question's topic.

Unknown to a knowledge base, they are not counted as information it lacks ("I
need to cancel *tomorrow's* appointment", "my *kid* lost his jacket"); a
knowledge base that uses one of them (``today`` for same-day appointments)
matches it like any other word.
"""

FUZZY_DISCOUNT = 0.8
"""How much a misspelt word read as a word of the knowledge base counts (exact: 1)."""

FUZZY_MIN_LENGTH = 5
"""The shortest word read as a misspelling of another (shorter ones are too often real words)."""

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
"""The fitted calibration shipped with officekit (see `Calibration`)."""

_local = threading.local()


def _stemmer() -> Any:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # one per thread: the pure-Python stemmer keeps state while it works
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@functools.lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Return the Snowball (Porter 2) English stem of a lower-case word.

    ``"cancelled"``, ``"cancellation"`` and ``"cancel"`` are all ``"cancel"``;
    ``"tomorrow's"`` is ``"tomorrow"``. Numbers are kept as they are.
    """
    if word.isdigit() or len(word) <= 2:
        return word
    return str(_stemmer().stemWord(word))


def meaningful_words(text: str) -> list[str]:
    """Return the words of ``text`` that carry meaning: `STOPWORDS` and `FILLER_WORDS` dropped."""
    return [w for w in words(text) if w not in STOPWORDS and w not in FILLER_WORDS]


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in meaningful_words(text))


# ---------------------------------------------------------------------------
# Synonyms
# ---------------------------------------------------------------------------


class Synonyms:
    """A knowledge base's synonyms: words or phrases read as the knowledge base's own term.

    Both the questions asked and the entries are rewritten, so ``jab`` in a
    question meets ``vaccination`` in an entry, and the other way round. Phrases
    are compared stem by stem, common words left out (``"doctor's note"`` is
    ``doctor note``); the longest phrase wins where several start at a word.

    Attributes:
        table: Each synonym's stems, mapped to its term's stems.
    """

    def __init__(self, table: Mapping[tuple[str, ...], tuple[str, ...]] | None = None) -> None:
        """Use ``table``: each synonym's stems mapped to its term's stems."""
        self.table: dict[tuple[str, ...], tuple[str, ...]] = dict(table or {})
        self._longest = max((len(key) for key in self.table), default=0)

    def __repr__(self) -> str:
        return f"<Synonyms {len(self.table)} phrases>"

    @classmethod
    def from_table(cls, terms: Mapping[str, Sequence[str] | str]) -> Synonyms:
        """Build synonyms from ``{term: [synonym, ...]}`` (checked beforehand by `problems`)."""
        table: dict[tuple[str, ...], tuple[str, ...]] = {}
        for term, synonyms in terms.items():
            target = _phrase(term)
            for synonym in [synonyms] if isinstance(synonyms, str) else synonyms:
                key = _phrase(synonym)
                if key and target and key != target:
                    table.setdefault(key, target)
        return cls(table)

    @staticmethod
    def problems(data: object, where: str = "synonyms") -> list[tuple[str, str]]:
        """Return the ``(key path, what)`` problems of a ``[synonyms]`` table; empty when valid.

        A term maps to a string or a list of strings; neither may be blank nor
        made only of common words; a synonym names one term only, is not its term
        and is not itself a term (no chains).
        """
        if not isinstance(data, dict):
            return [(where, "expected a table of term = [synonyms]")]
        problems: list[tuple[str, str]] = []
        bad = [term for term in data if not isinstance(term, str)]
        for term in bad:
            problems.append((f"{where}.{term!r}", "a term is a string"))
        data = {term: value for term, value in data.items() if isinstance(term, str)}
        terms = {_phrase(term): term for term in data}
        owner: dict[tuple[str, ...], str] = {}
        for term, value in data.items():
            path = f"{where}.{_key(term)}"
            if not term.strip():
                problems.append((path, "a term cannot be blank"))
                continue
            target = _phrase(term)
            if not target:
                problems.append((path, "the term has no word the search uses (only common words)"))
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                problems.append((path, f"expected a string or a list of strings, got {value!r}"))
                continue
            if not items:
                problems.append((path, "expected at least one synonym"))
            for j, synonym in enumerate(items):
                at = path if isinstance(value, str) else f"{path}[{j}]"
                key = _phrase(synonym)
                if not synonym.strip():
                    problems.append((at, "a synonym cannot be blank"))
                elif not key:
                    problems.append(
                        (at, f"{synonym!r} has no word the search uses (only common words)")
                    )
                elif key == target:
                    problems.append((at, f"{synonym!r} is the term itself"))
                elif key in terms:
                    problems.append(
                        (at, f"{synonym!r} is itself a term (synonyms.{_key(terms[key])})")
                    )
                elif key in owner and owner[key] != term:
                    problems.append((at, f"{synonym!r} is already a synonym of {owner[key]!r}"))
                else:
                    owner.setdefault(key, term)
        return problems

    def __len__(self) -> int:
        return len(self.table)

    def rewrite(self, stems: Sequence[str]) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
        """Rewrite a sequence of stems, synonyms read as their terms.

        Returns, in order, the positions of one stem or of a synonym phrase, and
        the stems that stand for them (the stem itself, or the term's stems).
        """
        out: list[tuple[tuple[int, ...], tuple[str, ...]]] = []
        i = 0
        while i < len(stems):
            for size in range(min(self._longest, len(stems) - i), 0, -1):
                target = self.table.get(tuple(stems[i : i + size]))
                if target is not None:
                    out.append((tuple(range(i, i + size)), target))
                    i += size
                    break
            else:
                out.append(((i,), (stems[i],)))
                i += 1
        return out


def _key(term: str) -> str:
    """A TOML key as a key path shows it: bare when it can be, quoted otherwise."""
    bare = term.replace("-", "").replace("_", "")
    return term if term and bare.isascii() and bare.isalnum() else json.dumps(term)


# ---------------------------------------------------------------------------
# Typos
# ---------------------------------------------------------------------------


class Vocabulary:
    """The words of a knowledge base, to read a misspelt word as one of them.

    A word of `FUZZY_MIN_LENGTH` letters or more is read as the knowledge base's
    word at the smallest optimal string alignment distance (a swap of two
    neighbouring letters is one edit), at most 1 for words of up to 7 letters
    and 2 for longer ones; ties go to the word met first.
    """

    def __init__(self, known: Mapping[str, str]) -> None:
        """Index ``known``: each word of the knowledge base mapped to its stem."""
        self._stem = dict(known)
        self._by_length: dict[int, list[str]] = {}
        for word in self._stem:
            self._by_length.setdefault(len(word), []).append(word)
        self._cache: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """Return the stem of the known word ``word`` is a misspelling of, or None."""
        if len(word) < FUZZY_MIN_LENGTH:
            return None
        if word in self._cache:
            return self._cache[word]
        limit = 1 if len(word) <= 7 else 2
        best: tuple[int, str] | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            candidates = self._by_length.get(length)
            if not candidates:
                continue
            found = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=limit)
            if found is not None and (best is None or found[1] < best[0]):
                best = (int(found[1]), found[0])
        result = None if best is None else self._stem[best[1]]
        if len(self._cache) >= 10_000:
            self._cache.clear()
        self._cache[word] = result
        return result


# ---------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _coefficients(value: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in value)


@attrs.frozen
class Calibration:
    """Logistic models from a match's raw measures to the probability that it is right.

    ``answer`` gives the probability that the best entry is the right one, from
    its *coverage* (the share of the question's information it covers), its
    *key coverage* (the same, counting only the entry's question and keywords),
    its *evidence* (how much it matches, whatever the question's length) and its
    *separation* (how far its score is ahead of the next entry's, relative to
    its own: ``(s1 - s2) / s1``). ``offer`` gives the probability that the right
    entry is one of the best two, from the same measures of the two together
    and how far the second is ahead of the third (``(s2 - s3) / s1``). Both are
    ``1 / (1 + exp(-(c0 + c1 * x1 + ... + c4 * x4)))``, monotone (non-decreasing) in
    each measure, as no coefficient is negative.

    ``threshold`` and ``margin`` are the decision the fit recommends: answer when
    the probability is at least ``threshold`` and the separation at least
    ``margin``; otherwise offer the two best entries when their probability is at
    least ``threshold``; otherwise escalate.

    Attributes:
        answer: ``(c0, c_coverage, c_key_coverage, c_evidence, c_separation)``.
        offer: ``(c0, c_coverage, c_key_coverage, c_evidence, c_separation)`` of the pair.
        threshold: The recommended ``questions.threshold``.
        margin: The smallest separation at which the best entry is answered alone.
        notes: How the parameters were fitted (free text, kept with them).
    """

    answer: tuple[float, ...] = attrs.field(converter=_coefficients)
    offer: tuple[float, ...] = attrs.field(converter=_coefficients)
    threshold: float = 0.9
    margin: float = 0.1
    notes: str = ""

    @classmethod
    def load(cls, path: str | Path | None = None) -> Calibration:
        """Read a calibration from JSON (the shipped `CALIBRATION_FILE` by default)."""
        file = CALIBRATION_FILE if path is None else Path(path)
        data = json.loads(file.read_text(encoding="utf-8"))
        return cls(
            answer=data["answer"],
            offer=data["offer"],
            threshold=float(data["threshold"]),
            margin=float(data["margin"]),
            notes=str(data.get("notes", "")),
        )

    def dump(self, path: str | Path) -> None:
        """Write the calibration as JSON, for `load`."""
        data = attrs.asdict(self)
        Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    def p_answer(self, *measures: float) -> float:
        """The probability that the best entry is right, from 0 to 1.

        Args:
            measures: Its coverage, key coverage, evidence and separation.
        """
        return _linear(self.answer, measures)

    def p_offer(self, *measures: float) -> float:
        """The probability that the right entry is one of the best two, from 0 to 1.

        Args:
            measures: Their coverage, key coverage and evidence together, and
                the runner-up's separation from the third entry.
        """
        return _linear(self.offer, measures)


def _linear(coefficients: Sequence[float], measures: Sequence[float]) -> float:
    if len(measures) != len(coefficients) - 1:
        raise ValueError(
            f"expected {len(coefficients) - 1} measures for this calibration, got {len(measures)}"
        )
    return _sigmoid(
        coefficients[0] + sum(c * m for c, m in zip(coefficients[1:], measures, strict=True))
    )


@functools.lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    """The shipped calibration, read once."""
    return Calibration.load()


def fit_logistic(
    rows: Iterable[tuple[Sequence[float], bool]],
    *,
    l2: float = 1e-3,
    iterations: int = 50,
    monotone: bool = True,
) -> tuple[float, ...]:
    """Fit ``P(y) = sigmoid(c0 + c . x)`` by Newton's method (IRLS) with a light L2 penalty.

    Args:
        rows: ``(features, outcome)`` pairs, every features sequence as long.
        l2: The ridge penalty on the coefficients (not the intercept).
        iterations: The most Newton steps.
        monotone: Keep every coefficient non-negative, so that the probability
            never falls when a measure rises: a feature whose fitted coefficient
            is negative is left out (its coefficient 0) and the rest refitted.

    Returns:
        ``(c0, c1, ...)``: the intercept, then one coefficient a feature.

    Raises:
        ValueError: If there are no rows.
    """
    data = [((1.0, *map(float, x)), 1.0 if y else 0.0) for x, y in rows]
    if not data:
        raise ValueError("nothing to fit")
    size = len(data[0][0])
    kept = list(range(size))
    while True:
        fitted = _newton([(tuple(x[i] for i in kept), y) for x, y in data], l2, iterations)
        coef = [0.0] * size
        for i, c in zip(kept, fitted, strict=True):
            coef[i] = c
        negative = [i for i in kept[1:] if coef[i] < 0]
        if not monotone or not negative:
            return tuple(coef)
        kept.remove(min(negative, key=lambda i: coef[i]))


def _newton(data: list[tuple[tuple[float, ...], float]], l2: float, iterations: int) -> list[float]:
    size = len(data[0][0])
    coef = [0.0] * size
    for _ in range(iterations):
        gradient = [0.0] * size
        hessian = [[0.0] * size for _ in range(size)]
        for x, y in data:
            p = _sigmoid(sum(c * v for c, v in zip(coef, x, strict=True)))
            w = p * (1 - p)
            for i in range(size):
                gradient[i] += (y - p) * x[i]
                for j in range(size):
                    hessian[i][j] += w * x[i] * x[j]
        for i in range(1, size):
            gradient[i] -= l2 * coef[i]
            hessian[i][i] += l2
        step = _solve(hessian, gradient)
        coef = [c + s for c, s in zip(coef, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return coef


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Solve ``matrix @ x = vector`` by Gaussian elimination with partial pivoting."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            a[col][col] = 1e-12
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x
