"""Cohort retention tables: acquisition cohort x periods since acquisition.

A customer's **cohort** is the period of their first purchase (an order is a row with a
non-negative amount; negative amounts are returns, as everywhere in the library); their **age**
in a later period is the number of whole periods since that one (0, 1, 2...).
A row of a cohort table follows one cohort through its ages, measuring either

- **customers** retained: how many of the cohort bought (placed an order),
- **revenue** retained: the cohort's revenue, returns (negative amounts) deducted, or
- **revenue per customer**: that revenue divided by the cohort's size (its original customers),

counted either **in the period** (bought in period k), **in the period or later** (bought in
period k or any later period: the curve never rises), or, for revenue, **cumulatively** (periods
0 to k). Cells the data cannot have reached yet (a cohort of March seen until May has no age 3)
are NaN, not 0. Every aggregation over transactions runs in the engine (DuckDB through Ibis);
only the small cohort x age grid comes back to pandas.
"""

from __future__ import annotations

from typing import NamedTuple

import ibis
import pandas as pd
import pyarrow as pa

from tenure.analytics import history
from tenure.analytics.activity import check_activity, customer_periods
from tenure.analytics.exceptions import InputError
from tenure.analytics.frames import check_period, money_sum, to_frame
from tenure.analytics.periods import start_of_index

MEASURES = ("customers", "revenue", "revenue_per_customer")
COUNTINGS = ("in_period", "in_or_after", "cumulative")


class _Parts(NamedTuple):
    numerator: pd.DataFrame  # cohorts x ages
    denominator: pd.Series  # per cohort
    observed: pd.DataFrame  # cohorts x ages, True where the data reaches that age
    sizes: pd.Series  # customers per cohort


class RetentionCurves(NamedTuple):
    """Retention curves in long form.

    ``cohorts`` has one row per cohort and age: ``cohort`` (the cohort's period start),
    ``age``, ``value`` and ``customers`` (the cohort's size). ``average`` is the all-cohorts
    curve: ``age``, ``value``, ``cohorts`` (how many cohorts were observed at that age) and
    ``customers`` (their total size).
    """

    cohorts: pd.DataFrame
    average: pd.DataFrame


def cohort_table(
    tx: ibis.Table,
    *,
    period: str = "month",
    measure: str = "customers",
    counting: str = "in_period",
    as_share: bool = True,
    activity: ibis.Table | None = None,
) -> pd.DataFrame:
    """Cohort retention table: rows are acquisition cohorts, columns periods since acquisition.

    Parameters
    ----------
    tx : ibis.Table
        Canonical transactions (``customer_id``, ``time``, ``amount``), e.g. from
        ``tenure.analytics.frames.transactions(source, con=con)``.
    period : {"week", "month", "quarter", "year"}
        Length of a period; weeks start on Monday.
    measure : {"customers", "revenue", "revenue_per_customer"}
        What a cell counts (see the module docstring).
    counting : {"in_period", "in_or_after", "cumulative"}
        ``in_period``: activity in period k. ``in_or_after``: activity in period k or any
        later period, so the curve is non-increasing (customers: bought at least once from
        k on; revenue: the revenue of periods k, k+1, ...). ``cumulative``: periods 0 to k
        (revenue measures only: every customer bought in period 0).
    as_share : bool
        For ``customers``: divide by the cohort's size. For ``revenue``: divide by the cell
        of age 0 counted the same way (in-period: period 0's revenue; in-or-after: the
        cohort's whole revenue; cumulative: period 0's revenue). Ignored for
        ``revenue_per_customer``, which is already per original customer.
    activity : ibis.Table or pyarrow.Table, optional
        `tenure.analytics.activity.customer_periods` of ``tx`` by ``period``, when the
        caller has it already (it is then not computed again); or the Arrow table of
        `tenure.analytics.history.customer_periods`, counted in numpy.

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (the start of the cohort's period, ascending), columns ``0..n``
        (ages). Shares are fractions (0.25 = 25 %). Ages a cohort has not reached by the
        last period in the data are NaN.

    Notes
    -----
    Formulas for cohort c at age k, with B_k the cohort's customers who bought in period
    c + k, R_k the cohort's net revenue in that period and |c| the cohort's size (= |B_0|):
    customers in-period ``|B_k|``, in-or-after ``|B_k or B_k+1 or ...|``; revenue in-period
    ``R_k``, in-or-after ``R_k + R_k+1 + ...``, cumulative ``R_0 + ... + R_k``; revenue per
    customer: the revenue cell / |c|. These are the classic acquisition-cohort layouts
    (e.g. Fader, *Customer Centricity*, 2012, ch. 4; Gupta et al., "Modeling Customer
    Lifetime Value", J. Service Research 9(2), 2006).

    Examples
    --------
    >>> cohort_table(tx, measure="customers", counting="in_or_after")  # doctest: +SKIP
    age           0     1     2
    cohort
    2024-01-01  1.0  0.50  0.25
    2024-02-01  1.0  0.40   NaN
    """
    parts = _table_parts(tx, period, measure, counting, as_share, activity)
    return parts.numerator.div(parts.denominator, axis=0).where(parts.observed)


