"""A sales manager works the at-risk list in Russian; an analyst reads the forecast and the
models' quality in the browser."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import sign_in


@pytest.fixture
def scored(admin_user, manager_user):
    """A stored refresh with forecasts and model figures, and three scored customers."""
    from tenure.crm.customers.models import Customer
    from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
    from tenure.crm.insights.tests.test_model_pages import predictive_results

    InsightsRun.objects.create(as_of=date(2026, 5, 20), status=InsightsRun.Status.DONE,
                               finished_at=datetime(2026, 5, 21, 2, tzinfo=UTC),
                               results=predictive_results())
    rows = [("Марина Коваль", manager_user, "900", 0.7,
             [{"code": "overdue", "days": 94, "usual_gap": 30}]),
            ("Ігор Шевчук", manager_user, "300", 0.6, [{"code": "complaints_open", "count": 2}]),
            ("Someone Else", admin_user, "5000", 0.9, [])]
    for name, manager, clv, risk, reasons in rows:
        customer = Customer.objects.create(name=name, manager=manager)
        CustomerSnapshot.objects.create(customer=customer, taken_on=date(2026, 5, 20),
                                        clv=Decimal(clv), churn_risk=risk, p_alive=1 - risk,
                                        expected_purchases=0.4, churn_reasons=reasons,
                                        segment="at_risk")


def test_a_manager_follows_the_riskiest_value_to_the_customer_in_russian(
        page, scored, manager_user):
    sign_in(page, manager_user.username)
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("link", name="Под угрозой оттока").click()

    expect(page.get_by_role("heading", name="Клиенты под угрозой оттока")).to_be_visible()
    rows = page.locator("table.at-risk tbody tr")
    expect(rows).to_have_count(2)  # only the manager's own customers
    expect(rows.first).to_contain_text("Марина Коваль")  # 900 x 0.7 before 300 x 0.6
    expect(rows.first).to_contain_text("нет покупок уже 94 дня; обычно покупает раз в 30 дней")
    expect(rows.nth(1)).to_contain_text("2 жалобы не решены")

    rows.first.get_by_role("link").click()
    card = page.locator("#customer-value")
    expect(card).to_contain_text("Риск оттока")
    expect(card).to_contain_text("70")


def test_an_analyst_switches_the_forecast_and_reads_the_models(page, scored, admin_user):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, admin_user.username)
    page.goto("/insights/forecast/")
    form = page.locator("form.filters")
    form.get_by_label("Periods").select_option("month")
    form.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"period=month"))
    chart = page.locator("[data-chart=forecast] canvas")
    expect(chart).to_have_count(1)
    assert chart.bounding_box()["height"] > 300
    # An estimate in whole dollars: "$2,500" itself, not the start of "$2,500.40".
    expect(page.locator("table.list").first).to_contain_text(re.compile(r"\$2,500(?![.\d])"))

    page.get_by_role("navigation", name="Insights sections").get_by_role(
        "link", name="Models").click()
    expect(page.locator("#churn-quality")).to_contain_text(
        "The churn model beats recency alone on every measure.")
    expect(page.locator("[data-chart=p_alive] canvas")).to_have_count(1)
    assert errors == []
