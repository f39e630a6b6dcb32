"""Switching the interface language changes the page's declared language."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import sign_in


def test_it_switches_to_ukrainian_on_the_login_page(page):
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Language").select_option("uk")

    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    # The choice sticks: a fresh visit in the same browser stays Ukrainian.
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")


def test_it_keeps_the_page_and_the_choice_when_signed_in(page, admin_user):
    sign_in(page, admin_user.username)
    page.goto("/customers/?q=nobody")

    page.get_by_label("Language").select_option("uk")

    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page).to_have_url(re.compile(r"/customers/\?q=nobody$"))
    expect(page.get_by_label("Language")).to_have_value("uk")
    page.goto("/import/")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
