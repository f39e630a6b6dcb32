"""A/B variants split the treated customers and share the control group; a later step
reaches, after its wait, those who have not bought since the first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import TestCase

from tenure.crm.campaigns import reporting, running
from tenure.crm.campaigns.models import Campaign, CampaignStatus, Delivery, Group, Step
from tenure.crm.customers.models import Customer
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order

NOW = dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC)


def customers(n: int) -> None:
    Customer.objects.bulk_create(
        Customer(name=f"C{i}", email=f"c{i}@example.org", consent_email=True)
        for i in range(n))


class VariantsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        customers(400)
        cls.campaign = Campaign.objects.create(name="AB", status=CampaignStatus.ACTIVE,
                                               holdout=0.2)
        cls.a = Step.objects.create(campaign=cls.campaign, variant="A", body_en="Plain")
        cls.b = Step.objects.create(campaign=cls.campaign, variant="B", body_en="Bold")
        running.run(cls.campaign, NOW)

    def test_each_treated_customer_gets_one_variant_and_the_split_is_even(self):
        treated = Delivery.objects.filter(group=Group.TREATED)
        self.assertEqual(treated.values("customer").distinct().count(), treated.count())
        a, b = treated.filter(step=self.a).count(), treated.filter(step=self.b).count()
        # About 320 treated: half is 160, the binomial sd 8.9.
        self.assertTrue(abs(a - b) <= 80, (a, b))
        self.assertEqual(Message.objects.filter(body_text__startswith="Bold").count(), b)
        self.assertEqual(running.variant_of(self.campaign, treated.first().customer_id,
                                            [self.a, self.b]).pk, treated.first().step_id)

    def test_both_variants_are_reported_against_the_one_control_group(self):
        held = Delivery.objects.filter(group=Group.CONTROL)
        for delivery in held[:10]:
            Order.objects.create(customer_id=delivery.customer_id,
                                 external_id=f"o{delivery.pk}",
                                 ordered_at=NOW + dt.timedelta(days=2), total=Decimal("5"))
        [report] = reporting.report([self.campaign])
        rows = {step["variant"]: step for step in report["steps"]}
        self.assertEqual(sorted(rows), ["A", "B"])
        self.assertEqual(rows["A"]["control"], held.count())
        self.assertEqual(rows["B"]["control"], held.count())
        self.assertEqual(rows["A"]["converted_control"], 10)
        self.assertEqual(rows["A"]["treated"] + rows["B"]["treated"],
                         Delivery.objects.filter(group=Group.TREATED).count())


class JourneyTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        customers(60)
        cls.campaign = Campaign.objects.create(name="Two steps", status=CampaignStatus.ACTIVE,
                                               holdout=0.3)
        cls.first = Step.objects.create(campaign=cls.campaign, number=1, body_en="First")
        cls.second = Step.objects.create(campaign=cls.campaign, number=2, wait_days=3,
                                         body_en="Reminder")
        running.run(cls.campaign, NOW)

    def test_the_second_step_waits_then_skips_who_bought_and_keeps_the_groups(self):
        first = list(Delivery.objects.filter(step=self.first).order_by("pk"))
        buyer = next(d for d in first if d.group == Group.TREATED)
        Order.objects.create(customer_id=buyer.customer_id, external_id="b",
                             ordered_at=NOW + dt.timedelta(days=1), total=Decimal("9"))
        running.run(self.campaign, NOW + dt.timedelta(days=2))
        self.assertFalse(Delivery.objects.filter(step=self.second).exists())
        running.run(self.campaign, NOW + dt.timedelta(days=3, minutes=1))
        second = {d.customer_id: d.group for d in Delivery.objects.filter(step=self.second)}
        self.assertEqual(set(second), {d.customer_id for d in first} - {buyer.customer_id})
        self.assertEqual(second, {d.customer_id: d.group for d in first
                                  if d.customer_id != buyer.customer_id})
        reminders = Message.objects.filter(body_text__startswith="Reminder")
        self.assertEqual(reminders.count(), sum(g == Group.TREATED for g in second.values()))
        # Running again sends nothing more.
        running.run(self.campaign, NOW + dt.timedelta(days=4))
        self.assertEqual(reminders.count(), sum(g == Group.TREATED for g in second.values()))


class SkipAnsweredTestCase(TestCase):
    def test_a_later_step_can_skip_who_answered_a_survey_since_the_first(self):
        from tenure.crm.feedback.models import Answer, Invitation, Survey

        customers(2)
        campaign = Campaign.objects.create(name="Ask", status=CampaignStatus.ACTIVE,
                                           holdout=0)
        Step.objects.create(campaign=campaign, number=1, body_en="First")
        second = Step.objects.create(campaign=campaign, number=2, wait_days=2,
                                     skip_answered=True, body_en="Again")
        running.run(campaign, NOW)
        answered, silent = Customer.objects.order_by("pk")
        survey = Survey.objects.create(name="NPS", kind="nps", trigger="purchase")
        invitation = Invitation.objects.create(survey=survey, customer=answered,
                                               occasion="x", expires_at=NOW)
        Answer.objects.create(invitation=invitation, customer=answered, kind="nps", score=9,
                              answered_at=NOW + dt.timedelta(days=1))
        running.run(campaign, NOW + dt.timedelta(days=2, minutes=1))
        self.assertEqual(list(Delivery.objects.filter(step=second).values_list(
            "customer", flat=True)), [silent.pk])
