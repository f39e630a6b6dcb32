"""Tiers: raised at once, lowered only at review, never without their minimum; the
multiplier on both earning paths; the preview; the campaign hooks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import bulk, ledger, tiers
from tenure.crm.loyalty.models import Account, Entry, Kind, LedgerError, Tier, TierMove
from tenure.crm.loyalty.statement import statement

from .base import T0, LedgerTestCase, days

# T0 is 1 March 2026, 12:00 UTC; a tier reached then is reviewed a year later.
REVIEW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


class TierTestCase(LedgerTestCase):
    """Silver from 1,000 spent in 12 months (×1.10), Gold from 5,000 (×1.25, 500 points on
    the birthday)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.silver = Tier.objects.create(name="Silver", rank=1, min_spend=Decimal("1000"),
                                         multiplier=Decimal("1.10"))
        cls.gold = Tier.objects.create(name="Gold", rank=2, min_spend=Decimal("5000"),
                                       multiplier=Decimal("1.25"), birthday_bonus=500)

    def buy(self, total: str, day: float, customer=None):
        order = self.order(total, at=days(day), customer=customer)
        ledger.earn(order, now=days(day))
        return order

    def held(self, customer=None):
        account = self.account(customer)
        return (account.tier and account.tier.name, account.tier_since, account.tier_review)


class UpgradeTestCase(TierTestCase):
    def test_it_upgrades_at_once_when_the_order_is_earned(self):
        self.buy("999.99", 0)
        self.assertEqual(self.held(), (None, None, None))
        self.buy("1", 1)  # 1,000.99 in the window: Silver at once, a year to keep it
        self.assertEqual(self.held(), ("Silver", days(1), datetime(2027, 3, 2, 12, 0,
                                                                     tzinfo=UTC)))
        self.assertEqual(tiers.tier_of(self.account()).birthday_bonus, 0)
        self.buy("4000", 2)
        self.assertEqual(self.held()[:2], ("Gold", days(2)))
        self.assertEqual(tiers.tier_of(self.account()).birthday_bonus, 500)
        self.assertLedgerHolds()

    def test_a_tier_needs_its_minimum(self):
        # 3,000 + 2,000.50 - a return of 0.51 = 4,999.99 when the worker earns them: Silver,
        # never Gold, whatever runs.
        self.order("3000", at=days(0))
        order = self.order("2000.50", at=days(1))
        self.give_back(order, "0.51", days(2))
        ledger.catch_up(now=days(3))
        tiers.review(days(3))
        tiers.review(days(300))
        self.assertEqual(self.held()[0], "Silver")
        # Cancelled orders count for nothing either.
        self.order("10", at=days(4), status="cancelled")
        ledger.catch_up(now=days(5))
        tiers.review(days(5))
        self.assertEqual(self.held()[0], "Silver")
        self.buy("1", 6)  # 5,000.99
        self.assertEqual(self.held()[0], "Gold")
        self.assertLedgerHolds()

    def test_a_points_minimum_counts_points_earned_less_reversed(self):
        platinum = Tier.objects.create(name="Platinum", rank=3, min_spend=Decimal("5000"),
                                       min_points=6500)
        # 5,200 points at ×1 (Gold is reached by this order, after it earned), then 1,100
        # at ×1.25 of 880: 6,300 points, short of 6,500 though the spend is met.
        self.buy("5200", 0)
        self.buy("880", 1)
        self.assertEqual(self.account().pending, 5200 + 1100)
        self.assertEqual(self.held()[0], "Gold")
        self.buy("160", 2)  # 200 more points: 6,500
        self.assertEqual(self.account().tier, platinum)

    def test_catch_up_upgrades_what_it_earned(self):
        self.order("1000", at=days(0))
        self.assertTrue(ledger.catch_up(now=days(0)).startswith(
            "earned 1, returns reversed 0, cancellations reversed 0, redemptions restored 0"))
        self.assertEqual(self.held(), ("Silver", days(0), REVIEW))


