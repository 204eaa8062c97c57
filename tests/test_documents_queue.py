"""The queue of incoming documents: received -> reviewed -> filed, forwarded or returned."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from typer.testing import CliRunner

from officekit import ManualClock, Office
from officekit.cli import get_app
from officekit.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from officekit.plugins.assistant.documents.queue import (
    ALLOWED,
    DOCUMENTS_DESK,
    DOCUMENTS_OFFICE,
    RETURN_REASONS,
    QueueItem,
)
from officekit.plugins.assistant.documents.tables import OPEN_STATES, document_queue

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _staff(office: Office) -> tuple[Any, Any, Any]:
    """A receptionist (intake only), an assistant (everything), a practice manager."""
    rosa = office.staff.hire("Rosa Silva", roles=["receptionist"])
    pat = office.staff.hire("Pat Grant", roles=["administrative_assistant"], experience_years=4)
    max_ = office.staff.hire("Max Rao", roles=["practice_manager"], experience_years=9)
    return rosa, pat, max_


def _rows(office: Office) -> int:
    with office.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(document_queue)).scalar())


def test_an_item_goes_through_the_queue_and_is_filed_by_the_filing_desk(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("medical")
    rosa, pat, _ = _staff(office)
    with office.desk(rosa) as desk:
        item = desk.facet(DOCUMENTS_DESK).receive("lab_result", sender_ref="LAB/2026-0042")
    assert (item.state, item.kind, item.received_by) == ("received", "lab_result", rosa.id)
    assert item.due_at == START + dt.timedelta(hours=24)  # the kind's review_hours
    clock.advance(dt.timedelta(minutes=90))
    with office.desk(pat) as desk:
        reviewed = desk.documents.review(item)
        clock.advance(dt.timedelta(minutes=30))
        filed = desk.documents.file(reviewed)
    assert (reviewed.state, reviewed.reviewed_by) == ("reviewed", pat.id)
    assert (filed.state, filed.closed_by) == ("filed", pat.id)
    document = office.filing.get(filed.filing_document_id)
    assert (document.category, document.kind, document.cabinet) == (
        "patient_records", "paper", "Incoming",
    )  # fmt: skip
    assert document.title == "Lab result received 2026-03-02"
    events = [e for e in office.events() if e.operation.startswith(("documents.", "filing."))]
    assert [e.operation for e in events] == [
        "documents.receive", "documents.review", "filing.file", "documents.file",
    ]  # fmt: skip
    assert events[0].detail == {
        "item_id": item.id, "kind": "lab_result", "state": "received", "review_hours": 24,
    }  # fmt: skip
    assert events[1].detail == {
        "item_id": item.id, "kind": "lab_result", "state": "reviewed", "minutes": 90,
        "overdue": False,
    }  # fmt: skip
    assert events[3].subject == f"document_item:{item.id}"
    assert events[3].detail == {
        "item_id": item.id, "kind": "lab_result", "state": "filed", "minutes": 120,
        "overdue": False, "document_id": document.id,
    }  # fmt: skip
    assert "LAB/2026-0042" not in json.dumps([e.detail for e in events])


def test_forward_and_return_are_recorded_with_department_and_reason(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("legal")
    assistant = office.staff.hire("Pat Grant", roles=["legal_secretary"], experience_years=4)
    with office.desk(assistant) as desk:
        served = desk.documents.receive("service_of_process")
        papers = desk.documents.receive("court_papers", sender_ref="CV-2026-118")
        clock.advance(dt.timedelta(hours=3))
        desk.documents.review(served)
        desk.documents.review(papers)
        forwarded = desk.documents.forward(served, to="litigation")
        returned = desk.documents.return_item(papers, reason="not_accepted")
    assert (forwarded.state, forwarded.forwarded_to) == ("forwarded", "litigation")
    assert (returned.state, returned.return_reason) == ("returned", "not_accepted")
    forward, back = [e for e in office.events() if e.operation in ("documents.forward",
                                                                   "documents.return")]  # fmt: skip
    assert forward.detail == {
        "item_id": served.id, "kind": "service_of_process", "state": "forwarded",
        "minutes": 180, "overdue": True, "department": "litigation",
    }  # fmt: skip  # served two hours' deadline has passed
    assert back.detail["reason"] == "not_accepted" and back.detail["overdue"] is False


def test_steps_from_the_wrong_state_are_refused_and_change_nothing(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("medical")
    _, pat, _ = _staff(office)
    with office.desk(pat) as desk:
        item = desk.documents.receive("letter")
        for step in (
            lambda: desk.documents.file(item),
            lambda: desk.documents.forward(item, to="triage"),
            lambda: desk.documents.return_item(item),
        ):
            before = len(office.events())
            with pytest.raises(ConflictError, match="is received: only one that is reviewed"):
                step()
            assert len(office.events()) == before
        desk.documents.review(item)
        with pytest.raises(ConflictError, match="is reviewed: only one that is received"):
            desk.documents.review(item)
        desk.documents.forward(item, to="triage")
        with pytest.raises(ConflictError, match="is forwarded"):
            desk.documents.file(item)
        with pytest.raises(NotFoundError, match="no incoming document with id 999"):
            desk.documents.review(999)
    assert office.facet(DOCUMENTS_OFFICE).get(item).state == "forwarded"


def test_each_step_needs_its_responsibility(open_office: Callable[..., Office]) -> None:
    office = open_office("medical")
    rosa, pat, max_ = _staff(office)
    with office.desk(rosa) as desk:
        item = desk.documents.receive("referral_letter")
        with pytest.raises(PermissionDenied):
            desk.documents.review(item)
    with office.desk(pat) as desk:
        desk.documents.review(item)
    with office.desk(rosa) as desk, pytest.raises(PermissionDenied):
        desk.documents.file(item)  # refused before anything is claimed or filed
    assert office.facet(DOCUMENTS_OFFICE).get(item).state == "reviewed"
    assert office.filing.list() == []
    # The practice manager reviews and files documents: the profile grants both
    # documents.file and filing.file (a profile that did not is refused at loading).
    with office.desk(max_) as desk:
        assert desk.can("documents.file").allowed and desk.can("filing.file").allowed
        assert desk.documents.file(item).state == "filed"
    refusals = [e for e in office.events() if e.outcome == "denied"]
    assert [e.operation for e in refusals] == ["documents.review", "documents.file"]


def test_without_the_filing_desk_filed_only_marks_it(tmp_path: Path, sqlite_url: str) -> None:
    folder = tmp_path / "nofiling"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        'extends = "medical"\n[plugins]\ndisable = ["officekit.plugins.clerk"]\n',
        encoding="utf-8",
    )
    office = Office.open(sqlite_url, profile=folder)
    assert "filing" not in office.office_facets
    pat = office.staff.hire("Pat Grant", roles=["administrative_assistant"], experience_years=4)
    with office.desk(pat) as desk:
        item = desk.documents.review(desk.documents.receive("lab_result"))
        filed = desk.documents.file(item)
    assert (filed.state, filed.filing_document_id) == ("filed", None)
    [event] = [e for e in office.events() if e.operation == "documents.file"]
    assert "document_id" not in event.detail
    office.close()


def test_overdue_items_are_selected_in_sql(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("medical")
    _, pat, _ = _staff(office)
    docs = office.facet(DOCUMENTS_OFFICE)
    with office.desk(pat) as desk:
        lab = desk.documents.receive("lab_result")  # 24 hours
        letter = desk.documents.receive("letter")  # 48 hours
        done = desk.documents.receive("lab_result")
        desk.documents.forward(desk.documents.review(done), to="billing")
        clock.advance(dt.timedelta(hours=30))
        desk.documents.review(lab)
    assert docs.overdue() == [docs.get(lab)]  # reviewed, not yet dealt with: still overdue
    assert [i.id for i in docs.overdue(START + dt.timedelta(hours=49))] == [lab.id, letter.id]
    assert docs.overdue(START + dt.timedelta(hours=24)) == []  # due at, not after
    assert [i.id for i in docs.queue()] == [lab.id, letter.id]
    assert [i.id for i in docs.queue(state="forwarded")] == [done.id]
    assert len(docs.queue(state="all")) == 3
    with pytest.raises(ValidationError):
        docs.overdue(dt.datetime(2026, 3, 2))  # naive
    with pytest.raises(ValidationError):
        docs.queue(state="lost")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.one_of(st.none(), st.integers(), st.text(max_size=12), st.just("letter")),
    ref=st.one_of(st.none(), st.integers(), st.text(max_size=120)),
    to=st.one_of(st.none(), st.integers(), st.text(max_size=12)),
    reason=st.one_of(st.none(), st.integers(), st.text(max_size=12)),
    item=st.one_of(st.none(), st.text(max_size=3), st.integers(-5, 10**12), st.booleans()),
)
def test_wrong_values_are_refused_and_change_nothing(
    sqlite_office: Office, kind: Any, ref: Any, to: Any, reason: Any, item: Any
) -> None:
    office = sqlite_office
    pat = (
        office.staff.list()[0]
        if office.staff.list()
        else office.staff.hire("Pat Grant", roles=["administrative_assistant"], experience_years=4)
    )
    before = (_rows(office), len(office.events()))
    with office.desk(pat) as desk:
        try:
            desk.documents.receive(kind, sender_ref=ref)
        except ValidationError:
            assert (_rows(office), len(office.events())) == before
        for step in (
            lambda: desk.documents.forward(item, to=to),
            lambda: desk.documents.return_item(item, reason=reason),
            lambda: desk.documents.review(item),
            lambda: desk.documents.file(item),
        ):
            counts = (_rows(office), len(office.events()))
            try:
                step()
            except (ValidationError, NotFoundError, ConflictError):
                assert (_rows(office), len(office.events())) == counts


def test_cli_moves_the_queue_and_lists_the_overdue(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    office = Office.open(db, profile="medical")
    office.staff.hire("Pat Grant", roles=["administrative_assistant"], experience_years=4)
    office.close()
    runner = CliRunner()
    app = get_app()

    def run(*args: str) -> Any:
        return runner.invoke(app, ["documents", "queue", *args, "--db", db])

    got = run(
        "receive", "lab_result", "--as", "Pat Grant", "--sender-ref", "L-1", "--format", "json"
    )
    assert got.exit_code == 0, got.output
    item = json.loads(got.output)["item"]
    assert run("receive", "letter", "--as", "1").exit_code == 0
    assert run("review", str(item), "--as", "1").exit_code == 0
    filed = run("file", str(item), "--as", "1", "--cabinet", "Lab results")
    assert filed.exit_code == 0 and "filed" in filed.output
    assert run("review", "2", "--as", "1").exit_code == 0
    forwarded = run("forward", "2", "--as", "1", "--to", "triage", "--format", "json")
    assert json.loads(forwarded.output)["forwarded_to"] == "triage"
    assert run("receive", "letter", "--as", "1").exit_code == 0
    assert run("review", "3", "--as", "1").exit_code == 0
    assert "returned" in run("return", "3", "--as", "1", "--reason", "incomplete").output
    assert run("receive", "letter", "--as", "1").exit_code == 0
    listed = run("list", "--format", "json")
    assert [r["item"] for r in json.loads(listed.output)] == [4]
    late = run("list", "--overdue", "--at", "2099-01-01T00:00", "--format", "json")
    assert [r["item"] for r in json.loads(late.output)] == [4]
    assert "1 item(s)" in run("list", "--state", "filed").output
    refused = run("review", "1", "--as", "1")
    assert refused.exit_code != 0 and isinstance(refused.exception, ConflictError)
    assert run("list", "--overdue", "--state", "filed").exit_code == 2


# -- the queue as a state machine, on both backends ---------------------------------------------

KINDS = ("letter", "lab_result", "referral_letter")
NEXT = {"received": ("review",), "reviewed": ("file", "forward", "return")}


class QueueMachine(RuleBasedStateMachine):
    """Random steps on random items: the queue keeps to its transitions and deadlines."""

    items = Bundle("items")

    def __init__(self, url: str, counter: itertools.count[int]) -> None:
        super().__init__()
        self.clock = ManualClock(START)
        self.office = Office.open(url, profile="medical", key=f"q{next(counter)}", clock=self.clock)
        self.pat = self.office.staff.hire(
            "Pat Grant", roles=["administrative_assistant"], experience_years=4
        )
        self.model: dict[int, tuple[str, dt.datetime]] = {}  # id -> state, due
        self.history: dict[int, list[str]] = {}
        self.docs = self.office.facet(DOCUMENTS_OFFICE)

    def teardown(self) -> None:
        self.office.close()

    @initialize()
    def nothing_yet(self) -> None:
        assert self.docs.queue(state="all") == []

    @rule(target=items, kind=st.sampled_from(KINDS))
    def receive(self, kind: str) -> int:
        with self.office.desk(self.pat) as desk:
            item = desk.documents.receive(kind)
        hours = self.docs.settings.hours_for(kind)
        self.model[item.id] = ("received", self.clock.now() + dt.timedelta(hours=hours))
        self.history[item.id] = ["received"]
        return item.id

    @rule(minutes=st.integers(1, 60 * 30))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(dt.timedelta(minutes=minutes))

    @rule(item=items, step=st.sampled_from(sorted(ALLOWED)), data=st.data())
    def step(self, item: int, step: str, data: st.DataObject) -> None:
        state, due = self.model[item]
        allowed = step in NEXT.get(state, ())
        with self.office.desk(self.pat) as desk:
            docs = desk.documents
            try:
                if step == "review":
                    got = docs.review(item)
                elif step == "file":
                    got = docs.file(item)
                elif step == "forward":
                    got = docs.forward(item, to=data.draw(st.sampled_from(["triage", "billing"])))
                else:
                    got = docs.return_item(item, reason=data.draw(st.sampled_from(RETURN_REASONS)))
            except ConflictError:
                assert not allowed, (item, state, step)
                return
        assert allowed, (item, state, step)
        assert isinstance(got, QueueItem) and got.state == _reached(step)
        self.model[item] = (got.state, due)
        self.history[item].append(got.state)

    @invariant()
    def every_item_is_in_exactly_its_models_state(self) -> None:
        items = self.docs.queue(state="all")
        assert {i.id: i.state for i in items} == {k: s for k, (s, _) in self.model.items()}
        assert len({i.id for i in items}) == len(items)  # no item in two states (rows)
        for item in items:
            assert (item.reviewed_at is not None) == (item.state != "received")
            assert (item.closed_at is not None) == (item.state not in ("received", "reviewed"))
            assert (item.filing_document_id is not None) == (item.state == "filed")

    @invariant()
    def no_step_is_skipped(self) -> None:
        for path in self.history.values():
            assert path[0] == "received"
            assert path[1:2] in ([], ["reviewed"])
            assert len(path) <= 3 and all(s in ("filed", "forwarded", "returned") for s in path[2:])

    @invariant()
    def overdue_listing_equals_the_reference(self) -> None:
        now = self.clock.now()
        expected = sorted(
            (due, item) for item, (state, due) in self.model.items()
            if state in OPEN_STATES and due < now
        )  # fmt: skip
        assert [i.id for i in self.docs.overdue()] == [item for _, item in expected]


def _reached(step: str) -> str:
    return {"review": "reviewed", "file": "filed", "forward": "forwarded", "return": "returned"}[
        step
    ]


def test_the_queue_as_a_state_machine(store_url: str) -> None:
    counter = itertools.count()
    run_state_machine_as_test(
        lambda: QueueMachine(store_url, counter),
        settings=settings(
            max_examples=15 if "postgresql" in store_url else 30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
