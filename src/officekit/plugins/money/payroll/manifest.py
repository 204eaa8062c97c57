"""Manifests of the payroll company's batches, and the built-in CSV reader.

A batch of finished cheques (or pay slips) comes with a manifest: one line per
cheque, naming the employee, the cheque's number, the net amount and the pay
date. A provider's own format is read by a plugin implementing
``officekit_payroll_provider``; the CSV reader here reads the rest.

The CSV format: UTF-8 (a byte-order mark is allowed), a header row naming the four
columns in any order, then one row per cheque; blank rows are skipped.

| Column | What |
| --- | --- |
| `employee` | The employee: staff id, or name as in the staff directory |
| `cheque` | The cheque's number: 1 to 32 letters, digits, `-` or `/`, unique in the office |
| `net_amount` | The net amount, positive, at most two decimal places (`1234.50`) |
| `pay_date` | The pay date, `YYYY-MM-DD` |
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import attrs

from officekit.errors import Problem, ValidationError

__all__ = [
    "COLUMNS",
    "MAX_AMOUNT",
    "MAX_ROWS",
    "Manifest",
    "ManifestLine",
    "check_line",
    "read_csv_manifest",
]

COLUMNS = ("employee", "cheque", "net_amount", "pay_date")
"""The columns of a CSV manifest."""
MAX_ROWS = 10_000
"""The most cheques a manifest may list."""
MAX_AMOUNT = Decimal("1000000000")
"""Net amounts are below this."""
MAX_EMPLOYEE_LENGTH = 200
CHEQUE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{0,31}$")
"""What a cheque number looks like."""


@attrs.frozen
class ManifestLine:
    """One cheque of a manifest.

    Attributes:
        row: Where it is in the file (the header is row 1), for errors.
        employee: Who it pays: a staff id (digits) or a member of staff's name.
        cheque: The cheque's number.
        net_amount: The net amount (pay data: shown only to the designated role).
        pay_date: The pay date.
    """

    row: int
    employee: str
    cheque: str
    net_amount: Decimal
    pay_date: dt.date


@attrs.frozen
class Manifest:
    """The manifest of one batch of cheques from the payroll company.

    Attributes:
        lines: The cheques, in the file's order.
        source: Where it came from (the file's name), for errors and the batch's record.
        provider: Which reader read it: ``"csv"``, or a provider plugin's name.
    """

    lines: tuple[ManifestLine, ...]
    source: str
    provider: str = "csv"


def _where(source: str, row: int, field: str) -> str:
    return f"{source}: row {row}: {field}"


def check_line(
    source: str,
    row: int,
    employee: object,
    cheque: object,
    net_amount: object,
    pay_date: object,
    problems: list[Problem],
) -> ManifestLine | None:
    """Check one manifest line's values; add a problem naming ``source``, row and field.

    Text values are read as the CSV reader reads them (an amount as ``"12.50"``, a date
    as ``"2026-01-30"``); a provider plugin may give a ``Decimal`` and a ``date``.

    Returns:
        The line, or None when it has problems.
    """
    found = len(problems)
    clean_employee = employee.strip() if isinstance(employee, str) else None
    if not clean_employee:
        problems.append(
            Problem(
                _where(source, row, "employee"), "a staff id or a member of staff's name is needed"
            )
        )
    elif len(clean_employee) > MAX_EMPLOYEE_LENGTH or re.search(
        r"[\x00-\x1f\x7f-\x9f]", clean_employee
    ):
        problems.append(
            Problem(
                _where(source, row, "employee"),
                f"expected a staff id or a name of at most {MAX_EMPLOYEE_LENGTH} characters "
                "without control characters",
            )
        )
    clean_cheque = cheque.strip() if isinstance(cheque, str) else None
    if not clean_cheque or not CHEQUE_NUMBER.match(clean_cheque):
        problems.append(
            Problem(
                _where(source, row, "cheque"),
                "expected a cheque number (1 to 32 letters, digits, '-' or '/'), "
                f"got {cheque!r:.60}",
            )
        )
    amount: Decimal | None = None
    try:
        if isinstance(net_amount, Decimal):
            amount = net_amount
        elif isinstance(net_amount, str) and re.fullmatch(r"\s*\d+(\.\d+)?\s*", net_amount):
            amount = Decimal(net_amount.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        amount = None
    if amount is None or not amount.is_finite():
        problems.append(
            Problem(
                _where(source, row, "net_amount"),
                f"expected an amount such as 1234.50, got {net_amount!r:.60}",
            )
        )
    elif not Decimal(0) < amount < MAX_AMOUNT:
        problems.append(
            Problem(
                _where(source, row, "net_amount"),
                f"a net amount is more than 0 and less than {MAX_AMOUNT}, got {amount}",
            )
        )
    elif amount != amount.quantize(Decimal("0.01")):
        problems.append(
            Problem(
                _where(source, row, "net_amount"),
                f"a net amount has at most two decimal places, got {amount}",
            )
        )
    date: dt.date | None = None
    if isinstance(pay_date, dt.date) and not isinstance(pay_date, dt.datetime):
        date = pay_date
    elif isinstance(pay_date, str):
        try:
            date = dt.date.fromisoformat(pay_date.strip())
        except ValueError:
            date = None
    if date is None or not dt.date(1900, 1, 1) <= date <= dt.date(9000, 12, 31):
        problems.append(
            Problem(
                _where(source, row, "pay_date"),
                f"expected a date as YYYY-MM-DD, got {pay_date!r:.60}",
            )
        )
    if len(problems) > found:
        return None
    assert clean_employee and clean_cheque and amount is not None and date is not None
    return ManifestLine(row, clean_employee, clean_cheque, amount, date)


def read_csv_manifest(path: str | Path) -> Manifest:
    """Read a CSV manifest (the columns are in this module's description).

    Args:
        path: The file.

    Returns:
        The manifest, provider ``"csv"``, its source the file's name.

    Raises:
        ValidationError: The file cannot be read, or is malformed: every problem,
            each naming the file, the row and the field.
    """
    file = Path(path)
    source = file.name or str(file)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError(f"no manifest at {str(file)!r}", where=source) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"a manifest is UTF-8 text; byte {exc.start} is not", where=source
        ) from None
    except OSError as exc:
        raise ValidationError(f"cannot read the manifest: {exc.strerror}", where=source) from None
    if "\x00" in text:
        raise ValidationError("a manifest is text; this file has a NUL character", where=source)
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise ValidationError(f"not a CSV file: {exc}", where=source) from None
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    if not numbered:
        raise ValidationError(
            f"the manifest is empty: expected a header row ({', '.join(COLUMNS)})", where=source
        )
    header_row, header = numbered[0]
    names = [h.strip().casefold() for h in header]
    problems: list[Problem] = []
    for i, name in enumerate(names):
        if name not in COLUMNS:
            problems.append(
                Problem(
                    _where(source, header_row, f"column {i + 1}"),
                    f"unknown column {header[i].strip()!r:.60} (the columns: {', '.join(COLUMNS)})",
                )
            )
        elif names.index(name) != i:
            problems.append(
                Problem(
                    _where(source, header_row, f"column {i + 1}"), f"column {name!r} is given twice"
                )
            )
    for column in COLUMNS:
        if column not in names:
            problems.append(Problem(_where(source, header_row, column), "this column is missing"))
    if problems:
        raise ValidationError(problems)
    body = numbered[1:]
    if not body:
        raise ValidationError("the manifest lists no cheque", where=source)
    if len(body) > MAX_ROWS:
        raise ValidationError(
            f"a manifest lists at most {MAX_ROWS} cheques, got {len(body)}", where=source
        )
    lines: list[ManifestLine] = []
    seen: dict[str, int] = {}
    for n, row in body:
        if len(row) != len(names):
            problems.append(
                Problem(
                    _where(source, n, "row"),
                    f"expected {len(names)} fields ({', '.join(header)}), got {len(row)}",
                )
            )
            continue
        values = dict(zip(names, row, strict=True))
        line = check_line(
            source, n, values["employee"], values["cheque"], values["net_amount"],
            values["pay_date"], problems,
        )  # fmt: skip
        if line is None:
            continue
        if line.cheque in seen:
            problems.append(
                Problem(
                    _where(source, n, "cheque"),
                    f"cheque {line.cheque!r} is listed twice (first at row {seen[line.cheque]})",
                )
            )
            continue
        seen[line.cheque] = n
        lines.append(line)
    if problems:
        raise ValidationError(problems)
    return Manifest(tuple(lines), source, "csv")
