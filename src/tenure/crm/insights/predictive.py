"""What the forecast and model pages show, read from a stored refresh (no analytics here).

``forecast_page`` turns ``results["forecast"]`` into the chart with its intervals, the
table of the coming periods and the backtest; ``models_page`` turns ``results["value"]``
and ``results["churn"]`` into the model-quality figures beside their baselines and the
standard charts of the purchase models, and, on the demo shop, the scores against the
simulation's truth (``truth.py``). Formats in ``valuation.py``, ``risk.py`` and
``forecasting.py``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tenure.crm.lib import formatting

from . import truth
from .dashboards import horizon_words, period_label, rows
from .models import InsightsRun, Segment

FORECAST_PERIODS = [("day", pgettext_lazy("forecast by", "Day")),
                    ("week", pgettext_lazy("forecast by", "Week")),
                    ("month", pgettext_lazy("forecast by", "Month"))]
FORECAST_MEASURES = [("revenue", gettext_lazy("Revenue")), ("orders", gettext_lazy("Orders"))]
MODEL_NAMES = {
    "AutoETS": gettext_lazy("Exponential smoothing (ETS)"),
    "AutoARIMA": gettext_lazy("ARIMA"),
    "SeasonalNaive": gettext_lazy("Same period last season"),
    "Naive": gettext_lazy("Last period repeated"),
}
#: The churn metrics, their names, and whether a higher value is better.
CHURN_METRICS = [
    ("roc_auc", gettext_lazy("ROC AUC"), True),
    ("pr_auc", gettext_lazy("PR AUC"), True),
    ("lift_top_decile", gettext_lazy("Lift in the top 10%"), True),
    ("brier", gettext_lazy("Brier score"), False),
]
#: Each family of churn features (`tenure.analytics.churn.FAMILIES`) in a manager's words.
FAMILY_LABELS = {
    "recency": gettext_lazy("Time since the last purchase, against their usual rhythm"),
    "activity": gettext_lazy("How much and how often they buy"),
    "returns": gettext_lazy("Returns"),
    "feedback": gettext_lazy("Survey answers"),
    "complaints": gettext_lazy("Complaints"),
    "interactions": gettext_lazy("Calls, meetings and other contacts"),
    "campaigns": gettext_lazy("Campaign messages and responses"),
    "subscription": gettext_lazy("Subscription"),
    "btyd": gettext_lazy("The purchase model: chance still a customer, expected purchases"),
}
CHURN_MODELS = {"model": gettext_lazy("Churn model"),
                "recency": gettext_lazy("Recency alone"),
                "p_alive": gettext_lazy("BTYD P(alive)"),
                "expected_purchases": gettext_lazy("BTYD expected purchases")}


# -- forecast ------------------------------------------------------------------------------

def series_choices(results: dict, period: str) -> list[tuple[str, str]]:
    """Return the series of ``period`` that have a forecast, as (key, label) pairs."""
    part = (results.get("forecast") or {}).get(period)
    if not part:
        return []
    seen = {(r["by"], r["group"]) for r in rows(part["chosen"])}
    choices = [("all:all", _("Whole shop"))] if ("all", "all") in seen else []
    segment_names = dict(Segment.choices)
    for by, group in sorted(seen - {("all", "all")}):
        if by == "store":
            choices.append((f"store:{group}", _("Store: %(name)s") % {"name": group}))
        elif by == "segment":
            name = segment_names.get(group, group)
            choices.append((f"segment:{group}", _("Segment: %(name)s") % {"name": name}))
    return choices


def forecast_page(results: dict, period: str, series: str, measure: str) -> dict:
    """Return the chart, the forecast table and the backtest of one series and measure."""
    part = (results.get("forecast") or {}).get(period)
    if not part:
        # A refresh with --no-forecast stores no "forecast" at all.
        return {"has_forecast": False, "left_out": "forecast" not in results}
    by, _sep, group = series.partition(":")

    def pick(table: dict) -> list[dict]:
        return [r for r in rows(table) if r["by"] == by and r["group"] == group]

    history = pick(part["history"])
    coming = [r for r in pick(part["forecast"]) if r["measure"] == measure]
    chosen = next((r for r in pick(part["chosen"]) if r["measure"] == measure), None)
    backtest = [dict(r, name=MODEL_NAMES.get(r["model"], r["model"]))
                for r in pick(part["backtest"]) if r["measure"] == measure]
    backtest.sort(key=lambda r: (r["mase"] is None, r["mase"] or 0))
    bottom_up = rows(part.get("bottom_up")) if series == "all:all" else []
    fmt = "money" if measure == "revenue" else "number"
    past = [(date.fromisoformat(r["period"][:10]), r[measure], r["complete"]) for r in history]
    ahead = [(date.fromisoformat(r["period"][:10]), r) for r in coming]
    x = [_label(d, period) for d, *_rest in past] + [_label(d, period) for d, _r in ahead
                                                     if not any(d == p[0] for p in past)]
    index = {label: i for i, label in enumerate(x)}
    actual = [value if complete else None for _d, value, complete in past]
    actual += [None] * (len(x) - len(actual))
    band = {key: [None] * len(x) for key in ("mean", "lo_80", "hi_80", "lo_95", "hi_95")}
    for day, row in ahead:
        for key in band:
            band[key][index[_label(day, period)]] = row[key]
    chart = {"kind": "forecast", "x": x, "format": fmt, "actual": actual,
             "names": {"actual": _("Actual"), "mean": _("Forecast"),
                       # xgettext:no-python-format
                       "band80": _("80% interval"),
                       # xgettext:no-python-format
                       "band95": _("95% interval"),
                       "bottom_up": _("Existing customers (BTYD)")},
             **band}
    if bottom_up:
        values = [None] * len(x)
        for row in bottom_up:
            label = _label(date.fromisoformat(row["period"][:10]), period)
            if label in index:
                values[index[label]] = row[measure]
        chart["bottom_up"] = values
    return {
        "has_forecast": bool(coming), "charts": {"forecast": chart}, "format": fmt,
        # A forecast of money is written to the whole unit: its cents would be noise.
        "table_format": "estimate" if fmt == "money" else fmt,
        "coming": [dict(r, label=_label(d, period)) for d, r in ahead],
        "chosen": chosen and dict(chosen, name=MODEL_NAMES.get(chosen["model"],
                                                               chosen["model"])),
        "backtest": backtest, "notes": part.get("notes") or [],
        "partial": part.get("partial_period"), "has_bottom_up": bool(bottom_up),
    }


def _label(start: date, period: str) -> str:
    if period == "day":
        return formatting.day(start)
    return period_label(start, period)


# -- models --------------------------------------------------------------------------------

def models_page(results: dict, run: InsightsRun | None = None) -> dict:
    """Return the churn model's figures beside its baselines and the value models' charts;
    with ``run``, its scores against the demo's truth when there is one to read."""
    return {**_churn(results.get("churn")), **_value(results.get("value")),
            "truth": truth.demo_truth(run) if run is not None else None}


