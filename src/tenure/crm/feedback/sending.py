"""Ask customers a survey: after a purchase, after a resolved complaint, at a segment, or
by hand from the customer page.

A customer is asked only with email consent, at most once in the survey's interval (by any
survey), and once per event. ``queue_due_surveys`` is the worker's periodic job: each run
finds the due customers of a survey in one query, creates their invitations in bulk and
queues one email each; running it twice invites nobody twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.customers import segments
from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint
from tenure.crm.jobs.report import JobReport
from tenure.crm.lib import bulk, formatting
from tenure.crm.messaging.outbox import queue_email
from tenure.crm.sales.models import Order, OrderStatus

from .models import Invitation, Survey, SurveyTrigger

# How far back an event may lie beyond its delay and still be asked about: a new survey,
# or a worker that was down for a few days, must not mail the customers' whole history.
CATCH_UP = timedelta(days=7)
EMAIL_TEMPLATE = "survey"


class SurveyNotSent(Exception):
    """A survey may not be sent to a customer now; the message says why, to the user, and
    ``code`` in one word (``no_email``, ``no_consent``, ``recent``, ``inactive``...)."""

    def __init__(self, message: str, code: str = "other"):
        super().__init__(message)
        self.code = code


def queue_due_surveys(now: datetime | None = None) -> JobReport:
    """Invite every customer due for an active survey; report how many were invited.

    A survey whose stored settings are out of range is skipped and named in the report:
    the other surveys still go out.
    """
    now = now or timezone.now()
    report = JobReport()
    for survey in Survey.objects.active():
        if problems := survey.schedule_problems():
            report.skip(f"survey {survey.pk} “{survey}”", problems)
            continue
        report.done += _queue_survey(survey, now)
    return report


def send_survey_now(survey: Survey, customer: Customer, by, now: datetime | None = None
                    ) -> Invitation:
    """Send ``survey`` to ``customer`` at once; raise SurveyNotSent saying why not."""
    now = now or timezone.now()
    _check_may_ask(survey, customer, now)
    invitation = Invitation(
        survey=survey, customer=customer, occasion=f"manual:{now:%Y%m%dT%H%M%S}",
        created_at=now, expires_at=now + timedelta(days=survey.valid_days), sent_by=by,
    )
    try:
        with transaction.atomic():
            invitation.save()
            invitation.message = _queue_email(invitation, survey, customer)
            invitation.save(update_fields=["message"])
    except IntegrityError:
        # The same survey sent to the same customer in the same second: a double click.
        raise SurveyNotSent(_("This survey was just sent to %(customer)s.")
                            % {"customer": customer}, "recent") from None
    return invitation


def _check_may_ask(survey: Survey, customer: Customer, now: datetime) -> None:
    """Raise SurveyNotSent when the survey is off or the customer may not be asked now."""
    names = {"customer": customer, "survey": survey}
    if survey.schedule_problems():
        raise SurveyNotSent(_("The survey “%(survey)s” has days out of range in its "
                              "settings; correct them first.") % names)
    if not survey.is_active:
        raise SurveyNotSent(_("The survey “%(survey)s” is not active.") % names)
    if not customer.email:
        raise SurveyNotSent(_("%(customer)s has no email address.") % names, "no_email")
    if not customer.consent_email:
        raise SurveyNotSent(_("%(customer)s does not agree to receive emails.") % names,
                            "no_consent")
    last = _recent_invitations(survey, now).filter(customer=customer).first()
    if last is not None:
        raise SurveyNotSent(
            _("%(customer)s was asked a survey on %(date)s; a customer is asked at most once "
              "in %(days)s days.") % {**names, "days": survey.min_interval_days,
                                      "date": formatting.day(last.created_at)},
            "recent")


def _recent_invitations(survey: Survey, now: datetime) -> QuerySet:
    """Return the invitations of any survey sent within ``survey``'s interval before ``now``."""
    return Invitation.objects.filter(
        created_at__gt=now - timedelta(days=survey.min_interval_days)
    )


def _queue_survey(survey: Survey, now: datetime) -> int:
    """Invite the customers due for ``survey`` and queue their emails; return how many."""
    due = _one_per_customer(_due_events(survey, now))
    if not due:
        return 0
    # One transaction per survey: the invitations and their emails commit together, and
    # SQLite writes the batch in one go instead of syncing each row.
    with transaction.atomic():
        invitations = Invitation.objects.bulk_create([
            Invitation(survey=survey, customer_id=customer_id, occasion=occasion,
                       created_at=now, expires_at=now + timedelta(days=survey.valid_days))
            for customer_id, occasion in due
        ])
        _queue_emails(survey, invitations)
    return len(invitations)


