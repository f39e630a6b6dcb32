"""Churn risk with plain-language reasons (DESIGN.md, "Prediction").

- `predict_churn`: the entry point: one churn horizon for the whole shop chosen from its
  rhythm (`horizon`), features and labels at monthly snapshots, LightGBM started from
  MBG/NBD's expectation with time-based validation and Platt calibration, metrics beside
  three baselines, risk and reasons for every active customer (`ChurnResult`);
- `churn_features` and `churn_labels`: one snapshot's features and labels
  (`features`, `labels`, `horizon`);
- `ChurnModel`: the calibrated classifier (`model`);
- `describe`: a reason as a sentence in English, Russian or Ukrainian (`sentences`);
- the optional sources' readers (`sources`) and the metrics (`metrics`).

One module per concern; this package only gathers their public names.
"""

from __future__ import annotations

from tenure.analytics.churn.features import FEATURES, churn_features
from tenure.analytics.churn.horizon import Horizon
from tenure.analytics.churn.labels import churn_labels
from tenure.analytics.churn.metrics import METRIC_COLUMNS, brier_score, evaluate, lift_top_decile
from tenure.analytics.churn.model import ChurnModel
from tenure.analytics.churn.predict import (
    AUTO_HORIZONS,
    IMPORTANCE_COLUMNS,
    SCORE_COLUMNS,
    SCORE_FEATURES,
    SNAPSHOT_COLUMNS,
    ChurnResult,
    ChurnWarning,
    predict_churn,
)
from tenure.analytics.churn.reasons import FAMILIES, reasons_for
from tenure.analytics.churn.schedule import HistoryTooShort
from tenure.analytics.churn.sentences import LANGUAGES, describe
from tenure.analytics.churn.sources import complaints, interactions, messages, subscriptions

__all__ = [
    "AUTO_HORIZONS", "FAMILIES", "FEATURES", "IMPORTANCE_COLUMNS", "LANGUAGES", "METRIC_COLUMNS",
    "SCORE_COLUMNS", "SCORE_FEATURES", "SNAPSHOT_COLUMNS", "ChurnModel", "ChurnResult",
    "ChurnWarning", "HistoryTooShort", "Horizon", "brier_score", "churn_features", "churn_labels",
    "complaints", "describe", "evaluate", "interactions", "lift_top_decile", "messages",
    "predict_churn", "reasons_for", "subscriptions",
]
