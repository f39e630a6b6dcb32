"""The answer scales of NPS, CSAT and CES and their bands: the one place each rule lives.

`tenure.analytics.feedback` computes the scores from answers or tables; the CRM reads the
bands and scores counts it made in the database. This module imports nothing heavy, so
the CRM's models read it when they are defined without loading pandas and Ibis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 5)}
# kind -> tone -> (lowest, highest) answer of the band. "high" is the good end (promoter,
# satisfied, easy), "low" the bad one (detractor, dissatisfied, hard); the rest is "mid".
# CSAT's "low" band (1-2) scores nothing; it marks the answers worth a follow-up call.
# Every score here and in the CRM is counted through these bands, so they live only here.
BANDS: dict[str, dict[str, tuple[int, int]]] = {
    "nps": {"low": (0, 6), "high": (9, 10)},
    "csat": {"low": (1, 2), "high": (4, 5)},
    "ces": {"low": (4, 5), "high": (1, 2)},
}
Z_95 = 1.96


def tone(kind: str, score: float) -> str:
    """Return the band of an answer: "low", "mid" or "high" (see ``BANDS``).

    Examples
    --------
    >>> tone("nps", 9), tone("nps", 7), tone("ces", 5)
    ('high', 'mid', 'low')
    """
    for name in ("low", "high"):
        low, high = BANDS[kind][name]
        if low <= score <= high:
            return name
    return "mid"


def score_from_counts(kind: str, counts: Mapping[int, int]) -> float:
    """NPS or CES (-100..100), or CSAT (%), from the number of answers per score.

    Parameters
    ----------
    kind : {"nps", "csat", "ces"}
    counts : mapping of int to int
        Answers per score, e.g. ``{10: 3, 7: 1, 2: 1}``; the database can count them.

    Returns
    -------
    float
        ``100 * (high - low) / n`` for NPS and CES, ``100 * high / n`` for CSAT, where high
        and low count the answers in the kind's ``BANDS``; NaN without answers.

    Examples
    --------
    >>> score_from_counts("nps", {10: 2, 9: 1, 8: 2, 7: 1, 6: 1, 3: 1})
    12.5
    """
    n = sum(counts.values())
    if not n:
        return math.nan
    by_tone = {"low": 0, "mid": 0, "high": 0}
    for score, answers in counts.items():
        by_tone[tone(kind, score)] += answers
    if kind == "csat":
        return 100.0 * by_tone["high"] / n
    return 100.0 * (by_tone["high"] - by_tone["low"]) / n


def nps_margin_of_error(p: float, d: float, n: int) -> float:
    """95 % margin of error of an NPS, in points: ``1.96 * sqrt((p + d - (p - d)**2) / n) * 100``.

    ``p`` and ``d`` are the shares (fractions) of promoters and detractors among ``n`` answers;
    see :func:`nps` for the derivation and its sources.
    """
    if n <= 0:
        return math.nan
    variance = max(p + d - (p - d) ** 2, 0.0)
    return Z_95 * math.sqrt(variance / n) * 100.0
