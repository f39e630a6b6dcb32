"""What staff do on a customer's loyalty statement: redeem points (once per form, refusals
in words) and give points by hand with a reason; and who may."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import ledger
from tenure.crm.loyalty.models import Account, Entry, Kind, Programme
from tenure.crm.loyalty.statement import differences
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase


def prefixed(prefix: str, data: dict) -> dict:
    """Return a form's data as the page posts it, each field under the form's prefix."""
    return {f"{prefix}-{name}": value for name, value in data.items()}


class StaffTestCase(TenureTestCase):
    """Olena (Bob's) holds 300 points, Taras (Carol's) 100; a point is worth 0.10 and
    points pay at most half an order."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Programme.objects.create(pk=1, point_value=Decimal("0.10"), max_share=Decimal("0.5"))
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager)
        cls.taras = Customer.objects.create(name="Taras", manager=cls.other_manager)
        ledger.grant(cls.olena.pk, 300, "Welcome gift", key="gift:olena")
        ledger.grant(cls.taras.pk, 100, "Welcome gift", key="gift:taras")

    def url(self, name: str, customer=None) -> str:
        return reverse(f"loyalty:{name}", args=[(customer or self.olena).pk])

    def balance(self, customer=None) -> int:
        return Account.objects.get(customer=customer or self.olena).balance

    def order(self, total: str, customer=None) -> Order:
        customer = customer or self.olena
        return Order.objects.create(customer=customer, external_id=f"o-{uuid.uuid4().hex[:8]}",
                                    ordered_at=timezone.now() - timedelta(hours=1),
                                    total=Decimal(total))


class RedeemTestCase(StaffTestCase):
    def redeem(self, customer=None, **data):
        form = {"points": "100", "note": "Gift card", "key": uuid.uuid4().hex, **data}
        return self.client.post(self.url("redeem", customer), prefixed("redeem", form))

    def test_a_sales_manager_redeems_once_whatever_the_clicks(self):
        self.login(self.manager)
        page = self.client.get(self.url("statement"))
        self.assertContains(page, 'id="redeem"')
        key = page.context["redeem_form"]["key"].value()
        self.assertRegex(key, "^[0-9a-f]{32}$")
        data = prefixed("redeem", {"points": "120", "note": "Paid at the counter", "key": key})
        self.assertRedirects(self.client.post(self.url("redeem"), data),
                             self.url("statement"))
        again = self.client.post(self.url("redeem"), data, follow=True)
        self.assertContains(again, "This redemption was recorded already; nothing changed.")
        entry = Entry.objects.get(kind=Kind.REDEEM)
        self.assertEqual((entry.points, entry.reason, entry.user, entry.key),
                         (-120, "Paid at the counter", self.manager, f"redeem:staff:{key}"))
        self.assertEqual(self.balance(), 180)
        self.assertEqual(differences(), [])
        self.assertContains(self.client.get(self.olena.get_absolute_url()),
                            "Paid at the counter (by Bob)")
        # The next form shown is a new redemption, with a key of its own.
        self.assertNotEqual(again.context["redeem_form"]["key"].value(), key)

    def test_a_short_balance_is_refused_in_words(self):
        self.login(self.manager)
        page = self.redeem(points="301")
        self.assertContains(page, "The balance is 300 points, short of 301.")
        self.assertEqual(Entry.objects.filter(kind=Kind.REDEEM).count(), 0)
        self.assertEqual(self.balance(), 300)

    def test_points_pay_at_most_the_programmes_share_of_the_order(self):
        order = self.order("100.00")
        ledger.grant(self.olena.pk, 300, "More", key="more:olena")
        self.login(self.manager)
        # Half of 100.00 is 50.00: 500 points at 0.10; 501 are 50.10.
        page = self.redeem(points="501", order=str(order.pk), note="")
        self.assertContains(page, "Points may pay at most 50% of the order")
        self.assertEqual(Entry.objects.filter(kind=Kind.REDEEM).count(), 0)
        self.assertEqual(self.redeem(points="500", order=str(order.pk), note="").status_code,
                         302)
        entry = Entry.objects.get(kind=Kind.REDEEM)
        self.assertEqual((entry.points, entry.order), (-500, order))
        self.assertContains(self.client.get(self.olena.get_absolute_url()), "By Bob")
        self.assertEqual(self.balance(), 100)

    def test_a_customer_with_no_account_is_refused_and_none_is_opened(self):
        new = Customer.objects.create(name="Iryna", manager=self.manager)
        self.login(self.manager)
        page = self.redeem(customer=new, points="10")
        self.assertContains(page, "Iryna has no points yet: nothing to redeem.")
        self.assertFalse(Account.objects.filter(customer=new).exists())

    def test_it_needs_an_order_of_the_customer_or_a_note_and_a_key(self):
        theirs = self.order("500.00", customer=self.taras)
        self.login(self.manager)
        self.assertContains(self.redeem(note=""),
                            "Name the order the points pay, or write a note.")
        self.assertContains(self.redeem(order=str(theirs.pk)), "Select a valid choice.")
        self.assertContains(self.redeem(key="../adjust:1"), "The form is out of date")
        self.assertContains(self.redeem(points="0"), "greater than or equal to 1")
        self.assertEqual(Entry.objects.filter(kind=Kind.REDEEM).count(), 0)

    def test_only_who_may_redeem_does_and_only_for_their_customers(self):
        for user in (self.marketer, self.support, self.analyst, self.nobody):
            self.login(user)
            self.assertEqual(self.redeem().status_code, 403, user)
        self.login(self.support)
        self.assertNotContains(self.client.get(self.url("statement")), 'id="redeem"')
        self.login(self.manager)
        self.assertEqual(self.redeem(customer=self.taras).status_code, 404)
        self.assertEqual(self.client.get(self.url("redeem")).status_code, 405)
        self.assertEqual(Entry.objects.filter(kind=Kind.REDEEM).count(), 0)
        self.assertEqual((self.balance(), self.balance(self.taras)), (300, 100))
        # The administrator may, for anyone.
        self.login(self.admin)
        self.assertEqual(self.redeem(customer=self.taras, points="40").status_code, 302)
        self.assertEqual(self.balance(self.taras), 60)

    def test_the_customer_page_leads_to_the_redemption(self):
        self.login(self.manager)
        page = self.client.get(self.olena.get_absolute_url())
        self.assertContains(page, self.url("statement") + "#redeem")
        self.assertNotContains(page, "#give")
        self.login(self.marketer)
        page = self.client.get(self.olena.get_absolute_url())
        self.assertNotContains(page, "#redeem")
        self.assertContains(page, self.url("statement") + "#give")


