"""Pages of the orders: the list and one order with its lines and returns."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from tenure.crm.lib import exports

from . import exporting
from .access import orders_for_user
from .forms import OrderFilterForm
from .models import Order

PAGE_SIZE = 50


def _page_rows(page) -> list[Order]:
    """Return the page's orders with their returns, in one query for the page only."""
    ids = list(page.object_list.values_list("pk", flat=True))
    rows = Order.objects.filter(pk__in=ids).select_related("customer").with_returns()
    by_id = {o.pk: o for o in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


@login_required
def order_list(request):
    """Show the orders the user may see, newest first, searched, filtered and paged; with
    ``format=csv`` or ``xlsx``, export every one of them."""
    form = OrderFilterForm(request.GET or None)
    orders = form.filter(orders_for_user(request.user)).order_by("-ordered_at", "-id")
    kind = exports.requested_format(request)
    # An export asks for a bound form; one with a filter out of range shows the page (400).
    if kind and form.is_valid():
        exports.log_list_export(orders, kind, request.GET, what="order list")
        return exports.response(kind, exporting.table(orders))
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    customer = None
    if form.is_valid() and form.cleaned_data["customer"]:
        # The customer of the orders shown: sales stands below customers, so it names the
        # customer through an order the user may see rather than through customers' access.
        first = orders.select_related("customer").first()
        customer = first.customer if first else None
    return render(request, "sales/orders.html", {
        "form": form, "page": page, "rows": _page_rows(page), "query": query.urlencode(),
        "customer": customer,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
    }, status=400 if form.is_bound and not form.is_valid() else 200)


@login_required
def order_detail(request, pk: int):
    """Show one order: its lines, returns, totals, margin and net total."""
    try:
        order = (
            orders_for_user(request.user).select_related("customer").with_returns().get(pk=pk)
        )
    except Order.DoesNotExist:
        raise Http404 from None
    lines = order.lines.select_related("product__category__parent__parent")
    returns = order.returns.prefetch_related("lines__product")
    return render(request, "sales/order.html", {
        "order": order, "lines": list(lines), "returns": list(returns),
    })
