"""Predictions against the truth: how good the scores are on a shop whose future is known.

A simulated shop (Tenure's demo) knows what no real one does: whether each customer was
still a customer when the history ended and what they bought afterwards. `read_truth`
reads that table and `evaluate` sets a snapshot's scores against it, each beside the
simple rule it has to beat:

- **churn risk** against *recency alone* (days since the last purchase) and against
  *1 − P(alive)*, by ROC AUC and PR AUC, for the label "no purchase in the next
  ``horizon_days`` days";
- **P(alive)** against a *constant* (the share alive), by the Brier score
  :math:`\\frac1n \\sum_i (p_i - y_i)^2` with :math:`y_i = 1` when alive at the end;
- **CLV** against *past revenue*, by Spearman's rank correlation with the spend of the
  next 365 days.

ROC AUC, PR AUC (average precision) and the Brier score are those of
`tenure.analytics.churn.metrics` (scikit-learn's ``roc_auc_score`` and
``average_precision_score``; Brier, 1950). Spearman's :math:`\\rho` is Pearson's
correlation of the ranks, ties given their mean rank (Spearman, 1904; scipy's
``spearmanr``).
"""

from __future__ import annotations

import math
from os import PathLike

import numpy as np
import pandas as pd

from .exceptions import InputError

#: The columns of a truth file, as ``tenure demo-data --truth`` writes them.
TRUTH_COLUMNS = ["external_id", "alive_at_end", "purchase_rate", "dropout_probability",
                 "purchases_next_90d", "purchases_next_365d", "spend_next_365d"]
#: The columns `evaluate` reads from the scores table.
SCORE_COLUMNS = ["customer_id", "churn_risk", "p_alive", "clv", "recency_days", "revenue"]
#: The columns of `evaluate`'s table, in order.
FIGURE_COLUMNS = ["metric", "target", "score", "value", "n"]
#: What each comparison pits against what: (metric, score, baseline, higher is better).
COMPARISONS = [
    ("roc_auc", "churn_risk", "recency"), ("roc_auc", "churn_risk", "one_minus_p_alive"),
    ("pr_auc", "churn_risk", "recency"), ("pr_auc", "churn_risk", "one_minus_p_alive"),
    ("brier", "p_alive", "constant"), ("spearman", "clv", "revenue"),
]
LOWER_IS_BETTER = {"brier"}
HORIZONS = (90, 365)


