"""Filing an incoming document at the filing desk: claimed, filed, completed; never twice.

``documents.file`` takes three short transactions where the filing desk runs
(claim ``reviewed`` -> ``filing``, ``filing.file``, complete ``filing`` ->
``filed``). These tests interleave another desk between the steps, crash
between them, and retry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from officekit import ManualClock, Office
from officekit.errors import ConflictError, PermissionDenied, ProfileError, ValidationError
from officekit.plugins.assistant.documents.queue import DOCUMENTS_OFFICE, STALE_CLAIM, QueueItem


class Crash(Exception):
    """The process dies between two steps (not an officekit error: nothing is undone)."""


def _two(office: Office) -> tuple[Any, Any]:
    pat = office.staff.hire("Pat Grant", roles=["administrative_assistant"], experience_years=4)
    lee = office.staff.hire("Lee Park", roles=["administrative_assistant"], experience_years=4)
    return pat, lee


def _reviewed(office: Office, who: Any, kind: str = "letter") -> QueueItem:
    with office.desk(who) as desk:
        item: QueueItem = desk.documents.review(desk.documents.receive(kind))
    return item


def _operations(office: Office) -> list[str]:
    return [
        e.operation
        for e in office.events()
        if e.operation in ("filing.file", "documents.file") and e.outcome == "ok"
    ]


def test_another_desk_cannot_file_or_return_an_item_being_filed(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("medical")
    pat, lee = _two(office)
    item = _reviewed(office, pat)
    refused: list[str] = []
    with office.desk(pat) as desk:
        real = desk.filing.file

        def interleaved(*args: Any, **kwargs: Any) -> Any:
            # Between pat's claim and pat's filing, lee tries to file and return it.
            with office.desk(lee) as other:
                for step in (
                    lambda: other.documents.file(item),
                    lambda: other.documents.return_item(item, reason="other"),
                    lambda: other.documents.forward(item, to="triage"),
                ):
                    with pytest.raises(ConflictError) as caught:
                        step()
                    refused.append(str(caught.value))
            return real(*args, **kwargs)

        desk.filing.file = interleaved
        filed = desk.documents.file(item)
    assert "is being filed" in refused[0] and "try again after" in refused[0]
    assert all("is filing: only one that is reviewed" in r for r in refused[1:])
    assert (filed.state, filed.closed_by) == ("filed", pat.id)
    assert [d.id for d in office.filing.list()] == [filed.filing_document_id]
    assert office.filing.get(filed.filing_document_id).tags == (f"incoming:{item.id}",)
    assert _operations(office) == ["filing.file", "documents.file"]


def test_two_desks_filing_at_once_file_it_once(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("legal")
    pat, lee = _two(office)
    item = _reviewed(office, pat)
    with office.desk(pat) as first, office.desk(lee) as second:
        real = first.filing.file
        outcome: list[Any] = []

        def both(*args: Any, **kwargs: Any) -> Any:
            try:  # the second desk files while the first is filing
                outcome.append(second.documents.file(item))
            except ConflictError as exc:
                outcome.append(exc)
            return real(*args, **kwargs)

        first.filing.file = both
        filed = first.documents.file(item)
    assert isinstance(outcome[0], ConflictError)
    assert filed.state == "filed" and len(office.filing.list()) == 1
    assert _operations(office) == ["filing.file", "documents.file"]


@pytest.mark.parametrize("crash", ["before_filing", "after_filing"])
def test_an_item_left_filing_by_a_crash_is_listed_and_a_retry_completes_it_once(
    open_office: Callable[..., Office], clock: ManualClock, crash: str
) -> None:
    office = open_office("medical")
    pat, lee = _two(office)
    docs = office.facet(DOCUMENTS_OFFICE)
    item = _reviewed(office, pat, "lab_result")
    with office.desk(pat) as desk:
        real = desk.filing.file

        def dying(*args: Any, **kwargs: Any) -> Any:
            if crash == "after_filing":
                real(*args, **kwargs)
            raise Crash

        desk.filing.file = dying
        with pytest.raises(Crash):
            desk.documents.file(item)
    stuck = docs.get(item)
    assert (stuck.state, stuck.closed_by, stuck.filing_document_id) == ("filing", pat.id, None)
    assert docs.queue(state="filing") == [stuck] and stuck in docs.queue()
    filed_before = len(office.filing.list())
    assert filed_before == (1 if crash == "after_filing" else 0)
    assert "documents.file" not in _operations(office)
    # A retry while the claim holds is refused: the first desk may still be filing.
    with office.desk(lee) as desk, pytest.raises(ConflictError, match="is being filed"):
        desk.documents.file(item)
    assert docs.get(item) == stuck
    clock.advance(STALE_CLAIM)
    with office.desk(lee) as desk:
        filed = desk.documents.file(item)
    assert (filed.state, filed.closed_by) == ("filed", lee.id)
    [document] = office.filing.list()  # filed once, by whichever attempt got there
    assert filed.filing_document_id == document.id
    assert _operations(office) == ["filing.file", "documents.file"]
    event = office.events(operation="documents.file")[-1]
    assert event.detail["recovered"] is True and event.detail["document_id"] == document.id
    assert docs.queue(state="filing") == []
    with office.desk(lee) as desk, pytest.raises(ConflictError, match="is filed"):
        desk.documents.file(item)


def test_a_refused_filing_gives_the_claim_back(open_office: Callable[..., Office]) -> None:
    office = open_office("medical")
    pat, _ = _two(office)
    item = _reviewed(office, pat)
    with office.desk(pat) as desk:
        with pytest.raises(ValidationError, match="title"):
            desk.documents.file(item, title="x" * 1000)
        assert office.facet(DOCUMENTS_OFFICE).get(item) == item  # reviewed again
        assert office.filing.list() == [] and _operations(office) == []
        filed = desk.documents.file(item, title="Letter from the lab")
    assert filed.state == "filed" and office.filing.get(filed.filing_document_id).title == (
        "Letter from the lab"
    )
    assert "recovered" not in office.events(operation="documents.file")[-1].detail


def test_a_refusal_of_documents_file_claims_nothing(open_office: Callable[..., Office]) -> None:
    office = open_office("medical")
    pat, _ = _two(office)
    rosa = office.staff.hire("Rosa Silva", roles=["receptionist"])
    item = _reviewed(office, pat)
    with office.desk(rosa) as desk, pytest.raises(PermissionDenied):
        desk.documents.file(item)
    assert office.facet(DOCUMENTS_OFFICE).get(item).state == "reviewed"


def test_every_shipped_role_that_files_incoming_documents_can_file(
    open_office: Callable[..., Office],
) -> None:
    for profile in ("medical", "legal", "education", "smallbusiness"):
        office = open_office(profile)
        docs = office.facet(DOCUMENTS_OFFICE)
        kind = sorted(docs.settings.kinds)[0]
        clerk = office.staff.hire("Kim Lo", roles=["administrative_assistant"], experience_years=10)
        for role in office.profile.roles:
            who = office.staff.hire(f"Staff {role}", roles=[role], experience_years=10)
            with office.desk(who) as desk:
                if not desk.can("documents.file").allowed:
                    continue
                assert desk.can("filing.file").allowed, (profile, role)
                item = _reviewed(office, clerk, kind)
                assert desk.documents.file(item).state == "filed", (profile, role)


def test_a_role_that_files_incoming_documents_but_cannot_file_is_a_profile_problem(
    tmp_path: Path, sqlite_url: str
) -> None:
    folder = tmp_path / "nofiling"
    folder.mkdir()
    (folder / "profile.toml").write_text(
        'extends = "medical"\n'
        "[roles.practice_manager]\n"
        'title = "Practice manager"\n'
        'responsibilities = ["front_office", "document_review"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as caught:
        Office.open(sqlite_url, profile=folder)
    [problem] = [p for p in caught.value.problems if "documents.file" in p.what]
    assert problem.where == "roles.practice_manager.responsibilities"
    assert "filing.file" in problem.what
    # Without the filing desk, documents.file files nothing: no problem.
    (folder / "profile.toml").write_text(
        (folder / "profile.toml").read_text(encoding="utf-8")
        + '[plugins]\ndisable = ["officekit.plugins.clerk"]\n',
        encoding="utf-8",
    )
    Office.open(sqlite_url, profile=folder).close()


def test_revision_0002_admits_the_filing_state_and_keeps_the_items(
    store_url: str, clock: ManualClock
) -> None:
    from alembic import command

    from officekit.core.store import _alembic_config, schema_revision, write_transaction
    from officekit.plugins.assistant.documents.tables import MIGRATIONS, document_queue

    office = Office.open(store_url, profile="medical", clock=clock)
    pat, _ = _two(office)
    item = _reviewed(office, pat)
    engine = office.engine
    with write_transaction(engine) as conn:  # back to the first revision's schema
        cfg = _alembic_config(MIGRATIONS)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "assistant_documents_0001")
    assert schema_revision(engine, MIGRATIONS) == "assistant_documents_0001"
    with pytest.raises(sa.exc.IntegrityError), write_transaction(engine) as conn:
        conn.execute(document_queue.update().values(state="filing"))
    office.close()
    again = Office.open(store_url, profile="medical", clock=clock)  # migrated on open
    assert schema_revision(again.engine, MIGRATIONS) == "assistant_documents_0002"
    assert again.facet(DOCUMENTS_OFFICE).get(item) == item
    with again.desk(pat) as desk:
        assert desk.documents.file(item).state == "filed"
    again.close()


def test_a_refusal_by_the_filing_desk_is_recorded_and_claims_nothing(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("medical")
    pat, _ = _two(office)
    item = _reviewed(office, pat)
    with office.desk(pat) as desk:
        real = desk.can

        def can(operation: str, subject: str | None = None) -> Any:
            decision = real(operation, subject)  # as a plugin refusing filing would
            if operation == "filing.file":
                return attrs.evolve(decision, allowed=False, reason="filing is closed today")
            return decision

        desk.can = can  # type: ignore[method-assign]
        with pytest.raises(PermissionDenied, match="filing is closed today"):
            desk.documents.file(item)
    assert office.facet(DOCUMENTS_OFFICE).get(item).state == "reviewed"
    [denied] = [e for e in office.events() if e.outcome == "denied"]
    assert denied.operation == "filing.file" and denied.detail["reason"] == "filing is closed today"
    assert office.filing.list() == [] and _operations(office) == []
