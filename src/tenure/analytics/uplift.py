"""Did a campaign change anything? Its customers against a control group that did not get it.

DESIGN.md ("Acting and measuring"): each campaign holds out a random share of its audience,
the same customers every time it is asked (`holdout`: a hash of campaign and customer), and
an optional global control group that no marketing reaches (`global_control`: a hash of
the customer alone). A customer converts when they order within the window after the
(would-be) send. For each campaign step the report (`uplift_table`) gives both groups'
conversion rates, their difference with Newcombe's 95 % interval (`conversion_uplift`),
the revenue per customer with a bootstrap interval (`revenue_uplift`), the incremental
revenue less the offers' cost, and the smallest difference the group sizes could detect
(`minimum_detectable_effect`), with a warning when the groups are too small for it.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import InputError
from .messages import N_

#: The columns of `uplift_table`, in order.
UPLIFT_COLUMNS = [
    "treated", "control", "converted_treated", "converted_control", "rate_treated",
    "rate_control", "uplift", "uplift_low", "uplift_high", "revenue_treated",
    "revenue_control", "revenue_per_customer_uplift", "revenue_uplift_low",
    "revenue_uplift_high", "incremental_revenue", "offer_cost", "net_incremental_revenue",
    "minimum_detectable_effect", "too_small",
]
_TWO_64 = float(2 ** 64)


def _unit_interval(key: str) -> float:
    """Return a number in [0, 1) fixed by ``key`` (the first 8 bytes of its BLAKE2b)."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _TWO_64


def _check_share(share: float) -> float:
    try:
        share = float(share)
    except (TypeError, ValueError) as exc:
        raise InputError(f"the control share must be a number; got {share!r}.") from exc
    if not 0.0 <= share < 1.0:
        raise InputError(f"the control share must be at least 0 and below 1; got {share!r}.")
    return share


def holdout(customer_ids: Iterable[Any], campaign: Any, share: float = 0.1) -> np.ndarray:
    """Return whether each customer is in the campaign's control group.

    A customer is held out when :math:`h(\\text{campaign}, \\text{customer}) < s`, with
    :math:`h` the first 64 bits of BLAKE2b of ``"campaign:customer"`` scaled to [0, 1) and
    :math:`s` the share (DESIGN.md, "Control groups"): the same answer in every run, on
    every machine and whatever the order of the customers; a larger share keeps the
    customers a smaller one held out; two campaigns draw independently.

    Parameters
    ----------
    customer_ids : iterable
        The audience's customers (their ids, as text or numbers).
    campaign : str or int
        The campaign (its id); a different campaign holds out other customers.
    share : float
        The share held out, 0 <= share < 1 (default 10 %).

    Returns
    -------
    numpy.ndarray of bool
        True for the customers in the control group, in the order given.
    """
    share = _check_share(share)
    return np.fromiter((_unit_interval(f"{campaign}:{c}") < share for c in customer_ids),
                       dtype=bool)


def global_control(customer_ids: Iterable[Any], share: float) -> np.ndarray:
    """Return whether each customer is in the shop's global control group, which no
    marketing reaches: :math:`h(\\text{customer}) < s`, a hash of the customer alone
    (see `holdout`)."""
    share = _check_share(share)
    return np.fromiter((_unit_interval(f"global:{c}") < share for c in customer_ids),
                       dtype=bool)


@dataclass(frozen=True)
class ConversionUplift:
    """The difference of two conversion rates with its confidence interval."""

    rate_treated: float
    rate_control: float
    #: rate_treated - rate_control
    uplift: float
    low: float
    high: float


def _counts(converted: int, customers: int, group: str) -> tuple[int, int]:
    if (isinstance(converted, bool) or isinstance(customers, bool)
            or int(converted) != converted or int(customers) != customers):
        raise InputError(f"the {group} group's counts must be whole numbers; got "
                         f"{converted!r} of {customers!r}.")
    converted, customers = int(converted), int(customers)
    if customers <= 0 or not 0 <= converted <= customers:
        raise InputError(f"the {group} group needs customers and at most as many "
                         f"conversions; got {converted} of {customers}.")
    return converted, customers


