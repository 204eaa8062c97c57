"""The ``[records]`` profile section: record kinds, their fields, duplicates, conflicts.

A profile lists the kinds of record its clerks keep, each a table under
``[records.kinds]`` with its fields (an array of tables). Tables merge key by key
when a profile ``extends`` another, so the base profile's ``customer`` kind is in
every sector profile and ``medical`` adds ``patient``; a kind's ``fields`` list is
replaced whole.

```toml
[records.kinds.patient]
label = "Patient"
name_fields = ["given_name", "family_name"]
birth_date = "birth_date"

[[records.kinds.patient.fields]]
name = "given_name"
type = "text"
required = true

[[records.kinds.patient.fields]]
name = "nhs_number"
type = "national_id"
scheme = "gb.nhs"
```
"""

from __future__ import annotations

import importlib
import math
import re
from typing import Any

import attrs

from officekit.core.extensions import ProfileSection, SectionContext
from officekit.core.validate import unknown_name

__all__ = [
    "FIELD_TYPES",
    "MAX_TEXT_LENGTH",
    "RECORDS",
    "FieldSpec",
    "RecordKind",
    "RecordsSettings",
]

FIELD_TYPES = ("text", "phone", "email", "date", "national_id", "choice", "number")
"""The types a record's field may have."""

MAX_TEXT_LENGTH = 2000
"""The longest a text field's ``max_length`` may be."""

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_SCHEME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


@attrs.frozen
class FieldSpec:
    """One field of a record kind.

    Attributes:
        name: The field's name, a lower-case identifier (``birth_date``).
        type: One of ``text``, ``phone``, ``email``, ``date``, ``national_id``,
            ``choice``, ``number``.
        required: A record of the kind cannot be entered without it.
        label: How it is shown; its name by default.
        max_length: The most characters of a ``text`` field.
        scheme: For a ``national_id``: the ``stdnum`` module that checks it, as its
            dotted path below ``stdnum`` (``it.codicefiscale``, ``us.ssn``, ``gb.nhs``).
        mask: Store only the last four characters of a ``national_id``, the rest
            as ``*``. A US social security number (``us.ssn``) is always masked,
            as ``***-**-1234``.
        choices: The values a ``choice`` field may take (matched ignoring case).
        min: The smallest value of a ``number`` field, if any.
        max: The largest value of a ``number`` field, if any.
    """

    name: str
    type: str = "text"
    required: bool = False
    label: str = ""
    max_length: int = 200
    scheme: str | None = None
    mask: bool = False
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None

    @property
    def masked(self) -> bool:
        """Whether the stored value keeps only its last four characters."""
        return self.type == "national_id" and (self.mask or self.scheme == "us.ssn")


