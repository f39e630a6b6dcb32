"""Churn features as of a snapshot date: computed by the engine from data up to that day.

(Or by numpy, the same values, from customer-days held as arrays when there are no
optional sources: `tenure.analytics.churn.daily`.)

A snapshot s sees the whole day s and nothing after it: transactions, answers, complaints,
contacts and messages are read where their time is before midnight ending s (``cutoff``);
a complaint resolved after s counts as open at s, a response after s as no response. The
features of every customer in the snapshot's population (bought within ``window_days``
before s, or holding a contract active at s) are `FEATURES`, in this order:

**Purchases** (orders are rows with a non-negative amount; several on a day are one
purchase day; returns are negative amounts):

- ``recency_days``: s minus the last purchase day (NaN for a subscriber who never bought);
- ``frequency``: repeat purchase days (purchase days - 1, the BTYD x);
- ``tenure_days``: s minus the first purchase day;
- ``orders_30d``, ``orders_90d``, ``orders_365d``: orders in the last 30, 90, 365 days
  (distinct ``order_id`` when the table has it, else order rows), s included;
- ``orders_prev_90d``: orders in the 90 days before those last 90;
- ``revenue_30d``, ``revenue_90d``, ``revenue_365d``: net amount (returns subtracted);
- ``average_check``: net amount / orders, over the whole history to s;
- ``trend_90d``: (orders_90d - orders_prev_90d) / (orders_90d + orders_prev_90d), from -1
  (stopped) to 1 (started), 0 when both are 0;
- ``typical_gap_days``: the customer's rhythm, shrunk toward the shop's:
  :math:`(n g_i + m g_{shop}) / (n + m)` with n = frequency (the customer's gaps),
  :math:`g_i` the median of their gaps between consecutive purchase days,
  :math:`g_{shop}` the median of :math:`g_i` over the snapshot's repeat buyers and
  m = `RHYTHM_PRIOR_GAPS`; the shop's gap for a customer with one purchase day (NaN when
  nobody bought twice);
- ``overdue_ratio``: recency_days / typical_gap_days;
- ``horizon_days``: the customer's churn horizon H (`tenure.analytics.churn.horizon`).

**Returns**, last 365 days: ``returns_365d`` (return rows, or distinct ``order_id`` of
returns), ``returned_amount_365d`` (positive), ``return_share_365d`` = returned amount /
purchased amount in the same days, clipped to 0..1.

**Feedback** (`tenure.analytics.frames.feedback`): ``nps_last`` and ``nps_previous`` (the
last two NPS answers, 0-10), ``nps_change`` = last - previous, ``detractor_answers_365d``
(NPS answers 0-6 in the last 365 days), ``csat_last`` (1-5), ``ces_last`` (1-5, 5 = very
hard).

**Complaints**: ``complaints_365d`` (opened in the last 365 days), ``complaints_open``
(opened by s and not resolved by s).

**Interactions**: ``interactions_90d``, ``inbound_90d`` (those the customer started:
direction in `tenure.analytics.churn.sources.INBOUND`), ``days_since_interaction``.

**Campaign messages**, last 365 days: ``messages_365d`` (received), ``responses_365d``
(responded by s), ``response_rate_365d`` = responses / messages.

**Subscriptions**: ``subscribed`` (1 when a contract is active at s: start <= s < end),
``contract_days_left`` (the latest end of the active contracts minus s; NaN when open-ended
or none). ``end`` is read as the term agreed when the contract was signed: a table that
records the day a customer actually cancelled would tell the model the future.

**BTYD** (`tenure.analytics.churn.btyd`: `tenure.analytics.clv.ModifiedBetaGeo` fitted in
days on the summary of every customer who bought by s): ``p_alive`` and
``expected_purchases`` within the horizon H.

A source that is not given, or a customer without such events, gets the neutral value:
0 for counts, NaN ("no answer", "never") for the rest, which LightGBM reads as missing.
So the columns are the same whatever sources are present, and a model trained without
complaints scores customers of a shop that has them (the feature was constant; it is
ignored).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from ..exceptions import InputError
from .btyd import btyd_features
from .horizon import Horizon, as_horizon, choose_horizon
from .sources import INBOUND

if TYPE_CHECKING:
    from .daily import CustomerDays

#: Every model input, in order, with its meaning (see the module docstring).
FEATURES: dict[str, str] = {
    "recency_days": "days since the last purchase",
    "frequency": "repeat purchase days",
    "tenure_days": "days since the first purchase",
    "orders_30d": "orders in the last 30 days",
    "orders_90d": "orders in the last 90 days",
    "orders_365d": "orders in the last 365 days",
    "orders_prev_90d": "orders in the 90 days before the last 90",
    "revenue_30d": "net revenue in the last 30 days",
    "revenue_90d": "net revenue in the last 90 days",
    "revenue_365d": "net revenue in the last 365 days",
    "average_check": "net revenue per order",
    "trend_90d": "change of orders, last 90 days against the 90 before (-1..1)",
    "typical_gap_days": "median days between purchase days, shrunk toward the shop's",
    "overdue_ratio": "days since the last purchase / typical gap (shrunk)",
    "horizon_days": "churn horizon H in days",
    "returns_365d": "returns in the last 365 days",
    "returned_amount_365d": "amount returned in the last 365 days",
    "return_share_365d": "share of the amount bought in the last 365 days returned",
    "nps_last": "last NPS answer (0-10)",
    "nps_previous": "the NPS answer before the last",
    "nps_change": "last NPS answer minus the one before",
    "detractor_answers_365d": "NPS answers 0-6 in the last 365 days",
    "csat_last": "last CSAT answer (1-5)",
    "ces_last": "last CES answer (1-5, 5 = very hard)",
    "complaints_365d": "complaints opened in the last 365 days",
    "complaints_open": "complaints open at the snapshot",
    "interactions_90d": "contacts in the last 90 days",
    "inbound_90d": "contacts the customer started in the last 90 days",
    "days_since_interaction": "days since the last contact",
    "messages_365d": "campaign messages received in the last 365 days",
    "responses_365d": "campaign messages responded to in the last 365 days",
    "response_rate_365d": "responses / messages in the last 365 days",
    "subscribed": "1 when a contract is active at the snapshot",
    "contract_days_left": "days until the active contract ends",
    "p_alive": "MBG/NBD probability that the customer is still active",
    "expected_purchases": "MBG/NBD expected purchases within the horizon",
}

#: m of the shrunk typical gap: the shop's rhythm counts as this many of the customer's
#: own gaps. It is Buhlmann's credibility constant, E[variance of a customer's gaps] /
#: Var[customers' mean gaps], which is 3.0 on the demo shop (5,000 customers, seed 1);
#: it also means what it should: two orders a day apart (n = 1) in a shop whose typical
#: gap is 40 days give (1 + 3 x 40) / 4 = 30 days, not "buys every day", and a customer's
#: own rhythm outweighs the shop's from the fourth gap on.
RHYTHM_PRIOR_GAPS = 3.0

#: Features that count or sum events: 0 when the source or the events are missing.
ZERO_WHEN_MISSING = (
    "frequency", "orders_30d", "orders_90d", "orders_365d", "orders_prev_90d", "revenue_30d",
    "revenue_90d", "revenue_365d", "trend_90d", "returns_365d", "returned_amount_365d",
    "return_share_365d", "detractor_answers_365d", "complaints_365d", "complaints_open",
    "interactions_90d", "inbound_90d", "messages_365d", "responses_365d", "subscribed")

@dataclass(frozen=True)
class Sources:
    """The optional canonical tables (`tenure.analytics.churn.sources`); None = absent."""

    feedback: ir.Table | None = None
    complaints: ir.Table | None = None
    interactions: ir.Table | None = None
    messages: ir.Table | None = None
    subscriptions: ir.Table | None = None


@dataclass
class Snapshot:
    """One snapshot's feature frame (active customers) and what happened on the way."""

    day: date
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def customer_days(tx: ir.Table) -> ir.Table:
    """Return one row per customer and day of the canonical transactions.

    Columns: ``customer_id, day`` (date), ``orders`` (order rows, or distinct order ids,
    with a non-negative amount), ``value`` (their amount), ``net`` (every amount, returns
    subtracted), ``returns`` (rows, or distinct order ids, with a negative amount),
    ``returned`` (their amount, positive), ``gap`` (days since the customer's previous
    purchase day, on purchase days after the first; else null).

    A day's gap looks only backwards, so the table serves every snapshot.
    """
    is_order = tx.amount >= 0
    is_return = tx.amount < 0
    if "order_id" in tx.columns:
        orders = tx.order_id.nunique(where=is_order)
        returns = tx.order_id.nunique(where=is_return)
    else:
        # 64-bit: the engine sums into 128-bit integers, slower in every snapshot's sums.
        orders = is_order.cast("int64").sum().cast("int64")
        returns = is_return.cast("int64").sum().cast("int64")
    days = tx.group_by(customer_id=tx.customer_id, day=tx.time.cast("date")).aggregate(
        orders=orders, value=tx.amount.sum(where=is_order).fill_null(0.0),
        net=tx.amount.sum(), returns=returns,
        returned=(-tx.amount).sum(where=is_return).fill_null(0.0),
    )
    purchase_day = ibis.ifelse(days.orders > 0, days.day, ibis.null("date"))
    before = ibis.window(group_by="customer_id", order_by="day", rows=(None, -1))
    days = days.mutate(previous=purchase_day.max().over(before))
    gap = days.day.delta(days.previous, unit="day")
    return days.mutate(gap=ibis.ifelse(days.orders > 0, gap, ibis.null("int64"))).drop(
        "previous")


