from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from tenure.crm.testing import TenureTestCase, migrate_cli_database, run_tenure


class PrivacyCommandLineTestCase(TenureTestCase):
    """``tenure privacy`` in a child process: exit statuses 0, 1 and 2, and the question."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        folder = tempfile.TemporaryDirectory(prefix="tenure-privacy-cli-")
        cls.addClassCleanup(folder.cleanup)
        cls.var = Path(folder.name)
        migrate_cli_database(cls.var)
        people = cls.var / "people.csv"
        people.write_text("external_id,name,email\nC-1,Mykola Hnatiuk,mykola@example.org\n")
        done = run_tenure("import", "customers", str(people), "--no-progress", var_dir=cls.var)
        assert done.returncode == 0, done.stderr

    def customer(self) -> tuple:
        with sqlite3.connect(self.var / "cli.sqlite3") as db:
            return db.execute("SELECT name, email FROM customers_customer").fetchone()

    def test_it_exits_2_on_bad_usage(self):
        for args in (["privacy"], ["privacy", "erase"], ["privacy", "erase", "--customer", "x"],
                     ["privacy", "wipe", "--customer", "1"], ["privacy", "export",
                                                              "--customer", "1"]):
            with self.subTest(args):
                done = run_tenure(*args, var_dir=self.var)
                self.assertEqual(done.returncode, 2, done.stderr)

    def test_it_exits_1_for_a_customer_that_does_not_exist(self):
        done = run_tenure("privacy", "erase", "--customer", "77", "--yes", var_dir=self.var)
        self.assertEqual(done.returncode, 1)
        self.assertIn("No customer #77", done.stderr)

    def test_it_asks_and_erases_only_on_yes(self):
        for answer in ("", "no\n"):
            with self.subTest(answer=answer):
                done = run_tenure("privacy", "erase", "--customer", "1", var_dir=self.var,
                                  answer=answer)
                self.assertEqual(done.returncode, 1, done.stderr)
                self.assertIn("Erase customer #1 Mykola Hnatiuk?", done.stdout)
                self.assertEqual(self.customer(), ("Mykola Hnatiuk", "mykola@example.org"))

        export = self.var / "mykola.zip"
        done = run_tenure("privacy", "export", "--customer", "1", "--out", str(export),
                          var_dir=self.var)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(export.stat().st_mode & 0o777, 0o600)

        done = run_tenure("privacy", "erase", "--customer", "1", var_dir=self.var,
                          answer="yes\n")

        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("Erased customer #1", done.stdout)
        self.assertEqual(done.stderr, "")  # the write-ahead log was emptied: no warning
        self.assertEqual(self.customer(), ("", ""))
        self.assertFalse((self.var / "cli.sqlite3-wal").stat().st_size)
        self.assertNotIn(b"Mykola", (self.var / "cli.sqlite3").read_bytes())
        # The export was left under var/: it named him, so it went too.
        self.assertFalse(export.exists())
        self.assertNotIn("Mykola", (self.var / "people.csv").read_text())
