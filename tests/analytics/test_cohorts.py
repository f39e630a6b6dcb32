"""Cohort tables on a tiny shop where every cell is worked by hand.

Monthly purchases (negative = return), data up to April 2024:

    A  Jan +100   Feb +50   Mar -20 (return only)   Apr +30
    B  Jan +200
    C  Jan +40              Mar +60
    D            Feb +80, Feb +20   Mar +10
    E            Feb +50
    F                       Mar -15 (a return, never a purchase: in no cohort)

January cohort {A, B, C}, size 3, seen at ages 0-3:
    buyers per age 3, 1 (A), 1 (C; A's return is not a purchase), 1 (A)
    last purchase at age: B 0, C 2, A 3 -> bought at age k or later: 3, 2, 2, 1
    revenue per age 340, 50, 60 - 20 = 40, 30 -> from age k on: 460, 120, 70, 30
February cohort {D, E}, size 2, seen at ages 0-2 (age 3 is May: not in the data):
    buyers 2, 1 (D), 0; bought at k or later 2, 1, 0
    revenue 150, 10, 0 -> from age k on: 160, 10, 0; cumulative 150, 160, 160
"""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import frames
from tenure.analytics.cohorts import cohort_table, retention_curves
from tenure.analytics.exceptions import InputError

NAN = math.nan
SHOP = [
    ("A", "2024-01-05", 100.0), ("A", "2024-02-10", 50.0), ("A", "2024-03-15", -20.0),
    ("A", "2024-04-01 09:30", 30.0), ("B", "2024-01-20", 200.0), ("C", "2024-01-25", 40.0),
    ("C", "2024-03-03", 60.0), ("D", "2024-02-02", 80.0), ("D", "2024-02-20", 20.0),
    ("D", "2024-03-30", 10.0), ("E", "2024-02-14", 50.0), ("F", "2024-03-01", -15.0),
]


def _table(con, rows, name="tx"):
    df = pd.DataFrame(rows, columns=["customer_id", "time", "amount"])
    df["time"] = pd.to_datetime(df["time"], format="mixed")
    return con.create_table(name, ibis.memtable(df), overwrite=True)


@pytest.fixture
def tx():
    return _table(ibis.duckdb.connect(), SHOP)


def _rows(table):
    assert list(table.index) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert list(table.columns) == [0, 1, 2, 3]
    return table.to_numpy().tolist()


CASES = [
    # measure, counting, as_share, January row, February row
    ("customers", "in_period", False, [3, 1, 1, 1], [2, 1, 0, NAN]),
    ("customers", "in_period", True, [1, 1 / 3, 1 / 3, 1 / 3], [1, 1 / 2, 0, NAN]),
    ("customers", "in_or_after", False, [3, 2, 2, 1], [2, 1, 0, NAN]),
    ("customers", "in_or_after", True, [1, 2 / 3, 2 / 3, 1 / 3], [1, 1 / 2, 0, NAN]),
    ("revenue", "in_period", False, [340, 50, 40, 30], [150, 10, 0, NAN]),
    ("revenue", "in_period", True, [1, 50 / 340, 40 / 340, 30 / 340], [1, 10 / 150, 0, NAN]),
    ("revenue", "in_or_after", False, [460, 120, 70, 30], [160, 10, 0, NAN]),
    ("revenue", "in_or_after", True, [1, 120 / 460, 70 / 460, 30 / 460], [1, 10 / 160, 0, NAN]),
    ("revenue", "cumulative", False, [340, 390, 430, 460], [150, 160, 160, NAN]),
    ("revenue", "cumulative", True, [1, 39 / 34, 43 / 34, 46 / 34], [1, 16 / 15, 16 / 15, NAN]),
    ("revenue_per_customer", "in_period", True, [340 / 3, 50 / 3, 40 / 3, 10], [75, 5, 0, NAN]),
    ("revenue_per_customer", "in_or_after", True, [460 / 3, 40, 70 / 3, 10], [80, 5, 0, NAN]),
    ("revenue_per_customer", "cumulative", 1, [340 / 3, 130, 430 / 3, 460 / 3], [75, 80, 80, NAN]),
    # as_share does not apply to a figure that is already per original customer
    ("revenue_per_customer", "in_period", False, [340 / 3, 50 / 3, 40 / 3, 10], [75, 5, 0, NAN]),
]


@pytest.mark.parametrize(("measure", "counting", "as_share", "january", "february"), CASES)
def test_every_cell_by_hand(tx, measure, counting, as_share, january, february):
    table = cohort_table(tx, measure=measure, counting=counting, as_share=as_share)
    got_january, got_february = _rows(table)
    assert got_january == pytest.approx(january)
    assert got_february == pytest.approx(february, nan_ok=True)


