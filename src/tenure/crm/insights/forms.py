"""Forms of the insights pages: the period and cohort switches, read from the query string."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

PERIODS = [
    ("week", _("Week")),
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
]
MEASURES = [
    ("customers", _("Customers retained")),
    ("revenue", _("Revenue retained")),
    ("revenue_per_customer", _("Revenue per original customer")),
]
COUNTINGS = [
    ("in_period", _("Bought in that month")),
    ("in_or_after", _("Bought in that month or later")),
]


class _SwitchForm(forms.Form):
    """Choice fields whose missing or unknown values fall back to the field's initial value."""

    def value(self, name: str) -> str:
        """Return the chosen value of ``name``, or its default."""
        self.is_valid()
        return self.cleaned_data.get(name) or self.fields[name].initial


class PeriodForm(_SwitchForm):
    """The overview's period: week, month, quarter or year (month by default)."""

    period = forms.ChoiceField(
        choices=PERIODS, required=False, initial="month", label=_("Period")
    )


class CohortForm(_SwitchForm):
    """The cohort table's measure and how a returning customer is counted."""

    measure = forms.ChoiceField(
        choices=MEASURES, required=False, initial="customers", label=_("Show")
    )
    counting = forms.ChoiceField(
        choices=COUNTINGS, required=False, initial="in_period", label=_("Count a customer")
    )
