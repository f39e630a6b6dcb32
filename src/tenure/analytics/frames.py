"""Canonical input tables: read a file or a frame, map its columns, parse, validate at the edge.

Every analysis starts here. A source (a CSV, XLSX or Parquet path, a pyarrow Table, a pandas
DataFrame or an Ibis table) becomes an Ibis table with the canonical column names and types
of the contract:

- **transactions**: ``customer_id`` (string), ``time`` (timestamp), ``amount`` (float64; a
  negative amount is a return), optional ``order_id``, ``margin`` (float64), ``channel``,
  ``store``, ``manager``, ``segment`` (strings);
- **customers**: ``customer_id`` and any attribute columns;
- **feedback**: ``customer_id``, ``time``, ``kind`` ('nps', 'csat', 'ces'), ``score`` (int).

Headers are recognised by the importer's synonyms (``tenure.analytics.columns``) unless
``columns`` maps them. Text files are UTF-8 or Windows-1251, separated by ``,`` ``;`` tab or
runs of spaces (CDNOW); amounts may use decimal commas; dates follow the importer's grammar,
``tenure.analytics.dates`` (ISO, ``dd.mm.yyyy``, ``dd/mm/yyyy``, ``yyyymmdd``). Values that
do not parse raise ``InputError`` with their count and an example: nothing is dropped
silently. Parquet stays lazy (DuckDB reads it where it lies); text and spreadsheets are
parsed once into a temporary DuckDB table.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from . import columns as synonyms
from . import dates, periods
from .exceptions import InputError
from .periods import PERIODS as PERIODS  # re-exported: readers of frames.PERIODS
from .periods import check_period
from .textfiles import (
    LEGACY_ENCODINGS,
    PARQUET_MAGIC,
    XLSX_MAGIC,
    sniff_delimiter,
    unique_headers,
)

_DELIMITER_NAMES = {"\t": "tabs", ";": "semicolons", ",": "commas"}


@dataclass(frozen=True)
class _Spec:
    """What a canonical table needs: its synonyms, required columns and column types."""

    kind: str
    synonyms: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    types: Mapping[str, str]  # column -> "string" | "time" | "float" | "int" | "date"
    keep_unmapped: bool = False


TRANSACTIONS = _Spec(
    "transactions", synonyms.TRANSACTIONS, ("customer_id", "time", "amount"),
    {"customer_id": "string", "time": "time", "amount": "float", "order_id": "string",
     "margin": "float", "channel": "string", "store": "string", "manager": "string",
     "segment": "string"},
)
CUSTOMERS = _Spec(
    "customers", synonyms.CUSTOMERS, ("customer_id",),
    {"customer_id": "string", "birth_date": "date", "acquired_on": "date",
     "referred_by": "string", "manager": "string", "acquisition_channel": "string"},
    keep_unmapped=True,
)
FEEDBACK = _Spec(
    "feedback", synonyms.FEEDBACK, ("customer_id", "time", "kind", "score"),
    {"customer_id": "string", "time": "time", "kind": "string", "score": "int"},
)


def transactions(source: Any, *, con: Any = None,
                 columns: Mapping[str, str] | Sequence[str | None] | None = None) -> ir.Table:
    """Return the canonical transactions table of ``source``.

    Parameters
    ----------
    source : str, Path, pyarrow.Table, pandas.DataFrame or ibis.Table
        A CSV/TXT, XLSX or Parquet file, or a table already in memory or in an engine.
    con : ibis DuckDB backend, optional
        The connection that reads files and holds the parsed table (a new in-memory DuckDB
        connection when omitted).
    columns : dict or list, optional
        ``{header: canonical name}`` overriding the automatic mapping by header synonyms
        (a header mapped to ``""`` or ``None`` is ignored); or, for a text file without a
        header line, the canonical name of each column in order (``None`` skips one).

    Returns
    -------
    ibis.Table
        ``customer_id``, ``time``, ``amount`` and the optional canonical columns present.

    Raises
    ------
    InputError
        A required column is missing, or values do not parse (the message names the file,
        the columns found, the count of bad values and an example).

    Examples
    --------
    >>> tx = transactions("CDNOW_master.txt", con=ibis.duckdb.connect())  # doctest: +SKIP
    """
    return _canonical(source, TRANSACTIONS, con, columns)


def customers(source: Any, *, con: Any = None,
              columns: Mapping[str, str] | Sequence[str | None] | None = None) -> ir.Table:
    """Return the canonical customers table: ``customer_id`` and every attribute column.

    Recognised attributes get their canonical names (``city``, ``gender``, ``birth_date``,
    ``acquisition_channel``, ``acquired_on``, ``referred_by``, ``manager``...); other columns
    are kept under their own names. Dates that do not parse become null with a warning.
    Parameters as in `transactions`.
    """
    return _canonical(source, CUSTOMERS, con, columns)


def feedback(source: Any, *, con: Any = None,
             columns: Mapping[str, str] | Sequence[str | None] | None = None) -> ir.Table:
    """Return the canonical feedback table: ``customer_id``, ``time``, ``kind``, ``score``.

    ``kind`` is lower-cased ('nps', 'csat', 'ces'); ``score`` is an integer.
    Parameters as in `transactions`.
    """
    table = _canonical(source, FEEDBACK, con, columns)
    return table.mutate(kind=table.kind.strip().lower())


def as_transactions(tx: Any) -> ir.Table:
    """Return ``tx`` when it is an Ibis table, else its canonical transactions table.

    Lets the metric functions take a pandas or Arrow frame as well (read into a new
    in-memory DuckDB connection); an Ibis table is trusted to be canonical already.
    """
    return tx if isinstance(tx, ir.Table) else transactions(tx)


def to_frame(table: ir.Table) -> pd.DataFrame:
    """Run ``table`` and return the result as a pandas DataFrame, through Arrow.

    Ibis' own ``to_pandas`` turns every column holding a null into a list of Python objects
    first, seconds on a million rows; Arrow converts whole columns. Dates come back as
    ``datetime64[s]``, as Ibis gives them; text as Python strings.
    """
    return arrow_to_frame(table.to_pyarrow())


def arrow_to_frame(arrow: pa.Table) -> pd.DataFrame:
    """Return a query's Arrow result as `to_frame` does."""
    frame = arrow.to_pandas(date_as_object=False)
    for name, kind in zip(arrow.schema.names, arrow.schema.types, strict=True):
        if pa.types.is_date(kind):
            frame[name] = frame[name].astype("datetime64[s]")
    return frame


