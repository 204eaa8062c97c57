"""The phone system as a state machine: no call is lost, no line double-booked, one outcome each."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    precondition,
    rule,
)
from tests.reception_profile import write_reception_profile

from officekit import ConflictError, ManualClock, Office
from officekit.plugins.reception.calls import LIVE

LINES = 3
_TEMPLATE: dict[str, Path] = {}


def _template() -> tuple[Path, Path]:
    """A migrated store and its profile, made once and copied for every run (fast)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="okit-stateful-"))
        write_reception_profile(folder / "fd")
        profile = folder / "small"
        profile.mkdir()
        (profile / "profile.toml").write_text(f'extends = "../fd"\n[phones]\nlines = {LINES}\n')
        db = folder / "template.db"
        office = Office.open(f"sqlite:///{db}", profile=profile, key="fd")
        office.staff.hire("Anna", roles=["receptionist"])
        office.close()
        _TEMPLATE.update(db=db, profile=profile)
    return _TEMPLATE["db"], _TEMPLATE["profile"]


class PhoneSystemMachine(RuleBasedStateMachine):
    received = Bundle("received")

    @initialize()
    def open_office(self) -> None:
        db, _ = _template()
        self.dir = Path(tempfile.mkdtemp(prefix="okit-run-"))
        shutil.copy(db, self.dir / "office.db")
        self.clock = ManualClock(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
        self.office = Office.open(f"sqlite:///{self.dir / 'office.db'}", clock=self.clock)
        self.anna = self.office.staff.list()[0]
        self.count = 0
        self.model: dict[int, str] = {}  # call id -> expected status

    def teardown(self) -> None:
        if hasattr(self, "office"):
            self.office.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- actions ------------------------------------------------------------------

    @rule(target=received, reason=st.sampled_from(["hello", "book an appointment", "my bill"]))
    def call_comes_in(self, reason: str) -> int:
        self.count += 1
        call = self.office.calls.receive(f"020 7946 {self.count:04d}", reason)
        on_lines = sum(1 for s in self.model.values() if s in ("ringing", "connected", "on_hold"))
        expected = "ringing" if on_lines < LINES else "queued"
        assert call.status == expected
        self.model[call.id] = call.status
        return call.id

    @rule(seconds=st.integers(1, 120))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds=seconds)

    def _do(self, call_id: int, action: str) -> None:
        with self.office.desk(self.anna) as desk:
            method = getattr(desk.calls, action)
            try:
                if action == "transfer":
                    method(call_id, department="billing")
                elif action == "take_message":
                    method(call_id, "please call back", department="billing")
                else:
                    method(call_id)
            except ConflictError:
                allowed = {
                    "answer": ("ringing",),
                    "hold": ("connected",),
                    "resume": ("on_hold",),
                }.get(action, ("connected", "on_hold"))
                assert self.model[call_id] not in allowed, (
                    f"{action} refused on {self.model[call_id]}"
                )
                return
        self._resync()

    def _resync(self) -> None:
        for call_id in self.model:
            self.model[call_id] = self.office.calls.get(call_id).status

    @rule(call_id=received)
    def answer(self, call_id: int) -> None:
        self._do(call_id, "answer")

    @rule(call_id=received)
    def hold(self, call_id: int) -> None:
        self._do(call_id, "hold")

    @rule(call_id=received)
    def resume(self, call_id: int) -> None:
        self._do(call_id, "resume")

    @rule(
        call_id=consumes(received), action=st.sampled_from(["transfer", "take_message", "complete"])
    )
    def finish(self, call_id: int, action: str) -> None:
        self._do(call_id, action)

    @precondition(lambda self: any(s in LIVE for s in self.model.values()))
    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        live = sorted(i for i, s in self.model.items() if s in LIVE)
        call_id = data.draw(st.sampled_from(live))
        ended = self.office.calls.hang_up(call_id)
        assert ended.outcome == (
            "abandoned" if self.model[call_id] in ("queued", "ringing") else "completed"
        )
        self._resync()

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def no_call_is_lost(self) -> None:
        if hasattr(self, "office"):
            ids = {c.id for c in self.office.calls.between(
                dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
            )}  # fmt: skip
            assert ids == set(self.model)

    @invariant()
    def lines_are_never_double_booked(self) -> None:
        if hasattr(self, "office"):
            live = self.office.calls.live()
            lines = [c.line for c in live if c.line is not None]
            assert len(lines) == len(set(lines))
            assert all(1 <= n <= LINES for n in lines)
            on_line = {c.id for c in live if c.status in ("ringing", "connected", "on_hold")}
            assert {c.id for c in live if c.line is not None} == on_line
            if any(c.status == "queued" for c in live):
                assert len(lines) == LINES  # nobody waits while a line is free

    @invariant()
    def every_call_has_one_outcome_when_it_ends(self) -> None:
        if hasattr(self, "office"):
            for call_id, status in self.model.items():
                call = self.office.calls.get(call_id)
                assert call.status == status
                assert (call.outcome is not None) == (call.status == "ended")
                assert call.hold_seconds >= 0


PhoneSystemMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
)
test_phone_system_state_machine = PhoneSystemMachine.TestCase
