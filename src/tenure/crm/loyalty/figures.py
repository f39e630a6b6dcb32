"""The programme's figures: members, the points outstanding and what they are worth, and
what became of the points earned in the last year.

- **liability** = outstanding points x the value of a point: what the shop owes if every
  available point were spent;
- **redemption rate** = points redeemed / points earned in the year;
- **breakage** = points expired / points earned in the year: promised and never spent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from .models import Account, Entry, Kind, Programme

YEAR = timedelta(days=365)


def overview(now: datetime | None = None) -> dict:
    """Return the programme's figures (numbers, None where nothing was earned)."""
    now = now or timezone.now()
    programme = Programme.current()
    accounts = Account.objects.aggregate(
        members=Count("pk"), outstanding=Sum("balance", filter=Q(balance__gt=0)),
        pending=Sum("pending"), negative=Count("pk", filter=Q(balance__lt=0)))
    year = Entry.objects.filter(at__gte=now - YEAR).values("kind").annotate(
        points=Sum("points"), pending_points=Sum("pending_points"))
    moved = {row["kind"]: row for row in year}
    earned = (moved.get(Kind.EARN, {}).get("pending_points") or 0) + sum(
        moved.get(kind, {}).get("points") or 0 for kind in (Kind.BONUS,))
    redeemed = -(moved.get(Kind.REDEEM, {}).get("points") or 0)
    expired = -(moved.get(Kind.EXPIRE, {}).get("points") or 0)
    outstanding = accounts["outstanding"] or 0
    return {
        "members": accounts["members"], "outstanding": outstanding,
        "pending": accounts["pending"] or 0, "negative": accounts["negative"],
        "liability": Decimal(outstanding) * programme.point_value,
        "earned": earned, "redeemed": redeemed, "expired": expired,
        "redemption_rate": redeemed / earned if earned else None,
        "breakage": expired / earned if earned else None,
    }


# Members against similar customers who are not: the strata they are matched in.
RECENCY_EDGES = [30, 90, 180]          # days since the last order before the start
FREQUENCY_EDGES = [1, 3]               # orders before the start: 1, 2-3, 4+
MIN_STRATUM = 5                        # customers of each group a stratum needs to count


def members_against_similar(now: datetime | None = None, horizon_days: int = 365) -> dict | None:
    """Compare members' purchases after the programme began with those of similar
    customers who are not members; None when there are too few to compare.

    The programme begins at ``Programme.starts_at`` (its first account when not set).

    Matching is exact stratification (Iacus, King & Porro 2012, "coarsened exact
    matching"): every customer who bought before the programme began (its first account)
    falls in a stratum of recency (days since their last order then: up to 30, 90, 180,
    more), frequency (orders then: 1, 2-3, 4+) and spend (the shop's tertiles); a stratum
    counts when it holds at least ``MIN_STRATUM`` of each group. Within it the members'
    and the non-members' revenue and orders in the ``horizon_days`` after the start are
    averaged, and the non-members' averages are weighted by the members' strata:

    .. math:: \\bar y_{\\text{similar}} = \\sum_s \\frac{m_s}{M} \\bar y_{0,s}

    It is **not an experiment**: customers who join may differ in ways the strata do not
    see (they chose to join), so the difference is associated with the programme, not
    caused by it.

    Returns
    -------
    dict or None
        When no customer who bought since the start is outside the programme (every buyer
        is enrolled by buying), only ``enrolled_by_buying`` (True), ``members``, ``start``
        and ``end``: the non-members are then those who did not buy, and a comparison
        with them would measure buying, not the programme. Otherwise
        ``members``, ``similar`` (non-members in counted strata), ``revenue_member``,
        ``revenue_similar``, ``orders_member``, ``orders_similar`` (per customer),
        ``revenue_difference``, ``cost`` (points redeemed since the start at the point's
        value), ``start``, ``end``.
    """
    import numpy as np
    import pandas as pd

    from tenure.crm.sales.models import Order, OrderStatus

    now = now or timezone.now()
    first = Account.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return None
    start = Programme.current().starts_at or first
    end = min(now, start + timedelta(days=horizon_days))
    orders = pd.DataFrame.from_records(
        Order.objects.exclude(status=OrderStatus.CANCELLED).filter(ordered_at__lt=end)
        .values_list("customer_id", "ordered_at", "total"),
        columns=["customer", "at", "total"])
    if orders.empty:
        return None
    orders["total"] = orders["total"].astype(float)
    before, after = orders[orders["at"] < start], orders[orders["at"] >= start]
    if before.empty:
        return None
    past = before.groupby("customer").agg(last=("at", "max"), n=("at", "size"),
                                          spend=("total", "sum"))
    recency = (start - past["last"]).dt.days
    past["stratum"] = (np.digitize(recency, RECENCY_EDGES, right=True).astype(str) + "-"
                       + np.digitize(past["n"], FREQUENCY_EDGES, right=True).astype(str) + "-"
                       + pd.qcut(past["spend"].rank(method="first"), min(3, len(past)),
                                 labels=False).astype(str))
    later = after.groupby("customer").agg(revenue=("total", "sum"), orders=("at", "size"))
    past = past.join(later).fillna({"revenue": 0.0, "orders": 0})
    members = set(Account.objects.values_list("customer_id", flat=True))
    past["member"] = past.index.isin(members)
    outside = past.loc[~past["member"], "orders"]
    if len(outside) and not (outside > 0).any():
        # Nobody who bought since the start stayed out: buying made them members, so the
        # "non-members" are those who did not buy, and comparing them says nothing.
        return {"enrolled_by_buying": True, "members": int(past["member"].sum()),
                "start": start, "end": end}
    sizes = past.groupby(["stratum", "member"]).size().unstack(fill_value=0)
    counted = sizes[(sizes.get(True, 0) >= MIN_STRATUM) & (sizes.get(False, 0) >= MIN_STRATUM)]
    if counted.empty:
        return None
    kept = past[past["stratum"].isin(counted.index)]
    means = kept.groupby(["stratum", "member"])[["revenue", "orders"]].mean()
    weights = counted[True] / counted[True].sum()
    member = kept[kept["member"]]
    similar = {name: float((means.xs(False, level="member")[name] * weights).sum())
               for name in ("revenue", "orders")}
    redeemed = -(Entry.objects.filter(kind=Kind.REDEEM, at__gte=start, at__lt=end)
                 .aggregate(p=Sum("points"))["p"] or 0)
    return {
        "members": len(member), "similar": int(counted[False].sum()),
        "revenue_member": float(member["revenue"].mean()), "revenue_similar": similar["revenue"],
        "orders_member": float(member["orders"].mean()), "orders_similar": similar["orders"],
        "revenue_difference": float(member["revenue"].mean()) - similar["revenue"],
        "cost": Decimal(redeemed) * Programme.current().point_value,
        "start": start, "end": end,
    }
