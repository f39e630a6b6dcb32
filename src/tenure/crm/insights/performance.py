"""Manager performance: per manager and period, their portfolio's retention and revenue with
its N x V x L parts, their activities, their customers' complaints and NPS.

Computed when the page is asked for, so nothing is stored by the nightly refresh: the
orders are read in bulk as for the refresh (``loading.py``) and the library computes the
retention and revenue figures (``kpi.period_kpis(by="manager")``, ``kpi.nvl_bridge``) and
the NPS (``feedback.feedback_scores(by="manager")``); activities and complaints are counted
here. The library compiles its queries once per process (``tenure.analytics.compiled``),
so a computation costs what reading the tables and running the queries cost: on the demo
shop (5,000 customers, 17,000 orders) a few hundred milliseconds, not the second it took
when every call built and compiled its queries again. The page still keeps what it
computed until what it read changes (``recent_performance``): a page asked for again
answers in well under 100 ms.

A customer's orders (and returns), complaints and answers count for the manager who looked
after the customer when they happened (``CustomerAssignment``, the history of managers), so
reassigning customers leaves a manager's past figures as they were. A customer's first
assignment also covers the time before it: the history a customer came with (orders
imported with them, bought before anyone was assigned) counts for their first manager.
What happened while a customer had nobody counts for nobody. Activities count for their
assignee. Times are the shop's local time (``TIME_ZONE``), as in every insights figure.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.analytics import periods
from tenure.analytics.exceptions import AnalyticsError
from tenure.crm.accounts.models import Role, User
from tenure.crm.customers.models import Customer, CustomerAssignment
from tenure.crm.engagement.models import Activity, ActivityStatus, Complaint, ComplaintEvent
from tenure.crm.feedback.models import Answer
from tenure.crm.jobs.models import PeriodicJob
from tenure.crm.sales.models import Order, Return

from .dashboards import WINDOW_FIGURES, period_label
from .loading import (
    load_activities,
    load_assignments,
    load_complaints,
    load_feedback,
    load_transactions,
)
from .models import StoredPerformance
from .refreshing import WINDOW_DAYS

TREND_PERIODS = 12
# The library's figures taken as they come; a manager without a row in a period gets None.
KPI_FIGURES = ("customers_start", "customers_end", "new", "reactivated", "retained", "lost",
               "crr", "crr_seed", "churn_rate", "buyers", "orders", "revenue",
               "revenue_per_customer", "avg_check", "orders_per_buyer")
BRIDGE_FIGURES = ("revenue_change", "n_effect", "v_effect", "l_effect")
NPS_FIGURES = ("nps", "nps_margin_of_error", "nps_answers")


def sees_every_manager(user) -> bool:
    """Return whether ``user`` sees every manager's figures (those who see the insights)."""
    return user.has_perm("insights.view_insightsrun")


def managers_for_user(user) -> list[User]:
    """Return the managers whose figures ``user`` may see; 403 for anyone else.

    Who sees the insights sees every manager: the active users holding the sales manager
    role or who looked after customers, and anyone with customers assigned now. A sales
    manager sees only their own figures.
    """
    if sees_every_manager(user):
        return all_managers()
    if Role.SALES_MANAGER in user.role_names:
        return [user]
    raise PermissionDenied


def all_managers() -> list[User]:
    """Return every manager: the active users holding the sales manager role or who looked
    after customers, and anyone with customers assigned now."""
    # Correlated EXISTS, each through the manager's index: joins would multiply rows.
    mine = {"manager": OuterRef("pk")}
    return list(User.objects.filter(
        Exists(Customer.objects.filter(**mine))
        | Q(Exists(CustomerAssignment.objects.filter(**mine)), is_active=True)
        | Q(groups__name=Role.SALES_MANAGER, is_active=True),
    ).distinct().order_by("first_name", "last_name", "username"))


# -- periods ------------------------------------------------------------------------------

def period_starts(period: str, today: date, count: int = TREND_PERIODS) -> list[date]:
    """Return the starts of the last ``count`` periods, oldest first, ending with today's."""
    return periods.starts_between(periods.next_start(today, period, 1 - count), today, period)


