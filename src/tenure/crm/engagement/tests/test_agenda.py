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


class AgendaData(TenureTestCase):
    """Bob's activities around Wednesday 2026-03-04, and one of Carol's."""

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


@time_machine.travel(NOW, tick=False)
class AgendaTestCase(AgendaData):

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


@time_machine.travel(NOW, tick=False)
class AgendaWeekAndInPlaceTestCase(AgendaData):
    """The week view, done and moved in place, and the whole of "later"."""

    def test_the_week_view_lays_the_week_out_day_by_day(self):
        self.login(self.manager)
        r = self.client.get(reverse("engagement:agenda"), {"view": "week"})
        days = {d.day.isoformat(): [a.subject for a in d.activities] for d in r.context["days"]}
        self.assertEqual(days, {
            "2026-03-02": [], "2026-03-03": ["Missed"],
            "2026-03-04": ["Earlier today", "This afternoon"], "2026-03-05": [],
            "2026-03-06": ["Friday"], "2026-03-07": [], "2026-03-08": ["Sunday night"]})
        later = self.client.get(reverse("engagement:agenda"), {"view": "week",
                                                               "week": "2026-03-12"})
        self.assertEqual([a.subject for d in later.context["days"] for a in d.activities],
                         ["Next Monday"])
        self.assertNotContains(r, "Carol&#x27;s call")

    def test_a_week_that_is_not_a_day_is_a_400(self):
        self.login(self.manager)
        for week in ("2026-13-01", "yesterday", "0001-01-01", "9" * 40):
            with self.subTest(week=week):
                r = self.client.get(reverse("engagement:agenda"), {"view": "week", "week": week})
                self.assertEqual(r.status_code, 400)

    def test_done_and_moved_in_place_come_back_to_the_agenda(self):
        self.login(self.manager)
        friday = Activity.objects.get(subject="Friday")
        back = "/engagement/agenda/?view=week"
        r = self.client.post(friday.get_absolute_url(), {"action": "complete", "next": back})
        self.assertRedirects(r, back, fetch_redirect_response=False)
        friday.refresh_from_db()
        self.assertEqual(friday.status, "done")

        missed = Activity.objects.get(subject="Missed")
        r = self.client.post(missed.get_absolute_url(), {
            "action": "reschedule", "due_at": "2026-03-05T11:00", "next": "https://evil.example/"})
        self.assertRedirects(r, missed.get_absolute_url(), fetch_redirect_response=False)
        missed.refresh_from_db()
        self.assertEqual(missed.due_at.date().isoformat(), "2026-03-05")

    def test_someone_elses_activity_cannot_be_done_from_the_agenda(self):
        self.login(self.manager)
        carols = Activity.objects.get(subject="Carol's call")
        r = self.client.post(carols.get_absolute_url(), {"action": "complete",
                                                         "next": "/engagement/agenda/"})
        self.assertIn(r.status_code, (403, 404))
        carols.refresh_from_db()
        self.assertEqual(carols.status, "planned")

    def test_later_can_be_shown_whole(self):
        ann = Customer.objects.get(name="Ann")
        for n in range(55):
            Activity.objects.create(customer=ann, subject=f"Far {n}", due_at=at(20, 9),
                                    assignee=self.manager)
        self.login(self.manager)
        first = self.client.get(reverse("engagement:agenda"))
        self.assertContains(first, "The first 50 are shown.")
        self.assertContains(first, '<a href="?later=all#later">', html=False)
        every = self.client.get(reverse("engagement:agenda"), {"later": "all"})
        later = next(s for s in every.context["sections"] if s.key == "later")
        self.assertEqual(len(later.activities), 56)
        self.assertNotContains(every, "The first 50 are shown.")