def shop_gap(days: ir.Table | CustomerDays, day: date) -> float | None:
    """Return the shop's typical gap as of ``day``: the median of the repeat buyers' typical
    gaps (each the median of their days between purchase days); None when nobody bought
    twice by then."""
    if not isinstance(days, ir.Table):
        return days.shop_gap(day)
    seen = days.filter((days.day <= day) & days.gap.notnull())
    per = seen.group_by("customer_id").aggregate(gap=seen.gap.median())
    value = per.aggregate(shop=per.gap.median()).to_pandas()["shop"].iloc[0]
    return None if pd.isna(value) else float(value)


def cutoff(snapshot: date) -> datetime:
    """Return midnight ending ``snapshot``: what a snapshot sees is strictly before it."""
    return datetime.combine(snapshot + timedelta(days=1), time())


def snapshot_dates(snapshots: Iterable[date]) -> ir.Table:
    """Return the snapshots as a small table: ``snapshot`` (date) and ``cutoff``."""
    dates = sorted(set(snapshots))
    return ibis.memtable(pa.table({
        "snapshot": pa.array(dates, pa.date32()),
        "cutoff": pa.array([cutoff(d) for d in dates], pa.timestamp("us")),
    }))


def snapshot_table(days: ir.Table, snapshots: Iterable[date], *, horizon: Horizon,
                   window_days: int, sources: Sources) -> ir.Table:
    """Return the engine's feature table at every one of ``snapshots`` in one query.

    One row per snapshot and customer who bought by it or holds a contract active at it:
    ``snapshot``, ``customer_id``, ``active`` (in the snapshot's population: bought within
    ``window_days`` or subscribed) and the features of `FEATURES` except ``p_alive`` and
    ``expected_purchases``. Each source is joined to the snapshots on "before the
    snapshot's cutoff", so no row sees anything after its own snapshot.
    """
    snaps = snapshot_dates(snapshots)
    base = _purchase_features(days, snaps, horizon)
    if sources.subscriptions is not None:
        subs = _subscription_features(sources.subscriptions, snaps)
        joined = base.outer_join(subs, _keys(base, subs))
        base = joined.select(
            snapshot=ibis.coalesce(base.snapshot, subs.snapshot),
            customer_id=ibis.coalesce(base.customer_id, subs.customer_id),
            **{c: base[c] for c in base.columns if c not in _KEYS},
            subscribed=subs.subscribed, contract_days_left=subs.contract_days_left)
        base = base.mutate(horizon_days=base.horizon_days.fill_null(
            _default_horizon(horizon)))
    else:
        base = base.mutate(subscribed=ibis.literal(0), contract_days_left=_nan())
    parts: list[tuple[ir.Table | None, Any]] = [
        (sources.feedback, _feedback_features),
        (sources.complaints, _complaint_features),
        (sources.interactions, _interaction_features),
        (sources.messages, _message_features),
    ]
    for table, make in parts:
        base = _attach(base, make(table, snaps) if table is not None else None,
                       _NEUTRAL[make])
    active = (base.recency_days < window_days).fill_null(False) | (
        base.subscribed.fill_null(0) > 0)
    counts = {c: base[c].fill_null(0) for c in ZERO_WHEN_MISSING}
    return base.mutate(active=active, **counts)


