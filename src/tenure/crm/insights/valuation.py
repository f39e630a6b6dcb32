"""Customer value in the refresh: the library's value results as the stored JSON.

`tenure.analytics.analyze` chooses the purchase model on a holdout
(`tenure.analytics.clv.selection.select_purchase_model`: Pareto/NBD or MBG/NBD, whichever
predicted the holdout best; BG/NBD compared for reference only, as it says P(alive) = 1 for
every customer without a repeat purchase), refits it on the whole history and, with the
Gamma-Gamma spend model, scores every buyer's P(alive), expected purchases in the next 90
days and CLV over the next 12 months. This module only converts that result for storage.

The ``value`` part of ``InsightsRun.results`` (see ``refreshing.py`` for the format):
``chosen`` (model name), ``p_alive_model`` (the name of the model P(alive) comes from: the
chosen one), ``time_unit`` ("day"), ``calibration_end``, ``holdout_days``,
``comparison`` (table: model, parameters, log_likelihood, aic, bic, mae, rmse, predicted,
actual, error_pct; null without a comparison), ``by_frequency`` (table: frequency bin,
customers, actual, one column per model; null alike), ``compared_customers`` (customers the
comparison was fitted on), ``notes`` (why the model was chosen, the sample used),
``purchase`` and ``spend`` (``{"name", "params", "standard_errors", "log_likelihood",
"aic", "converged", "customers"}``), ``p_alive_matrix`` (``{"T", "recency": [...],
"rows": [[...], ...]}``, frequency 0..max down the rows), ``tracking`` (table: day,
actual, expected, period), ``settings`` (``{"clv_months", "monthly_discount_rate",
"expected_days"}``) and ``totals`` (``{"clv", "expected_purchases"}``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stored import table

MATRIX_FREQUENCIES = 15


def value_results(value, summary_df: pd.DataFrame) -> dict:
    """Return the stored ``value`` part of an analysis's `Value`.

    ``summary_df`` is the analysis's customer summary in days (for the P(alive) matrix).
    """
    from tenure.analytics.analyze import EXPECTED_DAYS
    from tenure.analytics.clv import lifetime_value as clv_defaults

    selection, scores = value.selection, value.scores
    return {
        "chosen": selection.label, "p_alive_model": selection.model.label,
        "time_unit": "day", "calibration_end": selection.calibration_end.isoformat(),
        "holdout_days": selection.holdout_days,
        "comparison": _table_or_none(selection.comparison),
        "by_frequency": _table_or_none(selection.by_frequency),
        "compared_customers": selection.compared_customers, "notes": list(selection.notes),
        "purchase": _describe(selection.model), "spend": _describe(value.spend),
        "p_alive_matrix": _matrix(selection.model, summary_df),
        "tracking": table(value.tracking) if value.tracking is not None else None,
        "settings": {"clv_months": clv_defaults.MONTHS,
                     "monthly_discount_rate": clv_defaults.MONTHLY_DISCOUNT_RATE,
                     "expected_days": EXPECTED_DAYS},
        "totals": {"clv": float(np.nansum(scores["clv"])),
                   "expected_purchases": float(scores["expected_purchases"].sum())},
    }


def _table_or_none(frame: pd.DataFrame | None) -> dict | None:
    return table(frame) if frame is not None else None


def _describe(model) -> dict:
    return {"name": model.label, "params": model.params_,
            "standard_errors": model.standard_errors_,
            "log_likelihood": model.log_likelihood_, "aic": model.aic_,
            "converged": bool(model.converged_), "customers": model.n_customers_}


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
