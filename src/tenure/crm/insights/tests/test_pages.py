"""The insights pages: who sees them, what they show from a stored refresh, the empty state
and the refresh button."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine
from django.urls import reverse

from tenure.crm.customers.models import Customer
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.jobs.models import PeriodicJob, WorkerProcess
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

PAGES = ["overview", "cohorts", "segments", "value"]
SEGMENT_KEYS = [
    "champions", "loyal", "potential_loyalist", "new", "promising", "need_attention",
    "about_to_sleep", "cant_lose", "at_risk", "hibernating", "lost",
]
KPI_COLUMNS = [
    "period", "customers_start", "customers_end", "new", "reactivated", "retained", "lost",
    "crr", "crr_seed", "churn_rate", "retention_rate", "buyers", "orders", "revenue",
    "revenue_per_customer", "avg_check", "orders_per_buyer", "repeat_rate",
    "window_covered", "unfinished",
]


def table(columns, rows):
    return {"columns": columns, "rows": rows}


def kpi_row(period, start, end, new, retained, buyers, orders, revenue, repeaters,
            covered=True, unfinished=False):
    lost = start - retained
    return [period, start, end, new, end - new - retained, retained, lost,
            retained / start if start else None, (end - new) / start if start else None,
            lost / start if start else None, None, buyers, orders, revenue,
            revenue / buyers, revenue / orders, orders / buyers, repeaters / buyers,
            covered, unfinished]


def results_fixture() -> dict:
    """Return stored results as the refresh writes them (format of ``refreshing.py``).

    As of 2026-05-20, so May is still running: the tiles show April against March. The
    activity window is 28 days, so retention is measured from March (the first purchases
    were on 1 February).
    """
    months = table(KPI_COLUMNS, [
        kpi_row("2026-02-01", 0, 10, 10, 0, 10, 12, 1200.0, 0, covered=False),
        kpi_row("2026-03-01", 10, 18, 9, 8, 12, 15, 1500.0, 4),
        # April: 16 buyers, 20 orders, 2400 revenue; March: 12 buyers, 15 orders, 1500.
        kpi_row("2026-04-01", 18, 25, 8, 16, 16, 20, 2400.0, 8),
        kpi_row("2026-05-01", 25, 26, 2, 24, 5, 5, 300.0, 3, unfinished=True),
    ])
    bridge = table(["period", "revenue_change", "n_effect", "v_effect", "l_effect"], [
        ["2026-03-01", 300.0, 200.0, 50.0, 50.0],
        ["2026-04-01", 900.0, 550.0, 250.0, 100.0],
        ["2026-05-01", -2100.0, -1500.0, -300.0, -300.0],
    ])
    cohort_columns = ["cohort", "size", "0", "1", "2"]
    segments_rows = [[key, 0, 0.0, 0.0, 0.0, None, None, None] for key in SEGMENT_KEYS]
    segments_rows[0] = ["champions", 3, 0.3, 3000.0, 0.6, 10.0, 6.0, 1000.0]
    segments_rows[9] = ["hibernating", 7, 0.7, 2000.0, 0.4, 300.0, 1.5, 285.71]
    transitions_columns = ["segment", *SEGMENT_KEYS, "none"]
    transitions_rows = [[key] + [0] * 12 for key in [*SEGMENT_KEYS, "none"]]
    transitions_rows[0][1] = 2     # champions -> champions
    transitions_rows[0][10] = 1    # champions -> hibernating
    transitions_rows[11][10] = 4   # new buyers -> hibernating
    return {
        "version": 1, "as_of": "2026-05-20", "window_days": 28,
        "previous_as_of": "2026-04-20",
        "totals": {"customers": 12, "buyers": 10, "orders": 52, "revenue": 5400.0,
                   "transactions": 54, "return_on_relationship": 0.4},
        "kpis": {"month": months, "week": table(KPI_COLUMNS, []),
                 "quarter": table(KPI_COLUMNS, []), "year": table(KPI_COLUMNS, [])},
        "kpis_by": {},
        "bridge": {"month": bridge},
        "cohorts": {
            "customers": table(cohort_columns, [["2026-02-01", 10, 1.0, 0.5, 0.4],
                                                ["2026-03-01", 9, 1.0, 0.2, None]]),
            "revenue": table(cohort_columns, [["2026-02-01", 10, 1200.0, 600.0, 300.0],
                                              ["2026-03-01", 9, 900.0, 90.0, None]]),
            "revenue_per_customer": table(cohort_columns, [
                ["2026-02-01", 10, 120.0, 60.0, 30.0], ["2026-03-01", 9, 100.0, 10.0, None]]),
        },
        "segments": table(["segment", "customers", "share", "revenue", "revenue_share",
                           "avg_recency", "avg_frequency", "avg_monetary"], segments_rows),
        "transitions": table(transitions_columns, transitions_rows),
        "abc_xyz": table(["abc", "X", "Y", "Z", "new"],
                         [["A", 1, 1, 0, 0], ["B", 0, 2, 1, 0], ["C", 0, 0, 3, 2]]),
        "abc_xyz_revenue": table(["abc", "X", "Y", "Z", "new"], [
            ["A", 2000.0, 1500.0, 0.0, 0.0], ["B", 0.0, 800.0, 300.0, 0.0],
            ["C", 0.0, 0.0, 300.0, 500.0]]),
        "clusters": {"k": 2, "silhouette": 0.61, "descriptions": [
            "Frequent recent buyers who spend a lot.", "One-time buyers who left long ago."],
            "table": table(["cluster", "customers", "share", "recency_days", "orders",
                            "revenue", "monetary"],
                           [[0, 3, 0.3, 10.0, 6.0, 1000.0, 166.7],
                            [1, 7, 0.7, 300.0, 1.5, 285.7, 190.5]])},
        "best_customers": table(
            ["attribute", "value", "count_top", "share_top", "count_all", "share_all", "lift"], [
                ["referred", "yes", 1, 1.0, 2, 0.2, 5.0], ["gender", "f", 1, 1.0, 5, 0.5, 2.0],
                ["city", "Lviv", 1, 1.0, 5, 0.5, 2.0]]),
        "typical_customer": {
            "customers": 10, "orders": 2.0, "revenue": 310.5, "avg_check": 155.25,
            "tenure_days": 433.0, "recency_days": 231.0,
            "attributes": {"city": "Kyiv", "gender": "m"},
            "attribute_shares": {"city": 0.4, "gender": 0.6}},
        "feedback": None, "timings": {}, "warnings": [],
    }


def store_run(results: dict | None = None, **fields) -> InsightsRun:
    fields.setdefault("as_of", date(2026, 5, 20))
    return InsightsRun.objects.create(
        status=InsightsRun.Status.DONE,
        finished_at=datetime(2026, 5, 21, 2, 0, tzinfo=UTC),
        results=results_fixture() if results is None else results, **fields,
    )


def charts(response) -> dict:
    return response.context["chart_data"]["charts"]


class InsightsAccessTestCase(TenureTestCase):
    def test_it_shows_every_page_to_administrators_marketers_and_analysts(self):
        store_run()
        for user in (self.admin, self.marketer, self.analyst):
            self.login(user)
            for page in PAGES:
                response = self.client.get(reverse(f"insights:{page}"))
                self.assertEqual(response.status_code, 200, (user.username, page))

    def test_it_refuses_sales_managers_support_and_users_without_a_role(self):
        store_run()
        for user in (self.manager, self.support, self.nobody):
            self.login(user)
            for page in PAGES:
                response = self.client.get(reverse(f"insights:{page}"))
                self.assertEqual(response.status_code, 403, (user.username, page))

    def test_it_sends_visitors_to_the_login_page(self):
        response = self.client.get(reverse("insights:overview"))
        self.assertRedirects(response, "/accounts/login/?next=/insights/",
                             fetch_redirect_response=False)

    def test_it_links_insights_in_the_menu_only_for_those_who_may_see_them(self):
        for user, shown in ((self.marketer, True), (self.analyst, True),
                            (self.manager, False), (self.support, False)):
            self.login(user)
            response = self.client.get(reverse("customers:list"))
            link = f'href="{reverse("insights:overview")}"'
            self.assertEqual(link in response.content.decode(), shown, user.username)


class InsightsEmptyStateTestCase(TenureTestCase):
    def test_it_explains_that_nothing_was_computed_yet(self):
        self.login(self.marketer)
        for page in PAGES:
            response = self.client.get(reverse(f"insights:{page}"))
            self.assertContains(response, "Insights are computed nightly")
            self.assertNotContains(response, "Refresh now")
            self.assertNotContains(response, "echarts.min.js")

    def test_it_offers_administrators_the_refresh(self):
        self.login(self.admin)
        response = self.client.get(reverse("insights:segments"))
        self.assertContains(response, "Insights are computed nightly")
        self.assertContains(response, f'action="{reverse("insights:refresh")}"')

    def test_it_ignores_a_failed_run_and_tells_administrators_why(self):
        InsightsRun.objects.create(as_of=date(2026, 5, 20), status=InsightsRun.Status.FAILED,
                                   error="no orders to analyse")
        self.login(self.admin)
        response = self.client.get(reverse("insights:overview"))
        self.assertContains(response, "Insights are computed nightly")
        self.assertContains(response, "no orders to analyse")
        self.login(self.analyst)
        self.assertNotContains(self.client.get(reverse("insights:overview")),
                               "no orders to analyse")


class PartialResultsTestCase(TenureTestCase):
    def test_it_renders_every_page_when_parts_failed_on_their_own(self):
        results = results_fixture()
        for key in ("kpis", "bridge", "cohorts", "segments", "transitions", "abc_xyz",
                    "abc_xyz_revenue", "clusters", "best_customers", "typical_customer"):
            results[key] = None
        results["warnings"] = ["clusters: the k-means did not converge"]
        store_run(results)
        self.login(self.admin)
        for page in PAGES:
            response = self.client.get(reverse(f"insights:{page}"))
            self.assertContains(response, "1 part could not be computed")
            self.assertContains(response, "clusters: the k-means did not converge")
        self.login(self.analyst)
        self.assertNotContains(self.client.get(reverse("insights:value")), "did not converge")


class OverviewPageTestCase(TenureTestCase):
    def setUp(self):
        store_run()
        self.login(self.analyst)

    def test_it_shows_the_last_complete_period_against_the_one_before(self):
        response = self.client.get(reverse("insights:overview"))
        tiles = {tile["key"]: tile for tile in response.context["tiles"]}
        # May is still running on 2026-05-20: April is the latest complete month.
        self.assertEqual(response.context["current"]["period"], "2026-04-01")
        self.assertEqual(tiles["revenue"]["value"], 2400.0)
        self.assertAlmostEqual(tiles["revenue"]["change"], 0.6)  # 2400 / 1500 - 1
        self.assertEqual(tiles["avg_check"]["value"], 120.0)  # 2400 / 20
        # CRR 16/18 against 8/10: +8.9 points; churn fell, which is good.
        self.assertAlmostEqual(tiles["crr"]["change"], 16 / 18 - 0.8)
        self.assertTrue(tiles["crr"]["good"])
        self.assertTrue(tiles["churn_rate"]["good"])
        self.assertEqual(tiles["customers_end"]["spark"], [10, 18, 25])
        self.assertContains(response, "$2,400.00")
        self.assertContains(response, "+60.0%")
        self.assertContains(response, "+8.9 pp")
        self.assertContains(response, "88.9%")  # CRR of April
        self.assertContains(response, "All time: 12 customers, 10 of them buyers, 52 orders, "
                                      "$5,400.00 revenue.")
        self.assertContains(response, "Return on relationship: 40.0%")

    def test_it_marks_the_running_period_in_the_trends(self):
        response = self.client.get(reverse("insights:overview"))
        found = charts(response)
        self.assertEqual(found["revenue"]["x"][-1], "May 2026 (so far)")
        for chart in ("revenue", "customers", "rates"):
            self.assertEqual(found[chart]["so_far"], 3, chart)  # drawn apart, not as a drop
            self.assertEqual(found[chart]["so_far_name"], "so far")

    def test_it_draws_no_running_period_apart_when_the_last_one_is_complete(self):
        results = results_fixture()
        results["as_of"] = "2026-05-31"
        results["kpis"]["month"]["rows"][-1][-1] = False  # unfinished
        InsightsRun.objects.all().delete()
        store_run(results, as_of=date(2026, 5, 31))
        found = charts(self.client.get(reverse("insights:overview")))
        self.assertEqual(found["revenue"]["x"][-1], "May 2026")
        self.assertNotIn("so_far", found["revenue"])

    def monthly_shop(self, months: int) -> dict:
        """Stored results of a shop with ``months`` months of history up to 2026-05-20 and
        a 365-day window: CRR is 100 % by definition until a year after the first month."""
        first = 2026 * 12 + 4 - months + 1
        rows = []
        for k in range(months):
            start = date((first + k) // 12, (first + k) % 12 + 1, 1).isoformat()
            kept = 20 + k if k < 12 else 18 + k  # everyone stays until the window is covered
            rows.append(kpi_row(start, 20 + k, 21 + k, 1, kept, 10, 12, 1000.0, 7,
                                covered=k >= 12, unfinished=k == months - 1))
        results = results_fixture()
        results["window_days"] = 365
        results["kpis"]["month"] = table(KPI_COLUMNS, rows)
        results["bridge"] = {}
        InsightsRun.objects.all().delete()
        store_run(results)
        return results

    def test_a_nine_month_shop_shows_no_retention_it_cannot_measure(self):
        self.monthly_shop(9)
        response = self.client.get(reverse("insights:overview"))
        tiles = {tile["key"]: tile for tile in response.context["tiles"]}
        for key in ("crr", "churn_rate"):
            self.assertIsNone(tiles[key]["value"], key)
            self.assertIsNone(tiles[key]["change"], key)
            self.assertIn("shorter than the 365-day activity window", tiles[key]["reason"])
        self.assertNotContains(response, "100.0%")
        self.assertContains(response, "the history is shorter than the 365-day activity window")
        rates = {s["name"]: s["values"] for s in charts(response)["rates"]["series"]}
        self.assertEqual(set(rates["Customer retention rate"]), {None})
        self.assertEqual(set(rates["Churn rate"]), {None})

    def test_a_three_year_shop_shows_its_retention(self):
        self.monthly_shop(36)
        response = self.client.get(reverse("insights:overview"))
        tiles = {tile["key"]: tile for tile in response.context["tiles"]}
        # April 2026, the 35th month: 18 + 34 of 20 + 34 customers stayed.
        self.assertAlmostEqual(tiles["crr"]["value"], 52 / 54)
        self.assertAlmostEqual(tiles["churn_rate"]["value"], 2 / 54)
        self.assertIsNone(tiles["crr"]["reason"])
        self.assertContains(response, "96.3%")
        self.assertNotContains(response, "activity window, so every customer")
        rates = {s["name"]: s["values"] for s in charts(response)["rates"]["series"]}
        self.assertEqual(rates["Customer retention rate"][:12], [None] * 12)
        self.assertAlmostEqual(rates["Customer retention rate"][12], 30 / 32)

    def test_a_refresh_stored_before_the_flags_is_judged_from_its_first_period(self):
        results = self.monthly_shop(9)
        kpis = results["kpis"]["month"]
        kpis["rows"] = [row[:-2] for row in kpis["rows"]]
        kpis["columns"] = kpis["columns"][:-2]
        InsightsRun.objects.all().delete()
        store_run(results)
        response = self.client.get(reverse("insights:overview"))
        tiles = {t["key"]: t for t in response.context["tiles"]}
        self.assertIsNone(tiles["crr"]["value"])
        self.assertIsNotNone(tiles["crr"]["reason"])

    def test_it_explains_the_revenue_change_with_a_waterfall_that_adds_up(self):
        response = self.client.get(reverse("insights:overview"))
        steps = charts(response)["bridge"]["steps"]
        self.assertEqual([s["value"] for s in steps], [1500.0, 550.0, 250.0, 100.0, 2400.0])
        self.assertEqual(sum(s["value"] for s in steps[:4]), steps[4]["value"])

    def test_it_passes_the_charts_to_the_browser_as_json(self):
        response = self.client.get(reverse("insights:overview"))
        content = response.content.decode()
        self.assertIn('<script id="insights-charts" type="application/json">', content)
        self.assertIn("vendor/echarts/echarts.min.js", content)
        start = content.index('type="application/json">') + len('type="application/json">')
        data = json.loads(content[start:content.index("</script>", start)])
        self.assertEqual(data["currency"], "USD")
        self.assertEqual(data["charts"]["spark-revenue"]["values"], [1200.0, 1500.0, 2400.0])

    def test_it_switches_the_period_and_copes_with_an_empty_one(self):
        response = self.client.get(reverse("insights:overview"), {"period": "quarter"})
        self.assertEqual(response.context["period"], "quarter")
        self.assertContains(response, "No complete period yet")

    def test_it_names_the_week_shown(self):
        results = results_fixture()
        results["kpis"]["week"] = table(KPI_COLUMNS, [
            kpi_row("2026-05-04", 20, 22, 2, 18, 8, 9, 900.0, 6),
            kpi_row("2026-05-11", 22, 23, 1, 21, 6, 6, 600.0, 5),
            kpi_row("2026-05-18", 23, 23, 0, 23, 2, 2, 200.0, 2),  # runs to May 24
        ])
        InsightsRun.objects.all().delete()
        store_run(results)
        response = self.client.get(reverse("insights:overview"), {"period": "week"})
        self.assertContains(response, "Week of May 11, 2026, compared with the period before.")
        tiles = {tile["key"]: tile for tile in response.context["tiles"]}
        self.assertAlmostEqual(tiles["revenue"]["change"], 600 / 900 - 1)

    def test_it_falls_back_to_months_for_an_unknown_period(self):
        response = self.client.get(reverse("insights:overview"), {"period": "decade"})
        self.assertEqual(response.context["period"], "month")


class CohortsPageTestCase(TenureTestCase):
    def setUp(self):
        store_run()
        self.login(self.marketer)

    def heatmap(self, **params):
        return charts(self.client.get(reverse("insights:cohorts"), params))["cohorts"]

    def test_it_draws_the_share_of_each_cohort_buying_again(self):
        chart = self.heatmap()
        self.assertEqual(chart["y"], ["Feb 2026", "Mar 2026"])
        self.assertEqual(chart["sizes"], [10, 9])
        self.assertIn([1, 0, 0.5], chart["cells"])
        self.assertNotIn(2, [c[0] for c in chart["cells"] if c[1] == 1])  # not reached yet

    def test_it_marks_the_month_still_running_in_each_cohort(self):
        self.assertEqual(self.heatmap()["so_far"], [])  # May: no cohort has reached it
        InsightsRun.objects.all().delete()
        store_run(as_of=date(2026, 4, 20))
        response = self.client.get(reverse("insights:cohorts"))
        self.assertEqual(charts(response)["cohorts"]["so_far"], [[2, 0], [1, 1]])
        self.assertContains(response, "Lighter cells are the month still running")
        InsightsRun.objects.all().delete()
        store_run(as_of=date(2026, 4, 30))  # April's last day: April is complete
        self.assertEqual(self.heatmap()["so_far"], [])

    def test_it_shows_revenue_as_a_share_of_the_first_month(self):
        chart = self.heatmap(measure="revenue")
        self.assertIn([2, 0, 0.25, 300.0], chart["cells"])
        self.assertIn([1, 1, 0.1, 90.0], chart["cells"])

    def test_it_counts_customers_buying_in_a_month_or_later_from_the_snapshots(self):
        # Three February customers: last bought in February, March, and April.
        for n, last in enumerate([date(2026, 2, 3), date(2026, 3, 9), date(2026, 4, 1)]):
            customer = Customer.objects.create(name=f"C{n}")
            CustomerSnapshot.objects.create(
                customer=customer, taken_on=date(2026, 5, 20), orders=2,
                first_purchase=date(2026, 2, 2), last_purchase=last, segment="loyal")
        cells = self.heatmap(counting="in_or_after")["cells"]
        february = {c[0]: c[2] for c in cells if c[1] == 0}
        self.assertEqual(february, {0: 1.0, 1: 2 / 3, 2: 1 / 3})


class SegmentsPageTestCase(TenureTestCase):
    def setUp(self):
        store_run()
        self.login(self.marketer)

    def test_it_links_each_segment_to_its_customers(self):
        response = self.client.get(reverse("insights:segments"))
        self.assertContains(response, 'href="/customers/?segment=champions"')
        self.assertContains(response, 'href="/customers/?segment=hibernating"')
        # An empty segment is listed but not linked.
        self.assertContains(response, "Can&#x27;t lose them")
        self.assertNotContains(response, 'href="/customers/?segment=cant_lose"')

    def test_it_sizes_the_treemap_by_customers(self):
        items = charts(self.client.get(reverse("insights:segments")))["treemap"]["items"]
        self.assertEqual([(i["name"], i["value"]) for i in items],
                         [("Champions", 3), ("Hibernating", 7)])
        self.assertEqual(items[0]["url"], "/customers/?segment=champions")

    def test_it_shows_the_moves_since_the_previous_snapshot(self):
        response = self.client.get(reverse("insights:segments"))
        matrix = response.context["transitions"]
        self.assertEqual([c["key"] for c in matrix["header"]], ["champions", "hibernating"])
        self.assertEqual([(r["label"], [c["n"] for c in r["cells"]]) for r in matrix["rows"]],
                         [("Champions", [2, 1]), ("New buyers", [0, 4])])
        self.assertContains(response, "Apr 20, 2026")

    def test_it_waits_for_a_second_snapshot_for_the_moves(self):
        results = results_fixture()
        results["transitions"] = None
        InsightsRun.objects.all().delete()
        store_run(results)
        response = self.client.get(reverse("insights:segments"))
        self.assertContains(response, "Moves between segments appear after the second refresh")


class ValuePageTestCase(TenureTestCase):
    def setUp(self):
        store_run()
        self.login(self.analyst)

    def test_it_links_each_abc_xyz_cell_to_its_customers(self):
        response = self.client.get(reverse("insights:value"))
        self.assertContains(response, 'href="/customers/?abc_xyz=AX"')
        # "New" (too little history) is one class whatever the revenue: one cell, one link.
        self.assertContains(response, 'href="/customers/?abc_xyz=new"')
        self.assertEqual(response.context["abc_xyz"]["new"]["n"], 2)
        self.assertEqual(response.context["abc_xyz"]["new"]["revenue"], 500.0)
        self.assertNotContains(response, 'href="/customers/?abc_xyz=AZ"')  # empty cell
        grid = response.context["abc_xyz"]["rows"]
        self.assertEqual(grid[1]["cells"][1]["n"], 2)
        self.assertAlmostEqual(grid[1]["cells"][1]["share"], 2 / 10)

    def test_it_describes_the_clusters_and_the_best_and_typical_customers(self):
        response = self.client.get(reverse("insights:value"))
        self.assertContains(response, "One-time buyers who left long ago.")
        self.assertEqual([(r["label"], r["value"]) for r in response.context["best"]],
                         [("Came by referral", "yes"), ("Gender", "Female"), ("City", "Lviv")])
        self.assertContains(response, "<dt>Revenue</dt><dd>$310.50</dd>", html=True)
        self.assertContains(response, "<dt>Orders</dt><dd>2</dd>", html=True)
        self.assertContains(response, '<dt>Gender</dt><dd>Male <span class="muted">'
                                      '(60.0% of buyers)</span></dd>', html=True)


class RefreshButtonTestCase(TenureTestCase):
    def test_it_is_offered_to_administrators_only(self):
        store_run()
        self.login(self.admin)
        self.assertContains(self.client.get(reverse("insights:overview")), "Refresh now")
        self.login(self.marketer)
        self.assertNotContains(self.client.get(reverse("insights:overview")), "Refresh now")

    def test_it_refuses_others_and_get_requests(self):
        for user in (self.marketer, self.analyst, self.manager):
            self.login(user)
            self.assertEqual(self.client.post(reverse("insights:refresh")).status_code, 403)
        self.login(self.admin)
        self.assertEqual(self.client.get(reverse("insights:refresh")).status_code, 405)

    def test_it_refreshes_for_real_and_shows_the_new_figures(self):
        for n in range(6):
            customer = Customer.objects.create(name=f"Buyer {n}")
            for k in range(1 + n % 3):
                Order.objects.create(customer=customer, external_id=f"{n}-{k}",
                                     ordered_at=datetime(2026, 1 + 2 * k, 10 + n, tzinfo=UTC),
                                     total=Decimal(100))
        self.login(self.admin)
        with time_machine.travel(datetime(2026, 7, 15, 12, tzinfo=UTC), tick=False):
            response = self.client.post(reverse("insights:refresh"),
                                        {"next": "/insights/segments/"}, follow=True)
        run = InsightsRun.objects.get()
        self.assertEqual(run.status, InsightsRun.Status.DONE, run.error)
        self.assertEqual(run.requested_by, self.admin)
        self.assertRedirects(response, "/insights/segments/")
        self.assertContains(response, "Insights refreshed as of Jul 15, 2026.")
        self.assertEqual(response.context["total"]["customers"], 6)
        self.assertEqual(response.context["total"]["revenue"], 1200.0)  # 12 orders of 100

    def test_it_hands_the_refresh_to_a_running_worker(self):
        WorkerProcess.start()  # alive: it beat its heart just now
        PeriodicJob.objects.create(name="insights", next_run_at=datetime(2030, 1, 1, tzinfo=UTC))
        self.login(self.admin)
        response = self.client.post(reverse("insights:refresh"), follow=True)
        self.assertContains(response, "The refresh is running in the background")
        self.assertFalse(InsightsRun.objects.exists())
        self.assertLess(PeriodicJob.objects.get(name="insights").next_run_at,
                        datetime(2030, 1, 1, tzinfo=UTC))

    def test_it_refreshes_in_the_request_when_the_worker_is_silent(self):
        WorkerProcess.objects.create(hostname="elsewhere", pid=1,
                                     heartbeat_at=datetime(2020, 1, 1, tzinfo=UTC))
        self.login(self.admin)
        self.client.post(reverse("insights:refresh"))
        self.assertEqual(InsightsRun.objects.count(), 1)

    def test_it_reports_a_failed_refresh(self):
        InsightsRun.objects.create(as_of=date(2026, 5, 20))  # another refresh, still running
        self.login(self.admin)
        response = self.client.post(reverse("insights:refresh"),
                                    {"next": "/insights/segments/"}, follow=True)
        run = InsightsRun.objects.get(status=InsightsRun.Status.FAILED)
        self.assertEqual(run.requested_by, self.admin)
        self.assertRedirects(response, "/insights/segments/")
        self.assertContains(response, "The refresh failed: Another refresh, started at")

    def test_it_never_redirects_elsewhere(self):
        self.login(self.admin)
        response = self.client.post(reverse("insights:refresh"),
                                    {"next": "https://evil.example/"})
        self.assertRedirects(response, "/insights/", fetch_redirect_response=False)


