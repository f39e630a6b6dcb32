"""BG/NBD and MBG/NBD: published estimates, independent computations, recovery, edges."""

from __future__ import annotations

import warnings
from pathlib import Path

import ibis
import mpmath as mp
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tenure.analytics import frames
from tenure.analytics.clv import (
    BetaGeo,
    IdentificationWarning,
    ModifiedBetaGeo,
    NotFittedError,
    simulation,
)
from tenure.analytics.exceptions import InputError
from tenure.analytics.summary import customer_summary

from .checks import assert_gradient_is_the_derivative

CDNOW = Path("/work/shared/data/cdnow")
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee 2005


@pytest.fixture(scope="module")
def fh_summary() -> pd.DataFrame:
    """Fader & Hardie's own CDNOW calibration summary, in weeks."""
    d = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    return d.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.fixture(scope="module")
def fitted(fh_summary) -> BetaGeo:
    return BetaGeo(time_unit="week").fit(fh_summary)


def rows(*triples) -> pd.DataFrame:
    return pd.DataFrame(triples, columns=["frequency", "recency", "T"])


# --- the published fit -----------------------------------------------------------------------

def test_it_gives_the_published_cdnow_estimates(fitted):
    assert {k: round(v, 3) for k, v in fitted.params_.items()} == PUBLISHED
    assert round(fitted.log_likelihood_, 1) == -9582.4
    assert fitted.converged_


def test_the_summary_built_from_raw_cdnow_gives_them_too():
    tx = frames.transactions(CDNOW / "CDNOW_sample.txt", con=ibis.duckdb.connect(),
                             columns=[None, "customer_id", "time", None, "amount"])
    summary = customer_summary(tx, as_of="1997-09-30", unit="week").to_pandas()

    model = BetaGeo(time_unit="week").fit(summary)

    assert {k: round(v, 3) for k, v in model.params_.items()} == PUBLISHED
    assert round(model.log_likelihood_, 1) == -9582.4


def test_the_published_conditional_expectation_of_customer_1(fitted):
    # FHL 2005, section 4: x = 2, t_x = 30.43, T = 38.86 weeks expects 1.226 purchases in
    # the next 39 weeks.
    assert round(fitted.expected_purchases(rows((2, 30.43, 38.86)), 39)[0], 3) == 1.226


def _distinct_rows(data):
    from tenure.analytics.clv import inputs

    return inputs.compress(inputs.read(data, BetaGeo.columns), BetaGeo.columns).rows


# --- independent computations ----------------------------------------------------------------

def _individual_bg(x, tx, T, lam, p, modified):
    """BG/NBD (MBG/NBD) likelihood of one customer given lambda and p (FHL 2005, eq. 3)."""
    survive = (1 - p) ** (x + (1 if modified else 0))
    alive = survive * lam**x * mp.exp(-lam * T)
    if x > 0 or modified:
        alive += p * (1 - p) ** (x - 1 + (1 if modified else 0)) * lam**x * mp.exp(-lam * tx)
    return alive


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
@pytest.mark.parametrize("x,tx,T", [(0, 0, 38.86), (2, 30.43, 38.86), (5, 10.0, 52.0)])
def test_the_likelihood_is_the_integral_over_the_latent_rate_and_dropout(model_class, x, tx, T):
    r, alpha, a, b = 0.5, 6.0, 0.9, 1.6
    mp.mp.dps = 20

    def integrand(p, lam):
        prior = (mp.exp(-lam * alpha) * lam ** (r - 1) * alpha**r / mp.gamma(r)
                 * p ** (a - 1) * (1 - p) ** (b - 1) / mp.beta(a, b))
        return _individual_bg(x, tx, T, lam, p, model_class.modified) * prior

    reference = float(mp.log(mp.quad(integrand, [0, 1], [0, 1, mp.inf])))
    model = model_class.from_params({"r": r, "alpha": alpha, "a": a, "b": b})
    prepared = model._prepare(_distinct_rows(rows((x, tx, T))))

    assert model._log_likelihood(np.array([r, alpha, a, b]), prepared)[0] == \
        pytest.approx(reference, rel=1e-9)


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
def test_the_analytic_gradient_is_the_derivative(model_class, fh_summary):
    model = model_class(time_unit="week")
    prepared = model._prepare(_distinct_rows(fh_summary))
    assert_gradient_is_the_derivative(model, prepared, [0.3, 5.0, 0.7, 2.0])


