"""Export a list page as CSV or Excel: every row its filters select, in the user's locale.

Every list export of the CRM writes through here (customers, at risk, orders, complaints),
so each keeps the same promises:

- **No cell is a formula.** Text starting with ``=``, ``+``, ``-`` or ``@`` gets an
  apostrophe in front (``neutralise``), and in Excel text is always a text cell.
- **CSV as Excel in the user's language opens it.** Where the language writes a decimal
  comma (ru, uk), Excel splits fields at ";": the file uses ";" and writes numbers with
  a decimal comma; elsewhere (en) "," and ".". No thousands separators, so numbers read
  back exactly. UTF-8 with a BOM, so Excel detects the encoding. Dates are ISO
  (``2026-03-02``; times ``2026-03-02 14:05`` in the shop's time zone): Excel reads them
  as dates in every locale, and a program or another office reads the same date. Shares
  (risks, probabilities) are fractions: ``0,25`` is 25 %.
- **Excel as a table.** A bold header of translated titles, frozen, with a filter over the
  data; columns as wide as their title and first rows; numbers, money (2 decimals), shares
  (as %) and dates as typed cells with formats. Dates use Excel's built-in short date
  format, which Excel shows the way the reader's locale writes dates.
- **Streamed.** Rows are read from the database in chunks; CSV goes out as it is written;
  Excel is written row by row (openpyxl write-only) into a temporary file sent in blocks.

Who may export a list: whoever may see it, with the page's own queryset (a sales manager
their own customers' rows). Seeing the list is the right to it: there is no separate
export permission (privacy's ``export_personal_data`` is the export of everything held
about one person). Each export is an entry in the audit log, and a filter the page refuses
refuses the export too, so it never widens to the whole list.
"""

from __future__ import annotations

import csv
import enum
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, islice
from typing import TYPE_CHECKING

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from tenure.analytics.textfiles import neutralise

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell

FORMATS = ("csv", "xlsx")
CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CENT = Decimal("0.01")
SHARE_DIGITS = Decimal("0.0001")
# Column widths fit the title and this many first rows (the rest are not read twice).
WIDTH_SAMPLE = 500
MAX_WIDTH = 60
# The filter button covers the end of a header cell.
FILTER_BUTTON = 3
# Built-in formats 14 and 22: Excel shows them as the reader's locale writes dates.
DATE_FORMAT = "mm-dd-yy"
DATETIME_FORMAT = "m/d/yy h:mm"
# The control characters a workbook cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): openpyxl
# would refuse the whole file.
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


class Kind(enum.Enum):
    """What a column holds, which decides how each format writes it."""

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    SHARE = "share"  # a fraction 0-1 shown as a percentage
    DATE = "date"
    DATETIME = "datetime"
    YES_NO = "yes_no"


# How many characters Excel shows for a share ("100.0%") and a date or time (at most).
SHOWN_LENGTHS = {Kind.SHARE: 6, Kind.DATE: 10, Kind.DATETIME: 16}
NUMBER_FORMATS = {Kind.INTEGER: "0", Kind.MONEY: "#,##0.00", Kind.SHARE: "0.0%",
                  Kind.DATE: DATE_FORMAT, Kind.DATETIME: DATETIME_FORMAT}


@dataclass(frozen=True)
class Column:
    """One exported column: its title (translated when written) and what it holds."""

    title: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Table:
    """One list's export: file name, sheet title, columns and the rows' cells.

    ``rows`` is read once, lazily, in the request's language: a generator of one
    sequence of cells per row, in the order of ``columns``.
    """

    name: str
    sheet: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def requested_format(request) -> str | None:
    """Return the export format the list page was asked for ("csv", "xlsx"), or None."""
    kind = request.GET.get("format")
    return kind if kind in FORMATS else None


def chunks(queryset: QuerySet, size: int = CHUNK) -> Iterator[list]:
    """Yield the rows of ``queryset`` in lists of ``size``, reading ``size`` at a time."""
    rows = queryset.iterator(chunk_size=size)
    while chunk := list(islice(rows, size)):
        yield chunk


def cells(queryset: QuerySet, values: Callable[[object], Sequence]) -> Iterator[Sequence]:
    """Yield ``values(row)`` for each row of ``queryset``, read in chunks."""
    for row in queryset.iterator(chunk_size=CHUNK):
        yield values(row)


def response(kind: str, table: Table) -> StreamingHttpResponse:
    """Return ``table`` as a ``kind`` ("csv" or "xlsx") download."""
    return csv_response(table) if kind == "csv" else xlsx_response(table)


def filename(name: str, extension: str) -> str:
    return f"{name}-{timezone.localdate().isoformat()}.{extension}"


# --- CSV ---------------------------------------------------------------------------------

def csv_response(table: Table) -> StreamingHttpResponse:
    """Stream ``table`` as CSV in the conventions of the active language."""
    lines = _csv_lines(table, translation.get_language(), timezone.get_current_timezone())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(table.name, "csv")}"'
    return response


def csv_convention(language: str | None) -> tuple[str, str]:
    """Return the field separator and decimal separator of ``language``'s spreadsheets."""
    decimal = formats.get_format("DECIMAL_SEPARATOR", lang=language, use_l10n=True)
    # Excel uses ";" between fields wherever the comma is the decimal separator.
    return (";", ",") if decimal == "," else (",", ".")


@contextmanager
def _as_requested(language: str | None, zone):
    # The response is written after the view returned: keep the request's language and
    # time zone while the rows are read, whatever the thread does in between.
    with translation.override(language), timezone.override(zone):
        yield


