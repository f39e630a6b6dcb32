"""Goods brought back: about 4 % of completed orders, within 30 days, never after the end.

A purchase that went wrong (``Orders.experience``) comes back far more often, and then
for the shop's fault: faulty, not as described, damaged or the wrong item.
"""

from __future__ import annotations

import numpy as np

from .baskets import (
    COMPLETED,
    DAY,
    PARTIAL,
    REASON_SHARES,
    RETURN_REASONS,
    RETURNED,
    Lines,
    Orders,
    Returns,
    line_starts,
)
from .simulation import FINE

FAULTY = slice(1, 5)  # RETURN_REASONS the shop is to blame for


def draw_returns(rng, orders: Orders, lines: Lines, end: int) -> Returns:
    """Return the returns and mark their orders returned or partially returned."""
    delay = np.minimum(1 + rng.gamma(2.0, 3.5, len(orders.at)), 30) * DAY
    chance = np.where(orders.experience == FINE, 0.035, 0.25)
    chosen = (orders.status == COMPLETED) & (rng.random(len(orders.at)) < chance)
    chosen &= orders.at + delay <= end
    returned_orders = np.flatnonzero(chosen)
    line, quantity = returned_lines(rng, lines, returned_orders, len(orders.at))
    position = np.full(len(orders.at), -1)
    position[returned_orders] = np.arange(len(returned_orders))
    ret = position[lines.order[line]]
    amount = np.round(lines.amount[line] * quantity / lines.quantity[line]).astype(np.int64)
    mark_returned(orders, lines, returned_orders, line, quantity)
    return Returns(
        order=returned_orders,
        at=(orders.at[returned_orders] + delay[returned_orders]).astype(np.int64),
        amount=np.bincount(ret, weights=amount, minlength=len(returned_orders)).astype(np.int64),
        reason=draw_reasons(rng, orders.experience[returned_orders] != FINE),
        line_return=ret, line_product=lines.product[line], line_quantity=quantity,
        line_amount=amount,
    )


def draw_reasons(rng, went_wrong: np.ndarray) -> np.ndarray:
    """Return why each order came back: the shop's fault when the purchase went wrong."""
    reason = rng.choice(len(RETURN_REASONS), len(went_wrong), p=REASON_SHARES)
    faults = np.array(REASON_SHARES[FAULTY], dtype=float)
    fault = FAULTY.start + rng.choice(len(faults), len(went_wrong), p=faults / faults.sum())
    return np.where(went_wrong, fault, reason)


def returned_lines(rng, lines: Lines, returned_orders: np.ndarray, n_orders: int):
    """Return the returned lines (all of the order's, or one) and the quantities brought back."""
    starts, counts = line_starts(lines, n_orders)
    everything = np.zeros(n_orders, dtype=bool)
    everything[returned_orders] = rng.random(len(returned_orders)) < 0.3
    single = returned_orders[~everything[returned_orders]]
    pick = starts[single] + (rng.random(len(single)) * counts[single]).astype(np.int64)
    line = np.sort(np.r_[np.flatnonzero(everything[lines.order]), pick])
    full = lines.quantity[line]
    quantity = np.where((full > 1) & (rng.random(len(line)) < 0.3), 1, full)
    return line, quantity


def mark_returned(orders: Orders, lines: Lines, returned_orders, line, quantity) -> None:
    """Set each returned order's status: returned when every unit came back."""
    _, counts = line_starts(lines, len(orders.at))
    whole = np.bincount(lines.order[line], weights=quantity == lines.quantity[line],
                        minlength=len(orders.at))
    all_back = whole[returned_orders] == counts[returned_orders]
    orders.status[returned_orders] = np.where(all_back, RETURNED, PARTIAL)