def _churn(churn: dict | None) -> dict:
    if not churn:
        return {"churn": None}
    by_model = {r["model"]: r for r in rows(churn["metrics"])}
    model = by_model.get("model", {})
    # A refresh stored before a baseline existed shows the ones it has.
    models = [m for m in CHURN_MODELS if m in by_model]
    table = []
    for key, label, higher in CHURN_METRICS:
        values = [by_model.get(m, {}).get(key) for m in models]
        best = _best([v for v in values if v is not None], higher)
        table.append({"label": label, "higher": higher, "key": key, "cells": [
            {"value": v, "best": v is not None and v == best} for v in values]})
    beats = all(_beats(model.get(key), by_model.get("recency", {}).get(key), higher)
                for key, _label_, higher in CHURN_METRICS)
    importance = _influence(rows(churn["importance"]))
    p_alive_auc = by_model.get("p_alive", {}).get("roc_auc")
    return {"churn": {
        "p_alive_inverted": p_alive_auc is not None and p_alive_auc < 0.5,
        "table": table, "models": [CHURN_MODELS[m] for m in models], "beats_recency": beats,
        "test_snapshot": date.fromisoformat(churn["test_snapshot"]),
        "horizon": horizon_words(churn), "n": model.get("n"), "churn_rate": model.get("churn_rate"),
        "importance": importance, "notes": churn.get("notes") or [],
        "snapshots": rows(churn["snapshots"]), "scored": churn.get("scored"),
    }}


