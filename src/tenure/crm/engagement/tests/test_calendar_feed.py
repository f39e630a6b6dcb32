from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import time_machine
from django.test import override_settings

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, CalendarFeed
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
@override_settings(TENURE_BASE_URL="https://crm.example.com")
class CalendarFeedTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        ann = Customer.objects.create(name="Ann", phone="+380441234567", manager=cls.manager)
        cid = Customer.objects.create(name="Cid", manager=cls.other_manager)

        def plan(subject, due, **fields):
            fields = {"customer": ann, "assignee": cls.manager, **fields}
            return Activity.objects.create(subject=subject, due_at=due, **fields)

        cls.soon = plan("Call about the order", NOW + timedelta(days=1), duration_minutes=45,
                        remind_minutes_before=15, notes="Ask about the size", reschedules=2)
        cls.missed = plan("Missed call", NOW - timedelta(days=10), remind_minutes_before=None)
        plan("Long ago", NOW - timedelta(days=31))
        plan("Done", NOW + timedelta(days=2), status="done")
        plan("Cancelled", NOW + timedelta(days=2), status="cancelled")
        plan("Carol's", NOW + timedelta(days=1), customer=cid, assignee=cls.other_manager)
        cls.feed = CalendarFeed.for_user(cls.manager)

    def fetch(self, token=None):
        return self.client.get(f"/engagement/calendar/{token or self.feed.token}.ics")

    def events(self, response) -> dict:
        calendar = icalendar.Calendar.from_ical(response.content)
        return {str(event["uid"]): event for event in calendar.walk("VEVENT")}

    def test_it_serves_the_users_planned_activities_without_a_sign_in(self):
        r = self.fetch()

        self.assertEqual(r["Content-Type"], "text/calendar; charset=utf-8")
        events = self.events(r)
        self.assertEqual(set(events), {str(self.soon.uid), str(self.missed.uid)})
        soon = events[str(self.soon.uid)]
        self.assertEqual(soon.decoded("dtstart"), NOW + timedelta(days=1))
        self.assertEqual(soon.decoded("dtend"), NOW + timedelta(days=1, minutes=45))
        self.assertEqual(str(soon["summary"]), "Call about the order · Ann")
        self.assertIn("Ask about the size", str(soon["description"]))
        self.assertIn("+380441234567", str(soon["description"]))
        self.assertEqual(str(soon["url"]),
                         f"https://crm.example.com/engagement/activities/{self.soon.pk}/")
        self.assertEqual(soon["sequence"], 2)
        alarm = soon.walk("VALARM")[0]
        self.assertEqual(alarm.decoded("trigger"), timedelta(minutes=-15))
        self.assertEqual(events[str(self.missed.uid)].walk("VALARM"), [])

    def test_it_keeps_the_same_uid_when_an_activity_moves(self):
        self.soon.reschedule(NOW + timedelta(days=3))

        event = self.events(self.fetch())[str(self.soon.uid)]

        self.assertEqual(event.decoded("dtstart"), NOW + timedelta(days=3))
        self.assertEqual(event["sequence"], 3)

    def test_it_answers_404_to_an_unknown_token_or_an_inactive_user(self):
        self.assertEqual(self.fetch("not-a-token").status_code, 404)
        self.manager.is_active = False
        self.manager.save()
        self.assertEqual(self.fetch().status_code, 404)

    def test_it_drops_the_activities_of_a_customer_the_user_no_longer_manages(self):
        Customer.objects.filter(name="Ann").update(manager=self.other_manager)

        self.assertEqual(self.events(self.fetch()), {})
