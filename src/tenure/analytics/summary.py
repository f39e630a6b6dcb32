"""Per-customer summaries: orders, revenue and the BTYD frequency / recency / T / monetary value.

The summary is the small table every model reads (RFM, clusters, BG/NBD, Gamma-Gamma), so it
is computed in the engine from the canonical transactions and comes back one row per customer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.types as ir

from . import units
from .exceptions import InputError
from .frames import MONEY_TYPE, as_transactions


def customer_summary(tx: ir.Table, *, as_of: Any = None, unit: str = "day") -> ir.Table:
    """Return one row per customer who ordered on or before ``as_of``.

    BTYD conventions of Fader, Hardie & Lee (2005) and the lifetimes library: orders on the
    same day collapse into one purchase; with purchase days :math:`d_1 < ... < d_{x+1}` and
    calibration end :math:`\\tau` (``as_of``),

    - ``frequency`` :math:`x` = number of purchase days - 1 (repeat purchases),
    - ``recency`` :math:`t_x = d_{x+1} - d_1`,
    - ``T`` = :math:`\\tau - d_1`,
    - ``monetary_value`` = mean value of the repeat purchase days (the first excluded; a day's
      value is the sum of its orders), 0 when :math:`x = 0`,

    in ``unit`` (`tenure.analytics.units`: day, week = 7 days, month = 30.4375 days...). An
    order is a row with a non-negative amount; returns (negative amounts) are not purchases
    but reduce ``revenue``.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (`tenure.analytics.frames.transactions`); a pandas or
        Arrow frame is read by it first.
    as_of : date, datetime or ISO string, optional
        Calibration end, inclusive (the whole day counts). Default: the day of the last
        transaction. Later transactions are ignored.
    unit : {"day", "week", "month", "quarter", "year"}

    Returns
    -------
    ibis.Table
        ``customer_id, first_purchase, last_purchase`` (dates), ``orders`` (distinct
        ``order_id`` when present, else order rows), ``revenue`` (net of returns),
        ``frequency, recency, T, monetary_value`` (BTYD, in ``unit``), ``recency_days``
        (as_of - last purchase), ``tenure_days`` (as_of - first purchase) and
        ``time_unit`` (``unit``, the same on every row: the models of
        `tenure.analytics.clv` read it, learn their unit from it and refuse data in
        another unit than the one they were fitted in).

    Examples
    --------
    >>> summary = customer_summary(tx, as_of="1997-09-30", unit="week")  # doctest: +SKIP
    """
    tx = as_transactions(tx)
    scale = units.days(unit)
    end = _as_of(tx, as_of)
    tx = tx.filter(tx.time < ibis.literal(end).cast("timestamp") + ibis.interval(days=1))
    is_order = tx.amount >= 0
    # One pass to customer-days, one to customers: no window, no join (unless order ids).
    # Sums of money as exact decimals (`frames.money_sum`): the same to the last bit every
    # run, so customers tied on value stay tied.
    amount = tx.amount.cast(MONEY_TYPE)
    days = tx.group_by(customer_id=tx.customer_id, day=tx.time.cast("date")).aggregate(
        value=amount.sum(where=is_order), net=amount.sum(),
        order_rows=is_order.cast("int64").sum(),
    )
    # A day with returns only has no purchase day and no value (null): the aggregates
    # below skip nulls, with no filter (filtered aggregates cost the engine a third more).
    days = days.mutate(purchase_day=ibis.ifelse(days.order_rows > 0, days.day, ibis.null()))
    per = days.group_by("customer_id").aggregate(
        first_purchase=days.purchase_day.min(),
        last_purchase=days.purchase_day.max(),
        purchase_days=days.purchase_day.count(),
        all_value=days.value.sum(),
        first_value=days.value.argmin(days.purchase_day),
        orders=days.order_rows.sum(),
        revenue=days.net.sum().cast("float64"),
    ).filter(lambda t: t.purchase_days > 0)
    per = per.mutate(repeat_value=(per.all_value - per.first_value).cast("float64"))
    if "order_id" in tx.columns:
        per = per.join(order_counts(tx), "customer_id").mutate(orders=lambda t: t.order_ids)
    end_date = ibis.literal(end)
    span = per.last_purchase.delta(per.first_purchase, unit="day")
    age = end_date.delta(per.first_purchase, unit="day")
    frequency = per.purchase_days - 1
    out = per.select(
        "customer_id", "first_purchase", "last_purchase", "orders",
        revenue=per.revenue.cast("float64"),
        frequency=frequency,
        recency=span / scale,
        T=age / scale,
        monetary_value=ibis.ifelse(frequency > 0, per.repeat_value / frequency, 0.0),
        recency_days=end_date.delta(per.last_purchase, unit="day"),
        tenure_days=age,
    )
    return out.mutate(time_unit=ibis.literal(unit))


def order_counts(tx: ir.Table, *, as_of: Any = None) -> ir.Table:
    """Return ``customer_id, order_ids``: each customer's distinct ``order_id`` of orders.

    An order is a row with a non-negative amount; rows after ``as_of`` (inclusive, when
    given) are left out. The ``orders`` of `customer_summary` when ``tx`` has order ids.
    """
    if as_of is not None:
        end = _as_of(tx, as_of)
        tx = tx.filter(tx.time < ibis.literal(end).cast("timestamp") + ibis.interval(days=1))
    return tx.group_by("customer_id").aggregate(
        order_ids=tx.order_id.nunique(where=tx.amount >= 0))


def opportunity_summary(tx: ir.Table, *, as_of: Any = None, unit: str = "year") -> ir.Table:
    """Return one row per customer in discrete time, for the BG/BB model.

    Each customer's first purchase day :math:`d_1` starts their clock; opportunity k is the
    k-th whole ``unit`` after it, the days :math:`(d_1 + (k-1)L, d_1 + kL]`. With
    ``n_periods`` the whole opportunities completed by ``as_of``, ``frequency`` counts the
    opportunities 1..n with a purchase and ``recency`` is the last of them (0 when none),
    as in Fader, Hardie & Shang (2010). Orders are rows with a non-negative amount.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions.
    as_of : date, datetime or ISO string, optional
        End of the calibration, inclusive. Default: the day of the last transaction.
    unit : str
        Length of one opportunity (`tenure.analytics.units`), e.g. "year" or "month".

    Returns
    -------
    ibis.Table
        ``customer_id, first_purchase, frequency, recency, n_periods`` and ``time_unit``
        (``unit``, the length of one opportunity, on every row).
    """
    tx = as_transactions(tx)
    length = units.days(unit)
    end = _as_of(tx, as_of)
    tx = tx.filter((tx.time < ibis.literal(end).cast("timestamp") + ibis.interval(days=1))
                   & (tx.amount >= 0))
    days = tx.select("customer_id", day=tx.time.cast("date")).distinct()
    first = days.group_by("customer_id").aggregate(first_purchase=days.day.min())
    joined = days.join(first, "customer_id")
    since = joined.day.delta(joined.first_purchase, unit="day")
    periods = (ibis.literal(end).delta(joined.first_purchase, unit="day") / length).floor()
    opportunity = (since / length).ceil()
    counted = (since > 0) & (opportunity <= periods)
    return joined.group_by("customer_id").aggregate(
        first_purchase=joined.first_purchase.min(),
        frequency=opportunity.nunique(where=counted).cast("int64"),
        recency=opportunity.max(where=counted).fill_null(0).cast("int64"),
        n_periods=periods.max().cast("int64"),
    ).mutate(time_unit=ibis.literal(unit))


def _as_of(tx: ir.Table, as_of: Any) -> date:
    """Return the calibration end as a date (default: the day of the last transaction)."""
    if as_of is None:
        last = tx.time.max().to_pyarrow().as_py()
        if last is None:
            raise InputError("there are no transactions to summarise.")
        return last.date() if isinstance(last, datetime) else last
    if isinstance(as_of, str):
        try:
            return date.fromisoformat(as_of[:10])
        except ValueError as exc:
            raise InputError(f"as_of must be an ISO date (2024-03-31); got {as_of!r}.") from exc
    if hasattr(as_of, "to_pydatetime"):  # pandas Timestamp
        as_of = as_of.to_pydatetime()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    raise InputError(f"as_of must be a date; got {type(as_of).__name__}.")
