"""Calibration / holdout validation of the purchase models, and the tables of the standard charts.

A purchase model is judged as Fader & Hardie judge theirs: fit it on the customers' history up
to a calibration end, predict what each customer buys in the holdout period that follows, and
compare with what they did buy. This module builds that table from the transactions (in the
engine), fits and scores several models side by side, and returns the tables of the three
standard charts (Fader, Hardie & Lee 2005, figures 2 to 4):

1. `purchases_by_frequency`: mean actual vs predicted holdout purchases by calibration
   frequency (0, 1, ..., 7+), the "conditional expectations" chart;
2. `probability_alive_matrix`: P(alive) over a grid of frequency x recency for a given T;
3. `cumulative_purchases`: actual cumulative repeat purchases by day or week against the
   model's expectation for the cohort, through calibration and holdout.

The functions return pandas tables and draw nothing: the CRM draws its charts with ECharts
from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from .. import units
from ..exceptions import InputError
from ..frames import as_transactions
from ..summary import _as_of, customer_summary
from .base import MaximumLikelihoodModel

#: The calibration columns every continuous-time purchase model reads.
CALIBRATION = ("frequency", "recency", "T")
#: The holdout columns `calibration_holdout` adds.
HOLDOUT = ("frequency_holdout", "monetary_value_holdout", "duration_holdout")
#: Calibration frequencies from this one on share the last bin of the chart ("7+").
MAX_FREQUENCY = 7
#: Chart steps of `cumulative_purchases`, in days.
STEPS = {"day": 1, "week": 7}


def calibration_holdout(tx: Any, calibration_end: Any, holdout_end: Any = None, *,
                        unit: str = "day") -> ir.Table:
    """Return one row per customer: the calibration summary and the holdout purchases.

    The calibration columns are `tenure.analytics.summary.customer_summary` at
    ``calibration_end`` (customers whose first purchase is on or before it; same-day
    purchases merged; frequency, recency, T and monetary value in ``unit``). The holdout
    columns count the same customers' purchases after it:

    - ``frequency_holdout``: purchase days in (calibration_end, holdout_end], orders of
      one day merged into one purchase as in the summary (every holdout purchase is a
      repeat purchase, so it is what the models' ``expected_purchases`` predict);
    - ``monetary_value_holdout``: the mean value of those purchase days, 0 when none;
    - ``duration_holdout``: holdout_end - calibration_end in ``unit``, the horizon to
      predict.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (`tenure.analytics.frames.transactions`); a pandas or
        Arrow frame is read by it first.
    calibration_end : date, datetime or ISO string
        Last day of the calibration period (inclusive).
    holdout_end : date, datetime or ISO string, optional
        Last day of the holdout period (inclusive); default: the day of the last
        transaction.
    unit : {"day", "week", "month", "quarter", "year"}

    Returns
    -------
    ibis.Table
        ``customer_id, first_purchase, frequency, recency, T, monetary_value,
        frequency_holdout, monetary_value_holdout, duration_holdout``.

    Examples
    --------
    >>> table = calibration_holdout(tx, "1997-09-30", "1998-06-30", unit="week")
    ... # doctest: +SKIP
    """
    tx = as_transactions(tx)
    scale = units.days(unit)
    start, end = _period(tx, calibration_end, holdout_end)
    calibration = customer_summary(tx, as_of=start, unit=unit).select(
        "customer_id", "first_purchase", *CALIBRATION, "monetary_value")
    later = tx.filter((tx.time >= _day_start(start + timedelta(days=1)))
                      & (tx.time < _day_start(end + timedelta(days=1))))
    is_order = later.amount >= 0
    days = later.group_by(customer_id=later.customer_id, day=later.time.cast("date")).aggregate(
        value=later.amount.sum(where=is_order), order_rows=is_order.cast("int64").sum())
    bought = days.filter(days.order_rows > 0)
    holdout = bought.group_by("customer_id").aggregate(
        purchases=bought.count(), value=bought.value.sum())
    joined = calibration.left_join(holdout, calibration.customer_id == holdout.customer_id)
    purchases = joined.purchases.fill_null(0)
    return joined.select(
        "customer_id", "first_purchase", *CALIBRATION, "monetary_value",
        frequency_holdout=purchases,
        monetary_value_holdout=ibis.ifelse(purchases > 0, joined.value / purchases, 0.0),
        duration_holdout=ibis.literal((end - start).days / scale),
    )


@dataclass(frozen=True)
class ModelComparison:
    """What `compare_models` returns.

    Attributes
    ----------
    metrics : pandas.DataFrame
        One row per model, indexed by its name (``label``): ``parameters`` (count),
        ``log_likelihood``, ``aic``, ``bic`` (calibration fit), ``mae`` and ``rmse``
        (holdout purchases per customer), ``predicted`` and ``actual`` (total holdout
        purchases), ``error_pct`` (100 (predicted - actual) / actual).
    by_frequency : pandas.DataFrame
        The chart of `purchases_by_frequency`: per calibration frequency bin, the
        customers, their mean actual holdout purchases and each model's mean prediction.
    models : dict
        The fitted models by name.
    """

    metrics: pd.DataFrame
    by_frequency: pd.DataFrame
    models: dict[str, MaximumLikelihoodModel]


def compare_models(models: Iterable[MaximumLikelihoodModel], table: Any, *,
                   max_frequency: int = MAX_FREQUENCY) -> ModelComparison:
    """Fit each purchase model on the calibration columns and score its holdout forecast.

    Each model is fitted (in place) on ``frequency``, ``recency``, ``T`` and asked for
    every customer's expected purchases over their ``duration_holdout``, which is compared
    with ``frequency_holdout``. The models must measure time in the table's unit (their
    ``time_unit``), as the fit itself cannot tell.

    Parameters
    ----------
    models : iterable of unfitted models
        e.g. ``[BetaGeo(time_unit="week"), ParetoNBD(time_unit="week")]``; named by their
        ``label`` (a repeated label gets " (2)", " (3)"...).
    table : table
        The output of `calibration_holdout` (Ibis, pandas, polars or Arrow).
    max_frequency : int
        The last bin of the by-frequency chart holds this calibration frequency and above.

    Returns
    -------
    ModelComparison
        ``metrics`` (one row per model), ``by_frequency`` (the chart data) and the fitted
        ``models``.
    """
    frame = _frame(table, (*CALIBRATION, "frequency_holdout", "duration_holdout"))
    actual = frame["frequency_holdout"].to_numpy(dtype=float)
    rows: list[dict[str, Any]] = []
    predictions: dict[str, np.ndarray] = {}
    fitted: dict[str, MaximumLikelihoodModel] = {}
    for model in models:
        name = _unique(model.label, fitted)
        model.fit(frame[list(CALIBRATION)])
        predicted = holdout_predictions(model, frame)
        error = predicted - actual
        rows.append({
            "model": name, "parameters": len(model.parameter_names),
            "log_likelihood": model.log_likelihood_, "aic": model.aic_, "bic": model.bic_,
            "mae": float(np.mean(np.abs(error))), "rmse": float(np.sqrt(np.mean(error**2))),
            "predicted": float(predicted.sum()), "actual": float(actual.sum()),
            "error_pct": 100 * float(error.sum() / actual.sum()) if actual.sum() else np.nan,
        })
        predictions[name], fitted[name] = predicted, model
    if not fitted:
        raise InputError("compare_models needs at least one model.")
    metrics = pd.DataFrame(rows).set_index("model")
    chart = purchases_by_frequency(frame, predictions, max_frequency=max_frequency)
    return ModelComparison(metrics, chart, fitted)


def holdout_predictions(model: Any, table: Any) -> np.ndarray:
    """Return a fitted model's expected purchases of each customer over ``duration_holdout``.

    One call of ``model.expected_purchases`` per distinct holdout length (usually one).
    """
    frame = _frame(table, (*model.columns, "duration_holdout"))
    duration = frame["duration_holdout"].to_numpy(dtype=float)
    out = np.empty(len(frame))
    for length in np.unique(duration):
        rows = duration == length
        out[rows] = model.expected_purchases(frame.loc[rows, list(model.columns)], length)
    return out


def purchases_by_frequency(table: Any, predictions: Mapping[str, Any], *,
                           max_frequency: int = MAX_FREQUENCY) -> pd.DataFrame:
    """Return the conditional-expectations chart: holdout purchases by calibration frequency.

    Customers are binned by calibration ``frequency`` 0, 1, ..., ``max_frequency - 1`` and
    "``max_frequency``\\ +"; per bin the chart shows the mean actual holdout purchases and
    each model's mean prediction (Fader, Hardie & Lee 2005, figure 4).

    Parameters
    ----------
    table : table
        ``frequency`` and ``frequency_holdout`` per customer (`calibration_holdout`).
    predictions : mapping
        Model name -> predicted holdout purchases per row of ``table``
        (`holdout_predictions`).
    max_frequency : int

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency`` ("0", "1", ..., "7+"): ``customers``, ``actual`` and one
        column per model; bins without customers are left out.
    """
    if isinstance(max_frequency, bool) or int(max_frequency) != max_frequency \
            or max_frequency < 1:
        raise InputError(f"max_frequency must be a whole number, 1 or more; "
                         f"got {max_frequency!r}.")
    frame = _frame(table, ("frequency", "frequency_holdout"))
    top = int(max_frequency)
    bins = np.minimum(frame["frequency"].to_numpy(dtype=float), top).astype(int)
    data = pd.DataFrame({"bin": bins, "actual": frame["frequency_holdout"].to_numpy(float)})
    for name, values in predictions.items():
        values = np.asarray(values, dtype=float)
        if values.shape != (len(frame),):
            raise InputError(f"the predictions of {name} have {values.size} values for "
                             f"{len(frame)} customers.")
        data[name] = values
    grouped = data.groupby("bin")
    out = grouped.mean().assign(customers=grouped.size())
    out = out[["customers", "actual", *predictions]]
    out.index = pd.Index([f"{b}+" if b == top else str(b) for b in out.index],
                         name="frequency")
    return out


def probability_alive_matrix(model: Any, T: float, *, max_frequency: int = 20,
                             recency: Any = None) -> pd.DataFrame:
    """Return P(alive) of customers observed for ``T`` over a frequency x recency grid.

    The chart of Fader, Hardie & Lee (2005, figure 3 and lifetimes'
    ``plot_probability_alive_matrix``): each cell is ``model.probability_alive`` of a
    customer with that frequency (row) and recency (column) after ``T`` time units of the
    model (BG/BB: ``n_periods`` = T opportunities). A customer without repeat purchases
    has recency 0 whatever the column says, so row 0 repeats P(alive | 0, 0, T); cells no
    history can have (BG/BB: more purchases than the opportunity of the last one, or a
    purchase at opportunity 0) are NaN.

    Parameters
    ----------
    model : fitted purchase model
    T : float
        Observation length in the model's time unit (a whole number for BG/BB).
    max_frequency : int
        Rows are the frequencies 0..max_frequency.
    recency : array-like, optional
        Column recencies, within [0, T]; default 0, 1, ..., floor(T).

    Returns
    -------
    pandas.DataFrame
        Index ``frequency``, columns ``recency``.
    """
    T = float(T)
    if not np.isfinite(T) or T < 0:
        raise InputError(f"T must be a non-negative number; got {T!r}.")
    grid = np.arange(0.0, np.floor(T) + 1) if recency is None else np.asarray(
        recency, dtype=float)
    if grid.size == 0 or np.any(grid < 0) or np.any(grid > T):
        raise InputError(f"recency values must lie within 0..T ({T:g}).")
    frequencies = np.arange(int(max_frequency) + 1, dtype=float)
    x, tx = (a.ravel() for a in np.meshgrid(frequencies, grid, indexing="ij"))
    tx = np.where(x == 0, 0.0, tx)
    discrete = getattr(model, "discrete", False)
    possible = (x <= tx) & ((x == 0) | (tx > 0)) if discrete else np.ones(len(x), bool)
    cells = pd.DataFrame({"frequency": x[possible], "recency": tx[possible],
                          "n_periods" if discrete else "T": T})
    values = np.full(len(x), np.nan)
    values[possible] = model.probability_alive(cells)
    return pd.DataFrame(values.reshape(len(frequencies), len(grid)),
                        index=pd.Index(frequencies.astype(int), name="frequency"),
                        columns=pd.Index(grid, name="recency"))


def cumulative_purchases(tx: Any, model: Any, calibration_end: Any, holdout_end: Any = None,
                         *, step: str = "week") -> pd.DataFrame:
    """Return the cohort's cumulative repeat purchases, actual and expected, by day or week.

    The tracking chart of Fader, Hardie & Lee (2005, figure 2). The cohort is the
    customers whose first purchase is on or before ``calibration_end`` (those a model is
    fitted on). At the end of each step since the cohort's first purchase day:

    - ``actual``: their repeat purchase days so far (same-day orders merged, the first
      purchase day of each customer not counted);
    - ``expected``: :math:`\\sum_i E[X(d - s_i)]`, the model's unconditional expected
      repeat purchases of customer i (``model.expected_repeat_purchases``) over the time
      since their first purchase :math:`s_i`, in the model's ``time_unit``. A discrete
      model (BG/BB) counts whole opportunities since the first purchase.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions.
    model : fitted purchase model
    calibration_end, holdout_end : date, datetime or ISO string
        As in `calibration_holdout`.
    step : {"day", "week"}
        Points every day or every 7 days from the cohort's first purchase day; the
        calibration end and the holdout end are always points.

    Returns
    -------
    pandas.DataFrame
        ``day`` (the step's last day), ``elapsed`` (days since the cohort's first day),
        ``actual``, ``expected``, ``period`` ("calibration" up to and including the
        calibration end, then "holdout").
    """
    if step not in STEPS:
        raise InputError(f"step must be one of {', '.join(STEPS)}; got {step!r}.")
    tx = as_transactions(tx)
    start, end = _period(tx, calibration_end, holdout_end)
    summary = customer_summary(tx, as_of=start)
    cohort = summary.select("customer_id", first=summary.first_purchase)
    firsts = cohort.group_by("first").aggregate(customers=cohort.count()).to_pandas()
    if firsts.empty:
        raise InputError(f"no customer made a first purchase by {start}.")
    is_order = tx.amount >= 0
    days = tx.filter(tx.time < _day_start(end + timedelta(days=1))).group_by(
        customer_id=tx.customer_id, day=tx.time.cast("date")).aggregate(
        order_rows=is_order.cast("int64").sum())
    days = days.filter(days.order_rows > 0)
    repeat = days.join(cohort, "customer_id").filter(lambda t: t.day > t.first)
    per_day = repeat.group_by("day").aggregate(purchases=repeat.count()).to_pandas()
    first_day = min(_to_date(v) for v in firsts["first"])
    points = _points(first_day, start, end, STEPS[step])
    return pd.DataFrame({
        "day": points,
        "elapsed": [(p - first_day).days for p in points],
        "actual": _cumulative(per_day, points),
        "expected": _expected_curve(model, firsts, points),
        "period": ["calibration" if p <= start else "holdout" for p in points],
    })


# --- helpers ----------------------------------------------------------------------------------


def _period(tx: ir.Table, calibration_end: Any, holdout_end: Any) -> tuple[date, date]:
    """Return the calibration and holdout ends as dates; the holdout must follow."""
    if calibration_end is None:
        raise InputError("calibration_end is required (the last day of the calibration "
                         "period).")
    start, end = _as_of(tx, calibration_end), _as_of(tx, holdout_end)
    if end <= start:
        raise InputError(f"the holdout end ({end}) must come after the calibration end "
                         f"({start}).")
    return start, end


def _day_start(day: date) -> ir.Value:
    return ibis.literal(day).cast("timestamp")


def _frame(table: Any, required: Iterable[str]) -> pd.DataFrame:
    """Return ``table`` as a pandas frame, after checking it has the ``required`` columns."""
    if isinstance(table, ir.Table):
        table = table.to_pandas()
    elif hasattr(table, "to_pandas") and not isinstance(table, pd.DataFrame):
        table = table.to_pandas()  # polars, Arrow
    if not isinstance(table, pd.DataFrame):
        table = pd.DataFrame(table)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(
            f"the table has no column {', '.join(repr(c) for c in missing)}; build it with "
            f"tenure.analytics.clv.holdout.calibration_holdout.")
    return table.reset_index(drop=True)


def _unique(label: str, taken: Mapping[str, Any]) -> str:
    name, k = label, 1
    while name in taken:
        k += 1
        name = f"{label} ({k})"
    return name


def _to_date(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _points(first_day: date, calibration_end: date, holdout_end: date, step: int
            ) -> list[date]:
    """Return the last days of the steps from ``first_day``, plus both period ends."""
    points = set()
    k = 1
    while (day := first_day + timedelta(days=k * step - 1)) < holdout_end:
        points.add(day)
        k += 1
    points.update({calibration_end, holdout_end})
    return sorted(p for p in points if p >= first_day)


def _cumulative(per_day: pd.DataFrame, points: list[date]) -> np.ndarray:
    """Return the purchases on or before each point."""
    if per_day.empty:
        return np.zeros(len(points))
    day = np.array([_to_date(d) for d in per_day["day"]], dtype="datetime64[D]")
    order = np.argsort(day)
    running = np.cumsum(per_day["purchases"].to_numpy(dtype=float)[order])
    at = np.searchsorted(day[order], np.array(points, dtype="datetime64[D]"), side="right")
    return np.where(at > 0, running[np.maximum(at - 1, 0)], 0.0)


def _expected_curve(model: Any, firsts: pd.DataFrame, points: list[date]) -> np.ndarray:
    """Return :math:`\\sum_i E[X(d - s_i)]` at each point d, grouped by first purchase day."""
    first = np.array([_to_date(d) for d in firsts["first"]], dtype="datetime64[D]")
    counts = firsts["customers"].to_numpy(dtype=float)
    elapsed = (np.array(points, dtype="datetime64[D]")[:, None] - first[None, :]).astype(
        float)
    elapsed = units.convert(np.maximum(elapsed, 0.0), "day", model.time_unit)
    if getattr(model, "discrete", False):
        elapsed = np.floor(elapsed + 1e-9)
    values, index = np.unique(elapsed, return_inverse=True)
    expected = np.asarray(model.expected_repeat_purchases(values), dtype=float)
    return expected[index.reshape(elapsed.shape)] @ counts
