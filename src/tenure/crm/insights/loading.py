"""Read the CRM's tables into Arrow in bulk, as the analytics library's canonical tables.

One SQL query per table through Django's connection, fetched in large batches straight into
column arrays: a million orders never become a million model instances. Times arrive as
epoch seconds and are turned into the shop's local time (``TIME_ZONE``), so periods start at
local midnight. The tables come out exactly as ``tenure.analytics.frames`` would make them
(string ids, naive timestamps, float amounts, a blank text as null), so the refresh can hand
them to the library without parsing a million rows again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import connection

from tenure.crm.accounts.models import User
from tenure.crm.customers.models import Customer
from tenure.crm.sales.models import Order, OrderStatus, Return

BATCH = 100_000

TRANSACTIONS = pa.schema([
    ("customer_id", pa.string()),
    ("time", pa.timestamp("us")),
    ("amount", pa.float64()),
    ("order_id", pa.string()),
    ("margin", pa.float64()),
    ("channel", pa.string()),
    ("store", pa.string()),
    ("manager", pa.string()),
])
CUSTOMERS = pa.schema([
    ("customer_id", pa.string()),
    ("city", pa.string()),
    ("gender", pa.string()),
    ("acquisition_channel", pa.string()),
    ("acquired_on", pa.date32()),
    ("birth_date", pa.date32()),
    ("referred_by", pa.string()),
    ("manager", pa.string()),
])
FEEDBACK = pa.schema([
    ("customer_id", pa.string()),
    ("time", pa.timestamp("us")),
    ("kind", pa.string()),
    ("score", pa.int64()),
])


# What the queries return, column by column.
RAW_TRANSACTIONS = pa.schema([
    ("order_id", pa.int64()),
    ("customer_id", pa.int64()),
    ("time", pa.int64()),
    ("amount", pa.float64()),
    ("margin", pa.float64()),
    ("channel", pa.string()),
    ("store", pa.string()),
])
MANAGERS = pa.schema([("customer_id", pa.int64()), ("manager", pa.string())])
RAW_CUSTOMERS = pa.schema([
    ("customer_id", pa.int64()),
    ("city", pa.string()),
    ("gender", pa.string()),
    ("acquisition_channel", pa.string()),
    ("acquired_on", pa.string()),
    ("birth_date", pa.string()),
    ("referred_by", pa.int64()),
    ("manager", pa.string()),
])


@dataclass(frozen=True)
class Tables:
    """The CRM's data as the library's canonical tables."""

    transactions: pa.Table
    customers: pa.Table
    feedback: pa.Table


def load_tables() -> Tables:
    """Return transactions, customers and feedback read from the database."""
    return Tables(load_transactions(), load_customers(), load_feedback())


def load_transactions() -> pa.Table:
    """Return every purchase (cancelled orders left out) and every return, as negative rows."""
    orders = _fetch(_orders_sql(), RAW_TRANSACTIONS)
    returns = _fetch(_returns_sql(), RAW_TRANSACTIONS)
    table = pa.concat_tables([orders, returns])
    managers = _fetch(_managers_sql(), MANAGERS)
    # Joined here rather than in SQL: SQLite's join would double the query's time.
    table = table.join(managers, "customer_id", join_type="left outer")
    return pa.table({
        "customer_id": _ids(table["customer_id"]),
        "time": _local_times(table["time"]),
        "amount": table["amount"],
        "order_id": _ids(table["order_id"]),
        "margin": table["margin"],
        "channel": _blank_as_null(table["channel"]),
        "store": _blank_as_null(table["store"]),
        "manager": _blank_as_null(table["manager"]),
    }, schema=TRANSACTIONS)


def load_customers() -> pa.Table:
    """Return every customer with the attributes the profiles compare.

    ``referred_by`` is the referrer's id (the library reads "came by referral" from it).
    """
    table = _fetch(_customers_sql(), RAW_CUSTOMERS)
    return pa.table({
        "customer_id": _ids(table["customer_id"]),
        "city": _blank_as_null(table["city"]),
        "gender": _blank_as_null(table["gender"]),
        "acquisition_channel": _blank_as_null(table["acquisition_channel"]),
        "acquired_on": table["acquired_on"].cast(pa.date32()),
        "birth_date": table["birth_date"].cast(pa.date32()),
        "referred_by": _ids(table["referred_by"]),
        "manager": _blank_as_null(table["manager"]),
    }, schema=CUSTOMERS)


def load_feedback() -> pa.Table:
    """Return the survey answers: none yet (surveys come with a later issue)."""
    return FEEDBACK.empty_table()


# --- SQL ---------------------------------------------------------------------------------------

def _epoch(column: str) -> str:
    """Return SQL turning a datetime column into whole epoch seconds (UTC)."""
    if connection.vendor == "postgresql":
        return f"FLOOR(EXTRACT(EPOCH FROM {column}))::bigint"
    # Django keeps SQLite datetimes as UTC text, which strftime reads.
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _real(expression: str) -> str:
    kind = "double precision" if connection.vendor == "postgresql" else "REAL"
    return f"CAST({expression} AS {kind})"


def _text(column: str) -> str:
    # Read as text: SQLite's date converter would build one Python date per row.
    return f"CAST({column} AS TEXT)"


def _names() -> dict:
    q = connection.ops.quote_name
    return {
        "order": q(Order._meta.db_table), "ret": q(Return._meta.db_table),
        "customer": q(Customer._meta.db_table), "user": q(User._meta.db_table),
        "cancelled": OrderStatus.CANCELLED.value,
    }


def _orders_sql() -> str:
    n = _names()
    margin = f"CASE WHEN o.cost IS NULL THEN NULL ELSE {_real('o.total - o.cost')} END"
    return (
        f"SELECT o.id, o.customer_id, {_epoch('o.ordered_at')}, {_real('o.total')}, {margin}, "
        f"o.channel, o.store FROM {n['order']} o WHERE o.status <> '{n['cancelled']}'"
    )


def _returns_sql() -> str:
    n = _names()
    # The refund takes back the order's margin in proportion to the amount refunded.
    margin = (
        "CASE WHEN o.cost IS NULL OR o.total = 0 THEN NULL "
        f"ELSE -{_real('r.amount')} * {_real('o.total - o.cost')} / {_real('o.total')} END"
    )
    return (
        f"SELECT r.order_id, o.customer_id, {_epoch('r.returned_at')}, -{_real('r.amount')}, "
        f"{margin}, o.channel, o.store "
        f"FROM {n['ret']} r JOIN {n['order']} o ON o.id = r.order_id "
        f"WHERE o.status <> '{n['cancelled']}'"
    )


def _managers_sql() -> str:
    n = _names()
    return (
        f"SELECT c.id, u.username FROM {n['customer']} c "
        f"JOIN {n['user']} u ON u.id = c.manager_id"
    )


def _customers_sql() -> str:
    n = _names()
    return (
        f"SELECT c.id, c.city, c.gender, c.acquisition_channel, {_text('c.acquired_on')}, "
        f"{_text('c.birth_date')}, c.referred_by_id, u.username "
        f"FROM {n['customer']} c LEFT JOIN {n['user']} u ON u.id = c.manager_id"
    )


# --- Arrow -------------------------------------------------------------------------------------

def _fetch(sql: str, schema: pa.Schema) -> pa.Table:
    """Run ``sql`` and return its rows as a table, converted a large batch at a time."""
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH):
            columns = zip(*rows, strict=True)
            batches.append(pa.record_batch(
                [pa.array(values, f.type) for f, values in zip(schema, columns, strict=True)],
                schema=schema,
            ))
    return pa.Table.from_batches(batches, schema=schema)


def _ids(values: pa.ChunkedArray) -> pa.ChunkedArray:
    return values.cast(pa.string())


def _local_times(seconds: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return epoch seconds as naive timestamps in the shop's time zone."""
    utc = seconds.cast(pa.timestamp("s", tz="UTC"))
    if settings.TIME_ZONE != "UTC":
        utc = pc.local_timestamp(utc.cast(pa.timestamp("s", tz=settings.TIME_ZONE)))
    return utc.cast(pa.timestamp("s")).cast(pa.timestamp("us"))


def _blank_as_null(values: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
