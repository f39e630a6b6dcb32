"""How the shop knows its customers: channel of acquisition, referrals, managers, tags, notes."""

from __future__ import annotations

import numpy as np

ACQUISITION_CHANNELS = ["organic", "ads", "social", "marketplace", "email", "referral", "store"]
ONLINE_ACQUISITION_SHARES = [0.34, 0.3, 0.14, 0.16, 0.06]
REFERRAL_SHARE = 0.10
MANAGER_SHARES = [0.33, 0.29, 0.24, 0.14]  # manager1..3, then nobody
TAGS = ["VIP", "wholesale", "corporate", "prefers calls", "gift buyer", "complained"]
NOTES = {
    "uk_UA": ["Просить дзвонити після 18:00.", "Цікавиться корпоративною знижкою.",
              "Доставка лише на відділення Нової пошти.", "Купує подарунки колегам до свят."],
    "ru_RU": ["Просит звонить после 18:00.", "Интересовался оптовыми ценами.",
              "Предпочитает самовывоз из магазина.", "Оставил отзыв о доставке."],
    "en_US": ["Prefers email over calls.", "Asked about extended warranty.",
              "Buys gifts for the team before the holidays.", "Delivery to the office only."],
}


def draw_referrers(rng, acquired_day: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Return the referrer of about 10 % of customers (-1 for the rest).

    A referrer joined on an earlier day; loyal customers (high ``weight``) refer more.
    """
    earlier = np.searchsorted(acquired_day, acquired_day, side="left")
    referred = (rng.random(len(acquired_day)) < REFERRAL_SHARE) & (earlier > 0)
    cumulative = np.cumsum(weight)
    reach = cumulative[np.maximum(earlier - 1, 0)]
    pick = np.searchsorted(cumulative, rng.random(len(weight)) * reach, side="right")
    return np.where(referred, np.minimum(pick, earlier - 1), -1)


def draw_acquisition(rng, referrer: np.ndarray, first_in_store: np.ndarray) -> np.ndarray:
    """Return each customer's acquisition channel index."""
    online = rng.choice(len(ONLINE_ACQUISITION_SHARES), len(referrer),
                        p=ONLINE_ACQUISITION_SHARES)
    channel = np.where(first_in_store, ACQUISITION_CHANNELS.index("store"), online)
    return np.where(referrer >= 0, ACQUISITION_CHANNELS.index("referral"), channel)


def draw_managers(rng, n: int) -> np.ndarray:
    """Return each customer's manager (0-2) or 3 for none."""
    return rng.choice(len(MANAGER_SHARES), n, p=MANAGER_SHARES)


def draw_tags(rng, revenue: np.ndarray, complained: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (customer, tag) pairs: VIP for the top 2 % by revenue, a few others at random."""
    n = len(revenue)
    vip = revenue >= max(np.quantile(revenue, 0.98), 1)
    chance = np.array([0, 0.01, 0.02, 0.03, 0.03, 0])
    marks = np.column_stack([vip, *(rng.random((len(chance) - 2, n)) < chance[1:-1, None]),
                             complained & (rng.random(n) < 0.5)])
    customer, tag = np.nonzero(marks)
    return customer, tag


def draw_notes(rng, locale_names: list[str]) -> list[str]:
    """Return a short note for about 3 % of customers in their own language."""
    roll, pick = rng.random(len(locale_names)), rng.integers(0, 4, len(locale_names))
    return [NOTES[loc][p] if r < 0.03 else "" for loc, r, p in zip(locale_names, roll, pick,
                                                                     strict=True)]
