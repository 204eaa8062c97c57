"""Profile loading: inheritance, every kind of error, discovery by name and path."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from officekit import Office, ProfileError, load_profile
from officekit.core.profile import (
    available_profiles,
    profile_problems,
    resolve_profile_path,
    shipped_profiles_dir,
)
from officekit.errors import NotFoundError
from officekit.plugins.kernel import KERNEL_OPERATIONS
from officekit.plugins.reception import RECEPTION_OPERATIONS

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
    assert "typo/profile.toml: office.timezon: unknown key" in problems
    assert "typo/profile.toml: roles.receptionist.titel: unknown key" in problems


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
