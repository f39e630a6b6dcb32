"""Dates and ids out of range in the order list's filters: a 400 naming the filter."""

from __future__ import annotations

from tenure.crm.testing import TenureTestCase

RANGE = "Enter a date between 1900-01-01 and 2100-12-31."


class OrderFilterRangeTestCase(TenureTestCase):
    def orders(self, query: str):
        self.login(self.admin)
        return self.client.get(f"/sales/orders/?{query}")

    def test_it_answers_400_to_a_date_out_of_range_naming_the_filter(self):
        for query, label in (("date_to=9999-12-31", "To"), ("date_from=0001-01-01", "From")):
            with self.subTest(query=query):
                self.assertContains(self.orders(query), f"{label}: {RANGE}", status_code=400)

    def test_it_answers_400_to_a_customer_id_beyond_the_largest_key(self):
        for customer in (2**63, 2**64):
            with self.subTest(customer=customer):
                r = self.orders(f"customer={customer}")
                self.assertEqual(r.status_code, 400)
                self.assertIn("customer", r.context["form"].errors)
