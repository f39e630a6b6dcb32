"""Model choice by backtest: candidates, rolling origins, MASE, the chosen model's forecast.

A pure kernel: a series is a numpy array of equally spaced values, the models are
statsforecast's (AutoETS, AutoARIMA, SeasonalNaive; Naive when the history is too short for
seasons). Each candidate is fitted once on the data before the first backtest origin and
rolled forward over the later origins with its parameters fixed: what statsforecast's
``cross_validation(refit=False)`` does, called per series so that one candidate failing on one
series drops that candidate only, and so that every series gets the windows its length allows.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from statsforecast.models import AutoARIMA, AutoETS, Naive, SeasonalNaive

from ..exceptions import InputError

#: Season length of each period: a week of days, a year of weeks, a year of months.
SEASON_LENGTHS = {"day": 7, "week": 52, "month": 12}
#: Periods a non-seasonal candidate needs before the first backtest origin.
MIN_TRAIN = 10
#: Prediction interval levels, in %.
LEVELS = (80, 95)
#: ETS seasons longer than this are not fitted (statsforecast and R's forecast::ets alike).
ETS_MAX_SEASON = 24


@dataclass(frozen=True)
class Plan:
    """How one series is backtested: its season length and its forecast origins."""

    season_length: int  # 1 when the history is too short for seasonal candidates
    origins: tuple[int, ...]  # index of the first forecast period of each window


@dataclass(frozen=True)
class Candidate:
    """A candidate's backtest: its MASE and MAE, or why it failed to fit."""

    name: str
    mase: float
    mae: float
    error: str | None = None


