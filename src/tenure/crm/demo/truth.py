"""What the simulation knows and a model can only guess: each customer's truth.

Drawn from the same timeline as the history: the latent traits every customer was
given, whether they were still a customer when the history ends, and what they go on
to buy in the year after it (the same customers and season; nobody new arrives).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .baskets import CANCELLED, DAY, Orders
from .simulation import Population

HORIZONS = (90, 365)  # days after the end of the history


@dataclass
class Truth:
    """Per customer, by customer index. Rates are per day; spend is in cents."""

    alive_at_end: np.ndarray
    purchase_rate: np.ndarray
    dropout_probability: np.ndarray
    purchases_next_90d: np.ndarray
    purchases_next_365d: np.ndarray
    spend_next_365d: np.ndarray
    # Each demo campaign's true effect on the share of its customers who buy within its
    # window (`marketing.PLANS`): 0.06 is 6 percentage points more than without it.
    campaign_uplift: dict[str, float] = field(default_factory=dict)
    # The loyalty programme's first day (None: no programme) and the difference it makes
    # to how often its members order (`programme.TRUE_ORDER_LIFT`: none, it only records).
    loyalty_start: date | None = None
    loyalty_order_lift: float = 0.0


def tell_truth(population: Population, left: np.ndarray, ahead: Orders, end: int) -> Truth:
    """Return the truth of the customers of ``population``.

    ``left`` is when each customer left (days, ``inf`` for never), ``ahead`` the orders
    after ``end`` (seconds). A customer who never buys counts as not alive, with a rate
    of 0; purchases and spend ahead leave cancelled orders out.
    """
    n = len(population.acquired)
    kept = ahead.status != CANCELLED
    days_after = (ahead.at - end) // DAY
    counts = [np.bincount(ahead.customer[kept & (days_after < h)], minlength=n)
              for h in HORIZONS]
    spent = kept & (days_after < 365)
    return Truth(
        alive_at_end=population.buys & (left >= end // DAY),
        purchase_rate=np.where(population.buys, population.rate, 0.0),
        dropout_probability=population.dropout,
        purchases_next_90d=counts[0], purchases_next_365d=counts[1],
        spend_next_365d=np.bincount(ahead.customer[spent], weights=ahead.total[spent],
                                    minlength=n).astype(np.int64),
    )
