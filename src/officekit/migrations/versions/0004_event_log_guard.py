"""Guard the event log: refuse UPDATE, DELETE and TRUNCATE; keyed MACs and checkpoints.

Revision ID: 0004_event_log_guard
Revises: 0003_event_head_trigger
Create Date: 2026-12-01

The database itself refuses to change or remove an event (and a checkpoint): a
trigger raises on every UPDATE and DELETE, and on PostgreSQL on TRUNCATE. Only
someone allowed to drop or disable triggers (DDL rights) gets past them.

``events.mac`` holds the HMAC-SHA256 of the event's hash under the office's
audit key (NULL when no key was configured), and ``audit_checkpoints`` the
signed heads of the chain (see ``officekit.core.audit``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_event_log_guard"
down_revision = "0003_event_head_trigger"
branch_labels = None
depends_on = None

REFUSAL = "officekit: the event log is append-only"
"""The start of the message every refusal raises (``officekit.core.audit`` looks for it)."""

GUARDED = ("events", "audit_checkpoints")

SQLITE_TRIGGERS = [
    f"""
CREATE TRIGGER {table}_refuse_{action.lower()} BEFORE {action} ON {table}
BEGIN
    SELECT RAISE(ABORT, '{REFUSAL}: {action} of {table} refused');
END
"""
    for table in GUARDED
    for action in ("UPDATE", "DELETE")
]

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION officekit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL}: % of % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""

POSTGRES_TRIGGERS = [
    *(
        f"CREATE TRIGGER {table}_refuse_{action.lower()} BEFORE {action} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION officekit_refuse_change()"
        for table in GUARDED
        for action in ("UPDATE", "DELETE")
    ),
    *(
        f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION officekit_refuse_change()"
        for table in GUARDED
    ),
]


def upgrade() -> None:
    op.add_column("events", sa.Column("mac", sa.String(64), nullable=True))
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("office_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name="fk_audit_checkpoints_office_id_offices"
        ),
    )
    op.create_index("ix_audit_checkpoints_office_id_seq", "audit_checkpoints", ["office_id", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in GUARDED:
        for action in ("update", "delete", *(("truncate",) if postgres else ())):
            op.execute(
                f"DROP TRIGGER IF EXISTS {table}_refuse_{action}"
                + (f" ON {table}" if postgres else "")
            )
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS officekit_refuse_change()")
    op.drop_index("ix_audit_checkpoints_office_id_seq", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("mac")
