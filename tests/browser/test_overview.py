"""The overview of a young shop: no retention figure it cannot measure, and the running
month drawn apart, not as a drop; on a phone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from playwright.sync_api import expect

from .conftest import sign_in

PHONE = {"width": 390, "height": 844}


def young_shop() -> None:
    """Nine months up to 2026-05-20 with a 365-day window (May still running)."""
    from tenure.crm.insights.models import InsightsRun
    from tenure.crm.insights.tests.test_pages import KPI_COLUMNS, kpi_row, results_fixture, table

    rows = [kpi_row(date(2025, 9 + k, 1).isoformat() if k < 4 else
                    date(2026, k - 3, 1).isoformat(), 20 + k, 21 + k, 1, 20 + k, 10, 12,
                    1000.0 + 100 * k, 7, covered=False, unfinished=k == 8)
            for k in range(9)]
    results = results_fixture()
    results.update(window_days=365, bridge={})
    results["kpis"]["month"] = table(KPI_COLUMNS, rows)
    InsightsRun.objects.create(as_of=date(2026, 5, 20), status=InsightsRun.Status.DONE,
                               finished_at=datetime(2026, 5, 21, tzinfo=UTC), results=results)


def test_a_young_shops_overview_on_a_phone(page, admin_user):
    young_shop()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(PHONE)
    sign_in(page, admin_user.username)
    page.goto("/insights/?period=month")

    crr = page.locator("[data-kpi=crr]")
    expect(crr.locator(".value")).to_have_text("—")
    expect(crr).to_contain_text("shorter than the 365-day activity window")
    expect(page.locator("[data-chart=revenue] canvas")).to_have_count(1)
    option = page.evaluate("""() => {
        const o = echarts.getInstanceByDom(document.querySelector("[data-chart=rates]"))
            .getOption();
        const revenue = echarts.getInstanceByDom(document.querySelector("[data-chart=revenue]"))
            .getOption();
        return {x: revenue.xAxis[0].data, bar: revenue.series[0].data.at(-1),
                area: revenue.series[0].markArea.data[0][0].xAxis,
                dashed: revenue.series.filter(s => s.lineStyle && s.lineStyle.type === "dashed")
                    .map(s => s.data.filter(v => v !== null).length),
                rates: o.series.length};
    }""")
    assert option["x"][-1] == "May 2026 (so far)"
    assert option["area"] == "May 2026 (so far)"
    assert option["bar"]["itemStyle"]["opacity"] < 1  # the running month's bar is lighter
    assert option["dashed"] == [2]  # buyers: a dashed step from April into May
    assert errors == []
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a 390 px phone"


def test_the_running_month_of_each_cohort_is_drawn_lighter(page, admin_user):
    from tenure.crm.insights.models import InsightsRun
    from tenure.crm.insights.tests.test_pages import results_fixture

    InsightsRun.objects.create(as_of=date(2026, 4, 20), status=InsightsRun.Status.DONE,
                               finished_at=datetime(2026, 4, 21, tzinfo=UTC),
                               results=results_fixture())
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, admin_user.username)
    page.goto("/insights/cohorts/")

    expect(page.locator("[data-chart=cohorts] canvas")).to_have_count(1)
    lighter = page.evaluate("""() => echarts.getInstanceByDom(
            document.querySelector("[data-chart=cohorts]")).getOption().series[0].data
        .filter(d => d.itemStyle).map(d => d.value.slice(0, 2))""")
    assert lighter == [[2, 0], [1, 1]]
    assert errors == []
