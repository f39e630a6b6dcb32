"""Who serves the customers, and when: the staff, their office hours, the customers' contacts.

Staff are numbered 0-2 for the managers (as ``Customers.manager``) and 3 for the
support agent, who also serves the customers without a manager. Times are seconds
of shop-local time since midnight of the first day, as in the rest of the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

DAY = 86400
HOUR = 3600
SUPPORT = 3
NOBODY = -1
OPENS, CLOSES = 9, 19  # office hours
QUARTER = 900


class Columns:
    """A dataclass whose fields are equally long columns: numpy arrays or lists."""

    @classmethod
    def join(cls, parts: list):
        """Return the rows of ``parts``, one after the other."""
        joined = {}
        for f in fields(cls):
            columns = [getattr(p, f.name) for p in parts]
            joined[f.name] = (np.concatenate(columns) if isinstance(columns[0], np.ndarray)
                              else [v for c in columns for v in c])
        return cls(**joined)

    def take(self, index: np.ndarray):
        """Return the rows at ``index``."""
        picked = {}
        for f in fields(self):
            column = getattr(self, f.name)
            picked[f.name] = (column[index] if isinstance(column, np.ndarray)
                              else [column[i] for i in index.tolist()])
        return type(self)(**picked)


@dataclass
class Clientele:
    """What the staff know of each customer: manager, language and how to reach them."""

    manager: np.ndarray  # 0-2, or 3 for nobody
    locale: list[str]  # people.LOCALES name
    phone: np.ndarray  # bool: has a phone
    email: np.ndarray  # bool: has an email address
    email_consent: np.ndarray  # bool
    messenger: list[str]  # the messenger they write from
    joined: np.ndarray  # seconds

    def server(self, customer: np.ndarray) -> np.ndarray:
        """Return who serves each customer: their manager, or support."""
        return np.minimum(self.manager[customer], SUPPORT)

    def managed(self, customer: np.ndarray) -> np.ndarray:
        return self.manager[customer] < SUPPORT


MESSENGERS = {
    "uk_UA": (["Telegram", "Viber", "WhatsApp"], [0.5, 0.4, 0.1]),
    "ru_RU": (["Telegram", "WhatsApp", "Viber"], [0.6, 0.3, 0.1]),
    "en_US": (["WhatsApp", "Telegram", "iMessage"], [0.55, 0.25, 0.2]),
}


def draw_messengers(rng, locale: list[str]) -> list[str]:
    """Return the messenger each customer writes from, as people of their country do."""
    roll, codes = rng.random(len(locale)), np.array(locale)
    found = np.empty(len(locale), dtype=object)
    for loc, (names, shares) in MESSENGERS.items():
        mine = codes == loc
        pick = np.searchsorted(np.cumsum(shares), roll[mine]).clip(max=len(names) - 1)
        found[mine] = np.array(names, dtype=object)[pick]
    return found.tolist()


def weekday(seconds: np.ndarray, first_weekday: int) -> np.ndarray:
    """Return Monday = 0 .. Sunday = 6 of each time."""
    return (seconds // DAY + first_weekday) % 7


def office_time(rng, seconds: np.ndarray, first_weekday: int) -> np.ndarray:
    """Return a quarter hour within office hours on the day of each time, Sunday moved to
    Monday."""
    day = seconds // DAY
    day = day + (weekday(seconds, first_weekday) == 6)
    quarters = rng.integers(0, (CLOSES - OPENS) * 4, len(seconds))
    return day * DAY + OPENS * HOUR + quarters * QUARTER


def next_working_morning(seconds: np.ndarray, first_weekday: int, hour: int) -> np.ndarray:
    """Return ``hour`` o'clock on the first weekday after each time's day."""
    day = seconds // DAY + 1
    day_of_week = (day + first_weekday) % 7
    day = day + np.where(day_of_week == 5, 2, np.where(day_of_week == 6, 1, 0))
    return day * DAY + hour * HOUR
