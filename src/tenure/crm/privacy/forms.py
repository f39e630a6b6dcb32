"""Forms of the privacy pages: the erasure's confirmation and the audit log's filters."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

# The largest id a BigAutoField holds: anything above is no customer, not a crash.
MAX_ID = 2**63 - 1


class ErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the erasure cannot be undone."), required=True,
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )


class AuditFilterForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer id"), required=False, min_value=1,
                                  max_value=MAX_ID)
    user = forms.ModelChoiceField(label=_("User"), required=False, queryset=None,
                                  empty_label=_("Anyone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.order_by("username")
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.username

    def filter(self, entries):
        """Return ``entries`` narrowed to the customer and user asked for (none if invalid)."""
        if not self.is_bound:
            return entries
        if not self.is_valid():
            return entries.none()
        if self.cleaned_data["customer"]:
            entries = entries.filter(additional_data__customer=self.cleaned_data["customer"])
        if self.cleaned_data["user"]:
            entries = entries.filter(actor=self.cleaned_data["user"])
        return entries
