"""Run the campaigns: find who each step reaches now, hold out the control group, queue
the rest's messages with their coupons, in batches, each in one transaction.

Exactly once per customer, step and occasion, whatever crashes: the delivery row and its
message are written in the same transaction, the delivery is unique per (step, customer,
occasion) and the message's key per the same, and a batch only takes the customers that
have no delivery yet. The outbox's worker sends the messages (quiet hours, frequency cap
and consent are checked again there).
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.template import Context, Engine
from django.utils import formats, timezone, translation

from tenure.analytics.uplift import global_control, holdout
from tenure.crm.customers.models import Customer
from tenure.crm.feedback.models import Answer
from tenure.crm.lib import bulk
from tenure.crm.loyalty import bonuses, tiers
from tenure.crm.loyalty.models import Account
from tenure.crm.messaging.models import Message, MessageChannel
from tenure.crm.sales.models import Order, OrderStatus

from . import audiences, links, triggers
from .models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Coupon,
    Delivery,
    Group,
    OfferKind,
    Step,
)

log = logging.getLogger(__name__)

BATCH = 2000
# Coupon codes: no 0/O, 1/I/L, so a code read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_RANDOM = random.SystemRandom()
# What a step's text can name: {{ name }}, {{ coupon }}, {{ valid_until }}, {{ offer }}, {{ link }},
# {{ tier }} and {{ keep_tier }} (the loyalty tier held, and what it takes to keep or reach one).
ENGINE = Engine(autoescape=False)
# A step naming these reads each recipient's loyalty account (a few queries each).
NAMES_TIER = re.compile(r"{{\s*(tier|keep_tier)\b")
CUSTOMER_FIELDS = ("pk", "name", "email", "phone", "telegram_chat_id", "language",
                   "time_zone", "consent_email", "consent_sms", "consent_messenger")


@dataclass
class Outcome:
    """What one run did to one campaign."""

    sent: int = 0
    held_out: int = 0
    # Customers the trigger fired for who have no channel they agree to be written on.
    unreachable: int = 0
    errors: list[str] = field(default_factory=list)

    def __iadd__(self, other: Outcome) -> Outcome:
        self.sent += other.sent
        self.held_out += other.held_out
        self.unreachable += other.unreachable
        self.errors += other.errors
        return self


def run_due(now: datetime | None = None) -> dict:
    """Run every active campaign (the worker's job); a failing campaign is reported and
    the others still run."""
    now = now or timezone.now()
    total = Outcome()
    campaigns = 0
    for campaign in Campaign.objects.filter(status=CampaignStatus.ACTIVE).select_related(
            "audience", "offer"):
        campaigns += 1
        try:
            total += run(campaign, now)
        except triggers.TriggerError as error:
            total.errors.append(f"{campaign.name}: {error}")
    return {"campaigns": campaigns, "sent": total.sent, "held_out": total.held_out,
            "unreachable": total.unreachable, "errors": total.errors}


def run(campaign: Campaign, now: datetime | None = None, *, progress=None) -> Outcome:
    """Reach whoever the campaign's steps are due for at ``now``."""
    now = now or timezone.now()
    outcome = Outcome()
    if campaign.starts_at and campaign.starts_at > now:
        return outcome
    if campaign.ends_at and campaign.ends_at <= now:
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.FINISHED)
        return outcome
    numbers = stages(campaign)
    if not numbers:
        return outcome
    members = audiences.members(campaign.audience)
    due = triggers.due(campaign, members, now)
    outcome += _reach(campaign, numbers[0], list(due.items()), now, progress=progress)
    for previous, variants in zip(numbers, numbers[1:], strict=False):
        outcome += _reach_next(campaign, numbers[0], previous, variants, now)
    return outcome


def stages(campaign: Campaign) -> list[list[Step]]:
    """Return the campaign's steps by number, each number's variants in order."""
    found: dict[int, list[Step]] = {}
    for step in campaign.steps.order_by("number", "variant"):
        found.setdefault(step.number, []).append(step)
    return [found[number] for number in sorted(found)]


def variant_of(campaign: Campaign, customer: int, variants: list[Step]) -> Step:
    """Return the variant a treated customer gets: the same one every time it is asked."""
    if len(variants) == 1:
        return variants[0]
    digest = hashlib.blake2b(f"{campaign.pk}:{customer}:variant".encode(), digest_size=8)
    return variants[int.from_bytes(digest.digest(), "big") % len(variants)]


# (customer, occasion) -> (group, step) of a customer already on the campaign's path.
Assigned = dict[tuple[int, str], tuple[str, Step]]


