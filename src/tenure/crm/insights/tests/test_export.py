"""The customer list's segment and ABC/XYZ filters and its CSV and Excel exports."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from tenure.crm.customers.models import Customer
from tenure.crm.insights.models import CustomerSnapshot
from tenure.crm.sales.models import Order, OrderStatus
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def order(customer, day: date, total: str, status=OrderStatus.COMPLETED) -> Order:
    return Order.objects.create(
        external_id=f"E{Order.objects.count() + 1}", customer=customer, total=Decimal(total),
        status=status, ordered_at=datetime(day.year, day.month, day.day, 10, tzinfo=NOW.tzinfo),
    )


def snapshot(customer, taken_on: date, segment: str, abc: str = "", xyz: str = ""):
    return CustomerSnapshot.objects.create(
        customer=customer, taken_on=taken_on, segment=segment, abc=abc, xyz=xyz
    )


@time_machine.travel(NOW, tick=False)
class SegmentFilterTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager, external_id="C1")
        cls.petro = Customer.objects.create(name="Petro", manager=cls.other_manager)
        cls.anna = Customer.objects.create(name="Anna", manager=cls.manager)
        cls.ivan = Customer.objects.create(name="Ivan")
        earlier, latest = date(2026, 2, 1), date(2026, 3, 1)
        # An older snapshot must not count: Ivan was a champion, is lost now.
        snapshot(cls.ivan, earlier, "champions", "A", "X")
        snapshot(cls.ivan, latest, "lost", "C", "new")
        snapshot(cls.olena, latest, "champions", "A", "X")
        snapshot(cls.petro, latest, "champions", "A", "Y")
        snapshot(cls.anna, latest, "at_risk", "B", "X")

    def names(self, query: str, user=None) -> list[str]:
        self.login(user or self.marketer)
        r = self.client.get(f"/customers/?{query}")
        self.assertEqual(r.status_code, 200)
        return [c.name for c in r.context["rows"]]

    def test_it_filters_by_the_latest_snapshots_segment(self):
        self.assertEqual(self.names("segment=champions"), ["Olena", "Petro"])
        self.assertEqual(self.names("segment=lost"), ["Ivan"])

    def test_it_filters_by_abc_xyz_class(self):
        self.assertEqual(self.names("abc_xyz=AX"), ["Olena"])
        self.assertEqual(self.names("abc_xyz=AX&segment=at_risk"), [])
        self.assertEqual(self.names("abc_xyz=new"), ["Ivan"])

    def test_it_keeps_a_sales_manager_to_their_own_customers(self):
        self.assertEqual(self.names("segment=champions", user=self.manager), ["Olena"])

    def test_it_shows_the_segment_select(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?segment=at_risk")
        self.assertContains(r, '<option value="at_risk" selected>')
        self.assertContains(r, '<option value="AX">')

    def test_it_ignores_an_unknown_segment(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?segment=nonsense")
        self.assertEqual([c.name for c in r.context["rows"]], ["Anna", "Ivan", "Olena", "Petro"])

    def test_it_finds_nobody_before_any_refresh(self):
        CustomerSnapshot.objects.all().delete()
        self.assertEqual(self.names("segment=champions"), [])


@time_machine.travel(NOW, tick=False)
class ExportTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(
            name="Олена Коваленко", email="olena@example.org", phone="+380441234567",
            city="Київ", manager=cls.manager, external_id="C-1",
        )
        cls.petro = Customer.objects.create(name="Petro", city="Lviv", manager=cls.other_manager)
        cls.anna = Customer.objects.create(name="Anna", city="Kyiv")
        order(cls.olena, date(2026, 1, 10), "100.00")
        order(cls.olena, date(2026, 3, 2), "50.50")
        order(cls.olena, date(2026, 3, 5), "999.00", status=OrderStatus.CANCELLED)
        order(cls.petro, date(2025, 12, 1), "20.00")
        snapshot(cls.olena, date(2026, 3, 14), "champions", "A", "X")
        cls.many = [Customer(name=f"Zed {i:03}", city="Odesa") for i in range(60)]
        Customer.objects.bulk_create(cls.many)

    def csv_rows(self, query: str, user=None) -> list[list[str]]:
        self.login(user or self.marketer)
        r = self.client.get(f"/customers/?{query}&format=csv")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.streaming)
        self.assertEqual(r["Content-Disposition"],
                         'attachment; filename="customers-2026-03-15.csv"')
        text = b"".join(r.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))

    def test_it_exports_the_main_columns_as_csv(self):
        rows = self.csv_rows("q=olena")
        self.assertEqual(rows[0], [
            "External id", "Name", "Email", "Phone", "City", "Manager", "Orders", "Revenue",
            "Last purchase", "Segment", "Customer lifetime value", "Churn risk",
            "Probability still a customer", "Email consent", "SMS consent",
            "Messenger consent", "Phone consent", "Tags"])
        self.assertEqual(rows[1:], [[
            "C-1", "Олена Коваленко", "olena@example.org", "+380441234567", "Київ", "Bob",
            "2", "150.50", "2026-03-02", "Champions", "", "", "", "no", "no", "no", "no", "",
        ]])

    def test_it_exports_every_matching_customer_not_only_the_page(self):
        rows = self.csv_rows("city=Odesa")
        self.assertEqual(len(rows) - 1, 60)
        self.assertEqual(rows[1][1], "Zed 000")
        self.assertEqual(rows[-1][1], "Zed 059")

    def test_it_keeps_the_sort(self):
        rows = self.csv_rows("sort=-revenue&city=")
        self.assertEqual([r[1] for r in rows[1:3]], ["Олена Коваленко", "Petro"])

    def test_it_exports_a_sales_managers_own_customers_only(self):
        rows = self.csv_rows("", user=self.other_manager)
        self.assertEqual([r[1] for r in rows[1:]], ["Petro"])
        self.assertEqual(rows[1][6:9], ["1", "20.00", "2025-12-01"])

    def test_it_exports_the_segment_filter(self):
        rows = self.csv_rows("segment=champions")
        self.assertEqual([r[0] for r in rows[1:]], ["C-1"])

    def test_it_exports_excel(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?city=Київ&format=xlsx")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Disposition"],
                         'attachment; filename="customers-2026-03-15.xlsx"')
        sheet = load_workbook(io.BytesIO(r.getvalue())).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(rows[0][:2], ["External id", "Name"])
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][1], "Олена Коваленко")
        self.assertEqual(rows[1][6], 2)
        self.assertEqual(rows[1][7], 150.5)
        self.assertEqual(rows[1][8], datetime(2026, 3, 2))
        self.assertEqual(rows[1][9], "Champions")

    def test_it_refuses_a_user_who_cannot_see_customers(self):
        self.login(self.nobody)
        self.assertEqual(self.client.get("/customers/?format=csv").status_code, 403)

    def test_it_offers_the_export_links_with_the_filters(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?city=Lviv&page=1")
        self.assertContains(r, 'href="?city=Lviv&amp;format=csv"')
        self.assertContains(r, 'href="?city=Lviv&amp;format=xlsx"')
