"""Who the best customers are, and what the typical customer looks like.

Attributes come from the canonical customers table: every text, category or yes/no
column with at most ``max_values`` distinct values (city, gender, acquisition
channel ...) that is not an identifier (a different value on every row), plus two
derived ones: ``age_band`` from ``birth_date`` (age on the snapshot date) and
``referred`` (yes/no) from ``referred_by``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from tenure.analytics.exceptions import InputError

AGE_BANDS = ((0, "under 18"), (18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"),
             (55, "55-64"), (65, "65+"))
PROFILE_COLUMNS = ["attribute", "value", "count_top", "share_top", "count_all", "share_all",
                   "lift"]


def best_customers_profile(summary_df: pd.DataFrame, customers_df: pd.DataFrame, *,
                           top: float = 0.10, by: str = "revenue", min_support: float = 0.05,
                           max_values: int = 50,
                           as_of: date | datetime | str | None = None) -> pd.DataFrame:
    """Attribute values over-represented among the best customers.

    The best customers are the top ``top`` share of the summary's customers by ``by``:
    the ``ceil(top * n)`` largest values, plus everyone tied with the last of them (so
    the group can be slightly larger; row order never matters). For each attribute
    value: ``share_top`` = best customers with the value / best customers with a known
    value of that attribute, ``share_all`` the same among all customers of the summary,
    ``lift = share_top / share_all`` (above 1: over-represented). Missing attribute
    values are left out of both shares.

    Parameters
    ----------
    summary_df : DataFrame
        The per-customer summary (``customer_id`` and ``by``; ``last_purchase`` and
        ``recency_days`` to infer the snapshot date for ages).
    customers_df : DataFrame
        The customers table: ``customer_id`` and attribute columns.
    top : float
        Share of customers counted as best, ``0 < top < 1``.
    by : str
        Summary column that ranks customers (``revenue``; or a value column joined in).
    min_support : float
        Rows whose ``share_top`` is below this are dropped.
    max_values : int
        Text columns with more distinct values are not attributes, nor are columns with
        a different value on every row (names, e-mails).
    as_of : date, optional
        The date ages are computed on; inferred from the summary when omitted.

    Returns
    -------
    DataFrame
        ``attribute, value, count_top, share_top, count_all, share_all, lift``, sorted
        by lift (largest first), then ``share_top``.
    """
    if not 0 < top < 1:
        raise InputError(f"top must be a share between 0 and 1, not {top!r}")
    for column in ("customer_id", by):
        if column not in summary_df.columns:
            raise InputError(f"the customer summary lacks {column}")
    base = _join(summary_df, customers_df)
    values = base[by].to_numpy(float)
    if np.isnan(values).any():
        raise InputError(f"{by} has missing values")
    n_top = math.ceil(top * len(values))
    if n_top == 0:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    cutoff = np.sort(values)[::-1][n_top - 1]
    best = values >= cutoff
    rows = []
    for name, labels in _attributes(base, summary_df, as_of, max_values).items():
        rows.extend(_lifts(name, labels, best))
    table = pd.DataFrame(rows, columns=PROFILE_COLUMNS)
    table = table[table["share_top"] >= min_support]
    return table.sort_values(["lift", "share_top", "attribute", "value"],
                             ascending=[False, False, True, True], ignore_index=True)


def typical_customer(summary_df: pd.DataFrame, customers_df: pd.DataFrame | None = None, *,
                     max_values: int = 50,
                     as_of: date | datetime | str | None = None) -> dict[str, Any]:
    """The median customer and the most common value of each attribute.

    Returns
    -------
    dict
        ``customers`` (count); the medians ``orders``, ``revenue``, ``avg_check``
        (median over customers of revenue / orders), ``tenure_days``, ``recency_days``;
        ``attributes``: attribute -> most common value (ties: the first in sort order);
        ``attribute_shares``: attribute -> that value's share among known values.
    """
    required = ("customer_id", "orders", "revenue", "tenure_days", "recency_days")
    missing = [c for c in required if c not in summary_df.columns]
    if missing:
        raise InputError(f"the customer summary lacks {', '.join(missing)}")
    if summary_df.empty:
        raise InputError("the customer summary is empty")
    orders = summary_df["orders"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        check = np.where(orders > 0, summary_df["revenue"].to_numpy(float) / orders, np.nan)
    result: dict[str, Any] = {
        "customers": len(summary_df),
        "orders": float(np.median(orders)),
        "revenue": float(summary_df["revenue"].median()),
        "avg_check": float(np.nanmedian(check)),
        "tenure_days": float(summary_df["tenure_days"].median()),
        "recency_days": float(summary_df["recency_days"].median()),
        "attributes": {},
        "attribute_shares": {},
    }
    if customers_df is not None:
        base = _join(summary_df, customers_df)
        for name, labels in _attributes(base, summary_df, as_of, max_values).items():
            counts = labels.dropna().value_counts()
            if counts.empty:
                continue
            mode = sorted(counts.index[counts == counts.max()], key=str)[0]
            result["attributes"][name] = mode
            result["attribute_shares"][name] = float(counts[mode] / counts.sum())
    return result


def age_band(birth: pd.Series, on: pd.Timestamp) -> pd.Series:
    """Age in whole years on ``on`` as a band (``"25-34"``); missing births stay missing."""
    b = pd.to_datetime(birth, errors="coerce")
    before_birthday = (b.dt.month > on.month) | ((b.dt.month == on.month) & (b.dt.day > on.day))
    age = on.year - b.dt.year - before_birthday.astype(int)
    edges = [low for low, _ in AGE_BANDS] + [np.inf]
    bands = pd.cut(age, bins=edges, right=False, labels=[name for _, name in AGE_BANDS])
    return bands.astype(object).where(b.notna() & (age >= 0))


def _join(summary_df: pd.DataFrame, customers_df: pd.DataFrame) -> pd.DataFrame:
    if "customer_id" not in customers_df.columns:
        raise InputError("the customers table lacks customer_id")
    if customers_df["customer_id"].duplicated().any():
        raise InputError("customer_id repeats in the customers table")
    attrs = customers_df.drop(columns=[c for c in customers_df.columns
                                       if c in summary_df.columns and c != "customer_id"])
    left = summary_df.assign(customer_id=summary_df["customer_id"].astype(str))
    right = attrs.assign(customer_id=attrs["customer_id"].astype(str))
    return left.merge(right, on="customer_id", how="left")


def _attributes(base: pd.DataFrame, summary_df: pd.DataFrame, as_of: Any,
                max_values: int) -> dict[str, pd.Series]:
    """Return attribute name -> one label per row of ``base`` (NaN when unknown)."""
    out: dict[str, pd.Series] = {}
    skip = set(summary_df.columns)
    for name in base.columns:
        if name in skip:
            continue
        column = base[name]
        if name == "birth_date":
            out["age_band"] = age_band(column, _snapshot(summary_df, as_of))
        elif name == "referred_by":
            known = column.notna() & (column.astype(str).str.strip() != "")
            out["referred"] = known.map({True: "yes", False: "no"}).astype(object)
        elif pd.api.types.is_bool_dtype(column) or (
                column.dtype == object
                and pd.api.types.infer_dtype(column, skipna=True) == "boolean"):
            out[name] = column.map({True: "yes", False: "no"}).astype(object)
        elif _is_text(column) and _few_values(column, max_values):
            labels = column.astype(object)
            out[name] = labels.where(column.notna() & (column.astype(str).str.strip() != ""))
    return out


def _few_values(column: pd.Series, max_values: int) -> bool:
    """True unless the column has too many values or is an identifier (all distinct)."""
    distinct, known = column.nunique(dropna=True), int(column.notna().sum())
    return distinct <= max_values and not (known > 1 and distinct == known)


def _is_text(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return True
    # An object column may hold dates or numbers (acquired_on, a Decimal): not attributes.
    return (pd.api.types.is_string_dtype(column) or column.dtype == object) and (
        pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"))


def _lifts(name: str, labels: pd.Series, best: np.ndarray) -> list[tuple]:
    known = labels.notna().to_numpy()
    all_counts = labels[known].value_counts()
    top_counts = labels[known & best].value_counts()
    n_all, n_top = int(known.sum()), int((known & best).sum())
    if n_top == 0:
        return []
    rows = []
    for value, count_all in all_counts.items():
        count_top = int(top_counts.get(value, 0))
        share_top, share_all = count_top / n_top, count_all / n_all
        rows.append((name, value, count_top, share_top, int(count_all), share_all,
                     share_top / share_all))
    return rows


def _snapshot(summary_df: pd.DataFrame, as_of: Any) -> pd.Timestamp:
    if as_of is not None:
        return pd.Timestamp(as_of)
    if {"last_purchase", "recency_days"} <= set(summary_df.columns) and len(summary_df):
        ends = pd.to_datetime(summary_df["last_purchase"]) + pd.to_timedelta(
            summary_df["recency_days"], unit="D")
        return ends.max().normalize()
    return pd.Timestamp.today().normalize()
