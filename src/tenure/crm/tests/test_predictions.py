"""The nightly refresh's value, churn and forecast parts on the demo shop, and their pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db.models import Avg, Q
from django.urls import reverse

from tenure.crm.demo.shop import build_demo_shop
from tenure.crm.insights.dashboards import rows
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.insights.refreshing import refresh_insights
from tenure.crm.testing import TenureTestCase

# What the demo shop's predictions and pages are like does not depend on the database.
pytestmark = pytest.mark.any_database

END = date(2026, 11, 30)
#: The moment of the build, fixed: the activities done and planned depend on it, and a shop
#: built at whatever moment the tests run is another shop every day.
BUILT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
METRICS = {"roc_auc": True, "pr_auc": True, "lift_top_decile": True, "brier": False}


class DemoShopPredictionsTestCase(TenureTestCase):
    """The shop ``make demo`` builds (5,000 customers, seed 1), refreshed once."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_demo_shop(customers=5000, seed=1, end_date=END, now=BUILT)
        cls.refreshed = refresh_insights(as_of=END)

    def test_the_refresh_succeeds(self):
        self.assertEqual((self.refreshed.status, self.refreshed.error),
                         (InsightsRun.Status.DONE, ""))

    def test_the_churn_model_beats_recency_alone_on_every_reported_metric(self):
        metrics = {r["model"]: r for r in rows(self.refreshed.results["churn"]["metrics"])}
        for name, higher_is_better in METRICS.items():
            ours, recency = metrics["model"][name], metrics["recency"][name]
            self.assertTrue(ours > recency if higher_is_better else ours < recency,
                            f"{name}: model {ours} vs recency {recency}")

    def test_the_models_page_shows_those_figures_beside_the_baselines(self):
        self.login(self.analyst)
        r = self.client.get(reverse("insights:models"))
        self.assertContains(r, "The churn model beats recency alone on every measure.")
        table = r.context["churn"]["table"]
        self.assertEqual([row["key"] for row in table], list(METRICS))
        metrics = {m["model"]: m for m in rows(self.refreshed.results["churn"]["metrics"])}
        for row in table:
            self.assertEqual([c["value"] for c in row["cells"]],
                             [metrics[m][row["key"]] for m in ("model", "recency", "p_alive",
                                                              "expected_purchases")])

    def test_every_buyer_gets_a_value_and_every_active_customer_a_risk(self):
        latest = CustomerSnapshot.objects.filter(taken_on=END)
        self.assertFalse(latest.filter(Q(clv=None) | Q(p_alive=None)
                                       | Q(expected_purchases=None)).exists())
        scored = latest.exclude(churn_risk=None)
        self.assertEqual(scored.count(), self.refreshed.results["churn"]["scored"])
        # Scored are those who bought within the activity window (the last 365 days).
        self.assertFalse(scored.filter(recency_days__gte=365).exists())
        self.assertFalse(latest.filter(churn_risk=None, recency_days__lt=365).exists())
        self.assertTrue(all(0 <= r <= 1 for r in scored.values_list("churn_risk", flat=True)))

    def test_recent_buyers_are_likelier_alive_and_less_at_risk(self):
        repeat = CustomerSnapshot.objects.filter(taken_on=END, frequency__gte=2)
        recent = repeat.filter(recency_days__lte=30).aggregate(p=Avg("p_alive"),
                                                               risk=Avg("churn_risk"))
        lapsed = repeat.filter(recency_days__gt=180).aggregate(p=Avg("p_alive"),
                                                               risk=Avg("churn_risk"))
        self.assertGreater(recent["p"], lapsed["p"] + 0.2)
        self.assertLess(recent["risk"], lapsed["risk"])

    def test_the_chosen_purchase_model_predicted_the_holdout_best_of_the_candidates(self):
        value = self.refreshed.results["value"]
        comparison = rows(value["comparison"])
        self.assertEqual({r["model"] for r in comparison}, {"BG/NBD", "Pareto/NBD", "MBG/NBD"})
        # BG/NBD is there for reference only (P(alive) = 1 for every one-time buyer); a
        # candidate whose calibration fit did not converge is named in the notes.
        failed = {n.split(" did not converge")[0] for n in value["notes"]
                  if " did not converge" in n}
        candidates = [r for r in comparison if r["model"] in {"Pareto/NBD", "MBG/NBD"} - failed]
        best = min(candidates, key=lambda r: r["mae"])
        self.assertEqual(value["chosen"], best["model"])
        self.assertEqual(value["purchase"]["name"], best["model"])
        self.assertEqual(value["p_alive_model"], best["model"])
        actual = {r["actual"] for r in comparison}
        self.assertEqual(len(actual), 1)  # every model is judged on the same holdout

    def test_the_forecast_covers_each_period_with_ordered_intervals(self):
        forecast = self.refreshed.results["forecast"]
        for period, ahead in (("day", 28), ("week", 13), ("month", 6)):
            shop = [r for r in rows(forecast[period]["forecast"]) if r["by"] == "all"]
            self.assertEqual(len(shop), 2 * ahead, period)  # revenue and orders
            for r in shop:
                self.assertLessEqual(r["lo_95"], r["lo_80"])
                self.assertLessEqual(r["lo_80"], r["mean"])
                self.assertLessEqual(r["mean"], r["hi_80"])
                self.assertLessEqual(r["hi_80"], r["hi_95"])
        self.assertTrue(any(r["by"] == "store" for r in rows(forecast["month"]["chosen"])))

    def test_the_pages_show_it(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:forecast"), {"period": "month",
                                                           "measure": "orders"})
        self.assertEqual(r.status_code, 200)
        spec = r.context["chart_data"]["charts"]["forecast"]
        self.assertEqual(len([v for v in spec["mean"] if v is not None]), 6)
        self.assertIn("bottom_up", spec)
        r = self.client.get(reverse("insights:at_risk"))
        first = r.context["page"].object_list[0]
        self.assertContains(r, first.customer.name)
        r = self.client.get(first.customer.get_absolute_url())
        self.assertContains(r, "Churn risk")
        self.assertContains(r, "Expected value, next 12 months")
