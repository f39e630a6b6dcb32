"""Switching the interface language changes the page's declared language and its words."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import sign_in


def test_it_switches_to_ukrainian_on_the_login_page(page):
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in to Tenure")).to_be_visible()

    page.get_by_label("Language").select_option("uk")

    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="Вхід до Tenure")).to_be_visible()
    # The choice sticks: a fresh visit in the same browser stays Ukrainian.
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")


def test_it_keeps_the_page_and_the_choice_when_signed_in(page, admin_user):
    sign_in(page, admin_user.username)
    page.goto("/customers/?q=nobody")
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()

    page.get_by_label("Language").select_option("uk")

    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page).to_have_url(re.compile(r"/customers/\?q=nobody$"))
    expect(page.get_by_role("heading", name="Клієнти", level=1)).to_be_visible()
    expect(page.get_by_label("Мова")).to_have_value("uk")
    page.goto("/import/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_role("heading", name="Імпорт даних")).to_be_visible()
