"""Pages of complaints: register one, the queue, one complaint and its history, the report.

A sales manager sees only their own customers' complaints (``access``); the report
counts only the complaints the user may see.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenure.crm.customers.access import get_customer_for_user
from tenure.crm.lib import exports

from . import complaint_exporting, reporting
from .access import complaints_for_user, get_complaint_for_user, require
from .complaint_forms import (
    AssignComplaintForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplaintStatusForm,
    ReportPeriodForm,
)
from .models import ComplaintSla, ComplaintStatus, InvalidComplaintStatus

PAGE_SIZE = 50
ACTIONS = {"status": ComplaintStatusForm, "assign": AssignComplaintForm}


@login_required
def register_complaint(request, pk: int):
    """Register a customer's complaint, due within its severity's SLA."""
    require(request.user, "engagement.add_complaint")
    customer = get_customer_for_user(request.user, pk)
    form = ComplaintForm(request.POST or None, customer=customer, user=request.user,
                         initial={"order": request.GET.get("order")})
    if request.method == "POST" and form.is_valid():
        complaint = form.save()
        messages.success(request, _("Complaint #%(number)s registered.") % {
            "number": complaint.pk})
        return redirect(complaint)
    return render(request, "engagement/complaint_form.html",
                  {"customer": customer, "form": form, "slas": ComplaintSla.table()})


@login_required
def complaint_list(request):
    """Show the complaints the user may see, the most urgent open ones first; with
    ``format=csv`` or ``xlsx``, export every one of them."""
    form = ComplaintFilterForm(request.GET or None)
    complaints = form.filter(complaints_for_user(request.user))
    kind = exports.requested_format(request)
    # An export asks for a bound form; one with a filter out of range shows the page (400).
    if kind and form.is_valid():
        exports.log_list_export(complaints, kind, request.GET, what="complaint list")
        return exports.response(kind, complaint_exporting.table(complaints))
    page = Paginator(complaints.select_related("customer", "assignee"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(request, "engagement/complaints.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
    }, status=_status(form))


@login_required
def complaint_detail(request, pk: int):
    """Show a complaint with its history; move it on or reassign it."""
    posted = request.method == "POST"
    complaint = get_complaint_for_user(request.user, pk, edit=posted)
    action = request.POST.get("action", "")
    if posted and action not in ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    forms = {name: form_class(request.POST if name == action else None,
                              complaint=complaint, user=request.user)
             for name, form_class in ACTIONS.items()}
    if posted and forms[action].is_valid():
        try:
            forms[action].save()
        except InvalidComplaintStatus as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _done_message(action, complaint))
        return redirect(complaint)
    return render(request, "engagement/complaint.html", {
        "complaint": complaint, "forms": forms, "action": action,
        "events": complaint.events.select_related("by", "assignee"),
        "can_change": request.user.has_perm("engagement.change_complaint"),
    })


def _done_message(action: str, complaint) -> str:
    if action == "assign":
        return _("The assignee was changed.")
    if complaint.status == ComplaintStatus.RESOLVED and complaint.customer.email:
        return _("The complaint is resolved; the customer will receive the resolution by "
                 "email.")
    return _("The complaint is now %(status)s.") % {
        "status": complaint.get_status_display().lower()}


@login_required
def complaint_report(request):
    """Show what customers complain about, resolution times, SLA breaches and repurchase."""
    complaints = complaints_for_user(request.user)
    form = ReportPeriodForm(request.GET or None)
    start, end = form.bounds()
    since, until = form.period()
    return render(request, "engagement/complaint_report.html", {
        "form": form, "since": since, "until": until,
        "report": reporting.complaint_report(complaints, start, end),
    }, status=_status(form))


def _status(form) -> int:
    """Return 400 for a filter out of range or unknown (the page shows why), else 200."""
    return 400 if form.is_bound and not form.is_valid() else 200
