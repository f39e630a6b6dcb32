"""Turn a stored refresh's results into what the insights pages show: tiles, tables, charts.

Pages never run the analytics: they read ``InsightsRun.results`` (format in
``refreshing.py``) and, for the cohorts counted "in that month or later", one grouped
query over the latest ``CustomerSnapshot`` rows. Chart specs are plain dicts drawn in the
browser by ``static/insights/charts.js``.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tenure.analytics import periods
from tenure.crm.customers.models import Gender
from tenure.crm.lib import formatting

from .models import CustomerSnapshot, Segment

# key, label, number format, whether a rise is good
METRICS = [
    ("customers_end", gettext_lazy("Active customers"), "number", True),
    ("crr", gettext_lazy("Customer retention rate"), "percent", True),
    ("churn_rate", gettext_lazy("Churn rate"), "percent", False),
    ("revenue", gettext_lazy("Revenue"), "money", True),
    ("revenue_per_customer", gettext_lazy("Revenue per customer"), "money", True),
    ("avg_check", gettext_lazy("Average check"), "money", True),
    ("orders_per_buyer", gettext_lazy("Orders per buyer"), "decimal", True),
    ("repeat_rate", gettext_lazy("Repeat rate"), "percent", True),
]
SPARK_PERIODS = 12
#: Figures that measure nothing until the history covers the activity window: before that,
#: everyone who ever bought is "active", so CRR is 100 % and churn 0 % by definition.
WINDOW_FIGURES = ("crr", "crr_seed", "churn_rate", "lost")
#: The activity window when a stored refresh does not say (refreshing.WINDOW_DAYS).
DEFAULT_WINDOW_DAYS = 365
SEGMENT_COLORS = {
    "champions": "#1a7f37", "loyal": "#2da44e", "potential_loyalist": "#8ddb8c",
    "new": "#218bff", "promising": "#80ccff", "need_attention": "#d4a72c",
    "about_to_sleep": "#f0c94a", "cant_lose": "#a40e26", "at_risk": "#fa4549",
    "hibernating": "#8c959f", "lost": "#57606a",
}
ABC = ["A", "B", "C"]
XYZ = ["X", "Y", "Z", "new"]
BEST_CUSTOMER_ROWS = 15
TYPICAL_FIGURES = ["orders", "revenue", "avg_check", "tenure_days", "recency_days"]
MONEY_FIGURES = {"revenue", "avg_check"}


def _date(iso: str | None) -> date | None:
    return date.fromisoformat(iso[:10]) if iso else None


def rows(table: dict | None) -> list[dict]:
    """Return a stored results table as a list of dicts (no pandas in a page request)."""
    if not table:
        return []
    columns = table["columns"]
    return [dict(zip(columns, row, strict=True)) for row in table["rows"]]


# -- periods ------------------------------------------------------------------------------

def period_label(start: date, period: str) -> str:
    """Return a short, localized name of the period beginning on ``start``."""
    if period == "week":
        return formatting.day(start)
    if period == "month":
        return date_format(start, "M Y")
    if period == "quarter":
        return _("Q%(quarter)s %(year)s") % {"quarter": (start.month - 1) // 3 + 1,
                                            "year": start.year}
    return str(start.year)


def _with_dates(kpis: list[dict], period: str, as_of: date, window_days: int) -> list[dict]:
    """Add each period's start date, label, whether it is still running on ``as_of`` and
    whether its retention is measured (``covered``).

    ``covered`` is the library's ``window_covered``; a refresh stored before it existed
    gets an estimate from the first period's start (the history cannot begin later).
    """
    first = date.fromisoformat(kpis[0]["period"][:10]) if kpis else None
    for row in kpis:
        start = date.fromisoformat(row["period"][:10])
        row["start"] = start
        row["partial"] = periods.is_unfinished(start, period, as_of)
        covered = row.get("window_covered")
        row["covered"] = bool(covered) if covered is not None else (
            first is not None and (start - first).days >= window_days)
        row["label"] = period_label(start, period)
        row["title"] = (_("Week of %(date)s") % {"date": row["label"]}
                        if period == "week" else row["label"])
        if row["partial"]:
            row["label"] = _("%(period)s (so far)") % {"period": row["label"]}
    return kpis


def _measured(row: dict, key: str):
    """Return the row's figure, or None where the period cannot measure it."""
    if key in WINDOW_FIGURES and not row["covered"]:
        return None
    return row[key]


