"""Validating and normalising a record's fields: pure functions, fast enough for imports.

[`normalise`][officekit.plugins.clerk.records.fields.normalise] turns what a clerk
typed (or a spreadsheet row held) into the values a record keeps, and lists every
problem at once, each naming its field:

| Type | Accepted | Kept |
| --- | --- | --- |
| `text` | text (a whole number from a spreadsheet too) | spaces collapsed, at most `max_length` |
| `phone` | a number of the office's country, or international (`+39 ...`) | E.164 |
| `email` | `local@domain` | the domain lower-cased |
| `date` | `YYYY-MM-DD`, a `date` (or a midnight `datetime`, from a spreadsheet) | `YYYY-MM-DD` |
| `national_id` | an identifier, checked by `stdnum` | compact; a US SSN masked, `***-**-1234` |
| `choice` | one of the choices, in any case | the choice as the profile spells it |
| `number` | a number, or text that is one | an integer when whole, else a float |

The work per kind is done once (each field's checker is looked up and its
``stdnum`` module imported) and phone numbers are parsed through a cache, so a
100,000-row import pays for each distinct number once.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from difflib import SequenceMatcher
from typing import Any

import phonenumbers

from officekit.core.validate import did_you_mean
from officekit.errors import Problem
from officekit.plugins.clerk.records.settings import FieldSpec, RecordKind, _stdnum_module

__all__ = [
    "canonical",
    "fingerprint",
    "name_key",
    "name_similarity",
    "normalise",
]

_Checker = Callable[[Any, str | None], tuple[Any, str | None]]
"""A field's checker: ``(value, region) -> (clean value, None)`` or ``(None, why not)``."""

_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^\s@]{1,64}@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NOT_WORD = re.compile(r"[^\w]+")
_EARLIEST_YEAR = 1800
MAX_EMAIL_LENGTH = 254
MAX_NUMBER = 1e15


def _show(value: object) -> str:
    return f"{value!r:.60}"


def _as_text(value: object) -> str | None:
    """A cell's text: a string, or a whole number a spreadsheet read as one."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _text(spec: FieldSpec) -> _Checker:
    limit = spec.max_length

    def check(value: Any, region: str | None) -> tuple[Any, str | None]:
        text = _as_text(value)
        if text is None:
            return None, f"expected text, got {_show(value)}"
        if _FORBIDDEN.search(text):
            return None, "contains a control character"
        clean = _SPACES.sub(" ", text).strip()
        if len(clean) > limit:
            return None, f"at most {limit} characters, got {len(clean)}"
        return clean, None

    return check


def _valid(parsed: phonenumbers.PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number``, without matching the number's patterns twice.

    For a country code shared by several regions (+44: GB, GG, IM, JE), it finds
    the number's region by matching its patterns region by region, then matches
    them again for that region. A number that matches the first region's (when
    that region has no leading digits to go by) is the one it would find valid
    there; any other number gets the full check.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(parsed.country_code or 0)
    if regions is not None and len(regions) > 1:
        first = regions[0]
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(first, None)
        if (
            metadata is not None
            and metadata.leading_digits is None
            and phonenumbers.is_valid_number_for_region(parsed, first)
        ):
            return True
    return bool(phonenumbers.is_valid_number(parsed))


@functools.lru_cache(maxsize=65536)
def _e164(number: str, region: str | None) -> str:
    """E.164 form of ``number`` or ``"!<why not>"``; cached (imports repeat numbers)."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return "!not a phone number"
    if not _valid(parsed):
        where = f"in {region}" if region else "in international form (+<country code> ...)"
        return f"!not a valid phone number {where}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _phone(spec: FieldSpec) -> _Checker:
    def check(value: Any, region: str | None) -> tuple[Any, str | None]:
        text = _as_text(value)
        if text is None:
            return None, f"expected a phone number, got {_show(value)}"
        if len(text) > 64 or _FORBIDDEN.search(text):
            return None, f"not a phone number: {_show(text)}"
        result = _e164(text.strip(), region)
        if result.startswith("!"):
            return None, f"{result[1:]}: {_show(text)}"
        return result, None

    return check