def _reach(campaign: Campaign, variants: list[Step], pending: list[tuple[int, str]],
           now: datetime, *, assigned: Assigned | None = None, progress=None) -> Outcome:
    outcome = Outcome()
    for start in range(0, len(pending), BATCH):
        batch = pending[start:start + BATCH]
        done = set(Delivery.objects.filter(
            step__in=variants, customer_id__in=[pk for pk, _ in batch]
        ).values_list("customer_id", "occasion"))
        batch = [(pk, occasion) for pk, occasion in batch if (pk, occasion) not in done]
        if batch:
            try:
                outcome += _write(campaign, variants, batch, now, assigned)
            except IntegrityError:
                # Another runner wrote some of these at the same time; the next run
                # takes whoever is still missing.
                log.warning("campaign %s step %s: a concurrent run; retrying later",
                            campaign.pk, variants[0].number)
        if progress:
            progress(len(batch))
    return outcome


@transaction.atomic
def _write(campaign: Campaign, variants: list[Step], batch: list[tuple[int, str]],
           now: datetime, assigned: Assigned | None) -> Outcome:
    """Write one batch's deliveries, and the treated ones' coupons and messages.

    Rows go in as tuples (`lib.bulk.insert`), a few times faster than model instances;
    the messages' and deliveries' ids are read back by their unique keys.
    """
    outcome = Outcome()
    customers = {row["pk"]: row for row in Customer.objects.filter(
        pk__in=[pk for pk, _ in batch]).values(*CUSTOMER_FIELDS)}
    reachable = []
    for pk, occasion in batch:
        customer = customers.get(pk)
        where = customer and address(campaign.channel, customer)
        if where:
            reachable.append((customer, occasion, where))
        else:
            outcome.unreachable += 1
    if not reachable:
        return outcome
    if assigned is None:
        chosen = assign_groups(campaign, [customer["pk"] for customer, _, _ in reachable])
    writer = _Writer(campaign, variants, now)
    if writer.tiered:
        writer.accounts = {account.customer_id: account for account in Account.objects.filter(
            customer__in=[customer["pk"] for customer, _, _ in reachable]
        ).select_related("tier")}
    for customer, occasion, where in reachable:
        if assigned is not None:
            group, step = assigned[customer["pk"], occasion]
        else:
            group = chosen[customer["pk"]]
            step = variant_of(campaign, customer["pk"], variants) \
                if group == Group.TREATED else variants[0]
        if group == Group.TREATED:
            writer.treat(step, customer, occasion, where)
        else:
            writer.hold_out(step, customer, occasion, group)
    writer.save()
    outcome.sent += len(writer.messages)
    outcome.held_out += len(writer.deliveries) - len(writer.messages)
    return outcome


MESSAGE_FIELDS = ["channel", "template", "language", "customer", "to_email", "to_address",
                  "subject", "body_text", "topic", "key", "message_id", "marketing",
                  "time_zone", "send_after", "created_at"]


