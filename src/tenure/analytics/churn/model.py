"""The churn classifier: gradient-boosted trees (LightGBM) with Platt-calibrated output.

`ChurnModel` learns P(churn | features) from labelled snapshot rows in two parts:

1. **a BTYD start**: the booster does not start from the average churn rate but from the
   log-odds MBG/NBD gives: with :math:`E_i` the customer's expected purchases within
   the horizon (`tenure.analytics.churn.btyd`), a Poisson count is 0 with probability
   :math:`e^{-E_i}`, whose log-odds are :math:`z_i = -\\ln(e^{E_i} - 1)`; a logistic
   curve :math:`a z_i + b` fitted on the training rows (`PlattCalibrator`) is each
   row's starting margin (LightGBM's ``init_score``);
2. **trees that correct it**: the boosted trees learn what the purchase model cannot
   see (complaints, answers, returns, a season, a slowing trend) as additions to that
   margin.

Why: recency and frequency, through a BTYD model, are most of what a shop's purchase
history says about churn; trees that must rediscover that smooth surface from a few
snapshots spend their splits on it and rank worse than the BTYD expectation alone (on
CDNOW's first nine months, 0.777 against 0.783 ROC AUC on the 30-day test snapshot). Started
from it, early stopping decides how many corrections the later snapshots support, down
to few when there is nothing to add.

The booster's number of trees is chosen by early stopping on its own latest training
snapshots (time-ordered: the trees are judged on rows later than those they learn from),
then the booster is refitted on every training row with that many trees. Its log-odds
(start plus trees) are calibrated by Platt scaling
(`tenure.analytics.churn.calibration`) on a *held-out* set of rows, later snapshots the
booster never saw, so the probabilities are honest about the future rather than about
the training rows.

Everything is seeded and deterministic (LightGBM's ``deterministic`` mode, row-wise
histograms, a fixed thread count): the same rows give the same model and the same scores.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from tenure.analytics.messages import N_

from ..exceptions import InputError, NotFittedError
from . import treeshap
from .calibration import PlattCalibrator
from .features import FEATURES

#: Share of the training snapshots (the latest) that judge the number of trees.
EARLY_STOPPING_SHARE = 0.25
#: Trees without improvement before early stopping gives up.
PATIENCE = 40
#: Rows of one chunk of `ChurnModel.log_odds` on several threads.
PREDICTION_CHUNK_ROWS = 200_000
#: Rows of one chunk of `ChurnModel.contributions` (`tenure.analytics.churn.treeshap`).
CONTRIBUTION_CHUNK_ROWS = 50_000


class ChurnModel:
    """LightGBM churn classifier with Platt-calibrated probabilities.

    Parameters
    ----------
    max_trees : int
        Upper bound of the number of trees (early stopping picks the number).
    learning_rate, leaves, min_leaf_rows : float, int, int
        LightGBM's ``learning_rate``, ``num_leaves`` and ``min_data_in_leaf``.
    threads : int
        LightGBM threads. One by default: its OpenMP threads wait for each other by
        spinning, and on a busy two-core machine two threads ran three to ten times slower
        than one.
    seed : int
        Seeds LightGBM's row and feature sampling and the early-stopping split.

    Attributes
    ----------
    booster_ : lightgbm.Booster
        The trees, refitted on every training row.
    start_ : PlattCalibrator
        The BTYD start: the training rows' churn against the log-odds of no purchase in
        the horizon under MBG/NBD (`btyd_score`).
    start_fill_ : float
        The score of a row without BTYD prediction (the training rows' median).
    calibrator_ : PlattCalibrator
        Log-odds to probability, fitted on the held-out rows.
    trees_ : int
        The number of trees early stopping chose.
    features_ : list of str
        The input columns, `FEATURES`.
    """

    def __init__(self, *, max_trees: int = 600, learning_rate: float = 0.1,
                 leaves: int = 15, min_leaf_rows: int = 100, threads: int = 1,
                 seed: int = 0) -> None:
        self.max_trees = max_trees
        self.learning_rate = learning_rate
        self.leaves = leaves
        self.min_leaf_rows = min_leaf_rows
        self.threads = threads
        self.seed = seed

    def __repr__(self) -> str:
        return (f"ChurnModel(max_trees={self.max_trees}, learning_rate={self.learning_rate}, "
                f"leaves={self.leaves}, min_leaf_rows={self.min_leaf_rows}, "
                f"threads={self.threads}, seed={self.seed})")

    def fit(self, train: pd.DataFrame, churned: np.ndarray, snapshots: np.ndarray,
            calibration: pd.DataFrame, calibration_churned: np.ndarray) -> ChurnModel:
        """Fit the booster on ``train`` and the calibration on held-out rows; return self.

        Parameters
        ----------
        train : pandas.DataFrame
            Feature rows (the `FEATURES` columns) of the training snapshots.
        churned : array of bool
            Their labels.
        snapshots : array
            Each training row's snapshot date: the latest quarter of the snapshots judge
            the number of trees (a random quarter of customers when there is one snapshot).
        calibration : pandas.DataFrame
            Feature rows of later snapshots, held out from the booster.
        calibration_churned : array of bool
            Their labels.
        """
        x, y = _matrix(train), np.asarray(churned, dtype=bool)
        _check_labels(y, N_("training"))
        _check_labels(np.asarray(calibration_churned, dtype=bool), N_("calibration"))
        self.features_ = list(FEATURES)
        z = btyd_score(train)
        self.start_fill_ = float(np.nanmedian(z)) if np.isfinite(z).any() else 0.0
        self.start_ = PlattCalibrator().fit(np.nan_to_num(z, nan=self.start_fill_), y)
        start = self._start(train)
        self.trees_ = self._trees(x, y, start, np.asarray(snapshots))
        data = lgb.Dataset(x, label=y.astype(float), feature_name=self.features_,
                           init_score=start, free_raw_data=True)
        self.booster_ = lgb.train(self._params(), data, num_boost_round=self.trees_)
        held_out = self.log_odds(calibration)
        self.calibrator_ = PlattCalibrator().fit(held_out, calibration_churned)
        return self

    def _start(self, rows: pd.DataFrame) -> np.ndarray:
        """Return each row's starting margin: the BTYD log-odds, calibrated on training."""
        z = np.nan_to_num(btyd_score(rows), nan=self.start_fill_)
        return self.start_.log_odds(z)

    def _trees(self, x: np.ndarray, y: np.ndarray, start: np.ndarray,
               snapshots: np.ndarray) -> int:
        """Return the number of trees that predicts the latest training snapshots best."""
        late = _late_rows(snapshots, self.seed)
        if late.all() or not late.any() or len(np.unique(y[late])) < 2:
            return min(200, self.max_trees)
        fit = lgb.Dataset(x[~late], label=y[~late].astype(float),
                          feature_name=list(FEATURES), init_score=start[~late])
        valid = lgb.Dataset(x[late], label=y[late].astype(float), reference=fit,
                            init_score=start[late])
        booster = lgb.train(
            self._params(), fit, num_boost_round=self.max_trees, valid_sets=[valid],
            callbacks=[lgb.early_stopping(PATIENCE, verbose=False)])
        return max(int(booster.best_iteration or self.max_trees), 1)

    def _params(self) -> dict[str, Any]:
        # Strong regularisation (100 rows a leaf, L2 = 10): a small shop's validation model
        # learns from a few thousand rows of its first year. On four seeded demo shops and
        # the tests' shop it so beat recency alone on all 4 x 5 metrics; 40 rows and L2 = 1
        # lost two of them.
        return {
            "objective": "binary", "learning_rate": self.learning_rate,
            "num_leaves": self.leaves, "min_data_in_leaf": self.min_leaf_rows,
            # Shallow trees: TreeSHAP's cost grows with the square of the depth, and the
            # reasons of a million customers come from it.
            "max_depth": 5,
            "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1,
            "lambda_l2": 10.0, "max_bin": 127, "metric": "binary_logloss",
            "seed": self.seed, "deterministic": True, "force_row_wise": True,
            "num_threads": self.threads, "verbose": -1,
        }

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_"):
            raise NotFittedError("this ChurnModel is not fitted yet: call fit first.")

    def log_odds(self, rows: pd.DataFrame, *, threads: int | None = None) -> np.ndarray:
        """Return the uncalibrated log-odds of churn for each row: start plus trees.

        ``threads`` (default: the model's) predict chunks of `PREDICTION_CHUNK_ROWS` rows
        side by side, as `contributions` does.
        """
        self._check_fitted()
        x = _matrix(rows)
        trees = np.empty(len(x))

        def chunk(start: int, booster: lgb.Booster) -> None:
            part = x[start:start + PREDICTION_CHUNK_ROWS]
            trees[start:start + len(part)] = booster.predict(part, raw_score=True)

        self._by_chunks(len(x), PREDICTION_CHUNK_ROWS, threads or self.threads, chunk)
        return self._start(rows) + trees

    def predict_proba(self, rows: pd.DataFrame, *, threads: int | None = None) -> np.ndarray:
        """Return the calibrated probability of churn within the horizon for each row."""
        return self.calibrator_.predict(self.log_odds(rows, threads=threads))

    def contributions(self, rows: pd.DataFrame, *, threads: int | None = None
                      ) -> pd.DataFrame:
        """Return each feature's contribution to each row's log-odds (TreeSHAP).

        One column per feature plus ``bias``; a row sums to its `log_odds`. Positive
        values raise the risk (Platt scaling is increasing, so they raise the calibrated
        probability too). The BTYD start is linear in one score, so its part is exact:
        its distance from the training rows' mean start goes to ``expected_purchases``,
        the mean to ``bias``.

        ``threads`` (default: the model's) compute chunks of `CONTRIBUTION_CHUNK_ROWS`
        rows side by side. Each row's values are computed alone, so they do not depend
        on the number of threads or the chunks.
        """
        self._check_fitted()
        values = self._tree_shap(_matrix(rows), threads or self.threads)
        table = pd.DataFrame(values, columns=[*self.features_, "bias"], index=rows.index)
        start = self._start(rows)
        middle = self.start_.log_odds(np.array([self.start_.center_]))[0]
        table["expected_purchases"] += start - middle
        table["bias"] += middle
        return table

    def _tree_shap(self, x: np.ndarray, threads: int) -> np.ndarray:
        out = np.empty((len(x), len(self.features_) + 1))
        trees = treeshap.tree_splits(self.booster_)

        def chunk(start: int, booster: lgb.Booster) -> None:
            part = x[start:start + CONTRIBUTION_CHUNK_ROWS]
            out[start:start + len(part)] = treeshap.contributions(booster, part, trees)

        self._by_chunks(len(x), CONTRIBUTION_CHUNK_ROWS, threads, chunk)
        return out

    def _by_chunks(self, rows: int, size: int, threads: int,
                   work: Callable[[int, lgb.Booster], None]) -> None:
        """Call ``work(start, booster)`` for each chunk of ``size`` rows.

        On several threads, each chunk gets a booster of its own (`treeshap`: one booster
        is not safe to share), and Python threads run the chunks side by side (LightGBM
        and numpy release the GIL): a busy core slows one chunk, not every step of an
        OpenMP loop whose threads spin waiting for each other (see `threads`). The chunks
        also bound the buffers to a chunk. Each row is computed alone, so the results do
        not depend on the threads or the chunks.
        """
        starts = range(0, rows, size)
        if threads <= 1 or len(starts) <= 1:
            for start in starts:
                work(start, self.booster_)
            return
        text = self.booster_.model_to_string()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda start: work(start, lgb.Booster(model_str=text)), starts))

    def importance(self) -> pd.DataFrame:
        """Return ``feature`` and ``gain_share`` (its share of the trees' total gain)."""
        self._check_fitted()
        gain = np.asarray(self.booster_.feature_importance(importance_type="gain"),
                          dtype=float)
        share = gain / gain.sum() if gain.sum() > 0 else gain
        return pd.DataFrame({"feature": self.features_, "gain_share": share})


