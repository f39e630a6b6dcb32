"""The churn horizon H: how long after a snapshot a customer may go without buying.

A customer active at snapshot s has *churned* when they make no purchase in the H days
after it, ``(s, s + H]``. The churn risk is the probability of that event, so risks can
be ranked only when H is the same for everybody: a 40 % risk of no purchase within 30
days and a 40 % risk within 365 days are different statements.

**One horizon for the whole shop** (``horizon="auto"``, what the CRM and ``tenure
analyze`` use) is chosen from the shop's own rhythm (`choose_horizon`):

.. math::

    H = \\operatorname{readable}(k \\cdot g_{shop}), \\quad k = 2,

where :math:`g_{shop}` is the median, over the repeat buyers, of each one's typical gap
(the median number of days between consecutive purchase days, up to the last day), and
``readable`` takes the nearest (by ratio) of `READABLE_DAYS` = 30, 60, 90, 120, 180, 270,
365. The reasoning:

- *k = 2*: a customer keeping the shop's typical rhythm has two typical gaps to buy
  again; "no purchase within H" so means "missed about one purchase", not one late
  order. For a customer buying as a Poisson process, whose median gap is
  :math:`\\ln 2` times the mean, the chance of no purchase within :math:`k g` is
  :math:`2^{-k}`: a quarter of the still-buying customers at the typical rhythm fall in
  the churned class at k = 2, and fewer of the more frequent ones. k = 3 or more makes
  H so long that it needs years of history for labelled snapshots (2 H plus eight
  months, `schedule`), which most shops do not have.
- *the median over repeat buyers*: robust to a few daily buyers and to year-long
  breaks; one-time buyers have no gap to count.
- *a readable number*: the owner reads "no purchase within 90 days"; 97 days says the
  same with false precision. The ladder's steps are about 1.3 to 1.5 apart, so the
  rounding moves H by at most about 20 %.
- *bounded by the history*: the model learns from snapshots whose H days after them
  are known, and validates on a later one (`tenure.analytics.churn.schedule`). When the
  history is too short for the rhythm's H, the longest readable H it allows is taken
  (down to 30 days), and the notes say so.

A fixed number of days (``horizon=90``) is taken as given.

**Each customer's own rhythm** (``horizon="rhythm"``, an explicit option) gives
:math:`H_i = \\operatorname{clip}(\\operatorname{round}(k \\cdot g_i), H_{min}, H_{max})`
with :math:`g_i` the customer's typical gap (the shop's for a customer with one purchase
day), 30 to 365 days. It says whether a customer kept *their* rhythm, but the risks of
two customers are then probabilities of different events and do not rank.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tenure.analytics.messages import N_

from ..exceptions import InputError

#: The horizons ``"auto"`` chooses from, in days: numbers an owner reads at a glance.
READABLE_DAYS = (30, 60, 90, 120, 180, 270, 365)
#: ``"auto"``: H is about this many of the shop's typical gaps between purchases.
SHOP_GAPS = 2.0


@dataclass(frozen=True)
class Horizon:
    """How many days after a snapshot a customer has to buy again not to count as churned.

    Parameters
    ----------
    days : int, optional
        One horizon for every customer. When None, the horizon follows each customer's
        rhythm: ``clip(round(k * typical gap), min_days, max_days)``.
    k : float
        Multiple of the customer's typical gap between purchase days (with ``days`` None).
    min_days, max_days : int
        Bounds of the per-customer rhythm horizon.
    shop_gap : float, optional
        Set by `choose_horizon`: the shop's typical gap between purchases ``days`` was
        chosen from.
    wanted_days : int, optional
        Set by `choose_horizon`: the horizon the shop's rhythm asks for; ``days`` is
        shorter when the history did not allow it.
    """

    days: int | None = None
    k: float = 2.0
    min_days: int = 30
    max_days: int = 365
    shop_gap: float | None = None
    wanted_days: int | None = None

    def __post_init__(self) -> None:
        if self.days is not None and (not _whole(self.days) or self.days < 1):
            raise InputError(f"horizon days must be a whole number of days >= 1; "
                             f"got {self.days!r}.")
        if not self.k > 0:
            raise InputError(f"the rhythm multiple k must be positive; got {self.k!r}.")
        if not (_whole(self.min_days) and _whole(self.max_days)
                and 1 <= self.min_days <= self.max_days):
            raise InputError(f"the rhythm horizon needs whole days 1 <= min_days <= max_days; "
                             f"got {self.min_days!r}..{self.max_days!r}.")

    @property
    def per_customer(self) -> bool:
        """Whether each customer has their own horizon (``horizon="rhythm"``)."""
        return self.days is None

    @property
    def rhythm(self) -> bool:
        """Whether the horizon follows a rhythm: each customer's own, or the shop's as
        ``"auto"`` chose it (False when the history was too short for it, or fixed)."""
        return self.days is None or (self.shop_gap is not None
                                     and self.wanted_days == self.days)

    @property
    def longest(self) -> int:
        """The longest horizon any customer can get, in days."""
        return int(self.days) if self.days is not None else int(self.max_days)

    def describe(self) -> str:
        """Return the horizon in words, for notes, reports and the CRM's pages."""
        if self.days is not None:
            return N_("no purchase within {days} days").format(days=self.days)
        return N_("no purchase within {k} x the customer's typical gap between purchases "
                  "({min_days} to {max_days} days)").format(
                      k=f"{self.k:g}", min_days=self.min_days, max_days=self.max_days)

    def reasoning(self) -> str | None:
        """Return how ``"auto"`` chose the horizon, in a sentence (None when it did not)."""
        if self.shop_gap is None or self.days is None:
            return None
        values = {"horizon": self.describe(), "gaps": f"{SHOP_GAPS:g}",
                  "gap": f"{self.shop_gap:g}", "wanted": self.wanted_days}
        if self.wanted_days != self.days:
            return N_("Churn = {horizon}: about {gaps} x the shop's typical gap between "
                      "purchases ({gap} days, the median over repeat buyers); the rhythm asks "
                      "for {wanted} days, but the history is too short to learn and test that "
                      "horizon.").format(**values)
        return N_("Churn = {horizon}: about {gaps} x the shop's typical gap between purchases "
                  "({gap} days, the median over repeat buyers).").format(**values)