class GivePointsTestCase(StaffTestCase):
    def give(self, customer=None, **data):
        form = {"points": "25", "reason": "Sorry for the wait", "key": uuid.uuid4().hex,
                **data}
        return self.client.post(self.url("give", customer), prefixed("give", form))

    def test_a_marketer_gives_points_with_a_reason_once_per_form(self):
        self.login(self.marketer)
        key = self.client.get(self.url("statement")).context["give_form"]["key"].value()
        self.assertRedirects(self.give(key=key), self.url("statement"))
        again = self.client.post(self.url("give"), prefixed("give", {
            "points": "25", "reason": "Sorry for the wait", "key": key}), follow=True)
        self.assertContains(again, "These points were given already; nothing changed.")
        entry = Entry.objects.get(kind=Kind.BONUS, user__isnull=False)
        self.assertEqual((entry.points, entry.reason, entry.user, entry.key),
                         (25, "Sorry for the wait", self.marketer,
                          f"reward:hand:{key}:{self.olena.pk}"))
        self.assertEqual(self.balance(), 325)
        self.assertEqual(differences(), [])
        # On the customer's timeline, with the reason.
        page = self.client.get(self.olena.get_absolute_url())
        self.assertContains(page, "Bonus: +25 points")
        self.assertContains(page, "Sorry for the wait (by mary)")

    def test_a_reason_is_required(self):
        self.login(self.marketer)
        page = self.give(reason="  ")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "This field is required.")
        self.assertEqual(self.balance(), 300)

    def test_only_who_may_give_does(self):
        for user in (self.manager, self.support, self.analyst, self.nobody):
            self.login(user)
            self.assertEqual(self.give().status_code, 403, user)
        self.assertEqual(Entry.objects.filter(user__isnull=False).count(), 0)
        self.assertEqual(self.balance(), 300)
        self.login(self.admin)
        self.assertEqual(self.give(customer=self.taras).status_code, 302)
        self.assertEqual(self.balance(self.taras), 125)


class ReferralTestCase(StaffTestCase):
    """Taras brings Olena's code to the counter; the code is made on the statement."""

    def test_a_sales_manager_makes_a_code_and_records_a_friends_code(self):
        from tenure.crm.loyalty.models import Referral, ReferralCode, ReferralStatus

        self.login(self.manager)
        self.assertContains(self.client.get(self.url("statement")), "Make their referral code")
        self.client.post(self.url("referral_code"))
        self.client.post(self.url("referral_code"))  # a second click makes no second code
        code = ReferralCode.objects.get(customer=self.olena).code
        self.assertContains(self.client.get(self.url("statement")), code)
        newcomer = Customer.objects.create(name="Iryna", manager=self.manager)
        page = self.client.post(self.url("referred", newcomer),
                                prefixed("referred", {"code": code.lower()}), follow=True)
        self.assertContains(page, "The referral by Olena was recorded.")
        referral = Referral.objects.get(referred=newcomer)
        self.assertEqual((referral.referrer, referral.status), (self.olena,
                                                                ReferralStatus.PENDING))
        self.assertNotContains(page, 'name="referred-code"')  # referred once

    def test_an_unknown_code_is_named_and_a_self_referral_refused_with_its_reason(self):
        from tenure.crm.loyalty import referrals
        from tenure.crm.loyalty.models import Referral, ReferralStatus

        self.login(self.manager)
        page = self.client.post(self.url("referred"), prefixed("referred", {"code": "ZZZ9999"}))
        self.assertContains(page, "No customer has the referral code")
        self.assertFalse(Referral.objects.exists())
        code = referrals.code_for(self.olena)
        page = self.client.post(self.url("referred"), prefixed("referred", {"code": code}),
                                follow=True)
        self.assertContains(page, "A customer cannot refer themself.")
        self.assertEqual(Referral.objects.get().status, ReferralStatus.REFUSED)

    def test_who_may_not_record_referrals_writes_nothing(self):
        from tenure.crm.loyalty import referrals
        from tenure.crm.loyalty.models import Referral, ReferralCode

        code = referrals.code_for(self.taras)
        for user in (self.support, self.analyst, self.nobody):
            self.login(user)
            self.assertIn(self.client.post(self.url("referral_code")).status_code, (403, 404))
            self.assertIn(self.client.post(self.url("referred"), prefixed(
                "referred", {"code": code})).status_code, (403, 404))
        self.login(self.other_manager)  # not their customer
        self.assertEqual(self.client.post(self.url("referred"), prefixed(
            "referred", {"code": code})).status_code, 404)
        self.assertFalse(Referral.objects.exists())
        self.assertEqual(list(ReferralCode.objects.values_list("customer", flat=True)),
                         [self.taras.pk])
