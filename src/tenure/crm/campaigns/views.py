"""Staff pages of the campaigns: the list, a campaign (settings, steps, preview, test send,
pause and resume, the report), the audiences with their live counts, and the offers.

Marketers and administrators create and change them (``campaigns.*``); analysts read them.
Whoever may also give loyalty points (``loyalty.add_entry``) gives an audience points by
hand, after a confirmation that counts who gets them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tenure.crm.customers.forms import CustomerFilterForm
from tenure.crm.lib import formatting
from tenure.crm.loyalty import bonuses
from tenure.crm.loyalty.forms import RewardForm
from tenure.crm.loyalty.models import LedgerError, Programme
from tenure.crm.messaging.models import MessageChannel
from tenure.crm.messaging.outbox import build_message, queue

from . import audiences, reporting, running
from .forms import (
    AudienceForm,
    CampaignForm,
    OfferForm,
    PreviewForm,
    StepFormSet,
    TestSendForm,
    filters_query,
)
from .models import Audience, Campaign, CampaignStatus, Offer, Step

# Status moves a campaign page offers: action -> (from, to).
MOVES = {
    "activate": ((CampaignStatus.DRAFT,), CampaignStatus.ACTIVE),
    "pause": ((CampaignStatus.ACTIVE,), CampaignStatus.PAUSED),
    "resume": ((CampaignStatus.PAUSED,), CampaignStatus.ACTIVE),
    "finish": ((CampaignStatus.ACTIVE, CampaignStatus.PAUSED), CampaignStatus.FINISHED),
}


def _require(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


@login_required
def campaign_list(request):
    _require(request.user, "campaigns.view_campaign")
    campaigns = list(Campaign.objects.select_related("audience", "offer"))
    summary = {row["id"]: row for row in reporting.report(campaigns)} if campaigns else {}
    return render(request, "campaigns/list.html", {
        "rows": [(campaign, summary[campaign.pk]["steps"]) for campaign in campaigns],
        "offers": Offer.objects.all(),
    })


@login_required
def campaign_new(request):
    _require(request.user, "campaigns.add_campaign")
    # From an audience's page: a one-off campaign to it (with an offer, a coupon each).
    return _campaign_form(request, Campaign(created_by=request.user),
                          initial={"audience": request.GET.get("audience")})


@login_required
def campaign_edit(request, pk: int):
    _require(request.user, "campaigns.change_campaign")
    return _campaign_form(request, get_object_or_404(Campaign, pk=pk))


def _campaign_form(request, campaign: Campaign, initial: dict | None = None):
    form = CampaignForm(request.POST or None, instance=campaign, initial=initial)
    steps = StepFormSet(request.POST or None, instance=campaign, prefix="steps")
    if request.method == "POST" and form.is_valid() and steps.is_valid():
        with transaction.atomic():
            campaign = form.save()
            steps.instance = campaign
            changed = steps.save(commit=False)
            for step in steps.deleted_objects:
                step.delete()
            # Through free numbers first, so swapping two steps' numbers never meets the
            # unique (campaign, number, variant) halfway.
            for step in changed:
                if step.pk:
                    Step.objects.filter(pk=step.pk).update(number=step.number + 100)
            for step in changed:
                step.campaign = campaign
                step.save()
        messages.success(request, _("The campaign was saved."))
        return redirect(campaign)
    return render(request, "campaigns/form.html", {"form": form, "steps": steps,
                                                   "campaign": campaign})


@login_required
def campaign_detail(request, pk: int):
    _require(request.user, "campaigns.view_campaign")
    campaign = get_object_or_404(Campaign.objects.select_related("audience", "offer"), pk=pk)
    running.redeem_coupons()
    [report] = reporting.report([campaign])
    preview = None
    preview_form = PreviewForm(request.GET or None)
    if request.GET and preview_form.is_valid():
        customer = preview_form.cleaned_data["customer"]
        step = campaign.steps.order_by("number").first()
        if step:
            row = {field: getattr(customer, field) for field in running.CUSTOMER_FIELDS}
            where = running.address(campaign.channel, row)
            language, subject, text = running.render(campaign, step, row)
            preview = {"customer": customer, "language": language, "subject": subject,
                       "text": text, "address": where}
    members = audiences.members(campaign.audience).count()
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "report": report, "steps": list(campaign.steps.all()),
        "variants": campaign.steps.exclude(variant="A").exists(),
        "preview_form": preview_form, "preview": preview, "members": members,
        "test_form": TestSendForm(), "moves": [
            action for action, (sources, _to) in MOVES.items()
            if campaign.status in sources],
    })


@login_required
@require_POST
def campaign_status(request, pk: int):
    _require(request.user, "campaigns.change_campaign")
    campaign = get_object_or_404(Campaign, pk=pk)
    action = request.POST.get("action", "")
    if action not in MOVES:
        return redirect(campaign)
    sources, target = MOVES[action]
    if target == CampaignStatus.ACTIVE and not campaign.steps.exists():
        messages.error(request, _("Write the campaign's message before starting it."))
        return redirect(campaign)
    moved = Campaign.objects.filter(pk=pk, status__in=sources).update(status=target)
    if moved:
        messages.success(request, _("The campaign is now %(status)s.") % {
            "status": CampaignStatus(target).label.lower()})
    return redirect(campaign)


@login_required
@require_POST
def campaign_test(request, pk: int):
    """Send the first step, written for the signed-in user, to an address they give."""
    _require(request.user, "campaigns.change_campaign")
    campaign = get_object_or_404(Campaign, pk=pk)
    form = TestSendForm(request.POST)
    step = campaign.steps.order_by("number").first()
    if not form.is_valid() or step is None:
        messages.error(request, _("Give an email address, and write the message first."))
        return redirect(campaign)
    row = {"pk": None, "name": request.user.get_full_name() or request.user.username,
           "language": request.user.message_language, "time_zone": ""}
    language, subject, text = running.render(campaign, step, row)
    queue(build_message(MessageChannel.EMAIL, to=form.cleaned_data["email"],
                        subject=_("[Test] %(subject)s") % {"subject": subject}, text=text,
                        language=language, topic=f"campaign-test:{campaign.pk}"))
    messages.success(request, _("A test was queued to %(email)s.") % form.cleaned_data)
    return redirect(campaign)


@login_required
def audience_list(request):
    _require(request.user, "campaigns.view_audience")
    rows = [(audience, audiences.members(audience).count())
            for audience in Audience.objects.select_related("exclude")]
    return render(request, "campaigns/audiences.html", {"rows": rows})


@login_required
def audience_new(request):
    _require(request.user, "campaigns.add_audience")
    return _audience_form(request, Audience(created_by=request.user))


@login_required
def audience_detail(request, pk: int):
    _require(request.user, "campaigns.view_audience")
    audience = get_object_or_404(Audience, pk=pk)
    if request.method == "POST":
        _require(request.user, "campaigns.change_audience")
    if not request.user.has_perm("campaigns.change_audience"):
        return render(request, "campaigns/audience.html", {
            "audience": audience, "count": audiences.members(audience).count(),
            "filters": audiences.filter_form(audience.query), "readonly": True,
            "reward_form": _reward_form(request.user)})
    return _audience_form(request, audience)


def _reward_form(user) -> RewardForm | None:
    """Return a new form to give the audience points, if ``user`` may."""
    return RewardForm() if user.has_perm("loyalty.add_entry") else None


@login_required
@require_POST
def audience_reward(request, pk: int):
    """Give the audience's customers points by hand: first say how many get how many;
    confirmed, give them as one action (``bonuses.reward_once``: a replay gives nothing)."""
    _require(request.user, "campaigns.view_audience")
    _require(request.user, "loyalty.add_entry")
    audience = get_object_or_404(Audience, pk=pk)
    members = audiences.members(audience, user=request.user)
    form = RewardForm(request.POST)
    if not (form.is_valid() and request.POST.get("confirm")):
        count = members.count()
        total = count * form.cleaned_data["points"] if form.is_valid() else 0
        return render(request, "campaigns/audience_reward.html", {
            "audience": audience, "form": form, "count": count, "total": total,
            "value": total * Programme.current().point_value,
            "refusal": bonuses.too_many(count) if count > bonuses.HAND_LIMIT else ""})
    data = form.cleaned_data
    try:
        given = bonuses.reward_once(members, data["points"], data["reason"], by=request.user,
                                    key=f"audience:{audience.pk}:{data['key']}",
                                    cause=f"audience:{audience.pk}")
    except LedgerError as refusal:
        messages.error(request, str(refusal))
        return redirect(audience)
    if given:
        messages.success(request, ngettext(
            "%(points)s points were given to %(count)s customer.",
            "%(points)s points were given to %(count)s customers.", given) % {
            "points": formatting.number(data["points"]), "count": formatting.number(given)})
    else:
        messages.info(request, _("These points were given already; nothing changed."))
    return redirect(audience)


def _audience_form(request, audience: Audience):
    if request.method == "POST":
        form = AudienceForm(request.POST, instance=audience)
        filters = audiences.AudienceFilterForm(request.POST)
    else:
        form = AudienceForm(instance=audience)
        # A new audience opens with the customer list's filters it came from.
        filters = audiences.filter_form(audience.query if audience.pk
                                        else request.GET.urlencode())
    if request.method == "POST" and form.is_valid() and filters.is_valid():
        audience = form.save(commit=False)
        audience.query = filters_query(filters)
        audience.save()
        messages.success(request, _("The audience was saved."))
        return redirect(audience)
    count = audiences.members(Audience(query=filters_query(filters))).count() \
        if filters.is_valid() else None
    return render(request, "campaigns/audience.html", {
        "audience": audience, "form": form, "filters": filters, "count": count,
        "list_url": _as_customer_list(filters, audience),
        "reward_form": _reward_form(request.user) if audience.pk else None})


def _as_customer_list(filters, audience: Audience) -> str | None:
    """Return the customer list showing the audience, when the list's filters say it all
    (behaviour and analytics filters, and exclusions, are the audience's own)."""
    if not filters.is_valid() or audience.exclude_id:
        return None
    query = QueryDict(filters_query(filters))
    if set(query) - set(CustomerFilterForm.base_fields):
        return None
    return reverse("customers:list") + "?" + query.urlencode()


@login_required
def audience_count(request):
    """Return {"count": members} of the filters in the query string (the live count)."""
    _require(request.user, "campaigns.view_audience")
    filters = audiences.AudienceFilterForm(request.GET)
    if not filters.is_valid():
        return JsonResponse({"count": None, "errors": filters.errors}, status=400)
    count = audiences.members(Audience(query=filters_query(filters))).count()
    return JsonResponse({"count": count})


@login_required
def offer_new(request):
    _require(request.user, "campaigns.add_offer")
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The offer was saved."))
        return redirect("campaigns:list")
    return render(request, "campaigns/offer.html", {"form": form})


@login_required
def offer_edit(request, pk: int):
    _require(request.user, "campaigns.change_offer")
    form = OfferForm(request.POST or None, instance=get_object_or_404(Offer, pk=pk))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The offer was saved."))
        return redirect("campaigns:list")
    return render(request, "campaigns/offer.html", {"form": form})
