"""Write the demo's campaigns as the campaigns app writes its own: each campaign with its
step (and offer), a delivery per customer and occasion, treated or held out, at the
moment of the send, the treated customers' messages (sent) and coupons, and the coupons
redeemed by the orders that carry them.

The campaign rows are made before the shop is simulated and kept from one build to the
next: the control group is a hash of the campaign's id and the customer's
(`running.assign_groups`), so the simulation needs both ids first (``group_assigner``).
"""

from __future__ import annotations

from email.utils import make_msgid

import numpy as np
from django.conf import settings
from django.db import connection

from tenure.crm.accounts.models import User
from tenure.crm.campaigns.models import (
    Audience,
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Coupon,
    Delivery,
    Group,
    Offer,
    OfferKind,
    Step,
)
from tenure.crm.campaigns.running import assign_groups
from tenure.crm.customers.models import Customer
from tenure.crm.lib.bulk import reset_sequences
from tenure.crm.messaging.models import Message, MessageChannel, MessageStatus
from tenure.crm.sales.models import Order

from . import marketing
from .loading import SOURCE
from .marketing import PLANS, WINDOW_DAYS
from .people import LANGUAGES
from .world import Shop
from .writing import Clock, constant, ids, insert, next_id, values

MODELS = [Delivery, Message, Coupon]
# Each plan's audience (name, `audiences.AudienceFilterForm` query), None for everyone.
AUDIENCES = {
    marketing.BIRTHDAY: None,
    marketing.WIN_BACK: ("At risk", "segment=at_risk"),
    marketing.HOLIDAY: ("Bought in the last year", f"bought_within={marketing.ACTIVE_DAYS}"),
}
OFFER = "10 % off the next order (demo)"
# Each plan's message: (subject, text) in English, Russian and Ukrainian. They name
# {{ name }} and {{ coupon }} only, which `render` fills as the campaign's templates would.
TEXTS = {
    marketing.BIRTHDAY: {
        "en": ("Happy birthday, {{ name }}!",
               "{{ name }}, happy birthday from all of us! May the year ahead be a good one."),
        "ru": ("С днём рождения, {{ name }}!",
               "{{ name }}, поздравляем с днём рождения! Пусть год будет удачным."),
        "uk": ("З днем народження, {{ name }}!",
               "{{ name }}, вітаємо з днем народження! Нехай рік буде вдалим."),
    },
    marketing.WIN_BACK: {
        "en": ("We miss you, {{ name }}",
               "{{ name }}, it has been a while. Here is 10 % off your next order with the "
               "code {{ coupon }}, valid for 30 days."),
        "ru": ("Мы скучаем, {{ name }}",
               "{{ name }}, давно вас не видели. Вот скидка 10 % на следующий заказ по коду "
               "{{ coupon }}, действует 30 дней."),
        "uk": ("Ми сумуємо, {{ name }}",
               "{{ name }}, давно вас не бачили. Ось знижка 10 % на наступне замовлення за "
               "кодом {{ coupon }}, діє 30 днів."),
    },
    marketing.HOLIDAY: {
        "en": ("Happy holidays, {{ name }}!",
               "{{ name }}, happy holidays! Thank you for shopping with us."),
        "ru": ("С праздником, {{ name }}!",
               "{{ name }}, поздравляем с праздником! Спасибо, что вы с нами."),
        "uk": ("Зі святом, {{ name }}!",
               "{{ name }}, вітаємо зі святом! Дякуємо, що ви з нами."),
    },
}


def ensure_campaigns(marketer: User) -> list[Campaign]:
    """Return the demo's campaigns in ``PLANS`` order, made (with their step, audience and
    offer) when missing; a campaign keeps its id, so its control group, from build to
    build."""
    offer = Offer.objects.filter(name=OFFER).first() or Offer.objects.create(
        name=OFFER, kind=OfferKind.PERCENT, value=10, valid_days=30)
    campaigns = []
    for index, plan in enumerate(PLANS):
        campaign, _ = Campaign.objects.update_or_create(name=plan.name, defaults={
            "trigger": plan.trigger, "channel": CampaignChannel.EMAIL,
            "status": CampaignStatus.FINISHED, "holdout": plan.holdout,
            "window_days": WINDOW_DAYS, "created_by": marketer,
            "audience": _audience(AUDIENCES[index], marketer),
            "offer": offer if plan.coupon_percent else None,
        })
        texts = {f"{part}_{language}": text for language, pair in TEXTS[index].items()
                 for part, text in zip(("subject", "body"), pair, strict=True)}
        Step.objects.update_or_create(campaign=campaign, number=1, defaults=texts)
        campaign.steps.exclude(number=1).delete()
        campaigns.append(campaign)
    return campaigns


