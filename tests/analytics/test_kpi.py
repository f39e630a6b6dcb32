from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import frames
from tenure.analytics.exceptions import InputError
from tenure.analytics.kpi import (
    KPI_COLUMNS,
    nvl_bridge,
    period_kpis,
    return_on_relationship,
)


@pytest.fixture
def con():
    return ibis.duckdb.connect()


def tx_of(con, records, columns=("customer_id", "time", "amount")):
    return frames.transactions(pd.DataFrame(records, columns=list(columns)), con=con)


def row(kpis: pd.DataFrame, period: str, **where) -> pd.Series:
    mask = kpis.period == pd.Timestamp(period)
    for column, value in where.items():
        mask &= kpis[column] == value
    assert mask.sum() == 1
    return kpis[mask].iloc[0]


def seed_example(returning: int, lost: int, new: int, reactivated: int = 0):
    """Customers active at 2024-06-01 (bought 2023-06-15), some buying again in June 2024."""
    records = [(f"old{i}", "2023-06-15", 50.0) for i in range(returning + lost)]
    records += [(f"old{i}", "2024-06-10", 60.0) for i in range(returning)]
    records += [(f"new{i}", "2024-06-20", 40.0) for i in range(new)]
    records += [(f"back{i}", "2021-03-03", 10.0) for i in range(reactivated)]
    records += [(f"back{i}", "2024-06-25", 10.0) for i in range(reactivated)]
    return records


def test_crr_is_90_percent_with_1000_at_start_200_new_and_1100_at_the_end(con):
    # The seed documents' example: CRR = (E - N) / S = (1,100 - 200) / 1,000.
    kpis = period_kpis(tx_of(con, seed_example(returning=900, lost=100, new=200)))

    june = row(kpis, "2024-06-01")
    assert june[["customers_start", "new", "customers_end", "reactivated"]].tolist() == [
        1000, 200, 1100, 0]
    assert june.crr == june.crr_seed == pytest.approx(0.9)
    assert june.retained == 900
    assert june.lost == 100
    assert june.churn_rate == pytest.approx(0.1)


def test_churn_is_5_percent_when_50_of_1000_are_lost(con):
    kpis = period_kpis(tx_of(con, seed_example(returning=950, lost=50, new=0)))

    june = row(kpis, "2024-06-01")
    assert (june.customers_start, june.lost, june.churn_rate) == (1000, 50, pytest.approx(0.05))


def test_reactivated_customers_are_not_retained_nor_new(con):
    kpis = period_kpis(tx_of(con, seed_example(returning=90, lost=10, new=20, reactivated=5)))

    june = row(kpis, "2024-06-01")
    assert june[["customers_start", "customers_end", "new", "reactivated", "retained"]
                ].tolist() == [100, 115, 20, 5, 90]
    assert june.crr == pytest.approx((115 - 20 - 5) / 100)
    assert june.crr_seed == pytest.approx((115 - 20) / 100)  # the seed form counts them
    assert june.repeat_rate == pytest.approx(95 / 115)  # 90 returning + 5 back of 115 buyers


def test_period_retention_rate_and_repeat_rate(con):
    kpis = period_kpis(tx_of(con, [
        ("a", "2024-05-02", 1.0), ("b", "2024-05-03", 1.0), ("c", "2024-05-04", 1.0),
        ("d", "2024-05-05", 1.0),
        ("a", "2024-06-02", 1.0), ("b", "2024-06-03", 1.0), ("x", "2024-06-04", 1.0),
    ]))

    june = row(kpis, "2024-06-01")
    assert june.retention_rate == pytest.approx(2 / 4)  # {a, b} of May's {a, b, c, d}
    assert june.repeat_rate == pytest.approx(2 / 3)  # a and b bought before; x is new
    assert math.isnan(row(kpis, "2024-05-01").retention_rate)  # nobody bought in April


def test_returns_reduce_revenue_and_are_not_orders(con):
    kpis = period_kpis(tx_of(con, [
        ("a", "2024-06-01", 100.0), ("a", "2024-06-05", -30.0), ("b", "2024-06-07", 50.0),
        ("c", "2024-06-09", -20.0),  # returns something bought before: not a buyer now
    ]))

    june = row(kpis, "2024-06-01")
    assert june[["buyers", "orders", "revenue"]].tolist() == [2, 2, 100.0]
    assert june.avg_check == 50.0
    assert june.revenue_per_customer == 50.0
    assert june.orders_per_buyer == 1.0


