"""A seeded random sequence of 10,000 operations of every kind, the single and the bulk
paths mixed: afterwards every balance equals its ledger, and no rule was broken."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import ledger
from tenure.crm.loyalty.models import Account, Entry, Kind, Lot
from tenure.crm.sales.models import Order, OrderStatus, Return

from .base import LedgerTestCase, days

OPERATIONS = 10_000
# The sequence checks the ledger's arithmetic, one operation after another; the database's
# part (row locks, concurrent redemptions) is `test_concurrency`'s, on PostgreSQL. Ten
# thousand operations take three minutes there: the SQLite run has them.
pytestmark = pytest.mark.any_database


class RandomSequenceTestCase(LedgerTestCase):
    def test_the_ledger_sum_equals_every_balance_after_10000_operations(self):
        rng = random.Random(14)
        people = [self.olena, *(Customer.objects.create(name=f"C{i}") for i in range(19))]
        clock, orders, keys = 0.0, [], []
        for step in range(OPERATIONS):
            clock += rng.random() * 0.2
            now, who = days(clock), rng.choice(people)
            op = rng.choices(
                ["order", "return", "cancel", "redeem", "replay", "refund", "grant",
                 "adjust", "catch_up", "nightly"],
                [20, 6, 2, 25, 5, 2, 8, 6, 1, 1])[0]
            if op == "order":
                order = self.order(str(rng.randrange(1, 40000) / 100), at=now, customer=who)
                orders.append(order)
                if rng.random() < 0.5:  # else the bulk path earns it
                    ledger.earn(order, now=now)
            elif op == "return" and orders:
                order = rng.choice(orders)
                self.give_back(order, str(rng.randrange(1, 20000) / 100), now)
            elif op == "cancel" and orders:
                Order.objects.filter(pk=rng.choice(orders).pk).update(
                    status=OrderStatus.CANCELLED)
            elif op == "redeem":
                order = rng.choice(orders) if orders and rng.random() < 0.5 else None
                key = f"k{step}"
                outcome = ledger.redeem((order.customer_id if order else who.pk),
                                        rng.randrange(-5, 300), key, order=order, now=now)
                self.assertTrue(outcome.applied or outcome.reason)
                if outcome.applied:
                    keys.append((key, outcome.entry))
            elif op == "replay" and keys:
                key, entry = rng.choice(keys)
                outcome = ledger.redeem(entry.account.customer_id, -entry.points, key, now=now)
                self.assertTrue(outcome.replayed)
                self.assertEqual(outcome.entry.pk, entry.pk)
            elif op == "refund" and keys:
                _, entry = rng.choice(keys)
                if entry.order_id:
                    Order.objects.filter(pk=entry.order_id).update(status=OrderStatus.RETURNED)
            elif op == "grant":
                ledger.grant(who.pk, rng.randrange(1, 200), "surprise", now=now)
            elif op == "adjust":
                ledger.adjust(who.pk, rng.choice([-1, 1]) * rng.randrange(1, 150), "staff",
                              now=now)
            elif op == "catch_up":
                ledger.catch_up(now=now)
            elif op == "nightly":
                ledger.nightly(now=now)
        ledger.catch_up(now=days(clock))
        ledger.nightly(now=days(clock))
        self.assertLedgerHolds()
        self.assertGreater(Entry.objects.count(), 5000)
        # Each kind happened, the sequence reached every path.
        kinds = set(Entry.objects.values_list("kind", flat=True))
        self.assertEqual(kinds, set(Kind.values))
        # Each order earned once, each return reversed once, each redemption restored once.
        for field, kind in (("order", Kind.EARN), ("ret", Kind.REVERSE),
                            ("reverses", Kind.RESTORE)):
            most = (Entry.objects.filter(kind=kind, **{f"{field}__isnull": False})
                    .values(field).annotate(n=Count("id")).order_by("-n").first())
            self.assertEqual(most["n"], 1, (field, kind))
        # Reversals never took back more than an order earned.
        for earn in Entry.objects.filter(kind=Kind.EARN).annotate(
                back=Sum("reversals__points") + Sum("reversals__pending_points")):
            self.assertLessEqual(-(earn.back or 0), earn.pending_points)
        # Every order not cancelled has earned (when it earns anything); every return of
        # an order that earned has its reversal.
        earned = set(Entry.objects.filter(kind=Kind.EARN).values_list("order_id", flat=True))
        due = {o.pk for o in Order.objects.exclude(status=OrderStatus.CANCELLED)
               if o.total >= 1}
        self.assertEqual(due - earned, set())
        returns = set(Return.objects.filter(order_id__in=earned).values_list("pk", flat=True))
        self.assertEqual(returns - set(Entry.objects.values_list("ret_id", flat=True)), set())
        self.assertFalse(Lot.objects.filter(remaining__lt=0).exists())
        self.assertEqual(Entry.objects.filter(kind=Kind.REDEEM).count(), len(keys))
        self.assertEqual(sum(a.balance for a in Account.objects.all()),
                         Entry.objects.aggregate(s=Sum("points"))["s"])
        self.assertGreater(Decimal(len(keys)), 100)