_KEYS = ("snapshot", "customer_id")


def _keys(left: ir.Table, right: ir.Table) -> list[ir.BooleanValue]:
    return [left[k] == right[k] for k in _KEYS]


def _purchase_features(days: ir.Table, snaps: ir.Table, horizon: Horizon) -> ir.Table:
    d = days.join(snaps, days.day <= snaps.snapshot)
    # Whole days before the snapshot, once a row: comparing each date with the snapshot
    # minus an interval made a timestamp of both, in every one of the sums below.
    d = d.mutate(age=d.snapshot.delta(d.day, unit="day"))

    def within(n: int, end: int = 0) -> ir.BooleanValue:
        # Days (s - n, s - end]: "the last n days", s included.
        return (d.age < n) & (d.age >= end)

    bought = d.orders > 0
    per = d.group_by(list(_KEYS)).aggregate(
        first=d.day.min(where=bought), last=d.day.max(where=bought),
        purchase_days=bought.cast("int64").sum(),
        orders_all=d.orders.sum(), net_all=d.net.sum(),
        orders_30d=d.orders.sum(where=within(30)),
        orders_90d=d.orders.sum(where=within(90)),
        orders_365d=d.orders.sum(where=within(365)),
        orders_prev_90d=d.orders.sum(where=within(180, 90)),
        revenue_30d=d.net.sum(where=within(30)),
        revenue_90d=d.net.sum(where=within(90)),
        revenue_365d=d.net.sum(where=within(365)),
        returns_365d=d.returns.sum(where=within(365)),
        returned_amount_365d=d.returned.sum(where=within(365)),
        bought_365d=d.value.sum(where=within(365)),
        typical_gap_days=d.gap.median(),
    ).filter(lambda t: t.purchase_days > 0)
    recent = per.orders_90d.fill_null(0)
    before = per.orders_prev_90d.fill_null(0)
    returned = per.returned_amount_365d.fill_null(0.0)
    bought_value = per.bought_365d.fill_null(0.0)
    own = per.typical_gap_days.cast("float64")
    # The shop's typical gap at each snapshot: the median over its repeat buyers.
    shop = own.median().over(ibis.window(group_by="snapshot"))
    n = (per.purchase_days - 1).cast("float64")
    gap = (n * own.fill_null(0.0) + RHYTHM_PRIOR_GAPS * shop) / (n + RHYTHM_PRIOR_GAPS)
    recency = per.snapshot.delta(per["last"], unit="day")
    per = per.mutate(
        recency_days=recency.cast("float64"),
        frequency=per.purchase_days - 1,
        tenure_days=per.snapshot.delta(per["first"], unit="day").cast("float64"),
        average_check=per.net_all / per.orders_all.nullif(0),
        trend_90d=ibis.ifelse(recent + before > 0,
                              (recent - before).cast("float64") / (recent + before), 0.0),
        typical_gap_days=gap,
        horizon_days=_horizon_days(own, shop, horizon),
        overdue_ratio=recency.cast("float64") / gap.nullif(0.0),
        return_share_365d=ibis.ifelse(
            bought_value > 0, ibis.least(returned / bought_value, 1.0),
            ibis.ifelse(returned > 0, 1.0, 0.0)),
        revenue_30d=per.revenue_30d.fill_null(0.0),
        revenue_90d=per.revenue_90d.fill_null(0.0),
        revenue_365d=per.revenue_365d.fill_null(0.0),
    )
    return per.select(*_KEYS, *[c for c in FEATURES if c in per.columns])


