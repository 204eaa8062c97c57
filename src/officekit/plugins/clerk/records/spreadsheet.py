"""Spreadsheet import and export of records: CSV and XLSX, streamed in batches.

[`import_file`][officekit.plugins.clerk.records.spreadsheet.import_file] reads a
CSV file (UTF-8, a byte-order mark tolerated, the delimiter found from the
header line) or an XLSX workbook (its first sheet, through openpyxl's read-only
mode) one row at a time. The header row is mapped to the kind's fields; each
row is normalised by the kind's validators; the good rows are inserted in
batches, each batch one ``records.import`` operation; every bad row goes to the
reject file with its row number, the fields at fault and why. Memory stays the
same at a hundred rows or a million: only one batch is held at a time.

[`export_file`][officekit.plugins.clerk.records.spreadsheet.export_file] writes a
kind's records to CSV or XLSX (openpyxl's write-only mode), streamed from the
database, as one ``records.export`` operation.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import itertools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from officekit.core.validate import check_path
from officekit.errors import Problem, ValidationError
from officekit.plugins.clerk.records.core import insert_normalised, load_data
from officekit.plugins.clerk.records.fields import canonical, fingerprint, normalise
from officekit.plugins.clerk.records.settings import RECORDS, RecordKind
from officekit.plugins.clerk.records.tables import records

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook  # type: ignore[import-untyped]

    from officekit.core.desk import Desk
    from officekit.core.office import Office
    from officekit.simulate import Simulation, SimulationDay

__all__ = [
    "ExportSummary",
    "ImportSummary",
    "export_file",
    "import_file",
]

FORMATS = ("csv", "xlsx")
"""The formats read and written."""

REJECT_COLUMNS = ("row", "field", "reason")
"""The first columns of a reject file; the original row's cells follow, under its header."""

MAX_PROBLEMS = 100
"""The most problems of rejected rows an import's summary keeps (the reject file has all)."""

_CHUNK = 1 << 20
_DELIMITERS = (",", ";", "\t", "|")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the old binary Office files
_HEADING_SPACES = re.compile(r"[\s\-]+")


@attrs.frozen
class ImportSummary:
    """What an import did: every row read is counted once, in exactly one of the last four.

    ``read == imported + already_present + duplicates + rejected``.

    Attributes:
        kind: The record kind imported.
        format: ``"csv"`` or ``"xlsx"``.
        sha256: The file's SHA-256 (hex), recorded in every batch's event.
        read: Data rows read (blank rows are skipped, not counted).
        imported: Rows inserted as new records.
        already_present: Rows whose record the office already had (an earlier
            import of the same file, or the same record entered another way).
        duplicates: Rows repeating an earlier row of the same file (same
            normalised record): counted once, as that earlier row.
        rejected: Rows refused by the kind's validators, each written to the reject file.
        batches: How many ``records.import`` operations were recorded.
        unknown_columns: Headings that name no field of the kind (their cells are
            ignored), each reported once; a column without a heading that holds
            data is named ``column N``.
        reject_file: Where the rejected rows were written, if a reject file was given.
        problems: The problems of the first rejected rows (at most
            [`MAX_PROBLEMS`][officekit.plugins.clerk.records.spreadsheet.MAX_PROBLEMS]),
            each ``where`` being ``row N, field 'f'``.
    """

    kind: str
    format: str
    sha256: str
    read: int = 0
    imported: int = 0
    already_present: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    unknown_columns: tuple[str, ...] = ()
    reject_file: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return self.rejected == 0


@attrs.frozen
class ExportSummary:
    """What an export wrote.

    Attributes:
        kind: The record kind exported.
        format: ``"csv"`` or ``"xlsx"``.
        count: Records written (one row each, under a header row).
        path: The file written.
    """

    kind: str
    format: str
    count: int
    path: str


# -- reading -------------------------------------------------------------------


