"""The clerk's records: validators, duplicates, merges, corrections, erasure, conflicts."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.it import codicefiscale

from officekit import ManualClock, Office, ProfileError, load_profile
from officekit.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from officekit.plugins.clerk.records.book import RECORD_DESK, RECORDS_BOOK, DuplicateFound
from officekit.plugins.clerk.records.core import insert_normalised
from officekit.plugins.clerk.records.fields import name_key, name_similarity, normalise
from officekit.plugins.clerk.records.settings import RECORDS, FieldSpec, RecordKind
from officekit.plugins.clerk.records.tables import record_history, record_merges, records

# -- validators ---------------------------------------------------------------------------------

KIND = RecordKind(
    name="person",
    fields=(
        FieldSpec("name", required=True, max_length=20),
        FieldSpec("phone", "phone"),
        FieldSpec("email", "email"),
        FieldSpec("born", "date"),
        FieldSpec("cf", "national_id", scheme="it.codicefiscale"),
        FieldSpec("ssn", "national_id", scheme="us.ssn"),
        FieldSpec("nhs", "national_id", scheme="gb.nhs"),
        FieldSpec("colour", "choice", choices=("Red", "Green")),
        FieldSpec("age", "number", min=0, max=130),
    ),
    name_fields=("name",),
    birth_date="born",
)


def check(field: str, value: object, region: str | None = "IT") -> tuple[Any, list[str]]:
    data, problems = normalise(KIND, {"name": "X", field: value}, region=region)
    assert all(p.where == field for p in problems), problems
    return data.get(field), [p.what for p in problems]


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ("name", "  Maria   Rossi ", "Maria Rossi"),
        ("phone", "06 6982 1234", "+390669821234"),
        ("phone", "+44 20 7946 0031", "+442079460031"),
        ("email", " Maria.Rossi@Example.COM ", "Maria.Rossi@example.com"),
        ("born", "1980-05-01", "1980-05-01"),
        ("born", dt.date(1980, 5, 1), "1980-05-01"),
        ("born", dt.datetime(1980, 5, 1), "1980-05-01"),
        ("cf", "rccmnl83s18d969h", "RCCMNL83S18D969H"),
        ("ssn", "536-90-4399", "***-**-4399"),
        ("nhs", "943 476 5919", "9434765919"),
        ("colour", "red", "Red"),
        ("age", "42", 42),
        ("age", 41.5, 41.5),
    ],
)
def test_good_values_are_normalised(field: str, value: object, kept: object) -> None:
    assert check(field, value) == (kept, [])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x" * 21),
        ("name", "tab\there"),
        ("name", 3.5),
        ("phone", "12"),
        ("phone", "not a number"),
        ("email", "maria"),
        ("email", "maria@localhost"),
        ("email", "ma ria@example.com"),
        ("born", "1980-13-01"),
        ("born", "01/05/1980"),
        ("born", "1492-10-12"),
        ("born", dt.datetime(1980, 5, 1, 10, 30)),
        ("cf", "RCCMNL83S18D969A"),
        ("ssn", "666-12-1234"),
        ("ssn", "123"),
        ("nhs", "943 476 5918"),
        ("colour", "blue"),
        ("age", -1),
        ("age", "forty"),
        ("age", True),
        ("age", float("nan")),
    ],
)
def test_bad_values_are_problems_naming_the_field(field: str, value: object) -> None:
    kept, problems = check(field, value)
    assert kept is None and len(problems) == 1


def test_every_problem_at_once_and_nothing_about_the_value_of_an_id() -> None:
    _, problems = normalise(
        KIND,
        {"phone": "12", "born": "soon", "colour": "rde", "nmae": "Maria", "ssn": "078-05-1120x"},
        region="US",
    )
    where = [p.where for p in problems]
    assert sorted(where) == ["born", "colour", "name", "nmae", "phone", "ssn"]
    text = " ".join(p.what for p in problems)
    assert "did you mean 'name'" in text and "did you mean 'Red'" in text
    assert "078" not in next(p for p in problems if p.where == "ssn").what


def codice_fiscale(draw: Callable[..., Any]) -> str:
    letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=1)
    body = "".join(draw(letters) for _ in range(6))
    body += f"{draw(st.integers(0, 99)):02d}{draw(st.sampled_from('ABCDEHLMPRST'))}"
    day = draw(st.integers(1, 28)) + draw(st.sampled_from([0, 40]))
    body += f"{day:02d}{draw(letters)}{draw(st.integers(0, 999)):03d}"
    return body + codicefiscale.calc_check_digit(body)


@given(st.composite(lambda draw: codice_fiscale(draw))(), st.booleans())
def test_any_valid_codice_fiscale_is_accepted_in_any_case(number: str, lower: bool) -> None:
    assert check("cf", number.lower() if lower else number) == (number, [])


@given(st.integers(1, 899).filter(lambda a: a != 666), st.integers(1, 99), st.integers(1, 9999))
def test_any_valid_ssn_is_kept_masked(area: int, group: int, serial: int) -> None:
    kept, problems = check("ssn", f"{area:03d}-{group:02d}-{serial:04d}")
    assert problems == [] and kept == f"***-**-{serial:04d}"


@given(st.text(max_size=20))
def test_junk_identifiers_are_refused_or_valid_never_a_crash(junk: str) -> None:
    for field in ("cf", "ssn", "nhs"):
        kept, problems = check(field, junk)
        assert (kept is None) == bool(problems) or junk.strip() == ""


@given(st.sampled_from(["IT", "GB", "US", "AU", "DE"]), st.integers(0, 9999))
def test_valid_phone_numbers_become_e164(region: str, tail: int) -> None:
    example = phonenumbers.example_number(region)
    assert example is not None
    national = str(example.national_number)
    candidate = phonenumbers.parse(f"+{example.country_code}{national[:-4]}{tail:04d}")
    local = phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.NATIONAL)
    kept, problems = check("phone", local, region)
    if phonenumbers.is_valid_number(candidate):
        assert problems == []
        assert kept == phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
    else:
        assert kept is None and problems


@given(st.text(max_size=40) | st.integers() | st.floats() | st.none() | st.binary())
def test_junk_phone_numbers_are_a_problem_or_a_number(junk: object) -> None:
    kept, problems = check("phone", junk)
    assert kept is None or (isinstance(kept, str) and kept.startswith("+") and not problems)


def test_names_are_compared_by_a_documented_measure() -> None:
    assert name_key("  Rossi,  Mária ") == "maria rossi"
    assert name_similarity("Maria Rossi", "ROSSI Maria") == 1.0
    assert name_similarity("Maria Rossi", "Mraia Rossi") >= 0.85
    assert name_similarity("Maria Rossi", "John Smith") < 0.5


# -- the profile section ------------------------------------------------------------------------


def test_bad_kinds_are_problems_naming_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "clinic" / "profile.toml"
    path.parent.mkdir()
    path.write_text(
        textwrap.dedent(
            """
            extends = "base"
            name = "clinic"
            [records]
            conflict_kinds = ["clients"]
            [records.kinds.patient]
            name_fields = ["nom"]
            birth_date = "name"
            [[records.kinds.patient.fields]]
            name = "name"
            [[records.kinds.patient.fields]]
            name = "tax"
            type = "national_id"
            scheme = "xx.nothing"
            [[records.kinds.patient.fields]]
            name = "colour"
            type = "choise"
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    keys = sorted(str(p).split("profile.toml: ")[1].split(":")[0] for p in caught.value.problems)
    assert keys == [
        "records.conflict_kinds[0]",
        "records.kinds.patient.birth_date",
        "records.kinds.patient.fields[1].scheme",
        "records.kinds.patient.fields[2].type",
        "records.kinds.patient.name_fields[0]",
    ]


