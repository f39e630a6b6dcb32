"""Complaint analytics: what customers complain about, how fast it is resolved, how often
the SLA is missed, and whether the customer buys again afterwards.

Every figure is an aggregate the database computes over the complaints opened in a
period; nothing is loaded row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from tenure.crm.sales.models import Order, OrderStatus

from .models import ComplaintCategory, Severity

# A customer "bought again" after a complaint with a purchase within this many days.
REPURCHASE_DAYS = 90
HOUR = timedelta(hours=1)


@dataclass
class Share:
    """``part`` of ``whole``, and the share (None when there is nothing to share)."""

    part: int
    whole: int

    @property
    def share(self) -> float | None:
        return self.part / self.whole if self.whole else None


def complaint_report(complaints: QuerySet, start, end, now=None) -> dict:
    """Return the figures of ``complaints`` opened in [``start``, ``end``)."""
    now = now or timezone.now()
    period = complaints.filter(opened_at__gte=start, opened_at__lt=end).order_by()
    total = period.count()
    return {
        "total": total,
        "by_category": by_category(period),
        "resolution": resolution_hours(period),
        "breaches": Share(period.breached(now).count(), total),
        "repurchase": repurchase(period, now),
        "repurchase_days": REPURCHASE_DAYS,
    }


def by_category(complaints: QuerySet) -> dict:
    """Return the counts per category (rows) and severity (columns), with their totals."""
    counts = {(row["category"], row["severity"]): row["n"] for row in
              complaints.values("category", "severity").annotate(n=Count("pk")).order_by()}
    severities = list(Severity)
    rows = []
    for category in ComplaintCategory:
        cells = [counts.get((category.value, s.value), 0) for s in severities]
        if any(cells):
            rows.append({"category": category, "counts": cells, "total": sum(cells)})
    totals = [sum(row["counts"][i] for row in rows) for i in range(len(severities))]
    return {"severities": severities, "rows": rows, "totals": totals}


def resolution_hours(complaints: QuerySet) -> dict:
    """Return how many were resolved, and the median and mean hours they took."""
    took = ExpressionWrapper(F("resolved_time") - F("opened_at"), output_field=DurationField())
    resolved = complaints.resolved().with_resolved_time().annotate(took=took)
    count = resolved.count()
    if not count:
        return {"count": 0, "median": None, "mean": None}
    # The middle one or two values in order: the median without loading the rest.
    middle = list(resolved.order_by("took").values_list("took", flat=True)
                  [(count - 1) // 2:count // 2 + 1])
    mean = resolved.aggregate(mean=Avg("took"))["mean"]
    return {"count": count, "median": sum(middle, timedelta()) / len(middle) / HOUR,
            "mean": mean / HOUR}


def repurchase(complaints: QuerySet, now) -> dict:
    """Return how many resolved and unresolved complaints were followed by a purchase.

    A purchase counts within ``REPURCHASE_DAYS`` after the complaint was resolved, or
    after it was opened if it is not resolved; cancelled orders do not count. Only the
    complaints whose window has ended by ``now`` are counted.
    """
    start = Coalesce("resolved_time", "opened_at")
    end = ExpressionWrapper(start + timedelta(days=REPURCHASE_DAYS),
                            output_field=DateTimeField())
    bought = Exists(
        Order.objects.filter(customer=OuterRef("customer_id"),
                             ordered_at__gt=OuterRef("window_start"),
                             ordered_at__lte=OuterRef("window_end"))
        .exclude(status=OrderStatus.CANCELLED)
    )
    ended = (complaints.with_resolved_time().annotate(window_start=start, window_end=end)
             .filter(window_end__lte=now))
    resolved = Q(resolved_time__isnull=False)
    figures = ended.annotate(bought=bought).aggregate(
        resolved=Count("pk", filter=resolved),
        resolved_bought=Count("pk", filter=resolved & Q(bought=True)),
        unresolved=Count("pk", filter=~resolved),
        unresolved_bought=Count("pk", filter=~resolved & Q(bought=True)),
    )
    return {
        "resolved": Share(figures["resolved_bought"], figures["resolved"]),
        "unresolved": Share(figures["unresolved_bought"], figures["unresolved"]),
        "counted": figures["resolved"] + figures["unresolved"],
    }
