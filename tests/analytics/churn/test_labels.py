"""Churn labels: no purchase in (s, s + H], H the shop's, fixed or the customer's; contracts."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from tenure.analytics.churn import churn_labels
from tenure.analytics.exceptions import InputError

SNAPSHOT = "2024-03-31"


def transactions(rows):
    return pd.DataFrame({"customer_id": [r[0] for r in rows],
                         "time": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
                         "amount": [r[2] for r in rows]})


#: Before the snapshot: a buys every 30 days (H = 60), c every 10 (H = 2 x 10 = 20, raised
#: to 30), b and f once (the shop's median gap of a and c is 20: H = 40).
HISTORY = [
    ("a", "2024-01-01", 10.0), ("a", "2024-01-31", 10.0), ("a", "2024-03-01", 10.0),
    ("b", "2024-03-20", 10.0),
    ("c", "2024-03-11", 10.0), ("c", "2024-03-21", 10.0),
    ("f", "2023-04-02", 10.0),
]


def labels(rows, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BG/NBD on four customers: its warnings are moot
        return churn_labels(transactions(rows), SNAPSHOT, **kwargs).set_index("customer_id")


def test_rhythm_horizons_and_the_purchase_window_edges():
    later = [
        ("a", "2024-05-30", 10.0),  # s + 60: the last day of a's window, not churned
        ("b", "2024-05-11", 10.0),  # s + 41: one day after b's window, churned
        ("c", "2024-04-30", 5.0),  # s + 30: c's last day
        ("f", "2024-04-01", -10.0),  # a return is not a purchase: f churned
        ("z", "2025-06-01", 1.0),  # data reach past every window
    ]
    out = labels(HISTORY + later, horizon="rhythm")
    assert out.horizon_days.to_dict() == {"a": 60, "b": 40, "c": 30, "f": 40}
    assert out.churned.to_dict() == {"a": False, "b": True, "c": False, "f": True}
    assert out.days_to_next_purchase.to_dict() == pytest.approx(
        {"a": 60.0, "b": 41.0, "c": 30.0, "f": float("nan")}, nan_ok=True)


def test_a_purchase_on_the_snapshot_day_is_history_not_the_future():
    rows = HISTORY + [("b", "2024-03-31 23:59", 10.0), ("z", "2025-06-01", 1.0)]
    out = labels(rows, horizon=30)
    assert out.loc["b", "churned"]  # bought on s itself, not after it
    assert out.loc["b", "horizon_days"] == 30


def test_a_fixed_horizon_decides_by_its_own_edge():
    rows = HISTORY + [("a", "2024-04-10", 10.0), ("z", "2024-12-31", 1.0)]
    assert not labels(rows, horizon=10).loc["a", "churned"]  # s + 10
    assert labels(rows, horizon=9).loc["a", "churned"]


def test_subscribers_churn_when_no_contract_covers_the_horizons_end():
    subs = pd.DataFrame({
        "customer_id": ["g", "h", "h", "k"],
        "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-05-01", "2024-01-01"]),
        "end": pd.to_datetime(["2024-05-01", "2024-05-01", "2025-05-01", None]),
    })
    rows = HISTORY + [("z", "2024-12-31", 1.0)]
    out = labels(rows, horizon=90, subscriptions=subs)
    # g's contract ends within 90 days and is not renewed; h renewed on the day it ended;
    # k's contract is open-ended. None of them bought anything.
    assert out.loc[["g", "h", "k"], "churned"].to_dict() == {"g": True, "h": False, "k": False}
    assert out.loc[["g", "h", "k"], "subscribed"].all()
    # A longer contract than the horizon: g is not churned within 30 days.
    assert not labels(rows, horizon=30, subscriptions=subs).loc["g", "churned"]


def test_labels_past_the_end_of_the_data_are_refused():
    rows = HISTORY + [("a", "2024-05-15", 10.0)]  # data end 45 days after the snapshot
    with pytest.raises(InputError, match=r"need data up to 2024-05-30 .* end on 2024-05-15"):
        labels(rows, horizon="rhythm")
    assert labels(rows, horizon=45).churned.to_dict() == {
        "a": False, "b": True, "c": True, "f": True}


def test_the_auto_horizon_is_the_shops_and_fits_the_data():
    # The shop's typical gap is the median of a's (30) and c's (10): 20 days; 2 x 20 = 40
    # reads as 30 days, and the data reach 45 days past the snapshot: 30 for everybody.
    rows = HISTORY + [("a", "2024-05-15", 10.0)]
    out = labels(rows)
    assert set(out.horizon_days) == {30}
    assert out.churned.to_dict() == {"a": True, "b": True, "c": True, "f": True}
    # Data 20 days past the snapshot hold no readable horizon: the refusal says so.
    with pytest.raises(InputError, match=r"need data up to 2024-04-30"):
        labels(HISTORY + [("a", "2024-04-20", 10.0)])


def test_a_snapshot_that_holds_nobody_has_no_gaps():
    # A CRM refresh of a small shop: the earliest training snapshot had no customer yet.
    import ibis

    from tenure.analytics.churn.labels import next_purchase_days

    days = ibis.memtable(pd.DataFrame({
        "customer_id": ["a", "a"], "day": pd.to_datetime(["2024-01-01", "2024-02-01"]).date,
        "orders": [1, 1]}))
    frames = {pd.Timestamp("2023-06-30").date(): pd.DataFrame({"customer_id": []}),
              pd.Timestamp("2024-01-15").date(): pd.DataFrame({"customer_id": ["a"]})}
    gaps = next_purchase_days(days, frames, longest=60)
    assert list(gaps[pd.Timestamp("2023-06-30").date()]) == []
    assert list(gaps[pd.Timestamp("2024-01-15").date()]) == [17.0]
