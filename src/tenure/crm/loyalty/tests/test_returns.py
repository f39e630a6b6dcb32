"""Returns take back the points of what was returned, once; refunds give back the points
that paid for an order, once; a reversal nothing covers shows as a negative balance."""

from __future__ import annotations

from tenure.crm.loyalty import ledger
from tenure.crm.loyalty.models import Entry, Kind
from tenure.crm.sales.models import Order, OrderStatus

from .base import LedgerTestCase, days


class ReturnTestCase(LedgerTestCase):
    def setUp(self):
        self.bought = self.order("300.00")  # earns 300 points, pending until day 14
        ledger.catch_up(now=days(1))

    def test_a_returned_part_reverses_its_share_of_the_points_once(self):
        ret = self.give_back(self.bought, "100.00", days(3))
        ledger.catch_up(now=days(4))
        ledger.catch_up(now=days(5))
        ledger.reverse_return(ret, now=days(6))
        reversal = Entry.objects.get(kind=Kind.REVERSE)
        # P - floor(P (N - R) / N) = 300 - floor(300 × 200 / 300) = 100, from pending points.
        self.assertEqual((reversal.points, reversal.pending_points), (0, -100))
        self.assertEqual((self.account().balance, self.account().pending), (0, 200))
        self.assertLedgerHolds()

    def test_returns_of_every_part_reverse_every_point_whatever_the_rounding(self):
        for amount, day in (("99.99", 2), ("100.00", 3), ("100.01", 4)):
            self.give_back(self.bought, amount, days(day))
            ledger.catch_up(now=days(day))
        reversed_ = [e.pending_points for e in Entry.objects.filter(kind=Kind.REVERSE)
                     .order_by("id")]
        # Kept after each: floor(300 × 200.01 / 300) = 200, then 100, then 0.
        self.assertEqual(reversed_, [-100, -100, -100])
        self.assertEqual(self.account().pending, 0)
        self.assertLedgerHolds()

    def test_a_return_after_the_points_were_spent_takes_the_balance_below_zero(self):
        ledger.nightly(now=days(14))
        self.assertTrue(ledger.redeem(self.olena.pk, 250, "spent", now=days(15)).applied)
        self.give_back(self.bought, "300.00", days(20))
        self.assertEqual(ledger.catch_up(now=days(21)),
                         "earned 0, returns reversed 1, cancellations reversed 0, "
                         "redemptions restored 0; welcome 0, birthday 0, first answer 0, review 0; "
                         "referrals recorded 0, rewarded 0, refused 0")
        reversal = Entry.objects.get(kind=Kind.REVERSE)
        self.assertEqual(reversal.points, -300)
        self.assertEqual(self.account().balance, -250)
        # A later order's points pay the debt first.
        later = self.order("400", at=days(30))
        ledger.catch_up(now=days(30))
        ledger.nightly(now=days(44))
        self.assertEqual(self.account().balance, 150)
        self.assertEqual(Entry.objects.get(order=later, kind=Kind.EARN).credited_lot.remaining,
                         150)
        self.assertLedgerHolds()

    def test_a_cancelled_order_reverses_what_its_returns_left_once(self):
        self.give_back(self.bought, "150.00", days(2))
        ledger.catch_up(now=days(2))
        Order.objects.filter(pk=self.bought.pk).update(status=OrderStatus.CANCELLED)
        ledger.catch_up(now=days(3))
        ledger.catch_up(now=days(4))
        self.assertEqual(ledger.reverse_order(self.bought, now=days(5)).pending_points, -150)
        self.assertEqual(Entry.objects.filter(kind=Kind.REVERSE).count(), 2)
        self.assertEqual(self.account().pending, 0)
        self.assertLedgerHolds()


class RefundTestCase(LedgerTestCase):
    def test_a_refund_of_an_order_paid_with_points_restores_them_once(self):
        ledger.grant(self.olena.pk, 200, "welcome", now=days(0))
        order = self.order("500.00", at=days(1))
        paid = ledger.redeem(self.olena.pk, 120, "checkout", order=order, now=days(1))
        self.assertTrue(paid.applied)
        self.assertEqual(self.account().balance, 80)
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.RETURNED)
        ledger.catch_up(now=days(5))
        ledger.catch_up(now=days(6))
        again = ledger.restore(paid.entry, now=days(7))
        restored = Entry.objects.get(kind=Kind.RESTORE)
        self.assertEqual((again.pk, restored.points, restored.reverses_id),
                         (restored.pk, 120, paid.entry.pk))
        # The order's own earning was reversed whole as well: a returned order keeps nothing.
        self.assertEqual((self.account().balance, self.account().pending), (200, 0))
        # The points keep the expiry of the lot they came from.
        self.assertEqual(restored.credited_lot.expires_at, days(365))
        self.assertLedgerHolds()
