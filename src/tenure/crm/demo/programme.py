"""The loyalty programme the demo shop runs from the first day of its second year.

What the simulation decides, on numpy arrays and a random stream of its own (so the rest
of the shop stays as it was): the programme's settings and tiers, which orders their
customers would like to pay partly with points, which referred customers gave their
referrer's email or phone (a self-referral the programme refuses), and the surprise
rewards. What the points then do (earned, released, redeemed, reversed, expired,
rewarded) the loyalty app writes itself, replayed in time (`programme_loading`).

The programme changes no purchase: customers buy as `simulation` says whether or not they
collect points (``TRUE_ORDER_LIFT`` is 0), and every customer who buys from the start
collects them (the app opens an account with the first order that earns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .baskets import CANCELLED, DAY, Orders
from .people import Profiles

START_DAY = 365  # the programme starts as the second year begins
STREAM = 17  # the programme's random numbers: np.random.default_rng([seed, 17])
# The difference the programme makes to how often a customer orders: none.
TRUE_ORDER_LIFT = 0.0

# `loyalty.models.Programme`'s settings: a point per unit paid, worth 2 cents, paying at
# most 30 % of an order, locked for the 14-day return window, kept for a year.
SETTINGS = {
    "points_per_unit": "1", "pending_days": 14, "point_value": "0.02", "max_share": "0.30",
    "expiry_days": 365, "welcome_bonus": 0, "birthday_bonus": 0, "first_answer_bonus": 0,
    "referral_bonus": 500, "referral_cap_per_month": 5, "tier_window_months": 12,
    "tier_review_months": 12,
}


@dataclass(frozen=True)
class TierPlan:
    name: str
    rank: int
    min_spend: int | None  # whole currency units within the window
    multiplier: str
    birthday_bonus: int


# Bronze is every member's; about a fifth of the year's buyers spend 1,000, one in twenty
# 2,500.
TIERS = (TierPlan("Bronze", 0, None, "1.00", 0), TierPlan("Silver", 1, 1000, "1.25", 200),
         TierPlan("Gold", 2, 2500, "1.50", 500))
REDEEMER_SHARE = 0.15  # customers who spend their points at all
REDEEM_CHANCE = 0.5  # ... on a given order
MIN_REDEEM = 500  # points a customer waits for before spending them
SELF_REFERRAL_SHARE = 0.05  # referred customers who are their referrer under another name
LAPSED_DAYS = (180, 365)  # a lapsed member's last order was this many days ago
LAPSED_MIN_ORDERS = 3


@dataclass
class Reward:
    """A surprise reward: ``points`` to ``customers`` (indexes) at ``at`` (seconds)."""

    key: str
    at: int
    points: int
    reason: str
    customers: np.ndarray


@dataclass
class Plan:
    """What the programme's members do beyond buying."""

    start: int  # seconds since the shop's start
    redeem: np.ndarray  # per order: its customer would pay part of it with points
    self_referred: np.ndarray  # customers who gave their referrer's email or phone
    rewards: list[Reward]


def plan_programme(rng, orders: Orders, profiles: Profiles, referrer: np.ndarray,
                   joined: np.ndarray, days: int) -> Plan | None:
    """Return the programme's plan, or None when the history is too short for a second
    year; give the self-referred customers their referrer's email or phone
    (``profiles`` is changed)."""
    start = START_DAY * DAY
    if days <= START_DAY:
        return None
    # The customers' draws first: the orders' number changes with the campaigns' control
    # groups, and the same seed gives the same self-referrals whatever they are.
    selves = self_referrals(rng, profiles, referrer, joined >= start)
    redeemer = rng.random(len(joined)) < REDEEMER_SHARE
    redeem = (redeemer[orders.customer] & (rng.random(len(orders.at)) < REDEEM_CHANCE)
              & (orders.at >= start) & (orders.status != CANCELLED))
    return Plan(start, redeem, selves, surprise_rewards(orders, start, days * DAY))


def self_referrals(rng, profiles: Profiles, referrer: np.ndarray,
                   joined_in_programme: np.ndarray,
                   share: float = SELF_REFERRAL_SHARE) -> np.ndarray:
    """Pick ``share`` of the referred customers who joined in the programme's time to be
    their referrer: each takes the referrer's email, or, when either has no email, phone
    if they live in the same country. Return them."""
    referred = np.flatnonzero((referrer >= 0) & joined_in_programme)
    chosen = referred[rng.random(len(referred)) < share]
    done = []
    for customer in chosen.tolist():
        friend = int(referrer[customer])
        if profiles.email[customer] and profiles.email[friend]:
            profiles.email[customer] = profiles.email[friend]
        elif (profiles.phone[customer] and profiles.phone[friend]
              and profiles.locale[customer] == profiles.locale[friend]):
            profiles.phone[customer] = profiles.phone[friend]
        else:
            continue
        done.append(customer)
    return np.array(done, dtype=np.int64)


def surprise_rewards(orders: Orders, start: int, end: int) -> list[Reward]:
    """Return the surprise rewards: 1,000 points, nine months into the programme, to the
    members who had ordered at least three times and not for half a year to a year."""
    at = start + 270 * DAY + 10 * 3600
    if at >= end:
        return []
    kept = (orders.status != CANCELLED) & (orders.at < at)
    customer, when = orders.customer[kept], orders.at[kept]
    n = int(orders.customer.max()) + 1 if len(orders.customer) else 0
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, customer, when)
    count = np.bincount(customer, minlength=n)
    member = np.zeros(n, dtype=bool)
    member[customer[when >= start]] = True
    idle = (at - last) // DAY
    lapsed = (member & (count >= LAPSED_MIN_ORDERS) & (idle >= LAPSED_DAYS[0])
              & (idle < LAPSED_DAYS[1]))
    return [Reward("demo-lapsed-members", at, 1000,
                   "We miss you: 1,000 points for your next order", np.flatnonzero(lapsed))]
