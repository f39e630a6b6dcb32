"""Writing the simulated shop to the database fast: explicit ids, chunked executemany.

Rows go in with ``cursor.executemany`` on Django's connection, table and column
names taken from each model's ``_meta``: building millions of model instances
for ``bulk_create`` costs more than the inserts themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db import connection
from django.db.models import Max
from django.utils import timezone

Column = Callable[[slice], list]
CHUNK = 20_000


def next_id(model) -> int:
    """Return the first id free above every existing row of ``model``."""
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def insert(model, columns: dict[str, Column], count: int, progress=None) -> None:
    """Insert ``count`` rows into ``model``'s table, column values made chunk by chunk."""
    qn = connection.ops.quote_name
    names = [qn(model._meta.get_field(name).column) for name in columns]
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(names)}) "
           f"VALUES ({', '.join(['%s'] * len(names))})")
    with connection.cursor() as cursor:
        for low in range(0, count, CHUNK):
            part = slice(low, min(low + CHUNK, count))
            cursor.executemany(sql, list(zip(*(make(part) for make in columns.values()),
                                             strict=True)))
            if progress is not None:
                progress.update(part.stop - part.start)


def values(array) -> Column:
    """Return a column of plain values (numbers, bools, strings, None)."""
    if isinstance(array, np.ndarray):
        return lambda part: array[part].tolist()  # numpy scalars are no database values
    return lambda part: list(array[part])


def ids(first: int, array: np.ndarray, missing: int = -1) -> Column:
    """Return a column of foreign keys: ``first + index``, NULL where the index is missing."""
    return lambda part: [None if i == missing else first + i for i in array[part].tolist()]


def constant(value) -> Column:
    return lambda part: [value] * (part.stop - part.start)


def money(cents: np.ndarray) -> Column:
    """Return a column of exact decimal strings ("1299.00") from integer cents."""
    return lambda part: [f"{c // 100}.{c % 100:02d}" for c in cents[part].tolist()]


class Clock:
    """Turn shop-local seconds since ``start`` into the database's UTC timestamps.

    The UTC offset is taken per day, so a daylight-saving change moves the
    orders of that day, not of the whole period.
    """

    def __init__(self, start: date, days: int):
        zone = timezone.get_current_timezone()
        self.start = np.datetime64(start, "s")
        self.offset = np.array([
            datetime.combine(start + timedelta(days=d), time(12), zone).utcoffset()
            .total_seconds() for d in range(days + 31)
        ]).astype(np.int64)
        self.suffix = "" if connection.vendor == "sqlite" else "+00:00"

    def utc(self, seconds: np.ndarray) -> np.ndarray:
        """Return UTC datetime64 values of shop-local ``seconds``."""
        shifted = seconds - self.offset[seconds // 86400]
        return self.start + shifted.astype("timedelta64[s]")

    def stamps(self, seconds: np.ndarray) -> Column:
        """Return a column of timestamps ("2024-11-29 18:04:11")."""
        def make(part):
            text = np.datetime_as_string(self.utc(seconds[part]), unit="s")
            return [t.replace("T", " ") + self.suffix for t in text.tolist()]
        return make

    def dates(self, seconds: np.ndarray) -> Column:
        """Return a column of shop-local dates ("2024-11-29")."""
        def make(part):
            local = self.start + (seconds[part] // 86400).astype("timedelta64[D]")
            return np.datetime_as_string(local, unit="D").tolist()
        return make