def retention_curves(
    tx: ibis.Table,
    *,
    period: str = "month",
    measure: str = "customers",
    counting: str = "in_period",
    as_share: bool = True,
) -> RetentionCurves:
    """Cohort retention curves in long form, with the all-cohorts average curve.

    Parameters are those of :func:`cohort_table`.

    Returns
    -------
    RetentionCurves
        ``cohorts``: the cells of :func:`cohort_table` that were observed, as rows
        (cohort, age, value, customers). ``average``: per age, the average over the cohorts
        observed at that age, each weighted by its base: for shares and revenue per customer
        the pooled ratio ``sum(numerators) / sum(denominators)`` (the cohort-size weighted
        mean for customers and revenue per customer, the period-0-revenue weighted mean for
        revenue); for absolute counts and revenue (``as_share=False``) the plain mean per
        cohort. Only cohorts that reached an age count at that age, so young cohorts do not
        pull the tail of the curve down.
    """
    numerator, denominator, observed, sizes = _table_parts(
        tx, period, measure, counting, as_share
    )
    table = numerator.div(denominator, axis=0).where(observed)
    # future_stack: keep the unobserved cells, so that both stacks line up row by row.
    long = table.stack(future_stack=True).rename("value").reset_index()
    long = long[observed.stack(future_stack=True).to_numpy()].reset_index(drop=True)
    long["customers"] = long["cohort"].map(sizes).astype("int64")
    num = numerator.where(observed)
    den = observed.mul(denominator, axis=0).where(observed)
    average = pd.DataFrame(
        {
            "age": table.columns.astype("int64"),
            "value": (num.sum() / den.sum()).to_numpy(),
            "cohorts": observed.sum().to_numpy().astype("int64"),
            "customers": observed.mul(sizes, axis=0).sum().to_numpy().astype("int64"),
        }
    )
    return RetentionCurves(cohorts=long, average=average)


