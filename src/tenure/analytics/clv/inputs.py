"""Model inputs: columns of any table as numpy arrays, validated at the edge, and compressed.

The models take a pandas, polars or Arrow table (or an Ibis table, or a dict of arrays) with
named columns. :func:`read` turns it into float arrays once, checks every value and names the
first bad row in its message. :func:`compress` then folds equal rows into one with a weight,
so work shared by customers with the same history is done once (STYLE.md: one canonical
input, pure kernels).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError

#: The optional column saying how many customers share a row.
WEIGHT = "weight"


@dataclass(frozen=True)
class Rows:
    """Validated input columns (float64 arrays of equal length) and each row's weight."""

    columns: dict[str, np.ndarray]
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.weight)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]


@dataclass(frozen=True)
class Compressed:
    """The distinct rows of a `Rows`, their summed weights and the map back to input rows.

    ``rows.columns[c][inverse]`` gives back the input column ``c``.
    """

    rows: Rows
    inverse: np.ndarray

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Return per-distinct-row ``values`` as one value per input row, in input order."""
        return np.asarray(values)[self.inverse]


def read(data: Any, required: Sequence[str], *, weights: bool = True,
         what: str = "the data") -> Rows:
    """Return the ``required`` columns of ``data`` as float64 arrays and the row weights.

    Parameters
    ----------
    data : pandas.DataFrame, polars.DataFrame, pyarrow.Table, ibis.Table or mapping
        One row per customer (or per group of identical customers with a ``weight``).
    required : sequence of str
        Column names that must be present.
    weights : bool
        Read the optional ``weight`` column (else every row weighs 1).
    what : str
        How messages name the table.

    Raises
    ------
    InputError
        A column is missing, or a value is empty, not a number, infinite, or a weight is not
        positive; the message names the column and the first bad row (counted from 1).
    """
    names = _column_names(data)
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(
            f"{what} has no column {', '.join(repr(c) for c in missing)}; "
            f"it has {', '.join(repr(c) for c in names) or 'no columns'}. "
            f"Rename the columns or build the table with "
            f"tenure.analytics.summary.customer_summary.")
    columns = {c: _floats(_column(data, c), c, what) for c in required}
    n = len(next(iter(columns.values()))) if columns else 0
    if weights and WEIGHT in names:
        weight = _floats(_column(data, WEIGHT), WEIGHT, what)
        check(weight > 0, WEIGHT, weight, "a weight must be positive", what)
    else:
        weight = np.ones(n)
    if n == 0:
        raise InputError(f"{what} has no rows.")
    return Rows(columns, weight)


def horizon(t: Any) -> float:
    """Return a prediction horizon ``t`` as a float; InputError unless it is a number >= 0."""
    try:
        value = float(t)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise InputError(f"the horizon t must be a non-negative number; got {t!r}.")
    return value


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
    """
    first, codes = groups(*(rows[k] for k in keys))
    weight = np.bincount(codes, weights=rows.weight, minlength=len(first))
    columns = {k: rows[k][first] for k in keys}
    return Compressed(Rows(columns, weight), codes)


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
    if hasattr(data, "to_pyarrow") and not hasattr(data, "to_numpy"):  # an Ibis table
        data = data.select(name).to_pyarrow()
    if hasattr(data, "column_names"):
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
