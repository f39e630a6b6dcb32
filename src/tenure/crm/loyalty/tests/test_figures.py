"""Members against similar non-members, matched on what they bought before the programme."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import figures, ledger
from tenure.crm.loyalty.models import Account, Programme

from .base import T0, LedgerTestCase, days


class MembersAgainstSimilarTestCase(LedgerTestCase):
    def test_members_are_compared_within_the_strata_they_share_with_non_members(self):
        # Thirty customers alternately members and not, each with one order of 100 ten days
        # before the programme began: one recency and frequency, three spend tertiles of
        # ten customers, five of each group. After: a member buys twice 50, a non-member
        # once 30.
        members = []
        for n in range(30):
            customer = Customer.objects.create(name=f"C{n}")
            self.order("100", T0 - timedelta(days=10), customer=customer)
            if n % 2 == 0:
                members.append(customer)
                for k in range(2):
                    self.order("50", days(5 + k), customer=customer)
            else:
                self.order("30", days(7), customer=customer)
        for customer in members:
            Account.objects.create(customer=customer, created_at=T0)
        ledger.grant(members[0].pk, 40, "Gift", key="gift", now=days(1))
        ledger.redeem(members[0].pk, 20, key="spend", now=days(2))
        found = figures.members_against_similar(now=days(30))
        self.assertEqual((found["members"], found["similar"]), (15, 15))
        self.assertAlmostEqual(found["revenue_member"], 100.0)
        self.assertAlmostEqual(found["revenue_similar"], 30.0)
        self.assertAlmostEqual(found["revenue_difference"], 70.0)
        self.assertEqual((found["orders_member"], found["orders_similar"]), (2.0, 1.0))
        # 20 points redeemed at 0.10 a point.
        self.assertEqual(found["cost"], Decimal("2.00"))

    def test_too_few_to_compare_is_said_as_nothing(self):
        self.assertIsNone(figures.members_against_similar())
        Account.objects.create(customer=self.olena, created_at=T0)
        self.order("10", T0 - timedelta(days=3))
        self.assertIsNone(figures.members_against_similar(now=days(30)))

    def test_when_buying_made_every_buyer_a_member_it_compares_nothing(self):
        # Twenty customers bought before the start; the ten who bought again after it
        # became members by earning: the others are simply those who did not buy.
        Programme.objects.filter(pk=1).update(starts_at=T0)
        for n in range(20):
            customer = Customer.objects.create(name=f"C{n}")
            self.order("100", T0 - timedelta(days=10), customer=customer)
            if n % 2 == 0:
                ledger.earn(self.order("50", days(5), customer=customer), now=days(6))
        found = figures.members_against_similar(now=days(30))
        self.assertEqual(found, {"enrolled_by_buying": True, "members": 10, "start": T0,
                                 "end": days(30)})
