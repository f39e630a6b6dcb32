"""The trigram index of the customers' search columns on SQLite (FTS5).

Search looks for substrings of the folded ``search_text`` and of ``phone_digits``
(``lib/search.py``). PostgreSQL serves ``LIKE '%...%'`` from GIN trigram indexes
(migration 0008); SQLite has none for LIKE and reads every customer, 50 to 100 ms at
100,000 of them. Here an FTS5 table with the ``trigram`` tokenizer indexes both columns
as an external-content index over ``customers_customer``: it stores the trigrams, not the
text, and triggers keep it as rows are inserted, changed and deleted, by any writer
(``save()``, the bulk helpers, plain SQL).

A word of three characters or more is looked up as a phrase of its trigrams
(``search_text : "word"``): trigrams at consecutive positions are exactly the word as
a substring, so the index finds the rows LIKE finds, without reading them. A shorter
word has no trigram and is matched with LIKE, as before. The tokenizer is case
sensitive: the columns and the query are folded already, and an index that folded
again could only differ from LIKE on what Python's folding leaves.

Django rebuilds a SQLite table for some schema changes, which drops its triggers;
``ensure`` (run after every ``migrate``) puts them back and refills the index then. A
SQLite without FTS5 or older than 3.34 (no trigram tokenizer) gets no index, and search
reads every customer there, as it did before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import cache

from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import BooleanField, Func, Q
from django.db.models.expressions import RawSQL

from tenure.crm.lib.search import words

TABLE = "customers_customer_search"
CUSTOMERS = "customers_customer"
COLUMNS = ("search_text", "phone_digits")
# A phrase of fewer characters has no trigram: the index cannot find it.
TRIGRAM = 3

_NEW = ", ".join(f"new.{column}" for column in COLUMNS)
_OLD = ", ".join(f"old.{column}" for column in COLUMNS)
_NAMES = ", ".join(COLUMNS)
_CHANGED = " OR ".join(f"old.{column} IS NOT new.{column}" for column in COLUMNS)
TRIGGERS = {
    f"{TABLE}_insert": f"""
        CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON {CUSTOMERS} BEGIN
            INSERT INTO {TABLE} (rowid, {_NAMES}) VALUES (new.id, {_NEW});
        END""",
    f"{TABLE}_delete": f"""
        CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON {CUSTOMERS} BEGIN
            INSERT INTO {TABLE} ({TABLE}, rowid, {_NAMES}) VALUES ('delete', old.id, {_OLD});
        END""",
    f"{TABLE}_update": f"""
        CREATE TRIGGER IF NOT EXISTS {TABLE}_update AFTER UPDATE OF {_NAMES} ON {CUSTOMERS}
        WHEN {_CHANGED} BEGIN
            INSERT INTO {TABLE} ({TABLE}, rowid, {_NAMES}) VALUES ('delete', old.id, {_OLD});
            INSERT INTO {TABLE} (rowid, {_NAMES}) VALUES (new.id, {_NEW});
        END""",
}


@cache
def supported() -> bool:
    """Return whether this process's SQLite has FTS5 and its trigram tokenizer."""
    try:
        with closing(sqlite3.connect(":memory:")) as db:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    except sqlite3.Error:
        return False
    return True


def create(connection) -> None:
    """Create the index, its triggers, and fill it from the customers (SQLite only)."""
    if connection.vendor != "sqlite" or not supported():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5({_NAMES}, "
                       f"content='{CUSTOMERS}', content_rowid='id', "
                       "tokenize='trigram case_sensitive 1')")
        for sql in TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')")


def drop(connection) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


MIGRATION = ("customers", "0013_search_index")


def ensure(connection) -> None:
    """Recreate and refill the index if the customers' table lost its triggers, or
    SQLite gained the trigram tokenizer since the migration that makes the index ran.

    Only once that migration is applied: before, the columns it indexes may not exist.
    """
    if connection.vendor != "sqlite" or not supported():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = %s OR name IN "
                       f"({', '.join(['%s'] * len(TRIGGERS))})", [TABLE, *TRIGGERS])
        found = {name for (name,) in cursor.fetchall()}
    if found != {TABLE, *TRIGGERS} and MIGRATION in MigrationRecorder(
            connection).applied_migrations():
        create(connection)


@contextmanager
def inserting() -> Iterator[None]:
    """Index the customers inserted in the block in one statement at its end.

    The insert trigger indexes a row at a time, some 100 microseconds each: 100,000
    customers of an import took 10 s to index that way, 2.3 s as one ``INSERT ... SELECT``.
    The block must only insert customers (the rows after the largest id it starts with);
    it runs in a transaction, so another writer never sees the trigger missing (SQLite
    writes one at a time) and a failure puts it back with the rest.
    """
    if connection.vendor != "sqlite" or not supported():
        yield
        return
    name = f"{TABLE}_insert"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = %s", [name])
        if cursor.fetchone() is None:  # no index (yet): nothing to keep
            yield
            return
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {CUSTOMERS}")
        last = cursor.fetchone()[0]
        cursor.execute(f"DROP TRIGGER {name}")
        yield
        cursor.execute(f"INSERT INTO {TABLE} (rowid, {_NAMES}) "
                       f"SELECT id, {_NAMES} FROM {CUSTOMERS} WHERE id > %s", [last])
        cursor.execute(TRIGGERS[name])


def _phrase(column: str, text: str) -> str:
    return f'{column} : "{text.replace(chr(34), chr(34) * 2)}"'


def _indexed(column: str, fragments: list[str]) -> Q:
    match = " AND ".join(_phrase(column, fragment) for fragment in fragments)
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match]))


def contains_all(column: str, fragments: list[str]) -> ByVendor:
    """Return the condition that the customer's ``column`` contains every fragment.

    Elsewhere a LIKE each; on SQLite, the fragments the index can find through it.
    """
    everywhere = Q()
    for fragment in fragments:
        everywhere &= Q(**{f"{column}__contains": fragment})
    long = [fragment for fragment in fragments if len(fragment) >= TRIGRAM]
    on_sqlite = _indexed(column, long) if long else Q()
    for fragment in fragments:
        if len(fragment) < TRIGRAM:
            on_sqlite &= Q(**{f"{column}__contains": fragment})
    return ByVendor(everywhere, on_sqlite)


@contextmanager
def through_indexes(text: str) -> Iterator[None]:
    """Have PostgreSQL find the customers ``text`` matches through their indexes.

    Each branch of the search has an index (the external id, the phone, the trigrams of
    the search columns), yet once a fragment is common (a Cyrillic "петр": 8,000 of
    100,000 customers) the planner prices the trigram index above reading every row, and
    the scan, which runs LIKE on every customer's text, takes 60 to 90 ms where the index
    takes 20. Sequential scans are turned off for the queries in the block. Not when a
    word is shorter than three characters: it has no trigram, and its index would be read
    whole.
    """
    if connection.vendor != "postgresql" or any(len(word) < TRIGRAM for word in words(text)):
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # Local to the transaction, and put back for the rest of an enclosing one.
        cursor.execute("SELECT current_setting('enable_seqscan'), "
                       "set_config('enable_seqscan', 'off', true)")
        before = cursor.fetchone()[0]
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])


class ByVendor(Func):
    """A condition written one way on SQLite and another elsewhere, meaning the same."""

    output_field = BooleanField()

    def __init__(self, everywhere: Q, on_sqlite: Q):
        super().__init__(everywhere, on_sqlite)

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[1 if supported() else 0])
