"""The demo shop's truth: the file ``--truth`` writes, the causes of churn in the simulation,
and the Insights refresh judged against it."""

from __future__ import annotations

import csv
import io
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from tenure.analytics.analyze import analyze
from tenure.analytics.truth import compare, evaluate, read_truth
from tenure.cli import main
from tenure.crm.customers.models import Customer
from tenure.crm.demo.desk import DAY
from tenure.crm.demo.simulation import FINE, PUT_RIGHT, UNRESOLVED
from tenure.crm.demo.world import Shop, simulate_shop
from tenure.crm.insights.loading import load_transactions
from tenure.crm.insights.models import InsightsRun
from tenure.crm.insights.refreshing import refresh_insights
from tenure.crm.insights.truth import snapshot_scores
from tenure.crm.testing import TenureTestCase

END = date(2025, 6, 30)
COLUMNS = ["external_id", "alive_at_end", "purchase_rate", "dropout_probability",
           "purchases_next_90d", "purchases_next_365d", "spend_next_365d"]


@cache
def shop() -> Shop:
    return simulate_shop(5000, seed=7, end_date=END, present=datetime(2025, 6, 30, 9))


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


def write_demo(folder: Path, **options) -> tuple[Path, str]:
    path, out = folder / "truth.csv", io.StringIO()
    call_command("demo_data", stdout=out, no_progress=True, end_date=END, truth=path,
                 **options)
    return path, out.getvalue()


