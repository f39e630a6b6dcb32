"""The refresh of the analytics: load the CRM's tables, call the library, store the results.

``refresh_insights()`` is the whole workflow; the nightly command and the pages' "Refresh
now" button call it. It never raises for a failure of the analytics: the run is recorded
as failed with the error message (STYLE.md: catch at the boundary).

The format of ``InsightsRun.results`` (version 1)
-------------------------------------------------

Everything is JSON-safe: dates and times are ISO strings (``"2026-11-23"``), missing or
undefined numbers (NaN, division by zero) are ``null``, rates are fractions (0.42, not 42 %),
money is a float in the shop's currency.

A **table** is ``{"columns": [name, ...], "rows": [[value, ...], ...]}``; read it with
``pandas.DataFrame(t["rows"], columns=t["columns"])`` or ``refreshing.frame(t)``.

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
    an empty value is ``""``). ``segment`` is each customer's segment on ``as_of`` applied to
    their whole history. A dimension whose values are all empty is left out.
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
``feedback``: null until surveys exist.
``timings``: ``{step: seconds}`` of this run.
A part that failed on its own (e.g. clusters on too little data) is null and its message is in
``warnings`` (a list of strings); a failure of the whole run sets ``status="failed"``.

Per customer, ``CustomerSnapshot`` rows (one per customer with a purchase, ``taken_on=as_of``)
keep orders, revenue, first/last purchase, frequency, recency, R/F/M scores, segment, ABC and
XYZ classes and cluster; the customer list filters by the latest ``taken_on``.
"""

from __future__ import annotations


def frame(table: dict):
    """Return a stored results table as a pandas DataFrame."""
    import pandas as pd

    return pd.DataFrame(table["rows"], columns=table["columns"])
