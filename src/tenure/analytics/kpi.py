"""Period retention metrics: CRR, churn, retention, N x V x L with its bridge, ROR.

Definitions are DESIGN.md's "Metric definitions". The heavy work (one pass over the
transactions to customer-period rows, then window functions over those) runs in the engine;
what comes back is a few rows per period, assembled here with pandas.

How "active" is counted without a row per customer and day: a customer is active at a
period boundary :math:`b_j` when their last order before :math:`b_j` is at or after
:math:`b_j - W`. An order period :math:`k` with last order :math:`m_k` therefore keeps the
customer active at boundaries :math:`k+1 .. \\min(k', J_k)`, where :math:`k'` is their next
order period and :math:`J_k` the period holding :math:`m_k + W`. Those ranges, joined where
they touch, are activity spells :math:`[a, z]`; each spell adds 1 to S over :math:`[a, z]`,
to E over :math:`[a-1, z-1]`, to retained over :math:`[a, z-1]`, and its start in period
:math:`a - 1` is a new customer (their first order period) or a reactivation.
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

from .exceptions import InputError
from .frames import check_period
from .summary import _as_of

KPI_COLUMNS = [
    "period", "customers_start", "customers_end", "new", "reactivated", "retained", "lost",
    "crr", "crr_seed", "churn_rate", "retention_rate", "buyers", "orders", "revenue",
    "revenue_per_customer", "avg_check", "orders_per_buyer", "repeat_rate",
]
BY_COLUMNS = ("segment", "channel", "store", "manager")
BRIDGE_COLUMNS = ["period", "revenue_change", "n_effect", "v_effect", "l_effect"]
_WEEK_ORIGIN = date(1900, 1, 1)  # a Monday: weeks are counted from it


def period_kpis(tx: ir.Table, *, period: str = "month", window_days: int = 365,
                by: str | None = None) -> pd.DataFrame:
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

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (`tenure.analytics.frames.transactions`).
    period : {"week", "month", "quarter", "year"}
        Weeks start on Monday.
    window_days : int
        The activity window W (DESIGN.md: 365 days by default, configurable per business).
    by : {"segment", "channel", "store", "manager"}, optional
        Compute every metric within each value of this column, as if each were a business of
        its own (a customer's first order in a store is new to that store). The column comes
        first in the result; missing values form the group "(none)".

    Returns
    -------
    pandas.DataFrame
        One row per period (and ``by`` value) from the first to the last period with data,
        columns ``KPI_COLUMNS``; ``period`` is the period's first day.
    """
    check_period(period)
    if window_days <= 0:
        raise InputError(f"window_days must be positive; got {window_days!r}.")
    keys = _by_keys(tx, by)
    if keys:
        tx = tx.mutate(**{by: tx[by].cast("string").fill_null("(none)")})
    tx = tx.mutate(p=_period_index(tx.time, period))
    cp = _customer_periods(tx, keys)
    totals = _period_totals(cp, keys).to_pandas()
    if totals.empty:
        return pd.DataFrame(columns=[*keys, *KPI_COLUMNS])
    first, last = int(totals.p.min()), int(totals.p.max())
    events = _spell_events(cp, keys, period, window_days, last).to_pandas()
    return _assemble(totals, events, keys, first, last, period)


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
    groups = kpis.groupby(keys, sort=False) if keys else [((), kpis)]
    parts = [_bridge_rows(group.sort_values("period"), keys, key)
             for key, group in groups]
    bridge = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if bridge.empty:
        return pd.DataFrame(columns=[*keys, *BRIDGE_COLUMNS])
    if bridge.n_effect.isna().any():
        warnings.warn("N x V x L bridge: some periods have no revenue, buyers or orders on one "
                      "side; their effects are NaN.", stacklevel=2)
    return bridge[[*keys, *BRIDGE_COLUMNS]]


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
        Canonical transactions.
    as_of : date, datetime or ISO string
    customers : ibis.Table or pandas.DataFrame, optional
        Canonical customers; only ``customer_id`` and ``referred_by`` are read.

    Returns
    -------
    float
        A fraction; NaN (with a warning) when nobody ordered in the last 12 months.
    """
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
        warnings.warn("return on relationship: nobody ordered in the 12 months before "
                      f"{end}.", stacklevel=2)
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


def _period_index(time: ir.TimestampValue, period: str) -> ir.IntegerValue:
    """Return a consecutive integer per period (month 2024-01 -> 2024 * 12 + 0)."""
    if period == "week":
        index = time.cast("date").delta(ibis.literal(_WEEK_ORIGIN), unit="day") // 7
    elif period == "month":
        index = time.year() * 12 + time.month() - 1
    elif period == "quarter":
        index = time.year() * 4 + time.quarter() - 1
    else:
        index = time.year()
    return index.cast("int64")


def _period_start(index: int, period: str) -> date:
    if period == "week":
        return _WEEK_ORIGIN + timedelta(days=7 * index)
    if period == "month":
        return date(index // 12, index % 12 + 1, 1)
    if period == "quarter":
        return date(index // 4, index % 4 * 3 + 1, 1)
    return date(index, 1, 1)


def _customer_periods(tx: ir.Table, keys: list[str]) -> ir.Table:
    """One row per customer and period: last order time, orders, revenue."""
    is_order = tx.amount >= 0
    orders = (tx.order_id.nunique(where=is_order) if "order_id" in tx.columns
              else is_order.cast("int64").sum())
    return tx.group_by([*keys, "customer_id", "p"]).aggregate(
        last_order=tx.time.max(where=is_order), orders=orders, revenue=tx.amount.sum(),
    )


def _period_totals(cp: ir.Table, keys: list[str]) -> ir.Table:
    """Per period: revenue, buyers, orders, new customers and buyers of the period before."""
    money = cp.group_by([*keys, "p"]).aggregate(revenue=cp.revenue.sum())
    b = cp.filter(cp.last_order.notnull())
    group = [*keys, b.customer_id]
    b = b.mutate(prev_p=b.p.lag().over(group_by=group, order_by=b.p),
                 first_p=b.p.min().over(group_by=group))
    buyers = b.group_by([*keys, "p"]).aggregate(
        buyers=b.count(),
        orders=b.orders.sum(),
        new=(b.p == b.first_p).cast("int64").sum(),
        both=(b.prev_p == b.p - 1).fill_null(False).cast("int64").sum(),
    )
    joined = money.left_join(buyers, [*keys, "p"])
    return joined.select(*keys, "p", "revenue", "buyers", "orders", "new", "both")


def _spell_events(cp: ir.Table, keys: list[str], period: str, window_days: int,
                  last: int) -> ir.Table:
    """Per boundary index j: changes of S, E and retained, and reactivations starting at j."""
    rows = cp.filter(cp.last_order.notnull())
    group = [*keys, rows.customer_id]
    w = ibis.window(group_by=group, order_by=rows.p)
    reach = _period_index(rows.last_order + ibis.interval(days=window_days), period)
    rows = rows.mutate(
        lo=rows.p + 1,
        hi=ibis.least(rows.p.lead().over(w).fill_null(last + 1), reach, last + 1),
        first_p=rows.p.min().over(group_by=group),
    ).filter(lambda t: t.lo <= t.hi)
    w = ibis.window(group_by=[*keys, rows.customer_id], order_by=rows.p)
    starts = (rows.hi.lag().over(w) + 1 != rows.lo).fill_null(True).cast("int64")
    rows = rows.mutate(start=starts)
    w = ibis.window(group_by=[*keys, rows.customer_id], order_by=rows.p, preceding=None,
                    following=0)
    rows = rows.mutate(spell=rows.start.sum().over(w))
    spells = rows.group_by([*keys, "customer_id", "spell"]).aggregate(
        a=rows.lo.min(), z=rows.hi.max(), first_p=rows.first_p.min(),
    )
    # Each spell's contributions as +1/-1 at boundaries; summed and accumulated later.
    s = spells
    zero = ibis.literal(0, "int64")
    one = ibis.literal(1, "int64")
    parts = [
        s.select(*keys, j=s.a, d_start=one, d_end=zero, d_retained=one, reactivated=zero),
        s.select(*keys, j=s.z + 1, d_start=-one, d_end=zero, d_retained=zero,
                 reactivated=zero),
        s.select(*keys, j=s.z, d_start=zero, d_end=-one, d_retained=-one, reactivated=zero),
        s.select(*keys, j=s.a - 1, d_start=zero, d_end=one, d_retained=zero,
                 reactivated=(s.a - 1 != s.first_p).cast("int64")),
    ]
    events = ibis.union(*parts)
    return events.group_by([*keys, "j"]).aggregate(
        d_start=events.d_start.sum(), d_end=events.d_end.sum(),
        d_retained=events.d_retained.sum(), reactivated=events.reactivated.sum(),
    )


def _assemble(totals: pd.DataFrame, events: pd.DataFrame, keys: list[str], first: int,
              last: int, period: str) -> pd.DataFrame:
    periods = pd.DataFrame({"p": np.arange(first, last + 1)})
    if keys:
        values = pd.DataFrame({keys[0]: sorted(totals[keys[0]].unique())})
        grid = values.merge(periods, how="cross")
    else:
        grid = periods
    events = events.rename(columns={"j": "p"})
    events = events.groupby([*keys, "p"], as_index=False).sum()
    full = pd.concat([grid.assign(_grid=True), events], ignore_index=True)
    full = full.groupby([*keys, "p"], as_index=False).agg(
        {"_grid": "max", "d_start": "sum", "d_end": "sum", "d_retained": "sum",
         "reactivated": "sum"})
    full = full.sort_values([*keys, "p"])
    run = full.groupby(keys)[["d_start", "d_end", "d_retained"]].cumsum() if keys else \
        full[["d_start", "d_end", "d_retained"]].cumsum()
    full["customers_start"] = run.d_start.astype("int64")
    full["customers_end"] = run.d_end.astype("int64")
    full["retained"] = run.d_retained.astype("int64")
    full = full[full._grid.eq(True)].merge(totals, on=[*keys, "p"], how="left")
    return _rates(full, keys, period)


def _rates(df: pd.DataFrame, keys: list[str], period: str) -> pd.DataFrame:
    for column in ("buyers", "orders", "new", "both", "reactivated"):
        df[column] = df[column].fillna(0).astype("int64")
    df["revenue"] = df.revenue.fillna(0.0).astype("float64")
    s, e, n = df.customers_start, df.customers_end, df.new
    df["lost"] = s - df.retained
    df["crr"] = _ratio(df.retained, s)
    df["crr_seed"] = _ratio(e - n, s)
    df["churn_rate"] = _ratio(df.lost, s)
    prev_buyers = df.groupby(keys).buyers.shift(1) if keys else df.buyers.shift(1)
    df["retention_rate"] = _ratio(df.both, prev_buyers.fillna(0))
    df["revenue_per_customer"] = _ratio(df.revenue, df.buyers)
    df["avg_check"] = _ratio(df.revenue, df.orders)
    df["orders_per_buyer"] = _ratio(df.orders, df.buyers)
    df["repeat_rate"] = _ratio(df.buyers - n, df.buyers)
    df["period"] = pd.to_datetime([_period_start(int(p), period) for p in df.p])
    return df[[*keys, *KPI_COLUMNS]].reset_index(drop=True)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    numerator = numerator.astype("float64")
    denominator = denominator.astype("float64")
    return numerator.div(denominator.where(denominator != 0))


# -- bridge and ROR parts ----------------------------------------------------------------------


def _bridge_rows(group: pd.DataFrame, keys: list[str], key) -> pd.DataFrame:
    r = group.revenue.to_numpy(dtype="float64")
    factors = {"n_effect": group.buyers.to_numpy(dtype="float64"),
               "v_effect": group.avg_check.to_numpy(dtype="float64"),
               "l_effect": group.orders_per_buyer.to_numpy(dtype="float64")}
    r0, r1 = r[:-1], r[1:]
    change = r1 - r0
    with np.errstate(divide="ignore", invalid="ignore"):
        same = np.isclose(r1, r0, rtol=1e-15, atol=0.0)
        weight = np.where(same, r0, change / np.log(r1 / r0))
        out = {"period": group.period.to_numpy()[1:], "revenue_change": change}
        for name, x in factors.items():
            effect = weight * np.log(x[1:] / x[:-1])
            ok = (r0 > 0) & (r1 > 0) & (x[1:] > 0) & (x[:-1] > 0)
            out[name] = np.where(ok, effect, np.nan)
    frame = pd.DataFrame(out)
    if keys:
        frame.insert(0, keys[0], key[0] if isinstance(key, tuple) else key)
    return frame


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