def _bad_file(path: Path, what: str) -> ValidationError:
    return ValidationError(what, where=str(path))


def _inspect(path: Path) -> tuple[str, str, int]:
    """Read the file once: its format, SHA-256 and line count, before anything is imported.

    A CSV file is checked to be UTF-8 without NUL characters here, so that a file
    in another encoding, or not text at all, is refused before a row is imported.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    lines = 0
    fmt = ""
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                if not fmt:
                    if chunk.startswith(_ZIP_MAGIC):
                        fmt = "xlsx"
                    elif chunk.startswith(_OLE_MAGIC):
                        raise _bad_file(
                            path,
                            "an old binary Excel (.xls) or other Office file: save it as "
                            ".xlsx or .csv (UTF-8)",
                        )
                    else:
                        fmt = "csv"
                digest.update(chunk)
                if fmt == "csv":
                    nul = chunk.find(b"\x00")
                    if nul >= 0:
                        line = lines + chunk.count(b"\n", 0, nul) + 1
                        raise _bad_file(
                            path, f"line {line}: a NUL byte: not a CSV text file (or not UTF-8)"
                        )
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        line = lines + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
                        raise _bad_file(
                            path, f"line {line}: not UTF-8 text; save the CSV file as UTF-8"
                        ) from None
                    lines += chunk.count(b"\n")
            if not fmt:
                raise _bad_file(path, "the file is empty")
            if fmt == "csv":
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    raise _bad_file(path, "the file ends inside a UTF-8 character") from None
    except IsADirectoryError:
        raise _bad_file(path, "a folder, not a file") from None
    except FileNotFoundError:
        raise _bad_file(path, "no such file") from None
    except PermissionError:
        raise _bad_file(path, "not readable: permission denied") from None
    except OSError as exc:
        raise _bad_file(path, f"cannot be read: {exc.strerror or exc}") from None
    return fmt, digest.hexdigest(), lines


class _Sheet:
    """An opened spreadsheet: its header and its rows as text cells, read as they come."""

    def __init__(self, path: Path, fmt: str, lines: int) -> None:
        self.path = path
        self.format = fmt
        self.header: tuple[str, ...] = ()
        self.total: int | None = None
        self._file: IO[Any] | None = None
        self._workbook: Workbook | None = None
        self._rows: Iterator[tuple[int, tuple[str, ...]]]
        self.row = 0  # the row being read, for errors that stop the reading
        if fmt == "csv":
            self._open_csv(lines)
        else:
            self._open_xlsx()

    def _open_csv(self, lines: int) -> None:
        self._file = f = self.path.open(encoding="utf-8-sig", newline="")
        first = f.readline()
        counts = {d: first.count(d) for d in _DELIMITERS}
        delimiter = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
        reader = csv.reader(itertools.chain([first], f), delimiter=delimiter)
        self.total = lines - 1 if lines > 1 else None  # an estimate: a cell may hold a newline
        self._rows = self._csv_rows(reader)
        self._read_header()

    def _csv_rows(self, reader: Any) -> Iterator[tuple[int, tuple[str, ...]]]:
        number = 0
        while True:
            number += 1
            self.row = number
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _bad_file(self.path, f"row {number}: {exc}") from None
            except UnicodeDecodeError:  # checked before; the file changed since
                raise _bad_file(self.path, f"row {number}: not UTF-8 text") from None
            yield number, tuple(cells)

    def _open_xlsx(self) -> None:
        import warnings

        from openpyxl import load_workbook  # type: ignore[import-untyped]

        self._file = f = self.path.open("rb")
        try:
            with warnings.catch_warnings():  # "unknown extension", "no default style"
                warnings.simplefilter("ignore")
                self._workbook = wb = load_workbook(f, read_only=True, data_only=True)
            sheets = wb.worksheets
            if not sheets:
                raise _bad_file(self.path, "the workbook has no sheet")
            sheet: Any = sheets[0]
            rows = sheet.iter_rows(values_only=True)
            dimension = sheet.max_row
        except ValidationError:
            self.close()
            raise
        except Exception as exc:  # zipfile, openpyxl and the XML parser raise many things
            self.close()
            raise _bad_file(self.path, f"not a readable XLSX workbook ({_reason(exc)})") from None
        self.total = dimension - 1 if isinstance(dimension, int) and dimension > 1 else None
        self._rows = self._xlsx_rows(rows)
        self._read_header()

    def _xlsx_rows(self, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, tuple[str, ...]]]:
        number = 0
        while True:
            number += 1
            self.row = number
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a damaged sheet: XML, zip or openpyxl errors
                raise _bad_file(
                    self.path, f"row {number}: the sheet cannot be read ({_reason(exc)})"
                ) from None
            yield number, tuple(_cell_text(v) for v in values)

    def _read_header(self) -> None:
        try:
            number, cells = next(self._rows)
        except StopIteration:
            self.close()
            raise _bad_file(self.path, "the file is empty: no header row") from None
        except ValidationError:
            self.close()
            raise
        if not any(c.strip() for c in cells):
            self.close()
            raise _bad_file(self.path, f"row {number}: the header row is empty")
        # Trailing empty headings (an XLSX sheet's width) are not columns.
        end = len(cells)
        while end and not cells[end - 1].strip():
            end -= 1
        self.header = cells[:end]

    def rows(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        """The data rows, numbered as in the file (the header is row 1); blank ones skipped."""
        for number, cells in self._rows:
            if any(cells):
                yield number, cells

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None
        if self._file is not None:
            self._file.close()
            self._file = None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


def _cell_text(value: object) -> str:
    """An XLSX cell's value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def open_sheet(path: str | os.PathLike[str]) -> tuple[_Sheet, str]:
    """Open a spreadsheet for reading: the sheet and the file's SHA-256.

    Raises:
        ValidationError: The file is missing, unreadable, empty, or not a CSV
            (UTF-8) or XLSX file; it names the file (and the row).
    """
    p = Path(path)
    fmt, sha256, lines = _inspect(p)
    try:
        return _Sheet(p, fmt, lines), sha256
    except OSError as exc:
        raise _bad_file(p, f"cannot be read: {exc.strerror or exc}") from None


