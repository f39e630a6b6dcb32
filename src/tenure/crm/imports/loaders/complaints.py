"""Load complaints: upsert by (source, id), each due within its severity's SLA.

The customer must already exist, found as ``matching`` says; the order, when one is
named, must exist in the same source and be that customer's. A resolved or closed complaint needs
its resolution date and an open one has none; without a status, a complaint with a
resolution date is resolved. A row describes the whole complaint: an empty or
unmapped column gives its field's default. Each new complaint, and each status an
import changes, is written to the complaint's history; an import sends no email and
notifies nobody, since it records the past.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.crm.engagement.models import (
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintSla,
    ComplaintStatus,
    Severity,
)
from tenure.crm.lib import bulk
from tenure.crm.lib.search import fold
from tenure.crm.sales.models import Order

from ..parsing import parse_choice, parse_datetime, parse_text
from ..rows import Rows
from .base import Context, Counts, reject_repeats, upsert_by_external_id
from .interactions import parse_kind
from .matching import Contacts, find_customers

CATEGORIES = {
    ComplaintCategory.PRODUCT: ("quality", "product quality", "defect", "качество",
                                "качество товара", "якість", "якість товару", "товар", "брак"),
    ComplaintCategory.DELIVERY: ("shipping", "courier", "доставка", "курьер", "кур'єр"),
    ComplaintCategory.SERVICE: ("staff", "customer service", "обслуживание", "обслуговування",
                                "сервис", "сервіс", "персонал"),
    ComplaintCategory.BILLING: ("payment", "billing and payment", "invoice", "оплата",
                                "платеж", "платіж", "счет", "рахунок"),
    ComplaintCategory.RETURN: ("refund", "return or refund", "возврат", "повернення"),
    ComplaintCategory.OTHER: ("другое", "прочее", "інше"),
}
SEVERITIES = {
    Severity.LOW: ("minor", "низкая", "низкий", "низька", "низький"),
    Severity.MEDIUM: ("normal", "средняя", "средний", "середня", "середній", "обычная",
                      "звичайна"),
    Severity.HIGH: ("major", "высокая", "высокий", "висока", "високий"),
    Severity.CRITICAL: ("urgent", "blocker", "критическая", "критичная", "критична",
                        "срочная", "термінова"),
}
STATUSES = {
    ComplaintStatus.NEW: ("open", "новая", "новый", "нова", "новий", "открыта", "відкрита"),
    ComplaintStatus.IN_PROGRESS: ("in work", "working", "в работе", "в роботі",
                                  "в обработке", "в обробці"),
    ComplaintStatus.RESOLVED: ("solved", "решена", "решено", "вирішена", "вирішено"),
    ComplaintStatus.CLOSED: ("done", "закрыта", "закрыто", "закрита", "закрито"),
}
parse_category = parse_choice(CATEGORIES, gettext_lazy("unknown category"))
parse_severity = parse_choice(
    SEVERITIES, gettext_lazy("unknown severity (low, medium, high or critical)"))
parse_status = parse_choice(
    STATUSES, gettext_lazy("unknown status (new, in progress, resolved or closed)"))

FIELDS = ["customer", "order", "category", "severity", "channel", "description", "status",
          "opened_at", "due_at", "resolved_at", "closed_at", "resolution", "search_text"]


def load(rows: Rows, ctx: Context) -> Counts:
    """Insert new complaints, update changed ones, and record their history."""
    ids = rows.parse("external_id", parse_text(64), required=True)
    refs = rows.parse("customer", parse_text(64), required=True)
    contacts = Contacts(rows)
    cols = {
        "category": rows.parse("category", parse_category, required=True),
        "opened_at": rows.parse("opened_at", parse_datetime, required=True),
        "severity": rows.parse("severity", parse_severity),
        "channel": rows.parse("channel", parse_kind),
        "description": rows.parse("description", str),
        "status": rows.parse("status", parse_status),
        "resolved_at": rows.parse("resolved_at", parse_datetime),
        "resolution": rows.parse("resolution", str),
    }
    found = find_customers(rows, ctx, refs, contacts, create=False)
    cols["customer"] = [found.ids.get(ref) for ref in refs]
    cols["order"] = _orders(rows, cols["customer"], ctx)
    _check_resolution(rows, cols)
    reject_repeats(rows, ids, "external_id")
    hours = {row["severity"]: row["hours"] for row in ComplaintSla.table()}
    records = {ids[i]: _record(cols, i, hours) for i in rows.good()}
    existing, changes = upsert_by_external_id(Complaint, FIELDS, records, ctx)
    _write_history(records, existing, changes, ctx)
    return Counts(len(changes.new), len(changes.changed), len(changes.same),
                  matched=found.matched)


def _orders(rows: Rows, customers, ctx: Context) -> list:
    """Return each row's order id, rejecting unknown orders and other customers' orders."""
    if not rows.has("order_id"):
        return [None] * rows.count
    customer_of, by_ext = {}, {}
    for ext, pk, customer in Order.objects.filter(source=ctx.source).values_list(
            "external_id", "pk", "customer_id"):
        by_ext[ext], customer_of[pk] = pk, customer

    def find(text: str) -> int:
        try:
            return by_ext[text]
        except KeyError:
            raise ValueError(_("unknown order")) from None

    orders = list(rows.parse("order_id", find))
    for index, (order, customer) in enumerate(zip(orders, customers, strict=True)):
        if order is not None and customer is not None and customer_of[order] != customer:
            rows.reject(index, "order_id", _("an order of another customer"))
    return orders


def _check_resolution(rows: Rows, cols: dict) -> None:
    """Default each status from its resolution date and reject rows where they disagree."""
    given = rows.text("status")
    for index in range(rows.count):
        status, resolved = cols["status"][index], cols["resolved_at"][index]
        if status is None and given[index]:
            continue  # an unknown status, already rejected
        if status is None:
            status = cols["status"][index] = (
                ComplaintStatus.RESOLVED if resolved else ComplaintStatus.NEW)
        opened = cols["opened_at"][index]
        if status in RESOLVED_STATUSES and resolved is None:
            rows.reject(index, "resolved_at",
                        _("a resolved or closed complaint needs its resolution date"))
        elif status in OPEN_STATUSES and resolved is not None:
            rows.reject(index, "resolved_at", _(
                "an open complaint has no resolution date: leave it empty or give the status"))
        elif resolved is not None and opened is not None and resolved < opened:
            rows.reject(index, "resolved_at", _("before the complaint was opened"))


def _record(cols: dict, index: int, hours: dict) -> tuple:
    severity = cols["severity"][index] or Severity.MEDIUM
    status, opened = cols["status"][index], cols["opened_at"][index]
    resolved = cols["resolved_at"][index]
    description = cols["description"][index] or ""
    return (
        cols["customer"][index], cols["order"][index], cols["category"][index], severity,
        cols["channel"][index] or "", description, status, opened,
        opened + timedelta(hours=hours[severity]), resolved,
        resolved if status == ComplaintStatus.CLOSED else None,
        cols["resolution"][index] or "", fold(description),
    )


def _write_history(records: dict, existing: dict, changes, ctx: Context) -> None:
    """Record each new complaint's registration and status, and each status changed."""
    status_at = FIELDS.index("status")
    pks = dict(Complaint.objects.filter(source=ctx.source).exclude(external_id="")
               .values_list("external_id", "pk")) if changes.new else {}
    note, now = f"import: {ctx.file_name}", timezone.now()
    events = []
    for ext in changes.new:
        record = dict(zip(FIELDS, records[ext], strict=True))
        events.append((pks[ext], record["opened_at"], "", ComplaintStatus.NEW, note))
        if record["status"] != ComplaintStatus.NEW:
            events.append((pks[ext], record["resolved_at"] or record["opened_at"],
                           ComplaintStatus.NEW, record["status"], note))
    for ext in changes.changed:
        before, after = existing[ext][1][status_at], records[ext][status_at]
        if before != after:
            events.append((existing[ext][0], now, before, after, note))
    bulk.insert(ComplaintEvent, ["complaint", "at", "from_status", "to_status", "note", "by"],
                [(*event, ctx.user_id) for event in events])
