"""Referrals: a code per customer, the referral it records, and the referrer's reward.

A referral is recorded when a customer acquired from the programme's start on is created
with ``referred_by`` (``record_missing``, from the worker) or redeems a friend's code
(``redeem_code``). It is refused at once, with
its reason, when the referrer is the customer themself or shares their email or phone
digits. A pending referral is decided once the referred customer's first order that is not
cancelled has passed the return window (``Programme.pending_days``): refused when that
order was returned (in part or whole) or later cancelled, refused when the referrer has had
``referral_cap_per_month`` rewards in the calendar month (the shop's), else rewarded with
``referral_bonus`` points under the key ``referral:<referral>``; refused too when that
order's window ended over 30 days ago (history imported, or rewards switched on late).
Nothing is dropped silently: every refusal keeps its reason on the referral.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.customers.models import Customer
from tenure.crm.sales.models import Order, OrderStatus, Return

from . import bonuses, ledger
from .models import Programme, Referral, ReferralCode, ReferralStatus

# No 0/O, 1/I/L: a code read aloud or copied from paper cannot be mistaken.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 7


def code_for(customer: Customer) -> str:
    """Return the customer's referral code, made the first time it is asked for."""
    found = ReferralCode.objects.filter(customer=customer).first()
    while found is None:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        try:
            with transaction.atomic():
                found = ReferralCode.objects.create(customer=customer, code=code)
        except IntegrityError:
            # The code was taken, or another call made this customer's code meanwhile.
            found = ReferralCode.objects.filter(customer=customer).first()
    return found.code


def normalise(code: str) -> str:
    """Return ``code`` as stored: upper case, without spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()


def redeem_code(customer: Customer, code: str, now: datetime | None = None) -> Referral:
    """Record that ``customer`` was referred by the owner of ``code``; a customer is
    referred once, so a second code returns the first referral unchanged."""
    owner = ReferralCode.objects.filter(code=normalise(code)).select_related("customer").first()
    if owner is None:
        raise ValueError(_("No customer has the referral code “%(code)s”.") % {"code": code})
    if (found := Referral.objects.filter(referred=customer).first()) is not None:
        return found
    if customer.referred_by_id is None:
        customer.referred_by = owner.customer
        Customer.objects.filter(pk=customer.pk, referred_by__isnull=True).update(
            referred_by=owner.customer)
    return record(owner.customer, customer, normalise(code), now)


def record(referrer: Customer, referred: Customer, code: str = "",
           now: datetime | None = None) -> Referral:
    """Record the referral, refused at once with its reason when it is a self-referral."""
    now = now or timezone.now()
    refusal = self_referral(referrer, referred)
    referral, _created = Referral.objects.get_or_create(referred=referred, defaults={
        "referrer": referrer, "code": code, "created_at": now,
        "status": ReferralStatus.REFUSED if refusal else ReferralStatus.PENDING,
        "reason": refusal, "decided_at": now if refusal else None})
    return referral


def self_referral(referrer: Customer, referred: Customer) -> str:
    """Return why the referral is one's own (empty when it is not)."""
    if referrer.pk == referred.pk:
        return _("A customer cannot refer themself.")
    if referrer.email and referrer.email.strip().lower() == referred.email.strip().lower():
        return _("The referrer has the same email.")
    if referrer.phone_digits and referrer.phone_digits == referred.phone_digits:
        return _("The referrer has the same phone number.")
    return ""


def record_missing(now: datetime | None = None) -> int:
    """Record a referral for each customer with ``referred_by`` and none yet, who was
    acquired on or after the programme's start (a referral from before the programme is
    no referral of it); return how many."""
    recorded = Referral.objects.filter(referred_id=OuterRef("pk"))
    missing = (Customer.objects.filter(referred_by__isnull=False).exclude(Exists(recorded))
               .select_related("referred_by").order_by("pk"))
    start = Programme.current().starts_at
    if start is not None:
        missing = missing.exclude(acquired_on__lt=timezone.localdate(start))
    count = 0
    for customer in missing.iterator(chunk_size=500):
        record(customer.referred_by, customer, now=now)
        count += 1
    return count


