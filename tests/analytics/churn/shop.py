"""A seeded purchase-level shop whose churn has a known driver: unresolved complaints.

Customers arrive over the first two years of a three-year window and buy as a Poisson
process with their own rate (Gamma), thinned by a yearly season (a summer dip, a December
peak). After each purchase they leave for good with their own probability (Beta): the
BG/NBD story. On top of it a quarter of the customers complain now and then; each complaint
makes the customer leave at once with probability ``COMPLAINT_EXIT``, and half of the
complaints are never resolved. So a complaint is a churn driver that the days since the
last purchase cannot see at the time of the complaint, and recency alone must lose to a
model that reads complaints.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

START = date(2021, 1, 1)
DAYS = 3 * 365
COMPLAINT_EXIT = 0.6


def season(t: np.ndarray) -> np.ndarray:
    """Return the relative demand at day ``t`` (mean about 1, peak 1.6 in December)."""
    day_of_year = np.mod(t, 365.0)
    return 1.0 + 0.3 * np.cos(2 * np.pi * (day_of_year - 350) / 365) + 0.3 * np.exp(
        -0.5 * ((day_of_year - 350) / 12) ** 2)


def simulate(customers: int = 2500, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Return ``transactions`` and ``complaints`` tables (canonical columns) of the shop."""
    rng = np.random.default_rng(seed)
    peak = 1.6
    tx, complaints = [], []
    for i in range(customers):
        cid = f"S{i:05d}"
        t = rng.uniform(0, 2 * 365)
        rate = rng.gamma(2.0, 1 / 60.0)  # purchases per day: a gap of 30 days on average
        dropout = rng.beta(1.0, 14.0)
        complaint_rate = rng.choice([0.0, 1 / 60.0], p=[0.75, 0.25])
        next_complaint = t + (rng.exponential(1 / complaint_rate) if complaint_rate else np.inf)
        tx.append((cid, t, rng.lognormal(3.5, 0.5)))
        while True:
            if rng.random() < dropout:
                break
            # The next purchase: a Poisson process at rate * season, by thinning.
            candidate = t
            while True:
                candidate += rng.exponential(1 / (rate * peak))
                if rng.random() < season(np.array([candidate]))[0] / peak:
                    break
            left = False
            while next_complaint < min(candidate, DAYS):
                resolved = (next_complaint + rng.exponential(20.0)
                            if rng.random() < 0.5 else None)
                complaints.append((cid, next_complaint, resolved))
                if rng.random() < COMPLAINT_EXIT:
                    left = True
                    break
                next_complaint += rng.exponential(1 / complaint_rate)
            if left or candidate >= DAYS:
                break
            t = candidate
            tx.append((cid, t, rng.lognormal(3.5, 0.5)))
    origin = pd.Timestamp(START)
    transactions = pd.DataFrame(tx, columns=["customer_id", "time", "amount"])
    transactions["time"] = (origin + pd.to_timedelta(transactions["time"], unit="D")).dt.floor("s")
    table = pd.DataFrame(complaints, columns=["customer_id", "opened_at", "resolved_at"])
    table["opened_at"] = (origin + pd.to_timedelta(table["opened_at"], unit="D")).dt.floor("s")
    table["resolved_at"] = (origin + pd.to_timedelta(table["resolved_at"].astype(float),
                                                     unit="D")).dt.floor("s")
    table.loc[table["resolved_at"] >= origin + pd.Timedelta(days=DAYS), "resolved_at"] = pd.NaT
    return {"transactions": transactions, "complaints": table}
