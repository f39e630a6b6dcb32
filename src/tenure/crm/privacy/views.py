"""Privacy pages: export a person's data, erase a person, read the audit log."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.crm.customers.access import get_customer_for_user

from . import auditing, erasing, exporting
from .forms import AuditFilterForm, ErasureForm
from .models import Erasure

PAGE_SIZE = 50


def _require(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


@login_required
@require_POST
def export_customer(request, pk: int):
    """Send everything held about the customer as a ZIP, and record who took it."""
    _require(request.user, "privacy.export_personal_data")
    customer = get_customer_for_user(request.user, pk)
    data = exporting.archive(customer)
    auditing.log_export(customer)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{exporting.filename(customer)}"'
    return response


@login_required
def erase_customer(request, pk: int):
    """Ask to confirm, then erase the customer's personal data."""
    _require(request.user, "privacy.erase_personal_data")
    customer = get_customer_for_user(request.user, pk)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = erasing.erase(customer, by=request.user)
        except (DatabaseError, OSError) as exc:
            messages.error(request, _("The erasure failed and nothing was changed: %(error)s")
                           % {"error": exc})
            return redirect("privacy:erase", pk=customer.pk)
        messages.success(request, _("The customer's personal data was erased: %(counts)s.")
                         % {"counts": result.erasure.summary()})
        return redirect(customer)
    return render(request, "privacy/erase.html", {
        "customer": customer, "form": form,
        "erasures": list(Erasure.objects.of(customer.pk).select_related("erased_by")),
        "orders": customer.orders.count(),
    })


@login_required
def audit_log(request):
    """Show who viewed, exported or changed personal data, newest first."""
    _require(request.user, "privacy.view_audit_log")
    form = AuditFilterForm(request.GET or None)
    entries = form.filter(
        LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id"))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/audit.html", {
        "form": form,
        "page": page,
        "rows": [auditing.describe(entry) for entry in page],
        "query": query.urlencode(),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1),
    })
