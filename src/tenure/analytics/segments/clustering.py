"""Behavioural clusters: k-means on log recency, orders, average check and tenure.

k-means is fitted on a seeded sample (at most 10,000 customers) and every customer is
then assigned to the nearest centre, so a million customers cluster in seconds. Each
cluster is described by what sets it apart from the typical customer, both as
structured :class:`Trait` records (for the CRM to render in any language) and as an
English sentence.
"""

from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tenure.analytics.exceptions import InputError
from tenure.analytics.messages import N_
from tenure.analytics.segments.tables import summary_frame

#: Features, in order: summary column (or derived), transformed with log1p.
FEATURES = ("recency_days", "orders", "avg_check", "tenure_days")
K_RANGE = range(2, 9)
SAMPLE_SIZE = 10_000
#: Silhouettes are computed on this many of the sampled customers (the cost is quadratic).
SCORE_SIZE = 3_000
MIN_CUSTOMERS = 10
#: A feature sets a cluster apart when its median differs by at least this many standard
#: deviations (of the standardised log feature) from the overall median.
MIN_STRENGTH = 0.5

_REQUIRED = ("customer_id", "recency_days", "orders", "revenue", "tenure_days")


@dataclass(frozen=True)
class Trait:
    """One way a cluster differs from the typical customer.

    ``ratio`` is the cluster median over the overall median of the raw feature (None
    when the overall median is 0); ``strength`` is the difference of the medians in
    standard deviations of the standardised log feature (signed).
    """

    feature: str
    direction: str  # "higher" or "lower"
    ratio: float | None
    cluster_median: float
    overall_median: float
    strength: float


@dataclass
class ClusterResult:
    """The outcome of :func:`clusters`.

    Attributes
    ----------
    labels : DataFrame
        ``customer_id, cluster`` (clusters numbered 0.. by size, largest first).
    k : int
        Number of clusters.
    silhouette : float
        Mean silhouette at ``k`` on the scored subsample (-1..1; above 0.5 is a clear
        structure, below 0.25 a weak one).
    descriptions : list of str
        One English sentence per cluster, in cluster order.
    traits : list of list of Trait
        The 0-2 features that set each cluster apart, strongest first.
    profile : DataFrame
        Per cluster: ``cluster, customers, share`` and the median of each feature.
    silhouettes : dict
        k -> silhouette for every k tried (only the chosen k when k was given).
    seconds : float
        Wall time of the clustering.
    """

    labels: pd.DataFrame
    k: int
    silhouette: float
    descriptions: list[str]
    traits: list[list[Trait]] = field(default_factory=list)
    profile: pd.DataFrame | None = None
    silhouettes: dict[int, float] = field(default_factory=dict)
    seconds: float = 0.0