def _horizon_days(gap: ir.FloatingValue, shop: ir.FloatingValue, horizon: Horizon
                  ) -> ir.IntegerValue:
    if horizon.days is not None:
        return ibis.literal(int(horizon.days))
    raw = (horizon.k * ibis.coalesce(gap, shop)).round()
    clipped = ibis.greatest(ibis.least(raw, horizon.max_days), horizon.min_days)
    return clipped.fill_null(horizon.max_days).cast("int64")


def _default_horizon(horizon: Horizon) -> int:
    """The horizon of a subscriber who never bought: the fixed one, or the longest."""
    return horizon.longest


def _feedback_features(fb: ir.Table, snaps: ir.Table) -> ir.Table:
    seen = fb.join(snaps, (fb.time < snaps.cutoff) & fb.score.notnull())
    nps = seen.filter(seen.kind == "nps")
    order = ibis.window(group_by=list(_KEYS),
                        order_by=[ibis.desc("time"), ibis.desc("score")])
    nps = nps.mutate(rank=ibis.row_number().over(order))
    last_two = nps.group_by(list(_KEYS)).aggregate(
        nps_last=nps.score.max(where=nps["rank"] == 0),
        nps_previous=nps.score.max(where=nps["rank"] == 1),
        detractor_answers_365d=((nps.score <= 6)
                                & (nps.time >= nps.cutoff - ibis.interval(days=365))).sum(),
    )
    others = seen.group_by(list(_KEYS)).aggregate(
        csat_last=seen.score.argmax(seen.time, where=seen.kind == "csat"),
        ces_last=seen.score.argmax(seen.time, where=seen.kind == "ces"),
    )
    joined = others.left_join(last_two, _keys(others, last_two))
    out = joined.select(others.snapshot, others.customer_id, last_two.nps_last,
                        last_two.nps_previous, last_two.detractor_answers_365d,
                        others.csat_last, others.ces_last)
    return out.mutate(
        nps_last=out.nps_last.cast("float64"),
        nps_previous=out.nps_previous.cast("float64"),
        nps_change=(out.nps_last - out.nps_previous).cast("float64"),
        csat_last=out.csat_last.cast("float64"),
        ces_last=out.ces_last.cast("float64"),
    )