def _csv_lines(table: Table, language: str | None, zone) -> Iterator[str]:
    with _as_requested(language, zone):
        separator, decimal = csv_convention(language)
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=separator)
        yield "\ufeff"
        writer.writerow([neutralise(str(column.title)) for column in table.columns])
        kinds = [column.kind for column in table.columns]
        for row in table.rows:
            writer.writerow([csv_text(v, kind, decimal) for v, kind in zip(row, kinds,
                                                                            strict=True)])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def csv_text(value, kind: Kind, decimal: str = ".") -> str:
    """Return one cell as CSV text: numbers with ``decimal``, dates ISO, text neutralised."""
    if value is None:
        return ""
    if kind is Kind.MONEY:
        return str(_decimal(value, CENT)).replace(".", decimal)
    if kind is Kind.SHARE:
        return str(_decimal(value, SHARE_DIGITS)).replace(".", decimal)
    if kind is Kind.INTEGER:
        return str(int(value))
    if kind is Kind.DATETIME:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if kind is Kind.DATE:
        return value.isoformat()
    if kind is Kind.YES_NO:
        return _("yes") if value else _("no")
    return neutralise(str(value))


def _decimal(value, places: Decimal) -> Decimal:
    # A float goes through its shortest text: Decimal(0.1) would carry the binary error.
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return number.quantize(places, rounding=ROUND_HALF_UP)


# --- Excel -------------------------------------------------------------------------------

def xlsx_response(table: Table) -> FileResponse:
    """Return ``table`` as an Excel workbook, written row by row and sent from a file."""
    # openpyxl takes a third of a second to import: it is loaded by the first workbook
    # asked for, not by the first page of a list that offers one.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    # A sheet title may not hold []:*?/\ and is at most 31 characters.
    sheet = book.create_sheet(str(table.sheet).translate(str.maketrans("", "", "[]:*?/\\"))[:31])
    rows = iter(table.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    for number, width in enumerate(_widths(table.columns, sample), 1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    # The view and the widths go before the first row: a write-only sheet writes in order.
    sheet.freeze_panes = "A2"
    header = [_text_cell(WriteOnlyCell(sheet), str(column.title)) for column in table.columns]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    # One styled cell per column, given each row's value: a row is written out before the
    # next is given, and a new cell per value doubled the time of a large export.
    cells = [WriteOnlyCell(sheet) for _column in table.columns]
    for cell, column in zip(cells, table.columns, strict=True):
        cell.number_format = NUMBER_FORMATS.get(column.kind, "General")
    count = 0
    for row in chain(sample, rows):
        sheet.append([_xlsx_cell(cell, v, column.kind)
                      for cell, v, column in zip(cells, row, table.columns, strict=True)])
        count += 1
    # The filter comes after the rows in the file, so its range can count them.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{count + 1}"
    content = tempfile.TemporaryFile()
    book.save(content)
    content.seek(0)
    return FileResponse(content, as_attachment=True, content_type=XLSX_TYPE,
                        filename=filename(table.name, "xlsx"))


def _xlsx_cell(cell: WriteOnlyCell, value, kind: Kind) -> WriteOnlyCell | None:
    """Return ``cell`` holding ``value`` typed (text never a formula), or None."""
    if value is None:
        return None
    if kind is Kind.TEXT or kind is Kind.YES_NO:
        return _text_cell(cell, csv_text(value, kind))
    if kind is Kind.MONEY:
        value = _decimal(value, CENT)
    elif kind is Kind.DATETIME:
        # Excel has no time zones: the shop's local time, as the page shows it.
        value = timezone.localtime(value).replace(tzinfo=None)
    cell.value = value
    return cell


def _text_cell(cell: WriteOnlyCell, text: str) -> WriteOnlyCell:
    cell.value = ILLEGAL_CHARACTERS.sub("", neutralise(text))
    # openpyxl turns text that starts with "=" into a formula; say what the cell is.
    cell.data_type = "s"
    return cell


def _widths(columns: Sequence[Column], sample: list[Sequence]) -> list[float]:
    """Return each column's width in characters: its title's or its widest sampled cell's."""
    widths = []
    for index, column in enumerate(columns):
        longest = len(str(column.title)) + FILTER_BUTTON
        for row in sample:
            longest = max(longest, _shown_length(row[index], column.kind))
        widths.append(min(longest + 1, MAX_WIDTH))
    return widths


def _shown_length(value, kind: Kind) -> int:
    """Return about how many characters Excel shows for ``value``."""
    if value is None:
        return 0
    if kind is Kind.MONEY:
        return len(f"{_decimal(value, CENT):,}")
    if kind in SHOWN_LENGTHS:
        return SHOWN_LENGTHS[kind]
    return max((len(line) for line in csv_text(value, kind).splitlines()), default=0)


# --- the audit log -----------------------------------------------------------------------

def log_list_export(rows: QuerySet, file_format: str, query, *, what: str) -> LogEntry:
    """Record an export of a list in the audit log: which list, its format, size and filters.

    An access entry like the ones privacy writes for a page view, so its audit page lists it;
    ``what`` names the list ("customer list", "order list") in words the audit page knows.
    """
    filters = {key: query.getlist(key) for key in query if key not in ("format", "page")}
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(rows.model), object_pk="",
        object_repr=what, action=LogEntry.Action.ACCESS, cid=get_cid(),
        additional_data={"access": "export", "format": file_format,
                         "rows": rows.count(), "filters": filters},
    )
