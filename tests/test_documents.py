"""The assistant's documents: templates per profile, missing fields, the sandbox, hooks, the CLI."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from officekit import ManualClock, Office, hookimpl, load_profile
from officekit.cli import main
from officekit.errors import (
    NotFoundError,
    PermissionDenied,
    PluginError,
    ProfileError,
    ValidationError,
)
from officekit.plugins.assistant.documents.queue import DOCUMENTS_DESK, DOCUMENTS_OFFICE
from officekit.plugins.assistant.documents.settings import DOCUMENTS
from officekit.plugins.assistant.documents.templates import DocumentTemplate, RenderedDocument
from officekit.simulate import simulate

PROFILES = Path(__file__).resolve().parent.parent / "profiles"
BASE_TEMPLATES = (
    "appointment_confirmation",
    "appointment_reminder",
    "letter",
    "receipt_covering_note",
    "visitor_badge",
)
APPOINTMENT = {
    "provider": "Dr Rao",
    "date": "2026-03-04",
    "time": "10:30",
    "location": "Room 2",
}


def _sector_profile(tmp_path: Path, templates: Mapping[str, str], extra: str = "") -> Path:
    folder = tmp_path / "clinic"
    (folder / "templates").mkdir(parents=True)
    for name, source in templates.items():
        (folder / "templates" / name).write_text(source, encoding="utf-8")
    (folder / "profile.toml").write_text(
        'extends = "medical"\n[documents.template_folders]\nclinic = "templates"\n' + extra,
        encoding="utf-8",
    )
    return folder


# -- templates per profile ----------------------------------------------------------------


@pytest.mark.parametrize("profile", ["base", "medical", "legal", "education", "smallbusiness"])
def test_every_shipped_profile_has_the_base_templates(profile: str) -> None:
    settings_ = load_profile(profile).section(DOCUMENTS)
    assert next(iter(settings_.template_folders)) == "base"
    for folder in settings_.template_folders.values():
        assert Path(folder).is_absolute() and Path(folder).is_dir()
    names = {p.stem for f in settings_.template_folders.values() for p in Path(f).iterdir()}
    assert set(BASE_TEMPLATES) <= names


@pytest.mark.parametrize(
    ("profile", "kinds"),
    [
        ("medical", {"referral_letter", "lab_result", "prescription_request"}),
        ("legal", {"court_papers", "service_of_process"}),
        ("education", {"permission_slip", "transcript_request"}),
        ("smallbusiness", {"invoice", "purchase_order"}),
    ],
)
def test_each_sector_has_its_kinds_filed_in_its_own_categories(
    profile: str, kinds: set[str]
) -> None:
    loaded = load_profile(profile)
    section = loaded.section(DOCUMENTS)
    assert kinds <= set(section.kinds) and "letter" in section.kinds
    categories = loaded.sections["filing"].categories
    for key, kind in section.kinds.items():
        assert kind.filing_category in categories, (profile, key)
    for department in section.forward_to:
        assert department in loaded.departments
    if profile == "legal":  # court papers carry short deadlines, service shorter still
        assert section.hours_for("service_of_process") < section.hours_for("court_papers") <= 4


def test_base_templates_render_in_text_and_html(sqlite_office: Office) -> None:
    docs = sqlite_office.facet(DOCUMENTS_OFFICE)
    text = docs.render("appointment_confirmation", APPOINTMENT)
    assert isinstance(text, RenderedDocument) and text.format == "text"
    assert text.text.startswith("Riverside Medical Practice\n")  # the office, unless given
    assert "Dr Rao on 2026-03-04 at 10:30.\nWhere: Room 2\n" in text.text
    html = docs.render(
        "appointment_confirmation", {**APPOINTMENT, "location": "Room 2 <east>"}, format="html"
    )
    assert "Room 2 &lt;east&gt;" in html.text  # autoescaped
    badge = docs.render("visitor_badge", {"visitor": {"name": "Bo", "host": "Dr Rao"}})
    assert badge.text.startswith("VISITOR\nBo\nVisiting: Dr Rao\nRiverside Medical Practice")
    assert (
        "Acme"
        in docs.render(
            "visitor_badge", {"visitor": {"name": "Bo", "host": "Dr Rao", "company": "Acme"}}
        ).text
    )  # an optional field: shown when given, no gap when not
    note = docs.render(
        "receipt_covering_note",
        {"record": {"name": "Ann"}, "receipt": {"number": "R-7", "amount": "EUR 20.00"},
         "signed_by": "Pat"},
    )  # fmt: skip
    assert "receipt R-7 for your payment of EUR 20.00" in note.text


def test_a_sectors_template_overrides_bases(open_office: Callable[..., Office]) -> None:
    medical = open_office("medical").facet(DOCUMENTS_OFFICE)
    legal = open_office("legal", key="firm").facet(DOCUMENTS_OFFICE)
    fields = APPOINTMENT
    assert "list of the medicines" in medical.render("appointment_reminder", fields).text
    assert "medicines" not in legal.render("appointment_reminder", fields).text
    assert medical.templates.get("appointment_reminder", "text").origin.endswith(
        "medical/templates/appointment_reminder.txt"
    )
    # The HTML reminder is base's in both: only the text one is replaced.
    assert "base/templates" in medical.templates.get("appointment_reminder", "html").origin
    assert "referral_letter" in medical.template_names() and "referral_letter" not in (
        legal.template_names()
    )


SAMPLES: dict[str, dict[str, Any]] = {
    "appointment_confirmation": APPOINTMENT,
    "appointment_reminder": APPOINTMENT,
    "letter": {"record": {"name": "Ann Lee"}, "subject": "Your visit", "body": "Thanks.",
               "signed_by": "Pat"},
    "receipt_covering_note": {"record": {"name": "Ann Lee"}, "signed_by": "Pat",
                              "receipt": {"number": "2026-000001", "amount": "EUR 20.00"}},
    "visitor_badge": {"visitor": {"name": "Bo", "host": "Dr Rao"}},
    "referral_letter": {"record": {"given_name": "Ann", "family_name": "Lee"},
                        "referral": {"to": "Cardiology", "reason": "review", "doctor": "Dr Rao"}},
    "lab_results_notice": {"record": {"given_name": "Ann", "family_name": "Lee"},
                           "doctor": "Dr Rao"},
    "prescription_request_note": {"record": {"given_name": "Ann", "family_name": "Lee"},
                                  "ready_on": "2026-03-05"},
    "service_of_process_acknowledgement": {"case": {"number": "CV-1", "court": "County Court"},
                                           "served_on": "2026-03-02", "signed_by": "Pat"},
    "court_deadline_notice": {"case": {"number": "CV-1", "court": "County Court",
                                       "deadline": "2026-03-20"}, "attorney": "J. Doe"},
    "permission_slip": {"record": {"given_name": "Tom", "family_name": "Rossi"},
                        "trip": {"title": "Museum visit", "date": "2026-04-02",
                                 "reply_by": "2026-03-25"}},
    "transcript_request_note": {"record": {"given_name": "Tom", "family_name": "Rossi"},
                                "send_to": "the university", "working_days": 5},
    "invoice_covering_note": {"record": {"name": "Acme"}, "signed_by": "Sam",
                              "invoice": {"number": "I-7", "amount": "USD 90.00",
                                          "due": "2026-04-01"}},
    "purchase_order": {"order": {"number": "PO-9", "deliver_by": "2026-04-01", "lines": []},
                       "supplier": {"name": "Acme"}, "signed_by": "Sam"},
}  # fmt: skip


@pytest.mark.parametrize("profile", ["medical", "legal", "education", "smallbusiness"])
def test_every_shipped_template_renders_with_its_fields(sqlite_url: str, profile: str) -> None:
    office = Office.open(sqlite_url, profile=profile)
    docs = office.facet(DOCUMENTS_OFFICE)
    for fmt, name in docs.templates.templates:
        done = docs.render(name, SAMPLES[name], format=fmt)
        assert done.text.strip() and "None" not in done.text, (profile, name, fmt)
        with pytest.raises(ValidationError, match=f"template {name}: field"):
            docs.render(name, {}, format=fmt)  # every template needs some field
    office.close()


# -- missing fields -----------------------------------------------------------------------


def test_every_missing_field_is_named_at_once(sqlite_office: Office) -> None:
    docs = sqlite_office.facet(DOCUMENTS_OFFICE)
    with pytest.raises(ValidationError) as caught:
        docs.render("appointment_confirmation", {"provider": "Dr Rao"})
    assert [str(p) for p in caught.value.problems] == [
        "template appointment_confirmation: field 'date' is missing",
        "template appointment_confirmation: field 'time' is missing",
        "template appointment_confirmation: field 'location' is missing",
    ]
    with pytest.raises(ValidationError) as caught:
        docs.render("referral_letter", {"record": {"given_name": "Lena"}, "referral": "x"})
    assert [p.what for p in caught.value.problems] == [
        "field 'referral.to' is missing",
        "field 'record.family_name' is missing",
        "field 'referral.reason' is missing",
        "field 'referral.doctor' is missing",
    ]
    with pytest.raises(ValidationError) as caught:
        docs.render("letter", {})
    assert {p.what for p in caught.value.problems} == {
        "field 'record.name' is missing",
        "field 'subject' is missing",
        "field 'body' is missing",
        "field 'signed_by' is missing",
    }


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_a_none_or_blank_field_is_missing_not_a_gap(sqlite_office: Office, empty: Any) -> None:
    docs = sqlite_office.facet(DOCUMENTS_OFFICE)
    with pytest.raises(ValidationError, match=r"field 'time' is missing"):
        docs.render("appointment_reminder", {**APPOINTMENT, "time": empty})
    with pytest.raises(ValidationError, match=r"field 'visitor.name' is missing"):
        docs.render("visitor_badge", {"visitor": {"name": empty, "host": "x"}})


def test_fields_of_loops_and_nested_values(sqlite_url: str) -> None:
    office = Office.open(sqlite_url, profile="smallbusiness")
    docs = office.facet(DOCUMENTS_OFFICE)
    fields: dict[str, Any] = {
        "order": {"number": "PO-9", "deliver_by": "2026-04-01",
                  "lines": [{"quantity": 2, "description": "Chairs"}]},
        "supplier": {"name": "Acme"},
        "signed_by": "Sam",
    }  # fmt: skip
    assert "2 x Chairs" in docs.render("purchase_order", fields).text
    del fields["order"]["lines"]
    with pytest.raises(ValidationError, match=r"'order.lines' is missing"):
        docs.render("purchase_order", fields)
    office.close()


def test_unknown_templates_formats_and_wrong_fields(sqlite_office: Office) -> None:
    docs = sqlite_office.facet(DOCUMENTS_OFFICE)
    with pytest.raises(NotFoundError, match=r"no text template 'leter'.*letter"):
        docs.render("leter", {})
    with pytest.raises(NotFoundError, match="no html template 'receipt_covering_note'"):
        docs.render("receipt_covering_note", {}, format="html")
    with pytest.raises(ValidationError) as caught:
        docs.render("letter", {}, format="pdf")
    assert caught.value.problems[0].where == "format"
    with pytest.raises(ValidationError) as caught:
        docs.render("letter", ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert caught.value.problems[0].where == "fields"
    with pytest.raises(ValidationError) as caught:
        docs.render("letter", {"not a name": 1})
    assert caught.value.problems[0].where.startswith("fields[")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.one_of(st.none(), st.integers(), st.text(max_size=50)),
    fmt=st.one_of(st.none(), st.integers(), st.text(max_size=8)),
    fields=st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=5),
        st.dictionaries(st.one_of(st.integers(), st.text(max_size=5)), st.integers(), max_size=3),
    ),
)
def test_wrong_values_are_officekit_errors(
    sqlite_office: Office, name: Any, fmt: Any, fields: Any
) -> None:
    docs = sqlite_office.facet(DOCUMENTS_OFFICE)
    with contextlib.suppress(ValidationError, NotFoundError):
        docs.render(name, fields, format=fmt)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    record=st.one_of(st.none(), st.booleans(), st.integers(-3, 10**10), st.text(max_size=5)),
    fields=st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=4), st.none(), max_size=2)),
    fmt=st.one_of(st.integers(), st.sampled_from(["text", "html", "pdf", ""])),
)  # fmt: skip
def test_wrong_values_at_the_desk_record_nothing(
    sqlite_office: Office, record: Any, fields: Any, fmt: Any
) -> None:
    office = sqlite_office
    staff = office.staff.list()
    pat = staff[0] if staff else office.staff.hire("Pat", roles=["administrative_assistant"])
    before = len(office.events())
    with office.desk(pat) as desk:
        try:
            desk.documents.render("letter", record=record, fields=fields, format=fmt)
        except (ValidationError, NotFoundError):
            assert len(office.events()) == before


# -- the sandbox and profile validation ---------------------------------------------------


def test_the_sandbox_refuses_python_internals(sqlite_url: str) -> None:
    class Sneaky:
        @hookimpl
        def officekit_register_templates(self) -> list[DocumentTemplate]:
            return [
                DocumentTemplate("sneaky", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
                DocumentTemplate("caller", "{{ office.name.format.__globals__ }}"),
            ]

    office = Office.open(sqlite_url, profile="medical", plugins=[Sneaky()])
    docs = office.facet(DOCUMENTS_OFFICE)
    for name in ("sneaky", "caller"):
        with pytest.raises(ValidationError, match=f"template {name}"):
            docs.render(name, {})
    office.close()


def test_a_template_syntax_error_is_a_profile_problem_naming_file_and_line(
    tmp_path: Path,
) -> None:
    folder = _sector_profile(
        tmp_path, {"letter.txt": "Dear {{ record.name }},\n\n{% if body %}\n{{ body }\n"}
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(folder)
    [problem] = caught.value.problems
    assert problem.where == f"{folder / 'templates' / 'letter.txt'}: line 4"
    assert "template syntax error" in problem.what


def test_a_sector_folder_adds_and_overrides_templates(tmp_path: Path, sqlite_url: str) -> None:
    folder = _sector_profile(
        tmp_path,
        {"letter.txt": "Clinic letter to {{ record.name }}", "leaflet.html": "<p>{{ text }}</p>",
         "notes.md": "ignored: not .txt nor .html"},
    )  # fmt: skip
    profile = load_profile(folder)
    assert list(profile.section(DOCUMENTS).template_folders) == ["base", "medical", "clinic"]
    office = Office.open(sqlite_url, profile=folder)
    docs = office.facet(DOCUMENTS_OFFICE)
    assert docs.render("letter", {"record": {"name": "Bo"}}).text == "Clinic letter to Bo"
    assert docs.render("leaflet", {"text": "<hi>"}, format="html").text == "<p>&lt;hi&gt;</p>"
    assert "notes" not in docs.template_names()
    office.close()


@pytest.mark.parametrize(
    ("extra", "where", "what"),
    [
        ('[documents.template_folders]\nnowhere = "missing"\n', "template_folders.nowhere",
         "no folder"),
        ("[documents]\nreview_hours = 0\n", "documents.review_hours", "from 1 to"),
        ('[documents]\nforward_to = ["triag"]\n', "forward_to[0]", "did you mean 'triage'"),
        ('[documents.kinds.fax]\ndescription = "A fax."\nreview_hours = 99999\n',
         "kinds.fax.review_hours", "from 1 to"),
        ('[documents.kinds.fax]\ndescription = "A fax."\nfiling_category = "Bad Name"\n',
         "kinds.fax.filing_category", "[filing] category"),
    ],
)  # fmt: skip
def test_bad_documents_sections_are_named(
    tmp_path: Path, extra: str, where: str, what: str
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "profile.toml").write_text(f'extends = "medical"\n{extra}', encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(folder)
    assert any(where in p.where and what in p.what for p in caught.value.problems), (
        caught.value.problems
    )


# -- hooks --------------------------------------------------------------------------------


def test_hook_register_templates(sqlite_url: str) -> None:
    class Letterheads:
        @hookimpl
        def officekit_register_templates(self, office: Office) -> list[DocumentTemplate]:
            return [
                DocumentTemplate("letter", "{{ office }} letterhead: {{ subject }}"),
                DocumentTemplate("fax_cover", "<b>{{ pages }}</b> pages", "html"),
            ]

    office = Office.open(sqlite_url, profile="medical", plugins=[Letterheads()])
    docs = office.facet(DOCUMENTS_OFFICE)
    assert docs.render("letter", {"subject": "x"}).text == (
        "Riverside Medical Practice letterhead: x"
    )
    assert docs.render("fax_cover", {"pages": 3}, format="html").text == "<b>3</b> pages"
    assert docs.templates.get("letter", "text").origin  # names the plugin
    # the profile's HTML letter is untouched: only the text one was replaced
    assert "letter" in docs.template_names("html")
    office.close()

    class Broken:
        @hookimpl
        def officekit_register_templates(self) -> list[DocumentTemplate]:
            return [DocumentTemplate("broken", "{% if %}")]

    office = Office.open(sqlite_url, profile="medical", plugins=[Broken()])
    with pytest.raises(PluginError, match=r"template broken.*line 1"):
        office.facet(DOCUMENTS_OFFICE).render("broken", {})
    office.close()
    with pytest.raises(PluginError, match="lower-case identifier"):
        DocumentTemplate("Bad Name", "x")
    with pytest.raises(PluginError, match="format"):
        DocumentTemplate("ok", "x", "pdf")


def test_hook_render_document(sqlite_url: str) -> None:
    seen: list[tuple[str, str]] = []

    class Service:
        @hookimpl
        def officekit_render_document(
            self, name: str, fields: Mapping[str, Any], format: str
        ) -> str | None:
            seen.append((name, format))
            if name == "letter":
                return f"rendered by the service for {fields['record']['name']}"
            return None  # the templates do the rest

    office = Office.open(sqlite_url, profile="medical", plugins=[Service()])
    docs = office.facet(DOCUMENTS_OFFICE)
    assert docs.render("letter", {"record": {"name": "Bo"}}).text == (
        "rendered by the service for Bo"
    )
    assert "Dr Rao" in docs.render("appointment_reminder", APPOINTMENT).text
    assert seen == [("letter", "text"), ("appointment_reminder", "text")]
    office.close()

    class Wrong:
        @hookimpl
        def officekit_render_document(self) -> object:
            return 42

    office = Office.open(sqlite_url, profile="medical", plugins=[Wrong()])
    with pytest.raises(PluginError, match="text or None"):
        office.facet(DOCUMENTS_OFFICE).render("letter", {})
    office.close()


# -- at the desk: fields gathered, an event without content ---------------------------------


def test_the_desk_renders_from_a_record_and_records_no_content(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("medical")
    clerk = office.staff.hire("Carla Neri", roles=["medical_records_clerk"], experience_years=3)
    with office.desk(clerk) as desk:
        patient = desk.records.enter(
            "patient", given_name="Lena", family_name="Fischer", birth_date="1980-05-02",
            phone="020 7946 0101",
        ).record  # fmt: skip
        before = len(office.events())
        done = desk.facet(DOCUMENTS_DESK).render(
            "referral_letter",
            record=patient,
            fields={"referral": {"to": "Cardiology", "reason": "palpitations", "doctor": "Dr Rao"}},
        )
    assert "patient Lena Fischer (born 1980-05-02)" in done.text
    [event] = office.events()[before:]
    assert event.operation == "documents.render"
    assert event.detail == {
        "template": "referral_letter",
        "format": "text",
        "fields": 10,
    }  # record.name derived
    recorded = json.dumps(event.detail) + str(event.subject)
    assert "Lena" not in recorded and "palpitations" not in recorded


def test_nothing_is_recorded_when_a_field_is_missing_or_the_role_may_not(
    open_office: Callable[..., Office],
) -> None:
    office = open_office("medical")
    clerk = office.staff.hire("Sam Okafor", roles=["clerk"])  # no correspondence
    assistant = office.staff.hire("Pat Grant", roles=["administrative_assistant"])
    before = len(office.events())
    with office.desk(assistant) as desk:
        with pytest.raises(ValidationError, match="'time' is missing"):
            desk.documents.render("appointment_reminder", fields={"date": "2026-03-04"})
        with pytest.raises(NotFoundError, match="no record with id 999"):
            desk.documents.render("letter", record=999)
    assert len(office.events()) == before
    with office.desk(clerk) as desk, pytest.raises(PermissionDenied):
        desk.documents.render("appointment_reminder", fields=APPOINTMENT)
    [refusal] = office.events()[before:]
    assert refusal.outcome == "denied" and refusal.operation == "documents.render"


def test_the_desk_renders_an_appointments_confirmation(
    open_office: Callable[..., Office], clock: ManualClock
) -> None:
    office = open_office("medical")
    if "schedule" not in office.office_facets:
        pytest.skip("the schedule part is not in this office")
    rosa = office.staff.hire("Rosa Silva", roles=["medical_receptionist"], experience_years=1)
    with office.desk(rosa) as desk:
        patient = desk.records.enter(
            "patient", given_name="Maria", family_name="Rossi", birth_date="1980-05-01"
        ).record
        start = dt.datetime.combine(
            clock.now().date() + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC
        )
        entry = desk.appointments.book("gp", provider="dr_okafor", start=start, customer=patient.id)
        done = desk.documents.render("appointment_confirmation", appointment=entry.uid)
        html = desk.documents.render(
            "appointment_confirmation", appointment=entry.uid, format="html"
        )
    fields = office.schedule.appointment_fields(entry.uid)
    assert f"on {fields['date']} at {fields['time']}" in done.text
    assert fields["provider"] in done.text and "<article" in html.text
    event = office.events()[-1]
    assert event.operation == "documents.render" and event.detail["fields"] == len(fields)


def test_an_unknown_appointment_is_not_found_and_records_nothing(sqlite_url: str) -> None:
    office = Office.open(sqlite_url, profile="medical")
    assistant = office.staff.hire("Pat Grant", roles=["administrative_assistant"])
    room = office.facet(DOCUMENTS_OFFICE)
    assert room.render("letter", {"record": {"name": "Bo"}, "subject": "s", "body": "b",
                                  "signed_by": "Pat"}).name == "letter"  # fmt: skip
    before = len(office.events())
    with office.desk(assistant) as desk, pytest.raises(NotFoundError):
        desk.documents.render("appointment_reminder", appointment="no-such-uid")
    assert len(office.events()) == before
    office.close()


# -- the command line -----------------------------------------------------------------------


def _app() -> Any:
    from officekit.cli import get_app

    return get_app()


def test_cli_renders_a_document(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    office = Office.open(db, profile="medical")
    office.staff.hire("Pat Grant", roles=["administrative_assistant"])
    office.close()
    runner = CliRunner()
    app = _app()
    ok = runner.invoke(
        app,
        ["documents", "render", "appointment_reminder", "--as", "Pat Grant", "--db", db,
         *[f"--field={k}={v}" for k, v in APPOINTMENT.items()]],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "with Dr Rao on 2026-03-04 at 10:30" in ok.output
    as_json = runner.invoke(
        app,
        ["documents", "render", "visitor_badge", "--as", "1", "--db", db, "--html",
         "--field", "visitor.name=Bo", "--field", "visitor.host=Dr Rao", "--format", "json"],
    )  # fmt: skip
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["format"] == "html"
    missing = runner.invoke(app, ["documents", "render", "letter", "--as", "1", "--db", db])
    assert missing.exit_code != 0 and "field 'subject' is missing" in str(missing.exception)
    bad = runner.invoke(
        app, ["documents", "render", "letter", "--as", "1", "--db", db, "--field", "oops"]
    )
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.output


def test_cli_errors_are_messages_not_tracebacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    office = Office.open(db, profile="medical")
    office.staff.hire("Pat Grant", roles=["administrative_assistant"])
    office.close()
    with pytest.raises(SystemExit) as caught:
        main(["documents", "render", "letter", "--as", "1", "--db", db])
    assert caught.value.code == 1
    err = capsys.readouterr().err
    assert "template letter: field 'record.name' is missing" in err
    assert "Traceback" not in err


# -- the simulation -------------------------------------------------------------------------


def test_simulate_processes_incoming_documents(sqlite_url: str) -> None:
    clock = ManualClock(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    office = Office.open(sqlite_url, profile="legal", clock=clock)
    result = simulate(office, days=3, seed=5, start=clock.now().date(), clock=clock)
    [report] = [r for r in result.steps if r.name == "documents"]
    assert report.data["received"] > 0 and report.data["reviewed"] > 0
    closed = report.data["filed"] + report.data["forwarded"] + report.data["returned"]
    assert closed > 0
    docs = office.facet(DOCUMENTS_OFFICE)
    states = [i.state for i in docs.queue(state="all")]
    assert len(states) == report.data["received"]
    filed = list(docs.queue(state="filed"))
    assert all(i.filing_document_id is not None for i in filed)
    office.close()


def test_cli_appointment_fields_are_top_level_as_its_help_says(
    tmp_path: Path, clock: ManualClock
) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    office = Office.open(db, profile="medical", clock=clock)
    if "schedule" not in office.office_facets:
        pytest.skip("the schedule part is not in this office")
    rosa = office.staff.hire("Rosa Silva", roles=["medical_receptionist"], experience_years=1)
    with office.desk(rosa) as desk:
        patient = desk.records.enter(
            "patient", given_name="Maria", family_name="Rossi", birth_date="1980-05-01"
        ).record
        start = dt.datetime.combine(
            clock.now().date() + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC
        )
        entry = desk.appointments.book("gp", provider="dr_okafor", start=start, customer=patient.id)
    fields = office.schedule.appointment_fields(entry.uid)
    office.close()
    runner = CliRunner()
    app = _app()
    helped = runner.invoke(app, ["documents", "render", "--help"], env={"COLUMNS": "200"})
    assert "top-level fields" in helped.output and "appointment.*" not in helped.output
    ok = runner.invoke(
        app,
        ["documents", "render", "appointment_confirmation", "--as", "Rosa Silva", "--db", db,
         "--appointment", entry.uid],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert f"on {fields['date']} at {fields['time']}" in ok.output


def test_a_letter_to_a_patient_takes_the_name_from_the_given_and_family_names(
    tmp_path: Path,
) -> None:
    with Office.open(f"sqlite:///{tmp_path / 'p.db'}", profile="medical") as office:
        clerk = office.staff.hire("Carla Neri", roles=["medical_records_clerk"], experience_years=3)
        with office.desk(clerk) as desk:
            entered = desk.records.enter(
                "patient", given_name="Lena", family_name="Fischer", birth_date="1980-04-02"
            )
            letter = desk.documents.render(
                "letter",
                record=entered.record,
                fields={"subject": "Your records", "body": "They are ready.", "signed_by": "C."},
            )
    assert "Dear Lena Fischer," in letter.text
