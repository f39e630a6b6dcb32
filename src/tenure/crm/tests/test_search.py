"""Search that finds people: folded text and phone digits, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tenure.crm.customers.merging import merge_customers, undo_merge
from tenure.crm.customers.models import SEARCH_SOURCES, Customer, search_columns
from tenure.crm.engagement.models import Complaint
from tenure.crm.imports.running import run_import
from tenure.crm.imports.tests.files import TempFiles
from tenure.crm.lib.search import fold, phone_digits_of
from tenure.crm.privacy.erasing import erase
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase


def columns_of(customer: Customer) -> tuple[str, str]:
    """Return the search columns as stored, beside what save() would fold them to."""
    customer.refresh_from_db()
    return customer.search_text, customer.phone_digits


def folded(customer: Customer) -> tuple[str, str]:
    return search_columns(*(getattr(customer, name) for name in SEARCH_SOURCES))


class FoldTestCase(TenureTestCase):
    def test_it_folds_case_and_accents_but_keeps_letters_of_their_own(self):
        self.assertEqual(fold("Евсеев"), "евсеев")
        self.assertEqual(fold("José Ñandú"), "jose nandu")
        self.assertEqual(fold("Ёлкин"), "елкин")
        # "й" and "ї" are letters, not "и" and "і" with an accent.
        self.assertEqual(fold("Йосип Їжак"), "йосип їжак")
        self.assertNotEqual(fold("Сергій"), fold("Сергіи"))
        self.assertEqual(fold("Мар’яна"), fold("Мар'яна"))

    def test_it_takes_the_digits_of_phone_like_queries_only(self):
        self.assertEqual(phone_digits_of("252-9744"), "2529744")
        self.assertEqual(phone_digits_of("9744"), "9744")
        self.assertEqual(phone_digits_of("974"), "")
        self.assertEqual(phone_digits_of("(050) 252-97-44"), "502529744")
        self.assertEqual(phone_digits_of("+38 050 252 97 44"), "380502529744")
        self.assertEqual(phone_digits_of("C-1234"), "")


@override_settings(TENURE_PHONE_REGION="UA")
class CustomerSearchTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.evseev = Customer.objects.create(
            name="Евсеев Пётр", email="evseev@example.com", phone="+380502529744",
            city="Київ", manager=cls.manager)
        cls.jose = Customer.objects.create(name="José García", email="jose@example.es",
                                           city="Madrid", notes="Prefers calls after 18:00",
                                           manager=cls.other_manager)
        cls.olena = Customer.objects.create(name="Олена Ковальчук", phone="+380671234567",
                                            city="Львів", notes="Постійна клієнтка, VIP")

    def found(self, query: str, user=None) -> list[str]:
        self.login(user or self.marketer)
        r = self.client.get(f"/customers/?q={quote(query)}")
        self.assertEqual(r.status_code, 200)
        return [c.name for c in r.context["rows"]]

    def test_a_lower_case_cyrillic_fragment_finds_the_customer(self):
        self.assertEqual(self.found("евсеев"), ["Евсеев Пётр"])
        self.assertEqual(self.found("ЕВСЕ"), ["Евсеев Пётр"])
        self.assertEqual(self.found("петр"), ["Евсеев Пётр"])  # ё typed as е

    def test_a_city_is_found_in_any_case(self):
        self.assertEqual(self.found("київ"), ["Евсеев Пётр"])
        self.assertEqual(self.found("ЛЬВІВ"), ["Олена Ковальчук"])

    def test_accents_do_not_matter(self):
        self.assertEqual(self.found("jose garcia"), ["José García"])
        self.assertEqual(self.found("GARCÍA"), ["José García"])

    def test_notes_and_email_are_searched(self):
        self.assertEqual(self.found("постійна"), ["Олена Ковальчук"])
        self.assertEqual(self.found("@EXAMPLE.ES"), ["José García"])

    def test_every_word_must_match_somewhere(self):
        self.assertEqual(self.found("олена львів"), ["Олена Ковальчук"])
        self.assertEqual(self.found("олена київ"), [])

    def test_a_phone_is_found_by_a_local_fragment_or_its_last_digits(self):
        for query in ("252-9744", "9744", "050 252 97 44", "+380502529744", "(050) 2529744"):
            with self.subTest(query=query):
                self.assertEqual(self.found(query), ["Евсеев Пётр"])
        self.assertEqual(self.found("974"), [])  # too few digits to mean a phone

    def test_a_sales_manager_finds_only_their_own_customers(self):
        self.assertEqual(self.found("example", user=self.manager), ["Евсеев Пётр"])
        self.assertEqual(self.found("jose", user=self.manager), [])
        self.assertEqual(self.found("jose", user=self.other_manager), ["José García"])

    def test_the_columns_follow_a_save_with_update_fields(self):
        self.evseev.name = "Ярослава Евсеева"
        self.evseev.save(update_fields=["name"])
        self.assertEqual(columns_of(self.evseev), folded(self.evseev))
        self.assertEqual(self.found("ярослава"), ["Ярослава Евсеева"])

    def test_the_edit_form_keeps_the_columns(self):
        self.login(self.admin)
        r = self.client.post(f"/customers/{self.olena.pk}/edit/", {
            "name": "Олена Шевчук", "email": "", "phone": "067 765 43 21", "city": "Одеса",
            "gender": "", "birth_date": "", "acquisition_channel": "", "acquired_on": "",
            "manager": "", "language": "", "time_zone": "", "notes": ""})
        self.assertRedirects(r, f"/customers/{self.olena.pk}/")
        self.assertEqual(self.found("шевчук"), ["Олена Шевчук"])
        self.assertEqual(self.found("одеса"), ["Олена Шевчук"])
        self.assertEqual(self.found("4321"), ["Олена Шевчук"])
        self.assertEqual(self.found("ковальчук"), [])

    def test_a_merge_and_its_undo_keep_the_columns(self):
        merge = merge_customers(self.olena, self.evseev, by=self.admin)
        self.olena.refresh_from_db()
        self.assertEqual(columns_of(self.olena), folded(self.olena))
        self.assertEqual(self.found("evseev@"), ["Олена Ковальчук"])  # the email filled in
        removed = undo_merge(merge, by=self.admin)
        self.assertEqual(columns_of(removed), folded(removed))
        self.olena.refresh_from_db()
        self.assertEqual(columns_of(self.olena), folded(self.olena))
        self.assertEqual(self.found("евсеев"), ["Евсеев Пётр"])
        self.assertEqual(self.found("evseev@"), ["Евсеев Пётр"])

    def test_an_erasure_empties_the_columns_and_those_of_notes_that_named_the_person(self):
        self.jose.notes = "Recommended by evseev@example.com"
        self.jose.save()
        self.assertEqual(self.found("evseev@"), ["José García", "Евсеев Пётр"])
        erase(self.evseev, by=self.admin)
        self.assertEqual(columns_of(self.evseev), ("", ""))
        self.assertEqual(columns_of(self.jose), folded(self.jose))
        self.assertEqual(self.found("евсеев"), [])
        self.assertEqual(self.found("9744"), [])
        self.assertEqual(self.found("evseev@"), [])

    def test_the_migration_fills_the_columns_of_existing_rows(self):
        Customer.objects.update(search_text="", phone_digits="")
        migration = __import__("tenure.crm.customers.migrations.0008_search_columns",
                               fromlist=["fill"])
        migration.fill(apps, SimpleNamespace(connection=connection))
        for customer in Customer.objects.all():
            self.assertEqual(columns_of(customer), folded(customer))
        self.assertEqual(self.found("київ"), ["Евсеев Пётр"])

    def test_the_order_list_finds_orders_by_a_folded_customer_or_phone_digits(self):
        Order.objects.create(external_id="A-1", customer=self.evseev, total=Decimal("10"),
                             ordered_at=timezone.now())
        self.login(self.marketer)
        for query in ("евсеев", "9744", "A-1"):
            with self.subTest(query=query):
                r = self.client.get(f"/sales/orders/?q={quote(query)}")
                self.assertEqual([o.external_id for o in r.context["rows"]], ["A-1"])
        r = self.client.get(f"/sales/orders/?q={quote('ковальчук')}")
        self.assertEqual(list(r.context["rows"]), [])


@override_settings(TENURE_PHONE_REGION="UA")
class WritersKeepTheColumnsTestCase(TenureTestCase):
    """Writers that bypass Customer.save(): the importer and the demo loader."""

    def setUp(self):
        self.files = TempFiles(self)

    def test_the_customer_import_fills_and_updates_the_columns(self):
        path = self.files.text("c.csv", "id;name;phone;city\n"
                                        "1;Євсеєва Марія;050 252 97 44;Київ\n")
        run_import("customers", path, user=self.admin, rejects_path=self.files.path("r.csv"))
        customer = Customer.objects.get(external_id="1")
        self.assertEqual(columns_of(customer), folded(customer))
        self.login(self.admin)
        self.assertContains(self.client.get("/customers/?q=євсеєва"), "Євсеєва Марія")
        # A file giving only the city folds it beside the stored name.
        path = self.files.text("c2.csv", "id;city\n1;Одеса\n")
        run_import("customers", path, user=self.admin, rejects_path=self.files.path("r2.csv"))
        customer.refresh_from_db()
        self.assertEqual((customer.city, columns_of(customer)), ("Одеса", folded(customer)))
        self.assertContains(self.client.get("/customers/?q=одеса+марія"), "Євсеєва Марія")

    def test_customers_created_by_an_order_import_are_searchable(self):
        path = self.files.text("o.csv", "order;customer;name;phone;date;total\n"
                                        "O-1;77;Ґалаґан Юрій;+380 50 111 22 33;2025-01-02;10\n")
        result = run_import("orders", path, user=self.admin,
                            rejects_path=self.files.path("r.csv"))
        self.assertEqual(result.rejected, 0)
        customer = Customer.objects.get(external_id="77")
        self.assertEqual(columns_of(customer), folded(customer))
        self.login(self.admin)
        self.assertContains(self.client.get("/customers/?q=ґалаґан"), "Ґалаґан Юрій")
        self.assertContains(self.client.get("/customers/?q=2233"), "Ґалаґан Юрій")

    def test_the_demo_loader_fills_the_columns(self):
        call_command("demo_data", stdout=io.StringIO(), no_progress=True, customers=40, seed=3,
                     end_date=date(2025, 6, 30))
        customers = list(Customer.objects.filter(source="demo"))
        self.assertEqual(len(customers), 40)
        for customer in customers:
            self.assertEqual((customer.search_text, customer.phone_digits), folded(customer))
        someone = next(c for c in customers if c.name)
        self.login(self.admin)
        r = self.client.get(f"/customers/?q={quote(someone.name.lower())}")
        self.assertIn(someone, r.context["rows"])


class TopBarSearchTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.mine = Customer.objects.create(name="Евсеев Пётр", phone="+380502529744",
                                           manager=cls.manager)
        cls.theirs = Customer.objects.create(name="Евсеева Ганна", manager=cls.other_manager)
        now = timezone.now()
        cls.my_order = Order.objects.create(external_id="N-100", customer=cls.mine,
                                            total=Decimal("12.50"), ordered_at=now)
        cls.their_order = Order.objects.create(external_id="N-200", customer=cls.theirs,
                                               total=Decimal("40"), ordered_at=now)
        cls.their_complaint = Complaint.objects.create(
            customer=cls.theirs, category="delivery", severity="high",
            description="Parcel arrived broken", opened_at=now, due_at=now + timedelta(days=1))

    def search(self, user, query: str, status: int = 200):
        self.login(user)
        r = self.client.get(f"/search/?q={quote(query)}")
        self.assertEqual(r.status_code, status)
        return r

    def hits(self, r) -> dict[str, list[str]]:
        return {found.section.key: [hit.title for hit in found.hits]
                for found in r.context["results"]}

    def test_it_finds_customers_orders_and_complaints(self):
        r = self.search(self.admin, "евсеев")
        hits = self.hits(r)
        self.assertEqual(hits["customers"], ["Евсеев Пётр", "Евсеева Ганна"])
        self.assertEqual(sorted(hits["orders"]), ["Order N-100", "Order N-200"])
        self.assertEqual(len(hits["complaints"]), 1)
        self.assertContains(r, "/customers/?q=%D0%B5%D0%B2%D1%81%D0%B5%D0%B5%D0%B2")
        self.assertContains(r, "/sales/orders/?q=")

    def test_it_finds_an_order_by_its_number_and_a_complaint_by_its_text(self):
        self.assertEqual(self.hits(self.search(self.admin, "N-200"))["orders"], ["Order N-200"])
        hits = self.hits(self.search(self.admin, "broken"))
        self.assertEqual(hits["complaints"], [str(self.their_complaint)])
        self.assertEqual(hits["customers"], [])

    def test_a_sales_manager_sees_only_their_own(self):
        hits = self.hits(self.search(self.manager, "евсеев"))
        self.assertEqual(hits["customers"], ["Евсеев Пётр"])
        self.assertEqual(hits["orders"], ["Order N-100"])
        self.assertEqual(hits.get("complaints", []), [])
        self.assertEqual(self.hits(self.search(self.manager, "N-200"))["orders"], [])
        self.assertNotContains(self.search(self.manager, "broken"), "Parcel")
        # The other manager sees theirs.
        hits = self.hits(self.search(self.other_manager, "broken"))
        self.assertEqual(hits["complaints"], [str(self.their_complaint)])

    def test_a_phone_fragment_finds_the_customer(self):
        self.assertEqual(self.hits(self.search(self.admin, "252-9744"))["customers"],
                         ["Евсеев Пётр"])

    def test_it_says_what_to_try_when_empty_or_nothing_is_found(self):
        self.assertContains(self.search(self.admin, ""), "the last digits of a phone number")
        r = self.search(self.admin, "zzzz")
        self.assertContains(r, "Nothing found for")
        self.assertContains(r, "the last digits of a phone number")

    def test_it_refuses_a_user_who_may_search_nothing(self):
        self.search(self.nobody, "евсеев", status=403)

    def test_it_refuses_bad_input_with_400(self):
        self.assertContains(self.search(self.admin, "x" * 201, status=400), "at most 200",
                            status_code=400)
        self.search(self.admin, "ab\x00c", status=400)

    def test_the_top_bar_has_the_search_box_on_staff_pages(self):
        self.login(self.manager)
        r = self.client.get("/customers/")
        self.assertContains(r, 'role="search" action="/search/"')
        self.login(self.nobody)
        self.assertNotContains(self.client.get("/accounts/password/"), 'action="/search/"')
