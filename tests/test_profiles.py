"""Profile loading: inheritance, every kind of error, discovery by name and path."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from officekit import Office, ProfileError, load_profile
from officekit.cli import get_app
from officekit.core.profile import (
    available_profiles,
    profile_problems,
    resolve_profile_path,
    shipped_profiles_dir,
)
from officekit.errors import NotFoundError
from officekit.plugins.kernel import KERNEL_OPERATIONS
from officekit.plugins.reception import RECEPTION_OPERATIONS
from officekit.plugins.reception.questions import KnowledgeBase
from officekit.plugins.reception.routing import Router
from officekit.plugins.reception.settings import QUESTIONS, ROUTING

KERNEL_OPS = [op.name for op in KERNEL_OPERATIONS]
BUILTIN_OPS = KERNEL_OPS + [op.name for op in RECEPTION_OPERATIONS]
SHIPPED = ["medical", "legal", "education", "smallbusiness"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Problems name files relative to the working directory.
    monkeypatch.chdir(tmp_path)


def write(folder: Path, text: str, name: str = "profile.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profiles_load_by_name(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.source.files[-1].endswith("base/profile.toml")
    assert profile.office.tz is not None
    assert set(available_profiles()) >= set(SHIPPED)


def test_shipped_dir_is_the_repository_folder_in_a_checkout() -> None:
    assert (shipped_profiles_dir() / "medical" / "profile.toml").is_file()


def test_extends_overrides_and_inherits(tmp_path: Path) -> None:
    path = write(
        tmp_path / "clinic",
        """
        extends = "medical"
        description = "A small clinic"
        [office]
        name = "Hillside Clinic"
        [departments.reception]
        extension = "900"
        [roles.receptionist]
        title = "Front desk"
        """,
    )
    base = load_profile("medical")
    profile = load_profile(path)
    assert profile.name == "clinic"
    assert profile.office.name == "Hillside Clinic"
    # tables merge key by key: what the child does not set is inherited
    assert profile.office.timezone == base.office.timezone
    assert profile.departments["reception"].extension == "900"
    assert profile.departments["reception"].name == base.departments["reception"].name
    assert profile.roles["receptionist"].title == "Front desk"
    assert (
        profile.roles["receptionist"].responsibilities
        == base.roles["receptionist"].responsibilities
    )
    assert profile.levels == base.levels
    assert profile.source.files[0] == str(path.resolve())
    assert len(profile.source.files) == len(base.source.files) + 1


def test_extends_by_relative_path_and_lists_replace_whole(tmp_path: Path) -> None:
    write(
        tmp_path / "parent",
        """
        extends = "base"
        [responsibilities.front_office]
        operations = ["desk.note", "desk.start_shift", "desk.end_shift"]
        """,
    )
    child = write(
        tmp_path / "child",
        """
        extends = "../parent"
        [responsibilities.front_office]
        operations = ["desk.note"]
        """,
    )
    profile = load_profile(child)
    assert profile.responsibilities["front_office"].operations == ("desk.note",)
    assert profile.responsibilities["front_office"].min_level == "trainee"


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a", 'extends = "../b"\n')
    write(tmp_path / "b", 'extends = "../a"\n')
    (problem,) = problems_of(tmp_path / "a")
    assert "cycle" in problem and "extends" in problem


def test_extends_unknown_parent(tmp_path: Path) -> None:
    path = write(tmp_path / "x", 'extends = "no-such-profile"\n')
    (problem,) = problems_of(path)
    assert "x/profile.toml: extends" in problem
    assert "no profile named 'no-such-profile'" in problem


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad", 'extends = "medical"\n[office\nname = 1\n')
    (problem,) = problems_of(path)
    assert "bad/profile.toml" in problem and "line 2" in problem


def test_unknown_key_names_file_and_key_path(tmp_path: Path) -> None:
    path = write(
        tmp_path / "typo",
        """
        extends = "medical"
        [office]
        timezon = "Europe/Rome"
        [roles.receptionist]
        titel = "Receptionist"
        """,
    )
    problems = problems_of(path)
    # each names the file and the key path; the hint is the near-miss key
    assert problems == [
        "typo/profile.toml: office.timezon: unknown key (did you mean 'timezone'?)",
        "typo/profile.toml: roles.receptionist.titel: unknown key (did you mean 'title'?)",
    ]


def test_wrong_types_are_not_coerced(tmp_path: Path) -> None:
    path = write(
        tmp_path / "types",
        """
        extends = "medical"
        [departments.reception]
        extension = 100
        [[levels]]
        name = "only"
        min_years = "three"
        """,
    )
    problems = problems_of(path)
    assert any(
        p.startswith("types/profile.toml: departments.reception.extension: expected str")
        for p in problems
    )
    assert any("levels[0].min_years" in p and "expected float" in p for p in problems)


def test_missing_required_key(tmp_path: Path) -> None:
    path = write(
        tmp_path / "missing",
        """
        extends = "medical"
        [departments.lab]
        name = "Lab"
        """,
    )
    (problem,) = problems_of(path)
    assert problem == "missing/profile.toml: departments.lab.extension: required key is missing"


def test_bad_opening_hours(tmp_path: Path) -> None:
    path = write(
        tmp_path / "hours",
        """
        extends = "medical"
        [departments.lab]
        name = "Lab"
        extension = "555"
        hours = { mon = "18:00-09:00", tue = "9am-5pm", funday = "09:00-10:00" }
        """,
    )
    problems = problems_of(path)
    assert any(
        "departments.lab.hours.mon: a time range must end after it starts" in p for p in problems
    )
    assert any("departments.lab.hours.tue" in p and "HH:MM" in p for p in problems)
    assert any(p.endswith("departments.lab.hours.funday: unknown key") for p in problems)


def test_dangling_references_are_each_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path / "refs",
        """
        extends = "medical"
        [office]
        timezone = "Mars/Olympus"
        currency = "XXY"
        country = "QQ"
        [departments.lab]
        name = "Lab"
        extension = "100"
        [roles.clerk]
        department = "nowhere"
        responsibilities = ["front_office", "flying"]
        [responsibilities.front_office]
        operations = ["desk.note", "desk.fly"]
        min_level = "god"
        """,
    )
    problems = problems_of(path)
    expected = [
        "refs/profile.toml: office.timezone: unknown IANA timezone 'Mars/Olympus'",
        "refs/profile.toml: office.currency: not an ISO 4217 currency code: 'XXY'",
        "refs/profile.toml: office.country: not an ISO 3166 alpha-2 country code: 'QQ'",
        "refs/profile.toml: roles.clerk.department: no department named 'nowhere'",
        "refs/profile.toml: roles.clerk.responsibilities[1]: no responsibility named 'flying'",
        "refs/profile.toml: responsibilities.front_office.min_level: no level named 'god'",
    ]
    for line in expected:  # references also list what is known
        assert any(p.startswith(line) for p in problems), line
    assert any(
        "responsibilities.front_office.operations[1]: no operation named 'desk.fly'" in p
        for p in problems
    )
    assert any("extension 100 is already used by department" in p for p in problems)


def test_error_in_inherited_key_names_the_file_that_set_it(tmp_path: Path) -> None:
    write(
        tmp_path / "parent",
        """
        extends = "base"
        [roles.clerk]
        department = "nowhere"
        """,
    )
    child = write(tmp_path / "child", 'extends = "../parent"\n[office]\nname = "Child"\n')
    (problem,) = problems_of(child)
    assert problem.startswith("parent/profile.toml: roles.clerk.department")


def test_an_operation_no_plugin_registers_is_a_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ops",
        """
        extends = "medical"
        [responsibilities.future]
        description = "Later issues add these"
        operations = ["payroll.distribute"]
        min_level = "trainee"
        """,
    )
    (problem,) = profile_problems(path)
    assert "responsibilities.future.operations[0]" in str(problem)
    assert "'payroll.distribute'" in str(problem)


def test_an_invalid_profile_opens_nothing(tmp_path: Path, sqlite_url: str) -> None:
    path = write(tmp_path / "broken", 'extends = "medical"\n[office]\ncurrency = "XXY"\n')
    with pytest.raises(ProfileError):
        Office.open(sqlite_url, profile=path)
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


_TOML_VALUES = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2),
    st.sampled_from(['""', '"   "']),
)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "0.5"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {v}" for k, v in value.items()) + "}"
    return str(value)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_TOML_VALUES)
def test_a_profile_name_that_is_not_a_word_is_a_problem_naming_name(
    tmp_path: Path, sqlite_url: str, value: object
) -> None:
    path = write(tmp_path / "named", f'extends = "medical"\nname = {_toml(value)}\n')
    problems = problems_of(path)
    assert any(p.startswith(f"{path.relative_to(tmp_path)}: name: ") for p in problems), problems
    with pytest.raises(ProfileError):
        Office.open(sqlite_url, profile=path)


def test_unknown_profile_name() -> None:
    with pytest.raises(NotFoundError, match="no profile named 'nope'"):
        resolve_profile_path("nope")
    with pytest.raises(ProfileError, match="no profile named 'nope'"):
        load_profile("nope")


def test_level_derivation_uses_experience_and_education() -> None:
    profile = load_profile("base")
    assert profile.level_for(0).name == "trainee"
    assert profile.level_for(1).name == "associate"
    assert profile.level_for(3).name == "associate"
    assert profile.level_for(2, "bachelor").name == "senior"
    assert profile.level_for(20, "master").name == "lead"


def test_opening_hours_queries() -> None:
    profile = load_profile("base")
    hours = profile.departments["reception"].hours
    monday = dt.date(2026, 3, 2)
    assert hours.on(monday)
    assert hours.is_open(dt.datetime.combine(monday, dt.time(10)))
    assert not hours.is_open(dt.datetime.combine(monday, dt.time(20)))
    assert not hours.on(monday + dt.timedelta(days=6))  # Sunday


def test_profile_to_dict_is_plain_data() -> None:
    data = load_profile("medical").to_dict()
    assert data["name"] == "medical"
    assert isinstance(data["departments"]["reception"]["hours"]["mon"], str | list)


def test_overlapping_opening_hours(tmp_path: Path) -> None:
    path = write(
        tmp_path / "overlap",
        """
        extends = "medical"
        [departments.reception]
        hours = { mon = ["09:00-12:00", "11:00-13:00"] }
        """,
    )
    assert problems_of(path) == [
        "overlap/profile.toml: departments.reception.hours.mon: "
        "opening hours 09:00-12:00 and 11:00-13:00 overlap"
    ]


def test_level_problems_name_the_file_that_set_the_levels(tmp_path: Path) -> None:
    write(
        tmp_path / "parent",
        """
        extends = "base"
        [[levels]]
        name = "junior"
        min_years = 3
        [[levels]]
        name = "junior"
        min_years = 1
        """,
    )
    child = write(tmp_path / "child", 'extends = "../parent"\n')
    problems = problems_of(child)
    assert "parent/profile.toml: levels[1].name: level 'junior' is defined twice" in problems
    assert (
        "parent/profile.toml: levels[1].min_years: levels must be listed lowest first" in problems
    )


def test_a_string_is_not_a_list(tmp_path: Path) -> None:
    path = write(
        tmp_path / "strlist",
        """
        extends = "medical"
        [roles.receptionist]
        responsibilities = "front_office"
        [roles.clerk]
        responsibilities = ["front_office", 3]
        """,
    )
    assert problems_of(path) == [
        "strlist/profile.toml: roles.receptionist.responsibilities: "
        "expected a list, got str 'front_office'",
        "strlist/profile.toml: roles.clerk.responsibilities[1]: expected str, got int 3",
    ]


def test_a_broken_knowledge_base_stops_the_profile(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    write(folder, 'extends = "medical"\n[questions]\nknowledge_base = "faq.toml"\n')
    (folder / "faq.toml").write_text(
        '[[entries]]\nid = "a"\nquestion = "Q?"\nanswer = "A."\ndepartment = "mars"\n'
        '[[entries]]\nid = "b"\nquestion = "Q2?"\n'
    )
    problems = problems_of(folder / "profile.toml")
    assert any("faq.toml: entries[0].department" in p and "mars" in p for p in problems)
    assert any("faq.toml: entries[1].answer" in p for p in problems)


def test_opening_hours_are_local_times_without_offsets(tmp_path: Path) -> None:
    path = write(
        tmp_path / "offset",
        """
        extends = "medical"
        [departments.reception]
        hours = { mon = "09:00+01:00-17:00+01:00" }
        """,
    )
    (problem,) = problems_of(path)
    assert "departments.reception.hours.mon" in problem and "without an offset" in problem


def test_a_holiday_date_must_be_a_date(tmp_path: Path) -> None:
    path = write(tmp_path / "hol", 'extends = "medical"\n[[holidays]]\ndate = "Christmas"\n')
    (problem,) = problems_of(path)
    assert (
        problem
        == "hol/profile.toml: holidays[0].date: expected a date as YYYY-MM-DD, got 'Christmas'"
    )


# ---------------------------------------------------------------------------
# [extend]: inheritance that appends to the inherited lists
# ---------------------------------------------------------------------------

# A weekday the medical practice's appointments line is open.
MONDAY_10AM = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)

TRAVEL_RULE = """
[[extend.routing.rules]]
name = "travel vaccines"
keywords = ["yellow fever"]
department = "billing"
"""

MORE_FAQ = """
[[entries]]
id = "yellow-fever"
question = "Do you give yellow fever vaccinations?"
answer = "Yes: we are a registered yellow fever centre. Book with private fees and billing."
department = "billing"
keywords = ["yellow fever", "travel jab"]

