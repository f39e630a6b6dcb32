"""A manager filters the customer list, saves the view, reopens it later in one click, and
downloads it as a Russian CSV that Excel opens in columns; on a desktop and on a phone."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_saved_view_reopens_with_its_filters_and_downloads_in_russian(
        page, manager_user, viewport):
    from tenure.crm.customers.models import Customer
    from tenure.crm.sales.models import Order, OrderStatus

    if viewport:
        page.set_viewport_size(viewport)
    olena = Customer.objects.create(name="Olena Kyivska", city="Kyiv", manager=manager_user)
    Customer.objects.create(name="Petro Lvivskyi", city="Lviv", manager=manager_user)
    Order.objects.create(customer=olena, external_id="K1", total=Decimal("1234.50"),
                         status=OrderStatus.COMPLETED,
                         ordered_at=datetime(2026, 3, 2, 10, tzinfo=UTC))
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

    if viewport:  # the language switcher is in the folded menu
        page.get_by_role("button", name="Menu").click()
    page.get_by_label("Language").select_option("ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()

    text = download.value.path().read_bytes().decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text), delimiter=";")
    assert len(rows) == 1
    cells = dict(zip(header, rows[0], strict=True))
    assert (cells["Имя"], cells["Город"], cells["Выручка"]) == ("Olena Kyivska", "Kyiv",
                                                                  "1234,50")
