"""A day's work with a real SMTP server: an activity planned, reminded and done; a complaint
registered and resolved, and the customer told."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenure.crm.messaging.testing import text_of

from .conftest import run_worker, sign_in


@pytest.fixture
def customer(manager_user):
    from tenure.crm.customers.models import Customer

    manager_user.email = "petro@shop.example"
    manager_user.save()
    return Customer.objects.create(name="Oksana Kovalenko", email="oksana@example.com",
                                   phone="+380671234567", manager=manager_user)


def test_it_plans_an_activity_reminds_by_email_and_completes_it(page, mail, customer,
                                                                 manager_user):
    sign_in(page, manager_user.username)
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("link", name="Plan an activity").click()
    page.get_by_label("Subject").fill("Offer the spring collection")
    due = timezone.localtime() + timedelta(minutes=20)
    page.get_by_label("Due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Remind, minutes before").fill("30")
    page.get_by_role("button", name=re.compile("Plan", re.I)).click()
    expect(page.get_by_text("Offer the spring collection").first).to_be_visible()

    run_worker()

    [reminder] = mail.wait_for(1)
    assert reminder["To"] == "petro@shop.example"
    assert "Offer the spring collection" in reminder["Subject"]
    link = re.search(r"https?://\S+/engagement/activities/\d+/", text_of(reminder)).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.get_by_label("What came of it").fill("She will order on Friday.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.locator(".badge", has_text="Done").first).to_be_visible()

    from tenure.crm.engagement.models import Activity, ActivityStatus

    activity = Activity.objects.get()
    assert (activity.status, activity.outcome) == (ActivityStatus.DONE,
                                                   "She will order on Friday.")
    run_worker()
    assert len(mail.messages) == 1  # reminded once only


def test_it_registers_a_complaint_resolves_it_and_tells_the_customer(page, mail, customer,
                                                                     manager_user):
    sign_in(page, manager_user.username)
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("link", name="Register a complaint").click()
    page.get_by_label("Category").select_option(label="Delivery")
    page.get_by_label("Severity").select_option(label="High")
    page.get_by_label("Description").fill("The parcel came a week late.")
    page.get_by_role("button", name=re.compile("Register", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Complaint #")
    expect(page.get_by_text("The parcel came a week late.")).to_be_visible()

    page.get_by_role("button", name="Start work").click()
    expect(page.locator(".badge", has_text="In progress").first).to_be_visible()
    page.get_by_label("Note").fill("Refunded the delivery fee and apologised.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".badge", has_text="Resolved").first).to_be_visible()

    run_worker()

    [notice] = mail.wait_for(1)
    assert notice["To"] == "oksana@example.com"
    body = text_of(notice)
    assert "Refunded the delivery fee and apologised." in body
    assert "has been resolved" in body
    # The email is on the customer's timeline.
    page.goto(f"/customers/{customer.pk}/?kind=message")
    expect(page.locator("ol.timeline li")).to_have_count(1)
    expect(page.locator("ol.timeline li .badge")).to_have_text("Sent")