# -- mapping the header --------------------------------------------------------


def heading_key(text: str) -> str:
    """How a heading is matched to a field's name: case, spaces and hyphens do not matter."""
    return _HEADING_SPACES.sub("_", text.strip()).casefold()


@attrs.frozen
class _Columns:
    """Which column holds which field."""

    fields: tuple[tuple[str, int], ...]
    unknown: tuple[str, ...]
    unnamed: frozenset[int]


def map_header(
    path: Path,
    header: Sequence[str],
    fields: Sequence[str],
    required: Sequence[str],
    kind: str,
) -> _Columns:
    """Map a header row to the kind's fields.

    Raises:
        ValidationError: A required field has no column, or two columns name one
            field; nothing is imported.
    """
    by_key = {heading_key(f): f for f in fields}
    found: dict[str, int] = {}
    unknown: list[str] = []
    unnamed: set[int] = set()
    problems: list[Problem] = []
    for index, heading in enumerate(header):
        if not heading.strip():
            unnamed.add(index)
            continue
        field = by_key.get(heading_key(heading))
        if field is None:
            unknown.append(heading)
        elif field in found:
            problems.append(
                Problem(
                    str(path),
                    f"columns {found[field] + 1} and {index + 1} are both field {field!r}",
                )
            )
        else:
            found[field] = index
    missing = [f for f in required if f not in found]
    for field in missing:
        problems.append(
            Problem(
                str(path),
                f"no column for the required field {field!r} of kind {kind!r} "
                f"(the header row has: {', '.join(repr(h) for h in header if h.strip())})",
            )
        )
    if problems:
        raise ValidationError(problems)
    ordered = tuple((f, found[f]) for f in fields if f in found)
    return _Columns(ordered, tuple(unknown), frozenset(unnamed))