def _expected_closed_form(t, x, tx, T, r, alpha, a, b, modified):
    """FHL 2005 eq. 10 (MBG/NBD: Batislam et al. 2007) with mpmath's 2F1 at 40 digits."""
    mp.mp.dps = 40
    t, x, tx, T, r, alpha, a, b = map(mp.mpf, (t, x, tx, T, r, alpha, a, b))
    m = 1 if modified else 0
    head = (a + b + x - 1 + m) / (a - 1)
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * mp.hyp2f1(
        r + x, b + x + m, a + b + x - 1 + m, t / (alpha + T + t))
    if x > 0 or modified:
        alive = 1 + a / (b + x - 1 + m) * ((alpha + T) / (alpha + tx)) ** (r + x)
    else:
        alive = mp.mpf(1)
    return float(head * bracket / alive)


CASES = [(0, 0, 0), (0, 0, 38.86), (2, 30.43, 38.86), (7, 35.0, 38.0), (40, 300.0, 700.0),
         (1000, 9990.0, 10000.0), (1000, 5000.0, 10000.0), (3, 3.0, 10000.0)]


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
@pytest.mark.parametrize("t", [1.0, 39.0, 365.0, 3650.0])
def test_expected_purchases_equal_the_hypergeometric_closed_form(model_class, t):
    params = {"r": 0.55, "alpha": 45.0, "a": 1.8, "b": 2.6}
    model = model_class.from_params(params)
    data = rows(*CASES)

    ours = model.expected_purchases(data, t)

    reference = [_expected_closed_form(t, *c, *params.values(), model_class.modified)
                 for c in CASES]
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, reference, rtol=1e-10)


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
def test_count_probabilities_sum_to_one_and_to_the_expectation(model_class):
    model = model_class.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    data = rows(*CASES[:6])
    counts = np.arange(250)  # the tail beyond is below 1e-12 for these customers
    probabilities = np.array([model.purchase_count_probability(data, n, 39.0)
                              for n in counts])

    np.testing.assert_allclose(probabilities.sum(axis=0), 1.0, rtol=1e-10)
    np.testing.assert_allclose(counts @ probabilities,
                               model.expected_purchases(data, 39.0), rtol=1e-9)


def test_p_alive_and_expectations_agree_with_the_simulated_truth():
    # Law of total probability: under the true parameters, the mean predicted P(alive)
    # equals the share of simulated customers alive; likewise the future purchases.
    truth = {"r": 0.55, "alpha": 45.0, "a": 0.8, "b": 2.6}
    customers = simulation.bg_nbd(60_000, **truth, T=365.0, seed=3)
    model = BetaGeo.from_params(truth)

    alive = model.probability_alive(customers)
    share, se = customers["alive"].mean(), customers["alive"].std() / np.sqrt(len(customers))

    assert alive.mean() == pytest.approx(share, abs=4 * se)
    repeaters = customers["frequency"] > 0
    assert alive[repeaters].mean() == pytest.approx(customers["alive"][repeaters].mean(),
                                                    abs=4 * se * 2)


def test_expected_repeat_purchases_of_a_new_customer_follow_eq_9():
    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    mp.mp.dps = 30
    r, alpha, a, b = map(mp.mpf, params.values())

    def eq9(t):
        return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * mp.hyp2f1(
            r, b, a + b - 1, t / (alpha + t))))

    ts = [1.0, 39.0, 78.0, 520.0]
    np.testing.assert_allclose(BetaGeo.from_params(params).expected_repeat_purchases(ts),
                               [eq9(t) for t in ts], rtol=1e-10)


# --- recovery and large data -----------------------------------------------------------------

@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
def test_it_recovers_simulated_parameters_within_their_intervals(model_class):
    truth = {"r": 0.55, "alpha": 45.0, "a": 0.8, "b": 2.6}
    T = np.random.default_rng(7).uniform(30, 730, 15_000)
    data = simulation.bg_nbd(15_000, **truth, T=T, seed=7, modified=model_class.modified)

    model = model_class().fit(data)

    for name, value in truth.items():
        estimate, se = model.params_[name], model.standard_errors_[name]
        assert abs(estimate - value) < 2.6 * se, name  # 99 % interval


