"""The at-risk list and the customer page's value card, from stored snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.urls import reverse

from tenure.crm.customers.models import Customer
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.testing import TenureTestCase

TAKEN = date(2026, 5, 20)
OVERDUE = {"code": "overdue", "days": 94, "usual_gap": 30, "impact": 0.4}
COMPLAINTS = {"code": "complaints_open", "count": 2, "impact": 0.2}


class AtRiskTestCase(TenureTestCase):
    """Four customers scored on 2026-05-20 (and an older snapshot that must not count).

    name   manager  CLV    risk   value at risk  segment
    Ada    bob      1000   0.60   600            at_risk
    Ben    bob       100   0.90    90            hibernating
    Cleo   carol     500   0.80   400            cant_lose
    Dan    bob      2000   0.20   400 (below the default 50 %)
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        InsightsRun.objects.create(
            as_of=TAKEN, status=InsightsRun.Status.DONE,
            finished_at=datetime(2026, 5, 21, tzinfo=UTC),
            results={"churn": {"scored": 4}, "warnings": []})
        people = [("Ada", cls.manager, "1000", 0.6, "at_risk", [OVERDUE, COMPLAINTS]),
                  ("Ben", cls.manager, "100", 0.9, "hibernating", []),
                  ("Cleo", cls.other_manager, "500", 0.8, "cant_lose", [OVERDUE]),
                  ("Dan", cls.manager, "2000", 0.2, "champions", [])]
        cls.people = {}
        for name, manager, clv, risk, segment, reasons in people:
            customer = Customer.objects.create(name=name, manager=manager)
            cls.people[name] = customer
            CustomerSnapshot.objects.create(
                customer=customer, taken_on=TAKEN, clv=Decimal(clv), churn_risk=risk,
                segment=segment, churn_reasons=reasons, p_alive=1 - risk,
                expected_purchases=0.5, last_purchase=date(2026, 2, 15))
            CustomerSnapshot.objects.create(customer=customer, taken_on=date(2026, 4, 20),
                                            clv=Decimal("99999"), churn_risk=0.99)

    def names(self, response) -> list[str]:
        return [s.customer.name for s in response.context["page"].object_list]

    def test_it_lists_the_riskiest_value_first_and_adds_it_up(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertEqual(self.names(r), ["Ada", "Cleo", "Ben"])
        self.assertEqual([round(s.value_at_risk) for s in r.context["page"].object_list],
                         [600, 400, 90])
        self.assertEqual(r.context["totals"]["customers"], 3)
        self.assertAlmostEqual(r.context["totals"]["value"], 1090)

    def test_it_says_why_in_the_users_language(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "no purchase for 94 days; usually buys every 30 days")
        self.assertContains(r, "no single reason stands out")  # Ben
        self.client.post(reverse("set_language"), {"language": "ru"})
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "2 жалобы не решены")

    def test_a_sales_manager_sees_only_their_own(self):
        self.login(self.manager)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertEqual(self.names(r), ["Ada", "Ben"])
        self.assertNotIn("manager", r.context["form"].fields)
        self.assertNotContains(r, "Cleo")

    def test_it_filters_by_risk_segment_and_manager(self):
        self.login(self.admin)
        url = reverse("insights:at_risk")
        self.assertEqual(self.names(self.client.get(url, {"risk": "0.3"})),
                         ["Ada", "Cleo", "Ben"])
        self.assertEqual(self.names(self.client.get(url, {"risk": "0.7"})), ["Cleo", "Ben"])
        self.assertEqual(self.names(self.client.get(url, {"segment": "cant_lose"})), ["Cleo"])
        self.assertEqual(self.names(self.client.get(url, {"manager": self.other_manager.pk})),
                         ["Cleo"])
        # Unknown values fall back to the defaults instead of failing.
        self.assertEqual(self.names(self.client.get(url, {"risk": "x", "segment": "?"})),
                         ["Ada", "Cleo", "Ben"])

    def test_it_is_in_the_menu_of_everyone_who_sees_customers(self):
        for user, shown in ((self.manager, True), (self.support, True), (self.nobody, False)):
            self.login(user)
            r = self.client.get(reverse("home"), follow=True)
            self.assertEqual(reverse("insights:at_risk") in r.content.decode(), shown, user)
        self.login(self.nobody)
        self.assertEqual(self.client.get(reverse("insights:at_risk")).status_code, 403)

    def test_before_any_churn_scores_it_says_what_to_do(self):
        InsightsRun.objects.all().delete()
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "No churn scores yet")

    def test_the_customer_page_shows_value_and_risk(self):
        self.login(self.manager)
        r = self.client.get(self.people["Ada"].get_absolute_url())
        card = r.content.decode()
        self.assertIn("Value and risk", card)
        self.assertIn("$1,000.00", card)  # the latest snapshot's CLV, not the older 99,999
        self.assertIn("60%", card)
        self.assertIn("2 complaints not resolved", card)

    def test_a_customer_not_scored_yet_gets_a_word_instead(self):
        self.login(self.admin)
        newcomer = Customer.objects.create(name="Eve")
        r = self.client.get(newcomer.get_absolute_url())
        self.assertContains(r, "appear here after the nightly refresh")