def period_names(starts: list[date], period: str) -> dict[date, str]:
    """Return each period's name; the last, still running, says so."""
    names = {s: period_label(s, period) for s in starts}
    names[starts[-1]] = _("%(period)s (so far)") % {"period": names[starts[-1]]}
    return names


def _starts_of(times: pd.Series, period: str) -> pd.Series:
    """Return the start date of the period holding each (naive, local) time."""
    return periods.period_start(times, period).dt.date


# -- figures ------------------------------------------------------------------------------

@dataclass
class Performance:
    """Every manager's figures in every period of the trend."""

    period: str
    starts: list[date]
    #: (username, period start) -> {figure: value}; None where a figure is undefined.
    figures: dict[tuple[str, date], dict[str, Any]]
    #: username -> customers assigned now
    portfolio: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    #: When figures served while newer ones are computed were computed; None when current.
    stale_since: datetime | None = None

    def of(self, username: str, start: date) -> dict[str, Any]:
        return self.figures[(username, start)]

    def covers(self, usernames: list[str], starts: list[date]) -> bool:
        """Return whether these are the figures of ``usernames`` in the periods ``starts``."""
        return self.starts == starts and all((u, starts[0]) in self.figures for u in usernames)

    def only(self, usernames: list[str]) -> Performance:
        """Return the figures of ``usernames`` alone."""
        return replace(self, figures={(u, s): self.figures[(u, s)]
                                      for u in usernames for s in self.starts},
                       portfolio={u: self.portfolio.get(u, 0) for u in usernames})


def recent_performance(usernames: list[str], period: str, now: datetime) -> Performance:
    """Return ``manager_performance`` of ``usernames``, computed again only when what it
    reads has changed, and then off the request when a worker runs.

    Reading every order and computing the figures costs a few hundred milliseconds on the
    demo shop. Every manager's figures of a kind of period are stored
    (`StoredPerformance`) with a fingerprint of the day (the periods shown) and of the
    tables read: a new order, return, answer, complaint or change of one, activity done,
    cancelled or fallen due, or assignment changes it. A page whose stored figures still
    hold serves them; when they no longer do and a worker is running, the page serves them
    once more, saying when they were computed (``stale_since``), and the worker's
    "managers" job computes them again within a minute (`refresh_stored`); without a
    worker, or for the first view, the request computes them itself. An edit the
    fingerprint cannot see (an order moved by a merge) shows the next day.
    """
    language = translation.get_language()
    starts = period_starts(period, timezone.localdate(now))
    fingerprint = _fingerprint_key(period, now)
    stored = StoredPerformance.objects.filter(period=period, language=language).first()
    if stored is not None:
        found: Performance = pickle.loads(stored.figures)  # noqa: S301 - written by us
        if found.covers(usernames, starts):
            if stored.fingerprint == fingerprint:
                return found.only(usernames)
            if PeriodicJob.run_soon(REFRESH_JOB):
                return replace(found.only(usernames), stale_since=stored.computed_at)
    found = _compute_and_store(period, language, now, extra=usernames)
    return found.only(usernames)


REFRESH_JOB = "managers"


def refresh_stored(now: datetime | None = None) -> int:
    """Compute again the stored figures that no longer hold (the worker's job, every
    minute); return how many were."""
    now = now or timezone.now()
    refreshed = 0
    for stored in StoredPerformance.objects.all():
        with translation.override(stored.language):
            if stored.fingerprint != _fingerprint_key(stored.period, now):
                _compute_and_store(stored.period, stored.language, now)
                refreshed += 1
    return refreshed


def _compute_and_store(period: str, language: str, now: datetime, *,
                       extra: list[str] = ()) -> Performance:
    """Compute every manager's figures (and ``extra``'s) and store them."""
    # Taken before the figures are read: a change meanwhile makes them stale, not lost.
    fingerprint = _fingerprint_key(period, now)
    usernames = [user.username for user in all_managers()]
    usernames += [name for name in extra if name not in usernames]
    found = manager_performance(usernames, period, now=now)
    StoredPerformance.objects.update_or_create(
        period=period, language=language,
        defaults={"fingerprint": fingerprint, "figures": pickle.dumps(found),
                  "computed_at": timezone.now()})
    return found


