"""The ledger's set-based paths: earning for many orders, releasing and expiring many lots.

The same rules as ``ledger.py``, written as a few statements per batch instead of one
transaction per order, for a million imported orders or a nightly run over a million
accounts. Each batch is one transaction that

1. picks its rows into a temporary table, having locked their accounts (``FOR UPDATE``
   on PostgreSQL; SQLite writes one transaction at a time), so a row that appears
   meanwhile waits for the next batch;
2. moves each account by the sum of its rows: an upsert, which writes a new account once
   with its points (``INSERT ... ON CONFLICT DO UPDATE``); a customer whose account
   another transaction creates meanwhile (the single path) earns this batch at x1;
3. appends one entry per row (``INSERT ... SELECT``), their keys the ones ``ledger.py``
   writes, so the single path and the bulk path never both act, and writes the lots.

An account whose balance is negative pays its debt from the points released to it, lot
by lot: those few go through ``ledger.settle`` (the caller's job), not through here.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction

from tenure.crm.sales.models import Order, OrderStatus

from . import multipliers
from .models import Account, Entry, Kind, Lot, Programme, Tier

BATCH = 50_000
ACCOUNT, ENTRY, LOT, ORDER = (Account._meta.db_table, Entry._meta.db_table, Lot._meta.db_table,
                              Order._meta.db_table)
TIER = Tier._meta.db_table


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _when(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _plus_days(column: str, days: int) -> str:
    if _postgres():
        return f"{column} + make_interval(days => {int(days)})"
    return f"datetime({column}, '+{int(days)} days')"


def _points(programme: Programme, weighted: bool) -> str:
    """Return SQL for the points of order ``o`` (``multipliers.py``), the tier ``t`` the
    account's; ``weighted`` when the order's lines ``lw`` weigh in (some multiplier is
    set), else ``floor(o.total × points_per_unit × multiplier)``, exact on both databases
    (on SQLite as whole cents × rate in ten-thousandths × multiplier in hundredths,
    integer division)."""
    rate = int(programme.points_per_unit * 10_000)
    if weighted:
        return multipliers.points_sql(
            "o.total", rate, "coalesce(CAST(round(t.multiplier * 100) AS INTEGER), 100)")
    if _postgres():
        return (f"floor(o.total * {programme.points_per_unit}"
                f" * coalesce(t.multiplier, 1))::bigint")
    return (f"(CAST(round(o.total * 100) AS INTEGER) * {rate}"
            f" * coalesce(CAST(round(t.multiplier * 100) AS INTEGER), 100)) / 100000000")


def fresh_statistics(*tables: str) -> None:
    """Analyze those of ``tables`` that changed by more than a fifth since their last
    analysis (PostgreSQL only; SQLite plans by its indexes).

    Each batch reads the rows the batches before it wrote. Planned from statistics taken
    before an import, or before the first entries (autovacuum comes when it comes), the
    anti-join "orders without their entry" became a nested loop over every entry for
    each order: quadratic, 2.5 billion comparisons by the second batch of 50,000. An
    ANALYZE samples 30,000 rows whatever the table's size (a fraction of a second) and is
    due about log(rows) times over a run, as autovacuum's own threshold would have it.
    """
    if not _postgres():
        return
    # The rows this transaction added count too (``pg_stat_xact_user_tables``): the
    # counters of ``pg_stat_user_tables`` learn of them only at commit, so a long
    # transaction that fills the tables (the demo shop's build) planned every later batch
    # as if they were empty, nested loops over thousands of orders per account.
    grown = ("abs(greatest(s.n_live_tup, 0) + x.n_tup_ins - x.n_tup_del"
             " - greatest(c.reltuples, 0))")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
            " JOIN pg_stat_xact_user_tables x ON x.relid = s.relid"
            " WHERE s.relname = ANY(%s) AND (s.last_analyze IS NULL AND"
            " s.last_autoanalyze IS NULL OR s.n_mod_since_analyze > 1000 + 0.2 *"
            f" greatest(c.reltuples, 0) OR {grown} > 1000 + 0.2 * greatest(c.reltuples, 0))",
            [list(tables)])
        for (table,) in cursor.fetchall():
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def batch_commit_unflushed(cursor) -> None:
    """Let this batch's transaction commit without waiting for its WAL to reach the disk
    (PostgreSQL's ``synchronous_commit = off`` for this transaction only).

    A batch writes 150,000 rows; waiting on the flush took 2-3 s of every batch on a
    busy disk. Nothing is lost that matters: a crash can undo only the last batches
    committed, never half of one, and every batch is derived from the orders and lots
    again by the next run (its keys make it once). Whatever commits afterwards with the
    default setting, such as the job's record, flushes the WAL before it, batches included.
    """
    if _postgres():
        cursor.execute("SET LOCAL synchronous_commit = off")


def _lock(table: str, select: str) -> str:
    """Return ``CREATE TEMP TABLE table AS select``, locking the accounts it reads."""
    lock = " FOR UPDATE OF a" if _postgres() else ""
    return f"CREATE TEMP TABLE {table} AS {select}{lock}"


def _id_ranges(table: str, batch: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {table}")
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, batch):
        yield start, start + batch - 1


def earn_missing(now: datetime, batch: int = BATCH, then=None) -> int:
    """Earn for every order that has no earn entry, is not cancelled and was placed at or
    after the programme's start; return how many.

    ``then(cursor)``, when given, runs at the end of each batch's transaction while the
    temporary table ``loyalty_earning`` (``account_id``, ...) holds what it earned.
    """
    programme = Programme.current()
    earned = 0
    weighted = multipliers.prepare()
    try:
        for low, high in _id_ranges(ORDER, batch):
            fresh_statistics(ORDER, ACCOUNT, ENTRY, LOT)
            with transaction.atomic(), connection.cursor() as cursor:
                batch_commit_unflushed(cursor)
                earned += _earn_range(cursor, programme, low, high, _when(now), weighted)
                if then is not None:
                    then(cursor)
                cursor.execute("DROP TABLE loyalty_earning")
    finally:
        if weighted:
            multipliers.finish()
    return earned


def _earn_range(cursor, programme: Programme, low: int, high: int, now,
                weighted: bool = False) -> int:
    cancelled = OrderStatus.CANCELLED.value
    # Orders before the programme's start earn nothing (`Programme.starts_at`).
    started, since = ((" AND o.ordered_at >= %s", [_when(programme.starts_at)])
                      if programme.starts_at else ("", []))
    if _postgres():
        # The accounts the batch may credit, locked before their tier is read.
        cursor.execute(
            f"SELECT a.id FROM {ACCOUNT} a WHERE a.customer_id IN (SELECT o.customer_id"
            f" FROM {ORDER} o WHERE o.id BETWEEN %s AND %s AND o.status <> %s{started})"
            f" ORDER BY a.id FOR UPDATE", [low, high, cancelled, *since])
    cursor.execute("DROP TABLE IF EXISTS loyalty_earning")
    points = _points(programme, weighted)
    lines = multipliers.lines_join("o.id") if weighted else ""
    # A customer without an account yet has no tier: the multiplier is 1.
    cursor.execute(
        f"CREATE TEMP TABLE loyalty_earning AS SELECT o.id AS order_id, o.customer_id,"
        f" a.id AS account_id, {points} AS points, o.ordered_at FROM {ORDER} o"
        f" LEFT JOIN {ACCOUNT} a ON a.customer_id = o.customer_id"
        f" LEFT JOIN {TIER} t ON t.id = a.tier_id{lines}"
        f" WHERE o.id BETWEEN %s AND %s AND o.status <> %s{started} AND {points} > 0"
        f" AND NOT EXISTS (SELECT 1 FROM {ENTRY} e WHERE e.order_id = o.id"
        f" AND e.kind = %s)",
        [*([low, high] if weighted else []), low, high, cancelled, *since, Kind.EARN.value])
    # New accounts are written once with their pending points; existing ones add theirs.
    # (Inserted, then updated in the same transaction, each new row cost a second version
    # and a second check of its customer key at commit.) "WHERE true": SQLite's upsert
    # after a SELECT needs it.
    cursor.execute(
        f"INSERT INTO {ACCOUNT} (customer_id, balance, pending, created_at)"
        f" SELECT customer_id, 0, sum(points), %s FROM loyalty_earning WHERE true"
        f" GROUP BY customer_id ON CONFLICT (customer_id) DO UPDATE"
        f" SET pending = {ACCOUNT}.pending + excluded.pending", [now])
    cursor.execute(
        f"UPDATE loyalty_earning SET account_id = a.id FROM {ACCOUNT} a"
        f" WHERE a.customer_id = loyalty_earning.customer_id"
        f" AND loyalty_earning.account_id IS NULL")
    cursor.execute(
        f"INSERT INTO {ENTRY} (account_id, kind, points, pending_points, at, key, order_id,"
        f" reason, cause) SELECT account_id, %s, 0, points, %s, 'earn:order:' || order_id,"
        f" order_id, '', '' FROM loyalty_earning", [Kind.EARN.value, now])
    count = cursor.rowcount
    available = _plus_days("b.ordered_at", programme.pending_days)
    expires = _plus_days(available, programme.expiry_days)
    cursor.execute(
        f"INSERT INTO {LOT} (account_id, entry_id, points, remaining, pending, available_at,"
        f" expires_at) SELECT b.account_id, e.id, b.points, b.points, %s, {available},"
        f" {expires} FROM loyalty_earning b JOIN {ENTRY} e ON e.order_id = b.order_id"
        # The batch's range, so the entries are read by their order index, not all scanned.
        f" AND e.kind = %s AND e.order_id BETWEEN %s AND %s",
        [True, Kind.EARN.value, low, high])
    return count


def settle_due(now: datetime, batch: int = BATCH) -> tuple[int, int]:
    """Release the pending lots whose time has come, of accounts whose balance is not
    negative, then expire what is left of the lots past their date; return how many lots
    were released and expired.

    One pass per batch, as ``ledger.settle`` does it for one account: each account and
    each lot is written once, whether it releases, expires or both (on PostgreSQL, on
    the same page: their tables keep room for it, migration 0008). No balance goes
    below zero: while it is not negative it equals its available lots' remaining points,
    and while it is, they hold none.
    """
    released = expired = 0
    for low, high in _id_ranges(ACCOUNT, batch):
        fresh_statistics(ACCOUNT, ENTRY, LOT)
        with transaction.atomic(), connection.cursor() as cursor:
            batch_commit_unflushed(cursor)
            counts = _settle_range(cursor, low, high, _when(now))
        released, expired = released + counts[0], expired + counts[1]
    return released, expired


def _settle_range(cursor, low: int, high: int, now) -> tuple[int, int]:
    cursor.execute("DROP TABLE IF EXISTS loyalty_settling")
    # The range on both sides of the join: the planner does not carry it from the lots to
    # the accounts, and read (and locked) them by a scan of the whole table per batch.
    cursor.execute(_lock("loyalty_settling", (
        f"SELECT l.id AS lot_id, l.account_id, l.remaining, l.pending AS releases,"
        f" l.expires_at <= %s AS expires FROM {LOT} l JOIN {ACCOUNT} a"
        f" ON a.id = l.account_id WHERE l.account_id BETWEEN %s AND %s"
        f" AND a.id BETWEEN %s AND %s AND"
        f" ((l.pending = %s AND l.available_at <= %s AND a.balance >= 0)"
        f" OR (l.pending = %s AND l.remaining > 0 AND l.expires_at <= %s))")),
        [now, low, high, low, high, True, now, False, now])
    for kind, points, pending, which in (
            (Kind.AVAILABLE, "remaining", "-remaining", "releases"),
            (Kind.EXPIRE, "-remaining", "0", "expires")):
        cursor.execute(
            f"INSERT INTO {ENTRY} (account_id, kind, points, pending_points, at, key, lot_id,"
            f" reason, cause) SELECT account_id, %s, {points}, {pending}, %s,"
            f" %s || lot_id, lot_id, '', '' FROM loyalty_settling"
            f" WHERE {which} AND remaining > 0 ORDER BY lot_id",
            [kind.value, now, f"{kind.value}:lot:"])
    cursor.execute(
        f"UPDATE {ACCOUNT} SET balance = {ACCOUNT}.balance + s.points,"
        f" pending = {ACCOUNT}.pending - s.released FROM (SELECT account_id,"
        f" sum(CASE WHEN releases THEN remaining ELSE 0 END)"
        f" - sum(CASE WHEN expires THEN remaining ELSE 0 END) AS points,"
        f" sum(CASE WHEN releases THEN remaining ELSE 0 END) AS released"
        f" FROM loyalty_settling GROUP BY account_id) s WHERE {ACCOUNT}.id = s.account_id"
        f" AND {ACCOUNT}.id BETWEEN %s AND %s", [low, high])
    # The batch's range, read by the lots' (account, expires_at) index: without it the
    # join hashed every lot of the table for each batch.
    cursor.execute(
        f"UPDATE {LOT} SET pending = %s, remaining = CASE WHEN s.expires THEN 0"
        f" ELSE {LOT}.remaining END FROM loyalty_settling s WHERE {LOT}.id = s.lot_id"
        f" AND {LOT}.account_id BETWEEN %s AND %s", [False, low, high])
    cursor.execute("SELECT sum(CASE WHEN releases THEN 1 ELSE 0 END),"
                   " sum(CASE WHEN expires AND remaining > 0 THEN 1 ELSE 0 END)"
                   " FROM loyalty_settling")
    released, expired = cursor.fetchone()
    cursor.execute("DROP TABLE loyalty_settling")
    return released or 0, expired or 0
