"""Seeded transactions for the tests that compare a kernel with the engine's query."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from tenure.analytics import frames


def messy_transactions(*, seed: int, rows: int, customers: int,
                       return_share: float) -> pd.DataFrame:
    """Return ``rows`` transactions of ``customers`` customers over 900 days with every
    case: several orders a day, returns (``return_share`` of the rows), amounts with 0, 2
    and 6 decimals, times at midnight, a second after it and a second before the next."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 900, rows)
    seconds = rng.choice([0, 1, 43_200, 86_399], rows)
    times = pd.Timestamp("2022-12-30") + pd.to_timedelta(days, "D") + pd.to_timedelta(
        seconds, "s")
    places = rng.choice([0, 2, 6], rows)
    amounts = np.round(rng.lognormal(3, 1.0, rows) * 10.0 ** places) / 10.0 ** places
    amounts[rng.random(rows) < return_share] *= -1
    ids = [f"c{i}" for i in rng.integers(0, customers, rows)]
    return pd.DataFrame({"customer_id": ids, "time": times, "amount": amounts})


def keyed(frame: pd.DataFrame, con=None) -> ibis.Table:
    """Canonical transactions of ``frame`` with whole-number customers (as analyze keys them)."""
    tx = frames.transactions(frame, con=con if con is not None else ibis.duckdb.connect())
    return tx.mutate(customer_id=tx.customer_id.hash()).cache()
