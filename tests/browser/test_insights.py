"""An administrator refreshes the insights of a small shop from the empty page, reads the
segments page, and follows a segment to exactly its customers."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import sign_in


@pytest.fixture
def shop(admin_user):
    """Twenty customers from one-off buyers long gone to frequent recent ones."""
    from django.utils import timezone

    from tenure.crm.customers.models import Customer
    from tenure.crm.sales.models import Order

    for n in range(20):
        customer = Customer.objects.create(name=f"Customer {n:02d}")
        # Customer n buys 1 + n // 4 times, the last time 15 * (20 - n) days ago.
        last = timezone.now() - timedelta(days=15 * (20 - n))
        for k in range(1 + n // 4):
            Order.objects.create(customer=customer, external_id=f"O-{n}-{k}",
                                 ordered_at=last - timedelta(days=40 * k),
                                 total=Decimal(20 + 5 * n))


def test_it_refreshes_and_leads_from_a_segment_to_exactly_its_customers(page, shop, admin_user):
    from tenure.crm.insights.models import CustomerSnapshot, InsightsRun

    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "favicon" not in message.location.get("url", "")
            else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, admin_user.username)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    expect(page.get_by_text("Insights are computed nightly")).to_be_visible()
    # The refresh runs inside the request: the page waits for it, not the click.
    page.get_by_role("button", name="Refresh now").click(no_wait_after=True)

    expect(page.get_by_text(re.compile(r"^Insights refreshed as of"))).to_be_visible(
        timeout=60_000)
    expect(page.locator(".kpi canvas").first).to_be_visible()
    run = InsightsRun.objects.get()
    assert run.status == run.Status.DONE and run.requested_by == admin_user
    page.get_by_role("navigation", name="Insights sections").get_by_role(
        "link", name="Segments").click()

    expect(page).to_have_url(re.compile(r"/insights/segments/$"))
    treemap = page.locator("[data-chart=treemap]")
    expect(treemap.locator("canvas")).to_have_count(1)
    box = treemap.locator("canvas").bounding_box()
    assert box["width"] > 600 and box["height"] > 300

    segment = (CustomerSnapshot.objects.filter(taken_on=run.as_of).exclude(segment="")
               .values_list("segment", flat=True).order_by("segment").first())
    expected = set(CustomerSnapshot.objects.filter(taken_on=run.as_of, segment=segment)
                   .values_list("customer__name", flat=True))
    assert 0 < len(expected) < 20  # the list must really be filtered
    row = page.locator(f"table.segments tr[data-segment={segment}]")
    expect(row.locator("td").nth(1)).to_have_text(str(len(expected)))
    row.get_by_role("link").click()

    expect(page).to_have_url(re.compile(rf"/customers/\?segment={segment}$"))
    names = page.locator("table.list tbody tr a[href^='/customers/']")
    expect(names).to_have_count(len(expected))
    assert set(names.all_inner_texts()) == expected
    assert errors == []
