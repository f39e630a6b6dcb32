"""Why a customer is at risk: the model's own feature contributions, as structured reasons.

The booster's TreeSHAP contributions (`ChurnModel.contributions`, in log-odds) of related
features are summed into a *family* (`FAMILIES`): how long since the last purchase against
the customer's own rhythm, how their orders went, returns, feedback, complaints, contacts,
campaign responses, the contract, the BTYD outlook. The families that raise this
customer's risk most (at least `MIN_IMPACT` each) become up to `MAX_REASONS` reasons, each a
stable ``code`` with the numbers a sentence needs, e.g.::

    {"code": "overdue", "days": 94, "usual_gap": 30, "impact": 0.81}

(``impact`` is the family's contribution in log-odds). Contributions are measured from the
average training row's log-odds (the booster's bias), so a reason says what raises this
customer's risk *above the average*: a customer whose families all lower it (in a shop
where most customers churn, even one with a 60 % risk) gets no reason.

A family becomes a reason only when the customer's own numbers say something true in its
words: a complaints family raising the risk of a customer with no complaint (the model
reading "no complaint" as a risk) gives no reason, and the next family is taken.
`tenure.analytics.churn.sentences.describe` turns a reason into English, Russian or
Ukrainian.

Codes and their numbers:

====================== =========================================================
code                   numbers
====================== =========================================================
overdue                days (since the last purchase), usual_gap (typical gap, shrunk)
no_recent_purchase     days
fewer_orders           recent (orders in the last 90 days), before (the 90 before)
one_purchase           days (since that purchase)
few_orders             orders (in the last 365 days)
returns                count (in the last 365 days)
nps_fell               before, after (the two last NPS answers)
nps_detractor          score (the last NPS answer, 0-6)
low_csat               score (1-2)
hard_effort            score (CES 4-5)
detractor_answers      count (NPS answers 0-6 in the last 365 days)
complaints_open        count
complaints             count (in the last 365 days)
no_contact             days (since the last contact), or none: never
inbound_contacts       count (started by the customer in the last 90 days)
no_response            messages (received in 365 days, none answered)
few_responses          responses, messages
contract_ends          days
low_p_alive            percent
few_expected_purchases expected, days
like_most              percent (of customers who churn), days (the horizon)
====================== =========================================================

A rhythm is claimed ("usually buys every 30 days", ``overdue``) only for a customer with
at least `MIN_RHYTHM_GAPS` gaps between purchase days, and a typical gap of at least
`MIN_RHYTHM_DAYS`; the gap said is ``typical_gap_days``, the customer's own shrunk toward
the shop's (`tenure.analytics.churn.features`). Below that, the recency family says
only how long since the last purchase (``no_recent_purchase``): two orders a day apart
are no rhythm.

``like_most`` is the one reason that does not come from a family: a customer with none
(nothing raises their risk above the average, as in a shop where most customers churn)
is told the shop's own churn rate, so every scored customer gets a sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice, repeat
from typing import Any

import numpy as np
import pandas as pd

#: Reason family -> the features whose contributions it sums.
FAMILIES: dict[str, tuple[str, ...]] = {
    "recency": ("recency_days", "overdue_ratio", "typical_gap_days", "horizon_days"),
    "activity": ("frequency", "tenure_days", "orders_30d", "orders_90d", "orders_365d",
                 "orders_prev_90d", "revenue_30d", "revenue_90d", "revenue_365d",
                 "average_check", "trend_90d"),
    "returns": ("returns_365d", "returned_amount_365d", "return_share_365d"),
    "feedback": ("nps_last", "nps_previous", "nps_change", "detractor_answers_365d",
                 "csat_last", "ces_last"),
    "complaints": ("complaints_365d", "complaints_open"),
    "interactions": ("interactions_90d", "inbound_90d", "days_since_interaction"),
    "campaigns": ("messages_365d", "responses_365d", "response_rate_365d"),
    "subscription": ("subscribed", "contract_days_left"),
    "btyd": ("p_alive", "expected_purchases"),
}
#: Feature -> its family.
FAMILY_OF: dict[str, str] = {f: family for family, fs in FAMILIES.items() for f in fs}
#: At most this many reasons per customer.
MAX_REASONS = 3
#: A family must raise the log-odds by at least this much to be a reason.
MIN_IMPACT = 0.02

#: Gaps between purchase days a customer needs before a reason speaks of their rhythm.
#: With the shrinkage's prior weight of 3 gaps (`features.RHYTHM_PRIOR_GAPS`), from the
#: third gap on the customer's own rhythm weighs at least half of the gap said.
MIN_RHYTHM_GAPS = 3
#: No rhythm below a week: purchases are counted by day, and a few days between orders
#: is a basket completed, not a habit to be overdue against.
MIN_RHYTHM_DAYS = 7

Reason = dict[str, Any]
#: A family's reasons for every row: (code, whether it applies, its numbers), first
#: applicable first.
Rules = list[tuple[str, np.ndarray, dict[str, Any]]]


def reasons_for(features: pd.DataFrame, contributions: pd.DataFrame, *,
                limit: int = MAX_REASONS, shared: dict[tuple[Any, ...], Reason] | None = None
                ) -> list[list[Reason]]:
    """Return each customer's reasons, strongest first.

    Equal reasons (the same code, numbers and rounded impact) are one dict, shared by the
    customers who have it: a million customers have some 1.6 million reasons but tens of
    thousands of distinct ones, and a dict each held 350 MB. Treat them as read-only.

    Parameters
    ----------
    features : pandas.DataFrame
        The customers' feature rows (`tenure.analytics.churn.features.FEATURES`).
    contributions : pandas.DataFrame
        Their contributions (`ChurnModel.contributions`), same rows in the same order.
    limit : int
        Reasons per customer at most.
    shared : dict, optional
        The reasons made so far, by their values: pass one dict to calls on several chunks
        of the same customers so that they share their reasons too.

    Returns
    -------
    list of list of dict
        One list per row, each reason ``{"code": ..., <numbers>, "impact": ...}``.
    """
    shared = {} if shared is None else shared
    names = list(FAMILIES)
    impact = np.column_stack([
        contributions[list(FAMILIES[f])].to_numpy(dtype=float).sum(axis=1) for f in names])
    columns = {c: features[c].to_numpy(dtype=float) for c in FAMILY_OF}
    rules = [_RULES[f](columns) for f in names]
    # A family is a reason where it raises the risk enough and has something true to say;
    # the strongest `limit` of those, strongest first.
    says = np.column_stack([np.logical_or.reduce([applies for _, applies, _ in r])
                            for r in rules])
    order = np.argsort(-impact, axis=1, kind="stable")
    valid = np.take_along_axis((impact >= MIN_IMPACT) & says, order, axis=1)
    taken = valid & (np.cumsum(valid, axis=1) <= limit)
    rows, rank = np.nonzero(taken)  # row by row, strongest first
    family = order[rows, rank]
    made = np.empty(len(rows), dtype=object)
    for j, family_rules in enumerate(rules):
        at = np.flatnonzero(family == j)
        made[at] = _reasons(family_rules, rows[at], impact[rows[at], j], shared)
    found = iter(made.tolist())
    return [list(islice(found, n)) for n in np.bincount(rows, minlength=len(impact)).tolist()]


def _reasons(rules: Rules, rows: np.ndarray, impact: np.ndarray,
             shared: dict[tuple[Any, ...], Reason]) -> list[Reason]:
    """Return the reasons of one family at ``rows`` (each of which has one)."""
    out: list[Reason | None] = [None] * len(rows)
    left = np.ones(len(rows), dtype=bool)
    for code, applies, numbers in rules:
        here = np.flatnonzero(left & applies[rows])
        left[here] = False
        at = rows[here]
        values = [_plain(v, at) for v in numbers.values()]
        impacts = [round(x, 3) for x in impact[here].tolist()]
        keys = ["code", *numbers, "impact"]
        for i, value in zip(here.tolist(), zip(repeat(code), *values, impacts),
                            strict=True):
            reason = shared.get(value)
            if reason is None:
                reason = shared[value] = dict(zip(keys, value, strict=True))
            out[i] = reason
    return out  # type: ignore[return-value]


def _plain(values: Any, rows: np.ndarray) -> list[Any]:
    """Return ``values`` at ``rows`` as Python numbers."""
    if isinstance(values, _Tenths):
        return [round(x, 1) for x in values.values[rows].tolist()]
    return values[rows].tolist()


class _Tenths:
    """Numbers said to one decimal, rounded as Python rounds (`round(x, 1)`)."""

    def __init__(self, values: np.ndarray):
        self.values = values


def like_most(reasons: list[list[Reason]], churn_rate: float,
              horizons: np.ndarray) -> list[list[Reason]]:
    """Give each customer without a reason the ``like_most`` one: the shop's churn rate
    (a fraction) over their own horizon in days."""
    percent = round(100 * float(churn_rate))
    like: dict[int, Reason] = {}  # one dict per horizon, shared (see `reasons_for`)
    for days in np.unique(horizons).tolist():
        like[days] = {"code": "like_most", "percent": percent, "days": int(days),
                      "impact": 0.0}
    return [found or [like[days]]
            for found, days in zip(reasons, horizons.tolist(), strict=True)]


def _known(values: np.ndarray) -> np.ndarray:
    return ~np.isnan(values)


def _int(values: np.ndarray) -> np.ndarray:
    """Return whole numbers, rounded half to even as Python's ``round`` (NaN: 0, unused)."""
    return np.rint(np.nan_to_num(values)).astype(np.int64)


