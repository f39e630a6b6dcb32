"""Every customer's transactions as arrays sorted by customer and time, and run-length kernels.

The per-customer summary and the customer-periods table are each a group-by over every
transaction with a million groups; on ten million rows each costs the engine one to two and
a half seconds. Fetched once sorted by customer and time (about the cost of one such
group-by), the transactions of a customer, of a customer-day and of a customer-period are
consecutive runs, and each table is a few passes of numpy over the arrays (tenths of a
second): the "one contiguous array plus offsets" of statsforecast.

The kernels compute exactly what the engine's queries compute
(`tenure.analytics.summary.customer_summary`,
`tenure.analytics.activity.customer_periods`), and their tests compare the two on the same
data: money is added as whole numbers of ``10 ** -MONEY_PLACES``, as the engine's decimal
sums add it, so every sum is exact and the same in every run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from . import units
from .activity import COLUMNS as PERIOD_COLUMNS
from .frames import MONEY_PLACES, MONEY_TYPE
from .periods import check_period, period_index

#: Money in whole units of 10 ** -MONEY_PLACES.
SCALE = 10 ** MONEY_PLACES
#: Sums of money stay below this many units (int64 holds 9.2e18): when the sum of every
#: amount's size could pass it, `fetch` declines and the engine's wide decimals add instead.
SAFE_UNITS = 9e18
#: Microseconds in a day: a time's day number is its microseconds // DAY_US.
DAY_US = 86_400_000_000
_LATEST, _EARLIEST = np.iinfo("int64").max, np.iinfo("int64").min
#: Combinations `activity_ranges` counts in a dense array (beyond: by sorting).
_DENSE_CELLS = 1 << 24


@dataclass
class History:
    """Transactions sorted by customer, then time.

    Attributes
    ----------
    customer : ndarray of int64
        Each row's customer key (ascending).
    time : ndarray of datetime64[us]
        Each row's time (ascending within a customer).
    amount : ndarray of int64
        Each row's amount in units of ``10 ** -MONEY_PLACES`` (negative: a return).
    """

    customer: np.ndarray
    time: np.ndarray
    amount: np.ndarray

    def __len__(self) -> int:
        return len(self.customer)


def fetch(tx: Any) -> History | None:
    """Return the transactions ``tx`` as a `History`, or None where it does not apply.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions whose ``customer_id`` is a whole number (the keys
        `tenure.analytics.analyze` gives customers).

    Returns
    -------
    History or None
        None when the customers are not whole numbers or when the amounts are so large
        that a customer's sum could pass what 64 bits hold; the engine's queries then
        compute the tables.
    """
    if not tx.customer_id.type().is_integer():
        return None
    # Amounts as the engine's exact decimals (whole numbers of 10 ** -MONEY_PLACES), which
    # Arrow holds in 128 bits: the low 64 are the number (`_units`).
    rows = tx.select(customer=tx.customer_id.cast("int64"), time=tx.time.cast("timestamp"),
                     amount=tx.amount.cast(MONEY_TYPE)).order_by(["customer", "time"]
                                                                  ).to_pyarrow()
    amount = _units(rows["amount"])
    if amount is None:
        return None
    if len(amount) and float(max(-amount.min(), amount.max())) * len(amount) >= SAFE_UNITS \
            and np.abs(amount, dtype="float64").sum() >= SAFE_UNITS:
        return None
    return History(customer=rows["customer"].to_numpy(),
                   time=rows["time"].to_numpy().astype("datetime64[us]", copy=False),
                   amount=amount)


def _units(column: pa.ChunkedArray) -> np.ndarray | None:
    """Return the whole numbers of a ``decimal128`` column of `MONEY_TYPE` (None if nulls).

    A decimal of 18 digits fits 64 bits; stored in 128 (two's complement, little-endian),
    its value is the low 64 bits of each: read in place, chunk by chunk.
    """
    kind = column.type
    if column.null_count or sys.byteorder != "little" or not pa.types.is_decimal128(kind) \
            or kind.scale != MONEY_PLACES:
        return None
    parts = []
    for chunk in column.chunks:
        words = np.frombuffer(chunk.buffers()[1], dtype="<i8")
        parts.append(words[2 * chunk.offset: 2 * (chunk.offset + len(chunk)): 2])
    if not parts:
        return np.zeros(0, dtype="int64")
    return np.concatenate(parts).astype("int64", copy=False)


def run_starts(*keys: np.ndarray) -> np.ndarray:
    """Return the first index of each run of equal consecutive ``keys`` rows."""
    n = len(keys[0])
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
    for key in keys:
        new[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(new)


def run_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return the sum of each run beginning at ``starts`` (empty when there are none)."""
    if not len(starts):
        return np.zeros(0, dtype=values.dtype)
    return np.add.reduceat(values, starts)


class CustomerDays(NamedTuple):
    """One row per customer and day with a transaction, in customer and day order."""

    customer: np.ndarray  #: the customer's key
    day: np.ndarray  #: days since 1970-01-01
    rows: np.ndarray  #: transactions that day
    orders: np.ndarray  #: of which orders (a non-negative amount)
    value: np.ndarray  #: the orders' amount, in units of 10 ** -MONEY_PLACES
    net: np.ndarray  #: every amount (returns subtracted), in those units


def customer_days(history: History) -> CustomerDays:
    """Return the customer-days of ``history``: one run-length pass over its rows.

    The summary's purchase days and the churn model's customer-days
    (`tenure.analytics.churn.daily`) are both these. Each temporary of every row is let
    go as soon as it is summed.
    """
    day = history.time.view("int64") // DAY_US
    runs = run_starts(history.customer, day)
    day = day[runs]
    is_order = history.amount >= 0
    orders = run_sums(is_order.view("int8"), runs).astype("int64")
    del is_order
    value = run_sums(np.maximum(history.amount, 0), runs)
    net = run_sums(history.amount, runs)
    rows = np.diff(np.r_[runs, len(history)]) if len(runs) else runs
    return CustomerDays(history.customer[runs], day, rows, orders, value, net)


def customer_summary(history: History, as_of: date, *, unit: str = "day") -> pd.DataFrame:
    """Return `tenure.analytics.summary.customer_summary` of ``history``, computed here.

    The same rows (customers with at least one order on or before ``as_of``, in key
    order), columns and types as the engine's query, whose docstring defines them: orders
    on the same day are one purchase, ``frequency`` the purchase days less one,
    ``monetary_value`` the mean value of the repeat purchase days; ``orders`` counts order
    rows (the caller replaces it with distinct order ids when it has them).

    Parameters
    ----------
    history : History
    as_of : date
        Calibration end, inclusive: later rows are left out.
    unit : str
        Time unit of ``recency`` and ``T`` (`tenure.analytics.units`).
    """
    scale = units.days(unit)
    end = int(np.datetime64(as_of, "D").astype("int64"))
    cut = (np.datetime64(as_of, "D") + 1).astype("datetime64[us]")
    if len(history) and history.time.max() >= cut:
        keep = history.time < cut
        history = History(history.customer[keep], history.time[keep], history.amount[keep])
    days = customer_days(history)
    # A day's value is the sum of its orders; a day with returns only is no purchase day.
    value, net, order_rows = days.value, days.net, days.orders
    run_customer, run_day = days.customer, days.day
    # Customers: their revenue counts every day; the rest only purchase days.
    everyone = run_starts(run_customer)
    revenue = run_sums(net, everyone)
    orders = run_sums(order_rows, everyone)
    bought = order_rows > 0
    if not bought.all():
        # Customers with returns only have no row: their revenue and orders are dropped.
        has_row = run_sums(bought.view("int8"), everyone) > 0
        revenue, orders = revenue[has_row], orders[has_row]
        run_customer, run_day, value = run_customer[bought], run_day[bought], value[bought]
    firsts = run_starts(run_customer)
    ends = np.r_[firsts[1:], len(run_customer)] if len(firsts) else firsts
    frequency = ends - firsts - 1
    first, last = run_day[firsts], run_day[ends - 1]
    repeat_value = (run_sums(value, firsts) - value[firsts]).astype("float64") / SCALE
    monetary = np.zeros(len(firsts))
    repeat = frequency > 0
    monetary[repeat] = repeat_value[repeat] / frequency[repeat]
    age = end - first
    return pd.DataFrame({
        "customer_id": run_customer[firsts],
        "first_purchase": first.astype("datetime64[D]").astype("datetime64[s]"),
        "last_purchase": last.astype("datetime64[D]").astype("datetime64[s]"),
        "orders": orders,
        "revenue": revenue.astype("float64") / SCALE,
        "frequency": frequency,
        "recency": (last - first) / scale,
        "T": age / scale,
        "monetary_value": monetary,
        "recency_days": end - last,
        "tenure_days": age,
        "time_unit": unit,
    }, copy=False)  # a block per column: consolidating them copies a million rows ten times


def customer_periods(history: History, period: str) -> pa.Table:
    """Return `tenure.analytics.activity.customer_periods` of ``history``, computed here.

    One row per customer and period with a transaction, in key and period order, with
    its columns (``customer_id, p, revenue, order_rows, bought, last_order``).
    """
    check_period(period)
    p = _periods(history.time, period)
    runs = run_starts(history.customer, p)
    is_order = history.amount >= 0
    order_rows = run_sums(is_order.view("int8"), runs).astype("int64")
    revenue = run_sums(history.amount, runs).astype("float64") / SCALE
    # The latest order of each run: the largest time of its order rows (a row that is not
    # an order counts as the smallest time there is; a run without orders has none).
    times = history.time.view("int64")
    last_order = _maxima(np.where(is_order, times, np.iinfo("int64").min), runs)
    bought = order_rows > 0
    arrays = {
        "customer_id": history.customer[runs], "p": p[runs], "revenue": revenue,
        "order_rows": order_rows, "bought": bought,
        "last_order": pa.array(last_order.view("datetime64[us]"), type=pa.timestamp("us"),
                               mask=~bought),
    }
    return pa.table({name: arrays[name] for name in PERIOD_COLUMNS})


def activity_ranges(periods: pa.Table, period: str, window_days: int) -> pd.DataFrame:
    """Return `tenure.analytics.kpi`'s counted activity ranges of ``periods``, computed here.

    ``periods`` is `customer_periods`' table (rows in customer and period order). The
    result is the engine's query's (`tenure.analytics.kpi._activity_ranges`, whose
    docstring defines the columns): ``p, hi, new, both, seam, start, n, order_rows``, one
    row per distinct combination, in no particular order. A customer's previous and next
    order periods, a window function in the engine, are the neighbouring rows here.
    """
    bought = periods["bought"].to_numpy()
    customer = periods["customer_id"].to_numpy()[bought]
    p = periods["p"].to_numpy()[bought]
    order_rows = periods["order_rows"].to_numpy()[bought]
    last_order = periods["last_order"].filter(periods["bought"]).to_numpy()
    if not len(p):
        return pd.DataFrame({"p": p, "hi": p, **{name: np.zeros(0, dtype=bool) for name in
                                                 ("new", "both", "seam", "start")},
                             "n": p, "order_rows": p})
    reach = _periods(last_order + np.timedelta64(window_days, "D"), period)
    same = customer[1:] == customer[:-1]
    has_prev = np.r_[False, same]
    has_next = np.r_[same, False]
    prev_p, prev_reach = np.r_[0, p[:-1]], np.r_[0, reach[:-1]]
    next_p, next_reach = np.r_[p[1:], 0], np.r_[reach[1:], 0]
    hi = np.where(has_next, np.minimum(next_p, reach), reach)
    flags = {
        "new": ~has_prev,
        "both": has_prev & (prev_p == p - 1),
        "seam": has_next & (hi == next_p) & (next_reach > next_p),
        "start": (p + 1 <= hi) & ~(has_prev & (prev_reach >= p)),
    }
    # One whole number per combination, counted: a few thousand combinations, so an array
    # of counts by number (a sort of millions of numbers costs ten times more).
    low_p, low_hi = int(p.min()), int(hi.min())
    width = int(hi.max()) - low_hi + 1
    code = (p - low_p) * width + (hi - low_hi)
    for flag in flags.values():
        code = code * 2 + flag
    size = (int(p.max()) - low_p + 1) * width * 2 ** len(flags)
    if size <= _DENSE_CELLS:
        every = np.bincount(code, minlength=size)
        codes = np.flatnonzero(every)
        counts = every[codes]
        # Order rows number fewer than 2 ** 53: their sums in floats are exact.
        sums = np.bincount(code, weights=order_rows, minlength=size)[codes].astype("int64")
    else:
        found = np.unique(code, return_inverse=True, return_counts=True)
        codes, counts = found[0], found[2]
        sums = np.zeros(len(codes), dtype="int64")
        np.add.at(sums, found[1], order_rows)
    decoded = {}
    for name in reversed(flags):
        decoded[name] = (codes % 2).astype(bool)
        codes = codes // 2
    return pd.DataFrame({"p": codes // width + low_p, "hi": codes % width + low_hi,
                         **{name: decoded[name] for name in flags},
                         "n": counts.astype("int64"), "order_rows": sums})


def cohort_cells(periods: pa.Table) -> pd.DataFrame:
    """Return `tenure.analytics.cohorts`' cells of ``periods``, computed here.

    ``periods`` is `customer_periods`' table (rows in customer and period order). One row
    per acquisition cohort (the customer's first period with an order) and age (periods
    since) with a row: ``cohort, age, buyers`` (customers with an order then), ``revenue``
    (their net revenue then) and ``leavers`` (customers whose last order period it was);
    rows before a customer's cohort (returns only) are left out, as in the engine's query
    (`tenure.analytics.cohorts._cells`).
    """
    customer, p, bought, units = _period_columns(periods)
    starts = run_starts(customer)
    cohort = _minima(np.where(bought, p, _LATEST), starts)
    last = _maxima(np.where(bought, p, _EARLIEST), starts)
    rows = np.diff(np.r_[starts, len(customer)])
    cohort_of, last_of = np.repeat(cohort, rows), np.repeat(last, rows)
    age = p - cohort_of
    keep = (cohort_of != _LATEST) & (age >= 0)
    cohort_of, age, bought, units = cohort_of[keep], age[keep], bought[keep], units[keep]
    leaving = p[keep] == last_of[keep]
    if not len(age):
        return pd.DataFrame({"cohort": age, "age": age, "buyers": age, "revenue": [],
                             "leavers": age})
    low, ages = int(cohort_of.min()), int(age.max()) + 1
    code = (cohort_of - low) * ages + age
    cells = int(code.max()) + 1
    found = np.flatnonzero(np.bincount(code, minlength=cells))
    # Counts below 2 ** 53 are exact in bincount's floats; money is added as integers.
    buyers = np.bincount(code, weights=bought, minlength=cells).astype("int64")
    leavers = np.bincount(code, weights=leaving, minlength=cells).astype("int64")
    revenue = np.zeros(cells, dtype="int64")
    np.add.at(revenue, code, units)
    return pd.DataFrame({"cohort": found // ages + low, "age": found % ages,
                         "buyers": buyers[found],
                         "revenue": revenue[found].astype("float64") / SCALE,
                         "leavers": leavers[found]})


def customer_revenues(periods: pa.Table) -> pd.DataFrame:
    """Return each customer's revenue over ``periods`` as ABC/XYZ reads it, computed here.

    ``customer_id, revenue`` (net, exact), ``revenue_sq`` (the sum of the squares of each
    period's revenue) and ``first_p`` (the customer's first period with a row), one row
    per customer of `customer_periods`' table, as the engine's query
    (`tenure.analytics.segments.abcxyz._aggregate`).
    """
    customer, p, _, units = _period_columns(periods)
    starts = run_starts(customer)
    revenue = periods["revenue"].to_numpy()
    return pd.DataFrame({
        "customer_id": customer[starts],
        "revenue": run_sums(units, starts).astype("float64") / SCALE,
        "revenue_sq": run_sums(revenue * revenue, starts),
        "first_p": p[starts],
    })


def _period_columns(periods: pa.Table) -> tuple[np.ndarray, ...]:
    """Return the customers, periods, whether bought and revenue in money units of
    `customer_periods`' table."""
    # A revenue that was a whole number of units divided by SCALE is that number again
    # once multiplied and rounded, as the engine's cast to decimals rounds it.
    units = np.rint(periods["revenue"].to_numpy() * SCALE).astype("int64")
    return (periods["customer_id"].to_numpy(), periods["p"].to_numpy(),
            periods["bought"].to_numpy(), units)


def _minima(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return the smallest value of each run beginning at ``starts``."""
    if not len(starts):
        return np.zeros(0, dtype=values.dtype)
    return np.minimum.reduceat(values, starts)


def _periods(times: np.ndarray, period: str) -> np.ndarray:
    """Return `tenure.analytics.periods.period_index` of each time, by a table of days.

    Ten million times hold a few thousand days: their periods are looked up, which costs
    a tenth of converting every time to a calendar month.
    """
    day = times.view("int64") // DAY_US
    if not len(day):
        return day
    low = int(day.min())
    days = np.arange(low, int(day.max()) + 1).astype("datetime64[D]")
    return np.asarray(period_index(days, period), dtype="int64")[day - low]


def _maxima(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return the largest value of each run beginning at ``starts``."""
    if not len(starts):
        return np.zeros(0, dtype=values.dtype)
    return np.maximum.reduceat(values, starts)
