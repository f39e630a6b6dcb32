"""Bonuses the programme gives by itself: welcome, birthday, first survey answer; and the
surprise rewards staff give by hand or a campaign gives as an action.

Each is a ``ledger.grant`` (a bonus entry, available at once, in the statement) under a key
that names what earned it, so a bonus is given once whatever runs twice:

- ``welcome:<customer>``: the customer's first order that is not cancelled, if placed in
  the last 30 days (``RECENT``);
- ``birthday:<customer>:<year>``: the customer's birthday on their own local date (29
  February is kept on 28 February in other years);
- ``first-answer:<customer>``: their first survey answer, if given in the last 30 days;
- ``review:<customer>``: their first review given in the last 30 days, once ever. The CRM
  has no review model: a **review** is a survey answer that carries a written comment
  (``Answer.comment`` not blank), the score alone is not one;
- ``reward:<key>:<customer>``: a surprise reward under the caller's key (``reward``);
  given by hand to an audience, it is one action (``reward_once``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, Length, Trim
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.customers.models import Customer
from tenure.crm.feedback.models import Answer
from tenure.crm.lib.formatting import number
from tenure.crm.sales.models import Order, OrderStatus

from . import ledger
from .models import Account, Entry, LedgerError, Programme

# Bonuses granted per transaction.
BATCH = 500
# A reward by hand is one transaction in a web request: about 10 ms a customer on SQLite.
# More customers take a campaign with a bonus offer, which the worker gives.
HAND_LIMIT = 2000
# A welcome or first-answer bonus is for what happened lately: a bonus switched on, or a
# history imported, does not pay every customer for orders and answers of years ago.
RECENT = timedelta(days=30)


def birthday_points(account: Account) -> int:
    """Return the birthday bonus of the account's customer (a tier may change it)."""
    return Programme.current().birthday_bonus


def catch_up(now: datetime | None = None) -> str:
    """Give the welcome, birthday, first-answer and review bonuses due (the worker, every 5
    minutes, so each time zone's midnight is met within minutes); return what it did."""
    now = now or timezone.now()
    programme = Programme.current()
    welcomed = welcome(programme, now)
    born = birthdays(now)
    answered = first_answers(programme, now)
    reviewed = reviews(programme, now)
    return (f"welcome {welcomed}, birthday {born}, first answer {answered}, "
            f"review {reviewed}")


def _without(customers: QuerySet, prefix: str, suffix: str = "") -> QuerySet:
    """Return ``customers`` that have no entry keyed ``prefix<customer id>suffix`` (the
    key's unique index answers each probe)."""
    key = Concat(Value(prefix), Cast(OuterRef("pk"), CharField()), Value(suffix))
    return customers.exclude(Exists(Entry.objects.filter(key=key))).order_by("pk")


def welcome(programme: Programme, now: datetime) -> int:
    """Give the welcome bonus to each customer with an order not cancelled and no welcome
    bonus yet; return how many."""
    if not programme.welcome_bonus:
        return 0
    ordered = Order.objects.filter(customer_id=OuterRef("pk")).exclude(
        status=OrderStatus.CANCELLED)
    since = now - RECENT
    # From the last 30 days' orders (order_time_idx), not from every customer.
    recent = Order.objects.filter(ordered_at__gte=since).exclude(
        status=OrderStatus.CANCELLED).values("customer_id")
    new = Customer.objects.filter(pk__in=recent).exclude(
        Exists(ordered.filter(ordered_at__lt=since)))
    due = _without(new, "welcome:")
    return _grant_each(due.values_list("pk", flat=True), lambda pk: ledger.grant(
        pk, programme.welcome_bonus, _("Welcome bonus"), key=f"welcome:{pk}",
        cause="welcome", now=now))


def first_answers(programme: Programme, now: datetime) -> int:
    """Give the first-answer bonus to each customer who answered a survey and has not had
    it; return how many."""
    if not programme.first_answer_bonus:
        return 0
    answered = Answer.objects.filter(customer_id=OuterRef("pk"))
    since = now - RECENT
    new = Customer.objects.filter(Exists(answered.filter(answered_at__gte=since))).exclude(
        Exists(answered.filter(answered_at__lt=since)))
    due = _without(new, "first-answer:")
    return _grant_each(due.values_list("pk", flat=True), lambda pk: ledger.grant(
        pk, programme.first_answer_bonus, _("Bonus for the first survey answer"),
        key=f"first-answer:{pk}", cause="first answer", now=now))


def reviews(programme: Programme, now: datetime) -> int:
    """Give the review bonus to each customer who wrote a review (a survey answer with a
    comment) in the last 30 days and has not had it; return how many."""
    if not programme.review_bonus:
        return 0
    # The comment is added after the score, to the same answer: its time is the answer's.
    # The survey form strips it; an imported one of spaces alone is no review either.
    written = Answer.objects.annotate(written=Length(Trim("comment"))).filter(
        written__gt=0, answered_at__gte=now - RECENT)
    new = Customer.objects.filter(pk__in=written.values("customer_id"))
    due = _without(new, "review:")
    return _grant_each(due.values_list("pk", flat=True), lambda pk: ledger.grant(
        pk, programme.review_bonus, _("Bonus for a review"), key=f"review:{pk}",
        cause="review", now=now))


