"""The clerk's filing: documents, retention, holds, check-outs, search, classification.

Tests that take ``open_office`` run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officekit import ManualClock, Office, hookimpl
from officekit.core.store import schema_revision
from officekit.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    PluginError,
    ValidationError,
)
from officekit.plugins.clerk.filing.documents import DESTROYED_TITLE
from officekit.plugins.clerk.filing.filestore import STORE_ENV, extract_text
from officekit.plugins.clerk.filing.search import parse_query, words
from officekit.plugins.clerk.filing.settings import add_years, latest_due_trigger
from officekit.plugins.clerk.filing.tables import MIGRATIONS

TODAY = dt.date(2026, 3, 2)  # the clock fixture's day


@pytest.fixture(autouse=True)
def _store_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "files"))


@pytest.fixture
def legal(open_office: Callable[..., Office]) -> Office:
    return open_office("legal")


def staff(office: Office, role: str, years: float = 6) -> object:
    return office.staff.hire(f"{role.title()} Person", roles=[role], experience_years=years)


# -- retention arithmetic ---------------------------------------------------------------------


def test_29_february_plus_a_year_is_1_march() -> None:
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 3, 1)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_years(dt.date(2023, 2, 28), 1) == dt.date(2024, 2, 28)
    assert add_years(dt.date(9990, 1, 1), 20) is None  # never due


def test_the_latest_due_trigger_around_29_february() -> None:
    # On 28 Feb 2025 a year's retention of 29 Feb 2024 has not ended (it ends 1 March).
    assert latest_due_trigger(dt.date(2025, 2, 28), 1) == dt.date(2024, 2, 28)
    assert latest_due_trigger(dt.date(2025, 3, 1), 1) == dt.date(2024, 3, 1)
    assert latest_due_trigger(dt.date(2028, 2, 29), 1) == dt.date(2027, 2, 28)
    assert latest_due_trigger(dt.date(5, 1, 1), 10) is None


@given(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9000, 12, 31)),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.integers(0, 200),
)
def test_the_cut_off_decides_as_the_anniversary_does(
    trigger: dt.date, on: dt.date, years: int
) -> None:
    ends = add_years(trigger, years)
    due = ends is not None and ends <= on
    cut = latest_due_trigger(on, years)
    assert due == (cut is not None and trigger <= cut)


def test_due_waiting_future_events_and_holds(legal: Office) -> None:
    clerk = staff(legal, "clerk")
    with legal.desk(clerk) as desk:
        f = desk.filing
        closed_long_ago = f.file(
            "Smith v Jones pleadings",
            category="matter_files",
            cabinet="A",
            reference="matter:1",
            events={"matter_closed": dt.date(2015, 6, 30)},
        )
        open_matter = f.file(
            "Brown lease", category="matter_files", cabinet="A", reference="matter:2"
        )
        closes_later = f.file(
            "Green estate",
            category="matter_files",
            cabinet="B",
            reference="matter:3",
            events={"matter_closed": dt.date(2030, 1, 1)},
        )
        leap = f.file(
            "Leap-day letter", category="correspondence", cabinet="C", dated=dt.date(2020, 2, 29)
        )
    room = legal.filing
    # correspondence: 3 years after its date; on 28 Feb 2023 not yet, on 1 March it is
    assert [d.document.id for d in room.due(on=dt.date(2023, 2, 28))] == [closed_long_ago.id]
    assert leap.id in [d.document.id for d in room.due(on=dt.date(2023, 3, 1))]
    due = {d.document.id: d for d in room.due()}
    assert set(due) == {closed_long_ago.id, leap.id}
    assert due[closed_long_ago.id].due_on == dt.date(2022, 6, 30)
    assert due[closed_long_ago.id].event == "matter_closed"
    assert room.retention(open_matter).explanation == "waiting for matter_closed"
    assert [(w.document.id, w.event) for w in room.waiting()] == [(open_matter.id, "matter_closed")]
    assert room.retention(closes_later).state == "not_due"
    assert room.retention(closes_later).due_on == dt.date(2037, 1, 1)
    # a hold on the record stops disposal of its documents, those filed later too
    manager = staff(legal, "office_manager")
    with legal.desk(manager) as desk:
        hold = desk.filing.hold("Litigation: Smith claim", reference="matter:1")
        assert {d.document.id for d in room.due()} == {leap.id}
        assert room.retention(closed_long_ago).state == "held"
        with pytest.raises(ConflictError, match="legal hold"):
            desk.filing.dispose(closed_long_ago)
        with pytest.raises(ConflictError, match="waiting for matter_closed"):
            desk.filing.dispose(open_matter)
        with pytest.raises(ConflictError, match="kept until 2037-01-01"):
            desk.filing.dispose(closes_later)
        desk.filing.release_hold(hold)
        with pytest.raises(ConflictError, match="released already"):
            desk.filing.release_hold(hold)
        assert room.retention(closed_long_ago).state == "due"
        reviewed = desk.filing.dispose(closed_long_ago)  # matter files: review
    assert reviewed.reviewed_at is not None and reviewed.status == "active"
    assert {d.document.id for d in room.due()} == {leap.id}  # kept after review
    # recording the event later starts the count
    with legal.desk(clerk) as desk:
        desk.filing.reclassify(open_matter, events={"matter_closed": dt.date(2010, 1, 1)})
    assert room.retention(open_matter).state == "due"
    events = legal.events(operation="filing.")
    assert [e.operation for e in events].count("filing.reclassify") == 1
    recl = next(e for e in events if e.operation == "filing.reclassify")
    assert recl.detail["misfiled"] is False and recl.detail["events"] == ["matter_closed"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["correspondence", "matter_files", "payroll"]),
            st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
            st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
        ),
        min_size=1,
        max_size=6,
    ),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2045, 12, 31)),
)
def test_due_in_sql_agrees_with_the_rules_in_python(
    tmp_path_factory: pytest.TempPathFactory,
    docs: list[tuple[str, dt.date, dt.date | None]],
    on: dt.date,
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('due') / 'o.db'}"
    with Office.open(
        url, profile="legal", clock=ManualClock(dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    ) as office:
        manager = staff(office, "office_manager")
        with office.desk(manager) as desk:
            for category, dated, closed in docs:
                desk.filing.file(
                    "d",
                    category=category,
                    cabinet="A",
                    dated=dated,
                    events={"matter_closed": closed} if closed else None,
                )
        expected = {
            d.id for d in office.filing.list() if office.filing.retention(d, on=on).state == "due"
        }
        assert {d.document.id for d in office.filing.due(on=on)} == expected


# -- filing, classification, the store --------------------------------------------------------


def test_identical_bytes_are_stored_once_and_destroyed_last(
    open_office: Callable[..., Office], tmp_path: Path
) -> None:
    office = open_office("smallbusiness")
    clerk = staff(office, "clerk")
    with office.desk(clerk) as desk:
        a = desk.filing.file(
            "Old statement",
            category="invoices",
            content=b"same bytes",
            filename="a.txt",
            dated=dt.date(2010, 1, 4),
        )
        b = desk.filing.file(
            "Old statement copy",
            category="invoices",
            content=b"same bytes",
            filename="b.txt",
            dated=dt.date(2011, 1, 4),
        )
        assert a.sha256 == b.sha256
        path = office.filing.store.path(a.sha256)
        assert path.read_bytes() == b"same bytes"
        assert path.is_relative_to(tmp_path / "files")
        assert office.filing.text(a) == "same bytes"
        destroyed = desk.filing.dispose(a)
        assert destroyed.status == "destroyed" and destroyed.title == DESTROYED_TITLE
        assert destroyed.sha256 == a.sha256 and destroyed.filename is None
        assert path.exists()  # b still has them
        assert desk.filing.search("statement") == [office.filing.get(b)]
        desk.filing.dispose(b)
        assert not path.exists()
        assert desk.filing.search("statement") == []
        with pytest.raises(ConflictError, match="destroyed already"):
            desk.filing.dispose(b)
    events = [e for e in office.events(operation="filing.") if e.operation == "filing.file"]
    assert [e.detail["stored_new"] for e in events] == [True, False]
    disposals = [e.detail for e in office.events(operation="filing.dispose")]
    assert [d["bytes_deleted"] for d in disposals] == [False, True]
    assert all(d["action"] == "destroy" and d["days_past_due"] > 0 for d in disposals)
    with pytest.raises(ConflictError, match="no stored bytes"):
        office.filing.content(b)


def test_classification_rules_and_the_misfile_event(office: Office) -> None:
    clerk = staff(office, "clerk")
    records = staff(office, "medical_records_clerk")
    room = office.filing
    assert (
        room.classify("Discharge summary for patient").classified_by == "rule:results-and-letters"
    )
    assert room.classify("Anything", sender="ward7@NHS.net").category == "patient_records"
    assert room.classify("Invoice no. 77 for a medical").category == "private_fees"
    assert room.classify("A complaint about parking").category == "complaints"
    assert room.classify("Lunch menu").category is None
    with office.desk(clerk) as desk:
        doc = desk.filing.file("Your payslip for March", content=b"PAYE details", filename="p.txt")
        assert doc.category == "payroll" and doc.classified_by == "rule:payroll"
        with pytest.raises(ValidationError) as info:
            desk.filing.file("Lunch menu", cabinet="A")
        assert info.value.problems[0].where == "category"
        wrong = desk.filing.file("Letter from the hospital", category="correspondence", cabinet="B")
    with office.desk(records) as desk:
        fixed = desk.filing.reclassify(wrong, "patient_records")
    assert fixed.category == "patient_records"
    (event,) = office.events(operation="filing.reclassify")
    assert event.actor_id == records.id  # type: ignore[attr-defined]
    assert event.detail == {
        "document_id": wrong.id,
        "from": "correspondence",
        "to": "patient_records",
        "misfiled": True,
        "filed_by": clerk.id,
        "classified_by": "given",  # type: ignore[attr-defined]
    }
    filed = office.events(operation="filing.file")[0]
    assert (
        filed.detail["classified_by"] == "rule:payroll" and filed.detail["suggested"] == "payroll"
    )


class Classifier:
    @hookimpl
    def officekit_classify_document(
        self, title: str, text: str | None, sender: str | None, suggested: str | None
    ) -> str | None:
        if "urgent" in title.lower():
            return "complaints"
        if "bogus" in title.lower():
            return "no_such_category"
        return None


def test_hook_classify_document(open_office: Callable[..., Office]) -> None:
    office = open_office("medical", plugins=[Classifier()])
    clerk = staff(office, "clerk")
    found = office.filing.classify("URGENT blood test results")
    assert (found.category, found.classified_by, found.suggested) == (
        "complaints",
        "plugin",
        "patient_records",
    )
    assert office.filing.classify("blood test").classified_by == "rule:results-and-letters"
    with office.desk(clerk) as desk:
        doc = desk.filing.file("Urgent: a letter", cabinet="A")
        assert doc.classified_by == "plugin" and doc.category == "complaints"
        with pytest.raises(PluginError, match="no_such_category"):
            desk.filing.file("bogus", cabinet="A")
        desk.filing.file("bogus", category="correspondence", cabinet="A")  # not asked
    assert [e.detail["classified_by"] for e in office.events(operation="filing.file")] == [
        "plugin",
        "given",
    ]


# -- check-outs -------------------------------------------------------------------------------


def test_paper_files_out_and_back(office: Office, clock: ManualClock) -> None:
    clerk = staff(office, "clerk")
    manager = staff(office, "practice_manager")
    receptionist = staff(office, "receptionist")
    with office.desk(clerk) as desk:
        paper = desk.filing.file("Rota 2026", category="correspondence", cabinet="A", drawer="1")
        records = desk.filing.file("Old notes", category="patient_records", cabinet="R")
        scan = desk.filing.file("Scan", category="correspondence", content=b"x")
        out = desk.filing.check_out(paper, manager)
        assert out.due_at == clock.now() + dt.timedelta(days=7)  # medical: checkout_days = 7
        with pytest.raises(ConflictError, match="already checked out"):
            desk.filing.check_out(paper, clerk)
        with pytest.raises(ValidationError) as info:
            desk.filing.check_out(scan, manager)
        assert info.value.problems[0].where == "document"
        with pytest.raises(ValidationError) as info:
            desk.filing.check_out(records, receptionist)  # may not see patient records
        assert info.value.problems[0].where == "to"
        desk.filing.check_out(records, manager, days=1)
    room = office.filing
    assert [c.document_id for c in room.checked_out()] == [records.id, paper.id]
    assert room.overdue() == []
    clock.advance(dt.timedelta(days=2))
    assert [c.document_id for c in room.overdue()] == [records.id]
    with office.desk(clerk) as desk:
        back = desk.filing.return_file(records)
        assert back.returned_at == clock.now()
        with pytest.raises(ConflictError, match="not checked out"):
            desk.filing.return_file(records)
    assert [c.document_id for c in room.checked_out()] == [paper.id]
    (returned,) = office.events(operation="filing.return")
    assert returned.detail["overdue"] is True and returned.detail["seconds_out"] == 2 * 86400


# -- search -----------------------------------------------------------------------------------


def test_search_is_filtered_by_what_the_actor_may_see(legal: Office) -> None:
    secretary = staff(legal, "legal_secretary")
    receptionist = staff(legal, "legal_receptionist")
    assistant = staff(legal, "administrative_assistant")
    with legal.desk(secretary) as desk:
        privileged = desk.filing.file(
            "Advice on the Harper settlement",
            category="privileged",
            content="Our view of the settlement: décidé, accept it".encode(),
            filename="advice.txt",
            reference="matter:9",
            tags=["settlement"],
        )
        public = desk.filing.file(
            "Settlement conference notice",
            category="correspondence",
            cabinet="A",
            text="The court sets the conference for May",
        )
        assert {d.id for d in desk.filing.search("settlement")} == {privileged.id, public.id}
        assert desk.filing.search("decide") == [privileged]  # accents folded
        assert desk.filing.search("MATTER 9") == [privileged]  # the reference
        assert desk.filing.search("privileged") == [privileged]  # the category
        assert desk.filing.search("conf*") == [public]
        assert desk.filing.search('settlement" OR "x') == []  # quoted, not syntax
        assert desk.filing.search('NEAR(settlement) -*: "settl"*') == []  # "near": no such word
        assert len(desk.filing.search("(settl*")) == 2
    with legal.desk(assistant) as desk:  # no privileged role
        assert desk.filing.search("settlement") == [public]
        assert desk.filing.search("harper") == []
    with legal.desk(receptionist) as desk:
        assert desk.filing.search("settlement") == [public]
    with legal.desk(assistant) as desk:
        assert desk.filing.search("settlement", limit=1) == [public]
        with pytest.raises(PermissionDenied):
            desk.filing.reclassify(privileged, "correspondence")
    (refusal,) = [e for e in legal.events(operation="filing.") if e.outcome == "denied"]
    assert refusal.detail["decided_by"] == "category_roles"
    assert legal.filing.get(privileged).category == "privileged"


@given(st.text(max_size=40))
def test_any_query_is_a_result_or_a_validation_error(query: str) -> None:
    try:
        terms = parse_query(query)
    except ValidationError as exc:
        where = [p.where for p in exc.problems]
    else:
        assert terms and all(words(w) == [w] for w, _ in terms)
        return
    assert where == ["query"]


def test_text_extraction() -> None:
    assert extract_text(b"<p>Hello&amp;bye<script>x()</script></p>", "text/html") == " Hello&bye  "
    assert extract_text("caf\xe9".encode("cp1252"), "text/plain") == "café"
    assert extract_text(b"a\x00b", "text/plain; charset=utf-8") == "a b"
    assert extract_text(b"%PDF", "application/pdf") is None


# -- bad input --------------------------------------------------------------------------------

WRONG = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.binary(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.just("\x00"),
    st.just(" "),
    st.just("x" * 400),
    st.just(dt.datetime(2026, 1, 1)),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.sampled_from(
        ["title", "category", "cabinet", "reference", "dated", "tags", "sender", "text"]
    ),
    WRONG,
)
def test_bad_input_to_file_is_a_validation_error_naming_it(
    office: Office, argument: str, value: object
) -> None:
    sqlite_office = office  # both backends: the same problems
    clerk = (
        sqlite_office.staff.list()[0]
        if sqlite_office.staff.list()
        else staff(sqlite_office, "clerk")
    )
    kwargs: dict[str, object] = {"title": "A letter", "category": "correspondence", "cabinet": "A"}
    kwargs[argument] = value
    if argument == "text" and isinstance(value, str) and "\x00" not in value:
        return  # any text is a text
    if (argument in ("reference", "sender") and value == " ") or value == []:
        return  # blank: none
    before = len(sqlite_office.events())
    with sqlite_office.desk(clerk) as desk, pytest.raises(ValidationError) as info:
        desk.filing.file(**kwargs)  # type: ignore[arg-type]
    assert any(p.where.split("[")[0] == argument for p in info.value.problems), info.value.problems
    assert len(sqlite_office.events()) == before
    assert sqlite_office.filing.list() == []


def test_every_problem_at_once_and_the_same_on_both_backends(office: Office) -> None:
    clerk = staff(office, "clerk")
    with office.desk(clerk) as desk, pytest.raises(ValidationError) as info:
        desk.filing.file(
            "",
            category="nope",
            content="text",
            cabinet="A",
            dated="2026-01-01",  # type: ignore[arg-type]
            events={"matter_closed": dt.date(2020, 1, 1)},
            tags="a,b",  # type: ignore[arg-type]
        )
    assert [p.where for p in info.value.problems] == [
        "title",
        "category",
        "content",
        "cabinet",
        "dated",
        "events",
        "tags",
    ]
    assert office.events(operation="filing.") == []
    with office.desk(clerk) as desk:
        with pytest.raises(ValidationError) as info:
            desk.filing.search("  ", limit=0)
        assert [p.where for p in info.value.problems] == ["query", "limit"]
        with pytest.raises(NotFoundError):
            desk.filing.dispose(999)
    junior = office.staff.hire("New Clerk", roles=["clerk"])  # records_management is senior
    with office.desk(junior) as desk:
        doc = desk.filing.file(
            "x", category="correspondence", cabinet="A", dated=dt.date(2000, 1, 1)
        )
        with pytest.raises(PermissionDenied):
            desk.filing.dispose(doc)


# -- events carry no personal data, the schema matches the tables ------------------------------


def test_events_carry_ids_and_categories_not_titles(office: Office) -> None:
    clerk = staff(office, "clerk")
    secret = "Mrs Dalloway diagnosis letter"
    with office.desk(clerk) as desk:
        doc = desk.filing.file(
            secret,
            category="patient_records",
            content=secret.encode(),
            filename="dalloway.txt",
            reference="patient:Dalloway",
            sender="dr.who@nhs.net",
            tags=["Dalloway"],
            events={"patient_died": dt.date(2000, 1, 1)},
        )
        desk.filing.check_out(
            desk.filing.file(secret, category="patient_records", cabinet="R"), clerk
        )
    manager = staff(office, "practice_manager")
    with office.desk(manager) as desk:
        hold = desk.filing.hold("Dalloway inquest", reference="patient:Dalloway")
        desk.filing.release_hold(hold)
        desk.filing.dispose(doc, "destroy")
    for event in office.events(operation="filing."):
        flat = repr(event.detail) + repr(event.subject)
        assert "Dalloway" not in flat and "dr.who" not in flat and "diagnosis" not in flat


def test_the_migrated_schema_matches_the_tables(office: Office) -> None:
    assert schema_revision(office.engine, MIGRATIONS) == "clerk_filing_0001"
    with office.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [
            d
            for d in compare_metadata(context, MIGRATIONS.metadata)
            if not (d[0] == "remove_table" and d[1].name not in MIGRATIONS.metadata.tables)
            and not (d[0] == "remove_index" and d[1].table.name not in MIGRATIONS.metadata.tables)
        ]
    assert diff == []
    assert "filing_search" in sa.inspect(office.engine).get_table_names()


def test_a_profile_section_with_problems_names_them(tmp_path: Path) -> None:
    from officekit import ProfileError, load_profile

    path = tmp_path / "clinic" / "profile.toml"
    path.parent.mkdir()
    path.write_text(
        textwrap.dedent(
            """
            extends = "base"
            name = "clinic"
            [filing]
            events = ["closed", "closed", "Bad"]
            checkout_days = 0
            [filing.categories.x]
            retention_years = 500
            after = "clossed"
            then = "burn"
            roles = ["astronaut"]
            [[filing.rules]]
            name = "r"
            category = "y"
            pattern = "("
            """
        )
    )
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    text = "\n".join(str(p) for p in info.value.problems)
    for fragment in (
        "filing.events[1]: event 'closed' is listed twice",
        "filing.events[2]",
        "filing.checkout_days",
        "filing.categories.x.retention_years",
        "filing.categories.x.after: no event named 'clossed' (did you mean 'closed'?)",
        "filing.categories.x.then",
        "filing.categories.x.roles[0]",
        "filing.rules[0].category",
        "filing.rules[0].pattern: not a regular expression",
    ):
        assert fragment in text, text