def test_order_ids_count_orders(con):
    kpis = period_kpis(tx_of(con, [
        ("a", "2024-06-01", 10.0, "o1"), ("a", "2024-06-01", 15.0, "o1"),
        ("a", "2024-06-03", 5.0, "o2"), ("a", "2024-06-04", -5.0, "o2"),
    ], columns=("customer_id", "time", "amount", "order_id")))

    june = row(kpis, "2024-06-01")
    assert june[["orders", "revenue", "avg_check", "orders_per_buyer"]].tolist() == [
        2, 25.0, 12.5, 2.0]


def test_by_computes_every_metric_within_each_value(con):
    tx = tx_of(con, [
        ("a", "2024-05-02", 10.0, "web"), ("b", "2024-05-03", 20.0, "web"),
        ("a", "2024-06-02", 30.0, "web"), ("a", "2024-06-05", 5.0, "shop"),
        ("c", "2024-06-06", 8.0, None),
    ], columns=("customer_id", "time", "amount", "channel"))

    kpis = period_kpis(tx, by="channel")

    assert list(kpis.columns) == ["channel", *KPI_COLUMNS]
    assert sorted(kpis.channel.unique()) == ["(none)", "shop", "web"]
    web = row(kpis, "2024-06-01", channel="web")
    assert web[["customers_start", "customers_end", "retained", "new", "buyers",
                "revenue"]].tolist() == [2, 2, 2, 0, 1, 30.0]
    shop = row(kpis, "2024-06-01", channel="shop")
    assert shop[["customers_start", "new", "buyers", "repeat_rate"]].tolist() == [0, 1, 1, 0.0]


def test_by_refuses_a_missing_or_unknown_column(con):
    tx = tx_of(con, [("a", "2024-05-02", 10.0)])

    with pytest.raises(InputError, match="the transactions have no store column"):
        period_kpis(tx, by="store")
    with pytest.raises(InputError, match="by must be one of segment, channel, store, manager"):
        period_kpis(tx, by="city")


@pytest.mark.parametrize(("period", "labels"), [
    ("week", ["2024-12-30", "2025-01-06", "2025-01-13"]),
    ("quarter", ["2024-10-01", "2025-01-01"]),
    ("year", ["2024-01-01", "2025-01-01"]),
])
def test_weeks_quarters_and_years(con, period, labels):
    tx = tx_of(con, [("a", "2024-12-31", 1.0), ("b", "2025-01-05", 1.0),
                     ("a", "2025-01-14", 2.0)])

    kpis = period_kpis(tx, period=period)

    assert kpis.period.dt.strftime("%Y-%m-%d").tolist() == labels
    assert kpis.buyers.sum() == 3
    assert kpis.revenue.sum() == 4.0
    assert kpis.new.sum() == 2


def test_the_activity_window_is_configurable(con):
    tx = tx_of(con, [("a", "2024-01-05", 1.0), ("a", "2024-03-20", 1.0)])

    yearly = period_kpis(tx).set_index("period")
    monthly = period_kpis(tx, window_days=30).set_index("period")

    assert yearly.customers_end.tolist() == [1, 1, 1]
    # Thirty days: active at Feb 1 (Jan 5 is within), not at Mar 1: lost in February,
    # reactivated in March.
    assert monthly.customers_end.tolist() == [1, 0, 1]
    assert monthly.lost.tolist() == [0, 1, 0]
    assert monthly.reactivated.tolist() == [0, 0, 1]
    with pytest.raises(InputError, match="window_days must be positive"):
        period_kpis(tx, window_days=0)


def reference_kpis(df: pd.DataFrame, period: str, window: int, span=None) -> pd.DataFrame:
    """A plain, slow implementation of DESIGN.md's definitions, one period at a time."""
    freq = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}[period]
    orders = df[df.amount >= 0]
    first = orders.groupby("customer_id").time.min()
    periods = pd.period_range(*(span or (df.time.min(), df.time.max())), freq=freq)
    w = pd.Timedelta(days=window)

    def active(t):
        return set(orders[(orders.time >= t - w) & (orders.time < t)].customer_id)

    def buyers(p):
        return set(orders[(orders.time >= p.start_time) & (orders.time <= p.end_time)]
                   .customer_id)

    out = []
    for p in periods:
        start, end = p.start_time, (p + 1).start_time
        s, e = active(start), active(end)
        new = set(first[(first >= start) & (first < end)].index)
        now, before = buyers(p), buyers(p - 1)
        inside = df[(df.time >= start) & (df.time < end)]
        out.append({
            "period": start, "customers_start": len(s), "customers_end": len(e),
            "new": len(new), "reactivated": len(e - s - new), "retained": len(s & e),
            "retention": len(now & before) / len(before) if before else np.nan,
            "buyers": len(now), "orders": int((inside.amount >= 0).sum()),
            "revenue": inside.amount.sum(),
            "repeat": len(now - new) / len(now) if now else np.nan,
        })
    return pd.DataFrame(out)