# -- overview ------------------------------------------------------------------------------

def _change(now, before, fmt: str) -> float | None:
    """Return the change of a metric: points for rates, a relative change otherwise."""
    if now is None or before is None:
        return None
    if fmt == "percent":
        return now - before
    return (now - before) / before if before else None


def kpi_tiles(kpis: list[dict], window_days: int = DEFAULT_WINDOW_DAYS,
              ) -> tuple[list[dict], dict | None, dict | None]:
    """Return the KPI tiles of the latest complete period, its row and the previous one.

    A figure the period cannot measure (CRR and churn before the history covers the
    activity window) has no value, no change and a ``reason`` instead.
    """
    complete = [row for row in kpis if not row["partial"]]
    if not complete:
        return [], None, None
    current = complete[-1]
    previous = complete[-2] if len(complete) > 1 else None
    tiles = []
    for key, label, fmt, rise_is_good in METRICS:
        now = _measured(current, key)
        change = _change(now, _measured(previous, key) if previous else None, fmt)
        reason = None
        if now is None and key in WINDOW_FIGURES and not current["covered"]:
            reason = _("Not measured yet: the history is shorter than the %(days)s-day "
                       "activity window, so every customer still counts as active.") % {
                           "days": window_days}
        tiles.append({
            "key": key, "label": label, "value": now, "format": fmt, "reason": reason,
            "change": change, "change_format": "points" if fmt == "percent" else "relative",
            "good": None if not change else (change > 0) == rise_is_good,
            "spark": [_measured(row, key) for row in complete[-SPARK_PERIODS:]],
        })
    return tiles, current, previous


def overview(results: dict, as_of: date, period: str) -> dict:
    """Return the overview page's tiles and charts for ``period``."""
    window_days = results.get("window_days") or DEFAULT_WINDOW_DAYS
    kpis = _with_dates(rows((results.get("kpis") or {}).get(period)), period, as_of,
                       window_days)
    tiles, current, previous = kpi_tiles(kpis, window_days)
    labels = [row["label"] for row in kpis]
    # The running period is drawn apart (lighter bars, a dashed last step, shaded and
    # named "so far") so that its partial counts do not read as a drop.
    so_far = {"so_far": len(kpis) - 1, "so_far_name": _("so far")} \
        if kpis and kpis[-1]["partial"] else {}
    charts = {f"spark-{tile['key']}": {"kind": "spark", "values": tile["spark"],
                                        "format": tile["format"]} for tile in tiles}
    charts["revenue"] = {"kind": "trend", "x": labels, **so_far, "series": [
        {"name": _("Revenue"), "type": "bar", "format": "money",
         "values": [row["revenue"] for row in kpis]},
        {"name": _("Buyers"), "type": "line", "format": "number", "axis": 1,
         "values": [row["buyers"] for row in kpis]},
    ]}
    charts["customers"] = {"kind": "trend", "x": labels, "stack": True, **so_far, "series": [
        {"name": _("Active customers"), "type": "line", "format": "number", "axis": 1,
         "values": [row["customers_end"] for row in kpis]},
        {"name": _("New"), "type": "bar", "format": "number",
         "values": [row["new"] for row in kpis]},
        {"name": _("Reactivated"), "type": "bar", "format": "number",
         "values": [row["reactivated"] for row in kpis]},
        {"name": _("Lost"), "type": "bar", "format": "number",
         "values": [-lost if (lost := _measured(row, "lost")) is not None else None
                    for row in kpis]},
    ]}
    charts["rates"] = {"kind": "trend", "x": labels, **so_far, "series": [
        {"name": label, "type": "line", "format": "percent", "color": color,
         "values": [_measured(row, key) for row in kpis]}
        for key, label, color in [
            ("crr", _("Customer retention rate"), "#2459d6"),
            ("churn_rate", _("Churn rate"), "#b42318"),
            ("retention_rate", _("Period retention rate"), "#067647"),
            ("repeat_rate", _("Repeat rate"), "#7a5af8"),
        ]
    ]}
    bridge = _bridge(results, as_of, period, current)
    if bridge:
        charts["bridge"] = bridge
    return {
        "tiles": tiles, "current": current, "previous": previous, "charts": charts,
        "has_kpis": bool(kpis), "bridge_row": bridge and bridge["row"],
        "window_days": window_days,
        "retention_measured": any(row["covered"] for row in kpis),
    }