def _fingerprint_key(period: str, now: datetime) -> str:
    return hashlib.sha256(repr((
        period, WINDOW_DAYS, timezone.localdate(now).isoformat(), _fingerprint(now),
    )).encode()).hexdigest()


def _fingerprint(now: datetime) -> tuple:
    """Return counts and last ids of the tables read, with what changes their figures in
    place: an order's last change, the returned amount, activities done, cancelled and
    past due at ``now``, assignments ended (a complaint's changes are its events)."""
    def of(queryset, **more):
        return tuple(queryset.order_by().aggregate(n=Count("pk"), last=Max("pk"), **more)
                     .values())

    planned = Q(status=ActivityStatus.PLANNED, due_at__lt=now)
    return (of(Order.objects, changed=Max("updated_at")),
            of(Return.objects, amount=Sum("amount")),
            of(Answer.objects), of(Complaint.objects), of(ComplaintEvent.objects),
            of(Activity.objects, done=Count("completed_at"), past_due=Count("pk", filter=planned),
               cancelled=Count("pk", filter=Q(status=ActivityStatus.CANCELLED))),
            of(CustomerAssignment.objects, ended=Count("ended_at")))


def manager_performance(usernames: list[str], period: str, *, now: datetime | None = None,
                        window_days: int | None = None) -> Performance:
    """Return the figures of ``usernames`` in the last ``TREND_PERIODS`` periods up to ``now``.

    Per manager and period: the library's retention and revenue figures of their customers'
    orders (``KPI_FIGURES``, active = bought within ``window_days``) and the N x V x L
    effects on the revenue change from the previous period (``BRIDGE_FIGURES``);
    ``window_days`` defaults to the refresh's ``WINDOW_DAYS``;
    ``activities`` (assigned to them, due in the period, not cancelled, done or past due),
    ``activities_on_time`` (done at or before the due time), ``on_time_share``,
    ``activities_overdue`` (still planned past the due time); ``complaints`` (of their
    customers, opened in the period), ``complaints_resolved`` (by now),
    ``resolution_hours`` (median hours from opening to resolution of those); the NPS of
    their customers' answers in the period with its margin of error and ``nps_answers``.
    """
    now = now or timezone.now()
    starts = period_starts(period, timezone.localdate(now))
    empty = {name: None for name in (*KPI_FIGURES, *BRIDGE_FIGURES, *NPS_FIGURES)}
    result = Performance(
        period, starts,
        {(u, s): dict(empty, activities=0, activities_on_time=0, on_time_share=None,
                      activities_overdue=0, complaints=0, complaints_resolved=0,
                      resolution_hours=None)
         for u in usernames for s in starts},
        _portfolio(usernames),
    )
    if not usernames:
        return result
    assignments = _first_reaching_back(load_assignments().to_pandas())
    with closing(_database().cursor()) as cursor:
        con = ibis.duckdb.from_connection(cursor)
        _add_kpis(result, con, window_days or WINDOW_DAYS, assignments)
        _add_nps(result, con, assignments)
    local_now = timezone.localtime(now).replace(tzinfo=None)
    _add_activities(result, local_now)
    _add_complaints(result, assignments)
    return result


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    """Return the process's in-memory DuckDB database, opened on first use.

    Opening one costs some 30 ms, a tenth of the page; a cursor of it costs nothing and
    keeps its tables to itself (each computation reads its own, gone when it is closed).
    """
    return duckdb.connect()


def _table(con, name: str, frame: pa.Table | pd.DataFrame) -> ibis.Table:
    """Return ``frame`` as the table ``name`` of ``con``, read where it lies (not copied)."""
    con.con.register(name, frame)
    return con.table(name)


