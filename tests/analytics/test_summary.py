from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import frames
from tenure.analytics.exceptions import InputError
from tenure.analytics.summary import customer_summary

CDNOW = Path("/work/shared/data/cdnow")


@pytest.fixture
def con():
    return ibis.duckdb.connect()


def tx_of(con, records, **extra):
    df = pd.DataFrame(records, columns=["customer_id", "time", "amount", *extra])
    return frames.transactions(df, con=con)


def by_customer(table) -> pd.DataFrame:
    return table.execute().set_index("customer_id").sort_index()


def test_it_reproduces_fader_and_hardies_cdnow_summary(con):
    # The 2,357-customer sample over the 39-week calibration ending 1997-09-30, in weeks.
    tx = frames.transactions(CDNOW / "CDNOW_sample.txt", con=con,
                             columns=[None, "customer_id", "time", None, "amount"])
    ours = by_customer(customer_summary(tx, as_of="1997-09-30", unit="week"))
    ours.index = ours.index.astype(int)  # the sample id is the summary's ID
    theirs = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv",
                         index_col="ID").sort_index()

    assert ours.index.tolist() == theirs.index.tolist()
    assert (ours.frequency == theirs.x).all()
    # t_x and T are published in weeks rounded to two decimals; T = 1997-09-30 minus the first
    # purchase day (a customer first buying on 1997-01-01 has 272 days = 38.86 weeks).
    assert (ours.recency.round(2) == theirs.t_x).all()
    assert (ours["T"].round(2) == theirs["T"]).all()
    assert ours.loc[1, "tenure_days"] == 272
    # zbar is the mean repeat-purchase value published to the cent. Means that end in exactly
    # half a cent (22.345) were rounded either way in the published file (binary floats), so
    # "to the cent" means within half a cent; everything else matches exactly.
    gap = np.abs(ours.monetary_value - theirs.zbar)
    assert gap.max() <= 0.005 + 1e-9
    half_cent = np.isclose(gap, 0.005)
    assert (ours.monetary_value[~half_cent].round(2) == theirs.zbar[~half_cent]).all()
    assert ours.loc[1, "monetary_value"] == pytest.approx((29.73 + 14.96) / 2)


def test_same_day_orders_collapse_and_the_first_purchase_is_not_a_repeat(con):
    tx = tx_of(con, [
        ("a", "2024-01-01 09:00", 10.0), ("a", "2024-01-01 18:00", 5.0),  # one purchase: 15
        ("a", "2024-01-11", 20.0), ("a", "2024-01-31", 40.0),
        ("b", "2024-01-21", 7.0),
    ])

    s = by_customer(customer_summary(tx, as_of="2024-02-10"))

    assert s.loc["a", ["orders", "frequency", "recency", "T"]].tolist() == [4, 2, 30, 40]
    assert s.loc["a", "monetary_value"] == 30.0  # (20 + 40) / 2; the first day's 15 excluded
    assert s.loc["a", "revenue"] == 75.0
    assert s.loc["a", ["recency_days", "tenure_days"]].tolist() == [10, 40]
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0, 20, 0]
    assert s.loc["a", "first_purchase"] == pd.Timestamp("2024-01-01")
    assert s.loc["a", "last_purchase"] == pd.Timestamp("2024-01-31")


def test_returns_reduce_revenue_but_are_not_purchases(con):
    tx = tx_of(con, [
        ("a", "2024-01-01", 100.0), ("a", "2024-01-05", -30.0), ("a", "2024-01-09", 50.0),
        ("r", "2024-01-03", -10.0),  # a return alone makes no customer
    ])

    s = by_customer(customer_summary(tx, as_of="2024-01-10"))

    assert s.index.tolist() == ["a"]
    assert s.loc["a", ["orders", "revenue", "frequency", "monetary_value"]].tolist() == [
        2, 120.0, 1, 50.0]


def test_order_ids_count_orders_and_as_of_cuts_the_history(con):
    tx = tx_of(con, [
        ("a", "2024-01-01", 10.0, "o1"), ("a", "2024-01-01", 5.0, "o1"),
        ("a", "2024-01-02", 1.0, "o2"), ("a", "2024-03-01", 99.0, "o3"),
    ], order_id=None)

    s = by_customer(customer_summary(tx, as_of=dt.date(2024, 1, 2)))

    assert s.loc["a", ["orders", "revenue", "frequency", "T"]].tolist() == [2, 16.0, 1, 1]


def test_units_are_days_weeks_and_months_of_30_4375_days(con):
    tx = tx_of(con, [("a", "2024-01-01", 1.0), ("a", "2024-03-01", 1.0)])

    for unit, days in (("day", 1), ("week", 7), ("month", 30.4375)):
        s = by_customer(customer_summary(tx, as_of="2024-04-01", unit=unit))
        assert s.loc["a", "recency"] == pytest.approx(60 / days)
        assert s.loc["a", "T"] == pytest.approx(91 / days)


def test_as_of_defaults_to_the_last_transaction_day(con):
    tx = tx_of(con, [("a", "2024-01-01", 1.0), ("b", "2024-01-05 13:00", 1.0)])

    s = by_customer(customer_summary(tx))

    assert s["T"].tolist() == [4, 0]


def test_it_refuses_an_unknown_unit(con):
    tx = tx_of(con, [("a", "2024-01-01", 1.0)])

    with pytest.raises(InputError, match="unit must be one of day, week, month"):
        customer_summary(tx, unit="fortnight")


def test_opportunities_count_whole_units_after_each_first_purchase(con):
    from tenure.analytics.summary import opportunity_summary

    tx = tx_of(con, [
        ("a", "2020-01-01", 1.0),   # starts a's clock
        ("a", "2020-06-01", 1.0),   # opportunity 1
        ("a", "2020-09-01", 1.0),   # opportunity 1 again: one purchase opportunity
        ("a", "2021-01-01", 1.0),   # 366 days on: opportunity 2
        ("a", "2023-05-05", 1.0),   # opportunity 4, not complete by the end of 2023
        ("b", "2022-03-01", 1.0),   # one opportunity completed, nothing bought in it
        ("c", "2020-01-01", -5.0),  # a return alone is no purchase
    ])

    s = by_customer(opportunity_summary(tx, as_of="2023-12-31", unit="year"))

    assert s.index.tolist() == ["a", "b"]
    assert s.loc["a", ["frequency", "recency", "n_periods"]].tolist() == [2, 2, 3]
    assert s.loc["b", ["frequency", "recency", "n_periods"]].tolist() == [0, 0, 1]


def test_money_is_summed_exactly_so_every_run_gives_the_same_sums(con):
    # As floats, 0.1 + 0.2 + 0.3 is 0.6000000000000001 in this order and 0.6 in the
    # reverse; which one the engine gives depends on its threads. Decimals give 0.6.
    tx = tx_of(con, [("a", "2024-01-01", 10.0), ("a", "2024-01-02", 0.1),
                     ("a", "2024-01-02", 0.2), ("a", "2024-01-03", 0.3),
                     ("a", "2024-01-04", 0.1), ("a", "2024-01-05", 0.2)])
    assert 0.1 + 0.2 + 0.3 != 0.6
    row = by_customer(customer_summary(tx, as_of="2024-01-05")).loc["a"]
    assert row["revenue"] == 10.9
    # Repeat days 0.3, 0.3, 0.1, 0.2: 0.9 / 4 (0.9000000000000004 / 4 as floats).
    assert row["frequency"] == 4 and row["monetary_value"] == 0.9 / 4
