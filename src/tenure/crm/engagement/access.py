"""Which interactions, activities and complaints a user may see: those of their customers.

Built on ``customers.access``, so a sales manager's limit to their own portfolio applies
to everything recorded about those customers, and no view can forget it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from tenure.crm.customers.access import customers_for_user

from .models import Activity, Complaint, Interaction


def _of_visible_customers(model, user, action: str = "view") -> QuerySet:
    if not user.has_perm(f"engagement.{action}_{model._meta.model_name}"):
        raise PermissionDenied
    customers = customers_for_user(user)
    if not customers.query.has_filters():
        # Every customer: "customer IN (every customer)" would only cost a read of them all
        # (SQLite builds the list of a hundred thousand ids for each query).
        return model.objects.all()
    return model.objects.filter(customer__in=customers)


def _get(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (ValueError, TypeError, queryset.model.DoesNotExist):
        raise Http404 from None


def interactions_for_user(user) -> QuerySet:
    """Return the interactions ``user`` may see."""
    return _of_visible_customers(Interaction, user)


def activities_for_user(user) -> QuerySet:
    """Return the activities ``user`` may see."""
    return _of_visible_customers(Activity, user)


def complaints_for_user(user) -> QuerySet:
    """Return the complaints ``user`` may see."""
    return _of_visible_customers(Complaint, user)


def get_activity_for_user(user, pk, *, edit: bool = False) -> Activity:
    """Return activity ``pk`` if ``user`` may see it (or change it); 404 or 403 otherwise."""
    if edit and not user.has_perm("engagement.change_activity"):
        raise PermissionDenied
    return _get(activities_for_user(user).select_related("customer", "assignee"), pk)


def get_complaint_for_user(user, pk, *, edit: bool = False) -> Complaint:
    """Return complaint ``pk`` if ``user`` may see it (or change it); 404 or 403 otherwise."""
    if edit and not user.has_perm("engagement.change_complaint"):
        raise PermissionDenied
    queryset = complaints_for_user(user).select_related("customer", "order", "assignee")
    return _get(queryset, pk)


def require(user, perm: str) -> None:
    """Refuse (403) a user without ``perm``."""
    if not user.has_perm(perm):
        raise PermissionDenied
