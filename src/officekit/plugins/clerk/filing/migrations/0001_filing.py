"""The clerk's filing: documents, their retention events, legal holds, check-outs, search.

Revision ID: clerk_filing_0001
Revises:
Create Date: 2026-12-01

The full-text index differs by backend: an FTS5 virtual table on SQLite, a table
with a ``tsvector`` column and a GIN index on PostgreSQL. Both are named
``filing_search`` and hold, for each document not destroyed, its words
normalised by ``officekit.plugins.clerk.filing.search``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "clerk_filing_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    d = "filing_documents"
    op.create_table(
        d,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("office_id", sa.Integer, _fk(d, "office_id", "offices"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("dated", sa.Date, nullable=False),
        sa.Column("tags", sa.String(1100), nullable=False),
        sa.Column("sender", sa.String(320), nullable=True),
        sa.Column("cabinet", sa.String(100), nullable=True),
        sa.Column("drawer", sa.String(100), nullable=True),
        sa.Column("folder", sa.String(100), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("media_type", sa.String(100), nullable=True),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("size", sa.BigInteger, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("filed_by", sa.Integer, _fk(d, "filed_by", "staff"), nullable=True),
        sa.Column("classified_by", sa.String(120), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("disposed_at", TS, nullable=True),
        sa.Column("disposed_by", sa.Integer, _fk(d, "disposed_by", "staff"), nullable=True),
        sa.Column("disposal", sa.String(16), nullable=True),
    )
    op.create_index("ix_filing_documents_office_id_category", d, ["office_id", "category"])
    op.create_index("ix_filing_documents_office_id_reference", d, ["office_id", "reference"])
    op.create_index("ix_filing_documents_office_id_sha256", d, ["office_id", "sha256"])

    e = "filing_document_events"
    op.create_table(
        e,
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("filing_documents.id", name=f"fk_{e}_document_id_{d}"),
            primary_key=True,
        ),
        sa.Column("event", sa.String(64), primary_key=True),
        sa.Column("occurred_on", sa.Date, nullable=False),
    )

    h = "filing_holds"
    op.create_table(
        h,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("office_id", sa.Integer, _fk(h, "office_id", "offices"), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("filing_documents.id", name=f"fk_{h}_document_id_{d}"),
            nullable=True,
        ),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("placed_by", sa.Integer, _fk(h, "placed_by", "staff"), nullable=True),
        sa.Column("released_at", TS, nullable=True),
        sa.Column("released_by", sa.Integer, _fk(h, "released_by", "staff"), nullable=True),
    )
    op.create_index("ix_filing_holds_office_id_released_at", h, ["office_id", "released_at"])

    c = "filing_checkouts"
    op.create_table(
        c,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("office_id", sa.Integer, _fk(c, "office_id", "offices"), nullable=False),
        sa.Column(
            "document_id",
            sa.Integer,
            sa.ForeignKey("filing_documents.id", name=f"fk_{c}_document_id_{d}"),
            nullable=False,
        ),
        sa.Column("staff_id", sa.Integer, _fk(c, "staff_id", "staff"), nullable=False),
        sa.Column("checked_out_at", TS, nullable=False),
        sa.Column("checked_out_by", sa.Integer, _fk(c, "checked_out_by", "staff"), nullable=True),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("returned_at", TS, nullable=True),
        sa.Column("returned_by", sa.Integer, _fk(c, "returned_by", "staff"), nullable=True),
    )
    op.create_index("ix_filing_checkouts_office_id_returned_at", c, ["office_id", "returned_at"])
    op.create_index(
        "uq_filing_checkouts_document_id_open",
        c,
        ["document_id"],
        unique=True,
        sqlite_where=sa.text("returned_at IS NULL"),
        postgresql_where=sa.text("returned_at IS NULL"),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE filing_search ("
            " document_id INTEGER PRIMARY KEY"
            "  CONSTRAINT fk_filing_search_document_id_filing_documents"
            "  REFERENCES filing_documents (id),"
            # The office and category too, so that a search filters and ranks here and
            # reads only the documents it returns.
            " office_id INTEGER NOT NULL,"
            " category VARCHAR(100) NOT NULL,"
            " tsv TSVECTOR NOT NULL,"
            # The title and metadata alone, weighted: what results are ranked by, so that
            # ranking never reads a long document's whole tsvector.
            " head TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_filing_search_tsv ON filing_search USING GIN (tsv)")
    else:
        # rowid = the document's id; the words are normalised before they get here
        op.execute("CREATE VIRTUAL TABLE filing_search USING fts5(title, meta, body)")


def downgrade() -> None:
    op.execute("DROP TABLE filing_search")
    op.drop_index("uq_filing_checkouts_document_id_open", table_name="filing_checkouts")
    op.drop_index("ix_filing_checkouts_office_id_returned_at", table_name="filing_checkouts")
    op.drop_table("filing_checkouts")
    op.drop_index("ix_filing_holds_office_id_released_at", table_name="filing_holds")
    op.drop_table("filing_holds")
    op.drop_table("filing_document_events")
    op.drop_index("ix_filing_documents_office_id_sha256", table_name="filing_documents")
    op.drop_index("ix_filing_documents_office_id_reference", table_name="filing_documents")
    op.drop_index("ix_filing_documents_office_id_category", table_name="filing_documents")
    op.drop_table("filing_documents")
