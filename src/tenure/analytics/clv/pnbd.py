"""Pareto/NBD: the Pareto / negative binomial distribution model of repeat purchasing.

Schmittlein, Morrison & Colombo, "Counting Your Customers: Who Are They and What Will They
Do Next?", Management Science 33(1), 1987. While alive, a customer buys as a Poisson process
with rate :math:`\\lambda \\sim Gamma(r, \\alpha)`; their lifetime is exponential with rate
:math:`\\mu \\sim Gamma(s, \\beta)`, unobserved. The likelihood, P(alive) and the conditional
expectation follow Fader & Hardie, "A Note on Deriving the Pareto/NBD Model and Related
Expressions" (2005); P(X(t) = n) follows Fader & Hardie, "Deriving an Expression for
P(X(t) = x) Under the Pareto/NBD Model" (2006, rev. 2020).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
from scipy.special import digamma, expit, gammaln

from . import inputs
from .base import MaximumLikelihoodModel, one_blas_thread
from .bgnbd import validate_rft


@dataclass(frozen=True)
class _Rule:
    """A tanh-sinh rule on (0, 1) (Takahasi & Mori 1974): log nodes and weights.

    :math:`w = 1 / (1 + e^{-\\pi \\sinh \\tau})`, :math:`\\tau = j h`, ``|j| <= 3.2 / h``, so
    the nodes reach within 2e-17 of both ends. Nodes crowd the ends double-exponentially:
    integrands with endpoint singularities (here powers :math:`w^{1/k}`) converge as fast
    as smooth ones. The logs of the nodes are exact at both ends (1 - w is never formed).
    ``check`` are the weights of the rule with twice the step, on every other node: the
    two results differ by about the coarser rule's error.
    """

    log_nodes: np.ndarray
    weights: np.ndarray
    check: np.ndarray

    @classmethod
    def of_step(cls, step: float) -> _Rule:
        half = round(3.2 / step)
        j = np.arange(-half, half + 1)
        z = np.pi * np.sinh(step * j)
        log_w = -np.logaddexp(0.0, -z)
        weights = step * np.pi * np.cosh(step * j) * np.exp(log_w - np.logaddexp(0.0, z))
        return cls(log_w, weights, np.where(j % 2 == 0, 2 * weights, 0.0))

    def midpoints(self) -> _Rule:
        """Return this rule's nodes between those of the rule with twice its step.

        That rule's nodes are this one's even nodes, with twice their weights, so this
        rule's sum is half the coarser one's plus the sum over these nodes: a refinement
        evaluates only the new nodes. (``check`` is unused.)
        """
        odd = slice(1, None, 2)
        return _Rule(self.log_nodes[odd], self.weights[odd], np.zeros(0))


#: The rules of the tail integral, each with half the step of the one before. A pair moves
#: on to the next rule while its integral by a rule and by that rule's check differ by
#: more than REFINE (relative). Over 5,000 random (p, q, a, b) with p up to 3000, q - 1
#: down to 0.01 and a/b from 1e-8 to 1e8, the result was then within 2e-11 of mpmath's
#: 2F1 form (relative); the tests check 200 such cases. Pairs whose a and b are within a
#: factor of 3 and whose k = p + q - 1 is above 1, as in realistic fits, stay with the
#: first rule (41 nodes); wider ratios and smaller k take up to 321.
RULES = tuple(_Rule.of_step(h) for h in (0.16, 0.08, 0.04, 0.02))
#: The nodes each refinement adds (none for the first rule).
NEW_NODES = (RULES[0], *(rule.midpoints() for rule in RULES[1:]))
REFINE = 1e-8
#: Gauss-Legendre rule of the count probabilities' integral: 96 nodes give 2e-12 (relative)
#: against mpmath over random cases with n up to 1000 (the float64 floor of their lgammas).
LEGENDRE_NODES, LEGENDRE_WEIGHTS = np.polynomial.legendre.leggauss(96)
#: Integrands of the count probabilities are cut where their log is this far below the peak.
TAIL = 60.0
#: Pairs of the tail integral per block: a block's node arrays stay in the CPU cache.
BLOCK = 1024


class ParetoNBD(MaximumLikelihoodModel):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    Likelihood of a customer with :math:`x` repeat purchases, the last at :math:`t_x`,
    observed for :math:`T` (Fader & Hardie 2005, section 3, before its 2F1 step):

    .. math::

        L = \\frac{\\Gamma(r+x)\\alpha^r\\beta^s}{\\Gamma(r)}\\Big[
            \\frac{1}{(\\alpha+T)^{r+x}(\\beta+T)^s} + s\\,(F(t_x) - F(T))\\Big],
        \\qquad F(y) = \\int_y^\\infty (\\alpha+u)^{-(r+x)}(\\beta+u)^{-(s+1)}\\,du.

    Fader & Hardie write :math:`F` through Gauss's 2F1, whose terms overflow and cancel for
    heavy buyers and long histories. Here :math:`F` is integrated in logs after a change of
    variable that makes the integrand bounded by 1 and equal to 1 at both ends (see
    `log_tail`), and the bracket is a log-sum-exp with ``-expm1`` for the difference, so
    :math:`\\ln L` is accurate to 1e-11 or better, however heavy the buyer or long the
    history. :math:`F` depends on x and y only: it is computed once per distinct (x, t_x)
    and (x, T) pair.

    Input columns: ``frequency`` (x), ``recency`` (t_x), ``T``, and optionally ``weight``;
    recency and T in ``time_unit``.

    Examples
    --------
    >>> model = ParetoNBD(time_unit="week").fit(summary)  # doctest: +SKIP
    >>> model.params_  # doctest: +SKIP
    {'r': 0.553, 'alpha': 10.578, 's': 0.606, 'beta': 11.668}
    """

    parameter_names = ("r", "alpha", "s", "beta")
    columns = ("frequency", "recency", "T")
    label = "Pareto/NBD"

    def _validate(self, rows: inputs.Rows) -> None:
        validate_rft(rows, self.label)

    def _start(self, rows: inputs.Rows) -> np.ndarray:
        # r / alpha is the purchase rate per time unit; s / beta the dropout rate, started
        # at one per mean observation length.
        w = rows.weight
        span = max((w @ rows["T"]) / w.sum(), 1e-6)
        rate = max((w @ rows["frequency"]) / max(w @ rows["T"], 1e-12), 1e-9)
        return np.array([1.0, min(max(1.0 / rate, 1e-6), 1e6), 1.0, min(span, 1e6)])

    def _prepare(self, rows: inputs.Rows) -> _Prepared:
        return _Prepared(rows)

    def _log_likelihood(self, params: np.ndarray, data: Any) -> tuple[float, np.ndarray]:
        r, alpha, s, beta = params
        d: _Prepared = data
        # Terms of x alone, summed over the distinct frequencies.
        n = d.w_total
        ll = d.wx @ gammaln(r + d.xs) + n * (r * np.log(alpha) + s * np.log(beta)
                                             - gammaln(r))
        grad = np.array([d.wx @ digamma(r + d.xs) + n * (np.log(alpha) - digamma(r)),
                         n * r / alpha, n * np.log(beta), n * s / beta])
        # F once per (x, y) pair, with its partials in (r, alpha, s, beta).
        pairs = d.pairs
        log_f, partials = log_tail(r + pairs.x, s + 1.0, alpha + pairs.y, beta + pairs.y,
                                   gradient=True)
        b = _bracket(params, d.x, pairs, log_f)
        w = d.w
        ll += w @ b.log
        # d log(bracket) = c1 d l1 + c2 d log F(t_x) - c3 d log F(T) + (c2 - c3) ds / s.
        c1, c2, c3 = w * b.first, w * b.at_tx, w * b.at_t
        c1_by_t = np.bincount(pairs.ib, weights=c1, minlength=len(pairs.x))
        c1x_by_t = np.bincount(pairs.ib, weights=c1 * d.x, minlength=len(pairs.x))
        grad -= np.array([c1_by_t @ b.log_a, (r * c1_by_t + c1x_by_t) @ np.exp(-b.log_a),
                          c1_by_t @ b.log_b, s * (c1_by_t @ np.exp(-b.log_b))])
        grad[2] += (c2.sum() - c3.sum()) / s
        by_pair = (np.bincount(pairs.ia, weights=c2, minlength=len(pairs.x))
                   - np.bincount(pairs.ib, weights=c3, minlength=len(pairs.x)))
        grad += by_pair @ partials
        return float(ll), grad

    # --- predictions ----------------------------------------------------------------------

    @one_blas_thread
    def probability_alive(self, data: Any) -> np.ndarray:
        """Return P(alive at T | x, t_x, T) for each row (Fader & Hardie 2005, section 5).

        The bracket's first term over the whole bracket:
        :math:`(\\alpha+T)^{-(r+x)}(\\beta+T)^{-s} / [(\\alpha+T)^{-(r+x)}(\\beta+T)^{-s}
        + s(F(t_x) - F(T))]`, computed in logs like the likelihood.
        """
        params = self._params()
        rows = self._rows(data)
        return inputs.by_customer(_alive(params, rows), rows.index)

    @one_blas_thread
    def expected_purchases(self, data: Any, t: Any) -> np.ndarray:
        """Return the expected number of purchases in the next ``t`` time units, per row.

        Fader & Hardie 2005, section 6:

        .. math::

            E[Y(t) | x, t_x, T] = P(\\text{alive})\\,\\frac{(r+x)(\\beta+T)}{(\\alpha+T)(s-1)}
            \\Big[1 - \\Big(\\frac{\\beta+T}{\\beta+T+t}\\Big)^{s-1}\\Big]

        with the bracket over :math:`s - 1` taken as
        :math:`-\\mathrm{expm1}(-(s-1)\\ln(1+t/(\\beta+T)))/(s-1)`, which stays exact as
        :math:`s \\to 1` (its limit :math:`\\ln(1+t/(\\beta+T))` at s = 1).
        """
        t = inputs.horizon(t, self.time_unit)
        rows = self._rows(data)
        return inputs.by_customer(self._expected_given_rows(rows, [t])[0], rows.index)

    @one_blas_thread
    def expected_purchases_path(self, data: Any, times: Any) -> np.ndarray:
        """Return the expected purchases in the next ``t`` for each of several horizons.

        Row k holds `expected_purchases` (data, times[k]), one value per input row in input
        order. P(alive), whose tail integrals are the costly part, is computed once for all
        horizons, which is what CLV's month-by-month sum needs.
        """
        many = times if isinstance(times, list | tuple | np.ndarray) else [times]
        horizons = [inputs.horizon(t, self.time_unit) for t in many]
        return self._expected_given_rows(self._rows(data), horizons)

    def _expected_given_rows(self, rows: inputs.Rows, times: list[float]) -> np.ndarray:
        """Return the expected purchases of each row (columns) by each horizon (rows)."""
        params = self._params()
        r, alpha, s, beta = params
        x, t_cal = rows["frequency"], rows["T"]
        alive = _alive(params, rows)
        out = np.empty((len(times), len(x)))
        for row, t in zip(out, times, strict=True):
            given_alive = (r + x) / (alpha + t_cal) * expected_lifetime(t, s, beta + t_cal)
            np.multiply(alive, given_alive, out=row)
        return out

    @one_blas_thread
    def purchase_count_probability(self, data: Any, n: int, t: Any) -> np.ndarray:
        """Return P(exactly ``n`` purchases in the next ``t`` time units), per row.

        A customer alive now has the posterior :math:`\\lambda \\sim Gamma(r+x, \\alpha+T)`,
        :math:`\\mu \\sim Gamma(s, \\beta+T)` and, lifetimes being memoryless, buys in the
        next ``t`` as a new customer with those parameters would (`count_probability`);
        a customer who left buys nothing:
        :math:`P = P(\\text{alive})\\,P_{post}(n) + (1 - P(\\text{alive}))\\,\\delta_{n0}`.
        """
        params = self._params()
        r, alpha, s, beta = params
        n, t = inputs.purchase_count(n), inputs.horizon(t, self.time_unit)
        d = self._distinct(data)
        x, t_cal = d.rows["frequency"], d.rows["T"]
        alive = _alive(params, d.rows)
        # The posterior count probability depends on x and T only: once per distinct pair.
        first, codes = inputs.groups(x, t_cal)
        x1, t1 = x[first], t_cal[first]
        fresh = count_probability(n, t, r + x1, alpha + t1, s, beta + t1)[codes]
        return d.expand(alive * fresh + (1 - alive) * (n == 0))

    @one_blas_thread
    def expected_repeat_purchases(self, t: Any) -> np.ndarray:
        """Return the expected repeat purchases of a new customer in ``t`` after their first.

        :math:`E[X(t)] = \\frac{r\\beta}{\\alpha(s-1)}[1 - (\\beta/(\\beta+t))^{s-1}]`
        (Fader & Hardie 2005, section 4), for an array of horizons.
        """
        r, alpha, s, beta = self._params()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        return np.array([r / alpha * expected_lifetime(inputs.horizon(v), s, np.array([beta]))[0]
                         for v in t])