def _complaint_features(complaints: ir.Table, snaps: ir.Table) -> ir.Table:
    seen = complaints.join(snaps, complaints.opened_at < snaps.cutoff)
    still_open = seen.resolved_at.isnull() | (seen.resolved_at >= seen.cutoff)
    recent = seen.opened_at >= seen.cutoff - ibis.interval(days=365)
    return seen.group_by(list(_KEYS)).aggregate(
        complaints_365d=recent.cast("int64").sum(),
        complaints_open=still_open.cast("int64").sum(),
    )


def _interaction_features(interactions: ir.Table, snaps: ir.Table) -> ir.Table:
    seen = interactions.join(snaps, interactions.time < snaps.cutoff)
    recent = seen.time >= seen.cutoff - ibis.interval(days=90)
    if "direction" in interactions.columns:
        inbound = seen.direction.cast("string").strip().lower().isin(INBOUND).fill_null(False)
    else:
        inbound = ibis.literal(False)
    per = seen.group_by(list(_KEYS)).aggregate(
        interactions_90d=recent.cast("int64").sum(),
        inbound_90d=(recent & inbound).cast("int64").sum(),
        last=seen.time.max().cast("date"),
    )
    return per.mutate(
        days_since_interaction=per.snapshot.delta(per["last"], unit="day").cast("float64"))


def _message_features(messages: ir.Table, snaps: ir.Table) -> ir.Table:
    seen = messages.join(snaps, (messages.sent_at < snaps.cutoff)
                         & (messages.sent_at >= snaps.cutoff - ibis.interval(days=365)))
    responded = seen.responded_at.notnull() & (seen.responded_at < seen.cutoff)
    per = seen.group_by(list(_KEYS)).aggregate(
        messages_365d=seen.count(), responses_365d=responded.cast("int64").sum())
    return per.mutate(response_rate_365d=per.responses_365d.cast("float64")
                      / per.messages_365d.nullif(0))


