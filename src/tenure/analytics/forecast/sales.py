"""Top-down sales forecasts: per series, the candidate that wins the backtest forecasts."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from tenure.analytics.messages import N_

from ..exceptions import InputError
from ..periods import next_start
from . import selection
from .history import ALL, check_forecast_period, counted_history

#: What is forecast: revenue (net of returns) and orders.
MEASURES = ("revenue", "orders")
#: Default horizon per period: four weeks of days, a quarter of weeks, half a year of months.
HORIZONS = {"day": 28, "week": 13, "month": 6}
#: Backtest windows per series by default.
WINDOWS = 3
BACKTEST_COLUMNS = ["by", "group", "measure", "model", "season_length", "windows", "mase",
                    "mae", "chosen", "error"]
CHOSEN_COLUMNS = ["by", "group", "measure", "model", "season_length", "mase"]
FORECAST_COLUMNS = ["by", "group", "measure", "period", "model", "mean", "lo_80", "hi_80",
                    "lo_95", "hi_95"]
_PERIOD_WORDS = {"day": N_("days"), "week": N_("weeks"), "month": N_("months")}
_PERIOD_WORD = {"day": N_("day"), "week": N_("week"), "month": N_("month")}
#: The dimensions a series is split by, as its notes name them.
_DIMENSION_WORDS = (N_("segment"), N_("channel"), N_("store"), N_("manager"))


@dataclass(frozen=True)
class SalesForecast:
    """A sales forecast with its evidence; every table is a plain pandas DataFrame.

    Attributes
    ----------
    period : {"day", "week", "month"}
    as_of : datetime.date
        The last day of data counted.
    h : int
        Periods forecast ahead.
    history : pandas.DataFrame
        ``by, group, period, revenue, orders, complete`` (`sales_history`): every series from
        its first period to the one holding ``as_of``, zeros where nothing sold.
    backtest : pandas.DataFrame
        ``by, group, measure, model, season_length, windows, mase, mae, chosen, error``: every
        candidate of every series, its MASE and mean absolute error over the backtest
        (`tenure.analytics.forecast.mase` gives the exact definition), whether it was
        chosen, and the error message when it failed to fit (its scores are then NaN).
        MASE is comparable between the candidates of one series, not between series fitted
        with and without seasons (their scales differ).
    chosen : pandas.DataFrame
        ``by, group, measure, model, season_length, mase``: one row per series forecast.
    forecast : pandas.DataFrame
        ``by, group, measure, period, model, mean, lo_80, hi_80, lo_95, hi_95``: ``h`` rows
        per series from the first period after the last complete one, with the 80 % and
        95 % prediction intervals of the chosen model. Orders cannot be negative and a
        period's revenue net of returns is so only in odd cases, so every value (the mean,
        the bounds, and the backtest's predictions alike) is clipped at 0.
    partial_period : pandas.Timestamp or None
        The period holding ``as_of`` when ``as_of`` is not its last day: left out of fitting
        (its sales so far are in ``history`` with ``complete`` False) and forecast whole, as
        the first forecast period.
    notes : tuple of str
        Everything a reader should know: the partial period, series fitted without seasons,
        series too short to forecast, candidates that failed. All but the note on the partial
        period are also issued as warnings.
    """

    period: str
    as_of: date
    h: int
    history: pd.DataFrame
    backtest: pd.DataFrame
    chosen: pd.DataFrame
    forecast: pd.DataFrame
    partial_period: pd.Timestamp | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def sales_forecast(tx: Any, *, period: str = "month", h: int | None = None,
                   by: str | Sequence[str] = (), segments: Any = None, as_of: Any = None,
                   measures: Sequence[str] = MEASURES, windows: int = WINDOWS
                   ) -> SalesForecast:
    """Forecast revenue and orders ``h`` periods ahead, choosing the model per series.

    For the whole shop and each group (`sales_history`), per measure:

    1. the complete periods form the series (a last, incomplete period is left out and noted);
    2. AutoETS, AutoARIMA and SeasonalNaive with the period's season (7 days, 52 weeks,
       12 months; ETS allows seasons up to 24 only, so its weekly fit has none) are backtested
       on up to ``windows`` rolling origins with horizon ``h``: each is fitted on the periods
       before the first origin and rolled forward over the later origins with its parameters
       fixed; the windows are ``h`` apart when the history allows, closer when not;
    3. the candidate with the lowest MASE (mean absolute error over the backtest, each error
       scaled by the in-sample mean absolute error of the seasonal naive forecast, or the
       naive one for a series without seasons, on that window's training data; Hyndman &
       Koehler 2006; `mase`) is refitted on the whole series and forecasts ``h`` periods with
       80 % and 95 % prediction intervals (should that refit fail, the next best does).
       Ties go to the simpler candidate; a series whose MASE is undefined (a constant
       training window) is decided by the mean absolute error.

    A series needs two whole seasons before the first backtest origin for seasonal candidates
    (``2 * season + h`` periods); a shorter one is fitted without seasons (AutoETS, AutoARIMA
    and Naive) with a warning; one shorter than ``10 + h`` periods cannot be backtested: an
    InputError for the whole shop, a warning (and no forecast) for a group.

    Parameters
    ----------
    tx : ibis.Table, pandas.DataFrame or pyarrow.Table
        Canonical transactions.
    period : {"day", "week", "month"}
    h : int, optional
        Periods ahead; default `HORIZONS` (28 days, 13 weeks, 6 months).
    by, segments, as_of
        As in `sales_history`.
    measures : sequence of {"revenue", "orders"}
    windows : int
        Backtest windows per series (at least 1).

    Returns
    -------
    SalesForecast

    Raises
    ------
    InputError
        Unknown period or measure, a horizon or window count below 1, the whole shop's
        history too short for a backtest (the message says how many periods are needed), or
        anything `sales_history` refuses.

    Examples
    --------
    >>> fc = sales_forecast(tx, period="week", by="store")  # doctest: +SKIP
    >>> fc.forecast.query("group == 'all' and measure == 'revenue'")  # doctest: +SKIP
    """
    check_forecast_period(period)
    h = HORIZONS[period] if h is None else h
    measures = [measures] if isinstance(measures, str) else list(measures)
    _check_arguments(h, measures, windows)
    history, end = counted_history(tx, period=period, by=by, segments=segments, as_of=as_of)
    complete = history[history.complete]
    shop = complete[(complete.by == ALL) & (complete.group == ALL)]
    run = _Run(period, h, windows)
    if selection.plan(len(shop), h, run.season, windows) is None:
        raise InputError(run.too_short_message(len(shop), not history.complete.all()))
    partial = history.loc[~history.complete, "period"]
    partial_period = partial.iloc[0] if len(partial) else None
    notes = []
    if partial_period is not None:
        notes.append(N_("The {period} of {start} is not over on {end}: it is left out of "
                        "fitting and forecast whole.").format(
                            period=_PERIOD_WORD[period], start=f"{partial_period:%Y-%m-%d}",
                            end=end))
    for (by_name, group), rows in complete.groupby(["by", "group"], sort=False):
        for measure in measures:
            run.series(by_name, group, measure, rows[measure].to_numpy(dtype=float),
                       rows.period.iloc[-1])
    for message in run.notes:
        warnings.warn(message, stacklevel=2)
    return SalesForecast(period, end, h, history, run.table("backtest"), run.table("chosen"),
                         run.table("forecast"), partial_period, tuple(notes + run.notes))


def _check_arguments(h: int, measures: Sequence[str], windows: int) -> None:
    if not isinstance(h, int | np.integer) or h < 1:
        raise InputError(f"h (periods ahead) must be a whole number of at least 1; got {h!r}.")
    if not isinstance(windows, int | np.integer) or windows < 1:
        raise InputError(f"windows must be a whole number of at least 1; got {windows!r}.")
    unknown = [m for m in measures if m not in MEASURES]
    if unknown or not measures:
        raise InputError(f"measures must be among {', '.join(MEASURES)}; got {list(measures)}.")


class _Run:
    """Collects the rows of one forecast run, series by series."""

    def __init__(self, period: str, h: int, windows: int) -> None:
        self.period, self.h, self.windows = period, h, windows
        self.notes: list[str] = []  # each becomes a warning at the end
        self.season = selection.SEASON_LENGTHS[period]
        self.rows: dict[str, list[dict[str, Any]]] = {"backtest": [], "chosen": [],
                                                       "forecast": []}
        self.short: list[str] = []
        self.unseasonal: list[str] = []

    def series(self, by: str, group: str, measure: str, y: np.ndarray,
               last: pd.Timestamp) -> None:
        label = _label(by, group)
        backtest_plan = selection.plan(len(y), self.h, self.season, self.windows)
        if backtest_plan is None:
            self._warn_once(self.short, label, self._short_note(label, len(y)))
            return
        if backtest_plan.season_length == 1 and self.season > 1:
            self._warn_once(self.unseasonal, label, self._unseasonal_note(label, len(y)))
        results = selection.backtest(y, self.h, backtest_plan)
        key = {"by": by, "group": group, "measure": measure}
        chosen, values = self._forecast(f"{label}, {measure}", y, results, backtest_plan)
        for candidate in results:
            self.rows["backtest"].append({
                **key, "model": candidate.name, "season_length": backtest_plan.season_length,
                "windows": len(backtest_plan.origins), "mase": candidate.mase,
                "mae": candidate.mae, "chosen": candidate is chosen, "error": candidate.error})
        if chosen is None:
            return
        self.rows["chosen"].append({**key, "model": chosen.name,
                                    "season_length": backtest_plan.season_length,
                                    "mase": chosen.mase})
        periods = pd.DatetimeIndex([next_start(last, self.period, k)
                                    for k in range(1, self.h + 1)])
        for i, start in enumerate(periods):
            self.rows["forecast"].append({**key, "period": start, "model": chosen.name,
                                          **{k: float(v[i]) for k, v in values.items()}})

    def _forecast(self, label: str, y: np.ndarray, results: list[selection.Candidate],
                  backtest_plan: selection.Plan
                  ) -> tuple[selection.Candidate | None, dict[str, np.ndarray]]:
        """Forecast with the best candidate that fits the whole series; note the failures."""
        for candidate in results:
            if candidate.error is not None:
                self.notes.append(f"{label}: {candidate.name} failed to fit and is not a "
                                  f"candidate ({candidate.error}).")
        for candidate in selection.rank(results):
            try:
                return candidate, selection.forecast(y, self.h, candidate.name,
                                                     backtest_plan.season_length)
            except Exception as exc:  # statsforecast raises bare Exceptions on odd series
                self.notes.append(f"{label}: {candidate.name}, best in the backtest, failed "
                                  f"to fit the whole series ({type(exc).__name__}: {exc}); "
                                  "the next best forecasts.")
        self.notes.append(f"{label}: no candidate could be fitted, so it is not forecast.")
        return None, {}

    def table(self, name: str) -> pd.DataFrame:
        columns = {"backtest": BACKTEST_COLUMNS, "chosen": CHOSEN_COLUMNS,
                   "forecast": FORECAST_COLUMNS}[name]
        return pd.DataFrame(self.rows[name], columns=columns)

    def too_short_message(self, n: int, partial: bool) -> str:
        return self._short_note("the shop", n) + (
            " Give a longer history or a shorter horizon h." if not partial else
            " Give a longer history, a shorter horizon h, or an as_of at the end of a "
            f"{self.period}.")

    def _short_note(self, label: str, n: int) -> str:
        need, _ = selection.needed_periods(self.h, self.season)
        words = _PERIOD_WORDS[self.period]
        return N_("{series} has {n} complete {periods} of sales; a forecast {h} {periods} "
                  "ahead needs at least {need} ({fit} to fit, {h} to backtest), so it is not "
                  "forecast.").format(series=label, n=n, periods=words, h=self.h, need=need,
                                      fit=selection.MIN_TRAIN)

    def _unseasonal_note(self, label: str, n: int) -> str:
        _, need = selection.needed_periods(self.h, self.season)
        words = _PERIOD_WORDS[self.period]
        return N_("{series} has {n} complete {periods} of sales, fewer than the {need} that "
                  "seasonal models need (two seasons of {season} before a backtest of {h}): "
                  "it is forecast without seasons (AutoETS, AutoARIMA, Naive).").format(
                      series=label, n=n, periods=words, need=need, season=self.season,
                      h=self.h)

    def _warn_once(self, seen: list[str], label: str, message: str) -> None:
        if label not in seen:  # revenue and orders share a length: one note per series
            seen.append(label)
            self.notes.append(message)


def _label(by: str, group: str) -> str:
    return N_("the shop") if by == ALL else N_("{dimension} '{group}'").format(
        dimension=by, group=group)
