"""Move the event chain's head in the database, on every insert into events.

Revision ID: 0003_event_head_trigger
Revises: 0002_reception
Create Date: 2026-11-27

The office row's ``event_seq`` and ``event_head`` follow the last event appended:
a trigger sets them as part of the insert, one statement fewer per event than
updating them from Python, and the head stays right whatever inserts the row.
"""

from __future__ import annotations

from alembic import op

revision = "0003_event_head_trigger"
down_revision = "0002_reception"
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
CREATE TRIGGER events_move_head AFTER INSERT ON events
BEGIN
    UPDATE offices SET event_seq = NEW.seq, event_head = NEW.hash WHERE id = NEW.office_id;
END
"""

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION officekit_events_move_head() RETURNS trigger AS $$
BEGIN
    UPDATE offices SET event_seq = NEW.seq, event_head = NEW.hash WHERE id = NEW.office_id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""

POSTGRES_TRIGGER = """
CREATE TRIGGER events_move_head AFTER INSERT ON events
FOR EACH ROW EXECUTE FUNCTION officekit_events_move_head()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS events_move_head"
        + (" ON events" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS officekit_events_move_head()")