#: Numbers (amounts, margins) at or above this size are refused as typing errors.
MAX_NUMBER = 1e12
#: Money is summed as decimals of this many places: exact, so every run gives the same
#: sums to the last bit (a float sum depends on the order the engine's threads add in).
MONEY_PLACES = 6
#: One amount (below `MAX_NUMBER`) as a decimal: 18 digits, the engine's 64-bit kind.
MONEY_TYPE = f"decimal(18, {MONEY_PLACES})"
#: A sum of amounts, which may pass `MAX_NUMBER`: 38 digits.
TOTAL_TYPE = f"decimal(38, {MONEY_PLACES})"


def money_sum(values: ir.NumericValue, where: ir.BooleanValue | None = None, *,
              totals: bool = False) -> ir.FloatingValue:
    """Return the sum of an amount column, exact to `MONEY_PLACES`, as a float.

    The engine adds floats in whatever order its threads meet the rows, so a float sum
    moves in its last bits from run to run; customers whose revenue ties then change RFM
    score or ABC class between two runs on the same data. Amounts rounded to a millionth
    and summed as decimals are exact; on ten million rows they cost a tenth of a second.

    Parameters
    ----------
    values : numeric column
        Amounts (each below `MAX_NUMBER`, as `transactions` checks), or, with ``totals``,
        sums of amounts, which may be larger (summed as 38-digit decimals, which take
        twice the memory per group).
    where : boolean column, optional
        Sum only these rows.
    """
    exact = values.cast(TOTAL_TYPE if totals else MONEY_TYPE)
    total = exact.sum() if where is None else exact.sum(where=where)
    return total.cast("float64")


