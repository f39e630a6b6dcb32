"""Export a customer list, every row matching its filters, as CSV or Excel.

The writers take the header and the row function, so another list of customers (the
at-risk list) exports through the same code: formulas neutralised, rows streamed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from decimal import Decimal

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tenure.analytics.textfiles import neutralise

from . import segments
from .models import Customer

FORMATS = ("csv", "xlsx")
CHUNK = 2000
CENT = Decimal("0.01")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


COLUMNS = ["external_id", "name", "email", "phone", "city", "manager__first_name",
           "manager__last_name", "manager__username", "orders_count", "revenue",
           "last_purchase", "segment"]


def export_rows(customers: QuerySet, ordering: list) -> QuerySet:
    """Return the exported fields of ``customers`` as tuples, in ``ordering``."""
    latest = segments.snapshots().latest_date()
    segment = segments.snapshots().filter(customer=OuterRef("pk"), taken_on=latest)
    return (
        customers.with_order_stats("orders_count", "revenue", "last_purchase")
        .annotate(segment=Subquery(segment.values("segment")[:1]))
        .order_by(*ordering).values_list(*COLUMNS)
    )


def header() -> list[str]:
    return [_("External id"), _("Name"), _("Email"), _("Phone"), _("City"), _("Manager"),
            _("Orders"), _("Revenue"), _("Last purchase"), _("Segment")]


def values(row: tuple) -> list:
    """Return one customer's exported cells (numbers and dates typed, not formatted)."""
    (external_id, name, email, phone, city, first_name, last_name, username, orders,
     revenue, last, segment) = row
    # As User.get_full_name() and the list page show a manager.
    manager = f"{first_name or ''} {last_name or ''}".strip() or username or ""
    return [
        external_id, name, email, phone, city, manager, orders,
        Decimal(revenue).quantize(CENT), timezone.localdate(last) if last else None,
        segment_label(segment),
    ]


def segment_label(key: str | None) -> str:
    """Return the segment's name (a segment of a custom grid keeps its key)."""
    return segments.label(key)


def filename(extension: str, name: str = "customers") -> str:
    return f"{name}-{timezone.localdate().isoformat()}.{extension}"


def csv_response(rows: QuerySet, *, header: Callable[[], list[str]] = header,
                 values: Callable[[object], list] = values,
                 name: str = "customers") -> StreamingHttpResponse:
    """Stream the rows as UTF-8 CSV (with a BOM, so spreadsheet programs read it as UTF-8)."""
    response = StreamingHttpResponse(_csv_lines(rows, header, values),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename("csv", name)}"'
    return response


def _csv_lines(rows: QuerySet, header: Callable[[], list[str]],
               values: Callable[[object], list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow(header())
    for customer in rows.iterator(chunk_size=CHUNK):
        writer.writerow(["" if v is None else neutralise(v) for v in values(customer)])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_response(rows: QuerySet, *, header: Callable[[], list[str]] = header,
                  values: Callable[[object], list] = values, name: str = "customers",
                  sheet_name: str | None = None) -> HttpResponse:
    """Return the rows as an Excel workbook, written row by row (openpyxl write-only)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name or _("Customers"))
    sheet.append([_xlsx_cell(sheet, v) for v in header()])
    for customer in rows.iterator(chunk_size=CHUNK):
        sheet.append([_xlsx_cell(sheet, v) for v in values(customer)])
    content = io.BytesIO()
    book.save(content)
    response = HttpResponse(content.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename("xlsx", name)}"'
    return response


def _xlsx_cell(sheet, value):
    """Return ``value`` as a workbook cell: text always a text cell, never a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet)
    # Control characters a workbook cannot hold would make openpyxl refuse the whole file.
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
    # openpyxl turns text that starts with "=" into a formula; say what the cell is.
    cell.data_type = "s"
    return cell


def log_list_export(customers, file_format: str, query, *,
                    what: str = "customer list") -> LogEntry:
    """Record an export of a customer list in the audit log: its format, size and filters.

    An access entry like the ones privacy writes for a page view, so its audit page lists it.
    """
    filters = {key: query.getlist(key) for key in query if key not in ("format", "page")}
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Customer), object_pk="",
        object_repr=what, action=LogEntry.Action.ACCESS, cid=get_cid(),
        additional_data={"access": "export", "format": file_format,
                         "rows": customers.count(), "filters": filters},
    )
