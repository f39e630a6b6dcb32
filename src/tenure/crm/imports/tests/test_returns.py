from __future__ import annotations

import csv
from decimal import Decimal

from tenure.crm.catalog.models import Product
from tenure.crm.imports.running import run_import
from tenure.crm.sales.models import Order, Return, ReturnLine
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

LINES = (
    "Номер замовлення,Клієнт,Дата,Товар,Кількість,Ціна,Тип\n"
    "o1,c1,2024-01-01,A,2,10,продаж\n"
    "o1,c1,2024-01-01,B,1,5,продаж\n"
    "o2,c2,2024-01-02,A,1,10,\n"
    "o1,c1,2024-01-10,A,-1,10,повернення\n"   # row 5: return of one A from o1
    "o1,c1,2024-01-10,B,1,5,refund\n"         # row 6: same return, positive quantity
    "o9,c1,2024-01-10,A,-1,10,возврат\n"      # row 7: no such order
)


class ReturnsTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)
        Product.objects.create(sku="A", name="A")
        Product.objects.create(sku="B", name="B")

    def test_it_links_returns_to_their_order_and_reduces_revenue(self):
        result = run_import("order-lines", self.files.text("l.csv", LINES),
                            rejects_path=self.files.path("r.csv"))

        self.assertEqual((result.rows, result.inserted, result.rejected), (6, 5, 1))
        o1 = Order.objects.get(external_id="o1")
        ret = Return.objects.get()
        self.assertEqual((ret.order, ret.amount, ret.returned_at.date().isoformat()),
                         (o1, Decimal("15.00"), "2024-01-10"))
        self.assertEqual(sorted(ReturnLine.objects.values_list("product__sku", "quantity",
                                                              "amount")),
                         [("A", Decimal("1"), Decimal("10.00")),
                          ("B", Decimal("1"), Decimal("5.00"))])
        self.assertEqual((o1.total, o1.net_total()), (Decimal("25.00"), Decimal("10.00")))
        self.assertEqual(o1.lines.count(), 2)
        self.assertEqual(Order.objects.count(), 2)
        with self.files.path("r.csv").open(encoding="utf-8-sig") as source:
            rows = [line[:4] for line in csv.reader(source)][1:]
        self.assertEqual(rows, [["7", "Номер замовлення", "o9", "return of an unknown order"]])

    def test_it_finds_the_same_returns_when_imported_again(self):
        run_import("order-lines", self.files.text("l.csv", LINES))

        again = run_import("order-lines", self.files.text("l.csv", LINES))
        changed = run_import("order-lines", self.files.text(
            "l.csv", LINES.replace("B,1,5,refund", "B,1,4,refund")))

        self.assertEqual((again.inserted, again.updated, again.unchanged), (0, 0, 5))
        self.assertEqual((changed.inserted, changed.updated, changed.unchanged), (0, 2, 3))
        self.assertEqual(Return.objects.get().amount, Decimal("14.00"))
        self.assertEqual(ReturnLine.objects.count(), 2)

    def test_it_accepts_a_return_of_an_order_already_in_the_database(self):
        run_import("order-lines", self.files.text("l.csv", LINES.split("o1,c1,2024-01-10")[0]))

        result = run_import("order-lines", self.files.text(
            "r.csv", "order,customer,date,product,quantity,price,type,return\n"
                     "o2,c2,2024-02-01,A,1,10,return,RET-7\n"))

        self.assertEqual((result.inserted, result.rejected), (1, 0))
        self.assertEqual(Return.objects.get().external_id, "RET-7")
        self.assertEqual(Order.objects.get(external_id="o2").net_total(), Decimal("0.00"))
