"""Who buys when: a heterogeneous buy-till-you-die simulation on numpy arrays.

Customers arrive over the whole period, more each year and more before the
holidays. Each one buys as a Poisson process with their own rate
lambda ~ Gamma(r, alpha) and, after every repeat purchase, leaves for good with
their own probability p ~ Beta(a, b): the BG/NBD story of Fader, Hardie & Lee
(2005). Yearly seasonality is applied by thinning (Lewis & Shedler, 1979).
Nothing here touches the database; time is counted in days from the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

# Relative demand per calendar month: a summer dip, a November-December peak.
MONTH_FACTORS = np.array([0.85, 0.80, 0.92, 0.95, 0.92, 0.72, 0.68, 0.74, 0.98, 1.05, 1.55, 1.70])
# Monday..Sunday: a little more at the weekend.
WEEKDAY_FACTORS = np.array([0.95, 0.95, 0.97, 0.98, 1.02, 1.08, 1.05])


@dataclass(frozen=True)
class Behaviour:
    """The population's BG/NBD parameters (rates per day)."""

    r: float = 0.55
    alpha: float = 45.0
    a: float = 0.8
    b: float = 2.6
    growth: float = 2.2
    never_buy: float = 0.05


@dataclass
class Population:
    """Per-customer latent traits, indexed by customer (sorted by acquisition)."""

    acquired: np.ndarray
    rate: np.ndarray
    dropout: np.ndarray
    buys: np.ndarray


@dataclass
class Purchases:
    """Purchase events sorted by time: the customer index and the time in days."""

    customer: np.ndarray
    time: np.ndarray


def season_by_day(start: date, days: int) -> np.ndarray:
    """Return the demand multiplier of each day from ``start``, averaging about 1."""
    dates = np.arange(np.datetime64(start), np.datetime64(start + timedelta(days=days)))
    months = dates.astype("datetime64[M]").astype(int) % 12
    weekdays = (dates.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    factors = MONTH_FACTORS[months] * WEEKDAY_FACTORS[weekdays]
    return factors / factors.mean()


def acquisition_times(rng, n: int, season: np.ndarray, growth: float) -> np.ndarray:
    """Return ``n`` sorted arrival times: exponential growth thinned by the season."""
    days, ceiling, found = len(season), season.max(), []
    k = np.log(growth)
    while sum(len(f) for f in found) < n:
        u = rng.random(n)
        t = days * np.log1p(u * np.expm1(k)) / k
        keep = rng.random(n) < season[t.astype(int)] / ceiling
        found.append(t[keep])
    return np.sort(np.concatenate(found)[:n])


def draw_population(rng, n: int, season: np.ndarray, behaviour: Behaviour) -> Population:
    """Return the customers' arrival times and their latent rate and dropout."""
    acquired = acquisition_times(rng, n, season, behaviour.growth)
    rate = rng.gamma(behaviour.r, 1.0 / behaviour.alpha, n)
    dropout = rng.beta(behaviour.a, behaviour.b, n)
    buys = rng.random(n) >= behaviour.never_buy
    return Population(acquired, rate, dropout, buys)


def expected_repeats(pop: Population, days: int) -> float:
    """Return the mean BG/NBD expected repeat purchases per buyer up to ``days``."""
    age = days - pop.acquired
    mean = (1 - np.exp(-pop.rate * pop.dropout * age)) / pop.dropout
    return float(mean[pop.buys].mean())


def scale_to_mean(pop: Population, days: int, orders_per_customer: float) -> None:
    """Rescale rates so the expected orders per customer match the target.

    Multiplying lambda by s and dividing p by s keeps each lifetime's length
    (lambda * p) and multiplies the expected repeats by exactly s.
    """
    buyers = pop.buys.mean()
    target = max(orders_per_customer / max(buyers, 1e-9) - 1.0, 0.0)
    s = target / max(expected_repeats(pop, days), 1e-9)
    pop.rate *= s
    pop.dropout = np.minimum(pop.dropout / s, 1.0) if s > 0 else np.ones_like(pop.dropout)


def simulate_purchases(rng, pop: Population, season: np.ndarray) -> Purchases:
    """Return every purchase: the first at arrival, then repeats until dropout."""
    days, ceiling = len(season), season.max()
    age = days - pop.acquired
    counts = rng.poisson(pop.rate * age * ceiling * pop.buys)
    owner = np.repeat(np.arange(len(age)), counts)
    time = pop.acquired[owner] + rng.random(len(owner)) * age[owner]
    time = np.minimum(time, days - 1e-6)
    keep = rng.random(len(owner)) < season[time.astype(int)] / ceiling
    owner, time = owner[keep], time[keep]
    order = np.lexsort((time, owner))
    owner, time = owner[order], time[order]
    limit = rng.geometric(pop.dropout)  # repeats made before leaving for good
    alive = rank_within(owner) < limit[owner]
    first = np.flatnonzero(pop.buys)
    customer = np.concatenate([first, owner[alive]])
    times = np.concatenate([pop.acquired[first], time[alive]])
    by_time = np.argsort(times, kind="stable")
    return Purchases(customer[by_time], times[by_time])


def rank_within(groups: np.ndarray) -> np.ndarray:
    """Return each element's position within its run of equal values (sorted input)."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    sizes = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, sizes)
