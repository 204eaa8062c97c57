"""Full-text search of documents: FTS5 on SQLite, ``tsvector`` and GIN on PostgreSQL.

Words are normalised here, in Python, before either backend sees them: accents
removed, case folded, split on anything that is not a letter or a digit. So both
backends index and match the same words (PostgreSQL's parser would otherwise keep
``jo@example.org`` as one token where SQLite splits it), and a query is rebuilt
from its words alone, each quoted: nothing a user types is read as FTS5 or
``tsquery`` syntax. A term ending in ``*`` matches words that start with it.

Each document has three weighted parts: its title, its metadata (category, tags,
record reference, file name) and its text (the distinct words of an electronic
document's text, or of a paper document's summary, up to
[`MAX_BODY_WORDS`][officekit.plugins.clerk.filing.search.MAX_BODY_WORDS]).
A match anywhere counts. SQLite ranks by BM25 over the three parts; PostgreSQL
ranks by ``ts_rank`` over the title and metadata only (a second, small
``tsvector``), so that ranking a few hundred matches never reads their whole
text: documents that match in their text alone come newest first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from officekit.errors import ValidationError

__all__ = [
    "MAX_BODY_WORDS",
    "MAX_QUERY_TERMS",
    "Term",
    "backend_query",
    "index_delete",
    "index_put",
    "parse_query",
    "search_statement",
    "words",
]

MAX_BODY_WORDS = 20_000
"""The most distinct words of a document's text that are indexed."""
MAX_QUERY_TERMS = 16
"""The most words a query may have."""
MAX_WORD_LENGTH = 64
"""Longer words are not indexed (nor searched for)."""

_WORD = re.compile(r"[^\W_]+")
_TERM = re.compile(r"([^\W_]+)(\*?)")

Term = tuple[str, bool]
"""A query's word and whether it is a prefix (``invoic*``)."""


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str | None) -> list[str]:
    """The words of ``text`` as indexed: accents removed, case folded, in order."""
    if not text:
        return []
    return [w for w in _WORD.findall(_fold(text)) if len(w) <= MAX_WORD_LENGTH]


def _distinct(found: Iterable[str], limit: int) -> str:
    seen: dict[str, None] = {}
    for w in found:
        if len(seen) >= limit:
            break
        seen.setdefault(w)
    return " ".join(seen)


def parse_query(query: object) -> list[Term]:
    """Split a user's query into its terms.

    Raises:
        ValidationError: ``where="query"``: not a string, no word in it (or only words
            longer than ``MAX_WORD_LENGTH``), or too many.
    """
    if not isinstance(query, str):
        raise ValidationError(f"expected a text to search for, got {query!r:.80}", where="query")
    found = _TERM.findall(_fold(query))
    terms = [(word, star == "*") for word, star in found if len(word) <= MAX_WORD_LENGTH]
    if not terms and found:  # words, but none short enough to be indexed
        raise ValidationError(
            f"a search's words are at most {MAX_WORD_LENGTH} letters or digits long "
            f"(longer ones are not indexed), got {query!r:.80}",
            where="query",
        )
    if not terms:
        raise ValidationError(
            f"a search needs at least one word (letters or digits), got {query!r:.80}",
            where="query",
        )
    if len(terms) > MAX_QUERY_TERMS:
        raise ValidationError(
            f"a search has at most {MAX_QUERY_TERMS} words, got {len(terms)}", where="query"
        )
    return list(dict.fromkeys(terms))


def _fts5_query(terms: Sequence[Term]) -> str:
    # Every term quoted (its characters are letters and digits only): implicit AND.
    return " ".join(f'"{word}"' + ("*" if prefix else "") for word, prefix in terms)


def _tsquery(terms: Sequence[Term]) -> str:
    return " & ".join(f"'{word}'" + (":*" if prefix else "") for word, prefix in terms)


