from __future__ import annotations

from datetime import date, datetime
from functools import cache

import numpy as np

from tenure.crm.demo.complaints import CLOSED, RESOLVED
from tenure.crm.demo.desk import DAY
from tenure.crm.demo.simulation import UNRESOLVED
from tenure.crm.demo.surveys import PURCHASE
from tenure.crm.demo.world import Shop, simulate_shop
from tenure.crm.testing import TenureTestCase

END = date(2024, 12, 31)
PRESENT = datetime(2024, 12, 31, 10, 30)


@cache
def big_shop() -> Shop:
    return simulate_shop(5000, seed=11, end_date=END, present=PRESENT)


def bought_again(shop: Shop, order: np.ndarray, after: np.ndarray, days: int = 90) -> float:
    """Return the share of ``order``'s customers who ordered within ``days`` after ``after``."""
    orders, found = shop.orders, 0
    for customer, at in zip(orders.customer[order].tolist(), after.tolist(), strict=True):
        mine = orders.at[orders.customer == customer]
        found += bool(((mine > at) & (mine <= at + days * DAY)).any())
    return found / len(order)


class SimulationTestCase(TenureTestCase):
    def test_it_reaches_the_requested_orders_per_customer(self):
        for target in (2.0, 8.0):
            shop = simulate_shop(3000, seed=11, end_date=END, orders_per_customer=target)
            self.assertAlmostEqual(len(shop.orders.at) / 3000, target, delta=0.1 * target)

    def test_no_activity_is_made_before_the_history_begins(self):
        # Built at this moment, this shop drew an offer made before its first day (whose
        # creation time the database then refused as empty).
        shop = simulate_shop(5000, seed=1, end_date=date(2026, 11, 30),
                             present=datetime(2026, 12, 7, 17, 20))
        activities = shop.service.activities
        self.assertGreaterEqual(int(activities.created.min()), 0)
        self.assertTrue((activities.created <= activities.due - 3600).all())

    def test_it_draws_the_same_arrays_for_the_same_seed(self):
        a, b = (simulate_shop(400, seed=5, end_date=END) for _ in range(2))
        c = simulate_shop(400, seed=6, end_date=END)
        self.assertTrue(np.array_equal(a.orders.at, b.orders.at))
        self.assertEqual(a.customers.profiles.name, b.customers.profiles.name)
        self.assertFalse(np.array_equal(a.orders.total[:50], c.orders.total[:50]))

    def test_it_keeps_every_order_within_the_three_years(self):
        shop = simulate_shop(400, seed=5, end_date=END)
        days = (END - shop.start).days
        self.assertEqual(shop.start, date(2022, 1, 1))
        self.assertGreaterEqual(shop.orders.at.min(), 0)
        self.assertLess(shop.orders.at.max(), days * 86400)
        self.assertLessEqual(shop.returns.at.max(), days * 86400)
        # The orders the campaigns caused come after the others (`world.add_caused_orders`).
        caused = int((shop.campaigns.order >= 0).sum())
        self.assertGreater(caused, 0)
        self.assertTrue(np.all(np.diff(shop.orders.at[:-caused]) >= 0))


class ServiceSimulationTestCase(TenureTestCase):
    def test_it_draws_the_same_work_for_the_same_seed_and_present(self):
        a, b = (simulate_shop(400, seed=5, end_date=END, present=PRESENT).service
                for _ in range(2))
        self.assertTrue(np.array_equal(a.complaints.at, b.complaints.at))
        self.assertEqual(a.interactions.summary, b.interactions.summary)
        self.assertTrue(np.array_equal(a.activities.due, b.activities.due))
        self.assertTrue(np.array_equal(a.answers.score, b.answers.score))

    def test_it_makes_customers_who_complained_buy_again_less(self):
        shop = big_shop()
        complaints, orders = shop.service.complaints, shop.orders
        self.assertTrue(0.015 < len(complaints.at) / len(orders.at) < 0.05)
        old = complaints.at < shop.service.present - 100 * DAY
        sample = np.flatnonzero(orders.at < shop.service.present - 100 * DAY)[::20]
        self.assertLess(bought_again(shop, complaints.order[old], complaints.at[old]) + 0.05,
                        bought_again(shop, sample, orders.at[sample]))

    def test_it_leaves_the_newest_and_the_neglected_complaints_open(self):
        shop = big_shop()
        service, c = shop.service, shop.service.complaints
        open_ = np.array([s not in (RESOLVED, CLOSED) for s in c.status])
        neglected = shop.orders.experience[c.order] == UNRESOLVED
        recent = c.at > service.present - 40 * DAY
        self.assertTrue(np.all(recent[open_] | neglected[open_]))
        self.assertTrue(1 < (open_ & ~neglected).sum() < 0.05 * len(c.at))
        self.assertTrue(0.3 < open_[neglected].mean() < 0.8)
        self.assertGreater((c.due[open_] < service.present).sum(), 0)
        late = (c.resolved > c.due) & ~open_
        self.assertTrue(np.all(late[neglected & ~open_]))
        self.assertTrue(0.05 * len(c.at) < late.sum() < 0.35 * len(c.at))

    def test_it_scores_lower_after_a_complaint(self):
        service = big_shop().service
        inv, answers, c = service.invitations, service.answers, service.complaints
        nps = inv.survey[answers.invitation] == PURCHASE
        first = {}
        for customer, at in zip(c.customer.tolist(), c.at.tolist(), strict=True):
            first.setdefault(customer, at)
        complained = np.array([first.get(who, np.inf) < at for who, at in zip(
            answers.customer.tolist(), inv.at[answers.invitation].tolist(), strict=True)])
        self.assertGreater((nps & complained).sum(), 10)
        self.assertLess(answers.score[nps & complained].mean() + 0.3,
                        answers.score[nps & ~complained].mean())
        promoters = (answers.score[nps] >= 9).mean() - (answers.score[nps] <= 6).mean()
        self.assertTrue(0.1 < promoters < 0.6)