@attrs.frozen
class RecordKind:
    """A kind of record (``customer``, ``patient``, ``client``, ``matter``...).

    Attributes:
        name: The kind's key, filled in from its table's name (``[records.kinds.patient]``).
        label: How it is shown (``"Patient"``); its name by default.
        fields: Its fields, in the order they are shown.
        name_fields: The text fields that make up the person's (or the matter's)
            name, in order: what duplicate detection and the conflict check compare.
            Empty: records of the kind have no name to compare.
        birth_date: The date field holding the date of birth, if any: a close name
            with the same date of birth is a likely duplicate.
        parties: Text fields naming other parties (a matter's adverse party), which
            the legal conflict check searches too.
    """

    name: str = ""
    label: str = ""
    fields: tuple[FieldSpec, ...] = ()
    name_fields: tuple[str, ...] = ()
    birth_date: str | None = None
    parties: tuple[str, ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        """Return the field called ``name``, or None."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        """The fields' names, in order."""
        return tuple(spec.name for spec in self.fields)

    @property
    def phone_field(self) -> str | None:
        """The first ``phone`` field: the phone number duplicates are found by."""
        return next((f.name for f in self.fields if f.type == "phone"), None)

    @property
    def email_field(self) -> str | None:
        """The first ``email`` field: the address duplicates are found by."""
        return next((f.name for f in self.fields if f.type == "email"), None)


@attrs.frozen
class RecordsSettings:
    """The ``[records]`` section: the kinds of record and how they are compared.

    Attributes:
        kinds: The record kinds, by name.
        name_similarity: How alike two names must be (0 to 1) to make records with
            the same date of birth likely duplicates; see
            [`name_similarity`][officekit.plugins.clerk.records.fields.name_similarity].
        conflict_kinds: The kinds the legal conflict check searches (clients and
            matters); empty: the office runs no conflict checks.
        conflict_similarity: How alike an adverse party's name must be to a client's
            or a party's (0 to 1) to be reported by the conflict check.
    """

    kinds: dict[str, RecordKind] = attrs.field(factory=dict)
    name_similarity: float = 0.85
    conflict_similarity: float = 0.8
    conflict_kinds: tuple[str, ...] = ()

    def kind(self, name: str) -> RecordKind | None:
        """Return the kind called ``name``, or None."""
        return self.kinds.get(name)


def _check_field(spec: FieldSpec, ctx: SectionContext, at: list[str]) -> None:
    if not _IDENTIFIER.match(spec.name):
        ctx.problem([*at, "name"], f"a field's name is a lower-case identifier, got {spec.name!r}")
    if spec.type not in FIELD_TYPES:
        ctx.problem([*at, "type"], unknown_name("field type", spec.type, FIELD_TYPES))
        return
    if spec.type == "text" and not 1 <= spec.max_length <= MAX_TEXT_LENGTH:
        ctx.problem(
            [*at, "max_length"],
            f"expected 1 to {MAX_TEXT_LENGTH} characters, got {spec.max_length}",
        )
    if spec.type == "national_id":
        if spec.scheme is None:
            ctx.problem([*at, "scheme"], "a national_id field needs a scheme, such as 'us.ssn'")
        elif not _SCHEME.match(spec.scheme) or _stdnum_module(spec.scheme) is None:
            ctx.problem(
                [*at, "scheme"],
                f"no stdnum module {spec.scheme!r} that validates identifiers "
                "(such as 'it.codicefiscale', 'us.ssn', 'gb.nhs')",
            )
    elif spec.scheme is not None:
        ctx.problem([*at, "scheme"], "only a national_id field has a scheme")
    if spec.type == "choice":
        if not spec.choices:
            ctx.problem([*at, "choices"], "a choice field needs its choices")
        folded = [c.casefold() for c in spec.choices]
        for i, choice in enumerate(spec.choices):
            if not choice.strip():
                ctx.problem([*at, f"choices[{i}]"], "a choice cannot be blank")
            elif folded.index(choice.casefold()) != i:
                ctx.problem([*at, f"choices[{i}]"], f"{choice!r} is listed twice")
    elif spec.choices:
        ctx.problem([*at, "choices"], "only a choice field has choices")
    for key in ("min", "max"):
        value = getattr(spec, key)
        if value is not None and (spec.type != "number" or not math.isfinite(value)):
            ctx.problem([*at, key], f"only a number field has a finite {key}")
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        ctx.problem([*at, "max"], f"max {spec.max:g} is below min {spec.min:g}")


def _stdnum_module(scheme: str) -> Any:
    """The ``stdnum`` module of ``scheme`` if it validates and compacts numbers, else None."""
    try:
        module = importlib.import_module(f"stdnum.{scheme}")
    except ImportError:
        return None
    if callable(getattr(module, "validate", None)) and callable(getattr(module, "compact", None)):
        return module
    return None


def _check_kind(key: str, kind: RecordKind, ctx: SectionContext) -> RecordKind:
    at = ["kinds", key]
    if not _IDENTIFIER.match(key):
        ctx.problem(at, f"a kind's name is a lower-case identifier, got {key!r}")
    if kind.name and kind.name != key:
        ctx.problem([*at, "name"], f"a kind's name is its table's, {key!r}: leave it out")
    if not kind.fields:
        ctx.problem([*at, "fields"], "a kind needs at least one field")
    seen: set[str] = set()
    for i, spec in enumerate(kind.fields):
        _check_field(spec, ctx, [*at, f"fields[{i}]"])
        if spec.name in seen:
            ctx.problem([*at, f"fields[{i}]", "name"], f"field {spec.name!r} is listed twice")
        seen.add(spec.name)
    types = {spec.name: spec.type for spec in kind.fields}
    for option, names in (("name_fields", kind.name_fields), ("parties", kind.parties)):
        for i, name in enumerate(names):
            if types.get(name) != "text":
                ctx.problem(
                    [*at, f"{option}[{i}]"],
                    f"{name!r} is not a text field of kind {key!r}"
                    if name in types
                    else unknown_name(f"field of kind {key!r}", name, types),
                )
    if kind.birth_date is not None and types.get(kind.birth_date) != "date":
        ctx.problem([*at, "birth_date"], f"{kind.birth_date!r} is not a date field of kind {key!r}")
    return attrs.evolve(kind, name=key, label=kind.label or key.replace("_", " ").capitalize())


def _check_records(settings: RecordsSettings, ctx: SectionContext) -> RecordsSettings:
    kinds = {key: _check_kind(key, kind, ctx) for key, kind in settings.kinds.items()}
    for key in ("name_similarity", "conflict_similarity"):
        value = getattr(settings, key)
        if not (math.isfinite(value) and 0 < value <= 1):
            ctx.problem([key], f"expected a similarity above 0 and at most 1, got {value!r}")
    for i, name in enumerate(settings.conflict_kinds):
        if name not in kinds:
            ctx.problem([f"conflict_kinds[{i}]"], unknown_name("record kind", name, kinds))
    return attrs.evolve(settings, kinds=kinds)


RECORDS = ProfileSection(
    "records",
    RecordsSettings,
    RecordsSettings,
    _check_records,
    "The kinds of record the clerks keep, their fields and validators.",
)
"""The ``[records]`` section; ``profile.section(RECORDS)`` is a ``RecordsSettings``."""
