"""Data entry in ``officekit simulate``: clerks enter, correct, merge and erase records.

Each day the clerks on shift enter a few records of the profile's kinds, with
made-up values of each field's type. Some are typed with a slip in a name that a
clerk (often another one) corrects later in the day; now and then a person is
entered again with a slightly different name, which the desk reports as a likely
duplicate: the clerk then either drops it or enters it and merges it into the
first. Rarely a senior erases a record entered by mistake; in a legal office new
matters get conflict checks.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from officekit.core.staff import StaffMember
from officekit.errors import ConflictError
from officekit.plugins.clerk.records.book import RECORDS_BOOK, DuplicateFound
from officekit.plugins.clerk.records.fields import normalise
from officekit.plugins.clerk.records.settings import RECORDS, FieldSpec, RecordKind
from officekit.plugins.clerk.records.spreadsheet import schedule_import
from officekit.simulate import Simulation, SimulationDay, SimulationStep, StepReport

__all__ = ["STEP", "RecordsDay", "fake_value"]

OPERATIONS = (
    "records.enter",
    "records.correct",
    "records.merge",
    "records.erase",
    "records.conflict_check",
)
SLIP_SCALE = 1.5
"""A clerk's chance of a slip in a name is this times their error rate."""
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue")
WORDS = ("north", "annual", "review", "supply", "lease", "estate", "claim", "contract")


def _nhs(rng: random.Random) -> str:
    from stdnum.gb import nhs

    while True:  # one check digit in eleven makes a number; none, for some bodies
        body = "".join(str(rng.randint(0, 9)) for _ in range(9))
        for digit in "0123456789":
            if nhs.is_valid(body + digit):
                return body + digit


def _ssn(rng: random.Random) -> str:
    from stdnum.us import ssn

    while True:  # stdnum also refuses numbers made public (advertising, the 1938 wallet card)
        area = rng.choice([a for a in range(1, 900) if a != 666])
        number = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if ssn.is_valid(number):
            return number


def _phone(rng: random.Random, region: str | None) -> str | None:
    import phonenumbers

    example = phonenumbers.example_number_for_type(
        region or "US", phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region or "US")
    if example is None:
        return None
    digits = str(example.national_number)
    for _ in range(5):
        candidate = digits[:-4] + f"{rng.randint(0, 9999):04d}"
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def fake_value(
    spec: FieldSpec, rng: random.Random, *, person: str, region: str | None, today: dt.date
) -> Any:
    """A made-up value of a field's type (None: none can be made up for it)."""
    first, _, last = person.partition(" ")
    if spec.type == "text":
        name = spec.name
        if "given" in name or "first" in name:
            return first
        if "family" in name or "last" in name or "surname" in name:
            return last
        if name in ("name", "client_name", "student", "adverse_party"):
            return person
        if "address" in name:
            return f"{rng.randint(1, 200)} {rng.choice(STREETS)}"
        return f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {rng.randint(1, 99)}"[
            : spec.max_length
        ]
    if spec.type == "phone":
        return _phone(rng, region)
    if spec.type == "email":
        return f"{first}.{last}{rng.randint(1, 99)}@example.com".lower()
    if spec.type == "date":
        if "birth" in spec.name:
            return (today - dt.timedelta(days=rng.randint(5 * 365, 90 * 365))).isoformat()
        return (today - dt.timedelta(days=rng.randint(0, 365))).isoformat()
    if spec.type == "national_id":
        if spec.scheme == "gb.nhs":
            return _nhs(rng)
        if spec.scheme == "us.ssn":
            return _ssn(rng)
        return None
    if spec.type == "choice":
        return rng.choice(spec.choices)
    if spec.type == "number":
        low = int(spec.min) if spec.min is not None else 0
        high = int(spec.max) if spec.max is not None else max(low, 1000)
        return rng.randint(low, max(low, high))
    return None


