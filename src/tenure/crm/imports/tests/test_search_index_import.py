"""Customers an import creates are indexed for search in one statement at its end, and the
index holds exactly the customers' columns afterwards (SQLite's FTS5 index)."""

from __future__ import annotations

from unittest import skipUnless

from django.db import connection, transaction

from tenure.crm.customers import search_index
from tenure.crm.customers.models import Customer
from tenure.crm.customers.tests.test_search_index import check_index, indexed
from tenure.crm.imports.running import run_import
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

sqlite_only = skipUnless(connection.vendor == "sqlite" and search_index.supported(),
                         "the FTS5 index is SQLite's")
TRIGGER = f"{search_index.TABLE}_insert"


def has_insert_trigger() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [TRIGGER])
        return cursor.fetchone() is not None


@sqlite_only
class ImportIndexingTestCase(TenureTestCase):
    def test_imported_customers_and_those_an_order_import_creates_are_indexed(self):
        earlier = Customer.objects.create(name="Марта Стус")
        files = TempFiles(self)
        run_import("customers", files.text("c.csv", "id,name,phone\n"
                                           "c1,Богдан Шевчук,+380501112233\n"
                                           "c2,Ірина Бойко,\n"),
                   user=self.admin, rejects_path=files.path("r.csv"))
        run_import("orders", files.text("o.csv", "order,customer,name,date,total\n"
                                        "o1,c9,Тарас Мельник,2026-03-01,10\n"),
                   user=self.admin, rejects_path=files.path("r2.csv"))
        check_index()
        self.assertTrue(has_insert_trigger())
        for name in ("шевчук", "бойко", "мельник", "стус"):
            found = indexed(name)
            self.assertEqual(len(found), 1, name)
        self.assertEqual(indexed("стус"), [earlier.pk])
        self.assertEqual(len(indexed("1112233", "phone_digits")), 1)
        # Saved one by one afterwards: the trigger is back.
        later = Customer.objects.create(name="Оксана Левчук")
        self.assertEqual(indexed("левчук"), [later.pk])

    def test_a_failed_insert_leaves_the_trigger_and_the_index_as_they_were(self):
        with self.assertRaises(ValueError), transaction.atomic(), search_index.inserting():
            Customer.objects.create(name="Не буде")
            raise ValueError("the import stops")
        self.assertTrue(has_insert_trigger())
        self.assertEqual(indexed("буде"), [])
        check_index()
