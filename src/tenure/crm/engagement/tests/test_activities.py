from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.urls import reverse

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, ActivityNotPlanned
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class ActivityTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.bobs = Customer.objects.create(name="Ann", manager=cls.manager)
        cls.carols = Customer.objects.create(name="Cid", manager=cls.other_manager)
        cls.orphan = Customer.objects.create(name="Orphan")
        cls.call = Activity.objects.create(
            customer=cls.bobs, subject="Call Ann", assignee=cls.manager,
            due_at=NOW + timedelta(hours=2), remind_minutes_before=15)

    def plan_url(self, customer) -> str:
        return reverse("engagement:plan_activity", args=[customer.pk])

    def act(self, activity, action, **data):
        return self.client.post(activity.get_absolute_url(), {"action": action, **data})

    def test_it_assigns_a_new_activity_to_the_customers_manager_by_default(self):
        self.login(self.support)
        r = self.client.get(self.plan_url(self.bobs))
        form = r.context["form"]
        self.assertEqual(form["assignee"].value(), self.manager.pk)
        self.assertContains(r, 'value="2026-03-03T10:00"')  # tomorrow at ten
        form = self.client.get(self.plan_url(self.orphan)).context["form"]
        self.assertEqual(form["assignee"].value(), self.support.pk)

    def test_it_plans_an_activity_with_its_reminder(self):
        self.login(self.support)
        r = self.client.post(self.plan_url(self.bobs), {
            "kind": "meeting", "subject": "Show the new range", "due_at": "2026-03-04T15:00",
            "duration_minutes": 60, "assignee": self.manager.pk, "remind_minutes_before": 45})
        self.assertRedirects(r, self.bobs.get_absolute_url())
        meeting = Activity.objects.get(subject="Show the new range")
        self.assertEqual(
            (meeting.kind, meeting.assignee, meeting.created_by, meeting.due_at,
             meeting.reminder_at, meeting.status),
            ("meeting", self.manager, self.support, datetime(2026, 3, 4, 15, tzinfo=UTC),
             datetime(2026, 3, 4, 14, 15, tzinfo=UTC), "planned"))

    def test_it_refuses_a_time_in_the_past_and_a_stranger_as_assignee(self):
        self.login(self.support)
        r = self.client.post(self.plan_url(self.bobs), {
            "kind": "call", "subject": "x", "due_at": "2026-03-01T15:00",
            "duration_minutes": 30, "assignee": self.other_manager.pk})
        self.assertContains(r, "Choose a time in the future.")
        self.assertContains(r, "Select a valid choice")
        self.assertEqual(Activity.objects.count(), 1)

    def test_it_completes_an_activity_with_its_outcome(self):
        self.login(self.manager)
        r = self.act(self.call, "complete", outcome="Will order next week")
        self.assertRedirects(r, self.call.get_absolute_url())
        self.call.refresh_from_db()
        self.assertEqual((self.call.status, self.call.completed_at, self.call.outcome),
                         ("done", NOW, "Will order next week"))
        self.assertTrue(self.call.done_on_time)

    def test_it_reschedules_and_rearms_the_reminder(self):
        Activity.objects.filter(pk=self.call.pk).update(reminded_at=NOW)
        self.login(self.manager)
        r = self.act(self.call, "reschedule", due_at="2026-03-05T11:00")
        self.assertRedirects(r, self.call.get_absolute_url())
        self.call.refresh_from_db()
        self.assertEqual(
            (self.call.due_at, self.call.reminder_at, self.call.reminded_at,
             self.call.reschedules, self.call.status),
            (datetime(2026, 3, 5, 11, tzinfo=UTC), datetime(2026, 3, 5, 10, 45, tzinfo=UTC),
             None, 1, "planned"))

    def test_it_cancels_an_activity_and_then_refuses_to_move_it(self):
        self.login(self.manager)
        self.act(self.call, "cancel", reason="Customer moved abroad")
        self.call.refresh_from_db()
        self.assertEqual((self.call.status, self.call.outcome),
                         ("cancelled", "Customer moved abroad"))

        r = self.act(self.call, "reschedule", due_at="2026-03-05T11:00")
        self.assertContains(r, "This activity is already cancelled.")
        self.call.refresh_from_db()
        self.assertEqual(self.call.reschedules, 0)
        with self.assertRaises(ActivityNotPlanned):
            self.call.complete()

    def test_it_marks_an_overdue_activity(self):
        self.login(self.manager)
        self.assertNotContains(self.client.get(self.call.get_absolute_url()), "badge overdue")
        with time_machine.travel(NOW + timedelta(hours=3), tick=False):
            self.assertTrue(self.call.is_overdue)
            r = self.client.get(self.call.get_absolute_url())
        self.assertContains(r, '<span class="badge overdue">overdue</span>')

    def test_it_lets_the_analyst_read_but_not_act(self):
        self.login(self.analyst)
        self.assertEqual(self.client.get(self.call.get_absolute_url()).status_code, 200)
        self.assertEqual(self.act(self.call, "complete").status_code, 403)
        self.assertEqual(self.client.get(self.plan_url(self.bobs)).status_code, 403)
        self.call.refresh_from_db()
        self.assertEqual(self.call.status, "planned")

    def test_it_keeps_a_sales_manager_to_their_own_customers(self):
        self.login(self.other_manager)
        self.assertEqual(self.client.get(self.call.get_absolute_url()).status_code, 404)
        self.assertEqual(self.act(self.call, "complete").status_code, 404)
        self.assertEqual(self.client.get(self.plan_url(self.bobs)).status_code, 404)
        self.assertEqual(self.client.get(self.plan_url(self.carols)).status_code, 200)

    def test_it_refuses_an_unknown_action(self):
        self.login(self.manager)
        self.assertEqual(self.act(self.call, "explode").status_code, 400)
