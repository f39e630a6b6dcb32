"""Load order lines, one per row: orders are built from their lines, returns from return rows.

Customers are matched or created as in the orders import (``matching``).

An order's total is the sum of its lines' quantity x price - discount. An order
whose lines or order-level fields changed is rewritten whole (its lines are
replaced); an unchanged one is not touched. A return row (type "return",
"возврат", "повернення", "refund") names the original order in its order id and
becomes a Return with its ReturnLines; its amount is |quantity| x price.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.lib import bulk
from tenure.crm.sales.models import Order, OrderLine, OrderStatus, Return, ReturnLine

from ..parsing import (
    CENT,
    parse_currency,
    parse_datetime,
    parse_is_return,
    parse_money,
    parse_positive_int,
    parse_quantity,
    parse_status,
    parse_text,
)
from ..rows import Rows
from .base import Context, Counts, product_ids, split_changes
from .matching import Contacts, find_customers

# Order-level columns: written only when mapped; the first non-empty value of an order wins.
ORDER_LEVEL = {
    "status": (parse_status, OrderStatus.COMPLETED),
    "channel": (parse_text(64), ""),
    "store": (parse_text(100), ""),
    "currency": (parse_currency, None),
}
LINE_FIELDS = ["product", "quantity", "price", "discount", "cost"]
ZERO = Decimal("0")


@dataclass
class Draft:
    """An order or a return as the file describes it, with the rows it came from."""

    rows: list[int] = field(default_factory=list)
    head: tuple = ()
    lines: dict = field(default_factory=dict)


def load(rows: Rows, ctx: Context) -> Counts:
    """Insert, update or keep the orders and returns the rows describe."""
    cols = _parse(rows)
    contacts = Contacts(rows)
    _check_quantities(rows, cols)
    cols["line_no"] = _line_numbers(rows, cols)
    _reject_disagreeing(rows, cols)
    order_names = [*_mapped_order_level(rows)]
    # Return rows name their customer through the original order, not for themselves.
    sales = [None if is_return else ref for ref, is_return in zip(
        cols["customer"], cols["is_return"], strict=True)]
    found = find_customers(rows, ctx, sales, contacts, create=True)
    orders = _order_drafts(rows, cols, found.ids, order_names, ctx)
    counts = _write_orders(orders, order_names, ctx)
    counts.new_customers, counts.matched = found.created, found.matched
    returns = _return_drafts(rows, cols, ctx)
    _add(counts, _write_returns(returns, ctx))
    return counts


def _parse(rows: Rows) -> dict:
    products = product_ids()
    skus = rows.parse("product", parse_text(64), required=True)
    cols = {
        "order_id": rows.parse("order_id", parse_text(64), required=True),
        "customer": rows.parse("customer", parse_text(64), required=True),
        "date": rows.parse("date", parse_datetime, required=True),
        "quantity": rows.parse("quantity", parse_quantity, required=True),
        "price": rows.parse("price", parse_money, required=True),
        "discount": rows.parse("discount", parse_money),
        "cost": rows.parse("cost", parse_money),
        "line_no": rows.parse("line_no", parse_positive_int),
        "is_return": [bool(v) for v in rows.parse("type", parse_is_return)],
        "return_id": rows.parse("return_id", parse_text(64)),
    }
    for name, (parser, _default) in ORDER_LEVEL.items():
        cols[name] = rows.parse(name, parser)
    cols["discount"] = [ZERO if d is None else d for d in cols["discount"]]
    cols["product"] = [products.get(sku) for sku in skus]
    for index in np.flatnonzero([s is not None and p is None for s, p in zip(
            skus, cols["product"], strict=True)]):
        rows.reject(int(index), "product", _("unknown product"))
    return {name: list(values) for name, values in cols.items()}


def _mapped_order_level(rows: Rows) -> list[str]:
    return [name for name in ORDER_LEVEL if rows.has(name)]


def _check_quantities(rows: Rows, cols: dict) -> None:
    for index, (quantity, is_return) in enumerate(zip(cols["quantity"], cols["is_return"],
                                                      strict=True)):
        if quantity is None:
            continue
        if is_return and quantity == 0:
            rows.reject(index, "quantity", _("a returned quantity cannot be zero"))
        elif not is_return and quantity <= 0:
            rows.reject(index, "quantity", _(
                "quantity must be above zero; a negative quantity needs the line type 'return'"
            ))


def _line_numbers(rows: Rows, cols: dict) -> list:
    """Return each sale row's line number: the file's, or its position within its order."""
    given, numbers, positions = cols["line_no"], [], defaultdict(int)
    seen: dict = {}
    bad = rows.bad.tolist()
    for index, (order, is_return) in enumerate(zip(cols["order_id"], cols["is_return"],
                                                   strict=True)):
        if is_return or order is None:
            numbers.append(None)
            continue
        positions[order] += 1
        number = given[index] or positions[order]
        numbers.append(number)
        if not bad[index]:
            if (order, number) in seen:
                rows.reject(index, "line_no", _("repeats row %(row)d") % {
                    "row": rows.table.row_numbers[seen[order, number]].as_py()})
            else:
                seen[order, number] = index
    return numbers


def _reject_disagreeing(rows: Rows, cols: dict) -> None:
    """Reject sale rows whose customer or date differs from their order's first good row."""
    first: dict = {}
    orders, customers, dates = cols["order_id"], cols["customer"], cols["date"]
    for index in rows.good().tolist():
        if cols["is_return"][index]:
            continue
        leader = first.setdefault(orders[index], index)
        if customers[index] == customers[leader] and dates[index] == dates[leader]:
            continue
        for name in ("customer", "date"):
            if cols[name][index] != cols[name][leader]:
                rows.reject(index, name, _("differs from row %(row)d of the same order") % {
                    "row": rows.table.row_numbers[leader].as_py()})