class _Writer:
    """The rows of one batch, as tuples for `lib.bulk.insert`."""

    def __init__(self, campaign: Campaign, variants: list[Step], now: datetime):
        self.campaign, self.variants, self.now = campaign, variants, now
        self.texts = {step.pk: _compiled(step) for step in variants}
        self.tiered = any(names_tier(step) for step in variants)
        self.accounts: dict[int, Account] = {}
        self.deliveries: list[list] = []
        self.messages: list[tuple] = []
        self.coupons: list[tuple] = []
        offer = campaign.offer if campaign.offer_id else None
        # A bonus is points in the customer's loyalty account, given with the message; the
        # other offers are a coupon of their own.
        self.bonus = int(offer.value) if offer and offer.kind == OfferKind.BONUS else 0
        self.rewarded: dict[tuple[int, str], list[int]] = {}
        self.valid_until = now + timedelta(days=offer.valid_days) \
            if offer and not self.bonus else None
        self.dates: dict[str, str] = {}
        self.footers: dict[tuple[str, str], str] = {}
        self.msgid = make_msgid(domain="tenure")[1:-1].split("@")[0]

    def hold_out(self, step: Step, customer: dict, occasion: str, group: str) -> None:
        self.deliveries.append([step.pk, customer["pk"], occasion, group, self.now, None])

    def treat(self, step: Step, customer: dict, occasion: str, where: tuple[str, str]) -> None:
        key = message_key(step, customer["pk"], occasion)
        self.deliveries.append([step.pk, customer["pk"], occasion, Group.TREATED,
                                self.now, key])
        coupon = None
        if self.bonus:
            self.rewarded.setdefault((step.pk, occasion), []).append(customer["pk"])
        if self.valid_until is not None:
            coupon = new_code(self.campaign.offer.code_prefix)
            self.coupons.append((coupon, customer["pk"], occasion))
        language = customer["language"] or settings.LANGUAGE_CODE
        channel, to = where
        signed = links.token(step.pk, customer["pk"], occasion)
        values = {"name": customer["name"], "coupon": coupon or "", "offer": "",
                  "valid_until": "", "link": links.click_url(signed), "tier": "",
                  "keep_tier": ""}
        if self.tiered:
            with translation.override(language):
                values.update(loyalty_values(self.accounts.get(customer["pk"]), self.now))
        if coupon or self.bonus:
            values["offer"] = str(self.campaign.offer)
        if coupon:
            values["valid_until"] = self._date(language)
        subject, text = _fill(self.texts[step.pk], language, values)
        text += "\n" + self._footer(language, channel, signed) + "\n"
        email = channel == MessageChannel.EMAIL
        self.messages.append((
            channel, "campaign", language, customer["pk"], to if email else "",
            "" if email else to, subject, text, f"campaign:{self.campaign.pk}", key,
            f"<{self.msgid}.{len(self.messages)}.{secrets.token_hex(4)}@tenure>", True,
            customer["time_zone"] or settings.TIME_ZONE, self.now, self.now))

    def _footer(self, language: str, channel: str, signed: str) -> str:
        if (language, channel) not in self.footers:
            with translation.override(language):
                self.footers[language, channel] = links.footer(channel, "\0")
        return self.footers[language, channel].replace("\0", signed)

    def _date(self, language: str) -> str:
        if language not in self.dates:
            with translation.override(language):
                self.dates[language] = formats.date_format(self.valid_until.date())
        return self.dates[language]

    def save(self) -> None:
        bulk.insert(Message, MESSAGE_FIELDS, self.messages)
        keys = [row[9] for row in self.messages]
        message_ids = dict(Message.objects.filter(key__in=keys).values_list("key", "pk"))
        for row in self.deliveries:
            row[5] = message_ids.get(row[5])
        bulk.insert(Delivery, ["step", "customer", "occasion", "group", "at", "message"],
                    [tuple(row) for row in self.deliveries])
        if self.coupons:
            delivery_ids = {
                (customer, occasion): pk for customer, occasion, pk in
                Delivery.objects.filter(step__in=self.variants,
                                        customer__in=[c for _, c, _ in self.coupons])
                .values_list("customer", "occasion", "pk")}
            bulk.insert(Coupon, ["code", "offer", "delivery", "customer", "valid_until"], [
                (code, self.campaign.offer_id, delivery_ids[customer, occasion], customer,
                 self.valid_until) for code, customer, occasion in self.coupons])
        for (step, occasion), customers in self.rewarded.items():
            # Once per step, occasion and customer (the reward's key), as the message.
            bonuses.reward(customers, self.bonus, str(self.campaign), now=self.now,
                           key=f"campaign:{step}:{occasion}", cause=f"campaign:{self.campaign.pk}")


def _fill(texts: dict, language: str, values: dict) -> tuple[str, str]:
    subject, body = texts.get(language) or texts[settings.LANGUAGE_CODE]
    context = Context(values)
    return " ".join(subject.render(context).split()), body.render(context).strip() + "\n"


def new_code(prefix: str) -> str:
    """Return a fresh coupon code: the offer's prefix and 8 random unambiguous characters."""
    return prefix.upper() + "".join(_RANDOM.choices(CODE_ALPHABET, k=CODE_LENGTH))


def assign_groups(campaign: Campaign, customer_ids: list[int]) -> dict[int, str]:
    """Return each customer's group: the global control group first, then the campaign's."""
    share = settings.TENURE_GLOBAL_CONTROL
    everywhere = global_control(customer_ids, share) if share else [False] * len(customer_ids)
    held = holdout(customer_ids, campaign.pk, campaign.holdout)
    return {pk: Group.GLOBAL if g else Group.CONTROL if h else Group.TREATED
            for pk, g, h in zip(customer_ids, everywhere, held, strict=True)}


def address(channel: str, customer: dict) -> tuple[str, str] | None:
    """Return (channel, address) the customer can be written on, or None.

    Marketing needs the channel's consent; the best channel is Telegram if they bound a
    chat, else SMS, else email.
    """
    options = {
        MessageChannel.TELEGRAM: (customer["consent_messenger"], customer["telegram_chat_id"]),
        MessageChannel.SMS: (customer["consent_sms"], customer["phone"]),
        MessageChannel.EMAIL: (customer["consent_email"], customer["email"]),
    }
    wanted = list(options) if channel == CampaignChannel.BEST else [channel]
    for option in wanted:
        agrees, to = options[option]
        if agrees and to:
            return option, to
    return None


