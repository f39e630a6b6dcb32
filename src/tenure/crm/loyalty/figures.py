"""The programme's figures: members, the points outstanding and what they are worth, and
what became of the points earned in the last year.

- **liability** = outstanding points x the value of a point: what the shop owes if every
  available point were spent;
- **redemption rate** = points redeemed / points earned in the year;
- **breakage** = points expired / points earned in the year: promised and never spent;
- **cost against margin**, per month (``cost_against_margin``): the points redeemed at
  their value against the margin (or, without costs, the revenue) of members' orders.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tenure.crm.lib.money import CENT
from tenure.crm.sales.models import Order, OrderStatus, Return

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


# --- cost against margin -------------------------------------------------------------------

_MONEY = DecimalField(max_digits=20, decimal_places=6)


def cost_against_margin(now: datetime | None = None, months: int = 12) -> dict:
    """Return what the programme cost each month against the margin of members' orders.

    For each calendar month of the last ``months`` (in the shop's time zone; the last one
    is the current month so far), with ``v`` the value of a point now:

    - **cost** = points redeemed in the month x v: the discounts points paid for, less
      the redemptions given back (their order cancelled or returned);
    - **bonuses** = bonus points given in the month (welcome, birthday, reviews, rewards)
      x v: promised, not yet spent; those spent later count in the month they are
      redeemed, so bonuses are shown beside the cost, never added to it;
    - **margin** = Σ (total - cost) of members' orders not cancelled, less the margin of
      their returns (a refund takes back the order's margin in proportion); members are
      the customers with a loyalty account now. When some of those orders do not record
      their cost, the cost is set against **revenue** (Σ total less returns) instead and
      ``basis`` says so.

    Coupons are campaigns', costed in each campaign's report: not counted here.

    Members' margin is associated with the programme, not caused by it: members would
    buy much of it without points.

    Returns
    -------
    dict
        ``rows`` (``month``, ``redeemed``, ``cost``, ``bonus_points``, ``bonuses``,
        ``revenue``, ``margin``, ``against``, ``share`` = cost / against or None), the
        ``total`` row, ``basis`` ("margin" or "revenue"), ``orders`` and
        ``orders_without_cost`` of the period, and ``point_value``.
    """
    starts = month_starts(timezone.localtime(now or timezone.now()).date(), months)
    since = _midnight(starts[0])
    value = Programme.current().point_value
    points = _points_by_month(since)
    sales, orders, without_cost = _sales_by_month(since)
    basis = "margin" if orders and not without_cost else "revenue"
    rows = [_row(start, points.get(start, {}), sales.get(start, {}), value, basis)
            for start in starts]
    total = _row(None, {key: sum(row[key] for row in rows)
                        for key in ("redeemed", "bonus_points")},
                 {key: sum(row[key] for row in rows) for key in ("revenue", "margin")},
                 value, basis)
    return {"rows": rows, "total": total, "basis": basis, "orders": orders,
            "orders_without_cost": without_cost, "point_value": value}


def month_starts(today: date, months: int) -> list[date]:
    """Return the first days of the ``months`` calendar months ending with ``today``'s."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _month(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def _points_by_month(since: datetime) -> dict[date, dict]:
    """Return {month: redeemed and bonus points} of the entries since ``since``."""
    # "ret is null" as the reversed-once constraint's partial index is written, so SQLite
    # uses it (without, each redemption scanned every entry).
    restored = Entry.objects.filter(reverses_id=OuterRef("pk"), ret__isnull=True,
                                    kind=Kind.RESTORE)
    found: dict[date, dict] = {}
    moved = (Entry.objects.filter(at__gte=since, kind__in=(Kind.REDEEM, Kind.BONUS))
             .exclude(Q(kind=Kind.REDEEM) & Exists(restored))
             .annotate(month=TruncMonth("at")).order_by().values("month", "kind")
             .annotate(points=Sum("points")))
    for row in moved:
        name = "redeemed" if row["kind"] == Kind.REDEEM else "bonus_points"
        sign = -1 if row["kind"] == Kind.REDEEM else 1
        found.setdefault(_month(row["month"]), {})[name] = sign * row["points"]
    return found


def _sales_by_month(since: datetime) -> tuple[dict[date, dict], int, int]:
    """Return {month: revenue and margin} of members' orders and returns since ``since``,
    and how many of those orders there are and how many do not record their cost."""
    member = Exists(Account.objects.filter(customer_id=OuterRef("customer_id")))
    orders = (Order.objects.filter(member, ordered_at__gte=since)
              .exclude(status=OrderStatus.CANCELLED))
    found: dict[date, dict] = {}
    bought = (orders.annotate(month=TruncMonth("ordered_at")).order_by().values("month")
              .annotate(revenue=Sum("total"),
                        margin=Sum(ExpressionWrapper(F("total") - F("cost"),
                                                     output_field=_MONEY)),
                        n=Count("pk"), unknown=Count("pk", filter=Q(cost__isnull=True))))
    counted = {"n": 0, "unknown": 0}
    for row in bought:
        found[_month(row["month"])] = {"revenue": row["revenue"] or 0,
                                       "margin": row["margin"] or 0}
        counted = {key: counted[key] + row[key] for key in counted}
    # The order's margin taken back in proportion to the amount refunded.
    taken = Case(When(order__total__gt=0, then=ExpressionWrapper(
        F("amount") * (F("order__total") - F("order__cost")) / F("order__total"),
        output_field=_MONEY)), default=None, output_field=_MONEY)
    returned = (Return.objects.filter(Exists(Account.objects.filter(
        customer_id=OuterRef("order__customer_id"))), returned_at__gte=since)
        .exclude(order__status=OrderStatus.CANCELLED)
        .annotate(month=TruncMonth("returned_at")).order_by().values("month")
        .annotate(refunded=Sum("amount"), margin=Sum(taken)))
    for row in returned:
        month = found.setdefault(_month(row["month"]), {"revenue": 0, "margin": 0})
        month["revenue"] -= row["refunded"] or 0
        month["margin"] -= row["margin"] or 0
    return found, counted["n"], counted["unknown"]


def _row(month: date | None, points: dict, sales: dict, value: Decimal, basis: str) -> dict:
    redeemed, given = points.get("redeemed", 0), points.get("bonus_points", 0)
    revenue = Decimal(sales.get("revenue", 0)).quantize(CENT)
    margin = Decimal(sales.get("margin", 0)).quantize(CENT)
    cost = (redeemed * value).quantize(CENT)
    against = margin if basis == "margin" else revenue
    return {"month": month, "redeemed": redeemed, "cost": cost, "bonus_points": given,
            "bonuses": (given * value).quantize(CENT), "revenue": revenue, "margin": margin,
            "against": against, "share": float(cost / against) if against > 0 else None}
