"""Pareto/NBD: the published fit, independent computations, recovery, predictions, edges."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, special

from tenure.analytics.clv import NotFittedError, ParetoNBD, base, inputs, simulation
from tenure.analytics.clv.pnbd import count_probability, log_tail
from tenure.analytics.exceptions import IdentificationWarning, InputError

from .checks import assert_gradient_is_the_derivative

CDNOW = Path("/work/shared/data/cdnow")
# Fader & Hardie, "A Note on Deriving the Pareto/NBD Model and Related Expressions" (2005).
PUBLISHED = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
# Realistic daily parameters (CDNOW's, weeks turned into days) for the edge cases.
DAILY = {"r": 0.55, "alpha": 10.58 * 7, "s": 0.61, "beta": 11.67 * 7}


@pytest.fixture(scope="module")
def fh_summary() -> pd.DataFrame:
    """Fader & Hardie's own CDNOW calibration summary, in weeks."""
    d = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    return d.rename(columns={"x": "frequency", "t_x": "recency"})


@pytest.fixture(scope="module")
def fitted(fh_summary) -> ParetoNBD:
    return ParetoNBD(time_unit="week").fit(fh_summary)


def rows(*triples) -> pd.DataFrame:
    return pd.DataFrame(triples, columns=["frequency", "recency", "T"])


def log_likelihoods(params: dict, data: pd.DataFrame) -> np.ndarray:
    """The model's log-likelihood of each row on its own."""
    model = ParetoNBD.from_params(params)
    p = np.array([params[n] for n in ParetoNBD.parameter_names])
    out = []
    for i in range(len(data)):
        one = inputs.read(data.iloc[[i]], ParetoNBD.columns)
        out.append(model._log_likelihood(p, model._prepare(one))[0])
    return np.array(out)


# --- the published fit -----------------------------------------------------------------------

def test_it_gives_the_published_cdnow_estimates(fitted):
    assert {k: round(v, 2) for k, v in fitted.params_.items()} == PUBLISHED
    assert round(fitted.log_likelihood_, 1) == -9595.0
    assert fitted.converged_


def _closed_form_log_likelihood(x, tx, T, r, alpha, s, beta):
    """Fader & Hardie 2005's likelihood through Gauss's 2F1, with mpmath at 50 digits."""
    mp.mp.dps = 50
    x, tx, T, r, alpha, s, beta = map(mp.mpf, (x, tx, T, r, alpha, s, beta))
    k = r + s + x

    def term(y):
        if alpha >= beta:
            return mp.hyp2f1(k, s + 1, k + 1, (alpha - beta) / (alpha + y)) / (alpha + y) ** k
        return mp.hyp2f1(k, r + x, k + 1, (beta - alpha) / (beta + y)) / (beta + y) ** k

    bracket = (alpha + T) ** -(r + x) * (beta + T) ** -s + s / k * (term(tx) - term(T))
    return float(mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
                 + mp.log(bracket))


EDGES = [(0, 0.0, 0.0), (0, 0.0, 300.0), (2, 30.43, 38.86), (5, 100.0, 700.0), (30, 29.0, 730.0),
         (1000, 9990.0, 10000.0), (1000, 5000.0, 10000.0), (1000, 10000.0, 10000.0)]


@pytest.mark.parametrize("params", [DAILY, {"r": 2.0, "alpha": 30.0, "s": 0.05, "beta": 3.0},
                                    {"r": 0.2, "alpha": 0.5, "s": 4.0, "beta": 900.0}])
def test_the_likelihood_equals_the_hypergeometric_closed_form(params):
    data = rows(*EDGES)
    reference = [_closed_form_log_likelihood(*row, *params.values()) for row in EDGES]
    np.testing.assert_allclose(log_likelihoods(params, data), reference, rtol=1e-12,
                               atol=1e-11)


def _log_integral(log_f) -> float:
    """ln of the integral of exp(log_f(a, b)) over the plane, by scipy's dblquad.

    A grid finds the region where log_f is within 60 of its maximum; the integral is taken
    over that box, scaled by the maximum, so nothing under- or overflows.
    """
    grid = np.linspace(-45.0, 10.0, 551)
    values = log_f(grid[:, None], grid[None, :])
    top = values.max()
    ia, ib = np.nonzero(values > top - 60)
    a_lo, a_hi = grid[max(ia.min() - 2, 0)], grid[min(ia.max() + 2, len(grid) - 1)]
    b_lo, b_hi = grid[max(ib.min() - 2, 0)], grid[min(ib.max() + 2, len(grid) - 1)]
    value, _ = integrate.dblquad(lambda b, a: math.exp(log_f(a, b) - top), a_lo, a_hi,
                                 b_lo, b_hi, epsabs=0, epsrel=1e-11)
    return top + math.log(value)


