"""Forms of interactions and activities: log a contact, plan one, complete, move or cancel it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.crm.accounts.models import User
from tenure.crm.customers.forms import ManagerChoiceField
from tenure.crm.lib.bounds import MAX_MINUTES, BoundedDateTimeField, datetime_input

from .models import Activity, Direction, Interaction, InteractionKind
from .people import assignable_users

# A form filled in at 10:00 for "10:00" arrives a little later; that is not the past.
GRACE = timedelta(minutes=5)
# Kinds of contact that usually start at the shop, and the customer detail they go to.
OUTGOING = {InteractionKind.CALL, InteractionKind.EMAIL, InteractionKind.MESSAGE}
CONTACT_FIELD = {InteractionKind.CALL: "phone", InteractionKind.MESSAGE: "phone",
                 InteractionKind.EMAIL: "email"}




def people_field(customer, user, **kwargs) -> ManagerChoiceField:
    """Return a select of the people who may work for ``customer``, ``user`` among them."""
    people = User.objects.filter(Q(pk__in=assignable_users(customer).values("pk")) | Q(pk=user.pk))
    return ManagerChoiceField(
        queryset=people.order_by("first_name", "last_name", "username"), **kwargs)


def tomorrow_morning():
    """Return 10:00 tomorrow, local time: a sensible first guess for a planned call."""
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(10)))


def in_future(when):
    """Return ``when``, or refuse a time already past."""
    if when < timezone.now() - GRACE:
        raise forms.ValidationError(_("Choose a time in the future."), code="past")
    return when


class InteractionForm(forms.ModelForm):
    """A contact that happened, prefilled so that logging a call takes two clicks."""

    class Meta:
        model = Interaction
        fields = ["kind", "direction", "outcome", "summary", "occurred_at", "channel", "manager"]
        widgets = {"occurred_at": datetime_input(), "summary": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"occurred_at": BoundedDateTimeField}

    def __init__(self, *args, customer, user, kind: str = "", **kwargs):
        kind = kind if kind in InteractionKind.values else InteractionKind.CALL
        kwargs.setdefault("initial", {
            "kind": kind, "occurred_at": timezone.now(), "manager": user.pk,
            "direction": Direction.OUTBOUND if kind in OUTGOING else Direction.NONE,
            "channel": getattr(customer, CONTACT_FIELD.get(kind, ""), ""),
        })
        super().__init__(*args, **kwargs)
        self.instance.customer = customer
        self.user = user
        if user.sees_only_own_customers:
            # A sales manager logs their own contacts.
            del self.fields["manager"]
        else:
            self.fields["manager"] = people_field(
                customer, user, required=False, label=_("Manager"), empty_label=_("Nobody"))

    def clean_occurred_at(self):
        when = self.cleaned_data["occurred_at"]
        if when > timezone.now() + GRACE:
            raise forms.ValidationError(
                _("A contact that happened cannot be in the future; plan an activity instead."),
                code="future")
        return when

    def save(self, commit: bool = True) -> Interaction:
        if "manager" not in self.fields:
            self.instance.manager = self.user
        return super().save(commit)


class ActivityForm(forms.ModelForm):
    """A call, meeting or task to plan for a customer."""

    class Meta:
        model = Activity
        fields = ["kind", "subject", "due_at", "duration_minutes", "assignee",
                  "remind_minutes_before", "notes"]
        widgets = {"due_at": datetime_input(), "notes": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"due_at": BoundedDateTimeField}

    def __init__(self, *args, customer, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.customer = customer
        self.instance.created_by = user
        self.fields["assignee"] = people_field(customer, user, label=_("Assignee"))
        people = self.fields["assignee"].queryset
        default = customer.manager if people.filter(pk=customer.manager_id).exists() else user
        self.initial.setdefault("assignee", default.pk)
        self.initial.setdefault("subject", _("Call %(customer)s") % {"customer": customer})
        self.initial.setdefault("due_at", tomorrow_morning())
        for name in ("duration_minutes", "remind_minutes_before"):
            self.fields[name].widget.attrs.update(min=0, max=MAX_MINUTES)

    def clean_due_at(self):
        return in_future(self.cleaned_data["due_at"])


class _ActivityActionForm(forms.Form):
    """An action on a planned activity; it refuses one that is already done or cancelled."""

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity

    def clean(self):
        if not self.activity.is_planned:
            raise forms.ValidationError(
                _("This activity is already %(status)s.")
                % {"status": self.activity.get_status_display().lower()}, code="closed")
        return super().clean()


class CompleteActivityForm(_ActivityActionForm):
    outcome = forms.CharField(
        label=_("What came of it"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def save(self) -> None:
        self.activity.complete(self.cleaned_data["outcome"])


class RescheduleActivityForm(_ActivityActionForm):
    due_at = BoundedDateTimeField(label=_("New time"), widget=datetime_input())

    def clean_due_at(self):
        return in_future(self.cleaned_data["due_at"])

    def save(self) -> None:
        self.activity.reschedule(self.cleaned_data["due_at"])


class CancelActivityForm(_ActivityActionForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def save(self) -> None:
        self.activity.cancel(self.cleaned_data["reason"])


ACTIVITY_ACTIONS = {
    "complete": CompleteActivityForm,
    "reschedule": RescheduleActivityForm,
    "cancel": CancelActivityForm,
}
