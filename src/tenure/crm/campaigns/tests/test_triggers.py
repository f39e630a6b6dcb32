"""The triggers fire on each customer's own date, once per occasion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import TestCase, override_settings

from tenure.crm.campaigns import running, triggers
from tenure.crm.campaigns.models import Campaign, CampaignStatus, Delivery, Group, Step, Trigger
from tenure.crm.customers.models import Customer
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order

UTC = dt.UTC


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def customer(name: str, **fields) -> Customer:
    fields = {"email": f"{name.lower()}@example.org", "consent_email": True, **fields}
    return Customer.objects.create(name=name, **fields)


def campaign(trigger: str, **fields) -> Campaign:
    fields = {"holdout": 0.0, "status": CampaignStatus.ACTIVE, **fields}
    made = Campaign.objects.create(name=f"{trigger} {Campaign.objects.count()}",
                                   trigger=trigger, **fields)
    Step.objects.create(campaign=made, number=1, subject_en="Hello {{ name }}",
                        body_en="Happy day, {{ name }}!", subject_ru="Привет, {{ name }}",
                        body_ru="С праздником, {{ name }}!")
    return made


@override_settings(TIME_ZONE="Europe/Kyiv")
class BirthdayTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.vladivostok = customer("Ivan", birth_date=dt.date(1990, 3, 15),
                                   time_zone="Asia/Vladivostok")
        cls.kyiv = customer("Olena", birth_date=dt.date(1985, 3, 15), time_zone="Europe/Kyiv")
        # No zone: the shop's (Kyiv).
        cls.shop_zone = customer("Petro", birth_date=dt.date(1970, 3, 15))
        cls.leap = customer("Lena", birth_date=dt.date(2000, 2, 29), time_zone="Europe/Kyiv")
        cls.birthday = campaign(Trigger.BIRTHDAY)

    def fired(self, now) -> dict[int, str]:
        return triggers.due(self.birthday, Customer.objects.all(), now)

    def test_each_customer_is_greeted_on_their_own_local_date(self):
        # 14 March 16:00 UTC is 15 March 02:00 in Vladivostok (UTC+10), 18:00 in Kyiv.
        self.assertEqual(self.fired(at(2027, 3, 14, 16)), {self.vladivostok.pk: "2027"})
        # 14 March 22:30 UTC is 15 March 00:30 in Kyiv (UTC+2): now both, and the shop zone.
        self.assertEqual(self.fired(at(2027, 3, 14, 22, 30)),
                         {self.vladivostok.pk: "2027", self.kyiv.pk: "2027",
                          self.shop_zone.pk: "2027"})
        # 15 March 14:30 UTC is 16 March 00:30 in Vladivostok: their day is over.
        self.assertEqual(self.fired(at(2027, 3, 15, 14, 30)),
                         {self.kyiv.pk: "2027", self.shop_zone.pk: "2027"})

    def test_29_february_is_greeted_on_28_february_in_other_years_and_on_29_in_leap_years(self):
        self.assertEqual(self.fired(at(2027, 2, 28, 10)), {self.leap.pk: "2027"})
        self.assertEqual(self.fired(at(2027, 3, 1, 10)), {})
        self.assertEqual(self.fired(at(2028, 2, 28, 10)), {})
        self.assertEqual(self.fired(at(2028, 2, 29, 10)), {self.leap.pk: "2028"})

    def test_days_before_moves_the_greeting_earlier(self):
        self.birthday.days = 3
        self.assertEqual(self.fired(at(2027, 3, 12, 10)),
                         {self.vladivostok.pk: "2027", self.kyiv.pk: "2027",
                          self.shop_zone.pk: "2027"})

    def test_running_every_hour_greets_each_customer_once_a_year(self):
        # Every hour from 14 to 16 March 2027 in UTC: each birthday fires many times.
        for hour in range(72):
            running.run(self.birthday, at(2027, 3, 14) + dt.timedelta(hours=hour))
        messages = Message.objects.filter(topic=f"campaign:{self.birthday.pk}")
        self.assertEqual(sorted(messages.values_list("customer__name", flat=True)),
                         ["Ivan", "Olena", "Petro"])
        # Next year, again once.
        for hour in range(48):
            running.run(self.birthday, at(2028, 3, 14) + dt.timedelta(hours=hour))
        self.assertEqual(messages.count(), 6)
        self.assertEqual(Delivery.objects.filter(occasion="2028").count(), 3)

    def test_the_message_is_written_in_the_customers_language_and_carries_their_zone(self):
        Customer.objects.filter(pk=self.vladivostok.pk).update(language="ru")
        running.run(self.birthday, at(2027, 3, 14, 16))
        message = Message.objects.get()
        self.assertEqual((message.subject, message.language), ("Привет, Ivan", "ru"))
        self.assertTrue(message.body_text.startswith("С праздником, Ivan!\n"))
        self.assertEqual((message.time_zone, message.marketing, message.to_email),
                         ("Asia/Vladivostok", True, "ivan@example.org"))

    def test_no_consent_or_no_address_means_no_message(self):
        Customer.objects.filter(pk=self.kyiv.pk).update(consent_email=False)
        Customer.objects.filter(pk=self.shop_zone.pk).update(email="")
        outcome = running.run(self.birthday, at(2027, 3, 14, 22, 30))
        self.assertEqual((outcome.sent, outcome.unreachable), (1, 2))


class ControlGroupTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        Customer.objects.bulk_create(
            Customer(name=f"C{i}", email=f"c{i}@example.org", consent_email=True)
            for i in range(400))
        cls.one_off = campaign(Trigger.ONE_OFF, holdout=0.25)

    def test_a_share_of_the_audience_is_held_out_the_same_way_every_time(self):
        outcome = running.run(self.one_off, at(2027, 1, 10, 12))
        held = set(Delivery.objects.filter(group=Group.CONTROL).values_list("customer",
                                                                          flat=True))
        self.assertEqual(outcome.sent + outcome.held_out, 400)
        self.assertEqual(outcome.held_out, len(held))
        # 25 % of 400 is 100; the binomial sd is 8.7, so 4 sd either side.
        self.assertTrue(65 <= len(held) <= 135, len(held))
        self.assertEqual(Message.objects.count(), 400 - len(held))
        self.assertFalse(Message.objects.filter(customer__in=held).exists())
        again = running.assign_groups(self.one_off, sorted(held))
        self.assertEqual(set(again.values()), {Group.CONTROL})
        # A second run sends nothing more.
        self.assertEqual(running.run(self.one_off, at(2027, 1, 10, 13)).sent, 0)


@override_settings(TIME_ZONE="UTC")
class PurchaseTriggersTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.first = customer("First")
        cls.second = customer("Second")
        for who, days in ((cls.first, [10]), (cls.second, [30, 10])):
            for number, ago in enumerate(days):
                Order.objects.create(customer=who, external_id=f"{who.name}{number}",
                                     ordered_at=at(2027, 5, 20, 12) - dt.timedelta(days=ago),
                                     total=Decimal("10"))

    def test_n_days_after_the_first_or_second_purchase(self):
        after_first = campaign(Trigger.AFTER_PURCHASE, days=10, purchase_number=1)
        after_second = campaign(Trigger.AFTER_PURCHASE, days=10, purchase_number=2)
        now = at(2027, 5, 20, 13)
        self.assertEqual(triggers.due(after_first, Customer.objects.all(), now),
                         {self.first.pk: "p1"})
        self.assertEqual(triggers.due(after_second, Customer.objects.all(), now),
                         {self.second.pk: "p2"})
        # Nine days after, nobody yet.
        self.assertEqual(triggers.due(after_first, Customer.objects.all(),
                                      now - dt.timedelta(days=1)), {})

    def test_no_purchase_for_n_days_fires_once_per_lapse(self):
        lapsed = campaign(Trigger.INACTIVITY, days=10)
        now = at(2027, 5, 20, 13)
        self.assertEqual(triggers.due(lapsed, Customer.objects.all(), now),
                         {self.first.pk: "2027-05-10", self.second.pk: "2027-05-10"})
        self.assertEqual(triggers.due(lapsed, Customer.objects.all(),
                                      now - dt.timedelta(days=2)), {})


class DatesTestCase(TestCase):
    def test_a_bad_line_is_named(self):
        made = Campaign(name="x", trigger=Trigger.DATE, dates="2027-03-08\nnext friday")
        with self.assertRaisesMessage(triggers.TriggerError, "Line 2"):
            triggers.dates_of(made, [2027])

    def test_listed_dates_and_a_countrys_holidays(self):
        made = Campaign(name="x", trigger=Trigger.DATE, dates="2027-03-08\nholidays:PL")
        found = triggers.dates_of(made, [2027])
        self.assertIn(dt.date(2027, 3, 8), found)
        self.assertIn(dt.date(2027, 11, 11), found)  # Polish Independence Day
        self.assertIn(dt.date(2027, 1, 1), found)


class GlobalControlTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        Customer.objects.bulk_create(
            Customer(name=f"C{i}", email=f"c{i}@example.org", consent_email=True)
            for i in range(300))

    @override_settings(TENURE_GLOBAL_CONTROL=0.2)
    def test_the_global_control_group_is_the_same_customers_in_every_campaign(self):
        first = campaign(Trigger.ONE_OFF, holdout=0.1)
        second = campaign(Trigger.ONE_OFF, holdout=0.1)
        running.run(first, at(2027, 1, 10, 12))
        running.run(second, at(2027, 1, 10, 12))

        def held(made):
            return set(Delivery.objects.filter(step__campaign=made, group=Group.GLOBAL)
                       .values_list("customer", flat=True))

        self.assertEqual(held(first), held(second))
        # 20 % of 300 is 60; the binomial sd is 6.9.
        self.assertTrue(35 <= len(held(first)) <= 85, len(held(first)))
        self.assertFalse(Message.objects.filter(customer__in=held(first)).exists())
        # The campaigns' own control groups differ.
        own = [set(Delivery.objects.filter(step__campaign=made, group=Group.CONTROL)
                   .values_list("customer", flat=True)) for made in (first, second)]
        self.assertNotEqual(own[0], own[1])


class WinBackTestCase(TestCase):
    def test_churn_risk_over_the_threshold_or_a_missed_rhythm_once_a_month(self):
        from tenure.crm.insights.models import CustomerSnapshot

        risky, late, steady, single = (customer(name) for name in
                                       ("Risky", "Late", "Steady", "Single"))
        day = dt.date(2027, 4, 30)
        rows = [  # (customer, risk, first, last, orders, recency days)
            (risky, 0.8, dt.date(2026, 1, 1), dt.date(2027, 4, 1), 5, 29),
            # Bought every 30 days over 4 orders, nothing for 70: twice the rhythm is 60.
            (late, 0.1, dt.date(2026, 12, 21), dt.date(2027, 2, 19), 3, 70),
            (steady, 0.1, dt.date(2026, 12, 21), dt.date(2027, 4, 10), 5, 20),
            (single, 0.2, dt.date(2026, 1, 1), dt.date(2026, 1, 1), 1, 484),
        ]
        for who, risk, first, last, orders, recency in rows:
            CustomerSnapshot.objects.create(customer=who, taken_on=day, churn_risk=risk,
                                            first_purchase=first, last_purchase=last,
                                            orders=orders, recency_days=recency)
        win_back = campaign(Trigger.WIN_BACK, threshold=0.6)
        now = at(2027, 5, 1, 10)
        self.assertEqual(triggers.due(win_back, Customer.objects.all(), now),
                         {risky.pk: "2027-05"})
        win_back.missed_rhythm = True
        self.assertEqual(triggers.due(win_back, Customer.objects.all(), now),
                         {risky.pk: "2027-05", late.pk: "2027-05"})
