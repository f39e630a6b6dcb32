"""The churn horizon H: how long after a snapshot a customer may go without buying.

A customer active at snapshot s has *churned* when they make no purchase in the H days
after it, ``(s, s + H]``. H is either one number of days for everybody, or the customer's
own rhythm:

.. math::

    H_i = \\operatorname{clip}(\\operatorname{round}(k \\cdot g_i),\\ H_{min},\\ H_{max})

where :math:`g_i` is the customer's typical gap, the median number of days between
consecutive purchase days up to s. A customer with a single purchase day has no gap yet
and takes the shop's :math:`g`: the median of the typical gaps of all repeat buyers at s
(:math:`H_{max}` when there are none).

The defaults, k = 2, 30 to 365 days, say "they have missed about one purchase of their own
rhythm": a customer who buys every 30 days and then skips 60 has churned; one who buys
twice a year has 365 days. The floor keeps a weekly buyer's bad fortnight from counting as
churn; the ceiling matches the activity window of the retention metrics (DESIGN.md, 365
days), beyond which a customer is not counted active anyway.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

from ..exceptions import InputError


@dataclass(frozen=True)
class Horizon:
    """How many days after a snapshot a customer has to buy again not to count as churned.

    Parameters
    ----------
    days : int, optional
        One horizon for every customer. When None (the default), the horizon follows each
        customer's rhythm: ``clip(round(k * typical gap), min_days, max_days)``.
    k : float
        Multiple of the customer's typical gap between purchase days.
    min_days, max_days : int
        Bounds of the rhythm horizon.
    """

    days: int | None = None
    k: float = 2.0
    min_days: int = 30
    max_days: int = 365

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
    def rhythm(self) -> bool:
        """Whether the horizon follows each customer's rhythm."""
        return self.days is None

    @property
    def longest(self) -> int:
        """The longest horizon any customer can get, in days."""
        return int(self.days) if self.days is not None else int(self.max_days)

    def describe(self) -> str:
        """Return the horizon in words, for notes and reports."""
        if self.days is not None:
            return f"no purchase within {self.days} days after the snapshot"
        return (f"no purchase within {self.k:g} x the customer's typical gap between "
                f"purchases ({self.min_days} to {self.max_days} days) after the snapshot")


def as_horizon(value: Any) -> Horizon:
    """Return the `Horizon` meant by ``value``: "rhythm", a number of days, or a Horizon."""
    if isinstance(value, Horizon):
        return value
    if isinstance(value, str) and value == "rhythm":
        return Horizon()
    if _whole(value):
        return Horizon(days=int(value))
    raise InputError(f"horizon must be 'rhythm', a whole number of days or a Horizon; "
                     f"got {value!r}.")


def _whole(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, numbers.Real)
            and float(value).is_integer())
