"""A campaign message's link counts its click; its stop link withdraws the consent."""

from __future__ import annotations

import datetime as dt
import re

from django.test import TestCase

from tenure.crm.campaigns import links, running
from tenure.crm.campaigns.models import Campaign, CampaignStatus, Delivery, Step
from tenure.crm.customers.models import ConsentChange, ConsentSource, Customer
from tenure.crm.messaging.models import Message

NOW = dt.datetime(2027, 5, 1, 10, tzinfo=dt.UTC)


class LinksTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.olena = Customer.objects.create(name="Olena", email="olena@example.org",
                                            consent_email=True)
        cls.campaign = Campaign.objects.create(name="May", status=CampaignStatus.ACTIVE,
                                               holdout=0, link="https://shop.example/may")
        Step.objects.create(campaign=cls.campaign, body_en="See {{ link }}")
        running.run(cls.campaign, NOW)
        cls.text = Message.objects.get().body_text

    def url(self, pattern: str) -> str:
        found = re.search(pattern, self.text)
        self.assertIsNotNone(found, self.text)
        return found.group(0).removeprefix("http://127.0.0.1:8000")

    def test_the_link_counts_the_first_click_and_goes_on_to_the_shop(self):
        click = self.url(r"http://127\.0\.0\.1:8000/m/[^/\s]+/(?=\s)")
        response = self.client.get(click)
        self.assertRedirects(response, "https://shop.example/may",
                             fetch_redirect_response=False)
        first = Delivery.objects.get().clicked_at
        self.assertIsNotNone(first)
        self.client.get(click)
        self.assertEqual(Delivery.objects.get().clicked_at, first)

    def test_the_stop_link_asks_then_withdraws_the_email_consent_with_its_source(self):
        stop = self.url(r"http://127\.0\.0\.1:8000/m/[^/\s]+/stop/")
        self.assertContains(self.client.get(stop), "Stop receiving our offers?")
        self.olena.refresh_from_db()
        self.assertTrue(self.olena.consent_email)
        self.client.post(stop)
        self.olena.refresh_from_db()
        self.assertFalse(self.olena.consent_email)
        change = ConsentChange.objects.filter(customer=self.olena).latest("pk")
        self.assertEqual((change.source, change.granted), (ConsentSource.CAMPAIGN_LINK, False))
        self.assertIn("olena@example.org", change.wording)

    def test_a_changed_or_made_up_token_finds_nothing(self):
        good = links.token(1, self.olena.pk, "once")
        forged = links.token(1, self.olena.pk, "once")[:-2] + "xx"
        for token in (forged, "nonsense", "W1tdXQ:abc", "x" * 3000):
            self.assertEqual(self.client.get(f"/m/{token}/").status_code, 404, token)
            self.assertEqual(self.client.post(f"/m/{token}/stop/").status_code, 404, token)
        self.assertIsNotNone(links.delivery_key(good))