def test_it_reads_arrow_tables_and_dicts(fh_summary):
    columns = fh_summary[["frequency", "recency", "T"]]
    expected = BetaGeo().fit(columns).params_
    assert BetaGeo().fit(pa.Table.from_pandas(columns)).params_ == pytest.approx(expected)
    assert BetaGeo().fit({c: columns[c].to_numpy() for c in columns}).params_ == \
        pytest.approx(expected)


# --- edges and errors ------------------------------------------------------------------------

def test_heavy_buyers_and_long_histories_stay_finite():
    model = BetaGeo.from_params({"r": 0.55, "alpha": 45.0, "a": 0.8, "b": 2.6})
    data = rows((1000, 9990.0, 10000.0), (1000, 10.0, 10000.0), (0, 0.0, 0.0))

    for values in (model.probability_alive(data), model.expected_purchases(data, 3650),
                   model.purchase_count_probability(data, 30, 90)):
        assert np.all(np.isfinite(values))
    prepared = model._prepare(_distinct_rows(data))
    ll, grad = model._log_likelihood(np.array([0.55, 45.0, 0.8, 2.6]), prepared)
    assert np.isfinite(ll) and np.all(np.isfinite(grad))
    # The buyer who stopped 9,990 days ago is all but gone; the other is surely alive.
    assert model.probability_alive(data)[1] < 1e-100 < 0.99 < model.probability_alive(data)[0]


@pytest.mark.parametrize("row,message", [
    ((1, 40.0, 38.0), "row 2: recency is 40: recency .* cannot exceed T .*; T is 38"),
    ((-1, 0.0, 38.0), "row 2: frequency is -1"),
    ((1.5, 3.0, 38.0), "row 2: frequency is 1.5: .* whole number"),
    ((0, 3.0, 38.0), "row 2: recency is 3: a customer without repeat purchases has recency 0"),
    ((1, np.nan, 38.0), "row 2: recency is empty"),
])
def test_bad_rows_are_named(row, message):
    with pytest.raises(InputError, match=message):
        BetaGeo().fit(rows((0, 0.0, 10.0), row))


def test_a_missing_column_is_named():
    with pytest.raises(InputError, match="no column 'T'.*customer_summary"):
        BetaGeo().fit(pd.DataFrame({"frequency": [1], "recency": [2.0]}))


def test_it_must_be_fitted_first():
    with pytest.raises(NotFittedError, match="call fit"):
        BetaGeo().probability_alive(rows((1, 2.0, 3.0)))


def test_no_repeat_buyers_cannot_identify_the_dropout():
    data = rows(*[(0, 0.0, float(t)) for t in range(1, 200)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        BetaGeo().fit(data)
    assert any(issubclass(w.category, IdentificationWarning) and "cannot identify" in
               str(w.message) for w in caught)


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
def test_dropout_mass_near_one_keeps_the_expectation_exact(model_class):
    # Small a and b put Beta(a, b) mass at both ends; rounding once made 1 - p negative.
    params = {"r": 0.3, "alpha": 2.0, "a": 0.2, "b": 1e-6}
    model = model_class.from_params(params)
    data = rows((0, 0.0, 0.0), (0, 0.0, 5.0), (1, 1.0, 3.0))

    ours = model.expected_purchases(data, 365.0)

    reference = [_expected_closed_form(365.0, *c, *params.values(), model_class.modified)
                 for c in data.itertuples(index=False)]
    np.testing.assert_allclose(ours, reference, rtol=1e-8)


def _plain_mbg_log_likelihood(params, x, tx, T):
    """MBG/NBD's log-likelihood written out from Batislam et al. (2007), no shared code."""
    from scipy.special import betaln, gammaln

    r, alpha, a, b = params
    head = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            + betaln(a, b + x + 1) - betaln(a, b))
    bracket = (alpha + T) ** -(r + x) + a / (b + x) * (alpha + tx) ** -(r + x)
    return float(np.sum(head + np.log(bracket)))


def test_a_second_optimiser_finds_the_same_mbg_nbd_optimum(fh_summary):
    from scipy.optimize import minimize

    x, tx, T = (fh_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    found = minimize(lambda z: -_plain_mbg_log_likelihood(np.exp(z), x, tx, T),
                     np.zeros(4), method="Nelder-Mead",
                     options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20_000})
    model = ModifiedBetaGeo(time_unit="week").fit(fh_summary)

    np.testing.assert_allclose([model.params_[n] for n in ModifiedBetaGeo.parameter_names],
                               np.exp(found.x), rtol=1e-5)
    assert model.log_likelihood_ == pytest.approx(-found.fun, rel=1e-10)


# --- the optimised kernel against a plain one ------------------------------------------------

def _plain_bg_log_likelihood(params, x, tx, T, modified):
    """BG/NBD's (MBG/NBD's) log-likelihood per customer, written out from FHL 2005 eq. 6
    (Batislam et al. 2007), with none of the kernel's grouping, caching or softplus."""
    from scipy.special import betaln, gammaln

    r, alpha, a, b = params
    m = 1 if modified else 0
    head = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
            + betaln(a, b + x + m) - betaln(a, b) - (r + x) * np.log(alpha + T))
    dropout = (x > 0) if not modified else np.ones(len(x), dtype=bool)
    with np.errstate(divide="ignore"):
        odds = np.where(dropout, a / np.where(dropout, b + x - 1 + m, 1.0)
                        * ((alpha + T) / (alpha + tx)) ** (r + x), 0.0)
    return head + np.log1p(odds)


