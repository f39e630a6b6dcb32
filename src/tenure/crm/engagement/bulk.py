"""Plan a call, meeting or task for many customers at once (a bulk action of the lists)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tenure.crm.customers.bulk import BulkAction, register
from tenure.crm.lib.bounds import MAX_MINUTES, BoundedDateTimeField

from .forms import datetime_input, in_future, tomorrow_morning
from .models import Activity, ActivityKind
from .people import assignable_users

#: Who does each planned activity.
OWN_MANAGER, ME = "manager", "me"


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices,
                             initial=ActivityKind.CALL)
    subject = forms.CharField(
        label=_("Subject"), max_length=200, required=False,
        help_text=_("Left empty: “Call” and the customer's name, and so on."))
    due_at = BoundedDateTimeField(label=_("Due"), widget=datetime_input())
    duration_minutes = forms.IntegerField(label=_("Duration, minutes"), min_value=0,
                                          max_value=MAX_MINUTES, initial=15)
    assignee = forms.ChoiceField(label=_("Who does it"), choices=[
        (OWN_MANAGER, _("each customer's manager (me when they have none)")),
        (ME, _("me"))], initial=OWN_MANAGER)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("due_at", tomorrow_morning())

    def clean_due_at(self):
        return in_future(self.cleaned_data["due_at"])


def _plan(user, customers, data) -> str:
    kind = data["kind"]
    label = ActivityKind(kind).label
    activities = []
    # A customer's own manager may be given the customer's activity when they are an
    # active user working with customers (`assignable_users(customer)` always holds the
    # customer's manager then): asked once, not per customer.
    working = set(assignable_users().values_list("pk", flat=True))
    for customer in customers.select_related("manager"):
        assignee = user
        if data["assignee"] == OWN_MANAGER and customer.manager_id in working:
            assignee = customer.manager
        activities.append(Activity(
            customer=customer, kind=kind, assignee=assignee, created_by=user,
            subject=data["subject"] or f"{label} {customer}"[:200], due_at=data["due_at"],
            duration_minutes=data["duration_minutes"], notes=data["notes"]))
    for activity in activities:
        activity.full_clean(exclude=["customer", "assignee", "created_by"])
        activity.save()  # one by one: the reminders and the timeline see each
    return ngettext("%(count)d activity planned.", "%(count)d activities planned.",
                    len(activities)) % {"count": len(activities)}


def register_actions() -> None:
    register(BulkAction("plan", _("Plan a call, meeting or task"),
                        lambda user: user.has_perm("engagement.add_activity"), PlanForm, _plan))
