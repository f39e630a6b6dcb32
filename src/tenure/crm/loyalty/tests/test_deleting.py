"""Deleting what the ledger points at: an entry's order and lot, and a lot's entry, have no
foreign key in the database (``models.py``), so Django's ``on_delete`` alone keeps them."""

from __future__ import annotations

from django.db.models.deletion import ProtectedError

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import bulk, ledger
from tenure.crm.loyalty.models import Entry, Kind, Lot
from tenure.crm.sales.models import Order

from .base import LedgerTestCase, days


class DeletingTestCase(LedgerTestCase):
    def test_it_deleting_an_order_leaves_its_entries_without_it(self):
        kept, deleted = self.order("100.00", at=days(0)), self.order("50.00", at=days(0))
        bulk.earn_missing(days(1))
        ledger.nightly(days(20))
        Order.objects.get(pk=deleted.pk).delete()
        self.assertEqual(set(Entry.objects.filter(kind=Kind.EARN)
                             .values_list("order_id", "pending_points")),
                         {(None, 50), (kept.pk, 100)})
        # The lots and their release stay: the points were earned.
        self.assertEqual(sorted(Lot.objects.values_list("remaining", flat=True)), [50, 100])
        self.assertEqual(self.account().balance, 150)
        self.assertLedgerHolds()

    def test_it_refuses_to_delete_a_customer_with_a_ledger_as_before(self):
        gone = Customer.objects.create(name="Taras", source="shop", external_id="C-8")
        ledger.grant(gone.pk, 40, "welcome", now=days(0))
        ledger.nightly(days(500))  # the lot expires: an entry points at it
        with self.assertRaises(ProtectedError):
            gone.delete()
        self.assertEqual(Entry.objects.filter(account__customer=gone).count(), 2)
        self.assertEqual(Lot.objects.filter(account__customer=gone).count(), 1)
        self.assertLedgerHolds()

    def test_it_refuses_to_delete_a_customer_with_orders_as_before(self):
        self.order("100.00", at=days(0))
        bulk.earn_missing(days(1))
        with self.assertRaises(ProtectedError):
            self.olena.delete()
        self.assertEqual(Entry.objects.count(), 1)
        self.assertLedgerHolds()
