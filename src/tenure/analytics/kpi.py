"""Period retention metrics: CRR, churn, retention, N x V x L with its bridge, ROR.

Definitions are DESIGN.md's "Metric definitions". The heavy work (one pass over the
transactions to customer-period rows, then window functions over those) runs in the engine;
what comes back is a few rows per period, assembled here with pandas.

How "active" is counted without a row per customer and day: a customer is active at a
period boundary :math:`b_j` when their last order before :math:`b_j` is at or after
:math:`b_j - W`. An order period :math:`k` with last order :math:`m_k` therefore keeps the
customer active at boundaries :math:`k+1 .. \\min(k', J_k)`, where :math:`k'` is their next
order period and :math:`J_k` the period holding :math:`m_k + W`. A customer's ranges do not
overlap, so S at :math:`b_j` counts the ranges holding :math:`j`, E of period :math:`j` is
S at :math:`b_{j+1}`, retained counts ranges holding both :math:`j` and :math:`j+1` (or a
range ending at :math:`j` continued by the next), and a range that does not continue the
previous one starts activity in period :math:`k`: a new customer or a reactivation. The
engine returns these ranges counted by (k, end, kind), a few hundred rows; the tests check
the result against a plain implementation of the definitions.
"""

from __future__ import annotations

import math
import warnings
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from tenure.analytics.messages import N_

from . import compiled, history, periods
from .activity import check_activity, customer_periods
from .exceptions import InputError
from .frames import as_transactions, check_period, money_sum
from .periods import period_index, start_of_index
from .summary import _as_of

KPI_COLUMNS = [
    "period", "customers_start", "customers_end", "new", "reactivated", "retained", "lost",
    "crr", "crr_seed", "churn_rate", "retention_rate", "buyers", "orders", "revenue",
    "revenue_per_customer", "avg_check", "orders_per_buyer", "repeat_rate",
    "window_covered", "unfinished",
]
BY_COLUMNS = ("segment", "channel", "store", "manager")
BRIDGE_COLUMNS = ["period", "revenue_change", "n_effect", "v_effect", "l_effect"]


