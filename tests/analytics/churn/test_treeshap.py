"""TreeSHAP grouped by the rows' way through each tree: LightGBM's own values."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from tenure.analytics.churn import treeshap


def data(rng: np.random.Generator, n: int) -> np.ndarray:
    """Rows that test every way LightGBM reads a value: NaN, zero, almost zero, negative."""
    x = rng.normal(0, 1, size=(n, 6))
    x[rng.random(n) < 0.2, 0] = np.nan
    x[rng.random(n) < 0.3, 1] = 0.0
    x[rng.random(n) < 0.05, 1] = 1e-40  # zero to LightGBM
    x[:, 2] = rng.integers(0, 5, n)  # few values: ties at the thresholds
    x[rng.random(n) < 0.1, 3] = np.nan
    return x


def booster(x: np.ndarray, **params) -> lgb.Booster:
    rng = np.random.default_rng(1)
    signal = np.nan_to_num(x[:, 0]) + x[:, 1] - 0.5 * x[:, 2] + np.isnan(x[:, 3])
    y = (signal + rng.normal(0, 1, len(x)) > 0).astype(float)
    return lgb.train({"objective": "binary", "num_leaves": 15, "max_depth": 5,
                      "min_data_in_leaf": 20, "verbose": -1, "seed": 0, **params},
                     lgb.Dataset(x, label=y, init_score=np.full(len(x), 0.3)),
                     num_boost_round=40)


@pytest.mark.parametrize("params", [{}, {"zero_as_missing": True},
                                    {"use_missing": False}])
def test_the_contributions_are_lightgbms(params):
    rng = np.random.default_rng(0)
    model = booster(data(rng, 4000), **params)
    trees = treeshap.tree_splits(model)
    assert trees is not None
    kinds = {s.missing_type for splits in trees for s in splits}
    assert kinds & {"NaN", "Zero"} or params == {"use_missing": False}
    x = data(rng, 3000)
    reference = np.asarray(model.predict(x, pred_contrib=True))
    np.testing.assert_allclose(treeshap.contributions(model, x, trees), reference,
                               rtol=0, atol=1e-12)


def test_a_booster_with_categorical_splits_is_left_to_lightgbm():
    rng = np.random.default_rng(0)
    x = data(rng, 4000)
    x[:, 4] = rng.integers(0, 8, len(x))
    y = (np.isin(x[:, 4], [1, 3, 6]) ^ (rng.random(len(x)) < 0.2)).astype(float)
    model = lgb.train({"objective": "binary", "verbose": -1, "min_data_per_group": 10,
                       "cat_smooth": 1},
                      lgb.Dataset(x, label=y, categorical_feature=[4]), num_boost_round=10)
    assert treeshap.tree_splits(model) is None
    np.testing.assert_array_equal(treeshap.contributions(model, x[:500], None),
                                  model.predict(x[:500], pred_contrib=True))
