"""Writing an order in the app: header and lines, the importer's rules, each role's rights."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.utils.text import capfirst

from tenure.crm.catalog.models import Product
from tenure.crm.lib.parsing import parse_currency, parse_datetime, parse_money, parse_quantity
from tenure.crm.sales.models import Order, OrderLine
from tenure.crm.testing import TenureTestCase

# Sales stands below customers: the tests reach the customer through the order, as sales does.
Customer = Order.customer.field.related_model


def importer_reason(parser, text: str) -> str:
    """Return the reason the importer gives for refusing ``text``, as a form shows it."""
    try:
        parser(text)
    except ValueError as exc:
        return capfirst(str(exc))
    raise AssertionError(f"the importer accepts {text!r}")


class OrderPageTestCase(TenureTestCase):
    """Two customers of two managers, a product with a price and one without."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.tea = Product.objects.create(sku="TEA-1", name="Green tea", price=Decimal("100"))
        cls.cup = Product.objects.create(sku="CUP-1", name="Cup")
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager)
        cls.taras = Customer.objects.create(name="Taras", manager=cls.other_manager)

    def data(self, lines=None, **header) -> dict:
        """Return what the order page sends: the header, and each line with its hidden id."""
        lines = [{"product": "TEA-1", "quantity": "2", "price": "", "discount": "10"},
                 {"product": "CUP-1", "quantity": "3", "price": "50,5", "discount": ""}
                 ] if lines is None else lines
        data = {"ordered_at": "2026-12-01T14:30", "external_id": "", "status": "completed",
                "channel": "shop", "store": "Lviv", "currency": "uah",
                "lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0",
                "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "100"}
        for index, line in enumerate(lines):
            data.update({f"lines-{index}-{key}": value for key, value in line.items()})
            data.setdefault(f"lines-{index}-id", "")
        data.update(header)
        return data


class OrderNewTestCase(OrderPageTestCase):
    def create(self, user, customer=None, **kwargs):
        self.login(user)
        return self.client.post(f"/sales/orders/new/?customer={(customer or self.olena).pk}",
                                self.data(**kwargs))

    def test_it_saves_the_order_with_its_lines_and_the_importers_total(self):
        r = self.create(self.manager)
        order = Order.objects.get()
        self.assertRedirects(r, f"/customers/{self.olena.pk}/")
        self.assertEqual(
            (order.customer, order.source, order.ordered_at, order.channel, order.store,
             order.currency, order.total, order.discount, order.cost),
            (self.olena, "manual", datetime(2026, 12, 1, 14, 30, tzinfo=UTC), "shop", "Lviv",
             "UAH", Decimal("341.50"), Decimal("10"), None))
        self.assertEqual(order.total, Order.totals_of([
            (Decimal(2), Decimal(100), Decimal(10), None),
            (Decimal(3), Decimal("50.5"), Decimal(0), None)])[0])
        self.assertTrue(order.external_id)
        self.assertEqual(
            list(order.lines.values_list("line_no", "product__sku", "quantity", "price",
                                         "discount")),
            [(1, "TEA-1", Decimal(2), Decimal(100), Decimal(10)),
             (2, "CUP-1", Decimal(3), Decimal("50.5"), Decimal(0))])

    def test_the_new_order_shows_on_the_customer_page_at_once(self):
        self.create(self.manager, external_id="A-17")
        r = self.client.get(f"/customers/{self.olena.pk}/")
        self.assertContains(r, "Order A-17 was saved.")
        self.assertContains(r, "A-17")
        customer = r.context["customer"]
        self.assertEqual((customer.orders_count, customer.revenue),
                         (1, Decimal("341.50")))

    def test_it_lets_the_administrator_write_an_order_for_any_customer(self):
        r = self.create(self.admin, customer=self.taras)
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Order.objects.get().customer, self.taras)

    def test_it_refuses_the_roles_that_write_no_orders_and_writes_nothing(self):
        for user in (self.marketer, self.support, self.analyst, self.nobody):
            with self.subTest(user.username):
                self.login(user)
                self.assertEqual(
                    self.client.get(f"/sales/orders/new/?customer={self.olena.pk}").status_code,
                    403)
                self.assertEqual(self.create(user).status_code, 403)
        self.assertFalse(Order.objects.exists())

    def test_it_hides_another_managers_customer_and_writes_nothing(self):
        self.assertEqual(self.create(self.manager, customer=self.taras).status_code, 404)
        self.assertFalse(Order.objects.exists())

    def test_it_answers_404_to_a_customer_id_that_is_no_customer(self):
        self.login(self.admin)
        for text in ("abc", "0", "-5", "99999999999999999999999", str(2**63)):
            with self.subTest(text):
                r = self.client.get(f"/sales/orders/new/?customer={text}")
                self.assertEqual(r.status_code, 404)

    def test_without_a_customer_it_finds_one_among_those_the_user_may_see(self):
        self.login(self.manager)
        r = self.client.get("/sales/orders/new/?q=a")
        self.assertContains(r, f'href="?customer={self.olena.pk}"')
        self.assertNotContains(r, "Taras")

    def test_it_takes_the_catalogue_price_and_asks_for_one_when_it_has_none(self):
        r = self.create(self.manager, lines=[
            {"product": "CUP-1", "quantity": "1", "price": "", "discount": ""}])
        self.assertContains(r, "The catalogue has no price for this product", status_code=400)
        self.assertFalse(Order.objects.exists())

    def test_it_refuses_bad_values_with_the_importers_reason_naming_the_field(self):
        line = {"product": "TEA-1", "quantity": "1", "price": "5", "discount": ""}
        cases = [
            ("quantity", "abc", parse_quantity), ("quantity", "1e30", parse_quantity),
            ("price", "1e30", parse_money), ("price", "12,3,4x", parse_money),
            ("discount", "9999999999999", parse_money),
        ]
        for field, text, parser in cases:
            with self.subTest(field=field, text=text):
                r = self.create(self.manager, lines=[{**line, field: text}])
                self.assertEqual(r.status_code, 400)
                reason = importer_reason(parser, text)
                self.assertEqual(r.context["lines"].forms[0].errors[field], [reason])
                self.assertContains(r, reason, status_code=400)
        for field, text, parser in (("ordered_at", "0001-01-01T00:00", parse_datetime),
                                    ("ordered_at", "9999-12-31T23:59", parse_datetime),
                                    ("ordered_at", "2024-02-30T10:00", parse_datetime),
                                    ("currency", "dollars", parse_currency)):
            with self.subTest(field=field, text=text):
                r = self.create(self.manager, **{field: text})
                self.assertEqual(r.context["form"].errors[field],
                                 [importer_reason(parser, text)])
        self.assertFalse(Order.objects.exists())

    def test_it_refuses_an_unknown_product_a_zero_quantity_and_no_line(self):
        r = self.create(self.manager, lines=[
            {"product": "NOPE", "quantity": "0", "price": "1", "discount": ""}])
        errors = r.context["lines"].forms[0].errors
        self.assertEqual((errors["product"], errors["quantity"]),
                         (["Unknown product"], ["Quantity must be above zero."]))
        r = self.create(self.manager, lines=[
            {"product": "", "quantity": "", "price": "", "discount": ""}])
        self.assertContains(r, "Add at least one line.", status_code=400)
        self.assertFalse(Order.objects.exists())

    def test_a_total_too_large_for_the_books_is_a_form_error_not_a_500(self):
        huge = {"product": "TEA-1", "quantity": "999999999", "price": "999999999999",
                "discount": ""}
        r = self.create(self.manager, lines=[huge, huge])
        self.assertContains(r, "Amount too large", status_code=400)
        self.assertFalse(Order.objects.exists())

    def test_it_refuses_an_order_number_another_order_has(self):
        self.create(self.manager, external_id="A-1")
        r = self.create(self.manager, external_id="A-1")
        self.assertEqual(r.context["form"].errors["external_id"],
                         ["Another order already has this number."])
        self.assertEqual(Order.objects.count(), 1)

    def test_add_line_without_javascript_gives_one_more_line_and_saves_nothing(self):
        r = self.create(self.manager, add_line="1")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(len(r.context["lines"].forms), 3)
        self.assertContains(r, 'name="lines-2-product"')
        self.assertContains(r, 'value="TEA-1"')
        self.assertFalse(Order.objects.exists())

    def test_a_garbled_form_count_is_refused_not_a_500(self):
        r = self.create(self.manager, **{"lines-TOTAL_FORMS": "x", "add_line": "1"})
        self.assertLess(r.status_code, 500)
        r = self.create(self.manager, **{"lines-TOTAL_FORMS": "100000"})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Order.objects.exists())


