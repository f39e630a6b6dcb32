"""Dates and amounts out of range in imported files: each row refused with its reason,
never stored to break a page or a scheduled job later."""

from __future__ import annotations

from datetime import UTC, datetime

from tenure.crm.imports.parsing import parse_date, parse_datetime, parse_money, parse_quantity
from tenure.crm.imports.running import run_import
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

OUTSIDE = "date outside 1900-01-01 – 2100-12-31"


class OutOfRangeParsingTestCase(TenureTestCase):
    def test_it_refuses_dates_before_1900_and_after_2100(self):
        for text in ("0001-01-01", "1899-12-31", "2101-01-01", "31.12.9999", "99991231",
                     "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
            with self.subTest(text=text):
                with self.assertRaisesMessage(ValueError, OUTSIDE):
                    parse_datetime(text)
                with self.assertRaisesMessage(ValueError, OUTSIDE):
                    parse_date(text)
        self.assertEqual(parse_datetime("1900-01-01"), datetime(1900, 1, 1, tzinfo=UTC))

    def test_it_refuses_amounts_beyond_the_limit_with_a_reason(self):
        for text in ("1e30", "-1e30", "1e999999", "999999999999.995"):
            with self.subTest(text=text):
                with self.assertRaisesMessage(ValueError, "amount too large"):
                    parse_money(text)
        with self.assertRaisesMessage(ValueError, "quantity too large"):
            parse_quantity("1e30")
        self.assertEqual(str(parse_money("999999999999.99")), "999999999999.99")


class OutOfRangeImportTestCase(TenureTestCase):
    def test_the_import_rejects_an_order_dated_0001_01_01_and_an_amount_of_1e30(self):
        files = TempFiles(self)
        path = files.text("orders.csv", "order_id,customer,date,total\n"
                                        "1,c1,0001-01-01,10\n2,c1,2026-03-01,1e30\n"
                                        "3,c1,9999-12-31 23:59,5\n4,c1,2026-03-01,12.50\n")
        result = run_import("orders", path, rejects_path=files.path("rejects.csv"))
        self.assertEqual((result.inserted, result.rejected), (1, 3))
        rejects = files.path("rejects.csv").read_text(encoding="utf-8-sig")
        self.assertIn("0001-01-01,date outside 1900-01-01 – 2100-12-31", rejects)
        self.assertIn("1e30,amount too large", rejects)
        self.assertIn("9999-12-31 23:59,date outside 1900-01-01 – 2100-12-31", rejects)
        self.assertEqual(list(Order.objects.values_list("external_id", flat=True)), ["4"])