class _Pairs:
    """The distinct (x, y) pairs of a set of rows, y being t_x or T, and each row's two.

    ``x[ia]``, ``y[ia]`` give each row's (x, t_x); ``x[ib]``, ``y[ib]`` its (x, T).
    """

    def __init__(self, x: np.ndarray, tx: np.ndarray, t_cal: np.ndarray):
        xx, yy = np.concatenate([x, x]), np.concatenate([tx, t_cal])
        first, codes = inputs.groups(xx, yy)
        self.x, self.y = xx[first], yy[first]
        self.ia, self.ib = codes[:len(x)], codes[len(x):]


class _Prepared:
    """The distinct rows as the likelihood reads them, built once per fit."""

    def __init__(self, rows: inputs.Rows):
        x, tx, t_cal, w = rows["frequency"], rows["recency"], rows["T"], rows.weight
        self.xs, codes = inputs.distinct(x)
        self.wx = np.bincount(codes, weights=w)
        self.w_total = float(w.sum())
        self.x, self.w = x, w
        self.pairs = _Pairs(x, tx, t_cal)


@dataclass(frozen=True)
class _Bracket:
    """The log of the likelihood's bracket per row and the shares of its three terms.

    ``first``, ``at_tx``, ``at_t`` are :math:`e^{\\ell_1}`, :math:`sF(t_x)`, :math:`sF(T)`
    over the bracket (each at most 1; first + at_tx - at_t = 1), ``first`` being P(alive);
    ``log_a``, ``log_b`` are :math:`\\ln(\\alpha+y)`, :math:`\\ln(\\beta+y)` per pair.
    """

    log: np.ndarray
    first: np.ndarray
    at_tx: np.ndarray
    at_t: np.ndarray
    log_a: np.ndarray
    log_b: np.ndarray


