"""The files of ``tenure analyze``: one offline HTML page and four CSV tables.

``report.html`` is self-contained: ECharts, the style sheet and the data (small
aggregates only, never a row per customer) are inlined, so the page opens from a disk,
a mail attachment or an air-gapped machine without a single network request.
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from tenure.analytics import periods
from tenure.analytics.analyze import CUSTOMER_COLUMNS, SEGMENT_COLUMNS, Analysis
from tenure.analytics.textfiles import neutralise_column
from tenure.analytics.value import value_at_risk

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "templates" / "report.html"
ECHARTS = HERE / "assets" / "vendor" / "echarts" / "echarts.min.js"

#: The columns of ``kpi.csv``, in order (DESIGN.md, "Metric definitions").
KPI_COLUMNS = [
    "period", "customers_start", "customers_end", "new", "reactivated", "retained", "lost",
    "crr", "crr_seed", "churn_rate", "retention_rate", "buyers", "orders", "revenue",
    "revenue_per_customer", "avg_check", "orders_per_buyer", "repeat_rate",
    "window_covered", "unfinished",
]
#: Figures that measure nothing before the activity window is covered (``window_covered``).
WINDOW_FIGURES = ("crr", "crr_seed", "churn_rate", "lost")
SEGMENT_LABELS = {
    "champions": "Champions", "loyal": "Loyal", "potential_loyalist": "Potential loyalist",
    "new": "New", "promising": "Promising", "need_attention": "Need attention",
    "about_to_sleep": "About to sleep", "cant_lose": "Can't lose them", "at_risk": "At risk",
    "hibernating": "Hibernating", "lost": "Lost",
}


#: Rows of a CSV file formatted as one block of text (in a thread of its own).
CSV_BLOCK_ROWS = 100_000


def write_report(analysis: Analysis, out_dir: Path | str) -> dict[str, Path]:
    """Write ``report.html``, ``kpi.csv``, ``cohorts.csv``, ``segments.csv``, ``customers.csv``.

    Parameters
    ----------
    analysis : Analysis
        The result of :func:`tenure.analytics.analyze.analyze`.
    out_dir : path
        Directory to write to; created when missing, files in it overwritten.

    Returns
    -------
    dict
        File kind (``report``, ``kpi``, ``cohorts``, ``segments``, ``customers``) -> path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {name: out / f"{name}.csv" for name in ("kpi", "cohorts", "segments", "customers")}
    _write_csv(_period_text(analysis.kpis[KPI_COLUMNS], analysis.period), files["kpi"])
    cohorts = analysis.cohorts.assign(
        cohort=[_period_label(c, analysis.period) for c in analysis.cohorts["cohort"]])
    _write_csv(cohorts, files["cohorts"])
    _write_csv(analysis.segments[SEGMENT_COLUMNS], files["segments"])
    _write_csv(analysis.customers[CUSTOMER_COLUMNS], files["customers"])
    files["report"] = out / "report.html"
    files["report"].write_text(render_html(analysis), encoding="utf-8")
    return {"report": files.pop("report"), **files}


def _write_csv(table: pd.DataFrame, path: Path, rows: int = CSV_BLOCK_ROWS) -> None:
    # Arrow's writer is an order of magnitude faster than pandas'; a million customers are
    # converted once (one schema: a block of empty values alone would read as another type)
    # and written as blocks of text formatted on every core, then joined in order.
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    starts = range(0, max(len(arrow), 1), rows)
    with path.open("wb") as sink, ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for text in pool.map(lambda start: _csv_block(arrow.slice(start, rows), start == 0),
                             starts):
            sink.write(text)


def _csv_block(arrow: pa.Table, header: bool) -> pa.Buffer:
    """Return the CSV text of ``arrow`` (with the header row when ``header``)."""
    # Customer ids and reasons come from the user's file: none may reach a spreadsheet as
    # a formula.
    arrow = pa.table([neutralise_column(c) for c in arrow.columns], names=arrow.column_names)
    text = pa.BufferOutputStream()
    pa_csv.write_csv(arrow, text, pa_csv.WriteOptions(quoting_style="needed",
                                                      include_header=header))
    return text.getvalue()


def render_html(analysis: Analysis) -> str:
    """Return the self-contained report page of an analysis."""
    data = json.dumps(report_data(analysis), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))
    # "</" inside a <script> element would end it early; "<\/" means the same in JSON.
    data = data.replace("</", "<\\/")
    page = TEMPLATE.read_text(encoding="utf-8")
    return (page.replace("/*@ECHARTS@*/", ECHARTS.read_text(encoding="utf-8"))
                .replace("/*@DATA@*/", data)
                .replace("@TITLE@", _escape(f"Retention report, {_day(analysis.as_of)}")))


