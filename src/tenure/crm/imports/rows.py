"""The rows of a file seen through its column mapping: parsed column by column, problems kept.

A column is dictionary-encoded once, each distinct text is parsed once, and the
results are spread back over the rows with a numpy take: a million rows that
repeat a few thousand dates or prices cost a few thousand parser calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from .reading import SourceTable


@dataclass(frozen=True)
class Problem:
    """Why one row (0-based ``index``) cannot be loaded."""

    index: int
    field: str
    reason: str


def objects(values: list) -> np.ndarray:
    """Return ``values`` as a 1-d numpy array of Python objects."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


class Rows:
    """The data rows of a table, addressed by canonical field name."""

    def __init__(self, table: SourceTable, mapping: dict[str, str]):
        self.table = table
        self.count = table.num_rows
        self.columns = {field: table.headers.index(header) for header, field in mapping.items()}
        self.problems: list[Problem] = []
        self.bad = np.zeros(self.count, dtype=bool)
        self._texts: dict[str, np.ndarray] = {}

    def has(self, field: str) -> bool:
        """Return whether a column maps to ``field``."""
        return field in self.columns

    def label(self, field: str) -> str:
        """Return the file's header for ``field`` (the field name when unmapped)."""
        return self.table.headers[self.columns[field]] if field in self.columns else field

    def position(self, field: str) -> int:
        """Return the index of ``field``'s column (past the last column when unmapped)."""
        return self.columns.get(field, len(self.table.headers))

    def _distinct(self, field: str) -> tuple[list[str], np.ndarray]:
        encoded = self.table.columns[self.columns[field]].combine_chunks().dictionary_encode()
        return encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)

    def text(self, field: str) -> np.ndarray:
        """Return the stripped text of ``field`` per row ("" everywhere when unmapped)."""
        if field not in self._texts:
            if field in self.columns:
                distinct, indices = self._distinct(field)
                self._texts[field] = objects([v.strip() for v in distinct])[indices]
            else:
                self._texts[field] = objects([""] * self.count)
        return self._texts[field]

    def parse(self, field: str, parser: Callable, *, required: bool = False) -> np.ndarray:
        """Return ``field`` parsed per row: None when empty or invalid (invalid is a problem)."""
        if field not in self.columns:
            return objects([None] * self.count)
        distinct, indices = self._distinct(field)
        values, reasons = [], []
        for raw in distinct:
            value, reason = _parse_one(raw.strip(), parser, required)
            values.append(value)
            reasons.append(reason)
        reason_of = objects(reasons)[indices]
        failed = np.flatnonzero(objects([r is not None for r in reasons])[indices].astype(bool))
        for index in failed:
            self.reject(int(index), field, reason_of[index])
        return objects(values)[indices]

    def reject(self, index: int, field: str, reason: str) -> None:
        """Record that row ``index`` cannot be loaded because of ``field``."""
        self.problems.append(Problem(index, field, str(reason)))
        self.bad[index] = True

    def reject_all(self, indices: Iterable[int], field: str, reason: str) -> None:
        """Record the same problem for every row in ``indices``."""
        for index in indices:
            self.reject(int(index), field, reason)

    def good(self) -> np.ndarray:
        """Return the indices of the rows without a problem so far."""
        return np.flatnonzero(~self.bad)

    def value_of(self, problem: Problem) -> str:
        """Return the text of the cell a problem is about ("" when no column holds it)."""
        if problem.field not in self.columns:
            return ""
        return self.table.columns[self.columns[problem.field]][problem.index].as_py()

    @property
    def rejected(self) -> int:
        """Return the number of rows with at least one problem."""
        return int(self.bad.sum()) + len(self.table.bad_rows)


def _parse_one(text: str, parser: Callable, required: bool):
    if not text:
        return None, (_("a value is required") if required else None)
    try:
        return parser(text), None
    except ValueError as exc:
        return None, str(exc)
