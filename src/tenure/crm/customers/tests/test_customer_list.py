from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from tenure.crm.customers.models import Customer, Tag, search_columns
from tenure.crm.sales.models import Order, OrderStatus
from tenure.crm.testing import TenureTestCase


def order(customer, days_ago: int, total: str, status=OrderStatus.COMPLETED) -> Order:
    return Order.objects.create(
        external_id=f"L{Order.objects.count() + 1}", customer=customer, total=Decimal(total),
        status=status,
        ordered_at=timezone.now() - timedelta(days=days_ago),
    )


class CustomerListTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.vip = Tag.objects.create(name="vip")
        cls.olena = Customer.objects.create(
            name="Olena Kovalenko", email="olena@example.org", phone="+380441234567",
            city="Kyiv", acquisition_channel="instagram", manager=cls.manager,
            consent_email=True, external_id="CRM-7",
        )
        cls.olena.tags.add(cls.vip)
        cls.petro = Customer.objects.create(
            name="Petro Shevchenko", email="petro@example.com", phone="+380671112233",
            city="Lviv", acquisition_channel="store", manager=cls.other_manager,
        )
        cls.anna = Customer.objects.create(name="Anna Bondar", city="Kyiv")
        order(cls.olena, 10, "100.00")
        order(cls.olena, 400, "50.00")
        order(cls.petro, 200, "500.00")
        order(cls.anna, 5, "999.00", status=OrderStatus.CANCELLED)

    def names(self, query: str = "", user=None) -> list[str]:
        self.login(user or self.marketer)
        r = self.client.get(f"/customers/?{query}")
        self.assertEqual(r.status_code, 200)
        return [c.name for c in r.context["rows"]]

    def test_it_lists_by_name_with_the_count(self):
        self.login(self.marketer)
        r = self.client.get("/customers/")
        self.assertEqual(self.names(), ["Anna Bondar", "Olena Kovalenko", "Petro Shevchenko"])
        self.assertContains(r, "3 customers")

    def test_it_says_one_customer_in_the_singular(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?q=Petro")
        self.assertContains(r, "1 customer<")

    def test_it_searches_name_email_and_external_id(self):
        self.assertEqual(self.names("q=kovalenko"), ["Olena Kovalenko"])
        self.assertEqual(self.names("q=example.com"), ["Petro Shevchenko"])
        self.assertEqual(self.names("q=CRM-7"), ["Olena Kovalenko"])

    @override_settings(TENURE_PHONE_REGION="UA")
    def test_it_finds_a_phone_typed_in_any_format(self):
        self.assertEqual(self.names("q=(044) 123-45-67"), ["Olena Kovalenko"])
        self.assertEqual(self.names("q=%2B38 067 111 22 33"), ["Petro Shevchenko"])

    def test_it_filters(self):
        self.assertEqual(self.names(f"manager={self.manager.pk}"), ["Olena Kovalenko"])
        self.assertEqual(self.names("city=Kyiv"), ["Anna Bondar", "Olena Kovalenko"])
        self.assertEqual(self.names(f"tag={self.vip.pk}"), ["Olena Kovalenko"])
        self.assertEqual(self.names("channel=store"), ["Petro Shevchenko"])
        self.assertEqual(self.names("consent=email"), ["Olena Kovalenko"])
        self.assertEqual(self.names("consent=-email"), ["Anna Bondar", "Petro Shevchenko"])

    def test_it_filters_by_purchase_time_leaving_cancelled_orders_out(self):
        # Olena bought 10 days ago, Petro 200 days ago; Anna's only order was cancelled.
        self.assertEqual(self.names("bought_within=30"), ["Olena Kovalenko"])
        self.assertEqual(self.names("bought_within=365"), ["Olena Kovalenko", "Petro Shevchenko"])
        since = (timezone.localdate() - timedelta(days=100)).isoformat()
        self.assertEqual(self.names(f"no_purchase_since={since}"),
                         ["Anna Bondar", "Petro Shevchenko"])

    def test_it_sorts_by_purchase_figures(self):
        # Revenue: Petro 500, Olena 150, Anna 0 (cancelled); orders: Olena 2, Petro 1, Anna 0.
        self.assertEqual(self.names("sort=-revenue"),
                         ["Petro Shevchenko", "Olena Kovalenko", "Anna Bondar"])
        self.assertEqual(self.names("sort=-orders"),
                         ["Olena Kovalenko", "Petro Shevchenko", "Anna Bondar"])
        self.assertEqual(self.names("sort=-last_purchase"),
                         ["Olena Kovalenko", "Petro Shevchenko", "Anna Bondar"])
        self.assertEqual(self.names("sort=-name"),
                         ["Petro Shevchenko", "Olena Kovalenko", "Anna Bondar"])

    def test_it_shows_each_rows_figures(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?q=Olena")
        (olena,) = r.context["rows"]
        self.assertEqual((olena.orders_count, olena.revenue), (2, Decimal("150.00")))
        self.assertContains(r, "$150.00")

    def test_it_limits_a_sales_manager_and_hides_the_manager_filter(self):
        self.assertEqual(self.names(user=self.manager), ["Olena Kovalenko"])
        self.assertNotContains(self.client.get("/customers/"), 'name="manager"')

    def test_it_counts_a_searchs_customers_up_to_a_thousand(self):
        def add(numbers):
            Customer.objects.bulk_create(Customer(
                name=f"Zed {i:04d}", search_text=search_columns(f"Zed {i:04d}", "", "", "", "")[0],
            ) for i in numbers)

        add(range(1000))
        self.login(self.marketer)
        r = self.client.get("/customers/?q=zed")
        self.assertContains(r, "1,000 customers")
        self.assertNotContains(r, "more than")
        add([1000])
        r = self.client.get("/customers/?q=zed&page=20")
        self.assertContains(r, "more than 1,000 customers")
        self.assertContains(r, "951–1,000 of more than 1,000")
        self.assertEqual([c.name for c in r.context["rows"]][::49], ["Zed 0950", "Zed 0999"])
        r = self.client.get("/customers/?q=zed&sort=-name")
        self.assertEqual(r.context["rows"][0].name, "Zed 1000")

    def test_it_pages_fifty_at_a_time(self):
        Customer.objects.bulk_create(
            [Customer(name=f"Zed {i:03d}", manager=self.manager) for i in range(117)]
        )
        # 3 + 117 = 120 customers: pages of 50, 50 and 20.
        self.login(self.marketer)
        r = self.client.get("/customers/")
        self.assertContains(r, "120 customers")
        self.assertEqual(len(r.context["rows"]), 50)
        self.assertContains(r, 'href="?page=3"')
        r = self.client.get("/customers/?page=3")
        self.assertEqual(len(r.context["rows"]), 20)
        self.assertEqual(r.context["rows"][-1].name, "Zed 116")
        self.assertContains(r, "101–120 of 120")

    def test_it_keeps_filters_in_page_links(self):
        Customer.objects.bulk_create([Customer(name=f"Kyivan {i}", city="Kyiv") for i in range(60)])
        self.login(self.marketer)
        r = self.client.get("/customers/?city=Kyiv")
        self.assertContains(r, "62 customers")
        self.assertContains(r, 'href="?city=Kyiv&amp;page=2"')

    def test_it_says_what_to_do_when_there_are_no_customers(self):
        self.login(self.support)
        Order.objects.all().delete()
        Customer.objects.all().delete()
        r = self.client.get("/customers/")
        self.assertContains(r, "No customers yet")
        self.assertContains(r, "0 customers")
        self.assertContains(r, "Ask an administrator to import the customers.")
        self.login(self.admin)
        r = self.client.get("/customers/")
        self.assertContains(r, "Import customers")
        self.assertContains(r, 'href="/import/"')

    def test_it_offers_to_clear_filters_when_nothing_matches(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?q=nobody-is-called-this")
        self.assertContains(r, "No customer matches these filters")
        self.assertContains(r, "Clear filters")

    def test_it_answers_400_to_a_filter_it_cannot_read_and_says_which(self):
        self.login(self.marketer)
        r = self.client.get("/customers/?bought_within=soon", headers={"accept-language": "en"})
        self.assertContains(r, "Bought in the last N days: Enter a whole number.", status_code=400)
        self.assertEqual(len(r.context["rows"]), 3)  # the filter is ignored, not guessed at

    def test_it_computes_the_page_figures_in_a_constant_number_of_queries(self):
        # 10 for the list, the unread count under the notifications bell, and the saved
        # views of the list.
        self.login(self.marketer)
        self.client.get("/customers/")
        with self.assertNumQueries(12):
            self.client.get("/customers/")
        Customer.objects.bulk_create([Customer(name=f"More {i}") for i in range(30)])
        for c in Customer.objects.filter(name__startswith="More"):
            order(c, 3, "10.00")
        with self.assertNumQueries(12):
            r = self.client.get("/customers/")
        self.assertEqual(len(r.context["rows"]), 33)


