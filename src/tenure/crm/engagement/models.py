"""Engagement: what people at the shop do with a customer.

Interactions record contact that happened; activities plan contact that
should happen; complaints track a problem from registration to closing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
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
    due_at = models.DateTimeField(_("due"))
    duration_minutes = models.PositiveIntegerField(_("duration, minutes"), default=30)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="activities",
        verbose_name=_("assignee"),
    )
    remind_minutes_before = models.PositiveIntegerField(
        _("remind, minutes before"), default=30, null=True, blank=True,
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

    @property
    def done_on_time(self) -> bool | None:
        if self.status != ActivityStatus.DONE:
            return None
        return self.completed_at <= self.due_at


class ComplaintCategory(models.TextChoices):
    PRODUCT = "product", _("Product quality")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    BILLING = "billing", _("Billing and payment")
    RETURN = "return", _("Return or refund")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ComplaintStatus(models.TextChoices):
    NEW = "new", _("New")
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
    resolve_within_hours = models.PositiveIntegerField(_("resolve within, hours"))

    class Meta:
        verbose_name = _("complaint SLA")
        verbose_name_plural = _("complaint SLAs")
        ordering = ["resolve_within_hours"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.resolve_within_hours} h"


# Used when the table has no row for a severity (also the data migration's values).
DEFAULT_SLA_HOURS = {
    Severity.CRITICAL: 4, Severity.HIGH: 24, Severity.MEDIUM: 72, Severity.LOW: 120,
}


class InvalidComplaintStatus(Exception):
    """A complaint was asked to move to a status its current status does not lead to."""


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
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    due_at = models.DateTimeField(_("resolve by"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    source = models.CharField(_("source"), max_length=32, default="manual")
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("registered by"),
    )

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

    def get_absolute_url(self) -> str:
        return reverse("engagement:complaint", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in (ComplaintStatus.NEW, ComplaintStatus.IN_PROGRESS)

    @property
    def is_breached(self) -> bool:
        """Return whether the complaint was, or still is, unresolved past its due time."""
        end = self.resolved_at if self.resolved_at and not self.is_open else timezone.now()
        return end > self.due_at


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
