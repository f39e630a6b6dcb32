"""Every staff page on a 390 px phone (campaigns and loyalty among them), for an
administrator and a sales manager: nothing makes the page scroll sideways, no text lies
outside the screen, the menu button opens the navigation, and the bell and Sign out can be
reached; and the Managers table at 1366 px."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import sign_in

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
AS_OF = date(2026, 5, 20)  # the day of the stored insights (test_model_pages' results)
CSV = "Customer ID,Full name,E-mail\nK-1,Oksana Kovalenko-Hrytsenko,oksana@example.com\n"

# What is wrong with the page as it is drawn: how wide the document is, and which elements
# holding text lie partly outside the screen. A table inside a wrapper that scrolls sideways
# by itself is fine (its text is reachable by scrolling the wrapper), and so is anything
# the page hides.
MEASURE = """() => {
  const width = window.innerWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(p).overflowX)) return true; }
    return false; };
  const ownText = el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const cut = [...document.body.querySelectorAll("*")].filter(el => {
    if (!ownText(el) || !el.checkVisibility()) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.left < -1 || box.right > width + 1) && !scrolls(el);
  }).map(el => `${el.tagName.toLowerCase()}.${el.className}: `
         + el.textContent.trim().slice(0, 40));
  return {scrollWidth: document.documentElement.scrollWidth, width, cut: cut.slice(0, 5)};
}"""


@pytest.fixture
def shop(transactional_db, tmp_path):
    """A small demo shop with stored insights, a pair of duplicates, a merge and notices.

    Returns the demo sign-ins to use (an administrator and a sales manager), the duplicate
    pair and a CSV file to import.
    """
    from tenure.crm.accounts.models import User
    from tenure.crm.customers.merging import merge_customers
    from tenure.crm.customers.models import Customer
    from tenure.crm.demo.shop import build_demo_shop
    from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
    from tenure.crm.insights.tests.test_model_pages import predictive_results
    from tenure.crm.messaging.models import Notification

    build_demo_shop(customers=150, seed=3)
    # A stored refresh rather than a real one: the forecast alone would take a minute.
    run = InsightsRun.objects.create(as_of=AS_OF, status=InsightsRun.Status.DONE,
                                     finished_at=timezone.now(), results=predictive_results())
    reasons = [{"code": "overdue", "days": 194, "usual_gap": 30},
               {"code": "complaints_open", "count": 2}]
    CustomerSnapshot.objects.bulk_create(
        CustomerSnapshot(customer=customer, taken_on=run.as_of, clv=Decimal("1234567.89"),
                         churn_risk=0.9, p_alive=0.1, segment="cant_lose",
                         churn_reasons=reasons, expected_purchases=0.4)
        for customer in Customer.objects.all())
    original = (Customer.objects.filter(manager__username="manager1", complaints__isnull=False,
                                        orders__isnull=False).exclude(email="").first())
    twin = Customer.objects.create(name=original.name, email=original.email,
                                   manager=original.manager)
    old_card = Customer.objects.create(name=f"{original.name} (old card)",
                                       manager=original.manager)
    merge_customers(twin, old_card)
    for user in User.objects.filter(username__in=["demo", "manager1"]):
        Notification.objects.create(user=user, text=f"Call {original.name} back about the order",
                                    url=original.get_absolute_url())
    upload = tmp_path / "customers.csv"
    upload.write_text(CSV, encoding="utf-8")
    return {"admin": "demo", "manager": "manager1", "pair": (original, twin), "upload": upload}


def staff_pages(username: str, pair) -> list[str]:
    """Return the address of every staff page the user may open, objects taken from the data."""
    from tenure.crm.accounts.models import User
    from tenure.crm.campaigns.models import Audience, Campaign
    from tenure.crm.customers.access import customers_for_user
    from tenure.crm.engagement.models import Activity, Complaint
    from tenure.crm.feedback.models import Survey
    from tenure.crm.sales.models import Order

    user = User.objects.get(username=username)
    mine = customers_for_user(user)
    customer, twin = pair
    order = Order.objects.filter(customer__in=mine).first()
    activity = Activity.objects.filter(customer__in=mine).first()
    complaint = Complaint.objects.filter(customer__in=mine).first()
    pages = [
        "/", "/customers/", f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/",
        "/customers/duplicates/", f"/customers/duplicates/{customer.pk}/{twin.pk}/",
        "/customers/duplicates/history/", "/sales/orders/", f"/sales/orders/{order.pk}/",
        f"/engagement/customers/{customer.pk}/log/", f"/engagement/customers/{customer.pk}/plan/",
        f"/engagement/customers/{customer.pk}/complaint/", f"/engagement/activities/{activity.pk}/",
        "/engagement/agenda/", "/engagement/agenda/?view=week", "/engagement/complaints/",
        "/engagement/complaints/report/",
        f"/engagement/complaints/{complaint.pk}/", "/feedback/",
        f"/feedback/{Survey.objects.first().pk}/", f"/feedback/customers/{customer.pk}/send/",
        "/notifications/", "/insights/at-risk/", "/insights/managers/",
        "/accounts/password/",
    ]
    if user.may_use_two_factor:
        pages.append("/accounts/two-factor/")
    if user.has_perm("insights.view_insightsrun"):
        pages += ["/insights/", *(f"/insights/{name}/" for name in
                                  ("cohorts", "segments", "value", "forecast", "models"))]
    if user.has_perm("feedback.add_survey"):
        pages.append("/feedback/new/")
    if user.has_perm("privacy.view_audit_log"):
        pages.append("/privacy/audit/")
    if user.has_perm("privacy.erase_personal_data"):
        pages.append(f"/privacy/customers/{customer.pk}/erase/")
    if user.has_perm("campaigns.view_campaign"):
        pages += ["/campaigns/", *(f"/campaigns/{pk}/" for pk in
                                   Campaign.objects.values_list("pk", flat=True)[:3]),
                  "/campaigns/audiences/"]
        pages += [f"/campaigns/audiences/{pk}/" for pk in
                  Audience.objects.values_list("pk", flat=True)[:1]]
    if user.has_perm("campaigns.add_campaign"):
        pages += ["/campaigns/new/", "/campaigns/audiences/new/", "/campaigns/offers/new/"]
    if user.has_perm("loyalty.view_programme"):
        pages.append("/loyalty/")
    if user.has_perm("loyalty.view_account"):
        pages.append(f"/loyalty/customers/{customer.pk}/")
    return pages


def problems(page, address: str) -> list[str]:
    """Return what is too wide on the page at ``address`` as the browser draws it."""
    found = page.evaluate(MEASURE)
    wrong = []
    if found["scrollWidth"] > found["width"]:
        wrong.append(f"{address}: the page is {found['scrollWidth']} px wide")
    wrong += [f"{address}: cut off: {text}" for text in found["cut"]]
    return wrong


def check_every_page(page, username: str, pair) -> list[str]:
    """Open every staff page of ``username``; return what does not fit the phone."""
    wrong = []
    for address in staff_pages(username, pair):
        response = page.goto(address)
        assert response.ok, f"{address} answered {response.status}"
        wrong += problems(page, address)
        expect(page.locator(".topbar .bell")).to_be_in_viewport()
    return wrong


def check_the_menu(page) -> None:
    """The menu button opens the navigation; the bell and Sign out can be clicked."""
    button = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    page.locator(".topbar .bell").click(trial=True)
    button.focus()
    page.keyboard.press("Enter")  # a keyboard opens it as well as a finger
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Customers")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
    assert problems(page, "the open menu") == []
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(button).to_be_focused()


def sign_out(page) -> None:
    """Sign out through the phone's menu, as a person would."""
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_every_staff_page_fits_a_phone(page, shop):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(PHONE)
    wrong = []
    for role in "admin", "manager":
        sign_in(page, shop[role], "tenure-demo")
        check_the_menu(page)
        wrong += check_every_page(page, shop[role], shop["pair"])
        sign_out(page)

    # The import's preview and summary: reached by uploading a file.
    sign_in(page, shop["admin"], "tenure-demo")
    page.goto("/import/")
    wrong += problems(page, "/import/")
    page.get_by_label("What the file holds").select_option("customers")
    page.get_by_label("File (CSV, XLSX or Parquet)").set_input_files(shop["upload"])
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("table.preview")).to_be_visible()
    wrong += problems(page, "the import preview")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page).to_have_url(re.compile(r"/import/\d+/$"))
    wrong += problems(page, "the import summary")

    # On a laptop the Managers tables show every column without scrolling.
    page.set_viewport_size(LAPTOP)
    page.goto("/insights/managers/")
    wrong += problems(page, "/insights/managers/ at 1366 px")
    for table in page.locator("main table.managers").all():
        box, wrapper = table.bounding_box(), table.locator("..").bounding_box()
        if box["x"] + box["width"] > wrapper["x"] + wrapper["width"]:
            wrong.append(f"/insights/managers/ at 1366 px: a table is {box['width']:.0f} px "
                         f"wide in {wrapper['width']:.0f} px")
    assert wrong == [], "\n".join(wrong)
    assert errors == []
