"""A cheque's chain of custody, as a Hypothesis state machine.

Whatever the desk is asked, in whatever order: a cheque is in exactly one state,
moves only along the allowed transitions, skips none, and every move is an event
(``office.payroll.custody``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from officekit import ManualClock, Office
from officekit.errors import ConflictError
from officekit.plugins.money.payroll.cheques import PAYROLL_OFFICE
from officekit.plugins.money.payroll.manifest import Manifest, ManifestLine
from officekit.plugins.money.payroll.tables import CHEQUE_STATES, payroll_cheques

TRANSITIONS = {
    "received": {"picked_up", "missing"},
    "picked_up": {"held", "handed_over", "returned"},
    "held": {"handed_over", "returned"},
    "missing": set(),
    "handed_over": set(),
    "returned": set(),
}
"""Where a cheque may go from each state: nowhere else."""

STEP_TARGET = {"hold": "held", "hand_over": "handed_over", "return": "returned"}


class Custody(RuleBasedStateMachine):
    """The desk asked to move cheques at random; a model of where each must be."""

    @initialize()
    def open_office(self) -> None:
        self.tmp = tempfile.mkdtemp()
        self.clock = ManualClock(dt.datetime(2026, 1, 30, 9, tzinfo=dt.UTC))
        self.office = Office.open(
            f"sqlite:///{Path(self.tmp) / 'office.db'}", profile="medical", clock=self.clock
        )
        self.manager = self.office.staff.hire("Pat", roles=["practice_manager"], experience_years=5)
        self.employees = [self.office.staff.hire(n, roles=["clerk"]) for n in ("Ann", "Bo")]
        self.room = self.office.facet(PAYROLL_OFFICE)
        self.batches: dict[int, list[str]] = {}  # batch id -> its cheque numbers
        self.batch_state: dict[int, str] = {}
        self.state: dict[int, str] = {}  # cheque id -> state, the model
        self.moves = 0  # events the model expects
        self.numbers = 0

    def teardown(self) -> None:
        if hasattr(self, "office"):
            self.office.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    @rule(size=st.integers(1, 3))
    def receive(self, size: int) -> None:
        lines = []
        for i in range(size):
            self.numbers += 1
            member = self.employees[i % 2]
            lines.append(
                ManifestLine(
                    i + 2, str(member.id), f"N{self.numbers}", Decimal("100.00"),
                    dt.date(2026, 1, 30),
                )
            )  # fmt: skip
        with self.office.desk(self.manager) as desk:
            batch = desk.payroll.receive(Manifest(tuple(lines), "m.csv"))
            cheques = desk.payroll.cheques(batch)
        self.batches[batch.id] = [c.cheque_number for c in cheques]
        self.batch_state[batch.id] = "received"
        self.state.update((c.id, "received") for c in cheques)
        self.moves += 1

    @rule(data=st.data())
    def pickup(self, data: st.DataObject) -> None:
        if not self.batches:
            return
        batch_id = data.draw(st.sampled_from(sorted(self.batches)))
        numbers = self.batches[batch_id]
        counted = data.draw(st.lists(st.sampled_from(numbers), unique=True))
        with self.office.desk(self.manager) as desk:
            if self.batch_state[batch_id] != "received":
                with pytest.raises(ConflictError):
                    desk.payroll.pickup(batch_id, counted=counted)
                return
            found = desk.payroll.pickup(batch_id, counted=counted)
        self.batch_state[batch_id] = "picked_up"
        self.moves += 1
        assert {e.cheque_number for e in found} == set(numbers) - set(counted)
        for cheque in self.room.cheques(batch_id):
            self.state[cheque.id] = "picked_up" if cheque.cheque_number in counted else "missing"

    @rule(data=st.data(), step=st.sampled_from(sorted(STEP_TARGET)))
    def move(self, data: st.DataObject, step: str) -> None:
        if not self.state:
            return
        cheque_id = data.draw(st.sampled_from(sorted(self.state)))
        cheque = self.room.get(cheque_id)
        target = STEP_TARGET[step]
        allowed = target in TRANSITIONS[self.state[cheque_id]]
        with self.office.desk(self.manager) as desk:

            def go() -> object:
                if step == "hold":
                    return desk.payroll.hold(cheque_id)
                if step == "hand_over":
                    return desk.payroll.hand_over(cheque_id, to=cheque.staff_id, acknowledged=True)
                return desk.payroll.return_cheque(cheque_id, reason="other")

            if not allowed:
                with pytest.raises(ConflictError):
                    go()
                return
            go()
        self.state[cheque_id] = target
        self.moves += 1

    @rule(hours=st.integers(1, 24 * 20))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @invariant()
    def one_known_state_as_the_model_says(self) -> None:
        if not hasattr(self, "office"):
            return
        with self.office.engine.connect() as conn:
            rows = dict(
                conn.execute(sa.select(payroll_cheques.c.id, payroll_cheques.c.state)).all()
            )
        assert rows == self.state
        assert set(rows.values()) <= set(CHEQUE_STATES)

    @invariant()
    def every_move_is_an_event(self) -> None:
        if not hasattr(self, "office"):
            return
        assert len(self.office.events(operation="payroll.")) == self.moves

    @invariant()
    def the_custody_skips_no_state(self) -> None:
        if not hasattr(self, "office") or not self.state:
            return
        for cheque_id in sorted(self.state)[-3:]:  # the latest few: enough, and quick
            states = []
            for event in self.room.custody(cheque_id):
                if event.operation == "payroll.receive":
                    states.append("received")
                elif event.operation == "payroll.pickup":
                    number = self.room.get(cheque_id).cheque_number
                    states.append("missing" if number in event.detail["missing"] else "picked_up")
                else:
                    states.append(STEP_TARGET[event.operation.removeprefix("payroll.")])
            assert states[0] == "received"
            for before, after in itertools.pairwise(states):
                assert after in TRANSITIONS[before], states
            assert states[-1] == self.state[cheque_id]


Custody.TestCase.settings = settings(max_examples=15, stateful_step_count=20, deadline=None)
test_custody = Custody.TestCase