def report_data(analysis: Analysis) -> dict[str, Any]:
    """Return the aggregates the page draws, as plain JSON-ready values."""
    kpis = _period_text(analysis.kpis, analysis.period)
    return {
        "meta": _meta(analysis),
        "tiles": _tiles(analysis),
        "kpis": _records(_honest(kpis)[KPI_COLUMNS]),
        "cohorts": _cohort_data(analysis.cohorts, analysis.period),
        "segments": [{**r, "label": SEGMENT_LABELS.get(r["segment"], str(r["segment"]))}
                     for r in _records(analysis.segments[SEGMENT_COLUMNS])],
        "abc_xyz": _records(analysis.abc_xyz_table),
        "bridge": _bridge(analysis, kpis),
        "clusters": _cluster_data(analysis.clusters),
        "value": _value_data(analysis),
        "churn": _churn_data(analysis),
        "notes": list(analysis.notes),
    }


def _meta(analysis: Analysis) -> dict[str, Any]:
    return {
        "customers": analysis.n_customers, "purchases": analysis.purchases,
        "first": _day(analysis.first_purchase), "last": _day(analysis.last_purchase),
        "as_of": _day(analysis.as_of), "period": analysis.period,
        "window_days": analysis.window_days,
        "generated": datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def _honest(kpis: pd.DataFrame) -> pd.DataFrame:
    """Blank the figures a period cannot measure; name the unfinished period "so far"."""
    kpis = kpis.copy()
    if "window_covered" in kpis:
        uncovered = ~kpis.window_covered.astype(bool)
        for column in WINDOW_FIGURES:
            kpis[column] = kpis[column].astype("float64").mask(uncovered)
    if "unfinished" in kpis:
        kpis["period"] = [f"{p} (so far)" if u else p
                          for p, u in zip(kpis.period, kpis.unfinished.astype(bool), strict=True)]
    return kpis


def _tiles(analysis: Analysis) -> list[dict[str, Any]]:
    # The tiles show the last finished period: a running month is not a drop.
    kpis = _period_text(analysis.kpis, analysis.period)
    if "unfinished" in kpis and (~kpis.unfinished.astype(bool)).any():
        kpis = kpis[~kpis.unfinished.astype(bool)]
    last = kpis.iloc[-1] if len(kpis) else None
    label = kpis["period"].iloc[-1] if len(kpis) else ""
    retention_note = None
    if last is not None and "window_covered" in kpis and not bool(last["window_covered"]):
        retention_note = (f"not measured: the history is shorter than the "
                          f"{analysis.window_days}-day activity window, so every customer "
                          f"still counts as active")
    tiles = [
        {"label": "Customers", "value": analysis.n_customers, "kind": "int",
         "note": f"bought at least once, {_day(analysis.first_purchase)} to "
                 f"{_day(analysis.last_purchase)}"},
        {"label": "Revenue", "value": float(kpis["revenue"].sum()), "kind": "money",
         "note": f"{analysis.purchases:,} purchase rows, returns deducted"},
    ]
    if last is not None:
        tiles += [
            {"label": "Active customers", "value": last["customers_end"], "kind": "int",
             "note": f"bought in the {analysis.window_days} days before the end of {label}"},
            {"label": "Customer retention rate", "kind": "pct",
             "value": None if retention_note else last["crr"],
             "note": retention_note or
             f"{label}: share of customers active at its start still active at its end"},
            {"label": "Churn rate", "kind": "pct",
             "value": None if retention_note else last["churn_rate"],
             "note": retention_note
             or f"{label}: share of customers active at its start who lapsed"},
            {"label": "Repeat rate", "value": last["repeat_rate"], "kind": "pct",
             "note": f"{label}: share of buyers who had bought before"},
            {"label": "Average check", "value": last["avg_check"], "kind": "money",
             "note": f"{label}: revenue per order"},
            {"label": "Revenue per customer", "value": last["revenue_per_customer"],
             "kind": "money", "note": f"{label}: revenue per buyer"},
        ]
    return [{**t, "value": _number(t["value"])} for t in tiles]


def _cohort_data(cohorts: pd.DataFrame, period: str) -> dict[str, Any]:
    offsets = [c for c in cohorts.columns if c not in ("cohort", "customers")]
    labels = [_period_label(c, period) for c in cohorts["cohort"]]
    cells = []
    for y, row in enumerate(cohorts[offsets].itertuples(index=False)):
        for x, value in enumerate(row):
            if value is not None and not pd.isna(value):
                cells.append([x, y, round(float(value), 4)])
    return {"cohorts": labels, "offsets": [str(c) for c in offsets],
            "sizes": [_number(s) for s in cohorts["customers"]], "cells": cells}


def _bridge(analysis: Analysis, kpis: pd.DataFrame) -> dict[str, Any] | None:
    """Return the last period's revenue change split into N, V and L (for the waterfall)."""
    bridge = analysis.bridge.dropna(subset=["revenue_change"])
    if bridge.empty or len(kpis) < 2:
        return None
    step = _period_text(bridge, analysis.period).iloc[-1]
    position = kpis.index[kpis["period"] == step["period"]]
    at = kpis.index.get_loc(position[0]) if len(position) else len(kpis) - 1
    before = kpis.iloc[at - 1]
    return {"from": before["period"], "to": step["period"],
            "r0": _number(before["revenue"]), "r1": _number(kpis.iloc[at]["revenue"]),
            "n": _number(step["n_effect"]), "v": _number(step["v_effect"]),
            "l": _number(step["l_effect"]), "change": _number(step["revenue_change"])}


def _cluster_data(clusters: Any) -> dict[str, Any] | None:
    if clusters is None:
        return None
    sizes = clusters.labels["cluster"].value_counts().sort_index()
    return {"k": int(clusters.k), "silhouette": _number(clusters.silhouette),
            "descriptions": [str(d) for d in clusters.descriptions],
            "sizes": [{"cluster": str(k), "customers": int(v)} for k, v in sizes.items()]}


AT_RISK_ROWS = 20


def _value_data(analysis: Analysis) -> dict[str, Any] | None:
    """Return the value models' estimates and the customers' totals."""
    if analysis.value_models is None:
        return None
    customers = analysis.customers
    models = []
    for key in ("purchase", "spend"):
        model = analysis.value_models[key]
        models.append({"name": model.label, "params": [
            {"name": n, "value": _number(v), "se": _number(model.standard_errors_[n])}
            for n, v in model.params_.items()]})
    return {"models": models, "clv": _number(customers["clv"].sum()),
            "expected": _number(customers["expected_purchases_90d"].sum())}


def _churn_data(analysis: Analysis) -> dict[str, Any] | None:
    """Return the churn model's metrics beside its baselines and the most value at risk."""
    result = analysis.churn
    if result is None:
        return None
    customers = analysis.customers
    scored = customers["churn_risk"].notna().to_numpy()
    # The CRM's At risk rule: expected value lost, not CLV x risk (which counts leaving twice).
    lost = value_at_risk(*(pd.to_numeric(customers[c], errors="coerce")[scored]
                           for c in ("clv", "p_alive", "churn_risk")))
    # The two numbers are sorted, not the million rows with their reasons: the rows on
    # top are taken after.
    ranking = pd.DataFrame({"at_risk": lost["value_at_risk"].to_numpy(),
                            "leaving": lost["leaving"].to_numpy()})
    rows = ranking.sort_values(["at_risk", "leaving"], ascending=False,
                               kind="stable").head(AT_RISK_ROWS).index.to_numpy()
    top = customers.iloc[np.flatnonzero(scored)[rows]].assign(
        at_risk=ranking["at_risk"].to_numpy()[rows])
    return {
        "test_snapshot": _day(result.test_snapshot), "horizon": result.horizon.describe(),
        "metrics": _records(result.metrics),
        "at_risk": _records(top[["customer_id", "churn_risk", "clv", "at_risk",
                                 "churn_reasons"]]),
    }


def _period_text(table: pd.DataFrame, period: str) -> pd.DataFrame:
    """Return a copy whose ``period`` column reads as the period does (2024-03, 2024 Q1)."""
    table = table.copy()
    table["period"] = [_period_label(p, period) for p in table["period"]]
    return table


def _period_label(value: Any, period: str) -> str:
    if isinstance(value, str):
        return value
    return periods.period_label(value, period)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _number(v) if not isinstance(v, str) else v for k, v in row.items()}
            for row in table.to_dict(orient="records")]


def _number(value: Any) -> Any:
    """Return a JSON-safe plain number (None for NaN and missing values)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return _day(value)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _day(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