def _table_parts(
    tx: ibis.Table, period: str, measure: str, counting: str, as_share: bool,
    activity: ibis.Table | pa.Table | None = None,
) -> _Parts:
    """Return the numerator grid, per-cohort denominator, observed mask and cohort sizes."""
    _check(tx, period, measure, counting)
    if isinstance(activity, pa.Table):  # the sorted arrays' table: counted in numpy
        cells = history.cohort_cells(activity)
    else:
        activity = customer_periods(tx, period) if activity is None \
            else check_activity(activity)
        cells = to_frame(_cells(activity))
    if cells.empty:
        raise InputError("No purchases (non-negative amounts) to build cohorts from.")
    cells = cells.astype({"cohort": "int64", "age": "int64"})
    last_period = int((cells["cohort"] + cells["age"]).max())
    max_age = int(cells["age"].max())
    ages = pd.RangeIndex(max_age + 1, name="age")

    def grid(column: str) -> pd.DataFrame:
        wide = cells.pivot(index="cohort", columns="age", values=column)
        return wide.reindex(columns=ages).fillna(0).astype("float64")

    buyers, leavers, revenue = grid("buyers"), grid("leavers"), grid("revenue")
    sizes = buyers[0]
    if measure == "customers":
        numerator = buyers if counting == "in_period" else _from_right(leavers)
    elif counting == "in_period":
        numerator = revenue
    elif counting == "in_or_after":
        numerator = _from_right(revenue)
    else:
        numerator = revenue.cumsum(axis=1)
    if measure == "revenue_per_customer" or (measure == "customers" and as_share):
        denominator = sizes
    elif measure == "revenue" and as_share:
        denominator = numerator[0].where(numerator[0] != 0)
    else:
        denominator = pd.Series(1.0, index=numerator.index)
    reached = last_period - numerator.index.to_numpy()
    observed = pd.DataFrame(
        ages.to_numpy()[None, :] <= reached[:, None], index=numerator.index, columns=ages
    )
    starts = start_of_index(numerator.index.to_numpy(), period)
    for frame in (numerator, observed):
        frame.index = pd.Index(starts, name="cohort")
    denominator = pd.Series(denominator.to_numpy(), index=numerator.index)
    sizes = pd.Series(sizes.to_numpy(), index=numerator.index)
    numerator.columns.name = observed.columns.name = "age"
    return _Parts(numerator, denominator, observed, sizes)


def _cells(per_period: ibis.Table) -> ibis.Table:
    """Per cohort and age: buyers, net revenue, and customers whose last purchase it was.

    ``per_period`` is `tenure.analytics.activity.customer_periods`: the later joins and
    distinct counts work on (customers x active periods) rows, not every transaction line.
    """
    purchase_p = per_period.bought.ifelse(per_period.p, ibis.null("int64"))
    customers = per_period.group_by("customer_id").aggregate(
        cohort=purchase_p.min(), last=purchase_p.max()
    )
    customers = customers.filter(customers.cohort.notnull())
    joined = per_period.inner_join(customers, "customer_id")
    # Returns booked before a customer's first purchase have no age; they are left out.
    joined = joined.mutate(age=joined.p - joined.cohort).filter(lambda t: t.age >= 0)
    # A customer's last purchase period is a purchase, so counting it here gives the
    # customers who bought for the last time at that age without a second pass.
    return joined.group_by(["cohort", "age"]).aggregate(
        buyers=joined.bought.sum(),
        revenue=money_sum(joined.revenue, totals=True),
        leavers=(joined.p == joined["last"]).sum(),
    )


def _from_right(grid: pd.DataFrame) -> pd.DataFrame:
    """Sum over ages k, k+1, ... (reverse cumulative sum along each row)."""
    return grid.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1]


def _check(tx: ibis.Table, period: str, measure: str, counting: str) -> None:
    if not isinstance(tx, ibis.Table):
        raise InputError(
            "transactions must be an ibis Table; build one with "
            "tenure.analytics.frames.transactions(source, con=con)."
        )
    missing = [c for c in ("customer_id", "time", "amount") if c not in tx.columns]
    if missing:
        raise InputError(
            f"The transactions table lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(tx.columns)}."
        )
    check_period(period)
    if measure not in MEASURES:
        raise InputError(f"measure must be one of {', '.join(MEASURES)}; got {measure!r}.")
    if counting not in COUNTINGS:
        raise InputError(f"counting must be one of {', '.join(COUNTINGS)}; got {counting!r}.")
    if measure == "customers" and counting == "cumulative":
        raise InputError(
            "counting='cumulative' applies to revenue measures: every customer of a cohort "
            "bought in period 0, so cumulative customers are always the whole cohort. Use "
            "'in_period' or 'in_or_after'."
        )
