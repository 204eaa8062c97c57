"""On PostgreSQL, keep each event's detail parsed as ``jsonb`` beside its text.

Revision ID: 0007_events_detail_json
Revises: 0006_staff_reference
Create Date: 2026-11-30

An event's ``detail`` is canonical JSON text: the hash chain is computed over
it, byte for byte. Aggregates over a period's events (the front-office analysis
reads a handful of detail keys from every event) had PostgreSQL parse that text
again for every query, at about 2 microseconds an event: a million events cost
seconds before any sum. ``detail_json`` is a stored generated column, parsed
once when the event is appended, which any desk's aggregate may read
(``events.detail_json -> 'key'``). The text stays the record; the column is
derived from it and cannot be written.

SQLite has no binary JSON before 3.45, and its ``json_extract`` on the text is
cheap: nothing changes there. The portable table definition (``officekit.core.store``)
leaves the column out; [`DETAIL_JSON`][officekit.core.store.DETAIL_JSON] names it.
Adding it rewrites the events table once (a few seconds a million events).
"""

from __future__ import annotations

from alembic import op

revision = "0007_events_detail_json"
down_revision = "0006_staff_reference"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE events ADD COLUMN detail_json JSONB "
            "GENERATED ALWAYS AS (CAST(detail AS JSONB)) STORED"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE events DROP COLUMN detail_json")
