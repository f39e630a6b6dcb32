"""A sales manager types a lower-case Cyrillic fragment in the top bar and finds the customer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import sign_in


@pytest.fixture
def people(manager_user):
    """The manager's customer, another manager's namesake, and an order of the first."""
    from tenure.crm.customers.models import Customer
    from tenure.crm.sales.models import Order

    mine = Customer.objects.create(name="Евсеев Пётр", phone="+380502529744", city="Київ",
                                   manager=manager_user)
    Customer.objects.create(name="Евсеева Ганна", city="Львів")  # not the manager's
    Order.objects.create(customer=mine, external_id="N-100", total=Decimal("12.50"),
                         ordered_at=timezone.now())
    return mine


@pytest.mark.parametrize("width", [1280, 390])
def test_the_top_bar_search_finds_a_customer_by_a_lower_case_fragment(
        page, manager_user, people, width):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "petro")
    page.goto("/customers/")
    if width < 800:  # on a phone the search box is in the menu, with the navigation
        page.get_by_role("button", name="Menu").click()
    box = page.get_by_role("searchbox", name="Find customers, orders and complaints")
    box.fill("евсеев")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    customers = page.get_by_role("region", name="Customers")
    expect(customers.get_by_role("link", name="Евсеев Пётр")).to_be_visible()
    expect(page.get_by_role("region", name="Orders").get_by_role(
        "link", name="Order N-100")).to_be_visible()
    expect(page.get_by_text("Евсеева Ганна")).to_have_count(0)  # another manager's
    customers.get_by_role("link", name="Евсеев Пётр").click()
    expect(page.get_by_role("heading", name="Евсеев Пётр")).to_be_visible()
