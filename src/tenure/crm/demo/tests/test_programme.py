"""The demo shop's loyalty programme, run through the loyalty app from the second year."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from tenure.crm.demo import programme
from tenure.crm.demo.people import Profiles
from tenure.crm.demo.programme_loading import STEP_DAYS
from tenure.crm.demo.shop import build_demo_shop
from tenure.crm.loyalty.models import (
    Account,
    Entry,
    Kind,
    Programme,
    Referral,
    ReferralStatus,
    Tier,
)
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase

END = date(2025, 6, 30)
#: The moment of the build, fixed: what is done and what is planned depend on it.
BUILT = datetime(2025, 6, 30, 9, 0, tzinfo=UTC)
# The shop's three years begin 1095 days before the end; the programme a year later.
START = END - timedelta(days=730)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), timezone.get_current_timezone())


class ProgrammeTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.summary = build_demo_shop(customers=250, seed=1, end_date=END, now=BUILT)
        cls.start = local_midnight(START)

    def test_it_sets_the_programme_and_its_three_tiers(self):
        settings = Programme.current()
        self.assertEqual((settings.points_per_unit, settings.point_value, settings.max_share,
                          settings.pending_days, settings.referral_bonus),
                         (Decimal("1"), Decimal("0.02"), Decimal("0.30"), 14, 500))
        self.assertEqual(list(Tier.objects.values_list("name", "rank", "min_spend",
                                                       "multiplier")),
                         [("Bronze", 0, None, Decimal("1.00")),
                          ("Silver", 1, Decimal("1000.00"), Decimal("1.25")),
                          ("Gold", 2, Decimal("2500.00"), Decimal("1.50"))])

    def test_it_has_members_in_each_tier(self):
        for name in ("Bronze", "Silver", "Gold"):
            self.assertGreater(Account.objects.filter(tier__name=name).count(), 0, name)

    def test_it_writes_entries_of_every_kind_the_programme_uses(self):
        kinds = set(Entry.objects.values_list("kind", flat=True))
        self.assertLessEqual({Kind.EARN, Kind.AVAILABLE, Kind.REDEEM, Kind.REVERSE,
                              Kind.BONUS, Kind.EXPIRE}, kinds)
        self.assertTrue(Entry.objects.filter(kind=Kind.BONUS, key__startswith="referral:")
                        .exists())
        rewards = Entry.objects.filter(kind=Kind.BONUS, key__startswith="reward:")
        self.assertTrue(rewards.exists())
        self.assertEqual(set(rewards.values_list("points", "reason", "cause")), {
            (1000, "We miss you: 1,000 points for your next order", "surprise")})

    def test_it_earns_nothing_before_the_programme_starts(self):
        self.assertFalse(Entry.objects.filter(at__lt=self.start).exists())
        earned = Entry.objects.filter(kind=Kind.EARN)
        self.assertFalse(earned.filter(order__ordered_at__lt=self.start).exists())
        # The first account opens with the first order's points, at the first step's end.
        first_account = Account.objects.order_by("created_at").first().created_at
        self.assertGreater(first_account, self.start)
        self.assertLessEqual(first_account, self.start + timedelta(days=STEP_DAYS + 1))
        # Those a referral's decision opened are dated then too, not by the build's clock.
        self.assertFalse(Account.objects.filter(created_at__gt=local_midnight(END)).exists())
        # And every order from then on that is not cancelled earned.
        placed = Order.objects.filter(source="demo", ordered_at__gte=self.start).exclude(
            status=OrderStatus.CANCELLED)
        self.assertEqual(earned.count(), placed.count())

    def test_the_worker_earns_nothing_on_the_first_years_orders_either(self):
        from tenure.crm.loyalty import bulk

        self.assertEqual(Programme.current().starts_at, self.start)
        self.assertEqual(bulk.earn_missing(local_midnight(END)), 0)

    def test_it_reverses_the_points_of_every_return_after_the_start(self):
        returns = Return.objects.filter(order__ordered_at__gte=self.start)
        self.assertGreater(returns.count(), 10)
        reversed_ = set(Entry.objects.filter(kind=Kind.REVERSE, ret__isnull=False)
                        .values_list("ret_id", flat=True))
        self.assertEqual(reversed_, set(returns.values_list("pk", flat=True)))
        self.assertFalse(Entry.objects.filter(
            kind=Kind.REVERSE, ret__order__ordered_at__lt=self.start).exists())

    def test_it_pays_part_of_some_orders_with_points_within_the_maximum_share(self):
        redeemed = list(Entry.objects.filter(kind=Kind.REDEEM).select_related("order"))
        self.assertGreater(len(redeemed), 5)
        for entry in redeemed:
            self.assertGreaterEqual(-entry.points, programme.MIN_REDEEM)
            # 2 cents a point, at most 30 % of the order.
            self.assertLessEqual(-entry.points * Decimal("0.02"),
                                 Decimal("0.30") * entry.order.total)
            # At the moment the order was placed.
            self.assertEqual(entry.at, entry.order.ordered_at)

    def test_it_refuses_the_referrals_of_customers_who_are_their_referrer(self):
        referrals = Referral.objects.select_related("referrer", "referred")
        selves = referrals.filter(Q(reason__contains="same email")
                                  | Q(reason__contains="same phone"))
        self.assertGreater(selves.count(), 0)
        for referral in selves:
            self.assertEqual(referral.status, ReferralStatus.REFUSED)
            self.assertTrue(referral.referrer.email == referral.referred.email
                            or referral.referrer.phone == referral.referred.phone)
        rewarded = referrals.filter(status=ReferralStatus.REWARDED)
        self.assertGreater(rewarded.count(), 5)
        for referral in rewarded:
            self.assertGreaterEqual(referral.created_at, self.start)
            self.assertEqual(referral.referred.referred_by_id, referral.referrer_id)
            self.assertEqual(referral.entry.points, 500)

    def test_it_proves_every_balance_by_its_ledger(self):
        out = io.StringIO()
        call_command("loyalty", "check", stdout=out)
        self.assertIn("Every balance equals its ledger.", out.getvalue())
        self.assertGreater(Account.objects.count(), 100)

    def test_it_records_the_programme_in_the_truth(self):
        self.assertEqual(self.summary.truth.loyalty_start, START)
        self.assertEqual(self.summary.truth.loyalty_order_lift, 0.0)

    def test_the_loyalty_page_claims_no_difference_the_truth_does_not_have(self):
        from tenure.crm.loyalty import figures

        # Every buyer joined by buying and the true lift is 0: the page must not set
        # members against "similar" non-members (those who did not buy) as a difference.
        found = figures.members_against_similar(now=local_midnight(END))
        self.assertTrue(found["enrolled_by_buying"], found)


class LoyaltyTruthTestCase(TenureTestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)

    def test_it_writes_the_programmes_start_and_true_effect_beside_the_truth(self):
        out = io.StringIO()
        call_command("demo_data", stdout=out, no_progress=True, end_date=END,
                     customers=40, seed=3, truth=self.folder / "truth.csv")
        with (self.folder / "truth-loyalty.csv").open(encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        self.assertEqual(rows, [{"start": "2023-07-01", "enrolment": "automatic",
                                 "true_order_lift": "0.0000"}])
        self.assertIn("truth-loyalty.csv", out.getvalue())


class SelfReferralTestCase(TenureTestCase):
    def test_it_gives_a_self_referred_customer_the_referrers_email_or_else_phone(self):
        a, b, c, d = "+380501111111", "+380502222222", "+380503333333", "+12025550123"
        profiles = Profiles(
            locale=np.array([0, 0, 0, 0, 0, 0, 2]), gender=np.array(["f"] * 7),
            name=["A", "B", "C", "D", "E", "F", "G"],
            email=["a@example.com", "b@example.com", "", "d@example.com", "e@example.com",
                   "", ""],
            phone=[a, "", b, c, "", b, d], birth_date=[None] * 7, city=[""] * 7)
        # B, C and G by A; D and F by E, who has no phone.
        referrer = np.array([-1, 0, 0, 4, -1, 4, 0])
        chosen = programme.self_referrals(np.random.default_rng(1), profiles, referrer,
                                          np.ones(7, dtype=bool), share=1.0)
        # B takes A's email; C, without one, A's phone; D E's email. F has no email and E
        # no phone; G has no email and lives in another country than A: they stay apart.
        self.assertEqual(chosen.tolist(), [1, 2, 3])
        self.assertEqual(profiles.email, ["a@example.com", "a@example.com", "",
                                          "e@example.com", "e@example.com", "", ""])
        self.assertEqual(profiles.phone, [a, "", a, c, "", b, d])
