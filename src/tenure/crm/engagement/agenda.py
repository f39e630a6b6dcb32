"""A user's agenda: their planned activities split into overdue, today, this week and later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The later section is a glance ahead, not the whole future.
LATER_SHOWN = 50


@dataclass
class Section:
    key: str
    title: str
    activities: list


def _midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def agenda_sections(activities: QuerySet, now=None) -> list[Section]:
    """Return the planned ``activities`` in sections: overdue, today, this week, later.

    Days end at local midnight and weeks on Sunday night.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow = _midnight(today + timedelta(days=1))
    next_monday = _midnight(today + timedelta(days=7 - today.weekday()))
    planned = activities.open().select_related("customer").order_by("due_at", "id")
    return [
        Section("overdue", _("Overdue"), list(planned.filter(due_at__lt=now))),
        Section("today", _("Today"), list(planned.filter(due_at__gte=now, due_at__lt=tomorrow))),
        Section("week", _("This week"),
                list(planned.filter(due_at__gte=tomorrow, due_at__lt=next_monday))),
        Section("later", _("Later"), list(planned.filter(due_at__gte=next_monday)[:LATER_SHOWN])),
    ]
