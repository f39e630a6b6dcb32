"""Pages of the insights: overview, cohorts, segments, value, forecast and models; the
at-risk list; manager performance; and the refresh button.

Who may see them: administrators, marketers and analysts (the ``view_insightsrun``
permission). Sales managers do not: the stored figures cover the whole shop, not their
portfolio. The at-risk list is the exception: it lists customers, so everyone who may see
customers sees it, a sales manager only their own; so is manager performance, where a
sales manager sees their own figures. Only administrators (``add_insightsrun``) may
refresh.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.crm.accounts.models import User
from tenure.crm.customers import bulk, saved_views
from tenure.crm.customers.access import customers_for_user
from tenure.crm.customers.models import Customer, CustomerAssignment, SavedView
from tenure.crm.jobs.models import PeriodicJob
from tenure.crm.lib import exports, formatting

from . import dashboards, performance, predictive, refreshing
from . import exporting as at_risk_exporting
from .forms import AtRiskForm, CohortForm, ForecastForm, PerformanceForm, PeriodForm
from .models import CustomerSnapshot, InsightsRun

SECTIONS = ["overview", "cohorts", "segments", "value", "forecast", "models"]
AT_RISK_PAGE = 50


def _render(request, section: str, build) -> object:
    """Render an insights page from the latest successful refresh, or the empty state."""
    if not request.user.has_perm("insights.view_insightsrun"):
        raise PermissionDenied
    run = InsightsRun.objects.latest_done()
    can_refresh = request.user.has_perm("insights.add_insightsrun")
    last = InsightsRun.objects.only("status", "started_at", "error").first()
    context = {
        "section": section,
        "run": run,
        "can_refresh": can_refresh,
        "last_attempt": last,
        "last_failed": can_refresh and last is not None
        and last.status == InsightsRun.Status.FAILED
        and (run is None or last.started_at > run.started_at),
    }
    if run is not None:
        context.update(build(run))
        context["chart_data"] = {"currency": settings.TENURE_CURRENCY,
                                 "charts": context.pop("charts", {})}
    return render(request, f"insights/{section}.html", context)


@login_required
def overview(request):
    """Show the KPIs of the latest period, their trends and the N x V x L bridge."""
    form = PeriodForm(request.GET)
    period = form.value("period")
    return _render(request, "overview", lambda run: {
        "form": form, "period": period,
        **dashboards.overview(run.results, run.as_of, period),
    })


@login_required
def cohorts(request):
    """Show the acquisition cohorts' retention as a heatmap."""
    form = CohortForm(request.GET)
    measure, counting = form.value("measure"), form.value("counting")
    return _render(request, "cohorts", lambda run: {
        "form": form, "measure": measure, "counting": counting,
        **dashboards.cohorts(run.results, measure, counting, run.as_of),
    })


@login_required
def segments(request):
    """Show the RFM segments, their sizes and value, and the moves between them."""
    return _render(request, "segments", lambda run: dashboards.segments(run.results))


@login_required
def value(request):
    """Show ABC/XYZ classes, clusters and the profiles of the best and typical customers."""
    return _render(request, "value", lambda run: dashboards.value(run.results))


@login_required
def forecast(request):
    """Show the sales forecast of the shop, a store or a segment with its intervals."""
    def build(run):
        form = ForecastForm(request.GET, results=run.results)
        period, series, measure = (form.value(f) for f in ("period", "series", "measure"))
        return {"form": form, "period": period, "series": series, "measure": measure,
                **predictive.forecast_page(run.results, period, series, measure)}

    return _render(request, "forecast", build)


@login_required
def models(request):
    """Show how good the churn and value models are, beside their baselines."""
    return _render(request, "models", lambda run: predictive.models_page(run.results, run))


