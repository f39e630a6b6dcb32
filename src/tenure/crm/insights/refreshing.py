"""The refresh of the analytics: load the CRM's tables, call the library, store the results.

``refresh_insights()`` is the whole workflow; the nightly command and the pages' "Refresh
now" button call it. It is load (``loading.py``) -> `tenure.analytics.analyze.analyze` (the
one analysis, the same as ``tenure analyze``'s: same purchase-model selection, same churn
model, so a file export of the orders gives the same scores) -> store: this module,
``valuation.py`` and ``risk.py`` only convert the analysis into the stored format below;
the transitions (they need the previous snapshot) and the sales forecasts are added here.
It never raises for a failure of the analytics: the run is recorded as failed with the
error message (STYLE.md: catch at the boundary).

The format of ``InsightsRun.results`` (version 1)
-------------------------------------------------

Everything is JSON-safe: dates and times are ISO strings (``"2026-11-23"``), missing or
undefined numbers (NaN, division by zero) are ``null``, rates are fractions (0.42, not 42 %),
money is a float in the shop's currency.

A **table** is ``{"columns": [name, ...], "rows": [[value, ...], ...]}``; read it with
``pandas.DataFrame(t["rows"], columns=t["columns"])`` or ``stored.frame(t)``.

``results`` keys:

``version``: 1.
``as_of``: the snapshot date (ISO).
``window_days``: the activity window W (365).
``previous_as_of``: the date of the previous snapshot the transitions compare to, or null.
``totals``: ``{"customers", "buyers", "orders", "revenue", "transactions",
    "return_on_relationship"}``: every customer in the CRM, those with a purchase, orders
    (cancelled ones excluded), net revenue (returns subtracted), and ROR as of ``as_of``.
``kpis``: ``{"week"|"month"|"quarter"|"year": table}``, the library's ``period_kpis``: columns
    ``period`` (ISO date of the period's start), ``customers_start, customers_end, new,
    reactivated, retained, lost, crr, crr_seed, churn_rate, retention_rate, buyers, orders,
    revenue, revenue_per_customer, avg_check, orders_per_buyer, repeat_rate``.
``kpis_by``: ``{"channel"|"store"|"manager"|"segment": {period: table}}``: the same tables
    with the ``by`` column first (named ``channel``, ``store``, ``manager`` or ``segment``;
    transactions without a value form the group ``"(none)"``, the library's label).
    ``segment`` is each customer's segment on ``as_of`` applied to their whole history. A
    dimension whose values are all empty is left out.
``bridge``: ``{period: table}``: the N x V x L decomposition (``period, revenue_change,
    n_effect, v_effect, l_effect``), one row per period after the first.
``cohorts``: ``{"customers"|"revenue"|"revenue_per_customer": table}``: monthly acquisition
    cohorts, columns ``cohort`` (ISO month start), ``size`` (customers acquired), then
    ``"0", "1", ... "n"`` (months since acquisition). ``customers`` is the share of the cohort
    buying in that month (0..1), ``revenue`` the cohort's revenue in that month,
    ``revenue_per_customer`` that revenue divided by the cohort's size. Cells not reached yet
    are null.
``segments``: table of the RFM segments in the order of ``tenure.analytics.segments.SEGMENTS``
    (every segment, empty ones with 0), the columns of ``tenure analyze``'s segments.csv:
    ``segment`` (key, as ``insights.models.Segment``), ``customers``, ``share`` (of buyers),
    ``revenue``, ``revenue_share``, ``avg_recency`` (mean days since the last purchase),
    ``avg_frequency`` (mean orders), ``avg_monetary`` (mean revenue per customer).
``transitions``: null when there is no previous snapshot, else a table: ``segment`` (before)
    then one column per segment key (after) plus ``"none"`` (no segment any more) with counts;
    one row per segment key plus ``"none"`` (new buyers since the previous snapshot).
``abc_xyz``: table: ``abc`` ("A", "B", "C") then columns ``X, Y, Z, new`` with customer
    counts. ``abc_xyz_revenue``: the same grid with revenue.
``clusters``: ``{"k", "silhouette", "descriptions": [sentence, ...], "table": table}`` where the
    table has ``cluster`` (0..k-1), ``customers``, ``share``, ``recency_days``, ``orders``,
    ``revenue``, ``monetary`` (means); null when there are too few buyers to cluster.
``best_customers``: table ``attribute, value, share_top, share_all, lift`` (top 10 % by revenue).
``typical_customer``: the library's dict (attribute -> value), values JSON-safe.
``feedback``: null (survey scores are not part of the refresh yet; the churn model reads the
    answers).
``value``: the purchase-model comparison, the chosen model (``chosen``; ``p_alive_model`` names
    the model P(alive) comes from) and the spend model, the P(alive) matrix and the tracking
    chart (``valuation.py`` documents it); null when it failed.
``churn``: the churn model's quality beside its baselines, its horizon in words and in days
    (``horizon_days``) (``risk.py`` documents it).
``forecast``: ``{"day"|"week"|"month": ...}`` sales forecasts (``forecasting.py``).
``timings``: ``{step: seconds}`` of this run.
``skipped``: one sentence per table whose out-of-range rows the refresh left out (an order
    dated 0001-01-01) or read as unknown (a birth date in the year 9999), naming them
    (``loading.py``); empty when every row was in range.
A part that failed on its own (e.g. clusters on too little data) is null and its message is in
``warnings`` (a list of strings); a failure of the whole run sets ``status="failed"``.

Per customer, ``CustomerSnapshot`` rows (one per customer with a purchase, ``taken_on=as_of``)
keep orders, revenue, first/last purchase, frequency, recency, R/F/M scores, segment, ABC and
XYZ classes, cluster, CLV, P(alive), expected purchases in 90 days, churn risk and its reasons;
the customer list filters by the latest ``taken_on``.
"""


