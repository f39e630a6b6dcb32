"""Who buys when: a heterogeneous buy-till-you-die simulation on numpy arrays.

Customers arrive over the whole period, more each year and more before the
holidays. Each one buys as a Poisson process with their own rate
lambda ~ Gamma(r, alpha) and, after every repeat purchase, leaves for good with
their own probability p ~ Beta(a, b): the BG/NBD story of Fader, Hardie & Lee
(2005). Yearly seasonality is applied by thinning (Lewis & Shedler, 1979).

On top of that story, churn has causes a model can find: a purchase sometimes goes
wrong (``Behaviour.bad_experience``); the shop puts most of those right and leaves
the rest unresolved, and a customer left with an unresolved one leaves right after
it far more often than one whose problem was solved. The complaints and survey
answers are later drawn from these experiences, so they carry the signal.

The purchases are simulated past the end of the history too (``AHEAD`` days, the
same customers and the same season, nobody new arriving): the shop's truth.
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
# Days simulated after the history's end, to know what the customers really do next.
AHEAD = 365
# How each purchase went (``Purchases.experience``).
FINE, PUT_RIGHT, UNRESOLVED = 0, 1, 2


@dataclass(frozen=True)
class Behaviour:
    """The population's BG/NBD parameters (rates per day)."""

    r: float = 0.55
    alpha: float = 45.0
    a: float = 0.8
    b: float = 2.6
    growth: float = 2.2
    never_buy: float = 0.05
    bad_experience: float = 0.03  # chance that a purchase goes wrong
    unresolved: float = 0.3  # share of those the shop leaves unresolved
    leave_if_unresolved: float = 0.6  # chance of leaving right after an unresolved one
    leave_if_put_right: float = 0.08


@dataclass
class Population:
    """Per-customer latent traits, indexed by customer (sorted by acquisition)."""

    acquired: np.ndarray
    rate: np.ndarray
    dropout: np.ndarray
    buys: np.ndarray


@dataclass
class Purchases:
    """Purchase events sorted by time: the customer index, the time in days and how it went
    (FINE, PUT_RIGHT or UNRESOLVED)."""

    customer: np.ndarray
    time: np.ndarray
    experience: np.ndarray


@dataclass
class Timeline:
    """Every purchase, past and ahead, and when each customer left (``inf``: never in the
    simulated time; a customer leaves right after their last purchase)."""

    purchases: Purchases
    left: np.ndarray


def season_by_day(start: date, days: int, ahead: int = 0) -> np.ndarray:
    """Return the demand multiplier of each of the ``days`` from ``start`` and the ``ahead``
    days after them, averaging about 1 over the ``days``."""
    dates = np.arange(np.datetime64(start), np.datetime64(start + timedelta(days=days + ahead)))
    months = dates.astype("datetime64[M]").astype(int) % 12
    weekdays = (dates.astype(int) + 3) % 7  # 1970-01-01 was a Thursday
    factors = MONTH_FACTORS[months] * WEEKDAY_FACTORS[weekdays]
    return factors / factors[:days].mean()


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


def simulate_purchases(rng, pop: Population, season: np.ndarray,
                       behaviour: Behaviour) -> Timeline:
    """Return every purchase up to the season's last day and when each customer left.

    The first purchase is at arrival, the repeats come until the customer leaves: after
    their geometric number of repeats (BG/NBD) or right after a bad experience.
    """
    horizon, ceiling = len(season), season.max()
    age = horizon - pop.acquired
    counts = rng.poisson(pop.rate * age * ceiling * pop.buys)
    owner = np.repeat(np.arange(len(age)), counts)
    time = pop.acquired[owner] + rng.random(len(owner)) * age[owner]
    time = np.minimum(time, horizon - 1e-6)
    keep = rng.random(len(owner)) < season[time.astype(int)] / ceiling
    first = np.flatnonzero(pop.buys)
    owner = np.concatenate([first, owner[keep]])
    time = np.concatenate([pop.acquired[first], time[keep]])
    order = np.lexsort((time, owner))
    owner, time = owner[order], time[order]
    k = rank_within(owner)  # 0 is the first purchase, k the k-th repeat
    experience = draw_experiences(rng, len(owner), behaviour)
    leave_chance = np.array([0.0, behaviour.leave_if_put_right, behaviour.leave_if_unresolved])
    limit = rng.geometric(pop.dropout)  # repeats made before leaving for good
    leaves = (k == limit[owner]) | (rng.random(len(owner)) < leave_chance[experience])
    last = np.full(len(age), np.iinfo(np.int64).max)
    np.minimum.at(last, owner[leaves], k[leaves])
    made = k <= last[owner]
    left = np.full(len(age), np.inf)
    at_last = made & (k == last[owner])
    left[owner[at_last]] = time[at_last]
    by_time = np.argsort(time[made], kind="stable")
    return Timeline(Purchases(owner[made][by_time], time[made][by_time],
                              experience[made][by_time]), left)


def draw_experiences(rng, n: int, behaviour: Behaviour) -> np.ndarray:
    """Return how each of ``n`` purchases went: FINE, PUT_RIGHT or UNRESOLVED."""
    bad = rng.random(n) < behaviour.bad_experience
    unresolved = rng.random(n) < behaviour.unresolved
    return np.where(bad, np.where(unresolved, UNRESOLVED, PUT_RIGHT), FINE).astype(np.int8)


def rank_within(groups: np.ndarray) -> np.ndarray:
    """Return each element's position within its run of equal values (sorted input)."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    sizes = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, sizes)