def random_transactions(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": rng.integers(0, 300, n).astype(str),
        "time": pd.Timestamp("2022-01-01") + pd.to_timedelta(
            rng.integers(0, 3 * 365 * 24, n), unit="h"),
        "amount": np.round(rng.gamma(2.0, 30.0, n) * np.where(rng.random(n) < 0.05, -1, 1), 2),
        "channel": rng.choice(["web", "shop"], n, p=[0.7, 0.3]),
    })


# Windows shorter than the period too: a new customer can then be inactive at its end.
@pytest.mark.parametrize(("period", "window"), [
    ("month", 365), ("month", 45), ("month", 20), ("week", 30), ("quarter", 100),
    ("quarter", 45), ("year", 365),
])
def test_it_matches_a_plain_implementation_of_the_definitions(con, period, window):
    df = random_transactions(7)

    ours = period_kpis(frames.transactions(df, con=con), period=period, window_days=window)
    assert_matches(ours, reference_kpis(df, period, window))


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_by_matches_the_plain_implementation_within_each_value(con, period):
    df = random_transactions(11)
    ours = period_kpis(frames.transactions(df, con=con), period=period, window_days=90,
                       by="channel")

    span = (df.time.min(), df.time.max())
    for channel in ("shop", "web"):
        part = ours[ours.channel == channel].reset_index(drop=True)
        assert_matches(part, reference_kpis(df[df.channel == channel], period, 90, span))


