"""The home page: what a user should look at first, by what their role lets them do.

A sales manager sees their agenda for today (and what is overdue), their portfolio and
their customers most at risk; whoever runs the shop (the right to refresh the insights)
sees the KPIs of the latest period and what needs attention: complaints past their SLA,
customers without a manager, failed imports, a worker that is not running, insights not
refreshed. Each part shows only when the user may see what it is about.

It reads every app, so it stands above them all (the top layer of the apps' contract).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.customers.access import customers_for_user
from tenure.crm.customers.models import Customer
from tenure.crm.engagement.access import activities_for_user, complaints_for_user
from tenure.crm.engagement.agenda import agenda_sections
from tenure.crm.imports.models import ImportRun
from tenure.crm.insights import dashboards
from tenure.crm.insights.forms import AtRiskForm
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.jobs.models import WorkerProcess
from tenure.crm.lib import formatting

AT_RISK_SHOWN = 5
#: Insights older than this many days are worth a refresh.
STALE_DAYS = 2
FAILED_IMPORT_DAYS = 7


@login_required
def home(request):
    """Show the user's own start page."""
    user = request.user
    context: dict = {"agenda": None, "portfolio": None, "kpis": None, "attention": None}
    if user.has_perm("engagement.view_activity"):
        sections = agenda_sections(activities_for_user(user).filter(assignee=user))
        context["agenda"] = [s for s in sections if s.key in ("overdue", "today")]
        context["agenda_later"] = sum(len(s.activities) for s in sections
                                      if s.key not in ("overdue", "today"))
    if user.has_perm("customers.view_customer"):
        context.update(_portfolio(user))
    if user.has_perm("insights.add_insightsrun"):
        context.update(_shop(user))
    context["parts"] = sum(context[key] is not None for key in ("agenda", "portfolio",
                                                               "attention"))
    return render(request, "home.html", context)


def _portfolio(user) -> dict:
    """The customers the user works: how many, and those most at risk."""
    customers = customers_for_user(user)
    totals = customers.aggregate(customers=Count("pk"))
    risky = CustomerSnapshot.objects.at_risk(float(AtRiskForm.base_fields["risk"].initial)) \
        .filter(customer__in=customers).select_related("customer")
    risk = risky.order_by().aggregate(count=Count("pk"), value=Sum("value_at_risk"))
    return {
        "portfolio": {
            **totals, "own": user.sees_only_own_customers,
            "at_risk": risk["count"], "value_at_risk": risk["value"],
        },
        "at_risk": list(risky[:AT_RISK_SHOWN]),
    }


def _shop(user) -> dict:
    """The shop's KPIs of the latest period and what needs someone's attention."""
    run = InsightsRun.objects.latest_done()
    context: dict = {"run": run}
    if run is not None:
        overview = dashboards.overview(run.results, run.as_of, "month")
        context["kpis"] = overview["tiles"]
        context["kpi_period"] = overview["current"]
    context["attention"] = _attention(user, run)
    return context


def _attention(user, run) -> list[dict]:
    """Return what needs someone's attention now, each with a link to where to act."""
    now = timezone.now()
    items = []

    def add(count: int, text: str, url: str) -> None:
        if count:
            items.append({"count": count, "text": text, "url": url})

    if user.has_perm("engagement.view_complaint"):
        complaints = complaints_for_user(user).open()
        add(complaints.breached(now).count(), _("complaints past their deadline"),
            reverse("engagement:complaints"))
    add(Customer.objects.filter(manager__isnull=True).count(), _("customers without a manager"),
        reverse("customers:list"))
    add(ImportRun.objects.filter(started_at__gte=now - timedelta(days=FAILED_IMPORT_DAYS))
        .exclude(error="").count(), _("imports that failed this week"),
        reverse("imports:upload"))
    if not WorkerProcess.objects.alive().exists():
        items.append({"count": None, "url": "", "text": _(
            "The worker is not running: reminders, surveys and the nightly refresh wait. "
            "Start it with `tenure worker`.")})
    if run is None:
        items.append({"count": None, "url": reverse("insights:overview"),
                      "text": _("The insights have never been computed: refresh them.")})
    elif (timezone.localdate() - run.as_of).days > STALE_DAYS:
        text = _("The insights are as of %(date)s: refresh them.") % {
            "date": formatting.day(run.as_of)}
        items.append({"count": None, "url": reverse("insights:overview"), "text": text})
    return items