def _due_events(survey: Survey, now: datetime) -> list[tuple[int, str]]:
    """Return (customer id, occasion) of the events due for ``survey``, newest first."""
    events = {
        SurveyTrigger.AFTER_PURCHASE: _purchases,
        SurveyTrigger.AFTER_COMPLAINT: _resolved_complaints,
        SurveyTrigger.STAGE: _stage_reached,
    }[survey.trigger](survey, now)
    if events is None:
        return []
    return list(_eligible(events, survey, now).values_list("customer_id", "occasion"))


def _event_window(survey: Survey, now: datetime) -> tuple[datetime, datetime]:
    """Return the (exclusive start, inclusive end) of the times of events to ask about."""
    end = now - timedelta(days=survey.delay_days)
    return end - CATCH_UP, end


def _purchases(survey: Survey, now: datetime) -> QuerySet:
    start, end = _event_window(survey, now)
    return (
        Order.objects.exclude(status=OrderStatus.CANCELLED)
        .filter(ordered_at__gt=start, ordered_at__lte=end)
        .annotate(occasion=Concat(Value("order:"), Cast("pk", CharField())))
        .order_by("-ordered_at", "-pk")
    )


def _resolved_complaints(survey: Survey, now: datetime) -> QuerySet:
    start, end = _event_window(survey, now)
    return (
        Complaint.objects.with_resolved_time()
        .filter(resolved_time__gt=start, resolved_time__lte=end)
        .annotate(occasion=Concat(Value("complaint:"), Cast("pk", CharField())))
        .order_by("-resolved_time", "-pk")
    )


def _stage_reached(survey: Survey, now: datetime) -> QuerySet | None:
    """Return the latest snapshots in the survey's segment, or None when they are stale."""
    taken_on = segments.snapshots().latest_date()
    if not survey.stage or taken_on is None or taken_on < (now - CATCH_UP).date():
        return None
    return (
        segments.snapshots().filter(taken_on=taken_on, segment=survey.stage)
        .annotate(occasion=Value(f"stage:{survey.stage}:{taken_on.isoformat()}"))
        .order_by("customer_id")
    )


def _eligible(events: QuerySet, survey: Survey, now: datetime) -> QuerySet:
    """Keep the events of customers who may be asked now, and not asked about before."""
    recent = _recent_invitations(survey, now).filter(customer=OuterRef("customer_id"))
    # Served by the unique (survey, customer, occasion) index.
    asked = Invitation.objects.filter(
        survey=survey, customer=OuterRef("customer_id"), occasion=OuterRef("occasion")
    )
    return (
        events.filter(customer__consent_email=True).exclude(customer__email="")
        .exclude(Exists(recent)).exclude(Exists(asked))
    )


def _one_per_customer(events: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Keep each customer's first (newest) event: one run asks a customer once."""
    seen: set[int] = set()
    kept = []
    for customer_id, occasion in events:
        if customer_id not in seen:
            seen.add(customer_id)
            kept.append((customer_id, occasion))
    return kept


def _queue_emails(survey: Survey, invitations: list[Invitation]) -> None:
    """Queue each invitation's email and link the message to it, in bulk."""
    fields = ["name", "email", "language"]
    customers = Customer.objects.only(*fields).in_bulk([i.customer_id for i in invitations])
    links = []
    for invitation in invitations:
        message = _queue_email(invitation, survey, customers[invitation.customer_id])
        if message is not None:  # None only when the key was used: nothing new to link
            links.append((message.pk, invitation.pk))
    bulk.update(Invitation, ["message"], links)


def _queue_email(invitation: Invitation, survey: Survey, customer: Customer):
    """Queue the email asking ``invitation``'s question, in the customer's language."""
    return queue_email(
        EMAIL_TEMPLATE, to=customer.email, context=email_context(invitation, survey, customer),
        language=customer.message_language, customer=customer,
        topic=f"survey:{invitation.pk}", key=f"survey:{invitation.pk}",
    )


def email_context(invitation: Invitation, survey: Survey, customer: Customer) -> dict:
    """Return the survey email's context: the question and one absolute link per score."""
    # Each score's link is the answer page's address plus the score (invitation.get_score_url,
    # as public_urls nests them): one reverse() per email instead of one per score.
    page = settings.TENURE_BASE_URL + invitation.get_absolute_url()
    low, high = survey.scale_ends
    return {
        "customer": customer, "survey": survey, "question": survey.question_text,
        "low_label": low, "high_label": high, "expires_at": invitation.expires_at,
        "links": [(score, f"{page}{score}/") for score in survey.scale],
        "stop_url": f"{page}stop/",
    }
