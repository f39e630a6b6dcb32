"""Run a metric's Ibis query without building and compiling it again on every call.

Building an Ibis expression and compiling it to SQL costs a fixed tenth of a second or more
for a query of a few window functions, whatever the size of the data: on a small table
(a page's few thousand orders) that is most of the time a figure takes. The query of a
metric depends only on its parameters and the columns of its input, so `frame` compiles it
once per parameters and input schema, over a stand-in table of that schema, and runs that
SQL with the input in the stand-in's place (a common table expression of that name): one
path, the expression stays the one definition, compiled once instead of each time.

The SQL is DuckDB's, so on another backend (Spark, a warehouse) the query is built and run
as it always is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

import ibis
import ibis.expr.operations as ops
import ibis.expr.schema as sch
import ibis.expr.types as ir
import pandas as pd
import sqlglot as sg
from ibis.backends.duckdb.converter import DuckDBPyArrowData

from .frames import arrow_to_frame, to_frame

#: The name the stand-in table has in the compiled SQL; no input is called that.
_STAND_IN = "_tenure_compiled_input"
#: Queries kept (a few per metric, period and input shape); past it they are compiled again.
_KEPT = 256
_compiled: dict[tuple, tuple[str, sch.Schema]] = {}
_lock = threading.Lock()


def frame(table: ir.Table, build: Callable[[ir.Table], ir.Table],
          key: Hashable) -> pd.DataFrame:
    """Return ``to_frame(build(table))``, compiled once per ``key`` and ``table``'s schema.

    Parameters
    ----------
    table : ibis.Table
        The query's only input.
    build : callable
        Returns the query of a table; it must depend on nothing but the table's columns
        and ``key`` (no values read from the data, which belong in the result instead).
    key : hashable
        The query's name and every parameter ``build`` reads (period, window, columns).

    Returns
    -------
    pandas.DataFrame
        As `tenure.analytics.frames.to_frame` returns it.
    """
    backend = table.get_backend()
    if backend.name != "duckdb":
        return to_frame(build(table))
    sql, schema = _compile(table.schema(), build, key)
    backend._run_pre_execute_hooks(table)  # what Ibis does first: in-memory tables readable
    result = backend.con.sql(_reading(sql, _sql_of(table, backend)))
    return arrow_to_frame(DuckDBPyArrowData.convert_table(result.to_arrow_table(), schema))


def _compile(schema: sch.Schema, build: Callable[[ir.Table], ir.Table],
             key: Hashable) -> tuple[str, sch.Schema]:
    """Return the DuckDB SQL of ``build`` over a table of ``schema``, and its result's schema."""
    found = _compiled.get((key, schema))
    if found is None:
        query = build(ibis.table(schema, name=_STAND_IN))
        found = (ibis.to_sql(query, dialect="duckdb"), query.schema())
        with _lock:
            if len(_compiled) >= _KEPT:
                _compiled.clear()
            _compiled[(key, schema)] = found
    return found


def _sql_of(table: ir.Table, backend) -> str:
    """Return the SQL of ``table``: its name when it is a table or view, else its query."""
    op = table.op()
    if isinstance(op, ops.DatabaseTable):  # no compiling needed
        name = sg.table(op.name, db=op.namespace.database, catalog=op.namespace.catalog,
                        quoted=True).sql(dialect="duckdb")
        return f"SELECT * FROM {name}"
    return backend.compile(table)


def _reading(sql: str, input_sql: str) -> str:
    """Return ``sql`` reading ``input_sql`` as the stand-in table."""
    head = f"WITH {_quoted(_STAND_IN)} AS ({input_sql})"
    # Ibis writes a query's shared parts as common table expressions: one WITH for all.
    if sql.startswith("WITH "):
        return f"{head}, {sql.removeprefix('WITH ')}"
    return f"{head} {sql}"


def _quoted(name: str) -> str:
    return sg.to_identifier(name, quoted=True).sql(dialect="duckdb")
