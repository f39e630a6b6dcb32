"""Saved views: a list's filters and sort under a name, private or shared."""

from __future__ import annotations

from django.urls import reverse

from tenure.crm.customers.models import Customer, SavedView
from tenure.crm.testing import TenureTestCase

SAVE = reverse("customers:save_view")


class SavedViewTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Customer.objects.create(name="Olena", city="Kyiv", manager=cls.manager)
        Customer.objects.create(name="Ivan", city="Kyiv", manager=cls.other_manager)
        Customer.objects.create(name="Petro", city="Lviv", manager=cls.manager)

    def save(self, name: str, query: str, shared: bool = False, list_name: str = "customers"):
        data = {"list_name": list_name, "name": name, "query": query}
        if shared:
            data["shared"] = "on"
        return self.client.post(SAVE, data)

    def test_a_view_is_saved_and_reopened_with_its_filters_and_sort(self):
        self.login(self.admin)

        response = self.save("Kyiv by name", "city=Kyiv&sort=name&page=3&format=csv")

        view = SavedView.objects.get()
        self.assertEqual((view.owner, view.query, view.shared), (self.admin, "city=Kyiv&sort=name",
                                                                   False))
        self.assertRedirects(response, "/customers/?city=Kyiv&sort=name",
                             fetch_redirect_response=False)
        page = self.client.get("/customers/")
        self.assertContains(page, '<a href="/customers/?city=Kyiv&amp;sort=name">Kyiv by name</a>',
                            html=False)
        reopened = self.client.get("/customers/?city=Kyiv&sort=name")
        self.assertContains(reopened, "Olena")
        self.assertNotContains(reopened, "Petro")

    def test_the_same_name_replaces_the_view(self):
        self.login(self.admin)
        self.save("Mine", "city=Kyiv")
        self.save("Mine", "city=Lviv")
        self.assertEqual(list(SavedView.objects.values_list("query", flat=True)), ["city=Lviv"])

    def test_private_views_stay_private_and_shared_ones_keep_each_readers_limits(self):
        self.login(self.admin)
        self.save("Admin's own", "city=Lviv")
        self.save("Everyone in Kyiv", "city=Kyiv", shared=True)

        self.login(self.manager)
        page = self.client.get("/customers/")
        self.assertContains(page, "Everyone in Kyiv")
        self.assertNotContains(page, '<a href="/customers/?city=Lviv">', html=False)
        shared = self.client.get("/customers/?city=Kyiv")
        self.assertContains(shared, "Olena")
        self.assertNotContains(shared, "Ivan")  # another manager's customer stays hidden

    def test_only_the_owner_deletes_a_private_view_and_an_administrator_a_shared_one(self):
        self.login(self.manager)
        self.save("Bob's", "city=Kyiv")
        self.save("Bob's shared", "city=Lviv", shared=True)
        private, shared = SavedView.objects.order_by("name")

        self.login(self.other_manager)
        delete = "customers:delete_view"
        self.assertEqual(self.client.post(reverse(delete, args=[private.pk])).status_code, 404)
        self.assertEqual(self.client.post(reverse(delete, args=[shared.pk])).status_code, 403)
        self.login(self.admin)
        self.assertEqual(self.client.post(reverse(delete, args=[shared.pk])).status_code, 302)
        self.login(self.manager)
        self.assertEqual(self.client.post(reverse(delete, args=[private.pk])).status_code, 302)
        self.assertFalse(SavedView.objects.exists())

    def test_bad_input_is_refused_with_a_message(self):
        self.login(self.admin)
        for data in ({"list_name": "customers", "name": ""},
                     {"list_name": "customers", "name": "x" * 81},
                     {"list_name": "orders", "name": "x"},
                     {"list_name": "customers", "name": "x", "query": "a" * 2001}):
            with self.subTest(data=str(data)[:40]):
                self.assertEqual(self.client.post(SAVE, data).status_code, 302)
        self.assertFalse(SavedView.objects.exists())
        for pk in ("9223372036854775807", "1" * 25):
            self.assertEqual(self.client.post(f"/customers/views/{pk}/delete/").status_code,
                             404)

    def test_at_risk_has_views_of_its_own(self):
        self.login(self.manager)
        response = self.save("High risk", "risk=0.7", list_name="at_risk")
        self.assertRedirects(response, "/insights/at-risk/?risk=0.7",
                             fetch_redirect_response=False)
        self.assertNotContains(self.client.get("/customers/"), "?risk=0.7")
