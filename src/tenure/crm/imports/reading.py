"""Read a CSV, XLSX or Parquet file into a table of strings with spreadsheet row numbers.

Every cell comes back as text, exactly as the file wrote it: parsing values is
the next step's job (``parsing``), so one set of rules serves every format.
Row numbers are the ones a spreadsheet shows: the header is row 1.

Files come from strangers, so the reader is careful before it is quick: the sizes a
file declares (a workbook's zip directory, a Parquet footer, a CSV's byte size) are
checked against ``TENURE_IMPORT_MAX_*`` before anything is unpacked, rows are counted
while they are read, the file is streamed in batches rather than held whole, and
every failure of a parser is an ImportFileError naming the file and the problem.

``save_table`` parses a file once into the canonical table (an Arrow IPC file) that
``open_table`` maps back without parsing again: the upload page previews and imports
from it.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.conf import settings
from django.utils.translation import gettext as _

from tenure.analytics.textfiles import (
    LEGACY_ENCODINGS,
    PARQUET_MAGIC,
    XLSX_MAGIC,
    sniff_delimiter,
    unique_headers,
)

from .storage import private_opener

MB = 1024 * 1024
# Rows per record batch when rows are built in Python (XLSX, careful CSV): small enough
# that the Python objects of one batch stay a few megabytes.
BATCH_ROWS = 20_000
CSV_BLOCK = 1 << 22
# A workbook is a few dozen zip entries; thousands are not a workbook.
MAX_XLSX_ENTRIES = 5_000
# Below this an entry's compression ratio tells nothing (and costs nothing).
RATIO_FLOOR = MB
# A workbook's shared strings are read whole: they may take this share of the size limit.
SHARED_STRINGS_SHARE = 4
SCAN_CHUNK = MB
SAMPLE = MB
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A valid multi-byte UTF-8 sequence (RFC 3629): what Windows-1251 text rarely holds.
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
HIGH_BYTES = bytes(range(0x80, 0x100))
HEADERS_KEY = b"tenure.headers"
ROW, PROBLEM = "row", "problem"

T = TypeVar("T")


class ImportFileError(Exception):
    """The file cannot be imported at all; the message names the file and the problem."""


@dataclass(frozen=True)
class Limits:
    """How large a file may be; checked before it is unpacked and while it is read."""

    max_bytes: int
    max_rows: int
    max_columns: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        """Return the limits the ``TENURE_IMPORT_MAX_*`` settings set."""
        return cls(max_bytes=settings.TENURE_IMPORT_MAX_MB * MB,
                   max_rows=settings.TENURE_IMPORT_MAX_ROWS,
                   max_columns=settings.TENURE_IMPORT_MAX_COLUMNS,
                   max_ratio=settings.TENURE_IMPORT_MAX_RATIO)


@dataclass
class SourceTable:
    """The cells of a file: ``columns[i]`` holds the strings under ``headers[i]``."""

    name: str
    headers: list[str]
    columns: list[pa.ChunkedArray]
    row_numbers: pa.Array
    bad_rows: list[tuple[int, str]] = field(default_factory=list)

    @property
    def num_rows(self) -> int:
        return len(self.row_numbers)

    def row_values(self, index: int) -> list[str]:
        """Return the cells of the data row at ``index`` (0-based), in file order."""
        return [column[index].as_py() for column in self.columns]

    def head(self, count: int) -> list[list[str]]:
        """Return the first ``count`` data rows."""
        return [self.row_values(i) for i in range(min(count, self.num_rows))]

    @classmethod
    def from_arrow(cls, table: pa.Table, name: str) -> SourceTable:
        """Return the table of a canonical Arrow table (cells, row numbers, bad rows)."""
        headers = json.loads(table.schema.metadata[HEADERS_KEY])
        problems = table.column(PROBLEM)
        bad: list[tuple[int, str]] = []
        if problems.null_count < len(problems):
            failed = pc.is_valid(problems)
            bad = [(r[ROW], r[PROBLEM]) for r in table.filter(failed).select([ROW, PROBLEM])
                   .to_pylist()]
            table = table.filter(pc.invert(failed))
        columns = [table.column(i) for i in range(len(headers))]
        return cls(name, headers, columns, table.column(ROW).combine_chunks(), bad)


# -- the three ways in ----------------------------------------------------------------------------


def read_table(path: Path | str, name: str | None = None, *,
               limits: Limits | None = None) -> SourceTable:
    """Return the table in the file at ``path``; raise ImportFileError when unreadable."""
    path = Path(path)
    name = name or path.name

    def collect(batches: Iterator[pa.RecordBatch]) -> SourceTable:
        first = next(batches)
        return SourceTable.from_arrow(pa.Table.from_batches([first, *batches]), name)

    return _parse(path, name, limits or Limits.from_settings(), collect)


def save_table(path: Path | str, target: Path | str, name: str | None = None, *,
               limits: Limits | None = None) -> int:
    """Parse the file at ``path`` once into the canonical table at ``target``; return its rows.

    The target is an uncompressed Arrow IPC file, private (0600), written whole or not at
    all; ``open_table`` maps it back without parsing.
    """
    path, target = Path(path), Path(target)
    name = name or path.name
    partial = target.with_name(target.name + ".part")

    def write(batches: Iterator[pa.RecordBatch]) -> int:
        first = next(batches)
        # Created private before a byte of it is written.
        open(partial, "wb", opener=private_opener).close()
        rows = 0
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, first.schema) as out:
            out.write_batch(first)
            for batch in batches:
                out.write_batch(batch)
                rows += batch.num_rows
        return rows

    try:
        rows = _parse(path, name, limits or Limits.from_settings(), write)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return rows


def open_table(path: Path | str, name: str) -> SourceTable:
    """Return the canonical table ``save_table`` wrote, memory-mapped, not parsed again."""
    try:
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException) as exc:
        raise _fail(name, _("the uploaded file is no longer available (%(error)s).")
                    % {"error": exc}) from exc
    return SourceTable.from_arrow(table, name)


def _parse(path: Path, name: str, limits: Limits,
           consume: Callable[[Iterator[pa.RecordBatch]], T]) -> T:
    """Return what ``consume`` makes of the file's record batches (the first one empty)."""
    try:
        with path.open("rb") as source:
            start = source.read(max(len(XLSX_MAGIC), len(PARQUET_MAGIC)))
    except OSError as exc:
        raise ImportFileError(
            _("%(name)s: cannot open the file (%(error)s).")
            % {"name": name, "error": exc.strerror or exc}
        ) from exc
    if start.startswith(XLSX_MAGIC):
        return consume(_xlsx_batches(path, name, limits))
    if start.startswith(PARQUET_MAGIC):
        return consume(_parquet_batches(path, name, limits))
    text = _TextFile.open(path, name, limits)
    if text.delimiter is None:
        return consume(text.batches(text.whitespace_records()))
    if text.delimiter not in text.first_line:
        # One column: blank lines would read as empty rows in the fast reader.
        return consume(text.batches(text.csv_records()))
    try:
        return consume(text.fast_batches())
    except pa.ArrowInvalid:
        # Rows with a wrong number of values or blank lines: the careful reader keeps
        # the spreadsheet row numbers right and reports those rows instead.
        return consume(text.batches(text.csv_records()))


