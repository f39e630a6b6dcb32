"""Writing the simulated shop to the database fast: explicit ids, chunked executemany.

Rows go in with ``cursor.executemany`` on Django's connection, table and column
names taken from each model's ``_meta``: building millions of model instances
for ``bulk_create`` costs more than the inserts themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

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
    """Insert ``count`` rows into ``model``'s table, column values made chunk by chunk.

    Fields left out get their model default, as ``Model.save()`` would give them.
    """
    columns = {**columns, **defaults(model, columns)}
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


def defaults(model, given: dict[str, Column]) -> dict[str, Column]:
    """Return a column of the default of each field of ``model`` missing from ``given``.

    Other apps add fields with Python defaults, which the database does not know: a raw
    INSERT without them would break on the NOT NULL constraint.
    """
    made = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in given:
            continue
        if field.has_default() and callable(field.default):
            made[field.name] = per_row(field)
        elif field.has_default() or field.null or field.empty_strings_allowed:
            made[field.name] = constant(field.get_db_prep_save(field.get_default(), connection))
    return made


def per_row(field) -> Column:
    """Return a column calling ``field``'s default once per row (tokens, uuids)."""
    def make(part):
        return [field.get_db_prep_save(field.get_default(), connection)
                for _ in range(part.stop - part.start)]
    return make


def values(array) -> Column:
    """Return a column of plain values (numbers, bools, strings, None)."""
    if isinstance(array, np.ndarray):
        return lambda part: array[part].tolist()  # numpy scalars are no database values
    return lambda part: list(array[part])


def ids(first: int, array: np.ndarray, missing: int = -1) -> Column:
    """Return a column of foreign keys: ``first + index``, NULL where the index is missing."""
    return lambda part: [None if i == missing else first + i for i in array[part].tolist()]


def lookup(table: list, array: np.ndarray) -> Column:
    """Return a column of ``table[index]``, NULL where the index is -1 (staff, surveys)."""
    return lambda part: [None if i < 0 else table[i] for i in array[part].tolist()]


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
        """Return a column of timestamps ("2024-11-29 18:04:11"), NULL where a time is -1."""
        def make(part):
            text = np.datetime_as_string(self.utc(seconds[part]), unit="s")
            return [None if s < 0 else t.replace("T", " ") + self.suffix
                    for t, s in zip(text.tolist(), seconds[part].tolist(), strict=True)]
        return make

    def moment(self, seconds: int) -> datetime:
        """Return the aware datetime of shop-local ``seconds``."""
        utc = self.utc(np.array([seconds], dtype=np.int64))[0].astype(datetime)
        return utc.replace(tzinfo=UTC)

    def local_date(self, seconds: int) -> date:
        """Return the shop-local date of ``seconds``."""
        return (self.start + np.timedelta64(seconds // 86400, "D")).astype(datetime).date()

    def dates(self, seconds: np.ndarray) -> Column:
        """Return a column of shop-local dates ("2024-11-29")."""
        def make(part):
            local = self.start + (seconds[part] // 86400).astype("timedelta64[D]")
            return np.datetime_as_string(local, unit="D").tolist()
        return make
