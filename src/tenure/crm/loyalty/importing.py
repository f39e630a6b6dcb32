"""Moving from another system: balances (or their history) read from a CSV file.

One row per customer and amount: ``customer`` (their number, ``SOURCE:EXTERNAL_ID``, or an
external id of ``source``), ``points`` (whole, non-zero: a debt is negative), and optionally
``reason`` and ``date`` (when the points were given; today when empty). Each row becomes an
adjustment in the ledger with the key ``import:<file digest>:<row>``, so importing the same
file again changes nothing. Every row is checked before any is written; the good ones are
written in one transaction and each rejected one is named with its row and field.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from tenure.analytics.textfiles import sniff_delimiter
from tenure.crm.customers.models import Customer
from tenure.crm.lib.parsing import parse_datetime

from . import ledger
from .forms import MAX_ADJUSTMENT
from .models import Entry

# Header synonyms, folded to lower case.
HEADERS = {
    "customer": ("customer", "customer id", "client", "клиент", "клієнт", "код клиента",
                 "код клієнта", "external id", "id"),
    "points": ("points", "balance", "баллы", "бали", "баланс", "бонусы", "бонуси"),
    "reason": ("reason", "comment", "причина", "комментарий", "коментар"),
    "date": ("date", "дата"),
}
DEFAULT_REASON = "Balance moved from the previous programme"


@dataclass
class Rejected:
    row: int
    field: str
    reason: str


@dataclass
class Imported:
    written: int = 0
    already: int = 0
    rejected: list[Rejected] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    customer_id: int
    points: int
    reason: str
    at: datetime | None


def import_balances(path: Path, *, source: str = "", user=None) -> Imported:
    """Read ``path`` and add each good row's points to its customer's ledger."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    result = Imported()
    rows = _read(_decode(raw), source, result.rejected)
    keys = {row.number: f"import:{digest}:{row.number}" for row in rows}
    done = set(Entry.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    with transaction.atomic():
        for row in rows:
            if keys[row.number] in done:
                result.already += 1
                continue
            ledger.adjust(row.customer_id, row.points, row.reason, user=user,
                          key=keys[row.number], now=row.at)
            result.written += 1
    return result


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # 1C and Excel in Russian and Ukrainian save Windows-1251.
        return raw.decode("cp1251")


def _read(text: str, source: str, rejected: list[Rejected]) -> list[_Row]:
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(first) or ",")
    headers = [header.strip().lower() for header in next(reader, [])]
    columns = {name: next((i for i, header in enumerate(headers) if header in synonyms), None)
               for name, synonyms in HEADERS.items()}
    for name in ("customer", "points"):
        if columns[name] is None:
            rejected.append(Rejected(1, name, _("no column for it in the header")))
    if rejected:
        return []
    customers = _customers(source)
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, cells=cells) -> str:
            index = columns[name]
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = _row(number, cell, customers, rejected)
        if row is not None:
            rows.append(row)
    return rows


def _row(number: int, cell, customers, rejected: list[Rejected]) -> _Row | None:
    customer_id = customers(cell("customer"))
    if customer_id is None:
        rejected.append(Rejected(number, "customer", _("no customer “%(customer)s”")
                                 % {"customer": cell("customer")}))
        return None
    try:
        points = int(cell("points").replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        rejected.append(Rejected(number, "points", _("not a whole number")))
        return None
    if points == 0 or abs(points) > MAX_ADJUSTMENT:
        rejected.append(Rejected(number, "points", _("must be non-zero and at most %(limit)s")
                                 % {"limit": MAX_ADJUSTMENT}))
        return None
    at = None
    if cell("date"):
        try:
            at = parse_datetime(cell("date"))
        except ValueError as error:
            rejected.append(Rejected(number, "date", str(error)))
            return None
    return _Row(number, customer_id, points, cell("reason") or DEFAULT_REASON, at)


def _customers(source: str):
    """Return a function finding a customer's id by number, SOURCE:EXTERNAL_ID or, with
    ``source``, an external id of that source."""
    def find(text: str) -> int | None:
        origin, colon, external = text.partition(":")
        if colon:
            found = Customer.objects.filter(source=origin, external_id=external)
        elif source:
            found = Customer.objects.filter(source=source, external_id=text)
        elif text.isdigit() and len(text) < 19:
            found = Customer.objects.filter(pk=int(text))
        else:
            return None
        return found.values_list("pk", flat=True).first()
    return find
