"""Who a campaign's trigger fires for now, and for what occasion.

Each trigger returns {customer id: occasion}; a step reaches a customer once per occasion
(`Delivery`'s unique key), so running the triggers every hour, or twice, sends once. Dates
are the customer's own (DESIGN.md, "Time"): a customer in Vladivostok has their birthday
while Kyiv is still on the day before.

- ``one_off``: every member, once ("once").
- ``birthday``: members whose birthday is ``days`` days after their local today; someone
  born on 29 February is greeted on 28 February in other years. Occasion: the year.
- ``date``: every member on each listed date (or the country's public holidays, from the
  ``holidays`` library), on their local date. Occasion: the date.
- ``win_back``: members whose latest churn risk reaches ``threshold`` (or, with
  ``missed_rhythm``, who have gone twice their usual time between orders without buying);
  once a month.
- ``segment_entry``: members whose latest segment is ``segment`` and whose snapshot before
  was not. Occasion: the latest snapshot's date.
- ``after_purchase``: ``days`` days after a member's first (or second) purchase, on their
  local date (a week of catch-up if the worker was stopped). Occasion: "p1" or "p2".
- ``inactivity``: a member's last purchase was ``days`` days ago (a week of catch-up).
  Occasion: the last purchase's date, so each lapse is greeted once.
- ``tier_change``: members whose loyalty tier changed within the last week (a week of
  catch-up), only upward or only downward (``tier_direction``) and only to ``tier`` when
  set. Occasion: the moment of the change, so each change is greeted once.
- ``tier_downgrade``: members whose tier review comes ``days`` days or fewer after their
  local today and whose spend and points so far would not keep their tier
  (``loyalty.tiers.falling_within``).
  Occasion: the review's date (theirs), so each review is warned of once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from tenure.crm.customers.models import CustomerStats
from tenure.crm.insights.models import CustomerSnapshot
from tenure.crm.loyalty import tiers
from tenure.crm.loyalty.models import MoveKind
from tenure.crm.sales.models import Order, OrderStatus

from .models import Campaign, TierDirection, Trigger

# How many days late a date-bound trigger may still fire after the worker was stopped.
CATCH_UP_DAYS = 7
# A customer missed their rhythm when the days since their last purchase exceed this many
# times their usual time between orders ((last - first purchase) / (orders - 1)).
RHYTHM_MISSED = 2.0
# Before any tier was given: the first look at the tiers reads every change.


class TriggerError(ValueError):
    """A campaign's trigger settings that cannot be used (a bad date list)."""


def due(campaign: Campaign, members: QuerySet, now: datetime) -> dict[int, str]:
    """Return {customer id: occasion} of the ``members`` the trigger fires for at ``now``."""
    fire = TRIGGERS[campaign.trigger]
    return fire(campaign, members, now)


def _one_off(campaign, members, now):
    return dict.fromkeys(members.values_list("pk", flat=True), "once")


def _local_days(members: QuerySet, now: datetime) -> list[tuple[Q, date]]:
    """Return (members of one time zone, their local date at ``now``) for each zone used."""
    shop = settings.TIME_ZONE
    zones = set(members.order_by().values_list("time_zone", flat=True).distinct())
    days: dict[date, Q] = defaultdict(Q)
    for zone in zones:
        # An empty zone is the shop's.
        days[now.astimezone(ZoneInfo(zone or shop)).date()] |= Q(time_zone=zone)
    return [(where, day) for day, where in days.items()]


