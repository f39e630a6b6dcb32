"""The period calendar: where days, weeks, months, quarters and years begin and end.

Every figure "per period" in Tenure uses this one calendar (DESIGN.md, "Metric
definitions"): weeks are ISO weeks and start on Monday; months on the 1st; quarters on
1 January, 1 April, 1 July and 1 October; years on 1 January. A period is named by its first
day (its **start**) and runs up to, not including, the next period's start.

Periods are also numbered consecutively (`period_index`), so that "how many periods later"
is a subtraction, in the engine as in Python: days count from 1970-01-01, weeks the Mondays
from 1970-01-05, months ``year * 12 + month - 1``, quarters ``year * 4 + quarter - 1``,
years the year.

A period is **unfinished** on ``as_of`` (the last day the data covers, inclusive) while
``as_of`` falls before its last day: its figures are "so far", not a drop.

The functions take what callers hold: a `datetime.date` or `datetime.datetime` (or a
pandas Timestamp or ISO string), a numpy array or pandas Series of dates, or an Ibis column
(the work then happens in the engine).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from .exceptions import InputError

__all__ = [
    "PERIODS", "CALENDAR", "check_period", "period_start", "period_index", "start_of_index",
    "next_start", "previous_start", "starts_between", "period_label", "is_unfinished",
    "last_finished_start",
]

#: The periods metrics are reported by.
PERIODS = ("week", "month", "quarter", "year")
#: Every period the calendar knows (forecasts go down to days).
CALENDAR = ("day", *PERIODS)
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_TRUNCATE = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}
_EPOCH = date(1970, 1, 1)
_MONDAY_EPOCH_DAY = 4  # 1970-01-05, the first Monday after the Unix epoch


def check_period(period: str, allowed: tuple[str, ...] = PERIODS) -> None:
    """Raise `InputError` unless ``period`` is one of ``allowed``.

    Parameters
    ----------
    period : str
    allowed : tuple of str
        `PERIODS` by default; `CALENDAR` where days are allowed too.
    """
    if period not in allowed:
        raise InputError(f"period must be one of {', '.join(allowed)}; got {period!r}.")


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):  # pandas Timestamps are datetimes too
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError) as exc:
        raise InputError(f"expected a date (2024-03-31); got {value!r}.") from exc




def period_start(value: Any, period: str) -> Any:
    """Return the first day of the ``period`` holding each date or time.

    Parameters
    ----------
    value : date, datetime, str, numpy array, pandas Series or DatetimeIndex, or ibis column
        Times are taken as they are (local time, no zone conversion).
    period : {"day", "week", "month", "quarter", "year"}

    Returns
    -------
    date, pandas.Series, pandas.DatetimeIndex or ibis date column
        A `datetime.date` for a scalar; datetime64 values (midnight) for a Series (same
        index) or an array (a DatetimeIndex); an ibis date column for an ibis column.

    Examples
    --------
    >>> period_start(date(2024, 2, 29), "week")  # a Thursday
    datetime.date(2024, 2, 26)
    >>> period_start(date(2024, 8, 15), "quarter")
    datetime.date(2024, 7, 1)
    """
    check_period(period, CALENDAR)
    if isinstance(value, ir.Value):
        if period == "day":
            return value.cast("date")
        return value.truncate(_TRUNCATE[period]).cast("date")
    if isinstance(value, pd.Series):
        return pd.Series(_array_starts(value.to_numpy(), period), index=value.index,
                         name=value.name)
    if isinstance(value, (np.ndarray, pd.Index, list, tuple)):
        return pd.DatetimeIndex(_array_starts(np.asarray(value), period))
    day = _as_date(value)
    return start_of_index(_index_of_date(day, period), period)


def _array_starts(values: np.ndarray, period: str) -> np.ndarray:
    index = _array_index(values, period)
    return np.asarray(start_of_index(index, period), dtype="datetime64[ns]")


def _array_index(values: np.ndarray, period: str) -> np.ndarray:
    days = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
    if period == "day":
        return days.astype("int64")
    if period == "week":
        return (days.astype("int64") - _MONDAY_EPOCH_DAY) // 7
    months = days.astype("datetime64[M]").astype("int64") + 1970 * 12
    return months // _MONTHS[period]


def _index_of_date(day: date, period: str) -> int:
    if period == "day":
        return (day - _EPOCH).days
    if period == "week":
        return ((day - _EPOCH).days - _MONDAY_EPOCH_DAY) // 7
    return (day.year * 12 + day.month - 1) // _MONTHS[period]




def period_index(value: Any, period: str) -> Any:
    """Return the consecutive number of the ``period`` holding each date or time.

    Two periods' numbers differ by how many periods apart they are, so a cohort's age is
    a subtraction. Days count from 1970-01-01, weeks the Mondays since 1970-01-05, months
    ``year * 12 + month - 1``, quarters ``year * 4 + quarter - 1``, years the year.

    Parameters
    ----------
    value : date, datetime, str, numpy array, pandas Series, or ibis timestamp/date column
    period : {"day", "week", "month", "quarter", "year"}

    Returns
    -------
    int, numpy.ndarray of int64, or ibis int64 column

    Examples
    --------
    >>> period_index(date(2024, 3, 15), "month")
    24290
    >>> start_of_index(24290, "month")
    datetime.date(2024, 3, 1)
    """
    check_period(period, CALENDAR)
    if isinstance(value, ir.Value):
        return _ibis_index(value, period)
    if isinstance(value, (pd.Series, np.ndarray, pd.Index, list, tuple)):
        return _array_index(np.asarray(value), period)
    return _index_of_date(_as_date(value), period)


def _ibis_index(time: ir.Value, period: str) -> ir.IntegerValue:
    if period in ("day", "week"):
        days = time.cast("date").epoch_days()
        index = days if period == "day" else (days - _MONDAY_EPOCH_DAY) // 7
    elif period == "month":
        index = time.year() * 12 + time.month() - 1
    elif period == "quarter":
        index = time.year() * 4 + time.quarter() - 1
    else:
        index = time.year()
    return index.cast("int64")




def start_of_index(index: Any, period: str) -> Any:
    """Return the first day of each period numbered by `period_index` (its inverse).

    Parameters
    ----------
    index : int or array of int
    period : {"day", "week", "month", "quarter", "year"}

    Returns
    -------
    date for a single number, pandas.DatetimeIndex (midnights) for an array.
    """
    check_period(period, CALENDAR)
    if isinstance(index, (int, np.integer)):
        k = int(index)
        if period == "day":
            return _EPOCH + timedelta(days=k)
        if period == "week":
            return _EPOCH + timedelta(days=_MONDAY_EPOCH_DAY + 7 * k)
        months = k * _MONTHS[period]
        return date(months // 12, months % 12 + 1, 1)
    idx = np.asarray(index, dtype="int64")
    if period in ("day", "week"):
        day_numbers = idx if period == "day" else idx * 7 + _MONDAY_EPOCH_DAY
        return pd.DatetimeIndex(day_numbers.astype("datetime64[D]").astype("datetime64[ns]"))
    month_numbers = idx * _MONTHS[period] - 1970 * 12
    return pd.DatetimeIndex(month_numbers.astype("datetime64[M]").astype("datetime64[ns]"))


def next_start(start: Any, period: str, k: int = 1) -> date:
    """Return the start of the period ``k`` periods after the one holding ``start``.

    Parameters
    ----------
    start : date, datetime or str
        Any day of a period (its start, usually).
    period : {"day", "week", "month", "quarter", "year"}
    k : int
        How many periods on; negative goes back.

    Examples
    --------
    >>> next_start(date(2024, 12, 1), "month")
    datetime.date(2025, 1, 1)
    >>> next_start(date(2024, 1, 1), "quarter", -1)
    datetime.date(2023, 10, 1)
    """
    check_period(period, CALENDAR)
    return start_of_index(_index_of_date(_as_date(start), period) + k, period)


def previous_start(start: Any, period: str) -> date:
    """Return the start of the period before the one holding ``start``."""
    return next_start(start, period, -1)


def starts_between(first: Any, last: Any, period: str) -> list[date]:
    """Return the starts of every period from the one holding ``first`` to the one holding
    ``last``, oldest first (empty when ``last`` is before ``first``'s period).

    Examples
    --------
    >>> starts_between(date(2024, 2, 10), date(2024, 7, 1), "quarter")
    [datetime.date(2024, 1, 1), datetime.date(2024, 4, 1), datetime.date(2024, 7, 1)]
    """
    check_period(period, CALENDAR)
    lo = _index_of_date(_as_date(first), period)
    hi = _index_of_date(_as_date(last), period)
    return [start_of_index(k, period) for k in range(lo, hi + 1)]


def period_label(start: Any, period: str) -> str:
    """Return the period's name in a language-neutral form.

    ``2024-03-04`` for a week or day (its first day), ``2024-03`` for a month, ``2024 Q1``
    for a quarter, ``2024`` for a year. (Pages in a language show their own localized name.)
    """
    check_period(period, CALENDAR)
    day = period_start(start, period)
    if period == "month":
        return day.strftime("%Y-%m")
    if period == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if period == "year":
        return str(day.year)
    return day.isoformat()


def is_unfinished(start: Any, period: str, as_of: Any) -> bool:
    """Return whether the period holding ``start`` is still running on ``as_of``.

    ``as_of`` is the last day the data covers, inclusive: a month is finished on its last
    day, unfinished before it. A period that begins after ``as_of`` counts as unfinished too.

    Examples
    --------
    >>> is_unfinished(date(2024, 2, 1), "month", date(2024, 2, 28))  # a leap year
    True
    >>> is_unfinished(date(2024, 2, 1), "month", date(2024, 2, 29))
    False
    """
    return next_start(start, period) > _as_date(as_of) + timedelta(days=1)


def last_finished_start(as_of: Any, period: str) -> date:
    """Return the start of the latest period finished on ``as_of`` (inclusive).

    Examples
    --------
    >>> last_finished_start(date(2024, 3, 31), "quarter")
    datetime.date(2024, 1, 1)
    >>> last_finished_start(date(2024, 3, 30), "quarter")
    datetime.date(2023, 10, 1)
    """
    current = period_start(as_of, period)
    return current if not is_unfinished(current, period, as_of) else previous_start(current, period)
