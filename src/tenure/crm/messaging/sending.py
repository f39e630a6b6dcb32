"""Send the outbox: claim due messages, hand each to the mail server, record the result.

Every state change is its own committed UPDATE guarded by the state it
expects, so two workers never send the same row and a restarted worker
can tell what a dead one left behind (see ``smtp.py`` for the one moment
SMTP leaves uncertain).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Message, MessageStatus
from .smtp import EmailBackend as HandOverBackend

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


class LostClaim(Exception):
    """Another worker took the message back, taking this one for dead."""


@dataclass
class Sent:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    # The connection to the mail server failed: the rest of the batch waits.
    broken: bool = False

    def __iadd__(self, other: Sent) -> Sent:
        self.sent += other.sent
        self.failed += other.failed
        self.deferred += other.deferred
        self.broken = self.broken or other.broken
        return self

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed or self.deferred)


def claim(worker, limit: int, now=None) -> list[Message]:
    """Mark up to ``limit`` due messages as being sent by ``worker`` and return them."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Message.objects.due(now).order_by("send_after", "id")
        if db_connection.features.has_select_for_update_skip_locked:
            # Several workers on PostgreSQL each take different rows without waiting.
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        Message.objects.filter(pk__in=ids, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENDING, claimed_by=worker, claimed_at=now,
            attempts=F("attempts") + 1,
        )
    return list(
        Message.objects.filter(pk__in=ids, status=MessageStatus.SENDING, claimed_by=worker)
        .order_by("send_after", "id")
    )


def send_due(worker, *, limit: int = 100, backend=None) -> Sent:
    """Claim and send one batch of due messages; return what happened to them."""
    messages = claim(worker, limit)
    result = Sent()
    if not messages:
        return result
    backend = backend or get_connection()
    try:
        for done, message in enumerate(messages):
            outcome = send_one(message, worker, backend)
            result += outcome
            if outcome.broken:
                _release(messages[done + 1:], worker)
                break
    finally:
        backend.close()
    return result


def _release(messages: list[Message], worker) -> None:
    """Give back claimed messages that were not tried, without counting an attempt."""
    Message.objects.filter(
        pk__in=[m.pk for m in messages], status=MessageStatus.SENDING, claimed_by=worker
    ).update(status=MessageStatus.QUEUED, claimed_by=None, attempts=F("attempts") - 1)


def send_one(message: Message, worker, backend) -> Sent:
    """Send one claimed message and record the outcome."""
    email = _email(message)
    handed = False

    def hand_over() -> None:
        nonlocal handed
        if not _move(message, worker, MessageStatus.SENDING, MessageStatus.HANDED):
            raise LostClaim(message.pk)
        handed = True

    try:
        if isinstance(backend, HandOverBackend):
            backend.send_handing_over(email, hand_over)
        else:
            # Console, file and memory backends cannot half-deliver: record, then send.
            hand_over()
            backend.send_messages([email])
    except LostClaim:
        log.warning("message %s was taken over by another worker", message.pk)
        return Sent()
    except (smtplib.SMTPException, OSError) as error:
        return _failed(message, worker, error, handed)
    _move(message, worker, MessageStatus.HANDED, MessageStatus.SENT, sent_at=timezone.now())
    return Sent(sent=1)


def _email(message: Message) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to_email],
        # The same id on every attempt lets the receiving side spot a repeat.
        headers={"Message-ID": message.message_id},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _move(message: Message, worker, before: str, after: str, **fields) -> bool:
    """Change the status from ``before`` to ``after`` if this worker still holds it."""
    moved = Message.objects.filter(
        pk=message.pk, status=before, claimed_by=worker
    ).update(status=after, **fields)
    return moved == 1


def _failed(message: Message, worker, error: Exception, handed: bool) -> Sent:
    """Record a refusal or a broken connection; retry what may be retried."""
    text = f"{type(error).__name__}: {error}"[:2000]
    before = MessageStatus.HANDED if handed else MessageStatus.SENDING
    code = _smtp_code(error)
    if handed and code is None:
        # The connection broke after the end of data: the server may have the message.
        _move(message, worker, before, MessageStatus.UNCONFIRMED, error=text,
              sent_at=timezone.now())
        return Sent(sent=1)
    permanent = (code is not None and 500 <= code < 600) or message.attempts >= MAX_ATTEMPTS
    if permanent:
        _move(message, worker, before, MessageStatus.FAILED, error=text)
        log.warning("message %s failed: %s", message.pk, text)
        return Sent(failed=1)
    retry_at = timezone.now() + timedelta(minutes=2 ** message.attempts)
    _move(message, worker, before, MessageStatus.QUEUED, error=text, send_after=retry_at,
          claimed_by=None)
    return Sent(deferred=1, broken=code is None)


def _smtp_code(error: Exception) -> int | None:
    """Return the server's reply code, or None when the connection itself failed."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return min(codes) if codes else 550
    return getattr(error, "smtp_code", None)


def recover_abandoned(workers) -> dict[str, int]:
    """Take back the messages of dead ``workers``: resend the unsent, keep the handed over.

    A message still "sending" never had its end of data written, so the
    server discarded it; one "handed over" may have been delivered and is
    recorded as sent without confirmation rather than risk a second copy.
    """
    held = Message.objects.filter(claimed_by__in=workers)
    requeued = held.filter(status=MessageStatus.SENDING).update(
        status=MessageStatus.QUEUED, claimed_by=None
    )
    unconfirmed = held.filter(status=MessageStatus.HANDED).update(
        status=MessageStatus.UNCONFIRMED, sent_at=timezone.now(),
        error="The worker stopped before the mail server's reply.",
    )
    return {"requeued": requeued, "unconfirmed": unconfirmed}
