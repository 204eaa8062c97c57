"""The documents deep audit: is each incoming document in the state its events put it in?

Registered through the part's ``audit_checks()``; run by
``office.verify_audit(deep=True)`` and ``officekit audit verify --deep``. The
``documents.*`` events of the queue are replayed (``receive``, then ``review``,
then ``file``, ``forward`` or ``return``) into the state each item must be in,
and the ``document_queue`` table is read in batches and compared: its state and
kind, and what its last step recorded (the filing desk's document, the
department, the reason).

An item claimed for filing (``filing``) has no event of its own: its claim is
not an operation (see ``DocumentsDesk.file``), so ``filing`` agrees with a
replayed ``reviewed``. Who did each step and when are not compared (the events
have the actor and time; the table copies them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from officekit.core.events import Event
from officekit.core.extensions import AuditCheck, Finding
from officekit.plugins.assistant.documents.tables import document_queue

__all__ = ["AUDIT_CHECKS", "check_queue"]

_BATCH = 1000
_CHECK = "assistant_documents"
_TABLE = "document_queue"
_STATES = {
    "documents.receive": "received",
    "documents.review": "reviewed",
    "documents.file": "filed",
    "documents.forward": "forwarded",
    "documents.return": "returned",
}
# What the closing step recorded, and the column it must equal: (detail key, column).
_KEPT = {
    "documents.file": ("document_id", "filing_document_id"),
    "documents.forward": ("department", "forwarded_to"),
    "documents.return": ("reason", "return_reason"),
}
_AGREES = {"reviewed": ("reviewed", "filing")}  # a claim for filing records no event


def check_queue(conn: sa.Connection, office_id: int, events: Iterable[Event]) -> list[Finding]:
    """Compare each item of the queue of incoming documents with what its events recorded."""
    # item id -> {"state", "kind", "seq", and the closing step's (column, value)}
    items: dict[Any, dict[str, Any]] = {}
    findings: list[Finding] = []
    for event in events:
        state = _STATES.get(event.operation)
        if event.outcome != "ok" or state is None:
            continue
        d = event.detail
        item_id = d.get("item_id")
        if event.operation == "documents.receive":
            items[item_id] = {"state": state, "kind": d.get("kind"), "seq": event.seq}
            continue
        item = items.get(item_id)
        if item is None:
            findings.append(
                Finding(_CHECK, f"event {event.seq} ({event.operation}) moves incoming "
                        f"document {item_id!r}, which no earlier event received", seq=event.seq)
            )  # fmt: skip
            continue
        item.update(state=state, seq=event.seq)
        kept = _KEPT.get(event.operation)
        if kept is not None:
            item["kept"] = (kept[1], d.get(kept[0]))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                document_queue.c.id, document_queue.c.kind, document_queue.c.state,
                document_queue.c.filing_document_id, document_queue.c.forwarded_to,
                document_queue.c.return_reason,
            )
            .where(document_queue.c.office_id == office_id, document_queue.c.id > last)
            .order_by(document_queue.c.id)
            .limit(_BATCH)
        ).all()  # fmt: skip
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            item = items.pop(row.id, None)
            if item is None:
                findings.append(
                    Finding(_CHECK, f"{_TABLE} row {row.id} was received by no event",
                            table=_TABLE, row_id=row.id)
                )  # fmt: skip
                continue
            findings.extend(_compare(row, item))
    for item_id, item in items.items():
        findings.append(
            Finding(_CHECK, f"incoming document {item_id!r}, recorded by event {item['seq']}, "
                    f"is not in {_TABLE}", seq=item["seq"], table=_TABLE)
        )  # fmt: skip
    return findings


def _compare(row: Any, item: dict[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    want, seq = item["state"], item["seq"]
    if row.state not in _AGREES.get(want, (want,)):
        found.append(_differs(row.id, "state", row.state, want, seq))
    if row.kind != item["kind"]:
        found.append(_differs(row.id, "kind", row.kind, item["kind"], seq))
    kept = item.get("kept")
    if kept is not None:
        column, value = kept
        if column == "filing_document_id" and value is None:
            pass  # filed without the filing desk: no document to compare
        elif getattr(row, column) != value:
            found.append(_differs(row.id, column, getattr(row, column), value, seq))
    return found


def _differs(row_id: int, field: str, got: Any, want: Any, seq: int) -> Finding:
    return Finding(
        _CHECK,
        f"{_TABLE} row {row_id}: {field} is {got!r}, but event {seq} recorded {want!r}",
        seq=seq, table=_TABLE, row_id=row_id, field=field,
    )  # fmt: skip


AUDIT_CHECKS = (
    AuditCheck(
        _CHECK,
        check_queue,
        operations=("documents.",),
        description="Documents: each incoming document's state against its events.",
    ),
)
"""The documents deep audit checks."""
