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


class ForecastForm(_SwitchForm):
    """The forecast page's period, series (shop, store or segment) and measure."""

    period = forms.ChoiceField(required=False, initial="week", label=_("Periods"))
    series = forms.ChoiceField(required=False, initial="all:all", label=_("Sales of"))
    measure = forms.ChoiceField(required=False, initial="revenue", label=_("Show"))

    def __init__(self, data, *, results: dict):
        from .predictive import FORECAST_MEASURES, FORECAST_PERIODS, series_choices

        super().__init__(data)
        self.fields["period"].choices = FORECAST_PERIODS
        self.fields["measure"].choices = FORECAST_MEASURES
        # The series offered are those forecast for the period chosen.
        period = (data or {}).get("period")
        if period not in dict(FORECAST_PERIODS):
            period = self.fields["period"].initial
        self.fields["series"].choices = (series_choices(results, period)
                                         or [("all:all", _("Whole shop"))])


RISK_LEVELS = [
    # xgettext:no-python-format
    ("0.1", _("10% or more")),
    # xgettext:no-python-format
    ("0.3", _("30% or more")),
    # xgettext:no-python-format
    ("0.5", _("50% or more")),
    # xgettext:no-python-format
    ("0.7", _("70% or more")),
]


class AtRiskForm(_SwitchForm):
    """The at-risk list's filters: how risky, which segment, whose customers."""

    risk = forms.ChoiceField(choices=RISK_LEVELS, required=False, initial="0.5",
                             label=_("Chance of leaving"))
    segment = forms.ChoiceField(required=False, initial="", label=_("Segment"))
    manager = forms.ChoiceField(required=False, initial="", label=_("Manager"))

    def __init__(self, data, *, managers: list[tuple[str, str]] | None):
        from .models import Segment

        super().__init__(data)
        self.fields["segment"].choices = [("", _("All segments")), *Segment.choices]
        if managers is None:  # a sales manager sees only their own customers
            del self.fields["manager"]
        else:
            self.fields["manager"].choices = [("", _("All managers")), *managers]


class PerformanceForm(_SwitchForm):
    """The manager performance page's period kind and the period compared (default: the
    latest complete one)."""

    period = forms.ChoiceField(choices=PERIODS[1:], required=False, initial="month",
                               label=_("Periods"))
    start = forms.ChoiceField(required=False, label=_("Compare"))

    def __init__(self, data, *, today):
        from .performance import period_names, period_starts

        super().__init__(data)
        # The periods offered are those of the kind chosen, the latest first.
        period = (data or {}).get("period")
        if period not in dict(self.fields["period"].choices):
            period = self.fields["period"].initial
        starts = period_starts(period, today)
        names = period_names(starts, period)
        self.fields["start"].choices = [(s.isoformat(), names[s]) for s in reversed(starts)]
        self.fields["start"].initial = starts[-2].isoformat()
