from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from django.urls import reverse

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class ComplaintPagesTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.bobs = Customer.objects.create(name="Ann", email="ann@example.com",
                                           manager=cls.manager)
        cls.carols = Customer.objects.create(name="Cid", manager=cls.other_manager)
        cls.order = Order.objects.create(customer=cls.bobs, external_id="A-1", ordered_at=NOW,
                                         total=Decimal("10"))
        cls.foreign_order = Order.objects.create(customer=cls.carols, external_id="C-1",
                                                 ordered_at=NOW, total=Decimal("5"))
        cls.bobs_complaint = Complaint.objects.register(
            cls.bobs, category="delivery", description="Late parcel", severity="high",
            assignee=cls.manager, opened_at=NOW - timedelta(hours=30))
        cls.carols_complaint = Complaint.objects.register(
            cls.carols, category="product", description="Broken lid", assignee=cls.support)

    def register_url(self, customer) -> str:
        return reverse("engagement:register_complaint", args=[customer.pk])

    def post_status(self, complaint, status, note=""):
        return self.client.post(complaint.get_absolute_url(),
                                {"action": "status", "status": status, "note": note})

    def test_it_registers_a_complaint_on_one_of_the_customers_orders(self):
        self.login(self.support)
        r = self.client.get(self.register_url(self.bobs))
        self.assertContains(r, "A-1")
        self.assertNotContains(r, "C-1")

        r = self.client.post(self.register_url(self.bobs), {
            "order": self.order.pk, "category": "product", "severity": "critical",
            "channel": "call", "description": "Smells", "assignee": self.manager.pk})

        complaint = Complaint.objects.get(description="Smells")
        self.assertRedirects(r, complaint.get_absolute_url())
        self.assertEqual((complaint.order, complaint.assignee, complaint.created_by,
                          complaint.due_at), (self.order, self.manager, self.support,
                                              NOW + timedelta(hours=4)))

    def test_it_refuses_an_order_of_another_customer(self):
        self.login(self.support)
        r = self.client.post(self.register_url(self.bobs), {
            "order": self.foreign_order.pk, "category": "product", "severity": "low",
            "description": "x"})
        self.assertContains(r, "Select a valid choice")
        self.assertFalse(Complaint.objects.filter(description="x").exists())

    def test_it_limits_a_sales_manager_to_their_own_customers(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(self.register_url(self.carols)).status_code, 404)
        self.assertEqual(self.client.get(self.carols_complaint.get_absolute_url()).status_code,
                         404)
        self.assertEqual(self.post_status(self.carols_complaint, "in_progress").status_code, 404)
        r = self.client.get(reverse("engagement:complaints"))
        self.assertEqual(list(r.context["page"].object_list), [self.bobs_complaint])
        self.assertEqual(self.client.get(self.bobs_complaint.get_absolute_url()).status_code,
                         200)

    def test_it_lets_the_marketer_read_but_not_change(self):
        self.login(self.marketer)
        r = self.client.get(self.carols_complaint.get_absolute_url())
        self.assertContains(r, "Broken lid")
        self.assertNotContains(r, 'name="status"')
        self.assertEqual(self.client.get(self.register_url(self.bobs)).status_code, 403)
        self.assertEqual(self.post_status(self.carols_complaint, "in_progress").status_code, 403)
        self.carols_complaint.refresh_from_db()
        self.assertEqual(self.carols_complaint.status, "new")

    def test_it_refuses_a_user_without_a_role(self):
        self.login(self.nobody)
        for url in (reverse("engagement:complaints"), reverse("engagement:complaint_report"),
                    self.bobs_complaint.get_absolute_url(), self.register_url(self.bobs)):
            self.assertEqual(self.client.get(url).status_code, 403, url)

    def test_it_offers_only_the_allowed_moves_and_resolves_with_a_note(self):
        self.login(self.manager)
        r = self.client.get(self.bobs_complaint.get_absolute_url())
        self.assertContains(r, 'value="in_progress"')
        self.assertContains(r, 'value="resolved"')
        self.assertNotContains(r, 'value="closed"')

        r = self.post_status(self.bobs_complaint, "resolved")
        self.assertContains(r, "Say how the complaint was resolved")
        r = self.post_status(self.bobs_complaint, "resolved", "Courier paid back")
        self.assertRedirects(r, self.bobs_complaint.get_absolute_url())
        self.bobs_complaint.refresh_from_db()
        self.assertEqual((self.bobs_complaint.status, self.bobs_complaint.resolution),
                         ("resolved", "Courier paid back"))
        self.assertEqual(Message.objects.get().to_email, "ann@example.com")
        r = self.client.get(self.bobs_complaint.get_absolute_url())
        self.assertContains(r, "Reopen")
        self.assertContains(r, "Courier paid back")
        self.assertContains(r, "resolved late")

    def test_it_refuses_a_move_the_flow_does_not_allow(self):
        self.login(self.manager)
        r = self.post_status(self.bobs_complaint, "closed")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Select a valid choice")
        self.bobs_complaint.refresh_from_db()
        self.assertEqual(self.bobs_complaint.status, "new")

    def test_it_reassigns_a_complaint(self):
        self.login(self.support)
        r = self.client.post(self.bobs_complaint.get_absolute_url(),
                             {"action": "assign", "assignee": self.support.pk})
        self.assertRedirects(r, self.bobs_complaint.get_absolute_url())
        self.bobs_complaint.refresh_from_db()
        self.assertEqual(self.bobs_complaint.assignee, self.support)
        # Carol works only her own customers: she cannot be given Bob's customer's complaint.
        r = self.client.post(self.bobs_complaint.get_absolute_url(),
                             {"action": "assign", "assignee": self.other_manager.pk})
        self.assertContains(r, "Select a valid choice")

    def test_it_highlights_an_overdue_complaint(self):
        self.login(self.support)
        r = self.client.get(reverse("engagement:complaints"))
        self.assertContains(r, '<tr class="overdue">', count=1)
        r = self.client.get(self.bobs_complaint.get_absolute_url())
        self.assertContains(r, "overdue by 6\xa0hours")
        r = self.client.get(self.carols_complaint.get_absolute_url())
        self.assertNotContains(r, "overdue")
        self.assertContains(r, "3\xa0days left")

    def test_it_filters_the_list(self):
        self.login(self.admin)
        url = reverse("engagement:complaints")
        cases = {
            "status=new": [self.bobs_complaint, self.carols_complaint],
            "status=open&category=product": [self.carols_complaint],
            f"assignee={self.support.pk}": [self.carols_complaint],
            "sla=overdue": [self.bobs_complaint],
            "sla=breached": [self.bobs_complaint],
            "sla=within": [self.carols_complaint],
            "status=closed": [],
        }
        for query, expected in cases.items():
            with self.subTest(query):
                r = self.client.get(f"{url}?{query}")
                self.assertEqual(list(r.context["page"].object_list), expected)
        self.assertContains(self.client.get(f"{url}?status=closed"),
                            "No complaint matches these filters")

    def test_it_pages_the_list(self):
        for number in range(60):
            Complaint.objects.register(self.carols, category="other", description=f"n{number}")
        self.login(self.admin)
        r = self.client.get(reverse("engagement:complaints") + "?category=other&page=2")
        self.assertEqual(len(r.context["page"].object_list), 10)
        self.assertContains(r, "51–60 of 60")
        self.assertContains(r, "category=other&amp;page=1")