def assert_matches(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert ours.period.tolist() == ref.period.tolist()
    for column in ("customers_start", "customers_end", "new", "reactivated", "retained",
                   "buyers", "orders"):
        assert ours[column].tolist() == ref[column].tolist(), column
    np.testing.assert_allclose(ours.revenue, ref.revenue, rtol=1e-12)
    np.testing.assert_allclose(ours.retention_rate, ref.retention, rtol=1e-12)
    np.testing.assert_allclose(ours.repeat_rate, ref.repeat, rtol=1e-12)
    np.testing.assert_allclose(ours.crr, ref.retained / ref.customers_start, rtol=1e-12)


def test_the_bridge_splits_a_tiny_change_by_hand(con):
    # May: 2 buyers, 2 orders, 100 -> N 2, V 50, L 1. June: 3 buyers, 6 orders, 360 ->
    # N 3, V 60, L 2. L(360, 100) = 260 / ln 3.6 = 202.97691; effects 202.97691 x ln 1.5,
    # x ln 1.2, x ln 2.
    tx = tx_of(con, [
        ("a", "2024-05-01", 50.0), ("b", "2024-05-02", 50.0),
        *[(c, f"2024-06-0{d}", 60.0) for c in "abx" for d in (1, 2)],
    ])

    bridge = nvl_bridge(period_kpis(tx))

    assert bridge.period.tolist() == [pd.Timestamp("2024-06-01")]
    june = bridge.iloc[0]
    assert june.revenue_change == 260.0
    assert june.n_effect == pytest.approx(82.300057, abs=1e-6)
    assert june.v_effect == pytest.approx(37.007067, abs=1e-6)
    assert june.l_effect == pytest.approx(140.692876, abs=1e-6)


def test_the_bridge_parts_sum_exactly_to_the_revenue_change(con):
    rng = np.random.default_rng(3)
    n = 2000
    df = pd.DataFrame({
        "customer_id": rng.integers(0, 200, n).astype(str),
        "time": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        "amount": np.round(rng.gamma(2.0, 20.0, n), 2),
        "store": rng.choice(["north", "south"], n),
    })
    kpis = period_kpis(frames.transactions(df, con=con), by="store")

    bridge = nvl_bridge(kpis)

    assert list(bridge.columns) == ["store", "period", "revenue_change", "n_effect",
                                    "v_effect", "l_effect"]
    assert len(bridge) == 2 * 11
    parts = bridge.n_effect + bridge.v_effect + bridge.l_effect
    np.testing.assert_allclose(parts, bridge.revenue_change, rtol=1e-10, atol=1e-9)
    north = kpis[kpis.store == "north"].revenue.to_numpy()
    np.testing.assert_allclose(bridge[bridge.store == "north"].revenue_change,
                               np.diff(north))


def test_the_bridge_leaves_effects_empty_when_a_period_has_no_sales(con):
    tx = tx_of(con, [("a", "2024-01-05", 10.0), ("a", "2024-03-05", 20.0)])

    with pytest.warns(UserWarning, match="N x V x L bridge"):
        bridge = nvl_bridge(period_kpis(tx))

    assert bridge.revenue_change.tolist() == [-10.0, 20.0]
    assert bridge.n_effect.isna().all()


def test_return_on_relationship(con):
    tx = tx_of(con, [
        ("repeat", "2024-02-01", 1.0), ("repeat", "2024-03-01", 1.0),
        ("old", "2023-01-10", 1.0), ("old", "2024-05-01", 1.0),  # came back after a year
        ("referred", "2024-04-01", 1.0),
        ("once", "2024-04-02", 1.0), ("once2", "2024-04-03", 1.0),
        ("gone", "2023-01-01", 1.0), ("gone", "2023-02-01", 1.0),  # not a recent customer
        ("later", "2024-07-01", 1.0),  # after as_of
    ])
    people = pd.DataFrame({"customer_id": ["referred", "once"], "referred_by": ["repeat", ""]})

    assert return_on_relationship(tx, as_of="2024-06-30") == pytest.approx(2 / 5)
    assert return_on_relationship(tx, as_of="2024-06-30", customers=people) == (
        pytest.approx(3 / 5))


def test_it_takes_a_pandas_frame_too():
    df = pd.DataFrame({"customer": ["a", "a"], "date": ["01.05.2024", "03.06.2024"],
                       "amount": ["1,5", "2"]})

    kpis = period_kpis(df)

    assert kpis.revenue.tolist() == [1.5, 2.0]
    assert kpis.retained.tolist() == [0, 1]


def test_no_transactions_give_an_empty_table_and_no_ror(con):
    tx = tx_of(con, [("a", "2024-01-05", 10.0)])
    nothing = tx.filter(tx.amount < 0)

    assert list(period_kpis(nothing).columns) == KPI_COLUMNS
    assert period_kpis(nothing).empty
    with pytest.warns(UserWarning, match="nobody ordered in the 12 months before 2025-06-30"):
        assert math.isnan(return_on_relationship(tx, as_of="2025-06-30"))


# -- which figures can be trusted ---------------------------------------------------------


def monthly_shop(months: int, last_day: int = 28) -> list[tuple[str, str, float]]:
    """Ten customers from 2022-01, each buying in alternate months; the last month ends on
    ``last_day``."""
    records = []
    for m in range(months):
        year, month = 2022 + m // 12, m % 12 + 1
        day = last_day if m == months - 1 else 15
        records += [(f"c{i}", f"{year}-{month:02d}-{day:02d}", 10.0)
                    for i in range(10) if (i + m) % 2 == 0 or m == 0]
    return records


def test_a_history_shorter_than_the_window_measures_no_retention(con):
    # Nine months with a 365-day window: everyone who ever bought is still "active", so
    # CRR 100 % and churn 0 % would be the definition speaking, not the customers.
    kpis = period_kpis(tx_of(con, monthly_shop(9)))

    assert len(kpis) == 9
    assert not kpis.window_covered.any()
    assert (kpis.crr.dropna() == 1.0).all()


def test_a_three_year_history_measures_retention_from_a_window_after_the_first_purchase(con):
    kpis = period_kpis(tx_of(con, monthly_shop(36)))

    # First purchase 2022-01-15; 365 days later is 2023-01-15, so February 2023 is the
    # first month starting a whole window after it.
    covered = kpis[kpis.window_covered].period
    assert covered.min() == pd.Timestamp("2023-02-01")
    assert len(covered) == 36 - 13
    assert row(kpis, "2023-01-01").window_covered == False  # noqa: E712 (numpy bool)


def test_the_window_is_counted_from_each_groups_first_purchase(con):
    records = [("a", "2022-01-10", 5.0, "old"), ("a", "2023-06-10", 5.0, "old"),
               ("b", "2023-05-10", 5.0, "new"), ("b", "2023-06-10", 5.0, "new")]
    kpis = period_kpis(tx_of(con, records, ("customer_id", "time", "amount", "store")),
                       by="store")

    assert row(kpis, "2023-06-01", store="old").window_covered
    assert not row(kpis, "2023-06-01", store="new").window_covered


def test_the_running_period_is_marked_unfinished(con):
    tx = tx_of(con, monthly_shop(9, last_day=20))  # data up to 2022-09-20

    kpis = period_kpis(tx)
    assert kpis.unfinished.tolist() == [False] * 8 + [True]
    # On the month's last day (or later) it is finished.
    assert not period_kpis(tx, as_of="2022-09-30").unfinished.any()
    quarters = period_kpis(tx, period="quarter", as_of="2022-09-30")
    assert quarters.unfinished.tolist() == [False, False, False]
    assert period_kpis(tx, period="quarter").unfinished.tolist() == [False, False, True]
