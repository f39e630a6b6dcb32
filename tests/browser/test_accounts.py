"""An administrator turns on two-factor sign-in from the QR code page and signs in with a code;
a sales manager changes their password; no page breaks the Content-Security-Policy."""

from __future__ import annotations

import re
from base64 import b32decode

from playwright.sync_api import expect

from .conftest import PASSWORD, sign_in

NEW_PASSWORD = "quiet-harbour-lantern-42"


def watch_console(page) -> list[str]:
    """Collect the page's errors, among them every CSP violation ("Refused to ...")."""
    errors: list[str] = []
    # The Admin's pages name no icon, so the browser asks for /favicon.ico: not ours to fix.
    page.on("console", lambda message: errors.append(f"{message.text} {message.location}")
            if message.type == "error" and "favicon" not in message.location.get("url", "")
            else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_it_turns_on_two_factor_and_signs_in_with_a_code(page, admin_user):
    from django_otp.oath import hotp, totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    errors = watch_console(page)
    sign_in(page, admin_user.username)
    page.get_by_role("link", name="Two-factor").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    key = b32decode(page.locator("code.secret").inner_text().replace(" ", ""))
    page.get_by_label("Code").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Turn two-factor sign-in on").click()
    expect(page.get_by_text("Two-factor sign-in is on")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto("/admin/")
    page.get_by_label("User name").fill(admin_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The code of the time step after the one just spent, whichever step the enrolment
    # landed in: a code computed from the clock fails when the enrolment crossed a boundary.
    device = TOTPDevice.objects.get(user=admin_user)
    page.get_by_label("Code").fill(f"{hotp(key, device.last_t + 1):06d}")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    assert errors == []


def test_it_lets_a_manager_change_their_password(page, manager_user):
    errors = watch_console(page)
    sign_in(page, manager_user.username)
    page.get_by_role("link", name="Password").click()
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("83749261")
    page.get_by_label("New password confirmation").fill("83749261")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("This password is entirely numeric.")).to_be_visible()
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, manager_user.username, NEW_PASSWORD)
    assert errors == []


def test_no_page_breaks_the_content_security_policy(page, admin_user):
    errors = watch_console(page)
    sign_in(page, admin_user.username)
    for link in ["Customers", "Duplicates", "Agenda", "Complaints", "Orders", "At risk",
                 "Insights", "Surveys", "Import", "Admin"]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=link).click()
        page.wait_for_load_state()
    page.goto("/engagement/agenda/")
    feed = page.get_by_label("Calendar address")
    feed.click()
    # tenure.js selects the whole address for copying, as the inline handler did.
    assert feed.evaluate("field => field.selectionEnd - field.selectionStart") == len(
        feed.input_value())
    page.get_by_label("Language").select_option("uk")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    assert errors == []
