from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.urls import reverse

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, CalendarFeed
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class AgendaTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        ann = Customer.objects.create(name="Ann", manager=cls.manager)
        cid = Customer.objects.create(name="Cid", manager=cls.other_manager)
        late_sunday = at(8, 22) + timedelta(minutes=30)
        for subject, due in [("Missed", at(3, 10)), ("This afternoon", at(4, 15)),
                             ("Friday", at(6, 10)), ("Sunday night", late_sunday),
                             ("Next Monday", at(9, 9)), ("Earlier today", at(4, 8))]:
            Activity.objects.create(customer=ann, subject=subject, due_at=due,
                                    assignee=cls.manager)
        Activity.objects.create(customer=ann, subject="Done already", due_at=at(4, 10),
                                assignee=cls.manager, status="done")
        Activity.objects.create(customer=cid, subject="Carol's call", due_at=at(4, 11),
                                assignee=cls.other_manager)

    def test_it_splits_the_users_planned_activities_by_when_they_are_due(self):
        self.login(self.manager)
        r = self.client.get(reverse("engagement:agenda"))
        sections = {s.key: [a.subject for a in s.activities] for s in r.context["sections"]}
        self.assertEqual(sections, {
            "overdue": ["Missed", "Earlier today"],
            "today": ["This afternoon"],
            "week": ["Friday", "Sunday night"],
            "later": ["Next Monday"],
        })
        self.assertContains(r, '<li class="overdue">', count=2)
        self.assertNotContains(r, "Carol&#x27;s call")
        self.assertNotContains(r, "Done already")

    def test_it_says_what_to_do_when_nothing_is_planned(self):
        self.login(self.support)
        r = self.client.get(reverse("engagement:agenda"))
        self.assertContains(r, "Nothing planned")
        self.assertContains(r, "Plan an activity")

    def test_it_shows_the_calendar_address_and_makes_a_new_one(self):
        self.login(self.manager)
        r = self.client.get(reverse("engagement:agenda"))
        token = CalendarFeed.objects.get(user=self.manager).token
        self.assertContains(r, f"http://testserver/engagement/calendar/{token}.ics")
        self.assertContains(r, "Subscribe in your calendar")

        r = self.client.post(reverse("engagement:regenerate_feed"), follow=True)

        new_token = CalendarFeed.objects.get(user=self.manager).token
        self.assertNotEqual(new_token, token)
        self.assertContains(r, f"/engagement/calendar/{new_token}.ics")
        self.assertEqual(self.client.get(f"/engagement/calendar/{token}.ics").status_code, 404)

    def test_it_refuses_a_user_without_a_role(self):
        self.login(self.nobody)
        self.assertEqual(self.client.get(reverse("engagement:agenda")).status_code, 403)
        self.assertEqual(self.client.post(reverse("engagement:regenerate_feed")).status_code,
                         403)
        self.assertFalse(CalendarFeed.objects.exists())

    def test_it_needs_a_sign_in(self):
        url = reverse("engagement:agenda")
        self.assertRedirects(self.client.get(url), f"/accounts/login/?next={url}",
                             fetch_redirect_response=False)

    def test_it_counts_a_day_in_the_local_time_zone(self):
        # Kyiv is UTC+2 in March: its Wednesday ends at 22:00 UTC, its week at Sunday 22:00.
        with self.settings(TIME_ZONE="Europe/Kyiv"):
            Activity.objects.filter(subject="This afternoon").update(due_at=at(4, 22))
            self.login(self.manager)
            r = self.client.get(reverse("engagement:agenda"))
        sections = {s.key: [a.subject for a in s.activities] for s in r.context["sections"]}
        self.assertEqual(sections["today"], [])
        self.assertEqual(sections["week"], ["This afternoon", "Friday"])
        self.assertEqual(sections["later"], ["Sunday night", "Next Monday"])