def _kernel_rows(model_class, n, seed, whole_days):
    T = np.random.default_rng(seed).uniform(1, 730, n)
    data = simulation.bg_nbd(n, 0.55, 45.0, 0.8, 2.6, T=T, seed=seed,
                             modified=model_class.modified)[["frequency", "recency", "T"]]
    if whole_days:  # day-level data: many customers share a row, the times repeat
        data["T"] = np.ceil(data["T"])
        data["recency"] = np.minimum(np.round(data["recency"]), data["T"])
    return data


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
@pytest.mark.parametrize("whole_days", [False, True])
def test_the_kernel_equals_the_plain_likelihood_and_its_derivative(model_class, whole_days):
    # 30,000 rows: continuous times take the kernel's per-row path, whole days its
    # distinct-value path with weights.
    data = _kernel_rows(model_class, 30_000, 11, whole_days)
    x, tx, T = (data[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    model = model_class()
    prepared = model._prepare(_distinct_rows(data))
    # Moving one parameter at a time reuses the kernel's terms of alpha: the same numbers.
    points = [[0.55, 45.0, 0.8, 2.6], [0.6, 45.0, 0.8, 2.6], [0.6, 45.0, 1.1, 2.6],
              [0.6, 45.0, 1.1, 3.0], [0.3, 12.0, 2.0, 0.7], [0.55, 45.0, 0.8, 2.6]]
    for point in points:
        params = np.array(point)
        ll, grad = model._log_likelihood(params, prepared)
        plain = _plain_bg_log_likelihood(params, x, tx, T, model_class.modified)
        assert ll == pytest.approx(plain.sum(), rel=1e-12), point
        for i in range(4):
            h = np.zeros(4)
            h[i] = 1e-5 * params[i]
            numeric = (_plain_bg_log_likelihood(params + h, x, tx, T, model_class.modified)
                       - _plain_bg_log_likelihood(params - h, x, tx, T, model_class.modified)
                       ).sum() / (2 * h[i])
            assert grad[i] == pytest.approx(numeric, rel=1e-6), (point, i)


@pytest.mark.parametrize("model_class", [BetaGeo, ModifiedBetaGeo])
def test_the_expectation_path_is_the_expectation_at_each_horizon(model_class):
    model = model_class.from_params({"r": 0.55, "alpha": 45.0, "a": 0.8, "b": 2.6})
    data = rows(*CASES)
    times = [0.0, 30.4375, 365.0]

    path = model.expected_purchases_path(data, times)

    assert path.shape == (len(times), len(CASES))
    # Every horizon in one pass: the Gauss sums may round in another order, no more.
    for row, t in zip(path, times, strict=True):
        np.testing.assert_allclose(row, model.expected_purchases(data, t), rtol=1e-14,
                                   atol=0)
