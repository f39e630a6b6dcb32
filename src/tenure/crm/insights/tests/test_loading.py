"""Loading the CRM's tables as the analytics library's canonical tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, Complaint, Interaction
from tenure.crm.feedback.models import Answer, Invitation, Survey
from tenure.crm.insights.loading import (
    load_activities,
    load_complaints,
    load_customers,
    load_feedback,
    load_interactions,
    load_managers,
    load_messages,
    load_transactions,
)
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase

UTC = timezone.get_fixed_timezone(0)


def order(customer, when: datetime, total: str, *, status=OrderStatus.COMPLETED, cost=None,
          channel="", store="") -> Order:
    return Order.objects.create(
        external_id=f"O{Order.objects.count() + 1}", customer=customer, ordered_at=when,
        total=Decimal(total), status=status, channel=channel, store=store,
        cost=None if cost is None else Decimal(cost),
    )


def refund(order: Order, when: datetime, amount: str) -> Return:
    return Return.objects.create(
        external_id=f"R{Return.objects.count() + 1}", order=order, returned_at=when,
        amount=Decimal(amount),
    )


class LoadingTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(
            name="Olena", city="Kyiv", gender="f", acquisition_channel="instagram",
            acquired_on=date(2025, 1, 5), birth_date=date(1990, 6, 1), manager=cls.manager,
        )
        cls.petro = Customer.objects.create(name="Petro", referred_by=cls.olena)
        cls.first = order(cls.olena, datetime(2025, 1, 10, 9, 30, tzinfo=UTC), "100.00",
                          cost="60.00", channel="web", store="Online")
        cls.second = order(cls.petro, datetime(2025, 2, 1, 23, 15, tzinfo=UTC), "40.50")
        cls.cancelled = order(cls.olena, datetime(2025, 3, 1, 12, tzinfo=UTC), "999.00",
                              status=OrderStatus.CANCELLED)
        refund(cls.first, datetime(2025, 1, 20, 8, tzinfo=UTC), "25.00")
        refund(cls.cancelled, datetime(2025, 3, 2, 8, tzinfo=UTC), "999.00")

    def rows(self) -> list[dict]:
        table = load_transactions().sort_by([("time", "ascending")])
        return table.to_pylist()

    def test_it_loads_purchases_and_returns_as_negative_rows(self):
        self.assertEqual(self.rows(), [
            {"customer_id": str(self.olena.pk), "time": datetime(2025, 1, 10, 9, 30),
             "amount": 100.0, "order_id": str(self.first.pk), "margin": 40.0,
             "channel": "web", "store": "Online", "manager": "bob"},
            {"customer_id": str(self.olena.pk), "time": datetime(2025, 1, 20, 8, 0),
             "amount": -25.0, "order_id": str(self.first.pk), "margin": -10.0,
             "channel": "web", "store": "Online", "manager": "bob"},
            {"customer_id": str(self.petro.pk), "time": datetime(2025, 2, 1, 23, 15),
             "amount": 40.5, "order_id": str(self.second.pk), "margin": None,
             "channel": None, "store": None, "manager": None},
        ])

    @override_settings(TIME_ZONE="Europe/Kyiv")
    def test_it_gives_times_in_the_shops_time_zone(self):
        # 23:15 UTC on 1 February is 01:15 on 2 February in Kyiv (UTC+2 in winter).
        self.assertEqual(self.rows()[2]["time"], datetime(2025, 2, 2, 1, 15))

    def test_it_loads_the_canonical_columns_and_types(self):
        table = load_transactions()
        self.assertEqual(table.column_names, ["customer_id", "time", "amount", "order_id",
                                              "margin", "channel", "store", "manager"])
        self.assertEqual(str(table.schema.field("time").type), "timestamp[us]")

    def test_it_loads_the_customers_attributes(self):
        rows = {r["customer_id"]: r for r in load_customers().to_pylist()}
        self.assertEqual(rows[str(self.olena.pk)], {
            "customer_id": str(self.olena.pk), "city": "Kyiv", "gender": "f",
            "acquisition_channel": "instagram", "acquired_on": date(2025, 1, 5),
            "birth_date": date(1990, 6, 1), "referred_by": None, "manager": "bob",
        })
        petro = rows[str(self.petro.pk)]
        self.assertEqual((petro["city"], petro["referred_by"], petro["manager"]),
                         (None, str(self.olena.pk), None))

    def test_it_loads_each_customers_manager(self):
        self.assertEqual(load_managers().to_pylist(),
                         [{"customer_id": str(self.olena.pk), "manager": "bob"}])

    def test_it_loads_an_empty_shop(self):
        Return.objects.all().delete()
        Order.objects.all().delete()
        self.assertEqual(load_transactions().num_rows, 0)
        for load, columns in (
            (load_feedback, ["customer_id", "time", "kind", "score"]),
            (load_complaints, ["customer_id", "opened_at", "resolved_at", "category",
                               "severity"]),
            (load_interactions, ["customer_id", "time", "channel", "direction"]),
            (load_messages, ["customer_id", "sent_at", "responded_at"]),
            (load_activities, ["assignee", "due_at", "completed_at", "status"]),
        ):
            table = load()
            self.assertEqual((table.num_rows, table.column_names), (0, columns), load.__name__)


class EngagementLoadingTestCase(TenureTestCase):
    """Survey answers, complaints, contacts, emails and activities as the churn model's
    optional sources (and the manager performance page's activities)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager)
        cls.petro = Customer.objects.create(name="Petro")
        survey = Survey.objects.create(name="After purchase", kind="nps", trigger="purchase")
        cls.sent = cls.message(cls.olena, "sent", sent_at=datetime(2025, 3, 1, 9, tzinfo=UTC))
        invitation = Invitation.objects.create(
            survey=survey, customer=cls.olena, occasion="order:1", message=cls.sent,
            created_at=datetime(2025, 3, 1, 9, tzinfo=UTC),
            expires_at=datetime(2025, 3, 31, tzinfo=UTC))
        Answer.objects.create(invitation=invitation, customer=cls.olena, kind="nps", score=9,
                              answered_at=datetime(2025, 3, 2, 18, 30, tzinfo=UTC))

    @classmethod
    def message(cls, customer, status, **fields) -> Message:
        n = Message.objects.count() + 1
        return Message.objects.create(
            template="survey", language="en", customer=customer, to_email="o@example.com",
            subject="How did we do?", body_text="...", message_id=f"<{n}@tenure>",
            status=status, **fields)

    def complaint(self, customer, opened: datetime, status: str, **fields) -> Complaint:
        return Complaint.objects.create(
            customer=customer, category="delivery", severity="high", description="Late",
            opened_at=opened, due_at=opened + timedelta(days=1), status=status, **fields)

    def test_it_loads_the_survey_answers(self):
        self.assertEqual(load_feedback().to_pylist(), [{
            "customer_id": str(self.olena.pk), "time": datetime(2025, 3, 2, 18, 30),
            "kind": "nps", "score": 9}])

    def test_it_loads_complaints_resolved_only_while_they_stay_resolved(self):
        opened = datetime(2025, 4, 1, 8, tzinfo=UTC)
        self.complaint(self.olena, opened, "resolved",
                       resolved_at=datetime(2025, 4, 1, 20, tzinfo=UTC))
        # Reopened: its earlier resolution no longer counts.
        self.complaint(self.petro, opened, "in_progress",
                       resolved_at=datetime(2025, 4, 2, tzinfo=UTC))
        # Closed without a recorded resolution: resolved when closed.
        self.complaint(self.petro, opened, "closed",
                       closed_at=datetime(2025, 4, 3, tzinfo=UTC))
        self.complaint(self.petro, opened, "new")
        rows = sorted(load_complaints().to_pylist(), key=lambda r: str(r["resolved_at"]))
        self.assertEqual([(r["customer_id"], r["resolved_at"]) for r in rows], [
            (str(self.olena.pk), datetime(2025, 4, 1, 20)),
            (str(self.petro.pk), datetime(2025, 4, 3)),
            (str(self.petro.pk), None), (str(self.petro.pk), None),
        ])
        self.assertEqual({(r["opened_at"], r["category"], r["severity"]) for r in rows},
                         {(datetime(2025, 4, 1, 8), "delivery", "high")})
        # engagement's rule, read through its queryset, resolves the same complaints.
        times = (Complaint.objects.with_resolved_time().exclude(resolved_time=None)
                 .values_list("resolved_time", flat=True))
        self.assertEqual(sorted(t.replace(tzinfo=None) for t in times),
                         [r["resolved_at"] for r in rows if r["resolved_at"]])

    def test_it_loads_contacts_but_not_notes(self):
        when = datetime(2025, 5, 1, 10, tzinfo=UTC)
        Interaction.objects.create(customer=self.olena, kind="call", direction="in",
                                   occurred_at=when)
        Interaction.objects.create(customer=self.petro, kind="email", occurred_at=when)
        Interaction.objects.create(customer=self.petro, kind="note", occurred_at=when)
        rows = sorted(load_interactions().to_pylist(), key=lambda r: r["channel"])
        self.assertEqual(rows, [
            {"customer_id": str(self.olena.pk), "time": datetime(2025, 5, 1, 10),
             "channel": "call", "direction": "in"},
            {"customer_id": str(self.petro.pk), "time": datetime(2025, 5, 1, 10),
             "channel": "email", "direction": None},
        ])

    def test_it_loads_delivered_emails_with_the_survey_answer_as_response(self):
        self.message(self.petro, "unconfirmed", claimed_at=datetime(2025, 6, 1, 7, tzinfo=UTC))
        for status in ("queued", "failed", "cancelled"):
            self.message(self.petro, status)
        self.message(None, "sent", user=self.manager, sent_at=datetime(2025, 6, 1, tzinfo=UTC))
        rows = sorted(load_messages().to_pylist(), key=lambda r: r["sent_at"])
        self.assertEqual(rows, [
            {"customer_id": str(self.olena.pk), "sent_at": datetime(2025, 3, 1, 9),
             "responded_at": datetime(2025, 3, 2, 18, 30)},
            # Unconfirmed: the worker died before the reply; it was claimed at 7:00.
            {"customer_id": str(self.petro.pk), "sent_at": datetime(2025, 6, 1, 7),
             "responded_at": None},
        ])

    def test_it_loads_activities_with_their_assignee(self):
        due = datetime(2025, 7, 1, 9, tzinfo=UTC)
        Activity.objects.create(customer=self.olena, subject="Call", assignee=self.manager,
                                due_at=due, status="done",
                                completed_at=datetime(2025, 7, 1, 8, tzinfo=UTC))
        self.assertEqual(load_activities().to_pylist(), [{
            "assignee": "bob", "due_at": datetime(2025, 7, 1, 9),
            "completed_at": datetime(2025, 7, 1, 8), "status": "done"}])

    @override_settings(TIME_ZONE="Europe/Kyiv")
    def test_it_gives_their_times_in_the_shops_time_zone(self):
        self.assertEqual(load_feedback()["time"][0].as_py(), datetime(2025, 3, 2, 20, 30))
