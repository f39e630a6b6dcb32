"""The forecast and models pages, drawn from stored results in the refresh's format."""

from __future__ import annotations

from django.urls import reverse

from tenure.crm.insights.models import InsightsRun
from tenure.crm.insights.tests.test_pages import results_fixture, store_run, table
from tenure.crm.testing import TenureTestCase

FORECAST_COLUMNS = ["by", "group", "measure", "period", "model", "mean", "lo_80", "hi_80",
                    "lo_95", "hi_95"]


def forecast_part() -> dict:
    """Three months of the shop's history and two months ahead; a store with its own."""
    history = table(["by", "group", "period", "revenue", "orders", "complete"], [
        ["all", "all", "2026-02-01", 1200.0, 12, True],
        ["all", "all", "2026-03-01", 1500.0, 15, True],
        ["all", "all", "2026-04-01", 2400.0, 20, True],
        ["all", "all", "2026-05-01", 300.0, 5, False],
        ["store", "Kyiv", "2026-04-01", 900.0, 7, True],
    ])
    forecast = table(FORECAST_COLUMNS, [
        ["all", "all", "revenue", "2026-05-01", "AutoETS", 2500.0, 2100.0, 2900.0, 1900.0,
         3100.0],
        ["all", "all", "revenue", "2026-06-01", "AutoETS", 2600.0, 2000.0, 3200.0, 1700.0,
         3500.0],
        ["all", "all", "orders", "2026-05-01", "SeasonalNaive", 21.0, 18.0, 24.0, 16.0, 26.0],
        ["all", "all", "orders", "2026-06-01", "SeasonalNaive", 22.0, 18.0, 26.0, 15.0, 29.0],
        ["store", "Kyiv", "revenue", "2026-05-01", "AutoARIMA", 950.0, 800.0, 1100.0, 700.0,
         1200.0],
    ])
    chosen = table(["by", "group", "measure", "model", "season_length", "mase"], [
        ["all", "all", "revenue", "AutoETS", 12, 0.71],
        ["all", "all", "orders", "SeasonalNaive", 12, 0.9],
        ["store", "Kyiv", "revenue", "AutoARIMA", 1, 0.8],
    ])
    backtest = table(["by", "group", "measure", "model", "mase", "mae", "chosen"], [
        ["all", "all", "revenue", "AutoETS", 0.71, 210.0, True],
        ["all", "all", "revenue", "AutoARIMA", 0.93, 280.0, False],
        ["all", "all", "revenue", "SeasonalNaive", 1.0, 300.0, False],
    ])
    bottom_up = table(["period", "days", "orders", "revenue"], [
        ["2026-05-01", 11, 3.5, 400.0], ["2026-06-01", 30, 9.0, 1000.0]])
    return {"h": 2, "partial_period": "2026-05-01", "notes": ["A short store is left out."],
            "history": history, "forecast": forecast, "chosen": chosen,
            "backtest": backtest, "bottom_up": bottom_up}


def predictive_results() -> dict:
    results = results_fixture()
    results["forecast"] = {"day": None, "week": None, "month": forecast_part()}
    results["churn"] = {
        "as_of": "2026-05-20", "test_snapshot": "2025-05-20", "scored": 8,
        "horizon": "no purchase within 90 days after the snapshot",
        "metrics": table(["model", "roc_auc", "pr_auc", "lift_top_decile", "brier", "n",
                          "churn_rate"], [
            ["model", 0.81, 0.74, 2.1, 0.15, 400, 0.3],
            ["recency", 0.76, 0.69, 1.9, 0.17, 400, 0.3],
            ["p_alive", 0.79, 0.7, 2.2, 0.16, 400, 0.3]]),
        "importance": table(["feature", "family", "gain_share", "mean_abs_contribution"],
                            [["recency_days", "recency", 0.5, 0.3],
                             ["overdue_ratio", "recency", 0.4, 0.1],
                             ["p_alive", "btyd", 0.1, 0.6]]),
        "snapshots": table(["snapshot", "stage", "role", "customers", "churned",
                            "churn_rate"], []),
        "notes": [],
    }
    results["value"] = {
        "chosen": "Pareto/NBD", "time_unit": "day", "calibration_end": "2025-11-21",
        "holdout_days": 180,
        "settings": {"clv_months": 12, "monthly_discount_rate": 0.01, "expected_days": 90},
        "totals": {"clv": 12345.0, "expected_purchases": 50.0},
        "comparison": table(["model", "parameters", "log_likelihood", "aic", "bic", "mae",
                             "rmse", "predicted", "actual", "error_pct"], [
            ["BG/NBD", 4, -100.0, 208.0, 210.0, 0.5, 0.9, 40.0, 42.0, -4.8],
            ["Pareto/NBD", 4, -99.0, 206.0, 208.0, 0.45, 0.8, 41.0, 42.0, -2.4]]),
        "by_frequency": table(["frequency", "customers", "actual", "BG/NBD", "Pareto/NBD"],
                              [["0", 5, 0.2, 0.25, 0.22], ["1", 3, 0.9, 0.8, 0.85]]),
        "purchase": {"name": "Pareto/NBD", "params": {"r": 0.55, "alpha": 74.0, "s": 0.6,
                                                       "beta": 82.0},
                     "standard_errors": {"r": 0.05, "alpha": 6.0, "s": 0.1, "beta": 20.0},
                     "log_likelihood": -99.0, "aic": 206.0, "converged": True},
        "spend": {"name": "Gamma-Gamma", "params": {"p": 6.25, "q": 3.74, "v": 15.44},
                  "standard_errors": {"p": 1.2, "q": 0.3, "v": 4.2},
                  "log_likelihood": -40.0, "aic": 86.0, "converged": True},
        "p_alive_matrix": {"T": 365.0, "recency": [0.0, 365.0], "rows": [[1.0, 1.0],
                                                                          [0.2, 0.9]]},
        "tracking": table(["day", "elapsed", "actual", "expected", "period"], [
            ["2025-11-21", 300, 10.0, 11.0, "calibration"],
            ["2026-05-20", 480, 30.0, 28.0, "holdout"]]),
    }
    return results