@pytest.mark.parametrize("profile", ["base", "medical", "legal", "education", "smallbusiness"])
def test_shipped_profiles_have_their_kinds(profile: str) -> None:
    kinds = set(load_profile(profile).section(RECORDS).kinds)
    expected = {
        "base": {"customer"},
        "medical": {"customer", "patient"},
        "legal": {"customer", "client", "matter"},
        "education": {"customer", "student", "guardian"},
        "smallbusiness": {"customer"},
    }[profile]
    assert kinds == expected


# -- at the desk --------------------------------------------------------------------------------

MARIA = {
    "given_name": "Maria",
    "family_name": "Rossi",
    "birth_date": "1980-05-01",
    "phone": "020 7946 0031",
    "nhs_number": "943 476 5919",
}


def clerks(office: Office) -> tuple[Any, Any]:
    ann = office.staff.hire("Ann Lee", roles=["medical_records_clerk"], experience_years=5)
    bob = office.staff.hire("Bob Hart", roles=["medical_records_clerk"])
    return ann, bob


def rows(office: Office, table: sa.Table) -> list[Any]:
    with office.engine.connect() as conn:
        return list(conn.execute(sa.select(table)).all())


def test_a_record_is_entered_normalised_with_an_event_naming_fields_only(office: Office) -> None:
    ann, _ = clerks(office)
    with office.desk(ann) as desk:
        entry = desk.facet(RECORD_DESK).enter("patient", MARIA)
    assert entry.duplicates == ()
    assert entry.record.data["phone"] == "+442079460031"
    assert entry.record.entered_by == ann.id
    (event,) = office.events(operation="records.")
    assert event.detail == {
        "record_id": entry.record.id,
        "kind": "patient",
        "fields": sorted(MARIA),
    }
    book = office.facet(RECORDS_BOOK)
    assert book.list("patient") == [entry.record]
    assert book.count("patient") == 1 and book.count("customer") == 0
    assert book.counts() == {"customer": 0, "patient": 1}


