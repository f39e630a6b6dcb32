"""Customer-value models: buy-till-you-die purchase models, spend, and lifetime value.

Scikit-learn style estimators (DESIGN.md, "BTYD conventions"): ``fit(data)`` takes a table
with ``frequency``, ``recency``, ``T`` (BG/BB: ``n_periods``; Gamma-Gamma: ``frequency``,
``monetary_value``) and an optional ``weight``; the predictions return one value per input
row, in input order.

- `BetaGeo` (BG/NBD, Fader, Hardie & Lee 2005)
- `ModifiedBetaGeo` (MBG/NBD, Batislam, Denizel & Filiztekin 2007)
- `GammaGamma` (spend per purchase, Fader, Hardie & Lee 2005)
- `customer_lifetime_value` (purchases x spend x margin, discounted monthly)
"""

from __future__ import annotations

from ..exceptions import ConvergenceWarning, IdentificationWarning, NotFittedError
from .bgnbd import BetaGeo
from .gamma_gamma import GammaGamma
from .lifetime_value import customer_lifetime_value
from .mbgnbd import ModifiedBetaGeo

__all__ = [
    "BetaGeo",
    "ConvergenceWarning",
    "GammaGamma",
    "IdentificationWarning",
    "ModifiedBetaGeo",
    "NotFittedError",
    "customer_lifetime_value",
]