class ReviewTestCase(TierTestCase):
    def test_it_keeps_the_tier_until_its_review_then_falls_to_what_the_window_holds(self):
        order = self.buy("1200", 0)
        self.give_back(order, "300", days(10))  # 900 left: below Silver, kept until review
        ledger.catch_up(now=days(10))
        self.assertEqual(str(tiers.review(days(100))),
                         "tiers: upgraded 0, downgraded 0, kept at review 0")
        self.assertEqual(str(tiers.review(days(364.9))),
                         "tiers: upgraded 0, downgraded 0, kept at review 0")
        self.assertEqual(self.held(), ("Silver", days(0), REVIEW))
        self.assertEqual(str(tiers.review(days(365))),
                         "tiers: upgraded 0, downgraded 1, kept at review 0")
        self.assertEqual(self.held(), (None, days(365), None))

    def test_at_review_gold_falls_to_silver_and_a_kept_tier_gets_another_year(self):
        self.buy("5000", 0)
        self.buy("1500", 300)  # in the review's window; the first order leaves it
        maria = Customer.objects.create(name="Maria", source="shop", external_id="C-8")
        self.buy("1000", 0, customer=maria)
        self.buy("1000", 200, customer=maria)
        moves = tiers.review(REVIEW)
        self.assertEqual((moves.downgraded, moves.renewed), (1, 1))
        self.assertEqual(self.held(), ("Silver", REVIEW, datetime(2028, 3, 1, 12, 0,
                                                                   tzinfo=UTC)))
        self.assertEqual(self.held(maria), ("Silver", days(0), datetime(2028, 3, 1, 12, 0,
                                                                        tzinfo=UTC)))

    def test_the_nightly_job_reviews(self):
        self.buy("1000", 0)
        self.assertEqual(ledger.nightly(now=REVIEW), "released 1 lots, expired 0; tiers: "
                         "upgraded 0, downgraded 1, kept at review 0")


class MultiplierTestCase(TierTestCase):
    def test_both_earning_paths_use_the_tier_held_and_agree(self):
        maria = Customer.objects.create(name="Maria", source="shop", external_id="C-8")
        Account.objects.create(customer=self.olena, tier=self.silver, tier_since=T0,
                               tier_review=REVIEW)
        Account.objects.create(customer=maria, tier=self.gold, tier_since=T0,
                               tier_review=REVIEW)
        orders = [self.order("100.99", at=days(1)),  # 111.089 -> 111
                  self.order("0.95", at=days(2)),  # 1.045 -> 1
                  self.order("80.03", at=days(3), customer=maria),  # 100.0375 -> 100
                  self.order("0.79", at=days(4), customer=maria)]  # 0.9875 -> nothing
        with transaction.atomic():
            for order in orders:
                ledger.earn(order, now=days(5))
            single = self.earned()
            transaction.set_rollback(True)
        self.assertEqual(single, [(f"earn:order:{orders[0].pk}", 111),
                                  (f"earn:order:{orders[1].pk}", 1),
                                  (f"earn:order:{orders[2].pk}", 100)])
        bulk.earn_missing(days(5))
        self.assertEqual(self.earned(), single)
        self.assertLedgerHolds()

    def earned(self):
        return sorted(Entry.objects.filter(kind=Kind.EARN).values_list("key", "pending_points"))


class PreviewTestCase(TierTestCase):
    def test_it_says_what_to_spend_by_the_review_to_keep_gold(self):
        self.buy("5000", 0)  # Gold until 1 March 2027; this order leaves the window then
        self.buy("1200.50", 200)
        shown = tiers.preview(self.account(), days(300))
        self.assertEqual((shown.tier, shown.keep, shown.spend, shown.points, shown.by),
                         (self.gold, True, Decimal("3799.50"), None, REVIEW))
        self.assertEqual(shown.sentence, "Spend 3,799.50 more by March 1, 2027 to keep Gold.")

    def test_once_kept_it_says_what_reaches_the_next_tier(self):
        self.buy("1200", 0)
        self.buy("300", 100)  # Silver's review window holds 300 of it: not yet secured
        shown = tiers.preview(self.account(), days(120))
        self.assertEqual((shown.tier, shown.keep, shown.spend), (self.silver, True,
                                                                 Decimal("700.00")))
        self.buy("700", 121)
        shown = tiers.preview(self.account(), days(122))
        self.assertEqual((shown.tier, shown.keep, shown.spend, shown.by),
                         (self.gold, False, Decimal("2800.00"), None))
        self.assertEqual(shown.sentence, "Spend 2,800.00 more to reach Gold.")

    def test_statement_names_the_tier(self):
        self.buy("1000", 0)
        self.assertEqual(statement(self.olena.pk)["tier"], "Silver")


