"""Forms of the loyalty pages: the programme's settings and a staff adjustment."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib.bounds import MAX_DAYS, BoundedDateTimeField, datetime_input

from .models import Programme

MAX_ADJUSTMENT = 10 ** 9


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["starts_at", "points_per_unit", "pending_days", "point_value", "max_share",
                  "expiry_days"]
        widgets = {"starts_at": datetime_input()}
        field_classes = {"starts_at": BoundedDateTimeField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Days add to dates: ten years at most (`lib.bounds`).
        for name in ("pending_days", "expiry_days"):
            self.fields[name].max_value = MAX_DAYS
            self.fields[name].validators.append(MaxValueValidator(MAX_DAYS))
            self.fields[name].widget.attrs["max"] = MAX_DAYS
        for name in ("points_per_unit", "point_value"):
            self.fields[name].validators.append(MaxValueValidator(Decimal("10000")))


class AdjustmentForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points"), min_value=-MAX_ADJUSTMENT, max_value=MAX_ADJUSTMENT,
        help_text=_("Positive to add, negative to take away."))
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             help_text=_("Kept in the statement with your name."))

    def clean_points(self) -> int:
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("An adjustment must change the balance."))
        return points