def btyd_score(rows: pd.DataFrame) -> np.ndarray:
    """Return the log-odds of no purchase within the horizon under the BTYD model.

    A Poisson count with mean :math:`E` (``expected_purchases``) is 0 with probability
    :math:`e^{-E}`, whose log-odds are :math:`-\\ln(e^{E} - 1)`. NaN where the BTYD
    model gave no prediction.
    """
    expected = np.clip(rows["expected_purchases"].to_numpy(dtype=float), 1e-9, 50.0)
    return -np.log(np.expm1(expected))


def _matrix(rows: pd.DataFrame) -> np.ndarray:
    missing = [c for c in FEATURES if c not in rows.columns]
    if missing:
        raise InputError(f"the feature rows lack {', '.join(missing)}; build them with "
                         "tenure.analytics.churn.churn_features.")
    # Column by column into one matrix: selecting the columns and then filling the
    # missing values made two copies of a million rows' matrix on the way.
    out = np.empty((len(rows), len(FEATURES)))
    for j, name in enumerate(FEATURES):
        out[:, j] = rows[name].to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _late_rows(snapshots: np.ndarray, seed: int) -> np.ndarray:
    """Return the rows of the latest quarter of the snapshots (or of a random quarter)."""
    distinct = np.unique(snapshots)
    if len(distinct) >= 2:
        n_late = max(1, int(round(EARLY_STOPPING_SHARE * len(distinct))))
        return np.isin(snapshots, distinct[-n_late:])
    return np.random.default_rng(seed).random(len(snapshots)) < EARLY_STOPPING_SHARE


def _check_labels(y: np.ndarray, what: str) -> None:
    if len(y) == 0:
        raise InputError(N_("there are no {what} rows: no customer was active at the "
                            "{what} snapshots.").format(what=what))
    if y.all() or not y.any():
        message = N_("every {what} customer churned: the model has nothing to learn from. "
                     "Check the horizon and the activity window.") if y.all() else N_(
            "every {what} customer stayed: the model has nothing to learn from. Check the "
            "horizon and the activity window.")
        raise InputError(message.format(what=what))
