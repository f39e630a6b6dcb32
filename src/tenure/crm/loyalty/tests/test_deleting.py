"""Deleting what the ledger points at: an entry's account, order and lot, and a lot's
account and entry, have no foreign key in the database (``models.py``), so Django's
``on_delete`` alone keeps them."""

from __future__ import annotations

from django.db.models.deletion import ProtectedError

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import bulk, ledger
from tenure.crm.loyalty.models import Account, Entry, Kind, Lot
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

    def test_it_deleting_a_customer_takes_their_account_and_entries_as_before(self):
        # A debit no lot covered: no lot, no use of one, nothing protected.
        gone = Customer.objects.create(name="Taras", source="shop", external_id="C-8")
        ledger.adjust(gone.pk, -15, "fraud found", now=days(0))
        ledger.grant(self.olena.pk, 5, "thanks", now=days(0))
        gone.delete()
        self.assertEqual(list(Account.objects.values_list("customer_id", flat=True)),
                         [self.olena.pk])
        self.assertEqual(set(Entry.objects.values_list("account_id", flat=True)),
                         {self.account().pk})
        self.assertLedgerHolds()

    def test_it_refuses_to_delete_a_customer_with_orders_as_before(self):
        self.order("100.00", at=days(0))
        bulk.earn_missing(days(1))
        with self.assertRaises(ProtectedError):
            self.olena.delete()
        self.assertEqual(Entry.objects.count(), 1)
        self.assertLedgerHolds()
