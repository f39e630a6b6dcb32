"""Earning, release, redemption, expiry, bonuses and adjustments, and replays of each."""

from __future__ import annotations

from decimal import Decimal

from tenure.crm.loyalty import ledger
from tenure.crm.loyalty.models import Entry, Kind, LedgerError, Lot, LotUse
from tenure.crm.sales.models import OrderStatus

from .base import LedgerTestCase, days

# No tier moves: the programme has no tiers.
STILL = "; tiers: upgraded 0, downgraded 0, kept at review 0"


class EarningTestCase(LedgerTestCase):
    def test_it_earns_the_floor_of_the_total_pending_until_the_return_window_ends(self):
        order = self.order("249.99")
        entry = ledger.earn(order, now=days(0))
        self.assertEqual((entry.points, entry.pending_points), (0, 249))
        lot = entry.credited_lot
        self.assertEqual((lot.available_at, lot.expires_at), (days(14), days(14 + 365)))
        self.assertEqual((self.account().balance, self.account().pending), (0, 249))
        # The day before the window ends, nothing can be spent.
        refused = ledger.redeem(self.olena.pk, 1, "k1", now=days(13.9))
        self.assertEqual(refused.reason, "The balance is 0 points, short of 1.")
        ledger.nightly(now=days(14))
        self.assertEqual((self.account().balance, self.account().pending), (249, 0))
        self.assertLedgerHolds()

    def test_it_earns_nothing_for_a_cancelled_order_and_once_for_a_replayed_one(self):
        self.assertIsNone(ledger.earn(self.order("100", status=OrderStatus.CANCELLED)))
        order = self.order("100")
        first, again = ledger.earn(order), ledger.earn(order)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(self.account().pending, 100)
        self.assertEqual(Entry.objects.count(), 1)
        self.assertLedgerHolds()


class RedemptionTestCase(LedgerTestCase):
    def setUp(self):
        ledger.grant(self.olena.pk, 100, "welcome", now=days(0))  # expires days(365)
        ledger.grant(self.olena.pk, 50, "birthday", now=days(-100))  # expires days(265)

    def test_it_takes_the_soonest_expiring_lot_first_and_records_it(self):
        outcome = ledger.redeem(self.olena.pk, 70, "checkout-1", now=days(1))
        self.assertTrue(outcome.applied)
        uses = sorted((u.lot.entry.reason, u.points) for u in LotUse.objects.all())
        self.assertEqual(uses, [("birthday", 50), ("welcome", 20)])
        self.assertEqual(self.account().balance, 80)
        self.assertLedgerHolds()

    def test_a_replayed_key_changes_nothing(self):
        first = ledger.redeem(self.olena.pk, 70, "checkout-1", now=days(1))
        again = ledger.redeem(self.olena.pk, 70, "checkout-1", now=days(1))
        self.assertTrue(again.applied and again.replayed)
        self.assertEqual(first.entry.pk, again.entry.pk)
        self.assertEqual(self.account().balance, 80)
        self.assertEqual(Entry.objects.filter(kind=Kind.REDEEM).count(), 1)
        other = ledger.redeem(self.olena.pk, 5, "checkout-1", now=days(1))
        self.assertEqual(other.reason, "The key “checkout-1” is already used by another entry.")
        self.assertEqual(self.account().balance, 80)

    def test_it_refuses_zero_a_short_balance_and_more_than_the_share_of_the_order(self):
        self.assertEqual(ledger.redeem(self.olena.pk, 0, "a").reason,
                         "The points to redeem must be above zero.")
        self.assertEqual(ledger.redeem(self.olena.pk, 151, "b", now=days(1)).reason,
                         "The balance is 150 points, short of 151.")
        # 100 points at 0.10 = 10.00; half of an order of 19.98 is 9.99.
        order = self.order("19.98", at=days(1))
        refused = ledger.redeem(self.olena.pk, 100, "c", order=order, now=days(1))
        self.assertFalse(refused.applied)
        self.assertIn("at most 50%", refused.reason)
        self.assertTrue(ledger.redeem(self.olena.pk, 99, "d", order=order, now=days(1)).applied)
        self.assertFalse(ledger.redeem(self.olena.pk, 1, "e", order=order, now=days(1)).applied)
        self.assertEqual(self.account().balance, 51)
        self.assertLedgerHolds()

    def test_an_expired_lot_cannot_be_redeemed(self):
        # The birthday lot expired on day 265, though no nightly run has expired it yet.
        refused = ledger.redeem(self.olena.pk, 150, "late", now=days(300))
        self.assertEqual(refused.reason, "The balance is 100 points, short of 150.")
        self.assertEqual(Entry.objects.get(kind=Kind.EXPIRE).points, -50)
        self.assertTrue(ledger.redeem(self.olena.pk, 100, "late-2", now=days(300)).applied)
        self.assertEqual(ledger.redeem(self.olena.pk, 1, "later", now=days(400)).reason,
                         "The balance is 0 points, short of 1.")
        self.assertLedgerHolds()

    def test_the_nightly_run_expires_what_is_left_of_a_lot(self):
        ledger.redeem(self.olena.pk, 30, "k", now=days(1))  # 30 of the birthday lot
        self.assertEqual(ledger.nightly(now=days(265)), "released 0 lots, expired 1" + STILL)
        self.assertEqual(Entry.objects.get(kind=Kind.EXPIRE).points, -20)
        self.assertEqual(self.account().balance, 100)
        self.assertEqual(ledger.nightly(now=days(266)), "released 0 lots, expired 0" + STILL)
        self.assertLedgerHolds()


class StaffTestCase(LedgerTestCase):
    def test_an_adjustment_needs_a_reason_and_may_take_the_balance_below_zero(self):
        with self.assertRaisesMessage(LedgerError, "An adjustment needs a reason."):
            ledger.adjust(self.olena.pk, 10, " ")
        ledger.adjust(self.olena.pk, 10, "goodwill", now=days(0))
        ledger.adjust(self.olena.pk, -25, "fraud found", now=days(1))
        self.assertEqual(self.account().balance, -15)
        self.assertEqual(Lot.objects.get().remaining, 0)
        # The next credit pays the debt first.
        ledger.grant(self.olena.pk, 40, "apology", now=days(2))
        self.assertEqual(self.account().balance, 25)
        self.assertEqual(sorted(Lot.objects.values_list("remaining", flat=True)), [0, 25])
        self.assertLedgerHolds()

    def test_entries_are_never_changed_or_deleted(self):
        entry = ledger.grant(self.olena.pk, 5, "thanks")
        entry.points = 500
        with self.assertRaises(LedgerError):
            entry.save()
        with self.assertRaises(LedgerError):
            entry.delete()
        with self.assertRaises(LedgerError):
            Entry.objects.filter(pk=entry.pk).update(points=500)
        with self.assertRaises(LedgerError):
            Entry.objects.all().delete()
        self.assertEqual(Entry.objects.get().points, 5)
        self.assertEqual(self.account().balance, Decimal(5))