# The earliest time a first assignment reaches back to: before any accepted date.
_ALWAYS = np.datetime64("0001-01-01T00:00:00", "us")


def _first_reaching_back(assignments: pd.DataFrame) -> pd.DataFrame:
    """Return the assignments with ``since``: their start, or always for a customer's first."""
    assignments = assignments.sort_values(["customer_id", "started_at"], kind="stable")
    first = ~assignments.customer_id.duplicated()
    since = assignments.started_at.where(~first, _ALWAYS).astype("datetime64[us]")
    return assignments.assign(since=since).sort_values("since", kind="stable")


def _attributed(events: pd.DataFrame, time: str, assignments: pd.DataFrame) -> pd.DataFrame:
    """Return ``events`` with ``manager``: who looked after the customer at ``time`` (null
    for nobody); ``assignments`` as `_first_reaching_back` returns them."""
    events = events.drop(columns="manager", errors="ignore").sort_values(time, kind="stable")
    # Customers matched by number (-1: never assigned), four times faster than by text.
    customers = pd.Index(assignments.customer_id.unique())
    # The latest assignment started at or before the event, if it had not ended by then.
    found = pd.merge_asof(
        events.astype({time: "datetime64[us]"}).assign(
            _customer=customers.get_indexer(events.customer_id)),
        assignments[["since", "ended_at", "manager"]].assign(
            _customer=customers.get_indexer(assignments.customer_id)),
        left_on=time, right_on="since", by="_customer", direction="backward")
    running = found.ended_at.isna() | (found[time] < found.ended_at)
    return found.assign(manager=found.manager.where(running)).drop(
        columns=["since", "ended_at", "_customer"])


def _with_managers(transactions: pa.Table, assignments: pd.DataFrame) -> pa.Table:
    """Return ``transactions`` with ``manager`` `_attributed`; only the columns it reads go
    through pandas (the whole table there and back would cost more than the attribution)."""
    events = transactions.select(["customer_id", "time"]).to_pandas().assign(
        _row=np.arange(transactions.num_rows))
    found = _attributed(events, "time", assignments)
    managers = np.full(transactions.num_rows, None, dtype=object)
    managers[found["_row"].to_numpy()] = found.manager.to_numpy()
    return transactions.set_column(transactions.schema.get_field_index("manager"), "manager",
                                   pa.array(managers, pa.string(), from_pandas=True))


def _portfolio(usernames: list[str]) -> dict[str, int]:
    counts = dict(Customer.objects.filter(manager__username__in=usernames)
                  .values_list("manager__username").annotate(n=Count("id")).order_by())
    return {u: counts.get(u, 0) for u in usernames}


def _put(result: Performance, df: pd.DataFrame, by: str, columns: tuple[str, ...]) -> None:
    """Copy ``columns`` of the rows whose manager and period the result holds."""
    df = df[df[by].isin(list(result.portfolio)) & df.start.isin(result.starts)]
    for row in df.itertuples(index=False):
        figures = result.figures.get((getattr(row, by), row.start))
        if figures is not None:
            figures.update({c: _plain(getattr(row, c)) for c in columns})


