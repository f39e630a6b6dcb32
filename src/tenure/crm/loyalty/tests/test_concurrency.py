"""Twenty checkouts redeeming against one balance at once, each on its own connection to
PostgreSQL: together they spend at most the balance, and each is applied or refused with
its reason (SQLite writes one transaction at a time, so the race needs PostgreSQL)."""

from __future__ import annotations

import threading
from unittest import skipUnless

from django.db import connection
from django.test import TransactionTestCase

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import ledger
from tenure.crm.loyalty.models import Entry, Kind, LotUse
from tenure.crm.loyalty.statement import differences

THREADS = 20


def at_once(work) -> list:
    """Run ``work(i)`` in THREADS threads released together; return their results."""
    barrier, results = threading.Barrier(THREADS), [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@skipUnless(connection.vendor == "postgresql", "row locks race only on PostgreSQL")
class ConcurrentRedemptionTestCase(TransactionTestCase):
    def setUp(self):
        self.customer = Customer.objects.create(name="Olena")
        # Three lots, so the redemptions also race for the same lots.
        for points in (150, 150, 100):
            ledger.grant(self.customer.pk, points, "welcome")

    def test_twenty_concurrent_redemptions_spend_at_most_the_balance(self):
        outcomes = at_once(lambda i: ledger.redeem(self.customer.pk, 30, f"checkout-{i}"))
        applied = [o for o in outcomes if o.applied]
        refused = [o for o in outcomes if not o.applied]
        # 400 points pay 13 redemptions of 30; the other 7 are refused with the reason.
        self.assertEqual((len(applied), len(refused)), (13, 7))
        self.assertEqual({o.reason for o in refused}, {"The balance is 10 points, short of 30."})
        self.customer.loyalty_account.refresh_from_db()
        self.assertEqual(self.customer.loyalty_account.balance, 10)
        self.assertEqual(Entry.objects.filter(kind=Kind.REDEEM).count(), 13)
        self.assertEqual(sum(u.points for u in LotUse.objects.all()), 390)
        self.assertEqual(differences(), [])

    def test_one_key_sent_twenty_times_at_once_redeems_once(self):
        outcomes = at_once(lambda i: ledger.redeem(self.customer.pk, 30, "checkout"))
        self.assertTrue(all(o.applied for o in outcomes))
        self.assertEqual(len({o.entry.pk for o in outcomes}), 1)
        self.assertEqual(sum(not o.replayed for o in outcomes), 1)
        self.customer.loyalty_account.refresh_from_db()
        self.assertEqual(self.customer.loyalty_account.balance, 370)
        self.assertEqual(differences(), [])
