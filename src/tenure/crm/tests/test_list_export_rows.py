"""The order and complaint exports hold exactly the rows their page lists, every page of
them, for a sales manager and for an administrator; a filter out of range refuses them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from auditlog.models import LogEntry
from openpyxl import load_workbook

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint, ComplaintStatus
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


class ExportRowsMixin:
    """Read a list page's rows, every page of them, and its CSV export's first column."""

    address: str

    def page_keys(self, response) -> list[str]:
        raise NotImplementedError

    def listed(self, user, query: str) -> list[str]:
        self.login(user)
        keys, number = [], 1
        while True:
            response = self.client.get(f"{self.address}?{query}&page={number}")
            self.assertEqual(response.status_code, 200)
            keys += self.page_keys(response)
            if not response.context["page"].has_next():
                return keys
            number += 1

    def exported(self, user, query: str, language: str = "en") -> list[list[str]]:
        self.login(user)
        response = self.client.get(f"{self.address}?{query}&format=csv",
                                   headers={"accept-language": language})
        self.assertEqual(response.status_code, 200)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text), delimiter=";" if language != "en" else ","))

    def assert_same_rows(self, queries: list[str]):
        found = {}
        for user in (self.manager, self.admin):
            for query in queries:
                with self.subTest(user=user.username, query=query):
                    found[user, query] = listed = self.listed(user, query)
                    self.assertEqual([row[self.key_column] for row in
                                      self.exported(user, query)[1:]], listed)
        # The lists compared are not all empty, run over a page (50), and the manager's
        # holds only their own.
        everyone, own = found[self.admin, ""], found[self.manager, ""]
        self.assertGreater(len(everyone), 50)
        self.assertTrue(0 < len(own) < len(everyone))
        self.assertGreater(sum(1 for keys in found.values() if keys), len(queries))


@time_machine.travel(NOW, tick=False)
class OrderExportTestCase(ExportRowsMixin, TenureTestCase):
    address = "/sales/orders/"
    key_column = 1  # the order's number

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena Kovalenko", manager=cls.manager)
        cls.petro = Customer.objects.create(name="Petro Shevchenko", manager=cls.other_manager)
        start = datetime(2026, 1, 1, 9, tzinfo=UTC)
        # Sixty of Olena's orders: more than a page (50).
        for number in range(60):
            Order.objects.create(
                external_id=f"A{number:02}", customer=cls.olena, total=Decimal("100.00"),
                ordered_at=start + timedelta(hours=number), channel="web" if number % 2 else
                "store", store="Kyiv" if number % 3 else "Lviv",
                status=OrderStatus.CANCELLED if number % 7 == 0 else OrderStatus.COMPLETED)
        cls.b1 = Order.objects.create(external_id="B1", customer=cls.petro, channel="web",
                                      store="Lviv", total=Decimal("1234.56"),
                                      discount=Decimal("0.44"), ordered_at=start)
        Return.objects.create(external_id="R1", order=cls.b1, returned_at=start,
                              amount=Decimal("12.34"))

    def page_keys(self, response) -> list[str]:
        return [order.external_id for order in response.context["rows"]]

    def test_it_exports_the_orders_the_page_lists(self):
        self.assert_same_rows(["", "channel=web", "status=completed&store=Lviv", "q=petro",
                               "date_from=2026-01-02&date_to=2026-01-03",
                               f"customer={self.petro.pk}"])

    def test_a_sales_manager_exports_only_their_customers_orders(self):
        self.assertEqual(len(self.exported(self.manager, "")) - 1, 60)
        self.assertEqual(len(self.exported(self.other_manager, "")) - 1, 1)

    def test_it_writes_amounts_with_a_decimal_comma_in_russian(self):
        header, row = self.exported(self.admin, "q=B1", language="ru")
        cells = dict(zip(header, row, strict=True))
        self.assertEqual(header[0], "Дата")
        self.assertEqual((cells["Сумма"], cells["Чистая сумма"]), ("1234,56", "1222,22"))
        self.assertEqual(Decimal(cells["Чистая сумма"].replace(",", ".")), Decimal("1222.22"))
        self.assertEqual(row[0], "2026-01-01 09:00")

    def test_it_exports_excel_with_amounts_as_numbers(self):
        self.login(self.admin)
        response = self.client.get(self.address, {"q": "B1", "format": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        self.assertEqual((sheet.freeze_panes, sheet.auto_filter.ref), ("A2", "A1:L2"))
        total, discount, returned, net = (sheet.cell(2, n) for n in (9, 10, 11, 12))
        self.assertEqual([c.value for c in (total, discount, returned, net)],
                         [1234.56, 0.44, 12.34, 1222.22])
        self.assertTrue(all(c.data_type == "n" for c in (total, discount, returned, net)))
        self.assertEqual(sheet.cell(2, 1).value, datetime(2026, 1, 1, 9, 0))

    def test_a_filter_out_of_range_refuses_the_export(self):
        self.login(self.admin)
        for query in ("date_from=0001-01-01", "customer=0", f"customer={2**63}"):
            with self.subTest(query):
                response = self.client.get(f"{self.address}?{query}&format=csv")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")
        self.assertFalse(LogEntry.objects.filter(object_repr="order list").exists())


@time_machine.travel(NOW, tick=False)
class ComplaintExportTestCase(ExportRowsMixin, TenureTestCase):
    address = "/engagement/complaints/"
    key_column = 0  # the complaint's number

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        olena = Customer.objects.create(name="Olena", manager=cls.manager)
        petro = Customer.objects.create(name="Petro", manager=cls.other_manager)
        people = [cls.manager, cls.support, None]
        # Enough complaints for two pages, of both managers' customers, in every state.
        for number in range(56):
            complaint = Complaint.objects.register(
                olena if number % 4 else petro, description=f"Complaint {number}",
                category="delivery" if number % 2 else "product",
                severity="high" if number % 3 else "low", assignee=people[number % 3],
                opened_at=NOW - timedelta(hours=5 * number))
            if number % 5 == 0:
                complaint.set_status(ComplaintStatus.RESOLVED, note="Refunded",
                                     at=NOW - timedelta(hours=5 * number - 1))

    def page_keys(self, response) -> list[str]:
        return [str(complaint.pk) for complaint in response.context["page"].object_list]

    def test_it_exports_the_complaints_the_page_lists(self):
        self.assert_same_rows(["", "status=open", "status=resolved", "category=delivery",
                               "sla=overdue", "sla=breached", "sla=within",
                               f"assignee={self.support.pk}&category=product"])

    def test_it_writes_what_the_queue_shows_and_what_was_said(self):
        complaint = Complaint.objects.get(description="Complaint 5")
        rows = self.exported(self.admin, "status=resolved")
        row = dict(zip(rows[0], next(r for r in rows if r[0] == str(complaint.pk)),
                       strict=True))
        self.assertEqual((row["Customer"], row["Category"], row["Status"], row["Resolution"]),
                         ("Olena", "Delivery", "Resolved", "Refunded"))
        # Opened 25 hours before noon (UTC, the shop's zone here), resolved an hour later.
        self.assertEqual((row["Opened"], row["Resolved"]), ("2026-03-14 11:00",
                                                            "2026-03-14 12:00"))
        self.assertEqual(row["SLA breached"], "no")

    def test_a_filter_out_of_range_refuses_the_export(self):
        self.login(self.admin)
        for query in ("status=nonsense", "assignee=999999", "sla=late"):
            with self.subTest(query):
                response = self.client.get(f"{self.address}?{query}&format=xlsx")
                self.assertEqual(response.status_code, 400)
        self.assertFalse(LogEntry.objects.filter(object_repr="complaint list").exists())
