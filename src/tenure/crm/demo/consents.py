"""Consent per channel with its history: given at sign-up, sometimes withdrawn later."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHANNELS = ["email", "sms", "messenger", "phone"]
GRANT_SHARES = [0.55, 0.35, 0.3, 0.2]
# How each change came, in ConsentSource's words: checkout, the website's and the app's
# sign-up forms; the stop link in an email, a customer's letter or a call; the newsletter
# form or a loyalty card signed in a store; a sign-up at the till.
SIGN_UP_SOURCES = ["web_form", "customer_email", "phone_call"]
WITHDRAW_SOURCES = ["survey_link", "customer_email", "phone_call"]
LATER_SOURCES = ["web_form", "written_form"]
IN_STORE = "in_person"
SOURCES = [*SIGN_UP_SOURCES, *WITHDRAW_SOURCES, *LATER_SOURCES, IN_STORE]


@dataclass
class Consents:
    """History rows (customer, channel, granted, seconds, source) and the final flags."""

    customer: np.ndarray
    channel: np.ndarray
    granted: np.ndarray
    at: np.ndarray
    source: np.ndarray  # index into SOURCES
    current: np.ndarray  # customers x channels, bool


def draw_consents(rng, joined: np.ndarray, reachable: np.ndarray, in_store: np.ndarray,
                  end: int) -> Consents:
    """Return consent histories; ``reachable`` is customers x channels (has email/phone)."""
    n = len(joined)
    granted = reachable & (rng.random((n, len(CHANNELS))) < np.array(GRANT_SHARES))
    later = reachable & ~granted & (rng.random(granted.shape) < 0.06)
    withdrawn = granted & (rng.random(granted.shape) < 0.15)
    when = joined[:, None] + rng.random(granted.shape) * (end - joined[:, None])
    sign_up = np.where(in_store, SOURCES.index(IN_STORE),
                       rng.choice(len(SIGN_UP_SOURCES), n, p=[0.55, 0.3, 0.15]))
    parts = [
        (granted, True, np.broadcast_to(joined[:, None], granted.shape),
         np.broadcast_to(sign_up[:, None], granted.shape)),
        (withdrawn, False, when, 3 + rng.integers(0, len(WITHDRAW_SOURCES), granted.shape)),
        (later, True, when, 6 + rng.integers(0, len(LATER_SOURCES), granted.shape)),
    ]
    rows = [history_rows(mask, value, at, source) for mask, value, at, source in parts]
    customer, channel, value, at, source = (np.concatenate(c) for c in zip(*rows, strict=True))
    return Consents(customer, channel, value, at.astype(np.int64), source,
                    (granted & ~withdrawn) | later)


def history_rows(mask, value: bool, at, source):
    """Return the rows where ``mask`` holds, as flat arrays."""
    customer, channel = np.nonzero(mask)
    return (customer, channel, np.full(len(customer), value), at[mask], source[mask])
