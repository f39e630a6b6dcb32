"""Build the demo shop: simulate it, clear the old demo data, write the new one.

``build_demo_shop`` is what ``tenure demo-data`` runs; benchmarks call it too.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min, Q, Sum
from django.utils import timezone
from tqdm import tqdm

from tenure.crm.catalog.models import Category, Product
from tenure.crm.customers import stats
from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import (
    Activity,
    Complaint,
    ComplaintEvent,
    ComplaintSla,
    Interaction,
    Severity,
)
from tenure.crm.feedback.models import Answer, Invitation
from tenure.crm.lib.bulk import large_cache
from tenure.crm.lib.money import CENT, default_currency
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order, OrderLine, OrderStatus, Return, ReturnLine

from . import campaign_loading, programme_loading
from .assortment import SKU_PREFIX, TREE
from .loading import SOURCE, load_shop, row_count
from .logins import DEMO_USERS, MANAGERS, MARKETER, PASSWORD, SUPPORT, ensure_demo_users
from .service_loading import load_service
from .truth import Truth
from .world import Shop, simulate_shop
from .writing import next_id


@dataclass
class ShopSummary:
    """What the demo database holds after a build."""

    customers: int
    orders: int
    order_lines: int
    returns: int
    revenue: Decimal
    first_order: datetime | None
    last_order: datetime | None
    complaints: int = 0
    interactions: int = 0
    activities: int = 0
    survey_answers: int = 0
    kept_existing: bool = False
    seconds: float = 0.0
    logins: list[str] = field(default_factory=lambda: list(DEMO_USERS))
    password: str = PASSWORD
    currency: str = field(default_factory=default_currency)
    truth: Truth | None = None  # what the simulation knows; None when the data was kept


def build_demo_shop(customers: int = 5000, seed: int = 1, end_date: date | None = None,
                    orders_per_customer: float | None = None, keep_existing: bool = False,
                    progress: bool = False, now: datetime | None = None) -> ShopSummary:
    """Build (or keep) the demo shop and return a summary of it.

    The same ``customers``, ``seed``, ``end_date``, ``orders_per_customer`` and
    ``now`` always give the same shop; ``now`` (default: the present moment)
    divides the activities done from those planned, so the agenda has calls
    later today. Everything happens in one transaction.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    end_date = end_date or timezone.localdate(now)
    shop: Shop | None = None
    with transaction.atomic(), large_cache():
        users = ensure_demo_users()
        kept = keep_existing and Customer.objects.filter(source=SOURCE).exists()
        if not kept:
            delete_demo_data()
            campaigns = campaign_loading.ensure_campaigns(users[MARKETER])
            first_customer = next_id(Customer)
            shop = simulate_shop(customers, seed, end_date, orders_per_customer,
                                 present=timezone.localtime(now).replace(tzinfo=None),
                                 sla_hours={s: ComplaintSla.hours_for(s) for s in Severity},
                                 assign=campaign_loading.group_assigner(campaigns,
                                                                        first_customer))
            total = row_count(shop) + campaign_loading.row_count(shop)
            with tqdm(total=total, unit=" rows", desc="demo shop", file=sys.stderr,
                      disable=not progress) as bar:
                managers = [users[name] for name in MANAGERS]
                first = load_shop(shop, managers, bar, programme_loading.replay)
                load_service(shop, first, [*managers, users[SUPPORT]], bar)
                campaign_loading.load_campaigns(shop, campaigns, first, bar)
            stats.refresh_all()  # orders were written and deleted in bulk
    summary = summarize()
    summary.kept_existing, summary.seconds = kept, time.perf_counter() - started
    summary.truth = shop.truth if shop is not None else None
    return summary


def delete_demo_data() -> None:
    """Delete the demo customers with their orders, returns, complaints, activities,
    contacts, survey answers, emails and campaign deliveries, and the unused demo
    products; the demo's campaigns stay, so their control groups do too."""
    campaign_loading.delete_campaign_data()
    programme_loading.delete_loyalty_data()
    delete_service()
    orders = Order.objects.filter(customer__source=SOURCE)
    # Only a complaint of another customer could still point at a demo order.
    Complaint.objects.filter(order__in=orders).update(order=None)
    ReturnLine.objects.filter(ret__order__in=orders).delete()
    Return.objects.filter(order__in=orders).delete()
    OrderLine.objects.filter(order__in=orders).delete()
    delete_orders(orders)
    Customer.objects.filter(source=SOURCE).delete()
    Product.objects.filter(sku__startswith=SKU_PREFIX, order_lines__isnull=True,
                           return_lines__isnull=True).delete()
    for root in Category.objects.filter(parent=None, name__in=list(TREE)):
        if not Product.objects.filter(Q(category=root) | Q(category__parent=root)).exists():
            root.delete()


def delete_service() -> None:
    """Delete the demo customers' complaints, activities, contacts, surveys and emails."""
    mine = {"customer__source": SOURCE}
    for model in (Answer, Invitation, Message, Activity, Interaction):
        model.objects.filter(**mine).delete()
    ComplaintEvent.objects.filter(complaint__customer__source=SOURCE).delete()
    Complaint.objects.filter(**mine).delete()


def delete_orders(orders) -> None:
    """Delete ``orders`` whose lines, returns and complaints are gone.

    Django's delete() loads every order to look for dependents; when those are
    the only ones, one DELETE does it (a million orders in seconds).
    """
    dependents = {rel.related_model for rel in Order._meta.related_objects}
    if dependents - {OrderLine, Return, Complaint}:
        orders.delete()
        return
    sql, params = orders.values("pk").query.sql_with_params()
    table = connection.ops.quote_name(Order._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({sql})", params)


def summarize() -> ShopSummary:
    """Return the counts, revenue and date range of the demo data in the database."""
    orders = Order.objects.filter(source=SOURCE)
    span = orders.aggregate(first=Min("ordered_at"), last=Max("ordered_at"))
    sold = orders.exclude(status=OrderStatus.CANCELLED).aggregate(s=Sum("total"))["s"] or 0
    refunded = Return.objects.filter(order__source=SOURCE).aggregate(s=Sum("amount"))["s"] or 0
    return ShopSummary(
        customers=Customer.objects.filter(source=SOURCE).count(), orders=orders.count(),
        order_lines=OrderLine.objects.filter(order__source=SOURCE).count(),
        returns=Return.objects.filter(order__source=SOURCE).count(),
        # SQLite sums decimals as floats: round back to cents.
        revenue=(Decimal(sold) - Decimal(refunded)).quantize(CENT), first_order=span["first"],
        last_order=span["last"],
        complaints=Complaint.objects.filter(source=SOURCE).count(),
        interactions=Interaction.objects.filter(source=SOURCE).count(),
        activities=Activity.objects.filter(customer__source=SOURCE).count(),
        survey_answers=Answer.objects.filter(customer__source=SOURCE).count(),
    )