def _plain(value):
    """Return a plain int or float, or None for a missing value."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    return float(value)


def _add_kpis(result: Performance, con, window_days: int, assignments: pd.DataFrame) -> None:
    from tenure.analytics import kpi

    # Canonical (loading.py), each order and return with the manager of its time; the
    # figures read neither margins, channels nor stores.
    tx = _table(con, "transactions", _with_managers(
        load_transactions(managers=False, details=False), assignments))
    kpis = kpi.period_kpis(tx, period=result.period, window_days=window_days, by="manager")
    # Before a whole window has passed since the portfolio's first purchase, everyone is
    # still "active": CRR 100 % and churn 0 % would be the definition, not the customers.
    if len(kpis):
        kpis.loc[~kpis.window_covered, list(WINDOW_FIGURES)] = np.nan
    bridge = kpi.nvl_bridge(kpis) if len(kpis) else kpis.iloc[0:0]
    for df, columns in ((kpis, KPI_FIGURES), (bridge, BRIDGE_FIGURES)):
        if len(df):
            df = df.assign(start=pd.to_datetime(df["period"]).dt.date)
            _put(result, df, "manager", columns)


def _add_activities(result: Performance, now: datetime) -> None:
    df = load_activities().to_pandas()
    df = df[df.assignee.isin({u for u, _s in result.figures})
            & (df.due_at >= _naive(result.starts[0]))
            & (df.status != ActivityStatus.CANCELLED.value)]
    done = df.status == ActivityStatus.DONE.value
    df = df[done | (df.due_at < now)]
    if df.empty:
        return
    df = df.assign(
        start=_starts_of(df.due_at, result.period),
        on_time=(df.status == ActivityStatus.DONE.value) & (df.completed_at <= df.due_at),
        overdue=df.status == ActivityStatus.PLANNED.value,
    )
    counts = df.groupby(["assignee", "start"], as_index=False).agg(
        activities=("on_time", "size"), activities_on_time=("on_time", "sum"),
        activities_overdue=("overdue", "sum"))
    counts["on_time_share"] = counts.activities_on_time / counts.activities
    _put(result, counts, "assignee", ("activities", "activities_on_time",
                                      "activities_overdue", "on_time_share"))


def _add_complaints(result: Performance, assignments: pd.DataFrame) -> None:
    complaints = load_complaints()
    complaints = complaints.filter(pc.greater_equal(
        complaints["opened_at"], pa.scalar(_naive(result.starts[0]), pa.timestamp("us"))))
    df = _attributed(complaints.to_pandas(), "opened_at", assignments).dropna(
        subset=["manager"])
    if df.empty:
        return
    # Local clock times: across a daylight-saving change a duration is an hour off.
    hours = (df.resolved_at - df.opened_at).dt.total_seconds() / 3600
    df = df.assign(start=_starts_of(df.opened_at, result.period), hours=hours)
    counts = df.groupby(["manager", "start"], as_index=False).agg(
        complaints=("hours", "size"), complaints_resolved=("hours", "count"),
        resolution_hours=("hours", "median"))
    _put(result, counts, "manager", ("complaints", "complaints_resolved", "resolution_hours"))


def _add_nps(result: Performance, con, assignments: pd.DataFrame) -> None:
    from tenure.analytics.feedback import feedback_scores

    answers = load_feedback()
    answers = answers.filter(pc.and_(
        pc.equal(answers["kind"], "nps"),
        pc.greater_equal(answers["time"],
                         pa.scalar(_naive(result.starts[0]), pa.timestamp("us")))))
    answers = _attributed(answers.to_pandas(), "time", assignments).dropna(subset=["manager"])
    if answers.empty:
        return
    try:
        # A table of the connection, not a memtable: the library runs its compiled query.
        scores = feedback_scores(_table(con, "answers", answers), period=result.period,
                                 by="manager")
    except AnalyticsError as exc:  # answers off their scale: say so, show the rest
        result.warnings.append(_("NPS could not be computed: %(error)s") % {"error": exc})
        return
    scores = scores.assign(start=pd.to_datetime(scores["period"]).dt.date)
    _put(result, scores, "manager", NPS_FIGURES)


def _naive(day: date) -> datetime:
    return datetime.combine(day, time.min)


# -- the page -----------------------------------------------------------------------------

# Trend charts: figure, format.
TRENDS = (("revenue", "money"), ("crr", "percent"), ("nps", "number"))


@dataclass(frozen=True)
class Column:
    """A figure of the comparison tables, in a format of the ``metric`` filter."""

    figure: str
    label: Any
    fmt: str = "number"
    title: Any = ""
    strong: bool = False


# Twenty figures a manager: two tables of ten, so a 1366 px laptop shows every column at
# once in English, Russian and Ukrainian. Each table: its id and its groups of columns.
TABLES = (
    ("managers-table", (
        (gettext_lazy("Customers"), (
            Column("customers", gettext_lazy("Portfolio"),
                   title=gettext_lazy("Customers assigned now")),
            Column("customers_start", gettext_lazy("Active at start"),
                   title=gettext_lazy("Customers active at the start of the period")),
            Column("retained", gettext_lazy("Retained"),
                   title=gettext_lazy("Active at the start and at the end")),
            Column("crr", gettext_lazy("CRR"), "percent",
                   gettext_lazy("Retained / active at start")),
            Column("churn_rate", gettext_lazy("Churn rate"), "percent",
                   gettext_lazy("(Active at start − retained) / active at start")),
        )),
        (gettext_lazy("Revenue = buyers × average check × orders per buyer"), (
            Column("buyers", gettext_lazy("Buyers (N)")),
            Column("avg_check", gettext_lazy("Average check (V)"), "money"),
            Column("orders_per_buyer", gettext_lazy("Orders per buyer (L)"), "decimal"),
            Column("revenue", gettext_lazy("Revenue"), "money", strong=True),
        )),
    )),
    ("managers-work-table", (
        (gettext_lazy("Revenue change from the previous period"), (
            Column("n_effect", gettext_lazy("Buyers (N)"), "money"),
            Column("v_effect", gettext_lazy("Average check (V)"), "money"),
            Column("l_effect", gettext_lazy("Orders per buyer (L)"), "money"),
        )),
        (gettext_lazy("Activities"), (
            Column("activities", gettext_lazy("Due"),
                   title=gettext_lazy("Due in the period, not cancelled, done or past due")),
            Column("on_time_share", gettext_lazy("On time"), "percent",
                   gettext_lazy("Done at or before the due time")),
            Column("activities_overdue", gettext_lazy("Overdue"),
                   title=gettext_lazy("Still planned after the due time")),
        )),
        (gettext_lazy("Complaints"), (
            Column("complaints", gettext_lazy("Opened"),
                   title=gettext_lazy("Opened in the period")),
            Column("resolution_hours", gettext_lazy("Hours to resolve"), "tenths",
                   gettext_lazy("Median hours from opening to resolution, of those resolved")),
        )),
        (gettext_lazy("NPS"), (
            Column("nps", gettext_lazy("Score")),
            Column("nps_answers", gettext_lazy("Answers")),
        )),
    )),
)


def tables(rows: list[dict]) -> list[dict]:
    """Return the comparison tables of ``rows``: their column groups and each row's cells."""
    return [{"id": table_id,
             "groups": [{"label": label, "columns": columns} for label, columns in groups],
             "rows": [{"manager": row["manager"], "name": row["name"],
                       "cells": [_cell(row, column) for _l, columns in groups
                                 for column in columns]} for row in rows]}
            for table_id, groups in TABLES]


