"""A sales manager edits a customer and records their consent in a real browser.

The edit page refuses a submission that lacks its fields; this proves that what a
browser really sends (no tag ticked, empty dates) is complete and saved.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import sign_in


@pytest.fixture
def olena(manager_user):
    from tenure.crm.customers.models import Customer, Tag

    Tag.objects.create(name="vip")
    return Customer.objects.create(name="Olena", email="olena@example.org",
                                   manager=manager_user)


def test_it_saves_the_profile_and_records_consent_with_its_source(page, olena, manager_user):
    from tenure.crm.customers.models import ConsentChange

    sign_in(page, manager_user.username)
    page.goto(f"/customers/{olena.pk}/edit/")

    page.get_by_label("Name").fill("Olena Kovalenko")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/customers/{olena.pk}/$"))
    expect(page.get_by_role("heading", name="Olena Kovalenko", level=1)).to_be_visible()
    olena.refresh_from_db()
    assert (olena.name, olena.email) == ("Olena Kovalenko", "olena@example.org")

    page.goto(f"/customers/{olena.pk}/edit/")
    consent = page.locator("#consent")
    consent.get_by_label("Email").check()
    consent.get_by_label("How the customer told us").select_option("phone_call")
    consent.get_by_role("button", name="Record consent").click()

    expect(page).to_have_url(re.compile(rf"/customers/{olena.pk}/$"))
    change = ConsentChange.objects.get()
    assert (change.channel, change.granted, change.source, change.changed_by) == (
        "email", True, "phone_call", manager_user)
    assert change.wording.startswith("I agree to receive offers")
