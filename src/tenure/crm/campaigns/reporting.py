"""The campaign report: per step, the customers sent to against those held out.

A customer converts when they place an order (not cancelled) within the campaign's window
after the moment the step reached them, sent or held out (`Delivery.at`); their revenue is
the total of those orders. The campaign's own control group and the global control group
together are the control: both are chosen at random, neither got the message. The
difference in conversion rate has Newcombe's 95 % interval and revenue per customer a
bootstrap interval (`tenure.analytics.uplift`).
"""

from __future__ import annotations

import math
import warnings
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from tenure.crm.messaging.models import MessageStatus
from tenure.crm.sales.models import Order, OrderStatus

from .models import Campaign, Coupon, Delivery, Group

SENT = (MessageStatus.SENT, MessageStatus.HANDED, MessageStatus.UNCONFIRMED)
# Figures of a step, as the JSON report names them.
FIGURES = ("treated", "control", "sent", "delivered", "clicked", "converted_treated",
           "converted_control", "revenue_treated", "revenue_control", "rate_treated",
           "rate_control", "uplift", "uplift_low", "uplift_high", "revenue_uplift",
           "revenue_uplift_low", "revenue_uplift_high", "incremental_revenue", "offer_cost",
           "net_incremental_revenue", "minimum_detectable_effect", "too_small")


def step_rows(step, window) -> list[tuple[bool, bool, float, int]]:
    """Return (held out, converted, revenue in the window, customer) of ``step``'s treated
    deliveries and of the control group of its number (which A/B variants share)."""
    money = DecimalField(max_digits=16, decimal_places=2)
    window_orders = Order.objects.exclude(status=OrderStatus.CANCELLED).filter(
        customer=OuterRef("customer"), ordered_at__gte=OuterRef("at"),
        ordered_at__lt=ExpressionWrapper(OuterRef("at") + Value(window),
                                         output_field=DateTimeField()),
    ).order_by().values("customer")
    deliveries = Delivery.objects.filter(
        Q(step=step, group=Group.TREATED)
        | Q(step__campaign=step.campaign_id, step__number=step.number,
            group__in=[Group.CONTROL, Group.GLOBAL]))
    rows = deliveries.annotate(
        bought=Coalesce(Subquery(window_orders.annotate(n=Count("pk")).values("n")), 0),
        spent=Coalesce(Subquery(window_orders.annotate(s=Sum("total")).values("s")),
                       Value(Decimal("0")), output_field=money),
    ).values_list("group", "bought", "spent", "customer_id")
    return [(group != Group.TREATED, bought > 0, float(spent), customer)
            for group, bought, spent, customer in rows]


def report(campaigns=None) -> list[dict]:
    """Return the report of ``campaigns`` (all when None): a list of campaigns, each with
    ``name``, ``trigger`` and ``steps``, each step with `FIGURES` (None where a group is
    empty)."""
    import pandas as pd

    from tenure.analytics.uplift import uplift_table

    campaigns = campaigns if campaigns is not None else Campaign.objects.all()
    result = []
    for campaign in campaigns:
        steps = []
        for step in campaign.steps.order_by("number", "variant"):
            rows = step_rows(step, campaign.window)
            figures = dict.fromkeys(FIGURES)
            figures["step"] = step.number
            figures["variant"] = step.variant
            deliveries = Delivery.objects.filter(step=step)
            treated = deliveries.filter(group=Group.TREATED)
            counts = treated.aggregate(
                sent=Count("pk", filter=Q(message__status__in=SENT)),
                delivered=Count("pk", filter=Q(message__status=MessageStatus.SENT)),
                clicked=Count("pk", filter=Q(clicked_at__isnull=False)))
            figures.update(counts)
            cost = Coupon.objects.filter(delivery__step=step, order__isnull=False).aggregate(
                s=Sum("cost"))["s"] or Decimal("0")
            frame = pd.DataFrame(rows, columns=["control", "converted", "revenue",
                                                "customer"])
            n_treated = int((~frame["control"]).sum()) if len(frame) else 0
            n_control = len(frame) - n_treated
            figures.update(treated=n_treated, control=n_control, offer_cost=float(cost),
                           converted_treated=int(frame.loc[~frame["control"], "converted"]
                                                 .sum()) if n_treated else 0,
                           converted_control=int(frame.loc[frame["control"], "converted"]
                                                 .sum()) if n_control else 0)
            if n_treated and n_control:
                frame["step"] = step.number
                with warnings.catch_warnings():
                    # A group too small is flagged in the row (``too_small``).
                    warnings.simplefilter("ignore")
                    # A customer reached on several occasions is one customer: the
                    # intervals count them so (`uplift.design_effect`).
                    table = uplift_table(frame, offer_cost=float(cost),
                                         cluster="customer").iloc[0]
                figures.update(
                    rate_treated=table["rate_treated"], rate_control=table["rate_control"],
                    uplift=table["uplift"], uplift_low=table["uplift_low"],
                    uplift_high=table["uplift_high"],
                    revenue_treated=float(frame.loc[~frame["control"], "revenue"].sum()),
                    revenue_control=float(frame.loc[frame["control"], "revenue"].sum()),
                    revenue_uplift=table["revenue_per_customer_uplift"],
                    revenue_uplift_low=table["revenue_uplift_low"],
                    revenue_uplift_high=table["revenue_uplift_high"],
                    incremental_revenue=table["incremental_revenue"],
                    net_incremental_revenue=table["net_incremental_revenue"],
                    minimum_detectable_effect=table["minimum_detectable_effect"],
                    too_small=bool(table["too_small"]))
            else:
                figures.update(
                    revenue_treated=float(frame.loc[~frame["control"], "revenue"].sum())
                    if n_treated else 0.0,
                    revenue_control=float(frame.loc[frame["control"], "revenue"].sum())
                    if n_control else 0.0)
            steps.append({key: _plain(value) for key, value in figures.items()})
        result.append({"id": campaign.pk, "name": campaign.name, "trigger": campaign.trigger,
                       "status": campaign.status, "window_days": campaign.window_days,
                       "steps": steps})
    return result


def _plain(value):
    """Return ``value`` as JSON writes it: numpy numbers as Python's, NaN as None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
