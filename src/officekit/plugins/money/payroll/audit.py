"""The payroll deep audit: is each cheque in the state its events put it in?

Registered with ``officekit_register_audit_checks``; run by
``office.verify_audit(deep=True)`` and ``officekit audit verify --deep``. The
``payroll.*`` events are replayed (a batch's receipt and pickup, then each
cheque's hold, hand-over or return) into the state each cheque must be in, and
the ``payroll_cheques`` table is read in batches and compared, as are the batches'
states and counts. Amounts and employees are not in the events, so they are not
checked this way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from officekit.core.events import Event
from officekit.core.extensions import AuditCheck, Finding
from officekit.plugins.money.payroll.tables import payroll_batches, payroll_cheques

__all__ = ["AUDIT_CHECKS", "check_cheques"]

_BATCH = 1000
_CHECK = "money_payroll"
_STATES = {"payroll.hold": "held", "payroll.hand_over": "handed_over", "payroll.return": "returned"}


def check_cheques(conn: sa.Connection, office_id: int, events: Iterable[Event]) -> list[Finding]:
    """Compare each payroll batch and cheque with what its events recorded."""
    batches: dict[Any, dict[str, Any]] = {}  # batch id -> state, cheques, missing, seq
    cheques: dict[Any, tuple[str, int]] = {}  # cheque id -> state, seq
    findings: list[Finding] = []
    for event in events:
        if event.outcome != "ok":
            continue
        d = event.detail
        if event.operation == "payroll.receive":
            batches[d.get("batch_id")] = {
                "state": "received", "cheques": d.get("cheques"), "missing": set(),
                "seq": event.seq,
            }  # fmt: skip
        elif event.operation == "payroll.pickup":
            batch = batches.get(d.get("batch_id"))
            if batch is None:
                findings.append(
                    Finding(_CHECK, f"event {event.seq} picks up batch {d.get('batch_id')!r}, "
                            "which no earlier event received", seq=event.seq)
                )  # fmt: skip
                continue
            batch.update(state="picked_up", missing=set(d.get("missing") or ()), seq=event.seq)
        elif event.operation in _STATES:
            cheques[d.get("cheque_id")] = (_STATES[event.operation], event.seq)
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                payroll_cheques.c.id, payroll_cheques.c.batch_id,
                payroll_cheques.c.cheque_number, payroll_cheques.c.state,
            )
            .where(payroll_cheques.c.office_id == office_id, payroll_cheques.c.id > last)
            .order_by(payroll_cheques.c.id)
            .limit(_BATCH)
        ).all()  # fmt: skip
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            batch = batches.get(row.batch_id)
            if batch is None:
                findings.append(
                    Finding(_CHECK, f"payroll_cheques row {row.id} is of a batch no event "
                            "received", table="payroll_cheques", row_id=row.id)
                )  # fmt: skip
                continue
            if row.id in cheques:
                want, seq = cheques.pop(row.id)
            elif batch["state"] == "picked_up":
                missing = row.cheque_number in batch["missing"]
                want, seq = ("missing" if missing else "picked_up"), batch["seq"]
            else:
                want, seq = "received", batch["seq"]
            if row.state != want:
                findings.append(
                    Finding(
                        _CHECK,
                        f"payroll_cheques row {row.id}: state is {row.state!r}, but event "
                        f"{seq} recorded {want!r}",
                        seq=seq, table="payroll_cheques", row_id=row.id, field="state",
                    )
                )  # fmt: skip
    for cheque_id, (_, seq) in cheques.items():
        findings.append(
            Finding(_CHECK, f"event {seq} moved cheque {cheque_id!r}, which is not in "
                    "payroll_cheques", seq=seq, table="payroll_cheques")
        )  # fmt: skip
    recorded: dict[int, Any] = {
        row.id: row
        for row in conn.execute(
            sa.select(
                payroll_batches.c.id, payroll_batches.c.state, payroll_batches.c.cheques
            ).where(payroll_batches.c.office_id == office_id)
        )
    }
    for batch_id, batch in batches.items():
        row = recorded.pop(batch_id, None)
        if row is None:
            findings.append(
                Finding(_CHECK, f"payroll batch {batch_id!r}, received by event {batch['seq']}, "
                        "is gone", seq=batch["seq"], table="payroll_batches")
            )  # fmt: skip
            continue
        for field in ("state", "cheques"):
            if getattr(row, field) != batch[field]:
                findings.append(
                    Finding(
                        _CHECK,
                        f"payroll_batches row {batch_id}: {field} is {getattr(row, field)!r}, "
                        f"but event {batch['seq']} recorded {batch[field]!r}",
                        seq=batch["seq"], table="payroll_batches", row_id=batch_id, field=field,
                    )
                )  # fmt: skip
    for batch_id in recorded:
        findings.append(
            Finding(_CHECK, f"payroll_batches row {batch_id} was received by no event",
                    table="payroll_batches", row_id=batch_id)
        )  # fmt: skip
    return findings


AUDIT_CHECKS = (
    AuditCheck(
        _CHECK,
        check_cheques,
        operations=("payroll.",),
        description="Payroll: each batch's and cheque's state against its events.",
    ),
)
"""The payroll deep audit checks."""
