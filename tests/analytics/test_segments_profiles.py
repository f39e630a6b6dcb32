"""Best-customer profile and typical customer, checked against hand-worked lifts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.exceptions import InputError
from tenure.analytics.segments import best_customers_profile, typical_customer
from tenure.analytics.segments.profiles import age_band

N = 20
# Customers c1..c20 with revenue 10..200: with top = 0.2 the best are c17..c20.
SUMMARY = pd.DataFrame({
    "customer_id": [f"c{i}" for i in range(1, N + 1)],
    "orders": [1] * 10 + [2] * 6 + [4] * 4,
    "revenue": [10.0 * i for i in range(1, N + 1)],
    "recency_days": [30] * N,
    "tenure_days": [100] * 10 + [300] * 10,
    "last_purchase": pd.to_datetime(["2024-05-31"] * N),  # snapshot 2024-06-30
})
CUSTOMERS = pd.DataFrame({
    "customer_id": [f"c{i}" for i in range(1, N + 1)],
    # all: Kyiv 5, Lviv 7, Odesa 8; best: Kyiv 3, Lviv 1
    "city": ["Kyiv"] * 2 + ["Lviv"] * 6 + ["Odesa"] * 8 + ["Kyiv"] * 3 + ["Lviv"],
    # all known: F 6, M 11 (3 missing); best known: F 2, M 1 (one missing)
    "gender": ["F"] * 4 + ["M"] * 10 + [None] * 2 + ["F", "F", "M", None],
    # ages on 2024-06-30: 16 others 50 (45-54); best 30, 31, 40, 29
    "birth_date": pd.to_datetime(["1974-01-01"] * 16 + [
        "1994-01-01", "1993-01-01", "1984-01-01", "1994-07-01"]),
    # referred: 2 of the others, 2 of the best
    "referred_by": [None] * 14 + ["c1", "c2"] + ["c3", None, "c4", None],
    "email": [f"user{i}@example.com" for i in range(1, N + 1)],
    # a yes/no column with a gap: best True, True, None, False; others 8 True, 8 False
    "subscribed": [True] * 8 + [False] * 8 + [True, True, None, False],
    # dates and numbers held as objects are not attributes
    "acquired_on": [date(2023, 1, 1)] * N,
    "deposit": [Decimal("1.5")] * N,
})


def _row(table, attribute, value):
    rows = table[(table["attribute"] == attribute) & (table["value"] == value)]
    assert len(rows) == 1, (attribute, value)
    return rows.iloc[0]


def test_lifts_worked_by_hand():
    table = best_customers_profile(SUMMARY, CUSTOMERS, top=0.2)
    kyiv = _row(table, "city", "Kyiv")
    assert (kyiv.count_top, kyiv.count_all) == (3, 5)
    assert kyiv.share_top == pytest.approx(0.75)
    assert kyiv.share_all == pytest.approx(0.25)
    assert kyiv.lift == pytest.approx(3.0)
    assert _row(table, "city", "Lviv").lift == pytest.approx(0.25 / 0.35)
    # missing genders are left out of both shares: (2 / 3) / (6 / 17)
    assert _row(table, "gender", "F").lift == pytest.approx((2 / 3) / (6 / 17))
    assert _row(table, "gender", "M").share_all == pytest.approx(11 / 17)
    # age bands: 25-34 is 3 of 4 best against 3 of 20 -> lift 5
    assert _row(table, "age_band", "25-34").lift == pytest.approx(5.0)
    assert _row(table, "referred", "yes").lift == pytest.approx(0.5 / 0.2)
    # (2 / 3) / (10 / 19)
    assert _row(table, "subscribed", "yes").lift == pytest.approx((2 / 3) / (10 / 19))
    assert not {"acquired_on", "deposit"} & set(table["attribute"])
    # below the minimum support (Odesa: none of the best) or an identifier (email): gone
    assert "Odesa" not in set(table["value"])
    assert "email" not in set(table["attribute"])
    few = best_customers_profile(SUMMARY, CUSTOMERS, top=0.2, max_values=2)
    assert set(few["attribute"]) == {"gender", "age_band", "referred", "subscribed"}
    # sorted by lift
    assert list(table["lift"]) == sorted(table["lift"], reverse=True)
    assert (table.iloc[0].attribute, table.iloc[0].value) == ("age_band", "25-34")


def test_ties_at_the_cutoff_join_the_best():
    summary = SUMMARY.assign(revenue=[10.0] * 16 + [50.0, 50, 50, 50])
    table = best_customers_profile(summary, CUSTOMERS, top=0.1)  # 2 requested, 4 tied
    assert _row(table, "city", "Kyiv").count_top == 3


def test_age_band_birthdays():
    on = pd.Timestamp("2024-06-30")
    births = pd.Series(pd.to_datetime(["1999-07-01", "1999-06-30", "2010-01-01", None]))
    assert age_band(births, on).tolist()[:3] == ["18-24", "25-34", "under 18"]
    assert pd.isna(age_band(births, on).iloc[3])


def test_typical_customer():
    typical = typical_customer(SUMMARY, CUSTOMERS, max_values=10)
    assert typical["customers"] == 20
    assert typical["orders"] == 1.5
    assert typical["revenue"] == pytest.approx(105.0)
    # checks: 10..100 step 10 (1 order), 55..80 step 5 (2), 42.5..50 step 2.5 (4); sorted,
    # the 10th and 11th of 20 are 55 and 60
    assert typical["avg_check"] == pytest.approx(57.5)
    assert typical["tenure_days"] == 200.0 and typical["recency_days"] == 30.0
    assert typical["attributes"]["city"] == "Odesa"
    assert typical["attribute_shares"]["city"] == pytest.approx(0.4)
    assert typical["attributes"]["age_band"] == "45-54"


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="top"):
        best_customers_profile(SUMMARY, CUSTOMERS, top=1.5)
    with pytest.raises(InputError, match="customer_id"):
        best_customers_profile(SUMMARY, CUSTOMERS.drop(columns="customer_id"))
    with pytest.raises(InputError, match="empty"):
        typical_customer(SUMMARY.head(0))
    assert np.isfinite(typical_customer(SUMMARY)["avg_check"])