def _email(spec: FieldSpec) -> _Checker:
    def check(value: Any, region: str | None) -> tuple[Any, str | None]:
        if not isinstance(value, str):
            return None, f"expected an email address, got {_show(value)}"
        text = value.strip()
        local, at, domain = text.rpartition("@")
        clean = f"{local}@{domain.lower()}"
        if not at or len(clean) > MAX_EMAIL_LENGTH or not _EMAIL.match(f"x@{domain.lower()}"):
            return None, f"not an email address: {_show(value)}"
        if not local or len(local) > 64 or _FORBIDDEN.search(local) or " " in local:
            return None, f"not an email address: {_show(value)}"
        return clean, None

    return check


def _date(spec: FieldSpec) -> _Checker:
    def check(value: Any, region: str | None) -> tuple[Any, str | None]:
        if isinstance(value, dt.datetime):
            if value.time() != dt.time() or value.tzinfo is not None:
                return None, f"expected a date, got a date and time {_show(value)}"
            value = value.date()
        if isinstance(value, dt.date):
            day = value
        elif isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                return None, f"expected a date as YYYY-MM-DD, got {_show(value)}"
            if len(value.strip()) != 10:
                return None, f"expected a date as YYYY-MM-DD, got {_show(value)}"
        else:
            return None, f"expected a date as YYYY-MM-DD, got {_show(value)}"
        if day.year < _EARLIEST_YEAR:
            return None, f"a date before {_EARLIEST_YEAR} is a typo: {day.isoformat()}"
        return day.isoformat(), None

    return check


def _national_id(spec: FieldSpec) -> _Checker:
    from stdnum.exceptions import ValidationError as StdnumError

    assert spec.scheme is not None
    module = _stdnum_module(spec.scheme)
    assert module is not None, spec.scheme
    validate, compact = module.validate, module.compact
    what = getattr(module, "__doc__", "") or spec.scheme
    what = what.strip().splitlines()[0].rstrip(".") if what.strip() else spec.scheme
    ssn = spec.scheme == "us.ssn"
    masked = spec.masked

    def check(value: Any, region: str | None) -> tuple[Any, str | None]:
        text = _as_text(value)
        if text is None or len(text) > 64 or _FORBIDDEN.search(text):
            return None, f"expected {what}, got {_show(value)}"
        try:
            clean = compact(validate(text))
        except StdnumError as exc:
            # the message, never the number: it goes to logs and screens
            return None, f"not a valid {what} ({exc})"
        except Exception:  # a checker's own failure on junk: refuse it, never crash
            return None, f"not a valid {what}"
        if not isinstance(clean, str):
            clean = str(clean)
        if masked:
            last = clean[-4:]
            clean = f"***-**-{last}" if ssn else "*" * (len(clean) - 4) + last
        return clean, None

    return check


def _choice(spec: FieldSpec) -> _Checker:
    by_folded = {c.casefold(): c for c in spec.choices}

    def check(value: Any, region: str | None) -> tuple[Any, str | None]:
        if isinstance(value, str):
            found = by_folded.get(value.strip().casefold())
            if found is not None:
                return found, None
            folded = did_you_mean(value.strip().casefold(), by_folded)
            guess = by_folded[folded] if folded is not None else None
            hint = f" (did you mean {guess!r}?)" if guess else ""
            return None, f"expected one of {', '.join(spec.choices)}, got {_show(value)}{hint}"
        return None, f"expected one of {', '.join(spec.choices)}, got {_show(value)}"

    return check


def _number(spec: FieldSpec) -> _Checker:
    low, high = spec.min, spec.max

    def check(value: Any, region: str | None) -> tuple[Any, str | None]:
        number: float | int
        if isinstance(value, bool):
            return None, f"expected a number, got {_show(value)}"
        if isinstance(value, int | float):
            number = value
        elif isinstance(value, str):
            try:
                number = float(value.strip().replace(",", ""))
            except ValueError:
                return None, f"expected a number, got {_show(value)}"
        else:
            return None, f"expected a number, got {_show(value)}"
        if not math.isfinite(number) or abs(number) > MAX_NUMBER:
            return None, f"expected a finite number of at most {MAX_NUMBER:g}, got {_show(value)}"
        if low is not None and number < low:
            return None, f"expected at least {low:g}, got {number:g}"
        if high is not None and number > high:
            return None, f"expected at most {high:g}, got {number:g}"
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        return number, None

    return check


