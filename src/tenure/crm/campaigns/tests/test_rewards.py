"""Points given by hand to an audience: counted first, then given once as one action;
and who may. A coupon to an audience is a one-off campaign with an offer: the page leads
there."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.urls import reverse

from tenure.crm.campaigns.models import Audience
from tenure.crm.customers.models import Customer
from tenure.crm.customers.timeline import timeline
from tenure.crm.loyalty.models import Account, Entry, Kind, Programme
from tenure.crm.loyalty.statement import differences
from tenure.crm.testing import TenureTestCase


class AudienceRewardTestCase(TenureTestCase):
    """Three customers in Kyiv, one in Lviv; a point is worth 0.10."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Programme.objects.create(pk=1, point_value=Decimal("0.10"))
        cls.kyiv = [Customer.objects.create(name=name, city="Kyiv")
                    for name in ("Olena", "Petro", "Iryna")]
        cls.lviv = Customer.objects.create(name="Taras", city="Lviv")
        cls.audience = Audience.objects.create(name="Kyiv", query="city=Kyiv")
        cls.url = reverse("campaigns:audience_reward", args=[cls.audience.pk])

    def form(self, **changes) -> dict:
        data = {"points": "50", "reason": "Thank you, Kyiv", "key": uuid.uuid4().hex,
                **changes}
        return {f"give-{name}": value for name, value in data.items()}

    def test_a_marketer_sees_the_count_then_gives_once(self):
        self.login(self.marketer)
        page = self.client.get(self.audience.get_absolute_url())
        self.assertContains(page, 'id="give"')
        key = page.context["reward_form"]["key"].value()
        data = self.form(key=key)
        confirm = self.client.post(self.url, data)
        # 3 customers x 50 points = 150 points, at 0.10 worth 15.00.
        self.assertContains(confirm, "3 customers of the audience will get 50 points each: "
                                     "150 points in all, worth $15.00.")
        self.assertContains(confirm, 'name="confirm"')
        self.assertEqual(Entry.objects.count(), 0)
        done = self.client.post(self.url, {**data, "confirm": "1"}, follow=True)
        self.assertRedirects(done, self.audience.get_absolute_url())
        self.assertContains(done, "50 points were given to 3 customers.")
        entries = Entry.objects.filter(kind=Kind.BONUS)
        self.assertEqual(sorted(entries.values_list("account__customer__name", "points",
                                                    "reason", "user__username")),
                         [(name, 50, "Thank you, Kyiv", "mary")
                          for name in ("Iryna", "Olena", "Petro")])
        # A replay, even after someone joined the audience, gives nobody anything.
        Customer.objects.create(name="Newcomer", city="Kyiv")
        again = self.client.post(self.url, {**data, "confirm": "1"}, follow=True)
        self.assertContains(again, "These points were given already; nothing changed.")
        self.assertEqual(entries.count(), 3)
        self.assertFalse(Account.objects.filter(customer=self.lviv).exists())
        self.assertEqual(differences(), [])
        # On each customer's timeline, with the reason.
        [event] = [e for e in timeline(self.kyiv[0]) if e.kind == "loyalty"]
        self.assertEqual((event.title, event.detail),
                         ("Bonus: +50 points", "Thank you, Kyiv (by mary)"))

    def test_a_new_form_is_a_new_action(self):
        self.login(self.admin)
        self.client.post(self.url, {**self.form(), "confirm": "1"})
        self.client.post(self.url, {**self.form(points="20"), "confirm": "1"})
        self.assertEqual(sorted(Account.objects.values_list("balance", flat=True)),
                         [70, 70, 70])

    def test_points_and_a_reason_are_required(self):
        self.login(self.marketer)
        page = self.client.post(self.url, {**self.form(reason=" "), "confirm": "1"})
        self.assertContains(page, "This field is required.")
        page = self.client.post(self.url, {**self.form(points="0"), "confirm": "1"})
        self.assertContains(page, "greater than or equal to 1")
        self.assertEqual(Entry.objects.count(), 0)

    def test_an_empty_audience_says_so(self):
        empty = Audience.objects.create(name="Odesa", query="city=Odesa")
        self.login(self.marketer)
        page = self.client.post(reverse("campaigns:audience_reward", args=[empty.pk]),
                                self.form())
        self.assertContains(page, "The audience has no customers now")

    def test_an_audience_larger_than_a_hand_reaches_is_sent_to_a_campaign(self):
        Customer.objects.bulk_create(Customer(name=f"K{n}", city="Kyiv") for n in range(1998))
        self.login(self.marketer)
        # 3 + 1,998 = 2,001 customers: one more than the 2,000 a reward by hand reaches.
        page = self.client.post(self.url, self.form())
        self.assertContains(page, "2,001 customers are more than a reward by hand reaches (2,000)")
        self.assertNotContains(page, 'name="confirm"')
        self.assertContains(page, reverse("campaigns:new") + f"?audience={self.audience.pk}")
        done = self.client.post(self.url, {**self.form(), "confirm": "1"}, follow=True)
        self.assertContains(done, "2,001 customers are more than a reward by hand reaches (2,000)")
        self.assertEqual(Entry.objects.count(), 0)

    def test_only_who_may_give_points_does(self):
        for user in (self.analyst, self.manager, self.support, self.nobody):
            self.login(user)
            self.assertEqual(
                self.client.post(self.url, {**self.form(), "confirm": "1"}).status_code, 403,
                user)
        self.assertEqual(Entry.objects.count(), 0)
        # The analyst reads the audience without the form to give points.
        self.login(self.analyst)
        page = self.client.get(self.audience.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'id="give"')

    def test_a_coupon_to_the_audience_is_a_one_off_campaign_with_an_offer(self):
        self.login(self.marketer)
        page = self.client.get(self.audience.get_absolute_url())
        link = reverse("campaigns:new") + f"?audience={self.audience.pk}"
        self.assertContains(page, link)
        form = self.client.get(link).context["form"]
        self.assertEqual(str(form["audience"].value()), str(self.audience.pk))
        self.assertEqual(form["trigger"].value(), "one_off")
        # Nonsense in the link opens the form with no audience, never an error.
        self.assertEqual(self.client.get(reverse("campaigns:new") + "?audience=x")
                         .status_code, 200)
