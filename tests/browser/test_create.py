"""A sales manager adds a customer and then their order of two lines, in a real browser, on a
desktop screen and on a 390 px phone, and sees the order on the customer's page at once."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

SCREENS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def catalogue(transactional_db):
    from tenure.crm.catalog.models import Product

    Product.objects.create(sku="TEA-1", name="Green tea", price=Decimal("100.00"))
    Product.objects.create(sku="CUP-1", name="Cup")


def _too_wide(page) -> list[str]:
    """Return what in the page's main part sticks out past the window's right edge."""
    return page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + '.' + e.className + '#' + (e.name || ''))""")


@pytest.mark.parametrize("screen", SCREENS)
def test_it_adds_a_customer_then_an_order_of_two_lines(page, catalogue, manager_user, screen):
    from tenure.crm.customers.models import Customer
    from tenure.crm.sales.models import Order

    page.set_viewport_size(SCREENS[screen])
    sign_in(page, manager_user.username)
    page.goto("/customers/")
    page.get_by_role("link", name="New customer").click()

    expect(page.get_by_role("heading", name="New customer", level=1)).to_be_visible()
    assert _too_wide(page) == [], f"wider than the {screen}"
    page.get_by_label("Name").fill("Oksana Melnyk")
    page.get_by_label("Email").fill("oksana@example.org")
    page.get_by_label("Phone").fill("(044) 765-43-21")
    page.get_by_role("button", name="Create customer").click()

    expect(page.get_by_text("The customer was created.")).to_be_visible()
    customer = Customer.objects.get()
    assert (customer.phone, customer.manager) == ("+380447654321", manager_user)
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))

    page.get_by_role("link", name="New order").click()
    expect(page.get_by_role("heading", name="New order of Oksana Melnyk")).to_be_visible()
    assert _too_wide(page) == [], f"wider than the {screen}"
    product, quantity = page.locator("[name='lines-0-product']"), page.locator(
        "[name='lines-0-quantity']")
    if screen == "phone":  # the fields stack: the quantity sits under the product
        assert quantity.bounding_box()["y"] > product.bounding_box()["y"] + 10
    product.fill("TEA-1")
    quantity.fill("2")
    page.locator("[name='lines-1-product']").fill("CUP-1")
    page.locator("[name='lines-1-quantity']").fill("3")
    page.locator("[name='lines-1-price']").fill("12,50")
    page.get_by_role("button", name="Add line").click()  # with JavaScript: no round trip
    expect(page.locator("[name='lines-2-product']")).to_be_visible()
    expect(page.locator("[name='lines-TOTAL_FORMS']")).to_have_value("3")
    page.get_by_label("Order number").fill("W-1")
    page.get_by_role("button", name="Save order").click()

    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.get_by_text("Order W-1 was saved.")).to_be_visible()
    expect(page.get_by_role("link", name="W-1", exact=True)).to_be_visible()
    tiles = page.locator(".tiles")
    expect(tiles.locator(".tile").first).to_contain_text("1")
    expect(tiles).to_contain_text("237.50")
    order = Order.objects.get()
    assert (order.total, order.lines.count()) == (Decimal("237.50"), 2)