def _recency(c: dict[str, np.ndarray]) -> Rules:
    days, gap = c["recency_days"], c["typical_gap_days"]
    rhythm = (c["frequency"] >= MIN_RHYTHM_GAPS) & (gap >= MIN_RHYTHM_DAYS)
    return [
        ("overdue", _known(days) & rhythm & (days > gap),
         {"days": _int(days), "usual_gap": _int(gap)}),
        ("no_recent_purchase", _known(days), {"days": _int(days)}),
    ]


def _activity(c: dict[str, np.ndarray]) -> Rules:
    recent, before, tenure = c["orders_90d"], c["orders_prev_90d"], c["tenure_days"]
    return [
        ("fewer_orders", before > recent, {"recent": _int(recent), "before": _int(before)}),
        ("one_purchase", (c["frequency"] == 0) & _known(tenure), {"days": _int(tenure)}),
        ("few_orders", _known(tenure), {"orders": _int(c["orders_365d"])}),
    ]


def _returns(c: dict[str, np.ndarray]) -> Rules:
    return [("returns", c["returns_365d"] > 0, {"count": _int(c["returns_365d"])})]


def _feedback(c: dict[str, np.ndarray]) -> Rules:
    last, previous = c["nps_last"], c["nps_previous"]
    csat, ces, detractor = c["csat_last"], c["ces_last"], c["detractor_answers_365d"]
    return [
        ("nps_fell", last < previous, {"before": _int(previous), "after": _int(last)}),
        ("nps_detractor", last <= 6, {"score": _int(last)}),
        ("low_csat", csat <= 2, {"score": _int(csat)}),
        ("hard_effort", ces >= 4, {"score": _int(ces)}),
        ("detractor_answers", detractor > 0, {"count": _int(detractor)}),
    ]


