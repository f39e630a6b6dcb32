"""Which orders and customers a user may see and write orders for."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from tenure.crm.lib import bounds
from tenure.crm.lib.search import customer_q

from .models import Order

PICKED = 20


def orders_for_user(user) -> QuerySet:
    """Return the orders ``user`` may see."""
    if not user.has_perm("sales.view_order"):
        raise PermissionDenied
    orders = Order.objects.all()
    if user.sees_only_own_customers:
        orders = orders.filter(customer__manager=user)
    return orders


def customers_for_user(user) -> QuerySet:
    """Return the customers ``user`` may see: ``customers.access``'s rule.

    Sales stands below customers, so it reaches their model through the order's
    foreign key; the rule is the same one line: a sales manager sees their own.
    """
    if not user.has_perm("customers.view_customer"):
        raise PermissionDenied
    customers = Order.customer.field.related_model.objects.all()
    if user.sees_only_own_customers:
        customers = customers.filter(manager=user)
    return customers


def customer_for_user(user, pk: str | int | None):
    """Return customer ``pk`` if ``user`` may see it; 404 for any other id, 403 without the
    right to see customers."""
    customers = customers_for_user(user)
    try:
        number = int(str(pk))
    except ValueError:
        raise Http404 from None
    # A number past the largest key is no customer; SQLite could not even bind it.
    if not 0 < number <= bounds.MAX_ID:
        raise Http404
    try:
        return customers.get(pk=number)
    except customers.model.DoesNotExist:
        raise Http404 from None


def find_customers(user, text: str) -> list:
    """Return the first customers ``user`` may see that the customer list's search finds
    for ``text`` (folded words in name, email, city or notes; digits of a phone)."""
    text = text.strip()
    if not text or "\x00" in text:  # PostgreSQL refuses a NUL byte in a query
        return []
    return list(customers_for_user(user).filter(customer_q(text)).order_by("name", "pk")[:PICKED])
