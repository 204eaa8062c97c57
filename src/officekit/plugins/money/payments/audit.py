"""The payments desk's deep audit: do the payments' rows agree with their events?

Replays the ``payments.`` events into what each payment must hold (its status,
total, what was captured and refunded) and compares every row, naming each
field that differs, each row no event created and each payment an event names
that is gone. Run by ``office.verify_audit(deep=True)`` and
``officekit audit verify --deep``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from officekit.core.events import Event
from officekit.core.extensions import AuditCheck, Finding
from officekit.plugins.money.payments.tables import payments

__all__ = ["AUDIT_CHECKS"]


def check_payments(
    conn: sa.Connection, office_id: int, events: Iterable[Event]
) -> Sequence[Finding]:
    """Compare ``payments`` with the ``payments.`` events."""
    expected: dict[int, dict[str, Any]] = {}
    seqs: dict[int, int] = {}
    for event in events:
        if event.outcome != "ok":
            continue
        d = event.detail
        pid = d.get("payment_id")
        if not isinstance(pid, int):
            continue
        row = expected.setdefault(pid, {"refunded_minor": 0, "captured_minor": 0})
        seqs[pid] = event.seq
        op, stage = event.operation, d.get("stage")
        if op == "payments.charge":
            row["total_minor"] = d["amount_minor"]
            row["status"] = stage
            if stage == "captured":
                row["captured_minor"] = d["amount_minor"]
        elif op == "payments.capture":
            row["status"] = "captured"
            row["captured_minor"] = d["amount_minor"]
        elif op == "payments.void":
            row["status"] = "voided"
        elif op == "payments.refund" and stage == "refunded":
            row["refunded_minor"] += d["amount_minor"]
            full = row["refunded_minor"] >= row["captured_minor"]
            row["status"] = "refunded" if full else "partly_refunded"
    findings: list[Finding] = []
    stmt = sa.select(
        payments.c.id,
        payments.c.status,
        payments.c.total_minor,
        payments.c.captured_minor,
        payments.c.refunded_minor,
    ).where(payments.c.office_id == office_id)
    seen: set[int] = set()
    for pid, status, total, captured, refunded in conn.execute(stmt):
        seen.add(pid)
        want = expected.get(pid)
        if want is None:
            findings.append(
                Finding(
                    "money_payments", f"payment {pid} has no event", table="payments", row_id=pid
                )
            )
            continue
        have = {
            "status": status,
            "total_minor": total,
            "captured_minor": captured,
            "refunded_minor": refunded,
        }
        for field, value in want.items():
            if have[field] != value:
                findings.append(
                    Finding(
                        "money_payments",
                        f"payment {pid}: {field} is {have[field]!r}, its events say {value!r}",
                        seq=seqs[pid],
                        table="payments",
                        row_id=pid,
                        field=field,
                    )
                )
    for pid in sorted(set(expected) - seen):
        findings.append(
            Finding(
                "money_payments",
                f"payment {pid} recorded by events is gone",
                seq=seqs[pid],
                table="payments",
                row_id=pid,
            )
        )
    return findings


AUDIT_CHECKS = (
    AuditCheck(
        "money_payments",
        check_payments,
        operations=("payments.",),
        description="Payments: status, total, captured and refunded amounts against their events.",
    ),
)
"""The payments desk's deep audit checks."""