@pytest.mark.parametrize(
    ("change", "reasons"),
    [
        ({"given_name": "Mario", "nhs_number": None, "birth_date": "1990-01-01"}, ("phone",)),
        ({"phone": None, "given_name": "Mraia", "nhs_number": None}, ("name_and_birth_date",)),
        ({"phone": None, "email": "MARIA@example.com", "nhs_number": None, "given_name": "Ann",
          "birth_date": "1990-01-01"}, ("email",)),
    ],
)  # fmt: skip
def test_likely_duplicates_are_reported_and_nothing_written(
    office: Office, change: dict[str, Any], reasons: tuple[str, ...]
) -> None:
    ann, _ = clerks(office)
    with office.desk(ann) as desk:
        first = desk.records.enter("patient", {**MARIA, "email": "maria@example.com"}).record
        before = len(office.events())
        again = {k: v for k, v in {**MARIA, **change}.items() if v is not None}
        with pytest.raises(DuplicateFound) as caught:
            desk.records.enter("patient", again)
        assert [(d.record_id, d.reasons) for d in caught.value.duplicates] == [(first.id, reasons)]
        assert len(office.events()) == before and office.records.count() == 1
        entry = desk.records.enter("patient", again, allow_duplicate=True)
    assert [d.record_id for d in entry.duplicates] == [first.id]
    assert office.events()[-1].detail["duplicates_of"] == [first.id]


def test_people_who_only_share_a_name_are_not_duplicates(office: Office) -> None:
    ann, _ = clerks(office)
    with office.desk(ann) as desk:
        desk.records.enter("patient", MARIA)
        other = desk.records.enter(
            "patient", given_name="Maria", family_name="Rossi", birth_date="1955-02-03"
        )
    assert other.duplicates == () and office.records.count("patient") == 2


def test_an_identical_record_is_never_entered_twice(office: Office) -> None:
    ann, _ = clerks(office)
    with office.desk(ann) as desk:
        desk.records.enter("patient", MARIA)
        with pytest.raises(ConflictError, match="same values"):
            desk.records.enter("patient", MARIA, allow_duplicate=True)


def test_a_merge_is_undone_exactly(office: Office) -> None:
    ann, bob = clerks(office)
    with office.desk(ann) as desk:
        keep = desk.records.enter("patient", {**MARIA, "phone": None}).record
        dup = desk.records.enter(
            "patient",
            {**MARIA, "given_name": "Mraia", "email": "m@example.com", "nhs_number": None},
            allow_duplicate=True,
        ).record
    with office.desk(bob) as desk:
        merge = desk.records.merge(dup, keep)
        merged = office.records.get(keep)
        assert merged.data == {**keep.data, "phone": "+442079460031", "email": "m@example.com"}
        assert office.records.get(dup).merged_into == keep.id
        assert office.records.list("patient") == [merged]
        with pytest.raises(ConflictError):
            desk.records.merge(dup, keep)
        undone = desk.records.unmerge(merge)
        with pytest.raises(ConflictError, match="undone already"):
            desk.records.unmerge(merge)
    assert undone.undone_by == bob.id
    assert office.records.get(keep).data == keep.data
    assert office.records.get(dup).data == dup.data and not office.records.get(dup).merged
    changes = [(c.change, c.field) for c in office.records.history(keep)]
    assert changes == [("merge", "phone"), ("merge", "email"), ("unmerge", "phone"),
                       ("unmerge", "email")]  # fmt: skip


