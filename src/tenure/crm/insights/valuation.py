"""Customer value in the refresh: choose a purchase model on a holdout, then score everyone.

The purchase models (BG/NBD, Pareto/NBD, MBG/NBD) are compared as Fader & Hardie compare
them: each is fitted on the history up to a calibration end and asked for what each customer
buys in the holdout period after it; the one with the smallest mean absolute error per
customer is refitted on the whole history and, with the Gamma-Gamma spend model, gives every
buyer's P(alive), expected purchases in the next 90 days and CLV over the next 12 months.
Everything here calls `tenure.analytics.clv`; nothing computes on its own.

The ``value`` part of ``InsightsRun.results`` (see ``refreshing.py`` for the format):
``chosen`` (model name), ``time_unit`` ("day"), ``calibration_end``, ``holdout_days``,
``comparison`` (table: model, parameters, log_likelihood, aic, bic, mae, rmse, predicted,
actual, error_pct), ``by_frequency`` (table: frequency bin, customers, actual, one column
per model), ``purchase`` and ``spend`` (``{"name", "params", "standard_errors",
"log_likelihood", "aic", "converged"}``), ``p_alive_matrix`` (``{"T", "recency": [...],
"rows": [[...], ...]}``, frequency 0..max down the rows), ``tracking`` (table: day, actual,
expected, period), ``settings`` (``{"clv_months", "monthly_discount_rate",
"expected_days"}``) and ``totals`` (``{"clv", "expected_purchases"}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from .stored import table

#: Horizon of the CLV and its discount (DESIGN.md: discounted at a monthly rate).
#: Horizon of the expected purchases shown on each customer.
EXPECTED_DAYS = 90
#: The holdout: this many days, or a third of the history when that is shorter.
HOLDOUT_DAYS = 180
#: Fewer repeat buyers than this in the calibration period: no comparison, BG/NBD is used.
MIN_REPEAT_BUYERS = 30
CANDIDATES = ("BetaGeo", "ParetoNBD", "ModifiedBetaGeo")
MATRIX_FREQUENCIES = 15


@dataclass
class Valuation:
    """The ``value`` results and one row per buyer: customer_id, clv, p_alive,
    expected_purchases, expected_spend; plus the fitted models for the forecast."""

    results: dict
    scores: pd.DataFrame
    purchase_model: Any = None
    spend_model: Any = None
    warnings: list[str] = field(default_factory=list)


def value_customers(tx, summary_df: pd.DataFrame, as_of: date) -> Valuation:
    """Choose, fit and score the value models on the transactions up to ``as_of``.

    ``summary_df`` is the library's customer summary in days as of ``as_of``.
    """
    from tenure.analytics import clv
    from tenure.analytics.clv import holdout
    from tenure.analytics.clv import lifetime_value as clv_defaults

    results: dict[str, Any] = {"time_unit": "day", "settings": {
        "clv_months": clv_defaults.MONTHS,
        "monthly_discount_rate": clv_defaults.MONTHLY_DISCOUNT_RATE,
        "expected_days": EXPECTED_DAYS}}
    notes: list[str] = []
    first = pd.Timestamp(summary_df["first_purchase"].min()).date()
    days = min(HOLDOUT_DAYS, max((as_of - first).days // 3, 1))
    calibration_end = as_of - timedelta(days=days)
    results.update(calibration_end=calibration_end.isoformat(), holdout_days=days)
    chosen, calibrated = _compare(tx, calibration_end, as_of, results, notes)
    purchase = getattr(clv, chosen)(time_unit="day").fit(summary_df)
    spend = clv.GammaGamma(time_unit="day").fit(summary_df)
    results["chosen"] = purchase.label
    results["purchase"], results["spend"] = _describe(purchase), _describe(spend)
    margin = _margins(tx, summary_df)
    scores = pd.DataFrame({
        "customer_id": summary_df["customer_id"].astype(str).to_numpy(),
        # Positional values: the predictions are Series indexed by customer_id.
        "p_alive": np.asarray(purchase.probability_alive(summary_df)),
        "expected_purchases": np.asarray(purchase.expected_purchases(summary_df, EXPECTED_DAYS)),
        "expected_spend": np.asarray(spend.expected_spend(summary_df)),
        "clv": np.asarray(clv.customer_lifetime_value(purchase, spend, summary_df,
                                                      margin=margin)),
    })
    results["totals"] = {"clv": float(np.nansum(scores["clv"])),
                         "expected_purchases": float(scores["expected_purchases"].sum())}
    results["p_alive_matrix"] = _matrix(purchase, summary_df)
    results["tracking"] = table(holdout.cumulative_purchases(
        tx, calibrated or purchase, calibration_end, as_of, step="week"))
    return Valuation(results, scores, purchase, spend, notes)


def _compare(tx, calibration_end: date, as_of: date, results: dict, notes: list[str]):
    """Fit the candidates on the calibration period; return the best and its fitted model."""
    from tenure.analytics import clv
    from tenure.analytics.clv import holdout

    data = holdout.calibration_holdout(tx, calibration_end, as_of, unit="day").to_pandas()
    if int((data["frequency"] > 0).sum()) < MIN_REPEAT_BUYERS:
        notes.append(f"value: fewer than {MIN_REPEAT_BUYERS} repeat buyers before "
                     f"{calibration_end}; BG/NBD is used without a holdout comparison.")
        results["comparison"] = results["by_frequency"] = None
        return "BetaGeo", None
    models = [getattr(clv, name)(time_unit="day") for name in CANDIDATES
              if hasattr(clv, name)]
    comparison = holdout.compare_models(models, data)
    metrics = comparison.metrics.reset_index()
    results["comparison"] = table(metrics)
    results["by_frequency"] = table(comparison.by_frequency.reset_index())
    best = metrics.loc[metrics["mae"].idxmin(), "model"]
    model = comparison.models[best]
    return type(model).__name__, model


def _describe(model) -> dict:
    return {"name": model.label, "params": model.params_,
            "standard_errors": model.standard_errors_,
            "log_likelihood": model.log_likelihood_, "aic": model.aic_,
            "converged": bool(model.converged_), "customers": model.n_customers_}


def _margins(tx, summary_df: pd.DataFrame) -> np.ndarray:
    """Return each buyer's margin share of revenue (`tenure.analytics.value.margin_rates`)."""
    from tenure.analytics.value import margin_rates

    rates = margin_rates(tx).set_index("customer_id")["margin"]
    return rates.reindex(summary_df["customer_id"].astype(str)).fillna(1.0).to_numpy()


def _matrix(model, summary_df: pd.DataFrame) -> dict:
    """Return P(alive) by frequency and recency for customers of a year (or the median T)."""
    from tenure.analytics.clv import holdout

    longest = float(summary_df["T"].max())
    T = 365.0 if longest >= 365 else float(np.floor(summary_df["T"].median()))
    recency = np.linspace(0.0, T, 13).round()
    matrix = holdout.probability_alive_matrix(model, T, max_frequency=MATRIX_FREQUENCIES,
                                              recency=recency)
    return {"T": T, "recency": [float(r) for r in recency],
            "rows": [[None if np.isnan(v) else round(float(v), 4) for v in row]
                     for row in matrix.to_numpy()]}
