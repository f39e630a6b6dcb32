"""What each purchase holds: lines, prices, discounts, channel, status and returns.

Works on numpy arrays only. Money is in integer cents; times are seconds
since the start of the simulated period.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .assortment import Assortment
from .simulation import Purchases, rank_within

CHANNELS = ["web", "mobile app", "store", "phone"]
CHANNEL_SHARES = [0.5, 0.25, 0.18, 0.07]
STORES = ["Kyiv, Khreshchatyk 22", "Lviv, Forum Lviv", "Odesa, Deribasivska 10", "Online"]
ONLINE = len(STORES) - 1
STATUSES = ["completed", "cancelled", "pending", "paid", "shipped", "returned",
            "partially_returned"]
COMPLETED, CANCELLED, RETURNED, PARTIAL = 0, 1, 5, 6
RETURN_REASONS = ["Changed my mind", "Defective", "Not as described", "Arrived damaged",
                  "Wrong item delivered", "Found a better price", "Does not fit"]
REASON_SHARES = [0.3, 0.22, 0.14, 0.1, 0.08, 0.08, 0.08]
LINE_COUNT_SHARES = [0.58, 0.25, 0.12, 0.05]
SPEND_TIER_SHARES = [0.3, 0.28, 0.2, 0.14, 0.08]
ONLINE_HOURS = np.array([1, .5, .3, .2, .2, .3, .6, 1.2, 2, 2.5, 3, 3.2, 3.5, 3.3, 3, 3, 3.2,
                         3.5, 4, 4.5, 4.8, 4.2, 3, 1.8])
STORE_HOURS = np.r_[np.zeros(9), [1, 2, 3, 3.5, 3.5, 3.5, 3.5, 3.8, 4, 3.5, 2.5, 1.5], np.zeros(3)]
DAY = 86400


@dataclass
class Tastes:
    """Per-customer shopping habits."""

    favourite: np.ndarray  # top category index
    tier: np.ndarray  # spend tier, 0 = thrifty
    channel: np.ndarray
    store: np.ndarray


@dataclass
class Orders:
    customer: np.ndarray
    at: np.ndarray  # seconds from the start
    channel: np.ndarray
    store: np.ndarray
    status: np.ndarray
    total: np.ndarray
    discount: np.ndarray
    cost: np.ndarray
    experience: np.ndarray  # simulation.FINE, PUT_RIGHT or UNRESOLVED

    def rows(self, part: slice) -> Orders:
        """Return the orders in ``part``."""
        return Orders(*(getattr(self, f.name)[part] for f in fields(self)))


@dataclass
class Lines:
    order: np.ndarray
    line_no: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    price: np.ndarray
    discount: np.ndarray
    cost: np.ndarray

    @property
    def amount(self) -> np.ndarray:
        return self.quantity * self.price - self.discount

    def of_first(self, n: int) -> Lines:
        """Return the lines of the first ``n`` orders (lines are sorted by order)."""
        count = int(np.searchsorted(self.order, n))
        return Lines(*(getattr(self, f.name)[:count] for f in fields(self)))


@dataclass
class Returns:
    order: np.ndarray
    at: np.ndarray
    amount: np.ndarray
    reason: np.ndarray
    line_return: np.ndarray  # for each returned line: index into the returns
    line_product: np.ndarray
    line_quantity: np.ndarray
    line_amount: np.ndarray


def draw_tastes(rng, n: int, assortment: Assortment) -> Tastes:
    """Return each customer's favourite category, spend tier, channel and home store."""
    tops = np.bincount(assortment.top, weights=assortment.popularity)
    return Tastes(
        favourite=rng.choice(len(tops), n, p=tops / tops.sum()),
        tier=rng.choice(len(SPEND_TIER_SHARES), n, p=SPEND_TIER_SHARES),
        channel=rng.choice(len(CHANNELS), n, p=CHANNEL_SHARES),
        store=rng.integers(0, ONLINE, n),
    )


def choice_table(assortment: Assortment) -> np.ndarray:
    """Return cumulative product weights per (spend tier, favourite top or any) group."""
    n_top = int(assortment.top.max()) + 1
    log_price = np.log(assortment.price)
    centres = np.quantile(log_price, np.linspace(0.15, 0.9, len(SPEND_TIER_SHARES)))
    rows = []
    for centre in centres:
        fit = assortment.popularity * np.exp(-((log_price - centre) ** 2) / (2 * 1.2**2))
        rows += [fit * (assortment.top == top) for top in range(n_top)] + [fit]
    table = np.cumsum(np.array(rows), axis=1)
    table /= table[:, -1:]
    table[:, -1] = 1.0
    return table