def _audience(named: tuple[str, str] | None, marketer: User) -> Audience | None:
    """Return the audience of this name, made with this query when missing."""
    if named is None:
        return None
    return Audience.objects.get_or_create(name=named[0], defaults={
        "query": named[1], "created_by": marketer})[0]


def group_assigner(campaigns: list[Campaign], first_customer: int) -> marketing.Assign:
    """Return `marketing.Assign` by the campaigns app's own assignment, for customers whose
    ids will start at ``first_customer``."""
    def assign(plan: int, customers: np.ndarray) -> np.ndarray:
        groups = assign_groups(campaigns[plan], (customers + first_customer).tolist())
        return np.array([group == Group.TREATED for group in groups.values()], dtype=bool)
    return assign


def row_count(shop: Shop) -> int:
    """Return how many rows ``load_campaigns`` writes."""
    deliveries = shop.campaigns
    if deliveries is None:
        return 0
    return (len(deliveries.at) + int(deliveries.treated.sum())
            + int((deliveries.coupon != "").sum()))


def load_campaigns(shop: Shop, campaigns: list[Campaign], first: dict, progress=None) -> None:
    """Write ``shop``'s campaign deliveries, messages and coupons; ``first`` holds the first
    id of the customers and orders written."""
    deliveries = shop.campaigns
    if deliveries is None:
        return
    clock = Clock(shop.start, (shop.end - shop.start).days)
    _date_campaigns(shop, campaigns, clock, deliveries)
    steps = np.array([campaign.steps.get(number=1).pk for campaign in campaigns])
    here = {model: next_id(model) for model in MODELS}
    customer = deliveries.customer + first[Customer]
    treated = np.flatnonzero(deliveries.treated)
    message = np.full(len(customer), -1)
    message[treated] = np.arange(len(treated))
    _load_messages(shop, clock, campaigns, steps, here, treated, first, progress)
    insert(Delivery, {
        "id": ids(here[Delivery], np.arange(len(customer))),
        "step": values(steps[deliveries.plan]), "customer": values(customer),
        "occasion": values(deliveries.occasion), "group": values(
            _groups(campaigns, deliveries, customer)),
        "at": clock.stamps(deliveries.at), "message": ids(here[Message], message),
        "clicked_at": constant(None),
    }, len(customer), progress)
    _load_coupons(shop, clock, campaigns, here, first, progress)
    reset_sequences(*MODELS)


def _date_campaigns(shop: Shop, campaigns, clock: Clock, deliveries) -> None:
    """Give each campaign the period it ran and the holiday greeting its dates."""
    begun = clock.moment(0)
    days = (shop.end - shop.start).days
    for index, campaign in enumerate(campaigns):
        sent = deliveries.at[deliveries.plan == index]
        campaign.starts_at = clock.moment(int(sent.min())) if len(sent) else begun
        campaign.ends_at = clock.moment(int(sent.max()) + 1) if len(sent) else begun
        campaign.created_at = begun
        campaign.dates = ("\n".join(d.isoformat() for d in marketing.holiday_days(
            shop.start, days)) if index == marketing.HOLIDAY else "")
        campaign.save(update_fields=["starts_at", "ends_at", "created_at", "dates"])


def _groups(campaigns, deliveries, customer: np.ndarray) -> np.ndarray:
    """Return each delivery's group by `assign_groups` (the global control group too)."""
    groups = np.empty(len(customer), dtype=object)
    for index, campaign in enumerate(campaigns):
        mine = np.flatnonzero(deliveries.plan == index)
        unique, inverse = np.unique(customer[mine], return_inverse=True)
        chosen = assign_groups(campaign, unique.tolist())
        groups[mine] = np.array([chosen[pk] for pk in unique.tolist()], dtype=object)[inverse]
    if not (deliveries.treated == (groups == Group.TREATED)).all():
        raise RuntimeError("the demo's campaigns changed their control groups while it was "
                           "being built")
    return groups


