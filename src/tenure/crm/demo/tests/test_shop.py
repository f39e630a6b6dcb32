from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import phonenumbers

from tenure.crm.accounts.models import User
from tenure.crm.catalog.models import Category, Product
from tenure.crm.customers.models import (
    ConsentChange,
    ConsentSource,
    Customer,
    CustomerAssignment,
)
from tenure.crm.demo.shop import build_demo_shop
from tenure.crm.lib.phone import normalize_phone
from tenure.crm.sales.models import Order, OrderLine, OrderStatus, Return
from tenure.crm.testing import TenureTestCase

END = date(2025, 6, 30)
#: The moment of the build, fixed: what is done and what is planned depend on it.
BUILT = datetime(2025, 6, 30, 9, 0, tzinfo=UTC)
#: The shops built to compare one seed with itself.
SAME_SEED_CUSTOMERS = 150
UKRAINIAN = re.compile("[іїєґІЇЄҐ]")
CYRILLIC = re.compile("[а-яА-ЯёЁіїєґІЇЄҐ]")
LATIN = re.compile("^[A-Za-z' .-]+$")


def shop_digest() -> str:
    """Return a digest of the demo customers, orders and lines by their natural keys."""
    h = hashlib.sha256()
    for row in Customer.objects.filter(source="demo").order_by("external_id").values_list(
        "external_id", "name", "email", "phone", "birth_date", "gender", "city",
        "acquisition_channel", "acquired_on", "referred_by__external_id", "manager__username",
        "consent_email", "consent_sms", "created_at",
    ):
        h.update(repr(row).encode())
    for row in Order.objects.filter(source="demo").order_by("external_id").values_list(
        "external_id", "customer__external_id", "ordered_at", "channel", "store", "status",
        "total", "discount", "cost",
    ):
        h.update(repr(row).encode())
    for row in OrderLine.objects.filter(order__source="demo").order_by(
        "order__external_id", "line_no").values_list("product__sku", "quantity", "price"):
        h.update(repr(row).encode())
    return h.hexdigest()


class SameSeedTestCase(TenureTestCase):
    """Builds of their own, into a database without a demo shop to delete first."""

    def test_it_gives_the_same_shop_for_the_same_seed_and_end_date(self):
        # Sameness needs no size: a smaller shop than ShopTestCase's, with lines and returns.
        build_demo_shop(customers=SAME_SEED_CUSTOMERS, seed=7, end_date=END, now=BUILT)
        self.assertTrue(OrderLine.objects.filter(order__source="demo").exists())
        self.assertTrue(Return.objects.filter(order__source="demo").exists())
        first = shop_digest()
        build_demo_shop(customers=SAME_SEED_CUSTOMERS, seed=7, end_date=END, now=BUILT)
        self.assertEqual(shop_digest(), first)
        build_demo_shop(customers=SAME_SEED_CUSTOMERS, seed=8, end_date=END, now=BUILT)
        self.assertNotEqual(shop_digest(), first)


class ShopTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.summary = build_demo_shop(customers=600, seed=7, end_date=END, now=BUILT)
        cls.customers = list(Customer.objects.filter(source="demo"))

    def orders_per_customer(self) -> Counter:
        return Counter(Order.objects.filter(source="demo").values_list("customer_id", flat=True))

    def test_it_makes_the_number_of_orders_overdispersed(self):
        counts = list(self.orders_per_customer().values())
        mean = sum(counts) / len(counts)
        variance = sum((c - mean) ** 2 for c in counts) / len(counts)
        self.assertGreater(variance, 2 * mean)
        self.assertGreater(sum(c == 1 for c in counts), len(counts) * 0.25)
        self.assertGreaterEqual(sum(c >= 10 for c in counts), 5)

    def test_it_lets_repeat_buyers_stop_buying_long_before_the_end(self):
        counts, last = self.orders_per_customer(), {}
        for customer, at in Order.objects.filter(source="demo").values_list("customer_id",
                                                                           "ordered_at"):
            last[customer] = max(last.get(customer, at), at)
        gone = [c for c, n in counts.items() if n >= 3 and last[c].date() < END - timedelta(366)]
        self.assertGreaterEqual(len(gone), 5)

    def test_it_sells_more_in_november_and_december_than_in_summer(self):
        revenue = defaultdict(Decimal)
        for at, total in Order.objects.filter(source="demo").exclude(
                status=OrderStatus.CANCELLED).values_list("ordered_at", "total"):
            revenue[at.year, at.month] += total
        holidays = [v for (_, m), v in revenue.items() if m in (11, 12)]
        summer = [v for (_, m), v in revenue.items() if m in (6, 7, 8)]
        self.assertEqual((len(holidays), len(summer)), (6, 9))
        self.assertGreater(sum(holidays) / 6, Decimal("1.4") * sum(summer) / 9)

    def test_it_mixes_ukrainian_russian_and_english_names(self):
        names = [c.name for c in self.customers]
        ukrainian = sum(bool(UKRAINIAN.search(n)) for n in names)
        cyrillic = sum(bool(CYRILLIC.search(n)) for n in names)
        latin = sum(bool(LATIN.match(n)) for n in names)
        self.assertEqual(cyrillic + latin, len(names))
        self.assertGreater(ukrainian, 0.15 * len(names))
        self.assertGreater(cyrillic - ukrainian, 0.15 * len(names))
        self.assertGreater(latin, 0.1 * len(names))

    def test_it_gives_valid_e164_phones_of_the_customers_country(self):
        phones = [(c.name, c.phone) for c in self.customers if c.phone]
        self.assertGreater(len(phones), 0.7 * len(self.customers))
        self.assertLess(len(phones), len(self.customers))
        for name, phone in phones:
            self.assertEqual(normalize_phone(phone), phone)
            self.assertTrue(phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone)
            if LATIN.match(name):
                self.assertTrue(phone.startswith("+1"), (name, phone))
            if UKRAINIAN.search(name):
                self.assertTrue(phone.startswith("+380"), (name, phone))

    def test_it_gives_russian_names_the_customers_gender(self):
        russian = [c for c in self.customers if c.phone.startswith("+7")]
        self.assertGreater(len(russian), 0.2 * len(self.customers))
        for customer in russian:
            # Russian surnames and women's first names take the feminine -а/-я.
            feminine = customer.name.endswith(("а", "я"))
            self.assertEqual(customer.gender == "f", feminine, customer.name)
        self.assertEqual({c.gender for c in self.customers}, {"f", "m"})

    def test_it_refers_customers_only_to_earlier_ones(self):
        referred = [c for c in self.customers if c.referred_by_id]
        self.assertTrue(0.05 * len(self.customers) < len(referred) < 0.15 * len(self.customers))
        for customer in referred:
            self.assertLess(customer.referred_by.acquired_on, customer.acquired_on)
            self.assertEqual(customer.acquisition_channel, "referral")

    def test_it_acquires_buyers_on_their_first_order(self):
        first = {}
        for customer, at in Order.objects.filter(source="demo").values_list("customer_id",
                                                                           "ordered_at"):
            first[customer] = min(first.get(customer, at), at)
        for customer in self.customers:
            if customer.pk in first:
                self.assertEqual(customer.acquired_on, first[customer.pk].date())
        self.assertLess(len(first), len(self.customers))  # a few never bought

    def test_it_links_returns_to_orders_and_takes_them_off_revenue(self):
        returns = list(Return.objects.filter(source="demo").select_related("order"))
        orders = Order.objects.filter(source="demo")
        self.assertTrue(0.02 * orders.count() < len(returns) < 0.06 * orders.count())
        for ret in returns:
            lines = list(ret.lines.all())
            bought = set(ret.order.lines.values_list("product_id", flat=True))
            self.assertTrue(lines)
            self.assertEqual(sum(line.amount for line in lines), ret.amount)
            self.assertTrue({line.product_id for line in lines} <= bought)
            self.assertLessEqual(ret.amount, ret.order.total)
            self.assertGreater(ret.returned_at, ret.order.ordered_at)
            self.assertIn(ret.order.status, [OrderStatus.RETURNED, OrderStatus.PARTIALLY_RETURNED])
            self.assertTrue(ret.reason)
        sold = sum(o.total for o in orders if o.status != OrderStatus.CANCELLED)
        self.assertEqual(self.summary.revenue, sold - sum(r.amount for r in returns))

    def test_it_keeps_order_totals_equal_to_their_lines(self):
        lines = defaultdict(list)
        for line in OrderLine.objects.filter(order__source="demo"):
            lines[line.order_id].append(line)
        for order in Order.objects.filter(source="demo"):
            self.assertTrue(1 <= len(lines[order.pk]) <= 4)
            self.assertEqual(order.total, sum(line.amount for line in lines[order.pk]))
            self.assertEqual(order.cost, sum(line.cost for line in lines[order.pk]))
            self.assertLess(order.cost, order.total + order.discount)
        statuses = Counter(Order.objects.filter(source="demo").values_list("status", flat=True))
        self.assertGreater(statuses[OrderStatus.COMPLETED], 0.85 * sum(statuses.values()))
        self.assertGreater(statuses[OrderStatus.CANCELLED], 0)

    def test_it_keeps_consent_flags_equal_to_the_last_change(self):
        latest = {}
        for change in ConsentChange.objects.filter(customer__source="demo").order_by(
                "changed_at", "id"):
            latest[change.customer_id, change.channel] = change.granted
        for customer in self.customers:
            for channel in ("email", "sms", "messenger", "phone"):
                self.assertEqual(customer.consent(channel),
                                 latest.get((customer.pk, channel), False))
        self.assertIn(False, latest.values())
        self.assertGreater(sum(c.consent_email for c in self.customers), 0.3 * len(latest) / 4)
        sources = set(ConsentChange.objects.values_list("source", flat=True))
        self.assertTrue({"web_form", "survey_link", "in_person"} <= sources)
        self.assertLessEqual(sources, set(ConsentSource.values))
        # Every grant keeps the words the customer agreed to; a withdrawal needs none.
        self.assertFalse(ConsentChange.objects.filter(granted=True, wording="").exists())
        # ... in the customer's own language.
        words = {c.customer.language: c.wording for c in ConsentChange.objects.filter(
            granted=True, channel="email").select_related("customer")}
        self.assertIn("Даю згоду", words["uk"])
        self.assertIn("Даю согласие", words["ru"])
        self.assertIn("I agree", words["en"])

    def test_it_builds_a_two_level_catalog(self):
        products = Product.objects.filter(sku__startswith="DEMO-").select_related(
            "category__parent")
        self.assertTrue(180 <= products.count() <= 260)
        self.assertEqual(Category.objects.filter(parent=None).count(), 8)
        for product in products:
            self.assertIsNone(product.category.parent.parent)
            self.assertLess(product.cost, product.price)

    def test_it_assigns_most_customers_to_the_three_managers(self):
        managers = Counter(c.manager.username if c.manager else None for c in self.customers)
        self.assertEqual(set(managers) - {None}, {"manager1", "manager2", "manager3"})
        self.assertGreater(len(self.customers) - managers[None], 0.7 * len(self.customers))

    def test_it_gives_each_managed_customer_their_manager_since_they_joined(self):
        running = {a.customer_id: a for a in CustomerAssignment.objects.all()}
        self.assertFalse(CustomerAssignment.objects.filter(ended_at__isnull=False).exists())
        for customer in self.customers:
            if customer.manager_id is None:
                self.assertNotIn(customer.pk, running)
            else:
                assignment = running.pop(customer.pk)
                self.assertEqual((assignment.manager_id, assignment.started_at),
                                 (customer.manager_id, customer.created_at))
        self.assertEqual(running, {})

    def test_it_lets_every_demo_user_sign_in(self):
        for username in ["demo", "manager1", "manager2", "manager3", "marketer", "support",
                         "analyst"]:
            self.assertTrue(self.client.login(username=username, password="tenure-demo"))
        self.client.logout()
        self.assertFalse(self.client.login(username="demo", password="wrong"))
        demo = User.objects.get(username="demo")
        self.assertTrue(demo.is_superuser and demo.is_staff and demo.has_role("administrator"))
        self.assertEqual(list(demo.groups.values_list("name", flat=True)), ["administrator"])

    def test_it_spreads_orders_over_three_growing_years_before_the_end_date(self):
        dates = [at.date() for at in Order.objects.filter(source="demo").values_list(
            "ordered_at", flat=True)]
        self.assertGreaterEqual(min(dates), END - timedelta(days=3 * 365))
        self.assertLess(min(dates), END - timedelta(days=3 * 365 - 30))
        self.assertLess(max(dates), END)
        self.assertGreater(max(dates), END - timedelta(days=10))
        joined = [c.acquired_on for c in self.customers]
        first_year = sum(d < END - timedelta(days=730) for d in joined)
        last_year = sum(d >= END - timedelta(days=365) for d in joined)
        self.assertGreater(last_year, 1.3 * first_year)
