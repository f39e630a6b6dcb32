"""One call from the transactions (and whatever else the shop has) to churn risk and reasons.

`predict_churn` is the entry point of the CLI and the CRM:

1. reads and checks the inputs, materialises the customer-days (`inputs.prepare`);
2. lays out monthly snapshots with complete labels (`schedule.make_schedule`) and computes
   each one's features and labels in the engine (`features`, `labels`);
3. **validation**: fits a `ChurnModel` on early snapshots, calibrates it on later ones and
   measures it on the latest labelled snapshot beside three baselines calibrated the same
   way: days since the last purchase alone, MBG/NBD's 1 - P(alive), and MBG/NBD's
   expected purchases within the horizon (fewer: riskier) (`metrics`);
4. **final model**: refits on every labelled snapshot and scores every active customer as
   of the last day, with up to three reasons each from the model's own contributions
   (`reasons`; `sentences.describe` words them).

The churn horizon is one number of days for the whole shop, chosen from the shop's own
rhythm by default (``horizon="auto"``, `tenure.analytics.churn.horizon`), so that the
risks of two customers are probabilities of the same event and rank.

Large data: the training and calibration snapshots use a deterministic sample of the
customers (their MBG/NBD is fitted on the sample too), so that customers x snapshots stays
under ``max_training_rows``; the test snapshot and the scoring use every customer. A
million customers with 30 snapshots so train on some 13,000 of them, in seconds; what
grows with the customers is the engine's snapshots of all of them and the scoring. The
scored customers' contributions come from LightGBM's TreeSHAP computed once per way rows
fall through a tree (`tenure.analytics.churn.treeshap`), in chunks of
`SCORING_CHUNK_ROWS` that become reasons and are let go. On 10,000,000 purchases of
1,000,000 customers (934,000 scored) the churn step of ``tenure analyze`` took 39 s on a
shared two-core machine, 100 s or more before TreeSHAP was grouped and the snapshots came
from the engine as Arrow (the same scores and reasons). With whole-number customer keys
(as analyze gives them), no order ids and no optional sources, the customer-days are held
as sorted arrays and every snapshot and label is a numpy pass over them
(`tenure.analytics.churn.daily`): on those ten million purchases, alone on the quiet
machine, `predict_churn` took 26 to 28 s and 32 to 34 CPU seconds, against 29 to 30 s
and 39 to 41 CPU seconds through the engine (three runs each, alternated). The features
are the engine's but for the last bits of sums of money (exact here, floats added in the
engine's order there), which move a few of LightGBM's bins: the risks are not the engine
path's to the digit (on that shop 0.007 apart on average). Earlier measurements, before
that: a demo shop (5,000 customers, 3 years, 17,000 to 42,000 purchases) in 3 to 6 s;
1.1 million purchases of 95,000 customers in 15 to 25 s, half of it explaining the 70,000
active customers' scores. MBG/NBD (for BG/NBD) and the booster's BTYD start did not slow
it down: 1.2 million purchases of 100,000 simulated customers, 90-day horizon, took 111 s
before and 89 s after on the same machine under the same load of seven other engineers
(a loaded machine, so only "not slower" is read from it).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from tenure.analytics.messages import N_

from ..exceptions import InputError
from ..history import History
from .calibration import PlattCalibrator
from .features import FEATURES, check_window_days, compute_snapshots, shop_gap
from .horizon import READABLE_DAYS, Horizon, as_horizon, choose_horizon
from .inputs import Prepared, prepare
from .labels import label_snapshots
from .metrics import METRIC_COLUMNS, metric_table
from .model import ChurnModel, btyd_score
from .reasons import FAMILY_OF, like_most, reasons_for
from .schedule import HistoryTooShort, Schedule, make_schedule

#: Features shown beside the risk in `ChurnResult.scores`.
SCORE_FEATURES = [
    "recency_days", "frequency", "typical_gap_days", "overdue_ratio", "orders_90d",
    "orders_prev_90d", "revenue_365d", "returns_365d", "complaints_open", "nps_last",
    "p_alive", "expected_purchases",
]
SCORE_COLUMNS = ["customer_id", "churn_risk", "horizon_days", "reasons", *SCORE_FEATURES]
SNAPSHOT_COLUMNS = ["snapshot", "stage", "role", "customers", "churned", "churn_rate"]
IMPORTANCE_COLUMNS = ["feature", "family", "gain_share", "mean_abs_contribution"]
#: Fewer churners or stayers than this on the test snapshot make the metrics shaky.
MIN_TEST_CLASS = 30

Progress = Callable[[str, int, int], None]


class ChurnWarning(UserWarning):
    """The churn model ran, but its results deserve suspicion (say why before using them)."""


@dataclass
class ChurnResult:
    """Churn risk of every active customer, how good the model is, and how it was built.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per customer active at ``as_of``, riskiest first: ``customer_id``,
        ``churn_risk`` (calibrated probability of no purchase within the horizon; for a
        subscriber, of no contract then), ``horizon_days`` (that horizon), ``reasons``
        (a list of up to three structured reasons, `tenure.analytics.churn.reasons`;
        empty when nothing raises the risk above the average customer's), and the
        features `SCORE_FEATURES`.
    metrics : pandas.DataFrame
        Rows ``model`` (the churn model), ``recency``, ``p_alive`` and
        ``expected_purchases`` (the baselines: days since the last purchase, MBG/NBD's
        1 - P(alive), MBG/NBD's expected purchases within the horizon, fewer = riskier);
        columns `tenure.analytics.churn.metrics.METRIC_COLUMNS`: ``roc_auc, pr_auc,
        lift_top_decile, brier, n, churn_rate``, all on ``test_snapshot``.
    importance : pandas.DataFrame
        ``feature, family, gain_share`` (share of the final trees' gain),
        ``mean_abs_contribution`` (mean |log-odds contribution| over the scored
        customers, the BTYD start counted in ``expected_purchases``), most important
        first by the contribution: the trees' gain does not see the BTYD start the
        booster learns from (`ChurnModel`), so it alone would hide the strongest input.
    snapshots : pandas.DataFrame
        ``snapshot, stage`` ("validation" / "final"), ``role`` ("train", "calibration",
        "test", "score"), ``customers``, ``churned``, ``churn_rate`` (NaN when scoring).
    as_of : date
        The day the customers are scored as of.
    test_snapshot : date
    horizon : Horizon
        The churn horizon: ``horizon.days`` the days (one for the whole shop unless
        ``horizon="rhythm"`` was asked), ``horizon.describe()`` it in words ("no
        purchase within 90 days"), ``horizon.reasoning()`` how "auto" chose it.
    model : ChurnModel
        The final model (it scores feature rows of `churn_features`).
    notes : list of str
        How the horizon was chosen, then what deserves a look: MBG/NBD fits that
        warned, the sample used, weak metrics.
    timings : dict
        Seconds per step.
    """

    scores: pd.DataFrame
    metrics: pd.DataFrame
    importance: pd.DataFrame
    snapshots: pd.DataFrame
    as_of: date
    test_snapshot: date
    horizon: Horizon
    model: ChurnModel
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


#: The horizons, in days, ``horizon="auto"`` chooses from (`horizon.READABLE_DAYS`).
AUTO_HORIZONS: tuple[int, ...] = READABLE_DAYS


def predict_churn(tx: Any, *, as_of: Any = None, horizon: Any = "auto",
                  window_days: int = 365, feedback: Any = None, complaints: Any = None,
                  interactions: Any = None, messages: Any = None, subscriptions: Any = None,
                  con: Any = None, progress: Progress | None = None, step_days: int = 30,
                  max_training_rows: int = 400_000, seed: int = 0,
                  threads: int = 1, scoring_threads: int | None = None,
                  arrays: History | None = None) -> ChurnResult:
    """Fit, validate and apply the churn model; return risks with reasons and metrics.

    Parameters
    ----------
    tx : ibis.Table, pandas.DataFrame, pyarrow.Table or path
        Canonical transactions (`tenure.analytics.frames.transactions`).
    as_of : date, datetime or ISO string, optional
        Score as of this day; later data are ignored. Default: the last transaction's day.
    horizon : "auto", int, "rhythm" or Horizon
        Churn = no purchase within this many days after a snapshot. "auto" (default):
        one horizon for the whole shop, about 2 x the shop's typical gap between
        purchases rounded to one of `AUTO_HORIZONS` (30, 60, 90, 120, 180, 270, 365),
        shortened when the history is too short to learn and test it
        (`tenure.analytics.churn.horizon.choose_horizon`; the first note says how it was
        chosen); an int: that many days; "rhythm": each customer's own, 2 x their typical
        gap, 30 to 365 days (their risks are then of different events and do not rank).
    window_days : int
        Customers who bought within this many days (or hold an active contract) are
        scored and learnt from.
    feedback, complaints, interactions, messages, subscriptions : table, optional
        The optional sources (`tenure.analytics.churn.sources`), any subset.
    con : ibis DuckDB backend, optional
        Where frames and files are read and the customer-days materialised (a new
        in-memory DuckDB when omitted); an Ibis ``tx`` computes on its own backend.
    progress : callable, optional
        Called as ``progress(step, done, total)`` as the work advances.
    step_days : int
        Days between snapshots (30: monthly).
    max_training_rows : int
        Cap of customers x training snapshots; above it a deterministic sample of the
        customers trains and calibrates.
    seed : int
        Seeds the sample and LightGBM.
    threads : int
        LightGBM threads for the fits (their results may depend on it).
    scoring_threads : int, optional
        Threads that compute the scored customers' contributions and the test snapshot's
        predictions, each on its own chunk of customers (`ChurnModel.contributions`,
        `ChurnModel.log_odds`; the results do not depend on it).
        Default: ``threads``.
    arrays : History, optional
        The transactions ``tx`` already fetched sorted by customer and time
        (`tenure.analytics.history.fetch`), to be read instead of fetched again when the
        customer-days are held as arrays (`tenure.analytics.churn.inputs`).

    Returns
    -------
    ChurnResult

    Raises
    ------
    InputError
        A table lacks a column or holds bad values, or the history is too short for the
        horizon (the message says how many days are needed).

    Warns
    -----
    ChurnWarning
        The model does not rank better than a baseline on the test snapshot, or the
        test snapshot has too few churners or stayers for its metrics to mean much.
    """
    auto = isinstance(horizon, str) and horizon == "auto"
    spec = None if auto else as_horizon(horizon)
    window = check_window_days(window_days)
    clock = _Clock(progress)
    data = prepare(tx, con=con, as_of=as_of, feedback=feedback, complaints=complaints,
                   interactions=interactions, messages=messages, subscriptions=subscriptions,
                   arrays=arrays)
    try:
        end = data.day_of(as_of, "as_of") if as_of is not None else data.last_day
        if spec is None:
            spec = shop_horizon(data, end, step_days=step_days)
        plan = make_schedule(data.first_day, end, spec, step_days=step_days)
        clock.total = 5
        labelled, notes = _labelled_snapshots(data, plan, spec, window, max_training_rows,
                                              seed, clock)
        # The scoring snapshot's features too, before the fits: the customer-days (the
        # engine's table or the arrays, hundreds of megabytes for a million customers)
        # are then let go while the models learn.
        scoring = compute_snapshots(data.days, [plan.score], horizon=spec,
                                    window_days=window, sources=data.sources)[plan.score]
    finally:
        data.close()
    reasoning = spec.reasoning()
    notes[:0] = [reasoning] if reasoning else []
    clock.step("validation")
    validation = _fit(labelled, plan.validation_train, plan.validation_calibration,
                      seed, threads)
    metrics = _metrics(validation, labelled, plan, scoring_threads or threads)
    clock.step("final model")
    model = _fit(labelled, plan.final_train, plan.final_calibration, seed, threads).model
    churned = {s: snap.churned for s, snap in labelled.items()}
    # The scores of a million customers need the memory the feature frames hold.
    del labelled, validation
    clock.step("scoring")
    notes += scoring.notes
    trained = [*plan.final_train, *plan.final_calibration]
    churn_rate = float(np.mean(np.concatenate([churned[d] for d in trained])))
    scores, contribution = _scores(model, scoring.frame, churn_rate,
                                   scoring_threads or threads)
    clock.step(None)
    notes += _suspicions(metrics)
    return ChurnResult(
        scores=scores, metrics=metrics, importance=_importance(model, contribution),
        snapshots=_snapshot_table(churned, plan, len(scores)), as_of=plan.score,
        test_snapshot=plan.test, horizon=spec, model=model, notes=notes,
        timings=clock.timings)


def shop_horizon(data: Prepared, end: date, *, step_days: int = 30) -> Horizon:
    """Return the shop-wide horizon ``"auto"`` means for these data as of ``end``.

    About 2 x the shop's typical gap between purchases (`features.shop_gap`), rounded
    to a readable number of days, or the longest shorter one whose snapshots the history
    holds (`tenure.analytics.churn.horizon.choose_horizon`).
    """
    def fits(days: int) -> bool:
        try:
            make_schedule(data.first_day, end, Horizon(days=days), step_days=step_days)
        except HistoryTooShort:
            return False
        return True

    return choose_horizon(shop_gap(data.days, end), fits)


# -- snapshots ------------------------------------------------------------------------------


@dataclass
class _Labelled:
    frame: pd.DataFrame  # customer_id, FEATURES
    churned: np.ndarray


def _labelled_snapshots(data: Prepared, plan: Schedule, spec: Horizon, window: int,
                        max_rows: int, seed: int, clock: _Clock
                        ) -> tuple[dict[date, _Labelled], list[str]]:
    """Return every labelled snapshot's features and labels, and the notes on the way."""
    learning = [s for s in plan.labelled if s != plan.test]
    fraction = min(1.0, max_rows / max(data.customers * max(len(learning), 1), 1))
    notes: list[str] = []
    if fraction < 1:
        notes.append(f"Training and calibration use a sample of {fraction:.1%} of the "
                     f"{data.customers:,} customers (max_training_rows={max_rows:,}); the "
                     f"test snapshot and the scores use every customer.")
    sampled = data.sample(fraction, seed=seed)
    out: dict[date, _Labelled] = {}
    for days, dates in ((sampled, learning), (data.days, [plan.test])):
        clock.step(f"snapshots ({len(dates)})")
        snaps = compute_snapshots(days, dates, horizon=spec, window_days=window,
                                  sources=data.sources)
        frames = {s: snap.frame for s, snap in snaps.items()}
        labels = label_snapshots(days, frames, longest=spec.longest, sources=data.sources)
        for s, snap in snaps.items():
            notes += snap.notes
            out[s] = _Labelled(snap.frame, labels[s])
    return out, notes


def _rows(labelled: dict[date, _Labelled], dates: list[date]
          ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    frames = [labelled[s].frame for s in dates]
    rows = pd.concat(frames, ignore_index=True)
    churned = np.concatenate([labelled[s].churned for s in dates])
    when = np.concatenate([np.full(len(labelled[s].frame), np.datetime64(s)) for s in dates])
    return rows, churned, when


@dataclass
class _Fitted:
    model: ChurnModel
    calibration: pd.DataFrame
    calibration_churned: np.ndarray


def _fit(labelled: dict[date, _Labelled], train: list[date], calibration: list[date],
         seed: int, threads: int) -> _Fitted:
    x, y, when = _rows(labelled, train)
    cx, cy, _ = _rows(labelled, calibration)
    model = ChurnModel(seed=seed, threads=threads).fit(x, y, when, cx, cy)
    return _Fitted(model, cx, cy)


# -- validation -----------------------------------------------------------------------------


def _metrics(fitted: _Fitted, labelled: dict[date, _Labelled], plan: Schedule,
             threads: int = 1) -> pd.DataFrame:
    """Return the model's and the baselines' metrics on the test snapshot."""
    test = labelled[plan.test]
    if len(test.churned) == 0:
        raise InputError(f"no customer was active at the test snapshot {plan.test}: there "
                         "is nothing to measure the model on. Check the activity window.")
    cal, cy = fitted.calibration, fitted.calibration_churned
    scores = {"model": fitted.model.predict_proba(test.frame, threads=threads)}
    for name, baseline in _BASELINES.items():
        z_cal, z_test = baseline(cal), baseline(test.frame)
        fill = float(np.nanmedian(z_cal)) if np.isfinite(z_cal).any() else 0.0
        z_cal, z_test = np.nan_to_num(z_cal, nan=fill), np.nan_to_num(z_test, nan=fill)
        scores[name] = PlattCalibrator().fit(z_cal, cy).predict(z_test)
    return metric_table(test.churned, scores)[METRIC_COLUMNS]


def _recency_score(rows: pd.DataFrame) -> np.ndarray:
    return np.log1p(rows["recency_days"].to_numpy(dtype=float))


def _p_alive_score(rows: pd.DataFrame) -> np.ndarray:
    gone = np.clip(1 - rows["p_alive"].to_numpy(dtype=float), 1e-6, 1 - 1e-6)
    return np.log(gone / (1 - gone))


#: The baselines, each a score on a scale where Platt's logistic curve is plausible.
_BASELINES = {"recency": _recency_score, "p_alive": _p_alive_score,
              "expected_purchases": btyd_score}


#: The baselines in the words of a note.
_BASELINE_WORDS = {"recency": N_("days since the last purchase"),
                   "p_alive": N_("MBG/NBD's P(alive)"),
                   "expected_purchases": N_("MBG/NBD's expected purchases")}


def _suspicions(metrics: pd.DataFrame) -> list[str]:
    by = metrics.set_index("model")
    notes = []
    n, rate = int(by.loc["model", "n"]), float(by.loc["model", "churn_rate"])
    churners, stayers = round(n * rate), n - round(n * rate)
    if min(churners, stayers) < MIN_TEST_CLASS:
        notes.append(N_("The test snapshot has {churners} churners and {stayers} stayers: "
                        "its metrics rest on few customers.").format(churners=churners,
                                                                      stayers=stayers))
    for baseline, words in _BASELINE_WORDS.items():
        if not by.loc["model", "roc_auc"] > by.loc[baseline, "roc_auc"]:
            notes.append(N_(
                "The churn model does not rank customers better than {baseline} alone on the "
                "test snapshot (ROC AUC {model_auc} against {baseline_auc}); its risks and "
                "reasons may mislead.").format(
                    baseline=words, model_auc=f"{by.loc['model', 'roc_auc']:.3f}",
                    baseline_auc=f"{by.loc[baseline, 'roc_auc']:.3f}"))
    for note in notes:
        warnings.warn(note, ChurnWarning, stacklevel=3)
    return notes


# -- scores ---------------------------------------------------------------------------------


#: Customers scored at a time: their contributions (a row of floats each) are summed into
#: families and let go before the next.
SCORING_CHUNK_ROWS = 100_000


def _scores(model: ChurnModel, frame: pd.DataFrame, churn_rate: float, threads: int
            ) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the scores table, riskiest first, and each feature's mean |contribution|."""
    risk = np.empty(len(frame))
    reasons: list[list[dict[str, Any]]] = []
    total = np.zeros(len(FEATURES))
    shared: dict[tuple[Any, ...], dict[str, Any]] = {}  # equal reasons, one dict
    for start in range(0, len(frame), SCORING_CHUNK_ROWS):
        part = frame.iloc[start:start + SCORING_CHUNK_ROWS]
        contributions = model.contributions(part, threads=threads)
        # A row's contributions sum to its log-odds (TreeSHAP is exact): the risk needs no
        # second pass through the trees.
        risk[start:start + len(part)] = model.calibrator_.predict(
            contributions.to_numpy().sum(axis=1))
        reasons += reasons_for(part, contributions, shared=shared)
        total += np.abs(contributions[list(FEATURES)].to_numpy()).sum(axis=0)
    horizons = frame["horizon_days"].to_numpy().astype("int64")
    reasons = like_most(reasons, churn_rate, horizons)
    # The frame is sorted by customer (`compute_snapshots`): a stable sort by risk keeps
    # the customers of equal risk in that order.
    order = np.argsort(-risk, kind="stable")
    table = pd.DataFrame({
        "customer_id": frame["customer_id"].array[order],
        "churn_risk": risk[order], "horizon_days": horizons[order],
        "reasons": pd.Series(reasons, dtype=object).to_numpy()[order],
        **{name: frame[name].to_numpy()[order] for name in SCORE_FEATURES},
    })
    return table[SCORE_COLUMNS], total / max(len(frame), 1)


def _importance(model: ChurnModel, contribution: np.ndarray) -> pd.DataFrame:
    table = model.importance()
    table["family"] = table["feature"].map(FAMILY_OF)
    table["mean_abs_contribution"] = contribution
    table = table.sort_values(["mean_abs_contribution", "gain_share", "feature"],
                              ascending=[False, False, True])
    return table[IMPORTANCE_COLUMNS].reset_index(drop=True)


def _snapshot_table(churned: dict[date, np.ndarray], plan: Schedule, scored: int
                    ) -> pd.DataFrame:
    rows: list[tuple[Any, ...]] = []
    roles = [("validation", "train", plan.validation_train),
             ("validation", "calibration", plan.validation_calibration),
             ("validation", "test", [plan.test]),
             ("final", "train", plan.final_train),
             ("final", "calibration", plan.final_calibration)]
    for stage, role, dates in roles:
        for s in sorted(dates):
            y = churned[s]
            rows.append((pd.Timestamp(s), stage, role, len(y), int(y.sum()),
                         float(y.mean()) if len(y) else np.nan))
    rows.append((pd.Timestamp(plan.score), "final", "score", scored, np.nan, np.nan))
    return pd.DataFrame(rows, columns=SNAPSHOT_COLUMNS)


class _Clock:
    """Step timer that reports progress: ``step(name)`` starts a step, None ends."""

    def __init__(self, progress: Progress | None):
        self.progress = progress
        self.total = 0
        self.done = 0
        self.timings: dict[str, float] = {}
        self._current: str | None = None
        self._started = time.perf_counter()

    def step(self, name: str | None) -> None:
        now = time.perf_counter()
        if self._current is not None:
            key = "snapshots" if self._current.startswith("snapshots") else self._current
            self.timings[key] = self.timings.get(key, 0.0) + now - self._started
            self.done += 1
        self._current, self._started = name, now
        if self.progress is not None:
            self.progress(name or "done", self.done, self.total)
