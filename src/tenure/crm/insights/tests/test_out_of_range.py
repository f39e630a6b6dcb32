"""One bad row does not stop the refresh of the whole shop: an order dated 0001-01-01,
written before the import refused such dates, is left out and named in the run's record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection

from tenure.crm.customers.models import Customer
from tenure.crm.insights import nightly
from tenure.crm.insights.loading import load_customers, load_transactions
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.insights.refreshing import refresh_insights
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

AS_OF = date(2026, 3, 31)


class OutOfRangeRefreshTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for n in range(12):
            buyer = Customer.objects.create(name=f"Buyer {n}", manager=cls.manager)
            for k in range(1 + n % 3):
                Order.objects.create(
                    customer=buyer, external_id=f"O{n}-{k}", total=Decimal(20 + n),
                    ordered_at=datetime(2026, 3, 20, 12, tzinfo=UTC) - timedelta(
                        days=35 * k + 9 * n))
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager)
        # As old data holds it: written straight into the database, no form or import.
        cls.ancient = Order.objects.create(
            customer=cls.olena, external_id="OLD-1", total=Decimal("10.00"),
            ordered_at=datetime(1, 1, 1, tzinfo=UTC))
        cls.refreshed = refresh_insights(as_of=AS_OF)

    def test_it_refreshes_leaving_the_order_out_and_names_it_in_the_run(self):
        run = self.refreshed
        self.assertEqual((run.status, run.error), (InsightsRun.Status.DONE, ""))
        self.assertEqual(len(run.results["skipped"]), 1)
        self.assertIn(f"order {self.ancient.pk} (0001-01-01)", run.results["skipped"][0])
        self.assertEqual(run.results["totals"]["orders"], 24)
        self.assertFalse(CustomerSnapshot.objects.filter(customer=self.olena).exists())

    def test_it_shows_the_administrator_what_was_left_out(self):
        self.login(self.admin)
        r = self.client.get("/insights/")
        self.assertContains(r, "Rows out of range were left out")
        self.assertContains(r, f"order {self.ancient.pk} (0001-01-01)")

    def test_the_nightly_job_succeeds_and_reports_the_skipped_order(self):
        text = nightly.refresh_insights()
        self.assertIn("; skipped 1 × order left out", text)
        self.assertIn(f"order {self.ancient.pk}", text)

    def test_it_reads_a_birth_date_out_of_range_as_unknown(self):
        Customer.objects.filter(pk=self.olena.pk).update(birth_date=date(1, 1, 1),
                                                         acquired_on=date(2020, 5, 1))
        skipped = []
        table = load_customers(skipped).to_pydict()
        row = table["customer_id"].index(str(self.olena.pk))
        self.assertEqual((table["birth_date"][row], table["acquired_on"][row]),
                         (None, date(2020, 5, 1)))
        self.assertIn(f"customer {self.olena.pk} (0001-01-01)", skipped[0])

    def test_it_leaves_out_an_amount_beyond_the_money_limit(self):
        Order.objects.filter(pk=self.ancient.pk).update(
            ordered_at=datetime(2026, 3, 1, tzinfo=UTC))
        # What each database lets in: SQLite any number, PostgreSQL's numeric a NaN.
        wrong = "1e13" if connection.vendor == "sqlite" else "'NaN'"
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {connection.ops.quote_name(Order._meta.db_table)} "
                           f"SET total = {wrong} WHERE id = %s", [self.ancient.pk])
        skipped = []
        orders = load_transactions(skipped)["order_id"].to_pylist()
        self.assertNotIn(str(self.ancient.pk), orders)
        self.assertEqual(len(orders), 24)
        self.assertIn(f"order {self.ancient.pk}", skipped[0])