def _bridge(results: dict, as_of: date, period: str, current: dict | None) -> dict | None:
    """Return the N x V x L waterfall from the previous period's revenue to the current one."""
    if current is None:
        return None
    bridge = rows((results.get("bridge") or {}).get(period))
    row = next((r for r in bridge if r["period"][:10] == current["period"][:10]), None)
    if row is None or row["revenue_change"] is None:
        return None
    start = current["revenue"] - row["revenue_change"]
    return {"kind": "waterfall", "format": "money", "row": row, "steps": [
        {"name": _("Previous period"), "value": start, "total": True},
        {"name": _("Buyers (N)"), "value": row["n_effect"]},
        {"name": _("Average check (V)"), "value": row["v_effect"]},
        {"name": _("Orders per buyer (L)"), "value": row["l_effect"]},
        {"name": current["label"], "value": current["revenue"], "total": True},
    ]}


# -- cohorts ------------------------------------------------------------------------------

def cohorts(results: dict, measure: str, counting: str, taken_on: date | None) -> dict:
    """Return the cohort heatmap for ``measure`` counted as ``counting``."""
    table = rows((results.get("cohorts") or {}).get(measure))
    if measure == "customers" and counting == "in_or_after" and taken_on:
        table = _customers_in_or_after(table, taken_on)
    ages = max((len(row) - 2 for row in table), default=0)
    cells = []
    for y, row in enumerate(table):
        first = row.get("0")
        for x in range(ages):
            value = row.get(str(x))
            if value is None:
                continue
            if measure == "revenue":
                if first:
                    cells.append([x, y, value / first, value])
            else:
                cells.append([x, y, value])
    fmt = "money" if measure == "revenue_per_customer" else "percent"
    later = sorted(c[2] for c in cells if c[0] > 0)
    high = later[int(len(later) * 0.95)] if later else 1
    labels = [period_label(date.fromisoformat(row["cohort"][:10]), "month") for row in table]
    running = _running_cells(table, taken_on, {(c[0], c[1]) for c in cells})
    return {"charts": {"cohorts": {
        "kind": "heatmap", "x": [str(x) for x in range(ages)], "y": labels, "cells": cells,
        "so_far": running, "so_far_name": _("so far"),
        "format": fmt, "max": high, "sizes": [row["size"] for row in table],
        "x_name": _("Months since the first purchase"),
        "value_name": dict(_measure_names())[measure], "amount_name": _("Revenue"),
    }}, "cohort_count": len(table), "charts_so_far": bool(running)}


def _running_cells(table: list[dict], taken_on: date | None,
                   drawn: set[tuple[int, int]]) -> list[list[int]]:
    """Return the [age, row] of each cohort's cell in the month still running on
    ``taken_on``: its figures are so far, drawn lighter rather than read as a drop."""
    if taken_on is None or not periods.is_unfinished(taken_on, "month", taken_on):
        return []
    now = periods.period_index(taken_on, "month")
    running = []
    for y, row in enumerate(table):
        age = now - periods.period_index(date.fromisoformat(row["cohort"][:10]), "month")
        if (age, y) in drawn:
            running.append([age, y])
    return running


def _measure_names() -> list[tuple[str, str]]:
    return [("customers", _("Customers retained")),
            ("revenue", _("Revenue, share of the first month")),
            ("revenue_per_customer", _("Revenue per original customer"))]


def _customers_in_or_after(table: list[dict], taken_on: date) -> list[dict]:
    """Return the customers cohort table counting a customer in every month up to their last.

    A customer bought in month k "or later" exactly when their last purchase falls in month
    k or after it, so first and last purchase months of the latest snapshot suffice.
    """
    pairs = (
        CustomerSnapshot.objects.filter(taken_on=taken_on, first_purchase__isnull=False)
        .annotate(first=TruncMonth("first_purchase"), last=TruncMonth("last_purchase"))
        .values("first", "last").annotate(n=Count("id")).order_by()
    )
    by_cohort: dict[date, dict[int, int]] = {}
    for pair in pairs:
        first, last = pair["first"], pair["last"]
        age = periods.period_index(last, "month") - periods.period_index(first, "month")
        by_cohort.setdefault(first, {})[age] = pair["n"]
    result = []
    for row in table:
        cohort = date.fromisoformat(row["cohort"][:10])
        lasts = by_cohort.get(cohort, {})
        size = sum(lasts.values()) or row["size"]
        new_row = {"cohort": row["cohort"], "size": row["size"]}
        for key, value in row.items():
            if key.isdigit():
                still = sum(n for age, n in lasts.items() if age >= int(key))
                new_row[key] = None if value is None else still / size
        result.append(new_row)
    return result


