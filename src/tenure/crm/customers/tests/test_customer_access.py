from __future__ import annotations

from tenure.crm.customers.models import Customer
from tenure.crm.testing import TenureTestCase


class CustomerAccessTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.bobs = Customer.objects.create(name="Bob's Customer", manager=cls.manager)
        cls.carols = Customer.objects.create(name="Carol's Customer", manager=cls.other_manager)

    def urls(self, customer: Customer) -> list[str]:
        return [f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/"]

    def test_it_requires_login(self):
        for url in ["/", "/customers/", *self.urls(self.bobs), "/sales/orders/"]:
            r = self.client.get(url)
            self.assertRedirects(r, f"/accounts/login/?next={url}", fetch_redirect_response=False)

    def test_home_is_a_start_page_of_its_own(self):
        self.login(self.support)
        self.assertContains(self.client.get("/"), "<h1>Hello, sam</h1>", html=True)

    def test_it_shows_a_sales_manager_only_their_own_customers(self):
        self.login(self.manager)
        r = self.client.get("/customers/")
        self.assertContains(r, "Bob&#x27;s Customer")
        self.assertNotContains(r, "Carol&#x27;s Customer")
        for url in self.urls(self.bobs):
            self.assertEqual(self.client.get(url).status_code, 200, url)
        for url in self.urls(self.carols):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        r = self.client.post(f"/customers/{self.carols.pk}/edit/", {"name": "Taken"})
        self.assertEqual(r.status_code, 404)
        self.carols.refresh_from_db()
        self.assertEqual(self.carols.name, "Carol's Customer")

    def test_it_shows_every_customer_to_the_marketer_and_the_administrator(self):
        for user in (self.marketer, self.admin):
            self.login(user)
            r = self.client.get("/customers/")
            self.assertContains(r, "Bob&#x27;s Customer")
            self.assertContains(r, "Carol&#x27;s Customer")
            self.assertEqual(self.client.get(f"/customers/{self.carols.pk}/").status_code, 200)

    def test_it_refuses_a_user_without_a_role(self):
        self.login(self.nobody)
        for url in ["/customers/", *self.urls(self.bobs), "/sales/orders/"]:
            r = self.client.get(url)
            self.assertEqual(r.status_code, 403, url)
        self.assertContains(r, "You are not allowed to see this page", status_code=403)

    def test_it_refuses_editing_to_the_analyst(self):
        self.login(self.analyst)
        self.assertEqual(self.client.get(f"/customers/{self.bobs.pk}/").status_code, 200)
        self.assertEqual(self.client.get(f"/customers/{self.bobs.pk}/edit/").status_code, 403)

    def test_it_answers_404_in_words(self):
        self.login(self.support)
        r = self.client.get("/customers/999999/")
        self.assertContains(r, "This page does not exist", status_code=404)
