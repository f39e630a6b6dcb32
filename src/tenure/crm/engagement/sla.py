"""Tell people when a complaint misses its SLA: once per complaint and due time.

``tenure worker`` calls ``warn_of_breaches`` every five minutes. The assignee gets an
email and a note under the bell; a complaint nobody is assigned to goes to the
administrators' bells. The keys make a second run (or a second worker) a no-op.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenure.crm.accounts.models import User
from tenure.crm.jobs.report import JobReport
from tenure.crm.messaging.outbox import notify, queue_email

from .models import Complaint


def warn_of_breaches(now=None) -> JobReport:
    """Warn about the open complaints past their due time; report how many warnings.

    A complaint whose stored times are out of range is skipped and named.
    """
    overdue = Complaint.objects.overdue(now or timezone.now()).select_related(
        "assignee", "customer")
    report = JobReport()
    for complaint in overdue:
        if problems := complaint.schedule_problems():
            report.skip(f"complaint {complaint.pk}", problems)
            continue
        report.done += _warn(complaint)
    return report


@transaction.atomic
def _warn(complaint: Complaint) -> int:
    people = [complaint.assignee] if complaint.assignee else list(User.objects.administrators())
    warned = 0
    for user in people:
        key = f"complaint-breach:{complaint.pk}:{complaint.due_at:%Y%m%dT%H%M}:{user.pk}"
        language = user.message_language
        with translation.override(language):
            text = _("Complaint #%(number)s of %(customer)s is past its SLA.") % {
                "number": complaint.pk, "customer": complaint.customer}
        if notify(user, text[:300], url=complaint.get_absolute_url(), key=key) is None:
            continue
        warned += 1
        if user.email and complaint.assignee_id == user.pk:
            queue_email("complaint_breached", to=user.email, language=language, key=key,
                        context={"complaint": complaint, "user": user}, user=user,
                        topic=f"complaint:{complaint.pk}")
    return warned

