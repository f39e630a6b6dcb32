"""Goods brought back: about 4 % of completed orders, within 30 days, never after the end."""

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


def draw_returns(rng, orders: Orders, lines: Lines, end: int) -> Returns:
    """Return the returns and mark their orders returned or partially returned."""
    delay = np.minimum(1 + rng.gamma(2.0, 3.5, len(orders.at)), 30) * DAY
    chosen = (orders.status == COMPLETED) & (rng.random(len(orders.at)) < 0.042)
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
        reason=rng.choice(len(RETURN_REASONS), len(returned_orders), p=REASON_SHARES),
        line_return=ret, line_product=lines.product[line], line_quantity=quantity,
        line_amount=amount,
    )


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
