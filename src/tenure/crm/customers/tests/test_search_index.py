"""The trigram index that serves customer search on SQLite, and the index-first reading
on PostgreSQL: the same customers found as a LIKE over every row would find."""

from __future__ import annotations

from unittest import skipUnless
from urllib.parse import quote

from django.core.management import call_command
from django.db import connection

from tenure.crm.customers import search_index
from tenure.crm.customers.models import Customer, refresh_search_columns
from tenure.crm.testing import TenureTestCase

sqlite_only = skipUnless(connection.vendor == "sqlite", "the FTS5 index is SQLite's")
postgresql_only = skipUnless(connection.vendor == "postgresql", "a planner setting")


def indexed(fragment: str, column: str = "search_text") -> list[int]:
    """Return the customers the FTS5 index itself finds ``fragment`` in."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {search_index.TABLE} WHERE {search_index.TABLE} "
                       "MATCH %s ORDER BY rowid", [f'{column} : "{fragment}"'])
        return [pk for (pk,) in cursor.fetchall()]


def check_index() -> None:
    """Raise unless the index holds exactly the customers' current columns."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {search_index.TABLE} ({search_index.TABLE}) "
                       "VALUES ('integrity-check')")


class SearchIndexTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Олена Ковальчук", phone="+380671234567",
                                            city="Львів", notes='Знижка 10% "VIP", код a_b')
        cls.ivan = Customer.objects.create(name="Іван Ол", email="ivan@example.com",
                                           phone="+380509876543", city="Київ")

    def found(self, query: str) -> list[str]:
        self.login(self.marketer)
        r = self.client.get(f"/customers/?q={quote(query)}")
        self.assertEqual(r.status_code, 200)
        top = self.client.get(f"/search/?q={quote(query)}")
        self.assertEqual(top.status_code, 200)
        names = [c.name for c in r.context["rows"]]
        customers = next((f for f in top.context["results"] if f.section.key == "customers"),
                         None)
        self.assertEqual([hit.title for hit in customers.hits] if customers else [], names,
                         "the top bar and the list find the same customers")
        return names

    def test_a_short_word_and_a_long_one_are_both_matched(self):
        self.assertEqual(self.found("ол"), ["Іван Ол", "Олена Ковальчук"])
        self.assertEqual(self.found("ол ковальчук"), ["Олена Ковальчук"])
        self.assertEqual(self.found("ов"), ["Олена Ковальчук"])
        self.assertEqual(self.found("вальч"), ["Олена Ковальчук"])
        self.assertEqual(self.found("вальч київ"), [])

    def test_a_run_of_digits_finds_the_phone(self):
        self.assertEqual(self.found("4567"), ["Олена Ковальчук"])
        self.assertEqual(self.found("050 987"), ["Іван Ол"])
        self.assertEqual(self.found("3805"), ["Іван Ол"])
        self.assertEqual(self.found("4568"), [])

    def test_quotes_wildcards_and_search_syntax_are_plain_characters(self):
        self.assertEqual(self.found('"vip"'), ["Олена Ковальчук"])
        self.assertEqual(self.found("10%"), ["Олена Ковальчук"])
        self.assertEqual(self.found("a_b"), ["Олена Ковальчук"])
        self.assertEqual(self.found("a%b"), [])
        for query in ('"', '"""', "vip*", "NOT vip", "ol AND", "(ол", "search_text : ол",
                      "a_", "%%%"):
            with self.subTest(query=query):
                self.found(query)  # answers 200, whatever it finds

    @sqlite_only
    def test_the_index_exists_after_migrate(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s",
                           [f"{search_index.TABLE}%"])
            names = {name for (name,) in cursor.fetchall()}
        self.assertLessEqual({search_index.TABLE, *search_index.TRIGGERS}, names)
        self.assertEqual(indexed("вальч"), [self.olena.pk])
        check_index()

    @sqlite_only
    def test_every_write_is_reflected_in_the_index(self):
        self.olena.name = "Олена Шевчук"
        self.olena.save()
        self.assertEqual(indexed("вальч"), [])
        self.assertEqual(indexed("шевчук"), [self.olena.pk])
        self.assertEqual(self.found("шевчук"), ["Олена Шевчук"])
        # A bulk write that skips save() and then recomputes the columns.
        Customer.objects.filter(pk=self.ivan.pk).update(city="Одеса")
        refresh_search_columns([self.ivan.pk])
        self.assertEqual(self.found("одеса"), ["Іван Ол"])
        self.assertEqual(self.found("київ"), [])
        # Plain SQL, as the importer and the bench write.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE customers_customer SET phone_digits = '380441112233' "
                           "WHERE id = %s", [self.ivan.pk])
        self.assertEqual(indexed("1112233", "phone_digits"), [self.ivan.pk])
        self.assertEqual(indexed("9876543", "phone_digits"), [])
        self.ivan.delete()
        self.assertEqual(indexed("одеса"), [])
        self.assertEqual(self.found("ол"), ["Олена Шевчук"])
        check_index()

    @sqlite_only
    def test_migrate_puts_back_triggers_a_table_rebuild_dropped(self):
        with connection.cursor() as cursor:
            for name in search_index.TRIGGERS:  # as Django's rebuild of the table drops them
                cursor.execute(f"DROP TRIGGER {name}")
        Customer.objects.filter(pk=self.olena.pk).update(search_text="олена мельник")
        self.assertEqual(indexed("мельник"), [])  # the index fell behind
        call_command("migrate", verbosity=0)
        self.assertEqual(indexed("мельник"), [self.olena.pk])
        self.assertEqual(self.found("мельник"), ["Олена Ковальчук"])
        check_index()

    @postgresql_only
    def test_postgresql_reads_through_the_indexes_only_for_words_that_have_trigrams(self):
        def seqscan() -> str:
            with connection.cursor() as cursor:
                cursor.execute("SHOW enable_seqscan")
                return cursor.fetchone()[0]

        with search_index.through_indexes("вальч 4567"):
            self.assertEqual(seqscan(), "off")
        self.assertEqual(seqscan(), "on")
        with search_index.through_indexes("ол ковальчук"):
            self.assertEqual(seqscan(), "on")