# -- the reject file -----------------------------------------------------------


class _Rejects:
    """The reject file, written as rows are refused (created even when none is)."""

    def __init__(self, path: Path | None, header: Sequence[str]) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self._writer: Any = None
        if path is not None:
            try:
                self._file = path.open("w", encoding="utf-8", newline="")
            except OSError as exc:
                raise ValidationError(
                    f"cannot write the reject file: {exc.strerror or exc}", where=str(path)
                ) from None
            self._writer = csv.writer(self._file)
            self._writer.writerow([*REJECT_COLUMNS, *header])

    def write(self, row: int, fields: str, reasons: str, cells: Sequence[str]) -> None:
        if self._writer is not None:
            self._writer.writerow([row, fields, reasons, *cells])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


# -- importing -----------------------------------------------------------------


def _source(sha256: str, row: int) -> str:
    """A record's ``source`` when imported: the file's SHA-256 and its row."""
    return f"import:{sha256}:{row}"


def _source_row(source: str | None, sha256: str) -> int | None:
    """The row of this file that ``source`` names, or None if another source."""
    prefix = f"import:{sha256}:"
    if source is None or not source.startswith(prefix):
        return None
    tail = source[len(prefix) :]
    return int(tail) if tail.isdigit() else None


def _kind_of(office: Office, kind: object) -> RecordKind:
    from officekit.core.validate import unknown_name

    kinds = office.profile.section(RECORDS).kinds
    if not isinstance(kind, str):
        raise ValidationError(f"expected a record kind's name, got {kind!r:.80}", where="kind")
    found = kinds.get(kind)
    if found is None:
        raise ValidationError(unknown_name("record kind", kind, kinds), where="kind")
    return found


def _check_path(value: object, where: str) -> Path:
    return check_path(value, where)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False


def _field_of(problem: Problem, fields: Sequence[str]) -> str:
    return problem.where if problem.where in fields else (problem.where or "")


_Progress = Callable[[int, "int | None"], None]


def import_file(
    desk: Desk,
    path: str | os.PathLike[str],
    *,
    kind: str,
    reject: str | os.PathLike[str] | None = None,
    batch_size: int = 5000,
    progress: _Progress | None = None,
) -> ImportSummary:
    """Import records of ``kind`` from a CSV or XLSX file: ``desk.records.import_file``.

    The file's first row is its header: each heading names a field of the kind
    (its name or label; case, spaces and hyphens do not matter). Each data row is
    normalised by the kind's validators
    ([`normalise`][officekit.plugins.clerk.records.fields.normalise]); the good
    ones are inserted, ``batch_size`` rows read at a time, each batch one
    ``records.import`` operation whose event holds the batch's counts, the kind
    and the file's SHA-256 (never a value from the file). A row whose record the
    office already has is not added again, so importing the same file twice adds
    nothing the second time. Only one batch is held in memory.

    Args:
        desk: The desk of the member of staff importing (``data_entry``).
        path: A CSV file (UTF-8, a byte-order mark allowed; comma, semicolon, tab
            or ``|`` separated, found from the header line) or an XLSX workbook
            (its first sheet).
        kind: The record kind, a key of the profile's ``[records.kinds]``.
        reject: A CSV file to write the rejected rows to (created, or replaced):
            columns ``row`` (the row's number in the file, the header being row 1),
            ``field`` (the fields at fault, ``; `` between them), ``reason`` (why,
            one per field, ``; `` between them), then the row's original cells
            under the file's own headings. Written with a header even when no row
            is rejected.
        batch_size: Rows read per batch (1 to 100,000).
        progress: Called after each batch with the rows read so far and an
            estimate of the file's data rows (None when unknown).

    Returns:
        The counts: ``read == imported + already_present + duplicates + rejected``.

    Raises:
        ValidationError: Before anything is imported: an unknown kind, a bad
            argument, a file that is missing, empty, unreadable or not CSV (UTF-8)
            or XLSX, a header without a column for a required field (each named).
            While importing: a file damaged partway (the batches before the row
            named were imported; importing it again once repaired adds the rest).
        PermissionDenied: The member of staff may not import (the refusal is
            recorded; nothing is read).
    """
    desk.check_open()
    source_path = _check_path(path, "path")
    reject_path = None if reject is None else _check_path(reject, "reject")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise ValidationError(f"expected a whole number, got {batch_size!r:.80}", "batch_size")
    if not 1 <= batch_size <= 100_000:
        raise ValidationError(f"expected 1 to 100000 rows, got {batch_size}", "batch_size")
    if progress is not None and not callable(progress):
        raise ValidationError(f"expected a function, got {progress!r:.80}", where="progress")
    office = desk.office
    record_kind = _kind_of(office, kind)
    if reject_path is not None and _same_file(source_path, reject_path):
        raise ValidationError("the reject file cannot be the file imported", where="reject")
    decision = desk.can(IMPORT)
    if not decision.allowed:  # records the refusal and raises, before the file is read
        desk.perform(IMPORT, detail={"kind": kind})
    sheet, sha256 = open_sheet(source_path)
    try:
        return _Import(desk, record_kind, sheet, sha256, reject_path, batch_size, progress).run()
    finally:
        sheet.close()