def _compiled(step: Step) -> dict[str, tuple]:
    compiled = {}
    for code, _name in settings.LANGUAGES:
        subject, body = step.text(code)
        compiled[code] = (ENGINE.from_string(subject), ENGINE.from_string(body))
    return compiled


def names_tier(step: Step) -> bool:
    """Return whether the step's text, in any language, names {{ tier }} or {{ keep_tier }}."""
    return any(NAMES_TIER.search(getattr(step, f"{part}_{code}"))
               for code, _name in settings.LANGUAGES for part in ("subject", "body"))


def loyalty_values(account: Account | None, now: datetime) -> dict:
    """Return {{ tier }} and {{ keep_tier }} of ``account`` (empty without one), in the
    active language: the tier held, and the preview's "spend X more by D to keep T"."""
    if account is None:
        return {"tier": "", "keep_tier": ""}
    return {"tier": account.tier.name if account.tier_id else "",
            "keep_tier": tiers.preview(account, now).sentence}


def context(campaign: Campaign, customer: dict, coupon: Coupon | None, *,
            tiered: bool = True) -> dict:
    """Return what a step's text may name, for ``customer`` (already in their language);
    their loyalty tier only when ``tiered`` (the step names it)."""
    values = {"name": customer["name"], "coupon": "", "valid_until": "", "offer": "",
              "link": campaign.link, "tier": "", "keep_tier": ""}
    if tiered and customer["pk"] is not None:
        account = Account.objects.filter(customer=customer["pk"]).select_related("tier")
        values.update(loyalty_values(account.first(), timezone.now()))
    if coupon is not None:
        values.update(coupon=coupon.code,
                      valid_until=formats.date_format(coupon.valid_until.date()),
                      offer=str(campaign.offer))
    return values


def render(campaign: Campaign, step: Step, customer: dict, coupon: Coupon | None = None,
           texts: dict | None = None) -> tuple[str, str, str]:
    """Return (language, subject, text) of ``step`` for ``customer``."""
    language = customer["language"] or settings.LANGUAGE_CODE
    with translation.override(language):
        values = context(campaign, customer, coupon, tiered=names_tier(step))
    return (language, *_fill(texts or _compiled(step), language, values))


def message_key(step: Step, customer: int, occasion: str) -> str:
    return f"campaign:{step.pk}:{customer}:{occasion}"


def _reach_next(campaign: Campaign, first: list[Step], previous: list[Step],
                variants: list[Step], now: datetime) -> Outcome:
    """Reach, the next step's wait after ``previous``, those who have not converted since
    the campaign first reached them; the control group follows the same path, and a
    treated customer keeps their variant's letter where the next step has it."""
    wait = timedelta(days=variants[0].wait_days)
    converted = Order.objects.exclude(status=OrderStatus.CANCELLED).filter(
        customer=OuterRef("customer"), ordered_at__gte=OuterRef("first_at"))
    already = Delivery.objects.filter(step__in=variants, customer=OuterRef("customer"),
                                      occasion=OuterRef("occasion"))
    started = Delivery.objects.filter(step__in=first, customer=OuterRef("customer"),
                                      occasion=OuterRef("occasion")).values("at")[:1]
    ready = (Delivery.objects.filter(step__in=previous, at__lte=now - wait)
             .annotate(first_at=Subquery(started))
             .exclude(Exists(already)).exclude(Exists(converted)))
    if variants[0].skip_answered:
        ready = ready.exclude(Exists(Answer.objects.filter(
            customer=OuterRef("customer"), answered_at__gte=OuterRef("first_at"))))
    ready = (ready
             .values_list("customer_id", "occasion", "group", "step__variant"))
    letters = {step.variant: step for step in variants}
    assigned: Assigned = {}
    for customer, occasion, group, letter in ready:
        assigned[customer, occasion] = (group, letters.get(letter, variants[0]))
    return _reach(campaign, variants, list(assigned), now, assigned=assigned)


def redeem_coupons(orders: Iterable[Order] | None = None) -> int:
    """Record the coupons that orders carry (an imported order's ``coupon_code``); return
    how many were redeemed. A code is redeemed once, by its own customer, while valid."""
    orders = orders if orders is not None else Order.objects.exclude(coupon_code="").filter(
        coupon__isnull=True)
    redeemed = 0
    for order in orders:
        with transaction.atomic():
            taken = Coupon.objects.filter(
                code=order.coupon_code.strip().upper(), customer=order.customer_id,
                order__isnull=True, valid_until__gte=order.ordered_at,
            ).update(order=order, redeemed_at=order.ordered_at, cost=order.discount)
            redeemed += taken
    return redeemed
