"""mypy --strict types the plugins' facets and sections through their keys.

Built-in (``CALLS``) and third-party (a facet defined right here) alike: the key
carries the type, so ``office.facet(KEY)`` is checked, and a wrong call is an error.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

SNIPPET = """
from __future__ import annotations

import attrs

from officekit import Desk, DeskFacet, Office, OfficeFacet, ProfileSection
from officekit.plugins.reception.calls import CALL_DESK, CALLS
from officekit.plugins.reception.settings import PHONES


@attrs.frozen
class ParcelSettings:
    collect_within_days: int = 3


class Parcels:
    def __init__(self, office: Office) -> None:
        self.office = office

    def waiting(self) -> list[str]:
        return []


class ParcelDesk:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def sign_for(self, tracking: str) -> int:
        return 1


PARCELS: OfficeFacet[Parcels] = OfficeFacet("parcels", Parcels)
PARCEL_DESK: DeskFacet[ParcelDesk] = DeskFacet("parcels", ParcelDesk)
SETTINGS: ProfileSection[ParcelSettings] = ProfileSection(
    "parcels", ParcelSettings, ParcelSettings
)

office = Office.open("sqlite:///x.db", profile="medical")
reveal_type(office.facet(CALLS))
reveal_type(office.facet(PARCELS).waiting())
reveal_type(office.profile.section(PHONES).lines)
reveal_type(office.profile.section(SETTINGS).collect_within_days)
call = office.facet(CALLS).receive("+44 20 7946 0018", "hello")
with office.desk(1) as desk:
    reveal_type(desk.facet(CALL_DESK).answer(call))
    reveal_type(desk.facet(PARCEL_DESK).sign_for("1Z999"))
    desk.facet(PARCEL_DESK).sign_for(42)  # error: not a str
office.facet(CALLS).receive(42, "x")  # error: not a str
"""


def test_facets_and_sections_are_typed_by_their_keys(tmp_path: Path) -> None:
    source = tmp_path / "snippet.py"
    source.write_text(textwrap.dedent(SNIPPET), encoding="utf-8")
    out, _, status = mypy_api.run(
        ["--strict", "--cache-dir", str(tmp_path / ".mypy_cache"), str(source)]
    )
    revealed = re.findall(r'Revealed type is "([^"]+)"', out)
    assert revealed == [
        "officekit.plugins.reception.calls.PhoneSystem",
        "list[str]",
        "int",
        "int",
        "officekit.plugins.reception.calls.Call",
        "int",
    ], out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 2, out
    assert all("incompatible type" in e for e in errors), out
    assert status == 1
