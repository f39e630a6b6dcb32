"""Customer-period activity: the aggregate the cohort, ABC/XYZ and KPI tables all start from.

Each of them first sums the transactions by customer and period; on ten million lines that
pass costs more than the rest of each table. `customer_periods` does it once, and the three
take its result (``activity=``) instead of doing it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis.expr.types as ir

from .exceptions import InputError
from .frames import as_transactions, money_sum
from .periods import check_period, period_index

#: The columns of `customer_periods`.
COLUMNS = ("customer_id", "p", "revenue", "order_rows", "bought", "last_order")


def customer_periods(tx: Any, period: str, *, by: Sequence[str] = ()) -> ir.Table:
    """Return one row per customer (and ``by`` value) and period with a transaction.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (`tenure.analytics.frames.transactions`); a pandas or
        Arrow frame is read by it first.
    period : {"week", "month", "quarter", "year"}
        Weeks start on Monday (`tenure.analytics.periods`).
    by : sequence of str
        Columns of ``tx`` to keep apart as well (`tenure.analytics.kpi.period_kpis`'s
        ``by``); they come first in the result.

    Returns
    -------
    ibis.Table
        ``by`` columns, ``customer_id``; ``p``, the period's number
        (`tenure.analytics.periods.period_index`);
        ``revenue``, the sum of every amount (returns, negative, subtract); ``order_rows``,
        the rows with a non-negative amount (orders); ``bought``, whether there was one;
        ``last_order``, the time of the latest of them (null when none).

    Examples
    --------
    >>> activity = customer_periods(tx, "month").cache()  # doctest: +SKIP
    >>> cohort_table(tx, activity=activity)  # doctest: +SKIP
    """
    check_period(period)
    tx = as_transactions(tx)
    is_order = tx.amount >= 0
    rows = tx.group_by(*by, customer_id=tx.customer_id,
                       p=period_index(tx.time, period)).aggregate(
        revenue=money_sum(tx.amount),
        order_rows=is_order.cast("int64").sum(),
        last_order=tx.time.max(where=is_order),
    )
    return rows.mutate(bought=rows.order_rows > 0).select(*by, *COLUMNS)


def check_activity(activity: Any) -> ir.Table:
    """Return ``activity`` when it has the columns of `customer_periods`.

    Raises
    ------
    InputError
        It is not an Ibis table with those columns.
    """
    if not isinstance(activity, ir.Table) or not set(COLUMNS) <= set(activity.columns):
        raise InputError("activity must be the table customer_periods(tx, period) returns "
                         f"(columns {', '.join(COLUMNS)}).")
    return activity
