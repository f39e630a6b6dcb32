from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenure.crm.catalog.models import Product
from tenure.crm.customers.merging import merge_customers
from tenure.crm.customers.models import Customer, CustomerAlias
from tenure.crm.engagement.models import Complaint, Interaction
from tenure.crm.imports.running import run_import, summary
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def problems(path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as source:
        return [line[:4] for line in csv.reader(source)][1:]


def aliases() -> list[tuple[str, str, str]]:
    return sorted(CustomerAlias.objects.values_list("source", "external_id", "customer__name"))


@override_settings(TENURE_PHONE_REGION="UA")
class ImportMatchingTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)

    def run_file(self, kind: str, content: str, **options):
        path = self.files.text(f"{kind}.csv", content)
        return run_import(kind, path, rejects_path=self.files.path(f"{kind}.rejects.csv"),
                          **options)

    def test_it_finds_a_customer_of_another_source_instead_of_adding_a_nameless_one(self):
        self.run_file("customers", "id,name\nc1,Ann Smith\n", source="shop")
        ann = Customer.objects.get()

        result = self.run_file("orders", "order,customer,date,amount\no1,c1,2024-01-01,10\n")

        self.assertEqual(Customer.objects.count(), 1)
        self.assertEqual(Order.objects.get().customer, ann)
        self.assertEqual((result.inserted, result.new_customers), (1, 0))
        self.assertEqual(result.matched, {"other_source": 1})
        self.assertIn("; existing customers: 1 matched by external id in another source",
                      summary(result))
        self.assertEqual(aliases(), [("import", "c1", "Ann Smith")])

    def test_it_finds_them_again_by_the_alias_it_remembered(self):
        self.run_file("customers", "id,name\nc1,Ann Smith\n", source="shop")
        orders = "order,customer,date,amount\no1,c1,2024-01-01,10\n"
        self.run_file("orders", orders)

        again = self.run_file("orders", orders + "o2,c1,2024-02-01,20\n")

        self.assertEqual((again.inserted, again.unchanged, again.new_customers), (1, 1, 0))
        self.assertEqual(again.matched, {"alias": 1})
        self.assertEqual(Customer.objects.count(), 1)

    def test_it_matches_order_lines_interactions_and_complaints_across_sources(self):
        ann = Customer.objects.create(source="shop", external_id="c1", name="Ann")
        Product.objects.create(sku="A", name="A")

        lines = self.run_file("order-lines", "order,customer,date,sku,qty,price\n"
                                             "o1,c1,2024-01-01,A,1,10\n")
        contacts = self.run_file("interactions", "id,customer,kind,date\n"
                                                 "i1,c1,call,2024-01-02\n"
                                                 "i2,zz,call,2024-01-02\n")
        complaints = self.run_file("complaints", "id,customer,category,opened\n"
                                                 "k1,c1,delivery,2024-01-03\n")

        self.assertEqual(Customer.objects.count(), 1)
        self.assertEqual(lines.new_customers, 0)
        self.assertEqual(Order.objects.get().customer, ann)
        self.assertEqual(Interaction.objects.get().customer, ann)
        self.assertEqual(Complaint.objects.get().customer, ann)
        self.assertEqual((lines.matched, contacts.matched, complaints.matched),
                         ({"other_source": 1}, {"alias": 1}, {"alias": 1}))
        self.assertEqual(problems(self.files.path("interactions.rejects.csv")), [
            ["3", "customer", "zz", "unknown customer; import the customers first"],
        ])

    def test_it_matches_by_email_then_by_phone_and_creates_the_others_with_them(self):
        ann = Customer.objects.create(name="Ann Smith", email="ann@example.com")
        ben = Customer.objects.create(name="Ben", phone="+380671112233")

        result = self.run_file(
            "orders", "order,customer,e-mail,phone,date,amount\n"
                      "o1,w-1,ANN@example.com,,2024-01-01,10\n"
                      "o2,w-2,,067 111 22 33,2024-01-01,10\n"
                      "o3,w-3,new@example.com,050 123 45 67,2024-01-01,10\n"
                      "o4,ann@example.com,,,2024-01-01,10\n")

        customers = dict(Order.objects.values_list("external_id", "customer__name"))
        self.assertEqual(customers, {"o1": "Ann Smith", "o2": "Ben", "o3": "", "o4": "Ann Smith"})
        created = Customer.objects.get(external_id="w-3")
        self.assertEqual((created.email, created.phone), ("new@example.com", "+380501234567"))
        self.assertEqual(result.matched, {"email": 2, "phone": 1})
        self.assertEqual(result.new_customers, 1)
        self.assertEqual(sorted(CustomerAlias.objects.values_list("external_id", "customer")),
                         [("ann@example.com", ann.pk), ("w-1", ann.pk), ("w-2", ben.pk)])

    def test_it_does_not_guess_what_the_file_contradicts(self):
        Customer.objects.create(source="shop", external_id="1", name="Petro Shevchenko",
                                email="petro@example.com")
        Customer.objects.create(name="Olena Kovalenko", phone="+380441234567")
        Customer.objects.create(source="import", external_id="a1", email="same@example.com")
        Customer.objects.create(email="two@example.com")
        Customer.objects.create(email="two@example.com")

        result = self.run_file(
            "customers", "id,name,email,phone\n"
                         "1,Maria Lopez,maria@example.com,\n"   # another source's id 1
                         "2,Taras Bulba,,(044) 123-45-67\n"     # Olena's phone
                         "a2,,same@example.com,\n"              # a1's email, same source
                         "3,,two@example.com,\n")               # two customers have it

        self.assertEqual((result.inserted, result.matched), (4, {}))
        self.assertEqual(Customer.objects.count(), 9)
        self.assertFalse(CustomerAlias.objects.exists())

    def test_it_updates_a_customer_with_the_same_email_and_phone_and_keeps_the_new_id(self):
        olena = Customer.objects.create(name="Olena", email="olena@example.org",
                                        phone="+380441234567", city="Kyiv")
        customers = ("id,name,email,phone,city\n"
                     "K-7,Kovalenko O.,Olena@Example.org,(044) 123-45-67,Odesa\n")

        first = self.run_file("customers", customers, source="crm")
        again = self.run_file("customers", customers, source="crm")
        orders = self.run_file("orders", "order,customer,date,amount\no1,K-7,2024-01-01,10\n",
                               source="crm")

        self.assertEqual((first.inserted, first.updated, first.matched), (0, 1, {"email": 1}))
        self.assertEqual((again.unchanged, again.matched), (1, {"alias": 1}))
        self.assertEqual(Customer.objects.count(), 1)
        olena.refresh_from_db()
        self.assertEqual((olena.name, olena.city), ("Kovalenko O.", "Odesa"))
        self.assertEqual(aliases(), [("crm", "K-7", "Kovalenko O.")])
        self.assertEqual((orders.new_customers, Order.objects.get().customer), (0, olena))

    def test_it_rejects_a_second_row_that_finds_the_same_customer(self):
        Customer.objects.create(name="Ann", email="ann@example.com")

        result = self.run_file("customers", "id,email\nw1,ann@example.com\nw2,ANN@example.com\n")

        self.assertEqual((result.unchanged, result.rejected), (1, 1))
        self.assertEqual(problems(self.files.path("customers.rejects.csv")), [
            ["3", "id", "w2", "the same customer as row 2 (found by email)"],
        ])

    def test_a_merged_customer_stays_merged_after_reimport(self):
        customers = "id,name,email\nA1,Ann Smith,ann@example.com\nB7,Ann S.,ann.s@example.com\n"
        orders = "order,customer,date,amount\no1,A1,2024-01-01,10\no2,B7,2024-01-02,20\n"
        self.run_file("customers", customers, source="shop")
        self.run_file("orders", orders, source="shop")
        kept = Customer.objects.get(external_id="A1")
        merge_customers(kept, Customer.objects.get(external_id="B7"))

        again = self.run_file("customers", customers, source="shop")
        orders_again = self.run_file("orders", orders, source="shop")

        self.assertEqual(list(Customer.objects.values_list("external_id", flat=True)), ["A1"])
        self.assertEqual((again.inserted, again.updated, again.unchanged), (0, 0, 2))
        self.assertEqual(again.matched, {"alias": 1})
        self.assertEqual((orders_again.unchanged, orders_again.new_customers), (2, 0))
        self.assertEqual(set(Order.objects.values_list("customer", flat=True)), {kept.pk})

    def test_it_rejects_an_impossible_phone_with_its_row_and_reason(self):
        result = self.run_file("customers", "id,name,phone\n"
                                            "1,Ann,(202) 252-9744\n"
                                            "2,Ben,12345\n"
                                            "3,Cid,+1 202 252 9744\n")

        self.assertEqual((result.inserted, result.rejected), (1, 2))
        self.assertEqual(Customer.objects.get().phone, "+12022529744")
        reason = ("not a valid number of the region UA (+380): write the number with its "
                  "country code after a +, for example +380 50 123 4567")
        self.assertEqual(problems(self.files.path("customers.rejects.csv")), [
            ["2", "phone", "(202) 252-9744", reason],
            ["3", "phone", "12345", reason],
        ])

    def test_it_rejects_an_impossible_phone_in_an_orders_file(self):
        result = self.run_file("orders", "order,customer,phone,date,amount\n"
                                         "o1,c1,12345,2024-01-01,10\n")

        self.assertEqual((result.inserted, result.rejected), (0, 1))
        self.assertFalse(Customer.objects.exists())
        self.assertEqual(problems(self.files.path("orders.rejects.csv"))[0][:3],
                         ["2", "phone", "12345"])

    def test_it_shows_what_it_matched_on_the_import_page(self):
        Customer.objects.create(name="Ann", email="ann@example.com")
        Customer.objects.create(source="shop", external_id="c2", name="Ben")
        result = self.run_file("orders", "order,customer,email,date,amount\n"
                                         "o1,w1,ann@example.com,2024-01-01,10\n"
                                         "o2,c2,,2024-01-01,10\n", user=self.admin)

        self.login(self.admin)
        response = self.client.get(reverse("imports:detail", args=[result.run.pk]))

        self.assertEqual(result.run.matched, {"other_source": 1, "email": 1})
        self.assertContains(response, "1 matched by external id in another source, "
                                      "1 matched by email")

    def test_a_dry_run_remembers_nothing(self):
        Customer.objects.create(source="shop", external_id="c1", name="Ann")

        result = self.run_file("orders", "order,customer,date,amount\no1,c1,2024-01-01,10\n",
                               dry_run=True)

        self.assertEqual(result.matched, {"other_source": 1})
        self.assertFalse(CustomerAlias.objects.exists())
        self.assertFalse(Order.objects.exists())

    def test_it_looks_customers_up_in_bulk(self):
        def queries(count: int) -> int:
            Customer.objects.create(source="shop", external_id=f"s{count}", name="Someone")
            rows = "".join(f"o{count}-{i},c{count}-{i},c{count}-{i}@example.com,"
                           f"+38050{count:03d}{i:04d},2024-01-01,{Decimal(i)}\n"
                           for i in range(count))
            with CaptureQueriesContext(connection) as captured:
                self.run_file("orders", "order,customer,email,phone,date,amount\n" + rows)
            return len(captured)

        self.assertEqual(queries(10), queries(300))
