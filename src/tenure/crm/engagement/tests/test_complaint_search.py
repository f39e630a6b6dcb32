"""Complaints are found by their text folded as customers are, on SQLite and PostgreSQL alike.

SQLite's own LIKE folds Latin letters only: before the folded column, "разбитой" did not
find "РАЗБИТОЙ" there (while PostgreSQL did), and "пришел" found "пришёл" nowhere.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import quote

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint
from tenure.crm.lib.search import fold
from tenure.crm.testing import TenureTestCase

DESCRIPTION = "Посылка пришла РАЗБИТОЙ, курьер пришёл поздно"


class ComplaintSearchTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.customer = Customer.objects.create(name="Ann", manager=cls.manager)
        now = timezone.now()
        cls.complaint = Complaint.objects.create(
            customer=cls.customer, category="delivery", severity="high",
            description=DESCRIPTION, opened_at=now, due_at=now + timedelta(days=1))

    def found(self, query: str, user=None) -> list[Complaint]:
        self.login(user or self.admin)
        r = self.client.get(f"/search/?q={quote(query)}")
        self.assertEqual(r.status_code, 200)
        sections = {found.section.key: found.hits for found in r.context["results"]}
        return [hit.title for hit in sections.get("complaints", [])]

    def test_words_are_found_in_any_case_and_without_their_accents(self):
        mine = [str(self.complaint)]
        self.assertEqual(self.found("разбитой"), mine)
        self.assertEqual(self.found("ПОСЫЛКА"), mine)
        self.assertEqual(self.found("пришел курьер"), mine)  # "ё" typed as "е"
        self.assertEqual(self.found("разбитой целой"), [])  # every word must be there
        self.assertEqual(self.found("доставка"), [])

    def test_only_complaints_the_user_may_see_are_found(self):
        self.assertEqual(self.found("разбитой", self.manager), [str(self.complaint)])
        self.assertEqual(self.found("разбитой", self.other_manager), [])

    def test_an_edit_of_the_description_is_found_and_the_old_words_are_not(self):
        self.complaint.description = "Ручка отломилась"
        self.complaint.save(update_fields=["description"])
        self.complaint.refresh_from_db()
        self.assertEqual(self.complaint.search_text, "ручка отломилась")
        self.assertEqual(self.found("отломилась"), [str(self.complaint)])
        self.assertEqual(self.found("разбитой"), [])

    def test_the_migration_fills_the_column_of_existing_rows(self):
        Complaint.objects.update(search_text="")
        migration = __import__(
            "tenure.crm.engagement.migrations.0005_complaint_search_text", fromlist=["fill"])
        migration.fill(apps, SimpleNamespace(connection=connection))
        self.assertEqual(Complaint.objects.get().search_text,
                         "посылка пришла разбитой, курьер пришел поздно")

    def test_the_demo_loader_folds_the_complaints(self):
        call_command("demo_data", stdout=io.StringIO(), no_progress=True, customers=60,
                     seed=3, end_date=date(2025, 6, 30))
        demo = list(Complaint.objects.filter(source="demo"))
        self.assertTrue(demo)
        for complaint in demo:
            self.assertEqual(complaint.search_text, fold(complaint.description))


class OrderCustomerPickerTestCase(TenureTestCase):
    """A new order's customer is found as the customer list finds them."""

    def test_a_lower_case_cyrillic_fragment_or_the_last_digits_of_a_phone_find_them(self):
        Customer.objects.create(name="Евсеев Пётр", phone="+380502529744",
                                manager=self.manager)
        self.login(self.admin)
        for query in ("евсеев", "ПЁТР", "петр", "9744"):
            r = self.client.get(f"/sales/orders/new/?q={quote(query)}")
            self.assertEqual([c.name for c in r.context["found"]], ["Евсеев Пётр"], query)
        self.assertEqual(list(self.client.get("/sales/orders/new/?q=иванов").context["found"]),
                         [])
        self.login(self.other_manager)
        self.assertEqual(list(self.client.get("/sales/orders/new/?q=евсеев").context["found"]),
                         [])
