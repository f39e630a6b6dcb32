"""Referrals: rewarded once the friend's first order is kept past the return window,
capped per month, never for oneself, every refusal with its reason."""

from __future__ import annotations

from datetime import timedelta

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import ledger, referrals
from tenure.crm.loyalty.models import Entry, Programme, Referral, ReferralStatus
from tenure.crm.sales.models import OrderStatus

from .base import LedgerTestCase, days


class ReferralTestCase(LedgerTestCase):
    """Olena refers friends; the referrer gets 500 points, at most 2 rewards a month, after
    a 14-day return window (T0 is 1 March 2026, noon UTC; the shop's zone is UTC)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Programme.objects.filter(pk=1).update(referral_bonus=500, referral_cap_per_month=2)
        Customer.objects.filter(pk=cls.olena.pk).update(email="olena@example.org",
                                                        phone="+380501234567",
                                                        phone_digits="380501234567")
        cls.olena.refresh_from_db()

    def friend(self, name: str, **fields) -> Customer:
        return Customer.objects.create(name=name, email=f"{name.lower()}@example.org",
                                       referred_by=self.olena, **fields)

    def status(self, customer: Customer) -> tuple[str, str]:
        referral = Referral.objects.get(referred=customer)
        return referral.status, referral.reason

    def test_the_referrer_is_rewarded_only_after_the_return_window(self):
        petro = self.friend("Petro")
        self.order("100.00", at=days(0), customer=petro)
        ledger.catch_up(now=days(1))
        self.assertEqual(self.status(petro), (ReferralStatus.PENDING, ""))
        ledger.catch_up(now=days(14) - timedelta(seconds=1))
        self.assertEqual(self.status(petro), (ReferralStatus.PENDING, ""))
        self.assertEqual(referrals.catch_up(now=days(14)),
                         "referrals recorded 0, rewarded 1, refused 0")
        self.assertEqual(referrals.catch_up(now=days(15)),
                         "referrals recorded 0, rewarded 0, refused 0")
        self.assertEqual(self.status(petro), (ReferralStatus.REWARDED, ""))
        entry = Entry.objects.get(key__startswith="referral:")
        self.assertEqual((entry.account.customer, entry.points, entry.at),
                         (self.olena, 500, days(14)))
        self.assertEqual(self.account().balance, 500)
        self.assertLedgerHolds()

    def test_a_returned_or_cancelled_first_order_rewards_nothing(self):
        petro, anna, ira = self.friend("Petro"), self.friend("Anna"), self.friend("Ira")
        self.give_back(self.order("100.00", at=days(0), customer=petro), "10.00", days(3))
        self.order("100.00", at=days(0), customer=anna, status=OrderStatus.RETURNED)
        # Ira's only order is cancelled: no first order yet, so still pending.
        self.order("100.00", at=days(0), customer=ira, status=OrderStatus.CANCELLED)
        ledger.catch_up(now=days(20))
        returned = "The referred customer's first order was returned."
        self.assertEqual(self.status(petro), (ReferralStatus.REFUSED, returned))
        self.assertEqual(self.status(anna), (ReferralStatus.REFUSED, returned))
        self.assertEqual(self.status(ira), (ReferralStatus.PENDING, ""))
        self.assertFalse(Entry.objects.filter(key__startswith="referral:").exists())

    def test_a_first_order_of_long_ago_is_not_rewarded(self):
        petro, anna = self.friend("Petro"), self.friend("Anna")
        self.order("100.00", at=days(0), customer=petro)
        self.order("100.00", at=days(1), customer=anna)
        # Petro's window ended on day 14, 30 days before day 44; Anna's a day later.
        self.assertEqual(referrals.catch_up(now=days(44) + timedelta(seconds=1)),
                         "referrals recorded 2, rewarded 1, refused 1")
        self.assertEqual(self.status(petro), (
            ReferralStatus.REFUSED, "The referred customer's first order was placed long "
                                    "before the reward was due."))
        self.assertEqual(self.status(anna)[0], ReferralStatus.REWARDED)

    def test_rewards_are_capped_per_referrer_per_calendar_month(self):
        friends = [self.friend(name) for name in ("A", "B", "C")]
        for friend in friends:
            self.order("50.00", at=days(0), customer=friend)
        late = self.friend("D")
        self.order("50.00", at=days(20), customer=late)
        self.assertEqual(referrals.catch_up(now=days(14)),  # 15 March
                         "referrals recorded 4, rewarded 2, refused 1")
        self.assertEqual([self.status(friend)[0] for friend in friends],
                         ["rewarded", "rewarded", "refused"])
        self.assertEqual(self.status(friends[2])[1], "The referrer has had 2 referral rewards "
                                                     "this month, the most allowed.")
        # April is a new month.
        self.assertEqual(referrals.catch_up(now=days(34)),
                         "referrals recorded 0, rewarded 1, refused 0")
        self.assertEqual(self.account().balance, 1500)
        self.assertLedgerHolds()

    def test_a_self_referral_is_refused_with_its_reason(self):
        same_email = Customer.objects.create(name="Twin", email="OLENA@example.org",
                                             referred_by=self.olena)
        same_phone = Customer.objects.create(name="Phone", phone="+380 (50) 123-45-67",
                                             referred_by=self.olena)
        Customer.objects.filter(pk=self.olena.pk).update(referred_by=self.olena)
        for customer in (same_email, same_phone):
            self.order("100.00", at=days(0), customer=customer)
        self.order("100.00", at=days(0))
        self.assertEqual(referrals.catch_up(now=days(30)),
                         "referrals recorded 3, rewarded 0, refused 0")
        self.assertEqual(self.status(same_email), (ReferralStatus.REFUSED,
                                                   "The referrer has the same email."))
        self.assertEqual(self.status(same_phone), (ReferralStatus.REFUSED,
                                                   "The referrer has the same phone number."))
        self.assertEqual(self.status(self.olena), (ReferralStatus.REFUSED,
                                                   "A customer cannot refer themself."))
        self.assertFalse(Entry.objects.filter(key__startswith="referral:").exists())

    def test_a_code_is_short_unambiguous_and_refers_once(self):
        code = referrals.code_for(self.olena)
        self.assertEqual(referrals.code_for(self.olena), code)
        self.assertEqual(len(code), 7)
        self.assertFalse(set(code) & set("01OIL"))
        petro = Customer.objects.create(name="Petro")
        referral = referrals.redeem_code(petro, f"{code[:3]}-{code[3:]}".lower(), days(0))
        self.assertEqual((referral.referrer, referral.code, referral.status),
                         (self.olena, code, ReferralStatus.PENDING))
        petro.refresh_from_db()
        self.assertEqual(petro.referred_by, self.olena)
        anna = Customer.objects.create(name="Anna")
        other = referrals.code_for(anna)
        self.assertNotEqual(other, code)
        self.assertEqual(referrals.redeem_code(petro, other).referrer, self.olena)
        with self.assertRaises(ValueError):
            referrals.redeem_code(petro, "NOPE")

    def test_a_friend_acquired_before_the_programme_began_is_no_referral_of_it(self):
        Programme.objects.filter(pk=1).update(starts_at=days(0))
        before = self.friend("Before", acquired_on=days(-1).date())
        on_the_day = self.friend("Day", acquired_on=days(0).date())
        unknown = self.friend("Unknown")  # no acquisition date: recorded
        self.assertEqual(referrals.record_missing(now=days(1)), 2)
        self.assertEqual(set(Referral.objects.values_list("referred", flat=True)),
                         {on_the_day.pk, unknown.pk})
        self.assertFalse(Referral.objects.filter(referred=before).exists())
