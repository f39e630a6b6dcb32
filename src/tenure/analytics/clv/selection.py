"""Choose the purchase model of a shop on a holdout, as Fader & Hardie compare theirs.

Each candidate is fitted on the history up to a calibration end and asked what each customer
buys in the holdout period after it (`tenure.analytics.clv.holdout`); the one with the smallest
mean absolute error per customer is refitted on the whole history. The CRM's refresh and
``tenure analyze`` both call `select_purchase_model`, so both score customers with the same
model.

Only models whose P(alive) means something for a customer without a repeat purchase are
candidates: BG/NBD assumes a customer can only drop out just after a purchase, so it gives
P(alive) = 1 to everyone with frequency 0, however long ago their one order was (Fader,
Hardie & Lee 2005, section 5). Pareto/NBD and MBG/NBD let a customer leave before buying
again. BG/NBD stays in the comparison for reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import ibis
import pandas as pd

from ..exceptions import InputError
from ..summary import customer_summary
from . import holdout
from .bgnbd import BetaGeo
from .mbgnbd import ModifiedBetaGeo
from .pnbd import ParetoNBD

#: The continuous-time purchase models (MBG/NBD is a BetaGeo).
PurchaseModel = BetaGeo | ParetoNBD
#: Models that may be chosen: their P(alive) falls for one-time buyers as time passes.
CANDIDATES: tuple[type[PurchaseModel], ...] = (ParetoNBD, ModifiedBetaGeo)
#: Models compared for reference only (BG/NBD: P(alive) = 1 at frequency 0).
REFERENCE: tuple[type[PurchaseModel], ...] = (BetaGeo,)
#: The model used when there is too little history to compare on a holdout.
FALLBACK: type[PurchaseModel] = ModifiedBetaGeo
HOLDOUT_DAYS = 180
MIN_REPEAT_BUYERS = 30
#: Above this many customers the comparison is fitted on a deterministic sample of them.
MAX_CUSTOMERS = 20_000


@dataclass
class Selection:
    """What `select_purchase_model` returns.

    Attributes
    ----------
    model : BetaGeo or ParetoNBD
        The chosen model, fitted on every customer's whole history up to ``as_of``.
    label : str
        Its name (``model.label``: "Pareto/NBD", "MBG/NBD").
    comparison : pandas.DataFrame or None
        One row per compared model (`tenure.analytics.clv.holdout.ModelComparison.metrics`
        with ``model`` as a column), candidates and reference alike; None when there was no
        comparison.
    by_frequency : pandas.DataFrame or None
        Mean actual and predicted holdout purchases by calibration frequency.
    calibrated : BetaGeo or ParetoNBD, or None
        The chosen model as fitted on the calibration period (for the tracking chart).
    calibration_end : date
        Last day of the calibration period.
    holdout_days : int
        Length of the holdout period.
    compared_customers : int
        Customers the comparison was fitted on (a sample when there are many).
    notes : list of str
        Why a model was or was not chosen, the sample used.
    """

    model: PurchaseModel
    label: str
    comparison: pd.DataFrame | None
    by_frequency: pd.DataFrame | None
    calibrated: PurchaseModel | None
    calibration_end: date
    holdout_days: int
    compared_customers: int = 0
    notes: list[str] = field(default_factory=list)


def select_purchase_model(
    tx: Any,
    as_of: Any,
    *,
    holdout_days: int = HOLDOUT_DAYS,
    candidates: Sequence[type[PurchaseModel]] = CANDIDATES,
    reference: Sequence[type[PurchaseModel]] = REFERENCE,
    min_repeat_buyers: int = MIN_REPEAT_BUYERS,
    max_customers: int = MAX_CUSTOMERS,
    unit: str = "day",
    summary: pd.DataFrame | None = None,
) -> Selection:
    """Compare purchase models on a holdout and fit the best one on the whole history.

    The holdout is the last ``holdout_days`` days before ``as_of``, or the last third of
    the history when that is shorter. Every model in ``candidates`` and ``reference`` is
    fitted on the calibration period and predicts each customer's holdout purchases; the
    candidate with the smallest mean absolute error is chosen (Fader, Hardie & Lee 2005,
    "Counting your customers the easy way", section 6) and refitted on the summary at
    ``as_of``. A reference model is shown in the comparison, never chosen.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (`tenure.analytics.frames.transactions`).
    as_of : date, datetime or ISO string
        The snapshot date: the end of the holdout and of the final fit.
    holdout_days : int
        Longest holdout period, in days.
    candidates : sequence of model classes
        Models that may be chosen (default Pareto/NBD and MBG/NBD).
    reference : sequence of model classes
        Models compared for reference only (default BG/NBD).
    min_repeat_buyers : int
        Fewer repeat buyers than this in the calibration period: no comparison, the first
        candidate (MBG/NBD by default) is used, with a note.
    max_customers : int
        Above this many customers, the comparison is fitted on a deterministic sample of
        this size (chosen by a hash of the customer id); the chosen model is still fitted
        on everyone.
    unit : {"day", "week", "month"}
        Time unit of the models.
    summary : pandas.DataFrame, optional
        `tenure.analytics.summary.customer_summary` at ``as_of`` in ``unit``, when the
        caller has it already.

    Returns
    -------
    Selection

    Raises
    ------
    InputError
        ``holdout_days`` is not positive, or no candidate is given.

    Examples
    --------
    >>> selection = select_purchase_model(tx, "2026-11-30")  # doctest: +SKIP
    >>> selection.label, selection.model.probability_alive(summary)  # doctest: +SKIP
    """
    if not candidates:
        raise InputError("select_purchase_model needs at least one candidate model.")
    sample = comparison_sample(tx, as_of, holdout_days=holdout_days,
                               min_repeat_buyers=min_repeat_buyers,
                               max_customers=max_customers, unit=unit, summary=summary)
    return choose_purchase_model(sample, candidates=candidates, reference=reference)


@dataclass
class ComparisonSample:
    """What the engine gives the model comparison: `comparison_sample` returns it.

    The comparison itself (`choose_purchase_model`) is numbers only, so it can run beside
    other work on the engine.

    Attributes
    ----------
    data : pandas.DataFrame
        The calibration / holdout table (`tenure.analytics.clv.holdout.calibration_holdout`)
        of at most ``max_customers`` customers.
    customers : int
        Customers of the calibration period (the sample's population).
    repeat_buyers : int
        Repeat buyers of the calibration period (of all of them when the sample had too few).
    summary : pandas.DataFrame
        The customer summary at ``as_of`` that the chosen model is fitted on.
    calibration_end : date
    holdout_days : int
    min_repeat_buyers : int
    unit : str
    """

    data: pd.DataFrame
    customers: int
    repeat_buyers: int
    summary: pd.DataFrame
    calibration_end: date
    holdout_days: int
    min_repeat_buyers: int
    unit: str


def comparison_sample(tx: Any, as_of: Any, *, holdout_days: int = HOLDOUT_DAYS,
                      min_repeat_buyers: int = MIN_REPEAT_BUYERS,
                      max_customers: int = MAX_CUSTOMERS, unit: str = "day",
                      summary: pd.DataFrame | None = None) -> ComparisonSample:
    """Return the data `choose_purchase_model` compares the models on (the engine's part).

    Parameters are those of `select_purchase_model`.
    """
    if not isinstance(holdout_days, int) or holdout_days <= 0:
        raise InputError(f"holdout_days must be a positive number of days, not {holdout_days!r}")
    as_of = pd.Timestamp(as_of).date()
    if summary is None:
        summary = customer_summary(tx, as_of=as_of, unit=unit).to_pandas()
    first = pd.Timestamp(summary["first_purchase"].min()).date()
    days = min(holdout_days, max((as_of - first).days // 3, 1))
    calibration_end = as_of - timedelta(days=days)
    data, customers = _sample(tx, summary, calibration_end, as_of, unit, max_customers)
    repeat = int((data["frequency"] > 0).sum())
    if repeat < min_repeat_buyers and len(data) < customers:
        # The sample is short of repeat buyers; all the customers together may not be.
        table = holdout.calibration_holdout(tx, calibration_end, as_of, unit=unit)
        repeat = int(table.aggregate(repeat=(table.frequency > 0).sum()).to_pyarrow()
                     .to_pylist()[0]["repeat"] or 0)
    return ComparisonSample(data, customers, repeat, summary, calibration_end, days,
                            min_repeat_buyers, unit)


def choose_purchase_model(
    sample: ComparisonSample, *,
    candidates: Sequence[type[PurchaseModel]] = CANDIDATES,
    reference: Sequence[type[PurchaseModel]] = REFERENCE,
) -> Selection:
    """Compare the models on ``sample`` and fit the chosen one on its summary.

    The numbers' part of `select_purchase_model`: no engine is queried, so it may run in a
    thread beside queries on the same connection.
    """
    if not candidates:
        raise InputError("select_purchase_model needs at least one candidate model.")
    data, customers, unit = sample.data, sample.customers, sample.unit
    summary, calibration_end, days = sample.summary, sample.calibration_end, sample.holdout_days
    repeat, min_repeat_buyers = sample.repeat_buyers, sample.min_repeat_buyers
    notes: list[str] = []
    if repeat < min_repeat_buyers:
        chosen = FALLBACK if FALLBACK in candidates else candidates[0]
        model = chosen(time_unit=unit).fit(summary)
        notes.append(f"Fewer than {min_repeat_buyers} repeat buyers before {calibration_end} "
                     f"({repeat}): {model.label} is used without a holdout comparison.")
        return Selection(model, model.label, None, None, None, calibration_end, days, 0, notes)
    if len(data) < customers:
        notes.append(f"The models were compared on {len(data):,} of {customers:,} customers "
                     f"(a fixed sample); the chosen one is fitted on all of them.")
    models: list[PurchaseModel] = [m(time_unit=unit) for m in (*candidates, *reference)]
    comparison = holdout.compare_models(models, data)
    metrics = comparison.metrics
    labels = [m(time_unit=unit).label for m in candidates]
    # A fit that did not converge may predict the holdout well by chance; it is chosen
    # only when no candidate converged.
    by_label = {m.label: m for m in models}  # fitted in place by compare_models
    converged = [label for label in labels if by_label[label].converged_]
    best = str(metrics.loc[converged or labels, "mae"].idxmin())
    for label in labels:
        if label not in converged:
            notes.append(f"{label} did not converge on the calibration period; "
                         f"{'it is not chosen' if converged else 'no candidate did'}.")
    calibrated = by_label[best]
    model = type(calibrated)(time_unit=unit).fit(summary)
    for cls in reference:
        label = cls(time_unit=unit).label
        if label in metrics.index:
            notes.append(_reference_note(label, metrics, best))
    return Selection(model, model.label, metrics.reset_index(),
                     comparison.by_frequency.reset_index(), calibrated, calibration_end, days,
                     len(data), notes)


def _sample(tx: Any, summary: pd.DataFrame, calibration_end: date, as_of: date, unit: str,
            size: int) -> tuple[pd.DataFrame, int]:
    """Return the calibration / holdout table of at most ``size`` customers, and how many
    customers the calibration period has.

    Those are the customers whose first purchase is on or before its end. When there are
    more than ``size``, the sample is the ``size`` first by a hash of their id (the same
    ones every run), chosen in the engine; the transactions are cut to the sample before
    they are summarised, so only its purchases are aggregated and a million customers
    never reach pandas.
    """
    known = (pd.to_datetime(summary["first_purchase"]) <= pd.Timestamp(calibration_end))
    customers = int(known.sum())
    if customers <= size:
        table = holdout.calibration_holdout(tx, calibration_end, as_of, unit=unit)
        return table.to_pandas(), customers
    ids = ibis.memtable(pd.DataFrame({"customer_id": summary["customer_id"].to_numpy()[
        known.to_numpy()]}))
    key = ids.customer_id.cast(tx.customer_id.type())
    picked = ids.select(customer_id=key).order_by([key.hash(), key]).limit(size)
    table = holdout.calibration_holdout(tx.filter(tx.customer_id.isin(picked.customer_id)),
                                        calibration_end, as_of, unit=unit)
    ordered = table.order_by([table.customer_id.hash(), table.customer_id])
    return ordered.to_pandas(), customers


def _reference_note(label: str, metrics: pd.DataFrame, best: str) -> str:
    better = metrics.loc[label, "mae"] < metrics.loc[best, "mae"]
    return (f"{label} is shown for reference{' (its holdout error is lower)' if better else ''} "
            f"but not chosen: it gives P(alive) = 100 % to every customer without a repeat "
            f"purchase, however long ago they bought.")
