from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tenure.crm.customers.models import Customer
from tenure.crm.imports.models import ImportRun
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

from .files import run_command

CDNOW = Path("/work/shared/data/cdnow/CDNOW_master.txt")


def cdnow_by_hand() -> tuple[int, set[str], Decimal]:
    """Return rows, customer ids and the dollar total of the CDNOW log, read with split()."""
    rows, customers, total = 0, set(), Decimal("0")
    with CDNOW.open() as source:
        next(source)
        for line in source:
            if not line.strip():
                continue
            customer, _date, _cds, dollars = line.split()
            rows += 1
            customers.add(customer)
            total += Decimal(dollars)
    return rows, customers, total


class CdnowTestCase(TenureTestCase):
    def test_it_imports_the_cdnow_log_as_orders_and_again_as_unchanged(self):
        rows, customers, total = cdnow_by_hand()
        self.assertEqual((rows, len(customers)), (69_659, 23_570))

        code, out, _err = run_command("orders", str(CDNOW), "--map", "dollar_value=amount",
                                  "--source", "cdnow", "--no-progress")

        self.assertEqual(code, 0)
        self.assertIn("69659 rows read, 69659 inserted, 0 updated, 0 unchanged, 0 rejected", out)
        self.assertEqual(Order.objects.filter(source="cdnow").count(), rows)
        self.assertEqual(set(Customer.objects.filter(source="cdnow")
                             .values_list("external_id", flat=True)), customers)
        # Summed in Python: SQLite's SUM() of a decimal column goes through floats.
        revenue = sum(Order.objects.filter(source="cdnow").values_list("total", flat=True))
        self.assertEqual(revenue, total)
        # Customer 00002 bought twice on 1997-01-12: two orders, 12.00 and 77.00.
        two = Order.objects.filter(customer__external_id="00002",
                                   ordered_at__date="1997-01-12").order_by("external_id")
        self.assertEqual([(o.external_id, o.total) for o in two],
                         [("00002-19970112-1", Decimal("12.00")),
                          ("00002-19970112-2", Decimal("77.00"))])

        code, out, _err = run_command("orders", str(CDNOW), "--source", "cdnow",
                                  "--no-progress")

        self.assertEqual(code, 0)
        self.assertIn("69659 rows read, 0 inserted, 0 updated, 69659 unchanged, 0 rejected", out)
        self.assertEqual(Order.objects.filter(source="cdnow").count(), rows)
        self.assertEqual(ImportRun.objects.filter(file_name="CDNOW_master.txt").count(), 2)
