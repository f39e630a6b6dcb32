"""ChurnModel's contributions: chunked and threaded, the same values as LightGBM's TreeSHAP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.churn import FEATURES, ChurnModel
from tenure.analytics.churn import model as model_module

NAMES = list(FEATURES)


def rows(rng: np.random.Generator, n: int) -> pd.DataFrame:
    table = pd.DataFrame(rng.gamma(2.0, 1.0, size=(n, len(FEATURES))), columns=NAMES)
    table.iloc[rng.random(n) < 0.05, 3] = np.nan
    return table


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    train, calibration = rows(rng, 3000), rows(rng, 1000)

    def churned(table):
        risk = table[NAMES[0]] - table[NAMES[1]] + rng.normal(0, 1, len(table))
        return (risk > 0).to_numpy()

    model = ChurnModel(max_trees=60, seed=0).fit(
        train, churned(train), np.repeat([1, 2, 3, 4], 750), calibration,
        churned(calibration))
    return model, rows(rng, 2345)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_chunked_threaded_contributions_equal_one_treeshap_call(fitted, monkeypatch, threads):
    model, x = fitted
    whole = model.contributions(x)
    monkeypatch.setattr(model_module, "CONTRIBUTION_CHUNK_ROWS", 100)
    chunked = model.contributions(x, threads=threads)
    pd.testing.assert_frame_equal(chunked, whole, check_exact=True)
    reference = np.asarray(model.booster_.predict(x[NAMES].to_numpy(float),
                                                  pred_contrib=True))
    np.testing.assert_allclose(chunked.to_numpy().sum(axis=1), model.log_odds(x), atol=1e-9)
    trees = chunked.drop(columns="expected_purchases").to_numpy()
    # Summed over the trees in another order than LightGBM's (`treeshap`).
    np.testing.assert_allclose(trees[:, :-1], np.delete(reference, [
        NAMES.index("expected_purchases"), len(FEATURES)], axis=1), rtol=0, atol=1e-12)
