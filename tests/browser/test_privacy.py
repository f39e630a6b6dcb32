"""An administrator on a phone erases a customer, then reads the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def customer(manager_user, admin_user):
    from tenure.crm.customers.models import Customer

    return Customer.objects.create(
        name="Sofiia Bondarenko-Hrytsenko", email="sofiia.bh@example.org",
        phone="+380931234567", city="Poltava", notes="Likes oolong", manager=manager_user)


def test_an_administrator_erases_a_customer_and_reads_the_audit_log_on_a_phone(
        page, customer, admin_user):
    page.set_viewport_size(PHONE)
    sign_in(page, admin_user.username)

    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("link", name="Erase…").click()
    expect(page.get_by_text("An erasure cannot be undone.")).to_be_visible()
    page.get_by_label("I understand that the erasure cannot be undone.").check()
    page.get_by_role("button", name="Erase personal data").click()

    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("personal data was erased on")
    expect(page.get_by_text("sofiia.bh@example.org")).to_have_count(0)

    page.get_by_role("main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    entries = page.locator("ol.audit > li")
    expect(entries.locator(".badge").get_by_text("Erased", exact=True)).to_have_count(1)
    expect(page.get_by_text("Sofiia")).to_have_count(0)
    # The page's own content fits; the top bar is the base layout's (wider on any page).
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth)
        .map(e => e.tagName + '.' + e.className)""")
    assert wide == [], f"wider than a 390 px phone: {wide}"