def readable_days(days: float) -> int:
    """Return the value of `READABLE_DAYS` nearest to ``days`` by ratio.

    Examples
    --------
    >>> readable_days(106), readable_days(103), readable_days(12), readable_days(900)
    (120, 90, 30, 365)
    """
    if not math.isfinite(days) or days <= 0:
        return READABLE_DAYS[-1]
    return min(READABLE_DAYS, key=lambda h: (abs(math.log(days / h)), h))


def choose_horizon(shop_gap: float | None, fits: Callable[[int], bool]) -> Horizon:
    """Return the shop-wide horizon for a shop whose typical gap is ``shop_gap`` days.

    Parameters
    ----------
    shop_gap : float or None
        The median of the repeat buyers' typical gaps between purchase days; None or NaN
        when nobody bought twice (the rhythm is unknown: the longest readable horizon is
        wanted).
    fits : callable
        ``fits(days)`` says whether the history is long enough for that horizon.

    Returns
    -------
    Horizon
        ``days`` = `readable_days` (``SHOP_GAPS * shop_gap``), or the longest shorter value
        of `READABLE_DAYS` that fits; ``shop_gap`` and ``wanted_days`` say how it came.

    Raises
    ------
    HistoryTooShort
        Not even the shortest readable horizon fits (raised by the caller's check).
    """
    gap = float(shop_gap) if shop_gap is not None else math.nan
    known = math.isfinite(gap) and gap > 0
    wanted = readable_days(SHOP_GAPS * gap) if known else READABLE_DAYS[-1]
    candidates = [d for d in READABLE_DAYS if d <= wanted]
    days = next((d for d in reversed(candidates) if fits(d)), candidates[0])
    return Horizon(days=days, shop_gap=round(gap, 1) if known else None, wanted_days=wanted)


def as_horizon(value: Any) -> Horizon:
    """Return the `Horizon` meant by ``value``: "rhythm", a number of days, or a Horizon."""
    if isinstance(value, Horizon):
        return value
    if isinstance(value, str) and value == "rhythm":
        return Horizon()
    if _whole(value):
        return Horizon(days=int(value))
    raise InputError(f"horizon must be 'auto', 'rhythm', a whole number of days or a "
                     f"Horizon; got {value!r}.")


def _whole(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, numbers.Real)
            and float(value).is_integer())