def _slip(text: str, rng: random.Random) -> str:
    """A typing slip: two neighbouring letters swapped (or a letter doubled)."""
    if len(text) < 3:
        return text + text[-1:]
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


class RecordsDay:
    """The clerks' data entry through the simulated days."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        office = sim.office
        self.settings = office.profile.section(RECORDS)
        self.region = office.profile.office.country
        self.kinds = [k for k in self.settings.kinds.values() if self._fakeable(k)]
        self.entered: list[tuple[int, RecordKind, dict[str, Any]]] = []

    @staticmethod
    def _fakeable(kind: RecordKind) -> bool:
        return all(
            f.type != "national_id" or f.scheme in ("gb.nhs", "us.ssn") or not f.required
            for f in kind.fields
        )

    def plan(self, day: SimulationDay) -> None:
        """Plan the day's entries (with slips and duplicates), erasures and conflict checks."""
        rng = self.sim.rng
        if not self.kinds:
            return
        for _ in range(rng.randint(2, 6)):
            day.at(day.arrival(), self._enter(day, rng.choice(self.kinds)))
        if self.entered and rng.random() < 0.25:
            day.at(day.arrival(), self._duplicate(rng.choice(self.entered)))
        if len(self.entered) > 5 and rng.random() < 0.1:
            day.at(day.arrival(), self._erase(rng.choice(self.entered)[0]))
        if self.settings.conflict_kinds and rng.random() < 0.6:
            day.at(day.arrival(), self._conflict_check())
        schedule_import(self.sim, day, self.kinds)  # one small spreadsheet import a run

    def report(self, start: dt.datetime, end: dt.datetime) -> StepReport:
        """What was entered, corrected, reported, merged and erased."""
        c = self.sim.counts
        counts = self.sim.office.facet(RECORDS_BOOK).counts()
        kinds = ", ".join(f"{n} {k}" for k, n in counts.items())
        lines = [
            f"Records: {c['records']} entered ({c['records_with_slips']} with a slip, "
            f"{c['records_corrected']} corrected); on file, imports included: {kinds}",
            f"Likely duplicates reported: {c['duplicates_reported']} ({c['records_merged']} "
            f"entered and merged, the rest dropped); erased: {c['records_erased']}",
        ]
        if c["spreadsheet_rows"]:
            lines.append(
                f"Spreadsheet import: {c['spreadsheet_rows']} rows read, "
                f"{c['records_imported']} imported, {c['import_rejected']} rejected"
            )
        if self.settings.conflict_kinds:
            lines.append(
                f"Conflict checks: {c['conflict_checks']} ({c['conflicts_to_review']} to review)"
            )
        return StepReport(
            "records",
            tuple(lines),
            {
                "entered": c["records"],
                "corrected": c["records_corrected"],
                "duplicates_reported": c["duplicates_reported"],
                "merged": c["records_merged"],
                "erased": c["records_erased"],
                "conflict_checks": c["conflict_checks"],
                "conflicts_to_review": c["conflicts_to_review"],
                "live": counts,
            },
        )

    def _values(self, kind: RecordKind) -> dict[str, Any]:
        sim = self.sim
        rng = sim.rng
        person = sim.person()
        today = sim.clock.now().date()
        values: dict[str, Any] = {}
        for spec in kind.fields:
            if not spec.required and rng.random() < 0.25:
                continue
            value = fake_value(spec, rng, person=person, region=self.region, today=today)
            if value is not None:
                values[spec.name] = value
        return values

    def _enter(self, day: SimulationDay, kind: RecordKind) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            values = self._values(kind)
            clean, problems = normalise(kind, values, region=self.region)
            if problems:
                return
            typed = dict(values)
            member = sim.choose(sim.who_can("records.enter"), kind="records.enter")
            if member is None:
                return
            # a slip as often as the clerk makes mistakes
            slipped = [f for f in kind.name_fields if isinstance(values.get(f), str)]
            slip = slipped and sim.slips(member, scale=SLIP_SCALE, kind="record")
            if slip:
                field = sim.rng.choice(slipped)
                typed[field] = _slip(values[field], sim.rng)
            with sim.desk("records.enter", member) as desk:
                assert desk is not None
                try:
                    entry = desk.records.enter(kind.name, typed)
                except ConflictError:  # a likely duplicate of someone made up before
                    sim.counts["duplicates_reported"] += 1
                    return
            sim.counts["records"] += 1
            self.entered.append((entry.record.id, kind, clean))
            if slip:
                sim.counts["records_with_slips"] += 1
                later = sim.clock.now() + dt.timedelta(minutes=sim.rng.randint(10, 240))
                day.at(later, self._correct(entry.record.id, field, values[field], member))

        return run

    def _correct(
        self, record_id: int, field: str, value: Any, entered_by: StaffMember
    ) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            # a colleague notices the slip (the one who made it, only if nobody else can)
            able = sim.who_can("records.correct")
            member = sim.choose(
                [m for m in able if m.id != entered_by.id] or able, kind="records.correct"
            )
            with sim.desk("records.correct", member) as desk:
                if desk is None:
                    return
                try:
                    desk.records.correct(record_id, {field: value})
                except ConflictError:  # erased or merged meanwhile
                    return
            sim.counts["records_corrected"] += 1

        return run

    def _duplicate(self, original: tuple[int, RecordKind, dict[str, Any]]) -> Callable[[], None]:
        sim = self.sim
        record_id, kind, clean = original

        def run() -> None:
            # A masked identifier (a US SSN is stored as ***-**-1234) cannot be typed in
            # again: the second clerk leaves it out.
            again = {
                k: v for k, v in clean.items() if not (isinstance(v, str) and v.startswith("*"))
            }
            names = [f for f in kind.name_fields if isinstance(again.get(f), str)]
            if names:
                field = sim.rng.choice(names)
                again[field] = _slip(again[field], sim.rng)
            with sim.desk("records.enter") as desk:
                if desk is None:
                    return
                try:
                    desk.records.enter(kind.name, again)
                except DuplicateFound:
                    sim.counts["duplicates_reported"] += 1
                    if sim.rng.random() < 0.5:
                        return  # the clerk finds the existing record and uses it
                    try:
                        entry = desk.records.enter(kind.name, again, allow_duplicate=True)
                    except ConflictError:
                        return
                except ConflictError:  # identical, or the original was erased meanwhile
                    return
                else:  # not recognised (nothing shared but the name): entered as new
                    sim.counts["records"] += 1
                    return
            sim.counts["records"] += 1
            with sim.desk("records.merge") as desk:
                if desk is None:
                    return
                try:
                    desk.records.merge(entry.record.id, record_id)
                except ConflictError:
                    return
            sim.counts["records_merged"] += 1

        return run

    def _erase(self, record_id: int) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            with sim.desk("records.erase") as desk:
                if desk is None:
                    return
                try:
                    desk.records.erase(record_id, reason="mistake")
                except ConflictError:
                    return
            sim.counts["records_erased"] += 1

        return run

    def _conflict_check(self) -> Callable[[], None]:
        sim = self.sim

        def run() -> None:
            known = [e for e in self.entered if e[1].name in self.settings.conflict_kinds]
            parties = [sim.person() for _ in range(sim.rng.randint(1, 3))]
            if known and sim.rng.random() < 0.3:  # an adverse party who is a client already
                _, kind, clean = sim.rng.choice(known)
                name = " ".join(str(clean[f]) for f in kind.name_fields if clean.get(f))
                if name:
                    parties.append(name)
            with sim.desk("records.conflict_check") as desk:
                if desk is None:
                    return
                check = desk.records.conflict_check(client=sim.person(), adverse_parties=parties)
            sim.counts["conflict_checks"] += 1
            sim.counts["conflicts_to_review"] += check.result == "needs_review"

        return run


STEP = SimulationStep("records", RecordsDay, order=40, counts=("records",), operations=OPERATIONS)
"""The records' simulation step."""
