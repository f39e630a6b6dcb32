from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase

from tenure.crm.accounts.models import Role
from tenure.crm.accounts.roles import sync_roles
from tenure.crm.testing import make_user

from . import people
from .scanning import database_mentions, file_mentions


class ErasureOnDiskTestCase(TransactionTestCase):
    """The issue's test, on committed data: after ``tenure privacy erase`` the person is in
    no column of any table, in no byte of the SQLite database or its write-ahead log, and
    in no file under var/; the shop's revenue and order count are unchanged."""

    def setUp(self):
        sync_roles()
        self.admin = make_user("alice", Role.ADMINISTRATOR, is_staff=True)
        self.manager = make_user("bob", Role.SALES_MANAGER)
        self.shop = people.build(self.admin, self.manager)
        self.var = Path(settings.VAR_DIR)

    def database_bytes(self) -> bytes:
        if connection.vendor != "sqlite":
            return b""
        name = connection.settings_dict["NAME"]
        return b"".join(Path(name + suffix).read_bytes() for suffix in ("", "-wal")
                        if Path(name + suffix).exists())

    def on_disk(self, values: list[str]) -> list[str]:
        data = self.database_bytes().lower()
        return [value for value in values if value.lower().encode() in data]

    def test_it_leaves_no_trace_in_the_database_files_or_under_var(self):
        values = people.identifiers()
        figures = people.figures()
        if connection.vendor == "sqlite":
            self.assertIn(people.ZOLTAN["email"], self.on_disk(values))
        self.assertTrue(database_mentions(values))
        self.assertTrue(file_mentions(self.var, values))

        call_command("privacy", "erase", "--customer", str(self.shop.zoltan.pk), "--yes")

        self.assertEqual(database_mentions(values), [])
        self.assertEqual(self.on_disk(values), [])
        self.assertEqual(file_mentions(self.var, values), [])
        self.assertEqual(people.figures(), figures)
        # Olha is still there, on disk too.
        self.assertNotEqual(database_mentions([people.OLHA["email"]]), [])
        if connection.vendor == "sqlite":
            self.assertEqual(self.on_disk([people.OLHA["email"]]), [people.OLHA["email"]])

    def test_sqlite_connections_zero_what_they_delete(self):
        if connection.vendor != "sqlite":
            self.skipTest("secure_delete is SQLite's")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            self.assertEqual(cursor.fetchone()[0], 1)
