"""LTV, simple and by formula, against figures worked by hand."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import frames
from tenure.analytics.exceptions import InputError
from tenure.analytics.value import customer_ltv, ltv_formula, ltv_simple, value_at_risk

# X buys $50 every quarter for four years (16 orders); Y places two orders (one of two lines)
# and returns $20. From 1 January 2020 to 1 January 2024 is 1,461 days = 48 months of 30.4375.
AS_OF = "2024-01-01"
QUARTERS = pd.date_range("2020-01-01", periods=16, freq="QS")
ROWS = [
    # customer, time, amount, order, margin, channel
    *[("X", str(day.date()), 50.0, f"x{i}", None, "web" if i == 0 else "shop")
      for i, day in enumerate(QUARTERS)],
    ("Y", "2020-01-01", 60.0, "y1", 18.0, "shop"),
    ("Y", "2020-01-01", 40.0, "y1", 12.0, "shop"),
    ("Y", "2020-02-01", 100.0, "y2", 30.0, "shop"),
    ("Y", "2020-03-01", -20.0, "y2", None, "shop"),
    ("Z", "2020-03-01", -15.0, "z1", None, "web"),  # a return, never a purchase
    ("X", "2024-01-02", 999.0, "x99", None, "web"),  # after as_of: ignored
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
    assert (x["orders"], x["revenue"], x["avg_check"]) == (16, 800.0, 50.0)
    assert x["months_observed"] == pytest.approx(48.0)
    assert x["orders_per_month"] == pytest.approx(4 / 12)
    assert x["margin"] == 1.0  # no margin recorded: revenue-based
    assert x["ltv_formula"] == pytest.approx(800.0)  # observed lifetime: revenue x margin
    # Y: orders y1 and y2 (the return is no order), revenue 60 + 40 + 100 - 20 = 180,
    # margin (18 + 12 + 30) / (60 + 40 + 100) = 0.3
    assert (y["orders"], y["revenue"], y["avg_check"]) == (2, 180.0, 90.0)
    assert y["margin"] == pytest.approx(0.3)
    assert y["ltv_formula"] == pytest.approx(90 * 2 / 48 * 48 * 0.3)
    assert y["ltv_simple"] == pytest.approx(180.0)


def test_expected_lifetime_gives_the_thousand_dollar_customer(tx):
    got = customer_ltv(tx, as_of=AS_OF, lifetime_months=60).set_index("customer_id")
    assert got.loc["X", "ltv_formula"] == pytest.approx(1000.0)
    assert got.loc["Y", "ltv_formula"] == pytest.approx(90 * 2 / 48 * 60 * 0.3)
    fixed_margin = customer_ltv(tx, as_of=AS_OF, lifetime_months=60, margin=0.5)
    assert fixed_margin.set_index("customer_id").loc["X", "ltv_formula"] == pytest.approx(500)


def test_costs_per_customer(tx):
    costs = pd.DataFrame(
        {"customer_id": ["X", "Y"], "acquisition_cost": [100.0, 30.0], "retention_cost": [50.0, 0]}
    )
    got = customer_ltv(tx, as_of=AS_OF, costs=costs).set_index("customer_id")
    assert got.loc["X", "ltv_simple"] == pytest.approx(800 - 100 - 50)
    assert got.loc["Y", "ltv_simple"] == pytest.approx(180 - 30)


def test_per_segment_with_costs_per_segment(tx):
    # X was acquired on the web (their first purchase), Y in the shop.
    costs = pd.DataFrame({"channel": ["web", "shop"], "acquisition_cost": [100.0, 30.0]})
    got = customer_ltv(tx, as_of=AS_OF, by="channel", costs=costs, lifetime_months=60)
    got = got.set_index("channel")
    assert got.loc["web", "customers"] == 1
    assert got.loc["web", "ltv_simple"] == pytest.approx(800 - 100)
    assert got.loc["web", "ltv_formula"] == pytest.approx(1000.0)
    assert got.loc["shop", "ltv_simple"] == pytest.approx(180 - 30)
    assert got.loc["shop", "ltv_formula"] == pytest.approx(90 * 2 / 48 * 60 * 0.3)


def test_pooled_segment_figures(tx):
    # One channel value for everyone: the pooled figures of the whole base.
    got = customer_ltv(tx.mutate(channel=ibis.literal("all")), as_of=AS_OF, by="channel")
    row = got.iloc[0]
    # 18 orders, revenue 980: avg check 980 / 18; 18 orders in 96 customer-months
    assert row["avg_check"] == pytest.approx(980 / 18)
    assert row["orders_per_month"] == pytest.approx(18 / 96)
    assert row["lifetime_months"] == pytest.approx(48.0)
    # margin weighted by revenue: (800 x 1 + 180 x 0.3) / 980
    assert row["margin"] == pytest.approx(854 / 980)
    assert row["ltv_formula"] == pytest.approx(854 / 2)  # = mean revenue x margin


def test_uncovered_customers_cost_nothing_with_a_warning(tx):
    costs = pd.DataFrame({"customer_id": ["X"], "acquisition_cost": [100.0]})
    with pytest.warns(UserWarning, match="1 customer"):
        got = customer_ltv(tx, as_of=AS_OF, costs=costs).set_index("customer_id")
    assert got.loc["Y", "ltv_simple"] == pytest.approx(180.0)


def test_a_recent_first_purchase_counts_one_month(tx):
    got = customer_ltv(tx, as_of="2020-01-02").set_index("customer_id")
    assert got.loc["X", "months_observed"] == 1.0  # one day seen: one month, not 1/30
    assert got.loc["X", "orders_per_month"] == 1.0
    assert got.loc["Y", "orders"] == 1


def test_arguments_are_checked(tx):
    with pytest.raises(InputError, match="margin"):
        customer_ltv(tx, margin=1.5)
    with pytest.raises(InputError, match="customer_id column"):
        customer_ltv(tx, costs=pd.DataFrame({"channel": ["web"], "acquisition_cost": [1.0]}))
    with pytest.raises(InputError, match="more than one row"):
        customer_ltv(tx, costs=pd.DataFrame({"customer_id": ["X", "X"], "retention_cost": [1, 2]}))
    with pytest.raises(InputError, match="lacks column"):
        customer_ltv(tx, by="store")


def test_as_of_cuts_the_history_and_its_whole_day_counts(tx):
    before_return = customer_ltv(tx, as_of="2020-02-29").set_index("customer_id")
    assert before_return.loc["Y", "revenue"] == pytest.approx(200.0)
    with_return = customer_ltv(tx, as_of="2020-03-01").set_index("customer_id")
    assert with_return.loc["Y", "revenue"] == pytest.approx(180.0)
    assert customer_ltv(tx).set_index("customer_id").loc["X", "revenue"] == 800.0 + 999.0


def test_margin_rates_are_each_customers_share_with_the_shops_rate_for_gaps():
    from tenure.analytics.value import margin_rates

    tx = frames.transactions(pd.DataFrame({
        "customer_id": ["a", "a", "b", "c"],
        "time": ["2024-01-01", "2024-02-01", "2024-01-05", "2024-01-06"],
        "amount": [100.0, -20.0, 50.0, 30.0],
        "margin": [40.0, -8.0, 10.0, None],  # c sold without a recorded cost
    }))

    rates = margin_rates(tx).set_index("customer_id")["margin"].sort_index()

    assert rates["a"] == pytest.approx(32 / 80)
    assert rates["b"] == pytest.approx(10 / 50)
    assert rates["c"] == pytest.approx(42 / 130)  # the shop's: (40 - 8 + 10) / (100 - 20 + 50)


def test_value_at_risk_by_hand():
    # CLV 1000 at P(alive) 0.4: 2500 if they stay, x 0.6 = 1500. P(alive) 0.05 is floored at
    # 0.1: 100 / 0.1 = 1000, x 0.9 = 900. A signal lifts a 0.15 risk to 0.5: 3000 / 0.95 x
    # 0.5 = 1578.95. No P(alive): the CLV itself, 200 x 0.3 = 60.
    got = value_at_risk([1000.0, 100.0, 3000.0, 200.0], [0.4, 0.05, 0.95, np.nan],
                        [0.6, 0.9, 0.15, 0.3], [False, False, True, False])
    assert list(got.columns) == ["value_if_stay", "leaving", "value_at_risk"]
    np.testing.assert_allclose(got["value_at_risk"], [1500.0, 900.0, 3000 / 0.95 * 0.5, 60.0])
    np.testing.assert_allclose(got["leaving"], [0.6, 0.9, 0.5, 0.3])


def test_value_at_risk_wants_one_value_per_customer():
    with pytest.raises(InputError, match="one value per customer"):
        value_at_risk([1.0, 2.0], [0.5], [0.1, 0.2])
