"""One place that decides which customers a user may see.

Views call these helpers instead of querying ``Customer`` directly, so no
view can forget the sales manager's limit to their own portfolio.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Customer


def customers_for_user(user) -> QuerySet:
    """Return the customers ``user`` may see."""
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
