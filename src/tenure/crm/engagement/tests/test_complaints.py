from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import (
    DEFAULT_SLA_HOURS,
    Complaint,
    ComplaintSla,
    ComplaintStatus,
    InvalidComplaintStatus,
    MissingResolution,
    Severity,
)
from tenure.crm.messaging.models import Message, Notification
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class ComplaintTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ann = Customer.objects.create(name="Ann", email="ann@example.com",
                                          manager=cls.manager, language="uk")
        cls.order = Order.objects.create(customer=cls.ann, external_id="A-1", ordered_at=NOW,
                                         total=Decimal("10"))

    def register(self, **fields) -> Complaint:
        fields = {"category": "delivery", "description": "Late", "by": self.support, **fields}
        return Complaint.objects.register(self.ann, **fields)

    def test_it_sets_the_due_time_from_the_sla_of_the_severity(self):
        ComplaintSla.objects.filter(severity=Severity.HIGH).update(resolve_within_hours=10)

        high = self.register(severity=Severity.HIGH)
        low = self.register(severity=Severity.LOW)

        self.assertEqual(high.due_at, NOW + timedelta(hours=10))
        self.assertEqual(low.due_at, NOW + timedelta(hours=120))

    def test_it_falls_back_to_the_default_sla_when_the_table_has_no_row(self):
        ComplaintSla.objects.filter(severity=Severity.CRITICAL).delete()

        complaint = self.register(severity=Severity.CRITICAL, opened_at=NOW - timedelta(hours=1))

        self.assertEqual(complaint.due_at, NOW + timedelta(hours=DEFAULT_SLA_HOURS["critical"] - 1))

    def test_it_records_the_registration_and_tells_the_assignee(self):
        complaint = self.register(assignee=self.manager, order=self.order)

        event = complaint.events.get()
        self.assertEqual((event.from_status, event.to_status, event.by, event.assignee, event.at),
                         ("", "new", self.support, self.manager, NOW))
        note = Notification.objects.get(user=self.manager)
        self.assertIn(f"#{complaint.pk}", note.text)
        self.assertEqual(note.url, f"/engagement/complaints/{complaint.pk}/")

    def test_it_does_not_notify_someone_who_assigns_themselves(self):
        self.register(assignee=self.support)

        self.assertFalse(Notification.objects.exists())

    def test_it_refuses_an_order_of_another_customer(self):
        other = Customer.objects.create(name="Ben")

        with self.assertRaises(ValueError):
            Complaint.objects.register(other, category="delivery", description="x",
                                       order=self.order)
        self.assertFalse(Complaint.objects.exists())

    def test_it_walks_the_status_flow_and_records_who_and_when(self):
        complaint = self.register()

        complaint.set_status("in_progress", by=self.support)
        with time_machine.travel(NOW + timedelta(hours=5), tick=False):
            complaint.set_status("resolved", by=self.support, note="Refunded the delivery")
        with time_machine.travel(NOW + timedelta(hours=6), tick=False):
            complaint.set_status("closed", by=self.manager)

        complaint.refresh_from_db()
        self.assertEqual(complaint.status, ComplaintStatus.CLOSED)
        self.assertEqual(complaint.resolved_at, NOW + timedelta(hours=5))
        self.assertEqual(complaint.closed_at, NOW + timedelta(hours=6))
        self.assertEqual(complaint.resolution, "Refunded the delivery")
        self.assertEqual(
            list(complaint.events.values_list("from_status", "to_status", "by__username", "at")),
            [("", "new", "sam", NOW), ("new", "in_progress", "sam", NOW),
             ("in_progress", "resolved", "sam", NOW + timedelta(hours=5)),
             ("resolved", "closed", "bob", NOW + timedelta(hours=6))])

    def test_it_refuses_transitions_the_flow_does_not_allow(self):
        complaint = self.register()

        for status in ("closed", "new", "bogus"):
            with self.subTest(status), self.assertRaises(InvalidComplaintStatus):
                complaint.set_status(status, by=self.support, note="x")
        complaint.set_status("resolved", by=self.support, note="Done")
        with self.assertRaisesMessage(InvalidComplaintStatus, "resolved cannot become new"):
            complaint.set_status("new", by=self.support)
        complaint.refresh_from_db()
        self.assertEqual(complaint.status, "resolved")
        self.assertEqual(complaint.events.count(), 2)

    def test_it_needs_a_note_to_resolve(self):
        complaint = self.register()

        with self.assertRaises(MissingResolution):
            complaint.set_status("resolved", by=self.support, note="  ")

        complaint.refresh_from_db()
        self.assertEqual((complaint.status, complaint.resolved_at), ("new", None))

    def test_it_reopens_a_closed_complaint_and_clears_its_resolution(self):
        complaint = self.register()
        complaint.set_status("resolved", by=self.support, note="Done")
        complaint.set_status("closed", by=self.support)

        complaint.set_status("in_progress", by=self.manager, note="Still broken")

        complaint.refresh_from_db()
        self.assertEqual((complaint.status, complaint.resolved_at, complaint.closed_at,
                          complaint.resolution), ("in_progress", None, None, ""))
        self.assertEqual(complaint.events.last().note, "Still broken")

    def test_it_emails_the_customer_once_per_resolution_in_their_language(self):
        complaint = self.register()

        complaint.set_status("resolved", by=self.support, note="Money returned")

        message = Message.objects.get()
        self.assertEqual((message.template, message.to_email, message.customer, message.topic,
                          message.language),
                         ("complaint_resolved", "ann@example.com", self.ann,
                          f"complaint:{complaint.pk}", "uk"))
        self.assertIn("Money returned", message.body_text)
        # Ukrainian writes the complaint's number with "№".
        self.assertIn(f"№{complaint.pk}", message.subject)
        self.assertIn("Money returned", message.body_html)
        complaint.set_status("closed", by=self.support)
        self.assertEqual(Message.objects.count(), 1)
        complaint.set_status("in_progress", by=self.support)
        complaint.set_status("resolved", by=self.support, note="Replaced")
        self.assertEqual(Message.objects.count(), 2)

    def test_it_writes_to_no_one_when_the_customer_has_no_email(self):
        complaint = Complaint.objects.register(Customer.objects.create(name="Mute"),
                                               category="other", description="x")

        complaint.set_status("resolved", note="ok")

        self.assertFalse(Message.objects.exists())

    def test_it_records_an_assignment_and_tells_the_new_assignee(self):
        complaint = self.register()

        complaint.assign(self.manager, by=self.support)
        complaint.assign(self.manager, by=self.support)

        self.assertEqual(complaint.events.count(), 2)
        event = complaint.events.last()
        self.assertEqual((event.assignee, event.by, event.to_status),
                         (self.manager, self.support, "new"))
        self.assertEqual(Notification.objects.filter(user=self.manager).count(), 1)

    def test_it_tells_which_complaints_are_overdue_or_breached(self):
        on_time = self.register(opened_at=NOW - timedelta(hours=100))  # due in 100 - 72 h ago
        late = self.register(opened_at=NOW - timedelta(hours=80))
        late.set_status("resolved", note="late")
        fast = self.register(opened_at=NOW - timedelta(hours=80))
        Complaint.objects.filter(pk=fast.pk).update(status="resolved",
                                                    resolved_at=NOW - timedelta(hours=79))
        waiting = self.register()

        self.assertEqual(set(Complaint.objects.overdue()), {on_time})
        self.assertEqual(set(Complaint.objects.breached()), {on_time, late})
        for complaint, breached in ((on_time, True), (late, True), (fast, False),
                                    (waiting, False)):
            complaint.refresh_from_db()
            self.assertEqual(complaint.is_breached, breached, complaint.pk)