def _bracket(params: np.ndarray, x: np.ndarray, pairs: _Pairs, log_f: np.ndarray
             ) -> _Bracket:
    """Return the bracket :math:`e^{\\ell_1} + s(F(t_x) - F(T))` per row, in logs."""
    r, alpha, s, beta = params
    log_a, log_b = np.log(alpha + pairs.y), np.log(beta + pairs.y)
    with np.errstate(divide="ignore"):
        first = -(r + x) * log_a[pairs.ib] - s * log_b[pairs.ib]
        log_fa, log_fb = np.log(s) + log_f[pairs.ia], np.log(s) + log_f[pairs.ib]
        # F falls with y, so F(T) <= F(t_x); rounding must not make the difference negative.
        # It is exactly 0 when t_x = T (the same pair), its log then -inf.
        gap = np.minimum(log_fb - log_fa, 0.0)
        second = log_fa + np.log(-np.expm1(gap))
    log = np.logaddexp(first, second)
    return _Bracket(log, np.exp(first - log), np.exp(log_fa - log), np.exp(log_fb - log),
                    log_a, log_b)


def _alive(params: np.ndarray, rows: inputs.Rows) -> np.ndarray:
    """Return P(alive) of distinct rows."""
    r, alpha, s, beta = params
    x = rows["frequency"]
    pairs = _Pairs(x, rows["recency"], rows["T"])
    log_f = log_tail(r + pairs.x, s + 1.0, alpha + pairs.y, beta + pairs.y)
    return _bracket(params, x, pairs, log_f).first


