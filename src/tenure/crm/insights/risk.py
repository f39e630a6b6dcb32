"""Churn risk in the refresh: the library's churn result as the stored JSON.

`tenure.analytics.analyze` runs `tenure.analytics.churn.predict_churn` with the CRM's
optional sources; this module keeps its scores and figures.

The ``churn`` part of ``InsightsRun.results``: ``as_of`` and ``test_snapshot`` (ISO dates),
``horizon`` (how churn is defined, in words), ``horizon_days`` (the shop-wide horizon in
days; null while the horizon follows each customer's rhythm), ``metrics`` (table: model —
"model", "recency" or "p_alive" — then roc_auc, pr_auc, lift_top_decile, brier, n,
churn_rate; all on the test snapshot), ``importance`` (table: feature, family, gain_share,
mean_abs_contribution; the first IMPORTANCE rows), ``snapshots`` (table: snapshot, stage,
role, customers, churned, churn_rate), ``notes`` (list of str) and ``scored`` (customers).
Per customer, ``churn_risk`` and ``churn_reasons`` (the library's structured reasons) go to
the snapshot rows.
"""

from __future__ import annotations

import pandas as pd

from .stored import table

IMPORTANCE = 15


def churn_results(result) -> tuple[dict, pd.DataFrame]:
    """Return the stored churn results of a ``ChurnResult`` and ``customer_id, churn_risk,
    churn_reasons`` per scored customer."""
    days = result.horizon.days
    results = {
        "as_of": result.as_of.isoformat(),
        "test_snapshot": result.test_snapshot.isoformat(),
        "horizon": result.horizon.describe(),
        "horizon_days": int(days) if days is not None else None,
        "metrics": table(result.metrics),
        "importance": table(result.importance.head(IMPORTANCE)),
        "snapshots": table(result.snapshots),
        "notes": list(result.notes),
        "scored": len(result.scores),
    }
    scores = result.scores[["customer_id", "churn_risk", "reasons"]].rename(
        columns={"reasons": "churn_reasons"})
    scores["customer_id"] = scores["customer_id"].astype(str)
    return results, scores
