from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from django.test import override_settings
from openpyxl import Workbook

from tenure.crm.catalog.models import Category, Product
from tenure.crm.imports.running import run_import
from tenure.crm.sales.models import Order, OrderStatus
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

KYIV = ZoneInfo("Europe/Kyiv")


@override_settings(TIME_ZONE="Europe/Kyiv", TENURE_CURRENCY="UAH")
class FormatsTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)

    def test_it_reads_windows_1251_with_semicolons_and_decimal_commas(self):
        path = self.files.text("заказы.csv", (
            "Номер заказа;Клиент;Дата;Сумма;Скидка;Статус;Магазин\r\n"
            "A-1;К001;05.03.2024;1 234,50;10,5;Выполнен;Киев, Крещатик\r\n"
            "A-2;К002;05.03.2024 14:30;2\u00a0000,00;;отменен;Львів\r\n"
            "A-3;К001;20240306;7;0;;\r\n"
        ), encoding="cp1251")

        result = run_import("orders", path)

        self.assertEqual((result.rows, result.inserted, result.rejected), (3, 3, 0))
        orders = {o.external_id: o for o in Order.objects.select_related("customer")}
        a1, a2, a3 = orders["A-1"], orders["A-2"], orders["A-3"]
        self.assertEqual((a1.customer.external_id, a1.total, a1.discount, a1.status, a1.store),
                         ("К001", Decimal("1234.50"), Decimal("10.50"), OrderStatus.COMPLETED,
                          "Киев, Крещатик"))
        self.assertEqual(a1.ordered_at, dt.datetime(2024, 3, 5, tzinfo=KYIV))
        self.assertEqual((a2.total, a2.status, a2.store), (Decimal("2000.00"),
                                                          OrderStatus.CANCELLED, "Львів"))
        self.assertEqual(a2.ordered_at, dt.datetime(2024, 3, 5, 14, 30, tzinfo=KYIV))
        self.assertEqual((a3.total, a3.currency, a3.customer_id), (Decimal("7.00"), "UAH",
                                                                   a1.customer_id))
        self.assertEqual(a3.ordered_at, dt.datetime(2024, 3, 6, tzinfo=KYIV))

    def test_it_reads_utf8_with_bom_tabs_and_thin_space_thousands(self):
        path = self.files.text("orders.tsv", (
            "\ufeffЗамовлення\tКлієнт\tДата\tСума\n"
            "B-1\tc1\t2024-03-05T09:15:00\t12\u2009345,67\n"
            "B-2\tc2\t2024-03-05\t1,234.50\n"
        ))

        result = run_import("orders", path)

        self.assertEqual((result.inserted, result.rejected), (2, 0))
        self.assertEqual(Order.objects.get(external_id="B-1").total, Decimal("12345.67"))
        self.assertEqual(Order.objects.get(external_id="B-1").ordered_at,
                         dt.datetime(2024, 3, 5, 9, 15, tzinfo=KYIV))
        self.assertEqual(Order.objects.get(external_id="B-2").total, Decimal("1234.50"))

    def test_it_reads_an_xlsx_workbook(self):
        book = Workbook()
        sheet = book.active
        sheet.append(["Артикул", "Товар", "Категория", "Цена", "Себестоимость"])
        sheet.append(["TEA-1", "Green tea", "Food > Drinks > Tea", 120.5, 80])
        sheet.append(["MUG-1", "Mug", "Kitchen / Mugs", 99, None])
        path = self.files.path("products.xlsx")
        book.save(path)

        result = run_import("products", path)

        self.assertEqual((result.rows, result.inserted, result.rejected), (2, 2, 0))
        tea, mug = Product.objects.get(sku="TEA-1"), Product.objects.get(sku="MUG-1")
        self.assertEqual((tea.name, tea.price, tea.cost, tea.currency),
                         ("Green tea", Decimal("120.50"), Decimal("80.00"), "UAH"))
        self.assertEqual(str(tea.category), "Food / Drinks / Tea")
        self.assertEqual((str(mug.category), mug.price, mug.cost), ("Kitchen / Mugs",
                                                                   Decimal("99.00"), None))
        self.assertEqual(Category.objects.count(), 5)

    def test_it_reads_a_parquet_file_with_typed_columns(self):
        Product.objects.create(sku="P1", name="P1")
        table = pa.table({
            "order_id": ["X1", "X1", "X2"],
            "customer_id": [7, 7, 8],
            "order_date": pa.array([dt.date(2024, 1, 2)] * 2 + [dt.date(2024, 1, 3)]),
            "sku": ["P1", "P1", "P1"],
            "qty": [1, 2, 3],
            "price": pa.array([Decimal("10.50"), Decimal("1.25"), Decimal("2.00")],
                              pa.decimal128(10, 2)),
        })
        path = self.files.path("lines.parquet")
        pq.write_table(table, path)

        result = run_import("order-lines", path)

        self.assertEqual((result.rows, result.inserted, result.rejected), (3, 3, 0))
        x1 = Order.objects.get(external_id="X1")
        self.assertEqual((x1.customer.external_id, x1.total), ("7", Decimal("13.00")))
        self.assertEqual(x1.ordered_at, dt.datetime(2024, 1, 2, tzinfo=KYIV))
        self.assertEqual(list(x1.lines.values_list("line_no", "quantity", "price")),
                         [(1, Decimal("1"), Decimal("10.50")), (2, Decimal("2"), Decimal("1.25"))])
        self.assertEqual(Order.objects.get(external_id="X2").total, Decimal("6.00"))
