"""Engagement: what people at the shop do with a customer.

Interactions record contact that happened; activities plan contact that
should happen; complaints track a problem from registration to closing.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, DateTimeField, F, Q, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib import bounds
from tenure.crm.lib.search import fold
from tenure.crm.messaging.outbox import notify, queue_email

logger = logging.getLogger(__name__)


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Note")


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")
    NONE = "", pgettext_lazy("direction", "None")


class Outcome(models.TextChoices):
    NONE = "", pgettext_lazy("outcome", "Not recorded")
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    CALLBACK = "callback", _("Asked to call back")
    INTERESTED = "interested", _("Interested")
    NOT_INTERESTED = "not_interested", _("Not interested")
    ORDERED = "ordered", _("Placed an order")
    RESOLVED = "resolved", _("Issue resolved")


class Interaction(models.Model):
    """A contact with a customer that happened: a call, email, meeting, message or note."""

    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="interactions",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=InteractionKind.choices)
    channel = models.CharField(
        _("channel"), max_length=64, blank=True,
        help_text=_("Phone line, messenger or address used, e.g. Telegram."),
    )
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    occurred_at = models.DateTimeField(
        _("when"), default=timezone.now, validators=[bounds.validate_date])
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
        related_name="interactions", verbose_name=_("manager"),
    )
    source = models.CharField(_("source"), max_length=32, default="manual")
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~models.Q(external_id=""),
                name="interaction_external_id_unique_per_source",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_idx"),
            models.Index(fields=["manager", "-occurred_at"], name="interaction_manager_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer}"


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    TASK = "task", _("Task")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ActivityNotPlanned(Exception):
    """A done or cancelled activity was asked to change."""


class ActivityQuerySet(models.QuerySet):
    def open(self) -> ActivityQuerySet:
        return self.filter(status=ActivityStatus.PLANNED)

    def overdue(self, now=None) -> ActivityQuerySet:
        """Return the planned activities whose due time has passed."""
        return self.open().filter(due_at__lt=now or timezone.now())

    def reminders_due(self, now=None) -> ActivityQuerySet:
        """Return the planned activities whose reminder time has come and not been sent."""
        now = now or timezone.now()
        return self.open().filter(reminder_at__lte=now, reminded_at__isnull=True)


class Activity(models.Model):
    """A call, meeting or task planned for a customer, with a reminder before it is due."""

    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="activities",
        verbose_name=_("customer"),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=ActivityKind.choices, default=ActivityKind.CALL
    )
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_at = models.DateTimeField(_("due"), validators=[bounds.validate_date])
    duration_minutes = models.PositiveIntegerField(
        _("duration, minutes"), default=30, validators=bounds.at_most(bounds.MAX_MINUTES))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="activities",
        verbose_name=_("assignee"),
    )
    remind_minutes_before = models.PositiveIntegerField(
        _("remind, minutes before"), default=30, null=True, blank=True,
        validators=bounds.at_most(bounds.MAX_MINUTES),
        help_text=_("Leave empty for no reminder."),
    )
    # due_at - remind_minutes_before, stored so the worker's query uses an index.
    reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ActivityStatus.choices,
        default=ActivityStatus.PLANNED,
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    reschedules = models.PositiveIntegerField(_("times rescheduled"), default=0)
    # Where the activity came from when the system planned it, e.g. "survey-answer:7".
    origin = models.CharField(_("origin"), max_length=64, blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="activity_agenda_idx"),
            models.Index(fields=["customer", "-due_at"], name="activity_customer_idx"),
            models.Index(fields=["status", "reminder_at"], name="activity_reminder_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def save(self, *args, **kwargs):
        self.reminder_at = (
            None if self.remind_minutes_before is None
            else self.due_at - timedelta(minutes=self.remind_minutes_before)
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("engagement:activity", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status == ActivityStatus.PLANNED and self.due_at < timezone.now()

    def schedule_problems(self) -> list[str]:
        """Return what is wrong with the stored time, duration and reminder (none: [])."""
        return bounds.field_errors(self, ["due_at", "duration_minutes", "remind_minutes_before"])

    @property
    def done_on_time(self) -> bool | None:
        if self.status != ActivityStatus.DONE:
            return None
        return self.completed_at <= self.due_at

    @property
    def is_planned(self) -> bool:
        return self.status == ActivityStatus.PLANNED

    @property
    def ends_at(self):
        return self.due_at + timedelta(minutes=self.duration_minutes or 0)

    def complete(self, outcome: str = "", at=None) -> None:
        """Mark the activity done with what came of it."""
        self._require_planned()
        self.status = ActivityStatus.DONE
        self.completed_at = at or timezone.now()
        self.outcome = outcome.strip()
        self.save(update_fields=["status", "completed_at", "outcome"])

    def reschedule(self, due_at) -> None:
        """Move the activity to ``due_at``; its reminder will be sent again."""
        self._require_planned()
        self.due_at = due_at
        self.reminded_at = None
        self.reschedules += 1
        self.save(update_fields=["due_at", "reminder_at", "reminded_at", "reschedules"])

    def cancel(self, reason: str = "") -> None:
        """Cancel the activity, keeping the reason as its outcome."""
        self._require_planned()
        self.status = ActivityStatus.CANCELLED
        self.completed_at = timezone.now()
        self.outcome = reason.strip()
        self.save(update_fields=["status", "completed_at", "outcome"])

    def _require_planned(self) -> None:
        if not self.is_planned:
            raise ActivityNotPlanned(
                gettext("This activity is already %(status)s.")
                % {"status": self.get_status_display().lower()}
            )


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret address of one user's activities as an iCalendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feed",
        verbose_name=_("user"),
    )
    # Calendar apps cannot sign in: knowing the token is the permission to read the feed.
    token = models.CharField(_("token"), max_length=64, unique=True, default=_new_token)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("engagement:calendar_feed", args=[self.token])

    @classmethod
    def for_user(cls, user) -> CalendarFeed:
        """Return the user's feed, creating it on first use."""
        feed, _created = cls.objects.get_or_create(user=user)
        return feed

    def regenerate(self) -> None:
        """Give the feed a new token; the old address stops working."""
        self.token = _new_token()
        self.created_at = timezone.now()
        self.save(update_fields=["token", "created_at"])


