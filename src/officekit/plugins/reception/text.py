"""Small text helpers shared by routing and the knowledge base: words and their stems."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["STOPWORDS", "fold", "stem", "tokens", "words"]

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    {
        "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
        "could", "do", "does", "for", "from", "had", "has", "have", "how", "i", "i'd", "i'm", "if",
        "in", "is", "it", "it's", "its", "me", "my", "of", "on", "or", "our", "please", "so",
        "that", "the", "their", "them", "then", "there", "these", "this", "to", "us", "was", "we",
        "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
        "yours",
    }
)  # fmt: skip
"""English words too common to tell one question or reason from another."""

_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")


def fold(text: str) -> str:
    """Lower-case ``text`` with accents folded (``"Café"`` -> ``"cafe"``), as ``words`` sees it."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).replace("\u2019", "'")


def words(text: str) -> list[str]:
    """Split ``text`` into lower-case words, accents folded (``"Café"`` -> ``"cafe"``)."""
    return _WORD.findall(fold(text))


def stem(word: str) -> str:
    """Strip a common English suffix, so that ``opening``, ``opens`` and ``open`` match.

    A light stemmer on purpose: it only has to make the same word in different
    forms meet, not to produce linguistic roots.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith(("ss", "us", "is")):
        return word  # "class", "bus", "diagnosis": not plurals
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            sibilant = base.endswith(("ss", "x", "z", "ch", "sh")) or (
                base.endswith("s") and base[-2] in "aeiou"
            )
            if suffix == "es" and not sibilant:
                return word[:-1]  # "invoices" -> "invoice", but "boxes" -> "box"
            if len(base) >= 4 and base[-1] == base[-2]:  # "booked"/"booking" -> "book", "stopped"
                return base[:-1] if base[-1] not in "los" else base
            return base
    return word


def tokens(text: str, *, drop_stopwords: bool = False) -> list[str]:
    """Return the stems of the words of ``text``, in order."""
    return [stem(w) for w in words(text) if not (drop_stopwords and w in STOPWORDS)]
