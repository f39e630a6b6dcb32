"""BG/NBD: the beta-geometric / negative binomial model of repeat purchasing.

Fader, Hardie & Lee, "'Counting Your Customers' the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2), 2005. While alive, a customer buys as a Poisson
process with rate :math:`\\lambda \\sim Gamma(r, \\alpha)`; after every repeat purchase they
drop out for good with probability :math:`p \\sim Beta(a, b)`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betainc, betaln, digamma, expit, gammaln

from . import inputs
from .base import MaximumLikelihoodModel, one_blas_thread
from .quadrature import beta_rule

#: Points of the Gauss rule in the conditional expectation (1e-12 accurate; see tests).
EXPECTATION_NODES = 32


class BetaGeo(MaximumLikelihoodModel):
    """The BG/NBD model (Fader, Hardie & Lee 2005).

    Log-likelihood of a customer with :math:`x` repeat purchases, the last at :math:`t_x`,
    observed for :math:`T` (their eq. 6):

    .. math::

        \\ell = \\ln\\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)}
        + \\ln\\frac{B(a, b+x)}{B(a, b)} - (r+x)\\ln(\\alpha+T)
        + \\ln\\Big(1 + \\delta_{x>0}\\frac{a}{b+x-1}
          \\Big(\\frac{\\alpha+T}{\\alpha+t_x}\\Big)^{r+x}\\Big)

    The last term is evaluated as a softplus of its logarithm, so heavy buyers and long
    histories neither overflow nor lose digits. Input columns: ``frequency`` (x),
    ``recency`` (t_x), ``T``, and optionally ``weight``; recency and T in ``time_unit``.

    Examples
    --------
    >>> model = BetaGeo(time_unit="week").fit(summary)  # doctest: +SKIP
    >>> model.params_  # doctest: +SKIP
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    """

    parameter_names = ("r", "alpha", "a", "b")
    columns = ("frequency", "recency", "T")
    label = "BG/NBD"
    #: MBG/NBD (a subclass) also lets customers drop out right after their first purchase.
    modified: ClassVar[bool] = False

    def _validate(self, rows: inputs.Rows) -> None:
        validate_rft(rows, self.label)

    def _start(self, rows: inputs.Rows) -> np.ndarray:
        return _rate_start(rows, np.array([1.0, 1.0, 1.0, 1.0]))

    def _prepare(self, rows: inputs.Rows) -> _Prepared:
        return _Prepared(rows, self.modified)

    def _log_likelihood(self, params: np.ndarray, data: Any) -> tuple[float, np.ndarray]:
        d: _Prepared = data
        return d.log_likelihood(params)

    # --- predictions ----------------------------------------------------------------------

    @one_blas_thread
    def probability_alive(self, data: Any) -> np.ndarray:
        """Return P(alive at T | x, t_x, T) for each row (eq. 12 of the paper).

        :math:`1 / (1 + \\delta_{x>0} \\frac{a}{b+x-1}((\\alpha+T)/(\\alpha+t_x))^{r+x})`;
        1 for customers without repeat purchases (BG/NBD drops out only after a purchase).
        """
        r, alpha, a, b = self._params()
        rows = self._rows(data)
        x, tx, t_cal = rows["frequency"], rows["recency"], rows["T"]
        return inputs.by_customer(_p_alive(r, alpha, a, b, x, tx, t_cal, self.modified),
                                  rows.index)

    @one_blas_thread
    def expected_purchases(self, data: Any, t: Any) -> np.ndarray:
        """Return the expected number of purchases in the next ``t`` time units, per row.

        :math:`E[Y(t) | x, t_x, T] = P(\\text{alive}) \\cdot
        E_{p \\sim Beta(a, b+x)}[(1 - (1 + p\\,t/(\\alpha+T))^{-(r+x)}) / p]`: given alive,
        the customer's posterior is :math:`\\lambda \\sim Gamma(r+x, \\alpha+T)`,
        :math:`p \\sim Beta(a, b+x)`, and each future purchase ends with dropout at rate
        :math:`\\lambda p`. This equals eq. 10 of the paper (its Gauss hypergeometric
        form), computed by a Gauss rule for the Beta weight after the substitution
        :math:`u = \\ln(1 + p k) / \\ln(1 + k)`, :math:`k = t/(\\alpha+T)`, which keeps every
        term finite for heavy buyers and long horizons.
        """
        t = inputs.horizon(t, self.time_unit)
        rows = self._rows(data)
        return inputs.by_customer(self._expected_given_rows(rows, [t])[0], rows.index)

    @one_blas_thread
    def expected_purchases_path(self, data: Any, times: Any) -> np.ndarray:
        """Return the expected purchases in the next ``t`` for each of several horizons.

        Row k holds `expected_purchases` (data, times[k]), one value per input row in input
        order. The histories are read and scored for P(alive) once for all horizons, which
        is what CLV's month-by-month sum needs.
        """
        many = times if isinstance(times, list | tuple | np.ndarray) else [times]
        horizons = [inputs.horizon(t, self.time_unit) for t in many]
        return self._expected_given_rows(self._rows(data), horizons)

    def _expected_given_rows(self, rows: inputs.Rows, times: list[float]) -> np.ndarray:
        """Return the expected purchases of each row (columns) by each horizon (rows)."""
        r, alpha, a, b = self._params()
        x, tx, t_cal = rows["frequency"], rows["recency"], rows["T"]
        alive = _p_alive(r, alpha, a, b, x, tx, t_cal, self.modified)
        # The expectation given alive depends on x and T only: once per distinct pair.
        first, codes = inputs.groups(x, t_cal)
        x1, t1 = x[first], t_cal[first]
        m = 1.0 if self.modified else 0.0
        given_alive = expected_bg(np.asarray(times, dtype=float), r + x1, alpha + t1, a,
                                  b + x1 + m)
        out = np.empty((len(times), len(x)))
        for row, expected in zip(out, given_alive, strict=True):
            np.multiply(alive, expected[codes], out=row)
        return out

    @one_blas_thread
    def purchase_count_probability(self, data: Any, n: int, t: Any) -> np.ndarray:
        """Return P(exactly ``n`` purchases in the next ``t`` time units), per row.

        Alive customers (posterior :math:`Gamma(r+x, \\alpha+T)`, :math:`Beta(a, b+x)`)
        follow the model's own P(X(t) = n) (eq. 8 of the paper) with those parameters;
        customers who left buy nothing:
        :math:`P = P(\\text{alive})\\,P_{post}(n) + (1 - P(\\text{alive}))\\,\\delta_{n0}`.
        """
        r, alpha, a, b = self._params()
        n, t = inputs.purchase_count(n), inputs.horizon(t, self.time_unit)
        d = self._distinct(data)
        x, tx, t_cal = d.rows["frequency"], d.rows["recency"], d.rows["T"]
        alive = _p_alive(r, alpha, a, b, x, tx, t_cal, self.modified)
        m = 1.0 if self.modified else 0.0
        fresh = count_probability_bg(n, t, r + x, alpha + t_cal, a, b + x + m)
        return d.expand(alive * fresh + (1 - alive) * (n == 0))

    @one_blas_thread
    def expected_repeat_purchases(self, t: Any) -> np.ndarray:
        """Return the expected repeat purchases of a new customer in ``t`` after their first.

        :math:`E[X(t)]` of eq. 9 of the paper, for an array of horizons ``t``.
        """
        r, alpha, a, b = self._params()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        # MBG/NBD: alive after the first purchase with probability b / (a + b), and then
        # the dropout posterior is Beta(a, b + 1).
        survive, b_now = (b / (a + b), b + 1) if self.modified else (1.0, b)
        rate, scale, dropout = np.array([r]), np.array([alpha]), np.array([b_now])
        return survive * np.array([
            expected_bg(inputs.horizon(v), rate, scale, a, dropout)[0] for v in t])


class _Prepared:
    """The distinct rows as the likelihood reads them, built once per fit.

    Customers without repeat purchases only need their T. Repeat buyers keep a row each,
    cut into blocks of `_Block.ROWS` so that every work array of a block stays in the CPU
    cache while the kernel makes its passes over it. A time column whose values repeat
    (whole days) is mapped to its distinct values, so each logarithm is taken once per
    value; with continuous times nothing repeats and the column is used as it is.
    """

    def __init__(self, rows: inputs.Rows, modified: bool):
        x, tx, t_cal, w = rows["frequency"], rows["recency"], rows["T"], rows.weight
        # Survived dropout chances after x purchases: x (BG/NBD) or x + 1 (MBG/NBD).
        self.m = 1.0 if modified else 0.0
        # Terms of x alone, summed over the distinct frequencies.
        self.xs, codes = inputs.distinct(x)
        self.wx = np.bincount(codes, weights=w, minlength=len(self.xs))
        self.w_total = float(w.sum())
        # MBG/NBD's customers without repeat purchases have the dropout term too.
        zero = np.zeros(len(x), dtype=bool) if modified else x == 0
        t0 = _Column(t_cal[zero])
        self.t0, self.w0 = t0.values, w[zero]
        if t0.index is not None:
            self.w0 = np.bincount(t0.index, weights=self.w0, minlength=len(t0.values))
        repeat = ~zero
        x, w = x[repeat], w[repeat]
        self.x_values, x_index = inputs.distinct(x)
        t, t_x = _Column(t_cal[repeat]), _Column(tx[repeat])
        # Unit weights (continuous times: no two customers alike) are left out of the sums.
        unit = bool(np.all(w == 1.0))
        self.blocks = [
            _Block(x[i:i + _Block.ROWS], x_index[i:i + _Block.ROWS],
                   None if unit else w[i:i + _Block.ROWS], t.part(i, _Block.ROWS),
                   t_x.part(i, _Block.ROWS), len(self.x_values))
            for i in range(0, len(x), _Block.ROWS)]
        self._t, self._tx = t, t_x
        self._alpha = np.nan
        self._last: tuple[np.ndarray, tuple[float, np.ndarray]] | None = None

    def log_likelihood(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """Return the weighted log-likelihood and its gradient in (r, alpha, a, b)."""
        if self._last is not None and np.array_equal(self._last[0], params):
            return self._last[1]  # the optimiser's last point, asked again by the caller
        out = self._evaluate(*(float(v) for v in params))
        self._last = (params.copy(), out)
        return out

    def _evaluate(self, r: float, alpha: float, a: float, b: float
                  ) -> tuple[float, np.ndarray]:
        xs, wx, n, m = self.xs, self.wx, self.w_total, self.m
        ll = wx @ (gammaln(r + xs) + betaln(a, b + xs + m)) + n * (
            r * np.log(alpha) - gammaln(r) - betaln(a, b))
        g_r = wx @ digamma(r + xs) + n * (np.log(alpha) - digamma(r))
        g_alpha = n * r / alpha
        ab_x = digamma(a + b + xs + m)
        g_a = n * (digamma(a + b) - digamma(a)) + wx @ (digamma(a) - ab_x)
        g_b = n * (digamma(a + b) - digamma(b)) + wx @ (digamma(b + xs + m) - ab_x)
        # -(r + x) log(alpha + T) of the customers without repeat purchases, by their T.
        if alpha != self._alpha:
            self._log_t0 = self.w0 @ np.log(alpha + self.t0)
            self._inv_t0 = self.w0 @ (1.0 / (alpha + self.t0))
            # Distinct time values (whole days): their logarithms once for every block.
            self._t.shift(alpha)
            self._tx.shift(alpha)
            self._alpha = alpha
        ll -= r * self._log_t0
        g_r -= self._log_t0
        g_alpha -= r * self._inv_t0
        # The repeat buyers (MBG/NBD: everyone), block by block.
        log_ratio = np.log(a) - np.log(b + self.x_values - 1 + m)
        sums = np.zeros(5)
        per_x = np.zeros(len(self.x_values))
        for block in self.blocks:
            block.add(r, alpha, log_ratio, self._t, self._tx, sums, per_x)
        ll += sums[0]
        g_r += sums[1]
        g_alpha += sums[2]
        g_a += sums[3] / a
        g_b -= per_x @ (1.0 / (b + self.x_values - 1 + m))
        return float(ll), np.array([g_r, g_alpha, g_a, g_b])


class _Block:
    """Repeat buyers' rows of one cache-sized block and the kernel over them.

    Terms that depend on alpha alone (the logarithms and reciprocals of alpha + T and
    alpha + t_x, summed or per row) are kept for the last alpha: the Hessian's differences
    move one parameter at a time, so six of its eight gradients reuse them. Work arrays
    are allocated once, not per evaluation.
    """

    #: Rows per block: a dozen work arrays of this many float64 fit in a 2 MiB cache.
    ROWS = 16_384

    def __init__(self, x: np.ndarray, x_index: np.ndarray, w: np.ndarray | None,
                 t: tuple[np.ndarray, np.ndarray | None],
                 tx: tuple[np.ndarray, np.ndarray | None], n_x: int):
        self.x, self.x_index, self.w, self.t, self.tx, self.n_x = x, x_index, w, t, tx, n_x
        self.wx = x if w is None else w * x
        n = len(x)
        self.gap, self.inv_gap, self.x_gap, self.x_inv_gap = (np.empty(n) for _ in range(4))
        self._a, self._e, self._tmp, self._s = (np.empty(n) for _ in range(4))
        self._positive = np.empty(n, dtype=bool)
        self._alpha = np.nan
        self.terms = np.zeros(4)

    def add(self, r: float, alpha: float, log_ratio: np.ndarray, t: _Column, tx: _Column,
            sums: np.ndarray, per_x: np.ndarray) -> None:
        """Add this block's -(r + x) log(alpha + T) + log(1 + e^A) and their gradient.

        ``sums`` gets the log-likelihood, d/dr, d/dalpha and the sum of sigmoid(A) (d/da
        times a); ``per_x`` the sums of sigmoid(A) per distinct x (for d/db).
        """
        if alpha != self._alpha:
            self._per_alpha(alpha, t, tx)
        s_log_t, s_log_t_x, s_inv_t, s_inv_t_x = self.terms
        sums[0] -= r * s_log_t + s_log_t_x
        sums[1] -= s_log_t
        sums[2] -= r * s_inv_t + s_inv_t_x
        # A = log(a / (b + x - 1 + m)) + (r + x) log((alpha + T) / (alpha + t_x)).
        big_a, e, tmp, s = self._a, self._e, self._tmp, self._s
        np.take(log_ratio, self.x_index, out=big_a)
        np.multiply(self.gap, r, out=tmp)
        big_a += tmp
        big_a += self.x_gap
        # e = exp(-|A|) <= 1: softplus(A) = max(A, 0) + log(1 + e) and
        # sigmoid(A) = (1 if A >= 0 else e) / (1 + e), neither overflowing.
        np.abs(big_a, out=e)
        np.negative(e, out=e)
        np.exp(e, out=e)
        np.maximum(big_a, 0.0, out=tmp)
        np.greater_equal(big_a, 0.0, out=self._positive)
        np.maximum(e, self._positive, out=s)
        np.add(e, 1.0, out=e)
        np.divide(s, e, out=s)
        np.log(e, out=e)
        e += tmp
        if self.w is None:
            sums[0] += e.sum()
        else:
            sums[0] += self.w @ e
            s *= self.w
        sums[1] += s @ self.gap
        sums[2] += r * (s @ self.inv_gap) + s @ self.x_inv_gap
        sums[3] += s.sum()
        per_x += np.bincount(self.x_index, weights=s, minlength=self.n_x)

    def _per_alpha(self, alpha: float, t: _Column, tx: _Column) -> None:
        log_t, inv_t = t.at(self.t, alpha, self._a, self._e)
        log_tx, inv_tx = tx.at(self.tx, alpha, self._tmp, self._s)
        w = self.w
        self.terms[:] = (log_t.sum() if w is None else w @ log_t, self.wx @ log_t,
                         inv_t.sum() if w is None else w @ inv_t, self.wx @ inv_t)
        # log((alpha + T) / (alpha + t_x)) and 1 / (alpha + T) - 1 / (alpha + t_x), and
        # each times x: (r + x) g = r g + x g, so the per-row products are made once.
        np.subtract(log_t, log_tx, out=self.gap)
        np.subtract(inv_t, inv_tx, out=self.inv_gap)
        np.multiply(self.x, self.gap, out=self.x_gap)
        np.multiply(self.x, self.inv_gap, out=self.x_inv_gap)
        self._alpha = alpha


class _Column:
    """One time column: its distinct values when they repeat enough, else the values."""

    def __init__(self, values: np.ndarray):
        self.index: np.ndarray | None
        # More than half of a sample distinct: continuous times, no logarithm to share.
        if len(values) > inputs.SAMPLE and inputs.distinct_share(values) > 0.5:
            self.values, self.index = values, None
        else:
            self.values, self.index = inputs.distinct(values)
        self._log = self._inverse = np.empty(0)

    def part(self, start: int, size: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Return rows ``start`` .. ``start + size``: (their values, None) or (None, index)."""
        if self.index is None:
            return self.values[start:start + size], None
        return np.empty(0), self.index[start:start + size]

    def shift(self, alpha: float) -> None:
        """Take log(alpha + v) and 1 / (alpha + v) of the distinct values (when indexed)."""
        if self.index is not None:
            shifted = alpha + self.values
            self._log, self._inverse = np.log(shifted), 1.0 / shifted

    def at(self, part: tuple[np.ndarray, np.ndarray | None], alpha: float,
           log_out: np.ndarray, inverse_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return log(alpha + v) and 1 / (alpha + v) of a part's rows, in the given arrays."""
        values, index = part
        if index is None:
            np.add(values, alpha, out=inverse_out)
            np.log(inverse_out, out=log_out)
            np.divide(1.0, inverse_out, out=inverse_out)
        else:  # shift(alpha) came first
            np.take(self._log, index, out=log_out)
            np.take(self._inverse, index, out=inverse_out)
        return log_out, inverse_out


def validate_rft(rows: inputs.Rows, label: str) -> None:
    """Check frequency / recency / T rows: the rules every continuous BTYD model shares."""
    x, tx, t_cal = rows["frequency"], rows["recency"], rows["T"]
    what = f"{label} input"
    inputs.check(x >= 0, "frequency", x, "the number of repeat purchases cannot be negative",
                 what)
    inputs.check(x == np.round(x), "frequency", x,
                 "the number of repeat purchases is a whole number", what)
    inputs.check(tx >= 0, "recency", tx, "recency cannot be negative", what)
    inputs.check(tx <= t_cal, "recency", tx,
                 "recency (first to last purchase) cannot exceed T (first purchase to the end "
                 "of the calibration period)", what, lambda i: f"T is {t_cal[i]:g}")
    inputs.check((x > 0) | (tx == 0), "recency", tx,
                 "a customer without repeat purchases has recency 0", what,
                 lambda i: "frequency is 0")


def _rate_start(rows: inputs.Rows, start: np.ndarray) -> np.ndarray:
    """Start alpha at the scale of the data: r / alpha is a purchase rate per time unit."""
    w = rows.weight
    rate = (w @ rows["frequency"]) / max(w @ rows["T"], 1e-12)
    out = start.copy()
    out[1] = min(max(start[0] / max(rate, 1e-9), 1e-6), 1e6)
    return out


def _p_alive(r, alpha, a, b, x, tx, t_cal, modified: bool) -> np.ndarray:
    repeat = np.ones(len(x), dtype=bool) if modified else x > 0
    m = 1.0 if modified else 0.0
    with np.errstate(divide="ignore"):
        big_a = (np.log(a) - np.log(np.where(repeat, b + x - 1 + m, 1.0))
                 + (r + x) * (np.log(alpha + t_cal) - np.log(alpha + tx)))
    return np.where(repeat, expit(-big_a), 1.0)


def expected_bg(t: Any, r: np.ndarray, alpha: np.ndarray, a: float, b: np.ndarray
                ) -> np.ndarray:
    """Return :math:`E[(1 - (1 + p t/\\alpha)^{-r}) / p]` for :math:`p \\sim Beta(a, b)`.

    The expected purchases in ``t`` of a BG/NBD customer alive now with rate posterior
    Gamma(r, alpha) and dropout posterior Beta(a, b) (arrays ``r``, ``alpha``, ``b`` per row).
    Substituting :math:`u = \\ln(1+pk)/\\ln(1+k)`, :math:`k = t/\\alpha`, the integrand is
    smooth in u apart from the Beta weight's own endpoint powers
    :math:`u^{a-1}(1-u)^{b-1}`, which the Gauss rule of Beta(a, b) integrates exactly.

    ``t`` is one horizon (one value per row comes back) or a 1-D array of them (one row
    of values per horizon): the rows that share a ``b``, and so a Gauss rule, are then
    evaluated at every horizon in one pass (CLV's twelve months in 60 % of the time).
    """
    r, alpha, b = (np.asarray(v, dtype=float) for v in (r, alpha, b))
    shape = np.broadcast(r, alpha, b).shape
    times = np.atleast_1d(np.asarray(t, dtype=float))
    out = np.zeros((len(times), int(np.prod(shape))))
    positive = times > 0  # nothing is bought in no time
    if positive.any() and out.size:
        r, alpha, b = (np.broadcast_to(v, shape).ravel() for v in (r, alpha, b))
        out[positive] = _expectation_rows(times[positive], r, alpha, a, b)
    return out[0].reshape(shape) if np.ndim(t) == 0 else out.reshape((len(times), *shape))


def _expectation_rows(times: np.ndarray, r: np.ndarray, alpha: np.ndarray, a: float,
                      b: np.ndarray) -> np.ndarray:
    """Return `expected_bg` at positive ``times`` (rows) for each row of r, alpha, b."""
    n_t = len(times)
    out = np.empty((n_t, len(r)))
    for value in np.unique(b):
        rows = b == value
        u, w = beta_rule(EXPECTATION_NODES, a, value)
        # One column per (horizon, row), horizon-major: every horizon in one pass.
        k = (times[:, None] / alpha[rows][None, :]).reshape(-1, 1)
        big_l = np.log1p(k)
        ul = u[None, :] * big_l
        p = np.expm1(ul) / k
        # 1 - p = (1 + k)(1 - e^{-(1-u)L}) / k, without the rounding of 1 - p near u = 1.
        log_q = big_l + np.log(-np.expm1(-(1 - u[None, :]) * big_l)) - np.log(k)
        # The Beta density in p over the one in u, times dp/du (all in logs).
        log_ratio = ((a - 1) * (np.log(p) - np.log(u)) + (value - 1) * (
            log_q - np.log1p(-u)) + np.log(big_l) + ul - np.log(k))
        h = -np.expm1(-np.tile(r[rows], n_t)[:, None] * ul) / p
        out[:, rows] = ((h * np.exp(log_ratio)) @ w).reshape(n_t, -1)
    return out


def count_probability_bg(n: int, t: float, r: np.ndarray, alpha: np.ndarray, a: float,
                         b: np.ndarray) -> np.ndarray:
    """Return the BG/NBD P(X(t) = n) (Fader, Hardie & Lee 2005, eq. 8), per row.

    .. math::

        \\frac{B(a, b+n)}{B(a, b)} NB(n; r, \\tfrac{\\alpha}{\\alpha+t})
        + \\delta_{n>0}\\frac{B(a+1, b+n-1)}{B(a, b)}\\, I_{t/(\\alpha+t)}(n, r)

    where the regularised incomplete beta :math:`I` is the chance of at least n Poisson
    purchases, 1 minus the sum in the paper's bracket.
    """
    r, alpha, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (r, alpha, b)))
    log_q = np.log(alpha) - np.log(alpha + t)  # log(alpha / (alpha + t))
    log_z = np.log(t) - np.log(alpha + t) if t > 0 else np.full(alpha.shape, -np.inf)
    with np.errstate(invalid="ignore"):
        log_nb = gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * log_q + np.where(
            n > 0, n * log_z, 0.0)
    out = np.exp(betaln(a, b + n) - betaln(a, b) + log_nb)
    if n > 0:
        z = t / (alpha + t)
        out = out + np.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * betainc(n, r, z)
    return out
