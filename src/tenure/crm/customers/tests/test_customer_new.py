"""Adding a customer in the app: the importer's rules, a duplicate warning, each role's rights."""

from __future__ import annotations

from django.utils.text import capfirst

from tenure.crm.customers.models import Customer
from tenure.crm.lib.parsing import parse_date, parse_email
from tenure.crm.lib.phone import InvalidPhone, normalize_phone
from tenure.crm.testing import TenureTestCase


def importer_reason(parser, text: str) -> str:
    """Return the reason the importer gives for refusing ``text``, as a form shows it."""
    try:
        parser(text)
    except ValueError as exc:
        return capfirst(str(exc))
    raise AssertionError(f"the importer accepts {text!r}")


class NewCustomerTestCase(TenureTestCase):
    def form(self, **changes) -> dict:
        """Return what the new-customer page sends: every field, as a browser sends it."""
        data = {"name": "Oksana Melnyk", "email": "oksana@example.org",
                "phone": "(044) 765-43-21", "city": "Lviv", "gender": "f",
                "birth_date": "1991-04-05", "acquisition_channel": "shop",
                "acquired_on": "2026-11-30", "manager": "", "language": "",
                "time_zone": "", "notes": ""}
        data.update(changes)
        return {key: value for key, value in data.items() if value is not None}

    def create(self, user, **changes):
        self.login(user)
        return self.client.post("/customers/new/", self.form(**changes))

    def test_it_creates_the_customer_for_the_sales_manager_who_adds_them(self):
        r = self.create(self.manager, manager=self.other_manager.pk)
        customer = Customer.objects.get()
        self.assertEqual(r["Location"], f"/customers/{customer.pk}/")
        self.assertContains(self.client.get(r["Location"]), "The customer was created.")
        self.assertEqual(
            (customer.name, customer.phone, customer.manager, customer.source),
            ("Oksana Melnyk", "+380447654321", self.manager, "manual"))

    def test_it_offers_the_adding_sales_manager_as_manager_to_a_broader_role(self):
        self.manager.groups.add(*self.admin.groups.all())
        self.login(self.manager)
        r = self.client.get("/customers/new/")
        self.assertEqual(r.context["form"]["manager"].value(), self.manager.pk)
        self.login(self.admin)
        self.assertIsNone(self.client.get("/customers/new/").context["form"]["manager"].value())

    def test_it_lets_the_administrator_choose_the_manager(self):
        self.create(self.admin, manager=self.other_manager.pk)
        self.assertEqual(Customer.objects.get().manager, self.other_manager)

    def test_it_refuses_the_roles_that_add_no_customers_and_writes_nothing(self):
        for user in (self.marketer, self.support, self.analyst, self.nobody):
            with self.subTest(user.username):
                self.login(user)
                self.assertEqual(self.client.get("/customers/new/").status_code, 403)
                self.assertEqual(self.create(user).status_code, 403)
        self.assertFalse(Customer.objects.exists())

    def test_it_sends_a_visitor_who_is_not_signed_in_to_sign_in(self):
        r = self.client.post("/customers/new/", self.form())
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])
        self.assertFalse(Customer.objects.exists())

    def test_it_refuses_a_bad_phone_email_or_date_with_the_importers_reason(self):
        cases = [("phone", "12", normalize_phone), ("phone", "+1 555", normalize_phone),
                 ("email", "oksana@", parse_email), ("email", "a" * 250 + "@x.org", parse_email),
                 ("birth_date", "0001-01-01", parse_date), ("birth_date", "9999-12-31", parse_date),
                 ("acquired_on", "2024-02-30", parse_date), ("acquired_on", "tomorrow", parse_date)]
        for field, text, parser in cases:
            with self.subTest(field=field, text=text):
                r = self.create(self.admin, **{field: text})
                self.assertEqual(r.status_code, 200)
                reason = importer_reason(parser, text)
                self.assertEqual(r.context["form"].errors[field], [reason])
                self.assertContains(r, reason)
        self.assertFalse(Customer.objects.exists())

    def test_the_phone_reason_is_the_importers_own(self):
        with self.assertRaises(InvalidPhone) as caught:
            normalize_phone("12")
        r = self.create(self.admin, phone="12")
        self.assertEqual(r.context["form"].errors["phone"], [capfirst(str(caught.exception))])

    def test_it_asks_for_a_way_to_tell_the_customer_apart(self):
        r = self.create(self.admin, name="", email="", phone="")
        self.assertContains(r, "Give the customer a name, an email or a phone")
        self.assertFalse(Customer.objects.exists())

    def test_it_refuses_a_submission_without_the_forms_fields(self):
        self.login(self.admin)
        r = self.client.post("/customers/new/", {})
        self.assertContains(r, "The form arrived incomplete", status_code=400)
        self.assertFalse(Customer.objects.exists())

    def test_it_warns_of_a_customer_with_the_same_email_and_links_to_them(self):
        olena = Customer.objects.create(name="Olena", email="Oksana@Example.org",
                                        manager=self.manager)
        r = self.create(self.manager, phone="")
        self.assertContains(r, "already belongs to a customer")
        self.assertContains(r, f'href="/customers/{olena.pk}/"')
        self.assertEqual(Customer.objects.count(), 1)
        r = self.create(self.manager, phone="", confirm_duplicates="1")
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Customer.objects.count(), 2)

    def test_it_warns_of_the_same_phone_without_showing_another_managers_customer(self):
        taken = Customer.objects.create(name="Taken", phone="+380447654321",
                                        manager=self.other_manager)
        r = self.create(self.manager, email="")
        self.assertContains(r, "a customer of another manager")
        self.assertNotContains(r, f'href="/customers/{taken.pk}/"')
        self.assertNotContains(r, "Taken")
        self.assertEqual(Customer.objects.count(), 1)

    def test_the_list_offers_the_button_to_those_who_may_add(self):
        for user, shown in ((self.manager, True), (self.admin, True), (self.marketer, False)):
            with self.subTest(user.username):
                self.login(user)
                r = self.client.get("/customers/")
                (self.assertContains if shown else self.assertNotContains)(
                    r, 'href="/customers/new/"')
