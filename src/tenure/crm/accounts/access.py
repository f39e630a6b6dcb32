"""One place that decides which customers a user may see.

Views call these helpers instead of querying ``Customer`` directly, so no
view can forget the sales manager's limit to their own portfolio.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404


def customers_for_user(user) -> QuerySet:
    """Return the customers ``user`` may see."""
    from tenure.crm.customers.models import Customer

    if not user.has_perm("customers.view_customer"):
        raise PermissionDenied
    customers = Customer.objects.all()
    if user.sees_only_own_customers:
        customers = customers.filter(manager=user)
    return customers


def get_customer_for_user(user, pk: int, *, edit: bool = False):
    """Return customer ``pk`` if ``user`` may see it (or edit it); 404 or 403 otherwise."""
    if edit and not user.has_perm("customers.change_customer"):
        raise PermissionDenied
    customers = customers_for_user(user)
    try:
        return customers.get(pk=pk)
    except (ValueError, TypeError, customers.model.DoesNotExist):
        raise Http404 from None


def orders_for_user(user) -> QuerySet:
    """Return the orders ``user`` may see."""
    from tenure.crm.sales.models import Order

    if not user.has_perm("sales.view_order"):
        raise PermissionDenied
    orders = Order.objects.all()
    if user.sees_only_own_customers:
        orders = orders.filter(customer__manager=user)
    return orders