# -- segments ------------------------------------------------------------------------------

def _customers_url(**params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('customers:list')}?{query}"


def segments(results: dict) -> dict:
    """Return the segment table, the treemap and the transitions matrix."""
    labels = dict(Segment.choices)
    table = rows(results.get("segments"))
    for row in table:
        row["label"] = labels.get(row["segment"], row["segment"])
        row["color"] = SEGMENT_COLORS.get(row["segment"], "#999")
        row["url"] = _customers_url(segment=row["segment"])
    treemap = {"kind": "treemap", "format": "number", "items": [
        {"name": str(row["label"]), "value": row["customers"], "color": row["color"],
         "url": row["url"], "share": row["share"], "revenue": row["revenue"]}
        for row in table if row["customers"]
    ], "revenue_name": _("Revenue"), "share_name": _("Share of buyers")}
    return {
        "segments": table,
        "total": {"customers": sum(r["customers"] for r in table),
                  "revenue": sum(r["revenue"] or 0 for r in table)},
        "transitions": _transitions(results.get("transitions"), labels),
        "previous_as_of": _date(results.get("previous_as_of")),
        "charts": {"treemap": treemap},
    }


def _transitions(table: dict | None, labels: dict) -> dict | None:
    """Return the transitions matrix with each cell's share of its row for shading."""
    data = rows(table)
    if not data:
        return None
    keys = [c for c in table["columns"][1:] if any(row[c] for row in data)]
    none_label = _("No segment")
    header = [{"key": k, "label": labels.get(k, none_label)} for k in keys]
    matrix = []
    for row in data:
        total = sum(row[k] or 0 for k in table["columns"][1:])
        if not total:
            continue
        label = labels.get(row["segment"]) or _("New buyers")
        cells = [{"n": row[k] or 0, "share": (row[k] or 0) / total,
                  "same": k == row["segment"]} for k in keys]
        matrix.append({"key": row["segment"], "label": label, "total": total, "cells": cells})
    return {"header": header, "rows": matrix}


# -- value ---------------------------------------------------------------------------------

def value(results: dict) -> dict:
    """Return the ABC/XYZ grid, clusters, best customers' profile and the typical customer."""
    best = sorted(rows(results.get("best_customers")), key=lambda r: -(r["lift"] or 0))
    for row in best:
        row["label"] = attribute_label(row["attribute"])
        row["value"] = attribute_value(row["attribute"], row["value"])
    return {
        "abc_xyz": _abc_xyz(results),
        "clusters": _clusters(results.get("clusters")),
        "best": best[:BEST_CUSTOMER_ROWS],
        "typical": _typical(results.get("typical_customer")),
        "charts": {},
    }


def _abc_xyz(results: dict) -> dict | None:
    """Return the 3 x 3 ABC/XYZ grid and the "new" class (too little history) as one cell.

    The customer list filters "new" whatever the ABC class, so it is one cell, one link.
    """
    counts = {row["abc"]: row for row in rows(results.get("abc_xyz"))}
    revenue = {row["abc"]: row for row in rows(results.get("abc_xyz_revenue"))}
    if not counts:
        return None
    total = sum(row.get(x) or 0 for row in counts.values() for x in XYZ) or 1

    def cell(key: str, n: int, amount: float | None) -> dict:
        return {"key": key, "n": n, "share": n / total, "revenue": amount,
                "url": _customers_url(abc_xyz=key)}

    grid = [{"abc": abc, "cells": [
        cell(f"{abc}{xyz}", counts.get(abc, {}).get(xyz) or 0, revenue.get(abc, {}).get(xyz))
        for xyz in XYZ[:3]
    ]} for abc in ABC]
    new = cell("new", sum(row.get("new") or 0 for row in counts.values()),
               sum(row.get("new") or 0 for row in revenue.values()))
    return {"columns": XYZ[:3], "rows": grid, "new": new}


