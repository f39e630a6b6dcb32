"""Campaign uplift: control groups, Newcombe's interval, the revenue bootstrap, the MDE.

References: Newcombe (1998), "Interval estimation for the difference between independent
proportions: comparison of eleven methods", Statistics in Medicine 17, 873-890, Table II,
method 10 (hybrid score, no continuity correction), the published limits to 4 places;
the minimum detectable effect worked by hand from the normal approximation.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tenure.analytics import uplift
from tenure.analytics.exceptions import InputError
from tenure.analytics.uplift import (
    UPLIFT_COLUMNS,
    conversion_uplift,
    global_control,
    holdout,
    minimum_detectable_effect,
    revenue_uplift,
    uplift_table,
)

# (x1, n1, x2, n2) -> Newcombe's published 95 % limits of p1 - p2 (Table II, method 10).
NEWCOMBE_TABLE_II = {
    (56, 70, 48, 80): (0.0524, 0.3339),
    (9, 10, 3, 10): (0.1705, 0.8090),
    (5, 56, 0, 29): (-0.0381, 0.1926),
    (0, 10, 0, 20): (-0.1611, 0.2775),
    (0, 10, 0, 10): (-0.2775, 0.2775),
    (10, 10, 0, 20): (0.6791, 1.0000),
    (10, 10, 0, 10): (0.6075, 1.0000),
}


@pytest.mark.parametrize(("counts", "limits"), NEWCOMBE_TABLE_II.items())
def test_the_conversion_interval_is_newcombes(counts, limits):
    u = conversion_uplift(*counts)
    assert u.uplift == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(u.low, 4), round(u.high, 4)) == limits


def test_the_interval_narrows_with_less_confidence_and_refuses_bad_counts():
    wide, narrow = conversion_uplift(56, 70, 48, 80), conversion_uplift(
        56, 70, 48, 80, confidence=0.8)
    assert wide.low < narrow.low < narrow.high < wide.high
    for bad in ((5, 4, 1, 10), (1, 10, 0, 0), (-1, 10, 1, 10), (1.5, 10, 1, 10)):
        with pytest.raises(InputError):
            conversion_uplift(*bad)


def test_the_minimum_detectable_effect_is_the_hand_worked_one():
    # (1.959964 + 0.841621) * sqrt(0.1 * 0.9 * (1/1000 + 1/1000)) = 0.037587
    assert minimum_detectable_effect(1000, 1000, 0.10) == pytest.approx(0.037587, abs=1e-6)
    # Four times the customers halve it; a 10 % control group costs precision.
    assert minimum_detectable_effect(4000, 4000, 0.10) == pytest.approx(0.037587 / 2,
                                                                         abs=1e-6)
    assert minimum_detectable_effect(9000, 1000, 0.10) > minimum_detectable_effect(
        5000, 5000, 0.10)
    assert minimum_detectable_effect(100, 100, 0.0) > 0


def test_the_holdout_is_deterministic_of_its_share_and_independent_between_campaigns():
    ids = [f"C{i:06d}" for i in range(100_000)]
    first = holdout(ids, campaign=7, share=0.1)
    assert np.array_equal(first, holdout(ids, campaign=7, share=0.1))
    reordered = holdout(ids[::-1], campaign=7, share=0.1)[::-1]
    assert np.array_equal(first, reordered)
    # The share within three standard errors of a binomial draw.
    assert abs(first.mean() - 0.1) < 3 * math.sqrt(0.1 * 0.9 / len(ids))
    # A larger share keeps every customer the smaller one held out.
    assert (holdout(ids, campaign=7, share=0.2) | ~first).all()
    other = holdout(ids, campaign=8, share=0.1)
    both = (first & other).mean()
    assert abs(both - 0.01) < 3 * math.sqrt(0.01 * 0.99 / len(ids))
    assert not holdout(ids[:100], campaign=7, share=0.0).any()
    with pytest.raises(InputError):
        holdout(ids, campaign=7, share=1.0)


def test_the_global_control_group_depends_on_the_customer_alone():
    ids = list(range(50_000))
    group = global_control(ids, 0.05)
    assert np.array_equal(group, global_control(ids, 0.05))
    assert abs(group.mean() - 0.05) < 3 * math.sqrt(0.05 * 0.95 / len(ids))
    assert not np.array_equal(group, holdout(ids, campaign="x", share=0.05))


def test_the_revenue_interval_is_seeded_and_agrees_with_welch_on_large_groups():
    rng = np.random.default_rng(1)
    treated, control = rng.normal(12.0, 5.0, 4000), rng.normal(11.0, 5.0, 4000)
    u = revenue_uplift(treated, control, seed=3)
    assert u == revenue_uplift(treated, control, seed=3)
    assert u.uplift == pytest.approx(treated.mean() - control.mean())
    # On large normal groups the bootstrap and Welch's t interval nearly coincide.
    se = math.sqrt(treated.var(ddof=1) / len(treated) + control.var(ddof=1) / len(control))
    t = stats.t.ppf(0.975, len(treated) + len(control) - 2)
    assert u.low == pytest.approx(u.uplift - t * se, abs=0.05)
    assert u.high == pytest.approx(u.uplift + t * se, abs=0.05)
    with pytest.raises(InputError):
        revenue_uplift([1.0, float("nan")], [1.0])
    with pytest.raises(InputError):
        revenue_uplift([], [1.0])


def test_the_report_per_step_hand_checked():
    # Step 1: 40 of 200 treated converted (20 each), 5 of 50 in control (10 each).
    rows = []
    for step, (treated, converted_t, control, converted_c) in {
            1: (200, 40, 50, 5), 2: (30, 3, 10, 1)}.items():
        rows += [(step, False, i < converted_t, 20.0 if i < converted_t else 0.0)
                 for i in range(treated)]
        rows += [(step, True, i < converted_c, 10.0 if i < converted_c else 0.0)
                 for i in range(control)]
    customers = pd.DataFrame(rows, columns=["step", "control", "converted", "revenue"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = uplift_table(customers, offer_cost=pd.Series({1: 100.0}))
    assert list(table.columns) == UPLIFT_COLUMNS
    one = table.loc[1]
    assert (one.treated, one.control, one.converted_treated, one.converted_control) == (
        200, 50, 40, 5)
    assert one.uplift == pytest.approx(0.2 - 0.1)
    expected = conversion_uplift(40, 200, 5, 50)
    assert (one.uplift_low, one.uplift_high) == (expected.low, expected.high)
    # Revenue per customer 4.00 against 1.00: 3.00 more on each of 200 treated = 600.
    assert (one.revenue_treated, one.revenue_control) == (4.0, 1.0)
    assert one.incremental_revenue == pytest.approx(600.0)
    assert one.net_incremental_revenue == pytest.approx(500.0)
    assert table.loc[2, "offer_cost"] == 0.0
    assert bool(table.loc[2, "too_small"]) and bool(one.too_small)
    assert "Groups too small" in str(caught[0].message)


def test_the_report_refuses_a_step_without_a_control_group():
    customers = pd.DataFrame({"step": [1, 1], "control": [False, False],
                              "converted": [True, False], "revenue": [5.0, 0.0]})
    with pytest.raises(InputError, match="both groups"):
        uplift_table(customers)
    with pytest.raises(InputError, match="columns"):
        uplift_table(customers.drop(columns="revenue"))


def test_the_design_effect_is_one_for_independent_rows_and_the_cluster_size_for_identical():
    rng = np.random.default_rng(5)
    outcome = rng.random(400) < 0.3
    assert uplift.design_effect(outcome, np.arange(400)) == 1.0
    # Ten customers of four rows each, each customer's rows all alike, half converting:
    # MSB = 10 x 4 x 0.25 / 9, MSW = 0, so rho = 1 and the design effect is 1 + (4 - 1).
    alike = np.repeat([1, 0] * 5, 4)
    assert uplift.design_effect(alike, np.repeat(np.arange(10), 4)) == pytest.approx(4.0)
    # Outcomes unrelated to the customer: rho is about 0 (floored), deff about 1.
    noise = rng.random(4000) < 0.3
    assert uplift.design_effect(noise, np.repeat(np.arange(1000), 4)) < 1.15


def test_clustered_rows_widen_the_interval_as_their_effective_counts_say():
    # 40 treated rows of 10 customers (all alike within a customer), 40 control rows.
    frame = pd.DataFrame({
        "control": [False] * 40 + [True] * 40,
        "converted": np.r_[np.repeat([1] * 6 + [0] * 4, 4), np.repeat([1] * 2 + [0] * 8, 4)]
        .astype(bool),
        "revenue": 0.0,
        "customer": np.repeat(np.arange(20), 4),
        "step": 1,
    })
    clustered = uplift.uplift_table(frame, cluster="customer").iloc[0]
    rows = uplift.uplift_table(frame).iloc[0]
    # Each group's design effect is 4: the interval is Newcombe's of 6/10 against 2/10.
    by_hand = uplift.conversion_uplift(6, 10, 2, 10)
    assert clustered["uplift"] == pytest.approx(0.4)
    assert (clustered["uplift_low"], clustered["uplift_high"]) == pytest.approx(
        (by_hand.low, by_hand.high))
    assert clustered["uplift_high"] - clustered["uplift_low"] > (
        rows["uplift_high"] - rows["uplift_low"])
