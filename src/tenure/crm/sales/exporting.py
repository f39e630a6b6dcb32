"""Export the order list, every order matching its filters, as CSV or Excel.

``lib.exports`` does the writing (formulas neutralised, numbers in the user's locale,
rows streamed); here is what an order's row holds: the list page's columns, with the
customer's external id, the currency and the discount beside them.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib import exports
from tenure.crm.lib.exports import Column, Kind

from .models import Order

COLUMNS = [
    Column(_("Date"), Kind.DATETIME), Column(_("Order")), Column(_("Customer")),
    Column(_("Customer external id")), Column(_("Status")), Column(_("Channel")),
    Column(_("Store")), Column(_("Currency")), Column(_("Total"), Kind.MONEY),
    Column(_("Discount"), Kind.MONEY), Column(_("Returned"), Kind.MONEY),
    Column(_("Net"), Kind.MONEY),
]


def table(orders: QuerySet) -> exports.Table:
    """Return the export of ``orders``, in their order."""
    rows = orders.select_related("customer").with_returns()
    return exports.Table(name="orders", sheet=_("Orders"), columns=COLUMNS,
                         rows=exports.cells(rows, values))


def values(order: Order) -> list:
    """Return one order's cells (amounts and times typed, not formatted)."""
    return [
        order.ordered_at, order.external_id, str(order.customer), order.customer.external_id,
        order.get_status_display(), order.channel, order.store, order.currency, order.total,
        order.discount, order.returned, order.net,
    ]
