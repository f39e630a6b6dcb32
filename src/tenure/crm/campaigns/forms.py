"""Forms of the campaign pages: an audience, a campaign with its steps, an offer."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.template import TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from tenure.crm.customers.models import Customer
from tenure.crm.lib.bounds import MAX_ID, BoundedDateTimeField, datetime_input

from . import triggers
from .audiences import AudienceFilterForm
from .models import Audience, Campaign, Offer, Step, TierDirection, Trigger
from .running import ENGINE


class AudienceForm(forms.ModelForm):
    """An audience's name and exclusion; its filters are an `AudienceFilterForm` beside."""

    prefix = "audience"

    class Meta:
        model = Audience
        fields = ["name", "exclude"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        others = Audience.objects.all()
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["exclude"].queryset = others


def filters_query(form: AudienceFilterForm) -> str:
    """Return the query string of the filters ``form`` was given (its empty ones left out)."""
    query = QueryDict(mutable=True)
    for name in form.fields:
        values = [value for value in form.data.getlist(name) if value not in ("", None)]
        if values:
            query.setlist(name, values)
    return query.urlencode()


class CampaignForm(forms.ModelForm):
    link = forms.URLField(
        required=False, max_length=500, assume_scheme="https",
        label=Campaign._meta.get_field("link").verbose_name,
        help_text=Campaign._meta.get_field("link").help_text)

    class Meta:
        model = Campaign
        fields = ["name", "trigger", "audience", "channel", "offer", "starts_at", "ends_at",
                  "days", "purchase_number", "threshold", "missed_rhythm", "segment", "dates",
                  "tier_direction", "tier", "link", "holdout", "window_days"]
        widgets = {"starts_at": datetime_input(), "ends_at": datetime_input(),
                   "dates": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"starts_at": BoundedDateTimeField, "ends_at": BoundedDateTimeField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the tier trigger reads it: a form sent without it means either way.
        self.fields["tier_direction"].required = False

    def clean_tier_direction(self) -> str:
        return self.cleaned_data.get("tier_direction") or TierDirection.ANY

    def clean(self):
        data = super().clean()
        trigger = data.get("trigger")
        if trigger == Trigger.SEGMENT_ENTRY and not data.get("segment"):
            self.add_error("segment", _("Choose the segment whose newcomers get the message."))
        if trigger == Trigger.TIER_DOWNGRADE and not data.get("days"):
            self.add_error("days", _("Give how many days before the review to write."))
        if trigger == Trigger.DATE:
            if not (data.get("dates") or "").strip():
                self.add_error("dates", _("List the dates, or holidays:UA for Ukraine's."))
            else:
                try:
                    triggers.dates_of(Campaign(dates=data["dates"]), [2027])
                except triggers.TriggerError as error:
                    self.add_error("dates", str(error))
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must come after the start."))
        return data


class StepForm(forms.ModelForm):
    class Meta:
        model = Step
        fields = ["number", "variant", "wait_days", "skip_answered", "subject_en", "body_en",
                  "subject_ru", "body_ru", "subject_uk", "body_uk"]
        widgets = {f"body_{code}": forms.Textarea(attrs={"rows": 4})
                   for code in ("en", "ru", "uk")}

    def clean(self):
        data = super().clean()
        if not any((data.get(f"body_{code}") or "").strip() for code in ("en", "ru", "uk")):
            raise forms.ValidationError(_("Write the message in at least one language."))
        for code in ("en", "ru", "uk"):
            for part in ("subject", "body"):
                text = data.get(f"{part}_{code}") or ""
                try:
                    ENGINE.from_string(text)
                except TemplateSyntaxError as error:
                    self.add_error(f"{part}_{code}", _("This text cannot be filled in: "
                                                       "%(error)s") % {"error": error})
        return data


class BaseStepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form.cleaned_data for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        keys = [(data["number"], data["variant"]) for data in kept]
        if len(set(keys)) != len(keys):
            raise forms.ValidationError(_("Each step number and variant may be used once."))
        numbers = sorted({number for number, _variant in keys})
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            raise forms.ValidationError(_("Number the steps 1, 2, 3… without gaps."))

    def validate_unique(self):
        # A swap of two steps' numbers is checked above, not row by row against the old.
        return


StepFormSet = forms.inlineformset_factory(
    Campaign, Step, form=StepForm, formset=BaseStepFormSet, extra=1, can_delete=True,
    max_num=9, validate_max=True)


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = ["name", "kind", "value", "item", "valid_days", "code_prefix"]

    def clean_code_prefix(self) -> str:
        prefix = self.cleaned_data["code_prefix"].strip().upper()
        if prefix and not prefix.isalnum():
            raise forms.ValidationError(_("Letters and digits only."))
        return prefix


class PreviewForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer number"), min_value=1, max_value=MAX_ID)

    def clean_customer(self) -> Customer:
        try:
            return Customer.objects.get(pk=self.cleaned_data["customer"])
        except Customer.DoesNotExist as exc:
            raise forms.ValidationError(_("No customer with this number.")) from exc


class TestSendForm(forms.Form):
    email = forms.EmailField(label=_("Send a test to"))