from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.analytics.analyze import COHORT_MEASURES, DIMENSIONS, analyze
from tenure.analytics.exceptions import AnalyticsError
from tenure.crm.customers import stats
from tenure.crm.lib import bulk

from . import forecasting, risk, stored, valuation
from .loading import Tables, load_tables
from .models import CustomerSnapshot, InsightsRun

logger = logging.getLogger(__name__)

VERSION = 2
PERIODS = ("week", "month", "quarter", "year")
WINDOW_DAYS = 365
XYZ_CLASSES = ("X", "Y", "Z", "new")
NONE = "none"
#: The steps a progress bar shows, in order.
STEPS = ("load", "churn", "summary", "segments", "KPIs", "cohorts", "ABC/XYZ", "clusters",
         "profiles", "value", "forecast", "save")

SNAPSHOT_FIELDS = [
    "customer", "taken_on", "orders", "revenue", "first_purchase", "last_purchase",
    "frequency", "recency_days", "r_score", "f_score", "m_score", "segment", "abc", "xyz",
    "cluster", "clv", "p_alive", "expected_purchases", "churn_risk", "churn_reasons",
]


def refresh_insights(*, as_of: date | None = None, by=None,
                     progress: Callable[[str], None] | None = None,
                     forecast: bool = True) -> InsightsRun:
    """Recompute the analytics as of ``as_of`` (default today) and store them.

    Orders up to the end of ``as_of`` count (the library's convention: a date includes its
    whole day); recency is in days to ``as_of``. A failure is recorded on the returned run
    (``status="failed"``, ``error``), never raised. ``forecast=False`` leaves out the sales
    forecast, the slowest step on a history of years (the Forecast page then has none).
    """
    as_of = as_of or timezone.localdate()
    progress = progress or (lambda step: None)
    run = InsightsRun.objects.create(as_of=as_of, requested_by=by)
    try:
        _refuse_while_another_runs(run)
        results, snapshots = _compute(as_of, progress, forecast)
        progress("save")
        with transaction.atomic():
            started = time.perf_counter()
            _save_snapshots(as_of, snapshots)
            # The lists' purchase figures, recomputed whole: a write that bypassed them (a
            # script, a restored backup) is put right by the next night.
            stats.refresh_all()
            results["timings"]["save"] = round(time.perf_counter() - started, 3)
            run.results, run.status = results, InsightsRun.Status.DONE
            run.finished_at = timezone.now()
            run.save()
        return run
    except RefreshRefused as exc:
        run.error = str(exc)
    except Exception as exc:  # The boundary: the run records any failure instead of crashing.
        logger.exception("Insights refresh as of %s failed", as_of)
        run.error = f"{type(exc).__name__}: {exc}"
    run.status, run.finished_at = InsightsRun.Status.FAILED, timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


class RefreshRefused(Exception):
    """The refresh cannot run; the message says why in words."""


class NothingToAnalyse(RefreshRefused):
    """The shop has no orders up to the snapshot date."""


