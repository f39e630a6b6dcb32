"""Multipliers by product and category: per line, in proportion to the paid total, the
tier's on top; the single and the bulk path agree to the point."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from tenure.crm.catalog.models import Category, Product
from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import bulk, ledger, multipliers
from tenure.crm.loyalty.models import Account, Entry, Kind, Multiplier, Tier
from tenure.crm.sales.models import OrderLine

from .base import T0, LedgerTestCase, days


class MultiplierTestCase(LedgerTestCase):
    """Electronics ×2 (Phones under it has none of its own), the charger ×3 of its own,
    Books ×0.5, the gift ×0; the mug has no category."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        electronics = Category.objects.create(name="Electronics")
        phones = Category.objects.create(name="Phones", parent=electronics)
        books = Category.objects.create(name="Books")
        cls.phone = Product.objects.create(sku="P1", name="Phone", category=phones)
        cls.charger = Product.objects.create(sku="P2", name="Charger", category=phones)
        cls.novel = Product.objects.create(sku="B1", name="Novel", category=books)
        cls.mug = Product.objects.create(sku="M1", name="Mug")
        cls.gift = Product.objects.create(sku="G1", name="Gift", category=books)
        Multiplier.objects.create(category=electronics, multiplier=Decimal("2"))
        Multiplier.objects.create(category=books, multiplier=Decimal("0.5"))
        Multiplier.objects.create(product=cls.charger, multiplier=Decimal("3"))
        Multiplier.objects.create(product=cls.gift, multiplier=Decimal("0"))

    def order_of(self, total: str, lines, customer=None, at=T0):
        order = self.order(total, at=at, customer=customer)
        OrderLine.objects.bulk_create([
            OrderLine(order=order, line_no=n, product=product, quantity=Decimal(quantity),
                      price=Decimal(price), discount=Decimal(discount))
            for n, (product, quantity, price, discount) in enumerate(lines, 1)])
        return order

    def earned(self):
        return sorted(Entry.objects.filter(kind=Kind.EARN).values_list("key", "pending_points"))

    def test_a_product_beats_its_category_and_the_nearest_category_wins(self):
        self.assertEqual(multipliers.by_product(), {self.phone.pk: 200, self.charger.pk: 300,
                                                    self.novel.pk: 50, self.gift.pk: 0})

    def test_both_paths_earn_the_hand_computed_points(self):
        silver = Tier.objects.create(name="Silver", rank=1, min_spend=Decimal("100000"),
                                     multiplier=Decimal("1.10"))
        maria = Customer.objects.create(name="Maria", source="shop", external_id="C-8")
        Account.objects.create(customer=maria, tier=silver)
        four = [(self.phone, "1", "500", "0"), (self.charger, "2", "25", "0"),
                (self.novel, "1", "20", "0"), (self.mug, "3", "10", "0")]
        orders = [
            # A = 500 + 50 + 20 + 30 = 600; W = 1000 + 150 + 10 + 30 = 1,190; 540 paid
            # (60 off the whole order): 540 × 1,190 / 600 = 1,071 exactly.
            self.order_of("540", four),
            # Maria's Silver on top: 540 × 1.10 × 1,190 / 600 = 1,178.1 -> 1,178.
            self.order_of("540", four, customer=maria),
            # 1.5 × 9.99 = 14.985 at ×0.5 and 10 - 0.01 = 9.99 at ×2: A = 24.975,
            # W = 27.4725 = 1.1 A; paid 24.98 (rounded): 24.98 × 1.1 = 27.478 -> 27.
            self.order_of("24.98", [(self.novel, "1.5", "9.99", "0"),
                                    (self.phone, "1", "10", "0.01")]),
            # No lines: the total at ×1, 99.99 -> 99.
            self.order("99.99"),
            # Lines worth nothing (fully discounted): weighed as ×1, 30.
            self.order_of("30", [(self.phone, "1", "5", "5")]),
            # Only the gift (×0): nothing, and no entry.
            self.order_of("80", [(self.gift, "1", "80", "0")]),
        ]
        with transaction.atomic():
            for order in orders:
                ledger.earn(order, now=days(1))
            single = self.earned()
            transaction.set_rollback(True)
        expected = [(f"earn:order:{o.pk}", p) for o, p in zip(orders, [1071, 1178, 27, 99, 30],
                                                               strict=False)]
        self.assertEqual(single, sorted(expected))
        bulk.earn_missing(days(1))
        self.assertEqual(self.earned(), sorted(expected))
        self.assertLedgerHolds()

    def test_without_multipliers_the_lines_do_not_matter(self):
        Multiplier.objects.all()._raw_delete(Multiplier.objects.db)
        order = self.order_of("540", [(self.phone, "1", "500", "0"), (self.mug, "1", "100", "0")])
        self.assertFalse(multipliers.prepare())
        bulk.earn_missing(days(1))
        self.assertEqual(self.earned(), [(f"earn:order:{order.pk}", 540)])

    def test_a_multiplier_names_a_product_or_a_category_not_both(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Multiplier.objects.create(product=self.mug, category=Category.objects.first(),
                                      multiplier=Decimal("2"))
        with self.assertRaises(IntegrityError), transaction.atomic():
            Multiplier.objects.create(product=self.charger, multiplier=Decimal("4"))

    def test_the_formula_in_integers(self):
        # 540.00 × rate 1 × tier 1.10 × W/A = 1,190/600: 1,178.1 -> 1,178.
        self.assertEqual(multipliers.points(54000, 10_000, 110, 1190 * 100, 600), 1178)
        self.assertEqual(multipliers.points(9999, 10_000, 100, 0, 0), 99)  # neutral
        self.assertEqual(multipliers.points(9999, 10_000, 100, -5, 10), 0)