def _posterior(x, tx, T, t, r, alpha, s, beta) -> tuple[float, float, float]:
    """Integrate over the latent purchase rate lambda and dropout rate mu (in logs).

    Returns the log-likelihood, P(alive) and the expected purchases in the next t, from the
    individual-level likelihood lambda^x e^{-(lambda+mu)T} + lambda^x mu/(lambda+mu)
    (e^{-(lambda+mu)t_x} - e^{-(lambda+mu)T}) against the two gamma densities (Fader &
    Hardie 2005, section 3): nothing of the model's own algebra.
    """

    def prior(a, b):  # a = ln lambda, b = ln mu; the Jacobian is in the exponents r, s
        return (r * math.log(alpha) - special.gammaln(r) + r * a - alpha * np.exp(a)
                + s * math.log(beta) - special.gammaln(s) + s * b - beta * np.exp(b))

    def alive(a, b):
        return prior(a, b) + x * a - (np.exp(a) + np.exp(b)) * T

    def either(a, b):
        if T == tx:
            return alive(a, b)
        total = np.exp(a) + np.exp(b)
        dead = (prior(a, b) + x * a + b - np.log(total) - total * tx
                + np.log(-np.expm1(-total * (T - tx))))
        return np.logaddexp(alive(a, b), dead)

    def future(a, b):  # alive, then lambda * E[min(lifetime, t)] = lambda (1 - e^{-mu t}) / mu
        return alive(a, b) + a + np.log(-np.expm1(-np.exp(b) * t)) - b

    ll = _log_integral(either)
    return ll, math.exp(_log_integral(alive) - ll), math.exp(_log_integral(future) - ll)


POSTERIOR_CASES = [(0, 0.0, 300.0), (2, 30.43, 38.86), (1000, 9990.0, 10000.0),
                   (1000, 5000.0, 10000.0)]


@pytest.fixture(scope="module")
def posterior_references():
    return [_posterior(*row, 90.0, *DAILY.values()) for row in POSTERIOR_CASES]


def test_the_likelihood_is_the_integral_over_lambda_and_mu(posterior_references):
    reference = [ll for ll, _, _ in posterior_references]
    np.testing.assert_allclose(log_likelihoods(DAILY, rows(*POSTERIOR_CASES)), reference,
                               rtol=1e-9)


def test_p_alive_and_expected_purchases_are_the_posterior_integrals(posterior_references):
    model = ParetoNBD.from_params(DAILY)
    data = rows(*POSTERIOR_CASES)
    alive = [p for _, p, _ in posterior_references]
    future = [e for _, _, e in posterior_references]
    # P(alive) runs from 0.999 down to 1e-295 here: relative agreement throughout.
    np.testing.assert_allclose(model.probability_alive(data), alive, rtol=1e-8)
    np.testing.assert_allclose(model.expected_purchases(data, 90.0), future, rtol=1e-8)


def _log_tail_mpmath(p, q, a, b):
    """ln of the integral of (a+t)^-p (b+t)^-q over (0, inf) through Gauss's 2F1."""
    p, q, a, b = map(mp.mpf, (p, q, a, b))
    k = p + q - 1
    if a >= b:
        return mp.log(mp.hyp2f1(k, q, p + q, (a - b) / a) / (k * a**k))
    return mp.log(mp.hyp2f1(k, p, p + q, (b - a) / b) / (k * b**k))


@pytest.fixture(scope="module")
def extreme_tails():
    # p = r + x up to 3000, q - 1 = s down to 0.01, a/b from 1e-8 to 1e8.
    rng = np.random.default_rng(11)
    n = 200
    p = 10 ** rng.uniform(-2, 1.5, n) + rng.choice([0, 1, 10, 100, 1000, 3000], n)
    q = 1 + 10 ** rng.uniform(-2, 1.5, n)
    a = 10 ** rng.uniform(-3, 4, n) + rng.choice([0, 10, 1000, 100_000], n)
    b = 10 ** rng.uniform(-3, 4, n) + rng.choice([0, 10, 1000, 100_000], n)
    return p, q, a, b


def test_the_tail_integral_matches_mpmath_over_extreme_arguments(extreme_tails):
    mp.mp.dps = 30
    expected = [float(_log_tail_mpmath(*args)) for args in zip(*extreme_tails, strict=True)]
    # ln F to 5e-11 absolute: F to 5e-11 relative.
    np.testing.assert_allclose(log_tail(*extreme_tails), expected, rtol=0, atol=5e-11)


