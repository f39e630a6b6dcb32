"""A sales manager reads the at-risk list on a phone: the page fits, each customer a card."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def scored(manager_user):
    """Three of the manager's customers scored by a refresh, with long reasons."""
    from django.utils import timezone

    from tenure.crm.customers.models import Customer
    from tenure.crm.insights.models import CustomerSnapshot, InsightsRun

    today = timezone.localdate()
    InsightsRun.objects.create(
        as_of=today, status=InsightsRun.Status.DONE, finished_at=timezone.now(),
        results={"churn": {"scored": 3, "horizon_days": 90, "metrics": {
            "columns": ["model", "roc_auc"], "rows": [["model", 0.78], ["recency", 0.71]]}},
            "value": {"p_alive_model": "MBG/NBD"}})
    reasons = [{"code": "overdue", "days": 194, "usual_gap": 30},
               {"code": "complaints_open", "count": 2}]
    for n, risk in enumerate((0.9, 0.7, 0.6)):
        customer = Customer.objects.create(
            name=f"Oleksandra Konstantynivska-Hrytsenko {n}", manager=manager_user)
        CustomerSnapshot.objects.create(
            customer=customer, taken_on=today, clv=Decimal("1234567.89"), churn_risk=risk,
            p_alive=1 - risk, segment="cant_lose", churn_reasons=reasons,
            last_purchase=today - timedelta(days=194))


def test_the_at_risk_list_fits_a_phone(page, scored, manager_user):
    page.set_viewport_size(PHONE)
    sign_in(page, manager_user.username)
    page.goto("/insights/at-risk/")

    expect(page.get_by_text("Risk is the chance of no purchase within 90 days.")).to_be_visible()
    expect(page.get_by_role("link", name="CSV")).to_be_visible()
    expect(page.get_by_role("link", name="Oleksandra Konstantynivska-Hrytsenko 0")).to_be_visible()
    # Nothing is wider than the phone: the rows stack as labelled lines.
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth)
        .map(e => e.tagName + '.' + e.className)""")
    assert wide == [], f"wider than a 390 px phone: {wide}"
    expect(page.locator("table.at-risk thead")).to_be_hidden()
    expect(page.locator("table.at-risk td[data-label]").first).to_be_visible()
