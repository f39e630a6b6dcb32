"""Sales history: revenue and orders per day, week or month, per group, counted in the engine.

One query (a UNION ALL of one aggregation per grouping) turns the canonical transactions into a
few rows per period and group; only those come back to pandas, where the periods without sales
are filled with zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from .. import periods
from ..exceptions import InputError
from ..frames import as_transactions
from ..kpi import BY_COLUMNS
from ..summary import _as_of

#: Periods a sales forecast can count in (weeks start on Monday).
PERIODS = ("day", "week", "month")
#: Columns of `sales_history`.
HISTORY_COLUMNS = ["by", "group", "period", "revenue", "orders", "complete"]
#: The grouping and group name of the whole shop.
ALL = "all"
#: The group of transactions without a value in the ``by`` column.
NONE = "(none)"


def sales_history(tx: Any, *, period: str = "month", by: str | Sequence[str] = (),
                  segments: Any = None, as_of: Any = None) -> pd.DataFrame:
    """Return revenue and orders per period for the whole shop and each group.

    - ``revenue`` = sum of ``amount`` (returns, negative amounts, reduce it);
    - ``orders`` = distinct ``order_id`` among rows with ``amount >= 0`` when the column
      exists, else the number of such rows (as `tenure.analytics.kpi.period_kpis` counts
      them): a return is not an order.

    Every group's series runs without gaps from its first period with a transaction to the
    period holding ``as_of``; periods without sales are zeros. That last period is
    ``complete`` only when ``as_of`` is its last day (a day is always complete: ``as_of``
    counts whole).

    Parameters
    ----------
    tx : ibis.Table, pandas.DataFrame or pyarrow.Table
        Canonical transactions (`tenure.analytics.frames.transactions`); a frame is read by
        `tenure.analytics.frames.as_transactions` first.
    period : {"day", "week", "month"}
        Periods start as `tenure.analytics.periods.period_start` starts them (weeks on Monday),
        so they match the KPI tables.
    by : str or sequence of {"store", "segment", "channel", "manager"}
        Groupings besides the whole shop (``by = group = "all"``). Transactions without a
        value form the group ``"(none)"``.
    segments : table, optional
        ``customer_id -> segment`` (pandas, Arrow or Ibis; one row per customer), e.g. the
        RFM segments of today. It replaces the transactions' own ``segment`` column, so each
        customer's whole history counts in their segment of today; customers it does not list
        are ``"(none)"``. Implies ``"segment"`` in ``by``.
    as_of : date, datetime or ISO string, optional
        The last day counted, inclusive (default: the day of the last transaction); later
        transactions are ignored.

    Returns
    -------
    pandas.DataFrame
        Columns ``HISTORY_COLUMNS``: ``by`` ("all", "store"...), ``group`` ("all" or the
        column's value), ``period`` (first day, Timestamp), ``revenue`` (float),
        ``orders`` (int), ``complete`` (bool), sorted by by, group and period.

    Raises
    ------
    InputError
        Unknown period or grouping, a grouping column the transactions lack, a segments
        table without ``customer_id`` and ``segment`` or listing a customer twice, or no
        transaction on or before ``as_of``.
    """
    return counted_history(tx, period=period, by=by, segments=segments, as_of=as_of)[0]


def counted_history(tx: Any, *, period: str, by: str | Sequence[str], segments: Any,
                    as_of: Any) -> tuple[pd.DataFrame, date]:
    """Return `sales_history` and the last day it counts (``as_of`` resolved)."""
    check_forecast_period(period)
    tx = as_transactions(tx)
    groupings = _groupings(tx, by, segments)
    end = _as_of(tx, as_of)
    tx = tx.filter(tx.time < ibis.literal(end + timedelta(days=1)).cast("timestamp"))
    if segments is not None:
        tx = _with_segments(tx, segments)
    counted = _counted(tx, period, groupings).to_pandas()
    if counted.empty:
        raise InputError(f"there are no transactions on or before {end}: nothing to count.")
    return _fill(counted, period, end), end


def check_forecast_period(period: str) -> None:
    """Raise InputError unless ``period`` is one of `PERIODS`."""
    if period not in PERIODS:
        raise InputError(f"period must be one of {', '.join(PERIODS)}; got {period!r}.")


def period_of(day: date, period: str) -> date:
    """Return the first day of the ``period`` holding ``day`` (weeks start on Monday)."""
    return periods.period_start(day, period)


def next_period(start: date, period: str) -> date:
    """Return the first day of the period after the one starting on ``start``."""
    return periods.next_start(start, period)


def _groupings(tx: ir.Table, by: str | Sequence[str], segments: Any) -> list[str]:
    groupings = [by] if isinstance(by, str) else list(by)
    if segments is not None and "segment" not in groupings:
        groupings.append("segment")
    for column in groupings:
        if column not in BY_COLUMNS:
            raise InputError(f"by must name columns among {', '.join(BY_COLUMNS)}; "
                             f"got {column!r}.")
        if column not in tx.columns and not (column == "segment" and segments is not None):
            hint = " (or pass segments=...)" if column == "segment" else ""
            raise InputError(f"by={column!r}: the transactions have no {column} column{hint}; "
                             f"their columns are: {', '.join(tx.columns)}.")
    return list(dict.fromkeys(groupings))


def _with_segments(tx: ir.Table, segments: Any) -> ir.Table:
    table = segments if isinstance(segments, ir.Table) else ibis.memtable(segments)
    missing = [c for c in ("customer_id", "segment") if c not in table.columns]
    if missing:
        raise InputError(f"segments needs the columns customer_id and segment; it has "
                         f"{', '.join(table.columns)}.")
    mapping = table.select(customer_id=table.customer_id.cast("string"),
                           segment=table.segment.cast("string"))
    counts = mapping.aggregate(rows=mapping.count(),
                               customers=mapping.customer_id.nunique()).to_pandas()
    if counts.rows[0] != counts.customers[0]:
        raise InputError(f"segments lists {counts.rows[0] - counts.customers[0]} customer ids "
                         "more than once: give one segment per customer.")
    if "segment" in tx.columns:
        tx = tx.drop("segment")
    return tx.left_join(mapping, "customer_id").select(*tx.columns, "segment")


def _counted(tx: ir.Table, period: str, groupings: list[str]) -> ir.Table:
    """Return one query: (by, group, period, revenue, orders) for every grouping."""
    start = periods.period_start(tx.time, period)
    tx = tx.mutate(_period=start)
    metrics: dict[str, Any] = {"revenue": tx.amount.sum().cast("float64")}
    if "order_id" in tx.columns:
        metrics["orders"] = tx.order_id.nunique(where=tx.amount >= 0).cast("int64")
    else:
        metrics["orders"] = (tx.amount >= 0).cast("int64").sum()
    parts = [tx.group_by(period=tx._period).aggregate(**metrics)
             .mutate(by=ibis.literal(ALL), group=ibis.literal(ALL))]
    for column in groupings:
        group = tx[column].cast("string").fill_null(NONE)
        parts.append(tx.group_by(period=tx._period, group=group).aggregate(**metrics)
                     .mutate(by=ibis.literal(column)))
    columns = ["by", "group", "period", "revenue", "orders"]
    return ibis.union(*[part.select(*columns) for part in parts])


def _fill(counted: pd.DataFrame, period: str, end: date) -> pd.DataFrame:
    """Give every group a row per period from its first one to the period of ``end``."""
    last = period_of(end, period)
    complete_until = last if not periods.is_unfinished(last, period, end) \
        else last - timedelta(days=1)
    counted["period"] = pd.to_datetime(counted.period)
    frames = []
    order = {name: i for i, name in enumerate([ALL, *BY_COLUMNS])}
    for (by, group), rows in counted.groupby(["by", "group"], sort=False):
        calendar = pd.DatetimeIndex(periods.starts_between(rows.period.min(), last, period),
                                    name="period")
        filled = rows.set_index("period")[["revenue", "orders"]].reindex(calendar,
                                                                          fill_value=0)
        frames.append(filled.reset_index().assign(by=by, group=group))
    history = pd.concat(frames, ignore_index=True)
    history["complete"] = history.period <= pd.Timestamp(complete_until)
    history = history.astype({"revenue": "float64", "orders": "int64"})
    history["_order"] = history.by.map(order)
    history = history.sort_values(["_order", "by", "group", "period"], kind="stable")
    return history[HISTORY_COLUMNS].reset_index(drop=True)
