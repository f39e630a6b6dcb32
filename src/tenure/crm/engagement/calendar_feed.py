"""A user's planned activities as an iCalendar (RFC 5545) feed their calendar app subscribes to.

Each event carries the activity's ``uid`` and a sequence number that grows with every
reschedule, so calendar apps update the event instead of adding a second one.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Activity

if TYPE_CHECKING:
    import icalendar

logger = logging.getLogger(__name__)

# Events this old are still shown, so a missed call stays visible for a while.
PAST_DAYS = 30


def feed_activities(activities, now=None):
    """Return the planned ``activities`` that belong in a feed made at ``now``."""
    since = (now or timezone.now()) - timedelta(days=PAST_DAYS)
    return activities.open().filter(due_at__gte=since).select_related("customer")


def build_calendar(user, activities, now=None) -> bytes:
    """Return ``activities`` as an iCalendar file, in ``user``'s language."""
    # icalendar takes a fifth of a second to import: loaded by the first feed, not by
    # the first page of the app whose views serve it.
    import icalendar

    now = now or timezone.now()
    with translation.override(user.message_language):
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//Tenure//Activities//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _("Tenure: %(name)s") % {
            "name": user.get_full_name() or user.username})
        for activity in activities:
            if problems := activity.schedule_problems():
                # One activity out of range must not take the whole calendar down.
                logger.warning("calendar feed of %s: skipped activity %s: %s", user,
                               activity.pk, "; ".join(problems))
                continue
            calendar.add_component(_event(activity, now))
    return calendar.to_ical()


def _event(activity: Activity, now) -> icalendar.Event:
    import icalendar

    event = icalendar.Event()
    event.add("uid", str(activity.uid))
    event.add("dtstamp", now)
    event.add("dtstart", activity.due_at)
    event.add("dtend", activity.ends_at)
    event.add("sequence", activity.reschedules)
    event.add("summary", _("%(subject)s · %(customer)s") % {
        "subject": activity.subject, "customer": activity.customer})
    event.add("description", _description(activity))
    event.add("url", settings.TENURE_BASE_URL + activity.get_absolute_url())
    event.add("categories", [activity.get_kind_display()])
    if activity.remind_minutes_before is not None:
        event.add_component(_alarm(activity))
    return event


def _description(activity: Activity) -> str:
    customer = activity.customer
    lines = [activity.notes] if activity.notes else []
    lines += [value for value in (customer.phone, customer.email) if value]
    return "\n".join(lines)


def _alarm(activity: Activity) -> icalendar.Alarm:
    import icalendar

    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", activity.subject)
    alarm.add("trigger", timedelta(minutes=-activity.remind_minutes_before))
    return alarm
