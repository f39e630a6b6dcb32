"""A sales manager ticks 20 customers on At risk, on a phone, and plans a call for each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def at_risk(manager_user):
    """25 of the manager's customers scored by a refresh, riskiest first."""
    from django.utils import timezone

    from tenure.crm.customers.models import Customer
    from tenure.crm.insights.models import CustomerSnapshot, InsightsRun

    today = timezone.localdate()
    InsightsRun.objects.create(
        as_of=today, status=InsightsRun.Status.DONE, finished_at=timezone.now(),
        results={"churn": {"scored": 25, "horizon_days": 90}})
    customers = []
    for n in range(25):
        customer = Customer.objects.create(name=f"Customer {n:02d}", manager=manager_user)
        CustomerSnapshot.objects.create(
            customer=customer, taken_on=today, clv=Decimal(1000 - n), churn_risk=0.9,
            p_alive=0.1, segment="at_risk", last_purchase=today - timedelta(days=200))
        customers.append(customer)
    return customers


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_twenty_customers_get_a_call_each_in_one_action(page, at_risk, manager_user, viewport):
    from tenure.crm.engagement.models import Activity

    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page, manager_user.username)
    page.goto("/insights/at-risk/")

    boxes = page.locator("input[name=ids]")
    expect(boxes).to_have_count(25)
    for n in range(20):
        boxes.nth(n).check()
    page.get_by_label("With the ticked customers").select_option(
        label="Plan a call, meeting or task")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("For 20 customers:")).to_be_visible()
    page.get_by_role("button", name="Apply to 20 customers").click()

    expect(page.get_by_text("20 activities planned.")).to_be_visible()
    assert page.url.endswith("/insights/at-risk/")
    planned = Activity.objects.filter(kind="call", assignee=manager_user)
    assert planned.count() == 20
    ticked = {c.pk for c in at_risk[:20]}  # the riskiest value first: the first 20 rows
    assert set(planned.values_list("customer_id", flat=True)) == ticked


def test_tick_all_ticks_every_row_of_the_page(page, at_risk, manager_user):
    sign_in(page, manager_user.username)
    page.goto("/insights/at-risk/")

    page.get_by_label("Tick every customer on this page").check()

    expect(page.locator("input[name=ids]:checked")).to_have_count(25)
