from __future__ import annotations

from tenure.crm.customers.models import Customer
from tenure.crm.privacy.models import Erasure

from . import people
from .base import PrivacyTestCase
from .test_erasure import refuse_erasure_records


class ErasePageTestCase(PrivacyTestCase):
    def url(self, customer=None) -> str:
        return f"/privacy/customers/{(customer or self.zoltan).pk}/erase/"

    def test_it_asks_to_confirm_and_says_what_stays(self):
        self.login(self.admin)

        page = self.client.get(self.url())

        self.assertContains(page, "An erasure cannot be undone.")
        self.assertContains(page, "Their 2 orders")
        self.assertContains(page, 'name="confirm"')

    def test_it_erases_nothing_without_the_tick(self):
        self.login(self.admin)

        page = self.client.post(self.url(), {})

        self.assertContains(page, "Tick the box to confirm the erasure.")
        self.assertFalse(Erasure.objects.exists())
        self.zoltan.refresh_from_db()
        self.assertEqual(self.zoltan.name, people.ZOLTAN["name"])

    def test_it_erases_and_the_customer_page_says_so(self):
        self.login(self.admin)

        response = self.client.post(self.url(), {"confirm": "on"}, follow=True)

        self.assertRedirects(response, f"/customers/{self.zoltan.pk}/")
        self.assertContains(response, "The customer&#x27;s personal data was erased")
        self.assertContains(response, "personal data was erased on")
        self.assertNotContains(response, people.ZOLTAN["email"])
        self.assertEqual(Customer.objects.get(pk=self.zoltan.pk).email, "")
        self.assertEqual(Erasure.objects.get().erased_by, self.admin)
        # Olha's page does not say it.
        self.assertNotContains(self.client.get(f"/customers/{self.olha.pk}/"),
                               "personal data was erased on")

    def test_it_refuses_everyone_but_administrators(self):
        for user in (self.manager, self.marketer, self.support, self.analyst, self.nobody):
            self.login(user)
            with self.subTest(user.username):
                self.assertEqual(self.client.get(self.url()).status_code, 403)
                self.assertEqual(self.client.post(self.url(), {"confirm": "on"}).status_code,
                                 403)
        self.assertFalse(Erasure.objects.exists())
        self.zoltan.refresh_from_db()
        self.assertEqual(self.zoltan.email, people.ZOLTAN["email"])

    def test_it_answers_404_for_a_missing_customer(self):
        self.login(self.admin)
        self.assertEqual(self.client.get("/privacy/customers/99999999999/erase/").status_code,
                         404)

    def test_a_failed_erasure_is_a_message_not_a_500(self):
        refuse_erasure_records()
        self.login(self.admin)

        response = self.client.post(self.url(), {"confirm": "on"}, follow=True)

        self.assertRedirects(response, self.url())
        self.assertContains(response, "The erasure failed and nothing was changed")
        self.zoltan.refresh_from_db()
        self.assertEqual(self.zoltan.email, people.ZOLTAN["email"])