def _complaints(c: dict[str, np.ndarray]) -> Rules:
    return [
        ("complaints_open", c["complaints_open"] > 0, {"count": _int(c["complaints_open"])}),
        ("complaints", c["complaints_365d"] > 0, {"count": _int(c["complaints_365d"])}),
    ]


def _interactions(c: dict[str, np.ndarray]) -> Rules:
    since = c["days_since_interaction"]
    never = _int(since).astype(object)
    never[~_known(since)] = None  # never contacted
    return [
        ("no_contact", c["interactions_90d"] == 0, {"days": never}),
        ("inbound_contacts", c["inbound_90d"] > 0, {"count": _int(c["inbound_90d"])}),
    ]


def _campaigns(c: dict[str, np.ndarray]) -> Rules:
    messages, responses = c["messages_365d"], c["responses_365d"]
    return [
        ("no_response", (messages > 0) & (responses == 0), {"messages": _int(messages)}),
        ("few_responses", (messages > 0) & (responses < messages / 2),
         {"responses": _int(responses), "messages": _int(messages)}),
    ]


def _subscription(c: dict[str, np.ndarray]) -> Rules:
    left = c["contract_days_left"]
    return [("contract_ends", (c["subscribed"] > 0) & _known(left), {"days": _int(left)})]


def _btyd(c: dict[str, np.ndarray]) -> Rules:
    p_alive, expected = c["p_alive"], c["expected_purchases"]
    return [
        ("low_p_alive", p_alive < 0.5, {"percent": _int(100 * p_alive)}),
        ("few_expected_purchases", _known(expected),
         {"expected": _Tenths(expected), "days": _int(c["horizon_days"])}),
    ]


#: Each family's rules. NaN compares False, so a rule on a missing value does not apply.
_RULES: dict[str, Callable[[dict[str, np.ndarray]], Rules]] = {
    "recency": _recency, "activity": _activity, "returns": _returns, "feedback": _feedback,
    "complaints": _complaints, "interactions": _interactions, "campaigns": _campaigns,
    "subscription": _subscription, "btyd": _btyd,
}
