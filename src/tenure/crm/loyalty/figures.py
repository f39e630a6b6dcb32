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
