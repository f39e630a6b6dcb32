"""The campaign report counts conversions within the window, for the sent and the held out,
and records the coupons imported orders carry."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from tenure.crm.campaigns import reporting, running
from tenure.crm.campaigns.models import (
    Campaign,
    CampaignStatus,
    Coupon,
    Delivery,
    Group,
    Offer,
    Step,
    Trigger,
)
from tenure.crm.customers.models import Customer
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order, OrderStatus

SENT_AT = dt.datetime(2027, 4, 1, 9, tzinfo=dt.UTC)


class ReportTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        Customer.objects.bulk_create(
            Customer(name=f"C{i}", email=f"c{i}@example.org", consent_email=True)
            for i in range(200))
        cls.offer = Offer.objects.create(name="10 % off", value=Decimal("10"), valid_days=14,
                                         code_prefix="spr")
        cls.campaign = Campaign.objects.create(
            name="Spring", trigger=Trigger.ONE_OFF, holdout=0.5, window_days=30,
            status=CampaignStatus.ACTIVE, offer=cls.offer)
        cls.step = Step.objects.create(campaign=cls.campaign, number=1, subject_en="Spring",
                                       body_en="{{ name }}, your code {{ coupon }}")
        running.run(cls.campaign, SENT_AT)
        cls.treated = list(Delivery.objects.filter(group=Group.TREATED).order_by("pk"))
        cls.control = list(Delivery.objects.filter(group=Group.CONTROL).order_by("pk"))

    def order(self, delivery, days: float, total="50", **fields) -> Order:
        return Order.objects.create(
            customer_id=delivery.customer_id, external_id=f"o{Order.objects.count()}",
            ordered_at=SENT_AT + dt.timedelta(days=days), total=Decimal(total), **fields)

    def test_each_treated_customer_gets_their_own_coupon_in_their_message(self):
        coupons = Coupon.objects.filter(delivery__in=self.treated)
        self.assertEqual(coupons.count(), len(self.treated))
        self.assertEqual(len(set(coupons.values_list("code", flat=True))), len(self.treated))
        message = Message.objects.get(pk=self.treated[0].message_id)
        coupon = Coupon.objects.get(delivery=self.treated[0])
        self.assertTrue(coupon.code.startswith("SPR") and len(coupon.code) == 11)
        self.assertIn(f"your code {coupon.code}", message.body_text)
        self.assertEqual(coupon.valid_until, SENT_AT + dt.timedelta(days=14))
        self.assertFalse(Coupon.objects.filter(delivery__in=self.control).exists())

    def test_conversions_within_the_window_against_the_control_group(self):
        # Hand-counted: 10 treated buy inside the window, one more after it; 3 held out buy
        # inside, one before the send; a cancelled order counts for nobody.
        for delivery in self.treated[:10]:
            self.order(delivery, 5)
        self.order(self.treated[10], 31)
        for delivery in self.control[:3]:
            self.order(delivery, 29.9, total="20")
        self.order(self.control[3], -1)
        self.order(self.control[4], 3, status=OrderStatus.CANCELLED)
        [campaign] = reporting.report(Campaign.objects.all())
        step = campaign["steps"][0]
        n1, n2 = len(self.treated), len(self.control)
        self.assertEqual((step["treated"], step["control"]), (n1, n2))
        self.assertEqual((step["converted_treated"], step["converted_control"]), (10, 3))
        self.assertAlmostEqual(step["uplift"], 10 / n1 - 3 / n2)
        self.assertLess(step["uplift_low"], step["uplift"])
        self.assertGreater(step["uplift_high"], step["uplift"])
        self.assertEqual((step["revenue_treated"], step["revenue_control"]), (500.0, 60.0))

    def test_an_imported_coupon_is_redeemed_once_by_its_own_customer_while_valid(self):
        coupon = Coupon.objects.get(delivery=self.treated[0])
        other = self.treated[1]
        stranger = self.order(other, 2, coupon_code=coupon.code)
        late = self.order(self.treated[0], 20, coupon_code=coupon.code)  # expired after 14
        own = self.order(self.treated[0], 3, coupon_code=coupon.code.lower(),
                         discount=Decimal("5"))
        again = self.order(self.treated[0], 4, coupon_code=coupon.code)
        self.assertEqual(running.redeem_coupons(
            Order.objects.filter(pk__in=[stranger.pk, late.pk, own.pk, again.pk])
            .order_by("ordered_at")), 1)
        coupon.refresh_from_db()
        self.assertEqual((coupon.order, coupon.cost), (own, Decimal("5.00")))
        [campaign] = reporting.report(Campaign.objects.all())
        self.assertEqual(campaign["steps"][0]["offer_cost"], 5.0)

    def test_the_command_prints_the_json_the_issue_names(self):
        out = StringIO()
        call_command("campaigns", "report", "Spring", "--json", stdout=out)
        [campaign] = json.loads(out.getvalue())
        self.assertEqual((campaign["name"], campaign["trigger"]), ("Spring", "one_off"))
        for key in ("treated", "control", "converted_treated", "converted_control",
                    "revenue_treated", "revenue_control", "uplift", "uplift_low",
                    "uplift_high"):
            self.assertIn(key, campaign["steps"][0])

    def test_an_unknown_campaign_is_an_error(self):
        from django.core.management.base import CommandError
        with self.assertRaisesMessage(CommandError, "No campaign"):
            call_command("campaigns", "report", "Nope", stdout=StringIO())


class BonusOfferTestCase(TestCase):
    def test_a_bonus_offer_puts_points_in_each_treated_customers_account_once(self):
        from tenure.crm.loyalty.models import Account, Entry
        from tenure.crm.loyalty.statement import differences

        Customer.objects.bulk_create(
            Customer(name=f"C{i}", email=f"c{i}@example.org", consent_email=True)
            for i in range(40))
        offer = Offer.objects.create(name="50 points", kind="bonus", value=Decimal("50"))
        campaign = Campaign.objects.create(name="Points", holdout=0.25, offer=offer,
                                           status=CampaignStatus.ACTIVE)
        Step.objects.create(campaign=campaign, body_en="{{ name }}, {{ offer }} are yours")
        running.run(campaign, SENT_AT)
        running.run(campaign, SENT_AT + dt.timedelta(hours=1))
        treated = set(Delivery.objects.filter(group=Group.TREATED)
                      .values_list("customer", flat=True))
        self.assertEqual(set(Account.objects.filter(balance=50)
                             .values_list("customer", flat=True)), treated)
        self.assertEqual(Entry.objects.count(), len(treated))
        self.assertFalse(Coupon.objects.exists())
        self.assertIn("50 points are yours", Message.objects.first().body_text)
        self.assertEqual(differences(), [])