IMPORT = "records.import"
EXPORT = "records.export"


class _Import:
    """One import: the loop over the rows, batch by batch."""

    def __init__(
        self,
        desk: Desk,
        kind: RecordKind,
        sheet: _Sheet,
        sha256: str,
        reject: Path | None,
        batch_size: int,
        progress: _Progress | None,
    ) -> None:
        self.desk = desk
        self.kind = kind
        self.sheet = sheet
        self.sha256 = sha256
        self.reject_path = reject
        self.batch_size = batch_size
        self.progress = progress
        self.region = desk.office.profile.office.country
        self.fields = kind.field_names
        self.counts = {"read": 0, "imported": 0, "already_present": 0, "duplicates": 0}
        self.rejected = 0
        self.batch_rejected = 0
        self.batches = 0
        self.problems: list[Problem] = []

    def run(self) -> ImportSummary:
        kind = self.kind
        labels = {heading_key(f.label): f.name for f in kind.fields if f.label}
        header = [labels.get(heading_key(h), h) for h in self.sheet.header]
        columns = map_header(
            self.sheet.path,
            header,
            self.fields,
            [f.name for f in kind.fields if f.required],
            kind.name,
        )
        unnamed_with_data: set[int] = set()
        unnamed = columns.unnamed
        width = len(self.sheet.header)
        rejects = _Rejects(self.reject_path, self.sheet.header)
        try:
            batch: list[tuple[int, dict[str, Any]]] = []
            read_in_batch = 0
            first_row = 0
            region = self.region
            mapping = columns.fields
            for number, cells in self.sheet.rows():
                if not read_in_batch:
                    first_row = number
                read_in_batch += 1
                n = len(cells)
                values = {f: cells[i] for f, i in mapping if i < n}
                data, problems = normalise(kind, values, region=region)
                if n > width:
                    extra = [i for i in range(width, n) if cells[i].strip()]
                    unnamed_with_data.update(extra)
                if unnamed:
                    unnamed_with_data.update(i for i in unnamed if i < n and cells[i].strip())
                if problems:
                    self._reject(rejects, number, problems, cells)
                else:
                    batch.append((number, data))
                if read_in_batch >= self.batch_size:
                    self._flush(batch, read_in_batch, first_row, number)
                    batch = []
                    read_in_batch = 0
            if read_in_batch or not self.batches:
                self._flush(batch, read_in_batch, first_row, self.sheet.row - 1)
        finally:
            rejects.close()
        unknown = tuple(h for h in self.sheet.header if h in columns.unknown) + tuple(
            f"column {i + 1}" for i in sorted(unnamed_with_data)
        )
        c = self.counts
        return ImportSummary(
            kind=kind.name,
            format=self.sheet.format,
            sha256=self.sha256,
            read=c["read"],
            imported=c["imported"],
            already_present=c["already_present"],
            duplicates=c["duplicates"],
            rejected=self.rejected,
            batches=self.batches,
            unknown_columns=unknown,
            reject_file=None if self.reject_path is None else str(self.reject_path),
            problems=tuple(self.problems),
        )

    def _reject(
        self, rejects: _Rejects, number: int, problems: list[Problem], cells: Sequence[str]
    ) -> None:
        self.rejected += 1
        self.batch_rejected += 1
        fields = [_field_of(p, self.fields) for p in problems]
        rejects.write(
            number,
            "; ".join(fields),
            "; ".join(
                f"{f}: {p.what}" if f else p.what for f, p in zip(fields, problems, strict=True)
            ),
            cells,
        )
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.extend(
                Problem(f"row {number}, field {f!r}" if f else f"row {number}", p.what)
                for f, p in zip(fields, problems, strict=True)
            )

    def _flush(
        self, batch: list[tuple[int, dict[str, Any]]], read: int, first: int, last: int
    ) -> None:
        """Insert one batch's good rows as one ``records.import`` operation."""
        kind = self.kind
        self.batches += 1
        detail: dict[str, Any] = {
            "kind": kind.name,
            "file_sha256": self.sha256,
            "format": self.sheet.format,
            "batch": self.batches,
            "first_row": first if read else None,
            "last_row": last if read else None,
            "read": read,
            "rejected": self.batch_rejected,
        }
        office = self.desk.office
        sha256 = self.sha256
        actor_id = self.desk.actor.id

        def act(conn: sa.Connection) -> tuple[int, int, int]:
            inserted, skipped = insert_normalised(
                conn,
                office.id,
                kind,
                [data for _, data in batch],
                entered_by=actor_id,
                now=office.clock.now(),
                source_of=lambda i: _source(sha256, batch[i][0]),
            )
            again = dups = 0
            if skipped:
                dups = _repeated(conn, office.id, kind.name, batch, sha256)
                again = skipped - dups
            detail.update(imported=inserted, already_present=again, duplicates=dups)
            return inserted, again, dups

        result, _ = self.desk.perform(IMPORT, subject=kind.name, detail=detail, act=act)
        assert result is not None
        inserted, again, dups = result
        c = self.counts
        c["read"] += read
        c["imported"] += inserted
        c["already_present"] += again
        c["duplicates"] += dups
        self.batch_rejected = 0
        if self.progress is not None:
            self.progress(c["read"], self.sheet.total)