class RefreshInProgress(RefreshRefused):
    """Another refresh is still running."""


# A run still marked "running" after this long was abandoned (its process was killed).
ABANDONED_AFTER = timedelta(hours=1)


def _refuse_while_another_runs(run: InsightsRun) -> None:
    """Refuse to start while another recent refresh runs: both would write the same snapshots."""
    other = (InsightsRun.objects.exclude(pk=run.pk)
             .filter(status=InsightsRun.Status.RUNNING,
                     started_at__gte=run.started_at - ABANDONED_AFTER)
             .order_by("-started_at").first())
    if other is not None:
        raise RefreshInProgress(
            _("Another refresh, started at %(time)s, is still running; try again when it ends.")
            % {"time": timezone.localtime(other.started_at).strftime("%H:%M")})


class _Results(dict):
    """The results being built, with per-step timings and warnings."""

    def __init__(self, as_of: date):
        super().__init__(version=VERSION, as_of=as_of.isoformat(), window_days=WINDOW_DAYS,
                         previous_as_of=None, timings={}, warnings=[], skipped=[])

    @contextmanager
    def step(self, name: str, progress: Callable[[str], None]) -> Iterator[None]:
        progress(name)
        started = time.perf_counter()
        yield
        self["timings"][name] = round(time.perf_counter() - started, 3)

    def optional(self, name: str, compute: Callable[[], object]) -> object:
        """Return ``compute()``, or None with a warning when the library refuses the data."""
        try:
            return compute()
        except AnalyticsError as exc:
            self["warnings"].append(f"{name}: {exc}")
            return None


def _compute(as_of: date, progress: Callable[[str], None], forecast: bool = True
             ) -> tuple[dict, pd.DataFrame]:
    """Return the results and the per-customer snapshot table: load, analyse, convert."""
    results = _Results(as_of)
    end = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    con = ibis.duckdb.connect()
    with warnings.catch_warnings(record=True) as caught:
        # Scoped to this block: a warning already shown once still reaches this run's list.
        warnings.simplefilter("always")
        with results.step("load", progress):
            tables = load_tables()
            results["skipped"] = tables.skipped
            before = _before(tables.transactions, end)
            if not before.num_rows:
                raise NothingToAnalyse(
                    _("No orders up to %(date)s yet: import or enter orders first.")
                    % {"date": as_of.isoformat()})
            # Held by our connection so the library's joins and caches find it.
            tx = con.create_table("transactions", before)
        analysis = analyze(
            tx, con=con, as_of=as_of, window_days=WINDOW_DAYS, periods=PERIODS,
            dimensions=DIMENSIONS, cohort_measures=COHORT_MEASURES, customers=tables.customers,
            sources=_churn_sources(tables), tracking=True,
            on_step=lambda step: progress(step) if step in STEPS else None)
        _store_timings(results, analysis.timings)
        # The model selection's notes are not failures: the models page shows them.
        chosen = set(analysis.value.selection.notes) if analysis.value is not None else set()
        results["warnings"] += [n for n in analysis.notes if n not in chosen]
        _store(results, analysis, tables)
        value = analysis.value
        progress("forecast")
        if forecast:
            started = time.perf_counter()
            results["forecast"] = stored.jsonable(forecasting.sales_forecasts(
                tx, as_of, analysis.summary, analysis.rfm[["customer_id", "segment"]],
                value, results["warnings"].append))
            results["timings"]["forecast"] = round(time.perf_counter() - started, 3)
    results["warnings"] += _library_warnings(caught)
    churn = risk.churn_results(analysis.churn)[1] if analysis.churn is not None else None
    snapshots = _snapshots(analysis.summary, analysis.rfm, analysis.abc_xyz, analysis.clusters,
                           value, churn)
    return dict(results), snapshots


def _library_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """Return the distinct warnings about the data (not dependencies' deprecations)."""
    quiet = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
    messages = [str(w.message) for w in caught if not issubclass(w.category, quiet)]
    return list(dict.fromkeys(messages))


# --- conversions ---------------------------------------------------------------------------

def _before(transactions: pa.Table, end: datetime) -> pa.Table:
    import pyarrow.compute as pc

    return transactions.filter(pc.less(transactions["time"], pa.scalar(end, pa.timestamp("us"))))


def _store_timings(results: _Results, timings: dict[str, float]) -> None:
    """Keep the analysis's step timings; reading the loaded table counts as loading."""
    for name, seconds in timings.items():
        key = "load" if name == "read" else name
        results["timings"][key] = round(results["timings"].get(key, 0.0) + seconds, 3)


