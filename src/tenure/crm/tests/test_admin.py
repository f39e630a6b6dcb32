from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.contrib import admin
from django.urls import reverse

from tenure.crm.catalog.models import Category, Product
from tenure.crm.customers.models import Channel, Customer, CustomerMerge, Tag
from tenure.crm.imports.models import ImportRun
from tenure.crm.sales.models import Order, OrderLine, Return, ReturnLine
from tenure.crm.testing import TenureTestCase


class AdminTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        when = datetime(2024, 5, 4, tzinfo=UTC)
        cls.customer = Customer.objects.create(name="Olena", manager=cls.manager)
        cls.customer.tags.add(Tag.objects.create(name="vip"))
        cls.customer.set_consent(Channel.EMAIL, True, source="in_person", by=cls.admin)
        product = Product.objects.create(sku="S1", name="Tea",
                                         category=Category.from_path(["Drinks", "Tea"]))
        order = Order.objects.create(external_id="A1", customer=cls.customer, ordered_at=when,
                                     total=Decimal("10.00"))
        OrderLine.objects.create(order=order, line_no=1, product=product, quantity=1,
                                 price=Decimal("10.00"))
        ret = Return.objects.create(external_id="R1", order=order, returned_at=when,
                                    amount=Decimal("5.00"))
        ReturnLine.objects.create(ret=ret, product=product, quantity=1, amount=Decimal("5.00"))
        CustomerMerge.objects.create(kept=cls.customer, removed_id=999, snapshot={})
        ImportRun.objects.create(kind="customers", file_name="c.csv", source="shop")

    def test_it_registers_every_model(self):
        expected = {Customer, Tag, CustomerMerge, Category, Product, Order, Return, ImportRun,
                    type(self.admin)}
        self.assertLessEqual(expected, set(admin.site._registry))

    def test_it_renders_every_changelist_and_change_page_for_the_administrator(self):
        self.login(self.admin)
        for model in admin.site._registry:
            meta = model._meta
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
            r = self.client.get(url)
            self.assertEqual(r.status_code, 200, url)
            obj = model.objects.first()
            if obj is not None:
                url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
                self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_it_uses_a_raw_id_for_big_foreign_keys(self):
        Customer.objects.bulk_create([Customer(name=f"C{i}") for i in range(30)])
        self.login(self.admin)
        r = self.client.get(reverse("admin:sales_order_change", args=[Order.objects.get().pk]))
        self.assertContains(r, 'class="vForeignKeyRawIdAdminField"')
        self.assertNotContains(r, ">C17</option>")
        r = self.client.get(reverse("admin:customers_customer_change", args=[self.customer.pk]))
        self.assertContains(r, "In person")  # the consent change inline

    def test_an_action_on_rows_that_are_not_ids_is_a_bad_request(self):
        self.login(self.admin)
        url = reverse("admin:customers_customer_changelist")
        r = self.client.post(url, {"action": "delete_selected", "index": "0",
                                   "_selected_action": ["0001-01-01"]})
        self.assertEqual(r.status_code, 400)
        r = self.client.post(url, {"action": "delete_selected", "index": "0",
                                   "_selected_action": [str(self.customer.pk)]})
        self.assertContains(r, "Delete multiple objects")  # the action runs

    def test_it_keeps_merges_and_imports_read_only(self):
        self.login(self.admin)
        for name in ("customers_customermerge", "imports_importrun"):
            self.assertEqual(self.client.get(reverse(f"admin:{name}_add")).status_code, 403)

    def test_it_shows_roles_in_the_user_list(self):
        self.login(self.admin)
        r = self.client.get(reverse("admin:accounts_user_changelist"))
        self.assertContains(r, "sales_manager")

    def test_it_keeps_others_out(self):
        self.login(self.marketer)
        r = self.client.get(reverse("admin:index"))
        self.assertEqual(r.status_code, 302)
