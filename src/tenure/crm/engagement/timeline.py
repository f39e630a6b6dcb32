"""Engagement's events on a customer's timeline: interactions, activities and complaints."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.crm.customers.timeline import Event, register, window

from .models import Activity, Complaint, Interaction


def _interactions(customer, before, limit):
    rows = window(Interaction.objects.filter(customer=customer).select_related("manager"),
                  "occurred_at", before, limit)
    for item in rows:
        who = item.manager.get_full_name() or item.manager.username if item.manager else ""
        title = " · ".join(filter(None, [
            str(item.get_kind_display()),
            str(item.get_direction_display()) if item.direction else "", item.channel, who]))
        yield Event("interaction", item.occurred_at, title, detail=item.summary,
                    badge=item.get_outcome_display() if item.outcome else "", order=item.pk)


def _activities(customer, before, limit):
    rows = window(Activity.objects.filter(customer=customer).select_related("assignee"),
                  "due_at", before, limit)
    for activity in rows:
        assignee = activity.assignee.get_full_name() or activity.assignee.username
        yield Event(
            "activity", activity.due_at,
            f"{activity.get_kind_display()}: {activity.subject} · {assignee}",
            detail=activity.outcome or activity.notes, url=activity.get_absolute_url(),
            badge=_("Overdue") if activity.is_overdue else activity.get_status_display(),
            badge_class="overdue" if activity.is_overdue else f"status-{activity.status}",
            order=activity.pk,
        )


def _complaints(customer, before, limit):
    for complaint in window(Complaint.objects.filter(customer=customer), "opened_at",
                            before, limit):
        yield Event(
            "complaint", complaint.opened_at,
            _("Complaint #%(number)s: %(category)s, %(severity)s") % {
                "number": complaint.pk, "category": complaint.get_category_display(),
                "severity": complaint.get_severity_display()},
            detail=complaint.resolution or complaint.description,
            url=complaint.get_absolute_url(), badge=complaint.get_status_display(),
            badge_class="overdue" if complaint.is_open and complaint.is_breached
            else f"status-{complaint.status}",
            order=complaint.pk,
        )


def register_sources() -> None:
    """Add engagement's events to every customer's timeline (called from ``ready``)."""
    register("interaction", gettext_lazy("Interactions"), _interactions)
    register("activity", gettext_lazy("Activities"), _activities)
    register("complaint", gettext_lazy("Complaints"), _complaints)
