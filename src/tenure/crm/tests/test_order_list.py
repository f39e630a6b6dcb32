from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tenure.crm.customers.models import Customer
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


class OrderListTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena Kovalenko", manager=cls.manager)
        cls.petro = Customer.objects.create(name="Petro Shevchenko", manager=cls.other_manager)
        rows = [
            ("A1", cls.olena, "2024-01-10", "web", "Kyiv", OrderStatus.COMPLETED),
            ("A2", cls.olena, "2024-02-10", "store", "Lviv", OrderStatus.CANCELLED),
            ("B1", cls.petro, "2024-03-10", "web", "Lviv", OrderStatus.COMPLETED),
        ]
        for ext, customer, day, channel, store, status in rows:
            Order.objects.create(external_id=ext, customer=customer, ordered_at=at(day),
                                 channel=channel, store=store, status=status,
                                 total=Decimal("100.00"))
        Return.objects.create(external_id="R1", order=Order.objects.get(external_id="A1"),
                              returned_at=at("2024-01-12"), amount=Decimal("12.34"))

    def ids(self, query: str = "", user=None) -> list[str]:
        self.login(user or self.analyst)
        r = self.client.get(f"/sales/orders/?{query}")
        self.assertEqual(r.status_code, 200)
        return [o.external_id for o in r.context["rows"]]

    def test_it_lists_newest_first(self):
        self.assertEqual(self.ids(), ["B1", "A2", "A1"])

    def test_it_searches_and_filters(self):
        self.assertEqual(self.ids("q=A2"), ["A2"])
        self.assertEqual(self.ids("q=shevchenko"), ["B1"])
        self.assertEqual(self.ids("status=cancelled"), ["A2"])
        self.assertEqual(self.ids("channel=web"), ["B1", "A1"])
        self.assertEqual(self.ids("store=Lviv"), ["B1", "A2"])
        self.assertEqual(self.ids("date_from=2024-02-10&date_to=2024-03-09"), ["A2"])
        self.assertEqual(self.ids(f"customer={self.olena.pk}"), ["A2", "A1"])

    def test_it_shows_returns_and_net_per_order(self):
        self.login(self.analyst)
        r = self.client.get("/sales/orders/?q=A1")
        self.assertEqual(r.context["rows"][0].net, Decimal("87.66"))
        self.assertContains(r, "$87.66")

    def test_it_shows_a_sales_manager_only_their_customers_orders(self):
        self.assertEqual(self.ids(user=self.manager), ["A2", "A1"])
        self.assertEqual(self.ids(f"customer={self.petro.pk}", user=self.manager), [])

    def test_it_pages_fifty_at_a_time(self):
        Order.objects.bulk_create([
            Order(external_id=f"M{i}", customer=self.olena, ordered_at=at("2023-01-01"),
                  total=Decimal("1.00")) for i in range(57)
        ])
        self.login(self.analyst)
        r = self.client.get("/sales/orders/")
        self.assertContains(r, "60 orders")
        self.assertEqual(len(r.context["rows"]), 50)
        self.assertEqual(len(self.client.get("/sales/orders/?page=2").context["rows"]), 10)