def first_order(customer_id: int) -> Order | None:
    """Return the customer's first order that is not cancelled."""
    return (Order.objects.filter(customer_id=customer_id)
            .exclude(status=OrderStatus.CANCELLED).order_by("ordered_at", "pk").first())


def decide_due(now: datetime | None = None) -> tuple[int, int]:
    """Reward or refuse each pending referral whose referred customer's first order has
    passed the return window; return how many were rewarded and refused."""
    now = now or timezone.now()
    programme = Programme.current()
    if not programme.referral_bonus:
        return 0, 0
    window_start = now - timedelta(days=programme.pending_days)
    rewarded = refused = 0
    # Only those with an order past its window: a friend who never buys is not read again
    # every five minutes.
    due = (Order.objects.filter(customer_id=OuterRef("referred_id"), ordered_at__lte=window_start)
           .exclude(status=OrderStatus.CANCELLED))
    pending = (Referral.objects.filter(Exists(due), status=ReferralStatus.PENDING)
               .order_by("created_at", "pk"))
    for referral in pending.iterator(chunk_size=500):
        order = first_order(referral.referred_id)
        if order is None or order.ordered_at > window_start:
            continue
        if decide(referral, order, programme, now) == ReferralStatus.REWARDED:
            rewarded += 1
        else:
            refused += 1
    return rewarded, refused


def decide(referral: Referral, order: Order, programme: Programme, now: datetime) -> str:
    """Reward or refuse the referral whose first order is ``order``; return its status."""
    with transaction.atomic():
        # The referrer's account lock orders the decisions of one referrer, so two workers
        # cannot both count the month's rewards below the cap and both reward.
        ledger.locked_account(referral.referrer_id)
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status != ReferralStatus.PENDING:
            return referral.status
        reason = _refusal(referral, order, programme, now)
        if reason:
            Referral.objects.filter(pk=referral.pk).update(
                status=ReferralStatus.REFUSED, reason=reason, decided_at=now)
            return ReferralStatus.REFUSED
        entry = ledger.grant(
            referral.referrer_id, programme.referral_bonus,
            _("Referral bonus: %(customer)s's first order was kept")
            % {"customer": referral.referred}, key=f"referral:{referral.pk}",
            cause=f"referral:{referral.referred_id}", now=now)
        Referral.objects.filter(pk=referral.pk).update(
            status=ReferralStatus.REWARDED, decided_at=now, entry=entry)
        return ReferralStatus.REWARDED


def _refusal(referral: Referral, order: Order, programme: Programme, now: datetime) -> str:
    if order.ordered_at < now - timedelta(days=programme.pending_days) - bonuses.RECENT:
        # An old referral imported, or rewards switched on: not paid for years of history.
        return _("The referred customer's first order was placed long before the reward "
                 "was due.")
    if order.status == OrderStatus.RETURNED or Return.objects.filter(order=order).exists():
        return _("The referred customer's first order was returned.")
    cap = programme.referral_cap_per_month
    if cap and _rewarded_this_month(referral.referrer_id, now) >= cap:
        return _("The referrer has had %(cap)s referral rewards this month, the most "
                 "allowed.") % {"cap": cap}
    return ""


def _rewarded_this_month(referrer_id: int, now: datetime) -> int:
    shop = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(shop)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return Referral.objects.filter(referrer_id=referrer_id, status=ReferralStatus.REWARDED,
                                   decided_at__gte=start, decided_at__lt=end).count()


def catch_up(now: datetime | None = None) -> str:
    """Record the new referrals and decide the due ones (the worker); return what it did."""
    recorded = record_missing(now)
    rewarded, refused = decide_due(now)
    return f"referrals recorded {recorded}, rewarded {rewarded}, refused {refused}"
