"""ABC classes by share of revenue and XYZ classes by the stability of purchases.

The aggregation (one row per customer and period, then one per customer) runs in the
engine; the classification kernels :func:`abc_classes` and :func:`xyz_classes` take
numpy arrays.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tenure.analytics import history
from tenure.analytics.activity import check_activity, customer_periods
from tenure.analytics.exceptions import InputError
from tenure.analytics.frames import money_sum, to_frame
from tenure.analytics.periods import PERIODS, period_index

#: The XYZ class of a customer with too little history.
NEW = "new"
ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z", NEW)


def abc_classes(revenue: np.ndarray, thresholds: tuple[float, float] = (0.8, 0.95)) -> np.ndarray:
    """Classify customers A, B or C by their place in the cumulative revenue share.

    Customers are ranked by revenue, largest first. A customer's *share before* is the
    revenue of all customers with strictly larger revenue over the total revenue. The
    customer is A when the share before is below ``thresholds[0]`` (80 %), B when below
    ``thresholds[1]`` (95 %), else C. So the customer whose revenue carries the running
    total across 80 % is still A (the largest customer is always A, even with 90 % of
    the revenue), and equal revenues always get the same class whatever the row order.
    Customers with zero or negative net revenue are C; the total counts positive
    revenue only.

    Parameters
    ----------
    revenue : array of float
        Net revenue per customer.
    thresholds : (float, float)
        Upper bounds of the cumulative share for A and B, ``0 < a <= b <= 1``.

    Returns
    -------
    array of str
        ``"A"``, ``"B"`` or ``"C"`` per customer, in input order.

    Examples
    --------
    Revenue 50, 30, 10, 6, 4 (total 100): shares before are 0, 0.5, 0.8, 0.9, 0.96.

    >>> abc_classes(np.array([50.0, 30, 10, 6, 4])).tolist()
    ['A', 'A', 'B', 'B', 'C']
    """
    a, b = _check_pair(thresholds, "abc")
    rev = np.asarray(revenue, dtype=float)
    positive = np.where(rev > 0, rev, 0.0)
    total = positive.sum()
    out = np.full(len(rev), "C", dtype=object)
    if total <= 0:
        return out
    # One sort, largest first. The customers with strictly larger revenue are those before
    # the first of the customer's run of equal values; their revenue is the cumulative sum
    # up to that run's start.
    order = np.argsort(-positive, kind="stable")
    ordered = positive[order]
    cumulative = np.concatenate([[0.0], np.cumsum(ordered)])
    starts = np.zeros(len(ordered), dtype=np.intp)
    new_run = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    starts[new_run] = new_run
    np.maximum.accumulate(starts, out=starts)
    # The tolerance keeps a share of exactly 80 % (summed in floating point) out of A.
    before = np.empty(len(ordered))
    before[order] = cumulative[starts] / total + 1e-12
    out[(rev > 0) & (before < b)] = "B"
    out[(rev > 0) & (before < a)] = "A"
    return out


def xyz_classes(total: np.ndarray, total_sq: np.ndarray, periods: np.ndarray, *,
                thresholds: tuple[float, float] = (0.10, 0.25),
                min_periods: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Classify customers X, Y, Z by the coefficient of variation of per-period amounts.

    For a customer with amounts ``a_1 .. a_n`` over their ``n`` periods (every period
    from their first to the snapshot's, periods without a purchase counting as 0):
    ``CV = sd / mean`` with the population standard deviation
    ``sd = sqrt(sum(a_i^2) / n - mean^2)``. X when ``CV <= thresholds[0]`` (10 %),
    Y when ``CV <= thresholds[1]`` (25 %), Z above, and Z when the mean is not positive
    (returns outweigh purchases). Fewer than ``min_periods`` periods is :data:`NEW`,
    with CV NaN: too little history to judge, not a guess.

    Parameters
    ----------
    total, total_sq : array of float
        Per customer, the sum of per-period amounts and the sum of their squares.
    periods : array of int
        Per customer, the number of periods ``n``.
    thresholds : (float, float)
        Upper bounds of the CV for X and Y.
    min_periods : int
        The fewest periods a customer needs for a class.

    Returns
    -------
    classes : array of str
    cv : array of float
    """
    x, y = _check_pair(thresholds, "xyz", upper=np.inf)
    n = np.asarray(periods, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.asarray(total, dtype=float) / n
        var = np.clip(np.asarray(total_sq, dtype=float) / n - mean**2, 0.0, None)
        cv = np.where(mean > 0, np.sqrt(var) / mean, np.inf)
    classes = np.where(cv <= x, "X", np.where(cv <= y, "Y", "Z")).astype(object)
    young = n < min_periods
    classes[young] = NEW
    cv = np.where(young, np.nan, cv)
    return classes, cv


def abc_xyz(tx: Any, *, period: str = "month", abc: tuple[float, float] = (0.8, 0.95),
            xyz: tuple[float, float] = (0.10, 0.25), min_periods: int = 3,
            as_of: date | datetime | str | None = None, activity: Any = None) -> pd.DataFrame:
    """ABC and XYZ classes of every customer with a purchase up to the snapshot.

    Revenue per customer and period is summed in the engine (returns deducted); ABC
    follows :func:`abc_classes` on total net revenue and XYZ :func:`xyz_classes` on the
    per-period amounts. A customer's periods run from the period of their first
    purchase to the period containing ``as_of``, both included, so the snapshot's
    (possibly partial) period counts.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (``customer_id``, ``time``, ``amount``).
    period : {"week", "month", "quarter", "year"}
        Period length; weeks start on Monday.
    abc, xyz : (float, float)
        Class thresholds (cumulative revenue share; coefficient of variation).
    min_periods : int
        Customers with fewer periods get XYZ class ``"new"``.
    as_of : date, optional
        Snapshot date: transactions after that day are ignored (as in
        ``customer_summary``). The day of the last transaction when omitted.
    activity : ibis.Table or pyarrow.Table, optional
        `tenure.analytics.activity.customer_periods` of ``tx`` up to ``as_of`` by
        ``period``, when the caller has it already (it is then not computed again); or
        the Arrow table of `tenure.analytics.history.customer_periods`, summed in numpy.

    Returns
    -------
    DataFrame
        ``customer_id, abc, xyz, abc_xyz, revenue, periods, cv`` sorted by revenue,
        largest first. ``abc_xyz`` is ``"AX"`` .. ``"CZ"``, or ``"new"`` when XYZ is.
    """
    if period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    if not isinstance(min_periods, int) or min_periods < 1:
        raise InputError(f"min_periods must be a positive whole number, not {min_periods!r}")
    missing = {"customer_id", "time", "amount"} - set(tx.columns)
    if missing:
        raise InputError(f"the transactions lack {', '.join(sorted(missing))}")
    per_customer, snapshot = _aggregate(tx, period, as_of, activity)
    periods = period_index(snapshot, period) - per_customer["first_p"].to_numpy() + 1
    revenue = per_customer["revenue"].to_numpy(float)
    xyz_cls, cv = xyz_classes(revenue, per_customer["revenue_sq"].to_numpy(float), periods,
                              thresholds=xyz, min_periods=min_periods)
    abc_cls = abc_classes(revenue, abc)
    ids = per_customer["customer_id"].to_numpy()
    # Arrow sorts a million text ids in a fraction of pandas' time (object strings); the
    # columns are built in that order rather than taken from a frame afterwards.
    keys = pa.table({"revenue": revenue, "customer_id": pa.array(ids)})
    order = pc.sort_indices(keys, sort_keys=[("revenue", "descending"),
                                             ("customer_id", "ascending")]).to_numpy()
    abc_cls, xyz_cls = abc_cls[order], xyz_cls[order]
    return pd.DataFrame({
        "customer_id": ids[order],
        "abc": abc_cls,
        "xyz": xyz_cls,
        "abc_xyz": _combined(abc_cls, xyz_cls),
        "revenue": revenue[order],
        "periods": periods.astype("int64")[order],
        "cv": cv[order],
    })


def _combined(abc_cls: np.ndarray, xyz_cls: np.ndarray) -> np.ndarray:
    """Return "AX" .. "CZ" per customer, or "new" when the XYZ class is: by table lookup,
    not a million string concatenations."""
    names = np.array([NEW if y == NEW else a + y for a in ABC_CLASSES for y in XYZ_CLASSES],
                     dtype=object)
    row = pd.Categorical(abc_cls, categories=ABC_CLASSES).codes
    column = pd.Categorical(xyz_cls, categories=XYZ_CLASSES).codes
    return names[row * len(XYZ_CLASSES) + column]


def abc_xyz_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """Count customers in each ABC x XYZ class.

    Parameters
    ----------
    df : DataFrame
        An :func:`abc_xyz` result (columns ``abc`` and ``xyz``).

    Returns
    -------
    DataFrame
        Rows A, B, C; columns X, Y, Z, new; every cell present (zeros included).
    """
    if not {"abc", "xyz"} <= set(df.columns):
        raise InputError("abc_xyz_matrix needs the columns abc and xyz (an abc_xyz result)")
    cells = pd.MultiIndex.from_product([ABC_CLASSES, XYZ_CLASSES], names=["abc", "xyz"])
    pairs = pd.MultiIndex.from_arrays([df["abc"].astype(str), df["xyz"].astype(str)],
                                      names=["abc", "xyz"])
    counts = pd.Series(1, index=pairs, dtype="int64").groupby(level=["abc", "xyz"]).sum()
    grid = counts.reindex(cells, fill_value=0).unstack("xyz")
    return grid.reindex(index=list(ABC_CLASSES), columns=list(XYZ_CLASSES)).astype("int64")


def _aggregate(tx: Any, period: str, as_of: Any,
               activity: Any = None) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Return per customer: revenue, sum of squared period revenue, first period's number."""
    snapshot = _snapshot(tx, as_of)
    if activity is None:
        # As in customer_summary: the snapshot date is included whole.
        t = tx.filter(tx.time < ibis.literal(snapshot + timedelta(days=1)).cast("timestamp"))
        activity = customer_periods(t, period)
    if isinstance(activity, pa.Table):  # the sorted arrays' table: summed in numpy
        return history.customer_revenues(activity), pd.Timestamp(snapshot)
    by_period = check_activity(activity)
    per_customer = by_period.group_by("customer_id").aggregate(
        revenue=money_sum(by_period.revenue, totals=True),
        revenue_sq=(by_period.revenue * by_period.revenue).sum().cast("float64"),
        first_p=by_period.p.min(),
    )
    return to_frame(per_customer), pd.Timestamp(snapshot)


def _snapshot(tx: Any, as_of: Any) -> date:
    """Return the snapshot date (default: the day of the last transaction)."""
    if as_of is None:
        last = tx.time.max().to_pyarrow().as_py()
        if last is None:
            raise InputError("there are no transactions to classify")
        return last.date() if isinstance(last, datetime) else last
    try:
        ts = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise InputError(f"as_of must be a date (2024-03-31); got {as_of!r}") from exc
    return ts.date()


def _check_pair(values: tuple[float, float], name: str, upper: float = 1.0) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} thresholds must be two numbers, not {values!r}") from exc
    if not (0 < low <= high <= upper):
        raise InputError(f"{name} thresholds must satisfy 0 < first <= second <= {upper}; "
                         f"got {values!r}")
    return low, high
