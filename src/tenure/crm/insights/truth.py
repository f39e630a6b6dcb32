"""The latest refresh's scores against the demo shop's truth.

``tenure demo-data --truth FILE`` writes what the simulation knows; ``tenure insights
truth FILE`` and the Models page set each customer's stored scores against it with
``tenure.analytics.truth`` and say whether each beats the simple rule beside it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy

from tenure.analytics.truth import SCORE_COLUMNS, compare, evaluate, read_truth

from .models import CustomerSnapshot, InsightsRun

METRICS = {"roc_auc": gettext_lazy("ROC AUC, no purchase in the next 90 days"),
           "pr_auc": gettext_lazy("PR AUC, no purchase in the next 90 days"),
           "brier": gettext_lazy("Brier score, still a customer at the end"),
           "spearman": gettext_lazy("Rank correlation with next year's spend")}
SCORES = {"churn_risk": gettext_lazy("Churn risk"), "recency": gettext_lazy("Recency alone"),
          "one_minus_p_alive": gettext_lazy("1 − P(alive)"), "p_alive": gettext_lazy("P(alive)"),
          "constant": gettext_lazy("The share alive, for everyone"),
          "clv": gettext_lazy("Customer value (CLV)"), "revenue": gettext_lazy("Past revenue")}
CACHE_SECONDS = 24 * 3600


def snapshot_scores(run: InsightsRun) -> pd.DataFrame:
    """Return the scores of ``run``'s snapshot, by customer external id (SCORE_COLUMNS)."""
    records = CustomerSnapshot.objects.filter(taken_on=run.as_of).values_list(
        "customer__external_id", "churn_risk", "p_alive", "clv", "recency_days", "revenue")
    table = pd.DataFrame.from_records(list(records), columns=SCORE_COLUMNS)
    numbers = SCORE_COLUMNS[1:]
    table[numbers] = table[numbers].astype(float)  # Decimal and None to float and NaN
    return table


def comparisons(run: InsightsRun, path: Path) -> list[dict]:
    """Return each comparison of ``run``'s scores against the truth in ``path``, labelled.

    Raises OSError when the file cannot be read and InputError when it is no truth file.
    """
    table = compare(evaluate(snapshot_scores(run), read_truth(path)))
    return [{"metric": r.metric, "score": r.score, "baseline": r.baseline,
             "value": _number(r.value), "baseline_value": _number(r.baseline_value),
             "n": int(r.n), "beats": bool(r.beats), "higher": r.metric != "brier"}
            for r in table.itertuples()]


def labelled(rows: list[dict]) -> list[dict]:
    """Return ``rows`` with the names of their measure, score and baseline."""
    return [dict(r, metric_name=METRICS[r["metric"]], score_name=SCORES[r["score"]],
                 baseline_name=SCORES[r["baseline"]]) for r in rows]


def demo_truth(run: InsightsRun) -> list[dict] | None:
    """Return ``run``'s comparisons against the demo's truth file, or None without one.

    Cached per refresh and file version, so the Models page reads the file once.
    """
    path = Path(settings.TENURE_DEMO_TRUTH)
    try:
        version = path.stat().st_mtime_ns
    except OSError:
        return None
    key = f"insights:truth:{run.pk}:{path}:{version}"
    found = cache.get(key)
    if found is None:
        try:
            found = comparisons(run, path)
        except (OSError, ValueError):
            found = []  # unreadable, or not a truth file of this shop: nothing to show
        cache.set(key, found, CACHE_SECONDS)
    return labelled(found) if found else None


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)