@overload
def log_tail(p: Any, q: Any, a: Any, b: Any, *, gradient: Literal[False] = False
             ) -> np.ndarray: ...


@overload
def log_tail(p: Any, q: Any, a: Any, b: Any, *, gradient: Literal[True]
             ) -> tuple[np.ndarray, np.ndarray]: ...


def log_tail(p: Any, q: Any, a: Any, b: Any, *, gradient: bool = False
             ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Return :math:`\\ln\\int_0^\\infty (a+t)^{-p}(b+t)^{-q}\\,dt` (and its partials).

    This is :math:`\\ln F(y)` of the likelihood with :math:`p = r+x`, :math:`q = s+1`,
    :math:`a = \\alpha+y`, :math:`b = \\beta+y`, so the partials in (p, a, q, b) are those
    in (r, alpha, s, beta). With :math:`k = p+q-1` and the weighted geometric mean
    :math:`m = a^{p/(p+q)} b^{q/(p+q)}`, the substitution :math:`w = (1+t/m)^{-k}` gives

    .. math::

        \\int_0^\\infty (a+t)^{-p}(b+t)^{-q}dt = \\frac{m^{-k}}{k}\\int_0^1
            \\big(\\rho_a + (1-\\rho_a)E\\big)^{-p}\\big(\\rho_b + (1-\\rho_b)E\\big)^{-q}dw,
        \\quad E = w^{1/k},\\ \\rho_a = m/a,\\ \\rho_b = m/b.

    As :math:`\\rho_a^p\\rho_b^q = 1`, the integrand is 1 at both ends and, by the
    convexity of :math:`\\ln(1+e^z)`, at most 1 between: nothing overflows, whatever p, q, a,
    b. It is integrated by tanh-sinh rules (`RULES`), which cope with the endpoint
    singularity :math:`w^{1/k}`, refined per element until two agree. Differentiating
    under the integral, :math:`\\partial_p` brings :math:`-\\ln(a+t)` and
    :math:`\\partial_a` brings :math:`-p/(a+t)`, evaluated on the same nodes
    (:math:`a + t = a e^L (\\rho_a + (1-\\rho_a)E)`, :math:`L = -\\ln(w)/k`).

    Returns
    -------
    log_f : numpy array
        One value per element of the broadcast inputs (flattened).
    partials : numpy array, shape (n, 4)
        With ``gradient``: :math:`\\partial/\\partial(p, a, q, b)` of ``log_f``.
    """
    p, q, a, b = (np.ravel(v).astype(float) for v in np.broadcast_arrays(p, q, a, b))
    # Per element, sums over the nodes of w phi and (gradient) of w phi times ln w, ln va,
    # ln vb, E/va, E/vb: each refinement halves them and adds its new nodes' sums.
    sums = np.empty((len(p), 6 if gradient else 1))
    todo = np.arange(len(p))
    for level, nodes in enumerate(NEW_NODES):
        unsure = []
        for start in range(0, len(todo), BLOCK):
            rows = todo[start:start + BLOCK]
            part, check = _tail_sums(nodes, p[rows], q[rows], a[rows], b[rows], gradient)
            if level == 0:
                sums[rows] = part
            else:  # check: the integral by the coarser rule
                check = sums[rows, 0].copy()
                sums[rows] = sums[rows] / 2 + part
            unsure.append(rows[np.abs(check / sums[rows, 0] - 1.0) > REFINE])
        todo = np.concatenate(unsure)
        if len(todo) == 0:
            break
    log_a, log_b = np.log(a), np.log(b)
    k = p + q - 1.0
    log_m = (p * log_a + q * log_b) / (p + q)
    integral = sums[:, 0]
    log_f = -k * log_m - np.log(k) + np.log(integral)
    if not gradient:
        return log_f
    means = sums[:, 1:] / integral[:, None]
    mean_l = -means[:, 0] / k  # L = ln(1 + t/m) = -ln(w) / k
    partials = np.empty((len(p), 4))
    partials[:, 0] = -log_a - mean_l - means[:, 1]
    partials[:, 2] = -log_b - mean_l - means[:, 2]
    # 1 / (1 + t/a) = E / va
    partials[:, 1] = -p / a * means[:, 3]
    partials[:, 3] = -q / b * means[:, 4]
    return log_f, partials


def _tail_sums(rule: _Rule, p: np.ndarray, q: np.ndarray, a: np.ndarray, b: np.ndarray,
               gradient: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Return one block's sums over ``rule``'s nodes (see `log_tail`) and by its check.

    Arrays are (rows, nodes) and updated in place: the block is sized to stay in cache,
    and each pass over it costs about a nanosecond an element.
    """
    log_a, log_b = np.log(a), np.log(b)
    k = p + q - 1.0
    log_m = (p * log_a + q * log_b) / (p + q)
    e = rule.log_nodes / k[:, None]  # log E = log(w) / k
    # exp is 40 times slower where its result is subnormal: keep every exponent above
    # -700 (its result above 1e-304, next to the integral's least term, 1e-17 at w = 1).
    np.maximum(e, -700.0, out=e)
    e_bar = np.expm1(e)
    np.exp(e, out=e)
    np.negative(e_bar, out=e_bar)  # 1 - E, exact near w = 1
    va = np.exp(log_m - log_a)[:, None] * e_bar
    va += e  # rho_a (1 - E) + E: two positive terms, no cancellation
    vb = np.multiply(np.exp(log_m - log_b)[:, None], e_bar, out=e_bar)
    vb += e
    log_va, log_vb = np.log(va), np.log(vb)
    phi = np.multiply(log_va, -p[:, None])
    phi -= q[:, None] * log_vb
    np.exp(np.maximum(phi, -700.0, out=phi), out=phi)
    sums = np.empty((len(p), 6 if gradient else 1))
    sums[:, 0] = phi @ rule.weights
    check = phi @ rule.check if len(rule.check) else None
    if gradient:
        phi *= rule.weights
        sums[:, 1] = phi @ rule.log_nodes
        sums[:, 2] = np.einsum("ij,ij->i", phi, log_va)
        sums[:, 3] = np.einsum("ij,ij->i", phi, log_vb)
        sums[:, 4] = np.einsum("ij,ij->i", phi, np.divide(e, va, out=va))
        sums[:, 5] = np.einsum("ij,ij->i", phi, np.divide(e, vb, out=vb))
    return sums, check


def expected_lifetime(t: float, s: float, beta: np.ndarray) -> np.ndarray:
    """Return the expected time alive within the next ``t``, per ``beta``.

    An exponential lifetime whose rate is :math:`\\mu \\sim Gamma(s, \\beta)` is Pareto
    (Lomax) distributed, :math:`P(\\tau > u) = (\\beta/(\\beta+u))^s`, so
    :math:`E[\\min(\\tau, t)] = \\int_0^t (\\beta/(\\beta+u))^s du
    = \\frac{\\beta}{s-1}[1 - (\\beta/(\\beta+t))^{s-1}]`, computed as
    :math:`-\\beta\\,\\mathrm{expm1}(-(s-1)\\ln(1+t/\\beta))/(s-1)` (its limit
    :math:`\\beta\\ln(1+t/\\beta)` at s = 1).
    """
    beta = np.asarray(beta, dtype=float)
    log_ratio = np.log1p(t / beta)
    if s == 1.0:
        return beta * log_ratio
    return -beta * np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)


