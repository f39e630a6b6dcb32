"""Staff pages of the loyalty programme: its settings and figures, and a customer's
statement with what staff do to it: redeem points, give points, adjust the balance.

Administrators change the settings; marketers and administrators adjust a balance and give
points (each with a reason, recorded with their name); sales managers and administrators
redeem points (``loyalty.redeem_entry``); whoever may see a customer and the loyalty
accounts sees their statement.
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
from django.views.decorators.http import require_POST

from tenure.crm.customers.access import get_customer_for_user
from tenure.crm.lib import formatting

from . import bonuses, figures, ledger, referrals, tiers
from .forms import AdjustmentForm, ProgrammeForm, RedeemForm, ReferredForm, RewardForm
from .models import Account, LedgerError, Programme, Referral, ReferralCode
from .statement import statement

ENTRIES_PER_PAGE = 50
# The tier moves shown on the programme's page: those of the last 30 days.
TIER_MOVES_PERIOD = timedelta(days=30)


def _require(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


def _customer(request, pk: int, permission: str):
    """Return the customer ``pk`` when the user may see them, their loyalty account and
    hold ``permission`` (403 otherwise; 404 for a customer they may not see)."""
    _require(request.user, "loyalty.view_account")
    _require(request.user, permission)
    return get_customer_for_user(request.user, pk)


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
        "comparison": comparison, "cost": figures.cost_against_margin(),
        "tiers": tiers.distribution(), "tier_moves": tiers.moves(now - TIER_MOVES_PERIOD, now)})


@login_required
def customer_statement(request, pk: int):
    """A customer's balance and every entry, newest first; a staff adjustment."""
    _require(request.user, "loyalty.view_account")
    customer = get_customer_for_user(request.user, pk)
    if request.method != "POST":
        return _statement_page(request, customer)
    _require(request.user, "loyalty.add_entry")
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            ledger.adjust(customer.pk, form.cleaned_data["points"],
                          form.cleaned_data["reason"], user=request.user)
        except LedgerError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The balance was adjusted."))
            return redirect(reverse("loyalty:statement", args=[customer.pk]))
    return _statement_page(request, customer, adjust=form)


@login_required
@require_POST
def redeem(request, pk: int):
    """Spend a customer's points, on an order or with a note, once per form shown."""
    customer = _customer(request, pk, "loyalty.redeem_entry")
    form = RedeemForm(customer, request.POST)
    if form.is_valid():
        refusal = _redeem(request, customer, form.cleaned_data)
        if not refusal:
            return redirect(reverse("loyalty:statement", args=[customer.pk]))
        form.add_error(None, refusal)
    return _statement_page(request, customer, redeem=form)


def _redeem(request, customer, data: dict) -> str:
    """Redeem through the ledger; return its refusal in words, or "" when applied."""
    # Asked first: the ledger would open an empty account to refuse it.
    if not Account.objects.filter(customer=customer).exists():
        return _("%(customer)s has no points yet: nothing to redeem.") % {
            "customer": customer}
    outcome = ledger.redeem(customer.pk, data["points"], f"redeem:staff:{data['key']}",
                            order=data["order"], user=request.user, reason=data["note"])
    if not outcome.applied:
        return outcome.reason
    if outcome.replayed:
        messages.info(request, _("This redemption was recorded already; nothing changed."))
    else:
        messages.success(request, _("%(points)s points were redeemed.") % {
            "points": formatting.number(data["points"])})
    return ""


@login_required
@require_POST
def give_points(request, pk: int):
    """Give a customer points by hand with a reason (a surprise reward), once per form."""
    customer = _customer(request, pk, "loyalty.add_entry")
    form = RewardForm(request.POST)
    if not form.is_valid():
        return _statement_page(request, customer, give=form)
    data = form.cleaned_data
    given = bonuses.reward(customer, data["points"], data["reason"], key=f"hand:{data['key']}",
                           by=request.user, cause="by hand")
    if given:
        messages.success(request, _("%(points)s points were given.") % {
            "points": formatting.number(data["points"])})
    else:
        messages.info(request, _("These points were given already; nothing changed."))
    return redirect(reverse("loyalty:statement", args=[customer.pk]))


@login_required
@require_POST
def referral_code(request, pk: int):
    """Make the customer's own referral code, to give to friends."""
    customer = _customer(request, pk, "loyalty.add_referralcode")
    referrals.code_for(customer)
    return redirect(reverse("loyalty:statement", args=[customer.pk]) + "#referrals")


@login_required
@require_POST
def referred(request, pk: int):
    """Record the friend's code that brought the customer; a self-referral is recorded
    refused, with its reason shown."""
    customer = _customer(request, pk, "loyalty.add_referral")
    form = ReferredForm(request.POST)
    if form.is_valid():
        try:
            referral = referrals.redeem_code(customer, form.cleaned_data["code"])
        except ValueError as unknown:
            form.add_error("code", str(unknown))
        else:
            if referral.reason:
                messages.error(request, referral.reason)
            else:
                messages.success(request, _("The referral by %(referrer)s was recorded.") % {
                    "referrer": referral.referrer})
            return redirect(reverse("loyalty:statement", args=[customer.pk]) + "#referrals")
    return _statement_page(request, customer, referred_form=form)


def _statement_page(request, customer, *, adjust=None, redeem=None, give=None,
                    referred_form=None):
    """Render the statement with the forms the user may use (``None``: a new one)."""
    user = request.user
    if user.has_perm("loyalty.add_entry"):
        adjust = adjust or AdjustmentForm()
        give = give or RewardForm()
    if user.has_perm("loyalty.redeem_entry"):
        redeem = redeem or RedeemForm(customer)
    referral = Referral.objects.filter(referred=customer).select_related("referrer").first()
    if referral is None and user.has_perm("loyalty.add_referral"):
        referred_form = referred_form or ReferredForm()
    else:
        referred_form = None
    found = statement(customer.pk)
    page = Paginator(found["entries"], ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry["when"] = datetime.fromisoformat(entry["at"])
    return render(request, "loyalty/statement.html", {
        "customer": customer, "statement": found, "page": page, "form": adjust,
        "redeem_form": redeem, "give_form": give, "referral": referral,
        "referred_form": referred_form,
        "own_code": ReferralCode.objects.filter(customer=customer).first(),
        "may_make_code": user.has_perm("loyalty.add_referralcode"),
        "page_range": page.paginator.get_elided_page_range(page.number)})
