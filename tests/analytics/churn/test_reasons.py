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


def test_rows_read_in_chunks_are_the_rows_read_at_once():
    from tenure.analytics.churn.reasons import _records

    table = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [0.5, np.nan, 2.0, 3.5, 4.0],
                          "c": ["x", "y", None, "z", "w"]})
    whole = table.to_dict("records")
    chunked = list(_records(table, chunk_rows=2))
    assert len(chunked) == 5
    for got, want in zip(chunked, whole, strict=True):
        assert got.keys() == want.keys()
        for key in want:
            assert type(got[key]) is type(want[key])
            assert got[key] == want[key] or (want[key] != want[key] and got[key] != got[key])
