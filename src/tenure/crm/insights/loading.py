"""Read the CRM's tables into Arrow in bulk, as the analytics library's canonical tables.

One SQL query per table through Django's connection, fetched in large batches straight into
column arrays: a million orders never become a million model instances. Times arrive as
epoch seconds and are turned into the shop's local time (``TIME_ZONE``), so periods start at
local midnight. The tables come out exactly as ``tenure.analytics.frames`` would make them
(string ids, naive timestamps, float amounts, a blank text as null), so the refresh can hand
them to the library without parsing a million rows again.

A row with a time outside ``lib.bounds``' dates (an order dated 0001-01-01 written before
the import refused it) or an amount beyond the money limit is left out, and a date of a
customer's outside them is read as unknown: one such row would otherwise stop the
refresh of the whole shop. Each loader names what it left out in ``skipped`` and the log.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from tenure.crm.accounts.models import User
from tenure.crm.customers.models import Customer, CustomerAssignment
from tenure.crm.engagement.models import (
    Activity,
    Complaint,
    Interaction,
    InteractionKind,
    resolved_time,
)
from tenure.crm.feedback.models import Answer, Invitation
from tenure.crm.lib import bounds
from tenure.crm.messaging.models import Message, MessageStatus
from tenure.crm.sales.models import Order, OrderStatus, Return

logger = logging.getLogger(__name__)

BATCH = 100_000
#: Rows named in a message about the rows left out of one table; the count covers all.
NAMED = 10

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
COMPLAINTS = pa.schema([
    ("customer_id", pa.string()),
    ("opened_at", pa.timestamp("us")),
    ("resolved_at", pa.timestamp("us")),
    ("category", pa.string()),
    ("severity", pa.string()),
])
INTERACTIONS = pa.schema([
    ("customer_id", pa.string()),
    ("time", pa.timestamp("us")),
    ("channel", pa.string()),
    ("direction", pa.string()),
])
MESSAGES = pa.schema([
    ("customer_id", pa.string()),
    ("sent_at", pa.timestamp("us")),
    ("responded_at", pa.timestamp("us")),
])
#: Not a library table: who looked after each customer when (the manager performance page).
ASSIGNMENTS = pa.schema([
    ("customer_id", pa.string()),
    ("manager", pa.string()),
    ("started_at", pa.timestamp("us")),
    ("ended_at", pa.timestamp("us")),
])
#: Not a library table: the activities the manager performance page counts.
ACTIVITIES = pa.schema([
    ("assignee", pa.string()),
    ("due_at", pa.timestamp("us")),
    ("completed_at", pa.timestamp("us")),
    ("status", pa.string()),
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
RAW_FEEDBACK = pa.schema([
    ("id", pa.int64()),
    ("customer_id", pa.int64()),
    ("time", pa.int64()),
    ("kind", pa.string()),
    ("score", pa.int64()),
])
RAW_COMPLAINTS = pa.schema([
    ("id", pa.int64()),
    ("customer_id", pa.int64()),
    ("opened_at", pa.int64()),
    ("resolved_at", pa.int64()),
    ("category", pa.string()),
    ("severity", pa.string()),
])
RAW_INTERACTIONS = pa.schema([
    ("id", pa.int64()),
    ("customer_id", pa.int64()),
    ("time", pa.int64()),
    ("channel", pa.string()),
    ("direction", pa.string()),
])
RAW_MESSAGES = pa.schema([
    ("id", pa.int64()),
    ("customer_id", pa.int64()),
    ("sent_at", pa.int64()),
    ("responded_at", pa.int64()),
])
RAW_ASSIGNMENTS = pa.schema([
    ("customer_id", pa.int64()),
    ("manager", pa.string()),
    ("started_at", pa.int64()),
    ("ended_at", pa.int64()),
])
RAW_ACTIVITIES = pa.schema([
    ("id", pa.int64()),
    ("assignee", pa.string()),
    ("due_at", pa.int64()),
    ("completed_at", pa.int64()),
    ("status", pa.string()),
])
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
    complaints: pa.Table
    interactions: pa.Table
    messages: pa.Table
    #: What was left out or read as unknown because it is out of range, one line per table.
    skipped: list[str] = field(default_factory=list)


def load_tables() -> Tables:
    """Return every table the refresh reads from the database."""
    skipped: list[str] = []
    return Tables(load_transactions(skipped), load_customers(skipped), load_feedback(skipped),
                  load_complaints(skipped), load_interactions(skipped),
                  load_messages(skipped), skipped)


def load_transactions(skipped: list[str] | None = None, *, managers: bool = True,
                      details: bool = True) -> pa.Table:
    """Return every purchase (cancelled orders left out) and every return, as negative rows;
    ``manager`` is the customer's now, or null with ``managers`` False; ``margin``,
    ``channel`` and ``store`` are null with ``details`` False (a third less to read)."""
    orders = _in_bounds(_fetch(_orders_sql(details), RAW_TRANSACTIONS), ["time"], _("order"),
                        skipped, key="order_id", amount="amount")
    returns = _in_bounds(_fetch(_returns_sql(details), RAW_TRANSACTIONS), ["time"],
                         _("return of order"), skipped, key="order_id", amount="amount")
    table = pa.concat_tables([orders, returns])
    if managers:
        # Joined here rather than in SQL: SQLite's join would double the query's time.
        table = table.join(_fetch(_managers_sql(), MANAGERS), "customer_id",
                           join_type="left outer")
    else:
        table = table.append_column("manager", pa.nulls(table.num_rows, pa.string()))
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


def load_customers(skipped: list[str] | None = None) -> pa.Table:
    """Return every customer with the attributes the profiles compare.

    ``referred_by`` is the referrer's id (the library reads "came by referral" from it).
    A birth or acquisition date out of range is read as unknown.
    """
    table = _fetch(_customers_sql(), RAW_CUSTOMERS)
    for column in ("acquired_on", "birth_date"):
        table = _dates_in_bounds(table, column, skipped)
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


def load_managers() -> pa.Table:
    """Return ``customer_id, manager`` (username) of every customer who has a manager."""
    table = _fetch(_managers_sql(), MANAGERS)
    return pa.table({"customer_id": _ids(table["customer_id"]), "manager": table["manager"]},
                    schema=pa.schema([("customer_id", pa.string()), ("manager", pa.string())]))


def load_assignments(skipped: list[str] | None = None) -> pa.Table:
    """Return who looked after each customer when: ``customer_id, manager`` (username),
    ``started_at`` and ``ended_at`` (null while it runs)."""
    table = _in_bounds(_fetch(_assignments_sql(), RAW_ASSIGNMENTS), ["started_at", "ended_at"],
                       _("assignment"), skipped, key="customer_id")
    return pa.table({
        "customer_id": _ids(table["customer_id"]),
        "manager": table["manager"],
        "started_at": _local_times(table["started_at"]),
        "ended_at": _local_times(table["ended_at"]),
    }, schema=ASSIGNMENTS)


def load_feedback(skipped: list[str] | None = None) -> pa.Table:
    """Return every survey answer (NPS, CSAT, CES) with its customer and time."""
    table = _in_bounds(_fetch(_feedback_sql(), RAW_FEEDBACK), ["time"], _("survey answer"),
                       skipped)
    return pa.table({
        "customer_id": _ids(table["customer_id"]),
        "time": _local_times(table["time"]),
        "kind": table["kind"],
        "score": table["score"],
    }, schema=FEEDBACK)


def load_complaints(skipped: list[str] | None = None) -> pa.Table:
    """Return every complaint; ``resolved_at`` is null while it is open (again).

    A complaint reopened after its resolution is open: its old ``resolved_at`` does not
    count. One closed without a recorded resolution counts as resolved when it was closed.
    """
    table = _in_bounds(_fetch(_complaints_sql(), RAW_COMPLAINTS), ["opened_at", "resolved_at"],
                       _("complaint"), skipped)
    return pa.table({
        "customer_id": _ids(table["customer_id"]),
        "opened_at": _local_times(table["opened_at"]),
        "resolved_at": _local_times(table["resolved_at"]),
        "category": _blank_as_null(table["category"]),
        "severity": _blank_as_null(table["severity"]),
    }, schema=COMPLAINTS)


def load_interactions(skipped: list[str] | None = None) -> pa.Table:
    """Return the contacts with customers; ``channel`` is the kind (call, email, meeting,
    message), ``direction`` "in" for contacts the customer started.

    Notes are left out: writing one down is not a contact with the customer.
    """
    table = _in_bounds(_fetch(_interactions_sql(), RAW_INTERACTIONS), ["time"], _("interaction"),
                       skipped)
    return pa.table({
        "customer_id": _ids(table["customer_id"]),
        "time": _local_times(table["time"]),
        "channel": _blank_as_null(table["channel"]),
        "direction": _blank_as_null(table["direction"]),
    }, schema=INTERACTIONS)


def load_messages(skipped: list[str] | None = None) -> pa.Table:
    """Return the emails delivered to customers (sent, or most likely sent).

    ``responded_at`` is when the customer answered the survey the email invited them to;
    other emails have no tracked response (null).
    """
    table = _in_bounds(_fetch(_messages_sql(), RAW_MESSAGES), ["sent_at", "responded_at"],
                       _("message"), skipped)
    return pa.table({
        "customer_id": _ids(table["customer_id"]),
        "sent_at": _local_times(table["sent_at"]),
        "responded_at": _local_times(table["responded_at"]),
    }, schema=MESSAGES)


def load_activities(skipped: list[str] | None = None) -> pa.Table:
    """Return every activity with its assignee's username, due and completion times and
    status."""
    table = _in_bounds(_fetch(_activities_sql(), RAW_ACTIVITIES), ["due_at", "completed_at"],
                       _("activity"), skipped)
    return pa.table({
        "assignee": table["assignee"],
        "due_at": _local_times(table["due_at"]),
        "completed_at": _local_times(table["completed_at"]),
        "status": table["status"],
    }, schema=ACTIVITIES)


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
        "assignment": q(CustomerAssignment._meta.db_table),
        "answer": q(Answer._meta.db_table), "invitation": q(Invitation._meta.db_table),
        "complaint": q(Complaint._meta.db_table), "message": q(Message._meta.db_table),
        "interaction": q(Interaction._meta.db_table), "activity": q(Activity._meta.db_table),
        "cancelled": OrderStatus.CANCELLED.value,
    }


def _quoted(values) -> str:
    """Return choice values as an SQL list; they are our own constants, never user input."""
    return ", ".join(f"'{v.value}'" for v in values)


def _orders_sql(details: bool = True) -> str:
    n = _names()
    margin = f"CASE WHEN o.cost IS NULL THEN NULL ELSE {_real('o.total - o.cost')} END"
    return (
        f"SELECT o.id, o.customer_id, {_epoch('o.ordered_at')}, {_real('o.total')}, "
        f"{_details(margin) if details else 'NULL, NULL, NULL'} "
        f"FROM {n['order']} o WHERE o.status <> '{n['cancelled']}'"
    )


def _returns_sql(details: bool = True) -> str:
    n = _names()
    # The refund takes back the order's margin in proportion to the amount refunded.
    margin = (
        "CASE WHEN o.cost IS NULL OR o.total = 0 THEN NULL "
        f"ELSE -{_real('r.amount')} * {_real('o.total - o.cost')} / {_real('o.total')} END"
    )
    return (
        f"SELECT r.order_id, o.customer_id, {_epoch('r.returned_at')}, -{_real('r.amount')}, "
        f"{_details(margin) if details else 'NULL, NULL, NULL'} "
        f"FROM {n['ret']} r JOIN {n['order']} o ON o.id = r.order_id "
        f"WHERE o.status <> '{n['cancelled']}'"
    )


def _details(margin: str) -> str:
    return f"{margin}, o.channel, o.store"


def _managers_sql() -> str:
    n = _names()
    return (
        f"SELECT c.id, u.username FROM {n['customer']} c "
        f"JOIN {n['user']} u ON u.id = c.manager_id"
    )


def _assignments_sql() -> str:
    n = _names()
    return (
        f"SELECT a.customer_id, u.username, {_epoch('a.started_at')}, {_epoch('a.ended_at')} "
        f"FROM {n['assignment']} a JOIN {n['user']} u ON u.id = a.manager_id"
    )


def _feedback_sql() -> str:
    n = _names()
    return (f"SELECT a.id, a.customer_id, {_epoch('a.answered_at')}, a.kind, a.score "
            f"FROM {n['answer']} a")


def _complaints_sql() -> str:
    n = _names()
    # engagement's own rule of "resolved", compiled, so the dashboards count what it counts.
    resolved = _sql_of(Complaint.objects.all(), resolved_time())
    return (f"SELECT id, customer_id, {_epoch('opened_at')}, {_epoch(resolved)}, category, "
            f"severity FROM {n['complaint']}")


def _sql_of(queryset, expression) -> str:
    """Return ``expression`` over ``queryset``'s table as SQL, with its parameters inlined.

    ``_fetch`` runs SQL without parameters; these are the model's own choice values.
    """
    query = queryset.query
    sql, params = query.get_compiler(connection=connection).compile(
        expression.resolve_expression(query))
    if not all(isinstance(p, str) and p.isidentifier() for p in params):
        raise ValueError(f"not a choice value to inline: {params!r}")
    return sql % tuple(f"'{p}'" for p in params)


def _interactions_sql() -> str:
    n = _names()
    return (f"SELECT i.id, i.customer_id, {_epoch('i.occurred_at')}, i.kind, i.direction "
            f"FROM {n['interaction']} i WHERE i.kind <> '{InteractionKind.NOTE.value}'")


def _messages_sql() -> str:
    n = _names()
    delivered = _quoted([MessageStatus.SENT, MessageStatus.UNCONFIRMED])
    # An unconfirmed message may lack sent_at: the worker died before the server replied.
    sent = "COALESCE(m.sent_at, m.claimed_at, m.created_at)"
    return (
        f"SELECT m.id, m.customer_id, {_epoch(sent)}, {_epoch('a.answered_at')} "
        f"FROM {n['message']} m "
        f"LEFT JOIN {n['invitation']} i ON i.message_id = m.id "
        f"LEFT JOIN {n['answer']} a ON a.invitation_id = i.id "
        f"WHERE m.customer_id IS NOT NULL AND m.status IN ({delivered})"
    )


def _activities_sql() -> str:
    n = _names()
    return (
        f"SELECT a.id, u.username, {_epoch('a.due_at')}, {_epoch('a.completed_at')}, a.status "
        f"FROM {n['activity']} a JOIN {n['user']} u ON u.id = a.assignee_id"
    )


def _customers_sql() -> str:
    n = _names()
    return (
        f"SELECT c.id, c.city, c.gender, c.acquisition_channel, {_text('c.acquired_on')}, "
        f"{_text('c.birth_date')}, c.referred_by_id, u.username "
        f"FROM {n['customer']} c LEFT JOIN {n['user']} u ON u.id = c.manager_id"
    )


# --- Arrow -------------------------------------------------------------------------------------

def _epoch_seconds(day) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


# [first, last) epoch second of the accepted dates, with a day's slack for time zones.
_FIRST = _epoch_seconds(bounds.EARLIEST_DATE - timedelta(days=1))
_LAST = _epoch_seconds(bounds.LATEST_DATE + timedelta(days=2))
_BOUNDS = {"earliest": bounds.EARLIEST_DATE.isoformat(), "latest": bounds.LATEST_DATE.isoformat()}


def _in_bounds(table: pa.Table, times: list[str], what: str, skipped: list[str] | None, *,
               key: str = "id", amount: str | None = None) -> pa.Table:
    """Return ``table`` without the rows whose ``times`` (epoch seconds; null is fine) lie
    outside the accepted dates, or whose ``amount`` is beyond the money limit."""
    conditions = [
        pc.fill_null(pc.and_(pc.greater_equal(table[name], _FIRST),
                             pc.less(table[name], _LAST)), True)
        for name in times
    ]
    if amount is not None:  # NaN and infinities are not less than the limit either
        conditions.append(pc.fill_null(
            pc.less(pc.abs(table[amount]), float(bounds.MONEY_LIMIT)), False))
    keep = functools.reduce(pc.and_, conditions)
    if pc.all(keep).as_py() is not False:  # null: an empty table
        return table
    left_out = table.filter(pc.invert(keep))
    named = ", ".join(f"{what} {row[key]} ({_when(row, times)})"
                      for row in left_out.slice(0, NAMED).to_pylist())
    _report(skipped, _("%(count)d × %(what)s left out, with a date outside %(earliest)s – "
                       "%(latest)s or an amount beyond the limit: %(rows)s") % {
        "count": left_out.num_rows, "what": what, "rows": named, **_BOUNDS})
    return table.filter(keep)


def _when(row: dict, times: list[str]) -> str:
    """Return a row's times as dates, or as epoch seconds where no date can hold them."""
    shown = []
    for name in times:
        seconds = row[name]
        try:
            shown.append((datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds))
                         .date().isoformat() if seconds is not None else "—")
        except OverflowError:
            shown.append(f"{seconds} s")
    return ", ".join(shown)


