"""Remind people of their activities: an email and a note under the bell, once per reminder.

``tenure worker`` calls ``queue_due_reminders`` every minute. Each activity is claimed
with a conditional UPDATE before anything is queued, so two workers running at once
never remind twice; the claim, the email and the note commit together or not at all.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenure.crm.jobs.report import JobReport
from tenure.crm.lib import formatting
from tenure.crm.messaging.outbox import notify, queue_email

from .models import Activity, ActivityStatus

# Per call; the rest wait for the next minute rather than hold one long transaction.
BATCH = 500
NOTE_LENGTH = 300


def queue_due_reminders(now=None) -> JobReport:
    """Queue the reminders whose time has come; report how many were queued.

    An activity whose stored time, duration or lead is out of range is skipped and named.
    """
    now = now or timezone.now()
    report = JobReport()
    for activity in Activity.objects.reminders_due(now).order_by("reminder_at", "id")[:BATCH]:
        if problems := activity.schedule_problems():
            report.skip(f"activity {activity.pk}", problems)
            continue
        report.done += _remind(activity.pk, now)
    return report


@transaction.atomic
def _remind(pk: int, now) -> bool:
    """Claim activity ``pk`` and queue its reminder; False when another worker has it."""
    claimed = Activity.objects.filter(
        pk=pk, status=ActivityStatus.PLANNED, reminded_at__isnull=True,
    ).update(reminded_at=now)
    if claimed != 1:
        return False
    activity = Activity.objects.select_related("assignee", "customer").get(pk=pk)
    assignee = activity.assignee
    key = f"activity-reminder:{pk}:{activity.reminder_at:%Y%m%dT%H%M}"
    language = assignee.message_language
    if assignee.email and assignee.is_active:
        queue_email(
            "activity_reminder", to=assignee.email, language=language, key=key,
            context={"activity": activity, "customer": activity.customer, "user": assignee},
            customer=activity.customer, user=assignee, topic=f"activity:{pk}",
        )
    notify(assignee, _note(activity, language), url=activity.get_absolute_url(), key=key)
    return True


def _note(activity: Activity, language: str) -> str:
    with translation.override(language):
        text = _("Reminder: %(subject)s with %(customer)s at %(time)s") % {
            "subject": activity.subject, "customer": activity.customer,
            "time": formatting.moment(activity.due_at),
        }
    return text[:NOTE_LENGTH]
