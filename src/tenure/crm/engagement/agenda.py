"""A user's agenda: their planned activities split into overdue, today, this week and later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The later section is a glance ahead, not the whole future; "show all" lists this many.
LATER_SHOWN = 50
LATER_ALL = 1000


@dataclass
class Section:
    key: str
    title: str
    activities: list


def _midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def agenda_sections(activities: QuerySet, now=None, later_shown: int = LATER_SHOWN
                    ) -> list[Section]:
    """Return the planned ``activities`` in sections: overdue, today, this week, later
    (its first ``later_shown``).

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
        Section("later", _("Later"),
                list(planned.filter(due_at__gte=next_monday)[:later_shown])),
    ]


@dataclass
class Day:
    day: date
    activities: list


def week_of(activities: QuerySet, monday: date) -> list[Day]:
    """Return the seven days from ``monday``, each with its planned ``activities`` by time."""
    planned = activities.open().select_related("customer").filter(
        due_at__gte=_midnight(monday), due_at__lt=_midnight(monday + timedelta(days=7)),
    ).order_by("due_at", "id")
    days = [Day(monday + timedelta(days=n), []) for n in range(7)]
    for activity in planned:
        days[(timezone.localdate(activity.due_at) - monday).days].activities.append(activity)
    return days


def monday_of(day: date) -> date:
    """Return the Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
