"""One customer's timeline: orders, returns, interactions, activities, complaints,
survey answers and messages, newest first.

Each source is read through its (customer, -time) index for one page only
and the pages are merged, so a customer with thousands of events costs the
same as one with fifty. Older pages are asked for with a time cursor.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .templatetags.tenure_format import money

PAGE = 30

KINDS = {
    "order": gettext_lazy("Orders"),
    "interaction": gettext_lazy("Interactions"),
    "activity": gettext_lazy("Activities"),
    "complaint": gettext_lazy("Complaints"),
    "answer": gettext_lazy("Survey answers"),
    "message": gettext_lazy("Messages"),
}


@dataclass(frozen=True)
class Event:
    kind: str
    time: datetime
    title: str
    detail: str = ""
    url: str = ""
    badge: str = ""
    badge_class: str = ""
    # Breaks ties between events of the same instant, so paging is stable.
    order: int = 0


def timeline(customer, *, kinds: set[str] | None = None, before: datetime | None = None,
             limit: int = PAGE) -> list[Event]:
    """Return up to ``limit`` events of ``customer`` older than ``before``, newest first."""
    wanted = set(KINDS) if not kinds else kinds & set(KINDS)
    streams = [SOURCES[kind](customer, before, limit) for kind in KINDS if kind in wanted]
    merged = heapq.merge(*streams, key=lambda e: (e.time, e.order), reverse=True)
    return [event for _, event in zip(range(limit), merged, strict=False)]


def _window(queryset, field: str, before, limit: int):
    if before is not None:
        queryset = queryset.filter(**{f"{field}__lt": before})
    return queryset.order_by(f"-{field}", "-id")[:limit]


def _orders(customer, before, limit):
    from tenure.crm.sales.models import Order

    for order in _window(Order.objects.filter(customer=customer), "ordered_at", before, limit):
        yield Event(
            "order", order.ordered_at,
            _("Order %(number)s, %(total)s") % {
                "number": order.external_id, "total": money(order.total, order.currency)},
            detail=" · ".join(filter(None, [order.channel, order.store])),
            url=order.get_absolute_url(), badge=order.get_status_display(),
            badge_class=f"status-{order.status}", order=order.pk,
        )


def _interactions(customer, before, limit):
    from tenure.crm.engagement.models import Interaction

    rows = _window(Interaction.objects.filter(customer=customer).select_related("manager"),
                   "occurred_at", before, limit)
    for item in rows:
        who = item.manager.get_full_name() or item.manager.username if item.manager else ""
        title = " · ".join(filter(None, [
            str(item.get_kind_display()),
            str(item.get_direction_display()) if item.direction else "", item.channel, who]))
        yield Event("interaction", item.occurred_at, title, detail=item.summary,
                    badge=item.get_outcome_display() if item.outcome else "", order=item.pk)


def _activities(customer, before, limit):
    from tenure.crm.engagement.models import Activity

    rows = _window(Activity.objects.filter(customer=customer).select_related("assignee"),
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
    from tenure.crm.engagement.models import Complaint

    for complaint in _window(Complaint.objects.filter(customer=customer), "opened_at",
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


def _answers(customer, before, limit):
    from tenure.crm.feedback.models import Answer

    rows = _window(Answer.objects.filter(customer=customer).select_related("invitation__survey"),
                   "answered_at", before, limit)
    for answer in rows:
        yield Event(
            "answer", answer.answered_at,
            _("%(survey)s: %(score)s") % {
                "survey": answer.invitation.survey.name, "score": answer.score},
            detail=answer.comment, url=answer.invitation.survey.get_absolute_url(),
            badge=answer.kind.upper(), badge_class=f"score-{answer.tone}", order=answer.pk,
        )


def _messages(customer, before, limit):
    from tenure.crm.messaging.models import Message

    # Ordered by creation (the indexed column); a message is shown at its sending time.
    for message in _window(Message.objects.filter(customer=customer), "created_at",
                           before, limit):
        yield Event(
            "message", message.created_at, message.subject,
            detail=_("Email to %(address)s") % {"address": message.to_email},
            badge=message.get_status_display(), badge_class=f"status-{message.status}",
            order=message.pk,
        )


SOURCES = {
    "order": _orders,
    "interaction": _interactions,
    "activity": _activities,
    "complaint": _complaints,
    "answer": _answers,
    "message": _messages,
}
