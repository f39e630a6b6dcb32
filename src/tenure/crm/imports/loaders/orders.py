"""Load orders, one per row: upsert by (source, order id), customers matched or created.

Each customer is found as ``matching`` says (their id, an alias, another source's id,
their email or phone); one found nowhere is created with the file's name, email and phone.

Purchase logs such as CDNOW's have no order id. One is then derived from the
customer, the day and the row's occurrence among that customer's rows of that
day in file order ("00002-19970112-2"), so importing the file again finds the
same orders.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.lib import bulk
from tenure.crm.sales.models import Order, OrderStatus

from ..parsing import parse_currency, parse_datetime, parse_money, parse_status, parse_text
from ..rows import Rows, objects
from .base import Context, Counts, reject_repeats, split_changes
from .matching import Contacts, find_customers

# Order field -> (file field, parser, default for a new order); written only when mapped.
OPTIONAL = {
    "discount": ("discount", parse_money, Decimal("0")),
    "cost": ("cost", parse_money, None),
    "status": ("status", parse_status, OrderStatus.COMPLETED),
    "channel": ("channel", parse_text(64), ""),
    "store": ("store", parse_text(100), ""),
    "currency": ("currency", parse_currency, None),
    "coupon_code": ("coupon", parse_text(32), ""),
}


def load(rows: Rows, ctx: Context) -> Counts:
    """Insert new orders, update changed ones."""
    customers = rows.parse("customer", parse_text(64), required=True)
    dates = rows.parse("date", parse_datetime, required=True)
    amounts = rows.parse("amount", parse_money, required=True)
    optional = {name: rows.parse(src, parser) for name, (src, parser, _d) in OPTIONAL.items()
                if rows.has(src)}
    contacts = Contacts(rows)
    order_ids = order_ids_of(rows, customers, dates)
    reject_repeats(rows, order_ids, "order_id")
    found = find_customers(rows, ctx, customers, contacts, create=True)
    names = ["customer", "ordered_at", "total", *optional]
    records = {
        order_ids[i]: (found.ids[customers[i]], dates[i], amounts[i],
                       *(_or_default(name, optional[name][i], ctx) for name in optional))
        for i in rows.good()
    }
    changes = _write(records, names, ctx)
    return Counts(len(changes.new), len(changes.changed), len(changes.same), found.created,
                  found.matched)


def _or_default(name: str, value, ctx: Context):
    if value is not None:
        return value
    return ctx.currency if name == "currency" else OPTIONAL[name][2]


def _write(records: dict, names: list[str], ctx: Context):
    existing = {
        ext: (pk, tuple(values)) for ext, pk, *values in
        Order.objects.filter(source=ctx.source).values_list("external_id", "pk", *names)
    }
    changes = split_changes(records, existing)
    bulk.insert(Order, ["source", "external_id", *names],
                   [(ctx.source, ext, *records[ext]) for ext in changes.new], ctx.advance)
    now = timezone.now()
    bulk.update(Order, [*names, "updated_at"],
                   [(*records[ext], now, existing[ext][0]) for ext in changes.changed],
                   ctx.advance)
    return changes


def order_ids_of(rows: Rows, customers: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Return each row's order id: the file's, or one derived from customer, day and rank."""
    given = rows.text("order_id")
    ids, seen, days = [], {}, {}
    for index in range(rows.count):
        if given[index]:
            ids.append(given[index][:64])
            continue
        customer, when = customers[index], dates[index]
        if customer is None or when is None:
            ids.append(None)
            continue
        if when not in days:
            days[when] = timezone.localtime(when).strftime("%Y%m%d")
        day = days[when]
        rank = seen[customer, day] = seen.get((customer, day), 0) + 1
        ids.append(f"{customer}-{day}-{rank}"[:64])
    if rows.has("order_id"):
        _reject_long(rows, given)
    return objects(ids)


def _reject_long(rows: Rows, given: np.ndarray) -> None:
    for index in np.flatnonzero([len(value) > 64 for value in given]):
        rows.reject(int(index), "order_id", _("longer than %(limit)d characters") % {"limit": 64})
