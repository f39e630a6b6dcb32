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

import math
from collections.abc import Callable, Iterator
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


def reasons_for(features: pd.DataFrame, contributions: pd.DataFrame, *,
                limit: int = MAX_REASONS) -> list[list[Reason]]:
    """Return each customer's reasons, strongest first.

    Parameters
    ----------
    features : pandas.DataFrame
        The customers' feature rows (`tenure.analytics.churn.features.FEATURES`).
    contributions : pandas.DataFrame
        Their contributions (`ChurnModel.contributions`), same rows in the same order.
    limit : int
        Reasons per customer at most.

    Returns
    -------
    list of list of dict
        One list per row, each reason ``{"code": ..., <numbers>, "impact": ...}``.
    """
    names = list(FAMILIES)
    impact = np.column_stack([
        contributions[list(FAMILIES[f])].to_numpy(dtype=float).sum(axis=1) for f in names])
    order = np.argsort(-impact, axis=1, kind="stable")
    out: list[list[Reason]] = []
    for i, row in enumerate(_records(features)):
        found: list[Reason] = []
        for j in order[i]:
            if impact[i, j] < MIN_IMPACT or len(found) == limit:
                break
            reason = _BUILDERS[names[j]](row)
            if reason is not None:
                reason["impact"] = round(float(impact[i, j]), 3)
                found.append(reason)
        out.append(found)
    return out


def _records(features: pd.DataFrame, chunk_rows: int = 50_000) -> Iterator[dict[str, Any]]:
    """Yield the rows as dicts, a chunk of rows at a time: a million rows' dicts at once
    took gigabytes."""
    for start in range(0, len(features), chunk_rows):
        yield from features.iloc[start:start + chunk_rows].to_dict("records")


def like_most(reasons: list[list[Reason]], churn_rate: float,
              horizons: np.ndarray) -> list[list[Reason]]:
    """Give each customer without a reason the ``like_most`` one: the shop's churn rate
    (a fraction) over their own horizon in days."""
    percent = round(100 * float(churn_rate))
    return [found or [{"code": "like_most", "percent": percent, "days": int(days),
                       "impact": 0.0}]
            for found, days in zip(reasons, horizons, strict=True)]


def _known(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _int(value: Any) -> int:
    return int(round(float(value)))


def _recency(row: dict[str, Any]) -> Reason | None:
    days, gap = row["recency_days"], row["typical_gap_days"]
    if not _known(days):
        return None
    rhythm = (row["frequency"] >= MIN_RHYTHM_GAPS and _known(gap)
              and gap >= MIN_RHYTHM_DAYS)
    if rhythm and days > gap:
        return {"code": "overdue", "days": _int(days), "usual_gap": _int(gap)}
    return {"code": "no_recent_purchase", "days": _int(days)}


def _activity(row: dict[str, Any]) -> Reason | None:
    recent, before = row["orders_90d"], row["orders_prev_90d"]
    if before > recent:
        return {"code": "fewer_orders", "recent": _int(recent), "before": _int(before)}
    if row["frequency"] == 0 and _known(row["tenure_days"]):
        return {"code": "one_purchase", "days": _int(row["tenure_days"])}
    if _known(row["tenure_days"]):
        return {"code": "few_orders", "orders": _int(row["orders_365d"])}
    return None


def _returns(row: dict[str, Any]) -> Reason | None:
    if row["returns_365d"] > 0:
        return {"code": "returns", "count": _int(row["returns_365d"])}
    return None


def _feedback(row: dict[str, Any]) -> Reason | None:
    last, previous = row["nps_last"], row["nps_previous"]
    if _known(last) and _known(previous) and last < previous:
        return {"code": "nps_fell", "before": _int(previous), "after": _int(last)}
    if _known(last) and last <= 6:
        return {"code": "nps_detractor", "score": _int(last)}
    if _known(row["csat_last"]) and row["csat_last"] <= 2:
        return {"code": "low_csat", "score": _int(row["csat_last"])}
    if _known(row["ces_last"]) and row["ces_last"] >= 4:
        return {"code": "hard_effort", "score": _int(row["ces_last"])}
    if row["detractor_answers_365d"] > 0:
        return {"code": "detractor_answers", "count": _int(row["detractor_answers_365d"])}
    return None


def _complaints(row: dict[str, Any]) -> Reason | None:
    if row["complaints_open"] > 0:
        return {"code": "complaints_open", "count": _int(row["complaints_open"])}
    if row["complaints_365d"] > 0:
        return {"code": "complaints", "count": _int(row["complaints_365d"])}
    return None


def _interactions(row: dict[str, Any]) -> Reason | None:
    if row["interactions_90d"] == 0:
        since = row["days_since_interaction"]
        return {"code": "no_contact", "days": _int(since) if _known(since) else None}
    if row["inbound_90d"] > 0:
        return {"code": "inbound_contacts", "count": _int(row["inbound_90d"])}
    return None


def _campaigns(row: dict[str, Any]) -> Reason | None:
    messages, responses = row["messages_365d"], row["responses_365d"]
    if messages > 0 and responses == 0:
        return {"code": "no_response", "messages": _int(messages)}
    if messages > 0 and responses < messages / 2:
        return {"code": "few_responses", "responses": _int(responses),
                "messages": _int(messages)}
    return None


def _subscription(row: dict[str, Any]) -> Reason | None:
    if row["subscribed"] > 0 and _known(row["contract_days_left"]):
        return {"code": "contract_ends", "days": _int(row["contract_days_left"])}
    return None


def _btyd(row: dict[str, Any]) -> Reason | None:
    p_alive, expected = row["p_alive"], row["expected_purchases"]
    if _known(p_alive) and p_alive < 0.5:
        return {"code": "low_p_alive", "percent": _int(100 * p_alive)}
    if _known(expected):
        return {"code": "few_expected_purchases", "expected": round(float(expected), 1),
                "days": _int(row["horizon_days"])}
    return None


_BUILDERS: dict[str, Callable[[dict[str, Any]], Reason | None]] = {
    "recency": _recency, "activity": _activity, "returns": _returns, "feedback": _feedback,
    "complaints": _complaints, "interactions": _interactions, "campaigns": _campaigns,
    "subscription": _subscription, "btyd": _btyd,
}