def period_kpis(tx: ir.Table, *, period: str = "month", window_days: int = 365,
                by: str | None = None, as_of: Any = None,
                activity: ir.Table | None = None) -> pd.DataFrame:
    """Return the retention and revenue metrics of every period.

    With S = customers active at the period start, E = active at its end (active = ordered
    within ``window_days`` before that moment), N = new (first order ever in the period),
    retained = active at start and end, reactivated = active at end, not at start, not new:

    - ``crr`` = retained / S (= (E - N - reactivated) / S), ``crr_seed`` = (E - N) / S, the
      seed documents' form (equal when nobody reactivates); ``churn_rate`` = (S - retained) / S;
      ``lost`` = S - retained;
    - ``retention_rate`` = |buyers(P) and buyers(P-1)| / |buyers(P-1)|;
    - ``buyers`` (N of R = N x V x L), ``orders``, ``revenue`` (returns, negative amounts,
      reduce it), ``revenue_per_customer`` = revenue / buyers, ``avg_check`` (V) = revenue /
      orders, ``orders_per_buyer`` (L) = orders / buyers, ``repeat_rate`` = share of buyers who
      had ordered before the period.

    Rates are fractions; a rate over zero customers is NaN.

    Two flags say which figures can be trusted:

    - ``window_covered`` is True when the period starts at least ``window_days`` after the
      first purchase in the data (of its ``by`` group). Before that nobody can have been
      inactive for a whole window, so every customer who ever bought is "active": ``crr``
      is 1 and ``churn_rate`` 0 by construction, not by measurement. Show CRR, churn and
      ``lost`` only where it is True (on a 9-month history with a 365-day window: nowhere).
    - ``unfinished`` is True for a period still running on ``as_of``
      (`tenure.analytics.periods.is_unfinished`): its counts are "so far", not a drop.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (`tenure.analytics.frames.transactions`); a pandas or
        Arrow frame is read by it first.
    period : {"week", "month", "quarter", "year"}
        Weeks start on Monday.
    window_days : int
        The activity window W (DESIGN.md: 365 days by default, configurable per business).
    by : {"segment", "channel", "store", "manager"}, optional
        Compute every metric within each value of this column, as if each were a business of
        its own (a customer's first order in a store is new to that store). The column comes
        first in the result; missing values form the group "(none)".
    as_of : date, datetime or ISO string, optional
        The last day the data covers (inclusive), for ``unfinished``; by default the day of
        the last transaction. It does not filter the transactions.
    activity : ibis.Table or pyarrow.Table, optional
        `tenure.analytics.activity.customer_periods` of ``tx`` by ``period``, when the
        caller has it already (it is then not computed again); not with ``by``. As the
        Arrow table `tenure.analytics.history.customer_periods` returns (rows in customer
        and period order), the activity ranges are counted in numpy instead of the engine.

    Returns
    -------
    pandas.DataFrame
        One row per period (and ``by`` value) from the first to the last period with data,
        columns ``KPI_COLUMNS``; ``period`` is the period's first day.
    """
    check_period(period)
    tx = as_transactions(tx)
    if window_days <= 0:
        raise InputError(f"window_days must be positive; got {window_days!r}.")
    keys = _by_keys(tx, by)
    if activity is not None and keys:
        raise InputError("period_kpis: activity is the whole shop's; it cannot be split by "
                         f"{by}.")

    def numbered(t: ir.Table) -> ir.Table:
        if keys:
            t = t.mutate(**{keys[0]: t[keys[0]].cast("string").fill_null("(none)")})
        return t.mutate(p=period_index(t.time, period))

    # Each query compiled once per period, window and input columns (`compiled`).
    money = compiled.frame(tx, lambda t: _period_money(numbered(t), keys),
                           ("kpi.money", period, by))
    if money.empty:
        return pd.DataFrame(columns=[*keys, *KPI_COLUMNS])
    first, last = int(money.p.min()), int(money.p.max())
    if activity is None:
        ranges = compiled.frame(tx, lambda t: _activity_ranges(
            customer_periods(numbered(t), period, by=keys), keys, period, window_days),
            ("kpi.ranges", period, by, window_days))
    elif isinstance(activity, pa.Table):
        ranges = history.activity_ranges(activity, period, window_days)
    else:
        ranges = compiled.frame(check_activity(activity), lambda a: _activity_ranges(
            a, keys, period, window_days), ("kpi.ranges of activity", period, window_days))
    kpis = _assemble(money, ranges, keys, first, last, period)
    end = _as_of(tx, as_of) if as_of is not None else _day(money.last_time.max())
    return _flag(kpis, money, keys, period, window_days, end)


def nvl_bridge(kpis: pd.DataFrame) -> pd.DataFrame:
    """Split each period's revenue change into the N, V and L effects (LMDI).

    With R = N x V x L (buyers x average check x orders per buyer) and the logarithmic mean
    :math:`L(R_1, R_0) = (R_1 - R_0) / \\ln(R_1 / R_0)`, the effect of X in {N, V, L} is
    :math:`\\Delta R_X = L(R_1, R_0) \\ln(X_1 / X_0)`; the three sum exactly to
    :math:`R_1 - R_0` (Ang 2004, "Decomposition analysis for policymaking in energy", LMDI-I).

    Parameters
    ----------
    kpis : pandas.DataFrame
        The result of `period_kpis` (with its ``by`` column first, if any).

    Returns
    -------
    pandas.DataFrame
        ``period, revenue_change, n_effect, v_effect, l_effect`` for every period after the
        first (of each ``by`` group). Where R, N, V or L is not positive in either period the
        logarithms do not exist: the effects are NaN (with a warning), the change is kept.
    """
    keys = [c for c in kpis.columns if c in BY_COLUMNS]
    # Groups in the order they first come (a missing value is none), each by period: a
    # row is compared with the one before it when both are of the same group.
    group = pd.factorize(kpis[keys[0]])[0] if keys else np.zeros(len(kpis), dtype="int64")
    periods = kpis.period.to_numpy()
    order = np.lexsort((periods, group))
    order = order[group[order] >= 0]
    follows = np.flatnonzero(group[order][1:] == group[order][:-1]) + 1
    now, before = order[follows], order[follows - 1]
    bridge = pd.DataFrame({
        **({keys[0]: kpis[keys[0]].to_numpy()[now]} if keys else {}),
        "period": periods[now], **_bridge_effects(kpis, before, now)})
    if bridge.empty:
        return pd.DataFrame(columns=[*keys, *BRIDGE_COLUMNS])
    if bridge.n_effect.isna().any():
        warnings.warn(N_("N x V x L bridge: some periods have no revenue, buyers or orders on "
                         "one side; their effects are NaN."), stacklevel=2)
    return bridge


