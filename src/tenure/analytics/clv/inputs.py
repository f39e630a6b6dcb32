"""Model inputs: columns of any table as numpy arrays, validated at the edge, and compressed.

The models take a pandas, polars or Arrow table (or an Ibis table, or a dict of arrays) with
named columns. :func:`read` turns it into float arrays once, checks every value and names the
first bad row in its message. :func:`compress` then folds equal rows into one with a weight,
so work shared by customers with the same history is done once (STYLE.md: one canonical
input, pure kernels).

Columns go by their own names or by the aliases of `tenure.analytics.columns.SUMMARY`
(Fader & Hardie's ``x``, ``t_x``, ``zbar``...), the table ``tenure clv`` reads files with.
Two optional columns say more about the rows: ``customer_id`` (predictions then come back
as a pandas Series indexed by it) and ``time_unit`` (the unit of recency and T, which
`tenure.analytics.summary.customer_summary` records; a model checks it against its own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from .. import units
from ..columns import SUMMARY
from ..exceptions import InputError

#: The optional column saying how many customers share a row.
WEIGHT = "weight"
#: The optional column naming each row's customer: predictions are indexed by it.
CUSTOMER_ID = "customer_id"
#: The optional column holding the unit of the time columns (one value for all rows).
TIME_UNIT = "time_unit"
#: Values sampled to judge whether a column repeats its values.
SAMPLE = 10_000
#: `compress` keeps rows as they are when this share of a sample of its last key differs.
KEEP_SHARE = 0.99


@dataclass(frozen=True)
class Rows:
    """Validated input columns (float64 arrays of equal length) and each row's weight.

    ``index`` holds the rows' ``customer_id`` when the input had one; ``time_unit`` the
    input's ``time_unit`` column, when it had one.
    """

    columns: dict[str, np.ndarray]
    weight: np.ndarray
    index: pd.Index | None = None
    time_unit: str | None = None

    def __len__(self) -> int:
        return len(self.weight)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]


@dataclass(frozen=True)
class Compressed:
    """The distinct rows of a `Rows`, their summed weights and the map back to input rows.

    ``rows.columns[c][inverse]`` gives back the input column ``c``; ``index`` is the input
    rows' ``customer_id`` (or None).
    """

    rows: Rows
    inverse: np.ndarray
    index: pd.Index | None = None

    def expand(self, values: np.ndarray) -> Any:
        """Return per-distinct-row ``values`` as one value per input row, in input order.

        A pandas Series indexed by ``customer_id`` when the input had that column, else a
        numpy array.
        """
        return by_customer(np.asarray(values)[self.inverse], self.index)


def by_customer(values: np.ndarray, index: pd.Index | None) -> Any:
    """Return ``values`` (one per input row) as a Series indexed by ``index``, if there is one.

    Positional callers are unaffected: ``np.asarray`` of the Series gives ``values`` back.
    """
    return values if index is None else pd.Series(values, index=index, copy=False)


def read(data: Any, required: Sequence[str], *, weights: bool = True, ids: bool = True,
         what: str = "the data") -> Rows:
    """Return the ``required`` columns of ``data`` as float64 arrays and the row weights.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame, pyarrow.Table, ibis.Table or mapping
        One row per customer (or per group of identical customers with a ``weight``). An
        Ibis table is computed once (its row order is the engine's).
    required : sequence of str
        Column names that must be present, by their name or an alias
        (`tenure.analytics.columns.SUMMARY`: ``x`` for ``frequency``...).
    weights : bool
        Read the optional ``weight`` column (else every row weighs 1).
    ids : bool
        Read the optional ``customer_id`` column into ``Rows.index`` (a fit needs no ids).
    what : str
        How messages name the table.

    Raises
    ------
    InputError
        A column is missing, or a value is empty, not a number, infinite, or a weight is not
        positive, or ``time_unit`` holds more than one unit; the message names the column
        and the first bad row (counted from 1).
    """
    names = _column_names(data)
    wanted = (*required, *((WEIGHT,) if weights else ()), *((CUSTOMER_ID,) if ids else ()),
              TIME_UNIT)
    found = {c: name for c in wanted if (name := _find(c, names)) is not None}
    missing = [c for c in required if c not in found]
    if missing:
        raise InputError(
            f"{what} has no column {', '.join(_wanted(c) for c in missing)}; "
            f"it has {', '.join(repr(c) for c in names) or 'no columns'}. "
            f"Rename the columns or build the table with "
            f"tenure.analytics.summary.customer_summary.")
    data = in_memory(data, list(found.values()))
    columns = {c: _floats(_column(data, found[c]), c, what) for c in required}
    n = len(next(iter(columns.values()))) if columns else 0
    if WEIGHT in found:
        weight = _floats(_column(data, found[WEIGHT]), WEIGHT, what)
        check(weight > 0, WEIGHT, weight, "a weight must be positive", what)
    else:
        weight = np.ones(n)
    if n == 0:
        raise InputError(f"{what} has no rows.")
    index = None
    if CUSTOMER_ID in found:
        index = pd.Index(_column(data, found[CUSTOMER_ID]), name=CUSTOMER_ID)
    unit = _unit(_column(data, found[TIME_UNIT]), what) if TIME_UNIT in found else None
    return Rows(columns, weight, index, unit)


def check_time_unit(rows: Rows, unit: str, what: str = "the data") -> None:
    """Raise InputError when ``rows`` say their times are in another unit than ``unit``.

    Rows without a ``time_unit`` column are taken to be in ``unit``.
    """
    if rows.time_unit is not None and rows.time_unit != unit:
        raise InputError(
            f"{what} is in {rows.time_unit}s (its time_unit column) but the model works "
            f"in {unit}s, so its recency and T would be misread. Build the summary with "
            f"unit={unit!r}, or fit a model on this one.")


def horizon(t: Any, unit: str | None = None) -> float:
    """Return a prediction horizon ``t`` as a number of ``unit``; InputError unless it is >= 0.

    ``t`` is a number, already in ``unit`` (the model's time unit); or, when ``unit`` is
    given, a duration converted into it (`tenure.analytics.units`): a ``pandas.Timedelta``,
    ``datetime.timedelta`` or ``numpy.timedelta64``, or a text such as ``"12 weeks"`` or
    ``"3 months"`` (a month is 30.4375 days).

    Examples
    --------
    >>> horizon("2 weeks", "day"), horizon(pd.Timedelta(days=14), "week")
    (14.0, 2.0)
    """
    if unit is not None:
        t = _duration(t, unit)
    try:
        value = float(t)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        also = "" if unit is None else " (in the model's unit) or a duration such as '12 weeks'"
        raise InputError(f"the horizon t must be a non-negative number{also}; got {t!r}.")
    return value


def _duration(t: Any, unit: str) -> Any:
    """Return a duration ``t`` in ``unit``; anything else unchanged (``horizon`` judges it)."""
    if isinstance(t, timedelta | np.timedelta64):
        return units.convert(pd.Timedelta(t) / pd.Timedelta(days=1), "day", unit)
    if isinstance(t, str) and not _is_number(t):
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-z]+?)s?\s*", t.casefold())
        if match is None or match[2] not in units.UNITS:
            raise InputError(
                f"the horizon {t!r} is not a duration: write a number and a unit, e.g. "
                f"'12 weeks' ({', '.join(units.UNITS)}).")
        return units.convert(float(match[1]), match[2], unit)
    return t


def purchase_count(n: Any) -> int:
    """Return a number of purchases ``n`` as an int; InputError unless it is a whole n >= 0."""
    if isinstance(n, bool) or not isinstance(n, int | float | np.integer | np.floating) \
            or int(n) != n or n < 0:
        raise InputError(f"n must be a whole number of purchases (0, 1, 2...); got {n!r}.")
    return int(n)


def check(ok: np.ndarray, column: str, values: np.ndarray, rule: str,
          what: str = "the data", detail: Callable[[int], str] | None = None) -> None:
    """Raise InputError naming the first row where ``ok`` is False.

    ``rule`` says what should hold; ``detail(i)`` may describe row ``i`` further.
    """
    bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
    if len(bad) == 0:
        return
    i = int(bad[0])
    more = f" ({len(bad):,} rows in all)" if len(bad) > 1 else ""
    extra = f"; {detail(i)}" if detail else ""
    raise InputError(
        f"{what}, row {i + 1}: {column} is {_show(values[i])}: {rule}{extra}{more}.")


def compress(rows: Rows, keys: Sequence[str]) -> Compressed:
    """Fold rows with equal ``keys`` into one row whose weight is the sum of theirs.

    Only the ``keys`` columns are kept. The order of the distinct rows is unspecified.
    Rows whose last key (the most varied: times, amounts) differs in almost every row of a
    sample are kept as they are: continuous times leave next to nothing to fold, and
    folding would hash every row to find that out.
    """
    if len(rows) > SAMPLE and distinct_share(rows[keys[-1]]) >= KEEP_SHARE:
        columns = {k: rows[k] for k in keys}
        return Compressed(Rows(columns, rows.weight, time_unit=rows.time_unit),
                          np.arange(len(rows)), rows.index)
    first, codes = groups(*(rows[k] for k in keys))
    weight = np.bincount(codes, weights=rows.weight, minlength=len(first))
    columns = {k: rows[k][first] for k in keys}
    return Compressed(Rows(columns, weight, time_unit=rows.time_unit), codes, rows.index)


def distinct_share(values: np.ndarray) -> float:
    """Return the share of distinct values in an even sample of ``values`` (every n-th,
    `SAMPLE` to twice as many; all of them when there are fewer): near 1 for continuous
    times."""
    sample = values[::max(len(values) // SAMPLE, 1)]
    return len(pd.unique(sample)) / max(len(sample), 1)


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct values (in order of appearance) and each value's index among them.

    ``uniques[codes]`` gives ``values`` back; a hash table, not a sort.
    """
    codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(uniques), codes.astype(np.intp, copy=False)


def groups(*arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, for rows keyed by ``arrays``, one row index per distinct key and each row's key.

    ``f(arrays[first])[codes]`` computes ``f`` once per distinct key and gives one value
    per row.
    """
    codes = _row_codes(list(arrays))
    first = np.empty(codes.max() + 1 if len(codes) else 0, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first, codes


def _row_codes(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Return an int code per row, equal exactly for equal rows, numbered 0..k-1."""
    code, size = np.zeros(len(arrays[0]), dtype=np.int64), 1
    # Callers list the most varied keys last (times after counts): taken first, one of them
    # may tell every row apart at once. The final numbering does not depend on the order.
    for values in reversed(arrays):
        part, uniques = pd.factorize(values, sort=False)
        if len(uniques) == len(values):
            # This column alone tells every row apart (continuous times): its codes are
            # the answer, numbered in order of appearance like the combined code's.
            return part.astype(np.int64, copy=False)
        if size * len(uniques) >= 2**62:  # renumber before the combined code overflows
            code, kept = pd.factorize(code, sort=False)
            size = len(kept)
        code = code * len(uniques) + part
        size *= max(len(uniques), 1)
    codes, _ = pd.factorize(code, sort=False)
    return codes.astype(np.int64, copy=False)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _find(column: str, names: list[str]) -> str | None:
    """Return the name ``column`` goes by in ``names`` (its own first, then an alias)."""
    if column in names:
        return column
    return next((a for a in SUMMARY.get(column, ()) if a in names), None)


def _wanted(column: str) -> str:
    aliases = SUMMARY.get(column, ())
    return repr(column) + (f" (or {' or '.join(map(repr, aliases))})" if aliases else "")


def in_memory(data: Any, names: Sequence[str] | None = None) -> Any:
    """Return an Ibis table (its ``names``, or all columns) computed once, as Arrow; other
    tables unchanged.

    Reading an Ibis table column by column, or twice, would run a query each time, and an
    engine returns rows in no fixed order: the columns, or two readings, would not line up.
    """
    if hasattr(data, "to_pyarrow") and not hasattr(data, "to_numpy"):
        return (data if names is None else data.select(*names)).to_pyarrow()
    return data


def _unit(values: Any, what: str) -> str:
    values = np.asarray(values, dtype=object)
    first = values[0] if len(values) else None
    if isinstance(first, str) and not (values != first).any():  # the usual case, fast
        return units.check_unit(first)
    found = pd.unique(pd.Series(values).dropna())
    if len(found) != 1:
        raise InputError(
            f"{what}: the time_unit column must hold one unit for every row; it holds "
            f"{', '.join(map(repr, found)) or 'nothing'}.")
    return units.check_unit(str(found[0]))


def _column_names(data: Any) -> list[str]:
    if hasattr(data, "column_names"):  # pyarrow
        return list(data.column_names)
    if hasattr(data, "columns"):  # pandas, polars, ibis
        return [str(c) for c in data.columns]
    if isinstance(data, Mapping):
        return [str(k) for k in data]
    raise InputError(
        f"expected a table (pandas, polars or Arrow) or a dict of columns; "
        f"got {type(data).__name__}.")


def _column(data: Any, name: str) -> Any:
    if hasattr(data, "column_names"):  # Arrow
        return data.column(name).to_numpy()
    column = data[name]
    return column.to_numpy() if hasattr(column, "to_numpy") else column


def _floats(values: Any, column: str, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind in "fiub":
        array = array.astype(float, copy=False)
    else:  # text, objects, nullable integers: parse, and name what does not parse
        series = pd.Series(values)
        array = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        unreadable = np.isnan(array) & series.notna().to_numpy()
        if unreadable.any():
            check(~unreadable, column, series.to_numpy(dtype=object), "not a number", what)
    check(~np.isnan(array), column, array, "empty; every row needs a value", what)
    check(np.isfinite(array), column, array, "not finite", what)
    return array


def _show(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "empty" if np.isnan(value) else f"{float(value):g}"
    return repr(value)
