from __future__ import annotations

from tenure.crm.customers.models import Channel, ConsentChange, Customer, Tag
from tenure.crm.testing import TenureTestCase


class CustomerEditTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.vip = Tag.objects.create(name="vip")
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager, city="Kyiv")

    def form(self, **changes) -> dict:
        data = {"name": "Olena Kovalenko", "email": "olena@example.org",
                "phone": "(044) 123-45-67", "city": "Odesa", "gender": "f",
                "birth_date": "1990-03-02", "tags": [self.vip.pk], "notes": "Call after 6"}
        data.update(changes)
        return data

    def edit(self, user, **changes):
        self.login(user)
        return self.client.post(f"/customers/{self.olena.pk}/edit/", self.form(**changes))

    def test_it_saves_the_profile_with_the_phone_normalised(self):
        r = self.edit(self.manager)
        self.assertRedirects(r, f"/customers/{self.olena.pk}/")
        self.olena.refresh_from_db()
        self.assertEqual(
            (self.olena.name, self.olena.phone, self.olena.city, self.olena.notes),
            ("Olena Kovalenko", "+380441234567", "Odesa", "Call after 6"),
        )
        self.assertEqual(list(self.olena.tags.all()), [self.vip])

    def test_it_rejects_a_phone_that_is_not_one(self):
        r = self.edit(self.manager, phone="not a phone")
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

    def test_it_records_a_consent_change_with_its_source_and_user(self):
        self.login(self.support)
        r = self.client.post(f"/customers/{self.olena.pk}/consent/", {"email": "on", "sms": "on"})
        self.assertRedirects(r, f"/customers/{self.olena.pk}/")
        self.olena.refresh_from_db()
        self.assertEqual((self.olena.consent_email, self.olena.consent_sms,
                          self.olena.consent_phone), (True, True, False))
        changes = ConsentChange.objects.order_by("channel")
        self.assertEqual(
            [(c.channel, c.granted, c.source, c.changed_by) for c in changes],
            [(Channel.EMAIL, True, "manual", self.support),
             (Channel.SMS, True, "manual", self.support)],
        )

    def test_it_records_a_withdrawal_and_nothing_for_unchanged_channels(self):
        self.olena.set_consent(Channel.EMAIL, True, source="checkout")
        self.login(self.manager)
        self.client.post(f"/customers/{self.olena.pk}/consent/", {"email": "on"})
        self.assertEqual(ConsentChange.objects.count(), 1)
        self.client.post(f"/customers/{self.olena.pk}/consent/", {})
        latest = ConsentChange.objects.first()
        self.assertEqual((latest.channel, latest.granted, latest.changed_by),
                         (Channel.EMAIL, False, self.manager))
        self.assertEqual(ConsentChange.objects.count(), 2)

    def test_it_refuses_consent_changes_to_others(self):
        other = Customer.objects.create(name="Petro", manager=self.other_manager)
        self.login(self.manager)
        r = self.client.post(f"/customers/{other.pk}/consent/", {"email": "on"})
        self.assertEqual(r.status_code, 404)
        self.login(self.analyst)
        r = self.client.post(f"/customers/{self.olena.pk}/consent/", {"email": "on"})
        self.assertEqual(r.status_code, 403)
        self.assertFalse(ConsentChange.objects.exists())