def test_the_tail_integrals_partials_match_mpmath(extreme_tails):
    mp.mp.dps = 30
    some = [np.asarray(v[::5]) for v in extreme_tails]
    partials = log_tail(*some, gradient=True)[1]
    for i, args in enumerate(zip(*some, strict=True)):
        point = [mp.mpf(v) for v in args]
        for j, column in ((0, 0), (1, 2), (2, 1), (3, 3)):  # (p, q, a, b) -> (p, a, q, b)
            def f(v, j=j, point=point):
                return _log_tail_mpmath(*[v if m == j else point[m] for m in range(4)])

            assert partials[i, column] == pytest.approx(float(mp.diff(f, point[j])),
                                                        rel=1e-10, abs=0), (args, j)


# --- the gradient and a second optimiser ----------------------------------------------------

@pytest.mark.parametrize("data_name", ["cdnow", "edges"])
def test_the_analytic_gradient_is_the_derivative(data_name, fh_summary):
    data = fh_summary if data_name == "cdnow" else rows(*EDGES)
    model = ParetoNBD()
    prepared = model._prepare(inputs.read(data, ParetoNBD.columns))
    for p in ([0.3, 5.0, 0.7, 20.0], [2.0, 60.0, 0.05, 3.0]):
        assert_gradient_is_the_derivative(model, prepared, p, abs=1e-6)


def test_nelder_mead_on_the_plain_closed_form_reaches_the_same_optimum(fitted, fh_summary):
    # A second optimiser (no gradient) on a second likelihood (scipy's 2F1, the paper's form).
    x, tx, T = (fh_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))

    def plain(theta):
        r, alpha, s, beta = np.exp(theta)
        k = r + s + x
        if alpha >= beta:
            def term(y):
                z = (alpha - beta) / (alpha + y)
                return special.hyp2f1(k, s + 1, k + 1, z) / (alpha + y) ** k
        else:
            def term(y):
                z = (beta - alpha) / (beta + y)
                return special.hyp2f1(k, r + x, k + 1, z) / (beta + y) ** k
        bracket = (alpha + T) ** -(r + x) * (beta + T) ** -s + s / k * (term(tx) - term(T))
        return -np.sum(special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
                       + s * np.log(beta) + np.log(bracket))

    result = optimize.minimize(plain, np.zeros(4), method="Nelder-Mead",
                               options={"xatol": 1e-10, "fatol": 1e-10, "maxfev": 20_000})

    ours = np.array([fitted.params_[n] for n in ParetoNBD.parameter_names])
    np.testing.assert_allclose(np.exp(result.x), ours, rtol=1e-5)
    assert -result.fun == pytest.approx(fitted.log_likelihood_, abs=1e-8)


# --- recovery and large data -----------------------------------------------------------------

def test_it_recovers_simulated_parameters_within_their_95_percent_intervals():
    truth = {"r": 0.55, "alpha": 74.0, "s": 0.61, "beta": 82.0}
    # Monthly cohorts observed 1 to 24 months, in days.
    T = 30.0 * np.random.default_rng(7).integers(1, 25, 20_000)
    data = simulation.pareto_nbd(20_000, **truth, T=T, seed=7)

    summary = ParetoNBD().fit(data).summary

    for name, value in truth.items():
        assert summary.loc[name, "lower_95"] < value < summary.loc[name, "upper_95"], name


def test_p_alive_and_future_purchases_agree_with_the_simulated_truth():
    # Under the true parameters the mean predicted P(alive) is the share of simulated
    # customers alive at T, and the mean expectation the mean of their simulated next 90
    # days (lifetimes are memoryless: an alive customer's remaining life is Exp(mu)).
    customers = simulation.pareto_nbd(60_000, **DAILY, T=365.0, seed=3)
    rng = np.random.default_rng(4)
    remaining = rng.exponential(1 / customers["death_rate"])
    future = np.where(customers["alive"],
                      rng.poisson(customers["rate"] * np.minimum(remaining, 90.0)), 0)
    model = ParetoNBD.from_params(DAILY)

    alive = model.probability_alive(customers)
    expected = model.expected_purchases(customers, 90.0)

    se = customers["alive"].std() / np.sqrt(len(customers))
    assert alive.mean() == pytest.approx(customers["alive"].mean(), abs=4 * se)
    se = future.std() / np.sqrt(len(customers))
    assert expected.mean() == pytest.approx(future.mean(), abs=4 * se)


