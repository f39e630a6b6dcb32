"""How good a churn score is on a labelled snapshot: the four numbers the report shows.

For labels :math:`y_i \\in \\{0, 1\\}` (1 = churned) and predicted probabilities
:math:`p_i`:

- **ROC AUC**: the chance that a random churner is ranked above a random stayer (ties
  count half); 0.5 is a coin, 1 is perfect (scikit-learn's ``roc_auc_score``, computed
  from the ranks as Mann and Whitney's U: the same number without its input checks,
  which took seconds on a million customers);
- **PR AUC**: average precision, :math:`\\sum_k (R_k - R_{k-1}) P_k` over the thresholds,
  whose no-skill level is the churn rate (scikit-learn's ``average_precision_score``);
- **lift in the top decile**: churn rate among the 10 % riskiest / the overall churn
  rate. When scores tie at the cut, the tied customers count in proportion (the expected
  lift under random tie-breaking), so a coarse score such as days since the last purchase
  is neither flattered nor punished by the order of its ties;
- **Brier score**: :math:`\\frac1n \\sum_i (p_i - y_i)^2`, lower is better; it judges the
  probabilities themselves, so it is only fair between calibrated scores.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ..exceptions import InputError

#: The columns of `evaluate`'s table, in order.
METRIC_COLUMNS = ["model", "roc_auc", "pr_auc", "lift_top_decile", "brier", "n", "churn_rate"]


def lift_top_decile(churned: np.ndarray, score: np.ndarray, *, share: float = 0.1) -> float:
    """Return the churn rate among the ``share`` highest scores over the overall rate.

    The top group holds exactly ``share * n`` customers (a fraction of one when that is not
    whole); customers tied with the last one in it count by the fraction of their tie
    group that fits. NaN when nobody churned.

    Examples
    --------
    >>> lift_top_decile(np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), np.arange(10, 0, -1))
    10.0
    """
    y, s = _arrays(churned, score)
    n = len(y)
    rate = y.mean()
    if rate == 0:
        return math.nan
    k = share * n
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    # Tie groups of equal scores, in descending order.
    starts = np.r_[0, np.flatnonzero(np.diff(s_sorted)) + 1]
    ends = np.r_[starts[1:], n]
    churned_in = np.add.reduceat(y_sorted, starts)
    taken = np.clip(k - starts, 0, ends - starts)
    top_churned = float(np.sum(churned_in * taken / (ends - starts)))
    return float((top_churned / k) / rate)  # a Python float, as documented


def roc_auc(churned: np.ndarray, score: np.ndarray) -> float:
    """Return the share of (churner, stayer) pairs the score ranks right, ties counting half.

    Mann-Whitney: :math:`(\\sum_{i: y_i = 1} \\text{rank}_i - n_1 (n_1 + 1) / 2) / (n_1 n_0)`
    with tied scores given their average rank. NaN when the labels are all one class.

    Examples
    --------
    >>> roc_auc(np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.4, 0.4]))
    0.875
    """
    y, s = _arrays(churned, score)
    churners = y.sum()
    stayers = len(y) - churners
    if churners == 0 or stayers == 0:
        return math.nan
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - churners * (churners + 1) / 2)
                 / (churners * stayers))


def average_precision(churned: np.ndarray, score: np.ndarray) -> float:
    """Return :math:`\\sum_k (R_k - R_{k-1}) P_k` over the distinct scores, highest first.

    :math:`P_k` and :math:`R_k` are the precision and recall of calling every customer
    scored at least the k-th highest distinct score a churner. NaN without churners.

    Examples
    --------
    >>> round(average_precision(np.array([1, 0, 1, 0]), np.array([0.9, 0.2, 0.4, 0.4])), 4)
    0.8333
    """
    y, s = _arrays(churned, score)
    if y.sum() == 0:
        return math.nan
    order = np.argsort(-s, kind="stable")
    ranked = s[order]
    last = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]  # of each tie group
    hits = np.cumsum(y[order])[last]
    precision = hits / (last + 1)
    recall = hits / hits[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def brier_score(churned: np.ndarray, probability: np.ndarray) -> float:
    """Return the mean squared difference between probabilities and 0/1 labels."""
    y, p = _arrays(churned, probability)
    return float(np.mean((p - y) ** 2))


def evaluate(churned: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """Return ``roc_auc, pr_auc, lift_top_decile, brier, n, churn_rate`` of one score.

    ROC AUC and PR AUC are NaN when the labels are all one class.
    """
    y, p = _arrays(churned, probability)
    both = 0 < y.sum() < len(y)
    return {
        "roc_auc": roc_auc(y, p) if both else math.nan,
        "pr_auc": average_precision(y, p) if both else math.nan,
        "lift_top_decile": lift_top_decile(y, p),
        "brier": brier_score(y, p),
        "n": len(y),
        "churn_rate": float(y.mean()),
    }


def metric_table(churned: np.ndarray, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """Return one row of `evaluate` per named score, with the columns `METRIC_COLUMNS`."""
    rows = [{"model": name, **evaluate(churned, p)} for name, p in scores.items()]
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def _arrays(churned: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(churned, dtype=float)
    s = np.asarray(score, dtype=float)
    if y.shape != s.shape or y.ndim != 1 or len(y) == 0:
        raise InputError("metrics need one score per label and at least one row.")
    if not np.all(np.isin(y, (0.0, 1.0))):
        raise InputError("churn labels must be 0/1 or booleans.")
    if not np.all(np.isfinite(s)):
        raise InputError("scores must be finite numbers.")
    return y, s
