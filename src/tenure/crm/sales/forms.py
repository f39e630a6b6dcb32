"""The order list's filters."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib import bounds
from tenure.crm.lib.days import start_of_day
from tenure.crm.lib.search import phone_digits_of, text_q

from .models import OrderStatus


class OrderFilterForm(forms.Form):
    """The order list's search and filters, read from the query string."""

    q = forms.CharField(required=False, label=_("Search"))
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *OrderStatus.choices], required=False, label=_("Status")
    )
    channel = forms.CharField(required=False, label=_("Channel"))
    store = forms.CharField(required=False, label=_("Store"))
    date_from = bounds.BoundedDateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = bounds.BoundedDateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    customer = forms.IntegerField(required=False, min_value=1, max_value=bounds.MAX_ID,
                                  widget=forms.HiddenInput)

    EXACT = {"status": "status", "channel": "channel", "store": "store", "customer": "customer_id"}

    def filter(self, orders):
        """Return ``orders`` narrowed by the valid filters."""
        if not self.is_valid():
            return orders
        data = self.cleaned_data
        if data["q"]:
            text = data["q"].strip()
            # The customer's folded name, email, city, notes and phone digits, as the
            # customer list searches them.
            condition = Q(external_id=text) | text_q("customer__search_text", text)
            if digits := phone_digits_of(text):
                condition |= Q(customer__phone_digits__contains=digits)
            orders = orders.filter(condition)
        for field, lookup in self.EXACT.items():
            if data[field]:
                orders = orders.filter(**{lookup: data[field]})
        if data["date_from"]:
            orders = orders.filter(ordered_at__gte=start_of_day(data["date_from"]))
        if data["date_to"]:
            orders = orders.filter(ordered_at__lt=start_of_day(data["date_to"] + timedelta(1)))
        return orders

    @property
    def is_filtered(self) -> bool:
        return any(v not in (None, "") for v in getattr(self, "cleaned_data", {}).values())
