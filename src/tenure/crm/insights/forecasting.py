"""Sales forecasts in the refresh: per day, week and month, for the shop, stores and segments.

Calls `tenure.analytics.forecast` and keeps what the forecast page draws. The ``forecast``
part of ``InsightsRun.results``: ``{period: {"h", "partial_period", "notes": [...],
"history": table (by, group, period, revenue, orders, complete; the last HISTORY periods),
"forecast": table (by, group, measure, period, model, mean, lo_80, hi_80, lo_95, hi_95),
"chosen": table (by, group, measure, model, season_length, mase),
"backtest": table (by, group, measure, model, mase, mae, chosen),
"bottom_up": table (period, days, orders, revenue) or null}}`` for period in day, week,
month. Days and weeks are forecast for the whole shop, months for the shop, each store and
each segment: every extra series costs seconds a night (AutoARIMA on 52-week seasons most),
and days or weeks by segment are mostly noise.
"""

from __future__ import annotations

import pandas as pd

from .stored import table

PERIODS = ("day", "week", "month")
#: Periods of history kept for the chart.
HISTORY = {"day": 120, "week": 104, "month": 36}
BY = {"day": (), "week": (), "month": ("store", "segment")}


def sales_forecasts(tx, as_of, summary_df: pd.DataFrame, segments: pd.DataFrame, value,
                    warn) -> dict:
    """Return the forecast results of every period; a period that fails is null with a note.

    ``summary_df`` is the customer summary in days as of ``as_of``; ``segments`` maps
    customer_id to today's RFM segment; ``value`` is the analysis's `Value` (its fitted
    purchase and spend models give the bottom-up forecast) or None; ``warn(message)``
    records a note.
    """
    from tenure.analytics import forecast
    from tenure.analytics.exceptions import AnalyticsError

    out: dict[str, dict | None] = {}
    for period in PERIODS:
        try:
            result = forecast.sales_forecast(
                tx, period=period, by=BY[period], as_of=as_of,
                segments=segments if "segment" in BY[period] else None)
        except AnalyticsError as exc:
            warn(f"forecast by {period}: {exc}")
            out[period] = None
            continue
        history = result.history
        starts = sorted(history["period"].unique())[-HISTORY[period]:]
        bottom_up = None
        if value is not None:
            bottom_up = table(forecast.bottom_up_forecast(
                value.purchase, value.spend, summary_df, as_of=as_of,
                period=period, h=result.h)[["period", "days", "orders", "revenue"]])
        out[period] = {
            "h": int(result.h),
            "partial_period": result.partial_period,
            "notes": list(result.notes),
            "history": table(history[history["period"].isin(starts)]),
            "forecast": table(result.forecast),
            "chosen": table(result.chosen),
            "backtest": table(result.backtest[["by", "group", "measure", "model", "mase",
                                               "mae", "chosen"]]),
            "bottom_up": bottom_up,
        }
    return out