def _subscription_features(subscriptions: ir.Table, snaps: ir.Table) -> ir.Table:
    start, end = subscriptions.start.cast("date"), subscriptions.end.cast("date")
    contracts = subscriptions.select("customer_id", start=start, end=end)
    active = contracts.join(snaps, (contracts.start <= snaps.snapshot)
                            & (contracts.end.isnull() | (contracts.end > snaps.snapshot)))
    per = active.group_by(list(_KEYS)).aggregate(
        contracts=active.count(),
        open_ended=active.end.isnull().cast("int64").max(),
        latest_end=active.end.max(),
    )
    left = per.latest_end.delta(per.snapshot, unit="day").cast("float64")
    return per.select(*_KEYS, subscribed=(per.contracts > 0).cast("int64"),
                      contract_days_left=ibis.ifelse(per.open_ended > 0, _nan(), left))


def _nan() -> ir.FloatingValue:
    return ibis.null("float64")


#: The columns each optional source adds (filled with neutral values when it is absent).
_NEUTRAL = {
    _feedback_features: ("nps_last", "nps_previous", "nps_change", "detractor_answers_365d",
                         "csat_last", "ces_last"),
    _complaint_features: ("complaints_365d", "complaints_open"),
    _interaction_features: ("interactions_90d", "inbound_90d", "days_since_interaction"),
    _message_features: ("messages_365d", "responses_365d", "response_rate_365d"),
}


def _attach(base: ir.Table, part: ir.Table | None, names: Iterable[str]) -> ir.Table:
    """Left-join ``part``'s feature columns onto ``base``; null columns when it is None."""
    if part is None:
        return base.mutate(**{n: _nan() for n in names})
    joined = base.left_join(part, _keys(base, part))
    return joined.select(base, *[part[n] for n in names])


# -- one snapshot, executed -----------------------------------------------------------------


def compute_snapshots(days: ir.Table | CustomerDays, snapshots: Iterable[date], *,
                      horizon: Horizon, window_days: int, sources: Sources
                      ) -> dict[date, Snapshot]:
    """Return the features of the customers active at each snapshot, as pandas frames.

    Each frame has ``customer_id``, then `FEATURES` (float64), sorted by customer. The
    engine computes every snapshot in one query, or, from customer-days held as arrays
    (`tenure.analytics.churn.daily`, without optional sources), numpy computes each;
    MBG/NBD adds the BTYD features from the same rows (`btyd_features`), fitted on each
    snapshot's own customers.
    """
    dates = sorted(set(snapshots))
    if not isinstance(days, ir.Table):
        if sources != Sources():
            raise ValueError("customer-days held as arrays serve snapshots without sources")
        out = {}
        for s in dates:
            ids, active, columns = days.purchase_features(s, horizon, window_days)
            out[s] = _snapshot(ids, active, columns.get, s)
            del columns
        return out
    table = snapshot_table(days, dates, horizon=horizon, window_days=window_days,
                           sources=sources)
    # Floats from the engine: its sums of counts are 128-bit integers, which reach Python
    # as Decimal objects a row at a time. Sorted by the engine: MBG/NBD's fit sums over
    # the rows, so a fixed order keeps the results identical from run to run.
    panel = table.select(
        *_KEYS, "active",
        **{c: table[c].cast("float64") for c in FEATURES if c in table.columns},
    ).order_by(list(_KEYS)).to_pyarrow()
    day = panel["snapshot"].to_numpy()
    wanted = np.array(dates, dtype="datetime64[D]")
    starts = np.searchsorted(day, wanted, side="left")
    ends = np.searchsorted(day, wanted, side="right")
    return {s: _panel_snapshot(panel.slice(a, b - a), s)
            for s, a, b in zip(dates, starts, ends, strict=True)}


def _panel_snapshot(panel: pa.Table, snapshot: date) -> Snapshot:
    """Return one snapshot's active customers from its rows of the engine's panel."""
    active = panel["active"].to_numpy(zero_copy_only=False).astype(bool)

    def column(name: str) -> np.ndarray | None:
        # A column at a time: no copy of the whole panel.
        return panel[name].to_numpy() if name in panel.column_names else None

    return _snapshot(panel["customer_id"], active, column, snapshot)


