"""Forms of complaints: register one, change its status or assignee, filter the list,
choose the report's period."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Case, F, IntegerField, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.crm.customers.forms import ManagerChoiceField
from tenure.crm.lib import formatting
from tenure.crm.lib.bounds import BoundedDateField
from tenure.crm.lib.days import start_of_day
from tenure.crm.sales.models import Order

from .forms import people_field
from .models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
)
from .people import assignable_users

REPORT_DAYS = 365


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.external_id} · {formatting.day(obj.ordered_at)}"


class ComplaintForm(forms.ModelForm):
    """A customer's complaint as the person taking it writes it down."""

    class Meta:
        model = Complaint
        fields = ["order", "category", "severity", "channel", "description", "assignee"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, customer, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer, self.user = customer, user
        self.fields["order"] = OrderChoiceField(
            queryset=Order.objects.filter(customer=customer).order_by("-ordered_at", "-id"),
            required=False, label=_("Order"), empty_label=_("No particular order"))
        self.fields["assignee"] = people_field(
            customer, user, required=False, label=_("Assignee"), empty_label=_("Nobody yet"))
        self.initial.setdefault("assignee", user.pk)

    def save(self, commit: bool = True) -> Complaint:
        data = self.cleaned_data
        return Complaint.objects.register(
            self.customer, category=data["category"], severity=data["severity"],
            channel=data["channel"], description=data["description"], order=data["order"],
            assignee=data["assignee"], by=self.user,
        )


# (from, to) -> the button's words; a move not listed is named by its new status.
TRANSITION_LABELS = {
    (ComplaintStatus.NEW, ComplaintStatus.IN_PROGRESS): _("Start work"),
    (ComplaintStatus.RESOLVED, ComplaintStatus.IN_PROGRESS): _("Reopen"),
    (ComplaintStatus.CLOSED, ComplaintStatus.IN_PROGRESS): _("Reopen"),
    (ComplaintStatus.NEW, ComplaintStatus.RESOLVED): _("Resolve"),
    (ComplaintStatus.IN_PROGRESS, ComplaintStatus.RESOLVED): _("Resolve"),
    (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED): _("Close"),
}


class ComplaintStatusForm(forms.Form):
    """Move a complaint on, with a note; resolving needs one, as the customer reads it."""

    status = forms.ChoiceField(choices=ComplaintStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("To resolve, say how: the customer receives this text by email."))

    def __init__(self, *args, complaint: Complaint, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint, self.user = complaint, user
        self.fields["status"].choices = [(s, ComplaintStatus(s).label)
                                         for s in complaint.allowed_statuses()]

    def buttons(self) -> list[tuple[str, str]]:
        """Return (status, words) for each move the complaint allows now."""
        current = self.complaint.status
        return [(s, TRANSITION_LABELS.get((current, s), ComplaintStatus(s).label))
                for s in self.complaint.allowed_statuses()]

    def clean(self):
        data = super().clean()
        if data.get("status") == ComplaintStatus.RESOLVED and not data.get("note", "").strip():
            self.add_error("note", _("Say how the complaint was resolved: the customer "
                                     "receives it."))
        return data

    def save(self):
        return self.complaint.set_status(
            self.cleaned_data["status"], by=self.user, note=self.cleaned_data["note"])


class AssignComplaintForm(forms.Form):
    assignee = ManagerChoiceField(
        queryset=None, required=False, label=_("Assignee"), empty_label=_("Nobody"))

    def __init__(self, *args, complaint: Complaint, user, **kwargs):
        kwargs.setdefault("initial", {"assignee": complaint.assignee_id})
        super().__init__(*args, **kwargs)
        self.complaint, self.user = complaint, user
        self.fields["assignee"].queryset = assignable_users(complaint.customer)

    def save(self):
        return self.complaint.assign(self.cleaned_data["assignee"], by=self.user)


SLA_CHOICES = [
    ("", _("Any")),
    ("overdue", _("Open and past due")),
    ("breached", _("SLA breached (open or resolved late)")),
    ("within", _("Within SLA")),
]
STATUS_FILTERS = [("", _("Any status")), ("open", _("Open (new or in progress)")),
                  *ComplaintStatus.choices]


class ComplaintFilterForm(forms.Form):
    """The complaint list's filters, read from the query string."""

    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False, label=_("Status"))
    assignee = ManagerChoiceField(
        queryset=None, required=False, label=_("Assignee"), empty_label=_("Anyone"))
    category = forms.ChoiceField(
        choices=[("", _("Any category")), *ComplaintCategory.choices], required=False,
        label=_("Category"))
    sla = forms.ChoiceField(choices=SLA_CHOICES, required=False, label=_("SLA"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()

    @property
    def is_filtered(self) -> bool:
        return any(v not in (None, "") for v in getattr(self, "cleaned_data", {}).values())

    def filter(self, complaints: QuerySet, now=None) -> QuerySet:
        """Return ``complaints`` narrowed by the valid filters, the most urgent open first."""
        complaints = complaints.annotate(
            open_rank=Case(When(status__in=OPEN_STATUSES, then=0), default=1,
                           output_field=IntegerField()),
            open_due=Case(When(status__in=OPEN_STATUSES, then=F("due_at"))),
        ).order_by("open_rank", "open_due", "-opened_at", "-id")
        if not self.is_valid():
            return complaints
        data = self.cleaned_data
        if data["status"] == "open":
            complaints = complaints.open()
        elif data["status"]:
            complaints = complaints.filter(status=data["status"])
        if data["assignee"]:
            complaints = complaints.filter(assignee=data["assignee"])
        if data["category"]:
            complaints = complaints.filter(category=data["category"])
        return self._sla(complaints, data["sla"], now or timezone.now())

    @staticmethod
    def _sla(complaints: QuerySet, sla: str, now) -> QuerySet:
        if sla == "overdue":
            return complaints.overdue(now)
        if sla == "breached":
            return complaints.breached(now)
        if sla == "within":
            return complaints.exclude(pk__in=complaints.breached(now).values("pk"))
        return complaints


class ReportPeriodForm(forms.Form):
    """The complaint report's period: complaints opened from one day to another."""

    since = BoundedDateField(required=False, label=_("Opened from"),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = BoundedDateField(required=False, label=_("to"),
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The period ends before it starts."), code="order")
        return data

    def period(self):
        """Return (first day, last day) chosen, by default the last 365 days."""
        data = self.cleaned_data if self.is_valid() else {}
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or until - timedelta(days=REPORT_DAYS - 1)
        return since, until

    def bounds(self):
        """Return the period as [start, end) moments in the current time zone."""
        since, until = self.period()
        return start_of_day(since), start_of_day(until + timedelta(days=1))
