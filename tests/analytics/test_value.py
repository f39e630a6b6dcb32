"""LTV, simple and by formula, against figures worked by hand."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics.exceptions import InputError
from tenure.analytics.value import customer_ltv, ltv_formula, ltv_simple

# X buys $50 four times a year; Y places two orders (one of two lines) and returns $20.
# 365.25 days after 1 January 2023 is exactly 12 months of 30.4375 days.
AS_OF = pd.Timestamp("2023-01-01") + pd.Timedelta(days=365.25)
ROWS = [
    # customer, time, amount, order, margin, channel
    ("X", "2023-01-01", 50.0, "x1", None, "web"),
    ("X", "2023-04-01", 50.0, "x2", None, "shop"),
    ("X", "2023-07-01", 50.0, "x3", None, "shop"),
    ("X", "2023-10-01", 50.0, "x4", None, "shop"),
    ("Y", "2023-01-01", 60.0, "y1", 18.0, "shop"),
    ("Y", "2023-01-01", 40.0, "y1", 12.0, "shop"),
    ("Y", "2023-02-01", 100.0, "y2", 30.0, "shop"),
    ("Y", "2023-03-01", -20.0, "y2", None, "shop"),
    ("Z", "2023-03-01", -15.0, "z1", None, "web"),  # a return, never a purchase
    ("X", "2024-03-01", 999.0, "x5", None, "web"),  # after as_of: ignored
]


@pytest.fixture
def tx():
    df = pd.DataFrame(
        ROWS, columns=["customer_id", "time", "amount", "order_id", "margin", "channel"]
    )
    df["time"] = pd.to_datetime(df["time"])
    df["margin"] = df["margin"].astype("float64")
    return ibis.duckdb.connect().create_table("tx", ibis.memtable(df))


def test_formula_of_the_textbook_customer():
    # $50 a purchase x 4 purchases a year (1/3 a month) x 5 years (60 months) x margin 1
    assert ltv_formula(50.0, 4 / 12, 60) == pytest.approx(1000.0)
    assert ltv_formula(50.0, 4 / 12, 60, margin=0.25) == pytest.approx(250.0)


def test_simple_ltv_deducts_both_costs():
    assert ltv_simple(1200.0, 150.0, 50.0) == pytest.approx(1000.0)
    got = ltv_simple(np.array([100.0, 80.0]), np.array([30.0, 10.0]), 5.0)
    assert got.tolist() == pytest.approx([65.0, 65.0])


def test_formula_refuses_impossible_inputs():
    with pytest.raises(InputError, match="margin"):
        ltv_formula(50.0, 1.0, 12, margin=30)
    with pytest.raises(InputError, match="lifetime_months"):
        ltv_formula(50.0, 1.0, -1)


def test_each_customer_from_their_own_history(tx):
    got = customer_ltv(tx, as_of=AS_OF).set_index("customer_id")
    assert got.index.tolist() == ["X", "Y"]  # Z never bought
    x, y = got.loc["X"], got.loc["Y"]
    assert (x["orders"], x["revenue"], x["avg_check"]) == (4, 200.0, 50.0)
    assert x["months_observed"] == pytest.approx(12.0)
    assert x["orders_per_month"] == pytest.approx(4 / 12)
    assert x["margin"] == 1.0  # no margin recorded: revenue-based
    assert x["ltv_formula"] == pytest.approx(200.0)  # observed lifetime: revenue x margin
    # Y: orders y1 and y2 (the return is no order), revenue 60 + 40 + 100 - 20 = 180,
    # margin (18 + 12 + 30) / (60 + 40 + 100) = 0.3
    assert (y["orders"], y["revenue"], y["avg_check"]) == (2, 180.0, 90.0)
    assert y["margin"] == pytest.approx(0.3)
    assert y["ltv_formula"] == pytest.approx(90 * 2 / 12 * 12 * 0.3)
    assert y["ltv_simple"] == pytest.approx(180.0)


def test_expected_lifetime_gives_the_thousand_dollar_customer(tx):
    got = customer_ltv(tx, as_of=AS_OF, lifetime_months=60).set_index("customer_id")
    assert got.loc["X", "ltv_formula"] == pytest.approx(1000.0)
    assert got.loc["Y", "ltv_formula"] == pytest.approx(90 * 2 / 12 * 60 * 0.3)
    fixed_margin = customer_ltv(tx, as_of=AS_OF, lifetime_months=60, margin=0.5)
    assert fixed_margin.set_index("customer_id").loc["X", "ltv_formula"] == pytest.approx(500)


def test_costs_per_customer(tx):
    costs = pd.DataFrame(
        {"customer_id": ["X", "Y"], "acquisition_cost": [100.0, 30.0], "retention_cost": [50.0, 0]}
    )
    got = customer_ltv(tx, as_of=AS_OF, costs=costs).set_index("customer_id")
    assert got.loc["X", "ltv_simple"] == pytest.approx(200 - 100 - 50)
    assert got.loc["Y", "ltv_simple"] == pytest.approx(180 - 30)


def test_per_segment_with_costs_per_segment(tx):
    # X was acquired on the web (their first purchase), Y in the shop.
    costs = pd.DataFrame({"channel": ["web", "shop"], "acquisition_cost": [100.0, 30.0]})
    got = customer_ltv(tx, as_of=AS_OF, by="channel", costs=costs, lifetime_months=60)
    got = got.set_index("channel")
    assert got.loc["web", "customers"] == 1
    assert got.loc["web", "ltv_simple"] == pytest.approx(200 - 100)
    assert got.loc["web", "ltv_formula"] == pytest.approx(1000.0)
    assert got.loc["shop", "ltv_simple"] == pytest.approx(180 - 30)
    assert got.loc["shop", "ltv_formula"] == pytest.approx(90 * 2 / 12 * 60 * 0.3)


def test_pooled_segment_figures(tx):
    # One channel value for everyone: the pooled figures of the whole base.
    got = customer_ltv(tx.mutate(channel=ibis.literal("all")), as_of=AS_OF, by="channel")
    row = got.iloc[0]
    # 6 orders, revenue 380: avg check 380 / 6; 6 orders in 24 customer-months
    assert row["avg_check"] == pytest.approx(380 / 6)
    assert row["orders_per_month"] == pytest.approx(6 / 24)
    assert row["lifetime_months"] == pytest.approx(12.0)
    # margin weighted by revenue: (200 x 1 + 180 x 0.3) / 380
    assert row["margin"] == pytest.approx(254 / 380)
    assert row["ltv_formula"] == pytest.approx(254 / 2)  # = mean revenue x margin


def test_uncovered_customers_cost_nothing_with_a_warning(tx):
    costs = pd.DataFrame({"customer_id": ["X"], "acquisition_cost": [100.0]})
    with pytest.warns(UserWarning, match="1 customer"):
        got = customer_ltv(tx, as_of=AS_OF, costs=costs).set_index("customer_id")
    assert got.loc["Y", "ltv_simple"] == pytest.approx(180.0)


def test_a_recent_first_purchase_counts_one_month(tx):
    got = customer_ltv(tx, as_of="2023-01-02").set_index("customer_id")
    assert got.loc["X", "months_observed"] == 1.0
    assert got.loc["X", "orders_per_month"] == 1.0


def test_arguments_are_checked(tx):
    with pytest.raises(InputError, match="margin"):
        customer_ltv(tx, margin=1.5)
    with pytest.raises(InputError, match="customer_id column"):
        customer_ltv(tx, costs=pd.DataFrame({"channel": ["web"], "acquisition_cost": [1.0]}))
    with pytest.raises(InputError, match="more than one row"):
        customer_ltv(tx, costs=pd.DataFrame({"customer_id": ["X", "X"], "retention_cost": [1, 2]}))
    with pytest.raises(InputError, match="lacks column"):
        customer_ltv(tx, by="store")
