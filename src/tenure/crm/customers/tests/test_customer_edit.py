from __future__ import annotations

from tenure.crm.customers.models import STANDARD_WORDING, Channel, ConsentChange, Customer, Tag
from tenure.crm.testing import TenureTestCase


class CustomerEditTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.vip = Tag.objects.create(name="vip")
        cls.olena = Customer.objects.create(
            name="Olena", email="olena@example.org", phone="+380441234567", manager=cls.manager,
            city="Kyiv", notes="Prefers calls",
        )

    def form(self, **changes) -> dict:
        """Return what the edit page's form sends: every field, as a browser sends it."""
        data = {"name": "Olena Kovalenko", "email": "olena@example.org",
                "phone": "(044) 123-45-67", "city": "Odesa", "gender": "f",
                "birth_date": "1990-03-02", "acquisition_channel": "", "acquired_on": "",
                "manager": self.manager.pk, "tags": [self.vip.pk], "language": "", "time_zone": "",
                "notes": "Call after 6"}
        data.update(changes)
        return {key: value for key, value in data.items() if value is not None}

    def edit(self, user, **changes):
        self.login(user)
        return self.client.post(f"/customers/{self.olena.pk}/edit/", self.form(**changes))

    def test_it_saves_the_profile_with_the_phone_normalised(self):
        r = self.edit(self.manager, manager=None)
        self.assertRedirects(r, f"/customers/{self.olena.pk}/")
        self.olena.refresh_from_db()
        self.assertEqual(
            (self.olena.name, self.olena.phone, self.olena.city, self.olena.notes),
            ("Olena Kovalenko", "+380441234567", "Odesa", "Call after 6"),
        )
        self.assertEqual(list(self.olena.tags.all()), [self.vip])

    def test_it_rejects_a_phone_that_is_not_one(self):
        r = self.edit(self.manager, phone="not a phone", manager=None)
        self.assertContains(r, "Not a phone number")
        self.olena.refresh_from_db()
        self.assertEqual(self.olena.name, "Olena")

    def test_it_does_not_let_a_sales_manager_reassign_the_customer(self):
        self.login(self.manager)
        self.assertNotContains(self.client.get(f"/customers/{self.olena.pk}/edit/"),
                               'name="manager"')
        self.edit(self.manager, manager=self.other_manager.pk)
        self.olena.refresh_from_db()
        self.assertEqual(self.olena.manager, self.manager)

    def test_it_lets_the_marketer_reassign_the_customer(self):
        self.edit(self.marketer, manager=self.other_manager.pk)
        self.olena.refresh_from_db()
        self.assertEqual(self.olena.manager, self.other_manager)

    def test_it_refuses_an_empty_post_and_changes_nothing(self):
        for user in (self.admin, self.manager):
            with self.subTest(user.username):
                self.login(user)
                r = self.client.post(f"/customers/{self.olena.pk}/edit/", {})
                self.assertContains(r, "The form arrived incomplete", status_code=400)
                self.olena.refresh_from_db()
                self.assertEqual(
                    (self.olena.name, self.olena.email, self.olena.phone, self.olena.notes,
                     self.olena.manager),
                    ("Olena", "olena@example.org", "+380441234567", "Prefers calls",
                     self.manager))

    def test_it_refuses_a_post_missing_one_field_and_names_it(self):
        r = self.edit(self.admin, notes=None)
        self.assertContains(r, "(no Notes)", status_code=400)
        self.olena.refresh_from_db()
        self.assertEqual((self.olena.name, self.olena.notes), ("Olena", "Prefers calls"))

    def test_it_accepts_no_tag_ticked_since_a_browser_sends_none(self):
        r = self.edit(self.admin, tags=None)
        self.assertRedirects(r, f"/customers/{self.olena.pk}/")
        self.assertFalse(self.olena.tags.exists())

    def test_it_keeps_a_way_to_tell_the_customer_apart(self):
        r = self.edit(self.admin, name="", email="", phone="")
        self.assertContains(r, "Give the customer a name, an email or a phone")
        self.olena.refresh_from_db()
        self.assertEqual(self.olena.name, "Olena")
        for kept in ({"name": "Olena"}, {"email": "o@example.org"}, {"phone": "0441234567"}):
            with self.subTest(kept=kept):
                r = self.edit(self.admin, **{"name": "", "email": "", "phone": "", **kept})
                self.assertRedirects(r, f"/customers/{self.olena.pk}/")

    def consent(self, user, customer=None, **data):
        self.login(user)
        return self.client.post(f"/customers/{(customer or self.olena).pk}/consent/", data)

    def test_it_records_a_consent_change_as_evidence(self):
        r = self.consent(self.support, email="on", sms="on", source="phone_call")
        self.assertRedirects(r, f"/customers/{self.olena.pk}/")
        self.olena.refresh_from_db()
        self.assertEqual((self.olena.consent_email, self.olena.consent_sms,
                          self.olena.consent_phone), (True, True, False))
        changes = ConsentChange.objects.order_by("channel")
        self.assertEqual(
            [(c.channel, c.granted, c.purpose, c.source, c.changed_by) for c in changes],
            [(Channel.EMAIL, True, "marketing", "phone_call", self.support),
             (Channel.SMS, True, "marketing", "phone_call", self.support)],
        )
        self.assertEqual([c.wording for c in changes],
                         [str(STANDARD_WORDING["email"]), str(STANDARD_WORDING["sms"])])

    def test_it_records_the_wording_given(self):
        self.consent(self.marketer, phone="on", source="written_form",
                     wording="Call me about new collections.")
        change = ConsentChange.objects.get()
        self.assertEqual((change.channel, change.source, change.wording),
                         ("phone", "written_form", "Call me about new collections."))

    def test_it_asks_how_the_consent_was_given(self):
        r = self.consent(self.support, email="on")
        self.assertContains(r, "This field is required.")
        self.assertFalse(ConsentChange.objects.exists())
        r = self.consent(self.support, email="on", source="import_file")
        self.assertContains(r, "Select a valid choice.")
        self.olena.refresh_from_db()
        self.assertFalse(self.olena.consent_email)

    def test_it_records_a_withdrawal_and_nothing_for_unchanged_channels(self):
        self.olena.set_consent(Channel.EMAIL, True, source="web_form")
        self.consent(self.manager, email="on", source="phone_call")
        self.assertEqual(ConsentChange.objects.count(), 1)
        self.consent(self.manager, source="phone_call", wording="ignored for a withdrawal")
        latest = ConsentChange.objects.first()
        self.assertEqual((latest.channel, latest.granted, latest.source, latest.wording,
                          latest.changed_by),
                         (Channel.EMAIL, False, "phone_call", "", self.manager))
        self.assertEqual(ConsentChange.objects.count(), 2)

    def test_it_refuses_consent_changes_to_others(self):
        other = Customer.objects.create(name="Petro", manager=self.other_manager)
        r = self.consent(self.manager, other, email="on", source="phone_call")
        self.assertEqual(r.status_code, 404)
        r = self.consent(self.analyst, email="on", source="phone_call")
        self.assertEqual(r.status_code, 403)
        self.assertFalse(ConsentChange.objects.exists())
