"""A file `tenure analyze` reads, `tenure import` reads: one date grammar for both."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import ibis
from django.test import override_settings

from tenure.analytics import frames
from tenure.analytics.exceptions import InputError
from tenure.crm.imports.running import run_import
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

KYIV = ZoneInfo("Europe/Kyiv")
# Read alike by both, as the same wall time in the shop's zone.
READ = ["2024-03-05", "2024-3-5", "2024-03-05 9:05", "2024-03-05T14:30:15",
        "2024-03-05 14:30:15.5", "05.03.2024", "5.3.2024 14:30", "05.03.24",
        "05/03/2024 14:30:15", "2024.03.05", "2024/03/05", "19970101"]
# Refused by both.
NOT_DATES = ["2024-02-30", "2024-03-05 24:00", "2024-W10-2", "20240305T1430", "12.31.2024",
             "5 March 2024"]


@override_settings(TIME_ZONE="Europe/Kyiv")
class DateGrammarTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)

    def orders_file(self, dates: list[str]):
        lines = ["order_id,customer_id,date,amount"]
        lines += [f"o{i},c{i},{text},10" for i, text in enumerate(dates)]
        return self.files.text("orders.csv", "\n".join(lines) + "\n")

    def analyzed(self, path) -> list[datetime]:
        table = frames.transactions(path, con=ibis.duckdb.connect())
        rows = table.order_by(table.order_id.length(), table.order_id).to_pyarrow()
        return rows.column("time").to_pylist()

    def test_both_read_the_same_dates_as_the_same_times(self):
        path = self.orders_file(READ)
        result = run_import("orders", path)
        self.assertEqual((result.inserted, result.rejected), (len(READ), 0))
        imported = {o.external_id: o.ordered_at.astimezone(KYIV).replace(tzinfo=None)
                    for o in Order.objects.all()}
        self.assertEqual([imported[f"o{i}"] for i in range(len(READ))], self.analyzed(path))

    def test_both_refuse_the_same_texts(self):
        rejects = self.files.path("rejects.csv")
        result = run_import("orders", self.orders_file(NOT_DATES), rejects_path=rejects)
        self.assertEqual((result.inserted, result.rejected), (0, len(NOT_DATES)))
        with rejects.open(encoding="utf-8-sig", newline="") as source:
            reasons = [(line[2], line[3]) for line in list(csv.reader(source))[1:]]
        self.assertEqual(reasons, [(text, "not a date") for text in NOT_DATES])
        for text in NOT_DATES:
            with self.subTest(text), self.assertRaisesRegex(InputError, "cannot be read"):
                self.analyzed(self.orders_file([text]))

    def test_an_offset_is_applied_by_the_import_only(self):
        # The analysis keeps the wall time written; the import stores the moment.
        path = self.orders_file(["2024-03-05T14:30:00Z"])
        run_import("orders", path)
        self.assertEqual(Order.objects.get().ordered_at, datetime(2024, 3, 5, 14, 30, tzinfo=UTC))
        self.assertEqual(self.analyzed(path), [datetime(2024, 3, 5, 14, 30)])

    def test_the_import_keeps_its_range_of_years(self):
        rejects = self.files.path("rejects.csv")
        path = self.orders_file(["1899-12-31", "2101-01-01"])
        result = run_import("orders", path, rejects_path=rejects)
        self.assertEqual(result.rejected, 2)
        with rejects.open(encoding="utf-8-sig", newline="") as source:
            reasons = {line[3] for line in list(csv.reader(source))[1:]}
        self.assertEqual(reasons, {"date outside 1900-01-01 – 2100-12-31"})
        self.assertEqual(len(self.analyzed(path)), 2)