[[entries]]
id = "travel-clinic"
question = "When is the travel clinic?"
answer = "The travel clinic runs on Wednesday afternoons."
department = "appointments"
keywords = ["travel clinic", "holiday abroad"]
"""


def test_extend_appends_a_routing_rule_and_keeps_the_parents(tmp_path: Path) -> None:
    path = write(tmp_path / "travel", 'extends = "medical"\n' + TRAVEL_RULE)
    parent = load_profile("medical").section(ROUTING)
    profile = load_profile(path)
    rules = profile.section(ROUTING).rules
    assert rules[:-1] == parent.rules
    assert rules[-1].name == "travel vaccines"
    assert profile.section(ROUTING).urgent == parent.urgent
    router = Router(profile)
    decision = router.decide("I need a yellow fever jab", at=MONDAY_10AM, line=None)
    assert (decision.kind, decision.rule, decision.department) == (
        "rule",
        "travel vaccines",
        "billing",
    )
    # the parent's rules still route as before
    assert router.decide("I want to book an appointment", at=MONDAY_10AM).rule == "appointments"


def test_extend_appends_to_a_nested_list_and_a_grandchild_extends_again(tmp_path: Path) -> None:
    write(
        tmp_path / "child",
        """
        extends = "medical"
        [extend.responsibilities.information_governance]
        operations = ["desk.note"]
        [[extend.holidays]]
        date = 2027-04-02
        name = "Good Friday"
        """,
    )
    grandchild = write(
        tmp_path / "grandchild",
        """
        extends = "../child"
        [extend.responsibilities.information_governance]
        operations = ["desk.start_shift"]
        [extend.visitors]
        restricted_words = ["surgery"]
        [extend.roles.clerk]
        responsibilities = ["questions"]
        """,
    )
    medical = load_profile("medical")
    profile = load_profile(grandchild)
    assert profile.responsibilities["information_governance"].operations == (
        *medical.responsibilities["information_governance"].operations,
        "desk.note",
        "desk.start_shift",
    )
    assert [h.name for h in profile.holidays][-1] == "Good Friday"
    assert profile.holidays[:-1] == medical.holidays
    assert profile.visitors.restricted_words[-1] == "surgery"
    assert profile.roles["clerk"].responsibilities == (
        *medical.roles["clerk"].responsibilities,
        "questions",
    )
    assert "extend" not in profile.to_dict()


def test_extend_a_missing_key_gives_just_the_list(tmp_path: Path) -> None:
    path = write(
        tmp_path / "newlist",
        """
        extends = "base"
        [extend.plugins]
        disable = ["officekit.plugins.reception"]
        """,
    )
    profile = load_profile(path)
    assert profile.plugins.disable == ("officekit.plugins.reception",)
    assert "routing" not in profile.sections


def test_errors_in_appended_items_name_the_child_file_and_index(tmp_path: Path) -> None:
    n_parent = len(load_profile("medical").section(ROUTING).rules)
    ops = len(load_profile("medical").responsibilities["information_governance"].operations)
    path = write(
        tmp_path / "child",
        """
        extends = "medical"
        [[extend.routing.rules]]
        name = "travel vaccines"
        keywords = ["yellow fever"]
        department = "apointments"
        [[extend.routing.rules]]
        name = "lost"
        keywords = ["lost property"]
        departmnt = "reception"
        [extend.responsibilities.information_governance]
        operations = ["desk.fly"]
        """,
    )
    problems = problems_of(path)
    assert (
        f"child/profile.toml: routing.rules[{n_parent + 1}].departmnt: "
        "unknown key (did you mean 'department'?)"
    ) in problems
    # the first pass stops at a table that fails to read; fix it and the references show
    text = path.read_text().replace("departmnt", "department")
    path.write_text(text)
    problems = problems_of(path)
    assert any(
        p.startswith(f"child/profile.toml: routing.rules[{n_parent}].department: ")
        and "no department named 'apointments'" in p
        and "did you mean 'appointments'?" in p
        for p in problems
    ), problems
    assert any(
        p.startswith(
            f"child/profile.toml: responsibilities.information_governance.operations[{ops}]: "
        )
        and "'desk.fly'" in p
        for p in problems
    ), problems


def test_errors_in_inherited_items_still_name_the_parent(tmp_path: Path) -> None:
    write(
        tmp_path / "parent",
        """
        extends = "medical"
        [[extend.routing.rules]]
        name = "lab"
        keywords = ["lab"]
        department = "laboratory"
        """,
    )
    child = write(
        tmp_path / "child",
        """
        extends = "../parent"
        [[extend.routing.rules]]
        name = "travel"
        keywords = ["travel"]
        department = "billing"
        """,
    )
    n = len(load_profile("medical").section(ROUTING).rules)
    (problem,) = problems_of(child)
    assert problem.startswith(f"parent/profile.toml: routing.rules[{n}].department: ")


def test_a_replaced_list_forgets_where_the_parents_items_came_from(tmp_path: Path) -> None:
    write(
        tmp_path / "parent",
        """
        extends = "medical"
        [[extend.routing.rules]]
        name = "lab"
        keywords = ["lab"]
        department = "triage"
        """,
    )
    child = write(
        tmp_path / "child",
        """
        extends = "../parent"
        [routing]
        rules = [
            { name = "a", keywords = ["a"], department = "triage" },
            { name = "b", keywords = ["b"], department = "triage" },
            { name = "c", keywords = ["c"], department = "triage" },
            { name = "d", keywords = ["d"], department = "triage" },
            { name = "e", keywords = ["e"], department = "triage" },
            { name = "f", keywords = ["f"], department = "triage" },
            { name = "g", keywords = ["g"] },
        ]
        """,
    )
    (problem,) = problems_of(child)
    assert problem == "child/profile.toml: routing.rules[6].department: required key is missing"


@pytest.mark.parametrize(
    ("extend", "key_path", "what"),
    [
        ("[extend]\nholidays = 3", "extend.holidays", "expected a list"),
        ("[extend.routing]\nrules = { name = 'x' }", "extend.routing.rules", None),
        ("[extend.routing]\ndefault = 'triage'", "extend.routing.default", "expected a list"),
        ("[extend]\nroles = ['x']", "extend.roles", "the inherited value is a table"),
        ("[extend.levels]\nname = ['x']", "extend.levels", "expected a list to append"),
        ("extend = 'routing'", "extend", "expected a table"),
        ("[extend]\nextends = ['base']", "extend.extends", "cannot be extended"),
    ],
)
def test_a_bad_extend_value_is_a_problem_naming_file_and_key_path(
    tmp_path: Path, extend: str, key_path: str, what: str | None
) -> None:
    path = write(tmp_path / "bad", f'extends = "medical"\n{extend}\n')
    problems = problems_of(path)
    assert any(
        p.startswith(f"bad/profile.toml: {key_path}") and (what is None or what in p)
        for p in problems
    ), problems


def test_extend_problems_are_reported_with_the_rest(tmp_path: Path) -> None:
    path = write(
        tmp_path / "both",
        """
        extends = "medical"
        [extend]
        holidays = "Christmas"
        [phones]
        lines = "four"
        """,
    )
    problems = problems_of(path)
    assert problems[0].startswith("both/profile.toml: extend.holidays: expected a list")
    assert any(p.startswith("both/profile.toml: phones.lines: expected int") for p in problems)


def test_a_single_value_extended_becomes_a_list_and_must_be_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "name", 'extends = "medical"\n[extend.office]\nname = ["Other"]\n')
    (problem,) = problems_of(path)
    assert problem.startswith("name/profile.toml: office.name: expected str, got list")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12).filter(
            lambda n: n.strip() != ""
        ),
        max_size=6,
        unique=True,
    )
)
def test_appending_n_rules_gives_the_parents_then_the_n_in_order(
    tmp_path: Path, names: list[str]
) -> None:
    parent = load_profile("medical").section(ROUTING).rules
    names = [f"extra {n}" for n in names]
    text = 'extends = "medical"\n' + "".join(
        f"[[extend.routing.rules]]\nname = {json.dumps(n)}\n"
        f'keywords = [{json.dumps("zz" + str(i))}]\ndepartment = "reception"\n'
        for i, n in enumerate(names)
    )
    path = write(tmp_path / "gen", text)
    rules = load_profile(path).section(ROUTING).rules
    assert rules[: len(parent)] == parent
    assert [r.name for r in rules[len(parent) :]] == names


# ---------------------------------------------------------------------------
# Knowledge bases of several files
# ---------------------------------------------------------------------------


def test_extend_the_knowledge_base_keeps_the_parents_answers(tmp_path: Path) -> None:
    folder = tmp_path / "travel"
    write(
        folder,
        'extends = "medical"\n[extend.questions]\nknowledge_base = ["more-faq.toml"]\n',
    )
    write(folder, MORE_FAQ, name="more-faq.toml")
    profile = load_profile(folder)
    files = profile.section(QUESTIONS).knowledge_base_files
    assert files == (
        str(shipped_profiles_dir().resolve() / "medical" / "faq.toml"),
        str((folder / "more-faq.toml").resolve()),
    )
    kb = KnowledgeBase.for_profile(profile)
    parent = KnowledgeBase.for_profile(load_profile("medical"))
    assert [e.id for e in kb.entries] == [
        *(e.id for e in parent.entries),
        "yellow-fever",
        "travel-clinic",
    ]
    assert kb.paths == files
    match = kb.search("Do you give yellow fever vaccinations?")
    assert match is not None and match.entry.id == "yellow-fever" and match.confidence == 1
    match = kb.search("What are your opening hours?")
    assert match is not None and match.entry.id == "opening-hours"


def test_a_knowledge_base_list_is_read_relative_to_each_file(tmp_path: Path) -> None:
    write(tmp_path / "parent", 'extends = "medical"\n[questions]\nknowledge_base = []\n')
    write(tmp_path / "parent", MORE_FAQ, name="more-faq.toml")
    child = write(
        tmp_path / "child",
        'extends = "../parent"\n'
        '[extend.questions]\nknowledge_base = ["../parent/more-faq.toml", "missing.toml"]\n',
    )
    (problem,) = problems_of(child)
    assert problem.startswith("child/profile.toml: questions.knowledge_base[1]: no file at ")
    assert problem.endswith("child/missing.toml")


def test_a_duplicate_id_across_knowledge_base_files_names_both(tmp_path: Path) -> None:
    folder = tmp_path / "dup"
    write(folder, 'extends = "medical"\n[questions]\nknowledge_base = ["a.toml", "b.toml"]\n')
    write(folder, MORE_FAQ, name="a.toml")
    write(folder, MORE_FAQ.replace("travel-clinic", "clinic-2"), name="b.toml")
    problems = problems_of(folder)
    assert problems == [
        "dup/b.toml: entries[0].id: id 'yellow-fever' is already used by dup/a.toml: entries[0]"
    ]


def test_a_knowledge_base_must_be_a_file_name_or_a_list_of_them(tmp_path: Path) -> None:
    path = write(
        tmp_path / "kbtype", 'extends = "medical"\n[questions]\nknowledge_base = ["a", 3]\n'
    )
    (problem,) = problems_of(path)
    assert problem.startswith("kbtype/profile.toml: questions.knowledge_base[1]: expected str")


# ---------------------------------------------------------------------------
# Did you mean, and every problem in one pass
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[phones]\nlinez = 3", "phones.linez: unknown key (did you mean 'lines'?)"),
        (
            "[routing]\ndefualt = 'reception'",
            "routing.defualt: unknown key (did you mean 'default'?)",
        ),
        (
            "[[extend.routing.rules]]\nname = 'x'\nkeywords = ['x']\ndepartment = 'triage'\n"
            "after_hour = 'voicemail'",
            "routing.rules[6].after_hour: unknown key (did you mean 'after_hours'?)",
        ),
        (
            "[departments.reception.hours]\nmonday = '09:00-17:00'",
            "departments.reception.hours.monday: unknown key (did you mean 'mon'?)",
        ),
        ("[phone]\nlines = 3", "phone: unknown key (did you mean 'phones'?"),
    ],
)
def test_near_miss_keys_get_a_hint_at_every_level(tmp_path: Path, toml: str, expected: str) -> None:
    path = write(tmp_path / "near", f'extends = "medical"\n{toml}\n')
    problems = problems_of(path)
    assert any(p.startswith(f"near/profile.toml: {expected}") for p in problems), problems


def test_a_far_miss_gets_no_hint(tmp_path: Path) -> None:
    path = write(tmp_path / "far", 'extends = "medical"\n[phones]\nxyzzy = 3\n')
    assert problems_of(path) == ["far/profile.toml: phones.xyzzy: unknown key"]


def test_type_and_reference_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path / "both",
        """
        extends = "medical"
        [phones]
        lines = "four"
        [roles.x]
        title = "X"
        responsibilities = ["front_office"]
        department = "nowhere"
        """,
    )
    problems = problems_of(path)
    assert any(p.startswith("both/profile.toml: phones.lines: expected int") for p in problems)
    assert any(
        p.startswith("both/profile.toml: roles.x.department: no department named 'nowhere'")
        for p in problems
    )


# ---------------------------------------------------------------------------
# officekit profiles show
# ---------------------------------------------------------------------------


def test_profiles_show_prints_every_section(tmp_path: Path) -> None:
    path = write(tmp_path / "travel", 'extends = "medical"\n' + TRAVEL_RULE)
    result = CliRunner().invoke(get_app(), ["profiles", "show", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.output
    for title in ("Departments", "Roles", "Holidays", "Christmas Day", "[plugins]"):
        assert title in text, title
    for section in ("[phones]", "[routing]", "[visitors]", "[questions]"):
        assert section in text, section
    # routing rules are a table, the appended one last
    assert "routing.rules" in text and "travel vaccines" in text
    assert text.index("[phones]") > text.index("Roles")
    assert text.index("registered-patients") < text.index("travel vaccines")


def test_profiles_show_json_is_the_profile_as_data(tmp_path: Path) -> None:
    result = CliRunner().invoke(get_app(), ["profiles", "show", "medical", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["phones"]["lines"] == 6
    assert isinstance(data["questions"]["knowledge_base"], str)