class TruthFileTestCase(TenureTestCase):
    def setUp(self):
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)

    def test_it_writes_one_consistent_row_per_demo_customer(self):
        path, out = write_demo(self.folder, customers=300, seed=3)
        self.assertIn(str(path), out)
        with path.open(newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            rows = list(reader)
        self.assertEqual(reader.fieldnames, COLUMNS)
        self.assertEqual([r["external_id"] for r in rows], list(
            Customer.objects.filter(source="demo").order_by("pk")
            .values_list("external_id", flat=True)))
        for r in rows:
            self.assertIn(r["alive_at_end"], ("true", "false"))
            next_90, next_365 = int(r["purchases_next_90d"]), int(r["purchases_next_365d"])
            spend = Decimal(r["spend_next_365d"])
            self.assertEqual(spend.as_tuple().exponent, -2)
            self.assertLessEqual(next_90, next_365)
            self.assertEqual(spend > 0, next_365 > 0)
            if r["alive_at_end"] == "false":
                self.assertEqual((next_90, next_365), (0, 0))
            self.assertTrue(0 < float(r["dropout_probability"]) <= 1)
            self.assertGreaterEqual(float(r["purchase_rate"]), 0)
        alive = [r["alive_at_end"] == "true" for r in rows]
        self.assertTrue(0.2 < np.mean(alive) < 0.9)
        self.assertGreater(sum(int(r["purchases_next_365d"]) for r in rows), 0)
        self.assertEqual(len(read_truth(path)), 300)

    def test_it_leaves_the_file_alone_when_the_data_is_kept(self):
        write_demo(self.folder, customers=40, seed=3)
        (self.folder / "truth.csv").write_text("kept", encoding="utf-8")
        _path, out = write_demo(self.folder, customers=40, seed=3, keep_existing=True)
        self.assertIn("left as it is", out)
        self.assertEqual((self.folder / "truth.csv").read_text(encoding="utf-8"), "kept")


    def test_the_truth_command_fails_without_a_refresh_and_exits_2_without_a_file(self):
        # A CommandError is exit status 1; run in-process, the command would close the
        # test database on its way out.
        with self.assertRaisesMessage(CommandError, "tenure insights refresh"):
            call_command("insights", "truth", str(self.folder / "truth.csv"))
        status, _out, err = run_cli("insights", "truth")
        self.assertEqual(status, 2)
        self.assertIn("FILE", err)
        status, out, _err = run_cli("demo-data", "--help")
        self.assertIn("--truth", out)


class TruthSimulationTestCase(TenureTestCase):
    def test_the_history_still_ends_the_day_before_the_end_date(self):
        s = shop()
        self.assertLess(s.orders.at.max(), (END - s.start).days * DAY)
        self.assertGreaterEqual(s.orders.at.max(), ((END - s.start).days - 1) * DAY)

    def test_the_truth_is_the_same_for_the_same_seed(self):
        a, b = (simulate_shop(400, seed=5, end_date=END).truth for _ in range(2))
        for name in ("alive_at_end", "purchases_next_365d", "spend_next_365d"):
            self.assertTrue(np.array_equal(getattr(a, name), getattr(b, name)))

    def test_the_customers_alive_buy_on_and_the_others_do_not(self):
        truth = shop().truth
        self.assertFalse((truth.purchases_next_365d[~truth.alive_at_end] > 0).any())
        self.assertTrue(np.all(truth.purchases_next_90d <= truth.purchases_next_365d))
        # Alive customers buy on at about their own rate, the season aside.
        alive = truth.alive_at_end
        expected = truth.purchase_rate[alive].sum() * 365
        self.assertTrue(0.5 * expected < truth.purchases_next_365d[alive].sum() < expected)

    def test_unresolved_complaints_drive_customers_away(self):
        s = shop()
        complaints, truth = s.service.complaints, s.truth
        old = complaints.at < s.service.present - 120 * DAY
        how = s.orders.experience[complaints.order]
        unresolved = np.unique(complaints.customer[old & (how == UNRESOLVED)])
        put_right = np.unique(complaints.customer[old & (how == PUT_RIGHT)])
        other = np.unique(complaints.customer[old & (how == FINE)])
        self.assertGreater(len(unresolved), 50)
        # The same kind of customers by their latent dropout, far fewer of them stay.
        dropout = truth.dropout_probability
        self.assertAlmostEqual(dropout[unresolved].mean(), dropout[put_right].mean(),
                               delta=0.05)
        stayed = {name: truth.alive_at_end[group].mean()
                  for name, group in [("unresolved", unresolved), ("put right", put_right),
                                      ("other", other)]}
        self.assertLess(stayed["unresolved"] + 0.15, stayed["put right"], stayed)
        self.assertLess(stayed["unresolved"] + 0.15, stayed["other"], stayed)

    def test_a_purchase_that_went_wrong_is_answered_as_a_detractor_mostly(self):
        service = shop().service
        inv, answers = service.invitations, service.answers
        purchase = inv.survey[answers.invitation] == 0
        wrong = np.zeros(len(answers.at), dtype=bool)
        wrong[purchase] = shop().orders.experience[inv.occasion[answers.invitation[purchase]]] \
            != FINE
        self.assertGreater(wrong.sum(), 5)
        self.assertGreater((answers.score[wrong] <= 6).mean(), 0.5)
        self.assertLess((answers.score[purchase & ~wrong] <= 6).mean(), 0.35)


class RefreshAgainstTruthTestCase(TenureTestCase):
    """A 1,500-customer demo shop refreshed once and judged against its truth."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.folder = tempfile.TemporaryDirectory()
        cls.path, _out = write_demo(Path(cls.folder.name), customers=1500, seed=4)
        # The forecast is not what these tests judge: the slowest step is left out.
        cls.refreshed = refresh_insights(as_of=END - timedelta(days=1), forecast=False)
        cls.figures = evaluate(snapshot_scores(cls.refreshed), read_truth(cls.path))
        cls.verdicts = {(r.metric, r.baseline): r for r in compare(cls.figures).itertuples()}
        print("\n" + cls.figures.to_string())  # the figures, for the record

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()
        super().tearDownClass()

    def assertBeats(self, metric: str, baseline: str):
        found = self.verdicts[metric, baseline]
        self.assertTrue(found.beats, f"{metric}: {found.score} {found.value:.3f} vs "
                                     f"{baseline} {found.baseline_value:.3f}")

    def test_the_refresh_scores_the_demo_customers(self):
        self.assertEqual(self.refreshed.status, InsightsRun.Status.DONE)
        churn = self.figures[self.figures.metric == "roc_auc"]
        self.assertGreater(churn.n.min(), 500)

    def test_churn_risk_beats_recency_alone(self):
        self.assertBeats("roc_auc", "recency")
        self.assertBeats("pr_auc", "recency")

    def test_churn_risk_beats_one_minus_p_alive(self):
        self.assertBeats("roc_auc", "one_minus_p_alive")
        self.assertBeats("pr_auc", "one_minus_p_alive")

    def test_p_alive_beats_a_constant(self):
        self.assertBeats("brier", "constant")

    def test_clv_ranks_next_years_spend_better_than_past_revenue(self):
        self.assertBeats("spearman", "revenue")

    def test_tenure_analyze_of_purchases_without_order_ids_beats_the_baselines_too(self):
        # The command's own path: a file of purchases without order ids, whose churn
        # features come from the sorted arrays (`tenure.analytics.churn.daily`), not from
        # the engine as in the refresh. Judged on the same truth, every comparison holds.
        table = load_transactions(managers=False, details=False)
        frame = table.select(["customer_id", "time", "amount"]).to_pandas()
        external = {str(pk): e for pk, e in Customer.objects.values_list("pk", "external_id")}
        frame["customer_id"] = frame["customer_id"].map(external)
        analysis = analyze(frame, as_of=(END - timedelta(days=1)).isoformat())
        self.assertIsNotNone(analysis.churn, analysis.notes)
        scores = analysis.customers[["customer_id", "churn_risk", "p_alive", "clv"]].merge(
            analysis.summary[["customer_id", "recency_days", "revenue"]], on="customer_id")
        scores[scores.columns[1:]] = scores[scores.columns[1:]].apply(pd.to_numeric)
        verdicts = compare(evaluate(scores, read_truth(self.path)))
        self.assertEqual(set(zip(verdicts.metric, verdicts.baseline, strict=True)),
                         set(self.verdicts))
        for found in verdicts.itertuples():
            self.assertTrue(found.beats, f"{found.metric}: {found.score} {found.value:.3f} vs "
                                         f"{found.baseline} {found.baseline_value:.3f}")

    def test_the_models_page_shows_the_figures_against_the_truth(self):
        self.login(self.analyst)
        with override_settings(TENURE_DEMO_TRUTH=self.path):
            r = self.client.get(reverse("insights:models"))
        self.assertContains(r, '<section class="card" id="demo-truth">')
        shown = {(row["metric"], row["baseline"]): row for row in r.context["truth"]}
        self.assertEqual(set(shown), set(self.verdicts))
        for key, row in shown.items():
            self.assertAlmostEqual(row["value"], self.verdicts[key].value)
        with override_settings(TENURE_DEMO_TRUTH=self.path.with_name("missing.csv")):
            r = self.client.get(reverse("insights:models"))
        self.assertNotContains(r, 'id="demo-truth"')
        self.assertIsNone(r.context["truth"])

    def test_the_command_prints_a_verdict_per_comparison(self):
        out = io.StringIO()
        call_command("insights", "truth", str(self.path), stdout=out)
        lines = out.getvalue().splitlines()
        self.assertIn("Against the demo's truth", lines[0])
        verdicts = [line.split()[-1] for line in lines[2:8]]
        self.assertEqual(verdicts, ["yes" if r.beats else "no" for r in self.verdicts.values()])

    def test_the_command_fails_on_a_file_it_cannot_read(self):
        with self.assertRaisesMessage(CommandError, "no.csv"):
            call_command("insights", "truth", str(self.path.with_name("no.csv")))
        self.path.with_name("other.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        with self.assertRaisesMessage(CommandError, "tenure demo-data --truth"):
            call_command("insights", "truth", str(self.path.with_name("other.csv")))
