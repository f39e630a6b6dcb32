"""Times and numbers out of range: refused at the edge with the field named, and skipped
(and reported) by the reminders, the SLA warnings and the calendar feed when an old row
holds one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, CalendarFeed, Complaint, ComplaintSla
from tenure.crm.engagement.reminding import queue_due_reminders
from tenure.crm.engagement.sla import warn_of_breaches
from tenure.crm.messaging.models import Notification
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HUGE = str(2**63 - 1)


def largest_stored_int() -> int:
    """Return the largest whole number the minutes columns hold (2^31-1 on PostgreSQL)."""
    return min(2**63 - 1, connection.ops.integer_field_range("PositiveIntegerField")[1])


@time_machine.travel(NOW, tick=False)
class OutOfRangeFormTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.customer = Customer.objects.create(name="Ann", manager=cls.manager)
        cls.call = Activity.objects.create(customer=cls.customer, subject="Call Ann",
                                           assignee=cls.manager, due_at=NOW + timedelta(hours=2))

    def plan(self, **fields):
        self.login(self.manager)
        data = {"kind": "call", "subject": "Call", "due_at": "2026-03-04T10:00",
                "duration_minutes": 30, "assignee": self.manager.pk,
                "remind_minutes_before": 15, **fields}
        return self.client.post(f"/engagement/customers/{self.customer.pk}/plan/", data)

    def test_it_refuses_huge_reminder_minutes_and_durations_naming_the_field(self):
        for field in ("remind_minutes_before", "duration_minutes"):
            with self.subTest(field=field):
                r = self.plan(**{field: HUGE})
                self.assertEqual(r.status_code, 200)
                self.assertIn(field, r.context["form"].errors)
                self.assertIn("less than or equal to 44640", str(r.context["form"].errors[field]))
        self.assertEqual(Activity.objects.count(), 1)

    def test_it_refuses_a_time_beyond_2100_for_a_new_or_moved_activity(self):
        r = self.plan(due_at="9999-12-31T23:59")
        self.assertFormError(r.context["form"], "due_at",
                             "Enter a date between 1900-01-01 and 2100-12-31.")
        self.login(self.manager)
        r = self.client.post(self.call.get_absolute_url(),
                             {"action": "reschedule", "due_at": "9999-12-31T23:59"})
        self.assertContains(r, "Enter a date between 1900-01-01 and 2100-12-31.")
        self.call.refresh_from_db()
        self.assertEqual(self.call.due_at, NOW + timedelta(hours=2))

    def test_it_refuses_a_contact_logged_in_the_year_1(self):
        self.login(self.manager)
        r = self.client.post(f"/engagement/customers/{self.customer.pk}/log/", {
            "kind": "call", "summary": "x", "occurred_at": "0001-01-01T00:00"})
        self.assertContains(r, "Enter a date between 1900-01-01 and 2100-12-31.")
        self.assertFalse(self.customer.interactions.exists())

    def test_it_answers_400_to_a_complaint_report_period_out_of_range(self):
        self.login(self.admin)
        for query in ("until=9999-12-31", "until=0001-01-01", "since=0001-01-01"):
            with self.subTest(query=query):
                r = self.client.get(f"/engagement/complaints/report/?{query}")
                self.assertContains(r, "Enter a date between 1900-01-01 and 2100-12-31.",
                                    status_code=400)

    def test_it_holds_the_sla_hours_to_a_year(self):
        sla = ComplaintSla(severity="low", resolve_within_hours=10**9)
        with self.assertRaises(ValidationError) as raised:
            sla.full_clean()
        self.assertIn("resolve_within_hours", raised.exception.message_dict)

    def test_it_uses_the_default_sla_when_the_stored_one_is_out_of_range(self):
        ComplaintSla.objects.update_or_create(severity="high",
                                              defaults={"resolve_within_hours": 10**9})
        complaint = Complaint.objects.register(self.customer, category="delivery",
                                               description="Late", severity="high")
        self.assertEqual(complaint.due_at, NOW + timedelta(hours=24))


class OutOfRangeJobTestCase(TenureTestCase):
    """Rows written before the validators existed, or straight into the database."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.customer = Customer.objects.create(name="Ann", manager=cls.manager)

    def activity(self, subject: str, **fields) -> Activity:
        fields = {"customer": self.customer, "assignee": self.manager,
                  "due_at": NOW + timedelta(hours=1), "remind_minutes_before": 90, **fields}
        return Activity.objects.create(subject=subject, **fields)

    def test_it_skips_and_reports_an_activity_out_of_range_and_reminds_of_the_others(self):
        good = self.activity("Call Ann")
        bad = self.activity("Broken")
        Activity.objects.filter(pk=bad.pk).update(duration_minutes=largest_stored_int())
        with time_machine.travel(NOW, tick=False):
            report = queue_due_reminders()
        self.assertEqual(report.done, 1)
        self.assertEqual(len(report.skipped), 1)
        self.assertIn(f"activity {bad.pk}: duration_minutes", report.skipped[0])
        self.assertIn(f"skipped 1: activity {bad.pk}", str(report))
        self.assertTrue(Notification.objects.filter(url=good.get_absolute_url()).exists())
        self.assertFalse(Notification.objects.filter(url=bad.get_absolute_url()).exists())

    def test_it_serves_the_calendar_feed_without_an_activity_of_endless_minutes(self):
        good = self.activity("Call Ann")
        bad = self.activity("Endless")
        Activity.objects.filter(pk=bad.pk).update(duration_minutes=largest_stored_int())
        with time_machine.travel(NOW, tick=False), self.assertLogs(
                "tenure.crm.engagement.calendar_feed", "WARNING") as logs:
            r = self.client.get(CalendarFeed.for_user(self.manager).get_absolute_url())
        self.assertEqual(r.status_code, 200)
        calendar = icalendar.Calendar.from_ical(r.content)
        self.assertEqual([str(e["uid"]) for e in calendar.walk("VEVENT")], [str(good.uid)])
        self.assertIn(f"skipped activity {bad.pk}", logs.output[0])

    def test_it_skips_and_reports_a_complaint_out_of_range_and_warns_of_the_others(self):
        def register():
            return Complaint.objects.register(self.customer, category="delivery",
                                              description="Late", assignee=self.manager,
                                              opened_at=NOW - timedelta(days=10))

        late, broken = register(), register()
        Complaint.objects.filter(pk=broken.pk).update(
            opened_at=datetime(1, 1, 1, tzinfo=UTC), due_at=datetime(1, 1, 2, tzinfo=UTC))
        with time_machine.travel(NOW, tick=False):
            report = warn_of_breaches()
        self.assertEqual(report.done, 1)
        self.assertIn(f"complaint {broken.pk}: opened_at", report.skipped[0])
        self.assertTrue(Notification.objects.filter(
            key__startswith=f"complaint-breach:{late.pk}:").exists())