class ComplaintCategory(models.TextChoices):
    PRODUCT = "product", _("Product quality")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    BILLING = "billing", _("Billing and payment")
    RETURN = "return", _("Return or refund")
    OTHER = "other", pgettext_lazy("complaint category", "Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ComplaintStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("complaint status", "New")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# status -> the statuses it may move to; "reopen" is resolved/closed -> in progress.
COMPLAINT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ComplaintStatus.NEW: (ComplaintStatus.IN_PROGRESS, ComplaintStatus.RESOLVED),
    ComplaintStatus.IN_PROGRESS: (ComplaintStatus.RESOLVED,),
    ComplaintStatus.RESOLVED: (ComplaintStatus.CLOSED, ComplaintStatus.IN_PROGRESS),
    ComplaintStatus.CLOSED: (ComplaintStatus.IN_PROGRESS,),
}


class ComplaintSla(models.Model):
    """How long a complaint of one severity may take to resolve."""

    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, unique=True)
    resolve_within_hours = models.PositiveIntegerField(
        _("resolve within, hours"), validators=[MinValueValidator(1),
                                                MaxValueValidator(bounds.MAX_HOURS)])

    class Meta:
        verbose_name = _("complaint SLA")
        verbose_name_plural = _("complaint SLAs")
        ordering = ["resolve_within_hours"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.resolve_within_hours} h"

    @classmethod
    def hours_for(cls, severity: str) -> int:
        """Return the hours a complaint of ``severity`` may take to resolve."""
        sla = cls.objects.filter(severity=severity).first()
        if sla is None:
            return DEFAULT_SLA_HOURS[severity]
        if problems := bounds.field_errors(sla, ["resolve_within_hours"]):
            # Stored before the validator existed: a due date years away would never warn.
            logger.warning("complaint SLA %s ignored: %s", severity, "; ".join(problems))
            return DEFAULT_SLA_HOURS[severity]
        return sla.resolve_within_hours

    @classmethod
    def table(cls) -> list[dict]:
        """Return every severity with its hours to resolve, most severe first."""
        stored = dict(cls.objects.values_list("severity", "resolve_within_hours"))
        return [{"severity": s.value, "label": s.label,
                 "hours": stored.get(s.value, DEFAULT_SLA_HOURS[s])}
                for s in reversed(Severity)]


# Used when the table has no row for a severity (also the data migration's values).
DEFAULT_SLA_HOURS = {
    Severity.CRITICAL: 4, Severity.HIGH: 24, Severity.MEDIUM: 72, Severity.LOW: 120,
}


class InvalidComplaintStatus(Exception):
    """A complaint was asked to move to a status its current status does not lead to."""


class MissingResolution(InvalidComplaintStatus):
    """A complaint was to be resolved without saying how."""