class OrderEditTestCase(OrderPageTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.order = Order.objects.create(
            customer=cls.olena, source="import", external_id="X-1", total=Decimal("300"),
            ordered_at=datetime(2026, 11, 1, 9, tzinfo=UTC), currency="UAH")
        OrderLine.objects.create(order=cls.order, line_no=1, product=cls.tea,
                                 quantity=Decimal(3), price=Decimal(100), cost=Decimal(60))
        cls.theirs = Order.objects.create(
            customer=cls.taras, external_id="T-1", total=Decimal("1"),
            ordered_at=datetime(2026, 11, 1, 9, tzinfo=UTC))

    def edit(self, user, order=None, lines=None, **header):
        order = order or self.order
        self.login(user)
        line = order.lines.first()
        lines = lines or [{"id": str(line.pk) if line else "", "product": "TEA-1",
                           "quantity": "1", "price": "100", "discount": ""},
                          {"product": "CUP-1", "quantity": "2", "price": "7", "discount": ""}]
        data = self.data(lines=lines, external_id=order.external_id, **header)
        data["lines-INITIAL_FORMS"] = "1" if line else "0"
        return self.client.post(f"/sales/orders/{order.pk}/edit/", data)

    def test_it_shows_the_order_with_its_lines(self):
        self.login(self.manager)
        r = self.client.get(f"/sales/orders/{self.order.pk}/edit/")
        self.assertContains(r, 'value="TEA-1"')
        self.assertContains(r, 'value="X-1"')

    def test_it_rewrites_the_lines_and_the_total_follows_them(self):
        r = self.edit(self.manager)
        self.assertRedirects(r, f"/sales/orders/{self.order.pk}/")
        self.order.refresh_from_db()
        self.assertEqual((self.order.total, self.order.source, self.order.external_id),
                         (Decimal("114.00"), "import", "X-1"))
        self.assertEqual(
            list(self.order.lines.values_list("line_no", "product__sku", "quantity", "cost")),
            [(1, "TEA-1", Decimal(1), Decimal(60)), (2, "CUP-1", Decimal(2), None)])
        self.assertEqual(self.order.cost, Decimal(60))

    def test_it_removes_a_line_marked_for_removal_but_keeps_one(self):
        line = self.order.lines.get()
        r = self.edit(self.manager, lines=[{"id": str(line.pk), "product": "TEA-1",
                                            "quantity": "3", "price": "100", "DELETE": "on"}])
        self.assertContains(r, "Add at least one line.", status_code=400)
        self.assertEqual(self.order.lines.count(), 1)

    def test_it_refuses_the_roles_that_change_no_orders(self):
        for user in (self.marketer, self.support, self.analyst, self.nobody):
            with self.subTest(user.username):
                self.assertEqual(self.edit(user).status_code, 403)
        self.order.refresh_from_db()
        self.assertEqual(self.order.total, Decimal("300"))

    def test_it_hides_another_managers_order(self):
        self.assertEqual(self.edit(self.manager, order=self.theirs).status_code, 404)
        self.theirs.refresh_from_db()
        self.assertEqual(self.theirs.total, Decimal("1"))
        self.assertEqual(self.edit(self.admin, order=self.theirs).status_code, 302)


class OrderErrorsTogetherTestCase(OrderPageTestCase):
    def test_it_shows_the_headers_and_the_lines_errors_at_once(self):
        self.login(self.manager)
        data = self.data(currency="dollars", lines=[
            {"product": "NOPE", "quantity": "1", "price": "1", "discount": ""}])
        r = self.client.post(f"/sales/orders/new/?customer={self.olena.pk}", data)
        self.assertIn("currency", r.context["form"].errors)
        self.assertEqual(r.context["lines"].forms[0].errors["product"], ["Unknown product"])

    def test_a_nul_byte_is_refused_not_sent_to_the_database(self):
        self.login(self.manager)
        r = self.client.post(f"/sales/orders/new/?customer={self.olena.pk}", self.data(lines=[
            {"product": "a\x00b", "quantity": "1", "price": "1", "discount": ""}]))
        self.assertEqual(r.context["lines"].forms[0].errors["product"],
                         ["Null characters are not allowed."])
        self.assertEqual(self.client.get("/sales/orders/new/?q=a%00b").status_code, 200)
