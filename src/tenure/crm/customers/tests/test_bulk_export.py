"""Bulk export: the ticked customers (or all the filters find) as a file, and nothing else."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from auditlog.models import LogEntry
from django.urls import reverse
from openpyxl import load_workbook

from tenure.crm.customers.models import Customer
from tenure.crm.sales.models import Order, OrderStatus
from tenure.crm.testing import TenureTestCase

BULK = reverse("customers:bulk")


class BulkExportTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.bobs = [Customer.objects.create(name=f"Bob's {n}", manager=cls.manager, city="Kyiv")
                    for n in range(3)]
        cls.carol = Customer.objects.create(name="Carol's", manager=cls.other_manager)
        Order.objects.create(external_id="B1", customer=cls.bobs[1], total=Decimal("1234.5"),
                             status=OrderStatus.COMPLETED,
                             ordered_at=datetime(2026, 3, 2, 10, tzinfo=UTC))

    def post(self, customers, kind="csv", confirm=True, **extra):
        fields = {"action": "export", "ids": [c.pk for c in customers], "next": "/customers/",
                  "format": kind, **extra}
        if confirm:
            fields["confirm"] = "1"
        return self.client.post(BULK, fields)

    def test_the_ticked_customers_are_exported_in_russian_conventions(self):
        self.login(self.manager)
        self.client.cookies["django_language"] = "ru"

        asked = self.post(self.bobs[:2], confirm=False)
        self.assertContains(asked, "Скачать")
        response = self.post(self.bobs[:2])

        self.assertEqual(response.status_code, 200)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        self.assertEqual([row[1] for row in rows[1:]], ["Bob's 0", "Bob's 1"])
        self.assertEqual(rows[2][6:8], ["1", "1234,50"])
        entry = LogEntry.objects.get(additional_data__access="export")
        self.assertEqual(entry.additional_data["rows"], 2)
        self.assertEqual(entry.additional_data["filters"],
                         {"ids": [str(self.bobs[0].pk), str(self.bobs[1].pk)]})

    def test_a_workbook_holds_what_the_filters_find(self):
        self.login(self.manager)

        response = self.post([], kind="xlsx", scope="all", query="city=Kyiv")

        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        self.assertEqual([row[1] for row in sheet.iter_rows(min_row=2, values_only=True)],
                         ["Bob's 0", "Bob's 1", "Bob's 2"])

    def test_someone_elses_customer_is_never_exported(self):
        self.login(self.manager)

        response = self.post([self.bobs[0], self.carol])

        self.assertRedirects(response, "/customers/", fetch_redirect_response=False)
        self.assertFalse(LogEntry.objects.filter(additional_data__access="export").exists())

    def test_only_those_who_see_customers_may_export_them(self):
        self.login(self.nobody)
        self.assertEqual(self.post(self.bobs[:1]).status_code, 403)
        for persona in (self.admin, self.marketer, self.support, self.analyst):
            with self.subTest(persona.username):
                self.login(persona)
                self.assertEqual(self.post(self.bobs[:1]).status_code, 200)
