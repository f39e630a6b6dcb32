"""The period calendar, against boundaries worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import ibis
import pandas as pd
import pytest

from tenure.analytics import periods
from tenure.analytics.exceptions import InputError

# (day, period, start): 2024 is a leap year; 2024-01-01 and 2024-12-30 are Mondays;
# 2020-12-28 is the Monday of ISO week 53 of 2020, which runs into 2021.
CASES = [
    (date(2024, 2, 29), "day", date(2024, 2, 29)),
    (date(2024, 2, 29), "week", date(2024, 2, 26)),
    (date(2024, 3, 3), "week", date(2024, 2, 26)),  # a Sunday ends the week
    (date(2024, 3, 4), "week", date(2024, 3, 4)),  # a Monday starts one
    (date(2021, 1, 3), "week", date(2020, 12, 28)),  # across the new year
    (date(1969, 12, 31), "week", date(1969, 12, 29)),  # before the epoch
    (date(2024, 2, 29), "month", date(2024, 2, 1)),
    (date(2024, 3, 31), "quarter", date(2024, 1, 1)),
    (date(2024, 4, 1), "quarter", date(2024, 4, 1)),
    (date(2024, 9, 30), "quarter", date(2024, 7, 1)),
    (date(2024, 10, 1), "quarter", date(2024, 10, 1)),
    (date(2024, 12, 31), "year", date(2024, 1, 1)),
]


@pytest.mark.parametrize(("day", "period", "start"), CASES)
def test_start_of_a_date(day, period, start):
    assert periods.period_start(day, period) == start
    assert periods.period_start(datetime.combine(day, datetime.max.time()), period) == start
    assert periods.period_start(day.isoformat(), period) == start


@pytest.mark.parametrize(("day", "period", "start"), CASES)
def test_start_of_an_array_and_a_series(day, period, start):
    series = pd.Series(pd.to_datetime([f"{day} 23:59", f"{start} 00:00"]), index=[7, 8])
    got = periods.period_start(series, period)
    assert list(got.index) == [7, 8]
    assert list(got.dt.date) == [start, start]
    assert list(periods.period_start(series.to_numpy(), period).date) == [start, start]


@pytest.mark.parametrize(("day", "period", "start"), [c for c in CASES if c[1] != "day"])
def test_start_of_an_ibis_column_agrees(day, period, start):
    con = ibis.duckdb.connect()
    t = con.create_table("t", pd.DataFrame({"time": pd.to_datetime([f"{day} 13:30"])}))
    assert con.to_pyarrow(periods.period_start(t.time, period)).to_pylist() == [start]
    index = con.to_pyarrow(periods.period_index(t.time, period)).to_pylist()[0]
    assert index == periods.period_index(day, period)
    assert periods.start_of_index(index, period) == start


@pytest.mark.parametrize("period", periods.CALENDAR)
def test_index_and_its_inverse_agree_on_arrays(period):
    days = pd.date_range("1968-02-27", "2026-03-02", freq="13D")
    index = periods.period_index(days, period)
    starts = periods.start_of_index(index, period)
    assert list(starts.date) == [periods.period_start(d, period) for d in days.date]
    assert [periods.start_of_index(int(k), period) for k in index[:50]] == list(starts.date[:50])


def test_indexes_are_consecutive():
    assert periods.period_index(date(2024, 1, 1), "month") == 2024 * 12
    assert periods.period_index(date(2024, 12, 1), "quarter") == 2024 * 4 + 3
    assert periods.period_index(date(1970, 1, 5), "week") == 0
    assert periods.period_index(date(1970, 1, 12), "week") == 1
    assert periods.period_index(date(1970, 1, 2), "day") == 1


def test_next_and_previous_starts():
    assert periods.next_start(date(2024, 12, 1), "month") == date(2025, 1, 1)
    assert periods.next_start(date(2024, 2, 26), "week") == date(2024, 3, 4)
    assert periods.next_start(date(2024, 10, 1), "quarter") == date(2025, 1, 1)
    assert periods.next_start(date(2024, 5, 17), "quarter") == date(2024, 7, 1)  # any day
    assert periods.next_start(date(2024, 1, 1), "month", 14) == date(2025, 3, 1)
    assert periods.next_start(date(2024, 2, 29), "day") == date(2024, 3, 1)
    assert periods.previous_start(date(2024, 1, 1), "quarter") == date(2023, 10, 1)
    assert periods.previous_start(date(2024, 1, 1), "week") == date(2023, 12, 25)
    assert periods.previous_start(date(2024, 3, 1), "year") == date(2023, 1, 1)


def test_starts_between_two_dates():
    assert periods.starts_between(date(2024, 2, 10), date(2024, 7, 1), "quarter") == [
        date(2024, 1, 1), date(2024, 4, 1), date(2024, 7, 1)]
    assert periods.starts_between(date(2024, 2, 28), date(2024, 3, 11), "week") == [
        date(2024, 2, 26), date(2024, 3, 4), date(2024, 3, 11)]
    assert periods.starts_between(date(2023, 11, 30), date(2024, 2, 1), "month") == [
        date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]
    assert periods.starts_between(date(2024, 3, 1), date(2024, 1, 1), "month") == []


def test_labels():
    assert periods.period_label(date(2024, 3, 4), "week") == "2024-03-04"
    assert periods.period_label(pd.Timestamp("2024-03-01"), "month") == "2024-03"
    assert periods.period_label(date(2024, 10, 1), "quarter") == "2024 Q4"
    assert periods.period_label(date(2024, 1, 1), "year") == "2024"


def test_a_period_is_unfinished_until_its_last_day():
    assert periods.is_unfinished(date(2024, 2, 1), "month", date(2024, 2, 28))  # leap year
    assert not periods.is_unfinished(date(2024, 2, 1), "month", date(2024, 2, 29))
    assert not periods.is_unfinished(date(2023, 2, 1), "month", date(2023, 2, 28))
    assert periods.is_unfinished(date(2024, 3, 4), "week", date(2024, 3, 9))  # Saturday
    assert not periods.is_unfinished(date(2024, 3, 4), "week", date(2024, 3, 10))  # Sunday
    assert periods.is_unfinished(date(2024, 4, 1), "month", date(2024, 3, 31))  # not begun
    assert not periods.is_unfinished(date(2024, 1, 1), "month", date(2024, 3, 31))


def test_the_last_finished_period():
    assert periods.last_finished_start(date(2024, 3, 31), "quarter") == date(2024, 1, 1)
    assert periods.last_finished_start(date(2024, 3, 30), "quarter") == date(2023, 10, 1)
    assert periods.last_finished_start(date(2024, 12, 31), "year") == date(2024, 1, 1)
    assert periods.last_finished_start(date(2024, 3, 6), "week") == date(2024, 2, 26)
    assert periods.last_finished_start(date(2024, 3, 6), "month") == date(2024, 2, 1)


def test_an_unknown_period_is_refused():
    with pytest.raises(InputError, match="period must be one of"):
        periods.period_start(date(2024, 1, 1), "fortnight")
    with pytest.raises(InputError, match="period must be one of week"):
        periods.check_period("day")
    periods.check_period("day", periods.CALENDAR)
