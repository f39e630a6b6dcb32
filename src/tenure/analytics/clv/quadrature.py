"""Quadrature rules for the models' integrals that have no stable closed form.

The BTYD predictions average over a customer's unknown dropout probability, a Beta
distribution that for heavy buyers piles up near zero (Beta(a, b + 1000)). The closed forms
go through Gauss's hypergeometric function, whose factors overflow there; integrating with a
Gauss rule built for the Beta weight itself keeps every term small and positive.

`beta_rule` gives the Gauss rule of a Beta(a, b) distribution by the Golub-Welsch algorithm
(Golub & Welsch, "Calculation of Gauss quadrature rules", Math. Comp. 23, 1969) from the
three-term recurrence of the Jacobi polynomials, with the weights normalised to sum to 1, so
that no Beta function (which under- and overflows for large shapes) is ever formed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import eigh_tridiagonal


def beta_rule(n: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``n``-point Gauss rule of the Beta(a, b) distribution on (0, 1).

    ``sum(w * f(u))`` equals :math:`E f(U)`, :math:`U \\sim Beta(a, b)`, exactly for
    polynomials ``f`` of degree below ``2 n``.

    Returns
    -------
    u, w : numpy arrays
        Nodes in (0, 1), ascending, and positive weights summing to 1.
    """
    return _beta_rule(int(n), float(a), float(b))


@lru_cache(maxsize=4096)
def _beta_rule(n: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    # Jacobi weight (1 - x)^alpha (1 + x)^beta on (-1, 1); u = (1 + x) / 2 has density
    # proportional to u^(a - 1) (1 - u)^(b - 1).
    alpha, beta = b - 1.0, a - 1.0
    k = np.arange(n, dtype=float)
    s = 2 * k + alpha + beta
    with np.errstate(divide="ignore", invalid="ignore"):
        diagonal = (beta**2 - alpha**2) / (s * (s + 2))
    diagonal[0] = (beta - alpha) / (alpha + beta + 2)
    j = k[1:]
    s = 2 * j + alpha + beta
    # (j + alpha + beta) / (s - 1) is 1 at j = 1 (its limit when alpha + beta = -1).
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(j == 1, 1.0, (j + alpha + beta) / (s - 1))
    off = np.sqrt(4 * j * (j + alpha) * (j + beta) * ratio / (s**2 * (s + 1)))
    x, vectors = eigh_tridiagonal(diagonal, off)
    w = vectors[0] ** 2
    w = w / w.sum()
    u = (1 + x) / 2
    u.flags.writeable = w.flags.writeable = False  # cached: nobody may change them
    return u, w
