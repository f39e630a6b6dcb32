from __future__ import annotations

from auditlog.models import LogEntry

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Interaction
from tenure.crm.testing import TenureTestCase

PROFILE = ("name", "email", "phone", "birth_date", "gender", "city", "acquisition_channel",
           "acquired_on", "language", "time_zone", "notes")


def profile(customer: Customer, **changes) -> dict:
    """Return the edit form as a browser sends it: every field, ``changes`` applied."""
    data = {name: getattr(customer, name) or "" for name in PROFILE}
    return {**data, **changes}


class AuditLogTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(
            name="Olena Kovalenko", email="olena@example.org", phone="+380441234567",
            city="Kyiv", notes="Call after 6", manager=cls.manager)
        cls.taras = Customer.objects.create(name="Taras Melnyk", manager=cls.other_manager)

    def entries(self, **filters):
        return LogEntry.objects.filter(additional_data__customer=self.olena.pk, **filters)

    def test_an_edit_that_wipes_fields_is_recorded_with_the_user_and_the_old_values(self):
        self.login(self.manager)

        self.client.post(f"/customers/{self.olena.pk}/edit/",
                         profile(self.olena, email="", phone="", notes=""))

        entry = self.entries(action=LogEntry.Action.UPDATE).get()
        self.assertEqual(entry.actor, self.manager)
        self.assertEqual(entry.changes["email"], ["olena@example.org", ""])
        self.assertEqual(entry.changes["phone"], ["+380441234567", ""])
        self.assertEqual(entry.changes["notes"], ["Call after 6", ""])

    def test_an_edit_is_recorded_with_old_and_new_values(self):
        self.login(self.manager)

        self.client.post(f"/customers/{self.olena.pk}/edit/",
                         profile(self.olena, name="Olena Shevchenko", city="Lviv"))

        entry = self.entries(action=LogEntry.Action.UPDATE).get()
        self.assertEqual((entry.actor, entry.changes["name"], entry.changes["city"]),
                         (self.manager, ["Olena Kovalenko", "Olena Shevchenko"], ["Kyiv", "Lviv"]))
        self.assertNotIn("updated_at", entry.changes)

    def test_a_consent_change_is_recorded_with_the_user(self):
        self.login(self.support)

        self.client.post(f"/customers/{self.olena.pk}/consent/", {"email": "on",
                                                                  "source": "in_person"})

        created = self.entries(action=LogEntry.Action.CREATE,
                               content_type__model="consentchange").get()
        self.assertEqual((created.actor, created.content_type.model), (self.support,
                                                                       "consentchange"))
        changed = self.entries(action=LogEntry.Action.UPDATE).get()
        self.assertEqual(changed.changes["consent_email"], ["False", "True"])

    def test_records_about_the_customer_carry_their_id(self):
        Interaction.objects.create(customer=self.olena, kind="call", summary="Asked for a refund")

        entry = self.entries(content_type__model="interaction").get()
        self.assertEqual(entry.action, LogEntry.Action.CREATE)

    def test_a_page_view_is_recorded(self):
        self.login(self.manager)

        self.client.get(f"/customers/{self.olena.pk}/")

        entry = self.entries(action=LogEntry.Action.ACCESS).get()
        self.assertEqual(entry.actor, self.manager)

    def test_a_refused_page_view_is_not_recorded_as_a_view(self):
        self.login(self.other_manager)

        self.assertEqual(self.client.get(f"/customers/{self.olena.pk}/").status_code, 404)

        self.assertFalse(self.entries(action=LogEntry.Action.ACCESS).exists())

    def test_an_export_of_the_customer_list_is_recorded_with_its_filters(self):
        self.login(self.marketer)

        response = self.client.get("/customers/", {"q": "Kovalenko", "format": "csv"})
        b"".join(response.streaming_content)

        entry = LogEntry.objects.get(object_pk="", action=LogEntry.Action.ACCESS)
        self.assertEqual(entry.actor, self.marketer)
        self.assertEqual(entry.additional_data,
                         {"access": "export", "format": "csv", "rows": 1,
                          "filters": {"q": ["Kovalenko"]}})


class AuditPageTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena Kovalenko", manager=cls.manager)
        cls.taras = Customer.objects.create(name="Taras Melnyk", manager=cls.other_manager)

    def setUp(self):
        for user, customer in ((self.manager, self.olena), (self.other_manager, self.taras)):
            self.login(user)
            self.client.get(f"/customers/{customer.pk}/")
            self.client.post(f"/customers/{customer.pk}/edit/",
                             profile(customer, name=f"{customer.name} Jr"))
        self.login(self.admin)

    def test_it_shows_who_viewed_and_changed_what(self):
        page = self.client.get("/privacy/audit/")

        self.assertContains(page, "Viewed", count=2)
        self.assertContains(page, "Changed")
        self.assertContains(page, "<del>Olena Kovalenko</del> → <ins>Olena Kovalenko Jr</ins>",
                            html=True)
        self.assertContains(page, "Bob")

    def test_it_filters_by_customer_and_by_user(self):
        page = self.client.get("/privacy/audit/", {"customer": self.olena.pk})
        self.assertContains(page, "Olena Kovalenko Jr")
        self.assertNotContains(page, "Taras")

        page = self.client.get("/privacy/audit/", {"user": self.other_manager.pk})
        self.assertContains(page, "Taras Melnyk Jr")
        self.assertNotContains(page, "Olena")

    def test_bad_filters_are_told_not_crashed_on(self):
        for query in ({"customer": "abc"}, {"customer": "99999999999999999999999"},
                      {"customer": "-1"}, {"user": "999999"}, {"user": "x"},
                      {"page": "999999"}, {"page": "-3"}):
            with self.subTest(query):
                page = self.client.get("/privacy/audit/", query)
                self.assertEqual(page.status_code, 200)
        self.assertContains(self.client.get("/privacy/audit/", {"customer": "abc"}),
                            "Enter a whole number")

    def test_it_pages(self):
        for _ in range(60):
            self.client.get(f"/customers/{self.olena.pk}/")

        page = self.client.get("/privacy/audit/")

        self.assertContains(page, 'rel="next"')
        self.assertContains(self.client.get("/privacy/audit/", {"page": 2}), 'rel="prev"')

    def test_only_administrators_may_read_it(self):
        link = '<a href="/privacy/audit/"'
        self.assertContains(self.client.get("/accounts/password/"), link)
        for user in (self.manager, self.marketer, self.support, self.analyst, self.nobody):
            self.login(user)
            with self.subTest(user.username):
                self.assertEqual(self.client.get("/privacy/audit/").status_code, 403)
                self.assertNotContains(self.client.get("/accounts/password/"), link)

    def test_admin_shows_it_read_only(self):
        entry = LogEntry.objects.first()

        self.assertEqual(self.client.get("/admin/auditlog/logentry/").status_code, 200)
        change = f"/admin/auditlog/logentry/{entry.pk}/change/"
        self.assertEqual(self.client.get(change).status_code, 200)
        self.client.post(change, {"object_repr": "rewritten"})
        entry.refresh_from_db()
        self.assertNotEqual(entry.object_repr, "rewritten")
        self.assertEqual(self.client.get("/admin/auditlog/logentry/add/").status_code, 403)
        self.client.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"})
        self.assertTrue(LogEntry.objects.filter(pk=entry.pk).exists())
