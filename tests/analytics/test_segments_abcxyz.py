"""ABC and XYZ classes, checked against hand-worked shares and coefficients of variation."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import frames
from tenure.analytics.exceptions import InputError
from tenure.analytics.segments import abc_classes, abc_xyz, abc_xyz_matrix, xyz_classes


@pytest.mark.parametrize("revenue, expected", [
    # shares before: 0, .5, .8, .9, .96 -> exactly 80 % before is no longer A
    ([50, 30, 10, 6, 4], "AABBC"),
    # shares before: 0, .6, .9: the customer carrying the total from 60 % to 90 % is A
    ([60, 30, 10], "AAB"),
    # one customer with 90 %: A; the two equal ones share a class
    ([90, 5, 5], "ABB"),
    # ties: both 40s start at 0, both 10s at 80 %
    ([40, 10, 40, 10], "ABAB"),
    # nothing or less than nothing bought: C; the total counts positive revenue only
    ([100, 0, -5], "ACC"),
])
def test_abc_boundaries(revenue, expected):
    assert "".join(abc_classes(np.array(revenue, dtype=float))) == expected


def test_abc_custom_thresholds():
    # shares before 0, .5, .8, .9, .96 against 50 % / 90 %
    got = abc_classes(np.array([50.0, 30, 10, 6, 4]), (0.5, 0.9))
    assert "".join(got) == "ABBCC"


def test_xyz_cv_by_hand():
    amounts = [
        [100, 100, 100],     # CV 0 -> X
        [100, 120, 80],      # sd sqrt(800 / 3) = 16.33, CV .1633 -> Y
        [100, 0, 100, 100],  # mean 75, sd sqrt(1875) = 43.30, CV .5774 -> Z
        [110, 90, 100],      # sd sqrt(200 / 3) = 8.165, CV .0816 -> X
        [50, 50],            # two periods -> new
    ]
    total = np.array([sum(a) for a in amounts], dtype=float)
    total_sq = np.array([sum(x * x for x in a) for a in amounts], dtype=float)
    periods = np.array([len(a) for a in amounts])
    classes, cv = xyz_classes(total, total_sq, periods, min_periods=3)
    assert list(classes) == ["X", "Y", "Z", "X", "new"]
    assert cv[:4] == pytest.approx([0.0, 0.163299, 0.577350, 0.081650], abs=1e-6)
    assert np.isnan(cv[4])
    # looser thresholds move the second and third customers
    classes, _ = xyz_classes(total, total_sq, periods, thresholds=(0.2, 0.6))
    assert list(classes) == ["X", "X", "Y", "X", "new"]


def _tx(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "time", "amount"])
    df["time"] = pd.to_datetime(df["time"], format="ISO8601")
    return frames.transactions(df, con=ibis.duckdb.connect())


ROWS = [
    ("c1", "2024-01-03", 60.0), ("c1", "2024-01-20", 40.0),  # one period: 100
    ("c1", "2024-02-10", 100.0), ("c1", "2024-03-10", 100.0),
    ("c2", "2024-01-05", 100.0), ("c2", "2024-02-05", 120.0),
    ("c2", "2024-03-31 18:00", 80.0),                        # on the snapshot day: counts
    ("c3", "2023-12-15", 100.0), ("c3", "2024-02-15", 100.0),  # January: 0
    ("c3", "2024-03-15", 100.0),
    ("c4", "2024-02-01", 50.0), ("c4", "2024-03-01", 50.0),
    ("c5", "2024-01-10", 110.0), ("c5", "2024-02-10", 100.0),
    ("c5", "2024-02-20", -10.0),                             # a return: February is 90
    ("c5", "2024-03-10", 100.0),
    ("c6", "2024-01-10", 10.0), ("c6", "2024-04-05", 1000.0),  # after the snapshot
]


def test_abc_xyz_on_transactions():
    result = abc_xyz(_tx(ROWS), period="month", as_of="2024-03-31").set_index("customer_id")
    # Revenue 300 for c1, c2, c3, c5 (tied: share before 0 -> A); c4 100: share before
    # 1200 / 1310 = .916 -> B; c6 10: 1300 / 1310 = .992 -> C.
    assert result["revenue"].to_dict() == {
        "c1": 300, "c2": 300, "c3": 300, "c5": 300, "c4": 100, "c6": 10}
    assert result["periods"].to_dict() == {
        "c1": 3, "c2": 3, "c3": 4, "c4": 2, "c5": 3, "c6": 3}
    assert result["abc_xyz"].to_dict() == {
        "c1": "AX", "c2": "AY", "c3": "AZ", "c4": "new", "c5": "AX", "c6": "CZ"}
    assert result.loc["c4", "abc"] == "B" and result.loc["c4", "xyz"] == "new"
    # c6: 10, 0, 0: mean 10/3, sd sqrt(100/3 - 100/9) = 4.714, CV sqrt(2)
    assert result.loc["c6", "cv"] == pytest.approx(np.sqrt(2))
    assert result.loc["c2", "cv"] == pytest.approx(0.163299, abs=1e-6)


def test_quarters_and_min_periods():
    result = abc_xyz(_tx(ROWS), period="quarter", as_of="2024-03-31", min_periods=2)
    result = result.set_index("customer_id")
    # c3 is the only customer with two quarters: 100 then 200, CV 50 / 150 -> Z
    assert result["xyz"].to_dict() == {
        "c1": "new", "c2": "new", "c3": "Z", "c4": "new", "c5": "new", "c6": "new"}
    assert result.loc["c3", "cv"] == pytest.approx(1 / 3)


def test_matrix_counts_nine_classes_and_new():
    result = abc_xyz(_tx(ROWS), period="month", as_of="2024-03-31")
    matrix = abc_xyz_matrix(result)
    assert list(matrix.index) == ["A", "B", "C"]
    assert list(matrix.columns) == ["X", "Y", "Z", "new"]
    assert matrix.to_numpy().tolist() == [[2, 1, 1, 0], [0, 0, 0, 1], [0, 0, 1, 0]]


def test_bad_settings_are_refused():
    tx = _tx(ROWS)
    with pytest.raises(InputError, match="period"):
        abc_xyz(tx, period="day")
    with pytest.raises(InputError, match="abc"):
        abc_xyz(tx, abc=(0.95, 0.8))
    with pytest.raises(InputError, match="min_periods"):
        abc_xyz(tx, min_periods=0)


def test_weeks_start_on_monday():
    rows = [
        ("w1", "2024-03-11", 100.0), ("w1", "2024-03-20", 100.0),  # Monday, Wednesday
        ("w1", "2024-03-31", 100.0),                               # Sunday: week of 03-25
        ("w2", "2024-03-17", 100.0),                               # Sunday: week of 03-11
    ]
    result = abc_xyz(_tx(rows), period="week", as_of="2024-03-31").set_index("customer_id")
    assert result["periods"].to_dict() == {"w1": 3, "w2": 3}
    assert result["xyz"].to_dict() == {"w1": "X", "w2": "Z"}
    assert result.loc["w2", "cv"] == pytest.approx(np.sqrt(2))  # 100, 0, 0


def test_nothing_before_the_snapshot_gives_an_empty_table():
    result = abc_xyz(_tx(ROWS), as_of="2020-01-01")
    assert result.empty
    assert list(result.columns)[:4] == ["customer_id", "abc", "xyz", "abc_xyz"]
    assert abc_xyz_matrix(result).to_numpy().sum() == 0
