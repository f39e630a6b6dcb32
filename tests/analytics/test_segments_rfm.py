"""RFM scores, segments and transitions, checked against hand-worked figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.exceptions import InputError
from tenure.analytics.segments import (
    DEFAULT_GRID,
    SEGMENTS,
    quintile_scores,
    rfm,
    segment_transitions,
    validate_grid,
)

# Ten customers; each score worked by hand with score = 1 + floor(5 * b / 10), b = number of
# customers with a strictly worse value.
SUMMARY = pd.DataFrame({
    "customer_id": [f"c{i}" for i in range(1, 11)],
    "recency_days": [5, 5, 10, 20, 30, 40, 60, 60, 200, 400],
    "orders": [6, 1, 1, 1, 1, 1, 1, 2, 3, 4],
    "revenue": [500.0, 50, 50, 80, 20, 10, 30, 100, 150, 300],
})
# R: c1, c2 have 8 customers with longer recency -> 5; c3 7 -> 4; c4 6 -> 4; c5 5 -> 3;
#    c6 4 -> 3; c7, c8 2 -> 2; c9 1 -> 1; c10 0 -> 1.
# F: six one-time buyers b = 0 -> 1 (ties kept together); 2 orders b = 6 -> 4;
#    3 orders b = 7 -> 4; 4 orders b = 8 -> 5; 6 orders b = 9 -> 5.
# M: 500 b = 9 -> 5; 50 (twice) b = 3 -> 2; 80 b = 5 -> 3; 20 b = 1 -> 1; 10 b = 0 -> 1;
#    30 b = 2 -> 2; 100 b = 6 -> 4; 150 b = 7 -> 4; 300 b = 8 -> 5.
EXPECTED = {
    "c1": (5, 5, 5, "champions"),
    "c2": (5, 1, 2, "new"),
    "c3": (4, 1, 2, "promising"),
    "c4": (4, 1, 3, "promising"),
    "c5": (3, 1, 1, "about_to_sleep"),
    "c6": (3, 1, 1, "about_to_sleep"),
    "c7": (2, 1, 2, "hibernating"),
    "c8": (2, 4, 4, "at_risk"),
    "c9": (1, 4, 4, "at_risk"),
    "c10": (1, 5, 5, "cant_lose"),
}

# DESIGN.md's grid written out cell by cell: rows R5..R1, columns F1..F5.
DESIGN_GRID = {
    5: ["new", "potential_loyalist", "potential_loyalist", "champions", "champions"],
    4: ["promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"],
    3: ["about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
    1: ["lost", "hibernating", "at_risk", "at_risk", "cant_lose"],
}


def test_scores_and_segments_worked_by_hand():
    result = rfm(SUMMARY)
    assert list(result.columns) == ["customer_id", "r", "f", "m", "rfm", "segment"]
    got = {row.customer_id: (row.r, row.f, row.m, row.segment) for row in result.itertuples()}
    assert got == EXPECTED
    assert result.set_index("customer_id").loc["c4", "rfm"] == "413"


def test_row_order_does_not_change_scores():
    shuffled = SUMMARY.sample(frac=1, random_state=3).reset_index(drop=True)
    result = rfm(shuffled)
    assert list(result["customer_id"]) == list(shuffled["customer_id"])
    got = {row.customer_id: (row.r, row.f, row.m, row.segment) for row in result.itertuples()}
    assert got == EXPECTED


def test_one_time_buyers_all_get_f1():
    orders = np.array([1] * 60 + [2] * 20 + [3] * 10 + [5] * 10)
    scores = quintile_scores(orders)
    assert set(scores[:60]) == {1}
    assert set(scores[60:80]) == {4}  # 60 % below: 1 + floor(5 * 0.6)
    assert set(scores[80:]) == {5}


def test_without_ties_each_score_holds_a_fifth():
    rng = np.random.default_rng(0)
    scores = quintile_scores(rng.permutation(100).astype(float))
    assert np.bincount(scores)[1:].tolist() == [20, 20, 20, 20, 20]


def test_default_grid_is_design_grid_and_partitions_25_cells():
    lookup = validate_grid(DEFAULT_GRID)
    assert len(lookup) == 25
    for r, row in DESIGN_GRID.items():
        for f, name in enumerate(row, start=1):
            assert lookup[(r, f)] == name, (r, f)
    assert list(SEGMENTS) == [
        "champions", "loyal", "potential_loyalist", "new", "promising", "need_attention",
        "about_to_sleep", "cant_lose", "at_risk", "hibernating", "lost"]
    assert set(DEFAULT_GRID) == set(SEGMENTS)


def test_every_segment_is_reachable():
    # 25 customers, one per cell: recency rank 5 (r - 1) + (f - 1) gives R = r, order rank
    # 5 (f - 1) + (r - 1) gives F = f.
    cells = [(r, f) for r in range(1, 6) for f in range(1, 6)]
    summary = pd.DataFrame({
        "customer_id": [f"r{r}f{f}" for r, f in cells],
        "recency_days": [100 - (5 * (r - 1) + f - 1) for r, f in cells],
        "orders": [1 + 5 * (f - 1) + r - 1 for r, f in cells],
        "revenue": [10.0] * 25,
    })
    result = rfm(summary)
    assert list(zip(result["r"], result["f"], strict=True)) == cells
    assert list(result["segment"]) == [DESIGN_GRID[r][f - 1] for r, f in cells]
    assert set(result["segment"]) == set(SEGMENTS)
    assert set(result["m"]) == {1}  # all tied on revenue


def test_custom_grid():
    grid = {"active": [(r, f) for r in (3, 4, 5) for f in range(1, 6)],
            "inactive": [(r, f) for r in (1, 2) for f in range(1, 6)]}
    result = rfm(SUMMARY, grid=grid)
    assert list(result["segment"]) == ["active"] * 6 + ["inactive"] * 4


@pytest.mark.parametrize("grid, message", [
    ({"a": [(r, f) for r in range(1, 6) for f in range(1, 6) if (r, f) != (3, 3)]},
     "R3 F3"),
    ({"a": [(r, f) for r in range(1, 6) for f in range(1, 6)], "b": [(1, 1)]}, "both"),
    ({"a": [(r, f) for r in range(1, 6) for f in range(1, 6)] + [(6, 1)]}, "outside"),
])
def test_a_grid_that_does_not_partition_is_refused(grid, message):
    with pytest.raises(InputError, match=message):
        rfm(SUMMARY, grid=grid)


def test_bad_summary_is_refused():
    with pytest.raises(InputError, match="orders"):
        rfm(SUMMARY.drop(columns="orders"))
    with pytest.raises(InputError, match="negative"):
        rfm(SUMMARY.assign(recency_days=-1))
    with pytest.raises(InputError, match="repeats"):
        rfm(pd.concat([SUMMARY, SUMMARY.head(1)]))


def test_transitions_matrix():
    before = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
                           "segment": ["champions", "champions", "at_risk", "lost"]})
    after = pd.DataFrame({"customer_id": ["a", "b", "c", "e"],
                          "segment": ["champions", "at_risk", "at_risk", "new"]})
    matrix = segment_transitions(before, after)
    labels = [*SEGMENTS, "none"]
    assert list(matrix.index) == labels and list(matrix.columns) == labels
    assert matrix.index.name == "from" and matrix.columns.name == "to"
    expected = {("champions", "champions"): 1, ("champions", "at_risk"): 1,
                ("at_risk", "at_risk"): 1, ("none", "new"): 1, ("lost", "none"): 1}
    for (src, dst), count in expected.items():
        assert matrix.loc[src, dst] == count
    assert matrix.to_numpy().sum() == 5


def test_scores_equal_a_plain_reference():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 30, size=400).astype(float)  # many ties
    reference = [1 + (5 * sum(w < v for w in values)) // len(values) for v in values]
    assert quintile_scores(values).tolist() == reference
    reversed_reference = [1 + (5 * sum(w > v for w in values)) // len(values) for v in values]
    assert quintile_scores(values, higher_is_better=False).tolist() == reversed_reference


@pytest.mark.parametrize("values", [
    np.random.default_rng(3).integers(-40, 40, 2_000).astype(float),  # counted
    np.random.default_rng(4).integers(0, 10**9, 2_000).astype(float),  # wide: sorted
    np.round(np.random.default_rng(5).lognormal(3, 1, 2_000), 2),  # money: sorted
])
def test_scores_of_whole_numbers_counted_are_the_sorted_ones(values):
    from tenure.analytics.segments.rfm_scores import _below

    # Each value against every other: how many are strictly smaller.
    smaller = (values[None, :] < values[:, None]).sum(axis=1)
    assert (_below(values) == smaller).all()
