from __future__ import annotations

from datetime import date

import numpy as np

from tenure.crm.demo.world import simulate_shop
from tenure.crm.testing import TenureTestCase

END = date(2024, 12, 31)


class SimulationTestCase(TenureTestCase):
    def test_it_reaches_the_requested_orders_per_customer(self):
        for target in (2.0, 8.0):
            shop = simulate_shop(3000, seed=11, end_date=END, orders_per_customer=target)
            self.assertAlmostEqual(len(shop.orders.at) / 3000, target, delta=0.1 * target)

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
        self.assertTrue(np.all(np.diff(shop.orders.at) >= 0))
