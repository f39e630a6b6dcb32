from __future__ import annotations

import os

from tenure.crm.customers.models import Customer
from tenure.crm.imports.models import ImportRun
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

from .files import TempFiles, run_command


class CommandTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)
        Customer.objects.create(source="import", external_id="old", name="Kept")

    def assertNothingChanged(self):
        self.assertEqual(list(Customer.objects.values_list("external_id", flat=True)), ["old"])
        self.assertEqual(Order.objects.count(), 0)

    def test_it_prints_the_summary_line(self):
        path = self.files.text("o.csv", "customer;date;amount\nold;2024-01-01;5\nnew;x;5\n")

        code, out, err = run_command("orders", str(path), "--no-progress",
                                 "--rejects", str(self.files.path("r.csv")))

        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.strip(), f"o.csv: 2 rows read, 1 inserted, 0 updated, 0 unchanged, "
                                      f"1 rejected (rejects: {self.files.path('r.csv')})")

    def test_it_prints_possible_duplicates_after_a_customers_import(self):
        path = self.files.text("c.csv", "id,email\na,x@example.com\nb,X@example.com\nc,y@e.org\n")

        code, out, _err = run_command("customers", str(path), "--no-progress")

        self.assertEqual(code, 0)
        self.assertIn("3 inserted", out)
        self.assertIn("; 1 possible duplicate", out)

    def test_it_fails_on_garbage_and_changes_nothing(self):
        path = self.files.path("garbage.csv")
        path.write_bytes(bytes(range(256)) * 50 + os.urandom(2000))

        code, out, err = run_command("customers", str(path), "--no-progress")

        self.assertEqual((code, out), (1, ""))
        self.assertIn("garbage.csv: the file is not", err)
        self.assertNothingChanged()
        run = ImportRun.objects.get()
        self.assertEqual((run.file_name, run.rows), ("garbage.csv", 0))
        self.assertIn("the file is not", run.error)

    def test_it_fails_on_a_missing_an_empty_or_a_headerless_file(self):
        cases = {
            "missing.csv": (None, "missing.csv: cannot open the file"),
            "empty.csv": ("\n\n", "empty.csv: the file is empty."),
            "nohead.csv": ("1,2024-01-01,5\n2,2024-01-02,6\n", "nohead.csv: the first line holds "
                                                               "values"),
        }
        for name, (content, message) in cases.items():
            with self.subTest(name):
                path = self.files.text(name, content) if content else self.files.path(name)
                code, _out, err = run_command("orders", str(path), "--no-progress")
                self.assertEqual(code, 1)
                self.assertIn(message, err)
        self.assertNothingChanged()
        self.assertEqual(ImportRun.objects.exclude(error="").count(), 3)

    def test_it_names_the_columns_and_fields_when_a_required_column_is_missing(self):
        path = self.files.text("o.csv", "client;when;qty\nold;2024-01-01;5\n")

        code, _out, err = run_command("orders", str(path), "--no-progress")

        self.assertEqual(code, 1)
        self.assertIn("o.csv: no column for the required field(s) date, amount. "
                      "The file's columns: client, when, qty. Fields of orders imports: "
                      "order_id, customer, name, date, amount,", err)
        self.assertNothingChanged()

    def test_it_maps_a_column_by_hand(self):
        path = self.files.text("o.csv", "client;when;qty\nold;2024-01-01;5\n")

        code, out, err = run_command("orders", str(path), "--no-progress",
                                 "--map", "when=date", "--map", "QTY=amount")

        self.assertEqual((code, err), (0, ""))
        self.assertIn("1 inserted", out)
        self.assertEqual(Order.objects.get().customer.name, "Kept")

    def test_it_refuses_a_mapping_to_an_unknown_field_or_column(self):
        path = self.files.text("o.csv", "customer;date;amount\nold;2024-01-01;5\n")
        for mapping, message in (("amount=total_paid", "'total_paid' is not a field of orders"),
                                 ("nosuch=amount", "the file has no column 'nosuch'"),
                                 ("amount", "'amount' is not Header=field")):
            with self.subTest(mapping):
                code, _out, err = run_command("orders", str(path), "--map", mapping)
                self.assertEqual(code, 2)
                self.assertIn(message, err)
        self.assertNothingChanged()
