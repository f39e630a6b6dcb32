"""Feedback scores: NPS, CSAT and CES, overall and per period and segment.

Definitions (DESIGN.md, "Metric definitions"):

- **NPS** = %promoters (9-10) - %detractors (0-6) on a 0-10 answer, from -100 to 100, with
  its margin of error at 95 %.
- **CSAT** = share of 4-5 answers on a 1-5 scale, in %.
- **CES** = %easy (1-2) - %hard (4-5) on a 1-5 scale where 1 is "very easy", from -100 to 100.

Missing answers (None, NaN) are left out; an answer outside its scale is an error, not a
guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import ibis
import numpy as np
import pandas as pd

from tenure.analytics import compiled
from tenure.analytics.bands import (  # noqa: F401 - the bands are read from here too
    BANDS,
    SCALES,
    Z_95,
    nps_margin_of_error,
    score_from_counts,
    tone,
)
from tenure.analytics.exceptions import InputError
from tenure.analytics.frames import check_period, period_start


def _in_band(values: np.ndarray, kind: str, name: str) -> np.ndarray:
    low, high = BANDS[kind][name]
    return (values >= low) & (values <= high)


class NPSResult(NamedTuple):
    """Net Promoter Score of a set of answers.

    ``score`` and ``margin_of_error`` are in points (-100..100); ``promoters``, ``passives``
    and ``detractors`` are answer counts out of ``n``.
    """

    score: float
    promoters: int
    passives: int
    detractors: int
    n: int
    margin_of_error: float


def nps(scores: Iterable[float]) -> NPSResult:
    """Net Promoter Score with its 95 % margin of error.

    Parameters
    ----------
    scores : iterable of int
        Answers on the 0-10 "how likely are you to recommend us" scale. Missing values are
        skipped.

    Returns
    -------
    NPSResult
        ``score = 100 * (p - d)`` where p and d are the shares of promoters (9-10) and
        detractors (0-6), and ``margin_of_error = 1.96 * sqrt((p + d - (p - d)**2) / n) * 100``.

    Notes
    -----
    Each answer is a draw of +1 (promoter), 0 (passive) or -1 (detractor); NPS is their mean
    times 100, so its variance is ``(p + d - (p - d)**2) / n`` (the multinomial variance of
    p - d: ``p(1-p)/n + d(1-d)/n + 2pd/n``). The normal approximation gives the 95 % margin.
    Sources: A. Engelhardt, "NPS confidence intervals: stats", CYBAEA, 14 January 2016
    (http://www.cybaea.net/Journal/2016/01/14/NPS-confidence-intervals-stats/); W. Huber's
    answer to "How can I calculate margin of error in a NPS result?", Cross Validated, 2011
    (https://stats.stackexchange.com/q/18603). With few answers the approximation is rough.

    Examples
    --------
    >>> r = nps([10, 9, 9, 10, 9, 8, 7, 8, 3, 6])
    >>> r.score, r.n
    (30.0, 10)
    """
    values = _answers(scores, "nps")
    n = len(values)
    promoters = int(np.count_nonzero(_in_band(values, "nps", "high")))
    detractors = int(np.count_nonzero(_in_band(values, "nps", "low")))
    return NPSResult(
        score=100.0 * (promoters - detractors) / n,
        promoters=promoters,
        passives=n - promoters - detractors,
        detractors=detractors,
        n=n,
        margin_of_error=nps_margin_of_error(promoters / n, detractors / n, n),
    )


def csat(scores: Iterable[float]) -> float:
    """Customer satisfaction score: the share of 4-5 answers on a 1-5 scale, in %.

    Parameters
    ----------
    scores : iterable of int
        Answers from 1 (very dissatisfied) to 5 (very satisfied); missing values are skipped.

    Returns
    -------
    float
        ``100 * |answers >= 4| / |answers|``, from 0 to 100.

    Examples
    --------
    >>> csat([5, 4, 3, 2])
    50.0
    """
    values = _answers(scores, "csat")
    return float(100.0 * np.count_nonzero(_in_band(values, "csat", "high")) / len(values))


def ces(scores: Iterable[float]) -> float:
    """Customer effort score: %easy (1-2) minus %hard (4-5) on a 1-5 scale, 1 = very easy.

    Parameters
    ----------
    scores : iterable of int
        Answers from 1 (very easy) to 5 (very hard); missing values are skipped.

    Returns
    -------
    float
        ``100 * (|answers <= 2| - |answers >= 4|) / |answers|``, from -100 to 100: higher is
        easier.

    Examples
    --------
    >>> ces([1, 2, 2, 3, 5])
    40.0
    """
    values = _answers(scores, "ces")
    easy = np.count_nonzero(_in_band(values, "ces", "high"))
    hard = np.count_nonzero(_in_band(values, "ces", "low"))
    return float(100.0 * (easy - hard) / len(values))


def feedback_scores(
    fb: ibis.Table, *, period: str = "month", by: str | None = None
) -> pd.DataFrame:
    """NPS, CSAT and CES per period (and per segment), aggregated in the engine.

    Parameters
    ----------
    fb : ibis.Table
        Canonical feedback table: ``customer_id``, ``time``, ``kind`` ('nps', 'csat' or 'ces')
        and ``score`` (see ``tenure.analytics.frames.feedback``).
    period : {"week", "month", "quarter", "year"}
        Length of a period; weeks start on Monday.
    by : str, optional
        A column of ``fb`` (segment, channel, store, manager...) to split each period by.

    Returns
    -------
    pandas.DataFrame
        One row per period (and ``by`` value, which comes first): ``period`` (the period's
        start), ``nps``, ``nps_margin_of_error``, ``promoters``, ``passives``, ``detractors``,
        ``nps_answers``, ``csat``, ``csat_answers``, ``ces``, ``ces_answers``. A score is NaN
        in a period without answers of its kind. Formulas as in :func:`nps`, :func:`csat` and
        :func:`ces`.

    Raises
    ------
    InputError
        When a column is missing, the period is unknown, or answers fall outside their scale
        (the message says how many rows and shows one).
    """
    _check_table(fb, by)
    check_period(period)
    keys = ([by] if by else []) + ["period"]
    # Compiled once per period and input columns (`tenure.analytics.compiled`).
    df = compiled.frame(fb, lambda t: _counts(t, period, keys), ("feedback.counts", period, by))
    _check_scores(fb, int(df["off_scale"].sum()))
    # Timestamps, like the ``period`` of ``kpi.period_kpis``, so the tables join.
    df["period"] = pd.to_datetime(df["period"])
    return _scores_from_counts(df, keys)


def _counts(fb: ibis.Table, period: str, keys: list[str]) -> ibis.Table:
    """Count each kind's answers, those in each band and those off their scale (`_off_scale`),
    per ``keys``, in the engine."""
    answered = fb.filter(fb.score.notnull())
    rows = answered.mutate(
        period=period_start(answered.time, period),
        kind=answered.kind.lower().strip(),
        off_scale=~_on_scale(answered),
    )

    def answers(kind: str, band: str | None = None) -> ibis.Value:
        """Count the rows of ``kind`` (in ``band`` when given) in the engine."""
        rule = rows.kind == kind
        if band:
            rule = rule & rows.score.between(*BANDS[kind][band])
        return rule.sum()

    return rows.group_by(keys).aggregate(
        promoters=answers("nps", "high"),
        detractors=answers("nps", "low"),
        nps_answers=answers("nps"),
        satisfied=answers("csat", "high"),
        csat_answers=answers("csat"),
        easy=answers("ces", "high"),
        hard=answers("ces", "low"),
        ces_answers=answers("ces"),
        off_scale=rows.off_scale.sum(),
    ).order_by(keys)


def _scores_from_counts(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    n_nps = df["nps_answers"].astype("int64")
    p = df["promoters"] / n_nps.where(n_nps > 0)
    d = df["detractors"] / n_nps.where(n_nps > 0)
    moe = [nps_margin_of_error(pi, di, ni) for pi, di, ni in zip(p, d, n_nps, strict=True)]
    n_csat = df["csat_answers"].astype("int64")
    n_ces = df["ces_answers"].astype("int64")
    # One frame built at once: a column set at a time costs a millisecond each.
    return pd.DataFrame({
        **{key: df[key] for key in keys},
        "nps": 100.0 * (p - d),
        "nps_margin_of_error": moe,
        "promoters": df["promoters"].astype("int64"),
        "passives": (n_nps - df["promoters"] - df["detractors"]).astype("int64"),
        "detractors": df["detractors"].astype("int64"),
        "nps_answers": n_nps,
        "csat": 100.0 * df["satisfied"] / n_csat.where(n_csat > 0),
        "csat_answers": n_csat,
        "ces": 100.0 * (df["easy"] - df["hard"]) / n_ces.where(n_ces > 0),
        "ces_answers": n_ces,
    }).reset_index(drop=True)


def _answers(scores: Iterable[float], kind: str) -> np.ndarray:
    raw = pd.Series(list(scores), dtype="object")
    raw = raw[~raw.map(_is_missing)]
    numbers = pd.to_numeric(raw, errors="coerce")
    if numbers.isna().any():
        example = raw[numbers.isna()].iloc[0]
        raise InputError(
            f"{int(numbers.isna().sum())} {kind} answer(s) are not numbers, e.g. {example!r}."
        )
    values = numbers.to_numpy(dtype="float64")
    if len(values) == 0:
        raise InputError(f"No {kind} answers to score: the list is empty or all missing.")
    low, high = SCALES[kind]
    bad = (values < low) | (values > high) | (values != np.floor(values))
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} {kind} answer(s) are outside the whole numbers {low}-{high}, "
            f"e.g. {values[bad][0]:g}. Check the scale of the survey."
        )
    return values


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _check_table(fb: ibis.Table, by: str | None) -> None:
    if not isinstance(fb, ibis.Table):
        raise InputError(
            "feedback must be an ibis Table; build one with "
            "tenure.analytics.frames.feedback(source, con=con)."
        )
    required = ["customer_id", "time", "kind", "score"] + ([by] if by else [])
    missing = [c for c in required if c not in fb.columns]
    if missing:
        raise InputError(
            f"The feedback table lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(fb.columns)}."
        )


def _check_scores(fb: ibis.Table, n_bad: int) -> None:
    """Raise InputError naming how many answers (``n_bad``) are out of their scale, with one
    example."""
    if n_bad:
        row = _off_scale(fb).select("customer_id", "kind", "score").limit(1).execute().iloc[0]
        raise InputError(
            f"{n_bad} feedback row(s) have a score outside its scale (nps 0-10, csat 1-5, "
            f"ces 1-5, whole numbers) or an unknown kind, e.g. customer {row['customer_id']!r}, "
            f"kind {row['kind']!r}, score {row['score']}."
        )


def _off_scale(fb: ibis.Table) -> ibis.Table:
    """Return the answers outside their scale, or of an unknown kind."""
    return fb.filter(fb.score.notnull() & ~_on_scale(fb))


def _on_scale(fb: ibis.Table) -> ibis.Value:
    """Return whether each answer is a whole number on its kind's scale (never null)."""
    kind = fb.kind.lower().strip()
    score = fb.score.cast("float64")
    whole = score == score.floor()
    ok = ibis.or_(
        *[
            (kind == name) & score.between(low, high) & whole
            for name, (low, high) in SCALES.items()
        ]
    )
    return ok.fill_null(False)
