"""The documents deep audit: each incoming document's state against its events."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from officekit import ManualClock, Office
from officekit.core.store import write_transaction
from officekit.plugins.assistant.documents.queue import STALE_CLAIM
from officekit.plugins.assistant.documents.tables import document_queue


def _queue(office: Office) -> dict[str, int]:
    pat = office.staff.hire("Pat Grant", roles=["administrative_assistant"], experience_years=4)
    ids: dict[str, int] = {}
    with office.desk(pat) as desk:
        docs = desk.documents
        ids["received"] = docs.receive("letter").id
        ids["reviewed"] = docs.review(docs.receive("letter")).id
        ids["filed"] = docs.file(docs.review(docs.receive("lab_result"))).id
        ids["forwarded"] = docs.forward(docs.review(docs.receive("letter")), to="billing").id
        ids["returned"] = docs.return_item(docs.review(docs.receive("letter")), reason="other").id
    return ids


def _set(office: Office, item_id: int, **values: object) -> None:
    with write_transaction(office.engine) as conn:
        conn.execute(document_queue.update().where(document_queue.c.id == item_id).values(**values))


def test_a_queue_moved_by_its_operations_passes(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("medical")
    ids = _queue(office)
    # An item claimed for filing (no event yet) agrees with its review.
    _set(office, ids["reviewed"], state="filing", closed_at=clock.now(), closed_by=1)
    report = office.verify_audit(deep=True)
    assert report.ok, report.findings
    clock.advance(STALE_CLAIM)
    with office.desk(office.staff.list()[0]) as desk:
        desk.documents.file(ids["reviewed"])  # the retry completes it
    assert office.verify_audit(deep=True).ok


def test_a_changed_state_or_what_a_step_kept_is_found(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("medical")
    ids = _queue(office)
    _set(office, ids["received"], state="reviewed")
    _set(office, ids["filed"], filing_document_id=999)
    _set(office, ids["forwarded"], forwarded_to="triage")
    _set(office, ids["returned"], state="reviewed", closed_at=None, closed_by=None)
    with write_transaction(office.engine) as conn:
        conn.execute(sa.delete(document_queue).where(document_queue.c.id == ids["reviewed"]))
        row = (
            conn.execute(sa.select(document_queue).where(document_queue.c.id == ids["received"]))
            .one()
            ._asdict()
        )
        del row["id"]
        added = conn.execute(
            document_queue.insert().values(**row).returning(document_queue.c.id)
        ).scalar_one()
    report = office.verify_audit(deep=True)
    found = {(f.row_id, f.field) for f in report.findings if f.check == "assistant_documents"}
    assert found == {
        (ids["received"], "state"),
        (ids["filed"], "filing_document_id"),
        (ids["forwarded"], "forwarded_to"),
        (ids["returned"], "state"),
        (added, None),  # a row no event received
        (None, None),  # the deleted row: its events name an item not in the table
    }
    assert all(f.seq is not None for f in report.findings if f.row_id != added)
    gone = [f for f in report.findings if f.row_id is None]
    assert f"incoming document {ids['reviewed']}" in gone[0].reason
