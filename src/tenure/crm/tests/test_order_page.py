from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tenure.crm.catalog.models import Category, Product
from tenure.crm.customers.models import Customer
from tenure.crm.sales.models import Order, OrderLine, Return, ReturnLine
from tenure.crm.testing import TenureTestCase


class OrderPageTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena Kovalenko", manager=cls.manager)
        tea = Category.from_path(["Drinks", "Tea"])
        cls.green = Product.objects.create(sku="GT-1", name="Green tea", category=tea)
        cls.pot = Product.objects.create(sku="POT-2", name="Tea pot")
        when = datetime(2024, 5, 4, 10, 30, tzinfo=UTC)
        cls.order = Order.objects.create(
            external_id="A-100", customer=cls.olena, ordered_at=when, channel="web",
            store="Kyiv Podil", total=Decimal("115.00"), discount=Decimal("5.00"),
            cost=Decimal("70.00"),
        )
        # 2 x 42.50 - 5.00 = 80.00 and 1 x 35.00 = 35.00: 115.00 paid.
        OrderLine.objects.create(order=cls.order, line_no=1, product=cls.green,
                                 quantity=2, price=Decimal("42.50"), discount=Decimal("5.00"))
        OrderLine.objects.create(order=cls.order, line_no=2, product=cls.pot,
                                 quantity=1, price=Decimal("35.00"))
        ret = Return.objects.create(external_id="R-9", order=cls.order, returned_at=when,
                                    amount=Decimal("20.00"), reason="Chipped lid")
        ReturnLine.objects.create(ret=ret, product=cls.pot, quantity=1, amount=Decimal("20.00"))

    def get(self, user=None):
        self.login(user or self.manager)
        return self.client.get(f"/sales/orders/{self.order.pk}/")

    def test_it_shows_lines_with_product_category_and_amounts(self):
        r = self.get()
        for text in ["Green tea", "GT-1", "Drinks / Tea", "Tea pot", "$42.50", "$80.00",
                     "$35.00", "Kyiv Podil", "Olena Kovalenko"]:
            self.assertContains(r, text)

    def test_it_shows_the_returns_margin_and_net_total(self):
        r = self.get()
        order = r.context["order"]
        # Margin 115.00 - 70.00; net 115.00 - 20.00 returned.
        self.assertEqual((order.margin, order.returned, order.net),
                         (Decimal("45.00"), Decimal("20.00"), Decimal("95.00")))
        self.assertContains(r, "<dd>$45.00</dd>", html=True)
        self.assertContains(r, "<dd><strong>$95.00</strong></dd>", html=True)
        self.assertContains(r, "Chipped lid")
        self.assertContains(r, "R-9")

    def test_it_leaves_the_margin_out_when_the_cost_is_unknown(self):
        Order.objects.filter(pk=self.order.pk).update(cost=None)
        self.assertNotContains(self.get(), "Margin")

    def test_it_hides_another_managers_order(self):
        self.assertEqual(self.get(self.other_manager).status_code, 404)
        self.assertEqual(self.get(self.analyst).status_code, 200)
        self.assertEqual(self.get(self.nobody).status_code, 403)