def _cell(row: dict, column: Column) -> dict:
    value = row[column.figure]
    if column.figure == "nps_answers":
        value = value or 0
    margin = row["nps_margin_of_error"] if column.figure == "nps" else None
    return {"column": column, "value": value, "margin": margin}


def page(managers: list[User], result: Performance, start: date) -> dict:
    """Return the comparison rows of ``start``'s period, the trend charts and table."""
    names = period_names(result.starts, result.period)
    people = [(m, m.get_full_name() or m.username) for m in managers]
    rows = [{"manager": m, "name": name, "customers": result.portfolio[m.username],
             **result.of(m.username, start)} for m, name in people]
    labels = [names[s] for s in result.starts]
    charts = {figure: {"kind": "trend", "x": labels, "series": [
        {"name": name, "type": "line", "format": fmt,
         "values": [result.of(m.username, s)[figure] for s in result.starts]}
        for m, name in people]} for figure, fmt in TRENDS}
    trend_rows = [{"label": names[s], "cells": [result.of(m.username, s) for m, _n in people]}
                  for s in reversed(result.starts)]
    return {"rows": rows, "tables": tables(rows), "period_name": names[start],
            "partial": start == result.starts[-1],
            "trend_names": [name for _m, name in people], "trend_rows": trend_rows,
            "charts": charts, "warnings": result.warnings}
