"""Send the outbox: claim due messages, hand each to its channel, record the result.

Every state change is its own committed UPDATE guarded by the state it
expects, so two workers never send the same row and a restarted worker
can tell what a dead one left behind. Every channel (``channels.py``) marks a
message "handed over" just before the bytes that could deliver it (see
``smtp.py`` for the one moment SMTP leaves uncertain). Marketing messages are
checked against consent, quiet hours and the frequency cap at the moment they
go (``rules.py``): cancelled without consent, otherwise only ever delayed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import channels, hooks, rules
from .models import Message, MessageStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
CONSENT_WITHDRAWN = "consent withdrawn"
# The first key of the advisory lock that serialises the cap per customer (PostgreSQL).
CAP_LOCK = 7301


class LostClaim(Exception):
    """Another worker took the message back, taking this one for dead."""


@dataclass
class Sent:
    sent: int = 0
    failed: int = 0
    # Put back for later: a temporary refusal, throttling, quiet hours, the cap.
    deferred: int = 0
    # Consent withdrawn since queuing.
    cancelled: int = 0
    # The connection to a gateway failed: the rest of the batch on that channel waits.
    broken: bool = False
    # The gateway throttled us: the rest of the batch on that channel waits until then.
    resume_at: datetime | None = None

    def __iadd__(self, other: Sent) -> Sent:
        self.sent += other.sent
        self.failed += other.failed
        self.deferred += other.deferred
        self.cancelled += other.cancelled
        self.broken = self.broken or other.broken
        return self

    def __bool__(self) -> bool:
        return bool(self.sent or self.failed or self.deferred or self.cancelled)


def claim(worker, limit: int, now=None) -> list[Message]:
    """Mark up to ``limit`` due messages as being sent by ``worker`` and return them.

    Messages on a channel this installation has no gateway for wait in the queue.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = (Message.objects.due(now).filter(channel__in=channels.configured())
               .order_by("send_after", "id"))
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
    """Claim and send one batch of due messages; return what happened to them.

    Each channel gets one adapter for the batch, connected on its first message. When
    a channel breaks or its gateway throttles us, the rest of the batch on that channel
    goes back to the queue untried; the other channels carry on.
    """
    messages = claim(worker, limit)
    result = Sent()
    adapters: dict[str, object] = {}
    # Channels stopped for this batch, with the moment their messages may be tried again
    # (None: as soon as the next batch).
    halted: dict[str, datetime | None] = {}
    try:
        for message in messages:
            if message.channel in halted:
                _release([message], worker, send_after=halted[message.channel])
                continue
            if message.channel not in adapters:
                adapters[message.channel] = channels.adapter_for(
                    message.channel, email_backend=backend)
            outcome = send_one(message, worker, adapters[message.channel])
            result += outcome
            if outcome.broken or outcome.resume_at:
                halted[message.channel] = outcome.resume_at
    finally:
        for adapter in adapters.values():
            adapter.close()
    return result


def _release(messages: list[Message], worker, send_after: datetime | None = None) -> None:
    """Give back claimed messages that were not tried, without counting an attempt."""
    fields = {"send_after": send_after} if send_after else {}
    Message.objects.filter(
        pk__in=[m.pk for m in messages], status=MessageStatus.SENDING, claimed_by=worker
    ).update(status=MessageStatus.QUEUED, claimed_by=None, attempts=F("attempts") - 1,
             **fields)


def send_one(message: Message, worker, adapter) -> Sent:
    """Send one claimed message through its channel's adapter and record the outcome."""
    if message.marketing:
        held = _obey_rules(message, worker)
        if held is not None:
            return held
    handed = False

    def hand_over() -> None:
        nonlocal handed
        if message.marketing and message.customer_id:
            _hand_over_within_cap(message, worker)
        elif not _move(message, worker, MessageStatus.SENDING, MessageStatus.HANDED):
            raise LostClaim(message.pk)
        handed = True

    try:
        adapter.send(message, hand_over)
    except LostClaim:
        log.warning("message %s was taken over by another worker", message.pk)
        return Sent()
    except Held as hold:
        # Another worker sent this customer a message meanwhile: the cap is full again.
        _hold(message, worker, hold.until)
        return Sent(deferred=1)
    except channels.Throttled as error:
        return _throttled(message, worker, error, handed)
    except channels.ChannelError as error:
        return _failed(message, worker, error, handed)
    _move(message, worker, MessageStatus.HANDED, MessageStatus.SENT, sent_at=timezone.now())
    return Sent(sent=1)


class Held(Exception):
    """The rules hold a marketing message until ``until``."""

    def __init__(self, until: datetime):
        super().__init__(until)
        self.until = until