def return_on_relationship(tx: ir.Table, *, as_of: Any, customers: Any = None) -> float:
    """Return the share of the last 12 months' customers who came back or came by referral.

    ROR = |customers of the last 12 months who came back or were referred| / |customers of
    the last 12 months| (DESIGN.md). A customer of the last 12 months ordered in the 365
    days ending on ``as_of`` (inclusive); they "came back" when they ordered on at least two
    different days up to ``as_of``; they "came by referral" when ``customers.referred_by``
    names someone.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (a pandas or Arrow frame is read first).
    as_of : date, datetime or ISO string
    customers : ibis.Table or pandas.DataFrame, optional
        Canonical customers; only ``customer_id`` and ``referred_by`` are read.

    Returns
    -------
    float
        A fraction; NaN (with a warning) when nobody ordered in the last 12 months.
    """
    tx = as_transactions(tx)
    end = _as_of(tx, as_of)
    tx = tx.filter(tx.amount >= 0, tx.time < ibis.literal(end + timedelta(days=1)))
    day = tx.time.cast("date")
    since = ibis.literal(end - timedelta(days=365))
    per = tx.group_by("customer_id").aggregate(
        days=day.nunique(), recent=(day > since).any(),
    ).filter(lambda t: t.recent)
    came = per.days >= 2
    referred = _referred(customers)
    if referred is not None:
        per = per.left_join(referred, "customer_id")
        came = came | per.referred.fill_null(False)
    result = per.aggregate(n=per.count(), came=came.cast("int64").sum()).to_pandas()
    n, back = int(result.n[0]), result.came[0]
    if n == 0:
        warnings.warn(N_("return on relationship: nobody ordered in the 12 months before "
                         "{end}.").format(end=end), stacklevel=2)
        return math.nan
    return float(back) / n


# -- period_kpis parts ---------------------------------------------------------------------------


def _by_keys(tx: ir.Table, by: str | None) -> list[str]:
    if by is None:
        return []
    if by not in BY_COLUMNS:
        raise InputError(f"by must be one of {', '.join(BY_COLUMNS)}; got {by!r}.")
    if by not in tx.columns:
        raise InputError(f"by={by!r}: the transactions have no {by} column; their columns "
                         f"are: {', '.join(tx.columns)}.")
    return [by]


def _period_money(tx: ir.Table, keys: list[str]) -> ir.Table:
    """Per period: revenue (returns included) and, for order lines, distinct orders.

    Orders are counted here, over a few period groups, because a COUNT(DISTINCT) per
    customer and period costs several times more.
    """
    metrics = {"revenue": money_sum(tx.amount), "first_order": tx.time.min(where=tx.amount >= 0),
               "last_time": tx.time.max()}
    if "order_id" in tx.columns:
        metrics["orders"] = tx.order_id.nunique(where=tx.amount >= 0)
    return tx.group_by([*keys, "p"]).aggregate(**metrics)


def _activity_ranges(activity: ir.Table, keys: list[str], period: str,
                     window_days: int) -> ir.Table:
    """Customer-period order rows with their activity range, counted by kind.

    ``activity`` is `tenure.analytics.activity.customer_periods`: one row per customer (and
    ``keys``) and period; those with an order (``bought``) are read: ``p``, ``last_order``
    (the time of the period's last order) and ``order_rows``.

    Row k (a customer's order period) keeps them active at boundaries p + 1 .. hi with
    hi = min(next order period, period of last order + W); `_assemble` stops it at the
    last period + 1 (the query does not depend on the data, so it is compiled once).
    ``seam``: the next row's range continues this one (active at hi and hi + 1);
    ``start``: the range does not continue the previous row's, so the customer became
    active in period p. One window pass over customer-periods; the result has a few
    hundred rows.
    """
    cp = activity.filter(activity.bought).select(
        *keys, "customer_id", "p", "last_order", "order_rows")
    cp = cp.mutate(reach=period_index(cp.last_order + ibis.interval(days=window_days), period))
    w = ibis.window(group_by=[*keys, cp.customer_id], order_by=cp.p)
    cp = cp.mutate(prev_p=cp.p.lag().over(w), next_p=cp.p.lead().over(w),
                   prev_reach=cp.reach.lag().over(w), next_reach=cp.reach.lead().over(w))
    # Without a next order period the range runs to the reach (the last period + 1 at most,
    # which `_assemble` applies: beyond the next order period nothing is cut).
    hi = ibis.least(cp.next_p.fill_null(cp.reach), cp.reach)
    rows = cp.select(
        *keys, "p", "order_rows", hi=hi,
        new=cp.prev_p.isnull(),
        both=(cp.prev_p == cp.p - 1).fill_null(False),
        seam=((hi == cp.next_p) & (cp.next_reach > cp.next_p)).fill_null(False),
        start=(cp.p + 1 <= hi) & ~(cp.prev_reach >= cp.p).fill_null(False),
    )
    return rows.group_by([*keys, "p", "hi", "new", "both", "seam", "start"]).aggregate(
        n=rows.count(), order_rows=rows.order_rows.sum())


