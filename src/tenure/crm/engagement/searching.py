"""Complaints in the top bar's search: by their text, their external id and their customer."""

from __future__ import annotations

from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from tenure.crm.customers.searching import ORDER_CUSTOMERS, Hit, Section, matching_customers
from tenure.crm.customers.searching import register as register_section

from .access import complaints_for_user


def _complaints(user, query: str, limit: int) -> list[Hit]:
    query = query.strip()
    customers = list(matching_customers(user, query).values_list("pk", flat=True)
                     [:ORDER_CUSTOMERS])
    # The text is matched as typed, case-folded by the database: on SQLite for Latin
    # letters only (customer fields are folded in Python, see lib/search.py).
    found = complaints_for_user(user).filter(
        Q(description__icontains=query) | Q(external_id=query) | Q(customer__in=customers)
    ).select_related("customer").order_by("-opened_at", "-id")[:limit]
    return [Hit(str(complaint), " · ".join([
        complaint.get_status_display(), Truncator(complaint.description).chars(120)]),
        complaint.get_absolute_url()) for complaint in found]


def register_search() -> None:
    """Add complaints to the top bar's search."""
    register_section(Section("complaints", gettext_lazy("Complaints"),
                             "engagement.view_complaint", _complaints))