def _order_drafts(rows, cols, customer_map, order_names, ctx) -> dict[str, Draft]:
    drafts: dict[str, Draft] = {}
    orders, line_nos, is_return = cols["order_id"], cols["line_no"], cols["is_return"]
    lines = list(zip(*(cols[name] for name in LINE_FIELDS), strict=True))
    for index in rows.good().tolist():
        if is_return[index]:
            continue
        draft = drafts.get(orders[index])
        if draft is None:
            draft = drafts[orders[index]] = Draft()
        draft.rows.append(index)
        draft.lines[line_nos[index]] = lines[index]
    for draft in drafts.values():
        leader = draft.rows[0]
        draft.head = (customer_map[cols["customer"][leader]], cols["date"][leader],
                      *_sums(draft.lines.values()),
                      *(_order_level(name, cols[name], draft.rows, ctx) for name in order_names))
    return drafts


def _order_level(name: str, values: list, indices: list[int], ctx: Context):
    """Return the first non-empty value of an order-level column, or its default."""
    for index in indices:
        if values[index] is not None:
            return values[index]
    return ctx.currency if name == "currency" else ORDER_LEVEL[name][1]


def _sums(lines) -> tuple:
    """Return an order's total, discount and cost, by the order's own rule."""
    return Order.totals_of(line[1:] for line in lines)


def _existing_orders(ctx: Context, names: list[str]) -> dict:
    lines: dict[int, dict] = defaultdict(dict)
    for order, line_no, *values in OrderLine.objects.filter(order__source=ctx.source).values_list(
            "order_id", "line_no", *LINE_FIELDS):
        lines[order][line_no] = tuple(values)
    return {
        ext: (pk, (tuple(values), lines.get(pk, {}))) for ext, pk, *values in
        Order.objects.filter(source=ctx.source).values_list("external_id", "pk", *names)
    }