def local_days(customers: QuerySet, now: datetime) -> list[tuple[Q, date]]:
    """Return (customers of the time zones on one local date, that date) at ``now``."""
    shop = settings.TIME_ZONE
    zones = set(customers.order_by().values_list("time_zone", flat=True).distinct())
    days: dict[date, Q] = defaultdict(Q)
    for zone in zones:
        # An empty zone is the shop's.
        days[now.astimezone(ZoneInfo(zone or shop)).date()] |= Q(time_zone=zone)
    return [(where, day) for day, where in days.items()]


def born_on(day: date) -> Q:
    """Return the customers whose birthday is kept on ``day``: 29 February's on 28
    February when the year has no 29th."""
    born = Q(birth_date__month=day.month, birth_date__day=day.day)
    if day.month == 2 and day.day == 28 and not _leap(day.year):
        born |= Q(birth_date__month=2, birth_date__day=29)
    return born


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthdays(now: datetime) -> int:
    """Give the birthday bonus to each customer whose local date at ``now`` is their
    birthday, once a year; return how many."""
    given = 0
    customers = Customer.objects.filter(birth_date__isnull=False)
    for where, day in local_days(customers, now):
        due = _without(customers.filter(where, born_on(day)), "birthday:", f":{day.year}")
        given += _grant_each(due.values_list("pk", flat=True),
                             lambda pk, year=day.year: _birthday(pk, year, now))
    return given


def _birthday(customer_id: int, year: int, now: datetime) -> Entry | None:
    with transaction.atomic():
        points = birthday_points(ledger.locked_account(customer_id))
        if points <= 0:
            return None
        return ledger.grant(customer_id, points, _("Birthday bonus"),
                            key=f"birthday:{customer_id}:{year}", cause="birthday", now=now)


def reward(customers: Customer | int | Iterable | QuerySet, points: int, reason: str, *,
           key: str, by=None, cause: str = "", now: datetime | None = None) -> int:
    """Give ``points`` to a customer or an audience at once, with a reason, once per
    ``key`` and customer; return how many customers were given them by this call."""
    if points <= 0:
        raise LedgerError(_("A reward must be above zero points."))
    if not reason.strip():
        raise LedgerError(_("A reward needs a reason."))
    if not key.strip():
        raise LedgerError(_("A reward needs a key, so that it is given once."))
    now = now or timezone.now()
    ids = _ids(customers)
    prefix = f"reward:{key}:"
    done = _rewarded(prefix, ids)
    return _grant_each([pk for pk in ids if pk not in done], lambda pk: ledger.grant(
        pk, points, reason, key=f"{prefix}{pk}", cause=cause or "reward", user=by, now=now))


def _rewarded(prefix: str, ids: list[int], first: bool = False) -> set[int]:
    """Return the customers of ``ids`` with an entry keyed ``prefix<id>`` (only the
    first found when ``first``), BATCH keys per query: SQLite takes at most 32,766."""
    found: set[int] = set()
    for start in range(0, len(ids), BATCH):
        keys = [f"{prefix}{pk}" for pk in ids[start:start + BATCH]]
        found |= set(Entry.objects.filter(key__in=keys)
                     .values_list("account__customer_id", flat=True))
        if first and found:
            break
    return found


def reward_once(customers: Customer | int | Iterable | QuerySet, points: int, reason: str, *,
                key: str, by=None, cause: str = "", now: datetime | None = None) -> int:
    """Give a reward by hand as one action, all or nothing (``reward`` in one
    transaction); replayed, it gives nobody anything, not even who has joined the
    customers since. Return how many customers were given the points; refused for more
    than ``HAND_LIMIT`` customers."""
    ids = _ids(customers)
    if len(ids) > HAND_LIMIT:
        raise LedgerError(too_many(len(ids)))
    with transaction.atomic():
        # All or nothing: if any of them has the action's entry, all of its customers do.
        if _rewarded(f"reward:{key}:", ids, first=True):
            return 0
        return reward(ids, points, reason, key=key, by=by, cause=cause, now=now)


def too_many(count: int) -> str:
    """Return why a reward by hand to ``count`` customers is refused."""
    return _("%(count)s customers are more than a reward by hand reaches (%(limit)s): give "
             "the points with a campaign whose offer is bonus points, which the worker "
             "gives in the background.") % {"count": number(count),
                                            "limit": number(HAND_LIMIT)}


def _ids(customers) -> list[int]:
    if isinstance(customers, QuerySet):
        return list(customers.order_by("pk").values_list("pk", flat=True))
    if isinstance(customers, int | Customer):
        customers = [customers]
    return sorted({c.pk if isinstance(c, Customer) else int(c) for c in customers})


def _grant_each(ids: Iterable[int], give) -> int:
    """Apply ``give`` to each customer id, BATCH per transaction; return how many gave."""
    count, chunk = 0, []
    for pk in ids:
        chunk.append(pk)
        if len(chunk) == BATCH:
            count += _give(chunk, give)
            chunk = []
    return count + _give(chunk, give)


def _give(chunk: list[int], give) -> int:
    with transaction.atomic():
        return sum(1 for pk in chunk if give(pk) is not None)