_IN_CHUNK = 2000
_PRESENT = sa.select(records.c.fingerprint, records.c.source).where(
    records.c.office_id == sa.bindparam("b_office_id"),
    records.c.kind == sa.bindparam("b_kind"),
    records.c.fingerprint.in_(sa.bindparam("b_prints", expanding=True)),
)


def _repeated(
    conn: sa.Connection,
    office_id: int,
    kind: str,
    batch: list[tuple[int, dict[str, Any]]],
    sha256: str,
) -> int:
    """Count the rows of a batch that repeat an earlier row of the file.

    Run only when the insert skipped rows (a re-run, a repeated row); the other
    skipped rows were already present. A row repeats an earlier one when an
    earlier row of the batch is the same record, or when the record's ``source``
    names an earlier row of the same file (same SHA-256): inserted from it by an
    earlier batch, in this import or a past one. A record inserted from the row
    itself (now, or by a past import of the file) is not a repeat.
    """
    prints = [fingerprint(kind, canonical(data)) for _, data in batch]
    found: dict[str, str | None] = {}
    unique = list(dict.fromkeys(prints))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        params = {"b_office_id": office_id, "b_kind": kind, "b_prints": chunk}
        found.update((row[0], row[1]) for row in conn.execute(_PRESENT, params))
    dups = 0
    seen: set[str] = set()
    for (number, _), key in zip(batch, prints, strict=True):
        row = _source_row(found.get(key), sha256)
        if key in seen or (row is not None and row < number):
            dups += 1
        seen.add(key)
    return dups


