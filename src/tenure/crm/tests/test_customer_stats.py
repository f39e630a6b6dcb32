"""Each customer's purchase figures, kept for sorting the lists, follow every write."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.core.management import call_command

from tenure.crm.customers import stats
from tenure.crm.customers.merging import merge_customers, undo_merge
from tenure.crm.customers.models import Customer, CustomerStats
from tenure.crm.imports.running import run_import
from tenure.crm.insights.refreshing import refresh_insights
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase

WHEN = datetime(2026, 3, 1, 10, tzinfo=UTC)


def figures(customer) -> tuple | None:
    row = CustomerStats.objects.filter(customer=customer).first()
    return None if row is None else (row.orders_count, row.revenue, row.last_purchase)


def computed(customer) -> tuple:
    """The figures as the pages compute them from the orders (`with_order_stats`)."""
    row = Customer.objects.filter(pk=customer.pk).with_order_stats().get()
    return row.orders_count, row.revenue, row.last_purchase


class CustomerStatsTestCase(TenureTestCase):
    def order(self, customer, total: str, day: int = 1, **fields) -> Order:
        return Order.objects.create(customer=customer, external_id=f"O{Order.objects.count()}",
                                    total=Decimal(total), ordered_at=WHEN.replace(day=day),
                                    **fields)

    def test_orders_and_returns_saved_and_deleted_one_by_one_keep_the_figures(self):
        olena = Customer.objects.create(name="Olena")
        self.assertIsNone(figures(olena))
        first = self.order(olena, "100.00", day=1)
        second = self.order(olena, "50.00", day=5)
        self.assertEqual(figures(olena), (2, Decimal("150.00"), WHEN.replace(day=5)))
        Return.objects.create(order=first, external_id="R1", amount=Decimal("30.00"),
                              returned_at=WHEN)
        self.assertEqual(figures(olena), (2, Decimal("120.00"), WHEN.replace(day=5)))
        second.status = OrderStatus.CANCELLED
        second.save()
        self.assertEqual(figures(olena), (1, Decimal("70.00"), WHEN.replace(day=1)))
        self.assertEqual(figures(olena), computed(olena))
        first.delete()  # its return goes with it
        self.assertIsNone(figures(olena))

    def test_an_import_of_orders_and_the_demo_shop_refresh_every_customer(self):
        path = self.tmp_csv("customer,date,amount\nc1,2026-03-01,10.50\nc1,2026-03-02,5\n"
                            "c2,2026-03-03,7\n")
        run_import("orders", path)
        by_name = {c.external_id: figures(c) for c in Customer.objects.all()}
        self.assertEqual({k: v[:2] for k, v in by_name.items()},
                         {"c1": (2, Decimal("15.50")), "c2": (1, Decimal("7.00"))})
        call_command("demo_data", customers=30, seed=2, no_progress=True, verbosity=0)
        for customer in Customer.objects.all():
            expected = computed(customer)
            self.assertEqual(figures(customer) or (0, Decimal("0"), None), expected)

    def test_merges_and_their_undo_move_the_figures(self):
        kept, removed = Customer.objects.create(name="A"), Customer.objects.create(name="A.")
        self.order(kept, "10.00")
        self.order(removed, "20.00")
        merge = merge_customers(kept, removed)
        self.assertEqual(figures(kept)[:2], (2, Decimal("30.00")))
        back = undo_merge(merge)
        self.assertEqual(figures(kept)[:2], (1, Decimal("10.00")))
        self.assertEqual(figures(back)[:2], (1, Decimal("20.00")))

    def test_the_list_sorts_by_the_kept_figures_and_refresh_all_agrees(self):
        names = {"Low": "5.00", "High": "500.00", "Mid": "50.00"}
        for name, total in names.items():
            self.order(Customer.objects.create(name=name), total)
        Customer.objects.create(name="Never")
        self.login(self.admin)
        rows = self.client.get("/customers/?sort=-revenue").context["rows"]
        self.assertEqual([c.name for c in rows], ["High", "Mid", "Low", "Never"])
        # Who never bought has no figure: last either way, as a spreadsheet's blanks.
        rows = self.client.get("/customers/?sort=revenue").context["rows"]
        self.assertEqual([c.name for c in rows], ["Low", "Mid", "High", "Never"])
        before = sorted(CustomerStats.objects.values_list("customer_id", "orders_count",
                                                          "revenue"))
        CustomerStats.objects.all().delete()
        self.assertEqual(stats.refresh_all(), 3)
        self.assertEqual(sorted(CustomerStats.objects.values_list(
            "customer_id", "orders_count", "revenue")), before)

    def test_the_sorted_list_pages_past_the_last_buyer_into_those_who_never_bought(self):
        # A manager's 53 buyers: "Buyer 01" spent 10, ..., "Buyer 53" 530; "Buyer tie" was
        # added after them and spent 100, as "Buyer 10" did. Four of theirs never bought,
        # nor did one of nobody's. Pages hold 50.
        buyers = [Customer.objects.create(name=f"Buyer {i:02d}", manager=self.manager)
                  for i in range(1, 54)]
        buyers.append(Customer.objects.create(name="Buyer tie", manager=self.manager))
        for i in range(4):
            Customer.objects.create(name=f"Never {i}", manager=self.manager)
        Customer.objects.create(name="Nobody's")
        Order.objects.bulk_create(
            Order(customer=c, external_id=f"B{n}", total=Decimal(n * 10), ordered_at=WHEN)
            for n, c in enumerate(buyers, 1))
        Order.objects.filter(customer=buyers[-1]).update(total=Decimal("100"))
        stats.refresh_all()
        self.login(self.manager)  # sees their own 58: the list is filtered

        def names(query: str) -> list[str]:
            pages = [self.client.get(f"/customers/?{query}&page={n}") for n in (1, 2)]
            self.assertEqual(pages[0].context["page"].paginator.count, 58)
            self.assertEqual([len(p.context["rows"]) for p in pages], [50, 8])
            return [c.name for page in pages for c in page.context["rows"]]

        ascending = ([f"Buyer {i:02d}" for i in range(1, 11)] + ["Buyer tie"]
                     + [f"Buyer {i}" for i in range(11, 54)])
        never = [f"Never {i}" for i in range(4)]
        self.assertEqual(names("sort=revenue"), ascending + never)
        self.assertEqual(names("sort=-revenue"), ascending[::-1] + never[::-1])
        # A search finds its few first, then sorts them: the buyers with a 1 in their name.
        r = self.client.get("/customers/?q=buyer+1&sort=-revenue")
        self.assertEqual([c.name for c in r.context["rows"]], [
            "Buyer 51", "Buyer 41", "Buyer 31", "Buyer 21",
            *[f"Buyer {i}" for i in range(19, 9, -1)], "Buyer 01"])

    def tmp_csv(self, text: str):
        import tempfile
        from pathlib import Path

        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        path = Path(folder.name) / "orders.csv"
        path.write_text(text, encoding="utf-8")
        return path

    def test_the_nightly_refresh_puts_right_a_write_that_bypassed_the_figures(self):
        ann = Customer.objects.create(name="Ann")
        self.order(ann, "40.00", day=2)
        self.order(ann, "2.50", day=3)
        # A script writing with plain SQL (update() sends no signals) leaves them stale.
        Order.objects.filter(customer=ann, total=Decimal("2.50")).update(total=Decimal("60.00"))
        self.assertEqual(figures(ann)[:2], (2, Decimal("42.50")))
        refresh_insights(as_of=WHEN.date().replace(day=20))

        self.assertEqual(figures(ann)[:2], (2, Decimal("100.00")))
