"""Campaigns at scale: an audience over 1,000,000 customers, every trigger evaluated over
them, and a campaign queued to 100,000 of them, each message in their language with their
own coupon.

Run by ``bench/run.py`` in its own process: ``python bench/campaigns_bench.py --json OUT``
with ``TENURE_DATABASE_URL`` pointing at an empty database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")
os.environ["TENURE_DEBUG"] = "0"

ZONES = ["", "Europe/Kyiv", "Europe/Moscow", "Asia/Vladivostok", "Europe/Warsaw"]
CITIES = ["Kyiv", "Lviv", "Odesa", "Kharkiv", "Dnipro", "Moscow", "Warsaw", "Zaporizhzhia",
          "Vinnytsia", "Poltava"]
SEGMENTS = ["champions", "loyal", "potential_loyalists", "new_customers", "promising",
            "need_attention", "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost"]
NOW = datetime(2027, 3, 14, 22, 30, tzinfo=UTC)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--queued", type=int, default=100_000,
                        help="customers the one-off campaign reaches")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    build(args.customers, args.queued, random.Random(args.seed))
    result = {"customers": args.customers, "build_seconds": time.perf_counter() - started}
    result.update(measure(args.customers))
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with open(args.json, "w") as f:
        json.dump(result, f)
    return 0


def build(customers: int, queued: int, rng: random.Random) -> None:
    """Write ``customers`` customers with stats and a snapshot; ``queued`` of them in
    the city the one-off campaign targets (Ternopil)."""
    from django.db import transaction

    from tenure.crm.customers import search_index
    from tenure.crm.customers.models import Customer, CustomerStats
    from tenure.crm.insights.models import CustomerSnapshot
    from tenure.crm.lib import bulk
    from tenure.crm.sales.models import Order

    share = queued / customers
    rows, stats, snapshots, orders = [], [], [], []
    for pk in range(1, customers + 1):
        city = "Ternopil" if rng.random() < share else rng.choice(CITIES)
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55)) \
            if rng.random() < 0.7 else None
        rows.append((pk, f"Customer {pk}", f"c{pk}@example.org", city, born,
                     rng.choice(["", "ru", "uk", "en"]), rng.choice(ZONES),
                     rng.random() < 0.9, rng.random() < 0.5))
        if rng.random() < 0.8:
            last = NOW - timedelta(days=rng.randrange(1, 1000), hours=rng.randrange(24))
            n = rng.randrange(1, 12)
            stats.append((pk, n, Decimal(rng.randrange(10, 5000)), last))
            orders.append((pk, f"o{pk}", last, Decimal("50")))
            snapshots.append((pk, NOW.date(), n, rng.choice(SEGMENTS), rng.random(),
                              rng.random(), Decimal(rng.randrange(0, 2000))))
    with transaction.atomic(), search_index.inserting():
        bulk.insert(Customer, ["id", "name", "email", "city", "birth_date", "language",
                               "time_zone", "consent_email", "consent_sms"], rows)
    with transaction.atomic():
        bulk.insert(CustomerStats, ["customer", "orders_count", "revenue", "last_purchase"],
                    stats)
        bulk.insert(Order, ["customer", "external_id", "ordered_at", "total"], orders)
        bulk.insert(CustomerSnapshot, ["customer", "taken_on", "orders", "segment",
                                       "churn_risk", "p_alive", "clv"], snapshots)
    bulk.reset_sequences(Customer, Order, CustomerSnapshot)


def measure(customers: int) -> dict:
    from tenure.crm.campaigns import audiences, running, triggers
    from tenure.crm.campaigns.models import (
        Audience,
        Campaign,
        CampaignStatus,
        Offer,
        Step,
        Trigger,
    )
    from tenure.crm.messaging.models import Message

    result = {}
    audience = Audience.objects.create(
        name="Risky email customers",
        query="consent=email&churn_risk_min=0.5&orders_min=2&language=uk")
    started = time.perf_counter()
    ids = list(audiences.members(audience).values_list("pk", flat=True))
    result["audience_seconds"] = time.perf_counter() - started
    result["audience_members"] = len(ids)

    settings = {
        Trigger.BIRTHDAY: {}, Trigger.DATE: {"dates": "2027-03-14\n2027-03-15"},
        Trigger.WIN_BACK: {"threshold": 0.8}, Trigger.SEGMENT_ENTRY: {"segment": "at_risk"},
        Trigger.AFTER_PURCHASE: {"days": 30}, Trigger.INACTIVITY: {"days": 90},
    }
    everyone = audiences.members(None)
    trigger_times = {}
    for trigger, extra in settings.items():
        campaign = Campaign(name=trigger, trigger=trigger, **extra)
        started = time.perf_counter()
        fired = triggers.due(campaign, everyone, NOW)
        trigger_times[trigger] = {"seconds": time.perf_counter() - started, "fired": len(fired)}
    result["triggers"] = trigger_times
    result["triggers_seconds"] = sum(t["seconds"] for t in trigger_times.values())

    offer = Offer.objects.create(name="10 %", value=Decimal("10"), code_prefix="B")
    target = Audience.objects.create(name="Ternopil", query="city=Ternopil")
    campaign = Campaign.objects.create(
        name="One-off", trigger=Trigger.ONE_OFF, audience=target, offer=offer,
        status=CampaignStatus.ACTIVE, holdout=0.1)
    Step.objects.create(
        campaign=campaign, subject_en="A gift for you, {{ name }}",
        body_en="Hello {{ name }}, your code {{ coupon }} is valid until {{ valid_until }}.",
        subject_ru="Подарок для вас, {{ name }}",
        body_ru="Здравствуйте, {{ name }}! Ваш код {{ coupon }} действует до {{ valid_until }}.",
        subject_uk="Подарунок для вас, {{ name }}",
        body_uk="Вітаємо, {{ name }}! Ваш код {{ coupon }} діє до {{ valid_until }}.")
    started = time.perf_counter()
    outcome = running.run(campaign, NOW)
    result["queue_seconds"] = time.perf_counter() - started
    result["queue_sent"] = outcome.sent
    result["queue_held_out"] = outcome.held_out
    result["queue_unreachable"] = outcome.unreachable
    result["ternopil"] = target and audiences.members(target).count()
    result["messages"] = Message.objects.count()
    result["languages"] = sorted(set(Message.objects.values_list("language", flat=True)))
    return result


if __name__ == "__main__":
    raise SystemExit(main())
