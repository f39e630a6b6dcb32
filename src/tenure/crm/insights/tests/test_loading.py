"""Loading the CRM's tables as the analytics library's canonical tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from tenure.crm.customers.models import Customer
from tenure.crm.insights.loading import load_customers, load_feedback, load_transactions
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase

UTC = timezone.get_fixed_timezone(0)


def order(customer, when: datetime, total: str, *, status=OrderStatus.COMPLETED, cost=None,
          channel="", store="") -> Order:
    return Order.objects.create(
        external_id=f"O{Order.objects.count() + 1}", customer=customer, ordered_at=when,
        total=Decimal(total), status=status, channel=channel, store=store,
        cost=None if cost is None else Decimal(cost),
    )


def refund(order: Order, when: datetime, amount: str) -> Return:
    return Return.objects.create(
        external_id=f"R{Return.objects.count() + 1}", order=order, returned_at=when,
        amount=Decimal(amount),
    )


class LoadingTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(
            name="Olena", city="Kyiv", gender="f", acquisition_channel="instagram",
            acquired_on=date(2025, 1, 5), birth_date=date(1990, 6, 1), manager=cls.manager,
        )
        cls.petro = Customer.objects.create(name="Petro", referred_by=cls.olena)
        cls.first = order(cls.olena, datetime(2025, 1, 10, 9, 30, tzinfo=UTC), "100.00",
                          cost="60.00", channel="web", store="Online")
        cls.second = order(cls.petro, datetime(2025, 2, 1, 23, 15, tzinfo=UTC), "40.50")
        cls.cancelled = order(cls.olena, datetime(2025, 3, 1, 12, tzinfo=UTC), "999.00",
                              status=OrderStatus.CANCELLED)
        refund(cls.first, datetime(2025, 1, 20, 8, tzinfo=UTC), "25.00")
        refund(cls.cancelled, datetime(2025, 3, 2, 8, tzinfo=UTC), "999.00")

    def rows(self) -> list[dict]:
        table = load_transactions().sort_by([("time", "ascending")])
        return table.to_pylist()

    def test_it_loads_purchases_and_returns_as_negative_rows(self):
        self.assertEqual(self.rows(), [
            {"customer_id": str(self.olena.pk), "time": datetime(2025, 1, 10, 9, 30),
             "amount": 100.0, "order_id": str(self.first.pk), "margin": 40.0,
             "channel": "web", "store": "Online", "manager": "bob"},
            {"customer_id": str(self.olena.pk), "time": datetime(2025, 1, 20, 8, 0),
             "amount": -25.0, "order_id": str(self.first.pk), "margin": -10.0,
             "channel": "web", "store": "Online", "manager": "bob"},
            {"customer_id": str(self.petro.pk), "time": datetime(2025, 2, 1, 23, 15),
             "amount": 40.5, "order_id": str(self.second.pk), "margin": None,
             "channel": None, "store": None, "manager": None},
        ])

    @override_settings(TIME_ZONE="Europe/Kyiv")
    def test_it_gives_times_in_the_shops_time_zone(self):
        # 23:15 UTC on 1 February is 01:15 on 2 February in Kyiv (UTC+2 in winter).
        self.assertEqual(self.rows()[2]["time"], datetime(2025, 2, 2, 1, 15))

    def test_it_loads_the_canonical_columns_and_types(self):
        table = load_transactions()
        self.assertEqual(table.column_names, ["customer_id", "time", "amount", "order_id",
                                              "margin", "channel", "store", "manager"])
        self.assertEqual(str(table.schema.field("time").type), "timestamp[us]")

    def test_it_loads_the_customers_attributes(self):
        rows = {r["customer_id"]: r for r in load_customers().to_pylist()}
        self.assertEqual(rows[str(self.olena.pk)], {
            "customer_id": str(self.olena.pk), "city": "Kyiv", "gender": "f",
            "acquisition_channel": "instagram", "acquired_on": date(2025, 1, 5),
            "birth_date": date(1990, 6, 1), "referred_by": None, "manager": "bob",
        })
        petro = rows[str(self.petro.pk)]
        self.assertEqual((petro["city"], petro["referred_by"], petro["manager"]),
                         (None, str(self.olena.pk), None))

    def test_it_loads_no_feedback_yet(self):
        feedback = load_feedback()
        self.assertEqual(feedback.num_rows, 0)
        self.assertEqual(feedback.column_names, ["customer_id", "time", "kind", "score"])

    def test_it_loads_an_empty_shop(self):
        Return.objects.all().delete()
        Order.objects.all().delete()
        self.assertEqual(load_transactions().num_rows, 0)
