"""The clerk's records: records, record_merges, record_history.

Revision ID: clerk_records_0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "clerk_records_0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    other = target.split(".")[0]
    return sa.ForeignKey(target, name=f"fk_{table}_{column}_{other}")


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id", sa.Integer, _fk("records", "office_id", "offices.id"), nullable=False
        ),
        sa.Column("kind", sa.String(63), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("name_key", sa.String(500), nullable=True),
        sa.Column("birth_date", sa.String(10), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column(
            "entered_by", sa.Integer, _fk("records", "entered_by", "staff.id"), nullable=True
        ),
        sa.Column("entered_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column(
            "merged_into", sa.Integer, _fk("records", "merged_into", "records.id"), nullable=True
        ),
        sa.Column("erased_at", TS, nullable=True),
        sa.UniqueConstraint(
            "office_id", "kind", "fingerprint", name="uq_records_office_id_kind_fingerprint"
        ),
    )
    op.create_index("ix_records_office_id_kind_phone", "records", ["office_id", "kind", "phone"])
    op.create_index("ix_records_office_id_kind_email", "records", ["office_id", "kind", "email"])
    op.create_index(
        "ix_records_office_id_kind_birth_date", "records", ["office_id", "kind", "birth_date"]
    )
    op.create_table(
        "record_merges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id", sa.Integer, _fk("record_merges", "office_id", "offices.id"), nullable=False
        ),
        sa.Column(
            "record_id", sa.Integer, _fk("record_merges", "record_id", "records.id"), nullable=False
        ),
        sa.Column(
            "into_id", sa.Integer, _fk("record_merges", "into_id", "records.id"), nullable=False
        ),
        sa.Column("into_before", sa.Text, nullable=True),
        sa.Column("into_after", sa.Text, nullable=True),
        sa.Column("into_fingerprint", sa.String(64), nullable=False),
        sa.Column(
            "merged_by", sa.Integer, _fk("record_merges", "merged_by", "staff.id"), nullable=True
        ),
        sa.Column("merged_at", TS, nullable=False),
        sa.Column(
            "undone_by", sa.Integer, _fk("record_merges", "undone_by", "staff.id"), nullable=True
        ),
        sa.Column("undone_at", TS, nullable=True),
    )
    op.create_index("ix_record_merges_record_id", "record_merges", ["record_id"])
    op.create_index("ix_record_merges_into_id", "record_merges", ["into_id"])
    op.create_table(
        "record_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "office_id",
            sa.Integer,
            _fk("record_history", "office_id", "offices.id"),
            nullable=False,
        ),
        sa.Column(
            "record_id",
            sa.Integer,
            _fk("record_history", "record_id", "records.id"),
            nullable=False,
        ),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("field", sa.String(63), nullable=True),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
        sa.Column(
            "merge_id",
            sa.Integer,
            _fk("record_history", "merge_id", "record_merges.id"),
            nullable=True,
        ),
        sa.Column(
            "corrected_entry_by",
            sa.Integer,
            _fk("record_history", "corrected_entry_by", "staff.id"),
            nullable=True,
        ),
        sa.Column(
            "changed_by", sa.Integer, _fk("record_history", "changed_by", "staff.id"), nullable=True
        ),
        sa.Column("changed_at", TS, nullable=False),
    )
    op.create_index("ix_record_history_record_id", "record_history", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_record_history_record_id", table_name="record_history")
    op.drop_table("record_history")
    op.drop_index("ix_record_merges_into_id", table_name="record_merges")
    op.drop_index("ix_record_merges_record_id", table_name="record_merges")
    op.drop_table("record_merges")
    op.drop_index("ix_records_office_id_kind_birth_date", table_name="records")
    op.drop_index("ix_records_office_id_kind_email", table_name="records")
    op.drop_index("ix_records_office_id_kind_phone", table_name="records")
    op.drop_table("records")
