"""What the programme cost each month against the margin of its members' orders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.test import override_settings
from django.urls import reverse

from tenure.crm.accounts.models import Role
from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import bonuses, figures, ledger
from tenure.crm.sales.models import Order, OrderStatus
from tenure.crm.testing import make_user

from .base import LedgerTestCase


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


NOW = at(2026, 4, 15, 12)


@override_settings(TIME_ZONE="Europe/Kyiv")
class CostAgainstMarginTestCase(LedgerTestCase):
    """Olena is a member (a 1,000-point gift in February); Petro is not. A point is
    worth 0.10."""

    def setUp(self):
        self.petro = Customer.objects.create(name="Petro")
        ledger.grant(self.olena.pk, 1000, "Gift", key="gift", now=at(2026, 2, 1, 12))

    def bought(self, total: str, cost: str | None, when: datetime, customer=None,
               status=OrderStatus.COMPLETED) -> Order:
        order = self.order(total, at=when, status=status, customer=customer)
        Order.objects.filter(pk=order.pk).update(cost=None if cost is None else Decimal(cost))
        order.refresh_from_db()
        return order

    def test_the_months_are_the_hand_counted_ones(self):
        february = self.bought("200.00", "120.00", at(2026, 2, 10, 12))
        march = self.bought("100.00", "70.00", at(2026, 3, 5, 12))
        # 23:30 UTC on 28 February is 01:30 on 1 March in Kyiv: March's.
        self.bought("40.00", "30.00", at(2026, 2, 28, 23, 30))
        # Not counted: cancelled, before the months, or not a member's.
        self.bought("50.00", None, at(2026, 3, 20, 12), status=OrderStatus.CANCELLED)
        self.bought("500.00", "100.00", at(2026, 1, 20, 12))
        self.bought("1000.00", "0.00", at(2026, 3, 1, 12), customer=self.petro)
        # Half of March's order is returned in April: its margin 30 goes back by half.
        self.give_back(march, "50.00", at(2026, 4, 2, 12))
        self.assertTrue(ledger.redeem(self.olena.pk, 300, "r1", order=march,
                                      now=at(2026, 3, 5, 13)).applied)
        given_back = ledger.redeem(self.olena.pk, 50, "r2", order=february,
                                   now=at(2026, 3, 21, 12))
        ledger.restore(given_back.entry, now=at(2026, 3, 25, 12))
        self.assertTrue(ledger.redeem(self.olena.pk, 100, "r3", reason="Gift card",
                                      now=at(2026, 4, 3, 12)).applied)
        bonuses.reward(self.olena, 70, "Sorry", key="sorry", now=at(2026, 4, 4, 12))

        found = figures.cost_against_margin(now=NOW, months=3)
        self.assertEqual((found["basis"], found["orders"], found["orders_without_cost"]),
                         ("margin", 3, 0))
        table = [(r["month"], r["redeemed"], r["cost"], r["bonus_points"], r["bonuses"],
                  r["revenue"], r["margin"]) for r in found["rows"]]
        d = Decimal
        self.assertEqual(table, [
            (date(2026, 2, 1), 0, d("0.00"), 1000, d("100.00"), d("200.00"), d("80.00")),
            (date(2026, 3, 1), 300, d("30.00"), 0, d("0.00"), d("140.00"), d("40.00")),
            (date(2026, 4, 1), 100, d("10.00"), 70, d("7.00"), d("-50.00"), d("-15.00")),
        ])
        self.assertEqual([r["share"] for r in found["rows"]], [0.0, 0.75, None])
        total = found["total"]
        self.assertEqual((total["redeemed"], total["cost"], total["bonuses"], total["margin"]),
                         (400, d("40.00"), d("107.00"), d("105.00")))
        self.assertAlmostEqual(total["share"], 40 / 105)

    def test_orders_without_their_cost_turn_it_to_revenue(self):
        self.bought("200.00", "120.00", at(2026, 4, 1, 12))
        self.bought("300.00", None, at(2026, 4, 2, 12))
        self.assertTrue(ledger.redeem(self.olena.pk, 250, "r1", now=at(2026, 4, 3)).applied)
        found = figures.cost_against_margin(now=NOW, months=12)
        self.assertEqual(len(found["rows"]), 12)
        self.assertEqual(found["rows"][0]["month"], date(2025, 5, 1))
        self.assertEqual((found["basis"], found["orders"], found["orders_without_cost"]),
                         ("revenue", 2, 1))
        april = found["rows"][-1]
        # 250 points are 25.00 against 500.00 of revenue.
        self.assertEqual((april["cost"], april["against"], april["share"]),
                         (Decimal("25.00"), Decimal("500.00"), 0.05))

    def test_the_loyalty_page_shows_it_with_its_caveat(self):
        self.bought("200.00", None, NOW)
        self.bought("100.00", "40.00", NOW)
        self.assertTrue(ledger.redeem(self.olena.pk, 250, "r1", now=NOW).applied)
        self.client.force_login(make_user("alice", Role.ADMINISTRATOR))
        page = self.client.get(reverse("loyalty:programme"))
        self.assertContains(page, 'id="cost"')
        self.assertContains(page, "$25.00")
        self.assertContains(page, "1 of 2 members' orders in these months does not record its "
                                  "cost")
        self.assertContains(page, "not caused")
