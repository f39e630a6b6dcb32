"""The stored results' format: pandas tables and values made JSON-safe, and read back.

``InsightsRun.results`` holds JSON only (``refreshing.py`` documents its keys): a table is
``{"columns": [...], "rows": [[...], ...]}``, dates are ISO strings, NaN is null. Every part
of the refresh writes through these functions.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd


def frame(table: dict) -> pd.DataFrame:
    """Return a stored results table as a pandas DataFrame."""
    return pd.DataFrame(table["rows"], columns=table["columns"])


def missing(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)) \
        or (not isinstance(value, str) and pd.isna(value))


# --- JSON --------------------------------------------------------------------------------------

def table(df: pd.DataFrame) -> dict:
    """Return ``df`` as a JSON-safe table (columns and rows)."""
    df = df.reset_index(drop=True)
    return {
        "columns": [str(c) for c in df.columns],
        "rows": [[jsonable(v) for v in row] for row in df.itertuples(index=False)],
    }


def jsonable(value):
    """Return ``value`` as JSON: ISO dates, plain numbers, null for NaN and NaT."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Period):
        return value.start_time.date().isoformat()
    if isinstance(value, datetime | pd.Timestamp | np.datetime64):
        if missing(value):
            return None
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta | pd.Timedelta):
        return pd.Timedelta(value).total_seconds() / 86400
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        return number(value)
    if missing(value):
        return None
    return str(value)


def number(value) -> float | None:
    """Return a finite float rounded to 6 decimals (the stored tables stay small), or None."""
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None