def conversion_uplift(converted_treated: int, treated: int, converted_control: int,
                      control: int, *, confidence: float = 0.95,
                      design_effects: tuple[float, float] = (1.0, 1.0)) -> ConversionUplift:
    """Return the difference in conversion rate, treated minus control, with Newcombe's
    hybrid score interval.

    With :math:`p_1 = x_1/n_1`, :math:`p_2 = x_2/n_2` and :math:`(l_i, u_i)` the Wilson
    score interval of each rate, the interval of :math:`p_1 - p_2` is

    .. math::
        \\left(p_1 - p_2 - \\sqrt{(p_1 - l_1)^2 + (u_2 - p_2)^2},\\;
              p_1 - p_2 + \\sqrt{(u_1 - p_1)^2 + (p_2 - l_2)^2}\\right)

    (Newcombe 1998, "Interval estimation for the difference between independent
    proportions: comparison of eleven methods", Statistics in Medicine 17, method 10),
    computed by statsmodels' ``confint_proportions_2indep(method="newcomb")``. It stays
    within [-1, 1] and behaves with zero or all conversions, where the Wald interval fails.

    Parameters
    ----------
    converted_treated, treated : int
        Customers who converted, and customers, of the group that got the campaign.
    converted_control, control : int
        The same of the control group.
    confidence : float
        Coverage of the interval (default 95 %).
    design_effects : (float, float)
        Of the treated and the control group, when their rows are not independent (one
        customer reached on several occasions, `design_effect`): each group's counts are
        divided by its design effect, its effective sample size (Kish 1965), before the
        interval is computed; the rates are unchanged. 1 for independent rows.

    Returns
    -------
    ConversionUplift

    Examples
    --------
    >>> u = conversion_uplift(56, 70, 48, 80)  # Newcombe's Table II, example (a)
    >>> round(u.uplift, 4), round(u.low, 4), round(u.high, 4)
    (0.2, 0.0524, 0.3339)
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    x1, n1 = _counts(converted_treated, treated, "treated")
    x2, n2 = _counts(converted_control, control, "control")
    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence must lie between 0 and 1; got {confidence!r}.")
    d1, d2 = (max(1.0, float(d)) for d in design_effects)
    low, high = confint_proportions_2indep(x1 / d1, n1 / d1, x2 / d2, n2 / d2,
                                           method="newcomb", compare="diff",
                                           alpha=1.0 - confidence)
    return ConversionUplift(x1 / n1, x2 / n2, x1 / n1 - x2 / n2, float(low), float(high))


def design_effect(outcome: Any, cluster: Any) -> float:
    """Return the design effect of rows grouped in clusters (a customer's deliveries).

    A campaign that fires again (a monthly win-back, a birthday every year) reaches the
    same customer on several occasions, always in the same group, and a customer's
    outcomes go together: the rows are not independent, and an interval that counts them
    as such is too narrow. With :math:`k` clusters of sizes :math:`m_i`, :math:`N = \\sum
    m_i` rows, the one-way ANOVA estimate of the intraclass correlation is

    .. math::
        \rho = \frac{MSB - MSW}{MSB + (m_0 - 1) MSW}, \\quad
        m_0 = \frac{N - \\sum m_i^2 / N}{k - 1}

    (Donner & Klar 2000, "Design and Analysis of Cluster Randomization Trials", ch. 5),
    floored at 0, and the design effect for unequal sizes is
    :math:`1 + (\bar m_w - 1) \rho` with :math:`\bar m_w = \\sum m_i^2 / N` (Kish 1965,
    "Survey Sampling"). 1 when every cluster has one row.

    Parameters
    ----------
    outcome : array-like of float
        Each row's outcome (1 converted, 0 not; or an amount).
    cluster : array-like
        Each row's cluster (the customer).

    Returns
    -------
    float
        At least 1.
    """
    y = np.asarray(outcome, dtype=float)
    codes, sizes = np.unique(np.asarray(cluster), return_inverse=True, return_counts=True)[1:]
    n, k = len(y), len(sizes)
    if n == 0 or k == n or k < 2:
        return 1.0
    sums = np.bincount(codes, weights=y, minlength=k)
    means = sums / sizes
    grand = y.mean()
    msb = float((sizes * (means - grand) ** 2).sum() / (k - 1))
    msw = float(((y - means[codes]) ** 2).sum() / (n - k))
    m0 = (n - (sizes ** 2).sum() / n) / (k - 1)
    denominator = msb + (m0 - 1.0) * msw
    rho = max(0.0, (msb - msw) / denominator) if denominator > 0 else 0.0
    return 1.0 + ((sizes ** 2).sum() / n - 1.0) * rho


@dataclass(frozen=True)
class RevenueUplift:
    """The difference of two groups' revenue per customer with a bootstrap interval."""

    per_customer_treated: float
    per_customer_control: float
    #: per_customer_treated - per_customer_control
    uplift: float
    low: float
    high: float


def _amounts(values: Any, group: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or len(array) == 0:
        raise InputError(f"the {group} group's revenue needs one amount per customer.")
    if not np.isfinite(array).all():
        raise InputError(f"the {group} group's revenue holds a missing or infinite amount.")
    return array


def revenue_uplift(revenue_treated: Any, revenue_control: Any, *, confidence: float = 0.95,
                   resamples: int = 2000, seed: int = 0, clusters_treated: Any = None,
                   clusters_control: Any = None) -> RevenueUplift:
    """Return the difference in revenue per customer, treated minus control, with a
    percentile bootstrap interval.

    Each group's customers (every customer, those who bought nothing with 0) are resampled
    with replacement, each group apart, ``resamples`` times; the interval is the
    :math:`(1 - c)/2` and :math:`(1 + c)/2` quantiles of the resampled differences of
    means (Efron & Tibshirani 1993, "An Introduction to the Bootstrap", ch. 13). Revenue
    is skewed (most customers buy nothing in the window), so no normal interval is
    assumed. The same ``seed`` gives the same interval.

    Parameters
    ----------
    revenue_treated, revenue_control : array-like of float
        Each customer's revenue within the conversion window, one per customer.
    confidence : float
    resamples : int
    seed : int
    clusters_treated, clusters_control : array-like, optional
        Each row's cluster (the customer) when a customer has several rows: the bootstrap
        then resamples whole customers, each with all their rows (the cluster bootstrap,
        Davison & Hinkley 1997, "Bootstrap Methods and their Application", 3.8).

    Returns
    -------
    RevenueUplift
    """
    treated = _amounts(revenue_treated, "treated")
    control = _amounts(revenue_control, "control")
    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence must lie between 0 and 1; got {confidence!r}.")
    if int(resamples) < 100:
        raise InputError(f"a bootstrap needs at least 100 resamples; got {resamples!r}.")
    rng = np.random.default_rng(seed)
    differences = (_resampled(treated, clusters_treated, rng, int(resamples))
                   - _resampled(control, clusters_control, rng, int(resamples)))
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(differences, [tail, 1.0 - tail])
    return RevenueUplift(float(treated.mean()), float(control.mean()),
                         float(treated.mean() - control.mean()), float(low), float(high))


def _resampled(values: np.ndarray, clusters: Any, rng: np.random.Generator,
               resamples: int) -> np.ndarray:
    """Return resampled means of ``values``: of rows, or of whole clusters when given."""
    if clusters is None:
        return _resampled_means(values, rng, resamples)
    codes, sizes = np.unique(np.asarray(clusters), return_inverse=True,
                             return_counts=True)[1:]
    if len(sizes) == len(values):
        return _resampled_means(values, rng, resamples)
    sums = np.bincount(codes, weights=values, minlength=len(sizes))
    means = np.empty(resamples)
    block = max(1, 10_000_000 // len(sizes))
    for start in range(0, resamples, block):
        count = min(block, resamples - start)
        drawn = rng.integers(0, len(sizes), size=(count, len(sizes)))
        means[start:start + count] = sums[drawn].sum(axis=1) / sizes[drawn].sum(axis=1)
    return means


def _resampled_means(values: np.ndarray, rng: np.random.Generator, resamples: int
                     ) -> np.ndarray:
    """Return the means of ``resamples`` draws of len(values) with replacement, a block of
    resamples at a time (some ten million indices each)."""
    means = np.empty(resamples)
    block = max(1, 10_000_000 // len(values))
    for start in range(0, resamples, block):
        count = min(block, resamples - start)
        means[start:start + count] = values[
            rng.integers(0, len(values), size=(count, len(values)))].mean(axis=1)
    return means


def minimum_detectable_effect(treated: int, control: int, base_rate: float, *,
                              confidence: float = 0.95, power: float = 0.8) -> float:
    """Return the smallest difference in conversion rate that groups of these sizes would
    detect.

    .. math::
        \\text{MDE} = (z_{1 - \\alpha/2} + z_{\\text{power}})
                      \\sqrt{p (1 - p) \\left(\\frac{1}{n_1} + \\frac{1}{n_2}\\right)}

    with :math:`p` the control group's (base) rate and :math:`\\alpha = 1 -` confidence:
    the usual normal approximation of a two-sided test of two proportions (e.g. Chow, Shao
    & Wang 2008, "Sample Size Calculations in Clinical Research", 4.2). A base rate of 0
    or 1 is taken as 1 conversion more or less than that, so the answer stays positive.

    Examples
    --------
    >>> round(minimum_detectable_effect(1000, 1000, 0.10), 4)
    0.0376
    """
    from scipy.stats import norm

    n1, n2 = _counts(0, treated, "treated")[1], _counts(0, control, "control")[1]
    if not 0.0 <= base_rate <= 1.0:
        raise InputError(f"the base rate must lie between 0 and 1; got {base_rate!r}.")
    if not (0.0 < confidence < 1.0 and 0.0 < power < 1.0):
        raise InputError("confidence and power must lie between 0 and 1.")
    p = min(max(base_rate, 1.0 / (n2 + 1)), 1.0 - 1.0 / (n2 + 1))
    z = norm.ppf(1.0 - (1.0 - confidence) / 2.0) + norm.ppf(power)
    return float(z * math.sqrt(p * (1.0 - p) * (1.0 / n1 + 1.0 / n2)))


def uplift_table(customers: pd.DataFrame, *, by: str | None = "step",
                 offer_cost: pd.Series | float = 0.0, confidence: float = 0.95,
                 target_effect: float = 0.02, resamples: int = 2000,
                 seed: int = 0, cluster: str | None = None) -> pd.DataFrame:
    """Return the uplift report: one row per campaign step (``by``), treated against control.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer of the audience (per step): ``control`` (bool, held out),
        ``converted`` (bool, ordered within the window after the (would-be) send) and
        ``revenue`` (their revenue within the window, 0 when none), and the ``by`` column.
    by : str or None
        The column naming the step (or A/B variant); None for one row.
    offer_cost : float or Series
        The offers' cost (discounts given, coupons redeemed) of the treated customers, in
        total or per ``by`` value.
    confidence : float
        Coverage of the intervals (default 95 %).
    target_effect : float
        The difference in conversion rate worth detecting (default 2 percentage points):
        a step whose `minimum_detectable_effect` is larger is flagged ``too_small``.
    resamples, seed : int
        Of the revenue bootstrap.
    cluster : str, optional
        The column naming each row's customer when a customer may have several rows (a
        campaign that reached them on several occasions): the conversion interval then
        uses each group's `design_effect`, the revenue bootstrap resamples customers, and
        the minimum detectable effect the effective sizes.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``, columns ``UPLIFT_COLUMNS``: group sizes, conversions and rates;
        ``uplift`` with ``uplift_low``/``uplift_high`` (`conversion_uplift`); revenue per
        customer of each group and its difference with its interval (`revenue_uplift`);
        ``incremental_revenue`` = (revenue per treated - per control customer) x treated;
        ``offer_cost``; ``net_incremental_revenue`` = incremental revenue - offer cost;
        ``minimum_detectable_effect``; ``too_small``. A warning names the steps too small.
    """
    missing = {"control", "converted", "revenue"} - set(customers.columns)
    for name in (by, cluster):
        if name is not None and name not in customers.columns:
            missing.add(name)
    if missing:
        raise InputError(f"the uplift report needs the columns {', '.join(sorted(missing))}.")
    groups = customers.groupby(by, sort=True) if by is not None else [(None, customers)]
    rows, small = {}, []
    for key, group in groups:
        control = group["control"].to_numpy(dtype=bool)
        converted = group["converted"].to_numpy(dtype=bool)
        revenue = group["revenue"].to_numpy(dtype=float)
        n1, n2 = int((~control).sum()), int(control.sum())
        if n1 == 0 or n2 == 0:
            raise InputError(f"step {key!r} needs customers in both groups; it has {n1} "
                             f"treated and {n2} in control.")
        clusters = group[cluster].to_numpy() if cluster is not None else None
        deffs = (1.0, 1.0) if clusters is None else (
            design_effect(converted[~control], clusters[~control]),
            design_effect(converted[control], clusters[control]))
        rate = conversion_uplift(int(converted[~control].sum()), n1,
                                 int(converted[control].sum()), n2, confidence=confidence,
                                 design_effects=deffs)
        money = revenue_uplift(
            revenue[~control], revenue[control], confidence=confidence, resamples=resamples,
            seed=seed, clusters_treated=None if clusters is None else clusters[~control],
            clusters_control=None if clusters is None else clusters[control])
        cost = float(offer_cost.get(key, 0.0) if isinstance(offer_cost, pd.Series)
                     else offer_cost)
        mde = minimum_detectable_effect(max(1, round(n1 / deffs[0])),
                                        max(1, round(n2 / deffs[1])), rate.rate_control,
                                        confidence=confidence)
        incremental = money.uplift * n1
        rows[key] = [n1, n2, int(converted[~control].sum()), int(converted[control].sum()),
                     rate.rate_treated, rate.rate_control, rate.uplift, rate.low, rate.high,
                     money.per_customer_treated, money.per_customer_control, money.uplift,
                     money.low, money.high, incremental, cost, incremental - cost, mde,
                     mde > target_effect]
        if mde > target_effect:
            small.append(key)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=UPLIFT_COLUMNS)
    table.index.name = by
    if small:
        warnings.warn(N_("Groups too small to detect a difference of {effect:.1%} in "
                         "conversion: {steps}.").format(
            effect=target_effect, steps=", ".join(str(s) for s in small)), stacklevel=2)
    return table
