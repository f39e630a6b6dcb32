"""Customer-value models: buy-till-you-die purchase models, spend, and lifetime value.

Scikit-learn style estimators (DESIGN.md, "BTYD conventions"): ``fit(data)`` takes a table
with ``frequency``, ``recency``, ``T`` (BG/BB: ``n_periods``; Gamma-Gamma: ``frequency``,
``monetary_value``) and an optional ``weight`` (Fader & Hardie's ``x``, ``t_x``, ``zbar``...
too: `tenure.analytics.columns.SUMMARY`); the predictions return one value per input row, in
input order: a pandas Series indexed by ``customer_id`` when the input has that column, else
a numpy array. A model takes its time unit from the summary's ``time_unit`` column
(`tenure.analytics.summary.customer_summary` writes it), refuses data in another unit, and
takes horizons as numbers of its unit or as durations (``"12 weeks"``, ``pandas.Timedelta``).

- `BetaGeo` (BG/NBD, Fader, Hardie & Lee 2005)
- `ParetoNBD` (Pareto/NBD, Schmittlein, Morrison & Colombo 1987)
- `ModifiedBetaGeo` (MBG/NBD, Batislam, Denizel & Filiztekin 2007)
- `BetaGeoBetaBinom` (BG/BB, discrete opportunities, Fader, Hardie & Shang 2010)
- `GammaGamma` (spend per purchase, Fader, Hardie & Lee 2005)
- `customer_lifetime_value` (purchases x spend x margin, discounted monthly)
- `compare_models` (calibration / holdout validation; the split and the standard charts'
  tables in `tenure.analytics.clv.holdout`)
"""

from __future__ import annotations

from ..exceptions import ConvergenceWarning, IdentificationWarning, NotFittedError
from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeo
from .gamma_gamma import GammaGamma
from .holdout import compare_models
from .lifetime_value import customer_lifetime_value
from .mbgnbd import ModifiedBetaGeo
from .pnbd import ParetoNBD

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "ConvergenceWarning",
    "GammaGamma",
    "IdentificationWarning",
    "ModifiedBetaGeo",
    "NotFittedError",
    "ParetoNBD",
    "compare_models",
    "customer_lifetime_value",
]
