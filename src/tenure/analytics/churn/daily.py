"""Customer-days and the snapshots' purchase features from sorted arrays.

The engine builds the customer-days (`tenure.analytics.churn.features.customer_days`)
with a group-by and a window over every transaction, and each snapshot's purchase
features with a join of the customer-days to the snapshots and a group-by of the result:
on ten million purchases of a million customers some ten seconds for the first and six
for each snapshot. From the transactions sorted by customer and time
(`tenure.analytics.history`) a customer-day is a run of rows, a customer a run of
customer-days, and a snapshot sees a prefix of each customer's run: the customer-days
are run-length sums, a customer's previous purchase day is the previous purchase-day row
(a shift, not a window), and a sum over the days (s - n, s] is the difference of two
cumulative sums at positions found by binary search. Each is a few passes of numpy. The
labels' next purchase after a snapshot is found the same way, and the training sample
draws the engine's customers.

They compute what the engine computes, and the tests compare the two on the same data:
counts, days and medians to the last bit; sums of money, which the engine adds as floats
in an order that depends on its threads, are added here as whole numbers of
``10 ** -MONEY_PLACES`` (exact) and agree to the last few bits.

The arrays apply without the optional sources and without order ids (distinct order ids
are counted by the engine); `prepare` keeps the engine's tables otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import history as history_
from ..history import SCALE, History, run_starts
from ..periods import period_index, start_of_index
from .features import RHYTHM_PRIOR_GAPS
from .horizon import Horizon


@dataclass
class CustomerDays:
    """One row per customer and day with a transaction, sorted by customer and day.

    Attributes
    ----------
    customer : ndarray of int64
        The customer's key (ascending).
    day : ndarray of int32
        Days since 1970-01-01 (ascending within a customer).
    orders, returns : ndarray of int32
        Rows with a non-negative amount; rows with a negative amount.
    value, returned : ndarray of int64
        Their amounts in units of ``10 ** -MONEY_PLACES`` (``returned`` positive); the
        day's net amount is ``value - returned``.
    """

    customer: np.ndarray
    day: np.ndarray
    orders: np.ndarray
    returns: np.ndarray
    value: np.ndarray
    returned: np.ndarray
    _index: _Index | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.customer)

    @property
    def index(self) -> _Index:
        """The positions every snapshot searches (built once, on first use)."""
        if self._index is None:
            self._index = _Index(self)
        return self._index

    def to_arrow(self) -> pa.Table:
        """Return `features.customer_days`' table: its columns, types and values."""
        purchase = self.orders > 0
        gap = _gaps(self.customer, self.day, purchase)
        return pa.table({
            "customer_id": self.customer,
            "day": pa.array(self.day.astype("datetime64[D]")),
            "orders": self.orders.astype("int64"),
            "value": self.value / SCALE,
            "net": (self.value - self.returned) / SCALE,
            "returns": self.returns.astype("int64"),
            "returned": self.returned / SCALE,
            "gap": pa.array(gap.astype("int64"), mask=gap < 0),
        })

    def extent(self) -> tuple[date, date, int] | None:
        """Return the first purchase day, the last day and the customers who bought;
        None when nobody bought."""
        purchase = self.orders > 0
        if not purchase.any():
            return None
        buyers = self.customer[purchase]
        return (_date(int(self.day[purchase].min())), _date(int(self.day.max())),
                len(run_starts(buyers)))

    def sample(self, fraction: float, *, seed: int = 0) -> CustomerDays:
        """Return the customer-days of a deterministic sample of ``fraction`` customers.

        The draw of `tenure.analytics.churn.inputs.Prepared.sample`: one uniform number
        per customer in key order, kept below ``fraction``.
        """
        if fraction >= 1:
            return self
        starts = run_starts(self.customer)
        chosen = np.random.default_rng(seed).random(len(starts)) < fraction
        return self._rows(np.repeat(chosen, np.diff(np.r_[starts, len(self.customer)])))

    def until(self, day: date) -> CustomerDays:
        """Return the customer-days on or before ``day``."""
        keep = self.day <= _number(day)
        return self if keep.all() else self._rows(keep)

    def _rows(self, keep: np.ndarray) -> CustomerDays:
        """Return the customer-days where ``keep``."""
        return CustomerDays(self.customer[keep], self.day[keep], self.orders[keep],
                            self.returns[keep], self.value[keep], self.returned[keep])

    def purchase_features(self, snapshot: date, horizon: Horizon, window_days: int
                          ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Return `purchase_features` of these customer-days."""
        return purchase_features(self, snapshot, horizon, window_days)

    def shop_gap(self, day: date) -> float | None:
        """Return `shop_gap` of these customer-days."""
        return shop_gap(self, day)

    def next_purchase_days(self, frames: dict[date, pd.DataFrame], longest: int
                           ) -> dict[date, np.ndarray]:
        """Return `next_purchase_days` of these customer-days."""
        return next_purchase_days(self, frames, longest)

    def release(self) -> None:
        """Let the arrays go (the object is empty afterwards)."""
        empty = np.zeros(0, dtype="int64")
        self.customer = self.day = self.orders = self.returns = empty
        self.value = self.returned = empty
        self._index = None


def customer_days(history: History) -> CustomerDays:
    """Return the customer-days of ``history`` (`features.customer_days`, computed here)."""
    days = history_.customer_days(history)
    return CustomerDays(customer=days.customer, day=days.day.astype("int32"),
                        orders=days.orders.astype("int32"),
                        returns=(days.rows - days.orders).astype("int32"),
                        value=days.value, returned=days.value - days.net)


def _gaps(customer: np.ndarray, day: np.ndarray, purchase: np.ndarray) -> np.ndarray:
    """Return each row's days since the customer's previous purchase day on purchase days
    after their first, else -1."""
    rows = np.flatnonzero(purchase)
    gap = np.full(len(day), -1, dtype=day.dtype)
    same = customer[rows[1:]] == customer[rows[:-1]]
    gap[rows[1:][same]] = (day[rows[1:]] - day[rows[:-1]])[same]
    return gap


class _Index:
    """Where each customer's rows are, found once for every snapshot.

    A row's code is ``customer number x width + day offset``: ascending, so the rows of
    customer c on or before day t end where ``c x width + offset(t)`` would be inserted.
    The purchase days have their own codes; their gaps (on purchase days after the first)
    are kept sorted by customer and gap, with their days, so that the gaps a snapshot
    sees, filtered in that order, are sorted and their medians are read by position.
    """

    def __init__(self, days: CustomerDays):
        starts = run_starts(days.customer)
        self.starts, self.customers = starts, days.customer[starts]
        self.base = int(days.day.min()) - 1 if len(days) else 0
        self.width = (int(days.day.max()) - self.base + 2) if len(days) else 2
        number = np.repeat(np.arange(len(starts), dtype="int64"),
                           np.diff(np.r_[starts, len(days)]))
        self.code = number * self.width
        self.code += days.day
        self.code -= self.base
        rows = np.flatnonzero(days.orders > 0)
        self.purchase_code = self.code[rows]
        self.purchase_day = days.day[rows]
        self.purchase_starts = np.searchsorted(
            self.purchase_code, np.arange(len(starts), dtype="int64") * self.width)
        number = number[rows]
        del rows
        same = number[1:] == number[:-1]
        gap = np.diff(self.purchase_day)[same]
        self.gap, self.gap_day = _by_customer_and_gap(number[1:][same], gap,
                                                      self.purchase_day[1:][same])

    def offset(self, day: int) -> int:
        """Return ``day``'s offset in a code, clipped into the width."""
        return min(max(day - self.base, 0), self.width - 1)


def _by_customer_and_gap(number: np.ndarray, gap: np.ndarray, day: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``gap`` and ``day`` sorted by customer ``number`` (ascending), then gap."""
    if not len(gap):
        return gap, day
    low = int(day.min())
    gap_bits = int(gap.max()).bit_length()
    day_bits = (int(day.max()) - low).bit_length()
    if int(number[-1]).bit_length() + gap_bits + day_bits <= 62:
        # One sort of whole numbers (customer, gap, day in bit fields), unpacked by
        # shifts. They come sorted by customer: the stable sort (runs merged) orders each
        # customer's few gaps in a third of the time of quicksort.
        packed = (number << (gap_bits + day_bits)) | (gap.astype("int64") << day_bits)
        packed |= day - low
        packed.sort(kind="stable")
        day_of = (packed & ((1 << day_bits) - 1)).astype(day.dtype)
        day_of += low
        packed >>= day_bits
        packed &= (1 << gap_bits) - 1
        return packed.astype(gap.dtype), day_of
    order = np.argsort(number * (int(gap.max()) + 1) + gap, kind="stable")
    return gap[order], day[order]


def shop_gap(days: CustomerDays, day: date) -> float | None:
    """Return `features.shop_gap` of ``days`` as of ``day``, computed here."""
    _, own, repeat = _own_gaps(days.index, _number(day))
    value = float(np.median(own[repeat])) if repeat.any() else np.nan
    return None if np.isnan(value) else value


def _own_gaps(index: _Index, s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each customer's purchase days up to day ``s``, the median of their gaps
    (NaN with none) and whether they have gaps."""
    bound = np.arange(len(index.starts), dtype="int64") * index.width + index.offset(s)
    purchase_days = np.searchsorted(index.purchase_code, bound, side="right") \
        - index.purchase_starts
    gaps = np.maximum(purchase_days - 1, 0)
    seen = index.gap[index.gap_day <= s]
    first = np.cumsum(gaps) - gaps
    repeat = gaps > 0
    own = np.full(len(gaps), np.nan)
    low = seen[(first + (gaps - 1) // 2)[repeat]]
    high = seen[(first + gaps // 2)[repeat]]
    # The engine's continuous median: the middle gap, or halfway between the two middle
    # ones (whole days, so exact).
    own[repeat] = low + (high - low) * 0.5
    return purchase_days, own, repeat


def purchase_features(days: CustomerDays, snapshot: date, horizon: Horizon,
                      window_days: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Return one snapshot's customers who bought by it, whether each is active and their
    purchase features.

    The rows, values and meaning of `features.snapshot_table` without optional sources
    (its docstring and `tenure.analytics.churn.features` define them): customers in key
    order; the features of `FEATURES` the purchases give, as float64 (NaN where the
    engine has none). `features.compute_snapshots` gives the others their neutral value
    (0 for counts, NaN otherwise) and adds MBG/NBD's.
    """
    index = days.index
    s = _number(snapshot)
    purchase_days, own, repeat = _own_gaps(index, s)
    shop = float(np.median(own[repeat])) if repeat.any() else np.nan
    keep = purchase_days > 0
    number = np.flatnonzero(keep)
    purchase_days, own = purchase_days[keep], own[keep]
    first = index.purchase_day[index.purchase_starts[keep]]
    last = index.purchase_day[index.purchase_starts[keep] + purchase_days - 1]
    lead = number * index.width

    def end(day: int) -> np.ndarray:
        return np.searchsorted(index.code, lead + index.offset(day), side="right")

    ends: dict[int | None, np.ndarray] = {age: end(s - age) for age in (0, 30, 90, 180, 365)}
    ends[None] = index.starts[keep]

    def within(values: np.ndarray, *windows: tuple[int | None, int]) -> list[np.ndarray]:
        # Each window (n, until) is the days (s - n, s - until]: "the last n days", s
        # included (n None: from the first day). Sums of whole numbers: exact.
        total = np.zeros(len(values) + 1, dtype="int64")
        np.cumsum(values, out=total[1:])
        return [total[ends[until]] - total[ends[n]] for n, until in windows]

    orders_30d, recent, orders_365d, before, orders_all = within(
        days.orders, (30, 0), (90, 0), (365, 0), (180, 90), (None, 0))
    net_30d, net_90d, net_365d, net_all = within(
        days.value - days.returned, (30, 0), (90, 0), (365, 0), (None, 0))
    bought, returned = (units / SCALE for units in (
        *within(days.value, (365, 0)), *within(days.returned, (365, 0))))
    (returns_365d,) = within(days.returns, (365, 0))
    n = (purchase_days - 1).astype("float64")
    gap = (n * np.nan_to_num(own, nan=0.0) + RHYTHM_PRIOR_GAPS * shop) / (n + RHYTHM_PRIOR_GAPS)
    recency = (s - last).astype("float64")
    both = recent + before
    with np.errstate(divide="ignore", invalid="ignore"):
        features = {
            "recency_days": recency,
            "frequency": n,
            "tenure_days": (s - first).astype("float64"),
            "orders_30d": orders_30d, "orders_90d": recent,
            "orders_365d": orders_365d, "orders_prev_90d": before,
            "revenue_30d": net_30d / SCALE, "revenue_90d": net_90d / SCALE,
            "revenue_365d": net_365d / SCALE,
            "average_check": np.where(orders_all != 0, net_all / SCALE / orders_all, np.nan),
            "trend_90d": np.where(both > 0, (recent - before) / np.maximum(both, 1), 0.0),
            "typical_gap_days": gap,
            "overdue_ratio": np.where(gap != 0, recency / gap, np.nan),
            "horizon_days": _horizon_days(own, shop, horizon, len(own)),
            "returns_365d": returns_365d,
            "returned_amount_365d": returned,
            "return_share_365d": np.where(bought > 0, np.minimum(returned / bought, 1.0),
                                          np.where(returned > 0, 1.0, 0.0)),
        }
    active = recency < window_days
    return (index.customers[keep], active,
            {name: np.asarray(values, dtype="float64") for name, values in features.items()})


def _horizon_days(own: np.ndarray, shop: float, horizon: Horizon, rows: int) -> np.ndarray:
    """Return `features._horizon_days`: the fixed horizon, or each customer's rhythm."""
    if horizon.days is not None:
        return np.full(rows, int(horizon.days), dtype="int64")
    raw = horizon.k * np.where(np.isnan(own), shop, own)
    # The engine's ROUND: halves away from zero (numpy's rint takes them to even).
    whole = np.trunc(raw)
    raw = whole + np.sign(raw) * (np.abs(raw - whole) >= 0.5)
    clipped = np.maximum(np.minimum(raw, horizon.max_days), horizon.min_days)
    return np.where(np.isnan(clipped), horizon.max_days, clipped).astype("int64")


def next_purchase_days(days: CustomerDays, frames: dict[date, pd.DataFrame], longest: int
                       ) -> dict[date, np.ndarray]:
    """Return `tenure.analytics.churn.labels.next_purchase_days` of ``days``, computed here:
    the days from each snapshot to each frame customer's next purchase day within
    ``longest`` days after it (NaN: none)."""
    index = days.index
    out = {}
    for snapshot, frame in frames.items():
        s = _number(snapshot)
        ids = frame["customer_id"].to_numpy()
        number = np.searchsorted(index.customers, ids)
        found = (number < len(index.customers)) & (
            index.customers[np.minimum(number, len(index.customers) - 1)] == ids)
        at = np.searchsorted(index.purchase_code,
                             number * index.width + index.offset(s), side="right")
        gap = np.full(len(ids), np.nan)
        ok = found & (at < len(index.purchase_code))
        at = at[ok]
        after = index.purchase_day[at] - s
        near = (index.purchase_code[at] // index.width == number[ok]) & (after <= longest)
        gap[np.flatnonzero(ok)[near]] = after[near]
        out[snapshot] = gap
    return out


def _number(day: date) -> int:
    """Return ``day`` as days since 1970-01-01."""
    return int(period_index(day, "day"))


def _date(number: int) -> date:
    return start_of_index(number, "day")
