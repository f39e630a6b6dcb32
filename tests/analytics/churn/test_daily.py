"""The churn inputs held as arrays compute what the engine's queries compute.

`tenure.analytics.churn.daily` is an optimised path of `features.customer_days`,
`features.shop_gap`, the snapshots' features (`features.compute_snapshots`) and the
labels' next purchases (`labels.next_purchase_days`): each test runs both on the same
transactions. Counts, days and medians must be equal; sums of money, which the engine
adds as floats in the order of its threads, equal to 12 digits.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import history
from tenure.analytics.churn import daily, predict_churn
from tenure.analytics.churn.features import (
    FEATURES,
    Sources,
    compute_snapshots,
    customer_days,
    shop_gap,
    snapshot_horizon,
)
from tenure.analytics.churn.horizon import Horizon
from tenure.analytics.churn.inputs import prepare
from tenure.analytics.churn.labels import next_purchase_days

from ..transactions import keyed, messy_transactions
from .shop import simulate

#: Sums of money: the engine's float sums against exact sums of whole units.
RTOL = 1e-12
#: Days of the snapshots: before the first purchase, early, in the middle, the last day
#: with data and after it.
SNAPSHOTS = [date(2022, 12, 1), date(2023, 2, 10), date(2024, 3, 3), date(2024, 12, 31),
             date(2025, 6, 18), date(2025, 9, 1)]


@pytest.fixture(scope="module")
def messy() -> pd.DataFrame:
    """Seeded transactions with every case: several orders a day, returns, days of returns
    only (also before a customer's first purchase), customers with returns only, a
    customer with one purchase day, amounts with six decimals, times at midnight and just
    before it."""
    # Few customers, so that many buy several times a day.
    frame = messy_transactions(seed=23, rows=5_000, customers=300, return_share=0.1)
    extra = pd.DataFrame({
        "customer_id": ["r1", "r1", "r2", "one", "one", "late", "late"],
        "time": pd.to_datetime(["2023-03-01T00:00:00", "2023-04-02T00:00:00", "2024-01-01T00:00:00",
                                "2024-05-05T08:00:00",
                                "2024-05-05T21:00:00", "2023-01-05T00:00:00",
                                "2024-02-02T00:00:00"]),
        "amount": [-5.0, -7.25, -1.0, 10.0, 0.0, -3.0, 4.5]})
    return pd.concat([frame, extra], ignore_index=True)


@pytest.fixture(scope="module")
def tx(messy) -> ibis.Table:
    return keyed(messy)


@pytest.fixture(scope="module")
def engine_days(tx) -> ibis.Table:
    return customer_days(tx).cache()


@pytest.fixture(scope="module")
def arrays(tx) -> daily.CustomerDays:
    return daily.customer_days(history.fetch(tx))


def assert_columns_equal(ours: pd.DataFrame, theirs: pd.DataFrame, money: list[str]) -> None:
    """Every column equal, the sums of money to `RTOL`."""
    assert list(ours.columns) == list(theirs.columns)
    assert len(ours) == len(theirs)
    for name in ours.columns:
        if name in money:
            np.testing.assert_allclose(ours[name].to_numpy(), theirs[name].to_numpy(),
                                       rtol=RTOL, atol=1e-9, err_msg=name)
        else:
            np.testing.assert_array_equal(ours[name].to_numpy(), theirs[name].to_numpy(),
                                          err_msg=name)


def test_the_customer_days_are_the_engines(arrays, engine_days):
    ours = arrays.to_arrow()
    theirs = engine_days.order_by(["customer_id", "day"]).to_pyarrow()
    assert ours.schema == theirs.schema
    ours, theirs = ours.to_pandas(), theirs.to_pandas()
    assert (theirs.returns > 0).any() and (theirs.orders > 1).any()
    assert ((theirs.orders == 0) & (theirs.returns > 0)).any()
    assert theirs.gap.notna().any() and theirs.gap.isna().any()
    assert_columns_equal(ours, theirs, money=["value", "net", "returned"])


@pytest.mark.parametrize("day", SNAPSHOTS)
def test_the_shops_gap_is_the_engines(arrays, engine_days, day):
    assert arrays.shop_gap(day) == shop_gap(engine_days, day)


def test_the_shops_gap_is_none_before_anybody_bought_twice(arrays):
    assert arrays.shop_gap(date(2022, 12, 29)) is None
    assert shop_gap(arrays, date(2023, 1, 20)) is not None


def snapshots(days, dates, horizon) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MBG/NBD on a few customers warns
        return compute_snapshots(days, dates, horizon=horizon, window_days=365,
                                 sources=Sources())


#: Money features: sums of amounts and their ratios.
MONEY = ["revenue_30d", "revenue_90d", "revenue_365d", "average_check",
         "returned_amount_365d", "return_share_365d", "p_alive", "expected_purchases"]


@pytest.mark.parametrize("horizon", [Horizon(days=90), Horizon(), "auto"])
def test_the_snapshots_are_the_engines(arrays, engine_days, horizon):
    auto = horizon == "auto"
    if auto:  # "auto" as `churn_features` reads it: the shop's rhythm at the snapshot
        horizon = snapshot_horizon("auto", engine_days, SNAPSHOTS[3])
        assert snapshot_horizon("auto", arrays, SNAPSHOTS[3]) == horizon
    theirs = snapshots(engine_days, SNAPSHOTS, horizon)
    ours = snapshots(arrays, SNAPSHOTS, horizon)
    assert list(ours) == list(theirs) == SNAPSHOTS
    for day in SNAPSHOTS:
        assert ours[day].notes == theirs[day].notes
        assert_columns_equal(ours[day].frame, theirs[day].frame, money=MONEY)
    middle = theirs[SNAPSHOTS[3]].frame
    assert len(theirs[SNAPSHOTS[0]].frame) == 0 and len(middle) > 250
    assert (middle.return_share_365d > 0).any() and (middle.trend_90d != 0).any()
    assert middle.typical_gap_days.nunique() > 100
    if horizon.days is None:
        assert middle.horizon_days.nunique() > 10


def test_the_next_purchases_are_the_engines(arrays, engine_days):
    frames_ = {day: snap.frame for day, snap in
               snapshots(engine_days, SNAPSHOTS, Horizon(days=90)).items()}
    for longest in (30, 90):
        theirs = next_purchase_days(engine_days, frames_, longest)
        ours = next_purchase_days(arrays, frames_, longest)
        for day in SNAPSHOTS:
            np.testing.assert_array_equal(ours[day], theirs[day])
        found = theirs[SNAPSHOTS[3]]
        assert np.isnan(found).any() and (found == 1).any()
        assert longest - 5 < np.nanmax(found) <= longest


def test_a_customer_the_days_do_not_hold_has_no_next_purchase(arrays):
    frame = pd.DataFrame({"customer_id": np.array([-5, 7], dtype="int64")})
    gaps = next_purchase_days(arrays, {date(2024, 1, 1): frame}, 90)
    assert np.isnan(gaps[date(2024, 1, 1)]).all()


def test_the_sample_is_the_engines(tx, arrays):
    engine = prepare(tx.mutate(order_id=ibis.row_number().cast("string")))
    try:
        assert isinstance(engine.days, ibis.Table)
        theirs = engine.sample(0.3, seed=4).select("customer_id").distinct().to_pandas()
    finally:
        engine.close()
    ours = arrays.sample(0.3, seed=4)
    chosen = np.unique(ours.customer)
    assert 50 < len(chosen) < 150
    np.testing.assert_array_equal(chosen, np.sort(theirs.customer_id.to_numpy()))
    kept = np.isin(arrays.customer, chosen)
    np.testing.assert_array_equal(ours.value, arrays.value[kept])


def test_prepare_holds_arrays_where_they_apply_and_the_engines_extent(tx, messy):
    with_ids = tx.mutate(order_id=ibis.row_number().cast("string"))
    complaints = pd.DataFrame({"customer_id": ["c1"], "opened_at": ["2024-01-01"],
                               "resolved_at": [None]})
    held = prepare(tx)
    assert isinstance(held.days, daily.CustomerDays)
    for engine in (prepare(with_ids), prepare(tx, complaints=complaints), prepare(messy)):
        assert isinstance(engine.days, ibis.Table)
        assert (held.first_day, held.last_day, held.customers) == (
            engine.first_day, engine.last_day, engine.customers)
        engine.close()
    held.close()
    assert len(held.days) == 0
    cut = prepare(tx, as_of="2024-03-03")
    assert isinstance(cut.days, daily.CustomerDays)
    assert cut.last_day == date(2024, 3, 3) and cut.days.day.max() == cut.last_day.toordinal(
    ) - date(1970, 1, 1).toordinal()


def test_predict_churn_gives_the_same_risks_through_both_paths():
    shop = simulate(customers=900, seed=5)["transactions"]
    tx = keyed(shop)
    # Unique order ids count as many orders as rows: the same features, from the engine.
    engine = tx.mutate(order_id=ibis.row_number().cast("string"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = predict_churn(tx, max_training_rows=5_000)
        theirs = predict_churn(engine, max_training_rows=5_000)
    assert any("sample" in note for note in ours.notes)
    assert ours.notes == theirs.notes and ours.horizon == theirs.horizon
    assert len(ours.scores) > 300
    pd.testing.assert_frame_equal(ours.snapshots, theirs.snapshots)
    np.testing.assert_array_equal(ours.scores.customer_id, theirs.scores.customer_id)
    np.testing.assert_allclose(ours.scores.churn_risk, theirs.scores.churn_risk,
                               rtol=1e-9, atol=1e-12)
    assert list(ours.scores.reasons) == list(theirs.scores.reasons)
    pd.testing.assert_frame_equal(ours.metrics, theirs.metrics, rtol=1e-9)


def test_features_without_a_source_are_neutral(arrays):
    frame = snapshots(arrays, [SNAPSHOTS[3]], Horizon(days=90))[SNAPSHOTS[3]].frame
    assert list(frame.columns) == ["customer_id", *FEATURES]
    assert (frame.complaints_open == 0).all() and (frame.subscribed == 0).all()
    assert frame.nps_last.isna().all() and frame.contract_days_left.isna().all()


def test_the_customer_days_of_a_day_of_returns_before_the_first_purchase(arrays, messy):
    # "late" returned on 2023-01-05 and bought on 2024-02-02: their first purchase day
    # is the purchase, the return day has no gap, and the return, out of the last 365
    # days, still counts in the net revenue per order.
    key = keyed(messy[messy.customer_id == "late"]).customer_id.to_pyarrow()[0].as_py()
    rows = arrays.to_arrow().to_pandas()
    rows = rows[rows.customer_id == key]
    assert list(rows.orders) == [0, 1] and rows.gap.isna().all()
    day = date(2024, 2, 2) + timedelta(days=1)
    frame = snapshots(arrays, [day], Horizon(days=90))[day].frame
    late = frame[frame.customer_id == key].iloc[0]
    assert (late.tenure_days, late.frequency, late.returned_amount_365d) == (1.0, 0.0, 0.0)
    assert late.average_check == pytest.approx(1.5)


@pytest.mark.parametrize("large", [False, True])
def test_the_gaps_are_sorted_by_customer_then_gap(large):
    # Customer numbers past 2 ** 40 leave no room to pack the three into 62 bits: the
    # positions are sorted instead.
    rng = np.random.default_rng(3)
    number = np.sort(rng.integers(0, 50, 2_000)) + (2 ** 45 if large else 0)
    gap = rng.integers(1, 400, len(number)).astype("int32")
    day = rng.integers(19_000, 20_000, len(number)).astype("int32")
    got_gap, got_day = daily._by_customer_and_gap(number, gap, day)
    order = np.lexsort((day, gap, number))
    np.testing.assert_array_equal(got_gap, gap[order])
    assert got_gap.dtype == gap.dtype and got_day.dtype == day.dtype
    # Days of equal gaps may come in any order: each customer's (gap, day) pairs are kept.
    pairs = sorted(zip(number.tolist(), got_gap.tolist(), got_day.tolist(), strict=True))
    assert pairs == sorted(zip(number.tolist(), gap.tolist(), day.tolist(), strict=True))


def test_transactions_fetched_already_are_read_and_cut_at_as_of(tx):
    fetched = history.fetch(tx)
    given = prepare(tx, as_of="2024-03-03", arrays=fetched)
    own = prepare(tx, as_of="2024-03-03")
    assert len(fetched) == tx.count().execute()  # the caller's arrays are left whole
    assert (given.first_day, given.last_day, given.customers) == (
        own.first_day, own.last_day, own.customers)
    assert len(given.days) < len(daily.customer_days(fetched))
    for name in ("customer", "day", "orders", "returns", "value", "returned"):
        np.testing.assert_array_equal(getattr(given.days, name), getattr(own.days, name))
