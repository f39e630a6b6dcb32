"""Forms of the loyalty pages: the programme's settings, a staff adjustment, a redemption
at the counter and points given by hand."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib.bounds import MAX_DAYS, BoundedDateTimeField, datetime_input
from tenure.crm.lib.formatting import money
from tenure.crm.sales.models import Order, OrderStatus

from .models import Programme

MAX_ADJUSTMENT = 10 ** 9
# The orders a redemption may pay: the customer's latest (the one at the counter is new).
RECENT_ORDERS = 30


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


class KeyField(forms.CharField):
    """A hidden idempotency key made when the form is shown: a second submit of the same
    form carries the same key, so the ledger applies it once."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(max_length=32, validators=[RegexValidator(
            "^[0-9a-f]{32}$", _("The form is out of date: open the page again."))], **kwargs)


def _new_key() -> str:
    return uuid.uuid4().hex


class RedeemForm(forms.Form):
    # Beside other forms on the statement: ids of its own.
    prefix = "redeem"

    points = forms.IntegerField(label=_("Points to redeem"), min_value=1,
                                max_value=MAX_ADJUSTMENT)
    order = forms.ModelChoiceField(
        queryset=Order.objects.none(), required=False, label=_("Order paid with them"),
        empty_label=_("No order"),
        help_text=_("At most the programme's share of the order may be paid with points."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           help_text=_("Why, when no order is named (e.g. a gift card)."))
    key = KeyField(initial=_new_key)

    def __init__(self, customer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = (Order.objects.filter(customer=customer).exclude(status=OrderStatus.CANCELLED)
                  .order_by("-ordered_at", "-id").values_list("pk", flat=True)[:RECENT_ORDERS])
        field = self.fields["order"]
        field.queryset = Order.objects.filter(pk__in=list(latest)).order_by("-ordered_at",
                                                                            "-id")
        field.label_from_instance = lambda order: _("%(order)s, %(total)s, %(day)s") % {
            "order": order, "total": money(order.total, order.currency),
            "day": order.ordered_at.date().isoformat()}

    def clean(self):
        data = super().clean()
        if not data.get("order") and not data.get("note", "").strip():
            raise forms.ValidationError(_("Name the order the points pay, or write a note."))
        return data


class RewardForm(forms.Form):
    """Points given by hand, to a customer or an audience: a surprise reward."""

    prefix = "give"

    points = forms.IntegerField(label=_("Points to give"), min_value=1,
                                max_value=MAX_ADJUSTMENT)
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             help_text=_("Shown in the customer's statement, and on their "
                                         "timeline with your name."))
    key = KeyField(initial=_new_key)


class ReferredForm(forms.Form):
    """The code of the friend who referred the customer, told at the counter."""

    prefix = "referred"

    code = forms.CharField(label=_("A friend's referral code"), max_length=32,
                           help_text=_("The friend is rewarded once this customer's first "
                                       "order has passed its return window and was kept."))