def test_a_merge_corrected_since_is_not_undone(office: Office) -> None:
    ann, _ = clerks(office)
    with office.desk(ann) as desk:
        keep = desk.records.enter("patient", MARIA).record
        dup = desk.records.enter("patient", {**MARIA, "given_name": "Mari"}, allow_duplicate=True)
        merge = desk.records.merge(dup.record, keep)
        desk.records.correct(keep, sex="female")
        with pytest.raises(ConflictError, match="changed since the merge"):
            desk.records.unmerge(merge)


def test_corrections_keep_history_and_name_whose_entry_was_wrong(office: Office) -> None:
    ann, bob = clerks(office)
    with office.desk(ann) as desk:
        record = desk.records.enter("patient", {**MARIA, "given_name": "Mraia"}).record
    with office.desk(bob) as desk:
        corrected = desk.records.correct(record, given_name="Maria", phone="")
        assert desk.records.correct(corrected, given_name="Maria") == corrected  # no change
    assert corrected.data["given_name"] == "Maria" and "phone" not in corrected.data
    history = office.records.history(record)
    assert [(c.field, c.old, c.new, c.changed_by, c.corrected_entry_by) for c in history] == [
        ("given_name", "Mraia", "Maria", bob.id, ann.id),
        ("phone", "+442079460031", None, bob.id, ann.id),
    ]
    event = office.events(operation="records.correct")[-1]
    assert event.detail == {
        "record_id": record.id,
        "kind": "patient",
        "fields": ["given_name", "phone"],
        "corrected_entry_by": ann.id,
    }
    with office.desk(ann) as desk:  # one's own entry: no one else's error
        desk.records.correct(record, sex="female")
    assert "corrected_entry_by" not in office.events(operation="records.correct")[-1].detail


def test_a_bad_correction_writes_nothing(office: Office) -> None:
    ann, _ = clerks(office)
    with office.desk(ann) as desk:
        record = desk.records.enter("patient", MARIA).record
        before = len(office.events())
        with pytest.raises(ValidationError) as caught:
            desk.records.correct(record, given_name="", phone="12", shoe_size=3)
        assert {p.where for p in caught.value.problems} == {"shoe_size"}
        with pytest.raises(ValidationError) as caught:
            desk.records.correct(record, given_name="", phone="12")
        assert {p.where for p in caught.value.problems} == {"given_name", "phone"}
    assert len(office.events()) == before and office.records.get(record) == record


def personal_values() -> list[str]:
    return ["Maria", "Rossi", "Mraia", "+442079460031", "9434765919", "1980-05-01", "7946"]


def test_erasure_leaves_nothing_personal(office: Office) -> None:
    _, bob = clerks(office)
    senior = office.staff.hire("Cat Wu", roles=["medical_records_clerk"], experience_years=6)
    with office.desk(bob) as desk:
        record = desk.records.enter("patient", {**MARIA, "given_name": "Mraia"}).record
        dup = desk.records.enter(
            "patient", {**MARIA, "email": "maria@example.com"}, allow_duplicate=True
        ).record
        desk.records.correct(record, given_name="Maria")
        desk.records.merge(dup, record)
        with pytest.raises(PermissionDenied):  # a trainee: erasure is a senior's
            desk.records.erase(record, reason="request")
    with office.desk(senior) as desk:
        with pytest.raises(ValidationError):
            desk.records.erase(record, reason="because Maria asked")
        erased = desk.records.erase(record, reason="request")
        with pytest.raises(ConflictError):
            desk.records.erase(record, reason="request")
        with pytest.raises(ConflictError):
            desk.records.correct(record, given_name="Maria")
    assert erased.data == {"erased": True} and erased.erased
    assert office.records.get(dup).erased  # merged into it: the same person
    assert office.events()[-1].detail["erased_ids"] == [record.id, dup.id]
    tables = (records, record_history, record_merges)
    stored = json.dumps([[list(r) for r in rows(office, t)] for t in tables], default=str)
    logged = json.dumps([[e.subject, e.detail] for e in office.events()])
    for value in [*personal_values(), "maria@example.com"]:
        assert value not in stored and value not in logged, value
    assert office.records.list("patient", include_erased=True, include_merged=True) != []
    assert office.records.count("patient") == 0