def test_retention_curves_long_and_weighted_average(tx):
    curves = retention_curves(tx)
    long = curves.cohorts
    assert list(long.columns) == ["cohort", "age", "value", "customers"]
    assert len(long) == 7  # 4 January cells and 3 February cells; the unseen May is left out
    feb = long[long["cohort"] == pd.Timestamp("2024-02-01")]
    assert feb["value"].tolist() == pytest.approx([1, 0.5, 0])
    assert set(feb["customers"]) == {2}
    average = curves.average.set_index("age")
    # Pooled over the cohorts seen at each age: (1 + 1) / (3 + 2), (1 + 0) / 5, then January.
    assert average["value"].tolist() == pytest.approx([1, 2 / 5, 1 / 5, 1 / 3])
    assert average["cohorts"].tolist() == [2, 2, 2, 1]
    assert average["customers"].tolist() == [5, 5, 5, 3]


def test_average_revenue_share_is_weighted_by_period_zero_revenue(tx):
    average = retention_curves(tx, measure="revenue").average
    assert average["value"].tolist() == pytest.approx(
        [1, (50 + 10) / (340 + 150), (40 + 0) / (340 + 150), 30 / 340]
    )


def test_average_of_absolute_counts_is_the_mean_per_cohort(tx):
    average = retention_curves(tx, as_share=False).average
    assert average["value"].tolist() == pytest.approx([2.5, 1, 0.5, 1])


def test_quarters_and_weeks(tx):
    quarterly = cohort_table(tx, period="quarter", as_share=False)
    # Q1: A, B, C, D, E; Q2 (April): A
    assert quarterly.index.tolist() == [pd.Timestamp("2024-01-01")]
    assert quarterly.to_numpy().tolist() == [[5, 1]]
    weekly = cohort_table(tx, period="week", as_share=False)
    # Weeks start on Monday: A's 5 January (a Friday) is in the week of 1 January; A comes
    # back in the week of 5 February (age 5) and of 1 April (age 13).
    first = weekly.loc[pd.Timestamp("2024-01-01")]
    assert first[first > 0].index.tolist() == [0, 5, 13]
    assert pd.Timestamp("2024-01-29") in weekly.index  # D, Friday 2 February


def test_arguments_are_checked(tx):
    with pytest.raises(InputError, match="cumulative"):
        cohort_table(tx, measure="customers", counting="cumulative")
    with pytest.raises(InputError, match="period"):
        cohort_table(tx, period="day")
    with pytest.raises(InputError, match="measure"):
        cohort_table(tx, measure="orders")
    with pytest.raises(InputError, match="counting"):
        cohort_table(tx, counting="later")
    with pytest.raises(InputError, match="lacks column"):
        cohort_table(tx.drop("amount"))
    with pytest.raises(InputError, match="ibis Table"):
        cohort_table(pd.DataFrame())


def _reference(rows, counting):
    """Plain-Python cohort counts and revenue, month by month."""
    df = pd.DataFrame(rows, columns=["customer_id", "time", "amount"])
    df["p"] = df["time"].dt.year * 12 + df["time"].dt.month - 1
    first = df[df.amount >= 0].groupby("customer_id")["p"].min()
    df = df[df.customer_id.isin(first.index)]
    df["age"] = df["p"] - df["customer_id"].map(first)
    df = df[df.age >= 0]
    last_p = df["p"].max()
    customers, revenue = {}, {}
    for cohort in sorted(first.unique()):
        members = df[df.customer_id.map(first) == cohort]
        for age in range(last_p - cohort + 1):
            bought = members[members.amount >= 0]
            window = bought.age == age if counting == "in_period" else bought.age >= age
            customers[(cohort, age)] = bought[window].customer_id.nunique()
            in_window = members.age == age if counting == "in_period" else members.age >= age
            revenue[(cohort, age)] = members[in_window].amount.sum()
    return customers, revenue


@pytest.mark.parametrize("counting", ["in_period", "in_or_after"])
def test_engine_matches_a_plain_reference(counting):
    rng = np.random.default_rng(7)
    n = 3000
    times = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 540, n), unit="D")
    amounts = np.round(rng.gamma(2.0, 30.0, n), 2) * np.where(rng.random(n) < 0.1, -1, 1)
    rows = pd.DataFrame({
        "customer_id": rng.integers(0, 300, n).astype(str),
        "time": times,
        "amount": amounts,
    })
    tx = _table(ibis.duckdb.connect(), rows)
    customers, revenue = _reference(rows, counting)
    got_customers = cohort_table(tx, counting=counting, as_share=False)
    got_revenue = cohort_table(tx, measure="revenue", counting=counting, as_share=False)
    for (cohort, age), expected in customers.items():
        start = pd.Timestamp(year=cohort // 12, month=cohort % 12 + 1, day=1)
        assert got_customers.loc[start, age] == expected
        assert got_revenue.loc[start, age] == pytest.approx(revenue[(cohort, age)])
    assert got_customers.notna().sum().sum() == len(customers)


def test_a_table_read_by_frames_gives_the_same_cells():
    df = pd.DataFrame(SHOP, columns=["customer_id", "time", "amount"])
    df["time"] = pd.to_datetime(df["time"], format="mixed")
    tx = frames.transactions(df, con=ibis.duckdb.connect())
    table = cohort_table(tx, measure="revenue", counting="in_or_after", as_share=False)
    assert _rows(table)[0] == pytest.approx([460, 120, 70, 30])
