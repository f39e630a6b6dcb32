from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from tenure.crm.customers.models import Customer
from tenure.crm.engagement import reminding
from tenure.crm.engagement.models import Activity
from tenure.crm.engagement.reminding import queue_due_reminders
from tenure.crm.messaging.models import Message, Notification
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class RemindersTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.manager.email = "bob@example.com"
        cls.manager.language = "uk"
        cls.manager.save()
        cls.ann = Customer.objects.create(name="Ann", phone="+380441234567",
                                          manager=cls.manager)

        def plan(subject, due_in, remind=30, **fields):
            return Activity.objects.create(
                customer=cls.ann, subject=subject, due_at=NOW + due_in,
                remind_minutes_before=remind, **{"assignee": cls.manager, **fields})

        cls.due = plan("Call Ann", timedelta(minutes=20))
        cls.no_email = plan("Meet Ann", timedelta(minutes=5), assignee=cls.support)
        plan("Later", timedelta(hours=2))
        plan("No reminder", timedelta(minutes=1), remind=None)
        plan("Done", timedelta(minutes=1), status="done")

    def test_it_queues_each_due_reminder_once(self):
        self.assertEqual(queue_due_reminders().done, 2)
        self.assertEqual(queue_due_reminders().done, 0)

        message = Message.objects.get()
        self.assertEqual(
            (message.template, message.to_email, message.user, message.customer, message.topic,
             message.language, message.key),
            ("activity_reminder", "bob@example.com", self.manager, self.ann,
             f"activity:{self.due.pk}", "uk", f"activity-reminder:{self.due.pk}:20260304T0850"))
        self.assertIn("Call Ann", message.subject)
        self.assertIn(f"/engagement/activities/{self.due.pk}/", message.body_text)
        self.assertIn("+380441234567", message.body_html)
        notes = Notification.objects.order_by("user__username")
        self.assertEqual([(n.user, n.url) for n in notes], [
            (self.manager, f"/engagement/activities/{self.due.pk}/"),
            (self.support, f"/engagement/activities/{self.no_email.pk}/"),
        ])
        self.assertIn("Call Ann", notes[0].text)
        self.due.refresh_from_db()
        self.assertEqual(self.due.reminded_at, NOW)

    def test_it_reminds_again_after_a_reschedule(self):
        queue_due_reminders()
        self.due.reschedule(NOW + timedelta(hours=1))

        self.assertEqual(queue_due_reminders().done, 0)
        self.assertEqual(queue_due_reminders(NOW + timedelta(minutes=30)).done, 1)

        self.assertEqual(
            sorted(Message.objects.values_list("key", flat=True)),
            [f"activity-reminder:{self.due.pk}:20260304T0850",
             f"activity-reminder:{self.due.pk}:20260304T0930"])

    def test_it_lets_only_one_worker_claim_a_reminder(self):
        self.assertTrue(reminding._remind(self.due.pk, NOW))
        self.assertFalse(reminding._remind(self.due.pk, NOW))

        self.assertEqual(Message.objects.count(), 1)
        self.assertEqual(Notification.objects.count(), 1)

    def test_it_leaves_a_reminder_alone_when_the_activity_is_done_first(self):
        self.due.complete("Reached early")

        self.assertEqual(queue_due_reminders().done, 1)  # the meeting only
        self.assertFalse(Message.objects.exists())
