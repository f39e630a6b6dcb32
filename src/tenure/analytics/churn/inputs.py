"""The churn model's inputs, read once: transactions to customer-days, optional sources.

`prepare` validates every table at the edge, cuts everything after ``as_of``, and
materialises the per-customer-day table (`tenure.analytics.churn.features.customer_days`)
once, so every snapshot scans that small table instead of the raw transactions. A frame
or a file is read into ``con`` (a new in-memory DuckDB connection when omitted); an Ibis
table is computed on its own backend. `Prepared.close` drops what was materialised.

Transactions whose customers are whole numbers (the keys `tenure.analytics.analyze`
gives them), without order ids and without optional sources, are fetched sorted instead
(`tenure.analytics.history.fetch`) and their customer-days held as arrays
(`tenure.analytics.churn.daily`): the snapshots and labels are then computed by numpy,
the same values several times faster.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from .. import frames, history
from ..exceptions import InputError
from ..history import History
from . import daily
from . import sources as canonical
from .daily import CustomerDays
from .features import Sources, customer_days, cutoff


@dataclass
class Prepared:
    """The materialised customer-days, the optional sources and the data's extent."""

    days: ir.Table | CustomerDays
    sources: Sources
    first_day: date
    last_day: date
    customers: int
    _temporary: list[Any]

    def day_of(self, value: Any, name: str) -> date:
        """Return ``value`` as a date, or raise InputError naming the parameter."""
        return as_day(value, name)

    def sample(self, fraction: float, *, seed: int = 0) -> ir.Table | CustomerDays:
        """Return the customer-days of a deterministic sample of ``fraction`` customers.

        The customer ids are sorted and drawn with a seeded generator, so the same data
        give the same sample whatever the engine's row order.
        """
        if fraction >= 1:
            return self.days
        if not isinstance(self.days, ir.Table):
            return self.days.sample(fraction, seed=seed)
        # Sorted by the engine (its text order is Python's), kept as Arrow: a million ids
        # as Python strings, sorted one comparison at a time, took seconds. Ids keep their
        # type (`tenure.analytics.analyze` hands whole-number keys).
        ids = self.days.select("customer_id").distinct().order_by(
            "customer_id").to_pyarrow()["customer_id"]
        rng = np.random.default_rng(seed)
        chosen = ids.filter(pa.array(rng.random(len(ids)) < fraction))
        keep = ibis.memtable(pa.table({"customer_id": chosen}))
        sampled = self.days.filter(self.days.customer_id.isin(keep.customer_id)).cache()
        self._temporary.append(sampled)
        return sampled

    def close(self) -> None:
        """Drop the materialised tables."""
        if not isinstance(self.days, ir.Table):
            self.days.release()
        for table in self._temporary:
            if hasattr(table, "release"):
                table.release()
            else:
                con, name = table
                con.drop_table(name, force=True)
        self._temporary.clear()


def prepare(tx: Any, *, con: Any = None, as_of: Any = None, feedback: Any = None,
            complaints: Any = None, interactions: Any = None, messages: Any = None,
            subscriptions: Any = None, arrays: History | None = None) -> Prepared:
    """Read and check every input; materialise the customer-days up to ``as_of``.

    ``arrays``, when given, are the transactions ``tx`` already fetched sorted
    (`tenure.analytics.history.fetch`): where the customer-days can be held as arrays,
    they are built from them instead of fetching again.

    Raises
    ------
    InputError
        A table lacks a column or holds values that do not parse; there are no purchases.
    """
    temporary: list[Any] = []
    if isinstance(tx, ir.Table):
        _check_columns(tx)
        table = tx
    else:
        con = con if con is not None else ibis.duckdb.connect()
        table = frames.transactions(tx, con=con)
    optional = {
        "feedback": feedback, "complaints": complaints, "interactions": interactions,
        "messages": messages, "subscriptions": subscriptions,
    }
    # Files are read into ``con``: with an Ibis table of another connection, pass that one.
    read = {k: canonical.read_optional(k, v, con) for k, v in optional.items()}
    if as_of is not None:
        table = table.filter(table.time < cutoff(as_day(as_of, "as_of")))
    if "order_id" not in table.columns and not any(v is not None for v in read.values()):
        held = _arrays(table, arrays, as_day(as_of, "as_of") if as_of is not None else None)
        if held is not None:
            return held
    days_expr = customer_days(table)
    if isinstance(tx, ir.Table):
        days = days_expr.cache()
        temporary.append(days)
    else:
        name = f"tenure_churn_days_{uuid.uuid4().hex[:12]}"
        days = con.create_table(name, days_expr, temp=True)
        temporary.append((con, name))
    extent = days.aggregate(
        first=days.day.min(where=days.orders > 0), last=days.day.max(),
        customers=days.customer_id.nunique(where=days.orders > 0)).to_pandas().iloc[0]
    if pd.isna(extent["first"]):
        raise InputError("there are no purchases (rows with a non-negative amount) "
                         + (f"up to {as_of}" if as_of is not None else "in the data") + ".")
    return Prepared(days, Sources(**read), _date(extent["first"]), _date(extent["last"]),
                    int(extent["customers"]), temporary)


def _arrays(table: ir.Table, rows: History | None, as_of: date | None) -> Prepared | None:
    """Return the customer-days of ``table`` held as arrays, or None where the sorted
    fetch does not apply (`tenure.analytics.history.fetch`); ``rows``: ``table``
    already fetched (up to any day: days after ``as_of`` are cut here)."""
    if rows is None:
        rows = history.fetch(table)
        if rows is None:
            return None
    days = daily.customer_days(rows)
    del rows  # when fetched here: three times the customer-days' rows
    if as_of is not None:
        days = days.until(as_of)
    extent = days.extent()
    if extent is None:  # the engine's tables say so, in their words
        return None
    return Prepared(days, Sources(), *extent, [])


def as_day(value: Any, name: str) -> date:
    """Return ``value`` (a date, datetime, pandas Timestamp or ISO string) as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError as exc:
            raise InputError(f"{name} must be an ISO date (2024-03-31); got {value!r}.") from exc
    raise InputError(f"{name} must be a date; got {type(value).__name__}.")


def _date(value: Any) -> date:
    return pd.Timestamp(value).date()


def _check_columns(tx: ir.Table) -> None:
    missing = [c for c in ("customer_id", "time", "amount") if c not in tx.columns]
    if missing:
        raise InputError(
            f"the transactions table has no column {', '.join(missing)}; it has "
            f"{', '.join(tx.columns)}. Build it with tenure.analytics.frames.transactions.")
