"""Time units of the customer tables and models: the one place that converts between them.

The BTYD conventions (DESIGN.md) measure recency, T and forecast horizons in a unit chosen
per data set: a day, a week of 7 days, a month of 30.4375 days (365.25 / 12), a quarter of
three months or a year of 365.25 days. Every conversion in the library goes through
:func:`convert`, so a model fitted in weeks and asked for 12 months of value is right.
"""

from __future__ import annotations

from typing import Any

from .exceptions import InputError

#: Length of each unit in days.
UNITS: dict[str, float] = {
    "day": 1.0,
    "week": 7.0,
    "month": 30.4375,
    "quarter": 91.3125,
    "year": 365.25,
}


def check_unit(unit: str) -> str:
    """Return ``unit`` when it is one of `UNITS`, else raise InputError."""
    if unit not in UNITS:
        raise InputError(f"time unit must be one of {', '.join(UNITS)}; got {unit!r}.")
    return unit


def days(unit: str) -> float:
    """Return the length of one ``unit`` in days."""
    return UNITS[check_unit(unit)]


def convert(value: Any, from_unit: str, to_unit: str) -> Any:
    """Return ``value`` (a number or a numpy array) measured in ``to_unit`` instead.

    Examples
    --------
    >>> convert(12, "month", "week")
    52.17857142857143
    """
    return value * (days(from_unit) / days(to_unit))
