"""Bottom-up forecast: the existing customers' expected orders and revenue, from BTYD models."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from .. import units
from ..exceptions import InputError
from ..summary import _as_of
from .history import check_forecast_period, next_period, period_of
from .sales import HORIZONS

BOTTOM_UP_COLUMNS = ["period", "days", "t_end", "orders", "revenue"]


def bottom_up_forecast(purchase_model: Any, spend_model: Any, summary: Any, *, as_of: Any,
                       period: str = "month", h: int | None = None) -> pd.DataFrame:
    """Return the expected orders and revenue of today's customers in each coming period.

    Period :math:`k` (calendar periods, as `sales_forecast` counts them) ends on its last
    day; :math:`t_k` is the time from the end of ``as_of`` to the end of that day, in the
    purchase model's ``time_unit`` (`tenure.analytics.units.convert`), :math:`t_0 = 0`. Per
    customer :math:`i` with expected purchases :math:`E X_i(t)` in the next :math:`t`
    (conditional on their history: ``purchase_model.expected_purchases``) and expected spend
    per purchase :math:`E M_i` (``spend_model.expected_spend``, Gamma-Gamma),

    .. math::

        \\text{orders}_k = \\sum_i w_i \\,[E X_i(t_k) - E X_i(t_{k-1})], \\qquad
        \\text{revenue}_k = \\sum_i w_i \\,[E X_i(t_k) - E X_i(t_{k-1})]\\, E M_i,

    with :math:`w_i` the summary's ``weight`` column (1 without it). Summed over the periods,
    the orders are :math:`\\sum_i w_i E X_i(t_h)`. New customers are not in it: compare it
    with `sales_forecast` to see how much of the forecast the existing customers carry.
    Orders are counted as the models count purchases: orders on the same day are one.

    Parameters
    ----------
    purchase_model : fitted BetaGeo, ParetoNBD or ModifiedBetaGeo
        A continuous-time model of `tenure.analytics.clv` with a ``time_unit``.
    spend_model : fitted GammaGamma
    summary : table
        One row per customer (pandas, Arrow or Ibis): ``frequency, recency, T,
        monetary_value`` in the purchase model's unit and as of ``as_of``, as from
        ``tenure.analytics.summary.customer_summary(tx, as_of=as_of, unit=model.time_unit)``;
        optionally ``weight``.
    as_of : date, datetime or ISO string
        The summary's calibration end (its last day counted).
    period : {"day", "week", "month"}
    h : int, optional
        Periods ahead (default as `sales_forecast`). When ``as_of`` is not the last day of
        its period, the first row is the rest of that period (fewer ``days``).

    Returns
    -------
    pandas.DataFrame
        ``period`` (first day, Timestamp), ``days`` (days of the period after ``as_of``),
        ``t_end`` (:math:`t_k`, model unit), ``orders``, ``revenue``: ``h`` rows. Revenue
        is NaN when the spend model's mean spend is infinite (its q <= 1).

    Examples
    --------
    >>> bottom_up_forecast(bgnbd, gg, summary, as_of="2025-05-31", period="month", h=3)
    ... # doctest: +SKIP
    """
    check_forecast_period(period)
    h = HORIZONS[period] if h is None else h
    if not isinstance(h, int | np.integer) or h < 1:
        raise InputError(f"h (periods ahead) must be a whole number of at least 1; got {h!r}.")
    unit = getattr(purchase_model, "time_unit", None)
    if unit is None or not hasattr(purchase_model, "expected_purchases"):
        raise InputError("purchase_model must be a fitted continuous-time model of "
                         "tenure.analytics.clv (BetaGeo, ParetoNBD, ModifiedBetaGeo).")
    if as_of is None:
        raise InputError("as_of is needed: the day the summary was computed as of.")
    end = _as_of(None, as_of)  # the table is read only when as_of is None
    starts, days = _periods(end, period, h)
    t = units.convert(np.cumsum(days).astype(float), "day", unit)
    data = _frame(summary)
    weight = data["weight"].to_numpy(dtype=float) if "weight" in data.columns \
        else np.ones(len(data))
    cumulative = np.vstack([np.asarray(purchase_model.expected_purchases(data, tk), dtype=float)
                            for tk in t])  # h x customers
    increments = np.diff(cumulative, axis=0, prepend=0.0)
    spend = np.asarray(spend_model.expected_spend(data), dtype=float)
    return pd.DataFrame({
        "period": pd.to_datetime(starts), "days": days, "t_end": t,
        "orders": increments @ weight, "revenue": increments @ (weight * spend),
    }, columns=BOTTOM_UP_COLUMNS)


def _periods(end: date, period: str, h: int) -> tuple[list[date], np.ndarray]:
    """Return the first day of the h periods after ``end`` and their days after ``end``."""
    start = period_of(end + timedelta(days=1), period)
    starts, days, previous_end = [], [], end
    for _ in range(h):
        following = next_period(start, period)
        last_day = following - timedelta(days=1)
        starts.append(start)
        days.append((last_day - previous_end).days)
        start, previous_end = following, last_day
    return starts, np.array(days, dtype=np.int64)


def _frame(summary: Any) -> Any:
    """Return the summary in memory once (an Ibis table would be run again for each period)."""
    if isinstance(summary, ir.Table):
        return summary.to_pandas()
    return summary
