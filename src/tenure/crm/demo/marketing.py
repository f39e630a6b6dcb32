"""The shop's campaigns over its history, each with a known effect: who was written to,
who was held out, and the orders the messages caused.

Three campaigns run (``PLANS``): a birthday greeting on each customer's birthday, a
win-back on the first of each month to the customers then "At risk" (RFM, DESIGN.md)
with a 10 % coupon, and a greeting on 8 March and 20 December to those who bought within
the year before. Each reaches customers who have bought before and then have an email
address and agree to marketing email, and holds out
its control group with the campaigns app's own deterministic assignment (``assign``,
keyed by the campaign and the customer), so its report reads them as real campaigns.

The effect is on repurchase within ``WINDOW_DAYS`` after the send, and only on the
treated: with ``p`` the share of the step's customers who buy in the window anyway (the
simulated purchases, both groups), each treated customer who would not have bought does
with chance ``effect / (1 - p)``: the expected difference in the window's repurchase
rate between the groups is then ``effect``, what the report should find. Three choices
keep the report's comparison clean:

- the caused order comes 1 to 27 days after the send (the coupon is valid 30), before
  the next monthly send, so one message's window never holds the next one's effect;
- a customer gets the win-back at most once in ``WINDOW_DAYS``: an "At risk" customer
  who does not buy stays "At risk", and a second message inside the first one's window
  would add its effect to the first's;
- who is in an audience ("At risk", bought within the year) is decided by the simulated
  purchases alone, so both groups are chosen alike; an order a message caused does not
  take its customer off (or onto) a list.

Pure numpy, like the rest of the simulation; times are shop-local seconds since the start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, timedelta

import numpy as np

from tenure.analytics.segments import quintile_scores
from tenure.analytics.uplift import holdout

from .baskets import CANCELLED, DAY, Orders
from .consents import CHANNELS, Consents

WINDOW_DAYS = 60
SEND_HOUR = 10
# Caused orders fall on these days after the send (1..27): within the coupon's validity
# and before the next month's send.
CAUSED_DAYS = (1, 28)
# The win-back starts once the shop has half a year of history to score.
WIN_BACK_FROM_DAY = 183
HOLIDAYS = ((3, 8), (12, 20))
# The holiday greeting goes to the customers who bought within a year (its audience).
ACTIVE_DAYS = 365
COUPON_ALPHABET = np.array(list("23456789ABCDEFGHJKMNPQRSTUVWXYZ"))
COUPON_LENGTH = 8
# Assign the control group: (campaign index in PLANS, customer indices) -> treated?
Assign = Callable[[int, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Plan:
    """One campaign of the demo and its true effect on repurchase within the window."""

    name: str
    trigger: str  # campaigns.models.Trigger
    holdout: float
    effect: float
    coupon_percent: int = 0  # 0: no offer
    coupon_use: float = 0.0  # share of the caused orders placed with the coupon


BIRTHDAY, WIN_BACK, HOLIDAY = range(3)
# Named "(demo)": a build takes its campaigns by name and rewrites them, never a shop's own.
PLANS = [
    Plan("Birthday greeting (demo)", "birthday", holdout=0.1, effect=0.0),
    Plan("Win-back: At risk (demo)", "win_back", holdout=0.2, effect=0.06, coupon_percent=10,
         coupon_use=0.7),
    Plan("Holiday greeting (demo)", "date", holdout=0.1, effect=0.02),
]


@dataclass
class Deliveries:
    """Every customer a campaign reached on an occasion, sorted by plan and time."""

    plan: np.ndarray  # index into PLANS
    customer: np.ndarray
    at: np.ndarray  # seconds
    occasion: np.ndarray  # text: a birthday's year, a month, a date
    treated: np.ndarray  # False: held out
    coupon: np.ndarray  # text; "" without an offer or held out
    order: np.ndarray  # index of the caused order among the caused ones, -1 for none
    coupon_used: np.ndarray  # the caused order carries the coupon

    def order_coupons(self, orders: int) -> np.ndarray:
        """Return the coupon code each of the shop's ``orders`` carries ("" for none)."""
        codes = np.full(orders, "", dtype=object)
        codes[self.order[self.coupon_used]] = self.coupon[self.coupon_used]
        return codes


def default_assign(plan: int, customers: np.ndarray) -> np.ndarray:
    """Hold out by the campaigns' hash, keyed by the plan's and customers' positions (for a
    shop simulated without a database)."""
    return ~holdout((customers + 1).tolist(), plan + 1, PLANS[plan].holdout)


def last_send_day(days: int) -> int:
    """Return the last day a campaign sends on: its window must end within the history."""
    return days - WINDOW_DAYS - 1


