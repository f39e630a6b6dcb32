"""A sales manager on a phone exports their orders and complaints; in Russian, the CSV is
the one Excel there opens in columns."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def bought_and_complained(manager_user):
    """The manager's customer with an order of 1234.50 and a complaint about it."""
    from django.utils import timezone

    from tenure.crm.customers.models import Customer
    from tenure.crm.engagement.models import Complaint
    from tenure.crm.sales.models import Order

    customer = Customer.objects.create(name="Oleksandra Konstantynivska-Hrytsenko",
                                       manager=manager_user)
    order = Order.objects.create(customer=customer, external_id="ORD-2026-000001",
                                 ordered_at=timezone.now() - timedelta(days=2),
                                 total=Decimal("1234.50"), channel="web")
    Complaint.objects.register(customer, category="delivery", order=order,
                               description="=HYPERLINK(\"http://evil.example\")")


def test_the_order_and_complaint_lists_offer_their_exports_on_a_phone(
        page, bought_and_complained, manager_user):
    page.set_viewport_size(PHONE)
    sign_in(page, manager_user.username)
    for address in ("/sales/orders/?channel=web", "/engagement/complaints/?status=open"):
        page.goto(address)
        expect(page.get_by_role("link", name="CSV")).to_be_visible()
        expect(page.get_by_role("link", name="Excel")).to_be_visible()
        wide = page.evaluate("""() => [...document.querySelectorAll('.pagehead *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth)
            .map(e => e.tagName + '.' + e.className)""")
        assert wide == [], f"{address}: wider than a 390 px phone: {wide}"


def test_a_russian_user_downloads_orders_as_csv_excel_opens_in_columns(
        page, bought_and_complained, manager_user):
    sign_in(page, manager_user.username)
    page.goto("/sales/orders/?channel=web")
    page.get_by_label("Language").select_option("ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()

    assert download.value.suggested_filename.startswith("orders-")
    data = download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    header, row = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    cells = dict(zip(header, row, strict=True))
    assert cells["Сумма"] == "1234,50"
    assert cells["Клиент"] == "Oleksandra Konstantynivska-Hrytsenko"


def test_the_complaint_export_downloads_as_a_workbook_without_formulas(
        page, bought_and_complained, manager_user):
    from openpyxl import load_workbook

    sign_in(page, manager_user.username)
    page.goto("/engagement/complaints/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()

    assert download.value.suggested_filename.endswith(".xlsx")
    # The saved file has no extension, which openpyxl insists on: read it as bytes.
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet.freeze_panes == "A2"
    description = sheet.cell(2, [c.value for c in sheet[1]].index("Description") + 1)
    assert (description.data_type, description.value) == (
        "s", "'=HYPERLINK(\"http://evil.example\")")