def read_truth(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a truth file: one row per customer with the columns `TRUTH_COLUMNS`.

    Parameters
    ----------
    path : str or path-like
        A CSV file as ``tenure demo-data --truth FILE`` writes it.

    Returns
    -------
    pandas.DataFrame
        ``external_id`` as text, ``alive_at_end`` as booleans, the rest as numbers.
    """
    table = pd.read_csv(path, dtype={"external_id": str, "alive_at_end": str})
    missing = [c for c in TRUTH_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"the truth file lacks the columns {', '.join(missing)}; write it "
                         "with 'tenure demo-data --truth FILE'.")
    alive = table["alive_at_end"].str.strip().str.lower()
    if not alive.isin(["true", "false"]).all():
        raise InputError("alive_at_end must be true or false on every row of the truth file.")
    table["alive_at_end"] = alive == "true"
    return table[TRUTH_COLUMNS]


def evaluate(scores: pd.DataFrame, truth: pd.DataFrame, *, horizon_days: int = 90
             ) -> pd.DataFrame:
    """Return the figures of a snapshot's scores against the truth, one per row.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per customer: ``customer_id`` (the truth's ``external_id``), ``churn_risk``
        (probability of churning, 0-1), ``p_alive`` (probability of still being a
        customer, 0-1), ``clv`` (predicted value), ``recency_days`` (days since the last
        purchase at the snapshot) and ``revenue`` (past revenue). Missing values (NaN)
        are allowed: a customer counts in a figure only where its scores are present.
    truth : pandas.DataFrame
        As `read_truth` returns it.
    horizon_days : {90, 365}
        Churn is "no purchase in the next ``horizon_days`` days" (``purchases_next_90d``
        or ``purchases_next_365d`` is 0).

    Returns
    -------
    pandas.DataFrame
        Columns `FIGURE_COLUMNS`: ``metric`` (roc_auc, pr_auc, brier, spearman), ``target``
        (what is predicted), ``score`` (what predicts it), ``value`` and ``n`` (customers).
        The churn figures are computed on the customers with a churn risk, a recency and a
        P(alive) alike, so the three are judged on the same people; "recency" scores a
        customer by days since the last purchase and "one_minus_p_alive" by 1 − P(alive).
        The Brier figures are on the customers with a P(alive); "constant" predicts the
        share of them alive for everyone, the best a constant can do. The Spearman figures
        are on the customers with a CLV and a revenue.

    Examples
    --------
    >>> truth = pd.DataFrame({"external_id": ["a", "b"], "alive_at_end": [True, False],
    ...     "purchase_rate": [.1, .1], "dropout_probability": [.2, .2],
    ...     "purchases_next_90d": [1, 0], "purchases_next_365d": [2, 0],
    ...     "spend_next_365d": [20.0, 0.0]})
    >>> scores = pd.DataFrame({"customer_id": ["a", "b"], "churn_risk": [.2, .9],
    ...     "p_alive": [.9, .3], "clv": [30.0, 1.0], "recency_days": [5, 90],
    ...     "revenue": [10.0, 50.0]})
    >>> evaluate(scores, truth).set_index(["metric", "score"])["value"]["roc_auc"].tolist()
    [1.0, 1.0, 1.0]
    """
    if horizon_days not in HORIZONS:
        raise InputError(f"horizon_days must be one of {HORIZONS}: the truth knows no other.")
    both = _join(scores, truth)
    churn = f"no_purchase_next_{horizon_days}d"
    rows = _churn_figures(both, churn, both[f"purchases_next_{horizon_days}d"] == 0)
    rows += _alive_figures(both)
    rows += _value_figures(both)
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def compare(figures: pd.DataFrame) -> pd.DataFrame:
    """Return each comparison of `COMPARISONS` with its verdict.

    Columns: ``metric``, ``score``, ``baseline``, ``value``, ``baseline_value``, ``n`` and
    ``beats`` (True when the score is strictly better; False too when either is NaN).
    """
    value = {(r.metric, r.score): (r.value, r.n) for r in figures.itertuples()}
    rows = []
    for metric, score, baseline in COMPARISONS:
        mine, n = value.get((metric, score), (math.nan, 0))
        theirs, _ = value.get((metric, baseline), (math.nan, 0))
        better = mine < theirs if metric in LOWER_IS_BETTER else mine > theirs
        rows.append((metric, score, baseline, mine, theirs, n, bool(better)))
    return pd.DataFrame(rows, columns=["metric", "score", "baseline", "value",
                                       "baseline_value", "n", "beats"])


def _join(scores: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
    if missing:
        raise InputError(f"the scores lack the columns {', '.join(missing)}.")
    left = scores[SCORE_COLUMNS].astype({"customer_id": str})
    right = truth[TRUTH_COLUMNS].astype({"external_id": str})
    both = left.merge(right, left_on="customer_id", right_on="external_id", how="inner")
    if both.empty:
        raise InputError("no customer of the scores is in the truth file: is it the truth of "
                         "this shop?")
    return both


def _churn_figures(both: pd.DataFrame, target: str, churned: pd.Series) -> list[tuple]:
    known = both[["churn_risk", "recency_days", "p_alive"]].notna().all(axis=1).to_numpy()
    if not known.any():
        return []
    y = churned.to_numpy()[known]
    candidates = {
        "churn_risk": both["churn_risk"].to_numpy(float)[known],
        "recency": both["recency_days"].to_numpy(float)[known],
        "one_minus_p_alive": 1.0 - both["p_alive"].to_numpy(float)[known],
    }
    # scipy.stats and the churn model's LightGBM take seconds to import; a web page that
    # only names this module's columns should not wait for them (see _spearman too).
    from .churn.metrics import evaluate as score_metrics

    rows = []
    for metric in ("roc_auc", "pr_auc"):
        for name, score in candidates.items():
            rows.append((metric, target, name, score_metrics(y, score)[metric], len(y)))
    return rows


def _alive_figures(both: pd.DataFrame) -> list[tuple]:
    known = both["p_alive"].notna().to_numpy()
    if not known.any():
        return []
    alive = both["alive_at_end"].to_numpy(bool)[known]
    p = both["p_alive"].to_numpy(float)[known]
    constant = np.full(len(alive), alive.mean())
    from .churn.metrics import brier_score

    return [("brier", "alive_at_end", "p_alive", brier_score(alive, p), len(alive)),
            ("brier", "alive_at_end", "constant", brier_score(alive, constant), len(alive))]


def _value_figures(both: pd.DataFrame) -> list[tuple]:
    known = both[["clv", "revenue"]].notna().all(axis=1).to_numpy()
    spend = both["spend_next_365d"].to_numpy(float)[known]
    return [("spearman", "spend_next_365d", name,
             _spearman(both[name].to_numpy(float)[known], spend), int(known.sum()))
            for name in ("clv", "revenue")]


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Return Spearman's rho, NaN when either side is constant or too short."""
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)
