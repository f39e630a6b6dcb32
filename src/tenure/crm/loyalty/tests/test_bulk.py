"""The set-based paths write what the single ones would: the same entries, lots and
balances, and they never act twice."""

from __future__ import annotations

from django.db import transaction

from tenure.crm.loyalty import bulk, ledger
from tenure.crm.loyalty.models import Account, Entry, Lot
from tenure.crm.sales.models import OrderStatus

from .base import LedgerTestCase, days

# No tier moves: the programme has no tiers.
STILL = "; tiers: upgraded 0, downgraded 0, kept at review 0"


class BulkTestCase(LedgerTestCase):
    def rows(self):
        return sorted((e.kind, e.points, e.pending_points, e.key, e.order_id, e.lot_id)
                      for e in Entry.objects.all())

    def lots(self):
        return sorted((lot.entry.key, lot.points, lot.remaining, lot.pending, lot.available_at,
                       lot.expires_at) for lot in Lot.objects.select_related("entry"))

    def test_bulk_earning_equals_earning_order_by_order(self):
        orders = [self.order("120.50", at=days(0)),
                  self.order("0.99", at=days(1)),  # earns nothing
                  self.order("80.00", at=days(2), status=OrderStatus.CANCELLED),
                  self.order("1000.00", at=days(300))]
        with transaction.atomic():
            for _ in range(2):
                for order in orders:
                    ledger.earn(order, now=days(301))
            single = self.rows(), self.lots(), self.figures()
            transaction.set_rollback(True)
        self.assertEqual(Entry.objects.count(), 0)
        bulk.earn_missing(days(301), batch=2)
        bulk.earn_missing(days(301), batch=2)
        self.assertEqual((self.rows(), self.lots(), self.figures()), single)
        self.assertEqual(single[2], [(0, 1120)])
        self.assertLedgerHolds()

    def test_bulk_release_and_expiry_equal_the_single_path(self):
        self.order("120.50", at=days(0))
        self.order("1000.00", at=days(300))
        ledger.catch_up(now=days(301))
        self.assertEqual(ledger.nightly(now=days(400)), "released 2 lots, expired 1" + STILL)
        self.assertEqual(ledger.nightly(now=days(401)), "released 0 lots, expired 0" + STILL)
        self.assertEqual(self.figures(), [(1000, 0)])
        self.assertEqual(sorted(Entry.objects.values_list("kind", "points")),
                         [("available", 120), ("available", 1000), ("earn", 0), ("earn", 0),
                          ("expire", -120)])
        self.assertLedgerHolds()

    def figures(self):
        return list(Account.objects.values_list("balance", "pending"))


class ProgrammeStartTestCase(LedgerTestCase):
    """A programme switched on over a history pays nothing for the orders before it."""

    figures = BulkTestCase.figures

    def setUp(self):
        from tenure.crm.loyalty.models import Programme

        Programme.objects.filter(pk=1).update(starts_at=days(100))
        self.before = self.order("500.00", at=days(99.5))
        self.on_time = self.order("200.00", at=days(100))
        self.after = self.order("300.40", at=days(150))

    def test_orders_before_the_start_earn_nothing_order_by_order(self):
        self.assertIsNone(ledger.earn(self.before, now=days(200)))
        self.assertEqual(ledger.earn(self.on_time, now=days(200)).pending_points, 200)
        self.assertEqual(ledger.earn(self.after, now=days(200)).pending_points, 300)
        self.assertEqual(self.figures(), [(0, 500)])
        self.assertLedgerHolds()

    def test_orders_before_the_start_earn_nothing_in_bulk_nor_open_an_account(self):
        old_only = type(self.olena).objects.create(name="Taras", source="shop",
                                                   external_id="C-8")
        self.order("900.00", at=days(10), customer=old_only)
        self.assertEqual(bulk.earn_missing(days(200)), 2)
        self.assertEqual(sorted(Entry.objects.values_list("order_id", "pending_points")),
                         [(self.on_time.pk, 200), (self.after.pk, 300)])
        self.assertFalse(Account.objects.filter(customer=old_only).exists())
        self.assertEqual(self.figures(), [(0, 500)])
        self.assertLedgerHolds()
