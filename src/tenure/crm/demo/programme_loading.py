"""Run the demo's loyalty programme through the loyalty app, replaying its two years.

The programme starts as the second year begins (`Programme.starts_at`: the worker earns
nothing for the orders before it). The orders and returns from its first day are written
here as time passes, a step at a time, before the first year's are
(`loading.load_shop`); each step

1. writes the orders placed in it (an order to be returned still as completed) and
   records the referral of each customer who joined in it by a friend's code, at the
   moment they joined (`referrals.redeem_code`);
2. pays part of the orders whose customers want it (`programme.Plan.redeem`) with points,
   at the moment of the order (`ledger.redeem`: what the balance then allows, within the
   programme's maximum share, once the customer has ``MIN_REDEEM``);
3. writes the returns made in it and marks their orders returned;
4. at its end does what the worker's jobs do: release and expire lots and review the
   tiers (`ledger.nightly`), then earn, raising tiers at once (`bulk.earn_missing` and
   `tiers.upgrade`, as `ledger.catch_up` calls them), reverse for the returns and for the
   orders returned whole, give back the points that paid for those, decide the
   referrals due (`referrals.decide_due`) and give the surprise reward due.

So the ledger is what the app writes when its worker runs once a step, and `tenure
loyalty check` holds. The customers referred before the programme began are no referrals
of it (`referrals.record_missing` leaves them out). Left out: the
birthday bonus (0): the worker meets each day's birthdays, and replaying it day by day
would cost more than the rest of the demo.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import bonuses, bulk, ledger, referrals, tiers
from tenure.crm.loyalty.models import (
    Account,
    Entry,
    Kind,
    Lot,
    LotUse,
    Programme,
    Referral,
    ReferralCode,
    Tier,
    TierMove,
)
from tenure.crm.sales.models import Order, OrderStatus, Return

from . import programme
from .baskets import COMPLETED, DAY, PARTIAL, RETURNED, STATUSES
from .loading import SOURCE, load_orders, load_returns
from .world import Shop
from .writing import Clock

STEP_DAYS = 30  # the worker's jobs run once a step of the replay
EMPTY = np.zeros(0, dtype=np.int64)


def replay(shop: Shop, clock: Clock, first: dict, progress=None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Write the orders and returns of the programme's time with what the programme does
    with them; return the indexes of the orders and returns written."""
    plan = shop.programme
    if plan is None:
        return EMPTY, EMPTY
    settings = set_up_programme(clock.moment(plan.start))
    orders, returns = shop.orders, shop.returns
    end = (shop.end - shop.start).days * DAY
    placed = np.flatnonzero(orders.at >= plan.start)
    made = np.flatnonzero(orders.at[returns.order] >= plan.start)
    for low, high in steps(plan, end):
        step = Step(shop, clock, first, low, high, settings)
        new = step.orders(placed[(orders.at[placed] >= low) & (orders.at[placed] < high)],
                          progress)
        step.referrals()
        step.redemptions(new)
        whole = step.returns(made[(returns.at[made] >= low) & (returns.at[made] < high)],
                             progress)
        step.work(whole)
    date_accounts(clock.moment(end))
    return placed, made


def steps(plan: programme.Plan, end: int) -> list[tuple[int, int]]:
    """Return the steps (start, end) in seconds: the programme's first day, then
    ``STEP_DAYS`` long, also ending at each surprise reward."""
    bounds = {plan.start + DAY, *range(plan.start + STEP_DAYS * DAY, end, STEP_DAYS * DAY)}
    bounds |= {reward.at for reward in plan.rewards}
    ends = sorted(b for b in bounds | {end} if plan.start < b <= end)
    return list(zip([plan.start, *ends[:-1]], ends, strict=True))


def set_up_programme(start) -> Programme:
    """Give the programme the demo's settings, its start and its three tiers; return it."""
    Programme.current()
    Programme.objects.filter(pk=1).update(**programme.SETTINGS, starts_at=start)
    for tier in programme.TIERS:
        Tier.objects.update_or_create(rank=tier.rank, defaults={
            "name": tier.name, "min_points": None,
            "min_spend": None if tier.min_spend is None else Decimal(tier.min_spend),
            "multiplier": Decimal(tier.multiplier), "birthday_bonus": tier.birthday_bonus})
    return Programme.current()


