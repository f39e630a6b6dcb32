"""Which orders a user may see: those of the customers they may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from .models import Order


def orders_for_user(user) -> QuerySet:
    """Return the orders ``user`` may see."""
    if not user.has_perm("sales.view_order"):
        raise PermissionDenied
    orders = Order.objects.all()
    if user.sees_only_own_customers:
        orders = orders.filter(customer__manager=user)
    return orders
