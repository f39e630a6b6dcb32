"""The BTYD features of a snapshot: MBG/NBD's P(alive) and expected purchases in H.

MBG/NBD (`tenure.analytics.clv.ModifiedBetaGeo`, in days; Batislam, Denizel & Filiztekin
2007) is fitted on the snapshot's own summary: every customer who bought by the snapshot,
with frequency x (repeat purchase days), recency :math:`t_x` = tenure - days since the
last purchase, and T = tenure. Nothing after the snapshot enters the fit.

Why MBG/NBD and not BG/NBD: BG/NBD lets a customer drop out only *after a repeat*
purchase, so a customer with x = 0 is alive for sure, :math:`P(\text{alive}) = 1`, be
their only order a week or thirteen months old. Among a shop's active customers the
one-time buyers are many, and their P(alive) of 100 % ranked them as the safest. MBG/NBD
lets a customer leave after any purchase, the first included:

.. math::

    P(\\text{alive} \\mid x, t_x, T) = \\Big(1 + \\frac{a}{b + x}
    \\Big(\\frac{\\alpha + T}{\\alpha + t_x}\\Big)^{r + x}\\Big)^{-1},

which at x = 0 falls with the days since that one purchase, as it should.
"""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd

from ..clv import ModifiedBetaGeo
from ..exceptions import AnalyticsError

#: Above this many customers, MBG/NBD is fitted on a deterministic sample of them (the
#: estimates of four parameters settle long before; every customer is still predicted).
BTYD_FIT_ROWS = 50_000
#: Distinct horizons above which expected purchases are interpolated on a grid of this
#: many horizons (geometric, linear in between: under half a percent off; one prediction
#: per distinct horizon would take seconds).
HORIZON_GRID = 10


def add_btyd(frame: pd.DataFrame, snapshot: date) -> list[str]:
    """Add ``p_alive`` and ``expected_purchases`` to ``frame`` in place; return notes.

    ``frame`` holds ``frequency``, ``recency_days``, ``tenure_days`` and ``horizon_days``
    (`btyd_features`).
    """
    p_alive, expected, notes = btyd_features(
        *(frame[c].to_numpy(dtype=float)
          for c in ("frequency", "recency_days", "tenure_days", "horizon_days")),
        snapshot=snapshot)
    frame["p_alive"] = p_alive
    frame["expected_purchases"] = expected
    return notes


def btyd_features(frequency: np.ndarray, recency_days: np.ndarray, tenure_days: np.ndarray,
                  horizon_days: np.ndarray, *, snapshot: date
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return each customer's ``p_alive`` and ``expected_purchases``, and notes.

    MBG/NBD (`tenure.analytics.clv.ModifiedBetaGeo`, in days) is fitted on every
    customer with a purchase (a tenure: frequency, recency = tenure - recency_days,
    T = tenure), at most `BTYD_FIT_ROWS` of them (a deterministic sample), and predicts
    every one of them; customers without a purchase get NaN. A fit that fails or warns
    leaves a note.
    """
    p_alive = np.full(len(tenure_days), np.nan)
    expected = np.full(len(tenure_days), np.nan)
    bought = ~np.isnan(tenure_days)
    notes: list[str] = []
    if not bought.any():
        return p_alive, expected, notes
    rft = pd.DataFrame({
        "frequency": frequency[bought],
        "recency": tenure_days[bought] - recency_days[bought],
        "T": tenure_days[bought],
    })
    if (rft["frequency"] > 0).sum() < 2:
        notes.append(f"{snapshot}: fewer than two repeat buyers; MBG/NBD was not fitted "
                     "(p_alive and expected_purchases are missing).")
        return p_alive, expected, notes
    sample = rft
    if len(rft) > BTYD_FIT_ROWS:
        pick = np.random.default_rng(0).choice(len(rft), BTYD_FIT_ROWS, replace=False)
        sample = rft.iloc[np.sort(pick)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = ModifiedBetaGeo(time_unit="day").fit(sample)
        except AnalyticsError as exc:
            notes.append(f"{snapshot}: MBG/NBD could not be fitted ({exc}).")
            return p_alive, expected, notes
    notes += [f"{snapshot}: {w.message}" for w in caught]
    with np.errstate(all="ignore"):  # a poor fit yields NaN, noted below, not a warning
        alive = np.asarray(model.probability_alive(rft), dtype=float)
        purchases = expected_purchases(model, rft, horizon_days[bought])
    bad = ~(np.isfinite(alive) & np.isfinite(purchases))
    if bad.any():
        notes.append(f"{snapshot}: MBG/NBD gave no prediction for {int(bad.sum())} "
                     "customers (left missing).")
        alive[bad], purchases[bad] = np.nan, np.nan
    p_alive[bought], expected[bought] = alive, purchases
    return p_alive, expected, notes


def expected_purchases(model: ModifiedBetaGeo, rft: pd.DataFrame, horizons: np.ndarray
                       ) -> np.ndarray:
    """Return each row's expected purchases within its own horizon (days).

    Exact for up to `HORIZON_GRID` distinct horizons; beyond, linear interpolation between
    the predictions at `HORIZON_GRID` geometrically spaced horizons (the expectation is
    smooth and concave in t: the error stays below half a percent).
    """
    values = np.unique(horizons)
    if len(values) <= HORIZON_GRID:
        out = np.empty(len(rft))
        for h in values:
            rows = horizons == h
            out[rows] = model.expected_purchases(rft[rows], float(h))
        return out
    grid = np.unique(np.geomspace(values[0], values[-1], HORIZON_GRID))
    at = model.expected_purchases_path(rft, np.asarray(grid, dtype=float)).T
    upper = np.clip(np.searchsorted(grid, horizons), 1, len(grid) - 1)
    lower = upper - 1
    weight = (horizons - grid[lower]) / (grid[upper] - grid[lower])
    rows = np.arange(len(rft))
    return (1 - weight) * at[rows, lower] + weight * at[rows, upper]
