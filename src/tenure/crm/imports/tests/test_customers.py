from __future__ import annotations

import csv
import datetime as dt

import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tenure.crm.customers.models import ConsentChange, Customer, CustomerAssignment
from tenure.crm.imports.running import run_import
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

CLIENTS = (
    "Код клиента;ФИО;Телефон;Почта;Дата рождения;Пол;Город;Менеджер;Теги;Согласие на email;"
    "Кто привел\n"
    "1;Іван Петренко;067 123 45 67;ivan@example.com;05.03.1990;чоловіча;Київ;bob;vip, опт;так;\n"
    "2;Олена;+380 44 000 00 00;;1985-12-31;ж;Львів;carol@example.com;vip;ні;1\n"
    "3;Bad;12;not-an-email;;abc;;nobody-here;;maybe;\n"
    "4;Referred;;;;;;;;;5\n"
    "5;Referrer;;;;;;;;;\n"
)


@override_settings(TENURE_PHONE_REGION="UA")
class CustomersImportTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)
        self.manager.email = "bob@example.com"
        self.manager.save()
        self.other_manager.email = "carol@example.com"
        self.other_manager.save()

    def test_it_imports_profiles_tags_managers_consents_and_referrers(self):
        result = run_import("customers", self.files.text("c.csv", CLIENTS), user=self.admin,
                            rejects_path=self.files.path("r.csv"), consent_source="written_form",
                            consent_wording="I agree to receive emails.")

        self.assertEqual((result.rows, result.inserted, result.rejected), (5, 4, 1))
        ivan = Customer.objects.get(external_id="1")
        self.assertEqual(
            (ivan.name, ivan.phone, ivan.email, ivan.birth_date, ivan.gender, ivan.city,
             ivan.manager, ivan.consent_email),
            ("Іван Петренко", "+380671234567", "ivan@example.com", dt.date(1990, 3, 5), "m",
             "Київ", self.manager, True),
        )
        self.assertEqual(sorted(ivan.tags.values_list("name", flat=True)), ["vip", "опт"])
        olena = Customer.objects.get(external_id="2")
        self.assertEqual((olena.phone, olena.gender, olena.manager, olena.referred_by),
                         ("+380440000000", "f", self.other_manager, ivan))
        self.assertEqual(Customer.objects.get(external_id="4").referred_by.external_id, "5")
        self.assertEqual(
            sorted(ConsentChange.objects.values_list(
                "customer__external_id", "channel", "granted", "source", "wording", "file_name",
                "changed_by")),
            [("1", "email", True, "written_form", "I agree to receive emails.", "c.csv",
              self.admin.pk),
             ("2", "email", False, "import_file", "", "c.csv", self.admin.pk)],
        )
        with self.files.path("r.csv").open(encoding="utf-8-sig") as source:
            problems = [line[:4] for line in csv.reader(source)][1:]
        self.assertEqual(problems, [
            ["4", "Телефон", "12", "too short for a phone number: write the number with its "
                                   "country code after a +, for example +380 50 123 4567"],
            ["4", "Почта", "not-an-email", "not an email address"],
            ["4", "Пол", "abc", "unknown gender"],
            ["4", "Менеджер", "nobody-here", "unknown user"],
            ["4", "Согласие на email", "maybe", "not yes or no"],
        ])

    def test_it_records_only_consents_that_change(self):
        run_import("customers", self.files.text("c.csv", CLIENTS), consent_source="web_form",
                   consent_wording="Email me.")
        changed = CLIENTS.replace(";vip, опт;так;", ";vip, опт;ні;").replace(";vip;ні;1", ";vip;;1")

        result = run_import("customers", self.files.text("c.csv", changed))

        self.assertEqual((result.updated, result.unchanged), (1, 3))
        self.assertFalse(Customer.objects.get(external_id="1").consent_email)
        self.assertFalse(Customer.objects.get(external_id="2").consent_email)
        self.assertEqual(ConsentChange.objects.filter(customer__external_id="1").count(), 2)
        self.assertEqual(ConsentChange.objects.filter(customer__external_id="2").count(), 1)

    def test_it_rejects_an_unknown_referrer_and_joins_first_and_last_names(self):
        path = self.files.text("c.csv", "id,first name,last name,referred by\n"
                                        "a,Ann,Lee,\nb,Bo,,zzz\nc,,Roe,c\n")

        result = run_import("customers", path)

        self.assertEqual((result.inserted, result.rejected), (1, 2))
        self.assertEqual(Customer.objects.get().name, "Ann Lee")


class CustomersImportAssignmentsTestCase(TenureTestCase):
    """An import keeps the history of managers: a new customer's manager since they
    began, a changed one from the import on, an unchanged one untouched."""

    def setUp(self):
        self.files = TempFiles(self)

    def load(self, name: str, text: str):
        return run_import("customers", self.files.text(name, text), user=self.admin)

    def history(self, external_id: str) -> list[tuple]:
        return list(CustomerAssignment.objects.filter(customer__external_id=external_id)
                    .order_by("pk").values_list("manager__username", "started_at", "ended_at",
                                                "assigned_by__username"))

    def test_it_records_the_managers_it_gives(self):
        first = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
        with time_machine.travel(first, tick=False):
            self.load("a.csv", "id;name;manager;acquired on\n1;Ivan;bob;2025-02-03\n"
                               "2;Olena;carol;\n3;Petro;bob;2026-06-01\n4;Nobody;;\n")
        self.assertEqual(self.history("1"),
                         [("bob", dt.datetime(2025, 2, 3, tzinfo=dt.UTC), None, "alice")])
        # No acquisition date, or one after the import: since the record was created.
        self.assertEqual(self.history("2"), [("carol", first, None, "alice")])
        self.assertEqual(self.history("3"), [("bob", first, None, "alice")])
        self.assertEqual(self.history("4"), [])

        second = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
        with time_machine.travel(second, tick=False):
            self.load("b.csv", "id;name;manager\n1;Ivan;carol\n2;Olena;carol\n3;Petro;\n"
                               "4;Nobody;bob\n")
        self.assertEqual(self.history("1"),
                         [("bob", dt.datetime(2025, 2, 3, tzinfo=dt.UTC), second, "alice"),
                          ("carol", second, None, "alice")])
        self.assertEqual(self.history("2"), [("carol", first, None, "alice")])
        self.assertEqual(self.history("3"), [("bob", first, second, "alice")])
        self.assertEqual(self.history("4"), [("bob", second, None, "alice")])
        self.assertEqual(
            dict(Customer.objects.values_list("external_id", "manager__username")),
            {"1": "carol", "2": "carol", "3": None, "4": "bob"})

    def test_it_writes_the_history_in_a_few_statements_whatever_the_size(self):
        def statements(name: str, count: int) -> int:
            rows = "".join(f"{name}{n};{name} {n};bob\n" for n in range(count))
            with CaptureQueriesContext(connection) as queries:
                self.load(f"{name}.csv", "id;name;manager\n" + rows)
            return sum("customerassignment" in q["sql"].lower() for q in queries)

        self.assertEqual(statements("a", 3), statements("b", 300))
        self.assertEqual(CustomerAssignment.objects.filter(manager=self.manager).count(), 303)
