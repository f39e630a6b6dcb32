"""MBG/NBD: the BG/NBD model in which a customer may also leave right after the first purchase.

Batislam, Denizel & Filiztekin, "Empirical validation and comparison of models for customer
base analysis", International Journal of Research in Marketing 24(3), 2007. In BG/NBD a
customer without repeat purchases is alive for sure; here each purchase, the first included,
is followed by dropout with probability :math:`p \\sim Beta(a, b)`, so one-time buyers can
be gone too.
"""

from __future__ import annotations

from .bgnbd import BetaGeo


class ModifiedBetaGeo(BetaGeo):
    """The MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    Log-likelihood of a customer with :math:`x` repeat purchases, the last at :math:`t_x`,
    observed for :math:`T`:

    .. math::

        \\ell = \\ln\\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)}
        + \\ln\\frac{B(a, b+x+1)}{B(a, b)} - (r+x)\\ln(\\alpha+T)
        + \\ln\\Big(1 + \\frac{a}{b+x}\\Big(\\frac{\\alpha+T}{\\alpha+t_x}\\Big)^{r+x}\\Big)

    for every customer, those without repeat purchases included. Given alive, the
    posterior is :math:`\\lambda \\sim Gamma(r+x, \\alpha+T)`, :math:`p \\sim Beta(a, b+x+1)`
    and the future runs as in BG/NBD, so the predictions are BG/NBD's with ``b + x + 1``:
    :math:`P(\\text{alive}) = 1/(1 + \\frac{a}{b+x}((\\alpha+T)/(\\alpha+t_x))^{r+x})`.
    Columns and methods as `BetaGeo`.
    """

    label = "MBG/NBD"
    modified = True
