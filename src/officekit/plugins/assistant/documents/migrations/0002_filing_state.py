"""A queue item being filed: the transitional state ``filing``.

Revision ID: assistant_documents_0002
Revises: assistant_documents_0001
Create Date: 2026-12-01

Filing an incoming document where the filing desk runs takes three short
transactions: the item is claimed (``reviewed`` -> ``filing``, by a guarded
update), the document is filed at the filing desk (``filing.file``), and the
item is completed (``filing`` -> ``filed``, the ``documents.file`` event). The
state CHECK constraint admits the new value; existing rows are unchanged.
"""

from __future__ import annotations

from alembic import op

revision = "assistant_documents_0002"
down_revision = "assistant_documents_0001"
branch_labels = None
depends_on = None

_BEFORE = "state IN ('received', 'reviewed', 'filed', 'forwarded', 'returned')"
_AFTER = "state IN ('received', 'reviewed', 'filing', 'filed', 'forwarded', 'returned')"


def _check(condition: str) -> None:
    with op.batch_alter_table("document_queue") as batch:
        batch.drop_constraint("ck_document_queue_state", type_="check")
        batch.create_check_constraint("ck_document_queue_state", condition)


def upgrade() -> None:
    _check(_AFTER)


def downgrade() -> None:
    op.execute(
        "UPDATE document_queue SET state = 'reviewed', closed_at = NULL, "
        "closed_by = NULL WHERE state = 'filing'"
    )
    _check(_BEFORE)
