"""Customer value from history: LTV, simple and by formula (DESIGN.md, "Metric definitions").

- **LTV, simple** = revenue - acquisition cost - retention cost (when costs are recorded).
- **LTV, formula** = average check x orders per month x lifetime in months x margin.

Both look back at what a customer brought; the predictive CLV (BTYD purchases x Gamma-Gamma
spend) lives in ``tenure.analytics.clv``. A month is 30.4375 days (365.25 / 12), the unit of
the BTYD conventions.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from tenure.analytics import units
from tenure.analytics.exceptions import InputError
from tenure.analytics.frames import as_transactions
from tenure.analytics.summary import customer_summary
from tenure.analytics.thresholds import P_ALIVE_FLOOR, SIGNAL_RISK

MONTH_DAYS = units.days("month")  # 30.4375, as every model counts a month
COST_COLUMNS = ("acquisition_cost", "retention_cost")
#: The columns of `value_at_risk`.
AT_RISK_COLUMNS = ("value_if_stay", "leaving", "value_at_risk")


def value_at_risk(clv: Any, p_alive: Any, churn_risk: Any, signal: Any = False) -> pd.DataFrame:
    """Expected value lost per customer: what a manager should act on first.

    - **value if they stay** = CLV / max(P(alive), ``P_ALIVE_FLOOR``). A BTYD model's
      expected purchases are P(alive) x the purchases of a customer still active, so the
      predictive CLV is already discounted by the chance the customer has gone;
      multiplying it by the churn risk would count leaving twice and put every safe, big
      customer (a champion who bought last week) above the ones slipping away. The floor
      keeps a tiny CLV of someone almost surely gone from being blown up. Without P(alive)
      (NaN) the CLV is used.
    - **chance of leaving** = the churn risk, raised to at least ``SIGNAL_RISK`` where
      ``signal`` is true (an open complaint or an unhappy answer the model may not have seen).
    - **expected value lost** = value if they stay x chance of leaving.

    The CRM's At risk list (``CustomerSnapshot.objects.at_risk``) orders by the same rule in
    SQL, with these constants; a test holds the two together.

    Parameters
    ----------
    clv, p_alive, churn_risk : array-like of float
        Per customer, aligned. A missing churn risk counts as 0, a missing P(alive) as 1.
    signal : bool or array-like of bool

    Returns
    -------
    pandas.DataFrame
        ``value_if_stay, leaving, value_at_risk`` (`AT_RISK_COLUMNS`), one row per customer.

    Examples
    --------
    >>> value_at_risk([100.0], [0.5], [0.2])["value_at_risk"].tolist()
    [40.0]
    """
    clv = np.asarray(clv, dtype=float)
    p_alive = np.nan_to_num(np.asarray(p_alive, dtype=float), nan=1.0)
    risk = np.nan_to_num(np.asarray(churn_risk, dtype=float), nan=0.0)
    if not clv.shape == p_alive.shape == risk.shape:
        raise InputError("value_at_risk: clv, p_alive and churn_risk must have one value per "
                         "customer each.")
    leaving = np.where(np.asarray(signal, dtype=bool), np.maximum(risk, SIGNAL_RISK), risk)
    value_if_stay = clv / np.maximum(p_alive, P_ALIVE_FLOOR)
    return pd.DataFrame({"value_if_stay": value_if_stay, "leaving": leaving,
                         "value_at_risk": value_if_stay * leaving})


def ltv_simple(revenue: Any, acquisition_cost: Any = 0.0, retention_cost: Any = 0.0) -> Any:
    """Lifetime value as recorded: revenue minus what the customer cost to win and to keep.

    Parameters
    ----------
    revenue : float or array-like
        Revenue the customer brought, returns deducted.
    acquisition_cost, retention_cost : float or array-like
        Cost of winning the customer (advertising, welcome discount) and of keeping them
        (loyalty rewards, campaigns), in the revenue's currency.

    Returns
    -------
    float or array-like
        ``revenue - acquisition_cost - retention_cost`` (elementwise for arrays).

    Examples
    --------
    >>> ltv_simple(1200.0, 150.0, 50.0)
    1000.0
    """
    return revenue - acquisition_cost - retention_cost


def ltv_formula(
    avg_check: Any, orders_per_month: Any, lifetime_months: Any, margin: Any = 1.0
) -> Any:
    """Lifetime value by the textbook formula.

    Parameters
    ----------
    avg_check : float or array-like
        Revenue per order.
    orders_per_month : float or array-like
        Orders per month while the customer stays.
    lifetime_months : float or array-like
        How many months the customer stays.
    margin : float or array-like
        Gross margin as a fraction of revenue (1 = revenue-based LTV).

    Returns
    -------
    float or array-like
        ``avg_check * orders_per_month * lifetime_months * margin``, the undiscounted
        "average order value x purchase frequency x lifespan x margin" of e.g. Kumar,
        *Managing Customers for Profit*, 2008, ch. 1.

    Raises
    ------
    InputError
        When a frequency or lifetime is negative, or a margin lies outside 0..1.

    Examples
    --------
    $50 a purchase, 4 purchases a year, 5 years:

    >>> round(ltv_formula(50.0, 4 / 12, 5 * 12), 2)
    1000.0
    """
    rates = {"orders_per_month": orders_per_month, "lifetime_months": lifetime_months}
    for name, value in rates.items():
        if np.any(np.asarray(value, dtype="float64") < 0):
            raise InputError(f"{name} cannot be negative.")
    _check_margin(margin)
    return avg_check * orders_per_month * lifetime_months * margin


def customer_ltv(
    tx: ibis.Table,
    *,
    as_of: date | datetime | str | None = None,
    margin: float | None = None,
    costs: pd.DataFrame | None = None,
    by: str | None = None,
    lifetime_months: float | None = None,
) -> pd.DataFrame:
    """LTV of each customer (or each segment) from their own purchase history.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (``customer_id``, ``time``, ``amount``; optional ``order_id``,
        ``margin`` and the ``by`` column), e.g. from ``tenure.analytics.frames.transactions``.
    as_of : date, datetime or ISO str, optional
        The day of the valuation, inclusive (the whole day counts); later transactions are
        ignored. Default: the day of the last transaction. As in
        ``tenure.analytics.summary.customer_summary``.
    margin : float, optional
        Gross margin as a fraction of revenue for everyone. Default: each customer's own
        ``sum(margin) / sum(amount)`` over their rows with a ``margin`` (a money amount, as in
        the CRM: total minus cost) when that column exists, else 1 (revenue-based LTV).
    costs : pandas.DataFrame, optional
        Costs per customer (keyed by ``customer_id``) or per segment (keyed by the ``by``
        column, the cost of one customer of that segment), with ``acquisition_cost`` and/or
        ``retention_cost``. Customers the table does not cover count 0, with a warning.
    by : str, optional
        A column of ``tx`` (segment, channel, store, manager): the result is then one row per
        value. A customer belongs to the value on their first purchase (the acquisition
        channel, the first store...).
    lifetime_months : float, optional
        Expected lifetime in months for the formula. Default: each customer's observed
        lifetime, the days from their first purchase to ``as_of`` over 30.4375 (at least one
        month, so that one recent purchase does not make an infinite rate).

    Returns
    -------
    pandas.DataFrame
        Per customer: ``customer_id``, ``first_purchase``, ``orders``, ``revenue``,
        ``avg_check`` (revenue / orders), ``months_observed``, ``orders_per_month``
        (orders / months observed), ``lifetime_months``, ``margin``, ``ltv_formula``
        (avg_check x orders_per_month x lifetime_months x margin), ``acquisition_cost``,
        ``retention_cost``, ``ltv_simple`` (revenue - both costs). Per segment (``by``): the
        ``by`` column, ``customers``, ``orders``, ``revenue``, ``avg_check`` (pooled),
        ``orders_per_month`` (total orders / total months observed), ``lifetime_months``
        (mean), ``margin`` (revenue-weighted), ``ltv_formula`` (the product of those),
        ``acquisition_cost``, ``retention_cost`` and ``ltv_simple`` (means per customer).
        With observed lifetimes the formula reduces to revenue x margin: it says something
        new only with an expected ``lifetime_months``.

    Notes
    -----
    Orders, revenue and the first purchase come from ``customer_summary``: orders are
    distinct ``order_id`` values among non-negative rows (or those rows when there is no
    ``order_id``); negative amounts (returns) reduce revenue and are not orders. Customers
    with returns but no purchase are left out.
    """
    _check_tx(tx, by)
    if margin is not None:
        _check_margin(margin)
    if lifetime_months is not None and not lifetime_months > 0:
        raise InputError(f"lifetime_months must be positive; got {lifetime_months!r}.")
    end = _as_of_day(tx, as_of)
    per_customer = _per_customer(tx, end, by).execute()
    if per_customer.empty:
        raise InputError("No purchases (non-negative amounts) to value.")
    df = _formula_columns(per_customer, margin, lifetime_months)
    df = _with_costs(df, costs, by)
    if by is None:
        return df.sort_values("customer_id").reset_index(drop=True)
    return _per_segment(df, by)


def _as_of_day(tx: ibis.Table, as_of: Any) -> date:
    if as_of is None:
        last = tx.time.max().execute()
        if last is None or pd.isna(last):
            raise InputError("There are no transactions to value.")
        return pd.Timestamp(last).date()
    try:
        return pd.Timestamp(as_of).date()
    except (TypeError, ValueError) as exc:
        raise InputError(f"as_of must be a date (2024-03-31); got {as_of!r}.") from exc


def margin_rates(tx: Any, *, as_of: Any = None) -> pd.DataFrame:
    """Return each customer's gross margin as a share of their revenue.

    ``sum(margin) / sum(amount)`` over the customer's rows with a ``margin`` (a money
    amount, total minus cost, as in the CRM; returns carry negative margins), clipped to
    0..1. A customer without margin figures gets the shop's own rate; without a ``margin``
    column at all, everyone gets 1 (values are then revenue, not margin).

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions.
    as_of : date, datetime or ISO str, optional
        Rows after this day are ignored.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``margin`` (a fraction), one row per customer with transactions.
    """
    tx = as_transactions(tx)
    if as_of is not None:
        end = _as_of_day(tx, as_of)
        tx = tx.filter(tx.time < ibis.literal(end).cast("timestamp") + ibis.interval(days=1))
    if "margin" not in tx.columns:
        ids = tx.select("customer_id").distinct().to_pandas()
        return ids.assign(margin=1.0)
    per = tx.group_by("customer_id").aggregate(
        amount=tx.margin.sum(), base=tx.margin.notnull().ifelse(tx.amount, 0.0).sum(),
    ).to_pandas()
    total = per["base"].sum()
    shop = per["amount"].sum() / total if total > 0 else 1.0
    rate = per["amount"] / per["base"].where(per["base"] > 0)
    per["margin"] = rate.fillna(shop).clip(0.0, 1.0)
    return per[["customer_id", "margin"]]


def _per_customer(tx: ibis.Table, end: date, by: str | None) -> ibis.Table:
    summary = customer_summary(tx, as_of=end)
    tx = tx.filter(tx.time < ibis.literal(end).cast("timestamp") + ibis.interval(days=1))
    extras: dict[str, Any] = {}
    if "margin" in tx.columns:
        extras["margin_amount"] = tx.margin.sum()
        extras["margin_base"] = tx.margin.notnull().ifelse(tx.amount, 0.0).sum()
    if by:
        # The acquisition value: what the column said on the customer's first purchase.
        bought = tx.amount >= 0
        extras[by] = tx[by].argmin(bought.ifelse(tx.time, ibis.null("timestamp")))
    columns = ["customer_id", "first_purchase", "orders", "revenue", "tenure_days"]
    if not extras:
        return summary.select(*columns)
    more = tx.group_by("customer_id").aggregate(**extras)
    joined = summary.left_join(more, "customer_id")
    return joined.select(*columns, *extras)


def _formula_columns(
    df: pd.DataFrame, margin: float | None, lifetime: float | None
) -> pd.DataFrame:
    out = df.copy()
    out["orders"] = out["orders"].astype("int64")
    out["revenue"] = out["revenue"].astype("float64")
    out["avg_check"] = out["revenue"] / out["orders"]
    days = out.pop("tenure_days").astype("float64").to_numpy()
    out["months_observed"] = np.maximum(days / MONTH_DAYS, 1.0)
    out["orders_per_month"] = out["orders"] / out["months_observed"]
    out["lifetime_months"] = out["months_observed"] if lifetime is None else float(lifetime)
    if margin is not None:
        out["margin"] = float(margin)
    elif "margin_amount" in out:
        base = out.pop("margin_base").astype("float64")
        rate = out.pop("margin_amount").astype("float64") / base.where(base != 0)
        out["margin"] = rate.fillna(1.0)
    else:
        out["margin"] = 1.0
    out = out.drop(columns=["margin_amount", "margin_base"], errors="ignore")
    out["ltv_formula"] = ltv_formula(
        out["avg_check"], out["orders_per_month"], out["lifetime_months"], 1.0
    ) * out["margin"]
    return out


def _with_costs(df: pd.DataFrame, costs: pd.DataFrame | None, by: str | None) -> pd.DataFrame:
    if costs is None:
        df["acquisition_cost"] = 0.0
        df["retention_cost"] = 0.0
    else:
        key = _cost_key(costs, by)
        present = [c for c in COST_COLUMNS if c in costs.columns]
        if costs[key].duplicated().any():
            example = costs.loc[costs[key].duplicated(), key].iloc[0]
            raise InputError(f"costs has more than one row for {key} {example!r}.")
        table = costs[[key, *present]]
        df = df.merge(table, on=key, how="left", indicator=True)
        uncovered = int((df.pop("_merge") == "left_only").sum())
        if uncovered:
            warnings.warn(
                f"costs cover no row for {uncovered} customer(s); their costs count 0.",
                stacklevel=3,
            )
        for column in COST_COLUMNS:
            df[column] = df[column].astype("float64").fillna(0.0) if column in df else 0.0
    df["ltv_simple"] = ltv_simple(df["revenue"], df["acquisition_cost"], df["retention_cost"])
    return df


def _cost_key(costs: pd.DataFrame, by: str | None) -> str:
    if not isinstance(costs, pd.DataFrame):
        raise InputError("costs must be a pandas DataFrame.")
    if not any(c in costs.columns for c in COST_COLUMNS):
        raise InputError(
            f"costs needs an acquisition_cost or retention_cost column; it has "
            f"{', '.join(map(str, costs.columns))}."
        )
    if "customer_id" in costs.columns:
        return "customer_id"
    if by is not None and by in costs.columns:
        return by
    raise InputError(
        "costs must be keyed by customer_id, or by the by column "
        f"({by!r}) for costs per segment."
        if by
        else "costs must have a customer_id column (or pass by= for costs per segment)."
    )


def _per_segment(df: pd.DataFrame, by: str) -> pd.DataFrame:
    df = df.assign(_margin_revenue=df["margin"] * df["revenue"])
    grouped = df.groupby(by, dropna=False, sort=True)
    out = grouped.agg(
        customers=("customer_id", "size"),
        orders=("orders", "sum"),
        revenue=("revenue", "sum"),
        months_observed=("months_observed", "sum"),
        lifetime_months=("lifetime_months", "mean"),
        margin_revenue=("_margin_revenue", "sum"),
        acquisition_cost=("acquisition_cost", "mean"),
        retention_cost=("retention_cost", "mean"),
        ltv_simple=("ltv_simple", "mean"),
    ).reset_index()
    out["avg_check"] = out["revenue"] / out["orders"]
    out["orders_per_month"] = out["orders"] / out["months_observed"]
    revenue = out["revenue"].where(out["revenue"] != 0)
    out["margin"] = (out["margin_revenue"] / revenue).fillna(1.0)
    out["ltv_formula"] = (
        out["avg_check"] * out["orders_per_month"] * out["lifetime_months"] * out["margin"]
    )
    columns = [
        by, "customers", "orders", "revenue", "avg_check", "orders_per_month",
        "lifetime_months", "margin", "ltv_formula", "acquisition_cost", "retention_cost",
        "ltv_simple",
    ]
    return out[columns]


def _check_margin(margin: Any) -> None:
    values = np.asarray(margin, dtype="float64")
    if np.any((values < 0) | (values > 1)):
        raise InputError(
            "margin is a fraction of revenue between 0 and 1 (0.3 for 30 %); got "
            f"{margin!r}."
        )


def _check_tx(tx: ibis.Table, by: str | None) -> None:
    if not isinstance(tx, ibis.Table):
        raise InputError(
            "transactions must be an ibis Table; build one with "
            "tenure.analytics.frames.transactions(source, con=con)."
        )
    required = ["customer_id", "time", "amount"] + ([by] if by else [])
    missing = [c for c in required if c not in tx.columns]
    if missing:
        raise InputError(
            f"The transactions table lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(tx.columns)}."
        )