def _snapshot(ids: Any, active: np.ndarray, column: Callable[[str], np.ndarray | None],
              snapshot: date) -> Snapshot:
    """Return one snapshot's active customers from the features of its customers who
    bought: ``ids`` (Arrow or numpy) in key order, ``column(name)`` a feature's float64
    values or None, which is neutral: 0 for counts, NaN otherwise."""
    def purchases(name: str) -> np.ndarray:
        found = column(name)
        if found is None:
            raise ValueError(f"the snapshot has no {name}")
        return found

    p_alive, expected, notes = btyd_features(
        *(purchases(c) for c in ("frequency", "recency_days", "tenure_days",
                                 "horizon_days")), snapshot=snapshot)
    # MBG/NBD learns from every customer who bought; the frame keeps the active ones.
    btyd = {"p_alive": p_alive, "expected_purchases": expected}
    values = np.empty((int(active.sum()), len(FEATURES)), order="F")
    for j, name in enumerate(FEATURES):
        found = btyd[name] if name in btyd else column(name)
        if found is None:
            values[:, j] = 0.0 if name in ZERO_WHEN_MISSING else np.nan
        else:
            values[:, j] = found[active]
    frame = pd.DataFrame(values, columns=list(FEATURES))
    if isinstance(ids, np.ndarray):
        frame.insert(0, "customer_id", ids[active])
        return Snapshot(snapshot, frame, notes)
    # Text ids as pandas strings; whole-number keys (`tenure.analytics.analyze`) as they are.
    ids = ids.filter(pa.array(active)).to_pandas()
    frame.insert(0, "customer_id", ids if pd.api.types.is_integer_dtype(ids.dtype)
                 else ids.astype("string"))
    return Snapshot(snapshot, frame, notes)


def churn_features(tx: Any, snapshot: Any, *, horizon: Any = "auto",
                   window_days: int = 365, feedback: Any = None, complaints: Any = None,
                   interactions: Any = None, messages: Any = None,
                   subscriptions: Any = None, con: Any = None) -> pd.DataFrame:
    """Return the churn features of every customer active at ``snapshot``.

    Parameters
    ----------
    tx : ibis.Table, pandas.DataFrame or pyarrow.Table
        Canonical transactions (`tenure.analytics.frames.transactions`).
    snapshot : date, datetime or ISO string
        The day the features are computed as of; nothing after it is read.
    horizon : "auto", int, "rhythm" or Horizon
        The churn horizon (`tenure.analytics.churn.horizon`); it is a feature itself.
        "auto": the shop's rhythm as of the snapshot (`snapshot_horizon`).
    window_days : int
        A customer is in the population when they bought within this many days up to the
        snapshot (or hold an active contract).
    feedback, complaints, interactions, messages, subscriptions : table, optional
        The optional sources (`tenure.analytics.churn.sources`).
    con : ibis DuckDB backend, optional
        The connection that reads frames (a new in-memory DuckDB when omitted).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` and the `FEATURES` columns, one row per active customer, sorted
        by ``customer_id``.
    """
    from .inputs import prepare  # inputs reads this module's customer_days

    data = prepare(tx, con=con, feedback=feedback, complaints=complaints,
                   interactions=interactions, messages=messages, subscriptions=subscriptions)
    try:
        day = data.day_of(snapshot, "snapshot")
        result = compute_snapshots(data.days, [day],
                                   horizon=snapshot_horizon(horizon, data.days, day),
                                   window_days=check_window_days(window_days),
                                   sources=data.sources)[day]
    finally:
        data.close()
    for note in result.notes:
        warnings.warn(note, stacklevel=2)
    return result.frame


def snapshot_horizon(horizon: Any, days: ir.Table | CustomerDays, snapshot: date,
                     fits: Callable[[int], bool] = lambda _: True) -> Horizon:
    """Return the `Horizon` meant by ``horizon`` at one snapshot.

    "auto" is the shop's rhythm as of the snapshot (`choose_horizon` on `shop_gap`),
    among the horizons ``fits`` accepts; anything else is `as_horizon`'s.
    """
    if isinstance(horizon, str) and horizon == "auto":
        return choose_horizon(shop_gap(days, snapshot), fits)
    return as_horizon(horizon)


def check_window_days(window_days: Any) -> int:
    """Return ``window_days`` when it is a whole number of days >= 1, else raise."""
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise InputError(f"window_days must be a whole number of days >= 1; "
                         f"got {window_days!r}.")
    return window_days
