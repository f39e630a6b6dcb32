"""A chart's tooltip shows a user's name as text: a name written as HTML runs nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect

from .conftest import PASSWORD, sign_in

HOSTILE = "<img src=x onerror=alert(1)>"


def test_it_shows_a_managers_name_written_as_html_as_text_in_the_tooltip(page, admin_user):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from tenure.crm.accounts.models import Role, User
    from tenure.crm.customers.models import Customer
    from tenure.crm.sales.models import Order

    manager = User.objects.create_user("mallory", password=PASSWORD, first_name=HOSTILE)
    manager.groups.add(Group.objects.get(name=Role.SALES_MANAGER))
    customer = Customer.objects.create(name="Ann", manager=manager)
    for days in (10, 40, 70):
        Order.objects.create(customer=customer, external_id=f"O-{days}", total=Decimal("50"),
                             ordered_at=timezone.now() - timedelta(days=days))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, admin_user.username)

    page.goto("/insights/managers/")
    chart = page.locator("[data-chart=revenue]")
    expect(chart.locator("canvas")).to_have_count(1)
    # Point at the manager's revenue: ECharts writes the tooltip's HTML into the chart's box.
    page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.querySelector("[data-chart=revenue]"));
        const values = chart.getOption().series[0].data;
        const bought = values.findLastIndex(v => v !== null);
        chart.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: bought});
    }""")
    tooltip = chart.locator("div[style*='z-index']").last
    expect(tooltip).to_be_visible()

    expect(tooltip).to_contain_text(HOSTILE)
    assert chart.locator("img").count() == 0
    page.wait_for_timeout(200)  # an injected image's onerror would have fired by now
    assert dialogs == []