def _write_orders(drafts: dict[str, Draft], order_names: list[str], ctx: Context) -> Counts:
    names = ["customer", "ordered_at", "total", "discount", "cost", *order_names]
    existing = _existing_orders(ctx, names)
    changes = split_changes({k: (d.head, d.lines) for k, d in drafts.items()}, existing)
    bulk.insert(Order, ["source", "external_id", *names],
                   [(ctx.source, ext, *drafts[ext].head) for ext in changes.new], ctx.advance)
    now = timezone.now()
    bulk.update(Order, [*names, "updated_at"],
                   [(*drafts[ext].head, now, existing[ext][0]) for ext in changes.changed],
                   ctx.advance)
    bulk.delete(OrderLine, "order", [existing[ext][0] for ext in changes.changed])
    ids = _ids(Order, ctx.source) if changes.new else {e: v[0] for e, v in existing.items()}
    bulk.insert(OrderLine, ["order", "line_no", *LINE_FIELDS], [
        (ids[ext], line_no, *line)
        for ext in (*changes.new, *changes.changed)
        for line_no, line in sorted(drafts[ext].lines.items())
    ], ctx.advance)
    return _row_counts(drafts, changes)


def _ids(model, source: str) -> dict[str, int]:
    return dict(model.objects.filter(source=source).values_list("external_id", "pk"))


def _row_counts(drafts: dict[str, Draft], changes) -> Counts:
    def rows_of(keys):
        return sum(len(drafts[key].rows) for key in keys)

    return Counts(rows_of(changes.new), rows_of(changes.changed), rows_of(changes.same))


def _add(counts: Counts, more: Counts) -> None:
    counts.inserted += more.inserted
    counts.updated += more.updated
    counts.unchanged += more.unchanged


# -- returns ---------------------------------------------------------------------------------


def _return_drafts(rows: Rows, cols: dict, ctx: Context) -> dict[str, Draft]:
    orders = _ids(Order, ctx.source)
    drafts: dict[str, Draft] = {}
    order_of: dict[str, str] = {}
    for index in rows.good():
        if not cols["is_return"][index]:
            continue
        order, when = cols["order_id"][index], cols["date"][index]
        if order not in orders:
            rows.reject(int(index), "order_id", _("return of an unknown order"))
            continue
        key = cols["return_id"][index] or f"R-{order}-{timezone.localtime(when):%Y%m%d}"[:64]
        if order_of.setdefault(key, order) != order:
            rows.reject(int(index), "return_id", _("the same return names another order"))
            continue
        draft = drafts.setdefault(key, Draft())
        draft.rows.append(int(index))
        quantity = abs(cols["quantity"][index])
        amount = (quantity * cols["price"][index]).quantize(CENT)
        draft.lines[len(draft.lines)] = (cols["product"][index], quantity, amount)
        if not draft.head:
            draft.head = (orders[order], when, ZERO, cols["currency"][index] or ctx.currency)
    for draft in drafts.values():
        total = sum((line[2] for line in draft.lines.values()), ZERO)
        draft.head = (draft.head[0], draft.head[1], total, draft.head[3])
    return drafts


def _existing_returns(ctx: Context, names: list[str]) -> dict:
    lines: dict[int, list] = defaultdict(list)
    for ret, *values in ReturnLine.objects.filter(ret__source=ctx.source).values_list(
            "ret_id", "product", "quantity", "amount"):
        lines[ret].append(tuple(values))
    return {
        ext: (pk, (tuple(values), sorted(lines.get(pk, [])))) for ext, pk, *values in
        Return.objects.filter(source=ctx.source).values_list("external_id", "pk", *names)
    }


def _write_returns(drafts: dict[str, Draft], ctx: Context) -> Counts:
    if not drafts:
        return Counts()
    names = ["order", "returned_at", "amount", "currency"]
    existing = _existing_returns(ctx, names)
    changes = split_changes(
        {k: (d.head, sorted(d.lines.values())) for k, d in drafts.items()}, existing
    )
    bulk.insert(Return, ["source", "external_id", *names],
                   [(ctx.source, ext, *drafts[ext].head) for ext in changes.new], ctx.advance)
    bulk.update(Return, names, [(*drafts[ext].head, existing[ext][0])
                                   for ext in changes.changed], ctx.advance)
    bulk.delete(ReturnLine, "ret", [existing[ext][0] for ext in changes.changed])
    ids = _ids(Return, ctx.source)
    bulk.insert(ReturnLine, ["ret", "product", "quantity", "amount"], [
        (ids[ext], *line) for ext in (*changes.new, *changes.changed)
        for line in drafts[ext].lines.values()
    ], ctx.advance)
    return _row_counts(drafts, changes)