def index_put(
    conn: sa.Connection,
    document_id: int,
    *,
    office_id: int,
    category: str,
    title: str,
    meta: Sequence[str | None],
    body: str | None,
    replace: bool = False,
) -> None:
    """Index a document (``replace``: its earlier entry is replaced).

    ``office_id`` and ``category`` are kept beside the words on PostgreSQL, where a
    search filters by them before it reads any document.
    """
    values = {
        "id": document_id,
        "office_id": office_id,
        "category": category,
        "title": " ".join(words(title)),
        "meta": " ".join(w for part in meta for w in words(part)),
        "body": _distinct(words(body), MAX_BODY_WORDS),
    }
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                "INSERT INTO filing_search (document_id, office_id, category, tsv, head) "
                "SELECT :id, :office_id, :category, head || to_tsvector('simple', :body), head "
                "FROM (SELECT setweight(to_tsvector('simple', :title), 'A') || "
                "setweight(to_tsvector('simple', :meta), 'B') AS head) AS h "
                "ON CONFLICT (document_id) DO UPDATE SET category = EXCLUDED.category, "
                "tsv = EXCLUDED.tsv, head = EXCLUDED.head"
            ),
            values,
        )
        return
    if replace:
        conn.execute(sa.text("DELETE FROM filing_search WHERE rowid = :id"), values)
    conn.execute(
        sa.text(
            "INSERT INTO filing_search (rowid, title, meta, body) "
            "VALUES (:id, :title, :meta, :body)"
        ),
        values,
    )


def index_delete(conn: sa.Connection, document_id: int) -> None:
    """Take a document out of the index."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text("DELETE FROM filing_search WHERE document_id = :id"), {"id": document_id}
        )
    else:
        conn.execute(sa.text("DELETE FROM filing_search WHERE rowid = :id"), {"id": document_id})


def search_statement(dialect: str, columns: Sequence[str], *, hidden: bool) -> sa.TextClause:
    """The search query for ``dialect``, selecting ``columns`` of ``filing_documents``.

    Its parameters: ``q`` (the backend's query text, from
    [`backend_query`][officekit.plugins.clerk.filing.search.backend_query]),
    ``office_id``, ``limit`` and, with ``hidden``, ``hidden`` (the categories the
    reader may not see, an expanding list).
    """
    cols = ", ".join(f"d.{c}" for c in columns)
    if dialect == "postgresql":
        hide = " AND s.category NOT IN :hidden" if hidden else ""
        # Filtered and ranked in filing_search alone, by the title and metadata
        # (``head``: ranking by ``tsv`` would read every match's whole text); only the
        # documents returned are read.
        sql = (
            f"SELECT {cols} FROM (SELECT s.document_id, "
            "ts_rank(s.head, to_tsquery('simple', :q)) AS rank FROM filing_search s "
            "WHERE s.tsv @@ to_tsquery('simple', :q) AND s.office_id = :office_id"
            f"{hide} ORDER BY rank DESC, s.document_id DESC LIMIT :limit) AS top "
            "JOIN filing_documents d ON d.id = top.document_id "
            "ORDER BY top.rank DESC, d.id DESC"
        )
    else:
        hide = " AND d.category NOT IN :hidden" if hidden else ""
        sql = (
            f"SELECT {cols} FROM filing_search JOIN filing_documents d "
            "ON d.id = filing_search.rowid "
            "WHERE filing_search MATCH :q AND d.office_id = :office_id"
            f"{hide} ORDER BY bm25(filing_search, 10.0, 4.0, 1.0), d.id DESC LIMIT :limit"
        )
    stmt = sa.text(sql)
    if hidden:
        stmt = stmt.bindparams(sa.bindparam("hidden", expanding=True))
    return stmt


def backend_query(dialect: str, terms: Sequence[Term]) -> str:
    """The query text for ``dialect``: an FTS5 ``MATCH`` string or a ``tsquery``."""
    return _tsquery(terms) if dialect == "postgresql" else _fts5_query(terms)