def _best(values: list[float], higher: bool) -> float | None:
    return (max(values) if higher else min(values)) if values else None


def _beats(ours: float | None, theirs: float | None, higher: bool) -> bool:
    if ours is None or theirs is None:
        return False
    return ours > theirs if higher else ours < theirs


def _value(value: dict | None) -> dict:
    if not value:
        return {"value": None, "charts": {}}
    # The library gives the error in per cent (-4.8); the page writes fractions as percentages.
    comparison = [dict(r, chosen=r["model"] == value["chosen"],
                       error=None if r.get("error_pct") is None else r["error_pct"] / 100)
                  for r in rows(value.get("comparison"))]
    charts = {}
    by_frequency = rows(value.get("by_frequency"))
    if by_frequency:
        names = [c for c in value["by_frequency"]["columns"]
                 if c not in ("frequency", "customers", "actual")]
        charts["by_frequency"] = {"kind": "trend", "x": [r["frequency"] for r in by_frequency],
                                  "series": [
            {"name": _("Actual"), "type": "bar", "format": "decimal",
             "values": [r["actual"] for r in by_frequency]},
            *({"name": name, "type": "line", "format": "decimal",
               "values": [r[name] for r in by_frequency]} for name in names)]}
    tracking = rows(value.get("tracking"))
    if tracking:
        charts["tracking"] = {
            "kind": "trend", "x": [formatting.day(date.fromisoformat(r["day"][:10]))
                                     for r in tracking],
            "mark": next((i for i, r in enumerate(tracking) if r["period"] == "holdout"), None),
            "mark_name": _("Holdout starts"), "zoom": False,
            "series": [{"name": _("Actual"), "type": "line", "format": "number",
                        "values": [r["actual"] for r in tracking]},
                       {"name": _("Model"), "type": "line", "format": "number",
                        "values": [r["expected"] for r in tracking]}]}
    matrix = value.get("p_alive_matrix")
    if matrix:
        recency = matrix["recency"]
        charts["p_alive"] = {
            "kind": "heatmap", "format": "percent", "max": 1,
            "x": [f"{r:g}" for r in recency], "x_name": _("Days from first to last purchase"),
            "y": [str(f) for f in range(len(matrix["rows"]))], "y_name": _("Repeat purchases"),
            "sizes": None, "value_name": _("P(alive)"),
            "cells": [[x, y, v] for y, row in enumerate(matrix["rows"])
                      for x, v in enumerate(row) if v is not None]}
    holdout_end = date.fromisoformat(value["calibration_end"]) + timedelta(
        days=value["holdout_days"])
    return {"value": {
        "chosen": value["chosen"], "comparison": comparison,
        "calibration_end": date.fromisoformat(value["calibration_end"]),
        "holdout_end": holdout_end, "holdout_days": value["holdout_days"],
        "purchase": _params(value["purchase"]), "spend": _params(value["spend"]),
        "settings": value["settings"], "totals": value["totals"],
        "matrix_T": matrix and matrix["T"],
    }, "charts": charts}


def _params(model: dict) -> dict:
    return dict(model, rows=[{"name": n, "value": v, "se": model["standard_errors"].get(n)}
                             for n, v in model["params"].items()])


def _influence(importance: list[dict]) -> list[dict]:
    """Return each feature family's share of what moves the risk, largest first.

    The share is of the mean absolute contribution (log-odds) over the scored customers,
    not of the trees' gain: the gain does not see the purchase model's start the booster
    learns from, so it would hide the strongest input. Older refreshes without
    contributions fall back to the gain.
    """
    measure = "mean_abs_contribution" if all(
        r.get("mean_abs_contribution") is not None for r in importance) else "gain_share"
    families: dict[str, dict] = {}
    for row in importance:
        family = families.setdefault(row.get("family") or "", {"share": 0.0, "features": []})
        family["share"] += float(row.get(measure) or 0.0)
        family["features"].append(row["feature"])
    total = sum(f["share"] for f in families.values()) or 1.0
    return sorted(({"label": FAMILY_LABELS.get(name, name), "share": f["share"] / total,
                    "features": ", ".join(f["features"])} for name, f in families.items()),
                  key=lambda r: -r["share"])