_CHECKERS: dict[str, Callable[[FieldSpec], _Checker]] = {
    "text": _text,
    "phone": _phone,
    "email": _email,
    "date": _date,
    "national_id": _national_id,
    "choice": _choice,
    "number": _number,
}

_Compiled = tuple[dict[str, tuple[_Checker, bool]], tuple[str, ...], tuple[str, ...]]
_COMPILED: dict[int, tuple[RecordKind, _Compiled]] = {}


def _compiled(kind: RecordKind) -> _Compiled:
    """Each field's checker, the required fields and the field order: once per kind."""
    hit = _COMPILED.get(id(kind))
    if hit is not None and hit[0] is kind:
        return hit[1]
    checkers = {f.name: (_CHECKERS[f.type](f), f.required) for f in kind.fields}
    required = tuple(f.name for f in kind.fields if f.required)
    compiled = (checkers, required, kind.field_names)
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[id(kind)] = (kind, compiled)
    return compiled


def normalise(
    kind: RecordKind, values: Mapping[str, object], *, region: str | None
) -> tuple[dict[str, Any], list[Problem]]:
    """Check and normalise one record's values; every problem is listed, each naming its field.

    Blank values (None, empty or blank text) are left out of the result; a blank
    required field is a problem. A field the kind does not have is a problem too.

    Args:
        kind: The record kind (from the profile's ``[records]``).
        values: The fields as given, by name.
        region: The office's country (ISO 3166 alpha-2), for phone numbers written
            without their country code; None: only international numbers.

    Returns:
        The normalised values (JSON values, in the kind's field order) and the
        problems; when there are problems the values are incomplete.
    """
    checkers, required, order = _compiled(kind)
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    for name, value in values.items():
        entry = checkers.get(name)
        if entry is None:
            guess = did_you_mean(name, order) if isinstance(name, str) else None
            hint = f" (did you mean {guess!r}?)" if guess else f" (known: {', '.join(order)})"
            problems.append(Problem(str(name), f"kind {kind.name!r} has no such field{hint}"))
            continue
        if value is None or (isinstance(value, str) and (not value or value.isspace())):
            continue  # blank
        result, why = entry[0](value, region)
        if why is not None:
            problems.append(Problem(name, why))
        else:
            clean[name] = result
    for name in required:
        if name not in clean and not any(p.where == name for p in problems):
            problems.append(Problem(name, "is required"))
    if len(clean) > 1 and tuple(clean) != order[: len(clean)]:
        clean = {name: clean[name] for name in order if name in clean}
    return clean, problems


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical(data: Mapping[str, Any]) -> str:
    """The canonical JSON text of a record's values: sorted keys, no spaces, UTF-8."""
    return _CANONICAL(data)


def fingerprint(kind: str, data_json: str) -> str:
    """SHA-256 (hex) of a kind and the canonical JSON of its values: equal records, equal prints."""
    return hashlib.sha256(f"{kind}\n{data_json}".encode()).hexdigest()


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The form names are compared in: accents dropped, case folded, words sorted.

    >>> name_key("  Rossi,  Mária ")
    'maria rossi'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(sorted(_NOT_WORD.sub(" ", plain).replace("_", " ").split()))


def name_similarity(a: str, b: str) -> float:
    """How alike two names are, from 0 to 1: the measure duplicates and conflicts use.

    The Ratcliff/Obershelp ratio (``difflib.SequenceMatcher.ratio``: twice the
    characters in common over the total) of the two names' keys
    ([`name_key`][officekit.plugins.clerk.records.fields.name_key]), so that
    ``"Rossi, Maria"`` and ``"maria rossi"`` are 1.0 and one typo in a ten-letter
    name still scores about 0.9.
    """
    ka, kb = name_key(a), name_key(b)
    if ka == kb:
        return 1.0
    if not ka or not kb:
        return 0.0
    return SequenceMatcher(None, ka, kb, autojunk=False).ratio()


def record_name(kind: RecordKind, data: Mapping[str, Any]) -> str:
    """The record's name (its ``name_fields`` joined), or ``""``."""
    return " ".join(str(data[f]) for f in kind.name_fields if data.get(f))
