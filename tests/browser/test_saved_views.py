"""A manager filters the customer list, saves the view, and reopens it later in one click."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import sign_in


def test_a_saved_view_reopens_with_its_filters(page, manager_user):
    from tenure.crm.customers.models import Customer

    Customer.objects.create(name="Olena Kyivska", city="Kyiv", manager=manager_user)
    Customer.objects.create(name="Petro Lvivskyi", city="Lviv", manager=manager_user)
    sign_in(page, manager_user.username)
    page.goto("/customers/?city=Kyiv&sort=-name")

    page.get_by_text("Save this view").click()
    page.get_by_label("Name of this view").fill("Kyiv")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("View “Kyiv” saved.")).to_be_visible()

    page.goto("/customers/")
    expect(page.get_by_role("link", name="Petro Lvivskyi")).to_be_visible()
    page.get_by_role("link", name="Kyiv", exact=True).click()

    expect(page.get_by_role("link", name="Olena Kyivska")).to_be_visible()
    expect(page.get_by_role("link", name="Petro Lvivskyi")).to_have_count(0)
    assert page.url.endswith("/customers/?city=Kyiv&sort=-name")
