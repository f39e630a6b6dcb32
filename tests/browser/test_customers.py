"""A sales manager signs in, finds a customer by searching their list, and reads the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import sign_in


@pytest.fixture
def shop(manager_user, admin_user):
    """Three customers of the manager and one of nobody's; the one we look for has two
    orders, one of them partly returned."""
    from tenure.crm.catalog.models import Product
    from tenure.crm.customers.models import Customer
    from tenure.crm.sales.models import Order, OrderLine, Return

    wanted = Customer.objects.create(
        name="Oksana Kovalenko", email="oksana@example.com", phone="+380671234567",
        city="Lviv", external_id="K-17", source="shop", manager=manager_user,
    )
    Customer.objects.create(name="Taras Melnyk", email="taras@example.com", city="Kyiv",
                            manager=manager_user)
    Customer.objects.create(name="Iryna Kovalchuk", email="iryna@example.com", city="Odesa",
                            manager=manager_user)
    # Not this manager's customer: a search must not reveal them.
    Customer.objects.create(name="Pavlo Kovalenko", email="pavlo@example.com")
    lamp = Product.objects.create(sku="LAMP-1", name="Desk lamp", price=Decimal("40.00"))
    first = Order.objects.create(customer=wanted, external_id="A-1001", source="shop",
                                 ordered_at=datetime(2025, 3, 2, 10, tzinfo=UTC),
                                 total=Decimal("80.00"))
    OrderLine.objects.create(order=first, line_no=1, product=lamp, quantity=2,
                             price=Decimal("40.00"))
    second = Order.objects.create(customer=wanted, external_id="A-1002", source="shop",
                                  ordered_at=datetime(2025, 6, 9, 15, tzinfo=UTC),
                                  total=Decimal("45.50"))
    Return.objects.create(order=second, external_id="R-1", source="shop", amount=Decimal("5.50"),
                          returned_at=datetime(2025, 6, 12, 9, tzinfo=UTC))
    return wanted


def test_it_finds_a_customer_and_shows_profile_and_orders(page, shop, manager_user):
    sign_in(page, manager_user.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()

    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(3)

    page.get_by_role("searchbox", name="Search").fill("kovalenko")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"[?&]q=kovalenko"))
    expect(rows).to_have_count(1)
    expect(page.get_by_text("1 customer", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Taras Melnyk")).to_have_count(0)
    expect(page.get_by_role("link", name="Pavlo Kovalenko")).to_have_count(0)

    page.get_by_role("link", name="Oksana Kovalenko").click()

    expect(page).to_have_url(re.compile(rf"/customers/{shop.pk}/$"))
    expect(page.get_by_role("heading", name="Oksana Kovalenko", level=1)).to_be_visible()
    profile = page.locator("section", has=page.get_by_role("heading", name="Profile"))
    expect(profile).to_contain_text("oksana@example.com")
    expect(profile).to_contain_text("+380671234567")
    expect(profile).to_contain_text("Lviv")
    expect(profile).to_contain_text("K-17")

    orders = page.locator("section", has=page.get_by_role("heading", name="Orders", level=2))
    order_rows = orders.locator("tbody tr")
    expect(order_rows).to_have_count(2)
    # Newest first; the second order's return shows, and the net is total minus return.
    expect(order_rows.nth(0)).to_contain_text("A-1002")
    expect(order_rows.nth(0)).to_contain_text("$45.50")
    expect(order_rows.nth(0)).to_contain_text("$5.50")
    expect(order_rows.nth(0)).to_contain_text("$40.00")
    expect(order_rows.nth(1)).to_contain_text("A-1001")
    expect(order_rows.nth(1)).to_contain_text("$80.00")
    # Revenue net of returns: 80.00 + 45.50 - 5.50.
    expect(tile_value(page, "Revenue, net of returns")).to_have_text("$120.00")
    expect(tile_value(page, "Orders")).to_have_text("2")


def tile_value(page, label: str):
    """Return the value of the key-figure tile labelled ``label``."""
    tile = page.locator(".tile").filter(has=page.locator(".label", has_text=label))
    return tile.filter(has_text=re.compile(rf"^.*{re.escape(label)}$")).locator(".value")
