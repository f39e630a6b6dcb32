"""The fitting machinery every model shares: the same optimum by every path, weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD, base, inputs, simulation

CDNOW = Path("/work/shared/data/cdnow")
DRAWS = {
    BetaGeo: lambda n, T: simulation.bg_nbd(n, 0.55, 45.0, 0.8, 2.6, T=T, seed=1),
    ModifiedBetaGeo: lambda n, T: simulation.bg_nbd(n, 0.55, 45.0, 0.8, 2.6, T=T, seed=1,
                                                    modified=True),
    ParetoNBD: lambda n, T: simulation.pareto_nbd(n, 0.55, 74.1, 0.61, 81.7, T=T, seed=1),
}


@pytest.mark.parametrize("model_class", list(DRAWS))
def test_the_sample_started_path_reaches_the_same_optimum(model_class, monkeypatch):
    T = np.random.default_rng(1).integers(1, 731, 40_000).astype(float)
    data = DRAWS[model_class](40_000, T)
    data["recency"] = data["recency"].round()

    sampled = model_class().fit(data)  # more distinct rows than SAMPLE_ROWS
    monkeypatch.setattr(base, "SAMPLE_ROWS", 10**9)
    direct = model_class().fit(data)

    for name in model_class.parameter_names:
        assert sampled.params_[name] == pytest.approx(direct.params_[name], rel=1e-7)
    assert sampled.log_likelihood_ == pytest.approx(direct.log_likelihood_, rel=1e-12)


@pytest.mark.parametrize("model_class", list(DRAWS))
def test_weights_count_customers(model_class):
    one_by_one = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv").rename(
        columns={"x": "frequency", "t_x": "recency"})[["frequency", "recency", "T"]]
    grouped = one_by_one.groupby(["frequency", "recency", "T"]).size().rename("weight")

    model = model_class(time_unit="week").fit(grouped.reset_index())

    assert model.params_ == pytest.approx(
        model_class(time_unit="week").fit(one_by_one).params_, rel=1e-6)
    assert model.n_customers_ == len(one_by_one)


@pytest.mark.parametrize("model_class", list(DRAWS))
def test_standard_errors_match_a_hessian_of_the_likelihood_itself(model_class):
    # Invert a Hessian taken by central differences of the log-likelihood (not of the
    # analytic gradient the fit uses) in the natural parameters.
    data = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv").rename(
        columns={"x": "frequency", "t_x": "recency"})
    fitted = model_class(time_unit="week").fit(data)
    names = model_class.parameter_names
    prepared = fitted._prepare(inputs.read(data, model_class.columns))
    p0 = np.array([fitted.params_[n] for n in names])

    def ll(p):
        return fitted._log_likelihood(p, prepared)[0]

    h, k = 1e-4 * p0, len(p0)
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            hessian[i, j] = (ll(p0 + ei + ej) - ll(p0 + ei - ej) - ll(p0 - ei + ej)
                             + ll(p0 - ei - ej)) / (4 * h[i] * h[j])
    se = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    assert se == pytest.approx([fitted.standard_errors_[n] for n in names], rel=1e-3)


def test_continuous_rows_are_kept_as_they_are_and_fit_as_folded_ones(monkeypatch):
    # Fractional days: no two customers alike, so nothing is folded and no row is hashed.
    data = simulation.bg_nbd(12_000, 0.55, 45.0, 0.8, 2.6,
                             T=np.random.default_rng(2).uniform(1, 730, 12_000), seed=2)
    kept = inputs.compress(inputs.read(data, BetaGeo.columns), BetaGeo.columns)
    np.testing.assert_array_equal(kept.inverse, np.arange(len(data)))
    np.testing.assert_array_equal(kept.rows["T"], data["T"].to_numpy())
    as_they_are = BetaGeo().fit(data)

    monkeypatch.setattr(inputs, "KEEP_SHARE", 2.0)  # fold whatever the rows look like
    folded = BetaGeo().fit(data)

    assert as_they_are.params_ == pytest.approx(folded.params_, rel=1e-12)
    assert as_they_are.log_likelihood_ == pytest.approx(folded.log_likelihood_, rel=1e-12)


class _Valley:
    """f(x, y) = x^2 / 2 + c exp(-y / 2): a minimum in x, and in y a slope so gentle (c
    small) that it falls for ever towards y = +inf, as an unidentified model's likelihood
    falls towards a boundary of the model."""

    def __init__(self, c: float):
        self.c, self.calls = c, 0

    def __call__(self, theta):
        self.calls += 1
        x, y = theta
        tail = self.c * np.exp(-y / 2)
        return x * x / 2 + tail, np.array([x, -tail / 2])

    def hessian(self, theta, gradient=None):
        return np.diag([1.0, self.c * np.exp(-theta[1] / 2) / 4])


def test_newton_stops_where_a_nearly_flat_valley_runs_off():
    # Curvature 1e-9 of the largest along y, and a Newton step of 2 along it: without the
    # stop, each of the 20 steps costs a Hessian and gets nowhere.
    valley = _Valley(4e-9)
    theta, steps, done = base._newton(valley, np.array([0.5, 0.0]))
    assert (steps, done) == (0, False)
    np.testing.assert_array_equal(theta, [0.5, 0.0])


def test_newton_still_converges_where_the_valley_is_curved_enough():
    # The same valley with a curvature of 1e-3 along y beside a quadratic bowl in x: a
    # step of 2 there is progress towards an optimum, and the polishing reaches it.
    def bowl(theta):
        x, y = theta
        return x * x / 2 + 1e-3 * (y - 3) ** 2 / 2, np.array([x, 1e-3 * (y - 3)])

    bowl.hessian = lambda theta, gradient=None: np.diag([1.0, 1e-3])
    theta, steps, done = base._newton(bowl, np.array([0.5, 0.0]))
    assert done and steps <= 3
    np.testing.assert_allclose(theta, [0.0, 3.0], atol=1e-9)
