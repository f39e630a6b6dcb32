"""The loyalty triggers: a tier changed (either way, one way, to one tier) and a downgrade
coming at the review; the messages name the tier and what it takes to keep it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse

from tenure.crm.campaigns import running, triggers
from tenure.crm.campaigns.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    Step,
    TierDirection,
    Trigger,
)
from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import ledger, tiers
from tenure.crm.loyalty.models import Account, MoveKind, Programme, Tier, TierMove
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

from .test_pages import campaign_form

UTC = dt.UTC
# Monday 1 March 2027, noon in Kyiv.
NOW = dt.datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


def customer(name: str, **fields) -> Customer:
    fields = {"email": f"{name.lower()}@example.org", "consent_email": True, **fields}
    return Customer.objects.create(name=name, **fields)


def holding(who: Customer, tier: Tier | None, since: dt.datetime) -> Account:
    """Give ``who`` an account holding ``tier`` since ``since``, reviewed a year later,
    and record the move as the loyalty app does (up, or down)."""
    before = Account.objects.filter(customer=who).values_list("tier", flat=True).first()
    review = since.replace(year=since.year + 1) if tier else None
    account, _created = Account.objects.update_or_create(
        customer=who, defaults={"tier": tier, "tier_since": since, "tier_review": review})
    ranks = dict(Tier.objects.values_list("pk", "rank"))
    rise = ranks.get(tier.pk if tier else None, -1) - ranks.get(before, -1)
    if rise:
        TierMove.objects.create(account=account, from_tier_id=before, to_tier=tier, at=since,
                                kind=MoveKind.UP if rise > 0 else MoveKind.DOWN)
    return account


def campaign(trigger: str, body: str, body_ru: str = "", **fields) -> Campaign:
    fields = {"holdout": 0.0, "status": CampaignStatus.ACTIVE, **fields}
    made = Campaign.objects.create(name=f"{trigger} {Campaign.objects.count()}",
                                   trigger=trigger, **fields)
    Step.objects.create(campaign=made, number=1, subject_en="{{ tier }}", body_en=body,
                        subject_ru="{{ tier }}", body_ru=body_ru)
    return made


def sent(made: Campaign) -> list[tuple[str, str]]:
    return sorted(Message.objects.filter(topic=f"campaign:{made.pk}")
                  .values_list("customer__name", "body_text"))


class TierTestCase(TestCase):
    """Silver from 1,000 spent in 12 months, Gold from 5,000; a tier kept for 12 months."""

    @classmethod
    def setUpTestData(cls):
        Programme.objects.create(pk=1, tier_window_months=12, tier_review_months=12)
        cls.silver = Tier.objects.create(name="Silver", rank=1, min_spend=Decimal("1000"))
        cls.gold = Tier.objects.create(name="Gold", rank=2, min_spend=Decimal("5000"))


@override_settings(TIME_ZONE="Europe/Kyiv")
class TierChangeTestCase(TierTestCase):
    def test_a_customer_upgraded_yesterday_is_greeted_once(self):
        olena = customer("Olena")
        holding(olena, self.gold, NOW - dt.timedelta(days=1))
        # Upgraded ten days ago: past the week of catch-up.
        holding(customer("Petro"), self.silver, NOW - dt.timedelta(days=10))
        made = campaign(Trigger.TIER_CHANGE, "Welcome to {{ tier }}, {{ name }}!")
        first = running.run(made, NOW)
        again = running.run(made, NOW + dt.timedelta(hours=1))
        self.assertEqual((first.sent, again.sent), (1, 0))
        message = Message.objects.get()
        self.assertEqual(message.customer, olena)
        self.assertEqual(message.subject, "Gold")
        self.assertTrue(message.body_text.startswith("Welcome to Gold, Olena!\n"))
        # The occasion is the moment of the change, in UTC.
        self.assertEqual(Delivery.objects.get().occasion, "2027-02-28T10:00:00")

    def test_an_upgrade_the_ledger_makes_fires_an_upward_campaign(self):
        olena = customer("Olena")
        bought = NOW - dt.timedelta(days=1)
        order = Order.objects.create(customer=olena, external_id="o1", ordered_at=bought,
                                     total=Decimal("1200"))
        ledger.earn(order, now=bought)  # 1,200 in the window: Silver at once
        made = campaign(Trigger.TIER_CHANGE, "{{ tier }}", tier_direction=TierDirection.UP)
        running.run(made, NOW)
        self.assertEqual(Message.objects.get().body_text.splitlines()[0], "Silver")
        self.assertEqual(Delivery.objects.get().occasion, "2027-02-28T10:00:00")

    def test_a_downgrade_at_review_fires_a_downward_campaign(self):
        olena = customer("Olena")
        # Gold since 28 February 2026, reviewed a year later on the year's 2,000 spent.
        holding(olena, self.gold, NOW - dt.timedelta(days=366))
        Order.objects.create(customer=olena, external_id="o1", total=Decimal("2000"),
                             ordered_at=NOW - dt.timedelta(days=100))
        running.run_due(NOW - dt.timedelta(days=3))
        tiers.review(NOW - dt.timedelta(days=1))
        self.assertEqual(Account.objects.get(customer=olena).tier, self.silver)
        down = campaign(Trigger.TIER_CHANGE, "{{ tier }}", tier_direction=TierDirection.DOWN)
        up = campaign(Trigger.TIER_CHANGE, "{{ tier }}", tier_direction=TierDirection.UP)
        running.run_due(NOW)
        self.assertEqual([body.splitlines()[0] for _name, body in sent(down)], ["Silver"])
        self.assertEqual(sent(up), [])

    def test_a_second_change_is_a_second_occasion(self):
        olena = customer("Olena")
        holding(olena, self.silver, NOW - dt.timedelta(days=1))
        made = campaign(Trigger.TIER_CHANGE, "Now {{ tier }}")
        running.run(made, NOW)
        holding(olena, self.gold, NOW + dt.timedelta(days=2))
        running.run(made, NOW + dt.timedelta(days=2, hours=1))
        running.run(made, NOW + dt.timedelta(days=3))
        self.assertEqual([body.splitlines()[0] for _name, body in sent(made)],
                         ["Now Gold", "Now Silver"])

    def test_one_way_campaigns_tell_upgrades_from_downgrades(self):
        up, down, lost, steady = (customer(name) for name in ("Up", "Down", "Lost", "Steady"))
        long_ago = NOW - dt.timedelta(days=400)
        for who in (down, steady):
            holding(who, self.gold, long_ago)
        holding(lost, self.silver, long_ago)
        holding(up, self.silver, NOW - dt.timedelta(days=1))   # none -> Silver
        holding(down, self.silver, NOW - dt.timedelta(days=1))  # Gold -> Silver at review
        holding(lost, None, NOW - dt.timedelta(hours=5))        # Silver -> none
        # Gold kept at its review: no change to greet.
        TierMove.objects.create(account=Account.objects.get(customer=steady),
                                from_tier=self.gold, to_tier=self.gold,
                                at=NOW - dt.timedelta(days=1), kind=MoveKind.RENEWED)
        members = Customer.objects.all()

        def due(**settings) -> set[str]:
            made = campaign(Trigger.TIER_CHANGE, "x", **settings)
            return set(Customer.objects.filter(pk__in=triggers.due(made, members, NOW))
                       .values_list("name", flat=True))

        self.assertEqual(due(), {"Up", "Down", "Lost"})
        self.assertEqual(due(tier_direction=TierDirection.UP), {"Up"})
        self.assertEqual(due(tier_direction=TierDirection.DOWN), {"Down", "Lost"})
        self.assertEqual(due(tier=self.silver), {"Up", "Down"})
        self.assertEqual(due(tier=self.silver, tier_direction=TierDirection.DOWN), {"Down"})
        self.assertEqual(due(tier=self.gold), set())

    def test_a_downward_campaign_sends_nothing_for_an_upgrade(self):
        olena = customer("Olena")
        holding(olena, self.silver, NOW - dt.timedelta(days=100))
        running.run_due(NOW - dt.timedelta(days=3))
        holding(olena, self.gold, NOW - dt.timedelta(days=1))
        down = campaign(Trigger.TIER_CHANGE, "Sorry", tier_direction=TierDirection.DOWN)
        up = campaign(Trigger.TIER_CHANGE, "Congratulations", tier_direction=TierDirection.UP)
        self.assertEqual(running.run_due(NOW)["sent"], 1)
        self.assertEqual(sent(down), [])
        self.assertEqual([name for name, _body in sent(up)], ["Olena"])

    def test_no_consent_no_message_and_the_control_group_is_held_out(self):
        holding(customer("Olena", consent_email=False), self.gold, NOW - dt.timedelta(days=1))
        holding(customer("Taras"), self.gold, NOW - dt.timedelta(days=1))
        made = campaign(Trigger.TIER_CHANGE, "Gold!", holdout=0.9)
        outcome = running.run(made, NOW)
        self.assertEqual(outcome.unreachable, 1)
        self.assertEqual(outcome.sent + outcome.held_out, 1)
        self.assertEqual(Delivery.objects.count(), 1)


@override_settings(TIME_ZONE="Europe/Kyiv")
class DowngradeComingTestCase(TierTestCase):
    """Gold held since 11 March 2026 at noon UTC, reviewed 11 March 2027: ten days after
    NOW. The review counts the orders after 11 March 2026, 12:00."""

    SINCE = dt.datetime(2026, 3, 11, 12, 0, tzinfo=UTC)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.short = customer("Olena", language="ru")
        cls.kept = customer("Taras")
        for who in (cls.short, cls.kept):
            holding(who, cls.gold, cls.SINCE)
            # Before the window: does not count.
            cls.buy(who, "9000", dt.datetime(2026, 3, 1, 12, tzinfo=UTC))
            cls.buy(who, "3000", dt.datetime(2026, 6, 1, 12, tzinfo=UTC))
        # 3,000 + 1,880 = 4,880: 120 short of Gold's 5,000; Taras has 5,000.
        cls.buy(cls.short, "1880", dt.datetime(2026, 12, 1, 12, tzinfo=UTC))
        cls.buy(cls.kept, "2000", dt.datetime(2026, 12, 1, 12, tzinfo=UTC))

    @classmethod
    def buy(cls, who: Customer, total: str, at: dt.datetime) -> None:
        Order.objects.create(customer=who, external_id=f"{who.name}-{at:%Y%m%d}",
                             ordered_at=at, total=Decimal(total))

    def test_it_warns_who_falls_short_with_the_amount_and_the_date_once(self):
        made = campaign(Trigger.TIER_DOWNGRADE, "{{ name }}: {{ keep_tier }}",
                        body_ru="{{ name }}: {{ keep_tier }}", days=14)
        self.assertEqual(triggers.due(made, Customer.objects.all(), NOW),
                         {self.short.pk: "2027-03-11"})
        running.run(made, NOW)
        running.run(made, NOW + dt.timedelta(days=1))
        [(name, body)] = sent(made)
        self.assertEqual(name, "Olena")
        self.assertTrue(body.startswith(
            "Olena: Потратьте ещё 120,00 до 11 марта 2027 г., чтобы сохранить Gold.\n"), body)
        self.assertEqual(Message.objects.get().subject, "Gold")

    def test_in_english(self):
        Customer.objects.filter(pk=self.short.pk).update(language="en")
        made = campaign(Trigger.TIER_DOWNGRADE, "{{ keep_tier }}", days=14)
        running.run(made, NOW)
        [(_name, body)] = sent(made)
        self.assertTrue(body.startswith("Spend 120.00 more by March 11, 2027 to keep Gold.\n"),
                        body)

    def test_not_before_the_days_before_the_review(self):
        made = campaign(Trigger.TIER_DOWNGRADE, "{{ keep_tier }}", days=9)
        self.assertEqual(triggers.due(made, Customer.objects.all(), NOW), {})
        self.assertEqual(triggers.due(made, Customer.objects.all(),
                                      NOW + dt.timedelta(days=1)),
                         {self.short.pk: "2027-03-11"})

    def test_the_review_date_is_the_customers_own(self):
        # 11 March 12:00 UTC is already 12 March in Auckland (UTC+13).
        Customer.objects.filter(pk=self.short.pk).update(time_zone="Pacific/Auckland")
        made = campaign(Trigger.TIER_DOWNGRADE, "{{ keep_tier }}", days=14)
        self.assertEqual(triggers.due(made, Customer.objects.all(), NOW),
                         {self.short.pk: "2027-03-12"})


class TierSettingsPageTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.gold = Tier.objects.create(name="Gold", rank=2, min_spend=Decimal("5000"))

    def test_the_tier_settings_are_kept_and_a_downgrade_needs_its_days(self):
        self.login(self.marketer)
        page = self.client.get(reverse("campaigns:new"))
        self.assertContains(page, "{{ keep_tier }}")
        self.assertContains(page, 'name="tier_direction"')
        response = self.client.post(reverse("campaigns:new"), campaign_form(
            trigger="tier_downgrade", days="0"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Give how many days before the review to write.")
        self.client.post(reverse("campaigns:new"), campaign_form(
            trigger="tier_change", tier_direction="down", tier=self.gold.pk))
        made = Campaign.objects.get()
        self.assertEqual((made.trigger, made.tier_direction, made.tier), (
            Trigger.TIER_CHANGE, TierDirection.DOWN, self.gold))

    def test_the_preview_names_the_customers_tier_and_what_keeps_it(self):
        olena = customer("Olena")
        holding(olena, self.gold, NOW - dt.timedelta(days=30))
        # Reviewed 30 January 2028 on the orders after 30 January 2027: 1,200 so far.
        for day, total in ((dt.date(2027, 1, 20), "700"), (dt.date(2027, 2, 10), "1200")):
            Order.objects.create(customer=olena, external_id=f"o{day}", total=Decimal(total),
                                 ordered_at=dt.datetime.combine(day, dt.time(12), UTC))
        made = campaign(Trigger.TIER_CHANGE, "{{ name }} holds {{ tier }}. {{ keep_tier }}")
        with time_machine.travel(NOW, tick=False):
            self.login(self.marketer)
            page = self.client.get(made.get_absolute_url() + f"?customer={olena.pk}")
        self.assertContains(page, "Olena holds Gold. Spend 3,800.00 more by Jan. 30, 2028 "
                                  "to keep Gold.")
