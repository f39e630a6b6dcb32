"""BG/BB: the beta-geometric / beta-Bernoulli model of repeat transactions in discrete time.

Fader, Hardie & Shang, "Customer-Base Analysis in a Discrete-Time Noncontractual Setting",
Marketing Science 29(6), 2010. Transactions can only happen at discrete opportunities (a
yearly fund drive, an annual conference, a weekly class). At each opportunity a customer who
is alive buys with probability :math:`p \\sim Beta(\\alpha, \\beta)`; at the start of each
opportunity a living customer dies for good with probability
:math:`\\theta \\sim Beta(\\gamma, \\delta)`, so they are alive at opportunity :math:`k`
with probability :math:`(1-\\theta)^k`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, digamma, gammaln, polygamma

from ..exceptions import InputError
from . import inputs
from .base import MaximumLikelihoodModel, one_blas_thread

#: Up to this |gamma - 1| the survival sum's divided difference comes from its Taylor series
#: (the quotient of differences would cancel) of this many terms: the first omitted is below
#: 0.1^16 / 17.
SERIES_BELOW = 0.1
SERIES_TERMS = 16
#: From this argument on, log-gamma differences come from Stirling's series (its first
#: omitted term is below 1e-17 there).
STIRLING_FROM = 20.0


class BetaGeoBetaBinom(MaximumLikelihoodModel):
    """The BG/BB model (Fader, Hardie & Shang 2010).

    Likelihood of a customer with :math:`x` purchases in :math:`n` opportunities, the last
    at opportunity :math:`t_x` (their eq. 5):

    .. math::

        L = \\frac{B(\\alpha+x, \\beta+n-x)}{B(\\alpha, \\beta)}
            \\frac{B(\\gamma, \\delta+n)}{B(\\gamma, \\delta)}
          + \\sum_{i=0}^{n-t_x-1} \\frac{B(\\alpha+x, \\beta+t_x-x+i)}{B(\\alpha, \\beta)}
            \\frac{B(\\gamma+1, \\delta+t_x+i)}{B(\\gamma, \\delta)}

    The first term is the customer still alive at opportunity :math:`n`, the others the
    customer who died just before opportunity :math:`t_x + i + 1`. It is summed in log
    space (log-sum-exp), with the gradient in digammas; the terms are shared by every
    customer with the same history, so aggregated data (one row per history with a
    ``weight``, as the published data sets come) cost one evaluation per row.

    Input columns: ``frequency`` (x, purchases at the opportunities 1..n; the opportunity
    that made them a customer is not counted), ``recency`` (t_x, the opportunity of the last
    purchase, 0 when none), ``n_periods`` (n), all whole numbers, and optionally ``weight``.
    ``time_unit`` is the length of one opportunity (``"year"`` for a yearly drive); every
    horizon ``t`` of the predictions counts opportunities, and `customer_lifetime_value`
    treats the model as discrete (``discrete = True``).

    Examples
    --------
    >>> donations = donations.rename(columns={"periods": "n_periods", "weights": "weight"})
    ... # doctest: +SKIP
    >>> BetaGeoBetaBinom(time_unit="year").fit(donations).params_  # doctest: +SKIP
    {'alpha': 1.204, 'beta': 0.750, 'gamma': 0.657, 'delta': 2.783}
    """

    parameter_names = ("alpha", "beta", "gamma", "delta")
    columns = ("frequency", "recency", "n_periods")
    label = "BG/BB"
    #: Horizons count opportunities (whole numbers), not continuous time.
    discrete: ClassVar[bool] = True

    def _validate(self, rows: inputs.Rows) -> None:
        validate_bgbb(rows, self.label)

    def _prepare(self, rows: inputs.Rows) -> _Terms:
        return _Terms(rows)

    def _log_likelihood(self, params: np.ndarray, data: Any) -> tuple[float, np.ndarray]:
        terms: _Terms = data
        per_row, share = terms.log_likelihood(params)
        return float(terms.weight @ per_row), terms.gradient(params, share)

    # --- predictions ----------------------------------------------------------------------

    @one_blas_thread
    def probability_alive(self, data: Any) -> np.ndarray:
        """Return P(alive at opportunity n | x, t_x, n) for each row.

        The first term of the likelihood over the likelihood:
        :math:`\\frac{B(\\alpha+x, \\beta+n-x)}{B(\\alpha,\\beta)}
        \\frac{B(\\gamma, \\delta+n)}{B(\\gamma,\\delta)} / L`. The paper's eq. 11 is the
        chance of being alive at the next opportunity n + 1, this times
        :math:`(\\delta+n)/(\\gamma+\\delta+n)`.
        """
        params = self._params()
        d = self._distinct(data)
        return d.expand(np.exp(_log_alive(params, d.rows)))

    @one_blas_thread
    def expected_purchases(self, data: Any, t: int) -> np.ndarray:
        """Return the expected number of purchases in the next ``t`` opportunities, per row.

        Eq. 13 of the paper, :math:`E[X(n, n+t) | x, t_x, n]`, written as
        :math:`P(\\text{alive at } n) \\cdot \\frac{\\alpha+x}{\\alpha+\\beta+n} \\cdot
        \\sum_{k=1}^{t} \\frac{B(\\gamma, \\delta+n+k)}{B(\\gamma, \\delta+n)}`: alive at n,
        the customer's posterior is :math:`p \\sim Beta(\\alpha+x, \\beta+n-x)` and
        :math:`\\theta \\sim Beta(\\gamma, \\delta+n)`, and they buy at opportunity
        :math:`n+k` with probability :math:`p (1-\\theta)^k`. The sum has the closed form
        :math:`\\frac{d}{\\gamma-1}(1 - \\frac{\\Gamma(\\gamma+d)\\Gamma(1+d+t)}
        {\\Gamma(1+d)\\Gamma(\\gamma+d+t)})`, :math:`d = \\delta+n`, evaluated in logs
        without the division by :math:`\\gamma - 1` (see `survival_sum`).
        """
        params = self._params()
        t = _opportunities(t, "t")
        d = self._distinct(data)
        alpha, beta, gamma, delta = params
        x, n = d.rows["frequency"], d.rows["n_periods"]
        alive = np.exp(_log_alive(params, d.rows))
        mean_p = (alpha + x) / (alpha + beta + n)
        return d.expand(alive * mean_p * survival_sum(gamma, delta + n, t))

    @one_blas_thread
    def purchase_count_probability(self, data: Any, n: int, t: int) -> np.ndarray:
        """Return P(exactly ``n`` purchases in the next ``t`` opportunities), per row.

        A customer dead at opportunity n (the end of the data) buys nothing. One alive
        there, with posterior :math:`p \\sim Beta(a, b)`, :math:`a = \\alpha+x`,
        :math:`b = \\beta+n-x` and :math:`\\theta \\sim Beta(\\gamma, d)`,
        :math:`d = \\delta + n`, lives another :math:`l` opportunities (:math:`l < t` with
        probability :math:`B(\\gamma+1, d+l)/B(\\gamma, d)`, all :math:`t` with
        :math:`B(\\gamma, d+t)/B(\\gamma, d)`) and buys a beta-binomial number of times in
        them:

        .. math::

            P = P(\\text{alive at } n) \\sum_{l=n^*}^{t} P(l)
                \\binom{l}{n^*}\\frac{B(a+n^*, b+l-n^*)}{B(a, b)}
              + (1 - P(\\text{alive at } n))\\,\\delta_{n^* 0}

        with :math:`n^*` the count asked for. Summed over the counts it is 1, and its mean
        is `expected_purchases`.
        """
        params = self._params()
        count, t = _opportunities(n, "n"), _opportunities(t, "t")
        d = self._distinct(data)
        x, periods = d.rows["frequency"], d.rows["n_periods"]
        alive = np.exp(_log_alive(params, d.rows))
        # Given alive, the future depends on x and n alone: once per distinct pair.
        first, codes = inputs.groups(x, periods)
        fresh = _count_given_alive(params, x[first], periods[first], count, t)[codes]
        return d.expand(alive * fresh + (1 - alive) * (count == 0))

    @one_blas_thread
    def expected_repeat_purchases(self, t: Any) -> np.ndarray:
        """Return a new customer's expected purchases in their first ``t`` opportunities.

        Eq. 7 of the paper, :math:`E[X(t)] = \\frac{\\alpha}{\\alpha+\\beta}
        \\sum_{k=1}^{t} \\frac{B(\\gamma, \\delta+k)}{B(\\gamma, \\delta)}`, for an array of
        whole-number horizons ``t``.
        """
        alpha, beta, gamma, delta = self._params()
        horizons = np.atleast_1d(np.asarray(t))
        ts = np.array([_opportunities(v, "t") for v in horizons.ravel()], dtype=float)
        return alpha / (alpha + beta) * survival_sum(gamma, np.full(ts.shape, delta), ts)


class _Terms:
    """The likelihood's terms for the distinct rows, laid out once per fit.

    A row has ``1 + n - t_x`` terms, each a product
    :math:`B(\\alpha + x, \\beta + b)\\,B(\\gamma + c, \\delta + e)` over the prior Betas
    with whole numbers (x, b) and (c, e); the terms of all rows are stored end to end
    (``starts`` marks each row's first), and each Beta function is taken once per distinct
    pair of whole numbers, of which there are few (at most about n² for n opportunities).
    """

    def __init__(self, rows: inputs.Rows):
        x = rows["frequency"].astype(np.int64)
        tx = rows["recency"].astype(np.int64)
        n = rows["n_periods"].astype(np.int64)
        self.weight = rows.weight
        sizes = 1 + n - tx
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        owner = np.repeat(np.arange(len(sizes)), sizes)
        # Position within the row: 0 is the alive term, i = position - 1 the others.
        position = np.arange(sizes.sum()) - self.starts[owner]
        alive = position == 0
        i = position - 1
        xo, txo, no = x[owner], tx[owner], n[owner]
        b = np.where(alive, no - xo, txo - xo + i)
        c = np.where(alive, 0, 1)
        e = np.where(alive, no, txo + i)
        self.owner = owner
        first, self.ab = inputs.groups(xo, b)
        self.xs, self.bs = xo[first].astype(float), b[first].astype(float)
        first, self.ce = inputs.groups(c, e)
        self.cs, self.es = c[first].astype(float), e[first].astype(float)

    def log_likelihood(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return each row's log-likelihood and each term's share of its row's likelihood."""
        alpha, beta, gamma, delta = params
        log_term = (betaln(alpha + self.xs, beta + self.bs)[self.ab]
                    + betaln(gamma + self.cs, delta + self.es)[self.ce])
        top = np.maximum.reduceat(log_term, self.starts)
        scaled = np.exp(log_term - top[self.owner])
        total = np.add.reduceat(scaled, self.starts)
        per_row = top + np.log(total) - betaln(alpha, beta) - betaln(gamma, delta)
        return per_row, scaled / total[self.owner]

    def gradient(self, params: np.ndarray, share: np.ndarray) -> np.ndarray:
        """Return the gradient of the weighted log-likelihood in (alpha, beta, gamma, delta).

        Each row's gradient is its terms' gradients averaged with the terms' shares;
        :math:`\\partial_a \\ln B(a, b) = \\psi(a) - \\psi(a+b)`.
        """
        alpha, beta, gamma, delta = params
        w = share * self.weight[self.owner]
        w_ab = np.bincount(self.ab, weights=w, minlength=len(self.xs))
        w_ce = np.bincount(self.ce, weights=w, minlength=len(self.cs))
        total = self.weight.sum()
        a1, b1 = alpha + self.xs, beta + self.bs
        c1, e1 = gamma + self.cs, delta + self.es
        psi_ab, psi_ce = digamma(a1 + b1), digamma(c1 + e1)
        prior_ab, prior_ce = digamma(alpha + beta), digamma(gamma + delta)
        return np.array([
            w_ab @ (digamma(a1) - psi_ab) - total * (digamma(alpha) - prior_ab),
            w_ab @ (digamma(b1) - psi_ab) - total * (digamma(beta) - prior_ab),
            w_ce @ (digamma(c1) - psi_ce) - total * (digamma(gamma) - prior_ce),
            w_ce @ (digamma(e1) - psi_ce) - total * (digamma(delta) - prior_ce),
        ])


def validate_bgbb(rows: inputs.Rows, label: str) -> None:
    """Check frequency / recency / n_periods rows: whole numbers, 0 <= x <= t_x <= n."""
    x, tx, n = rows["frequency"], rows["recency"], rows["n_periods"]
    what = f"{label} input"
    for name, values in (("frequency", x), ("recency", tx), ("n_periods", n)):
        inputs.check(values == np.round(values), name, values,
                     "BG/BB counts opportunities, so it must be a whole number", what)
    inputs.check(x >= 0, "frequency", x, "the number of purchases cannot be negative", what)
    inputs.check(x <= tx, "frequency", x,
                 "a customer cannot buy more often than the opportunity of their last "
                 "purchase (recency)", what, lambda i: f"recency is {tx[i]:g}")
    inputs.check(tx <= n, "recency", tx,
                 "the last purchase cannot come after the last opportunity (n_periods)", what,
                 lambda i: f"n_periods is {n[i]:g}")
    inputs.check((x > 0) | (tx == 0), "recency", tx,
                 "a customer without purchases has recency 0", what,
                 lambda i: "frequency is 0")
    inputs.check((x == 0) | (tx > 0), "recency", tx,
                 "a customer with purchases has the opportunity of the last one as recency "
                 "(1 or more)", what, lambda i: f"frequency is {x[i]:g}")


def _log_alive(params: np.ndarray, rows: inputs.Rows) -> np.ndarray:
    """Return log P(alive at opportunity n | x, t_x, n): the alive term over the likelihood."""
    alpha, beta, gamma, delta = params
    x, n = rows["frequency"], rows["n_periods"]
    per_row, _ = _Terms(rows).log_likelihood(params)
    log_first = (betaln(alpha + x, beta + n - x) - betaln(alpha, beta)
                 + betaln(gamma, delta + n) - betaln(gamma, delta))
    return np.minimum(log_first - per_row, 0.0)


def survival_sum(gamma: float, d: np.ndarray, t: Any) -> np.ndarray:
    """Return :math:`S = \\sum_{k=1}^{t} B(\\gamma, d+k)/B(\\gamma, d)`, the expected
    opportunities survived of the next ``t`` for :math:`\\theta \\sim Beta(\\gamma, d)`.

    The closed form :math:`S = \\frac{d}{\\gamma-1}(1 - e^{\\phi(1) - \\phi(\\gamma)})`,
    :math:`\\phi(s) = \\ln\\Gamma(s+d+t) - \\ln\\Gamma(s+d)` (Fader, Hardie & Shang 2010,
    eqs. 7 and 13) divides by :math:`\\gamma-1`; written as
    :math:`S = d\\,q\\,(1 - e^{-y})/y` with the divided difference
    :math:`q = (\\phi(\\gamma)-\\phi(1))/(\\gamma-1) > 0` and :math:`y = (\\gamma-1)q`, every
    factor is finite and :math:`\\gamma = 1` is no special case. Near it, q is the Taylor
    series of :math:`\\phi` about 1 (polygamma differences); elsewhere a difference of
    log-gamma ratios (`_log_gamma_ratio`), accurate to rounding for long horizons too.
    """
    d = np.asarray(d, dtype=float)
    t = np.broadcast_to(np.asarray(t, dtype=float), d.shape)
    h = gamma - 1.0
    if abs(h) <= SERIES_BELOW:
        # q = sum_j phi^(j+1)(1) h^j / (j+1)!, phi^(j+1)(1) = psi^(j)(1+d+t) - psi^(j)(1+d).
        q = np.zeros(d.shape)
        for j in range(SERIES_TERMS - 1, -1, -1):  # Horner, small terms first
            q = q * h / (j + 2) + (polygamma(j, 1 + d + t) - polygamma(j, 1 + d))
    else:
        q = (_log_gamma_ratio(1 + d + t, h) - _log_gamma_ratio(1 + d, h)) / h
    y = h * q
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(y == 0, 1.0, -np.expm1(-y) / np.where(y == 0, 1.0, y))
    return np.where(t == 0, 0.0, d * q * factor)


def _log_gamma_ratio(z: np.ndarray, h: float) -> np.ndarray:
    """Return :math:`\\ln\\Gamma(z+h) - \\ln\\Gamma(z)` for :math:`z \\geq 1`.

    The two log-gammas of a large z are large and nearly equal; there the difference is
    taken from Stirling's series instead, term by term.
    """
    z = np.asarray(z, dtype=float)
    large = z >= STIRLING_FROM
    zl = np.where(large, z, STIRLING_FROM)
    stirling = ((zl - 0.5) * np.log1p(h / zl) - h + h * np.log(zl + h)
                + _stirling_tail(zl + h) - _stirling_tail(zl))
    return np.where(large, stirling, gammaln(z + h) - gammaln(z))


def _stirling_tail(z: np.ndarray) -> np.ndarray:
    """Return :math:`\\ln\\Gamma(z) - (z - 1/2)\\ln z + z - \\ln(2\\pi)/2` for large z."""
    w = 1.0 / (z * z)
    return (1 / 12 - w * (1 / 360 - w * (1 / 1260 - w * (1 / 1680 - w / 1188)))) / z


def _count_given_alive(params: np.ndarray, x: np.ndarray, n: np.ndarray, count: int,
                       t: int) -> np.ndarray:
    """Return P(``count`` purchases in the next ``t`` opportunities | alive at n), per row."""
    alpha, beta, gamma, delta = params
    if count > t:
        return np.zeros(len(x))
    a, b, d = (alpha + x)[:, None], (beta + n - x)[:, None], (delta + n)[:, None]
    lived = np.arange(count, t + 1, dtype=float)[None, :]
    # P(l more opportunities alive): die before opportunity n + l + 1, or outlive all t.
    log_lived = np.where(lived < t, betaln(gamma + 1, d + lived), betaln(gamma, d + lived)) \
        - betaln(gamma, d)
    log_binomial = (gammaln(lived + 1) - gammaln(count + 1) - gammaln(lived - count + 1)
                    + betaln(a + count, b + lived - count) - betaln(a, b))
    return np.exp(log_lived + log_binomial).sum(axis=1)


def _opportunities(value: Any, name: str) -> int:
    """Return ``value`` as a whole, non-negative number of opportunities (or purchases)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not np.isfinite(number) or number < 0 \
            or number != np.round(number):
        raise InputError(
            f"BG/BB counts opportunities: {name} must be a whole number (0, 1, 2...); "
            f"got {value!r}.")
    return int(number)