class ModelPagesTestCase(TenureTestCase):
    def setUp(self):
        store_run(predictive_results())
        self.login(self.analyst)

    def test_the_forecast_draws_history_forecast_and_both_bands(self):
        r = self.client.get(reverse("insights:forecast"), {"period": "month"})
        spec = r.context["chart_data"]["charts"]["forecast"]
        self.assertEqual(spec["kind"], "forecast")
        # The running month (May) is left out of the actual line and forecast whole.
        self.assertEqual(spec["actual"], [1200.0, 1500.0, 2400.0, None, None])
        self.assertEqual(spec["mean"], [None, None, None, 2500.0, 2600.0])
        self.assertEqual(spec["lo_95"][3:], [1900.0, 1700.0])
        self.assertEqual(spec["bottom_up"][3:], [400.0, 1000.0])
        self.assertContains(r, "Exponential smoothing (ETS)")
        self.assertContains(r, "A short store is left out.")

    def test_it_switches_to_orders_and_to_a_store(self):
        r = self.client.get(reverse("insights:forecast"),
                            {"period": "month", "measure": "orders"})
        self.assertEqual(r.context["chart_data"]["charts"]["forecast"]["mean"][3:], [21.0, 22.0])
        r = self.client.get(reverse("insights:forecast"),
                            {"period": "month", "series": "store:Kyiv"})
        spec = r.context["chart_data"]["charts"]["forecast"]
        self.assertEqual([v for v in spec["mean"] if v is not None], [950.0])
        self.assertNotIn("bottom_up", spec)  # the bottom-up forecast is the whole shop's
        self.assertContains(r, "Store: Kyiv")

    def test_a_period_without_a_forecast_says_so(self):
        r = self.client.get(reverse("insights:forecast"), {"period": "week"})
        self.assertContains(r, "No forecast for this choice")

    def test_the_models_page_puts_each_figure_beside_the_baselines(self):
        r = self.client.get(reverse("insights:models"))
        churn = r.context["churn"]
        lift = next(row for row in churn["table"] if row["key"] == "lift_top_decile")
        # P(alive) has the best lift here, so the model does not beat everything: said so.
        self.assertEqual([c["best"] for c in lift["cells"]], [False, False, True])
        self.assertTrue(churn["beats_recency"])
        self.assertContains(r, "beats recency alone on every measure")
        self.assertContains(r, "Pareto/NBD")
        self.assertEqual(r.context["value"]["holdout_end"].isoformat(), "2026-05-20")
        charts = r.context["chart_data"]["charts"]
        self.assertEqual(set(charts), {"by_frequency", "tracking", "p_alive"})
        self.assertEqual(charts["tracking"]["mark"], 1)

    def test_what_moves_the_risk_is_shown_by_family_and_by_contribution(self):
        # Contributions: the purchase model 0.6 of 1.0, recency 0.3 + 0.1. By the trees'
        # gain recency would hold 90 %: the gain does not see the booster's BTYD start.
        influence = self.client.get(reverse("insights:models")).context["churn"]["importance"]
        self.assertEqual([(str(r["label"]), round(r["share"], 3)) for r in influence], [
            ("The purchase model: chance still a customer, expected purchases", 0.6),
            ("Time since the last purchase, against their usual rhythm", 0.4)])
        self.assertEqual(influence[1]["features"], "recency_days, overdue_ratio")

    def test_a_churn_model_worse_than_recency_is_flagged(self):
        results = predictive_results()
        results["churn"]["metrics"]["rows"][0][4] = 0.2  # Brier worse than recency's 0.17
        InsightsRun.objects.all().delete()
        store_run(results)
        r = self.client.get(reverse("insights:models"))
        self.assertContains(r, "does not beat recency alone on every measure")

    def test_a_p_alive_baseline_worse_than_chance_is_explained(self):
        self.assertNotContains(self.client.get(reverse("insights:models")), "worse than chance")
        results = predictive_results()
        results["churn"]["metrics"]["rows"][2][1] = 0.3  # P(alive)'s ROC AUC
        InsightsRun.objects.all().delete()
        store_run(results)
        self.assertContains(self.client.get(reverse("insights:models")), "worse than chance")

    def test_the_pages_speak_russian_and_ukrainian(self):
        for language, words in (("ru", ["Прогноз", "Модели"]), ("uk", ["Прогноз", "Моделі"])):
            self.client.post(reverse("set_language"), {"language": language})
            for name, word in zip(("insights:forecast", "insights:models"), words, strict=True):
                r = self.client.get(reverse(name), {"period": "month"})
                self.assertContains(r, word)

    def test_parts_that_were_not_computed_leave_an_explanation(self):
        InsightsRun.objects.all().delete()
        store_run(results_fixture())
        r = self.client.get(reverse("insights:models"))
        self.assertContains(r, "Not available in this refresh")
        # The fixture has no forecast at all, as a refresh with --no-forecast stores.
        r = self.client.get(reverse("insights:forecast"))
        self.assertContains(r, "left out the sales forecast")
        InsightsRun.objects.all().delete()
        store_run({**results_fixture(), "forecast": {"day": None, "week": None, "month": None}})
        r = self.client.get(reverse("insights:forecast"))
        self.assertContains(r, "No forecast for this choice")
