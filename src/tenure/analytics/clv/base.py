"""The machinery every customer-value model shares: maximum likelihood, Hessian, summary.

A model brings its math (log-likelihood and its gradient, predictions); `MaximumLikelihoodModel`
does the rest, as lifelines' fitters do:

- inputs are read and validated once (`tenure.analytics.clv.inputs`) and equal rows are folded
  into one weighted row, so customers with the same history cost one evaluation;
- the likelihood is maximised over the logarithms of the (positive) parameters with L-BFGS and
  the model's analytic gradient, started from a fit to a sample of the rows when the data are
  large, then polished by Newton steps on a Hessian differenced from that gradient until the
  gradient vanishes to rounding: the true optimum, not "close enough";
- standard errors come from the inverse of that Hessian at the optimum (in the natural
  parameters); AIC and BIC from the log-likelihood;
- a fit that stops early raises `ConvergenceWarning`, a parameter the data cannot pin down
  (flat or singular likelihood, a parameter run off to 0 or infinity) `IdentificationWarning`.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, Self, TypeVar

import numpy as np
import pandas as pd
from scipy import optimize, stats
from threadpoolctl import ThreadpoolController

from tenure.analytics.messages import N_

from ..exceptions import ConvergenceWarning, IdentificationWarning, NotFittedError
from ..units import check_unit
from . import inputs

#: Above this many distinct rows, a sample of this size gives the starting point.
SAMPLE_ROWS = 20_000
#: |log parameter| beyond this means the parameter ran off to 0 or infinity.
LOG_BOUND = 30.0
#: Newton polishing stops when the next Newton step would move no log-parameter by more
#: than this (a relative change of the parameter): a test of the estimate, not of a gradient
#: that is small along a flat, badly identified direction.
STEP_TOLERANCE = 1e-9
#: An eigenvalue of the Hessian below this share of the largest marks a direction along
#: which the likelihood is flat to rounding: the data cannot pin the parameters there.
FLAT = 1e-12
#: An eigenvalue below this share of the largest marks a valley so flat that a Newton step
#: of more than a factor e along it is the estimate running off, not converging.
WEAK = 1e-7

F = TypeVar("F", bound=Callable[..., Any])


_limited = threading.local()


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """Return the process's thread-pool controller, found once.

    Finding the loaded BLAS libraries walks every shared object of the process: tens of
    milliseconds, which a new `threadpool_limits` per call paid again (the churn features
    score every snapshot and horizon). numpy's BLAS is loaded with numpy, before any call.
    """
    return ThreadpoolController()


def one_blas_thread(method: F) -> F:
    """Run ``method`` with BLAS on one thread.

    The kernels' dot products are short and many; OpenBLAS's threads only spin and wait on
    them, which made a fit ten times slower on a two-core machine. Setting the limit costs
    milliseconds, so a call made inside another limited call (CLV's monthly expectations)
    keeps the limit it is already under.
    """
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(_limited, "active", False):
            return method(*args, **kwargs)
        with _blas_controller().limit(limits=1, user_api="blas"):
            _limited.active = True
            try:
                return method(*args, **kwargs)
            finally:
                _limited.active = False

    return wrapper  # type: ignore[return-value]


class MaximumLikelihoodModel:
    """Base of the BTYD and spend models: fit by maximum likelihood, summarise, check.

    Parameters
    ----------
    time_unit : {"day", "week", "month", "quarter", "year"}, optional
        The unit of the data's time columns (recency, T) and so of a horizon ``t`` given as
        a plain number; `customer_lifetime_value` converts months into it. By default the
        unit the data records in its ``time_unit`` column (as
        `tenure.analytics.summary.customer_summary` does), else ``"day"``. A model given a
        unit refuses data that records another one (InputError), and a fitted model
        refuses to predict on data recorded in another unit than the one it was fitted in:
        times in the wrong unit would give wrong answers, not an error.

    Attributes
    ----------
    params_ : dict
        Estimated parameters by name.
    standard_errors_ : dict
        Their standard errors, from the inverse Hessian of the log-likelihood.
    covariance_ : pandas.DataFrame
        The estimated covariance matrix of the parameters.
    log_likelihood_ : float
        The maximised log-likelihood (summed over customers, weights counted).
    aic_, bic_ : float
        :math:`2k - 2\\ell` and :math:`k \\ln n - 2\\ell`.
    n_customers_ : float
        Customers fitted (the sum of the weights).
    converged_ : bool
        Whether the optimiser reached a point where the gradient vanishes.
    time_unit_ : str
        The unit the model was fitted in (read also as ``time_unit`` once fitted).

    Notes
    -----
    Predictions return one value per input row, in input order: a pandas Series indexed by
    ``customer_id`` when the input has that column, else a numpy array. Columns may go by
    Fader & Hardie's names (``x``, ``t_x``, ``zbar``; `tenure.analytics.columns.SUMMARY`).
    A horizon ``t`` is a number of the model's time unit, or (continuous-time models) a
    duration converted into it: ``"12 weeks"``, ``"3 months"``, ``pandas.Timedelta(days=90)``.
    """

    #: Parameter names, in the order of the kernels' arrays.
    parameter_names: ClassVar[tuple[str, ...]] = ()
    #: Input columns the model reads.
    columns: ClassVar[tuple[str, ...]] = ()
    #: Name used in messages.
    label: ClassVar[str] = "model"
    #: Whether the inputs hold times (recency, T), whose unit must match the model's.
    timed: ClassVar[bool] = True
    #: Whether a fit folds equal rows first: worth it when a row costs more to evaluate
    #: than to hash (the BTYD likelihoods), not when it costs one logarithm.
    fold: ClassVar[bool] = True

    def __init__(self, *, time_unit: str | None = None) -> None:
        self.requested_time_unit = time_unit

    def __repr__(self) -> str:
        return f"{type(self).__name__}(time_unit={self.requested_time_unit!r})"

    @property
    def time_unit(self) -> str:
        """The unit of recency, T and horizons: the fitted one, else the one asked for, else
        day."""
        return getattr(self, "time_unit_", None) or self.requested_time_unit or "day"

    # --- the model supplies these -------------------------------------------------------

    def _validate(self, rows: inputs.Rows) -> None:
        """Raise InputError when a row breaks the model's rules."""

    def _prepare(self, rows: inputs.Rows) -> Any:
        """Return what the likelihood needs of the distinct rows, computed once per fit."""
        return rows

    def _log_likelihood(self, params: np.ndarray, data: Any) -> tuple[float, np.ndarray]:
        """Return the weighted log-likelihood and its gradient in the natural parameters.

        ``data`` is what `_prepare` returned.
        """
        raise NotImplementedError

    def _start(self, rows: inputs.Rows) -> np.ndarray:
        """Return starting values of the parameters (natural scale)."""
        return np.ones(len(self.parameter_names))

    def _fit_rows(self, rows: inputs.Rows) -> inputs.Rows:
        """Return the rows that inform the likelihood (all of them unless the model says)."""
        return rows

    # --- fitting ------------------------------------------------------------------------

    @one_blas_thread
    def fit(self, data: Any) -> Self:
        """Estimate the parameters from ``data`` by maximum likelihood; return the model.

        Parameters
        ----------
        data : table
            One row per customer with the model's columns, and optionally ``weight`` (how
            many customers share the row). pandas, polars, Arrow and Ibis tables are read.

        Returns
        -------
        self
        """
        if self.requested_time_unit is not None:
            check_unit(self.requested_time_unit)
        read = self._read(data, self.requested_time_unit, ids=False)
        unit = read.time_unit if self.timed else None
        rows = self._fit_rows(read)
        distinct = inputs.compress(rows, self.columns).rows if self.fold else rows
        f = self._objective(distinct)
        start = np.log(self._start(distinct))
        if len(distinct) > SAMPLE_ROWS:
            theta, iterations = self._fit_large(distinct, f, start)
        else:
            theta, iterations = _minimise(f, start)
            theta, steps, _ = _newton(f, theta)
            iterations += steps
        self._store(theta, f, float(distinct.weight.sum()), iterations)
        self.time_unit_ = unit or self.requested_time_unit or "day"
        return self

    def _fit_large(self, distinct: inputs.Rows, f, start: np.ndarray
                   ) -> tuple[np.ndarray, int]:
        """Fit a sample to the optimum, then step on the full data with the sample's Hessian.

        Distinct rows drawn uniformly, each with its own weight, are an unbiased sample of
        the likelihood: its optimum is close to the full one and its Hessian close to the
        full Hessian, so each full-data step costs one gradient and gains about the
        sampling error's factor (some 20 times).
        """
        pick = np.random.default_rng(0).choice(len(distinct), SAMPLE_ROWS, replace=False)
        sample = inputs.Rows({k: v[pick] for k, v in distinct.columns.items()},
                             distinct.weight[pick])
        f_sample = self._objective(sample)
        theta, iterations = _minimise(f_sample, start)
        theta, steps, _ = _newton(f_sample, theta)
        iterations += steps
        hessian = f_sample.hessian(theta)
        done = False
        if np.all(np.isfinite(hessian)) and np.linalg.eigvalsh(hessian).min() > 0:
            theta, steps, done = _newton(f, theta, hessian=hessian, max_steps=30)
            iterations += steps
        if not done:
            theta, more = _minimise(f, theta)
            theta, steps, _ = _newton(f, theta)
            iterations += more + steps
        return theta, iterations

    def _read(self, data: Any, unit: str | None = None, *, ids: bool = True) -> inputs.Rows:
        """Return the validated input; InputError when it records another time unit."""
        what = f"{self.label} input"
        rows = inputs.read(data, self.columns, ids=ids, what=what)
        if self.timed and unit is not None:
            inputs.check_time_unit(rows, unit, what)
        self._validate(rows)
        return rows

    def _objective(self, rows: inputs.Rows) -> _Objective:
        """Return f(theta) = -mean log-likelihood over log-parameters, with its gradient."""
        return _Objective(self, rows)

    def _store(self, theta: np.ndarray, f, total: float, iterations: int) -> None:
        names = self.parameter_names
        params = np.exp(theta)
        value, grad = f(theta)
        # The Hessian of f in log-parameters; at the optimum, the covariance of the natural
        # parameters is diag(p) H^-1 diag(p) / n (the delta method, exact there).
        hessian = f.hessian(theta, gradient=grad)
        converged = bool(np.isfinite(value)) and _newton_step(hessian, grad) < 10 * STEP_TOLERANCE
        covariance, problems = _covariance(hessian * total, names)
        covariance = covariance * np.outer(params, params)
        ll = -value * total
        self.params_ = {n: float(v) for n, v in zip(names, params, strict=True)}
        self.covariance_ = pd.DataFrame(covariance, index=list(names), columns=list(names))
        self.standard_errors_ = {n: float(np.sqrt(covariance[i, i])) if covariance[i, i] >= 0
                                 else float("nan") for i, n in enumerate(names)}
        self.log_likelihood_ = float(ll)
        k = len(names)
        self.aic_ = 2 * k - 2 * ll
        self.bic_ = k * np.log(total) - 2 * ll
        self.n_customers_ = total
        self.converged_ = converged
        self.iterations_ = iterations
        if not converged:
            warnings.warn(N_(
                "{model} fit did not converge after {iterations} iterations: the estimates "
                "may be off. Check the data (are there repeat buyers?) or simplify the "
                "model.").format(model=self.label, iterations=iterations),
                ConvergenceWarning, stacklevel=3)
        runaway = [n for n, t in zip(names, theta, strict=True) if abs(t) > LOG_BOUND - 5]
        if not converged and np.all(np.isfinite(hessian)):
            # Stopped in a valley nearly flat (`_newton`): the data did not pin those either.
            runaway += _flat(hessian, names, WEAK)
        problems = list(dict.fromkeys(runaway + problems))
        if problems:
            warnings.warn(N_(
                "{model}: the data cannot identify {parameters} (the likelihood is flat in "
                "that direction); those estimates and their standard errors are not usable. "
                "Usually there are too few customers or too few repeat purchases.").format(
                    model=self.label, parameters=", ".join(problems)),
                IdentificationWarning, stacklevel=3)

    # --- fitted state -------------------------------------------------------------------

    @classmethod
    def from_params(cls, params: dict[str, float], *, time_unit: str = "day") -> Self:
        """Return a model with known parameters, ready to predict (no fit, no errors).

        For scoring with stored estimates, or with published ones. ``standard_errors_``,
        ``log_likelihood_`` and the rest of the fit's attributes are not set.
        """
        from ..exceptions import InputError

        model = cls(time_unit=time_unit)
        model.time_unit_ = check_unit(time_unit)
        missing = [n for n in cls.parameter_names if n not in params]
        if missing:
            raise InputError(f"{cls.label} needs the parameters {', '.join(missing)}.")
        values = {n: float(params[n]) for n in cls.parameter_names}
        if not all(np.isfinite(v) and v > 0 for v in values.values()):
            raise InputError(f"{cls.label} parameters must be positive numbers: {values}.")
        model.params_ = values
        return model

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit(data) first.")

    def _params(self) -> np.ndarray:
        self._check_fitted()
        return np.array([self.params_[n] for n in self.parameter_names])

    @property
    def summary(self) -> pd.DataFrame:
        """Return one row per parameter: ``estimate``, ``standard_error``, ``lower_95``,
        ``upper_95``.

        The 95 % interval is computed on the log scale (exp(log p +- 1.96 se / p)), so it
        stays positive like the parameter.
        """
        self._check_fitted()
        z = stats.norm.ppf(0.975)
        rows = []
        for name in self.parameter_names:
            p, se = self.params_[name], self.standard_errors_[name]
            spread = np.exp(z * se / p) if np.isfinite(se) else np.nan
            rows.append((name, p, se, p / spread, p * spread))
        return pd.DataFrame(rows, columns=["parameter", "estimate", "standard_error",
                                           "lower_95", "upper_95"]).set_index("parameter")

    def _rows(self, data: Any) -> inputs.Rows:
        """Return the validated prediction input, one row per input row.

        For predictions that cost less per row than folding equal rows would (a few
        logarithms), or that group the rows by fewer columns themselves.
        """
        self._check_fitted()
        return self._read(data, self.time_unit)

    def _distinct(self, data: Any, columns: tuple[str, ...] | None = None
                  ) -> inputs.Compressed:
        """Return the validated, compressed prediction input."""
        self._check_fitted()
        return inputs.compress(self._read(data, self.time_unit), columns or self.columns)


class _Objective:
    """f(theta) = -mean log-likelihood over log-parameters, with its gradient.

    Its Hessian (`hessian`) is kept for the last point asked: Newton's last step, the
    sample's start of a large fit and the standard errors ask for the same one, at eight
    gradients a time.
    """

    def __init__(self, model: MaximumLikelihoodModel, rows: inputs.Rows):
        self.model = model
        self.total = float(rows.weight.sum())
        self.data = model._prepare(rows)
        self._last_hessian: tuple[np.ndarray, np.ndarray] | None = None
        # The last point asked and its answer: the fit asks again for the one it ends on.
        self._last: tuple[np.ndarray, float, np.ndarray] | None = None

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        if self._last is not None and np.array_equal(self._last[0], theta):
            return self._last[1], self._last[2].copy()
        params = np.exp(theta)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ll, grad = self.model._log_likelihood(params, self.data)
        if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
            value, gradient = np.inf, np.zeros_like(theta)
        else:
            value, gradient = -ll / self.total, -grad * params / self.total
        self._last = (np.array(theta, dtype=float), value, gradient)
        return value, gradient.copy()

    def hessian(self, theta: np.ndarray, gradient: np.ndarray | None = None) -> np.ndarray:
        """Return the Hessian of f at ``theta`` (`_hessian`, a copy of the one kept).

        Given the ``gradient`` at ``theta``, by forward differences (k gradients, not 2k).
        """
        if self._last_hessian is None or not np.array_equal(self._last_hessian[0], theta):
            self._last_hessian = (theta.copy(), _hessian(lambda t: self(t)[1], theta,
                                                         at=gradient))
        return self._last_hessian[1].copy()


def _minimise(f, start: np.ndarray) -> tuple[np.ndarray, int]:
    """Minimise ``f`` (value and gradient) by L-BFGS within the log-parameter bounds."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = optimize.minimize(
        f, start, jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-11, "maxcor": 20})
    return result.x, int(result.nit)


def _newton(f, theta: np.ndarray, *, hessian: np.ndarray | None = None,
            max_steps: int = 20) -> tuple[np.ndarray, int, bool]:
    """Polish a minimum of ``f`` by Newton steps with backtracking.

    With ``hessian`` given, it starts a quasi-Newton iteration whose matrix each step
    updates by the BFGS formula; else the Hessian is differenced from the gradient at each
    step by forward differences (k gradients a step; quadratic convergence but for the
    differencing's relative error of 1e-6). Returns the point, the steps taken and whether
    the last Newton step was below `STEP_TOLERANCE`.
    """
    value, grad = f(theta)
    current = hessian if hessian is not None else np.eye(len(theta))
    for step in range(max_steps):
        if not np.isfinite(value):
            return theta, step, False
        if hessian is None:
            current = f.hessian(theta, gradient=grad)
        try:
            # A flat direction (the one `_covariance` reports as not identified): Newton
            # steps along it only chase rounding, eight gradients a step.
            eigenvalues = np.linalg.eigvalsh(current)
            if eigenvalues.min() <= FLAT * np.max(np.abs(eigenvalues)):
                return theta, step, False
            direction = -np.linalg.solve(current, grad)
        except np.linalg.LinAlgError:
            return theta, step, False
        if eigenvalues.min() <= WEAK * np.max(np.abs(eigenvalues)) \
                and np.max(np.abs(direction)) > 1:
            # Nearly flat and the step is a whole factor e of a parameter: the estimate
            # walks off along the valley towards a boundary of the model (a Pareto/NBD
            # without dropout, say), a Hessian a step, and never arrives.
            return theta, step, False
        if np.max(np.abs(direction)) < STEP_TOLERANCE:
            return theta, step, True
        length = 1.0
        while length > 1e-4:
            trial = np.clip(theta + length * direction, -LOG_BOUND, LOG_BOUND)
            trial_value, trial_grad = f(trial)
            # Near the optimum f changes below its rounding: a step that does not raise f
            # beyond that noise and shrinks the gradient is progress too.
            noise = 1e-13 * max(1.0, abs(value))
            if trial_value < value or (trial_value <= value + noise and np.max(
                    np.abs(trial_grad)) < np.max(np.abs(grad))):
                if hessian is not None:
                    current = _bfgs_update(current, trial - theta, trial_grad - grad)
                theta, value, grad = trial, trial_value, trial_grad
                break
            length /= 2
        else:
            return theta, step, False
    return theta, max_steps, False


def _newton_step(hessian: np.ndarray, grad: np.ndarray) -> float:
    """Return the largest entry of the Newton step -H^-1 g (inf when H is not usable)."""
    try:
        if not np.all(np.isfinite(hessian)) or np.linalg.eigvalsh(hessian).min() <= 0:
            return float("inf")
        return float(np.max(np.abs(np.linalg.solve(hessian, grad))))
    except np.linalg.LinAlgError:
        return float("inf")


def _bfgs_update(hessian: np.ndarray, step: np.ndarray, change: np.ndarray) -> np.ndarray:
    """Return the BFGS update of a Hessian approximation after a step and gradient change."""
    curvature = change @ step
    hs = hessian @ step
    if curvature <= 1e-300 or step @ hs <= 1e-300:
        return hessian  # no information along this step; keep the matrix positive definite
    return hessian + np.outer(change, change) / curvature - np.outer(hs, hs) / (step @ hs)


def _hessian(gradient, x: np.ndarray, step: float = 1e-5, at: np.ndarray | None = None
             ) -> np.ndarray:
    """Return the Hessian by differences of an analytic gradient (symmetrised).

    ``x`` are log-parameters, so the fixed ``step`` is a relative change of each parameter.
    Central differences (error of order step squared) cost 2k gradients; given the
    gradient ``at`` x, forward differences with a step of 1e-6 cost k (an error of order
    1e-6 relative, from the step and from the rounding of gradients summed over a million
    customers alike: far below the sampling error the Hessian is used to measure).
    """
    k = len(x)
    hessian = np.empty((k, k))
    for i in range(k):
        up = x.copy()
        if at is not None:
            up[i] += 1e-6
            hessian[i] = (np.asarray(gradient(up)) - np.asarray(at)) / 1e-6
            continue
        down = x.copy()
        up[i] += step
        down[i] -= step
        hessian[i] = (np.asarray(gradient(up)) - np.asarray(gradient(down))) / (2 * step)
    return (hessian + hessian.T) / 2


def _covariance(information: np.ndarray, names: tuple[str, ...]
                ) -> tuple[np.ndarray, list[str]]:
    """Return the inverse of the observed information and the parameters it cannot pin."""
    k = len(names)
    if not np.all(np.isfinite(information)):
        return np.full((k, k), np.nan), list(names)
    problems = _flat(information, names, FLAT)
    if problems:
        return np.full((k, k), np.nan), problems
    eigenvalues, vectors = np.linalg.eigh(information)
    return vectors @ np.diag(1 / eigenvalues) @ vectors.T, []


def _flat(information: np.ndarray, names: tuple[str, ...], share: float) -> list[str]:
    """Return the parameters loading on a direction whose curvature is at most ``share`` of
    the largest: the ones the data does not pin."""
    eigenvalues, vectors = np.linalg.eigh(information)
    scale = max(np.max(np.abs(eigenvalues)), 1e-300)
    weak = eigenvalues <= scale * share
    if not weak.any():
        return []
    loading = np.abs(vectors[:, weak]).max(axis=1)
    return [n for n, w in zip(names, loading, strict=True) if w > 0.3]