def _dates_in_bounds(table: pa.Table, column: str, skipped: list[str] | None) -> pa.Table:
    """Return ``table`` with its ISO date text ``column`` null where out of range."""
    text = table[column]
    # ISO dates compare as text; "10000-01-01" or "0001-01-01 BC" (PostgreSQL) fall out.
    within = pc.and_(pc.equal(pc.utf8_length(text), 10), pc.and_(
        pc.greater_equal(text, bounds.EARLIEST_DATE.isoformat()),
        pc.less_equal(text, bounds.LATEST_DATE.isoformat())))
    wrong = pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(within, True)))
    if not pc.any(wrong).as_py():
        return table
    bad = table.filter(wrong)
    named = ", ".join(f"{_('customer')} {row['customer_id']} ({row[column]})"
                      for row in bad.slice(0, NAMED).to_pylist())
    _report(skipped, _("%(count)d × %(column)s outside %(earliest)s – %(latest)s, read as "
                       "unknown: %(rows)s") % {
        "count": bad.num_rows, "column": column, "rows": named, **_BOUNDS})
    cleaned = pc.if_else(wrong, pa.scalar(None, pa.string()), text)
    return table.set_column(table.schema.get_field_index(column), column, cleaned)


def _report(skipped: list[str] | None, text: str) -> None:
    logger.warning("insights: %s", text)
    if skipped is not None:
        skipped.append(text)


def _fetch(sql: str, schema: pa.Schema) -> pa.Table:
    """Run ``sql`` and return its rows as a table, converted a large batch at a time."""
    batches = []
    with _collector_paused(), connection.cursor() as cursor:
        # No parameters: with them Django would read strftime's '%s' as a placeholder.
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH):
            columns = zip(*rows, strict=True)
            batches.append(pa.record_batch(
                [pa.array(values, f.type) for f, values in zip(schema, columns, strict=True)],
                schema=schema,
            ))
    return pa.Table.from_batches(batches, schema=schema)


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while rows are read.

    A batch's row tuples all live until it is converted, and each thousand new ones set
    the collector walking the objects of the process (a web worker's are hundreds of
    thousands): reading the demo shop's 17,000 orders took twice as long. Tuples of
    numbers and text make no cycles, so nothing is left for it to free.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
