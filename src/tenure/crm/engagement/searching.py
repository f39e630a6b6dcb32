"""Complaints in the top bar's search: by their text, their external id and their customer."""

from __future__ import annotations

from django.db.models import Q
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy

from tenure.crm.customers.searching import Hit, Query, Section
from tenure.crm.customers.searching import register as register_section
from tenure.crm.lib.search import text_q, words

from .access import complaints_for_user


def _complaints(query: Query, limit: int) -> list[Hit]:
    # Every word of the text in the folded description (lib/search.py: "розбита" finds
    # "Розбита", "пришел" finds "пришёл" on every database). Their customers come by
    # primary key after: joined, SQLite may read every customer first.
    condition = Q(external_id=query.text) | Q(customer__in=query.customer_ids)
    if words(query.text):
        condition |= text_q("search_text", query.text)
    found = complaints_for_user(query.user).filter(condition).order_by(
        "-opened_at", "-id").prefetch_related("customer")[:limit]
    return [Hit(str(complaint), " · ".join([
        complaint.get_status_display(), Truncator(complaint.description).chars(120)]),
        complaint.get_absolute_url()) for complaint in found]


def register_search() -> None:
    """Add complaints to the top bar's search."""
    register_section(Section("complaints", gettext_lazy("Complaints"),
                             "engagement.view_complaint", _complaints))
