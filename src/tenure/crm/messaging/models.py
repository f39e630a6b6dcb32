"""Messages: the outbox of every email, SMS and Telegram message Tenure sends, and in-app
notifications.

An outbox row is written in the same transaction as the business change that
causes it (a complaint resolved, a reminder due), and ``tenure worker`` sends
it later. The row keeps the rendered subject and body, so the customer's
timeline shows exactly what was sent.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed by a worker; the gateway has not been given the bytes that deliver it yet
    # (SMTP's end of data, the SMPP submit_sm, the Bot API request).
    SENDING = "sending", _("Sending")
    # Recorded just before the worker writes those bytes: from here on the gateway may
    # hold the message, so a crashed worker must not send it again.
    HANDED = "handed", _("Handed to the mail server")
    SENT = "sent", _("Sent")
    # The worker died (or the connection broke) after handing the message over and before
    # the gateway's reply.
    UNCONFIRMED = "unconfirmed", _("Sent, not confirmed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class MessageChannel(models.TextChoices):
    """How a message reaches its recipient; each channel has an adapter in ``sending``."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")


class MessageQuerySet(models.QuerySet):
    def due(self, now=None) -> MessageQuerySet:
        """Return the queued messages whose send time has come."""
        return self.filter(status=MessageStatus.QUEUED, send_after__lte=now or timezone.now())

    def marketing_sends(self, customer_ids, now, days: int) -> dict[int, list]:
        """Return, per customer id, when their marketing messages of the last ``days`` went.

        What the frequency cap counts (``rules.next_allowed``'s ``sent``), on every
        channel: messages sent or unconfirmed, and those handed over, which are on their
        way and count as sent ``now``. Read in one query: read in two, a message turning
        from handed over to sent between them would escape both.
        """
        since = now - timedelta(days=days)
        rows = self.filter(
            models.Q(status=MessageStatus.HANDED)
            | models.Q(status__in=[MessageStatus.SENT, MessageStatus.UNCONFIRMED],
                       sent_at__gt=since),
            customer_id__in=customer_ids, marketing=True,
        ).values_list("customer_id", "status", "sent_at")
        sends: dict[int, list] = {pk: [] for pk in customer_ids}
        for customer_id, status, sent_at in rows:
            sends[customer_id].append(now if status == MessageStatus.HANDED else sent_at)
        return sends


class Message(models.Model):
    """One message to one recipient: a customer, or a user of Tenure."""

    channel = models.CharField(_("channel"), max_length=16, choices=MessageChannel.choices,
                               default=MessageChannel.EMAIL)
    template = models.CharField(_("template"), max_length=64)
    language = models.CharField(_("language"), max_length=8)
    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, null=True, blank=True,
        related_name="messages", verbose_name=_("customer"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True,
        related_name="messages", verbose_name=_("user"),
    )
    to_email = models.EmailField(_("to"), blank=True)
    # The phone number (E.164) of an SMS, the chat id of a Telegram message.
    to_address = models.CharField(_("address"), max_length=64, blank=True)
    # Marketing needs the channel's consent, waits out quiet hours and counts toward the
    # frequency cap; service messages (a complaint's answer) do none of these.
    marketing = models.BooleanField(_("marketing"), default=False)
    # The recipient's time zone when queued: quiet hours are theirs.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=250)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # What the message is about, e.g. "complaint:12"; the timeline links it.
    topic = models.CharField(_("topic"), max_length=64, blank=True)
    # Queuing the same key twice is a no-op, so a job that runs twice sends once.
    key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MessageStatus.choices,
        default=MessageStatus.QUEUED,
    )
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_by = models.ForeignKey(
        "jobs.WorkerProcess", models.SET_NULL, null=True, blank=True, related_name="+",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's claim query: queued rows in send order.
            models.Index(fields=["status", "send_after"], name="message_due_idx"),
            # The customer timeline, newest first.
            models.Index(fields=["customer", "-created_at"], name="message_customer_idx"),
            # The frequency cap: a customer's marketing messages of the last days.
            models.Index(fields=["customer", "marketing", "sent_at"],
                         name="message_marketing_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"

    @property
    def recipient(self) -> str:
        """Return the address the message goes to on its channel."""
        return self.to_email if self.channel == MessageChannel.EMAIL else self.to_address


class Notification(models.Model):
    """A note for one user inside Tenure, shown under the bell until read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications",
        verbose_name=_("user"),
    )
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("messaging:notification", args=[self.pk])
