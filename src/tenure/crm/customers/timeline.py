"""One customer's timeline: orders, returns, interactions, activities, complaints,
survey answers and messages, newest first.

Each source is read through its (customer, -time) index for one page only
and the pages are merged, so a customer with thousands of events costs the
same as one with fifty. Older pages are asked for with a time cursor.

Orders and messages are read here (sales and messaging stand below customers); the apps
above customers add their own sources with ``register`` from their ``AppConfig.ready``:
engagement its interactions, activities and complaints, feedback its answers.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.crm.lib.formatting import money
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order

PAGE = 30

# The order of the kinds on the page; a kind registered but not named here comes last.
ORDER = ("order", "interaction", "activity", "complaint", "answer", "message", "loyalty")
# kind -> its name on the page, and kind -> its source: (customer, before, limit) -> events.
KINDS: dict[str, str] = {}
SOURCES: dict[str, Callable[..., Iterator[Event]]] = {}


def register(kind: str, label, source: Callable[..., Iterator[Event]]) -> None:
    """Add a source of events to every timeline, under ``kind`` named ``label``."""
    SOURCES[kind] = source
    KINDS[kind] = label
    rank = {name: i for i, name in enumerate(ORDER)}
    ordered = sorted(KINDS.items(), key=lambda item: rank.get(item[0], len(ORDER)))
    KINDS.clear()
    KINDS.update(ordered)


@dataclass(frozen=True)
class Event:
    kind: str
    time: datetime
    title: str
    detail: str = ""
    url: str = ""
    badge: str = ""
    badge_class: str = ""
    # Breaks ties between events of the same instant, so paging is stable.
    order: int = 0


def timeline(customer, *, kinds: set[str] | None = None, before: datetime | None = None,
             limit: int = PAGE) -> list[Event]:
    """Return up to ``limit`` events of ``customer`` older than ``before``, newest first."""
    wanted = set(KINDS) if not kinds else kinds & set(KINDS)
    streams = [SOURCES[kind](customer, before, limit) for kind in KINDS if kind in wanted]
    merged = heapq.merge(*streams, key=lambda e: (e.time, e.order), reverse=True)
    return [event for _, event in zip(range(limit), merged, strict=False)]


def window(queryset, field: str, before, limit: int):
    """Return one page of ``queryset`` newest first by ``field``, older than ``before``."""
    if before is not None:
        queryset = queryset.filter(**{f"{field}__lt": before})
    return queryset.order_by(f"-{field}", "-id")[:limit]


def _orders(customer, before, limit):
    for order in window(Order.objects.filter(customer=customer), "ordered_at", before, limit):
        yield Event(
            "order", order.ordered_at,
            _("Order %(number)s, %(total)s") % {
                "number": order.external_id, "total": money(order.total, order.currency)},
            detail=" · ".join(filter(None, [order.channel, order.store])),
            url=order.get_absolute_url(), badge=order.get_status_display(),
            badge_class=f"status-{order.status}", order=order.pk,
        )


def _messages(customer, before, limit):
    # Ordered by creation (the indexed column); a message is shown at its sending time.
    for message in window(Message.objects.filter(customer=customer), "created_at",
                           before, limit):
        yield Event(
            # An SMS or a Telegram message has no subject: its text stands in.
            "message", message.created_at,
            message.subject or Truncator(message.body_text).chars(80),
            detail=_("%(channel)s to %(address)s") % {
                "channel": message.get_channel_display(), "address": message.recipient},
            badge=message.get_status_display(), badge_class=f"status-{message.status}",
            order=message.pk,
        )


register("order", gettext_lazy("Orders"), _orders)
register("message", gettext_lazy("Messages"), _messages)