# -- exporting -----------------------------------------------------------------

_EXPORT = (
    sa.select(records.c.data)
    .where(
        records.c.office_id == sa.bindparam("b_office_id"),
        records.c.kind == sa.bindparam("b_kind"),
        records.c.merged_into.is_(None),
        records.c.erased_at.is_(None),
    )
    .order_by(records.c.id)
)
_EXPORT_BATCH = 1000


def _export_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def export_file(
    desk: Desk,
    path: str | os.PathLike[str],
    *,
    kind: str,
    format: str = "csv",
) -> ExportSummary:
    """Export the records of ``kind`` to a CSV or XLSX file: ``desk.records.export_file``.

    One row per live record (merged and erased ones are left out), in the order
    they were entered, under a header row of the kind's field names: what
    [`import_file`][officekit.plugins.clerk.records.spreadsheet.import_file]
    reads back, so that exporting an office's records and importing the file
    into another gives the same records. The rows are streamed from the
    database in a read snapshot, so memory does not grow with their number;
    XLSX is written with openpyxl's write-only mode, every text as text (a value
    beginning with ``=`` is never a formula). The file is written beside
    ``path`` and moved into place once complete, after the ``records.export``
    operation is recorded (its event: the kind, the count and the format, no
    value).

    Args:
        desk: The desk of the member of staff exporting (``data_entry``).
        path: The file to write (replaced if it exists).
        kind: The record kind, a key of the profile's ``[records.kinds]``.
        format: ``"csv"`` (UTF-8, comma-separated) or ``"xlsx"``.

    Returns:
        What was written.

    Raises:
        ValidationError: An unknown kind or format, or a path that cannot be
            written; nothing is recorded.
        PermissionDenied: The member of staff may not export (the refusal is
            recorded; nothing is written).
    """
    from officekit.core.store import snapshot

    desk.check_open()
    target = _check_path(path, "path")
    if format not in FORMATS:
        raise ValidationError(f"expected 'csv' or 'xlsx', got {format!r:.80}", where="format")
    office = desk.office
    record_kind = _kind_of(office, kind)
    if not desk.can(EXPORT).allowed:  # records the refusal and raises
        desk.perform(EXPORT, detail={"kind": kind, "format": format})
    folder = target.parent
    if not folder.is_dir():
        raise ValidationError("no such folder to write the file in", where=str(target))
    if target.is_dir():
        raise ValidationError("a folder, not a file", where=str(target))
    import tempfile

    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name[:50]}.", dir=folder)
    except OSError as exc:
        raise ValidationError(
            f"cannot be written: {exc.strerror or exc}", where=str(target)
        ) from None
    os.close(fd)
    temp = Path(temp_name)
    try:
        with snapshot(office.engine) as conn:
            rows = conn.execution_options(yield_per=_EXPORT_BATCH).execute(
                _EXPORT, {"b_office_id": office.id, "b_kind": record_kind.name}
            )
            datas = (load_data(row[0]) for row in rows)
            writer = _write_csv if format == "csv" else _write_xlsx
            count = writer(temp, record_kind.field_names, datas)
        desk.perform(
            EXPORT,
            subject=record_kind.name,
            detail={"kind": record_kind.name, "count": count, "format": format},
        )
        os.replace(temp, target)
    except OSError as exc:
        raise ValidationError(
            f"cannot be written: {exc.strerror or exc}", where=str(target)
        ) from None
    finally:
        temp.unlink(missing_ok=True)
    return ExportSummary(record_kind.name, format, count, str(target))


