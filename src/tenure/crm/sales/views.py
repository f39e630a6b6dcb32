"""Pages of the orders: the list, one order with its lines and returns, and the order form."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.catalog.models import Product
from tenure.crm.lib import exports

from . import exporting
from .access import customer_for_user, find_customers, orders_for_user
from .forms import LineFormSet, OrderFilterForm, OrderForm
from .models import Order

# The catalogue offered to pick from as the SKU is typed; a longer one is typed whole.
PRODUCTS_OFFERED = 2000

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


@login_required
def order_new(request):
    """Write a new order of the customer named by ``?customer=``; without one, find them."""
    if not request.user.has_perm("sales.add_order"):
        raise PermissionDenied
    if not request.GET.get("customer"):
        query = request.GET.get("q", "")
        return render(request, "sales/pick_customer.html", {
            "q": query, "found": find_customers(request.user, query[:100])})
    customer = customer_for_user(request.user, request.GET["customer"])
    order = Order(customer=customer, source="manual", currency=settings.TENURE_CURRENCY)
    return _order_form(request, order)


@login_required
def order_edit(request, pk: int):
    """Change an order's header and lines; its total follows its lines."""
    if not request.user.has_perm("sales.change_order"):
        raise PermissionDenied
    order = get_object_or_404(orders_for_user(request.user).select_related("customer"), pk=pk)
    return _order_form(request, order)


def _order_form(request, order: Order):
    """Show the order form, or save the order with its lines in one transaction."""
    data = request.POST if request.method == "POST" else None
    adding_line = data is not None and "add_line" in data
    if adding_line:
        data = _with_one_more_line(data)
    initial = {} if order.pk else {"ordered_at": timezone.now()}
    form = OrderForm(data, instance=order, initial=initial)
    lines = LineFormSet(data, instance=order, prefix="lines")
    # Both checked, so the header's errors and the lines' show together.
    valid = all([form.is_valid(), lines.is_valid()]) if data is not None else False
    if valid and not adding_line:
        is_new = order.pk is None
        form.instance.save_with_lines(lines.kept_lines())
        messages.success(request, _("Order %(number)s was saved.") % {
            "number": form.instance.external_id})
        return redirect(form.instance.customer if is_new else form.instance)
    products = Product.objects.filter(is_active=True).order_by("sku").values_list("sku", "name")
    return render(request, "sales/order_form.html", {
        "order": order, "form": form, "lines": lines,
        "products": products[:PRODUCTS_OFFERED],
    }, status=400 if data is not None and not adding_line else 200)


def _with_one_more_line(data):
    """Return the posted data with room for one more line (the page's "Add line" button
    without JavaScript); a count that is not one is left for the formset to refuse."""
    data = data.copy()
    count = data.get("lines-TOTAL_FORMS", "")
    if count.isdigit() and len(count) < 4:
        data["lines-TOTAL_FORMS"] = str(int(count) + 1)
    return data
