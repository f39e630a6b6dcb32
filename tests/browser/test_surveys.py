"""The survey loop with a real SMTP server: the email's one-click score records the answer,
and a detractor's answer plans a call for the customer's manager."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenure.crm.messaging.testing import html_of

from .conftest import run_worker, sign_in


@pytest.fixture
def buyer(manager_user):
    """A consenting customer of the manager who bought four days ago; an NPS survey."""
    from tenure.crm.customers.models import Customer
    from tenure.crm.feedback.models import Survey
    from tenure.crm.sales.models import Order

    customer = Customer.objects.create(name="Oksana Kovalenko", email="oksana@example.com",
                                       consent_email=True, manager=manager_user)
    Order.objects.create(customer=customer, external_id="A-1", total=Decimal("80.00"),
                         ordered_at=timezone.now() - timedelta(days=4))
    Survey.objects.create(name="After purchase", kind="nps", trigger="purchase", delay_days=3)
    return customer


def test_the_one_click_score_records_a_detractor_and_plans_a_call(page, mail, buyer,
                                                                  manager_user):
    from tenure.crm.engagement.models import Activity
    from tenure.crm.feedback.models import Answer

    run_worker()

    [invitation] = mail.wait_for(1)
    assert invitation["To"] == "oksana@example.com"
    links = {int(score): url for url, score in re.findall(
        r'href="([^"]+/s/[^"/]+/(\d+)/)"', html_of(invitation))}
    assert sorted(links) == list(range(11))

    page.goto(links[3])  # no sign-in: the token is the key
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    page.get_by_label("What is the main reason for your score?").fill("Delivery was slow.")
    page.get_by_role("button", name="Send").click()

    answer = Answer.objects.get()
    assert (answer.customer, answer.kind, answer.score) == (buyer, "nps", 3)
    call = Activity.objects.get(origin=f"survey-answer:{answer.pk}")
    assert call.assignee == manager_user
    assert "Delivery was slow." in call.notes

    # A second click on another score changes nothing.
    page.goto(links[10])
    expect(page.get_by_role("heading", name="You have already answered. Thank you!")
           ).to_be_visible()
    assert Answer.objects.get().score == 3

    # The manager finds the call on their agenda, and the answer on the customer's timeline.
    sign_in(page, manager_user.username)
    page.goto("/engagement/agenda/")
    expect(page.get_by_text(call.subject)).to_be_visible()
    page.goto(f"/customers/{buyer.pk}/?kind=answer")
    expect(page.locator("ol.timeline li")).to_contain_text("After purchase: 3")