def clusters(summary_df: Any, *, k: int | None = None, seed: int = 0,
             sample_size: int = SAMPLE_SIZE) -> ClusterResult:
    """Group customers by behaviour with k-means and describe each group.

    Features per customer: days since the last purchase, number of orders, average
    check (revenue / orders, negative clipped to 0) and tenure in days, each as
    ``log1p`` and standardised to mean 0, sd 1 over all customers. Without ``k``, k-means
    (k-means++, seeded) runs for k = 2..8 on a seeded sample of ``sample_size`` customers
    and the k with the highest mean silhouette (Rousseeuw 1987; computed on a seeded
    subsample of :data:`SCORE_SIZE` of the sample) wins; the model fitted
    on the sample then assigns every customer to the nearest centre.

    A cluster is described by comparing, for each feature, its median with the median
    of all customers; the one or two largest differences of at least
    :data:`MIN_STRENGTH` standard deviations are kept.

    Parameters
    ----------
    summary_df : pandas.DataFrame, polars.DataFrame, pyarrow.Table or ibis.Table
        The per-customer summary as `tenure.analytics.summary.customer_summary` returns it
        (any of these types): ``customer_id, recency_days, orders, revenue, tenure_days``.
    k : int, optional
        Number of clusters; chosen by silhouette when omitted.
    seed : int
        Seed of the sample and of k-means.
    sample_size : int
        The most customers k-means is fitted on.

    Returns
    -------
    ClusterResult

    Raises
    ------
    InputError
        Missing columns, fewer than :data:`MIN_CUSTOMERS` customers, or too few distinct
        customers for two clusters.
    """
    started = time.perf_counter()
    summary_df = summary_frame(summary_df, _REQUIRED)
    raw = _features(summary_df)
    z = _standardise(np.log1p(raw))
    rng = np.random.default_rng(seed)
    sample = z if len(z) <= sample_size else z[rng.choice(len(z), sample_size, replace=False)]
    distinct = len(np.unique(sample, axis=0))
    if distinct < 3:
        raise InputError("the customers are too alike to cluster (fewer than 3 distinct)")
    if k is None:
        candidates = [kk for kk in K_RANGE if kk < distinct]
    else:
        if not isinstance(k, int) or not 2 <= k < distinct:
            raise InputError(f"k must be a whole number from 2 to {distinct - 1}, not {k!r}")
        candidates = [k]
    scored = rng.choice(len(sample), min(SCORE_SIZE, len(sample)), replace=False)
    scores, models = {}, {}
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime the limit applies to)
    from threadpoolctl import threadpool_limits

    # k-means on 10,000 points is small work: spreading it over threads costs more than it
    # saves (ten to twenty times slower on a busy two-core machine).
    with threadpool_limits(limits=1):
        for kk in candidates:
            models[kk], scores[kk] = _fit(sample, kk, seed, scored)
    best = max(scores, key=lambda kk: (scores[kk], -kk))
    labels = _by_size(models[best].predict(z), best)
    overall = np.median(raw, axis=0), np.median(z, axis=0)
    traits = [_traits(raw, z, labels == c, overall) for c in range(best)]
    shares = np.bincount(labels, minlength=best) / len(labels)
    return ClusterResult(
        labels=pd.DataFrame({"customer_id": summary_df["customer_id"].to_numpy(),
                             "cluster": labels}),
        k=best,
        silhouette=scores[best],
        descriptions=[describe(c, shares[c], t) for c, t in enumerate(traits)],
        traits=traits,
        profile=_profile(raw, labels, best),
        silhouettes=scores,
        seconds=time.perf_counter() - started,
    )