def plan(n: int, h: int, season_length: int, windows: int) -> Plan | None:
    """Return the backtest plan of a series of ``n`` periods, or None when it is too short.

    Seasonal candidates need two whole seasons before the first origin; otherwise the plan
    is non-seasonal (``season_length`` 1) and needs `MIN_TRAIN` periods. The windows of
    horizon ``h`` end with the series; they are ``h`` apart when there is room, closer
    (down to one period apart) when not, and fewer than ``windows`` only when even that
    does not fit.
    """
    options = [(season_length, 2 * season_length)] if season_length > 1 else []
    for m, train in [*options, (1, MIN_TRAIN)]:
        room = n - h - train  # how far the first origin can move back from the last
        if room < 0:
            continue
        count = min(windows, room + 1)
        step = h if count == 1 else min(h, room // (count - 1))
        last = n - h
        return Plan(m, tuple(last - step * (count - 1 - i) for i in range(count)))
    return None


def needed_periods(h: int, season_length: int) -> tuple[int, int]:
    """Return (periods for any backtest, periods for a seasonal one) at horizon ``h``."""
    return MIN_TRAIN + h, 2 * season_length + h


def candidates(season_length: int) -> list[Any]:
    """Return fresh candidate models, the simplest first (it wins ties)."""
    # approximation=None: conditional sums of squares during the order search (the final
    # model by exact likelihood) for series longer than 150 or seasons above 12, the rule of
    # R's forecast::auto.arima; about 7 times faster on 3 years of weeks (52-week season) or
    # days than statsforecast's default of exact likelihood throughout.
    arima = AutoARIMA(season_length=season_length, approximation=None)
    ets = AutoETS(season_length=season_length if season_length <= ETS_MAX_SEASON else 1)
    if season_length == 1:
        return [Naive(), ets, arima]
    return [SeasonalNaive(season_length=season_length), ets, arima]


def mase(y: np.ndarray, predictions: np.ndarray, origins: tuple[int, ...] | list[int],
         season_length: int) -> float:
    """Return the mean absolute scaled error of rolling-origin forecasts.

    With forecast origins :math:`o_1 < \\dots < o_W` (the prediction
    :math:`\\hat y_{o_w + j}` of window :math:`w` uses :math:`y_0, \\dots, y_{o_w - 1}` only),
    horizon :math:`h` and season length :math:`m`,

    .. math::

        Q_w = \\frac{1}{o_w - m} \\sum_{t=m}^{o_w - 1} |y_t - y_{t-m}|, \\qquad
        \\mathrm{MASE} = \\frac{1}{W h} \\sum_{w=1}^{W} \\sum_{j=0}^{h-1}
        \\frac{|y_{o_w + j} - \\hat y_{o_w + j}|}{Q_w}:

    each error is scaled by the in-sample mean absolute error of the one-season-back naive
    forecast on that window's own training data (Hyndman & Koehler 2006, "Another look at
    measures of forecast accuracy", Int. J. Forecasting 22(4), eq. for :math:`q_t`; with
    :math:`m = 1` the scale is the plain naive one). Below 1 a method beats the in-sample
    seasonal naive forecast. NaN when some :math:`Q_w` is 0 (a constant training series).

    Parameters
    ----------
    y : array of shape (n,)
    predictions : array of shape (W, h)
    origins : W increasing indices with ``origins[-1] + h <= n``
    season_length : int

    Examples
    --------
    >>> mase(np.array([1.0, 3, 1, 4, 6]), np.array([[5.0, 5.0]]), [3], 1)
    0.5
    """
    y = np.asarray(y, dtype=float)
    predictions = np.atleast_2d(np.asarray(predictions, dtype=float))
    h = predictions.shape[1]
    if len(origins) != len(predictions) or not origins or origins[-1] + h > len(y) \
            or origins[0] <= season_length:
        raise InputError(f"mase needs one row of predictions per origin, origins after the "
                         f"first season ({season_length}) and within the series ({len(y)}).")
    scaled = []
    for w, origin in enumerate(origins):
        train = y[:origin]
        scale = np.mean(np.abs(train[season_length:] - train[:-season_length]))
        if not scale > 0:
            return float("nan")
        scaled.append(np.abs(y[origin:origin + h] - predictions[w]) / scale)
    return float(np.mean(scaled))


def backtest(y: np.ndarray, h: int, backtest_plan: Plan) -> list[Candidate]:
    """Backtest every candidate on ``y`` (see the module docstring); failures are recorded.

    Predictions are clipped at 0, as the forecasts are.
    """
    results = []
    first = backtest_plan.origins[0]
    for model in candidates(backtest_plan.season_length):
        name = _name(model)
        try:
            with _quiet():
                fitted = model.fit(y=y[:first])
                predictions = np.vstack([
                    fitted.forward(h=h, y=y[:origin])["mean"]
                    for origin in backtest_plan.origins])
        except Exception as exc:  # statsforecast raises bare Exceptions on odd series
            results.append(Candidate(name, np.nan, np.nan, f"{type(exc).__name__}: {exc}"))
            continue
        predictions = np.maximum(predictions, 0.0)
        actual = np.vstack([y[o:o + h] for o in backtest_plan.origins])
        results.append(Candidate(
            name, mase(y, predictions, backtest_plan.origins, backtest_plan.season_length),
            float(np.mean(np.abs(actual - predictions)))))
    return results


def rank(results: list[Candidate]) -> list[Candidate]:
    """Return the candidates that ran, best first: by MASE, then those without one by MAE.

    Ties keep the candidates' order, so the simpler one goes first.
    """
    ran = [c for c in results if c.error is None and np.isfinite(c.mae)]
    return sorted(ran, key=lambda c: (0, c.mase) if np.isfinite(c.mase) else (1, c.mae))


def forecast(y: np.ndarray, h: int, name: str, season_length: int) -> dict[str, np.ndarray]:
    """Fit candidate ``name`` on the whole of ``y``; return mean, lo_80 ... hi_95 for h ahead.

    Every value is clipped at 0.
    """
    model = next(m for m in candidates(season_length) if _name(m) == name)
    with _quiet():
        result = model.forecast(y=y, h=h, level=list(LEVELS))
    out = {"mean": np.asarray(result["mean"], dtype=float)}
    for level in LEVELS:
        out[f"lo_{level}"] = np.asarray(result[f"lo-{level}"], dtype=float)
        out[f"hi_{level}"] = np.asarray(result[f"hi-{level}"], dtype=float)
    return {k: np.maximum(v, 0.0) for k, v in out.items()}


def _name(model: Any) -> str:
    return str(model.alias)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence statsforecast's optimiser chatter for one fit (not process-wide)."""
    with warnings.catch_warnings():
        # AutoARIMA warns for every candidate order whose optimiser stops early; the chosen
        # model is judged by its backtest, so these say nothing worth reporting.
        warnings.filterwarnings("ignore", message="possible convergence problem",
                                category=UserWarning)
        yield