def _assemble(money: pd.DataFrame, ranges: pd.DataFrame, keys: list[str], first: int,
              last: int, period: str) -> pd.DataFrame:
    """Turn the counted ranges into per-period figures.

    A few hundred rows: numpy on one cell per group (``keys`` value) and period boundary
    ``first .. last + 2``, for pandas costs a millisecond an operation.
    """
    values = sorted(money[keys[0]].unique()) if keys else [None]
    width = last + 3 - first
    size = len(values) * width

    def cells(frame: pd.DataFrame, p: np.ndarray) -> np.ndarray:
        group = pd.Index(values).get_indexer(frame[keys[0]]) if keys else 0
        return group * width + (p - first)

    def summed(at: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        out = np.zeros(size, dtype="int64")
        np.add.at(out, at, amounts)
        return out.reshape(len(values), width)

    r = ranges
    p, n = r.p.to_numpy(dtype="int64"), r.n.to_numpy(dtype="int64")
    # A range ends at the last period + 1 at the latest (the query does not know it).
    hi = np.minimum(r.hi.to_numpy(dtype="int64"), last + 1)
    new, both = r.new.to_numpy(dtype=bool), r.both.to_numpy(dtype=bool)
    live, seam = p + 1 <= hi, r.seam.to_numpy(dtype=bool)
    # +n / -n at boundaries, accumulated: S over [p+1, hi]; retained (active at j and j+1)
    # over [p+1, hi-1] and at the seam hi.
    at_p, at_hi = cells(r, p), cells(r, hi)
    starts = summed(np.concatenate([at_p[live] + 1, at_hi[live] + 1]),
                    np.concatenate([n[live], -n[live]])).cumsum(axis=1)
    retained = summed(np.concatenate([at_p[live] + 1, at_hi[live], at_hi[seam], at_hi[seam] + 1]),
                      np.concatenate([n[live], -n[live], n[seam], -n[seam]])).cumsum(axis=1)
    ends = np.zeros_like(starts)
    ends[:, :-1] = starts[:, 1:]
    shown = slice(0, width - 2)  # periods first .. last

    def flat(grid: np.ndarray) -> np.ndarray:
        return grid[:, shown].ravel()

    def per_period(amounts: np.ndarray) -> np.ndarray:
        return flat(summed(at_p, amounts))

    at_money = cells(money, money.p.to_numpy(dtype="int64"))
    revenue = np.full(size, np.nan)
    revenue[at_money] = money.revenue.to_numpy(dtype="float64")
    if "orders" in money.columns:
        orders = np.zeros(size, dtype="int64")
        orders[at_money] = money.orders.to_numpy(dtype="int64")
        orders = flat(orders.reshape(len(values), width))
    else:
        orders = per_period(r.order_rows.to_numpy(dtype="int64"))
    buyers = summed(at_p, n)[:, shown]
    before = np.zeros_like(buyers)  # each group's buyers of the period before
    before[:, 1:] = buyers[:, :-1]
    periods = last + 1 - first
    figures = _rates({
        "p": np.tile(np.arange(first, last + 1, dtype="int64"), len(values)),
        "customers_start": flat(starts), "customers_end": flat(ends),
        "retained": flat(retained), "buyers": buyers.ravel(), "buyers_before": before.ravel(),
        "new": per_period(np.where(new, n, 0)), "both": per_period(np.where(both, n, 0)),
        "reactivated": per_period(np.where(r.start.to_numpy(dtype=bool) & ~new, n, 0)),
        "orders": orders, "revenue": flat(revenue.reshape(len(values), width)),
    }, period)
    if keys:
        figures = {keys[0]: np.repeat(np.array(values, dtype=object), periods), **figures}
    return pd.DataFrame(figures)


def _flag(kpis: pd.DataFrame, money: pd.DataFrame, keys: list[str], period: str,
          window_days: int, as_of: date) -> pd.DataFrame:
    """Add ``window_covered`` and ``unfinished`` (see `period_kpis`)."""
    firsts = money.groupby(keys).first_order.min() if keys else money.first_order.min()
    first = kpis[keys[0]].map(firsts) if keys else pd.Series(firsts, index=kpis.index)
    covered_from = pd.to_datetime(first).dt.normalize() + pd.Timedelta(days=window_days)
    kpis["window_covered"] = (kpis.period >= covered_from).fillna(False).astype(bool)
    starts = kpis.period.drop_duplicates()  # each period once, not once per group
    running = starts[[periods.is_unfinished(p, period, as_of) for p in starts]]
    kpis["unfinished"] = kpis.period.isin(running)
    return kpis


def _day(value: Any) -> date:
    return pd.Timestamp(value).date()


def _rates(c: dict[str, np.ndarray], period: str) -> dict[str, np.ndarray]:
    """Return ``KPI_COLUMNS`` but the flags from the counts of `_assemble`."""
    s, e, n, buyers, orders = (c["customers_start"], c["customers_end"], c["new"],
                               c["buyers"], c["orders"])
    lost = s - c["retained"]
    revenue = np.where(np.isnan(c["revenue"]), 0.0, c["revenue"])
    return {
        "period": start_of_index(c["p"], period).to_numpy(),
        "customers_start": s, "customers_end": e, "new": n,
        "reactivated": c["reactivated"], "retained": c["retained"], "lost": lost,
        "crr": _ratio(c["retained"], s), "crr_seed": _ratio(e - n, s),
        "churn_rate": _ratio(lost, s),
        "retention_rate": _ratio(c["both"], c["buyers_before"]),
        "buyers": buyers, "orders": orders, "revenue": revenue,
        "revenue_per_customer": _ratio(revenue, buyers),
        "avg_check": _ratio(revenue, orders),
        "orders_per_buyer": _ratio(orders, buyers),
        "repeat_rate": _ratio(buyers - n, buyers),
    }


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Return the quotients as floats, NaN where the denominator is 0."""
    denominator = denominator.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return numerator.astype("float64") / np.where(denominator != 0, denominator, np.nan)


# -- bridge and ROR parts ----------------------------------------------------------------------


def _bridge_effects(kpis: pd.DataFrame, before: np.ndarray, now: np.ndarray) -> dict:
    """Return the revenue change and N, V, L effects from the rows ``before`` to ``now``."""
    def pair(column: str) -> tuple[np.ndarray, np.ndarray]:
        values = kpis[column].to_numpy(dtype="float64")
        return values[before], values[now]

    r0, r1 = pair("revenue")
    change = r1 - r0
    out = {"revenue_change": change}
    with np.errstate(divide="ignore", invalid="ignore"):
        same = np.isclose(r1, r0, rtol=1e-15, atol=0.0)
        weight = np.where(same, r0, change / np.log(r1 / r0))
        for name, column in (("n_effect", "buyers"), ("v_effect", "avg_check"),
                             ("l_effect", "orders_per_buyer")):
            x0, x1 = pair(column)
            effect = weight * np.log(x1 / x0)
            ok = (r0 > 0) & (r1 > 0) & (x1 > 0) & (x0 > 0)
            out[name] = np.where(ok, effect, np.nan)
    return out


def _referred(customers: Any) -> ir.Table | None:
    if customers is None:
        return None
    table = customers if isinstance(customers, ir.Table) else ibis.memtable(customers)
    if "referred_by" not in table.columns or "customer_id" not in table.columns:
        return None
    ref = table.referred_by.cast("string").strip()
    return table.select(
        customer_id=table.customer_id.cast("string"),
        referred=ref.notnull() & (ref != ""),
    ).distinct()