def _fail(name: str, problem: str) -> ImportFileError:
    return ImportFileError(f"{name}: {problem}")


def _too_many_rows(name: str, limits: Limits) -> ImportFileError:
    return _fail(name, _("the file has more than %(limit)d rows, the most one import takes "
                         "(TENURE_IMPORT_MAX_ROWS). Split it into smaller files.")
                 % {"limit": limits.max_rows})


def _too_many_columns(name: str, count: int, limits: Limits) -> ImportFileError:
    return _fail(name, _("the file has %(count)d columns, more than the %(limit)d one import "
                         "takes (TENURE_IMPORT_MAX_COLUMNS).")
                 % {"count": count, "limit": limits.max_columns})


def _too_large(name: str, size: int, limits: Limits) -> ImportFileError:
    return _fail(name, _("the file holds %(size)d MB of data, more than the %(limit)d MB one "
                         "import takes (TENURE_IMPORT_MAX_MB). Split it into smaller files.")
                 % {"size": -(-size // MB), "limit": limits.max_bytes // MB})


# -- the canonical table ---------------------------------------------------------------------------


def _schema(headers: list[str]) -> pa.Schema:
    """Return the canonical schema: one string column per header, the row number, the problem.

    A row the file could not give (a wrong number of values) keeps its number and
    problem with empty cells; ``SourceTable.from_arrow`` sets it apart.
    """
    fields = [pa.field(f"c{i}", pa.string()) for i in range(len(headers))]
    fields += [pa.field(ROW, pa.int64()), pa.field(PROBLEM, pa.string())]
    return pa.schema(fields, metadata={HEADERS_KEY: json.dumps(headers, ensure_ascii=False)})


def _batch(schema: pa.Schema, columns: list, numbers: pa.Array,
           problems: pa.Array | None = None) -> pa.RecordBatch:
    if problems is None:
        problems = pa.nulls(len(numbers), pa.string())
    return pa.RecordBatch.from_arrays([*columns, numbers, problems], schema=schema)


def _empty(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=schema)


class _Rows:
    """Gather rows of cells given as Python lists into record batches, counting them."""

    def __init__(self, headers: list[str], name: str, limits: Limits):
        self.schema = _schema(headers)
        self.width = len(headers)
        self.name, self.limits = name, limits
        self.read = 0
        self._start()

    def _start(self) -> None:
        self.cells: list[list[str]] = [[] for _ in range(self.width)]
        self.numbers: list[int] = []
        self.problems: list[str | None] = []

    def add(self, number: int, record: list[str], problem: str | None = None) -> None:
        """Take one data row; ``problem`` says why it cannot be loaded, if it cannot."""
        self.read += 1
        if self.read > self.limits.max_rows:
            raise _too_many_rows(self.name, self.limits)
        if problem is None and not any(value.strip() for value in record):
            return
        if problem is None and len(record) > self.width:
            problem = (_("the row has %(count)d values, the header has %(width)d")
                       % {"count": len(record), "width": self.width})
        # A row that cannot be loaded keeps its number and problem, not its cells.
        record = [""] * self.width if problem else record + [""] * (self.width - len(record))
        for column, value in zip(self.cells, record, strict=True):
            column.append(value)
        self.numbers.append(number)
        self.problems.append(problem)

    def full(self) -> bool:
        return len(self.numbers) >= BATCH_ROWS

    def flush(self) -> pa.RecordBatch:
        batch = _batch(self.schema, [pa.array(c, pa.string()) for c in self.cells],
                       pa.array(self.numbers, pa.int64()), pa.array(self.problems, pa.string()))
        self._start()
        return batch


def _batches_of(rows: _Rows, records: Iterable[tuple[int, list[str], str | None]]
                ) -> Iterator[pa.RecordBatch]:
    """Yield an empty batch, then the records gathered into batches."""
    yield _empty(rows.schema)
    for number, record, extra in records:
        rows.add(number, record, extra)
        if rows.full():
            yield rows.flush()
    yield rows.flush()


def _clean_headers(headers: list, name: str, limits: Limits) -> list[str]:
    headers = ["" if h is None else str(h).strip() for h in headers]
    if len(headers) > limits.max_columns:
        raise _too_many_columns(name, len(headers), limits)
    if not any(headers):
        raise _fail(name, _("the first line holds no column names."))
    if all(_looks_like_data(h) for h in headers if h):
        raise _fail(name, _("the first line holds values (%(line)s), not column names: "
                            "add a header line.") % {"line": ", ".join(headers)})
    return unique_headers(headers)


def _looks_like_data(text: str) -> bool:
    return bool(re.fullmatch(r"[-+\d\s.,:/]+", text)) and any(ch.isdigit() for ch in text)


# -- text files ------------------------------------------------------------------------------------


@dataclass
class _TextFile:
    """A CSV or whitespace-separated file: its encoding, first line and delimiter."""

    path: Path
    name: str
    limits: Limits
    encoding: str
    first_line: str
    delimiter: str | None
    # Blank lines before the header.
    blank_lines: int

    @classmethod
    def open(cls, path: Path, name: str, limits: Limits) -> _TextFile:
        """Check the file's size, find its encoding and read its first line."""
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _too_large(name, size, limits)
        encoding = _encoding(path, name)
        with _text_stream(path, encoding) as source:
            sample = source.read(SAMPLE)
        if not sample.strip():
            raise _fail(name, _("the file is empty."))
        if "\x00" in sample or _looks_binary(sample):
            raise _fail(name, _("the file is not a CSV, XLSX or Parquet file."))
        body = sample.lstrip("\r\n")
        lead = sample[:len(sample) - len(body)]
        first_line = re.split(r"\r\n|\r|\n", body, maxsplit=1)[0]
        blank_lines = lead.count("\n") + lead.count("\r") - lead.count("\r\n")
        return cls(path, name, limits, encoding, first_line, sniff_delimiter(first_line),
                   blank_lines)

    def _headers(self, record: list) -> list[str]:
        return _clean_headers(record, self.name, self.limits)

    def batches(self, records: Iterator[list[str]]) -> Iterator[pa.RecordBatch]:
        """Yield the records (the first is the header) as batches of the canonical table."""
        header = next(records, [])
        rows = _Rows(self._headers(header), self.name, self.limits)
        numbered = ((n, r, None) for n, r in enumerate(records, start=2))
        yield from _batches_of(rows, numbered)

    def csv_records(self) -> Iterator[list[str]]:
        """Yield the CSV records from the header on, through Python's csv module."""
        with _text_stream(self.path, self.encoding) as source:
            reader = csv.reader(source, delimiter=self.delimiter or ",")
            try:
                yield from itertools.dropwhile(lambda record: not record, reader)
            except csv.Error as exc:
                raise _fail(self.name, _("the file cannot be read as CSV near line %(line)d "
                                         "(%(error)s).")
                            % {"line": reader.line_num, "error": exc}) from exc

    def whitespace_records(self) -> Iterator[list[str]]:
        """Yield the words of each line from the header on (CDNOW's files)."""
        with _text_stream(self.path, self.encoding) as source:
            yield from itertools.dropwhile(lambda words: not words,
                                           (line.split() for line in source))

    def fast_batches(self) -> Iterator[pa.RecordBatch]:
        """Yield the batches Arrow's CSV reader streams; raise ArrowInvalid on a bad row."""
        headers = self._headers(next(csv.reader([self.first_line], delimiter=self.delimiter)))
        schema = _schema(headers)
        names = [f"c{i}" for i in range(len(headers))]

        with _utf8_stream(self.path, self.encoding) as source:
            reader = pa_csv.open_csv(
                source,
                read_options=pa_csv.ReadOptions(column_names=names,
                                                skip_rows=self.blank_lines + 1,
                                                block_size=CSV_BLOCK),
                parse_options=pa_csv.ParseOptions(
                    delimiter=self.delimiter, newlines_in_values=True, ignore_empty_lines=False,
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=False, quoted_strings_can_be_null=False,
                ),
            )
            yield _empty(schema)
            number = 2
            for batch in reader:
                if number - 2 + batch.num_rows > self.limits.max_rows:
                    raise _too_many_rows(self.name, self.limits)
                rows = pa.array(range(number, number + batch.num_rows), pa.int64())
                number += batch.num_rows
                yield _batch(schema, batch.columns, rows)


def _text_stream(path: Path, encoding: str) -> io.TextIOWrapper:
    """Open the file as text, BOM dropped, an undecodable byte shown as "\ufffd"."""
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    return open(path, encoding=codec, errors="replace", newline="")


def _utf8_stream(path: Path, encoding: str):
    """Open the file as UTF-8 bytes for Arrow: as it is, or re-encoded from its code page."""
    if encoding == "utf-8":
        return pa.OSFile(str(path))
    return _Utf8Reader(_text_stream(path, encoding))


class _Utf8Reader(io.RawIOBase):
    """A text stream read back as UTF-8 bytes, a chunk at a time."""

    def __init__(self, text: io.TextIOWrapper):
        self.text = text
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self.pending) < len(buffer):
            chunk = self.text.read(SCAN_CHUNK)
            if not chunk:
                break
            self.pending += chunk.encode("utf-8")
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def close(self) -> None:
        self.text.close()
        super().close()


def _encoding(path: Path, name: str) -> str:
    """Return the file's encoding: UTF-8 when it all decodes, else a detected code page.

    A file that is UTF-8 but for a few bytes is refused with the place of the first bad
    byte: reading it whole as Windows-1251 would turn every "é" into "Г©".
    """
    bad = _scan(path, name)
    if bad is None:
        return "utf-8"
    offset, line = bad
    with path.open("rb") as source:
        head = source.read(SAMPLE)
        source.seek(max(offset - SAMPLE // 2, len(head)))
        around = source.read(SAMPLE)
    if not head.startswith(UTF16_BOMS) and _mostly_utf8(head + around):
        raise _fail(name, _("the file is UTF-8 except for bytes that are not: the first is on "
                            "line %(line)d, at byte offset %(offset)d. Save the file again as "
                            "UTF-8 (or as Windows-1251 throughout).")
                    % {"line": line, "offset": offset})
    import charset_normalizer  # a tenth of a second to import; few files need it

    match = charset_normalizer.from_bytes(head[:200_000], cp_isolation=LEGACY_ENCODINGS).best()
    if match is None:
        problem = _("the file is not text in a known encoding (UTF-8 or Windows-1251).")
        raise _fail(name, problem)
    return match.encoding


def _scan(path: Path, name: str) -> tuple[int, int] | None:
    """Return (byte offset, line) of the first byte that is not UTF-8, or None.

    Reads the whole file a chunk at a time, never holding it whole, and refuses one
    holding NUL bytes (a binary file; and PostgreSQL stores no NUL in text).
    """
    offset, lines, pending, bad = 0, 0, b"", None
    with path.open("rb") as source:
        utf16 = source.read(2) in UTF16_BOMS
        source.seek(0)
        while True:
            chunk = source.read(SCAN_CHUNK)
            if not utf16 and b"\x00" in chunk:
                raise _fail(name, _("the file is not a CSV, XLSX or Parquet file."))
            if bad is None:
                data = pending + chunk
                try:
                    _text, used = codecs.utf_8_decode(data, "strict", not chunk)
                except UnicodeDecodeError as exc:
                    bad = offset + exc.start, lines + data.count(b"\n", 0, exc.start) + 1
                else:
                    lines += data.count(b"\n", 0, used)
                    offset += used
                    pending = data[used:]
            if not chunk:
                return bad


def _mostly_utf8(data: bytes) -> bool:
    """Return whether most bytes above ASCII in ``data`` form valid UTF-8 sequences."""
    high = len(data) - len(data.translate(None, HIGH_BYTES))
    in_sequences = sum(len(m) for m in UTF8_SEQUENCE.findall(data))
    return in_sequences * 2 > high


def _looks_binary(text: str) -> bool:
    sample = text[:10_000]
    control = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    return control > len(sample) / 100


# -- spreadsheets and Parquet ---------------------------------------------------------------------


def _cell_text(value) -> str:
    """Return a spreadsheet or Parquet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else (
            value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _check_workbook(path: Path, name: str, limits: Limits) -> None:
    """Refuse a workbook whose zip directory promises too much, before anything is unpacked.

    Python's zipfile never inflates an entry past the size the directory declares, so
    the declared sizes bound what reading can cost.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except Exception as exc:  # zipfile raises many types for a damaged directory
        raise _fail(name, _("the spreadsheet cannot be read (%(error)s).")
                    % {"error": exc}) from exc
    if len(entries) > MAX_XLSX_ENTRIES:
        raise _fail(name, _("the spreadsheet holds %(count)d parts, more than a workbook has.")
                    % {"count": len(entries)})
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_bytes:
        raise _too_large(name, total, limits)
    for entry in entries:
        # openpyxl holds every shared string in memory while the sheet streams by.
        if (entry.filename.lower().endswith("sharedstrings.xml")
                and entry.file_size > limits.max_bytes // SHARED_STRINGS_SHARE):
            raise _fail(name, _(
                "the spreadsheet's shared texts (%(part)s) unpack to %(size)d MB, more than "
                "%(limit)d MB (a quarter of TENURE_IMPORT_MAX_MB). Save the sheet as CSV and "
                "import that.") % {"part": entry.filename, "size": -(-entry.file_size // MB),
                                   "limit": limits.max_bytes // SHARED_STRINGS_SHARE // MB})
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
            raise _fail(name, _(
                "%(part)s inside the spreadsheet unpacks to %(ratio)d times its stored size; "
                "real workbooks stay under %(limit)d (TENURE_IMPORT_MAX_RATIO). Refused as a "
                "possible zip bomb.") % {"part": entry.filename, "ratio": ratio,
                                         "limit": limits.max_ratio})


def _xlsx_batches(path: Path, name: str, limits: Limits) -> Iterator[pa.RecordBatch]:
    from openpyxl import load_workbook

    _check_workbook(path, name, limits)
    book = None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        header = list(next(sheet.iter_rows(max_row=1, values_only=True), ()))
        if len(header) > limits.max_columns:
            # A declared size wider than the cells: look at the cells themselves.
            while header and header[-1] is None:
                header.pop()
        rows = _Rows(_clean_headers(header, name, limits), name, limits)
        width = rows.width
        # One column more than the header, to see a row that runs past it; at most
        # max_rows + 1 data rows, to see a file that has too many.
        cells = sheet.iter_rows(min_row=2, max_row=limits.max_rows + 2, max_col=width + 1,
                                values_only=True)
        yield from _batches_of(rows, _sheet_records(cells, width))
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        problem = _("the spreadsheet cannot be read (%(error)s).") % {
            "error": str(exc) or type(exc).__name__}
        raise _fail(name, problem) from exc
    finally:
        if book is not None:
            book.close()


def _sheet_records(cells: Iterable[tuple], width: int
                   ) -> Iterator[tuple[int, list[str], str | None]]:
    for number, values in enumerate(cells, start=2):
        extra = None
        if len(values) > width and values[width] is not None:
            extra = (_("the row has values beyond the %(width)d columns of the header")
                     % {"width": width})
        yield number, [_cell_text(v) for v in values[:width]], extra


def _parquet_batches(path: Path, name: str, limits: Limits) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        meta = parquet.metadata
        if meta.num_rows > limits.max_rows:
            raise _too_many_rows(name, limits)
        if meta.num_columns > limits.max_columns:
            raise _too_many_columns(name, meta.num_columns, limits)
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if size > limits.max_bytes:
            raise _too_large(name, size, limits)
        schema = _schema(_clean_headers(parquet.schema_arrow.names, name, limits))
        yield _empty(schema)
        number = 2
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            rows = pa.array(range(number, number + batch.num_rows), pa.int64())
            number += batch.num_rows
            yield _batch(schema, [_parquet_strings(c) for c in batch.columns], rows)
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged footer or page surfaces as many pyarrow types
        problem = _("the Parquet file cannot be read (%(error)s).") % {
            "error": str(exc) or type(exc).__name__}
        raise _fail(name, problem) from exc


def _parquet_strings(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        # Parquet does not check that its text is UTF-8; a damaged page would fail later.
        column.validate(full=True)
        return column.fill_null("").cast(pa.string())
    try:
        encoded = column.dictionary_encode()
    except pa.ArrowNotImplementedError:  # nested types: each value's text
        return pa.array([_cell_text(v) for v in column.to_pylist()], type=pa.string())
    # Each distinct value turned into text once, then spread over the rows.
    texts = pa.array([_cell_text(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return texts.take(encoded.indices).fill_null("")
