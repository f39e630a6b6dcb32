"""Gamma-Gamma: how much a customer spends per purchase, shrunk toward the population.

Fader, Hardie & Lee, "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
Journal of Marketing Research 42(4), 2005, and Fader & Hardie, "The Gamma-Gamma Model of
Monetary Value" (2013 note). A customer's purchase values are :math:`Gamma(p, \\nu)` around
their own mean :math:`p/\\nu`, and :math:`\\nu \\sim Gamma(q, \\gamma)` across customers;
spend is assumed independent of how often they buy.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from ..exceptions import InputError
from . import inputs
from .base import MaximumLikelihoodModel, one_blas_thread

#: Above this absolute correlation of frequency and spend, the model's premise is doubtful.
CORRELATION_WARNING = 0.3


class GammaGamma(MaximumLikelihoodModel):
    """The Gamma-Gamma spend model (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

    Log-likelihood of a customer whose :math:`x` repeat purchases average :math:`\\bar z`
    (the density of the mean of x Gamma(p, nu) values, nu integrated out):

    .. math::

        \\ell = \\ln\\frac{\\Gamma(px+q)}{\\Gamma(px)\\Gamma(q)} + q\\ln\\gamma
        + (px-1)\\ln\\bar z + px\\ln x - (px+q)\\ln(\\gamma + x\\bar z)

    Only customers with repeat purchases (``frequency`` > 0) inform the fit: by the BTYD
    convention the first purchase is left out of ``monetary_value``, so the others have no
    spend to learn from. Input columns: ``frequency``, ``monetary_value`` (mean value of the
    repeat purchases) and optionally ``weight``. Parameters ``p, q, v`` (v is the paper's
    :math:`\\gamma`).

    Examples
    --------
    >>> spend = GammaGamma().fit(summary)  # doctest: +SKIP
    >>> spend.expected_spend(summary)  # doctest: +SKIP
    """

    parameter_names = ("p", "q", "v")
    columns = ("frequency", "monetary_value")
    label = "Gamma-Gamma"
    timed = False  # frequency and spend only: any time unit will do
    # A row costs one logarithm an evaluation: hashing a million (x, zbar) rows to fold
    # them cost more than the evaluations it saved.
    fold = False

    def _validate(self, rows: inputs.Rows) -> None:
        x, z = rows["frequency"], rows["monetary_value"]
        what = f"{self.label} input"
        inputs.check(x >= 0, "frequency", x,
                     "the number of repeat purchases cannot be negative", what)
        inputs.check(x == np.round(x), "frequency", x,
                     "the number of repeat purchases is a whole number", what)
        inputs.check(z >= 0, "monetary_value", z,
                     "the mean purchase value cannot be negative", what)

    def _fit_rows(self, rows: inputs.Rows) -> inputs.Rows:
        x, z = rows["frequency"], rows["monetary_value"]
        free = (x > 0) & (z <= 0)
        if free.any():
            first = int(np.flatnonzero(free)[0]) + 1
            warnings.warn(
                f"{self.label}: {int(free.sum()):,} customers with repeat purchases spent "
                f"nothing on them (the first is row {first}); they are left out of the fit.",
                UserWarning, stacklevel=4)
        keep = (x > 0) & (z > 0)
        if keep.sum() < 2:
            raise InputError(
                f"{self.label} needs customers with repeat purchases and their spend; "
                f"{int(keep.sum())} found. Use a longer history.")
        kept = inputs.Rows({k: v[keep] for k, v in rows.columns.items()}, rows.weight[keep])
        _warn_if_correlated(kept, self.label)
        return kept

    def _start(self, rows: inputs.Rows) -> np.ndarray:
        # Moments: mean spend ~ p v / (q - 1); start from q = 3 and p = 2.
        mean = float(rows.weight @ rows["monetary_value"] / rows.weight.sum())
        return np.array([2.0, 3.0, max(mean, 1e-6)])

    def _prepare(self, rows: inputs.Rows) -> _Prepared:
        return _Prepared(rows)

    def _log_likelihood(self, params: np.ndarray, data: Any) -> tuple[float, np.ndarray]:
        p, q, v = params
        d: _Prepared = data
        px = p * d.xs
        log_v = np.log(v)
        ll = d.wx @ (gammaln(px + q) - gammaln(px)) + d.n * (q * log_v - gammaln(q))
        ll += p * d.sum_x_log - d.sum_log_z
        log_tail = np.log(v + d.x * d.z)
        total = p * d.x + q
        ll -= d.w @ (total * log_tail)
        g_p = d.wx @ (d.xs * (digamma(px + q) - digamma(px))) + d.sum_x_log \
            - (d.w * d.x) @ log_tail
        g_q = d.wx @ digamma(px + q) + d.n * (log_v - digamma(q)) - d.w @ log_tail
        g_v = d.n * q / v - (d.w * total) @ (1.0 / (v + d.x * d.z))
        return float(ll), np.array([g_p, g_q, g_v])

    @one_blas_thread
    def expected_spend(self, data: Any) -> np.ndarray:
        """Return each customer's expected value per purchase.

        .. math::

            E[Z \\mid x, \\bar z] = \\frac{p(\\gamma + x\\bar z)}{px + q - 1}
            = w \\frac{p\\gamma}{q-1} + (1-w)\\bar z, \\quad w = \\frac{q-1}{px+q-1}

        (Fader, Hardie & Lee 2005, eq. 5): a weighted mean of the population's mean spend and
        the customer's own, trusting the customer more the more they bought. Customers
        without repeat purchases get the population mean :math:`p\\gamma/(q-1)`, infinite
        (nan here) when q <= 1.
        """
        p, q, v = self._params()
        rows = self._rows(data)  # a few operations a row: folding equal rows costs more
        x, z = rows["frequency"], rows["monetary_value"]
        denominator = p * x + q - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            spend = np.where(denominator > 0, p * (v + x * z) / denominator, np.nan)
        return inputs.by_customer(spend, rows.index)


class _Prepared:
    """Sums the likelihood needs, built once per fit: all but one term are constant."""

    def __init__(self, rows: inputs.Rows):
        self.x, self.z, self.w = rows["frequency"], rows["monetary_value"], rows.weight
        self.n = float(self.w.sum())
        self.xs, codes = inputs.distinct(self.x)
        self.wx = np.bincount(codes, weights=self.w)
        log_z = np.log(self.z)
        # (px - 1) log z + px log x = p x (log z + log x) - log z
        self.sum_x_log = float((self.w * self.x) @ (log_z + np.log(self.x)))
        self.sum_log_z = float(self.w @ log_z)


def _warn_if_correlated(rows: inputs.Rows, label: str) -> None:
    x, z = rows["frequency"], rows["monetary_value"]
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(z) == 0:
        return
    w = rows.weight
    mx, mz = (w @ x) / w.sum(), (w @ z) / w.sum()
    cov = w @ ((x - mx) * (z - mz))
    corr = cov / np.sqrt((w @ (x - mx) ** 2) * (w @ (z - mz) ** 2))
    if abs(corr) > CORRELATION_WARNING:
        warnings.warn(
            f"{label}: frequency and spend are correlated (r = {corr:.2f}); the model assumes "
            f"they are independent, so its spend estimates may be biased.", UserWarning,
            stacklevel=5)