def _birthday(campaign, members, now):
    found = {}
    for where, today in _local_days(members.filter(birth_date__isnull=False), now):
        day = today + timedelta(days=campaign.days)
        born = Q(birth_date__month=day.month, birth_date__day=day.day)
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            born |= Q(birth_date__month=2, birth_date__day=29)
        for pk in members.filter(where, born).values_list("pk", flat=True):
            found[pk] = str(day.year)
    return found


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def dates_of(campaign: Campaign, years: list[int]) -> set[date]:
    """Return the campaign's dates in ``years``: the listed ones and a country's holidays.

    Raise TriggerError naming the line that is neither a date nor ``holidays:CC``.
    """
    found = set()
    for number, line in enumerate(campaign.dates.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.lower().startswith("holidays:"):
            country = line.split(":", 1)[1].strip().upper()
            try:
                found |= set(holiday_calendars.country_holidays(country, years=years))
            except NotImplementedError as exc:
                raise TriggerError(_("Line %(line)d: no public holidays are known for "
                                     "“%(country)s”.") % {"line": number,
                                                          "country": country}) from exc
            continue
        try:
            found.add(date.fromisoformat(line))
        except ValueError as exc:
            raise TriggerError(_("Line %(line)d: “%(text)s” is not a date such as 2027-03-08 "
                                 "or holidays:UA.") % {"line": number, "text": line}) from exc
    return found


def _date(campaign, members, now):
    found = {}
    for where, today in _local_days(members, now):
        if today in dates_of(campaign, [today.year]):
            for pk in members.filter(where).values_list("pk", flat=True):
                found[pk] = today.isoformat()
    return found


def _win_back(campaign, members, now):
    month = now.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m")
    latest = CustomerSnapshot.objects.of_latest_date()
    risky = latest.filter(churn_risk__gte=campaign.threshold).values("customer_id")
    found = dict.fromkeys(members.filter(pk__in=risky).values_list("pk", flat=True), month)
    if campaign.missed_rhythm:
        late = [customer for customer, first, last, orders, recency in latest.filter(
                    orders__gte=2, first_purchase__isnull=False, last_purchase__isnull=False,
                    recency_days__isnull=False).values_list(
                    "customer_id", "first_purchase", "last_purchase", "orders", "recency_days")
                if recency > RHYTHM_MISSED * max(1.0, (last - first).days / (orders - 1))]
        for start in range(0, len(late), 10_000):
            chunk = late[start:start + 10_000]
            found.update(dict.fromkeys(
                members.filter(pk__in=chunk).values_list("pk", flat=True), month))
    return found


def _segment_entry(campaign, members, now):
    dates = list(CustomerSnapshot.objects.order_by("-taken_on").values_list(
        "taken_on", flat=True).distinct()[:2])
    if not dates or not campaign.segment:
        return {}
    entered = CustomerSnapshot.objects.filter(taken_on=dates[0], segment=campaign.segment)
    if len(dates) > 1:
        entered = entered.exclude(customer__snapshots__taken_on=dates[1],
                                  customer__snapshots__segment=campaign.segment)
    ids = members.filter(pk__in=entered.values("customer_id")).values_list("pk", flat=True)
    return dict.fromkeys(ids, dates[0].isoformat())


def _after_purchase(campaign, members, now):
    """Members whose first (second) purchase was ``days`` days before their local today."""
    n = campaign.purchase_number
    earliest = now - timedelta(days=campaign.days + CATCH_UP_DAYS + 1)
    latest = now - timedelta(days=campaign.days) + timedelta(days=1)
    recent = (Order.objects.exclude(status=OrderStatus.CANCELLED)
              .filter(ordered_at__gte=earliest, ordered_at__lt=latest,
                      customer__in=members.values("pk"))
              .values_list("customer_id", "ordered_at"))
    candidates: dict[int, list[datetime]] = defaultdict(list)
    for customer, at in recent:
        candidates[customer].append(at)
    if not candidates:
        return {}
    zones = dict(members.filter(pk__in=candidates).values_list("pk", "time_zone"))
    before = dict(
        Order.objects.exclude(status=OrderStatus.CANCELLED)
        .filter(customer__in=list(candidates), ordered_at__lt=earliest)
        .values("customer").annotate(n=Count("pk")).values_list("customer", "n"))
    found = {}
    for customer, times in candidates.items():
        times.sort()
        index = n - 1 - before.get(customer, 0)
        if not 0 <= index < len(times):
            continue
        zone = ZoneInfo(zones.get(customer) or settings.TIME_ZONE)
        bought = times[index].astimezone(zone).date()
        today = now.astimezone(zone).date()
        if 0 <= (today - bought).days - campaign.days <= CATCH_UP_DAYS:
            found[customer] = f"p{n}"
    return found


def _inactivity(campaign, members, now):
    """Members whose last purchase is ``days`` days behind their local today."""
    earliest = now - timedelta(days=campaign.days + CATCH_UP_DAYS + 1)
    latest = now - timedelta(days=campaign.days) + timedelta(days=1)
    lapsed = (CustomerStats.objects.filter(last_purchase__gte=earliest,
                                           last_purchase__lt=latest,
                                           customer__in=members.values("pk"))
              .values_list("customer_id", "last_purchase", "customer__time_zone"))
    found = {}
    for customer, last, zone in lapsed:
        zone = ZoneInfo(zone or settings.TIME_ZONE)
        bought = last.astimezone(zone).date()
        if 0 <= (now.astimezone(zone).date() - bought).days - campaign.days <= CATCH_UP_DAYS:
            found[customer] = bought.isoformat()
    return found


def _tier_change(campaign, members, now):
    """Members whose tier went up or down within the catch-up days, the way the campaign
    asks: read from the loyalty app's record of tier moves (`tiers.changes`), each move
    its own occasion (its moment in UTC)."""
    moves = tiers.changes(now - timedelta(days=CATCH_UP_DAYS), now).filter(
        account__customer__in=members.values("pk"))
    if campaign.tier_direction == TierDirection.UP:
        moves = moves.filter(kind=MoveKind.UP)
    elif campaign.tier_direction == TierDirection.DOWN:
        moves = moves.filter(kind=MoveKind.DOWN)
    if campaign.tier_id:
        moves = moves.filter(to_tier=campaign.tier_id)
    found = {}
    for customer, at in moves.values_list("account__customer_id", "at"):
        found[customer] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return found


def _tier_downgrade(campaign, members, now):
    """Members whose review, ``days`` days or fewer after their local today, would lower
    their tier."""
    if campaign.days < 1:
        return {}
    # A day more than asked: the local dates below pick the exact ones.
    reviews = {account.customer_id: account.tier_review
               for account in tiers.falling_within(now, campaign.days + 1)}
    ids = list(reviews)
    found = {}
    for start in range(0, len(ids), 10_000):
        chunk = ids[start:start + 10_000]
        for customer, zone in members.filter(pk__in=chunk).values_list("pk", "time_zone"):
            zone = ZoneInfo(zone or settings.TIME_ZONE)
            review = reviews[customer].astimezone(zone).date()
            if (review - now.astimezone(zone).date()).days <= campaign.days:
                found[customer] = review.isoformat()
    return found


TRIGGERS = {
    Trigger.ONE_OFF: _one_off,
    Trigger.BIRTHDAY: _birthday,
    Trigger.DATE: _date,
    Trigger.WIN_BACK: _win_back,
    Trigger.SEGMENT_ENTRY: _segment_entry,
    Trigger.AFTER_PURCHASE: _after_purchase,
    Trigger.INACTIVITY: _inactivity,
    Trigger.TIER_CHANGE: _tier_change,
    Trigger.TIER_DOWNGRADE: _tier_downgrade,
}
