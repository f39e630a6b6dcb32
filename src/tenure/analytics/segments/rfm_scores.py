"""RFM scores, the named segments of the R x F grid, and transitions between snapshots.

The rule for scores (DESIGN.md, "Segments": quintiles on the snapshot date, ties kept
together) is :func:`quintile_scores`; the grid of named segments is :data:`DEFAULT_GRID`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from tenure.analytics.exceptions import InputError
from tenure.analytics.segments.tables import summary_frame

#: The named segments in display order, with their English names (DESIGN.md, "Segments").
SEGMENTS: dict[str, str] = {
    "champions": "Champions",
    "loyal": "Loyal",
    "potential_loyalist": "Potential loyalist",
    "new": "New",
    "promising": "Promising",
    "need_attention": "Need attention",
    "about_to_sleep": "About to sleep",
    "cant_lose": "Can't lose them",
    "at_risk": "At risk",
    "hibernating": "Hibernating",
    "lost": "Lost",
}

Cell = tuple[int, int]


def _cells(r: Iterable[int], f: Iterable[int]) -> list[Cell]:
    return [(ri, fi) for ri in r for fi in f]


#: Segment -> the (R, F) cells it covers; the 11 segments partition the 25 cells.
DEFAULT_GRID: dict[str, list[Cell]] = {
    "champions": _cells([5], [4, 5]),
    "loyal": _cells([3, 4], [4, 5]),
    "potential_loyalist": _cells([4, 5], [2, 3]),
    "new": _cells([5], [1]),
    "promising": _cells([4], [1]),
    "need_attention": _cells([3], [3]),
    "about_to_sleep": _cells([3], [1, 2]),
    "cant_lose": _cells([1, 2], [5]),
    "at_risk": _cells([1, 2], [3, 4]),
    "hibernating": [(1, 2), (2, 1), (2, 2)],  # R1-2 F1-2 except R1 F1, which is Lost
    "lost": [(1, 1)],
}

#: The label of "no segment" in :func:`segment_transitions` (not in that snapshot).
NONE = "none"

_RFM_CODES = np.array([f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6)
                       for m in range(1, 6)], dtype=object)
_SUMMARY_COLUMNS = ("customer_id", "recency_days", "orders", "revenue")


def quintile_scores(values: np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """Score values 1..5 by quintile, equal values always getting equal scores.

    A value's score is ``1 + floor(5 * b / n)`` where ``b`` is the number of values
    strictly worse than it (smaller when ``higher_is_better``, larger otherwise) and
    ``n`` the number of values: the quintile in which its group of ties *starts*. So the
    worst value always scores 1, without ties each score holds a fifth of the customers,
    and a large tie group stays whole: with 60 % one-time buyers every one of them gets
    F = 1 and the next order count starts at 1 + floor(5 * 0.6) = 4 (scores 2 and 3 are
    then empty). Row order never matters.

    Parameters
    ----------
    values : array of float
        One value per customer, no NaN.
    higher_is_better : bool
        True for frequency and money, False for days since the last purchase.

    Returns
    -------
    array of int64
        The scores, in input order.

    Examples
    --------
    >>> quintile_scores(np.array([1, 1, 1, 1, 1, 1, 2, 2, 3, 5])).tolist()
    [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    """
    v = np.asarray(values, dtype=float)
    if not higher_is_better:
        v = -v
    n = len(v)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    below = _below(v)
    # Integer arithmetic: 5 * b / n exactly on a quintile boundary must not round down.
    return (1 + (5 * below) // n).astype(np.int64)


def _below(v: np.ndarray) -> np.ndarray:
    """Return, for each value, how many values are strictly smaller."""
    low, high = (v.min(), v.max()) if len(v) else (0.0, 0.0)
    if high - low < 4 * len(v) and np.array_equal(v, np.floor(v)):
        # Whole numbers in a short range (days, orders): counted, not sorted.
        offsets = (v - low).astype(np.int64)
        counts = np.bincount(offsets)
        return (np.cumsum(counts) - counts)[offsets]
    _, group, sizes = np.unique(v, return_inverse=True, return_counts=True)
    return np.concatenate([[0], np.cumsum(sizes)[:-1]])[group]


def validate_grid(grid: Mapping[str, Iterable[Cell]]) -> dict[Cell, str]:
    """Check that a grid partitions the 25 (R, F) cells; return cell -> segment.

    Raises
    ------
    InputError
        When a cell is outside 1..5 x 1..5, covered twice, or not covered.
    """
    lookup: dict[Cell, str] = {}
    for name, cells in grid.items():
        for cell in cells:
            r, f = (int(x) for x in cell)
            if not (1 <= r <= 5 and 1 <= f <= 5):
                raise InputError(f"segment {name!r}: cell R{r} F{f} is outside R1-5 x F1-5")
            if (r, f) in lookup:
                raise InputError(
                    f"cell R{r} F{f} is in both {lookup[(r, f)]!r} and {name!r}; "
                    "each cell belongs to exactly one segment")
            lookup[(r, f)] = name
    missing = [f"R{r} F{f}" for r in range(1, 6) for f in range(1, 6) if (r, f) not in lookup]
    if missing:
        raise InputError(f"the grid leaves cells without a segment: {', '.join(missing)}")
    return lookup


def rfm(summary_df: Any, *,
        grid: Mapping[str, Iterable[Cell]] | None = None) -> pd.DataFrame:
    """Score every customer on R, F and M and name their segment.

    - R from ``recency_days`` (days since the last purchase on the snapshot date):
      the most recent buyers score 5.
    - F from ``orders`` (number of orders; returns are not orders).
    - M from ``revenue`` (total net revenue, returns deducted), not the mean check.

    Each score is a quintile with ties kept together (:func:`quintile_scores`); the
    segment is looked up from (R, F) in the grid (DESIGN.md, "Segments"); M does not
    change the segment.

    Parameters
    ----------
    summary_df : pandas.DataFrame, polars.DataFrame, pyarrow.Table or ibis.Table
        The per-customer summary as `tenure.analytics.summary.customer_summary` returns it
        (any of these types): at least ``customer_id``, ``recency_days``, ``orders`` and
        ``revenue``.
    grid : mapping of segment -> iterable of (r, f) cells, optional
        A custom grid; it must cover each of the 25 cells exactly once.
        :data:`DEFAULT_GRID` when omitted.

    Returns
    -------
    DataFrame
        ``customer_id, r, f, m, rfm, segment`` in input order; ``rfm`` is the three
        digits as a string (``"545"``).
    """
    lookup = validate_grid(DEFAULT_GRID if grid is None else grid)
    summary_df = summary_frame(summary_df, _SUMMARY_COLUMNS)
    _check_summary(summary_df)
    r = quintile_scores(summary_df["recency_days"].to_numpy(float), higher_is_better=False)
    f = quintile_scores(summary_df["orders"].to_numpy(float))
    m = quintile_scores(summary_df["revenue"].to_numpy(float))
    table = np.array([[lookup[(ri, fi)] for fi in range(1, 6)] for ri in range(1, 6)],
                     dtype=object)
    return pd.DataFrame({
        "customer_id": summary_df["customer_id"].to_numpy(),
        "r": r,
        "f": f,
        "m": m,
        "rfm": _RFM_CODES[(r - 1) * 25 + (f - 1) * 5 + m - 1],
        "segment": table[r - 1, f - 1] if len(r) else np.array([], dtype=object),
    })


def _check_summary(df: pd.DataFrame) -> None:
    for column in _SUMMARY_COLUMNS[1:]:
        if df[column].isna().any():
            raise InputError(f"{column} has missing values; every customer needs a purchase")
    if (df["recency_days"] < 0).any():
        raise InputError("recency_days is negative: purchases after the snapshot date")
    if df["customer_id"].duplicated().any():
        raise InputError("customer_id repeats; the summary has one row per customer")


def segment_transitions(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Count customers moving between segments from one snapshot to the next.

    Parameters
    ----------
    before, after : DataFrame
        Two :func:`rfm` results (``customer_id`` and ``segment``), earlier and later.

    Returns
    -------
    DataFrame
        Counts, rows = segment before (index name ``from``), columns = segment after
        (``to``), in :data:`SEGMENTS` order followed by any other segment names (a
        custom grid) and :data:`NONE`. Row ``none`` holds customers new since the
        earlier snapshot; column ``none`` customers absent from the later one. Every
        row and column is present, zeros included; the total is the number of distinct
        customers in either snapshot.
    """
    for name, df in (("before", before), ("after", after)):
        if not {"customer_id", "segment"} <= set(df.columns):
            raise InputError(f"{name} needs the columns customer_id and segment")
        if df["customer_id"].duplicated().any():
            raise InputError(f"{name}: customer_id repeats")
    pairs = before[["customer_id", "segment"]].merge(
        after[["customer_id", "segment"]], on="customer_id", how="outer",
        suffixes=("_from", "_to"))
    src = pairs["segment_from"].astype(object).where(pairs["segment_from"].notna(), NONE)
    dst = pairs["segment_to"].astype(object).where(pairs["segment_to"].notna(), NONE)
    seen = set(src) | set(dst)
    labels = list(SEGMENTS) + sorted(seen - set(SEGMENTS) - {NONE}) + [NONE]
    counts = pd.crosstab(pd.Categorical(src, categories=labels),
                         pd.Categorical(dst, categories=labels), dropna=False)
    counts = counts.reindex(index=labels, columns=labels, fill_value=0).astype("int64")
    counts.index.name, counts.columns.name = "from", "to"
    return counts
