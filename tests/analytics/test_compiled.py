"""A query compiled once gives what building and running its expression gives, every time.

The metrics' own tests (hand-worked figures, plain reference implementations) run through
`compiled.frame`; these check it against running the built expression, as Ibis does on any
other backend.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import compiled, frames, kpi
from tenure.analytics.activity import customer_periods
from tenure.analytics.feedback import _counts, _off_scale


@pytest.fixture
def con():
    return ibis.duckdb.connect()


def random_transactions(seed: int, n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": rng.integers(0, 200, n).astype(str),
        "time": pd.Timestamp("2022-01-01") + pd.to_timedelta(
            rng.integers(0, 3 * 365 * 24, n), unit="h"),
        "amount": np.round(rng.gamma(2.0, 30.0, n) * np.where(rng.random(n) < 0.05, -1, 1), 2),
        "manager": rng.choice(["ann", "bob", None], n, p=[0.5, 0.3, 0.2]),
    })


def random_feedback(seed: int, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": rng.integers(0, 50, n).astype(str),
        "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
        "kind": rng.choice(["nps", "csat", "CES", "stars"], n),
        "score": rng.integers(0, 12, n),
        "manager": rng.choice(["ann", "bob"], n),
    })


def money(period, by):
    return lambda t: kpi._period_money(t.mutate(p=kpi.period_index(t.time, period)), by)


def ranges(period, window, by):
    return lambda t: kpi._activity_ranges(customer_periods(t, period, by=by), by, period,
                                          window)


def in_order(df: pd.DataFrame) -> pd.DataFrame:
    """Return the rows sorted: a grouping's come in any order."""
    return df.sort_values(list(df.columns), ignore_index=True)


QUERIES = [
    ("money", money("month", [])), ("money by manager", money("week", ["manager"])),
    ("ranges", ranges("month", 365, [])), ("ranges by manager", ranges("quarter", 45, ["manager"])),
]


@pytest.mark.parametrize(("name", "build"), QUERIES)
def test_kpi_queries_are_the_same_compiled_or_built(con, name, build):
    df = random_transactions(3)
    stored = con.create_table("tx", df)  # a table: read by its name
    parsed = frames.transactions(df, con=con)  # an expression
    for table in (stored, parsed, stored.filter(stored.amount > 0)):
        # Twice: the second runs the SQL compiled the first time.
        for _ in range(2):
            got = compiled.frame(table, build, ("test", name))
            pd.testing.assert_frame_equal(in_order(got), in_order(frames.to_frame(build(table))))


@pytest.mark.parametrize(("period", "by"), [("month", ["manager", "period"]),
                                            ("quarter", ["period"])])
def test_feedback_queries_are_the_same_compiled_or_built(con, period, by):
    fb = con.create_table("feedback", random_feedback(5))
    for build in (lambda t: _counts(t, period, by), lambda t: _off_scale(t).order_by(
            "customer_id", "time", "kind", "score")):
        got = compiled.frame(fb, build, ("test feedback", period, tuple(by), id(build)))
        pd.testing.assert_frame_equal(got, frames.to_frame(build(fb)))


def test_a_compiled_query_reads_the_table_it_is_given(con):
    # Same columns, so the second table runs the first one's SQL: over its own rows.
    first = con.create_table("first", pd.DataFrame({"x": [1, 2]}))
    second = con.create_table("second", pd.DataFrame({"x": [10, 20, 30]}), temp=True)

    def total(t):
        return t.aggregate(total=t.x.sum())

    assert compiled.frame(first, total, "test total").total.tolist() == [3]
    assert compiled.frame(second, total, "test total").total.tolist() == [60]
    assert compiled.frame(ibis.memtable({"x": [5]}), total, "test total").total.tolist() == [5]


def test_a_query_sharing_parts_gets_one_with(con):
    table = con.create_table("numbers", pd.DataFrame({"x": [1, 2, 3]}))

    def paired(t):  # a self-join: Ibis writes its shared part as a common table expression
        evens = t.filter(t.x % 2 == 1).mutate(y=t.x + 1)
        return evens.join(evens.view(), "x").select("x", "y").order_by("x")

    assert compiled.frame(table, paired, "test paired").x.tolist() == [1, 3]