def period_start(time_col: ir.Value, period: str) -> ir.DateValue:
    """Return the first day of the ``period`` holding each time (weeks start on Monday).

    The calendar is `tenure.analytics.periods`; this spelling refuses days.

    Parameters
    ----------
    time_col : ibis timestamp or date column
    period : {"week", "month", "quarter", "year"}
    """
    check_period(period)
    return periods.period_start(time_col, period)


# -- sources ---------------------------------------------------------------------------------


def _canonical(source, spec: _Spec, con, columns) -> ir.Table:
    con = con if con is not None else ibis.duckdb.connect()
    raw, name, materialise = _raw_table(source, con, columns)
    try:
        mapping = _mapping(raw.columns, spec, columns, name)
        parsed, checks = _parse(raw, mapping, spec, from_text=materialise)
        _validate(raw, checks, spec, name)
        if materialise:
            return con.create_table(_temp_name(spec.kind), parsed, temp=True)
        return parsed
    finally:
        if materialise:
            con.drop_table(raw.get_name(), force=True)


def _raw_table(source, con, columns) -> tuple[ir.Table, str, bool]:
    """Return (table as found, its name for messages, whether it is a temporary raw table)."""
    if isinstance(source, ir.Table):
        return source, "the table", False
    if isinstance(source, str | os.PathLike):
        return _read_file(Path(source), con, columns)
    if isinstance(source, pa.Table):
        return ibis.memtable(source), "the Arrow table", False
    if isinstance(source, pd.DataFrame):
        return ibis.memtable(_in_microseconds(source)), "the data frame", False
    if type(source).__module__.startswith("polars"):
        return ibis.memtable(source), "the data frame", False
    raise InputError(
        f"cannot read {type(source).__name__}: give a path to a CSV, XLSX or Parquet file, "
        "a pyarrow Table, a pandas DataFrame or an Ibis table."
    )


