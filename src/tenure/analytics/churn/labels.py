"""Who churned after a snapshot: the label the model learns, read only from after it.

For a customer active at snapshot s (bought within the activity window up to s) with
horizon :math:`H_i` (`tenure.analytics.churn.horizon`):

- **buyer**: churned = no purchase (a row with a non-negative amount) on the days
  :math:`s+1, \\dots, s+H_i`, i.e. in :math:`(s, s + H_i]`;
- **subscriber** (a contract active at s, ``start <= s < end``): churned = no contract
  covers the day :math:`s + H_i` (``start <= s + H_i < end``, or no ``end``): the
  contract active at s ended within :math:`(s, s + H_i]` and was not renewed in time.

A label is complete only when the data reach :math:`s + H_i`; `label_snapshots` assumes it
(the snapshot schedule guarantees it), `churn_labels` checks it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import InputError
from .daily import CustomerDays
from .features import (
    Sources,
    check_window_days,
    compute_snapshots,
    snapshot_dates,
    snapshot_horizon,
)
from .inputs import prepare


def label_snapshots(days: ir.Table | CustomerDays, frames: dict[date, pd.DataFrame], *,
                    longest: int, sources: Sources) -> dict[date, np.ndarray]:
    """Return whether each customer of each snapshot's feature frame churned.

    Parameters
    ----------
    days : ibis.Table or CustomerDays
        Customer-days (`tenure.analytics.churn.features.customer_days`, or held as arrays:
        `tenure.analytics.churn.daily`).
    frames : dict of date to pandas.DataFrame
        Each snapshot's features: ``customer_id``, ``horizon_days``, ``subscribed``.
    longest : int
        The longest horizon: no purchase after ``snapshot + longest`` is read.
    sources : Sources
        Its ``subscriptions`` decide the subscribers' labels.

    Returns
    -------
    dict of date to numpy.ndarray of bool
        One label per row of each frame, in its order.
    """
    gaps = next_purchase_days(days, frames, longest)
    out = {}
    subscribers = {s: f["subscribed"].to_numpy(dtype=float) > 0 for s, f in frames.items()}
    covered = {}
    if sources.subscriptions is not None and any(m.any() for m in subscribers.values()):
        covered = _covered(sources.subscriptions, {
            s: f[subscribers[s]] for s, f in frames.items() if subscribers[s].any()}, longest)
    for s, frame in frames.items():
        horizon = frame["horizon_days"].to_numpy(dtype=float)
        churned = ~(gaps[s] <= horizon)  # no purchase at all compares as NaN: churned
        if s in covered:
            churned[subscribers[s]] = ~covered[s]
        out[s] = churned
    return out


def next_purchase_days(days: ir.Table | CustomerDays, frames: dict[date, pd.DataFrame],
                       longest: int) -> dict[date, np.ndarray]:
    """Return the days from each snapshot to each customer's next purchase (NaN: none).

    Only purchases within ``longest`` days after a snapshot are read.
    """
    if not isinstance(days, ir.Table):
        return days.next_purchase_days(frames, longest)
    snaps = snapshot_dates(frames)
    after = days.join(snaps, (days.day > snaps.snapshot)
                      & (days.day <= snaps.snapshot + ibis.interval(days=longest))
                      & (days.orders > 0))
    nxt = after.group_by(["snapshot", "customer_id"]).aggregate(
        next_purchase=after.day.min())
    nxt = nxt.select(nxt.snapshot, nxt.next_purchase,
                     customer_id=nxt.customer_id.cast("string")).to_pyarrow()
    when = nxt["snapshot"].to_numpy()
    out = {}
    for s, frame in frames.items():
        found = nxt.filter(pa.array(when == np.datetime64(s, "D")))
        # Arrow looks each customer up in a hash table of the found ids.
        at = pc.index_in(pa.array(frame["customer_id"].astype(str).to_numpy(dtype=object),
                                  type=pa.string()),  # typed: a snapshot may hold nobody
                         value_set=found["customer_id"])
        days_after = (found["next_purchase"].to_numpy() - np.datetime64(s, "D")).astype(float)
        gap = np.full(len(frame), np.nan)
        hit = at.is_valid().to_numpy(zero_copy_only=False)
        gap[hit] = days_after[at.filter(at.is_valid()).to_numpy()]
        out[s] = gap
    return out


def _covered(subscriptions: ir.Table, subscribers: dict[date, pd.DataFrame], longest: int
             ) -> dict[date, np.ndarray]:
    """Return whether a contract covers ``snapshot + H`` for each subscriber row."""
    snaps = snapshot_dates(subscribers)
    start, end = subscriptions.start.cast("date"), subscriptions.end.cast("date")
    contracts = subscriptions.select("customer_id", start=start, end=end)
    near = contracts.join(snaps, (contracts.start
                                  <= snaps.snapshot + ibis.interval(days=longest))
                          & (contracts.end.isnull() | (contracts.end > snaps.snapshot)))
    found = near.select("snapshot", "customer_id", "start", "end").to_pandas()
    found["snapshot"] = pd.to_datetime(found["snapshot"]).dt.date
    found = found.astype({"customer_id": "string"})
    out = {}
    for s, rows in subscribers.items():
        rows = rows[["customer_id", "horizon_days"]].reset_index(drop=True)
        rows["row"] = np.arange(len(rows))
        pairs = rows.merge(found[found["snapshot"] == s], on="customer_id", how="inner")
        day = pd.Timestamp(s) + pd.to_timedelta(pairs["horizon_days"], unit="D")
        cover = (pd.to_datetime(pairs["start"]) <= day) & (
            pairs["end"].isna() | (pd.to_datetime(pairs["end"]) > day))
        hit = np.zeros(len(rows), dtype=bool)
        hit[pairs.loc[cover.to_numpy(), "row"].to_numpy(dtype=int)] = True
        out[s] = hit
    return out


def churn_labels(tx: Any, snapshot: Any, *, horizon: Any = "auto", window_days: int = 365,
                 subscriptions: Any = None, con: Any = None) -> pd.DataFrame:
    """Return who of the customers active at ``snapshot`` churned within their horizon.

    Parameters
    ----------
    tx : ibis.Table, pandas.DataFrame or pyarrow.Table
        Canonical transactions.
    snapshot : date, datetime or ISO string
    horizon : "auto", int, "rhythm" or Horizon
        See `tenure.analytics.churn.horizon`; "auto": the shop's rhythm as of the
        snapshot, shortened to what the data after it hold.
    window_days : int
        The activity window that defines the snapshot's population.
    subscriptions : table, optional
        Contracts (`tenure.analytics.churn.sources.subscriptions`): subscribers are
        labelled by their contracts.
    con : ibis DuckDB backend, optional

    Returns
    -------
    pandas.DataFrame
        ``customer_id, horizon_days, subscribed`` (bool), ``days_to_next_purchase`` (NaN
        when none within the longest horizon), ``churned`` (bool), sorted by customer.

    Raises
    ------
    InputError
        The data end before ``snapshot + H`` for some customer: their label is unknown.
    """

    data = prepare(tx, con=con, subscriptions=subscriptions)
    try:
        day = data.day_of(snapshot, "snapshot")
        spec = snapshot_horizon(horizon, data.days, day,
                                fits=lambda d: day + timedelta(days=d) <= data.last_day)
        frame = compute_snapshots(data.days, [day], horizon=spec,
                                  window_days=check_window_days(window_days),
                                  sources=data.sources)[day].frame
        needed = day + timedelta(days=int(frame["horizon_days"].max())) if len(frame) else day
        if needed > data.last_day:
            raise InputError(
                f"the labels at {day} need data up to {needed} (the longest horizon is "
                f"{int(frame['horizon_days'].max())} days); the data end on "
                f"{data.last_day}. Take an earlier snapshot or a shorter horizon.")
        churned = label_snapshots(data.days, {day: frame}, longest=spec.longest,
                                  sources=data.sources)[day]
        gap = next_purchase_days(data.days, {day: frame}, spec.longest)[day]
    finally:
        data.close()
    return pd.DataFrame({
        "customer_id": frame["customer_id"],
        "horizon_days": frame["horizon_days"].astype("int64"),
        "subscribed": frame["subscribed"].to_numpy() > 0,
        "days_to_next_purchase": gap,
        "churned": churned,
    })