def _store(results: _Results, analysis, tables: Tables) -> None:
    """Convert every part of the analysis into the stored results."""
    from tenure.analytics import segments

    summary_df, as_of = analysis.summary, analysis.as_of.date()
    results["totals"] = _totals(tables, summary_df)
    results["totals"]["return_on_relationship"] = stored.number(
        analysis.return_on_relationship)
    results["segments"] = stored.table(analysis.segments)
    previous = _previous_segments(as_of)
    if previous is not None:
        results["previous_as_of"] = previous[0].isoformat()
    results["transitions"] = results.optional(
        "transitions", lambda: _transitions(previous, analysis.rfm, segments))
    results["kpis"] = {p: stored.table(t) for p, t in analysis.kpis_by_period.items()}
    results["bridge"] = {p: stored.table(t) for p, t in analysis.bridges.items()}
    results["kpis_by"] = {d: {p: stored.table(t) for p, t in by_period.items()}
                          for d, by_period in analysis.kpis_by.items()}
    results["cohorts"] = {m: stored.table(t) for m, t in analysis.cohort_tables.items()}
    _abc_tables(results, summary_df, analysis.abc_xyz)
    results["clusters"] = _cluster_results(summary_df, analysis.clusters)
    results["best_customers"] = (stored.table(analysis.best_customers)
                                 if analysis.best_customers is not None else None)
    results["typical_customer"] = stored.jsonable(analysis.typical_customer)
    results["feedback"] = None
    results["value"] = (stored.jsonable(valuation.value_results(analysis.value, summary_df))
                        if analysis.value is not None else None)
    results["churn"] = (stored.jsonable(risk.churn_results(analysis.churn)[0])
                        if analysis.churn is not None else None)


def _churn_sources(tables: Tables) -> dict[str, pa.Table]:
    """Return the churn model's optional sources (each snapshot reads only its past)."""
    return {"feedback": tables.feedback, "complaints": tables.complaints,
            "interactions": tables.interactions, "messages": tables.messages}


def _totals(tables: Tables, summary_df: pd.DataFrame) -> dict:
    return {
        "customers": tables.customers.num_rows,
        "buyers": len(summary_df),
        "orders": int(summary_df["orders"].sum()),
        "revenue": stored.number(summary_df["revenue"].sum()),
        "transactions": tables.transactions.num_rows,
    }


def _previous_segments(as_of: date) -> tuple[date, pd.DataFrame] | None:
    """Return the latest earlier snapshot date and its customers' segments."""
    taken_on = CustomerSnapshot.objects.filter(taken_on__lt=as_of).latest_date()
    if taken_on is None:
        return None
    rows = CustomerSnapshot.objects.filter(taken_on=taken_on).exclude(segment="")
    df = pd.DataFrame(list(rows.values_list("customer_id", "segment")),
                      columns=["customer_id", "segment"])
    df["customer_id"] = df["customer_id"].astype(str)
    return taken_on, df


def _transitions(previous, rfm: pd.DataFrame, segments) -> dict | None:
    """Return the before x after segment counts; 'none' is no segment on that side."""
    if previous is None:
        return None
    matrix = segments.segment_transitions(previous[1], rfm[["customer_id", "segment"]])
    keys = [*segments.SEGMENTS, NONE]
    matrix = matrix.reindex(index=keys, columns=keys).fillna(0).astype("int64")
    matrix.index.name = "segment"
    matrix.columns = [str(c) for c in matrix.columns]
    return stored.table(matrix.reset_index())


def _abc_tables(results: _Results, summary_df: pd.DataFrame, abc: pd.DataFrame) -> None:
    merged = summary_df[["customer_id", "revenue"]].merge(
        abc[["customer_id", "abc", "xyz"]], on="customer_id", how="inner")
    for key, values, how in (("abc_xyz", "customer_id", "count"),
                             ("abc_xyz_revenue", "revenue", "sum")):
        grid = merged.pivot_table(index="abc", columns="xyz", values=values, aggfunc=how)
        grid = grid.reindex(index=["A", "B", "C"], columns=list(XYZ_CLASSES)).fillna(0)
        if how == "count":
            grid = grid.astype("int64")
        grid.columns = [str(c) for c in grid.columns]
        grid.index.name = "abc"
        results[key] = stored.table(grid.reset_index())