def birthday_sends(birth_dates: list[date | None], start: date, days: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (customer, day, occasion) of each birthday in the history; 29 February is
    greeted on 28 February in other years."""
    customer = np.array([i for i, born in enumerate(birth_dates) if born is not None],
                        dtype=np.int64)
    month = np.array([birth_dates[i].month for i in customer.tolist()], dtype=np.int64)
    day_of_month = np.array([birth_dates[i].day for i in customer.tolist()], dtype=np.int64)
    found = []
    for year in range(start.year, (start + timedelta(days=days)).year + 1):
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        shown = np.where((month == 2) & (day_of_month == 29) & (not leap), 28, day_of_month)
        when = (np.datetime64(f"{year}-01", "M") + (month - 1).astype("timedelta64[M]")
                ).astype("datetime64[D]") + (shown - 1).astype("timedelta64[D]")
        day = (when - np.datetime64(start, "D")).astype(np.int64)
        inside = (day >= 0) & (day <= last_send_day(days))
        found.append((customer[inside], day[inside],
                      np.full(int(inside.sum()), str(year), dtype=object)))
    return tuple(np.concatenate(part) for part in zip(*found, strict=True))


def holiday_days(start: date, days: int) -> list[date]:
    """Return the holiday greeting's dates within the history."""
    last = start + timedelta(days=last_send_day(days))
    found = [date(year, month, day) for year in range(start.year, last.year + 1)
             for month, day in HOLIDAYS]
    return [d for d in found if start < d <= last]


def month_starts(start: date, days: int) -> list[date]:
    """Return the first days of the months the win-back runs in."""
    first, last = start + timedelta(days=WIN_BACK_FROM_DAY), start + timedelta(
        days=last_send_day(days))
    month = date(first.year, first.month, 1)
    found = []
    while month <= last:
        if month >= first:
            found.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return found


def at_risk_by_month(orders: Orders, n: int, start: date, months: list[date]
                     ) -> list[np.ndarray]:
    """Return, for each month, the customers "At risk" as it begins: R 1-2 and F 3-4 by
    quintile (`quintile_scores`) among the customers who have bought."""
    kept = orders.status != CANCELLED
    at, customer = orders.at[kept], orders.customer[kept]
    count, last = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    found, done = [], 0
    for month in months:
        moment = (month - start).days * DAY
        upto = int(np.searchsorted(at, moment))
        count += np.bincount(customer[done:upto], minlength=n)
        np.maximum.at(last, customer[done:upto], at[done:upto])
        done = upto
        buyers = np.flatnonzero(count > 0)
        recency = quintile_scores(moment - last[buyers], higher_is_better=False)
        frequency = quintile_scores(count[buyers])
        found.append(buyers[(recency <= 2) & (frequency >= 3) & (frequency <= 4)])
    return found


def win_back_sends(orders: Orders, n: int, start: date, days: int, reachable
                   ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return (customer, day, occasion) of the monthly win-back: the reachable customers
    "At risk" on the first of the month, each at most once in ``WINDOW_DAYS``."""
    months = month_starts(start, days)
    last_sent = np.full(n, -10 * WINDOW_DAYS, dtype=np.int64)
    customer, day, occasion = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], []
    for month, risky in zip(months, at_risk_by_month(orders, n, start, months), strict=True):
        today = (month - start).days
        risky = risky[last_sent[risky] <= today - WINDOW_DAYS]
        risky = risky[reachable(risky, np.full(len(risky), today * DAY + SEND_HOUR * 3600))]
        last_sent[risky] = today
        customer.append(risky)
        day.append(np.full(len(risky), today))
        occasion += [f"{month:%Y-%m}"] * len(risky)
    return np.concatenate(customer), np.concatenate(day), np.array(occasion, dtype=object)


def email_reachability(consents: Consents, has_email: np.ndarray):
    """Return ``reachable(customers, seconds)``: they have an email address and agree to
    marketing email at that moment (their consent history)."""
    email = consents.channel == CHANNELS.index("email")
    key = consents.customer[email] * _SPAN + consents.at[email]
    order = np.argsort(key, kind="stable")
    key, granted, owner = key[order], consents.granted[email][order], consents.customer[
        email][order]

    def reachable(customers: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        latest = np.searchsorted(key, customers * _SPAN + seconds, side="right") - 1
        agrees = (latest >= 0) & (owner[np.maximum(latest, 0)] == customers) & granted[
            np.maximum(latest, 0)]
        return agrees & has_email[customers]
    return reachable


# Seconds are below this in every shop (about 95 years), so customer * _SPAN + seconds
# orders the rows by customer, then time.
_SPAN = 3_000_000_000


def bought_within(orders: Orders, customers: np.ndarray, seconds: np.ndarray,
                  window: int) -> np.ndarray:
    """Return whether each customer placed an order (not cancelled) in [seconds, seconds +
    window)."""
    kept = orders.status != CANCELLED
    key = np.sort(orders.customer[kept] * _SPAN + orders.at[kept])
    low = np.searchsorted(key, customers * _SPAN + seconds, side="left")
    high = np.searchsorted(key, customers * _SPAN + seconds + window, side="left")
    return high > low


def run_campaigns(rng, orders: Orders, birth_dates: list[date | None], consents: Consents,
                  has_email: np.ndarray, start: date, days: int, assign: Assign) -> Deliveries:
    """Return the deliveries of every plan over the history, with the orders they caused.

    ``orders`` are the simulated ones, sorted by time. A campaign reaches those who have
    bought before, so an order it causes is a repurchase and never a customer's first.
    The caused orders themselves are drawn by the caller (``Deliveries.order`` numbers
    them in delivery order).
    """
    n = len(has_email)
    reachable = email_reachability(consents, has_email)
    first_order = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_order, orders.customer, orders.at)
    sends = [birthday_sends(birth_dates, start, days),
             win_back_sends(orders, n, start, days, reachable),
             holiday_sends(orders, start, days)]
    parts = []
    for index, (customer, day, occasion) in enumerate(sends):
        at = day * DAY + SEND_HOUR * 3600
        keep = (first_order[customer] < at) & reachable(customer, at)
        order = np.argsort(at[keep], kind="stable")
        parts.append(_deliveries(rng, index, customer[keep][order], at[keep][order],
                                 occasion[keep][order], orders, assign))
    result = Deliveries(*(np.concatenate([getattr(p, f.name) for p in parts])
                          for f in fields(Deliveries)))
    caused = result.order >= 0
    result.order[caused] = np.arange(int(caused.sum()))
    return result


def holiday_sends(orders: Orders, start: date, days: int):
    """Return (customer, day, occasion) of the holiday greeting: the customers who bought
    (an order not cancelled) in the ``ACTIVE_DAYS`` before it."""
    kept = orders.status != CANCELLED
    at, buyer = orders.at[kept], orders.customer[kept]
    customer, day, occasion = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], []
    for when in holiday_days(start, days):
        today = (when - start).days
        moment = today * DAY + SEND_HOUR * 3600
        low, high = np.searchsorted(at, [moment - ACTIVE_DAYS * DAY, moment])
        here = np.unique(buyer[low:high])
        customer.append(here)
        day.append(np.full(len(here), today))
        occasion += [when.isoformat()] * len(here)
    return np.concatenate(customer), np.concatenate(day), np.array(occasion, dtype=object)


def _deliveries(rng, index: int, customer, at, occasion, orders: Orders,
                assign: Assign) -> Deliveries:
    plan, count = PLANS[index], len(customer)
    unique, inverse = np.unique(customer, return_inverse=True)
    treated = np.asarray(assign(index, unique), dtype=bool)[inverse]
    anyway = bought_within(orders, customer, at, WINDOW_DAYS * DAY)
    chance = plan.effect / (1.0 - anyway.mean()) if count and plan.effect else 0.0
    caused = treated & ~anyway & (rng.random(count) < chance)
    coupon = np.full(count, "", dtype=object)
    if plan.coupon_percent:
        coupon[treated] = coupon_codes(rng, int(treated.sum()))
    used = caused & (rng.random(count) < plan.coupon_use)
    return Deliveries(np.full(count, index, dtype=np.int8), customer, at, occasion, treated,
                      coupon, np.where(caused, 0, -1), used)


def coupon_codes(rng, n: int) -> np.ndarray:
    """Return ``n`` distinct codes of the campaigns' alphabet (no 0/O, 1/I/L)."""
    codes = np.zeros(0, dtype=object)
    while len(codes) < n:
        letters = COUPON_ALPHABET[rng.integers(0, len(COUPON_ALPHABET),
                                               (n - len(codes), COUPON_LENGTH))]
        drawn = np.array(["".join(row) for row in letters.tolist()], dtype=object)
        codes = np.concatenate([codes, drawn])
        _, first = np.unique(codes.astype(str), return_index=True)
        codes = codes[np.sort(first)]
    return codes


def caused_days(rng, deliveries: Deliveries) -> tuple[np.ndarray, np.ndarray]:
    """Return the customer and day (float, a time of day added later) of each caused order,
    in their ``Deliveries.order`` order."""
    caused = deliveries.order >= 0
    day = deliveries.at[caused] // DAY + rng.integers(*CAUSED_DAYS, int(caused.sum()))
    return deliveries.customer[caused], day.astype(float)
