from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import make_msgid

from tenure.crm.customers import timeline as timeline_module
from tenure.crm.customers.models import Customer
from tenure.crm.customers.timeline import timeline
from tenure.crm.engagement.models import Activity, Complaint, Interaction
from tenure.crm.feedback.models import Answer, Invitation, Survey
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


class TimelineTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena", email="o@example.com",
                                            manager=cls.manager)
        Order.objects.create(external_id="A-1", customer=cls.olena, ordered_at=at(1),
                             total=Decimal("12.50"))
        Interaction.objects.create(customer=cls.olena, kind="call", direction="out",
                                   occurred_at=at(2), manager=cls.manager, summary="Asked")
        Activity.objects.create(customer=cls.olena, subject="Call back", due_at=at(3),
                                assignee=cls.manager)
        Complaint.objects.create(customer=cls.olena, category="delivery", description="Late",
                                 opened_at=at(4), due_at=at(5))
        survey = Survey.objects.create(name="After purchase", kind="nps", trigger="purchase")
        invitation = Invitation.objects.create(survey=survey, customer=cls.olena,
                                               occasion="order:1", expires_at=at(30))
        Answer.objects.create(invitation=invitation, customer=cls.olena, kind="nps", score=3,
                              answered_at=at(5), comment="Slow delivery")
        Message.objects.create(template="t", language="en", customer=cls.olena,
                               to_email="o@example.com", subject="Your complaint",
                               body_text="x", message_id=make_msgid(), created_at=at(6))
        other = Customer.objects.create(name="Other")
        Interaction.objects.create(customer=other, kind="note", occurred_at=at(7))

    def test_it_merges_every_source_newest_first(self):
        events = timeline(self.olena)
        self.assertEqual([e.kind for e in events],
                         ["message", "answer", "complaint", "activity", "interaction", "order"])
        self.assertEqual(events[1].title, "After purchase: 3")
        self.assertEqual(events[1].detail, "Slow delivery")

    def test_it_filters_by_kind(self):
        events = timeline(self.olena, kinds={"order", "answer"})
        self.assertEqual([e.kind for e in events], ["answer", "order"])

    def test_it_pages_with_a_time_cursor(self):
        first = timeline(self.olena, limit=4)
        rest = timeline(self.olena, before=first[-1].time, limit=4)
        self.assertEqual([e.kind for e in rest], ["interaction", "order"])

    def test_it_shows_the_timeline_on_the_customer_page(self):
        self.login(self.manager)
        r = self.client.get(f"/customers/{self.olena.pk}/?kind=complaint")
        self.assertContains(r, "Complaint #")
        self.assertNotContains(r, "Slow delivery")
        r = self.client.get(f"/customers/{self.olena.pk}/")
        self.assertContains(r, "Slow delivery")

    def test_it_marks_an_overdue_activity(self):
        events = timeline(self.olena, kinds={"activity"})
        self.assertEqual(events[0].badge, "Overdue")

    def test_it_offers_an_empty_timeline_a_next_step(self):
        self.login(self.admin)
        fresh = Customer.objects.create(name="New")
        r = self.client.get(f"/customers/{fresh.pk}/")
        self.assertContains(r, "Nothing has happened with this customer yet")
        self.assertEqual(timeline(fresh), [])

    def test_it_pages_many_events_in_windows(self):
        Interaction.objects.bulk_create(
            Interaction(customer=self.olena, kind="note", occurred_at=at(1) - timedelta(hours=i))
            for i in range(1, 121)
        )
        seen, before = [], None
        while page := timeline(self.olena, before=before):
            seen += page
            before = page[-1].time
        self.assertEqual(len(seen), 126)
        self.assertEqual(len({(e.kind, e.order) for e in seen}), 126)


class TimelineSourcesTestCase(TenureTestCase):
    def test_the_apps_above_customers_register_their_sources_in_the_page_order(self):
        # engagement and feedback hand theirs over from AppConfig.ready.
        self.assertEqual(list(timeline_module.KINDS), list(timeline_module.ORDER))
        self.assertEqual(set(timeline_module.SOURCES), set(timeline_module.ORDER))