def _write_csv(path: Path, fields: tuple[str, ...], datas: Iterator[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(fields)
        for data in datas:
            writer.writerow(
                ["" if data.get(name) is None else _export_cell(data[name]) for name in fields]
            )
            count += 1
    return count


def _write_xlsx(path: Path, fields: tuple[str, ...], datas: Iterator[dict[str, Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet("records")

    def cell(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        c = WriteOnlyCell(sheet, value=None)
        c.value = _export_cell(value)
        c.data_type = "s"  # never a formula, whatever the text begins with
        return c

    sheet.append([cell(name) for name in fields])
    count = 0
    for data in datas:
        sheet.append([cell(data.get(name)) for name in fields])
        count += 1
    workbook.save(path)
    return count


# -- the simulation ------------------------------------------------------------

_SIM_PLANNED = "spreadsheet_import_planned"


def schedule_import(sim: Simulation, day: SimulationDay, kinds: Sequence[RecordKind]) -> None:
    """Plan one small spreadsheet import in a simulated run (``officekit simulate``).

    Called by the records' step as it plans each day; it plans the import on the
    first day someone can do it, and never again. The import is a CSV file of 8
    to 20 made-up rows of one kind, with a bad value or two and a repeated row,
    written to a temporary folder and imported by a clerk on shift, rejects and
    all, who then exports the kind's records to a workbook; ``sim.counts`` gets
    ``spreadsheet_rows`` (read), ``records_imported``, ``import_rejected`` and
    ``records_exported``.
    """
    if sim.counts[_SIM_PLANNED] or not kinds:
        return
    sim.counts[_SIM_PLANNED] += 1
    kind = sim.rng.choice(list(kinds))

    def run() -> None:
        simulate_import(sim, kind)

    day.at(day.arrival(), run)


def simulate_import(sim: Simulation, kind: RecordKind) -> ImportSummary | None:
    """Import a small made-up spreadsheet of ``kind`` at the desk of a clerk on shift.

    Returns:
        The import's summary, or None when nobody on shift may import (it is then
        planned again for a later day).
    """
    import tempfile

    from officekit.plugins.clerk.records.simulation import fake_value

    rng = sim.rng
    region = sim.office.profile.office.country
    today = sim.clock.now().date()
    fields = kind.field_names
    rows: list[list[str]] = []
    for _ in range(rng.randint(8, 20)):
        person = sim.person()
        values = [
            fake_value(spec, rng, person=person, region=region, today=today)
            if spec.required or rng.random() < 0.7
            else None
            for spec in kind.fields
        ]
        rows.append(["" if v is None else str(v) for v in values])
    if rows:
        rows.append(list(rng.choice(rows)))  # a row typed twice
    for _ in range(rng.randint(0, 2)):  # a slip that the validators catch
        row = list(rng.choice(rows))
        spec = rng.choice(kind.fields)
        row[fields.index(spec.name)] = "" if spec.required else "??"
        rows.append(row)
    with sim.desk(IMPORT) as desk:
        if desk is None:
            sim.counts[_SIM_PLANNED] = 0
            return None
        with tempfile.TemporaryDirectory(prefix="officekit-import-") as folder:
            path = Path(folder) / f"{kind.name}.csv"
            with path.open("w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows([list(fields), *rows])
            summary = import_file(desk, path, kind=kind.name, reject=Path(folder) / "rejects.csv")
            # and the clerk sends the kind's records back out, as a workbook
            exported = export_file(
                desk, Path(folder) / "export.xlsx", kind=kind.name, format="xlsx"
            )
    sim.counts["records_exported"] += exported.count
    sim.counts["spreadsheet_rows"] += summary.read
    sim.counts["records_imported"] += summary.imported
    sim.counts["import_rejected"] += summary.rejected
    return summary
