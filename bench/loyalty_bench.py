"""The loyalty ledger at scale: earning for 1,000,000 imported orders (``catch_up``, with a
Silver and a Gold tier: their multipliers and the upgrades at once), the nightly release,
expiry and tier review over the 1,000,000 accounts they make (``nightly``; half the tiers
are made due for review, Silver's minimum raised), and the
statement of a customer with 10,000 entries; ``tenure loyalty check`` afterwards.

Run by ``bench/run.py`` in its own process: ``python bench/loyalty_bench.py --json OUT``
with ``TENURE_DATABASE_URL`` pointing at an empty database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")
os.environ["TENURE_DEBUG"] = "0"

NOW = datetime(2027, 3, 14, 22, 30, tzinfo=UTC)
STATEMENT_ENTRIES = 10_000
STATEMENT_RUNS = 30


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000,
                        help="imported orders, one per customer")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    build(args.orders, random.Random(args.seed))
    result = {"orders": args.orders, "build_seconds": time.perf_counter() - started}
    result.update(measure())
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with open(args.json, "w") as f:
        json.dump(result, f)
    return 0


def build(orders: int, rng: random.Random) -> None:
    """Write ``orders`` customers with one order each, placed over the two years before
    NOW (so at NOW most of their points are due for release and about half past their
    date), as the importer writes them: no ledger entry yet."""
    from django.db import transaction

    from tenure.crm.customers import search_index
    from tenure.crm.customers.models import Customer
    from tenure.crm.lib import bulk
    from tenure.crm.sales.models import Order

    customers = [(pk, f"Customer {pk}") for pk in range(1, orders + 1)]
    with transaction.atomic(), search_index.inserting():
        bulk.insert(Customer, ["id", "name"], customers)
    rows = [(pk, f"o{pk}", NOW - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
             Decimal(rng.randrange(100, 500_000)) / 100) for pk in range(1, orders + 1)]
    with transaction.atomic():
        bulk.insert(Order, ["customer", "external_id", "ordered_at", "total"], rows)
    bulk.reset_sequences(Customer, Order)


def measure() -> dict:
    from django.db import transaction

    from tenure.crm.lib import bulk
    from tenure.crm.loyalty import ledger
    from tenure.crm.loyalty.models import Account, Entry, Kind, Lot, Tier
    from tenure.crm.loyalty.statement import differences, statement

    result = {}
    Tier.objects.create(name="Silver", rank=1, min_spend=Decimal("2000"),
                        multiplier=Decimal("1.10"))
    Tier.objects.create(name="Gold", rank=2, min_spend=Decimal("4000"),
                        multiplier=Decimal("1.25"))
    started = time.perf_counter()
    result["catch_up"] = ledger.catch_up(now=NOW)
    result["earn_seconds"] = time.perf_counter() - started
    result["earned"] = Entry.objects.filter(kind=Kind.EARN).count()

    # Half the tiers reached come to their review tonight, and Silver now asks 3,000:
    # those of them below it fall.
    Tier.objects.filter(name="Silver").update(min_spend=Decimal("3000"))
    half = Account.objects.count() // 2
    Account.objects.filter(tier__isnull=False, pk__lte=half).update(
        tier_review=NOW - timedelta(hours=1))
    result["tiered"] = Account.objects.filter(tier__isnull=False).count()
    started = time.perf_counter()
    result["nightly"] = ledger.nightly(now=NOW)
    result["nightly_seconds"] = time.perf_counter() - started
    result["accounts"] = Account.objects.count()

    # One customer with 10,000 entries: bonuses of one point, each in its own lot.
    account = Account.objects.order_by("pk").first()
    at = [NOW - timedelta(minutes=i) for i in range(STATEMENT_ENTRIES)]
    with transaction.atomic():
        bulk.insert(Entry, ["account", "kind", "points", "at", "key", "reason"],
                    [(account.pk, Kind.BONUS, 1, when, f"bench:{i}", "bench")
                     for i, when in enumerate(at)])
        ids = Entry.objects.filter(key__startswith="bench:").values_list("pk", "at")
        bulk.insert(Lot, ["account", "entry", "points", "remaining", "available_at",
                          "expires_at"],
                    [(account.pk, pk, 1, 1, when, when + timedelta(days=365))
                     for pk, when in ids])
        Account.objects.filter(pk=account.pk).update(balance=account.balance
                                                     + STATEMENT_ENTRIES)
    timings = []
    for _ in range(STATEMENT_RUNS):
        started = time.perf_counter()
        shown = statement(account.customer_id)
        timings.append((time.perf_counter() - started) * 1000)
    result["statement_entries"] = len(shown["entries"])
    result["statement_ms"] = {"median": statistics.median(timings),
                              "p95": sorted(timings)[int(0.95 * len(timings)) - 1],
                              "max": max(timings), "n": len(timings)}

    started = time.perf_counter()
    result["differences"] = len(differences())
    result["check_seconds"] = time.perf_counter() - started
    return result


if __name__ == "__main__":
    raise SystemExit(main())