class Step:
    """One step of the replay: the shop's seconds [``low``, ``high``)."""

    def __init__(self, shop: Shop, clock: Clock, first: dict, low: int, high: int,
                 settings: Programme):
        self.shop, self.clock, self.first = shop, clock, first
        self.low, self.high, self.settings = low, high, settings
        self.end = clock.moment(high)
        self.made: list[int] = []

    def orders(self, rows: np.ndarray, progress) -> list[int]:
        """Write the orders ``rows``, those to be returned as completed; return them in
        the order they were placed."""
        status = self.shop.orders.status[rows].copy()
        status[np.isin(status, [RETURNED, PARTIAL])] = COMPLETED
        load_orders(self.shop, self.clock, self.first, progress, rows, status)
        return rows[np.argsort(self.shop.orders.at[rows], kind="stable")].tolist()

    def referrals(self) -> None:
        """Record the referrals of the customers who joined in the step, by their
        referrer's code, at the moment they joined."""
        people = self.shop.customers
        joined = np.flatnonzero((people.referrer >= 0) & (people.joined >= self.low)
                                & (people.joined < self.high))
        joined = joined[np.argsort(people.joined[joined], kind="stable")]
        first = self.first[Customer]
        known = Customer.objects.in_bulk(
            [first + int(i) for i in np.r_[joined, people.referrer[joined]].tolist()])
        for customer in joined.tolist():
            friend = known[first + int(people.referrer[customer])]
            referrals.redeem_code(known[first + customer], referrals.code_for(friend),
                                  now=self.clock.moment(int(people.joined[customer])))

    def redemptions(self, placed: list[int]) -> None:
        """Pay part of the step's orders with points where their customers want it."""
        wanted = [i for i in placed if self.shop.programme.redeem[i]]
        if not wanted:
            return
        first, orders = self.first, self.shop.orders
        customers = {first[Customer] + int(orders.customer[i]) for i in wanted}
        # Those with too few points even counting the pending ones are not asked.
        able = set(Account.objects.filter(customer_id__in=customers)
                   .annotate(most=F("balance") + F("pending"))
                   .filter(most__gte=programme.MIN_REDEEM)
                   .values_list("customer_id", flat=True))
        rows = [i for i in wanted if first[Customer] + int(orders.customer[i]) in able]
        found = Order.objects.in_bulk([first[Order] + i for i in rows])
        for i in rows:
            self.pay_with_points(found[first[Order] + i], int(orders.at[i]))

    def pay_with_points(self, order: Order, at: int) -> None:
        """Redeem what the balance allows on ``order`` at the moment it was placed."""
        moment = self.clock.moment(at)
        settings = self.settings
        most = int(order.total * settings.max_share / settings.point_value)
        with transaction.atomic():
            account = ledger.locked_account(order.customer_id)
            ledger.settle(account, moment)
            points = min(account.balance, most)
            if points >= programme.MIN_REDEEM:
                ledger.redeem(order.customer_id, points, f"checkout:order:{order.pk}",
                              order=order, reason="Paid in part with points", now=moment)

    def returns(self, rows: np.ndarray, progress) -> list[int]:
        """Write the returns ``rows`` and give their orders their final status; return
        the orders returned whole."""
        load_returns(self.shop, self.clock, self.first, progress, rows)
        orders, first = self.shop.returns.order[rows], self.first[Order]
        whole = []
        for status in np.unique(self.shop.orders.status[orders]).tolist():
            mine = orders[self.shop.orders.status[orders] == status]
            pks = [first + int(i) for i in mine.tolist()]
            Order.objects.filter(pk__in=pks).update(status=STATUSES[status])
            if STATUSES[status] == OrderStatus.RETURNED:
                whole += pks
        self.made = [self.first[Return] + int(i) for i in rows.tolist()]
        return sorted(whole)

    def work(self, whole: list[int]) -> None:
        """Do at the step's end what the worker's loyalty jobs do."""
        now = self.end
        # The nightly job first: lots come due in bulk, not one account at a time within
        # each reversal and redemption.
        ledger.nightly(now)
        bulk.earn_missing(now, then=lambda cursor: tiers.upgrade(
            "SELECT account_id FROM loyalty_earning", [], now, cursor))
        for ret in Return.objects.filter(pk__in=self.made).select_related("order").order_by(
                "pk"):
            ledger.reverse_return(ret, now)
        for order in Order.objects.filter(pk__in=whole).order_by("pk"):
            ledger.reverse_order(order, now)
        for entry in (Entry.objects.filter(kind=Kind.REDEEM, order_id__in=whole)
                      .select_related("account").order_by("pk")):
            ledger.restore(entry, now)
        referrals.decide_due(now)
        for reward in self.shop.programme.rewards:
            if reward.at == self.high:
                bonuses.reward((reward.customers + self.first[Customer]).tolist(),
                               reward.points, reward.reason, key=reward.key,
                               cause="surprise", now=now)


def date_accounts(end) -> None:
    """Date each account opened by a lock (a referrer's, when their referral was
    decided) at its first entry or that decision, as the worker running then would have:
    a lock dates a new account by the clock."""
    first_entry = (Entry.objects.filter(account_id=OuterRef("pk")).order_by()
                   .values("account_id").annotate(at=Min("at")).values("at"))
    decided = (Referral.objects.filter(referrer_id=OuterRef("customer_id")).order_by()
               .values("referrer_id").annotate(at=Min("decided_at")).values("at"))
    Account.objects.filter(customer__source=SOURCE, created_at__gt=end).update(
        created_at=Coalesce(Subquery(first_entry), Subquery(decided), Value(end)))


def delete_loyalty_data() -> None:
    """Delete the demo customers' loyalty accounts, entries, lots, tier moves, referrals
    and codes, each in one statement (entries refuse Django's delete, and lots and
    entries point at each other)."""
    mine = {"account__customer__source": SOURCE}
    for rows in (LotUse.objects.filter(entry__account__customer__source=SOURCE),
                 Referral.objects.filter(referred__source=SOURCE),
                 Referral.objects.filter(referrer__source=SOURCE),
                 ReferralCode.objects.filter(customer__source=SOURCE),
                 Lot.objects.filter(**mine), Entry.objects.filter(**mine),
                 TierMove.objects.filter(**mine),
                 Account.objects.filter(customer__source=SOURCE)):
        sql, params = rows.values("pk").query.sql_with_params()
        table = connection.ops.quote_name(rows.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({sql})", params)
