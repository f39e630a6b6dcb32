"""Write many rows at once: INSERT, UPDATE and DELETE through Django's connection.

Used by the importer and the demo shop.

The ORM's per-object work is too slow for a million order lines, so these
helpers send one statement with many parameter rows (``executemany``), or a
COPY on PostgreSQL. Table and column names come from ``Model._meta``; values
are adapted by the database backend as the ORM would adapt them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

CHUNK = 20_000
# SQLite allows 32,766 parameters per statement; stay far below for IN lists.
IN_CHUNK = 900


def _columns(model, fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in fields]


def _adapters(model, fields: Sequence[str]) -> list[Callable | None]:
    """Return a value adapter per field: dates (SQLite stores them as text) and JSON."""
    ops, adapters = connection.ops, []
    for name in fields:
        field = model._meta.get_field(name)
        if isinstance(field, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(field, models.DateField):
            adapters.append(ops.adapt_datefield_value)
        elif isinstance(field, models.JSONField):
            adapters.append(json.dumps)
        else:
            adapters.append(None)
    return adapters


def _adapt(rows: Sequence[tuple], adapters: list[Callable | None]) -> list[tuple]:
    active = [(i, adapt, {}) for i, adapt in enumerate(adapters) if adapt is not None]
    if not active:
        return list(rows)
    adapted = []
    for row in rows:
        row = list(row)
        for i, adapt, cache in active:
            value = row[i]
            if isinstance(value, list | dict):  # JSON: not hashable, adapted each time
                row[i] = adapt(value)
                continue
            if value not in cache:
                cache[value] = adapt(value)
            row[i] = cache[value]
        adapted.append(tuple(row))
    return adapted


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _defaults(model, fields: Sequence[str]) -> tuple[list[str], tuple]:
    """Return the other columns and their default values, evaluated once for all rows."""
    now = timezone.now()
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in fields or field.attname in fields:
            continue
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        names.append(field.name)
        values.append(now if auto else field.get_default())
    return names, tuple(values)


def insert(model, fields: Sequence[str], rows: Sequence[tuple], advance=None) -> None:
    """Insert ``rows`` (tuples in ``fields`` order) into ``model``'s table.

    Columns not named in ``fields`` get the model field's default, as ``save()`` would.
    """
    if not rows:
        return
    extra_fields, extra_values = _defaults(model, fields)
    if extra_fields:
        fields = [*fields, *extra_fields]
        rows = [(*row, *extra_values) for row in rows]
    table, columns = _quote(model._meta.db_table), [_quote(c) for c in _columns(model, fields)]
    rows = _adapt(rows, _adapters(model, fields))
    if connection.vendor == "postgresql":
        _copy(table, columns, rows, advance)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    _executemany(sql, rows, advance)


def _copy(table: str, columns: list[str], rows: list[tuple], advance) -> None:
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, len(rows), CHUNK):
                for row in rows[start:start + CHUNK]:
                    copy.write_row(row)
                if advance:
                    advance(len(rows[start:start + CHUNK]))


def _executemany(sql: str, rows: list[tuple], advance) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            cursor.executemany(sql, chunk)
            if advance:
                advance(len(chunk))


def update(model, fields: Sequence[str], rows: Sequence[tuple], advance=None) -> None:
    """Update rows by primary key: each tuple holds ``fields`` values, then the pk."""
    if not rows:
        return
    table = _quote(model._meta.db_table)
    assignments = ", ".join(f"{_quote(c)} = %s" for c in _columns(model, fields))
    pk = _quote(model._meta.pk.column)
    rows = _adapt(rows, [*_adapters(model, fields), None])
    _executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", rows, advance)


def delete(model, field: str, values: Sequence) -> None:
    """Delete the rows of ``model`` whose ``field`` is in ``values``."""
    table, column = _quote(model._meta.db_table), _quote(_columns(model, [field])[0])
    values = list(values)
    with connection.cursor() as cursor:
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start:start + IN_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)


@contextmanager
def large_cache():
    """Give SQLite a page cache of up to 256 MB while a bulk load maintains its indexes.

    With the default 2 MB cache, inserting a million rows spends most of its time
    re-reading index pages (orders by customer, lines by product) from disk.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def reset_sequences(*models) -> None:
    """Move the id sequences past explicitly written ids (PostgreSQL; SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