def _features(df: pd.DataFrame) -> np.ndarray:
    if len(df) < MIN_CUSTOMERS:
        raise InputError(f"too few customers to cluster: {len(df)} (need {MIN_CUSTOMERS})")
    orders = df["orders"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        check = np.where(orders > 0, df["revenue"].to_numpy(float) / orders, 0.0)
    raw = np.column_stack([df["recency_days"].to_numpy(float), orders, check,
                           df["tenure_days"].to_numpy(float)])
    if not np.isfinite(raw).all():
        raise InputError("the customer summary has missing values in "
                         "recency_days, orders, revenue or tenure_days")
    return np.clip(raw, 0.0, None)


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std(axis=0)
    # A constant feature carries no information: it becomes 0 instead of 0 / 0.
    return np.where(sd > 0, (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)


def _fit(sample: np.ndarray, k: int, seed: int, scored: np.ndarray) -> tuple[Any, float]:
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import silhouette_score

    model = KMeans(n_clusters=k, n_init=3, random_state=seed)
    with warnings.catch_warnings():
        # Duplicate points can leave fewer distinct clusters than k: that k is then
        # scored -1 so that it is not chosen while a k that works exists.
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = model.fit_predict(sample)
    if len(np.unique(labels)) < k or len(np.unique(labels[scored])) < 2:
        return model, -1.0
    return model, float(silhouette_score(sample[scored], labels[scored]))


def _by_size(labels: np.ndarray, k: int) -> np.ndarray:
    """Renumber clusters 0..k-1 by size, largest first (ties by the old number)."""
    counts = np.bincount(labels, minlength=k)
    order = np.lexsort((np.arange(k), -counts))
    new = np.empty(k, dtype=np.int64)
    new[order] = np.arange(k)
    return new[labels]


def _traits(raw: np.ndarray, z: np.ndarray, members: np.ndarray,
            overall: tuple[np.ndarray, np.ndarray]) -> list[Trait]:
    if not members.any():
        return []
    overall_raw, cluster_raw = overall[0], np.median(raw[members], axis=0)
    strength = np.median(z[members], axis=0) - overall[1]
    found = []
    for i in np.argsort(-np.abs(strength))[:2]:
        if abs(strength[i]) < MIN_STRENGTH:
            break
        ratio = cluster_raw[i] / overall_raw[i] if overall_raw[i] > 0 else None
        found.append(Trait(
            feature=FEATURES[i], direction="higher" if strength[i] > 0 else "lower",
            ratio=None if ratio is None else float(ratio),
            cluster_median=float(cluster_raw[i]), overall_median=float(overall_raw[i]),
            strength=float(strength[i])))
    return found


def _profile(raw: np.ndarray, labels: np.ndarray, k: int) -> pd.DataFrame:
    frame = pd.DataFrame(raw, columns=list(FEATURES))
    frame["cluster"] = labels
    table = frame.groupby("cluster").median()
    table.insert(0, "customers", np.bincount(labels, minlength=k))
    table.insert(1, "share", table["customers"] / len(labels))
    return table.reset_index()


_PHRASES = {
    ("orders", "higher"): N_("buy {ratio:.1f} times as often as the typical customer"),
    ("orders", "lower"): N_("buy less often than the typical customer ({c:g} vs {o:g} orders)"),
    ("recency_days", "lower"): N_("bought recently ({c:.0f} days since the last purchase "
                                  "vs {o:.0f} for the typical customer)"),
    ("recency_days", "higher"): N_("have not bought for a long time ({c:.0f} days since the "
                                   "last purchase vs {o:.0f} for the typical customer)"),
    ("avg_check", "higher"): N_("spend {ratio:.1f} times as much per order as the typical "
                                "customer"),
    ("avg_check", "lower"): N_("spend less per order than the typical customer "
                               "({c:.2f} vs {o:.2f})"),
    ("tenure_days", "higher"): N_("have been customers for longer ({c:.0f} days vs {o:.0f})"),
    ("tenure_days", "lower"): N_("are newer customers ({c:.0f} days vs {o:.0f})"),
}
_NO_RATIO = {
    "orders": N_("buy more often than the typical customer ({c:g} vs {o:g} orders)"),
    "avg_check": N_("spend more per order than the typical customer ({c:.2f} vs {o:.2f})"),
}


def describe(cluster: int, share: float, traits: list[Trait]) -> str:
    """Return one English sentence for a cluster from its traits.

    Examples
    --------
    >>> describe(1, 0.12, [Trait("orders", "higher", 4.2, 8, 2, 1.3)])
    'Cluster 1 (12% of customers): buy 4.2 times as often as the typical customer.'
    """
    if not traits:
        return N_("Cluster {cluster} ({share} of customers): close to the typical "
                  "customer.").format(cluster=cluster, share=f"{share:.0%}")
    parts = []
    for t in traits:
        template = _PHRASES[(t.feature, t.direction)]
        if t.ratio is None and "{ratio" in template:
            # The typical customer's median is 0: "n times as much" has no meaning.
            template = _NO_RATIO[t.feature]
        parts.append(template.format(ratio=t.ratio, c=t.cluster_median, o=t.overall_median))
    traits_text = functools.reduce(
        lambda first, second: N_("{first} and {second}").format(first=first, second=second),
        parts)
    return N_("Cluster {cluster} ({share} of customers): {traits}.").format(
        cluster=cluster, share=f"{share:.0%}", traits=traits_text)
