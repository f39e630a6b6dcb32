"""The shared customer-period pass gives the cohort, ABC/XYZ and KPI tables they compute alone."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from tenure.analytics import cohorts, frames, kpi
from tenure.analytics.activity import COLUMNS, customer_periods
from tenure.analytics.exceptions import InputError
from tenure.analytics.segments import abc_xyz


@pytest.fixture(scope="module")
def tx():
    rng = np.random.default_rng(7)
    n = 4_000
    times = (pd.Timestamp("2023-01-01")
             + pd.to_timedelta(rng.uniform(0, 700, n), unit="D")).floor("s")
    amounts = np.round(rng.lognormal(3, 0.7, n), 2)
    amounts[rng.random(n) < 0.05] *= -1  # returns
    return frames.transactions(pd.DataFrame({
        "customer_id": [f"c{i}" for i in rng.integers(0, 300, n)],
        "time": times, "amount": amounts}), con=ibis.duckdb.connect())


def test_one_row_per_customer_and_month_with_its_sums(tx):
    months = customer_periods(tx, "month").to_pandas()
    assert tuple(months.columns) == COLUMNS
    raw = tx.to_pandas()
    raw["p"] = (raw.time.dt.year * 12 + raw.time.dt.month - 1).astype("int64")
    raw["order"] = raw.amount >= 0
    expected = raw.groupby(["customer_id", "p"]).agg(
        revenue=("amount", "sum"), order_rows=("order", "sum"))
    expected["last_order"] = raw[raw.order].groupby(["customer_id", "p"]).time.max()
    got = months.set_index(["customer_id", "p"]).loc[expected.index]
    assert len(months) == len(expected)
    np.testing.assert_allclose(got.revenue, expected.revenue)
    assert (got.order_rows.to_numpy() == expected.order_rows.to_numpy()).all()
    assert (got.bought.to_numpy() == (expected.order_rows > 0).to_numpy()).all()
    pdt.assert_series_equal(got.last_order.astype("datetime64[us]"),
                            expected.last_order.astype("datetime64[us]"), check_names=False)


def test_cohorts_from_the_shared_pass_are_the_same(tx):
    months = customer_periods(tx, "month")
    for measure in ("customers", "revenue"):
        pdt.assert_frame_equal(
            cohorts.cohort_table(tx, measure=measure, activity=months),
            cohorts.cohort_table(tx, measure=measure))


def test_abc_xyz_from_the_shared_pass_is_the_same(tx):
    pdt.assert_frame_equal(abc_xyz(tx, activity=customer_periods(tx, "month")), abc_xyz(tx))


def test_kpis_from_the_shared_pass_are_the_same(tx):
    pdt.assert_frame_equal(
        kpi.period_kpis(tx, window_days=90, activity=customer_periods(tx, "month")),
        kpi.period_kpis(tx, window_days=90))


def test_the_shared_pass_is_refused_when_it_is_not_one(tx):
    with pytest.raises(InputError, match="customer_periods"):
        cohorts.cohort_table(tx, activity=tx)
