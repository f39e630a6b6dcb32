"""The campaign pages: who may do what, and a campaign from audience to report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from tenure.crm.campaigns import running
from tenure.crm.campaigns.models import Audience, Campaign, CampaignStatus, Offer, Step
from tenure.crm.customers.models import Customer
from tenure.crm.messaging.models import Message
from tenure.crm.testing import TenureTestCase


def campaign_form(**changes) -> dict:
    data = {
        "name": "Spring", "trigger": "one_off", "audience": "", "channel": "email",
        "offer": "", "starts_at": "", "ends_at": "", "days": "0", "purchase_number": "1",
        "threshold": "0.6", "segment": "", "dates": "", "holdout": "0.1",
        "window_days": "30",
        "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "9", "steps-0-number": "1", "steps-0-variant": "A",
        "steps-0-wait_days": "0", "steps-0-skip_answered": "",
        "steps-0-subject_en": "Spring for {{ name }}", "steps-0-body_en": "Hello {{ name }}",
        "steps-0-subject_ru": "", "steps-0-body_ru": "", "steps-0-subject_uk": "",
        "steps-0-body_uk": "Привіт, {{ name }}",
    }
    data.update(changes)
    return data


class CampaignPagesTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.kyiv = Customer.objects.create(name="Olena", email="olena@example.org",
                                           city="Kyiv", consent_email=True, language="uk")
        cls.lviv = Customer.objects.create(name="Taras", email="taras@example.org",
                                           city="Lviv", consent_email=True)

    def test_a_marketer_builds_an_audience_and_a_campaign_and_starts_it(self):
        self.login(self.marketer)
        response = self.client.get(reverse("campaigns:audience_new") + "?city=Kyiv")
        self.assertContains(response, "Customers now: 1")
        response = self.client.post(reverse("campaigns:audience_new"), {
            "audience-name": "Kyiv", "audience-exclude": "", "city": "Kyiv"})
        audience = Audience.objects.get(name="Kyiv")
        self.assertRedirects(response, audience.get_absolute_url())
        self.assertEqual(audience.query, "city=Kyiv")
        count = self.client.get(reverse("campaigns:audience_count") + "?city=Lviv")
        self.assertEqual(count.json(), {"count": 1})

        response = self.client.post(reverse("campaigns:new"),
                                    campaign_form(audience=audience.pk, holdout="0"))
        campaign = Campaign.objects.get(name="Spring")
        self.assertRedirects(response, campaign.get_absolute_url())
        self.assertEqual(list(campaign.steps.values_list("number", "body_uk")),
                         [(1, "Привіт, {{ name }}")])
        page = self.client.get(campaign.get_absolute_url() + f"?customer={self.kyiv.pk}")
        self.assertContains(page, "Привіт, Olena")

        self.client.post(reverse("campaigns:status", args=[campaign.pk]),
                         {"action": "activate"})
        campaign.refresh_from_db()
        self.assertEqual(campaign.status, CampaignStatus.ACTIVE)
        running.run_due()
        message = Message.objects.get()
        self.assertEqual(message.to_email, "olena@example.org")
        self.assertTrue(message.body_text.startswith("Привіт, Olena\n"), message.body_text)
        page = self.client.get(campaign.get_absolute_url())
        self.assertContains(page, "Effect against the control group")
        self.assertEqual(self.client.get(reverse("campaigns:list")).status_code, 200)

    def test_bad_settings_are_refused_in_words(self):
        self.login(self.marketer)
        response = self.client.post(reverse("campaigns:new"), campaign_form(
            trigger="date", dates="2027-03-08\nsoon", **{"steps-0-body_en": "{% if %}"}))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Line 2")
        self.assertContains(response, "This text cannot be filled in")
        self.assertFalse(Campaign.objects.exists())

    def test_a_test_send_goes_to_the_given_address_only(self):
        campaign = Campaign.objects.create(name="T")
        Step.objects.create(campaign=campaign, body_en="Hi {{ name }}", subject_en="S")
        self.login(self.marketer)
        self.client.post(reverse("campaigns:test", args=[campaign.pk]),
                         {"email": "me@example.org"})
        message = Message.objects.get()
        self.assertEqual((message.to_email, message.subject, message.marketing),
                         ("me@example.org", "[Test] S", False))

    def test_who_may_read_and_who_may_change(self):
        campaign = Campaign.objects.create(name="Read me")
        offer = Offer.objects.create(name="5 off", value=Decimal("5"))
        audience = Audience.objects.create(name="All of Kyiv", query="city=Kyiv")
        pages = [reverse("campaigns:list"), campaign.get_absolute_url(),
                 reverse("campaigns:audiences"), audience.get_absolute_url()]
        writes = [
            (reverse("campaigns:new"), campaign_form(name="New")),
            (reverse("campaigns:edit", args=[campaign.pk]), campaign_form(name="Renamed")),
            (reverse("campaigns:status", args=[campaign.pk]), {"action": "activate"}),
            (reverse("campaigns:test", args=[campaign.pk]), {"email": "x@example.org"}),
            (reverse("campaigns:audience_new"), {"audience-name": "A", "city": "X"}),
            (audience.get_absolute_url(), {"audience-name": "B", "city": "X"}),
            (reverse("campaigns:offer_new"), {"name": "o", "kind": "percent", "value": "1",
                                               "valid_days": "3", "code_prefix": ""}),
            (reverse("campaigns:offer", args=[offer.pk]), {"name": "o", "kind": "percent",
                                                            "value": "1", "valid_days": "3",
                                                            "code_prefix": ""}),
        ]
        for user in (self.manager, self.support, self.nobody):
            self.login(user)
            for page in pages:
                self.assertEqual(self.client.get(page).status_code, 403, (user, page))
            for url, data in writes:
                self.assertEqual(self.client.post(url, data).status_code, 403, (user, url))
        self.login(self.analyst)
        for page in pages:
            self.assertEqual(self.client.get(page).status_code, 200, page)
        for url, data in writes:
            self.assertEqual(self.client.post(url, data).status_code, 403, url)
        campaign.refresh_from_db()
        audience.refresh_from_db()
        self.assertEqual((campaign.name, campaign.status, audience.name),
                         ("Read me", CampaignStatus.DRAFT, "All of Kyiv"))
        self.assertFalse(Message.objects.exists())
        self.login(self.marketer)
        for url, data in writes:
            self.assertIn(self.client.post(url, data).status_code, (200, 302), url)

    def test_the_empty_pages_say_what_to_do_next(self):
        self.login(self.marketer)
        self.assertContains(self.client.get(reverse("campaigns:list")), "Create a campaign")
        self.assertContains(self.client.get(reverse("campaigns:audiences")),
                            "Create an audience")

    def test_the_customer_list_offers_its_filters_as_an_audience(self):
        self.login(self.marketer)
        page = self.client.get(reverse("customers:list") + "?city=Kyiv")
        self.assertContains(page, reverse("campaigns:audience_new") + "?city=Kyiv")


class WhenTestCase(TenureTestCase):
    def test_a_campaign_scheduled_later_waits(self):
        Customer.objects.create(name="A", email="a@example.org", consent_email=True)
        later = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        campaign = Campaign.objects.create(name="Later", status=CampaignStatus.ACTIVE,
                                           starts_at=later, holdout=0)
        Step.objects.create(campaign=campaign, body_en="x")
        self.assertEqual(running.run(campaign, later - dt.timedelta(hours=1)).sent, 0)
        self.assertEqual(running.run(campaign, later).sent, 1)


class AudienceAsListTestCase(TenureTestCase):
    def test_the_customer_list_link_is_offered_only_when_the_list_can_show_the_audience(self):
        self.login(self.marketer)
        url = reverse("campaigns:audience_new")
        page = self.client.get(url + "?city=Kyiv")
        self.assertEqual(page.context["list_url"], reverse("customers:list") + "?city=Kyiv")
        # The list has no filter by number of orders: it would show more than the audience.
        page = self.client.get(url + "?city=Kyiv&orders_min=2")
        self.assertIsNone(page.context["list_url"])
