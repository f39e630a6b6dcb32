"""The churn features' BTYD part: MBG/NBD, so a one-time buyer is not alive for sure."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from tenure.analytics.churn.btyd import add_btyd


def snapshot_frame(customers: int = 3000, seed: int = 3) -> pd.DataFrame:
    """Customers of a Poisson-buying shop as a snapshot sees them (tenure up to 2 years)."""
    rng = np.random.default_rng(seed)
    tenure = rng.uniform(30, 730, customers)
    rate = rng.gamma(1.0, 1 / 40, customers)
    alive_for = rng.exponential(300, customers)
    purchases = rng.poisson(rate * np.minimum(tenure, alive_for))
    last = np.where(purchases > 0,
                    np.minimum(tenure, alive_for) * rng.beta(purchases + 1, 1), 0.0)
    return pd.DataFrame({"frequency": purchases.astype(float),
                         "tenure_days": tenure.round(),
                         "recency_days": (tenure - last).round(),
                         "horizon_days": np.full(customers, 90.0)})


def test_a_one_time_buyer_is_not_alive_for_sure_and_fades_with_time():
    frame = snapshot_frame()
    # Three one-time buyers: a week, six months and thirteen months after their purchase.
    extra = pd.DataFrame({"frequency": [0.0, 0.0, 0.0], "tenure_days": [7.0, 182.0, 395.0],
                          "recency_days": [7.0, 182.0, 395.0], "horizon_days": [90.0] * 3})
    frame = pd.concat([frame, extra], ignore_index=True)
    add_btyd(frame, date(2024, 3, 31))
    week, half_year, thirteen_months = frame["p_alive"].to_numpy()[-3:]
    assert 1 > week > half_year > thirteen_months > 0
    assert thirteen_months < 0.6
    expected = frame["expected_purchases"].to_numpy()[-3:]
    assert expected[0] > expected[1] > expected[2] > 0
