"""Read a CSV, XLSX or Parquet file into a table of strings with spreadsheet row numbers.

Every cell comes back as text, exactly as the file wrote it: parsing values is
the next step's job (``parsing``), so one set of rules serves every format.
Row numbers are the ones a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import charset_normalizer
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.utils.translation import gettext as _

from tenure.analytics.textfiles import (
    LEGACY_ENCODINGS,
    PARQUET_MAGIC,
    XLSX_MAGIC,
    sniff_delimiter,
    unique_headers,
)


class ImportFileError(Exception):
    """The file cannot be imported at all; the message names the file and the problem."""


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


def read_table(path: Path | str, name: str | None = None) -> SourceTable:
    """Return the table in the file at ``path``; raise ImportFileError when unreadable."""
    path = Path(path)
    name = name or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(
            _("%(name)s: cannot open the file (%(error)s).")
            % {"name": name, "error": exc.strerror or exc}
        ) from exc
    if not data.strip():
        raise ImportFileError(_("%(name)s: the file is empty.") % {"name": name})
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, name)
    if data.startswith(PARQUET_MAGIC):
        return _read_parquet(data, name)
    return _read_text(_decode(data, name), name)


def _fail(name: str, problem: str) -> ImportFileError:
    return ImportFileError(f"{name}: {problem}")


# -- text files ------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    """Return the text of ``data``: UTF-8 (with or without BOM), else a detected code page."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        match = charset_normalizer.from_bytes(data[:200_000], cp_isolation=LEGACY_ENCODINGS).best()
        if match is None:
            problem = _("the file is not text in a known encoding (UTF-8 or Windows-1251).")
            raise _fail(name, problem) from None
        text = data.decode(match.encoding, errors="replace")
    if "\x00" in text or _looks_binary(text):
        raise _fail(name, _("the file is not a CSV, XLSX or Parquet file."))
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:10_000]
    control = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    return control > len(sample) / 100


def _read_text(text: str, name: str) -> SourceTable:
    first_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    delimiter = sniff_delimiter(first_line)
    if delimiter is None:
        return _read_whitespace(text, name)
    if delimiter not in first_line:
        # One column: blank lines would read as empty rows in the fast reader.
        return _read_csv_careful(text, name, delimiter)
    try:
        return _read_csv_fast(text, name, delimiter)
    except pa.ArrowInvalid:
        # Rows with a wrong number of values or blank lines: the careful reader keeps
        # the spreadsheet row numbers right and reports those rows instead.
        return _read_csv_careful(text, name, delimiter)


def _read_csv_fast(text: str, name: str, delimiter: str) -> SourceTable:
    body = text.lstrip("\r\n")
    headers = _clean_headers(next(csv.reader(io.StringIO(body), delimiter=delimiter)), name)
    names = [f"c{i}" for i in range(len(headers))]

    def refuse(row):
        raise pa.ArrowInvalid("row with a wrong number of values")

    table = pa_csv.read_csv(
        pa.BufferReader(body.encode("utf-8")),
        read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
            invalid_row_handler=refuse,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False, quoted_strings_can_be_null=False,
        ),
    )
    rows = pa.array(range(2, table.num_rows + 2), type=pa.int64())
    return SourceTable(name, headers, list(table.columns), rows)


def _read_csv_careful(text: str, name: str, delimiter: str) -> SourceTable:
    records = csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=delimiter)
    return _from_records(records, name)


def _read_whitespace(text: str, name: str) -> SourceTable:
    return _from_records((line.split() for line in text.lstrip("\r\n").splitlines()), name)


def _from_records(records, name: str) -> SourceTable:
    """Return a table from an iterator of lists of strings (the first is the header)."""
    records = iter(records)
    headers = _clean_headers(next(records, []), name)
    width = len(headers)
    cells: list[list[str]] = [[] for _ in headers]
    numbers, bad = [], []
    for number, record in enumerate(records, start=2):
        if not any(value.strip() for value in record):
            continue
        if len(record) > width:
            bad.append((number, _("the row has %(count)d values, the header has %(width)d")
                        % {"count": len(record), "width": width}))
            continue
        record = record + [""] * (width - len(record))
        for column, value in zip(cells, record, strict=True):
            column.append(value)
        numbers.append(number)
    columns = [pa.chunked_array([pa.array(c, type=pa.string())]) for c in cells]
    return SourceTable(name, headers, columns, pa.array(numbers, type=pa.int64()), bad)


def _clean_headers(headers: list, name: str) -> list[str]:
    headers = ["" if h is None else str(h).strip() for h in headers]
    if not any(headers):
        raise _fail(name, _("the first line holds no column names."))
    if all(_looks_like_data(h) for h in headers if h):
        raise _fail(name, _("the first line holds values (%(line)s), not column names: "
                            "add a header line.") % {"line": ", ".join(headers)})
    return unique_headers(headers)


def _looks_like_data(text: str) -> bool:
    return bool(re.fullmatch(r"[-+\d\s.,:/]+", text)) and any(ch.isdigit() for ch in text)


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


def _read_xlsx(data: bytes, name: str) -> SourceTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        problem = _("the spreadsheet cannot be read (%(error)s).") % {"error": exc}
        raise _fail(name, problem) from exc
    try:
        sheet = book.worksheets[0]
        rows = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
        return _from_records(rows, name)
    finally:
        book.close()


def _read_parquet(data: bytes, name: str) -> SourceTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        problem = _("the Parquet file cannot be read (%(error)s).") % {"error": exc}
        raise _fail(name, problem) from exc
    columns = [_parquet_strings(table.column(i)) for i in range(table.num_columns)]
    rows = pa.array(range(2, table.num_rows + 2), type=pa.int64())
    return SourceTable(name, _clean_headers(table.column_names, name), columns, rows)


def _parquet_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.fill_null("").cast(pa.string())
    distinct = column.unique().to_pylist()
    texts = {value: _cell_text(value) for value in distinct}
    return pa.chunked_array([pa.array([texts[v] for v in column.to_pylist()], type=pa.string())])