class HookTestCase(TierTestCase):
    def test_it_lists_tier_changes_and_reviews_that_would_fall(self):
        maria = Customer.objects.create(name="Maria", source="shop", external_id="C-8")
        ivan = Customer.objects.create(name="Ivan", source="shop", external_id="C-9")
        self.buy("5000", 0)  # Gold, review 1 March 2027, nothing in its window since
        self.buy("5000", 0, customer=maria)
        self.buy("5000", 300, customer=maria)  # Gold renewed by then: not falling
        self.buy("1000", 40, customer=ivan)  # Silver, review 10 April 2027: too far
        changed = tiers.changes(days(1), days(400))
        self.assertEqual([m.account.customer_id for m in changed], [ivan.pk])
        falling = tiers.falling_within(days(340), 30)
        self.assertEqual([a.customer_id for a in falling], [self.olena.pk])
        self.assertEqual(tiers.falling_within(days(330), 30), [])


class TierMoveTestCase(TierTestCase):
    def moved(self):
        return list(TierMove.objects.order_by("at", "pk").values_list(
            "account__customer__name", "from_tier__name", "to_tier__name", "kind", "at"))

    def test_every_move_is_recorded_by_the_statement_that_makes_it(self):
        maria = Customer.objects.create(name="Maria", source="shop", external_id="C-8")
        self.buy("999.99", 0)  # nothing: 999.99 is short of Silver
        self.buy("1", 1)  # 1,000.99: Silver at once (ledger.earn)
        self.buy("4000", 2)  # 5,000.99: Gold at once
        self.order("1000", at=days(3), customer=maria)
        ledger.catch_up(now=days(3))  # Silver by the batch
        self.buy("1000", 200, customer=maria)  # still 2,000 in her window at review
        # Maria's review is days 3 + 12 months = 4 March 2027, 12:00; her window then
        # (4 March 2026 12:00, 4 March 2027 12:00] holds 1,000 (days 200): Silver kept.
        # Olena's Gold review came on 3 March (days 2 + 12 months), so it is due too; her
        # window holds none of her orders (days 0-2): down to no tier.
        review_day = datetime(2027, 3, 4, 12, 0, tzinfo=UTC)
        moves = tiers.review(review_day)
        self.assertEqual((moves.upgraded, moves.downgraded, moves.renewed), (0, 1, 1))
        self.assertEqual(self.moved(), [
            ("Olena", None, "Silver", "up", days(1)),
            ("Olena", "Silver", "Gold", "up", days(2)),
            ("Maria", None, "Silver", "up", days(3)),
            ("Olena", "Gold", None, "down", review_day),
            ("Maria", "Silver", "Silver", "renewed", review_day),
        ])
        # Replayed, the review records nothing more: no review is due.
        tiers.review(review_day)
        self.assertEqual(len(self.moved()), 5)

    def test_moves_are_counted_per_from_and_to_in_a_period(self):
        maria = Customer.objects.create(name="Maria", source="shop", external_id="C-8")
        ivan = Customer.objects.create(name="Ivan", source="shop", external_id="C-9")
        self.buy("1000", 0)  # none -> Silver, days 0
        self.buy("1000", 1, customer=maria)  # none -> Silver, days 1
        self.buy("5000", 2, customer=ivan)  # none -> Gold, days 2
        self.buy("4000", 3, customer=maria)  # Silver -> Gold, days 3
        counted = [(m.from_tier and m.from_tier.name, m.to_tier and m.to_tier.name, m.kind,
                    m.count) for m in tiers.moves(days(0), days(3))]
        # [days 0, days 3): Maria's Gold on days 3 falls outside.
        self.assertEqual(counted, [(None, "Gold", "up", 1), (None, "Silver", "up", 2)])
        self.assertEqual(tiers.moves(days(3), days(4))[0].count, 1)
        self.assertEqual(tiers.moves(days(3), days(4))[0].label, "Up")

    def test_distribution_counts_members_per_tier_none_included(self):
        maria = Customer.objects.create(name="Maria", source="shop", external_id="C-8")
        ivan = Customer.objects.create(name="Ivan", source="shop", external_id="C-9")
        Tier.objects.create(name="Platinum", rank=3, min_spend=Decimal("50000"))
        self.buy("100", 0)
        self.buy("1000", 0, customer=maria)
        self.buy("1500", 0, customer=ivan)
        self.assertEqual([(t and t.name, n) for t, n in tiers.distribution()],
                         [(None, 1), ("Silver", 2), ("Gold", 0), ("Platinum", 0)])

    def test_moves_are_never_changed_or_deleted(self):
        self.buy("1000", 0)
        move = TierMove.objects.get()
        with self.assertRaises(LedgerError):
            move.save()
        with self.assertRaises(LedgerError):
            TierMove.objects.all().delete()