def _obey_rules(message: Message, worker) -> Sent | None:
    """Cancel a message without consent, hold one the rules delay; None when it may go."""
    if not hooks.consents(message):
        _move(message, worker, MessageStatus.SENDING, MessageStatus.CANCELLED,
              error=CONSENT_WITHDRAWN)
        return Sent(cancelled=1)
    now = timezone.now()
    until = _allowed_at(message, now)
    if until > now:
        _hold(message, worker, until)
        return Sent(deferred=1)
    return None


def _allowed_at(message: Message, now: datetime) -> datetime:
    sent = []
    if message.customer_id:
        sent = Message.objects.exclude(pk=message.pk).marketing_sends(
            [message.customer_id], now, settings.TENURE_MARKETING_CAP_DAYS,
        )[message.customer_id]
    return rules.next_allowed(now, time_zone=message.time_zone, sent=sent)


def _hand_over_within_cap(message: Message, worker) -> None:
    """Record the hand-over unless another worker filled the cap since the rules were read.

    Two workers sending two messages to one customer could each count one earlier
    message and both go, three in the window. On PostgreSQL a lock per customer,
    held until the hand-over commits, makes the second count the first; SQLite has
    one writer at a time anyway.
    """
    with transaction.atomic():
        if db_connection.vendor == "postgresql":
            with db_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                               [CAP_LOCK, message.customer_id])
        now = timezone.now()
        until = _allowed_at(message, now)
        if until > now:
            raise Held(until)
        if not _move(message, worker, MessageStatus.SENDING, MessageStatus.HANDED):
            raise LostClaim(message.pk)


def _hold(message: Message, worker, until: datetime) -> None:
    """Put a message back until ``until``: the rules delayed it, no attempt was spent."""
    _move(message, worker, MessageStatus.SENDING, MessageStatus.QUEUED, send_after=until,
          claimed_by=None, attempts=F("attempts") - 1)


def _move(message: Message, worker, before: str, after: str, **fields) -> bool:
    """Change the status from ``before`` to ``after`` if this worker still holds it."""
    moved = Message.objects.filter(
        pk=message.pk, status=before, claimed_by=worker
    ).update(status=after, **fields)
    return moved == 1


def _throttled(message: Message, worker, error: channels.Throttled, handed: bool) -> Sent:
    """The gateway did not take it, asking us to wait: queue it again for then."""
    resume_at = timezone.now() + error.retry_after
    before = MessageStatus.HANDED if handed else MessageStatus.SENDING
    _move(message, worker, before, MessageStatus.QUEUED, error=error.reason[:2000],
          send_after=resume_at, claimed_by=None, attempts=F("attempts") - 1)
    return Sent(deferred=1, resume_at=resume_at)


def _failed(message: Message, worker, error: channels.ChannelError, handed: bool) -> Sent:
    """Record a refusal or a broken connection; retry what may be retried."""
    text = error.reason[:2000]
    before = MessageStatus.HANDED if handed else MessageStatus.SENDING
    broken = isinstance(error, channels.Broken)
    if handed and broken and error.maybe_delivered:
        # The connection broke after the hand-over: the gateway may have the message.
        _move(message, worker, before, MessageStatus.UNCONFIRMED, error=text,
              sent_at=timezone.now())
        return Sent(sent=1)
    refused = isinstance(error, channels.Refused)
    if (refused and error.permanent) or message.attempts >= MAX_ATTEMPTS:
        _move(message, worker, before, MessageStatus.FAILED, error=text)
        log.warning("message %s failed: %s", message.pk, text)
        return Sent(failed=1)
    retry_at = timezone.now() + timedelta(minutes=2 ** message.attempts)
    _move(message, worker, before, MessageStatus.QUEUED, error=text, send_after=retry_at,
          claimed_by=None)
    return Sent(deferred=1, broken=broken or (refused and error.halt))


def recover_abandoned(workers) -> dict[str, int]:
    """Take back the messages of dead ``workers``: resend the unsent, keep the handed over.

    A message still "sending" never had the bytes that deliver it written (SMTP's
    end of data, the submit_sm, the Bot API request), so the gateway has nothing;
    one "handed over" may have been delivered and is recorded as sent without
    confirmation rather than risk a second copy.
    """
    held = Message.objects.filter(claimed_by__in=workers)
    requeued = held.filter(status=MessageStatus.SENDING).update(
        status=MessageStatus.QUEUED, claimed_by=None
    )
    unconfirmed = held.filter(status=MessageStatus.HANDED).update(
        status=MessageStatus.UNCONFIRMED, sent_at=timezone.now(),
        error="The worker stopped before the gateway's reply.",
    )
    return {"requeued": requeued, "unconfirmed": unconfirmed}
