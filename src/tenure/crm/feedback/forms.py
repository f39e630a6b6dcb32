"""Forms of the surveys: the survey's settings, the customer page's "send a survey", and
the customer's "why" on the public answer page."""

from __future__ import annotations

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tenure.crm.accounts.models import Role, User
from tenure.crm.customers import segments
from tenure.crm.lib.bounds import MAX_DAYS

from .models import Survey, SurveyTrigger

COMMENT_MAX = 2000


def follow_up_users() -> QuerySet:
    """Return the users who may take a call back: active managers, support and admins."""
    roles = [Role.SALES_MANAGER, Role.SUPPORT_AGENT, Role.ADMINISTRATOR]
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct().order_by(
        "first_name", "last_name", "username"
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class SurveyForm(forms.ModelForm):
    """A survey's question, who is asked it and when, and who calls back after a low score."""

    stage = forms.ChoiceField(
        choices=lambda: [("", "—"), *segments.choices()], required=False, label=_("Segment"),
        help_text=_("For surveys sent when a customer reaches a segment: the RFM segment."),
    )
    follow_up_assignee = UserChoiceField(
        queryset=User.objects.none(), required=False, empty_label=_("Nobody: tell the admins"),
        label=_("Call back customers without a manager"),
    )

    class Meta:
        model = Survey
        fields = [
            "name", "kind", "question", "trigger", "stage", "delay_days", "min_interval_days",
            "valid_days", "follow_up_low_scores", "follow_up_assignee", "is_active",
        ]
        widgets = {"question": forms.TextInput(attrs={"placeholder": _("The standard question")})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_assignee"].queryset = follow_up_users()
        if self.instance.pk and self.instance.invitations.exists():
            # Answers on two scales would not add up to one score.
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("Fixed once the survey has been sent.")
        for name in ("delay_days", "min_interval_days", "valid_days"):
            self.fields[name].widget.attrs["max"] = MAX_DAYS
        # A link valid for 0 days would expire as it is sent.
        self.fields["valid_days"].validators.append(MinValueValidator(1))
        self.fields["valid_days"].widget.attrs["min"] = 1

    def clean(self) -> dict:
        data = super().clean()
        if data.get("trigger") != SurveyTrigger.STAGE:
            data["stage"] = ""
        elif not data.get("stage"):
            self.add_error("stage", _("Choose the segment whose customers are asked."))
        return data


class SendSurveyForm(forms.Form):
    """The survey to send a customer now, from their page."""

    survey = forms.ModelChoiceField(
        queryset=Survey.objects.active(), label=_("Survey"), empty_label=None,
    )


class WhyForm(forms.Form):
    """The customer's reason for their score."""

    comment = forms.CharField(
        label=_("What is the main reason for your score?"), max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
