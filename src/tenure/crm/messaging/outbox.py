"""Put messages in the outbox and notes under a user's bell.

Call these inside the transaction of the change that causes the message: the
row commits with the change or not at all, and ``tenure worker`` sends it.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import make_msgid

from django.db import IntegrityError, transaction

from .models import Message, MessageChannel, Notification
from .rendering import render_email


def queue_email(
    template: str,
    *,
    to: str,
    context: dict,
    language: str,
    customer=None,
    user=None,
    topic: str = "",
    key: str | None = None,
    send_after: datetime | None = None,
) -> Message | None:
    """Render email ``template`` in ``language`` and queue it for the worker.

    Return None when a message with the same ``key`` was queued before.
    """
    if key and Message.objects.filter(key=key).exists():
        return None
    subject, text, html = render_email(template, context, language)
    fields = {"send_after": send_after} if send_after else {}
    return _save(Message(
        template=template, language=language, customer=customer, user=user, to_email=to,
        subject=subject, body_text=text, body_html=html, topic=topic, key=key,
        message_id=make_msgid(domain="tenure"), **fields,
    ))


def build_message(
    channel: str,
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    language: str,
    customer=None,
    topic: str = "",
    key: str | None = None,
    send_after: datetime | None = None,
    marketing: bool = False,
    time_zone: str = "",
    template: str = "",
) -> Message:
    """Return an unsaved message already written (a campaign's), for ``queue`` or in bulk."""
    address = {"to_email": to} if channel == MessageChannel.EMAIL else {"to_address": to}
    fields = {"send_after": send_after} if send_after else {}
    return Message(
        channel=channel, template=template, language=language, customer=customer,
        subject=subject, body_text=text, body_html=html, topic=topic, key=key,
        marketing=marketing, time_zone=time_zone, message_id=make_msgid(domain="tenure"),
        **address, **fields,
    )


def queue(message: Message) -> Message | None:
    """Queue a message from ``build_message``; None when its ``key`` was queued before."""
    if message.key and Message.objects.filter(key=message.key).exists():
        return None
    return _save(message)


def _save(message: Message) -> Message | None:
    key = message.key
    try:
        # A savepoint, so a concurrent duplicate key does not spoil the caller's transaction.
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if key and Message.objects.filter(key=key).exists():
            return None
        raise
    return message


def notify(user, text: str, url: str = "", key: str | None = None) -> Notification | None:
    """Leave ``text`` under ``user``'s bell; None when ``key`` was used before."""
    if key:
        note, created = Notification.objects.get_or_create(
            key=key, defaults={"user": user, "text": text, "url": url}
        )
        return note if created else None
    return Notification.objects.create(user=user, text=text, url=url)
