"""Draw customers from the models' own stories: for tests (parameter recovery) and benchmarks.

Each function returns a pandas table of per-customer summaries in the library's columns
(``frequency``, ``recency``, ``T``; Gamma-Gamma: ``monetary_value``), drawn exactly from the
model with the given parameters, plus the latent traits each customer was given. Everything
is vectorised, so a million customers take well under a second.

The purchase times of a Poisson process given its count are uniform order statistics, so
the last of ``x`` purchases among ``n`` in ``(0, L)`` sits at ``L * Beta(x, n - x + 1)``: no
customer's purchases are drawn one by one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import InputError


def _observation(rng: np.random.Generator, n: int, T: float | np.ndarray | None) -> np.ndarray:
    """Return each customer's observation length: ``T`` given, or uniform on (0, 1)."""
    if T is None:
        return rng.uniform(0.0, 1.0, n)
    t_cal = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    if np.any(t_cal < 0):
        raise InputError("T cannot be negative.")
    return t_cal


def _last_purchase(rng: np.random.Generator, x: np.ndarray, n: np.ndarray,
                   length: np.ndarray) -> np.ndarray:
    """Return the time of the x-th of n uniform purchase times in (0, length); 0 when x = 0."""
    tx = np.zeros(len(x))
    some = x > 0
    tx[some] = length[some] * rng.beta(x[some], n[some] - x[some] + 1)
    return tx


def bg_nbd(n: int, r: float, alpha: float, a: float, b: float, *,
           T: float | np.ndarray | None = None, seed: int = 0,
           modified: bool = False) -> pd.DataFrame:
    """Draw ``n`` BG/NBD customers (Fader, Hardie & Lee 2005); MBG/NBD when ``modified``.

    Each customer buys at rate :math:`\\lambda \\sim Gamma(r, \\alpha)` and drops out after
    each repeat purchase with :math:`p \\sim Beta(a, b)` (MBG/NBD: also right after the
    first purchase). ``T`` is each customer's observation length (one value or an array);
    by default uniform on (0, 1) time units.

    Returns
    -------
    pandas.DataFrame
        ``frequency, recency, T, rate, dropout, alive``.
    """
    rng = np.random.default_rng(seed)
    t_cal = _observation(rng, n, T)
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    count = rng.poisson(rate * t_cal)
    # Purchases made before dropping out, were time unlimited (the drop follows the last).
    start = 0 if modified else 1
    before_drop = rng.geometric(dropout) - 1 + start
    x = np.minimum(before_drop, count)
    tx = _last_purchase(rng, x, count, t_cal)
    alive = before_drop > count
    return pd.DataFrame({"frequency": x, "recency": tx, "T": t_cal, "rate": rate,
                         "dropout": dropout, "alive": alive})


def pareto_nbd(n: int, r: float, alpha: float, s: float, beta: float, *,
               T: float | np.ndarray | None = None, seed: int = 0) -> pd.DataFrame:
    """Draw ``n`` Pareto/NBD customers (Schmittlein, Morrison & Colombo 1987).

    Rate :math:`\\lambda \\sim Gamma(r, \\alpha)`, exponential lifetime with rate
    :math:`\\mu \\sim Gamma(s, \\beta)`.

    Returns
    -------
    pandas.DataFrame
        ``frequency, recency, T, rate, death_rate, alive``.
    """
    rng = np.random.default_rng(seed)
    t_cal = _observation(rng, n, T)
    rate = rng.gamma(r, 1.0 / alpha, n)
    death_rate = rng.gamma(s, 1.0 / beta, n)
    lifetime = rng.exponential(1.0 / death_rate)
    active = np.minimum(lifetime, t_cal)
    x = rng.poisson(rate * active)
    tx = _last_purchase(rng, x, x, active)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": t_cal, "rate": rate,
                         "death_rate": death_rate, "alive": lifetime > t_cal})


def bg_bb(n: int, alpha: float, beta: float, gamma: float, delta: float, *,
          n_periods: int = 6, seed: int = 0) -> pd.DataFrame:
    """Draw ``n`` BG/BB customers (Fader, Hardie & Shang 2010) over ``n_periods`` opportunities.

    At each opportunity an alive customer buys with :math:`p \\sim Beta(\\alpha, \\beta)`
    and then (from the first opportunity on) stays alive with probability
    :math:`1 - \\theta`, :math:`\\theta \\sim Beta(\\gamma, \\delta)`.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (purchases), ``recency`` (the opportunity of the last purchase, 0 when
        none), ``n_periods``, ``p``, ``theta``, ``alive``.
    """
    rng = np.random.default_rng(seed)
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    # Opportunities lived: the customer is alive at opportunity k with prob (1 - theta)^k.
    lived = np.minimum(rng.geometric(theta) - 1, n_periods)
    buys = rng.random((n, n_periods)) < p[:, None]
    buys &= np.arange(1, n_periods + 1)[None, :] <= lived[:, None]
    x = buys.sum(axis=1)
    last = np.where(x > 0, n_periods - np.argmax(buys[:, ::-1], axis=1), 0)
    return pd.DataFrame({"frequency": x, "recency": last, "n_periods": n_periods, "p": p,
                         "theta": theta, "alive": lived >= n_periods})


def gamma_gamma(frequency: np.ndarray, p: float, q: float, gamma: float, *,
                seed: int = 0) -> pd.DataFrame:
    """Draw the mean spend of customers with the given repeat purchase counts.

    Each customer's spend per transaction is :math:`Gamma(p, \\nu)` with
    :math:`\\nu \\sim Gamma(q, \\gamma)` (Fader, Hardie & Lee 2005, "RFM and CLV"); the mean
    of x transactions is then :math:`Gamma(px, x\\nu)`. Customers with ``frequency`` 0 get
    ``monetary_value`` 0 (the library's convention).

    Returns
    -------
    pandas.DataFrame
        ``frequency, monetary_value, mean_spend`` (the customer's true mean :math:`p/\\nu`).
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / gamma, len(x))
    some = x > 0
    value = np.zeros(len(x))
    value[some] = rng.gamma(p * x[some], 1.0 / (x[some] * nu[some]))
    return pd.DataFrame({"frequency": x, "monetary_value": value, "mean_spend": p / nu})
