"""Loyalty's staff pages on a 390 px phone: the Loyalty page with its cost against margin,
a customer's statement where points are redeemed and given (a double click applies once),
and an audience's page that gives its customers points after a confirmation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import sign_in
from .test_small_screens import PHONE, problems


@pytest.fixture
def members(transactional_db, admin_user):
    """Olena with 300 points and an order; two more customers in Kyiv; an audience."""
    from tenure.crm.campaigns.models import Audience
    from tenure.crm.customers.models import Customer
    from tenure.crm.loyalty import ledger
    from tenure.crm.loyalty.models import Programme
    from tenure.crm.sales.models import Order

    Programme.objects.create(pk=1, point_value=Decimal("0.10"))
    olena, *_ = [Customer.objects.create(name=name, city="Kyiv")
                 for name in ("Olena Kovalenko-Hrytsenko", "Petro", "Iryna")]
    Order.objects.create(customer=olena, external_id="A-1001", total=Decimal("120.00"),
                         cost=Decimal("80.00"),
                         ordered_at=timezone.now() - timedelta(days=3))
    ledger.grant(olena.pk, 300, "Welcome gift", key="gift:olena")
    return {"olena": olena, "audience": Audience.objects.create(name="Kyiv",
                                                                query="city=Kyiv")}


def test_staff_redeem_and_give_points_on_a_phone(page, admin_user, members):
    from tenure.crm.loyalty.models import Account, Entry, Kind

    olena, audience = members["olena"], members["audience"]
    page.set_viewport_size(PHONE)
    sign_in(page, admin_user.username)
    wrong = []

    page.goto("/loyalty/")
    expect(page.locator("#cost")).to_contain_text("Cost against margin")
    wrong += problems(page, "/loyalty/")

    # From the customer's card to the redemption, as a cashier would.
    page.goto(olena.get_absolute_url())
    page.get_by_role("link", name="Redeem points").click()
    wrong += problems(page, "the statement")
    redeem = page.locator("#redeem")
    redeem.get_by_label("Points to redeem").fill("400")
    redeem.get_by_label("Note").fill("Gift card")
    redeem.get_by_role("button", name="Redeem").click()
    expect(page.locator("#redeem .error")).to_have_text(
        "The balance is 300 points, short of 400.")
    wrong += problems(page, "a refused redemption")
    redeem = page.locator("#redeem")
    redeem.get_by_label("Points to redeem").fill("50")
    redeem.get_by_label("Order paid with them").select_option(label="Order A-1001, $120.00, "
                                                               + _day(olena))
    redeem.get_by_role("button", name="Redeem").dblclick()
    expect(page.locator(".messages")).to_contain_text("50 points were redeemed.")

    give = page.locator("#give")
    give.get_by_label("Points to give").fill("25")
    give.get_by_label("Reason").fill("Sorry for the wait")
    give.get_by_role("button", name="Give points").click()
    expect(page.locator(".messages")).to_contain_text("25 points were given.")
    assert Entry.objects.filter(kind=Kind.REDEEM).count() == 1
    assert Account.objects.get(customer=olena).balance == 275

    # An audience: counted on a confirmation page, then given.
    page.goto(audience.get_absolute_url())
    wrong += problems(page, "the audience")
    give = page.locator("#give")
    give.get_by_label("Points to give").fill("10")
    give.get_by_label("Reason").fill("Kyiv day")
    give.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text(
        "3 customers of the audience will get 10 points each: 30 points in all, worth $3.00.")
    wrong += problems(page, "the confirmation")
    page.get_by_role("button", name="Give the points").click()
    expect(page.locator(".messages")).to_contain_text("10 points were given to 3 customers.")
    page.go_back()
    page.get_by_role("button", name="Give the points").click()
    expect(page.locator(".messages")).to_contain_text("given already; nothing changed")
    assert Entry.objects.filter(reason="Kyiv day").count() == 3
    assert wrong == []


def _day(customer) -> str:
    return customer.orders.get().ordered_at.date().isoformat()