OPEN_STATUSES = (ComplaintStatus.NEW, ComplaintStatus.IN_PROGRESS)
# The one rule of "resolved": the status says so. Its time is resolved_at, or closed_at for
# one closed without a recorded resolution; a reopened complaint is open whatever it kept.
RESOLVED_STATUSES = (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED)


def resolved_time() -> Case:
    """Return the expression of a complaint's resolution time: null while it is open."""
    return Case(When(status__in=RESOLVED_STATUSES, then=Coalesce("resolved_at", "closed_at")),
                default=None, output_field=DateTimeField())


class ComplaintQuerySet(models.QuerySet):
    def open(self) -> ComplaintQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def resolved(self) -> ComplaintQuerySet:
        return self.filter(status__in=RESOLVED_STATUSES)

    def with_resolved_time(self) -> ComplaintQuerySet:
        """Annotate ``resolved_time`` (see :func:`resolved_time`)."""
        return self.annotate(resolved_time=resolved_time())

    def overdue(self, now=None) -> ComplaintQuerySet:
        """Return the open complaints past their due time."""
        return self.open().filter(due_at__lt=now or timezone.now())

    def breached(self, now=None) -> ComplaintQuerySet:
        """Return the complaints resolved late or still unresolved past their due time."""
        return self.with_resolved_time().filter(breached_q(now or timezone.now()))

    @transaction.atomic
    def register(self, customer, *, category: str, description: str,
                 severity: str = Severity.MEDIUM, channel: str = "", order=None,
                 assignee=None, by=None, opened_at=None) -> Complaint:
        """Open a complaint due within its severity's SLA, record it and tell the assignee."""
        if order is not None and order.customer_id != customer.pk:
            raise ValueError("the order belongs to another customer")
        opened_at = opened_at or timezone.now()
        complaint = self.create(
            customer=customer, order=order, category=category, severity=severity,
            channel=channel, description=description, assignee=assignee, created_by=by,
            opened_at=opened_at,
            due_at=opened_at + timedelta(hours=ComplaintSla.hours_for(severity)),
        )
        complaint.events.create(at=opened_at, by=by, to_status=complaint.status,
                                assignee=assignee)
        complaint._tell_assignee(by)
        return complaint


def breached_q(now) -> Q:
    """Return the condition of a complaint that missed its due time by ``now``.

    It reads the ``resolved_time`` of ``ComplaintQuerySet.with_resolved_time``.
    """
    return (Q(resolved_time__isnull=False, resolved_time__gt=F("due_at"))
            | Q(resolved_time__isnull=True, due_at__lt=now))


def refold_complaints(pks) -> None:
    """Fold the descriptions of complaints ``pks`` into their ``search_text`` again, after
    a write that went around save() (an erasure's sweep of the text)."""
    rows = list(Complaint.objects.filter(pk__in=list(pks)).only("pk", "description"))
    for complaint in rows:
        complaint.search_text = fold(complaint.description)
    Complaint.objects.bulk_update(rows, ["search_text"], batch_size=500)


