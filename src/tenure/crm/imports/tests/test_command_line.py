from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from tenure.crm.testing import TenureTestCase, migrate_cli_database, run_tenure


class CommandLineTestCase(TenureTestCase):
    """The real ``tenure import`` in a child process, on a SQLite database of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = tempfile.TemporaryDirectory(prefix="tenure-cli-test-")
        cls.addClassCleanup(folder.cleanup)
        cls.var = Path(folder.name)
        migrate_cli_database(cls.var)
        cls.good = cls.var / "orders.csv"
        cls.good.write_text("customer;date;amount\nc1;2024-01-01;5\nc2;2024-01-02;x\n")

    def orders(self) -> int:
        with sqlite3.connect(self.var / "cli.sqlite3") as db:
            return db.execute("SELECT COUNT(*) FROM sales_order").fetchone()[0]

    def test_it_exits_2_on_bad_usage(self):
        for args in (["import", "invoices", str(self.good)], ["import", "orders"],
                     ["import", "orders", str(self.good), "--map", "amount=paid_total"],
                     ["import", "orders", str(self.good), "--colour"]):
            with self.subTest(args):
                done = run_tenure(*args, var_dir=self.var)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertTrue(done.stderr.strip())

    def test_it_exits_1_on_an_unreadable_file_and_changes_nothing(self):
        garbage = self.var / "garbage.xlsx"
        garbage.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 20)

        done = run_tenure("import", "orders", str(garbage), var_dir=self.var)

        self.assertEqual(done.returncode, 1)
        self.assertIn("garbage.xlsx: the spreadsheet cannot be read", done.stderr)
        self.assertEqual(done.stdout, "")

    def test_it_prints_the_summary_and_exits_0(self):
        done = run_tenure("import", "orders", str(self.good), "--no-progress",
                          "--rejects", str(self.var / "r.csv"), var_dir=self.var)

        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout,
                         "orders.csv: 2 rows read, 1 inserted, 0 updated, 0 unchanged, "
                         f"1 rejected (rejects: {self.var / 'r.csv'}); 1 new customer\n")
        self.assertEqual(self.orders(), 1)
        self.assertEqual(done.stderr, "")
