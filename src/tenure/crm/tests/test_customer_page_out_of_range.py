"""Dates and ids out of range in the customer pages' filters, cursor and URLs: a 400 or 404
that names the problem, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.urls import Resolver404, resolve

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Interaction
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

RANGE = "Enter a date between 1900-01-01 and 2100-12-31."


class OutOfRangeTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager)
        start = datetime(2026, 1, 1, 9, tzinfo=UTC)
        Interaction.objects.bulk_create([
            Interaction(customer=cls.olena, kind="note", summary=f"Note {n}",
                        occurred_at=start + timedelta(hours=n)) for n in range(35)])
        Order.objects.create(customer=cls.olena, external_id="1", total=Decimal("10"),
                             ordered_at=start)

    def detail(self, query: str):
        self.login(self.manager)
        return self.client.get(f"/customers/{self.olena.pk}/?{query}")

    def test_it_answers_400_to_a_timeline_cursor_out_of_range_or_impossible(self):
        for cursor in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00%2B14:00",
                       "0001-01-01T00:00", "2024-02-30T10:00"):
            with self.subTest(cursor=cursor):
                r = self.detail(f"before={cursor}")
                self.assertContains(r, "“before” is not a time between 1900-01-01 and "
                                       "2100-12-31.", status_code=400)

    def test_it_still_pages_the_timeline_by_its_own_cursor(self):
        older = self.detail("").context["older"]
        self.assertTrue(older)
        r = self.detail(f"before={older.replace('+', '%2B')}")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(len(r.context["events"]), 6)  # 36 events, 30 on the first page

    def test_it_answers_400_to_a_filter_date_out_of_range_naming_the_filter(self):
        self.login(self.marketer)
        for day in ("0001-01-01", "9999-12-31"):
            with self.subTest(day=day):
                r = self.client.get(f"/customers/?no_purchase_since={day}")
                self.assertContains(r, f"No purchase since: {RANGE}", status_code=400)

    def test_it_refuses_to_export_with_a_filter_it_cannot_apply(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?no_purchase_since=9999-12-31&format=csv")
        self.assertEqual(r.status_code, 400)
        self.assertTrue(r["Content-Type"].startswith("text/html"))

    def test_it_does_not_take_an_id_beyond_the_largest_key_for_a_page(self):
        for path in ("/customers/9223372036854775808/", "/sales/orders/99999999999999999999/",
                     "/customers/duplicates/1/9223372036854775808/"):
            with self.subTest(path=path):
                with self.assertRaises(Resolver404):
                    resolve(path)
                self.login(self.admin)
                self.assertEqual(self.client.get(path).status_code, 404)
        self.assertEqual(resolve("/customers/9223372036854775807/").kwargs,
                         {"pk": 9223372036854775807})
