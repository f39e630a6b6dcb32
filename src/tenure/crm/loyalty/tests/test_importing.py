"""Balances moved from another system: each good row added once, each bad row named."""

from __future__ import annotations

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty.models import Account, Entry, Kind
from tenure.crm.loyalty.statement import differences

from .base import LedgerTestCase

CSV = """Клиент;Баллы;Причина;Дата
shop:C-7;250;Старая карта;01.02.2026
{taras};-30;Долг;
shop:nobody;10;;
{taras};ten;;
{taras};40;;31.02.2026
"""


class ImportTestCase(LedgerTestCase):
    def run_import(self, path, *args) -> tuple[str, str, int]:
        out, err = StringIO(), StringIO()
        try:
            call_command("loyalty", "import", str(path), *args, stdout=out, stderr=err)
            status = 0
        except CommandError as error:
            status = error.returncode
        return out.getvalue(), err.getvalue(), status

    def test_good_rows_are_added_once_and_bad_ones_named(self):
        taras = Customer.objects.create(name="Taras")
        path = self.tmp / "balances.csv"
        path.write_text(CSV.format(taras=taras.pk), encoding="cp1251")
        out, err, status = self.run_import(path)
        self.assertEqual(status, 1)
        self.assertIn("2 rows added, 0 already imported, 3 rejected.", out)
        self.assertIn("balances.csv:4: customer:", err)
        self.assertIn("balances.csv:5: points: not a whole number", err)
        self.assertIn("balances.csv:6: date:", err)
        self.assertEqual(Account.objects.get(customer=self.olena).balance, 250)
        self.assertEqual(Account.objects.get(customer=taras).balance, -30)
        moved = Entry.objects.get(account__customer=self.olena)
        self.assertEqual((moved.kind, moved.reason, moved.at.date().isoformat()),
                         (Kind.ADJUST, "Старая карта", "2026-02-01"))
        # Again: nothing changes.
        out, err, status = self.run_import(path)
        self.assertIn("0 rows added, 2 already imported, 3 rejected.", out)
        self.assertEqual(Entry.objects.count(), 2)
        self.assertEqual(differences(), [])

    def test_a_file_without_a_points_column_writes_nothing(self):
        path = self.tmp / "wrong.csv"
        path.write_text("customer,amount\nshop:C-7,5\n", encoding="utf-8")
        out, err, status = self.run_import(path)
        self.assertEqual(status, 1)
        self.assertIn("wrong.csv:1: points: no column for it in the header", err)
        self.assertFalse(Entry.objects.exists())

    def setUp(self):
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.tmp = Path(folder.name)