def test_no_personal_value_ever_enters_the_event_log(office: Office) -> None:
    ann, bob = clerks(office)
    with office.desk(ann) as desk:
        record = desk.records.enter("patient", MARIA).record
        with pytest.raises(DuplicateFound):
            desk.records.enter("patient", {**MARIA, "given_name": "Mraia"})
        with pytest.raises(ValidationError):
            desk.records.enter("patient", {**MARIA, "phone": "Maria Rossi"})
    with office.desk(bob) as desk:
        desk.records.correct(record, family_name="Rossini")
    logged = json.dumps([[e.subject, e.detail] for e in office.events()])
    for value in [*personal_values(), "Rossini"]:
        assert value not in logged, value


WRONG = st.floats() | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(), st.none())


@given(
    field=st.sampled_from(["given_name", "birth_date", "phone", "nhs_number", "sex"]),
    value=WRONG | st.text(alphabet="x!\x00é ", max_size=8).map(lambda t: "x\x00" + t),
    other=WRONG | st.text(alphabet="x!é", min_size=1, max_size=8),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_wrong_values_are_refused_naming_the_field_with_nothing_written(
    wrong_office: Office, field: str, value: object, other: object
) -> None:
    clerk = wrong_office.staff.list()[0]
    before = len(wrong_office.events())
    wrong = value if field == "given_name" else other
    with wrong_office.desk(clerk) as desk, pytest.raises(ValidationError) as caught:
        desk.records.enter("patient", {**MARIA, field: wrong}, allow_duplicate=True)
    assert {p.where for p in caught.value.problems} == {field}
    assert len(wrong_office.events()) == before
    assert wrong_office.records.count(include_merged=True, include_erased=True) == 0


@pytest.fixture
def wrong_office(open_office: Callable[..., Office]) -> Office:
    office = open_office("medical")
    office.staff.hire("Ann Lee", roles=["medical_records_clerk"])
    return office


def test_unknown_kinds_records_and_arguments(office: Office) -> None:
    ann, _ = clerks(office)
    with office.desk(ann) as desk:
        with pytest.raises(ValidationError, match="did you mean 'patient'"):
            desk.records.enter("patients", MARIA)
        with pytest.raises(ValidationError, match="allow_duplicate"):
            desk.records.enter("patient", MARIA, allow_duplicate="yes")
        with pytest.raises(ValidationError, match="both"):
            desk.records.enter("patient", MARIA, given_name="Maria")
        with pytest.raises(NotFoundError):
            desk.records.correct(999, given_name="X")
        with pytest.raises(ConflictError):
            desk.records.conflict_check(client="X", adverse_parties=[])
    with pytest.raises(ValidationError):
        office.records.list(limit=0)


def test_insert_normalised_adds_a_row_once(office: Office, clock: ManualClock) -> None:
    kind = office.profile.section(RECORDS).kinds["customer"]
    data = [
        normalise(kind, {"name": f"Customer {i}", "phone": f"020 7946 {i:04d}"}, region="GB")[0]
        for i in range(50)
    ]
    with office.engine.begin() as conn:
        first = insert_normalised(
            conn, office.id, kind, data + data[:5], entered_by=None, now=clock.now(),
            source_of=lambda i: f"import:abc:{i + 2}",
        )  # fmt: skip
    with office.engine.begin() as conn:
        again = insert_normalised(conn, office.id, kind, data, entered_by=None, now=clock.now())
    assert first == (50, 5) and again == (0, 50)
    assert office.records.count("customer") == 50
    assert office.records.list("customer", limit=1)[0].source == "import:abc:2"


# -- the legal conflict check ------------------------------------------------------------------


def test_the_conflict_check_finds_clients_and_parties(open_office: Callable[..., Office]) -> None:
    firm = open_office("legal", key="firm")
    clerk = firm.staff.hire("Lee Park", roles=["clerk"])
    with firm.desk(clerk) as desk:
        client = desk.records.enter("client", name="Acme Widgets Ltd", client_type="organisation")
        matter = desk.records.enter(
            "matter", title="Acme v Brown", client_name="Acme Widgets Ltd",
            adverse_party="Robert Brown",
        )  # fmt: skip
        clear = desk.records.conflict_check(client="Jane Doe", adverse_parties=["Zed Corp"])
        review = desk.records.conflict_check(
            client="Robert Browne", adverse_parties=["ACME Widgets Limited", "Someone Else"]
        )
        with pytest.raises(ValidationError) as caught:
            desk.records.conflict_check(client=" ", adverse_parties=["ok", 3])
    assert clear.result == "clear" and clear.matches == ()
    assert review.result == "needs_review"
    found = {(m.searched, m.record_id, m.field) for m in review.matches}
    assert ("client", matter.record.id, "adverse_party") in found
    assert ("adverse_parties[0]", client.record.id, "name") in found
    assert {p.where for p in caught.value.problems} == {"client", "adverse_parties[1]"}
    event = firm.events(operation="records.conflict_check")[-1]
    assert event.detail["result"] == "needs_review" and event.detail["parties"] == 2
    assert client.record.id in event.detail["record_ids"]
    logged = json.dumps([e.detail for e in firm.events()])
    for name in ("Brown", "Acme", "Jane", "Zed"):
        assert name not in logged


# -- the command line --------------------------------------------------------------------------


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "officekit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


def test_the_records_commands(tmp_path: Path, clock: ManualClock) -> None:
    db = f"sqlite:///{tmp_path / 'office.db'}"
    with Office.open(db, profile="medical", clock=clock) as office:
        office.staff.hire("Ann Lee", roles=["medical_records_clerk"], experience_years=5)
    entered = run("records", "enter", "patient", "given_name=Maria", "family_name=Rossi",
                  "birth_date=1980-05-01", "--staff", "Ann Lee", "--db", db, "--format", "json",
                  cwd=tmp_path)  # fmt: skip
    assert entered.returncode == 0, entered.stderr
    record_id = json.loads(entered.stdout)["record"]["id"]
    dup = run("records", "enter", "patient", "given_name=Mraia", "family_name=Rossi",
              "birth_date=1980-05-01", "--staff", "1", "--db", db, cwd=tmp_path)  # fmt: skip
    assert dup.returncode == 1 and dup.stderr.startswith("error: not entered")
    bad = run("records", "enter", "patient", "given_name=Maria", "birth_date=13/1/80",
              "--staff", "1", "--db", db, cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 1 and "error:" in bad.stderr and "Traceback" not in bad.stderr
    assert "birth_date" in bad.stderr and "family_name" in bad.stderr
    fixed = run("records", "correct", str(record_id), "given_name=Marie", "--staff", "1",
                "--db", db, cwd=tmp_path)  # fmt: skip
    assert fixed.returncode == 0 and "Marie" in fixed.stdout
    shown = run("records", "show", str(record_id), "--db", db, "--format", "json", cwd=tmp_path)
    assert [c["field"] for c in json.loads(shown.stdout)["history"]] == ["given_name"]
    listed = run("records", "list", "patient", "--db", db, cwd=tmp_path)
    assert "Marie Rossi" in listed.stdout and "1 of 1" in listed.stdout
    wrong = (
        ["records", "show", "99"],
        ["records", "list", "patients"],
        ["records", "enter", "patient", "oops", "--staff", "1"],
        ["records", "erase", str(record_id), "--reason", "x", "--staff", "Nobody"],
    )
    for args in wrong:
        proc = run(*args, "--db", db, cwd=tmp_path)
        assert proc.returncode in (1, 2) and proc.stderr.startswith("error:"), (args, proc)
        assert "Traceback" not in proc.stderr


def test_a_record_with_a_masked_ssn_can_still_be_corrected(
    open_office: Callable[..., Office],
) -> None:
    # The SSN is stored masked (***-**-6789): correcting another field must not check it
    # again as if it had been typed in, nor change it.
    firm = open_office("legal", key="firm")
    clerk = firm.staff.hire("Lee Park", roles=["clerk"])
    with firm.desk(clerk) as desk:
        client = desk.records.enter(
            "client", name="Jon Smiht", client_type="individual", ssn="123-45-6789"
        ).record
        corrected = desk.records.correct(client, name="Jon Smith")
        with pytest.raises(ValidationError) as caught:
            desk.records.correct(client, ssn="000-00-0000")
    assert corrected.data["name"] == "Jon Smith"
    assert corrected.data["ssn"] == client.data["ssn"] == "***-**-6789"
    assert [p.where for p in caught.value.problems] == ["ssn"]
