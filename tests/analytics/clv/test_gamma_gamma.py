"""Gamma-Gamma spend: the published CDNOW fit, the density by integration, recovery, edges."""

from __future__ import annotations

import warnings
from pathlib import Path

import ibis
import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tenure.analytics import frames
from tenure.analytics.clv import GammaGamma, inputs, simulation
from tenure.analytics.exceptions import InputError
from tenure.analytics.summary import customer_summary

CDNOW = Path("/work/shared/data/cdnow")


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    tx = frames.transactions(CDNOW / "CDNOW_sample.txt", con=ibis.duckdb.connect(),
                             columns=[None, "customer_id", "time", None, "amount"])
    return customer_summary(tx, as_of="1997-09-30", unit="week").to_pandas()


def test_it_gives_the_published_cdnow_estimates(cdnow_summary):
    # Fader & Hardie, "The Gamma-Gamma Model of Monetary Value" (2013): p = 6.25,
    # q = 3.74, gamma = 15.44 on the 946 CDNOW sample customers with repeat purchases.
    model = GammaGamma().fit(cdnow_summary)

    assert {k: round(v, 2) for k, v in model.params_.items()} == \
        {"p": 6.25, "q": 3.74, "v": 15.44}
    assert model.n_customers_ == 946


def test_the_likelihood_is_the_integral_over_the_customers_spend_rate():
    # The mean of x Gamma(p, nu) values is Gamma(px, x nu); nu ~ Gamma(q, gamma).
    p, q, v = 6.0, 3.5, 15.0
    data = pd.DataFrame({"frequency": [1, 2, 7], "monetary_value": [12.5, 40.0, 33.3]})
    model = GammaGamma.from_params({"p": p, "q": q, "v": v})
    mp.mp.dps = 30

    def density(x, z):
        return mp.quad(lambda nu: mp.exp(
            (p * x) * mp.log(x * nu) + (p * x - 1) * mp.log(z) - x * nu * z - mp.loggamma(p * x)
            + q * mp.log(v) + (q - 1) * mp.log(nu) - v * nu - mp.loggamma(q)), [0, 1, mp.inf])

    reference = sum(float(mp.log(density(x, z))) for x, z in data.to_numpy())
    rows = inputs.read(data, GammaGamma.columns)
    assert model._log_likelihood(np.array([p, q, v]), model._prepare(rows))[0] == \
        pytest.approx(reference, rel=1e-12)


def test_expected_spend_is_the_posterior_mean():
    # Posterior nu ~ Gamma(q + px, gamma + x zbar); E[p / nu] by numerical integration.
    p, q, v = 6.25, 3.74, 15.44
    model = GammaGamma.from_params({"p": p, "q": q, "v": v})
    data = pd.DataFrame({"frequency": [0, 1, 5, 200], "monetary_value": [0.0, 20.0, 35.0, 8.0]})
    mp.mp.dps = 30

    def posterior_mean(x, z):
        shape, rate = q + p * x, v + x * z
        mode = (shape - 1) / rate  # split there: the posterior is narrow for big x
        points = [0, mode / 2, mode, 2 * mode, mp.inf]

        def density(nu):  # scaled to 1 at the mode, so nothing under- or overflows
            return mp.exp((shape - 1) * mp.log(nu / mode) - rate * (nu - mode))

        return float(mp.quad(lambda nu: p / nu * density(nu), points)
                     / mp.quad(density, points))

    np.testing.assert_allclose(model.expected_spend(data),
                               [posterior_mean(x, z) for x, z in data.to_numpy()], rtol=1e-10)


def test_it_recovers_simulated_parameters():
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    frequency = np.random.default_rng(5).integers(1, 12, 20_000)
    data = simulation.gamma_gamma(frequency, **truth, seed=5)

    model = GammaGamma().fit(data)

    # p, q and gamma are strongly correlated, so test them jointly: the likelihood ratio
    # of the estimate over the truth is chi-square with 3 degrees of freedom.
    at_truth = model._log_likelihood(np.array(list(truth.values())), model._prepare(
        inputs.read(data, GammaGamma.columns)))[0]
    assert 2 * (model.log_likelihood_ - at_truth) < stats.chi2.ppf(0.99, 3)
    assert model.params_["p"] == pytest.approx(truth["p"], rel=0.15)


def test_only_repeat_buyers_inform_the_fit(cdnow_summary):
    repeaters = cdnow_summary[cdnow_summary.frequency > 0]
    assert GammaGamma().fit(cdnow_summary).params_ == pytest.approx(
        GammaGamma().fit(repeaters).params_, rel=1e-6)


def test_repeat_buyers_who_spent_nothing_are_left_out_and_said(cdnow_summary):
    data = cdnow_summary.copy()
    first_repeater = data.index[data.frequency > 0][0]
    data.loc[first_repeater, "monetary_value"] = 0.0
    with pytest.warns(UserWarning, match="1 customers with repeat purchases spent nothing"):
        model = GammaGamma().fit(data)
    assert model.n_customers_ == 945


def test_correlated_frequency_and_spend_are_flagged():
    frequency = np.repeat(np.arange(1, 11), 100)
    data = pd.DataFrame({"frequency": frequency, "monetary_value": 5.0 * frequency + 1.0})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GammaGamma().fit(data)
    assert any("correlated" in str(w.message) for w in caught)


def test_bad_input_is_named():
    with pytest.raises(InputError, match="row 2: monetary_value is -3"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1, 2], "monetary_value": [5.0, -3.0]}))
    with pytest.raises(InputError, match="needs customers with repeat purchases"):
        GammaGamma().fit(pd.DataFrame({"frequency": [0, 0], "monetary_value": [0.0, 0.0]}))
