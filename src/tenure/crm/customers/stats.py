"""Each customer's purchase figures kept in `CustomerStats` for sorting the lists.

An order or a return saved or deleted one by one updates its customer's row (signals,
connected in ``CustomersConfig.ready``); the paths that write or delete many at once (imports,
the demo loader, merges) call ``refresh`` with the customers they touched, or
``refresh_all``. The figures are those of `CustomerQuerySet.with_order_stats`:
cancelled orders left out, revenue net of returns.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet

from tenure.crm.sales.models import Order, OrderStatus, Return

from .models import Customer, CustomerStats

CHUNK = 500
FIELDS = ("orders_count", "revenue", "last_purchase")


def refresh(customer_ids: Iterable[int]) -> None:
    """Recompute the figures of ``customer_ids`` (any that no longer exist are skipped)."""
    ids = sorted({pk for pk in customer_ids if pk is not None})
    for start in range(0, len(ids), CHUNK):
        _refresh(ids[start:start + CHUNK])


def refresh_all() -> int:
    """Recompute every customer's figures in one grouped pass over the orders and their
    returns (an import of a million lines calls it once); return how many rows there are."""
    quote = connection.ops.quote_name
    stats, orders = quote(CustomerStats._meta.db_table), quote(Order._meta.db_table)
    returns = quote(Return._meta.db_table)
    # A return counts against a live order only, as in `with_order_stats`; every customer
    # with a counted return therefore has a live order and a row.
    sql = f"""
        INSERT INTO {stats} (customer_id, orders_count, revenue, last_purchase)
        SELECT o.customer_id, COUNT(*), SUM(o.total) - COALESCE(MAX(r.amount), 0),
               MAX(o.ordered_at)
        FROM {orders} o LEFT JOIN (
            SELECT ro.customer_id AS customer_id, SUM(x.amount) AS amount
            FROM {returns} x JOIN {orders} ro ON ro.id = x.order_id
            WHERE ro.status <> %s GROUP BY ro.customer_id
        ) r ON r.customer_id = o.customer_id
        WHERE o.status <> %s
        GROUP BY o.customer_id"""
    with transaction.atomic(), connection.cursor() as cursor:
        CustomerStats.objects.all().delete()
        cursor.execute(sql, [OrderStatus.CANCELLED, OrderStatus.CANCELLED])
        return cursor.rowcount


def _refresh(ids: list[int]) -> None:
    figures = Customer.objects.filter(pk__in=ids).with_order_stats(*FIELDS).values(
        "pk", *FIELDS)
    rows = [CustomerStats(customer_id=row["pk"], **{f: row[f] for f in FIELDS})
            for row in figures if row["orders_count"] or row["revenue"]]
    with transaction.atomic():
        CustomerStats.objects.filter(customer_id__in=ids).exclude(
            customer_id__in=[row.customer_id for row in rows]).delete()
        CustomerStats.objects.bulk_create(rows, update_conflicts=True,
                                          unique_fields=["customer"], update_fields=FIELDS)


def on_order_change(sender, instance, **kwargs) -> None:
    """Signal receiver: an order was saved or deleted; its customer's figures follow."""
    if not _cascade(kwargs):
        refresh([instance.customer_id])


def on_return_change(sender, instance, **kwargs) -> None:
    """Signal receiver: a return was saved or deleted; its customer's figures follow."""
    if not _cascade(kwargs):
        refresh(Order.objects.filter(pk=instance.order_id).values_list("customer_id",
                                                                        flat=True))


def _cascade(kwargs: dict) -> bool:
    """Return whether a deletion is part of a larger one: of customers (their row goes with
    them) or of many rows at once, whose caller refreshes once after (`refresh_all`)."""
    origin = kwargs.get("origin")
    return isinstance(origin, Customer | QuerySet)