def _in_microseconds(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with its nanosecond times cut to microseconds, the engine's step.

    Arrow refuses to drop the nanoseconds itself ("would lose data"); a billionth of a
    second is no reason to refuse a customer's purchase.
    """
    nanos = {c: str(t).replace("[ns", "[us") for c, t in frame.dtypes.items()
             if str(t).startswith("datetime64[ns")}
    return frame.astype(nanos) if nanos else frame


def _read_file(path: Path, con, columns) -> tuple[ir.Table, str, bool]:
    name = path.name
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError as exc:
        raise InputError(f"{name}: cannot open the file ({exc.strerror or exc}).") from exc
    if not head.strip():
        raise InputError(f"{name}: the file is empty.")
    if head.startswith(PARQUET_MAGIC):
        # A view over the file: DuckDB reads only the columns and row groups a query needs.
        return con.read_parquet(path, table_name=_temp_name("parquet")), name, False
    if head.startswith(XLSX_MAGIC):
        return _read_xlsx(path, con, columns), name, True
    return _read_text(path, head, con, columns), name, True


def _temp_name(kind: str) -> str:
    return f"tenure_{kind}_{uuid.uuid4().hex[:12]}"


def _header_names(columns) -> list[str] | None:
    """Return the column names of a headerless file when ``columns`` is a list."""
    if columns is None or isinstance(columns, Mapping):
        return None
    return [c or f"_skip{i}" for i, c in enumerate(columns)]


def _read_text(path: Path, head: bytes, con, columns) -> ir.Table:
    encoding = _encoding(head, path.name)
    first_line = _first_line(head.decode(encoding, errors="replace"))
    delimiter = sniff_delimiter(first_line)
    names = _header_names(columns)
    if names is None and _looks_like_values(first_line, delimiter):
        raise InputError(
            f"{path.name}: the first line holds values ({first_line.strip()[:80]}), not column "
            "names: add a header line, or pass columns=[...] naming each column in order."
        )
    if encoding == "utf-8" and delimiter is not None:
        try:
            return _duckdb_csv(con, path, delimiter, names, path.name)
        except _NotUtf8:  # bytes that are not UTF-8 further down than the first block
            encoding = _encoding(path.read_bytes(), path.name, utf8=False)
    # DuckDB reads UTF-8 only and splits on one character: other encodings and runs of
    # spaces are rewritten once into a temporary tab-separated UTF-8 file.
    with tempfile.TemporaryDirectory(prefix="tenure-") as tmp:
        target = Path(tmp) / "data.tsv"
        _transcode(path, target, encoding, whitespace=delimiter is None)
        return _duckdb_csv(con, target, "\t" if delimiter is None else delimiter, names,
                           path.name)


class _NotUtf8(Exception):
    """DuckDB met bytes that are not UTF-8: the file is transcoded and read again."""


def _duckdb_csv(con, path: Path, delimiter: str, names, name: str) -> ir.Table:
    """Read every cell as text into a temporary DuckDB table (parsing is ours, not sniffed).

    The header is read here and the columns are given to DuckDB: no dialect sniffing, and a
    row with more values than the header is an error naming its line, not a silent column.
    """
    table = _temp_name("raw")
    header = names is None
    if header:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            names = unique_headers(next(csv.reader(handle, delimiter=delimiter), []))
    columns = "{" + ", ".join(f"{_sql_literal(n)}: 'VARCHAR'" for n in names) + "}"
    options = {
        "delim": delimiter, "header": header, "quote": '"', "escape": '"',
        "null_padding": True, "auto_detect": False, "encoding": "utf-8",
    }
    args = ", ".join(f"{k} := {_sql_literal(v)}" for k, v in options.items())
    try:
        con.raw_sql(f"CREATE TEMP TABLE {table} AS SELECT * FROM "
                    f"read_csv({_sql_literal(str(path))}, {args}, columns := {columns})")
    except duckdb.Error as exc:
        if "unicode" in str(exc).lower():
            raise _NotUtf8 from exc
        problem = " ".join(str(exc).split("\n")[:3])
        raise InputError(f"{name}: cannot read the file as text separated by "
                         f"{_DELIMITER_NAMES[delimiter]}: {problem}") from exc
    return con.table(table)


def _sql_literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_sql_literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def _encoding(data: bytes, name: str, utf8: bool = True) -> str:
    """Return the encoding of ``data``: UTF-8 when it decodes, else a legacy code page."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if utf8:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
            return "utf-8"
        except UnicodeDecodeError:
            pass
    # Only the lines with non-ASCII bytes tell code pages apart.
    sample = b"\n".join(re.findall(rb"[^\n]*[\x80-\xff][^\n]*", data))[:200_000]
    if _mostly_cyrillic(sample.decode("cp1251")):
        return "cp1251"  # 1C/BAS and Excel exports: also when a few words only are Cyrillic
    import charset_normalizer

    match = charset_normalizer.from_bytes(sample, cp_isolation=LEGACY_ENCODINGS).best()
    if match is None:
        raise InputError(f"{name}: the file is not text in a known encoding "
                         "(UTF-8 or Windows-1251).")
    return match.encoding


def _mostly_cyrillic(text: str) -> bool:
    letters = [ch for ch in text if ord(ch) > 127]
    cyrillic = sum(1 for ch in letters if "\u0400" <= ch <= "\u04ff")
    return bool(letters) and cyrillic >= 0.8 * len(letters)


def _first_line(text: str) -> str:
    return text.lstrip("\ufeff\r\n").split("\n", 1)[0].rstrip("\r")


def _looks_like_values(line: str, delimiter: str | None) -> bool:
    cells = [c.strip().strip('"') for c in (line.split(delimiter) if delimiter else line.split())]
    cells = [c for c in cells if c]
    return bool(cells) and all(re.fullmatch(r"[-+\d\s.,:/]+", c) for c in cells)


def _transcode(source: Path, target: Path, encoding: str, *, whitespace: bool) -> None:
    with source.open(encoding=encoding, errors="replace", newline="") as src, \
            target.open("w", encoding="utf-8", newline="") as dst:
        if not whitespace:
            while chunk := src.read(1 << 22):
                dst.write(chunk)
            return
        for line in src:
            cells = line.split()
            if cells:
                dst.write("\t".join(cells) + "\n")


def _read_xlsx(path: Path, con, columns) -> ir.Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputError(f"{path.name}: the spreadsheet cannot be read ({exc}).") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        names = _header_names(columns)
        headers = names or [str(h).strip() if h is not None else "" for h in next(rows, ())]
        headers = [h or f"column {i + 1}" for i, h in enumerate(headers)]
        cells: list[list[str | None]] = [[] for _ in headers]
        for row in rows:
            if all(v is None or str(v).strip() == "" for v in row):
                continue
            for column, value in zip(cells, (*row, *[None] * len(headers)), strict=False):
                column.append(_cell_text(value))
    finally:
        book.close()
    arrow = pa.table({h: pa.array(c, type=pa.string()) for h, c in zip(headers, cells,
                                                                            strict=True)})
    return con.create_table(_temp_name("raw"), arrow, temp=True)


def _cell_text(value) -> str | None:
    """Return a spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- mapping, parsing, validation ------------------------------------------------------------


def _mapping(found: Sequence[str], spec: _Spec, columns, name: str) -> dict[str, str]:
    """Return {column found: canonical name}; raise InputError when a required one is missing."""
    if columns is None or not isinstance(columns, Mapping):
        mapping = synonyms.auto_mapping(dict(spec.synonyms), list(found))
        if columns is not None:  # headerless: the names given are canonical already
            mapping = {c: c for c in found if c in spec.synonyms}
    else:
        mapping = _explicit_mapping(found, spec, columns, name)
    missing = [c for c in spec.required if c not in mapping.values()]
    if missing:
        optional = [c for c in spec.synonyms if c not in spec.required]
        raise InputError(
            f"{name}: no column for {', '.join(missing)}. The columns found are: "
            f"{', '.join(found)}. The canonical names expected are: "
            f"{', '.join(spec.required)} (optional: {', '.join(optional)}). Rename the "
            "columns or map them, e.g. columns={'Header': '" + missing[0] + "'}."
        )
    return mapping


def _explicit_mapping(found, spec: _Spec, columns: Mapping[str, str], name: str):
    mapping = synonyms.auto_mapping(dict(spec.synonyms), list(found))
    by_normal = {synonyms.normalize_header(f): f for f in found}
    for header, canonical in columns.items():
        column = header if header in found else by_normal.get(synonyms.normalize_header(header))
        if column is None:
            raise InputError(f"{name}: there is no column {header!r}; the columns found are: "
                             f"{', '.join(found)}.")
        if canonical and canonical not in spec.synonyms and not spec.keep_unmapped:
            raise InputError(f"{canonical!r} is not a column of {spec.kind}; the canonical "
                             f"names are: {', '.join(spec.synonyms)}.")
        mapping = {c: f for c, f in mapping.items() if c != column and f != canonical}
        if canonical:
            mapping[column] = canonical
    return mapping


def _parse(raw: ir.Table, mapping: dict[str, str], spec: _Spec, *, from_text: bool):
    """Return (canonical table, {column: (raw value, parsed value)} to validate)."""
    values, checks = {}, {}
    for column, canonical in mapping.items():
        kind = spec.types.get(canonical, "string")
        value = _convert(raw[column], kind, from_text)
        values[canonical] = value
        checks[canonical] = (raw[column], value)
    order = [c for c in spec.synonyms if c in values]
    if spec.keep_unmapped:
        taken = set(values)
        for column in raw.columns:
            if column not in mapping and column not in taken and not column.startswith("_skip"):
                values[column] = raw[column]
                order.append(column)
    return raw.select(**{c: values[c] for c in order}), checks


def _convert(col: ir.Value, kind: str, from_text: bool) -> ir.Value:
    dtype = col.type()
    if kind == "string" and dtype.is_string() and not from_text:
        # A typed source (Parquet, a frame) stays as it is: every later query would pay
        # for trimming ten million ids again.
        return col
    if kind == "string":
        if dtype.is_floating():
            # A spreadsheet or pandas turns ids into floats (1.0): keep "1".
            col = col.cast("int64")
        text = col.cast("string").strip()
        return text.nullif("")
    if kind in ("time", "date"):
        value = _to_time(col)
        return value.cast("date") if kind == "date" else value
    if kind == "float":
        return col.cast("float64") if dtype.is_numeric() else _to_float(col.cast("string"))
    if kind == "int":
        if dtype.is_numeric():
            return col.cast("int64")
        return _to_float(col.cast("string")).round().cast("int64")
    raise AssertionError(kind)


def _to_time(col: ir.Value) -> ir.TimestampValue:
    dtype = col.type()
    if dtype.is_timestamp() or dtype.is_date():
        return col.cast("timestamp")
    if dtype.is_integer():  # 19970101
        col = col.cast("string")
    return dates.time_expression(col.cast("string"))


def _to_float(text: ir.StringValue) -> ir.FloatingValue:
    """Parse "1 234,56", "1.234,56", "1,234.56" and "-12.5" alike (the last separator is the
    decimal one when both appear)."""
    text = text.strip().re_replace("[\\s\u00a0'’]", "")
    comma_last = text.re_search(r",\d*$") & text.contains(".")
    text = ibis.ifelse(
        comma_last, text.replace(".", "").replace(",", "."),
        ibis.ifelse(text.contains("."), text.replace(",", ""), text.replace(",", ".")),
    )
    return text.try_cast("float64")


def _validate(raw: ir.Table, checks, spec: _Spec, name: str) -> None:
    """Raise InputError for missing required values and for values that do not parse."""
    metrics = {"rows": raw.count()}
    examples: dict[str, Any] = {}
    for canonical, (source, value) in checks.items():
        kind = spec.types.get(canonical, "string")
        if kind == "string":  # text never fails to parse as text: only blanks matter
            if canonical in spec.required:
                metrics[f"blank__{canonical}"] = (value.isnull() | (value == "")).sum()
            continue
        blank = source.isnull()
        if source.type().is_string():
            blank = blank | (source.strip() == "")
        if canonical in spec.required:
            metrics[f"blank__{canonical}"] = blank.sum()
        if not source.type().equals(value.type()) or source.type().is_string():
            bad = ~blank & value.isnull()
            metrics[f"bad__{canonical}"] = bad.sum()
            examples[f"example__{canonical}"] = source.cast("string").min(where=bad)
        if kind == "float":
            # Infinite or astronomically large numbers are typing errors, and money sums
            # them as decimals (`money_sum`), which would overflow.
            wild = value.notnull() & (value.isnan() | value.isinf()
                                      | (value.abs() >= MAX_NUMBER))
            metrics[f"wild__{canonical}"] = wild.sum()
            examples[f"outlier__{canonical}"] = value.max(where=wild)
    counts = raw.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    wanted = {k: v for k, v in examples.items()
              if counts[k.replace("example", "bad", 1).replace("outlier", "wild", 1)]}
    if wanted:
        # Only when something failed: the example casts every value to text (a second
        # of a scan on ten million times).
        counts.update(raw.aggregate(**wanted).to_pyarrow().to_pylist()[0])
    rows, problems = counts["rows"], []
    for canonical in checks:
        bad, example = counts.get(f"bad__{canonical}") or 0, counts.get(f"example__{canonical}")
        if bad and (canonical in spec.required or spec.kind != "customers"):
            hint = _HINTS[spec.types.get(canonical, "string")]
            problems.append(f"{bad} of {rows} values of {canonical} cannot be read, e.g. "
                            f"{example!r}. {hint}".rstrip())
        elif bad:
            warnings.warn(f"{name}: {bad} of {rows} values of {canonical} cannot be read "
                          f"(e.g. {example!r}); they are left empty.", stacklevel=4)
        wild = counts.get(f"wild__{canonical}") or 0
        if wild:
            problems.append(f"{wild} of {rows} values of {canonical} are not finite or not "
                            f"below {MAX_NUMBER:.0e} in size, e.g. "
                            f"{counts.get(f'outlier__{canonical}')!r}.")
        blank = counts.get(f"blank__{canonical}") or 0
        if blank:
            problems.append(f"{blank} of {rows} rows have no {canonical}; every row needs "
                            f"{', '.join(spec.required)}.")
    if problems:
        raise InputError(f"{name}: " + " ".join(problems))


_HINTS = {
    "time": dates.HINT,
    "date": dates.HINT,
    "float": "Amounts must be numbers (1234.56 or 1234,56).",
    "int": "Scores must be whole numbers.",
    "string": "",
}