def _clusters(clusters: dict | None) -> dict | None:
    if not clusters:
        return None
    table = rows(clusters.get("table"))
    descriptions = clusters.get("descriptions") or []
    for row in table:
        number = row["cluster"]
        row["description"] = descriptions[number] if number < len(descriptions) else ""
    return {"k": clusters.get("k"), "silhouette": clusters.get("silhouette"), "rows": table}


def _typical(typical: dict | None) -> list[dict]:
    """Return the typical customer's figures, then each attribute with how common it is."""
    if not typical:
        return []
    figures = [
        {"label": attribute_label(key), "value": typical[key],
         "format": "money" if key in MONEY_FIGURES else "figure"}
        for key in TYPICAL_FIGURES if typical.get(key) is not None
    ]
    shares = typical.get("attribute_shares") or {}
    attributes = [
        {"label": attribute_label(key), "value": attribute_value(key, val),
         "share": shares.get(key), "format": "figure"}
        for key, val in (typical.get("attributes") or {}).items()
    ]
    return figures + attributes


def attribute_value(attribute: str, val):
    """Return an attribute's stored value as people read it (genders and yes/no translated)."""
    if attribute == "gender":
        return dict(Gender.choices).get(val, val)
    if val in ("yes", "no"):
        return _("yes") if val == "yes" else _("no")
    return val


def attribute_label(key: str) -> str:
    """Return a readable name of a customer attribute or summary column."""
    names = {
        "city": _("City"), "gender": _("Gender"), "acquisition_channel": _("Acquisition channel"),
        "age": _("Age"), "age_band": _("Age"), "orders": _("Orders"),
        "revenue": _("Revenue"), "frequency": _("Repeat purchases"),
        "recency_days": _("Days since last purchase"), "tenure_days": _("Days as a customer"),
        "monetary_value": _("Average repeat purchase"), "avg_check": _("Average check"),
        "referred": _("Came by referral"), "segment": _("Segment"), "manager": _("Manager"),
        "channel": _("Channel"), "store": _("Store"),
    }
    return names.get(key, key.replace("_", " ").capitalize())


# -- at risk -------------------------------------------------------------------------------

def risk_model(results: dict | None) -> dict:
    """Return what the at-risk page says about its scores: the churn horizon in words, the
    model's ranking quality beside recency alone, and the model giving P(alive).

    Every part is optional (a refresh whose churn or value step failed, or one stored
    before a field existed): a missing part is None and the page leaves its sentence out.
    """
    churn = (results or {}).get("churn") or {}
    value = (results or {}).get("value") or {}
    words = horizon_words(churn)
    horizon = _("Risk is the chance of %(horizon)s.") % {"horizon": words} if words else None
    return {"horizon": horizon, "quality": _quality(rows(churn.get("metrics"))),
            "p_alive_model": value.get("p_alive_model")}


def horizon_words(churn: dict) -> str | None:
    """Return what churn means in the user's language ("no purchase within 90 days").

    The library's own words (``horizon``) are English; they are shown only for a refresh
    stored before the horizon's days were kept.
    """
    days = churn.get("horizon_days")
    if isinstance(days, int) and days > 0:
        return ngettext("no purchase within %(days)d day", "no purchase within %(days)d days",
                        days) % {"days": days}
    return churn.get("horizon") or None


def _quality(metrics: list[dict]) -> dict | None:
    """Return the model's ROC AUC beside days-since-last-purchase's, and whether it is better."""
    auc = {row.get("model"): row.get("roc_auc") for row in metrics}
    model, recency = auc.get("model"), auc.get("recency")
    if model is None or recency is None:
        return None
    better = model > recency
    words = (_("ranks leavers better than days-since-last-purchase alone: %(model)s vs "
               "%(recency)s (ROC AUC, 0.5 is chance)") if better else
             _("does not rank leavers better than days-since-last-purchase alone: %(model)s "
               "vs %(recency)s (ROC AUC, 0.5 is chance). Treat the order with care; "
               "the days since the last purchase say as much"))
    return {"model": model, "recency": recency, "better": better,
            "words": words % {"model": formatting.number(model, 2),
                              "recency": formatting.number(recency, 2)}}
