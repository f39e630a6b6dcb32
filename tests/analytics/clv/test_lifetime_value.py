"""Predictive CLV: hand-computed discounting, one answer whatever the time unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.clv import BetaGeo, GammaGamma, customer_lifetime_value
from tenure.analytics.exceptions import InputError

PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # per week
SPEND = {"p": 6.25, "q": 3.74, "v": 15.44}


def customers(scale: float = 1.0) -> pd.DataFrame:
    """Three customers; times in weeks times ``scale``."""
    return pd.DataFrame({"frequency": [2, 0, 7], "recency": [30.43 * scale, 0.0, 35.0 * scale],
                         "T": [38.86 * scale, 20.0 * scale, 38.0 * scale],
                         "monetary_value": [22.35, 0.0, 40.0]})


def test_each_month_is_discounted_at_its_end():
    purchases = BetaGeo.from_params(PARAMS, time_unit="week")
    spend = GammaGamma.from_params(SPEND)
    data = customers()
    month = 30.4375 / 7  # weeks
    e1 = purchases.expected_purchases(data, month)
    e2 = purchases.expected_purchases(data, 2 * month)
    by_hand = 0.4 * spend.expected_spend(data) * (e1 / 1.1 + (e2 - e1) / 1.1**2)

    value = customer_lifetime_value(purchases, spend, data, months=2,
                                    monthly_discount_rate=0.1, margin=0.4)

    np.testing.assert_allclose(value, by_hand, rtol=1e-12)


def test_the_time_unit_of_the_model_does_not_change_the_value():
    weekly = BetaGeo.from_params(PARAMS, time_unit="week")
    daily = BetaGeo.from_params({**PARAMS, "alpha": PARAMS["alpha"] * 7}, time_unit="day")
    spend = GammaGamma.from_params(SPEND)

    in_weeks = customer_lifetime_value(weekly, spend, customers(), months=12)
    in_days = customer_lifetime_value(daily, spend, customers(7.0), months=12)

    np.testing.assert_allclose(in_days, in_weeks, rtol=1e-10)


def test_without_discount_it_is_purchases_times_spend_times_margin():
    purchases = BetaGeo.from_params(PARAMS, time_unit="week")
    spend = GammaGamma.from_params(SPEND)
    data = customers()
    year = 12 * 30.4375 / 7

    value = customer_lifetime_value(purchases, spend, data, months=12,
                                    monthly_discount_rate=0.0, margin=[0.5, 0.5, 1.0])

    expected = (purchases.expected_purchases(data, year) * spend.expected_spend(data)
                * np.array([0.5, 0.5, 1.0]))
    np.testing.assert_allclose(value, expected, rtol=1e-12)


@pytest.mark.parametrize("kwargs,message", [
    ({"months": 0}, "months must be a whole number"),
    ({"months": 1.5}, "months must be a whole number"),
    ({"monthly_discount_rate": -1.0}, "monthly_discount_rate"),
    ({"margin": 1.5}, "margin is a fraction"),
])
def test_bad_settings_are_refused(kwargs, message):
    purchases = BetaGeo.from_params(PARAMS, time_unit="week")
    with pytest.raises(InputError, match=message):
        customer_lifetime_value(purchases, GammaGamma.from_params(SPEND), customers(), **kwargs)
