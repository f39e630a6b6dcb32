"""The sorted-array kernels compute exactly what the engine's queries compute.

`tenure.analytics.history` is an optimised path of `summary.customer_summary` and
`activity.customer_periods`: each test runs both on the same transactions and asks for the
same rows, values and types, to the last bit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from tenure.analytics import analyze, frames, history
from tenure.analytics.activity import customer_periods
from tenure.analytics.summary import customer_summary

from .transactions import keyed, messy_transactions

CDNOW = Path("/work/shared/data/cdnow")


@pytest.fixture(scope="module")
def messy():
    """Seeded transactions with every case: same-day orders, returns, days of returns only,
    customers with returns only, amounts with six decimals, times at midnight and just
    before it, a long span of months."""
    frame = messy_transactions(seed=11, rows=6_000, customers=400, return_share=0.08)
    only_returns = pd.DataFrame({"customer_id": ["r1", "r1", "r2"],
                                 "time": pd.to_datetime(["2023-03-01", "2023-04-02",
                                                         "2024-01-01"]),
                                 "amount": [-5.0, -7.25, -1.0]})
    return pd.concat([frame, only_returns], ignore_index=True)


def engine_summary(tx, as_of, unit="day") -> pd.DataFrame:
    table = customer_summary(tx, as_of=as_of, unit=unit).order_by("customer_id")
    return frames.to_frame(table)


@pytest.mark.parametrize("as_of,unit", [(dt.date(2025, 6, 18), "day"),
                                        (dt.date(2024, 2, 29), "week"),
                                        (dt.date(2023, 1, 1), "month")])
def test_the_summary_is_the_engines_to_the_last_bit(messy, as_of, unit):
    tx = keyed(messy, ibis.duckdb.connect())
    ours = history.customer_summary(history.fetch(tx), as_of, unit=unit)
    theirs = engine_summary(tx, as_of, unit)
    assert len(theirs) > 0
    pdt.assert_frame_equal(ours, theirs, check_exact=True)


def test_customers_with_returns_only_have_no_row_but_returns_reduce_revenue(messy):
    con = ibis.duckdb.connect()
    tx = keyed(messy, con)
    ours = history.customer_summary(history.fetch(tx), dt.date(2025, 6, 18))
    key = con.raw_sql("SELECT CAST(CAST(hash('r1') AS BIT) AS BIGINT)").fetchone()[0]
    assert key not in set(ours.customer_id)
    assert len(ours) == 400
    raw = messy[~messy.customer_id.str.startswith("r")]
    assert ours.revenue.sum() == pytest.approx(raw.amount.sum(), rel=1e-12)


@pytest.mark.parametrize("period", ["week", "month", "quarter", "year"])
def test_the_customer_periods_are_the_engines(messy, period):
    tx = keyed(messy, ibis.duckdb.connect())
    ours = frames.arrow_to_frame(history.customer_periods(history.fetch(tx), period))
    theirs = frames.to_frame(customer_periods(tx, period).order_by(["customer_id", "p"]))
    assert (~theirs.bought).any() and theirs.bought.any()
    pdt.assert_frame_equal(ours, theirs, check_exact=True)


def test_cdnow_summary_is_the_engines():
    con = ibis.duckdb.connect()
    tx = frames.transactions(CDNOW / "CDNOW_master.txt", con=con,
                             columns={"customer_id": "customer_id", "date": "time",
                                      "dollar_value": "amount"})
    tx = tx.mutate(customer_id=tx.customer_id.hash()).cache()
    arrays = history.fetch(tx)
    assert len(arrays) == 69_659
    for as_of in (dt.date(1997, 9, 30), dt.date(1998, 6, 30)):
        pdt.assert_frame_equal(history.customer_summary(arrays, as_of, unit="week"),
                               engine_summary(tx, as_of, "week"), check_exact=True)


def test_it_declines_text_ids_and_sums_past_64_bits():
    con = ibis.duckdb.connect()
    frame = pd.DataFrame({"customer_id": ["a", "b"], "time": pd.to_datetime(
        ["2024-01-01", "2024-01-02"]), "amount": [1.0, 2.0]})
    assert history.fetch(frames.transactions(frame, con=con)) is None
    huge = frame.assign(customer_id=["a"] * 2, amount=[9.9e11] * 2)
    for _ in range(4):
        huge = pd.concat([huge, huge])
    assert history.fetch(keyed(huge, con)) is None


def test_analyze_counts_distinct_orders_when_the_data_has_order_ids(messy):
    frame = messy.assign(order_id=[f"o{i // 2}" for i in range(len(messy))])
    result = analyze.analyze(frame, churn=False)
    theirs = frames.to_frame(customer_summary(frames.transactions(
        frame, con=ibis.duckdb.connect()), as_of=result.as_of))
    got = result.summary.set_index("customer_id").sort_index()
    theirs = theirs.set_index("customer_id").sort_index()
    assert (got.orders < got.orders.max()).any()
    pdt.assert_frame_equal(got, theirs, check_exact=True, check_dtype=False)


def engine_ranges(tx, period, window_days) -> pd.DataFrame:
    from tenure.analytics.kpi import _activity_ranges

    table = _activity_ranges(customer_periods(tx, period), [], period, window_days)
    return sorted_ranges(frames.to_frame(table))


def sorted_ranges(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["p", "hi", "new", "both", "seam", "start"]
    return frame.sort_values(keys).reset_index(drop=True)


@pytest.mark.parametrize("period,window_days", [("month", 365), ("week", 30),
                                                ("quarter", 90), ("year", 1)])
@pytest.mark.parametrize("dense", [True, False])
def test_the_activity_ranges_are_the_engines(messy, period, window_days, dense, monkeypatch):
    if not dense:  # the path of many periods and windows: counted by sorting
        monkeypatch.setattr(history, "_DENSE_CELLS", 0)
    tx = keyed(messy, ibis.duckdb.connect())
    rows = history.customer_periods(history.fetch(tx), period)
    ours = sorted_ranges(history.activity_ranges(rows, period, window_days))
    theirs = engine_ranges(tx, period, window_days)
    assert len(theirs) >= 10 and theirs.both.any() and theirs.start.any()
    pdt.assert_frame_equal(ours, theirs, check_exact=True)


def test_kpis_from_the_arrays_are_the_engines(messy):
    from tenure.analytics import kpi

    tx = keyed(messy, ibis.duckdb.connect())
    rows = history.customer_periods(history.fetch(tx), "month")
    pdt.assert_frame_equal(kpi.period_kpis(tx, period="month", activity=rows),
                           kpi.period_kpis(tx, period="month"), check_exact=True)


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_the_cohort_cells_are_the_engines(messy, period):
    from tenure.analytics.cohorts import _cells

    tx = keyed(messy, ibis.duckdb.connect())
    rows = history.customer_periods(history.fetch(tx), period)
    ours = history.cohort_cells(rows).sort_values(["cohort", "age"]).reset_index(drop=True)
    theirs = frames.to_frame(_cells(customer_periods(tx, period))).astype(
        {"cohort": "int64", "age": "int64"}).sort_values(["cohort", "age"]).reset_index(
        drop=True)
    assert theirs.leavers.sum() == 400 and (theirs.age > 4).any()
    pdt.assert_frame_equal(ours, theirs, check_exact=True)


@pytest.mark.parametrize("measure", ["customers", "revenue", "revenue_per_customer"])
def test_cohort_tables_from_the_arrays_are_the_engines(messy, measure):
    from tenure.analytics import cohorts

    tx = keyed(messy, ibis.duckdb.connect())
    rows = history.customer_periods(history.fetch(tx), "month")
    pdt.assert_frame_equal(cohorts.cohort_table(tx, measure=measure, activity=rows),
                           cohorts.cohort_table(tx, measure=measure), check_exact=True)


def test_abc_xyz_from_the_arrays_is_the_engines(messy):
    from tenure.analytics.segments import abc_xyz
    from tenure.analytics.segments.abcxyz import _aggregate

    tx = keyed(messy, ibis.duckdb.connect())
    rows = history.customer_periods(history.fetch(tx), "month")
    ours, _ = _aggregate(tx, "month", None, rows)
    theirs, _ = _aggregate(tx, "month", None)
    theirs = theirs.sort_values("customer_id").reset_index(drop=True)
    pdt.assert_frame_equal(ours.drop(columns="revenue_sq"),
                           theirs.drop(columns="revenue_sq"), check_exact=True)
    # A sum of floats: the engine's threads add in any order, so the last bits may differ.
    np.testing.assert_allclose(ours.revenue_sq, theirs.revenue_sq, rtol=1e-12)
    pdt.assert_frame_equal(abc_xyz(tx, activity=rows).sort_values("customer_id")
                           .reset_index(drop=True),
                           abc_xyz(tx).sort_values("customer_id").reset_index(drop=True))


@pytest.mark.parametrize("amounts", [[], [-5_000_000, -7_000_000]])
def test_no_purchases_give_empty_tables_not_errors(amounts):
    n = len(amounts)
    arrays = history.History(np.full(n, 5, dtype="int64"),
                             np.array(["2024-01-01T10", "2024-02-01T10"][:n],
                                      dtype="datetime64[us]"),
                             np.array(amounts, dtype="int64"))
    assert history.customer_summary(arrays, dt.date(2024, 3, 1)).empty
    rows = history.customer_periods(arrays, "month")
    assert rows.num_rows == n and not any(rows["bought"].to_pylist())
    assert history.activity_ranges(rows, "month", 365).empty
    assert history.cohort_cells(rows).empty
    assert history.customer_revenues(rows)["revenue"].tolist() == ([-12.0] if n else [])


def test_a_day_of_hundreds_of_orders_is_counted_whole():
    frame = pd.DataFrame({"customer_id": ["busy"] * 300 + ["calm"],
                          "time": pd.Timestamp("2024-05-02 10:00"), "amount": 1.5})
    tx = keyed(frame, ibis.duckdb.connect())
    arrays = history.fetch(tx)
    ours = history.customer_summary(arrays, dt.date(2024, 5, 31))
    assert sorted(ours.orders) == [1, 300]
    pdt.assert_frame_equal(ours, engine_summary(tx, dt.date(2024, 5, 31)), check_exact=True)
    rows = history.customer_periods(arrays, "month")
    assert sorted(rows["order_rows"].to_pylist()) == [1, 300]
