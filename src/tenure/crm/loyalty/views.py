"""Staff pages of the loyalty programme: its settings and figures, and a customer's
statement with the staff adjustment.

Administrators change the settings; marketers and administrators adjust a balance (with a
reason, recorded with their name); whoever may see a customer and the loyalty accounts sees
their statement.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.customers.access import get_customer_for_user
from tenure.crm.lib import formatting

from . import figures, ledger, tiers
from .forms import AdjustmentForm, ProgrammeForm
from .models import LedgerError, Programme
from .statement import statement

ENTRIES_PER_PAGE = 50
# The tier moves shown on the programme's page: those of the last 30 days.
TIER_MOVES_PERIOD = timedelta(days=30)


def _require(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


@login_required
def programme(request):
    """The programme's figures and settings."""
    _require(request.user, "loyalty.view_programme")
    form = None
    if request.user.has_perm("loyalty.change_programme"):
        form = ProgrammeForm(request.POST or None, instance=Programme.current())
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(request, _("The programme's settings were saved."))
            return redirect("loyalty:programme")
    current = Programme.current()
    shown = [(Programme._meta.get_field(name).verbose_name, value) for name, value in (
        ("points_per_unit", formatting.number(current.points_per_unit, 2)),
        ("pending_days", current.pending_days),
        ("point_value", formatting.money(current.point_value)),
        ("max_share", formatting.percent(current.max_share)),
        ("expiry_days", current.expiry_days))]
    # Reads every order: computed at most once an hour per process.
    comparison = cache.get_or_set("loyalty:members-against-similar",
                                  figures.members_against_similar, 3600)
    now = timezone.now()
    return render(request, "loyalty/programme.html", {
        "form": form, "settings_shown": shown, "figures": figures.overview(),
        "comparison": comparison, "tiers": tiers.distribution(),
        "tier_moves": tiers.moves(now - TIER_MOVES_PERIOD, now)})


@login_required
def customer_statement(request, pk: int):
    """A customer's balance and every entry, newest first; a staff adjustment."""
    _require(request.user, "loyalty.view_account")
    customer = get_customer_for_user(request.user, pk)
    may_adjust = request.user.has_perm("loyalty.add_entry")
    form = AdjustmentForm(request.POST or None) if may_adjust else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                ledger.adjust(customer.pk, form.cleaned_data["points"],
                              form.cleaned_data["reason"], user=request.user)
            except LedgerError as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, _("The balance was adjusted."))
                return redirect(reverse("loyalty:statement", args=[customer.pk]))
    found = statement(customer.pk)
    page = Paginator(found["entries"], ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry["when"] = datetime.fromisoformat(entry["at"])
    return render(request, "loyalty/statement.html", {
        "customer": customer, "statement": found, "page": page, "form": form,
        "page_range": page.paginator.get_elided_page_range(page.number)})
