"""Reasons from contributions: families summed, strongest first, only what is true."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tenure.analytics.churn import FAMILIES, FEATURES, reasons_for
from tenure.analytics.churn.reasons import MIN_IMPACT


def row(**values):
    base = {f: 0.0 for f in FEATURES}
    for unknown in ("typical_gap_days", "overdue_ratio", "nps_last", "nps_previous",
                    "nps_change", "csat_last", "ces_last", "days_since_interaction",
                    "response_rate_365d", "contract_days_left", "p_alive",
                    "expected_purchases"):
        base[unknown] = math.nan
    base.update(recency_days=10.0, tenure_days=400.0, frequency=5.0, horizon_days=60.0)
    base.update(values)
    return base


def contributions(**by_feature):
    table = {f: 0.0 for f in FEATURES}
    table.update(by_feature)
    table["bias"] = 0.0
    return table


def reasons(features, contribs):
    return reasons_for(pd.DataFrame(features), pd.DataFrame(contribs))


def test_families_are_summed_and_the_strongest_come_first():
    features = [row(recency_days=94.0, typical_gap_days=30.0, overdue_ratio=94 / 30,
                    complaints_open=2.0, complaints_365d=3.0, nps_last=4.0, nps_previous=9.0,
                    nps_change=-5.0, returns_365d=1.0)]
    contribs = [contributions(
        recency_days=0.5, overdue_ratio=0.4,  # recency family: 0.9
        complaints_open=0.3, complaints_365d=0.4,  # complaints: 0.7
        nps_change=0.2, nps_last=0.1,  # feedback: 0.3
        returns_365d=0.25,  # returns: 0.25, fourth: left out
        orders_90d=-1.0,  # lowers the risk: never a reason
    )]
    out = reasons(features, contribs)[0]
    assert [r["code"] for r in out] == ["overdue", "complaints_open", "nps_fell"]
    assert out[0] == {"code": "overdue", "days": 94, "usual_gap": 30, "impact": 0.9}
    assert out[1] == {"code": "complaints_open", "count": 2, "impact": 0.7}
    assert out[2] == {"code": "nps_fell", "before": 9, "after": 4, "impact": 0.3}


def test_a_family_with_nothing_true_to_say_gives_way_to_the_next():
    # The model reads "no complaint" as a risk here; "0 complaints" is no reason.
    features = [row(recency_days=40.0, returns_365d=2.0)]
    contribs = [contributions(complaints_open=0.8, returns_365d=0.3, recency_days=0.2)]
    out = reasons(features, contribs)[0]
    assert [r["code"] for r in out] == ["returns", "no_recent_purchase"]
    assert out[0]["count"] == 2 and out[1]["days"] == 40


def test_small_contributions_are_not_reasons():
    features = [row(returns_365d=1.0)]
    contribs = [contributions(returns_365d=MIN_IMPACT / 2)]
    assert reasons(features, contribs) == [[]]


def test_the_numbers_of_each_family():
    cases = [
        (row(orders_90d=1.0, orders_prev_90d=4.0), "orders_90d",
         {"code": "fewer_orders", "recent": 1, "before": 4}),
        (row(frequency=0.0, tenure_days=75.0), "frequency",
         {"code": "one_purchase", "days": 75}),
        (row(orders_365d=2.0), "orders_365d", {"code": "few_orders", "orders": 2}),
        (row(nps_last=5.0), "nps_last", {"code": "nps_detractor", "score": 5}),
        (row(csat_last=1.0), "csat_last", {"code": "low_csat", "score": 1}),
        (row(ces_last=4.0), "ces_last", {"code": "hard_effort", "score": 4}),
        (row(interactions_90d=0.0, days_since_interaction=130.0), "days_since_interaction",
         {"code": "no_contact", "days": 130}),
        (row(interactions_90d=0.0), "interactions_90d", {"code": "no_contact", "days": None}),
        (row(interactions_90d=5.0, inbound_90d=4.0), "inbound_90d",
         {"code": "inbound_contacts", "count": 4}),
        (row(messages_365d=6.0, responses_365d=0.0), "messages_365d",
         {"code": "no_response", "messages": 6}),
        (row(messages_365d=6.0, responses_365d=1.0), "response_rate_365d",
         {"code": "few_responses", "responses": 1, "messages": 6}),
        (row(subscribed=1.0, contract_days_left=12.0), "contract_days_left",
         {"code": "contract_ends", "days": 12}),
        (row(p_alive=0.234, expected_purchases=0.1), "p_alive",
         {"code": "low_p_alive", "percent": 23}),
        (row(p_alive=0.8, expected_purchases=0.44), "expected_purchases",
         {"code": "few_expected_purchases", "expected": 0.4, "days": 60}),
    ]
    for features, feature, expected in cases:
        out = reasons([features], [contributions(**{feature: 0.5})])[0]
        assert out == [{**expected, "impact": 0.5}], feature


def test_every_feature_belongs_to_exactly_one_family():
    members = [f for fs in FAMILIES.values() for f in fs]
    assert sorted(members) == sorted(FEATURES)


def test_rows_keep_their_order():
    features = [row(returns_365d=float(n)) for n in (1, 2, 3)]
    contribs = [contributions(returns_365d=0.1 * n) for n in (1, 2, 3)]
    out = reasons(features, contribs)
    assert [r[0]["count"] for r in out] == [1, 2, 3]
    assert np.allclose([r[0]["impact"] for r in out], [0.1, 0.2, 0.3])


def test_equal_reasons_are_one_shared_dict_across_chunks():
    features = [row(returns_365d=2.0), row(returns_365d=2.0), row(returns_365d=3.0)]
    contribs = [contributions(returns_365d=0.3)] * 3
    shared: dict = {}
    first = reasons_for(pd.DataFrame(features[:2]), pd.DataFrame(contribs[:2]),
                        shared=shared)
    second = reasons_for(pd.DataFrame(features[2:] + features[:1]),
                         pd.DataFrame(contribs[:2]), shared=shared)
    assert first[0][0] == {"code": "returns", "count": 2, "impact": 0.3}
    assert first[0][0] is first[1][0] is second[1][0]
    assert second[0][0] == {"code": "returns", "count": 3, "impact": 0.3}
    # Without a shared store the reasons are the same, made anew.
    alone = reasons(features, contribs)
    assert alone == first + second[:1]


def test_a_customer_without_a_reason_is_told_the_shops_rate():
    from tenure.analytics.churn.reasons import like_most

    found = like_most([[{"code": "returns", "count": 2, "impact": 0.3}], []], 0.724,
                      np.array([60, 45]))

    assert found[0] == [{"code": "returns", "count": 2, "impact": 0.3}]
    assert found[1] == [{"code": "like_most", "percent": 72, "days": 45, "impact": 0.0}]


def test_a_rhythm_is_claimed_only_with_enough_gaps_and_never_below_a_week():
    recency = contributions(recency_days=0.5)
    cases = [
        # Four purchase days (three gaps), a 30-day gap: a rhythm to be overdue against.
        (row(frequency=3.0, recency_days=94.0, typical_gap_days=30.0),
         {"code": "overdue", "days": 94, "usual_gap": 30}),
        # Two gaps are the shop's rhythm more than the customer's: no "usually buys".
        (row(frequency=2.0, recency_days=94.0, typical_gap_days=30.0),
         {"code": "no_recent_purchase", "days": 94}),
        # Buying every other day is no rhythm to be overdue against after 5 days.
        (row(frequency=20.0, recency_days=5.0, typical_gap_days=2.4),
         {"code": "no_recent_purchase", "days": 5}),
    ]
    for features, expected in cases:
        assert reasons([features], [recency])[0] == [{**expected, "impact": 0.5}]


def test_the_reasons_are_those_of_the_plain_row_by_row_rules():
    rng = np.random.default_rng(7)
    n = 3000
    features = pd.DataFrame({f: rng.integers(0, 8, n).astype(float) for f in FEATURES})
    for f in ("recency_days", "typical_gap_days", "tenure_days", "days_since_interaction",
              "contract_days_left", "horizon_days"):
        features[f] = rng.uniform(0, 200, n).round(rng.integers(0, 3))
    features["p_alive"] = rng.uniform(0, 1, n)
    features["expected_purchases"] = rng.choice([0.05, 0.25, 0.35, 0.45, 1.15, 2.5], n)
    for f in ("recency_days", "typical_gap_days", "tenure_days", "nps_last", "nps_previous",
              "csat_last", "ces_last", "days_since_interaction", "contract_days_left",
              "p_alive", "expected_purchases"):
        features.loc[rng.random(n) < 0.3, f] = np.nan
    contribs = pd.DataFrame(rng.normal(0, 0.1, (n, len(FEATURES))), columns=list(FEATURES))
    contribs["bias"] = 0.0
    for limit in (3, 1):
        fast = reasons_for(features, contribs, limit=limit)
        plain = plain_reasons(features, contribs, limit)
        # The same reasons with their numbers in the same order (they are written as JSON).
        assert [[list(r.items()) for r in rs] for rs in fast] == \
            [[list(r.items()) for r in rs] for rs in plain]
        assert sum(map(len, fast)) > n / 2


# -- the reference: each row's families in order, each rule read from the row's dict --------


def plain_reasons(features, contribs, limit=3):
    names = list(FAMILIES)
    out = []
    for (_, f), (_, c) in zip(features.iterrows(), contribs.iterrows(), strict=True):
        impact = {n: sum(c[x] for x in FAMILIES[n]) for n in names}
        found = []
        for name in sorted(names, key=lambda n: -impact[n]):  # stable, as argsort's
            if impact[name] < MIN_IMPACT or len(found) == limit:
                break
            reason = PLAIN[name](f.to_dict())
            if reason is not None:
                found.append({**reason, "impact": round(float(impact[name]), 3)})
        out.append(found)
    return out


def known(value):
    return value is not None and not math.isnan(value)


def whole(value):
    return int(round(float(value)))


def plain_recency(r):
    days, gap = r["recency_days"], r["typical_gap_days"]
    if not known(days):
        return None
    if r["frequency"] >= 3 and known(gap) and gap >= 7 and days > gap:
        return {"code": "overdue", "days": whole(days), "usual_gap": whole(gap)}
    return {"code": "no_recent_purchase", "days": whole(days)}


def plain_activity(r):
    if r["orders_prev_90d"] > r["orders_90d"]:
        return {"code": "fewer_orders", "recent": whole(r["orders_90d"]),
                "before": whole(r["orders_prev_90d"])}
    if r["frequency"] == 0 and known(r["tenure_days"]):
        return {"code": "one_purchase", "days": whole(r["tenure_days"])}
    if known(r["tenure_days"]):
        return {"code": "few_orders", "orders": whole(r["orders_365d"])}
    return None


def plain_feedback(r):
    last, previous = r["nps_last"], r["nps_previous"]
    if known(last) and known(previous) and last < previous:
        return {"code": "nps_fell", "before": whole(previous), "after": whole(last)}
    if known(last) and last <= 6:
        return {"code": "nps_detractor", "score": whole(last)}
    if known(r["csat_last"]) and r["csat_last"] <= 2:
        return {"code": "low_csat", "score": whole(r["csat_last"])}
    if known(r["ces_last"]) and r["ces_last"] >= 4:
        return {"code": "hard_effort", "score": whole(r["ces_last"])}
    if r["detractor_answers_365d"] > 0:
        return {"code": "detractor_answers", "count": whole(r["detractor_answers_365d"])}
    return None


def plain_complaints(r):
    if r["complaints_open"] > 0:
        return {"code": "complaints_open", "count": whole(r["complaints_open"])}
    if r["complaints_365d"] > 0:
        return {"code": "complaints", "count": whole(r["complaints_365d"])}
    return None


def plain_interactions(r):
    if r["interactions_90d"] == 0:
        since = r["days_since_interaction"]
        return {"code": "no_contact", "days": whole(since) if known(since) else None}
    if r["inbound_90d"] > 0:
        return {"code": "inbound_contacts", "count": whole(r["inbound_90d"])}
    return None


def plain_campaigns(r):
    messages, responses = r["messages_365d"], r["responses_365d"]
    if messages > 0 and responses == 0:
        return {"code": "no_response", "messages": whole(messages)}
    if messages > 0 and responses < messages / 2:
        return {"code": "few_responses", "responses": whole(responses),
                "messages": whole(messages)}
    return None


def plain_btyd(r):
    p_alive, expected = r["p_alive"], r["expected_purchases"]
    if known(p_alive) and p_alive < 0.5:
        return {"code": "low_p_alive", "percent": whole(100 * p_alive)}
    if known(expected):
        return {"code": "few_expected_purchases", "expected": round(float(expected), 1),
                "days": whole(r["horizon_days"])}
    return None


PLAIN = {
    "recency": plain_recency, "activity": plain_activity,
    "returns": lambda r: ({"code": "returns", "count": whole(r["returns_365d"])}
                          if r["returns_365d"] > 0 else None),
    "feedback": plain_feedback, "complaints": plain_complaints,
    "interactions": plain_interactions, "campaigns": plain_campaigns,
    "subscription": lambda r: ({"code": "contract_ends", "days": whole(r["contract_days_left"])}
                               if r["subscribed"] > 0 and known(r["contract_days_left"])
                               else None),
    "btyd": plain_btyd,
}