@login_required
def at_risk(request):
    """List the user's customers likely to leave, most expected value lost first, with
    reasons; with ``format=csv`` or ``xlsx``, export every one of them."""
    customers = customers_for_user(request.user)
    own = request.user.sees_only_own_customers
    managers = None if own else [
        (str(u.pk), u.get_full_name() or u.username)
        for u in User.objects.filter(customers__isnull=False).distinct().order_by("username")]
    form = AtRiskForm(request.GET, managers=managers)
    snapshots = CustomerSnapshot.objects.at_risk(float(form.value("risk"))).filter(
        customer__in=customers).select_related("customer", "customer__manager")
    if form.value("segment"):
        snapshots = snapshots.filter(segment=form.value("segment"))
    if not own and form.value("manager"):
        snapshots = snapshots.filter(customer__manager_id=form.value("manager"))
    kind = exports.requested_format(request)
    if kind:
        # A filter out of range is refused, not ignored: an export must not widen.
        if form.errors:
            return HttpResponseBadRequest(_("Choose the filters again: one is not valid."))
        exports.log_list_export(snapshots, kind, request.GET, what="at-risk list")
        return exports.response(kind, at_risk_exporting.table(snapshots))
    page = Paginator(snapshots, AT_RISK_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    run = InsightsRun.objects.latest_done()
    results = run.results if run is not None else {}
    return render(request, "insights/at_risk.html", {
        "form": form, "chosen": {f: form.value(f) for f in form.fields}, "page": page,
        "query": query.urlencode(), "run": run,
        "scored": bool((results.get("churn") or {}).get("scored")),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "totals": snapshots.order_by().aggregate(
            customers=Count("pk"), value=Sum("value_at_risk")),
        "can_refresh": request.user.has_perm("insights.add_insightsrun"),
        "bulk_actions": bulk.actions_for(request.user),
        "saved_views": saved_views.views_for(request.user, SavedView.List.AT_RISK),
        "list_name": SavedView.List.AT_RISK,
        **dashboards.risk_model(results),
    })


@login_required
def managers(request):
    """Compare the managers' figures in a period, with their trends; a manager sees their own."""
    managers = performance.managers_for_user(request.user)
    now = timezone.now()
    form = PerformanceForm(request.GET, today=timezone.localdate(now))
    period = form.value("period")
    start = date.fromisoformat(form.value("start"))
    context = {"section": "managers", "form": form, "period": period, "start": start,
               "sees_all": performance.sees_every_manager(request.user),
               "window_days": performance.WINDOW_DAYS}
    if CustomerAssignment.objects.filter(manager__in=managers).exists():
        found = performance.recent_performance([m.username for m in managers], period, now)
        context.update(performance.page(managers, found, start))
        context["stale_since"] = found.stale_since
        context["chart_data"] = {"currency": settings.TENURE_CURRENCY,
                                 "charts": context.pop("charts")}
        if context["sees_all"]:
            context["unassigned"] = Customer.objects.filter(manager__isnull=True).count()
    return render(request, "insights/managers.html", context)


@login_required
@require_POST
def refresh(request):
    """Recompute the insights now (administrators only) and say how it went."""
    if not request.user.has_perm("insights.add_insightsrun"):
        raise PermissionDenied
    if PeriodicJob.run_soon("insights"):
        messages.info(request, _(
            "The refresh is running in the background; the figures change in a minute or two."))
        return _back(request)
    # No worker is running: refresh inside the request (seconds on a shop of thousands).
    run = refreshing.refresh_insights(by=request.user)
    if run.status == InsightsRun.Status.DONE:
        messages.success(request, _("Insights refreshed as of %(date)s.") % {
            "date": formatting.day(run.as_of)})
    else:
        messages.error(request, _("The refresh failed: %(error)s") % {"error": run.error})
    return _back(request)


def _back(request):
    """Redirect to the page the refresh was asked from."""
    target = request.POST.get("next", "")
    # A path of this site only: redirect() would read "a:b" as the name of a URL to reverse.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect("insights:overview")