class Complaint(models.Model):
    """A customer's complaint, from registration to closing, within its SLA."""

    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="complaints",
        verbose_name=_("customer"),
    )
    order = models.ForeignKey(
        "sales.Order", models.SET_NULL, null=True, blank=True, related_name="complaints",
        verbose_name=_("order"),
    )
    category = models.CharField(_("category"), max_length=16, choices=ComplaintCategory.choices)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.MEDIUM
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=InteractionKind.choices, blank=True
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=16, choices=ComplaintStatus.choices, default=ComplaintStatus.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
        related_name="complaints", verbose_name=_("assignee"),
    )
    opened_at = models.DateTimeField(
        _("opened"), default=timezone.now, validators=[bounds.validate_date])
    due_at = models.DateTimeField(_("resolve by"), validators=[bounds.validate_date])
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    source = models.CharField(_("source"), max_length=32, default="manual")
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("registered by"),
    )
    # The description folded for search (``lib.search.fold``), kept by save(), the importer
    # and the demo loader: SQLite folds only Latin letters itself.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~models.Q(external_id=""),
                name="complaint_external_id_unique_per_source",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-opened_at"], name="complaint_customer_idx"),
            models.Index(fields=["status", "due_at"], name="complaint_queue_idx"),
            models.Index(fields=["assignee", "status"], name="complaint_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()} · {self.customer}"

    def save(self, *args, **kwargs):
        self.search_text = fold(self.description)
        fields = kwargs.get("update_fields")
        if fields is not None and "description" in fields:
            kwargs["update_fields"] = {*fields, "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("engagement:complaint", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_resolved(self) -> bool:
        return self.status in RESOLVED_STATUSES

    def resolution_time(self):
        """Return when the complaint was resolved, by :func:`resolved_time`'s rule, or None."""
        return (self.resolved_at or self.closed_at) if self.is_resolved else None

    @property
    def is_breached(self) -> bool:
        """Return whether the complaint was, or still is, unresolved past its due time."""
        return (self.resolution_time() or timezone.now()) > self.due_at

    def schedule_problems(self) -> list[str]:
        """Return what is wrong with the stored opening and due times (none: [])."""
        return bounds.field_errors(self, ["opened_at", "due_at"])

    def allowed_statuses(self) -> tuple[str, ...]:
        """Return the statuses the complaint may move to now."""
        return COMPLAINT_TRANSITIONS.get(self.status, ())

    @transaction.atomic
    def set_status(self, status: str, by=None, note: str = "", at=None) -> ComplaintEvent:
        """Move the complaint to ``status``, record it, and email the customer if resolved.

        Raises InvalidComplaintStatus when the current status does not lead there, and
        MissingResolution when it is resolved without a note saying how.
        """
        # Read the status under a row lock (PostgreSQL): two people resolving at once
        # must not both pass the check and send the customer two emails.
        self.status = type(self).objects.select_for_update().values_list(
            "status", flat=True).get(pk=self.pk)
        self._check_transition(status, note.strip())
        at, previous = at or timezone.now(), self.status
        self._apply_status(status, note.strip(), at)
        event = self.events.create(at=at, by=by, from_status=previous, to_status=status,
                                   assignee=self.assignee, note=note.strip())
        if status == ComplaintStatus.RESOLVED:
            self._tell_customer_resolved(event)
        return event

    def _check_transition(self, status: str, note: str) -> None:
        if status not in self.allowed_statuses():
            raise InvalidComplaintStatus(
                gettext("A complaint that is %(current)s cannot become %(status)s.") % {
                    "current": ComplaintStatus(self.status).label.lower(),
                    "status": ComplaintStatus(status).label.lower()
                    if status in ComplaintStatus.values else status,
                })
        if status == ComplaintStatus.RESOLVED and not note:
            raise MissingResolution(gettext("Say how the complaint was resolved."))

    def _apply_status(self, status: str, note: str, at) -> None:
        if status == ComplaintStatus.RESOLVED:
            self.resolved_at, self.closed_at, self.resolution = at, None, note
        elif status == ComplaintStatus.CLOSED:
            self.closed_at = at
        elif self.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED):
            # Reopened: it is unresolved again; the history keeps the old resolution.
            self.resolved_at = self.closed_at = None
            self.resolution = ""
        self.status = status
        self.save(update_fields=["status", "resolved_at", "closed_at", "resolution"])

    @transaction.atomic
    def assign(self, user, by=None, at=None) -> ComplaintEvent | None:
        """Give the complaint to ``user`` (None: nobody), record it and tell them."""
        if (user.pk if user else None) == self.assignee_id:
            return None
        self.assignee = user
        self.save(update_fields=["assignee"])
        event = self.events.create(at=at or timezone.now(), by=by, from_status=self.status,
                                   to_status=self.status, assignee=user)
        self._tell_assignee(by)
        return event

    def _tell_assignee(self, by) -> None:
        """Leave the assignee a note, unless they assigned it to themselves."""
        if self.assignee is None or self.assignee == by:
            return
        with translation.override(self.assignee.message_language):
            text = gettext("Complaint #%(number)s of %(customer)s is assigned to you.") % {
                "number": self.pk, "customer": self.customer}
        notify(self.assignee, text[:300], url=self.get_absolute_url())

    def _tell_customer_resolved(self, event: ComplaintEvent) -> None:
        """Queue the email telling the customer how their complaint was resolved."""
        customer = self.customer
        if not customer.email:
            return
        # About the customer's own complaint: a service message, not marketing, so it
        # does not wait for email consent.
        queue_email(
            "complaint_resolved", to=customer.email, language=customer.message_language,
            context={"complaint": self, "customer": customer}, customer=customer,
            topic=f"complaint:{self.pk}", key=f"complaint-resolved:{self.pk}:{event.pk}",
        )


class ComplaintEvent(models.Model):
    """One change of a complaint: registration, status, assignment, note; who and when."""

    complaint = models.ForeignKey(
        Complaint, models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    from_status = models.CharField(
        _("from"), max_length=16, choices=ComplaintStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=16, choices=ComplaintStatus.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("assignee"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint change")
        verbose_name_plural = _("complaint changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_status} → {self.to_status}"
