from __future__ import annotations

from decimal import Decimal

from tenure.crm.catalog.models import Product
from tenure.crm.customers.models import Customer
from tenure.crm.imports.running import run_import
from tenure.crm.sales.models import Order, OrderLine
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

CUSTOMERS = "id,name,city\nc1,Ann,Kyiv\nc2,Bob,Lviv\nc3,Cid,Odesa\n"
LINES = (
    "order,customer,date,sku,qty,price,status\n"
    "o1,c1,2024-01-01,A,1,10,paid\n"
    "o1,c1,2024-01-01,B,2,5,paid\n"
    "o2,c2,2024-01-02,A,1,10,paid\n"
    "o3,c3,2024-01-03,B,1,5,\n"
)


def counts(result):
    return (result.rows, result.inserted, result.updated, result.unchanged, result.rejected)


class UpsertTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)

    def test_it_updates_a_changed_customer_and_keeps_the_others(self):
        run_import("customers", self.files.text("c.csv", CUSTOMERS))

        again = run_import("customers", self.files.text("c.csv", CUSTOMERS))
        changed = run_import("customers", self.files.text(
            "c.csv", CUSTOMERS.replace("Bob,Lviv", "Bob,Dnipro") + "c4,Dan,\n"))

        self.assertEqual(counts(again), (3, 0, 0, 3, 0))
        self.assertEqual(counts(changed), (4, 1, 1, 2, 0))
        self.assertEqual(sorted(Customer.objects.values_list("external_id", "city")),
                         [("c1", "Kyiv"), ("c2", "Dnipro"), ("c3", "Odesa"), ("c4", "")])

    def test_it_keeps_records_of_other_sources_apart_when_they_disagree(self):
        run_import("customers", self.files.text("c.csv", CUSTOMERS))

        # The same ids in another source, but other people: nothing they say agrees.
        result = run_import("customers", self.files.text(
            "c.csv", "id,name\nc1,Dan Fox\nc2,Eve Gray\nc3,Fay Holt\n"), source="shop")

        self.assertEqual(counts(result), (3, 3, 0, 0, 0))
        self.assertEqual(Customer.objects.count(), 6)

    def test_it_finds_the_same_customers_in_another_source(self):
        run_import("customers", self.files.text("c.csv", CUSTOMERS))

        result = run_import("customers", self.files.text("c.csv", CUSTOMERS), source="shop")

        self.assertEqual(counts(result), (3, 0, 0, 3, 0))
        self.assertEqual(result.matched, {"other_source": 3})
        self.assertEqual(Customer.objects.count(), 3)

    def test_it_counts_order_lines_by_order_and_replaces_changed_lines(self):
        Product.objects.create(sku="A", name="A")
        Product.objects.create(sku="B", name="B")
        first = run_import("order-lines", self.files.text("l.csv", LINES))
        o1_pk = Order.objects.get(external_id="o1").pk

        again = run_import("order-lines", self.files.text("l.csv", LINES))
        changed = run_import("order-lines", self.files.text(
            "l.csv", LINES.replace("B,2,5,paid", "B,3,5,paid")
            .replace("o3,c3,2024-01-03,B,1,5,", "o3,c3,2024-01-03,B,1,5,cancelled")))

        self.assertEqual(counts(first), (4, 4, 0, 0, 0))
        self.assertEqual(counts(again), (4, 0, 0, 4, 0))
        self.assertEqual(counts(changed), (4, 0, 3, 1, 0))
        o1 = Order.objects.get(external_id="o1")
        self.assertEqual((o1.pk, o1.total, o1.status), (o1_pk, Decimal("25.00"), "paid"))
        self.assertEqual(list(o1.lines.values_list("line_no", "product__sku", "quantity")),
                         [(1, "A", Decimal("1")), (2, "B", Decimal("3"))])
        self.assertEqual(Order.objects.get(external_id="o3").status, "cancelled")
        self.assertEqual(OrderLine.objects.count(), 4)

    def test_it_updates_an_order_whose_amount_changed(self):
        text = "order_id,customer,date,amount\n1,c1,2024-01-01,10\n2,c1,2024-01-02,20\n"
        run_import("orders", self.files.text("o.csv", text))

        result = run_import("orders", self.files.text("o.csv", text.replace(",20\n", ",21\n")))

        self.assertEqual(counts(result), (2, 0, 1, 1, 0))
        self.assertEqual(Order.objects.get(external_id="2").total, Decimal("21.00"))

    def test_it_leaves_the_database_alone_on_a_dry_run(self):
        result = run_import("customers", self.files.text("c.csv", CUSTOMERS), dry_run=True)

        self.assertEqual(counts(result), (3, 3, 0, 0, 0))
        self.assertEqual(Customer.objects.count(), 0)
