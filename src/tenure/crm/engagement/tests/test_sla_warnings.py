from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint
from tenure.crm.engagement.sla import warn_of_breaches
from tenure.crm.messaging.models import Message, Notification
from tenure.crm.testing import TenureTestCase

OPENED = datetime(2026, 3, 2, 9, tzinfo=UTC)


class SlaWarningTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.manager.email = "bob@shop.example"
        cls.manager.save()
        cls.customer = Customer.objects.create(name="Olena", manager=cls.manager)

    def register(self, **fields) -> Complaint:
        return Complaint.objects.register(
            self.customer, category="delivery", description="Late", severity="high",
            channel="", order=None, by=self.admin, opened_at=OPENED, **fields)

    def test_it_warns_the_assignee_once_when_the_sla_is_missed(self):
        self.register(assignee=self.manager)
        Notification.objects.all().delete()  # the note about the assignment
        with time_machine.travel(OPENED + timedelta(hours=23), tick=False):
            self.assertEqual(warn_of_breaches().done, 0)
        with time_machine.travel(OPENED + timedelta(hours=25), tick=False):
            self.assertEqual(warn_of_breaches().done, 1)
            self.assertEqual(warn_of_breaches().done, 0)
        note = Notification.objects.get(user=self.manager)
        self.assertIn("is past its SLA", note.text)
        email = Message.objects.get(template="complaint_breached")
        self.assertEqual(email.to_email, "bob@shop.example")
        self.assertIn("should have been resolved by", email.body_text)

    def test_it_tells_the_administrators_of_an_unassigned_complaint(self):
        self.register(assignee=None)
        with time_machine.travel(OPENED + timedelta(days=2), tick=False):
            warn_of_breaches()
        self.assertEqual(list(Notification.objects.values_list("user__username", flat=True)),
                         ["alice"])
        self.assertFalse(Message.objects.filter(template="complaint_breached").exists())

    def test_it_leaves_resolved_complaints_alone(self):
        complaint = self.register(assignee=self.manager)
        with time_machine.travel(OPENED + timedelta(hours=2), tick=False):
            complaint.set_status("resolved", self.manager, note="Refunded.")
        with time_machine.travel(OPENED + timedelta(days=3), tick=False):
            self.assertEqual(warn_of_breaches().done, 0)
