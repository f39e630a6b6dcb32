"""Consent history is evidence: written once, never edited or deleted, in Admin neither."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tenure.crm.accounts.models import Role
from tenure.crm.customers.models import Channel, ConsentChange, ConsentError, Customer
from tenure.crm.testing import TenureTestCase


def admin_form_data(response) -> dict:
    """Return what the admin change form sends unchanged: its fields and inline formsets."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


class ConsentHistoryTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena", email="olena@example.org")
        cls.change = cls.olena.set_consent(Channel.EMAIL, True, source="web_form", by=cls.admin)

    def test_it_refuses_to_edit_a_history_row(self):
        self.change.granted = False
        with self.assertRaises(ConsentError):
            self.change.save()
        self.assertTrue(ConsentChange.objects.get().granted)

    def test_it_refuses_to_delete_history(self):
        with self.assertRaises(ConsentError):
            self.change.delete()
        with self.assertRaises(ConsentError):
            ConsentChange.objects.all().delete()
        self.assertEqual(ConsentChange.objects.count(), 1)

    def test_only_the_customer_speaking_for_themselves_grants_consent(self):
        for source in ("survey_link", "import_file", "manual"):
            with self.subTest(source):
                with self.assertRaises(ConsentError):
                    self.olena.set_consent(Channel.SMS, True, source=source)
        self.olena.refresh_from_db()
        self.assertFalse(self.olena.consent_sms)
        change = self.olena.set_consent(Channel.EMAIL, False, source="survey_link")
        self.assertEqual((change.granted, change.wording), (False, ""))

    def test_no_role_may_change_or_delete_history(self):
        for group in Group.objects.all():
            with self.subTest(group.name):
                codenames = set(group.permissions.filter(
                    content_type__app_label="customers").values_list("codename", flat=True))
                self.assertFalse(codenames & {"change_consentchange", "delete_consentchange"})
        admin_codenames = set(Group.objects.get(name=Role.ADMINISTRATOR).permissions
                              .values_list("codename", flat=True))
        self.assertLessEqual({"add_consentchange", "view_consentchange", "delete_customer"},
                             admin_codenames)

    def test_admin_shows_history_read_only(self):
        self.login(self.admin)
        url = reverse("admin:customers_consentchange_change", args=[self.change.pk])
        r = self.client.get(url)
        self.assertContains(r, "Web form")
        self.assertNotContains(r, 'name="_save"')
        self.assertEqual(self.client.post(url, {"granted": ""}).status_code, 403)
        delete = reverse("admin:customers_consentchange_delete", args=[self.change.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertEqual(
            self.client.get(reverse("admin:customers_consentchange_add")).status_code, 403)
        self.assertTrue(ConsentChange.objects.get().granted)

    def test_admin_does_not_delete_a_customer_with_consent_history(self):
        self.login(self.admin)
        url = reverse("admin:customers_customer_delete", args=[self.olena.pk])
        self.assertContains(self.client.get(url), "consent change")
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.assertEqual(ConsentChange.objects.filter(customer=self.olena).count(), 1)

    def test_admin_sends_consent_to_the_customers_consent_form(self):
        self.login(self.admin)
        url = reverse("admin:customers_customer_change", args=[self.olena.pk])
        page = self.client.get(url)
        self.assertContains(page, f'href="/customers/{self.olena.pk}/edit/#consent"')
        self.assertNotContains(page, 'name="consent_sms"')
        data = {**admin_form_data(page), "name": "Olena K", "consent_sms": "on",
                "consent_email": ""}
        r = self.client.post(url, data)
        self.assertEqual(r.status_code, 302, r.content[:3000])
        self.olena.refresh_from_db()
        self.assertEqual((self.olena.name, self.olena.consent_email, self.olena.consent_sms),
                         ("Olena K", True, False))
        self.assertEqual(ConsentChange.objects.count(), 1)


class RoleMigrationTestCase(TenureTestCase):
    def test_the_data_migration_brings_existing_groups_up_to_the_grants(self):
        analyst = Group.objects.get(name=Role.ANALYST)
        analyst.permissions.add(Permission.objects.get(codename="add_importrun"))
        admin = Group.objects.get(name=Role.ADMINISTRATOR)
        admin.permissions.add(Permission.objects.get(codename="delete_consentchange"))
        migration = importlib.import_module("tenure.crm.accounts.migrations.0003_resync_roles")
        migration.resync(apps, None)
        self.assertFalse(analyst.permissions.filter(codename="add_importrun").exists())
        self.assertFalse(admin.permissions.filter(codename="delete_consentchange").exists())