def _cluster_results(summary_df: pd.DataFrame, found) -> dict | None:
    """Return the stored clusters: sizes, means and descriptions; None without clusters."""
    if found is None:
        return None
    merged = summary_df.merge(found.labels[["customer_id", "cluster"]], on="customer_id")
    table = merged.groupby("cluster").agg(
        customers=("customer_id", "size"), recency_days=("recency_days", "mean"),
        orders=("orders", "mean"), revenue=("revenue", "mean"),
    ).reset_index()
    table["share"] = table["customers"] / max(len(merged), 1)
    table["monetary"] = table["revenue"] / table["orders"].where(table["orders"] > 0)
    table = table[["cluster", "customers", "share", "recency_days", "orders", "revenue",
                   "monetary"]]
    return {
        "k": int(found.k), "silhouette": stored.number(found.silhouette),
        "descriptions": [str(d) for d in found.descriptions], "table": stored.table(table),
    }


# --- snapshots ---------------------------------------------------------------------------------

def _snapshots(summary_df: pd.DataFrame, rfm: pd.DataFrame, abc: pd.DataFrame,
               clusters, value, churn) -> pd.DataFrame:
    """Return one row per buyer with every score to keep."""
    table = summary_df[["customer_id", "orders", "revenue", "first_purchase", "last_purchase",
                        "frequency", "recency_days"]]
    table = table.merge(rfm[["customer_id", "r", "f", "m", "segment"]], on="customer_id",
                        how="left")
    table = table.merge(abc[["customer_id", "abc", "xyz"]], on="customer_id", how="left")
    if clusters is not None:
        table = table.merge(clusters.labels[["customer_id", "cluster"]], on="customer_id",
                            how="left")
    else:
        table["cluster"] = None
    table["customer_id"] = table["customer_id"].astype(str)
    if value is not None:
        scores = value.scores[["customer_id", "clv", "p_alive", "expected_purchases"]]
        table = table.merge(scores.assign(customer_id=scores["customer_id"].astype(str)),
                            on="customer_id", how="left")
    else:
        table[["clv", "p_alive", "expected_purchases"]] = np.nan
    if churn is not None:
        table = table.merge(churn[["customer_id", "churn_risk", "churn_reasons"]],
                            on="customer_id", how="left")
    else:
        table["churn_risk"], table["churn_reasons"] = np.nan, None
    return table


def _save_snapshots(as_of: date, table: pd.DataFrame) -> None:
    """Replace the snapshots of ``as_of`` with ``table``'s rows."""
    CustomerSnapshot.objects.filter(taken_on=as_of).delete()
    # Column by column: a million customers are too many for per-row conversions.
    columns = [
        _whole(table["customer_id"]), [as_of] * len(table), _whole(table["orders"]),
        [Decimal(f"{v:.2f}") for v in table["revenue"].astype(float)],
        _days(table["first_purchase"]), _days(table["last_purchase"]),
        _whole(table["frequency"]), _whole(table["recency_days"].clip(lower=0)),
        _whole(table["r"]), _whole(table["f"]), _whole(table["m"]),
        _text(table["segment"]), _text(table["abc"]), _text(table["xyz"]),
        _whole(table["cluster"]), _money(table["clv"]), _floats(table["p_alive"]),
        _floats(table["expected_purchases"]), _floats(table["churn_risk"]),
        _reasons(table["churn_reasons"]),
    ]
    fields = ["customer_id" if f == "customer" else f for f in SNAPSHOT_FIELDS]
    bulk.insert(CustomerSnapshot, fields, list(zip(*columns, strict=True)))


def _whole(values: pd.Series) -> list[int | None]:
    numbers = pd.to_numeric(values).astype("Int64")
    return [None if v is pd.NA else int(v) for v in numbers]


def _money(values: pd.Series) -> list[Decimal | None]:
    return [None if not math.isfinite(v) else Decimal(f"{v:.2f}")
            for v in values.astype(float)]


def _floats(values: pd.Series) -> list[float | None]:
    return [None if not math.isfinite(v) else v for v in values.astype(float)]


def _reasons(values: pd.Series) -> list[list]:
    return [stored.jsonable(v) if isinstance(v, list) else [] for v in values]


def _days(values: pd.Series) -> list[date | None]:
    stamps = pd.to_datetime(values)
    return [None if pd.isna(v) else v.date() for v in stamps]


def _text(values: pd.Series) -> list[str]:
    return values.astype(object).where(values.notna(), "").astype(str).tolist()