def choose_products(rng, table: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Return one product per line, drawn from its group's row of ``table``."""
    n_groups, n_products = table.shape
    flat = (table + np.arange(n_groups)[:, None]).ravel()
    found = np.searchsorted(flat, group + rng.random(len(group)), side="right")
    return np.minimum(found - group * n_products, n_products - 1)


def draw_lines(rng, purchases: Purchases, tastes: Tastes, assortment: Assortment) -> Lines:
    """Return 1-4 lines per order, favouring popular products and favourite categories."""
    counts = rng.choice([1, 2, 3, 4], len(purchases.customer), p=LINE_COUNT_SHARES)
    order = np.repeat(np.arange(len(counts)), counts)
    customer = purchases.customer[order]
    n_top = int(assortment.top.max()) + 1
    wide = rng.random(len(order)) < 0.45
    group = tastes.tier[customer] * (n_top + 1) + np.where(wide, n_top, tastes.favourite[customer])
    product = choose_products(rng, choice_table(assortment), group)
    # The same product twice in one order becomes one line.
    _, first = np.unique(order * len(assortment.price) + product, return_index=True)
    order, product = order[first], product[first]
    price = assortment.price[product]
    quantity = np.where(price < 3000, rng.choice([1, 2, 3, 4], len(order), p=[.6, .25, .1, .05]),
                        rng.choice([1, 2], len(order), p=[.97, .03]))
    return Lines(order, rank_within(order) + 1, product, quantity, price,
                 np.zeros(len(order), dtype=np.int64), assortment.cost[product] * quantity)


def apply_discounts(rng, lines: Lines, month: np.ndarray, day: np.ndarray) -> None:
    """Give some orders a promotion: more of them around Black Friday and in December."""
    black_friday = (month == 10) & (day >= 20)
    share = np.where(black_friday, 0.45, np.where(month == 11, 0.2, 0.1))
    rate = np.where(rng.random(len(month)) < share,
                    rng.choice([.05, .1, .15, .2], len(month), p=[.35, .35, .2, .1]), 0.0)
    lines.discount = np.round(lines.price * lines.quantity * rate[lines.order]).astype(np.int64)


def time_of_day(rng, store_visit: np.ndarray) -> np.ndarray:
    """Return seconds after midnight: evenings online, opening hours in stores."""
    online = rng.choice(24, len(store_visit), p=ONLINE_HOURS / ONLINE_HOURS.sum())
    store = rng.choice(24, len(store_visit), p=STORE_HOURS / STORE_HOURS.sum())
    return np.where(store_visit, store, online) * 3600 + rng.integers(0, 3600, len(store_visit))


def draw_channels(rng, customer: np.ndarray, tastes: Tastes) -> tuple[np.ndarray, np.ndarray]:
    """Return each order's channel (mostly the customer's own) and store."""
    usual = rng.random(len(customer)) < 0.75
    other = rng.choice(len(CHANNELS), len(customer), p=CHANNEL_SHARES)
    channel = np.where(usual, tastes.channel[customer], other)
    in_store = channel == CHANNELS.index("store")
    return channel, np.where(in_store, tastes.store[customer], ONLINE)


def totals(lines: Lines, n_orders: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each order's total, discount and cost in cents."""
    def per_order(values):
        return np.bincount(lines.order, weights=values, minlength=n_orders).round().astype(np.int64)
    return per_order(lines.amount), per_order(lines.discount), per_order(lines.cost)


def draw_statuses(rng, at: np.ndarray, channel: np.ndarray, end: int) -> np.ndarray:
    """Return mostly completed orders, ~3 % cancelled, the last days' online ones in flight."""
    status = np.where(rng.random(len(at)) < 0.03, CANCELLED, COMPLETED)
    recent = (end - at < 3 * DAY) & (channel != CHANNELS.index("store")) & (status == COMPLETED)
    in_flight = rng.choice([2, 3, 4, COMPLETED], len(at), p=[.2, .3, .3, .2])
    return np.where(recent, in_flight, status)


def order_number(index: int) -> str:
    """Return the number the shop gives its ``index``-th order, e.g. "SO-100001"."""
    return f"SO-{index + 100001}"


def line_starts(lines: Lines, n_orders: int) -> tuple[np.ndarray, np.ndarray]:
    """Return where each order's lines start and how many there are."""
    counts = np.bincount(lines.order, minlength=n_orders)
    return np.r_[0, np.cumsum(counts)[:-1]], counts
