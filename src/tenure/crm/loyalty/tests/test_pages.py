"""The loyalty pages: the programme's figures and settings, a customer's statement with the
staff adjustment, and who may do what."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import figures, ledger
from tenure.crm.loyalty.models import Account, Entry, Kind, MoveKind, Programme, Tier, TierMove
from tenure.crm.loyalty.statement import differences
from tenure.crm.testing import TenureTestCase


class LoyaltyPagesTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Programme.objects.create(pk=1, point_value=Decimal("0.10"))
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager)
        cls.taras = Customer.objects.create(name="Taras", manager=cls.other_manager)
        ledger.grant(cls.olena.pk, 300, "Welcome gift", key="gift:olena")
        ledger.grant(cls.taras.pk, 100, "Welcome gift", key="gift:taras")
        ledger.redeem(cls.taras.pk, 40, key="spend:taras")

    def statement_url(self, customer) -> str:
        return reverse("loyalty:statement", args=[customer.pk])

    def test_the_figures_are_the_hand_counted_ones(self):
        found = figures.overview()
        # 300 + 100 given, 40 redeemed: 360 outstanding, worth 36.00 at 0.10 a point.
        self.assertEqual((found["members"], found["outstanding"], found["liability"]),
                         (2, 360, Decimal("36.00")))
        self.assertEqual((found["earned"], found["redeemed"], found["expired"]), (400, 40, 0))
        self.assertEqual(found["redemption_rate"], 0.1)
        self.login(self.admin)
        page = self.client.get(reverse("loyalty:programme"))
        self.assertContains(page, "Points outstanding")
        self.assertContains(page, "$36.00")

    def test_the_tiers_section_shows_members_per_tier_and_the_moves_of_30_days(self):
        self.login(self.admin)
        self.assertNotContains(self.client.get(reverse("loyalty:programme")), 'id="tiers"')
        silver = Tier.objects.create(name="Silver", rank=1, min_spend=Decimal("100"))
        now = timezone.now()
        account = Account.objects.get(customer=self.olena)
        TierMove.objects.create(account=account, to_tier=silver, at=now - timedelta(days=2),
                                kind=MoveKind.UP)
        TierMove.objects.create(account=account, to_tier=silver, at=now - timedelta(days=40),
                                kind=MoveKind.UP)
        Account.objects.filter(pk=account.pk).update(tier=silver)
        page = self.client.get(reverse("loyalty:programme"))
        section = page.content.decode().split('id="tiers"')[1].split("</section>")[0]
        # Olena in Silver, Taras in none; one move within 30 days, the other before.
        self.assertInHTML('<tr><td>No tier</td><td class="num">1</td></tr>', section)
        self.assertInHTML('<tr><td>Silver</td><td class="num">1</td></tr>', section)
        self.assertInHTML('<tr><td>No tier</td><td>Silver</td><td>Up</td>'
                          '<td class="num">1</td></tr>', section)

    def test_an_administrator_changes_the_settings_within_bounds(self):
        self.login(self.admin)
        data = {"points_per_unit": "2", "pending_days": "30", "point_value": "0.05",
                "max_share": "0.3", "expiry_days": "730"}
        self.assertRedirects(self.client.post(reverse("loyalty:programme"), data),
                             reverse("loyalty:programme"))
        self.assertEqual(Programme.current().pending_days, 30)
        page = self.client.post(reverse("loyalty:programme"), {**data, "expiry_days": "99999999"})
        self.assertEqual(page.status_code, 200)
        self.assertEqual(Programme.current().expiry_days, 730)

    def test_a_marketer_adjusts_with_a_reason_and_the_ledger_agrees(self):
        self.login(self.marketer)
        url = self.statement_url(self.olena)
        refused = self.client.post(url, {"points": "0", "reason": "x"})
        self.assertContains(refused, "An adjustment must change the balance.")
        self.assertRedirects(self.client.post(url, {"points": "-50", "reason": "Broken mug"}),
                             url)
        entry = Entry.objects.filter(kind=Kind.ADJUST).get()
        self.assertEqual((entry.points, entry.reason, entry.user), (-50, "Broken mug",
                                                                    self.marketer))
        self.assertEqual(Account.objects.get(customer=self.olena).balance, 250)
        self.assertEqual(differences(), [])
        page = self.client.get(url)
        self.assertContains(page, "Broken mug")
        self.assertContains(page, "Welcome gift")

    def test_who_may_see_and_who_may_change(self):
        url = self.statement_url(self.olena)
        adjust = {"points": "10", "reason": "Because"}
        for user in (self.manager, self.support, self.analyst, self.nobody):
            self.login(user)
            self.assertIn(self.client.post(url, adjust).status_code, (403, 404), user)
            self.assertIn(self.client.post(reverse("loyalty:programme"), {}).status_code,
                          (403,), user)
        self.assertEqual(Entry.objects.filter(kind=Kind.ADJUST).count(), 0)
        # A sales manager sees their own customer's statement, not another's.
        self.login(self.manager)
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.get(self.statement_url(self.taras)).status_code, 404)
        page = self.client.get(self.olena.get_absolute_url())
        self.assertContains(page, reverse("loyalty:statement", args=[self.olena.pk]))
        self.login(self.nobody)
        self.assertEqual(self.client.get(reverse("loyalty:programme")).status_code, 403)

    def test_a_long_statement_pages(self):
        now = timezone.now()
        for n in range(120):
            ledger.grant(self.olena.pk, 1, f"Visit {n}", key=f"visit:{n}",
                         now=now + timedelta(minutes=n))
        self.login(self.admin)
        page = self.client.get(self.statement_url(self.olena), {"page": "3"})
        self.assertEqual(page.status_code, 200)
        self.assertEqual(len(page.context["page"].object_list), 21)
        self.assertContains(page, "Welcome gift")

    def test_the_customer_page_names_the_tier_and_what_keeps_it(self):
        from tenure.crm.loyalty.models import Tier

        gold = Tier.objects.create(name="Gold", rank=2, min_spend=Decimal("1000"))
        Tier.objects.create(name="Silver", rank=1, min_spend=Decimal("300"))
        review = timezone.now() + timedelta(days=40)
        Account.objects.filter(customer=self.olena).update(
            tier=gold, tier_since=timezone.now(), tier_review=review)
        self.login(self.admin)
        page = self.client.get(self.olena.get_absolute_url())
        self.assertContains(page, "Gold")
        # Olena has bought nothing in the window: the whole minimum is still to spend.
        self.assertContains(page, "to keep Gold")

    def test_the_admin_keeps_the_programme_to_one_row(self):
        self.login(self.admin)
        self.assertEqual(self.client.get("/admin/loyalty/programme/add/").status_code, 403)
        self.assertEqual(self.client.post("/admin/loyalty/programme/add/", {
            "points_per_unit": "1", "pending_days": "14", "point_value": "0.01",
            "max_share": "0.5", "expiry_days": "365"}).status_code, 403)
        self.assertEqual(Programme.objects.count(), 1)