def test_count_probabilities_sum_to_one_and_to_the_expectation():
    model = ParetoNBD.from_params(DAILY)
    data = rows((0, 0.0, 0.0), (0, 0.0, 300.0), (2, 30.43, 38.86), (30, 29.0, 730.0),
                (1000, 9990.0, 10000.0), (1000, 5000.0, 10000.0))
    counts = np.arange(400)  # the tail beyond is far below 1e-12 for these customers
    probabilities = np.array([model.purchase_count_probability(data, n, 90.0)
                              for n in counts])

    assert np.all((probabilities >= 0) & (probabilities <= 1))
    np.testing.assert_allclose(probabilities.sum(axis=0), 1.0, rtol=1e-11)
    np.testing.assert_allclose(counts @ probabilities, model.expected_purchases(data, 90.0),
                               rtol=1e-10)


def _count_probability_mpmath(n, t, r, alpha, s, beta):
    """The integral form of P(X(t) = n) (Fader & Hardie 2020), by mpmath at 30 digits."""
    mp.mp.dps = 30
    n, t, r, alpha, s, beta = map(mp.mpf, (n, t, r, alpha, s, beta))
    log_c = mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)

    def log_nb(tau):
        return log_c + r * mp.log(alpha / (alpha + tau)) + n * mp.log(tau / (alpha + tau))

    first = mp.exp(log_nb(t) + s * mp.log(beta / (beta + t)))

    def log_f(u):  # in u = ln tau, around the peak found by mpmath
        tau = mp.exp(u)
        return log_nb(tau) + mp.log(s) + s * mp.log(beta) - (s + 1) * mp.log(beta + tau) + u

    peak = min(mp.findroot(lambda u: mp.diff(log_f, u), mp.log((n + 0.5) * alpha / r)),
               mp.log(t))
    width = 1 / mp.sqrt(max(-mp.diff(log_f, peak, 2), mp.mpf(1e-6)))
    points = [peak + k * width for k in (-40, -10, -3, 0, 3, 10, 40)
              if peak + k * width < mp.log(t)]
    top = log_f(peak)
    second = mp.quad(lambda u: mp.exp(log_f(u) - top), [-mp.inf, *points, mp.log(t)])
    return float(first + mp.exp(top) * second)


COUNT_CASES = [  # n, t, r, alpha, s, beta
    (0, 90.0, 0.55, 74.0, 0.61, 82.0), (3, 90.0, 2.55, 112.0, 0.61, 120.0),
    (0, 22.0, 834.8, 0.64, 5.66, 7652.0), (20, 0.26, 1.34, 470.9, 9.57, 95.1),
    (1000, 1730.0, 78.5, 1107.0, 0.076, 366.8), (100, 5.56, 706.3, 3781.7, 0.4, 0.21),
    (5, 6338.2, 84.5, 4.29, 0.067, 5771.0), (20, 90.0, 1000.55, 10074.0, 0.61, 10082.0),
    (300, 3650.0, 1000.55, 10074.0, 0.61, 10082.0)]


@pytest.mark.parametrize("n,t,r,alpha,s,beta", COUNT_CASES)
def test_count_probabilities_match_mpmath(n, t, r, alpha, s, beta):
    ours = count_probability(n, t, np.array([r]), np.array([alpha]), s, np.array([beta]))
    # Relative throughout: some of these probabilities are below 1e-150.
    assert ours[0] == pytest.approx(_count_probability_mpmath(n, t, r, alpha, s, beta),
                                    rel=1e-11, abs=0)


@pytest.mark.parametrize("s", [0.61, 1.0 - 1e-9, 1.0, 1.0 + 1e-9, 3.0])
def test_expected_repeat_purchases_of_a_new_customer(s):
    # E[X(t)] = E[lambda] E[min(lifetime, t)] = (r / alpha) int g(mu) (1 - e^{-mu t}) / mu,
    # integrated by mpmath over the gamma density of mu; it is continuous through s = 1.
    r, alpha, beta = 0.55, 74.0, 82.0
    mp.mp.dps = 30
    ts = [1.0, 90.0, 3650.0]

    def density(mu):  # Gamma(s, beta)
        return mp.mpf(beta) ** s * mu ** (s - 1) * mp.exp(-beta * mu) / mp.gamma(s)

    def reference(t):
        return float(r / alpha * mp.quad(lambda mu: density(mu) * -mp.expm1(-mu * t) / mu,
                                          [0, 1 / mp.mpf(t), 1 / mp.mpf(beta), mp.inf]))

    model = ParetoNBD.from_params({"r": r, "alpha": alpha, "s": s, "beta": beta})
    np.testing.assert_allclose(model.expected_repeat_purchases(ts),
                               [reference(t) for t in ts], rtol=1e-10)


