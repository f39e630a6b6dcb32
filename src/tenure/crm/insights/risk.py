"""Churn risk in the refresh: call the library's churn model and keep its scores and figures.

The ``churn`` part of ``InsightsRun.results``: ``as_of`` and ``test_snapshot`` (ISO dates),
``horizon`` (how churn is defined, in words), ``metrics`` (table: model — "model",
"recency" or "p_alive" — then roc_auc, pr_auc, lift_top_decile, brier, n, churn_rate; all
on the test snapshot), ``importance`` (table: feature, family, gain_share,
mean_abs_contribution; the first IMPORTANCE rows), ``snapshots`` (table: snapshot, stage,
role, customers, churned, churn_rate), ``notes`` (list of str) and ``scored`` (customers).
Per customer, ``churn_risk`` and ``churn_reasons`` (the library's structured reasons) go to
the snapshot rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
import pyarrow as pa

from .stored import table

IMPORTANCE = 15


def churn_risks(tx, as_of: date, sources: Mapping[str, pa.Table | None] | None = None,
                ) -> tuple[dict, pd.DataFrame]:
    """Return the churn results and ``customer_id, churn_risk, churn_reasons`` per scored
    customer.

    ``sources`` are the optional tables by the library's names (``feedback``,
    ``complaints``, ``interactions``, ``messages``); an empty one is not passed, as the
    library reads a missing source.
    """
    from tenure.analytics import churn

    given = {name: table for name, table in (sources or {}).items()
             if table is not None and table.num_rows}
    result = churn.predict_churn(tx, as_of=as_of, horizon="auto", **given)
    results = {
        "as_of": result.as_of.isoformat(),
        "test_snapshot": result.test_snapshot.isoformat(),
        "horizon": result.horizon.describe(),
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
