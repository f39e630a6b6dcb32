"""One pipeline: ``tenure analyze`` on an export of the CRM's orders scores every customer as
the CRM's refresh does."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from django.urls import reverse
from django.utils import timezone

from tenure.analytics.analyze import analyze
from tenure.crm.customers.models import Customer
from tenure.crm.insights.loading import load_transactions
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.insights.refreshing import refresh_insights
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

AS_OF = date(2026, 6, 30)
DAYS = 3 * 365
CUSTOMERS = 1200


def simulate_orders(customers: list[Customer], seed: int = 7) -> list[Order]:
    """Return Pareto/NBD-like orders: each customer buys at their own rate until they leave."""
    rng = np.random.default_rng(seed)
    start = datetime(2023, 7, 1, 10, tzinfo=timezone.get_fixed_timezone(0))
    orders = []
    for person in customers:
        first = rng.uniform(0, DAYS - 30)
        rate = rng.gamma(0.8, 1 / 25)  # purchases per day
        life = rng.exponential(400)
        spend = rng.gamma(4, 15)  # the customer's mean order value
        day, k = first, 0
        while day < min(first + life, DAYS):
            total = Decimal(f"{rng.gamma(6, spend / 6):.2f}")
            orders.append(Order(
                external_id=f"{person.pk}-{k}", customer=person, total=total,
                cost=(total * Decimal("0.6")).quantize(Decimal("0.01")) if k % 3 else None,
                channel=("web", "store")[k % 2],
                ordered_at=start + timedelta(days=float(day))))
            day += rng.exponential(1 / rate) + 1
            k += 1
    return orders


def read_customers_csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return {row["customer_id"]: row for row in csv.DictReader(f)}


class OnePipelineTestCase(TenureTestCase):
    """1,200 simulated customers with orders only (no surveys, complaints or messages, the
    churn model's other sources, which a transactions file does not have)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        people = Customer.objects.bulk_create(
            [Customer(name=f"Customer {i}") for i in range(CUSTOMERS)])
        Order.objects.bulk_create(simulate_orders(people))
        cls.refreshed = refresh_insights(as_of=AS_OF, forecast=False)  # not compared here

    def test_a_refresh_without_the_forecast_says_so_on_the_forecast_page(self):
        self.assertNotIn("forecast", self.refreshed.results)
        self.login(self.admin)
        page = self.client.get(reverse("insights:forecast"))
        self.assertContains(page, "left out the sales forecast")

    def test_tenure_analyze_on_the_exported_orders_gives_the_crms_scores(self):
        self.assertEqual((self.refreshed.status, self.refreshed.error),
                         (InsightsRun.Status.DONE, ""))
        with tempfile.TemporaryDirectory() as tmp:
            exported = Path(tmp) / "orders.csv"
            pacsv.write_csv(_without_empty_columns(load_transactions()), exported)
            analysis = analyze(exported, as_of=AS_OF.isoformat(), out=Path(tmp) / "report")
            theirs = read_customers_csv(Path(tmp) / "report" / "customers.csv")
        self.assertIsNotNone(analysis.churn, analysis.notes)
        ours = CustomerSnapshot.objects.filter(taken_on=AS_OF)
        self.assertEqual(ours.count(), len(theirs))
        scored = 0
        for snap in ours:
            row = theirs[str(snap.customer_id)]
            self.assertEqual(snap.segment, row["segment"], snap.customer_id)
            self.assertAlmostEqual(float(snap.clv), float(row["clv"]), delta=0.011)
            self.assertAlmostEqual(snap.p_alive, float(row["p_alive"]), delta=6e-5)
            if snap.churn_risk is None:
                self.assertEqual(row["churn_risk"], "")
            else:
                scored += 1
                self.assertAlmostEqual(snap.churn_risk, float(row["churn_risk"]), delta=6e-5)
        self.assertGreater(scored, 100)

    def test_both_use_the_model_the_selection_chose_and_store_its_name(self):
        value = self.refreshed.results["value"]
        self.assertIn(value["p_alive_model"], {"Pareto/NBD", "MBG/NBD"})
        self.assertEqual(value["chosen"], value["p_alive_model"])
        self.assertIsInstance(self.refreshed.results["churn"]["horizon_days"], int)

    def test_a_one_time_buyer_of_long_ago_is_not_certainly_alive(self):
        lapsed = CustomerSnapshot.objects.filter(taken_on=AS_OF, frequency=0,
                                                 recency_days__gt=365)
        self.assertTrue(lapsed.exists())
        self.assertLess(max(lapsed.values_list("p_alive", flat=True)), 0.9)


def _without_empty_columns(table: pa.Table) -> pa.Table:
    """Return the table without its all-null columns (a file would not have them)."""
    return table.select([n for n in table.column_names if table[n].null_count < len(table)])
