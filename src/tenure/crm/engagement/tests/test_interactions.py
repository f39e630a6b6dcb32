from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.urls import reverse

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Interaction
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class InteractionTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.bobs = Customer.objects.create(name="Ann", phone="+380441234567",
                                           email="ann@example.com", manager=cls.manager)
        cls.carols = Customer.objects.create(name="Cid", manager=cls.other_manager)

    def url(self, customer, kind="") -> str:
        url = reverse("engagement:log_interaction", args=[customer.pk])
        return f"{url}?kind={kind}" if kind else url

    def test_it_prefills_a_call_to_the_customers_phone(self):
        self.login(self.support)
        r = self.client.get(self.url(self.bobs, "call"))
        form = r.context["form"]
        self.assertEqual(
            (form["kind"].value(), form["direction"].value(), form["channel"].value(),
             form["manager"].value()),
            ("call", "out", "+380441234567", self.support.pk))
        self.assertContains(r, 'value="2026-03-02T09:00"')
        form = self.client.get(self.url(self.bobs, "email")).context["form"]
        self.assertEqual((form["kind"].value(), form["channel"].value()),
                         ("email", "ann@example.com"))
        form = self.client.get(self.url(self.bobs, "nonsense")).context["form"]
        self.assertEqual(form["kind"].value(), "call")

    def test_it_logs_a_call_and_goes_back_to_the_customer(self):
        self.login(self.support)
        r = self.client.post(self.url(self.bobs), {
            "kind": "call", "direction": "out", "outcome": "callback",
            "summary": "Call back on Friday", "occurred_at": "2026-03-02T08:50",
            "channel": "+380441234567", "manager": self.support.pk}, follow=True)
        self.assertRedirects(r, self.bobs.get_absolute_url())
        self.assertContains(r, "Call logged.")
        call = Interaction.objects.get()
        self.assertEqual(
            (call.customer, call.kind, call.outcome, call.manager, call.occurred_at,
             call.source),
            (self.bobs, "call", "callback", self.support,
             datetime(2026, 3, 2, 8, 50, tzinfo=UTC), "manual"))

    def test_it_records_the_sales_manager_as_the_manager_without_asking(self):
        self.login(self.manager)
        r = self.client.get(self.url(self.bobs, "call"))
        self.assertNotContains(r, 'name="manager"')
        self.client.post(self.url(self.bobs), {
            "kind": "meeting", "occurred_at": "2026-03-01T10:00",
            "manager": self.other_manager.pk})
        self.assertEqual(Interaction.objects.get().manager, self.manager)

    def test_it_refuses_a_contact_in_the_future(self):
        self.login(self.support)
        r = self.client.post(self.url(self.bobs), {"kind": "call",
                                                   "occurred_at": "2026-03-03T10:00"})
        self.assertContains(r, "cannot be in the future")
        self.assertFalse(Interaction.objects.exists())

    def test_it_keeps_a_sales_manager_to_their_own_customers(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.url(self.carols)).status_code, 404)
        r = self.client.post(self.url(self.carols), {"kind": "call",
                                                     "occurred_at": "2026-03-01T10:00"})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Interaction.objects.exists())

    def test_it_refuses_those_who_may_only_read_or_nothing(self):
        for user in (self.marketer, self.analyst, self.nobody):
            self.login(user)
            r = self.client.post(self.url(self.bobs), {"kind": "call",
                                                       "occurred_at": "2026-03-01T10:00"})
            self.assertEqual(r.status_code, 403, user)
        self.assertFalse(Interaction.objects.exists())
