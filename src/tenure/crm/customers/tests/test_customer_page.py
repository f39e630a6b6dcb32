from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tenure.crm.customers.channels import telegram_token
from tenure.crm.customers.models import Channel, Customer, Tag
from tenure.crm.messaging import outbox
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


@time_machine.travel(datetime(2025, 3, 1, 9, 0, tzinfo=UTC), tick=False)
class CustomerPageTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.friend = Customer.objects.create(name="Ivan Friend", manager=cls.manager)
        cls.olena = Customer.objects.create(
            name="Olena Kovalenko", email="olena@example.org", phone="+380441234567",
            birth_date=date(1990, 3, 2), city="Kyiv", acquisition_channel="instagram",
            acquired_on=date(2023, 12, 1), referred_by=cls.friend, manager=cls.manager,
            external_id="CRM-7", source="shopify", notes="Prefers evening calls",
        )
        Customer.objects.create(name="Taras Referred", referred_by=cls.olena)
        cls.olena.tags.add(Tag.objects.create(name="vip"))
        cls.olena.set_consent(Channel.EMAIL, True, source="web_form", at=at("2024-01-10"))
        cls.olena.set_consent(Channel.EMAIL, False, source="survey_link",
                              at=at("2024-02-01"))
        rows = [
            ("A", "2024-01-10", "100.00", OrderStatus.COMPLETED),
            ("B", "2024-03-05", "250.50", OrderStatus.COMPLETED),
            ("D", "2024-06-20", "49.50", OrderStatus.PAID),
            ("C", "2024-07-01", "80.00", OrderStatus.CANCELLED),
        ]
        cls.orders = {
            ext: Order.objects.create(external_id=ext, customer=cls.olena, ordered_at=at(day),
                                      total=Decimal(total), status=status)
            for ext, day, total, status in rows
        }
        Return.objects.create(external_id="R1", order=cls.orders["B"],
                              returned_at=at("2024-03-09"), amount=Decimal("50.25"))

    def get(self, user=None):
        self.login(user or self.manager)
        return self.page()

    def page(self):
        return self.client.get(f"/customers/{self.olena.pk}/")

    def test_it_shows_the_profile(self):
        r = self.get(self.support)
        for text in ["Olena Kovalenko", "olena@example.org", "+380441234567", "CRM-7",
                     "shopify", "Kyiv", "instagram", "vip", "Prefers evening calls",
                     "Mar 2, 1990", "(34 years)", "Ivan Friend", "Taras Referred", "Bob"]:
            self.assertContains(r, text)
        self.assertContains(r, f'href="/customers/{self.friend.pk}/"')

    def test_it_shows_figures_net_of_returns_without_cancelled_orders(self):
        r = self.get()
        c = r.context["customer"]
        # Orders A, B, D count; C is cancelled. 100 + 250.50 + 49.50 - 50.25 returned.
        self.assertEqual(c.orders_count, 3)
        self.assertEqual(c.revenue, Decimal("349.75"))
        self.assertEqual(c.average_check, Decimal("116.58"))
        self.assertEqual((c.returns_count, c.returns_amount), (1, Decimal("50.25")))
        self.assertEqual(c.first_purchase, at("2024-01-10"))
        self.assertEqual(c.last_purchase, at("2024-06-20"))
        for text in ["$349.75", "$116.58", "$50.25", "Jan 10, 2024", "Jun 20, 2024"]:
            self.assertContains(r, text)

    def test_it_lists_the_orders_newest_first_with_their_returns(self):
        r = self.get()
        self.assertEqual([o.external_id for o in r.context["orders"]], ["C", "D", "B", "A"])
        b = r.context["orders"][2]
        self.assertEqual((b.returned, b.net), (Decimal("50.25"), Decimal("200.25")))
        self.assertContains(r, "$200.25")
        self.assertContains(r, "Cancelled")
        self.assertContains(r, f'href="/sales/orders/?customer={self.olena.pk}"')

    def test_it_shows_consent_and_its_history(self):
        r = self.get()
        self.assertContains(r, "Link in a survey email")
        self.assertContains(r, "Web form")
        self.assertContains(r, "I agree to receive offers, greetings, news and surveys")
        self.assertContains(r, "History: 2 changes")
        email = r.context["consents"][0]
        self.assertEqual((email["granted"], email["last"].source), (False, "survey_link"))

    def test_it_links_all_orders_by_the_bare_id_whatever_its_size(self):
        # Ids print with thousands separators by default ("12,345"): not in a link.
        big = Customer.objects.create(pk=12345, name="Big Id", manager=self.manager)
        Order.objects.create(external_id="BIG-1", customer=big, ordered_at=at("2024-01-01"),
                             total=Decimal("1.00"))
        self.login(self.manager)
        r = self.client.get(f"/customers/{big.pk}/")
        self.assertContains(r, 'href="/sales/orders/?customer=12345"')

    def test_it_keeps_to_the_latest_twenty_orders_in_a_constant_number_of_queries(self):
        self.get()
        with CaptureQueriesContext(connection) as few:
            self.page()
        Order.objects.bulk_create([
            Order(external_id=f"X{i}", customer=self.olena, ordered_at=at("2023-01-01"),
                  total=Decimal("1.00"))
            for i in range(30)
        ])
        with self.assertNumQueries(len(few)):
            r = self.page()
        self.assertEqual(len(r.context["orders"]), 20)
        self.assertEqual(r.context["customer"].orders_count, 33)
        # 12, the value card's latest snapshot, the loyalty card's account, one per timeline
        # source (7), the bell's count, the audit log's access entry and the erasure notice.
        self.assertEqual(len(few), 24)

    def test_it_offers_editing_only_to_those_who_may(self):
        self.assertContains(self.get(), f'href="/customers/{self.olena.pk}/edit/"')
        self.assertNotContains(self.get(self.analyst), f'href="/customers/{self.olena.pk}/edit/"')

    def test_its_timeline_shows_each_message_with_its_channel_and_address(self):
        for channel, to, subject, text in [
                ("email", "olena@example.org", "Your receipt", "Thank you."),
                ("sms", "+380441234567", "", "Spring sale: 20 % off until Sunday"),
                ("telegram", "5551234", "", "Your order is on its way")]:
            outbox.queue(outbox.build_message(channel, to=to, subject=subject, text=text,
                                              language="en", customer=self.olena))
        r = self.get()
        for text in ["Your receipt", "Email to olena@example.org",
                     "Spring sale: 20 % off until Sunday", "SMS to +380441234567",
                     "Your order is on its way", "Telegram to 5551234"]:
            self.assertContains(r, text)

    def test_it_shows_the_telegram_link_until_the_chat_is_linked(self):
        with override_settings(TELEGRAM_BOT_NAME="shop_bot"):
            r = self.get()
            self.assertContains(r, f"https://t.me/shop_bot?start={telegram_token(self.olena)}")
            Customer.objects.filter(pk=self.olena.pk).update(telegram_chat_id="555")
            r = self.page()
        self.assertContains(r, "chat linked")
        self.assertNotContains(r, "https://t.me/")