def count_probability(n: int, t: float, r: np.ndarray, alpha: np.ndarray, s: float,
                      beta: np.ndarray) -> np.ndarray:
    """Return the Pareto/NBD P(X(t) = n) of a new customer, per row of ``r, alpha, beta``.

    Fader & Hardie, "Deriving an Expression for P(X(t) = x) Under the Pareto/NBD Model"
    (2020), section 4: the customer buys NB(n; r, alpha) over the whole of t if they live
    through it, else over their Pareto (Lomax) lifetime :math:`\\tau`:

    .. math::

        P(X(t) = n) = NB\\big(n; r, \\tfrac{\\alpha}{\\alpha+t}\\big)
            \\Big(\\frac{\\beta}{\\beta+t}\\Big)^s
          + \\int_0^t NB\\big(n; r, \\tfrac{\\alpha}{\\alpha+\\tau}\\big)
            \\frac{s\\beta^s}{(\\beta+\\tau)^{s+1}}\\,d\\tau,
        \\quad NB(n; r, \\pi) = \\frac{\\Gamma(r+n)}{\\Gamma(r)\\,n!}\\pi^r(1-\\pi)^n.

    The integral is taken in :math:`\\zeta = \\ln(\\tau/\\alpha)`, where its log-integrand
    :math:`\\psi(\\zeta) = (n+1)\\zeta - (n+r)\\,\\mathrm{softplus}(\\zeta) - (s+1)\\,
    \\mathrm{softplus}(\\zeta + \\ln(\\alpha/\\beta))` is concave: `_log_concave_integral`
    finds its peak and integrates around it, all in logs, so even probabilities far below
    1e-300 keep their digits instead of under- or overflowing.
    """
    r, alpha, beta = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float))
                                           for v in (r, alpha, beta)))
    log_nb = gammaln(r + n) - gammaln(r) - gammaln(n + 1.0)
    log_first = log_nb - r * np.log1p(t / alpha) - s * np.log1p(t / beta)
    if t == 0:
        return np.exp(log_first) * (n == 0)
    if n > 0:
        log_first += n * (np.log(t) - np.log(alpha + t))
    delta = np.log(alpha) - np.log(beta)
    log_integral = _log_concave_integral(n, r, s, delta, np.log(t) - np.log(alpha))
    log_second = log_nb + np.log(s) + delta + log_integral
    return np.exp(np.logaddexp(log_first, log_second))


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _log_concave_integral(n: int, r: np.ndarray, s: float, delta: np.ndarray,
                          upper: np.ndarray) -> np.ndarray:
    """Return :math:`\\ln\\int_{-\\infty}^{u} e^{\\psi(\\zeta)}d\\zeta` for the concave
    :math:`\\psi(\\zeta) = (n+1)\\zeta - (n+r)\\,\\mathrm{softplus}(\\zeta)
    - (s+1)\\,\\mathrm{softplus}(\\zeta+\\delta)`, per row.

    :math:`\\psi'` falls from n+1 to -(r+s), so :math:`\\psi` has one peak. The integrand is
    centred on the peak (or on the upper limit u if that comes first) with the scale of its
    curvature (or of its slope at u), mapped by :math:`\\zeta = c + h\\sinh v`, which turns
    the exponential tails into double-exponential ones, and integrated by Gauss-Legendre in
    v over limits where :math:`\\psi` is at least 60 below its maximum. The limits come from
    concavity: left of the point where :math:`\\psi' \\ge (n+1)/2` it falls at least that
    fast, and likewise on the right with :math:`-(r+s)/2`.
    """
    # Columns, so that the per-row values broadcast against the nodes.
    k1, k2, delta, upper = (n + r)[:, None], s + 1.0, delta[:, None], upper[:, None]
    r = r[:, None]

    def psi(z):
        return (n + 1) * z - k1 * _softplus(z) - k2 * _softplus(z + delta)

    def slope(z):
        return (n + 1) - k1 * expit(z) - k2 * expit(z + delta)

    def curvature(z):
        a, b = expit(z), expit(z + delta)
        return -k1 * a * (1 - a) - k2 * b * (1 - b)

    # psi' lies between its values with delta replaced by max(delta, 0) and min(delta, 0),
    # whose zeros bracket the peak; safeguarded Newton from there.
    z0 = np.log(n + 1.0) - np.log(r + s)
    low, high = z0 - np.maximum(delta, 0.0), z0 - np.minimum(delta, 0.0)
    peak = (low + high) / 2
    for _ in range(100):
        g = slope(peak)
        low, high = np.where(g > 0, peak, low), np.where(g > 0, high, peak)
        step = peak - g / curvature(peak)
        step = np.where((step > low) & (step < high), step, (low + high) / 2)
        done = np.abs(step - peak) <= 1e-14 * np.maximum(1.0, np.abs(peak))
        peak = step
        if done.all():
            break
    total = n + r + s + 1.0
    rho = (n + 1.0) / (2 * total)
    left = np.log(rho) - np.log1p(-rho) - np.maximum(delta, 0.0) - 2 * TAIL / (n + 1.0)
    rho = (n + 1.0 + (r + s) / 2) / total
    right = np.log(rho) - np.log1p(-rho) - np.minimum(delta, 0.0) + 2 * TAIL / (r + s)
    inside = peak < upper
    centre = np.where(inside, peak, upper)
    g = np.where(inside, 0.0, slope(upper))
    scale = 1.0 / np.sqrt(g**2 - curvature(centre))
    with np.errstate(divide="ignore"):
        # Below a peak beyond u, psi climbs to u at least at its slope g there.
        steep = upper - TAIL / g
    below_peak = psi(peak) - psi(centre)
    lower = np.where(inside, left, np.maximum(steep, left - 2 * below_peak / (n + 1.0)))
    upper = np.where(inside, np.minimum(right, upper), upper)
    v_low, v_high = np.arcsinh((lower - centre) / scale), np.arcsinh((upper - centre) / scale)
    half = (v_high - v_low) / 2
    v = (v_high + v_low) / 2 + half * LEGENDRE_NODES
    top = psi(centre)
    values = np.exp(psi(centre + scale * np.sinh(v)) - top) * np.cosh(v)
    return (top + np.log(half * scale)).ravel() + np.log(values @ LEGENDRE_WEIGHTS)