def test_unconditional_count_probabilities_sum_to_the_expectation():
    model = ParetoNBD.from_params(DAILY)
    counts = np.arange(300)
    probabilities = np.array([count_probability(n, 365.0, np.array([DAILY["r"]]),
                                                np.array([DAILY["alpha"]]), DAILY["s"],
                                                np.array([DAILY["beta"]]))[0]
                              for n in counts])
    assert probabilities.sum() == pytest.approx(1.0, rel=1e-10)
    assert counts @ probabilities == pytest.approx(
        model.expected_repeat_purchases(365.0)[0], rel=1e-9)


def test_predictions_come_back_in_input_order(fitted, fh_summary):
    data = fh_summary.iloc[::-1].reset_index(drop=True)
    one_by_one = np.array([fitted.probability_alive(data.iloc[[i]])[0] for i in range(0, 40)])
    np.testing.assert_allclose(fitted.probability_alive(data)[:40], one_by_one, rtol=1e-13)
    assert len(fitted.expected_purchases(data, 39.0)) == len(data)


# --- edges and errors ------------------------------------------------------------------------

def test_heavy_buyers_long_histories_and_empty_ones_stay_finite():
    model = ParetoNBD.from_params(DAILY)
    data = rows((1000, 9990.0, 10000.0), (0, 0.0, 0.0), (1000, 10.0, 10000.0))

    with np.errstate(over="raise", invalid="raise"):
        results = [model.probability_alive(data), model.expected_purchases(data, 3650.0),
                   model.purchase_count_probability(data, 30, 90.0),
                   model.purchase_count_probability(data, 0, 90.0)]
        prepared = model._prepare(inputs.read(data, ParetoNBD.columns))
        ll, grad = model._log_likelihood(np.array(list(DAILY.values())), prepared)
    for values in results:
        assert np.all(np.isfinite(values))
    assert np.isfinite(ll) and np.all(np.isfinite(grad))
    alive = results[0]
    # The steady buyer is surely alive, the newcomer without history is too (nothing has
    # happened yet); the buyer who stopped 9,990 days ago is gone (about e^-4800: it
    # underflows).
    assert alive[0] > 0.99 and alive[1] == 1.0 and 0 <= alive[2] < 1e-300


def test_a_customer_without_history_is_a_new_customer():
    model = ParetoNBD.from_params(DAILY)
    newcomer = rows((0, 0.0, 0.0))
    assert model.expected_purchases(newcomer, 90.0)[0] == pytest.approx(
        model.expected_repeat_purchases(90.0)[0], rel=1e-14)


@pytest.mark.parametrize("row,message", [
    ((1, 40.0, 38.0), "row 2: recency is 40: recency .* cannot exceed T .*; T is 38"),
    ((1.5, 3.0, 38.0), "row 2: frequency is 1.5: .* whole number"),
    ((0, 3.0, 38.0), "row 2: recency is 3: a customer without repeat purchases has recency 0"),
])
def test_bad_rows_are_named(row, message):
    with pytest.raises(InputError, match=message):
        ParetoNBD().fit(rows((0, 0.0, 10.0), row))


def test_bad_horizons_and_counts_are_refused():
    model = ParetoNBD.from_params(DAILY)
    with pytest.raises(InputError, match="horizon"):
        model.expected_purchases(rows((1, 2.0, 3.0)), -1)
    with pytest.raises(InputError, match="whole number"):
        model.purchase_count_probability(rows((1, 2.0, 3.0)), 1.5, 30)


def test_it_must_be_fitted_first():
    with pytest.raises(NotFittedError, match="call fit"):
        ParetoNBD().probability_alive(rows((1, 2.0, 3.0)))


def test_a_flat_likelihood_stops_the_newton_steps_at_once(monkeypatch):
    # Customers who (almost) never leave: s -> 0 with s / beta -> 0 is a ridge along which
    # the likelihood is flat to rounding. One Hessian shows it (and gives the standard
    # errors); Newton steps along the ridge would only chase rounding.
    T = np.random.default_rng(5).integers(30, 731, 5000).astype(float)
    with np.errstate(divide="ignore"):  # lifetimes drawn with rate 0 are infinite
        data = simulation.pareto_nbd(5000, 1.0, 70.0, 1e-6, 1e6, T=T, seed=5)
    data["recency"] = data["recency"].round()
    hessians = []
    differenced = base._hessian
    monkeypatch.setattr(base, "_hessian", lambda gradient, x, **kw: hessians.append(x)
                        or differenced(gradient, x, **kw))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = ParetoNBD().fit(data)

    assert not fitted.converged_
    assert any(issubclass(w.category, IdentificationWarning) and "cannot identify s, beta"
               in str(w.message) for w in caught)
    assert len(hessians) == 1