def render(text: str, name: str, coupon: str) -> str:
    """Return ``text`` with its {{ name }} and {{ coupon }} filled in."""
    return text.replace("{{ name }}", name).replace("{{ coupon }}", coupon)


def _load_messages(shop: Shop, clock: Clock, campaigns, steps, here: dict,
                   treated: np.ndarray, first: dict, progress) -> None:
    deliveries, profiles = shop.campaigns, shop.customers.profiles
    customer = deliveries.customer[treated]
    plan = deliveries.plan[treated]
    language = np.array(LANGUAGES)[profiles.locale[customer]]
    occasion, coupon = deliveries.occasion[treated], deliveries.coupon[treated]
    pks = customer + first[Customer]

    def written(part: int):
        def make(rows: slice) -> list[str]:
            made = []
            for p, c, lang, code in zip(plan[rows].tolist(), customer[rows].tolist(),
                                        language[rows].tolist(), coupon[rows].tolist(),
                                        strict=True):
                text = render(TEXTS[p][lang][part], profiles.name[c], code)
                made.append(" ".join(text.split()) if part == 0 else text.strip() + "\n")
            return made
        return make

    at = clock.stamps(deliveries.at[treated])
    topics = np.array([f"campaign:{c.pk}" for c in campaigns], dtype=object)
    step_pk = steps[plan]
    insert(Message, {
        "id": ids(here[Message], np.arange(len(customer))),
        "channel": constant(MessageChannel.EMAIL), "template": constant("campaign"),
        "language": values(language), "customer": values(pks),
        "to_email": lambda rows: [profiles.email[c] for c in customer[rows].tolist()],
        "marketing": constant(True), "time_zone": constant(settings.TIME_ZONE),
        "subject": written(0), "body_text": written(1), "topic": values(topics[plan]),
        "key": lambda rows: [f"campaign:{s}:{c}:{o}" for s, c, o in zip(
            step_pk[rows].tolist(), pks[rows].tolist(), occasion[rows].tolist(),
            strict=True)],
        "message_id": lambda rows: [make_msgid(domain="tenure")
                                    for _ in range(rows.stop - rows.start)],
        "status": constant(MessageStatus.SENT), "send_after": at, "attempts": constant(1),
        "sent_at": at, "created_at": at,
    }, len(customer), progress)


def _load_coupons(shop: Shop, clock: Clock, campaigns, here: dict, first: dict,
                  progress) -> None:
    deliveries, orders = shop.campaigns, shop.orders
    given = np.flatnonzero(deliveries.coupon != "")
    order = np.where(deliveries.coupon_used[given], deliveries.order[given], -1)
    redeemed = np.where(order >= 0, orders.at[np.maximum(order, 0)], -1)
    offers = np.array([c.offer_id or 0 for c in campaigns])
    valid = np.array([c.offer.valid_days if c.offer_id else 0 for c in campaigns])
    plan = deliveries.plan[given]
    cost = orders.discount[np.maximum(order, 0)]
    insert(Coupon, {
        "id": ids(here[Coupon], np.arange(len(given))), "code": values(deliveries.coupon[given]),
        "offer": values(offers[plan]), "delivery": ids(here[Delivery], given),
        "customer": values(deliveries.customer[given] + first[Customer]),
        "valid_until": clock.stamps(deliveries.at[given] + valid[plan] * 86400),
        "order": ids(first[Order], order), "redeemed_at": clock.stamps(redeemed),
        "cost": lambda rows: [None if o < 0 else f"{c // 100}.{c % 100:02d}" for o, c in zip(
            order[rows].tolist(), cost[rows].tolist(), strict=True)],
    }, len(given), progress)


def delete_campaign_data() -> None:
    """Delete the demo customers' coupons and deliveries (their messages go with the
    demo's other emails), each in one statement."""
    for model in (Coupon, Delivery):
        rows = model.objects.filter(customer__source=SOURCE)
        sql, params = rows.values("pk").query.sql_with_params()
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({sql})", params)
