"""Clusters: three well-separated simulated groups are recovered and described."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.exceptions import InputError
from tenure.analytics.segments import clusters
from tenure.analytics.segments.clustering import Trait, describe

# (recency days, orders, average check, tenure days) at the centre of each group.
GROUPS = {
    "frequent": (5, 20, 50, 700),
    "lapsed": (400, 2, 50, 600),
    "new_big": (10, 1, 500, 15),
}


def _simulate(n_per_group=300, seed=1):
    rng = np.random.default_rng(seed)
    frames = []
    for name, (recency, orders, check, tenure) in GROUPS.items():
        noise = np.exp(rng.normal(0, 0.1, size=(n_per_group, 3)))
        n_orders = np.maximum(1, np.round(orders * noise[:, 0]))
        frames.append(pd.DataFrame({
            "customer_id": [f"{name}{i}" for i in range(n_per_group)],
            "recency_days": np.round(recency * noise[:, 1]),
            "orders": n_orders,
            "revenue": n_orders * check * noise[:, 2],
            "tenure_days": np.full(n_per_group, float(tenure)),
            "group": name,
        }))
    return pd.concat(frames, ignore_index=True)


def _by_group(summary, result):
    labels = summary[["customer_id", "group"]].merge(result.labels, on="customer_id")
    return pd.crosstab(labels["group"], labels["cluster"])


@pytest.mark.parametrize("sample_size", [10_000, 200])
def test_three_groups_are_recovered(sample_size):
    summary = _simulate()
    result = clusters(summary, seed=0, sample_size=sample_size)
    assert result.k == 3
    assert result.silhouette > 0.7
    assert max(result.silhouettes, key=result.silhouettes.get) == 3
    table = _by_group(summary, result)
    # every group lies wholly in one cluster, and each cluster holds one group
    assert ((table > 0).sum(axis=1) == 1).all()
    assert ((table > 0).sum(axis=0) == 1).all()
    assert len(result.descriptions) == 3 and len(result.traits) == 3
    assert list(result.profile["customers"]) == [300, 300, 300]


def test_descriptions_name_the_right_features():
    summary = _simulate()
    result = clusters(summary, seed=0)
    cluster_of = _by_group(summary, result).idxmax(axis=1).to_dict()

    frequent = result.traits[cluster_of["frequent"]]
    assert (frequent[0].feature, frequent[0].direction) == ("orders", "higher")
    assert frequent[0].ratio > 5  # about 20 orders against a median of 2
    assert "times as often as the typical customer" in result.descriptions[
        cluster_of["frequent"]]

    lapsed = {(t.feature, t.direction) for t in result.traits[cluster_of["lapsed"]]}
    assert ("recency_days", "higher") in lapsed

    new_big = {(t.feature, t.direction) for t in result.traits[cluster_of["new_big"]]}
    assert new_big == {("avg_check", "higher"), ("tenure_days", "lower")}


def test_seeded_and_k_given():
    summary = _simulate()
    first, second = clusters(summary, seed=5), clusters(summary, seed=5)
    assert first.labels.equals(second.labels)
    forced = clusters(summary, k=2, seed=0)
    assert forced.k == 2 and list(forced.silhouettes) == [2]
    assert forced.labels["cluster"].nunique() == 2


def test_describe_sentence():
    traits = [Trait("orders", "higher", 4.2, 8.4, 2.0, 1.5),
              Trait("recency_days", "lower", 0.1, 12.0, 120.0, -1.1)]
    assert describe(2, 0.12, traits) == (
        "Cluster 2 (12% of customers): buy 4.2 times as often as the typical customer and "
        "bought recently (12 days since the last purchase vs 120 for the typical customer).")
    assert describe(0, 0.5, []) == "Cluster 0 (50% of customers): close to the typical customer."


def test_too_few_or_too_alike_customers_are_refused():
    summary = _simulate()
    with pytest.raises(InputError, match="too few"):
        clusters(summary.head(5))
    alike = summary.head(50).assign(recency_days=3.0, orders=2.0, revenue=100.0,
                                    tenure_days=40.0)
    with pytest.raises(InputError, match="alike"):
        clusters(alike)
    with pytest.raises(InputError, match="k must"):
        clusters(summary, k=1)
